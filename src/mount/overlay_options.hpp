// The super block options of an overlayfs mount as /proc/self/mountinfo
// shows them (fs/overlayfs/params.c ovl_show_options), read back into the
// layers and the options a second overlay over the same layers must repeat.
// Pure: no system calls (unit-tested on hostile text).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ucrun::mount {

struct OverlayConfig {
    std::vector<std::string> lower;  // uppermost first
    std::vector<std::string> data;   // data-only lower layers ("::" or datadir+)
    std::string upper, work;         // both empty for a read-only overlay
    bool read_only = false;          // "ro" super block flag
    std::optional<bool> index;       // index=on|off when shown (else the module default)
    // Options to repeat on the new overlay (key, value; value "" for a flag):
    // the ones that change how the layers' contents are read (redirect_dir,
    // metacopy, xino, uuid, userxattr, verity, volatile, nfs_export=off).
    std::vector<std::pair<std::string, std::string>> carry;
};

// Throws ucrun::Error naming the option: a relative layer path (docker's
// "l/ABC" form when the options exceed a page: relative to a directory the
// mounter had at that time, unknowable now), an empty lowerdir, an upperdir
// without workdir, nfs_export=on, or an option not known here (it might
// change what the layers mean; better refuse than guess).
OverlayConfig parse_overlay_options(std::string_view super_options);

// lowerdir's own escaping (legacy string option): ':' separates layers,
// "::" starts the data-only layers, a backslash quotes the next character.
// `lowerdir` is already free of mountinfo's \ooo escapes.
void split_lowerdir(std::string_view lowerdir, std::vector<std::string>& lower, std::vector<std::string>& data);

}  // namespace ucrun::mount
