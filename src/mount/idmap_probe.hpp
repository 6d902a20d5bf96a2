// Can idmapped mounts be made here? For `ucrun features`
// (features-linux.md "mountExtensions.idmap.enabled"): containerd and
// CRI-O send idmapped volumes only to a runtime that says so.
//
// The answer depends on the kernel (mount_setattr and MOUNT_ATTR_IDMAP:
// Linux 5.12), on the caller (CAP_SYS_ADMIN over the user namespace that
// owns the file system: host root, not a rootless user) and on the file
// system. One real attempt answers all three: a throwaway user namespace
// (mount/idmap.hpp userns_with_mappings), a detached, non-recursive clone
// of "/" idmapped through it; where "/" itself cannot be idmapped (an
// overlay, when ucrun runs in a container) a new detached tmpfs instead
// (Linux 6.3), so that the kernel's support is still found. Nothing is
// ever attached; about 1 ms on 6.18 (mostly the fork of the namespace's
// holder: tests/unit/mount, "timing of can_idmap_mounts").
#pragma once

#include <string>

#include "sys/kernel.hpp"

namespace ucrun::mount {

// `why` (may be null) gets the reason when false.
bool can_idmap_mounts(const sys::Kernel& k, std::string* why = nullptr);

}  // namespace ucrun::mount
