// Semantic rules of config.md (version, root, process, mounts, hooks,
// annotations). The linux section is in validate_linux.cpp.
#include "oci/validate.hpp"

#include <set>

#include "oci/cpu_list.hpp"
#include "oci/mount_options.hpp"
#include "oci/validate_detail.hpp"

namespace oci {

using detail::at;
using detail::Checker;
using detail::is_absolute;
using detail::key_at;
using detail::quote;
using detail::sub;

namespace detail {

bool is_cpu_list(const std::string& s) { return parse_cpu_list(s).has_value(); }

void check_id_mappings(const Checker& c, const std::vector<IDMapping>& maps, const std::string& path) {
    // What the kernel refuses in uid_map/gid_map with a bare EINVAL
    // (user_namespaces(7), kernel/user_namespace.c map_write): more than
    // 340 lines, id 4294967295 ((uid_t)-1, never a valid id) inside a range,
    // zero sizes, overlapping ranges on either side.
    constexpr size_t max_ranges = 340;
    if (maps.size() > max_ranges)
        c.fail(path, "has " + std::to_string(maps.size()) + " ranges: the kernel accepts at most " +
                         std::to_string(max_ranges) + " (user_namespaces(7))");
    constexpr uint64_t limit = uint64_t{1} << 32;
    for (size_t i = 0; i < maps.size(); ++i) {
        const IDMapping& m = maps[i];
        if (m.size == 0) c.fail(sub(at(path, i), "size"), "must be greater than 0");
        if (uint64_t{m.containerID} + m.size > limit)
            c.fail(at(path, i), "containerID + size overflows uint32");
        if (uint64_t{m.hostID} + m.size > limit) c.fail(at(path, i), "hostID + size overflows uint32");
        if (uint64_t{m.containerID} + m.size == limit || uint64_t{m.hostID} + m.size == limit)
            c.fail(at(path, i), "includes id 4294967295, which cannot be mapped (it is (uid_t)-1)");
        for (size_t j = 0; j < i; ++j) {
            const IDMapping& o = maps[j];
            auto overlap = [](uint64_t a, uint64_t b, uint64_t as, uint64_t bs) {
                return a < b + bs && b < a + as;
            };
            if (overlap(m.containerID, o.containerID, m.size, o.size) ||
                overlap(m.hostID, o.hostID, m.size, o.size))
                c.fail(at(path, i), "overlaps " + at(path, j));
        }
    }
}

}  // namespace detail

namespace {

// config.md "Linux Process": capabilities.
void check_capabilities(const Checker& c, const Capabilities& caps, const std::string& path) {
    // config.md "Linux Process": capabilities that cannot be granted MUST be
    // logged as a warning and SHOULD NOT fail the container: unknown names
    // are left to the runtime (security::resolve ignores them with a
    // warning); only empty names are malformed.
    auto check = [&](const std::optional<std::vector<std::string>>& set, const char* name) {
        if (!set) return;
        for (size_t i = 0; i < set->size(); ++i)
            if ((*set)[i].empty()) c.fail(at(sub(path, name), i), "empty capability name");
    };
    check(caps.effective, "effective");
    check(caps.bounding, "bounding");
    check(caps.inheritable, "inheritable");
    check(caps.permitted, "permitted");
    check(caps.ambient, "ambient");
}

// config.md "POSIX process": type known, no duplicate types; soft <= hard
// (setrlimit(2) refuses anything else).
void check_rlimits(const Checker& c, const std::vector<Rlimit>& rlimits, const std::string& path) {
    std::set<std::string> seen;
    for (size_t i = 0; i < rlimits.size(); ++i) {
        const Rlimit& r = rlimits[i];
        std::string p = at(path, i);
        if (rlimit_resource(r.type) < 0) c.fail(sub(p, "type"), "unknown rlimit type " + quote(r.type));
        if (!seen.insert(r.type).second) c.fail(sub(p, "type"), "duplicate rlimit type " + quote(r.type));
        if (r.soft > r.hard)
            c.fail(p, "soft limit " + std::to_string(r.soft) + " exceeds hard limit " + std::to_string(r.hard));
    }
}

// config.md "Linux Process": scheduler.
void check_scheduler(const Checker& c, const Scheduler& s, const std::string& path) {
    if (!is_known_scheduler_policy(s.policy))
        c.fail(sub(path, "policy"), "unknown scheduler policy " + quote(s.policy));
    for (size_t i = 0; i < s.flags.size(); ++i)
        if (!is_known_scheduler_flag(s.flags[i]))
            c.fail(at(sub(path, "flags"), i), "unknown scheduler flag " + quote(s.flags[i]));
    if (s.nice && (*s.nice < -20 || *s.nice > 19)) c.fail(sub(path, "nice"), "must be between -20 and 19");
}

// config.md "Linux Process": ioPriority.
void check_io_priority(const Checker& c, const IOPriority& io, const std::string& path) {
    if (!is_known_ioprio_class(io.class_))
        c.fail(sub(path, "class"), "unknown I/O priority class " + quote(io.class_));
    if (io.priority < 0 || io.priority > 7) c.fail(sub(path, "priority"), "must be between 0 and 7");
}

// config.md "Mounts" and "Linux mount options".
void check_mount(const Checker& c, const Config& cfg, size_t i) {
    const Mount& m = cfg.mounts[i];
    std::string p = at("mounts", i);
    // Relative destinations are deprecated; refused as runc >= 1.2 does.
    if (!is_absolute(m.destination)) c.fail(sub(p, "destination"), "must be an absolute path");
    // The one parser of mount options (mount_options.hpp), the one mounting
    // uses: empty options, unknown options on a bind mount (a typo of
    // "nosuid" would be dropped) and oversized filesystem data are refused.
    const MountOptions o = parse_mount_options(m, p, c.document);
    const bool idmap = o.idmap;
    // runc 1.2 idmaps bind mounts only; crun 1.9 tmpfs too (Linux 6.3). A
    // file system mounted inside the container (proc, sysfs, mqueue, ...)
    // belongs to its namespaces and is made there, too late to be idmapped
    // (src/mount/idmap.hpp).
    if ((idmap || !m.uidMappings.empty() || !m.gidMappings.empty()) && !is_bind_mount(m) &&
        (m.type.value_or("") != "tmpfs" || o.remount))
        c.fail(p, "idmap is supported for bind and tmpfs mounts only, " +
                      (o.remount ? std::string("not with remount") : "not for a " + quote(m.type.value_or("")) + " mount"));
    // "POSIX-platform Mounts": uidMappings and gidMappings go together.
    if (m.uidMappings.empty() != m.gidMappings.empty())
        c.fail(p, "uidMappings and gidMappings must be specified together");
    detail::check_id_mappings(c, m.uidMappings, sub(p, "uidMappings"));
    detail::check_id_mappings(c, m.gidMappings, sub(p, "gidMappings"));
    // "idmap"/"ridmap": without mount mappings the container's user
    // namespace mapping is used; without either, an error MUST be returned.
    bool userns = cfg.linux && cfg.linux->find_namespace("user");
    if (idmap && m.uidMappings.empty() && !userns)
        c.fail(sub(p, "options"), "idmap requires uidMappings and gidMappings or a user namespace");
}

// config.md "POSIX-platform Hooks": path absolute, timeout > 0.
void check_hooks(const Checker& c, const std::vector<Hook>& hooks, const std::string& path) {
    for (size_t i = 0; i < hooks.size(); ++i) {
        std::string p = at(path, i);
        if (!is_absolute(hooks[i].path)) c.fail(sub(p, "path"), "must be an absolute path");
        if (hooks[i].timeout && *hooks[i].timeout <= 0) c.fail(sub(p, "timeout"), "must be greater than 0");
        detail::check_hook_limits(c, hooks[i], p);
    }
}

}  // namespace

void validate_process(const Process& p, const std::string& document, const std::string& path) {
    Checker c{document};
    // config.md "Process": args needs at least one entry (non-Windows).
    if (p.args.empty()) c.fail(sub(path, "args"), "must not be empty");
    if (!is_absolute(p.cwd)) c.fail(sub(path, "cwd"), "must be an absolute path");
    detail::check_process_limits(c, p, path);
    if (p.capabilities) check_capabilities(c, *p.capabilities, sub(path, "capabilities"));
    check_rlimits(c, p.rlimits, sub(path, "rlimits"));
    // proc(5): oom_score_adj ranges from -1000 to 1000.
    if (p.oomScoreAdj && (*p.oomScoreAdj < -1000 || *p.oomScoreAdj > 1000))
        c.fail(sub(path, "oomScoreAdj"), "must be between -1000 and 1000");
    if (p.scheduler) check_scheduler(c, *p.scheduler, sub(path, "scheduler"));
    if (p.ioPriority) check_io_priority(c, *p.ioPriority, sub(path, "ioPriority"));
    if (p.execCPUAffinity) {
        std::string ap = sub(path, "execCPUAffinity");
        const auto& a = *p.execCPUAffinity;
        if (a.initial && !detail::is_cpu_list(*a.initial))
            c.fail(sub(ap, "initial"), "invalid CPU list " + quote(*a.initial));
        if (a.final_ && !detail::is_cpu_list(*a.final_))
            c.fail(sub(ap, "final"), "invalid CPU list " + quote(*a.final_));
    }
}

void validate(const Config& cfg, const std::string& document) {
    Checker c{document};
    if (!is_supported_oci_version(cfg.ociVersion))
        c.fail("", "unsupported ociVersion " + quote(cfg.ociVersion) + ": ucrun supports 1.0.0 to 1.3.x");
    if (cfg.root.path.empty()) c.fail("root.path", "must not be empty");
    detail::check_config_limits(c, cfg);
    if (cfg.process) validate_process(*cfg.process, document, "process");
    for (size_t i = 0; i < cfg.mounts.size(); ++i) check_mount(c, cfg, i);
    check_hooks(c, cfg.hooks.prestart, "hooks.prestart");
    check_hooks(c, cfg.hooks.createRuntime, "hooks.createRuntime");
    check_hooks(c, cfg.hooks.createContainer, "hooks.createContainer");
    check_hooks(c, cfg.hooks.startContainer, "hooks.startContainer");
    check_hooks(c, cfg.hooks.poststart, "hooks.poststart");
    check_hooks(c, cfg.hooks.poststop, "hooks.poststop");
    // config.md "Annotations": keys MUST NOT be an empty string.
    if (cfg.annotations.count("")) c.fail(key_at("annotations", ""), "key must not be empty");
    if (cfg.linux) detail::validate_linux(c, cfg);
}

}  // namespace oci
