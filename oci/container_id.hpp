#pragma once
#include <string>

namespace oci {
// runc accepts ^[\w+-\.]+$ ; we also bound the length (1..1024) and refuse
// "." and "..", so an id is always a single safe path component.
// Returns an empty string when valid, else the reason.
std::string container_id_problem(const std::string& id);
}  // namespace oci
