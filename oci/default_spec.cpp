// See default_spec.hpp. Content of runc 1.1.5 libcontainer/specconv.Example()
// and ToRootless(), ociVersion raised to the spec version we implement.
#include "oci/default_spec.hpp"

#include <string>

namespace oci {

nlohmann::ordered_json default_spec_ordered(bool rootless, uint32_t host_uid, uint32_t host_gid) {
    using J = nlohmann::ordered_json;
    const J caps = J::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});

    J spec;
    spec["ociVersion"] = "1.3.0";
    spec["process"] = {
        {"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", J::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
        {"noNewPrivileges", true},
    };
    spec["root"] = {{"path", "rootfs"}, {"readonly", true}};
    spec["hostname"] = "runc";

    auto mount = [](const char* dest, const char* type, const char* source, std::vector<std::string> options) {
        J m = {{"destination", dest}, {"type", type}, {"source", source}};
        if (!options.empty()) m["options"] = options;
        return m;
    };
    J mounts = J::array();
    mounts.push_back(mount("/proc", "proc", "proc", {}));
    mounts.push_back(mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
    if (rootless)  // ToRootless drops uid=/gid= options
        mounts.push_back(mount("/dev/pts", "devpts", "devpts",
                               {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}));
    else
        mounts.push_back(mount("/dev/pts", "devpts", "devpts",
                               {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}));
    mounts.push_back(mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
    mounts.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
    if (rootless)  // ToRootless: /sys becomes a read-only rbind of the host's (sysfs needs a netns we own)
        mounts.push_back(mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
    else
        mounts.push_back(mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}));
    mounts.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}));
    spec["mounts"] = mounts;

    J linux = J::object();
    if (rootless) {
        linux["uidMappings"] = J::array({{{"containerID", 0}, {"hostID", host_uid}, {"size", 1}}});
        linux["gidMappings"] = J::array({{{"containerID", 0}, {"hostID", host_gid}, {"size", 1}}});
    } else {
        linux["resources"] = {{"devices", J::array({{{"allow", false}, {"access", "rwm"}}})}};
    }
    J ns = J::array();
    for (const char* t : {"pid", "network", "ipc", "uts", "mount"}) {
        if (rootless && std::string(t) == "network") continue;
        ns.push_back({{"type", t}});
    }
    if (rootless) ns.push_back({{"type", "user"}});
    linux["namespaces"] = ns;
    linux["maskedPaths"] = {"/proc/acpi",      "/proc/asound",    "/proc/kcore",       "/proc/keys",
                            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                            "/sys/firmware",   "/proc/scsi"};
    linux["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    spec["linux"] = linux;
    return spec;
}

nlohmann::json default_spec(bool rootless, uint32_t host_uid, uint32_t host_gid) {
    return nlohmann::json::parse(default_spec_ordered(rootless, host_uid, host_gid).dump());
}

}  // namespace oci
