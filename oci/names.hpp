// The spec's closed sets of names (config.md, config-linux.md), as plain
// tables: no system calls, no libseccomp. Shared by validate.cpp and the
// runtime.
#pragma once

#include <string>

namespace oci {

// capabilities(7) number of "CAP_CHOWN" .. "CAP_CHECKPOINT_RESTORE" (0..40);
// -1 for unknown names. Names are case-sensitive, as in runc.
int capability_number(const std::string& name);
// The name of capability `n`, or "" when out of range.
const char* capability_name(int n);
constexpr int last_capability = 40;  // CAP_CHECKPOINT_RESTORE

// config.md "Linux mount options": is_spec_mount_option() is in
// mount_options.hpp, beside the one parser of mount options.

// config-linux.md "Seccomp" (as of libseccomp 2.6.0).
bool is_known_seccomp_action(const std::string& action);
bool is_known_seccomp_operator(const std::string& op);
bool is_known_seccomp_arch(const std::string& arch);
bool is_known_seccomp_flag(const std::string& flag);

// config.md "Linux Process": scheduler policy and flags, ioPriority class.
bool is_known_scheduler_policy(const std::string& policy);
bool is_known_scheduler_flag(const std::string& flag);
bool is_known_ioprio_class(const std::string& cls);

// config-linux.md "Memory policy".
bool is_known_mempolicy_mode(const std::string& mode);
bool is_known_mempolicy_flag(const std::string& flag);

// config-linux.md "Rootfs Mount Propagation", plus the recursive forms
// runc accepts.
bool is_known_rootfs_propagation(const std::string& value);

}  // namespace oci
