#include "mount/rootfs_idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <linux/securebits.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "mount/idmap_support.hpp"
#include "mount/overlay_options.hpp"
#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/mountinfo.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

namespace {

// The workdir of the rebuilt overlay, inside the original's (see header).
constexpr const char* kWorkSubdir = "ucrun-idmap";
constexpr unsigned long kOverlayMagic = 0x794c7630;  // OVERLAYFS_SUPER_MAGIC

[[noreturn]] void refuse(const std::string& reason) { throw oci::SpecError("config.json", "root.path", reason); }

struct Where {
    uint64_t mnt_id = 0;
    bool mount_root = false;
    uint64_t dev_major = 0, dev_minor = 0, ino = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    bool same_inode(const Where& o) const {
        return dev_major == o.dev_major && dev_minor == o.dev_minor && ino == o.ino;
    }
};

Where where(const sys::Kernel& k, int fd, const std::string& what) {
    struct statx sx {};
    if (k.statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID, &sx) < 0)
        throw_errno("statx " + what);
    if (!(sx.stx_mask & STATX_MNT_ID)) throw Error("statx " + what + ": no mount id (needs Linux 5.8)");
    Where w;
    w.mnt_id = sx.stx_mnt_id;
    w.mount_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
    w.dev_major = sx.stx_dev_major;
    w.dev_minor = sx.stx_dev_minor;
    w.ino = sx.stx_ino;
    w.uid = sx.stx_uid;
    w.gid = sx.stx_gid;
    return w;
}

Fd open_path(const sys::Kernel& k, int dirfd, const std::string& path, uint64_t resolve, const std::string& what) {
    struct open_how how {};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = resolve;
    Fd fd(k.openat2(dirfd, path.c_str(), &how));
    if (!fd) throw_errno("open " + what);
    return fd;
}

// A detached clone of the mount at `dirfd` (rooted there), idmapped.
Fd idmapped_clone(const sys::Kernel& k, int dirfd, int userns_fd, const std::string& what,
                  const std::vector<sys::MountInfo>& mi) {
    Fd tree(k.open_tree(dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree) throw_errno("clone the mount of " + what);
    struct mount_attr attr = idmap_attr(userns_fd);
    if (k.mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr) < 0) {
        int err = errno;
        refuse(idmap_blocker(k, dirfd, what, false, userns_fd, mi) + " (mount_setattr: " + std::strerror(err) + ")");
    }
    return tree;
}

// The kernel's messages about a failed fs_context (fsopen(2): read the fd).
std::string fs_log(const sys::Kernel& k, int fsfd) {
    std::string out;
    char buf[512];
    for (int i = 0; i < 16; ++i) {
        ssize_t n = k.read(fsfd, buf, sizeof buf - 1);
        if (n <= 0) break;
        if (!out.empty()) out += "; ";
        out.append(buf, static_cast<size_t>(n));
    }
    return out.empty() ? out : " [" + out + "]";
}

void fs_set(const sys::Kernel& k, int fsfd, unsigned cmd, const std::string& key, const char* value, int aux,
            const std::string& what) {
    if (k.fsconfig(fsfd, cmd, key.c_str(), value, aux) < 0) {
        int err = errno;
        throw SysError("overlay " + what + fs_log(k, fsfd), err);
    }
}

// FSCONFIG_CMD_CREATE with fsuid/fsgid `uid`/`gid`. overlayfs keeps the
// creator's credentials (ovl_fill_super: prepare_creds()) for its own work
// in the layers: the workdir it creates now and every copy-up later. Through
// an idmapped upper layer host root's fsuid 0 is unmapped (EOVERFLOW); the
// owner of the upper directory seen through that mount is mapped, and
// creates files owned on disk as the upper directory itself.
// SECBIT_NO_SETUID_FIXUP keeps the capabilities (CAP_CHOWN etc.) that a
// non-zero fsuid would drop (capabilities(7)): copy-up needs them. ucrun is
// single-threaded, so the change is ours alone for its duration; FsCreds
// puts fsuid, fsgid and the securebits back on every path (a forked child
// did this before, at a fork and an exit per remapped start).
class FsCreds {
public:
    FsCreds(uid_t uid, gid_t gid) {
        bits_ = ::prctl(PR_GET_SECUREBITS);
        if (bits_ < 0) throw_errno("prctl PR_GET_SECUREBITS");
        if (::prctl(PR_SET_SECUREBITS, static_cast<unsigned long>(bits_) | SECBIT_NO_SETUID_FIXUP) < 0)
            throw_errno("prctl PR_SET_SECUREBITS");
        old_gid_ = static_cast<gid_t>(::setfsgid(gid));
        old_uid_ = static_cast<uid_t>(::setfsuid(uid));
        // setfsuid(2) reports no error: read the value back.
        if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != uid ||
            static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != gid) {
            restore();
            throw SysError("set fsuid/fsgid " + std::to_string(uid) + "/" + std::to_string(gid) +
                               " to create the overlay", EPERM);
        }
    }
    ~FsCreds() { restore(); }
    FsCreds(const FsCreds&) = delete;
    FsCreds& operator=(const FsCreds&) = delete;

private:
    void restore() {
        ::setfsuid(old_uid_);
        ::setfsgid(old_gid_);
        ::prctl(PR_SET_SECUREBITS, static_cast<unsigned long>(bits_));
    }
    int bits_ = 0;
    uid_t old_uid_ = 0;
    gid_t old_gid_ = 0;
};

void create_as(const sys::Kernel& k, int fsfd, uid_t uid, gid_t gid) {
    FsCreds as(uid, gid);
    if (k.fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
        int err = errno;
        throw SysError("create the overlay" + fs_log(k, fsfd), err);
    }
}

// The per-mount flags of root.path's mount, for the new mount (a bind of
// root.path would have kept them).
unsigned mount_attrs(const sys::Kernel& k, int fd) {
    struct statvfs sv {};
    if (k.fstatvfs(fd, &sv) < 0) throw_errno("statvfs rootfs");
    unsigned a = 0;
    if (sv.f_flag & ST_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (sv.f_flag & ST_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (sv.f_flag & ST_NODEV) a |= MOUNT_ATTR_NODEV;
    if (sv.f_flag & ST_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        a |= MOUNT_ATTR_NOATIME;
    else if (!(sv.f_flag & ST_RELATIME))
        a |= MOUNT_ATTR_STRICTATIME;
    if (sv.f_flag & ST_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
    return a;
}

// "/a/b/c", "/a/b/d" -> "/a/b"
std::string common_dir(const std::string& a, const std::string& b) {
    size_t last = 0;  // end of the last common component
    for (size_t i = 0; i <= a.size() && i <= b.size(); ++i) {
        bool ea = i == a.size() || a[i] == '/', eb = i == b.size() || b[i] == '/';
        if (ea && eb) last = i;
        if (i == a.size() || i == b.size() || a[i] != b[i]) break;
    }
    return last == 0 ? "/" : a.substr(0, last);
}

std::string relative_to(const std::string& path, const std::string& dir) {
    if (path == dir) return ".";
    return path.substr(dir == "/" ? 1 : dir.size() + 1);
}

Fd idmap_plain(const sys::Kernel& k, int rootfd, const std::string& rootfs, int userns_fd) {
    Fd tree(k.open_tree(rootfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
    if (!tree) throw_errno("clone the mounts of root.path " + rootfs);
    struct mount_attr attr = idmap_attr(userns_fd);
    if (k.mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) == 0) return tree;
    int err = errno;
    // The mount table only to say why (as mount/idmap.cpp): reading it is
    // not free, and a remapped start that succeeds has no use for it.
    refuse(idmap_blocker(k, rootfd, rootfs, true, userns_fd, read_mountinfo(k)) + " (mount_setattr: " +
           std::strerror(err) + ")");
}

bool kernel_at_least(int major, int minor) {
    struct utsname u {};
    int ma = 0, mi = 0;
    if (::uname(&u) < 0 || std::sscanf(u.release, "%d.%d", &ma, &mi) != 2) return true;  // unknown: no claim
    return ma > major || (ma == major && mi >= minor);
}

// Module parameter: the default of index when a mount does not say.
bool index_default_on() {
    try {
        std::string v = sys::read_file("/sys/module/overlay/parameters/index");
        return !v.empty() && v[0] == 'Y';
    } catch (const SysError&) {
        return false;
    }
}

Fd idmap_overlay(const sys::Kernel& k, int rootfd, const Where& at, const std::string& rootfs, int userns_fd,
                 const std::vector<sys::MountInfo>& mi) {
    const sys::MountInfo* m = sys::find_mount(mi, at.mnt_id);
    if (!m || m->fstype != "overlay")
        throw Error("root.path " + rootfs + ": mount " + std::to_string(at.mnt_id) +
                    " is not an overlay in /proc/self/mountinfo");
    for (const auto& s : mi)
        if (sys::is_under(s.mount_point, rootfs))
            refuse(rootfs + " is on overlay with a mount under it (" + s.mount_point +
                   "): the overlay rebuilt with idmapped layers would not have it");
    OverlayConfig c;
    try {
        c = parse_overlay_options(m->super_options);
    } catch (const Error& e) {
        refuse(rootfs + " is on overlay, which is rebuilt with idmapped layers: " + e.what());
    }
    if (!c.upper.empty() && c.index.value_or(index_default_on()))
        refuse(rootfs +
               " is on overlay with index=on: its upper layer cannot be shared with a second, idmapped overlay");

    // Where root.path is inside the overlay's file system.
    std::string inside = m->root;
    if (!at.mount_root) {
        if (!sys::is_under(rootfs, m->mount_point))
            throw Error("root.path " + rootfs + " is not under its mount's mount point " + m->mount_point);
        std::string rel = relative_to(rootfs, m->mount_point);
        // The mount point's path may be shadowed or stale: check that it
        // leads to this very mount and, from there, to root.path.
        Fd mp = open_path(k, AT_FDCWD, m->mount_point, RESOLVE_NO_SYMLINKS, "overlay mount point " + m->mount_point);
        Where w = where(k, mp.get(), m->mount_point);
        Fd sub = open_path(k, mp.get(), rel, RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_BENEATH, rootfs);
        if (w.mnt_id != m->id || !w.mount_root || !where(k, sub.get(), rootfs).same_inode(at))
            throw Error("root.path " + rootfs + ": cannot locate it inside its overlay mount " + m->mount_point);
        inside = (inside == "/" ? "" : inside) + "/" + rel;
    }

    Fd fs(k.fsopen("overlay", FSOPEN_CLOEXEC));
    if (!fs) throw_errno("fsopen overlay");
    // The layers' detached mounts must live until the overlay is created:
    // closing a detached tree's last fd unmounts it, and overlayfs then
    // fails to clone it (clone_private_mount: EINVAL, "failed to clone
    // upperpath").
    std::vector<Fd> layers;
    auto add_lower = [&](const std::string& path, const char* key) {
        Fd dir = open_path(k, AT_FDCWD, path, RESOLVE_NO_MAGICLINKS, "overlay layer " + path);
        Fd tree = idmapped_clone(k, dir.get(), userns_fd, "overlay layer " + path, mi);
        if (k.fsconfig(fs.get(), FSCONFIG_SET_FD, key, nullptr, tree.get()) < 0) {
            int err = errno;
            if (err == EINVAL && !kernel_at_least(6, 13))
                refuse(rootfs + " is on overlay, which is rebuilt with idmapped layers given as file descriptors "
                       "(fsconfig FSCONFIG_SET_FD \"lowerdir+\"): that needs Linux 6.13 or later" +
                       fs_log(k, fs.get()));
            throw SysError("overlay " + std::string(key) + " " + path + fs_log(k, fs.get()), err);
        }
        layers.push_back(std::move(tree));
    };
    for (const auto& l : c.lower) add_lower(l, "lowerdir+");
    for (const auto& d : c.data) add_lower(d, "datadir+");

    uid_t creator_uid = 0;
    gid_t creator_gid = 0;
    if (!c.upper.empty()) {
        Fd upper = open_path(k, AT_FDCWD, c.upper, RESOLVE_NO_MAGICLINKS, "overlay upperdir " + c.upper);
        Fd work = open_path(k, AT_FDCWD, c.work, RESOLVE_NO_MAGICLINKS, "overlay workdir " + c.work);
        // overlayfs: "workdir and upperdir must reside under the same
        // mount": one idmapped clone of their common directory holds both.
        std::string base_path = common_dir(c.upper, c.work);
        Fd base = open_path(k, AT_FDCWD, base_path, RESOLVE_NO_MAGICLINKS, "overlay layers' directory " + base_path);
        Fd tree = idmapped_clone(k, base.get(), userns_fd, "overlay upperdir " + c.upper, mi);
        const uint64_t beneath = RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_BENEATH;
        Fd up_in = open_path(k, tree.get(), relative_to(c.upper, base_path), beneath, "overlay upperdir " + c.upper);
        Fd work_in = open_path(k, tree.get(), relative_to(c.work, base_path), beneath, "overlay workdir " + c.work);
        Where up_w = where(k, up_in.get(), c.upper);
        if (!up_w.same_inode(where(k, upper.get(), c.upper)) ||
            !where(k, work_in.get(), c.work).same_inode(where(k, work.get(), c.work)))
            refuse(rootfs + " is on overlay whose upperdir " + c.upper + " and workdir " + c.work +
                   " are not plain directories under one mount");
        // Our own workdir (see header), owned by root, no symlink.
        if (k.mkdirat(work.get(), kWorkSubdir, 0700) < 0 && errno != EEXIST)
            throw_errno("create " + c.work + "/" + kWorkSubdir);
        Fd own(k.openat(work.get(), kWorkSubdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!own) throw_errno("open " + c.work + "/" + kWorkSubdir);
        Where own_w = where(k, own.get(), c.work + "/" + kWorkSubdir);
        if (own_w.uid != 0) throw Error(c.work + "/" + kWorkSubdir + " is not owned by root");
        Fd own_in(k.openat(work_in.get(), kWorkSubdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!own_in || !where(k, own_in.get(), c.work).same_inode(own_w))
            throw_errno("open " + c.work + "/" + kWorkSubdir + " through the idmapped mount");
        fs_set(k, fs.get(), FSCONFIG_SET_FD, "upperdir", nullptr, up_in.get(), "upperdir " + c.upper);
        fs_set(k, fs.get(), FSCONFIG_SET_FD, "workdir", nullptr, own_in.get(), "workdir " + c.work);
        fs_set(k, fs.get(), FSCONFIG_SET_STRING, "index", "off", 0, "index=off");
        creator_uid = up_w.uid;
        creator_gid = up_w.gid;
        layers.push_back(std::move(tree));
    }
    for (const auto& [key, v] : c.carry) {
        if (v.empty())
            fs_set(k, fs.get(), FSCONFIG_SET_FLAG, key, nullptr, 0, key);
        else
            fs_set(k, fs.get(), FSCONFIG_SET_STRING, key, v.c_str(), 0, key + "=" + v);
    }
    if (c.read_only) fs_set(k, fs.get(), FSCONFIG_SET_FLAG, "ro", nullptr, 0, "ro");
    if (c.upper.empty())
        fs_set(k, fs.get(), FSCONFIG_CMD_CREATE, "", nullptr, 0, "create");
    else
        create_as(k, fs.get(), creator_uid, creator_gid);

    Fd mnt(k.fsmount(fs.get(), FSMOUNT_CLOEXEC, mount_attrs(k, rootfd)));
    if (!mnt) throw_errno("fsmount the idmapped overlay");
    if (inside == "/" || inside.empty()) return mnt;
    // root.path below the overlay's root: that subtree of the new overlay.
    Fd dir = open_path(k, mnt.get(), inside.substr(1), RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_BENEATH,
                       "root.path " + rootfs + " inside the rebuilt overlay");
    Fd sub(k.open_tree(dir.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!sub) throw_errno("clone root.path " + rootfs + " inside the rebuilt overlay");
    return sub;
}

}  // namespace

Fd make_idmapped_rootfs(const sys::Kernel& k, const std::string& rootfs, int userns_fd) {
    if (k.ioctl(userns_fd, NS_GET_NSTYPE) != CLONE_NEWUSER)
        throw Error("make_idmapped_rootfs: fd " + std::to_string(userns_fd) + " is not a user namespace");
    Fd root(k.open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw_errno("open root.path " + rootfs);
    struct statfs sf {};
    if (k.fstatfs(root.get(), &sf) < 0) throw_errno("statfs root.path " + rootfs);
    if (static_cast<unsigned long>(sf.f_type) != kOverlayMagic) return idmap_plain(k, root.get(), rootfs, userns_fd);
    return idmap_overlay(k, root.get(), where(k, root.get(), rootfs), rootfs, userns_fd, read_mountinfo(k));
}

}  // namespace ucrun::mount
