// The process's first instructions, before glibc's own entry (_start):
// where a page fault is dear, the writable segments of the binary are
// mapped in with one madvise(MADV_POPULATE_WRITE) instead of a fault per
// page.
//
// Why: a static PIE relocates itself at start (glibc's
// _dl_relocate_static_pie), writing a pointer into nearly every page of
// its RELRO segment, and glibc's and libstdc++'s start-up then write .data
// and .bss: ~27 pages, each a write fault that copies a file page or zero
// fills one. Every ucrun command pays this at start, `run` and `exec` once
// more in the process they clone when it is a copy.
//
// Whether populating wins depends on the host (tests/bench/PERFORMANCE.md,
// "eighth pass"): on a paravirtualised guest a fault is a trap through the
// hypervisor (15-30 us), and one call doing the same copies without the
// traps made `state` 7.5% faster; under KVM with nested paging a fault
// costs ~2.5 us and the call's page walk costs more than the faults it
// saves (`state` 9%, `exec` 6% slower).
// So the first two write faults, the RELRO segment's first pages, are
// timed (clock_gettime as a plain system call: the vDSO is not found yet),
// and the rest are populated only when the faster took more than
// kSlowFault. Those faults happen either way; the four clock reads cost
// 1-4 us. Not the TSC:
// a parent's PR_SET_TSC(PR_TSC_SIGSEGV) would make rdtsc kill us before
// glibc starts, and its rate is the CPU's. The nanoseconds are left in
// ucrun_entry_fault_ns for tests/integration/test_binary.py, which
// checks the choice made.
//
// Constraints: this runs before relocation, TLS and the stack protector's
// canary exist. It reads only its own ELF headers (__ehdr_start, addressed
// relative to the instruction pointer, which needs no relocation), calls no
// function and makes its system calls inline. Nothing in it may be
// instrumented (profiling and coverage read TLS): src/cli/meson.build links
// it only into the plain static build. A kernel without
// MADV_POPULATE_WRITE (before 5.14) returns EINVAL, which changes nothing:
// the pages then fault in as before.
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

extern "C" {

extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

// The nanoseconds the faster timed fault took (0: nothing was timed). Written
// once, by the entry, and read by no code of ucrun's: a test reads it
// through /proc/<pid>/mem.
__attribute__((used, visibility("hidden"))) volatile uint64_t ucrun_entry_fault_ns = 0;

namespace {

__attribute__((always_inline)) inline void populate(uintptr_t start, uintptr_t end) {
    long ret;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "0"(static_cast<long>(SYS_madvise)), "D"(start), "S"(end - start), "d"(MADV_POPULATE_WRITE)
                 : "rcx", "r11", "memory");
    (void)ret;  // EINVAL before 5.14: the pages fault in as before
}

// CLOCK_MONOTONIC in nanoseconds, -1 if the call fails (a seccomp filter
// around ucrun): then nothing is timed.
__attribute__((always_inline)) inline long long monotonic_ns() {
    struct timespec ts;
    long ret;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "0"(static_cast<long>(SYS_clock_gettime)), "D"(static_cast<long>(CLOCK_MONOTONIC)), "S"(&ts)
                 : "rcx", "r11", "memory");
    return ret == 0 ? static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec : -1;
}

// A write to the byte at `p` that leaves it as it was (a locked or of 0
// is a write for the MMU, and one instruction): the page's write fault,
// timed in nanoseconds; 0 when the clock cannot be read.
__attribute__((always_inline)) inline uint64_t time_write_fault(uintptr_t p) {
    const long long t0 = monotonic_ns();
    asm volatile("lock orb $0, (%0)" ::"r"(p) : "memory");
    const long long t1 = monotonic_ns();
    return t0 < 0 || t1 < t0 ? 0 : static_cast<uint64_t>(t1 - t0);
}

// Above this a fault is a trap through a hypervisor (see the top): 10 us,
// between the two hosts' first faults (3.5-5.5 us here, the clock reads
// included, and 16-30 us). A host taken for the other costs ~0.1 ms,
// nothing else.
constexpr uint64_t kSlowFault = 10000;

}  // namespace

// no_stack_protector: no canary exists yet. The loop must not become a call
// to memset or memcpy, glibc IFUNCs that are not resolved yet.
__attribute__((used, no_stack_protector, no_profile_instrument_function,
               optimize("no-tree-loop-distribute-patterns"))) void
ucrun_populate_writable() {
    const auto* ph = reinterpret_cast<const ElfW(Phdr)*>(reinterpret_cast<uintptr_t>(&__ehdr_start) +
                                                          __ehdr_start.e_phoff);
    // The load bias, as glibc finds it: where PT_PHDR is minus where it was
    // linked (not 0 with --image-base). Without PT_PHDR, do nothing.
    uintptr_t base = 0;
    bool found = false;
    for (unsigned i = 0; i < __ehdr_start.e_phnum; ++i)
        if (ph[i].p_type == PT_PHDR) {
            base = reinterpret_cast<uintptr_t>(ph) - ph[i].p_vaddr;
            found = true;
        }
    if (!found) return;
    constexpr uintptr_t page = 4096;
    // The first writable PT_LOAD with file contents (RELRO): no page of it
    // is in yet (the kernel's loader zero-fills only the page .bss starts
    // in, the last one).
    for (unsigned i = 0; i < __ehdr_start.e_phnum; ++i) {
        if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W) || ph[i].p_filesz == 0) continue;
        // Two faults, the faster counts: an interrupt or a preempted vCPU
        // in one timing (1 in 5 here) does not make a cheap host look dear.
        const uintptr_t first = base + ph[i].p_vaddr;
        const uintptr_t second = (first & ~(page - 1)) + page;
        uint64_t ns = time_write_fault(first);
        if (second < first + ph[i].p_memsz) {
            const uint64_t again = time_write_fault(second);
            if (again < ns) ns = again;
        }
        ucrun_entry_fault_ns = ns ? ns : 1;
        if (ns <= kSlowFault) return;  // also when the clock could not be read
        break;
    }
    if (ucrun_entry_fault_ns == 0) return;
    // The writable PT_LOADs (RELRO, then .data and .bss), whole pages of
    // them (the .bss ones too: glibc's start writes most), adjacent ones in
    // one call.
    uintptr_t start = 0, end = 0;
    for (unsigned i = 0; i < __ehdr_start.e_phnum; ++i) {
        if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W)) continue;
        const uintptr_t s = (base + ph[i].p_vaddr) & ~(page - 1);
        const uintptr_t e = (base + ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
        if (end != 0 && s <= end) {
            if (e > end) end = e;
            continue;
        }
        if (end != 0) populate(start, end);
        start = s;
        end = e;
    }
    if (end != 0) populate(start, end);
}

}  // extern "C"

// The entry point (the link's -e): rsp points at argc and rdx holds the
// function glibc's _start registers with atexit; both are kept for it.
asm(R"(
    .pushsection .text
    .globl ucrun_entry
    .type ucrun_entry, @function
ucrun_entry:
    .cfi_startproc
    .cfi_undefined rip
    push %rdx
    sub $8, %rsp
    call ucrun_populate_writable
    add $8, %rsp
    pop %rdx
    jmp _start
    .cfi_endproc
    .size ucrun_entry, .-ucrun_entry
    .popsection
)");
