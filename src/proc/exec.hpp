// A process joining a running container (`ucrun exec`): the child side.
// ucrun has entered the container's pid (and time) namespaces for its
// children and clone3()d this process into them; here it joins the other namespaces of the
// container's init in one setns(pidfd, ...) and finishes like the init does
// (proc/process_setup.hpp), then execve(2)s. Its cgroup it joins as the
// init does: the clone places it in the cgroup2 part, it places itself in
// the v1 hierarchies (cgroup::Manager::clone_fd). Returns only by exec or _exit;
// failures go to the parent as an Error message (proc/messages.hpp) on `sync`.
#pragma once

#include "oci/config.hpp"
#include "proc/cgroup_join.hpp"
#include "proc/cpu_affinity.hpp"
#include "security/capabilities.hpp"
#include "security/seccomp.hpp"

namespace ucrun::proc {

struct ExecArgs {
    const oci::Process* process = nullptr;  // args, env, cwd, user... all final
    int init_pidfd = -1;                    // pidfd of the container's init
    unsigned long ns_flags = 0;             // CLONE_NEW* to join with setns(init_pidfd, ...)
    int sync = -1;                          // our end of the socketpair (close-on-exec)
    int console_socket = -1;                // --console-socket; -1 with a terminal: master over `sync`
    int preserve_fds = 0;                   // fds 3 .. 3+N-1 stay open
    int trampoline = -1;                    // sealed memfd the program is executed through (proc/trampoline.hpp)
    int last_cap = 40;
    bool set_groups = true;                 // false: the user namespace has setgroups "deny"
    security::CapSets caps;                 // resolved by the parent
    const security::Program* seccomp = nullptr;  // the container's linux.seccomp
    int seccomp_listener = -1;              // connected linux.seccomp.listenerPath
    // The container's cgroup, which the process enters first of all
    // (proc/cgroup_join.hpp).
    CgroupJoin cgroup;
    // config.md "execCPUAffinity" final: set by the process on itself once
    // it is in its cgroup (a v1 cpuset's attach resets the affinity).
    const ExecAffinity* affinity = nullptr;
};

[[noreturn]] void exec_main(const ExecArgs& a);

}  // namespace ucrun::proc
