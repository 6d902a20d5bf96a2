// What every command gets from the global flags: the process's own
// context, passed explicitly (no global mutable state).
#pragma once

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
    // --rootless (auto: not running as root; runc's rule): the runtime has no
    // privilege over the host. State goes under $XDG_RUNTIME_DIR/ucrun,
    // mappings beyond the caller's own ids go through newuidmap/newgidmap
    // (userns/map_writer.hpp), cgroups are used where delegated
    // (container/cgroups.cpp), the remap policy is not applied.
    bool rootless = false;
    // The runtime configuration file with the --userns-* flags applied
    // (config/runtime_config.hpp); path empty when no file was read.
    config::RuntimeConfig config;
    Logger log;
};

}  // namespace ucrun
