#include <doctest/doctest.h>

#include "mount/overlay_options.hpp"
#include "sys/error.hpp"

using ucrun::mount::parse_overlay_options;

TEST_CASE("overlay layers and options from mountinfo") {
    // As 6.18 shows lowerdir="/l1:/l\:2::/d1" (a ':' quoted by a backslash,
    // shown as \134) and a path with a blank and a comma.
    auto c = parse_overlay_options(
        "rw,lowerdir=/tmp/ovx/l1:/tmp/ovx/l\\134:2::/tmp/ovx/d1,upperdir=/u\\040p\\054x,workdir=/w,uuid=on,"
        "redirect_dir=on,metacopy=on,xino=off,userxattr,index=off");
    CHECK(c.lower == std::vector<std::string>{"/tmp/ovx/l1", "/tmp/ovx/l:2"});
    CHECK(c.data == std::vector<std::string>{"/tmp/ovx/d1"});
    CHECK(c.upper == "/u p,x");
    CHECK(c.work == "/w");
    CHECK_FALSE(c.read_only);
    REQUIRE(c.index);
    CHECK_FALSE(*c.index);
    using KV = std::pair<std::string, std::string>;
    CHECK(c.carry == std::vector<KV>{{"uuid", "on"}, {"redirect_dir", "on"}, {"metacopy", "on"}, {"xino", "off"},
                                     {"userxattr", ""}});
}

TEST_CASE("several lowerdirs, several data-only layers, read-only overlay") {
    auto c = parse_overlay_options("ro,lowerdir=/a:/b:/c::/d1::/d2");
    CHECK(c.lower == std::vector<std::string>{"/a", "/b", "/c"});
    CHECK(c.data == std::vector<std::string>{"/d1", "/d2"});
    CHECK(c.upper.empty());
    CHECK(c.read_only);
    CHECK_FALSE(c.index);
}

TEST_CASE("lowerdir+ and datadir+ are one path each") {
    auto c = parse_overlay_options("rw,lowerdir+=/a:b,lowerdir+=/c,datadir+=/d");
    CHECK(c.lower == std::vector<std::string>{"/a:b", "/c"});
    CHECK(c.data == std::vector<std::string>{"/d"});
}

TEST_CASE("overlay options that cannot be rebuilt are refused") {
    using ucrun::Error;
    // docker's short relative layer links
    CHECK_THROWS_WITH_AS(parse_overlay_options("rw,lowerdir=l/ABC:l/DEF,upperdir=/u,workdir=/w"),
                         doctest::Contains("relative"), Error);
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a,upperdir=u,workdir=/w"), Error);
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a,upperdir=/u,workdir=w"), Error);
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a::d"), Error);
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=::/d"), Error);     // no regular lower layer
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a::"), Error);     // trailing "::"
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a:::/d"), Error);  // ":::"
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a:"), Error);
    CHECK_THROWS_AS(parse_overlay_options("rw,upperdir=/u,workdir=/w"), Error);  // no lower
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a,upperdir=/u"), Error);  // no workdir
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a,lowerdir+=/b"), Error);
    CHECK_THROWS_WITH_AS(parse_overlay_options("rw,lowerdir=/a,nfs_export=on"), doctest::Contains("nfs_export=on"),
                         Error);
    CHECK_THROWS_WITH_AS(parse_overlay_options("rw,lowerdir=/a,frobnicate"), doctest::Contains("frobnicate"), Error);
    CHECK_THROWS_AS(parse_overlay_options("rw,lowerdir=/a,index=maybe"), Error);
}
