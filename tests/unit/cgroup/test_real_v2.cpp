// cgroup v2 on the real host. On a v1/Hybrid host this test moves itself
// into a private mount namespace and mounts cgroup2 on /sys/fs/cgroup (the
// same hierarchy as .../unified, with whatever controllers v1 left free).
// Skipped unless root and UCRUN_CGROUP_REAL=1. Runs after test_real.cpp.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include "cgroup/bpf.hpp"
#include "cgroup/fsio.hpp"
#include "cgroup/hier.hpp"
#include "cgroup/manager.hpp"
#include "real_helpers.hpp"
#include "through_record.hpp"
#include "sys/fd.hpp"

using namespace ucrun::cgroup;

namespace {

oci::DeviceCgroup dev(bool allow, std::optional<std::string> type, int64_t major, int64_t minor, const char* access) {
    oci::DeviceCgroup d;
    d.allow = allow;
    d.type = type;
    if (major >= 0) d.major = major;
    if (minor >= 0) d.minor = minor;
    d.access = access;
    return d;
}

// clone3(CLONE_INTO_CGROUP): the child exits 0 if it started in `expect`.
int clone_into(int cgroup_fd, const std::string& expect) {
    clone_args args;
    std::memset(&args, 0, sizeof args);
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return -1;
    if (pid == 0) {
        ::_exit(own_v2_path(read_file("/proc/self/cgroup")) == expect ? 0 : 1);
    }
    int st = 0;
    ::waitpid(static_cast<pid_t>(pid), &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

}  // namespace

TEST_CASE("real v2: create, devices (eBPF), clone3, freeze, kill, destroy" * doctest::skip(!cgtest::real_enabled())) {
    if (detect() != Layout::V2) {
        REQUIRE(::unshare(CLONE_NEWNS) == 0);
        REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
        if (detect() == Layout::Hybrid) {
            // Pure v1: the same host without the unified mount.
            REQUIRE(::umount2("/sys/fs/cgroup/unified", MNT_DETACH) == 0);
            CHECK(detect() == Layout::V1);
            auto v1 = Manager::make(Options{}, "x", std::string("/ucrun-cgtest/x"));
            CHECK(v1->layout() == Layout::V1);
            CHECK(v1->dirs().count("") == 0);
            for (const auto& ms : v1->mounts()) CHECK(ms.fstype == "cgroup");
        }
        REQUIRE(::umount2("/sys/fs/cgroup", MNT_DETACH) == 0);
        REQUIRE(::mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, nullptr) == 0);
    }
    REQUIRE(detect() == Layout::V2);

    std::string id = "cgtest-v2-" + std::to_string(::getpid());
    std::string dir = "/sys/fs/cgroup/ucrun-cgtest/" + id;
    auto m = Manager::make(Options{}, id, "/ucrun-cgtest/" + id);
    CHECK(m->layout() == Layout::V2);
    CHECK(m->dirs() == std::map<std::string, std::string>{{"", dir}});
    m->create();
    REQUIRE(m->clone_fd() >= 0);
    auto root_ctrls = fields(read_file("/sys/fs/cgroup/cgroup.controllers"));
    auto sub_ctrls = fields(read_file("/sys/fs/cgroup/ucrun-cgtest/cgroup.subtree_control"));
    CHECK(sub_ctrls == root_ctrls);  // every available controller enabled on the way down
    bool has_hugetlb = std::find(root_ctrls.begin(), root_ctrls.end(), "hugetlb") != root_ctrls.end();

    oci::Resources r;
    r.devices = {dev(false, std::nullopt, -1, -1, "rwm"), dev(true, "c", 1, 3, "rw")};
    if (has_hugetlb) r.hugepageLimits.push_back({"2MB", 4 << 20});
    m->apply(r, true);
    if (has_hugetlb) CHECK(trim(read_file(dir + "/hugetlb.2MB.max")) == std::to_string(4 << 20));
    {
        ucrun::Fd d(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
        CHECK(attached_device_programs(d.get(), dir).size() == 1);
    }

    if (std::find(root_ctrls.begin(), root_ctrls.end(), "pids") == root_ctrls.end()) {
        oci::Resources p;
        p.pids = oci::Pids{10};
        std::string msg;
        try {
            m->apply(p, false);
        } catch (const std::exception& e) {
            msg = e.what();
        }
        CHECK(msg == "write " + dir + "/pids.max = 10 (controller \"pids\" is not enabled for " + dir +
                         "): No such file or directory");
    }

    CHECK(clone_into(m->clone_fd(), "/ucrun-cgtest/" + id) == 0);

    cgtest::Child child;
    cgtest::place(dir, child.pid);
    CHECK(m->pids() == std::vector<pid_t>{child.pid});
    CHECK(child.probe() == "10");  // the eBPF filter: /dev/null rw, /dev/zero denied

    // update: allow /dev/zero; the old program is detached
    oci::Resources up;
    up.devices = r.devices;
    up.devices.push_back(dev(true, "c", 1, 5, "r"));
    m->apply(up, false);
    {
        ucrun::Fd d(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
        CHECK(attached_device_programs(d.get(), dir).size() == 1);
    }
    cgtest::Child child2;
    cgtest::place(dir, child2.pid);
    CHECK(child2.probe() == "11");

    m->freeze();
    CHECK(m->frozen());
    CHECK(read_file(dir + "/cgroup.events").find("frozen 1") != std::string::npos);
    m->thaw();
    CHECK(!m->frozen());

    m->chown(1234, 1234);
    struct stat sb {};
    CHECK((::stat(dir.c_str(), &sb) == 0 && sb.st_uid == 1234));
    CHECK((::stat((dir + "/cgroup.procs").c_str(), &sb) == 0 && sb.st_uid == 1234));
    CHECK((::stat((dir + "/cgroup.freeze").c_str(), &sb) == 0 && sb.st_uid == 0));

    auto st = m->stats();
    CHECK(st["pids"]["current"] == 2);
    CHECK(st["cpu"]["usage"].contains("user"));
    if (has_hugetlb) CHECK(st["hugetlb"].contains("2MB"));

    auto m2 = through_record(*m);
    CHECK(m2->path() == m->path());
    CHECK(m2->layout() == Layout::V2);
    CHECK(m2->dirs() == m->dirs());
    auto mounts = m2->mounts();
    REQUIRE(mounts.size() == 1);
    CHECK(mounts[0].fstype == "cgroup2");
    CHECK(mounts[0].host_dir == dir);

    m2->kill_all(SIGKILL);  // cgroup.kill
    CHECK(child.reap() == SIGKILL);
    CHECK(child2.reap() == SIGKILL);
    m2->destroy();
    CHECK(!m2->exists());
    CHECK(!path_exists("/sys/fs/cgroup/ucrun-cgtest"));
}
