"""A user namespace without a network namespace of its own (issue 14 item
4): sysfs cannot be mounted there (the kernel wants CAP_SYS_ADMIN over the
owner of the network namespace, the host's user namespace: runc#3672,
KEP-5607). ucrun binds the host's /sys read-only instead, as crun and runc
do, and says so at debug level."""

import os

import pytest

pytestmark = pytest.mark.ucrun_specific


def _sys_mount_options(mountinfo):
    """Per-mount options of the mount on /sys (mountinfo field 6)."""
    for line in mountinfo.splitlines():
        f = line.split()
        if len(f) > 5 and f[4] == "/sys":
            return f[5].split(",")
    raise AssertionError("no mount on /sys:\n" + mountinfo)


def test_sysfs_in_userns_sharing_host_network(ucrun, bundle):
    b = bundle(userns=True)
    b.drop_ns("network")
    # The config asks for a writable sysfs: the fallback is read-only anyway.
    for m in b.config["mounts"]:
        if m["destination"] == "/sys":
            m["options"] = ["nosuid", "noexec", "nodev"]
    b.sh("cat /proc/self/mountinfo; echo ---; ls /sys/class/net; echo ---; "
         "readlink /proc/self/ns/net; echo ---; if mkdir /sys/x 2>/dev/null; then echo rw; else echo ro; fi")
    cp = ucrun("run", "-b", b, "c1", global_args=["--debug"])
    mountinfo, net, netns, write = cp.stdout.split("---\n")
    assert "ro" in _sys_mount_options(mountinfo), mountinfo
    assert write.strip() == "ro"
    # The host's network namespace, so the host's interfaces.
    assert netns.strip() == os.readlink("/proc/self/ns/net")
    assert sorted(net.split()) == sorted(os.listdir("/sys/class/net"))
    assert "debug: mounts[5]: mount sysfs on " in cp.stderr and ": Operation not permitted (a user namespace without a network namespace of its own)" in cp.stderr, cp.stderr
    assert "binding the host's /sys read-only instead" in cp.stderr, cp.stderr


def test_sysfs_in_userns_with_own_network_is_mounted(ucrun, bundle):
    """The fallback is only the fallback: with a network namespace of its
    own the container gets a sysfs of its own (only its loopback), as
    asked (read-write in the config, though the kernel lets container root
    change nothing it does not own), and no debug line."""
    b = bundle(userns=True)
    for m in b.config["mounts"]:
        if m["destination"] == "/sys":
            m["options"] = ["nosuid", "noexec", "nodev"]
    b.sh("cat /proc/self/mountinfo; echo ---; ls /sys/class/net")
    cp = ucrun("run", "-b", b, "c1", global_args=["--debug"])
    mountinfo, net = cp.stdout.split("---\n")
    assert "rw" in _sys_mount_options(mountinfo), mountinfo
    assert net.split() == ["lo"]
    assert "read-only instead" not in cp.stderr
