// Finding process.args[0] inside the container before signalling ready, so
// that a missing or unusable binary fails `create` with runc's wording
// (Go's exec.LookPath), which engines parse (docker maps the first two to
// exit code 127):
//   exec: "foo": executable file not found in $PATH
//   exec: "/bin/foo": stat /bin/foo: no such file or directory
//   exec: "/etc/passwd": permission denied
//   exec: "/etc": is a directory
// Called once the process has its final user and capabilities (as runc
// calls LookPath after finalizeNamespace): execute permission is that
// user's, a noexec mount included.
#pragma once

#include <string>
#include <vector>

#include "sys/kernel.hpp"

namespace ucrun::proc {

// Throws ucrun::Error with the message above.
std::string resolve_executable(const sys::Kernel& k, const std::string& arg0, const std::vector<std::string>& env);

}  // namespace ucrun::proc
