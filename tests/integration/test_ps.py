"""`ps` (runc ps): the container's processes, as a JSON array of host pids
or as `ps` output filtered to them."""

import json

import pytest

from isolation import bundle  # noqa: F401  (a cgroup per bundle)


@pytest.fixture
def running(ucrun, bundle):
    b = bundle()
    b.args("sleep", "1000")
    ucrun("run", "-d", "-b", b, "c1")
    yield ucrun.state("c1")["pid"]
    ucrun("delete", "--force", "c1")


def test_ps_json_lists_init_and_exec(ucrun, running, tmp_base):
    assert json.loads(ucrun("ps", "--format", "json", "c1").stdout) == [running]
    pf = tmp_base / "exec.pid"
    ucrun("exec", "-d", "--pid-file", pf, "c1", "sleep", "999")
    epid = int(pf.read_text())
    pids = json.loads(ucrun("ps", "-f", "json", "c1").stdout)
    assert sorted(pids) == sorted([running, epid])


def test_ps_table_default(ucrun, running):
    lines = ucrun("ps", "c1").stdout.splitlines()
    header = lines[0].split()
    assert "PID" in header and "CMD" in header
    pid_col = header.index("PID")
    rows = [line.split() for line in lines[1:]]
    assert [int(r[pid_col]) for r in rows] == [running]
    assert "sleep 1000" in lines[1]


def test_ps_table_with_args(ucrun, running):
    lines = ucrun("ps", "c1", "-o", "pid,comm").stdout.splitlines()
    assert lines[0].split() == ["PID", "COMMAND"]
    assert [line.split() for line in lines[1:]] == [[str(running), "sleep"]]


def test_ps_table_without_pid_column(ucrun, running):
    cp = ucrun.fail("ps", "c1", "-o", "comm")
    assert "PID" in cp.stderr


def test_ps_invalid_format(ucrun, running):
    cp = ucrun.fail("ps", "--format", "yaml", "c1")
    assert "invalid format" in cp.stderr


def test_ps_unknown_container(ucrun):
    cp = ucrun.fail("ps", "nosuch")
    assert "does not exist" in cp.stderr


@pytest.mark.ucrun_specific  # --cgroup-manager disabled is ours
def test_ps_without_cgroup(ucrun, bundle, tmp_base):
    """No cgroup (--cgroup-manager disabled): the processes of the
    container's pid namespace."""
    b = bundle()
    b.args("sleep", "1000")
    g = ["--cgroup-manager", "disabled"]
    ucrun("run", "-d", "-b", b, "c1", global_args=g)
    try:
        pid = ucrun.state("c1")["pid"]
        pf = tmp_base / "exec.pid"
        ucrun("exec", "-d", "--pid-file", pf, "c1", "sleep", "999", global_args=g)
        pids = json.loads(ucrun("ps", "--format", "json", "c1", global_args=g).stdout)
        assert sorted(pids) == sorted([pid, int(pf.read_text())])
    finally:
        ucrun("delete", "--force", "c1", global_args=g)
