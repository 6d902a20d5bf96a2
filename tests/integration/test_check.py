"""`ucrun check`: the audit of a bundle's config.json against the host.

The real binary on real bundles: one bundle per finding (exit status, the
text line and the JSON object naming the config.json path), a hardened bundle
that passes (and really runs), and errors (exit 2).  `check` only reads:
the --root must stay empty and the fixtures' leak checks (processes, host
mounts) hold after every test.
"""

import json
import os

import pytest

from support import REPO, state_left

EXIT_OK, EXIT_HIGH, EXIT_ERROR = 0, 1, 2


def check(ucrun, root, b, *flags):
    cp = ucrun("check", "--bundle", b, *flags, check=False)
    assert os.listdir(root) == [], "check created state under --root"
    return cp


def report(ucrun, root, b):
    """(exit status, JSON report, text report) of the bundle."""
    cp = check(ucrun, root, b, "--format", "json")
    assert cp.returncode in (EXIT_OK, EXIT_HIGH), cp.stderr
    doc = json.loads(cp.stdout)
    text = check(ucrun, root, b)
    assert text.returncode == cp.returncode
    return cp.returncode, doc, text.stdout


def finding(doc, id, path=None):
    for f in doc["findings"]:
        if f["id"] == id and (path is None or f["path"] == path):
            return f
    return None


def hardened(bundle):
    """User namespace with an unprivileged mapping, a small seccomp profile,
    masked and read-only paths (the default config's), noNewPrivileges and
    no dangerous capability."""
    b = bundle(userns=True)
    # A small deny list of what container escapes use (allow by default:
    # reported "low", never medium or high).
    b.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["keyctl", "add_key", "request_key", "ptrace", "bpf", "perf_event_open",
                                "kexec_load", "init_module", "finit_module", "delete_module",
                                "open_by_handle_at", "userfaultfd"],
                      "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    b.linux["cgroupsPath"] = f"/{b.path.parent.name}-{b.path.name}"  # not shared with concurrent runs
    b.args("true")
    return b


def test_hardened_bundle_passes_and_runs(ucrun, root, bundle):
    b = hardened(bundle)
    status, doc, text = report(ucrun, root, b)
    assert status == EXIT_OK, text
    assert all(f["severity"] in ("low", "info") for f in doc["findings"]), doc
    assert doc["summary"]["high"] == 0 and doc["summary"]["medium"] == 0
    assert text.splitlines()[-1] == doc["summary"]["text"]
    # It is a real bundle, not only one that satisfies the audit.
    ucrun("run", "--bundle", b, "hardened-ok")
    assert state_left(root) == []


def test_no_user_namespace_is_high(ucrun, root, bundle):
    b = bundle()  # runc spec's default: no user namespace
    status, doc, text = report(ucrun, root, b)
    assert status == EXIT_HIGH
    f = doc["findings"][0]
    assert (f["severity"], f["id"], f["path"]) == ("high", "no-userns", "linux.namespaces")
    assert text.splitlines()[0].startswith("HIGH   linux.namespaces: no user namespace")


def test_host_root_mapped(ucrun, root, bundle):
    b = bundle(userns=True)
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 1000},
                              {"containerID": 1000, "hostID": 0, "size": 1}]
    status, doc, text = report(ucrun, root, b)
    assert status == EXIT_HIGH
    f = finding(doc, "host-root-mapped")
    assert f["path"] == "linux.uidMappings[1]" and f["severity"] == "high"
    assert "HIGH   linux.uidMappings[1]: maps host root (uid 0)" in text


def test_writable_host_binds_worst_first(ucrun, root, bundle, tmp_base):
    b = hardened(bundle)
    link = tmp_base / "innocent"
    os.symlink("/etc", link)
    base = len(b.config["mounts"])
    b.bind(tmp_base / ".." / ".." / "home", "/h")      # base+0: /home via ".."
    b.bind(link, "/e")                                  # base+1: /etc via a symlink
    b.bind("/", "/host", "ro")                          # base+2: rbind of /, read-only
    b.bind("/etc", "/etc2", "ro")                       # base+3: /etc read-only
    status, doc, text = report(ucrun, root, b)
    assert status == EXIT_HIGH
    mounts = [(f["path"], f["id"], f["severity"]) for f in doc["findings"] if f["path"].startswith("mounts[")]
    assert mounts == [
        (f"mounts[{base + 2}]", "host-root-rbind", "high"),
        (f"mounts[{base + 1}]", "host-path-rw", "high"),
        (f"mounts[{base + 3}]", "host-path-ro", "medium"),
        (f"mounts[{base + 0}]", "host-path-rw", "medium"),
    ]
    assert f'HIGH   mounts[{base + 1}]: "{link}" ("/etc") bind-mounted read-write from the host' in text


def test_engine_socket_and_device_node(ucrun, root, bundle, tmp_base):
    b = hardened(bundle)
    dev = tmp_base / "null-twin"
    os.mknod(dev, 0o600 | 0o020000, os.makedev(1, 3))
    base = len(b.config["mounts"])
    b.add_mount("/run/docker.sock", "bind", "/var/run/docker.sock", ["bind", "ro"])
    b.add_mount("/null", "bind", dev, ["bind"])
    status, doc, _ = report(ucrun, root, b)
    assert status == EXIT_HIGH
    sock = finding(doc, "host-path-ro", f"mounts[{base}]")
    assert sock["severity"] == "high" and "docker" in sock["message"]
    assert finding(doc, "host-device-rw", f"mounts[{base + 1}]")["severity"] == "high"


def test_dangerous_capabilities(ucrun, root, bundle):
    b = bundle()
    b.process["capabilities"]["bounding"] += ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]
    _, doc, text = report(ucrun, root, b)
    admin = finding(doc, "dangerous-cap", "process.capabilities.bounding[3]")
    assert admin["severity"] == "high" and "CAP_SYS_ADMIN" in admin["message"]
    assert finding(doc, "dangerous-cap", "process.capabilities.bounding[4]")["severity"] == "medium"
    # In a user namespace the same capability is confined: not high.
    b = hardened(bundle)
    b.process["capabilities"]["effective"] += ["CAP_SYS_ADMIN"]
    status, doc, _ = report(ucrun, root, b)
    assert status == EXIT_OK
    assert finding(doc, "dangerous-cap", "process.capabilities.effective[3]")["severity"] == "medium"


def test_host_namespaces(ucrun, root, bundle):
    b = hardened(bundle)
    b.drop_ns("pid")
    b.set_ns("network", f"/proc/{os.getpid()}/ns/net")  # the host's own (this test's): sharing it
    b.drop_ns("ipc")
    status, doc, text = report(ucrun, root, b)
    assert status == EXIT_HIGH
    assert finding(doc, "host-pid-ns", "linux.namespaces")["severity"] == "high"
    idx = [n["type"] for n in b.namespaces()].index("network")
    assert finding(doc, "host-network-ns", f"linux.namespaces[{idx}].path")["severity"] == "high"
    assert finding(doc, "host-ipc-ns")["severity"] == "medium"
    assert "MEDIUM linux.namespaces: host ipc namespace" in text


def test_missing_hardening(ucrun, root, bundle):
    b = hardened(bundle)
    del b.linux["seccomp"]
    del b.linux["maskedPaths"]
    b.linux["readonlyPaths"] = []
    b.process["noNewPrivileges"] = False
    status, doc, _ = report(ucrun, root, b)
    assert status == EXIT_OK  # nothing high
    got = {f["id"]: (f["severity"], f["path"]) for f in doc["findings"]}
    assert got["no-seccomp"] == ("medium", "linux.seccomp")
    assert got["no-masked-paths"] == ("medium", "linux.maskedPaths")
    assert got["no-readonly-paths"] == ("medium", "linux.readonlyPaths")
    assert got["no-new-privileges-off"] == ("low", "process.noNewPrivileges")
    assert got["no-lsm-label"][0] == "info"
    sev = [f["severity"] for f in doc["findings"]]
    order = ["high", "medium", "low", "info"]
    assert sev == sorted(sev, key=order.index)


def test_devices_sysfs_cgroup_sysctl(ucrun, root, bundle):
    b = bundle()
    b.linux["resources"]["devices"] = [{"allow": False, "access": "rwm"}, {"allow": True, "access": "rwm"}]
    for m in b.config["mounts"]:
        if m["type"] in ("sysfs", "cgroup"):
            m["options"] = [o for o in m["options"] if o != "ro"]
    b.linux["sysctl"] = {"kernel.panic": "1"}
    status, doc, _ = report(ucrun, root, b)
    assert status == EXIT_HIGH
    assert finding(doc, "devices-allow-all", "linux.resources.devices[1]")["severity"] == "high"
    assert finding(doc, "sysfs-rw")["severity"] == "high"
    assert finding(doc, "cgroup-rw")["severity"] == "medium"
    assert finding(doc, "sysctl-host", 'linux.sysctl["kernel.panic"]')["severity"] == "high"


def test_invalid_config_is_the_create_error(ucrun, root, bundle):
    b = bundle(userns=True)
    b.linux["uidMappings"][0]["size"] = 0
    cp = check(ucrun, root, b)
    assert cp.returncode == EXIT_ERROR
    assert "linux.uidMappings[0].size" in cp.stderr and cp.stdout == ""
    create = ucrun("create", "--bundle", b, "never", check=False)
    assert create.returncode != 0 and "linux.uidMappings[0].size" in create.stderr
    assert state_left(root) == []


@pytest.mark.parametrize("args", [["--format", "yaml"], ["--no-such-flag"], ["extra-arg"]])
def test_usage_errors_exit_2(ucrun, root, bundle, args):
    b = hardened(bundle)
    assert check(ucrun, root, b, *args).returncode == EXIT_ERROR


def test_missing_config_exit_2(ucrun, root, bundle):
    b = bundle()
    b.config = None
    cp = check(ucrun, root, b)
    assert cp.returncode == EXIT_ERROR and "config.json" in cp.stderr


def test_help_man_and_completions_know_check(ucrun):
    assert any(line.split()[:1] == ["check"] for line in ucrun("--help").stdout.splitlines())
    assert "--format" in ucrun("check", "--help").stdout
    assert (REPO / "man" / "ucrun-check.8").is_file()
    assert "\n.B check\n" in (REPO / "man" / "ucrun.8").read_text()
    bash = (REPO / "contrib" / "completions" / "bash" / "ucrun").read_text()
    assert " check\"" in bash and "check)" in bash
    assert "'check:" in (REPO / "contrib" / "completions" / "zsh" / "_ucrun").read_text()


def test_source_resolving_to_a_name_that_is_not_utf8(ucrun, root, bundle, tmp_base):
    """config.json is UTF-8, but a symlink in it may lead anywhere: the JSON
    report replaces what is not UTF-8 instead of failing, and no control
    byte of the name reaches a terminal."""
    target = os.fsencode(tmp_base) + b"/null-\xff\x1b[31m"
    os.mknod(target, 0o600 | 0o020000, os.makedev(1, 3))
    os.symlink(target, tmp_base / "odd")
    b = hardened(bundle)
    b.add_mount("/odd", "bind", tmp_base / "odd", ["bind"])
    status, doc, text = report(ucrun, root, b)
    assert status == EXIT_HIGH
    f = finding(doc, "host-device-rw")
    assert "null-\ufffd\\x1b[31m" in f["message"], f
    assert "\x1b" not in text


def test_relative_sources_are_judged_from_the_bundle(ucrun, root, bundle):
    b = hardened(bundle)
    base = len(b.config["mounts"])
    b.add_mount("/a", "bind", "etc", ["bind"])                                 # <bundle>/etc: not the host's
    b.add_mount("/b", "bind", "rootfs/" + "../" * 40 + "etc", ["bind"])        # climbs to the host's /etc
    b.add_mount("/c", "bind", "/missing-" + b.path.name + "/../etc", ["bind"])  # does not exist: folded
    status, doc, text = report(ucrun, root, b)
    assert status == EXIT_HIGH
    paths = {f["path"] for f in doc["findings"] if f["id"] == "host-path-rw"}
    assert paths == {f"mounts[{base + 1}]", f"mounts[{base + 2}]"}, text
    assert f'"rootfs/../' in text and '("/etc") bind-mounted read-write' in text


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_config_that_is_no_regular_file_exit_2(ucrun, root, bundle, kind):
    """A FIFO would block check and /dev/zero would be read forever."""
    b = bundle()
    b.config = None
    if kind == "fifo":
        os.mkfifo(b.config_path)
    else:
        os.symlink("/dev/zero", b.config_path)
    cp = ucrun("check", "--bundle", b.path, check=False, timeout=10)
    assert cp.returncode == EXIT_ERROR
    assert "is not a regular file" in cp.stderr
