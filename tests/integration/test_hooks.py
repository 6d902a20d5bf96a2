"""Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle").

Each hook is a small /bin/sh script that records what it saw: its stdin
(the state), its namespaces, its working directory, args and env, and its
place in the order.  Runtime-namespace hooks (prestart, createRuntime,
poststart, poststop) and createContainer run from the host filesystem;
startContainer resolves in the container, so the script is copied into the
rootfs and writes to a bind-mounted directory.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from support import USERNS_HOST_ID

HOOK = r"""#!/bin/sh
kind=$1 out=$2
shift 2
cat > "$out/$kind.state"
echo "$kind" >> "$out/order"
for ns in mnt pid net user; do readlink /proc/self/ns/$ns > "$out/$kind.$ns"; done
pwd > "$out/$kind.cwd"
env > "$out/$kind.env"
printf '%s\n' "$@" > "$out/$kind.args"
pid=$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$out/$kind.state")
if [ -n "$pid" ] && [ -e "/proc/$pid/ns/mnt" ]; then
    readlink "/proc/$pid/ns/mnt" > "$out/$kind.target_mnt"
    readlink "/proc/$pid/root" > "$out/$kind.target_root"
    cat "/proc/$pid/mountinfo" > "$out/$kind.target_mountinfo"
fi
exit 0
"""

ENV = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOOK_MARK=mark-value"]
KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
IN_CONTAINER = "/out"  # where startContainer writes (bind mount of out)


@pytest.fixture
def bundle(bundle, tmp_base):
    """The conftest factory, with a cgroup of the test's own: the default
    (/<id>, "c1") is shared with concurrent runs of the suite."""
    def make(*a, **kw):
        b = bundle(*a, **kw)
        b.linux["cgroupsPath"] = f"/{tmp_base.name}-{b.path.name}"
        return b
    return make


class Hooks:
    """The recording hooks of one test: `out` on the host collects it all."""

    def __init__(self, base, b):
        self.b = b
        self.out = base / "hook-out"
        self.out.mkdir()
        os.chmod(self.out, 0o777)  # a mapped root must write here too
        self.script = base / "hook.sh"
        self.script.write_text(HOOK)
        os.chmod(self.script, 0o755)

    def install(self, kinds=KINDS, extra_args=(), env=ENV):
        hooks = {}
        for k in kinds:
            if k == "startContainer":
                shutil.copyfile(self.script, self.b.rootfs / "hook.sh")
                os.chmod(self.b.rootfs / "hook.sh", 0o755)
                self.b.bind(self.out, IN_CONTAINER)
                h = {"path": "/hook.sh", "args": ["hook.sh", k, IN_CONTAINER, *extra_args]}
            else:
                h = {"path": str(self.script), "args": ["hook.sh", k, str(self.out), *extra_args]}
            h["env"] = list(env)
            hooks[k] = [h]
        self.b.config["hooks"] = hooks
        return self

    def order(self):
        p = self.out / "order"
        return p.read_text().split() if p.exists() else []

    def state(self, kind):
        return json.loads((self.out / f"{kind}.state").read_text())

    def read(self, kind, what):
        return (self.out / f"{kind}.{what}").read_text().strip()

    def ran(self, kind):
        return (self.out / f"{kind}.state").exists()


def host_ns(kind):
    return os.readlink(f"/proc/self/ns/{kind}")


def cgroup_dirs(name):
    """Every directory called `name` directly under a cgroup hierarchy."""
    found = []
    for top in Path("/sys/fs/cgroup").iterdir():
        if top.is_dir() and (top / name).exists():
            found.append(str(top / name))
    if (Path("/sys/fs/cgroup") / name).exists():
        found.append(f"/sys/fs/cgroup/{name}")
    return found


# ---------------------------------------------------------------------------
# when, where, with what


def test_hooks_state_namespaces_and_order(ucrun, bundle, tmp_base):
    b = bundle()
    b.config["annotations"] = {"org.example.key": "value"}
    b.args("true")
    h = Hooks(tmp_base, b).install()
    ucrun("create", "-b", b, "c1")
    st = ucrun.state("c1")
    pid = st["pid"]
    c_mnt, c_pid = os.readlink(f"/proc/{pid}/ns/mnt"), os.readlink(f"/proc/{pid}/ns/pid")
    c_net = os.readlink(f"/proc/{pid}/ns/net")
    assert h.order()[:3] == ["prestart", "createRuntime", "createContainer"]
    assert not h.ran("startContainer")
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")

    bundle_path = str(b.path)
    for k in KINDS:
        s = h.state(k)
        assert s["id"] == "c1", k
        assert s["bundle"] == bundle_path, k
        assert s["ociVersion"], k
        assert s.get("annotations") == {"org.example.key": "value"}, k

    # runtime namespace: status creating, the pid as the runtime sees it
    for k in ("prestart", "createRuntime"):
        s = h.state(k)
        assert s["status"] == "creating", k
        assert s["pid"] == pid, k
        assert h.read(k, "mnt") == host_ns("mnt"), k
        assert h.read(k, "pid") == host_ns("pid"), k
        # the container's namespaces exist and its mounts are made, but
        # pivot_root has not happened yet: the init's root is the host's
        assert h.read(k, "target_mnt") == c_mnt, k
        assert h.read(k, "target_root") == "/", k
        assert f" {b.rootfs}/proc " in h.read(k, "target_mountinfo"), k
        assert h.read(k, "cwd") == bundle_path, k

    # container namespace: the pid as the container sees it (pid ns: 1)
    s = h.state("createContainer")
    assert s["status"] == "creating"
    assert s["pid"] == 1
    assert h.read("createContainer", "mnt") == c_mnt
    assert h.read("createContainer", "pid") == c_pid
    assert h.read("createContainer", "net") == c_net
    assert h.read("createContainer", "cwd") == str(b.rootfs)  # as runc

    s = h.state("startContainer")
    assert s["status"] == "created"
    assert s["pid"] == 1
    assert h.read("startContainer", "mnt") == c_mnt
    assert h.read("startContainer", "pid") == c_pid
    assert h.read("startContainer", "cwd") == "/"  # process.cwd

    s = h.state("poststart")
    assert s["pid"] == pid
    assert h.read("poststart", "mnt") == host_ns("mnt")

    s = h.state("poststop")
    assert s["status"] == "stopped"
    assert s.get("pid", 0) == 0
    assert h.read("poststop", "mnt") == host_ns("mnt")


@pytest.mark.ucrun_specific  # runc 1.1 runs poststart at the end of create
def test_hooks_full_order(ucrun, bundle, tmp_base):
    b = bundle()
    b.args("true")
    h = Hooks(tmp_base, b).install()
    ucrun("create", "-b", b, "c1")
    assert h.order() == ["prestart", "createRuntime", "createContainer"]
    ucrun("start", "c1")
    assert h.order() == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"]
    ucrun.wait_status("c1", "stopped")
    assert len(h.order()) == 5
    ucrun("delete", "c1")
    assert h.order() == KINDS


def test_hooks_run_order(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("true")
    h = Hooks(tmp_base, b).install()
    ucrun("run", "-b", b, "c1")
    got = h.order()
    assert sorted(got) == sorted(KINDS)
    assert got.index("prestart") < got.index("createRuntime") < got.index("createContainer") \
        < got.index("startContainer")
    assert got[-1] == "poststop"
    assert os.listdir(root) == []


def test_hooks_several_in_order(ucrun, bundle, tmp_base):
    b = bundle()
    b.args("true")
    out = tmp_base / "several"
    out.mkdir()
    script = tmp_base / "n.sh"
    script.write_text('#!/bin/sh\necho "$1" >> "$2"\n')
    os.chmod(script, 0o755)
    b.config["hooks"] = {"createRuntime": [
        {"path": str(script), "args": ["n.sh", str(i), str(out / "log")]} for i in range(4)]}
    ucrun("run", "-b", b, "c1")
    assert (out / "log").read_text().split() == ["0", "1", "2", "3"]


def test_hooks_args_and_env(ucrun, bundle, tmp_base):
    b = bundle()
    b.args("true")
    h = Hooks(tmp_base, b).install(kinds=["createRuntime", "createContainer", "startContainer", "poststop"],
                                   extra_args=["one arg", "two"], env=ENV + ["SECOND=x y"])
    os.environ["UCRUN_TEST_LEAK"] = "leaked"  # the runtime's environment is not the hooks'
    try:
        ucrun("run", "-b", b, "c1")
    finally:
        del os.environ["UCRUN_TEST_LEAK"]
    for k in ("createRuntime", "createContainer", "startContainer", "poststop"):
        assert h.read(k, "args").split("\n") == ["one arg", "two"], k
        env = h.read(k, "env").split("\n")
        assert "HOOK_MARK=mark-value" in env, k
        assert "SECOND=x y" in env, k
        assert not any(e.startswith("UCRUN_TEST_LEAK=") for e in env), k


def test_hook_without_args_gets_path_as_argv0(ucrun, bundle, tmp_base):
    b = bundle()
    b.args("true")
    out = tmp_base / "argv0"
    script = tmp_base / "a.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $#" > {out}\n')
    os.chmod(script, 0o755)
    b.config["hooks"] = {"createRuntime": [{"path": str(script)}]}
    ucrun("run", "-b", b, "c1")
    assert out.read_text().split() == [str(script), "0"]


def test_hooks_userns(ucrun, bundle, tmp_base):
    b = bundle(userns=True)
    b.args("true")
    h = Hooks(tmp_base, b).install(kinds=["createRuntime", "createContainer", "startContainer"])
    ucrun("create", "-b", b, "c1")
    pid = ucrun.state("c1")["pid"]
    c_user = os.readlink(f"/proc/{pid}/ns/user")
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    assert h.read("createRuntime", "user") == host_ns("user")
    assert h.state("createRuntime")["pid"] == pid
    assert h.read("createContainer", "user") == c_user
    assert h.read("startContainer", "user") == c_user
    # the hooks in the container run as its root, mapped on the host
    for k in ("createContainer", "startContainer"):
        assert os.stat(h.out / f"{k}.state").st_uid == USERNS_HOST_ID, k


def test_hooks_absent_no_output(ucrun, bundle):
    # the fast path: an empty "hooks" object changes nothing
    b = bundle()
    b.config["hooks"] = {}
    b.args("echo", "ok")
    assert ucrun("run", "-b", b, "c1").stdout == "ok\n"


# ---------------------------------------------------------------------------
# failures


def failing_hook(tmp_base, name="fail.sh", body='echo to-stdout; echo to-stderr >&2; exit 3'):
    p = tmp_base / name
    p.write_text(f"#!/bin/sh\n{body}\n")
    os.chmod(p, 0o755)
    return p


def poststop_recorder(tmp_base):
    p = tmp_base / "poststop.sh"
    out = tmp_base / "poststop.state"
    p.write_text(f"#!/bin/sh\ncat > {out}\n")
    os.chmod(p, 0o755)
    return p, out


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_create_hook_failure_aborts(ucrun, bundle, tmp_base, root, kind):
    b = bundle()
    b.args("true")
    cgname = f"{tmp_base.name}-{kind}"
    b.linux["cgroupsPath"] = f"/{cgname}"
    fail = failing_hook(tmp_base)
    ps, ps_out = poststop_recorder(tmp_base)
    b.config["hooks"] = {kind: [{"path": str(fail)}], "poststop": [{"path": str(ps)}]}
    cp = ucrun.fail("create", "-b", b, "c1")
    assert os.listdir(root) == []
    assert cgroup_dirs(cgname) == []
    if not ucrun.bin.endswith("runc"):
        assert f"{kind} hook #0" in cp.stderr
        assert str(fail) in cp.stderr
        assert "exit status 3" in cp.stderr
    assert "to-stderr" in cp.stderr
    # runtime.md "Lifecycle": continue at step 12 (destroy), 13 (poststop)
    st = json.loads(ps_out.read_text())
    assert st["id"] == "c1" and st["status"] == "stopped"


@pytest.mark.parametrize("kind,body", [
    ("createRuntime", "exec sleep 5"),
    ("createContainer", "exec sleep 5"),
    # a child of the hook holding its stdout: killed with it (its process
    # group); runc 1.1 waits for the pipe to close
    pytest.param("createRuntime", "sleep 5", marks=pytest.mark.ucrun_specific),
    pytest.param("createContainer", "sleep 5", marks=pytest.mark.ucrun_specific),
])
def test_create_hook_timeout(ucrun, bundle, tmp_base, root, kind, body):
    b = bundle()
    b.args("true")
    cgname = f"{tmp_base.name}-{kind}"
    b.linux["cgroupsPath"] = f"/{cgname}"
    slow = failing_hook(tmp_base, "slow.sh", body)
    b.config["hooks"] = {kind: [{"path": str(slow), "timeout": 1}]}
    t0 = time.monotonic()
    cp = ucrun.fail("create", "-b", b, "c1")
    assert time.monotonic() - t0 < 4
    if not ucrun.bin.endswith("runc"):
        assert f"{kind} hook #0" in cp.stderr
    assert "timeout" in cp.stderr or "timed out" in cp.stderr
    assert os.listdir(root) == []
    assert cgroup_dirs(cgname) == []


def test_create_hook_not_found(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("true")
    b.config["hooks"] = {"createRuntime": [{"path": str(tmp_base / "no-such-hook")}]}
    cp = ucrun.fail("create", "-b", b, "c1")
    assert "no-such-hook" in cp.stderr
    assert "no such file" in cp.stderr.lower()
    assert os.listdir(root) == []


def test_later_hooks_skipped_after_failure(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("true")
    h = Hooks(tmp_base, b)
    fail = failing_hook(tmp_base)
    b.config["hooks"] = {
        "createRuntime": [{"path": str(fail)},
                          {"path": str(h.script), "args": ["hook.sh", "second", str(h.out)]}],
        "createContainer": [{"path": str(h.script), "args": ["hook.sh", "createContainer", str(h.out)]}],
    }
    ucrun.fail("create", "-b", b, "c1")
    assert h.order() == []


@pytest.mark.ucrun_specific  # runc 1.1: `start` exits 0, the init fails alone
def test_start_container_hook_failure(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("sleep", "100")
    fail = failing_hook(tmp_base)
    shutil.copyfile(fail, b.rootfs / "fail.sh")
    os.chmod(b.rootfs / "fail.sh", 0o755)
    ps, ps_out = poststop_recorder(tmp_base)
    b.config["hooks"] = {"startContainer": [{"path": "/fail.sh"}], "poststop": [{"path": str(ps)}]}
    ucrun("create", "-b", b, "c1")
    cp = ucrun.fail("start", "c1")
    assert "startContainer hook #0 /fail.sh: exit status 3" in cp.stderr
    assert "to-stderr" in cp.stderr
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    assert json.loads(ps_out.read_text())["status"] == "stopped"
    assert os.listdir(root) == []


def test_start_container_hook_failure_run(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("echo", "must-not-run")
    fail = failing_hook(tmp_base)
    shutil.copyfile(fail, b.rootfs / "fail.sh")
    os.chmod(b.rootfs / "fail.sh", 0o755)
    b.config["hooks"] = {"startContainer": [{"path": "/fail.sh"}]}
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "must-not-run" not in cp.stdout
    if not ucrun.bin.endswith("runc"):
        assert "startContainer hook #0 /fail.sh" in cp.stderr
    assert os.listdir(root) == []


def test_start_container_hook_resolves_in_container(ucrun, bundle, tmp_base, root):
    # a path that exists on the host only: not found in the container
    b = bundle()
    b.args("true")
    host_only = failing_hook(tmp_base, "ok.sh", "exit 0")
    b.config["hooks"] = {"startContainer": [{"path": str(host_only)}]}
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "no such file" in cp.stderr.lower()
    assert os.listdir(root) == []


@pytest.mark.ucrun_specific  # runc 1.1 runs poststart (and fails) in create
def test_poststart_failure_stops_container(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("sleep", "100")
    fail = failing_hook(tmp_base)
    b.config["hooks"] = {"poststart": [{"path": str(fail)}]}
    ucrun("create", "-b", b, "c1")
    cp = ucrun.fail("start", "c1")
    assert "poststart hook #0" in cp.stderr
    assert ucrun.status("c1") == "stopped"
    ucrun("delete", "c1")


def test_poststart_failure_run(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("sleep", "100")
    fail = failing_hook(tmp_base)
    b.config["hooks"] = {"poststart": [{"path": str(fail)}]}
    ucrun.fail("run", "-b", b, "c1")
    assert os.listdir(root) == []


def test_poststop_failure_is_a_warning(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("true")
    fail = failing_hook(tmp_base)
    second = tmp_base / "second-ran"
    ok = failing_hook(tmp_base, "ok.sh", f"touch {second}")
    b.config["hooks"] = {"poststop": [{"path": str(fail)}, {"path": str(ok)}]}
    ucrun("create", "-b", b, "c1")
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    cp = ucrun("delete", "c1")
    assert "poststop" in cp.stderr or "hook" in cp.stderr
    assert os.listdir(root) == []
    # step 13: the remaining hooks run as if the failed one had succeeded
    if not ucrun.bin.endswith("runc"):
        assert second.exists()


def test_hook_killed_by_signal(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.args("true")
    sig = failing_hook(tmp_base, "sig.sh", "kill -TERM $$")
    b.config["hooks"] = {"createRuntime": [{"path": str(sig)}]}
    cp = ucrun.fail("create", "-b", b, "c1")
    if not ucrun.bin.endswith("runc"):
        assert "signal 15" in cp.stderr
    assert os.listdir(root) == []


def test_hook_not_reading_stdin(ucrun, bundle, tmp_base):
    # a hook that exits without reading its stdin is not an error (EPIPE)
    b = bundle()
    b.args("true")
    b.config["annotations"] = {f"k{i}": "v" * 1000 for i in range(200)}  # > a pipe buffer
    ok = failing_hook(tmp_base, "ok.sh", "exit 0")
    b.config["hooks"] = {"createRuntime": [{"path": str(ok)}], "poststop": [{"path": str(ok)}]}
    ucrun("run", "-b", b, "c1")


def test_hooks_get_only_stdio(ucrun, bundle, tmp_base, root):
    # --preserve-fds passes fd 3 to the container, not to the hooks
    b = bundle()
    b.sh("[ -e /proc/self/fd/3 ] && echo container-has-3")
    out = tmp_base / "fds"
    script = failing_hook(tmp_base, "fds.sh", f'[ -e /proc/$$/fd/3 ] && echo 3 >> {out}; echo done >> {out}')
    b.config["hooks"] = {k: [{"path": str(script)}] for k in ("createRuntime", "createContainer", "poststart")}
    argv = ucrun.argv(["run", "--preserve-fds", "1", "-b", b, "c1"])
    cp = subprocess.run(["sh", "-c", 'exec "$@" 3</etc/hostname', "sh", *argv], stdin=subprocess.DEVNULL,
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "container-has-3\n"
    assert out.read_text().split() == ["done", "done", "done"]
    assert os.listdir(root) == []


def test_runtime_hooks_stay_in_host_pid_ns_when_joining_one(ucrun, bundle, tmp_base):
    """A container joining another's pid namespace (a pod): ucrun enters it
    only for the clone of the init (pid_for_children), then leaves it, so the
    runtime-namespace hooks it starts afterwards are born in the host's pid
    namespace (config.md "POSIX-platform Hooks"), not among the pod's
    processes, which could signal them."""
    holder = bundle(name="holder")
    holder.args("sleep", "1000")
    hpid = ucrun.create_start(holder, "holder")
    pod_pid_ns = os.readlink(f"/proc/{hpid}/ns/pid")
    assert pod_pid_ns != host_ns("pid")
    b = bundle(name="joiner")
    b.set_ns("pid", f"/proc/{hpid}/ns/pid")
    b.args("true")
    h = Hooks(tmp_base, b).install(kinds=["prestart", "createRuntime", "poststart", "poststop"])
    ucrun("run", "-b", b, "c1")
    assert h.order() == ["prestart", "createRuntime", "poststart", "poststop"]
    for k in h.order():
        assert h.read(k, "pid") == host_ns("pid"), k
    ucrun.remove("holder")
