"""The runtime's user-namespace remap (issue 12 item 3) on real containers:
with --userns-remap (or userns.remap in ucrun.yaml) a bundle without a user
namespace runs in one, its root on a block of the `ucrun` user's
subordinate ids; the block is the container's own, shown in its state,
used by exec and freed by delete.

`remap: default` makes the `ucrun` system user and its ranges in /etc/subuid
and /etc/subgid on first use, as dockerd makes `dockremap`: these tests do
that on the machine they run on (a throwaway CI machine, as root)."""

import json
import os
import time
from pathlib import Path

import pytest

from support import IS_RUNC

pytestmark = pytest.mark.skipif(IS_RUNC, reason="ucrun's own remap policy")

REMAP = ["--userns-remap=default"]
REGISTRY = Path("/run/ucrun/.userns/allocations.json")
SUBUID = Path("/etc/subuid")


def registry_keys():
    if not REGISTRY.exists():
        return {}
    return json.loads(REGISTRY.read_text())["allocations"]


def entries_under(root):
    return {k: v for k, v in registry_keys().items() if k.startswith(str(root) + "/")}


@pytest.fixture
def remap_root(root):
    """The test's --root; on teardown, no block of the registry may still
    belong to a container under it (delete frees them)."""
    yield root
    # A container the test left behind is the root fixture's to report
    # (and delete, which frees its block); a block without its container is ours.
    left = {k: v for k, v in entries_under(root).items() if not Path(k).exists()}
    assert not left, f"blocks left in {REGISTRY}: {left}"


def ucrun_ranges(path=SUBUID):
    out = []
    for line in path.read_text().splitlines():
        f = line.strip().split(":")
        if len(f) == 3 and f[0] == "ucrun":
            out.append((int(f[1]), int(f[2])))
    return out


def uid_map(text):
    """First line of a uid_map: (container, host, size)."""
    c, h, n = text.split()[:3]
    return int(c), int(h), int(n)


def inside(host, ranges):
    return any(s <= host and host + 65536 <= s + n for s, n in ranges)


def test_remapped_run_maps_root_into_ucrun_range(ucrun, remap_root, bundle, host_dir):
    etc = host_dir("etc")
    (etc / "hosts").write_text("host file\n")
    os.chmod(etc / "hosts", 0o644)
    before = (etc / "hosts").stat()
    b = bundle()
    assert not b.has_ns("user")
    b.add_mount("/root/etc", "bind", etc, ["rbind", "rw"])
    b.sh("cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c '%u:%g' /root/etc/hosts; "
         "touch /root/etc/x && echo WROTE; echo x >> /root/etc/hosts && echo APPENDED; true")
    cp = ucrun("run", "-b", b, "c1", global_args=REMAP)
    lines = cp.stdout.splitlines()
    c, h, n = uid_map(lines[0])
    assert (c, n) == (0, 65536), cp.stdout
    assert h > 0 and inside(h, ucrun_ranges()), (h, ucrun_ranges())
    assert uid_map(lines[1])[1] > 0
    assert lines[2] == "0"  # root inside
    assert lines[3] == "65534:65534", cp.stdout  # host root's files: nobody:nogroup
    assert "WROTE" not in cp.stdout and "APPENDED" not in cp.stdout, cp.stdout
    assert not (etc / "x").exists()
    after = (etc / "hosts").stat()
    assert (after.st_uid, after.st_size, after.st_mtime_ns) == (before.st_uid, before.st_size, before.st_mtime_ns)


def test_state_exec_ps_delete_use_the_mapping(ucrun, remap_root, bundle):
    b = bundle()
    b.args("sleep", "100")
    ucrun("create", "-b", b, "c1", global_args=REMAP)
    st = ucrun.state("c1")
    ann = st["annotations"]
    assert ann["io.github.ucrun.userns.user"] == "ucrun"
    assert ann["io.github.ucrun.userns.allocation"] == "per-container"
    c, h, n = (int(x) for x in ann["io.github.ucrun.userns.uid-map"].split(":"))
    assert (c, n) == (0, 65536)
    # the kernel's view of the init agrees with the state
    assert uid_map(Path(f"/proc/{st['pid']}/uid_map").read_text()) == (0, h, 65536)
    gh = int(ann["io.github.ucrun.userns.gid-map"].split(":")[1])
    assert uid_map(Path(f"/proc/{st['pid']}/gid_map").read_text()) == (0, gh, 65536)
    # the registry holds it, keyed by the state directory
    entry = registry_keys()[f"{remap_root}/c1"]
    assert entry["uid"] == [h, 65536] and entry["gid"] == [gh, 65536]
    ucrun("start", "c1")
    # exec joins the container's user namespace: the same mapping, root inside
    cp = ucrun("exec", "c1", "sh", "-c", "cat /proc/self/uid_map; id -u", global_args=REMAP)
    assert uid_map(cp.stdout.splitlines()[0]) == (0, h, 65536)
    assert cp.stdout.splitlines()[1] == "0"
    # exec without the flag (an engine that does not pass it to exec) too
    cp = ucrun("exec", "c1", "cat", "/proc/self/uid_map")
    assert uid_map(cp.stdout) == (0, h, 65536)
    cp = ucrun("ps", "--format", "json", "c1")
    assert st["pid"] in json.loads(cp.stdout)
    # the host sees the container's processes as the mapped uid
    status = Path(f"/proc/{st['pid']}/status").read_text()
    uids = next(l for l in status.splitlines() if l.startswith("Uid:")).split()[1:]
    assert uids == [str(h)] * 4, uids
    ucrun("kill", "c1", "KILL")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    assert f"{remap_root}/c1" not in registry_keys()


def test_two_containers_get_disjoint_blocks_even_under_two_roots(ucrun, remap_root, bundle, tmp_base):
    from support import Runner
    other_root = tmp_base / "root2"
    other_root.mkdir(mode=0o700)
    other = Runner(other_root, tmp_base)
    b1, b2, b3 = bundle(), bundle(), bundle()
    for b in (b1, b2, b3):
        b.args("sleep", "100")
    b3.linux["cgroupsPath"] = f"/ucrun-it-root2-{os.getpid()}"
    ucrun("create", "-b", b1, "a", global_args=REMAP)
    ucrun("create", "-b", b2, "b", global_args=REMAP)
    other("create", "-b", b3, "a", global_args=REMAP)  # same id, another engine's root
    try:
        blocks = []
        for r, cid in ((ucrun, "a"), (ucrun, "b"), (other, "a")):
            pid = r.state(cid)["pid"]
            _, h, n = uid_map(Path(f"/proc/{pid}/uid_map").read_text())
            _, gh, gn = uid_map(Path(f"/proc/{pid}/gid_map").read_text())
            blocks.append(((h, n), (gh, gn)))
        for i in range(3):
            for j in range(i + 1, 3):
                for k in (0, 1):
                    (s1, n1), (s2, n2) = blocks[i][k], blocks[j][k]
                    assert s1 + n1 <= s2 or s2 + n2 <= s1, blocks
    finally:
        for r, cid in ((ucrun, "a"), (ucrun, "b"), (other, "a")):
            r("delete", "--force", cid, check=False)
    assert not entries_under(other_root)
    assert not os.listdir(other_root)


def test_shared_allocation_gives_every_container_the_same_range(ucrun, remap_root, bundle):
    b1, b2 = bundle(), bundle()
    for b in (b1, b2):
        b.args("sleep", "100")
    g = REMAP + ["--userns-allocation=shared"]
    ucrun("create", "-b", b1, "s1", global_args=g)
    ucrun("create", "-b", b2, "s2", global_args=g)
    try:
        maps = [Path(f"/proc/{ucrun.state(c)['pid']}/uid_map").read_text() for c in ("s1", "s2")]
        assert maps[0] == maps[1]
        assert uid_map(maps[0])[1] == ucrun_ranges()[0][0]  # the user's first range, as dockerd
        assert ucrun.state("s1")["annotations"]["io.github.ucrun.userns.allocation"] == "shared"
    finally:
        ucrun("delete", "--force", "s1")
        ucrun("delete", "--force", "s2")


def test_bundle_with_its_own_user_namespace_is_left_as_it_is(ucrun, remap_root, bundle):
    b = bundle(userns=True)
    want = b.linux["uidMappings"][0]
    b.args("cat", "/proc/self/uid_map")
    cp = ucrun("run", "-b", b, "own", global_args=REMAP)
    assert uid_map(cp.stdout) == (0, want["hostID"], want["size"])
    assert f"{remap_root}/own" not in registry_keys()


def test_stored_config_says_what_ran(ucrun, remap_root, bundle):
    b = bundle()
    b.args("true")
    ucrun("create", "-b", b, "c1", global_args=REMAP)
    try:
        stored = json.loads((remap_root / "c1" / "config.json").read_text())
        assert {"type": "user"} in stored["linux"]["namespaces"]
        assert stored["linux"]["uidMappings"][0]["containerID"] == 0
        assert stored["annotations"]["io.github.ucrun.userns.user"] == "ucrun"
        # the bundle's own file is untouched
        assert "uidMappings" not in json.loads(b.config_path.read_text())["linux"]
    finally:
        ucrun("delete", "--force", "c1")


def test_opt_out_needs_allow_host(ucrun, remap_root, bundle):
    b = bundle()
    b.config["annotations"] = {"io.github.ucrun.userns": "host"}
    b.args("cat", "/proc/self/uid_map")
    cp = ucrun.fail("run", "-b", b, "out", global_args=REMAP)
    assert 'config.json: annotations["io.github.ucrun.userns"]' in cp.stderr, cp.stderr
    assert "allow-host" in cp.stderr
    assert not os.listdir(remap_root)
    assert f"{remap_root}/out" not in registry_keys()
    cp = ucrun("run", "-b", b, "out", global_args=REMAP + ["--userns-allow-host=true"])
    assert uid_map(cp.stdout) == (0, 0, 4294967295)  # the host's user namespace


@pytest.mark.parametrize("ann,want", [
    ({"io.github.ucrun.userns": "auto"}, 'annotations["io.github.ucrun.userns"]: unknown value "auto"'),
    ({"io.github.ucrun.userns.uid-map": "0:1:1"}, 'annotations["io.github.ucrun.userns.uid-map"]: is reserved'),
])
def test_bad_annotations_are_refused(ucrun, remap_root, bundle, ann, want):
    b = bundle()
    b.config["annotations"] = ann
    b.args("true")
    cp = ucrun.fail("run", "-b", b, "bad", global_args=REMAP)
    assert want in cp.stderr, cp.stderr
    assert not os.listdir(remap_root)


def test_failed_create_frees_its_block(ucrun, remap_root, bundle):
    b = bundle()
    b.args("/no/such/program")
    cp = ucrun.fail("run", "-b", b, "bad", global_args=REMAP)
    assert "no such file or directory" in cp.stderr or "executable file not found" in cp.stderr, cp.stderr
    assert not os.listdir(remap_root)
    assert f"{remap_root}/bad" not in registry_keys()


def test_killed_create_leaves_a_block_that_is_reclaimed(ucrun, remap_root, bundle):
    """A create killed after it took its block and made the state dir:
    delete --force removes the container and frees the block."""
    b = bundle()
    b.args("sleep", "100")
    b.config.setdefault("hooks", {})["createRuntime"] = [{"path": "/bin/sleep", "args": ["sleep", "100"]}]
    p = ucrun.popen("create", "-b", b, "k", global_args=REMAP)
    deadline = time.monotonic() + 10
    while f"{remap_root}/k" not in registry_keys() or not (remap_root / "k" / "state.json").exists():
        assert time.monotonic() < deadline, "create never took its block"
        time.sleep(0.02)
    p.kill()
    p.wait()
    p.close()
    assert f"{remap_root}/k" in registry_keys()  # still there: the directory exists
    ucrun("delete", "--force", "k")
    assert f"{remap_root}/k" not in registry_keys()


def test_remap_from_the_configuration_file(ucrun, remap_root, bundle, tmp_base):
    conf = tmp_base / "ucrun.yaml"
    conf.write_text("userns:\n  remap: default\n  size: 4096\n")
    b = bundle()
    b.args("cat", "/proc/self/uid_map")
    cp = ucrun("run", "-b", b, "f", global_args=["--config", conf])
    c, h, n = uid_map(cp.stdout)
    assert (c, n) == (0, 4096) and inside(h, ucrun_ranges())


def test_check_says_what_the_remap_adds(ucrun, bundle):
    b = bundle()
    b.write()
    cp = ucrun("check", "--bundle", b, check=False)
    assert "[no-userns]" in cp.stdout and cp.returncode == 1
    cp = ucrun("check", "--bundle", b, check=False, global_args=REMAP)
    assert "[no-userns]" not in cp.stdout, cp.stdout
    assert "INFO   linux.namespaces: the runtime's remap (userns.remap=default, per-container, 65536 ids) adds a " \
           "user namespace" in cp.stdout, cp.stdout
    b.config["annotations"] = {"io.github.ucrun.userns": "host"}
    b.write()
    cp = ucrun("check", "--bundle", b, check=False, global_args=REMAP)
    assert cp.returncode == 1
    assert '[remap-refused]' in cp.stdout and "create refuses it" in cp.stdout, cp.stdout
    cp = ucrun("check", "--bundle", b, check=False, global_args=REMAP + ["--userns-allow-host=true"])
    assert "[no-userns]" in cp.stdout and "[remap-opt-out]" in cp.stdout, cp.stdout


@pytest.fixture
def remap_user():
    """A throwaway system user with 2 blocks of 4096 subordinate ids, made
    with shadow's own tools and removed (ranges included) afterwards."""
    import subprocess
    name = f"ucrit{os.getpid() % 100000}"
    start = 3_000_000_000 + (os.getpid() % 1000) * 65536
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    try:
        subprocess.run(["usermod", "--add-subuids", f"{start}-{start + 8191}",
                        "--add-subgids", f"{start}-{start + 8191}", name], check=True)
        yield name, start
    finally:
        subprocess.run(["userdel", name], check=True)
        for f in ("/etc/subuid", "/etc/subgid"):  # userdel should have done it
            assert not any(l.startswith(name + ":") for l in Path(f).read_text().splitlines()), f


def test_remap_to_a_named_user_and_exhaustion(ucrun, remap_root, bundle, remap_user):
    name, start = remap_user
    g = [f"--userns-remap={name}", "--userns-size=4096"]
    bs = [bundle() for _ in range(3)]
    for b in bs:
        b.args("sleep", "100")
    ucrun("create", "-b", bs[0], "u1", global_args=g)
    ucrun("create", "-b", bs[1], "u2", global_args=g)
    try:
        got = sorted(uid_map(Path(f"/proc/{ucrun.state(c)['pid']}/uid_map").read_text()) for c in ("u1", "u2"))
        assert got == [(0, start, 4096), (0, start + 4096, 4096)]
        assert ucrun.state("u1")["annotations"]["io.github.ucrun.userns.user"] == name
        cp = ucrun.fail("create", "-b", bs[2], "u3", global_args=g)
        assert f"no free block of 4096 uids for container u3 (user {name}: uids {start}-{start + 8191} in " \
               "/etc/subuid" in cp.stderr, cp.stderr
        assert sorted(os.listdir(remap_root)) == ["u1", "u2"]
        # a deleted container's block is the next one's
        ucrun("delete", "--force", "u1")
        ucrun("create", "-b", bs[2], "u3", global_args=g)
        assert uid_map(Path(f"/proc/{ucrun.state('u3')['pid']}/uid_map").read_text()) == (0, start, 4096)
    finally:
        for c in ("u1", "u2", "u3"):
            ucrun("delete", "--force", c, check=False)


def test_remap_to_a_user_without_ranges_is_a_clear_error(ucrun, remap_root, bundle):
    b = bundle()
    b.args("true")
    cp = ucrun.fail("run", "-b", b, "n", global_args=["--userns-remap=nobody"])
    assert "nobody" in cp.stderr and "/etc/subuid" in cp.stderr, cp.stderr
    assert not os.listdir(remap_root)


def owners(tree):
    """path -> (uid, gid, mode) of everything under `tree`, links not followed."""
    out = {}
    for dirpath, dirs, files in os.walk(tree):
        for n in dirs + files + ["."]:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out[os.path.normpath(p)] = (st.st_uid, st.st_gid, st.st_mode)
    return out


WRITE_SCRIPT = ("stat -c '%u:%g' / /bin/busybox /etc/passwd; id -u; "
                "echo hi > /new-file && mkdir /new-dir && echo wrote; stat -c '%u:%g' /new-file")


def test_image_owned_by_host_root_runs_remapped_without_a_chown(ucrun, remap_root, bundle):
    b = bundle()
    before = owners(b.rootfs)
    assert before[str(b.rootfs / "bin" / "busybox")][:2] == (0, 0)
    b.config["root"]["readonly"] = False
    b.sh(WRITE_SCRIPT)
    cp = ucrun("run", "-b", b, "img", global_args=REMAP)
    out = cp.stdout.splitlines()
    # root's files are root's inside: the rootfs is idmapped, not nobody-owned
    assert out[:3] == ["0:0", "0:0", "0:0"], cp.stdout
    assert out[3:6] == ["0", "wrote", "0:0"], cp.stdout
    after = owners(b.rootfs)
    for path, o in before.items():
        assert after[path] == o, f"{path} changed from {o} to {after[path]}"
    # what the container wrote as its root is host root's on disk, as if
    # the image had been written by root: nothing of the block's ids lands
    assert after[str(b.rootfs / "new-file")][:2] == (0, 0)
    assert after[str(b.rootfs / "new-dir")][:2] == (0, 0)


def test_overlay_rootfs_is_rebuilt_over_idmapped_layers(ucrun, remap_root, bundle, tmp_base):
    """An engine's rootfs is an overlay mount (podman, docker overlay2,
    containerd's snapshotter): the container sees it idmapped, writes land in
    the upper layer with the ids they have inside, the lower layer is not
    touched, and the host's overlay keeps working."""
    import subprocess
    b = bundle()
    lower = tmp_base / "lower"
    os.rename(b.rootfs, lower)
    upper, work = tmp_base / "upper", tmp_base / "work"
    upper.mkdir()
    work.mkdir()
    b.rootfs.mkdir()
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={lower},upperdir={upper},workdir={work}", str(b.rootfs)], check=True)
    try:
        lower_before = owners(lower)
        b.config["root"]["readonly"] = False
        b.sh(WRITE_SCRIPT + "; echo x >> /etc/passwd && echo appended")
        cp = ucrun("run", "-b", b, "ovl", global_args=REMAP)
        out = cp.stdout.splitlines()
        assert out[:6] == ["0:0", "0:0", "0:0", "0", "wrote", "0:0"], cp.stdout
        assert out[6] == "appended"
        assert owners(lower) == lower_before
        assert (upper / "new-file").read_text() == "hi\n"
        for n in ("new-file", "new-dir", "etc/passwd"):  # etc/passwd: copied up
            st = os.lstat(upper / n)
            assert (st.st_uid, st.st_gid) == (0, 0), n
        # the host's own overlay still reads and writes
        assert (b.rootfs / "new-file").read_text() == "hi\n"
        (b.rootfs / "host-file").write_text("h")
        assert (upper / "host-file").exists()
    finally:
        subprocess.run(["umount", str(b.rootfs)], check=True)


def test_bundle_and_bind_sources_behind_directories_only_root_may_search(ucrun, remap_root, bundle, tmp_base):
    """Engines keep bundles and the files they bind (hosts, resolv.conf,
    /dev/shm) in 0700/0710 directories of their own; a remapped container's
    root is an unprivileged host uid that cannot search them, so ucrun
    reaches them as host root (the parent) and the init only attaches."""
    priv = tmp_base / "engine-storage"
    priv.mkdir(mode=0o700)
    from support import Bundle
    b = Bundle(priv / "bundle")
    src = priv / "userdata"
    src.mkdir(mode=0o700)
    (src / "hosts").write_text("127.0.0.1 engine-written\n")
    (src / "shm").mkdir()
    os.chmod(src / "shm", 0o1777)  # as a /dev/shm (mkdir is under the umask)
    b.add_mount("/etc/hosts", "bind", src / "hosts", ["rbind", "ro"])
    b.add_mount("/dev/shm", "bind", src / "shm", ["rbind", "rw"])
    b.sh("cat /etc/hosts; echo x > /dev/shm/f && echo shm-ok; grep -c ' /etc/hosts ' /proc/self/mountinfo")
    cp = ucrun("run", "-b", b, "priv", global_args=REMAP)
    assert cp.stdout.splitlines() == ["127.0.0.1 engine-written", "shm-ok", "1"], cp.stdout + cp.stderr
    assert (src / "shm" / "f").read_text() == "x\n"


def test_idmap_volume_of_a_bundle_without_user_namespace_takes_the_remap(ucrun, remap_root, bundle, host_dir):
    """An `idmap` bind without mappings of its own takes the container's user
    namespace mapping (config.md): the one the remap adds. Files written
    there by container root are host root's on disk."""
    vol = host_dir("vol")
    b = bundle()
    b.add_mount("/vol", "bind", vol, ["rbind", "rw", "idmap"])
    b.sh("stat -c %u:%g /vol; touch /vol/by-root && echo wrote")
    cp = ucrun("run", "-b", b, "iv", global_args=REMAP)
    assert cp.stdout.split() == ["0:0", "wrote"], cp.stdout
    st = os.lstat(vol / "by-root")
    assert (st.st_uid, st.st_gid) == (0, 0)
