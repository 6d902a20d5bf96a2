#pragma once
#include <optional>
#include <string>

namespace oci {
// "KILL", "SIGKILL", "sigkill", "9", "SIGRTMIN+3" -> signal number; nullopt when unknown.
std::optional<int> parse_signal(const std::string& s);
}  // namespace oci
