#include <doctest/doctest.h>

#include "sys/mountinfo.hpp"

using ucrun::sys::parse_mountinfo;
using ucrun::sys::parse_mountinfo_line;
using ucrun::sys::unescape_mountinfo;

TEST_CASE("mountinfo escapes are undone") {
    CHECK(unescape_mountinfo("/a\\040b\\011c\\012d\\134e") == "/a b\tc\nd\\e");
    CHECK(unescape_mountinfo("/x\\") == "/x\\");         // a trailing backslash stays
    CHECK(unescape_mountinfo("/x\\09y") == "/x\\09y");   // not three octal digits
    CHECK(unescape_mountinfo("/x\\777") == "/x\\777");   // not a byte
}

TEST_CASE("a mountinfo line with optional fields") {
    auto m = parse_mountinfo_line(
        "69 45 0:39 / /tmp/o\\040v/m rw,relatime shared:7 master:2 - overlay ov rw,lowerdir=/l\\134:2,upperdir=/u");
    REQUIRE(m);
    CHECK(m->id == 69);
    CHECK(m->parent == 45);
    CHECK(m->root == "/");
    CHECK(m->mount_point == "/tmp/o v/m");
    CHECK(m->fstype == "overlay");
    CHECK(m->source == "ov");
    CHECK(m->super_options == "rw,lowerdir=/l\\134:2,upperdir=/u");  // left escaped
    CHECK(m->shared);
    CHECK_FALSE(parse_mountinfo_line("70 45 0:40 / /s rw master:2 - tmpfs t rw")->shared);
}

TEST_CASE("malformed mountinfo lines are skipped") {
    CHECK_FALSE(parse_mountinfo_line(""));
    CHECK_FALSE(parse_mountinfo_line("69 45 0:39 / /m rw - overlay"));             // too short
    CHECK_FALSE(parse_mountinfo_line("x 45 0:39 / /m rw - overlay ov rw"));        // id
    CHECK_FALSE(parse_mountinfo_line("69 45 0:39 / /m rw overlay ov rw a b c"));   // no "-"
    CHECK_FALSE(parse_mountinfo_line("69 45 0:39 / /m rw - overlay ov rw extra"));  // a blank in the super options
    auto all = parse_mountinfo("garbage\n1 0 8:1 / / rw - ext4 /dev/vda rw\n\n2 1 0:5 / /proc rw - proc proc rw\n");
    REQUIRE(all.size() == 2);
    CHECK(all[1].mount_point == "/proc");
}
