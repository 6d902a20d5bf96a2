// The value parsers shared by the file and the flags, and the flags over a
// file's settings.
#include <doctest/doctest.h>

#include "config/flags.hpp"
#include "config/userns_settings.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using namespace ucrun::config;

TEST_CASE("remap: off, default, USER and USER:GROUP") {
    UsernsConfig c;
    parse_remap("default", c);
    CHECK(c.remap == Remap::Default);
    parse_remap("alice", c);
    CHECK(c.remap == Remap::User);
    CHECK(c.user == "alice");
    CHECK(c.group.empty());
    parse_remap("1000:2000", c);
    CHECK(c.user == "1000");
    CHECK(c.group == "2000");
    CHECK(remap_text(c) == "1000:2000");
    parse_remap("off", c);
    CHECK(c == UsernsConfig{});
}

TEST_CASE("remap: names that /etc/subuid or useradd would misread are refused") {
    UsernsConfig c;
    for (const char* bad : {"", ":", "a:", ":g", "a:b:c", "-x", "a b", "a/b", "a\nb", "Default ", "a:-g",
                            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
        CHECK_THROWS_AS(parse_remap(bad, c), Error);
    CHECK(c == UsernsConfig{});  // a refused value changes nothing
}

TEST_CASE("allocation, size, bool") {
    CHECK(parse_allocation("per-container") == Allocation::PerContainer);
    CHECK(parse_allocation("shared") == Allocation::Shared);
    CHECK_THROWS_WITH_AS(parse_allocation("Shared"), "must be per-container or shared, not \"Shared\"", Error);
    CHECK(parse_size("1") == 1);
    CHECK(parse_size("65536") == 65536);
    CHECK(parse_size(std::to_string(kMaxUsernsSize)) == kMaxUsernsSize);
    for (const char* bad : {"", "0", "-1", "+5", "0x10", "1e3", " 5", "5 ", "1073741825", "4294967296",
                            "99999999999999999999"})
        CHECK_THROWS_AS(parse_size(bad), Error);
    CHECK(parse_bool("true"));
    CHECK_FALSE(parse_bool("false"));
    for (const char* bad : {"yes", "no", "on", "off", "True", "1", ""}) CHECK_THROWS_AS(parse_bool(bad), Error);
}

TEST_CASE("flags override the file's settings one by one, naming the flag in errors") {
    UsernsConfig c;
    c.remap = Remap::Default;
    c.size = 4096;
    apply_userns_flags(c, {std::nullopt, std::string("shared"), std::nullopt, std::string("true")});
    CHECK(c.remap == Remap::Default);  // not given: the file's value stays
    CHECK(c.size == 4096);
    CHECK(c.allocation == Allocation::Shared);
    CHECK(c.allow_host);
    apply_userns_flags(c, {std::string("bob:staff"), std::nullopt, std::string("131072"), std::string("false")});
    CHECK(c.user == "bob");
    CHECK(c.group == "staff");
    CHECK(c.size == 131072);
    CHECK_FALSE(c.allow_host);
    apply_userns_flags(c, {std::string("off"), {}, {}, {}});
    CHECK(c.remap == Remap::Off);
    CHECK_THROWS_WITH_AS(apply_userns_flags(c, {{}, {}, std::string("0"), {}}),
                         "--userns-size: must be a positive integer of at most 1073741824", Error);
    CHECK_THROWS_WITH_AS(apply_userns_flags(c, {{}, {}, {}, std::string("yes")}),
                         "--userns-allow-host: must be true or false", Error);
    CHECK_THROWS_WITH_AS(apply_userns_flags(c, {{}, std::string("private"), {}, {}}),
                         "--userns-allocation: must be per-container or shared, not \"private\"", Error);
    CHECK_THROWS_AS(apply_userns_flags(c, {std::string("a:b:c"), {}, {}, {}}), Error);
}
