// Tables behind names.hpp and validate.hpp's is_known_* helpers.
#include <sys/resource.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

#include "oci/names.hpp"
#include "oci/validate.hpp"

namespace oci {

namespace {

template <size_t N>
bool contains(const std::string_view (&table)[N], const std::string& s) {
    return std::find(std::begin(table), std::end(table), s) != std::end(table);
}

// capabilities(7), indexed by capability number (linux/capability.h).
constexpr std::string_view capabilities[] = {
    "CAP_CHOWN",            "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",           "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",          "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",        "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",       "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",        "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",     "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",            "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",     "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",    "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
static_assert(std::size(capabilities) == last_capability + 1);

// config-linux.md "Namespaces".
constexpr std::string_view namespaces[] = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

// getrlimit(2).
constexpr std::pair<std::string_view, int> rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

// config-linux.md "Seccomp".
constexpr std::string_view seccomp_actions[] = {
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY",
};
constexpr std::string_view seccomp_operators[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
constexpr std::string_view seccomp_archs[] = {
    "SCMP_ARCH_X86",       "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",       "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",   "SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",    "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",    "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",      "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64",   "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",      "SCMP_ARCH_SH",        "SCMP_ARCH_SHEB",
};
constexpr std::string_view seccomp_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

// config.md "Linux Process".
constexpr std::string_view scheduler_policies[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
    "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE",
};
constexpr std::string_view scheduler_flags[] = {
    "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",       "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_POLICY",   "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX",
};
constexpr std::string_view ioprio_classes[] = {
    "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
};

// config-linux.md "Memory policy".
constexpr std::string_view mempolicy_modes[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",
};
constexpr std::string_view mempolicy_flags[] = {
    "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
};

// config-linux.md "Rootfs Mount Propagation" names shared, slave, private,
// unbindable; runc also takes the recursive forms.
constexpr std::string_view rootfs_propagations[] = {
    "private", "shared", "slave", "unbindable",
    "rprivate", "rshared", "rslave", "runbindable",
};

}  // namespace

int capability_number(const std::string& name) {
    for (size_t i = 0; i < std::size(capabilities); ++i)
        if (capabilities[i] == name) return static_cast<int>(i);
    return -1;
}

const char* capability_name(int n) {
    if (n < 0 || n > last_capability) return "";
    return capabilities[static_cast<size_t>(n)].data();
}

bool is_known_capability(const std::string& name) { return capability_number(name) >= 0; }
bool is_known_namespace(const std::string& type) { return contains(namespaces, type); }

int rlimit_resource(const std::string& type) {
    for (const auto& [name, resource] : rlimits)
        if (name == type) return resource;
    return -1;
}

bool is_known_seccomp_action(const std::string& a) { return contains(seccomp_actions, a); }
bool is_known_seccomp_operator(const std::string& op) { return contains(seccomp_operators, op); }
bool is_known_seccomp_arch(const std::string& a) { return contains(seccomp_archs, a); }
bool is_known_seccomp_flag(const std::string& f) { return contains(seccomp_flags, f); }
bool is_known_scheduler_policy(const std::string& p) { return contains(scheduler_policies, p); }
bool is_known_scheduler_flag(const std::string& f) { return contains(scheduler_flags, f); }
bool is_known_ioprio_class(const std::string& c) { return contains(ioprio_classes, c); }
bool is_known_mempolicy_mode(const std::string& m) { return contains(mempolicy_modes, m); }
bool is_known_mempolicy_flag(const std::string& f) { return contains(mempolicy_flags, f); }
bool is_known_rootfs_propagation(const std::string& v) { return contains(rootfs_propagations, v); }

}  // namespace oci
