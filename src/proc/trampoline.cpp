#include "proc/trampoline.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "dmz_blob.hpp"  // kDmzImage, generated from proc/dmz/dmz.c
#include "proc/dmz/protocol.h"
#include "sys/error.hpp"
#include "sys/io.hpp"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: ask for an executable memfd explicitly (vm.memfd_noexec)
#endif

namespace ucrun::proc {

Fd make_trampoline() {
    // MFD_EXEC where the kernel knows it (vm.memfd_noexec=1 would otherwise
    // make the memfd non-executable); EINVAL on older kernels: retry without.
    Fd fd(static_cast<int>(::syscall(SYS_memfd_create, "ucrun-dmz", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC)));
    if (!fd && errno == EINVAL)
        fd.reset(static_cast<int>(::syscall(SYS_memfd_create, "ucrun-dmz", MFD_CLOEXEC | MFD_ALLOW_SEALING)));
    if (!fd) {
        int err = errno;
        // vm.memfd_noexec 2 (Linux 6.3) forbids executable memfds: refuse
        // to run containers rather than execute them unprotected.
        throw SysError(std::string("memfd_create for the exec trampoline") +
                           (err == EACCES ? " (vm.memfd_noexec is 2: executable memfds are forbidden)" : ""),
                       err);
    }
    if (!sys::write_all(fd.get(), {reinterpret_cast<const char*>(kDmzImage), sizeof kDmzImage}))
        throw_errno("write the exec trampoline");
    // Execute-only: a process that cannot read the image it executes is not
    // dumpable from the exec on, and its mm belongs to the user namespace
    // where the memfd's owner is (fs/exec.c would_dump): no process of the
    // container can ptrace the trampoline, nor take the socket it holds
    // while it waits for Start (exec_through_on_start).
    if (::fchmod(fd.get(), 0111) < 0) throw_errno("chmod the exec trampoline");
    // Sealed: no process, whatever its privileges, can change it any more
    // (memfd_create(2)); F_SEAL_SEAL keeps the seals from being undone.
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        throw_errno("seal the exec trampoline");
    return fd;
}

namespace {

// The trampoline's argv (proc/dmz/dmz.c): its protocol's words (the marker,
// then the fd in the on-start form), the program's path, the program's argv.
std::vector<char*> dmz_argv(std::initializer_list<const char*> head, char* const* argv) {
    std::vector<char*> full;
    for (const char* h : head) full.push_back(const_cast<char*>(h));
    for (char* const* a = argv; *a; ++a) full.push_back(*a);
    full.push_back(nullptr);
    return full;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

void exec_through(int trampoline, const char* exe, char* const* argv, char* const* envp) {
    ::syscall(SYS_execveat, trampoline, "", dmz_argv({UCRUN_DMZ_MAGIC, exe}, argv).data(), envp, AT_EMPTY_PATH);
}

void exec_through(int trampoline, const std::string& exe, const std::vector<std::string>& args,
                  const std::vector<std::string>& env) {
    exec_through(trampoline, exe.c_str(), c_strings(args).data(), c_strings(env).data());
}

void exec_through_on_start(int trampoline, int sync, const std::string& exe, const std::vector<std::string>& args,
                           const std::vector<std::string>& env) {
    const std::string fd = std::to_string(sync);
    ::syscall(SYS_execveat, trampoline, "",
              dmz_argv({UCRUN_DMZ_MAGIC_ON_START, fd.c_str(), exe.c_str()}, c_strings(args).data()).data(),
              c_strings(env).data(), AT_EMPTY_PATH);
}

void exec_through_on_fifo(int trampoline, int sync, int procfd, const std::string& fifo_path, int fifo_fd,
                          const std::string& exe, const std::vector<std::string>& args,
                          const std::vector<std::string>& env) {
    const std::string s = std::to_string(sync), p = std::to_string(procfd), f = std::to_string(fifo_fd);
    ::syscall(SYS_execveat, trampoline, "",
              dmz_argv({UCRUN_DMZ_MAGIC_ON_FIFO, s.c_str(), p.c_str(), fifo_path.c_str(), f.c_str(), exe.c_str()},
                       c_strings(args).data())
                  .data(),
              c_strings(env).data(), AT_EMPTY_PATH);
}

std::string trampoline_hint(int err) {
    if (err != EACCES && err != EPERM) return "";
    return " (ucrun executes container processes from a sealed memfd: is vm.memfd_noexec 2, or does "
           "linux.seccomp deny execveat?)";
}

}  // namespace ucrun::proc
