// The runtime configuration file, /etc/ucrun/ucrun.yaml: the operator's
// policy for every container this runtime starts, whatever engine calls it.
// Plain data here; YAML appears only in runtime_config.cpp, so a module that
// reads the settings from the Context never sees yaml-cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/userns_settings.hpp"

namespace ucrun::config {

inline constexpr const char* kDefaultConfigPath = "/etc/ucrun/ucrun.yaml";
// Beyond this the file is refused unread: it is a handful of keys, and a
// size check keeps /dev/zero or a runaway file from eating memory.
inline constexpr std::size_t kMaxConfigSize = 1 << 20;

struct RuntimeConfig {
    std::string path;  // the file the settings came from; empty: none (defaults)
    UsernsConfig userns;
    bool operator==(const RuntimeConfig&) const = default;
};

// Which file to read: --config, else UCRUN_CONFIG (when set and not empty),
// else the default. A file named by the operator must exist (required);
// the default may be absent.
struct ConfigChoice {
    std::string path;
    bool required = false;
    const char* source = "default";  // "--config", "UCRUN_CONFIG" or "default"
};
ConfigChoice choose_config(const std::optional<std::string>& flag, const char* env);

// Reads `path`. When it does not exist and !required, returns the defaults
// with an empty path after one failed open(2), nothing more. Throws
// ucrun::Error "<path>:<line>: <key>: <what>" for a bad file.
RuntimeConfig load_runtime_config(const std::string& path, bool required);

// Parses `text` as the contents of `path` (used in error messages).
RuntimeConfig parse_runtime_config(std::string_view text, const std::string& path);

}  // namespace ucrun::config
