#include "mount/options.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <cstring>

#include "oci/error.hpp"

namespace ucrun::mount {

namespace {
struct FlagOpt {
    const char* name;
    bool clear;            // the option clears the flag
    unsigned long flag;    // MS_*
    uint64_t attr;         // MOUNT_ATTR_* equivalent (0: none)
};

// config.md "Mounts", "options" table (Linux).
constexpr FlagOpt kFlags[] = {
    {"async", true, MS_SYNCHRONOUS, 0},
    {"atime", true, MS_NOATIME, MOUNT_ATTR_NOATIME},
    {"defaults", false, 0, 0},
    {"dev", true, MS_NODEV, MOUNT_ATTR_NODEV},
    {"diratime", true, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC, 0},
    {"exec", true, MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {"iversion", false, MS_I_VERSION, 0},
    {"lazytime", false, MS_LAZYTIME, 0},
    {"loud", true, MS_SILENT, 0},
    {"mand", false, MS_MANDLOCK, 0},
    {"noatime", false, MS_NOATIME, MOUNT_ATTR_NOATIME},
    {"nodev", false, MS_NODEV, MOUNT_ATTR_NODEV},
    {"nodiratime", false, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
    {"noexec", false, MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {"noiversion", true, MS_I_VERSION, 0},
    {"nolazytime", true, MS_LAZYTIME, 0},
    {"nomand", true, MS_MANDLOCK, 0},
    {"norelatime", true, MS_RELATIME, MOUNT_ATTR_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
    {"nosuid", false, MS_NOSUID, MOUNT_ATTR_NOSUID},
    {"nosymfollow", false, 0, MOUNT_ATTR_NOSYMFOLLOW},
    {"relatime", false, MS_RELATIME, MOUNT_ATTR_RELATIME},
    {"ro", false, MS_RDONLY, MOUNT_ATTR_RDONLY},
    {"rw", true, MS_RDONLY, MOUNT_ATTR_RDONLY},
    {"silent", false, MS_SILENT, 0},
    {"strictatime", false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
    {"suid", true, MS_NOSUID, MOUNT_ATTR_NOSUID},
    {"symfollow", true, 0, MOUNT_ATTR_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS, 0},
};

struct PropOpt {
    const char* name;
    unsigned long flags;
};
constexpr PropOpt kPropagation[] = {
    {"private", MS_PRIVATE},           {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},             {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},               {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},     {"runbindable", MS_UNBINDABLE | MS_REC},
};

// Recursive attribute variants (config.md: rro, rrw, rnosuid, ...).
struct RAttr {
    const char* name;
    bool clear;
    uint64_t attr;
};
constexpr RAttr kRecursive[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},         {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},     {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},       {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},     {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},   {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME}, {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME}, {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},   {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW}, {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};
}  // namespace

bool is_bind(const oci::Mount& m) {
    if (m.type && *m.type == "bind") return true;
    for (const auto& o : m.options)
        if (o == "bind" || o == "rbind") return true;
    return false;
}

std::string Options::data_string() const {
    std::string s;
    for (const auto& d : data) {
        if (!s.empty()) s += ',';
        s += d;
    }
    return s;
}

Options parse_options(const oci::Mount& m, const std::string& path) {
    Options o;
    for (size_t i = 0; i < m.options.size(); ++i) {
        const std::string& opt = m.options[i];
        if (opt.empty())
            throw oci::SpecError("config.json", path + ".options[" + std::to_string(i) + "]", "empty mount option");
        bool done = false;
        for (const auto& f : kFlags) {
            if (opt != f.name) continue;
            if (f.clear) {
                o.flags &= ~f.flag;
                o.clear |= f.flag;
                o.attr_set &= ~f.attr;
                o.attr_clr |= f.attr;
            } else {
                o.flags |= f.flag;
                o.clear &= ~f.flag;
                o.attr_set |= f.attr;
                o.attr_clr &= ~f.attr;
            }
            done = true;
            break;
        }
        if (done) continue;
        for (const auto& p : kPropagation) {
            if (opt == p.name) {
                o.propagation.push_back(p.flags);
                done = true;
                break;
            }
        }
        if (done) continue;
        for (const auto& r : kRecursive) {
            if (opt == r.name) {
                (r.clear ? o.rattr_clr : o.rattr_set) |= r.attr;
                done = true;
                break;
            }
        }
        if (done) continue;
        if (opt == "bind") o.bind = true;
        else if (opt == "rbind") o.bind = o.recursive = true;
        else if (opt == "idmap") o.idmap = true;
        else if (opt == "ridmap") o.idmap = o.ridmap = true;
        else if (opt == "tmpcopyup") o.tmpcopyup = true;
        else if (opt == "remount") o.remount = true;
        else o.data.push_back(opt);
    }
    if (m.type && *m.type == "bind") o.bind = true;
    return o;
}

}  // namespace ucrun::mount
