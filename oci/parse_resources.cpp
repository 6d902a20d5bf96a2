// linux.resources (config-linux.md "Control groups"), also the document of
// `update -r`.
#include "oci/parse_detail.hpp"

namespace oci::detail {

// "Allowed Device list": allow REQUIRED.
static void read(Reader& r, const json& v, const Path& p, DeviceCgroup& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "allow", out.allow);
    r.opt(o, p, "type", out.type);
    r.opt(o, p, "major", out.major);
    r.opt(o, p, "minor", out.minor);
    r.opt(o, p, "access", out.access);
}

// "Memory".
static void read(Reader& r, const json& v, const Path& p, Memory& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "limit", out.limit);
    r.opt(o, p, "reservation", out.reservation);
    r.opt(o, p, "swap", out.swap);
    r.opt(o, p, "kernel", out.kernel);
    r.opt(o, p, "kernelTCP", out.kernelTCP);
    r.opt(o, p, "swappiness", out.swappiness);
    r.opt(o, p, "disableOOMKiller", out.disableOOMKiller);
    r.opt(o, p, "useHierarchy", out.useHierarchy);
    r.opt(o, p, "checkBeforeUpdate", out.checkBeforeUpdate);
}

// "CPU".
static void read(Reader& r, const json& v, const Path& p, CPU& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "shares", out.shares);
    r.opt(o, p, "quota", out.quota);
    r.opt(o, p, "burst", out.burst);
    r.opt(o, p, "period", out.period);
    r.opt(o, p, "realtimeRuntime", out.realtimeRuntime);
    r.opt(o, p, "realtimePeriod", out.realtimePeriod);
    r.opt(o, p, "cpus", out.cpus);
    r.opt(o, p, "mems", out.mems);
    r.opt(o, p, "idle", out.idle);
}

// "Block IO": major and minor REQUIRED for device entries, rate REQUIRED
// for throttle entries.
static void read(Reader& r, const json& v, const Path& p, WeightDevice& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "major", out.major);
    r.req(o, p, "minor", out.minor);
    r.opt(o, p, "weight", out.weight);
    r.opt(o, p, "leafWeight", out.leafWeight);
}

static void read(Reader& r, const json& v, const Path& p, ThrottleDevice& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "major", out.major);
    r.req(o, p, "minor", out.minor);
    r.req(o, p, "rate", out.rate);
}

static void read(Reader& r, const json& v, const Path& p, BlockIO& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "weight", out.weight);
    r.opt(o, p, "leafWeight", out.leafWeight);
    r.opt(o, p, "weightDevice", out.weightDevice);
    r.opt(o, p, "throttleReadBpsDevice", out.throttleReadBpsDevice);
    r.opt(o, p, "throttleWriteBpsDevice", out.throttleWriteBpsDevice);
    r.opt(o, p, "throttleReadIOPSDevice", out.throttleReadIOPSDevice);
    r.opt(o, p, "throttleWriteIOPSDevice", out.throttleWriteIOPSDevice);
}

// "Huge page limits": pageSize and limit REQUIRED.
static void read(Reader& r, const json& v, const Path& p, HugepageLimit& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "pageSize", out.pageSize);
    r.req(o, p, "limit", out.limit);
}

// "Network": priorities name and priority REQUIRED.
static void read(Reader& r, const json& v, const Path& p, InterfacePriority& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "name", out.name);
    r.req(o, p, "priority", out.priority);
}

static void read(Reader& r, const json& v, const Path& p, Network& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "classID", out.classID);
    r.opt(o, p, "priorities", out.priorities);
}

// "PIDs": limit REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Pids& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "limit", out.limit);
}

// "RDMA".
static void read(Reader& r, const json& v, const Path& p, Rdma& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "hcaHandles", out.hcaHandles);
    r.opt(o, p, "hcaObjects", out.hcaObjects);
}

void read(Reader& r, const json& v, const Path& p, Resources& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "devices", out.devices);
    r.opt(o, p, "memory", out.memory);
    r.opt(o, p, "cpu", out.cpu);
    r.opt(o, p, "pids", out.pids);
    r.opt(o, p, "blockIO", out.blockIO);
    r.opt(o, p, "hugepageLimits", out.hugepageLimits);
    r.opt(o, p, "network", out.network);
    r.opt(o, p, "rdma", out.rdma);
    r.opt(o, p, "unified", out.unified);
}

}  // namespace oci::detail
