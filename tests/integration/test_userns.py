"""User namespaces (config-linux.md#user-namespace-mappings): container root
mapped to host uid/gid 100000 (65536 ids)."""

import os

import pytest

from support import USERNS_HOST_ID, USERNS_SIZE, norm, wait_for


def test_uid_gid_map(ucrun, bundle):
    b = bundle(userns=True)
    b.sh("cat /proc/self/uid_map; echo --; cat /proc/self/gid_map")
    uid_map, gid_map = ucrun("run", "-b", b, "c1").stdout.split("--")
    assert norm(uid_map) == f"0 {USERNS_HOST_ID} {USERNS_SIZE}"
    assert norm(gid_map) == f"0 {USERNS_HOST_ID} {USERNS_SIZE}"


def test_multiple_mappings(ucrun, bundle):
    b = bundle(userns=True)
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000},
                              {"containerID": 1000, "hostID": 200000, "size": 1000}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    # devpts gid=5 and the passwd entries stay mapped
    b.args("cat", "/proc/self/uid_map")
    lines = sorted(norm(x) for x in ucrun("run", "-b", b, "c1").stdout.splitlines())
    assert lines == ["0 100000 1000", "1000 200000 1000"]


def test_id_is_root(ucrun, bundle):
    b = bundle(userns=True)
    b.args("id")
    assert ucrun("run", "-b", b, "c1").stdout.startswith("uid=0(root) gid=0(root)")


def test_host_sees_mapped_ids(ucrun, bundle):
    b = bundle(userns=True)
    b.args("sleep", "1000")
    pid = ucrun.create_start(b, "c1")
    st = os.stat(f"/proc/{pid}")
    assert (st.st_uid, st.st_gid) == (USERNS_HOST_ID, USERNS_HOST_ID)
    assert os.readlink(f"/proc/{pid}/ns/user") != os.readlink("/proc/self/ns/user")
    ucrun.remove("c1")


def test_process_user_is_mapped(ucrun, bundle):
    b = bundle(userns=True)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.args("sleep", "1000")
    pid = ucrun.create_start(b, "c1")
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f)
    assert status["Uid"].split() == [str(USERNS_HOST_ID + 1000)] * 4
    assert status["Gid"].split() == [str(USERNS_HOST_ID + 1000)] * 4
    assert ucrun("exec", "c1", "id", "-u").stdout.strip() == "1000"
    ucrun.remove("c1")


def test_unmapped_host_dir_is_overflow_and_readonly(ucrun, bundle, host_dir):
    d = host_dir()  # root:root 0755 on the host
    (d / "file").write_text("content\n")
    b = bundle(userns=True)
    b.bind(d, "/mnt/hostdir", "rw")
    b.sh("stat -c %u:%g /mnt/hostdir; cat /mnt/hostdir/file; touch /mnt/hostdir/new")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0
    lines = cp.stdout.splitlines()
    assert lines[0] == "65534:65534"
    assert lines[1] == "content"
    assert "Permission denied" in cp.stderr
    assert not (d / "new").exists()


def test_mapped_host_dir_is_writable(ucrun, bundle, host_dir):
    d = host_dir()
    os.chown(d, USERNS_HOST_ID, USERNS_HOST_ID)
    b = bundle(userns=True)
    b.bind(d, "/mnt/hostdir", "rw")
    b.sh("stat -c %u /mnt/hostdir; touch /mnt/hostdir/new")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "0"
    st = os.stat(d / "new")
    assert (st.st_uid, st.st_gid) == (USERNS_HOST_ID, USERNS_HOST_ID)


def test_rootfs_owned_by_host_root_is_overflow(ucrun, bundle):
    b = bundle(userns=True)
    b.args("stat", "-c", "%u", "/bin/busybox")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "65534"


def test_tmpfs_writable_by_container_root(ucrun, bundle):
    b = bundle(userns=True)
    b.add_mount("/tmp", "tmpfs", "tmpfs", ["nosuid", "nodev", "mode=1777"])
    b.sh("echo x > /tmp/f && stat -c %u /tmp/f")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "0"


def test_userns_hostname_and_namespaces(ucrun, bundle):
    b = bundle(userns=True)
    b.config["hostname"] = "userns-host"
    b.sh("hostname; readlink /proc/self/ns/user; readlink /proc/self/ns/mnt")
    host, user, mnt = ucrun("run", "-b", b, "c1").stdout.split()
    assert host == "userns-host"
    assert user != os.readlink("/proc/self/ns/user")
    assert mnt != os.readlink("/proc/self/ns/mnt")


def test_userns_exit_code(ucrun, bundle):
    b = bundle(userns=True)
    b.sh("exit 9")
    assert ucrun("run", "-b", b, "c1", check=False).returncode == 9


def test_userns_kill_and_delete(ucrun, bundle, root):
    b = bundle(userns=True)
    b.args("sleep", "1000")
    pid = ucrun.create_start(b, "c1")
    ucrun("delete", "--force", "c1")
    wait_for(lambda: not os.path.exists(f"/proc/{pid}/ns"), what="container gone")
    assert os.listdir(root) == []


def _join_userns(ucrun, bundle, with_mappings):
    a = bundle(userns=True)
    a.args("sleep", "1000")
    pid_a = ucrun.create_start(a, "a")
    link_a = os.readlink(f"/proc/{pid_a}/ns/user")
    b = bundle(userns=with_mappings)
    b.set_ns("user", f"/proc/{pid_a}/ns/user")
    b.sh("readlink /proc/self/ns/user; cat /proc/self/uid_map")
    cp = ucrun("run", "-b", b, "b", check=False)
    ucrun.remove("a")
    assert cp.returncode == 0, cp.stderr
    out = cp.stdout.splitlines()
    assert out[0] == link_a
    assert norm(out[1]) == f"0 {USERNS_HOST_ID} {USERNS_SIZE}"
    return out


@pytest.mark.ucrun_specific  # runc 1.1 wants the mappings even when joining
def test_join_userns_of_running_container(ucrun, bundle):
    """No mappings with a joined user namespace: it has its own."""
    _join_userns(ucrun, bundle, with_mappings=False)


@pytest.mark.ucrun_specific
def test_mappings_without_userns_refused(ucrun, bundle, root):
    b = bundle()
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.args("true")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "linux.uidMappings" in cp.stderr
    assert os.listdir(root) == []
