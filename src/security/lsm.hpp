// Linux security modules: process.apparmorProfile and process.selinuxLabel
// (config.md "Linux Process"). Both are "on exec" transitions: the init sets
// them just before execve(2), and they take effect at the exec.
//
// The writes go to /proc/thread-self/attr/... (falling back to /proc/self for
// kernels without thread-self), so the caller needs a procfs mounted at
// /proc in the mount namespace it runs in (the container's own /proc after
// pivot_root is fine).
#pragma once

#include <string>

namespace ucrun::security {

// /sys/module/apparmor/parameters/enabled starts with 'Y' (and, like runc,
// /sys/kernel/security/apparmor exists when securityfs is reachable).
bool apparmor_enabled();
// selinuxfs is mounted (/sys/fs/selinux, or an selinuxfs in /proc/self/mountinfo).
bool selinux_enabled();

// Writes "exec <profile>" to attr/apparmor/exec (kernel >= 5.8), else
// attr/exec. Empty profile: nothing to do. Throws ucrun::Error
// "process.apparmorProfile: AppArmor is not enabled on this host" when a
// profile is asked for and AppArmor is off; ucrun::SysError otherwise.
void apply_apparmor_profile(const std::string& profile);

// setexeccon(3) without libselinux: writes the label to attr/exec. Empty
// label: nothing to do. Throws ucrun::Error
// "process.selinuxLabel: SELinux is not enabled on this host" when SELinux is
// absent; ucrun::SysError otherwise.
void set_selinux_exec_label(const std::string& label);

// Test hook: the roots used for the checks and writes ("/" by default).
struct LsmPaths {
    std::string sys = "/sys";
    std::string proc = "/proc";
};
bool apparmor_enabled(const LsmPaths& p);
bool selinux_enabled(const LsmPaths& p);
void apply_apparmor_profile(const std::string& profile, const LsmPaths& p);
void set_selinux_exec_label(const std::string& label, const LsmPaths& p);

}  // namespace ucrun::security
