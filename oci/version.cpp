// config.md "Specification version": ociVersion is SemVer 2.0.0; ucrun
// implements runtime-spec 1.3.0 and, as the spec is backward compatible
// within a major version, accepts 1.0.0 to 1.3.x. Pre-release suffixes of
// those versions ("1.0.2-dev", and "1.0.0-rc5" of pre-1.0 tools) are taken
// as the version they precede.
#include <string_view>

#include "oci/validate.hpp"

namespace oci {

namespace {

bool is_alnum_hyphen(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool is_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}
// SemVer "numeric identifier": digits without leading zero.
bool is_numeric_id(std::string_view s) { return is_digits(s) && (s.size() == 1 || s[0] != '0'); }

// Dot-separated non-empty [0-9A-Za-z-] identifiers; numeric ones without
// leading zeros when `numeric_strict` (pre-release, not build metadata).
bool is_identifiers(std::string_view s, bool numeric_strict) {
    while (true) {
        size_t dot = s.find('.');
        std::string_view id = s.substr(0, dot);
        if (id.empty()) return false;
        for (char c : id)
            if (!is_alnum_hyphen(c)) return false;
        if (numeric_strict && is_digits(id) && !is_numeric_id(id)) return false;
        if (dot == std::string_view::npos) return true;
        s.remove_prefix(dot + 1);
    }
}

}  // namespace

bool is_supported_oci_version(const std::string& version) {
    std::string_view v = version;
    std::string_view build, pre;
    if (size_t plus = v.find('+'); plus != std::string_view::npos) {
        build = v.substr(plus + 1);
        v = v.substr(0, plus);
        if (!is_identifiers(build, false)) return false;
    }
    if (size_t dash = v.find('-'); dash != std::string_view::npos) {
        pre = v.substr(dash + 1);
        v = v.substr(0, dash);
        if (!is_identifiers(pre, true)) return false;
    }
    size_t d1 = v.find('.');
    if (d1 == std::string_view::npos) return false;
    size_t d2 = v.find('.', d1 + 1);
    if (d2 == std::string_view::npos) return false;
    std::string_view major = v.substr(0, d1), minor = v.substr(d1 + 1, d2 - d1 - 1),
                     patch = v.substr(d2 + 1);
    if (!is_numeric_id(major) || !is_numeric_id(minor) || !is_numeric_id(patch)) return false;
    return major == "1" && minor.size() == 1 && minor[0] <= '3';
}

}  // namespace oci
