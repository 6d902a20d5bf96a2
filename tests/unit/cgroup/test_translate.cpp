#include <doctest/doctest.h>

#include <map>

#include "cgroup/manager.hpp"
#include "cgroup/translate.hpp"
#include "sys/error.hpp"

using namespace ucrun::cgroup;

namespace {

// Files keyed "controller/file".
struct FakeProbe : Probe {
    std::map<std::string, std::string> files;
    bool exists(const std::string& c, const std::string& f) const override { return files.count(c + "/" + f) != 0; }
    std::optional<std::string> read(const std::string& c, const std::string& f) const override {
        auto it = files.find(c + "/" + f);
        if (it == files.end()) return std::nullopt;
        return it->second;
    }
};

std::string find(const std::vector<Write>& ws, const std::string& file) {
    for (const auto& w : ws)
        if (w.file == file) return w.value;
    return "<none>";
}

std::vector<std::string> files_of(const std::vector<Write>& ws) {
    std::vector<std::string> out;
    for (const auto& w : ws) out.push_back(w.file);
    return out;
}

oci::Resources mem(std::optional<int64_t> limit, std::optional<int64_t> swap) {
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = limit;
    r.memory->swap = swap;
    return r;
}

}  // namespace

TEST_CASE("cpu shares -> weight, as runc") {
    CHECK(shares_to_weight(0) == 0);
    CHECK(shares_to_weight(2) == 1);
    CHECK(shares_to_weight(1024) == 39);
    CHECK(shares_to_weight(262144) == 10000);
    CHECK(shares_to_weight(512) == 1 + (510 * 9999) / 262142);
}

TEST_CASE("blkio weight -> io.weight") {
    CHECK(blkio_to_io_weight(10) == 1);
    CHECK(blkio_to_io_weight(1000) == 10000);
    CHECK(blkio_to_io_weight(500) == 1 + 490 * 9999 / 990);
}

TEST_CASE("cpu.max strings") {
    CHECK(cpu_max(50000, 100000u) == "50000 100000");
    CHECK(cpu_max(50000, std::nullopt) == "50000");
    CHECK(cpu_max(-1, 100000u) == "max 100000");
    CHECK(cpu_max(std::nullopt, 250000u) == "max 250000");
    oci::Resources r;
    r.cpu = oci::CPU{};
    r.cpu->quota = 20000;
    r.cpu->period = 100000;
    r.cpu->shares = 1024;
    r.cpu->burst = 1000;
    FakeProbe p;
    auto w = translate_v2(r, p);
    CHECK(find(w, "cpu.max") == "20000 100000");
    CHECK(find(w, "cpu.weight") == "39");
    CHECK(find(w, "cpu.max.burst") == "1000");
    CHECK(files_of(w) == std::vector<std::string>{"cpu.weight", "cpu.max.burst", "cpu.max"});
}

TEST_CASE("v1 cpu: period retried after quota, shares read back") {
    oci::Resources r;
    r.cpu = oci::CPU{};
    r.cpu->quota = 20000;
    r.cpu->period = 50000;
    r.cpu->shares = 512;
    r.cpu->realtimeRuntime = 950000;
    r.cpu->realtimePeriod = 1000000;
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    FakeProbe p;
    auto w = translate_v1(r, p, false);
    CHECK(files_of(w) == std::vector<std::string>{"cpuset.cpus", "cpuset.mems", "cpu.shares", "cpu.cfs_period_us",
                                                  "cpu.cfs_quota_us", "cpu.rt_period_us", "cpu.rt_runtime_us"});
    CHECK(w[2].flags == kCheckShares);
    CHECK(w[3].flags == kRetryLater);
    CHECK(w[5].flags == kRetryLater);
    CHECK(w[0].controller == "cpuset");
}

TEST_CASE("pids limit") {
    FakeProbe p;
    oci::Resources r;
    r.pids = oci::Pids{-1};
    CHECK(find(translate_v2(r, p), "pids.max") == "max");
    CHECK(find(translate_v1(r, p, false), "pids.max") == "max");
    r.pids = oci::Pids{0};  // spec: 0 is a real limit
    CHECK(find(translate_v2(r, p), "pids.max") == "0");
    r.pids = oci::Pids{32771};
    CHECK(find(translate_v1(r, p, false), "pids.max") == "32771");
    r.pids.reset();
    CHECK(find(translate_v2(r, p), "pids.max") == "<none>");
}

TEST_CASE("v2 memory and swap arithmetic") {
    CHECK(swap_v2(0, 0) == 0);
    CHECK(swap_v2(0, -1) == -1);
    CHECK(swap_v2(-1, 100) == -1);
    CHECK(swap_v2(300, 100) == 200);
    CHECK(swap_v2(100, 100) == 0);
    CHECK_THROWS_AS(swap_v2(100, 0), ucrun::Error);
    CHECK_THROWS_AS(swap_v2(100, -1), ucrun::Error);
    CHECK_THROWS_WITH_AS(swap_v2(50, 100), doctest::Contains(">= memory limit"), ucrun::Error);

    FakeProbe p;
    auto w = translate_v2(mem(100 << 20, 300 << 20), p);
    CHECK(files_of(w) == std::vector<std::string>{"memory.swap.max", "memory.max"});
    CHECK(find(w, "memory.swap.max") == std::to_string(200 << 20));
    CHECK(w[0].flags == 0);
    w = translate_v2(mem(100, 100), p);
    CHECK(find(w, "memory.swap.max") == "0");
    CHECK(w[0].flags == kOptional);
    w = translate_v2(mem(-1, std::nullopt), p);
    CHECK(find(w, "memory.swap.max") == "max");
    CHECK(find(w, "memory.max") == "max");
    auto r = mem(100, std::nullopt);
    r.memory->reservation = 50;
    r.memory->swappiness = 10;        // no v2 knob: ignored
    r.memory->disableOOMKiller = true;  // ditto
    CHECK(files_of(translate_v2(r, p)) == std::vector<std::string>{"memory.max", "memory.low"});
}

TEST_CASE("v2 memory.checkBeforeUpdate") {
    FakeProbe p;
    p.files["memory/memory.current"] = "1000\n";
    p.files["memory/memory.swap.current"] = "500\n";
    auto r = mem(900, std::nullopt);
    CHECK_NOTHROW(translate_v2(r, p));
    r.memory->checkBeforeUpdate = true;
    CHECK_THROWS_WITH_AS(translate_v2(r, p), doctest::Contains("rejecting memory limit 900 <= usage 1000"),
                         ucrun::Error);
    r = mem(2000, 1400);
    r.memory->checkBeforeUpdate = true;
    CHECK_THROWS_WITH_AS(translate_v2(r, p), doctest::Contains("memory+swap"), ucrun::Error);
    r = mem(2000, 4000);
    r.memory->checkBeforeUpdate = true;
    CHECK_NOTHROW(translate_v2(r, p));
}

TEST_CASE("v1 memory ordering") {
    FakeProbe p;
    p.files["memory/memory.limit_in_bytes"] = "9223372036854771712\n";
    p.files["memory/memory.memsw.limit_in_bytes"] = "9223372036854771712\n";
    // lowering: limit first, then memsw
    auto w = translate_v1(mem(100, 200), p, false);
    CHECK(files_of(w) == std::vector<std::string>{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"});
    // raising above the current limit: memsw first
    p.files["memory/memory.limit_in_bytes"] = "50\n";
    w = translate_v1(mem(100, 200), p, false);
    CHECK(files_of(w) == std::vector<std::string>{"memory.memsw.limit_in_bytes", "memory.limit_in_bytes"});
    // unlimited memory and unset swap: unlimited swap too, swap first
    w = translate_v1(mem(-1, std::nullopt), p, false);
    CHECK(files_of(w) == std::vector<std::string>{"memory.memsw.limit_in_bytes", "memory.limit_in_bytes"});
    CHECK(w[0].value == "-1");
    // without swap accounting, only the limit
    p.files.erase("memory/memory.memsw.limit_in_bytes");
    w = translate_v1(mem(-1, std::nullopt), p, false);
    CHECK(files_of(w) == std::vector<std::string>{"memory.limit_in_bytes"});

    auto r = mem(std::nullopt, std::nullopt);
    r.memory->reservation = 10;
    r.memory->kernel = 100;  // deprecated: ignored
    r.memory->kernelTCP = 200;
    r.memory->disableOOMKiller = true;
    r.memory->swappiness = 60;
    CHECK(files_of(translate_v1(r, p, false)) ==
          std::vector<std::string>{"memory.soft_limit_in_bytes", "memory.kmem.tcp.limit_in_bytes",
                                   "memory.oom_control", "memory.swappiness"});
    r.memory->swappiness = 101;
    CHECK_THROWS_WITH_AS(translate_v1(r, p, false), doctest::Contains("swappiness"), ucrun::Error);
}

TEST_CASE("block IO lines") {
    oci::Resources r;
    r.blockIO = oci::BlockIO{};
    r.blockIO->weight = 500;
    r.blockIO->leafWeight = 300;
    r.blockIO->weightDevice.push_back({8, 0, 400, 200});
    r.blockIO->throttleReadBpsDevice.push_back({8, 0, 600});
    r.blockIO->throttleWriteIOPSDevice.push_back({8, 16, 300});
    FakeProbe p;
    p.files["blkio/blkio.weight"] = "500";
    auto w = translate_v1(r, p, false);
    CHECK(find(w, "blkio.weight") == "500");
    CHECK(find(w, "blkio.leaf_weight") == "300");
    CHECK(find(w, "blkio.weight_device") == "8:0 400");
    CHECK(find(w, "blkio.leaf_weight_device") == "8:0 200");
    CHECK(find(w, "blkio.throttle.read_bps_device") == "8:0 600");
    CHECK(find(w, "blkio.throttle.write_iops_device") == "8:16 300");
    p.files.clear();  // no CFQ: BFQ files
    w = translate_v1(r, p, false);
    CHECK(find(w, "blkio.bfq.weight") == "500");
    CHECK(find(w, "blkio.bfq.weight_device") == "8:0 400");

    w = translate_v2(r, p);  // no BFQ on v2 either: io.weight, converted
    CHECK(files_of(w) == std::vector<std::string>{"io.weight", "io.weight", "io.max", "io.max"});
    CHECK(w[0].value == std::to_string(blkio_to_io_weight(500)));
    CHECK(w[1].value == "8:0 " + std::to_string(blkio_to_io_weight(400)));
    CHECK(w[2].value == "8:0 rbps=600");
    CHECK(w[3].value == "8:16 wiops=300");
    p.files["io/io.bfq.weight"] = "default 100";
    w = translate_v2(r, p);
    CHECK(w[0].file == "io.bfq.weight");
    CHECK(w[0].value == "500");
    CHECK(w[1].value == "8:0 400");
}

TEST_CASE("hugetlb, network, rdma") {
    oci::Resources r;
    r.hugepageLimits.push_back({"2MB", 209715200});
    r.network = oci::Network{};
    r.network->classID = 1048577;
    r.network->priorities.push_back({"eth0", 500});
    r.rdma["mlx5_1"] = oci::Rdma{3, std::nullopt};
    r.rdma["mlx4_0"] = oci::Rdma{2, 2000};
    FakeProbe p;
    auto w = translate_v1(r, p, false);
    CHECK(files_of(w) == std::vector<std::string>{"hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes",
                                                  "net_cls.classid", "net_prio.ifpriomap", "rdma.max", "rdma.max"});
    CHECK(w[1].flags == kOptional);
    CHECK(w[2].value == "1048577");
    CHECK(w[3].value == "eth0 500");
    CHECK(w[4].value == "mlx4_0 hca_handle=2 hca_object=2000");
    CHECK(w[5].value == "mlx5_1 hca_handle=3");
    w = translate_v2(r, p);  // no net_cls/net_prio in v2
    CHECK(files_of(w) == std::vector<std::string>{"hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "rdma.max", "rdma.max"});
}

TEST_CASE("unified: v2 only, written last") {
    oci::Resources r;
    r.unified["memory.high"] = "1000000";
    r.pids = oci::Pids{10};
    FakeProbe p;
    CHECK_THROWS_WITH_AS(translate_v1(r, p, false), "linux.resources.unified: requires cgroup v2", ucrun::Error);
    auto w = translate_v2(r, p);
    REQUIRE(w.size() == 2);
    CHECK(w[1] == Write{"memory", "memory.high", "1000000", 0});
    r.unified["../x"] = "1";
    CHECK_THROWS_AS(translate_v2(r, p), ucrun::Error);
    r.unified.erase("../x");
    r.unified["nodot"] = "1";
    CHECK_THROWS_AS(translate_v2(r, p), ucrun::Error);
}

TEST_CASE("v1 devices: only at create or when given") {
    FakeProbe p;
    oci::Resources r;
    auto w = translate_v1(r, p, true);  // create, no rules: deny all
    REQUIRE(w.size() == 1);
    CHECK(w[0] == Write{"devices", "devices.deny", "a *:* rwm", 0});
    CHECK(translate_v1(r, p, false).empty());  // update without rules: untouched
    oci::DeviceCgroup d;
    d.allow = true;
    d.type = "c";
    d.major = 1;
    d.minor = 3;
    d.access = "rwm";
    r.devices.push_back(d);
    p.files["devices/devices.list"] = "c 1:3 rwm\nc 1:5 rwm\n";
    w = translate_v1(r, p, false);
    REQUIRE(w.size() == 1);
    CHECK(w[0] == Write{"devices", "devices.deny", "c 1:5 rwm", 0});
}
