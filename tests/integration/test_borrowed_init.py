"""The init on ucrun's own memory (src/sys/borrowing_clone.hpp): a `run`
whose init never waits for ucrun and that nothing of the container can see
is cloned with CLONE_VM | CLONE_VFORK, and ucrun is suspended until the init
has executed the trampoline (container/create_plan.hpp borrows_memory).

Most of these tests run with --cgroup-manager=disabled; the last two with
this host's cgroups (v1: the init places itself, as ucrun is suspended) and
pure v2 (the clone places it). `--debug` says when the path is taken.
What they check: that the path is taken exactly where the plan says; that a
container set up that way is the same container as one set up on a copy
(create + start), field by field of what its process sees; that an init
failing on borrowed memory fails the command as before and leaves nothing;
and that ucrun itself is intact afterwards (its exit status, its pid file,
its signals, its record).
"""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from support import pure_v2_runner, wait_for

pytestmark = pytest.mark.ucrun_specific

BORROW = "init: on ucrun's memory until the trampoline's exec"
NOCG = ["--debug", "--cgroup-manager=disabled"]

# What the container's process sees of itself, its mounts and /dev: one
# line per fact, compared between an init on a copy and one on our memory.
# Mount ids and the pid of the shell differ by construction; they are cut.
PROBE = r"""
id; pwd; hostname; umask; echo "env: $(env | sort | tr '\n' ' ')"
grep -E '^(Cap|NoNewPrivs|Seccomp|Groups|Uid|Gid)' /proc/self/status
ulimit -n; ulimit -u; ulimit -c
cut -d' ' -f4,5,6,9,10,11 /proc/self/mountinfo | sed 's/ - / /'
ls -ln /dev | sed 1d | tr -s ' ' | cut -d' ' -f1,3,4,5,6,10-
cat /proc/kcore 2>&1 | head -c 60; echo
echo x > /proc/sys/kernel/domainname 2>&1 || echo "proc/sys: refused"
echo x > /hello 2>&1 || echo "rootfs: read-only"
cat /data/marker
"""


def probe_bundle(bundle, host_dir):
    b = bundle()
    data = host_dir()
    (data / "marker").write_text("host data\n")
    b.bind(str(data), "/data", "ro")
    b.config["root"]["readonly"] = True
    p = b.process
    p["cwd"] = "/tmp"
    p["user"] = {"uid": 0, "gid": 0, "additionalGids": [5, 7]}
    p["env"] = ["PATH=/bin", "A=1", "B=two words"]
    p["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 777, "soft": 555},
                    {"type": "RLIMIT_CORE", "hard": 0, "soft": 0}]
    b.config["hostname"] = "borrowed"
    b.sh(PROBE)
    return b


def normalized(text):
    return re.sub(r"\b\d+:\d+\b", "M:N", text)  # device numbers of fresh mounts


def test_taken_exactly_where_the_plan_says(ucrun, bundle):
    b = bundle()
    b.args("true")
    # run, every namespace new, no user namespace, no cgroup: borrowed.
    assert BORROW in ucrun("run", "-b", b, "c1", global_args=NOCG).stderr
    # create too: its trampoline waits for `start` (test_create_...).
    cp = ucrun("create", "-b", b, "c3", global_args=NOCG)
    ucrun("delete", "--force", "c3")
    assert BORROW in cp.stderr
    # A user namespace (ucrun writes the maps while the init waits), no new
    # pid namespace (the container's processes would see it), a hook that
    # waits: a copy.
    u = bundle(userns=True)
    u.args("true")
    assert BORROW not in ucrun("run", "-b", u, "c4", global_args=NOCG).stderr
    nopid = bundle()
    nopid.args("true")
    nopid.drop_ns("pid")
    assert BORROW not in ucrun("run", "-b", nopid, "c5", global_args=NOCG).stderr
    # Another user than root: a host process of that uid could signal the
    # init once it has changed its ids (see test_a_host_user_of_the_...).
    for user in ({"uid": 1000, "gid": 0}, {"uid": 0, "gid": 1000}):
        other = bundle()
        other.args("true")
        other.process["user"] = user
        assert BORROW not in ucrun("run", "-b", other, "c8", global_args=NOCG).stderr
    hooked = bundle()
    hooked.args("true")
    hooked.config["hooks"] = {"prestart": [{"path": "/bin/true"}]}
    assert BORROW not in ucrun("run", "-b", hooked, "c6", global_args=NOCG).stderr
    # With this host's cgroups (v1, or v2): borrowed too.
    assert BORROW in ucrun("run", "-b", b, "c7", global_args=["--debug"]).stderr


def on_a_copy(b):
    """The bundle, made to take the copy: a prestart hook (/bin/true, run
    by ucrun on the host) makes the init wait for ucrun."""
    b.config["hooks"] = {"prestart": [{"path": "/bin/true"}]}
    return b


def test_the_same_container_as_one_set_up_on_a_copy(ucrun, bundle, host_dir, tmp_base):
    b = probe_bundle(bundle, host_dir)
    borrowed = ucrun("run", "-b", b, "c1", global_args=NOCG)
    assert BORROW in borrowed.stderr
    created = tmp_base / "created.out"
    cp = ucrun("create", "-b", b, "c2", global_args=NOCG, stdout=created)
    assert BORROW in cp.stderr
    ucrun("start", "c2")
    ucrun.wait_status("c2", "stopped")
    ucrun("delete", "c2")
    out = tmp_base / "copy.out"
    cp = ucrun("create", "-b", on_a_copy(b), "c3", global_args=NOCG, stdout=out)
    assert BORROW not in cp.stderr
    ucrun("start", "c3")
    ucrun.wait_status("c3", "stopped")
    ucrun("delete", "c3")
    copied = out.read_text()
    assert normalized(created.read_text()) == normalized(copied)
    assert "uid=0(root) gid=0(root) groups=5,7" in borrowed.stdout, borrowed.stdout
    assert "host data" in borrowed.stdout
    assert "proc/sys: refused" in borrowed.stdout and "rootfs: read-only" in borrowed.stdout
    assert "\n555\n" in borrowed.stdout
    assert normalized(borrowed.stdout) == normalized(copied)


def test_a_failing_init_fails_run_as_before_and_leaves_nothing(ucrun, bundle, root):
    # A program that does not exist: found missing by the init, on our
    # memory; the same error, in runc's wording, as from an init on a copy.
    b = bundle()
    b.args("/no/such/program")
    cp = ucrun("run", "-b", b, "c1", global_args=NOCG, check=False)
    assert BORROW in cp.stderr
    created = ucrun("create", "-b", b, "c1", global_args=NOCG, check=False)
    assert BORROW in created.stderr
    assert created.returncode == 1 and created.stderr.splitlines()[-1] == cp.stderr.splitlines()[-1]
    copy = ucrun("create", "-b", on_a_copy(b), "c1", global_args=NOCG, check=False)
    assert BORROW not in copy.stderr
    assert cp.returncode == copy.returncode == 1, cp.stderr
    assert 'exec: "/no/such/program": stat /no/such/program: no such file or directory' in cp.stderr
    assert cp.stderr.splitlines()[-1] == copy.stderr.splitlines()[-1]
    # A mount the init cannot make, named by its config.json field.
    bad = bundle()
    bad.args("true")
    bad.add_mount("/mnt", type="nosuchfs", source="none")
    cp = ucrun("run", "-b", bad, "c2", global_args=NOCG, check=False)
    assert cp.returncode != 0
    assert BORROW in cp.stderr
    assert re.search(r"mounts\[\d+\]", cp.stderr), cp.stderr
    # ucrun went on after the init failed: the rollback ran (the state
    # directories are gone; the fixtures check mounts and processes).
    assert os.listdir(root) == []
    # And it still works.
    ok = bundle()
    ok.args("sh", "-c", "exit 7")
    assert ucrun("run", "-b", ok, "c3", global_args=NOCG, check=False).returncode == 7


def test_ucrun_intact_after_the_init_borrowed_its_memory(ucrun, bundle, tmp_base):
    # What ucrun does after the clone comes from its own memory, which the
    # init wrote meanwhile: the pid file it names, the record, the signals
    # it forwards, the exit status it returns.
    b = bundle()
    b.sh("trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.05; done")
    pid_file = tmp_base / "c1.pid"
    out = tmp_base / "c1.out"
    p = ucrun.popen("run", "--pid-file", pid_file, "-b", b, "c1", global_args=NOCG, stdout=out)
    try:
        wait_for(lambda: "ready" in out.read_text(), what="the container's shell")
        st = ucrun.state("c1")
        assert st["status"] == "running"
        assert int(pid_file.read_text()) == st["pid"]
        with open(f"/proc/{st['pid']}/status") as f:
            assert any(line.split() == ["NSpid:", str(st["pid"]), "1"] for line in f)
        os.kill(p.popen.pid, signal.SIGTERM)  # forwarded to the container
        cp = p.wait(20)
    finally:
        if p.popen.poll() is None:
            p.kill()
            p.wait()
    assert BORROW in cp.stderr
    assert cp.returncode == 3, cp.stderr
    assert "got TERM" in out.read_text()
    assert ucrun("list", "-q").stdout.strip() == ""


def test_pure_v2_the_clone_places_the_init(root, tmp_base, bundle):
    # On cgroup v2 the clone places the init (CLONE_INTO_CGROUP), so a run
    # with a cgroup borrows too, and the init is in it from its first instruction.
    r = pure_v2_runner(root, tmp_base)
    # (This host's controllers are v1's: the v2 cgroup has none to limit.)
    b = bundle()
    b.linux["cgroupsPath"] = "/ucrun-borrow-test"
    if b.has_ns("cgroup"):
        b.drop_ns("cgroup")
    b.sh("grep '^0::' /proc/self/cgroup")
    cp = r("run", "-b", b, "c1", global_args=["--debug"])
    assert BORROW in cp.stderr
    assert cp.stdout.split() == ["0::/ucrun-borrow-test"], cp.stdout
    assert not os.path.exists("/sys/fs/cgroup/unified/ucrun-borrow-test")


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/pids"), reason="no v1 pids hierarchy")
@pytest.mark.parametrize("cgroupns", [False, True])
def test_v1_the_init_places_itself_before_anything_runs(ucrun, bundle, cgroupns):
    # On v1 ucrun opens each hierarchy's `tasks`, the init writes "0" to
    # each, first of all (then makes its late cgroup namespace): every
    # hierarchy has it, the limits hold, and the cgroup goes with the
    # container.
    b = bundle()
    b.linux["cgroupsPath"] = "/ucrun-borrow-v1"
    b.linux["resources"] = {"pids": {"limit": 42}}
    if cgroupns and not b.has_ns("cgroup"):
        b.set_ns("cgroup")
    if not cgroupns and b.has_ns("cgroup"):
        b.drop_ns("cgroup")
    b.sh("cat /proc/self/cgroup; cat /sys/fs/cgroup/pids/pids.max")
    cp = ucrun("run", "-b", b, "c1", global_args=["--debug"])
    assert BORROW in cp.stderr
    lines = cp.stdout.split()
    want = "/" if cgroupns else "/ucrun-borrow-v1"
    groups = [line.split(":", 2)[2] for line in lines[:-1]]
    assert groups and all(g == want for g in groups), cp.stdout
    assert lines[-1] == "42", cp.stdout
    assert not os.path.exists("/sys/fs/cgroup/pids/ucrun-borrow-v1")


def test_a_deep_mount_destination_on_borrowed_memory(ucrun, bundle):
    # The init makes a missing destination component by component (one
    # frame each): ~2 000 of them fit in PATH_MAX, and in the init's stack
    # (sys/borrowing_clone.cpp), as they do on a copy. 850 (a 256 KiB stack
    # overflowed from ~700; the fixtures' rmtree recurses once per level).
    b = bundle()
    dest = "/d" + "/a" * 850
    b.add_mount(dest, type="tmpfs", source="tmpfs")
    b.sh(f"test -d {dest} && grep -c ' {dest} ' /proc/self/mountinfo")
    cp = ucrun("run", "-b", b, "c1", global_args=NOCG)
    assert BORROW in cp.stderr
    assert cp.stdout.strip() == "1"


# From the attacker's side (review of this change): a host user whose uid is
# process.user's polls /proc for the init while it sets up, opens its memory
# (which fs.suid_dumpable=1 makes possible once the init has taken that uid)
# and rewrites the --pid-file path in every writable mapping. On ucrun's own
# memory that was the path the root ucrun then wrote; on a copy (which the
# init of another user than root always gets) it is only the copy's.
ATTACKER = r"""
import os, re, sys, time
old, new, deadline = sys.argv[1].encode(), sys.argv[2].encode(), time.time() + float(sys.argv[3])
hits = 0
while time.time() < deadline and not os.path.exists(sys.argv[4]):
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.stat("/proc/" + d).st_uid != os.getuid():
                continue
            with open(f"/proc/{d}/comm") as f:
                if f.read().strip() != "ucrun":
                    continue
            with open(f"/proc/{d}/maps") as f:
                maps = f.read().splitlines()
            fd = os.open(f"/proc/{d}/mem", os.O_RDWR)
        except OSError:
            continue
        for line in maps:
            rng, perm = line.split()[:2]
            if "w" not in perm:
                continue
            lo, hi = (int(x, 16) for x in rng.split("-"))
            try:
                buf = os.pread(fd, hi - lo, lo)
            except OSError:
                continue
            for m in re.finditer(re.escape(old), buf):
                try:
                    os.pwrite(fd, new, lo + m.start())
                    hits += 1
                except OSError:
                    pass
        os.close(fd)
print("rewrote", hits, flush=True)
"""


def test_a_host_user_of_the_containers_uid_cannot_write_ucruns_memory(ucrun, bundle, tmp_base):
    dumpable = "/proc/sys/fs/suid_dumpable"
    saved = open(dumpable).read().strip()
    pf_dir = tmp_base / "pf"
    pf_dir.mkdir(mode=0o777)
    os.chmod(pf_dir, 0o777)
    pid_file = pf_dir / ("pidfile-" + "A" * 16)
    chosen = pf_dir / ("CHOSEN-BY-UID1000-" + "A" * 6)
    assert len(str(pid_file)) == len(str(chosen))
    script = tmp_base / "attacker.py"
    script.write_text(ATTACKER)
    os.chmod(tmp_base, 0o755)
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    # No capabilities: with any, the kernel refuses a ptrace (and so
    # /proc/<pid>/mem) from a process that lacks them.
    b.process["capabilities"] = {k: [] for k in ("bounding", "effective", "permitted", "ambient")}
    # A long PATH of a symbolic link to itself: the init looks for `true`
    # in each entry (40 links followed each time), as the user: ~0.2 s for
    # the attacker to find it.
    os.symlink("/l", b.rootfs / "l")
    b.process["env"] = ["PATH=" + ":".join(["/l"] * 40000) + ":/bin"]  # < MAX_ARG_STRLEN
    b.args("true")
    done = tmp_base / "done"
    try:
        with open(dumpable, "w") as f:
            f.write("1")
        attacker = subprocess.Popen(
            ["setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups", sys.executable, str(script),
             str(pid_file), str(chosen), "60", str(done)],
            stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(0.3)
            for i in range(3):
                ucrun("run", "--pid-file", pid_file, "-b", b, f"c{i}", global_args=NOCG)
                assert not chosen.exists(), "root ucrun wrote the path a host user put in its memory"
                assert pid_file.exists()
                pid_file.unlink()
        finally:
            done.touch()
            out, _ = attacker.communicate(timeout=30)
    finally:
        with open(dumpable, "w") as f:
            f.write(saved)
    assert out.startswith("rewrote"), out


UNIFIED = "/sys/fs/cgroup/unified"


@pytest.mark.skipif(not os.path.isfile(f"{UNIFIED}/cgroup.controllers")
                    or not open(f"{UNIFIED}/cgroup.controllers").read().split(),
                    reason="no hybrid cgroup2 mount with a controller to enable")
def test_hybrid_a_cgroup_that_refuses_the_init_is_named_and_leaves_nothing(ucrun, bundle, root):
    # A unified cgroup with a controller enabled for its children takes no
    # process ("no internal processes": EBUSY). The clone into it fails
    # (CLONE_INTO_CGROUP, cgroup::Manager::clone_fd); the error names the
    # cgroup, and nothing is left.
    name = f"ucrun-borrow-busy-{os.getpid()}"
    d = f"{UNIFIED}/{name}"
    os.mkdir(d)
    try:
        ctrl = open(f"{UNIFIED}/cgroup.controllers").read().split()[0]
        with open(f"{d}/cgroup.subtree_control", "w") as f:
            f.write("+" + ctrl)
        b = bundle()
        b.args("true")
        b.linux["cgroupsPath"] = "/" + name
        cp = ucrun("run", "-b", b, "c1", global_args=["--debug"], check=False)
        assert cp.returncode != 0
        assert BORROW in cp.stderr
        assert f"clone3 container init (into cgroup {d}): Device or resource busy" in cp.stderr, cp.stderr
        assert os.listdir(root) == []
        assert not os.path.exists(f"/sys/fs/cgroup/pids/{name}")
    finally:
        if os.path.isdir(d):
            with open(f"{d}/cgroup.subtree_control", "w") as f:
                f.write("-" + ctrl)
            os.rmdir(d)


def test_create_waits_for_start_in_the_trampoline(ucrun, bundle, tmp_base):
    # A create on our memory: its init executes the trampoline at once,
    # which waits for the record (Recorded), then on the exec FIFO. Until
    # `start`: "created" (the record names the trampoline as the init's
    # executable), nothing of the program runs, and the trampoline holds
    # only stdio, the host's /proc (O_PATH, to open the FIFO) and the FIFO.
    b = bundle()
    b.sh("echo started")
    out = tmp_base / "c1.out"
    cp = ucrun("create", "-b", b, "c1", global_args=NOCG, stdout=out)
    assert BORROW in cp.stderr
    st = ucrun.state("c1")
    assert st["status"] == "created"
    pid = st["pid"]
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[0] == b"ucrun-dmz\x03"
    fds = {int(n): os.readlink(f"/proc/{pid}/fd/{n}") for n in os.listdir(f"/proc/{pid}/fd")}
    extra = {n: t for n, t in fds.items() if n > 2}
    assert len(extra) == 2 and any(t.endswith("/exec.fifo") for t in extra.values()), fds
    assert not any(t.startswith("socket:") for t in fds.values()), fds
    time.sleep(0.2)
    assert out.read_text() == ""
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    assert out.read_text() == "started\n"
    ucrun("delete", "c1")


def test_create_killed_or_deleted_before_start(ucrun, bundle, root, tmp_base):
    # The trampoline waiting on the FIFO is the container's init: kill and
    # delete --force reach it, and nothing of the program ever runs.
    b = bundle()
    b.sh("echo ran")
    out = tmp_base / "out"
    for cid in ("c1", "c2"):
        assert BORROW in ucrun("create", "-b", b, cid, global_args=NOCG, stdout=out).stderr
    pid = ucrun.state("c1")["pid"]
    ucrun("kill", "c1", "KILL")
    ucrun.wait_status("c1", "stopped")
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), what="the killed init gone")
    ucrun("delete", "c1")
    ucrun("delete", "--force", "c2")
    assert os.listdir(root) == []
    assert out.read_text() == ""



def test_create_under_a_filter_that_refuses_the_trampolines_calls_takes_the_copy(ucrun, bundle, tmp_base):
    # create's trampoline would make the init's last calls (close, among
    # others) under the container's filter: one that refuses any of them
    # gets an init on a copy, and the container runs as it did before.
    b = bundle()
    b.sh("echo ran")
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["close"], "action": "SCMP_ACT_ERRNO"}]}
    out = tmp_base / "out"
    cp = ucrun("create", "-b", b, "c1", global_args=NOCG, stdout=out)
    assert BORROW not in cp.stderr
    ucrun("start", "c1")
    ucrun.wait_status("c1", "stopped")
    ucrun("delete", "c1")
    assert out.read_text() == "ran\n"
