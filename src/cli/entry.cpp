// The process's first instructions, before glibc's own entry (_start):
// the writable segments of the binary are mapped in with one
// madvise(MADV_POPULATE_WRITE) instead of a page fault per page.
//
// Why: a static PIE relocates itself at start (glibc's
// _dl_relocate_static_pie), writing a pointer into nearly every page of
// its RELRO segment, and glibc's and libstdc++'s start-up then write .data
// and .bss: ~25 pages, each a write fault that copies a file page or zero
// fills one. On a paravirtualised guest a fault is a trap through the
// hypervisor (15-30 us; tests/bench/PERFORMANCE.md); populating the same
// pages from one system call does the same copies without the traps.
// Every ucrun command pays this at start, `run` and `exec` once more in the
// process they clone (the copy-on-write of those pages is theirs either way).
//
// Constraints: this runs before relocation, TLS and the stack protector's
// canary exist. It reads only its own ELF headers (__ehdr_start, addressed
// relative to the instruction pointer, which needs no relocation), calls no
// function and makes its one system call inline. Nothing in it may be
// instrumented (profiling and coverage read TLS): src/cli/meson.build links
// it only into the plain static build. A kernel without
// MADV_POPULATE_WRITE (before 5.14) returns EINVAL, which changes nothing:
// the pages then fault in as before.
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

extern "C" {

extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

namespace {

__attribute__((always_inline)) inline void populate(uintptr_t start, uintptr_t end) {
    long ret;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "0"(static_cast<long>(SYS_madvise)), "D"(start), "S"(end - start), "d"(MADV_POPULATE_WRITE)
                 : "rcx", "r11", "memory");
    (void)ret;  // EINVAL before 5.14: the pages fault in as before
}

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
