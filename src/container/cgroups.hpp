// The container's cgroup: made at create (runtime.md "create": the
// resources of config.json are applied), restored from the state record by
// later commands. src/cgroup does the work.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cgroup/manager.hpp"
#include "container/context.hpp"
#include "oci/config.hpp"
#include "proc/cgroup_join.hpp"
#include "state/store.hpp"

namespace ucrun::container {

// The container's cgroup, in two steps: planned, then made (both before
// the init's clone: cgroup::Manager::clone_fd).
struct CgroupPlan {
    std::unique_ptr<cgroup::Manager> cg;  // a disabled one when the container has no cgroup
    oci::Resources res;                   // what make_cgroup applies
    bool unprivileged = false;            // rootless: a cgroup it may not write is done without
    std::function<void(const cgroup::Manager&)> on_planned;
};

// Refuses a cgroup that holds processes (another's), adds runc's default
// device rules and the allow rules of linux.devices after the config's own,
// and plans the directories: `on_planned` is called with the manager once
// they are known and before any is made (the caller records them: a create
// killed at any point leaves a record from which `delete --force` removes
// them).
CgroupPlan plan_cgroup(const Context& ctx, const std::string& id, const oci::Config& cfg,
                       std::function<void(const cgroup::Manager&)> on_planned);
// Creates the directories and applies linux.resources. On failure they are
// removed and the error thrown; rootless without a cgroup it may write,
// p.cg becomes a disabled manager (on_planned again) unless limits were
// asked for.
void make_cgroup(const oci::Config& cfg, const std::string& id, CgroupPlan& p);

// What a new process of the container (create's init, exec's process)
// needs to enter its cgroup itself (cgroup::Manager::clone_fd), held open
// by the parent until the process has.
struct CgroupEntry {
    int clone_fd = -1;      // clone3(CLONE_INTO_CGROUP); -1: none (owned by the manager)
    std::string clone_dir;  // its path, for the clone's error
    std::vector<cgroup::Manager::JoinFile> files;
    // The child's side (proc/cgroup_join.hpp); points into this entry.
    proc::CgroupJoin join() const;
};
// Nothing to enter for nullptr or a disabled manager.
CgroupEntry cgroup_entry(const cgroup::Manager* cg);
// " (into cgroup DIR)" for a clone's error, "" without a cgroup2 directory.
std::string into_cgroup(const CgroupEntry& e);

std::unique_ptr<cgroup::Manager> restore_cgroup(const state::Record& r);
bool cgroup_frozen(const state::Record& r);
// Signals every process of the container's cgroup; false when it has none.
bool kill_cgroup(const state::Record& r, int sig);
void thaw_cgroup(const state::Record& r);
// Removes the container's cgroup at delete: one rmdir per hierarchy when
// it is empty (cgroup::Manager::remove_if_empty: then no process was left
// behind); else, as a stopped container without a pid namespace of its own
// can leave processes behind its init, SIGKILL them (thawing the cgroup if
// it is frozen) and wait for them to go (runc's destroy does the same);
// then every directory create made, the parents included.
void remove_container_cgroup(const state::Record& r);

}  // namespace ucrun::container
