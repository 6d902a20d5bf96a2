// The inside of oci::audit (audit.hpp), shared by its two files: audit.cpp
// (user namespace, capabilities, namespaces, devices, sysctls, hardening) and
// audit_mounts.cpp (host bind mounts, /sys, /proc/sys and cgroup mounts).
#pragma once

#include <string>
#include <vector>

#include "oci/audit.hpp"
#include "oci/config.hpp"

namespace oci::audit::detail {

inline std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

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
    Audit(const Config& cfg, const HostFacts& host);
    std::vector<Finding> run();

private:
    const Config& cfg_;
    const HostFacts& host_;
    const Linux* linux_ = nullptr;
    bool userns_ = false;
    std::vector<Ranked> out_;

    void add(Severity s, std::string id, std::string path, std::string message, int rank = 100);
    const Namespace* ns(const std::string& type) const;
    // True when the container shares the host's namespace of `type`: no
    // entry, or an entry whose path is the host's own namespace.
    bool host_ns(const std::string& type, std::string* path) const;
    bool all_devices_allowed() const;

    void user_namespace();
    void host_root_mapping();
    void bind_mounts();        // audit_mounts.cpp
    void kernel_interfaces();  // audit_mounts.cpp
    void namespaces();
    void capabilities();
    void devices();
    void sysctls();
    void hardening();
};

}  // namespace oci::audit::detail
