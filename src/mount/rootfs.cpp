#include "mount/rootfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "mount/cgroup_mount.hpp"
#include "mount/devices.hpp"
#include "mount/mounter.hpp"
#include "mount/options.hpp"
#include "mount/path.hpp"
#include "oci/error.hpp"
#include "oci/path.hpp"
#include "sys/dir.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/mountinfo.hpp"

namespace ucrun::mount {

namespace {

bool unbindable_root(const oci::Config& cfg) {
    if (!cfg.linux || !cfg.linux->rootfsPropagation) return false;
    const std::string& p = *cfg.linux->rootfsPropagation;
    return p == "unbindable" || p == "runbindable";
}

bool shared_root(const oci::Config& cfg) {
    if (!cfg.linux || !cfg.linux->rootfsPropagation) return false;
    const std::string& p = *cfg.linux->rootfsPropagation;
    return p == "shared" || p == "rshared";
}

unsigned long root_propagation(const oci::Config& cfg) {
    // config-linux.md "Rootfs Mount Propagation"; runc's default is rslave.
    if (!cfg.linux || !cfg.linux->rootfsPropagation) return MS_SLAVE | MS_REC;
    const std::string& p = *cfg.linux->rootfsPropagation;
    // As runc: the r-prefixed values apply to every mount, the others to
    // the root mount only.
    const unsigned long rec = p[0] == 'r' ? MS_REC : 0;
    if (p == "shared" || p == "rshared") return MS_SHARED | rec;
    if (p == "private" || p == "rprivate") return MS_PRIVATE | rec;
    if (p == "slave" || p == "rslave") return MS_SLAVE | rec;
    // unbindable: nothing could be bound (the rootfs, the bind mounts) from
    // an unbindable tree; made so at the end (finish_rootfs). runc fails.
    return MS_SLAVE | MS_REC;
}

bool tree_is_file(const sys::Kernel& k, int tree) {
    struct stat st;
    return k.fstat(tree, &st) == 0 && !S_ISDIR(st.st_mode);
}

struct MountPoint {
    std::string path;
    bool shared = false;
};

// The mounts of /proc/self/mountinfo whose mount point holds `path`
// (absolute, no symlinks): the longest one (the parent mount of `path`),
// and "/", with whether each is shared (proc(5)).
void parent_and_root(const std::string& path, MountPoint& parent, MountPoint& root) {
    parent = root = MountPoint{"/", false};
    // Later lines are mounted on top of earlier ones: the last wins.
    for (const auto& m : sys::parse_mountinfo(sys::read_file("/proc/self/mountinfo"))) {
        const std::string& mp = m.mount_point;
        if (mp == "/") root.shared = m.shared;
        if ((mp == path || mp == "/" || sys::is_under(path, mp)) && mp.size() >= parent.path.size())
            parent = MountPoint{mp, m.shared};
    }
}

// proc, sysfs (and the cgroup file systems) go on a plain directory only,
// never on a symlink planted in the rootfs, whatever it points to
// (CVE-2019-19921, CVE-2025-52565); runc: "must be mounted on ordinary
// directory". Returns that directory: the mount goes on what was checked,
// not on a second lookup that a rename in the rootfs could redirect.
Fd require_plain_dir(const sys::Kernel& k, int rootfd, const std::string& dest, const std::string& type,
                     const std::string& display) {
    // O_NOFOLLOW holds for "/proc/" and "/proc/." too (open_in_root).
    Fd last = open_in_root(k, rootfd, dest, O_NOFOLLOW);
    if (!last && errno == ENOENT) {
        mkdir_in_root(k, rootfd, dest, false, display);
        last = open_in_root(k, rootfd, dest, O_NOFOLLOW);
    }
    struct stat st;
    if (!last || k.fstat(last.get(), &st) < 0) throw_errno("open " + display + " in rootfs");
    if (!S_ISDIR(st.st_mode))
        throw Error("mount " + type + " on " + display + ": must be mounted on an ordinary directory" +
                    (S_ISLNK(st.st_mode) ? ", not a symlink" : ""));
    return last;
}

// runc checkProcMount: nothing is mounted on top of procfs (a bind over
// /proc/self/attr would defeat the LSM, CVE-2019-16884), except the files
// lxcfs provides.
constexpr const char* kProcAllowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo", "/proc/pressure/cpu", "/proc/pressure/io", "/proc/pressure/memory",
    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

// A destination as runc compares it (filepath.Clean of an absolute path).
std::string clean_path(const std::string& p) { return oci::lexical_clean("/" + p); }

// Checks where a mount is about to land: never on the container's root
// itself (a destination that is a symlink to "/" in the rootfs), never on
// top of procfs outside runc's list.
void check_target(const sys::Kernel& k, int rootfd, int target, const oci::Mount& m, const std::string& path) {
    struct stat r, t;
    if (k.fstat(rootfd, &r) == 0 && k.fstat(target, &t) == 0 && r.st_dev == t.st_dev && r.st_ino == t.st_ino)
        throw oci::SpecError("config.json", path + ".destination",
                             "\"" + m.destination + "\" resolves to the container's root directory");
    struct statfs sfs;
    if (k.fstatfs(target, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC) {
        const std::string dest = clean_path(m.destination);
        for (const char* ok : kProcAllowed)
            if (dest == ok) return;
        throw oci::SpecError("config.json", path + ".destination",
                             "\"" + m.destination + "\" is inside /proc: mounting over procfs is not allowed");
    }
}

// Copies the directory `from` into `to` (both O_RDONLY dir fds): regular
// files, directories, symlinks and fifos, with their mode and owner; never
// following a symlink.
void copy_tree(const sys::Kernel& k, int from, int to, const std::string& display) {
    // A stream of its own: closedir closes the dup, `from` stays open.
    sys::Dir d = sys::fdopen_dir(k.dup(from));
    if (!d) throw_errno("tmpcopyup: read " + display);
    while (struct dirent* e = ::readdir(d.get())) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const std::string where = display + "/" + name;
        struct stat st;
        if (k.fstatat(from, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) throw_errno("tmpcopyup: stat " + where);
        if (S_ISDIR(st.st_mode)) {
            if (k.mkdirat(to, name.c_str(), 0700) < 0) throw_errno("tmpcopyup: mkdir " + where);
            Fd sub_from(k.openat(from, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            Fd sub_to(k.openat(to, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub_from || !sub_to) throw_errno("tmpcopyup: open " + where);
            copy_tree(k, sub_from.get(), sub_to.get(), where);
        } else if (S_ISREG(st.st_mode)) {
            Fd in(k.openat(from, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            Fd out(k.openat(to, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!in || !out) throw_errno("tmpcopyup: copy " + where);
            char buf[65536];
            for (;;) {
                ssize_t n = k.read(in.get(), buf, sizeof buf);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) throw_errno("tmpcopyup: read " + where);
                if (n == 0) break;
                if (!sys::write_all(out.get(), std::string_view(buf, static_cast<size_t>(n))))
                    throw_errno("tmpcopyup: write " + where);
            }
        } else if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = k.readlinkat(from, name.c_str(), target.data(), target.size());
            if (n < 0) throw_errno("tmpcopyup: readlink " + where);
            target.resize(static_cast<size_t>(n));
            if (k.symlinkat(target.c_str(), to, name.c_str()) < 0) throw_errno("tmpcopyup: symlink " + where);
        } else if (S_ISFIFO(st.st_mode)) {
            if (k.mknodat(to, name.c_str(), S_IFIFO | 0600, 0) < 0) throw_errno("tmpcopyup: mkfifo " + where);
        } else {
            continue;  // devices and sockets are not copied
        }
        if (k.fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
            throw_errno("tmpcopyup: chown " + where);
        if (!S_ISLNK(st.st_mode) && k.fchmodat(to, name.c_str(), st.st_mode & 07777, 0) < 0)
            throw_errno("tmpcopyup: chmod " + where);
    }
}

// config.md "remount": change the flags (and file system options) of the
// mount already at the destination, as mount(2) with MS_REMOUNT does.
void remount(const sys::Kernel& k, int target, const Options& o, const std::string& display) {
    if (!o.data.empty()) {
        Fd fs(k.fspick(target, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC));
        if (!fs) throw_errno("remount " + display);
        for (const auto& d : o.data)
            if (set_fs_option(k, fs.get(), d) < 0) throw_errno("remount " + display + ": option " + d);
        if (k.fsconfig(fs.get(), FSCONFIG_CMD_RECONFIGURE, nullptr, nullptr, 0) < 0)
            throw_errno("remount " + display);
    }
    Options a = o;
    a.propagation.clear();
    set_attrs(k, target, a, false, display);
    set_propagation(k, target, o, display);
}

void mount_one(const sys::Kernel& k, const RootfsSpec& spec, int rootfd, size_t idx) {
    const oci::Mount& m = spec.cfg->mounts[idx];
    const std::string path = "mounts[" + std::to_string(idx) + "]";
    const std::string display = spec.rootfs + m.destination;
    Options o = parse_options(m, path);
    std::string type = m.type.value_or(o.bind ? "bind" : "");

    auto pre = spec.premade.find(idx);
    if (pre != spec.premade.end() && o.bind) {
        // An idmapped bind made by the parent (mount/idmap.hpp), with its
        // attributes already set.
        Fd target = mkdir_in_root(k, rootfd, m.destination, tree_is_file(k, pre->second), display);
        check_target(k, rootfd, target.get(), m, path);
        attach(k, pre->second, target.get(), o, display);
        return;
    }

    if (o.bind) {
        // The source first: a missing one leaves no mount point behind in
        // the rootfs, and the tree says whether the mount point is a file.
        Fd tree = clone_tree(k, AT_FDCWD, bind_source(spec.bundle, m), o, display, path);
        Fd target = mkdir_in_root(k, rootfd, m.destination, tree_is_file(k, tree.get()), display);
        check_target(k, rootfd, target.get(), m, path);
        attach(k, tree.get(), target.get(), o, display);
        return;
    }

    if (o.remount) {
        Fd target = open_in_root(k, rootfd, m.destination);
        if (!target) throw_errno("remount " + display);
        check_target(k, rootfd, target.get(), m, path);
        remount(k, target.get(), o, display);
        return;
    }

    // The mount point: the directory checked and held (proc, sysfs,
    // cgroup), the one a tmpfs takes its mode from, or one made.
    Fd target;
    if (type == "proc" || type == "sysfs" || type == "cgroup" || type == "cgroup2")
        target = require_plain_dir(k, rootfd, m.destination, type, display);
    add_mount_label(*spec.cfg, type, o);  // config-linux.md "Mount Label"
    // runc: a tmpfs on a directory of the rootfs takes that directory's
    // permissions, unless a mode= says otherwise.
    int keep_mode = -1;
    if (type == "tmpfs") {
        bool has_mode = false;
        for (const auto& d : o.data) has_mode |= d.rfind("mode=", 0) == 0;
        struct stat st;
        Fd before = has_mode ? Fd() : open_in_root(k, rootfd, m.destination);
        if (before && k.fstat(before.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
            keep_mode = static_cast<int>(st.st_mode & 07777);
            target = std::move(before);
        }
    }
    if (!target) target = mkdir_in_root(k, rootfd, m.destination, false, display);
    check_target(k, rootfd, target.get(), m, path);

    if (type == "cgroup") {
        // The container's own cgroups, per host layout (cgroup_mount.hpp).
        CgroupMountContext c{&spec.cgroup_mounts, spec.ns && spec.ns->has(CLONE_NEWCGROUP), spec.userns};
        mount_cgroup(k, c, o, target.get(), display);
        return;
    }
    try {
        // An idmapped tmpfs is made by the parent (mount/idmap.hpp), the
        // rest is done here as for any tmpfs.
        Fd made;
        if (pre == spec.premade.end()) made = new_fs(k, type, m.source.value_or(type), o, display, path);
        const int mnt = made ? made.get() : pre->second;
        if (keep_mode >= 0) {
            Fd top(k.openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!top || k.fchmod(top.get(), static_cast<mode_t>(keep_mode)) < 0) throw_errno("chmod " + display);
        }
        if (type == "tmpfs" && o.tmpcopyup) {
            // config.md "tmpcopyup" (crun): the tmpfs starts with a copy of
            // what the rootfs has at the destination.
            Fd from(k.openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            Fd to(k.openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!from || !to) throw_errno("tmpcopyup " + display);
            copy_tree(k, from.get(), to.get(), display);
        }
        attach(k, mnt, target.get(), o, display);
    } catch (const SysError& e) {
        // In a user namespace whose network namespace it does not own (the
        // host's), sysfs cannot be mounted: the kernel wants CAP_SYS_ADMIN
        // over the network namespace's owner (fs/sysfs/mount.c,
        // kobj_ns_current_may_mount). runc (runc#3672) and crun bind the
        // host's /sys instead; so does ucrun, always read-only, nosuid,
        // nodev, noexec whatever the mount asked: a writable host /sys is
        // not the container's to change (crun keeps the config's flags).
        // Same for cgroup2 without a cgroup namespace.
        bool fallback = (e.code() == EPERM || e.code() == EACCES) && spec.userns &&
                        (type == "sysfs" || type == "cgroup2");
        if (!fallback) throw;
        if (spec.debug)
            spec.debug(path + ": " + e.message() + ": " + std::strerror(e.code()) + " (" +
                       (type == "sysfs" ? "a user namespace without a network namespace of its own"
                                        : "a user namespace without a cgroup namespace of its own") +
                       "): binding the host's " + (type == "sysfs" ? "/sys" : "/sys/fs/cgroup") +
                       " read-only instead");
        Options b = o;
        b.bind = b.recursive = true;
        b.attr_set |= MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        b.rattr_set |= MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        b.data.clear();
        Fd tree = clone_tree(k, AT_FDCWD, type == "sysfs" ? "/sys" : "/sys/fs/cgroup", b, display);
        attach(k, tree.get(), target.get(), b, display);
    }
}

}  // namespace

void prepare_rootfs(const sys::Kernel& k, const RootfsSpec& spec) {
    const oci::Config& cfg = *spec.cfg;
    // Nothing we mount may propagate back to the host.
    if (k.mount(nullptr, "/", nullptr, root_propagation(cfg), nullptr) < 0)
        throw_errno("make / " + (cfg.linux ? cfg.linux->rootfsPropagation.value_or("rslave") : std::string("rslave")) +
                    " (linux.rootfsPropagation)");

    // pivot_root refuses a new root whose parent mount, or an old root, is
    // shared (rootfsPropagation shared, or a shared mount left as it was by
    // a non-recursive value). Like runc (rootfsParentMountPrivate), make
    // those private; other mounts keep their peers (an rbind of a shared
    // host mount then propagates both ways).
    // After a recursive slave or private (the default rslave) nothing is
    // shared any more: mountinfo need not be read at all. (Unbindable is
    // never asked for here: root_propagation defers it to finish_rootfs.)
    const unsigned long prop = root_propagation(cfg);
    if (!(prop & MS_REC) || (prop & MS_SHARED)) {
        MountPoint parent, root;
        parent_and_root(spec.rootfs, parent, root);
        for (const MountPoint& mp : {parent, root})
            if (mp.shared && k.mount(nullptr, mp.path.c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
                throw_errno("make " + mp.path + " (the parent mount of the rootfs) private");
    }

    // The rootfs must be a mount point for pivot_root: bind it onto itself,
    // or attach the parent's tree (an idmapped rootfs) there. The bind, or
    // the tree, must be private so that pivot_root accepts it and nothing
    // mounted in it reaches its host peers.
    Fd rootfd;
    if (spec.rootfs_premade >= 0) {
        // Reached through our working directory when rootfs_at_cwd: a
        // remapped root may not search root.path's parents (an engine's
        // 0700 storage), host root chdir'ed there for us.
        Fd target(k.open(spec.rootfs_at_cwd ? "." : spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!target) throw_errno("open rootfs " + spec.rootfs);
        attach(k, spec.rootfs_premade, target.get(), spec.rootfs);
        struct mount_attr priv {};
        priv.propagation = MS_PRIVATE;
        if (k.mount_setattr(spec.rootfs_premade, "", AT_EMPTY_PATH, &priv) < 0)
            throw_errno("make rootfs " + spec.rootfs + " private");
        rootfd.reset(k.openat(spec.rootfs_premade, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    } else {
        if (k.mount(spec.rootfs.c_str(), spec.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
            throw_errno("bind rootfs " + spec.rootfs);
        if (k.mount(nullptr, spec.rootfs.c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
            throw_errno("make rootfs " + spec.rootfs + " private");
        rootfd.reset(k.open(spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    if (!rootfd) throw_errno("open rootfs " + spec.rootfs);

    for (size_t i = 0; i < cfg.mounts.size(); ++i)
        with_config_path("mounts[" + std::to_string(i) + "]", [&] { mount_one(k, spec, rootfd.get(), i); });

    setup_dev(k, spec, rootfd.get());
}

void enter_rootfs(const sys::Kernel& k, const RootfsSpec& spec) {
    // The attached tree's root, by fd (prepare_rootfs): no path walk.
    if (spec.rootfs_premade >= 0 ? k.fchdir(spec.rootfs_premade) < 0 : k.chdir(spec.rootfs.c_str()) < 0)
        throw_errno("chdir " + spec.rootfs);
    if (spec.no_pivot) {
        if (spec.rootfs_premade >= 0
                ? k.move_mount(spec.rootfs_premade, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0
                : k.mount(spec.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0)
            throw_errno("move rootfs to /");
        if (k.chroot(".") < 0) throw_errno("chroot " + spec.rootfs);
    } else {
        // pivot_root(".", ".") stacks the old root on top of the new one;
        // detach it right away (pivot_root(2) NOTES). Make it rslave first
        // so that the unmount does not propagate to the host. "." must name
        // the old root for that, not the new one (whose mounts keep the
        // propagation asked for): go there through an fd, as runc does.
        Fd oldroot(k.open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!oldroot) throw_errno("open /");
        if (k.pivot_root(".", ".") < 0) throw_errno("pivot_root " + spec.rootfs);
        if (k.fchdir(oldroot.get()) < 0) throw_errno("chdir to the old root");
        if (k.mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) throw_errno("make old root rslave");
        if (k.umount2(".", MNT_DETACH) < 0) throw_errno("unmount old root");
    }
    if (k.chdir("/") < 0) throw_errno("chdir /");
    // config-linux.md "Rootfs Mount Propagation": with shared, the rootfs
    // mount belongs to a new peer group. The rootfs bind was made private
    // for pivot_root; it becomes shared now that it is "/" of the
    // container's namespace, where no host mount can join its group (runc
    // applies the propagation after pivot_root too).
    if (shared_root(*spec.cfg)) {
        const std::string& p = *spec.cfg->linux->rootfsPropagation;
        if (k.mount(nullptr, "/", nullptr, MS_SHARED | (p[0] == 'r' ? MS_REC : 0), nullptr) < 0)
            throw_errno("make / " + p + " (linux.rootfsPropagation)");
    }
}

void finish_rootfs(const sys::Kernel& k, const RootfsSpec& spec) {
    const oci::Config& cfg = *spec.cfg;
    Fd rootfd(k.open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd) throw_errno("open /");
    if (cfg.linux) {
        if (cfg.linux->maskedPaths && !cfg.linux->maskedPaths->empty()) {
            // The container's own /dev/null, checked to be the char device
            // 1:3, so that a planted file or symlink is never bound over a
            // masked path (CVE-2025-31133).
            Fd devnull = open_devnull_checked(k, rootfd.get());
            Fd empty_dir;
            for (const auto& p : *cfg.linux->maskedPaths) mask_path(k, rootfd.get(), p, devnull.get(), empty_dir);
        }
        if (cfg.linux->readonlyPaths)
            for (const auto& p : *cfg.linux->readonlyPaths) readonly_path(k, rootfd.get(), p);
    }
    if (unbindable_root(cfg)) {
        unsigned long rec = (*cfg.linux->rootfsPropagation)[0] == 'r' ? MS_REC : 0;
        if (k.mount(nullptr, "/", nullptr, MS_UNBINDABLE | rec, nullptr) < 0)
            throw_errno("make / " + *cfg.linux->rootfsPropagation + " (linux.rootfsPropagation)");
    }
    if (cfg.root.readonly) {
        // config.md "Root": readonly. Only the root mount itself, like runc.
        struct mount_attr attr {};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (k.mount_setattr(rootfd.get(), "", AT_EMPTY_PATH, &attr) < 0) throw_errno("make rootfs read-only");
    }
}

}  // namespace ucrun::mount
