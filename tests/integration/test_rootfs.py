"""The container's filesystem (config.md#mounts, #root;
config-linux.md#rootfs-mount-propagation): every mount type, the options of
config.md's table checked in /proc/self/mountinfo inside, missing
destinations, propagation, idmapped mounts, bad values."""

import os
import subprocess

import pytest

from support import USERNS_HOST_ID, mount_points, umount, wait_file_contains
from isolation import bundle  # noqa: F401  (a cgroup per bundle)

U = pytest.mark.ucrun_specific

# statfs(2) f_type, as busybox `stat -f -c %t` prints them
TMPFS_MAGIC, OVERLAY_MAGIC, MQUEUE_MAGIC = "1021994", "794c7630", "19800202"


class MountInfo:
    """One line of /proc/self/mountinfo."""

    def __init__(self, line):
        f = line.split()
        sep = f.index("-")
        self.root = f[3]
        self.point = f[4].replace("\\040", " ")
        self.opts = set(f[5].split(","))
        self.tags = f[6:sep]  # shared:N master:N unbindable
        self.fstype = f[sep + 1]
        self.source = f[sep + 2]
        self.super = set(f[sep + 3].split(",")) if len(f) > sep + 3 else set()

    def tag(self, name):
        return any(t == name or t.startswith(name + ":") for t in self.tags)

    def __repr__(self):
        return f"<{self.point} {self.fstype} {sorted(self.opts)} {self.tags} {sorted(self.super)}>"


def mountinfo(text):
    """{mount point: MountInfo} (the last, i.e. the top, for stacked mounts)."""
    out = {}
    for line in text.splitlines():
        if " - " in line:
            m = MountInfo(line)
            out[m.point] = m
    return out


def run_mountinfo(ucrun, b, extra=""):
    """Runs the bundle printing its mountinfo (after `extra`, a script)."""
    b.sh(f"{extra}cat /proc/self/mountinfo")
    return mountinfo(ucrun("run", "-b", b, "c1").stdout)


@pytest.fixture
def host_submount(host_dir):
    """A host dir with a tmpfs mounted on its "sub" dir (shared), unmounted
    afterwards."""
    made = []

    def make():
        d = host_dir()
        (d / "file").write_text("top\n")
        (d / "sub").mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "ucrun-test-sub", str(d / "sub")], check=True)
        made.append(d / "sub")
        subprocess.run(["mount", "--make-shared", str(d / "sub")], check=True)
        (d / "sub" / "file").write_text("sub\n")
        return d

    yield make
    for p in made:
        umount(p)


# ---------------------------------------------------------------------------
# file system types


def test_tmpfs_data_options(ucrun, bundle):
    b = bundle()
    b.add_mount("/tmp", "tmpfs", "tmpfs", ["nosuid", "nodev", "noexec", "mode=1770", "size=1m", "uid=5", "gid=7"])
    mi = run_mountinfo(ucrun, b, "stat -c '%a %u %g' /tmp; ")["/tmp"]
    assert mi.fstype == "tmpfs"
    assert {"nosuid", "nodev", "noexec", "rw"} <= mi.opts
    assert {"size=1024k", "mode=1770", "uid=5", "gid=7"} <= mi.super


def test_tmpfs_mode_applies(ucrun, bundle):
    b = bundle()
    b.add_mount("/mnt/new", "tmpfs", "tmpfs", ["mode=1770", "uid=5", "gid=7"])
    b.args("stat", "-c", "%a %u %g", "/mnt/new")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["1770", "5", "7"]


def test_tmpfs_takes_directory_mode(ucrun, bundle):
    """runc: without mode=, a tmpfs on an existing directory gets its mode."""
    b = bundle()
    b.mkdir("/mnt/private", mode=0o700)
    b.add_mount("/mnt/private", "tmpfs", "tmpfs")
    b.args("stat", "-c", "%a", "/mnt/private")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "700"


def test_tmpfs_tmpcopyup(ucrun, bundle):
    """tmpcopyup: the tmpfs starts with a copy of the directory it hides."""
    b = bundle()
    (b.rootfs / "etc" / "sub").mkdir()
    (b.rootfs / "etc" / "sub" / "f").write_text("nested\n")
    os.chmod(b.rootfs / "etc" / "sub" / "f", 0o600)
    os.symlink("sub/f", b.rootfs / "etc" / "link")
    b.add_mount("/etc", "tmpfs", "tmpfs", ["tmpcopyup"])
    b.sh("head -1 /etc/passwd; cat /etc/link; stat -c %a /etc/sub/f; readlink /etc/link; "
         "echo new > /etc/new && stat -f -c %t /etc")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert out == ["root:x:0:0:root:/root:/bin/sh", "nested", "600", "sub/f", TMPFS_MAGIC]
    assert not (b.rootfs / "etc" / "new").exists()


def test_default_mounts(ucrun, bundle):
    b = bundle()
    mi = run_mountinfo(ucrun, b)
    assert mi["/proc"].fstype == "proc"
    assert mi["/dev"].fstype == "tmpfs" and "nosuid" in mi["/dev"].opts
    assert {"mode=755", "size=65536k"} <= mi["/dev"].super
    pts = mi["/dev/pts"]
    assert pts.fstype == "devpts" and {"nosuid", "noexec"} <= pts.opts
    assert {"mode=620", "ptmxmode=666", "gid=5"} <= pts.super
    assert mi["/dev/shm"].fstype == "tmpfs" and {"nosuid", "nodev", "noexec"} <= mi["/dev/shm"].opts
    assert mi["/dev/mqueue"].fstype == "mqueue" and {"nosuid", "nodev", "noexec"} <= mi["/dev/mqueue"].opts
    assert mi["/sys"].fstype == "sysfs" and {"ro", "nosuid", "nodev", "noexec"} <= mi["/sys"].opts


def test_proc_data_option(ucrun, bundle):
    b = bundle()
    b.config["mounts"][0]["options"] = ["nosuid", "hidepid=2"]
    mi = run_mountinfo(ucrun, b)["/proc"]
    assert "nosuid" in mi.opts
    assert "hidepid=invisible" in mi.super or "hidepid=2" in mi.super


def test_sysfs_rw(ucrun, bundle):
    b = bundle()
    m = next(m for m in b.config["mounts"] if m["destination"] == "/sys")
    m["options"] = ["nosuid", "noexec", "nodev"]
    mi = run_mountinfo(ucrun, b)["/sys"]
    assert "rw" in mi.opts


def test_mqueue_usable(ucrun, bundle):
    b = bundle()
    b.sh("ls -a /dev/mqueue >/dev/null && stat -f -c %t /dev/mqueue")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == MQUEUE_MAGIC


def test_overlay(ucrun, bundle, host_dir):
    lower1, lower2, upper, work = host_dir("lower1"), host_dir("lower2"), host_dir("upper"), host_dir("work")
    (lower1 / "a").write_text("lower1\n")
    (lower2 / "a").write_text("lower2\n")
    (lower2 / "b").write_text("lower2-b\n")
    b = bundle()
    b.add_mount("/mnt/ov", "overlay", "overlay",
                [f"lowerdir={lower1}:{lower2}", f"upperdir={upper}", f"workdir={work}"])
    b.sh("cat /mnt/ov/a /mnt/ov/b; echo new > /mnt/ov/c; stat -f -c %t /mnt/ov")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["lower1", "lower2-b", OVERLAY_MAGIC]
    assert (upper / "c").read_text() == "new\n"
    assert not (lower1 / "c").exists() and not (lower2 / "c").exists()


def test_overlay_readonly_lower_only(ucrun, bundle, host_dir):
    lower1, lower2 = host_dir("lower1"), host_dir("lower2")
    (lower1 / "a").write_text("1\n")
    (lower2 / "b").write_text("2\n")
    b = bundle()
    b.add_mount("/mnt/ov", "overlay", "overlay", [f"lowerdir={lower1}:{lower2}"])
    b.sh("cat /mnt/ov/a /mnt/ov/b; touch /mnt/ov/c")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.stdout.split() == ["1", "2"]
    assert cp.returncode != 0 and "Read-only file system" in cp.stderr


@U  # the wording
def test_unknown_fs_type_fails(ucrun, bundle, root):
    b = bundle()
    b.args("true")
    b.add_mount("/mnt/x", "nosuchfs", "none")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "nosuchfs" in cp.stderr
    assert os.listdir(root) == []


@U
def test_bad_fs_option_names_the_mount(ucrun, bundle):
    b = bundle()
    b.args("true")
    b.add_mount("/tmp", "tmpfs", "tmpfs", ["size=lots"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "tmpfs" in cp.stderr and "/tmp" in cp.stderr and "size=lots" in cp.stderr


# ---------------------------------------------------------------------------
# bind mounts and their options


@pytest.mark.parametrize("opts,want,absent", [
    (["ro"], {"ro"}, set()),
    (["rw"], {"rw"}, set()),
    (["nosuid"], {"nosuid"}, set()),
    (["nodev"], {"nodev"}, set()),
    (["noexec"], {"noexec"}, set()),
    (["ro", "nosuid", "nodev", "noexec"], {"ro", "nosuid", "nodev", "noexec"}, set()),
    (["noatime"], {"noatime"}, {"relatime"}),
    (["strictatime"], set(), {"relatime", "noatime"}),
    (["relatime"], {"relatime"}, set()),
    (["nodiratime"], {"nodiratime"}, set()),
    (["nosymfollow"], {"nosymfollow"}, set()),
    (["ro", "rw"], {"rw"}, {"ro"}),  # the last one wins
    (["nosuid", "suid"], set(), {"nosuid"}),
    (["noexec", "exec"], set(), {"noexec"}),
    (["nodev", "dev"], set(), {"nodev"}),
])
def test_bind_options(ucrun, bundle, host_dir, opts, want, absent):
    d = host_dir()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["bind", *opts])
    mi = run_mountinfo(ucrun, b)["/mnt/d"]
    assert want <= mi.opts, mi
    assert not (absent & mi.opts), mi


def test_bind_ro_is_enforced(ucrun, bundle, host_dir):
    d = host_dir()
    b = bundle()
    b.bind(d, "/mnt/d", "ro")
    b.sh("touch /mnt/d/x")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0 and "Read-only file system" in cp.stderr
    assert not (d / "x").exists()


def test_bind_rw_writes_to_host(ucrun, bundle, host_dir):
    d = host_dir()
    b = bundle()
    b.bind(d, "/mnt/d", "rw")
    b.sh("echo hello > /mnt/d/x")
    ucrun("run", "-b", b, "c1")
    assert (d / "x").read_text() == "hello\n"


def test_bind_noexec_is_enforced(ucrun, bundle, host_dir):
    d = host_dir()
    b = bundle()
    b.bind(d, "/mnt/d", "noexec")
    b.sh("cp /bin/busybox /mnt/d/bb 2>/dev/null || cat /bin/busybox > /mnt/d/bb; chmod 755 /mnt/d/bb; /mnt/d/bb true")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0 and "Permission denied" in cp.stderr


def test_bind_file(ucrun, bundle, host_dir):
    d = host_dir()
    (d / "hosts").write_text("1.2.3.4 example\n")
    b = bundle()
    b.add_mount("/etc/hosts", "bind", d / "hosts", ["bind", "ro"])
    b.sh("cat /etc/hosts; test -f /etc/hosts && echo file")
    assert ucrun("run", "-b", b, "c1").stdout.splitlines() == ["1.2.3.4 example", "file"]
    assert (b.rootfs / "etc" / "hosts").is_file()  # the mount point made as a file


def test_bind_relative_source_is_bundle_relative(ucrun, bundle):
    b = bundle()
    (b.path / "data").mkdir()
    (b.path / "data" / "f").write_text("in bundle\n")
    b.add_mount("/mnt/data", "none", "data", ["rbind", "ro"])
    b.args("cat", "/mnt/data/f")
    assert ucrun("run", "-b", b, "c1").stdout == "in bundle\n"


@U  # runc 1.1 needs the option; runc 1.2 does not
def test_bind_type_without_bind_option(ucrun, bundle, host_dir):
    """type "bind" alone makes a bind mount (runc)."""
    d = host_dir()
    (d / "f").write_text("x\n")
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["ro"])
    b.args("cat", "/mnt/d/f")
    assert ucrun("run", "-b", b, "c1").stdout == "x\n"


def test_missing_destinations_created(ucrun, bundle, host_dir):
    d = host_dir()
    (d / "f").write_text("x\n")
    b = bundle()
    b.config["root"]["readonly"] = True
    b.add_mount("/new/deep/dir", "bind", d, ["rbind"])
    b.add_mount("/other/deep/file", "bind", d / "f", ["bind"])
    b.add_mount("/t/m/p", "tmpfs", "tmpfs")
    b.sh("cat /new/deep/dir/f /other/deep/file; stat -f -c %t /t/m/p")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["x", "x", TMPFS_MAGIC]
    assert (b.rootfs / "new" / "deep" / "dir").is_dir()
    assert (b.rootfs / "other" / "deep" / "file").is_file()
    assert (b.rootfs / "t" / "m" / "p").is_dir()


def test_missing_bind_source_fails(ucrun, bundle, root, tmp_base):
    b = bundle()
    b.args("true")
    b.add_mount("/mnt/new/x", "bind", tmp_base / "no-such-source", ["rbind"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "no-such-source" in cp.stderr
    assert os.listdir(root) == []
    assert not (b.rootfs / "mnt" / "new").exists()


def test_mounts_in_order(ucrun, bundle, host_dir):
    """config.md: the runtime MUST mount entries in the listed order."""
    d1, d2 = host_dir(), host_dir()
    (d1 / "f").write_text("first\n")
    (d2 / "f").write_text("second\n")
    b = bundle()
    b.bind(d1, "/mnt/x")
    b.bind(d2, "/mnt/x")
    b.add_mount("/mnt/x/t", "tmpfs", "tmpfs")
    b.sh("cat /mnt/x/f; stat -f -c %t /mnt/x/t")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["second", TMPFS_MAGIC]
    assert not (d2 / "t").exists() or (d2 / "t").is_dir()


# ---------------------------------------------------------------------------
# recursive binds: plain attributes on the top mount only (mount(2) remount,
# like runc), r* attributes on every mount of the tree


def test_rbind_includes_submounts(ucrun, bundle, host_submount):
    d = host_submount()
    b = bundle()
    b.bind(d, "/mnt/d")
    b.args("cat", "/mnt/d/file", "/mnt/d/sub/file")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["top", "sub"]


def test_bind_excludes_submounts(ucrun, bundle, host_submount):
    d = host_submount()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["bind"])
    b.sh("cat /mnt/d/file; ls /mnt/d/sub | wc -l")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["top", "0"]


def test_rbind_ro_applies_to_top_only(ucrun, bundle, host_submount):
    d = host_submount()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["rbind", "ro", "nosuid"])
    mi = run_mountinfo(ucrun, b)
    assert {"ro", "nosuid"} <= mi["/mnt/d"].opts
    assert "rw" in mi["/mnt/d/sub"].opts and "nosuid" not in mi["/mnt/d/sub"].opts


@pytest.mark.parametrize("opt,attr", [("rro", "ro"), ("rnosuid", "nosuid"), ("rnodev", "nodev"),
                                      ("rnoexec", "noexec"), ("rnoatime", "noatime"),
                                      ("rnodiratime", "nodiratime"), ("rnosymfollow", "nosymfollow")])
def test_recursive_attribute(ucrun, bundle, host_submount, opt, attr):
    d = host_submount()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["rbind", opt])
    mi = run_mountinfo(ucrun, b)
    assert attr in mi["/mnt/d"].opts, mi["/mnt/d"]
    assert attr in mi["/mnt/d/sub"].opts, mi["/mnt/d/sub"]


def test_rro_enforced_on_submount(ucrun, bundle, host_submount):
    d = host_submount()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["rbind", "rro"])
    b.sh("touch /mnt/d/sub/new")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0 and "Read-only file system" in cp.stderr
    assert not (d / "sub" / "new").exists()


def test_recursive_clear_overrides(ucrun, bundle, host_submount):
    """rrw clears read-only on every mount of a read-only tree."""
    d = host_submount()
    subprocess.run(["mount", "-o", "remount,bind,ro", str(d / "sub")], check=True)
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["rbind", "rrw", "rsuid"])
    mi = run_mountinfo(ucrun, b)
    assert "rw" in mi["/mnt/d/sub"].opts


# ---------------------------------------------------------------------------
# propagation


@pytest.mark.parametrize("opt,tag", [("shared", "shared"), ("rshared", "shared"), ("unbindable", "unbindable"),
                                     ("runbindable", "unbindable")])
def test_bind_propagation_tag(ucrun, bundle, host_dir, opt, tag):
    d = host_dir()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["rbind", opt])
    mi = run_mountinfo(ucrun, b)["/mnt/d"]
    assert mi.tag(tag), mi


@pytest.mark.parametrize("opt", ["private", "rprivate"])
def test_bind_private(ucrun, bundle, host_dir, opt):
    d = host_dir()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["rbind", opt])
    mi = run_mountinfo(ucrun, b)["/mnt/d"]
    assert not mi.tags, mi


def test_rshared_applies_to_submounts(ucrun, bundle, host_submount):
    d = host_submount()
    b = bundle()
    b.add_mount("/mnt/d", "bind", d, ["rbind", "rshared"])
    mi = run_mountinfo(ucrun, b)
    assert mi["/mnt/d"].tag("shared") and mi["/mnt/d/sub"].tag("shared")


def test_tmpfs_shared(ucrun, bundle):
    b = bundle()
    b.add_mount("/mnt/t", "tmpfs", "tmpfs", ["shared"])
    assert run_mountinfo(ucrun, b)["/mnt/t"].tag("shared")


def _host_mount_seen(ucrun, bundle, host_dir, tmp_base, propagation, bind_opts=("rbind",)):
    """Starts a container with a bind of a host dir, mounts a tmpfs in that
    dir on the host, and reports whether the container sees it."""
    d = host_dir()
    (d / "sub").mkdir()
    # The host's / need not be shared (no systemd here): make a shared
    # mount of our own for the container to bind.
    subprocess.run(["mount", "--bind", str(d), str(d)], check=True)
    try:
        subprocess.run(["mount", "--make-shared", str(d)], check=True)
        b = bundle()
        if propagation:
            b.linux["rootfsPropagation"] = propagation
        b.add_mount("/mnt/d", "bind", d, list(bind_opts))
        b.sh("while [ ! -e /mnt/d/go ]; do sleep 0.05; done; "
             "grep -c ' /mnt/d/sub ' /proc/self/mountinfo; true")
        out = tmp_base / "out"
        ucrun.create_start(b, "c1", stdout=out)
        subprocess.run(["mount", "-t", "tmpfs", "ucrun-prop", str(d / "sub")], check=True)
        (d / "go").touch()
        ucrun.wait_status("c1", "stopped")
        ucrun("delete", "c1")
        return out.read_text().strip() == "1"
    finally:
        umount(d / "sub")
        umount(d)


@pytest.mark.parametrize("propagation,seen", [
    (None, True),  # runc's default: rslave
    ("rslave", True),
    ("slave", True),
    ("rshared", True),
    ("rprivate", False),
    ("private", True),  # the root mount only (runc): the bind stays a slave
])
def test_rootfs_propagation_host_to_container(ucrun, bundle, host_dir, tmp_base, propagation, seen):
    # The host's / is shared (as with systemd); made so for this test if needed.
    assert _host_mount_seen(ucrun, bundle, host_dir, tmp_base, propagation) == seen


def test_container_mounts_do_not_reach_host(ucrun, bundle, host_dir):
    """Whatever the container mounts stays in its namespace (rslave)."""
    d = host_dir()
    before = mount_points()
    b = bundle()
    b.process["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    b.process["capabilities"]["effective"].append("CAP_SYS_ADMIN")
    b.process["capabilities"]["permitted"].append("CAP_SYS_ADMIN")
    b.bind(d, "/mnt/d", "rw")
    b.sh("mount -t tmpfs x /mnt/d && echo mounted")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "mounted"
    assert mount_points() == before


@pytest.mark.parametrize("propagation", ["shared", "rshared", "slave", "rslave", "private", "rprivate"])
def test_rootfs_propagation_values_run(ucrun, bundle, propagation):
    b = bundle()
    b.linux["rootfsPropagation"] = propagation
    b.args("echo", "ok")
    assert ucrun("run", "-b", b, "c1").stdout == "ok\n"


@U  # runc 1.1 fails: it cannot bind the rootfs from an unbindable tree
@pytest.mark.parametrize("propagation", ["unbindable", "runbindable"])
def test_rootfs_propagation_unbindable(ucrun, bundle, host_dir, propagation):
    d = host_dir()
    (d / "f").write_text("x\n")
    b = bundle()
    b.linux["rootfsPropagation"] = propagation
    b.bind(d, "/mnt/d")
    b.sh("cat /mnt/d/f; cat /proc/self/mountinfo")
    out = ucrun("run", "-b", b, "c1").stdout
    assert out.startswith("x\n")
    mi = mountinfo(out)
    assert mi["/"].tag("unbindable")
    assert mi["/mnt/d"].tag("unbindable") == (propagation == "runbindable")


def test_rootfs_propagation_shared_bidirectional(ucrun, bundle, host_dir):
    """rshared rootfs + rshared bind of a shared host mount: a mount made in
    the container reaches the host (Kubernetes' Bidirectional)."""
    d = host_dir()
    subprocess.run(["mount", "--bind", str(d), str(d)], check=True)
    try:
        subprocess.run(["mount", "--make-shared", str(d)], check=True)
        (d / "sub").mkdir()
        b = bundle()
        b.linux["rootfsPropagation"] = "rshared"
        for k in ("bounding", "effective", "permitted"):
            b.process["capabilities"][k].append("CAP_SYS_ADMIN")
        b.add_mount("/mnt/d", "bind", d, ["rbind", "rshared"])
        b.sh("mount -t tmpfs ucrun-bidi /mnt/d/sub && touch /mnt/d/sub/from-container")
        ucrun("run", "-b", b, "c1")
        seen = [m for m in mount_points() if m[0] == str(d / "sub")]
        assert seen and seen[0][2] == "ucrun-bidi"
        assert (d / "sub" / "from-container").exists()
    finally:
        umount(d / "sub")
        umount(d)


def _peer_groups(text):
    return {t for line in text.splitlines() for t in line.split(" - ")[0].split()[6:] if t.startswith("shared:")}


@pytest.mark.parametrize("propagation", ["shared", "rshared"])
def test_rootfs_propagation_shared_root_is_new_peer_group(ucrun, bundle, propagation):
    """config-linux.md: with shared, "the rootfs mount belongs to a new peer
    group": "/" shows shared:N inside (runtime-tools
    linux_rootfs_propagation, runc's findmnt test), a group that no host
    mount is in; rshared makes the mounts below shared too. (The fixtures
    check that the host's mounts are unchanged.)"""
    with open("/proc/self/mountinfo") as f:
        host_groups = _peer_groups(f.read())
    b = bundle()
    b.linux["rootfsPropagation"] = propagation
    b.sh("cat /proc/self/mountinfo")
    out = ucrun("run", "-b", b, "c1").stdout
    root = mountinfo(out)["/"]
    assert root.tag("shared"), root
    group = next(t for t in root.tags if t.startswith("shared:"))
    assert group not in host_groups, (group, host_groups)
    assert not root.tag("master"), root  # no master either: nothing of the host propagates to /
    assert mountinfo(out)["/proc"].tag("shared") == (propagation == "rshared")


# ---------------------------------------------------------------------------
# remount


def test_remount_changes_existing_mount(ucrun, bundle):
    b = bundle()
    b.add_mount("/mnt/t", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/mnt/t", "tmpfs", "tmpfs", ["remount", "ro", "nosuid", "size=2m"])
    mi = run_mountinfo(ucrun, b)["/mnt/t"]
    assert {"ro", "nosuid"} <= mi.opts
    assert "size=2048k" in mi.super


# ---------------------------------------------------------------------------
# root


def test_root_readonly_only_root_mount(ucrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = True
    b.add_mount("/tmp", "tmpfs", "tmpfs")
    b.sh("touch /tmp/ok && echo tmp-ok; touch /x")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.stdout.strip() == "tmp-ok"
    assert "Read-only file system" in cp.stderr
    mi = mountinfo(ucrun("run", "-b", b.args("cat", "/proc/self/mountinfo"), "c2").stdout)
    assert "ro" in mi["/"].opts and "rw" in mi["/tmp"].opts


def test_no_pivot(ucrun, bundle):
    b = bundle()
    b.sh("ls /; cat /proc/self/mountinfo | wc -l")
    out = ucrun("run", "--no-pivot", "-b", b, "c1").stdout.split()
    assert "bin" in out and "usr" not in out


# ---------------------------------------------------------------------------
# idmapped mounts (config.md "idmap", "ridmap", uidMappings/gidMappings):
# runc 1.2 features, ucrun_specific against runc 1.1


def _idmap_dir(host_dir, uid, gid):
    d = host_dir()
    f = d / "f"
    f.write_text("x\n")
    os.chown(f, uid, gid)
    os.chown(d, uid, gid)
    return d


@U
def test_idmap_with_container_mappings(ucrun, bundle, host_dir):
    """idmap without mappings on the mount: the container's user namespace
    mappings; root-owned host files are the container root's."""
    d = _idmap_dir(host_dir, 0, 0)
    b = bundle(userns=True)
    b.add_mount("/mnt/d", "bind", d, ["bind", "idmap"])
    b.mkdir("/mnt/d")
    b.sh("stat -c %u:%g /mnt/d/f; touch /mnt/d/new && stat -c %u:%g /mnt/d/new")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["0:0", "0:0"]
    st = os.stat(d / "new")
    assert (st.st_uid, st.st_gid) == (0, 0)  # written through the mapping


@U
def test_idmap_mount_mappings(ucrun, bundle, host_dir):
    """Mount mappings: an id on disk (containerID) is seen as hostID, then
    through the container's user namespace."""
    d = _idmap_dir(host_dir, 1000, 2000)
    b = bundle(userns=True)
    b.config["mounts"].append({
        "destination": "/mnt/d", "type": "bind", "source": str(d), "options": ["bind", "idmap"],
        "uidMappings": [{"containerID": 1000, "hostID": USERNS_HOST_ID + 5, "size": 1}],
        "gidMappings": [{"containerID": 2000, "hostID": USERNS_HOST_ID + 6, "size": 1}],
    })
    b.mkdir("/mnt/d")
    b.args("stat", "-c", "%u:%g", "/mnt/d/f")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "5:6"


@U
def test_idmap_without_userns(ucrun, bundle, host_dir):
    d = _idmap_dir(host_dir, 0, 0)
    b = bundle()
    b.config["mounts"].append({
        "destination": "/mnt/d", "type": "bind", "source": str(d), "options": ["rbind", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 4321, "size": 10}],
        "gidMappings": [{"containerID": 0, "hostID": 8765, "size": 10}],
    })
    b.args("stat", "-c", "%u:%g", "/mnt/d/f")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "4321:8765"
    assert (os.stat(d / "f").st_uid, os.stat(d / "f").st_gid) == (0, 0)


@U
def test_idmap_mappings_imply_idmap(ucrun, bundle, host_dir):
    """uidMappings on a mount without the option: still idmapped (runc 1.2)."""
    d = _idmap_dir(host_dir, 0, 0)
    b = bundle()
    b.config["mounts"].append({
        "destination": "/mnt/d", "type": "bind", "source": str(d), "options": ["rbind"],
        "uidMappings": [{"containerID": 0, "hostID": 77, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": 78, "size": 1}],
    })
    b.args("stat", "-c", "%u:%g", "/mnt/d/f")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "77:78"


@U
def test_ridmap_applies_to_submounts(ucrun, bundle, host_submount):
    d = host_submount()
    b = bundle(userns=True)
    b.add_mount("/mnt/d", "bind", d, ["rbind", "ridmap"])
    b.mkdir("/mnt/d")
    b.args("stat", "-c", "%u", "/mnt/d/file", "/mnt/d/sub/file")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["0", "0"]


@U
def test_idmap_top_only_with_rbind(ucrun, bundle, host_submount):
    d = host_submount()
    b = bundle(userns=True)
    b.add_mount("/mnt/d", "bind", d, ["rbind", "idmap"])
    b.mkdir("/mnt/d")
    b.args("stat", "-c", "%u", "/mnt/d/file", "/mnt/d/sub/file")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["0", "65534"]


@U
def test_idmap_with_ro(ucrun, bundle, host_dir):
    d = _idmap_dir(host_dir, 0, 0)
    b = bundle(userns=True)
    b.add_mount("/mnt/d", "bind", d, ["bind", "idmap", "ro"])
    b.mkdir("/mnt/d")
    b.sh("stat -c %u /mnt/d/f; touch /mnt/d/new")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.stdout.strip() == "0"
    assert cp.returncode != 0 and "Read-only file system" in cp.stderr


@U
def test_idmap_non_bind_refused(ucrun, bundle, root):
    b = bundle(userns=True)
    b.args("true")
    b.add_mount("/mnt/t", "mqueue", "mqueue", ["idmap"])  # tmpfs can: test_idmap_mounts.py
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "mounts[7]" in cp.stderr and "bind" in cp.stderr
    assert os.listdir(root) == []


@U
def test_idmap_without_userns_or_mappings_refused(ucrun, bundle, host_dir, root):
    d = host_dir()
    b = bundle()
    b.args("true")
    b.add_mount("/mnt/d", "bind", d, ["bind", "idmap"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "mounts[7]" in cp.stderr
    assert os.listdir(root) == []


# ---------------------------------------------------------------------------
# bad values: refused naming the field, nothing left behind


@U
@pytest.mark.parametrize("mutate,needle", [
    (lambda b: b.linux.__setitem__("rootfsPropagation", "bogus"), "linux.rootfsPropagation"),
    (lambda b: b.add_mount("mnt/rel", "tmpfs", "tmpfs"), "mounts[7].destination"),
    (lambda b: b.linux.__setitem__("devices", [{"type": "x", "path": "/dev/x", "major": 1, "minor": 1}]),
     "linux.devices[0].type"),
    (lambda b: b.add_mount("/mnt/b", "bind", "/tmp", ["bind", "nosuidd"]), "mounts[7].options[1]"),
    (lambda b: b.config["mounts"].append({"destination": "/mnt/x", "type": "bind", "source": "/tmp",
                                          "options": ["bind"], "uidMappings": [
                                              {"containerID": 0, "hostID": 1, "size": 1}]}),
     "mounts[7]"),
])
@pytest.mark.parametrize("cmd", ["create", "run"])
def test_bad_values_refused(ucrun, bundle, root, mutate, needle, cmd):
    b = bundle()
    b.args("true")
    mutate(b)
    cp = ucrun.fail(cmd, "-b", b, "c1")
    assert needle in cp.stderr, cp.stderr
    assert len(cp.stderr.strip().splitlines()) == 1, cp.stderr
    assert os.listdir(root) == []
    assert not [m for m in mount_points() if str(b.path) in m[0]]
