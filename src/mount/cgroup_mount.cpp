#include "mount/cgroup_mount.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount/mounter.hpp"
#include "sys/error.hpp"

namespace ucrun::mount {

namespace {

// runc's defaultMountFlags for everything it mounts here.
constexpr uint64_t kDefaultAttrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

bool read_only(const Options& o) { return !(o.attr_clr & MOUNT_ATTR_RDONLY); }

// Attributes of each cgroup mount: nosuid, nodev, noexec; read-only unless
// "rw"; the atime choice of the mount's options.
Options cgroup_options(const Options& o) {
    Options f;
    f.attr_set = kDefaultAttrs | (read_only(o) ? MOUNT_ATTR_RDONLY : 0);
    f.attr_set |= o.attr_set & (MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME);
    return f;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t comma = s.find(',', start);
        if (comma == std::string::npos) comma = s.size();
        if (comma > start) out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

bool refused(const SysError& e) { return e.code() == EPERM || e.code() == EACCES || e.code() == EBUSY; }

// The container's own cgroup directory of the host, bound (recursively:
// child cgroups are plain directories, but be complete).
Fd bind_host_dir(const sys::Kernel& k, const cgroup::MountSpec& s, const Options& f, const std::string& display) {
    Options b = f;
    b.bind = b.recursive = true;
    return clone_tree(k, AT_FDCWD, s.host_dir, b, display);
}

// A new instance of the hierarchy. In a cgroup namespace it is rooted at
// the namespace's cgroup. The kernel refuses it in a user namespace without
// a cgroup namespace of its own (or if it does not own the cgroup
// namespace): bind the container's directory instead (runc does the same
// for cgroup2 on EPERM/EBUSY).
Fd fresh_or_bind(const sys::Kernel& k, const cgroup::MountSpec& s, const Options& f, const std::string& display) {
    try {
        if (s.fstype == "cgroup2") return new_fs(k, "cgroup2", "cgroup2", f, display);
        Options g = f;
        g.data = split_commas(s.data);
        // runc: the named systemd hierarchy is mounted with source "systemd".
        return new_fs(k, "cgroup", s.data == "name=systemd" ? "systemd" : "cgroup", g, display);
    } catch (const SysError& e) {
        if (!refused(e) || s.host_dir.empty()) throw;
        return bind_host_dir(k, s, f, display);
    }
}

void mount_unified(const sys::Kernel& k, const CgroupMountContext& c, const cgroup::MountSpec& s, const Options& o,
                   int target, const std::string& display) {
    Options f = cgroup_options(o);
    f.propagation = o.propagation;
    // A fresh cgroup2 mount shows the hierarchy from the root of the
    // caller's cgroup namespace: the container's cgroup when it has one,
    // else the whole hierarchy, as runc mounts it. In a user namespace
    // without a cgroup namespace the kernel refuses; bind instead.
    Fd mnt = c.cgroupns || !c.userns ? fresh_or_bind(k, s, f, display) : bind_host_dir(k, s, f, display);
    attach(k, mnt.get(), target, display);
}

void mount_v1(const sys::Kernel& k, const CgroupMountContext& c, const Options& o, int target,
              const std::string& display) {
    // runc mountCgroupV1: a tmpfs holding one directory per hierarchy.
    Options t;
    t.attr_set = kDefaultAttrs;
    t.data = {"mode=755"};
    t.propagation = o.propagation;
    Fd tmpfs = new_fs(k, "tmpfs", "tmpfs", t, display);
    attach(k, tmpfs.get(), target, display);
    // The mount fd now names the attached tmpfs: make everything relative
    // to it, never through a path in the rootfs.
    const Options f = cgroup_options(o);
    for (const auto& s : *c.specs) {
        if (s.subdir.empty() || s.subdir.find('/') != std::string::npos || s.subdir == "." || s.subdir == "..")
            throw Error("cgroup mount on " + display + ": bad hierarchy name \"" + s.subdir + "\"");
        const std::string sub = display + "/" + s.subdir;
        if (k.mkdirat(tmpfs.get(), s.subdir.c_str(), 0755) < 0 && errno != EEXIST) throw_errno("mkdir " + sub);
        Fd dir(k.openat(tmpfs.get(), s.subdir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir) throw_errno("open " + sub);
        Fd mnt = c.cgroupns ? fresh_or_bind(k, s, f, sub) : bind_host_dir(k, s, f, sub);
        attach(k, mnt.get(), dir.get(), sub);
        // "cpu" -> "cpu,cpuacct" for co-mounted controllers (runc: relative
        // symlinks, an existing one is fine).
        for (const auto& link : s.links)
            if (k.symlinkat(s.subdir.c_str(), tmpfs.get(), link.c_str()) < 0 && errno != EEXIST)
                throw_errno("symlink " + display + "/" + link + " -> " + s.subdir);
    }
    if (read_only(o)) {
        struct mount_attr attr {};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (k.mount_setattr(tmpfs.get(), "", AT_EMPTY_PATH, &attr) < 0)
            throw_errno("make " + display + " read-only");
    }
}

}  // namespace

void mount_cgroup(const sys::Kernel& k, const CgroupMountContext& c, const Options& o, int target,
                  const std::string& display) {
    static const std::vector<cgroup::MountSpec> none;
    const auto& specs = c.specs ? *c.specs : none;
    if (specs.empty()) {
        // No cgroup of its own (--cgroup-manager disabled): the cgroup2
        // hierarchy as the caller's cgroup namespace shows it.
        mount_unified(k, c, cgroup::MountSpec{"cgroup2", "", "", "/sys/fs/cgroup", {}}, o, target, display);
        return;
    }
    if (specs.size() == 1 && specs[0].fstype == "cgroup2" && specs[0].subdir.empty()) {
        mount_unified(k, c, specs[0], o, target, display);
        return;
    }
    CgroupMountContext v1 = c;
    v1.specs = &specs;
    mount_v1(k, v1, o, target, display);
}

}  // namespace ucrun::mount
