// process.args[0] resolved as runc (Go's exec.LookPath) does, through the
// fake kernel: the search along PATH, what is skipped, runc's wording.
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "caught.hpp"
#include "fake_kernel.hpp"
#include "proc/exec_path.hpp"
#include "sys/error.hpp"

using namespace ucrun;
using test::caught;

TEST_CASE("PATH is searched in order; a directory and a file that cannot be executed are skipped") {
    test::FakeKernel k;
    k.add_dir("/a/sh");
    k.add_file("/b/sh");
    k.add_file("/c/sh");
    k.fail("faccessat2(cwd, /b/sh)", EACCES);
    CHECK(proc::resolve_executable(k, "sh", {"PATH=/a:/b:/c"}) == "/c/sh");
    CHECK(k.calls_of({"faccessat2("}) ==
          std::vector<std::string>{"faccessat2(cwd, /b/sh) = EACCES", "faccessat2(cwd, /c/sh)"});
    // Without PATH, the default one (runc's).
    test::FakeKernel d;
    d.add_file("/usr/bin/sh");
    CHECK(proc::resolve_executable(d, "sh", {"HOME=/"}) == "/usr/bin/sh");
    CHECK(caught<Error>([&] { proc::resolve_executable(d, "nope", {}); }).what() ==
          std::string("exec: \"nope\": executable file not found in $PATH"));
}

TEST_CASE("a path with a slash: runc's errors; without faccessat2 the mode bits decide") {
    test::FakeKernel k;
    CHECK(caught<Error>([&] { proc::resolve_executable(k, "/bin/x", {}); }).what() ==
          std::string("exec: \"/bin/x\": stat /bin/x: no such file or directory"));
    k.add_dir("/bin/d");
    CHECK(caught<Error>([&] { proc::resolve_executable(k, "/bin/d", {}); }).what() ==
          std::string("exec: \"/bin/d\": is a directory"));

    test::FakeKernel s;  // a seccomp profile refusing faccessat2 (ENOSYS)
    s.add_file("/bin/sh");
    s.fail("faccessat2(", ENOSYS);
    CHECK(caught<Error>([&] { proc::resolve_executable(s, "/bin/sh", {}); }).what() ==
          std::string("exec: \"/bin/sh\": permission denied"));  // 0644
    s.chmod_node("/bin/sh", 0755);
    CHECK(proc::resolve_executable(s, "/bin/sh", {}) == "/bin/sh");
}
