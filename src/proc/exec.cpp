#include "proc/exec.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>

#include "proc/error_msg.hpp"
#include "proc/exec_path.hpp"
#include "proc/process_setup.hpp"
#include "proc/scheduling.hpp"
#include "proc/sync.hpp"
#include "proc/terminal.hpp"
#include "proc/trampoline.hpp"
#include "security/lsm.hpp"
#include "security/seccomp.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/kernel.hpp"
#include "sys/socket.hpp"

namespace ucrun::proc {

namespace {

[[noreturn]] void run_exec(const sys::Kernel& kernel, const ExecArgs& a) {
    const oci::Process& p = *a.process;
    // The parent blocks the signals it forwards; execve keeps the mask.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    // Until execve we die with `ucrun exec` (as the init does with create:
    // proc/init.cpp); a parent already gone is the hang-up of the socket.
    die_with_parent(a.sync);
    join_own_cgroup(kernel, a.cgroup, "the exec process itself");
    if (a.affinity) a.affinity->apply_final(0);
    wait_for<Start>(a.sync);
    // One atomic step into every namespace of the init that is not already
    // ours (setns(2) with a pidfd, Linux 5.8); the user namespace first
    // gives the rights over the others. The pid and time namespaces were
    // entered at clone3 (they apply to children only).
    if (a.ns_flags && kernel.setns(a.init_pidfd, static_cast<int>(a.ns_flags)) < 0)
        throw_errno("join the namespaces of the container's init");
    // Joining a user namespace changes our credentials, which makes us
    // dumpable again at fs.suid_dumpable=1 unless the new capabilities are
    // a subset of the old (commit_creds): not dumpable again at once.
    if ((a.ns_flags & CLONE_NEWUSER) && kernel.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        throw_errno("prctl PR_SET_DUMPABLE");
    std::string process_state;
    if (a.seccomp_listener >= 0) process_state = wait_for<State>(a.sync).json;

    // Joining the mount namespace put us at its root; cwd inside it, no
    // creation (runc: the cwd of exec must exist).
    enter_cwd(kernel, p, false);
    if (p.terminal)
    {
        setup_console(kernel, p, ConsoleTarget{a.console_socket >= 0 ? a.console_socket : a.sync, a.console_socket < 0, false});
        // ucrun gives the pty its window size, then lets us go on.
        if (a.console_socket < 0) wait_for<Start>(a.sync);
    }
    std::vector<std::string> env = p.env;
    add_home_env(kernel, env, p.user.uid);

    // The container's seccomp filter, at the same points as in the init.
    const security::Program* prog = a.seccomp;
    finalize_process(kernel, p, a.caps, a.last_cap, a.set_groups, prog, a.seccomp_listener, process_state);
    die_with_parent(a.sync);  // process.user's ids cleared it (prctl(2))
    std::string exe = resolve_executable(kernel, p.args[0], env);  // as the process's user (proc/exec_path.hpp)
    if (prog && p.noNewPrivileges) load_seccomp(*prog, a.seccomp_listener, process_state);

    // Everything but stdio and --preserve-fds is closed by execve; the sync
    // socket too, which tells the parent that execve succeeded.
    close_extra_fds(kernel, a.preserve_fds);
    outlive_parent();  // the program may outlive `ucrun exec`, as with runc
    // Never a direct execve from this clone of ucrun: proc/trampoline.hpp.
    exec_through(a.trampoline, exe, p.args, env);
    int err = errno;
    throw SysError("exec " + exe + " through the exec trampoline" + trampoline_hint(err), err);
}

}  // namespace

void exec_main(const ExecArgs& a) {
    try {
        run_exec(sys::linux_kernel(), a);  // the kernel of this process, chosen once (sys/kernel.hpp)
    } catch (const std::exception& e) {
        send(a.sync, ErrorMsg{error_record(e)});
    } catch (...) {
        send(a.sync, ErrorMsg{{0, {}, "unknown error in exec"}});
    }
    ::_exit(255);
}

}  // namespace ucrun::proc
