"""/dev in the container (config-linux.md#default-devices, #devices), masked
and read-only paths (#masked-paths, #readonly-paths), /dev/console."""

import os

import pytest

from consock import ConsoleSocket
from support import IS_RUNC
from isolation import bundle  # noqa: F401  (a cgroup per bundle)

U = pytest.mark.ucrun_specific

DEFAULTS = {"/dev/null": "1:3", "/dev/zero": "1:5", "/dev/full": "1:7", "/dev/random": "1:8",
            "/dev/urandom": "1:9", "/dev/tty": "5:0"}


def stat_lines(ucrun, b, paths, fmt="%n %F %t:%T %a %u:%g"):
    """busybox stat of each path ('%t:%T' in hex)."""
    b.args("stat", "-c", fmt, *paths)
    return {line.split()[0]: line.split(" ", 1)[1] for line in ucrun("run", "-b", b, "c1").stdout.splitlines()}


def hexdev(s):
    ma, mi = s.split(":")
    return f"{int(ma):x}:{int(mi):x}"


def test_default_devices(ucrun, bundle):
    b = bundle()
    st = stat_lines(ucrun, b, list(DEFAULTS))
    for path, dev in DEFAULTS.items():
        assert st[path] == f"character special file {hexdev(dev)} 666 0:0", (path, st[path])


def test_default_devices_work(ucrun, bundle):
    b = bundle()
    b.sh("echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c; "
         "echo x > /dev/full || echo full")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.stdout.split() == ["4", "8", "full"], cp.stderr
    assert "No space left on device" in cp.stderr


@pytest.mark.parametrize("link,target", [
    ("/dev/ptmx", "pts/ptmx"), ("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"),
    ("/dev/stdout", "/proc/self/fd/1"), ("/dev/stderr", "/proc/self/fd/2"),
    pytest.param("/dev/core", "/proc/kcore", marks=pytest.mark.skipif(
        not os.path.exists("/proc/kcore"), reason="no /proc/kcore (CONFIG_PROC_KCORE)")),
])
def test_dev_symlinks(ucrun, bundle, link, target):
    b = bundle()
    b.args("readlink", link)
    assert ucrun("run", "-b", b, "c1").stdout.strip() == target


def test_dev_fd_usable(ucrun, bundle):
    b = bundle()
    # (appending: the output is a file, reopened through /proc/self/fd/1)
    b.sh("ls /dev/fd/ | grep -c '^[012]$'; echo via-stdout >> /dev/stdout")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["3", "via-stdout"]


def test_ptmx_is_the_containers_devpts(ucrun, bundle):
    b = bundle()
    b.sh("stat -c '%t:%T' /dev/pts/ptmx; stat -L -c '%t:%T' /dev/ptmx; ls /dev/pts/")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert out[0] == "5:2" and out[1] == "5:2"
    assert out[2:] == ["ptmx"]  # a new devpts instance: no host pty


def test_dev_shm_mqueue(ucrun, bundle):
    b = bundle()
    b.sh("echo x > /dev/shm/f && cat /dev/shm/f; stat -c %a /dev/shm; ls -d /dev/mqueue")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["x", "1777", "/dev/mqueue"]


def test_only_default_devices(ucrun, bundle):
    b = bundle()
    b.args("ls", "/dev")
    names = set(ucrun("run", "-b", b, "c1").stdout.split())
    want = {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "mqueue",
            "fd", "stdin", "stdout", "stderr"}
    if os.path.exists("/proc/kcore"):
        want.add("core")  # runc: only where the kernel has /proc/kcore
    assert names == want


# ---------------------------------------------------------------------------
# linux.devices


@pytest.mark.parametrize("dev,want", [
    ({"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 0o620, "uid": 5, "gid": 6},
     "character special file 1:3 620 5:6"),
    ({"path": "/dev/myzero", "type": "u", "major": 1, "minor": 5}, "character special file 1:5 666 0:0"),
    ({"path": "/dev/loopx", "type": "b", "major": 7, "minor": 200, "fileMode": 0o600},
     "block special file 7:c8 600 0:0"),
    ({"path": "/dev/myfifo", "type": "p", "fileMode": 0o640, "uid": 1, "gid": 2}, "fifo 0:0 640 1:2"),
    ({"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 0o666},
     "character special file a:c8 666 0:0"),
    pytest.param({"path": "/dev/suid", "type": "c", "major": 1, "minor": 3, "fileMode": 0o4755},
                 "character special file 1:3 4755 0:0", marks=U),  # runc's chown clears the bit
])
def test_linux_devices(ucrun, bundle, dev, want):
    b = bundle()
    b.linux["devices"] = [dev]
    # the device cgroup is not under test here
    b.linux["resources"]["devices"] = [{"allow": True, "access": "rwm"}]
    st = stat_lines(ucrun, b, [dev["path"]])
    assert st[dev["path"]] == want


@U  # runc 1.1 fails to reopen a 0600 /dev/null
def test_linux_device_overrides_default(ucrun, bundle):
    b = bundle()
    b.linux["devices"] = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600,
                           "uid": 0, "gid": 0}]
    st = stat_lines(ucrun, b, ["/dev/null", "/dev/zero"])
    assert st["/dev/null"] == "character special file 1:3 600 0:0"
    assert st["/dev/zero"] == "character special file 1:5 666 0:0"


def test_linux_device_usable(ucrun, bundle):
    b = bundle()
    b.linux["devices"] = [{"path": "/dev/myfull", "type": "c", "major": 1, "minor": 7, "fileMode": 0o666}]
    b.linux["resources"]["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 7, "access": "rwm"})
    b.sh("echo x > /dev/myfull")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0 and "No space left on device" in cp.stderr


def test_devices_without_dev_tmpfs(ucrun, bundle):
    """No /dev mount: the nodes are made in the rootfs's own /dev."""
    b = bundle()
    for m in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"):
        b.drop_mount(m)
    b.config["root"]["readonly"] = False
    st = stat_lines(ucrun, b, ["/dev/null", "/dev/zero"])
    assert st["/dev/null"].startswith("character special file 1:3")
    assert os.stat(b.rootfs / "dev" / "null").st_rdev == os.makedev(1, 3)


# ---------------------------------------------------------------------------
# in a user namespace: mknod is refused, the host's nodes are bound


def test_userns_default_devices_bound(ucrun, bundle):
    b = bundle(userns=True)
    st = stat_lines(ucrun, b, list(DEFAULTS), fmt="%n %F %t:%T %u")
    for path, dev in DEFAULTS.items():
        # host root owns them, unmapped in the container: the overflow uid
        assert st[path] == f"character special file {hexdev(dev)} 65534", (path, st[path])


def test_userns_devices_work(ucrun, bundle):
    b = bundle(userns=True)
    b.sh("echo x > /dev/null && head -c 4 /dev/zero | wc -c; grep -c ' /dev/null ' /proc/self/mountinfo")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["4", "1"]


def test_userns_linux_device_bound_from_host_path(ucrun, bundle):
    b = bundle(userns=True)
    b.linux["devices"] = [{"path": "/dev/full", "type": "c", "major": 1, "minor": 7, "fileMode": 0o600}]
    b.linux["resources"]["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 7, "access": "rwm"})
    b.sh("stat -c '%t:%T' /dev/full; echo x > /dev/full")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.stdout.strip() == "1:7"
    assert "No space left on device" in cp.stderr


@U  # runc binds a host node of that path, and there is none
def test_userns_fifo_made(ucrun, bundle):
    b = bundle(userns=True)
    b.linux["devices"] = [{"path": "/dev/myfifo", "type": "p", "fileMode": 0o600}]
    st = stat_lines(ucrun, b, ["/dev/myfifo"], fmt="%n %F %a %u")
    assert st["/dev/myfifo"] == "fifo 600 0"


# ---------------------------------------------------------------------------
# masked and read-only paths


# Files of the default maskedPaths this kernel has (no /proc/kcore without
# CONFIG_PROC_KCORE).
MASKED_FILES = [p for p in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/latency_stats",
                            "/proc/timer_stats", "/proc/sched_debug") if os.path.isfile(p)]


def test_masked_file_is_devnull(ucrun, bundle):
    assert MASKED_FILES
    b = bundle()
    b.sh(f"stat -c '%t:%T' {' '.join(MASKED_FILES)}; for f in {' '.join(MASKED_FILES)}; do cat $f | wc -c; done")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    n = len(MASKED_FILES)
    assert out == ["1:3"] * n + ["0"] * n


def test_masked_dir_is_readonly_tmpfs(ucrun, bundle):
    b = bundle()
    b.linux["maskedPaths"] = ["/proc/acpi", "/sys/firmware", "/proc/scsi", "/etc"]
    b.sh("ls /etc | wc -l; stat -f -c %t /etc /sys/firmware; touch /etc/x")
    cp = ucrun("run", "-b", b, "c1", check=False)
    out = cp.stdout.split()
    assert out[0] == "0"
    assert out[1:3] == ["1021994", "1021994"]  # TMPFS_MAGIC
    assert "Read-only file system" in cp.stderr


def test_masked_missing_path_ignored(ucrun, bundle):
    b = bundle()
    b.linux["maskedPaths"] = ["/no/such/path", "/proc/no-such-file"]
    b.args("true")
    ucrun("run", "-b", b, "c1")
    assert not (b.rootfs / "no").exists()


def test_masked_path_in_mountinfo(ucrun, bundle):
    b = bundle()
    b.args("cat", "/proc/self/mountinfo")
    points = [line.split()[4] for line in ucrun("run", "-b", b, "c1").stdout.splitlines()]
    for p in MASKED_FILES + [d for d in ("/proc/acpi", "/proc/scsi", "/sys/firmware") if os.path.isdir(d)]:
        assert p in points, p


def test_readonly_paths(ucrun, bundle):
    b = bundle()
    b.sh("grep -E ' /proc/(sys|bus|fs|irq|sysrq-trigger) ' /proc/self/mountinfo | cut -d' ' -f5,6; "
         "echo 1 > /proc/sys/kernel/domainname")
    cp = ucrun("run", "-b", b, "c1", check=False)
    lines = dict(line.split() for line in cp.stdout.splitlines())
    for p in [x for x in ("/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq")
              if os.path.exists(x)]:
        assert "ro" in lines[p].split(","), (p, lines)
    assert cp.returncode != 0 and "Read-only file system" in cp.stderr


def test_readonly_path_in_rootfs(ucrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = False
    b.linux["readonlyPaths"] = ["/etc", "/no/such"]
    b.sh("touch /ok && echo root-rw; touch /etc/x")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.stdout.strip() == "root-rw"
    assert "Read-only file system" in cp.stderr
    assert (b.rootfs / "ok").exists() and not (b.rootfs / "etc" / "x").exists()


def test_readonly_path_keeps_exec(ucrun, bundle):
    """Read-only, not noexec (runc): programs under it still run."""
    b = bundle()
    b.linux["readonlyPaths"] = ["/bin"]
    b.sh("echo ran; grep ' /bin ' /proc/self/mountinfo | cut -d' ' -f6")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert out[0] == "ran"
    assert "ro" in out[1].split(",") and "noexec" not in out[1].split(",")


@U  # runc remounts the top mount only
def test_readonly_path_recursive(ucrun, bundle, host_dir):
    """A read-only path covers what is mounted below it too."""
    b = bundle()
    b.bind(host_dir(), "/mnt/ro/sub", "rw")
    b.linux["readonlyPaths"] = ["/mnt/ro"]
    b.sh("touch /mnt/ro/sub/x")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0 and "Read-only file system" in cp.stderr


def test_masked_and_readonly_in_userns(ucrun, bundle):
    b = bundle(userns=True)
    b.sh("cat /proc/keys | wc -c; stat -c '%t:%T' /proc/keys; echo 1 > /proc/sys/kernel/domainname")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.stdout.split() == ["0", "1:3"]
    assert "Read-only file system" in cp.stderr


# ---------------------------------------------------------------------------
# /dev/console (process.terminal)


@pytest.mark.parametrize("userns", [False, True], ids=["root", "userns"])
def test_console_is_the_pty(ucrun, bundle, tmp_base, userns):
    b = bundle(userns=userns)
    b.process["terminal"] = True
    b.sh("stat -c '%t' /dev/console; tty; test -t 1 && echo tty; "
         "grep -c ' /dev/console ' /proc/self/mountinfo")
    cs = ConsoleSocket(tmp_base / "console.sock")
    try:
        ucrun("run", "-d", "--console-socket", cs.path, "-b", b, "c1")
        out = cs.wait().split()
        ucrun.wait_status("c1", "stopped")
        ucrun("delete", "c1")
    finally:
        cs.close()
    assert out[0] == "88"  # a Unix98 pty slave, major 136
    assert out[1].startswith("/dev/pts/")
    assert IS_RUNC or out[1] == cs.name  # runc sends "/dev/ptmx" as the name
    assert out[2:] == ["tty", "1"]


def test_no_console_without_terminal(ucrun, bundle):
    b = bundle()
    b.sh("test -e /dev/console && echo present || echo absent")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "absent"
