"""A Kubernetes pod with user namespaces (hostUsers: false), the way
containerd 2 and CRI-O drive a runtime (issue 14 items 1 and 2), with
bundles: no kubelet here.

The sandbox (pause: `sleep`) gets new user, network, ipc, uts, mount and
pid namespaces and the pod's mapping. Each app container joins the
sandbox's user, network, ipc and uts namespaces by path and repeats the
pod's mapping in linux.uidMappings/gidMappings (containerd 2 does), with
mount, pid and cgroup namespaces of its own, the pod's /dev/shm (a host
tmpfs, as containerd makes it) and volumes idmapped with the pod's mapping:
a host directory on this host's ext4 and a host tmpfs (emptyDir with
medium Memory, secrets). One app joins by /proc/<pid>/ns/..., the other by
namespace files bind-mounted elsewhere (CRI-O pins them so)."""

import os
import subprocess

import pytest

from support import USERNS_HOST_ID, USERNS_SIZE, mount_points, umount, wait_for

pytestmark = pytest.mark.ucrun_specific  # runc 1.1 refuses mappings with a joined user namespace

POD_MAP = [{"containerID": 0, "hostID": USERNS_HOST_ID, "size": USERNS_SIZE}]
NOBODY = 65534  # the overflow id: what an unmapped id shows as (user_namespaces(7))
JOINED = {"user": "user", "network": "net", "ipc": "ipc", "uts": "uts"}


def _mount_tmpfs(path, mode="0755"):
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"mode={mode},size=4m", "tmpfs", str(path)], check=True)


def _pin(ns_file, dest):
    """A namespace file held by a bind mount, as CRI-O pins a pod's."""
    dest.touch()
    subprocess.run(["mount", "--bind", str(ns_file), str(dest)], check=True)


class Pod:
    def __init__(self, ucrun, bundle, tmp_base):
        self.ucrun, self.bundle, self.base = ucrun, bundle, tmp_base
        self.mounts = []     # host mounts made by the test, unmounted at teardown
        self.containers = []
        # The pod's /dev/shm (containerd: a tmpfs under /run/containerd),
        # and the volumes.
        self.shm = tmp_base / "shm"
        _mount_tmpfs(self.shm, "1777")
        self.mounts.append(self.shm)
        self.vol_disk = tmp_base / "vol-disk"   # on the host's ext4
        self.vol_disk.mkdir()
        self.vol_mem = tmp_base / "vol-mem"     # on a host tmpfs
        _mount_tmpfs(self.vol_mem)
        self.mounts.append(self.vol_mem)
        for d in (self.vol_disk, self.vol_mem):
            (d / "root-file").write_text("r\n")
            foreign = d / "foreign-file"  # not in the pod's range: shows as nobody
            foreign.write_text("f\n")
            os.chown(foreign, 70000, 70000)

    def _common(self, b):
        b.drop_mount("/dev/shm")
        b.add_mount("/dev/shm", "bind", self.shm, ["rbind", "nosuid", "nodev", "noexec", "rw"])
        for dest, src in (("/vol/disk", self.vol_disk), ("/vol/mem", self.vol_mem)):
            b.mkdir(dest)
            b.config["mounts"].append({"destination": dest, "type": "bind", "source": str(src),
                                       "options": ["rbind", "rw", "idmap"],
                                       "uidMappings": POD_MAP, "gidMappings": POD_MAP})

    def start_sandbox(self):
        b = self.bundle(userns=True, name="sandbox")
        b.args("sleep", "1000")
        self._common(b)
        self.sandbox_pid = self.ucrun.create_start(b, "sandbox")
        self.containers.append("sandbox")
        return self.sandbox_pid

    def app_bundle(self, name, ns_dir=None, uid_map=POD_MAP):
        """An app container joining the sandbox's namespaces, by
        /proc/<pid>/ns/<kind>, or by the files under ns_dir."""
        b = self.bundle(userns=True, name=name)
        b.linux["uidMappings"] = uid_map
        b.linux["gidMappings"] = POD_MAP
        b.config.pop("hostname", None)  # the pod's UTS namespace has it
        for kind, link in JOINED.items():
            path = f"/proc/{self.sandbox_pid}/ns/{link}" if ns_dir is None else ns_dir / link
            b.set_ns(kind, path)
        assert {n["type"] for n in b.namespaces() if "path" not in n} == {"pid", "mount", "cgroup"}
        b.args("sleep", "1000")
        self._common(b)
        return b

    def start(self, b, cid):
        pid = self.ucrun.create_start(b, cid)
        self.containers.append(cid)
        return pid

    def exec(self, cid, script):
        return self.ucrun("exec", cid, "sh", "-c", script).stdout

    def teardown(self):
        for cid in reversed(self.containers):
            try:
                self.ucrun.remove(cid)
            except AssertionError:
                self.ucrun("delete", "--force", cid, check=False)
        for m in reversed(self.mounts):
            umount(m)


@pytest.fixture
def pod(ucrun, bundle, tmp_base):
    p = Pod(ucrun, bundle, tmp_base)
    try:
        yield p
    finally:
        p.teardown()


def _readlink_ns(pid, link):
    return os.readlink(f"/proc/{pid}/ns/{link}")


def test_pod_flow(pod, ucrun, tmp_base):
    sandbox = pod.start_sandbox()
    # CRI-O style: the namespaces pinned by bind mounts, joined through them
    # (ucrun reads the user namespace's mappings through a child there).
    pinned = tmp_base / "pinned"
    pinned.mkdir()
    for link in JOINED.values():
        _pin(f"/proc/{sandbox}/ns/{link}", pinned / link)
        pod.mounts.append(pinned / link)

    app1 = pod.app_bundle("app1")
    # A user.* sysctl of the pod's user namespace, from a container that
    # joined it (runc 1.4): the sandbox sees it too.
    app1.linux["sysctl"] = {"user.max_user_namespaces": "42"}
    pid1 = pod.start(app1, "app1")
    pid2 = pod.start(pod.app_bundle("app2", ns_dir=pinned), "app2")

    # Joined: the sandbox's user, network, ipc, uts namespaces; own mount,
    # pid, cgroup namespaces.
    for pid in (pid1, pid2):
        for link in JOINED.values():
            assert _readlink_ns(pid, link) == _readlink_ns(sandbox, link), (pid, link)
        for link in ("mnt", "pid", "cgroup"):
            assert _readlink_ns(pid, link) != _readlink_ns(sandbox, link), (pid, link)
    assert _readlink_ns(pid1, "net") != os.readlink("/proc/self/ns/net")

    # Exec into the apps: same network namespace from inside, the pod's
    # hostname, root in the pod's user namespace, the sysctl.
    script = ("readlink /proc/self/ns/net; hostname; id -u; cat /proc/self/uid_map; "
              "cat /proc/sys/user/max_user_namespaces")
    out1, out2 = pod.exec("app1", script).split("\n"), pod.exec("app2", script).split("\n")
    assert out1[0] == out2[0] == _readlink_ns(sandbox, "net")
    assert out1[1] == out2[1] == "runc"
    assert out1[2] == out2[2] == "0"
    assert out1[3].split() == out2[3].split() == ["0", str(USERNS_HOST_ID), str(USERNS_SIZE)]
    assert out1[4] == out2[4] == "42"

    # Idmapped volumes, on ext4 and on tmpfs: container root writes files
    # owned by host root on disk; root-owned files are the container
    # root's; ids outside the pod's range show as nobody.
    for vol, host in (("/vol/disk", pod.vol_disk), ("/vol/mem", pod.vol_mem)):
        out = pod.exec("app1", f"echo hi > {vol}/written && mkdir {vol}/dir && "
                               f"stat -c %u:%g {vol}/root-file {vol}/foreign-file {vol}/written").split()
        assert out == ["0:0", f"{NOBODY}:{NOBODY}", "0:0"], (vol, out)
        for name in ("written", "dir"):
            st = os.stat(host / name)
            assert (st.st_uid, st.st_gid) == (0, 0), (host, name, st)
        # The other app sees the same files, through its own idmapped mount.
        assert pod.exec("app2", f"stat -c %u:%g {vol}/written; cat {vol}/written").split() == ["0:0", "hi"]
        # The sandbox, too (its mounts carry the same mapping).
        assert pod.exec("sandbox", f"cat {vol}/written").strip() == "hi"

    # The pod's /dev/shm: one tmpfs for all; a file written by container
    # root is owned by the pod's root on the host (not idmapped).
    pod.exec("app1", "echo shared > /dev/shm/seg")
    assert pod.exec("app2", "cat /dev/shm/seg").strip() == "shared"
    assert pod.exec("sandbox", "cat /dev/shm/seg").strip() == "shared"
    assert os.stat(pod.shm / "seg").st_uid == USERNS_HOST_ID


def test_pod_network_shared_loopback(pod, ucrun):
    """One app listens on the pod's loopback, the other connects."""
    sandbox = pod.start_sandbox()
    # The loopback plugin's job (CNI): the pod's lo up.
    subprocess.run(["nsenter", f"--net=/proc/{sandbox}/ns/net", "ip", "link", "set", "lo", "up"], check=True)
    pod.start(pod.app_bundle("app1"), "app1")
    pod.start(pod.app_bundle("app2"), "app2")
    # app2 sees app1's listener (busybox nc listens on IPv6 and IPv4) and
    # talks to it over the pod's loopback. The listener's stdin stays open:
    # busybox nc shuts its sending side down as soon as its stdin ends, and a
    # client that reads that EOF before `echo` has fed it exits having sent
    # nothing (this test failed so in CI with stdin on /dev/null).
    listener = ucrun.popen("exec", "app1", "busybox", "nc", "-l", "-p", "7070", stdin=subprocess.PIPE)
    try:
        wait_for(lambda: ":7070 " in pod.exec("app2", "busybox netstat -ltn"),
                 what="app1's listener in app2's netstat")
        pod.exec("app2", "echo ping-from-app2 | busybox nc 127.0.0.1 7070")
        got = listener.wait(timeout=10)
        assert (got.returncode, got.stdout) == (0, "ping-from-app2\n"), got.stderr
    finally:
        listener.popen.stdin.close()
        listener.kill()
        listener.wait()
        listener.close()


@pytest.mark.parametrize("field,uid_map,gid_map", [
    ("linux.uidMappings", [{"containerID": 0, "hostID": 200000, "size": USERNS_SIZE}], POD_MAP),
    ("linux.gidMappings", POD_MAP, [{"containerID": 0, "hostID": USERNS_HOST_ID, "size": 1000}]),
])
@pytest.mark.parametrize("cmd", ["create", "run"])
def test_pod_mapping_mismatch_refused(pod, ucrun, root, field, uid_map, gid_map, cmd):
    """Mappings that are not the joined namespace's: refused before
    anything is made, naming the field and showing both mappings (runc)."""
    sandbox = pod.start_sandbox()
    b = pod.app_bundle("bad", uid_map=uid_map)
    b.linux["gidMappings"] = gid_map
    state_before, mounts_before = sorted(os.listdir(root)), mount_points()
    cp = ucrun.fail(cmd, "-b", b, "bad")
    given = uid_map if field == "linux.uidMappings" else gid_map
    show = lambda m: ",".join(f"{e['containerID']}:{e['hostID']}:{e['size']}" for e in m)  # noqa: E731
    want = (f"config.json: {field}: differs from the mapping of the user namespace joined at "
            f"/proc/{sandbox}/ns/user (linux.namespaces[")
    assert want in cp.stderr, cp.stderr
    assert f"config.json has {show(given)}, the namespace has {show(POD_MAP)}" in cp.stderr, cp.stderr
    assert len(cp.stderr.strip().splitlines()) == 1, cp.stderr
    assert sorted(os.listdir(root)) == state_before == ["sandbox"]
    assert mount_points() == mounts_before


def test_pod_joined_userns_without_mappings_still_works(pod, ucrun):
    """containerd 1.x and CRI-O of old send the path alone."""
    pod.start_sandbox()
    b = pod.app_bundle("app1")
    del b.linux["uidMappings"], b.linux["gidMappings"]
    pod.start(b, "app1")
    assert pod.exec("app1", "cat /proc/self/uid_map").split() == ["0", str(USERNS_HOST_ID), str(USERNS_SIZE)]


@pytest.mark.parametrize("pinned", [False, True])
def test_pod_idmap_volume_without_mount_mappings(pod, ucrun, tmp_base, pinned):
    """An idmap volume with no mappings of its own takes the container's
    user namespace's (config.md): the joined pod namespace, whose mappings
    config.json repeats."""
    sandbox = pod.start_sandbox()
    ns_dir = None
    if pinned:
        ns_dir = tmp_base / "pinned"
        ns_dir.mkdir()
        for link in JOINED.values():
            _pin(f"/proc/{sandbox}/ns/{link}", ns_dir / link)
            pod.mounts.append(ns_dir / link)
    b = pod.app_bundle("app1", ns_dir=ns_dir)
    for m in b.config["mounts"]:
        if m["destination"] == "/vol/disk":
            del m["uidMappings"], m["gidMappings"]
            assert "idmap" in m["options"]
    pod.start(b, "app1")
    out = pod.exec("app1", "touch /vol/disk/t && stat -c %u:%g /vol/disk/root-file /vol/disk/foreign-file /vol/disk/t")
    assert out.split() == ["0:0", f"{NOBODY}:{NOBODY}", "0:0"]
    st = os.stat(pod.vol_disk / "t")
    assert (st.st_uid, st.st_gid) == (0, 0)
