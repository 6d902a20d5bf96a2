"""process.terminal (config.md "Process"): the pty master sent to
--console-socket (create, exec -t -d), and proxied by the runtime itself
when it stays in the foreground (run, exec -t): raw mode, window size,
SIGWINCH, the terminal restored afterwards."""

import array
import fcntl
import os
import select
import signal
import socket
import struct
import subprocess
import termios
import time

import pytest

from support import proc_alive, wait_for
from isolation import bundle  # noqa: F401  (a cgroup per bundle)


def winsize(fd, rows=None, cols=None):
    if rows is not None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))[:2]


def read_until(fd, needle, timeout=10):
    buf = b""
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        r = select.select([fd], [], [], max(0, left))[0] if left > 0 else []
        if not r:
            raise AssertionError(f"timed out waiting for {needle!r}; got {buf!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side is gone
            chunk = b""
        if not chunk:
            raise AssertionError(f"EOF waiting for {needle!r}; got {buf!r}")
        buf += chunk
    return buf


class ConsoleSocket:
    """A --console-socket receiver (what containerd's shim and conmon do)."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.sock.settimeout(10)

    def receive(self):
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(10)
            msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
        assert len(fds) == 1, f"expected one fd, got {fds} with {msg!r}"
        return msg.decode(), fds[0]

    def close(self):
        self.sock.close()


@pytest.fixture
def console_socket(tmp_base):
    made = []

    def make(name="console.sock"):
        c = ConsoleSocket(tmp_base / name)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def terminal_bundle(bundle, *args):
    b = bundle()
    b.process["terminal"] = True
    os.symlink("busybox", b.rootfs / "bin" / "stty")
    os.symlink("busybox", b.rootfs / "bin" / "tty")
    if args:
        b.args(*args)
    return b


def test_console_socket_gets_working_master(ucrun, bundle, console_socket):
    cs = console_socket()
    b = terminal_bundle(bundle, "sh")
    ucrun("create", "--console-socket", cs.path, "-b", b, "c1")
    name, master = cs.receive()
    try:
        assert name.startswith("/dev/")  # runc: "/dev/ptmx"; ucrun: the pty's name
        ucrun("start", "c1")
        os.write(master, b"echo hi-$((6*7)); tty; [ -t 0 ] && echo stdin-is-a-tty-$((1+1))\n")
        out = read_until(master, b"stdin-is-a-tty-2\r\n")
        assert b"hi-42" in out
        assert b"/dev/pts/0" in out
        os.write(master, b"exit 5\n")
        ucrun.wait_status("c1", "stopped")
    finally:
        os.close(master)
        ucrun("delete", "--force", "c1")


def test_console_size_honoured(ucrun, bundle, console_socket):
    cs = console_socket()
    b = terminal_bundle(bundle, "sh", "-c", "stty size; sleep 1000")
    b.process["consoleSize"] = {"height": 40, "width": 100}
    ucrun("create", "--console-socket", cs.path, "-b", b, "c1")
    _, master = cs.receive()
    try:
        ucrun("start", "c1")
        assert b"40 100" in read_until(master, b"40 100")
    finally:
        os.close(master)
        ucrun("delete", "--force", "c1")


def test_detached_terminal_needs_console_socket(ucrun, bundle, root):
    b = terminal_bundle(bundle, "true")
    cp = ucrun.fail("run", "-d", "-b", b, "c1")
    assert "cannot allocate tty" in cp.stderr
    cp = ucrun.fail("create", "-b", b, "c1")
    assert "cannot allocate tty" in cp.stderr
    assert os.listdir(root) == []


class PtyRun:
    """The runtime started on a pty of ours, as from an interactive shell."""

    def __init__(self, argv, rows=24, cols=80):
        self.master, self.slave = os.openpty()
        winsize(self.slave, rows, cols)
        self.attrs = termios.tcgetattr(self.slave)
        self.popen = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                      start_new_session=True)
        self.out = b""

    def read_until(self, needle, timeout=10):
        self.out += read_until(self.master, needle, timeout)
        return self.out

    def wait(self, timeout=20):
        """Waits for the runtime, collecting what it writes; its exit code."""
        deadline = time.monotonic() + timeout
        while self.popen.poll() is None:
            if time.monotonic() > deadline:
                self.popen.kill()
                self.popen.wait()
                raise AssertionError(f"timed out; output so far: {self.out!r}")
            if select.select([self.master], [], [], 0.05)[0]:
                self.out += os.read(self.master, 4096)
        while select.select([self.master], [], [], 0.1)[0]:
            chunk = os.read(self.master, 4096)
            if not chunk:
                break
            self.out += chunk
        return self.popen.returncode

    def close(self):
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        os.close(self.master)
        os.close(self.slave)


def test_run_foreground_terminal(ucrun, bundle):
    b = terminal_bundle(bundle, "sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-a-tty; stty size; exit 3")
    b.write()
    p = PtyRun(ucrun.argv(["run", "-b", b.path, "c1"]), rows=30, cols=90)
    try:
        assert p.wait() == 3, p.out
        out = p.out.decode(errors="replace")
        assert "/dev/pts/0" in out
        assert "stdio-is-a-tty" in out
        # the runtime put our terminal back as it found it
        assert termios.tcgetattr(p.slave) == p.attrs
    finally:
        p.close()


@pytest.mark.ucrun_specific  # runc 1.1 resizes after the process has started (racy)
def test_run_foreground_terminal_size_from_start(ucrun, bundle):
    b = terminal_bundle(bundle, "stty", "size")
    b.write()
    p = PtyRun(ucrun.argv(["run", "-b", b.path, "c1"]), rows=30, cols=90)
    try:
        assert p.wait() == 0, p.out
        assert b"30 90" in p.out  # our window size, on the container's pty before it ran
    finally:
        p.close()


def test_run_foreground_terminal_interactive(ucrun, bundle):
    b = terminal_bundle(bundle, "sh")
    b.write()
    p = PtyRun(ucrun.argv(["run", "-b", b.path, "c1"]))
    try:
        os.write(p.master, b"echo answer-$((40+2))\n")
        p.read_until(b"answer-42")
        os.write(p.master, b"exit 4\n")
        assert p.wait() == 4, p.out
    finally:
        p.close()


@pytest.fixture
def running(ucrun, bundle):
    b = bundle()
    os.symlink("busybox", b.rootfs / "bin" / "stty")
    os.symlink("busybox", b.rootfs / "bin" / "tty")
    b.args("sleep", "1000")
    ucrun("run", "-d", "-b", b, "c1")
    yield ucrun.state("c1")["pid"]
    ucrun("delete", "--force", "c1")


def test_exec_tty_foreground(ucrun, running):
    p = PtyRun(ucrun.argv(["exec", "-t", "c1", "sh", "-c", "tty; [ -t 0 ] && echo stdin-is-a-tty; stty size; exit 6"]),
               rows=33, cols=77)
    try:
        assert p.wait() == 6, p.out
        out = p.out.decode(errors="replace")
        assert "/dev/pts/0" in out
        assert "stdin-is-a-tty" in out
        assert termios.tcgetattr(p.slave) == p.attrs
    finally:
        p.close()


@pytest.mark.ucrun_specific  # runc 1.1 resizes after the process has started (racy)
def test_exec_tty_size_from_start(ucrun, running):
    p = PtyRun(ucrun.argv(["exec", "-t", "c1", "stty", "size"]), rows=33, cols=77)
    try:
        assert p.wait() == 0, p.out
        assert b"33 77" in p.out
    finally:
        p.close()


def test_exec_tty_sigwinch(ucrun, running):
    p = PtyRun(ucrun.argv(["exec", "-t", "c1", "sh", "-c", "echo ready; read x; stty size"]),
               rows=24, cols=80)
    try:
        p.read_until(b"ready")
        winsize(p.slave, 50, 132)
        os.kill(p.popen.pid, signal.SIGWINCH)
        time.sleep(0.3)
        os.write(p.master, b"\n")
        assert p.wait() == 0, p.out
        assert b"50 132" in p.out
    finally:
        p.close()


def test_exec_without_tty_has_no_terminal(ucrun, running):
    cp = ucrun("exec", "c1", "sh", "-c", "[ -t 0 ] && echo tty || echo notty")
    assert cp.stdout.strip() == "notty"


def test_exec_tty_console_socket(ucrun, running, console_socket, tmp_base):
    cs = console_socket()
    pf = tmp_base / "exec.pid"
    ucrun("exec", "-t", "-d", "--console-socket", cs.path, "--pid-file", pf, "c1", "sh")
    name, master = cs.receive()
    pid = int(pf.read_text())
    try:
        assert name.startswith("/dev/")  # runc: "/dev/ptmx"; ucrun: the pty's name
        os.write(master, b"echo exec-$((3*5)); tty\n")
        out = read_until(master, b"/dev/pts/0\r\n")
        assert b"exec-15" in out
        os.write(master, b"exit\n")
        wait_for(lambda: not proc_alive(pid), what="exec'd shell gone")
    finally:
        os.close(master)


def test_exec_detached_tty_needs_console_socket(ucrun, running):
    cp = ucrun.fail("exec", "-t", "-d", "c1", "true")
    assert "cannot allocate tty" in cp.stderr
