"""What the namespaces of a config must allow (src/ns/rules.hpp), refused at
create before anything is made:

- no "mount" namespace (also `namespaces: []`, `linux` missing; `linux: null`
  is refused as a wrong type, the schema allows no null), or
  a mount namespace path that is the caller's own (that of pid 1 is refused
  too, not tested: a regression would hit the host): ucrun would pivot_root
  and unmount the old root of the caller's mount namespace.  These cases
  run inside a throwaway `unshare -m --propagation private`, so that a
  regression takes the root of that namespace, never the host's; the test
  compares that namespace's root and mountinfo before and after.
- hostname, domainname without a UTS namespace (runc: "unable to set
  hostname without a private UTS namespace")."""

import os
import shlex
import subprocess

import pytest

from isolation import bundle  # noqa: F401  (a cgroup per bundle)

U = pytest.mark.ucrun_specific
MARK = "=== ucrun done ==="


def in_throwaway_mntns(ucrun, *args):
    """Runs `ucrun *args` in a new private mount namespace; returns (the
    command's exit status and output, the namespace's root and mountinfo
    before, the same after)."""
    argv = shlex.join(ucrun.argv(args))
    view = 'stat -c "%d:%i" /; cat /proc/self/mountinfo'
    script = f'{view}; echo "{MARK}"; {argv} 2>&1; echo "rc=$?"; echo "{MARK}"; {view}'
    cp = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    before, ran, after = cp.stdout.split(MARK + "\n")
    *out, rc = ran.rstrip("\n").split("\n")
    return int(rc.removeprefix("rc=")), "\n".join(out), before, after


def _drop_mount(b):
    b.drop_ns("mount")


def _no_namespaces(b):
    b.linux["namespaces"] = []
    b.config.pop("hostname", None)


def _no_linux(b):
    del b.config["linux"]
    b.config.pop("hostname", None)


def _null_linux(b):
    b.config["linux"] = None
    b.config.pop("hostname", None)


def _mount_path(path):
    def f(b):
        b.set_ns("mount", path)
    return f


# runc refuses the first two too (they keep maskedPaths: "unable to restrict
# sys entries without a private MNT namespace"); without `linux` runc runs
# the container in the caller's mount namespace.
NO_MOUNT_NS = [
    pytest.param(_drop_mount, "linux.namespaces", id="no-mount-namespace"),
    pytest.param(_no_namespaces, "linux.namespaces", id="namespaces-empty"),
    pytest.param(_no_linux, "linux.namespaces", id="linux-missing", marks=U),
    pytest.param(_null_linux, "linux", id="linux-null", marks=U),
    pytest.param(_mount_path("/proc/self/ns/mnt"), "linux.namespaces[", id="mount-path-self", marks=U),
    pytest.param(_mount_path("/proc/thread-self/ns/mnt"), "linux.namespaces[", id="mount-path-thread-self",
                 marks=U),
]


@pytest.mark.parametrize("cmd", ["create", "run"])
@pytest.mark.parametrize("mutate,field", NO_MOUNT_NS)
def test_no_mount_namespace_refused(ucrun, bundle, root, cmd, mutate, field):
    b = bundle()
    b.args("true")
    mutate(b)
    rc, out, before, after = in_throwaway_mntns(ucrun, cmd, "-b", b, "c1")
    assert rc != 0, out
    assert after == before  # same root (dev:inode), same mounts, in the same order
    assert os.listdir(root) == []
    assert out.strip(), "no error message"


@U
@pytest.mark.parametrize("mutate,field", NO_MOUNT_NS)
def test_no_mount_namespace_message(ucrun, bundle, mutate, field):
    b = bundle()
    b.args("true")
    mutate(b)
    rc, out, before, after = in_throwaway_mntns(ucrun, "create", "-b", b, "c1")
    assert rc != 0 and after == before
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith(f"ucrun: config.json: {field}"), out
    if field == "linux":  # null is no "absent" (oci/json_read.hpp)
        assert lines[0] == "ucrun: config.json: linux: must be an object, not null"
        return
    assert "ucrun never changes the caller's mount namespace" in lines[0]
    if field == "linux.namespaces":
        assert lines[0] == ('ucrun: config.json: linux.namespaces: a "mount" namespace is required: '
                            "ucrun never changes the caller's mount namespace")


@pytest.mark.parametrize("field", ["hostname", pytest.param("domainname", marks=U)])  # runc < 1.2: no domainname
@pytest.mark.parametrize("cmd", ["create", "run"])
def test_uts_names_without_uts_namespace_refused(ucrun, bundle, root, field, cmd):
    host = (os.uname().nodename, open("/proc/sys/kernel/domainname").read())
    b = bundle()
    b.args("true")
    b.drop_ns("uts")
    b.config.pop("hostname", None)
    b.config[field] = "not-the-host"
    cp = ucrun.fail(cmd, "-b", b, "c1")
    assert field in cp.stderr
    assert os.listdir(root) == []
    assert (os.uname().nodename, open("/proc/sys/kernel/domainname").read()) == host


@U
@pytest.mark.parametrize("field", ["hostname", "domainname"])
def test_uts_names_without_uts_namespace_message(ucrun, bundle, field):
    b = bundle()
    b.args("true")
    b.drop_ns("uts")
    b.config.pop("hostname", None)
    b.config[field] = "x"
    cp = ucrun.fail("create", "-b", b, "c1")
    assert cp.stderr.strip() == (f"ucrun: config.json: {field}: "
                                 f"unable to set {field} without a private UTS namespace")


def test_empty_hostname_without_uts_namespace_runs(ucrun, bundle):
    """runc's rule is about a hostname to set: "" sets none."""
    b = bundle()
    b.drop_ns("uts")
    b.config["hostname"] = ""
    b.args("hostname")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == os.uname().nodename
