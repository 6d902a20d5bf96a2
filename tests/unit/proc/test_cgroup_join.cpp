// A container process entering its cgroup itself (proc/cgroup_join.hpp),
// through the recording fake: "0" to each join file in the order given,
// each closed once written, the cgroup2 directory closed last; a failed
// write names the file and the process.
#include <doctest/doctest.h>

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "caught.hpp"
#include "fake_kernel.hpp"
#include "proc/cgroup_join.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using test::caught;

namespace {

struct JoinFixture {
    test::FakeKernel k;
    const std::string cpu = "/sys/fs/cgroup/cpu/c1/tasks";
    const std::string freezer = "/sys/fs/cgroup/freezer/c1/tasks";
    proc::CgroupJoin join;
    JoinFixture() {
        k.add_dir("/sys/fs/cgroup/unified/c1");
        k.add_file(cpu);
        k.add_file(freezer);
        join.files = {{k.open(cpu.c_str(), O_WRONLY | O_CLOEXEC, 0), &cpu},
                      {k.open(freezer.c_str(), O_WRONLY | O_CLOEXEC, 0), &freezer}};
        join.clone_dir = k.open("/sys/fs/cgroup/unified/c1", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }
    std::vector<std::string> calls() const { return k.calls_of({"write(", "close("}); }
};

}  // namespace

TEST_CASE("a process writes 0 to each join file in order, closes each once written, then the cgroup2 directory") {
    JoinFixture f;
    proc::join_own_cgroup(f.k, f.join, "the container init itself");
    CHECK(f.calls() == std::vector<std::string>{"write(/sys/fs/cgroup/cpu/c1/tasks, 0)",
                                                "close(/sys/fs/cgroup/cpu/c1/tasks)",
                                                "write(/sys/fs/cgroup/freezer/c1/tasks, 0)",
                                                "close(/sys/fs/cgroup/freezer/c1/tasks)",
                                                "close(/sys/fs/cgroup/unified/c1)"});
    CHECK(f.k.written(f.cpu) == "0");
    CHECK(f.k.written(f.freezer) == "0");
}

TEST_CASE("nothing to enter: no call") {
    test::FakeKernel k;
    proc::join_own_cgroup(k, proc::CgroupJoin{}, "the exec process itself");
    CHECK(k.calls().empty());
}

TEST_CASE("a write the kernel refuses names the file and the process, and stops there") {
    JoinFixture f;
    f.k.fail("write(/sys/fs/cgroup/freezer", EBUSY);
    auto e = caught<SysError>([&] { proc::join_own_cgroup(f.k, f.join, "the exec process itself"); });
    CHECK(std::string(e.what()).find("write /sys/fs/cgroup/freezer/c1/tasks = 0 (the exec process itself)") !=
          std::string::npos);
    CHECK(e.code() == EBUSY);
    // The first hierarchy was entered; nothing is written after the failure.
    CHECK(f.calls().back().rfind("write(/sys/fs/cgroup/freezer/c1/tasks, 0)", 0) == 0);
}
