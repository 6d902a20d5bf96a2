// The runtime's user-namespace remapping policy (issue 12) and the one
// parser of each of its values. The YAML file (runtime_config.cpp) and the
// global flags (flags.cpp) both go through these, so a value means the same
// wherever it is written. Pure: no system calls, no YAML.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ucrun::config {

enum class Remap {
    Off,      // today's behaviour: bundles are run as they are
    Default,  // the `ucrun` system user's subordinate ranges
    User,     // UsernsConfig::user's (and group's) subordinate ranges
};

enum class Allocation {
    PerContainer,  // a disjoint block of `size` ids per container
    Shared,        // one range for every container (dockerd's userns-remap)
};

inline constexpr std::uint32_t kDefaultUsernsSize = 65536;
// A quarter of the 32-bit id space: larger blocks could not be carved more
// than a few times out of any subordinate range, and a size near 2^32 would
// overflow range arithmetic (uid 4294967295 is (uid_t)-1, never valid).
inline constexpr std::uint32_t kMaxUsernsSize = 1u << 30;

struct UsernsConfig {
    Remap remap = Remap::Off;
    std::string user;   // Remap::User: a name or a numeric id
    std::string group;  // Remap::User with USER:GROUP; empty: the user's own
    Allocation allocation = Allocation::PerContainer;
    std::uint32_t size = kDefaultUsernsSize;
    // Whether a container may opt out (annotation io.github.ucrun.userns=host).
    // Off by default: an opt-out is a way around the policy, so the operator
    // must grant it.
    bool allow_host = false;
    bool operator==(const UsernsConfig&) const = default;
};

// Each throws ucrun::Error with a message that completes "<where>: " (the
// caller names the file and line or the flag), e.g. "must be a positive
// integer".
void parse_remap(std::string_view value, UsernsConfig& out);  // off | default | USER[:GROUP]
Allocation parse_allocation(std::string_view value);          // per-container | shared
std::uint32_t parse_size(std::string_view value);             // 1..kMaxUsernsSize, decimal
bool parse_bool(std::string_view value);                      // true | false

// The text form of each setting, as the file and the flags spell it.
std::string remap_text(const UsernsConfig& c);
const char* allocation_text(Allocation a);

}  // namespace ucrun::config
