// cgroup v2 files (Documentation/admin-guide/cgroup-v2.rst), in runc fs2's
// order: pids, memory, io, cpu, cpuset, hugetlb, rdma, unified. Knobs v2
// lacks (swappiness, disableOOMKiller, kernel*, realtime*, network,
// leafWeight) are ignored, as runc does.
#include "cgroup/fsio.hpp"
#include "cgroup/manager.hpp"
#include "cgroup/translate.hpp"
#include "sys/error.hpp"

namespace ucrun::cgroup {

namespace {

using Out = std::vector<Write>;

std::string str(int64_t v) { return std::to_string(v); }
std::string str(uint64_t v) { return std::to_string(v); }
// runc numToStr: 0 unset, -1 max.
std::string num(int64_t v) { return v == 0 ? "" : v == -1 ? "max" : str(v); }

uint64_t read_u(const Probe& p, const char* file) {
    auto s = p.read("memory", file);
    if (!s) return 0;
    try {
        return parse_uint(*s);
    } catch (const Error&) {
        return 0;
    }
}

// Spec "memory.checkBeforeUpdate"; runc CheckMemoryUsage.
void check_usage(const oci::Memory& m, const Probe& p) {
    int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0);
    uint64_t usage = read_u(p, "memory.current");
    if (swap > 0) {
        uint64_t both = usage + read_u(p, "memory.swap.current");
        if (both >= static_cast<uint64_t>(swap))
            throw Error("linux.resources.memory: rejecting memory+swap limit " + str(swap) + " <= usage " + str(both));
    }
    if (limit > 0 && usage >= static_cast<uint64_t>(limit))
        throw Error("linux.resources.memory: rejecting memory limit " + str(limit) + " <= usage " + str(usage));
}

void memory(const oci::Memory& m, const Probe& probe, Out& out) {
    int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0), low = m.reservation.value_or(0);
    if (limit == 0 && swap == 0 && low == 0) return;
    if (m.checkBeforeUpdate.value_or(false)) check_usage(m, probe);
    int64_t s = swap_v2(swap, limit);
    std::string sv = num(s);
    if (sv.empty() && s == 0 && swap > 0) sv.push_back('0');  // memory == memory+swap: no swap
    // Without swap accounting there is no memory.swap.max: "max" or "0"
    // then mean nothing to do.
    if (!sv.empty()) out.push_back({"memory", "memory.swap.max", sv, (sv == "max" || sv == "0") ? unsigned(kOptional) : 0u});
    if (auto v = num(limit); !v.empty()) out.push_back({"memory", "memory.max", v});
    if (auto v = num(low); !v.empty()) out.push_back({"memory", "memory.low", v});
}

void io(const oci::BlockIO& b, const Probe& probe, Out& out) {
    // BFQ's io.bfq.weight takes blkio's 1..1000 as is; io.weight wants
    // 1..10000 (runc setIo).
    bool bfq = probe.exists("io", "io.bfq.weight");
    if (b.weight && *b.weight != 0) {
        if (bfq)
            out.push_back({"io", "io.bfq.weight", str(uint64_t(*b.weight))});
        else
            out.push_back({"io", "io.weight", str(blkio_to_io_weight(*b.weight))});
    }
    for (const auto& wd : b.weightDevice) {
        if (!wd.weight || *wd.weight == 0) continue;
        std::string d = str(wd.major) + ":" + str(wd.minor) + " ";
        // runc writes these to io.bfq.weight only; without BFQ, io.weight
        // takes "MAJ:MIN WEIGHT" too (crun), with the converted weight.
        if (bfq)
            out.push_back({"io", "io.bfq.weight", d + str(uint64_t(*wd.weight))});
        else
            out.push_back({"io", "io.weight", d + str(blkio_to_io_weight(*wd.weight))});
    }
    auto max = [&](const std::vector<oci::ThrottleDevice>& list, const char* key) {
        for (const auto& t : list)
            out.push_back({"io", "io.max", str(t.major) + ":" + str(t.minor) + " " + key + "=" + str(t.rate)});
    };
    max(b.throttleReadBpsDevice, "rbps");
    max(b.throttleWriteBpsDevice, "wbps");
    max(b.throttleReadIOPSDevice, "riops");
    max(b.throttleWriteIOPSDevice, "wiops");
}

void cpu(const oci::CPU& c, Out& out) {
    bool quota = c.quota && *c.quota != 0;
    bool period = c.period && *c.period != 0;
    if (c.idle) out.push_back({"cpu", "cpu.idle", str(*c.idle)});
    if (c.shares && *c.shares != 0) out.push_back({"cpu", "cpu.weight", str(shares_to_weight(*c.shares))});
    if (c.burst) out.push_back({"cpu", "cpu.max.burst", str(*c.burst), quota ? unsigned(kRetryLater) : 0u});
    if (quota || period) out.push_back({"cpu", "cpu.max", cpu_max(c.quota, c.period)});
}

}  // namespace

uint64_t shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    if (shares < 2) shares = 2;  // the v1 minimum; avoids unsigned wrap
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_to_io_weight(uint64_t w) {
    if (w == 0) return 0;
    if (w < 10) w = 10;
    return 1 + (w - 10) * 9999 / 990;
}

int64_t swap_v2(int64_t swap, int64_t limit) {
    // runc ConvertMemorySwapToCgroupV2Value.
    if (limit == -1 && swap == 0) return -1;  // both unlimited
    if (swap == -1 || swap == 0) return swap;
    if (limit == 0 || limit == -1)
        throw Error("linux.resources.memory.swap: unable to set swap limit without memory limit");
    if (limit < 0) throw Error("linux.resources.memory.limit: invalid value " + str(limit));
    if (swap < limit) throw Error("linux.resources.memory.swap: memory+swap limit should be >= memory limit");
    return swap - limit;
}

std::string cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period) {
    // cgroup-v2.rst "cpu.max": "$MAX $PERIOD"; a lone $MAX keeps the period.
    std::string s = quota && *quota > 0 ? str(*quota) : "max";
    if (period && *period != 0) {
        s.push_back(' ');
        s += str(*period);
    }
    return s;
}

std::vector<Write> translate_v2(const oci::Resources& r, const Probe& probe) {
    Out out;
    if (r.pids) out.push_back({"pids", "pids.max", r.pids->limit < 0 ? "max" : str(r.pids->limit)});
    if (r.memory) memory(*r.memory, probe, out);
    if (r.blockIO) io(*r.blockIO, probe, out);
    if (r.cpu) cpu(*r.cpu, out);
    if (r.cpu && r.cpu->cpus && !r.cpu->cpus->empty()) out.push_back({"cpuset", "cpuset.cpus", *r.cpu->cpus});
    if (r.cpu && r.cpu->mems && !r.cpu->mems->empty()) out.push_back({"cpuset", "cpuset.mems", *r.cpu->mems});
    for (const auto& h : r.hugepageLimits) {
        out.push_back({"hugetlb", "hugetlb." + h.pageSize + ".max", str(h.limit)});
        out.push_back({"hugetlb", "hugetlb." + h.pageSize + ".rsvd.max", str(h.limit), kOptional});
    }
    for (const auto& [device, limits] : r.rdma) {
        std::string v = device;
        if (limits.hcaHandles) v += " hca_handle=" + str(uint64_t(*limits.hcaHandles));
        if (limits.hcaObjects) v += " hca_object=" + str(uint64_t(*limits.hcaObjects));
        out.push_back({"rdma", "rdma.max", v});
    }
    // Last, so they override the above (runc setUnified).
    for (const auto& [key, value] : r.unified) {
        if (key.find('/') != std::string::npos || key.empty() || key == "." || key == "..")
            throw Error("linux.resources.unified: \"" + key + "\" must be a file name (no slashes)");
        auto dot = key.find('.');
        if (dot == std::string::npos || dot == 0)
            throw Error("linux.resources.unified: \"" + key + "\" must be in the form CONTROLLER.PARAMETER");
        out.push_back({key.substr(0, dot), key, value});
    }
    return out;
}

}  // namespace ucrun::cgroup
