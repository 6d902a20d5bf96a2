// Bind mounts whose sources the parent opens, as host root, before clone3
// (issue 12): the init of a remapped container is an unprivileged host uid
// by the time it mounts, and may not search the directories that hold the
// sources (podman's 0700 storage, docker's 0710 data root hold /etc/hosts,
// /etc/resolv.conf, /dev/shm). Like the idmapped binds (mount/idmap.hpp),
// each tree is cloned and given its attributes here; the init only
// attaches it (RootfsSpec::premade).
#pragma once

#include <map>
#include <string>

#include "oci/config.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

// The detached tree of every bind mount of cfg not already in `made`, by
// index in cfg.mounts. `rootfs` names the destination in messages. Errors
// name the mount's config path, as the init's would.
std::map<size_t, Fd> clone_host_binds(const sys::Kernel& k, const oci::Config& cfg, const std::string& bundle,
                                      const std::string& rootfs,
                                      const std::map<size_t, Fd>& made);

}  // namespace ucrun::mount
