#!/usr/bin/python3
"""ucrun benchmark: ucrun against every other OCI runtime found and a floor.

Run as root:  python3 tests/bench/bench.py [--quick] [--only run,exec] ...
See tests/bench/README.md for what is measured and the targets.

Python 3 standard library only. The script re-executes itself in a private
mount namespace (`unshare --mount --propagation private`) in which
/sys/fs/cgroup is a single cgroup2 mount, so that runtimes that refuse hybrid
cgroup setups (crun 1.8.1) work, and puts every bundle and state directory on
a tmpfs of its own in a temporary directory. Everything it creates is removed
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
INNER_ENV = "UCRUN_BENCH_INNER"
CGROUP_ROOT = Path("/sys/fs/cgroup")
USERNS_MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]
NOT_FLOOR = ("runc", "crun", "ucrun")

# `runc spec` (runc 1.1.5) with terminal off and a cgroup namespace added:
# without one every container's cgroup2 mount is a mount of the hierarchy root,
# which is slow on recent kernels.
BASE_CONFIG = {
    "ociVersion": "1.0.2-dev",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["/bin/true"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm"],
        "cwd": "/",
        "capabilities": {k: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
                         for k in ("bounding", "effective", "permitted", "ambient")},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "runc",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    ],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": t} for t in
                       ("pid", "network", "ipc", "uts", "mount", "cgroup")],
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                          "/proc/sysrq-trigger"],
    },
}

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
    "run": [("crun", 0.7), ("floor", 1.5)],
    "run-userns": [("crun", 0.7)],
    "run-rootless": [("crun", 0.7)],  # issue 13: no worse against crun than rootful run
    "exec": [("crun", 0.7)],
    "create": [("crun", 1.0)],
    "start": [("crun", 1.0)],
    "state": [("crun", 1.0)],
    "delete": [("crun", 1.0)],
    "seq100": [("crun", 0.7)],
    "rss": [("crun", 1.0)],
    "scale-state": [("crun", 1.0)],
    "scale-list": [("crun", 1.0)],
}
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
        try:
            pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
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

    @property
    def is_floor(self):
        return self.name == "floor"

    def cmd(self, *args):
        return [self.path, "--root", str(self.root), *self.flags, *map(str, args)]


def find_runtimes(opts):
    """The runtimes to measure, in table order: ucrun, crun, runc, floor."""
    ucrun = opts.ucrun or os.environ.get("UCRUN") or str(REPO / "build/src/cli/ucrun")
    known = {"ucrun": ucrun if os.access(ucrun, os.X_OK) else None,
             "crun": shutil.which("crun"), "runc": shutil.which("runc"),
             "floor": "floor"}
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
    return [Runtime(n, p if n == "floor" else os.path.realpath(p)) for n, p in wanted]


def configure_runtimes(runtimes, opts, tmp: Path, floor_bin):
    for rt in runtimes:
        if rt.is_floor:
            rt.path = str(floor_bin)
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
    def __init__(self, opts, runtimes, tmp: Path, floor_bin: Path):
        self.opts = opts
        self.runtimes = runtimes
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

    # -- helpers --------------------------------------------------------

    def cid(self, *parts):
        return self.prefix + "-".join(map(str, parts))

    def run_argv(self, rt, cid, userns=False):
        if rt.is_floor:
            b = self.b_userns if userns else self.b_true
            return [rt.path] + (["-U"] if userns else []) + [str(b / "rootfs"), "/bin/true"]
        return rt.cmd("run", "--bundle", self.b_userns if userns else self.b_true, cid)

    def leftovers(self, rt):
        # ucrun keeps its userns allocation registry in <root>/.userns, not a
        # container (no container id starts with a dot)
        return [] if rt.is_floor else sorted(n for n in os.listdir(rt.root) if not n.startswith("."))

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
        for rt in runtimes:
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
        for i in range(samples):
            k = i % len(live) if live else 0
            for rt in live[k:] + live[:k]:
                if rt.name in self.results.get(metrics[0], {}).get("errors", {}):
                    continue
                try:
                    for m, v in sample(rt, i).items():
                        self.record(m, unit, rt, v)
                except (CommandFailed, TimeoutError) as e:
                    self.fail(metrics, unit, rt, e)
                    self.cleanup_runtime(rt)
                reap_orphans()
        for rt in live:
            try:
                if teardown:
                    teardown(rt)
            finally:
                self.cleanup_runtime(rt)

    def cleanup_runtime(self, rt):
        """Remove every container in rt's root, whatever state it is in."""
        if rt.is_floor:
            return
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

    def bench_exec(self):
        target = self.cid("exec")

        def sample(rt, i):
            return {"exec": self.sp.timed(rt.cmd("exec", target, "/bin/true"))[0] * 1e3}
        self.interleave("exec", ["exec"], "ms", sample, self.containers(), self.opts.samples,
                        setup=lambda rt: self.start_sleeper(rt, target))

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
        n = self.opts.scale
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

    # -- report ---------------------------------------------------------

    def subject(self):
        names = [rt.name for rt in self.runtimes]
        if self.opts.subject:
            return self.opts.subject
        return "ucrun" if "ucrun" in names else next((n for n in names if n != "floor"),
                                                     names[0])

    def report(self):
        subj = self.subject()
        others = [rt.name for rt in self.runtimes if rt.name != subj]
        lines = []
        stats = {}
        w = max([len(f"{m} [{r['unit']}]") for m, r in self.results.items()] + [16])
        lines.append(f"{'benchmark':<{w}}  {'runtime':<7} {'median':>10} "
                     f"{'p10':>10} {'p90':>10} {'n':>4}")
        for metric, r in self.results.items():
            stats[metric] = {}
            first = True
            for rt in self.runtimes:
                label = f"{metric} [{r['unit']}]" if first else ""
                if rt.name in r["values"]:
                    s = summarize(r["values"][rt.name])
                    stats[metric][rt.name] = s
                    lines.append(f"{label:<{w}}  {rt.name:<7} {fmt(s['median']):>10} "
                                 f"{fmt(s['p10']):>10} {fmt(s['p90']):>10} {s['n']:>4}")
                elif rt.name in r["errors"]:
                    lines.append(f"{label:<{w}}  {rt.name:<7} FAILED: "
                                 f"{r['errors'][rt.name][:100]}")
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
            rows.append(f"{metric:<{w}}  {cells}   {self.verdict(metric, subj, ratios)}")
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
        return "\n".join(lines), stats, ratios

    @staticmethod
    def verdict(metric, subj, ratios):
        out = []
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

ALL = ["run", "run-userns", "run-remap", "run-rootless", "lifecycle", "exec", "seq", "par", "rss", "size", "scale"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="few samples: a smoke test (CI)")
    p.add_argument("--samples", type=int, help="samples per single-command benchmark "
                   "(default 30, 5 with --quick)")
    p.add_argument("--batch", type=int, default=100,
                   help="containers per back-to-back/parallel sample (default 100)")
    p.add_argument("--batch-samples", type=int,
                   help="samples of the batch benchmarks (default 5, 2 with --quick)")
    p.add_argument("--scale", type=int, default=1000,
                   help="containers in the root for the scale benchmark (default 1000)")
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
                   help="keep cgroups on (--cgroup-manager=cgroupfs) where supported")
    p.add_argument("--no-device-rules", action="store_true",
                   help="leave linux.resources.devices out of the bundles (crun 1.8.1 "
                   "cannot load its device eBPF program without CAP_SYS_RESOURCE)")
    p.add_argument("--large-files", type=int, default=LARGE_FILES,
                   help=f"run-remap: files added to the large rootfs (default {LARGE_FILES})")
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
        opts.batch_samples = 2 if opts.quick else 5
    aliases = {m: "lifecycle" for m in ("create", "start", "state", "kill", "delete")}
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
    mount_cgroup2(writable)
    if "run-remap" in opts.only and not opts.host_registry:
        mount_registry_tmpfs()
    set_child_subreaper()

    tmp = Path(tempfile.mkdtemp(prefix="ucrun-bench."))
    bench = None
    code = 1
    # crun 1.8.1 with a user namespace chowns the host's device nodes it
    # binds into the container (seen: /dev/null left owned by 100000): put
    # the owners back afterwards, whatever the runtimes did.
    dev_owners = host_device_owners()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "ucrun-bench", str(tmp)],
                       check=True)
        configure_runtimes(runtimes, opts, tmp, floor_bin)
        bench = Bench(opts, runtimes, tmp, floor_bin)
        overhead = spawn_overhead(bench.sp)
        started = time.monotonic()
        steps = {"run": bench.bench_run, "run-userns": lambda: bench.bench_run(userns=True),
                 "run-remap": bench.bench_remap, "run-rootless": bench.bench_rootless,
                 "lifecycle": bench.bench_lifecycle, "exec": bench.bench_exec,
                 "seq": bench.bench_seq, "par": bench.bench_par, "rss": bench.bench_rss,
                 "size": bench.bench_size, "scale": bench.bench_scale}
        for name in ALL:
            if name in opts.only:
                steps[name]()
        elapsed = time.monotonic() - started

        table, stats, ratios = bench.report()
        header = [
            f"ucrun benchmark: kernel {platform.release()}, {os.cpu_count()} CPUs, "
            f"{'cgroups on' if opts.cgroups else 'cgroups off'} "
            f"(cgroup2 {'rw' if writable else 'ro'} at /sys/fs/cgroup), "
            f"{opts.samples} samples ({opts.batch_samples} for batches), "
            f"{elapsed:.0f}s",
            *([f"run-remap: userns registry {USERNS_REGISTRY} "
               f"{'of the host (' + fs_type(USERNS_REGISTRY) + ')' if opts.host_registry else 'on a private tmpfs'}"]
              if "run-remap" in opts.only else []),
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
        cleanup(bench, runtimes, tmp)
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


def restore_device_owners(owners):
    for d, (uid, gid) in owners.items():
        try:
            st = os.lstat(d)
            if (st.st_uid, st.st_gid) != (uid, gid):
                print(f"bench: {d} was chowned to {st.st_uid}:{st.st_gid} by a runtime; "
                      f"restoring {uid}:{gid}", file=sys.stderr)
                os.lchown(d, uid, gid)
        except OSError:
            pass


def cleanup(bench, runtimes, tmp: Path):
    if bench is not None:
        for rt in runtimes:
            try:
                bench.cleanup_runtime(rt)
            except Exception as e:  # keep cleaning the rest
                print(f"bench: cleanup of {rt.name}: {e}", file=sys.stderr)
        prefix = bench.prefix
        # cgroups the runtimes created for our containers (named after the id)
        for d in CGROUP_ROOT.glob(prefix + "*"):
            try:
                d.rmdir()
            except OSError as e:
                print(f"bench: cleanup: rmdir {d}: {e}", file=sys.stderr)
    kill_children()
    subprocess.run(["umount", "--lazy", str(tmp)], stderr=subprocess.DEVNULL)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
