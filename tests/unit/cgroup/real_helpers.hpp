// Helpers for the tests on the real host (root only, UCRUN_CGROUP_REAL=1).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace cgtest {

inline bool real_enabled() {
    const char* e = std::getenv("UCRUN_CGROUP_REAL");
    return e && std::string(e) == "1" && ::geteuid() == 0;
}

// Puts a test's child into `dir` (a pid to cgroup.procs: ucrun's own
// processes place themselves instead, cgroup::Manager::clone_fd).
inline void place(const std::string& dir, pid_t pid) {
    const std::string f = dir + "/cgroup.procs", v = std::to_string(pid);
    int fd = ::open(f.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, v.data(), v.size()) != static_cast<ssize_t>(v.size())) std::abort();
    ::close(fd);
}

// A child that waits for a byte on `go`, then reports on `out` whether it
// could open /dev/null (rw) and /dev/zero (r) as two chars '1'/'0', then
// sleeps until killed.
struct Child {
    pid_t pid = -1;
    int go = -1, out = -1;

    Child() {
        int a[2], b[2];
        if (::pipe2(a, O_CLOEXEC) < 0 || ::pipe2(b, O_CLOEXEC) < 0) std::abort();
        pid = ::fork();
        if (pid == 0) {
            for (int sig : {SIGTERM, SIGINT, SIGSEGV, SIGABRT}) ::signal(sig, SIG_DFL);  // not doctest's
            char c;
            if (::read(a[0], &c, 1) != 1) ::_exit(1);
            char res[2];
            int fd = ::open("/dev/null", O_RDWR);
            res[0] = fd >= 0 ? '1' : '0';
            if (fd >= 0) ::close(fd);
            fd = ::open("/dev/zero", O_RDONLY);
            res[1] = fd >= 0 ? '1' : '0';
            if (fd >= 0) ::close(fd);
            if (::write(b[1], res, 2) != 2) ::_exit(1);
            for (;;) ::pause();
        }
        ::close(a[0]);
        ::close(b[1]);
        go = a[1];
        out = b[0];
    }
    // "11": both opened, "10": null only ...
    std::string probe() {
        char res[2] = {'?', '?'};
        if (::write(go, "x", 1) != 1 || ::read(out, res, 2) != 2) return "??";
        return std::string(res, 2);
    }
    // waits for the child; returns the signal that killed it, or -1
    int reap() {
        int st = 0;
        if (::waitpid(pid, &st, 0) != pid) return -1;
        pid = -1;
        return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
    }
    ~Child() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        ::close(go);
        ::close(out);
    }
};

}  // namespace cgtest
