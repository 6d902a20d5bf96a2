#include <doctest/doctest.h>
#include <sched.h>

#include "ns/namespaces.hpp"
#include "sys/error.hpp"
#include "sys/kernel.hpp"

TEST_CASE("namespace types map to clone flags and /proc names") {
    CHECK(ucrun::ns::clone_flag("network") == CLONE_NEWNET);
    CHECK(ucrun::ns::clone_flag("mount") == CLONE_NEWNS);
    CHECK(ucrun::ns::clone_flag("time") == 0x80);
    CHECK(ucrun::ns::clone_flag("bogus") == 0);
    CHECK(std::string(ucrun::ns::proc_name("network")) == "net");
    CHECK(std::string(ucrun::ns::proc_name("mount")) == "mnt");
}

TEST_CASE("plan: new namespaces become flags, paths become joins with user first") {
    oci::Linux l;
    l.namespaces = {{"pid", std::nullopt}, {"network", std::string("/run/netns/x")},
                    {"mount", std::nullopt}, {"user", std::string("/proc/1/ns/user")}};
    auto p = ucrun::ns::plan(&l);
    CHECK(p.new_flags == (CLONE_NEWPID | CLONE_NEWNS));
    REQUIRE(p.joins.size() == 2);
    CHECK(p.joins[0].type == "user");
    CHECK(p.joins[1].type == "network");
    // Their place in linux.namespaces, for errors, survives the sort.
    CHECK(p.joins[0].index == 3);
    CHECK(p.joins[1].index == 1);
    CHECK(p.has(CLONE_NEWUSER));
    CHECK_FALSE(p.new_user());
    CHECK(p.joined_flags() == (CLONE_NEWUSER | CLONE_NEWNET));
}

TEST_CASE("plan without linux: nothing new") {
    auto p = ucrun::ns::plan(nullptr);
    CHECK(p.new_flags == 0);
    CHECK(p.joins.empty());
}

TEST_CASE("join: a namespace file of another type is refused naming the field") {
    // /proc/self/ns/mnt is a mount namespace: checked before setns, nothing joined.
    ucrun::ns::Join j{"network", "/proc/self/ns/mnt", CLONE_NEWNET, 4};
    CHECK_THROWS_WITH_AS(ucrun::ns::join(ucrun::sys::linux_kernel(), j),
                         "config.json: linux.namespaces[4].path: /proc/self/ns/mnt is not a network namespace "
                         "(it is a mount namespace)",
                         ucrun::ConfigError);
    j.path = "/proc/self/status";
    CHECK_THROWS_WITH_AS(ucrun::ns::join(ucrun::sys::linux_kernel(), j),
                         "config.json: linux.namespaces[4].path: /proc/self/status is not a namespace file",
                         ucrun::ConfigError);
}
