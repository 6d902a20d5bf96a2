#include "mount/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mount/devices.hpp"
#include "mount/mounter.hpp"
#include "mount/options.hpp"
#include "mount/path.hpp"
#include "sys/error.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::mount {

namespace {

unsigned long root_propagation(const oci::Config& cfg) {
    // config-linux.md "Rootfs Mount Propagation"; runc's default is rslave.
    if (!cfg.linux || !cfg.linux->rootfsPropagation) return MS_SLAVE | MS_REC;
    const std::string& p = *cfg.linux->rootfsPropagation;
    if (p == "shared" || p == "rshared") return MS_SHARED | MS_REC;
    if (p == "private" || p == "rprivate") return MS_PRIVATE | MS_REC;
    if (p == "unbindable" || p == "runbindable") return MS_UNBINDABLE | MS_REC;
    return MS_SLAVE | MS_REC;
}

std::string host_source(const RootfsSpec& spec, const oci::Mount& m) {
    std::string s = m.source.value_or("");
    // config.md: a relative bind source is relative to the bundle (runc).
    if (!s.empty() && s[0] != '/') s = spec.bundle + "/" + s;
    return s;
}

bool source_is_file(const std::string& src) {
    struct stat st;
    return ::stat(src.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

void require_dir(int fd, const std::string& display) {
    struct stat st;
    if (::fstat(fd, &st) < 0) throw_errno("stat " + display);
    // Never mount procfs/sysfs on something that is not a plain directory
    // (CVE-2019-19921, CVE-2025-52565).
    if (!S_ISDIR(st.st_mode)) throw Error("mount on " + display + ": not a directory");
}

void mount_one(const RootfsSpec& spec, int rootfd, size_t idx) {
    const oci::Mount& m = spec.cfg->mounts[idx];
    const std::string path = "mounts[" + std::to_string(idx) + "]";
    const std::string display = spec.rootfs + m.destination;
    Options o = parse_options(m, path);
    std::string type = m.type.value_or(o.bind ? "bind" : "");

    auto pre = spec.premade.find(idx);
    if (pre != spec.premade.end()) {
        Fd target = mkdir_in_root(rootfd, m.destination, source_is_file(host_source(spec, m)), display);
        attach(pre->second, target.get(), display);
        return;
    }

    if (o.bind) {
        std::string src = host_source(spec, m);
        Fd target = mkdir_in_root(rootfd, m.destination, source_is_file(src), display);
        Fd tree = clone_tree(AT_FDCWD, src, o, display);
        attach(tree.get(), target.get(), display);
        return;
    }

    Fd target = mkdir_in_root(rootfd, m.destination, false, display);
    if (type == "proc" || type == "sysfs" || type == "cgroup" || type == "cgroup2") require_dir(target.get(), display);

    if (type == "cgroup") {
        // The container sees a cgroup2 hierarchy rooted at its cgroup
        // namespace. Without a cgroup namespace in a user namespace the
        // kernel refuses a new instance: bind the host's, as runc does.
        type = "cgroup2";
        o.data.clear();
    }
    try {
        Fd mnt = new_fs(type, m.source.value_or(type), o, display);
        attach(mnt.get(), target.get(), display);
    } catch (const SysError& e) {
        // runc: in a user namespace without its own network namespace, sysfs
        // cannot be mounted; bind the host's /sys read-only instead. Same
        // for cgroup2 without a cgroup namespace.
        bool fallback = (e.code() == EPERM || e.code() == EACCES) && spec.userns &&
                        (type == "sysfs" || type == "cgroup2");
        if (!fallback) throw;
        Options b = o;
        b.bind = b.recursive = true;
        b.attr_set |= MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        b.data.clear();
        Fd tree = clone_tree(AT_FDCWD, type == "sysfs" ? "/sys" : "/sys/fs/cgroup", b, display);
        attach(tree.get(), target.get(), display);
    }
}

}  // namespace

void prepare_rootfs(const RootfsSpec& spec) {
    const oci::Config& cfg = *spec.cfg;
    // Nothing we mount may propagate back to the host.
    if (::mount(nullptr, "/", nullptr, root_propagation(cfg), nullptr) < 0)
        throw_errno("make / " + std::string((root_propagation(cfg) & MS_SHARED) ? "rshared" : "rslave"));

    // The rootfs must be a mount point for pivot_root: bind it onto itself.
    if (spec.rootfs_premade >= 0) {
        Fd target(::open(spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!target) throw_errno("open rootfs " + spec.rootfs);
        attach(spec.rootfs_premade, target.get(), spec.rootfs);
    } else if (::mount(spec.rootfs.c_str(), spec.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
        throw_errno("bind rootfs " + spec.rootfs);
    }
    // The rootfs bind itself must be private so that pivot_root accepts it
    // and nothing mounted in it reaches its host peers.
    if (::mount(nullptr, spec.rootfs.c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
        throw_errno("make rootfs " + spec.rootfs + " private");

    Fd rootfd(::open(spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd) throw_errno("open rootfs " + spec.rootfs);

    for (size_t i = 0; i < cfg.mounts.size(); ++i) mount_one(spec, rootfd.get(), i);

    setup_dev(spec, rootfd.get());
}

void enter_rootfs(const RootfsSpec& spec) {
    if (::chdir(spec.rootfs.c_str()) < 0) throw_errno("chdir " + spec.rootfs);
    if (spec.no_pivot) {
        if (::mount(spec.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) throw_errno("move rootfs to /");
        if (::chroot(".") < 0) throw_errno("chroot " + spec.rootfs);
    } else {
        // pivot_root(".", ".") stacks the old root under the new one; detach
        // it right away (pivot_root(2) NOTES). Make it rslave first so the
        // unmount does not propagate to the host.
        if (sys::pivot_root(".", ".") < 0) throw_errno("pivot_root " + spec.rootfs);
        if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) throw_errno("make old root rslave");
        if (::umount2(".", MNT_DETACH) < 0) throw_errno("unmount old root");
    }
    if (::chdir("/") < 0) throw_errno("chdir /");
}

void finish_rootfs(const RootfsSpec& spec) {
    const oci::Config& cfg = *spec.cfg;
    Fd rootfd(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd) throw_errno("open /");
    if (cfg.linux) {
        if (cfg.linux->maskedPaths && !cfg.linux->maskedPaths->empty()) {
            // The container's own /dev/null, checked to be the char device
            // 1:3, so that a planted file or symlink is never bound over a
            // masked path (CVE-2025-31133).
            Fd devnull = open_devnull_checked(rootfd.get());
            for (const auto& p : *cfg.linux->maskedPaths) mask_path(rootfd.get(), p, devnull.get());
        }
        if (cfg.linux->readonlyPaths)
            for (const auto& p : *cfg.linux->readonlyPaths) readonly_path(rootfd.get(), p);
    }
    if (cfg.root.readonly) {
        // config.md "Root": readonly. Only the root mount itself, like runc.
        struct mount_attr attr {};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (sys::mount_setattr(rootfd.get(), "", AT_EMPTY_PATH, &attr) < 0) throw_errno("make rootfs read-only");
    }
}

}  // namespace ucrun::mount
