// `ucrun check` under the runtime's remap policy (issue 12 items 3 and 5):
// what create would do to this bundle's user namespace. Reads the policy
// and the host's user databases, never allocates nor creates the user.
#pragma once

#include <string>
#include <vector>

#include "config/userns_settings.hpp"
#include "oci/audit.hpp"
#include "oci/config.hpp"

namespace ucrun::cli {

// Rewrites `fs` (worst first) for the policy: with an injection, the
// "no-userns" finding of linux.namespaces is no longer true and gives way
// to an info finding that says which mappings create adds; a refused
// opt-out is a high finding (create refuses the bundle); an allowed one is
// said next to the "no-userns" finding it keeps. `rootless`: create takes
// no ids of its own then (container/create.cpp), so the policy does not
// apply, and the finding says so instead.
void add_remap_findings(const config::UsernsConfig& policy, const std::string& policy_source,
                        const oci::Config& cfg, bool rootless, std::vector<oci::audit::Finding>& fs);

}  // namespace ucrun::cli
