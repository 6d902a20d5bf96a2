#include "oci/audit.hpp"

#include <algorithm>
#include <cctype>

#include "oci/audit_detail.hpp"
#include "oci/error.hpp"
#include "oci/path.hpp"

namespace oci::audit {

const char* severity_name(Severity s) {
    switch (s) {
        case Severity::high: return "high";
        case Severity::medium: return "medium";
        case Severity::low: return "low";
        case Severity::info: break;
    }
    return "info";
}

std::string fold_path(const std::string& path) { return lexical_clean("/" + path); }

namespace detail {

namespace {

struct Dangerous {
    const char* name;
    Severity host;    // without a user namespace
    Severity userns;  // confined to the container's user namespace
    const char* why;
};

const std::vector<Dangerous>& dangerous() {
    static const std::vector<Dangerous> list = {
        {"CAP_SYS_ADMIN", Severity::high, Severity::medium, "mount, namespaces, most of the kernel"},
        {"CAP_SYS_MODULE", Severity::high, Severity::low, "loads kernel modules"},
        {"CAP_SYS_RAWIO", Severity::high, Severity::low, "raw I/O ports and /dev/mem"},
        {"CAP_SYS_PTRACE", Severity::high, Severity::low, "traces and injects code into processes"},
        {"CAP_DAC_READ_SEARCH", Severity::high, Severity::low, "open_by_handle_at escapes bind mounts"},
        {"CAP_BPF", Severity::high, Severity::low, "loads BPF programs into the kernel"},
        {"CAP_MAC_ADMIN", Severity::high, Severity::low, "changes the LSM policy"},
        {"CAP_MAC_OVERRIDE", Severity::high, Severity::low, "overrides the LSM policy"},
        {"CAP_SYS_TIME", Severity::high, Severity::low, "sets the host clock"},
        {"CAP_NET_ADMIN", Severity::medium, Severity::low, "configures network interfaces, routes, netfilter"},
        {"CAP_PERFMON", Severity::medium, Severity::low, "perf events observe the whole system"},
        {"CAP_SYS_BOOT", Severity::medium, Severity::low, "reboot and kexec"},
        {"CAP_SYSLOG", Severity::medium, Severity::low, "reads the kernel log and addresses"},
        {"CAP_AUDIT_CONTROL", Severity::medium, Severity::low, "changes the audit rules"},
        {"CAP_CHECKPOINT_RESTORE", Severity::medium, Severity::low, "checkpoint/restore of processes"},
        {"CAP_MKNOD", Severity::low, Severity::info, "creates device nodes"},
    };
    return list;
}

}  // namespace

Audit::Audit(const Config& cfg, const HostFacts& host) : cfg_(cfg), host_(host) {
    if (cfg.linux) linux_ = &*cfg.linux;
    userns_ = ns("user") != nullptr;
}

std::vector<Finding> Audit::run() {
    user_namespace();
    host_root_mapping();
    bind_mounts();
    namespaces();
    capabilities();
    devices();
    kernel_interfaces();
    sysctls();
    hardening();
    std::stable_sort(out_.begin(), out_.end(), [](const Ranked& a, const Ranked& b) {
        if (a.f.severity != b.f.severity) return a.f.severity > b.f.severity;
        return a.rank < b.rank;
    });
    std::vector<Finding> v;
    for (auto& r : out_) v.push_back(std::move(r.f));
    return v;
}

void Audit::add(Severity s, std::string id, std::string path, std::string message, int rank) {
    out_.push_back({{s, std::move(id), std::move(path), std::move(message)}, rank});
}

const Namespace* Audit::ns(const std::string& type) const {
    return linux_ ? linux_->find_namespace(type) : nullptr;
}

bool Audit::host_ns(const std::string& type, std::string* path) const {
    if (!linux_) {
        *path = "linux.namespaces";
        return true;
    }
    for (size_t i = 0; i < linux_->namespaces.size(); ++i) {
        if (linux_->namespaces[i].type != type) continue;
        bool host = i < host_.host_namespace.size() && host_.host_namespace[i];
        *path = at("linux.namespaces", i) + ".path";
        return host;
    }
    *path = "linux.namespaces";
    return true;
}

bool Audit::all_devices_allowed() const {
    if (!linux_ || !linux_->resources) return false;
    bool allowed = false;  // the last rule that covers every device wins
    for (const auto& d : linux_->resources->devices)
        if ((!d.type || *d.type == "a") && !d.major && !d.minor) allowed = d.allow;
    return allowed;
}

void Audit::user_namespace() {
    std::string path;
    if (host_ns("user", &path)) {
        add(Severity::high, "no-userns", path,
            path == "linux.namespaces"
                ? "no user namespace: container root is host root"
                : "joins the host's user namespace: container root is host root",
            kRankUserns);
        userns_ = false;
        // With the runtime's remap policy on, create injects a user
        // namespace into exactly this config. The analysis stays
        // config-only; src/cli/check_remap.cpp rewrites this finding where
        // the command knows the policy.
        return;
    }
    const Namespace* u = ns("user");
    if (u && u->path && linux_->uidMappings.empty())
        add(Severity::info, "userns-joined", path,
            "joins an existing user namespace " + excerpt(*u->path) +
                ": its mappings are not in config.json");
}

void Audit::host_root_mapping() {
    if (!linux_) return;
    auto check = [&](const std::vector<IDMapping>& maps, const char* path, const char* kind) {
        for (size_t i = 0; i < maps.size(); ++i)
            if (maps[i].hostID == 0 && maps[i].size > 0)  // [hostID, hostID + size) contains 0
                add(Severity::high, "host-root-mapped", at(path, i),
                    std::string("maps host root (") + kind + " 0) into the user namespace", kRankUserns + 1);
    };
    check(linux_->uidMappings, "linux.uidMappings", "uid");
    check(linux_->gidMappings, "linux.gidMappings", "gid");
}

void Audit::namespaces() {
    struct Kind {
        const char* type;
        Severity s;
        const char* why;
    };
    static const Kind kinds[] = {
        {"pid", Severity::high, "host pid namespace: host processes are visible and signalable"},
        {"network", Severity::high, "host network namespace: host interfaces and localhost services"},
        {"ipc", Severity::medium, "host ipc namespace: host shared memory and message queues"},
        {"uts", Severity::low, "host uts namespace: sethostname changes the host's name"},
        {"cgroup", Severity::low, "host cgroup namespace: the host's cgroup tree is visible"},
    };
    for (const auto& k : kinds) {
        std::string path;
        if (host_ns(k.type, &path)) add(k.s, std::string("host-") + k.type + "-ns", path, k.why, kRankNamespaces);
    }
}

void Audit::capabilities() {
    if (!cfg_.process || !cfg_.process->capabilities) return;
    const Capabilities& c = *cfg_.process->capabilities;
    const std::pair<const char*, const std::optional<std::vector<std::string>>*> sets[] = {
        {"effective", &c.effective}, {"permitted", &c.permitted}, {"bounding", &c.bounding},
        {"inheritable", &c.inheritable}, {"ambient", &c.ambient},
    };
    const auto& list = dangerous();
    for (size_t k = 0; k < list.size(); ++k) {
        const Dangerous& d = list[k];
        std::string first, in;
        for (const auto& [set, caps] : sets) {
            if (!*caps) continue;
            for (size_t i = 0; i < (*caps)->size(); ++i) {
                std::string name = (**caps)[i];
                for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                if (name.rfind("CAP_", 0) != 0) name = "CAP_" + name;
                if (name != d.name) continue;
                if (first.empty()) first = at(std::string("process.capabilities.") + set, i);
                in += in.empty() ? set : std::string(", ") + set;
                break;
            }
        }
        if (first.empty()) continue;
        Severity s = userns_ ? d.userns : d.host;
        std::string why = d.why;
        if (std::string(d.name) == "CAP_MKNOD" && all_devices_allowed()) {
            s = userns_ ? Severity::low : Severity::high;
            why = "creates device nodes, and linux.resources.devices allows every device";
        }
        add(s, "dangerous-cap", first,
            std::string(d.name) + " in " + in + ": " + why +
                (userns_ ? " (confined to the container's user namespace)" : ""),
            kRankCaps + static_cast<int>(k));
    }
}

void Audit::devices() {
    if (!linux_) return;
    if (linux_->resources) {
        const auto& rules = linux_->resources->devices;
        for (size_t i = 0; i < rules.size(); ++i) {
            const auto& d = rules[i];
            if (!d.allow || (d.type && *d.type != "a") || d.major || d.minor) continue;
            if (!all_devices_allowed()) break;  // a later deny-all undoes it
            add(Severity::high, "devices-allow-all", at("linux.resources.devices", i),
                "the device cgroup allows every device (read, write and mknod of host disks and memory)",
                kRankDevices);
        }
    }
    for (size_t i = 0; i < linux_->devices.size(); ++i) {
        const Device& d = linux_->devices[i];
        bool memory = d.type == "c" && d.major == 1 && (d.minor == 1 || d.minor == 2 || d.minor == 4);
        if (memory)
            add(Severity::high, "device-memory", at("linux.devices", i),
                excerpt(d.path) + " is host memory or I/O ports (1:" + std::to_string(d.minor) + ")");
        else if (d.type == "b")
            add(Severity::medium, "device-block", at("linux.devices", i),
                excerpt(d.path) + " is a block device (" + std::to_string(d.major) + ":" +
                    std::to_string(d.minor) + ")");
    }
}

void Audit::sysctls() {
    if (!linux_) return;
    std::string netpath, ipcpath, userpath;
    const bool host_net = host_ns("network", &netpath);
    const bool host_ipc = host_ns("ipc", &ipcpath);
    const bool host_user = host_ns("user", &userpath);
    for (const auto& [key, value] : linux_->sysctl) {
        const std::string path = "linux.sysctl[" + excerpt(key) + "]";
        const bool ipc = key.rfind("kernel.shm", 0) == 0 || key.rfind("kernel.msg", 0) == 0 ||
                         key == "kernel.sem" || key.rfind("fs.mqueue.", 0) == 0;
        const bool net = key.rfind("net.", 0) == 0;
        const bool uts = key == "kernel.hostname" || key == "kernel.domainname";
        const bool user = key.rfind("user.", 0) == 0;  // limits of user_namespaces(7), per user namespace
        if (net && host_net)
            add(Severity::high, "sysctl-host", path,
                excerpt(key) + " changes the host's network (host network namespace)");
        else if (ipc && host_ipc)
            add(Severity::high, "sysctl-host", path,
                excerpt(key) + " changes the host's IPC limits (host ipc namespace)");
        else if (user && host_user)
            add(Severity::high, "sysctl-host", path,
                excerpt(key) + " changes the host's user namespace limits (host user namespace)");
        else if (!net && !ipc && !uts && !user)
            add(Severity::high, "sysctl-host", path, excerpt(key) + " is not namespaced: it would change the host");
    }
}

void Audit::hardening() {
    if (!linux_ || !linux_->seccomp) {
        add(Severity::medium, "no-seccomp", "linux.seccomp", "no seccomp filter: every system call is allowed");
    } else if (linux_->seccomp->defaultAction == "SCMP_ACT_ALLOW") {
        if (linux_->seccomp->syscalls.empty())
            add(Severity::medium, "no-seccomp", "linux.seccomp.defaultAction",
                "the seccomp filter allows every system call");
        else
            add(Severity::low, "seccomp-denylist", "linux.seccomp.defaultAction",
                "the seccomp filter allows by default (a deny list)");
    }
    if (!linux_ || !linux_->maskedPaths || linux_->maskedPaths->empty())
        add(Severity::medium, "no-masked-paths", "linux.maskedPaths",
            "no masked paths: /proc/kcore, /proc/keys, ... are readable");
    if (!linux_ || !linux_->readonlyPaths || linux_->readonlyPaths->empty())
        add(Severity::medium, "no-readonly-paths", "linux.readonlyPaths",
            "no read-only paths: /proc/sys, /proc/sysrq-trigger, ... are writable");
    if (cfg_.process && !cfg_.process->noNewPrivileges)
        add(Severity::low, "no-new-privileges-off", "process.noNewPrivileges",
            "noNewPrivileges is false: setuid binaries and file capabilities raise privileges");
    if (cfg_.process && !cfg_.process->apparmorProfile && !cfg_.process->selinuxLabel)
        add(Severity::info, "no-lsm-label", "process.apparmorProfile",
            "neither process.apparmorProfile nor process.selinuxLabel is set");
}

}  // namespace detail

std::vector<Finding> audit(const Config& cfg, const HostFacts& host) { return detail::Audit(cfg, host).run(); }

}  // namespace oci::audit
