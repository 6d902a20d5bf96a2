#include "sys/kernel.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "sys/borrowing_clone.hpp"
#include "sys/syscalls.hpp"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452  // Linux 6.6
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439  // Linux 5.8
#endif

namespace ucrun::sys {

namespace {

// Stateless and final: each method only forwards to the system call.
class LinuxKernel final : public Kernel {
public:
    constexpr LinuxKernel() = default;

    int mount(const char* source, const char* target, const char* fstype, unsigned long flags,
              const void* data) const override {
        return ::mount(source, target, fstype, flags, data);
    }
    int umount2(const char* target, int flags) const override { return ::umount2(target, flags); }
    int open_tree(int dirfd, const char* path, unsigned flags) const override {
        return sys::open_tree(dirfd, path, flags);
    }
    int move_mount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) const override {
        return sys::move_mount(from_dfd, from, to_dfd, to, flags);
    }
    int fsopen(const char* fstype, unsigned flags) const override { return sys::fsopen(fstype, flags); }
    int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) const override {
        return sys::fsconfig(fd, cmd, key, value, aux);
    }
    int fspick(int dirfd, const char* path, unsigned flags) const override { return sys::fspick(dirfd, path, flags); }
    int fsmount(int fd, unsigned flags, unsigned attr_flags) const override {
        return sys::fsmount(fd, flags, attr_flags);
    }
    int mount_setattr(int dirfd, const char* path, unsigned flags, struct mount_attr* attr) const override {
        return sys::mount_setattr(dirfd, path, flags, attr);
    }

    int pivot_root(const char* new_root, const char* put_old) const override {
        return sys::pivot_root(new_root, put_old);
    }
    int chroot(const char* path) const override { return ::chroot(path); }
    int chdir(const char* path) const override { return ::chdir(path); }
    int fchdir(int fd) const override { return ::fchdir(fd); }

    int open(const char* path, int flags, mode_t mode) const override { return ::open(path, flags, mode); }
    int openat(int dirfd, const char* path, int flags, mode_t mode) const override {
        return ::openat(dirfd, path, flags, mode);
    }
    int openat2(int dirfd, const char* path, struct open_how* how) const override {
        return sys::openat2(dirfd, path, how);
    }
    int dup(int fd) const override { return ::dup(fd); }
    ssize_t read(int fd, void* buf, size_t count) const override { return ::read(fd, buf, count); }
    int fstat(int fd, struct stat* st) const override { return ::fstat(fd, st); }
    int fstatat(int dirfd, const char* path, struct stat* st, int flags) const override {
        return ::fstatat(dirfd, path, st, flags);
    }
    int fstatfs(int fd, struct statfs* st) const override { return ::fstatfs(fd, st); }
    int access(const char* path, int mode) const override { return ::access(path, mode); }
    ssize_t readlinkat(int dirfd, const char* path, char* buf, size_t size) const override {
        return ::readlinkat(dirfd, path, buf, size);
    }
    int mkdirat(int dirfd, const char* path, mode_t mode) const override { return ::mkdirat(dirfd, path, mode); }
    int mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) const override {
        return ::mknodat(dirfd, path, mode, dev);
    }
    int symlinkat(const char* target, int dirfd, const char* linkpath) const override {
        return ::symlinkat(target, dirfd, linkpath);
    }
    int unlinkat(int dirfd, const char* path, int flags) const override { return ::unlinkat(dirfd, path, flags); }
    int fchownat(int dirfd, const char* path, uid_t uid, gid_t gid, int flags) const override {
        return ::fchownat(dirfd, path, uid, gid, flags);
    }
    int fchmodat(int dirfd, const char* path, mode_t mode, int flags) const override {
        return ::fchmodat(dirfd, path, mode, flags);
    }
    int fchmod(int fd, mode_t mode) const override { return ::fchmod(fd, mode); }
    int chmod_opath(int fd, mode_t mode) const override {
        // On any failure, not only ENOSYS: a seccomp profile around ucrun
        // may answer a syscall it does not know with EPERM (Docker's does),
        // and the link reaches the same inode, so it fails alike where the
        // change is refused.
        if (::syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0) return 0;
        char link[32];
        std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        return ::chmod(link, mode);
    }
    int ioctl(int fd, unsigned long request) const override { return ::ioctl(fd, request); }

    int setns(int fd, int nstype) const override { return ::setns(fd, nstype); }
    int unshare(int flags) const override { return ::unshare(flags); }

    ssize_t write(int fd, const void* buf, size_t count) const override { return ::write(fd, buf, count); }
    int statx(int dirfd, const char* path, int flags, unsigned mask, struct statx* st) const override {
        return ::statx(dirfd, path, flags, mask, st);
    }
    char* getcwd(char* buf, size_t size) const override { return ::getcwd(buf, size); }
    int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) const override {
        return ::prctl(option, a2, a3, a4, a5);
    }
    int sethostname(const char* name, size_t len) const override { return ::sethostname(name, len); }
    int setdomainname(const char* name, size_t len) const override { return ::setdomainname(name, len); }
    int personality(unsigned long persona) const override { return ::personality(persona); }
    int setrlimit(int resource, const struct rlimit* rl) const override {
        return ::setrlimit(static_cast<__rlimit_resource_t>(resource), rl);
    }
    mode_t umask(mode_t mask) const override { return ::umask(mask); }
    int setgroups(size_t size, const gid_t* list) const override { return ::setgroups(size, list); }
    int setresgid(gid_t r, gid_t e, gid_t s) const override { return ::setresgid(r, e, s); }
    int setresuid(uid_t r, uid_t e, uid_t s) const override { return ::setresuid(r, e, s); }
    uid_t geteuid() const override { return ::geteuid(); }
    gid_t getegid() const override { return ::getegid(); }
    int capget(struct __user_cap_header_struct* hdr, struct __user_cap_data_struct* data) const override {
        return static_cast<int>(::syscall(SYS_capget, hdr, data));
    }
    int capset(struct __user_cap_header_struct* hdr, struct __user_cap_data_struct* data) const override {
        return static_cast<int>(::syscall(SYS_capset, hdr, data));
    }
    long set_mempolicy(int mode, const unsigned long* nodemask, unsigned long maxnode) const override {
        return ::syscall(SYS_set_mempolicy, mode, nodemask, maxnode);
    }
    int sched_setattr(pid_t pid, void* attr, unsigned flags) const override {
        return static_cast<int>(::syscall(SYS_sched_setattr, pid, attr, flags));
    }
    int ioprio_set(int which, int who, int ioprio) const override {
        return static_cast<int>(::syscall(SYS_ioprio_set, which, who, ioprio));
    }
    long keyctl(int op, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) const override {
        return ::syscall(SYS_keyctl, op, a2, a3, a4, a5);
    }
    int faccessat2(int dirfd, const char* path, int mode, int flags) const override {
        return static_cast<int>(::syscall(SYS_faccessat2, dirfd, path, mode, flags));
    }
    int close_range(unsigned first, unsigned last, unsigned flags) const override {
        return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
    }
    int close(int fd) const override { return ::close(fd); }

    pid_t clone3(struct clone_args* args, size_t size) const override {
        return static_cast<pid_t>(::syscall(SYS_clone3, args, size));
    }
    pid_t borrowing_clone3(struct clone_args* args, size_t size, int (*fn)(void*), void* arg) const override {
        return sys::borrowing_clone3(args, size, fn, arg);
    }
    pid_t waitpid(pid_t pid, int* status, int options) const override { return ::waitpid(pid, status, options); }
    int kill(pid_t pid, int sig) const override { return ::kill(pid, sig); }
    int pidfd_open(pid_t pid, unsigned flags) const override { return sys::pidfd_open(pid, flags); }
    int pidfd_send_signal(int pidfd, int sig, siginfo_t* info, unsigned flags) const override {
        return sys::pidfd_send_signal(pidfd, sig, info, flags);
    }
    int pipe2(int fds[2], int flags) const override { return ::pipe2(fds, flags); }
    int socketpair(int domain, int type, int protocol, int sv[2]) const override {
        return ::socketpair(domain, type, protocol, sv);
    }
    int fstatvfs(int fd, struct statvfs* buf) const override { return ::fstatvfs(fd, buf); }
};

// Constant-initialized (no constructor runs, no guard), and const.
constinit const LinuxKernel kLinux;

}  // namespace

const Kernel& linux_kernel() noexcept { return kLinux; }

}  // namespace ucrun::sys
