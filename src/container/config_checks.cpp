#include "container/config_checks.hpp"

#include <unistd.h>

#include "ns/rules.hpp"
#include "oci/error.hpp"
#include "oci/validate.hpp"
#include "proc/sysctl.hpp"
#include "security/lsm.hpp"
#include "userns/joined.hpp"

namespace ucrun::container {

ns::Plan check_config(oci::Config& cfg, const CheckOptions& o) {
    oci::validate(cfg);
    try {
        oci::check_host_root_mapping(cfg, o.allow_host_root_mapping);
    } catch (const oci::SpecError&) {
        // Id 0 of a child user namespace (rootless podman's, --userns=keep-id)
        // is the unprivileged user who owns it, not the host's root.
        if (!o.rootless) throw;
    }
    if (!cfg.linux) cfg.linux.emplace();
    ns::Plan plan = ns::plan(&*cfg.linux);
    check_runtime_rules(cfg, plan);
    ns::check_config(cfg, plan);                 // mount namespace required, hostname needs UTS (ns/rules.hpp)
    proc::check_sysctl(cfg, plan);               // config-linux.md "Sysctl": namespaced keys only
    userns::check_joined_mappings(*cfg.linux);   // a joined user namespace's mappings, if repeated
    return plan;
}

void check_runtime_rules(const oci::Config& cfg, const ns::Plan& plan) {
    if (!cfg.process) throw oci::SpecError("config.json", "process", "is required to create a container");
    if (plan.new_user() && cfg.linux->uidMappings.empty())
        throw oci::SpecError("config.json", "linux.uidMappings",
                             "required for a new user namespace (linux.namespaces has \"user\" without a path)");
    if (plan.new_user() && cfg.linux->gidMappings.empty())
        throw oci::SpecError("config.json", "linux.gidMappings",
                             "required for a new user namespace (linux.namespaces has \"user\" without a path)");
    // Asked for and not available: a clear error rather than a container
    // that silently lacks it.
    if (!cfg.linux->netDevices.empty())
        throw oci::SpecError("config.json", "linux.netDevices", "moving network devices is not supported by ucrun");
    if (cfg.linux->intelRdt && ::access("/sys/fs/resctrl/schemata", F_OK) != 0)
        throw oci::SpecError("config.json", "linux.intelRdt", "resctrl is not mounted at /sys/fs/resctrl");
    if (cfg.linux->intelRdt)
        throw oci::SpecError("config.json", "linux.intelRdt", "Intel RDT is not supported by ucrun");
    if (cfg.linux->mountLabel && !cfg.linux->mountLabel->empty() && !security::selinux_enabled())
        throw oci::SpecError("config.json", "linux.mountLabel", "SELinux is not enabled on this host");
}

}  // namespace ucrun::container
