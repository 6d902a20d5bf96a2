// The config checks of `create` (and `run`), in one place and one order,
// all before anything is made. The map of who owns which rule is in
// oci/validate.hpp.
#pragma once

#include "ns/namespaces.hpp"
#include "oci/config.hpp"

namespace ucrun::container {

struct CheckOptions {
    bool allow_host_root_mapping = false;  // global --allow-host-root-mapping
    bool rootless = false;                 // container::rootless(ctx)
};

// In this order, each throwing oci::SpecError naming the field:
//  1. oci::validate: the spec's rules and ucrun's limits, host-independent
//     (config as it will run: after the remap policy injected a user
//     namespace, container/remap.hpp);
//  2. oci::check_host_root_mapping: host id 0 in a mapping (not rootless:
//     there id 0 of the caller's user namespace is the caller);
//  3. the namespace plan (ns::plan; an absent `linux` becomes empty);
//  4. check_runtime_rules: what this runtime and host support;
//  5. ns::check_config: what only a private mount or UTS namespace holds;
//  6. proc::check_sysctl: namespaced sysctls only;
//  7. userns::check_joined_mappings: mappings repeated for a joined user
//     namespace match it.
// Returns the plan of 3.
ns::Plan check_config(oci::Config& cfg, const CheckOptions& o);

// 4 alone: linux.* that this runtime or this host cannot do (netDevices,
// intelRdt, mountLabel without SELinux), `process` present, mappings for a
// new user namespace.
void check_runtime_rules(const oci::Config& cfg, const ns::Plan& plan);

}  // namespace ucrun::container
