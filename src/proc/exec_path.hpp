// Finding process.args[0] inside the container before signalling ready, so
// that a missing binary fails `create` with runc's wording, which engines
// parse (docker maps it to exit code 127):
//   exec: "foo": executable file not found in $PATH
//   exec: "/bin/foo": stat /bin/foo: no such file or directory
#pragma once

#include <string>
#include <vector>

namespace ucrun::proc {

// Throws ucrun::Error with the message above.
std::string resolve_executable(const std::string& arg0, const std::vector<std::string>& env);

}  // namespace ucrun::proc
