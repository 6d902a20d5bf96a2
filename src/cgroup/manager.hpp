// The container's control group (config-linux.md "Control groups").
//
// Three host layouts are supported (Documentation/admin-guide/cgroup-v2.rst,
// Documentation/admin-guide/cgroup-v1/):
//   V2      one cgroup2 hierarchy at the mount point;
//   V1      one cgroup (v1) hierarchy per controller (or co-mounted group);
//   Hybrid  V1 plus an empty cgroup2 hierarchy at <mountpoint>/unified. As
//           runc does, resources go to the v1 controllers; the container is
//           also placed in the unified hierarchy (so cgroup.kill works and a
//           cgroup namespace sees a consistent view).
//
// Where the spec is silent, behaviour follows runc's libcontainer/cgroups
// (fs, fs2, systemd path naming).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cgroup/saved.hpp"
#include "oci/config.hpp"
#include "sys/fd.hpp"

namespace ucrun::cgroup {

enum class Layout { V1, V2, Hybrid };

const char* to_string(Layout);

// statfs(mountpoint): CGROUP2_SUPER_MAGIC -> V2; else cgroup2 at
// <mountpoint>/unified -> Hybrid; else V1.
Layout detect(const std::string& mountpoint = "/sys/fs/cgroup");

struct Options {
    std::string manager = "cgroupfs";  // cgroupfs | systemd | disabled
    bool systemd_cgroup = false;       // --systemd-cgroup: same as manager "systemd"
    std::string mountpoint = "/sys/fs/cgroup";
};

// One file system to mount for a config.md mount of type "cgroup" at
// <destination>: V2 -> one {cgroup2, subdir ""}; V1 -> one per hierarchy
// (subdir "cpu,cpuacct", data "cpu,cpuacct"; subdir "systemd", data
// "name=systemd"), mounted on a tmpfs at <destination>; Hybrid -> the V1
// list plus {cgroup2, subdir "unified"}.
struct MountSpec {
    std::string fstype;              // "cgroup" or "cgroup2"
    std::string subdir;              // relative to the destination; "" = the destination itself
    std::string data;                // mount(2) data for fstype "cgroup": the controllers / name=
    std::string host_dir;            // the container's cgroup dir in this hierarchy (to bind without cgroupns)
    std::vector<std::string> links;  // symlinks next to subdir naming each co-mounted controller ("cpu" -> "cpu,cpuacct")
};

class Manager {
public:
    virtual ~Manager() = default;

    // Computes the cgroup path (nothing is created):
    //  - cgroupfs: linux.cgroupsPath cleaned like runc's utils.CleanPath
    //    ("/a/../b" -> "/b", "../x" -> "x"). Absolute: relative to the
    //    hierarchy root. Relative: v1: below the caller's own cgroup in each
    //    hierarchy; v2 (and the unified part of Hybrid): below the parent of
    //    the caller's own cgroup (runc fs2/defaultpath.go). Absent: the
    //    relative path "<id>" (runc's default).
    //  - systemd (no systemd runs, so it is mapped onto cgroupfs):
    //    "slice:prefix:name" -> "/<expanded slice>/<prefix>-<name>.scope"
    //    ("a-b.slice" expands to "a.slice/a-b.slice"; a name ending in
    //    ".slice" is used as is; empty slice -> "system.slice", or
    //    "user.slice" when not root). Absent -> "system.slice:ucrun:<id>".
    //  - disabled: a Manager whose every operation does nothing.
    // Throws ucrun::Error on a malformed path.
    static std::unique_ptr<Manager> make(const Options&, const std::string& id,
                                         const std::optional<std::string>& cgroupsPath);
    // Restores a manager kept with save(); none: the disabled manager.
    // Throws ucrun::Error on a layout it does not know.
    static std::unique_ptr<Manager> restore(const std::optional<Saved>&);

    virtual Layout layout() const = 0;  // (the disabled manager says V2; check enabled())
    virtual bool enabled() const { return true; }
    // The container's cgroup, relative to the hierarchy root (v2: the unified
    // dir; v1: the path in the memory hierarchy, else in the first one).
    virtual std::string path() const = 0;
    // Absolute directories, keyed by hierarchy: v1 controller names (each
    // co-mounted controller listed), "name=systemd", "" for cgroup2.
    virtual std::map<std::string, std::string> dirs() const = 0;

    // Records the directories create() is going to make (nothing is made),
    // so that save() names them before any exists: a create killed
    // midway leaves a record from which destroy() removes what was made.
    // Returns true when the container's own directories are all among them:
    // nothing of the cgroup exists yet, so exists() need not be asked.
    virtual bool plan() { return false; }
    // mkdir -p in every hierarchy (remembers the dirs it made, for destroy).
    // v1: cpuset.cpus/mems of new dirs are copied from the parent when empty.
    // v2: every controller of each ancestor is enabled in its
    // cgroup.subtree_control (as runc fs2 CreateCgroupPath).
    virtual void create() = 0;
    // How a new process of the container joins its cgroup (create's init,
    // exec's process): it is cloned into the cgroup2 directory of
    // clone_fd(), and writes "0" to each file of open_join_files() itself, first
    // of all. Not runc's way (the parent writes the pid to each
    // cgroup.procs): a write that moves a given pid, or a whole thread
    // group, takes the kernel's global cgroup_threadgroup_rwsem for writing
    // (cgroup_procs_write_start), and after a moment with no such write
    // that waits for an RCU grace period (percpu_down_write ->
    // rcu_sync_enter): 6-14 ms on this host, paid by every container start
    // and every exec that follows a pause (tests/bench/PERFORMANCE.md,
    // eleventh pass). A thread that moves itself ("0" to a v1 `tasks`
    // file) needs no thread-group stability and takes no such lock, nor
    // does clone3(CLONE_INTO_CGROUP) (its read side only). ucrun's
    // processes are single-threaded: the thread is the whole process.
    //
    // O_PATH|O_DIRECTORY fd of the cgroup2 directory for
    // clone3(CLONE_INTO_CGROUP): V2's leaf, Hybrid's unified leaf; -1 for
    // V1. Owned by the manager (O_CLOEXEC); create() makes the directory.
    virtual int clone_fd() const = 0;
    // Writes linux.resources. `initial` is true at create: v1 device rules
    // are then written unconditionally; on update, changes only.
    // Errors name the file and the value:
    //   write /sys/fs/cgroup/memory/x/memory.limit_in_bytes = 10: Invalid argument
    virtual void apply(const oci::Resources&, bool initial) = 0;
    // The v1 hierarchies' `tasks` files (cgroup-v1/cgroups.rst), opened for
    // writing (O_CLOEXEC), with their paths (for errors), for a process to
    // place itself by writing "0" to each (see clone_fd). None on V2 or
    // without a cgroup. Opened as the caller: the kernel checks a write
    // against the credentials of the open (__cgroup1_procs_write), so the
    // process may have changed its own since. A hierarchy whose `tasks` the
    // caller may not open (a rootless delegation that gave the user
    // cgroup.procs only) gets its cgroup.procs: "0" there moves the process
    // as well, with the lock. The freezer hierarchy comes last: a process
    // that joins a FROZEN cgroup (exec --ignore-paused) stops there, in
    // every other hierarchy already.
    struct JoinFile {
        std::string path;
        Fd fd;
    };
    virtual std::vector<JoinFile> open_join_files() const { return {}; }

    virtual void freeze() = 0;  // returns once frozen (v1 FROZEN, v2 cgroup.events frozen 1)
    virtual void thaw() = 0;
    virtual bool frozen() const = 0;

    // Every process, recursively, in every hierarchy (v1: a process being
    // placed can be in some hierarchies and not yet in others).
    virtual std::vector<pid_t> pids() const = 0;
    // SIGKILL: cgroup.kill when there is one (and, v1, every pid of every
    // hierarchy); else (runc signalAllProcesses) freeze, signal every pid, thaw.
    virtual void kill_all(int sig) = 0;
    // runc `events --stats` "data" object (runc types/events.go Stats).
    virtual nlohmann::json stats() const = 0;
    // v1 memory.oom_control oom_kill, v2 memory.events oom_kill; 0 if unknown.
    virtual uint64_t oom_kill_count() const = 0;
    // rmdir the leaf (and its child cgroups) in every hierarchy, retrying on
    // EBUSY briefly, then the ancestors create() made, when empty. Gone is OK.
    virtual void destroy() = 0;
    // One rmdir of the leaf in every hierarchy, no waiting: true when none
    // is left, which proves the cgroup held no process and no child cgroup
    // (the kernel refuses to remove a populated cgroup with EBUSY). A
    // delete then needs no search for leftover processes (issue 17:
    // container/cgroups.cpp remove_container_cgroup). false: some remain,
    // or no cgroup is managed. destroy() after it is still needed (the
    // parents create made); it skips the leaves this removed.
    virtual bool remove_if_empty() { return false; }
    virtual bool exists() const = 0;

    // config-linux.md "Cgroup ownership": hands the cgroup to uid:gid. V2
    // only (v1 delegation is unsafe; V1/Hybrid do nothing): the directory
    // and the files /sys/kernel/cgroup/delegate lists (else cgroup.procs,
    // cgroup.subtree_control, cgroup.threads) that exist. The caller decides
    // when (new cgroup namespace and a read-write cgroup mount).
    virtual void chown(uid_t uid, gid_t gid) = 0;

    // What to mount for a "cgroup" mount inside the container.
    virtual std::vector<MountSpec> mounts() const = 0;

    // What the container's record keeps of this manager (cgroup/saved.hpp);
    // none for the disabled manager.
    virtual std::optional<Saved> save() const = 0;
};

// cpu.shares (v1, 2..262144) -> cpu.weight (v2, 1..10000), runc's
// ConvertCPUSharesToCgroupV2Value: 1 + ((shares-2)*9999)/262142; 0 -> 0.
uint64_t shares_to_weight(uint64_t shares);

}  // namespace ucrun::cgroup
