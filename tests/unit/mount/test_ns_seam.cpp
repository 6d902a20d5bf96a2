// Joining a namespace by path (ns::join, join_for_children, ChildrenIn)
// and the mount namespace rules (ns::check_config), through the recording
// fake kernel.
#include <doctest/doctest.h>

#include <sched.h>
#include <unistd.h>

#include <algorithm>

#include "caught.hpp"
#include "fake_kernel.hpp"
#include "ns/for_children.hpp"
#include "ns/namespaces.hpp"
#include "ns/rules.hpp"
#include "oci/default_spec.hpp"
#include "oci/error.hpp"
#include "oci/parse.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using Calls = std::vector<std::string>;

namespace {
ns::Join net_join() { return ns::Join{"network", "/run/netns/a", CLONE_NEWNET, 2}; }
}  // namespace

TEST_CASE("ns::join: the file is opened without blocking, its type checked, then setns with the type") {
    test::FakeKernel k;
    k.add_ns("/run/netns/a", CLONE_NEWNET);
    ns::join(k, net_join());
    CHECK(k.calls() == Calls{"openat(cwd, /run/netns/a, O_NONBLOCK|O_NOCTTY)", "ioctl(/run/netns/a, NS_GET_NSTYPE)",
                             "setns(/run/netns/a, " + std::to_string(CLONE_NEWNET) + ")"});
}

TEST_CASE("ns::join: a namespace of another type is refused before setns, naming both types") {
    test::FakeKernel k;
    k.add_ns("/run/netns/a", CLONE_NEWUTS);
    const auto e = test::caught<ConfigError>([&] { ns::join(k, net_join()); });
    CHECK(e.path() == "linux.namespaces[2].path");
    CHECK(e.message() == "/run/netns/a is not a network namespace (it is a uts namespace)");
    CHECK(k.calls_of({"setns("}).empty());
}

TEST_CASE("ns::join: a file that is no namespace (ENOTTY), a missing one, a refused setns") {
    test::FakeKernel k;
    SUBCASE("not a namespace file") {
        k.add_file("/run/netns/a");
        CHECK_THROWS_WITH_AS(ns::join(k, net_join()),
                             "config.json: linux.namespaces[2].path: /run/netns/a is not a namespace file",
                             ConfigError);
        CHECK(k.calls_of({"setns("}).empty());
    }
    SUBCASE("missing") {
        const auto e = test::caught<ConfigError>([&] { ns::join(k, net_join()); });
        CHECK(e.path() == "linux.namespaces[2].path");
        CHECK(e.code() == ENOENT);
        CHECK(e.message() == "open network namespace /run/netns/a");
    }
    SUBCASE("setns refused") {
        k.add_ns("/run/netns/a", CLONE_NEWNET);
        k.fail("setns(", EPERM);
        const auto e = test::caught<ConfigError>([&] { ns::join(k, net_join()); });
        CHECK(e.path() == "linux.namespaces[2].path");
        CHECK(e.code() == EPERM);
        CHECK(e.message() == "join network namespace /run/netns/a");
    }
}

TEST_CASE("ns::check_config: no mount namespace, or the caller's own by path, is refused") {
    test::FakeKernel k;
    oci::Config cfg = oci::parse_config(oci::default_spec(false));
    auto& nss = cfg.linux->namespaces;
    SUBCASE("no mount namespace: the mount code has no such path") {
        nss.erase(std::remove_if(nss.begin(), nss.end(), [](const oci::Namespace& n) { return n.type == "mount"; }),
                  nss.end());
        const auto e = test::caught<oci::SpecError>([&] { ns::check_config(k, cfg, ns::plan(&*cfg.linux)); });
        CHECK(std::string(e.what()).find("linux.namespaces:") != std::string::npos);
        CHECK(k.calls().empty());  // decided from the config alone
    }
    SUBCASE("a path that is ucrun's own mount namespace") {
        // Same file as /proc/self/ns/mnt: the fake hands both the same inode
        // when they are the same path, so name it so.
        for (auto& n : nss)
            if (n.type == "mount") n.path = "/proc/self/ns/mnt";
        k.add_ns("/proc/self/ns/mnt", CLONE_NEWNS);
        k.add_ns("/proc/1/ns/mnt", CLONE_NEWNS);
        const auto e = test::caught<oci::SpecError>([&] { ns::check_config(k, cfg, ns::plan(&*cfg.linux)); });
        CHECK(std::string(e.what()).find("linux.namespaces[4].path") != std::string::npos);
    }
    SUBCASE("another mount namespace is fine") {
        for (auto& n : nss)
            if (n.type == "mount") n.path = "/run/mntns/x";
        k.add_ns("/run/mntns/x", CLONE_NEWNS);
        k.add_ns("/proc/self/ns/mnt", CLONE_NEWNS);
        k.add_ns("/proc/1/ns/mnt", CLONE_NEWNS);
        ns::check_config(k, cfg, ns::plan(&*cfg.linux));
        CHECK(k.calls() == Calls{"fstatat(cwd, /run/mntns/x)", "fstatat(cwd, /proc/self/ns/mnt)",
                                 "fstatat(cwd, /run/mntns/x)", "fstatat(cwd, /proc/1/ns/mnt)"});
    }
}

TEST_CASE("ns::ChildrenIn: a pid namespace entered for children only, and left again when it goes") {
    test::FakeKernel k;
    k.add_ns("/proc/self/ns/user", CLONE_NEWUSER, "/proc/self/ns/user");
    k.add_ns("/proc/self/ns/pid", CLONE_NEWPID, "/proc/self/ns/user");
    k.add_ns("/proc/self/ns/time", CLONE_NEWTIME, "/proc/self/ns/user");
    k.add_ns("/proc/42/ns/pid", CLONE_NEWPID, "/proc/42/ns/user");
    const int target = k.open_handle("/proc/42/ns/pid");
    const std::string pid = std::to_string(CLONE_NEWPID);
    {
        ns::ChildrenIn in(k);
        CHECK(in.enter(target, CLONE_NEWPID));
        CHECK(k.calls_of({"setns("}) == Calls{"setns(/proc/42/ns/pid, " + pid + ")"});
    }
    // Back only where we have CAP_SYS_ADMIN over our own namespaces: root
    // of the user namespace owning them (the kernel's rule at setns).
    if (::geteuid() == 0)
        CHECK(k.calls_of({"setns("}) ==
              Calls{"setns(/proc/42/ns/pid, " + pid + ")", "setns(/proc/self/ns/pid, " + pid + ")"});
    else
        CHECK(k.calls_of({"setns("}).size() == 1);
}

TEST_CASE("ns::ChildrenIn: our pid namespace owned by another user namespace: no way back is tried") {
    test::FakeKernel k;
    k.add_ns("/proc/self/ns/user", CLONE_NEWUSER, "/proc/self/ns/user");
    k.add_ns("/proc/self/ns/pid", CLONE_NEWPID, "/host/user");  // rootless: the host's
    k.add_ns("/run/pod/pid", CLONE_NEWPID, "/host/user");
    ns::ChildrenIn in(k);
    CHECK(in.enter(k.open_handle("/run/pod/pid"), CLONE_NEWPID));
    in.leave();
    CHECK(k.calls_of({"setns("}) == Calls{"setns(/run/pod/pid, " + std::to_string(CLONE_NEWPID) + ")"});
}

TEST_CASE("ns::join_for_children: only the pid and time joins, each checked for its type; setns failure names it") {
    test::FakeKernel k;
    k.add_ns("/proc/self/ns/user", CLONE_NEWUSER, "/proc/self/ns/user");
    k.add_ns("/proc/self/ns/pid", CLONE_NEWPID, "/other");
    k.add_ns("/run/netns/a", CLONE_NEWNET);
    k.add_ns("/run/pod/pid", CLONE_NEWPID);
    ns::Plan plan;
    plan.joins = {net_join(), ns::Join{"pid", "/run/pod/pid", CLONE_NEWPID, 3}};
    ns::ChildrenIn in(k);
    ns::join_for_children(k, plan, in);
    CHECK(k.calls_of({"setns(", "ioctl(/run"}) ==
          Calls{"ioctl(/run/pod/pid, NS_GET_NSTYPE)", "setns(/run/pod/pid, " + std::to_string(CLONE_NEWPID) + ")"});
    k.fail("setns(/run/pod/pid", EPERM);
    const auto e = test::caught<ConfigError>([&] { ns::join_for_children(k, plan, in); });
    CHECK(e.path() == "linux.namespaces[3].path");
    CHECK(e.code() == EPERM);
}
