// Running a host tool (useradd, newuidmap, ...) and waiting for it.
#pragma once

#include <string>
#include <vector>

namespace ucrun::sys {

// Runs argv (an absolute path first) with a fixed environment (PATH of the
// system directories, LC_ALL=C: the tool's messages are parsed by nobody
// but read by people, in one language) and stdin from /dev/null, and
// waits. Throws SysError "<tool> (<package>) is needed <why>" when it is
// not there; Error "<command line>: <its last stderr line or exit status>"
// when it fails. Its stderr is captured (at most 4 KiB kept), not shown.
void run_tool(const std::vector<std::string>& argv, const std::string& package, const std::string& why);

}  // namespace ucrun::sys
