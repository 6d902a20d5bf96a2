// The order of the container init's system calls for a typical config, as
// the kernel sees them (proc/init_steps.hpp, through the recording fake).
#include <doctest/doctest.h>

#include <linux/capability.h>
#include <sys/resource.h>

#include <algorithm>

#include "init_fixture.hpp"
#include "proc/init_steps.hpp"
#include "proc/process_setup.hpp"
#include "security/capabilities.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

using namespace ucrun;
using test::pos;

TEST_CASE("the init's setup: hostnames, sysctl, rlimits, cwd, ids, caps, no_new_privs in runc's order") {
    test::InitFixture f;
    proc::become_ns_root(f.k, true);
    Fd procfd = proc::settle_namespaces(f.k, f.a);
    std::vector<std::string> env = proc::prepare_process(f.k, f.a, true, "");
    const std::vector<std::string> want = {
        // root of the user namespace: gid first, uid then, groups emptied
        "setresgid(0,0,0)",
        "setresuid(0,0,0)",
        "prctl(PR_SET_DUMPABLE, 0)",  // dumpable again after new ids (suid_dumpable=1)
        "setgroups()",
        // the container's own namespaces
        "sethostname(box)",
        "setdomainname(example.org)",
        "write(/proc/sys/net/ipv4/ip_forward, 1)",
        // the process: cwd, rlimits, then the user (finalize_process)
        "fchdir(/work)",
        "setrlimit(" + std::to_string(RLIMIT_NOFILE) + ", 1024, 4096)",
        "setrlimit(" + std::to_string(RLIMIT_CORE) + ", 0, 0)",
        "prctl(PR_CAPBSET_READ, 1)",
        "prctl(PR_CAPBSET_DROP, 1)",
        "prctl(PR_CAPBSET_READ, 2)",
        "prctl(PR_CAPBSET_DROP, 2)",
        "prctl(PR_SET_KEEPCAPS, 1)",
        "setgroups(10,20)",
        "setresgid(100,100,100)",
        "setresuid(1000,1000,1000)",
        "prctl(PR_SET_DUMPABLE, 0)",
        "prctl(PR_SET_KEEPCAPS, 0)",
        "capset(effective 1)",
        "prctl(PR_CAP_AMBIENT, " + std::to_string(PR_CAP_AMBIENT_CLEAR_ALL) + ")",
        "umask(0022)",
        "prctl(PR_SET_NO_NEW_PRIVS, 1)",
    };
    CHECK_MESSAGE(f.steps() == want, f.k.dump());
    // The sysctl goes through the host's procfs, opened (and checked to be
    // a procfs) before the write; never through a path of the rootfs.
    const auto& all = f.k.calls();
    CHECK(pos(all, "openat(cwd, /proc, O_PATH|O_DIRECTORY|O_NOFOLLOW)") < pos(all, "fstatfs(/proc)"));
    CHECK(pos(all, "fstatfs(/proc)") < pos(all, "openat(/proc, sys/net/ipv4/ip_forward, O_NOFOLLOW|O_WRONLY|O_NOCTTY)"));
    CHECK(f.k.written("/proc/sys/net/ipv4/ip_forward") == "1");
    // HOME from the container's /etc/passwd, "/" when it has none.
    CHECK(std::find(env.begin(), env.end(), "HOME=/") != env.end());
    CHECK(f.k.exists("/work"));  // a missing cwd is created (runc)
}

TEST_CASE("the ids change after the capabilities are kept and before they are set") {
    // security/capabilities.hpp: bounding drop needs CAP_SETPCAP (first);
    // KEEPCAPS keeps permitted across setresuid; capset after the switch,
    // else setresuid clears what it set; no_new_privs last.
    test::InitFixture f;
    proc::prepare_process(f.k, f.a, true, "");
    const auto s = f.steps();
    CHECK(pos(s, "prctl(PR_CAPBSET_DROP") < pos(s, "prctl(PR_SET_KEEPCAPS, 1)"));
    CHECK(pos(s, "prctl(PR_SET_KEEPCAPS, 1)") < pos(s, "setresuid(1000"));
    CHECK(pos(s, "setgroups(10,20)") < pos(s, "setresgid(100"));
    CHECK(pos(s, "setresgid(100") < pos(s, "setresuid(1000"));
    CHECK(pos(s, "setresuid(1000") < pos(s, "capset("));
    // Not dumpable again (fs.suid_dumpable=1) before KEEPCAPS goes and the
    // permitted set shrinks to the container's.
    CHECK(pos(s, "setresuid(1000") < pos(s, "prctl(PR_SET_DUMPABLE, 0)"));
    CHECK(pos(s, "prctl(PR_SET_DUMPABLE, 0)") < pos(s, "prctl(PR_SET_KEEPCAPS, 0)"));
    CHECK(pos(s, "capset(") < pos(s, "prctl(PR_SET_NO_NEW_PRIVS"));
    CHECK(s.back() == "prctl(PR_SET_NO_NEW_PRIVS, 1)");
}

TEST_CASE("the bounding set: read before each drop without CAP_SETPCAP, dropped straight with it") {
    // capability.c cap_prctl_drop: with CAP_SETPCAP a drop of a capability
    // already gone succeeds, so no PR_CAPBSET_READ is needed (issue 17).
    for (bool setpcap : {false, true}) {
        CAPTURE(setpcap);
        test::InitFixture f;
        if (setpcap) f.k.set_cap_effective(uint64_t{1} << CAP_SETPCAP);
        security::CapSets sets;
        sets.bounding = ~((uint64_t{1} << 1) | (uint64_t{1} << 2));  // keep all but 1 and 2
        security::drop_bounding(f.k, sets, 3);
        const std::vector<std::string> want =
            setpcap ? std::vector<std::string>{"capget()", "prctl(PR_CAPBSET_DROP, 1)", "prctl(PR_CAPBSET_DROP, 2)"}
                    : std::vector<std::string>{"capget()", "prctl(PR_CAPBSET_READ, 1)", "prctl(PR_CAPBSET_DROP, 1)",
                                               "prctl(PR_CAPBSET_READ, 2)", "prctl(PR_CAPBSET_DROP, 2)"};
        CHECK_MESSAGE(f.k.calls_of({"capget(", "prctl("}) == want, f.k.dump());
    }
}

TEST_CASE("without setgroups (denied in a rootless user namespace) the groups are left alone") {
    test::InitFixture f;
    f.cfg.process->user.additionalGids.clear();
    proc::become_ns_root(f.k, false);
    proc::prepare_process(f.k, f.a, false, "");
    CHECK(f.k.calls_of({"setgroups("}).empty());
    CHECK(f.k.calls_of({"setresgid("}).size() == 2);
}

TEST_CASE("no hostnames without a UTS namespace; the keyring when asked; personality before the cwd") {
    test::InitFixture f;
    f.plan.new_flags = CLONE_NEWNET | CLONE_NEWNS;
    f.a.new_keyring = true;
    f.cfg.linux->personality = oci::Personality{};
    f.cfg.linux->personality->domain = "LINUX32";
    Fd procfd = proc::settle_namespaces(f.k, f.a);
    proc::prepare_process(f.k, f.a, true, "");
    const auto s = f.steps();
    CHECK(f.k.calls_of({"sethostname(", "setdomainname("}).empty());
    CHECK(pos(s, "keyctl(") < pos(s, "write(/proc/sys/net/ipv4/ip_forward"));
    CHECK(pos(s, "personality(PER_LINUX32)") < pos(s, "fchdir(/work)"));
}

TEST_CASE("the time namespace: unshare, offsets, then enter it through time_for_children") {
    test::FakeKernel k;
    k.add_dir("/proc/self");
    k.add_dir("/proc/self/ns");
    k.add_file("/proc/self/timens_offsets");
    k.add_ns("/proc/self/ns/time_for_children", CLONE_NEWTIME);
    oci::Config cfg;
    cfg.linux.emplace();
    cfg.linux->timeOffsets["monotonic"] = oci::TimeOffset{};
    cfg.linux->timeOffsets["monotonic"].secs = 7;
    proc::enter_new_time_ns(k, cfg);
    const auto c = k.calls_of({"unshare(", "write(", "setns("});
    REQUIRE(c.size() == 3);
    CHECK(c[0] == "unshare(" + std::to_string(CLONE_NEWTIME) + ")");
    CHECK(c[1] == "write(/proc/self/timens_offsets, monotonic 7 0\\n)");
    CHECK(c[2].rfind("setns(/proc/self/ns/time_for_children, ", 0) == 0);
}

TEST_CASE("rootless: /proc/self/setgroups decides whether the groups are set") {
    test::InitFixture f;
    f.k.add_file("/proc/self/setgroups");
    f.k.set_content("/proc/self/setgroups", "allow\n");
    CHECK(proc::groups_settable(f.k, *f.cfg.process));

    test::InitFixture g;  // denied: no groups, the ids still change
    g.k.add_file("/proc/self/setgroups");
    g.k.set_content("/proc/self/setgroups", "deny\n");
    g.cfg.process->user.additionalGids.clear();
    const bool set_groups = proc::groups_settable(g.k, *g.cfg.process);
    CHECK_FALSE(set_groups);
    proc::become_ns_root(g.k, set_groups);
    proc::prepare_process(g.k, g.a, set_groups, "");
    CHECK(g.k.calls_of({"setgroups("}).empty());
    CHECK(pos(g.steps(), "setresgid(100") < pos(g.steps(), "setresuid(1000"));
}

TEST_CASE("only stdio and the preserved fds reach the program: the rest close-on-exec, not closed") {
    // CVE-2024-21626: no fd of ucrun may leak into the container; the
    // channel to the parent must stay open until execve (CLOEXEC).
    test::FakeKernel k;
    proc::close_extra_fds(k, 2);
    CHECK(k.calls() == std::vector<std::string>{"close_range(5, ~0, " + std::to_string(CLOSE_RANGE_CLOEXEC) + ")"});
}
