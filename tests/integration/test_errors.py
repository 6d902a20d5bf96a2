"""Errors that name the config.json field and the reason (issue 11 item 9),
also when the failure happens inside the container's init: the init's error
crosses the sync socket with its errno and the JSON path it was applying,
and ucrun prints one line `config.json: <path>: <what>: <strerror>`.

Every case runs a real create on a real bundle, and checks the line printed
and that nothing is left behind (state, mounts, processes)."""

import json
import os
import shutil
import subprocess

import pytest

from support import REAPER, descendants, proc_alive, proc_stat, proc_state, wait_for

U = pytest.mark.ucrun_specific
M = lambda c, h, s: {"containerID": c, "hostID": h, "size": s}  # noqa: E731


def one_line(cp):
    lines = cp.stderr.strip().splitlines()
    assert len(lines) == 1, cp.stderr
    return lines[0]


def failed_create(ucrun, b, root):
    """create must fail, leave no state, and print one line: returned."""
    cp = ucrun.fail("create", "-b", b, "c1")
    assert os.listdir(root) == []
    return one_line(cp)


# ---------------------------------------------------------------------------
# user namespace maps


@U
def test_uid_map_more_than_340_ranges(ucrun, bundle, root):
    """The kernel takes at most 340 lines: refused up front, naming the limit
    (runc: `write /proc/N/uid_map: invalid argument`)."""
    b = bundle(userns=True)
    b.args("true")
    b.linux["uidMappings"] = [M(i, 100000 + i, 1) for i in range(341)]
    line = failed_create(ucrun, b, root)
    assert line.endswith("config.json: linux.uidMappings: has 341 ranges: "
                         "the kernel accepts at most 340 (user_namespaces(7))"), line


@U
def test_uid_map_larger_than_a_page(ucrun, bundle, root):
    """300 ranges of 10-digit ids are 7200 bytes: the kernel takes less than a
    page in one write and says only EINVAL; ucrun says why."""
    b = bundle(userns=True)
    b.args("true")
    b.linux["uidMappings"] = [M(1000000000 + 2 * i, 2000000000 + 2 * i, 1) for i in range(300)]
    b.linux["uidMappings"].append(M(0, 100000, 65536))
    line = failed_create(ucrun, b, root)
    assert "config.json: linux.uidMappings: 301 ranges make " in line, line
    assert "the kernel accepts at most 4095: Invalid argument" in line, line


@U
def test_uid_map_id_minus_one(ucrun, bundle, root):
    """Host id 4294967295 is (uid_t)-1: refused up front naming the range."""
    b = bundle(userns=True)
    b.args("true")
    b.linux["gidMappings"] = [M(0, 100000, 65536), M(65536, 4294967295, 1)]
    line = failed_create(ucrun, b, root)
    assert "config.json: linux.gidMappings[1]: includes id 4294967295" in line, line


@U
def test_uid_map_unmapped_host_range(ucrun, bundle, root, tmp_base):
    """ucrun itself in a user namespace that maps only host root: the
    container's host ids 100000-165535 are not mapped there, and the kernel's
    EPERM is explained naming the range."""
    if not shutil.which("unshare"):
        pytest.skip("no unshare(1)")
    b = bundle(userns=True)
    b.args("true")
    b.write()
    argv = ["unshare", "--user", "--map-root-user", "--"] + ucrun.argv(
        ["--cgroup-manager", "disabled", "create", "-b", str(b), "c1"])
    cp = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    REAPER.reap_once()
    assert cp.returncode != 0
    line = one_line(cp)
    assert "config.json: linux.uidMappings[0]: write /proc/" in line, line
    assert ("/uid_map: host ids 100000-165535 are not mapped in ucrun's user namespace "
            "(/proc/self/uid_map): Operation not permitted") in line, line
    assert os.listdir(root) == []


# ---------------------------------------------------------------------------
# namespaces joined by path


@U
def test_join_network_namespace_of_wrong_type(ucrun, bundle, root):
    """setns says EINVAL; ucrun names linux.namespaces[i].path and the type.
    The join happens in the init: the error crosses the sync socket."""
    b = bundle()
    b.args("true")
    b.set_ns("network", "/proc/self/ns/mnt")
    i = len(b.namespaces()) - 1
    line = failed_create(ucrun, b, root)
    assert line.endswith(f"config.json: linux.namespaces[{i}].path: /proc/self/ns/mnt is not a network "
                         "namespace (it is a mount namespace)"), line


@U
def test_join_namespace_not_a_namespace_file(ucrun, bundle, root, tmp_base):
    not_ns = tmp_base / "netns"
    not_ns.write_text("")
    b = bundle()
    b.args("true")
    b.set_ns("network", not_ns)
    i = len(b.namespaces()) - 1
    line = failed_create(ucrun, b, root)
    assert line.endswith(f"config.json: linux.namespaces[{i}].path: {not_ns} is not a namespace file"), line


@U
def test_join_namespace_missing_file(ucrun, bundle, root, tmp_base):
    b = bundle()
    b.args("true")
    b.set_ns("ipc", tmp_base / "nope")
    i = len(b.namespaces()) - 1
    line = failed_create(ucrun, b, root)
    assert line.endswith(f"config.json: linux.namespaces[{i}].path: open ipc namespace {tmp_base}/nope: "
                         "No such file or directory"), line


@U
def test_join_pid_namespace_of_wrong_type(ucrun, bundle, root):
    """The pid namespace is joined by ucrun itself (for its children): the
    same check, the same message."""
    b = bundle()
    b.args("true")
    b.set_ns("pid", "/proc/self/ns/net")
    i = len(b.namespaces()) - 1
    line = failed_create(ucrun, b, root)
    assert line.endswith(f"config.json: linux.namespaces[{i}].path: /proc/self/ns/net is not a pid "
                         "namespace (it is a network namespace)"), line


# ---------------------------------------------------------------------------
# mounts (made in the init)


@U
def test_mount_unknown_filesystem_type(ucrun, bundle, root):
    b = bundle()
    b.args("true")
    i = len(b.config["mounts"])
    b.add_mount("/mnt", "escbogusfs", "none")
    line = failed_create(ucrun, b, root)
    assert f"config.json: mounts[{i}].type: mount escbogusfs on {b.rootfs}/mnt: " \
           'unknown filesystem type "escbogusfs": No such device' in line, line


@U
def test_bind_source_missing(ucrun, bundle, root, tmp_base):
    b = bundle()
    b.args("true")
    i = len(b.config["mounts"])
    b.bind(tmp_base / "no-such-dir", "/data")
    line = failed_create(ucrun, b, root)
    assert f"config.json: mounts[{i}].source: bind {tmp_base}/no-such-dir on {b.rootfs}/data: " \
           "No such file or directory" in line, line


@U
def test_long_init_error_arrives_whole(ucrun, bundle, root, tmp_base):
    """A long error from inside the init (a 4 KB path: config.json's limit
    keeps paths below 4096 bytes, tests/unit/runtime/test_error_msg.cpp
    checks that anything longer is shortened, not lost) names the field and
    keeps its errno."""
    b = bundle()
    b.args("true")
    i = len(b.config["mounts"])
    b.bind(f"{tmp_base}/" + "a" * 4000, "/data")
    cp = ucrun.fail("create", "-b", b, "c1")
    assert os.listdir(root) == []
    line = one_line(cp)
    assert "exited before it was ready" not in line
    assert f"config.json: mounts[{i}].source: bind {tmp_base}/aaaa" in line, line[:300]
    assert line.endswith(f"on {b.rootfs}/data: File name too long"), line[-300:]


@U
def test_hostname_refused_by_the_kernel(ucrun, bundle, root):
    """sethostname(2) in the init refuses more than 64 bytes: the line names
    the field (whether ucrun refuses it up front or the init reports it)."""
    b = bundle()
    b.args("true")
    b.config["hostname"] = "h" * 100
    line = failed_create(ucrun, b, root)
    assert "config.json: hostname: " in line, line


def test_exec_error_keeps_runc_wording(ucrun, bundle):
    """Errors of the exec'd process cross the same socket: runc's wording, on
    which engines match, stays intact."""
    b = bundle()
    b.args("sleep", "1000")
    ucrun("run", "-d", "-b", b, "c1")
    cp = ucrun.fail("exec", "c1", "no-such-command")
    assert 'exec: "no-such-command": executable file not found in $PATH' in cp.stderr
    cp = ucrun.fail("exec", "c1", "/no/such/file")
    assert "no such file or directory" in cp.stderr
    ucrun("delete", "--force", "c1")


# ---------------------------------------------------------------------------
# corrupt state files


def corrupt(root, edit):
    path = root / "c1" / "state.json"
    text = path.read_text()
    path.write_text(edit(text))
    return path


def _drop_state(text):
    j = json.loads(text)
    del j["state"]
    return json.dumps(j)


def _status_not_string(text):
    j = json.loads(text)
    j["state"]["status"] = 5
    return json.dumps(j)


def _hook_without_path(text):
    j = json.loads(text)
    j["hooks"] = {"poststop": [{"args": ["x"]}]}
    return json.dumps(j)


@U
@pytest.mark.parametrize("edit,reason", [
    (_drop_state, 'corrupt state file: missing "state"'),
    (_status_not_string, "corrupt state file: state.status: must be a string"),
    (_hook_without_path, "corrupt state file: hooks.poststop[0].path: is required"),
], ids=["missing-state", "wrong-type", "hook-without-path"])
def test_corrupt_state_running_container(ucrun, bundle, root, edit, reason):
    """A running container whose state.json is damaged: commands say which
    file and what is wrong; `delete --force` still kills and removes it (with
    what is left readable: the init's pid and the cgroup)."""
    b = bundle()
    b.args("sleep", "1000")
    ucrun("run", "-d", "-b", b, "c1")
    pid = ucrun.state("c1")["pid"]
    path = corrupt(root, edit)
    for cmd in (["state", "c1"], ["kill", "c1", "KILL"], ["delete", "c1"]):
        line = one_line(ucrun.fail(*cmd))
        assert line.endswith(f"{path}: {reason}"), line
        assert "json.exception" not in line
    assert proc_stat(pid), "the container must still run"
    cp = ucrun("delete", "--force", "c1")
    assert reason in cp.stderr  # the warning says what was wrong
    assert os.listdir(root) == []
    wait_for(lambda: not proc_alive(pid), what="the init killed")
    REAPER.reap_once()


@U
def test_delete_force_says_a_damaged_cgroup_is_left(ucrun, bundle, root):
    """A record whose cgroup cannot be read: delete --force kills the init
    (pid and start time still read) and says the cgroup is left, and why;
    it removes nothing the record names."""
    b = bundle()
    b.args("sleep", "1000")
    ucrun("run", "-d", "-b", b, "c1")
    pid = ucrun.state("c1")["pid"]
    path = root / "c1" / "state.json"
    rec = json.loads(path.read_text())
    dirs = [h["dir"] for h in rec["cgroup"].get("hierarchies", [])] + \
        [d for d in (rec["cgroup"].get("unified"), rec["cgroup"].get("dir")) if d]
    assert dirs and all(os.path.isdir(d) for d in dirs)
    rec["cgroup"]["created"] = "x"
    path.write_text(json.dumps(rec))
    line = one_line(ucrun.fail("state", "c1"))
    assert line.endswith(f"{path}: corrupt state file: cgroup.created: must be an array"), line
    cp = ucrun("delete", "--force", "c1")
    assert "its cgroup is left as it is (cgroup.created: must be an array)" in cp.stderr, cp.stderr
    assert os.listdir(root) == []
    wait_for(lambda: not proc_alive(pid), what="the init killed")
    REAPER.reap_once()
    assert all(os.path.isdir(d) for d in dirs), "nothing the damaged record names is removed"
    for d in dirs:  # the test's own cleanup: empty now
        os.rmdir(d)


@U
def test_corrupt_stored_config_json(ucrun, bundle, root):
    """The container's copy of config.json, damaged: exec and update name
    the file and change nothing; delete still removes the container."""
    b = bundle()
    b.args("sleep", "1000")
    ucrun("run", "-d", "-b", b, "c1")
    pid = ucrun.state("c1")["pid"]
    path = root / "c1" / "config.json"
    path.write_text(path.read_text()[:40])
    for cmd in (["exec", "c1", "true"], ["update", "--pids-limit", "10", "c1"]):
        line = one_line(ucrun.fail(*cmd))
        assert line.endswith(f"{path}: corrupt config"), line
    assert proc_stat(pid), "the container must still run"
    ucrun("delete", "--force", "c1")
    assert os.listdir(root) == []
    wait_for(lambda: not proc_alive(pid), what="the init killed")
    REAPER.reap_once()


def _stopped(ucrun, bundle, cid, g):
    b = bundle()
    b.args("true")
    ucrun("create", "-b", b, cid, global_args=g)
    ucrun("start", cid, global_args=g)
    ucrun.wait_status(cid, "stopped")


@U
def test_state_json_planted_as_a_symlink_is_corrupt_not_followed(ucrun, bundle, root, tmp_path):
    """A state.json replaced by a symlink (to a valid record) is never
    followed: every command calls the record corrupt, plain `delete` refuses,
    and `delete --force` removes the directory."""
    g = ["--cgroup-manager", "disabled"]
    _stopped(ucrun, bundle, "c1", g)
    path = root / "c1" / "state.json"
    target = tmp_path / "elsewhere.json"
    target.write_text(path.read_text())
    path.unlink()
    path.symlink_to(target)
    for cmd in (["state", "c1"], ["delete", "c1"]):
        line = one_line(ucrun.fail(*cmd, global_args=g))
        assert line.endswith(f"{path}: corrupt state file: not a regular file (a symbolic link)"), line
    assert (root / "c1").is_dir()
    ucrun("delete", "--force", "c1", global_args=g)
    assert os.listdir(root) == []
    assert target.exists()


@U
def test_record_of_another_container_is_corrupt(ucrun, bundle, root):
    """A record whose state.id is not its directory's name (copied from
    another container) is corrupt, and `delete --force` of it leaves the
    other container alone."""
    g = ["--cgroup-manager", "disabled"]
    _stopped(ucrun, bundle, "c1", g)
    _stopped(ucrun, bundle, "c2", g)
    path = root / "c1" / "state.json"
    path.write_text((root / "c2" / "state.json").read_text())
    line = one_line(ucrun.fail("state", "c1", global_args=g))
    assert line.endswith(f'{path}: corrupt state file: state.id "c2" is not the directory\'s name'), line
    ucrun("delete", "--force", "c1", global_args=g)
    assert os.listdir(root) == ["c2"]
    assert ucrun.state("c2")["id"] == "c2"
    ucrun("delete", "c2", global_args=g)


@U
def test_corrupt_state_truncated(ucrun, bundle, root):
    """Nothing can be read of a truncated file: the error says so, and
    `delete --force` removes the stopped container's directory."""
    g = ["--cgroup-manager", "disabled"]  # no cgroup left that could not be found
    b = bundle()
    b.args("true")
    ucrun("create", "-b", b, "c1", global_args=g)
    ucrun("start", "c1", global_args=g)
    ucrun.wait_status("c1", "stopped")
    path = corrupt(root, lambda t: t[: len(t) // 2])
    line = one_line(ucrun.fail("state", "c1", global_args=g))
    assert line.endswith(f"{path}: corrupt state file: truncated: the JSON text ends at byte "
                         f"{len(path.read_text())}"), line
    ucrun("list", global_args=g)  # one damaged record does not break list
    ucrun("delete", "--force", "c1", global_args=g)
    assert os.listdir(root) == []
    # The init of `true` may still be a zombie of ours (stopped already
    # counts it gone): reap it, then nothing of the container may be left.
    REAPER.reap_once()
    assert not [p for p in descendants(os.getpid()) if proc_state(p) not in (None, "Z")]
