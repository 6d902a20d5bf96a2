#include "userns/idmap.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>

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

std::optional<MapLine> next_map_line(std::string_view& text) {
    auto skip_blanks = [](std::string_view& t, bool newlines) {
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t' || (newlines && t.front() == '\n'))) t.remove_prefix(1);
    };
    skip_blanks(text, true);
    std::string_view rest = text;
    uint64_t v[3];
    for (auto& n : v) {
        skip_blanks(rest, false);
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
        if (ec != std::errc() || end == rest.data()) return std::nullopt;  // also the end of `text`
        rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    }
    skip_blanks(rest, false);
    if (!rest.empty() && rest.front() != '\n') return std::nullopt;
    text = rest;
    return MapLine{v[0], v[1], v[2]};
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
        std::string_view lines = text;
        while (auto l = next_map_line(lines))
            inside |= m[i].hostID >= l->first && uint64_t{m[i].hostID} + m[i].size <= l->first + l->count;
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
    // The initial user namespace has a fixed nsfs inode number
    // (PROC_USER_INIT_INO, include/linux/proc_ns.h, 0xEFFFFFFD since Linux
    // 3.8): one readlink tells it, where the uid_map needs an open, a
    // seq_file and its reads (tests/bench/PERFORMANCE.md, "eighth pass").
    // Any other answer is checked the long way, so a kernel that numbered
    // it differently would only be slower.
    char link[32];
    const ssize_t n = ::readlink("/proc/self/ns/user", link, sizeof link);
    if (n > 0 && std::string_view(link, static_cast<size_t>(n)) == "user:[4026531837]") return false;
    try {
        const std::string m = sys::read_file("/proc/self/uid_map");
        std::string_view text = m;
        const auto l = next_map_line(text);
        return !l || l->first != 0 || l->lower != 0 || l->count != 4294967295ull;
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
