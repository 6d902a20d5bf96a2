#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "sys/error.hpp"
#include "helpers.hpp"
#include "userns/allocator.hpp"

using namespace ucrun;
using namespace ucrun::userns;

namespace {
Ranges ranges(std::vector<IdRange> uids, std::vector<IdRange> gids) {
    Ranges r;
    r.user = r.group = "ucrun";
    r.subuid = "/etc/subuid";
    r.subgid = "/etc/subgid";
    r.uids = std::move(uids);
    r.gids = std::move(gids);
    return r;
}
// What create does: the container's directory under the state root.
void container_dir(const std::string& root, const std::string& id) {
    ::mkdir(root.c_str(), 0711);
    REQUIRE(::mkdir((root + "/" + id).c_str(), 0700) == 0);
}
// Runs f in a child process that then exits, as `ucrun create` does.
template <typename F>
void in_child(F&& f) {
    REQUIRE(in_children(1, [&](int) { f(); }));
}
}  // namespace

TEST_CASE("allocator: disjoint blocks, idempotence, exhaustion, release") {
    TmpDir d;
    std::string root = d.path + "/state";
    Allocator a(root);
    auto r = ranges({{100000, 3 * 65536}}, {{200000, 3 * 65536}});
    Block b1 = a.allocate("c1", r, 65536, Mode::PerContainer);
    Block b2 = a.allocate("c2", r, 65536, Mode::PerContainer);
    Block b3 = a.allocate("c3", r, 65536, Mode::PerContainer);
    CHECK(b1 == Block{{100000, 65536}, {200000, 65536}});
    CHECK(b2 == Block{{165536, 65536}, {265536, 65536}});
    CHECK(b3 == Block{{231072, 65536}, {331072, 65536}});
    CHECK(a.allocate("c2", r, 65536, Mode::PerContainer) == b2);  // same id, same block
    CHECK(a.find("c2") == b2);
    CHECK_FALSE(a.find("c9"));
    CHECK_THROWS_WITH_AS(a.allocate("c2", r, 1000, Mode::PerContainer),
                         doctest::Contains("container c2 already has a per-container block of 65536 ids"), Error);
    try {
        a.allocate("c4", r, 65536, Mode::PerContainer);
        FAIL("no exhaustion");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(m.find("no free block of 65536 uids for container c4") != std::string::npos);
        CHECK(m.find("user ucrun: uids 100000-296607 in /etc/subuid, gids 200000-396607 in /etc/subgid") !=
              std::string::npos);
        CHECK(m.find("3 blocks allocated in " + root + "/.userns/allocations.json") != std::string::npos);
    }
    a.release("c2");
    a.release("c2");       // twice: nothing
    a.release("never");    // never allocated: nothing
    CHECK_FALSE(a.find("c2"));
    CHECK(a.allocate("c4", r, 65536, Mode::PerContainer) == b2);  // the freed block
    CHECK_THROWS_WITH_AS(a.allocate("../x", r, 1, Mode::PerContainer), doctest::Contains("invalid container id"),
                         Error);
    CHECK_THROWS_AS(a.allocate("c5", r, 0, Mode::PerContainer), Error);
}

TEST_CASE("allocator: carves across several ranges, first fit") {
    TmpDir d;
    Allocator a(d.path);
    auto r = ranges({{100000, 1000}, {300000, 5000}}, {{100000, 10000}});
    CHECK(a.allocate("a", r, 2000, Mode::PerContainer) == Block{{300000, 2000}, {100000, 2000}});
    CHECK(a.allocate("b", r, 500, Mode::PerContainer) == Block{{100000, 500}, {102000, 500}});
    CHECK(a.allocate("c", r, 3000, Mode::PerContainer) == Block{{302000, 3000}, {102500, 3000}});
    CHECK_THROWS_WITH_AS(a.allocate("d", r, 501, Mode::PerContainer), doctest::Contains("no free block of 501 uids"),
                         Error);
}

TEST_CASE("allocator: shared is the first range for everyone, and per-container blocks stay out of it") {
    TmpDir d;
    Allocator a(d.path);
    auto r = ranges({{100000, 65536}, {300000, 65536}}, {{100000, 65536}, {300000, 65536}});
    Block s = a.allocate("s1", r, 65536, Mode::Shared);
    CHECK(s == Block{{100000, 65536}, {100000, 65536}});
    CHECK(a.allocate("s2", r, 65536, Mode::Shared) == s);
    CHECK(a.allocate("s3", r, 1000, Mode::Shared) == Block{{100000, 1000}, {100000, 1000}});  // cut to size
    CHECK(a.allocate("p1", r, 65536, Mode::PerContainer) == Block{{300000, 65536}, {300000, 65536}});
    a.release("s1"), a.release("s2"), a.release("s3"), a.release("p1");
    a.allocate("p2", r, 1000, Mode::PerContainer);
    CHECK_THROWS_WITH_AS(a.allocate("s4", r, 65536, Mode::Shared), doctest::Contains("in use by per-container"),
                         Error);
}

TEST_CASE("allocator: recovery after a crash between allocate and create, and after a lost release") {
    TmpDir d;
    std::string root = d.path + "/state";
    Allocator a(root);
    auto r = ranges({{100000, 2 * 1000}}, {{100000, 2 * 1000}});
    // A container that was created, then (below) deleted without release.
    container_dir(root, "deleted");
    in_child([&] { a.allocate("deleted", r, 1000, Mode::PerContainer); });
    // A create that allocated, then died before making its directory.
    in_child([&] { a.allocate("crashed", r, 1000, Mode::PerContainer); });
    REQUIRE(a.find("crashed"));
    REQUIRE(a.find("deleted"));
    // While its directory exists, "deleted" keeps its block; "crashed" is reclaimed.
    container_dir(root, "x");
    CHECK(a.allocate("x", r, 1000, Mode::PerContainer) == Block{{101000, 1000}, {101000, 1000}});
    CHECK_FALSE(a.find("crashed"));
    CHECK(a.find("deleted"));
    CHECK_THROWS_AS(a.allocate("y", r, 1000, Mode::PerContainer), Error);
    ::rmdir((root + "/deleted").c_str());
    CHECK(a.allocate("y", r, 1000, Mode::PerContainer) == Block{{100000, 1000}, {100000, 1000}});
    // A create still running between allocate and its directory (this
    // process: alive) keeps its block: "y" has no directory but is not taken.
    CHECK_THROWS_AS(a.allocate("z", r, 1000, Mode::PerContainer), Error);
    CHECK(a.find("y"));
}

TEST_CASE("allocator: a create retried after a crash takes its block over") {
    TmpDir d;
    std::string root = d.path + "/state";
    Allocator a(root);
    auto r = ranges({{100000, 1000}}, {{100000, 1000}});
    in_child([&] { a.allocate("retried", r, 1000, Mode::PerContainer); });  // then crashed
    // The retry (this process, alive, no directory yet) gets the same block...
    CHECK(a.allocate("retried", r, 1000, Mode::PerContainer) == Block{{100000, 1000}, {100000, 1000}});
    // ...and another create cannot reclaim it meanwhile.
    CHECK_FALSE(in_children(1, [&](int) { a.allocate("other", r, 1000, Mode::PerContainer); }));
    CHECK(a.find("retried"));
    CHECK_FALSE(a.find("other"));
}

TEST_CASE("allocator: a corrupt registry is refused, naming the file") {
    TmpDir d;
    Allocator a(d.path);
    auto r = ranges({{100000, 1000}}, {{100000, 1000}});
    a.allocate("ok", r, 10, Mode::PerContainer);
    for (const char* bad : {"{not json", "[]", R"({"allocations":{"/s/..":{}}})",
                            R"({"allocations":{"s/a":{"uid":[1,1],"gid":[1,1],"mode":"shared","user":"u"}}})",
                            R"({"allocations":{"/s/a":{"uid":[0,10],"gid":[1,1],"mode":"shared","user":"u"}}})",
                            R"({"allocations":{"/s/a":{"uid":[4294967290,10],"gid":[1,1],"mode":"shared","user":"u"}}})",
                            // start + count wraps to 100010 in 64 bits
                            R"({"allocations":{"/s/a":{"uid":[4295067296,18446744069414584330],"gid":[1,1],"mode":"shared","user":"u"}}})",
                            R"({"allocations":{"/s/a":{"uid":[1,1],"gid":[1,1],"mode":"other","user":"u"}}})",
                            R"({"allocations":{"/s/a":{"uid":[1,1],"gid":[1,1],"mode":"shared"}}})",
                            R"({"allocations":{"/s/a":{"uid":[1,1],"gid":[1,1],"mode":"shared","user":"u"},)"
                            R"("/s/a":{"uid":[1],"gid":[1,1],"mode":"shared","user":"u"}}})"}) {
        CAPTURE(bad);
        d.write(".userns/allocations.json", bad);
        CHECK_THROWS_WITH_AS(a.allocate("b", r, 10, Mode::PerContainer),
                             doctest::Contains((d.path + "/.userns/allocations.json").c_str()), Error);
    }
    // Nesting beyond the parser's bound, and a NUL after the object: refused, not a crash.
    for (const std::string& bad : {std::string(20000, '[') + std::string(20000, ']'),
                                   std::string(R"({"allocations":{}})") + std::string(1, '\0')}) {
        d.write(".userns/allocations.json", bad);
        CHECK_THROWS_AS(a.allocate("b", r, 10, Mode::PerContainer), Error);
    }
}

TEST_CASE("allocator: a repeated key in the registry is read as its last value, as nlohmann's DOM holds it") {
    TmpDir d;
    Allocator a(d.path);
    auto r = ranges({{100000, 1000}}, {{100000, 1000}});
    // The first entry is damaged; the last one (the one read) holds
    // 100000-100009 for a container whose directory exists (d.path).
    const std::string key = "\"" + d.path + "\"";
    d.write(".userns/allocations.json",
            R"({"allocations":{)" + key + R"(:{"uid":"x"},)" + key + R"(:{"uid":[100000,10],"gid":[100000,10],)"
            R"("mode":"per-container","user":"u","pid":1,"start_time":1}}})");
    const Block b = a.allocate("b", r, 10, Mode::PerContainer);
    CHECK(b.uid.start == 100010);
}

TEST_CASE("allocator: one registry for several state roots keeps their blocks disjoint") {
    // Engines pass their own --root; the ids come from one host range.
    TmpDir d;
    const std::string reg = d.path + "/registry";
    Allocator docker(d.path + "/docker", reg), podman(d.path + "/podman", reg);
    auto r = ranges({{100000, 3 * 1000}}, {{100000, 3 * 1000}});
    container_dir(d.path + "/docker", "c");
    container_dir(d.path + "/podman", "c");
    Block a = docker.allocate("c", r, 1000, Mode::PerContainer);
    Block b = podman.allocate("c", r, 1000, Mode::PerContainer);  // the same id, another root
    CHECK(a.uid.start != b.uid.start);
    CHECK(docker.find("c") == a);
    CHECK(podman.find("c") == b);
    podman.release("c");
    CHECK(docker.find("c") == a);
    CHECK_FALSE(podman.find("c"));
    CHECK(docker.registry() == reg + "/allocations.json");
    CHECK(d.read("registry/allocations.json").find("\"" + d.path + "/docker/c\"") != std::string::npos);
}

TEST_CASE("allocator: 8 processes allocating 8 containers each get 64 disjoint blocks") {
    TmpDir d;
    std::string root = d.path + "/state";
    ::mkdir(root.c_str(), 0711);
    auto r = ranges({{100000, 64 * 4096}}, {{500000, 64 * 4096}});
    // Each makes the container's directory first, as create does: a child
    // exits after its allocations, and a block without directory whose
    // allocator is gone would be reclaimed by its siblings.
    CHECK(in_children(8, [&](int i) {
        Allocator a(root);
        for (int j = 0; j < 8; ++j) {
            std::string id = "c" + std::to_string(i) + "-" + std::to_string(j);
            ::mkdir((root + "/" + id).c_str(), 0700);
            a.allocate(id, r, 4096, Mode::PerContainer);
        }
    }));
    Allocator a(root);
    std::vector<IdRange> u, g;
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) {
            auto b = a.find("c" + std::to_string(i) + "-" + std::to_string(j));
            REQUIRE(b);
            u.push_back(b->uid);
            g.push_back(b->gid);
        }
    for (auto* v : {&u, &g}) {
        std::sort(v->begin(), v->end(), [](auto& x, auto& y) { return x.start < y.start; });
        for (size_t k = 1; k < v->size(); ++k) CHECK((*v)[k - 1].end() <= (*v)[k].start);
    }
    CHECK(u.front().start == 100000);
    CHECK(u.back().end() == 100000 + 64 * 4096);
}
