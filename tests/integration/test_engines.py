"""A real engine drives ucrun: podman (through conmon) with --runtime, as
engines call runc: create with a pid file and console socket, start, state,
exec, kill, delete. The image is a busybox rootfs imported from a tarball
(no registry).

The remap tests (issue 12 item 6) run the same engines knowing nothing about
user namespaces: only ucrun is told to remap (dockerd runtimeArgs, podman
--runtime-flag, containerd's shim through a wrapper or a ucrun.yaml named by
UCRUN_CONFIG). `remap: default` uses the host's real /etc/subuid and
/etc/subgid: the first run adds the system user `ucrun` and its ranges
there, as dockerd adds `dockremap`."""

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
import tomllib
import uuid
from pathlib import Path

import pytest

from support import BUSYBOX, REPO, UCRUN_BIN

PODMAN = shutil.which("podman")
needs_podman = pytest.mark.skipif(PODMAN is None,
                                  reason="podman is not installed (contrib/install-deps.sh installs it)")

# This sandbox's root lacks CAP_SYS_RESOURCE: podman's default rlimits
# (nofile 1048576) cannot be set by any runtime (runc fails the same way).
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "none"]


# --- the remap (issue 12 item 6): what every engine's container must show

REMAP = pytest.mark.ucrun_specific  # runc has no --userns-remap
# Host /etc is bound at /root/etc: its files belong to host root, which is
# outside the container's user namespace, so they show as the overflow ids
# and root in the container may not write there.
PROBE = ("echo uid=$(id -u); echo etc=$(stat -c %u:%g /root/etc/passwd); "
         "touch /root/etc/{name} 2>/dev/null && echo touch=done || echo touch=refused; "
         "echo map=$(cat /proc/self/uid_map)")


def probe(name):
    """The container's command: prints its uid, the owner of host
    /etc/passwd, whether `touch /root/etc/<name>` worked, its uid_map."""
    return ["sh", "-c", PROBE.format(name=name)]


def check_probe(out, name):
    if os.path.exists(f"/etc/{name}"):  # the container wrote into the host's /etc
        os.unlink(f"/etc/{name}")
        raise AssertionError(f"root in the container created /etc/{name} on the host:\n{out}")
    got = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert got.get("uid") == "0", out
    assert got.get("etc") == "65534:65534", out  # nobody:nogroup
    assert got.get("touch") == "refused", out
    inside, host, count = map(int, got["map"].split())
    assert inside == 0 and host > 0 and count >= 65536, out  # root is an unprivileged host uid
    return host, count


def uid_map_of(pid):
    """The init's uid_map as seen from the host: [(inside, host, count)]."""
    with open(f"/proc/{pid}/uid_map") as f:
        return [tuple(map(int, line.split())) for line in f]


def check_disjoint(pid_a, pid_b):
    """Both inits remapped (one line, root to a non-zero host uid) onto
    host ranges that do not overlap."""
    a, b = uid_map_of(pid_a), uid_map_of(pid_b)
    assert len(a) == 1 and len(b) == 1, (a, b)
    (ia, ha, ca), (ib, hb, cb) = a[0], b[0]
    assert ia == ib == 0 and ha > 0 and hb > 0, (a, b)
    assert ha + ca <= hb or hb + cb <= ha, f"overlapping host ranges {a} {b}"


def allocated(state_root, ids):
    """Which of the containers `ids` of state root `state_root` hold a block
    in ucrun's host-wide allocation registry (keyed by <root>/<id>)."""
    f = Path("/run/ucrun/.userns/allocations.json")
    blocks = json.loads(f.read_text())["allocations"] if f.exists() else {}
    return {i for i in ids if f"{state_root}/{i}" in blocks}


def owner(path):
    st = os.lstat(path)
    return st.st_uid, st.st_gid


@pytest.fixture(scope="module")
def remap_wrapper(tmp_path_factory):
    """contrib/containerd/ucrun-remap (containerd's BinaryName, a podman
    runtime entry), calling the ucrun under test."""
    text = (REPO / "contrib" / "containerd" / "ucrun-remap").read_text()
    assert "exec /usr/local/bin/ucrun " in text
    w = tmp_path_factory.mktemp("wrapper") / "ucrun-remap"
    w.write_text(text.replace("/usr/local/bin/ucrun ", f"{UCRUN_BIN} "))
    w.chmod(0o755)
    return w


def podman(*args, check=True, timeout=120):
    cp = subprocess.run([PODMAN, "--runtime", str(UCRUN_BIN), *args], capture_output=True, text=True,
                        timeout=timeout)
    if check and cp.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: exit {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
    return cp


def _libpod_dirs():
    """podman's own parent cgroups (libpod_parent, libpod_parent/conmon)."""
    import glob
    return set(glob.glob("/sys/fs/cgroup/*/libpod_parent") + glob.glob("/sys/fs/cgroup/*/libpod_parent/conmon"))


def busybox_rootfs(rootfs):
    """The image of every engine here: a static busybox and its applets."""
    for sub in ("bin", "proc", "dev", "sys", "tmp", "etc", "root"):
        (rootfs / sub).mkdir(parents=True)
    shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
    for a in ("sh", "echo", "id", "cat", "sleep", "tty", "hostname", "stat", "touch"):
        (rootfs / "bin" / a).symlink_to("busybox")
    return rootfs


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    before = _libpod_dirs()
    root = tmp_path_factory.mktemp("podman-image")
    rootfs = busybox_rootfs(root / "rootfs")
    tar = root / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(rootfs, arcname=".")
    name = f"localhost/ucrun-it-{uuid.uuid4().hex[:8]}:latest"
    subprocess.run([PODMAN, "import", "-q", str(tar), name], check=True, capture_output=True, timeout=120)
    yield name
    subprocess.run([PODMAN, "rmi", "-f", name], capture_output=True, timeout=120)
    # podman leaves its (empty) parent cgroups; remove the ones it made here,
    # deepest first. The containers' own cgroups are ucrun's, already gone.
    for d in sorted(_libpod_dirs() - before, key=len, reverse=True):
        try:
            os.rmdir(d)
        except OSError:
            pass


@needs_podman
def test_podman_run_output_and_exit_code(image):
    cp = podman("run", "--rm", *LIMITS, image, "sh", "-c", "echo hello from ucrun; exit 3", check=False)
    assert cp.stdout.strip() == "hello from ucrun"
    assert cp.returncode == 3


@needs_podman
def test_podman_user_namespace(image):
    cp = podman("run", "--rm", *LIMITS, "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", image,
                "cat", "/proc/self/uid_map")
    assert cp.stdout.split() == ["0", "100000", "65536"]


@needs_podman
def test_podman_missing_command_is_127(image):
    cp = podman("run", "--rm", *LIMITS, image, "nosuchcmd", check=False)
    assert cp.returncode == 127, cp.stderr  # podman maps runc's wording to 127
    assert "executable file not found" in cp.stderr


@needs_podman
def test_podman_detached_exec_tty_top_stop(image):
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    podman("run", "-d", "--name", name, *LIMITS, image, "sleep", "1000")
    try:
        assert podman("exec", name, "sh", "-c", "echo exec ok").stdout.strip() == "exec ok"
        # exec -t: the pty master reaches conmon through --console-socket
        assert podman("exec", "-t", name, "tty").stdout.strip() == "/dev/pts/0"
        assert "sleep 1000" in podman("top", name).stdout
        podman("stop", "-t", "1", name)
        assert podman("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "exited"
    finally:
        podman("rm", "-f", name, check=False)


@needs_podman
def test_podman_run_with_terminal(image):
    cp = podman("run", "--rm", "-t", *LIMITS, image, "tty")
    assert cp.stdout.strip() == "/dev/pts/0"


# podman hands --runtime-flag to ucrun as a global flag (with "--" put
# before it) on create, start and exec; the cleanup process that conmon
# starts when the container exits runs `ucrun delete` without it, so the
# release of the container's ids must not depend on the flag.
REMAP_FLAG = ("--runtime-flag", "userns-remap=default")
UCRUN_DEFAULT_ROOT = "/run/ucrun"  # podman passes no --root as root


def podman_image_file(image, path):
    """`path` in the image's top layer on the host (overlay driver)."""
    upper = podman("image", "inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", image).stdout.strip()
    return Path(upper) / path.lstrip("/")


@needs_podman
@REMAP
def test_podman_remap(image, tmp_path):
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    cidfile = tmp_path / "cid"
    cp = podman(*REMAP_FLAG, "run", "--rm", "--cidfile", str(cidfile), *LIMITS, "-v", "/etc:/root/etc", image,
                *probe(name))
    check_probe(cp.stdout, name)
    # deleted by podman's cleanup (no --runtime-flag there): its ids are free again
    assert not allocated(UCRUN_DEFAULT_ROOT, [cidfile.read_text().strip()])


@needs_podman
@REMAP
def test_podman_remap_runtime_entry(image, remap_wrapper, tmp_path):
    """contrib/podman/containers-remap.conf: a runtime name that always
    remaps (the wrapper contrib/containerd/ucrun-remap), no flag given."""
    text = (REPO / "contrib" / "podman" / "containers-remap.conf").read_text()
    assert '"/usr/local/bin/ucrun-remap"' in text
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    # installed as its comment says, a drop-in next to the host's containers.conf
    cp = podman_with_dropin(tmp_path, text.replace('"/usr/local/bin/ucrun-remap"', f'"{remap_wrapper}"'),
                            "--runtime", "ucrun-remap", "run", "--rm", *LIMITS, "-v", "/etc:/root/etc", image,
                            *probe(name), name="51-ucrun-remap.conf")
    assert cp.returncode == 0, cp.stderr
    check_probe(cp.stdout, name)


@needs_podman
@REMAP
def test_podman_remap_two_containers_disjoint(image):
    names = [f"ucrun-it-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        ids = [podman(*REMAP_FLAG, "run", "-d", "--name", n, *LIMITS, image, "sleep", "1000").stdout.strip()
               for n in names]
        pids = [int(podman("inspect", "-f", "{{.State.Pid}}", n).stdout) for n in names]
        check_disjoint(*pids)
        assert allocated(UCRUN_DEFAULT_ROOT, ids) == set(ids)
    finally:
        for n in names:
            podman("rm", "-f", "-t", "0", n, check=False)
    assert not allocated(UCRUN_DEFAULT_ROOT, ids)


@needs_podman
@REMAP
def test_podman_remap_image_files_keep_owner(image):
    """No per-file work: the image's files on disk stay root's, and inside
    they show as root's (the rootfs is an idmapped mount, issue 12 item 4)."""
    busybox = podman_image_file(image, "/bin/busybox")
    assert owner(busybox) == (0, 0)
    cp = podman(*REMAP_FLAG, "run", "--rm", *LIMITS, image, "sh", "-c",
                "cat /proc/self/uid_map; stat -c %u:%g /bin/busybox")
    mapping, inside = cp.stdout.strip().splitlines()
    assert mapping.split()[:2] != ["0", "0"], "not remapped"
    assert owner(busybox) == (0, 0)
    assert inside == "0:0"


# --- containerd: its runc shim (io.containerd.runc.v2) with ucrun as BinaryName

CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")
needs_containerd = pytest.mark.skipif(CONTAINERD is None or CTR is None,
                                      reason="containerd is not installed (contrib/install-deps.sh installs it)")


@contextlib.contextmanager
def private_containerd(d, env=None, config=None):
    """A containerd of our own in d (own root, state and socket; no CRI
    unless `config`, the text of its config.toml, says otherwise and puts
    them in d too), with `env` added to its environment (its shims and their
    runtime inherit it); yields its socket."""
    sock = d / "containerd.sock"
    (d / "config.toml").write_text(config or (
        f'version = 2\nroot = "{d}/root"\nstate = "{d}/state"\n'
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
        f'[grpc]\n  address = "{sock}"\n'))
    log = open(d / "containerd.log", "w")
    proc = subprocess.Popen([CONTAINERD, "--config", str(d / "config.toml")], stdout=log, stderr=log,
                            env={**os.environ, **(env or {})})
    try:
        for _ in range(200):
            if sock.exists() and subprocess.run([CTR, "--address", str(sock), "version"],
                                                capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        yield sock
    finally:
        proc.terminate()  # the daemon we started, by its pid
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["umount", "-R", str(d / "state")], capture_output=True)


@pytest.fixture(scope="module")
def containerd(tmp_path_factory):
    """A private containerd and a busybox rootfs for `ctr run --rootfs`."""
    d = tmp_path_factory.mktemp("containerd")
    with private_containerd(d) as sock:
        yield sock, busybox_rootfs(d / "rootfs")


def ctr(sock, *args, check=True, timeout=60):
    cp = subprocess.run([CTR, "--address", str(sock), *args], capture_output=True, text=True, timeout=timeout)
    if check and cp.returncode != 0:
        raise AssertionError(f"ctr {' '.join(args)}: exit {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
    return cp


def shim_run_args(rootfs, binary=UCRUN_BIN):
    return ["--runtime", "io.containerd.runc.v2", "--runc-binary", str(binary), "--rootfs", str(rootfs)]


@needs_containerd
def test_containerd_shim_run_and_exit_code(containerd):
    sock, rootfs = containerd
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    cp = ctr(sock, "run", "--rm", *shim_run_args(rootfs), name, "sh", "-c", "echo hello from the shim; exit 5",
             check=False)
    assert cp.stdout.strip() == "hello from the shim"
    assert cp.returncode == 5


@needs_containerd
def test_containerd_shim_exec_ps_kill_delete(containerd):
    sock, rootfs = containerd
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    ctr(sock, "run", "-d", *shim_run_args(rootfs), name, "sleep", "1000")
    try:
        assert ctr(sock, "task", "exec", "--exec-id", "e1", name, "echo", "exec via the shim").stdout.strip() \
            == "exec via the shim"
        assert len(ctr(sock, "task", "ps", name).stdout.splitlines()) >= 2  # header + the init
        ctr(sock, "task", "kill", "-s", "KILL", name)
        for _ in range(100):
            if "STOPPED" in ctr(sock, "task", "ls").stdout:
                break
            time.sleep(0.05)
        assert "STOPPED" in ctr(sock, "task", "ls").stdout
    finally:
        ctr(sock, "task", "delete", "-f", name, check=False)
        ctr(sock, "container", "rm", name, check=False)


@needs_containerd
def test_containerd_shows_ucruns_error(containerd):
    """The shim reads the last "level":"error" line of ucrun's JSON log."""
    sock, rootfs = containerd
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    cp = ctr(sock, "run", "--rm", *shim_run_args(rootfs), name, "nosuchcmd", check=False)
    ctr(sock, "container", "rm", name, check=False)
    assert cp.returncode != 0
    assert 'exec: "nosuchcmd": executable file not found in $PATH' in cp.stderr


# The runc shim runs its BinaryName with the runc command line and nothing
# else: ucrun learns of the remap from a wrapper (contrib/containerd/
# ucrun-remap) or from a ucrun.yaml (contrib/containerd/ucrun.yaml) named by
# UCRUN_CONFIG, which containerd's environment passes down through the shim.
SHIM_ROOT = "/run/containerd/runc/default"  # the shim's --root for namespace "default"
ETC_BIND = ["--mount", "type=bind,src=/etc,dst=/root/etc,options=rbind:rw"]


def ctr_pid(sock, name):
    for line in ctr(sock, "task", "ls").stdout.splitlines()[1:]:
        f = line.split()
        if f[0] == name:
            return int(f[1])
    raise AssertionError(f"no task {name}")


# --- contrib/containerd/config.toml as a user applies it (issue 14 item 7):
# appended to the host's config.toml, then the daemon restarted. Appended to
# an empty file it loads either way; appended to Debian's stock file, a
# snippet naming only ucrun made containerd 1.6 drop its built-in runc and
# the CRI plugin refuse to load (default_runtime_name "runc" named nothing).

CONTRIB_CONTAINERD = REPO / "contrib" / "containerd" / "config.toml"
STOCK_CONTAINERD = Path("/etc/containerd/config.toml")  # Debian 12's containerd package ships it


def stock_containerd_config():
    """Debian's /etc/containerd/config.toml as the package ships it: the
    file is a conffile, so a locally edited one is not the stock file."""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Conffiles}", "containerd"], capture_output=True,
                         text=True).stdout
    md5 = dict(line.split()[:2] for line in out.splitlines() if line.strip()).get(str(STOCK_CONTAINERD))
    text = STOCK_CONTAINERD.read_text() if STOCK_CONTAINERD.exists() else ""
    if md5 is None or hashlib.md5(text.encode()).hexdigest() != md5:
        pytest.skip(f"{STOCK_CONTAINERD} is not the one Debian's containerd package ships")
    return text


def privatize(text, d):
    """The user's config.toml with containerd's own paths moved into d (its
    root, state, socket and the opt plugin's directory), so that the test
    daemon leaves the host's alone; everything else as the user has it."""
    lines = [line for line in text.splitlines() if not re.match(r'(root|state) = "', line)]
    text = "\n".join(lines) + "\n"
    text = re.sub(r'(?m)^version = 2$', f'version = 2\nroot = "{d}/root"\nstate = "{d}/state"', text, count=1)
    assert f'root = "{d}/root"' in text, "no `version = 2` line"
    text = re.sub(r'"(/var/lib/containerd/opt|/opt/containerd)"', f'"{d}/opt"', text)
    sock = f'address = "{d}/containerd.sock"'
    if "[grpc]" in text:
        text, n = re.subn(r'address = "/run/containerd/containerd.sock"', sock, text)
        assert n == 1
    else:
        text += f"\n[grpc]\n  {sock}\n"
    return text


def cri_runtimes(d, sock):
    """{name: (runtime_type, BinaryName)} of the CRI plugin that loaded, from
    the configuration containerd 1.6 logs when it starts the plugin (1.6 has
    no `crictl info`; `config dump` shows the file, not what the plugin
    accepted). Fails unless `ctr plugins ls` shows the plugin ok."""
    plugins = ctr(sock, "plugins", "ls").stdout
    status = [line.split()[-1] for line in plugins.splitlines() if line.split()[:2] == ["io.containerd.grpc.v1", "cri"]]
    log = (d / "containerd.log").read_text()
    assert status == ["ok"], f"CRI plugin: {status}\n" + "\n".join(
        line for line in log.splitlines() if "cri" in line and "level=warning" in line)
    started = [line for line in log.splitlines() if "Start cri plugin with config" in line]
    assert len(started) == 1, log
    text = started[0].split("Runtimes:map[", 1)[1]
    runtimes, depth, name, body = {}, 0, "", ""
    for c in text:  # Go's %+v of map[string]Runtime: name:{Type:... Options:map[...] ...} name:{...}]
        if depth == 0 and c == "]":
            break
        depth += {"{": 1, "[": 1, "}": -1, "]": -1}.get(c, 0)
        if depth == 0 and c == "}":
            binary = re.search(r"BinaryName:(\S*?)[ \]]", body)
            runtimes[name.strip()] = (re.match(r"\{Type:(\S*) ", body)[1], binary[1] if binary else "")
            name, body = "", ""
        elif depth == 0:
            name += c if c != ":" else ""
        else:
            body += c
    return runtimes


def check_contrib_runtimes(runtimes):
    assert runtimes.get("runc") == ("io.containerd.runc.v2", ""), runtimes  # the shim's default binary, runc
    assert runtimes.get("ucrun") == ("io.containerd.runc.v2", "/usr/local/bin/ucrun"), runtimes
    assert runtimes.get("ucrun-remap") == ("io.containerd.runc.v2", "/usr/local/bin/ucrun-remap"), runtimes


@needs_containerd
def test_containerd_contrib_config_appended_to_debians_stock_file(tmp_path):
    """README: append contrib/containerd/config.toml to Debian's stock
    /etc/containerd/config.toml: the CRI plugin loads with runc, ucrun and
    ucrun-remap."""
    text = stock_containerd_config() + "\n" + CONTRIB_CONTAINERD.read_text()
    with private_containerd(tmp_path, config=privatize(text, tmp_path)) as sock:
        check_contrib_runtimes(cri_runtimes(tmp_path, sock))


@needs_containerd
def test_containerd_contrib_config_appended_to_config_default(tmp_path):
    """The other usual file, `containerd config default`'s output, has a
    runc table already: appended without the snippet's runc lines (as its
    comment says), the CRI plugin loads with all three runtimes; with them,
    containerd refuses the file (a table defined twice)."""
    default = subprocess.run([CONTAINERD, "config", "default"], capture_output=True, text=True,
                             check=True).stdout
    snippet = CONTRIB_CONTAINERD.read_text()
    runc = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n'
    assert snippet.count(runc) == 1
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(default + "\n" + snippet)
    with private_containerd(tmp_path, config=privatize(default + "\n" + snippet.replace(runc, ""), tmp_path)) as sock:
        check_contrib_runtimes(cri_runtimes(tmp_path, sock))


@needs_containerd
def test_containerd_stock_file_with_ucrun_alone_fails_as_the_issue_says(tmp_path):
    """The check above can fail: the old snippet (ucrun's table without
    runc's) appended to the stock file leaves the CRI plugin in error."""
    snippet = CONTRIB_CONTAINERD.read_text()
    old = re.sub(r'\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\]\n[^\n]*\n', "", snippet)
    assert old != snippet
    text = stock_containerd_config() + "\n" + old
    with private_containerd(tmp_path, config=privatize(text, tmp_path)) as sock:
        with pytest.raises(AssertionError, match="CRI plugin: \\['error'\\]"):
            cri_runtimes(tmp_path, sock)
    assert "no corresponding runtime configured in `containerd.runtimes`" in (tmp_path / "containerd.log").read_text()


@needs_containerd
@REMAP
def test_containerd_remap_through_wrapper(containerd, remap_wrapper):
    sock, rootfs = containerd
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    cp = ctr(sock, "run", "--rm", *ETC_BIND, *shim_run_args(rootfs, remap_wrapper), name, *probe(name))
    check_probe(cp.stdout, name)
    assert not allocated(SHIM_ROOT, [name])


@needs_containerd
@REMAP
def test_containerd_remap_two_containers_disjoint(containerd, remap_wrapper):
    sock, rootfs = containerd
    names = [f"ucrun-it-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        for n in names:
            ctr(sock, "run", "-d", *shim_run_args(rootfs, remap_wrapper), n, "sleep", "1000")
        check_disjoint(*(ctr_pid(sock, n) for n in names))
        assert allocated(SHIM_ROOT, names) == set(names)
    finally:
        for n in names:
            ctr(sock, "task", "kill", "-s", "KILL", n, check=False)
            ctr(sock, "task", "delete", "-f", n, check=False)
            ctr(sock, "container", "rm", n, check=False)
    assert not allocated(SHIM_ROOT, names)


@needs_containerd
@REMAP
def test_containerd_remap_from_config_file(tmp_path_factory):
    """containerd started with UCRUN_CONFIG=contrib/containerd/ucrun.yaml,
    the shim's BinaryName ucrun itself."""
    d = tmp_path_factory.mktemp("containerd-remap")
    conf = REPO / "contrib" / "containerd" / "ucrun.yaml"
    rootfs = busybox_rootfs(d / "rootfs")
    with private_containerd(d, env={"UCRUN_CONFIG": str(conf)}) as sock:
        name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
        cp = ctr(sock, "run", "--rm", *ETC_BIND, *shim_run_args(rootfs), name, *probe(name))
        check_probe(cp.stdout, name)


@needs_containerd
@REMAP
def test_containerd_remap_rootfs_keeps_owner(containerd, remap_wrapper):
    """No per-file work: the rootfs on disk stays root's, and inside it shows
    as root's (an idmapped mount of it, issue 12 item 4)."""
    sock, rootfs = containerd
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    cp = ctr(sock, "run", "--rm", *shim_run_args(rootfs, remap_wrapper), name, "sh", "-c",
             "cat /proc/self/uid_map; stat -c %u:%g /bin/busybox")
    mapping, inside = cp.stdout.strip().splitlines()
    assert mapping.split()[:2] != ["0", "0"], "not remapped"
    assert owner(rootfs / "bin" / "busybox") == (0, 0) and owner(rootfs) == (0, 0)
    assert inside == "0:0"


# --- docker: dockerd with ucrun under "runtimes" in daemon.json

DOCKERD = shutil.which("dockerd")
DOCKER = shutil.which("docker")
needs_docker = pytest.mark.skipif(DOCKERD is None or DOCKER is None,
                                  reason="docker.io is not installed (contrib/install-deps.sh installs it)")


def contrib_docker_remap_runtime():
    """The runtime entry of contrib/docker/daemon-ucrun-remap.json, calling
    the ucrun under test; that file sets no "userns-remap" of dockerd's."""
    conf = json.loads((REPO / "contrib" / "docker" / "daemon-ucrun-remap.json").read_text())
    assert "userns-remap" not in conf
    entry = conf["runtimes"]["ucrun"]
    assert entry["path"] == "/usr/local/bin/ucrun"
    return {**entry, "path": str(UCRUN_BIN)}


@pytest.fixture(scope="module")
def dockerd(tmp_path_factory):
    """A private dockerd (own data root, socket; no bridge, no iptables)
    with ucrun registered as a runtime, and a busybox image imported from a
    tarball (never pulled)."""
    d = tmp_path_factory.mktemp("docker")
    sock = d / "docker.sock"
    (d / "daemon.json").write_text(json.dumps({
        "data-root": str(d / "data"), "exec-root": str(d / "exec"), "pidfile": str(d / "docker.pid"),
        "hosts": [f"unix://{sock}"], "bridge": "none", "iptables": False, "ip6tables": False,
        "runtimes": {"ucrun": {"path": str(UCRUN_BIN)}, "ucrun-remap": contrib_docker_remap_runtime()},
        # See LIMITS above: no runtime may raise these here.
        "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024},
                            "nproc": {"Name": "nproc", "Hard": 1024, "Soft": 1024}},
    }))
    log = open(d / "dockerd.log", "w")
    proc = subprocess.Popen([DOCKERD, "--config-file", str(d / "daemon.json")], stdout=log, stderr=log)
    docker = [DOCKER, "-H", f"unix://{sock}"]
    try:
        for _ in range(300):
            if sock.exists() and subprocess.run(docker + ["version"], capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        rootfs = busybox_rootfs(d / "rootfs")
        tar = d / "rootfs.tar"
        with tarfile.open(tar, "w") as t:
            t.add(rootfs, arcname=".")
        subprocess.run(docker + ["import", str(tar), "ucrun-it-bb:latest"], check=True, capture_output=True,
                       timeout=120)
        yield docker
    finally:
        subprocess.run(docker + ["rm", "-f", "-v", "ucrun-it-dk"], capture_output=True, timeout=60)
        proc.terminate()  # the daemon we started, by its pid
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["umount", "-R", str(d)], capture_output=True)


def docker_run(docker, *args, check=True, runtime="ucrun"):
    cp = subprocess.run(docker + ["run", "--rm", "--pull", "never", "--runtime", runtime, "--network", "none",
                                  *args], capture_output=True, text=True, timeout=120)
    if check and cp.returncode != 0:
        raise AssertionError(f"docker run {' '.join(args)}: exit {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
    return cp


@needs_docker
def test_docker_run_exit_codes(dockerd):
    cp = docker_run(dockerd, "ucrun-it-bb:latest", "sh", "-c", "echo hello from docker; exit 7", check=False)
    assert cp.stdout.strip() == "hello from docker"
    assert cp.returncode == 7
    # docker maps "executable file not found" to 127
    cp = docker_run(dockerd, "ucrun-it-bb:latest", "nosuchcmd", check=False)
    assert cp.returncode == 127, cp.stderr
    assert "executable file not found" in cp.stderr


@needs_docker
def test_docker_exec_pause_update_stop(dockerd):
    docker = dockerd
    subprocess.run(docker + ["run", "-d", "--name", "ucrun-it-dk", "--pull", "never", "--runtime", "ucrun",
                             "--network", "none", "ucrun-it-bb:latest", "sleep", "1000"],
                   check=True, capture_output=True, timeout=120)

    def d(*args):
        cp = subprocess.run(docker + list(args), capture_output=True, text=True, timeout=60)
        assert cp.returncode == 0, f"docker {' '.join(args)}: {cp.stderr}"
        return cp.stdout.strip()

    assert d("exec", "ucrun-it-dk", "echo", "exec ok") == "exec ok"
    d("pause", "ucrun-it-dk")
    assert d("inspect", "-f", "{{.State.Status}}", "ucrun-it-dk") == "paused"
    d("unpause", "ucrun-it-dk")
    assert d("inspect", "-f", "{{.State.Status}}", "ucrun-it-dk") == "running"
    d("update", "--memory", "64m", "--memory-swap", "128m", "ucrun-it-dk")
    # ucrun update wrote the limit into the container's cgroup (cgroupfs driver)
    cid = d("inspect", "-f", "{{.Id}}", "ucrun-it-dk")
    limit = [p for p in (f"/sys/fs/cgroup/memory/docker/{cid}/memory.limit_in_bytes",
                         f"/sys/fs/cgroup/docker/{cid}/memory.max") if os.path.exists(p)]
    assert limit, "no memory cgroup for the container"
    with open(limit[0]) as f:
        assert f.read().strip() == str(64 << 20)
    d("stop", "-t", "1", "ucrun-it-dk")
    assert d("inspect", "-f", "{{.State.Status}}", "ucrun-it-dk") == "exited"
    d("rm", "ucrun-it-dk")


# dockerd knows nothing of the remap: no "userns-remap" in its daemon.json,
# ucrun gets --userns-remap=default from runtimeArgs (runtime "ucrun-remap"
# of the fixture, as contrib/docker/daemon-ucrun-remap.json; dockerd 20.10
# runs a script of its own, <data-root>/runtimes/<name>, adding them). Every
# runtime of a dockerd 20.10 gets the state root <exec-root>/runtime-runc/moby.


def docker_out(docker, *args):
    cp = subprocess.run(docker + list(args), capture_output=True, text=True, timeout=120)
    assert cp.returncode == 0, f"docker {' '.join(args)}: {cp.stderr}"
    return cp.stdout.strip()


def docker_remap_root(docker):
    data = Path(docker_out(docker, "info", "-f", "{{.DockerRootDir}}"))
    return data.parent / "exec" / "runtime-runc" / "moby"  # exec-root is next to data-root (fixture)


@needs_docker
@REMAP
def test_docker_remap(dockerd, tmp_path):
    assert "userns" not in docker_out(dockerd, "info", "-f", "{{json .SecurityOptions}}")
    name = f"ucrun-it-{uuid.uuid4().hex[:8]}"
    cidfile = tmp_path / "cid"
    cp = docker_run(dockerd, "--cidfile", str(cidfile), "-v", "/etc:/root/etc", "ucrun-it-bb:latest", *probe(name),
                    runtime="ucrun-remap")
    check_probe(cp.stdout, name)
    assert not allocated(docker_remap_root(dockerd), [cidfile.read_text().strip()])


@needs_docker
@REMAP
def test_docker_remap_two_containers_disjoint(dockerd):
    names = [f"ucrun-it-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        ids = [docker_out(dockerd, "run", "-d", "--name", n, "--pull", "never", "--runtime", "ucrun-remap",
                          "--network", "none", "ucrun-it-bb:latest", "sleep", "1000") for n in names]
        check_disjoint(*(int(docker_out(dockerd, "inspect", "-f", "{{.State.Pid}}", n)) for n in names))
        assert allocated(docker_remap_root(dockerd), ids) == set(ids)
    finally:
        for n in names:
            subprocess.run(dockerd + ["rm", "-f", n], capture_output=True, timeout=60)
    assert not allocated(docker_remap_root(dockerd), ids)


@needs_docker
@REMAP
def test_docker_remap_image_files_keep_owner(dockerd):
    """No per-file work (dockerd's own userns-remap copies and chowns every
    image into a store of its own): the image's files on disk stay root's,
    and inside they show as root's (idmapped rootfs, issue 12 item 4)."""
    graph = json.loads(docker_out(dockerd, "image", "inspect", "-f", "{{json .GraphDriver}}", "ucrun-it-bb:latest"))
    layer = Path((graph.get("Data") or {}).get("UpperDir") or "")
    assert graph["Name"] == "overlay2" and layer.is_dir(), graph
    assert owner(layer / "bin" / "busybox") == (0, 0)
    cp = docker_run(dockerd, "ucrun-it-bb:latest", "sh", "-c", "cat /proc/self/uid_map; stat -c %u:%g /bin/busybox",
                    runtime="ucrun-remap")
    mapping, inside = cp.stdout.strip().splitlines()
    assert mapping.split()[:2] != ["0", "0"], "not remapped"
    assert owner(layer / "bin" / "busybox") == (0, 0)
    assert inside == "0:0"


@needs_podman
@needs_containerd
@REMAP
def test_remap_two_engines_disjoint(image, containerd, remap_wrapper):
    """Containers of two engines (so two --root state directories: podman's
    /run/ucrun, the shim's /run/containerd/runc/default) running at once
    must not share host ids either: root in one would own the other's
    files."""
    sock, rootfs = containerd
    pname, cname = (f"ucrun-it-{uuid.uuid4().hex[:8]}" for _ in range(2))
    try:
        podman(*REMAP_FLAG, "run", "-d", "--name", pname, *LIMITS, image, "sleep", "1000")
        ctr(sock, "run", "-d", *shim_run_args(rootfs, remap_wrapper), cname, "sleep", "1000")
        check_disjoint(int(podman("inspect", "-f", "{{.State.Pid}}", pname).stdout), ctr_pid(sock, cname))
    finally:
        podman("rm", "-f", "-t", "0", pname, check=False)
        ctr(sock, "task", "kill", "-s", "KILL", cname, check=False)
        ctr(sock, "task", "delete", "-f", cname, check=False)
        ctr(sock, "container", "rm", cname, check=False)


# --- contrib/podman/containers.conf as a user applies it (issue 14 item 7):
# a drop-in in /etc/containers/containers.conf.d/ next to the distribution's
# containers.conf (Debian's has an [engine.runtimes] table, so the snippet
# cannot be appended to it). The host's /etc/containers stays untouched: a
# copy with the drop-in is bound over it in a private mount namespace, where
# podman (and conmon, and its clean-up) run.

CONTRIB_PODMAN = REPO / "contrib" / "podman" / "containers.conf"
STOCK_PODMAN = Path("/usr/share/containers/containers.conf")


def podman_dropin(uncomment=False):
    """The snippet naming the ucrun under test; with `uncomment`, its
    optional [engine] lines turned on as its comment tells."""
    text = CONTRIB_PODMAN.read_text()
    assert text.count('"/usr/local/bin/ucrun"') == 1
    text = text.replace('"/usr/local/bin/ucrun"', f'"{UCRUN_BIN}"')
    if uncomment:
        text, n = re.subn(r"(?m)^# (\[engine\]|runtime_supports_\w+ = )", r"\1", text)
        assert n == 3, text
    return text


def podman_with_dropin(tmp_path, dropin, *args, name="50-ucrun.conf"):
    """podman `args` with the host's /etc/containers plus `dropin` as
    containers.conf.d/`name`."""
    etc = tmp_path / "etc-containers"
    shutil.copytree("/etc/containers", etc, symlinks=True)
    (etc / "containers.conf.d").mkdir(exist_ok=True)
    (etc / "containers.conf.d" / name).write_text(dropin)
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           'mount --bind "$0" /etc/containers && exec "$@"', str(etc), PODMAN, *args],
                          capture_output=True, text=True, timeout=120)


@needs_podman
def test_podman_contrib_dropin_names_ucrun(image, tmp_path):
    """Installed as the snippet says, `--runtime ucrun` is this ucrun; and
    TOML-wise the snippet could not have been appended to the stock file."""
    if STOCK_PODMAN.exists():
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads(STOCK_PODMAN.read_text() + "\n" + CONTRIB_PODMAN.read_text())
    cp = podman_with_dropin(tmp_path, podman_dropin(), "--runtime", "ucrun", "info", "--format",
                            "{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == ["ucrun", str(UCRUN_BIN)]
    cp = podman_with_dropin(tmp_path / "run", podman_dropin(), "--runtime", "ucrun", "run", "--rm", *LIMITS,
                            image, "echo", "hello through the drop-in")
    assert (cp.returncode, cp.stdout.strip()) == (0, "hello through the drop-in"), cp.stderr


@needs_podman
def test_podman_contrib_dropin_cgroups_disabled(image, tmp_path):
    """The optional lines, turned on: podman 4.3 reads
    runtime_supports_nocgroup and lets `--cgroups=disabled` reach ucrun; the
    misspelling containers.conf's own comment has (…nocgroups) is ignored,
    and podman refuses."""
    def run(dropin, sub):
        return podman_with_dropin(tmp_path / sub, dropin, "--runtime", "ucrun", "run", "--rm", "--cgroups=disabled",
                                  *LIMITS, image, "cat", "/proc/self/cgroup")
    cp = run(podman_dropin(uncomment=True), "good")
    assert cp.returncode == 0, cp.stderr
    # in no cgroup of podman's (libpod_parent/libpod-<id> otherwise): where conmon is
    assert "0::/" in cp.stdout.splitlines() and "libpod" not in cp.stdout, cp.stdout
    misspelled = podman_dropin(uncomment=True).replace("runtime_supports_nocgroup =", "runtime_supports_nocgroups =")
    cp = run(misspelled, "bad")
    assert cp.returncode != 0, cp.stdout
    assert "requested OCI runtime ucrun is not compatible with NoCgroups" in cp.stderr, cp.stderr


# --- the snippets no engine here can load (issue 14 item 7): containerd 2.x
# (config version 3; Debian 12 has containerd 1.6) and CRI-O (not packaged
# in Debian 12). Checked for syntax and structure only: merged as their
# comments say and parsed as TOML, keys against the engine's reference.

# The CRI runtime part of containerd 2.0's `containerd config default`, the
# file containerd 2.x users start from (containerd 2.x ships none): the
# reference for the keys a runtime table may have.
CONTAINERD2_DEFAULT = """version = 3
root = '/var/lib/containerd'
state = '/run/containerd'

[grpc]
  address = '/run/containerd/containerd.sock'

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'

  [plugins.'io.containerd.cri.v1.runtime']
    enable_selinux = false

    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      ignore_blockio_not_enabled_errors = false
      ignore_rdt_not_enabled_errors = false

      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'
          runtime_path = ''
          pod_annotations = []
          container_annotations = []
          privileged_without_host_devices = false
          privileged_without_host_devices_all_devices_allowed = false
          base_runtime_spec = ''
          cni_conf_dir = ''
          cni_max_conf_num = 0
          snapshotter = ''
          sandboxer = 'podsandbox'
          io_type = ''

          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
            BinaryName = ''
            CriuImagePath = ''
            CriuWorkPath = ''
            IoGid = 0
            IoUid = 0
            NoNewKeyring = false
            Root = ''
            ShimCgroup = ''
            SystemdCgroup = false
"""

# The keys of a CRI-O runtime handler table, crio.conf(5) ([crio.runtime.runtimes.*]).
CRIO_RUNTIME_KEYS = {"runtime_path", "runtime_type", "runtime_root", "runtime_config_path", "monitor_path",
                     "monitor_cgroup", "monitor_exec_cgroup", "monitor_env", "allowed_annotations",
                     "default_annotations", "platform_runtime_paths", "privileged_without_host_devices",
                     "container_min_memory", "no_sync_log", "stream_websockets", "inherit_default_runtime",
                     "exec_cpu_affinity"}

CONTRIB_RUNTIMES = {"ucrun": "/usr/local/bin/ucrun", "ucrun-remap": "/usr/local/bin/ucrun-remap"}


def containerd2_runtimes():
    snippet = (REPO / "contrib" / "containerd" / "config-v3.toml").read_text()
    assert set(tomllib.loads(snippet)) == {"plugins"}, "top-level keys would land in the stock file's last table"
    conf = tomllib.loads(CONTAINERD2_DEFAULT + "\n" + snippet)
    assert conf["version"] == 3
    cri = conf["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]
    return cri["runtimes"], cri["default_runtime_name"]


def test_containerd2_contrib_config_structure():
    runtimes, default = containerd2_runtimes()
    assert default in runtimes  # runc survives the merge
    reference = runtimes["runc"]
    assert set(runtimes) == {"runc", *CONTRIB_RUNTIMES}
    for name, binary in CONTRIB_RUNTIMES.items():
        rt = runtimes[name]
        assert set(rt) <= set(reference), f"{name}: keys containerd 2 does not know: {set(rt) - set(reference)}"
        assert rt["runtime_type"] == "io.containerd.runc.v2"
        assert set(rt["options"]) <= set(reference["options"]), name
        assert rt["options"]["BinaryName"] == binary


def crio_runtimes():
    conf = tomllib.loads((REPO / "contrib" / "cri-o" / "50-ucrun.conf").read_text())
    assert set(conf) == {"crio"} and set(conf["crio"]) == {"runtime"} and set(conf["crio"]["runtime"]) == {"runtimes"}
    return conf["crio"]["runtime"]["runtimes"]


def test_crio_contrib_dropin_structure():
    runtimes = crio_runtimes()
    assert set(runtimes) == set(CONTRIB_RUNTIMES)
    for name, binary in CONTRIB_RUNTIMES.items():
        rt = runtimes[name]
        assert set(rt) <= CRIO_RUNTIME_KEYS, f"{name}: keys CRI-O does not know: {set(rt) - CRIO_RUNTIME_KEYS}"
        assert rt["runtime_type"] == "oci" and rt["runtime_path"] == binary
        assert Path(rt["runtime_root"]).is_absolute()


def test_kubernetes_contrib_runtimeclasses_and_pods():
    """Every RuntimeClass handler is a runtime of each engine snippet; the
    pods name an existing class; one asks for a user namespace the way the
    API spells it (spec.hostUsers: false) and shares nothing with the host."""
    yaml = pytest.importorskip("yaml", reason="python3-yaml is not installed (contrib/install-deps.sh installs it)")
    docs = list(yaml.safe_load_all((REPO / "contrib" / "kubernetes" / "runtimeclass.yaml").read_text()))
    classes = {d["metadata"]["name"]: d["handler"] for d in docs
               if (d["apiVersion"], d["kind"]) == ("node.k8s.io/v1", "RuntimeClass")}
    pods = [d for d in docs if (d["apiVersion"], d["kind"]) == ("v1", "Pod")]
    assert len(classes) + len(pods) == len(docs)
    assert set(classes.values()) == set(CONTRIB_RUNTIMES)
    containerd1 = tomllib.loads(CONTRIB_CONTAINERD.read_text())
    for handlers in (containerd1["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"],
                     containerd2_runtimes()[0], crio_runtimes()):
        assert set(classes.values()) <= set(handlers)
    for pod in pods:
        assert pod["spec"]["runtimeClassName"] in classes
        assert all(c["name"] and c["image"] for c in pod["spec"]["containers"])
    userns = [p for p in pods if p["spec"].get("hostUsers") is False]
    assert len(userns) == 1
    assert not any(userns[0]["spec"].get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))
    mounts = {m["name"] for c in userns[0]["spec"]["containers"] for m in c.get("volumeMounts", [])}
    assert mounts and mounts <= {v["name"] for v in userns[0]["spec"]["volumes"]}
