"""linux.memoryPolicy applied for real; linux.netDevices, linux.intelRdt and
linux.mountLabel refused with a clear error where this host or ucrun cannot
provide them (config-linux.md), leaving nothing behind."""

import os

import pytest

from test_bad_input import NOTHING, leftovers

U = pytest.mark.ucrun_specific


pytestmark_numa = pytest.mark.skipif(not os.path.exists("/proc/self/numa_maps"),
                                     reason="kernel without NUMA (no numa_maps)")


@U
@pytestmark_numa
def test_memory_policy_bind_node0(ucrun, bundle):
    b = bundle()
    b.config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0"}
    b.args("head", "-1", "/proc/self/numa_maps")
    out = ucrun("run", "-b", b, "c1").stdout
    # numa_maps shows each mapping's policy: the process policy, inherited
    # across execve, is "bind:0" (without it: "default").
    assert " bind:0 " in out, out


@pytestmark_numa
def test_no_memory_policy_is_default(ucrun, bundle):
    b = bundle()
    b.args("head", "-1", "/proc/self/numa_maps")
    assert " default " in ucrun("run", "-b", b, "c1").stdout


@U
def test_memory_policy_bad_mode_fails_clearly(ucrun, bundle, root):
    b = bundle()
    b.config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "4095"}
    b.args("true")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "linux.memoryPolicy" in cp.stderr
    assert leftovers(root, b) == NOTHING


@U
@pytest.mark.parametrize("field,value,needle", [
    ("netDevices", {"eth0": {"name": "eth1"}}, "linux.netDevices: moving network devices is not supported"),
    ("intelRdt", {"closID": "x"}, "linux.intelRdt:"),
    ("mountLabel", "system_u:object_r:container_file_t:s0", "linux.mountLabel: SELinux is not enabled"),
])
def test_unavailable_features_refused(ucrun, bundle, root, field, value, needle):
    b = bundle()
    b.config["linux"][field] = value
    b.args("true")
    cp = ucrun.fail("create", "-b", b, "c1")
    assert needle in cp.stderr
    assert len(cp.stderr.strip().splitlines()) == 1
    assert leftovers(root, b) == NOTHING
