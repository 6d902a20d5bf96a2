"""pytest framework for ucrun's integration tests.

The tests drive the real binary on real bundles built from busybox-static.
They must run as root.

Environment:
  UCRUN_BIN          runtime binary (default: <repo>/build/src/cli/ucrun).
                     UCRUN_BIN=runc runs the suite against runc, to check the
                     tests themselves: tests marked ``ucrun_specific`` are then
                     expected to fail (xfail, non-strict).
  UCRUN_GLOBAL_ARGS  extra global flags put before every command
                     (shell-split), e.g. "--debug --cgroup-manager disabled".
  UCRUN_BUSYBOX      static busybox to put in the rootfs (default /bin/busybox).
  UCRUN_TEST_TMP     where the per-test directories go (default /tmp).

Fixtures (conftest.py):
  tmp_base   per-test scratch dir (0755), removed afterwards; the leak checks
             (processes, mounts) run when it is torn down.
  root       per-test state dir passed as --root; afterwards every container
             still in it is deleted with --force and the test fails: a test
             must delete what it creates.
  ucrun      ucrun(*args, check=True, input=None, timeout=30, stdout=None,
             global_args=None) -> CompletedProcess (text); Bundle arguments
             are written out and replaced by their path.  ucrun.popen(...)
             starts a command in the background (Proc).
  bundle     factory: bundle(userns=False) -> Bundle with .config (a dict,
             runc spec's default) to mutate before use.

Leak checks (every test): no process the test started (directly or not) may
outlive it, no mount may be added to or removed from the host mount
namespace, and the --root dir must end up empty.  To find every process the
test started, pytest makes itself a child subreaper; a thread reaps the
orphans it adopts (as init would) but never a subprocess it spawned itself.
"""

import ctypes
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "helpers"))
from runc_spec import runc_spec  # noqa: E402  (tests/helpers, shared with the benchmark)

BASE_PREFIX = "ucrun-it-"
# In a --root, beside the containers: the compiled seccomp filters ucrun
# keeps for the root's next containers (src/container/seccomp_cache.hpp).
SECCOMP_CACHE = "@seccomp"


def state_left(root):
    """What a --root holds but the seccomp cache: the containers' state."""
    return sorted(n for n in os.listdir(root) if n != SECCOMP_CACHE)

APPLETS = [
    "sh", "true", "false", "echo", "id", "cat", "ls", "touch", "mkdir",
    "sleep", "hostname", "readlink", "stat", "grep", "wc", "env", "pwd", "ps",
    "kill", "mount", "umount", "test", "[", "printf", "head", "tr", "sed",
    "rm", "umask", "cut", "nproc", "uname", "dd", "ln", "chmod", "tail",
    "date", "wait",
]


# ---------------------------------------------------------------------------
# binary under test


def _find_binary():
    env = os.environ.get("UCRUN_BIN")
    if env:
        if os.sep in env:
            return str(Path(env).resolve())
        found = shutil.which(env)
        return found or env
    return str(REPO / "build" / "src" / "cli" / "ucrun")


UCRUN_BIN = _find_binary()
IS_RUNC = os.path.basename(UCRUN_BIN) == "runc"
GLOBAL_ARGS = shlex.split(os.environ.get("UCRUN_GLOBAL_ARGS", ""))
BUSYBOX = Path(os.environ.get("UCRUN_BUSYBOX", "/bin/busybox"))
TMP = Path(os.environ.get("UCRUN_TEST_TMP", "/tmp"))


def host_has_ns(kind):
    return os.path.exists(f"/proc/self/ns/{kind}")


# ---------------------------------------------------------------------------
# subreaper + orphan reaper


class _Reaper:
    """Makes this process a child subreaper and reaps adopted orphans.

    Every subprocess.Popen is registered (under the lock, at fork time); a
    zombie child that is not a live registered Popen was adopted, and is
    reaped here, like init would.  Without this, a container whose runtime
    exited would stay a zombie under pytest."""

    PR_SET_CHILD_SUBREAPER = 36

    def __init__(self):
        self.lock = threading.RLock()
        self.popens = {}  # pid -> weakref(Popen)
        self.started = False

    def start(self):
        if self.started:
            return
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(self.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        orig = subprocess.Popen._execute_child
        reaper = self

        def _execute_child(popen, *a, **kw):
            with reaper.lock:
                orig(popen, *a, **kw)
                reaper.popens[popen.pid] = weakref.ref(popen)

        subprocess.Popen._execute_child = _execute_child
        self.started = True
        t = threading.Thread(target=self._loop, name="orphan-reaper", daemon=True)
        t.start()

    def _owned(self, pid):
        ref = self.popens.get(pid)
        p = ref() if ref else None
        return p is not None and p.returncode is None

    def reap_once(self, include_owned=False):
        with self.lock:
            for pid in children(os.getpid()):
                if (self._owned(pid) and not include_owned) or proc_state(pid) != "Z":
                    continue
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
            for pid in [p for p, r in self.popens.items() if r() is None or r().returncode is not None]:
                del self.popens[pid]

    def poll_owned(self):
        """Reap our own finished subprocesses that nobody waited for."""
        with self.lock:
            for ref in list(self.popens.values()):
                p = ref()
                if p is not None and p.returncode is None:
                    p.poll()

    def _loop(self):
        while True:
            time.sleep(0.02)
            try:
                self.reap_once()
            except Exception:  # never let the thread die
                pass


REAPER = _Reaper()


def children(pid):
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def descendants(pid):
    out, todo = [], children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def proc_stat(pid):
    """(state, ppid) of pid, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = s[s.rfind(")") + 2:].split()
    return rest[0], int(rest[1])


def proc_state(pid):
    st = proc_stat(pid)
    return st[0] if st else None


def proc_alive(pid):
    st = proc_state(pid)
    return st is not None and st != "Z"


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


# ---------------------------------------------------------------------------
# mounts


def mount_points():
    """Multiset of (mount point, fs type, source) of the host mount ns."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            mp = fields[4].replace("\\040", " ")
            out.append((mp, fields[sep + 1], fields[sep + 2]))
    return out


def foreign_mount(mp, base):
    """A mount under another test run's scratch dir (a concurrent session)."""
    parts = Path(mp).parts
    for i, part in enumerate(parts):
        if part.startswith(BASE_PREFIX):
            return str(Path(*parts[: i + 1])) != str(base)
    return False


def umount(path):
    subprocess.run(["umount", "-l", str(path)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------------------
# running the binary


# Pids of runtime commands a test killed with SIGKILL on purpose
# (Proc.kill9), cleared by the conftest before each test. LeakSanitizer's
# exit check runs in a helper it clones, which ptraces the command, names
# its report after the command's pid, and dies with it (PR_SET_PDEATHSIG).
# A command killed during that check leaves its helper failing to read the
# command's registers: it opens the report file and is killed before its
# first write, or writes only "Unable to get registers from thread <pid>."
# (seen with ftrace: SIGKILL to the command, its exit, the helper's open,
# then the helper's SIGKILL). Neither says anything about ucrun: the
# conftest drops such a report of one of these pids, and fails the test on
# any other report.
KILLED_ON_PURPOSE = set()

_LSAN_HELPER_LINE = re.compile(r"==\d+==Unable to get registers from thread (\d+)\.")


def report_of_a_killed_command(log_dir, name):
    """ubsan.<pid> or asan.<pid> in log_dir, of a command the test killed
    on purpose, that is empty or holds only the leak check helper's line
    about that pid (KILLED_ON_PURPOSE)."""
    pid = name.rpartition(".")[2]
    path = Path(log_dir, name)
    if not (pid.isdigit() and int(pid) in KILLED_ON_PURPOSE and path.is_file() and not path.is_symlink()):
        return False
    for line in path.read_text(errors="replace").splitlines():
        m = _LSAN_HELPER_LINE.fullmatch(line)
        if not m or m.group(1) != pid:
            return False
    return True


class Proc:
    """A runtime command running in the background (ucrun.popen)."""

    def __init__(self, argv, popen, out, err, stdout_path):
        self.argv, self.popen, self._out, self._err = argv, popen, out, err
        self.stdout_path = stdout_path
        self.pid = popen.pid

    def wait(self, timeout=30):
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"timed out after {timeout}s: {shlex.join(self.argv)}\n"
                                 f"stdout: {self._read(self._out)}\nstderr: {self._read(self._err)}")
        return subprocess.CompletedProcess(self.argv, self.popen.returncode,
                                           self._read(self._out), self._read(self._err))

    def kill(self, sig=signal.SIGKILL):
        if self.popen.returncode is None:
            self.popen.send_signal(sig)

    def kill9(self):
        """SIGKILL at whatever moment the command is in, the test's point
        (see KILLED_ON_PURPOSE). The pid is the command's: the v2 wrapper
        and `unshare` execute it in place."""
        KILLED_ON_PURPOSE.add(self.pid)
        self.popen.send_signal(signal.SIGKILL)

    def close(self):
        self._out.close()
        self._err.close()

    __del__ = close

    @staticmethod
    def _read(f):
        f.flush()
        f.seek(0)
        return f.read().decode(errors="replace")


class Runner:
    """ucrun(*args, check=True, input=None, timeout=30, stdout=None).

    stdout and stderr go to files, never pipes: a container started by
    `create` inherits them and would keep a pipe open.  stdout=PATH sends
    stdout (and so the container's output) to that file; it is read back
    into .stdout all the same."""

    def __init__(self, root, base):
        self.root, self.base, self.bin = Path(root), Path(base), UCRUN_BIN

    def argv(self, args, global_args=None):
        g = GLOBAL_ARGS + ["--root", str(self.root)] + list(global_args or [])
        out = []
        for a in args:
            if isinstance(a, Bundle):
                a.write()
                a = a.path
            out.append(str(a))
        return [self.bin] + g + out

    def popen(self, *args, input=None, stdout=None, global_args=None, env=None, stdin=None):
        """stdin=subprocess.PIPE keeps the process's stdin open (an end it
        can write to is .popen.stdin) instead of /dev/null or `input`."""
        argv = self.argv(args, global_args)
        if stdout is None:
            out = tempfile.TemporaryFile(dir=self.base)
        else:
            out = open(stdout, "w+b")
        err = tempfile.TemporaryFile(dir=self.base)
        if stdin is not None:
            assert input is None, "input= or stdin=, not both"
        elif input is None:
            stdin = subprocess.DEVNULL
        else:
            stdin = tempfile.TemporaryFile(dir=self.base)
            stdin.write(input.encode() if isinstance(input, str) else input)
            stdin.seek(0)
        try:
            p = subprocess.Popen(argv, stdin=stdin, stdout=out, stderr=err,
                                 env=env, start_new_session=False)
        finally:
            if input is not None:
                stdin.close()
        return Proc(argv, p, out, err, stdout)

    def __call__(self, *args, check=True, input=None, timeout=30, stdout=None,
                 global_args=None, env=None):
        proc = self.popen(*args, input=input, stdout=stdout, global_args=global_args, env=env)
        try:
            cp = proc.wait(timeout)
        finally:
            proc.close()
        if check and cp.returncode != 0:
            raise AssertionError(f"command failed with exit {cp.returncode}: {shlex.join(cp.args)}\n"
                                 f"stdout: {cp.stdout}\nstderr: {cp.stderr}")
        return cp

    # conveniences -----------------------------------------------------------

    def fail(self, *args, **kw):
        """Run a command that must fail; returns the CompletedProcess."""
        cp = self(*args, check=False, **kw)
        assert cp.returncode != 0, (f"expected failure: {shlex.join(cp.args)}\n"
                                    f"stdout: {cp.stdout}\nstderr: {cp.stderr}")
        return cp

    def state(self, cid):
        return json.loads(self("state", cid).stdout)

    def status(self, cid):
        return self.state(cid)["status"]

    def wait_status(self, cid, want, timeout=10, proc=None):
        """Poll `state` until the status is `want`.  With proc (a Proc, e.g.
        a foreground `run`), give up as soon as that command has exited."""
        deadline = time.monotonic() + timeout
        while True:
            cp = self("state", cid, check=False)
            st = json.loads(cp.stdout)["status"] if cp.returncode == 0 else None
            if st == want:
                return
            if proc is not None and proc.popen.poll() is not None:
                done = proc.wait()
                raise AssertionError(f"{shlex.join(done.args)} exited {done.returncode} while waiting "
                                     f"for {cid} to be {want!r}\nstdout: {done.stdout}\nstderr: {done.stderr}")
            if time.monotonic() > deadline:
                raise AssertionError(f"container {cid}: status {st!r}, expected {want!r} within {timeout}s"
                                     + ("" if cp.returncode == 0 else f"; state: {cp.stderr.strip()}"))
            time.sleep(0.02)

    def create_start(self, bundle, cid, stdout=None):
        """create + start; returns the container's pid (from the state
        after create: once stopped, the state need not have one)."""
        self("create", "-b", bundle, cid, stdout=stdout)
        pid = self.state(cid)["pid"]
        self("start", cid)
        return pid

    def remove(self, cid):
        """SIGKILL, wait for stopped, delete (no --force: checks the path
        a caller takes)."""
        if self.status(cid) != "stopped":
            self("kill", cid, "KILL")
            self.wait_status(cid, "stopped")
        self("delete", cid)

    def ids(self):
        return [line for line in self("list", "-q").stdout.split("\n") if line]


# ---------------------------------------------------------------------------
# the OCI spec's JSON schemas

# UCRUN_SPEC_DIR: a spec checkout (its schema/); by default the copy of the
# v1.3.0 schemas in tests/oci-schema (its README).
SPEC_SCHEMA_DIR = (Path(os.environ["UCRUN_SPEC_DIR"]) / "schema" if "UCRUN_SPEC_DIR" in os.environ
                   else REPO / "tests" / "oci-schema")


def schema_validator(name):
    """A validator of the spec's schema/NAME; skips without python3-jsonschema
    or the schema (tests/oci-schema, UCRUN_SPEC_DIR)."""
    import pytest
    jsonschema = pytest.importorskip("jsonschema")
    path = SPEC_SCHEMA_DIR / name
    if not path.is_file():
        pytest.skip(f"no {path}")
    schema = json.loads(path.read_text())
    resolver = jsonschema.RefResolver(base_uri=path.as_uri(), referrer=schema)
    return jsonschema.Draft4Validator(schema, resolver=resolver)


# ---------------------------------------------------------------------------
# bundles


def default_config():
    """`runc spec` (1.2) with terminal off: the config the tests mutate."""
    return runc_spec(["sh"])


USERNS_HOST_ID = 100000
USERNS_SIZE = 65536


def make_rootfs(rootfs):
    rootfs = Path(rootfs)
    for d in ("bin", "proc", "dev", "sys", "tmp", "etc", "root", "mnt"):
        (rootfs / d).mkdir(parents=True, exist_ok=True)
        os.chmod(rootfs / d, 0o755)
    os.chmod(rootfs / "tmp", 0o1777)
    shutil.copyfile(BUSYBOX, rootfs / "bin" / "busybox")
    os.chmod(rootfs / "bin" / "busybox", 0o755)
    for a in APPLETS:
        os.symlink("busybox", rootfs / "bin" / a)
    (rootfs / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    (rootfs / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    for f in ("passwd", "group"):
        os.chmod(rootfs / "etc" / f, 0o644)


class Bundle:
    """A bundle directory: rootfs/ plus config.json written from .config.

    Mutate .config (or use the helpers) before handing the bundle to ucrun();
    set .raw to a string to write that instead, or .config = None (and .raw
    None) for no config.json at all."""

    def __init__(self, path, userns=False):
        self.path = Path(path)
        self.rootfs = self.path / "rootfs"
        self.path.mkdir(mode=0o755)
        os.chmod(self.path, 0o755)
        make_rootfs(self.rootfs)
        self.config = default_config()
        self.raw = None
        if userns:
            self.set_userns()

    def __fspath__(self):
        return str(self.path)

    def __str__(self):
        return str(self.path)

    @property
    def config_path(self):
        return self.path / "config.json"

    def write(self):
        if self.raw is not None:
            self.config_path.write_text(self.raw)
        elif self.config is not None:
            self.config_path.write_text(json.dumps(self.config, indent=2))
        elif self.config_path.exists():
            self.config_path.unlink()
        return self

    # helpers ------------------------------------------------------------

    @property
    def linux(self):
        return self.config.setdefault("linux", {})

    @property
    def process(self):
        return self.config.setdefault("process", {})

    def args(self, *argv):
        self.process["args"] = list(argv)
        return self

    def sh(self, script):
        return self.args("sh", "-c", script)

    def namespaces(self):
        return self.linux.setdefault("namespaces", [])

    def has_ns(self, kind):
        return any(n["type"] == kind for n in self.namespaces())

    def set_ns(self, kind, path=None):
        """Add (or replace) namespace `kind`, with an optional path."""
        self.drop_ns(kind)
        entry = {"type": kind}
        if path is not None:
            entry["path"] = str(path)
        self.namespaces().append(entry)
        return self

    def drop_ns(self, kind):
        self.linux["namespaces"] = [n for n in self.namespaces() if n["type"] != kind]
        return self

    def set_userns(self, host_id=USERNS_HOST_ID, size=USERNS_SIZE):
        self.set_ns("user")
        self.linux["uidMappings"] = [{"containerID": 0, "hostID": host_id, "size": size}]
        self.linux["gidMappings"] = [{"containerID": 0, "hostID": host_id, "size": size}]
        return self

    def add_mount(self, destination, type=None, source=None, options=None):
        m = {"destination": destination}
        if type is not None:
            m["type"] = type
        if source is not None:
            m["source"] = str(source)
        if options is not None:
            m["options"] = list(options)
        self.config.setdefault("mounts", []).append(m)
        return self

    def bind(self, source, destination, *options, mkdir=True):
        """Bind mount `source` (options default: rbind,rw).  The mount point
        is made in the rootfs first: a mapped root cannot mkdir in a
        root-owned rootfs, and the root is read-only anyway."""
        if mkdir:
            self.mkdir(destination)
        return self.add_mount(destination, "bind", source, ["rbind", *(options or ("rw",))])

    def mkdir(self, path, mode=0o755):
        p = self.rootfs / str(path).lstrip("/")
        p.mkdir(parents=True, exist_ok=True)
        os.chmod(p, mode)
        return p

    def drop_mount(self, destination):
        self.config["mounts"] = [m for m in self.config.get("mounts", [])
                                 if m["destination"] != destination]
        return self


# ---------------------------------------------------------------------------
# waiting


def pure_v2_runner(root, tmp_base):
    """A Runner whose ucrun runs in a private mount namespace with one
    cgroup2 mount at /sys/fs/cgroup: pure cgroup v2 on a hybrid host (the
    unified hierarchy at /sys/fs/cgroup/unified is the same one)."""
    wrapper = Path(tmp_base) / "ucrun-v2"
    wrapper.write_text(
        "#!/bin/sh\n"
        "exec unshare -m sh -c 'mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup "
        "&& exec \"$0\" \"$@\"' " + UCRUN_BIN + " \"$@\"\n")
    os.chmod(wrapper, 0o755)
    r = Runner(root, tmp_base)
    r.bin = str(wrapper)
    return r


# ---------------------------------------------------------------------------
# static helpers of tests/helpers

HELPERS_SRC = REPO / "tests" / "helpers"


def helper_binary(name, tmp_base):
    """A static helper of tests/helpers: from the build next to the binary
    under test (build*/src/cli/ucrun), else compiled here."""
    built = Path(UCRUN_BIN).resolve().parents[2] / "tests" / "helpers" / name
    if built.is_file():
        return built
    out = Path(tmp_base) / name
    subprocess.run(["cc", "-O2", "-static", "-o", str(out), str(HELPERS_SRC / f"{name}.c")], check=True)
    return out


def install_helper(b, name, tmp_base):
    """Copies helper `name` into the bundle's rootfs as /bin/<name>."""
    dst = b.rootfs / "bin" / name
    dst.write_bytes(helper_binary(name, tmp_base).read_bytes())
    os.chmod(dst, 0o755)


def wait_for(pred, timeout=10, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_file_contains(path, text, timeout=10):
    def check():
        try:
            return text in Path(path).read_text()
        except FileNotFoundError:
            return False
    wait_for(check, timeout, what=f"{text!r} in {path}")


def norm(s):
    """Whitespace-normalise (uid_map lines etc.)."""
    return " ".join(s.split())
