#include <doctest/doctest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/kernel.hpp"
#include "userns/idmap.hpp"
#include "userns/joined.hpp"

using namespace ucrun;
using namespace ucrun::userns;
using M = oci::IDMapping;

TEST_CASE("joined: parse_map reads the kernel's padded columns") {
    auto m = parse_map("         0     100000      65536\n     65536     300000          1\n", "uid_map");
    REQUIRE(m.size() == 2);
    CHECK(m[0].containerID == 0);
    CHECK(m[0].hostID == 100000);
    CHECK(m[0].size == 65536);
    CHECK(m[1].containerID == 65536);
    CHECK(m[1].hostID == 300000);
    CHECK(m[1].size == 1);
    CHECK(parse_map("", "uid_map").empty());  // a namespace whose map is not written yet
    CHECK(parse_map("0 0 4294967295\n", "uid_map")[0].size == 4294967295u);
}

TEST_CASE("joined: parse_map refuses what is not three numbers a line") {
    CHECK_THROWS_WITH_AS(parse_map("0 100000\n", "/proc/1/uid_map"),
                         "/proc/1/uid_map: not a user namespace map: \"0 100000\\x0a\"", Error);
    CHECK_THROWS_AS(parse_map("0 x 1\n", "uid_map"), Error);
    CHECK_THROWS_AS(parse_map("0 0 4294967296\n", "uid_map"), Error);
}

TEST_CASE("idmap: next_map_line takes one line at a time and says where it stopped") {
    std::string_view t = "         0          0 4294967295\n     65536     300000          1";
    auto a = next_map_line(t);
    REQUIRE(a);
    CHECK(a->first == 0);
    CHECK(a->lower == 0);
    CHECK(a->count == 4294967295u);
    auto b = next_map_line(t);
    REQUIRE(b);
    CHECK(b->first == 65536);
    CHECK(b->lower == 300000);
    CHECK(b->count == 1);
    CHECK_FALSE(next_map_line(t));
    CHECK(t.empty());  // the end, not an error
    for (std::string_view bad : {"0 1\n", "0 1 2 3\n", "0 -1 2\n", "0 +1 2\n", "a b c", "0 1 2x"}) {
        std::string_view r = bad;
        CHECK_FALSE(next_map_line(r));
        CHECK_FALSE(r.empty());
    }
}

TEST_CASE("joined: same_mapping ignores the order of ranges, nothing else") {
    std::vector<M> a{{0, 100000, 65536}, {65536, 300000, 1}};
    std::vector<M> b{{65536, 300000, 1}, {0, 100000, 65536}};
    CHECK(same_mapping(a, b));
    CHECK(same_mapping({}, {}));
    CHECK_FALSE(same_mapping(a, {{0, 100000, 65536}}));
    CHECK_FALSE(same_mapping({{0, 100000, 65536}}, {{0, 100000, 65535}}));
    CHECK_FALSE(same_mapping({{0, 100000, 65536}}, {{0, 100001, 65536}}));
    CHECK_FALSE(same_mapping({{0, 100000, 65536}}, {{1, 100000, 65536}}));
    // Two splittings of the same ids are different mappings to the kernel.
    CHECK_FALSE(same_mapping({{0, 100000, 2}}, {{0, 100000, 1}, {1, 100001, 1}}));
}

TEST_CASE("joined: describe") {
    CHECK(describe({}) == "none");
    CHECK(describe({{0, 100000, 65536}, {65536, 300000, 1}}) == "0:100000:65536,65536:300000:1");
}

namespace {

// A child in a new user namespace with the given maps, until destroyed.
struct NsChild {
    pid_t pid = -1;
    int wake = -1;
    NsChild(const std::vector<M>& uids, const std::vector<M>& gids) {
        int ready[2], w[2];
        REQUIRE(::pipe(ready) == 0);
        REQUIRE(::pipe(w) == 0);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(ready[0]);
            ::close(w[1]);
            char c = ::unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
            if (::write(ready[1], &c, 1) != 1) ::_exit(1);
            while (::read(w[0], &c, 1) > 0) {
            }
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(w[0]);
        wake = w[1];
        char c = 0;
        REQUIRE(::read(ready[0], &c, 1) == 1);
        ::close(ready[0]);
        REQUIRE(c == 'y');
        write_maps(sys::linux_kernel(), pid, uids, gids, false);
    }
    ~NsChild() {
        ::close(wake);
        ::waitpid(pid, nullptr, 0);
    }
};

std::string error_of(const oci::Linux& l) {
    try {
        check_joined_mappings(l);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("joined: the maps of a real user namespace, by /proc/<pid>/ns/user and through setns") {
    if (::geteuid() != 0) return;  // writing maps of other ids needs host root
    std::vector<M> uids{{0, 100000, 65536}, {65536, 300000, 1}};
    std::vector<M> gids{{0, 200000, 1000}};
    NsChild ns(uids, gids);
    const std::string pid = std::to_string(ns.pid);
    // The fast path (a descriptor of /proc/<pid>) and the forked reader
    // (any other path: here the task's own link) agree.
    for (const std::string& path : {"/proc/" + pid + "/ns/user", "/proc/" + pid + "/task/" + pid + "/ns/user"}) {
        CAPTURE(path);
        Maps m = read_maps(path, "linux.namespaces[0].path");
        CHECK(same_mapping(m.uids, uids));
        CHECK(same_mapping(m.gids, gids));

        oci::Linux l;
        l.namespaces.push_back({"user", path});
        l.uidMappings = {{65536, 300000, 1}, {0, 100000, 65536}};
        l.gidMappings = gids;
        CHECK(error_of(l) == "");
        l.gidMappings = {{0, 200000, 1001}};
        CHECK(error_of(l) == "config.json: linux.gidMappings: differs from the mapping of the user namespace joined at " +
                                 path + " (linux.namespaces[0].path): config.json has 0:200000:1001, the namespace has "
                                        "0:200000:1000 (containerID:hostID:size)");
        l.gidMappings = gids;
        l.uidMappings = {{0, 100000, 65536}};
        CHECK(error_of(l) == "config.json: linux.uidMappings: differs from the mapping of the user namespace joined at " +
                                 path + " (linux.namespaces[0].path): config.json has 0:100000:65536, the namespace has "
                                        "0:100000:65536,65536:300000:1 (containerID:hostID:size)");
    }
}

TEST_CASE("joined: errors name the namespace's path field") {
    oci::Linux l;
    l.namespaces.push_back({"network", std::nullopt});
    l.namespaces.push_back({"user", std::string("/proc/self/ns/net")});
    l.uidMappings = {{0, 100000, 65536}};
    CHECK(error_of(l) == "config.json: linux.namespaces[1].path: /proc/self/ns/net is not a user namespace");
    l.namespaces[1].path = "/nonexistent/ns";
    CHECK(error_of(l) == "config.json: linux.namespaces[1].path: open user namespace /nonexistent/ns: No such file or directory");
    // Nothing to compare: no mappings, or a new user namespace.
    l.uidMappings.clear();
    CHECK(error_of(l) == "");
    l.uidMappings = {{0, 100000, 65536}};
    l.namespaces[1].path.reset();
    CHECK(error_of(l) == "");
}
