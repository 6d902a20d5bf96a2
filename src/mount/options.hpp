// config.md "Mounts": mount options -> flags. Options in config.md's table
// become mount flags / mount_setattr attributes / propagation; anything
// else is filesystem data ("mode=755", "size=64k", "newinstance"), passed to
// the filesystem as is.
#pragma once

#include <string>
#include <vector>

#include "oci/config.hpp"

namespace ucrun::mount {

struct Options {
    unsigned long flags = 0;        // MS_* to set (for mount(2))
    unsigned long clear = 0;        // MS_* explicitly cleared (rw, suid, dev, exec, ...)
    uint64_t attr_set = 0;          // MOUNT_ATTR_* for mount_setattr / fsmount
    uint64_t attr_clr = 0;
    uint64_t rattr_set = 0;         // recursive r* variants (rro, rnosuid, ...)
    uint64_t rattr_clr = 0;
    std::vector<unsigned long> propagation;  // MS_PRIVATE|MS_REC, ...
    std::vector<std::string> data;  // filesystem options
    bool bind = false;
    bool recursive = false;         // rbind
    bool idmap = false;             // idmap / ridmap
    bool ridmap = false;
    bool remount = false;           // change the mount already at the destination
    bool tmpcopyup = false;         // tmpfs: copy up what it hides (rootfs.cpp)

    std::string data_string() const;  // comma-joined data
};

// Throws oci::SpecError naming mounts[i].options[j] for malformed options.
Options parse_options(const oci::Mount& m, const std::string& path);

bool is_bind(const oci::Mount& m);

}  // namespace ucrun::mount
