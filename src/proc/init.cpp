#include "proc/init.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#include <vector>

#include "mount/devices.hpp"
#include "mount/mounter.hpp"
#include "mount/path.hpp"
#include "oci/validate.hpp"
#include "proc/error_msg.hpp"
#include "proc/exec_path.hpp"
#include "proc/init_steps.hpp"
#include "proc/mempolicy.hpp"
#include "proc/process_setup.hpp"
#include "proc/scheduling.hpp"
#include "proc/sysctl.hpp"
#include "proc/sync.hpp"
#include "proc/terminal.hpp"
#include "proc/trampoline.hpp"
#include "security/capabilities.hpp"
#include "security/lsm.hpp"
#include "security/seccomp.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/socket.hpp"
#include "sys/syscalls.hpp"

namespace ucrun::proc {

namespace {

// setns into every namespace given by path, user first (ns::plan sorted
// them). runc order: joining the user namespace gives the capabilities to
// join the namespaces it owns.
void join_namespaces(const sys::Kernel& k, const ns::Plan& plan) {
    for (const auto& j : plan.joins) {
        if (j.flag == CLONE_NEWPID || j.flag == CLONE_NEWTIME) continue;  // joined by the parent
        ns::join(k, j);
    }
}

// The procfs the exec FIFO is reopened through (its O_PATH fd's magic
// link), so that the container's mounts play no part. Not the host's /proc
// where it can be helped: the init (or the trampoline) holds this
// descriptor until `start`, and a process of the container that may ptrace
// it (CAP_SYS_PTRACE without a user namespace, through `exec`) could
// follow /proc/1/fd/<n> into the host (/proc/1/root). A procfs of our own
// pid namespace, pids only (subset=pid, Linux 5.8), leads nowhere else.
// Made while we still have CAP_SYS_ADMIN. Where it cannot be made (a user
// namespace whose /proc is not fully visible: mount_too_revealing), the
// host's, which such a container cannot follow: our memory belongs to the
// host's user namespace, and the trampoline's too (an exec-only file of
// host root: fs/exec.c would_dump).
struct FifoProc {
    Fd own;            // the private procfs, when made
    int dir = -1;      // what the FIFO is opened under
    std::string path;  // its magic link there
};
FifoProc fifo_procfs(const sys::Kernel& k, int host_procfd, int fifo) {
    FifoProc out;
    mount::Options o;
    o.data = {"subset=pid"};
    o.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    try {
        out.own = mount::new_fs(k, "proc", "proc", o, "the exec FIFO's procfs");
    } catch (const std::exception&) {
        // Not made: the host's, below.
    }
    if (out.own) {
        out.dir = out.own.get();
        out.path = std::to_string(::getpid()) + "/fd/" + std::to_string(fifo);  // our pid in that namespace
    } else {
        out.dir = host_procfd;
        out.path = "thread-self/fd/" + std::to_string(fifo);
    }
    return out;
}

// Blocks until `start` opens the exec FIFO for reading (runc's protocol).
// On the returned end the init writes "0" when it goes on to execve, or "1"
// and the error (a startContainer hook failed); the end stays open until
// execve (close-on-exec), so that `start` runs the poststart hooks after
// the user process is executed (config.md "Poststart").
Fd open_exec_fifo(const sys::Kernel& k, const FifoProc& proc) {
    Fd w(k.openat(proc.dir, proc.path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!w) throw_errno("open exec fifo");
    return w;
}

// createContainer and startContainer hooks, run by the init in the
// container's namespaces. runtime.md "State": for hooks executed in the
// container namespace, the pid is the pid as seen by the container.
void run_container_hooks(const InitArgs& a, const std::vector<oci::Hook>& hooks, const char* kind,
                         const char* status, const std::string& cwd) {
    if (hooks.empty() || !a.run_hooks || !a.hook_state) return;
    nlohmann::json st = *a.hook_state;
    st["status"] = status;
    st["pid"] = ::getpid();
    a.run_hooks(hooks, kind, st.dump(), cwd, a.trampoline);
}

// The join path: the intermediate child has joined or created the
// namespaces that clone3 could not, and must fork the real init into the
// new pid (and time) namespace. CLONE_PARENT makes ucrun its parent.
pid_t fork_into_pid_ns() {
    struct clone_args ca {};
    ca.flags = CLONE_PARENT;
    ca.exit_signal = 0;  // CLONE_PARENT: the exit signal of the original parent applies
    return sys::clone3(&ca);
}


// The write end of the exec FIFO is opened after Ready, when the
// container's rlimits already apply (finalize_process): a RLIMIT_NOFILE
// that leaves no descriptor free would fail it where nobody hears. Fail
// here instead, where `create` reports it (runc: "too many open files").
void check_fd_available(const sys::Kernel& k, int sync) {
    int probe = k.dup(sync);  // EMFILE as open(2) would fail (F_DUPFD says EINVAL)
    if (probe < 0) throw_errno("open exec fifo");
    ::close(probe);
}

// "0" (or "1" and an error) to `start` on the FIFO. A `start` killed after
// opening its end must not kill the container with SIGPIPE: the init goes
// on to execute the program it was released to run.
bool write_fifo(int fd, const std::string& what) {
    struct sigaction ign {}, old {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
    bool ok = sys::write_all(fd, what);
    int err = errno;
    ::sigaction(SIGPIPE, &old, nullptr);  // the program gets the disposition it would have had
    errno = err;
    return ok || err == EPIPE;
}

// MapsDone: our maps are written. It may carry a detached mount: the
// idmapped rootfs of a remapped container, which the parent makes once our
// user namespace has its mappings (mount/rootfs_idmap.hpp), rather than in
// a throwaway user namespace of its own.
Fd wait_maps(int sync) { return wait_for<MapsDone>(sync).rootfs; }

// As pid 1 of its pid namespace the init gets no signal whose action is
// the default one (pid_namespaces(7); only SIGKILL and SIGSTOP from an
// ancestor namespace): a created container would ignore `kill` with
// SIGTERM, where runc's init, a Go program whose runtime catches the
// terminating signals, exits. These handlers make the init exit with 128
// and the signal's number, as a shell reports a process killed by it; the
// program gets the default actions back at its execve (signal(7)). Only
// the signals that end a Go program: the rest stay ignored, as there, and
// so does one the caller ignores (nohup), as it would for the program.
// Installed before the container's seccomp filter (prepare_process), which
// need not allow rt_sigaction; a signal during set-up fails the create.
void on_termination_signal(int sig) { ::_exit(128 + sig); }
void exit_on_termination_signals() {
    if (::getpid() != 1) return;  // outside a pid namespace of its own the defaults end it already
    struct sigaction act {};
    act.sa_handler = on_termination_signal;
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        ::sigaction(sig, &act, nullptr);
    }
}

// After Ready nobody reads an Error any more: the container's stderr
// and the exit status (127 for a missing program, as a shell) say it.
[[noreturn]] void exec_failed(const std::string& exe) {
    int err = errno;
    std::string msg = "ucrun: exec " + exe + " through the exec trampoline: " + std::strerror(err) +
                      trampoline_hint(err) + "\n";
    sys::write_all(2, msg);
    ::_exit(err == ENOENT ? 127 : 126);
}

[[noreturn]] void run_init(const sys::Kernel& kernel, const InitArgs& a) {
    const oci::Config& cfg = a.cfg();
    const oci::Process& p = *cfg.process;
    const ns::Plan& plan = a.ns();
    const bool userns = plan.has(CLONE_NEWUSER);
    bool set_groups = true;
    Fd idroot;  // a remapped container's idmapped rootfs, made by the parent with our user namespace

    // Our cgroup: the clone placed us in its cgroup2 part; we place
    // ourselves in its v1 hierarchies, first of all (cgroup::Manager::
    // clone_fd says why not the parent), before anything of the container
    // runs or is mounted (a "cgroup" mount shows our cgroups, mknod is the
    // v1 devices controller's to allow). Then a late cgroup namespace,
    // rooted there.
    join_own_cgroup(kernel, a.cgroup, "the container init itself");
    if (a.late_cgroupns && kernel.unshare(CLONE_NEWCGROUP) < 0) throw_errno("unshare cgroup namespace");

    if (a.fast_path) {
        if (plan.new_user()) idroot = wait_maps(a.sync);
        kernel.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // see init_main
        if (plan.new_flags & CLONE_NEWTIME) enter_new_time_ns(kernel, cfg);
    } else {
        join_namespaces(kernel, plan);
        unsigned long flags = plan.new_flags & ~static_cast<unsigned long>(CLONE_NEWPID | CLONE_NEWTIME);
        // One handshake: the parent writes our maps (new user namespace)
        // before we make the other namespaces.
        if ((flags & CLONE_NEWUSER) && kernel.unshare(CLONE_NEWUSER) < 0) throw_errno("unshare user namespace");
        send(a.sync, NeedMaps{});
        idroot = wait_maps(a.sync);
        kernel.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // see init_main
        flags &= ~static_cast<unsigned long>(CLONE_NEWUSER);
        if (userns) {
            become_ns_root(kernel, false);
            die_with_parent(a.sync);  // a change of ids clears it (prctl(2))
        }
        if (flags && kernel.unshare(static_cast<int>(flags)) < 0) throw_errno("unshare namespaces");
        if (plan.new_flags & CLONE_NEWTIME) enter_new_time_ns(kernel, cfg);
        if ((plan.new_flags & CLONE_NEWPID) && userns) {
            if (kernel.unshare(CLONE_NEWPID) < 0) throw_errno("unshare pid namespace");
            pid_t child = fork_into_pid_ns();
            if (child < 0) throw_errno("clone container init");
            if (child > 0) {
                send(a.sync, InitPid{child});
                ::_exit(0);
            }
            die_with_parent(a.sync);  // cleared by the clone; our parent is ucrun (CLONE_PARENT)
        }
    }
    if (userns && a.unprivileged) set_groups = groups_settable(kernel, p);  // proc/init_steps.hpp
    if (userns) {
        become_ns_root(kernel, set_groups);
        die_with_parent(a.sync);  // a change of ids clears it (prctl(2))
    }
    // The parent sends the container process state when a seccomp listener
    // wants it (it knows our host pid).
    std::string process_state;
    if (a.seccomp_listener >= 0) process_state = wait_for<State>(a.sync).json;

    // Hostnames, keyring, sysctl (proc/init_steps.hpp).
    Fd procfd = settle_namespaces(kernel, a);

    // A copy of the spec: with the parent's idmapped rootfs, and the
    // debug lines going to the parent's log (a Debug message).
    mount::RootfsSpec rootfs = a.rootfs;
    if (idroot) rootfs.rootfs_premade = idroot.get();
    rootfs.debug = [&](const std::string& line) { send(a.sync, Debug{line}); };
    mount::prepare_rootfs(kernel, rootfs);
    // config.md "Prestart", "CreateRuntime", "CreateContainer": after the
    // namespaces and the mounts are made, before pivot_root. The parent runs
    // the first two (runtime namespace), then createContainer runs here, in
    // the container's namespaces, with the host filesystem still visible and
    // the rootfs as working directory (as runc).
    if (a.hooks_sync) {
        send(a.sync, Hooks{});
        wait_for<HooksDone>(a.sync);
    }
    run_container_hooks(a, cfg.hooks.createContainer, "createContainer", "creating", rootfs.rootfs);
    mount::enter_rootfs(kernel, rootfs);
    // process.terminal: the master goes to --console-socket, else (foreground
    // `run`) to ucrun over the sync socket.
    if (p.terminal) setup_console(kernel, p, ConsoleTarget{a.console_socket >= 0 ? a.console_socket : a.sync, a.console_socket < 0, true});
    mount::finish_rootfs(kernel, rootfs);

    FifoProc fifo_proc;
    if (a.exec_fifo >= 0) fifo_proc = fifo_procfs(kernel, procfd.get(), a.exec_fifo);
    // Created, the container's init ends on `kill` as runc's does; the
    // trampoline, if it waits for `start` in our place, makes its own.
    if (!a.detach_in_trampoline && !a.release_in_trampoline) exit_on_termination_signals();
    // Personality, cwd, HOME, memory policy, rlimits, ids, capabilities
    // (proc/init_steps.hpp).
    std::vector<std::string> env = prepare_process(kernel, a, set_groups, process_state);
    const security::Program* prog = a.seccomp;
    die_with_parent(a.sync);  // process.user's ids cleared it
    // As the process's user: a file it cannot execute fails create (runc).
    std::string exe = resolve_executable(kernel, p.args[0], env);

    if (a.exec_fifo >= 0) check_fd_available(kernel, a.sync);
    // The trampoline executed now, waiting for Start itself
    // (InitArgs::release_in_trampoline): its execveat, the end of this image
    // (0.3-0.5 ms), overlaps ucrun's record of the container instead of
    // following it. The order of what happens to the container is
    // unchanged: ready, recorded, released, executed.
    if (a.release_in_trampoline) {
        procfd.reset();
        close_extra_fds(kernel, a.preserve_fds);
        if (::fcntl(a.sync, F_SETFD, 0) < 0) throw_errno("keep the sync socket for the exec trampoline");
        if (!send(a.sync, Ready{})) ::_exit(1);
        exec_through_on_start(a.trampoline, a.sync, exe, p.args, env);
        exec_failed(exe);
    }
    // `create` on ucrun's memory (InitArgs::detach_in_trampoline): ucrun is
    // suspended until our exec, so we may wait for nothing here. The
    // trampoline, executed now, does what follows below in the same order:
    // Recorded, the parent-death signal cleared, Detached, the exec FIFO.
    // The procfs of the FIFO (fifo_procfs) and the FIFO's O_PATH fd go with
    // it; it closes them before the program, or runs nothing (proc/dmz/dmz.c).
    if (a.detach_in_trampoline) {
        close_extra_fds(kernel, a.preserve_fds);
        for (int fd : {a.sync, fifo_proc.dir, a.exec_fifo})
            if (::fcntl(fd, F_SETFD, 0) < 0) throw_errno("keep a descriptor for the exec trampoline");
        if (!send(a.sync, Ready{})) ::_exit(1);
        exec_through_on_fifo(a.trampoline, a.sync, fifo_proc.dir, fifo_proc.path, a.exec_fifo, exe, p.args, env);
        exec_failed(exe);
    }
    // Nobody to tell: ucrun is gone, and with it the container.
    if (!send(a.sync, Ready{})) ::_exit(1);
    Fd fifo_w;
    if (a.exec_fifo >= 0) {
        wait_for<Recorded>(a.sync);
        outlive_parent();
        if (!send(a.sync, Detached{})) ::_exit(1);
        // We wait for `start` holding only what comes after: whatever else of
        // ucrun's we still have (its close-on-exec descriptors close only at
        // our exec: the state root, the host's /proc) a process of the
        // container that may ptrace us could follow (fifo_procfs).
        if (fifo_proc.own) procfd.reset();
        idroot.reset();  // attached by now (prepare_rootfs)
        close_fds_but(kernel, a.preserve_fds, {a.sync, a.exec_fifo, fifo_proc.dir, a.trampoline, a.seccomp_listener});
        fifo_w = open_exec_fifo(kernel, fifo_proc);
    } else {
        wait_for<Start>(a.sync);
        outlive_parent();
    }
    // config.md "StartContainer Hooks": after `start`, before the user
    // process; the path resolves in the container. A failure is reported to
    // `start` on the FIFO (to `run` as an Error message) and the init exits.
    try {
        run_container_hooks(a, cfg.hooks.startContainer, "startContainer", "created", {});
    } catch (const std::exception& e) {
        if (fifo_w) write_fifo(fifo_w.get(), std::string("1") + e.what());
        throw;
    }
    if (fifo_w && !write_fifo(fifo_w.get(), "0")) throw_errno("write exec fifo");

    if (prog && p.noNewPrivileges) load_seccomp(*prog, a.seccomp_listener, process_state);
    procfd.reset();
    // Everything but stdio, --preserve-fds and LISTEN_FDS goes at execve
    // (close-on-exec: the trampoline's memfd must stay open until then).
    close_extra_fds(kernel, a.preserve_fds);
    // Never a direct execve from this clone of ucrun: proc/trampoline.hpp.
    exec_through(a.trampoline, exe, p.args, env);
    exec_failed(exe);
}

}  // namespace

void init_main(const InitArgs& a) {
    if (a.state_lock >= 0) ::close(a.state_lock);
    // Until execve the init runs the ucrun binary (/proc/<pid>/exe): not
    // dumpable, no process of the container (a shared pid namespace, a
    // later exec) can ptrace it or open its exe, mem, fds (CVE-2019-5736,
    // CVE-2016-9962; runc's nsexec does the same). execve restores it.
    // A rootless parent writes our maps through /proc/<pid>: we become
    // non-dumpable once they are written (run_init), before anything of
    // the container exists, and stay dumpable only to our own user meanwhile.
    // The kernel of the init, chosen once here and passed down (sys/kernel.hpp).
    const sys::Kernel& kernel = sys::linux_kernel();
    if (!a.unprivileged) kernel.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    die_with_parent(a.sync);
    try {
        run_init(kernel, a);
    } catch (const std::exception& e) {
        send(a.sync, ErrorMsg{error_record(e)});
    } catch (...) {
        send(a.sync, ErrorMsg{{0, {}, "unknown error in container init"}});
    }
    ::_exit(1);
}

}  // namespace ucrun::proc
