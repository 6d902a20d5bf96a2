// The list format of CPUs and nodes ("0-3,7"): oci/cpu_list.hpp.
#include <doctest/doctest.h>

#include "oci/cpu_list.hpp"

namespace {
std::string ranges_of(const std::string& s) {
    auto r = oci::parse_cpu_list(s);
    if (!r) return "invalid";
    std::string out;
    for (const auto& x : *r) out += std::to_string(x.first) + "-" + std::to_string(x.last) + ";";
    return out;
}
}  // namespace

TEST_CASE("cpu list: numbers and ascending ranges") {
    CHECK(ranges_of("") == "");
    CHECK(ranges_of("0") == "0-0;");
    CHECK(ranges_of("0-3,7") == "0-3;7-7;");
    CHECK(ranges_of("7,0-3") == "7-7;0-3;");
    CHECK(ranges_of("2-2") == "2-2;");
    CHECK(ranges_of("999999999") == "999999999-999999999;");
}

TEST_CASE("cpu list: malformed lists are refused") {
    for (const char* bad : {"3-1", "0,,1", ",0", "0,", "-1", "1-", "x", "0-3x", " 1", "1 ", "0--2", "1000000000", "0-1-2"})
        CHECK_MESSAGE(ranges_of(bad) == "invalid", bad);
}

TEST_CASE("cpu list: bit mask in unsigned longs, bounded") {
    auto m = oci::cpu_mask(*oci::parse_cpu_list("0-3,7"), 8192);
    REQUIRE(m);
    REQUIRE(m->size() == 1);
    CHECK((*m)[0] == 0x8fUL);
    const unsigned long bits = 8 * sizeof(unsigned long);
    m = oci::cpu_mask(*oci::parse_cpu_list(std::to_string(bits) + "-" + std::to_string(bits + 1)), 8192);
    REQUIRE(m);
    REQUIRE(m->size() == 2);
    CHECK((*m)[0] == 0);
    CHECK((*m)[1] == 3UL);
    CHECK(oci::cpu_mask(*oci::parse_cpu_list(""), 8192)->empty());
    CHECK(oci::cpu_mask(*oci::parse_cpu_list("8191"), 8192));
    CHECK_FALSE(oci::cpu_mask(*oci::parse_cpu_list("8192"), 8192));
    CHECK_FALSE(oci::cpu_mask(*oci::parse_cpu_list("0-999999999"), 8192));  // no 125 MB mask
}
