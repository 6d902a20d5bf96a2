// Idmapped bind and tmpfs mounts (config.md "Mounts": options idmap and
// ridmap, and the mount's uidMappings / gidMappings; tmpfs as crun 1.9,
// Linux 6.3).
//
// mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN over the user
// namespace that owns the source's file system: the host's. The container's
// init has given that up by the time it mounts, so the parent (host root)
// makes each idmapped tree before clone3, detached, and the init only
// attaches it (RootfsSpec::premade). A tmpfs too: one made by the init in
// the container's user namespace would be owned by that namespace, over
// which the idmap's owner check then fails.
//
// The mapping follows config.md: "The mapping to convert UIDs from the
// source file system to the destination mount point", in the format of
// user namespace mappings. It is written as is ("containerID hostID size")
// to the uid_map of a throwaway user namespace, and an id stored on disk as
// containerID is seen through the mount as hostID (as a host id, which the
// container's own user namespace then maps as usual): with the container's
// mappings 0 -> 100000, a file owned by 0 on disk is owned by 0 in the
// container. Without mappings on the mount, the container's user namespace
// mappings are used (runc, crun); with a user namespace joined by path,
// that namespace itself.
#pragma once

#include <map>
#include <string>

#include "oci/config.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

// True when mounts[i] asks for an idmapping (idmap/ridmap, or mappings).
bool wants_idmap(const oci::Mount& m);

// For every idmapped mount of cfg: its detached tree, by index in
// cfg.mounts, with the mount's attributes already applied. Throws
// oci::SpecError for configurations that cannot be idmapped (neither bind
// nor tmpfs; no mappings and no user namespace; a file system the kernel
// cannot idmap, named: mount/idmap_support.hpp) and SysError naming the
// mount.
std::map<size_t, Fd> make_idmapped_mounts(const sys::Kernel& k, const oci::Config& cfg, const std::string& bundle);

// A user namespace with these mappings, held by an fd of /proc/<pid>/ns/user
// of a short-lived child.
Fd userns_with_mappings(const sys::Kernel& k, const std::vector<oci::IDMapping>& uids,
                        const std::vector<oci::IDMapping>& gids);

}  // namespace ucrun::mount
