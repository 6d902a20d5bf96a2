// A container process's own entry into its cgroup, first of all: the init
// (proc/init.cpp) and an exec'd process (proc/exec.cpp) alike. Why the
// process places itself and not its parent: cgroup::Manager::clone_fd.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sys/kernel.hpp"

namespace ucrun::proc {

struct CgroupJoin {
    // The v1 hierarchies' join files (`tasks`, or a rootless delegation's
    // cgroup.procs): fd opened by the parent (cgroup::Manager::
    // open_join_files), path for an error. "0" to each moves the writer.
    std::vector<std::pair<int, const std::string*>> files;
    // O_PATH fd of the cgroup2 directory clone3(CLONE_INTO_CGROUP) placed
    // the process in; -1: none.
    int clone_dir = -1;
};

// Writes "0" to each join file, in order (the freezer's last), closing each
// once written, then closes the cgroup2 directory: a root-opened `tasks`
// moves any task it names, and the directory leads up the host's tree, so
// none of them may reach the container (the fd table is the process's own,
// also on ucrun's memory: no CLONE_FILES). `who` names the process in an
// error: "write /sys/fs/cgroup/cpu/x/tasks = 0 (the container init itself)".
void join_own_cgroup(const sys::Kernel& kernel, const CgroupJoin& join, const char* who);

}  // namespace ucrun::proc
