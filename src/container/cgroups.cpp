#include "container/cgroups.hpp"

#include "cgroup/devices.hpp"

namespace ucrun::container {

std::unique_ptr<cgroup::Manager> make_cgroup(const Context& ctx, const std::string& id, const oci::Config& cfg) {
    cgroup::Options opts;
    opts.manager = ctx.cgroup_manager;
    opts.systemd_cgroup = ctx.systemd_cgroup;
    auto cg = cgroup::Manager::make(opts, id, cfg.linux ? cfg.linux->cgroupsPath : std::nullopt);
    if (!cg->enabled()) return cg;
    oci::Resources res = cfg.linux && cfg.linux->resources ? *cfg.linux->resources : oci::Resources{};
    // runc appends its default allowed devices, and linux.devices, after
    // the config's rules (config-linux.md "Default Devices").
    for (auto& d : cgroup::default_device_rules()) res.devices.push_back(d);
    if (cfg.linux)
        for (const auto& d : cfg.linux->devices) {
            if (d.type == "p") continue;
            oci::DeviceCgroup r;
            r.allow = true;
            r.type = d.type == "u" ? "c" : d.type;
            r.major = d.major;
            r.minor = d.minor;
            r.access = "rwm";
            res.devices.push_back(r);
        }
    cg->create();
    try {
        cg->apply(res, true);
    } catch (...) {
        cg->destroy();
        throw;
    }
    return cg;
}

std::unique_ptr<cgroup::Manager> restore_cgroup(const state::Record& r) {
    return cgroup::Manager::from_json(r.cgroup);
}

bool cgroup_frozen(const state::Record& r) {
    if (!r.cgroup.is_object()) return false;
    try {
        return restore_cgroup(r)->frozen();
    } catch (const std::exception&) {
        return false;
    }
}

bool kill_cgroup(const state::Record& r, int sig) {
    if (!r.cgroup.is_object()) return false;
    auto cg = restore_cgroup(r);
    if (!cg->enabled() || !cg->exists()) return false;
    cg->kill_all(sig);
    return true;
}

void thaw_cgroup(const state::Record& r) {
    if (!r.cgroup.is_object()) return;
    auto cg = restore_cgroup(r);
    if (cg->enabled() && cg->exists() && cg->frozen()) cg->thaw();
}

void destroy_cgroup(const state::Record& r) {
    if (!r.cgroup.is_object()) return;
    restore_cgroup(r)->destroy();
}

}  // namespace ucrun::container
