// What every command gets from the global flags: the process's own
// context, passed explicitly (no global mutable state).
#pragma once

#include <optional>
#include <string>

#include "config/runtime_config.hpp"
#include "log/log.hpp"

namespace ucrun {

struct Context {
    std::string root = "/run/ucrun";
    std::string cgroup_manager = "cgroupfs";  // cgroupfs | systemd | disabled
    bool systemd_cgroup = false;
    bool debug = false;
    // --allow-host-root-mapping: the operator's opt-in to user namespace
    // mappings that contain host id 0 (oci::check_host_root_mapping).
    bool allow_host_root_mapping = false;
    // --rootless: Auto is rootless when not running as root, or root of a
    // user namespace other than the host's (rootless podman runs its
    // runtime so); runc's rule. Rootless, state goes under
    // $XDG_RUNTIME_DIR/ucrun, mappings beyond the caller's own ids go
    // through newuidmap/newgidmap (userns/map_writer.hpp), cgroups are used
    // where permitted (container/cgroups.cpp), the remap policy is not
    // applied. Resolved by container::rootless() (container/rootless.hpp),
    // only where it matters: reading our uid_map costs every command.
    enum class Rootless { Auto, Yes, No };
    Rootless rootless = Rootless::Auto;
    mutable std::optional<bool> rootless_resolved;  // container::rootless()'s answer, read once
    // The runtime configuration file with the --userns-* flags applied
    // (config/runtime_config.hpp); path empty when no file was read.
    config::RuntimeConfig config;
    Logger log;
};

}  // namespace ucrun
