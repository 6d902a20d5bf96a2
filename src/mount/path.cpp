#include "mount/path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "sys/error.hpp"

namespace ucrun::mount {

Fd open_in_root(const sys::Kernel& k, int rootfd, const std::string& path, int extra_flags) {
    struct open_how how {};
    how.flags = static_cast<uint64_t>(O_PATH | O_CLOEXEC | extra_flags);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    size_t skip = path.find_first_not_of('/');
    std::string rel = skip == std::string::npos ? std::string(1, '.') : path.substr(skip);
    if (extra_flags & O_NOFOLLOW) {
        // The kernel follows a last symlink when the path ends in "/" or
        // "/.", O_NOFOLLOW or not (path_resolution(7)): the flag is kept
        // by opening the last name itself ("proc/" and "proc/." are "proc").
        for (;;) {
            if (rel.size() > 1 && rel.back() == '/') rel.pop_back();
            else if (rel.size() > 2 && rel.compare(rel.size() - 2, 2, "/.") == 0) rel.erase(rel.size() - 2);
            else break;
        }
    }
    int fd;
    do {
        fd = k.openat2(rootfd, rel.c_str(), &how);
    } while (fd < 0 && errno == EAGAIN);  // a rename raced with the lookup: retry
    return Fd(fd);
}

Fd mkdir_in_root(const sys::Kernel& k, int rootfd, const std::string& path, bool last_is_file,
                 const std::string& display) {
    Fd fd = open_in_root(k, rootfd, path);
    if (fd) return fd;
    if (errno != ENOENT) throw_errno("open " + display + " in rootfs");
    // Create the parent first (recursively), then the last component inside
    // it, relative to the parent fd: never through a path string.
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    std::string parent = slash == std::string::npos || slash == 0 ? "/" : p.substr(0, slash);
    std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    Fd dir = mkdir_in_root(k, rootfd, parent, false, display);
    if (last_is_file) {
        Fd f(k.openat(dir.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!f && errno != EEXIST) throw_errno("create " + display + " in rootfs");
    } else if (k.mkdirat(dir.get(), name.c_str(), 0755) < 0 && errno != EEXIST) {
        throw_errno("mkdir " + display + " in rootfs");
    }
    // Re-resolve from the root: if a symlink was raced in, it is followed
    // inside the root, never outside.
    fd = open_in_root(k, rootfd, path);
    if (!fd) {
        int err = errno;
        struct stat st;
        if (err == ENOENT && k.fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            throw SysError("open " + display + " in rootfs: a symlink to a path missing in the rootfs", err);
        throw_errno("open " + display + " in rootfs", err);
    }
    return fd;
}

}  // namespace ucrun::mount
