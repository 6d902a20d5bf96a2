// create, room 1 of 3: planning. From the config (parsed, remapped,
// validated) and the command's options to what create makes: which
// namespaces clone3 creates and which the init makes or joins, the exec
// FIFO, the console, the maps, the hooks' handshakes. Pure: no system
// call, the host's facts are given (HostFacts), so that every decision is
// unit-tested without root (tests/unit/runtime/test_create_plan.cpp).
// Room 2 is spawning (container/spawn.hpp), room 3 the record and its
// rollback (container/create.cpp, container/rollback.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "container/create.hpp"
#include "ns/namespaces.hpp"
#include "oci/config.hpp"

namespace ucrun::container {

// What the planner needs to know of the host, read by the caller.
struct HostFacts {
    bool rootless = false;      // container::rootless(ctx)
    bool unprivileged = false;  // geteuid() != 0
    int listen_fds = 0;         // socket activation (container/activation.hpp)
    bool remapped = false;      // the remap policy gave the container its user namespace (remap::Lease)
};

// When the init gets the container process state of a seccomp listener:
// once its final pid is known, after its maps on the join path.
enum class StateAt { Clone, Maps, InitPid };

struct CreatePlan {
    ns::Plan ns;
    // runtime.md "start": create's init waits on <state>/exec.fifo; run's
    // for the Start message.
    bool exec_fifo = false;
    std::string console_socket;  // --console-socket to connect, "" for none
    // Every namespace is new and made by clone3 (no linux.namespaces[].path);
    // else the init joins them and unshares the rest (proc/init.cpp).
    bool fast_path = true;
    // The join path with a user namespace: the pid namespace must be owned
    // by it, so the init makes it after joining and forks the real init
    // (which it announces with InitPid).
    bool init_forks = false;
    bool write_maps = false;       // a new user namespace: ucrun writes its uid_map/gid_map
    bool idmapped_rootfs = false;  // remapped: the rootfs is idmapped with the init's user namespace
    StateAt state_at = StateAt::Clone;
    // mount/rootfs.hpp RootfsSpec.
    bool rootfs_userns = false;  // in a user namespace (the container's or ucrun's own, rootless)
    bool rootfs_at_cwd = false;  // remapped with a new mount namespace: root.path reached as the cwd
    bool no_pivot = false;
    int preserve_fds = 0;  // LISTEN_FDS first, then --preserve-fds (runc)
    bool new_keyring = true;
    bool unprivileged = false;
    // config.md "POSIX-platform Hooks" (container/hooks.hpp).
    bool hooks_sync = false;        // prestart/createRuntime: the init stops before pivot_root
    bool container_hooks = false;   // createContainer/startContainer, run by the init
    bool poststop_on_failure = false;
};

// Throws oci::SpecError naming the config.json field for what this runtime
// cannot create (no process, a new user namespace without mappings), and
// ucrun::Error for a terminal that would have nowhere to go.
CreatePlan plan_create(const oci::Config& cfg, const CreateOptions& o, bool foreground, const HostFacts& host);

// With a cgroup namespace, the init must sit in its cgroup before the
// namespace is made, so that the namespace is rooted there
// (cgroup_namespaces(7)). On pure v2 clone3(CLONE_INTO_CGROUP) does both at
// once; where the init places itself in v1 hierarchies (`places_itself`:
// cgroup::Manager::open_join_files), it unshares the namespace once placed. Off
// the fast path the init makes its namespaces itself, after that, anyway.
bool late_cgroupns(const CreatePlan& p, bool places_itself);

// Whether the init runs on ucrun's own memory until its first exec (the
// trampoline's) instead of on a copy (sys/borrowing_clone.hpp): a `run`
// whose init never waits for ucrun and that nothing but the host's root can
// reach meanwhile. So: every namespace new and made by clone3 (the fast
// path: no intermediate, no setns); no user namespace (no maps for ucrun to
// write, and the init is host root); process.user 0:0 (a change of uid or
// gid makes the memory dumpable again at fs.suid_dumpable 1 (prctl(2)
// PR_SET_DUMPABLE), and lets a host process of that uid signal it: stopped
// or killed in the middle of a malloc of ucrun's heap, or its memory
// written through /proc/<pid>/mem); a new pid namespace (nothing of the
// container sees it); no new time
// namespace (the kernel lets only a process with an mm of its own into
// one); released or detached in the trampoline (nothing between `start`
// and the program: nothing_between_release_and_program); no
// hooks (prestart and createRuntime wait for HooksDone, createContainer
// forks), no seccomp listener (State); not unprivileged (a rootless parent
// writes our maps through /proc).
bool borrows_memory(const CreatePlan& p, const oci::Config& cfg, bool seccomp_listener);

// The CLONE_NEW* flags of the init's clone3.
uint64_t clone_flags(const CreatePlan& p, bool late_cgroupns);

// Whether the init executes the trampoline as soon as it is ready, and the
// trampoline waits for Start (proc/dmz/dmz.c): a `run` (no exec FIFO) with
// nothing that must happen in ucrun's code between the release and the
// program: no startContainer hook, no seccomp filter loaded just before
// execve (with noNewPrivileges, proc/process_setup.hpp), and no LSM label
// for the exec (a domain change at the trampoline's exec could take the
// sync socket away from it).
bool release_in_trampoline(const CreatePlan& p, const oci::Config& cfg);
// The same for `create` (the exec FIFO): whether nothing must happen in
// ucrun's code between `start` and the program, so that the trampoline can
// wait on the FIFO (done only for an init on ucrun's memory: borrows_memory).
bool nothing_between_release_and_program(const oci::Config& cfg);

}  // namespace ucrun::container
