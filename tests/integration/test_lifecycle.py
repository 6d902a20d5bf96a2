"""Lifecycle: run/create/start/state/kill/delete/list/exec (runtime.md)."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from support import proc_alive, wait_file_contains, wait_for


# ---------------------------------------------------------------------------
# run: output and exit status


def test_run_echo(ucrun, bundle, root):
    b = bundle()
    b.args("echo", "hello", "world")
    cp = ucrun("run", "-b", b, "c1")
    assert cp.stdout == "hello world\n"
    assert os.listdir(root) == []  # run (not detached) deletes the container


def test_run_bundle_defaults_to_cwd(ucrun, bundle, root):
    b = bundle()
    b.args("echo", "from-cwd")
    b.write()
    cwd = os.getcwd()
    os.chdir(b.path)
    try:
        cp = ucrun("run", "c1")
    finally:
        os.chdir(cwd)
    assert cp.stdout == "from-cwd\n"


def test_run_stdin_passed(ucrun, bundle):
    b = bundle()
    b.args("cat")
    cp = ucrun("run", "-b", b, "c1", input="line one\nline two\n")
    assert cp.stdout == "line one\nline two\n"


def test_run_stderr_passed(ucrun, bundle):
    b = bundle()
    b.sh("echo out; echo err >&2")
    cp = ucrun("run", "-b", b, "c1")
    assert cp.stdout == "out\n"
    assert "err\n" in cp.stderr


@pytest.mark.parametrize("code", [0, 1, 3, 42, 255])
def test_run_exit_code(ucrun, bundle, code):
    b = bundle()
    b.sh(f"exit {code}")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode == code, cp.stderr


def test_run_exit_code_false(ucrun, bundle):
    b = bundle()
    b.args("false")
    assert ucrun("run", "-b", b, "c1", check=False).returncode == 1


def test_run_killed_by_sigkill_inside(ucrun, bundle):
    # pid 1 of a pid namespace cannot be SIGKILLed from inside: no pid ns here
    b = bundle()
    b.drop_ns("pid")
    b.sh("kill -9 $$; sleep 10")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode == 128 + signal.SIGKILL, cp.stderr


def test_run_killed_from_outside(ucrun, bundle, root):
    b = bundle()
    b.args("sleep", "1000")
    p = ucrun.popen("run", "-b", b, "c1")
    ucrun.wait_status("c1", "running", proc=p)
    ucrun("kill", "c1", "KILL")
    cp = p.wait()
    assert cp.returncode == 128 + signal.SIGKILL, cp.stderr
    assert os.listdir(root) == []


def test_run_detached(ucrun, bundle):
    b = bundle()
    b.args("sleep", "1000")
    cp = ucrun("run", "-d", "-b", b, "c1")
    assert cp.returncode == 0
    st = ucrun.state("c1")
    assert st["status"] == "running"
    assert proc_alive(st["pid"])
    ucrun.remove("c1")


def test_run_pid_file(ucrun, bundle, tmp_base):
    b = bundle()
    b.args("sleep", "1000")
    pidfile = tmp_base / "run.pid"
    ucrun("run", "-d", "--pid-file", pidfile, "-b", b, "c1")
    assert int(pidfile.read_text()) == ucrun.state("c1")["pid"]
    ucrun.remove("c1")


# ---------------------------------------------------------------------------
# create / start / state / delete


def test_create_state(ucrun, bundle, tmp_base):
    b = bundle()
    b.args("sleep", "1000")
    pidfile = tmp_base / "c1.pid"
    ucrun("create", "-b", b, "--pid-file", pidfile, "c1")
    st = ucrun.state("c1")
    assert st["ociVersion"]
    assert st["id"] == "c1"
    assert st["status"] == "created"
    assert isinstance(st["pid"], int) and st["pid"] > 0
    assert st["bundle"] == str(b.path)
    assert proc_alive(st["pid"])
    assert pidfile.read_text().strip() == str(st["pid"])
    # created: the user program has not been executed yet (the init is a
    # clone of the runtime, or ucrun's trampoline waiting for `start`)
    with open(f"/proc/{st['pid']}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[0] != b"sleep"
    assert os.path.realpath(f"/proc/{st['pid']}/exe") != os.path.realpath(b.rootfs / "bin" / "busybox")
    ucrun("delete", "--force", "c1")
    assert not proc_alive(st["pid"])


def test_state_annotations(ucrun, bundle):
    b = bundle()
    b.args("true")
    b.config["annotations"] = {"org.example.key": "value"}
    ucrun("create", "-b", b, "c1")
    assert ucrun.state("c1")["annotations"] == {"org.example.key": "value"}
    ucrun("delete", "--force", "c1")


@pytest.mark.ucrun_specific
def test_state_document_fields(ucrun, bundle):
    b = bundle()
    b.args("true")
    ucrun("create", "-b", b, "c1")
    st = ucrun.state("c1")
    for key in ("ociVersion", "id", "status", "pid", "bundle", "rootfs", "created", "owner"):
        assert key in st, key
    assert st["rootfs"] == str(b.rootfs)
    assert st["owner"] == ""  # as runc: set only when rootless
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", st["created"])
    # runtime.md: the spec version "with which the state complies" (the
    # runtime's, not the bundle's; the bundle here says 1.0.2)
    assert st["ociVersion"] == "1.3.0"
    ucrun("delete", "--force", "c1")


def test_start_running_stopped_delete(ucrun, bundle, host_dir):
    ctl = host_dir("ctl")
    b = bundle()
    b.bind(ctl, "/ctl")
    b.sh("echo started > /ctl/started; while [ ! -e /ctl/stop ]; do sleep 0.02; done")
    ucrun("create", "-b", b, "c1")
    assert ucrun.status("c1") == "created"
    pid = ucrun.state("c1")["pid"]
    assert not (ctl / "started").exists()
    ucrun("start", "c1")
    wait_file_contains(ctl / "started", "started")
    st = ucrun.state("c1")
    assert st["status"] == "running"
    assert st["pid"] == pid
    (ctl / "stop").touch()
    ucrun.wait_status("c1", "stopped")
    assert not proc_alive(pid)
    ucrun("delete", "c1")
    cp = ucrun.fail("state", "c1")
    assert "does not exist" in cp.stderr
    assert "c1" not in ucrun.ids()


def test_container_output_after_start(ucrun, bundle, tmp_base):
    b = bundle()
    b.args("echo", "after start")
    out = tmp_base / "out"
    ucrun("create", "-b", b, "c1", stdout=out)
    assert out.read_text() == ""
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    assert out.read_text() == "after start\n"
    ucrun("delete", "c1")


def test_start_twice_fails(ucrun, bundle):
    b = bundle()
    b.args("sleep", "1000")
    ucrun.create_start(b, "c1")
    ucrun.fail("start", "c1")
    assert ucrun.status("c1") == "running"
    ucrun.remove("c1")


def test_start_stopped_fails(ucrun, bundle):
    b = bundle()
    b.args("true")
    ucrun.create_start(b, "c1")
    ucrun.wait_status("c1", "stopped")
    ucrun.fail("start", "c1")
    ucrun("delete", "c1")


def test_delete_running_needs_force(ucrun, bundle, root):
    b = bundle()
    b.args("sleep", "1000")
    pid = ucrun.create_start(b, "c1")
    ucrun.fail("delete", "c1")
    assert ucrun.status("c1") == "running"
    assert proc_alive(pid)
    ucrun("delete", "--force", "c1")
    wait_for(lambda: not proc_alive(pid), what="container process gone")
    assert os.listdir(root) == []


def test_delete_force_created(ucrun, bundle, root):
    b = bundle()
    b.args("sleep", "1000")
    ucrun("create", "-b", b, "c1")
    pid = ucrun.state("c1")["pid"]
    ucrun("delete", "-f", "c1")
    wait_for(lambda: not proc_alive(pid), what="container process gone")
    assert os.listdir(root) == []


def test_unknown_container(ucrun):
    for cmd in (["state", "nope"], ["start", "nope"], ["kill", "nope"], ["delete", "nope"]):
        cp = ucrun.fail(*cmd)
        assert "does not exist" in cp.stderr, cmd


def test_two_containers(ucrun, bundle):
    b1, b2 = bundle(), bundle()
    for b in (b1, b2):
        b.args("sleep", "1000")
    ucrun.create_start(b1, "c1")
    ucrun.create_start(b2, "c2")
    assert sorted(ucrun.ids()) == ["c1", "c2"]
    ucrun.remove("c1")
    ucrun.remove("c2")


# ---------------------------------------------------------------------------
# kill


TRAP = ('trap "echo got-{sig}; exit 0" {sig}; echo ready; '
        'while true; do sleep 0.05; done')


def _trapping(ucrun, bundle, tmp_base, sig):
    b = bundle()
    b.sh(TRAP.format(sig=sig))
    out = tmp_base / "out"
    ucrun.create_start(b, "c1", stdout=out)
    wait_file_contains(out, "ready")  # the trap is installed
    return out


def test_kill_default_is_term(ucrun, bundle, tmp_base):
    out = _trapping(ucrun, bundle, tmp_base, "TERM")
    ucrun("kill", "c1")
    ucrun.wait_status("c1", "stopped")
    assert "got-TERM" in out.read_text()
    ucrun("delete", "c1")


@pytest.mark.parametrize("spelling", ["USR1", "SIGUSR1", str(int(signal.SIGUSR1))])
def test_kill_signal_spellings(ucrun, bundle, tmp_base, spelling):
    out = _trapping(ucrun, bundle, tmp_base, "USR1")
    ucrun("kill", "c1", spelling)
    ucrun.wait_status("c1", "stopped")
    assert "got-USR1" in out.read_text()
    ucrun("delete", "c1")


def test_kill_unhandled_ignored_by_pid1(ucrun, bundle):
    # pid 1 of a pid namespace drops signals it has no handler for
    b = bundle()
    b.args("sleep", "1000")
    ucrun.create_start(b, "c1")
    ucrun("kill", "c1", "TERM")
    time.sleep(0.3)
    assert ucrun.status("c1") == "running"
    ucrun("kill", "c1", "KILL")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")


TERMINATING = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM)


def create_with_dispositions(ucrun, b, dispositions):
    """`create` of c1 from `b`, started with these signal actions (an
    inherited SIG_IGN survives execve; SIG_DFL resets what the test runner
    may have inherited)."""
    def set_them():
        for s, action in dispositions.items():
            signal.signal(s, action)
    subprocess.run(ucrun.argv(["create", "-b", b, "c1"]), check=True, timeout=30, preexec_fn=set_them,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("userns", [False, True], ids=["trampoline", "copy-in-userns"])
@pytest.mark.parametrize("sig", ["TERM", "INT", "HUP", "QUIT"])
def test_kill_ends_a_created_container(ucrun, bundle, userns, sig):
    """A created container's init is pid 1 of its pid namespace and still
    ucrun's (the trampoline waiting on the exec FIFO, or, in a user
    namespace, the init itself): as runc's Go init it exits on the signals
    that end a Go program, instead of ignoring them as a pid 1 with default
    actions would; others (USR1) stay ignored. `start` then finds it
    stopped."""
    b = bundle(userns=userns)
    b.args("sleep", "1000")
    # With the default actions, whatever the test runner inherited (a
    # background job has SIGINT and SIGQUIT ignored, nohup SIGHUP): an
    # ignored one stays ignored (test_a_signal_the_caller_ignores_...).
    create_with_dispositions(ucrun, b, {s: signal.SIG_DFL for s in TERMINATING})
    ucrun("kill", "c1", "USR1")
    time.sleep(0.2)
    assert ucrun.status("c1") == "created"
    ucrun("kill", "c1", sig)
    ucrun.wait_status("c1", "stopped")
    ucrun.fail("start", "c1")
    ucrun("delete", "c1")


@pytest.mark.parametrize("userns", [False, True], ids=["trampoline", "copy-in-userns"])
def test_a_signal_the_caller_ignores_stays_ignored(ucrun, bundle, userns):
    """create run with SIGHUP ignored (nohup): the created init leaves it
    ignored rather than exiting on it, and the program inherits it ignored,
    as it would have without ucrun's handlers."""
    b = bundle(userns=userns)
    b.args("sleep", "1000")
    create_with_dispositions(ucrun, b, {signal.SIGHUP: signal.SIG_IGN, signal.SIGTERM: signal.SIG_DFL})
    ucrun("kill", "c1", "HUP")
    time.sleep(0.2)
    assert ucrun.status("c1") == "created"
    ucrun("start", "c1")
    pid = ucrun.state("c1")["pid"]
    ignored = int(re.search(r"SigIgn:\s+([0-9a-f]+)", open(f"/proc/{pid}/status").read()).group(1), 16)
    assert ignored & (1 << (signal.SIGHUP - 1)), f"SigIgn {ignored:x}"
    ucrun("kill", "c1", "KILL")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")


def test_kill_invalid_signal(ucrun, bundle):
    b = bundle()
    b.args("sleep", "1000")
    ucrun.create_start(b, "c1")
    ucrun.fail("kill", "c1", "NOSUCHSIG")
    assert ucrun.status("c1") == "running"
    ucrun.remove("c1")


def test_kill_all(ucrun, bundle, tmp_base):
    # init (sh, no handler) ignores TERM; its children do not
    b = bundle()
    b.sh("sleep 1000 & sleep 1000 & echo ready; wait; echo children-gone")
    out = tmp_base / "out"
    pid = ucrun.create_start(b, "c1", stdout=out)
    wait_file_contains(out, "ready")
    kids = wait_for(lambda: len(c := _children(pid)) == 2 and c, what="two children")
    ucrun("kill", "c1", "TERM")
    time.sleep(0.3)
    assert all(proc_alive(k) for k in kids)
    assert ucrun.status("c1") == "running"
    ucrun("kill", "--all", "c1", "TERM")
    ucrun.wait_status("c1", "stopped")
    assert "children-gone" in out.read_text()
    wait_for(lambda: not any(proc_alive(k) for k in kids), what="children gone")
    ucrun("delete", "c1")


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


# ---------------------------------------------------------------------------
# list


def _two(ucrun, bundle):
    b1, b2 = bundle(), bundle()
    b1.args("sleep", "1000")
    b2.args("sleep", "1000")
    ucrun("create", "-b", b1, "alpha")
    ucrun.create_start(b2, "beta")
    return b1, b2


def test_list_quiet(ucrun, bundle):
    assert ucrun("list", "-q").stdout == ""
    _two(ucrun, bundle)
    assert sorted(ucrun("list", "-q").stdout.split()) == ["alpha", "beta"]
    ucrun.remove("alpha")
    ucrun.remove("beta")


def test_list_table(ucrun, bundle):
    b1, b2 = _two(ucrun, bundle)
    lines = ucrun("list").stdout.splitlines()
    header = lines[0].split()
    assert header[:3] == ["ID", "PID", "STATUS"]
    assert "BUNDLE" in header
    rows = {line.split()[0]: line.split() for line in lines[1:] if line.strip()}
    assert set(rows) == {"alpha", "beta"}
    assert rows["alpha"][2] == "created" and rows["beta"][2] == "running"
    assert rows["alpha"][1] == str(ucrun.state("alpha")["pid"])
    assert str(b1.path) in rows["alpha"] and str(b2.path) in rows["beta"]
    ucrun.remove("alpha")
    ucrun.remove("beta")


def test_list_json(ucrun, bundle):
    b1, b2 = _two(ucrun, bundle)
    for fmt in (["-f", "json"], ["--format", "json"], ["--format=json"]):
        data = json.loads(ucrun("list", *fmt).stdout)
        assert isinstance(data, list)
        by_id = {c["id"]: c for c in data}
        assert set(by_id) == {"alpha", "beta"}
        assert by_id["alpha"]["status"] == "created"
        assert by_id["beta"]["status"] == "running"
        assert by_id["alpha"]["bundle"] == str(b1.path)
        assert by_id["beta"]["pid"] == ucrun.state("beta")["pid"]
    ucrun.remove("alpha")
    ucrun.remove("beta")


@pytest.mark.ucrun_specific
def test_list_json_empty(ucrun):
    assert json.loads(ucrun("list", "-f", "json").stdout) == []


# ---------------------------------------------------------------------------
# exec


def test_exec(ucrun, bundle):
    b = bundle()
    b.args("sleep", "1000")
    pid = ucrun.create_start(b, "c1")
    cp = ucrun("exec", "c1", "echo", "hi")
    assert cp.stdout == "hi\n"
    cp = ucrun("exec", "c1", "sh", "-c", "exit 7", check=False)
    assert cp.returncode == 7
    # the exec'd process is in the container's namespaces
    for ns in ("pid", "net", "mnt", "uts", "ipc"):
        inside = ucrun("exec", "c1", "readlink", f"/proc/self/ns/{ns}").stdout.strip()
        assert inside == os.readlink(f"/proc/{pid}/ns/{ns}"), ns
    assert ucrun("exec", "c1", "hostname").stdout.strip() == "runc"
    ucrun.remove("c1")


def test_exec_stopped_fails(ucrun, bundle):
    b = bundle()
    b.args("true")
    ucrun.create_start(b, "c1")
    ucrun.wait_status("c1", "stopped")
    ucrun.fail("exec", "c1", "true")
    ucrun("delete", "c1")
