// oci::audit, the mounts: host paths bind-mounted into the container (worst
// path first) and writable /sys, /proc/sys and cgroup mounts.
#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>

#include "oci/audit_detail.hpp"
#include "oci/error.hpp"
#include "oci/mount_options.hpp"

namespace oci::audit::detail {

namespace {

struct Sensitive {
    const char* prefix;
    bool exact;       // only the path itself (a socket), not what is below it
    Severity rw, ro;  // a read-only bind of a socket still connects
    const char* what;
};

const std::vector<Sensitive>& sensitive() {
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

bool under(const std::string& path, const std::string& prefix, bool exact) {
    if (path == prefix) return true;
    if (exact) return false;
    return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
           path[prefix.size()] == '/';
}

bool listed(const std::optional<std::vector<std::string>>& paths, const std::string& p) {
    return paths && std::find(paths->begin(), paths->end(), p) != paths->end();
}

}  // namespace

void Audit::bind_mounts() {
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

void Audit::kernel_interfaces() {
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

}  // namespace oci::audit::detail
