#include "container/create_plan.hpp"

#include <sched.h>

#include <algorithm>
#include <string_view>

#include "oci/error.hpp"
#include "sys/error.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ucrun::container {

CreatePlan plan_create(const oci::Config& cfg, const CreateOptions& o, bool foreground, const HostFacts& host) {
    if (!cfg.process) throw oci::SpecError("config.json", "process", "is required to create a container");
    CreatePlan p;
    p.ns = ns::plan(cfg.linux ? &*cfg.linux : nullptr);
    const bool new_user = p.ns.new_user();
    if (new_user && cfg.linux->uidMappings.empty())
        throw oci::SpecError("config.json", "linux.uidMappings",
                             "required for a new user namespace (linux.namespaces has \"user\" without a path)");
    if (new_user && cfg.linux->gidMappings.empty())
        throw oci::SpecError("config.json", "linux.gidMappings",
                             "required for a new user namespace (linux.namespaces has \"user\" without a path)");

    // Asked for and not available: a clear error rather than a container
    // that silently lacks it.
    if (cfg.linux && !cfg.linux->netDevices.empty())
        throw oci::SpecError("config.json", "linux.netDevices", "moving network devices is not supported by ucrun");

    p.exec_fifo = !foreground;
    p.console_socket = o.console_socket;
    if (o.console_socket.empty() && cfg.process->terminal && (!foreground || o.detach))
        throw Error("cannot allocate tty if ucrun will detach without setting console socket");

    p.fast_path = p.ns.joins.empty();
    p.init_forks = !p.fast_path && p.ns.has(CLONE_NEWUSER) && (p.ns.new_flags & CLONE_NEWPID);
    p.write_maps = new_user;
    p.idmapped_rootfs = host.remapped;
    // The seccomp listener's state carries the init's pid (the real one when
    // it forks), sent once, after what the init waits for first: on the
    // join path that is MapsDone (the init always asks with NeedMaps).
    p.state_at = p.fast_path ? StateAt::Clone : p.init_forks ? StateAt::InitPid : StateAt::Maps;

    // In a user namespace, whether the container's own or the one ucrun
    // runs in (rootless podman): devices are bound, not made, /sys and
    // cgroups may have to be bound from the host (mount/rootfs.hpp).
    p.rootfs_userns = p.ns.has(CLONE_NEWUSER) || host.rootless;
    // Not with a joined mount namespace: setns(2) moves the working directory.
    p.rootfs_at_cwd = host.remapped && (p.ns.new_flags & CLONE_NEWNS);
    p.no_pivot = o.no_pivot;
    p.preserve_fds = host.listen_fds + o.preserve_fds;
    p.new_keyring = !o.no_new_keyring;
    p.unprivileged = host.unprivileged;

    const oci::Hooks& h = cfg.hooks;
    p.hooks_sync = !h.prestart.empty() || !h.createRuntime.empty();
    p.container_hooks = !h.createContainer.empty() || !h.startContainer.empty();
    p.poststop_on_failure = !h.poststop.empty();
    return p;
}

bool late_cgroupns(const CreatePlan& p, bool places_itself) {
    return p.fast_path && places_itself && (p.ns.new_flags & CLONE_NEWCGROUP);
}

bool nothing_between_release_and_program(const oci::Config& cfg) {
    const oci::Process& proc = *cfg.process;
    const bool late_seccomp = cfg.linux && cfg.linux->seccomp && proc.noNewPrivileges;
    return cfg.hooks.startContainer.empty() && !late_seccomp && !proc.selinuxLabel && !proc.apparmorProfile;
}

bool release_in_trampoline(const CreatePlan& p, const oci::Config& cfg) {
    return !p.exec_fifo && nothing_between_release_and_program(cfg);
}

namespace {

// Whether linux.seccomp (loaded before Ready: without noNewPrivileges)
// lets every one of these system calls through, whatever its arguments:
// an unconditional SCMP_ACT_ALLOW rule for it, or no rule and an allowing
// default. Anything else (a rule with arguments, an errno, a kill) is not
// plain, and the caller takes the path that needs none of them.
bool seccomp_plainly_allows(const oci::Config& cfg, std::initializer_list<std::string_view> calls) {
    if (!cfg.linux || !cfg.linux->seccomp) return true;
    const oci::Seccomp& s = *cfg.linux->seccomp;
    auto allowing = [](const std::string& action) { return action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG"; };
    for (std::string_view call : calls) {
        bool ruled = false;
        for (const oci::SeccompSyscall& rule : s.syscalls) {
            if (std::find(rule.names.begin(), rule.names.end(), call) == rule.names.end()) continue;
            if (!allowing(rule.action) || !rule.args.empty()) return false;
            ruled = true;
        }
        if (!ruled && !allowing(s.defaultAction)) return false;
    }
    return true;
}

}  // namespace

bool borrows_memory(const CreatePlan& p, const oci::Config& cfg, bool seccomp_listener) {
    const unsigned long made = p.ns.new_flags;
    const oci::User& user = cfg.process->user;
    // create's trampoline does the init's last steps under the container's
    // filter (proc/dmz/dmz.c wait_on_fifo; the init keeps its fds for it
    // with fcntl; rt_sigaction for its `kill` handlers): a filter that
    // refuses any makes it take the copy.
    const bool filter_ok = !p.exec_fifo || seccomp_plainly_allows(cfg, {"read", "write", "close", "openat", "fcntl",
                                                                        "prctl", "rt_sigaction", "execve", "execveat"});
    return p.fast_path && !p.ns.has(CLONE_NEWUSER) && user.uid == 0 && user.gid == 0 && (made & CLONE_NEWPID) &&
           !(made & CLONE_NEWTIME) && nothing_between_release_and_program(cfg) && !p.hooks_sync &&
           !p.container_hooks && !seccomp_listener && !p.unprivileged && filter_ok;
}

uint64_t clone_flags(const CreatePlan& p, bool late_cgroupns) {
    uint64_t flags = 0;
    if (p.fast_path) flags = p.ns.new_flags & ~(late_cgroupns ? CLONE_NEWCGROUP : 0UL);
    // With a user namespace (new or joined) the pid namespace must be owned
    // by it, so the init makes it after joining (and forks); else clone does.
    else if (!p.ns.has(CLONE_NEWUSER)) flags = p.ns.new_flags & CLONE_NEWPID;
    // A new time namespace is made by the init itself: its offsets can only
    // be written before any process is in it (time_namespaces(7)).
    return flags & ~static_cast<uint64_t>(CLONE_NEWTIME);
}

}  // namespace ucrun::container
