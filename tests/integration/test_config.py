"""The runtime configuration file (issue 12, item 1): which file is read
(--config, UCRUN_CONFIG, /etc/ucrun/ucrun.yaml when present), errors that
name file, line and key, the --userns-* flags over it, --debug saying which
file was used.  The host's /etc/ucrun/ucrun.yaml is never created: every
file here is a temp file."""

import os
from pathlib import Path

import pytest

from support import IS_RUNC, REPO

pytestmark = pytest.mark.skipif(IS_RUNC, reason="ucrun's own configuration file")

DEFAULT = Path("/etc/ucrun/ucrun.yaml")
EXAMPLE = REPO / "contrib" / "ucrun.yaml"

GOOD = """\
# every key, none of them the default
userns:
  remap: "off"
  allocation: shared
  size: 4096
  allow-host: true
"""


def env(**extra):
    """The test's environment without UCRUN_CONFIG, plus `extra`."""
    e = {k: v for k, v in os.environ.items() if k != "UCRUN_CONFIG"}
    e.update(extra)
    return e


def write(tmp_base, name, text):
    p = tmp_base / name
    p.write_text(text)
    return p


def debug_line(stderr):
    lines = [l for l in stderr.splitlines() if "config file:" in l]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("text,where", [
    ("userns:\n  remap: default\n  size: many\n", ":3: userns.size: must be a positive integer"),
    ("userns:\n  remap: default\n\n\n  remapp: x\n", ":5: userns.remapp: unknown key"),
    ("# top\nlogging:\n  level: debug\n", ":2: logging: unknown key"),
    ("userns:\n  allow-host: yes\n", ":2: userns.allow-host: must be true or false"),
    ("userns:\n  size: 1\n  size: 2\n", ":3: userns.size: key given twice"),
    ("userns:\n  remap: default\n\t size: 5\n", ":3: malformed YAML"),
])
def test_bad_config_names_file_line_key(ucrun, tmp_base, text, where):
    bad = write(tmp_base, "bad.yaml", text)
    cp = ucrun.fail("--config", bad, "state", "x", env=env())
    assert f"ucrun: {bad}{where}" in cp.stderr, cp.stderr
    # the config is read before the command: no "does not exist" for x
    assert "does not exist" not in cp.stderr


def test_bad_config_in_json_log(ucrun, tmp_base):
    """The error reaches --log too (containerd shows the last json error)."""
    bad = write(tmp_base, "bad.yaml", "userns:\n  size: 0\n")
    log = tmp_base / "log.json"
    ucrun.fail("--log", log, "--log-format", "json", "--config", bad, "state", "x", env=env())
    assert f"{bad}:2: userns.size: must be a positive integer" in log.read_text()


def test_named_file_must_exist(ucrun, tmp_base):
    missing = tmp_base / "nonexistent.yaml"
    cp = ucrun.fail("state", "x", env=env(UCRUN_CONFIG=str(missing)))
    assert f"config file {missing}: No such file or directory" in cp.stderr
    cp = ucrun.fail("--config", missing, "state", "x", env=env())
    assert f"config file {missing}: No such file or directory" in cp.stderr


def test_not_a_regular_file(ucrun, tmp_base):
    fifo = tmp_base / "fifo.yaml"
    os.mkfifo(fifo)
    cp = ucrun.fail("--config", fifo, "state", "x", env=env(), timeout=10)  # and does not block
    assert f"{fifo}: config file is not a regular file" in cp.stderr


@pytest.mark.skipif(DEFAULT.exists(), reason=f"{DEFAULT} exists on this host")
def test_absent_default_runs_as_today(ucrun, bundle):
    b = bundle()
    b.args("echo", "hello")
    cp = ucrun("--debug", "run", "-b", b, "c1", env=env())
    assert cp.stdout == "hello\n"
    assert debug_line(cp.stderr).endswith(
        f"config file: none ({DEFAULT} absent); userns: remap=off allocation=per-container size=65536 allow-host=false")
    cp = ucrun.fail("state", "x", env=env())
    assert cp.stderr.strip() == "ucrun: container x does not exist"


def test_good_config_runs_container(ucrun, bundle, tmp_base):
    good = write(tmp_base, "good.yaml", GOOD)
    b = bundle()
    b.args("echo", "configured")
    cp = ucrun("--debug", "--config", good, "run", "-b", b, "c1", env=env())
    assert cp.stdout == "configured\n"
    assert debug_line(cp.stderr).endswith(
        f"config file: {good} (from --config); userns: remap=off allocation=shared size=4096 allow-host=true")
    # without --debug, nothing about the file
    cp = ucrun("--config", good, "run", "-b", b, "c2", env=env())
    assert "config file" not in cp.stderr


def test_installed_example_is_valid(ucrun, bundle):
    """contrib/ucrun.yaml (installed as ucrun.yaml.example) loads, and its
    values are the defaults: copying it changes nothing until edited."""
    b = bundle()
    b.args("true")
    cp = ucrun("--debug", "--config", EXAMPLE, "run", "-b", b, "c1", env=env())
    assert debug_line(cp.stderr).endswith(
        "userns: remap=off allocation=per-container size=65536 allow-host=false")


def test_precedence_flag_env_default(ucrun, tmp_base):
    good = write(tmp_base, "good.yaml", GOOD)
    bad = write(tmp_base, "bad.yaml", "userns:\n  size: -1\n")
    # UCRUN_CONFIG is read ...
    cp = ucrun.fail("--debug", "state", "x", env=env(UCRUN_CONFIG=str(good)))
    assert f"config file: {good} (from UCRUN_CONFIG)" in debug_line(cp.stderr)
    cp = ucrun.fail("state", "x", env=env(UCRUN_CONFIG=str(bad)))
    assert f"{bad}:2: userns.size" in cp.stderr
    # ... unless --config names another file
    cp = ucrun.fail("--debug", "--config", good, "state", "x", env=env(UCRUN_CONFIG=str(bad)))
    assert f"config file: {good} (from --config)" in debug_line(cp.stderr)
    assert cp.stderr.strip().endswith("ucrun: container x does not exist")


def test_flags_override_the_file(ucrun, tmp_base):
    good = write(tmp_base, "good.yaml", GOOD)
    cp = ucrun.fail("--debug", "--config", good, "--userns-remap=alice:staff", "--userns-allocation",
                    "per-container", "--userns-size=131072", "--userns-allow-host=false", "state", "x", env=env())
    assert debug_line(cp.stderr).endswith(
        "userns: remap=alice:staff allocation=per-container size=131072 allow-host=false")
    # one flag over a file from UCRUN_CONFIG: the other settings stay
    cp = ucrun.fail("--debug", "--userns-remap", "default", "state", "x",
                    env=env(UCRUN_CONFIG=str(good)))
    assert debug_line(cp.stderr).endswith("remap=default allocation=shared size=4096 allow-host=true")


@pytest.mark.parametrize("flag,msg", [
    ("--userns-size=0", "--userns-size: must be a positive integer"),
    ("--userns-size=1073741825", "--userns-size: must be a positive integer"),
    ("--userns-allow-host=yes", "--userns-allow-host: must be true or false"),
    ("--userns-allocation=private", "--userns-allocation: must be per-container or shared"),
    ("--userns-remap=a:b:c", "--userns-remap: must be off, default or USER[:GROUP]"),
    ("--userns-remap=../x", "--userns-remap: must be off, default or USER[:GROUP]"),
])
def test_bad_flag_values(ucrun, flag, msg):
    cp = ucrun.fail(flag, "state", "x", env=env())
    assert msg in cp.stderr
