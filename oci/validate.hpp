// Semantic validation of a parsed config (the MUST rules of config.md and
// config-linux.md that do not depend on the host). Every rejection is a
// SpecError naming the JSON path, e.g.
//   config.json: linux.uidMappings[0].size: must be greater than 0
//
// Where each rule lives (one rule, one place). `create` runs them through
// one entry point, container::check_and_plan
// (src/container/config_checks.hpp), in the order below, before it makes
// anything:
//   parse   oci/parse*.cpp, json_read.hpp: JSON types, required fields,
//           nesting depth and per-string rules (parse_config; also the
//           process.json of exec and the resources of update -r).
//   1. oci::validate (this header), host-independent, one file per part:
//        validate.cpp           config.md: ociVersion, root, process, mounts
//                               (options: mount_options.cpp, the one parser
//                               of mounts[].options), hooks;
//        validate_linux.cpp     config-linux.md: namespaces, id mappings,
//                               time offsets, devices, seccomp names,
//                               masked/readonly paths, personality, memory
//                               policy, rootfsPropagation; and
//                               check_host_root_mapping;
//        validate_resources.cpp linux.resources (also `update -r`);
//        validate_limits.cpp    sizes and ranges of limits.hpp.
//   2. check_host_root_mapping (validate_linux.cpp), unless rootless.
//   3-7. what depends on this runtime or this host, in src/:
//        container/create_plan.cpp  plan_create: process required, mappings
//                               for a new user namespace, netDevices, the
//                               console;
//        container/config_checks.cpp  check_host_rules: intelRdt, mountLabel
//                               without SELinux;
//        ns/rules.cpp           mount namespace required, hostname and
//                               domainname need a UTS namespace;
//        proc/sysctl.cpp        linux.sysctl: namespaced keys only;
//        userns/joined.cpp      mappings repeated for a joined user namespace.
// Checked later by the part that needs the host or the kernel, still naming
// the field: linux.seccomp against the kernel (security::compile, create and
// a container without a cached program at exec), linux.cgroupsPath (the
// cgroup must be empty, container/cgroups.cpp), the remap annotations
// (container/remap.cpp, before 1: they decide the config that is
// validated), root.path and mounts[] against the rootfs (mount/rootfs.cpp,
// mount/idmap.cpp, mount/rootfs_idmap.cpp), the CPU numbers of
// process.execCPUAffinity against the affinity mask (proc/cpu_affinity.cpp;
// its syntax is validate.cpp's). `exec` validates its process with
// validate_process (container/exec.cpp exec_process); `ucrun check` runs
// oci::validate, then the audit (oci/audit.hpp), which only reports.
#pragma once

#include "oci/config.hpp"
#include "oci/error.hpp"
#include "oci/names.hpp"

namespace oci {

// Checks: ociVersion in [1.0.0, 1.3.x]; root.path non-empty; process.cwd
// absolute; process.args non-empty; mount destinations absolute (relative is
// refused, as runc >= 1.2 does), namespaces types known and not duplicated;
// id mappings: size > 0, no overlap of container or host ranges, no
// hostID+size / containerID+size overflow of uint32, uid/gid mappings only
// with a user namespace (runc silently drops them; we refuse: running as real
// host root is not what the user asked for), mappings with a user namespace
// given by path refused; devices type in c/b/u/p, path absolute; rlimits type
// known and soft <= hard; capabilities names known (CAP_*); hooks paths
// absolute and timeout > 0; rootfsPropagation value known; timeOffsets keys
// monotonic/boottime and only with a time namespace; personality domain
// LINUX/LINUX32; seccomp actions, operators and arch names known;
// ioPriority/scheduler values known.
void validate(const Config& cfg, const std::string& document = "config.json");
// config-linux.md "User namespace mappings": a linux.uidMappings or
// linux.gidMappings range that contains host id 0 hands real root's files
// (and, with a capability, root's powers over them) to the container. The
// spec allows it and runc and crun accept it; ucrun refuses it naming the
// range unless `allowed` (the operator's global --allow-host-root-mapping;
// not an annotation, which the bundle's author writes). See ucrun(8).
void check_host_root_mapping(const Config& cfg, bool allowed, const std::string& document = "config.json");

void validate_process(const Process& p, const std::string& document, const std::string& path);
// linux.resources alone (`update -r`); `path` is "" for a document of its own.
void validate_resources(const Resources& r, const std::string& document, const std::string& path);

// config.md "Specification version": SemVer 2.0.0 with major 1 and minor
// 0..3 (pre-release and build suffixes allowed: "1.0.2-dev", "1.3.0+x").
bool is_supported_oci_version(const std::string& version);

// Helpers shared with the runtime.
bool is_known_namespace(const std::string& type);
bool is_known_capability(const std::string& name);
// Returns -1 for unknown names. Uses <sys/resource.h> constants only.
int rlimit_resource(const std::string& type);

}  // namespace oci
