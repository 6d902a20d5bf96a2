// Internal to oci/: helpers shared by the validate*.cpp files.
#pragma once

#include <string>
#include <vector>

#include "oci/config.hpp"
#include "oci/error.hpp"

namespace oci::detail {

struct Checker {
    std::string document;
    [[noreturn]] void fail(const std::string& path, const std::string& reason) const {
        throw SpecError(document, path, reason);
    }
};

inline bool is_absolute(const std::string& p) { return !p.empty() && p.front() == '/'; }
// Values in messages are bounded and escaped (error.hpp).
inline std::string quote(const std::string& s) { return excerpt(s); }
inline std::string sub(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : path + "." + key;
}
inline std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }
inline std::string key_at(const std::string& path, const std::string& key) {
    return path + "[" + excerpt(key) + "]";
}

// "0-3,7": comma-separated numbers and ascending ranges; "" is accepted.
bool is_cpu_list(const std::string& s);

// config-linux.md "User namespace mappings": size > 0, no uint32 overflow,
// no overlap of container or host ranges between entries.
void check_id_mappings(const Checker& c, const std::vector<IDMapping>& maps, const std::string& path);

void validate_linux(const Checker& c, const Config& cfg);

// limits.hpp (validate_limits.cpp): ids, args and env, cwd of a process;
// path, args and env of a hook; hostname, paths, annotations of a config.
void check_process_limits(const Checker& c, const Process& p, const std::string& path);
void check_hook_limits(const Checker& c, const Hook& hook, const std::string& path);
void check_config_limits(const Checker& c, const Config& cfg);

}  // namespace oci::detail
