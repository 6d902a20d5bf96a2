// Building the state record of a new container (runtime.md "State").
#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

#include "oci/config.hpp"
#include "state/store.hpp"

namespace ucrun::container {

state::Record make_record(const oci::Config& cfg, const std::string& id, const std::string& bundle,
                          const std::string& rootfs, pid_t pid);
// The state document while creating (for hooks and the seccomp listener).
nlohmann::json initial_state_json(const oci::Config& cfg, const std::string& id, const std::string& bundle, pid_t pid);
// --pid-file relative to the caller's cwd, made absolute.
std::string absolute_pid_file(const std::string& p);

}  // namespace ucrun::container
