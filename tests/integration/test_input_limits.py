"""Hostile input is refused, never silently changed (issue 11, items 5-8):
NUL bytes in strings, JSON nested deeper than 10000 levels, oversized
strings, uids and gids above 2147483647, host root mapped into a user
namespace, unknown mount options on bind mounts.

Every case: non-zero exit, the error names the config.json field, the
process never ran (a marker it would write stays absent) and nothing is left
(state, mounts, processes)."""

import json
import os
import subprocess
import sys

import pytest

from test_bad_input import NOTHING, leftovers

U = pytest.mark.ucrun_specific

NUL = "\u0000"
ID_RANGE = "uids and gids must be in range 0-2147483647"


def marked_bundle(bundle, tmp_base, script="touch /out/ran"):
    """A bundle whose process leaves /out/ran on the host when it runs."""
    out = tmp_base / "out"
    out.mkdir(exist_ok=True)
    b = bundle()
    b.bind(out, "/out")
    b.sh(script)
    return b, out


def refused_run(ucrun, root, b, out, needle):
    """`run` (which would run the process) fails naming `needle`; the process
    never ran and nothing is left."""
    cp = ucrun.fail("run", "-b", b, "c1")
    assert needle in cp.stderr, cp.stderr
    assert os.listdir(out) == [], "the process ran"
    assert leftovers(root, b) == NOTHING
    return cp


# NUL bytes -------------------------------------------------------------------


def _set_args(b):
    b.args("sh", "-c", "touch /out/ran" + NUL + "x")


def _set_env(b):
    b.process["env"].append("A=1" + NUL + "LD_PRELOAD=/evil")


def _set_cwd(b):
    b.process["cwd"] = "/" + NUL + "x"


def _set_mount_destination(b):
    b.add_mount("/tmp" + NUL + "/evil", "tmpfs", "tmpfs")


def _set_mount_option(b):
    b.add_mount("/tmp", "tmpfs", "tmpfs", ["nosuid", "mode=755" + NUL + "x"])


def _set_mount_source(b):
    b.config["mounts"][-1]["source"] += NUL + "x"


def _set_hostname(b):
    b.config["hostname"] = "a" + NUL + "b"


def _set_annotation_key(b):
    b.config["annotations"] = {"k" + NUL: "v"}


def _set_annotation_value(b):
    b.config["annotations"] = {"k": "v" + NUL}


def _set_hook(b):
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/true", "args": ["true", "x" + NUL]}]}


def _set_sysctl_key(b):
    b.linux["sysctl"] = {"kernel.shmmax" + NUL + "x": "1"}


NUL_CASES = [
    ("args", _set_args, "process.args[2]"),
    ("env", _set_env, "process.env[2]"),
    ("cwd", _set_cwd, "process.cwd"),
    ("mount-destination", _set_mount_destination, "mounts[8].destination"),
    ("mount-source", _set_mount_source, "mounts[7].source"),
    ("mount-option", _set_mount_option, "mounts[8].options[1]"),
    ("hostname", _set_hostname, "hostname"),
    ("annotation-key", _set_annotation_key, 'annotations["k\\x00"]: key'),
    ("annotation-value", _set_annotation_value, 'annotations["k"]'),
    ("hook-arg", _set_hook, "hooks.createRuntime[0].args[1]"),
    ("sysctl-key", _set_sysctl_key, 'linux.sysctl["kernel.shmmax\\x00x"]: key'),
]


@U
@pytest.mark.parametrize("mutate,path", [pytest.param(m, p, id=i) for i, m, p in NUL_CASES])
def test_nul_byte_refused(ucrun, bundle, root, tmp_base, mutate, path):
    b, out = marked_bundle(bundle, tmp_base)
    mutate(b)
    sep = " " if path.endswith(": key") else ": "  # a map key: '...["k\x00"]: key must not ...'
    refused_run(ucrun, root, b, out, f"config.json: {path}{sep}must not contain a NUL byte")


# nesting depth ---------------------------------------------------------------


def peak_rss_kib(argv):
    """Run argv under a fresh python and return (returncode, stderr, the
    peak RSS in KiB of the command, from getrusage of its children)."""
    wrapper = ("import resource, subprocess, sys\n"
               "cp = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
               "sys.stderr.buffer.write(cp.stderr)\n"
               "print(cp.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    cp = subprocess.run([sys.executable, "-c", wrapper, *argv], capture_output=True, text=True, timeout=120)
    rc, rss = cp.stdout.split()
    return int(rc), cp.stderr, int(rss)


DEPTH = "nested deeper than the limit of 10000 levels"


@U
def test_deep_nesting_refused_with_little_memory(ucrun, bundle, root):
    """3 million levels of arrays (6 MB of text) are refused before a DOM is
    built: runc's limit of 10000, and well under 200 MB of memory (the DOM
    would cost gigabytes)."""
    b = bundle()
    b.raw = "[" * 3_000_000 + "]" * 3_000_000
    b.write()
    rc, err, rss = peak_rss_kib(ucrun.argv(["create", "-b", b, "c1"]))
    assert rc != 0 and rc > 0, (rc, err)
    assert f"config.json: invalid JSON: {DEPTH}" in err
    assert rss < 200 * 1024, f"peak RSS {rss} KiB"
    assert leftovers(root, b) == NOTHING


@U
def test_deep_unknown_key_in_hooks_refused(ucrun, bundle, root):
    """An unknown key nested 100000 deep in hooks (copied into the state
    record) crashed create with SIGSEGV: now refused by the depth limit."""
    b = bundle()
    b.args("true")
    text = json.dumps(b.config)
    deep = '{"x":' * 100_000 + "1" + "}" * 100_000
    b.raw = text[:-1] + ', "hooks": {"x-unknown": ' + deep + "}}"
    cp = ucrun.fail("create", "-b", b, "c1")
    assert cp.returncode == 1, cp.returncode
    assert DEPTH in cp.stderr
    assert leftovers(root, b) == NOTHING


def test_nesting_within_the_limit_accepted(ucrun, bundle, root):
    """9999 levels (an unknown key in hooks, kept in the state record and
    written out again) are within the limit: the container runs."""
    b = bundle()
    b.args("echo", "deep-ok")
    text = json.dumps(b.config)
    deep = "[" * 9990 + "]" * 9990
    b.raw = text[:-1] + ', "hooks": {"x-unknown": ' + deep + "}}"
    ucrun("create", "-b", b, "c1")
    assert ucrun.status("c1") == "created"
    ucrun("delete", "--force", "c1")


@U
def test_deep_nesting_refused_by_exec_and_update(ucrun, bundle, root, tmp_base):
    """exec --process and update --resources parse with the same guard."""
    b = bundle()
    b.args("sleep", "60")
    ucrun.create_start(b, "c1")
    deep = tmp_base / "deep.json"
    deep.write_text("[" * 20000 + "]" * 20000)
    cp = ucrun.fail("exec", "--process", deep, "c1")
    assert f"{deep}: invalid JSON: {DEPTH}" in cp.stderr
    cp = ucrun.fail("update", "--resources", deep, "c1")
    assert f"{deep}: invalid JSON: {DEPTH}" in cp.stderr
    assert ucrun.status("c1") == "running"
    ucrun.remove("c1")


# oversized strings -----------------------------------------------------------


@U
def test_one_megabyte_hostname_refused(ucrun, bundle, root, tmp_base):
    b, out = marked_bundle(bundle, tmp_base)
    b.config["hostname"] = "h" * (1 << 20)
    cp = refused_run(ucrun, root, b, out, "config.json: hostname: must be at most 64 bytes")
    assert len(cp.stderr) < 500, "the value is echoed"


def test_sixty_four_byte_hostname_accepted(ucrun, bundle, root):
    b = bundle()
    b.config["hostname"] = "h" * 64
    b.args("hostname")
    cp = ucrun("run", "-b", b, "c1")
    assert cp.stdout.strip() == "h" * 64


@U
@pytest.mark.parametrize("field,value,needle", [
    ("env", "A=" + "x" * 200_000, "config.json: process.env[2]: must be at most 131071 bytes"),
    ("args", "x" * 131_072, "config.json: process.args[3]: must be at most 131071 bytes"),
    ("args0", "/" + "a" * 100_000, "config.json: process.args[0]: must be at most 4095 bytes"),
    ("domainname", "d" * 65, "config.json: domainname: must be at most 64 bytes"),
    ("mount-option", "size=" + "1" * 300, "config.json: mounts[8].options[0]: filesystem option"),
    ("rlimit-type", "R" * 128 * 1024, "config.json: process.rlimits[0].type: unknown rlimit type"),
], ids=["env", "args", "args0", "domainname", "mount-option", "rlimit-type"])
def test_oversized_string_refused(ucrun, bundle, root, tmp_base, field, value, needle):
    b, out = marked_bundle(bundle, tmp_base)
    if field == "env":
        b.process["env"].append(value)
    elif field == "args":
        b.process["args"].append(value)
    elif field == "args0":
        b.process["args"][0] = value
    elif field == "domainname":
        b.config["domainname"] = value
    elif field == "mount-option":
        b.add_mount("/tmp", "tmpfs", "tmpfs", [value])
    else:
        b.process["rlimits"] = [{"type": value, "soft": 1, "hard": 1}]
    cp = refused_run(ucrun, root, b, out, needle)
    assert len(cp.stderr) < 500, "the value is echoed"


# uids and gids ---------------------------------------------------------------


@pytest.mark.parametrize("field,value,path", [
    ("uid", 4294967295, "process.user.uid"),
    ("gid", 4294967295, "process.user.gid"),
    ("uid", 2147483648, "process.user.uid"),
    ("additionalGids", [0, 4294967295], "process.user.additionalGids[1]"),
])
def test_id_above_int32_refused(ucrun, bundle, root, tmp_base, field, value, path):
    """(uid_t)-1 means "unchanged" to setresuid: the process would run as
    root."""
    b, out = marked_bundle(bundle, tmp_base)
    b.process["user"][field] = value
    cp = ucrun.fail("run", "-b", b, "c1")
    assert ID_RANGE in cp.stderr
    assert os.listdir(out) == [], "the process ran"
    assert leftovers(root, b) == NOTHING


@U
def test_id_above_int32_message_names_field(ucrun, bundle, root):
    b = bundle()
    b.process["user"]["uid"] = 4294967295
    cp = ucrun.fail("create", "-b", b, "c1")
    assert f"config.json: process.user.uid: {ID_RANGE}" in cp.stderr
    assert leftovers(root, b) == NOTHING


@pytest.mark.parametrize("user", ["4294967295:4294967295", "4294967295", "0:4294967295", "2147483648:0"])
def test_exec_user_above_int32_refused(ucrun, bundle, root, tmp_base, user):
    b, out = marked_bundle(bundle, tmp_base, "sleep 60")
    ucrun.create_start(b, "c1")
    cp = ucrun.fail("exec", "--user", user, "c1", "sh", "-c", "touch /out/exec-ran")
    assert ID_RANGE in cp.stderr
    assert os.listdir(out) == [], "the exec'd process ran"
    ucrun.remove("c1")


@U
def test_exec_process_uid_above_int32_refused(ucrun, bundle, root, tmp_base):
    b, out = marked_bundle(bundle, tmp_base, "sleep 60")
    ucrun.create_start(b, "c1")
    proc = tmp_base / "process.json"
    proc.write_text(json.dumps({"cwd": "/", "args": ["sh", "-c", "touch /out/exec-ran"],
                                "user": {"uid": 0, "gid": 0, "additionalGids": [4294967295]}}))
    cp = ucrun.fail("exec", "--process", proc, "c1")
    assert f"{proc}: user.additionalGids[0]: {ID_RANGE}" in cp.stderr
    assert os.listdir(out) == [], "the exec'd process ran"
    ucrun.remove("c1")


# host root in a user namespace -----------------------------------------------


def M(c, h, s):
    return {"containerID": c, "hostID": h, "size": s}


HOST_ROOT_CASES = [
    ("uid-root-to-root", [M(0, 0, 65536)], None, "linux.uidMappings[0]: maps host root (uid 0)"),
    ("uid-second-range", [M(0, 100000, 1000), M(1000, 0, 1)], None,
     "linux.uidMappings[1]: maps host root (uid 0)"),
    ("gid-root-to-root", None, [M(0, 0, 65536)], "linux.gidMappings[0]: maps host root (gid 0)"),
    ("gid-second-range", None, [M(0, 100000, 1000), M(1000, 0, 1)],
     "linux.gidMappings[1]: maps host root (gid 0)"),
]


@U
@pytest.mark.parametrize("uids,gids,needle", [pytest.param(u, g, n, id=i) for i, u, g, n in HOST_ROOT_CASES])
def test_host_root_mapping_refused(ucrun, bundle, root, tmp_base, uids, gids, needle):
    b, out = marked_bundle(bundle, tmp_base)
    b.set_userns()
    if uids:
        b.linux["uidMappings"] = uids
    if gids:
        b.linux["gidMappings"] = gids
    # The bundle's author cannot opt in for the operator.
    b.config["annotations"] = {"run.ucrun.allow-host-root-mapping": "true"}
    cp = refused_run(ucrun, root, b, out, "config.json: " + needle)
    assert "--allow-host-root-mapping" in cp.stderr


@pytest.mark.parametrize("kind", ["uid", "gid"])
def test_host_root_mapping_with_operator_opt_in(ucrun, bundle, root, kind):
    b = bundle()
    b.set_userns()
    b.linux[f"{kind}Mappings"] = [M(0, 0, 1), M(1, 100001, 65535)]
    b.args("cat", f"/proc/self/{kind}_map")
    cp = ucrun("run", "-b", b, "c1", global_args=["--allow-host-root-mapping"])
    rows = [line.split() for line in cp.stdout.strip().splitlines()]
    assert rows == [["0", "0", "1"], ["1", "100001", "65535"]], cp.stdout


# mount options ---------------------------------------------------------------


@U
@pytest.mark.parametrize("type_,options,index", [
    ("none", ["bind", "nosiud"], 1),
    ("bind", ["nosiud"], 0),
    ("bind", ["rbind", "ro", "mode=755"], 2),
])
def test_unknown_bind_mount_option_refused(ucrun, bundle, root, tmp_base, type_, options, index):
    """A typo of nosuid on a bind mount would be dropped at mount time: the
    one parser of mount options refuses it, whichever way the mount is a
    bind."""
    b, out = marked_bundle(bundle, tmp_base)
    src = tmp_base / "src"
    src.mkdir()
    b.mkdir("/data")
    b.add_mount("/data", type_, src, options)
    refused_run(ucrun, root, b, out,
                f"config.json: mounts[8].options[{index}]: unknown mount option \"{options[index]}\" "
                "for a bind mount")


def test_filesystem_options_still_reach_the_filesystem(ucrun, bundle, root):
    """Options the table does not know are a tmpfs's data, as before."""
    b = bundle()
    b.add_mount("/tmp", "tmpfs", "tmpfs", ["nosuid", "mode=1730", "size=64k"])
    b.args("sh", "-c", "stat -c %a /tmp; stat -f -c '%b %S' /tmp")
    cp = ucrun("run", "-b", b, "c1")
    lines = cp.stdout.strip().splitlines()
    assert lines[0] == "1730"
    blocks, size = lines[1].split()
    assert int(blocks) * int(size) == 64 * 1024
