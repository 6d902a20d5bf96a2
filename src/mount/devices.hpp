// /dev in the container (config-linux.md "Default Devices", "Devices") and
// masked / read-only paths (config-linux.md "Masked Paths", "Readonly Paths").
#pragma once

#include <string>

#include "mount/rootfs.hpp"

namespace ucrun::mount {

// Default devices, linux.devices, and the /dev symlinks. In a user
// namespace mknod is refused, so devices are bind-mounted from the host.
void setup_dev(const sys::Kernel& k, const RootfsSpec& spec, int rootfd);

// Binds /dev/null (checked to be the char device 1:3) over a file, or a
// read-only tmpfs over a directory. Missing paths are ignored.
// `empty_dir` carries the first masking tmpfs from one call to the next.
void mask_path(const sys::Kernel& k, int rootfd, const std::string& path, int devnull_fd, Fd& empty_dir);
// A read-only bind of the path onto itself. Missing paths are ignored.
void readonly_path(const sys::Kernel& k, int rootfd, const std::string& path);

// Opens /dev/null inside root (O_PATH) and checks it really is 1:3 (CVE-2025-31133).
Fd open_devnull_checked(const sys::Kernel& k, int rootfd);

}  // namespace ucrun::mount
