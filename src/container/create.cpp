#include "container/create.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <functional>
#include <optional>

#include "container/activation.hpp"
#include "config.h"
#include "container/cgroups.hpp"
#include "container/hooks.hpp"
#include "container/config_checks.hpp"
#include "container/record.hpp"
#include "container/remap.hpp"
#include "container/rootless.hpp"
#include "container/seccomp_cache.hpp"
#include "mount/devices.hpp"
#include "mount/host_binds.hpp"
#include "mount/idmap.hpp"
#include "mount/rootfs_idmap.hpp"
#include "ns/namespaces.hpp"
#include "oci/container_id.hpp"
#include "oci/parse.hpp"
#include "proc/error_msg.hpp"
#include "proc/init.hpp"
#include "proc/sync.hpp"
#include "proc/trampoline.hpp"
#include "security/capabilities.hpp"
#include "security/seccomp.hpp"
#include "state/store.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/socket.hpp"
#include "sys/syscalls.hpp"
#include "userns/idmap.hpp"
#include "userns/map_writer.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ucrun::container {

namespace {

std::string absolute(const std::string& p, const std::string& what) {
    char buf[PATH_MAX];
    if (!::realpath(p.c_str(), buf)) throw_errno(what + " " + p);
    return buf;
}

// Undo of a half-made container: kill the init, remove the state dir.
struct CreateGuard {
    state::Store* store = nullptr;
    std::string id;
    pid_t pid = 0;
    pid_t extra = 0;  // the intermediate child on the join path
    cgroup::Manager* cg = nullptr;
    bool armed = true;
    // runtime.md "Lifecycle": a failed create continues at step 12 (destroy)
    // and 13 (poststop hooks, failures are warnings); runc does the same.
    std::function<void()> poststop;
    ~CreateGuard() {
        if (!armed) return;
        for (pid_t p : {pid, extra}) {
            if (p <= 0) continue;
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, __WALL);
        }
        if (cg) {
            try {
                cg->destroy();
            } catch (...) {
            }
        }
        if (store) {
            try {
                store->remove(id);
            } catch (...) {  // a destructor: the create's own error is what gets reported
            }
        }
        if (poststop) poststop();
    }
};

void join_for_children(const ns::Plan& plan) {
    // pid and time namespaces apply to children only: join them here so the
    // init is born inside (setns(2)).
    for (const auto& j : plan.joins) {
        if (j.flag != CLONE_NEWPID && j.flag != CLONE_NEWTIME) continue;
        ns::join(j);
    }
}

}  // namespace

Created create(Context& ctx, const CreateOptions& o, bool foreground) {
    if (auto why = oci::container_id_problem(o.id); !why.empty())
        throw Error("invalid container id \"" + o.id + "\": " + why);
    const std::string bundle = absolute(o.bundle, "bundle");
    std::string text;
    try {
        text = sys::read_regular_file(bundle + "/config.json");
    } catch (const SysError& e) {
        throw SysError("config.json: open " + bundle + "/config.json", e.code());
    } catch (const Error& e) {
        throw Error(std::string("config.json: ") + e.what());
    }
    // config.json is parsed once; its text is kept as given (state store).
    nlohmann::json doc = oci::parse_document(text);
    oci::Config cfg = oci::parse_config(doc);
    // The runtime's remap policy (container/remap.hpp): a user namespace
    // for a bundle without one, on a block of ids taken here (the one side
    // effect before the state directory: an id taken by a live container
    // is refused first, and the Lease frees the block on every failure).
    std::optional<remap::Lease> lease;
    const auto& policy = ctx.config.userns;
    // Rootless, there is no range to take ids from but the caller's own,
    // which its bundle maps itself: the policy is root's.
    if (policy.remap != config::Remap::Off && !rootless(ctx) &&
        remap::decide(policy, cfg, ctx.config.path.empty() ? "the runtime's settings" : ctx.config.path) ==
            remap::Decision::Inject) {
        state::Store(ctx.root).check_free(o.id);
        lease.emplace(ctx.root, o.id, policy);
        remap::inject(cfg, doc, lease->block(), lease->user(), policy.allocation);
    }
    // Validated as it will run: an `idmap` mount of a bundle without a user
    // namespace is valid once the remap has given it one.
    // Every config check, in order (container/config_checks.hpp).
    const ns::Plan plan = check_config(cfg, {ctx.allow_host_root_mapping, rootless(ctx)});
    // Socket activation passes through (container/activation.hpp).
    const int listen_fds = activation::listen_fds();
    if (listen_fds > 0) activation::add_listen_env(*cfg.process, listen_fds);
    std::string rootfs_cfg = cfg.root.path[0] == '/' ? cfg.root.path : bundle + "/" + cfg.root.path;
    struct stat st;
    if (::stat(rootfs_cfg.c_str(), &st) < 0)
        throw SysError("config.json: root.path: " + rootfs_cfg, errno);
    const std::string rootfs = absolute(rootfs_cfg, "root.path");

    // Everything that can fail without side effects is done; from here on
    // the guard undoes what was made.
    state::Store store(ctx.root);
    std::unique_ptr<cgroup::Manager> cg;  // outlives the guard, which destroys it on failure
    CreateGuard guard;
    Fd dirfd;
    try {
        dirfd = store.create_dir(o.id);
    } catch (...) {
        // Another create took the id between check_free and here: the
        // block is that container's now (Lease).
        if (lease) lease->keep();
        throw;
    }
    if (!activation::notify_host().empty()) activation::prepare_notify(cfg, store.dir(o.id));
    guard.store = &store;
    guard.id = o.id;

    Fd fifo;
    if (!foreground) {
        // runtime.md "start": the init blocks on this FIFO until `start`.
        if (::mkfifoat(dirfd.get(), "exec.fifo", 0622) < 0) throw_errno("mkfifo " + store.dir(o.id) + "/exec.fifo");
        if (::fchmodat(dirfd.get(), "exec.fifo", 0622, 0) < 0) throw_errno("chmod exec.fifo");  // umask
        fifo.reset(::openat(dirfd.get(), "exec.fifo", O_PATH | O_CLOEXEC));
        if (!fifo) throw_errno("open exec.fifo");
    }

    Fd console;
    if (!o.console_socket.empty()) console = sys::connect_unix(o.console_socket, SOCK_STREAM);
    else if (cfg.process->terminal && (!foreground || o.detach))
        throw Error("cannot allocate tty if ucrun will detach without setting console socket");

    std::optional<security::Program> seccomp;
    Fd listener;
    if (cfg.linux->seccomp) {
        seccomp = security::compile(*cfg.linux->seccomp);
        // config-linux.md "listenerPath": ignored unless SCMP_ACT_NOTIFY is used.
        if (cfg.linux->seccomp->listenerPath && seccomp->uses_notify)
            listener = sys::connect_unix(*cfg.linux->seccomp->listenerPath, SOCK_STREAM);
    }

    proc::InitArgs args;
    args.cfg = &cfg;
    args.ns = &plan;
    args.rootfs.cfg = &cfg;
    args.rootfs.bundle = bundle;
    args.rootfs.rootfs = rootfs;
    args.rootfs.ns = &plan;
    // In a user namespace, whether the container's own or the one ucrun
    // runs in (rootless podman): devices are bound, not made, /sys and
    // cgroups may have to be bound from the host (mount/rootfs.hpp).
    args.rootfs.userns = plan.has(CLONE_NEWUSER) || rootless(ctx);
    args.rootfs.no_pivot = o.no_pivot;
    // Not with a joined mount namespace: setns(2) moves the working directory.
    args.rootfs.rootfs_at_cwd = lease && (plan.new_flags & CLONE_NEWNS);
    // Idmapped binds are made here, as host root (mount/idmap.hpp); the
    // init attaches them. Closed when create returns.
    std::map<size_t, Fd> idmapped = mount::make_idmapped_mounts(cfg, bundle);
    // A remapped init may not reach the bind sources (mount/host_binds.hpp).
    if (lease) idmapped.merge(mount::clone_host_binds(cfg, bundle, rootfs, idmapped));
    for (const auto& [i, fd] : idmapped) args.rootfs.premade[i] = fd.get();

    args.exec_fifo = fifo ? fifo.get() : -1;
    const Fd trampoline = proc::make_trampoline();  // CVE-2019-5736: proc/trampoline.hpp
    args.trampoline = trampoline.get();
    args.preserve_fds = listen_fds + o.preserve_fds;  // runc: the LISTEN_FDS first
    args.new_keyring = !o.no_new_keyring;
    args.unprivileged = ::geteuid() != 0;
    args.fast_path = plan.joins.empty();
    args.last_cap = security::read_last_cap();
    const security::CapSets caps = security::resolve(cfg.process->capabilities, args.last_cap);
    for (const auto& n : caps.ignored) ctx.log.warn("process.capabilities: ignoring unknown or unavailable capability " + n);
    args.caps = &caps;
    args.seccomp = seccomp ? &*seccomp : nullptr;
    args.console_socket = console ? console.get() : -1;
    args.seccomp_listener = listener ? listener.get() : -1;

    // config.md "POSIX-platform Hooks" (container/hooks.hpp); no hooks, no work.
    const oci::Hooks& hooks = cfg.hooks;
    args.hooks_sync = !hooks.prestart.empty() || !hooks.createRuntime.empty();
    nlohmann::json hook_state;
    if (!hooks.createContainer.empty() || !hooks.startContainer.empty()) {
        hook_state = initial_state_json(cfg, o.id, bundle, 0);
        args.hook_state = &hook_state;
        args.run_hooks = &run_hook_list;
    }
    if (!hooks.poststop.empty())
        guard.poststop = [&] {
            nlohmann::json st = initial_state_json(cfg, o.id, bundle, 0);
            st["status"] = "stopped";
            run_poststop(ctx, hooks.poststop, st, bundle);
        };

    // The record comes before what it describes, so that a create killed
    // at any point leaves nothing `delete --force` cannot find: status
    // "creating" with the cgroup's directories before any is made, then
    // the init's pid as soon as it exists (and the real init's on the join
    // path). The hooks are kept as typed, never as config.json's object.
    state::Record rec = make_record(cfg, o.id, bundle, rootfs, 0);
    rec.state.status = oci::Status::Creating;
    rec.hooks = hooks_json(cfg.hooks);
    rec.init_exe = state::own_exe_id();
    auto record_pid = [&](pid_t p) {
        rec.pid = rec.state.pid = p;
        rec.pid_start_time = state::process_start_time(p);
        store.save(rec);
    };
    // The cgroup exists, with its limits, before the init does (runtime.md
    // "create": resources are applied before the user program runs).
    cg = make_cgroup(ctx, o.id, cfg, [&](const cgroup::Manager& planned) {
        rec.cgroup = planned.to_json();
        store.save(rec);
    });
    guard.cg = cg.get();
    // A "cgroup" mount shows the container's cgroups: the init, in its own
    // namespaces, cannot find them any more.
    args.rootfs.cgroup_mounts = cg->mounts();
    const int cg_fd = cg->enabled() ? cg->v2_dir_fd() : -1;
    // With a cgroup namespace, the init must sit in its cgroup before the
    // namespace is made, so that the namespace is rooted there
    // (cgroup_namespaces(7)). On pure v2 clone3(CLONE_INTO_CGROUP) does both
    // at once; otherwise the init unshares it after the parent has moved it.
    args.late_cgroupns = cg->enabled() && cg_fd < 0 && (plan.new_flags & CLONE_NEWCGROUP);

    join_for_children(plan);
    // Named variables, not a structured binding: the lambdas below capture
    // parent_end, which clang 14 does not allow of a binding (C++20 P1091).
    std::pair<Fd, Fd> ends = sys::seqpacket_pair();
    Fd& parent_end = ends.first;
    Fd& child_end = ends.second;
    args.sync = child_end.get();
    args.state_lock = dirfd.get();

    int pidfd = -1;
    uint64_t flags = 0;
    // A new time namespace is made by the init itself: its offsets can only
    // be written before any process is in it (time_namespaces(7)).
    if (args.fast_path) flags = plan.new_flags & ~(args.late_cgroupns ? CLONE_NEWCGROUP : 0UL);
    // With a user namespace (new or joined) the pid namespace must be owned
    // by it, so the init makes it after joining (and forks); else clone does.
    else if (!plan.has(CLONE_NEWUSER)) flags = plan.new_flags & CLONE_NEWPID;
    flags &= ~static_cast<uint64_t>(CLONE_NEWTIME);
    pid_t pid;
    {
        // A remapped init reaches root.path as its working directory, which
        // the kernel carries into its new mount namespace (rootfs.hpp
        // rootfs_at_cwd); ours is back right after the clone.
        std::optional<sys::WorkingDir> at_rootfs;
        if (args.rootfs.rootfs_at_cwd) at_rootfs.emplace(rootfs);
        pid = sys::clone3_pidfd(flags, cg_fd, &pidfd);
        if (pid == 0) {  // inside the scope: the init keeps that directory
            parent_end.reset();
            proc::init_main(args);  // never returns
        }
    }
    if (pid < 0) throw_errno("clone3 container init");
    child_end.reset();
    Created out;
    out.pidfd.reset(pidfd);
    guard.pid = pid;
    record_pid(pid);

    const auto& L = *cfg.linux;
    // The init reads the container process state (for a seccomp listener)
    // once its final pid is known: see proc/init.cpp.
    const bool forks = !args.fast_path && plan.has(CLONE_NEWUSER) && (plan.new_flags & CLONE_NEWPID);
    auto send_state = [&](pid_t p) {
        if (!listener) return;
        proc::send(parent_end.get(), proc::Msg::State,
                   security::container_process_state(p, L.seccomp->listenerMetadata,
                                                     initial_state_json(cfg, o.id, bundle, p)).dump());
    };
    // config-linux.md "User namespace mappings". As root (of the host or of
    // an engine's user namespace) ucrun writes any mapping itself;
    // otherwise as user_namespaces(7) allows (userns/map_writer.hpp).
    // A remapped container sees its image through an idmapped mount
    // (mount/rootfs_idmap.hpp): root-owned inside, unchanged on disk, no
    // per-file work. Made with the init's own user namespace once it has
    // its mappings, and sent with Msg::MapsDone.
    auto maps_done = [&] {
        if (plan.new_user()) {
            if (::geteuid() == 0)
                userns::write_maps(pid, L.uidMappings, L.gidMappings, false, "linux.uidMappings", "linux.gidMappings");
            else
                userns::write_maps_unprivileged(pid, L.uidMappings, L.gidMappings, "linux.uidMappings",
                                                "linux.gidMappings");
        }
        Fd idroot;
        if (lease) {
            const std::string ns = "/proc/" + std::to_string(pid) + "/ns/user";
            const Fd nsfd(::open(ns.c_str(), O_RDONLY | O_CLOEXEC));
            if (!nsfd) throw_errno("open " + ns);
            idroot = mount::make_idmapped_rootfs(rootfs, nsfd.get());
        }
        proc::send(parent_end.get(), proc::Msg::MapsDone, {}, idroot ? idroot.get() : -1);
    };
    if (cg->enabled() && cg_fd < 0) cg->add_pid(pid);
    if (args.fast_path && (plan.new_user() || args.late_cgroupns)) maps_done();
    if (args.fast_path || (!plan.new_user() && !forks)) send_state(pid);

    // Talk to the init until it is ready or fails.
    for (;;) {
        proc::Msg type;
        std::string payload;
        Fd received;
        if (!proc::recv(parent_end.get(), type, payload, &received))
            throw Error("container init exited before it was ready");
        if (type == proc::Msg::Error) proc::throw_error(payload);
        if (type == proc::Msg::NeedMaps) {
            maps_done();
            if (!forks) send_state(pid);
        } else if (type == proc::Msg::InitPid) {
            const auto decoded = proc::decode_pid(payload);
            if (!decoded) throw Error("container init sent a malformed pid");
            const pid_t init = *decoded;
            ::waitpid(pid, nullptr, 0);  // the intermediate has exited
            guard.pid = pid = init;
            out.pidfd.reset(sys::pidfd_open(pid));
            record_pid(pid);
            send_state(pid);
        } else if (type == proc::Msg::Hooks) {
            // config.md "Prestart", "CreateRuntime": in the runtime namespace
            // while the init waits before pivot_root; the pid is the one seen
            // by the runtime (runtime.md "State"). A failure kills the init
            // (the guard) and fails create.
            const nlohmann::json st = initial_state_json(cfg, o.id, bundle, pid);
            run_hook_list(hooks.prestart, HookKind::Prestart, st, bundle);
            run_hook_list(hooks.createRuntime, HookKind::CreateRuntime, st, bundle);
            proc::send(parent_end.get(), proc::Msg::HooksDone);
        } else if (type == proc::Msg::Debug) {
            ctx.log.debug(payload);  // what the init chose, e.g. a /sys bind for sysfs (mount/rootfs.hpp)
        } else if (type == proc::Msg::Console) {
            out.console = std::move(received);  // foreground run with a terminal
        } else if (type == proc::Msg::Ready) {
            break;
        }
    }

    if (cfg.process->oomScoreAdj)
        sys::write_file("/proc/" + std::to_string(pid) + "/oom_score_adj", std::to_string(*cfg.process->oomScoreAdj));

    rec.cgroup = cg->to_json();
    rec.state.status = oci::Status::Created;
    // A remapped container's config.json is the one that ran (remap::inject).
    store.save_config(o.id, lease ? doc.dump() : text);
    if (seccomp) save_seccomp(store, o.id, *seccomp);  // for exec (container/seccomp_cache.hpp)
    store.save(rec);
    if (!o.pid_file.empty()) sys::write_file_atomic(absolute_pid_file(o.pid_file), std::to_string(pid));
    // On record: the init may outlive us now (it dies with us until then,
    // proc/init.cpp). A `run` releases it with Msg::Start instead.
    if (!foreground) {
        proc::Msg type;
        std::string payload;
        if (!proc::send(parent_end.get(), proc::Msg::Recorded) || !proc::recv(parent_end.get(), type, payload) ||
            type != proc::Msg::Detached)
            throw Error("container init exited before it was ready");
    }

    guard.armed = false;
    if (lease) lease->keep();  // delete frees it (remap::release)
    out.pid = pid;
    out.sync = std::move(parent_end);
    return out;
}

}  // namespace ucrun::container
