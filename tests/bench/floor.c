/* floor: the least a container runtime has to do to run a command in a
 * container, used by tests/bench/bench.py as the "floor" every runtime is
 * compared with.
 *
 *   floor [-U] ROOTFS CMD [ARG...]
 *
 * clone() with the namespaces of the benchmark bundle (mount, pid, ipc, uts,
 * network, cgroup; with -U also user, mapping 0..65535 to 100000..165535),
 * then in the child: make every mount private, bind ROOTFS on itself, mount
 * proc, pivot_root into it, and exec CMD. The parent waits and returns the
 * child's exit status (128+signal if it was killed).
 *
 * No config parsing, no /dev, no capabilities, no seccomp, no state: this is a
 * lower bound, not a runtime. Build: cc -O2 -static -o floor floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_LINE "0 100000 65536\n"

struct child_args {
	const char *rootfs;
	char **argv;
	int userns;
	int sync_rd, sync_wr; /* the parent closes sync_wr once the maps are written */
};

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	_exit(127);
}

static int child_main(void *p)
{
	struct child_args *a = p;
	char path[4096];

	if (a->userns) {
		char c;
		close(a->sync_wr);
		if (read(a->sync_rd, &c, 1) < 0)
			die("wait for id maps");
		close(a->sync_rd);
		/* The clone kept the parent's kuid 0, which is unmapped here:
		 * become the namespace's root (kuid 100000). */
		if (setgid(0) < 0 || setuid(0) < 0)
			die("setuid/setgid 0");
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (mount(a->rootfs, a->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("bind rootfs");
	snprintf(path, sizeof path, "%s/proc", a->rootfs);
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount proc");
	if (chdir(a->rootfs) < 0)
		die("chdir rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("detach old root");
	if (chdir("/") < 0)
		die("chdir /");
	execvp(a->argv[0], a->argv);
	die(a->argv[0]);
	return 127;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

int main(int argc, char **argv)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	struct child_args a = {0};
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		    CLONE_NEWNET | CLONE_NEWCGROUP | SIGCHLD;
	int sync[2] = {-1, -1};
	int argi = 1, status;
	pid_t pid;

	if (argi < argc && strcmp(argv[argi], "-U") == 0) {
		a.userns = 1;
		flags |= CLONE_NEWUSER;
		argi++;
	}
	if (argc - argi < 2) {
		fprintf(stderr, "usage: floor [-U] ROOTFS CMD [ARG...]\n");
		return 2;
	}
	a.rootfs = argv[argi];
	a.argv = argv + argi + 1;
	if (a.userns) {
		if (pipe2(sync, O_CLOEXEC) < 0)
			die("pipe");
		a.sync_rd = sync[0];
		a.sync_wr = sync[1];
	}

	pid = clone(child_main, stack + sizeof stack, flags, &a);
	if (pid < 0)
		die("clone");
	if (a.userns) {
		char path[64];
		close(sync[0]);
		snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
		write_file(path, MAP_LINE);
		snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
		write_file(path, MAP_LINE);
		close(sync[1]); /* EOF releases the child */
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
