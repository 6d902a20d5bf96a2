"""The command line: version, help, errors, logging, spec, features."""

import json
import os
import re

import pytest

from support import IS_RUNC, make_rootfs

U = pytest.mark.ucrun_specific

COMMANDS = ["create", "start", "run", "state", "kill", "delete", "list", "exec", "spec", "features"]


def test_version(ucrun):
    cp = ucrun("--version")
    assert "version" in cp.stdout.splitlines()[0]


@U
def test_version_format(ucrun):
    out = ucrun("--version").stdout
    assert re.fullmatch(r"ucrun version \d+\.\d+\.\d+\S*\ncommit: \S+\nspec: 1\.3\.0\n", out), out


def test_help(ucrun):
    cp = ucrun("--help")
    assert cp.stdout.strip()
    for cmd in COMMANDS:
        assert cmd in cp.stdout, cmd


@pytest.mark.parametrize("cmd", COMMANDS)
def test_command_help(ucrun, cmd):
    cp = ucrun(cmd, "--help")
    assert cp.stdout.strip()


def test_unknown_command(ucrun):
    cp = ucrun.fail("frobnicate")
    assert cp.stderr.strip()


@U
def test_no_command(ucrun):
    # runc 1.1 prints its help on stdout and exits 0. ucrun treats a missing
    # command as a usage error (src/cli/main.cpp): the help on stderr, exit 1,
    # so that a script that lost its command does not look successful;
    # --help is the way to ask for it (exit 0, stdout).
    cp = ucrun(check=False)
    assert cp.returncode == 1
    assert cp.stdout == ""
    assert cp.stderr.startswith("Usage: ucrun ")
    cp = ucrun("--help")
    assert cp.returncode == 0
    assert cp.stdout.startswith("Usage: ucrun ")


def test_unknown_flag(ucrun):
    ucrun.fail("state", "--no-such-flag", "x")


def test_unknown_global_flag(ucrun):
    ucrun.fail("--no-such-flag", "list")


@pytest.mark.parametrize("cmd", ["create", "start", "run", "state", "delete", "kill", "exec"])
def test_missing_container_id(ucrun, cmd):
    cp = ucrun.fail(cmd)
    assert cp.stderr.strip()


def test_error_is_one_line(ucrun):
    cp = ucrun.fail("state", "nosuch")
    assert len(cp.stderr.strip().splitlines()) == 1, cp.stderr


def _log_lines(path):
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert lines, "empty log"
    return [json.loads(line) for line in lines]


def test_log_json_on_error(ucrun, tmp_base):
    log = tmp_base / "log.json"
    ucrun.fail("state", "nosuch", global_args=["--log", log, "--log-format", "json"])
    entries = _log_lines(log)
    for e in entries:
        assert {"level", "msg", "time"} <= set(e), e
    assert entries[-1]["level"] == "error"
    assert "does not exist" in entries[-1]["msg"]


def test_log_json_on_config_error(ucrun, bundle, tmp_base, root):
    log = tmp_base / "log.json"
    b = bundle()
    b.set_userns()
    b.linux["uidMappings"][0]["size"] = 0
    ucrun.fail("create", "-b", b, "c1", global_args=["--log", log, "--log-format", "json"])
    entries = _log_lines(log)
    assert entries[-1]["level"] == "error"
    assert os.listdir(root) == []


@U
def test_log_json_names_field(ucrun, bundle, tmp_base):
    log = tmp_base / "log.json"
    b = bundle()
    b.set_userns()
    b.linux["uidMappings"][0]["size"] = 0
    ucrun.fail("create", "-b", b, "c1", global_args=["--log", log, "--log-format", "json"])
    assert "linux.uidMappings[0].size" in _log_lines(log)[-1]["msg"]


def test_log_text_on_error(ucrun, tmp_base):
    log = tmp_base / "log.txt"
    ucrun.fail("state", "nosuch", global_args=["--log", log, "--log-format", "text"])
    text = log.read_text()
    assert "does not exist" in text
    assert "error" in text


def test_log_appends(ucrun, tmp_base):
    log = tmp_base / "log.json"
    for _ in range(2):
        ucrun.fail("state", "nosuch", global_args=["--log", log, "--log-format", "json"])
    assert len([e for e in _log_lines(log) if e["level"] == "error"]) == 2


def test_debug_flag_accepted(ucrun, bundle):
    b = bundle()
    b.args("echo", "dbg")
    cp = ucrun("run", "-b", b, "c1", global_args=["--debug"])
    assert "dbg\n" in cp.stdout


# ---------------------------------------------------------------------------
# spec


def test_spec(ucrun, tmp_base):
    d = tmp_base / "spec"
    d.mkdir()
    ucrun("spec", "-b", d)
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["ociVersion"]
    assert cfg["root"]["path"] == "rootfs"
    assert cfg["process"]["args"]
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert {"pid", "network", "ipc", "uts", "mount"} <= types
    assert "user" not in types
    assert any(m["destination"] == "/proc" for m in cfg["mounts"])


@U
def test_spec_version(ucrun, tmp_base):
    d = tmp_base / "spec"
    d.mkdir()
    ucrun("spec", "--bundle", d)
    assert json.loads((d / "config.json").read_text())["ociVersion"] == "1.3.0"


def test_spec_refuses_to_overwrite(ucrun, tmp_base):
    d = tmp_base / "spec"
    d.mkdir()
    (d / "config.json").write_text("keep")
    ucrun.fail("spec", "-b", d)
    assert (d / "config.json").read_text() == "keep"


def test_spec_rootless(ucrun, tmp_base):
    d = tmp_base / "spec"
    d.mkdir()
    ucrun("spec", "--rootless", "-b", d)
    cfg = json.loads((d / "config.json").read_text())
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert "user" in types
    assert cfg["linux"]["uidMappings"][0]["hostID"] == os.getuid()
    assert cfg["linux"]["gidMappings"][0]["hostID"] == os.getgid()


@pytest.mark.parametrize("rootless", [False, True])
def test_spec_is_runnable(ucrun, tmp_base, rootless):
    d = tmp_base / "spec"
    d.mkdir()
    os.chmod(d, 0o755)
    make_rootfs(d / "rootfs")
    ucrun("spec", "-b", d, *(["--rootless"] if rootless else []))
    cfg = json.loads((d / "config.json").read_text())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sh", "-c", "echo spec-ok"]
    (d / "config.json").write_text(json.dumps(cfg))
    # `spec --rootless` maps the caller's own ids; run as root, that is host
    # root, which ucrun maps only on the operator's word (ucrun(8)).
    host_root = rootless and os.getuid() == 0 and not IS_RUNC
    if host_root:
        cp = ucrun.fail("run", "-b", d, "c1")
        assert "linux.uidMappings[0]: maps host root (uid 0)" in cp.stderr
    g = ["--allow-host-root-mapping"] if host_root else []
    assert ucrun("run", "-b", d, "c1", global_args=g).stdout == "spec-ok\n"


# ---------------------------------------------------------------------------
# features


def test_features(ucrun):
    f = json.loads(ucrun("features").stdout)
    assert f["ociVersionMin"].startswith("1.")
    assert f["ociVersionMax"].startswith("1.")
    ns = set(f["linux"]["namespaces"])
    assert {"pid", "network", "ipc", "uts", "mount", "cgroup", "user"} <= ns
    assert "bind" in f["mountOptions"]


@U
def test_features_ucrun(ucrun):
    f = json.loads(ucrun("features").stdout)
    assert f["ociVersionMax"] == "1.3.0"
    if os.path.exists("/proc/self/ns/time"):
        assert "time" in f["linux"]["namespaces"]
