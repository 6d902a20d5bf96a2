// The last steps before execve(2) shared by the container's init
// (proc/init.cpp) and by a process joining a running container
// (proc/exec.cpp): config.md "Process" rlimits, cwd, user and
// capabilities, and what reaches the new program (fds, environment).
// The system calls go through `k` (sys/kernel.hpp), chosen by the entry
// (init_main, exec_main): tests/unit/proc checks the order through a fake.
#pragma once

#include <string>
#include <vector>

#include "oci/config.hpp"
#include "security/capabilities.hpp"
#include "security/seccomp.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

// process.rlimits: setrlimit(2) for each entry.
void apply_rlimits(const sys::Kernel& k, const std::vector<oci::Rlimit>& rlimits);
// Refuses, naming the process.rlimits entry, an RLIMIT_NOFILE soft limit
// that leaves no descriptor free for what the caller must still open after
// apply_rlimits (`what`: the exec FIFO's write end, the seccomp listener).
// Called before the limit applies: once it does, every open(2) fails, and
// so do the sanitizers' own checks in a -Db_sanitize build (their vptr
// check probes memory through a pipe(2): tests/ROBUSTNESS.md), which then
// report a valid exception object as having an invalid vptr.
void check_nofile_room(const sys::Kernel& k, const oci::Process& p, const char* what);

// process.cwd, resolved inside the current root without magic links: a cwd
// of /proc/self/fd/N cannot reach a host directory (CVE-2024-21626). The
// init creates a missing cwd (runc does); `exec` does not, and fails with
// runc's wording: chdir to cwd ("/x") set in config.json failed: <reason>.
void enter_cwd(const sys::Kernel& k, const oci::Process& p, bool create = true);

// process.user: groups, gid, uid; capabilities survive the switch through
// PR_SET_KEEPCAPS (security/capabilities.hpp documents the order).
void switch_user(const sys::Kernel& k, const oci::Process& p, const security::CapSets& caps, int last_cap,
                 bool set_groups);

// Only stdio and fds 3 .. 3+preserve-1 (--preserve-fds, LISTEN_FDS) reach
// the container (CVE-2024-21626). The others are marked close-on-exec, not
// closed: the channel to the parent and the trampoline's memfd stay usable
// until execve succeeds.
void close_extra_fds(const sys::Kernel& k, int preserve);
// The same now, not at execve: closes every fd above stdio and the
// preserved ones but those in `keep` (-1s ignored). The caller holds no
// owner (Fd) of a closed one that it resets later: that would close
// whatever reuses the number.
void close_fds_but(const sys::Kernel& k, int preserve, std::vector<int> keep);

// Loads the seccomp filter compiled by the parent. With SCMP_ACT_NOTIFY
// the listener fd goes to linux.seccomp.listenerPath (`listener`, connected
// by the parent since the path is on the host) together with the container
// process state, in one message; then that connection is closed
// (config-linux.md "The Container Process State", "listenerPath").
void load_seccomp(const security::Program& prog, int listener, const std::string& process_state);

// The last steps of every container process, in the init and in exec, in
// runc's order: LSM labels for the exec, rlimits, scheduler, I/O priority,
// the seccomp filter when it must be loaded while still privileged (without
// no_new_privs it needs CAP_SYS_ADMIN), user, groups and capabilities, and
// no_new_privs. With no_new_privs the caller loads the filter itself, as
// late as possible, just before execve.
void finalize_process(const sys::Kernel& k, const oci::Process& p, const security::CapSets& caps, int last_cap,
                      bool set_groups, const security::Program* seccomp, int listener,
                      const std::string& process_state);

// runc (libcontainer setupUser): HOME=<the user's home from the container's
// /etc/passwd, else "/"> is added when process.env has no HOME. Call after
// entering the container's root.
void add_home_env(const sys::Kernel& k, std::vector<std::string>& env, uint32_t uid);

}  // namespace ucrun::proc
