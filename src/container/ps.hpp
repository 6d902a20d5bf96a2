// `ucrun ps`: the processes of a container (runc ps.go).
#pragma once

#include <sys/types.h>

#include <vector>

#include "state/store.hpp"

namespace ucrun::container {

// Host pids of every process of the container, sorted: its cgroup's
// processes; without a cgroup, the processes in the init's pid namespace
// (just the init when it has none of its own).
std::vector<pid_t> container_pids(const state::Record& r);

}  // namespace ucrun::container
