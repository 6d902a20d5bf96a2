// /dev/console becomes the pty slave (proc/terminal.hpp bind_console),
// through the fake kernel: what the rootfs put there is removed, never
// followed (CVE-2025-52565), and the slave is bound onto a plain file.
#include <doctest/doctest.h>

#include <fcntl.h>

#include <string>
#include <vector>

#include "caught.hpp"
#include "fake_kernel.hpp"
#include "proc/terminal.hpp"
#include "sys/error.hpp"

using namespace ucrun;

TEST_CASE("a symlink at /dev/console is removed, a file made, the slave bound onto it") {
    test::FakeKernel k;
    k.add_dir("/");
    k.add_dir("/dev");
    k.add_file("/etc/shadow");
    REQUIRE(k.symlinkat("/etc/shadow", AT_FDCWD, "/dev/console") == 0);
    k.add_chr("/dev/pts/0", 136, 0);
    const int slave = k.open_handle("/dev/pts/0");
    proc::bind_console(k, slave);
    const std::vector<std::string> want = {
        "unlinkat(/dev, console)",
        "openat(/dev, console, O_NOFOLLOW|O_CREAT|O_WRONLY)",
        "openat(/dev, console, O_PATH|O_NOFOLLOW)",
        "open_tree(/dev/pts/0, \"\", CLONE|EMPTY_PATH)",
        "move_mount(tree:/dev/pts/0 -> /dev/console)",
    };
    CHECK_MESSAGE(k.calls_of({"unlinkat(", "openat(/dev", "open_tree(", "move_mount("}) == want, k.dump());
    CHECK(k.calls_of({"openat(cwd, /etc"}).empty());  // the link's target is never opened
}

TEST_CASE("a plain /dev/console stays; a directory there is refused; no /dev, nothing to do") {
    test::FakeKernel k;
    k.add_dir("/");
    k.add_dir("/dev");
    k.add_file("/dev/console");
    k.add_chr("/dev/pts/0", 136, 0);
    proc::bind_console(k, k.open_handle("/dev/pts/0"));
    CHECK(k.calls_of({"unlinkat("}).empty());
    CHECK(k.calls_of({"move_mount("}).size() == 1);

    test::FakeKernel d;
    d.add_dir("/");
    d.add_dir("/dev");
    d.add_dir("/dev/console");
    CHECK(std::string(test::caught<Error>([&] { proc::bind_console(d, d.open_handle("/dev/pts/0")); }).what()) ==
          "/dev/console in the container is a directory");
    CHECK(d.calls_of({"move_mount("}).empty());

    test::FakeKernel n;
    n.add_dir("/");
    proc::bind_console(n, n.open_handle("/dev/pts/0"));
    CHECK(n.mount_calls().empty());
}
