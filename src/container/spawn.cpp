#include "container/spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <variant>

#include "container/hooks.hpp"
#include "container/record.hpp"
#include "mount/rootfs_idmap.hpp"
#include "ns/namespaces.hpp"
#include "proc/error_msg.hpp"
#include "proc/sync.hpp"
#include "security/seccomp.hpp"
#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/kernel.hpp"
#include "sys/socket.hpp"
#include "sys/syscalls.hpp"
#include "userns/idmap.hpp"
#include "userns/map_writer.hpp"

namespace ucrun::container {

namespace {

// The parent's side of the sync protocol, from the clone to Ready.
class Talk {
public:
    Talk(const sys::Kernel& k, const SpawnRequest& r, Created& out, Fd& sync) : k_(k), r_(r), out_(out), sync_(sync) {}

    void run(bool maps_at_clone) {
        const CreatePlan& plan = *r_.plan;
        // The maps first: with them the init goes on with its mounts. It
        // is in its cgroup already (the clone, InitArgs::cgroup).
        if (maps_at_clone) maps_done();
        // The record gets the pid once the init is on its way: an init that
        // waits for its maps waits no longer for the record's write
        // (0.2-0.5 ms on a disk /run). It dies with us until it is
        // recorded (die_with_parent, before any of its work), and the
        // rollback kills it by out_.pid.
        r_.on_pid(out_.pid);
        if (plan.state_at == StateAt::Clone) send_state();
        // Talk to the init until it is ready or fails.
        for (;;) {
            std::optional<proc::Message> m = proc::recv(sync_.get());
            if (!m) throw Error("container init exited before it was ready");
            if (std::holds_alternative<proc::Ready>(*m)) return;
            std::visit([&](auto& msg) { on(msg); }, *m);
        }
    }

private:
    void on(proc::ErrorMsg& e) { proc::throw_error(e.error); }
    void on(proc::NeedMaps&) {
        maps_done();
        if (r_.plan->state_at == StateAt::Maps) send_state();
    }
    void on(proc::InitPid& ip) {
        k_.waitpid(out_.pid, nullptr, 0);  // the intermediate has exited
        out_.pid = ip.pid;
        out_.pidfd.reset(k_.pidfd_open(out_.pid, 0));
        r_.on_pid(out_.pid);
        if (r_.plan->state_at == StateAt::InitPid) send_state();
    }
    void on(proc::Hooks&) {
        // config.md "Prestart", "CreateRuntime": in the runtime namespace
        // while the init waits before pivot_root; the pid is the one seen
        // by the runtime (runtime.md "State"). A failure kills the init
        // (the rollback) and fails create.
        const oci::Hooks& hooks = r_.cfg->hooks;
        const nlohmann::json st = initial_state_json(*r_.cfg, r_.id, r_.bundle, out_.pid);
        run_hook_list(hooks.prestart, HookKind::Prestart, st, r_.bundle);
        run_hook_list(hooks.createRuntime, HookKind::CreateRuntime, st, r_.bundle);
        proc::send(sync_.get(), proc::HooksDone{});
    }
    void on(proc::Debug& d) {
        r_.ctx->log.debug(d.line);  // what the init chose, e.g. a /sys bind for sysfs (mount/rootfs.hpp)
    }
    void on(proc::Console& c) { out_.console = std::move(c.master); }  // foreground run with a terminal
    // What the init does not send (the parent's own messages, Ready handled
    // in run, Detached after the record): ignored, as before.
    template <class M>
    void on(M&) {}

    // config-linux.md "User namespace mappings". As root (of the host or of
    // an engine's user namespace) ucrun writes any mapping itself;
    // otherwise as user_namespaces(7) allows (userns/map_writer.hpp).
    // A remapped container sees its image through an idmapped mount
    // (mount/rootfs_idmap.hpp): root-owned inside, unchanged on disk, no
    // per-file work. Made with the init's own user namespace once it has
    // its mappings, and sent with MapsDone.
    void maps_done() {
        const oci::Linux& L = *r_.cfg->linux;
        if (r_.plan->write_maps) {
            if (!r_.plan->unprivileged)
                userns::write_maps(k_, out_.pid, L.uidMappings, L.gidMappings, false, "linux.uidMappings",
                                   "linux.gidMappings");
            else
                userns::write_maps_unprivileged(k_, out_.pid, L.uidMappings, L.gidMappings, "linux.uidMappings",
                                                "linux.gidMappings");
        }
        proc::MapsDone done;
        if (r_.plan->idmapped_rootfs) {
            const std::string ns = "/proc/" + std::to_string(out_.pid) + "/ns/user";
            const Fd nsfd(k_.open(ns.c_str(), O_RDONLY | O_CLOEXEC));
            if (!nsfd) throw_errno("open " + ns);
            done.rootfs = mount::make_idmapped_rootfs(k_, r_.rootfs, nsfd.get());
        }
        proc::send(sync_.get(), std::move(done));
    }

    // The init reads the container process state (for a seccomp listener)
    // once its final pid is known: see proc/init.cpp.
    void send_state() {
        if (!r_.seccomp_listener) return;
        const oci::Config& cfg = *r_.cfg;
        proc::send(sync_.get(),
                   proc::State{security::container_process_state(out_.pid, cfg.linux->seccomp->listenerMetadata,
                                                                 initial_state_json(cfg, r_.id, r_.bundle, out_.pid))
                                   .dump()});
    }

    const sys::Kernel& k_;
    const SpawnRequest& r_;
    Created& out_;
    Fd& sync_;
};

// The init's start on our memory (SpawnRequest::borrow_memory): we are
// suspended in the clone meanwhile. It closes our end of the socket in its
// own descriptor table, by number: the Fd is ours.
struct BorrowedStart {
    int parent_end;
    const proc::InitArgs* args;
};
int start_borrowing_init(void* p) {
    const auto* s = static_cast<const BorrowedStart*>(p);
    ::close(s->parent_end);
    proc::init_main(*s->args);  // never returns
}

// The init on our memory changes its flags as its own (it makes itself
// not dumpable: proc/init.cpp); ours are as they were once it has gone.
class KeepDumpable {
public:
    explicit KeepDumpable(const sys::Kernel& k) : k_(k), was_(k.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)) {}
    ~KeepDumpable() {
        if (was_ > 0 && k_.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != was_) k_.prctl(PR_SET_DUMPABLE, was_, 0, 0, 0);
    }
    KeepDumpable(const KeepDumpable&) = delete;
    KeepDumpable& operator=(const KeepDumpable&) = delete;

private:
    const sys::Kernel& k_;
    int was_;
};

}  // namespace

void spawn_init(const sys::Kernel& k, const SpawnRequest& r, Rollback& rollback, Created& out) {
    const CreatePlan& plan = *r.plan;
    proc::InitArgs& args = *r.args;
    // The init is born in the pid and time namespaces it joins; hooks and
    // helpers started after the clone are the host's (ns/for_children.hpp).
    ns::ChildrenIn children_in(k);
    ns::join_for_children(k, plan.ns, children_in);
    // Named variables, not a structured binding: clang 14 does not allow a
    // lambda to capture a binding (C++20 P1091).
    std::pair<Fd, Fd> ends = sys::seqpacket_pair(k);
    Fd& parent_end = ends.first;
    Fd& child_end = ends.second;
    args.sync = child_end.get();

    int pidfd = -1;
    pid_t pid;
    {
        // A remapped init reaches root.path as its working directory, which
        // the kernel carries into its new mount namespace (rootfs.hpp
        // rootfs_at_cwd); ours is back right after the clone.
        std::optional<sys::WorkingDir> at_rootfs;
        if (args.rootfs.rootfs_at_cwd) at_rootfs.emplace(r.rootfs);
        struct clone_args ca = sys::pidfd_clone_args(clone_flags(plan, args.late_cgroupns), r.cgroup ? r.cgroup->clone_fd : -1, &pidfd);
        if (r.borrow_memory) {
            // Returns once the init has executed the trampoline (or failed:
            // its Error is waiting on the socket).
            const KeepDumpable dumpable(k);
            BorrowedStart start{parent_end.get(), &args};
            pid = k.borrowing_clone3(&ca, sizeof ca, start_borrowing_init, &start);
        } else {
            pid = k.clone3(&ca, sizeof ca);
            if (pid == 0) {  // inside the scope: the init keeps that directory
                parent_end.reset();
                proc::init_main(args);  // never returns
            }
        }
    }
    // A cgroup2 directory may refuse the init (EBUSY: it has controllers
    // enabled for children, cgroup-v2.rst "no internal processes").
    if (pid < 0) throw_errno("clone3 container init" + (r.cgroup ? into_cgroup(*r.cgroup) : ""));
    children_in.leave();
    child_end.reset();
    out.pidfd.reset(pidfd);
    out.pid = pid;
    // The intermediate child on the join path, then the real init: whatever
    // out.pid is when the create fails.
    rollback.add("init process", [&k, &out] {
        k.kill(out.pid, SIGKILL);
        k.waitpid(out.pid, nullptr, __WALL);
    });

    Talk(k, r, out, parent_end).run(plan.fast_path && plan.write_maps);
    out.sync = std::move(parent_end);
}

}  // namespace ucrun::container
