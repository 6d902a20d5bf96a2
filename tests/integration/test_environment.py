"""The rest of the container's environment: linux.sysctl (namespaced keys
only, config-linux.md#sysctl), process.oomScoreAdj, linux.personality,
process.ioPriority, process.scheduler, process.noNewPrivileges,
linux.timeOffsets (config-linux.md#offset-for-time-namespace)."""

import os
import platform

import pytest

from support import IS_RUNC, mount_points
from isolation import bundle  # noqa: F401  (a cgroup per bundle)

U = pytest.mark.ucrun_specific


def run_out(ucrun, b, script):
    b.sh(script)
    return ucrun("run", "-b", b, "c1").stdout


# ---------------------------------------------------------------------------
# linux.sysctl


@pytest.mark.parametrize("key,value,path", [
    ("net.ipv4.ip_forward", "1", "net/ipv4/ip_forward"),
    ("net.ipv4.conf.lo.forwarding", "1", "net/ipv4/conf/lo/forwarding"),
    ("net.core.somaxconn", "1234", "net/core/somaxconn"),
    ("kernel.shmmax", "123456789", "kernel/shmmax"),
    ("kernel.msgmax", "4321", "kernel/msgmax"),
    ("kernel.sem", "250\t32000\t32\t200", "kernel/sem"),
    ("fs.mqueue.msg_max", "20", "fs/mqueue/msg_max"),
    ("kernel.domainname", "example.org", "kernel/domainname"),
])
def test_sysctl_applied(ucrun, bundle, key, value, path):
    b = bundle()
    b.linux["sysctl"] = {key: value}
    assert run_out(ucrun, b, f"cat /proc/sys/{path}").strip() == value


@U  # runc 1.1 takes the dotted form only
def test_sysctl_slashed_key(ucrun, bundle):
    """sysctl(8): with "/" as separator, dots belong to the names."""
    b = bundle()
    b.linux["sysctl"] = {"net/ipv4/conf/lo/forwarding": "1"}
    assert run_out(ucrun, b, "cat /proc/sys/net/ipv4/conf/lo/forwarding").strip() == "1"


def test_sysctl_not_on_host(ucrun, bundle):
    with open("/proc/sys/net/core/somaxconn") as f:
        before = f.read()
    b = bundle()
    b.linux["sysctl"] = {"net.core.somaxconn": "777"}
    assert run_out(ucrun, b, "cat /proc/sys/net/core/somaxconn").strip() == "777"
    with open("/proc/sys/net/core/somaxconn") as f:
        assert f.read() == before


def test_sysctl_user_namespace(ucrun, bundle):
    """user.*: the limits of user_namespaces(7) belong to the container's
    own user namespace (runc 1.4): set there, the host's stay."""
    with open("/proc/sys/user/max_user_namespaces") as f:
        before = f.read()
    b = bundle(userns=True)
    b.linux["sysctl"] = {"user.max_user_namespaces": "7", "user/max_ipc_namespaces": "9"}
    out = run_out(ucrun, b, "cat /proc/sys/user/max_user_namespaces /proc/sys/user/max_ipc_namespaces")
    assert out.split() == ["7", "9"], out
    with open("/proc/sys/user/max_user_namespaces") as f:
        assert f.read() == before


def _drop(kind):
    def f(b):
        b.drop_ns(kind)
        if kind == "uts":
            b.config.pop("hostname", None)
    return f


@pytest.mark.parametrize("key,mutate,needle", [
    ("net.ipv4.ip_forward", _drop("network"), "requires a network namespace"),
    ("net.core.somaxconn", lambda b: b.set_ns("network", f"/proc/{os.getpid()}/ns/net"), "host"),
    ("kernel.shmmax", _drop("ipc"), "requires an IPC namespace"),
    ("fs.mqueue.queues_max", _drop("ipc"), "requires an IPC namespace"),
    ("kernel.domainname", _drop("uts"), "requires a UTS namespace"),
    ("user.max_user_namespaces", lambda b: None, "requires a user namespace"),
    ("user.max_user_namespaces", lambda b: b.set_ns("user", f"/proc/{os.getpid()}/ns/user"),
     "requires a user namespace other than the host's"),
    ("kernel.hostname", lambda b: None, "hostname"),
    ("kernel.pid_max", lambda b: None, "not in a namespace"),
    ("vm.swappiness", lambda b: None, "not in a namespace"),
    ("kernel.panic", lambda b: None, "not in a namespace"),
    pytest.param("net.ipv4/../../kernel/panic", lambda b: None, "not a valid sysctl name", marks=U),
    pytest.param("net..ipv4", lambda b: None, "not a valid sysctl name", marks=U),
])
@pytest.mark.parametrize("cmd", ["create", "run"])
def test_sysctl_refused(ucrun, bundle, root, key, mutate, needle, cmd):
    """Keys outside the container's namespaces would change the host:
    refused before anything is made, naming the key (runc refuses the same
    keys, in its own words)."""
    with open("/proc/sys/kernel/panic") as f:
        panic = f.read()
    b = bundle()
    b.args("true")
    b.linux["sysctl"] = {key: "1"}
    mutate(b)
    cp = ucrun.fail(cmd, "-b", b, "c1")
    if not IS_RUNC:
        assert f'linux.sysctl["{key}"]' in cp.stderr and needle in cp.stderr, cp.stderr
        assert len(cp.stderr.strip().splitlines()) == 1, cp.stderr
    assert os.listdir(root) == []
    assert not [m for m in mount_points() if str(b.path) in m[0]]
    with open("/proc/sys/kernel/panic") as f:
        assert f.read() == panic


@U
def test_sysctl_exact_message(ucrun, bundle):
    b = bundle()
    b.args("true")
    b.drop_ns("network")
    b.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    cp = ucrun.fail("run", "-b", b, "c1")
    assert cp.stderr.strip() == 'ucrun: config.json: linux.sysctl["net.ipv4.ip_forward"]: requires a network namespace'


def test_sysctl_joined_netns(ucrun, bundle, persistent_ns):
    ns = persistent_ns("net")
    b = bundle()
    b.set_ns("network", ns)
    b.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    assert run_out(ucrun, b, "cat /proc/sys/net/ipv4/ip_forward").strip() == "1"


def test_sysctl_unknown_key_fails(ucrun, bundle, root):
    b = bundle()
    b.args("true")
    b.linux["sysctl"] = {"net.ipv4.no_such_key": "1"}
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "no_such_key" in cp.stderr
    assert IS_RUNC or 'linux.sysctl["net.ipv4.no_such_key"]' in cp.stderr
    assert os.listdir(root) == []


# ---------------------------------------------------------------------------
# process


def _has_cap(n):
    with open("/proc/self/status") as f:
        eff = next(int(line.split()[1], 16) for line in f if line.startswith("CapEff:"))
    return bool(eff & (1 << n))


@pytest.mark.parametrize("score", [
    # lowering it needs CAP_SYS_RESOURCE, which this host's root may lack
    pytest.param(-500, marks=pytest.mark.skipif(not _has_cap(24), reason="no CAP_SYS_RESOURCE")),
    0, 123, 1000])
def test_oom_score_adj(ucrun, bundle, score):
    b = bundle()
    b.process["oomScoreAdj"] = score
    assert run_out(ucrun, b, "cat /proc/self/oom_score_adj").strip() == str(score)


@U  # runc 1.2 feature
@pytest.mark.skipif(platform.machine() != "x86_64", reason="LINUX32 shows i686 on x86_64")
@pytest.mark.parametrize("domain,machine", [("LINUX32", "i686"), ("LINUX", "x86_64")])
def test_personality(ucrun, bundle, domain, machine):
    b = bundle()
    b.linux["personality"] = {"domain": domain}
    assert run_out(ucrun, b, "uname -m").strip() == machine


@U  # runc 1.1 has no ioPriority
@pytest.mark.parametrize("cls,prio,want", [
    ("IOPRIO_CLASS_BE", 3, "best-effort: prio 3"),
    ("IOPRIO_CLASS_IDLE", 0, "idle"),
    ("IOPRIO_CLASS_RT", 5, "realtime: prio 5"),
])
def test_io_priority(ucrun, bundle, cls, prio, want):
    b = bundle()
    b.process["ioPriority"] = {"class": cls, "priority": prio}
    assert run_out(ucrun, b, "busybox ionice -p $$").strip() == want


def _sched_of(ucrun, bundle, scheduler):
    b = bundle()
    b.process["scheduler"] = scheduler
    b.args("sleep", "1000")
    pid = ucrun.create_start(b, "c1")
    try:
        return os.sched_getscheduler(pid), os.getpriority(os.PRIO_PROCESS, pid)
    finally:
        ucrun.remove("c1")


@U  # runc 1.1 has no scheduler
@pytest.mark.parametrize("sched,policy,nice", [
    ({"policy": "SCHED_BATCH", "nice": 5}, os.SCHED_BATCH, 5),
    ({"policy": "SCHED_IDLE"}, os.SCHED_IDLE, 0),
    ({"policy": "SCHED_OTHER", "nice": 10}, os.SCHED_OTHER, 10),
    ({"policy": "SCHED_OTHER", "nice": -5}, os.SCHED_OTHER, -5),
    ({"policy": "SCHED_BATCH", "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
     os.SCHED_BATCH | os.SCHED_RESET_ON_FORK, 0),
])
def test_scheduler(ucrun, bundle, sched, policy, nice):
    assert _sched_of(ucrun, bundle, sched) == (policy, nice)


@U
def test_scheduler_failure_named(ucrun, bundle, root):
    """SCHED_DEADLINE without runtime/deadline/period is refused by the
    kernel; the error names the field."""
    b = bundle()
    b.args("true")
    b.process["scheduler"] = {"policy": "SCHED_DEADLINE"}
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "process.scheduler" in cp.stderr
    assert os.listdir(root) == []


@pytest.mark.parametrize("nnp,want", [(True, "1"), (False, "0")])
def test_no_new_privileges(ucrun, bundle, nnp, want):
    b = bundle()
    b.process["noNewPrivileges"] = nnp
    out = run_out(ucrun, b, "grep NoNewPrivs /proc/self/status")
    assert out.split() == ["NoNewPrivs:", want]


@pytest.mark.needs_ns("time")
@U  # runc 1.1 has no time namespace
def test_time_offsets(ucrun, bundle):
    b = bundle()
    b.set_ns("time")
    b.linux["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 5}, "boottime": {"secs": 172800}}
    out = run_out(ucrun, b, "cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime").splitlines()
    offsets = {line.split()[0]: line.split()[1:] for line in out[:2]}
    assert offsets == {"monotonic": ["86400", "5"], "boottime": ["172800", "0"]}
    with open("/proc/uptime") as f:
        host_uptime = float(f.read().split()[0])
    assert int(out[2]) >= int(host_uptime) + 172800 - 5


@pytest.mark.needs_ns("time")
@U
def test_time_offsets_need_time_namespace(ucrun, bundle, root):
    b = bundle()
    b.args("true")
    b.linux["timeOffsets"] = {"monotonic": {"secs": 10}}
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "linux.timeOffsets" in cp.stderr
    assert os.listdir(root) == []


@U  # domainname: runc 1.2
def test_hostname_domainname(ucrun, bundle):
    b = bundle()
    b.config["hostname"] = "box"
    b.config["domainname"] = "example.net"
    out = run_out(ucrun, b, "hostname; cat /proc/sys/kernel/domainname").split()
    assert out == ["box", "example.net"]
