#include "mount/idmap_probe.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "mount/idmap.hpp"
#include "mount/idmap_support.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace ucrun::mount {

namespace {

// 0, or the errno of idmapping the detached mount `tree`.
int try_idmap(const sys::Kernel& k, const Fd& tree, int userns_fd) {
    if (!tree) return errno;
    struct mount_attr attr = idmap_attr(userns_fd);
    return k.mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr) == 0 ? 0 : errno;
}

Fd new_tmpfs(const sys::Kernel& k) {
    Fd fs(k.fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs || k.fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return Fd();
    return Fd(k.fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
}

}  // namespace

bool can_idmap_mounts(const sys::Kernel& k, std::string* why) {
    Fd ns;
    try {
        // Any mapping will do; the one of a container of the defaults.
        ns = userns_with_mappings(k, {{0, 100000, 65536}}, {{0, 100000, 65536}});
    } catch (const std::runtime_error& e) {  // SysError or Error
        if (why) *why = std::string("no user namespace for the mapping: ") + e.what();
        return false;
    }
    int err = try_idmap(k, Fd(k.open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)), ns.get());
    if (err == EINVAL) err = try_idmap(k, new_tmpfs(k), ns.get());
    if (err && why) *why = std::string("mount_setattr(MOUNT_ATTR_IDMAP): ") + std::strerror(err);
    return err == 0;
}

}  // namespace ucrun::mount
