// The container's cgroup: made at create (runtime.md "create": the
// resources of config.json are applied), restored from the state record by
// later commands. src/cgroup does the work.
#pragma once

#include <functional>
#include <memory>

#include "cgroup/manager.hpp"
#include "container/context.hpp"
#include "oci/config.hpp"
#include "state/store.hpp"

namespace ucrun::container {

// Creates the cgroup and applies linux.resources, with runc's default
// device rules and the allow rules of linux.devices after the config's own.
// `on_planned` is called with the manager once its directories are known
// and before any is made (the caller records them: a create killed at any
// point leaves a record from which `delete --force` removes them).
std::unique_ptr<cgroup::Manager> make_cgroup(const Context& ctx, const std::string& id, const oci::Config& cfg,
                                             const std::function<void(const cgroup::Manager&)>& on_planned);

std::unique_ptr<cgroup::Manager> restore_cgroup(const state::Record& r);
bool cgroup_frozen(const state::Record& r);
// Signals every process of the container's cgroup; false when it has none.
bool kill_cgroup(const state::Record& r, int sig);
void thaw_cgroup(const state::Record& r);
// A stopped container without a pid namespace of its own can leave
// processes behind its init: SIGKILL them (thawing the cgroup if it is
// frozen) and wait for them to go, so that the cgroup can be removed
// (runc's destroy does the same).
void kill_leftovers(const state::Record& r);
// Removes the container's cgroup if it is empty, in one rmdir per
// hierarchy (cgroup::Manager::remove_if_empty): true when it is gone and
// kill_leftovers has nothing to find. destroy_cgroup is still needed after
// it, for the parents create made.
bool remove_empty_cgroup(const state::Record& r);
void destroy_cgroup(const state::Record& r);

}  // namespace ucrun::container
