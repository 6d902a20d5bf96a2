// See mount_options.hpp.
#include "oci/mount_options.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <algorithm>

#include "oci/error.hpp"
#include "oci/limits.hpp"

namespace oci {

namespace {

struct FlagOpt {
    const char* name;
    bool clear;            // the option clears the flag
    unsigned long flag;    // MS_*
    uint64_t attr;         // MOUNT_ATTR_* equivalent (0: none)
    // A super block flag with no mount attribute that a new file system
    // takes by this name (fsconfig FSCONFIG_SET_FLAG; the VFS parses it,
    // fs/fs_context.c common_set_sb_flag).
    bool fs_flag = false;
};

// config.md "Linux mount options" table: the flags.
constexpr FlagOpt kFlags[] = {
    {"async", true, MS_SYNCHRONOUS, 0},
    {"atime", true, MS_NOATIME, MOUNT_ATTR_NOATIME},
    {"defaults", false, 0, 0},
    {"dev", true, MS_NODEV, MOUNT_ATTR_NODEV},
    {"diratime", true, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC, 0, true},
    {"exec", true, MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {"iversion", false, MS_I_VERSION, 0},
    {"lazytime", false, MS_LAZYTIME, 0, true},
    {"loud", true, MS_SILENT, 0},
    {"mand", false, MS_MANDLOCK, 0, true},
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
    {"sync", false, MS_SYNCHRONOUS, 0, true},
};

// The table's propagation rows.
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

// The table's recursive attribute rows (rro, rrw, rnosuid, ...).
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

// The remaining rows, each with its own meaning.
constexpr const char* kOther[] = {"bind", "rbind", "tmpcopyup", "remount"};
constexpr const char* kIdmap[] = {"idmap", "ridmap"};

template <class Table, class Pred>
const auto* find(const Table& table, Pred name_of, const std::string& s) {
    auto it = std::find_if(std::begin(table), std::end(table), [&](const auto& e) { return s == name_of(e); });
    return it == std::end(table) ? nullptr : &*it;
}

const FlagOpt* flag_opt(const std::string& s) { return find(kFlags, [](const FlagOpt& f) { return f.name; }, s); }
const PropOpt* prop_opt(const std::string& s) { return find(kPropagation, [](const PropOpt& p) { return p.name; }, s); }
const RAttr* rattr_opt(const std::string& s) { return find(kRecursive, [](const RAttr& r) { return r.name; }, s); }

void apply_flag(MountOptions& o, const FlagOpt& f) {
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
}

}  // namespace

std::string MountOptions::data_string() const {
    std::string s;
    for (const auto& d : data) {
        if (!s.empty()) s += ',';
        s += d;
    }
    return s;
}

std::vector<std::string> MountOptions::fs_flag_names() const {
    std::vector<std::string> v;
    for (const auto& f : kFlags)
        if (f.fs_flag && (flags & f.flag)) v.emplace_back(f.name);
    return v;
}

bool has_idmap_option(const Mount& m) {
    return std::any_of(m.options.begin(), m.options.end(), [](const std::string& o) {
        return std::any_of(std::begin(kIdmap), std::end(kIdmap), [&](const char* n) { return o == n; });
    });
}

bool is_bind_mount(const Mount& m) {
    if (m.type && *m.type == "bind") return true;
    return std::any_of(m.options.begin(), m.options.end(), [](const std::string& o) { return o == "bind" || o == "rbind"; });
}

bool is_spec_mount_option(const std::string& option) {
    auto in = [&](const auto& table) {
        return std::any_of(std::begin(table), std::end(table), [&](const char* n) { return option == n; });
    };
    return flag_opt(option) || prop_opt(option) || rattr_opt(option) || in(kOther) || in(kIdmap);
}

std::vector<std::string> spec_mount_option_names(bool with_idmap) {
    std::vector<std::string> v;
    for (const auto& f : kFlags) v.emplace_back(f.name);
    for (const auto& p : kPropagation) v.emplace_back(p.name);
    for (const auto& r : kRecursive) v.emplace_back(r.name);
    for (const char* n : kOther) v.emplace_back(n);
    if (with_idmap)
        for (const char* n : kIdmap) v.emplace_back(n);
    std::sort(v.begin(), v.end());
    return v;
}

MountOptions parse_mount_options(const Mount& m, const std::string& path, const std::string& document) {
    MountOptions o;
    const bool bind = is_bind_mount(m);
    for (size_t i = 0; i < m.options.size(); ++i) {
        const std::string& opt = m.options[i];
        const std::string op = path + ".options[" + std::to_string(i) + "]";
        if (opt.empty()) throw SpecError(document, op, "must not be empty");
        if (const FlagOpt* f = flag_opt(opt)) apply_flag(o, *f);
        else if (const PropOpt* p = prop_opt(opt)) o.propagation.push_back(p->flags);
        else if (const RAttr* r = rattr_opt(opt)) (r->clear ? o.rattr_clr : o.rattr_set) |= r->attr;
        else if (opt == "bind") o.bind = true;
        else if (opt == "rbind") o.bind = o.recursive = true;
        else if (opt == "idmap") o.idmap = true;
        else if (opt == "ridmap") o.idmap = o.ridmap = true;
        else if (opt == "tmpcopyup") o.tmpcopyup = true;
        else if (opt == "remount") o.remount = true;
        else if (bind)
            // A bind mount takes no filesystem data: the option would be
            // dropped (runc drops it silently).
            throw SpecError(document, op, "unknown mount option " + excerpt(opt) + " for a bind mount");
        else {
            // fsconfig(2) copies at most 256 bytes (with the NUL) of a key
            // and of a value.
            auto eq = opt.find('=');
            size_t key = eq == std::string::npos ? opt.size() : eq;
            size_t value = eq == std::string::npos ? 0 : opt.size() - eq - 1;
            if (key > limits::mount_option_part_bytes || value > limits::mount_option_part_bytes)
                throw SpecError(document, op,
                                "filesystem option " + excerpt(opt) + ": key and value must be at most " +
                                    std::to_string(limits::mount_option_part_bytes) + " bytes each");
            o.data.push_back(opt);
        }
    }
    if (bind) o.bind = true;
    return o;
}

}  // namespace oci
