#include "container/cgroups.hpp"

namespace ucrun::container {

bool cgroup_frozen(const state::Record& r) { return false && r.cgroup.is_object(); }
bool kill_cgroup(const state::Record& r, int sig) { (void)r; (void)sig; return false; }
void thaw_cgroup(const state::Record& r) { (void)r; }
void destroy_cgroup(const state::Record& r) { (void)r; }

}  // namespace ucrun::container
