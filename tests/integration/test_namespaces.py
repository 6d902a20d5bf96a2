"""Namespaces (config-linux.md#namespaces): new, inherited, joined by path."""

import os

import pytest

from support import host_has_ns

# spec type -> /proc/<pid>/ns/<link>
LINK = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
        "cgroup": "cgroup", "user": "user", "time": "time"}


def ns_links_inside(ucrun, b, links):
    script = "; ".join(f"readlink /proc/self/ns/{x}" for x in links)
    b.sh(script)
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert len(out) == len(links), out
    return dict(zip(links, out))


@pytest.mark.parametrize("kind", [
    "pid", "network", "ipc", "uts", "mount", "cgroup", "user",
    pytest.param("time", marks=[pytest.mark.needs_ns("time"), pytest.mark.ucrun_specific]),
])
def test_new_namespace(ucrun, bundle, kind):
    b = bundle(userns=(kind == "user"))
    b.set_ns(kind)
    link = LINK[kind]
    inside = ns_links_inside(ucrun, b, [link])[link]
    assert inside.startswith(f"{link}:[")
    assert inside != os.readlink(f"/proc/self/ns/{link}")


def test_default_namespaces_all_new(ucrun, bundle):
    b = bundle()
    links = ["pid", "net", "ipc", "uts", "mnt", "cgroup"]
    inside = ns_links_inside(ucrun, b, links + ["user"])
    for x in links:
        assert inside[x] != os.readlink(f"/proc/self/ns/{x}"), x
    assert inside["user"] == os.readlink("/proc/self/ns/user")


@pytest.mark.parametrize("kind", ["pid", "network", "ipc", "uts", "cgroup"])
def test_inherited_namespace(ucrun, bundle, kind):
    """A type not in the list: the container inherits the runtime's."""
    b = bundle()
    b.drop_ns(kind)
    if kind == "uts":
        del b.config["hostname"]  # no hostname without a UTS namespace
    link = LINK[kind]
    inside = ns_links_inside(ucrun, b, [link])[link]
    assert inside == os.readlink(f"/proc/self/ns/{link}")


def test_pid_namespace_pid1(ucrun, bundle):
    b = bundle()
    b.sh("echo $$; ps -o pid,comm; exit 0")  # no exec of the last command
    out = ucrun("run", "-b", b, "c1").stdout.splitlines()
    assert out[0] == "1"
    procs = dict(line.split() for line in out[2:])  # after the header
    assert procs["1"] == "sh"
    assert all(int(pid) < 10 for pid in procs), procs  # only this container's


def test_network_namespace_only_lo(ucrun, bundle):
    b = bundle()
    b.args("cat", "/proc/net/dev")
    out = ucrun("run", "-b", b, "c1").stdout.splitlines()[2:]
    assert [line.split(":")[0].strip() for line in out] == ["lo"]


def test_hostname(ucrun, bundle):
    host = os.uname().nodename
    b = bundle()
    b.config["hostname"] = "testhost"
    b.args("hostname")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "testhost"
    assert os.uname().nodename == host


@pytest.mark.ucrun_specific  # runc < 1.2 ignores domainname
def test_domainname(ucrun, bundle):
    b = bundle()
    b.config["domainname"] = "example.org"
    b.args("cat", "/proc/sys/kernel/domainname")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "example.org"


def test_join_uts_of_running_container(ucrun, bundle):
    a = bundle()
    a.config["hostname"] = "alpha"
    a.args("sleep", "1000")
    pid_a = ucrun.create_start(a, "a")
    uts_a = os.readlink(f"/proc/{pid_a}/ns/uts")
    assert uts_a != os.readlink("/proc/self/ns/uts")

    b = bundle()
    del b.config["hostname"]
    b.set_ns("uts", f"/proc/{pid_a}/ns/uts")
    b.sh("hostname; readlink /proc/self/ns/uts")
    out = ucrun("run", "-b", b, "b").stdout.split()
    assert out == ["alpha", uts_a]
    ucrun.remove("a")


def test_join_net_and_ipc_of_running_container(ucrun, bundle):
    a = bundle()
    a.args("sleep", "1000")
    pid_a = ucrun.create_start(a, "a")
    b = bundle()
    b.set_ns("network", f"/proc/{pid_a}/ns/net")
    b.set_ns("ipc", f"/proc/{pid_a}/ns/ipc")
    inside = ns_links_inside(ucrun, b, ["net", "ipc", "pid"])
    assert inside["net"] == os.readlink(f"/proc/{pid_a}/ns/net")
    assert inside["ipc"] == os.readlink(f"/proc/{pid_a}/ns/ipc")
    assert inside["pid"] != os.readlink(f"/proc/{pid_a}/ns/pid")
    ucrun.remove("a")


@pytest.mark.parametrize("kind", ["network", "uts", "ipc", "cgroup"])
def test_join_persistent_namespace(ucrun, bundle, persistent_ns, kind):
    link = LINK[kind]
    path = persistent_ns(link)
    want = f"{link}:[{os.stat(path).st_ino}]"
    b = bundle()
    b.set_ns(kind, path)
    inside = ns_links_inside(ucrun, b, [link])[link]
    assert inside == want


def test_join_persistent_uts_keeps_its_hostname(ucrun, bundle, persistent_ns):
    path = persistent_ns("uts", setup="hostname persisted")
    b = bundle()
    del b.config["hostname"]
    b.set_ns("uts", path)
    b.args("hostname")
    assert ucrun("run", "-b", b, "c1").stdout.strip() == "persisted"


def test_join_namespace_of_wrong_type_fails(ucrun, bundle, persistent_ns, root):
    """config-linux.md: MUST generate an error if path is not associated with
    a namespace of type `type`."""
    path = persistent_ns("net")
    b = bundle()
    b.set_ns("uts", path)
    b.args("true")
    ucrun.fail("run", "-b", b, "c1")
    assert os.listdir(root) == []


def test_join_nonexistent_namespace_path_fails(ucrun, bundle, tmp_base, root):
    b = bundle()
    b.set_ns("network", tmp_base / "no-such-ns")
    b.args("true")
    ucrun.fail("run", "-b", b, "c1")
    assert os.listdir(root) == []


@pytest.mark.skipif(not host_has_ns("time"), reason="no time namespace")
@pytest.mark.ucrun_specific
def test_time_namespace_offsets(ucrun, bundle):
    b = bundle()
    b.set_ns("time")
    b.linux["timeOffsets"] = {"boottime": {"secs": 86400 * 1000, "nanosecs": 0}}
    b.args("cat", "/proc/uptime")
    with open("/proc/uptime") as f:
        host = float(f.read().split()[0])
    inside = float(ucrun("run", "-b", b, "c1").stdout.split()[0])
    assert inside - host > 86400 * 999
