#include "mount/idmap_support.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstdio>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace ucrun::mount {

namespace {

// statfs(2) f_type of file systems one meets under a rootfs or as a volume.
std::string magic_name(unsigned long m) {
    static const struct {
        unsigned long magic;
        const char* name;
    } known[] = {{0xEF53, "ext4"},         {0x58465342, "xfs"},      {0x9123683E, "btrfs"},
                 {0x01021994, "tmpfs"},    {0x858458F6, "ramfs"},    {0x794c7630, "overlay"},
                 {0x65735546, "fuse"},     {0x6969, "nfs"},          {0x9FA0, "proc"},
                 {0x62656572, "sysfs"},    {0x73717368, "squashfs"}, {0xE0F5E1E2, "erofs"},
                 {0xF2F52010, "f2fs"},     {0x2FC12FC1, "zfs"},      {0xFF534D42, "cifs"},
                 {0xFE534D42, "smb2"},     {0x00C36400, "ceph"},     {0x01021997, "9p"},
                 {0x4D44, "vfat"},         {0x63677270, "cgroup2"},  {0x27E0EB, "cgroup"},
                 {0x958458F6, "hugetlbfs"}, {0x1CD1, "devpts"},      {0x19800202, "mqueue"},
                 {0x64626720, "debugfs"},  {0x74726163, "tracefs"},  {0x6E736673, "nsfs"}};
    for (const auto& k : known)
        if (k.magic == m) return k.name;
    char buf[40];
    std::snprintf(buf, sizeof buf, "a file system of type 0x%lx", m);
    return buf;
}

bool can_idmap(const sys::Kernel& k, int dirfd, bool recursive, int userns_fd) {
    Fd tree(k.open_tree(dirfd, "",
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0)));
    if (!tree) return false;
    struct mount_attr attr = idmap_attr(userns_fd);
    return k.mount_setattr(tree.get(), "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr) == 0;
}

}  // namespace

struct mount_attr idmap_attr(int userns_fd) {
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(userns_fd);
    return attr;
}

std::string fs_type(const sys::Kernel& k, int fd, const std::vector<sys::MountInfo>& mi) {
    // Only the mount id is wanted: AT_STATX_DONT_SYNC keeps a network or
    // FUSE file system (whose server may never answer) out of it.
    struct statx sx {};
    if (k.statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) == 0 && (sx.stx_mask & STATX_MNT_ID))
        if (const sys::MountInfo* m = sys::find_mount(mi, sx.stx_mnt_id)) return m->fstype;
    struct statfs sf {};
    if (k.fstatfs(fd, &sf) < 0) return "an unknown file system";
    return magic_name(static_cast<unsigned long>(sf.f_type));
}

std::string idmap_blocker(const sys::Kernel& k, int dirfd, const std::string& path, bool recursive, int userns_fd,
                          const std::vector<sys::MountInfo>& mi) {
    if (!recursive || !can_idmap(k, dirfd, false, userns_fd)) {
        const std::string type = fs_type(k, dirfd, mi);
        return path + " is on " + type + ", which cannot be idmapped: the kernel does not support idmapped mounts on " +
               type;
    }
    std::string subs;
    for (const auto& m : mi)
        if (sys::is_under(m.mount_point, path)) subs += (subs.empty() ? "" : ", ") + m.mount_point + " (" + m.fstype + ")";
    return path + " has mounts under it of which one cannot be idmapped (the kernel does not support idmapped "
                  "mounts on its file system): " + subs;
}

std::vector<sys::MountInfo> read_mountinfo(const sys::Kernel& k) {
    const char* path = "/proc/self/mountinfo";
    Fd fd(k.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) throw_errno(std::string("open ") + path);
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = k.read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno(std::string("read ") + path);
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    return sys::parse_mountinfo(text);
}

}  // namespace ucrun::mount
