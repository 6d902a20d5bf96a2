"""`features` (features.md, features-linux.md) and `spec` (runc's default
config.json): the documents are valid against the spec's JSON schemas, and
what `features` lists is what the runtime actually does.

Schema validation needs python3-jsonschema (Debian package) and the spec's
schemas: tests/oci-schema (v1.3.0), or UCRUN_SPEC_DIR's schema/ when set;
the tests that need them are skipped without python3-jsonschema.
"""

import json
import os
import subprocess
import sys

import pytest

from support import GLOBAL_ARGS, UCRUN_BIN, make_rootfs, schema_validator

U = pytest.mark.ucrun_specific

HOOKS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]


@pytest.fixture(scope="module")
def features():
    """`features`, run once for the module (it needs no --root)."""
    cp = subprocess.run([UCRUN_BIN, *GLOBAL_ARGS, "features"], capture_output=True, text=True, timeout=30,
                        check=True)
    return json.loads(cp.stdout)


def assert_valid(validator, doc):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


# ---------------------------------------------------------------------------
# features


def test_features_schema(features):
    assert_valid(schema_validator("features-schema.json"), features)


def test_features_json_output(ucrun):
    cp = ucrun("features")
    assert cp.stderr == ""
    json.loads(cp.stdout)


def test_features_hooks(features):
    assert features["hooks"] == HOOKS


@U
def test_features_versions(features):
    assert features["ociVersionMin"] == "1.0.0"
    assert features["ociVersionMax"] == "1.3.0"


@U
def test_features_namespaces(features):
    ns = features["linux"]["namespaces"]
    assert ns == sorted(ns)
    want = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"}
    if os.path.exists("/proc/self/ns/time"):
        want.add("time")
    assert want <= set(ns)


def test_features_seccomp(features):
    sc = features["linux"]["seccomp"]
    assert sc["enabled"] is True
    assert "SCMP_ACT_NOTIFY" in sc["actions"]
    assert {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
            "SCMP_ACT_TRACE", "SCMP_ACT_LOG"} <= set(sc["actions"])
    assert set(sc["operators"]) == {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
                                    "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}
    assert "SCMP_ARCH_X86_64" in sc["archs"] or os.uname().machine != "x86_64"
    assert features["annotations"]["io.github.seccomp.libseccomp.version"]


@U
def test_features_seccomp_flags(features):
    sc = features["linux"]["seccomp"]
    assert sc["knownFlags"] == ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    assert set(sc["supportedFlags"]) <= set(sc["knownFlags"])
    assert "SECCOMP_FILTER_FLAG_TSYNC" in sc["supportedFlags"]


@U
def test_features_idmap_and_mount_options(features):
    assert features["linux"]["mountExtensions"]["idmap"]["enabled"] is True
    opts = features["mountOptions"]
    assert opts == sorted(opts)
    assert {"bind", "rbind", "ro", "rro", "nosuid", "idmap", "ridmap", "tmpcopyup"} <= set(opts)


def test_features_cgroup(features):
    cg = features["linux"]["cgroup"]
    assert cg["v1"] is True and cg["v2"] is True


# What features lists, the runtime accepts and applies ------------------------


def _run_seccomp(ucrun, bundle, seccomp, cid="c1"):
    b = bundle()
    b.config["linux"]["cgroupsPath"] = f"/{b.path.parent.name}-{b.path.name}"
    b.config["linux"]["seccomp"] = seccomp
    b.args("echo", "ok")
    return ucrun("run", "-b", b, cid)


def test_features_seccomp_actions_work(ucrun, bundle, features):
    # each action on a syscall busybox `echo` never makes (acct)
    for action in features["linux"]["seccomp"]["actions"]:
        if action == "SCMP_ACT_NOTIFY":
            continue  # needs an agent: test_seccomp.py
        cp = _run_seccomp(ucrun, bundle, {"defaultAction": "SCMP_ACT_ALLOW",
                                          "syscalls": [{"names": ["acct"], "action": action}]})
        assert cp.stdout == "ok\n", action


def test_features_seccomp_operators_work(ucrun, bundle, features):
    for op in features["linux"]["seccomp"]["operators"]:
        arg = {"index": 0, "value": 1, "op": op}
        if op == "SCMP_CMP_MASKED_EQ":
            arg["valueTwo"] = 1
        cp = _run_seccomp(ucrun, bundle, {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["acct"], "action": "SCMP_ACT_ERRNO", "args": [arg]}]})
        assert cp.stdout == "ok\n", op


# libseccomp refuses to mix byte orders in one filter (EDOM): on a little
# endian host, the little endian ones (all in one filter)
BIG_ENDIAN = {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
              "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_M68K",
              "SCMP_ARCH_SHEB"}


@pytest.mark.skipif(sys.byteorder != "little", reason="little endian host")
def test_features_seccomp_archs_work(ucrun, bundle, features):
    archs = [a for a in features["linux"]["seccomp"]["archs"] if a not in BIG_ENDIAN]
    cp = _run_seccomp(ucrun, bundle, {"defaultAction": "SCMP_ACT_ALLOW", "architectures": archs,
                                      "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_ERRNO"}]})
    assert cp.stdout == "ok\n"


def test_features_seccomp_flags_work(ucrun, bundle, features):
    for flag in features["linux"]["seccomp"].get("supportedFlags", []):
        if flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV":
            continue  # only with SCMP_ACT_NOTIFY (a listener)
        cp = _run_seccomp(ucrun, bundle, {"defaultAction": "SCMP_ACT_ALLOW", "flags": [flag],
                                          "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_ERRNO"}]})
        assert cp.stdout == "ok\n", flag


def test_features_namespaces_work(ucrun, bundle, features):
    for ns in features["linux"]["namespaces"]:
        if not os.path.exists(f"/proc/self/ns/{'net' if ns == 'network' else ns}"):
            continue
        b = bundle(userns=(ns == "user"))
        b.config["linux"]["cgroupsPath"] = f"/{b.path.parent.name}-{b.path.name}"
        b.set_ns(ns)
        kind = {"network": "net", "mount": "mnt"}.get(ns, ns)
        b.sh(f"readlink /proc/self/ns/{kind}")
        out = ucrun("run", "-b", b, "c1").stdout.strip()
        assert out and out != os.readlink(f"/proc/self/ns/{kind}"), ns


# ---------------------------------------------------------------------------
# spec


def _spec(ucrun, d, *flags):
    d.mkdir(exist_ok=True)
    os.chmod(d, 0o755)
    ucrun("spec", "-b", d, *flags)
    return json.loads((d / "config.json").read_text())


@pytest.mark.parametrize("rootless", [False, True])
def test_spec_schema(ucrun, tmp_base, rootless):
    cfg = _spec(ucrun, tmp_base / "spec", *(["--rootless"] if rootless else []))
    assert_valid(schema_validator("config-schema.json"), cfg)


def test_spec_in_cwd(ucrun, tmp_base):
    d = tmp_base / "cwd"
    d.mkdir()
    cwd = os.getcwd()
    os.chdir(d)
    try:
        ucrun("spec")
    finally:
        os.chdir(cwd)
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["process"]["terminal"] is True  # as runc spec
    assert cfg["process"]["args"] == ["sh"]


def test_spec_refuses_to_overwrite_its_own(ucrun, tmp_base):
    d = tmp_base / "spec"
    _spec(ucrun, d)
    before = (d / "config.json").read_text()
    cp = ucrun.fail("spec", "-b", d)
    assert "exists" in cp.stderr
    assert (d / "config.json").read_text() == before


def test_spec_runs_with_terminal_off(ucrun, tmp_base, root):
    # `spec` output and a rootfs, only process.terminal turned off (the tests
    # have no tty): the default `sh` reads its empty stdin and exits 0
    d = tmp_base / "spec"
    cfg = _spec(ucrun, d)
    make_rootfs(d / "rootfs")
    cfg["process"]["terminal"] = False
    (d / "config.json").write_text(json.dumps(cfg))
    cp = ucrun("run", "-b", d, "c1", input="echo from-stdin\n")
    assert cp.stdout == "from-stdin\n"
    assert os.listdir(root) == []


def test_spec_terminal_needs_console_socket(ucrun, tmp_base, root):
    # as is (terminal true), a detached create needs --console-socket
    d = tmp_base / "spec"
    _spec(ucrun, d)
    make_rootfs(d / "rootfs")
    cp = ucrun.fail("create", "-b", d, "c1")
    assert "console" in cp.stderr
    assert os.listdir(root) == []


# ---------------------------------------------------------------------------
# state documents (runtime.md "State") against the schema


def test_state_schema(ucrun, bundle, tmp_base):
    v = schema_validator("state-schema.json")
    b = bundle()
    b.config["linux"]["cgroupsPath"] = f"/{tmp_base.name}-{b.path.name}"
    b.config["annotations"] = {"org.example": "x"}
    b.args("sleep", "100")
    ucrun("create", "-b", b, "c1")
    assert_valid(v, ucrun.state("c1"))
    ucrun("start", "c1")
    assert_valid(v, ucrun.state("c1"))
    ucrun("kill", "c1", "KILL")
    ucrun.wait_status("c1", "stopped")
    assert_valid(v, ucrun.state("c1"))
    ucrun("delete", "c1")


def test_hook_states_schema(ucrun, bundle, tmp_base):
    v = schema_validator("state-schema.json")
    out = tmp_base / "states"
    out.mkdir()
    script = tmp_base / "h.sh"
    script.write_text('#!/bin/sh\ncat > "$1"\n')
    os.chmod(script, 0o755)
    b = bundle()
    b.config["linux"]["cgroupsPath"] = f"/{tmp_base.name}-{b.path.name}"
    b.args("true")
    b.config["hooks"] = {k: [{"path": str(script), "args": ["h.sh", str(out / k)]}]
                         for k in HOOKS if k != "startContainer"}
    ucrun("run", "-b", b, "c1")
    for k in HOOKS:
        if k != "startContainer":
            assert_valid(v, json.loads((out / k).read_text()))
