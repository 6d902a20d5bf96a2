#include "oci/audit.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>
#include <cctype>

#include "oci/error.hpp"
#include "oci/mount_options.hpp"

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

std::string fold_path(const std::string& path) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        std::string part = path.substr(i, j - i);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = j + 1;
    }
    std::string out;
    for (const auto& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

namespace {

std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

// A finding and how bad it is within its severity (lower is worse), so that
// `/` comes before `/home` among the high ones. Within a severity the order
// is that of ucrun-check(8): an rbind of / first, then the user namespace,
// host binds (worst path first), capabilities, namespaces, devices, the rest.
constexpr int kRankRootRbind = -1;
constexpr int kRankUserns = 0;
constexpr int kRankMounts = 10;
constexpr int kRankCaps = 40;
constexpr int kRankNamespaces = 60;
constexpr int kRankDevices = 70;
struct Ranked {
    Finding f;
    int rank;
};

class Audit {
public:
    Audit(const Config& cfg, const HostFacts& host) : cfg_(cfg), host_(host) {
        if (cfg.linux) linux_ = &*cfg.linux;
        userns_ = ns("user") != nullptr;
    }

    std::vector<Finding> run() {
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

private:
    const Config& cfg_;
    const HostFacts& host_;
    const Linux* linux_ = nullptr;
    bool userns_ = false;
    std::vector<Ranked> out_;

    void add(Severity s, std::string id, std::string path, std::string message, int rank = 100) {
        out_.push_back({{s, std::move(id), std::move(path), std::move(message)}, rank});
    }

    const Namespace* ns(const std::string& type) const { return linux_ ? linux_->find_namespace(type) : nullptr; }

    // True when the container shares the host's namespace of `type`: no
    // entry, or an entry whose path is the host's own namespace.
    bool host_ns(const std::string& type, std::string* path) const {
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

    void user_namespace() {
        std::string path;
        if (host_ns("user", &path)) {
            add(Severity::high, "no-userns", path,
                path == "linux.namespaces"
                    ? "no user namespace: container root is host root"
                    : "joins the host's user namespace: container root is host root",
                kRankUserns);
            userns_ = false;
            // REMAP HOOK (issue 12 item 3): with the runtime's remap policy on,
            // create injects a user namespace into exactly this config. The
            // analysis stays config-only; the policy's own finding (which
            // mappings it would inject) is added where the command knows the
            // policy: the REMAP HOOK in src/cli/cmd_check.cpp.
            return;
        }
        const Namespace* u = ns("user");
        if (u && u->path && linux_->uidMappings.empty())
            add(Severity::info, "userns-joined", path,
                "joins an existing user namespace " + excerpt(*u->path) +
                    ": its mappings are not in config.json");
    }

    void host_root_mapping() {
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

    // ---- bind mounts of host paths ----

    struct Sensitive {
        const char* prefix;
        bool exact;       // only the path itself (a socket), not what is below it
        Severity rw, ro;  // a read-only bind of a socket still connects
        const char* what;
    };

    static const std::vector<Sensitive>& sensitive() {
        // Worst first: the order is the rank within a severity.
        static const std::vector<Sensitive> list = {
            {"/", true, Severity::high, Severity::medium, "the host's root filesystem"},
            {"/etc", false, Severity::high, Severity::medium, "host configuration"},
            {"/var/run/docker.sock", true, Severity::high, Severity::high, "the docker engine socket"},
            {"/run/docker.sock", true, Severity::high, Severity::high, "the docker engine socket"},
            {"/run/containerd/containerd.sock", true, Severity::high, Severity::high, "the containerd socket"},
            {"/run/podman/podman.sock", true, Severity::high, Severity::high, "the podman socket"},
            {"/var/run/crio/crio.sock", true, Severity::high, Severity::high, "the CRI-O socket"},
            {"/run/crio/crio.sock", true, Severity::high, Severity::high, "the CRI-O socket"},
            {"/proc", false, Severity::high, Severity::medium, "the host's /proc"},
            {"/sys", false, Severity::high, Severity::medium, "the host's /sys"},
            {"/dev", false, Severity::high, Severity::medium, "host devices"},
            {"/boot", false, Severity::high, Severity::low, "the host's kernel and boot loader"},
            {"/root", false, Severity::high, Severity::medium, "root's home directory"},
            {"/home", false, Severity::medium, Severity::low, "users' home directories"},
            {"/var/lib/docker", false, Severity::high, Severity::medium, "container engine state"},
            {"/var/lib/containerd", false, Severity::high, Severity::medium, "container engine state"},
            {"/var/lib/containers", false, Severity::high, Severity::medium, "container engine state"},
            {"/var/lib/kubelet", false, Severity::high, Severity::medium, "kubelet state and secrets"},
            {"/var/lib", false, Severity::medium, Severity::low, "host service state"},
        };
        return list;
    }

    static bool under(const std::string& path, const std::string& prefix, bool exact) {
        if (path == prefix) return true;
        if (exact) return false;
        return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
               path[prefix.size()] == '/';
    }

    void bind_mounts() {
        for (size_t i = 0; i < cfg_.mounts.size(); ++i) {
            const Mount& m = cfg_.mounts[i];
            if (!is_bind_mount(m) || !m.source) continue;
            const std::string path = at("mounts", i);
            MountOptions o = parse_mount_options(m, path);
            const bool ro = (o.flags & MS_RDONLY) || ((o.attr_set | o.rattr_set) & MOUNT_ATTR_RDONLY);
            const HostPath* hp = i < host_.mount_sources.size() && host_.mount_sources[i]
                                     ? &*host_.mount_sources[i]
                                     : nullptr;
            const std::string src = hp ? hp->resolved : fold_path(*m.source);
            // The source as written, and where it leads when that differs.
            const std::string shown = src == *m.source ? excerpt(src) : excerpt(*m.source) + " (" + excerpt(src) + ")";
            const char* how = ro ? "read-only" : "read-write";
            const auto& list = sensitive();
            bool judged = false;
            for (size_t k = 0; k < list.size() && !judged; ++k) {
                const Sensitive& s = list[k];
                // A bind of /run holds the engine sockets below it as much as
                // a bind of the socket itself: a parent counts as its child.
                const bool parent = src != "/" && under(s.prefix, src, false);
                if (!parent && !under(src, s.prefix, s.exact)) continue;
                judged = true;
                if (src == "/" && o.recursive) {
                    add(Severity::high, "host-root-rbind", path,
                        shown + " rbind-mounted " + how + " from the host: every host filesystem is in the container",
                        kRankRootRbind);
                    continue;
                }
                add(ro ? s.ro : s.rw, ro ? "host-path-ro" : "host-path-rw", path,
                    shown + " bind-mounted " + how + " from the host (" + (parent && src != s.prefix ? "contains " : "") +
                        s.what + ")",
                    kRankMounts + static_cast<int>(k));
            }
            if (!judged && hp && hp->kind == HostPath::Kind::device)
                add(ro ? Severity::medium : Severity::high, ro ? "host-device-ro" : "host-device-rw", path,
                    shown + " (a host device node) bind-mounted " + how, kRankMounts + 10);
            else if (!judged && hp && hp->kind == HostPath::Kind::socket)
                add(Severity::medium, "host-socket", path,
                    shown + " (a host unix socket) bind-mounted: read-only does not stop connect(2)",
                    kRankMounts + 29);
        }
    }

    // ---- namespaces ----

    void namespaces() {
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

    // ---- capabilities ----

    struct Dangerous {
        const char* name;
        Severity host;    // without a user namespace
        Severity userns;  // confined to the container's user namespace
        const char* why;
    };

    static const std::vector<Dangerous>& dangerous() {
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

    bool all_devices_allowed() const {
        if (!linux_ || !linux_->resources) return false;
        bool allowed = false;  // the last rule that covers every device wins
        for (const auto& d : linux_->resources->devices)
            if ((!d.type || *d.type == "a") && !d.major && !d.minor) allowed = d.allow;
        return allowed;
    }

    void capabilities() {
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

    // ---- devices ----

    void devices() {
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

    // ---- /sys, /proc/sys and cgroup mounts ----

    bool listed(const std::optional<std::vector<std::string>>& paths, const std::string& p) const {
        return paths && std::find(paths->begin(), paths->end(), p) != paths->end();
    }

    void kernel_interfaces() {
        for (size_t i = 0; i < cfg_.mounts.size(); ++i) {
            const Mount& m = cfg_.mounts[i];
            if (is_bind_mount(m) || !m.type) continue;
            MountOptions o = parse_mount_options(m, at("mounts", i));
            const bool ro = (o.flags & MS_RDONLY) || ((o.attr_set | o.rattr_set) & MOUNT_ATTR_RDONLY);
            const std::string dest = fold_path(m.destination);
            if (*m.type == "sysfs" && !ro)
                add(userns_ ? Severity::low : Severity::high, "sysfs-rw", at("mounts", i),
                    excerpt(dest) + ": sysfs mounted read-write" +
                        (userns_ ? " (host-owned files stay read-only in a user namespace)"
                                 : ": container root writes kernel settings"));
            if ((*m.type == "cgroup" || *m.type == "cgroup2") && !ro)
                add(userns_ ? Severity::low : Severity::medium, "cgroup-rw", at("mounts", i),
                    excerpt(dest) + ": cgroup filesystem mounted read-write");
            if (*m.type == "proc" && !ro) {
                const std::string sys = dest == "/" ? "/sys" : dest + "/sys";
                // The paths are container paths: for a proc on /proc, "/proc/sys".
                bool guarded = linux_ && (listed(linux_->readonlyPaths, sys) || listed(linux_->maskedPaths, sys));
                if (!guarded)
                    add(userns_ ? Severity::low : Severity::medium, "proc-sys-rw", at("mounts", i),
                        excerpt(sys) + " is writable: neither linux.readonlyPaths nor linux.maskedPaths lists it");
            }
        }
    }

    // ---- sysctls ----

    void sysctls() {
        if (!linux_) return;
        std::string netpath, ipcpath;
        const bool host_net = host_ns("network", &netpath);
        const bool host_ipc = host_ns("ipc", &ipcpath);
        for (const auto& [key, value] : linux_->sysctl) {
            const std::string path = "linux.sysctl[" + excerpt(key) + "]";
            const bool ipc = key.rfind("kernel.shm", 0) == 0 || key.rfind("kernel.msg", 0) == 0 ||
                             key == "kernel.sem" || key.rfind("fs.mqueue.", 0) == 0;
            const bool net = key.rfind("net.", 0) == 0;
            const bool uts = key == "kernel.hostname" || key == "kernel.domainname";
            if (net && host_net)
                add(Severity::high, "sysctl-host", path, excerpt(key) + " changes the host's network (host network namespace)");
            else if (ipc && host_ipc)
                add(Severity::high, "sysctl-host", path, excerpt(key) + " changes the host's IPC limits (host ipc namespace)");
            else if (!net && !ipc && !uts)
                add(Severity::high, "sysctl-host", path, excerpt(key) + " is not namespaced: it would change the host");
        }
    }

    // ---- what hardens a container ----

    void hardening() {
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
};

}  // namespace

std::vector<Finding> audit(const Config& cfg, const HostFacts& host) { return Audit(cfg, host).run(); }

}  // namespace oci::audit
