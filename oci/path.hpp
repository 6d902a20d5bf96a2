// Paths as text: no system calls.
#pragma once

#include <string>

namespace oci {

// Go's filepath.Clean (runc cleans paths with it): "." and empty
// components dropped, ".." taking the one before it (never above "/" in an
// absolute path; kept at the front of a relative one), no trailing "/";
// "" and what cleans to nothing give ".".
std::string lexical_clean(const std::string& path);

}  // namespace oci
