// The config checks of `create` (and `run`), in one place and one order,
// all before anything is made, together with room 1 (planning,
// container/create_plan.hpp) whose rules sit between them. The map of who
// owns which rule is in oci/validate.hpp.
#pragma once

#include "container/create.hpp"
#include "container/create_plan.hpp"
#include "oci/config.hpp"
#include "sys/kernel.hpp"

namespace ucrun::container {

// In this order, each throwing oci::SpecError naming the field:
//  1. oci::validate: the spec's rules and ucrun's limits, host-independent
//     (the config as it will run: after the remap policy injected a user
//     namespace, container/remap.hpp);
//  2. oci::check_host_root_mapping: host id 0 in a mapping, unless
//     `allow_host_root_mapping` or rootless (there id 0 of the caller's
//     user namespace is the caller);
//  3. plan_create (container/create_plan.cpp): process required, mappings
//     for a new user namespace, netDevices, the console (an absent `linux`
//     becomes empty first);
//  4. check_host_rules: what this host lacks;
//  5. ns::check_config: what only a private mount or UTS namespace holds;
//  6. proc::check_sysctl: namespaced sysctls only;
//  7. userns::check_joined_mappings: mappings repeated for a joined user
//     namespace match it.
// `k`: the kernel of 5 (sys/kernel.hpp). Returns the plan of 3.
CreatePlan check_and_plan(const sys::Kernel& k, oci::Config& cfg, const CreateOptions& o, bool foreground,
                          const HostFacts& host,
                          bool allow_host_root_mapping);

// 4 alone: linux.intelRdt (resctrl, and ucrun does not apply it),
// linux.mountLabel without SELinux.
void check_host_rules(const oci::Config& cfg);

}  // namespace ucrun::container
