#include "container/ops.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "container/cgroups.hpp"
#include "container/hooks.hpp"
#include "proc/sync.hpp"
#include "sys/error.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::container {

namespace {

bool alive(const state::Record& r) {
    return r.pid > 0 && state::process_start_time(r.pid) == r.pid_start_time;
}

// A pidfd for the recorded init, or -1 when it is gone or the pid was reused.
Fd open_init(const state::Record& r) {
    if (r.pid <= 0) return Fd();
    Fd fd(sys::pidfd_open(r.pid));
    // Checked after opening: the pidfd pins the process, so a start time that
    // still matches means it is ours.
    if (!fd || !alive(r)) return Fd();
    return fd;
}

void wait_gone(const state::Record& r) {
    for (int i = 0; i < 1000 && alive(r); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

}  // namespace

state::Record load_live(const Context& ctx, const std::string& id) {
    state::Store store(ctx.root);
    state::Record r = store.load(id);
    r.state.status = state::live_status(store, r, cgroup_frozen(r));
    if (r.state.status == oci::Status::Stopped) r.state.pid = 0;
    return r;
}

void start(Context& ctx, const std::string& id) {
    state::Store store(ctx.root);
    Fd lock = store.lock(id);
    state::Record r = load_live(ctx, id);
    switch (r.state.status) {
        case oci::Status::Created: break;
        case oci::Status::Stopped: throw Error("cannot start a container that has stopped");
        default: throw Error("cannot start an already running container");
    }
    std::string fifo = store.dir(id) + "/exec.fifo";
    Fd f(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!f) throw_errno("open " + fifo);
    Fd pidfd = open_init(r);
    // Wait for the init's byte, or its death.
    for (;;) {
        struct pollfd p[2] = {{f.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        int n = ::poll(p, pidfd ? 2 : 1, 100);
        if (n < 0 && errno != EINTR) throw_errno("poll exec fifo");
        if (p[0].revents & POLLIN) {
            char c;
            if (::read(f.get(), &c, 1) == 1) break;
        }
        if ((pidfd && (p[1].revents & POLLIN)) || !alive(r))
            throw Error("cannot start a container that has stopped");
    }
    ::unlink(fifo.c_str());
    r.state.status = oci::Status::Running;
    store.save(r);
    run_hooks(ctx, r, HookKind::Poststart);
}

void kill(Context& ctx, const std::string& id, int sig, bool all) {
    state::Record r = load_live(ctx, id);
    if (r.state.status == oci::Status::Stopped) throw Error("container not running");
    if (all && kill_cgroup(r, sig)) return;
    Fd pidfd = open_init(r);
    if (!pidfd) throw Error("container not running");
    if (sys::pidfd_send_signal(pidfd.get(), sig) < 0) throw_errno("kill container " + id);
}

void remove(Context& ctx, const std::string& id, bool force) {
    state::Store store(ctx.root);
    Fd lock = store.lock(id);
    state::Record r = load_live(ctx, id);
    switch (r.state.status) {
        case oci::Status::Stopped: break;
        case oci::Status::Created:
            // runc deletes a created container without --force.
            break;
        default:
            if (!force)
                throw Error("cannot delete container " + id + " that is not stopped: " + oci::to_string(r.state.status));
    }
    if (r.state.status != oci::Status::Stopped) {
        if (!kill_cgroup(r, SIGKILL)) {
            Fd pidfd = open_init(r);
            if (pidfd) sys::pidfd_send_signal(pidfd.get(), SIGKILL);
        }
        thaw_cgroup(r);
        wait_gone(r);
    }
    destroy_cgroup(r);
    store.remove(id);
    run_hooks(ctx, r, HookKind::Poststop);
}

void release(Context& ctx, const std::string& id, Created& c) {
    if (!proc::send(c.sync.get(), proc::Msg::Start)) throw_errno("start container " + id);
    state::Store store(ctx.root);
    state::Record r = store.load(id);
    r.state.status = oci::Status::Running;
    store.save(r);
    run_hooks(ctx, r, HookKind::Poststart);
}

int run_foreground(Context& ctx, const std::string& id, Created& c) {
    // Signals sent to `ucrun run` go to the container (runc forwards them).
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGPIPE, SIGALRM, SIGCONT, SIGTSTP})
        sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    release(ctx, id, c);
    int status = 0;
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0) continue;
        if (sig == SIGCHLD) {
            pid_t w = ::waitpid(c.pid, &status, WNOHANG);
            if (w == c.pid) break;
            while (::waitpid(-1, nullptr, WNOHANG) > 0) {
            }
            continue;
        }
        if (sig == SIGWINCH || sig == SIGPIPE) continue;
        sys::pidfd_send_signal(c.pidfd.get(), sig);
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    remove(ctx, id, true);
    return code;
}

}  // namespace ucrun::container
