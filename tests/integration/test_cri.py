"""Kubernetes' own path (issue 14 item 8): containerd 1.6's CRI plugin, the
gRPC API the kubelet calls, with a runtime handler `ucrun` (the runc shim,
io.containerd.runc.v2, with ucrun as its BinaryName). No kubelet or crictl
is available here, so the tests are the kubelet: they call
runtime.v1.RuntimeService directly with the few messages of
cri/runtime_v1_subset.proto, compiled by protoc when the tests start.

Each test runs a containerd of its own (own root, state, socket; under the
test's tmp_base, so the leak checks see its mounts and its shims), imports a
busybox image into its k8s.io namespace (no registry) as the pod's sandbox
image and the containers' image, and runs a pod on the host network
(NamespaceMode NODE: no CNI plugin is needed). This host's root lacks
CAP_SYS_RESOURCE, which a sandbox's oom_score_adj -998 needs:
restrict_oom_score_adj keeps it at the daemon's own."""

import contextlib
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest

from support import UCRUN_BIN
from test_engines import CONTAINERD, CTR, busybox_rootfs, ctr, private_containerd

try:
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
except ImportError:  # python3-grpcio, python3-protobuf
    grpc = None

PROTOC = shutil.which("protoc")
CNI_BIN = "/usr/lib/cni"  # Debian's containernetworking-plugins
PROTO = Path(__file__).parent / "cri" / "runtime_v1_subset.proto"
IMAGE = "docker.io/library/ucrun-it-busybox:1"
SHIM_ROOT = "/run/containerd/runc/k8s.io"  # the runc shim's --root for the CRI's namespace
RUNNING, EXITED = 1, 2  # runtime.v1 ContainerState CONTAINER_RUNNING, CONTAINER_EXITED

pytestmark = [
    pytest.mark.skipif(CONTAINERD is None or CTR is None,
                       reason="containerd is not installed (contrib/install-deps.sh installs it)"),
    pytest.mark.skipif(grpc is None or PROTOC is None,
                       reason="python3-grpcio, python3-protobuf or protobuf-compiler is missing "
                              "(contrib/install-deps.sh installs them)"),
]


# --- the CRI messages and calls

def load_messages(tmp):
    """{name: message class} of package runtime.v1, from the .proto
    compiled to a descriptor set (no generated code)."""
    out = tmp / "cri.desc"
    subprocess.run([PROTOC, f"--proto_path={PROTO.parent}", f"--descriptor_set_out={out}", PROTO.name],
                   check=True, capture_output=True, timeout=60)
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for f in files.file:
        pool.Add(f)
    get = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory(pool).GetPrototype
    (f,) = files.file
    return {m.name: get(pool.FindMessageTypeByName(f"runtime.v1.{m.name}")) for m in f.message_type}


class Cri:
    """runtime.v1.RuntimeService over containerd's socket: cri.Call(**fields)
    builds <Call>Request, sends it and returns <Call>Response."""

    def __init__(self, sock, messages):
        self.m = messages
        self.channel = grpc.insecure_channel(f"unix://{sock}")

    def __getattr__(self, call):
        req, resp = self.m[f"{call}Request"], self.m[f"{call}Response"]
        method = self.channel.unary_unary(f"/runtime.v1.RuntimeService/{call}",
                                          request_serializer=lambda msg: msg.SerializeToString(),
                                          response_deserializer=resp.FromString)
        return lambda timeout=60, **fields: method(req(**fields), timeout=timeout)

    def close(self):
        self.channel.close()


# --- an image without a registry: a docker archive for `ctr images import`

def image_archive(rootfs, out):
    """A one-layer docker-archive tarball of rootfs tagged IMAGE; its default
    command (the pod sandbox's, as pause's) sleeps."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        t.add(rootfs, arcname=".")
    layer = layer.getvalue()
    config = json.dumps({
        "architecture": "amd64" if os.uname().machine == "x86_64" else "arm64", "os": "linux",
        "config": {"Entrypoint": ["/bin/sleep", "1000000"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
    }).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": [IMAGE], "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(out, "w") as t:
        for name, data in (("layer.tar", layer), ("config.json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out


def cri_config(d, sock):
    """containerd 1.6 with the CRI plugin (Debian's stock config disables
    it): the runtime handler `ucrun` next to runc, as contrib/containerd."""
    cri = '[plugins."io.containerd.grpc.v1.cri"'
    return f"""version = 2
root = "{d}/root"
state = "{d}/state"
[grpc]
  address = "{sock}"
{cri}]
  sandbox_image = "{IMAGE}"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
{cri}.containerd]
  default_runtime_name = "runc"
{cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
{cri}.containerd.runtimes.ucrun]
  runtime_type = "io.containerd.runc.v2"
{cri}.containerd.runtimes.ucrun.options]
  BinaryName = "{UCRUN_BIN}"
  netns_mounts_under_state_dir = true
{cri}.cni]
  bin_dir = "{CNI_BIN}"
  conf_dir = "{d}/cni"
"""


def cni_config(d, bridge):
    """A pod network of its own: a bridge with no gateway and no
    masquerading (nothing leaves the host), addresses from host-local."""
    (d / "cni").mkdir()
    (d / "cni" / "10-ucrun-it.conflist").write_text(json.dumps({
        "cniVersion": "0.4.0", "name": "ucrun-it", "plugins": [{
            "type": "bridge", "bridge": bridge, "isGateway": False, "ipMasq": False,
            "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.254.77.0/24"}]],
                     "dataDir": str(d / "ipam")}}]}))


@contextlib.contextmanager
def cri_containerd(d):
    """A private containerd with CRI (its mounts under d/state) and the
    image imported; yields its socket. Afterwards: the CNI bridge goes."""
    bridge = f"ucrit{uuid.uuid4().hex[:6]}"
    cni_config(d, bridge)
    try:
        with private_containerd(d, config=cri_config(d, d / "containerd.sock")) as sock:
            tar = image_archive(busybox_rootfs(d / "rootfs"), d / "image.tar")
            ctr(sock, "-n", "k8s.io", "images", "import", str(tar))
            yield sock
    finally:
        subprocess.run(["ip", "link", "del", bridge], capture_output=True)  # CNI DEL leaves the bridge


def ucrun_ids():
    """The containers ucrun holds in the runc shim's root for k8s.io."""
    cp = subprocess.run([UCRUN_BIN, "--root", SHIM_ROOT, "list", "-q"], capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    return cp.stdout.split()


def cgroup_dirs(parent):
    return [p for p in Path("/sys/fs/cgroup").glob(f"*{parent}") if p.is_dir()]


def namespaces(m, network):
    """The kubelet's defaults: the pod's network ("POD") or the node's
    ("NODE", hostNetwork), a pid namespace per container, the pod's ipc
    namespace."""
    mode = m["NamespaceOption"].DESCRIPTOR.fields_by_name["network"].enum_type.values_by_name
    return m["NamespaceOption"](network=mode[network].number, pid=mode["CONTAINER"].number, ipc=mode["POD"].number)


@pytest.fixture
def pod(tmp_base):
    """A pod on the host network: see run_pod."""
    with run_pod(tmp_base, "NODE") as p:
        yield p


@pytest.fixture
def pod_netns(tmp_base):
    """A pod with a network namespace of its own (CNI bridge): see run_pod."""
    with run_pod(tmp_base, "POD", hostname="ucrun-pod") as p:
        yield p


@contextlib.contextmanager
def run_pod(tmp_base, network, hostname=""):
    """containerd, a CRI client and a running pod sandbox (handler ucrun);
    yields (cri, sandbox id, sandbox config, log dir). Afterwards the
    sandbox is stopped and removed, and its cgroups go."""
    d = tmp_base / "containerd"
    d.mkdir()
    logs = tmp_base / "logs"
    logs.mkdir()
    parent = f"/ucrun-it-cri-{uuid.uuid4().hex[:8]}"
    with cri_containerd(d) as sock:
        m = load_messages(tmp_base)
        cri = Cri(sock, m)
        config = m["PodSandboxConfig"](
            metadata=m["PodSandboxMetadata"](name="pod", uid=uuid.uuid4().hex, namespace="ucrun-it"),
            hostname=hostname,  # the kubelet sends none on the host network
            log_directory=str(logs),
            linux=m["LinuxPodSandboxConfig"](
                cgroup_parent=parent,
                security_context=m["LinuxSandboxSecurityContext"](namespace_options=namespaces(m, network))))
        sandbox = None
        try:
            sandbox = cri.RunPodSandbox(config=config, runtime_handler="ucrun").pod_sandbox_id
            yield cri, sandbox, config, logs
        finally:
            if sandbox:
                cri.StopPodSandbox(pod_sandbox_id=sandbox)
                cri.RemovePodSandbox(pod_sandbox_id=sandbox)
            cri.close()
        if sandbox:  # ucrun was told to delete it, by the shim
            assert sandbox not in ucrun_ids(), "the removed pod sandbox is still in ucrun's state"
    for c in sorted(cgroup_dirs(parent), key=lambda p: -len(str(p))):
        for sub in sorted((p for p in c.rglob("*") if p.is_dir()), key=lambda p: -len(str(p))):
            sub.rmdir()
        c.rmdir()


def container(cri, sandbox, config, name, command, **linux):
    m = cri.m
    cfg = m["ContainerConfig"](
        metadata=m["ContainerMetadata"](name=name), image=m["ImageSpec"](image=IMAGE),
        command=command, log_path=f"{name}.log",
        linux=m["LinuxContainerConfig"](
            security_context=m["LinuxContainerSecurityContext"](
                namespace_options=config.linux.security_context.namespace_options), **linux))
    return cri.CreateContainer(pod_sandbox_id=sandbox, config=cfg, sandbox_config=config).container_id


def status(cri, cid):
    return cri.ContainerStatus(container_id=cid).status


def wait_exited(cri, cid, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        st = status(cri, cid)
        if st.state == EXITED:
            return st
        assert time.monotonic() < deadline, st
        time.sleep(0.1)


def shim_runtime(cri, cid):
    """The OCI runtime binary containerd's shim ran for cid (from the
    verbose ContainerStatus info)."""
    info = json.loads(cri.ContainerStatus(container_id=cid, verbose=True).info["info"])
    return info["runtimeType"], info["runtimeOptions"]


def test_cri_sandbox_container_exec_update_stats_logs_stop(pod):
    cri, sandbox, config, logs = pod
    assert cri.Version(version="v1").runtime_api_version == "v1"
    cid = container(cri, sandbox, config, "app",
                    ["sh", "-c", "echo hello from the pod; echo to stderr >&2; exec sleep 1000"])
    cri.StartContainer(container_id=cid)
    try:
        st = status(cri, cid)
        assert st.state == RUNNING, st
        runtime_type, options = shim_runtime(cri, cid)
        assert runtime_type == "io.containerd.runc.v2"
        assert options.get("binary_name") == UCRUN_BIN, options
        # ucrun itself holds both, in the runc shim's --root for namespace k8s.io
        for i in (sandbox, cid):
            state = json.loads(subprocess.run([UCRUN_BIN, "--root", SHIM_ROOT, "state", i], check=True,
                                              capture_output=True, text=True, timeout=30).stdout)
            assert state["status"] == "running", state

        # ExecSync: output and exit code of a process run in the container
        r = cri.ExecSync(container_id=cid, cmd=["sh", "-c", "echo out; echo err >&2; hostname; exit 7"], timeout=10)
        assert r.exit_code == 7, r
        assert r.stdout.decode().split() == ["out", socket.gethostname()], r  # host network, host UTS
        assert r.stderr.decode() == "err\n", r
        # ...and it ran in the container's pid namespace, with its init
        r = cri.ExecSync(container_id=cid, cmd=["cat", "/proc/1/cmdline"], timeout=10)
        assert r.exit_code == 0 and r.stdout.split(b"\0")[:2] == [b"sleep", b"1000"], r

        # UpdateContainerResources reaches the container's cgroup (ucrun update)
        m = cri.m
        cri.UpdateContainerResources(container_id=cid, linux=m["LinuxContainerResources"](
            cpu_shares=512, memory_limit_in_bytes=64 << 20))
        cg = [line.split(":", 2) for line in
              cri.ExecSync(container_id=cid, cmd=["cat", "/proc/self/cgroup"]).stdout.decode().splitlines()]
        paths = {ctl: path for _, ctls, path in cg for ctl in ctls.split(",")}
        if Path("/sys/fs/cgroup/cgroup.controllers").exists():  # cgroup v2 only; not exercised on this v1 host
            d = Path("/sys/fs/cgroup") / paths[""].lstrip("/")
            assert config.linux.cgroup_parent in paths[""], paths
            assert int((d / "memory.max").read_text()) == 64 << 20
            # shares 512 as cpu.weight by runc's conversion, 1 + (shares - 2) * 9999 / 262142
            assert int((d / "cpu.weight").read_text()) == 1 + (512 - 2) * 9999 // 262142
        else:
            mem = Path("/sys/fs/cgroup/memory") / paths["memory"].lstrip("/")
            cpu = Path("/sys/fs/cgroup/cpu") / paths["cpu"].lstrip("/")
            assert config.linux.cgroup_parent in paths["memory"], paths
            assert int((mem / "memory.limit_in_bytes").read_text()) == 64 << 20
            assert int((cpu / "cpu.shares").read_text()) == 512
        st = status(cri, cid)
        assert st.resources.linux.memory_limit_in_bytes == 64 << 20, st

        # ContainerStats from the container's cgroup
        stats = cri.ContainerStats(container_id=cid).stats
        assert stats.attributes.id == cid
        assert stats.memory.working_set_bytes.value > 0 or stats.memory.usage_bytes.value > 0, stats
        assert stats.cpu.usage_core_nano_seconds.value > 0, stats

        # logs: the CRI log file, one "<time> <stream> F <line>" per line
        log = logs / "app.log"
        assert st.log_path == str(log), st
        deadline = time.monotonic() + 10
        while "to stderr" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.1)
        lines = sorted(line.split(" ", 1)[1] for line in log.read_text().splitlines())
        assert lines == ["stderr F to stderr", "stdout F hello from the pod"], log.read_text()

        # StopContainer: SIGTERM is ignored by sleep as pid 1, SIGKILL after the timeout
        cri.StopContainer(container_id=cid, timeout=1)
        st = wait_exited(cri, cid)
        assert st.exit_code == 137, st
    finally:
        cri.RemoveContainer(container_id=cid)
    with pytest.raises(grpc.RpcError) as e:
        status(cri, cid)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert cid not in ucrun_ids() and sandbox in ucrun_ids()


def test_cri_exit_code_and_missing_executable(pod):
    cri, sandbox, config, logs = pod
    cid = container(cri, sandbox, config, "exits", ["sh", "-c", "echo bye; exit 3"])
    try:
        cri.StartContainer(container_id=cid)
        st = wait_exited(cri, cid)
        assert st.exit_code == 3, st
        assert "stdout F bye" in (logs / "exits.log").read_text()
    finally:
        cri.RemoveContainer(container_id=cid)

    cid = container(cri, sandbox, config, "missing", ["/no/such/program"])
    try:
        with pytest.raises(grpc.RpcError) as e:
            cri.StartContainer(container_id=cid)
        # ucrun's error, passed on by the shim and containerd to the kubelet
        assert 'exec: "/no/such/program": stat /no/such/program: no such file or directory' \
            in e.value.details(), e.value.details()
        st = status(cri, cid)
        # what the kubelet shows in the pod's status: exited, 128, StartError
        assert (st.state, st.exit_code, st.reason) == (EXITED, 128, "StartError"), st
        assert '"/no/such/program"' in st.message, st
    finally:
        cri.RemoveContainer(container_id=cid)


@pytest.mark.skipif(not all(os.access(f"{CNI_BIN}/{p}", os.X_OK) for p in ("bridge", "host-local", "loopback")),
                    reason="containernetworking-plugins is not installed (contrib/install-deps.sh installs it)")
def test_cri_pod_network_namespace_joined(pod_netns):
    """The usual pod: the sandbox has network, uts and ipc namespaces of
    its own (containerd's netns from the CNI bridge); an app container joins
    them by path and has its own pid namespace."""
    cri, sandbox, config, logs = pod_netns
    cid = container(cri, sandbox, config, "app", ["sleep", "1000"])
    cri.StartContainer(container_id=cid)
    try:
        init = json.loads(subprocess.run([UCRUN_BIN, "--root", SHIM_ROOT, "state", sandbox], check=True,
                                         capture_output=True, text=True, timeout=30).stdout)["pid"]
        r = cri.ExecSync(container_id=cid, cmd=["sh", "-c", "hostname; for n in net uts ipc pid; do "
                                                "busybox readlink /proc/self/ns/$n; done; cat /proc/net/dev"],
                         timeout=10)
        assert r.exit_code == 0, r
        out = r.stdout.decode().splitlines()
        assert out[0] == "ucrun-pod", out
        for kind, got in zip(("net", "uts", "ipc"), out[1:4]):
            pod_ns = os.readlink(f"/proc/{init}/ns/{kind}")
            assert got == pod_ns and pod_ns != os.readlink(f"/proc/self/ns/{kind}"), (kind, out)
        assert out[4] != os.readlink(f"/proc/{init}/ns/pid"), out
        assert any(line.strip().startswith("eth0:") for line in out[5:]), out  # CNI's interface
    finally:
        cri.StopContainer(container_id=cid, timeout=1)
        cri.RemoveContainer(container_id=cid)
