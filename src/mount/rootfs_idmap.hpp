// The container's rootfs through an idmapped mount (issue 12 "No chown of
// the image"): the image's root-owned files appear root-owned inside a
// container with a remapped user namespace while every file on disk keeps
// its owner.
//
// make_idmapped_rootfs runs in the parent, as host root, in the caller's
// mount namespace and BEFORE the container's clone3 (mount_setattr needs
// CAP_SYS_ADMIN over the user namespace owning the file systems: the
// host's). It returns a DETACHED mount tree; the init attaches it at
// root.path in its own mount namespace (RootfsSpec::rootfs_premade). The
// host mount table does not change, not even for a moment: every mount made
// here is detached (open_tree OPEN_TREE_CLONE, fsmount) and goes away with
// its last fd.
//
// What root.path is on:
//  - A file system that supports idmapped mounts (ext4, xfs, btrfs, tmpfs
//    on 6.3+, ...): the tree at root.path cloned with its submounts (as
//    runc's MS_REC rootfs bind) and idmapped recursively, every submount
//    included: a submount left unmapped would show its files as
//    nobody:nogroup inside. If one of them cannot be idmapped the whole
//    call fails, naming it.
//  - overlayfs (podman, docker's overlay2, containerd's snapshotter): an
//    overlay mount cannot be idmapped itself (mount_setattr: EINVAL), but it
//    accepts idmapped layers (Linux 5.19). The overlay is rebuilt: its
//    layers are read from /proc/self/mountinfo (the mount found by its mount
//    id, not by path), each layer is cloned into an idmapped detached mount
//    and handed to a new overlay as a file descriptor (fsconfig
//    FSCONFIG_SET_FD "lowerdir+"/"datadir+"/"upperdir"/"workdir"), which
//    needs Linux 6.13 (verified on 6.18); older kernels get a root.path
//    error naming that requirement (no fallback: layers given by path would
//    need attached temporary mounts). The layers' detached mounts stay open
//    until the overlay exists: a detached tree whose last fd is closed is
//    unmounted, and overlayfs then cannot clone it (EINVAL). Inside the
//    container, mountinfo shows "lowerdir+=/,upperdir=/u,..." (paths in the
//    detached layers), no host path.
//    root.path may be the overlay's root or a directory inside it (then
//    that directory's subtree of the new overlay). Mounts under root.path on
//    top of the overlay are refused: the rebuilt overlay would silently
//    lose them.
//    Sharing the upper layer with the engine's overlay (still mounted on
//    the host) is what overlayfs calls "in-use": allowed with index=off
//    (and then the kernel logs a warning), EBUSY with index=on. The new
//    overlay gets index=off, and an original with index=on (shown, or the
//    module default) is refused. The kernel logs "upperdir is in-use ...
//    undefined behavior" at each such mount: the engine's mount and the
//    container's must not be written at the same time (the engine does not,
//    but for docker cp / podman cp into a running container). It cannot share the original's workdir:
//    mounting clears <workdir>/work, which breaks the original's copy-up
//    (verified on 6.18: EPERM/ENOENT on the engine's side), so it uses
//    <workdir>/ucrun-idmap (created owned by root, mode 0700, and reused),
//    inside the engine's scratch directory and removed with it. Two
//    containers on one rootfs at once would share it (and break each
//    other's copy-up), as they would share the upper layer anyway.
//    overlayfs does its own work in the layers (the workdir now, copy-up
//    later) with the credentials of whoever created it: host root's fsuid 0
//    is unmapped through the idmapped upper layer (EOVERFLOW), so it is
//    created by a short-lived child with the fsuid/fsgid of the upper
//    directory's owner as seen through that mount, capabilities kept.
//    Layer paths are the strings the engine gave (they are shown as given);
//    relative ones (docker's "l/ABC" form) are refused. They are resolved
//    again now, following symlinks as the kernel did at mount time (docker's
//    l/ links are symlinks) but no magic links: the directories are the
//    engine's, writable only by root, who could change the image anyway.
//    They are taken to mean in the caller's mount namespace what they meant
//    to the mounter: an overlay mounted from a mount namespace with another
//    root (and propagated here) would be rebuilt from other directories;
//    nothing in userspace can tell which directories an overlay really
//    uses. The engines mount in the host's namespace.
//  - Anything else (a file system without idmap support: fuse, nfs, proc,
//    ramfs, ...): oci::SpecError on root.path naming the file system type.
#pragma once

#include <string>

#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

// `rootfs`: the absolute host path of root.path, already resolved (no
// symlinks). `userns_fd`: an fd of a user namespace holding the container's
// mappings (mount::userns_with_mappings); only used during the call.
// Every system call through `k` (sys/kernel.hpp) but the fsuid/securebits
// switch around the overlay's creation.
// Throws oci::SpecError ("config.json: root.path: ...") for a rootfs that
// cannot be idmapped, SysError for other failures.
Fd make_idmapped_rootfs(const sys::Kernel& k, const std::string& rootfs, int userns_fd);

}  // namespace ucrun::mount
