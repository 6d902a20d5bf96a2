#include "userns/map_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "sys/io.hpp"
#include "sys/kernel.hpp"
#include "sys/tool.hpp"
#include "userns/idmap.hpp"

namespace ucrun::userns {

namespace {

std::string span(const oci::IDMapping& r) {
    return std::to_string(r.hostID) + "-" + std::to_string(uint64_t{r.hostID} + r.size - 1);
}

// newuidmap <pid> <inside> <outside> <count> ...
std::vector<std::string> helper_argv(const char* tool, pid_t pid, const std::vector<oci::IDMapping>& m) {
    std::vector<std::string> argv = {tool, std::to_string(pid)};
    for (const auto& r : m) {
        argv.push_back(std::to_string(r.containerID));
        argv.push_back(std::to_string(r.hostID));
        argv.push_back(std::to_string(r.size));
    }
    return argv;
}

void write_one(const sys::Kernel& k, pid_t pid, const std::vector<oci::IDMapping>& m, uint32_t own, bool gid,
               const std::string& field, const HostFiles& files) {
    if (m.empty()) return;
    const std::string proc = "/proc/" + std::to_string(pid) + "/";
    if (map_path(m, own) == MapPath::Direct) {
        // user_namespaces(7): an unprivileged gid_map needs setgroups
        // denied first, or a process could drop a group that denies it access.
        if (gid) sys::write_file_at(k, AT_FDCWD, proc + "setgroups", "deny");
        write_maps(k, pid, gid ? std::vector<oci::IDMapping>{} : m, gid ? m : std::vector<oci::IDMapping>{}, false,
                   gid ? "" : field, gid ? field : "");
        return;
    }
    // Whose ranges: newuidmap and newgidmap both look up the calling
    // user's name (or number) in subuid and subgid.
    const auto passwd = read_id_db(files.passwd());
    const DbEntry* me = find_id(passwd, k.geteuid());
    const std::string file = gid ? files.subgid() : files.subuid();
    std::vector<IdRange> ranges;
    try {
        Ranges r = ranges_for(me ? me->name : std::to_string(k.geteuid()), {}, files);
        ranges = gid ? r.gids : r.uids;
    } catch (const Error&) {
        // No ranges at all: check_owned says which range is not the caller's.
    }
    check_owned(m, own, ranges, file, field);
    try {
        sys::run_tool(helper_argv(gid ? "/usr/bin/newgidmap" : "/usr/bin/newuidmap", pid, m), "Debian's uidmap package",
                      std::string("to map ") + (gid ? "gids" : "uids") + " other than your own");
    } catch (const SysError& e) {
        throw ConfigError(field, e.message(), e.code());
    } catch (const Error& e) {
        throw ConfigError(field, e.what(), EPERM);
    }
}

}  // namespace

MapPath map_path(const std::vector<oci::IDMapping>& m, uint32_t own) {
    return m.size() == 1 && m[0].hostID == own && m[0].size == 1 ? MapPath::Direct : MapPath::Helper;
}

void check_owned(const std::vector<oci::IDMapping>& m, uint32_t own, const std::vector<IdRange>& ranges,
                 const std::string& file, const std::string& field) {
    for (size_t i = 0; i < m.size(); ++i) {
        const auto& r = m[i];
        const uint64_t end = uint64_t{r.hostID} + r.size;
        if (r.hostID == own && r.size == 1) continue;  // newuidmap maps the caller's own id too
        bool inside = false;
        for (const auto& o : ranges) inside |= r.hostID >= o.start && end <= o.end();
        if (!inside)
            throw ConfigError(field + "[" + std::to_string(i) + "]",
                              "host ids " + span(r) + " are neither your own id (" + std::to_string(own) +
                                  ") nor in your subordinate ranges in " + file,
                              EPERM);
    }
}

void write_maps_unprivileged(const sys::Kernel& k, pid_t pid, const std::vector<oci::IDMapping>& uids,
                             const std::vector<oci::IDMapping>& gids, const std::string& uid_field,
                             const std::string& gid_field, const HostFiles& files) {
    write_one(k, pid, uids, k.geteuid(), false, uid_field, files);
    write_one(k, pid, gids, k.getegid(), true, gid_field, files);
}

}  // namespace ucrun::userns
