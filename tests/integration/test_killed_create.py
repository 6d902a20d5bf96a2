"""A `create` killed with SIGKILL at any moment leaves nothing that
`delete --force` cannot remove: no state, no cgroup in any hierarchy, no
process (the init dies with ucrun until the container is on record), no
mount (the fixtures check the host mount table).

Swept over delays from 0 to 40 ms, with a cgroup (cgroupsPath and limits)
on this host's v1/hybrid hierarchies and on pure cgroup v2 (a private mount
namespace with cgroup2 at /sys/fs/cgroup, as test_cgroups.py does)."""

import os
import signal
import time
from pathlib import Path

import pytest

import support
from support import IS_RUNC, descendants, proc_state, pure_v2_runner

CG = Path("/sys/fs/cgroup")
DELAYS_MS = list(range(0, 41, 2))


def layout():
    if (CG / "cgroup.controllers").exists():
        return "v2"
    return "hybrid" if (CG / "unified" / "cgroup.controllers").exists() else "v1"


def cgroup_dirs(name, v2):
    """Where a cgroup called /<name> would be, in every hierarchy."""
    if v2:
        return [CG / "unified" / name] if layout() == "hybrid" else [CG / name]
    out = []
    for h in CG.iterdir():
        if h.is_dir() and not h.is_symlink():
            out.append(h / name)
    return out


def alive_descendants():
    return [p for p in descendants(os.getpid()) if proc_state(p) not in ("Z", "X", None, "")]


@pytest.fixture
def v2_runner(root, tmp_base):
    if layout() != "hybrid":
        pytest.skip("needs the unified hierarchy of a hybrid host")
    return pure_v2_runner(root, tmp_base)


def sweep(runner, bundle, tmp_base, root, v2):
    report = []
    for i, delay in enumerate(DELAYS_MS):
        name = f"{tmp_base.name}-k{i}"
        b = bundle()
        b.linux["cgroupsPath"] = f"/{name}"
        b.linux["resources"] = {"memory": {"limit": 64 << 20}, "pids": {"limit": 64}}
        b.args("true")
        b.write()
        cid = f"k{i}"
        proc = runner.popen("create", "-b", b, cid)
        time.sleep(delay / 1000)
        proc.kill9()
        done = proc.wait()
        proc.close()
        outcome = "completed" if done.returncode == 0 else "killed"
        cp = runner("delete", "--force", cid, check=False, timeout=30)
        problems = []
        if cp.returncode != 0:
            problems.append(f"delete --force exit {cp.returncode}: {cp.stderr.strip()}")
        if os.listdir(root):
            problems.append(f"state left: {os.listdir(root)}")
        left = [str(d) for d in cgroup_dirs(name, v2) if d.exists()]
        if left:
            problems.append(f"cgroups left: {left}")
        deadline = time.monotonic() + 2
        while alive_descendants() and time.monotonic() < deadline:
            time.sleep(0.01)
        procs = alive_descendants()
        if procs:
            problems.append(f"processes left: {procs}")
            for p in procs:
                os.kill(p, signal.SIGKILL)
        report.append((delay, outcome, problems))
    bad = [r for r in report if r[2]]
    assert not bad, "\n".join(f"{d} ms ({o}): {'; '.join(p)}" for d, o, p in bad)
    # The sweep covered both sides: some creates were killed midway.
    assert any(o == "killed" for _, o, _ in report), report


def test_kill9_create_swept_v1(ucrun, bundle, tmp_base, root):
    sweep(ucrun, bundle, tmp_base, root, v2=False)


def test_kill9_create_swept_v2(v2_runner, bundle, tmp_base, root):
    sweep(v2_runner, bundle, tmp_base, root, v2=True)


def test_kill9_create_in_user_namespace(ucrun, bundle, tmp_base, root):
    """The join path (user namespace and a new pid namespace): the real init
    is forked by an intermediate; it dies with ucrun as well."""
    for i, delay in enumerate(range(0, 21, 4)):
        b = bundle(userns=True)
        b.linux["cgroupsPath"] = f"/{tmp_base.name}-u{i}"
        b.args("true")
        proc = ucrun.popen("create", "-b", b, f"u{i}")
        time.sleep(delay / 1000)
        proc.kill9()
        proc.wait()
        proc.close()
        ucrun("delete", "--force", f"u{i}")
        assert not os.listdir(root)
        assert not [d for d in cgroup_dirs(f"{tmp_base.name}-u{i}", False) if d.exists()]
        deadline = time.monotonic() + 2
        while alive_descendants() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not alive_descendants()


def test_created_container_survives_its_create(ucrun, bundle):
    """The other side of dying with ucrun: once create has returned, the
    init waits for start however long it takes."""
    b = bundle()
    b.args("true")
    ucrun("create", "-b", b, "c")
    time.sleep(0.2)
    assert ucrun.status("c") == "created"
    ucrun("start", "c")
    ucrun.wait_status("c", "stopped")
    ucrun("delete", "c")


def test_rlimit_nofile_zero_fails_create(ucrun, bundle, root):
    """The init can open nothing once RLIMIT_NOFILE soft 0 applies; runc
    fails create with "too many open files", and so must ucrun, instead of
    exiting 0 with an init that died after Ready."""
    b = bundle()
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 0}]
    b.args("true")
    cp = ucrun.fail("create", "-b", b, "c")
    assert "too many open files" in cp.stderr.lower(), cp.stderr
    # Refused before the limit applies (proc/process_setup.hpp
    # check_nofile_room), naming the entry.
    if not IS_RUNC:
        assert "process.rlimits[0]" in cp.stderr, cp.stderr
    assert not os.listdir(root)


def test_start_killed_early_neither_kills_nor_confuses(ucrun, bundle, tmp_base):
    """A `start` killed in its first milliseconds: the container either
    still waits (created, and a second start runs it) or runs (and state
    says so); never killed by SIGPIPE, never a second start that hangs."""
    for i, delay in enumerate([0, 0, 1, 1, 2, 3, 5]):
        b = bundle()
        out = tmp_base / f"s{i}.out"
        b.sh("echo started; sleep 2")
        ucrun("create", "-b", b, f"s{i}", stdout=out)
        proc = ucrun.popen("start", f"s{i}")
        time.sleep(delay / 1000)
        proc.kill9()
        proc.wait()
        proc.close()
        st = ucrun.status(f"s{i}")
        if st == "created":
            ucrun("start", f"s{i}", timeout=10)
            st = ucrun.status(f"s{i}")
        assert st == "running", (delay, st)
        deadline = time.monotonic() + 5
        while "started" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "started" in out.read_text()
        cp = ucrun.fail("start", f"s{i}", timeout=10)
        assert "running" in cp.stderr
        ucrun("delete", "--force", f"s{i}")


def test_kill9_create_during_hook_in_user_namespace(ucrun, bundle, tmp_base, root):
    """The kernel clears PR_SET_PDEATHSIG when the init's ids change (its
    setresuid to root of the user namespace): ucrun arms it again. A create
    killed while a createContainer hook runs leaves no init behind."""
    b = bundle(userns=True)
    b.linux["cgroupsPath"] = f"/{tmp_base.name}-h"
    b.config["hooks"] = {"createContainer": [{"path": "/bin/sleep", "args": ["sleep", "30"]}]}
    b.args("true")
    proc = ucrun.popen("create", "-b", b, "h")
    try:
        # The hook runs: a sleep among our descendants.
        def hook_running():
            return any("sleep" in (open(f"/proc/{p}/comm").read() if os.path.exists(f"/proc/{p}/comm") else "")
                       for p in descendants(os.getpid()))
        deadline = time.monotonic() + 10
        while not hook_running() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert hook_running(), "the createContainer hook never ran"
    finally:
        proc.kill9()
        proc.wait()
        proc.close()
    deadline = time.monotonic() + 3
    while alive_descendants() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive_descendants(), [open(f"/proc/{p}/comm").read().strip() for p in alive_descendants()]
    ucrun("delete", "--force", "h")
    assert not os.listdir(root)


def test_only_the_leak_check_helpers_report_of_a_killed_command_is_dropped(tmp_path):
    """The sanitizer run's rule for the reports of these tests (conftest,
    support.KILLED_ON_PURPOSE): an empty file, or the leak check helper's
    line about the killed command, says nothing; a report with anything
    else, or of any other pid, fails."""
    support.KILLED_ON_PURPOSE.update({4242, 4244, 4246, 4247})
    (tmp_path / "ubsan.4242").write_text("")
    (tmp_path / "asan.4243").write_text("")
    (tmp_path / "asan.4244").write_text("==4244==ERROR: AddressSanitizer: heap-use-after-free\n")
    (tmp_path / "ubsan.4246").write_text("==4249==Unable to get registers from thread 4246.\n")
    (tmp_path / "ubsan.4247").write_text("==4249==Unable to get registers from thread 4246.\n")
    dropped = support.report_of_a_killed_command
    assert dropped(tmp_path, "ubsan.4242")
    assert not dropped(tmp_path, "asan.4243")
    assert not dropped(tmp_path, "asan.4244")
    assert not dropped(tmp_path, "ubsan.4245")
    assert dropped(tmp_path, "ubsan.4246")
    assert not dropped(tmp_path, "ubsan.4247")
