// The container's cgroup as later commands see it, restored from the state
// record (src/cgroup does the work).
#pragma once

#include "state/store.hpp"

namespace ucrun::container {

bool cgroup_frozen(const state::Record& r);
// Signals every process of the container's cgroup; false when it has none.
bool kill_cgroup(const state::Record& r, int sig);
void thaw_cgroup(const state::Record& r);
void destroy_cgroup(const state::Record& r);

}  // namespace ucrun::container
