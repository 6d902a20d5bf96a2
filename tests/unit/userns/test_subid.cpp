#include <doctest/doctest.h>

#include "sys/error.hpp"
#include "helpers.hpp"
#include "userns/subid.hpp"

using namespace ucrun;
using namespace ucrun::userns;

TEST_CASE("subid: names, numeric owners, several ranges, comments, blanks") {
    auto f = parse_subid("# a comment\n"
                         "\n"
                         "alice:100000:65536\n"
                         "  1001:165536:65536  \n"
                         "alice:300000:10\r\n"
                         "   # indented comment\n",
                         "/etc/subuid");
    CHECK(f.problems.empty());
    REQUIRE(f.entries.size() == 3);
    CHECK(f.entries[0].owner == "alice");
    CHECK(f.entries[0].range == IdRange{100000, 65536});
    CHECK(f.entries[0].line == 3);
    CHECK(f.entries[1].owner == "1001");
    CHECK(f.entries[1].range == IdRange{165536, 65536});
    CHECK(f.entries[2].range == IdRange{300000, 10});
    CHECK(f.entries[2].line == 5);
    CHECK(parse_subid("", "x").entries.empty());
    CHECK(parse_subid("a:1:1", "x").entries.size() == 1);  // no final newline
}

TEST_CASE("subid: malformed lines are skipped and reported with file and line") {
    auto f = parse_subid("good:100000:65536\n"
                         "nocolon\n"
                         "two:fields\n"
                         "four:1:2:3\n"
                         ":100:100\n"
                         "sp ace:100:100\n"
                         "neg:-1:100\n"
                         "plus:+1:100\n"
                         "hex:0x10:100\n"
                         "zero:100:0\n"
                         "root:0:65536\n"
                         "big:99999999999:1\n"
                         "huge:1:4294967295\n"
                         "over:4294901760:65536\n"
                         "edge:4294901759:65536\n"
                         "last:4294967294:1\n"
                         "empty::\n"
                         "good:200000:1\n",
                         "/etc/subuid");
    REQUIRE(f.entries.size() == 4);
    CHECK(f.entries[0].owner == "good");
    CHECK(f.entries[1].owner == "edge");  // ends exactly at 4294967295, exclusive
    CHECK(f.entries[2].owner == "last");
    CHECK(f.entries[3].range == IdRange{200000, 1});
    REQUIRE(f.problems.size() == 14);
    CHECK(f.problems[0] == "/etc/subuid:2: expected owner:start:count: \"nocolon\" (line skipped)");
    CHECK(f.problems[2].find("/etc/subuid:4: expected owner:start:count") == 0);  // four fields
    CHECK(f.problems[3].find("/etc/subuid:5: invalid owner") == 0);
    CHECK(f.problems[9].find("/etc/subuid:11: range starts at 0 and would map host root") == 0);
    CHECK(f.problems[12].find("/etc/subuid:14: start + count exceeds 4294967295") == 0);
}

TEST_CASE("subid: hostile input does not crash and is shown bounded and printable") {
    std::string line(10000, 'a');
    line += ":\x1b[31m:1\n";
    auto f = parse_subid(line + std::string("\0\0\0\n", 4), "f");
    CHECK(f.entries.empty());
    REQUIRE(f.problems.size() == 2);
    CHECK(f.problems[0].size() < 200);
    CHECK(f.problems[0].find('\x1b') == std::string::npos);
}

TEST_CASE("parse_id: decimal only, below 2^32-1") {
    CHECK(parse_id("0") == 0u);
    CHECK(parse_id("4294967294") == 4294967294u);
    CHECK_FALSE(parse_id("4294967295"));
    CHECK_FALSE(parse_id("18446744073709551617"));
    CHECK_FALSE(parse_id(""));
    CHECK_FALSE(parse_id(" 1"));
    CHECK_FALSE(parse_id("1a"));
}

TEST_CASE("passwd/group parser: names and ids, junk ignored") {
    auto db = parse_id_db("root:x:0:0:root:/root:/bin/bash\n"
                          "# comment\n"
                          "+nis\n"
                          "bad\n"
                          "badid:x:abc:1\n"
                          "ucrun:x:999:995::/nonexistent:/usr/sbin/nologin\n"
                          "grp:x:1000:\n");
    REQUIRE(db.size() == 3);
    CHECK(find_name(db, "ucrun")->id == 999);
    CHECK(find_id(db, 1000)->name == "grp");
    CHECK(find_name(db, "nis") == nullptr);
    CHECK(find_id(db, 5) == nullptr);
}

TEST_CASE("ranges_for: by name, by uid, both spellings in the files, groups") {
    TmpDir d;
    d.write("etc/passwd", "root:x:0:0::/root:/bin/sh\nucrun:x:999:995::/nonexistent:/usr/sbin/nologin\n");
    d.write("etc/group", "root:x:0:\nucrun:x:995:\nother:x:1234:\n");
    d.write("etc/subuid", "alice:100000:65536\nucrun:200000:65536\n999:400000:65536\nbad line\n");
    d.write("etc/subgid", "ucrun:200000:65536\n1234:500000:1000\n");
    HostFiles h{d.path};

    auto r = ranges_for("ucrun", {}, h);
    CHECK(r.user == "ucrun");
    CHECK(r.uids == std::vector<IdRange>{{200000, 65536}, {400000, 65536}});
    CHECK(r.gids == std::vector<IdRange>{{200000, 65536}});
    CHECK(r.subuid == d.path + "/etc/subuid");

    auto by_uid = ranges_for("999", {}, h);
    CHECK(by_uid.user == "ucrun");
    CHECK(by_uid.uids == r.uids);

    // USER:GROUP: subgid by the group's name or gid.
    auto g = ranges_for("ucrun", "other", h);
    CHECK(g.group == "other");
    CHECK(g.gids == std::vector<IdRange>{{500000, 1000}});

    // A name unknown to passwd is still looked up by name.
    d.write("etc/subgid", "alice:100000:65536\n");
    CHECK(ranges_for("alice", {}, h).uids == std::vector<IdRange>{{100000, 65536}});

    // No range: the error names the user, the file and the skipped lines.
    try {
        ranges_for("nobody", {}, h);
        FAIL("no error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(m.find("no subordinate uid range for user nobody in " + d.path + "/etc/subuid") == 0);
        CHECK(m.find("subuid:4: expected owner:start:count") != std::string::npos);
    }
    CHECK_THROWS_WITH_AS(ranges_for("ucrun", {}, h),
                         doctest::Contains("no subordinate gid range for group ucrun"), Error);
    // A range over a real account is refused, naming file and line.
    d.write("etc/subuid", "ucrun:200000:65536\nucrun:900:65536\n");
    d.write("etc/subgid", "ucrun:200000:65536\n");
    CHECK_THROWS_WITH_AS(ranges_for("ucrun", {}, h),
                         doctest::Contains("subuid:2: subordinate range 900-66435 of ucrun holds uid 999 of ucrun"),
                         Error);
    d.write("etc/subuid", "ucrun:200000:65536\n");
    d.write("etc/subgid", "ucrun:1:994\n");
    CHECK(ranges_for("ucrun", {}, h).gids == std::vector<IdRange>{{1, 994}});  // ends just below gid 995
    d.write("etc/subgid", "ucrun:1:995\n");
    CHECK_THROWS_WITH_AS(ranges_for("ucrun", {}, h), doctest::Contains("subgid:1: subordinate range 1-995 of ucrun holds gid 995 of ucrun"), Error);
    // Absent files: no ranges, no crash.
    CHECK_THROWS_AS(ranges_for("ucrun", {}, HostFiles{d.path + "/none"}), Error);
}
