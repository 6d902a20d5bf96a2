// Writing a new user namespace's maps (userns/idmap.hpp write_maps,
// userns/map_writer.hpp write_maps_unprivileged) through the recording
// fake kernel: what is written to which /proc/<pid> file, in which order,
// and setgroups "deny" before an unprivileged gid_map (user_namespaces(7)).
#include <doctest/doctest.h>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "caught.hpp"
#include "fake_kernel.hpp"
#include "helpers.hpp"
#include "sys/error.hpp"
#include "userns/idmap.hpp"
#include "userns/map_writer.hpp"

using namespace ucrun;
using test::caught;

namespace {

struct MapFixture {
    test::FakeKernel k;
    MapFixture() {
        for (const char* f : {"/proc/42/uid_map", "/proc/42/gid_map", "/proc/42/setgroups"}) k.add_file(f);
    }
    std::vector<std::string> writes() const { return k.calls_of({"write("}); }
};

const std::vector<oci::IDMapping> kUids = {{0, 100000, 65536}, {65536, 1000, 1}};
const std::vector<oci::IDMapping> kGids = {{0, 200000, 1000}};

}  // namespace

TEST_CASE("as root: uid_map then gid_map, each in one write, setgroups left alone") {
    MapFixture f;
    userns::write_maps(f.k, 42, kUids, kGids, false, "linux.uidMappings", "linux.gidMappings");
    const std::vector<std::string> want = {"write(/proc/42/uid_map, 0 100000 65536\\n65536 1000 1\\n)",
                                           "write(/proc/42/gid_map, 0 200000 1000\\n)"};
    CHECK_MESSAGE(f.writes() == want, f.k.dump());
    CHECK(f.k.written("/proc/42/setgroups").empty());
}

TEST_CASE("deny_setgroups: setgroups is written before the maps") {
    MapFixture f;
    userns::write_maps(f.k, 42, kUids, kGids, true);
    const auto w = f.writes();
    REQUIRE(w.size() == 3);
    CHECK(w[0] == "write(/proc/42/setgroups, deny)");
    CHECK(w[2].rfind("write(/proc/42/gid_map, ", 0) == 0);
}

TEST_CASE("rootless, one line onto the caller's own ids: written by hand, setgroups denied before gid_map") {
    MapFixture f;
    f.k.set_ids(1000, 1001);
    userns::write_maps_unprivileged(f.k, 42, {{0, 1000, 1}}, {{0, 1001, 1}}, "linux.uidMappings",
                                    "linux.gidMappings");
    const std::vector<std::string> want = {"write(/proc/42/uid_map, 0 1000 1\\n)", "write(/proc/42/setgroups, deny)",
                                           "write(/proc/42/gid_map, 0 1001 1\\n)"};
    CHECK_MESSAGE(f.writes() == want, f.k.dump());

    // Without a gid map, setgroups stays as it is.
    MapFixture g;
    g.k.set_ids(1000, 1001);
    userns::write_maps_unprivileged(g.k, 42, {{0, 1000, 1}}, {}, "linux.uidMappings", "linux.gidMappings");
    CHECK(g.writes() == std::vector<std::string>{"write(/proc/42/uid_map, 0 1000 1\\n)"});
}

TEST_CASE("rootless, a range the caller does not own: refused naming the entry, nothing written") {
    TmpDir etc;
    etc.write("etc/passwd", "me:x:1000:1000::/home/me:/bin/sh\n");
    etc.write("etc/subuid", "me:100000:65536\n");
    etc.write("etc/subgid", "me:100000:65536\n");
    MapFixture f;
    f.k.set_ids(1000, 1000);
    auto e = caught<ConfigError>([&] {
        userns::write_maps_unprivileged(f.k, 42, {{0, 1000, 1}, {1, 500000, 10}}, {}, "linux.uidMappings",
                                        "linux.gidMappings", userns::HostFiles{etc.path});
    });
    CHECK(e.path() == "linux.uidMappings[1]");
    CHECK(std::string(e.what()).find("500000-500009") != std::string::npos);
    CHECK(f.writes().empty());
}

TEST_CASE("a map the kernel refuses names its field; a map over a page is refused before writing") {
    MapFixture f;
    f.k.fail("write(/proc/42/gid_map", EINVAL);
    auto e = caught<ConfigError>(
        [&] { userns::write_maps(f.k, 42, kUids, kGids, false, "linux.uidMappings", "linux.gidMappings"); });
    CHECK(e.path() == "linux.gidMappings");
    CHECK(e.code() == EINVAL);

    MapFixture g;
    std::vector<oci::IDMapping> many;
    for (uint32_t i = 0; i < 400; ++i) many.push_back({i * 10, 100000 + i * 10, 10});
    auto big = caught<ConfigError>([&] { userns::write_maps(g.k, 42, many, {}, false, "linux.uidMappings"); });
    CHECK(big.path() == "linux.uidMappings");
    CHECK(g.writes().empty());
}

// in_child_user_namespace: the initial namespace known by its nsfs inode,
// any other by its uid_map; a real child namespace (unshare in a forked
// child, which reports through its exit status).
TEST_CASE("in_child_user_namespace tells the initial user namespace from a child one") {
    if (::geteuid() != 0) return;  // the suite runs as root; a user namespace of ours would not be the initial one
    CHECK_FALSE(userns::in_child_user_namespace());
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (::unshare(CLONE_NEWUSER) < 0) ::_exit(2);
        ::_exit(userns::in_child_user_namespace() ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
