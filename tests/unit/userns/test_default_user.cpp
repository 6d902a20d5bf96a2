#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "helpers.hpp"
#include "userns/default_user.hpp"

using namespace ucrun;
using namespace ucrun::userns;

namespace {
// A minimal /etc for `useradd --prefix`: the four databases it locks and edits.
void minimal_etc(const TmpDir& d) {
    d.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    d.write("etc/group", "root:x:0:\n");
    d.write("etc/shadow", "root:*:19000:0:99999:7:::\n");
    d.write("etc/gshadow", "root:*::\n");
}
}  // namespace

TEST_CASE("range_start_above: above every range of both files, aligned, bounded") {
    SubidFile none;
    CHECK(range_start_above(none, none, 1u << 24) == 131072);  // 100000 rounded up to 65536
    auto u = parse_subid("a:100000:65536\nb:700000:1\n", "u");
    auto g = parse_subid("c:1000000:65536\n", "g");
    CHECK(range_start_above(u, none, 65536) == 720896);     // 700001 -> 11 * 65536
    CHECK(range_start_above(u, g, 65536) == 1114112);       // 1065536 -> 17 * 65536
    CHECK(range_start_above(u, g, 65536, 2000001) == 2031616);  // an account id 2000000 -> 31 * 65536
    auto top = parse_subid("x:4278190080:1\n", "u");         // 0xFF000000
    CHECK_THROWS_WITH_AS(range_start_above(top, none, 1u << 24), doctest::Contains("no room for 16777216"), Error);
    CHECK(range_start_above(top, none, 65536) == 4278255616u);
}

TEST_CASE("ensure_default_user: creates the user, group and ranges in a temporary /etc only, idempotently") {
    if (::geteuid() != 0) {
        MESSAGE("useradd --prefix needs root: skipped");
        return;
    }
    std::string real_etc = slurp("/etc/passwd") + slurp("/etc/group") + slurp("/etc/subuid") + slurp("/etc/subgid");
    TmpDir d;
    minimal_etc(d);
    d.write("etc/subuid", "alice:100000:65536\n");
    d.write("etc/subgid", "bob:600000:10");  // no final newline: the append must add one
    HostFiles h{d.path};

    Ranges r = ensure_default_user(h);
    CHECK(r.user == "ucrun");
    CHECK(r.uids == std::vector<IdRange>{{655360, kDefaultRangeSize}});
    CHECK(r.gids == r.uids);
    CHECK(d.read("etc/subuid") == "alice:100000:65536\nucrun:655360:16777216\n");
    CHECK(d.read("etc/subgid") == "bob:600000:10\nucrun:655360:16777216\n");
    auto pw = parse_id_db(d.read("etc/passwd"));
    auto gr = parse_id_db(d.read("etc/group"));
    REQUIRE(find_name(pw, "ucrun"));
    REQUIRE(find_name(gr, "ucrun"));
    CHECK(find_name(pw, "ucrun")->id < 1000);  // a system user
    CHECK(d.read("etc/passwd").find("ucrun:x:" + std::to_string(find_name(pw, "ucrun")->id) + ":" +
                                    std::to_string(find_name(gr, "ucrun")->id) +
                                    "::/nonexistent:/usr/sbin/nologin\n") != std::string::npos);
    // The host's own /etc was not touched, and no lock file is left.
    CHECK(slurp("/etc/passwd") + slurp("/etc/group") + slurp("/etc/subuid") + slurp("/etc/subgid") == real_etc);
    CHECK(::access((d.path + "/etc/subuid.lock").c_str(), F_OK) != 0);
    CHECK(::access((d.path + "/etc/subgid.lock").c_str(), F_OK) != 0);

    // Idempotent: nothing changes the second time.
    std::string files = d.read("etc/passwd") + d.read("etc/group") + d.read("etc/subuid") + d.read("etc/subgid");
    CHECK(ensure_default_user(h).uids == r.uids);
    CHECK(d.read("etc/passwd") + d.read("etc/group") + d.read("etc/subuid") + d.read("etc/subgid") == files);
}

TEST_CASE("ensure_default_user: a range in one file only, by uid, gets the other; a stale lock is taken over") {
    TmpDir d;
    minimal_etc(d);
    d.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nucrun:x:990:990::/nonexistent:/usr/sbin/nologin\n");
    d.write("etc/group", "root:x:0:\nucrun:x:990:\n");
    d.write("etc/subuid", "990:200000:65536\n");
    d.write("etc/subgid", "");
    // A lock left by a process that died.
    pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ::waitpid(dead, nullptr, 0);
    d.write("etc/subgid.lock", std::to_string(dead));

    Ranges r = ensure_default_user(HostFiles{d.path});
    CHECK(d.read("etc/subuid") == "990:200000:65536\n");  // left as it is
    CHECK(d.read("etc/subgid") == "ucrun:327680:16777216\n");
    CHECK(r.uids == std::vector<IdRange>{{200000, 65536}});
    CHECK(r.gids == std::vector<IdRange>{{327680, 16777216}});
}

TEST_CASE("ensure_default_user: the new range is placed above every account id too") {
    TmpDir d;
    minimal_etc(d);
    d.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nucrun:x:990:990::/nonexistent:/usr/sbin/nologin\n"
                          "ldapish:x:3000000:3000000::/home/l:/bin/sh\n");
    d.write("etc/group", "root:x:0:\nucrun:x:990:\nbig:x:5000000:\n");
    Ranges r = ensure_default_user(HostFiles{d.path});
    CHECK(r.uids == std::vector<IdRange>{{5046272, kDefaultRangeSize}});  // 5000001 -> 77 * 65536
    CHECK(r.gids == r.uids);
}

TEST_CASE("ensure_default_user: a name that useradd would take for an option is refused") {
    TmpDir d;
    minimal_etc(d);
    CHECK_THROWS_WITH_AS(ensure_default_user(HostFiles{d.path}, "--help"), doctest::Contains("invalid user name"),
                         Error);
    CHECK_THROWS_WITH_AS(ensure_default_user(HostFiles{d.path}, "a b"), doctest::Contains("invalid user name"), Error);
    CHECK(d.read("etc/passwd") == "root:x:0:0:root:/root:/bin/bash\n");
}

TEST_CASE("ensure_default_user: concurrent callers append one range, not several") {
    TmpDir d;
    minimal_etc(d);
    d.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nucrun:x:990:990::/nonexistent:/usr/sbin/nologin\n");
    d.write("etc/group", "root:x:0:\nucrun:x:990:\n");
    CHECK(in_children(6, [&](int) { ensure_default_user(HostFiles{d.path}); }));
    CHECK(d.read("etc/subuid") == "ucrun:131072:16777216\n");
    CHECK(d.read("etc/subgid") == "ucrun:131072:16777216\n");
}
