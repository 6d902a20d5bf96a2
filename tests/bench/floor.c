/* floor: the least a container runtime has to do to run a command in a
 * container, used by tests/bench/bench.py as the "floor" every runtime is
 * compared with.
 *
 *   floor [-U] [-s] [-c DIR [-w FILE=VALUE]... [-d]]... ROOTFS CMD [ARG...]
 *   floor -e PID CMD [ARG...]
 *
 * run: clone3() with the namespaces of the benchmark bundle (mount, pid, ipc,
 * uts, network, cgroup; with -U also user, mapping 0..65535 to
 * 100000..165535), then in the child: make every mount private, bind ROOTFS
 * on itself, mount proc, pivot_root into it, and exec CMD. The parent waits
 * and returns the child's exit status (128+signal if it was killed).
 *
 * -c DIR: a cgroup for the child, as a runtime with cgroups on makes one:
 * mkdir DIR, write each following -w FILE=VALUE into DIR/FILE (the limits),
 * put the child into it before it does anything (cgroup2, one DIR:
 * CLONE_INTO_CGROUP; v1: the child writes "0" to each DIR/tasks, opened by
 * the parent, then makes its cgroup namespace -- ucrun's way, which spares
 * the kernel's global cgroup_threadgroup_rwsem a write of a pid to
 * cgroup.procs takes), and rmdir DIR once the child is gone. Repeat -c for
 * the v1 hierarchies (memory, pids, ...).
 * -d (cgroup2): attach a deny-all device program (BPF_PROG_TYPE_CGROUP_DEVICE,
 * "return 0") to DIR, the least a runtime does for a device rule on cgroup2.
 *
 * -s: "floor-spec", the kernel work of the benchmark's config (`runc spec`)
 * as well: its mounts (/dev tmpfs, devpts, /dev/shm, mqueue, read-only
 * sysfs and cgroup2 -- the benchmark's namespace has a cgroup2
 * /sys/fs/cgroup), the six device nodes (mknod; bind mounts of the host's in
 * a user namespace, where mknod is not allowed) and /dev's symlinks, after
 * pivot_root its masked paths (one read-only tmpfs, bound on every other
 * directory; /dev/null bound on files) and read-only paths (bind and
 * remount), the read-only root, the hostname, RLIMIT_NOFILE, the bounding
 * and capability sets and no_new_privs. The least any runtime must do for
 * that config; still no parsing, no state, no second exec.
 *
 * -e PID: exec: enter the ipc, uts, net, pid and mount namespaces of PID
 * (setns, as `nsenter -t PID -i -u -n -p -m`), clone (a new pid namespace
 * applies to children only) into PID's cgroups where they are not ours (as
 * ucrun's exec: CLONE_INTO_CGROUP for cgroup2, "0" to each v1 hierarchy's
 * tasks by the child), exec CMD in the child and wait for it.
 *
 * No config parsing, no /dev, no capabilities, no seccomp, no state: this is a
 * lower bound, not a runtime. Build: cc -O2 -static -o floor floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_LINE "0 100000 65536\n"
#define MAX_CGROUPS 16

struct child_args {
	const char *rootfs;
	char **argv;
	int wait_parent; /* wait for EOF on sync_rd: id maps */
	int tasks[MAX_CGROUPS], ntasks; /* v1: "0" to each, then a cgroup namespace */
	int userns;
	int spec; /* -s */
	int sync_rd, sync_wr; /* the parent closes sync_wr once it is done */
};

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	_exit(127);
}

static void mount_in(const char *rootfs, const char *dst, const char *type, unsigned long flags,
		     const char *data)
{
	char path[4096];
	snprintf(path, sizeof path, "%s%s", rootfs, dst);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	if (mount(type, path, type, flags, data) < 0)
		die(path);
}

/* -s, before pivot_root: runc spec's mounts and /dev. */
static void spec_mounts(const char *rootfs, int userns)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} devs[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
		    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
	static const char *const links[][2] = {{"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"},
		{"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
	char path[4096], host[64];
	size_t i;

	mount_in(rootfs, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	mount_in(rootfs, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_in(rootfs, "/dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
	mount_in(rootfs, "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	mount_in(rootfs, "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	mount_in(rootfs, "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	for (i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		snprintf(path, sizeof path, "%s/dev/%s", rootfs, devs[i].name);
		if (!userns) {
			if (mknod(path, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) < 0)
				die(path);
			continue;
		}
		int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0)
			die(path);
		close(fd);
		snprintf(host, sizeof host, "/dev/%s", devs[i].name);
		if (mount(host, path, NULL, MS_BIND, NULL) < 0)
			die(path);
	}
	for (i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(path, sizeof path, "%s/dev/%s", rootfs, links[i][1]);
		if (symlink(links[i][0], path) < 0)
			die(path);
	}
}

/* -s, after pivot_root: masked and read-only paths, the read-only root, and
 * the process: hostname, rlimit, capabilities, no_new_privs. */
static void spec_finish(void)
{
	static const char *const masked[] = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/sys/firmware", "/proc/scsi"};
	static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
		"/proc/sysrq-trigger"};
	/* CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE */
	const uint32_t keep = (1u << CAP_AUDIT_WRITE) | (1u << CAP_KILL) | (1u << CAP_NET_BIND_SERVICE);
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {{keep, keep, 0}, {0, 0, 0}};
	struct rlimit nofile = {1024, 1024};
	const char *empty = NULL;
	struct stat st;
	size_t i;
	int cap;

	for (i = 0; i < sizeof masked / sizeof masked[0]; i++) {
		if (stat(masked[i], &st) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			if (mount("/dev/null", masked[i], NULL, MS_BIND, NULL) < 0)
				die(masked[i]);
		} else if (!empty) {
			if (mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL) < 0)
				die(masked[i]);
			empty = masked[i];
		} else if (mount(empty, masked[i], NULL, MS_BIND, NULL) < 0) {
			die(masked[i]);
		}
	}
	for (i = 0; i < sizeof readonly / sizeof readonly[0]; i++) {
		if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			die(readonly[i]);
		}
		if (mount(NULL, readonly[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			die(readonly[i]);
	}
	if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		die("read-only root");
	if (sethostname("runc", 4) < 0)
		die("sethostname");
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		die("RLIMIT_NOFILE");
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!(cap < 32 && (keep & (1u << cap))) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			die("PR_CAPBSET_DROP");
	if (syscall(SYS_capset, &hdr, data) < 0)
		die("capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs");
}

static void child_main(struct child_args *a)
{
	char path[4096];
	int i;

	for (i = 0; i < a->ntasks; i++)
		if (write(a->tasks[i], "0", 1) != 1)
			die("write tasks");
	if (a->ntasks > 0 && unshare(CLONE_NEWCGROUP) < 0)
		die("unshare cgroup namespace");
	if (a->wait_parent) {
		char c;
		close(a->sync_wr);
		if (read(a->sync_rd, &c, 1) < 0)
			die("wait for the parent");
		close(a->sync_rd);
	}
	if (a->userns) {
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
	if (a->spec)
		spec_mounts(a->rootfs, a->userns);
	if (chdir(a->rootfs) < 0)
		die("chdir rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("detach old root");
	if (chdir("/") < 0)
		die("chdir /");
	if (a->spec)
		spec_finish();
	execvp(a->argv[0], a->argv);
	die(a->argv[0]);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

static void write_in(const char *dir, const char *file, const char *text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	write_file(path, text);
}

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* -d: every device access denied, as linux.resources.devices [{allow: false,
 * access: rwm}] asks; the program is freed with the cgroup. */
static void deny_devices(const char *dir)
{
	struct bpf_insn prog[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	int cg, fd;

	memset(&attr, 0, sizeof attr);
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
	if (fd < 0)
		die("BPF_PROG_LOAD");
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		die(dir);
	memset(&attr, 0, sizeof attr);
	attr.target_fd = cg;
	attr.attach_bpf_fd = fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
		die("BPF_PROG_ATTACH");
	close(cg);
	close(fd);
}

/* floor -e PID CMD...: the floor of `exec`. */
/* The mount point of the hierarchy named by a /proc/PID/cgroup line's
 * controllers field ("" for cgroup2; "cpu,cpuacct", "name=systemd"), of a
 * mount of its root, in `out`; 0 if there is none. */
static int hierarchy_mount(const char *controllers, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;

	if (!f)
		die("/proc/self/mountinfo");
	while (!found && fgets(line, sizeof line, f)) {
		char root[1024], mnt[1024], fstype[64], opts[1024], want[256], *sep, *c, *save;
		if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 || strcmp(root, "/") != 0)
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (!*controllers) {
			found = strcmp(fstype, "cgroup2") == 0;
		} else if (strcmp(fstype, "cgroup") == 0) {
			found = 1;
			snprintf(want, sizeof want, "%s", controllers);
			for (c = strtok_r(want, ",", &save); c && found; c = strtok_r(NULL, ",", &save)) {
				char key[300];
				snprintf(key, sizeof key, ",%s,", c);
				char all[1100];
				snprintf(all, sizeof all, ",%s,", opts);
				found = strstr(all, key) != NULL;
			}
		}
		if (found)
			snprintf(out, size, "%s", mnt);
	}
	fclose(f);
	return found;
}

/* Opens what the exec'd child needs to join PID's cgroups where they are
 * not ours: the cgroup2 directory (*cg2, -1: none) and each v1 hierarchy's
 * tasks file (tasks[], returns how many). */
static int open_target_cgroups(const char *target, int *cg2, int *tasks)
{
	char path[4096], theirs[4096], ours[8192], mnt[1024];
	FILE *f;
	int n = 0;

	*cg2 = -1;
	snprintf(path, sizeof path, "/proc/%s/cgroup", target);
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		die("/proc/self/cgroup");
	ours[0] = '\0';
	while (fgets(theirs, sizeof theirs, f) && strlen(ours) + strlen(theirs) < sizeof ours)
		strcat(ours, theirs);
	fclose(f);
	f = fopen(path, "re");
	if (!f)
		die(path);
	while (fgets(theirs, sizeof theirs, f)) {
		char *ctrl = strchr(theirs, ':'), *rel;
		if (!ctrl || !(rel = strchr(ctrl + 1, ':')))
			continue;
		if (strstr(ours, theirs)) /* the same line: the same cgroup */
			continue;
		*rel++ = '\0';
		ctrl++;
		rel[strcspn(rel, "\n")] = '\0';
		if (!hierarchy_mount(ctrl, mnt, sizeof mnt))
			continue;
		if (!*ctrl) {
			snprintf(path, sizeof path, "%s%s", mnt, rel);
			*cg2 = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (*cg2 < 0)
				die(path);
		} else if (n < MAX_CGROUPS) {
			snprintf(path, sizeof path, "%s%s/tasks", mnt, rel);
			tasks[n] = open(path, O_WRONLY | O_CLOEXEC);
			if (tasks[n] < 0)
				die(path);
			n++;
		}
	}
	fclose(f);
	return n;
}

static int exec_main(const char *target, char **argv)
{
	static const char *const names[] = {"ipc", "uts", "net", "pid", "mnt"};
	struct clone_args ca = {0};
	int fds[5], tasks[MAX_CGROUPS], ntasks, cg2, j;
	char path[64];
	pid_t pid;
	size_t i;

	ntasks = open_target_cgroups(target, &cg2, tasks);

	/* Open every namespace before entering any: after the mount
	 * namespace, /proc may no longer be the host's. */
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "/proc/%s/ns/%s", target, names[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			die(path);
	}
	for (i = 0; i < 5; i++) {
		if (setns(fds[i], 0) < 0)
			die(names[i]);
		close(fds[i]);
	}
	ca.exit_signal = SIGCHLD;
	if (cg2 >= 0) {
		ca.flags = CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cg2;
	}
	pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid < 0)
		die("clone3");
	if (pid == 0) {
		for (j = 0; j < ntasks; j++)
			if (write(tasks[j], "0", 1) != 1)
				die("write tasks");
		execvp(argv[0], argv);
		die(argv[0]);
	}
	for (j = 0; j < ntasks; j++)
		close(tasks[j]);
	if (cg2 >= 0)
		close(cg2);
	return wait_status(pid);
}

int main(int argc, char **argv)
{
	struct child_args a = {0};
	struct clone_args ca = {0};
	const char *cgroups[MAX_CGROUPS];
	int ncg = 0, cgfd = -1;
	int sync[2] = {-1, -1};
	int argi = 1, status, i;
	pid_t pid;

	ca.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		   CLONE_NEWNET | CLONE_NEWCGROUP;
	ca.exit_signal = SIGCHLD;
	if (argc - argi >= 3 && strcmp(argv[argi], "-e") == 0)
		return exec_main(argv[argi + 1], argv + argi + 2);
	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (strcmp(argv[argi], "-U") == 0) {
			a.userns = 1;
			ca.flags |= CLONE_NEWUSER;
		} else if (strcmp(argv[argi], "-s") == 0) {
			a.spec = 1;
		} else if (strcmp(argv[argi], "-c") == 0 && argi + 1 < argc && ncg < MAX_CGROUPS) {
			cgroups[ncg++] = argv[++argi];
			if (mkdir(argv[argi], 0755) < 0)
				die(argv[argi]);
		} else if (strcmp(argv[argi], "-w") == 0 && argi + 1 < argc && ncg > 0) {
			char *eq = strchr(argv[++argi], '=');
			if (!eq) {
				errno = EINVAL;
				die(argv[argi]);
			}
			*eq = '\0';
			write_in(cgroups[ncg - 1], argv[argi], eq + 1);
		} else if (strcmp(argv[argi], "-d") == 0 && ncg > 0) {
			deny_devices(cgroups[ncg - 1]);
		} else {
			break;
		}
	}
	if (argc - argi < 2) {
		fprintf(stderr, "usage: floor [-U] [-s] [-c DIR [-w FILE=VALUE]... [-d]]... ROOTFS CMD [ARG...]\n"
				"       floor -e PID CMD [ARG...]\n");
		return 2;
	}
	a.rootfs = argv[argi];
	a.argv = argv + argi + 1;
	if (ncg == 1) {
		struct statfs st;
		if (statfs(cgroups[0], &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) {
			cgfd = open(cgroups[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (cgfd < 0)
				die(cgroups[0]);
			ca.flags |= CLONE_INTO_CGROUP;
			ca.cgroup = (uint64_t)cgfd;
		}
	}
	if (ncg > 0 && cgfd < 0) {
		for (i = 0; i < ncg; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/tasks", cgroups[i]);
			a.tasks[i] = open(path, O_WRONLY | O_CLOEXEC);
			if (a.tasks[i] < 0)
				die(path);
		}
		a.ntasks = ncg;
		ca.flags &= ~(uint64_t)CLONE_NEWCGROUP; /* made once placed */
	}
	a.wait_parent = a.userns;
	if (a.wait_parent) {
		if (pipe2(sync, O_CLOEXEC) < 0)
			die("pipe");
		a.sync_rd = sync[0];
		a.sync_wr = sync[1];
	}

	/* No CLONE_VM: the child gets a copy of this process, as with fork. */
	pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid < 0)
		die("clone3");
	if (pid == 0)
		child_main(&a);
	if (cgfd >= 0)
		close(cgfd);
	for (i = 0; i < a.ntasks; i++)
		close(a.tasks[i]);
	if (a.wait_parent) {
		close(sync[0]);
		if (a.userns) {
			char path[64];
			snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
			write_file(path, MAP_LINE);
			snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
			write_file(path, MAP_LINE);
		}
		close(sync[1]); /* EOF releases the child */
	}
	status = wait_status(pid);
	for (i = 0; i < ncg; i++)
		if (rmdir(cgroups[i]) < 0)
			die(cgroups[i]);
	return status;
}
