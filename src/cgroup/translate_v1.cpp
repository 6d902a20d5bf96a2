// cgroup v1 files (Documentation/admin-guide/cgroup-v1/*.rst), in the order
// runc's fs manager visits its subsystems: cpuset, devices, memory, cpu,
// pids, blkio, hugetlb, net_cls, net_prio, rdma.
#include "cgroup/devices.hpp"
#include "cgroup/fsio.hpp"
#include "cgroup/translate.hpp"
#include "sys/error.hpp"

namespace ucrun::cgroup {

namespace {

using Out = std::vector<Write>;

std::string str(int64_t v) { return std::to_string(v); }
std::string str(uint64_t v) { return std::to_string(v); }
std::string dev(int64_t major, int64_t minor) { return str(major) + ":" + str(minor); }

void cpuset(const oci::CPU& c, Out& out) {
    if (c.cpus && !c.cpus->empty()) out.push_back({"cpuset", "cpuset.cpus", *c.cpus});
    if (c.mems && !c.mems->empty()) out.push_back({"cpuset", "cpuset.mems", *c.mems});
}

void devices(const oci::Resources& r, const Probe& probe, bool initial, Out& out) {
    auto target = DeviceState::from(device_rules(r.devices));
    DeviceState current;
    bool full = initial;
    // At create the whole list is written whatever the cgroup inherited
    // (transition_from ignores `current` then): no read of devices.list.
    if (!initial) {
        if (auto list = probe.read("devices", "devices.list"))
            current = DeviceState::from_v1_list(*list);
        else
            full = true;
    }
    for (const auto& rule : target.transition_from(current, full))
        out.push_back({"devices", rule.allow ? "devices.allow" : "devices.deny", rule.v1_string()});
}

void memory(const oci::Memory& m, const Probe& probe, Out& out) {
    int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0);
    auto set_limit = [&] {
        if (limit != 0) out.push_back({"memory", "memory.limit_in_bytes", str(limit)});
    };
    auto set_swap = [&] {
        if (swap != 0) out.push_back({"memory", "memory.memsw.limit_in_bytes", str(swap)});
    };
    // Unlimited memory with swap unset means unlimited swap too (runc).
    if (limit == -1 && swap == 0 && probe.exists("memory", "memory.memsw.limit_in_bytes")) swap = -1;
    // memsw must stay >= limit at every step: raise swap first when it grows.
    bool swap_first = false;
    if (limit != 0 && swap != 0) {
        uint64_t cur = 0;
        if (auto s = probe.read("memory", "memory.limit_in_bytes")) {
            try {
                cur = parse_uint(*s);
            } catch (const Error&) {
            }
        }
        swap_first = swap == -1 || cur < static_cast<uint64_t>(swap);
    }
    if (swap_first) {
        set_swap();
        set_limit();
    } else {
        set_limit();
        set_swap();
    }
    if (m.reservation && *m.reservation != 0)
        out.push_back({"memory", "memory.soft_limit_in_bytes", str(*m.reservation)});
    // memory.kernel: deprecated, the kernel removed kmem.limit_in_bytes;
    // ignored as runc >= 1.1 does. kernelTCP still exists in v1.
    if (m.kernelTCP && *m.kernelTCP != 0)
        out.push_back({"memory", "memory.kmem.tcp.limit_in_bytes", str(*m.kernelTCP)});
    if (m.disableOOMKiller && *m.disableOOMKiller) out.push_back({"memory", "memory.oom_control", "1"});
    if (m.useHierarchy) out.push_back({"memory", "memory.use_hierarchy", *m.useHierarchy ? "1" : "0"});
    if (m.swappiness && *m.swappiness != UINT64_MAX) {  // (uint64)-1: unset, runc
        if (*m.swappiness > 100)
            throw Error("linux.resources.memory.swappiness: invalid value " + str(*m.swappiness) +
                        " (valid range is 0-100)");
        out.push_back({"memory", "memory.swappiness", str(*m.swappiness)});
    }
    // checkBeforeUpdate: v1 itself refuses a limit below usage (EBUSY).
}

void cpu(const oci::CPU& c, Out& out) {
    bool quota = c.quota && *c.quota != 0;
    if (c.shares && *c.shares != 0) out.push_back({"cpu", "cpu.shares", str(*c.shares), kCheckShares});
    if (c.period && *c.period != 0)
        out.push_back({"cpu", "cpu.cfs_period_us", str(*c.period), quota ? unsigned(kRetryLater) : 0u});
    if (c.burst) {
        unsigned f = (quota ? unsigned(kRetryLater) : 0u) | (*c.burst == 0 ? unsigned(kOptional) : 0u);
        out.push_back({"cpu", "cpu.cfs_burst_us", str(*c.burst), f});
    }
    if (quota) out.push_back({"cpu", "cpu.cfs_quota_us", str(*c.quota)});
    if (c.idle) out.push_back({"cpu", "cpu.idle", str(*c.idle)});
    bool runtime = c.realtimeRuntime && *c.realtimeRuntime != 0;
    if (c.realtimePeriod && *c.realtimePeriod != 0)
        out.push_back({"cpu", "cpu.rt_period_us", str(*c.realtimePeriod), runtime ? unsigned(kRetryLater) : 0u});
    if (runtime) out.push_back({"cpu", "cpu.rt_runtime_us", str(*c.realtimeRuntime)});
}

void blkio(const oci::BlockIO& b, const Probe& probe, Out& out) {
    // CFQ's blkio.weight, else BFQ's (runc detectWeightFilenames).
    bool cfq = probe.exists("blkio", "blkio.weight");
    std::string weight = cfq ? "blkio.weight" : "blkio.bfq.weight";
    std::string weight_dev = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
    if (b.weight && *b.weight != 0) out.push_back({"blkio", weight, str(uint64_t(*b.weight))});
    if (b.leafWeight && *b.leafWeight != 0) out.push_back({"blkio", "blkio.leaf_weight", str(uint64_t(*b.leafWeight))});
    for (const auto& wd : b.weightDevice) {
        if (wd.weight && *wd.weight != 0)
            out.push_back({"blkio", weight_dev, dev(wd.major, wd.minor) + " " + str(uint64_t(*wd.weight))});
        if (wd.leafWeight && *wd.leafWeight != 0)
            out.push_back({"blkio", "blkio.leaf_weight_device",
                           dev(wd.major, wd.minor) + " " + str(uint64_t(*wd.leafWeight))});
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* file) {
        for (const auto& t : list) out.push_back({"blkio", file, dev(t.major, t.minor) + " " + str(t.rate)});
    };
    throttle(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device");
    throttle(b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device");
    throttle(b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device");
    throttle(b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device");
}

}  // namespace

std::vector<Write> translate_v1(const oci::Resources& r, const Probe& probe, bool initial) {
    if (!r.unified.empty()) throw Error("linux.resources.unified: requires cgroup v2");
    Out out;
    if (r.cpu) cpuset(*r.cpu, out);
    // On update, no rules means "leave the devices as they are".
    if (initial || !r.devices.empty()) devices(r, probe, initial, out);
    if (r.memory) memory(*r.memory, probe, out);
    if (r.cpu) cpu(*r.cpu, out);
    // pids.max: -1 is "max"; 0 is a real limit (spec note in "PIDs").
    if (r.pids) out.push_back({"pids", "pids.max", r.pids->limit < 0 ? "max" : str(r.pids->limit)});
    if (r.blockIO) blkio(*r.blockIO, probe, out);
    for (const auto& h : r.hugepageLimits) {
        std::string prefix = "hugetlb." + h.pageSize;
        out.push_back({"hugetlb", prefix + ".limit_in_bytes", str(h.limit)});
        out.push_back({"hugetlb", prefix + ".rsvd.limit_in_bytes", str(h.limit), kOptional});
    }
    if (r.network) {
        if (r.network->classID && *r.network->classID != 0)
            out.push_back({"net_cls", "net_cls.classid", str(uint64_t(*r.network->classID))});
        for (const auto& p : r.network->priorities)
            out.push_back({"net_prio", "net_prio.ifpriomap", p.name + " " + str(uint64_t(p.priority))});
    }
    for (const auto& [device, limits] : r.rdma) {
        std::string v = device;
        if (limits.hcaHandles) v += " hca_handle=" + str(uint64_t(*limits.hcaHandles));
        if (limits.hcaObjects) v += " hca_object=" + str(uint64_t(*limits.hcaObjects));
        out.push_back({"rdma", "rdma.max", v});
    }
    return out;
}

}  // namespace ucrun::cgroup
