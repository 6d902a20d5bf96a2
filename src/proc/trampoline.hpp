// The CVE-2019-5736 protection: the container's process is executed through
// a tiny trampoline held in a sealed memfd, never directly by a clone of
// ucrun.
//
// The threat. ucrun keeps one process image (no re-exec): the init and
// `exec`'s child are clones of the ucrun process, so until their last
// execve /proc/self/exe is the host's ucrun binary. PR_SET_DUMPABLE 0 keeps
// the container from opening it during setup, but the last execve itself
// resolves an interpreter line `#!/proc/self/exe` (or a symlink to it, or a
// binfmt_misc entry) against the caller's exe: the kernel would start the
// host ucrun as a process of the container, which is dumpable after
// execve; the container opens /proc/<pid>/exe, waits for it to exit and
// reopens it O_WRONLY: the host binary is overwritten (runc's advisory).
//
// The choice. runc 1.2 re-executes itself from a read-only overlayfs or a
// sealed memfd copy of its 10 MB binary; crun copies itself into a sealed
// memfd. Both cost a copy of the runtime (ours is 3.7 MB) or a mount on
// every start. ucrun instead copies a freestanding 1.5 KB program
// (proc/dmz/dmz.c) into a sealed memfd (F_SEAL_SEAL | F_SEAL_SHRINK |
// F_SEAL_GROW | F_SEAL_WRITE) before the clone, and the clone's last step
// is execveat(memfd), which then execve()s the user's program. Whatever the
// rootfs holds, /proc/self/exe at the user's execve is that sealed private
// copy: writing it fails (EPERM), and a `#!/proc/self/exe` script only
// starts the trampoline again, which refuses (it checks its argv[0]; a
// rootfs that names the marker itself as a relative interpreter gets its
// script run again as itself, nothing more). The memfd is execute-only
// (0111): a process executing a file it may not read is not dumpable
// (fs/exec.c would_dump), so the container cannot even open the
// trampoline's /proc/<pid>/exe or take its descriptors, unless its root
// may read any file (CAP_DAC_OVERRIDE without a user namespace).
// The cost is one memfd and one execve of a 1.5 KB static file
// (tests/bench/PERFORMANCE.md has the measurement). For `run`, the init
// executes it as soon as it is ready and the trampoline waits for Start on
// the sync socket (exec_through_on_start): the exec overlaps ucrun's
// record instead of following it. A `create` whose init ran on ucrun's
// memory (which may not wait before its exec) executes it at once too, and
// the trampoline waits for the record and then on the exec FIFO
// (exec_through_on_fifo).
//
// What is left: the clone's own execveat of the trampoline is still made
// with ucrun as /proc/self/exe. Nothing of the rootfs takes part in it (an
// fd, a static ELF without an interpreter), but since Linux 6.7 a user
// namespace can have a binfmt_misc instance of its own: container root of a
// user namespace that ucrun later joins (exec, or a userns given by path)
// can register a handler that matches the trampoline with the interpreter
// `/proc/self/exe`. The host binary then runs as a process of that
// container (with the sync socket, when the trampoline waits for Start),
// which can read it; writing it needs write access to the file
// for a user that is not host root (host root is never mapped without
// --allow-host-root-mapping), so keep ucrun root-owned and not writable by
// group or others. Closing this for good means a runtime image that is
// sealed before it joins the container (the re-exec runc and crun pay).
//
// The hop is also a descriptor barrier (CVE-2024-21626 class). The kernel
// resolves the program's path, and a `#!` or binfmt_misc interpreter's, at
// execve, with every descriptor the caller still holds: close-on-exec ones
// close only after that. The trampoline's execveat names it by fd and
// closes ucrun's descriptors (the state root, a cgroup directory) before
// the program's path is looked at. Tried and dropped (tests/bench/
// PERFORMANCE.md, "Tried: a write-sealed install"): skipping the trampoline
// when ucrun's own binary is on a read-only mount; a direct execve then
// ran a host file named as /proc/self/fd/3/../x, and a read-only bind can
// be remounted writable while a container holds the binary open.
// tests/integration/test_hostile.py tries that path for run and exec.
#pragma once

#include <string>
#include <vector>

#include "sys/fd.hpp"

namespace ucrun::proc {

// The sealed memfd holding the trampoline (close-on-exec). Made by the
// parent before the clone (the container's seccomp filter may deny
// memfd_create); throws SysError.
Fd make_trampoline();

// execveat(trampoline) that runs `exe` with `args` and `env`. Returns only
// on failure, with errno set.
void exec_through(int trampoline, const std::string& exe, const std::vector<std::string>& args,
                  const std::vector<std::string>& env);
// The same with NULL-terminated arrays (a forked hook child).
void exec_through(int trampoline, const char* exe, char* const* argv, char* const* envp);
// execveat(trampoline) now, `exe` once the Start message comes on `sync`
// (which must survive the execveat: not close-on-exec); the trampoline
// then closes it. Nothing runs when ucrun goes away first (proc/dmz/dmz.c).
// Returns only on failure, with errno set.
void exec_through_on_start(int trampoline, int sync, const std::string& exe, const std::vector<std::string>& args,
                           const std::vector<std::string>& env);
// `create`'s: execveat(trampoline) now; it waits for Recorded on `sync`,
// says Detached, then opens `fifo_path` under `procfd` (the exec FIFO,
// through the host's /proc) for writing, which waits for `start`, writes
// "0" and executes `exe`. `sync`, `procfd` and `fifo_fd` must survive the
// execveat; the trampoline closes them, or runs nothing (proc/dmz/dmz.c).
// Returns only on failure, with errno set.
void exec_through_on_fifo(int trampoline, int sync, int procfd, const std::string& fifo_path, int fifo_fd,
                          const std::string& exe, const std::vector<std::string>& args,
                          const std::vector<std::string>& env);

// What to add to the error of a failed exec_through: the likely causes
// of EACCES/EPERM that are not the program's (vm.memfd_noexec=2 forbids
// executing any memfd; a linux.seccomp filter may deny execveat).
std::string trampoline_hint(int err);

}  // namespace ucrun::proc
