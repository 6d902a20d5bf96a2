// The container init's steps that only talk to the kernel (no message to
// the parent), taken out of run_init (proc/init.cpp) in the order it runs
// them. Each goes through `k` (sys/kernel.hpp): init_main passes the real
// kernel, tests/unit/proc a recording fake that pins the order and the
// error texts without root.
#pragma once

#include <string>
#include <vector>

#include "oci/config.hpp"
#include "proc/init.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::proc {

// Becomes root of the (new or joined) user namespace, gid before uid
// (setresuid to 0 first would leave no right to change the gid), so that
// files are accessed with the container's ids and not as host root; with
// `set_groups`, the supplementary groups are emptied last.
void become_ns_root(const sys::Kernel& k, bool set_groups);

// A rootless init (InitArgs::unprivileged) in a user namespace: whether
// setgroups is allowed there (/proc/self/setgroups). user_namespaces(7):
// a gid map written without privilege needs it denied, for the whole
// namespace; the container's groups are then the ones it was born with
// (runc does the same), and process.user.additionalGids is refused.
bool groups_settable(const sys::Kernel& k, const oci::Process& p);

// config-linux.md "Offset for Time Namespace": unshare, write the offsets,
// enter the namespace through time_for_children (time_namespaces(7)).
void enter_new_time_ns(const sys::Kernel& k, const oci::Config& cfg);

// The settings of the container's own namespaces, once they exist: the
// hostname and domainname (UTS namespace), a fresh session keyring
// (--no-new-keyring skips), and linux.sysctl through the host's procfs,
// which is returned (open_exec_fifo reopens the FIFO through it).
Fd settle_namespaces(const sys::Kernel& k, const InitArgs& a);

// The process's own setup once its root is the container's, in runc's
// order: personality, process.cwd, HOME, linux.memoryPolicy, the
// RLIMIT_NOFILE room checks, then finalize_process (rlimits, scheduler,
// ids, capabilities, no_new_privs: proc/process_setup.hpp). Returns the
// environment of the program (process.env and HOME).
std::vector<std::string> prepare_process(const sys::Kernel& k, const InitArgs& a, bool set_groups,
                                         const std::string& process_state);

}  // namespace ucrun::proc
