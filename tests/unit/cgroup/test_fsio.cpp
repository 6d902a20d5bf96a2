// cgroup/fsio and apply_writes on plain directories (no root, no cgroup
// file system): the system-call-saving paths of issue 17 keep their
// contract.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cgroup/fsio.hpp"
#include "cgroup/impl.hpp"
#include "sys/error.hpp"

using namespace ucrun::cgroup;
namespace fs = std::filesystem;

namespace {

struct TmpDir {
    std::string path;
    TmpDir() {
        char tmpl[] = "/tmp/ucrun-unit-fsio-XXXXXX";
        REQUIRE(::mkdtemp(tmpl));
        path = tmpl;
    }
    ~TmpDir() { fs::remove_all(path); }
};

std::string slurp(const std::string& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("mkdir_p: makes the missing directories, outermost first, and nothing when all exist") {
    TmpDir t;
    const std::string leaf = t.path + "/a/b/c";
    CHECK(mkdir_p(leaf) == std::vector<std::string>{t.path + "/a", t.path + "/a/b", leaf});
    CHECK(fs::is_directory(leaf));
    CHECK(mkdir_p(leaf).empty());                                   // one mkdir, EEXIST
    CHECK(mkdir_p(leaf + "/d") == std::vector<std::string>{leaf + "/d"});  // parents there
    // A file in the way is an error naming the directory, never a loop.
    std::ofstream(t.path + "/file").put('x');
    const std::string want = "mkdir " + t.path + "/file";
    CHECK_THROWS_WITH_AS(mkdir_p(t.path + "/file/x/y"), doctest::Contains(want.c_str()), ucrun::SysError);
}

TEST_CASE("remove_cgroup: an empty directory in one rmdir, child directories first otherwise") {
    TmpDir t;
    CHECK_NOTHROW(remove_cgroup(t.path + "/gone"));  // absent is fine
    fs::create_directories(t.path + "/cg/child/grandchild");
    remove_cgroup(t.path + "/cg");
    CHECK_FALSE(fs::exists(t.path + "/cg"));
}

TEST_CASE("apply_writes: consecutive writes to one file go through one open file") {
    // A cgroup file takes each write(2) as one value whatever the offset;
    // a regular file shows the difference: written through one open file
    // the values follow each other, opened again for each (O_TRUNC) only
    // the last would be left.
    TmpDir t;
    for (const char* f : {"devices.allow", "devices.deny", "pids.max"}) std::ofstream(t.path + "/" + f).put('?');
    std::vector<Write> w = {
        {"devices", "devices.deny", "a *:* rwm"},
        {"devices", "devices.allow", "c 1:3 rwm"},
        {"devices", "devices.allow", "c 1:5 rwm"},
        {"devices", "devices.allow", "c 1:7 rwm"},
        {"pids", "pids.max", "10"},
        {"pids", "pids.max", "20"},
    };
    apply_writes(w, [&](const std::string&) { return t.path; }, false);
    CHECK(slurp(t.path + "/devices.deny") == "a *:* rwm");
    CHECK(slurp(t.path + "/devices.allow") == "c 1:3 rwmc 1:5 rwmc 1:7 rwm");
    CHECK(slurp(t.path + "/pids.max") == "1020");
    // A missing file still fails naming it (the open of the shared file
    // fails, the write is tried alone and reports).
    std::vector<Write> missing = {{"devices", "nope.allow", "a"}, {"devices", "nope.allow", "b"}};
    const std::string want = "write " + t.path + "/nope.allow = a";
    CHECK_THROWS_WITH_AS(apply_writes(missing, [&](const std::string&) { return t.path; }, false),
                         doctest::Contains(want.c_str()), ucrun::SysError);
}
