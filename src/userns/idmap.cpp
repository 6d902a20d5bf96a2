#include "userns/idmap.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/kernel.hpp"

namespace ucrun::userns {

std::string format_map(const std::vector<oci::IDMapping>& m) {
    std::string s;
    for (const auto& e : m)
        s += std::to_string(e.containerID) + " " + std::to_string(e.hostID) + " " + std::to_string(e.size) + "\n";
    return s;
}

namespace {

// The first range of `m` whose host ids do not lie in one line of our own
// /proc/self/<map>: the kernel maps each range through a single extent of
// the parent namespace (map_id_range_down) and refuses it with EPERM.
// -1 when every range is mapped or the file cannot be read.
long unmapped_range(const std::vector<oci::IDMapping>& m, const char* map) {
    std::string text;
    try {
        text = sys::read_file(std::string("/proc/self/") + map);
    } catch (const SysError&) {
        return -1;
    }
    for (size_t i = 0; i < m.size(); ++i) {
        bool inside = false;
        const char* p = text.c_str();
        unsigned long long first, lower, count;
        int used = 0;
        while (std::sscanf(p, "%llu %llu %llu\n%n", &first, &lower, &count, &used) == 3 && used > 0) {
            inside |= m[i].hostID >= first && uint64_t{m[i].hostID} + m[i].size <= first + count;
            p += used;
        }
        if (!inside) return static_cast<long>(i);
    }
    return -1;
}

void fail(const std::string& field, const std::string& what, int err) {
    if (field.empty()) throw SysError(what, err);
    throw ConfigError(field, what, err);
}

void write_map(const sys::Kernel& k, const std::string& file, const std::vector<oci::IDMapping>& m, const char* map,
               const std::string& field) {
    const std::string text = format_map(m);
    // The kernel takes the whole map in one write of less than a page.
    const long page = ::sysconf(_SC_PAGESIZE);
    if (page > 0 && text.size() >= static_cast<size_t>(page))
        fail(field, std::to_string(m.size()) + " ranges make " + std::to_string(text.size()) + " bytes of " + file +
                        ", the kernel accepts at most " + std::to_string(page - 1),
             EINVAL);
    try {
        sys::write_file_at(k, AT_FDCWD, file, text);
    } catch (const SysError& e) {
        long i = e.code() == EPERM ? unmapped_range(m, map) : -1;
        if (i < 0) fail(field, e.message(), e.code());
        const oci::IDMapping& r = m[static_cast<size_t>(i)];
        fail(field.empty() ? field : field + "[" + std::to_string(i) + "]",
             e.message() + ": host ids " + std::to_string(r.hostID) + "-" +
                 std::to_string(uint64_t{r.hostID} + r.size - 1) + " are not mapped in ucrun's user namespace (/proc/self/" +
                 map + ")",
             e.code());
    }
}

}  // namespace

void write_maps(const sys::Kernel& k, pid_t pid, const std::vector<oci::IDMapping>& uids,
                const std::vector<oci::IDMapping>& gids, bool deny_setgroups, const std::string& uid_field,
                const std::string& gid_field) {
    char base[48];
    std::snprintf(base, sizeof base, "/proc/%d/", pid);
    std::string b = base;
    if (deny_setgroups) sys::write_file_at(k, AT_FDCWD, b + "setgroups", "deny");
    if (!uids.empty()) write_map(k, b + "uid_map", uids, "uid_map", uid_field);
    if (!gids.empty()) write_map(k, b + "gid_map", gids, "gid_map", gid_field);
}


bool in_child_user_namespace() {
    try {
        const std::string m = sys::read_file("/proc/self/uid_map");
        unsigned long long a = 0, b = 0, n = 0;
        return std::sscanf(m.c_str(), "%llu %llu %llu", &a, &b, &n) != 3 || a != 0 || b != 0 || n != 4294967295ull;
    } catch (const SysError&) {
        return false;
    }
}

long long to_host(const std::vector<oci::IDMapping>& m, uint32_t id) {
    for (const auto& e : m)
        if (id >= e.containerID && id - e.containerID < e.size) return static_cast<long long>(e.hostID) + (id - e.containerID);
    return -1;
}

}  // namespace ucrun::userns
