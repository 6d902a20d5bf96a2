#!/usr/bin/python3
"""ucrun benchmark: ucrun against every other OCI runtime found and a floor.

Run as root:  python3 tests/bench/bench.py [--quick] [--only run,exec] ...
See tests/bench/README.md for what is measured and the targets.

Python 3 standard library only. The script re-executes itself in a private
mount namespace (`unshare --mount --propagation private`) in which
/sys/fs/cgroup is a single cgroup2 mount, so that runtimes that refuse hybrid
cgroup setups (crun 1.8.1) work, and puts every bundle and state directory on
a tmpfs of its own in a temporary directory. For the cgroups-on benchmarks it
makes two more mount namespaces, cgroup v1 and cgroup v2 (MountNamespaces),
and enters them with setns(2) around each command. crun with cgroups on runs
with an LD_PRELOAD shim built here at run time (memlock_shim.c: RLIMIT_MEMLOCK
cannot be raised without CAP_SYS_RESOURCE). Everything it creates is removed
on exit, also on failure and on Ctrl-C.
"""

import argparse
import copy
import ctypes
import json
import os
import platform
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "helpers"))
from runc_spec import runc_spec  # noqa: E402  (shared with tests/integration/support.py)

INNER_ENV = "UCRUN_BENCH_INNER"
CGROUP_ROOT = Path("/sys/fs/cgroup")
USERNS_MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]
# The floors (floor.c) and their flags: floor-spec, `floor -s`, is the floor
# plus the kernel work of the benchmark's config, measured beside the floor
# in run, run-userns, rss and the batches; the targets stay against "floor".
FLOORS = {"floor": [], "floor-spec": ["-s"]}

# `runc spec` (runc 1.1.5: ociVersion 1.0.2-dev, an ambient capability set)
# with terminal off; it has a cgroup namespace (tests/helpers/runc_spec.py):
# without one every container's cgroup2 mount is a mount of the hierarchy
# root, which is slow on recent kernels.
BASE_CONFIG = runc_spec(["/bin/true"], oci_version="1.0.2-dev", ambient=True)

# Cgroups on (issue 17 item 2): the limits of every cgroups-on bundle, as an
# engine sets them. cgroup v1 has the memory and pids controllers on this
# host; the unified hierarchy of a hybrid host has only those v1 does not
# hold (hugetlb here), so the v2 bundle limits what exists there: see
# cgroup_resources().
CG_MEMORY = 256 << 20
CG_PIDS = 1024

# The remap (issue 12 item 7): ucrun told --userns-remap=default runs a bundle
# without a user namespace; it adds one with a block of the `ucrun` user's
# subordinate ids (from the host's real /etc/subuid and /etc/subgid).
REMAP_FLAG = "--userns-remap=default"
# ucrun's host-wide allocation registry. /run is a tmpfs on most hosts but
# not on every machine (ext4 on the development one, where each of the
# registry's two atomic replacements per `run` waits for ext4's writeback
# of the replaced file): unless --host-registry, the benchmark puts a tmpfs
# there in its private mount namespace, as on a host with a tmpfs /run.
USERNS_REGISTRY = Path("/run/ucrun/.userns")
# A "large image": the small rootfs plus this many files, 100 per directory.
LARGE_FILES = 20000

# Targets for ucrun (tests/bench/README.md): benchmark -> [(other runtime, max ratio)].
TARGETS = {
    "run": [("crun", 0.7), ("floor", 1.25)],            # issue 17 item 1 (was 1.5x floor)
    "run-userns": [("crun", 0.7), ("floor", 1.25)],
    "run-cgv1": [("crun", 0.6), ("floor", 1.35)],       # issue 17 item 2: cgroups on
    "run-cgv2": [("crun", 0.6), ("floor", 1.35)],
    "run-rootless": [("crun", 0.7)],  # issue 13: no worse against crun than rootful run
    "exec": [("crun", 0.7), ("floor", 1.1)],           # issue 17 item 3
    "create": [("crun", 1.0)],
    "start": [("crun", 1.0)],
    "state": [("crun", 1.0)],
    "delete": [("crun", 1.0)],
    "seq100": [("crun", 0.7)],
    "rss": [("crun", 1.0)],
    "rss-exec": [("crun", 1.0)],
    "scale-state": [("crun", 1.0)],
    "scale-list": [("crun", 1.0)],
}
# Absolute targets (issue 17 item 4): benchmark -> (max median, unit).
ABS_TARGETS = {"rss": (2560, "KiB"), "rss-exec": (2560, "KiB")}
# Targets of the remap, ucrun against itself in the same rounds:
# benchmark -> (reference benchmark, max ratio).
REMAP_TARGETS = {
    "run-remap": ("run-remap-ref", 1.10),       # at most 10% over a bundle with a user namespace
    "run-remap-large": ("run-remap", 1.10),     # a large image costs what a small one does
}


class CommandFailed(Exception):
    def __init__(self, argv, status, stderr):
        self.argv, self.status, self.stderr = argv, status, stderr
        how = (f"exit {os.waitstatus_to_exitcode(status)}" if status is not None
               else "did not run")
        tail = stderr.strip().splitlines()[-3:]
        self.short = f"{Path(str(argv[0])).name} ... {argv[-1]}: {how}" + (
            ": " + tail[-1] if tail else "")
        super().__init__(f"{' '.join(map(str, argv))}: {how}"
                         + (": " + " | ".join(tail) if tail else ""))


# --------------------------------------------------------------------------
# Process handling. Commands are started with posix_spawn (vfork-like) and
# timed from just before the spawn to just after the wait, so the harness adds
# the same small constant to every runtime (printed as "spawn overhead").

class Spawner:
    def __init__(self, tmp: Path):
        self.devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        self.tmp = tmp
        self._files = {}

    def _file(self, name):
        if name not in self._files:
            self._files[name] = os.open(self.tmp / name,
                                        os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fd = self._files[name]
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        return fd

    @staticmethod
    def _read(fd):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 1 << 20).decode(errors="replace")

    def spawn(self, argv, slot=0, capture=False, user=None):
        """Start argv with stdin=/dev/null, stdout=/dev/null or a capture
        file, stderr=a file per slot. Returns (pid, stdout fd, stderr fd).
        user=(uid, gid, env): as that user (run-rootless), by fork, setgid,
        setuid and exec in the child: no exec more than posix_spawn, the same
        for every runtime measured that way."""
        err = self._file(f"stderr.{slot}")
        out = self._file(f"stdout.{slot}") if capture else self.devnull
        if user is not None:
            uid, gid, env = user
            pid = os.fork()
            if pid == 0:
                try:
                    for fd, to in ((self.devnull, 0), (out, 1), (err, 2)):
                        os.dup2(fd, to)
                    os.setgroups([])
                    os.setgid(gid)
                    os.setuid(uid)
                    os.execve(argv[0], argv, env)
                finally:
                    os._exit(127)
            return pid, out, err
        actions = [(os.POSIX_SPAWN_DUP2, self.devnull, 0),
                   (os.POSIX_SPAWN_DUP2, out, 1),
                   (os.POSIX_SPAWN_DUP2, err, 2)]
        env = getattr(argv, "env", None) or os.environ  # Cmd.env: crun's shim
        try:
            pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        except OSError as e:
            raise CommandFailed(argv, None, str(e)) from None
        return pid, out, err

    def check(self, argv, status, err):
        if status != 0:
            raise CommandFailed(argv, status, self._read(err))

    def timed(self, argv, capture=False, user=None):
        """Run argv, return (seconds, stdout text or None); raise on failure."""
        t0 = time.perf_counter()
        pid, out, err = self.spawn(argv, capture=capture, user=user)
        _, status = waitpid(pid)
        t = time.perf_counter() - t0
        self.check(argv, status, err)
        return t, (self._read(out) if capture else None)

    def run(self, argv, capture=False):
        return self.timed(argv, capture)[1]

    def parallel(self, cmds, width):
        """Run cmds with at most `width` at a time; return total seconds."""
        cmds = list(cmds)
        running = {}  # pid -> (argv, slot)
        free = list(range(width))
        t0 = time.perf_counter()
        while cmds or running:
            while cmds and free:
                argv, slot = cmds.pop(0), free.pop()
                pid, _, _ = self.spawn(argv, slot=slot)
                running[pid] = (argv, slot)
            pid, status = waitpid(-1)
            if pid not in running:
                continue  # an orphan reparented to us (we are a subreaper)
            argv, slot = running.pop(pid)
            free.append(slot)
            if status != 0:
                t = time.perf_counter() - t0
                for p in running:  # let the others finish before raising
                    waitpid(p)
                self.check(argv, status, self._files[f"stderr.{slot}"])
        return time.perf_counter() - t0


def waitpid(pid, flags=0):
    while True:
        try:
            return os.waitpid(pid, flags)
        except InterruptedError:
            continue


def reap_orphans():
    """Container processes outlive the runtime command that started them and
    are reparented to us (child subreaper): collect the dead ones."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_children():
    """Last resort: kill what is still our child. As a child subreaper we are
    the parent of every process we started and of every container process
    whose runtime exited, so these are all processes we started."""
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            print(f"bench: cleanup: killing left-over process {entry.name}", file=sys.stderr)
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except ProcessLookupError:
                pass
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def wait_gone(pid, timeout=10.0):
    """Wait until process pid has exited (and reap it if it is our child)."""
    try:
        waitpid(pid)
        return
    except ChildProcessError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except (FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.001)
    raise TimeoutError(f"process {pid} still alive {timeout}s after kill")


def set_child_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


# --------------------------------------------------------------------------
# Runtimes

@dataclass
class Runtime:
    name: str
    path: str
    root: Path = None           # --root state directory (None for the floor)
    flags: list = field(default_factory=list)
    note: str = ""
    variant: str = ""           # run-remap: which of ucrun's commands this is
    env: dict = None            # environment of its commands (None: the harness's)
    ns: str = "main"            # the benchmark's mount namespace it runs in (MountNamespaces)

    @property
    def is_floor(self):
        return self.name in FLOORS

    @property
    def has_containers(self):
        return self.root is not None

    def cmd(self, *args):
        return Cmd([self.path, "--root", str(self.root), *self.flags, *map(str, args)], self.env)


class Cmd(list):
    """argv, with the environment to start it in (None: the harness's)."""
    def __init__(self, argv, env=None):
        super().__init__(argv)
        self.env = env


def find_runtimes(opts):
    """The runtimes to measure, in table order: ucrun, crun, runc, floor."""
    ucrun = opts.ucrun or os.environ.get("UCRUN") or str(REPO / "build/src/cli/ucrun")
    known = {"ucrun": ucrun if os.access(ucrun, os.X_OK) else None,
             "crun": shutil.which("crun"), "runc": shutil.which("runc"),
             "floor": "floor", "floor-spec": "floor"}
    if opts.runtimes:
        wanted = []
        for item in opts.runtimes.split(","):
            name, _, path = item.partition("=")
            path = path or known.get(name) or shutil.which(name)
            if not path:
                sys.exit(f"bench: runtime {name!r} not found")
            wanted.append((name, path))
    else:
        wanted = [(n, p) for n, p in known.items() if p]
        if not known["ucrun"]:
            print(f"bench: no ucrun binary at {ucrun} (use --ucrun or UCRUN); "
                  "measuring the others", file=sys.stderr)
    return [Runtime(n, p if n in FLOORS else os.path.realpath(p)) for n, p in wanted]


def configure_runtimes(runtimes, opts, tmp: Path, floor_bin, shim):
    for rt in runtimes:
        if rt.is_floor:
            rt.path = str(floor_bin)
            rt.flags = FLOORS[rt.name]
            continue
        rt.root = tmp / "roots" / rt.name
        rt.root.mkdir(parents=True)
        if rt.name == "runc":
            # runc 1.1.5 has no way to run without cgroups (no
            # --cgroup-manager flag, and --systemd-cgroup needs systemd): it
            # always creates /sys/fs/cgroup/<id>, so needs a writable cgroup2.
            rt.note = "cgroupfs always (runc has no --cgroup-manager=disabled)"
        elif opts.cgroups:
            rt.flags = ["--cgroup-manager=cgroupfs"]
            if rt.name == "crun" and shim:
                rt.env = dict(os.environ, LD_PRELOAD=str(shim))
                rt.note = "LD_PRELOAD memlock_shim.so: setrlimit(RLIMIT_MEMLOCK) is a no-op"
        else:
            rt.flags = ["--cgroup-manager=disabled"]


def version_of(rt):
    if rt.is_floor:
        return "floor.c"
    try:
        out = subprocess.run([rt.path, "--version"], capture_output=True, text=True,
                             timeout=10).stdout
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


# --------------------------------------------------------------------------
# Environment: namespace, cgroup2, tmpfs, floor binary, bundles

def reexec_in_private_mount_ns():
    env = dict(os.environ, **{INNER_ENV: "1"})
    argv = ["unshare", "--mount", "--propagation", "private", "--",
            sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    try:
        os.execvpe("unshare", argv, env)
    except OSError as e:
        sys.exit(f"bench: cannot exec unshare (util-linux): {e}")


def mount_cgroup2(writable):
    """Replace /sys/fs/cgroup (in our private mount namespace only) with one
    cgroup2 mount of the unified hierarchy."""
    if os.path.ismount(CGROUP_ROOT):
        subprocess.run(["umount", "--recursive", str(CGROUP_ROOT)], check=True)
    opt = ("rw" if writable else "ro") + ",nosuid,nodev,noexec"
    subprocess.run(["mount", "-t", "cgroup2", "-o", opt, "cgroup2", str(CGROUP_ROOT)],
                   check=True)


CLONE_NEWNS = 0x00020000
CGROUP2_SUPER_MAGIC = 0x63677270
TMPFS_MAGIC = 0x01021994
CGROUP_SUPER_MAGIC = 0x0027e0eb


class MountNamespaces:
    """The benchmark's mount namespaces, entered with setns(2) around each
    runtime's commands (children inherit it; the harness is single-threaded):

    main  where the script was re-executed (unshare --mount), /sys/fs/cgroup
          one cgroup2 mount, read-only unless a runtime needs it writable: the
          cgroups-off benchmarks;
    v1    the host's cgroup v1 hierarchies. On a hybrid host the cgroup2 mount
          at /sys/fs/cgroup/unified is covered by an empty tmpfs here, because
          crun 1.8.1 refuses hybrid mode: every runtime then sees one legacy
          v1 layout (the container's cgroups are v1 in both layouts). None on
          a host without v1 hierarchies.
    v2    /sys/fs/cgroup one read-write cgroup2 mount, with the controllers
          the unified hierarchy has on this host (cgroup.controllers).

    Each is a copy of main made before main's /sys/fs/cgroup is replaced, so
    every mount made in main before (the tmpfs with the bundles and state
    roots) is in all of them."""

    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fds = {"main": os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)}
        self.current = "main"
        self.notes = {}

    def _call(self, what, rc):
        if rc != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"{what}: {os.strerror(e)}")

    def make(self, name, prepare):
        """A new namespace copied from main, set up by prepare() (which
        returns a note for the header, or None when it cannot be made)."""
        self.enter("main")
        self._call("unshare(CLONE_NEWNS)", self.libc.unshare(CLONE_NEWNS))
        self.current = name
        try:
            note = prepare()
            if note is not None:
                self.fds[name] = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
                self.notes[name] = note
        finally:
            self.current = None
            self.enter("main")
        return name in self.fds

    def enter(self, name):
        if name == self.current:
            return
        self._call(f"setns(mount namespace {name})", self.libc.setns(self.fds[name], CLONE_NEWNS))
        self.current = name

    def close(self):
        if self.current != "main":
            self.enter("main")
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}


def is_cgroup2(path):
    try:
        return fs_magic(path) == CGROUP2_SUPER_MAGIC
    except OSError:
        return False


def fs_magic(path):
    """statfs(2).f_type (os.statvfs has no f_type)."""
    class Statfs(ctypes.Structure):
        _fields_ = [("f_type", ctypes.c_long), ("rest", ctypes.c_byte * 112)]
    buf = Statfs()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.statfs(str(path).encode(), ctypes.byref(buf)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), str(path))
    return buf.f_type


def prepare_cgroup_v1():
    """In the v1 namespace: see MountNamespaces."""
    if is_cgroup2(CGROUP_ROOT) or not (CGROUP_ROOT / "memory").is_dir():
        return None
    unified = CGROUP_ROOT / "unified"
    hid = ""
    if os.path.ismount(unified) and is_cgroup2(unified):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755,size=1m", "ucrun-bench-no-unified",
                        str(unified)], check=True)
        hid = f", the cgroup2 at {unified} hidden (crun refuses hybrid mode)"
    names = sorted(p.name for p in CGROUP_ROOT.iterdir() if os.path.ismount(p) and p != unified)
    return f"v1 hierarchies {','.join(names)}{hid}"


def prepare_cgroup_v2():
    """In the v2 namespace: see MountNamespaces."""
    subprocess.run(["umount", "--recursive", str(CGROUP_ROOT)], check=False,
                   stderr=subprocess.DEVNULL)
    subprocess.run(["mount", "-t", "cgroup2", "-o", "rw,nosuid,nodev,noexec", "cgroup2",
                    str(CGROUP_ROOT)], check=True)
    ctrl = (CGROUP_ROOT / "cgroup.controllers").read_text().split()
    for c in ctrl:  # make them usable in the containers' cgroups
        try:
            (CGROUP_ROOT / "cgroup.subtree_control").write_text(f"+{c}")
        except OSError:
            pass
    return "controllers " + (",".join(ctrl) or "none")


def v1_hierarchies():
    """{hierarchy: files a new cgroup in it needs} of the v1 namespace (call
    inside it): every v1 mount below /sys/fs/cgroup."""
    out = {}
    for p in sorted(CGROUP_ROOT.iterdir()):
        try:
            if not os.path.ismount(p) or fs_magic(p) != CGROUP_SUPER_MAGIC:
                continue
        except OSError:
            continue
        out[p.name] = ({f: (p / f).read_text().strip() for f in ("cpuset.cpus", "cpuset.mems")}
                       if (p / "cpuset.cpus").exists() else {})
    return out


def v2_controllers():
    """Controllers of the v2 namespace's root (call inside it)."""
    return (CGROUP_ROOT / "cgroup.subtree_control").read_text().split()


def cgroup_resources(layout, controllers):
    """linux.resources of a cgroups-on bundle (besides the device rules of
    BASE_CONFIG) and the floor's -c/-w arguments that make the same cgroup,
    for cgroup path P. v1: memory and pids limits (and the floor denies every
    device in the devices hierarchy, as the bundle's rule does). v2: the
    limits of the controllers that exist (on a hybrid host only hugetlb), and
    the floor attaches a deny-all eBPF device program, as the bundle's rule
    makes every runtime do."""
    res, floor = {}, []
    if layout == "v1":
        # controllers: {hierarchy: files to set}. Like every runtime here
        # the floor makes the cgroup in every hierarchy (cpuset: with its
        # parent's cpus and mems, without which no process may join).
        res = {"memory": {"limit": CG_MEMORY}, "pids": {"limit": CG_PIDS}}
        limits = {"memory": {"memory.limit_in_bytes": CG_MEMORY}, "pids": {"pids.max": CG_PIDS},
                  "devices": {"devices.deny": "a"}}
        floor = [(h, {**files, **limits.get(h, {})}, False) for h, files in controllers.items()]
        return res, floor
    files = {}
    if "memory" in controllers:
        res["memory"] = {"limit": CG_MEMORY}
        files["memory.max"] = CG_MEMORY
    if "pids" in controllers:
        res["pids"] = {"limit": CG_PIDS}
        files["pids.max"] = CG_PIDS
    if "hugetlb" in controllers and Path("/sys/kernel/mm/hugepages/hugepages-2048kB").is_dir():
        res["hugepageLimits"] = [{"pageSize": "2MB", "limit": 0}]
        files["hugetlb.2MB.max"] = 0
    return res, [("", files, True)]


def floor_cgroup_args(floor_spec, path):
    """floor's -c DIR -w FILE=VALUE... for the cgroup spec of cgroup_resources()."""
    args = []
    for hierarchy, files, bpf in floor_spec:
        args += ["-c", str(CGROUP_ROOT / hierarchy / path.lstrip("/"))]
        for f, v in files.items():
            args += ["-w", f"{f}={v}"]
        if bpf:
            args += ["-d"]
    return args


def check_cgroup(layout, cid, res):
    """The container cid's cgroup exists, holds a process and has the limits
    of res (v1: memory.limit_in_bytes, pids.max; v2: those that exist)."""
    if layout == "v1":
        checks = {"memory/memory.limit_in_bytes": CG_MEMORY, "pids/pids.max": CG_PIDS}
        procs = CGROUP_ROOT / "memory" / cid / "cgroup.procs"
    else:
        checks = {}
        if "memory" in res:
            checks["memory.max"] = CG_MEMORY
        if "pids" in res:
            checks["pids.max"] = CG_PIDS
        if "hugepageLimits" in res:
            checks["hugetlb.2MB.max"] = 0
        procs = CGROUP_ROOT / cid / "cgroup.procs"
    if not procs.read_text().split():
        raise ValueError(f"no process in {procs}")
    for rel, want in checks.items():
        if layout == "v1":
            hier, f = rel.split("/")
            path = CGROUP_ROOT / hier / cid / f
        else:
            path = CGROUP_ROOT / cid / rel
        got = path.read_text().strip()
        if got != str(want):
            raise ValueError(f"{path} is {got}, not {want}")


def build_memlock_shim(tmp: Path):
    """memlock_shim.c (see there) into tmp; None, and a warning, without a
    C compiler: crun's cgroups-on numbers then fail as they did before."""
    src = HERE / "memlock_shim.c"
    out = tmp / "memlock_shim.so"
    cmd = [os.environ.get("CC", "cc"), "-O2", "-shared", "-fPIC", "-o", str(out), str(src), "-ldl"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"bench: building the RLIMIT_MEMLOCK shim for crun failed: {' '.join(cmd)}\n"
              f"{r.stderr}", file=sys.stderr)
        return None
    return out


def mount_registry_tmpfs():
    """A tmpfs on ucrun's allocation registry, in our mount namespace only:
    the host's registry is neither read nor written by the benchmark."""
    USERNS_REGISTRY.mkdir(mode=0o700, parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=700,size=1m", "ucrun-bench-userns",
                    str(USERNS_REGISTRY)], check=True)


def build_floor(build_dir: Path):
    src = HERE / "floor.c"
    out = build_dir / "floor"
    if out.exists() and out.stat().st_mtime >= src.stat().st_mtime:
        return out
    build_dir.mkdir(parents=True, exist_ok=True)
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-O2", "-static", "-Wall", "-Wextra", "-o", str(out) + ".tmp", str(src)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: building the floor failed: {' '.join(cmd)}\n{r.stderr}")
    os.replace(str(out) + ".tmp", out)
    return out


def make_rootfs(rootfs: Path, busybox: str, owner=None, extra_files=0):
    for d in ("bin", "proc", "dev", "sys", "tmp", "etc"):
        (rootfs / d).mkdir(parents=True)
    shutil.copy2(busybox, rootfs / "bin/busybox")
    for applet in ("true", "sh", "sleep"):
        (rootfs / "bin" / applet).symlink_to("busybox")
    for i in range(extra_files):  # a large image: small files, 100 per directory
        d = rootfs / "usr/share/bench" / f"d{i // 100:04d}"
        if i % 100 == 0:
            d.mkdir(parents=True)
        (d / f"f{i % 100:02d}").write_bytes(b"x" * 64)
    if owner is not None:
        for dirpath, dirnames, filenames in os.walk(rootfs):
            for name in [dirpath] + [os.path.join(dirpath, n) for n in dirnames + filenames]:
                os.lchown(name, owner, owner)


def make_bundle(path: Path, busybox, args, userns=False, no_devices=False, extra_files=0):
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg["process"]["args"] = args
    if userns:
        cfg["linux"]["namespaces"].append({"type": "user"})
        cfg["linux"]["uidMappings"] = USERNS_MAP
        cfg["linux"]["gidMappings"] = USERNS_MAP
    if no_devices:
        del cfg["linux"]["resources"]
    make_rootfs(path / "rootfs", busybox, USERNS_MAP[0]["hostID"] if userns else None, extra_files)
    (path / "config.json").write_text(json.dumps(cfg, indent=2))
    return path


# --------------------------------------------------------------------------
# Statistics

def quantile(xs, q):
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summarize(xs):
    return {"n": len(xs), "median": statistics.median(xs),
            "p10": quantile(xs, 0.10), "p90": quantile(xs, 0.90)}


# --------------------------------------------------------------------------
# The benchmark session

class Bench:
    def __init__(self, opts, runtimes, tmp: Path, floor_bin: Path, ns: MountNamespaces, shim):
        self.opts = opts
        self.runtimes = runtimes
        self.all_runtimes = list(runtimes)  # and the variants made by benchmarks: cleaned up at the end
        self.ns = ns
        self.shim = shim  # crun's RLIMIT_MEMLOCK shim (memlock_shim.c), None if it did not build
        self.tmp = tmp
        self.sp = Spawner(tmp)
        self.prefix = f"ub{os.getpid()}-"  # every container id starts with this
        self.results = {}   # metric -> {"unit", "values": {rt: [...]}, "errors": {rt: msg}}
        self.fake_dirs = []  # scale: copied state dirs, removed before any delete
        self.floor_bin = floor_bin
        bundles = tmp / "bundles"
        bb = opts.busybox
        nodev = opts.no_device_rules
        self.b_true = make_bundle(bundles / "true", bb, ["/bin/true"], no_devices=nodev)
        self.b_sleep = make_bundle(bundles / "sleep", bb, ["/bin/sleep", "100000"],
                                   no_devices=nodev)
        self.b_userns = make_bundle(bundles / "userns", bb, ["/bin/true"], userns=True,
                                    no_devices=nodev)
        self.b_large = None  # run-remap: made when that benchmark runs
        self.cg_notes = {}   # run-cgv1/v2: what the bundles limit, for the header
        self.dev_owners = host_device_owners()  # see main(): restored after every sample
        self.dev_owners_warned = False

    # -- helpers --------------------------------------------------------

    def cid(self, *parts):
        return self.prefix + "-".join(map(str, parts))

    def run_argv(self, rt, cid, userns=False):
        if rt.is_floor:
            b = self.b_userns if userns else self.b_true
            return [rt.path, *rt.flags] + (["-U"] if userns else []) + [str(b / "rootfs"), "/bin/true"]
        return rt.cmd("run", "--bundle", self.b_userns if userns else self.b_true, cid)

    def leftovers(self, rt):
        # ucrun keeps its userns allocation registry in <root>/.userns, not a
        # container (no container id starts with a dot)
        return [] if not rt.has_containers else sorted(n for n in os.listdir(rt.root) if not n.startswith("."))

    def delete_leftovers(self, rt):
        """Delete containers left in rt's root (a runtime whose `run` keeps
        the container). Returns seconds spent."""
        t = 0.0
        for name in self.leftovers(rt):
            t += self.sp.timed(rt.cmd("delete", "--force", name))[0]
        return t

    def record(self, metric, unit, rt, value):
        r = self.results.setdefault(metric, {"unit": unit, "values": {}, "errors": {}})
        r["values"].setdefault(rt.name, []).append(value)

    def fail(self, metrics, unit, rt, err):
        for m in metrics:
            r = self.results.setdefault(m, {"unit": unit, "values": {}, "errors": {}})
            r["values"].pop(rt.name, None)
            r["errors"][rt.name] = getattr(err, "short", str(err))
        print(f"  {rt.name}: FAILED: {err}", file=sys.stderr)

    def interleave(self, name, metrics, unit, sample, runtimes, samples, warmup=True,
                   setup=None, teardown=None):
        """Measure sample(rt, i) -> {metric: value} for every runtime,
        interleaved: round i runs the runtimes in an order rotated by i."""
        print(f"bench: {name} ({samples} samples, {', '.join(r.name for r in runtimes)})",
              file=sys.stderr, flush=True)
        live = []
        self.all_runtimes += [rt for rt in runtimes if rt not in self.all_runtimes]
        for rt in runtimes:
            self.ns.enter(rt.ns)
            try:
                if setup:
                    setup(rt)
                if warmup:
                    sample(rt, "w")
                live.append(rt)
            except (CommandFailed, TimeoutError) as e:
                self.fail(metrics, unit, rt, e)
                self.cleanup_runtime(rt)
            reap_orphans()
            self.dev_owners_warned |= restore_device_owners(self.dev_owners, quiet=self.dev_owners_warned)
        for i in range(samples):
            k = i % len(live) if live else 0
            for rt in live[k:] + live[:k]:
                if rt.name in self.results.get(metrics[0], {}).get("errors", {}):
                    continue
                self.ns.enter(rt.ns)
                try:
                    for m, v in sample(rt, i).items():
                        self.record(m, unit, rt, v)
                except (CommandFailed, TimeoutError) as e:
                    self.fail(metrics, unit, rt, e)
                    self.cleanup_runtime(rt)
                reap_orphans()
                # crun's chown of the host's /dev/null (main()) undone at
                # once, not at the end: on a shared machine other people's
                # tests look at those nodes meanwhile.
                self.dev_owners_warned |= restore_device_owners(self.dev_owners, quiet=self.dev_owners_warned)
        for rt in live:
            self.ns.enter(rt.ns)
            try:
                if teardown:
                    teardown(rt)
            finally:
                self.cleanup_runtime(rt)
        self.ns.enter("main")

    def cleanup_runtime(self, rt):
        """Remove every container in rt's root, whatever state it is in."""
        if not rt.has_containers:
            return
        self.ns.enter(rt.ns)
        for d in self.fake_dirs:
            if d.parent == rt.root:
                shutil.rmtree(d, ignore_errors=True)
        self.fake_dirs = [d for d in self.fake_dirs if d.parent != rt.root]
        for name in self.leftovers(rt):
            pid = None
            try:
                st = json.loads(self.sp.run(rt.cmd("state", name), capture=True))
                pid = st.get("pid") or None
            except (CommandFailed, ValueError):
                pass
            try:
                self.sp.run(rt.cmd("delete", "--force", name))
            except CommandFailed as e:
                print(f"bench: cleanup: {e}", file=sys.stderr)
            if pid:
                # A process we started through this runtime; make sure it is
                # gone even if the runtime could not delete it.
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    wait_gone(pid, timeout=5)
                except TimeoutError as e:
                    print(f"bench: cleanup: {e}", file=sys.stderr)
            if (rt.root / name).exists():
                shutil.rmtree(rt.root / name, ignore_errors=True)
        reap_orphans()

    # -- benchmarks -----------------------------------------------------

    def bench_run(self, userns=False):
        metric = "run-userns" if userns else "run"

        def sample(rt, i):
            t = self.sp.timed(self.run_argv(rt, self.cid(metric, i), userns))[0]
            self.delete_leftovers(rt)
            return {metric: t * 1e3}
        self.interleave(metric, [metric], "ms", sample, self.runtimes, self.opts.samples)

    def bench_remap(self):
        """ucrun --userns-remap=default running /bin/true from a bundle
        without a user namespace, small and large rootfs, against ucrun
        running the user-namespace bundle, interleaved round by round. Other
        runtimes have no remap: n/a."""
        ucrun = next((rt for rt in self.runtimes if rt.name == "ucrun"), None)
        if ucrun is None:
            print("bench: run-remap skipped: ucrun is not measured", file=sys.stderr)
            return
        if self.b_large is None:
            t0 = time.monotonic()
            self.b_large = make_bundle(self.tmp / "bundles" / "large", self.opts.busybox, ["/bin/true"],
                                       no_devices=self.opts.no_device_rules,
                                       extra_files=self.opts.large_files)
            print(f"bench: large rootfs: {self.opts.large_files} extra files "
                  f"({time.monotonic() - t0:.1f}s to make)", file=sys.stderr)
        # Numbers of a remap that did not happen would mean nothing: check
        # that root in such a container is a non-zero host uid.
        probe = make_bundle(self.tmp / "bundles" / "remap-probe", self.opts.busybox,
                            ["/bin/sh", "-c", "read a b c < /proc/self/uid_map; echo $a $b $c"],
                            no_devices=self.opts.no_device_rules)
        metrics = ["run-remap-ref", "run-remap", "run-remap-large"]
        try:
            out = self.sp.run(ucrun.cmd(REMAP_FLAG, "run", "--bundle", probe, self.cid("remap-probe")),
                              capture=True).split()
            self.delete_leftovers(ucrun)
        except CommandFailed as e:
            self.fail(metrics, "ms", ucrun, e)
            self.cleanup_runtime(ucrun)
            return
        if len(out) != 3 or out[0] != "0" or out[1] == "0":
            self.fail(metrics, "ms", ucrun, f"{REMAP_FLAG} not in effect: uid_map {' '.join(out)}")
            return
        print(f"bench: remapped uid_map: {' '.join(out)}", file=sys.stderr)
        variants = {  # metric -> (extra global flags, bundle)
            "run-remap-ref": ([], self.b_userns),
            "run-remap": ([REMAP_FLAG], self.b_true),
            "run-remap-large": ([REMAP_FLAG], self.b_large),
        }
        rts = [Runtime(ucrun.name, ucrun.path, ucrun.root, ucrun.flags + flags, ucrun.note, variant=m)
               for m, (flags, _) in variants.items()]

        def sample(rt, i):
            bundle = variants[rt.variant][1]
            t = self.sp.timed(rt.cmd("run", "--bundle", bundle, self.cid(rt.variant, i)))[0]
            self.delete_leftovers(rt)
            return {rt.variant: t * 1e3}
        self.interleave("run-remap (ucrun only: userns bundle, remap, remap of a large rootfs)",
                        metrics, "ms", sample, rts, self.opts.samples)

    def bench_rootless(self):
        """run of /bin/true as an ordinary user (issue 13 item 7): ucrun and
        crun, rootless, each with its own state root owned by that user, a
        bundle mapping the user's own ids (ucrun spec --rootless), no
        cgroups. Its ratio to crun is read against run's."""
        import pwd
        pw = pwd.getpwnam(self.opts.rootless_user)
        rts = [rt for rt in self.runtimes if rt.name in ("ucrun", "crun", "runc")]
        if not rts:
            print("bench: run-rootless skipped: no runtime that runs rootless", file=sys.stderr)
            return
        own = [{"containerID": 0, "hostID": pw.pw_uid, "size": 1}]
        cfg = copy.deepcopy(BASE_CONFIG)
        cfg["process"]["args"] = ["/bin/true"]
        cfg["linux"]["namespaces"].append({"type": "user"})
        cfg["linux"]["uidMappings"] = own
        cfg["linux"]["gidMappings"] = [dict(own[0], hostID=pw.pw_gid)]
        cfg["linux"].pop("resources", None)  # no cgroup to put them in
        for m in cfg["mounts"]:  # as runc's ToRootless: ids that are not mapped
            m["options"] = [o for o in m.get("options", []) if not o.startswith(("uid=", "gid="))]
        b = self.tmp / "bundles" / "rootless"
        make_rootfs(b / "rootfs", self.opts.busybox)
        (b / "config.json").write_text(json.dumps(cfg, indent=2))
        env = {"PATH": "/usr/bin:/bin", "HOME": "/", "XDG_RUNTIME_DIR": str(self.tmp / "rootless-xdg")}
        user = (pw.pw_uid, pw.pw_gid, env)
        mine = []
        for rt in rts:
            root = self.tmp / "roots" / f"{rt.name}-rootless"
            root.mkdir(parents=True)
            os.chown(root, pw.pw_uid, pw.pw_gid)
            mine.append(Runtime(rt.name, rt.path, root, ["--cgroup-manager=disabled"] if rt.name != "runc" else [],
                                rt.note, variant="rootless"))

        def sample(rt, i):
            t = self.sp.timed(rt.cmd("run", "--bundle", b, self.cid("rootless", i)), user=user)[0]
            for name in self.leftovers(rt):  # as the user: its containers
                self.sp.timed(rt.cmd("delete", "--force", name), user=user)
            return {"run-rootless": t * 1e3}
        self.interleave(f"run-rootless (as {pw.pw_name})", ["run-rootless"], "ms", sample, mine, self.opts.samples)

    def bench_lifecycle(self):
        metrics = ["create", "start", "state", "kill", "delete"]

        def sample(rt, i):
            c = self.cid("lc", i)
            t = {}
            t["create"] = self.sp.timed(rt.cmd("create", "--bundle", self.b_sleep, c))[0]
            t["start"] = self.sp.timed(rt.cmd("start", c))[0]
            t["state"], out = self.sp.timed(rt.cmd("state", c), capture=True)
            pid = json.loads(out)["pid"]
            t["kill"] = self.sp.timed(rt.cmd("kill", c, "KILL"))[0]
            wait_gone(pid)
            t["delete"] = self.sp.timed(rt.cmd("delete", c))[0]
            return {m: v * 1e3 for m, v in t.items()}
        self.interleave("create/start/state/kill/delete", metrics, "ms", sample,
                        self.containers(), self.opts.samples)

    def containers(self):
        return [rt for rt in self.runtimes if not rt.is_floor]

    def start_sleeper(self, rt, cid):
        self.sp.run(rt.cmd("run", "--detach", "--bundle", self.b_sleep, cid))

    def bench_exec(self, idle=0.0):
        """exec of /bin/true into one running sleep container per runtime,
        and, into the subject's container (ucrun's), the floor (floor -e PID:
        setns into its ipc, uts, net, pid and mount namespaces, fork, execve)
        and nsenter -t PID -i -u -n -p -m. Each sample also measures the peak
        RSS of one more such exec (rss-exec, /usr/bin/time).
        idle > 0 (exec-cold): the containers have cgroups (v1 namespace, as
        engines run them), and each sample comes after `idle` seconds
        without any command; no RSS. The floor joins the container's
        cgroups as ucrun does (floor.c -e); nsenter joins none."""
        metric = "exec-cold" if idle else "exec"

        def target(rt):  # with cgroups, one of its own per runtime (the default path is the id)
            return self.cid(metric, rt.name) if idle else self.cid(metric)
        rts = [rt for rt in self.cg_runtimes("v1") if not rt.is_floor] if idle else self.containers()
        subj = next((rt for rt in rts if rt.name == self.subject()), rts[0] if rts else None)
        if subj is None:
            return
        rts = [subj] + [rt for rt in rts if rt is not subj]  # set up first: the floors enter it
        floor = next((rt for rt in self.runtimes if rt.name == "floor"), None)
        if floor:
            rts.append(floor)
            nsenter = shutil.which("nsenter")
            if nsenter:
                rts.append(Runtime("nsenter", nsenter))
        pids = {}
        timer = os.access("/usr/bin/time", os.X_OK) and not idle
        rss_out = self.tmp / "time-exec.out"

        def setup(rt):
            if rt.has_containers:
                self.start_sleeper(rt, target(rt))
            if rt is subj:
                pids["target"] = json.loads(self.sp.run(rt.cmd("state", target(rt)), capture=True))["pid"]

        def argv(rt):
            pid = str(pids["target"])
            if rt.is_floor:
                return [rt.path, "-e", pid, "/bin/true"]
            if rt.name == "nsenter":
                return [rt.path, "-t", pid, "-i", "-u", "-n", "-p", "-m", "/bin/true"]
            return rt.cmd("exec", target(rt), "/bin/true")

        def sample(rt, i):
            if idle:
                time.sleep(idle)
            out = {metric: self.sp.timed(argv(rt))[0] * 1e3}
            if timer:
                self.sp.run(Cmd(["/usr/bin/time", "-f", "%M", "-o", str(rss_out), *argv(rt)],
                                getattr(argv(rt), "env", None)))
                out["rss-exec"] = int(rss_out.read_text().split()[-1])
            return out
        names = ", ".join(rt.name for rt in rts[-2:] if not rt.has_containers)
        what = f"exec after {idle * 1e3:.0f} ms idle, cgroups on (v1)" if idle else "exec (and its peak RSS)"
        self.interleave(f"{what}{'; ' + names + ' into ' + subj.name + chr(39) + 's container' if names else ''}",
                        [metric, "rss-exec"] if timer else [metric], "ms", sample, rts,
                        self.opts.samples, setup=setup)
        if "rss-exec" in self.results:
            self.results["rss-exec"]["unit"] = "KiB"

    def cg_runtimes(self, layout):
        """The runtimes with cgroups on, in namespace `layout` (v1, v2), each
        with a state root of its own. crun gets the RLIMIT_MEMLOCK shim."""
        out = []
        for rt in self.runtimes:
            if rt.name == "floor-spec":
                continue  # its cgroup mount is v2's only: not the same work in the v1 namespace
            if rt.is_floor:
                out.append(Runtime(rt.name, rt.path, ns=layout, variant=layout))
                continue
            root = self.tmp / "roots" / f"{rt.name}-cg{layout}"
            root.mkdir(parents=True, exist_ok=True)
            flags = [] if rt.name == "runc" else ["--cgroup-manager=cgroupfs"]
            env, note = None, rt.note
            if rt.name == "crun" and self.shim:
                env = dict(os.environ, LD_PRELOAD=str(self.shim))
                note = "LD_PRELOAD memlock_shim.so: setrlimit(RLIMIT_MEMLOCK) is a no-op"
            out.append(Runtime(rt.name, rt.path, root, flags, note, variant=layout, env=env, ns=layout))
        return out

    def bench_run_cg(self, layout, idle=0.0):
        """run of /bin/true with cgroups on, as engines run it: a cgroupsPath
        of its own per container and limits (cgroup_resources()), in the v1 or
        v2 namespace; the floor makes the same cgroup (floor -c ... -w ...).
        idle > 0 (run-cg<layout>-cold): each sample after `idle` seconds
        without any command, as containers mostly start on a real host: the
        kernel's locks and caches are not warm from the previous run (a write
        of a pid to cgroup.procs waits for an RCU grace period then)."""
        metric = f"run-cg{layout}" + ("-cold" if idle else "")
        if layout not in self.ns.fds:
            print(f"bench: {metric} skipped: no cgroup {layout} on this host", file=sys.stderr)
            return
        self.ns.enter(layout)
        controllers = v2_controllers() if layout == "v2" else v1_hierarchies()
        self.ns.enter("main")
        res, floor_spec = cgroup_resources(layout, controllers)
        cfg = copy.deepcopy(BASE_CONFIG)
        if self.opts.no_device_rules:
            del cfg["linux"]["resources"]["devices"]
            floor_spec = [(h, {f: v for f, v in files.items() if not f.startswith("devices.")}, False)
                          for h, files, _ in floor_spec if h != "devices"]
        cfg["linux"]["resources"].update(res)
        bundle = self.tmp / "bundles" / metric
        make_rootfs(bundle / "rootfs", self.opts.busybox)
        limits = ", ".join(f"{k}={json.dumps(v)}" for k, v in res.items()) or "none"
        self.cg_notes[layout] = f"limits {limits}"

        def write_config(cid, args):
            c = copy.deepcopy(cfg)
            c["process"]["args"] = args
            c["linux"]["cgroupsPath"] = "/" + cid
            (bundle / "config.json").write_text(json.dumps(c))

        def setup(rt):
            """Check that the runtime really made the cgroup with the limits
            (numbers of a run without them would mean nothing)."""
            if rt.is_floor:
                return
            cid = self.cid(metric, "probe")
            write_config(cid, ["/bin/sleep", "100000"])
            self.sp.run(rt.cmd("run", "--detach", "--bundle", bundle, cid))
            try:
                check_cgroup(layout, cid, res)
            except (OSError, ValueError) as e:
                raise CommandFailed(["cgroup check"], None, f"{rt.name}: {e}") from None
            finally:
                self.cleanup_runtime(rt)

        def sample(rt, i):
            cid = self.cid(metric, i)
            if rt.is_floor:
                argv = [rt.path, *floor_cgroup_args(floor_spec, cid), str(bundle / "rootfs"), "/bin/true"]
            else:
                write_config(cid, ["/bin/true"])
                argv = rt.cmd("run", "--bundle", bundle, cid)
            if idle:
                time.sleep(idle)
            t = self.sp.timed(argv)[0]
            self.delete_leftovers(rt)
            return {metric: t * 1e3}
        self.interleave(f"{metric} (cgroups on, cgroup {layout}{f', after {idle * 1e3:.0f} ms idle' if idle else ''})",
                        [metric], "ms", sample,
                        self.cg_runtimes(layout), self.opts.samples, setup=setup)

    def bench_seq(self):
        n = self.opts.batch

        def sample(rt, i):
            t = 0.0
            for j in range(n):
                t += self.sp.timed(self.run_argv(rt, self.cid("seq", i, j)))[0]
                t += self.delete_leftovers(rt)
            return {f"seq{n}": t}
        self.interleave(f"{n} containers back to back", [f"seq{n}"], "s", sample,
                        self.runtimes, self.opts.batch_samples, warmup=False)

    def bench_par(self):
        n, width = self.opts.batch, 4

        def sample(rt, i):
            cmds = [self.run_argv(rt, self.cid("par", i, j)) for j in range(n)]
            t = self.sp.parallel(cmds, width)
            self.delete_leftovers(rt)
            return {f"par{width}x{n}": t}
        self.interleave(f"{n} containers, {width} in parallel", [f"par{width}x{n}"], "s",
                        sample, self.runtimes, self.opts.batch_samples, warmup=False)

    def bench_rss(self):
        out = self.tmp / "time.out"

        def sample(rt, i):
            argv = ["/usr/bin/time", "-f", "%M", "-o", str(out),
                    *self.run_argv(rt, self.cid("rss", i))]
            self.sp.run(argv)
            self.delete_leftovers(rt)
            return {"rss": int(out.read_text().split()[-1])}
        if not os.access("/usr/bin/time", os.X_OK):
            print("bench: rss skipped: /usr/bin/time missing (apt-get install time)",
                  file=sys.stderr)
            return
        self.interleave("peak RSS of run", ["rss"], "KiB", sample, self.runtimes,
                        self.opts.samples)

    def bench_size(self):
        print("bench: binary sizes", file=sys.stderr)
        for rt in self.runtimes:
            if rt.name == "floor-spec":
                continue  # the floor's binary
            files = [os.path.realpath(rt.path)]
            r = subprocess.run(["ldd", rt.path], capture_output=True, text=True)
            for line in r.stdout.splitlines():
                parts = line.split()
                path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
                if path.startswith("/"):
                    files.append(os.path.realpath(path))
            sizes = {f: os.path.getsize(f) for f in dict.fromkeys(files)}
            libs = sum(sizes.values()) - sizes[files[0]]
            self.record("size", "KiB", rt, sizes[files[0]] / 1024)
            self.record("size+libs", "KiB", rt, (sizes[files[0]] + libs) / 1024)
            self.results["size+libs"].setdefault("detail", {})[rt.name] = sizes

    def bench_scale(self):
        n = self.opts.scale_copies
        real = self.cid("scale", 0)
        probe = self.cid("scale", n // 2)

        def setup(rt):
            self.sp.run(rt.cmd("create", "--bundle", self.b_sleep, real))
            if self.opts.scale_real:
                for j in range(1, n):
                    self.sp.run(rt.cmd("create", "--bundle", self.b_sleep, self.cid("scale", j)))
                return
            src = rt.root / real
            if not src.is_dir():
                raise CommandFailed(["scale"], None,
                                    f"{rt.name} keeps no directory {src}; cannot copy state")
            for j in range(1, n):
                self.fake_dirs.append(copy_state_dir(src, rt.root / self.cid("scale", j),
                                                     real, self.cid("scale", j)))
            st = json.loads(self.sp.run(rt.cmd("state", probe), capture=True))
            listed = self.sp.run(rt.cmd("list", "--quiet"), capture=True).split()
            if st.get("status") != "created" or len(listed) != n:
                raise CommandFailed(["scale"], None,
                                    f"{rt.name}: copied state not accepted "
                                    f"(state: {st.get('status')}, list: {len(listed)})")

        def sample(rt, i):
            return {"scale-state": self.sp.timed(rt.cmd("state", probe))[0] * 1e3,
                    "scale-list": self.sp.timed(rt.cmd("list"))[0] * 1e3}
        self.interleave(f"state/list with {n} containers in the root",
                        ["scale-state", "scale-list"], "ms", sample, self.containers(),
                        self.opts.samples, setup=setup)

    def bench_atscale(self):
        """--scale N (issue 17 item 5): N real running containers (`run
        --detach` of the sleep bundle, cgroups off), one runtime after the
        other (each holds N containers; not interleaved). Measures create
        (run --detach) over the first 10 and the last 10, `list` and `state`
        at 10 and at N, what the runtime itself keeps per running container
        (its processes left, their RSS; its state on the tmpfs), and seq/par4
        batches of `run` at N. (The host's MemAvailable per container is not
        reported: other work on a shared machine moves it by more.)
        Removes every container with `delete --force` at the end."""
        n = self.opts.scale
        k = min(10, n)
        for rt in self.containers():
            self.ns.enter(rt.ns)
            try:
                self._atscale(rt, n, k)
            except (CommandFailed, TimeoutError, OSError) as e:
                self.fail([m for m in self.results if m.startswith("atscale-")] or ["atscale-list@N"],
                          "ms", rt, e)
            finally:
                t0 = time.monotonic()
                self.cleanup_runtime(rt)
                print(f"bench: at scale: {rt.name}: removed everything in "
                      f"{time.monotonic() - t0:.1f}s", file=sys.stderr, flush=True)
                self.ns.enter("main")

    def _atscale(self, rt, n, k):
        ids = [self.cid("atscale", j) for j in range(n)]

        def create(j, metric):
            t = self.sp.timed(rt.cmd("run", "--detach", "--bundle", self.b_sleep, ids[j]))[0]
            if metric:
                self.record(metric, "ms", rt, t * 1e3)
            reap_orphans()

        def list_state(at):
            for i in range(self.opts.samples):
                probe = ids[(i * 7919) % len(done)]
                self.record(f"atscale-state@{at}", "ms", rt, self.sp.timed(rt.cmd("state", probe))[0] * 1e3)
                self.record(f"atscale-list@{at}", "ms", rt, self.sp.timed(rt.cmd("list"))[0] * 1e3)
            listed = self.sp.run(rt.cmd("list", "--quiet"), capture=True).split()
            if len([c for c in listed if c.startswith(self.prefix + "atscale")]) != len(done):
                raise CommandFailed(["list"], None, f"{rt.name} lists {len(listed)} containers, not {len(done)}")

        print(f"bench: at scale: {rt.name}: starting {n} containers", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        done = []
        for j in range(n):
            create(j, f"atscale-create@{k}" if j < k else f"atscale-create@{n}" if j >= n - k else None)
            done.append(ids[j])
            if j + 1 == k:
                list_state(k)
        print(f"bench: at scale: {rt.name}: {n} running after {time.monotonic() - t0:.1f}s",
              file=sys.stderr, flush=True)
        list_state(n)
        procs, rss = runtime_processes(rt.path)
        self.record("atscale-runtime-procs", "n", rt, procs)
        self.record("atscale-runtime-KiB/ctr", "KiB", rt, rss / n)
        self.record("atscale-state-KiB/ctr", "KiB", rt, tree_kib(rt.root) / n)
        b = self.opts.batch
        for width in (1, 4):
            cmds = [self.run_argv(rt, self.cid("atscale-b", width, j)) for j in range(b)]
            self.record(f"atscale-par{width}x{b}", "s", rt, self.sp.parallel(cmds, width))
            for name in self.leftovers(rt):  # what run left (ucrun removes it; some do not)
                if "atscale-b" in name:
                    self.sp.run(rt.cmd("delete", "--force", name))
            reap_orphans()

    # -- report ---------------------------------------------------------

    def subject(self):
        names = [rt.name for rt in self.runtimes]
        if self.opts.subject:
            return self.opts.subject
        return "ucrun" if "ucrun" in names else next((n for n in names if n not in FLOORS),
                                                     names[0])

    def names(self):
        """Every runtime name with results, in table order (nsenter: exec)."""
        names = [rt.name for rt in self.runtimes]
        for r in self.results.values():
            names += [n for n in list(r["values"]) + list(r["errors"]) if n not in names]
        return names

    def report(self):
        subj = self.subject()
        names = self.names()
        others = [n for n in names if n != subj]
        lines = []
        stats = {}
        w = max([len(f"{m} [{r['unit']}]") for m, r in self.results.items()] + [16])
        lines.append(f"{'benchmark':<{w}}  {'runtime':<7} {'median':>10} "
                     f"{'p10':>10} {'p90':>10} {'n':>4}")
        for metric, r in self.results.items():
            stats[metric] = {}
            first = True
            for name in names:
                label = f"{metric} [{r['unit']}]" if first else ""
                if name in r["values"]:
                    s = summarize(r["values"][name])
                    stats[metric][name] = s
                    lines.append(f"{label:<{w}}  {name:<7} {fmt(s['median']):>10} "
                                 f"{fmt(s['p10']):>10} {fmt(s['p90']):>10} {s['n']:>4}")
                elif name in r["errors"]:
                    lines.append(f"{label:<{w}}  {name:<7} FAILED: "
                                 f"{r['errors'][name][:100]}")
                else:
                    continue
                first = False
        ratios = {}
        rows = []
        for metric in self.results:
            s = stats[metric]
            if subj not in s or not any(o in s for o in others):
                continue
            ratios[metric] = {o: s[subj]["median"] / s[o]["median"]
                              for o in others if o in s and s[o]["median"] > 0}
            cells = " ".join(f"{fmt_ratio(ratios[metric].get(o)):>12}" for o in others)
            rows.append(f"{metric:<{w}}  {cells}   {self.verdict(metric, subj, ratios, s)}")
        if rows:
            lines.append("")
            lines.append(f"{'ratio of medians':<{w}}  "
                         + " ".join(f"{subj + '/' + o:>12}" for o in others) + "   target")
            lines += rows
        remap_rows = []
        for metric, (ref, limit) in REMAP_TARGETS.items():
            a, b = stats.get(metric, {}).get("ucrun"), stats.get(ref, {}).get("ucrun")
            if a and b and b["median"] > 0:
                r = a["median"] / b["median"]
                ratios.setdefault(metric, {})[ref] = r
                remap_rows.append(f"{metric + '/' + ref:<32} {fmt_ratio(r):>6}   "
                                  f"<={limit}x {'ok' if r <= limit else 'MISSED'}")
        if remap_rows:
            lines.append("")
            lines.append(f"{'remap (ucrun, same rounds)':<32} {'ratio':>6}   target")
            lines += remap_rows
        lines += self.scale_report(stats, names)
        return "\n".join(lines), stats, ratios

    def scale_report(self, stats, names):
        """--scale: each runtime against itself, at N and at 10."""
        n, k, b = self.opts.scale, min(10, self.opts.scale), self.opts.batch
        if not n or f"atscale-list@{n}" not in stats:
            return []
        rows = [(f"list@{n}/list@{k}", f"atscale-list@{n}", f"atscale-list@{k}", 2.0),
                (f"state@{n}/state@{k}", f"atscale-state@{n}", f"atscale-state@{k}", 2.0),
                (f"create@{n}/create@{k}", f"atscale-create@{n}", f"atscale-create@{k}", 1.2),
                (f"par1x{b}/par4x{b} (speedup)", f"atscale-par1x{b}", f"atscale-par4x{b}", None)]
        out = ["", f"{'at scale (' + str(n) + ' running)':<28} "
               + " ".join(f"{x:>9}" for x in names if x in stats[f"atscale-list@{n}"]) + "   target (ucrun)"]
        for label, a, c, limit in rows:
            cells, verdict = [], ""
            for x in names:
                if x not in stats[f"atscale-list@{n}"]:
                    continue
                sa, sc = stats.get(a, {}).get(x), stats.get(c, {}).get(x)
                r = sa["median"] / sc["median"] if sa and sc and sc["median"] > 0 else None
                cells.append(f"{fmt_ratio(r):>9}")
                if x == "ucrun" and r is not None:
                    if limit:
                        verdict = f"<={limit}x {'ok' if r <= limit else 'MISSED'}"
                    else:
                        best = min(4, os.cpu_count() or 1)
                        verdict = f"scales with cores: up to {best}x on {os.cpu_count()} CPUs"
            out.append(f"{label:<28} {' '.join(cells)}   {verdict}")
        procs = stats.get("atscale-runtime-procs", {}).get("ucrun")
        if procs is not None:
            out.append(f"{'ucrun processes left':<28} {procs['median']:>9.0f}   0 "
                       f"{'ok' if procs['median'] == 0 else 'MISSED'}")
        return out

    @staticmethod
    def verdict(metric, subj, ratios, s=None):
        out = []
        limit = ABS_TARGETS.get(metric)
        if limit is not None and s and subj in s:
            ok = s[subj]["median"] <= limit[0]
            out.append(f"<={limit[0]} {limit[1]}" + (f" {'ok' if ok else 'MISSED'}" if subj == "ucrun" else ""))
        for other, limit in TARGETS.get(metric, []):
            r = ratios[metric].get(other)
            if subj != "ucrun" or r is None:
                out.append(f"<={limit}x {other}")
            else:
                out.append(f"<={limit}x {other} {'ok' if r <= limit else 'MISSED'}")
        return ", ".join(out)


def copy_state_dir(src: Path, dst: Path, old_id, new_id):
    """A fake container for the scale benchmark: src's state files with the
    id replaced. FIFOs are made anew (copying one would block)."""
    dst.mkdir(mode=src.stat().st_mode & 0o7777)
    for entry in os.scandir(src):
        target = dst / entry.name
        st = entry.stat(follow_symlinks=False)
        if entry.is_file(follow_symlinks=False):
            data = Path(entry.path).read_bytes().replace(old_id.encode(), new_id.encode())
            target.write_bytes(data)
            os.chmod(target, st.st_mode & 0o7777)
        elif entry.is_dir(follow_symlinks=False):
            copy_state_dir(Path(entry.path), target, old_id, new_id)
        elif entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif stat.S_ISFIFO(st.st_mode):
            os.mkfifo(target, st.st_mode & 0o7777)
    return dst


def runtime_processes(path):
    """Processes running the runtime binary `path` (for ucrun: none is left
    once create or run --detach has returned), and their RSS in KiB."""
    real = os.path.realpath(path)
    count, rss = 0, 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry.name}/exe") != real:
                continue
            with open(f"/proc/{entry.name}/status") as f:
                vm = [ln for ln in f if ln.startswith("VmRSS:")]
        except OSError:
            continue
        count += 1
        rss += int(vm[0].split()[1]) if vm else 0
    return count, rss


def tree_kib(root: Path):
    """Space the files below root take (st_blocks), in KiB."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [dirpath] + [os.path.join(dirpath, n) for n in filenames]:
            try:
                total += os.lstat(name).st_blocks * 512
            except OSError:
                pass
    return total / 1024


def fs_type(path: Path):
    """The type of the file system holding path (findmnt, util-linux)."""
    r = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", str(path)], capture_output=True, text=True)
    return r.stdout.strip() or "?"


def fmt(v):
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}"


# --------------------------------------------------------------------------

ALL = ["run", "run-userns", "run-cg", "run-remap", "run-rootless", "lifecycle", "exec", "cold", "seq", "par", "rss",
       "size", "scale"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="few samples: a smoke test (CI)")
    p.add_argument("--samples", type=int, help="samples per single-command benchmark "
                   "(default 30, 5 with --quick)")
    p.add_argument("--batch", type=int,
                   help="containers per back-to-back/parallel sample (default 100, 10 with --quick)")
    p.add_argument("--batch-samples", type=int,
                   help="samples of the batch benchmarks (default 5, 1 with --quick)")
    p.add_argument("--scale", type=int, default=0, metavar="N",
                   help="also run the at-scale benchmark with N running containers per "
                   "runtime (off by default; the issue's figure is 1000)")
    p.add_argument("--scale-copies", type=int,
                   help="containers in the root for the scale benchmark (copies of one; "
                   "default 1000, 100 with --quick)")
    p.add_argument("--scale-real", action="store_true",
                   help="scale: create real containers instead of copying the state "
                   "directory of one (slow; one process per container)")
    p.add_argument("--only", help="comma-separated benchmarks: " + ",".join(ALL))
    p.add_argument("--runtimes", help="comma-separated NAME or NAME=PATH "
                   "(default: ucrun, runc, crun if found, and floor)")
    p.add_argument("--ucrun", help="ucrun binary (default $UCRUN or build/src/cli/ucrun)")
    p.add_argument("--subject", help="runtime the ratios are computed for "
                   "(default ucrun, else the first runtime found)")
    p.add_argument("--cgroups", action="store_true",
                   help="every benchmark with cgroups on (--cgroup-manager=cgroupfs) where "
                   "supported, on the cgroup2 mount; run-cgv1/run-cgv2 have them on anyway")
    p.add_argument("--idle", type=float, default=0.25,
                   help="cold: seconds without any command before each sample (default 0.25)")
    p.add_argument("--no-device-rules", action="store_true",
                   help="leave linux.resources.devices out of the bundles")
    p.add_argument("--large-files", type=int,
                   help=f"run-remap: files added to the large rootfs (default {LARGE_FILES}, "
                   f"{LARGE_FILES // 10} with --quick)")
    p.add_argument("--host-registry", action="store_true",
                   help="run-remap: use the host's userns allocation registry (/run/ucrun/.userns) "
                   "instead of a tmpfs over it in the benchmark's mount namespace")
    p.add_argument("--rootless-user", default="nobody",
                   help="run-rootless: the ordinary user the runtimes run as (default nobody)")
    p.add_argument("--busybox", default="/bin/busybox", help="static busybox")
    p.add_argument("--build-dir", default=str(REPO / "build-bench"),
                   help="where the floor binary is built and cached")
    p.add_argument("--json", help="also write all samples and statistics here")
    opts = p.parse_args()
    if opts.samples is None:
        opts.samples = 5 if opts.quick else 30
    if opts.batch_samples is None:
        opts.batch_samples = 1 if opts.quick else 5
    if opts.batch is None:
        opts.batch = 10 if opts.quick else 100
    if opts.scale_copies is None:
        opts.scale_copies = 100 if opts.quick else 1000
    if opts.large_files is None:
        opts.large_files = LARGE_FILES // 10 if opts.quick else LARGE_FILES
    aliases = {m: "lifecycle" for m in ("create", "start", "state", "kill", "delete")}
    aliases.update({"run-cgv1": "run-cg", "run-cgv2": "run-cg", "cgroups": "run-cg",
                    "rss-exec": "exec", "run-cgv1-cold": "cold", "run-cgv2-cold": "cold",
                    "exec-cold": "cold"})
    aliases.update({"userns": "run-userns", "seq100": "seq", "par4": "par", "list": "scale",
                    "remap": "run-remap", "rootless": "run-rootless", "run-remap-large": "run-remap", "run-remap-ref": "run-remap"})
    opts.only = [aliases.get(n, n) for n in opts.only.split(",")] if opts.only else ALL
    unknown = set(opts.only) - set(ALL)
    if unknown:
        p.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; known: {', '.join(ALL)}")
    return opts


def on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def spawn_overhead(sp):
    true = shutil.which("true")
    times = [sp.timed([true])[0] for _ in range(60)][10:]  # 10 warm-up runs
    return statistics.median(times) * 1e3


def main():
    opts = parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: must run as root")
    if not os.environ.get(INNER_ENV):
        reexec_in_private_mount_ns()  # does not return
    if not os.path.isfile(opts.busybox):
        sys.exit(f"bench: no busybox at {opts.busybox}")
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    runtimes = find_runtimes(opts)
    if not runtimes:
        sys.exit("bench: no runtime to measure")
    floor_bin = build_floor(Path(opts.build_dir))
    # runc cannot run without creating a cgroup, so the cgroup2 mount is
    # writable whenever runc is measured; read-only otherwise so that a
    # runtime told --cgroup-manager=disabled cannot touch it.
    writable = opts.cgroups or any(rt.name == "runc" for rt in runtimes)
    set_child_subreaper()

    tmp = Path(tempfile.mkdtemp(prefix="ucrun-bench."))
    bench = None
    ns = None
    code = 1
    # crun 1.8.1 with a user namespace chowns the host's device nodes it
    # binds into the container (seen: /dev/null left owned by 100000): put
    # the owners back afterwards, whatever the runtimes did.
    dev_owners = host_device_owners()
    try:
        # First the tmpfs, then the cgroup namespaces (copies of this one,
        # so they have it), then this one's cgroup2 and registry.
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "ucrun-bench", str(tmp)],
                       check=True)
        ns = MountNamespaces()
        if "run-cg" in opts.only or "cold" in opts.only:
            ns.make("v1", prepare_cgroup_v1)
            ns.make("v2", prepare_cgroup_v2)
        mount_cgroup2(writable)
        if "run-remap" in opts.only and not opts.host_registry:
            mount_registry_tmpfs()
        shim = build_memlock_shim(tmp) if any(rt.name == "crun" for rt in runtimes) else None
        configure_runtimes(runtimes, opts, tmp, floor_bin, shim)
        bench = Bench(opts, runtimes, tmp, floor_bin, ns, shim)
        overhead = spawn_overhead(bench.sp)
        started = time.monotonic()
        steps = {"run": bench.bench_run, "run-userns": lambda: bench.bench_run(userns=True),
                 "run-remap": bench.bench_remap, "run-rootless": bench.bench_rootless,
                 "lifecycle": bench.bench_lifecycle, "exec": bench.bench_exec,
                 "seq": bench.bench_seq, "par": bench.bench_par, "rss": bench.bench_rss,
                 "size": bench.bench_size, "scale": bench.bench_scale,
                 "run-cg": lambda: (bench.bench_run_cg("v1"), bench.bench_run_cg("v2")),
                 "cold": lambda: (bench.bench_run_cg("v1", idle=opts.idle), bench.bench_run_cg("v2", idle=opts.idle),
                                  bench.bench_exec(idle=opts.idle))}
        for name in ALL:
            if name in opts.only:
                steps[name]()
        if opts.scale:
            bench.bench_atscale()
        elapsed = time.monotonic() - started

        table, stats, ratios = bench.report()
        header = [
            f"ucrun benchmark: kernel {platform.release()}, {os.cpu_count()} CPUs, "
            f"{'cgroups on' if opts.cgroups else 'cgroups off' + (' except run-cgv1/v2' if 'run-cg' in opts.only else '')} "
            f"(cgroup2 {'rw' if writable else 'ro'} at /sys/fs/cgroup), "
            f"{opts.samples} samples ({opts.batch_samples} for batches), "
            f"{elapsed:.0f}s",
            *([f"run-remap: userns registry {USERNS_REGISTRY} "
               f"{'of the host (' + fs_type(USERNS_REGISTRY) + ')' if opts.host_registry else 'on a private tmpfs'}"]
              if "run-remap" in opts.only else []),
            *[f"run-cg{layout}: cgroup {layout} ({ns.notes[layout]}), cgroupsPath /<id>, "
              f"{bench.cg_notes.get(layout, 'not measured')}" for layout in ("v1", "v2")
              if layout in ns.notes],
            *([f"crun with cgroups on: LD_PRELOAD={shim} (tests/bench/memlock_shim.c): "
               "setrlimit(RLIMIT_MEMLOCK) is a no-op success (root here lacks CAP_SYS_RESOURCE)"]
              if shim and ("run-cg" in opts.only or "cold" in opts.only or opts.cgroups) else []),
            *([f"at scale: {opts.scale} running containers per runtime (run --detach, "
               f"cgroups off), one runtime after the other"] if opts.scale else []),
            f"harness overhead (spawn+wait of the host's /bin/true): {overhead:.2f} ms",
        ]
        for rt in runtimes:
            extra = f"  [{rt.note}]" if rt.note else ""
            flags = " ".join(rt.flags)
            header.append(f"  {rt.name:<6} {version_of(rt)}: {rt.path} {flags}{extra}")
        print("\n".join(header) + "\n\n" + table)
        failures = {m: r["errors"] for m, r in bench.results.items() if r["errors"]}
        if opts.json:
            doc = {"header": header, "options": {k: v for k, v in vars(opts).items()},
                   "subject": bench.subject(), "spawn_overhead_ms": overhead,
                   "results": bench.results, "stats": stats, "ratios": ratios,
                   "targets": TARGETS, "remap_targets": REMAP_TARGETS}
            Path(opts.json).write_text(json.dumps(doc, indent=2, default=str))
        code = 1 if failures else 0
    except KeyboardInterrupt as e:
        print(f"\nbench: interrupted ({str(e) or 'Ctrl-C'}); cleaning up", file=sys.stderr)
        code = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cleanup(bench, runtimes, tmp, ns)
        restore_device_owners(dev_owners)
    return code


HOST_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")


def host_device_owners():
    owners = {}
    for d in HOST_DEVICES:
        try:
            st = os.lstat(d)
            owners[d] = (st.st_uid, st.st_gid)
        except OSError:
            pass
    return owners


def restore_device_owners(owners, quiet=False):
    """Put the owners recorded by host_device_owners() back; True when one
    had changed."""
    changed = False
    for d, (uid, gid) in owners.items():
        try:
            st = os.lstat(d)
            if (st.st_uid, st.st_gid) != (uid, gid):
                if not quiet:
                    print(f"bench: {d} was chowned to {st.st_uid}:{st.st_gid} by a runtime; "
                          f"restoring {uid}:{gid} (after every sample, silently after this)",
                          file=sys.stderr)
                os.lchown(d, uid, gid)
                changed = True
        except OSError:
            pass
    return changed


def cleanup(bench, runtimes, tmp: Path, ns):
    if bench is not None:
        for rt in bench.all_runtimes:
            try:
                bench.cleanup_runtime(rt)
            except Exception as e:  # keep cleaning the rest
                print(f"bench: cleanup of {rt.name}: {e}", file=sys.stderr)
        prefix = bench.prefix
        # cgroups the runtimes created for our containers (named after the
        # id), in every namespace: v1 has one directory per hierarchy
        for name in list(ns.fds):
            ns.enter(name)
            for d in list(CGROUP_ROOT.glob(prefix + "*")) + list(CGROUP_ROOT.glob("*/" + prefix + "*")):
                try:
                    if fs_magic(d) == TMPFS_MAGIC:
                        continue  # crun's files in v1's tmpfs over unified: go with it
                    for sub in sorted(d.glob("**/"), key=lambda p: -len(p.parts)):
                        if sub != d:
                            sub.rmdir()
                    d.rmdir()
                except OSError as e:
                    print(f"bench: cleanup: rmdir {d}: {e}", file=sys.stderr)
    kill_children()
    if ns is not None:
        ns.close()
    subprocess.run(["umount", "--lazy", str(tmp)], stderr=subprocess.DEVNULL)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
