#include "container/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "oci/parse.hpp"
#include "proc/trampoline.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/syscalls.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace ucrun::container {

const char* hook_name(HookKind k) {
    switch (k) {
        case HookKind::Prestart: return "prestart";
        case HookKind::CreateRuntime: return "createRuntime";
        case HookKind::CreateContainer: return "createContainer";
        case HookKind::StartContainer: return "startContainer";
        case HookKind::Poststart: return "poststart";
        case HookKind::Poststop: return "poststop";
    }
    return "hook";
}

const std::vector<oci::Hook>& hook_list(const oci::Hooks& h, HookKind k) {
    switch (k) {
        case HookKind::Prestart: return h.prestart;
        case HookKind::CreateRuntime: return h.createRuntime;
        case HookKind::CreateContainer: return h.createContainer;
        case HookKind::StartContainer: return h.startContainer;
        case HookKind::Poststart: return h.poststart;
        case HookKind::Poststop: break;
    }
    return h.poststop;
}

namespace {

constexpr size_t kOutputMax = 4096;  // per stream, kept for the error message

struct Pipe {
    Fd r, w;
    Pipe() {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe for a hook");
        r.reset(p[0]);
        w.reset(p[1]);
    }
};

int64_t now_ms() {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Writing the state to a hook that closed its stdin raises SIGPIPE: blocked
// while a hook runs, and a SIGPIPE raised meanwhile is consumed.
struct SigpipeBlocked {
    sigset_t set, old;
    bool pending_before = false;
    SigpipeBlocked() {
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        sigset_t pend;
        ::sigpending(&pend);
        pending_before = sigismember(&pend, SIGPIPE);
        ::sigprocmask(SIG_BLOCK, &set, &old);
    }
    ~SigpipeBlocked() {
        sigset_t pend;
        ::sigpending(&pend);
        if (!pending_before && sigismember(&pend, SIGPIPE)) {
            struct timespec zero {};
            ::sigtimedwait(&set, nullptr, &zero);
        }
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
    }
};

void set_nonblock(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads what is there; false on EOF or error.
bool drain(int fd, std::string& out) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            if (out.size() < kOutputMax) out.append(buf, std::min(static_cast<size_t>(n), kOutputMax - out.size()));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && errno == EAGAIN;
    }
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// [[noreturn]] in the child: set up stdio, exec, report errno on failure.
[[noreturn]] void exec_child(const oci::Hook& h, char* const* argv, char* const* envp, const std::string& cwd, int in,
                             int out, int err, int errpipe, int trampoline, pid_t parent) {
    // A process group of its own: a timeout kills the hook's children too
    // (a shell script's `sleep`), not only the hook.
    ::setpgid(0, 0);
    // Nor does it outlive the ucrun that waits for it: a create killed
    // during a createRuntime hook must leave no process behind (execve
    // keeps the signal; checked once for a parent already gone).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::getppid() != parent) ::_exit(1);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
    if (!cwd.empty() && ::chdir(cwd.c_str()) < 0) {
        // Not fatal: the hook gets the runtime's working directory.
    }
    // Only stdio reaches the hook (runc's exec.Cmd does the same), not the
    // runtime's descriptors nor --preserve-fds: close-on-exec for all, so
    // that errpipe still reports an exec failure.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    // A hook in the container's namespaces is the container's program:
    // never executed by a clone of ucrun directly (proc/trampoline.hpp).
    if (trampoline >= 0) proc::exec_through(trampoline, h.path.c_str(), argv, envp);
    else ::execve(h.path.c_str(), argv, envp);
    int e = errno;
    ssize_t ignored = ::write(errpipe, &e, sizeof e);
    (void)ignored;
    ::_exit(127);
}

void run_one(const oci::Hook& h, const std::string& label, const std::string& state, const std::string& cwd,
             int trampoline) {
    std::vector<char*> argv, envp;
    for (const auto& a : h.args) argv.push_back(const_cast<char*>(a.c_str()));
    if (argv.empty()) argv.push_back(const_cast<char*>(h.path.c_str()));  // runc: argv[0] = path
    argv.push_back(nullptr);
    for (const auto& e : h.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    SigpipeBlocked no_sigpipe;
    Pipe in, out, err, ep;
    const pid_t self = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork " + label);
    if (pid == 0)
        exec_child(h, argv.data(), envp.data(), cwd, in.r.get(), out.w.get(), err.w.get(), ep.w.get(), trampoline,
                   self);
    ::setpgid(pid, pid);  // also here: no window where a timeout would miss the group
    in.r.reset();
    out.w.reset();
    err.w.reset();
    ep.w.reset();
    Fd pidfd(sys::pidfd_open(pid));
    if (!pidfd) {
        int e = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw SysError("pidfd_open " + label, e);
    }
    set_nonblock(in.w.get());
    set_nonblock(out.r.get());
    set_nonblock(err.r.get());

    // The state goes to stdin while stdout and stderr are read: neither side
    // can block the other. The hook need not read it (EPIPE is fine).
    size_t sent = 0;
    std::string o, e;
    const int64_t deadline = h.timeout ? now_ms() + int64_t{*h.timeout} * 1000 : -1;
    bool exited = false;
    while (!exited) {
        struct pollfd p[4] = {{pidfd.get(), POLLIN, 0},
                              {in.w ? in.w.get() : -1, POLLOUT, 0},
                              {out.r ? out.r.get() : -1, POLLIN, 0},
                              {err.r ? err.r.get() : -1, POLLIN, 0}};
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            wait = left > 0 ? static_cast<int>(left) : 0;
        }
        int n = ::poll(p, 4, wait);
        if (n < 0) {
            if (errno == EINTR) continue;
            int en = errno;
            ::kill(-pid, SIGKILL);
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw SysError("poll " + label, en);
        }
        if (n == 0) {
            ::kill(-pid, SIGKILL);  // the group (see exec_child), then the hook itself in case it left it
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw Error(label + " " + h.path + ": timed out after " + std::to_string(*h.timeout) + "s");
        }
        if (p[0].revents) exited = true;
        if (in.w && p[1].revents) {
            if (p[1].revents & POLLOUT) {
                ssize_t k = ::write(in.w.get(), state.data() + sent, state.size() - sent);
                if (k > 0) sent += static_cast<size_t>(k);
                if ((k < 0 && errno != EAGAIN && errno != EINTR) || sent == state.size()) in.w.reset();
            } else {
                in.w.reset();  // POLLERR: the hook closed its stdin
            }
        }
        if (out.r && p[2].revents && !drain(out.r.get(), o)) out.r.reset();
        if (err.r && p[3].revents && !drain(err.r.get(), e)) err.r.reset();
    }
    // Exited: take what is left in the pipes without waiting for children
    // of the hook that may hold them open.
    if (out.r) drain(out.r.get(), o);
    if (err.r) drain(err.r.get(), e);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }

    int exec_errno = 0;
    if (::read(ep.r.get(), &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno))
        throw Error(label + ": exec " + h.path + ": " + std::strerror(exec_errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    std::string what = label + " " + h.path + ": ";
    if (WIFEXITED(status)) what += "exit status " + std::to_string(WEXITSTATUS(status));
    else what += "killed by signal " + std::to_string(WTERMSIG(status));
    // runc: "error running hook: exit status 1, stdout: ..., stderr: ..."
    if (!trimmed(o).empty()) what += ", stdout: " + trimmed(o);
    if (!trimmed(e).empty()) what += ", stderr: " + trimmed(e);
    throw Error(what);
}

}  // namespace

void run_hook_list(const std::vector<oci::Hook>& hooks, const char* kind, const std::string& state,
                   const std::string& cwd, int trampoline) {
    for (size_t i = 0; i < hooks.size(); ++i)
        run_one(hooks[i], std::string(kind) + " hook #" + std::to_string(i), state, cwd, trampoline);
}

void run_hook_list(const std::vector<oci::Hook>& hooks, HookKind kind, const nlohmann::json& state,
                   const std::string& cwd) {
    if (hooks.empty()) return;
    run_hook_list(hooks, hook_name(kind), state.dump(), cwd);
}

void run_hooks(Context& ctx, const state::Record& r, HookKind kind) {
    const auto& list = hook_list(r.hooks, kind);
    if (list.empty()) return;
    oci::State st = r.state;
    if (kind == HookKind::Poststop) {
        st.status = oci::Status::Stopped;
        st.pid = 0;
    }
    // Runtime-namespace hooks run in the bundle (runc chdirs there).
    if (kind == HookKind::Poststop) run_poststop(ctx, list, oci::to_json(st), st.bundle);
    else run_hook_list(list, kind, oci::to_json(st), st.bundle);
}

void run_poststop(Context& ctx, const std::vector<oci::Hook>& hooks, const nlohmann::json& state,
                  const std::string& cwd) {
    const std::string s = state.dump();
    for (size_t i = 0; i < hooks.size(); ++i) {
        try {
            run_one(hooks[i], "poststop hook #" + std::to_string(i), s, cwd, -1);
        } catch (const std::exception& e) {
            ctx.log.warn(e.what());
        }
    }
}

}  // namespace ucrun::container
