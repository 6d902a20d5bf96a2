// What a cgroup manager keeps in the container's record (state.json
// "cgroup", written by state::Store::encode, read back by
// state::record_from_text), so that every later command (state, exec,
// kill, ps, pause, update, delete) restores the manager create made
// (Manager::save, Manager::restore) instead of computing it again from a
// host that may have changed since.
#pragma once

#include <string>
#include <vector>

namespace ucrun::cgroup {

// A v1 hierarchy: its controllers (co-mounted ones together,
// "name=systemd"), its mount point and the container's directory in it.
struct SavedHierarchy {
    std::vector<std::string> controllers;
    std::string mount;
    std::string dir;
};

struct Saved {
    std::string layout;  // "v1", "hybrid" or "v2" (cgroup::to_string(Layout))
    std::string path;    // Manager::path()
    // v2: the cgroup2 mount point and the container's directory.
    std::string mount;
    std::string dir;
    // v1 and hybrid: the hierarchies; hybrid: the cgroup2 mount point and
    // the container's directory in it.
    std::vector<SavedHierarchy> hierarchies;
    std::string unified_mount;
    std::string unified;
    // The directories create made (Manager::plan, create), which destroy
    // removes.
    std::vector<std::string> created;
};

}  // namespace ucrun::cgroup
