"""A real engine drives ucrun: podman (through conmon) with --runtime, as
engines call runc: create with a pid file and console socket, start, state,
exec, kill, delete. The image is a busybox rootfs imported from a tarball
(no registry)."""

import os
import shutil
import subprocess
import tarfile
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


@pytest.fixture(scope="module")
def image(tmp_path_factory):
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
