#include "sys/borrowing_clone.hpp"

#include <errno.h>
#include <linux/sched.h>
#include <sys/mman.h>

#include <cstdint>

#if defined(__x86_64__)
// clone3 whose child starts on its own stack: a C++ caller cannot return
// from the system call in the child (its frame is on the parent's stack),
// so the child's side is these instructions: fn(arg) on the new stack
// (the kernel set %rsp to stack + stack_size, 16-byte aligned), then
// exit_group with its result. %r8/%r9 survive the system call in both
// processes. The parent gets the kernel's raw result (-errno on failure).
// No CFI: nothing unwinds through it (the child's fn never throws).
extern "C" long ucrun_clone3_on_stack(struct clone_args* args, size_t size, int (*fn)(void*), void* arg);
asm(R"(
    .text
    .p2align 4
    .globl ucrun_clone3_on_stack
    .hidden ucrun_clone3_on_stack
    .type ucrun_clone3_on_stack, @function
ucrun_clone3_on_stack:
    mov %rdx, %r8
    mov %rcx, %r9
    mov $435, %eax
    syscall
    test %rax, %rax
    jnz 1f
    xor %ebp, %ebp
    mov %r9, %rdi
    call *%r8
    mov %eax, %edi
    mov $231, %eax
    syscall
    hlt
1:  ret
    .size ucrun_clone3_on_stack, .-ucrun_clone3_on_stack
)");
#endif

namespace ucrun::sys {

namespace {

// The child's stack: as large as a main thread's default (RLIMIT_STACK
// 8 MiB), since the container init needs ~6 KiB for a usual config, but a
// mount destination of PATH_MAX made of one-letter components recurses
// ~2 000 times (mount/path.cpp mkdir_in_root, ~0.4 KiB each). Only the
// pages it touches are ever allocated (MAP_NORESERVE). Below it a page
// nothing may touch: an overflow faults instead of writing into whatever
// of the parent's is mapped there.
constexpr size_t kStack = 8 * 1024 * 1024;
constexpr size_t kGuard = 4096;

// The mapping, unmapped on every way out.
class StackMap {
public:
    StackMap() {
        void* p = ::mmap(nullptr, kGuard + kStack, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return;
        base_ = static_cast<char*>(p);
        if (::mprotect(base_ + kGuard, kStack, PROT_READ | PROT_WRITE) < 0) {
            const int err = errno;
            ::munmap(base_, kGuard + kStack);
            base_ = nullptr;
            errno = err;
        }
    }
    ~StackMap() {
        if (base_) ::munmap(base_, kGuard + kStack);
    }
    StackMap(const StackMap&) = delete;
    StackMap& operator=(const StackMap&) = delete;
    char* stack() const { return base_ ? base_ + kGuard : nullptr; }

private:
    char* base_ = nullptr;
};

}  // namespace

pid_t borrowing_clone3(struct clone_args* args, size_t size, int (*fn)(void*), void* arg) noexcept {
#if defined(__x86_64__)
    if constexpr (kCanBorrowMemory) {
        const StackMap stack;
        if (!stack.stack()) return -1;
        args->flags |= CLONE_VM | CLONE_VFORK;
        args->stack = reinterpret_cast<uint64_t>(stack.stack());
        args->stack_size = kStack;
        const long r = ucrun_clone3_on_stack(args, size, fn, arg);
        if (r < 0) {
            errno = static_cast<int>(-r);
            return -1;
        }
        return static_cast<pid_t>(r);
    }
#endif
    (void)args;
    (void)size;
    (void)fn;
    (void)arg;
    errno = ENOSYS;
    return -1;
}

}  // namespace ucrun::sys
