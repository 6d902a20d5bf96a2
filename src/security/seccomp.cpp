// See seccomp.hpp. Spec: config-linux.md "Seccomp" and "The Container Process State".
#include "security/seccomp.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

#include "oci/error.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace ucrun::security {

namespace {

const std::string kDoc = "config.json";

struct NamedU32 {
    const char* name;
    uint32_t value;
};

// config-linux.md "Seccomp": architectures, as libseccomp's seccomp.h names
// them. Only those this libseccomp build defines.
const NamedU32 kArchs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
#ifdef SCMP_ARCH_PARISC
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
#endif
#ifdef SCMP_ARCH_PARISC64
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
#endif
#ifdef SCMP_ARCH_RISCV64
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#endif
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
#endif
#ifdef SCMP_ARCH_SHEB
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

const NamedU32 kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

// The four flags config-linux.md lists; all are seccomp(2) load-time flags,
// which we pass ourselves since we load the exported BPF with the raw syscall.
const NamedU32 kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

const char* const kActions[] = {
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY",
};

template <size_t N>
std::optional<uint32_t> lookup(const NamedU32 (&table)[N], std::string_view name) {
    for (const auto& e : table)
        if (name == e.name) return e.value;
    return std::nullopt;
}

// Actions that take a data value (errnoRet); config-linux.md: "Some actions
// like SCMP_ACT_ERRNO and SCMP_ACT_TRACE allow to specify the errno code".
bool takes_errno(std::string_view action) { return action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_TRACE"; }

struct CtxDeleter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

std::string idx(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

uint32_t checked_errno(const std::optional<uint32_t>& v, const std::string& path) {
    if (!v) return EPERM;  // config-linux.md: "The default is EPERM."
    if (*v > 0xffff) throw oci::SpecError(kDoc, path, "must fit in 16 bits (got " + std::to_string(*v) + ")");
    return *v;
}

// What compile() validated and resolved, for libseccomp to build
// (build_filter): nothing of it can fail as config.json's fault any more.
struct PlannedRule {
    uint32_t action = 0;
    int nr = 0;
    std::vector<scmp_arg_cmp> conds;  // empty: the whole syscall
    bool split = false;               // one rule per condition (the same index twice: runc)
    std::string name, path;           // for errors
};
struct Plan {
    uint32_t def = 0;
    std::vector<std::pair<uint32_t, std::string>> arches;
    std::vector<PlannedRule> rules;
    bool tree = false;
};

// Where build_filter stopped: the stage, the index in it, the errno.
enum : uint32_t { kBuilt, kInitFailed, kArchFailed, kRuleFailed, kExportFailed };
struct BuildResult {
    uint32_t stage = kBuilt, index = 0;
    int32_t err = 0;
};

// libseccomp's part, from seccomp_init to the BPF written to `mem`: the
// tree, or the chain when the tree is over the kernel's limit (compile()
// says why). Allocates; no exception leaves it.
BuildResult build_filter(const Plan& plan, int mem) {
    Ctx ctx(seccomp_init(plan.def));
    if (!ctx) return {kInitFailed, 0, 0};
    // We set NNP ourselves (process.noNewPrivileges); the attribute only
    // matters for seccomp_load, which we do not use, but keep it honest.
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
    // The native architecture is in every new filter; the others are added.
    for (size_t i = 0; i < plan.arches.size(); ++i) {
        int rc = seccomp_arch_add(ctx.get(), plan.arches[i].first);
        if (rc < 0 && rc != -EEXIST) return {kArchFailed, static_cast<uint32_t>(i), -rc};
    }
    for (size_t i = 0; i < plan.rules.size(); ++i) {
        const PlannedRule& r = plan.rules[i];
        int rc = 0;
        if (r.conds.empty()) {
            rc = seccomp_rule_add_array(ctx.get(), r.action, r.nr, 0, nullptr);
        } else if (r.split) {
            for (const auto& c : r.conds)
                if ((rc = seccomp_rule_add_array(ctx.get(), r.action, r.nr, 1, &c)) < 0) break;
        } else {
            rc = seccomp_rule_add_array(ctx.get(), r.action, r.nr, static_cast<unsigned>(r.conds.size()),
                                        r.conds.data());
        }
        if (rc < 0) return {kRuleFailed, static_cast<uint32_t>(i), -rc};
    }
    auto export_as = [&](int optimize) -> int {
        if (optimize) seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, optimize);
        if (::ftruncate(mem, 0) < 0 || ::lseek(mem, 0, SEEK_SET) < 0) return -errno;
        return seccomp_export_bpf(ctx.get(), mem);
    };
    int rc = export_as(plan.tree ? 2 : 0);
    if (rc == 0 && plan.tree && ::lseek(mem, 0, SEEK_END) > static_cast<off_t>(BPF_MAXINSNS * sizeof(struct sock_filter)))
        rc = export_as(1);
    if (rc < 0) return {kExportFailed, 0, -rc};
    return {};
}

// build_filter in a child of ours, killed after `budget_ms`. libseccomp's
// work is exponential for some profiles, in seccomp_rule_add (its decision
// tree) and in the BPF generation (gen_bpf_generate): conditions other than
// equalities branch on the two halves of a 64-bit argument, and the
// branches multiply over a rule's conditions and its syscall's rules;
// masked equalities with varied masks do too (from the review of a first
// fix that bounded the export only). On this project's test host: 5 rules
// of one syscall with 6 SCMP_CMP_GT conditions, more than a minute; 36
// rules of SCMP_CMP_MASKED_EQ on ioctl, 118 conditions, more than 30 s.
// Nothing cheaper than the work itself tells its size, so the time is what
// is bounded. The child writes the program to `mem` and its BuildResult to
// a pipe (no wait status needed: a caller may leave SIGCHLD ignored); it
// dies with us (PR_SET_PDEATHSIG), and its _exit runs none of our exit
// handlers. A fork refused (a pids limit) builds here, unbounded, rather
// than failing a profile that builds in milliseconds.
BuildResult build_bounded(const Plan& plan, int mem, unsigned budget_ms) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0) throw_errno("seccomp: pipe for the filter's build");
    Fd result(ends[0]), child_end(ends[1]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return build_filter(plan, mem);
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (::getppid() != parent) ::_exit(1);
        const BuildResult r = build_filter(plan, mem);
        ::_exit(::write(child_end.get(), &r, sizeof r) == static_cast<ssize_t>(sizeof r) ? 0 : 1);
    }
    child_end.reset();
    struct pollfd pfd{result.get(), POLLIN, 0};
    int n;
    do {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        n = ::poll(&pfd, 1, static_cast<int>(std::max<long long>(0, left.count())));
    } while (n < 0 && errno == EINTR);
    BuildResult r;
    ssize_t got = 0;
    if (n > 0) {
        do got = ::read(result.get(), &r, sizeof r);
        while (got < 0 && errno == EINTR);
    } else {
        ::kill(pid, SIGKILL);
    }
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (n == 0)
        throw oci::SpecError(kDoc, "linux.seccomp.syscalls",
                             "libseccomp did not make the filter within " + std::to_string(budget_ms) +
                                 " ms: argument conditions on several arguments of several rules of one syscall "
                                 "(above all ranges, SCMP_CMP_GT, _GE, _LT, _LE, and masks) grow its work "
                                 "exponentially, and its program past the kernel's 4096 instructions");
    if (n < 0) throw_errno("seccomp: wait for the filter's build");
    if (got != static_cast<ssize_t>(sizeof r)) throw Error("seccomp: the process building the filter died");
    return r;
}

// The program build_filter wrote to `mem`.
std::vector<struct sock_filter> read_program(int mem) {
    off_t size = ::lseek(mem, 0, SEEK_END);
    if (size < 0) throw_errno("seccomp: lseek on the BPF export");
    if (size % sizeof(struct sock_filter) != 0)
        throw Error("seccomp: exported BPF has a size (" + std::to_string(size) + ") that is not a whole number of instructions");
    std::vector<struct sock_filter> insns(static_cast<size_t>(size) / sizeof(struct sock_filter));
    auto* p = reinterpret_cast<char*>(insns.data());
    size_t done = 0, want = static_cast<size_t>(size);
    while (done < want) {
        ssize_t n = ::pread(mem, p + done, want - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("seccomp: read back the BPF export");
        if (n == 0) throw Error("seccomp: short read of the BPF export");
        done += static_cast<size_t>(n);
    }
    return insns;
}

long seccomp_syscall(unsigned op, unsigned flags, void* args) { return ::syscall(SYS_seccomp, op, flags, args); }

}  // namespace

// --- names --------------------------------------------------------------------

std::optional<uint32_t> action_from_name(std::string_view n, uint32_t errno_ret) {
    if (n == "SCMP_ACT_KILL") return SCMP_ACT_KILL_THREAD;  // runc: Kill == KillThread
    if (n == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (n == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (n == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (n == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret);
    if (n == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret);
    if (n == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (n == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    if (n == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
    return std::nullopt;
}

std::optional<uint32_t> arch_from_name(std::string_view name) { return lookup(kArchs, name); }

std::optional<int> operator_from_name(std::string_view name) {
    auto v = lookup(kOperators, name);
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
}

std::optional<unsigned> filter_flag_from_name(std::string_view name) { return lookup(kFlags, name); }

std::vector<std::string> known_actions() { return {std::begin(kActions), std::end(kActions)}; }

std::vector<std::string> known_operators() {
    std::vector<std::string> v;
    for (const auto& e : kOperators) v.emplace_back(e.name);
    return v;
}

std::vector<std::string> known_archs() {
    std::vector<std::string> v;
    for (const auto& e : kArchs) v.emplace_back(e.name);
    return v;
}

std::vector<std::string> known_flags() {
    std::vector<std::string> v;
    for (const auto& e : kFlags) v.emplace_back(e.name);
    return v;
}

// --- kernel probes --------------------------------------------------------------

unsigned kernel_filter_flags() {
    unsigned out = 0;
    const unsigned singles[] = {SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                                SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC_ESRCH};
    // The kernel validates the flags (EINVAL) before it copies the program
    // from user memory (EFAULT for NULL): EFAULT means "flag known".
    for (unsigned f : singles)
        if (seccomp_syscall(SECCOMP_SET_MODE_FILTER, f, nullptr) < 0 && errno == EFAULT) out |= f;
    // WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER.
    if (out & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        unsigned f = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        if (seccomp_syscall(SECCOMP_SET_MODE_FILTER, f, nullptr) < 0 && errno == EFAULT)
            out |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    }
    return out;
}

bool kernel_action_available(uint32_t seccomp_ret) {
    return seccomp_syscall(SECCOMP_GET_ACTION_AVAIL, 0, &seccomp_ret) == 0;
}

std::vector<std::string> supported_flags() {
    unsigned k = kernel_filter_flags();
    std::vector<std::string> v;
    for (const auto& e : kFlags)
        if (e.value == SECCOMP_FILTER_FLAG_TSYNC || (k & e.value)) v.emplace_back(e.name);
    return v;
}

std::string libseccomp_version() {
    const scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

// --- compile ----------------------------------------------------------------------

Program compile(const oci::Seccomp& s, const CompileOptions& opts) {
    const std::string base = "linux.seccomp";
    Program prog;

    // defaultAction / defaultErrnoRet
    if (s.defaultAction == "SCMP_ACT_NOTIFY")
        throw oci::SpecError(kDoc, base + ".defaultAction", "SCMP_ACT_NOTIFY cannot be used as the default action");
    if (s.defaultErrnoRet && !takes_errno(s.defaultAction))
        throw oci::SpecError(kDoc, base + ".defaultErrnoRet",
                             "not supported with defaultAction " + s.defaultAction +
                                 " (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno)");
    uint32_t def_errno = checked_errno(s.defaultErrnoRet, base + ".defaultErrnoRet");
    auto def = action_from_name(s.defaultAction, def_errno);
    if (!def) throw oci::SpecError(kDoc, base + ".defaultAction", "unknown action \"" + s.defaultAction + "\"");

    Plan plan;
    plan.def = *def;
    for (size_t i = 0; i < s.architectures.size(); ++i) {
        auto arch = arch_from_name(s.architectures[i]);
        if (!arch)
            throw oci::SpecError(kDoc, idx(base + ".architectures", i),
                                 "unknown or unsupported architecture \"" + s.architectures[i] + "\" (libseccomp " +
                                     libseccomp_version() + ")");
        plan.arches.emplace_back(*arch, s.architectures[i]);
    }

    // flags
    unsigned wanted = 0;
    const unsigned kernel = !opts.check_kernel_flags ? ~0u : opts.kernel_flags ? *opts.kernel_flags : kernel_filter_flags();
    for (size_t i = 0; i < s.flags.size(); ++i) {
        auto f = filter_flag_from_name(s.flags[i]);
        if (!f) throw oci::SpecError(kDoc, idx(base + ".flags", i), "unknown seccomp flag \"" + s.flags[i] + "\"");
        if (*f == SECCOMP_FILTER_FLAG_TSYNC) continue;  // runc: silently ignored (single-threaded init)
        if (!(kernel & *f))
            throw oci::SpecError(kDoc, idx(base + ".flags", i), s.flags[i] + " is not supported by this kernel");
        wanted |= *f;
    }

    // syscalls
    size_t rules = 0;          // seccomp_rule_add calls
    bool conditions = false;   // some rule has argument conditions
    for (size_t i = 0; i < s.syscalls.size(); ++i) {
        const auto& sc = s.syscalls[i];
        const std::string path = idx(base + ".syscalls", i);
        if (sc.names.empty()) throw oci::SpecError(kDoc, path + ".names", "must contain at least one entry");
        if (sc.errnoRet && !takes_errno(sc.action))
            throw oci::SpecError(kDoc, path + ".errnoRet",
                                 "not supported with action " + sc.action +
                                     " (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno)");
        auto act = action_from_name(sc.action, checked_errno(sc.errnoRet, path + ".errnoRet"));
        if (!act) throw oci::SpecError(kDoc, path + ".action", "unknown action \"" + sc.action + "\"");
        const bool notify = *act == SCMP_ACT_NOTIFY;
        if (notify)
            for (size_t j = 0; j < sc.names.size(); ++j)
                if (std::find(opts.notify_forbidden.begin(), opts.notify_forbidden.end(), sc.names[j]) !=
                    opts.notify_forbidden.end())
                    throw oci::SpecError(kDoc, idx(path + ".names", j),
                                         "SCMP_ACT_NOTIFY cannot be used for the " + sc.names[j] +
                                             " syscall (the runtime needs it after loading the filter)");

        // runc: "Ignore it if the action is the same as default" (libseccomp
        // refuses such rules with EACCES).
        if (*act == *def) continue;

        std::vector<scmp_arg_cmp> conds;
        std::array<unsigned, 6> per_index{};
        for (size_t k = 0; k < sc.args.size(); ++k) {
            const auto& a = sc.args[k];
            const std::string apath = idx(path + ".args", k);
            if (a.index >= per_index.size())
                throw oci::SpecError(kDoc, apath + ".index", "must be less than 6 (got " + std::to_string(a.index) + ")");
            auto op = operator_from_name(a.op);
            if (!op) throw oci::SpecError(kDoc, apath + ".op", "unknown operator \"" + a.op + "\"");
            ++per_index[a.index];
            // SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the datum.
            conds.push_back(scmp_arg_cmp{a.index, static_cast<scmp_compare>(*op), a.value, a.valueTwo.value_or(0)});
        }
        const bool same_index = std::any_of(per_index.begin(), per_index.end(), [](unsigned c) { return c > 1; });

        for (const auto& name : sc.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                // runc: logrus.Debugf("unknown seccomp syscall %q ignored", ...)
                prog.skipped.push_back(name);
                if (opts.debug) opts.debug("unknown seccomp syscall " + oci::excerpt(name) + " ignored");
                continue;
            }
            // runc: "If two or more arguments have the same condition,
            // revert to old behavior, adding each condition as a separate
            // rule" (split); else one rule with all of them.
            plan.rules.push_back(PlannedRule{*act, nr, conds, same_index, name, path});
            rules += same_index ? conds.size() : 1;
            conditions |= !conds.empty();
            if (notify) prog.uses_notify = true;
        }
    }

    if (prog.uses_notify) {
        if (opts.check_kernel_flags && !(kernel & SECCOMP_FILTER_FLAG_NEW_LISTENER))
            throw oci::SpecError(kDoc, base, "SCMP_ACT_NOTIFY is not supported by this kernel");
        wanted |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    } else {
        // Only meaningful (and only accepted by the kernel) with a listener.
        wanted &= ~static_cast<unsigned>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    prog.flags = wanted;

    // A binary tree of the syscall numbers rather than libseccomp's default
    // chain of tests (runc does the same since 1.1.1, runc#3405). The
    // kernel's load of the filter becomes cheaper: at load it runs the
    // filter once per syscall number to find those it always allows (its
    // action cache, Linux 5.11), and a tree answers in O(log n). Docker's
    // default profile: 0.9 ms to load as a chain on this project's test
    // host, 0.17 ms as a tree; what a process of the container pays per
    // system call the cache does not answer goes down alike. libseccomp
    // takes longer to make a tree (~14 ms -> ~20 ms for that profile), once
    // per root: the compiled program is shared (container/seccomp_cache.hpp)
    // (tests/bench/PERFORMANCE.md, "ninth pass"). Not for a few rules (no
    // gain), nor with libseccomp before 2.5.4: an architecture of the
    // filter without a rule of its own lost its default action there
    // (libseccomp#370). A tree over the kernel's instruction limit
    // (it is larger than the chain) falls back to the chain.
    const struct scmp_version* v = seccomp_version();
    const bool tree_ok = v && (v->major > 2 || (v->major == 2 && (v->minor > 5 || (v->minor == 5 && v->micro >= 4))));
    plan.tree = opts.binary_tree && tree_ok && rules >= 8;

    // A profile with argument conditions is built in a child given a time
    // budget (build_bounded says why); one without any, here: its rules
    // are one test each, and a fork would cost ~0.7 ms.
    Fd mem(static_cast<int>(::syscall(SYS_memfd_create, "ucrun-seccomp-bpf", MFD_CLOEXEC)));
    if (!mem) throw_errno("seccomp: memfd_create for the BPF export");
    const BuildResult r = conditions ? build_bounded(plan, mem.get(), opts.export_budget_ms) : build_filter(plan, mem.get());
    switch (r.stage) {
    case kBuilt: break;
    case kInitFailed:
        throw Error("seccomp: cannot create a filter with default action " + s.defaultAction +
                    " (not supported by this kernel or libseccomp?)");
    case kArchFailed: throw SysError("seccomp: add architecture " + plan.arches.at(r.index).second, r.err);
    case kRuleFailed: {
        const PlannedRule& pr = plan.rules.at(r.index);
        throw SysError("seccomp: add rule for syscall \"" + pr.name + "\" (" + pr.path + ")", r.err);
    }
    default: throw SysError("seccomp: export the BPF program", r.err);
    }
    prog.insns = read_program(mem.get());
    if (prog.insns.empty() || prog.insns.size() > BPF_MAXINSNS)
        throw Error("seccomp: the filter has " + std::to_string(prog.insns.size()) + " instructions; the kernel takes 1 to " +
                    std::to_string(BPF_MAXINSNS));
    return prog;
}

std::optional<Program> compile(const std::optional<oci::Seccomp>& s, const CompileOptions& opts) {
    if (!s) return std::nullopt;
    return compile(*s, opts);
}

// --- cache format -------------------------------------------------------------------

namespace {
constexpr uint32_t kMagic = 0x55534346;  // "USCF"
struct Header {
    uint32_t magic, flags, notify, count;
};
static_assert(sizeof(Header) + BPF_MAXINSNS * sizeof(struct sock_filter) == Program::kMaxBytes);
}  // namespace

std::string Program::to_bytes() const {
    Header h{kMagic, flags, uses_notify ? 1u : 0u, static_cast<uint32_t>(insns.size())};
    std::string out(reinterpret_cast<const char*>(&h), sizeof h);
    out.append(reinterpret_cast<const char*>(insns.data()), insns.size() * sizeof(struct sock_filter));
    return out;
}

Program Program::from_bytes(std::string_view bytes) {
    Header h;
    if (bytes.size() < sizeof h) throw Error("seccomp program cache: truncated header");
    std::memcpy(&h, bytes.data(), sizeof h);
    if (h.magic != kMagic) throw Error("seccomp program cache: bad magic");
    if (h.count == 0 || h.count > BPF_MAXINSNS || bytes.size() != sizeof h + h.count * sizeof(struct sock_filter))
        throw Error("seccomp program cache: bad size");
    // Only what compile() makes: its flags (TSYNC is dropped there), a
    // listener exactly when a rule notifies, WAIT_KILLABLE_RECV only with it.
    const unsigned known = SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_NEW_LISTENER |
                           SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    const bool listener = (h.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
    if ((h.flags & ~known) || h.notify > 1 || (h.notify == 1) != listener ||
        ((h.flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !listener))
        throw Error("seccomp program cache: bad flags");
    Program p;
    p.flags = h.flags;
    p.uses_notify = h.notify != 0;
    p.insns.resize(h.count);
    std::memcpy(p.insns.data(), bytes.data() + sizeof h, h.count * sizeof(struct sock_filter));
    return p;
}

// --- load (container init) -----------------------------------------------------------------

int load(const Program& p, unsigned extra_flags) {
    struct sock_fprog fprog {};
    fprog.len = static_cast<unsigned short>(p.insns.size());
    fprog.filter = const_cast<struct sock_filter*>(p.insns.data());
    const unsigned flags = p.flags | extra_flags;
    long rc = seccomp_syscall(SECCOMP_SET_MODE_FILTER, flags, &fprog);
    if (rc < 0) {
        int err = errno;
        char hex[16];
        std::snprintf(hex, sizeof hex, "%#x", flags);
        std::string what = std::string("seccomp(SECCOMP_SET_MODE_FILTER, flags=") + hex + ")";
        if (err == EACCES) what += " (neither no_new_privs nor CAP_SYS_ADMIN)";
        throw SysError(what, err);
    }
    return (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? static_cast<int>(rc) : -1;
}

// --- notify listener -------------------------------------------------------------------------

nlohmann::json container_process_state(int pid, const std::optional<std::string>& metadata, nlohmann::json state,
                                       const std::string& oci_version) {
    nlohmann::json j;
    j["ociVersion"] = oci_version;
    j["fds"] = nlohmann::json::array({"seccompFd"});
    j["pid"] = pid;
    if (metadata) j["metadata"] = *metadata;
    j["state"] = std::move(state);
    return j;
}

}  // namespace ucrun::security
