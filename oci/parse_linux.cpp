// The `linux` section of config.json (config-linux.md), except
// linux.resources (parse_resources.cpp).
#include "oci/parse_detail.hpp"

namespace oci::detail {

// config-linux.md "Namespaces": type REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Namespace& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "type", out.type);
    r.opt(o, p, "path", out.path);
}

// config-linux.md "Offset for Time Namespace".
static void read(Reader& r, const json& v, const Path& p, TimeOffset& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "secs", out.secs);
    r.opt(o, p, "nanosecs", out.nanosecs);
}

// config-linux.md "Devices": type and path REQUIRED; major and minor
// "REQUIRED unless type is p".
static void read(Reader& r, const json& v, const Path& p, Device& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "type", out.type);
    r.req(o, p, "path", out.path);
    if (out.type == "p") {
        r.opt(o, p, "major", out.major);
        r.opt(o, p, "minor", out.minor);
    } else {
        r.req(o, p, "major", out.major);
        r.req(o, p, "minor", out.minor);
    }
    r.opt(o, p, "fileMode", out.fileMode);
    r.opt(o, p, "uid", out.uid);
    r.opt(o, p, "gid", out.gid);
}

// config-linux.md "IntelRdt".
static void read(Reader& r, const json& v, const Path& p, IntelRdt& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "closID", out.closID);
    r.opt(o, p, "l3CacheSchema", out.l3CacheSchema);
    r.opt(o, p, "memBwSchema", out.memBwSchema);
    r.opt(o, p, "schemata", out.schemata);
    r.opt(o, p, "enableMonitoring", out.enableMonitoring);
}

// config-linux.md "Memory policy": mode REQUIRED.
static void read(Reader& r, const json& v, const Path& p, MemoryPolicy& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "mode", out.mode);
    r.opt(o, p, "nodes", out.nodes);
    r.opt(o, p, "flags", out.flags);
}

// config-linux.md "Seccomp": args index, value, op REQUIRED.
static void read(Reader& r, const json& v, const Path& p, SeccompArg& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "index", out.index);
    r.req(o, p, "value", out.value);
    r.opt(o, p, "valueTwo", out.valueTwo);
    r.req(o, p, "op", out.op);
}

// syscalls[]: names and action REQUIRED.
static void read(Reader& r, const json& v, const Path& p, SeccompSyscall& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "names", out.names);
    r.req(o, p, "action", out.action);
    r.opt(o, p, "errnoRet", out.errnoRet);
    r.opt(o, p, "args", out.args);
}

// defaultAction REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Seccomp& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "defaultAction", out.defaultAction);
    r.opt(o, p, "defaultErrnoRet", out.defaultErrnoRet);
    r.opt(o, p, "architectures", out.architectures);
    r.opt(o, p, "flags", out.flags);
    r.opt(o, p, "listenerPath", out.listenerPath);
    r.opt(o, p, "listenerMetadata", out.listenerMetadata);
    r.opt(o, p, "syscalls", out.syscalls);
}

// config-linux.md "Personality": domain REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Personality& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "domain", out.domain);
    r.opt(o, p, "flags", out.flags);
}

// config-linux.md "Network Devices".
static void read(Reader& r, const json& v, const Path& p, NetDevice& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "name", out.name);
}

void read(Reader& r, const json& v, const Path& p, Linux& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "namespaces", out.namespaces);
    r.opt(o, p, "uidMappings", out.uidMappings);
    r.opt(o, p, "gidMappings", out.gidMappings);
    r.opt(o, p, "timeOffsets", out.timeOffsets);
    r.opt(o, p, "devices", out.devices);
    r.opt(o, p, "cgroupsPath", out.cgroupsPath);
    r.opt(o, p, "resources", out.resources);
    r.opt(o, p, "rootfsPropagation", out.rootfsPropagation);
    r.opt(o, p, "seccomp", out.seccomp);
    r.opt(o, p, "sysctl", out.sysctl);
    r.opt(o, p, "maskedPaths", out.maskedPaths);
    r.opt(o, p, "readonlyPaths", out.readonlyPaths);
    r.opt(o, p, "mountLabel", out.mountLabel);
    r.opt(o, p, "personality", out.personality);
    r.opt(o, p, "intelRdt", out.intelRdt);
    r.opt(o, p, "memoryPolicy", out.memoryPolicy);
    r.opt(o, p, "netDevices", out.netDevices);
}

}  // namespace oci::detail
