#include "container/exec.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "container/cgroups.hpp"
#include "container/foreground.hpp"
#include "container/ops.hpp"
#include "container/record.hpp"
#include "container/seccomp_cache.hpp"
#include "ns/for_children.hpp"
#include "ns/namespaces.hpp"
#include "oci/limits.hpp"
#include "oci/parse.hpp"
#include "oci/validate.hpp"
#include "proc/cpu_affinity.hpp"
#include "proc/error_msg.hpp"
#include "proc/exec.hpp"
#include "proc/sync.hpp"
#include "proc/trampoline.hpp"
#include "security/capabilities.hpp"
#include "security/lsm.hpp"
#include "security/seccomp.hpp"
#include "state/store.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/socket.hpp"
#include "sys/syscalls.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ucrun::container {

namespace {

uint32_t parse_id(const std::string& s, const char* what) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || v < 0 || v > 0xFFFFFFFFLL)
        throw Error("parsing " + s + " as int for " + what + " failed: invalid syntax");
    // (uid_t)-1 would mean "unchanged" to setresuid(2): runc's range.
    if (v > oci::limits::max_id) throw Error(std::string(what) + " " + s + ": " + oci::limits::id_range_message);
    return static_cast<uint32_t>(v);
}

void add_cap(std::optional<std::vector<std::string>>& set, const std::string& c) {
    if (!set) set.emplace();
    set->push_back(c);
}

// The namespaces of `pid` that are not ours: those to join. Those the
// container made itself (`made`: linux.namespaces without a path) cannot be
// ours and are not looked at; every other type is compared by its link's
// text, "user:[4026531837]": the nsfs inode number, unique among the live
// namespaces of every type (readlink, not stat, which would also make and
// drop an nsfs inode). A look is two lookups in /proc that a fresh process
// makes cold (~10 us together on this host; tests/bench/PERFORMANCE.md,
// "eighth pass"): for the usual container, 4-6 lookups instead of 16.
unsigned long foreign_namespaces(const sys::Kernel& k, pid_t pid, unsigned long made) {
    struct Entry {
        const char* name;
        unsigned long flag;
    };
    static constexpr Entry kNs[] = {
        {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},  {"pid", CLONE_NEWPID},       {"net", CLONE_NEWNET},
        {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS}, {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
    };
    unsigned long flags = 0;
    const std::string base = "/proc/" + std::to_string(pid) + "/ns/";
    for (const auto& e : kNs) {
        if (made & e.flag) {
            flags |= e.flag;
            continue;
        }
        char theirs[64], ours[64];
        const ssize_t n = k.readlinkat(AT_FDCWD, (base + e.name).c_str(), theirs, sizeof theirs);
        if (n < 0) {
            if (errno == ENOENT) continue;  // this kernel lacks the type
            throw_errno("readlink " + base + e.name);
        }
        const ssize_t m = k.readlinkat(AT_FDCWD, (std::string("/proc/self/ns/") + e.name).c_str(), ours, sizeof ours);
        if (m < 0) continue;
        if (std::string_view(theirs, static_cast<size_t>(n)) != std::string_view(ours, static_cast<size_t>(m)))
            flags |= e.flag;
    }
    return flags;
}

// Kills and reaps the child when exec fails half-way.
struct ChildGuard {
    const sys::Kernel& k;
    pid_t pid = 0;
    int pidfd = -1;
    ~ChildGuard() {
        if (pid <= 0) return;
        if (pidfd >= 0) k.pidfd_send_signal(pidfd, SIGKILL, nullptr, 0);
        else k.kill(pid, SIGKILL);
        k.waitpid(pid, nullptr, __WALL);
    }
};

}  // namespace

oci::Process exec_process(const oci::Config& cfg, const ExecOptions& o) {
    oci::Process p;
    std::string document = "config.json", path = "process";
    if (!o.process_file.empty()) {
        std::string text = sys::read_file(o.process_file);
        p = oci::parse_process(oci::parse_dom(std::move(text), o.process_file), o.process_file);
        document = o.process_file;
        path = "";
        // runc (libcontainer newInitConfig): what the file leaves out comes
        // from the container's config.
        if (cfg.process) {
            if (!p.capabilities) p.capabilities = cfg.process->capabilities;
            if (p.rlimits.empty()) p.rlimits = cfg.process->rlimits;
            if (!p.apparmorProfile || p.apparmorProfile->empty()) p.apparmorProfile = cfg.process->apparmorProfile;
            if (!p.selinuxLabel || p.selinuxLabel->empty()) p.selinuxLabel = cfg.process->selinuxLabel;
        }
    } else {
        if (!cfg.process) throw Error("config.json has no process");
        p = *cfg.process;
        p.args = o.args;
        if (!o.cwd.empty()) p.cwd = o.cwd;
        if (!o.apparmor.empty()) p.apparmorProfile = o.apparmor;
        if (!o.process_label.empty()) p.selinuxLabel = o.process_label;
        if (!o.caps.empty()) {
            if (!p.capabilities) p.capabilities.emplace();
            auto& c = *p.capabilities;
            const bool inheritable = c.inheritable.has_value();
            for (const auto& cap : o.caps) {
                add_cap(c.bounding, cap);
                add_cap(c.effective, cap);
                add_cap(c.permitted, cap);
                // runc: ambient needs inheritable, which --cap does not set.
                if (inheritable) add_cap(c.ambient, cap);
            }
        }
        // runc appends -e to the config's environment.
        for (const auto& e : o.env) p.env.push_back(e);
        p.terminal = o.tty.value_or(false);
        if (o.no_new_privs) p.noNewPrivileges = *o.no_new_privs;
        if (!o.user.empty()) {
            auto colon = o.user.find(':');
            if (colon != std::string::npos) p.user.gid = parse_id(o.user.substr(colon + 1), "gid");
            p.user.uid = parse_id(o.user.substr(0, colon), "uid");
        }
        for (const auto& g : o.additional_gids) {
            if (!g.empty() && g[0] == '-') throw Error("additional-gids must be a positive number " + g);
            p.user.additionalGids.push_back(parse_id(g, "additional-gids"));
        }
    }
    if (p.args.empty()) throw Error("process args cannot be empty");
    if (p.cwd.empty()) throw Error("Cwd property must not be empty");
    oci::validate_process(p, document, path);
    if (p.selinuxLabel && !p.selinuxLabel->empty() && !security::selinux_enabled())
        throw Error("selinux label is specified in config, but selinux is disabled or not supported");
    return p;
}

int exec(const sys::Kernel& k, Context& ctx, const ExecOptions& o) {
    const state::Store store(ctx.root);  // one for the record and the config: one open of the root
    Fd init;  // pins the init: opened before its liveness was checked (load_live)
    state::Record r = load_live(store, o.id, &init);
    switch (r.state.status) {
        case oci::Status::Stopped: throw Error("cannot exec in a stopped container");
        case oci::Status::Paused:
            if (!o.ignore_paused) throw Error("cannot exec in a paused container (use --ignore-paused to override)");
            break;
        case oci::Status::Creating: throw Error("cannot exec in a container that is being created");
        default: break;
    }
    oci::Config cfg = oci::parse_config(store.load_config_dom(o.id));
    oci::Process p = exec_process(cfg, o);

    Fd console;
    if (p.terminal) {
        if (!o.console_socket.empty()) console = sys::connect_unix(o.console_socket, SOCK_STREAM);
        else if (o.detach) throw Error("cannot allocate tty if ucrun will detach without setting console socket");
    }
    // runc exec: the container's seccomp filter applies to the new process,
    // compiled at create (container/seccomp_cache.hpp).
    std::optional<security::Program> seccomp;
    Fd listener;
    if (cfg.linux && cfg.linux->seccomp) {
        seccomp = load_seccomp(store, o.id, *cfg.linux->seccomp);
        if (cfg.linux->seccomp->listenerPath && seccomp->uses_notify)
            listener = sys::connect_unix(*cfg.linux->seccomp->listenerPath, SOCK_STREAM);
    }

    if (!init) throw Error("cannot exec in a stopped container");
    const unsigned long ns = foreign_namespaces(k, r.pid, ns::plan(cfg.linux ? &*cfg.linux : nullptr).new_flags);
    const unsigned long for_children = ns & (CLONE_NEWPID | CLONE_NEWTIME);
    const bool unprivileged_user = (ns & CLONE_NEWUSER) && k.geteuid() != 0;

    proc::ExecArgs args;
    args.process = &p;
    args.init_pidfd = init.get();
    args.ns_flags = ns & ~for_children;
    args.console_socket = console ? console.get() : -1;
    args.preserve_fds = o.preserve_fds;
    const Fd trampoline = proc::make_trampoline();  // CVE-2019-5736: proc/trampoline.hpp
    args.trampoline = trampoline.get();
    args.last_cap = security::read_last_cap();
    args.caps = security::resolve(p.capabilities, args.last_cap);
    args.seccomp = seccomp ? &*seccomp : nullptr;
    args.seccomp_listener = listener ? listener.get() : -1;
    if (ns & CLONE_NEWUSER) {
        // A user namespace whose setgroups(2) is denied (user_namespaces(7)).
        try {
            args.set_groups = sys::read_file("/proc/" + std::to_string(r.pid) + "/setgroups").rfind("deny", 0) != 0;
        } catch (const SysError&) {
        }
    }

    std::unique_ptr<cgroup::Manager> cg;
    if (r.cgroup) {
        cg = restore_cgroup(r);
        if (!cg->enabled()) cg.reset();
    }
    // The process joins the cgroup as the init did (cgroup::Manager::clone_fd).
    const CgroupEntry cg_entry = cgroup_entry(cg.get());  // open until the child has entered
    args.cgroup = cg_entry.join();

    // Signals are blocked (to be forwarded) before the process exists, so
    // that none is lost; the child unblocks them.
    std::optional<SignalForwarder> sig;
    if (!o.detach) sig.emplace();

    auto [parent_end, child_end] = sys::seqpacket_pair(k);
    args.sync = child_end.get();

    // Until execve the child is a copy of ucrun: /proc/<pid>/exe is our
    // binary. Not dumpable (inherited by the child), processes of the
    // container cannot open it nor its fds (CVE-2019-5736).
    if (k.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");
    // Rootless, joining the container's pid namespace needs CAP_SYS_ADMIN
    // over the user namespace that owns it (setns(2)): we enter that user
    // namespace first (single-threaded, as setns requires), and the child
    // is born in it. We stay non-dumpable to it: the ptrace check of a
    // non-dumpable process is against the user namespace of its exec
    // (ptrace(2)), the caller's, where the container has no capability.
    if (unprivileged_user) {
        if (k.setns(init.get(), CLONE_NEWUSER) < 0) throw_errno("join the user namespace of container " + o.id);
        // New credentials: dumpable again at fs.suid_dumpable=1 (commit_creds).
        if (k.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");
        args.ns_flags &= ~static_cast<unsigned long>(CLONE_NEWUSER);
    }
    // The pid and time namespaces apply to children: enter them here, so
    // that the child is born inside (setns(2)), for good: we make no other
    // child (ns/for_children.hpp enter_for_good).
    // Known window (as runc's): from its birth until its setns the child is
    // visible in the container's pid namespace while still in our mount
    // namespace with our capabilities. Non-dumpable, it is out of reach of
    // any container process but one with CAP_SYS_PTRACE in the host's user
    // namespace (no user namespace, --cap-add SYS_PTRACE), which may attach
    // to it. Joining the mount namespace here first (root can come back;
    // not the cgroup one: CLONE_INTO_CGROUP needs our cgroup in view) would
    // narrow what it reaches to the container's mounts, not close it: the
    // child holds host capabilities until its credentials step, as runc's
    // does. Never let the child share our memory (tests/bench/
    // PERFORMANCE.md, fifth pass).
    ns::ChildrenIn children_in(k);
    if (!children_in.enter_for_good(init.get(), for_children))
        throw_errno("join the pid namespace of container " + o.id);

    // config.md "execCPUAffinity" (proc/cpu_affinity.hpp).
    proc::ExecAffinity affinity = proc::exec_affinity(p, cfg.process ? &*cfg.process : nullptr, o.process_file);
    args.affinity = &affinity;
    affinity.enter_initial();
    int pidfd = -1;
    struct clone_args ca = sys::pidfd_clone_args(0, cg_entry.clone_fd, &pidfd);
    pid_t pid = k.clone3(&ca, sizeof ca);
    if (pid < 0) throw_errno("clone3 exec process" + into_cgroup(cg_entry));
    if (pid == 0) {
        parent_end.reset();
        proc::exec_main(args);  // never returns
    }
    affinity.leave_initial();
    child_end.reset();
    Fd child_pidfd(pidfd);
    ChildGuard guard{k, pid, pidfd};

    // The child may have failed and gone already (its cgroup entry, its
    // affinity): its Error, queued, says why, not our EPIPE.
    if (!proc::send(parent_end.get(), proc::Start{})) {
        const int err = errno;
        while (std::optional<proc::Message> m = proc::recv(parent_end.get()))
            if (auto* e = std::get_if<proc::ErrorMsg>(&*m)) proc::throw_error(e->error, "unable to start container process: ");
        throw SysError("start exec process", err);
    }
    if (listener) {
        nlohmann::json st = oci::to_json(r.state);
        proc::send(parent_end.get(),
                   proc::State{security::container_process_state(pid, cfg.linux->seccomp->listenerMetadata, st).dump()});
    }

    Fd master;
    // EOF: the sync socket went with execve (close-on-exec).
    while (std::optional<proc::Message> m = proc::recv(parent_end.get())) {
        if (auto* e = std::get_if<proc::ErrorMsg>(&*m)) proc::throw_error(e->error, "unable to start container process: ");
        if (auto* c = std::get_if<proc::Console>(&*m)) {
            // Our window size before the process runs (it waits for Start).
            master = std::move(c->master);
            resize_console(master.get());
            if (!proc::send(parent_end.get(), proc::Start{})) throw_errno("start exec process");
        }
    }
    guard.pid = 0;  // the process runs: it is no longer ours to kill

    if (!o.pid_file.empty()) sys::write_file_atomic(absolute_pid_file(o.pid_file), std::to_string(pid));
    if (o.detach) return 0;
    Foreground f;
    f.pid = pid;
    f.pidfd = child_pidfd.get();
    f.console = master ? master.get() : -1;
    return wait_foreground(*sig, f);
}

}  // namespace ucrun::container
