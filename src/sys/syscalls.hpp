// Thin wrappers over system calls glibc 2.36 does not wrap (clone3, pidfd,
// openat2, the new mount API, pivot_root). They return what the kernel
// returns (-1 and errno on failure); callers decide how to report.
#pragma once

#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>

namespace ucrun::sys {

inline pid_t clone3(struct clone_args* args) {
    return static_cast<pid_t>(::syscall(SYS_clone3, args, sizeof(*args)));
}
// The clone3(2) arguments of a child with a pidfd (CLONE_PIDFD, stored in
// *pidfd) and SIGCHLD, born in the cgroup of `cgroup_fd` when >= 0
// (CLONE_INTO_CGROUP, cgroup v2), plus `flags`: for sys::Kernel::clone3.
inline struct clone_args pidfd_clone_args(uint64_t flags, int cgroup_fd, int* pidfd) {
    struct clone_args ca {};
    ca.flags = flags | CLONE_PIDFD;
    ca.pidfd = reinterpret_cast<uint64_t>(pidfd);
    ca.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    return ca;
}
inline int pidfd_open(pid_t pid, unsigned flags = 0) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
inline int pidfd_send_signal(int pidfd, int sig, siginfo_t* info = nullptr, unsigned flags = 0) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags));
}
inline int openat2(int dirfd, const char* path, struct open_how* how) {
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path, how, sizeof(*how)));
}
inline int open_tree(int dirfd, const char* path, unsigned flags) {
    return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}
inline int move_mount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) {
    return static_cast<int>(::syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags));
}
inline int fsopen(const char* fstype, unsigned flags) {
    return static_cast<int>(::syscall(SYS_fsopen, fstype, flags));
}
inline int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) {
    return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, aux));
}
inline int fspick(int dirfd, const char* path, unsigned flags) {
    return static_cast<int>(::syscall(SYS_fspick, dirfd, path, flags));
}
inline int fsmount(int fd, unsigned flags, unsigned attr_flags) {
    return static_cast<int>(::syscall(SYS_fsmount, fd, flags, attr_flags));
}
inline int mount_setattr(int dirfd, const char* path, unsigned flags, struct mount_attr* attr) {
    return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(*attr)));
}
inline int pivot_root(const char* new_root, const char* put_old) {
    return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

}  // namespace ucrun::sys
