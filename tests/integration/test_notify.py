"""What a service manager passes through the runtime (runc's behaviour):
NOTIFY_SOCKET (sd_notify readiness forwarded from the container) and
socket activation (LISTEN_FDS)."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from support import REPO, UCRUN_BIN, wait_for
from isolation import bundle  # noqa: F401  (a cgroup per bundle)


def sdnotify_helper(tmp_base):
    """tests/helpers/sdnotify: from the build dir next to the binary, else
    compiled here."""
    candidates = []
    if os.environ.get("UCRUN_HELPERS"):
        candidates.append(Path(os.environ["UCRUN_HELPERS"]) / "sdnotify")
    binp = Path(UCRUN_BIN)
    if len(binp.parents) >= 3:
        candidates.append(binp.parents[2] / "tests" / "helpers" / "sdnotify")
    candidates.append(REPO / "build" / "tests" / "helpers" / "sdnotify")
    for c in candidates:
        if c.is_file():
            return c
    cc = shutil.which("cc")
    if not cc:
        pytest.skip("no sdnotify helper built and no C compiler")
    out = tmp_base / "sdnotify"
    subprocess.run([cc, "-static", "-O2", "-o", str(out), str(REPO / "tests" / "helpers" / "sdnotify.c")],
                   check=True, timeout=60)
    return out


class Listener:
    """The service manager's notify socket."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(10)

    def messages(self, n):
        return [self.sock.recv(4096).decode() for _ in range(n)]

    def pending(self):
        self.sock.setblocking(False)
        try:
            return self.sock.recv(4096).decode()
        except BlockingIOError:
            return None
        finally:
            self.sock.settimeout(10)


@pytest.fixture
def notify(tmp_base):
    listener = Listener(tmp_base / "notify.sock")
    yield listener
    listener.sock.close()


def notify_bundle(bundle, tmp_base, script):
    b = bundle()
    shutil.copyfile(sdnotify_helper(tmp_base), b.rootfs / "bin" / "sdnotify")
    os.chmod(b.rootfs / "bin" / "sdnotify", 0o755)
    b.sh(script)
    return b


def env_with(**kw):
    return dict(os.environ, **kw)


def test_run_detached_waits_for_ready(ucrun, bundle, tmp_base, notify):
    b = notify_bundle(bundle, tmp_base, "echo $NOTIFY_SOCKET > /dev/shm/env; sleep 0.3; sdnotify READY=1; sleep 1000")
    ucrun("run", "-d", "-b", b, "c1", env=env_with(NOTIFY_SOCKET=notify.path))
    try:
        pid = ucrun.state("c1")["pid"]
        # run -d returned after READY=1 was forwarded, then MAINPID
        assert notify.pending() == "READY=1\n"
        assert notify.messages(1) == [f"MAINPID={pid}\n"]
        assert ucrun("exec", "c1", "cat", "/dev/shm/env").stdout.strip() == "/run/notify/notify.sock"
        # the socket dir is mounted read-only in the container
        mounts = ucrun("exec", "c1", "cat", "/proc/self/mounts").stdout.splitlines()
        opts = [m.split()[3] for m in mounts if m.split()[1] == "/run/notify"]
        assert opts and "ro" in opts[0].split(",")
    finally:
        ucrun("delete", "--force", "c1")


def test_create_start_forwards_ready(ucrun, bundle, tmp_base, notify):
    b = notify_bundle(bundle, tmp_base, "sdnotify READY=1; sleep 1000")
    env = env_with(NOTIFY_SOCKET=notify.path)
    ucrun("create", "-b", b, "c1", env=env)
    try:
        pid = ucrun.state("c1")["pid"]
        ucrun("start", "c1", env=env)
        assert notify.pending() == "READY=1\n"
        assert notify.messages(1) == [f"MAINPID={pid}\n"]
    finally:
        ucrun("delete", "--force", "c1")


def test_start_returns_when_container_exits_without_ready(ucrun, bundle, tmp_base, notify):
    b = notify_bundle(bundle, tmp_base, "exit 0")
    env = env_with(NOTIFY_SOCKET=notify.path)
    ucrun("create", "-b", b, "c1", env=env)
    try:
        ucrun("start", "c1", env=env, timeout=10)
        assert notify.pending() is None
    finally:
        ucrun("delete", "--force", "c1")


def test_foreground_run_forwards_ready(ucrun, bundle, tmp_base, notify):
    b = notify_bundle(bundle, tmp_base, "sdnotify READY=1 && echo notified")
    p = ucrun.popen("run", "-b", b, "c1", env=env_with(NOTIFY_SOCKET=notify.path))
    try:
        cp = p.wait()
    finally:
        p.close()
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "notified\n"
    # runc: the runtime, which stays in the foreground, is the main pid
    assert notify.messages(2) == ["READY=1\n", f"MAINPID={p.pid}\n"]


def test_no_notify_socket_no_mount(ucrun, bundle):
    b = bundle()
    b.sh("grep -c /run/notify /proc/self/mounts; echo ${NOTIFY_SOCKET:-unset}")
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    assert ucrun("run", "-b", b, "c1", check=False, env=env).stdout.split() == ["0", "unset"]


def test_listen_fds_passed(ucrun, bundle, tmp_base):
    """Socket activation: fds 3.. with LISTEN_FDS=n, LISTEN_PID = the
    runtime's pid, reach the container as LISTEN_FDS=n, LISTEN_PID=1."""
    b = bundle()
    b.sh('echo "$LISTEN_FDS $LISTEN_PID"; cat <&3; cat <&4; [ -e /proc/$$/fd/5 ] && echo fd5-open || echo fd5-closed')
    b.write()
    f3, f4 = tmp_base / "three", tmp_base / "four"
    f3.write_text("three\n")
    f4.write_text("four\n")
    argv = ucrun.argv(["run", "-b", b.path, "c1"])
    script = 'exec 3<"$1" 4<"$2" 5<"$2"; shift 2; LISTEN_PID=$$ LISTEN_FDS=2 exec "$@"'
    cp = subprocess.run(["sh", "-c", script, "sh", str(f3), str(f4)] + argv, capture_output=True, text=True,
                        timeout=30, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.splitlines() == ["2 1", "three", "four", "fd5-closed"]


def test_listen_fds_for_another_pid_ignored(ucrun, bundle, tmp_base):
    b = bundle()
    b.sh('echo "${LISTEN_FDS:-none}"; [ -e /proc/$$/fd/3 ] && echo fd3-open || echo fd3-closed')
    b.write()
    f3 = tmp_base / "three"
    f3.write_text("three\n")
    argv = ucrun.argv(["run", "-b", b.path, "c1"])
    script = 'exec 3<"$0"; LISTEN_PID=1 LISTEN_FDS=1 exec "$@"'
    cp = subprocess.run(["sh", "-c", script, str(f3)] + argv, capture_output=True, text=True,
                        timeout=30, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.splitlines() == ["none", "fd3-closed"]


def test_listen_fds_before_preserve_fds(ucrun, bundle, tmp_base):
    """runc: the LISTEN_FDS come first, --preserve-fds count after them."""
    b = bundle()
    b.sh('cat <&3; cat <&4')
    b.write()
    f3, f4 = tmp_base / "three", tmp_base / "four"
    f3.write_text("listen\n")
    f4.write_text("preserved\n")
    argv = ucrun.argv(["run", "--preserve-fds", "1", "-b", b.path, "c1"])
    script = 'exec 3<"$1" 4<"$2"; shift 2; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"'
    cp = subprocess.run(["sh", "-c", script, "sh", str(f3), str(f4)] + argv, capture_output=True, text=True,
                        timeout=30, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.splitlines() == ["listen", "preserved"]
