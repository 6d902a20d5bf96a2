"""The process object (config.md#process): user, umask, env, cwd, rlimits,
and the root filesystem (config.md#root)."""

import os

import pytest


def run(ucrun, b, script):
    b.sh(script)
    return ucrun("run", "-b", b, "c1").stdout


def test_user_uid_gid_additional_gids(ucrun, bundle):
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [2000, 3000]}
    out = run(ucrun, b, "id -u; id -g; id -G").split("\n")
    assert out[0] == "1000"
    assert out[1] == "1001"
    assert sorted(out[2].split()) == ["1001", "2000", "3000"]


def test_user_no_additional_gids_drops_groups(ucrun, bundle):
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    assert run(ucrun, b, "id -G").split() == ["1000"]


def test_user_named_in_passwd(ucrun, bundle):
    b = bundle()
    b.process["user"] = {"uid": 65534, "gid": 65534}
    assert run(ucrun, b, "id").startswith("uid=65534(nobody) gid=65534(nogroup)")


@pytest.mark.parametrize("umask,want", [(0o077, "0077"), (0o022, "0022"), (0, "0000")])
def test_umask(ucrun, bundle, umask, want):
    b = bundle()
    b.process["user"]["umask"] = umask
    assert run(ucrun, b, "umask").strip() == want


def test_umask_applies_to_files(ucrun, bundle):
    b = bundle()
    b.process["user"]["umask"] = 0o027
    b.add_mount("/tmp", "tmpfs", "tmpfs", ["mode=1777"])
    assert run(ucrun, b, "touch /tmp/f; mkdir /tmp/d; stat -c %a /tmp/f /tmp/d").split() == ["640", "750"]


def test_env(ucrun, bundle):
    b = bundle()
    b.process["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY=", "X=1=2"]
    b.args("env")
    env = ucrun("run", "-b", b, "c1").stdout.splitlines()
    for kv in ("PATH=/bin", "FOO=bar baz", "EMPTY=", "X=1=2"):
        assert kv in env
    assert not any(line.startswith("UCRUN") for line in env)


def test_env_does_not_leak_runtime_env(ucrun, bundle):
    b = bundle()
    b.process["env"] = ["PATH=/bin"]
    b.args("env")
    env = dict(os.environ, LEAK_CHECK="should-not-appear")
    out = ucrun("run", "-b", b, "c1", env=env).stdout
    assert "LEAK_CHECK" not in out


def test_cwd(ucrun, bundle):
    b = bundle()
    b.process["cwd"] = "/etc"
    assert run(ucrun, b, "pwd").strip() == "/etc"


def test_cwd_created_if_missing(ucrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = False
    b.process["cwd"] = "/work/dir"
    assert run(ucrun, b, "pwd").strip() == "/work/dir"


def test_args_path_lookup(ucrun, bundle):
    b = bundle()
    b.process["env"] = ["PATH=/nonexistent:/bin"]
    b.args("echo", "found")
    assert ucrun("run", "-b", b, "c1").stdout == "found\n"


def test_args_absolute(ucrun, bundle):
    b = bundle()
    b.args("/bin/echo", "abs")
    assert ucrun("run", "-b", b, "c1").stdout == "abs\n"


def test_rlimit_nofile(ucrun, bundle):
    b = bundle()
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 2048, "soft": 512}]
    assert run(ucrun, b, "ulimit -n; ulimit -Hn").split() == ["512", "2048"]


def test_readonly_rootfs(ucrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = True
    b.sh("touch /file")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0
    assert "Read-only file system" in cp.stderr
    assert not (b.rootfs / "file").exists()


def test_writable_rootfs(ucrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = False
    run(ucrun, b, "echo data > /file")
    assert (b.rootfs / "file").read_text() == "data\n"


def test_root_path_absolute(ucrun, bundle):
    b = bundle()
    b.config["root"]["path"] = str(b.rootfs)
    b.args("echo", "ok")
    assert ucrun("run", "-b", b, "c1").stdout == "ok\n"


def test_root_is_pivoted(ucrun, bundle):
    """The host's files are not reachable; / is the rootfs."""
    b = bundle()
    b.args("ls", "/")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert "bin" in out and "etc" in out
    assert "usr" not in out  # the host has /usr, the rootfs has not


def test_mounts_present(ucrun, bundle):
    b = bundle()
    b.args("cat", "/proc/self/mounts")
    mounts = {line.split()[1]: line.split()[2] for line in ucrun("run", "-b", b, "c1").stdout.splitlines()}
    assert mounts["/proc"] == "proc"
    assert mounts["/dev"] == "tmpfs"
    assert mounts["/dev/pts"] == "devpts"
    assert mounts["/dev/shm"] == "tmpfs"
    assert mounts["/dev/mqueue"] == "mqueue"
    assert mounts["/sys"] == "sysfs"


def test_masked_and_readonly_paths(ucrun, bundle):
    b = bundle()
    b.sh("cat /proc/kcore | wc -c; touch /proc/sys/kernel/hostname 2>&1 || echo ro")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert out[0] == "0"
    assert out[-1] == "ro"


def test_unknown_capability_is_not_fatal(ucrun, bundle):
    """config.md: capabilities that cannot be mapped MUST be logged as a
    warning; runtimes SHOULD NOT fail."""
    b = bundle()
    for k in ("bounding", "effective", "permitted"):
        b.process["capabilities"][k].append("CAP_BOGUS")
    b.args("echo", "ok")
    assert ucrun("run", "-b", b, "c1").stdout == "ok\n"
