#include "mount/mounter.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sys/error.hpp"

namespace ucrun::mount {

namespace {
// The failure of one part of a config.json mount (see mounter.hpp `field`).
[[noreturn]] void fail_at(const std::string& field, const char* part, const std::string& what, int err) {
    if (field.empty()) throw SysError(what, err);
    throw ConfigError(field + part, what, err);
}
}  // namespace

void set_attrs(const sys::Kernel& k, int tree, const Options& o, bool recursive, const std::string& display) {
    struct mount_attr attr {};
    attr.attr_set = o.attr_set;
    attr.attr_clr = o.attr_clr;
    // Atime is a 3-valued field: changing it requires clearing the whole field.
    if (attr.attr_set & MOUNT_ATTR__ATIME) attr.attr_clr |= MOUNT_ATTR__ATIME;
    if (attr.attr_set || attr.attr_clr) {
        if (k.mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr) < 0) {
            int err = errno;
            // mount_namespaces(7) "Restrictions on mount namespaces": the
            // flags a mount had when a less privileged user namespace got
            // it are locked there; a rootless bind cannot drop them.
            throw SysError("set mount attributes of " + display +
                               (err == EPERM && attr.attr_clr
                                    ? " (a flag of the host's mount, nosuid, nodev, noexec, ro or an atime "
                                      "flag, cannot be cleared from a user namespace: it is locked)"
                                    : ""),
                           err);
        }
    }
    if (o.rattr_set || o.rattr_clr) {
        struct mount_attr r {};
        r.attr_set = o.rattr_set;
        r.attr_clr = o.rattr_clr;
        if (r.attr_set & MOUNT_ATTR__ATIME) r.attr_clr |= MOUNT_ATTR__ATIME;
        if (k.mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &r) < 0)
            throw_errno("set recursive mount attributes of " + display);
    }
    set_propagation(k, tree, o, display);
}

void set_propagation(const sys::Kernel& k, int mnt, const Options& o, const std::string& display) {
    for (unsigned long p : o.propagation) {
        struct mount_attr pa {};
        pa.propagation = p & ~static_cast<unsigned long>(MS_REC);
        if (k.mount_setattr(mnt, "", AT_EMPTY_PATH | ((p & MS_REC) ? AT_RECURSIVE : 0), &pa) < 0)
            throw_errno("set propagation of " + display);
    }
}

Fd clone_tree(const sys::Kernel& k, int dirfd, const std::string& source, const Options& o, const std::string& display,
              const std::string& field) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o.recursive ? AT_RECURSIVE : 0);
    if (source.empty()) flags |= AT_EMPTY_PATH;
    Fd tree(k.open_tree(dirfd, source.c_str(), flags));
    if (!tree)
        fail_at(field, ".source",
                "bind " + (source.empty() ? std::string("fd ") + std::to_string(dirfd) : source) + " on " + display,
                errno);
    if (field.empty()) set_attrs(k, tree.get(), o, false, display);
    else with_config_path(field + ".options", [&] { set_attrs(k, tree.get(), o, false, display); });
    return tree;
}

std::string bind_source(const std::string& bundle, const oci::Mount& m) {
    std::string s = m.source.value_or("");
    if (!s.empty() && s[0] != '/') s = bundle + "/" + s;
    return s;
}

int set_fs_option(const sys::Kernel& k, int fs, const std::string& option) {
    auto eq = option.find('=');
    if (eq == std::string::npos) return k.fsconfig(fs, FSCONFIG_SET_FLAG, option.c_str(), nullptr, 0);
    return k.fsconfig(fs, FSCONFIG_SET_STRING, option.substr(0, eq).c_str(), option.substr(eq + 1).c_str(), 0);
}

Fd new_fs(const sys::Kernel& k, const std::string& type, const std::string& source, const Options& o,
          const std::string& display, const std::string& field) {
    Fd fs(k.fsopen(type.c_str(), FSOPEN_CLOEXEC));
    // ENODEV: the kernel knows no such filesystem type (/proc/filesystems).
    if (!fs && errno == ENODEV)
        fail_at(field, ".type", "mount " + type + " on " + display + ": unknown filesystem type \"" + type + "\"", errno);
    if (!fs) fail_at(field, "", "mount " + type + " on " + display, errno);
    auto fail = [&](const char* part, const std::string& what) {
        int err = errno;
        // The filesystem explains itself in the context's log.
        char buf[256];
        ssize_t n = k.read(fs.get(), buf, sizeof buf - 1);
        std::string detail = n > 2 ? " (" + std::string(buf + 2, static_cast<size_t>(n - 2)) + ")" : "";
        while (!detail.empty() && (detail.back() == '\n')) detail.pop_back();
        fail_at(field, part, "mount " + type + " on " + display + ": " + what + detail, err);
    };
    if (!source.empty() && k.fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) < 0)
        fail(".source", "source " + source);
    for (const auto& d : o.data)
        if (set_fs_option(k, fs.get(), d) < 0) fail(".options", "option " + d);
    // Super block flags without a mount attribute, by name (oci/mount_options.hpp).
    for (const auto& name : o.fs_flag_names())
        if (k.fsconfig(fs.get(), FSCONFIG_SET_FLAG, name.c_str(), nullptr, 0) < 0) fail(".options", "option " + name);
    if (k.fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) fail("", "create");
    unsigned attrs = static_cast<unsigned>(o.attr_set & ~static_cast<uint64_t>(MOUNT_ATTR__ATIME));
    if (o.attr_set & MOUNT_ATTR_NOATIME) attrs |= MOUNT_ATTR_NOATIME;
    else if (o.attr_set & MOUNT_ATTR_STRICTATIME) attrs |= MOUNT_ATTR_STRICTATIME;
    Fd mnt(k.fsmount(fs.get(), FSMOUNT_CLOEXEC, attrs));
    if (!mnt) fail("", "fsmount");
    Options rest;  // propagation and recursive attrs still to apply
    rest.propagation = o.propagation;
    set_attrs(k, mnt.get(), rest, false, display);
    return mnt;
}

void attach(const sys::Kernel& k, int tree, int target, const std::string& display) {
    if (k.move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        throw_errno("mount on " + display);
}

void attach(const sys::Kernel& k, int tree, int target, const Options& o, const std::string& display) {
    attach(k, tree, target, display);
    set_propagation(k, tree, o, display);
}

}  // namespace ucrun::mount
