// Semantic rules of config-linux.md: namespaces, id mappings, time offsets,
// devices, resources, propagation, seccomp, masked/readonly paths,
// personality, memory policy, intelRdt.
#include <set>

#include "oci/validate.hpp"
#include "oci/validate_detail.hpp"

namespace oci {

using detail::at;
using detail::Checker;
using detail::is_absolute;
using detail::key_at;
using detail::quote;
using detail::sub;

namespace {

// "Namespaces": types known, no duplicates, path absolute.
void check_namespaces(const Checker& c, const std::vector<Namespace>& nss) {
    std::set<std::string> seen;
    for (size_t i = 0; i < nss.size(); ++i) {
        std::string p = at("linux.namespaces", i);
        const Namespace& ns = nss[i];
        if (!is_known_namespace(ns.type)) c.fail(sub(p, "type"), "unknown namespace type " + quote(ns.type));
        if (!seen.insert(ns.type).second) c.fail(sub(p, "type"), "duplicate namespace type " + quote(ns.type));
        if (ns.path && !is_absolute(*ns.path)) c.fail(sub(p, "path"), "must be an absolute path");
    }
}

// "User namespace mappings". Mappings without a new user namespace would be
// silently ignored (runc) and the container would run as real host root: refuse.
// With a user namespace joined by path they may repeat its mappings
// (containerd 2, CRI-O); whether they do needs the namespace itself, which
// create checks (src/userns/joined.hpp).
void check_user_mappings(const Checker& c, const Linux& l) {
    const Namespace* userns = l.find_namespace("user");
    auto check = [&](const std::vector<IDMapping>& maps, const char* path) {
        detail::check_id_mappings(c, maps, path);
        if (maps.empty()) return;
        if (!userns) c.fail(path, "requires a user namespace in linux.namespaces");
    };
    check(l.uidMappings, "linux.uidMappings");
    check(l.gidMappings, "linux.gidMappings");
}

// "Offset for Time Namespace": clocks are monotonic and boottime
// (time_namespaces(7)); offsets can only be written to a new time namespace.
void check_time_offsets(const Checker& c, const Linux& l) {
    if (l.timeOffsets.empty()) return;
    for (const auto& [clock, off] : l.timeOffsets) {
        std::string p = key_at("linux.timeOffsets", clock);
        if (clock != "monotonic" && clock != "boottime")
            c.fail(p, "unknown clock " + quote(clock) + " (must be monotonic or boottime)");
        if (off.nanosecs && *off.nanosecs >= 1000000000u)
            c.fail(sub(p, "nanosecs"), "must be less than 1000000000");
    }
    const Namespace* timens = l.find_namespace("time");
    if (!timens) c.fail("linux.timeOffsets", "requires a time namespace in linux.namespaces");
    if (timens->path) c.fail("linux.timeOffsets", "must not be set when the time namespace is joined by path");
}

// "Devices": type c, b, u or p; path absolute; fileMode mode bits only.
// The schema's FileMode stops at 0777; the setuid, setgid and sticky bits
// are kept (runc and containerd's DeviceFromPath copy them from the host's
// node), but a higher bit is no mode bit: it would be dropped silently
// (src/mount/devices.cpp masks with 07777), 2147483648 giving mode 0.
void check_devices(const Checker& c, const std::vector<Device>& devices) {
    for (size_t i = 0; i < devices.size(); ++i) {
        std::string p = at("linux.devices", i);
        const std::string& t = devices[i].type;
        if (t != "c" && t != "b" && t != "u" && t != "p") c.fail(sub(p, "type"), "must be one of c, b, u, p");
        if (!is_absolute(devices[i].path)) c.fail(sub(p, "path"), "must be an absolute path");
        if (devices[i].fileMode && *devices[i].fileMode > 07777)
            c.fail(sub(p, "fileMode"), "must be at most 4095 (07777: permission, setuid, setgid and sticky bits)");
    }
}

// "Seccomp": known actions, architectures, flags, operators; names not
// empty; errnoRet only with actions that return an errno; listenerMetadata
// only with listenerPath.
void check_seccomp(const Checker& c, const Seccomp& s) {
    const std::string p = "linux.seccomp";
    auto takes_errno = [](const std::string& a) { return a == "SCMP_ACT_ERRNO" || a == "SCMP_ACT_TRACE"; };
    if (!is_known_seccomp_action(s.defaultAction))
        c.fail(sub(p, "defaultAction"), "unknown seccomp action " + quote(s.defaultAction));
    if (s.defaultErrnoRet && !takes_errno(s.defaultAction))
        c.fail(sub(p, "defaultErrnoRet"), "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    for (size_t i = 0; i < s.architectures.size(); ++i)
        if (!is_known_seccomp_arch(s.architectures[i]))
            c.fail(at(sub(p, "architectures"), i), "unknown seccomp architecture " + quote(s.architectures[i]));
    for (size_t i = 0; i < s.flags.size(); ++i)
        if (!is_known_seccomp_flag(s.flags[i]))
            c.fail(at(sub(p, "flags"), i), "unknown seccomp flag " + quote(s.flags[i]));
    if (s.listenerMetadata && !s.listenerPath)
        c.fail(sub(p, "listenerMetadata"), "requires linux.seccomp.listenerPath");
    for (size_t i = 0; i < s.syscalls.size(); ++i) {
        const SeccompSyscall& sc = s.syscalls[i];
        std::string sp = at(sub(p, "syscalls"), i);
        if (sc.names.empty()) c.fail(sub(sp, "names"), "must not be empty");
        for (size_t n = 0; n < sc.names.size(); ++n)
            if (sc.names[n].empty()) c.fail(at(sub(sp, "names"), n), "must not be empty");
        if (!is_known_seccomp_action(sc.action))
            c.fail(sub(sp, "action"), "unknown seccomp action " + quote(sc.action));
        if (sc.errnoRet && !takes_errno(sc.action))
            c.fail(sub(sp, "errnoRet"), "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        for (size_t a = 0; a < sc.args.size(); ++a) {
            std::string ap = at(sub(sp, "args"), a);
            // syscalls take at most 6 arguments
            if (sc.args[a].index > 5) c.fail(sub(ap, "index"), "must be between 0 and 5");
            if (!is_known_seccomp_operator(sc.args[a].op))
                c.fail(sub(ap, "op"), "unknown seccomp operator " + quote(sc.args[a].op));
        }
    }
}

// "Masked Paths", "Readonly Paths": absolute.
void check_paths(const Checker& c, const std::optional<std::vector<std::string>>& paths, const char* path) {
    if (!paths) return;
    for (size_t i = 0; i < paths->size(); ++i)
        if (!is_absolute((*paths)[i])) c.fail(at(path, i), "must be an absolute path");
}

// "Personality": domain LINUX or LINUX32; no flag values are supported.
void check_personality(const Checker& c, const Personality& pers) {
    if (pers.domain != "LINUX" && pers.domain != "LINUX32")
        c.fail("linux.personality.domain", "must be LINUX or LINUX32");
    for (size_t i = 0; i < pers.flags.size(); ++i)
        c.fail(at("linux.personality.flags", i), "unknown personality flag " + quote(pers.flags[i]));
}

// "Memory policy".
void check_memory_policy(const Checker& c, const MemoryPolicy& mp) {
    const std::string p = "linux.memoryPolicy";
    if (!is_known_mempolicy_mode(mp.mode)) c.fail(sub(p, "mode"), "unknown memory policy mode " + quote(mp.mode));
    if (mp.nodes && !detail::is_cpu_list(*mp.nodes)) c.fail(sub(p, "nodes"), "invalid node list " + quote(*mp.nodes));
    for (size_t i = 0; i < mp.flags.size(); ++i)
        if (!is_known_mempolicy_flag(mp.flags[i]))
            c.fail(at(sub(p, "flags"), i), "unknown memory policy flag " + quote(mp.flags[i]));
}

// "IntelRdt": memBwSchema MUST start with "MB:"; no newlines.
void check_intel_rdt(const Checker& c, const IntelRdt& rdt) {
    const std::string p = "linux.intelRdt";
    auto has_nl = [](const std::string& s) { return s.find('\n') != std::string::npos; };
    if (rdt.l3CacheSchema && has_nl(*rdt.l3CacheSchema)) c.fail(sub(p, "l3CacheSchema"), "must not contain newlines");
    if (rdt.memBwSchema) {
        if (rdt.memBwSchema->rfind("MB:", 0) != 0) c.fail(sub(p, "memBwSchema"), "must start with \"MB:\"");
        if (has_nl(*rdt.memBwSchema)) c.fail(sub(p, "memBwSchema"), "must not contain newlines");
    }
    for (size_t i = 0; i < rdt.schemata.size(); ++i)
        if (has_nl(rdt.schemata[i])) c.fail(at(sub(p, "schemata"), i), "must not contain newlines");
}

}  // namespace

void check_host_root_mapping(const Config& cfg, bool allowed, const std::string& document) {
    if (allowed || !cfg.linux) return;
    auto check = [&](const std::vector<IDMapping>& maps, const char* path, const char* kind) {
        for (size_t i = 0; i < maps.size(); ++i)
            if (maps[i].hostID == 0 && maps[i].size > 0)  // [hostID, hostID + size) contains 0
                throw SpecError(document, at(path, i),
                                std::string("maps host root (") + kind +
                                    " 0) into the user namespace; pass --allow-host-root-mapping to ucrun "
                                    "to allow it");
    };
    check(cfg.linux->uidMappings, "linux.uidMappings", "uid");
    check(cfg.linux->gidMappings, "linux.gidMappings", "gid");
}

namespace detail {

void validate_linux(const Checker& c, const Config& cfg) {
    const Linux& l = *cfg.linux;
    check_namespaces(c, l.namespaces);
    check_user_mappings(c, l);
    check_time_offsets(c, l);
    check_devices(c, l.devices);
    if (l.resources) validate_resources(*l.resources, c.document, "linux.resources");
    if (l.rootfsPropagation && !is_known_rootfs_propagation(*l.rootfsPropagation))
        c.fail("linux.rootfsPropagation", "unknown propagation " + quote(*l.rootfsPropagation) +
                                              " (must be private, shared, slave or unbindable, or r-prefixed)");
    if (l.seccomp) check_seccomp(c, *l.seccomp);
    check_paths(c, l.maskedPaths, "linux.maskedPaths");
    check_paths(c, l.readonlyPaths, "linux.readonlyPaths");
    if (l.personality) check_personality(c, *l.personality);
    if (l.memoryPolicy) check_memory_policy(c, *l.memoryPolicy);
    if (l.intelRdt) check_intel_rdt(c, *l.intelRdt);
}

}  // namespace detail

}  // namespace oci
