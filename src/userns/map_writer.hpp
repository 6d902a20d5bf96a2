// Writing a new user namespace's maps without privilege (issue 13 item 2,
// user_namespaces(7) "Defining user and group ID mappings"): a process
// without CAP_SETUID/CAP_SETGID over its own user namespace may write one
// line mapping its own effective id, and for the gid map only after
// writing "deny" to setgroups; anything else goes through the setuid
// helpers newuidmap(1)/newgidmap(1) of Debian's uidmap package, which
// check /etc/subuid and /etc/subgid.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "oci/config.hpp"
#include "sys/kernel.hpp"
#include "userns/subid.hpp"

namespace ucrun::userns {

// How one map gets written.
enum class MapPath {
    Direct,       // one line, the caller's own id: written by us
    Helper,       // newuidmap / newgidmap
};

// Pure: Direct iff `m` is exactly one range of size 1 onto `own`.
MapPath map_path(const std::vector<oci::IDMapping>& m, uint32_t own);

// Checks each range of a Helper map against the caller's own id and its
// subordinate ranges (`ranges`, from ranges_for), so that a range the
// caller does not own is refused naming `field`[i], the range and the
// file, before the helper says only "write to uid_map failed". Pure.
// Throws ConfigError.
void check_owned(const std::vector<oci::IDMapping>& m, uint32_t own, const std::vector<IdRange>& ranges,
                 const std::string& file, const std::string& field);

// Writes uid_map and gid_map of `pid` as the unprivileged caller (euid,
// egid) can: Direct maps by hand (setgroups "deny" before a Direct gid
// map, as the kernel requires), Helper maps through /usr/bin/newuidmap and
// /usr/bin/newgidmap after check_owned. Errors name the field.
// The writes and the ids go through `k` (sys/kernel.hpp); the helpers are
// run as programs (sys/tool.hpp).
void write_maps_unprivileged(const sys::Kernel& k, pid_t pid, const std::vector<oci::IDMapping>& uids,
                             const std::vector<oci::IDMapping>& gids, const std::string& uid_field,
                             const std::string& gid_field, const HostFiles& files = {});

}  // namespace ucrun::userns
