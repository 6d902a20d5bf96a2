// Can user namespaces be created here? For `ucrun features`
// (features-linux.md "namespaces"): containerd and CRI-O only send pods
// with user namespaces (Kubernetes hostUsers: false) to a runtime that
// lists "user", so it must be listed only when a container could get one.
//
// The kernel says no in several ways: /proc/sys/user/max_user_namespaces
// is 0 (in this user namespace or an ancestor: ENOSPC), the count is
// exhausted, a Debian kernel.unprivileged_userns_clone=0 or an LSM (Ubuntu's
// AppArmor restriction) refuses unprivileged callers (EPERM), a seccomp
// filter of an enclosing container refuses clone. Only a real clone answers
// for all of them: a child in a new user namespace that exits at once.
#pragma once

#include <optional>
#include <string>

namespace ucrun::userns {

struct UsernsProbe {
    std::optional<long> max_user_namespaces;  // /proc/sys/user/max_user_namespaces, if readable
    int clone_error = 0;                      // errno of clone3(CLONE_NEWUSER), 0 if it worked
};

// Reads the sysctl and clones the child (about 0.05 ms). Nothing stays.
UsernsProbe probe_userns();

// The decision: available when the clone worked and the sysctl, if known,
// is not 0. `why` (may be null) gets the reason when not.
bool userns_available(const UsernsProbe& p, std::string* why = nullptr);

}  // namespace ucrun::userns
