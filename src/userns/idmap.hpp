// config-linux.md "User namespace mappings": writing /proc/<pid>/uid_map and
// gid_map for the container's new user namespace (user_namespaces(7)).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::userns {

// "containerID hostID size\n" lines, as the kernel wants them.
std::string format_map(const std::vector<oci::IDMapping>& m);

// One line of a /proc/<pid>/uid_map or gid_map, "first lower count" as the
// kernel writes it (blank-padded numbers), taken from the front of `text`.
// nullopt at its end, `text` then empty, or at anything else, `text` then
// not empty. Parsed without scanf, whose 35 KB would sit on the start path.
struct MapLine {
    uint64_t first = 0, lower = 0, count = 0;
};
std::optional<MapLine> next_map_line(std::string_view& text);

// Writes uid_map and gid_map of `pid`. The runtime runs as host root (it has
// CAP_SETUID/CAP_SETGID over the parent namespace), so setgroups stays
// "allow" and may be used by the container; rootless callers must write
// "deny" to setgroups before gid_map (user_namespaces(7)).
// What the kernel refuses with a bare EINVAL or EPERM is explained: a map
// longer than a page, host ids not mapped in ucrun's own user namespace.
// Failures name `uid_field` / `gid_field` ("linux.uidMappings") when given.
// The writes go through `k` (sys/kernel.hpp).
void write_maps(const sys::Kernel& k, pid_t pid, const std::vector<oci::IDMapping>& uids,
                const std::vector<oci::IDMapping>& gids, bool deny_setgroups, const std::string& uid_field = {},
                const std::string& gid_field = {});

// True when ucrun itself runs in a user namespace other than the initial
// one (not the initial namespace's nsfs inode, and its uid_map is not the
// identity of all ids): root there is not the host's root (rootless podman
// runs its runtime so).
bool in_child_user_namespace();

// Maps a container id to the host id through `m`; -1 when unmapped.
long long to_host(const std::vector<oci::IDMapping>& m, uint32_t id);

}  // namespace ucrun::userns
