// `ucrun check`: an audit of a config.json for people testing bundles by
// hand. The analysis is pure: it reads the typed config and a few facts about
// the host that src/ gathered (where a bind source resolves, which namespace
// paths are the host's own), so every finding can be unit tested from a
// minimal config without a container or root.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/config.hpp"

namespace oci::audit {

enum class Severity { info, low, medium, high };

const char* severity_name(Severity s);  // "high", "medium", "low", "info"

struct Finding {
    Severity severity = Severity::info;
    std::string id;       // short and stable: "no-userns", "host-path-rw", ...
    std::string path;     // the config.json path that causes it: "mounts[3]"
    std::string message;  // one line, values quoted with oci::excerpt
};

// What a bind source is on the host, after following symlinks and "..".
struct HostPath {
    enum class Kind { directory, file, device, socket, other, missing };
    // Absolute, no symlinks, no "." or ".." components; for a source that
    // does not exist, its longest existing part resolved plus the rest.
    std::string resolved;
    Kind kind = Kind::other;
};

struct HostFacts {
    // Indexed like Config::mounts: the host's view of each bind source, or
    // nullopt when the mount is no bind or nothing is known (then the source
    // is judged by its text with "." and ".." folded).
    std::vector<std::optional<HostPath>> mount_sources;
    // Indexed like linux.namespaces: true when the entry's path is one of the
    // host's own namespaces (joining it is the same as not unsharing).
    std::vector<bool> host_namespace;
};

// The findings, worst first (severity, then how bad within it).
std::vector<Finding> audit(const Config& cfg, const HostFacts& host);

// "/a/./b/../c" -> "/a/c": the textual fallback for a source that does not
// resolve on the host (".." never climbs above "/").
std::string fold_path(const std::string& path);

}  // namespace oci::audit
