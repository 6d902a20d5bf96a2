"""Control groups (config-linux.md "Control groups"): limits enforced, the
cgroup commands (update, pause, resume, events, kill --all), cleanup in every
hierarchy, --cgroup-manager, the in-container cgroup mount, pure cgroup v2.

Written for a v1 or hybrid host (resources in the v1 controllers); the pure
v2 tests run ucrun in a private mount namespace with cgroup2 mounted at
/sys/fs/cgroup."""

import json
import os
import signal
import time
from pathlib import Path

import pytest

from support import (GLOBAL_ARGS, IS_RUNC, children, install_helper, proc_alive, pure_v2_runner,
                     wait_file_contains, wait_for)

CG = Path("/sys/fs/cgroup")
MiB = 1024 * 1024


def _layout():
    if os.path.exists(CG / "cgroup.controllers"):
        return "v2"
    return "hybrid" if os.path.exists(CG / "unified" / "cgroup.controllers") else "v1"


LAYOUT = _layout()
DISABLED = "disabled" in " ".join(GLOBAL_ARGS)

pytestmark = [
    pytest.mark.skipif(LAYOUT == "v2", reason="written for a cgroup v1 / hybrid host"),
    pytest.mark.skipif(DISABLED, reason="UCRUN_GLOBAL_ARGS disables cgroups"),
]


# ---------------------------------------------------------------------------
# where a process's cgroups are on the host


def _controllers():
    with open("/proc/cgroups") as f:
        return {line.split()[0] for line in f if not line.startswith("#")}


def _cgroup_mounts():
    """hierarchy key -> (mount point, mount root): the v1 key is the sorted
    controller set ("cpu", "name=systemd"), cgroup2's is ""."""
    known = _controllers()
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, opts = fields[sep + 1], fields[sep + 3].split(",")
            mp, mroot = fields[4], fields[3]
            if not mp.startswith(str(CG)):
                continue
            if fstype == "cgroup2":
                out.setdefault("", (mp, mroot))
            elif fstype == "cgroup":
                key = ",".join(sorted(o for o in opts if o in known or o.startswith("name=")))
                out.setdefault(key, (mp, mroot))
    return out


def host_cgroups(pid):
    """hierarchy key -> host directory of pid's cgroup in that hierarchy."""
    mounts = _cgroup_mounts()
    out = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            key = ",".join(sorted(ctrls.split(","))) if ctrls else ""
            if key not in mounts:
                continue
            mp, mroot = mounts[key]
            rel = os.path.relpath(path, mroot) if mroot != "/" else path.lstrip("/")
            out[key] = os.path.normpath(os.path.join(mp, rel))
    return out


def hierarchy_dir(key):
    return _cgroup_mounts()[key][0]


def dirs_named(name):
    """Every directory called `name` at depth <= 3 in any hierarchy."""
    found = []
    for top in {mp for mp, _ in _cgroup_mounts().values()}:
        for dirpath, dirnames, _ in os.walk(top):
            depth = dirpath[len(top):].count("/")
            if name in dirnames:
                found.append(os.path.join(dirpath, name))
            if depth >= 2:
                dirnames[:] = []
    return found


@pytest.fixture
def cid(tmp_base):
    """A container id of this test only: the default cgroup path is the
    relative "<id>", shared by every container of that id on the host
    (runc's naming), whatever its --root."""
    return "cg-" + tmp_base.name.rsplit("-", 1)[-1]


def rmdirs_named(name):
    """Best-effort removal of empty cgroup dirs left by a failed test."""
    for d in sorted(dirs_named(name), key=len, reverse=True):
        for dirpath, _, _ in sorted(os.walk(d), key=lambda w: -len(w[0])):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass


def read(path):
    return Path(path).read_text().strip()


def procs(d):
    return [int(x) for x in read(Path(d) / "cgroup.procs").split()]


def resources(b):
    return b.linux.setdefault("resources", {"devices": [{"allow": False, "access": "rwm"}]})


def start_sleeper(ucrun, b, cid, script="exec sleep 1000"):
    b.sh(script)
    ucrun("run", "-d", "-b", b, cid)
    return ucrun.state(cid)["pid"]


# ---------------------------------------------------------------------------
# placement and cleanup


def test_every_hierarchy_and_removed_after_kill9(ucrun, bundle, cid):
    b = bundle()
    pid = start_sleeper(ucrun, b, cid)
    dirs = host_cgroups(pid)
    mine = host_cgroups(os.getpid())
    # A cgroup of its own in every hierarchy (the unified one included on a
    # hybrid host), below the caller's cgroup ("<id>" relative path).
    assert set(dirs) == set(mine)
    for key, d in dirs.items():
        assert d == os.path.join(mine[key], cid), key
        assert pid in procs(d), d
    # The init killed behind ucrun's back: delete still removes every dir.
    os.kill(pid, signal.SIGKILL)
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid)
    assert [d for d in dirs.values() if os.path.exists(d)] == []


# Every way an init is started places it in every hierarchy: it places
# itself in the v1 ones (cgroup::Manager::open_join_files) and is cloned into
# the unified one. On ucrun's memory (root, no user namespace), a copy
# (another process.user; a new user namespace: its maps come after the
# placement), and the join path (a namespace given by path: the init joins
# it, and with a user namespace forks the real init).
@pytest.mark.parametrize("kind", ["borrowed", "user", "userns", "join", "join-userns"])
def test_every_init_path_places_the_init_in_every_hierarchy(ucrun, bundle, cid, kind):
    b = bundle(userns=kind in ("userns", "join-userns"))
    if kind == "user":
        b.process["user"] = {"uid": 1000, "gid": 1000}
    if kind.startswith("join"):
        b.set_ns("network", f"/proc/{os.getpid()}/ns/net")
    b.set_ns("cgroup")
    b.sh("cat /proc/self/cgroup; exec sleep 1000")
    out = b.path.parent / "inside.out"
    ucrun("run", "-d", "-b", b, cid, stdout=out)
    pid = ucrun.state(cid)["pid"]
    dirs = host_cgroups(pid)
    mine = host_cgroups(os.getpid())
    assert set(dirs) == set(mine)
    for key, d in dirs.items():
        assert d == os.path.join(mine[key], cid), key
        assert procs(d) == [pid], d
    # Its cgroup namespace was made once it was placed: rooted there in
    # every hierarchy.
    wait_file_contains(out, "\n")
    for _ in range(100):
        lines = out.read_text().split()
        if len(lines) >= len(dirs):
            break
        time.sleep(0.02)
    assert lines and all(line.endswith(":/") for line in lines), lines
    ucrun("kill", cid, "KILL")
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid)
    assert [d for d in dirs.values() if os.path.exists(d)] == []


def test_exec_into_a_paused_container_is_in_every_hierarchy_while_frozen(ucrun, bundle, cid):
    # exec --ignore-paused: the process joins the FROZEN freezer cgroup and
    # stops there. It places itself in the freezer hierarchy last
    # (cgroup::Manager::open_join_files), so while frozen it is in every other
    # one already (counted by pids, limited by memory); it runs on resume.
    b = bundle()
    pid = start_sleeper(ucrun, b, cid)
    ucrun("pause", cid)
    p = ucrun.popen("exec", "--ignore-paused", cid, "true")
    try:
        kids = wait_for(lambda: children(p.pid), what="the exec process")
        freezer = host_cgroups(pid)["freezer"]
        wait_for(lambda: kids[0] in procs(freezer), what="the exec process in the freezer cgroup")
        time.sleep(0.2)  # frozen: nothing moves any more
        assert host_cgroups(kids[0]) == host_cgroups(pid)
        ucrun("resume", cid)
        cp = p.wait(timeout=30)
        assert cp.returncode == 0, cp.stderr
    finally:
        if p.popen.poll() is None:
            p.kill()
            p.wait()
    ucrun("kill", cid, "KILL")
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid)


def test_the_init_keeps_no_descriptor_of_its_cgroup(ucrun, bundle, tmp_base, cid):
    # The init places itself through descriptors ucrun opened (v1 `tasks`,
    # root-opened, move any task they name; the cgroup2 directory leads up
    # the host's tree) and closes them once written: a createRuntime hook
    # (run while the init waits) sees none among its descriptors.
    out = tmp_base / "init-fds"
    hook = tmp_base / "fds-hook.sh"
    hook.write_text("#!/bin/sh\n"
                    "pid=$(sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p')\n"
                    f"for f in /proc/$pid/fd/*; do readlink \"$f\"; done > {out}\n")
    os.chmod(hook, 0o755)
    b = bundle(userns=True)
    b.config["hooks"] = {"createRuntime": [{"path": str(hook)}]}
    b.args("true")
    ucrun("run", "-b", b, cid)
    links = out.read_text().split()
    assert links, "the hook saw no descriptor of the init"
    assert [link for link in links if link.startswith("/sys/fs/cgroup")] == [], links


def test_delete_kills_processes_left_without_pid_namespace(ucrun, bundle, cid):
    b = bundle()
    b.drop_ns("pid")
    pid = start_sleeper(ucrun, b, cid, "sleep 1000 & exec sleep 1001")
    dirs = host_cgroups(pid)
    memdir = dirs["memory"]
    wait_for(lambda: len(procs(memdir)) == 2, what="two processes in the cgroup")
    child = [p for p in procs(memdir) if p != pid][0]
    os.kill(pid, signal.SIGKILL)
    ucrun.wait_status(cid, "stopped")
    assert proc_alive(child)
    ucrun("delete", cid)
    wait_for(lambda: not proc_alive(child), what="the leftover process to die")
    assert [d for d in dirs.values() if os.path.exists(d)] == []


def test_kill_all_reaches_every_process(ucrun, bundle, cid):
    b = bundle()
    b.drop_ns("pid")  # without a pid namespace the init's death spares the others
    pid = start_sleeper(ucrun, b, cid, "sleep 1000 & sleep 1001 & sh -c 'sleep 1002 & wait' & wait")
    memdir = host_cgroups(pid)["memory"]
    wait_for(lambda: len(procs(memdir)) == 5, what="five processes in the cgroup")
    everyone = procs(memdir)
    ucrun("kill", "--all", cid, "USR1")  # not KILL: freeze, signal each, thaw
    wait_for(lambda: not any(proc_alive(p) for p in everyone), what="every process to die")
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid)


def test_kill_all_sigkill(ucrun, bundle, cid):
    b = bundle()
    b.drop_ns("pid")
    pid = start_sleeper(ucrun, b, cid, "sleep 1000 & sleep 1001 & wait")
    memdir = host_cgroups(pid)["memory"]
    wait_for(lambda: len(procs(memdir)) == 3, what="three processes in the cgroup")
    everyone = procs(memdir)
    ucrun("kill", "-a", cid, "KILL")
    wait_for(lambda: not any(proc_alive(p) for p in everyone), what="every process to die")
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid)
    assert not os.path.exists(memdir)


def test_cgroups_path_absolute(ucrun, bundle, tmp_base, cid):
    b = bundle()
    name = f"{tmp_base.name}-abs"
    b.linux["cgroupsPath"] = f"/{name}/inner"
    pid = start_sleeper(ucrun, b, cid)
    for key, d in host_cgroups(pid).items():
        assert d == os.path.join(hierarchy_dir(key), name, "inner"), key
    ucrun.remove(cid)
    assert [d for d in dirs_named("inner") if name in d] == []
    if IS_RUNC:  # runc leaves the parents it made
        rmdirs_named(name)
    assert dirs_named(name) == []  # the parent it made is gone too


@pytest.mark.ucrun_specific  # runc needs a running systemd for this
@pytest.mark.parametrize("flags", [["--systemd-cgroup"], ["--cgroup-manager", "systemd"]])
def test_systemd_path_maps_to_cgroupfs(ucrun, bundle, tmp_base, flags, cid):
    b = bundle()
    unit = f"{tmp_base.name}-sd"
    b.linux["cgroupsPath"] = f"system.slice:ucrun:{unit}"
    existed = os.path.exists(CG / "memory" / "system.slice")
    b.sh("exec sleep 1000")
    ucrun("run", "-d", "-b", b, cid, global_args=flags)
    pid = ucrun.state(cid)["pid"]
    for key, d in host_cgroups(pid).items():
        assert d == os.path.join(hierarchy_dir(key), "system.slice", f"ucrun-{unit}.scope"), key
        assert pid in procs(d)
    ucrun("kill", cid, "KILL", global_args=flags)
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid, global_args=flags)
    assert dirs_named(f"ucrun-{unit}.scope") == []
    if not existed:
        assert not os.path.exists(CG / "memory" / "system.slice")


@pytest.mark.ucrun_specific  # runc 1.1 has no --cgroup-manager
def test_cgroup_manager_disabled_creates_none(ucrun, bundle, cid):
    b = bundle()
    b.sh("exec sleep 1000")
    ucrun("run", "-d", "-b", b, cid, global_args=["--cgroup-manager", "disabled"])
    pid = ucrun.state(cid)["pid"]
    # Still in the caller's cgroups, none of its own anywhere.
    assert host_cgroups(pid) == host_cgroups(os.getpid())
    assert dirs_named(cid) == []
    cp = ucrun.fail("pause", cid)
    assert "cgroup" in cp.stderr
    ucrun("kill", cid, "KILL")
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid)


@pytest.mark.ucrun_specific
def test_disabled_container_runs_with_cgroup_mount(ucrun, bundle, cid):
    b = bundle()
    b.sh("grep -c ' /sys/fs/cgroup ' /proc/self/mountinfo")
    cp = ucrun("run", "-b", b, cid, global_args=["--cgroup-manager", "disabled"])
    assert cp.stdout.strip() == "1"


@pytest.mark.ucrun_specific
def test_delete_force_after_crashed_create(ucrun, bundle, tmp_base, root, cid):
    """A create killed midway (init in its cgroup, no final state): the
    init dies with it (it is not on record as created yet), the state says
    "stopped", and delete --force removes the cgroup and the state."""
    b = bundle()
    name = f"{tmp_base.name}-crash"
    b.linux["cgroupsPath"] = f"/{name}"
    # The init waits for this createContainer hook (after the init is in
    # its cgroup, before create has recorded it as created).
    b.config["hooks"] = {"createContainer": [{"path": "/bin/sleep", "args": ["sleep", "30"]}]}
    b.args("true")
    create = ucrun.popen("create", "-b", b, cid)
    memprocs = Path(hierarchy_dir("memory")) / name / "cgroup.procs"

    def init_in_cgroup():
        try:
            return memprocs.read_text().split()
        except FileNotFoundError:
            return None
    try:
        try:
            init = int(wait_for(init_in_cgroup, what="the init in its cgroup")[0])
            wait_for(lambda: (root / cid / "state.json").exists(), what="the first state record")
        finally:
            create.kill()
            create.wait()
        wait_for(lambda: not proc_alive(init), what="the init to die with create")
        assert ucrun.status(cid) == "stopped"
        ucrun("delete", "--force", cid)
        assert not (root / cid).exists()
        assert dirs_named(name) == []
    finally:
        # What a failure left: processes in the cgroup (killed by pid), dirs.
        left = [int(p) for p in (init_in_cgroup() or [])]
        for p in left:
            os.kill(p, signal.SIGKILL)
        wait_for(lambda: not any(proc_alive(p) for p in left), what="leftovers to die")
        rmdirs_named(name)


def test_delete_force_of_empty_state_dir(ucrun, root, cid):
    # A create that died before it recorded anything (runc removes it).
    (root / cid).mkdir()
    ucrun("delete", "--force", cid)
    assert not (root / cid).exists()


# ---------------------------------------------------------------------------
# limits enforced


def test_memory_limit_oom_kill_and_events(ucrun, bundle, tmp_base, cid):
    b = bundle()
    install_helper(b, "memhog", tmp_base)
    resources(b)["memory"] = {"limit": 32 * MiB, "swap": 32 * MiB}
    b.args("memhog", "256")
    out = tmp_base / "out"
    ucrun("create", "-b", b, cid, stdout=out)
    pid = ucrun.state(cid)["pid"]
    memdir = host_cgroups(pid)["memory"]
    assert int(read(f"{memdir}/memory.limit_in_bytes")) == 32 * MiB
    events = ucrun.popen("events", "--interval", "200ms", cid)
    try:
        time.sleep(0.3)
        ucrun("start", cid)
        ucrun.wait_status(cid, "stopped", timeout=60)
        assert "done" not in out.read_text()  # it never got its 256 MiB
        assert "oom_kill 0" not in read(f"{memdir}/memory.oom_control")
        # ucrun's stream ends when the container stops, runc's once the
        # cgroup is gone.
        if IS_RUNC:
            ucrun("delete", cid)
        cp = events.wait(timeout=20)
    finally:
        events.kill()
        events.close()
    assert cp.returncode == 0, cp.stderr[:2000]
    lines = [json.loads(line) for line in cp.stdout.splitlines()]
    assert {"type": "oom", "id": cid} in lines, cp.stdout[:2000]
    for e in lines:
        assert e["id"] == cid and e["type"] in ("oom", "stats")
    if not IS_RUNC:
        ucrun("delete", cid)
    assert not os.path.exists(memdir)


def test_memory_within_limit_runs(ucrun, bundle, tmp_base, cid):
    b = bundle()
    install_helper(b, "memhog", tmp_base)
    resources(b)["memory"] = {"limit": 64 * MiB}
    b.args("memhog", "16")
    assert ucrun("run", "-b", b, cid).stdout.endswith("done\n")


def test_pids_limit(ucrun, bundle, tmp_base, cid):
    b = bundle()
    resources(b)["pids"] = {"limit": 8}
    forks = " ".join(str(i) for i in range(20))
    b.sh(f"exec 2>&1; n=0; for i in {forks}; do sleep 10 & n=$((n+1)); echo started $n; done; echo all")
    out = tmp_base / "out"
    ucrun("create", "-b", b, cid, stdout=out)
    pid = ucrun.state(cid)["pid"]
    assert read(host_cgroups(pid)["pids"] + "/pids.max") == "8"
    ucrun("start", cid)
    ucrun.wait_status(cid, "stopped")
    text = out.read_text()
    assert "all" not in text.split()
    assert "can't fork" in text or "Resource temporarily unavailable" in text, text
    started = [int(line.split()[1]) for line in text.splitlines() if line.startswith("started")]
    assert max(started) < 8  # the shell itself is one of the 8
    ucrun("delete", cid)


def test_cpu_limits_visible_on_host_and_inside(ucrun, bundle, cid):
    b = bundle()
    resources(b)["cpu"] = {"quota": 50000, "period": 100000, "shares": 512, "cpus": "0"}
    # The in-container view (cgroup namespace + "cgroup" mount) is the
    # container's own cgroup.
    b.sh("cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us "
         "/sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus; exec sleep 1000")
    out = b.path.parent / "cpu.out"
    ucrun("create", "-b", b, cid, stdout=out)
    pid = ucrun.state(cid)["pid"]
    d = host_cgroups(pid)
    assert read(d["cpu"] + "/cpu.cfs_quota_us") == "50000"
    assert read(d["cpu"] + "/cpu.cfs_period_us") == "100000"
    assert read(d["cpu"] + "/cpu.shares") == "512"
    assert read(d["cpuset"] + "/cpuset.cpus") == "0"
    ucrun("start", cid)
    wait_for(lambda: len(out.read_text().split()) == 4, what="the container's output")
    assert out.read_text().split() == ["50000", "100000", "512", "0"]
    ucrun.remove(cid)


@pytest.mark.ucrun_specific  # runc appends its default rules after, re-allowing 1:5
def test_devices_deny_by_name(ucrun, bundle, cid):
    b = bundle()
    resources(b)["devices"] = [
        {"allow": False, "access": "rwm"},
        {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
    ]
    b.sh("head -c 1 /dev/zero >/dev/null && echo zero-ok; echo null-ok > /dev/null && echo null-ok; "
         "head -c 1 /dev/urandom > /dev/null && echo urandom-ok")
    cp = ucrun("run", "-b", b, cid)
    assert cp.stdout.split() == ["null-ok", "urandom-ok"]
    assert "Operation not permitted" in cp.stderr


def test_devices_default_allow_list(ucrun, bundle, cid):
    b = bundle()
    b.sh("head -c 1 /dev/zero | wc -c; cat /sys/fs/cgroup/devices/devices.list")
    cp = ucrun("run", "-b", b, cid)
    lines = cp.stdout.splitlines()
    assert lines[0].strip() == "1"
    assert "a *:* rwm" not in lines  # not allow-all
    assert "c 1:5 rwm" in lines and "c 1:3 rwm" in lines


# ---------------------------------------------------------------------------
# update


def test_update_live_memory_and_pids(ucrun, bundle, tmp_base, cid):
    b = bundle()
    resources(b)["memory"] = {"limit": 100 * MiB}
    resources(b)["pids"] = {"limit": 100}
    pid = start_sleeper(ucrun, b, cid)
    d = host_cgroups(pid)
    mem = d["memory"] + "/memory.limit_in_bytes"
    assert int(read(mem)) == 100 * MiB
    ucrun("update", "--memory", "64m", cid)
    assert int(read(mem)) == 64 * MiB
    assert read(d["pids"] + "/pids.max") == "100"  # untouched
    # -r FILE: a linux.resources document
    f = tmp_base / "res.json"
    f.write_text(json.dumps({"memory": {"limit": 128 * MiB, "swap": 256 * MiB}, "pids": {"limit": 30}}))
    ucrun("update", "-r", f, cid)
    assert int(read(mem)) == 128 * MiB
    assert int(read(d["memory"] + "/memory.memsw.limit_in_bytes")) == 256 * MiB
    assert read(d["pids"] + "/pids.max") == "30"
    # Builds on what was recorded: the recorded swap (256m) lets the limit
    # grow to 200m and stays.
    ucrun("update", "--memory", "200m", "--pids-limit", "-1", cid)
    assert int(read(mem)) == 200 * MiB
    assert int(read(d["memory"] + "/memory.memsw.limit_in_bytes")) == 256 * MiB
    assert read(d["pids"] + "/pids.max") == "max"
    # -r - : stdin; other flags are ignored
    ucrun("update", "-r", "-", "--memory", "1g", cid,
          input=json.dumps({"cpu": {"quota": 20000, "period": 100000, "shares": 256}}))
    assert int(read(mem)) == 200 * MiB
    assert read(d["cpu"] + "/cpu.cfs_quota_us") == "20000"
    assert read(d["cpu"] + "/cpu.shares") == "256"
    ucrun("update", "--cpu-quota", "-1", "--cpu-share", "1024", "--cpuset-cpus", "0", cid)
    assert read(d["cpu"] + "/cpu.cfs_quota_us") == "-1"
    assert read(d["cpu"] + "/cpu.shares") == "1024"
    assert read(d["cpuset"] + "/cpuset.cpus") == "0"
    ucrun.remove(cid)


def test_update_sizes_like_runc(ucrun, bundle, cid):
    b = bundle()
    pid = start_sleeper(ucrun, b, cid)
    mem = host_cgroups(pid)["memory"] + "/memory.limit_in_bytes"
    for arg, want in [("65536k", 64 * MiB), ("96MB", 96 * MiB), ("1.5g", 1536 * MiB), ("120MiB", 120 * MiB),
                      ("104857600", 100 * MiB)]:
        ucrun("update", "--memory", arg, cid)
        assert int(read(mem)) == want, arg
    cp = ucrun.fail("update", "--memory", "12q", cid)
    assert "12q" in cp.stderr
    assert int(read(mem)) == 100 * MiB
    ucrun.remove(cid)


def test_update_bad_value_names_file_and_value(ucrun, bundle, tmp_base, cid):
    b = bundle()
    resources(b)["memory"] = {"limit": 100 * MiB}
    pid = start_sleeper(ucrun, b, cid)
    d = host_cgroups(pid)
    cpus = read(d["cpuset"] + "/cpuset.cpus")
    cp = ucrun.fail("update", "--cpuset-cpus", "999", cid)
    assert "cpuset.cpus" in cp.stderr and "999" in cp.stderr
    assert read(d["cpuset"] + "/cpuset.cpus") == cpus
    f = tmp_base / "bad.json"
    f.write_text(json.dumps({"memory": {"limit": "lots"}}))
    cp = ucrun.fail("update", "-r", f, cid)
    assert "memory.limit" in cp.stderr
    if not IS_RUNC:
        assert str(f) in cp.stderr
    assert int(read(d["memory"] + "/memory.limit_in_bytes")) == 100 * MiB
    # The failed update was not recorded: the next one builds on 100m.
    ucrun("update", "--pids-limit", "12", cid)
    assert int(read(d["memory"] + "/memory.limit_in_bytes")) == 100 * MiB
    assert ucrun.status(cid) == "running"
    ucrun.remove(cid)


def test_update_stopped_container_fails(ucrun, bundle, cid):
    b = bundle()
    b.args("true")
    ucrun("run", "-d", "-b", b, cid)
    ucrun.wait_status(cid, "stopped")
    cp = ucrun.fail("update", "--memory", "64m", cid)
    assert "not running" in cp.stderr
    ucrun("delete", cid)
    assert "does not exist" in ucrun.fail("update", "--memory", "64m", cid).stderr


# ---------------------------------------------------------------------------
# pause / resume


def test_pause_resume(ucrun, bundle, host_dir, cid):
    out = host_dir()
    b = bundle()
    b.bind(out, "/out")
    pid = start_sleeper(ucrun, b, cid,
                        "i=0; while :; do i=$((i+1)); echo $i > /out/n.tmp; mv /out/n.tmp /out/n; sleep 0.02; done")
    counter = out / "n"
    wait_file_contains(counter, "5")

    def value():
        return int(counter.read_text())

    ucrun("pause", cid)
    assert ucrun.status(cid) == "paused"
    assert json.loads(ucrun("list", "--format", "json").stdout)[0]["status"] == "paused"
    assert read(host_cgroups(pid)["freezer"] + "/freezer.state") == "FROZEN"
    v = value()
    time.sleep(0.5)
    assert value() == v
    assert "not running" in ucrun.fail("pause", cid).stderr
    ucrun("resume", cid)
    assert ucrun.status(cid) == "running"
    wait_for(lambda: value() > v + 3, what="the counter to move again")
    assert "not paused" in ucrun.fail("resume", cid).stderr
    # A paused container dies from SIGKILL (the cgroup is thawed for it).
    ucrun("pause", cid)
    ucrun("kill", cid, "KILL")
    ucrun.wait_status(cid, "stopped")
    ucrun("delete", cid)


def test_pause_created_then_delete_force(ucrun, bundle, cid):
    b = bundle()
    b.args("true")
    ucrun("create", "-b", b, cid)
    ucrun("pause", cid)
    assert ucrun.status(cid) == "paused"
    ucrun.fail("delete", cid)
    ucrun("delete", "--force", cid)


def test_pause_stopped_fails(ucrun, bundle, cid):
    b = bundle()
    b.args("true")
    ucrun("run", "-d", "-b", b, cid)
    ucrun.wait_status(cid, "stopped")
    assert "not running" in ucrun.fail("pause", cid).stderr
    ucrun("delete", cid)


# ---------------------------------------------------------------------------
# events


def test_events_stats(ucrun, bundle, cid):
    b = bundle()
    resources(b)["memory"] = {"limit": 100 * MiB}
    resources(b)["pids"] = {"limit": 50}
    start_sleeper(ucrun, b, cid, "x=$(head -c 2000000 /dev/zero | tr '\\0' a); sleep 1000 & exec sleep 1001")
    # The shell forks its background sleep asynchronously: poll until both
    # processes are there (bounded), then check everything in one sample.
    deadline = time.monotonic() + 10
    while True:
        cp = ucrun("events", "--stats", cid)
        lines = cp.stdout.splitlines()
        assert len(lines) == 1
        ev = json.loads(lines[0])
        if ev["data"]["pids"]["current"] >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert ev["type"] == "stats" and ev["id"] == cid
    data = ev["data"]
    assert data["memory"]["usage"]["usage"] > 0
    assert data["memory"]["usage"]["limit"] == 100 * MiB
    assert data["pids"]["current"] >= 2 and data["pids"]["limit"] == 50
    assert data["cpu"]["usage"]["total"] > 0
    ucrun.remove(cid)


@pytest.mark.ucrun_specific  # runc's stream goes on until the cgroup is gone
def test_events_stream_ends_when_container_stops(ucrun, bundle, cid):
    b = bundle()
    start_sleeper(ucrun, b, cid)
    events = ucrun.popen("events", "--interval", "100ms", cid)
    try:
        time.sleep(0.6)
        assert events.popen.poll() is None
        ucrun("kill", cid, "KILL")
        cp = events.wait(timeout=10)
    finally:
        events.kill()
        events.close()
    assert cp.returncode == 0, cp.stderr
    stats = [json.loads(line) for line in cp.stdout.splitlines()]
    assert len(stats) >= 2
    assert all(e["type"] == "stats" and e["id"] == cid and "memory" in e["data"] for e in stats)
    ucrun.wait_status(cid, "stopped")
    assert "not running" in ucrun.fail("events", cid).stderr
    ucrun("delete", cid)


def test_events_bad_interval(ucrun, bundle, cid):
    b = bundle()
    start_sleeper(ucrun, b, cid)
    assert "greater than 0" in ucrun.fail("events", "--interval", "0s", cid).stderr
    ucrun.fail("events", "--interval", "soon", cid)
    ucrun.remove(cid)


# ---------------------------------------------------------------------------
# bad values: the error names file and value, nothing is left behind


@pytest.mark.parametrize("res,file,value", [
    ({"cpu": {"cpus": "999"}}, "cpuset.cpus", "999"),
    ({"memory": {"limit": 100 * MiB, "swap": 50 * MiB}}, "memory.memsw.limit_in_bytes", str(50 * MiB)),
    ({"cpu": {"realtimeRuntime": 2000000, "realtimePeriod": 1000000}}, "cpu.rt_runtime_us", "2000000"),
])
def test_bad_value_fails_cleanly(ucrun, bundle, root, tmp_base, res, file, value, cid):
    b = bundle()
    name = f"{tmp_base.name}-bad"
    b.linux["cgroupsPath"] = f"/{name}"
    resources(b).update(res)
    b.args("true")
    cp = ucrun.fail("create", "-b", b, cid)
    assert file in cp.stderr and value in cp.stderr, cp.stderr
    assert os.listdir(root) == []
    assert dirs_named(name) == []
    # On v1 the limits are written after the init's clone, while it sets
    # up: no clone of `ucrun create ... <cid>` is left.
    assert _procs_with_arg(cid) == []


def _procs_with_arg(word):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if word.encode() in args:
            out.append(int(p))
    return out


# ---------------------------------------------------------------------------
# the in-container cgroup mount (type "cgroup")


def _cgroup_mountinfo(text):
    """(mount point, root, fstype, per-mount options) of the cgroup mounts."""
    out = []
    for line in text.splitlines():
        f = line.split()
        sep = f.index("-")
        if f[4].startswith("/sys/fs/cgroup"):
            out.append((f[4], f[3], f[sep + 1], f[5].split(",")))
    return out


@pytest.mark.parametrize("cgroupns", [True, False])
@pytest.mark.parametrize("userns", [False, True])
def test_cgroup_mount_v1_layout(ucrun, bundle, cgroupns, userns, cid):
    b = bundle(userns=userns)
    if not cgroupns:
        b.drop_ns("cgroup")
    resources(b)["pids"] = {"limit": 42}
    b.sh("cat /proc/self/mountinfo; echo ---; cat /sys/fs/cgroup/pids/pids.max; "
         "ls /sys/fs/cgroup; echo ---; touch /sys/fs/cgroup/x /sys/fs/cgroup/pids/x 2>&1 || true")
    cp = ucrun("run", "-b", b, cid)
    minfo, rest, touch = cp.stdout.split("---\n")
    mounts = {mp: (mroot, fstype, opts) for mp, mroot, fstype, opts in _cgroup_mountinfo(minfo)}
    host = {os.path.basename(mp) for mp, _ in _cgroup_mounts().values()}
    assert mounts["/sys/fs/cgroup"][1] == "tmpfs"
    subdirs = {os.path.basename(mp) for mp in mounts if mp != "/sys/fs/cgroup"}
    if IS_RUNC:  # runc 1.1 leaves the unified hierarchy out, and the tmpfs rw
        host.discard("unified")
        mounts.pop("/sys/fs/cgroup")
    assert subdirs == host
    for mp, (mroot, fstype, opts) in mounts.items():
        assert "ro" in opts and "nosuid" in opts and "nodev" in opts and "noexec" in opts, mp
        if mp != "/sys/fs/cgroup":
            assert fstype == ("cgroup2" if mp.endswith("/unified") else "cgroup")
            # Rooted at the container's cgroup: fresh instances in its
            # cgroup namespace, else binds of its directories.
            assert (mroot == "/") == cgroupns, (mp, mroot)
    lines = rest.split()
    assert lines[0] == "42"
    assert sorted(lines[1:]) == sorted(host)
    assert "Read-only file system" in touch


def test_cgroup_mount_rw_option(ucrun, bundle, cid):
    b = bundle()
    for m in b.config["mounts"]:
        if m["type"] == "cgroup":
            m["options"] = ["nosuid", "noexec", "nodev", "relatime", "rw"]
    b.sh("grep ' /sys/fs/cgroup/pids ' /proc/self/mountinfo")
    cp = ucrun("run", "-b", b, cid)
    assert cp.stdout.split()[5].split(",")[0] == "rw"


# ---------------------------------------------------------------------------
# pure cgroup v2: ucrun in a mount namespace with cgroup2 at /sys/fs/cgroup


@pytest.fixture
def v2(root, tmp_base):
    if LAYOUT != "hybrid":
        pytest.skip("needs the unified hierarchy of a hybrid host")
    return pure_v2_runner(root, tmp_base)


UNIFIED = CG / "unified"


def test_v2_limits_and_cleanup(v2, bundle, cid):
    controllers = read(UNIFIED / "cgroup.controllers").split()
    b = bundle()
    sizes = sorted(p.name for p in Path("/sys/kernel/mm/hugepages").iterdir())
    assert "hugepages-2048kB" in sizes
    resources(b)["hugepageLimits"] = [{"pageSize": "2MB", "limit": 4 * MiB}]
    if "pids" in controllers:
        resources(b)["pids"] = {"limit": 9}
    b.sh("grep ' /sys/fs/cgroup ' /proc/self/mountinfo; cat /sys/fs/cgroup/hugetlb.2MB.max; exec sleep 1000")
    out = b.path.parent / "v2.out"
    v2("create", "-b", b, cid, stdout=out)
    pid = v2.state(cid)["pid"]
    d = UNIFIED / cid
    assert pid in procs(d)
    assert read(d / "hugetlb.2MB.max") == str(4 * MiB)
    if "pids" in controllers:
        assert read(d / "pids.max") == "9"
    v2("start", cid)
    wait_file_contains(out, str(4 * MiB))
    # The container's view: cgroup2 at /sys/fs/cgroup, its own cgroup.
    assert " - cgroup2 " in out.read_text()
    st = json.loads(v2("events", "--stats", cid).stdout)
    assert st["type"] == "stats" and "hugetlb" in st["data"]
    v2("pause", cid)
    assert v2.status(cid) == "paused"
    assert "frozen 1" in read(d / "cgroup.events")
    v2("resume", cid)
    assert v2.status(cid) == "running"
    v2("kill", cid, "KILL")
    v2.wait_status(cid, "stopped")
    v2("delete", cid)
    assert not d.exists()


def test_v2_pids_limit(v2, bundle, root, cid):
    controllers = read(UNIFIED / "cgroup.controllers").split()
    b = bundle()
    resources(b)["pids"] = {"limit": 5}
    forks = " ".join(str(i) for i in range(12))
    b.sh(f"exec 2>&1; for i in {forks}; do sleep 10 & done; echo all")
    if "pids" in controllers:
        cp = v2("run", "-b", b, cid, check=False)
        assert "can't fork" in cp.stdout or "Resource temporarily unavailable" in cp.stdout
        assert "all" not in cp.stdout.split()
    else:
        # Not available in this cgroup2 hierarchy: refused, naming it.
        cp = v2.fail("run", "-b", b, cid)
        assert "pids.max" in cp.stderr and "pids" in cp.stderr
    assert os.listdir(root) == []
    assert not (UNIFIED / cid).exists()


@pytest.mark.ucrun_specific
def test_v2_devices_deny_by_name(v2, bundle, cid):
    b = bundle()
    resources(b)["devices"] = [
        {"allow": False, "access": "rwm"},
        {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
    ]
    b.sh("head -c 1 /dev/zero >/dev/null && echo zero-ok; echo x > /dev/null && echo null-ok")
    cp = v2("run", "-b", b, cid)
    assert cp.stdout.split() == ["null-ok"]


@pytest.mark.ucrun_specific  # runc 1.2 refuses too; Debian's 1.1.5 only warns
def test_populated_cgroup_refused_and_left_alone(ucrun, bundle, tmp_base, root):
    """A cgroupsPath that already holds processes (another container's, a
    service's) is refused, naming the field; the delete --force of that
    failed create must not kill what lives there."""
    name = f"/{tmp_base.name}-shared"
    a = bundle()
    a.linux["cgroupsPath"] = name
    a.args("sleep", "100")
    ucrun("run", "-d", "-b", a, "a")
    try:
        pid = ucrun.state("a")["pid"]
        b = bundle()
        b.linux["cgroupsPath"] = name
        b.args("true")
        cp = ucrun.fail("create", "-b", b, "b")
        assert "config.json: linux.cgroupsPath: container's cgroup is not empty" in cp.stderr, cp.stderr
        ucrun("delete", "--force", "b")
        assert proc_alive(pid)
        assert ucrun.status("a") == "running"
    finally:
        ucrun("delete", "--force", "a")


# The same device decisions through the v1 devices controller and through
# ucrun's eBPF program on cgroup v2 (straight-line code since the ninth
# performance pass), on a node of /dev/fuse (c 10:229) the container makes
# itself: not among linux.devices (allowed rwm, as runc) nor the default
# rules ucrun appends (which allow mknod of any char device). Partial
# access, a wildcard minor, and a deny list where a partial overlap denies.
DEVICE_CASES = {
    "allow-r": ([{"allow": False, "access": "rwm"},
                 {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "r"}],
                ["mknod-c", "fuse-r"]),
    "allow-wildcard": ([{"allow": False, "access": "rwm"},
                        {"allow": True, "type": "c", "major": 10, "access": "rw"}],
                       ["mknod-c", "fuse-r", "fuse-w", "fuse-rw"]),
    "deny-w": ([{"allow": True, "access": "rwm"},
                {"allow": False, "type": "c", "major": 10, "minor": 229, "access": "w"}],
               ["mknod-c", "fuse-r"]),
}
DEVICE_SCRIPT = ("mknod /dev/f c 10 229 && echo mknod-c; "
                 "true < /dev/f && echo fuse-r; true > /dev/f && echo fuse-w; true <> /dev/f && echo fuse-rw; true")


@pytest.mark.ucrun_specific  # runc appends its default rules after
@pytest.mark.parametrize("case", sorted(DEVICE_CASES))
@pytest.mark.parametrize("layout", ["v1", "v2"])
def test_device_decisions_v1_and_v2(ucrun, root, tmp_base, bundle, cid, case, layout):
    if layout == "v2" and LAYOUT != "hybrid":
        pytest.skip("needs the unified hierarchy of a hybrid host")
    runner = pure_v2_runner(root, tmp_base) if layout == "v2" else ucrun
    rules, want = DEVICE_CASES[case]
    b = bundle()
    resources(b)["devices"] = rules
    for kind in ("bounding", "effective", "permitted"):  # mknod is asked of the cgroup after CAP_MKNOD
        b.process.setdefault("capabilities", {}).setdefault(kind, []).append("CAP_MKNOD")
    b.sh(DEVICE_SCRIPT)
    cp = runner("run", "-b", b, cid)
    assert cp.stdout.split() == want, cp.stderr
