// On the real host (v1 or Hybrid here; V2 runs in test_real_v2.cpp).
// Skipped unless root and UCRUN_CGROUP_REAL=1.
#include <doctest/doctest.h>

#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <set>

#include "cgroup/devices.hpp"
#include "cgroup/fsio.hpp"
#include "cgroup/manager.hpp"
#include "sys/error.hpp"
#include "real_helpers.hpp"
#include "through_record.hpp"

using namespace ucrun::cgroup;

namespace {

oci::DeviceCgroup allow_null() {
    oci::DeviceCgroup d;
    d.allow = true;
    d.type = "c";
    d.major = 1;
    d.minor = 3;
    d.access = "rw";
    return d;
}

}  // namespace

TEST_CASE("real v1/hybrid: create, limit, join, freeze, kill, destroy" * doctest::skip(!cgtest::real_enabled())) {
    Layout layout = detect();
    if (layout == Layout::V2) return;
    std::string id = "cgtest-" + std::to_string(::getpid());
    auto m = Manager::make(Options{}, id, "/ucrun-cgtest/" + id);
    CHECK(m->layout() == layout);
    CHECK(m->path() == "/ucrun-cgtest/" + id);
    auto dirs = m->dirs();
    REQUIRE(dirs.count("memory"));
    CHECK(dirs["memory"] == "/sys/fs/cgroup/memory/ucrun-cgtest/" + id);
    CHECK(!m->exists());
    m->create();
    CHECK(m->exists());
    if (layout == Layout::V1) CHECK(m->clone_fd() == -1);
    else CHECK(m->clone_fd() >= 0);  // Hybrid: the unified leaf

    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 32 << 20;
    r.pids = oci::Pids{20};
    r.cpu = oci::CPU{};
    r.cpu->shares = 512;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    r.devices = {};
    {
        oci::DeviceCgroup deny;
        deny.allow = false;
        deny.access = "rwm";
        r.devices.push_back(deny);
        r.devices.push_back(allow_null());
    }
    m->apply(r, true);
    CHECK(trim(read_file(dirs["memory"] + "/memory.limit_in_bytes")) == std::to_string(64 << 20));
    CHECK(trim(read_file(dirs["pids"] + "/pids.max")) == "20");
    CHECK(trim(read_file(dirs["cpu"] + "/cpu.shares")) == "512");
    CHECK(trim(read_file(dirs["cpu"] + "/cpu.cfs_quota_us")) == "50000");
    CHECK(trim(read_file(dirs["cpuset"] + "/cpuset.cpus")) == "0");
    CHECK(trim(read_file(dirs["cpuset"] + "/cpuset.mems")) != "");  // copied from the parent
    CHECK(read_file(dirs["devices"] + "/devices.list") == "c 1:3 rw\n");

    // errors name the file and the value
    oci::Resources bad;
    bad.cpu = oci::CPU{};
    bad.cpu->cpus = "999999";
    std::string msg;
    try {
        m->apply(bad, false);
    } catch (const std::exception& e) {
        msg = e.what();
    }
    CHECK(msg.rfind("write " + dirs["cpuset"] + "/cpuset.cpus = 999999: ", 0) == 0);  // ERANGE here
    // unified is v2 only
    oci::Resources uni;
    uni.unified["memory.high"] = "1";
    CHECK_THROWS_WITH(m->apply(uni, false), "linux.resources.unified: requires cgroup v2");

    cgtest::Child child;
    for (const auto& [k, d] : m->dirs()) cgtest::place(d, child.pid);
    for (const auto& [k, d] : dirs) CHECK(read_file(d + "/cgroup.procs") == std::to_string(child.pid) + "\n");
    CHECK(child.probe() == "10");  // /dev/null yes, /dev/zero no
    auto pids = m->pids();
    CHECK(pids == std::vector<pid_t>{child.pid});

    // update: lower the memory limit, add /dev/zero
    oci::Resources up;
    up.memory = oci::Memory{};
    up.memory->limit = 48 << 20;
    up.devices = r.devices;
    oci::DeviceCgroup zero = allow_null();
    zero.minor = 5;
    zero.access = "r";
    up.devices.push_back(zero);
    m->apply(up, false);
    CHECK(trim(read_file(dirs["memory"] + "/memory.limit_in_bytes")) == std::to_string(48 << 20));
    CHECK(read_file(dirs["devices"] + "/devices.list") == "c 1:3 rw\nc 1:5 r\n");

    m->freeze();
    CHECK(m->frozen());
    m->thaw();
    CHECK(!m->frozen());

    auto st = m->stats();
    CHECK(st["pids"]["current"] == 1);
    CHECK(st["pids"]["limit"] == 20);
    CHECK(st["memory"]["usage"]["limit"] == (48 << 20));
    CHECK(st["memory"]["raw"].contains("rss"));
    CHECK(st["cpu"]["usage"].contains("kernel"));
    CHECK(m->oom_kill_count() == 0);

    // survives a round trip through state.json
    auto m2 = through_record(*m);
    CHECK(m2->dirs() == m->dirs());
    CHECK(m2->pids() == pids);

    auto mounts = m2->mounts();
    CHECK(std::any_of(mounts.begin(), mounts.end(),
                      [](const MountSpec& s) { return s.fstype == "cgroup" && s.data == "memory" && s.subdir == "memory"; }));
    CHECK(std::any_of(mounts.begin(), mounts.end(), [](const MountSpec& s) { return s.data == "name=systemd"; }));
    CHECK(std::any_of(mounts.begin(), mounts.end(),
                      [&](const MountSpec& s) { return s.fstype == "cgroup2" && (layout == Layout::Hybrid); }) ==
          (layout == Layout::Hybrid));

    m2->kill_all(SIGKILL);
    CHECK(child.reap() == SIGKILL);
    m2->destroy();
    CHECK(!m2->exists());
    for (const auto& [k, d] : dirs) CHECK(!path_exists(d));
    CHECK(!path_exists("/sys/fs/cgroup/memory/ucrun-cgtest"));  // made by create(), removed
    if (layout == Layout::Hybrid) CHECK(!path_exists("/sys/fs/cgroup/unified/ucrun-cgtest"));
}

TEST_CASE("real v1/hybrid: default relative path and signals" * doctest::skip(!cgtest::real_enabled())) {
    if (detect() == Layout::V2) return;
    std::string id = "cgtest-rel-" + std::to_string(::getpid());
    auto m = Manager::make(Options{}, id, std::nullopt);
    // below the caller's own cgroup in each hierarchy
    auto own = read_file("/proc/self/cgroup");
    auto dirs = m->dirs();
    for (const auto& line : split(own, '\n')) {
        auto parts = split(line, ':');
        if (parts.size() != 3 || parts[1] != "memory") continue;
        std::string base = parts[2] == "/" ? "" : parts[2];
        CHECK(dirs["memory"] == "/sys/fs/cgroup/memory" + base + "/" + id);
    }
    m->create();
    cgtest::Child child;
    for (const auto& [k, d] : m->dirs()) cgtest::place(d, child.pid);
    m->kill_all(SIGTERM);  // freeze, signal, thaw
    CHECK(child.reap() == SIGTERM);
    m->destroy();
    CHECK(!m->exists());
}

// How ucrun's init and exec processes join the cgroup (Manager::clone_fd):
// cloned into its cgroup2 part (Hybrid), "0" to each v1 `tasks` file from
// the process itself. Every hierarchy must then hold the whole process.
TEST_CASE("real v1/hybrid: a process places itself: clone_fd, then open_join_files" *
          doctest::skip(!cgtest::real_enabled())) {
    Layout layout = detect();
    if (layout == Layout::V2) return;
    std::string id = "cgtest-self-" + std::to_string(::getpid());
    auto m = Manager::make(Options{}, id, "/ucrun-cgtest/" + id);
    m->create();
    const auto tasks = m->open_join_files();
    std::set<std::string> v1_dirs;  // one per hierarchy (co-mounted controllers share it)
    for (const auto& [k, d] : m->dirs())
        if (!k.empty()) v1_dirs.insert(d);
    CHECK(tasks.size() == v1_dirs.size());
    for (const auto& t : tasks) CHECK(t.path.size() > 6);
    for (const auto& t : tasks) CHECK(t.path.substr(t.path.size() - 6) == "/tasks");
    int go[2];
    REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
    clone_args args;
    std::memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    if (m->clone_fd() >= 0) {
        args.flags = CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(m->clone_fd());
    }
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(go[1]);
        for (const auto& t : tasks)
            if (::write(t.fd.get(), "0", 1) != 1) ::_exit(2);
        char c;
        ::_exit(::read(go[0], &c, 1) == 0 ? 0 : 3);  // EOF: the parent is done
    }
    ::close(go[0]);
    // Every hierarchy holds it once it has written: the unified one from the
    // clone, the others from its writes (wait for them, briefly).
    const std::string want = std::to_string(pid) + "\n";
    std::map<std::string, std::string> dirs = m->dirs();
    for (int i = 0; i < 200; ++i) {
        bool all = true;
        for (const auto& [k, d] : dirs) all = all && read_file(d + "/cgroup.procs") == want;
        if (all) break;
        ::usleep(5000);
    }
    for (const auto& kd : dirs) {
        const std::string& d = kd.second;  // not a structured binding: CAPTURE's lambda (clang-14)
        CAPTURE(d);
        CHECK(read_file(d + "/cgroup.procs") == want);
    }
    ::close(go[1]);
    int st = 0;
    ::waitpid(static_cast<pid_t>(pid), &st, 0);
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    m->destroy();
    CHECK(!m->exists());
}

TEST_CASE("disabled manager") {
    Options o;
    o.manager = "disabled";
    auto m = Manager::make(o, "x", std::nullopt);
    CHECK(!m->enabled());
    m->create();
    m->apply(oci::Resources{}, true);
    CHECK(m->pids().empty());
    CHECK(!m->save());
    CHECK(!Manager::restore(std::nullopt)->enabled());
    CHECK(!through_record(*m)->enabled());
    o.manager = "bogus";
    CHECK_THROWS_AS(Manager::make(o, "x", std::nullopt), ucrun::Error);
}

TEST_CASE("real v1/hybrid: systemd driver maps onto cgroupfs" * doctest::skip(!cgtest::real_enabled())) {
    if (detect() == Layout::V2) return;
    Options o;
    o.manager = "systemd";
    std::string name = "cgtest-" + std::to_string(::getpid());
    auto m = Manager::make(o, "ignored", "machine-cgtest.slice:ucrun:" + name);
    CHECK(m->path() == "/machine.slice/machine-cgtest.slice/ucrun-" + name + ".scope");
    bool had_machine = path_exists("/sys/fs/cgroup/memory/machine.slice");
    m->create();
    CHECK(path_exists(m->dirs()["memory"]));
    m->destroy();
    CHECK(!path_exists("/sys/fs/cgroup/memory/machine.slice/machine-cgtest.slice"));
    CHECK(path_exists("/sys/fs/cgroup/memory/machine.slice") == had_machine);
}
