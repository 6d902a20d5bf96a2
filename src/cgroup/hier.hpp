// The host's cgroup hierarchies: layout detection, /proc/self/mountinfo and
// /proc/self/cgroup (cgroups(7)).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cgroup/manager.hpp"

namespace ucrun::cgroup {

struct Hierarchy {
    std::vector<std::string> controllers;  // {"cpu","cpuacct"}, {"name=systemd"}; empty for cgroup2
    std::string mount_dir;                 // /sys/fs/cgroup/cpu,cpuacct
    std::string mount_root;                // mountinfo field 4 ("/" unless bind/cgroupns)
    std::string own;                       // caller's cgroup, relative to mount_dir
};

// cgroup (v1) mounts directly below `mountpoint`, from mountinfo text;
// `proc_cgroup` (the text of /proc/self/cgroup) fills Hierarchy::own.
std::vector<Hierarchy> parse_v1_hierarchies(const std::string& mountinfo, const std::string& proc_cgroup,
                                            const std::string& mountpoint);
// /proc/self/cgroup: "controllers" field -> path ("" is cgroup2).
std::map<std::string, std::string> parse_proc_cgroup(const std::string& text);
// The caller's cgroup2 path ("/" when unknown).
std::string own_v2_path(const std::string& proc_cgroup);

}  // namespace ucrun::cgroup
