// Container ids (runtime.md "State": id unique on the host). The id names a
// directory in the state root and a cgroup, so it must be one safe path
// component. runc's pattern is ^[\w+-\.]+$, whose class also admits ','
// (the range '+'..'.'); we do not, as ids end up in mount option strings.
#include "oci/container_id.hpp"

namespace oci {

std::string container_id_problem(const std::string& id) {
    if (id.empty()) return "must not be empty";
    if (id.size() > 1024) return "must be at most 1024 characters";
    if (id == "." || id == "..") return "must not be \".\" or \"..\"";
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '+' || c == '-' || c == '.';
        if (!ok) {
            std::string shown = (c >= 0x20 && c < 0x7f) ? std::string(1, c) : "\\x" + [&] {
                const char* hex = "0123456789abcdef";
                auto u = static_cast<unsigned char>(c);
                return std::string{hex[u >> 4], hex[u & 15]};
            }();
            return "invalid character '" + shown + "' (allowed: letters, digits, '_', '+', '-', '.')";
        }
    }
    return "";
}

}  // namespace oci
