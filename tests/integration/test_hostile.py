"""A hostile rootfs: symlinks planted where mounts, devices, masked paths and
the working directory go, and a container reaching for the runtime's binary.

Every case: the host is untouched (decoys under the test's scratch dir are
hashed before and after, and are not mount points), and the container either
runs with everything inside its rootfs or is refused with a clear error,
leaving nothing behind (the fixtures check mounts and processes)."""

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from consock import ConsoleSocket
from support import (BUSYBOX, IS_RUNC, UCRUN_BIN, USERNS_HOST_ID, install_helper, mount_points, wait_file_contains,
                     wait_for)
from isolation import bundle  # noqa: F401  (a cgroup per bundle)

U = pytest.mark.ucrun_specific


def tree_hash(path):
    """Hash of a file or a directory tree: names, types, modes, owners,
    contents, symlink targets."""
    h = hashlib.sha256()
    path = str(path)

    def one(p, rel):
        st = os.lstat(p)
        h.update(f"{rel}\0{st.st_mode:o}\0{st.st_uid}:{st.st_gid}\0".encode())
        if os.path.islink(p):
            h.update(os.readlink(p).encode())
        elif os.path.isfile(p):
            with open(p, "rb") as f:
                h.update(f.read())

    one(path, ".")
    if os.path.isdir(path) and not os.path.islink(path):
        for dirpath, dirs, files in os.walk(path):
            dirs.sort()
            for n in sorted(dirs + files):
                p = os.path.join(dirpath, n)
                one(p, os.path.relpath(p, path))
    return h.hexdigest()


class Decoys:
    """A host file and a host dir the rootfs points at."""

    def __init__(self, base):
        self.dir = base / "decoy-dir"
        self.dir.mkdir()
        os.chmod(self.dir, 0o755)
        (self.dir / "keep").write_text("decoy dir content\n")
        self.file = base / "decoy-file"
        self.file.write_text("decoy file content\n")
        os.chmod(self.file, 0o644)
        self.before = self.hashes()

    def hashes(self):
        return {"dir": tree_hash(self.dir), "file": tree_hash(self.file)}

    def check(self):
        assert self.hashes() == self.before, "a decoy on the host was modified"
        for mp, _, _ in mount_points():
            assert not mp.startswith(str(self.dir)) and mp != str(self.file), f"decoy mounted over: {mp}"


@pytest.fixture
def decoys(tmp_base):
    d = Decoys(tmp_base)
    yield d
    d.check()


def plant(b, path, target):
    """Replace `path` in the rootfs by a symlink to `target`."""
    p = b.rootfs / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.is_symlink() or p.is_file():
        p.unlink()
    elif p.is_dir():
        os.rmdir(p)
    os.symlink(str(target), p)
    return p


def refused_or_inside(cp, b, decoys):
    """The run failed with a one-line error, or succeeded; either way the
    decoys are untouched (checked again at teardown)."""
    if cp.returncode != 0:
        lines = cp.stderr.strip().splitlines()
        assert len(lines) == 1, cp.stderr
    decoys.check()


# ---------------------------------------------------------------------------
# mount destinations


@U
@pytest.mark.parametrize("kind", ["bind", "tmpfs"])
def test_destination_symlink_to_root_refused(ucrun, bundle, host_dir, root, decoys, kind):
    b = bundle()
    b.args("true")
    plant(b, "/mnt/link", "/")
    if kind == "bind":
        b.add_mount("/mnt/link", "bind", host_dir(), ["rbind"])
    else:
        b.add_mount("/mnt/link", "tmpfs", "tmpfs")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "mounts[7].destination" in cp.stderr and "root directory" in cp.stderr, cp.stderr
    assert os.listdir(root) == []


def test_destination_dotdot_symlink_stays_inside(ucrun, bundle, host_dir, decoys):
    """../../../etc from the rootfs is the container's /etc, never the host's."""
    d = host_dir()
    (d / "marker").write_text("from the bind\n")
    host_etc = tree_hash("/etc/passwd")
    b = bundle()
    plant(b, "/mnt/up", "../../../../../../../../../etc")
    b.add_mount("/mnt/up", "bind", d, ["rbind", "ro"])
    b.sh("cat /etc/marker; ls /etc | wc -l")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert out == ["from", "the", "bind", "1"]
    assert not os.path.exists("/etc/marker")
    assert tree_hash("/etc/passwd") == host_etc
    assert (b.rootfs / "etc" / "passwd").exists()  # hidden in the container, untouched


@pytest.mark.parametrize("kind", ["bind", "tmpfs"])
def test_destination_symlink_to_host_path(ucrun, bundle, host_dir, decoys, kind):
    """An absolute symlink to a host directory resolves inside the rootfs."""
    b = bundle()
    plant(b, "/mnt/abs", decoys.dir)
    if kind == "bind":
        d = host_dir()
        (d / "f").write_text("bound\n")
        b.add_mount("/mnt/abs", "bind", d, ["rbind"])
    else:
        b.add_mount("/mnt/abs", "tmpfs", "tmpfs")
    b.sh("ls /mnt/abs/")
    cp = ucrun("run", "-b", b, "c1", check=False)
    refused_or_inside(cp, b, decoys)
    if cp.returncode == 0:
        assert "keep" not in cp.stdout


def test_destination_symlink_to_host_path_existing_inside(ucrun, bundle, host_dir, decoys):
    """The same absolute path also exists in the rootfs: the mount lands there."""
    d = host_dir()
    (d / "f").write_text("bound\n")
    b = bundle()
    inside = b.rootfs / str(decoys.dir).lstrip("/")
    inside.mkdir(parents=True)
    plant(b, "/mnt/abs", decoys.dir)
    b.add_mount("/mnt/abs", "bind", d, ["rbind"])
    b.sh(f"cat {decoys.dir}/f")
    assert ucrun("run", "-b", b, "c1").stdout == "bound\n"


def test_destination_intermediate_symlink(ucrun, bundle, host_dir, decoys):
    """A symlink in the middle of the destination: nothing is created on the host."""
    b = bundle()
    plant(b, "/mnt/link", decoys.dir)
    b.add_mount("/mnt/link/sub/dir", "tmpfs", "tmpfs")
    b.args("true")
    cp = ucrun("run", "-b", b, "c1", check=False)
    refused_or_inside(cp, b, decoys)
    assert not (decoys.dir / "sub").exists()


def test_destination_dangling_symlink_chain(ucrun, bundle, decoys):
    b = bundle()
    plant(b, "/mnt/a", "/mnt/b")
    plant(b, "/mnt/b", "/mnt/a")
    b.add_mount("/mnt/a", "tmpfs", "tmpfs")
    b.args("true")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "/mnt/a" in cp.stderr


@U
@pytest.mark.parametrize("dest", ["/proc/self/attr", "/proc/sys/kernel", "/proc/1/attr/current"])
def test_mount_over_proc_refused(ucrun, bundle, host_dir, root, dest):
    """Nothing goes on top of procfs (CVE-2019-16884) but lxcfs' files."""
    b = bundle()
    b.args("true")
    b.add_mount(dest, "bind", host_dir(), ["rbind"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "mounts[7].destination" in cp.stderr and "/proc" in cp.stderr, cp.stderr
    assert os.listdir(root) == []


@U
def test_mount_over_proc_via_symlink_refused(ucrun, bundle, host_dir, root):
    b = bundle()
    b.args("true")
    plant(b, "/mnt/attr", "/proc/self/attr")
    b.add_mount("/mnt/attr", "bind", host_dir(), ["rbind"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "mounts[7].destination" in cp.stderr
    assert os.listdir(root) == []


def test_lxcfs_style_proc_file_allowed(ucrun, bundle, host_dir):
    d = host_dir()
    (d / "uptime").write_text("12345.67 0.00\n")
    b = bundle()
    b.add_mount("/proc/uptime", "bind", d / "uptime", ["bind", "ro"])
    b.args("cat", "/proc/uptime")
    assert ucrun("run", "-b", b, "c1").stdout == "12345.67 0.00\n"


# ---------------------------------------------------------------------------
# /proc, /sys, /dev planted as symlinks


@pytest.mark.parametrize("where,target", [
    ("/proc", "decoy"), ("/proc", "/tmp"), ("/sys", "decoy"), ("/sys", "/etc"),
])
def test_proc_sys_symlink_refused(ucrun, bundle, root, decoys, where, target):
    b = bundle()
    b.args("true")
    plant(b, where, decoys.dir if target == "decoy" else target)
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "ordinary directory" in cp.stderr or "symlink" in cp.stderr, cp.stderr
    refused_or_inside(cp, b, decoys)
    assert os.listdir(root) == []
    assert not os.listdir(b.rootfs / "tmp") and (b.rootfs / "etc" / "passwd").exists()


@pytest.mark.parametrize("spelled", ["/proc/", "/proc/.", "/proc//./"])
def test_proc_symlink_refused_however_the_destination_is_spelled(ucrun, bundle, root, spelled):
    """A trailing "/" or "/." makes the kernel follow the last symlink even
    with O_NOFOLLOW: the check must look at the name "proc" itself, else
    procfs lands on the directory the symlink names (here the rootfs's
    /tmp)."""
    b = bundle()
    b.args("true")
    for m in b.config["mounts"]:
        if m["destination"] == "/proc":
            m["destination"] = spelled
    plant(b, "/proc", "/tmp")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "must be mounted on an ordinary directory, not a symlink" in cp.stderr, cp.stderr
    assert os.listdir(root) == []
    assert not os.listdir(b.rootfs / "tmp")


@U
@pytest.mark.parametrize("userns", [False, True], ids=["root", "userns"])
def test_dev_null_symlink_replaced(ucrun, bundle, decoys, userns):
    """No tmpfs on /dev: the rootfs's /dev/null and /dev/zero point at host
    files; the container gets real devices, the host files are untouched."""
    b = bundle(userns=userns)
    b.drop_mount("/dev")
    b.drop_mount("/dev/pts")
    b.drop_mount("/dev/shm")
    b.drop_mount("/dev/mqueue")
    plant(b, "/dev/null", decoys.file)
    plant(b, "/dev/zero", decoys.file)
    plant(b, "/dev/random", "/etc/passwd")
    if userns:
        os.chown(b.rootfs / "dev", USERNS_HOST_ID, USERNS_HOST_ID)
    b.sh("stat -c '%F %t:%T' /dev/null /dev/zero /dev/random; echo junk > /dev/null; cat /etc/passwd | wc -l")
    out = ucrun("run", "-b", b, "c1").stdout.splitlines()
    assert out[:3] == ["character special file 1:3", "character special file 1:5",
                       "character special file 1:8"]
    assert out[3] == "2"
    assert (b.rootfs / "etc" / "passwd").read_text().count("\n") == 2

@U

def test_dev_symlink_to_host_dir(ucrun, bundle, root, decoys):
    """/dev itself a symlink to a host dir, with the usual tmpfs on /dev."""
    b = bundle()
    b.args("true")
    plant(b, "/dev", decoys.dir)
    cp = ucrun("run", "-b", b, "c1", check=False)
    refused_or_inside(cp, b, decoys)
    assert os.listdir(root) == []

@U

def test_dev_symlink_to_host_dir_no_tmpfs(ucrun, bundle, root, decoys):
    b = bundle()
    b.args("true")
    for m in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"):
        b.drop_mount(m)
    plant(b, "/dev", decoys.dir)
    cp = ucrun("run", "-b", b, "c1", check=False)
    refused_or_inside(cp, b, decoys)
    assert os.listdir(root) == []


def default_acl(mode):
    """The system.posix_acl_default value (acl(5)) of a minimal ACL:
    owner, group and other entries of `mode` (its low nine bits)."""
    import struct
    entries = [(0x01, (mode >> 6) & 7), (0x04, (mode >> 3) & 7), (0x20, mode & 7)]  # USER_OBJ, GROUP_OBJ, OTHER
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perm, 0xFFFFFFFF) for tag, perm in entries)


def test_devices_in_an_image_dev_with_a_default_acl(ucrun, bundle):
    """No /dev tmpfs, and the image's /dev has a default ACL (rw-r-----):
    that, not the umask, masks the mode of what is made there (acl(5)).
    The devices still come out with the mode config.json asks for, the
    default ones (0:0) and a linux.devices one with another owner."""
    b = bundle()
    for m in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"):
        b.drop_mount(m)
    dev = b.rootfs / "dev"
    try:
        os.setxattr(dev, "system.posix_acl_default", default_acl(0o640))
    except OSError as e:
        pytest.skip(f"no POSIX ACLs on the bundle's file system: {e}")
    b.linux["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                           "fileMode": 0o666, "uid": 1000, "gid": 1000}]
    b.sh("stat -c '%n %a %u:%g' /dev/null /dev/zero /dev/fuse")
    out = ucrun("run", "-b", b, "c1").stdout.splitlines()
    assert out == ["/dev/null 666 0:0", "/dev/zero 666 0:0", "/dev/fuse 666 1000:1000"]


@U
def test_device_swapped_by_a_container_sharing_the_rootfs(ucrun, bundle, tmp_base, decoys):
    """Two containers on one rootfs without a /dev tmpfs (CVE-2025-52565
    class). The attacker, tests/helpers/dev_swap in the first, swaps
    /dev/x for a symlink to a host file over and over while the second is
    created again and again with a device at /dev/x owned by 1000:1000:
    the runtime must set that owner and mode on the node it made, never on
    what the name points to by then. Each victim either runs or is refused
    with one line; the host file keeps its mode, owner and content."""
    att = bundle()
    att.config["root"] = {"path": str(att.rootfs), "readonly": False}
    for m in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"):
        att.drop_mount(m)
    install_helper(att, "dev_swap", tmp_base)
    att.args("/bin/dev_swap", "/dev/x", str(decoys.file))
    out = tmp_base / "att.out"
    attacker = ucrun.popen("run", "-b", att, "att", stdout=out)
    try:
        wait_file_contains(out, "swapping")
        victim = bundle()
        victim.config["root"] = {"path": str(att.rootfs), "readonly": True}
        for m in ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"):
            victim.drop_mount(m)
        # 0666 is a chmod-free mode for a careful runtime; 04666 needs the
        # mode again after chown (which clears set-uid): both paths.
        outcomes = {}
        for i in range(150):
            victim.linux["devices"] = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 3,
                                        "fileMode": 0o4666 if i % 2 else 0o666, "uid": 1000, "gid": 1000}]
            victim.args("true")
            cp = ucrun("run", "-b", victim, f"v{i}", check=False)
            if cp.returncode != 0:
                lines = cp.stderr.strip().splitlines()
                assert len(lines) == 1, cp.stderr
            key = "ran" if cp.returncode == 0 else cp.stderr.strip().split(": ")[-1]
            outcomes[key] = outcomes.get(key, 0) + 1
            decoys.check()
        print("victim outcomes:", outcomes)
    finally:
        ucrun("kill", "att", "KILL", check=False)
        attacker.wait(20)
        attacker.close()


@U
@pytest.mark.parametrize("target", ["decoy", "/etc/passwd"])
def test_console_symlink(ucrun, bundle, tmp_base, decoys, target):
    """process.terminal: /dev/console planted as a symlink; the pty is bound
    on a fresh /dev/console, never on what the symlink names."""
    b = bundle()
    for m in ("/dev", "/dev/shm", "/dev/mqueue"):
        b.drop_mount(m)
    (b.rootfs / "dev" / "pts").mkdir()
    b.process["terminal"] = True
    plant(b, "/dev/console", decoys.file if target == "decoy" else target)
    passwd = tree_hash(b.rootfs / "etc" / "passwd")
    b.sh("stat -c '%F %t' /dev/console; wc -l < /etc/passwd; test -t 0 && echo tty")
    cs = ConsoleSocket(tmp_base / "console.sock")
    try:
        ucrun("run", "-d", "--console-socket", cs.path, "-b", b, "c1")
        out = cs.wait().split("\n")
        ucrun.wait_status("c1", "stopped")
        ucrun("delete", "c1")
    finally:
        cs.close()
    assert out[0] == "character special file 88"  # Unix98 pty slaves: major 136
    assert out[1:3] == ["2", "tty"]
    assert cs.name.startswith("/dev/pts/")
    assert tree_hash(b.rootfs / "etc" / "passwd") == passwd


# ---------------------------------------------------------------------------
# masked and read-only paths planted as symlinks


@U
@pytest.mark.parametrize("decoy_at", ["host", "rootfs"])
def test_masked_path_symlink_not_followed(ucrun, bundle, decoys, decoy_at):
    """The masked path names a symlink: the symlink is masked, its target is
    neither masked nor modified (CVE-2025-31133)."""
    b = bundle()
    inside = b.rootfs / "etc" / "decoy"
    inside.write_text("rootfs decoy\n")
    before = tree_hash(inside)
    plant(b, "/etc/secret", decoys.file if decoy_at == "host" else "/etc/decoy")
    b.linux["maskedPaths"] = ["/etc/secret"]
    b.sh("cat /etc/decoy; cat /etc/secret | wc -c")
    out = ucrun("run", "-b", b, "c1").stdout.split("\n")
    assert out[0] == "rootfs decoy"
    assert out[1].strip() == "0"
    assert tree_hash(inside) == before


@U
def test_masked_dir_symlink_not_followed(ucrun, bundle, decoys):
    b = bundle()
    (b.rootfs / "etc" / "decoydir").mkdir()
    (b.rootfs / "etc" / "decoydir" / "f").write_text("x\n")
    plant(b, "/etc/secretdir", "/etc/decoydir")
    b.linux["maskedPaths"] = ["/etc/secretdir"]
    b.sh("cat /etc/decoydir/f; ls /etc/secretdir/ 2>/dev/null | wc -l")
    assert ucrun("run", "-b", b, "c1").stdout.split() == ["x", "0"]


def test_readonly_path_symlink_to_host(ucrun, bundle, decoys):
    b = bundle()
    b.config["root"]["readonly"] = False
    plant(b, "/mnt/ro", decoys.dir)
    b.linux["readonlyPaths"] = ["/mnt/ro"]
    b.args("true")
    cp = ucrun("run", "-b", b, "c1", check=False)
    refused_or_inside(cp, b, decoys)

@U

def test_devnull_not_char_device_refused(ucrun, bundle, root):
    """Masking binds /dev/null only once checked to be the device 1:3: a
    /dev/null bind-mounted from a plain file is refused (CVE-2025-31133)."""
    b = bundle()
    b.args("true")
    (b.path / "fake-null").write_text("secret\n")
    b.add_mount("/dev/null", "bind", b.path / "fake-null", ["bind"])
    cp = ucrun.fail("run", "-b", b, "c1")
    assert "/dev/null" in cp.stderr and "1:3" in cp.stderr, cp.stderr
    assert os.listdir(root) == []


# ---------------------------------------------------------------------------
# process.cwd


@pytest.mark.parametrize("cwd", ["/proc/self/fd/3",
                                 # runc accepts these (they stay inside after pivot_root)
                                 pytest.param("/proc/self/cwd", marks=U), pytest.param("/proc/1/root", marks=U),
                                 pytest.param("/proc/self/root/etc", marks=U)])
def test_cwd_magic_links_refused(ucrun, bundle, root, cwd):
    """CVE-2024-21626: a cwd through a magic link could reach a host
    directory through an fd leaked to the init; it is refused."""
    b = bundle()
    b.process["cwd"] = cwd
    b.args("pwd")
    cp = ucrun.fail("run", "-b", b, "c1")
    assert IS_RUNC or "process.cwd" in cp.stderr, cp.stderr
    assert os.listdir(root) == []


def host_busybox(tmp_base, applet):
    """A host file a leaked descriptor would reach: busybox named `applet`
    beside the state root (tmp_base/root), as /proc/self/fd/N/../APPLET."""
    shutil.copyfile(BUSYBOX, tmp_base / applet)
    os.chmod(tmp_base / applet, 0o755)
    return [f"/proc/self/fd/{n}/../{applet}" for n in range(3, 16)]


@pytest.mark.parametrize("how", ["args", "interpreter"])
@pytest.mark.parametrize("cmd", ["run", "exec"])
def test_program_through_a_leaked_fd_reaches_no_host_file(ucrun, bundle, root, tmp_base, how, cmd):
    """CVE-2024-21626 again, through the program rather than the cwd: the
    kernel resolves the program's path, and a `#!` interpreter's, at execve
    with whatever descriptors the caller still holds. ucrun's own (the state
    root is a directory) must be gone by then: the container's program is
    executed by the trampoline, after its execveat has closed them
    (src/proc/trampoline.hpp). A direct execve from the init with them
    close-on-exec only was tried (a write-sealed install) and ran this host
    file."""
    paths = host_busybox(tmp_base, "echo")
    b = bundle()
    if how == "interpreter":
        progs = []
        for n, path in enumerate(paths):
            (b.rootfs / f"evil{n}").write_text(f"#!{path} HOST-REACHED\n")
            os.chmod(b.rootfs / f"evil{n}", 0o755)
            progs.append([f"/evil{n}"])
    else:
        progs = [[path, "HOST-REACHED"] for path in paths]
    if cmd == "run":
        for i, prog in enumerate(progs):
            b.args(*prog)
            cp = ucrun("run", "-b", b, f"c{i}", check=False)
            assert "HOST-REACHED" not in cp.stdout + cp.stderr, (prog, cp)
            assert cp.returncode != 0, (prog, cp)
    else:
        b.args("sleep", "100")
        ucrun("run", "-d", "-b", b, "c")
        try:
            for prog in progs:
                cp = ucrun("exec", "c", *prog, check=False)
                assert "HOST-REACHED" not in cp.stdout + cp.stderr, (prog, cp)
                assert cp.returncode != 0, (prog, cp)
        finally:
            ucrun("delete", "--force", "c")
    assert os.listdir(root) == []


@pytest.mark.parametrize("kind", ["createContainer", "startContainer"])
def test_container_hook_through_a_leaked_fd_reaches_no_host_file(ucrun, bundle, root, tmp_base, kind):
    """The same for a hook that runs in the container (config.md "POSIX-
    platform Hooks": its path resolves in the container): the host busybox
    as `touch` would make /reached in the rootfs."""
    b = bundle()
    b.config["root"]["readonly"] = False
    b.args("true")
    for i, path in enumerate(host_busybox(tmp_base, "touch")):
        b.config["hooks"] = {kind: [{"path": path, "args": [path, "/reached"]}]}
        cp = ucrun("run", "-b", b, f"c{i}", check=False)
        assert not (b.rootfs / "reached").exists(), (path, cp)
        assert cp.returncode != 0, (path, cp)
    assert os.listdir(root) == []


def test_cwd_symlink_to_host_dir(ucrun, bundle, decoys):
    b = bundle()
    b.config["root"]["readonly"] = False
    plant(b, "/work", decoys.dir)
    b.process["cwd"] = "/work"
    b.sh("pwd; ls")
    cp = ucrun("run", "-b", b, "c1", check=False)
    refused_or_inside(cp, b, decoys)
    assert "keep" not in cp.stdout


# ---------------------------------------------------------------------------
# CVE-2019-5736: the runtime's binary


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_container_cannot_write_runtime_binary(ucrun, bundle):
    """No pid namespace, real root: the container sees the foreground ucrun
    (its parent) and tries to open its /proc/<pid>/exe for writing and
    reading. Both are refused; the binary is unchanged."""
    before = sha(UCRUN_BIN)
    b = bundle()
    b.drop_ns("pid")
    b.config["root"]["readonly"] = False
    b.sh("p=$PPID; test -d /proc/$p || exit 9; "
         "readlink /proc/$p/exe >/dev/null 2>&1 && echo readlink-ok || echo readlink-denied; "
         "(echo x >> /proc/$p/exe) 2>/dev/null && echo write-ok || echo write-denied; "
         "(cat /proc/$p/exe > /dev/null) 2>/dev/null && echo read-ok || echo read-denied; "
         "(echo x > /proc/1/exe) 2>/dev/null && echo init-write-ok || echo init-write-denied")
    out = ucrun("run", "-b", b, "c1").stdout.split()
    assert out == ["readlink-denied", "write-denied", "read-denied", "init-write-denied"]
    assert sha(UCRUN_BIN) == before


def test_runtime_binary_busy_even_with_all_caps(ucrun, bundle):
    """Even a privileged container (CAP_SYS_PTRACE, CAP_DAC_OVERRIDE) cannot
    write the binary of the running ucrun: the kernel refuses to write a
    running executable (ETXTBSY)."""
    before = sha(UCRUN_BIN)
    b = bundle()
    b.drop_ns("pid")
    for k in ("bounding", "effective", "permitted"):
        b.process["capabilities"][k] += ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH"]
    b.sh("p=$PPID; test -d /proc/$p || exit 9; echo x >> /proc/$p/exe")
    cp = ucrun("run", "-b", b, "c1", check=False)
    assert cp.returncode != 0 and "Text file busy" in cp.stderr, cp.stderr
    assert sha(UCRUN_BIN) == before

@U

def test_init_during_setup_not_reachable(ucrun, bundle, tmp_base):
    """A created container's init still runs the ucrun binary (no re-exec),
    or, set up on ucrun's memory, the sealed trampoline that waits for
    `start` (src/proc/dmz/dmz.c). Another container sharing its pid
    namespace cannot open its exe, mem or fds."""
    before = sha(UCRUN_BIN)
    a = bundle()
    a.args("true")
    ucrun("create", "-b", a, "a")
    pid = ucrun.state("a")["pid"]
    # The ucrun binary (compared by inode), or the trampoline's memfd.
    st, ours = os.stat(f"/proc/{pid}/exe"), os.stat(UCRUN_BIN)
    assert ((st.st_dev, st.st_ino) == (ours.st_dev, ours.st_ino)
            or os.readlink(f"/proc/{pid}/exe").startswith("/memfd:ucrun-dmz")), os.readlink(f"/proc/{pid}/exe")
    try:
        b = bundle()
        b.set_ns("pid", f"/proc/{pid}/ns/pid")
        b.sh("readlink /proc/1/exe >/dev/null 2>&1 && echo readlink-ok || echo readlink-denied; "
             "(echo x >> /proc/1/exe) 2>/dev/null && echo write-ok || echo write-denied; "
             "(cat /proc/1/mem) 2>/dev/null && echo mem-ok || echo mem-denied; "
             "readlink /proc/1/fd/0 >/dev/null 2>&1 && echo fd-ok || echo fd-denied")
        out = ucrun("run", "-b", b, "b").stdout.split()
        assert out == ["readlink-denied", "write-denied", "mem-denied", "fd-denied"]
    finally:
        ucrun("delete", "--force", "a")
    assert sha(UCRUN_BIN) == before


# ---------------------------------------------------------------------------
# fds

@U  # runc 1.1: no idmap; fails with extra inherited fds

def test_no_host_fd_reaches_container(ucrun, bundle, tmp_base):
    """Only stdio: every fd ucrun opened (state dir, sync socket, procfs,
    mount trees) is closed before execve."""
    b = bundle()
    b.set_userns()
    b.add_mount("/mnt/d", "bind", tmp_base, ["rbind", "idmap"])
    b.mkdir("/mnt/d")
    b.sh("ls /proc/self/fd/")
    out = sorted(ucrun("run", "-b", b, "c1").stdout.split())
    # 0 1 2 and the fd ls itself opens for the directory
    assert out[:3] == ["0", "1", "2"] and len(out) == 4, out


@U  # runc 1.1: no idmap; fails with extra inherited fds
@pytest.mark.parametrize("n", [0, 1, 3])
def test_preserve_fds_exactly_n(ucrun, bundle, tmp_base, n):
    """The caller's fds 3..6 are files extra0..extra3; --preserve-fds N
    passes exactly 3..3+N-1, nothing else."""
    b = bundle()
    b.sh("for f in /proc/self/fd/*; do echo ${f##*/} $(readlink $f); done")
    redirs = ""
    for i in range(4):
        p = tmp_base / f"extra{i}"
        p.write_text(str(i))
        redirs += f" {3 + i}<{p}"
    argv = ucrun.argv(["run", "--preserve-fds", str(n), "-b", b, "c1"])
    cp = subprocess.run(["sh", "-c", 'exec "$@"' + redirs, "sh", *argv],
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    seen = {}
    for line in cp.stdout.splitlines():
        fd, _, target = line.partition(" ")
        seen[int(fd)] = target
    for i in range(n):
        assert seen[3 + i].endswith(f"/extra{i}"), seen
    others = {fd: t for fd, t in seen.items() if fd > 2 + n}
    # at most the directory the shell's glob opened, which is gone by now
    assert len(others) <= 1 and not any("extra" in t for t in others.values()), seen


@U
def test_preserve_fds_with_a_gap(ucrun, bundle, tmp_base):
    """--preserve-fds 3 with fd 4 closed in the caller: whatever ucrun opens
    there (close-on-exec) does not reach the container."""
    b = bundle()
    b.sh("for f in /proc/self/fd/*; do echo ${f##*/} $(readlink $f); done")
    for i in (0, 2):
        (tmp_base / f"extra{i}").write_text(str(i))
    argv = ucrun.argv(["run", "--preserve-fds", "3", "-b", b, "c1"])
    cp = subprocess.run(["sh", "-c", f'exec "$@" 3<{tmp_base}/extra0 5<{tmp_base}/extra2', "sh", *argv],
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    seen = dict((line.partition(" ")[0], line.partition(" ")[2]) for line in cp.stdout.splitlines())
    assert seen["3"].endswith("/extra0") and seen["5"].endswith("/extra2"), seen
    assert seen.get("4", "") == "", seen  # at most the shell's own directory fd, gone by then
    assert set(seen) <= {"0", "1", "2", "3", "4", "5"}, seen


@pytest.mark.parametrize("path", ["borrowed", "copy"])
def test_created_init_holds_no_way_into_the_host(ucrun, bundle, tmp_base, path):
    """From the attacker's side: a process `exec`'d with CAP_SYS_PTRACE into
    a created container without a user namespace may ptrace its pid 1 (the
    trampoline waiting for `start` when the init ran on ucrun's memory; the
    init itself when it is a copy of ucrun, as with a prestart hook), and
    so follow the links of /proc/1/fd. None leads to the host: the procfs
    the exec FIFO is reopened through is the container's own (subset=pid),
    and the init on a copy closes the rest of ucrun's descriptors (the
    state root, the host's /proc) before it waits. A decoy on the host must
    stay out of reach."""
    decoy = tmp_base / f"decoy-{os.getpid()}"
    decoy.write_text("host secret\n")
    b = bundle()
    b.args("true")
    if path == "copy":
        b.config["hooks"] = {"prestart": [{"path": "/bin/true"}]}
    cp = ucrun("create", "-b", b, "c1", global_args=["--debug", "--cgroup-manager=disabled"])
    try:
        probe = ("for f in /proc/1/fd/*; do "
                 f"for p in 1/root{decoy} root{decoy} ..{decoy} ../..{decoy} ../../..{decoy}; do "
                 "cat $f/$p 2>/dev/null && echo \"REACHED $f/$p\"; done; done; echo probed")
        out = ucrun("exec", "--cap", "CAP_SYS_PTRACE", "c1", "sh", "-c", probe).stdout
        assert "probed" in out
        assert "REACHED" not in out and "host secret" not in out, out
    finally:
        ucrun("delete", "--force", "c1")
    # (A build that cannot borrow, the sanitizer's, takes the copy for both;
    # test_borrowed_init.py checks that a plain create borrows.)
    if path == "copy":
        assert "init: on ucrun's memory" not in cp.stderr


# fs.suid_dumpable=1: a change of uid makes a process dumpable again
# (prctl(2)). A created container's init waits for `start` as process.user,
# still running ucrun's image (the trampoline waits in its place only on the
# paths of container/create_plan.hpp), its exec FIFO, sync socket and
# trampoline open. A host process of that uid (or one of the container's, in
# a shared pid namespace) whose capabilities hold the init's could then
# ptrace it: read and write its memory, take its descriptors, open
# /proc/<pid>/exe, our binary. The init is made non-dumpable again right
# after its setresuid (proc/process_setup.cpp switch_user).
# Checked against the previous build (and runc 1.1.5): both opens succeeded.
PROBE = r"""
import os, sys
pid = sys.argv[1]
for what, flags in (("mem", os.O_RDONLY), ("exe", os.O_RDONLY)):
    try:
        os.close(os.open(f"/proc/{pid}/{what}", flags))
        print(what, "opened")
    except OSError as e:
        print(what, "refused", e.errno)
"""


@pytest.mark.skipif(IS_RUNC, reason="runc 1.1.5's init waiting for start is dumpable there: both opens succeed")
def test_an_init_waiting_for_start_as_another_user_is_not_dumpable(ucrun, bundle, tmp_base):
    dumpable = "/proc/sys/fs/suid_dumpable"
    saved = open(dumpable).read().strip()
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    # No capabilities: a process of uid 1000 with none may ptrace it, as far
    # as capabilities go (the permitted set must be a subset of the tracer's).
    b.process["capabilities"] = {k: [] for k in ("bounding", "effective", "permitted", "ambient")}
    b.sh("echo ran as $(id -u)")
    out = tmp_base / "out"
    probe = tmp_base / "probe.py"
    probe.write_text(PROBE)
    os.chmod(tmp_base, 0o755)
    try:
        with open(dumpable, "w") as f:
            f.write("1")
        ucrun("create", "-b", b, "c1", stdout=out)
        pid = ucrun.state("c1")["pid"]
        st = os.stat(f"/proc/{pid}")
        assert (st.st_uid, st.st_gid) == (1000, 1000), "the init has not taken process.user yet"
        cp = subprocess.run(["setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups",
                             "/usr/bin/python3", str(probe), str(pid)],
                            capture_output=True, text=True, timeout=30)
        assert cp.returncode == 0, cp.stderr
        assert cp.stdout.split("\n")[:2] == ["mem refused 13", "exe refused 13"], cp.stdout
        # and the container runs as before once started
        ucrun("start", "c1")
        ucrun.wait_status("c1", "stopped")
        wait_file_contains(out, "ran as 1000")
    finally:
        with open(dumpable, "w") as f:
            f.write(saved)
        ucrun("delete", "--force", "c1", check=False)


# The same sysctl, earlier: in a new user namespace the init becomes its
# root (another host uid), which makes it dumpable again, and it then waits
# for the createRuntime hooks and sets up the rootfs in ucrun's image with
# every capability there. A process that is root in that user namespace (a
# sibling container sharing it) could open its memory. From the review of
# the previous fix; checked against it: opened.
NS_PROBE = r"""
import os, sys
try:
    os.close(os.open(f"/proc/{sys.argv[1]}/mem", os.O_RDONLY))
    print("mem opened")
except OSError as e:
    print("mem refused", e.errno)
"""


@pytest.mark.skipif(IS_RUNC, reason="runc 1.1.5's init is dumpable there too")
def test_an_init_becoming_root_of_its_user_namespace_is_not_dumpable(ucrun, bundle, tmp_base):
    dumpable = "/proc/sys/fs/suid_dumpable"
    saved = open(dumpable).read().strip()
    b = bundle(userns=True)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    state, waiting, done = tmp_base / "state.json", tmp_base / "waiting", tmp_base / "done"
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": [
        "sh", "-c", f"cat > {state}; touch {waiting}; i=0; "
                    f"while [ ! -e {done} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done"]}]}
    b.args("true")
    probe = tmp_base / "probe.py"
    probe.write_text(NS_PROBE)
    os.chmod(tmp_base, 0o755)
    proc = None
    try:
        with open(dumpable, "w") as f:
            f.write("1")
        proc = ucrun.popen("create", "-b", b, "c1")
        wait_for(waiting.exists, timeout=20, what="the createRuntime hook")
        pid = json.loads(state.read_text())["pid"]
        # Root of the container's user namespace, with all its capabilities.
        cp = subprocess.run(["nsenter", "-t", str(pid), "-U", "/usr/bin/python3", str(probe), str(pid)],
                            capture_output=True, text=True, timeout=30)
        assert cp.stdout.strip() == "mem refused 13", (cp.stdout, cp.stderr)
    finally:
        with open(dumpable, "w") as f:
            f.write(saved)
        done.touch()
        if proc is not None:
            proc.wait()
            proc.close()
        ucrun("delete", "--force", "c1", check=False)
