// mount::open_in_root on a real directory tree: O_NOFOLLOW keeps the last
// symlink unfollowed however the path ends ("x/", "x/.", "x//./").
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "mount/path.hpp"
#include "sys/kernel.hpp"

using namespace ucrun;

TEST_CASE("open_in_root: O_NOFOLLOW opens a last symlink itself, also spelled with a trailing / or /.") {
    char tmpl[] = "/tmp/ucrun-oir.XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string root = tmpl;
    REQUIRE(::mkdir((root + "/real").c_str(), 0755) == 0);
    REQUIRE(::symlink("/real", (root + "/proc").c_str()) == 0);
    const auto& k = sys::linux_kernel();
    Fd rootfd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(rootfd);
    auto mode_of = [&](const std::string& p, int flags) {
        Fd fd = mount::open_in_root(k, rootfd.get(), p, flags);
        struct stat st {};
        REQUIRE(fd);
        REQUIRE(::fstatat(fd.get(), "", &st, AT_EMPTY_PATH) == 0);
        return st.st_mode & S_IFMT;
    };
    for (const char* p : {"/proc", "/proc/", "/proc/.", "/proc//./", "proc/"}) {
        CAPTURE(p);
        CHECK(mode_of(p, O_NOFOLLOW) == S_IFLNK);
        CHECK(mode_of(p, 0) == S_IFDIR);  // followed, inside the root: /real
    }
    CHECK(mode_of("/", O_NOFOLLOW) == S_IFDIR);
    CHECK(mode_of("/.", O_NOFOLLOW) == S_IFDIR);
    ::unlink((root + "/proc").c_str());
    ::rmdir((root + "/real").c_str());
    ::rmdir(root.c_str());
}
