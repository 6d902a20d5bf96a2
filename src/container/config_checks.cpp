#include "container/config_checks.hpp"

#include <unistd.h>

#include "ns/rules.hpp"
#include "oci/error.hpp"
#include "oci/validate.hpp"
#include "proc/sysctl.hpp"
#include "security/lsm.hpp"
#include "userns/joined.hpp"

namespace ucrun::container {

CreatePlan check_and_plan(const sys::Kernel& k, oci::Config& cfg, const CreateOptions& o, bool foreground,
                          const HostFacts& host,
                          bool allow_host_root_mapping) {
    oci::validate(cfg);
    try {
        oci::check_host_root_mapping(cfg, allow_host_root_mapping);
    } catch (const oci::SpecError&) {
        // Id 0 of a child user namespace (rootless podman's, --userns=keep-id)
        // is the unprivileged user who owns it, not the host's root.
        if (!host.rootless) throw;
    }
    if (!cfg.linux) cfg.linux.emplace();
    CreatePlan plan = plan_create(cfg, o, foreground, host);
    check_host_rules(cfg);
    ns::check_config(k, cfg, plan.ns);             // mount namespace required, hostname needs UTS (ns/rules.hpp)
    proc::check_sysctl(cfg, plan.ns);           // config-linux.md "Sysctl": namespaced keys only
    userns::check_joined_mappings(*cfg.linux);  // a joined user namespace's mappings, if repeated
    return plan;
}

void check_host_rules(const oci::Config& cfg) {
    if (cfg.linux->intelRdt && ::access("/sys/fs/resctrl/schemata", F_OK) != 0)
        throw oci::SpecError("config.json", "linux.intelRdt", "resctrl is not mounted at /sys/fs/resctrl");
    if (cfg.linux->intelRdt)
        throw oci::SpecError("config.json", "linux.intelRdt", "Intel RDT is not supported by ucrun");
    if (cfg.linux->mountLabel && !cfg.linux->mountLabel->empty() && !security::selinux_enabled())
        throw oci::SpecError("config.json", "linux.mountLabel", "SELinux is not enabled on this host");
}

}  // namespace ucrun::container
