#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "cgroup/path.hpp"
#include "sys/error.hpp"

using namespace ucrun::cgroup;

TEST_CASE("clean_path as runc utils.CleanPath") {
    CHECK(clean_path("") == "");
    CHECK(clean_path("/a/b/../c") == "/a/c");
    CHECK(clean_path("/../../x") == "/x");
    CHECK(clean_path("../../x") == "x");
    CHECK(clean_path("a/../../b") == "b");
    CHECK(clean_path("a//b/./c/") == "a/b/c");
    CHECK(clean_path("..") == ".");
}

TEST_CASE("cgroupfs paths") {
    CHECK(cgroup_path(false, false, "ctr", std::nullopt) == "ctr");  // runc default: relative <id>
    CHECK(cgroup_path(false, false, "ctr", std::string("")) == "ctr");
    CHECK(cgroup_path(false, false, "ctr", std::string("/my/ctr/../c")) == "/my/c");
    CHECK(cgroup_path(false, false, "ctr", std::string("../rel")) == "rel");
    // a systemd-looking path is just a name with cgroupfs
    CHECK(cgroup_path(false, false, "ctr", std::string("system.slice:x:y")) == "system.slice:x:y");
}

TEST_CASE("systemd slice expansion") {
    CHECK(expand_slice("system.slice") == "/system.slice");
    CHECK(expand_slice("user-1000.slice") == "/user.slice/user-1000.slice");
    CHECK(expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
    CHECK(expand_slice("-.slice") == "/");
    CHECK_THROWS_AS(expand_slice("foo"), ucrun::Error);
    CHECK_THROWS_AS(expand_slice("a--b.slice"), ucrun::Error);
    CHECK_THROWS_AS(expand_slice("-a.slice"), ucrun::Error);
    CHECK_THROWS_AS(expand_slice("a/b.slice"), ucrun::Error);
}

TEST_CASE("systemd cgroupsPath mapped onto cgroupfs") {
    CHECK(cgroup_path(true, false, "c1", std::string("system.slice:docker:abc")) == "/system.slice/docker-abc.scope");
    CHECK(cgroup_path(true, false, "c1", std::string("user-1000.slice:podman:x")) ==
          "/user.slice/user-1000.slice/podman-x.scope");
    CHECK(cgroup_path(true, false, "c1", std::string(":p:n")) == "/system.slice/p-n.scope");
    CHECK(cgroup_path(true, true, "c1", std::string(":p:n")) == "/user.slice/p-n.scope");
    CHECK(cgroup_path(true, false, "c1", std::string("machine.slice:p:my.slice")) == "/machine.slice/my.slice");
    CHECK(cgroup_path(true, false, "c1", std::string("-.slice::n")) == "/n.scope");
    CHECK(cgroup_path(true, false, "c1", std::nullopt) == "/system.slice/ucrun-c1.scope");
    CHECK_THROWS_WITH_AS(cgroup_path(true, false, "c1", std::string("/a/b")),
                         doctest::Contains("slice:prefix:name"), ucrun::Error);
    CHECK_THROWS_AS(cgroup_path(true, false, "c1", std::string("bad:p:n")), ucrun::Error);
}

TEST_CASE("resolve against the caller's cgroup") {
    CHECK(resolve("/abs/x", "/own", false) == "/abs/x");
    CHECK(resolve("/abs/x", "/own", true) == "/abs/x");
    CHECK(resolve("ctr", "/user/sess", false) == "/user/sess/ctr");  // v1: below own
    CHECK(resolve("ctr", "/user/sess", true) == "/user/ctr");        // v2: below own's parent
    CHECK(resolve("ctr", "/", true) == "/ctr");
    CHECK(resolve("ctr", "/", false) == "/ctr");
}
