// Typed model of an OCI runtime-spec v1.3.0 config.json (config.md,
// config-linux.md). Member names are the JSON keys, so a reader goes from a
// config.json field to its type in one hop: `linux.uidMappings` is
// `Config::linux->uidMappings`. Optional JSON fields are std::optional (or an
// empty container where absence and emptiness mean the same thing).
//
// This header and everything in oci/ make no Linux system calls.
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
    std::string path;
    bool readonly = false;
};

// config.md "Mounts"
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

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> consoleSize;
    User user;
    std::vector<std::string> args;
    std::optional<std::string> commandLine;
    std::vector<std::string> env;
    std::string cwd;
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool noNewPrivileges = false;
    std::optional<std::string> apparmorProfile;
    std::optional<int32_t> oomScoreAdj;
    std::optional<Scheduler> scheduler;
    std::optional<std::string> selinuxLabel;
    std::optional<IOPriority> ioPriority;
    std::optional<ExecCPUAffinity> execCPUAffinity;
};

// config.md "POSIX-platform Hooks"
struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int32_t> timeout;  // seconds, > 0
};

struct Hooks {
    std::vector<Hook> prestart;
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
};

// config-linux.md "Namespaces"
struct Namespace {
    std::string type;  // pid network mount ipc uts user cgroup time
    std::optional<std::string> path;
};

// config-linux.md "Offset for Time Namespace"
struct TimeOffset {
    std::optional<int64_t> secs;
    std::optional<uint32_t> nanosecs;
};

// config-linux.md "Devices"
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
struct IntelRdt {
    std::optional<std::string> closID;
    std::optional<std::string> l3CacheSchema;
    std::optional<std::string> memBwSchema;
    std::vector<std::string> schemata;
    std::optional<bool> enableMonitoring;
};

// config-linux.md "Memory policy"
struct MemoryPolicy {
    std::string mode;
    std::optional<std::string> nodes;
    std::vector<std::string> flags;
};

// config-linux.md "Seccomp"
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
struct Personality {
    std::string domain;  // LINUX or LINUX32
    std::vector<std::string> flags;
};

// config-linux.md "Network Devices"
struct NetDevice {
    std::optional<std::string> name;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IDMapping> uidMappings;
    std::vector<IDMapping> gidMappings;
    std::map<std::string, TimeOffset> timeOffsets;  // "monotonic", "boottime"
    std::vector<Device> devices;
    std::optional<std::string> cgroupsPath;
    std::optional<Resources> resources;
    std::optional<std::string> rootfsPropagation;
    std::optional<Seccomp> seccomp;
    std::map<std::string, std::string> sysctl;
    std::optional<std::vector<std::string>> maskedPaths;
    std::optional<std::vector<std::string>> readonlyPaths;
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
    std::string ociVersion;
    Root root;  // REQUIRED on Linux (config.md "Root")
    std::vector<Mount> mounts;
    std::optional<Process> process;
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;
};

}  // namespace oci
