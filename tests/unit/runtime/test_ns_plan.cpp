#include <doctest/doctest.h>
#include <sched.h>

#include "ns/namespaces.hpp"

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
    CHECK(p.has(CLONE_NEWUSER));
    CHECK_FALSE(p.new_user());
    CHECK(p.joined_flags() == (CLONE_NEWUSER | CLONE_NEWNET));
}

TEST_CASE("plan without linux: nothing new") {
    auto p = ucrun::ns::plan(nullptr);
    CHECK(p.new_flags == 0);
    CHECK(p.joins.empty());
}
