#include "userns/idmap.hpp"

#include <cstdio>

#include "sys/io.hpp"

namespace ucrun::userns {

std::string format_map(const std::vector<oci::IDMapping>& m) {
    std::string s;
    for (const auto& e : m)
        s += std::to_string(e.containerID) + " " + std::to_string(e.hostID) + " " + std::to_string(e.size) + "\n";
    return s;
}

void write_maps(pid_t pid, const std::vector<oci::IDMapping>& uids, const std::vector<oci::IDMapping>& gids,
                bool deny_setgroups) {
    char base[48];
    std::snprintf(base, sizeof base, "/proc/%d/", pid);
    std::string b = base;
    if (deny_setgroups) sys::write_file(b + "setgroups", "deny");
    if (!uids.empty()) sys::write_file(b + "uid_map", format_map(uids));
    if (!gids.empty()) sys::write_file(b + "gid_map", format_map(gids));
}

long long to_host(const std::vector<oci::IDMapping>& m, uint32_t id) {
    for (const auto& e : m)
        if (id >= e.containerID && id - e.containerID < e.size) return static_cast<long long>(e.hostID) + (id - e.containerID);
    return -1;
}

}  // namespace ucrun::userns
