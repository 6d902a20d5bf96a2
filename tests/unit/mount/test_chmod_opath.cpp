// sys::Kernel::chmod_opath on the real kernel: the mode goes onto the inode
// an O_PATH fd holds, by fchmodat2 and, where the kernel has none (before
// Linux 6.6: ENOSYS, played here by a seccomp filter in a child), through
// the fd's /proc/self/fd link; never onto what a symlink at the name
// points to.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "sys/kernel.hpp"

namespace {

struct Scratch {
    std::string dir;
    Scratch() {
        char t[] = "/tmp/ucrun-chmod-opath-XXXXXX";
        REQUIRE(::mkdtemp(t));
        dir = t;
    }
    ~Scratch() {
        ::unlink((dir + "/link").c_str());
        ::unlink((dir + "/file").c_str());
        ::unlink((dir + "/other").c_str());
        ::rmdir(dir.c_str());
    }
    std::string make(const char* name, mode_t mode) const {
        std::string p = dir + "/" + name;
        int fd = ::open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        ::close(fd);
        REQUIRE(::chmod(p.c_str(), mode) == 0);
        return p;
    }
};

mode_t mode_of(const std::string& p) {
    struct stat st;
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// In a child: with fchmodat2 refused as ENOSYS when `no_fchmodat2`, chmod
// `file` through an O_PATH fd, then swap a symlink to `other` in for its
// name and chmod the fd again. Exit 0 when both calls succeeded.
int chmod_in_child(const Scratch& s, bool no_fchmodat2) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (no_fchmodat2) {
            struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 452 /* fchmodat2 */, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            };
            struct sock_fprog prog = {sizeof f / sizeof f[0], f};
            if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
                ::_exit(3);
            if (::syscall(452, AT_FDCWD, "/", 0755, 0) == 0 || errno != ENOSYS) ::_exit(4);
        }
        const auto& k = ucrun::sys::linux_kernel();
        int fd = ::open((s.dir + "/file").c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || k.chmod_opath(fd, 04640) != 0) ::_exit(5);
        // The name now points elsewhere; the fd still holds the file.
        if (::rename((s.dir + "/file").c_str(), (s.dir + "/moved").c_str()) != 0) ::_exit(6);
        if (::symlink((s.dir + "/other").c_str(), (s.dir + "/file").c_str()) != 0) ::_exit(7);
        if (k.chmod_opath(fd, 0604) != 0) ::_exit(8);
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("chmod_opath sets the mode of the inode the fd holds, with or without fchmodat2") {
    for (bool no_fchmodat2 : {false, true}) {
        CAPTURE(no_fchmodat2);
        Scratch s;
        s.make("file", 0600);
        const std::string other = s.make("other", 0600);
        REQUIRE(chmod_in_child(s, no_fchmodat2) == 0);
        CHECK(mode_of(s.dir + "/moved") == 0604);
        CHECK(mode_of(other) == 0600);  // the symlink's target is untouched
        ::unlink((s.dir + "/moved").c_str());
    }
}
