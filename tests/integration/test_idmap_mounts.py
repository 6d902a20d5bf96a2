"""Idmapped mounts beyond binds (issue 14 item 3): `idmap` and mount
uidMappings on a tmpfs (crun >= 1.9; tmpfs supports idmapped mounts since
Linux 6.3), `ridmap` over submounts, and file systems the kernel cannot
idmap refused naming mounts[i] and the file system.

The tmpfs is made by ucrun's parent, as host root, and idmapped there
(src/mount/idmap.hpp). A tmpfs has no disk to look at: what shows the
idmap is the mount's "idmapped" flag, the ids seen through it and that host
root, whose id the mapping does not cover, cannot create files there
(EOVERFLOW), as it could on a plain tmpfs of the container.

A FUSE file system for that is served by the test itself (host_fuse).

Binds of idmapped host directories (ext4), rbind with idmap (top only) and
ridmap over a tmpfs submount are in test_rootfs.py."""

import errno
import os
import struct
import subprocess
import threading

import pytest

from support import USERNS_HOST_ID, umount, wait_for
from isolation import bundle  # noqa: F401  (a cgroup per bundle)

U = pytest.mark.ucrun_specific


def _kernel_at_least(major, minor):
    ma, mi = (int(x) for x in os.uname().release.split(".")[:2])
    return (ma, mi) >= (major, minor)


needs_tmpfs_idmap = pytest.mark.skipif(not _kernel_at_least(6, 3), reason="tmpfs idmapped mounts need Linux 6.3")


def _mountinfo_line(pid, point):
    with open(f"/proc/{pid}/mountinfo") as f:
        lines = [line for line in f if line.split()[4] == point]
    assert lines, f"no mount on {point} in the container"
    return lines[-1]


def _last(b):
    return len(b.config["mounts"]) - 1


@pytest.fixture
def host_fs(host_dir):
    """Factory: a host dir with a file system of `fstype` mounted on it
    (skipped when the host cannot mount one); unmounted afterwards."""
    made = []

    def make(fstype, options=None):
        d = host_dir()
        args = ["mount", "-t", fstype]
        if fstype == "overlay":
            for sub in ("lower", "upper", "work"):
                (d.parent / f"{d.name}-{sub}").mkdir()
            options = (f"lowerdir={d.parent}/{d.name}-lower,upperdir={d.parent}/{d.name}-upper,"
                       f"workdir={d.parent}/{d.name}-work")
        if options:
            args += ["-o", options]
        cp = subprocess.run(args + [f"ucrun-test-{fstype}", str(d)], capture_output=True, text=True)
        if cp.returncode != 0:
            pytest.skip(f"cannot mount {fstype} here: {cp.stderr.strip()}")
        made.append(d)
        return d

    yield make
    for d in made:
        umount(d)


@pytest.fixture
def host_fuse(host_dir):
    """A host dir with a FUSE file system on it, served by a thread of the
    test: it answers FUSE_INIT (without FUSE_ALLOW_IDMAP: the kernel then
    refuses idmapped mounts of it) and every other request with ENOSYS.
    No FUSE library or tool needed. Unmounted afterwards."""
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse")
    d = host_dir()
    fd = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                req = os.read(fd, 1 << 20)
            except OSError:
                return  # ENODEV: unmounted
            _, opcode, unique = struct.unpack_from("<IIQ", req)
            if opcode == 26:  # FUSE_INIT: protocol 7.31, no flags
                body = struct.pack("<IIIIHHIIHHII24x", 7, 31, 0, 0, 0, 0, 4096, 1, 0, 0, 0, 0)
                os.write(fd, struct.pack("<IiQ", 16 + len(body), 0, unique) + body)
            elif opcode not in (2, 36, 42):  # FORGET, INTERRUPT, BATCH_FORGET get no reply
                os.write(fd, struct.pack("<IiQ", 16, -errno.ENOSYS, unique))

    # mount(8) passes the options to mount(2) (no mount.fuse helper for
    # this subtype); the fd is the server's end.
    cp = subprocess.run(["mount", "-t", "fuse.ucrun-test", "-o",
                         f"fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other", "ucrun-test-fuse", str(d)],
                        pass_fds=(fd,), capture_output=True, text=True)
    if cp.returncode != 0:
        os.close(fd)
        pytest.skip(f"cannot mount a FUSE file system here: {cp.stderr.strip()}")
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield d
    finally:
        stop.set()
        umount(d)
        os.close(fd)
        t.join(timeout=5)


# ---------------------------------------------------------------------------
# tmpfs


@U
@needs_tmpfs_idmap
def test_tmpfs_idmap_container_mappings(ucrun, bundle):
    """idmap on a tmpfs without mount mappings: the container's. Container
    root owns it and the files it writes (host 100000 seen from the host,
    through the same mount), and host root cannot write through it."""
    b = bundle(userns=True)
    b.add_mount("/mnt/t", "tmpfs", "tmpfs", ["idmap", "size=1m", "mode=755"])
    b.mkdir("/mnt/t")
    for kind in ("bounding", "effective", "permitted"):
        b.process["capabilities"][kind].append("CAP_CHOWN")
    b.sh("touch /mnt/t/f && touch /mnt/t/g && chown 1000:1001 /mnt/t/g && touch /mnt/t/done; sleep 60")
    pid = ucrun.create_start(b, "c1")
    try:
        t = f"/proc/{pid}/root/mnt/t"
        wait_for(lambda: os.path.exists(f"{t}/done"), what="the container's files")
        line = _mountinfo_line(pid, "/mnt/t")
        assert "idmapped" in line.split()[5].split(","), line
        assert " tmpfs " in line and "size=1024k" in line and "mode=755" in line, line
        own = lambda p: (os.stat(p).st_uid, os.stat(p).st_gid)  # noqa: E731
        H = USERNS_HOST_ID
        assert own(t) == (H, H)
        assert own(f"{t}/f") == (H, H)
        assert own(f"{t}/g") == (H + 1000, H + 1001)
        # Host root's id is not in the mount's mapping: no file can be
        # created in its name (on a tmpfs mounted by the container, host
        # root could).
        with pytest.raises(OSError) as e:
            open(f"{t}/host", "w").close()
        assert e.value.errno == errno.EOVERFLOW
    finally:
        ucrun.remove("c1")


@U
@needs_tmpfs_idmap
def test_tmpfs_idmap_inside_view(ucrun, bundle):
    """Inside: root-owned, writable by root, uid=/gid= mean the container's
    ids (as on a tmpfs the container mounts itself), the directory's mode is
    kept (runc) and tmpcopyup copies what it hides, owners included."""
    b = bundle(userns=True)
    b.add_mount("/mnt/t", "tmpfs", "tmpfs", ["idmap"])
    b.add_mount("/mnt/u", "tmpfs", "tmpfs", ["idmap", "uid=1000", "gid=1001"])
    b.add_mount("/etc", "tmpfs", "tmpfs", ["idmap", "tmpcopyup"])
    b.mkdir("/mnt/t", mode=0o710)
    b.mkdir("/mnt/u")
    # The image's files as a remapped image has them: the container's root.
    os.chown(b.rootfs / "etc" / "passwd", USERNS_HOST_ID, USERNS_HOST_ID)
    b.sh("stat -c %u:%g:%a /mnt/t; touch /mnt/t/f && stat -c %u:%g /mnt/t/f; stat -c %u:%g /mnt/u; "
         "stat -c %u:%g /etc/passwd; grep -c ^root: /etc/passwd; grep ' /etc ' /proc/self/mountinfo | grep -c idmapped")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["0:0:710", "0:0", "1000:1001", "0:0", "1", "1"]


@U
@needs_tmpfs_idmap
def test_tmpfs_mount_mappings(ucrun, bundle):
    """uidMappings on a tmpfs (no option needed): id 0 stored in the tmpfs
    (its root, made by host root) is seen as hostID, the container's 1000;
    container root is outside the mapping and cannot create files."""
    H = USERNS_HOST_ID
    b = bundle(userns=True)
    b.config["mounts"].append({
        "destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"],
        "uidMappings": [{"containerID": 0, "hostID": H + 1000, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": H + 2000, "size": 1}],
    })
    b.mkdir("/mnt/t")
    b.sh("stat -c %u:%g /mnt/t; touch /mnt/t/by-root 2>/dev/null && echo root-wrote || echo root-refused")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["1000:2000", "root-refused"]
    b.process["user"] = {"uid": 1000, "gid": 2000}
    b.sh("touch /mnt/t/f && stat -c %u:%g /mnt/t/f")
    assert ucrun("run", "-b", b, "c2").stdout.strip() == "1000:2000"


@U
@needs_tmpfs_idmap
def test_tmpfs_idmap_without_userns(ucrun, bundle):
    """A container without a user namespace: the mount's mappings alone."""
    b = bundle()
    b.config["mounts"].append({
        "destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap", "ro"],
        "uidMappings": [{"containerID": 0, "hostID": 4321, "size": 10}],
        "gidMappings": [{"containerID": 0, "hostID": 8765, "size": 10}],
    })
    b.sh("stat -c %u:%g /mnt/t; grep ' /mnt/t ' /proc/self/mountinfo | cut -d' ' -f6")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert out[0] == "4321:8765"
    assert {"ro", "idmapped"} <= set(out[1].split(","))


@U
@needs_tmpfs_idmap
def test_tmpfs_idmap_bad_data_option_names_the_mount(ucrun, bundle, root):
    b = bundle(userns=True)
    b.args("true")
    b.add_mount("/mnt/t", "tmpfs", "tmpfs", ["idmap", "size=lots"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert f"mounts[{_last(b)}].options" in cp.stderr and "size=lots" in cp.stderr, cp.stderr
    assert os.listdir(root) == []


# ---------------------------------------------------------------------------
# what cannot be idmapped


@U
@pytest.mark.parametrize("source,fstype", [("/proc", "proc"), ("/sys", "sysfs")])
def test_idmap_bind_of_kernel_fs_refused(ucrun, bundle, root, source, fstype):
    b = bundle(userns=True)
    b.args("true")
    b.add_mount("/mnt/k", "bind", source, ["bind", "idmap"])
    cp = ucrun.fail("run", "-b", b, "c1")
    msg = cp.stderr
    assert f"config.json: mounts[{_last(b)}]: cannot idmap the bind of {source}: {source} is on {fstype}," in msg, msg
    assert f"the kernel does not support idmapped mounts on {fstype}" in msg, msg
    assert os.listdir(root) == []


@U
@pytest.mark.parametrize("fstype", ["ramfs", "overlay"])  # hugetlbfs can, on 6.18
def test_idmap_bind_of_unsupported_host_fs_refused(ucrun, bundle, root, host_fs, fstype):
    d = host_fs(fstype)
    b = bundle(userns=True)
    b.args("true")
    b.add_mount("/mnt/d", "bind", d, ["bind", "idmap"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert f"mounts[{_last(b)}]: cannot idmap the bind of {d}: {d} is on {fstype}," in cp.stderr, cp.stderr
    assert "does not support idmapped mounts" in cp.stderr and "Invalid argument" in cp.stderr
    assert os.listdir(root) == []


@U
def test_idmap_bind_of_fuse_refused(ucrun, bundle, root, host_fuse):
    """A FUSE server must allow idmapped mounts (FUSE_ALLOW_IDMAP, Linux
    6.12); this one does not. ucrun names the type from mountinfo
    ("fuse.ucrun-test") without asking the server anything (it would
    answer ENOSYS)."""
    b = bundle(userns=True)
    b.args("true")
    b.add_mount("/mnt/d", "bind", host_fuse, ["bind", "idmap"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert (f"mounts[{_last(b)}]: cannot idmap the bind of {host_fuse}: {host_fuse} is on fuse.ucrun-test, which "
            "cannot be idmapped: the kernel does not support idmapped mounts on fuse.ucrun-test") in cp.stderr, cp.stderr
    assert os.listdir(root) == []


@U
def test_ridmap_with_unsupported_submount_names_it(ucrun, bundle, root, host_dir):
    """ridmap over an rbind: every submount is idmapped, so one the kernel
    cannot idmap fails the container, named with its type; idmap (top
    only) over the same tree works and shows the submount unmapped."""
    d = host_dir()
    (d / "file").write_text("top\n")
    (d / "sub").mkdir()
    subprocess.run(["mount", "-t", "ramfs", "ucrun-test-ramfs", str(d / "sub")], check=True)
    try:
        b = bundle(userns=True)
        b.args("stat", "-c", "%u", "/mnt/d/file", "/mnt/d/sub")
        b.add_mount("/mnt/d", "bind", d, ["rbind", "ridmap"])
        b.mkdir("/mnt/d")
        cp = ucrun.fail("run", "-b", b, "c1")
        assert f"mounts[{_last(b)}]: cannot idmap the bind of {d}: {d} has mounts under it" in cp.stderr, cp.stderr
        assert f"{d}/sub (ramfs)" in cp.stderr
        assert os.listdir(root) == []
        b.config["mounts"][-1]["options"] = ["rbind", "idmap"]
        assert ucrun("run", "-b", b, "c2").stdout.split() == ["0", "65534"]
    finally:
        umount(d / "sub")


@U
@pytest.mark.parametrize("fstype", ["proc", "mqueue", "sysfs"])
def test_idmap_on_new_kernel_fs_refused(ucrun, bundle, root, fstype):
    """Only binds and tmpfs: a proc or mqueue is mounted inside the
    container, too late to be idmapped."""
    b = bundle(userns=True)
    b.args("true")
    b.add_mount("/mnt/k", fstype, fstype, ["idmap"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert (f"config.json: mounts[{_last(b)}]: idmap is supported for bind and tmpfs mounts only, "
            f"not for a \"{fstype}\" mount") in cp.stderr, cp.stderr
    assert os.listdir(root) == []
