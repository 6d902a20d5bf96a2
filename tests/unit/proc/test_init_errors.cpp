// The init's failures name the config.json field they come from (the fake
// kernel fails one call; the error says which field).
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "caught.hpp"
#include "init_fixture.hpp"
#include "proc/init_steps.hpp"
#include "proc/process_setup.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using test::caught;

TEST_CASE("a sysctl that cannot be opened or written names linux.sysctl[key]") {
    for (std::string call : {"openat(/proc, sys/net/ipv4/ip_forward", "write(/proc/sys/net/ipv4/ip_forward"}) {
        CAPTURE(call);
        test::InitFixture f;
        f.k.fail(call, EACCES);
        auto e = caught<ConfigError>([&] { proc::settle_namespaces(f.k, f.a); });
        CHECK(e.path() == "linux.sysctl[\"net.ipv4.ip_forward\"]");
        CHECK(e.code() == EACCES);
    }
}

TEST_CASE("the hostname and the domainname name their fields") {
    test::InitFixture f;
    f.k.fail("sethostname(", EPERM);
    CHECK(caught<ConfigError>([&] { proc::settle_namespaces(f.k, f.a); }).path() == "hostname");
    test::InitFixture g;
    g.k.fail("setdomainname(", EPERM);
    CHECK(caught<ConfigError>([&] { proc::settle_namespaces(g.k, g.a); }).path() == "domainname");
}

TEST_CASE("a /proc that is not a procfs is refused before any sysctl is written") {
    test::InitFixture f;
    f.k.set_magic("/proc", 0);
    auto e = caught<Error>([&] { proc::settle_namespaces(f.k, f.a); });
    CHECK(std::string(e.what()) == "/proc is not a procfs mount");
    CHECK(f.k.calls_of({"write("}).empty());
}

TEST_CASE("a cwd the process cannot enter names process.cwd; exec's wording is runc's") {
    test::InitFixture f;
    f.k.fail("fchdir(", EACCES);
    auto e = caught<SysError>([&] { proc::prepare_process(f.k, f.a, true, ""); });
    CHECK(std::string(e.what()).find("process.cwd /work") != std::string::npos);
    CHECK(f.k.calls_of({"setresuid(", "setrlimit("}).empty());  // nothing of the user's applied

    // `exec` does not create the cwd.
    test::InitFixture g;
    auto x = caught<Error>([&] { proc::enter_cwd(g.k, *g.cfg.process, false); });
    CHECK(std::string(x.what()) == "chdir to cwd (\"/work\") set in config.json failed: no such file or directory");
}

TEST_CASE("the user's ids and the personality name their fields") {
    test::InitFixture f;
    f.k.fail("setresuid(1000", EPERM);
    auto e = caught<SysError>([&] { proc::prepare_process(f.k, f.a, true, ""); });
    CHECK(std::string(e.what()).find("process.user.uid 1000") != std::string::npos);

    test::InitFixture g;
    g.k.fail("setgroups(10,20)", EPERM);
    auto e2 = caught<SysError>([&] { proc::prepare_process(g.k, g.a, true, ""); });
    CHECK(std::string(e2.what()).find("process.user.additionalGids") != std::string::npos);

    test::InitFixture h;
    h.cfg.linux->personality = oci::Personality{};
    h.cfg.linux->personality->domain = "LINUX";
    h.k.fail("personality(", EINVAL);
    CHECK(caught<ConfigError>([&] { proc::prepare_process(h.k, h.a, true, ""); }).path() == "linux.personality.domain");
}

TEST_CASE("time offsets that cannot be written name linux.timeOffsets") {
    test::FakeKernel k;
    k.add_file("/proc/self/timens_offsets");
    k.fail("write(/proc/self/timens_offsets", EACCES);
    oci::Config cfg;
    cfg.linux.emplace();
    cfg.linux->timeOffsets["boottime"] = oci::TimeOffset{};
    CHECK(caught<ConfigError>([&] { proc::enter_new_time_ns(k, cfg); }).path() == "linux.timeOffsets");
}

TEST_CASE("rootless with setgroups denied: additionalGids is refused naming its field") {
    test::InitFixture f;
    f.k.add_file("/proc/self/setgroups");
    f.k.set_content("/proc/self/setgroups", "deny\n");
    auto e = caught<ConfigError>([&] { proc::groups_settable(f.k, *f.cfg.process); });
    CHECK(e.path() == "process.user.additionalGids");
}
