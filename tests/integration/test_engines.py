"""A real engine drives ucrun: podman (through conmon) with --runtime, as
engines call runc: create with a pid file and console socket, start, state,
exec, kill, delete. The image is a busybox rootfs imported from a tarball
(no registry)."""

import json
import os
import shutil
import subprocess
import tarfile
import time
import uuid

import pytest

from support import BUSYBOX, UCRUN_BIN

PODMAN = shutil.which("podman")
pytestmark = pytest.mark.skipif(PODMAN is None, reason="podman is not installed (contrib/install-deps.sh installs it)")

# This sandbox's root lacks CAP_SYS_RESOURCE: podman's default rlimits
# (nofile 1048576) cannot be set by any runtime (runc fails the same way).
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "none"]


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


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    before = _libpod_dirs()
    root = tmp_path_factory.mktemp("podman-image")
    rootfs = root / "rootfs"
    for d in ("bin", "proc", "dev", "sys", "tmp", "etc"):
        (rootfs / d).mkdir(parents=True)
    shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
    for a in ("sh", "echo", "id", "cat", "sleep", "tty", "hostname"):
        (rootfs / "bin" / a).symlink_to("busybox")
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


def test_podman_run_output_and_exit_code(image):
    cp = podman("run", "--rm", *LIMITS, image, "sh", "-c", "echo hello from ucrun; exit 3", check=False)
    assert cp.stdout.strip() == "hello from ucrun"
    assert cp.returncode == 3


def test_podman_user_namespace(image):
    cp = podman("run", "--rm", *LIMITS, "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", image,
                "cat", "/proc/self/uid_map")
    assert cp.stdout.split() == ["0", "100000", "65536"]


def test_podman_missing_command_is_127(image):
    cp = podman("run", "--rm", *LIMITS, image, "nosuchcmd", check=False)
    assert cp.returncode == 127, cp.stderr  # podman maps runc's wording to 127
    assert "executable file not found" in cp.stderr


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


def test_podman_run_with_terminal(image):
    cp = podman("run", "--rm", "-t", *LIMITS, image, "tty")
    assert cp.stdout.strip() == "/dev/pts/0"


# --- containerd: its runc shim (io.containerd.runc.v2) with ucrun as BinaryName

CONTAINERD = shutil.which("containerd")
CTR = shutil.which("ctr")
needs_containerd = pytest.mark.skipif(CONTAINERD is None or CTR is None,
                                      reason="containerd is not installed (contrib/install-deps.sh installs it)")


@pytest.fixture(scope="module")
def containerd(tmp_path_factory):
    """A private containerd (own root, state and socket; no CRI), and a
    busybox rootfs for `ctr run --rootfs`."""
    d = tmp_path_factory.mktemp("containerd")
    sock = d / "containerd.sock"
    (d / "config.toml").write_text(
        f'version = 2\nroot = "{d}/root"\nstate = "{d}/state"\n'
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
        f'[grpc]\n  address = "{sock}"\n')
    log = open(d / "containerd.log", "w")
    proc = subprocess.Popen([CONTAINERD, "--config", str(d / "config.toml")], stdout=log, stderr=log)
    try:
        for _ in range(200):
            if sock.exists() and subprocess.run([CTR, "--address", str(sock), "version"],
                                                capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        rootfs = d / "rootfs"
        for sub in ("bin", "proc", "dev", "sys", "tmp", "etc"):
            (rootfs / sub).mkdir(parents=True)
        shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
        for a in ("sh", "echo", "id", "sleep", "tty", "hostname"):
            (rootfs / "bin" / a).symlink_to("busybox")
        yield sock, rootfs
    finally:
        proc.terminate()  # the daemon we started, by its pid
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["umount", "-R", str(d / "state")], capture_output=True)


def ctr(sock, *args, check=True, timeout=60):
    cp = subprocess.run([CTR, "--address", str(sock), *args], capture_output=True, text=True, timeout=timeout)
    if check and cp.returncode != 0:
        raise AssertionError(f"ctr {' '.join(args)}: exit {cp.returncode}\n{cp.stdout}\n{cp.stderr}")
    return cp


def shim_run_args(rootfs):
    return ["--runtime", "io.containerd.runc.v2", "--runc-binary", str(UCRUN_BIN), "--rootfs", str(rootfs)]


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


# --- docker: dockerd with ucrun under "runtimes" in daemon.json

DOCKERD = shutil.which("dockerd")
DOCKER = shutil.which("docker")
needs_docker = pytest.mark.skipif(DOCKERD is None or DOCKER is None,
                                  reason="docker.io is not installed (contrib/install-deps.sh installs it)")


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
        "runtimes": {"ucrun": {"path": str(UCRUN_BIN)}},
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
        rootfs = d / "rootfs"
        for sub in ("bin", "proc", "dev", "sys", "tmp", "etc"):
            (rootfs / sub).mkdir(parents=True)
        shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
        for a in ("sh", "echo", "id", "sleep", "tty"):
            (rootfs / "bin" / a).symlink_to("busybox")
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


def docker_run(docker, *args, check=True):
    cp = subprocess.run(docker + ["run", "--rm", "--pull", "never", "--runtime", "ucrun", "--network", "none",
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
