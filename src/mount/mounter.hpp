// Mounting onto file descriptors with the new mount API (open_tree,
// fsopen/fsconfig/fsmount, mount_setattr, move_mount), falling back to
// mount(2) on /proc/self/fd/N where the kernel lacks it.
#pragma once

#include <string>

#include "mount/options.hpp"
#include "oci/config.hpp"
#include "sys/fd.hpp"
#include "sys/kernel.hpp"

namespace ucrun::mount {

// A detached bind-mount tree of `source` (a path or fd), with the options'
// attributes applied: the plain ones (ro, nosuid, ...) to the top mount
// only, as mount(2)'s remount does for runc; the r* ones (rro, ...) to the
// whole tree. Throws SysError naming `display`.
// `field`: the JSON path of the mount in config.json ("mounts[3]"), "" for
// mounts of ucrun's own; a failure then names the part at fault
// ("mounts[3].source", ".type", ".options") as a ConfigError.
Fd clone_tree(const sys::Kernel& k, int dirfd, const std::string& source, const Options& o, const std::string& display,
              const std::string& field = {});
// The host path of a bind mount's source: config.md, a relative source is
// relative to the bundle (runc).
std::string bind_source(const std::string& bundle, const oci::Mount& m);
// One filesystem option on an fs context: "key=value" as a string, "key"
// as a flag (fsconfig(2)). Returns fsconfig's result.
int set_fs_option(const sys::Kernel& k, int fs, const std::string& option);
// A new filesystem instance, detached.
Fd new_fs(const sys::Kernel& k, const std::string& type, const std::string& source, const Options& o,
          const std::string& display, const std::string& field = {});
// Attach a detached mount onto the target fd (O_PATH).
void attach(const sys::Kernel& k, int tree, int target, const std::string& display);
// Attach, then apply the options' propagation (shared, rslave, ...) to the
// now attached mount: the kernel does not keep a peer group made on a
// detached tree across move_mount.
void attach(const sys::Kernel& k, int tree, int target, const Options& o, const std::string& display);
// Propagation changes of the options, applied to a mount fd.
void set_propagation(const sys::Kernel& k, int mnt, const Options& o, const std::string& display);
// Applies attributes and propagation to an existing detached tree / mount fd.
void set_attrs(const sys::Kernel& k, int tree, const Options& o, bool recursive, const std::string& display);

}  // namespace ucrun::mount
