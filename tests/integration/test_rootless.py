"""Rootless ucrun (issue 13): containers run by an ordinary user, made for
the test with a subordinate range, its state under its own
XDG_RUNTIME_DIR; the single mapping of the caller's own ids (no helper)
and the newuidmap/newgidmap path; every command on the user's containers;
limits refused where no cgroup is delegated.  Nothing may be left in the
user's runtime directory, the cgroup trees or the process table."""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from consock import ConsoleSocket
from support import IS_RUNC, UCRUN_BIN, Bundle, proc_alive, state_left

pytestmark = pytest.mark.skipif(IS_RUNC, reason="ucrun's rootless mode")


def run_to_files(cmd, tmp_base, **kw):
    """subprocess.run with stdout and stderr in files, not pipes: a created
    container's init inherits them and would hold a pipe open
    (support.Runner does the same)."""
    import tempfile
    with tempfile.TemporaryFile(dir=tmp_base) as out, tempfile.TemporaryFile(dir=tmp_base) as err:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, **kw)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(p.args, p.returncode, out.read().decode(), err.read().decode())


def user_files(user, tmp_base, xdg_name):
    """A copy of ucrun the user can run, and a runtime dir of its own."""
    binary = tmp_base / "ucrun"
    if not binary.exists():
        shutil.copy2(UCRUN_BIN, binary)
        os.chmod(binary, 0o755)
    xdg = tmp_base / xdg_name
    xdg.mkdir(mode=0o700)
    os.chown(xdg, user["uid"], user["gid"])
    return binary, xdg


def argv_of(args):
    """Arguments as strings, bundles written first (as support.Runner)."""
    out = []
    for a in args:
        if isinstance(a, Bundle):
            a.write()
        out.append(str(a))
    return out


@pytest.fixture(scope="module")
def user():
    """A throwaway user with a subordinate range of 65536 ids (shadow's own
    tools make and remove it)."""
    name = f"ucrl{os.getpid() % 100000}"
    # no automatic subordinate range (useradd gives one to ordinary users): only ours
    subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0",
                    name], check=True)
    try:
        start = 3_500_000_000 + (os.getpid() % 1000) * 65536
        subprocess.run(["usermod", "--add-subuids", f"{start}-{start + 65535}",
                        "--add-subgids", f"{start}-{start + 65535}", name], check=True)
        import pwd
        pw = pwd.getpwnam(name)
        yield {"name": name, "uid": pw.pw_uid, "gid": pw.pw_gid, "sub": start}
    finally:
        subprocess.run(["userdel", name], check=True)


@pytest.fixture
def rl(user, tmp_base):
    """Runs ucrun as the user: rl(*args, check=True, env=None) ->
    CompletedProcess.  The binary is copied where the user can run it; the
    user's runtime dir must hold nothing of ucrun's after the test."""
    binary, xdg = user_files(user, tmp_base, "xdg")

    def run(*args, check=True, env=None, timeout=30):
        e = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(xdg), "HOME": "/"}
        if env is not None:
            e = env
        argv = argv_of(args)
        cp = run_to_files([str(binary), *argv], tmp_base, user=user["uid"], group=user["gid"], extra_groups=[],
                          env=e, timeout=timeout, cwd="/")
        if check and cp.returncode != 0:
            raise AssertionError(f"{args}: exit {cp.returncode}\nstdout: {cp.stdout}\nstderr: {cp.stderr}")
        return cp

    run.xdg = xdg
    run.user = user
    yield run
    state = xdg / "ucrun"
    left = state_left(state) if state.exists() else []
    for n in left:
        run("delete", "--force", n, check=False)
    assert not left, f"left in {state}: {left}"


def rootless_bundle(rl, bundle, mappings=None):
    """`ucrun spec --rootless` written by the user itself, on a busybox rootfs."""
    b = bundle()
    spec_dir = b.path / "spec"
    spec_dir.mkdir()
    os.chown(spec_dir, rl.user["uid"], rl.user["gid"])
    cp = subprocess.run([str(rl.xdg.parent / "ucrun"), "spec", "--rootless"], user=rl.user["uid"],
                        group=rl.user["gid"], extra_groups=[], cwd=spec_dir, capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    b.config = json.loads((spec_dir / "config.json").read_text())
    b.config["process"]["terminal"] = False
    if mappings:
        b.linux["uidMappings"] = mappings
        b.linux["gidMappings"] = json.loads(json.dumps(mappings).replace(str(rl.user["uid"]), str(rl.user["gid"])))
    return b


def refused(rl, b, cid):
    """`run` of /bin/true that must fail and leave no state; its stderr."""
    b.args("true")
    cp = rl("run", "-b", b, cid, check=False)
    assert cp.returncode != 0, cp.stdout
    assert not state_left(rl.xdg / "ucrun")
    return cp.stderr


def kill_and_delete(run, cid):
    """SIGKILL, wait for stopped, delete (no --force), through `run`."""
    run("kill", cid, "KILL")
    deadline = time.monotonic() + 10
    while json.loads(run("state", cid).stdout)["status"] != "stopped":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    run("delete", cid)


def lines(text):
    return [" ".join(l.split()) for l in text.splitlines()]


def test_single_mapping_of_the_callers_ids(rl, bundle):
    b = rootless_bundle(rl, bundle)
    uid, gid = rl.user["uid"], rl.user["gid"]
    assert b.linux["uidMappings"] == [{"containerID": 0, "hostID": uid, "size": 1}]
    b.sh("cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g")
    cp = rl("run", "-b", b, "c1")
    assert lines(cp.stdout) == [f"0 {uid} 1", f"0 {gid} 1", "deny", "0", "0"], cp.stdout
    # state under $XDG_RUNTIME_DIR/ucrun, owned by the user
    assert (rl.xdg / "ucrun").stat().st_uid == uid


def test_check_says_the_remap_does_not_apply_rootless(rl, bundle):
    """`check` decides the remap as create does: rootless, there is no range
    of ids to take but the caller's own, so --userns-remap=default does not
    apply; check says so, and create runs the bundle's own mapping."""
    b = rootless_bundle(rl, bundle)
    cp = rl("--userns-remap=default", "check", "--bundle", b, "--format", "json", check=False)
    assert cp.returncode in (0, 1), cp.stderr
    found = {f["id"]: f for f in json.loads(cp.stdout)["findings"]}
    assert found["remap-rootless"]["path"] == "linux.namespaces", found
    assert "does not apply" in found["remap-rootless"]["message"], found
    assert "remap" not in found, found
    b.sh("cat /proc/self/uid_map")
    cp = rl("--userns-remap=default", "run", "-b", b, "c1")
    assert lines(cp.stdout) == [f"0 {rl.user['uid']} 1"], cp.stdout


def test_subordinate_ranges_through_newuidmap(rl, bundle):
    uid, sub = rl.user["uid"], rl.user["sub"]
    b = rootless_bundle(rl, bundle, [{"containerID": 0, "hostID": uid, "size": 1},
                                     {"containerID": 1, "hostID": sub, "size": 65536}])
    # the process runs as container uid 1000: an id of the range, really mapped
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.sh("cat /proc/self/uid_map /proc/self/setgroups; id -u; id -g; grep ^Uid: /proc/self/status")
    cp = rl("run", "-b", b, "c2")
    out = lines(cp.stdout)
    assert out[:2] == [f"0 {uid} 1", f"1 {sub} 65536"], cp.stdout
    assert out[2] == "allow"  # newgidmap leaves setgroups alone
    assert out[3:5] == ["1000", "1000"], cp.stdout


def test_a_range_the_user_does_not_own_is_refused_naming_it(rl, bundle):
    uid = rl.user["uid"]
    b = rootless_bundle(rl, bundle, [{"containerID": 0, "hostID": uid, "size": 1},
                                     {"containerID": 1, "hostID": 100000, "size": 1000}])
    err = refused(rl, b, "c3")
    assert "config.json: linux.uidMappings[1]: host ids 100000-100999 are neither your own id" in err, err
    assert "/etc/subuid" in err


def test_every_command_on_the_users_containers(rl, bundle, tmp_base):
    b = rootless_bundle(rl, bundle)
    b.args("sleep", "100")
    rl("create", "-b", b, "c4")
    st = json.loads(rl("state", "c4").stdout)
    assert st["status"] == "created"
    init = st["pid"]
    assert Path(f"/proc/{init}/status").read_text().split("Uid:")[1].split()[0] == str(rl.user["uid"])
    assert rl("list", "-q").stdout.split() == ["c4"]
    rl("start", "c4")
    assert json.loads(rl("state", "c4").stdout)["status"] == "running"
    cp = rl("exec", "c4", "sh", "-c", "id -u; cat /proc/self/uid_map")
    assert lines(cp.stdout) == ["0", f"0 {rl.user['uid']} 1"]
    # exec -t, its terminal through a console socket the user may connect to
    sock = ConsoleSocket(tmp_base / "console.sock")
    os.chmod(sock.path, 0o777)
    try:
        rl("exec", "-t", "--console-socket", sock.path, "c4", "sh", "-c", "test -t 0 && test -t 1 && echo TTY")
        assert sock.wait().strip() == "TTY"
    finally:
        sock.close()
    assert init in json.loads(rl("ps", "--format", "json", "c4").stdout)
    # no cgroup was delegated: pause says so instead of pretending
    cp = rl("pause", "c4", check=False)
    assert cp.returncode != 0 and "cgroup" in cp.stderr, cp.stderr
    kill_and_delete(rl, "c4")
    # Dead: gone, or a zombie until the host's pid 1, which inherited the
    # detached init, reaps it (a firecracker init here reaps it late).
    assert not proc_alive(init)
    cp = rl("state", "c4", check=False)
    assert "container c4 does not exist" in cp.stderr


def test_limits_without_a_delegated_cgroup_are_refused(rl, bundle):
    b = rootless_bundle(rl, bundle)
    b.linux["resources"] = {"memory": {"limit": 64 << 20}}
    err = refused(rl, b, "c5")
    assert "config.json: linux.resources: cannot be applied" in err, err
    assert "Permission denied" in err


def test_a_locked_flag_of_a_host_mount_is_refused_naming_the_mount(rl, bundle, tmp_base):
    """A rootless bind cannot clear nosuid of a host mount (locked in the
    user's namespace): the error names the mount and why."""
    locked = tmp_base / "nosuid"
    locked.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "nosuid,mode=755", "ucrun-it-nosuid", str(locked)], check=True)
    try:
        b = rootless_bundle(rl, bundle)
        b.add_mount("/mnt", "bind", locked, ["rbind", "suid"])
        i = len(b.config["mounts"]) - 1
        err = refused(rl, b, "c8")
        assert f"config.json: mounts[{i}].options: set mount attributes of" in err, err
        assert "cannot be cleared from a user namespace: it is locked" in err, err
        # without "suid" the same bind works, still nosuid inside
        b.config["mounts"][i]["options"] = ["rbind"]
        b.args("sh", "-c", "grep ' /mnt ' /proc/self/mountinfo")
        cp = rl("run", "-b", b, "c8")
        assert "nosuid" in cp.stdout.split(" - ")[0], cp.stdout
    finally:
        subprocess.run(["umount", str(locked)], check=True)


def test_without_xdg_runtime_dir_says_what_is_missing(rl, bundle):
    cp = rl("list", check=False, env={"PATH": "/usr/bin:/bin"})
    assert cp.returncode != 0
    assert "rootless: XDG_RUNTIME_DIR is not set" in cp.stderr and "--root" in cp.stderr, cp.stderr
    # spec needs no state
    assert rl("features", env={"PATH": "/usr/bin:/bin"}).returncode == 0


# ---------------------------------------------------------------------------
# a delegated cgroup v2 subtree (cgroup-v2.rst "Delegation"): the user owns a
# directory and its cgroup.procs/subtree_control/threads, and its processes
# start inside it. Pure v2 in a private mount namespace (the unified
# hierarchy of this hybrid host), as test_cgroups.py's pure v2 tests.

UNIFIED = Path("/sys/fs/cgroup/unified")


@pytest.fixture
def delegated(user, tmp_base):
    """(runner, name): the subtree /<name> of the unified hierarchy
    delegated to the user, with hugetlb enabled for its children; the
    runner runs ucrun as the user from its leaf <name>/launch, in a private
    mount namespace where cgroup2 is /sys/fs/cgroup."""
    if not (UNIFIED / "cgroup.controllers").exists() or \
            "hugetlb" not in (UNIFIED / "cgroup.controllers").read_text().split():
        pytest.skip("needs the unified hierarchy of a hybrid host with hugetlb (this machine's)")
    name = f"ucrun-rl-{os.getpid()}"
    d = UNIFIED / name
    (d / "launch").mkdir(parents=True)
    enabled = "hugetlb" in (UNIFIED / "cgroup.subtree_control").read_text().split()
    if not enabled:
        (UNIFIED / "cgroup.subtree_control").write_text("+hugetlb")
    (d / "cgroup.subtree_control").write_text("+hugetlb")
    for p in (d, d / "cgroup.procs", d / "cgroup.subtree_control", d / "cgroup.threads", d / "launch",
              d / "launch" / "cgroup.procs"):
        os.chown(p, user["uid"], user["gid"])
    binary, xdg = user_files(user, tmp_base, "xdg-deleg")

    def run(*args, check=True):
        argv = argv_of(args)
        script = (f"mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup && "
                  f"echo $$ > /sys/fs/cgroup/{name}/launch/cgroup.procs && "
                  f"exec setpriv --reuid {user['uid']} --regid {user['gid']} --clear-groups "
                  f"env XDG_RUNTIME_DIR={xdg} PATH=/usr/bin:/bin {binary} \"$@\"")
        cp = run_to_files(["unshare", "-m", "sh", "-c", script, "ucrun", *argv], tmp_base, timeout=30)
        if check and cp.returncode != 0:
            raise AssertionError(f"{argv}: exit {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
        return cp

    yield run, name
    for c in list(d.iterdir()):
        if c.is_dir() and c.name != "launch":
            run("delete", "--force", c.name, check=False)
    (d / "launch").rmdir()
    d.rmdir()
    if not enabled:
        (UNIFIED / "cgroup.subtree_control").write_text("-hugetlb")


def test_delegated_cgroup_v2_subtree_limits_pause_delete(delegated, rl, bundle):
    run, name = delegated
    b = rootless_bundle(rl, bundle)
    b.linux["cgroupsPath"] = f"/{name}/c6"
    b.linux["resources"] = {"hugepageLimits": [{"pageSize": "2MB", "limit": 4 << 20}]}
    b.args("sleep", "100")
    run("create", "-b", b, "c6")
    st = json.loads(run("state", "c6").stdout)
    cg = UNIFIED / name / "c6"
    assert (cg / "hugetlb.2MB.max").read_text().strip() == str(4 << 20)
    assert str(st["pid"]) in (cg / "cgroup.procs").read_text().split()
    assert cg.stat().st_uid == rl.user["uid"]  # made by the user, in its subtree
    run("start", "c6")
    run("pause", "c6")
    assert "frozen 1" in (cg / "cgroup.events").read_text()
    assert json.loads(run("state", "c6").stdout)["status"] == "paused"
    run("resume", "c6")
    assert "frozen 0" in (cg / "cgroup.events").read_text()
    kill_and_delete(run, "c6")
    assert not cg.exists()


# ---------------------------------------------------------------------------
# cgroups an administrator made for the user on this hybrid host, joined by
# a rootless container: in each v1 hierarchy the directory and its
# cgroup.procs are the user's, `tasks` stays root's (v1 moves a process
# through either file); in the unified hierarchy the same, with the user's
# ucrun started from a leaf of its own (<name>/launch: cgroup-v2.rst
# "Delegation Containment", a move needs write access to the common
# ancestor's cgroup.procs). cgroup.kill stays root's too (not in
# /sys/kernel/cgroup/delegate). And the same in the unified hierarchy
# alone, seen as pure v2.

def v1_hierarchies():
    """The v1 mounts under /sys/fs/cgroup (a `tasks` file at the top)."""
    root = Path("/sys/fs/cgroup")
    return sorted(d for d in root.iterdir() if (d / "tasks").exists()) if root.is_dir() else []


@pytest.fixture(params=[("hybrid", True), ("hybrid", False), ("v2", False)],
                ids=["hybrid-parent-the-users", "hybrid-parent-roots", "v2-parent-roots"])
def joined(request, user, tmp_base):
    """(runner, name, dirs, parent_owned): /<name>/c made by root in every
    v1 hierarchy and in the unified one (dirs; "v2": the unified one only,
    seen as pure v2 in a private mount namespace as in `delegated`), given
    to the user as above, with /<name> itself the user's or root's (then c
    cannot be removed by the user); the runner runs ucrun as the user from
    <name>/launch of the unified hierarchy."""
    layout, parent_owned = request.param
    if not v1_hierarchies() or not (UNIFIED / "cgroup.procs").exists():
        pytest.skip("needs a hybrid cgroup host (this machine's)")
    name = f"ucrun-rl1-{os.getpid()}"
    dirs = ([h / name / "c" for h in v1_hierarchies()] if layout == "hybrid" else []) + [UNIFIED / name / "c"]
    made = []
    try:
        for d in dirs + [UNIFIED / name / "launch"]:
            d.mkdir(parents=True)
            made += [d.parent, d] if d.parent not in made else [d]
            for p in ([d.parent] if parent_owned else []) + [d.parent / "cgroup.procs", d, d / "cgroup.procs"]:
                os.chown(p, user["uid"], user["gid"])
            if d.parent.parent.name == "cpuset":  # an empty cpuset takes no process, nor child cpus
                for f in ("cpuset.cpus", "cpuset.mems"):
                    for level in (d.parent, d):
                        (level / f).write_text((d.parent.parent / f).read_text())
        binary, xdg = user_files(user, tmp_base, "xdg-joined")

        def run(*args, check=True):
            argv = argv_of(args)
            v2 = "mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup && "
            script = ((v2 if layout == "v2" else "") +
                      f"echo $$ > {UNIFIED if layout == 'hybrid' else '/sys/fs/cgroup'}/{name}/launch/cgroup.procs && "
                      f"exec setpriv --reuid {user['uid']} --regid {user['gid']} --clear-groups "
                      f"env XDG_RUNTIME_DIR={xdg} PATH=/usr/bin:/bin {binary} \"$@\"")
            cp = run_to_files(["unshare", "-m", "sh", "-c", script, "ucrun", *argv], tmp_base, timeout=30)
            if check and cp.returncode != 0:
                raise AssertionError(f"{argv}: exit {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
            return cp

        run.xdg = xdg
        yield run, name, dirs, parent_owned
        left = state_left(xdg / "ucrun") if (xdg / "ucrun").exists() else []
        for n in left:
            run("delete", "--force", n, check=False)
        assert not left, f"left in {xdg}: {left}"
    finally:
        # A failed delete leaves the test's container in them, perhaps in
        # child cgroups of its own: their processes (pids of this test's
        # cgroups only) go first, then the directories, deepest first.
        for d in reversed(made):
            for sub in sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [d]:
                deadline = time.monotonic() + 5
                while sub.exists() and (sub / "cgroup.procs").read_text().split() and time.monotonic() < deadline:
                    for pid in (sub / "cgroup.procs").read_text().split():
                        try:
                            os.kill(int(pid), 9)
                        except ProcessLookupError:
                            pass
                    time.sleep(0.02)
                if sub.exists():
                    sub.rmdir()


def test_joining_cgroups_made_for_the_user(joined, rl, bundle):
    """The init joins each v1 hierarchy through cgroup.procs when `tasks` is
    not the user's (hybrid), and `delete --force` kills it although cgroup.kill is
    not writable (each pid signalled instead), leaving no state behind. The
    cgroups are removed as runc does when the user may; when it may not,
    they stay (empty) and the delete still succeeds: they were not made by
    the container."""
    run, name, dirs, parent_owned = joined
    b = rootless_bundle(rl, bundle)
    b.linux["cgroupsPath"] = f"/{name}/c"
    b.args("sleep", "100")
    for d in dirs[:-1]:
        assert (d / "tasks").stat().st_uid == 0  # what makes the init use cgroup.procs
    assert (dirs[-1] / "cgroup.kill").stat().st_uid == 0
    run("create", "-b", b, "c9")
    init = json.loads(run("state", "c9").stdout)["pid"]
    for d in dirs:
        assert str(init) in (d / "cgroup.procs").read_text().split(), d
    run("start", "c9")
    assert json.loads(run("state", "c9").stdout)["status"] == "running"
    cp = run("delete", "--force", "c9", check=False)
    assert cp.returncode == 0, cp.stderr
    assert not proc_alive(init)
    assert not state_left(run.xdg / "ucrun")
    assert "container c9 does not exist" in run("state", "c9", check=False).stderr
    for d in dirs:
        if parent_owned:
            assert not d.exists(), d
        else:
            assert d.exists() and not (d / "cgroup.procs").read_text().strip(), d


def test_a_joined_cgroup_with_a_process_the_user_cannot_kill_keeps_the_container(joined, rl, bundle):
    """A process in the cgroup that the user's ucrun cannot signal (root's,
    as a set-uid program started from there would be): the cgroup is not
    empty after the kill, so delete fails and the state stays, also where
    the cgroup itself is not the user's to remove; once it is gone, delete
    succeeds."""
    run, name, dirs, parent_owned = joined
    b = rootless_bundle(rl, bundle)
    b.linux["cgroupsPath"] = f"/{name}/c"
    b.args("sleep", "100")
    run("run", "-d", "-b", b, "c11")
    foreign = subprocess.Popen(["sleep", "100"])
    try:
        for d in dirs:
            (d / "cgroup.procs").write_text(str(foreign.pid))
        cp = run("delete", "--force", "c11", check=False)
        assert cp.returncode != 0 and "rmdir" in cp.stderr, cp.stderr
        assert state_left(run.xdg / "ucrun") == ["c11"]
        assert foreign.poll() is None
    finally:
        foreign.kill()
        foreign.wait()
    run("delete", "--force", "c11")
    assert not state_left(run.xdg / "ucrun")


def test_a_joined_cgroup_without_a_pid_namespace_is_emptied_pid_by_pid(joined, rl, bundle):
    """Without a pid namespace the init's death takes nothing with it, and
    without a writable cgroup.kill or freezer every process is signalled
    from cgroup.procs: the init's background child too. And a child cgroup
    the container made goes, also where the joined one stays."""
    run, name, dirs, parent_owned = joined
    b = rootless_bundle(rl, bundle)
    b.linux["namespaces"] = [n for n in b.linux["namespaces"] if n["type"] != "pid"]
    # procfs of a pid namespace the user namespace does not own: not mountable
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
    b.linux["cgroupsPath"] = f"/{name}/c"
    b.args("sh", "-c", "sleep 100 & exec sleep 100")
    run("run", "-d", "-b", b, "c10")
    unified = dirs[-1]
    deadline = time.monotonic() + 10
    while len((unified / "cgroup.procs").read_text().split()) < 2:
        assert time.monotonic() < deadline, (unified / "cgroup.procs").read_text()
        time.sleep(0.02)
    pids = [int(p) for p in (unified / "cgroup.procs").read_text().split()]
    # a child cgroup of the container's (the user owns c): made as that user
    sub = unified / "sub"
    subprocess.run(["setpriv", "--reuid", str(rl.user["uid"]), "--regid", str(rl.user["gid"]), "--clear-groups",
                    "mkdir", str(sub)], check=True)
    cp = run("delete", "--force", "c10", check=False)
    assert cp.returncode == 0, cp.stderr
    assert not [p for p in pids if proc_alive(p)], pids
    assert not sub.exists()
    assert not state_left(run.xdg / "ucrun")
    for d in dirs:
        assert not d.exists() if parent_owned else not (d / "cgroup.procs").read_text().strip(), d


# ---------------------------------------------------------------------------
# rootless podman: the engine runs ucrun inside its own user namespace, as
# root there, with no --root (state under XDG_RUNTIME_DIR, runc's rule).
# Last in the file: podman's pause process lives until the module's
# teardown, and other tests' leak checks would count it.

PODMAN = shutil.which("podman")


@pytest.fixture(scope="module")
def rootless_podman(user):
    """podman(*args, check=True) as the user, with a private home (storage),
    runtime dir and the busybox image imported; on teardown the user's
    containers, storage and podman's pause process go (by pid)."""
    if PODMAN is None:
        pytest.skip("podman is not installed (contrib/install-deps.sh installs it)")
    from support import BUSYBOX
    import tarfile
    import tempfile
    base = Path(tempfile.mkdtemp(prefix="ucrun-rootless-podman-"))  # pytest's own tmp is root's only (0700)
    os.chmod(base, 0o755)
    home, xdg = base / "home", base / "xdg"
    for d in (home, xdg):
        d.mkdir(mode=0o700)
        os.chown(d, user["uid"], user["gid"])
    binary = base / "ucrun"
    shutil.copy2(UCRUN_BIN, binary)
    os.chmod(binary, 0o755)
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home), "XDG_RUNTIME_DIR": str(xdg),
           "USER": user["name"], "LOGNAME": user["name"]}

    def podman(*args, check=True, timeout=120):
        cp = subprocess.run([PODMAN, "--runtime", str(binary), *args], user=user["uid"], group=user["gid"],
                            extra_groups=[], env=env, cwd=str(home), capture_output=True, text=True,
                            timeout=timeout, stdin=subprocess.DEVNULL)
        if check and cp.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)}: exit {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
        return cp

    rootfs = base / "rootfs"
    for d in ("bin", "proc", "dev", "sys", "tmp", "etc"):
        (rootfs / d).mkdir(parents=True)
    shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
    for a in ("sh", "echo", "id", "cat", "sleep", "true"):
        (rootfs / "bin" / a).symlink_to("busybox")
    tar = base / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(rootfs, arcname=".")
    os.chmod(tar, 0o644)
    podman("import", "-q", str(tar), "localhost/ucrun-rootless:latest")
    podman.image = "localhost/ucrun-rootless:latest"
    podman.xdg = xdg
    yield podman
    podman("rm", "-a", "-f", check=False)
    podman("system", "reset", "-f", check=False)
    # podman's pause process holds its user namespace between commands.
    for pidfile in xdg.glob("libpod/tmp/pause.pid"):
        try:
            os.kill(int(pidfile.read_text()), 9)
        except (ValueError, ProcessLookupError):
            pass
    shutil.rmtree(base, ignore_errors=True)


RUN = ["run", "--rm", "--network", "none"]


def test_rootless_podman_run_exit_codes_and_missing_command(rootless_podman):
    p = rootless_podman
    assert p(*RUN, p.image, "id").stdout.strip() == "uid=0 gid=0"
    assert p(*RUN, p.image, "sh", "-c", "exit 3", check=False).returncode == 3
    cp = p(*RUN, p.image, "/no/such", check=False)
    assert cp.returncode == 127, cp.stderr  # podman maps runc's wording to 127
    # ucrun kept its state in the user's runtime dir, and left none of it
    assert (p.xdg / "ucrun").is_dir() and not state_left(p.xdg / "ucrun")


def test_rootless_podman_exec_tty_stop(rootless_podman):
    p = rootless_podman
    name = f"rl-{uuid_hex()}"
    p("run", "-d", "--name", name, "--network", "none", p.image, "sleep", "100")
    try:
        assert p("exec", name, "id", "-u").stdout.strip() == "0"
        assert p("exec", "-t", name, "sh", "-c", "test -t 0 && echo TTY").stdout.strip() == "TTY"
        p("stop", "-t", "1", name)
        assert p("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "exited"
    finally:
        p("rm", "-f", name, check=False)


def test_rootless_podman_user_namespaces(rootless_podman, user):
    p = rootless_podman
    # keep-id maps the user's own id to itself: "root" of podman's user
    # namespace is the user, not the host's root, so ucrun allows it.
    cp = p(*RUN, "--userns=keep-id", p.image, "id", "-u")
    assert cp.stdout.strip() == str(user["uid"])
    cp = p(*RUN, "--uidmap", "0:1:1000", "--gidmap", "0:1:1000", p.image, "cat", "/proc/self/uid_map")
    assert " ".join(cp.stdout.split()) == "0 1 1000"  # as seen from podman's user namespace
    name = f"rl-{uuid_hex()}"
    p("run", "-d", "--name", name, "--network", "none", "--uidmap", "0:1:1000", "--gidmap", "0:1:1000",
      p.image, "sleep", "100")
    try:
        pid = int(p("inspect", "-f", "{{.State.Pid}}", name).stdout)
        # from the host: the user's first subordinate id
        assert " ".join(Path(f"/proc/{pid}/uid_map").read_text().split()) == f"0 {user['sub']} 1000"
    finally:
        p("rm", "-f", name, check=False)


def uuid_hex():
    import uuid
    return uuid.uuid4().hex[:8]
