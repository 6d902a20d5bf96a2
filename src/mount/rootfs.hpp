// The container's filesystem: mount propagation, the rootfs bind, the
// mounts of config.json, /dev, pivot_root, masked and read-only paths
// (config.md "Root", "Mounts"; config-linux.md "Default Filesystems",
// "Devices", "Rootfs Mount Propagation", "Masked Paths", "Readonly Paths").
// Runs in the container's init, inside its new mount namespace.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cgroup/manager.hpp"
#include "ns/namespaces.hpp"
#include "oci/config.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

struct RootfsSpec {
    const oci::Config* cfg = nullptr;
    std::string bundle;  // absolute
    std::string rootfs;  // absolute host path of root.path
    const ns::Plan* ns = nullptr;
    bool userns = false;  // the container runs in a user namespace (new or joined)
    bool no_pivot = false;
    // Detached mounts prepared by the parent (idmapped binds), by index in
    // cfg->mounts; moved into place instead of being made here.
    std::map<size_t, int> premade;
    int rootfs_premade = -1;  // idmapped rootfs tree, or -1
    // The init's working directory is root.path, set by the parent (host
    // root) before clone3 and carried into the new mount namespace by the
    // kernel (copy_mnt_ns): the attach target of rootfs_premade without a
    // path walk that a remapped root may not be allowed.
    bool rootfs_at_cwd = false;
    // What a mount of type "cgroup" mounts (cgroup::Manager::mounts(), from
    // the parent: the init cannot see the host's cgroups any more); empty
    // when the container has no cgroup (--cgroup-manager disabled).
    std::vector<cgroup::MountSpec> cgroup_mounts;
    // Where what the runtime chose instead of what was asked goes (the
    // init passes it to the parent's debug log); may be empty.
    std::function<void(const std::string&)> debug;
};

// Before pivot_root: propagation, rootfs bind, mounts, devices.
void prepare_rootfs(const sys::Kernel& k, const RootfsSpec& spec);
// pivot_root (or MS_MOVE + chroot with --no-pivot); afterwards "/" is the rootfs.
void enter_rootfs(const sys::Kernel& k, const RootfsSpec& spec);
// After pivot_root: masked paths, read-only paths, root.readonly.
void finish_rootfs(const sys::Kernel& k, const RootfsSpec& spec);

}  // namespace ucrun::mount
