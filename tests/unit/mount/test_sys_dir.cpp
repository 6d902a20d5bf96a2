// sys::Dir (src/sys/dir.hpp): the stream owns its fd, on success and on
// failure.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>

#include "sys/dir.hpp"

using namespace ucrun;

namespace {
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }
}  // namespace

TEST_CASE("sys::Dir reads a directory and closes its fd when it goes") {
    char tmpl[] = "/tmp/ucrun-dir-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string dir = tmpl;
    for (const char* n : {"a", "b"}) {
        int fd = ::open((dir + "/" + n).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        ::close(fd);
    }
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    std::set<std::string> names;
    {
        sys::Dir d = sys::fdopen_dir(fd);
        REQUIRE(d);
        while (struct dirent* e = ::readdir(d.get())) names.insert(e->d_name);
        CHECK(is_open(fd));
    }
    CHECK_FALSE(is_open(fd));
    CHECK(names == std::set<std::string>{".", "..", "a", "b"});
    ::unlink((dir + "/a").c_str());
    ::unlink((dir + "/b").c_str());
    ::rmdir(dir.c_str());
}

TEST_CASE("sys::fdopen_dir: a file that is no directory gives ENOTDIR, and its fd is closed") {
    const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    errno = 0;
    sys::Dir d = sys::fdopen_dir(fd);
    CHECK_FALSE(d);
    CHECK(errno == ENOTDIR);
    CHECK_FALSE(is_open(fd));
}

TEST_CASE("sys::fdopen_dir: a failed open passed straight in keeps its errno") {
    errno = ENOENT;
    CHECK_FALSE(sys::fdopen_dir(-1));
    CHECK(errno == ENOENT);
}
