// A child that runs on its parent's memory until it executes or exits:
// clone3(2) with CLONE_VM | CLONE_VFORK and a stack of its own, the way
// posix_spawn makes its child. Nothing is copied at the clone, no page is
// copied on write afterwards on either side, and the child's execve has no
// copy of the parent to tear down (tests/bench/PERFORMANCE.md, "seventh
// pass": a `run` ~13% faster on this host).
//
// The parent is suspended in the clone (CLONE_VFORK) until the child has
// executed a program or exited, so the two never run at once and the child
// may use the parent's heap as the parent's own continuation would. What
// the caller must make sure of (container/create_plan.hpp borrows_memory):
//   - the child never waits for the parent (it would wait for ever);
//   - it changes no object of the parent's (it gets a const view; an fd of
//     the parent's is closed by number, never through its owner), and runs
//     no destructor of the parent's frames (it ends by execve or _exit);
//   - nothing but the caller's peers can ptrace or signal it while it
//     runs: what it writes, the parent reads afterwards.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "sys/sanitizer.hpp"

struct clone_args;

namespace ucrun::sys {

// x86-64 only (the child's first instructions are ours), and not under
// AddressSanitizer: the child's allocations would be the parent's leaks
// to LeakSanitizer. Elsewhere callers make an ordinary copy (clone3).
#if defined(__x86_64__) && !defined(UCRUN_LSAN)
inline constexpr bool kCanBorrowMemory = true;
#else
inline constexpr bool kCanBorrowMemory = false;
#endif

// `args` as for clone3 (flags, pidfd, cgroup, exit_signal; no stack):
// adds CLONE_VM | CLONE_VFORK and a stack below a guard page (mapped here,
// unmapped once the child is done with it). The child runs fn(arg) and
// exits with its result if it returns. Returns once the child has executed
// a program or exited: its pid, or -1 and errno (ENOSYS where
// kCanBorrowMemory is false).
pid_t borrowing_clone3(struct clone_args* args, size_t size, int (*fn)(void*), void* arg) noexcept;

}  // namespace ucrun::sys
