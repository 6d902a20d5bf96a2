// linux.seccomp (config-linux.md "Seccomp") -> a classic-BPF program.
//
// Two halves, run in two places:
//
//  * compile() runs in the runtime (before clone; it may allocate, log, use
//    libseccomp freely). It builds the filter with libseccomp and exports the
//    BPF (seccomp_export_bpf) into a Program: plain instructions plus the
//    seccomp(2) flags. A Program can be cached (to_bytes/from_bytes).
//  * load() runs in the container init, as the very last step before
//    execve(2). It is one raw seccomp(SECCOMP_SET_MODE_FILTER) call: no
//    libseccomp, no allocation on the success path.
//
// Privilege rule for load() (kernel: Documentation/userspace-api/seccomp_filter.rst):
// the caller must have either no_new_privs set (prctl(PR_SET_NO_NEW_PRIVS, 1),
// which the init does when process.noNewPrivileges is true) or CAP_SYS_ADMIN in
// its user namespace. So, as runc does:
//   - process.noNewPrivileges == true : set NNP, then load() just before execve
//     (after capabilities were applied);
//   - otherwise                       : load() BEFORE capabilities::apply() drops
//     CAP_SYS_ADMIN (the remaining setup syscalls then run under the filter).
//
// Behaviour follows runc where the spec is silent:
//   - syscall names libseccomp does not know are skipped (debug log + the name
//     in Program::skipped);
//   - a rule whose action equals the default action is skipped;
//   - several args with the same index -> one rule per arg (OR), else one rule
//     with all args (AND);
//   - SCMP_ACT_KILL means kill-thread; ERRNO/TRACE default to EPERM;
//   - SECCOMP_FILTER_FLAG_TSYNC is accepted and ignored (the init is
//     single-threaded);
//   - SCMP_ACT_NOTIFY may not be the default action, nor apply to the syscalls
//     the init still makes after load() (CompileOptions::notify_forbidden).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/config.hpp"

namespace ucrun::security {

struct CompileOptions {
    // Called once per skipped syscall name ("unknown seccomp syscall "x" ignored").
    std::function<void(const std::string&)> debug;
    // Syscalls that may not be given SCMP_ACT_NOTIFY: the init makes them
    // between load() and execve (sending the listener fd to the runtime), and
    // would wait forever on an agent that does not have the fd yet.
    std::vector<std::string> notify_forbidden{"write", "sendmsg", "close"};
    // Check the requested flags against the running kernel (probe below).
    bool check_kernel_flags = true;
    // What kernel_filter_flags() answered, when the caller has asked it
    // already (container/seccomp_cache.cpp keys on it): not probed again.
    std::optional<unsigned> kernel_flags;
    // The syscall numbers as a binary tree where there are rules enough
    // (compile says why); false: libseccomp's chain of tests (for tests).
    bool binary_tree = true;
    // How long libseccomp may take to build a filter with argument
    // conditions (build_bounded in seccomp.cpp says why): then
    // linux.seccomp.syscalls is refused. Docker's default profile takes
    // ~20 ms.
    unsigned export_budget_ms = 10000;
};

struct Program {
    std::vector<struct sock_filter> insns;
    unsigned flags = 0;          // SECCOMP_FILTER_FLAG_* for seccomp(2), NEW_LISTENER included
    bool uses_notify = false;    // some rule has SCMP_ACT_NOTIFY: load() returns a listener fd
    std::vector<std::string> skipped;  // syscall names unknown to libseccomp

    // Cache format: magic, flags, notify, count, instructions (host byte
    // order; the cache lives on this host only). from_bytes takes exactly
    // what to_bytes of a compiled program gives: the exact size for the
    // count (1 to BPF_MAXINSNS), only compile()'s flags, notify set exactly
    // with NEW_LISTENER. The instructions themselves are checked by the
    // kernel when they are loaded (seccomp_check_filter).
    static constexpr size_t kMaxBytes = 16 + BPF_MAXINSNS * sizeof(struct sock_filter);
    std::string to_bytes() const;
    static Program from_bytes(std::string_view bytes);  // throws ucrun::Error
};

// Throws oci::SpecError("config.json", "linux.seccomp....", reason) for
// invalid values and ucrun::Error for libseccomp failures.
Program compile(const oci::Seccomp& s, const CompileOptions& opts = {});
// nullopt when linux.seccomp is absent.
std::optional<Program> compile(const std::optional<oci::Seccomp>& s, const CompileOptions& opts = {});

// In the container init. Loads the program with flags p.flags | extra_flags.
// Returns the listener fd (SECCOMP_FILTER_FLAG_NEW_LISTENER, close-on-exec)
// when p.uses_notify, else -1. Throws ucrun::SysError on failure (EACCES: no
// NNP and no CAP_SYS_ADMIN, see above).
int load(const Program& p, unsigned extra_flags = 0);

// --- names ------------------------------------------------------------------

// "SCMP_ACT_ERRNO" ... ; libseccomp action value, errno/trace data applied.
std::optional<uint32_t> action_from_name(std::string_view name, uint32_t errno_ret);
std::optional<uint32_t> arch_from_name(std::string_view name);          // SCMP_ARCH_*
std::optional<int> operator_from_name(std::string_view name);           // SCMP_CMP_* -> enum scmp_compare
std::optional<unsigned> filter_flag_from_name(std::string_view name);   // SECCOMP_FILTER_FLAG_*

// Recognized names (for the features document).
std::vector<std::string> known_actions();
std::vector<std::string> known_operators();
std::vector<std::string> known_archs();   // the SCMP_ARCH_* this libseccomp build knows
std::vector<std::string> known_flags();   // the SECCOMP_FILTER_FLAG_* the spec lists

// --- kernel probes (no side effects) ----------------------------------------

// SECCOMP_FILTER_FLAG_* bits the running kernel accepts (probed with a NULL
// program: EFAULT means the flag passed validation).
unsigned kernel_filter_flags();
// SECCOMP_GET_ACTION_AVAIL for a SECCOMP_RET_* action.
bool kernel_action_available(uint32_t seccomp_ret);
// Names among known_flags() that this kernel supports (TSYNC always: ignored).
std::vector<std::string> supported_flags();
std::string libseccomp_version();  // "2.5.4"

// --- notify listener ----------------------------------------------------------

// config-linux.md "The Container Process State": {"ociVersion", "fds":
// ["seccompFd"], "pid", "metadata"?, "state"}.
nlohmann::json container_process_state(int pid, const std::optional<std::string>& metadata,
                                       nlohmann::json state, const std::string& oci_version = "1.3.0");

}  // namespace ucrun::security
