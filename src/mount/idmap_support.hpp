// Shared by the idmapped mounts of config.json's mounts (mount/idmap.hpp)
// and of root.path (mount/rootfs_idmap.hpp): the idmap attribute, what file
// system a mount is, and why it cannot be idmapped, for their errors.
//
// mount_setattr(MOUNT_ATTR_IDMAP) answers EINVAL when the file system does
// not support idmapped mounts (no FS_ALLOW_IDMAP: proc, sysfs, ramfs,
// hugetlbfs, overlay, FUSE without the server's consent, tmpfs before
// Linux 6.3); the user needs to hear which mount and which file system.
#pragma once

#include <linux/mount.h>

#include <string>
#include <vector>

#include "sys/kernel.hpp"
#include "sys/mountinfo.hpp"

namespace ucrun::mount {

// mount_setattr(2)'s argument to idmap a detached mount through the user
// namespace `userns_fd`.
struct mount_attr idmap_attr(int userns_fd);

// The type of the file system the mount of `fd` is on: mountinfo's name
// (found by mount id, so "fuse.sshfs" rather than "fuse"), else a name for
// statfs f_type (a detached mount is not in mountinfo).
std::string fs_type(const sys::Kernel& k, int fd, const std::vector<sys::MountInfo>& mi);

// Why idmapping the mount at `dirfd` (the host path `path`; with
// `recursive`, its submounts too) through `userns_fd` fails with EINVAL:
// "<path> is on <type>, which cannot be idmapped: ..." when its own mount
// cannot be idmapped, else the mounts under it with their types. Probes
// with throwaway detached clones; nothing stays.
std::string idmap_blocker(const sys::Kernel& k, int dirfd, const std::string& path, bool recursive, int userns_fd,
                          const std::vector<sys::MountInfo>& mi);

// /proc/self/mountinfo, read through `k`. Throws SysError naming the file.
std::vector<sys::MountInfo> read_mountinfo(const sys::Kernel& k);

}  // namespace ucrun::mount
