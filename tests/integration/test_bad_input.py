"""Bad input: every case fails (non-zero exit, one line on stderr naming the
problem) and leaves nothing behind: no state dir in --root, no mount, no
process.  (The fixtures check mounts and processes again at teardown.)

Each config case is run twice: test_bad_config checks the failure and the
cleanup (runc must agree, except where marked), test_bad_config_message the
ucrun wording (the JSON path of the offending field)."""

import os
import time

import pytest

from support import descendants, mount_points, proc_cmdline, proc_stat, REAPER

U = pytest.mark.ucrun_specific


def _set(path, value):
    """Mutator setting a dotted path ("linux.uidMappings") in the config."""
    def f(b):
        d = b.config
        keys = path.split(".")
        for k in keys[:-1]:
            d = d.setdefault(k, {})
        d[keys[-1]] = value
    return f


def _del(path):
    def f(b):
        d = b.config
        keys = path.split(".")
        for k in keys[:-1]:
            d = d[k]
        del d[keys[-1]]
    return f


def _raw(text):
    def f(b):
        b.raw = text
    return f


def _no_config(b):
    b.config = None


def _userns(uid_maps, gid_maps=None):
    def f(b):
        b.set_userns()
        b.linux["uidMappings"] = uid_maps
        if gid_maps is not None:
            b.linux["gidMappings"] = gid_maps
    return f


def _add_ns(entry):
    def f(b):
        b.namespaces().append(entry)
    return f


def _no_rootfs_dir(b):
    b.config["root"]["path"] = "no-such-rootfs"


M = lambda c, h, s: {"containerID": c, "hostID": h, "size": s}  # noqa: E731

# id, mutation, substring the error must contain (ucrun), marks for the
# generic test (cases runc does not refuse)
CASES = [
    ("missing-config", _no_config, "config.json", []),
    ("empty-config", _raw(""), "config.json", []),
    ("truncated-json", _raw('{"ociVersion": "1.0.2", "process": {"args": ['), "config.json", []),
    ("not-an-object", _raw("[1, 2, 3]"), "config.json", []),
    ("args-not-array", _set("process.args", "sh -c true"), "process.args", []),
    ("args-empty", _set("process.args", []), "process.args", []),
    ("args-wrong-item-type", _set("process.args", ["sh", 1]), "process.args[1]", []),
    ("uid-not-number", _set("process.user.uid", "root"), "process.user.uid", []),
    ("uid-negative", _set("process.user.uid", -1), "process.user.uid", []),
    ("cwd-relative", _set("process.cwd", "tmp"), "process.cwd", []),
    ("oci-version-2", _set("ociVersion", "2.0.0"), "ociVersion", [U]),
    ("oci-version-not-semver", _set("ociVersion", "one"), "ociVersion", [U]),
    ("oci-version-missing", _del("ociVersion"), "ociVersion", [U]),
    ("root-missing", _del("root"), "root", []),
    ("root-path-missing", _no_rootfs_dir, "no-such-rootfs", []),
    ("uidmap-size-0", _userns([M(0, 100000, 0)]), "linux.uidMappings[0].size", []),
    ("gidmap-size-0", _userns([M(0, 100000, 65536)], [M(0, 100000, 0)]),
     "linux.gidMappings[0].size", []),
    ("uidmap-overlap-container", _userns([M(0, 100000, 1000), M(500, 300000, 1000)]),
     "linux.uidMappings[1]", []),
    ("uidmap-overlap-host", _userns([M(0, 100000, 1000), M(5000, 100500, 1000)]),
     "linux.uidMappings[1]", []),
    ("uidmap-host-overflow", _userns([M(0, 4294967295, 2)]), "linux.uidMappings[0]", []),
    ("uidmap-container-overflow", _userns([M(4294967290, 100000, 100)]), "linux.uidMappings[0]", []),
    ("uidmap-hostid-out-of-range", _userns([M(0, 4294967296, 1)]), "linux.uidMappings[0].hostID", []),
    ("uidmap-without-userns", _set("linux.uidMappings", [M(0, 100000, 65536)]), "linux.uidMappings", [U]),
    ("unknown-namespace", _add_ns({"type": "bogus"}), "linux.namespaces[6].type", []),
    ("duplicate-namespace", _add_ns({"type": "network"}), "linux.namespaces[6]", []),
    ("namespace-path-relative", _add_ns({"type": "user", "path": "ns/user"}), "linux.namespaces[6].path", []),
    ("unknown-rlimit", _set("process.rlimits", [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]),
     "process.rlimits[0].type", []),
    ("rlimit-soft-above-hard", _set("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 5}]),
     "process.rlimits[0]", []),
    ("duplicate-rlimit", _set("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1},
                                                 {"type": "RLIMIT_NOFILE", "soft": 2, "hard": 2}]),
     "process.rlimits[1]", []),
]

IDS = [c[0] for c in CASES]


def leftovers(root, b, timeout=2.0):
    """What a failed command left: state entries, mounts naming the bundle,
    processes (our descendants: the runtime's children included)."""
    deadline = time.monotonic() + timeout
    while True:
        REAPER.reap_once()
        procs = [f"{p} {proc_cmdline(p)}" for p in descendants(os.getpid()) if proc_stat(p)]
        if not procs or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    mounts = [m for m in mount_points() if str(b.path) in m[0] or str(b.path) in m[2]]
    return {"state": sorted(os.listdir(root)), "mounts": mounts, "processes": procs}


NOTHING = {"state": [], "mounts": [], "processes": []}


def run_case(ucrun, bundle, mutate, cmd):
    b = bundle()
    b.args("true")
    mutate(b)
    args = [cmd, "-b", b, "c1"]
    if cmd == "run":
        args.insert(1, "-d")
    return b, ucrun.fail(*args)


@pytest.mark.parametrize("cmd", ["create", "run"])
@pytest.mark.parametrize("name,mutate,needle,marks",
                         [pytest.param(*c, marks=c[3], id=c[0]) for c in CASES])
def test_bad_config(ucrun, bundle, root, cmd, name, mutate, needle, marks):
    b, cp = run_case(ucrun, bundle, mutate, cmd)
    assert cp.stderr.strip(), "no error message"
    assert leftovers(root, b) == NOTHING


@U
@pytest.mark.parametrize("name,mutate,needle,marks", CASES, ids=IDS)
def test_bad_config_message(ucrun, bundle, root, name, mutate, needle, marks):
    b, cp = run_case(ucrun, bundle, mutate, "create")
    lines = cp.stderr.strip().splitlines()
    assert len(lines) == 1, cp.stderr
    assert needle in lines[0]
    if needle != "config.json" and name != "root-path-missing":
        assert "config.json" in lines[0]  # "config.json: <path>: <reason>"


@pytest.mark.parametrize("args0,want", [
    ("/nonexistent", "no such file or directory"),
    ("no-such-command", "executable file not found"),
    ("/bin/nope/deeper", "no such file or directory"),
])
def test_missing_executable(ucrun, bundle, root, args0, want):
    b = bundle()
    b.args(args0)
    cp = ucrun.fail("run", "-b", b, "c1")
    assert want in cp.stderr.lower()
    assert args0 in cp.stderr
    assert leftovers(root, b) == NOTHING


def test_missing_executable_create_start(ucrun, bundle, root):
    """Refused at create (like runc) or at start: either way no leftovers once
    deleted."""
    b = bundle()
    b.args("/nonexistent")
    cp = ucrun("create", "-b", b, "c1", check=False)
    if cp.returncode == 0:
        cp = ucrun.fail("start", "c1")
        ucrun("delete", "--force", "c1")
    err = cp.stderr.lower()
    assert "no such file or directory" in err or "executable file not found" in err
    assert leftovers(root, b) == NOTHING


def test_not_executable(ucrun, bundle, root):
    b = bundle()
    b.args("/etc/passwd")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "permission denied" in cp.stderr.lower()
    assert leftovers(root, b) == NOTHING


def _not_executable_file(b):
    (b.rootfs / "notexec").write_text("#!/bin/sh\necho ran\n")
    os.chmod(b.rootfs / "notexec", 0o644)
    return "/notexec"


def _directory(b):
    return "/etc"


def _owner_only(b):
    """Executable by its owner (root) only; the process runs as nobody."""
    (b.rootfs / "rootonly").write_text("#!/bin/sh\necho ran\n")
    os.chmod(b.rootfs / "rootonly", 0o700)
    b.process["user"] = {"uid": 65534, "gid": 65534}
    return "/rootonly"


def _noexec_mount(b):
    """Mode 0755, on a noexec bind mount (runc: faccessat2 X_OK refuses it)."""
    d = b.path / "noexec-src"
    d.mkdir()
    (d / "x").write_text("#!/bin/sh\necho ran\n")
    os.chmod(d / "x", 0o755)
    b.add_mount("/opt", "bind", d, ["bind", "noexec"])
    return "/opt/x"


@pytest.mark.parametrize("make,want", [
    (_not_executable_file, "permission denied"),
    (_directory, "is a directory"),
    (_owner_only, "permission denied"),
    (_noexec_mount, "permission denied"),
])
def test_not_executable_fails_create(ucrun, bundle, root, make, want):
    """runc refuses at create (exec.LookPath after the user is set):
    docker and podman show a failed create, not a container dying at start."""
    b = bundle()
    arg0 = make(b)
    b.args(arg0)
    cp = ucrun.fail("create", "-b", b, "c1")
    assert f'exec: "{arg0}": {want}' in cp.stderr, cp.stderr
    assert leftovers(root, b) == NOTHING


def test_not_executable_skipped_in_path(ucrun, bundle):
    """A PATH entry that cannot be executed is skipped, as Go's LookPath and
    execvp do: a later one runs."""
    b = bundle()
    (b.rootfs / "first").mkdir()
    (b.rootfs / "first" / "hello").write_text("#!/bin/sh\necho first\n")
    os.chmod(b.rootfs / "first" / "hello", 0o644)
    (b.rootfs / "first" / "echo").mkdir()  # a directory named like the command
    (b.rootfs / "second").mkdir()
    (b.rootfs / "second" / "hello").write_text("#!/bin/sh\necho second\n")
    os.chmod(b.rootfs / "second" / "hello", 0o755)
    b.process["env"] = ["PATH=/first:/second:/bin"]
    b.args("hello")
    assert ucrun("run", "-b", b, "c1").stdout == "second\n"
    b.args("echo", "from-bin")
    assert ucrun("run", "-b", b, "c1").stdout == "from-bin\n"


def test_not_executable_in_path_only(ucrun, bundle, root):
    b = bundle()
    (b.rootfs / "only").mkdir()
    (b.rootfs / "only" / "hello").write_text("#!/bin/sh\necho hi\n")
    os.chmod(b.rootfs / "only" / "hello", 0o644)
    b.process["env"] = ["PATH=/only"]
    b.args("hello")
    cp = ucrun.fail("create", "-b", b, "c1")
    assert 'exec: "hello": executable file not found in $PATH' in cp.stderr, cp.stderr
    assert leftovers(root, b) == NOTHING


def test_bundle_dir_missing(ucrun, tmp_base, root):
    cp = ucrun.fail("create", "-b", tmp_base / "no-such-bundle", "c1")
    assert cp.stderr.strip()
    assert os.listdir(root) == []


def test_duplicate_id(ucrun, bundle, root):
    b1, b2 = bundle(), bundle()
    b1.args("sleep", "1000")
    b2.args("true")
    ucrun("create", "-b", b1, "c1")
    st = ucrun.state("c1")
    for cmd in ("create", "run"):
        cp = ucrun.fail(cmd, "-b", b2, "c1")
        assert "exist" in cp.stderr
    # the first container is untouched
    assert ucrun.state("c1") == st
    assert os.listdir(root) == ["c1"]
    ucrun("delete", "--force", "c1")


@U
def test_duplicate_id_message(ucrun, bundle):
    b = bundle()
    b.args("true")
    ucrun("create", "-b", b, "c1")
    cp = ucrun.fail("create", "-b", b, "c1")
    lines = cp.stderr.strip().splitlines()
    assert len(lines) == 1 and "c1" in lines[0] and "exists" in lines[0], cp.stderr
    ucrun("delete", "--force", "c1")


@pytest.mark.parametrize("cid", [
    "../x", "a/b", "/abs", "a b", "x\ny", "",
    ".", "..", pytest.param("a" * 1025, id="too-long"),
])
def test_invalid_id(ucrun, bundle, root, tmp_base, cid):
    b = bundle()
    b.args("true")
    for cmd in ("create", "run"):
        cp = ucrun.fail(cmd, "-b", b, cid)
        assert cp.stderr.strip()
    assert os.listdir(root) == []
    assert sorted(os.listdir(tmp_base)) == ["bundle1", "root"]  # nothing made beside root
    assert leftovers(root, b) == NOTHING


@U
@pytest.mark.parametrize("cid", ["../x", "a/b", ".."])
def test_invalid_id_message(ucrun, bundle, cid):
    b = bundle()
    b.args("true")
    cp = ucrun.fail("create", "-b", b, cid)
    assert "id" in cp.stderr.lower()
    assert len(cp.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("cmd", ["state", "start", "kill", "delete", "exec"])
def test_invalid_id_other_commands(ucrun, cmd):
    args = [cmd, "../x"] + (["true"] if cmd == "exec" else [])
    ucrun.fail(*args)


@U
@pytest.mark.parametrize("cmd", ["state", "start", "kill", "delete"])
def test_unknown_id_message(ucrun, cmd):
    cp = ucrun.fail(cmd, "nosuch")
    lines = cp.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("container nosuch does not exist"), cp.stderr


def test_bad_mount_fails_cleanly(ucrun, bundle, root, tmp_base):
    """A failure midway through mounting leaves no mount and no process."""
    b = bundle()
    b.args("true")
    b.bind(tmp_base / "no-such-source", "/mnt/x")
    ucrun.fail("run", "-b", b, "c1")
    assert leftovers(root, b) == NOTHING


def test_bad_mount_in_userns_fails_cleanly(ucrun, bundle, root, tmp_base):
    b = bundle(userns=True)
    b.args("true")
    b.add_mount("/mnt/x", "nosuchfs", "none")
    b.mkdir("/mnt/x")
    ucrun.fail("run", "-b", b, "c1")
    assert leftovers(root, b) == NOTHING


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_config_json_not_a_regular_file(ucrun, bundle, root, kind):
    """A FIFO (no writer) or /dev/zero in place of config.json would hang
    create or feed it forever: refused at once."""
    b = bundle()
    b.config = None
    b.write()
    if kind == "fifo":
        os.mkfifo(b.config_path)
    else:
        os.symlink("/dev/zero", b.config_path)
    cp = ucrun.fail("create", "-b", str(b.path), "c1", timeout=10)  # the path: not written again
    assert "is not a regular file" in cp.stderr, cp.stderr
    assert "config.json" in cp.stderr
    assert not os.listdir(root)
