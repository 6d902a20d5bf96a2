"""Fixtures and hooks; the machinery lives in support.py (see its docstring)."""

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import pytest

import support

from support import (BASE_PREFIX, SECCOMP_CACHE, BUSYBOX, GLOBAL_ARGS, IS_RUNC, REAPER, TMP, UCRUN_BIN,
                     Bundle, Runner, foreign_mount, descendants, host_has_ns, mount_points,
                     proc_cmdline, proc_stat, proc_state, umount)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ucrun_specific: behaviour (error wording, stricter checks) "
        "where ucrun is expected to differ from runc; xfail under UCRUN_BIN=runc")
    config.addinivalue_line("markers", "needs_ns(kind): skip if the host kernel lacks the namespace")
    if os.geteuid() != 0:
        raise pytest.UsageError("the integration tests must run as root")
    REAPER.start()


def pytest_report_header(config):
    return [f"runtime: {UCRUN_BIN}{' (runc: ucrun_specific tests are xfail)' if IS_RUNC else ''}",
            f"global args: {shlex.join(GLOBAL_ARGS) or '(none)'}"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if IS_RUNC and item.get_closest_marker("ucrun_specific"):
            item.add_marker(pytest.mark.xfail(reason="ucrun-specific behaviour; runc differs",
                                              strict=False))
        m = item.get_closest_marker("needs_ns")
        if m and not host_has_ns(m.args[0]):
            item.add_marker(pytest.mark.skip(reason=f"kernel has no {m.args[0]} namespace"))


@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not (os.path.isfile(UCRUN_BIN) and os.access(UCRUN_BIN, os.X_OK)):
        pytest.exit(f"runtime binary not found: {UCRUN_BIN} (build it, or set UCRUN_BIN)", 2)
    if not BUSYBOX.is_file():
        pytest.exit(f"busybox not found: {BUSYBOX} (set UCRUN_BUSYBOX)", 2)


# tests/sanitize/run.sh runs this suite against the -Db_sanitize=address,undefined
# build with the sanitizers' log_path in UCRUN_SANITIZER_LOG_DIR: a report
# written by any ucrun process during a test fails that test, with the
# report (UBSan only prints and goes on; the exit code alone would miss it).
SANITIZER_LOG_DIR = os.environ.get("UCRUN_SANITIZER_LOG_DIR")


@pytest.fixture(autouse=True)
def _sanitizer_reports():
    support.KILLED_ON_PURPOSE.clear()
    if not SANITIZER_LOG_DIR:
        yield
        return
    before = set(os.listdir(SANITIZER_LOG_DIR))
    yield
    new = sorted(set(os.listdir(SANITIZER_LOG_DIR)) - before)
    for name in [n for n in new if support.report_of_a_killed_command(SANITIZER_LOG_DIR, n)]:
        warnings.warn(f"sanitizer report {name}: the leak check helper of a command killed on purpose, dropped")
        os.unlink(Path(SANITIZER_LOG_DIR, name))
        new.remove(name)
    if new:
        text = "\n".join(f"== {n}\n" + Path(SANITIZER_LOG_DIR, n).read_text(errors="replace")[:6000]
                          for n in new[:5])
        pytest.fail(f"sanitizer report(s) from ucrun: {new}\n{text}", pytrace=False)


@pytest.fixture
def tmp_base():
    """Per-test scratch dir.  On teardown: leak checks, then removal."""
    mounts_before = mount_points()
    base = Path(tempfile.mkdtemp(prefix=BASE_PREFIX, dir=TMP))
    os.chmod(base, 0o755)  # a mapped root (uid 100000) must be able to traverse it
    yield base

    problems = []
    # Processes: everything the test started must be gone.
    deadline = time.monotonic() + 5
    while True:
        REAPER.poll_owned()
        REAPER.reap_once()
        left = [p for p in descendants(os.getpid()) if proc_stat(p)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if left:
        problems.append("leftover processes: " + "; ".join(
            f"{p} [{proc_state(p)}] {proc_cmdline(p)}" for p in left))
        for p in left:  # descendants of this test process only
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
        REAPER.reap_once(include_owned=True)
    # Mounts: nothing added to or removed from the host mount namespace.
    after = mount_points()
    added = list(after)
    for m in mounts_before:
        if m in added:
            added.remove(m)
    removed = list(mounts_before)
    for m in after:
        if m in removed:
            removed.remove(m)
    added = [m for m in added if not foreign_mount(m[0], base)]
    removed = [m for m in removed if not foreign_mount(m[0], base)]
    if added:
        problems.append(f"leftover mounts: {added}")
    if removed:
        problems.append(f"host mounts disappeared: {removed}")
    for mp, _, _ in sorted(added, key=lambda m: -len(m[0])):
        if mp == str(base) or mp.startswith(str(base) + "/"):
            umount(mp)
    if not any(mp == str(base) or mp.startswith(str(base) + "/") for mp, _, _ in mount_points()):
        shutil.rmtree(base, ignore_errors=True)
    else:
        problems.append(f"could not unmount everything under {base}; left in place")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def root(tmp_base):
    """The --root state dir; must be empty again after the test, but for
    @seccomp, the compiled filters ucrun keeps for the root's next
    containers (src/container/seccomp_cache.hpp)."""
    r = tmp_base / "root"
    r.mkdir(mode=0o700)
    yield r
    left = sorted(n for n in os.listdir(r) if n != SECCOMP_CACHE)
    if not left:
        return
    runner = Runner(r, tmp_base)
    msgs = []
    for name in left:
        if (r / name).is_dir():
            cp = runner("delete", "--force", name, check=False, timeout=30)
            if cp.returncode != 0:
                msgs.append(f"delete --force {name}: exit {cp.returncode}: {cp.stderr.strip()}")
    still = sorted(n for n in os.listdir(r) if n != SECCOMP_CACHE)
    pytest.fail(f"test left containers/state behind in --root: {left}"
                + (f"; after delete --force: {still}" if still else "")
                + ("; " + "; ".join(msgs) if msgs else ""), pytrace=False)


@pytest.fixture
def ucrun(root, tmp_base):
    return Runner(root, tmp_base)


@pytest.fixture
def bundle(tmp_base):
    """Factory: bundle(userns=False, name=None) -> Bundle."""
    n = [0]

    def make(userns=False, name=None):
        n[0] += 1
        return Bundle(tmp_base / (name or f"bundle{n[0]}"), userns=userns)

    return make


@pytest.fixture
def host_dir(tmp_base):
    """Factory: a root-owned 0755 dir on the host (for bind mounts)."""
    n = [0]

    def make(name=None, mode=0o755):
        n[0] += 1
        d = tmp_base / (name or f"hostdir{n[0]}")
        d.mkdir()
        os.chmod(d, mode)
        os.chown(d, 0, 0)
        return d

    return make


@pytest.fixture
def persistent_ns(tmp_base):
    """Factory: persistent_ns(kind) -> path of a new namespace of `kind`
    ("net", "uts", "ipc"...), held by a bind mount; unmounted afterwards."""
    made = []

    def make(kind, setup=None):
        d = tmp_base / "ns"
        d.mkdir(exist_ok=True)
        f = d / f"{kind}{len(made)}"
        f.touch()
        cmd = ["unshare", f"--{kind}={f}"]
        cmd += ["sh", "-c", setup] if setup else ["true"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=10)
        made.append(f)
        return f

    yield make
    for f in reversed(made):
        umount(f)
