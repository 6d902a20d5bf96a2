// The config.json `ucrun spec` writes: the same content as `runc spec` /
// `runc spec --rootless` (runc 1.1.5), with ociVersion 1.3.0. Pure JSON, no
// system calls: the caller passes the ids for the rootless mappings.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace oci {

// rootless: as runc's specconv.ToRootless: no network namespace, a user
// namespace mapping container root to host_uid/host_gid (size 1; the CLI
// passes geteuid()/getegid()), no uid=/gid= mount options, /sys as a
// read-only rbind instead of sysfs, no linux.resources.
nlohmann::json default_spec(bool rootless, uint32_t host_uid = 0, uint32_t host_gid = 0);
// The same, keys in runc's order; `ucrun spec` can write
// default_spec_ordered(...).dump(1, '\t') to match runc's file byte for byte
// (apart from ociVersion and a trailing newline).
nlohmann::ordered_json default_spec_ordered(bool rootless, uint32_t host_uid = 0, uint32_t host_gid = 0);

}  // namespace oci
