// config.md "Mounts" options -> what mounting does with them: the one parser
// of mount options, used by validation (validate.cpp, before anything is
// created) and by mounting (src/mount/options.hpp). Options in config.md's
// "Linux mount options" table become mount flags, mount_setattr(2)
// attributes or propagation; on a new filesystem anything else is
// filesystem data ("mode=755", "size=64k", "newinstance") passed to it as
// is. A bind mount has no filesystem data: there an unknown option (a typo
// such as "nosiud") is refused, as it would otherwise be dropped.
//
// No system calls: the flags are the numbers of <sys/mount.h> and
// <linux/mount.h>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "oci/config.hpp"

namespace oci {

struct MountOptions {
    unsigned long flags = 0;        // MS_* to set (for mount(2))
    unsigned long clear = 0;        // MS_* explicitly cleared (rw, suid, dev, exec, ...)
    uint64_t attr_set = 0;          // MOUNT_ATTR_* for mount_setattr / fsmount
    uint64_t attr_clr = 0;
    uint64_t rattr_set = 0;         // recursive r* variants (rro, rnosuid, ...)
    uint64_t rattr_clr = 0;
    std::vector<unsigned long> propagation;  // MS_PRIVATE|MS_REC, ...
    std::vector<std::string> data;  // filesystem options (never for a bind mount)
    bool bind = false;
    bool recursive = false;         // rbind
    bool idmap = false;             // idmap / ridmap
    bool ridmap = false;
    bool remount = false;           // change the mount already at the destination
    bool tmpcopyup = false;         // tmpfs: copy up what it hides (rootfs.cpp)

    std::string data_string() const;  // comma-joined data
    // The options among `flags` that a new file system takes by name
    // (fsconfig(2) FSCONFIG_SET_FLAG): "dirsync", "lazytime", "mand", "sync".
    // The other flags have a mount attribute (attr_set) instead.
    std::vector<std::string> fs_flag_names() const;
};

// `path` is the mount's path ("mounts[2]"). Throws SpecError naming
// `<path>.options[k]` for an empty option, an unknown option on a bind mount
// and filesystem data longer than fsconfig(2) takes (limits.hpp).
MountOptions parse_mount_options(const Mount& m, const std::string& path,
                                 const std::string& document = "config.json");

// type "bind", or a "bind"/"rbind" option.
bool is_bind_mount(const Mount& m);

// An "idmap" or "ridmap" option (without parsing the others: no error).
bool has_idmap_option(const Mount& m);

// config.md "Linux mount options": true when `option` is one of the table's
// option strings (plus ucrun's own "tmpcopyup", "remount", "idmap",
// "ridmap"). Other strings are filesystem data.
bool is_spec_mount_option(const std::string& option);

// Every option of the table, sorted, for `ucrun features`; idmap and ridmap
// only when `with_idmap`.
std::vector<std::string> spec_mount_option_names(bool with_idmap);

}  // namespace oci
