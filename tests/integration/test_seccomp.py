"""linux.seccomp (config-linux.md "Seccomp", "The Container Process State").

Filters that deny, filters on arguments, a realistic allow list (Docker's
default profile) and SCMP_ACT_NOTIFY with a seccomp agent listening on
linux.seccomp.listenerPath.  The agent is a thread of the test: it receives
the notify fd and the container process state (socket.recv_fds), then
answers trapped syscalls with SECCOMP_IOCTL_NOTIF_RECV / _SEND.
"""

import errno
import fcntl
import json
import os
import subprocess
import re
import stat
import select
import signal
import socket
import struct
import threading

import pytest

from support import REPO, SECCOMP_CACHE, UCRUN_BIN, state_left

DOCKER_DEFAULT = REPO / "tests" / "unit" / "security" / "fixtures" / "docker-default-amd64.json"

# x86_64 numbers (the suite runs on amd64; Docker's profile is the amd64 one)
NR = {"mkdir": 83, "mkdirat": 258}

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86_64 syscall numbers")


@pytest.fixture
def bundle(bundle, tmp_base):
    """The conftest factory, with a cgroup of the test's own: the default
    (/<id>, "c1") is shared with concurrent runs of the suite."""
    def make(*a, **kw):
        b = bundle(*a, **kw)
        b.linux["cgroupsPath"] = f"/{tmp_base.name}-{b.path.name}"
        return b
    return make


def seccomp(b, default="SCMP_ACT_ALLOW", syscalls=(), **extra):
    b.linux["seccomp"] = {"defaultAction": default, "architectures": ["SCMP_ARCH_X86_64"],
                          "syscalls": list(syscalls), **extra}
    return b.linux["seccomp"]


def writable_tmp(b):
    b.add_mount("/tmp", "tmpfs", "tmpfs", ["nosuid", "nodev", "mode=1777"])
    return b


# ---------------------------------------------------------------------------
# deny, arguments, kill


@pytest.mark.parametrize("nnp", [True, False])
def test_deny_mkdir_eperm(ucrun, bundle, nnp):
    b = writable_tmp(bundle())
    b.process["noNewPrivileges"] = nnp
    seccomp(b, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM}])
    b.sh("mkdir /tmp/x; echo rc=$?; echo data > /tmp/y && cat /tmp/y; "
         "grep -E '^Seccomp:' /proc/self/status")
    cp = ucrun("run", "-b", b, "c1")
    assert "Operation not permitted" in cp.stderr
    out = cp.stdout.split("\n")
    assert "rc=1" in out
    assert "data" in out
    assert any(line.split() == ["Seccomp:", "2"] for line in out), cp.stdout


def test_errno_default_is_eperm_and_errnoret(ucrun, bundle):
    b = writable_tmp(bundle())
    seccomp(b, syscalls=[
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},  # EPERM
        {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EROFS},
    ])
    b.sh("mkdir /tmp/x; rmdir /tmp; true")
    cp = ucrun("run", "-b", b, "c1")
    assert "Operation not permitted" in cp.stderr
    assert "Read-only file system" in cp.stderr


def test_arg_filter_eq(ucrun, bundle):
    # kill(pid, SIGUSR1) denied, kill(pid, 0) allowed: arg 1 == 10
    b = bundle()
    seccomp(b, syscalls=[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM,
                          "args": [{"index": 1, "value": signal.SIGUSR1, "op": "SCMP_CMP_EQ"}]}])
    b.sh("kill -0 $$ && echo zero-ok; kill -USR1 $$ || echo usr1-denied")
    cp = ucrun("run", "-b", b, "c1")
    assert cp.stdout.split() == ["zero-ok", "usr1-denied"]


def test_arg_filter_masked_eq(ucrun, bundle):
    # openat(..., flags & O_CREAT == O_CREAT) -> EACCES; reading still works.
    # SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the datum (runc).
    b = writable_tmp(bundle())
    seccomp(b, syscalls=[{"names": [n], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EACCES,
                          "args": [{"index": 1 if n == "open" else 2, "value": os.O_CREAT,
                                    "valueTwo": os.O_CREAT, "op": "SCMP_CMP_MASKED_EQ"}]}
                         for n in ("open", "openat")])
    b.sh("head -1 /etc/passwd; echo x > /tmp/new || echo create-denied")
    cp = ucrun("run", "-b", b, "c1")
    assert cp.stdout.split("\n")[:2] == ["root:x:0:0:root:/root:/bin/sh", "create-denied"]
    assert "Permission denied" in cp.stderr


def test_arg_filter_personality(ucrun, bundle):
    # personality(PER_LINUX32) denied by its argument, personality(PER_LINUX) allowed
    b = bundle()
    seccomp(b, syscalls=[{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM,
                          "args": [{"index": 0, "value": 0x8, "op": "SCMP_CMP_EQ"}]}])
    b.sh("linux64 true && echo linux64-ok; linux32 true || echo linux32-denied")
    cp = ucrun("run", "-b", b, "c1")
    assert cp.stdout.split() == ["linux64-ok", "linux32-denied"]


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS"])
def test_kill_action(ucrun, bundle, action):
    b = writable_tmp(bundle())
    seccomp(b, syscalls=[{"names": ["mkdir", "mkdirat"], "action": action}])
    b.args("mkdir", "/tmp/x")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode == 128 + signal.SIGSYS, cp.stderr


@pytest.mark.ucrun_specific  # runc 1.1: "seccomp flags are not yet supported by runc"
def test_flags_log(ucrun, bundle):
    b = bundle()
    seccomp(b, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}],
            flags=["SECCOMP_FILTER_FLAG_LOG"])
    b.args("echo", "ok")
    assert ucrun("run", "-b", b, "c1").stdout == "ok\n"


# ---------------------------------------------------------------------------
# a realistic allow list


def docker_profile():
    return json.loads(DOCKER_DEFAULT.read_text())


@pytest.mark.parametrize("nnp", [True, False])
def test_docker_default_profile_runs_a_shell(ucrun, bundle, nnp):
    b = writable_tmp(bundle())
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = docker_profile()
    b.sh("echo hello; id -u; ls / > /dev/null; mkdir /tmp/d && echo made > /tmp/d/f; cat /tmp/d/f; "
         "sleep 0.01 & wait; ps > /dev/null; grep -E '^Seccomp:' /proc/self/status")
    cp = ucrun("run", "-b", b, "c1")
    out = cp.stdout.split("\n")
    assert out[:3] == ["hello", "0", "made"], cp.stdout + cp.stderr
    assert out[3].split() == ["Seccomp:", "2"]


def test_docker_default_profile_denies(ucrun, bundle):
    # default action SCMP_ACT_ERRNO(EPERM) for what the allow list lacks:
    # remove "mkdir"/"mkdirat" from it
    b = writable_tmp(bundle())
    prof = docker_profile()
    for s in prof["syscalls"]:
        s["names"] = [n for n in s["names"] if n not in ("mkdir", "mkdirat")]
    prof["syscalls"] = [s for s in prof["syscalls"] if s["names"]]
    b.linux["seccomp"] = prof
    b.sh("mkdir /tmp/x || echo denied; echo still-running")
    cp = ucrun("run", "-b", b, "c1")
    assert cp.stdout.split() == ["denied", "still-running"]
    assert "Operation not permitted" in cp.stderr


def test_docker_default_profile_create_start(ucrun, bundle, tmp_base):
    b = bundle()
    b.linux["seccomp"] = docker_profile()
    b.sh("echo started")
    out = tmp_base / "out"
    ucrun.create_start(b, "c1", stdout=out)
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    assert out.read_text() == "started\n"


# ---------------------------------------------------------------------------
# invalid profiles


def test_unknown_action_fails_create(ucrun, bundle, root):
    b = bundle()
    seccomp(b, syscalls=[{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}])
    b.args("true")
    cp = ucrun.fail("create", "-b", b, "c1")
    assert "SCMP_ACT_NOPE" in cp.stderr or "seccomp" in cp.stderr.lower()
    assert state_left(root) == []


@pytest.mark.parametrize("detach", [False, True])
def test_filter_denying_execveat_fails_run_cleanly(ucrun, bundle, root, detach):
    """Without noNewPrivileges the filter is loaded before the init is
    ready, and a `run` has the init execute the exec trampoline right then
    (src/proc/init.cpp): a filter that denies execveat makes it exit, often
    before ucrun has released it. `run` then ends as that process did (126,
    with the trampoline's hint), and nothing of the container is left."""
    b = bundle()
    b.process["noNewPrivileges"] = False
    seccomp(b, syscalls=[{"names": ["execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM}])
    b.args("true")
    if detach:
        cp = ucrun("run", "-d", "-b", b, "c1", check=False)
        # Detached, ucrun may or may not see the init gone before it returns.
        if cp.returncode == 0:
            ucrun.wait_status("c1", "stopped")
            ucrun("delete", "c1")
    else:
        cp = ucrun.fail("run", "-b", b, "c1")
        assert cp.returncode == 126, cp
        assert "through the exec trampoline: Operation not permitted" in cp.stderr, cp.stderr
        assert "deny execveat" in cp.stderr, cp.stderr  # the hint (proc/trampoline.hpp)
    assert state_left(root) == []


def test_unknown_syscall_ignored(ucrun, bundle):
    b = bundle()
    seccomp(b, syscalls=[{"names": ["no_such_syscall_xyz", "mkdir"], "action": "SCMP_ACT_ERRNO"}])
    b.args("echo", "ok")
    assert ucrun("run", "-b", b, "c1").stdout == "ok\n"


# ---------------------------------------------------------------------------
# SCMP_ACT_NOTIFY and the seccomp agent

SECCOMP_IOCTL_NOTIF_RECV = (3 << 30) | (80 << 16) | (ord("!") << 8) | 0  # _IOWR('!', 0, struct seccomp_notif)
SECCOMP_IOCTL_NOTIF_SEND = (3 << 30) | (24 << 16) | (ord("!") << 8) | 1  # _IOWR('!', 1, struct seccomp_notif_resp)
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1


class Agent(threading.Thread):
    """A seccomp agent on `path`.  reply(nr, args) -> (val, error, flags):
    error is a negative errno (0: success with return value val), flags
    SECCOMP_USER_NOTIF_FLAG_CONTINUE lets the kernel run the syscall."""

    def __init__(self, path, reply):
        super().__init__(daemon=True)
        self.path = str(path)
        self.reply = reply
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(4)
        self.srv.settimeout(30)
        self.state = None        # the container process state
        self.nfds = 0
        self.closed = False      # the runtime closed the connection after the state
        self.calls = []          # (nr, pid, args)
        self.error = None
        self.got_fd = threading.Event()
        self.stop = threading.Event()

    def run(self):
        fd = -1
        try:
            conn, _ = self.srv.accept()
            with conn:
                conn.settimeout(30)
                msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
                self.nfds = len(fds)
                fd = fds[0]
                data = msg
                while True:  # config-linux.md: one state per connection, then closed
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.closed = True
                self.state = json.loads(data)
            self.got_fd.set()
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while not self.stop.is_set():
                ev = poller.poll(50)
                if not ev:
                    continue
                if ev[0][1] & select.POLLIN:
                    self._answer(fd)
                elif ev[0][1] & (select.POLLHUP | select.POLLERR):
                    break  # no process left under the filter
        except Exception as e:  # reported by the test
            self.error = e
            self.got_fd.set()
        finally:
            if fd >= 0:
                os.close(fd)
            self.srv.close()

    def _answer(self, fd):
        buf = bytearray(80)  # struct seccomp_notif, zeroed as the kernel requires
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.EINTR):  # the target went away
                return
            raise
        nid, pid, _flags = struct.unpack_from("=QII", buf, 0)
        nr, _arch, _ip = struct.unpack_from("=iIQ", buf, 16)
        args = struct.unpack_from("=6Q", buf, 32)
        self.calls.append((nr, pid, args))
        val, error, flags = self.reply(nr, args)
        resp = bytearray(struct.pack("=QqiI", nid, val, error, flags))
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp, True)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise

    def finish(self):
        self.stop.set()
        self.join(10)
        if self.error:
            raise self.error


@pytest.fixture
def agent(tmp_base):
    made = []

    def make(reply):
        a = Agent(tmp_base / f"agent{len(made)}.sock", reply)
        a.start()
        made.append(a)
        return a

    yield make
    for a in made:
        a.stop.set()
        a.join(10)


def notify_mkdir(b, agent_path, metadata=None):
    s = seccomp(b, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
                listenerPath=str(agent_path))
    if metadata is not None:
        s["listenerMetadata"] = metadata
    return s


@pytest.mark.parametrize("nnp", [True, False])
def test_notify_agent_denies(ucrun, bundle, agent, nnp):
    a = agent(lambda nr, args: (0, -errno.EPERM, 0))
    b = writable_tmp(bundle())
    b.process["noNewPrivileges"] = nnp
    notify_mkdir(b, a.path, metadata="some-metadata")
    b.args("mkdir", "/tmp/x")
    ucrun("create", "-b", b, "c1")
    pid = ucrun.state("c1")["pid"]
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    a.finish()

    # the container process state (config-linux.md)
    st = a.state
    assert a.closed and a.nfds == 1
    assert st["fds"] == ["seccompFd"]
    assert st["pid"] == pid
    assert st["metadata"] == "some-metadata"
    assert st["ociVersion"]
    assert st["state"]["id"] == "c1"
    assert st["state"]["pid"] == pid
    assert st["state"]["bundle"] == str(b.path)
    assert st["state"]["status"] in ("creating", "created")
    # the trapped syscall, from the container's init
    assert [c[0] for c in a.calls] and all(c[0] in NR.values() for c in a.calls)
    assert a.calls[0][1] == pid


def run_with_agent(ucrun, b, tmp_base):
    """create + start + wait + delete (runc 1.1's `run` hangs with a
    listener); returns the container's stdout."""
    out = tmp_base / "out"
    ucrun.create_start(b, "c1", stdout=out)
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    return out.read_text()


@pytest.mark.ucrun_specific  # runc 1.1.5: `run` with a seccomp listener hangs
def test_notify_agent_denies_run(ucrun, bundle, agent):
    a = agent(lambda nr, args: (0, -errno.EPERM, 0))
    b = writable_tmp(bundle())
    notify_mkdir(b, a.path)
    b.sh("mkdir /tmp/x; echo rc=$?; ls /tmp")
    cp = ucrun("run", "-b", b, "c1", timeout=15)
    a.finish()
    assert "Operation not permitted" in cp.stderr
    assert cp.stdout == "rc=1\n"
    assert "metadata" not in a.state
    assert len(a.calls) == 1


def test_notify_agent_continue(ucrun, bundle, agent, tmp_base):
    a = agent(lambda nr, args: (0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE))
    b = writable_tmp(bundle())
    notify_mkdir(b, a.path)
    b.sh("mkdir /tmp/x && ls -d /tmp/x")
    out = run_with_agent(ucrun, b, tmp_base)
    a.finish()
    assert out == "/tmp/x\n"
    assert len(a.calls) == 1


def test_notify_agent_fakes_success(ucrun, bundle, agent, tmp_base):
    # the agent answers "0" without running the syscall: mkdir succeeds,
    # no directory
    a = agent(lambda nr, args: (0, 0, 0))
    b = writable_tmp(bundle())
    notify_mkdir(b, a.path)
    b.sh("mkdir /tmp/x && echo mkdir-ok; ls -d /tmp/x || echo absent")
    out = run_with_agent(ucrun, b, tmp_base)
    a.finish()
    assert out.split() == ["mkdir-ok", "absent"]


@pytest.mark.parametrize("userns,join_net", [(False, False), (True, False), (True, True), (False, True)])
def test_notify_agent_pid_and_userns(ucrun, bundle, agent, tmp_base, persistent_ns, userns, join_net):
    # the state's pid is the host pid of the container's init, also when the
    # init is forked into a pid namespace owned by a new user namespace
    # (joining a namespace by path takes that road); without a user
    # namespace the join path sends the state once, after the init's maps
    # handshake (it was sent twice, and the init took the first for MapsDone)
    a = agent(lambda nr, args: (0, -errno.EPERM, 0))
    b = writable_tmp(bundle(userns=userns))
    if join_net:
        b.set_ns("network", persistent_ns("net"))
        # sysfs needs a network namespace owned by the user namespace
        b.drop_mount("/sys/fs/cgroup").drop_mount("/sys")
    notify_mkdir(b, a.path)
    b.sh("mkdir /tmp/x 2>/dev/null || echo denied")
    out = tmp_base / "out"
    ucrun("create", "-b", b, "c1", stdout=out)
    pid = ucrun.state("c1")["pid"]
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    a.finish()
    assert out.read_text() == "denied\n"
    assert a.state["pid"] == pid
    assert a.state["state"]["pid"] == pid


def test_notify_listener_missing_fails_create(ucrun, bundle, tmp_base, root):
    b = bundle()
    notify_mkdir(b, tmp_base / "nobody-listens.sock")
    b.args("true")
    cp = ucrun.fail("create", "-b", b, "c1")
    assert "nobody-listens.sock" in cp.stderr
    assert state_left(root) == []


def test_listener_path_ignored_without_notify(ucrun, bundle, tmp_base):
    # config-linux.md: without SCMP_ACT_NOTIFY, listenerPath is ignored
    b = bundle()
    seccomp(b, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}],
            listenerPath=str(tmp_base / "nobody-listens.sock"))
    b.args("echo", "ok")
    assert ucrun("run", "-b", b, "c1").stdout == "ok\n"


@pytest.mark.ucrun_specific  # runc 1.1 does not refuse it at create time
def test_notify_default_action_refused(ucrun, bundle, tmp_base, root):
    b = bundle()
    seccomp(b, default="SCMP_ACT_NOTIFY", listenerPath=str(tmp_base / "x.sock"))
    b.args("true")
    cp = ucrun.fail("create", "-b", b, "c1")
    assert "linux.seccomp.defaultAction" in cp.stderr
    assert state_left(root) == []


# ---------------------------------------------------------------------------
# the compiled filters a root keeps for its next containers (@seccomp)


def cache_entries(root):
    d = root / SECCOMP_CACHE
    return sorted(p for p in d.iterdir()) if d.is_dir() else []


@pytest.mark.ucrun_specific
def test_compiled_filter_is_kept_private_and_used_by_the_next_container(ucrun, bundle, root):
    """A create compiles linux.seccomp once for the root: the program is
    kept in <root>/@seccomp (0700, entries 0600), one entry per profile,
    and the next container of the same profile takes it from there. Shown
    by swapping the program of profile A's entry for profile B's (same
    layout, A's key kept): A's next container then runs under B's filter.
    A profile that does not compile keeps nothing."""
    deny = [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM}]
    a = writable_tmp(bundle())
    seccomp(a, syscalls=deny)
    a.sh("mkdir /tmp/x && echo made || echo refused")
    assert ucrun("run", "-b", a, "a1").stdout.split() == ["refused"]
    entries = cache_entries(root)
    assert len(entries) == 1
    assert stat.S_IMODE(os.stat(root / SECCOMP_CACHE).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(entries[0]).st_mode) == 0o600
    assert ucrun("run", "-b", a, "a2").stdout.split() == ["refused"]
    assert cache_entries(root) == entries  # taken, not made again
    # Keyed by this build of ucrun among the rest: another build (another
    # libseccomp's syscall tables) does not take it.
    notes = subprocess.run(["readelf", "-n", UCRUN_BIN], capture_output=True, text=True).stdout
    build_id = re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)
    data = entries[0].read_bytes()
    key = data[8:8 + int.from_bytes(data[4:8], "little")].decode()
    assert f"\nbuild {build_id}\n" in key, key[:200]

    b = writable_tmp(bundle())
    seccomp(b, syscalls=[{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM}])
    b.sh("mkdir /tmp/x && echo made || echo refused")
    assert ucrun("run", "-b", b, "b1").stdout.split() == ["made"]
    (entry_b,) = [e for e in cache_entries(root) if e not in entries]

    def split(data):
        klen = int.from_bytes(data[4:8], "little")
        return data[:8 + klen], data[8 + klen:]
    head_a, _ = split(entries[0].read_bytes())
    _, prog_b = split(entry_b.read_bytes())
    entries[0].write_bytes(head_a + prog_b)
    os.chmod(entries[0], 0o600)
    assert ucrun("run", "-b", a, "a3").stdout.split() == ["made"]

    # An entry that is not one of ours is not used: compiled again.
    os.chmod(entries[0], 0o644)
    assert ucrun("run", "-b", a, "a4").stdout.split() == ["refused"]
    # Nor one whose key differs from the profile's text.
    data = bytearray(entries[0].read_bytes())
    data[20] ^= 1
    entries[0].write_bytes(bytes(data))
    os.chmod(entries[0], 0o600)
    assert ucrun("run", "-b", a, "a5").stdout.split() == ["refused"]

    bad = bundle()
    seccomp(bad, syscalls=[{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}])
    bad.args("true")
    before = cache_entries(root)
    ucrun.fail("run", "-b", bad, "bad")
    assert cache_entries(root) == before


# ---------------------------------------------------------------------------
# a profile libseccomp takes too long to compile


def test_a_profile_libseccomp_cannot_make_in_time_is_refused_naming_the_field(ucrun, bundle, root):
    """Ranges on several arguments of several rules of one syscall grow
    libseccomp's program exponentially (5 such rules: more than a minute,
    unbounded; security/seccomp.cpp export_bounded): refused after the
    budget with the field named, and nothing left (no state, no process:
    the exporting child is killed and reaped, the conftest checks the
    rest). A rule with a range and an equality that fits compiles (in the bounded
    child) and decides as before."""
    b = bundle()
    rules = [{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO",
              "args": [{"index": j, "value": (1 << 33) | (i * 7 + j * 13 + 1), "op": "SCMP_CMP_GT"}
                       for j in range(6)]} for i in range(5)]
    seccomp(b, syscalls=rules)
    b.args("true")
    cp = ucrun.fail("create", "-b", b, "c1", timeout=60)
    assert "config.json: linux.seccomp.syscalls: libseccomp did not make the filter within" in cp.stderr, cp.stderr
    assert state_left(root) == []

    ok = bundle()
    seccomp(ok, syscalls=[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM,
                           "args": [{"index": 0, "value": 12345, "op": "SCMP_CMP_NE"},
                                    {"index": 1, "value": signal.SIGUSR1, "op": "SCMP_CMP_EQ"}]}])
    ok.sh("kill -0 $$ && echo zero-ok; kill -USR1 $$ || echo usr1-denied")
    cp = ucrun("run", "-b", ok, "c2")
    assert cp.stdout.split() == ["zero-ok", "usr1-denied"]
