#include "container/cgroups.hpp"

#include "container/rootless.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <chrono>
#include <optional>
#include <thread>

#include "cgroup/devices.hpp"
#include "oci/error.hpp"
#include "sys/error.hpp"

namespace ucrun::container {

namespace {

// A default device rule without the accesses that the config's own rules
// deny for that very device (type, major and minor named: "deny c 1:5 rwm"
// after the usual "deny all"), the last rule naming the device deciding.
// runc appends its defaults after the config's rules, so such a deny has
// no effect there; config-linux.md asks for the rules to be applied in the
// listed order, and a deny of /dev/zero by name is meant. A blanket rule
// ("a", or no major) never removes a default.
std::optional<oci::DeviceCgroup> yield_to_config(oci::DeviceCgroup d, const std::vector<oci::DeviceCgroup>& cfg) {
    if (!d.major || !d.minor || *d.major < 0 || *d.minor < 0) return d;
    const std::string type = d.type.value_or("a");
    std::string denied;
    for (const auto& r : cfg) {
        if (!r.major || *r.major != *d.major || (r.minor && *r.minor != *d.minor)) continue;
        if (r.type.value_or("a") != type) continue;
        for (char c : r.access.value_or("rwm")) {
            auto at = denied.find(c);
            if (!r.allow && at == std::string::npos) denied += c;
            if (r.allow && at != std::string::npos) denied.erase(at, 1);
        }
    }
    if (denied.empty()) return d;
    std::string access;
    for (char c : d.access.value_or("rwm"))
        if (denied.find(c) == std::string::npos) access += c;
    if (access.empty()) return std::nullopt;
    d.access = access;
    return d;
}

// Whether the config asks for a limit that only a cgroup can enforce.
// Device rules do not count: without a cgroup they are not applied, and a
// rootless container cannot mknod anyway (runc ignores them too).
bool asks_limits(const oci::Config& cfg) {
    if (!cfg.linux || !cfg.linux->resources) return false;
    const oci::Resources& r = *cfg.linux->resources;
    return r.memory || r.cpu || r.pids || r.blockIO || !r.hugepageLimits.empty() || r.network || !r.rdma.empty() ||
           !r.unified.empty();
}

bool permission_error(int e) { return e == EACCES || e == EPERM || e == EROFS; }

}  // namespace

CgroupPlan plan_cgroup(const Context& ctx, const std::string& id, const oci::Config& cfg,
                       std::function<void(const cgroup::Manager&)> on_planned) {
    CgroupPlan p;
    p.on_planned = std::move(on_planned);
    cgroup::Options opts;
    opts.manager = ctx.cgroup_manager;
    opts.systemd_cgroup = ctx.systemd_cgroup;
    p.cg = cgroup::Manager::make(opts, id, cfg.linux ? cfg.linux->cgroupsPath : std::nullopt);
    auto& cg = p.cg;
    if (!cg->enabled()) {
        p.on_planned(*cg);
        return p;
    }
    // What create() will make; when that is all of it, nothing of the
    // cgroup exists to be asked about below.
    const bool absent = cg->plan();
    // A cgroup shared with other processes (another container of the same
    // id under another --root gets the same default path, or a cgroupsPath
    // naming a service's cgroup) would let kill --all, pause and the
    // delete --force of a failed create reach them: refused, as runc 1.2
    // does (1.1 only warned).
    if (!absent && cg->exists()) {
        if (auto n = cg->pids().size())
            throw oci::SpecError("config.json", "linux.cgroupsPath",
                                 "container's cgroup is not empty: " + std::to_string(n) + " process(es) found in " +
                                     cg->path());
        if (cg->frozen()) throw Error("container's cgroup unexpectedly frozen: " + cg->path());
    }
    oci::Resources& res = p.res;
    res = cfg.linux && cfg.linux->resources ? *cfg.linux->resources : oci::Resources{};
    // runc appends its default allowed devices, and linux.devices, after
    // the config's rules (config-linux.md "Default Devices"), except what
    // the config itself denies by name (see yield_to_config).
    const std::vector<oci::DeviceCgroup> own = res.devices;
    for (auto& d : cgroup::default_device_rules())
        if (auto kept = yield_to_config(d, own)) res.devices.push_back(*kept);
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
    // Rootless, the device cgroup is not ours to set: v2's BPF program needs
    // CAP_BPF/CAP_SYS_ADMIN of the host, v1's devices.allow root's files,
    // and a process of a user namespace cannot mknod anyway (runc skips
    // them too).
    p.unprivileged = rootless(ctx);
    if (p.unprivileged) res.devices.clear();
    p.on_planned(*cg);
    return p;
}

void make_cgroup(const oci::Config& cfg, const std::string& id, CgroupPlan& p) {
    auto& cg = p.cg;
    if (!cg->enabled()) return;
    const bool unprivileged = p.unprivileged;
    try {
        cg->create();
    } catch (const SysError& e) {
        // Rootless (the caller is not root, or root of an engine's user
        // namespace: rootless podman) without a cgroup it may write: runc
        // goes on without one when nothing needs it, and so do we. Where
        // limits were asked for, they cannot be silently dropped.
        if (!permission_error(e.code()) || !unprivileged) {
            // A cgroup that cannot be made (a cgroupsPath component that is
            // a file, a name over NAME_MAX): remove the levels it did make
            // (in other hierarchies, or parents) before failing. Only this
            // manager knows them: create's undo gets it once we return.
            try {
                cg->destroy();
            } catch (const std::exception&) {
                // rmdir of the levels that were never made fails; the
                // error to report is the one that stopped create()
            }
            throw;
        }
        cg->destroy();  // what hierarchies it did make (v1)
        if (asks_limits(cfg))
            throw oci::SpecError("config.json", "linux.resources",
                                 "cannot be applied: " + std::string(e.what()) +
                                     " (rootless without a delegated cgroup: give the user a cgroup v2 subtree and "
                                     "name it in linux.cgroupsPath, or drop the limits)");
        cgroup::Options off;
        off.manager = "disabled";
        cg = cgroup::Manager::make(off, id, std::nullopt);
        p.on_planned(*cg);
        return;
    }
    try {
        cg->apply(p.res, !unprivileged);  // not initial: no device rules at all
    } catch (...) {
        cg->destroy();
        throw;
    }
}

proc::CgroupJoin CgroupEntry::join() const {
    proc::CgroupJoin j;
    j.clone_dir = clone_fd;
    for (const auto& f : files) j.files.emplace_back(f.fd.get(), &f.path);
    return j;
}

CgroupEntry cgroup_entry(const cgroup::Manager* cg) {
    CgroupEntry e;
    if (!cg) return e;
    e.clone_fd = cg->clone_fd();
    if (e.clone_fd >= 0) e.clone_dir = cg->dirs()[""];
    e.files = cg->open_join_files();
    return e;
}

std::string into_cgroup(const CgroupEntry& e) { return e.clone_fd >= 0 ? " (into cgroup " + e.clone_dir + ")" : ""; }

std::unique_ptr<cgroup::Manager> restore_cgroup(const state::Record& r) {
    return cgroup::Manager::restore(r.cgroup);
}

bool cgroup_frozen(const state::Record& r) {
    if (!r.cgroup) return false;
    try {
        return restore_cgroup(r)->frozen();
    } catch (const std::exception&) {
        return false;
    }
}

bool kill_cgroup(const state::Record& r, int sig) {
    if (!r.cgroup) return false;
    auto cg = restore_cgroup(r);
    if (!cg->enabled() || !cg->exists()) return false;
    cg->kill_all(sig);
    return true;
}

void thaw_cgroup(const state::Record& r) {
    if (!r.cgroup) return;
    auto cg = restore_cgroup(r);
    if (cg->enabled() && cg->exists() && cg->frozen()) cg->thaw();
}

namespace {
void kill_leftovers(cgroup::Manager& cg) {
    if (!cg.exists()) return;
    if (cg.pids().empty()) {
        if (cg.frozen()) cg.thaw();
        return;
    }
    cg.kill_all(SIGKILL);
    if (cg.frozen()) cg.thaw();
    // Without cgroup.kill and a freezer the container may write to (a
    // rootless caller in a cgroup made for it) the pids are killed one by
    // one from a list read once: a process forked meanwhile is not in it.
    // Again, then, every 50 ms while any is left.
    for (int i = 0; i < 1000 && !cg.pids().empty(); ++i) {
        if (i % 25 == 24) cg.kill_all(SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}
}  // namespace

void remove_container_cgroup(const state::Record& r) {
    if (!r.cgroup) return;
    auto cg = restore_cgroup(r);
    if (!cg->enabled()) return;
    if (!cg->remove_if_empty()) kill_leftovers(*cg);
    cg->destroy();
}

}  // namespace ucrun::container
