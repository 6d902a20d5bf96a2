"""`ucrun features` tells the truth (issue 14 item 6): "user" is in
linux.namespaces only when user namespaces can be created, and
linux.mountExtensions.idmap.enabled only when idmapped mounts can be made;
containerd and CRI-O decide from these whether to send pods with user
namespaces and idmapped volumes. Checked against what containers here
actually do, and where the probes must say no: in a user namespace whose
max_user_namespaces is 0 (lowered by its own root: the host's value is not
touched) and in an unprivileged user namespace (no privilege over the
host's file systems, as a rootless user)."""

import json
import os
import subprocess

import pytest

from support import GLOBAL_ARGS, UCRUN_BIN
from isolation import bundle  # noqa: F401  (a cgroup per bundle)

U = pytest.mark.ucrun_specific
MAX_USERNS = "/proc/sys/user/max_user_namespaces"


def features(prefix=(), script=None):
    """`ucrun --debug features` (in `prefix`, e.g. unshare, after `script`):
    (document, stderr)."""
    cmd = [UCRUN_BIN, *GLOBAL_ARGS, "--debug", "features"]
    if script:
        cmd = ["sh", "-c", script + ' && exec "$@"', "sh", *cmd]
    cp = subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    return json.loads(cp.stdout), cp.stderr


def can_unshare_user():
    return subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode == 0


@U
def test_user_listed_iff_a_userns_container_runs(ucrun, bundle):
    f, _ = features()
    listed = "user" in f["linux"]["namespaces"]
    assert listed == can_unshare_user()
    b = bundle(userns=True)
    b.args("cat", "/proc/self/uid_map")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert (cp.returncode == 0) == listed, cp.stderr
    if listed:
        assert cp.stdout.split() == ["0", "100000", "65536"]


@U
def test_idmap_enabled_iff_an_idmap_container_runs(ucrun, bundle, host_dir):
    f, _ = features()
    enabled = f["linux"]["mountExtensions"]["idmap"]["enabled"]
    assert ({"idmap", "ridmap"} <= set(f["mountOptions"])) == enabled
    d = host_dir()
    (d / "f").write_text("x\n")
    b = bundle(userns=True)
    b.add_mount("/mnt/d", "bind", d, ["bind", "idmap"])
    b.mkdir("/mnt/d")
    b.args("stat", "-c", "%u", "/mnt/d/f")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert (cp.returncode == 0) == enabled, cp.stderr
    if enabled:
        assert cp.stdout.strip() == "0"  # host root's file, the container root's through the idmap


@U
def test_no_user_namespaces_when_the_limit_is_zero():
    before = open(MAX_USERNS).read()
    f, err = features(["unshare", "-U", "-r"], f"echo 0 > {MAX_USERNS}")
    assert open(MAX_USERNS).read() == before  # the host's limit is untouched
    ns = f["linux"]["namespaces"]
    assert "user" not in ns
    assert {"cgroup", "ipc", "mount", "network", "pid", "uts"} <= set(ns)
    assert "user namespaces cannot be created here: /proc/sys/user/max_user_namespaces is 0" in err, err
    # No user namespace for the mapping: no idmapped mounts either.
    assert f["linux"]["mountExtensions"]["idmap"]["enabled"] is False
    assert not {"idmap", "ridmap"} & set(f["mountOptions"])


@U
def test_no_idmap_in_an_unprivileged_user_namespace():
    """Nested user namespaces can be created there, but the host's file
    systems belong to the initial user namespace: mount_setattr refuses."""
    if not can_unshare_user():
        pytest.skip("no user namespaces here")
    f, err = features(["unshare", "-U", "-r"])
    assert "user" in f["linux"]["namespaces"]
    assert f["linux"]["mountExtensions"]["idmap"]["enabled"] is False
    assert "idmapped mounts cannot be made here" in err, err
    # The same probe as host root says yes on this kernel (>= 5.12, and /
    # or a tmpfs can be idmapped).
    ma, mi = (int(x) for x in os.uname().release.split(".")[:2])
    if (ma, mi) >= (6, 3):
        assert features()[0]["linux"]["mountExtensions"]["idmap"]["enabled"] is True
