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

inline bool is_bind(const oci::Mount& m) { return oci::is_bind_mount(m); }

}  // namespace ucrun::mount
