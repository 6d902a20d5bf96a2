// The exec trampoline (proc/trampoline.hpp): sealed, refuses to be written,
// runs the program it is given and nothing when started any other way.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "proc/trampoline.hpp"

using namespace ucrun;

namespace {
// Runs `fn` in a child with stdout/stderr to a pipe; returns (status, output).
template <class F>
std::pair<int, std::string> in_child(F fn) {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(p[1], 1);
        ::dup2(p[1], 2);
        fn();
        ::_exit(99);
    }
    ::close(p[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}
}  // namespace

TEST_CASE("trampoline: a sealed memfd that cannot be written") {
    Fd t = proc::make_trampoline();
    REQUIRE(t);
    int seals = ::fcntl(t.get(), F_GET_SEALS);
    CHECK((seals & F_SEAL_WRITE));
    CHECK((seals & F_SEAL_SEAL));
    CHECK((seals & F_SEAL_GROW));
    CHECK((seals & F_SEAL_SHRINK));
    CHECK((::fcntl(t.get(), F_GETFD) & FD_CLOEXEC));
    std::string self = "/proc/self/fd/" + std::to_string(t.get());
    int w = ::open(self.c_str(), O_WRONLY);
    if (w >= 0) {
        CHECK(::write(w, "x", 1) < 0);
        CHECK(errno == EPERM);
        CHECK(::ftruncate(w, 0) < 0);
        ::close(w);
    }
}

TEST_CASE("trampoline: runs the program with its argv and env") {
    Fd t = proc::make_trampoline();
    auto [rc, out] = in_child([&] { proc::exec_through(t.get(), "/bin/sh", {"sh", "-c", "echo $0 $V", "a"}, {"V=env"}); });
    CHECK(rc == 0);
    CHECK(out == "a env\n");
}

TEST_CASE("trampoline: a missing program is 127 with Go's wording, refusal otherwise 126") {
    Fd t = proc::make_trampoline();
    auto [rc, out] = in_child([&] { proc::exec_through(t.get(), "/nonexistent", {"x"}, {}); });
    CHECK(rc == 127);
    CHECK(out == "ucrun: exec /nonexistent: no such file or directory\n");
    // Started as an interpreter (argv[0] is not the marker): refuses.
    std::string self = "/proc/self/fd/" + std::to_string(t.get());
    auto [rc2, out2] = in_child([&] {
        ::fcntl(t.get(), F_SETFD, 0);
        char* argv[] = {const_cast<char*>("/proc/self/exe"), const_cast<char*>("/evil"), nullptr};
        char* envp[] = {nullptr};
        ::execve(self.c_str(), argv, envp);
    });
    CHECK(rc2 == 126);
    CHECK(out2.find("not a program to run") != std::string::npos);
}
