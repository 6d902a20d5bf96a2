#include "container/ops.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "container/activation.hpp"
#include "container/cgroups.hpp"
#include "container/foreground.hpp"
#include "container/hooks.hpp"
#include "container/remap.hpp"
#include "proc/error_msg.hpp"
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

// Until the other end of `sock` is closed or the process of `pidfd` has
// exited, without reading what is sent.
void wait_hangup(int sock, int pidfd) {
    for (;;) {
        struct pollfd p[2] = {{sock, 0, 0}, {pidfd, POLLIN, 0}};
        int n = ::poll(p, pidfd >= 0 ? 2 : 1, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("poll container init");
        if ((p[0].revents & (POLLHUP | POLLERR)) || (p[1].revents & POLLIN)) return;
    }
}

void wait_gone(const state::Record& r) {
    for (int i = 0; i < 1000 && alive(r); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

// SIGKILL to the container: its cgroup and, always, its recorded init. A
// create killed midway can leave the init in none or only some of the
// cgroup's hierarchies, where cgroup.kill does not reach it.
void kill_everything(const state::Record& r) {
    kill_cgroup(r, SIGKILL);
    Fd pidfd = open_init(r);
    if (pidfd) sys::pidfd_send_signal(pidfd.get(), SIGKILL);
}

// SIGKILL to the container, wait until gone.
void stop_now(const state::Record& r) {
    kill_everything(r);
    thaw_cgroup(r);
    wait_gone(r);
}

}  // namespace

state::Record load_live(const Context& ctx, const std::string& id) { return load_live(state::Store(ctx.root), id); }

state::Record load_live(const state::Store& store, const std::string& id, Fd* pin) {
    state::Record r = store.load(id);
    if (pin && r.pid > 0) pin->reset(sys::pidfd_open(r.pid));
    r.state.status = state::live_status(store, r, [&] { return cgroup_frozen(r); });
    if (pin && r.state.status == oci::Status::Stopped) pin->reset();
    if (r.state.status == oci::Status::Stopped) r.state.pid = 0;
    return r;
}

void start(Context& ctx, const std::string& id) {
    state::Store store(ctx.root);
    Fd lock = store.lock(id);
    state::Record r = load_live(store, id);
    switch (r.state.status) {
        case oci::Status::Created: break;
        case oci::Status::Stopped: throw Error("cannot start a container that has stopped");
        default: throw Error("cannot start an already running container");
    }
    std::string fifo = store.dir(id) + "/exec.fifo";
    // Through the locked directory, never following a link (state/store.hpp).
    Fd f(::openat(lock.get(), "exec.fifo", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (!f) throw_errno("open " + fifo);
    Fd pidfd = open_init(r);
    // Opening the FIFO releases the init. It runs the startContainer hooks,
    // then writes "0" and keeps its end open until execve (close-on-exec), or
    // writes "1" and the error and exits (proc/init.cpp open_exec_fifo).
    // Waiting for the end to close puts poststart after the user process is
    // executed (config.md "Poststart").
    std::string got;
    for (;;) {
        struct pollfd p[2] = {{f.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
        int n = ::poll(p, pidfd ? 2 : 1, 100);
        if (n < 0 && errno != EINTR) throw_errno("poll exec fifo");
        if (n > 0 && (p[0].revents & (POLLIN | POLLHUP))) {
            char buf[4096];
            ssize_t k = ::read(f.get(), buf, sizeof buf);
            if (k > 0) got.append(buf, static_cast<size_t>(k));
            else if (k == 0 && !got.empty()) break;  // the init exec'ed (or exited)
        }
        if ((pidfd && n > 0 && (p[1].revents & POLLIN)) || !alive(r)) {
            if (got.empty()) throw Error("cannot start a container that has stopped");
            char buf[4096];
            for (ssize_t k; (k = ::read(f.get(), buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(k));
            break;
        }
    }
    ::unlinkat(lock.get(), "exec.fifo", 0);
    // runtime.md "Lifecycle" step 7: a startContainer hook failed; the init
    // has exited, the container is stopped (delete removes it).
    if (got[0] != '0') throw Error(got.substr(1));
    // Nothing to record: the status is read live (state::live_status: the
    // FIFO is gone, the init is alive), the record only says "creating"
    // until create is done. The poststart hooks get it (runtime.md "State").
    r.state.status = oci::Status::Running;
    try {
        run_hooks(ctx, r, HookKind::Poststart);
    } catch (...) {
        // runtime.md "Lifecycle" step 9: generate an error, stop the container.
        stop_now(r);
        throw;
    }
}

void kill(Context& ctx, const std::string& id, int sig, bool all) {
    state::Record r = load_live(ctx, id);
    // runc Signal: --all still reaches what is left in the cgroup of a
    // stopped container (no pid namespace); nothing left is fine.
    if (r.state.status == oci::Status::Stopped && all) {
        kill_cgroup(r, sig);
        return;
    }
    if (r.state.status == oci::Status::Stopped) throw Error("container not running");
    if (all && kill_cgroup(r, sig)) {
        // The init too, wherever it is (see kill_everything).
        if (Fd pidfd = open_init(r)) sys::pidfd_send_signal(pidfd.get(), sig);
        if (sig == SIGKILL) thaw_cgroup(r);
        return;
    }
    Fd pidfd = open_init(r);
    if (!pidfd) throw Error("container not running");
    if (sys::pidfd_send_signal(pidfd.get(), sig) < 0) throw_errno("kill container " + id);
    // runc: in a frozen cgroup a SIGKILL does nothing until it is thawed.
    if (sig == SIGKILL && r.state.status == oci::Status::Paused) thaw_cgroup(r);
}

void remove(Context& ctx, const std::string& id, bool force) {
    state::Store store(ctx.root);
    Fd lock;
    try {
        lock = store.lock(id);
    } catch (const state::NotFound&) {
        // Not a container directory (a symlink or a file planted in the
        // root): remove the entry itself, never what it points to.
        if (force) store.remove(id);
        throw;
    }
    state::Record r;
    try {
        r = load_live(store, id);
    } catch (const state::NotFound&) {
        // runc: a directory without state.json was left by a create that
        // died before it recorded anything: remove it (`delete --force`
        // then succeeds).
        store.remove(id);
        throw;
    } catch (const state::Corrupt& e) {
        // Without --force the error stands. With it, the container goes
        // with what can still be read of its record (init, cgroup: see
        // state/record_json.cpp), its status taken as unknown, i.e. killed.
        if (!force) throw;
        ctx.log.warn(std::string(e.what()) + ": removing what is left of it" +
                     (e.lost().empty() ? "" : "; " + e.lost()));
        r = e.salvaged();
        r.state.id = id;
        r.state.status = oci::Status::Running;
    }
    switch (r.state.status) {
        case oci::Status::Stopped: break;
        case oci::Status::Created:
            // runc deletes a created container without --force.
            break;
        case oci::Status::Creating:
            // We hold the lock, which `create` keeps until it is done: this
            // create died midway. What it recorded is all there is to undo.
            break;
        default:
            if (!force)
                throw Error("cannot delete container " + id + " that is not stopped: " + oci::to_string(r.state.status));
    }
    if (r.state.status != oci::Status::Stopped) {
        kill_everything(r);
        thaw_cgroup(r);
        wait_gone(r);
    }
    // An empty cgroup is removed at once: nothing was left behind to kill.
    remove_container_cgroup(r);
    store.remove(id);
    // After the directory: a delete killed in between leaves a block that
    // is reclaimable (userns/allocator.hpp), never one of a live container.
    remap::release(ctx.root, r);
    run_hooks(ctx, r, HookKind::Poststop);
}

void release(Context& ctx, const std::string& id, Created& c) {
    // A failure after create: stop the container and destroy it, poststop
    // hooks included (runtime.md "Lifecycle" steps 7 and 9 continue at 12;
    // runc's run does the same).
    auto abort_run = [&] {
        sys::pidfd_send_signal(c.pidfd.get(), SIGKILL);
        ::waitpid(c.pid, nullptr, 0);
        remove(ctx, id, true);
    };
    if (c.release_in_trampoline) {
        // The trampoline waits for Start, then clears its parent-death
        // signal and closes its end right before it executes the program
        // (proc/dmz/dmz.c): the hang-up says the program may outlive us. It
        // speaks no message: nothing read here is from ucrun's code, so
        // nothing is read at all. Gone already (its exec failed, or it was
        // killed): its exit status is what the caller gets.
        if (!proc::send(c.sync.get(), proc::Start{})) {
            if (errno != EPIPE && errno != ECONNRESET && errno != ECONNREFUSED && errno != ENOTCONN) {
                int err = errno;
                abort_run();
                throw SysError("start container " + id, err);
            }
        } else {
            wait_hangup(c.sync.get(), c.pidfd.get());
        }
    } else {
        if (!proc::send(c.sync.get(), proc::Start{})) throw_errno("start container " + id);
        // The init runs the startContainer hooks, then its end of the channel
        // closes on execve (close-on-exec); a failure comes as an Error message.
        while (std::optional<proc::Message> m = proc::recv(c.sync.get())) {
            auto* e = std::get_if<proc::ErrorMsg>(&*m);
            if (!e) continue;
            abort_run();
            proc::throw_error(e->error);
        }
    }
    // As in start: the status is read live, nothing to record. The record
    // is read only for the poststart hooks.
    if (!c.poststart_hooks) return;
    state::Record r = state::Store(ctx.root).load(id);
    r.state.status = oci::Status::Running;
    try {
        run_hooks(ctx, r, HookKind::Poststart);
    } catch (...) {
        abort_run();
        throw;
    }
}

int run_foreground(Context& ctx, const std::string& id, Created& c, int notify) {
    // Signals sent to `ucrun run` go to the container (runc forwards them);
    // a terminal is proxied, READY= forwarded (container/foreground.hpp).
    SignalForwarder sig;
    // The init waits for the Start message: its pty has our window size before the
    // user process runs.
    if (c.console) resize_console(c.console.get());
    release(ctx, id, c);
    c.parsed.reset();  // while the program starts: the parent has nothing else to do
    Foreground f;
    f.pid = c.pid;
    f.pidfd = c.pidfd.get();
    f.console = c.console ? c.console.get() : -1;
    f.notify = notify;
    f.notify_host = activation::notify_host();
    f.notify_mainpid = ::getpid();  // runc: systemd watches the runtime, which stays
    int code = wait_foreground(sig, f);
    remove(ctx, id, true);
    return code;
}

}  // namespace ucrun::container
