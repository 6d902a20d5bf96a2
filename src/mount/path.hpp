// Resolving paths inside the container's rootfs with the kernel's help:
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) treats the rootfs fd as
// "/", so a symlink or ".." planted in the rootfs (or swapped in during
// setup) can never lead outside it (CVE-2021-30465, CVE-2024-21626).
#pragma once

#include <string>

#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

// Opens `path` (absolute or relative, interpreted inside root) with
// O_PATH|O_CLOEXEC plus `extra_flags`; -1 Fd and errno on failure. With
// O_NOFOLLOW a trailing "/" or "/." does not make the last symlink followed.
Fd open_in_root(const sys::Kernel& k, int rootfd, const std::string& path, int extra_flags = 0);

// Like open_in_root, but creates missing components as directories (mode
// 0755), and the last one as an empty file when `last_is_file`. Throws
// SysError naming `display` (the path as the user wrote it).
Fd mkdir_in_root(const sys::Kernel& k, int rootfd, const std::string& path, bool last_is_file,
                 const std::string& display);

}  // namespace ucrun::mount
