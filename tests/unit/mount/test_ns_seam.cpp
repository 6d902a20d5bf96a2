// Joining a namespace by path (ns::join) and the mount namespace rules
// (ns::check_config), through the recording fake kernel.
#include <doctest/doctest.h>

#include <sched.h>

#include <algorithm>

#include "caught.hpp"
#include "fake_kernel.hpp"
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
