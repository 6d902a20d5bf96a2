// `events --stats` data in runc's JSON shape (runc types/events.go and its
// convertLibcontainerStats): Go's omitempty drops zero numbers and empty
// lists, never nested objects.
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/fsio.hpp"
#include "cgroup/impl.hpp"
#include "sys/dir.hpp"
#include "sys/error.hpp"

namespace ucrun::cgroup {

using nlohmann::json;

namespace {

void put(json& o, const char* k, uint64_t v) {
    if (v != 0) o[k] = v;
}
void put(json& o, const char* k, const std::vector<uint64_t>& v) {
    if (!v.empty()) o[k] = v;
}

uint64_t read_u(const std::string& dir, const std::string& file) {
    if (dir.empty()) return 0;
    auto s = try_read(dir + "/" + file);
    if (!s) return 0;
    try {
        return parse_uint(*s);
    } catch (const Error&) {
        return 0;
    }
}

std::map<std::string, uint64_t> read_keyed(const std::string& dir, const std::string& file) {
    if (dir.empty()) return {};
    auto s = try_read(dir + "/" + file);
    return s ? parse_keyed(*s) : std::map<std::string, uint64_t>{};
}

std::vector<uint64_t> read_list(const std::string& dir, const std::string& file) {
    std::vector<uint64_t> out;
    if (dir.empty()) return out;
    if (auto s = try_read(dir + "/" + file))
        for (const auto& f : fields(*s)) out.push_back(parse_uint(f));
    return out;
}

// MemoryEntry: limit and failcnt always, usage and max if non-zero.
json mem_entry(uint64_t usage, uint64_t max, uint64_t failcnt, uint64_t limit) {
    json e = {{"limit", limit}, {"failcnt", failcnt}};
    put(e, "usage", usage);
    put(e, "max", max);
    return e;
}

json mem_entry_v1(const std::string& dir, const std::string& prefix) {
    return mem_entry(read_u(dir, prefix + ".usage_in_bytes"), read_u(dir, prefix + ".max_usage_in_bytes"),
                     read_u(dir, prefix + ".failcnt"), read_u(dir, prefix + ".limit_in_bytes"));
}

json raw(const std::map<std::string, uint64_t>& m) {
    json o = json::object();
    for (const auto& [k, v] : m) o[k] = v;
    return o;
}

// v1 blkio lines: "8:0 Read 123", "8:0 123" (sectors, time), "Total 123".
json blkio_entries(const std::string& text) {
    json out = json::array();
    for (const auto& line : split(text, '\n')) {
        auto f = fields(line);
        if (f.size() < 2) continue;
        auto mm = split(f[0], ':');
        if (mm.size() != 2) continue;
        json e = json::object();
        put(e, "major", parse_uint(mm[0]));
        put(e, "minor", parse_uint(mm[1]));
        if (f.size() == 3) e["op"] = f[1];
        put(e, "value", parse_uint(f.back()));
        out.push_back(e);
    }
    return out;
}

json hugetlb(const std::string& dir, bool v2) {
    json out = json::object();
    if (dir.empty()) return out;
    for (const auto& size : hugepage_sizes()) {
        std::string p = "hugetlb." + size;
        if (!path_exists(dir + "/" + p + (v2 ? ".current" : ".usage_in_bytes"))) continue;
        json e = json::object();
        if (v2) {
            put(e, "usage", read_u(dir, p + ".current"));
            put(e, "max", read_u(dir, p + ".max"));
            e["failcnt"] = read_keyed(dir, p + ".events")["max"];
        } else {
            put(e, "usage", read_u(dir, p + ".usage_in_bytes"));
            put(e, "max", read_u(dir, p + ".max_usage_in_bytes"));
            e["failcnt"] = read_u(dir, p + ".failcnt");
        }
        out[size] = e;
    }
    return out;
}

json pids_json(uint64_t current, uint64_t limit) {
    json o = json::object();
    put(o, "current", current);
    put(o, "limit", limit == UINT64_MAX ? 0 : limit);  // "max" -> 0, no limit
    return o;
}

json empty_top() {
    return {{"cpu", {{"usage", {{"kernel", 0}, {"user", 0}}}, {"throttling", json::object()}}},
            {"cpuset", {{"cpu_exclusive", 0}, {"mem_hardwall", 0}, {"mem_exclusive", 0}, {"memory_migrate", 0},
                        {"memory_pressure", 0}, {"memory_spread_page", 0}, {"memory_spread_slab", 0},
                        {"sched_load_balance", 0}, {"sched_relax_domain_level", 0}}},
            {"memory", {{"usage", mem_entry(0, 0, 0, 0)}, {"swap", mem_entry(0, 0, 0, 0)},
                        {"kernel", mem_entry(0, 0, 0, 0)}, {"kernelTCP", mem_entry(0, 0, 0, 0)}}},
            {"pids", json::object()},
            {"blkio", json::object()},
            {"hugetlb", json::object()},
            {"intel_rdt", json::object()},
            {"network_interfaces", nullptr}};
}

}  // namespace

std::string hugepage_size_name(const std::string& dirent) {
    // "hugepages-2048kB" -> 2048 KiB -> "2MB" (runc getHugePageSizeFromFilenames).
    const std::string pre = "hugepages-", suf = "kB";
    if (dirent.rfind(pre, 0) != 0 || dirent.size() <= pre.size() + suf.size()) return "";
    uint64_t n = parse_uint(dirent.substr(pre.size(), dirent.size() - pre.size() - suf.size()));
    static const char* const units[] = {"KB", "MB", "GB", "TB", "PB"};
    size_t u = 0;
    while (n >= 1024 && n % 1024 == 0 && u + 1 < std::size(units)) {
        n /= 1024;
        ++u;
    }
    return std::to_string(n) + units[u];
}

std::vector<std::string> hugepage_sizes() {
    std::vector<std::string> out;
    if (sys::Dir d{::opendir("/sys/kernel/mm/hugepages")}) {
        while (dirent* e = ::readdir(d.get())) {
            try {
                if (auto n = hugepage_size_name(e->d_name); !n.empty()) out.push_back(n);
            } catch (const Error&) {
            }
        }
    }
    return out;
}

json stats_v1(const DirOf& dir_of) {
    json s = empty_top();
    // cpuacct: ns; cpuacct.stat is in USER_HZ ticks.
    std::string acct = dir_of("cpuacct"), cpu = dir_of("cpu");
    json& usage = s["cpu"]["usage"];
    put(usage, "total", read_u(acct, "cpuacct.usage"));
    put(usage, "percpu", read_list(acct, "cpuacct.usage_percpu"));
    long hz = ::sysconf(_SC_CLK_TCK);
    if (hz <= 0) hz = 100;
    auto st = read_keyed(acct, "cpuacct.stat");
    usage["user"] = st["user"] * 1000000000ull / static_cast<uint64_t>(hz);
    usage["kernel"] = st["system"] * 1000000000ull / static_cast<uint64_t>(hz);
    if (!acct.empty()) {
        if (auto all = try_read(acct + "/cpuacct.usage_all")) {  // "cpu user system" rows
            std::vector<uint64_t> k, u;
            for (const auto& line : split(*all, '\n')) {
                auto f = fields(line);
                if (f.size() != 3 || f[0] == "cpu") continue;
                u.push_back(parse_uint(f[1]));
                k.push_back(parse_uint(f[2]));
            }
            put(usage, "percpu_kernel", k);
            put(usage, "percpu_user", u);
        }
    }
    auto th = read_keyed(cpu, "cpu.stat");
    json& t = s["cpu"]["throttling"];
    put(t, "periods", th["nr_periods"]);
    put(t, "throttledPeriods", th["nr_throttled"]);
    put(t, "throttledTime", th["throttled_time"]);

    std::string cs = dir_of("cpuset");
    if (!cs.empty()) {
        for (const char* k : {"cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_pressure",
                              "memory_spread_page", "memory_spread_slab", "sched_load_balance",
                              "sched_relax_domain_level"})
            s["cpuset"][k] = read_u(cs, std::string("cpuset.") + k);
        // Signed: -1 is "the system default" (runc CPUSetStats int64).
        if (auto v = try_read(cs + "/cpuset.sched_relax_domain_level"))
            s["cpuset"]["sched_relax_domain_level"] = std::strtoll(trim(*v).c_str(), nullptr, 10);
        // "0-3,8" -> [0,1,2,3,8] (runc getCpusetStat / parseCpusetList).
        auto list = [&](const char* file, const char* key) {
            std::vector<uint64_t> out;
            if (auto v = try_read(cs + "/" + file))
                for (const auto& part : split(trim(*v), ',')) {
                    if (part.empty()) continue;
                    auto range = split(part, '-');
                    uint64_t lo = parse_uint(range[0]), hi = range.size() > 1 ? parse_uint(range[1]) : lo;
                    for (uint64_t i = lo; i <= hi && out.size() < 65536; ++i) out.push_back(i);
                }
            put(s["cpuset"], key, out);
        };
        list("cpuset.cpus", "cpus");
        list("cpuset.mems", "mems");
    }

    std::string mem = dir_of("memory");
    if (!mem.empty()) {
        json& m = s["memory"];
        auto stat = read_keyed(mem, "memory.stat");
        put(m, "cache", stat["cache"]);
        m["usage"] = mem_entry_v1(mem, "memory");
        if (path_exists(mem + "/memory.memsw.usage_in_bytes")) m["swap"] = mem_entry_v1(mem, "memory.memsw");
        m["kernel"] = mem_entry_v1(mem, "memory.kmem");
        m["kernelTCP"] = mem_entry_v1(mem, "memory.kmem.tcp");
        if (!stat.empty()) m["raw"] = raw(stat);
    }

    std::string pids = dir_of("pids");
    if (!pids.empty()) s["pids"] = pids_json(read_u(pids, "pids.current"), read_u(pids, "pids.max"));

    std::string blk = dir_of("blkio");
    if (!blk.empty()) {
        // CFQ's recursive stats, else BFQ's, else the throttle layer's (runc).
        static const std::pair<const char*, const char*> files[] = {
            {"ioServiceBytesRecursive", "io_service_bytes_recursive"}, {"ioServicedRecursive", "io_serviced_recursive"},
            {"ioQueueRecursive", "io_queued_recursive"},             {"ioServiceTimeRecursive", "io_service_time_recursive"},
            {"ioWaitTimeRecursive", "io_wait_time_recursive"},       {"ioMergedRecursive", "io_merged_recursive"},
            {"ioTimeRecursive", "time_recursive"},                   {"sectorsRecursive", "sectors_recursive"}};
        json b = json::object();
        for (const char* prefix : {"blkio.", "blkio.bfq."}) {
            for (const auto& [key, file] : files)
                if (auto text = try_read(blk + "/" + prefix + file))
                    if (auto e = blkio_entries(*text); !e.empty()) b[key] = e;
            if (!b.empty()) break;
        }
        if (b.empty()) {
            if (auto text = try_read(blk + "/blkio.throttle.io_service_bytes_recursive"))
                if (auto e = blkio_entries(*text); !e.empty()) b["ioServiceBytesRecursive"] = e;
            if (auto text = try_read(blk + "/blkio.throttle.io_serviced_recursive"))
                if (auto e = blkio_entries(*text); !e.empty()) b["ioServicedRecursive"] = e;
        }
        s["blkio"] = b;
    }
    s["hugetlb"] = hugetlb(dir_of("hugetlb"), false);
    return s;
}

json stats_v2(const std::string& dir) {
    json s = empty_top();
    auto cpu = read_keyed(dir, "cpu.stat");
    json& usage = s["cpu"]["usage"];
    put(usage, "total", cpu["usage_usec"] * 1000);
    usage["user"] = cpu["user_usec"] * 1000;
    usage["kernel"] = cpu["system_usec"] * 1000;
    json& t = s["cpu"]["throttling"];
    put(t, "periods", cpu["nr_periods"]);
    put(t, "throttledPeriods", cpu["nr_throttled"]);
    put(t, "throttledTime", cpu["throttled_usec"] * 1000);

    if (path_exists(dir + "/memory.current")) {
        json& m = s["memory"];
        auto stat = read_keyed(dir, "memory.stat");
        put(m, "cache", stat["file"]);
        uint64_t usage_b = read_u(dir, "memory.current"), limit = read_u(dir, "memory.max");
        m["usage"] = mem_entry(usage_b, read_u(dir, "memory.peak"), 0, limit);
        // v1 reports swap as memory+swap; runc adds memory for compatibility.
        uint64_t swap_limit = read_u(dir, "memory.swap.max");
        if (swap_limit != UINT64_MAX) swap_limit += limit;
        m["swap"] = mem_entry(read_u(dir, "memory.swap.current") + usage_b, read_u(dir, "memory.swap.peak"), 0,
                              swap_limit);
        if (!stat.empty()) m["raw"] = raw(stat);
    }

    if (path_exists(dir + "/pids.current")) {
        s["pids"] = pids_json(read_u(dir, "pids.current"), read_u(dir, "pids.max"));
    } else if (auto procs = try_read(dir + "/cgroup.procs")) {
        s["pids"] = pids_json(fields(*procs).size(), 0);  // runc statPidsWithoutController
    }

    if (auto text = try_read(dir + "/io.stat")) {  // "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..."
        json bytes = json::array(), ios = json::array();
        for (const auto& line : split(*text, '\n')) {
            auto f = fields(line);
            if (f.empty()) continue;
            auto mm = split(f[0], ':');
            if (mm.size() != 2) continue;
            for (size_t i = 1; i < f.size(); ++i) {
                auto kv = split(f[i], '=');
                if (kv.size() != 2) continue;
                json* list = nullptr;
                const char* op = nullptr;
                if (kv[0] == "rbytes") list = &bytes, op = "Read";
                else if (kv[0] == "wbytes") list = &bytes, op = "Write";
                else if (kv[0] == "rios") list = &ios, op = "Read";
                else if (kv[0] == "wios") list = &ios, op = "Write";
                if (!list) continue;
                json e = {{"op", op}};
                put(e, "major", parse_uint(mm[0]));
                put(e, "minor", parse_uint(mm[1]));
                put(e, "value", parse_uint(kv[1]));
                list->push_back(e);
            }
        }
        json b = json::object();
        if (!bytes.empty()) b["ioServiceBytesRecursive"] = bytes;
        if (!ios.empty()) b["ioServicedRecursive"] = ios;
        s["blkio"] = b;
    }
    s["hugetlb"] = hugetlb(dir, true);
    return s;
}

}  // namespace ucrun::cgroup
