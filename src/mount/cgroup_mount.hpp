// A config.md mount of type "cgroup": the container's view of its control
// groups at the destination (usually /sys/fs/cgroup), as runc does it
// (libcontainer/rootfs_linux.go mountCgroupV1, mountCgroupV2):
//   cgroup v2   one cgroup2 mount at the destination;
//   v1/hybrid   a tmpfs (mode=755) at the destination, then one mount per
//               hierarchy below it ("cpu", "memory", "systemd", and
//               "unified" on a hybrid host), plus symlinks naming each
//               co-mounted controller ("cpu" -> "cpu,cpuacct").
// With a cgroup namespace the hierarchies are fresh instances of the file
// system, rooted at the namespace's cgroup (cgroup_namespaces(7)); without
// one the container's own cgroup directories are bound from the host.
// Everything is read-only unless the mount's options say "rw".
//
// What to mount (the MountSpecs) is computed by the parent from the cgroup
// manager, before the init entered any namespace; this runs in the init,
// inside its new mount namespace, before pivot_root.
#pragma once

#include <string>
#include <vector>

#include "cgroup/manager.hpp"
#include "mount/options.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

struct CgroupMountContext {
    const std::vector<cgroup::MountSpec>* specs = nullptr;  // empty: no cgroup (manager disabled)
    bool cgroupns = false;                                  // the container has a cgroup namespace (new or joined)
    bool userns = false;                                    // it runs in a user namespace
};

// Mounts the cgroup file systems of a "cgroup" mount with options `o` at
// `target` (an O_PATH fd of the destination directory inside the rootfs,
// already checked to be a directory); `display` is the host path of the
// destination, for messages.
void mount_cgroup(const sys::Kernel& k, const CgroupMountContext& c, const Options& o, int target,
                  const std::string& display);

}  // namespace ucrun::mount
