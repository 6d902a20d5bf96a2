#include "config/flags.hpp"

#include "sys/error.hpp"

namespace ucrun::config {

namespace {

template <typename F>
void apply(const char* flag, const std::optional<std::string>& value, F&& f) {
    if (!value) return;
    try {
        f(*value);
    } catch (const Error& e) {
        throw Error(std::string(flag) + ": " + e.what());
    }
}

}  // namespace

void apply_userns_flags(UsernsConfig& c, const UsernsFlags& f) {
    apply("--userns-remap", f.remap, [&](const std::string& v) { parse_remap(v, c); });
    apply("--userns-allocation", f.allocation, [&](const std::string& v) { c.allocation = parse_allocation(v); });
    apply("--userns-size", f.size, [&](const std::string& v) { c.size = parse_size(v); });
    apply("--userns-allow-host", f.allow_host, [&](const std::string& v) { c.allow_host = parse_bool(v); });
}

}  // namespace ucrun::config
