// The exec trampoline (proc/trampoline.hpp): sealed, refuses to be written,
// runs the program it is given and nothing when started any other way.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "proc/trampoline.hpp"

using namespace ucrun;

namespace {
// Runs `fn` in a child with stdout/stderr to a pipe, and `parent` here
// meanwhile; returns (status, output).
template <class F, class P = void (*)()>
std::pair<int, std::string> in_child(F fn, P parent = [] {}) {
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
    parent();
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

namespace {
// A trampoline waiting for Start on one end of a socketpair (as the init
// leaves it, proc/init.cpp); `release` is what ucrun does with the other.
template <class F>
std::pair<int, std::string> on_start(const std::string& script, F release) {
    Fd t = proc::make_trampoline();
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
    Fd ucrun_end(sv[0]);
    const int init_end = sv[1];
    return in_child(
        [&] {
            ::fcntl(init_end, F_SETFD, 0);
            proc::exec_through_on_start(t.get(), init_end, "/bin/sh", {"sh", "-c", script, std::to_string(init_end)},
                                        {"PATH=/bin:/usr/bin"});
        },
        [&] {
            ::close(init_end);
            release(ucrun_end.get());
        });
}
}  // namespace

TEST_CASE("trampoline on start: Start runs the program, which no longer holds ucrun's socket") {
    bool eof = false;
    auto [rc, out] = on_start("[ -e /proc/self/fd/$0 ] && echo open || echo closed", [&](int fd) {
        REQUIRE(::send(fd, "s", 1, MSG_NOSIGNAL) == 1);
        char c;
        eof = ::recv(fd, &c, 1, 0) == 0;  // the end of the socket: executed
    });
    CHECK(rc == 0);
    CHECK(out == "closed\n");
    CHECK(eof);
}

TEST_CASE("trampoline on start: ucrun gone (1, silent), or anything but Start (126, said): nothing runs") {
    auto [rc, out] = on_start("echo ran", [](int fd) { ::shutdown(fd, SHUT_RDWR); });
    CHECK(rc == 1);
    CHECK(out.empty());
    auto [rc2, out2] = on_start("echo ran", [](int fd) { REQUIRE(::send(fd, "r", 1, MSG_NOSIGNAL) == 1); });
    CHECK(rc2 == 126);
    CHECK(out2 == "ucrun-dmz: no start message from ucrun (another message): not starting the process\n");
}

TEST_CASE("trampoline on start: a bad descriptor argument runs nothing") {
    Fd t = proc::make_trampoline();
    std::string self = "/proc/self/fd/" + std::to_string(t.get());
    for (const char* fd : {"", "x1", "99999999", "-1"}) {
        CAPTURE(fd);
        auto [rc, out] = in_child([&] {
            ::fcntl(t.get(), F_SETFD, 0);
            char* argv[] = {const_cast<char*>("ucrun-dmz\x02"), const_cast<char*>(fd), const_cast<char*>("/bin/echo"),
                            const_cast<char*>("echo"), const_cast<char*>("ran"), nullptr};
            char* envp[] = {nullptr};
            ::execve(self.c_str(), argv, envp);
        });
        CHECK(rc == 126);
        CHECK(out == "ucrun-dmz: no start message from ucrun (bad file descriptor): not starting the process\n");
    }
}

TEST_CASE("trampoline: execute-only (not dumpable from the exec on: fs/exec.c would_dump), yet executable by a user") {
    Fd t = proc::make_trampoline();
    struct stat st;
    REQUIRE(::fstat(t.get(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0111);
    // As a user that may not read it: still executed.
    auto [rc, out] = in_child([&] {
        ::fcntl(t.get(), F_SETFD, 0);
        if (::setgid(65534) < 0 || ::setuid(65534) < 0) ::_exit(98);
        std::string self = "/proc/self/fd/" + std::to_string(t.get());
        char* argv[] = {const_cast<char*>("ucrun-dmz\x01"), const_cast<char*>("/bin/sh"), const_cast<char*>("sh"),
                        const_cast<char*>("-c"), const_cast<char*>("echo run"), nullptr};
        char* envp[] = {nullptr};
        ::execve(self.c_str(), argv, envp);
    });
    CHECK(rc == 0);
    CHECK(out == "run\n");
}
