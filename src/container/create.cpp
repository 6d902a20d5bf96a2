#include "container/create.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <optional>

#include "container/activation.hpp"
#include "config.h"
#include "container/cgroups.hpp"
#include "container/config_checks.hpp"
#include "container/create_plan.hpp"
#include "container/hooks.hpp"
#include "container/record.hpp"
#include "container/remap.hpp"
#include "container/rollback.hpp"
#include "container/rootless.hpp"
#include "container/seccomp_cache.hpp"
#include "container/spawn.hpp"
#include "mount/host_binds.hpp"
#include "mount/idmap.hpp"
#include "ns/namespaces.hpp"
#include "oci/container_id.hpp"
#include "oci/parse.hpp"
#include "proc/init.hpp"
#include "proc/sync.hpp"
#include "proc/trampoline.hpp"
#include "security/capabilities.hpp"
#include "security/seccomp.hpp"
#include "state/store.hpp"
#include "sys/borrowing_clone.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/socket.hpp"

namespace ucrun::container {

namespace {

std::string absolute(const std::string& p, const std::string& what) {
    char buf[PATH_MAX];
    if (!::realpath(p.c_str(), buf)) throw_errno(what + " " + p);
    return buf;
}

std::string read_config(const std::string& bundle) {
    try {
        return sys::read_regular_file(bundle + "/config.json");
    } catch (const SysError& e) {
        throw SysError("config.json: open " + bundle + "/config.json", e.code());
    } catch (const Error& e) {
        throw Error(std::string("config.json: ") + e.what());
    }
}

}  // namespace

Created create(const sys::Kernel& k, Context& ctx, const CreateOptions& o, bool foreground) {
    if (auto why = oci::container_id_problem(o.id); !why.empty())
        throw Error("invalid container id \"" + o.id + "\": " + why);
    const std::string bundle = absolute(o.bundle, "bundle");
    // config.json is parsed once, into the read-only DOM (oci/dom.hpp); its
    // text is kept as given (state store).
    oci::dom::Document doc = oci::parse_dom(read_config(bundle));
    oci::Config cfg = oci::parse_config(doc);
    // A remapped container's config.json is written back with the user
    // namespace it runs in (remap::inject): nlohmann's DOM, made for that
    // only; it accepts the texts parse_dom does.
    std::optional<nlohmann::json> remapped_doc;
    // The runtime's remap policy (container/remap.hpp): a user namespace
    // for a bundle without one, on a block of ids taken here (the one side
    // effect before the state directory: an id taken by a live container
    // is refused first, and the rollback frees the block on every failure).
    std::optional<remap::Lease> lease;
    const auto& policy = ctx.config.userns;
    // Rootless, there is no range to take ids from but the caller's own,
    // which its bundle maps itself: the policy is root's.
    if (policy.remap != config::Remap::Off && !rootless(ctx) &&
        remap::decide(policy, cfg, ctx.config.path.empty() ? "the runtime's settings" : ctx.config.path) ==
            remap::Decision::Inject) {
        state::Store(ctx.root).check_free(o.id);
        lease.emplace(ctx.root, o.id, policy);
        remapped_doc = oci::parse_document(doc.text());
        remap::inject(cfg, *remapped_doc, lease->block(), lease->user(), policy.allocation);
    }
    // Declared before the rollback, which refers to them: they outlive it.
    state::Store store(ctx.root);
    CgroupPlan cgp;
    std::unique_ptr<cgroup::Manager>& cg = cgp.cg;
    Created out;
    Rollback rollback;
    rollback.add("id block", [&lease] { lease.reset(); });  // remap::Lease frees it unless kept

    // Room 1: what to make (container/create_plan.hpp), planned with every
    // config check in one order (container/config_checks.hpp). Validated as
    // it will run: an `idmap` mount of a bundle without a user namespace is
    // valid once the remap has given it one.
    HostFacts host;
    host.rootless = rootless(ctx);
    host.unprivileged = k.geteuid() != 0;
    host.listen_fds = activation::listen_fds();  // socket activation passes through (container/activation.hpp)
    host.remapped = lease.has_value();
    const CreatePlan plan = check_and_plan(k, cfg, o, foreground, host, ctx.allow_host_root_mapping);
    if (host.listen_fds > 0) activation::add_listen_env(*cfg.process, host.listen_fds);
    std::string rootfs_cfg = cfg.root.path[0] == '/' ? cfg.root.path : bundle + "/" + cfg.root.path;
    struct stat st;
    if (k.fstatat(AT_FDCWD, rootfs_cfg.c_str(), &st, 0) < 0)  // stat(2)
        throw SysError("config.json: root.path: " + rootfs_cfg, errno);
    const std::string rootfs = absolute(rootfs_cfg, "root.path");

    // Room 3, the record: everything that can fail without side effects is
    // done; from here on the rollback undoes what is made.
    Fd dirfd;
    try {
        dirfd = store.create_dir(o.id);
    } catch (...) {
        // Another create took the id between check_free and here: the
        // block is that container's now (Lease).
        if (lease) lease->keep();
        throw;
    }
    // runtime.md "Lifecycle" 13 after 12: the poststop hooks of a failed
    // create run once the rest is undone.
    if (plan.poststop_on_failure)
        rollback.add("poststop hooks", [&] {
            nlohmann::json st = initial_state_json(cfg, o.id, bundle, 0);
            st["status"] = "stopped";
            run_poststop(ctx, cfg.hooks.poststop, st, bundle);
        });
    rollback.add("state directory", [&] { store.remove(o.id); });
    if (!activation::notify_host().empty()) activation::prepare_notify(cfg, store.dir(o.id));

    Fd fifo;
    if (plan.exec_fifo) {
        // runtime.md "start": the init blocks on this FIFO until `start`.
        if (k.mknodat(dirfd.get(), "exec.fifo", S_IFIFO | 0622, 0) < 0)  // mkfifoat(3)
            throw_errno("mkfifo " + store.dir(o.id) + "/exec.fifo");
        if (k.fchmodat(dirfd.get(), "exec.fifo", 0622, 0) < 0) throw_errno("chmod exec.fifo");  // umask
        fifo.reset(k.openat(dirfd.get(), "exec.fifo", O_PATH | O_CLOEXEC));
        if (!fifo) throw_errno("open exec.fifo");
    }
    Fd console;
    if (!plan.console_socket.empty()) console = sys::connect_unix(plan.console_socket, SOCK_STREAM);

    std::optional<security::Program> seccomp;
    Fd listener;
    if (cfg.linux->seccomp) {
        // Shared by the containers of this root (container/seccomp_cache.hpp).
        // parse_config read linux.seccomp, so it is there.
        seccomp = compile_shared(store, doc.source(*doc.root().find("linux")->find("seccomp")), *cfg.linux->seccomp);
        // config-linux.md "listenerPath": ignored unless SCMP_ACT_NOTIFY is used.
        if (cfg.linux->seccomp->listenerPath && seccomp->uses_notify)
            listener = sys::connect_unix(*cfg.linux->seccomp->listenerPath, SOCK_STREAM);
    }

    proc::InitArgs args;
    args.rootfs.cfg = &cfg;
    args.rootfs.bundle = bundle;
    args.rootfs.rootfs = rootfs;
    args.rootfs.ns = &plan.ns;
    args.rootfs.userns = plan.rootfs_userns;
    args.rootfs.no_pivot = plan.no_pivot;
    args.rootfs.rootfs_at_cwd = plan.rootfs_at_cwd;
    // Idmapped binds are made here, as host root (mount/idmap.hpp); the
    // init attaches them. Detached mounts: closed, and gone, when create
    // returns, on success or failure.
    std::map<size_t, Fd> idmapped = mount::make_idmapped_mounts(k, cfg, bundle);
    // A remapped init may not reach the bind sources (mount/host_binds.hpp).
    if (lease) idmapped.merge(mount::clone_host_binds(k, cfg, bundle, rootfs, idmapped));
    for (const auto& [i, fd] : idmapped) args.rootfs.premade[i] = fd.get();

    args.exec_fifo = fifo ? fifo.get() : -1;
    const Fd trampoline = proc::make_trampoline();  // CVE-2019-5736: proc/trampoline.hpp
    args.trampoline = trampoline.get();
    args.release_in_trampoline = release_in_trampoline(plan, cfg);
    args.preserve_fds = plan.preserve_fds;
    args.new_keyring = plan.new_keyring;
    args.unprivileged = plan.unprivileged;
    args.fast_path = plan.fast_path;
    args.last_cap = security::read_last_cap();
    const security::CapSets caps = security::resolve(cfg.process->capabilities, args.last_cap);
    for (const auto& n : caps.ignored) ctx.log.warn("process.capabilities: ignoring unknown or unavailable capability " + n);
    args.caps = &caps;
    args.seccomp = seccomp ? &*seccomp : nullptr;
    args.console_socket = console ? console.get() : -1;
    args.seccomp_listener = listener ? listener.get() : -1;
    args.state_lock = dirfd.get();

    // config.md "POSIX-platform Hooks" (container/hooks.hpp); no hooks, no work.
    args.hooks_sync = plan.hooks_sync;
    nlohmann::json hook_state;
    if (plan.container_hooks) {
        hook_state = initial_state_json(cfg, o.id, bundle, 0);
        args.hook_state = &hook_state;
        args.run_hooks = &run_hook_list;
    }

    // The record comes before what it describes, so that a create killed
    // at any point leaves nothing `delete --force` cannot find: status
    // "creating" with the cgroup's directories before any is made, then
    // the init's pid as soon as it exists (and the real init's on the join
    // path). The hooks are kept as typed, never as config.json's object.
    state::Record rec = make_record(cfg, o.id, bundle, rootfs, 0);
    rec.state.status = oci::Status::Creating;
    rec.hooks = cfg.hooks;
    rec.init_exe = state::own_exe_id();
    // The cgroup exists, with its limits, before the init is placed there,
    // and that before anything of the container runs (runtime.md "create":
    // resources are applied before the user program runs): made before the
    // clone, which places the init in its cgroup2 part; the init places
    // itself in the v1 hierarchies first of all (cgroup::Manager::clone_fd).
    cgp = plan_cgroup(ctx, o.id, cfg, [&](const cgroup::Manager& planned) {
        rec.cgroup = planned.save();
        // Without a cgroup there is nothing to name before the pid: a
        // create killed before that leaves a directory without state.json,
        // which `delete --force` removes (container/ops.cpp remove).
        if (planned.enabled()) store.save(rec);
    });
    rollback.add("cgroup", [&cg] { cg->destroy(); });
    make_cgroup(cfg, o.id, cgp);
    // A "cgroup" mount shows the container's cgroups: the init, in its own
    // namespaces, cannot find them any more.
    args.rootfs.cgroup_mounts = cg->mounts();
    const CgroupEntry cg_entry = cgroup_entry(cg.get());  // open until the init has entered
    args.cgroup = cg_entry.join();
    // The init on our memory (container/create_plan.hpp borrows_memory).
    const bool borrow = sys::kCanBorrowMemory && borrows_memory(plan, cfg, static_cast<bool>(listener));
    // A create on our memory: its init may not wait for the record before
    // its exec, so the trampoline waits (proc/init.hpp), and it is what
    // runs as the init until `start` (state::live_status).
    args.detach_in_trampoline = borrow && plan.exec_fifo;
    if (args.detach_in_trampoline) rec.init_exe = state::fd_file_id(trampoline.get());
    args.late_cgroupns = late_cgroupns(plan, !cg_entry.files.empty());

    // Room 2: the init, until it is ready (container/spawn.hpp).
    SpawnRequest req;
    req.ctx = &ctx;
    req.cfg = &cfg;
    req.plan = &plan;
    req.id = o.id;
    req.bundle = bundle;
    req.rootfs = rootfs;
    req.args = &args;
    req.cgroup = &cg_entry;
    req.seccomp_listener = static_cast<bool>(listener);
    req.borrow_memory = borrow;
    if (borrow) ctx.log.debug("init: on ucrun's memory until the trampoline's exec (clone3 CLONE_VM|CLONE_VFORK)");
    // While the init sets up (it waits for none of this), what the last
    // record needs: config.json and the seccomp cache, which no command
    // reads before the record says "created", and that record's text. Once
    // the init is ready, one write of it is all that stands between Ready
    // and the release.
    std::string created_record;
    bool files_saved = false;
    req.on_pid = [&](pid_t p) {
        rec.pid = rec.state.pid = p;
        rec.pid_start_time = state::process_start_time(p);
        // An init on our memory is past its setup when we learn its pid,
        // and the created record follows at once: a record of the pid
        // alone would only cover that moment, in which the init still
        // dies with us (its parent-death signal, and the hang-up of its
        // socket, stand until Recorded or Start; proc/dmz/dmz.c). What
        // `delete --force` then finds (the "creating" record, or a
        // directory without one) is all there is to undo.
        if (!borrow) store.save(rec);
        if (!files_saved) {
            // A remapped container's config.json is the one that ran (remap::inject).
            store.save_config(o.id, remapped_doc ? remapped_doc->dump() : doc.text());
            if (seccomp) save_seccomp(store, o.id, *seccomp);  // for exec (container/seccomp_cache.hpp)
            files_saved = true;
        }
        state::Record done = rec;
        done.cgroup = cg->save();  // made by now (make_cgroup comes before the pid)
        done.state.status = oci::Status::Created;
        created_record = state::Store::encode(done);
    };
    spawn_init(k, req, rollback, out);

    if (cfg.process->oomScoreAdj)
        sys::write_file("/proc/" + std::to_string(out.pid) + "/oom_score_adj",
                        std::to_string(*cfg.process->oomScoreAdj));
    store.save_encoded(o.id, created_record);
    if (!o.pid_file.empty()) sys::write_file_atomic(absolute_pid_file(o.pid_file), std::to_string(out.pid));
    // On record: the init may outlive us now (it dies with us until then,
    // proc/init.cpp). A `run` releases it with the Start message instead.
    if (!foreground) {
        std::optional<proc::Message> m;
        if (!proc::send(out.sync.get(), proc::Recorded{}) || !(m = proc::recv(out.sync.get())) ||
            !std::holds_alternative<proc::Detached>(*m))
            throw Error("container init exited before it was ready");
    }

    out.poststart_hooks = !cfg.hooks.poststart.empty();
    out.release_in_trampoline = args.release_in_trampoline;
    // run: the parsed config goes with `out` (Created::parsed), moved, not
    // copied, so that nothing is freed now. Allocated before the commit:
    // after it, nothing may throw.
    struct Parsed {
        std::optional<oci::dom::Document> doc;
        std::optional<nlohmann::json> remapped_doc;
        oci::Config cfg;
    };
    std::shared_ptr<Parsed> parsed = foreground ? std::make_shared<Parsed>() : nullptr;
    rollback.commit();
    if (lease) lease->keep();  // delete frees it (remap::release)
    if (parsed) {
        parsed->doc = std::move(doc);
        parsed->remapped_doc = std::move(remapped_doc);
        parsed->cfg = std::move(cfg);
        out.parsed = std::move(parsed);
    }
    return out;
}

}  // namespace ucrun::container
