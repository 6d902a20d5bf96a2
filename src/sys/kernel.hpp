// The seam between the container's setup (mount/, ns/) and the kernel: the
// system calls it makes, as one interface, after youki's Syscall trait
// (crates/libcontainer/src/syscall/syscall.rs). The code that mounts takes
// a `const Kernel&` and its caller chooses: linux_kernel() at run time, a
// recording fake in the unit tests (tests/unit/mount/fake_kernel.hpp), so
// that the mount sequence can be checked without root.
//
// Each method has the system call's own signature and contract: the
// kernel's result, -1 and errno on failure; the callers keep deciding how
// to report. The fds are the caller's to close (ucrun::Fd).
//
// The real implementation holds no state: linux_kernel() is one const
// object, nothing in it can change. A call through it is one indirect call
// more than calling libc directly: nanoseconds, against system calls of
// microseconds (bench.py `run` shows no difference; issue 16).
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

struct open_how;
struct mount_attr;
struct rlimit;
struct statx;
struct __user_cap_header_struct;
struct __user_cap_data_struct;
struct clone_args;
struct statvfs;

namespace ucrun::sys {

class Kernel {
public:
    virtual ~Kernel() = default;

    // mount(2), umount2(2); the new mount API (open_tree(2), move_mount(2),
    // fsopen(2), fsconfig(2), fspick(2), fsmount(2), mount_setattr(2)).
    virtual int mount(const char* source, const char* target, const char* fstype, unsigned long flags,
                      const void* data) const = 0;
    virtual int umount2(const char* target, int flags) const = 0;
    virtual int open_tree(int dirfd, const char* path, unsigned flags) const = 0;
    virtual int move_mount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) const = 0;
    virtual int fsopen(const char* fstype, unsigned flags) const = 0;
    virtual int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) const = 0;
    virtual int fspick(int dirfd, const char* path, unsigned flags) const = 0;
    virtual int fsmount(int fd, unsigned flags, unsigned attr_flags) const = 0;
    virtual int mount_setattr(int dirfd, const char* path, unsigned flags, struct mount_attr* attr) const = 0;

    // The root and the working directory.
    virtual int pivot_root(const char* new_root, const char* put_old) const = 0;
    virtual int chroot(const char* path) const = 0;
    virtual int chdir(const char* path) const = 0;
    virtual int fchdir(int fd) const = 0;

    // Files, by fd.
    virtual int open(const char* path, int flags, mode_t mode = 0) const = 0;
    virtual int openat(int dirfd, const char* path, int flags, mode_t mode = 0) const = 0;
    virtual int openat2(int dirfd, const char* path, struct open_how* how) const = 0;
    virtual int dup(int fd) const = 0;
    virtual ssize_t read(int fd, void* buf, size_t count) const = 0;
    virtual int fstat(int fd, struct stat* st) const = 0;
    virtual int fstatat(int dirfd, const char* path, struct stat* st, int flags) const = 0;
    virtual int fstatfs(int fd, struct statfs* st) const = 0;
    virtual int access(const char* path, int mode) const = 0;
    virtual ssize_t readlinkat(int dirfd, const char* path, char* buf, size_t size) const = 0;
    virtual int mkdirat(int dirfd, const char* path, mode_t mode) const = 0;
    virtual int mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) const = 0;
    virtual int symlinkat(const char* target, int dirfd, const char* linkpath) const = 0;
    virtual int unlinkat(int dirfd, const char* path, int flags) const = 0;
    virtual int fchownat(int dirfd, const char* path, uid_t uid, gid_t gid, int flags) const = 0;
    virtual int fchmodat(int dirfd, const char* path, mode_t mode, int flags) const = 0;
    virtual int fchmod(int fd, mode_t mode) const = 0;
    // chmod of the inode an O_PATH fd holds (fchmod refuses O_PATH with
    // EBADF): fchmodat2(fd, "", mode, AT_EMPTY_PATH), Linux 6.6; where
    // that fails, through the fd's /proc/self/fd magic link, which names the
    // same inode whatever has become of its path since.
    virtual int chmod_opath(int fd, mode_t mode) const = 0;
    // ioctl(2) of a request without argument (NS_GET_NSTYPE).
    virtual int ioctl(int fd, unsigned long request) const = 0;

    // Namespaces (setns(2), unshare(2)).
    virtual int setns(int fd, int nstype) const = 0;
    virtual int unshare(int flags) const = 0;

    // proc/ and userns/: the container init's own setup (process.*,
    // hostname, sysctl, ids) and the writing of a user namespace's maps.
    virtual ssize_t write(int fd, const void* buf, size_t count) const = 0;
    virtual int statx(int dirfd, const char* path, int flags, unsigned mask, struct statx* st) const = 0;
    virtual char* getcwd(char* buf, size_t size) const = 0;
    virtual int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) const = 0;
    virtual int sethostname(const char* name, size_t len) const = 0;
    virtual int setdomainname(const char* name, size_t len) const = 0;
    virtual int personality(unsigned long persona) const = 0;
    virtual int setrlimit(int resource, const struct rlimit* rl) const = 0;
    virtual mode_t umask(mode_t mask) const = 0;
    virtual int setgroups(size_t size, const gid_t* list) const = 0;
    virtual int setresgid(gid_t r, gid_t e, gid_t s) const = 0;
    virtual int setresuid(uid_t r, uid_t e, uid_t s) const = 0;
    virtual uid_t geteuid() const = 0;
    virtual gid_t getegid() const = 0;
    // capget(2), capset(2), the raw system calls (no libcap).
    virtual int capget(struct __user_cap_header_struct* hdr, struct __user_cap_data_struct* data) const = 0;
    virtual int capset(struct __user_cap_header_struct* hdr, struct __user_cap_data_struct* data) const = 0;
    // set_mempolicy(2), sched_setattr(2) (`attr`: a struct sched_attr, which
    // glibc 2.36 does not declare), ioprio_set(2).
    virtual long set_mempolicy(int mode, const unsigned long* nodemask, unsigned long maxnode) const = 0;
    virtual int sched_setattr(pid_t pid, void* attr, unsigned flags) const = 0;
    virtual int ioprio_set(int which, int who, int ioprio) const = 0;
    virtual long keyctl(int op, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) const = 0;
    // faccessat2(2), Linux 5.8 (AT_EACCESS: the effective ids, as execve checks).
    virtual int faccessat2(int dirfd, const char* path, int mode, int flags) const = 0;
    virtual int close_range(unsigned first, unsigned last, unsigned flags) const = 0;
    // close(2) of an fd the process must not keep (proc/cgroup_join.hpp).
    virtual int close(int fd) const = 0;

    // The parent's side of create and exec (container/, mount/idmap*,
    // mount/rootfs_idmap, mount/host_binds): processes (clone3(2) with the
    // size of its argument, waitpid(2), kill(2), pidfd_open(2),
    // pidfd_send_signal(2)), the pipe and socketpair that talk to them, and
    // the mount flags an idmapped rootfs keeps (fstatvfs(3); its statx(2) is
    // the block above).
    virtual pid_t clone3(struct clone_args* args, size_t size) const = 0;
    // clone3 with CLONE_VM | CLONE_VFORK: the child runs fn(arg) on the
    // caller's memory until it executes or exits; returns then
    // (sys/borrowing_clone.hpp, whose rules the caller keeps).
    virtual pid_t borrowing_clone3(struct clone_args* args, size_t size, int (*fn)(void*), void* arg) const = 0;
    virtual pid_t waitpid(pid_t pid, int* status, int options) const = 0;
    virtual int kill(pid_t pid, int sig) const = 0;
    virtual int pidfd_open(pid_t pid, unsigned flags) const = 0;
    virtual int pidfd_send_signal(int pidfd, int sig, siginfo_t* info, unsigned flags) const = 0;
    virtual int pipe2(int fds[2], int flags) const = 0;
    virtual int socketpair(int domain, int type, int protocol, int sv[2]) const = 0;
    virtual int fstatvfs(int fd, struct statvfs* buf) const = 0;
};

// The running kernel: each method is the system call itself.
const Kernel& linux_kernel() noexcept;

}  // namespace ucrun::sys
