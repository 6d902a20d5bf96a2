// Where the container's cgroup goes (config-linux.md "Cgroups Path"). Pure
// functions: no I/O.
#pragma once

#include <optional>
#include <string>

namespace ucrun::cgroup {

// runc utils.CleanPath: lexical clean; a relative path cannot climb above
// its start ("../x" -> "x"); an absolute one not above "/".
std::string clean_path(const std::string& path);

// runc systemd ExpandSlice: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice",
// "-.slice" -> "/". Throws Error("invalid slice name: ...").
std::string expand_slice(const std::string& slice);

// The cgroup path for a container, before resolution against the host:
// absolute ("/a/b": from the hierarchy root) or relative ("id": below the
// caller's cgroup, see resolve()).
//  systemd=false: cleaned cgroupsPath, or "<id>" when absent (runc default).
//  systemd=true: "slice:prefix:name" mapped as systemd would name the unit
//    (no systemd runs here): "/<expanded slice>/<prefix>-<name>.scope";
//    empty slice -> "system.slice" ("user.slice" if rootless); a name ending
//    in ".slice" is the unit itself; absent -> "system.slice:ucrun:<id>".
//    Throws Error for any other form.
std::string cgroup_path(bool systemd, bool rootless, const std::string& id,
                        const std::optional<std::string>& cgroupsPath);

// Path of the cgroup inside one hierarchy, from its root. `own` is the
// caller's cgroup in that hierarchy. Absolute paths are kept. Relative: v1
// -> own/path (runc fs subsysPath); v2 -> parent(own)/path, since the
// caller's own cgroup has processes and so can't enable controllers for a
// child (runc fs2 defaultDirPath).
std::string resolve(const std::string& path, const std::string& own, bool v2);

}  // namespace ucrun::cgroup
