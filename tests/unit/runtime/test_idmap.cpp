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
