// /proc/<pid>/mountinfo, one line per mount (proc(5)):
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
// Hostile input: whoever can mount (a container's engine, a user in a user
// namespace whose mounts propagate) chooses the paths and options shown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ucrun::sys {

struct MountInfo {
    uint64_t id = 0;
    uint64_t parent = 0;
    std::string root;         // field 4, unescaped: the mount's root inside its file system
    std::string mount_point;  // field 5, unescaped
    std::string fstype;       // after "-", unescaped
    std::string source;       // unescaped
    // The super block options AS SHOWN: still escaped, because a file
    // system's own show_options escapes ',' and '=' inside values
    // (seq_show_option) and those must be split on before unescaping.
    std::string super_options;
    bool shared = false;      // a "shared:N" optional field: in a peer group
};

// The kernel's mangle() escapes (\ooo octal) undone. A backslash not
// followed by three octal digits stays as it is.
std::string unescape_mountinfo(std::string_view s);

// One line; nullopt when it is malformed.
std::optional<MountInfo> parse_mountinfo_line(std::string_view line);
// Every well-formed line of a whole file.
std::vector<MountInfo> parse_mountinfo(std::string_view text);

// The mount with this id (statx STATX_MNT_ID), or null.
const MountInfo* find_mount(const std::vector<MountInfo>& mi, uint64_t id);
// `path` is strictly below the directory `dir` (both absolute, normalized):
// which mount points lie under a tree.
bool is_under(const std::string& path, const std::string& dir);

}  // namespace ucrun::sys
