// The global --userns-* flags, which engines pass where they cannot write
// the file (podman --runtime-flag, docker runtimeArgs). They override the
// file setting by setting, through the same value parsers.
#pragma once

#include <optional>
#include <string>

#include "config/userns_settings.hpp"

namespace ucrun::config {

struct UsernsFlags {
    std::optional<std::string> remap;       // --userns-remap
    std::optional<std::string> allocation;  // --userns-allocation
    std::optional<std::string> size;        // --userns-size
    std::optional<std::string> allow_host;  // --userns-allow-host
};

// Throws ucrun::Error "--userns-size: must be ..." for a bad value.
void apply_userns_flags(UsernsConfig& c, const UsernsFlags& f);

}  // namespace ucrun::config
