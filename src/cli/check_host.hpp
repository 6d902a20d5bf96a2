// The host's side of `ucrun check`: where config.json's bind sources resolve
// and which namespace paths are the host's own, gathered here with stat(2)
// and realpath(3) so that oci::audit stays free of system calls. Nothing is
// opened for writing, mounted or created.
#pragma once

#include <string>

#include "oci/audit.hpp"
#include "oci/config.hpp"

namespace ucrun::cli {

// The bundle directory as an absolute path without symlinks; throws naming it.
std::string real_bundle(const std::string& dir);

// The text of <bundle>/config.json. Only a regular file: check is run by
// hand on bundles from anywhere, and a FIFO or /dev/zero in place of
// config.json would block it or read forever.
std::string read_config(const std::string& bundle);

// `bundle` is absolute: relative bind sources are relative to it (runc).
oci::audit::HostFacts host_facts(const oci::Config& cfg, const std::string& bundle);

}  // namespace ucrun::cli
