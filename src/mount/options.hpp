// config.md "Mounts": mount options -> flags. The parser is oci's
// (oci/mount_options.hpp), the one that validation uses too, so that an
// option validation accepts is never dropped here.
#pragma once

#include <string>

#include "oci/config.hpp"
#include "oci/mount_options.hpp"

namespace ucrun::mount {

using Options = oci::MountOptions;

// Throws oci::SpecError naming mounts[i].options[j] for malformed options.
inline Options parse_options(const oci::Mount& m, const std::string& path) {
    return oci::parse_mount_options(m, path);
}

// config-linux.md "Mount Label": the SELinux context of the container's own
// file systems (runc: label.FormatMountLabel for tmpfs, mqueue, devpts and
// the like; create checked that SELinux is enabled), as file system data.
inline void add_mount_label(const oci::Config& cfg, const std::string& type, Options& o) {
    const auto& label = cfg.linux ? cfg.linux->mountLabel : std::nullopt;
    if (label && !label->empty() && (type == "tmpfs" || type == "devpts" || type == "mqueue" || type == "shm"))
        o.data.push_back("context=" + *label);
}

inline bool is_bind(const oci::Mount& m) { return oci::is_bind_mount(m); }

}  // namespace ucrun::mount
