// Typed model of an OCI runtime-spec v1.3.0 config.json (config.md,
// config-linux.md). Member names are the JSON keys, so a reader goes from a
// config.json field to its type in one hop: `linux.uidMappings` is
// `Config::linux->uidMappings`. Optional JSON fields are std::optional (or an
// empty container where absence and emptiness mean the same thing).
//
// This header and everything in oci/ make no Linux system calls.
//
// One owner per field: every field is parsed by oci::parse_config
// (parse.cpp, parse_linux.cpp, parse_resources.cpp) and validated by
// oci::validate (the map of the rules is in validate.hpp); the
// `// applied:` comment at a field or group names the function that acts
// on it (the file in parentheses), and `// checked:` a further check made
// where the host or the kernel is known.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oci {

// config-linux.md "User namespace mappings"; also used by idmapped mounts.
struct IDMapping {
    uint32_t containerID = 0;
    uint32_t hostID = 0;
    uint32_t size = 0;
};

// config.md "Root"
struct Root {
    // applied: resolved against the bundle by container::create
    // (src/container/create.cpp), mounted by mount::prepare_rootfs and made
    // the root by mount::enter_rootfs (src/mount/rootfs.cpp); idmapped by
    // mount::make_idmapped_rootfs (src/mount/rootfs_idmap.cpp) when remapped.
    std::string path;
    bool readonly = false;  // applied: mount::finish_rootfs (src/mount/rootfs.cpp)
};

// config.md "Mounts"
// applied: mount::prepare_rootfs -> mount_one (src/mount/rootfs.cpp), in
// the init; "cgroup" mounts by mount::mount_cgroup (src/mount/cgroup_mount.cpp).
// Idmapped mounts (uidMappings/gidMappings, "idmap"/"ridmap") are made by
// the parent in mount::make_idmapped_mounts (src/mount/idmap.cpp), remapped
// bind sources by mount::clone_host_binds (src/mount/host_binds.cpp).
// options: parsed by oci::parse_mount_options (oci/mount_options.cpp), the
// one table and parser that validation, ucrun check and mounting use.
struct Mount {
    std::string destination;
    std::optional<std::string> source;
    std::vector<std::string> options;
    std::optional<std::string> type;
    std::vector<IDMapping> uidMappings;
    std::vector<IDMapping> gidMappings;
};

// config.md "Process"
struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;
};

struct Rlimit {
    std::string type;  // RLIMIT_NOFILE, ...
    uint64_t soft = 0;
    uint64_t hard = 0;
};

struct Capabilities {
    std::optional<std::vector<std::string>> effective;
    std::optional<std::vector<std::string>> bounding;
    std::optional<std::vector<std::string>> inheritable;
    std::optional<std::vector<std::string>> permitted;
    std::optional<std::vector<std::string>> ambient;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additionalGids;
    std::optional<std::string> username;
};

struct Scheduler {
    std::string policy;  // SCHED_OTHER, SCHED_FIFO, ...
    std::optional<int32_t> nice;
    std::optional<int32_t> priority;
    std::vector<std::string> flags;
    std::optional<uint64_t> runtime;
    std::optional<uint64_t> deadline;
    std::optional<uint64_t> period;
};

struct IOPriority {
    std::string class_;  // JSON key "class"
    int32_t priority = 0;
};

struct ExecCPUAffinity {
    std::optional<std::string> initial;
    std::optional<std::string> final_;  // JSON key "final"
};

// Applied in the init (src/proc/init.cpp init_main) and, for `exec`, in
// the new process (src/proc/exec.cpp exec_main), both through
// proc::finalize_process (src/proc/process_setup.cpp) for the fields so
// marked. `exec` builds its Process in container::exec_process
// (src/container/exec.cpp): the config's, changed by the command line, or a
// process.json completed from the config as runc does.
struct Process {
    bool terminal = false;                   // applied: proc::setup_console (src/proc/terminal.cpp)
    std::optional<ConsoleSize> consoleSize;  // applied: proc::setup_console (src/proc/terminal.cpp)
    // applied: uid, gid, umask, additionalGids by proc::switch_user
    // (src/proc/process_setup.cpp); username is Windows-only, never applied.
    User user;
    // applied: the executable found by proc::resolve_executable
    // (src/proc/exec_path.cpp) and run by
    // proc::exec_through (src/proc/trampoline.cpp) with env (HOME added by
    // proc::add_home_env, src/proc/process_setup.cpp); commandLine is
    // Windows-only, never applied.
    std::vector<std::string> args;
    std::optional<std::string> commandLine;
    std::vector<std::string> env;
    std::string cwd;  // applied: proc::enter_cwd (src/proc/process_setup.cpp)
    // applied: security::resolve by the parent (container::create, exec),
    // then security::drop_bounding and security::apply in proc::switch_user
    // (src/security/capabilities.cpp, src/proc/process_setup.cpp).
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;  // applied: proc::apply_rlimits (src/proc/process_setup.cpp)
    // applied: prctl(PR_SET_NO_NEW_PRIVS) in proc::finalize_process, which
    // also decides when linux.seccomp is loaded (src/proc/process_setup.cpp).
    bool noNewPrivileges = false;
    // applied: security::apply_apparmor_profile (src/security/lsm.cpp) from
    // proc::finalize_process.
    std::optional<std::string> apparmorProfile;
    // applied: container::create writes /proc/<pid>/oom_score_adj
    // (src/container/create.cpp).
    std::optional<int32_t> oomScoreAdj;
    std::optional<Scheduler> scheduler;  // applied: proc::apply_scheduler (src/proc/scheduling.cpp)
    // applied: security::set_selinux_exec_label (src/security/lsm.cpp) from
    // proc::finalize_process.
    std::optional<std::string> selinuxLabel;
    std::optional<IOPriority> ioPriority;  // applied: proc::apply_io_priority (src/proc/scheduling.cpp)
    // applied (exec only, config-linux.md): proc::exec_affinity and
    // ExecAffinity (src/proc/cpu_affinity.cpp), from container::exec.
    std::optional<ExecCPUAffinity> execCPUAffinity;
};

// config.md "POSIX-platform Hooks"
struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int32_t> timeout;  // seconds, > 0
};

// applied: prestart and createRuntime by container::spawn_init (run_hook_list,
// src/container/spawn.cpp); createContainer and startContainer in the init
// (run_container_hooks, src/proc/init.cpp); poststart by container::start
// (run's: container::release) and poststop by container::remove, through
// container::run_hooks
// (src/container/ops.cpp, src/container/hooks.cpp), from the hooks kept in
// the state record (state::Record::hooks; oci/parse.hpp hooks_to_json and
// parse_hooks are its form there).
struct Hooks {
    std::vector<Hook> prestart;
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
};

// config-linux.md "Namespaces"
// applied: ns::plan (src/ns/namespaces.cpp) turns them into clone flags and
// joins; container::spawn_init clones with container::clone_flags
// (src/container/spawn.cpp, create_plan.cpp), proc::join_namespaces
// (src/proc/init.cpp) and ns::join join the paths.
struct Namespace {
    std::string type;  // pid network mount ipc uts user cgroup time
    std::optional<std::string> path;
};

// config-linux.md "Offset for Time Namespace"
// applied: proc::enter_new_time_ns (src/proc/init_steps.cpp).
struct TimeOffset {
    std::optional<int64_t> secs;
    std::optional<uint32_t> nanosecs;
};

// config-linux.md "Devices"
// applied: created or bound by mount::setup_dev (src/mount/devices.cpp);
// allowed in the device cgroup by container::make_cgroup
// (src/container/cgroups.cpp).
struct Device {
    std::string type;  // c b u p
    std::string path;
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint32_t> fileMode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
};

// config-linux.md "Allowed Device list"
struct DeviceCgroup {
    bool allow = false;
    std::optional<std::string> type;
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::optional<std::string> access;
};

struct Memory {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;
    std::optional<int64_t> swap;
    std::optional<int64_t> kernel;
    std::optional<int64_t> kernelTCP;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disableOOMKiller;
    std::optional<bool> useHierarchy;
    std::optional<bool> checkBeforeUpdate;
};

struct CPU {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtimeRuntime;
    std::optional<uint64_t> realtimePeriod;
    std::optional<std::string> cpus;
    std::optional<std::string> mems;
    std::optional<int64_t> idle;
};

struct WeightDevice {
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
};

struct ThrottleDevice {
    int64_t major = 0;
    int64_t minor = 0;
    uint64_t rate = 0;
};

struct BlockIO {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    std::vector<WeightDevice> weightDevice;
    std::vector<ThrottleDevice> throttleReadBpsDevice;
    std::vector<ThrottleDevice> throttleWriteBpsDevice;
    std::vector<ThrottleDevice> throttleReadIOPSDevice;
    std::vector<ThrottleDevice> throttleWriteIOPSDevice;
};

struct HugepageLimit {
    std::string pageSize;
    uint64_t limit = 0;
};

struct InterfacePriority {
    std::string name;
    uint32_t priority = 0;
};

struct Network {
    std::optional<uint32_t> classID;
    std::vector<InterfacePriority> priorities;
};

struct Pids {
    int64_t limit = 0;  // -1 or 0 .. : -1 is "max"
};

struct Rdma {
    std::optional<uint32_t> hcaHandles;
    std::optional<uint32_t> hcaObjects;
};

// config-linux.md "Control groups"
// applied: container::make_cgroup (src/container/cgroups.cpp) at create and
// container::update (src/container/cgroup_ops.cpp), through
// cgroup::Manager::apply, which translates with cgroup::translate_v1 or
// translate_v2 (src/cgroup/translate_v*.cpp; devices: cgroup::device_rules,
// src/cgroup/devices.cpp).
struct Resources {
    std::vector<DeviceCgroup> devices;
    std::optional<Memory> memory;
    std::optional<CPU> cpu;
    std::optional<Pids> pids;
    std::optional<BlockIO> blockIO;
    std::vector<HugepageLimit> hugepageLimits;
    std::optional<Network> network;
    std::map<std::string, Rdma> rdma;
    std::map<std::string, std::string> unified;
};

// config-linux.md "IntelRdt"
// Never applied: refused by container::check_host_rules
// (src/container/config_checks.cpp).
struct IntelRdt {
    std::optional<std::string> closID;
    std::optional<std::string> l3CacheSchema;
    std::optional<std::string> memBwSchema;
    std::vector<std::string> schemata;
    std::optional<bool> enableMonitoring;
};

// config-linux.md "Memory policy"
// applied: proc::apply_memory_policy (src/proc/mempolicy.cpp).
struct MemoryPolicy {
    std::string mode;
    std::optional<std::string> nodes;
    std::vector<std::string> flags;
};

// config-linux.md "Seccomp"
// applied: compiled by security::compile (src/security/seccomp.cpp) in
// container::create, kept for exec (src/container/seccomp_cache.cpp), loaded
// by proc::load_seccomp (src/proc/process_setup.cpp); listenerPath is
// connected by the parent (container::create, container::exec) and
// proc::load_seccomp sends the listener fd on it.
struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    std::optional<uint64_t> valueTwo;
    std::string op;  // SCMP_CMP_*
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_*
    std::optional<uint32_t> errnoRet;
    std::vector<SeccompArg> args;
};

struct Seccomp {
    std::string defaultAction;
    std::optional<uint32_t> defaultErrnoRet;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::optional<std::string> listenerPath;
    std::optional<std::string> listenerMetadata;
    std::vector<SeccompSyscall> syscalls;
};

// config-linux.md "Personality"
// applied: apply_personality (src/proc/init_steps.cpp).
struct Personality {
    std::string domain;  // LINUX or LINUX32
    std::vector<std::string> flags;
};

// config-linux.md "Network Devices"
// Never applied: refused by container::plan_create
// (src/container/create_plan.cpp).
struct NetDevice {
    std::optional<std::string> name;
};

struct Linux {
    std::vector<Namespace> namespaces;
    // applied: userns::write_maps (src/userns/idmap.cpp; rootless:
    // write_maps_unprivileged, src/userns/map_writer.cpp) from
    // container::spawn_init (src/container/spawn.cpp); a remapped container's
    // are set by remap::inject (src/container/remap.cpp).
    std::vector<IDMapping> uidMappings;
    std::vector<IDMapping> gidMappings;
    std::map<std::string, TimeOffset> timeOffsets;  // "monotonic", "boottime"
    std::vector<Device> devices;
    // applied: cgroup::cgroup_path (src/cgroup/path.cpp) from
    // cgroup::Manager::make, called by container::make_cgroup.
    std::optional<std::string> cgroupsPath;
    std::optional<Resources> resources;
    // applied: mount::prepare_rootfs, enter_rootfs and finish_rootfs
    // (root_propagation, src/mount/rootfs.cpp).
    std::optional<std::string> rootfsPropagation;
    std::optional<Seccomp> seccomp;
    // applied: proc::apply_sysctl (src/proc/sysctl.cpp); checked:
    // proc::check_sysctl (namespaced keys only).
    std::map<std::string, std::string> sysctl;
    // applied: mount::finish_rootfs -> mask_path, readonly_path
    // (src/mount/rootfs.cpp, src/mount/devices.cpp).
    std::optional<std::vector<std::string>> maskedPaths;
    std::optional<std::vector<std::string>> readonlyPaths;
    // applied: mount::add_mount_label (src/mount/options.hpp) for the
    // container's own file systems; checked: container::check_host_rules.
    std::optional<std::string> mountLabel;
    std::optional<Personality> personality;
    std::optional<IntelRdt> intelRdt;
    std::optional<MemoryPolicy> memoryPolicy;
    std::map<std::string, NetDevice> netDevices;

    const Namespace* find_namespace(const std::string& type) const {
        for (const auto& ns : namespaces)
            if (ns.type == type) return &ns;
        return nullptr;
    }
};

struct Config {
    std::string ociVersion;  // checked only (oci::is_supported_oci_version)
    Root root;  // REQUIRED on Linux (config.md "Root")
    std::vector<Mount> mounts;
    std::optional<Process> process;
    // applied: set_hostnames (src/proc/init_steps.cpp); checked: ns::check_config
    // (a UTS namespace is needed, src/ns/rules.cpp).
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
    Hooks hooks;
    // applied: copied into the state by container::base_state
    // (src/container/record.cpp); ucrun's own keys read by remap::decide
    // (src/container/remap.cpp).
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;
};

}  // namespace oci
