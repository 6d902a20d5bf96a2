/*
 * ucrun-dmz: the last image a container's process passes through before
 * its own program (CVE-2019-5736 class; see src/proc/trampoline.hpp).
 *
 * ucrun never re-executes itself: the container's init and `exec`'s child
 * are clones of the ucrun process. If they called execve(2) on the user's
 * program directly, the kernel would resolve an interpreter such as
 * `#!/proc/self/exe` (or a symlink to it, or a binfmt_misc entry) against
 * the caller's exe, which is the host's ucrun binary: the container would
 * then run the host binary as its own process and could reopen
 * /proc/<pid>/exe for writing once it exits. So the clone first executes
 * this program from a sealed memfd (F_SEAL_WRITE, _GROW, _SHRINK, _SEAL),
 * and this program executes the user's. From here on /proc/self/exe is a
 * sealed, private copy of this file, nothing of the host.
 *
 * It is freestanding (no libc, a few hundred bytes) so that ucrun can copy
 * it into a memfd at every create and exec for a few microseconds.
 *
 * Protocol: argv = { UCRUN_DMZ_MAGIC, path, argv0, argv1, ... }; it calls
 * execve(path, &argv[2], envp). Started any other way (as the interpreter
 * of a script, say), it refuses and exits 126 instead of looping.
 *
 * Released by ucrun (`run`: the init executes this as soon as it is ready,
 * so that this exec is made while ucrun records the container; see
 * src/proc/init.cpp): argv = { UCRUN_DMZ_MAGIC_ON_START, fd, path, argv0,
 * ... }. Not dumpable (as the init was: the fd is ucrun's socket); then
 * one message is read from fd: the Start byte goes on; ucrun gone (the end
 * of the socket) exits 1, anything else 126, both without running
 * anything. The parent-death signal the init set is cleared (the program
 * may outlive ucrun, as it would have), fd closed (ucrun takes the hang-up
 * as "executed"), and the program executed as above. Under the container's
 * seccomp filter (loaded before Ready when it is not no_new_privs') this
 * makes prctl, read and close, where the init made prctl, recvfrom,
 * recvmsg, close and close_range.
 *
 * Detached by ucrun (`create` whose init ran on ucrun's memory: it may not
 * wait for anything before this exec, src/proc/init.cpp): argv = {
 * UCRUN_DMZ_MAGIC_ON_FIFO, fd, procfd, fifo path, fifo fd, path, argv0,
 * ... }. The init's last steps, in its order: not dumpable; Recorded read
 * from fd (ucrun gone: exit 1); the parent-death signal cleared; Detached
 * written; fd closed; then the exec FIFO opened for writing through the
 * host's /proc (procfd, an O_PATH fd, and the path under it), which blocks
 * until `start` opens the other end; procfd and the FIFO's O_PATH fd
 * closed; "0" written; the program executed. The FIFO's write end is
 * close-on-exec: `start` sees it close at that execve. Host descriptors
 * never reach the program: one that cannot be closed is made close-on-exec,
 * and if that fails too nothing runs.
 */
#include <asm/unistd.h>
#include <asm-generic/errno-base.h>
#include <asm-generic/errno.h>

#include "proc/dmz/protocol.h"

#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n\txor %rbp,%rbp\n\tmov %rsp,%rdi\n\tand $-16,%rsp\n\tcall dmz_main\n\thlt\n");
static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
static long sys4(long n, long a, long b, long c, long d) {
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n\tmov x0, sp\n\tbl dmz_main\n\tbrk #0\n");
static long sys3(long n, long a, long b, long c) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory", "cc");
    return x0;
}
static long sys4(long n, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory", "cc");
    return x0;
}
#else
#error "ucrun-dmz: add the system call convention of this architecture"
#endif

static unsigned long len(const char* s) {
    unsigned long n = 0;
    while (s[n]) ++n;
    return n;
}

static void say(const char* s) { sys3(__NR_write, 2, (long)s, (long)len(s)); }

static int same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

/* Go's wording (runc's), which engines match on: lower case. */
static const char* reason(long err) {
    switch (err) {
        case ENOENT: return "no such file or directory";
        case EACCES: return "permission denied";
        case ENOEXEC: return "exec format error";
        case ETXTBSY: return "text file busy";
        case ELOOP: return "too many levels of symbolic links";
        case E2BIG: return "argument list too long";
        case ENOMEM: return "cannot allocate memory";
        case EPERM: return "operation not permitted";
        case ENOTDIR: return "not a directory";
        case EISDIR: return "is a directory";
        case ENAMETOOLONG: return "file name too long";
        case EBADF: return "bad file descriptor";
        default: return "exec failed";
    }
}

/* A descriptor number in decimal, or -1. */
static long fd_number(const char* s) {
    long n = 0;
    if (!*s) return -1;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9' || n > 1000000) return -1;
        n = n * 10 + (*s - '0');
    }
    return n;
}

/* prctl(2) options (linux/prctl.h). */
#define DMZ_PR_SET_PDEATHSIG 1
#define DMZ_PR_SET_DUMPABLE 4

/* openat(2) flags and fcntl(2) commands (asm-generic; x86-64 and arm64
 * agree on these). */
#define DMZ_O_WRONLY 01
#define DMZ_O_CLOEXEC 02000000
#define DMZ_F_SETFD 2
#define DMZ_FD_CLOEXEC 1

static __attribute__((noreturn)) void refuse(const char* what, long err) {
    say("ucrun-dmz: ");
    say(what);
    say(": ");
    say(reason(-err));
    say(": not starting the process\n");
    sys3(__NR_exit, 126, 0, 0);
    for (;;) {}
}

/* As pid 1 of its pid namespace (the FIFO path is taken only for one:
 * borrows_memory) we get no signal whose action is the default one
 * (pid_namespaces(7)): a created container would ignore `kill` with
 * SIGTERM, where runc's init (a Go program) exits. Handlers that exit with
 * 128 and the signal's number for the signals that end a Go program; one
 * the caller ignores (nohup) stays ignored, as it would for the program.
 * The program gets the default actions back at its execve (signal(7)).
 * rt_sigaction is in borrows_memory's list of what the container's filter
 * must allow. x86-64 only: its rt_sigaction needs SA_RESTORER and a
 * restorer, never used, as the handler never returns. */
#if defined(__x86_64__)
#define DMZ_SA_RESTORER 0x04000000
struct dmz_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};
static void on_termination_signal(int sig) { sys3(__NR_exit_group, 128 + sig, 0, 0); }
static void on_return(void) { sys3(__NR_exit_group, 126, 0, 0); }
static void exit_on_termination_signals(void) {
    struct dmz_sigaction act = {on_termination_signal, DMZ_SA_RESTORER, on_return, 0};
    static const int sigs[] = {1 /* SIGHUP */, 2 /* SIGINT */, 3 /* SIGQUIT */, 15 /* SIGTERM */};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; ++i) {
        struct dmz_sigaction old = {0, 0, 0, 0};
        if (sys4(__NR_rt_sigaction, sigs[i], 0, (long)&old, sizeof old.mask) != 0) continue;
        if (old.handler == (void (*)(int))1 /* SIG_IGN */) continue;
        sys4(__NR_rt_sigaction, sigs[i], (long)&act, 0, sizeof act.mask);
    }
}
#else
static void exit_on_termination_signals(void) {}
#endif

/* A descriptor of ucrun's gone before the program: closed, or (a seccomp
 * filter that refuses close) close-on-exec; else nothing runs. */
static void drop(long fd, const char* what) {
    if (sys3(__NR_close, fd, 0, 0) == 0) return;
    long r = sys3(__NR_fcntl, fd, DMZ_F_SETFD, DMZ_FD_CLOEXEC);
    if (r < 0) refuse(what, r);
}

/* The FIFO part of `create`'s release (UCRUN_DMZ_MAGIC_ON_FIFO, above);
 * returns once the program may be executed. Every step that can fail comes
 * before the "0": `start` then sees the FIFO close without it, and says so
 * (container/ops.cpp), rather than running poststart hooks for a program
 * that never ran. No SIGPIPE to fear from the write (a `start` killed after
 * its open): we are the init of a new pid namespace (borrows_memory),
 * and the kernel does not deliver it a signal whose action is the default
 * one (SIGNAL_UNKILLABLE), so write returns EPIPE, and the program runs. */
static void wait_on_fifo(long fd, long procfd, const char* fifo_path, long fifo_fd) {
    char type = 0;
    long n = sys3(__NR_read, fd, (long)&type, 1);
    if (n == 0) sys3(__NR_exit, 1, 0, 0); /* ucrun gone before the record: nothing runs */
    if (n != 1 || type != UCRUN_DMZ_RECORDED) refuse("no Recorded message from ucrun", n < 0 ? n : -EPROTO);
    sys3(__NR_prctl, DMZ_PR_SET_PDEATHSIG, 0, 0); /* recorded: the container may outlive ucrun */
    const char detached = UCRUN_DMZ_DETACHED;
    long r = sys3(__NR_write, fd, (long)&detached, 1);
    if (r != 1) sys3(__NR_exit, 1, 0, 0); /* ucrun gone: create failed, its rollback kills us */
    exit_on_termination_signals();     /* created: `kill` ends it, as runc's */
    drop(fd, "close the sync socket");
    long w = sys4(__NR_openat, procfd, (long)fifo_path, DMZ_O_WRONLY | DMZ_O_CLOEXEC, 0);
    if (w < 0) refuse("open exec fifo", w);
    drop(procfd, "close /proc");
    drop(fifo_fd, "close the exec fifo's O_PATH fd");
    r = sys3(__NR_write, w, (long)"0", 1);
    if (r != 1 && r != -EPIPE) refuse("write exec fifo", r);
}

__attribute__((used, noreturn)) void dmz_main(long* sp) {
    long argc = sp[0];
    char** argv = (char**)(sp + 1);
    char** envp = argv + argc + 1;
    int on_start = argc >= 4 && same(argv[0], UCRUN_DMZ_MAGIC_ON_START);
    int on_fifo = argc >= 7 && same(argv[0], UCRUN_DMZ_MAGIC_ON_FIFO);
    if (on_fifo) {
        if (sys3(__NR_prctl, DMZ_PR_SET_DUMPABLE, 0, 0) != 0) refuse("prctl(PR_SET_DUMPABLE)", -EPERM);
        long fd = fd_number(argv[1]), procfd = fd_number(argv[2]), fifo_fd = fd_number(argv[4]);
        if (fd < 0 || procfd < 0 || fifo_fd < 0) refuse("descriptors from ucrun", -EBADF);
        wait_on_fifo(fd, procfd, argv[3], fifo_fd);
        argv += 4;
    } else if (!on_start && (argc < 3 || !same(argv[0], UCRUN_DMZ_MAGIC))) {
        say("ucrun-dmz: not a program to run: it only starts a container's process for ucrun\n");
        sys3(__NR_exit, 126, 0, 0);
    }
    if (on_start) {
        /* Not readable by the container (the memfd is mode 0111,
         * src/proc/trampoline.cpp): the exec of an unreadable file sets
         * dumpable to fs.suid_dumpable, non-dumpable unless that is 1 or 2.
         * This first act covers those values and a root that may read it
         * anyway: a few instructions after the exec. */
        if (sys3(__NR_prctl, DMZ_PR_SET_DUMPABLE, 0, 0) != 0) {
            say("ucrun-dmz: prctl(PR_SET_DUMPABLE): refused (a seccomp filter?): not starting the process\n");
            sys3(__NR_exit, 126, 0, 0);
        }
        long fd = fd_number(argv[1]);
        char type = 0;
        long n = fd < 0 ? -EBADF : sys3(__NR_read, fd, (long)&type, 1);
        if (n == 0) sys3(__NR_exit, 1, 0, 0); /* ucrun gone before the release: nothing runs */
        if (n != 1 || type != UCRUN_DMZ_START) {
            say("ucrun-dmz: no start message from ucrun (");
            say(n < 0 ? reason(-n) : "another message");
            say("): not starting the process\n");
            sys3(__NR_exit, 126, 0, 0);
        }
        sys3(__NR_prctl, DMZ_PR_SET_PDEATHSIG, 0, 0);
        drop(fd, "close the sync socket");
        ++argv;
    }
    long r = sys3(__NR_execve, (long)argv[1], (long)(argv + 2), (long)envp);
    say("ucrun: exec ");
    say(argv[1]);
    say(": ");
    say(reason(-r));
    say("\n");
    sys3(__NR_exit, r == -ENOENT ? 127 : 126, 0, 0);
    for (;;) {}
}
