"""Host-side leak checks shared by the soak, concurrency and fault tests
(test_soak.py, test_concurrency.py, test_faults.py).

The fixtures already check processes and mounts when a test ends; these
add what a container can leave elsewhere on the host: cgroup directories in
any hierarchy, entries in /dev/shm and /tmp, unix sockets, and the test
process's own descriptors."""

import json
import os
import signal
import time
from pathlib import Path

from support import BASE_PREFIX, REAPER, descendants, proc_state

CG = Path("/sys/fs/cgroup")
VALID_STATUS = {"creating", "created", "running", "stopped", "paused"}
# The long variants (1 000 cycles, wider sweeps): UCRUN_SOAK=1.
SOAK = os.environ.get("UCRUN_SOAK", "") not in ("", "0")


def marker_of(tmp_base):
    """A test's unique marker (its scratch dir's suffix), put in its ids and
    cgroupsPaths so that the checks find what it made, and only that."""
    return tmp_base.name[len(BASE_PREFIX):]


def sleeper(bundle, **kw):
    """A bundle (written) whose container sleeps until it is killed."""
    b = bundle(**kw)
    b.args("sleep", "60")
    return b.write()


def cgroup_dirs(marker):
    """Every cgroup directory, in any hierarchy, whose name contains
    `marker` (the tests put a unique marker in ids and cgroupsPaths)."""
    out = []
    for dirpath, dirnames, _ in os.walk(CG):
        for d in dirnames:
            if marker in d:
                out.append(os.path.join(dirpath, d))
    return out


def alive_descendants():
    return [p for p in descendants(os.getpid()) if proc_state(p) not in ("Z", "X", None, "")]


def wait_no_processes(timeout=3):
    """The processes this test started that are still alive after
    `timeout` s (they are then SIGKILLed so the next step starts clean)."""
    deadline = time.monotonic() + timeout
    while alive_descendants() and time.monotonic() < deadline:
        time.sleep(0.01)
    left = alive_descendants()
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def unix_sockets(needle):
    """Bound unix sockets whose path contains `needle`."""
    out = []
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) >= 8 and needle in parts[7]:
                out.append(parts[7])
    return out


def parse_state(cp):
    """A `state` result: None when the container does not exist, else its
    status; anything else (torn JSON, an unknown status, another error)
    raises AssertionError."""
    if cp.returncode != 0:
        assert "does not exist" in cp.stderr, f"state failed oddly: {cp.stderr!r}"
        return None
    try:
        st = json.loads(cp.stdout)
    except ValueError as e:
        raise AssertionError(f"state output is not JSON ({e}): {cp.stdout!r}")
    assert st.get("status") in VALID_STATUS, st
    return st["status"]


class HostSnapshot:
    """/dev/shm, /tmp and this process's fds before a run, to compare with
    after it.  /tmp is shared with whatever else runs on the machine (other
    builds, fuzzers, test runs), so only new /tmp entries that can be ours
    count: a socket or fifo, or a name with `marker` (the tests put it in
    every id) that is not a test scratch dir."""

    def __init__(self, marker):
        self.marker = marker
        self.shm = set(os.listdir("/dev/shm"))
        self.tmp = set(os.listdir("/tmp"))
        self.fds = self._fds()

    @staticmethod
    def _fds():
        # Under the orphan reaper's lock: its thread opens /proc/<us>/task/
        # <tid>/children for a moment every 20 ms (support._Reaper), an fd
        # of ours that is no leak.
        with REAPER.lock:
            return set(os.listdir("/proc/self/fd"))

    def problems(self):
        out = []
        shm = set(os.listdir("/dev/shm")) - self.shm
        if shm:
            out.append(f"new /dev/shm entries: {sorted(shm)}")
        tmp = []
        for name in set(os.listdir("/tmp")) - self.tmp:
            p = Path("/tmp") / name
            try:
                st = p.lstat()
            except FileNotFoundError:
                continue
            special = (st.st_mode & 0o170000) in (0o140000, 0o010000)  # socket, fifo
            named = self.marker in name and not name.startswith(BASE_PREFIX)
            if special or named:
                tmp.append(name)
        if tmp:
            out.append(f"new /tmp entries: {sorted(tmp)}")
        with REAPER.lock:
            fds = set(os.listdir("/proc/self/fd")) - self.fds
            # a listdir fd itself may show up once; more is a leak in the harness
            fds = [f for f in fds if os.path.exists(f"/proc/self/fd/{f}")]
        if fds:
            out.append("new fds in the test process: "
                       + ", ".join(f"{f}->{os.readlink(f'/proc/self/fd/{f}')}" for f in fds
                                   if os.path.exists(f"/proc/self/fd/{f}")))
        return out
