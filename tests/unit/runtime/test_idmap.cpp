#include <doctest/doctest.h>

#include "userns/idmap.hpp"

TEST_CASE("id maps are written one line per range") {
    std::vector<oci::IDMapping> m = {{0, 100000, 1}, {1, 100001, 65535}};
    CHECK(ucrun::userns::format_map(m) == "0 100000 1\n1 100001 65535\n");
}

TEST_CASE("to_host maps through the ranges") {
    std::vector<oci::IDMapping> m = {{0, 100000, 10}, {1000, 200000, 5}};
    CHECK(ucrun::userns::to_host(m, 0) == 100000);
    CHECK(ucrun::userns::to_host(m, 9) == 100009);
    CHECK(ucrun::userns::to_host(m, 10) == -1);
    CHECK(ucrun::userns::to_host(m, 1004) == 200004);
    CHECK(ucrun::userns::to_host(m, 1005) == -1);
}

#include "proc/mempolicy.hpp"
#include "sys/error.hpp"

TEST_CASE("memory policy node lists become nodemasks") {
    auto m = ucrun::proc::node_mask("0-3,7");
    REQUIRE(m.size() == 1);
    CHECK(m[0] == 0x8fUL);
    m = ucrun::proc::node_mask("64");
    REQUIRE(m.size() == 2);
    CHECK(m[1] == 1UL);
    CHECK_THROWS_WITH_AS(ucrun::proc::node_mask("3-1"),
                         "config.json: linux.memoryPolicy.nodes: invalid node list \"3-1\"", ucrun::ConfigError);
    CHECK_THROWS_AS(ucrun::proc::node_mask("x"), ucrun::ConfigError);
}
