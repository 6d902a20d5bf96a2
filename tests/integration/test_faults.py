"""Faults (issue 15 item 5): ucrun killed with SIGKILL at any moment of
create, run, start, exec and delete (test_killed_create.py also sweeps
create, 0-40 ms with cgroup limits, v1 and v2); a full
and a read-only state root, a missing --root parent, a bundle removed after
create, a container that exits during start, a cgroup that cannot be
created.  Each command either succeeds or fails with a clear error; `state`
and `list` stay truthful; `delete --force` then cleans everything (state,
cgroups, processes; the fixtures check mounts).

Short sweeps by default; UCRUN_SOAK=1 sweeps each command's whole measured
duration in 2 ms steps."""

import json
import os
import shutil
import statistics
import subprocess
import time

import pytest

from hostcheck import SOAK, cgroup_dirs, marker_of, parse_state, sleeper, wait_no_processes
from support import Runner, umount

TRIALS = None if SOAK else 6  # None: every 2 ms step over the duration


def assert_clean(ucrun, root, marker, what):
    problems = []
    if os.path.isdir(root) and os.listdir(root):
        problems.append(f"state left: {os.listdir(root)}")
    left = cgroup_dirs(marker)
    if left:
        problems.append(f"cgroups left: {left}")
    procs = wait_no_processes()
    if procs:
        problems.append(f"processes left: {procs}")
    assert not problems, f"{what}: " + "; ".join(problems)


def truthful(ucrun, cid):
    """state and list agree and parse; returns the status (None: absent)."""
    status = parse_state(ucrun("state", cid, check=False))
    listed = {e["id"]: e["status"] for e in json.loads(ucrun("list", "-f", "json").stdout) or []}
    assert listed.get(cid) == status or (status is not None and cid in listed), (status, listed)
    return status


def delays(duration):
    """Kill delays (s) over a command's measured duration."""
    step = 0.002
    if TRIALS is None:
        n = int(duration / step) + 2
        return [i * step for i in range(n)]
    return [duration * i / (TRIALS - 1) for i in range(TRIALS)]


def kill_at(proc, delay):
    time.sleep(delay)
    proc.kill9()
    done = proc.wait()
    proc.close()
    return done.returncode == 0


def measure(fn, n=3):
    ts = []
    for _ in range(n):
        t0 = time.monotonic()
        fn()
        ts.append(time.monotonic() - t0)
    return statistics.median(ts)


@pytest.fixture
def sleeping(bundle, tmp_base):
    b = sleeper(bundle)
    b.linux["cgroupsPath"] = f"/{marker_of(tmp_base)}-cg"
    return b.write()


def sweep_new_container(ucrun, b, root, m, cmd, dur, allowed):
    """kill -9 of `cmd` (create or run, each of a new container with its own
    cgroup) at points over `dur`: `state` is one of `allowed` (or absent),
    and delete --force cleans everything."""
    outcomes = []
    for i, d in enumerate(delays(dur)):
        cid = f"{m}-{cmd}{i}"
        b.linux["cgroupsPath"] = f"/{cid}"
        b.write()
        outcomes.append(kill_at(ucrun.popen(cmd, "-b", b.path, cid), d))
        st = truthful(ucrun, cid)
        assert st in allowed, (d, st)
        ucrun("delete", "--force", cid)
        assert truthful(ucrun, cid) is None
        assert_clean(ucrun, root, m, f"{cmd} killed at {d * 1000:.1f} ms")
    assert not all(outcomes), f"no {cmd} was killed midway: the sweep missed"


def test_kill9_create_swept(ucrun, bundle, tmp_base, root):
    """test_killed_create.py sweeps 0-40 ms; this one sweeps the measured
    duration of this create (the whole of it in 2 ms steps under
    UCRUN_SOAK=1), with the same checks as the other commands."""
    m = marker_of(tmp_base)
    b = sleeper(bundle)

    def one(cid):
        t0 = time.monotonic()
        ucrun("create", "-b", b.path, cid)
        t = time.monotonic() - t0
        ucrun("delete", "--force", cid)
        return t

    # stopped: on record, but its init died with ucrun (never running)
    sweep_new_container(ucrun, b, root, m, "create", statistics.median(one(f"{m}-m{i}") for i in range(3)),
                        (None, "creating", "created", "stopped"))


def test_kill9_run_swept(ucrun, bundle, tmp_base, root):
    m = marker_of(tmp_base)
    b = bundle()
    b.args("true")
    b.write()
    dur = measure(lambda: ucrun("run", "-b", b.path, f"{m}-m"))
    ucrun("delete", "--force", f"{m}-m", check=False)
    sweep_new_container(ucrun, b, root, m, "run", dur, (None, "creating", "created", "running", "stopped"))


def test_kill9_start_swept(ucrun, sleeping, tmp_base, root):
    m = marker_of(tmp_base)

    def one(cid):
        ucrun("create", "-b", sleeping.path, cid)
        t0 = time.monotonic()
        ucrun("start", cid)
        t = time.monotonic() - t0
        ucrun("delete", "--force", cid)
        return t

    dur = statistics.median(one(f"{m}-m{i}") for i in range(3))
    outcomes = []
    for i, d in enumerate(delays(dur)):
        cid = f"{m}-s{i}"
        ucrun("create", "-b", sleeping.path, cid)
        outcomes.append(kill_at(ucrun.popen("start", cid), d))
        st = truthful(ucrun, cid)
        assert st in ("created", "running"), (d, st)
        if st == "created":  # not started: a second start does it
            ucrun("start", cid, timeout=10)
        assert truthful(ucrun, cid) == "running"
        ucrun("delete", "--force", cid)
        assert_clean(ucrun, root, m, f"start killed at {d * 1000:.1f} ms")
    assert not all(outcomes), "no start was killed midway: the sweep missed"


def test_kill9_exec_swept(ucrun, sleeping, tmp_base, root):
    """An exec killed midway leaves the container running and usable; its
    process (if it got that far) goes with delete --force."""
    m = marker_of(tmp_base)
    cid = f"{m}-e"
    ucrun("create", "-b", sleeping.path, cid)
    ucrun("start", cid)
    dur = measure(lambda: ucrun("exec", cid, "true"))
    for d in delays(dur):
        # sleep 30: every exec is killed, at any point from parsing its
        # arguments to waiting for its process
        assert not kill_at(ucrun.popen("exec", cid, "sleep", "30"), d)
        assert truthful(ucrun, cid) == "running", d
        assert ucrun("exec", cid, "echo", "ok").stdout.strip() == "ok"
    ucrun("delete", "--force", cid)
    assert_clean(ucrun, root, m, "exec sweep")


@pytest.mark.parametrize("force", [True, False])
def test_kill9_delete_swept(ucrun, sleeping, tmp_base, root, force):
    m = marker_of(tmp_base)

    def ready(cid):
        ucrun("create", "-b", sleeping.path, cid)
        ucrun("start", cid)
        if not force:
            ucrun("kill", cid, "KILL")
            ucrun.wait_status(cid, "stopped")

    args = ["delete", "--force"] if force else ["delete"]
    durs = []
    for i in range(3):
        ready(f"{m}-m{i}")
        t0 = time.monotonic()
        ucrun(*args, f"{m}-m{i}")
        durs.append(time.monotonic() - t0)
    outcomes = []
    for i, d in enumerate(delays(statistics.median(durs))):
        cid = f"{m}-d{i}"
        ready(cid)
        outcomes.append(kill_at(ucrun.popen(*args, cid), d))
        st = truthful(ucrun, cid)
        assert st in (None, "running", "stopped"), (d, st)
        ucrun("delete", "--force", cid)
        assert truthful(ucrun, cid) is None
        assert_clean(ucrun, root, m, f"delete killed at {d * 1000:.1f} ms")
    assert not all(outcomes), "no delete was killed midway: the sweep missed"


# ---------------------------------------------------------------------------
# the state root


@pytest.fixture
def small_root(tmp_base):
    """A 1 MiB tmpfs as the state root; unmounted afterwards."""
    d = tmp_base / "small"
    d.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(d)], check=True)
    try:
        yield d
    finally:
        umount(d)


def fill(path, leave_pages):
    """Fill the filesystem at `path` but `leave_pages` pages."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave_pages * 4096))


@pytest.mark.ucrun_specific
def test_full_state_root(small_root, bundle, tmp_base):
    m = marker_of(tmp_base)
    ucrun = Runner(small_root, tmp_base)
    b = sleeper(bundle)
    succeeded = 0
    for pages in (0, 1, 2, 4, 8):
        fill(small_root, pages)
        cid = f"{m}-f{pages}"
        cp = ucrun("create", "-b", b.path, cid, check=False)
        if cp.returncode == 0:
            succeeded += 1
            assert truthful(ucrun, cid) == "created"
        else:
            assert "no space" in cp.stderr.lower(), cp.stderr
            assert truthful(ucrun, cid) is None
            assert sorted(os.listdir(small_root)) == ["filler"], os.listdir(small_root)
        (small_root / "filler").unlink()
        ucrun("delete", "--force", cid, check=cp.returncode == 0)
        assert os.listdir(small_root) == []
        assert not cgroup_dirs(m)
        assert not wait_no_processes()
    assert succeeded < 5, "the filesystem was never full: the test is blind"


@pytest.mark.ucrun_specific
def test_read_only_state_root(ucrun, bundle, tmp_base, root):
    m = marker_of(tmp_base)
    b = sleeper(bundle)
    ucrun("create", "-b", b.path, f"{m}-before")
    subprocess.run(["mount", "--bind", str(root), str(root)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(root)], check=True)
        cp = ucrun.fail("create", "-b", b.path, f"{m}-ro")
        assert "read-only" in cp.stderr.lower(), cp.stderr
        assert truthful(ucrun, f"{m}-ro") is None
        # reading works on a read-only root
        assert truthful(ucrun, f"{m}-before") == "created"
        # delete either removes it or says why not, and it is then still on
        # record (killed: stopped); never exit 0 with the state left
        cp = ucrun("delete", "--force", f"{m}-before", check=False)
        if cp.returncode == 0:
            assert truthful(ucrun, f"{m}-before") is None
        else:
            assert "read-only" in cp.stderr.lower(), cp.stderr
            assert truthful(ucrun, f"{m}-before") == "stopped"
    finally:
        umount(root)
    ucrun("delete", "--force", f"{m}-before", check=False)
    assert truthful(ucrun, f"{m}-before") is None
    assert_clean(ucrun, root, m, "read-only root")


def test_missing_root_parent(bundle, tmp_base):
    """--root under directories that do not exist (a missing /run): create
    makes them (as runc does) or says what is missing."""
    m = marker_of(tmp_base)
    r = tmp_base / "no" / "such" / "run" / "ucrun"
    ucrun = Runner(r, tmp_base)
    b = bundle()
    b.args("sleep", "60")
    cp = ucrun("create", "-b", b, f"{m}-c", check=False)
    if cp.returncode == 0:
        assert truthful(ucrun, f"{m}-c") == "created"
        ucrun("delete", "--force", f"{m}-c")
    else:
        assert str(tmp_base / "no") in cp.stderr, cp.stderr
    # state and list on a root that does not exist
    assert Runner(tmp_base / "none", tmp_base)("list", "-q").stdout.strip() == ""
    assert parse_state(Runner(tmp_base / "none", tmp_base)("state", "x", check=False)) is None
    assert_clean(ucrun, r, m, "missing root parent")


# ---------------------------------------------------------------------------
# the bundle and the container


def test_bundle_removed_after_create(ucrun, bundle, tmp_base, root):
    m = marker_of(tmp_base)
    b = bundle()
    b.linux["cgroupsPath"] = f"/{m}-cg"
    b.args("sleep", "60")
    ucrun("create", "-b", b, f"{m}-b")
    shutil.rmtree(b.path)
    assert truthful(ucrun, f"{m}-b") == "created"
    cp = ucrun("start", f"{m}-b", check=False)
    if cp.returncode != 0:
        assert cp.stderr.strip(), "start failed without saying why"
    truthful(ucrun, f"{m}-b")
    ucrun("delete", "--force", f"{m}-b")
    assert truthful(ucrun, f"{m}-b") is None
    assert_clean(ucrun, root, m, "bundle removed")


def test_container_exits_during_start(ucrun, bundle, tmp_base, root):
    """The process exits (or is killed) while `start` runs: start succeeds,
    state says stopped soon after, a plain delete cleans."""
    m = marker_of(tmp_base)
    b = bundle()
    b.linux["cgroupsPath"] = f"/{m}-cg"
    for i, script in enumerate(["true", "exit 7", "kill -9 $$"] * (10 if SOAK else 2)):
        b.sh(script)
        cid = f"{m}-x{i}"
        ucrun("create", "-b", b, cid)
        ucrun("start", cid)
        ucrun.wait_status(cid, "stopped")
        assert truthful(ucrun, cid) == "stopped"
        ucrun("delete", cid)
        assert_clean(ucrun, root, m, script)


@pytest.mark.parametrize("path", ["file", "leaf"])
def test_cgroup_cannot_be_created(ucrun, bundle, tmp_base, root, path):
    """A cgroupsPath whose directory cannot be made (a component, or the
    cgroup itself, is a file: cgroup.procs of a new parent): create fails
    naming the cgroup, and leaves no state, no cgroup (not even the parent
    it made) and no process.  (kernfs takes names over NAME_MAX, so a long
    name is no such case.)"""
    m = marker_of(tmp_base)
    b = bundle()
    b.args("sleep", "60")
    b.linux["cgroupsPath"] = f"/{m}-p/cgroup.procs" + ("/c" if path == "file" else "")
    cp = ucrun.fail("create", "-b", b, f"{m}-c")
    assert "cgroup" in cp.stderr.lower(), cp.stderr
    assert truthful(ucrun, f"{m}-c") is None
    ucrun("delete", "--force", f"{m}-c", check=False)
    assert_clean(ucrun, root, m, path)
