#include "config/userns_settings.hpp"

#include "sys/error.hpp"

namespace ucrun::config {

namespace {

// A user or group name as /etc/passwd, /etc/subuid and useradd accept it
// (or a numeric id): no ':' (the field separator of those files), no '/',
// no white space or control characters, not starting with '-' (it would
// read as an option to the tools that create the user).
bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > 32 || s[0] == '-') return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

void parse_remap(std::string_view value, UsernsConfig& out) {
    if (value == "off") {
        out.remap = Remap::Off;
        out.user.clear();
        out.group.clear();
        return;
    }
    if (value == "default") {
        out.remap = Remap::Default;
        out.user.clear();
        out.group.clear();
        return;
    }
    std::string_view user = value, group;
    if (auto colon = value.find(':'); colon != std::string_view::npos) {
        user = value.substr(0, colon);
        group = value.substr(colon + 1);
        if (!valid_name(group))
            throw Error("must be off, default or USER[:GROUP] with a valid group name, not \"" + std::string(value) +
                        "\"");
    }
    if (!valid_name(user))
        throw Error("must be off, default or USER[:GROUP] with a valid user name, not \"" + std::string(value) + "\"");
    out.remap = Remap::User;
    out.user = std::string(user);
    out.group = std::string(group);
}

Allocation parse_allocation(std::string_view value) {
    if (value == "per-container") return Allocation::PerContainer;
    if (value == "shared") return Allocation::Shared;
    throw Error("must be per-container or shared, not \"" + std::string(value) + "\"");
}

std::uint32_t parse_size(std::string_view value) {
    // Decimal digits only: no sign, no 0x/0o forms, no spaces, so that the
    // number read is the number written.
    const std::string msg = "must be a positive integer of at most " + std::to_string(kMaxUsernsSize);
    if (value.empty() || value.size() > 10) throw Error(msg);
    std::uint64_t n = 0;
    for (char c : value) {
        if (c < '0' || c > '9') throw Error(msg);
        n = n * 10 + std::uint64_t(c - '0');
    }
    if (n == 0 || n > kMaxUsernsSize) throw Error(msg);
    return std::uint32_t(n);
}

bool parse_bool(std::string_view value) {
    // YAML 1.2's booleans only: yes/no/on/off (YAML 1.1) are refused rather
    // than guessed.
    if (value == "true") return true;
    if (value == "false") return false;
    throw Error("must be true or false");
}

std::string remap_text(const UsernsConfig& c) {
    switch (c.remap) {
    case Remap::Off: return "off";
    case Remap::Default: return "default";
    case Remap::User: return c.group.empty() ? c.user : c.user + ":" + c.group;
    }
    return "off";
}

const char* allocation_text(Allocation a) { return a == Allocation::Shared ? "shared" : "per-container"; }

}  // namespace ucrun::config
