// sys::write_file_atomic_at on the real kernel: the temporary file is made
// new (O_EXCL), so a link someone put at a temporary name is never written
// through or truncated, and a stale one of our own pid is replaced.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "sys/fd.hpp"
#include "sys/io.hpp"

namespace {

struct Scratch {
    std::string dir;
    Scratch() {
        char t[] = "/tmp/ucrun-write-atomic-XXXXXX";
        REQUIRE(::mkdtemp(t));
        dir = t;
    }
    ~Scratch() {
        if (std::system(("rm -rf " + dir).c_str()) != 0) {
        }
    }
};

}  // namespace

TEST_CASE("write_file_atomic_at: never writes through what lies at a temporary name") {
    Scratch s;
    ucrun::Fd dir(::open(s.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dir);
    ucrun::sys::write_file_atomic_at(dir.get(), "victim", "keep", 0644);
    // A hard link of the victim at our own temporary name (left, say, by a
    // process of our pid long gone), and a symlink at the fixed name the
    // function once used.
    const std::string mine = "f.tmp." + std::to_string(::getpid());
    REQUIRE(::linkat(dir.get(), "victim", dir.get(), mine.c_str(), 0) == 0);
    REQUIRE(::symlinkat("victim", dir.get(), "f.tmp") == 0);

    ucrun::sys::write_file_atomic_at(dir.get(), "f", "new", 0600);
    CHECK(ucrun::sys::read_file_at(dir.get(), "f") == "new");
    CHECK(ucrun::sys::read_file_at(dir.get(), "victim") == "keep");
    struct stat st {};
    REQUIRE(::fstatat(dir.get(), "victim", &st, 0) == 0);
    CHECK(st.st_nlink == 1);  // the link was removed, not written through
    CHECK((st.st_mode & 0777) == 0644);
    REQUIRE(::fstatat(dir.get(), "f", &st, 0) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(::faccessat(dir.get(), mine.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0);  // renamed away
    CHECK(::faccessat(dir.get(), "f.tmp", F_OK, AT_SYMLINK_NOFOLLOW) == 0);       // not ours: untouched
}
