#include "mount/devices.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mount/mounter.hpp"
#include "mount/path.hpp"
#include "sys/error.hpp"

namespace ucrun::mount {

namespace {

struct DefaultDev {
    const char* path;
    unsigned major, minor;
};
// config-linux.md "Default Devices"
constexpr DefaultDev kDefaults[] = {
    {"/dev/null", 1, 3}, {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

mode_t type_bits(const std::string& t) {
    if (t == "b") return S_IFBLK;
    if (t == "p") return S_IFIFO;
    return S_IFCHR;  // c, u
}

// Whether files made in the directory `fd` take its group (its set-gid
// bit) rather than their maker's.
bool gives_its_group(const sys::Kernel& k, int fd) {
    struct stat st;
    return k.fstat(fd, &st) < 0 || (st.st_mode & S_ISGID);
}

// Whether the container's /dev is a file system config.json mounts there
// (the last mount at "/dev", not a bind): a fresh one, whose root has no
// default ACL (acl(5): it masks the mode of what is made, umask or not).
// Else it is the image's directory, which may have one.
bool dev_is_fresh(const oci::Config& cfg) {
    bool fresh = false;
    for (const auto& m : cfg.mounts)
        if (m.destination == "/dev") fresh = !is_bind(m);
    return fresh;
}

// Creates one device node at `path` inside the root (config-linux.md
// "Devices"): mknod with exactly the fileMode, uid and gid given (runc
// creates them under umask 0, as setup_dev makes them). In a user
// namespace the kernel refuses mknod of devices: the host's node at the
// same path is bound instead (runc). Whatever the rootfs has there (a
// planted symlink to a host file) is removed, never followed; something
// mounted there by config.json's mounts is left in place: that mount wins.
// `devfd` is the rootfs's /dev, already open: a node directly in it (all
// the default ones) needs no walk of its own; `dev_exact` says that what
// is made there comes out as asked (a fresh /dev, not set-gid); `root_makes`
// whether we make files as 0:0 (the init's effective ids: without a user
// namespace they are the caller's, whose group need not be 0).
void make_device(const sys::Kernel& k, const RootfsSpec& spec, int rootfd, int devfd, bool dev_exact,
                 bool root_makes, const std::string& path, mode_t type, unsigned major, unsigned minor, mode_t perm,
                 uid_t uid, gid_t gid) {
    const std::string display = spec.rootfs + path;
    auto slash = path.rfind('/');
    const std::string parent = path.substr(0, slash == 0 ? 1 : slash);
    Fd own_dir = parent == "/dev" ? Fd() : mkdir_in_root(k, rootfd, parent, false, display);
    const int dirfd = own_dir ? own_dir.get() : devfd;
    std::string name = path.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") throw Error("device " + path + ": not a file name");
    // What is in the way: looked at only when there is something (EEXIST),
    // which a fresh /dev tmpfs never has.
    auto clear_the_way = [&] {
        struct stat st;
        if (k.fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return true;
        if (S_ISDIR(st.st_mode)) throw Error("device " + display + ": a directory is in the way");
        if (k.unlinkat(dirfd, name.c_str(), 0) < 0) {
            if (errno == EBUSY) return false;  // a mount of config.json
            throw_errno("remove " + display);
        }
        return true;
    };
    if (!spec.userns || type == S_IFIFO) {
        int made = k.mknodat(dirfd, name.c_str(), type | perm, makedev(major, minor));
        if (made < 0 && errno == EEXIST) {
            if (!clear_the_way()) return;
            made = k.mknodat(dirfd, name.c_str(), type | perm, makedev(major, minor));
        }
        if (made < 0) throw_errno("mknod " + display);
        // Just made, under umask 0: in a fresh /dev, not set-gid, by 0:0, it
        // is exactly as asked when 0:0 is asked (every default device).
        if (uid == 0 && gid == 0 && root_makes && dev_exact && !own_dir) return;
        // Else it is looked at. The name is not ours to trust: without a
        // /dev tmpfs the directory is the image's, and another container
        // sharing that rootfs can swap a symlink to a host file in for the
        // node between mknod and here (chmod follows links, and our root is
        // still the host's). So the node is opened without following, as
        // an O_PATH fd checked to be the node we made, and its owner and
        // mode are set on that inode.
        Fd node(k.openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        struct stat st;
        if (!node || k.fstat(node.get(), &st) < 0) throw_errno("open " + display);
        if ((st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != makedev(major, minor)))
            throw Error("device " + display + ": replaced while it was being made");
        const bool chown = st.st_uid != uid || st.st_gid != gid;  // the maker's ids, or a set-gid dir's group
        if (chown && k.fchownat(node.get(), "", uid, gid, AT_EMPTY_PATH) < 0) throw_errno("chown " + display);
        // The mode again where a default ACL of the directory masked it, or
        // the chown cleared its set-id bits (chown(2)).
        if (((st.st_mode & 07777) != perm || (chown && (perm & (S_ISUID | S_ISGID)))) &&
            k.chmod_opath(node.get(), perm) < 0)
            throw_errno("chmod " + display);
        return;
    }
    if (!clear_the_way()) return;
    Fd f(k.openat(dirfd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!f) throw_errno("create " + display);
    f.reset();
    Fd target(k.openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!target) throw_errno("open " + display);
    Options o;
    o.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC;
    Fd tree = clone_tree(k, AT_FDCWD, path, o, display);  // the host's node, same path
    attach(k, tree.get(), target.get(), display);
}

// The umask for what is in scope, as it was after (umask(2) cannot fail).
class UmaskFor {
public:
    UmaskFor(const sys::Kernel& k, mode_t mask) : k_(k), old_(k.umask(mask)) {}
    ~UmaskFor() { k_.umask(old_); }
    UmaskFor(const UmaskFor&) = delete;
    UmaskFor& operator=(const UmaskFor&) = delete;

private:
    const sys::Kernel& k_;
    mode_t old_;
};

void make_symlink(const sys::Kernel& k, int devfd, const char* target, const std::string& link) {
    std::string name = link.substr(5);
    if (k.symlinkat(target, devfd, name.c_str()) < 0 && errno != EEXIST) throw_errno("symlink /dev/" + name);
}

}  // namespace

void setup_dev(const sys::Kernel& k, const RootfsSpec& spec, int rootfd) {
    const oci::Config& cfg = *spec.cfg;
    // A /dev bind-mounted from the host is left as it is (runc).
    for (const auto& m : cfg.mounts)
        if (m.destination == "/dev" && is_bind(m)) return;
    Fd dev = open_in_root(k, rootfd, "/dev", O_DIRECTORY);
    if (!dev) return;  // no /dev in the rootfs and none mounted: nothing to populate

    {
        // Nodes get their mode from mknod itself: no chmod after each
        // (tests/bench/PERFORMANCE.md, "eighth pass").
        const UmaskFor exact(k, 0);
        const bool dev_exact = dev_is_fresh(cfg) && !gives_its_group(k, dev.get());
        const bool root_makes = k.geteuid() == 0 && k.getegid() == 0;
        for (const auto& d : kDefaults) {
            bool listed = false;
            if (cfg.linux)
                for (const auto& c : cfg.linux->devices) listed |= c.path == d.path;
            if (!listed)
                make_device(k, spec, rootfd, dev.get(), dev_exact, root_makes, d.path, S_IFCHR, d.major,
                            d.minor, 0666, 0, 0);
        }
        if (cfg.linux) {
            for (const auto& d : cfg.linux->devices) {
                // devices outside /dev are bound from their own host path only in a userns.
                make_device(k, spec, rootfd, dev.get(), dev_exact, root_makes, d.path, type_bits(d.type),
                            static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor),
                            d.fileMode.value_or(0666) & 07777, d.uid.value_or(0), d.gid.value_or(0));
            }
        }
    }
    // config-linux.md "Default Devices": /dev/ptmx -> pts/ptmx; and the
    // conventional fd links (runc).
    Fd ptmx = open_in_root(k, rootfd, "/dev/pts/ptmx");
    if (ptmx) {
        k.unlinkat(dev.get(), "ptmx", 0);
        make_symlink(k, dev.get(), "pts/ptmx", "/dev/ptmx");
    }
    make_symlink(k, dev.get(), "/proc/self/fd", "/dev/fd");
    make_symlink(k, dev.get(), "/proc/self/fd/0", "/dev/stdin");
    make_symlink(k, dev.get(), "/proc/self/fd/1", "/dev/stdout");
    make_symlink(k, dev.get(), "/proc/self/fd/2", "/dev/stderr");
    // runc: only where the kernel has one (CONFIG_PROC_KCORE); /proc is
    // still the host's here.
    if (k.access("/proc/kcore", F_OK) == 0) make_symlink(k, dev.get(), "/proc/kcore", "/dev/core");
}

Fd open_devnull_checked(const sys::Kernel& k, int rootfd) {
    Fd fd = open_in_root(k, rootfd, "/dev/null", O_NOFOLLOW);
    if (!fd) throw_errno("open /dev/null in the container");
    struct stat st;
    if (k.fstat(fd.get(), &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
        throw Error("/dev/null in the container is not the character device 1:3");
    return fd;
}

void mask_path(const sys::Kernel& k, int rootfd, const std::string& path, int devnull_fd, Fd& empty_dir) {
    // The path itself: a symlink there is masked, not what it points to
    // (mounting over the symlink works with move_mount on an O_PATH fd).
    Fd target = open_in_root(k, rootfd, path, O_NOFOLLOW);
    if (!target) {
        if (errno == ENOENT) return;  // config-linux.md: nothing to mask
        throw_errno("open masked path " + path);
    }
    struct stat st;
    if (k.fstat(target.get(), &st) < 0) throw_errno("stat masked path " + path);
    Fd tree;
    if (S_ISDIR(st.st_mode) && empty_dir) {
        // Every masked directory shows the same empty read-only tmpfs: a
        // clone of the first one (mount flags are cloned with it) costs no
        // new superblock.
        tree = clone_tree(k, empty_dir.get(), "", Options{}, path);
    } else if (S_ISDIR(st.st_mode)) {
        Options o;
        o.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        o.data = {"size=0", "nr_inodes=1"};
        tree = new_fs(k, "tmpfs", "tmpfs", o, path);
        attach(k, tree.get(), target.get(), path);
        empty_dir = std::move(tree);  // still names the mount, now attached
        return;
    } else {
        Options o;
        tree = clone_tree(k, devnull_fd, "", o, path);
    }
    attach(k, tree.get(), target.get(), path);
}

void readonly_path(const sys::Kernel& k, int rootfd, const std::string& path) {
    Fd target = open_in_root(k, rootfd, path);
    if (!target) {
        if (errno == ENOENT) return;
        throw_errno("open read-only path " + path);
    }
    // Read-only, the path and everything mounted below it (runc binds
    // recursively, but remounts the top only); nosuid, nodev, noexec stay
    // as they were (runc): a read-only /usr still runs programs.
    Options o;
    o.recursive = true;
    o.rattr_set = MOUNT_ATTR_RDONLY;
    Fd tree = clone_tree(k, target.get(), "", o, path);
    attach(k, tree.get(), target.get(), path);
}

}  // namespace ucrun::mount
