// The container's init: everything that happens inside the new namespaces
// between clone and execve (runtime.md "Lifecycle" steps 2-4 and the
// start operation). Runs in the child of clone3; returns only by exec or
// _exit. Never throws across the clone boundary: failures are sent to the
// parent as an Error message (proc/messages.hpp).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mount/rootfs.hpp"
#include "ns/namespaces.hpp"
#include "proc/cgroup_join.hpp"
#include "oci/config.hpp"
#include "security/capabilities.hpp"
#include "security/seccomp.hpp"

namespace ucrun::proc {

struct InitArgs {
    // The config and the namespace plan travel once, in `rootfs` (the mount
    // code needs both as well): read them through cfg() and ns().
    mount::RootfsSpec rootfs;
    const oci::Config& cfg() const { return *rootfs.cfg; }
    const ns::Plan& ns() const { return *rootfs.ns; }
    int sync = -1;          // our end of the socketpair
    int state_lock = -1;    // the parent's locked state dir fd: closed first, so the lock goes with the parent
    int exec_fifo = -1;     // O_PATH fd of <state>/exec.fifo; -1: wait for the Start message
    int trampoline = -1;    // sealed memfd the user's program is executed through (proc/trampoline.hpp)
    // `run` with nothing to do between the release and the program: the
    // trampoline is executed at Ready and waits for Start itself
    // (release_in_trampoline, container/create_plan.hpp).
    bool release_in_trampoline = false;
    // `create` on ucrun's memory, which may not wait before its exec: the
    // trampoline waits for Recorded and on the exec FIFO itself (proc/dmz).
    bool detach_in_trampoline = false;
    int preserve_fds = 0;   // fds 3 .. 3+N-1 stay open (plus LISTEN_FDS)
    bool new_keyring = true;
    // The parent is not root (rootless): it writes our maps as an ordinary
    // user (userns/map_writer.hpp), which needs us dumpable until then
    // (/proc/<pid>/uid_map of a non-dumpable process belongs to root), and
    // setgroups may be denied in our user namespace.
    bool unprivileged = false;
    // Every namespace is new and made by clone3 itself (ns::Plan without
    // joins); else the init joins and unshares them (proc/init.cpp).
    bool fast_path = true;
    // Our cgroup, which we enter first of all (proc/cgroup_join.hpp).
    CgroupJoin cgroup;
    // A new cgroup namespace that clone3 could not make (the init joins v1
    // hierarchies itself on the fast path): the init unshares it once
    // placed, so that the namespace is rooted there.
    bool late_cgroupns = false;
    int last_cap = 40;
    const security::CapSets* caps = nullptr;  // process.capabilities, resolved by the parent
    const security::Program* seccomp = nullptr;  // linux.seccomp, compiled by the parent
    int console_socket = -1;        // connected --console-socket: the pty master goes here
    int seccomp_listener = -1;      // connected linux.seccomp.listenerPath
    // config.md "POSIX-platform Hooks" (container/hooks.hpp). hooks_sync:
    // stop before pivot_root with a Hooks message until the parent has run the
    // prestart and createRuntime hooks. createContainer and startContainer
    // run here, through run_hooks (container::run_hook_list: proc does not
    // depend on the container module), with hook_state (runtime.md "State",
    // status and pid set here) on stdin.
    bool hooks_sync = false;
    void (*run_hooks)(const std::vector<oci::Hook>& hooks, const char* kind, const std::string& state,
                      const std::string& cwd, int trampoline) = nullptr;
    const nlohmann::json* hook_state = nullptr;  // built by the parent
};

[[noreturn]] void init_main(const InitArgs& a);

}  // namespace ucrun::proc
