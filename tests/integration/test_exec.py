"""`exec`: a new process in a running container (runc exec): namespaces,
cgroup, user, env, cwd, capabilities, seccomp, exit status, detaching,
--process, --preserve-fds, and the failures (missing binary, stopped or
unknown container)."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from support import IS_RUNC, children, proc_alive, wait_for
from isolation import bundle  # noqa: F401  (a cgroup per bundle)

NS = ("mnt", "net", "ipc", "uts", "pid", "cgroup", "user")


@pytest.fixture
def running(ucrun, bundle):
    """Factory: running(b=None, cid="c1") -> init pid of a detached
    container running `sleep 1000`; removed afterwards."""
    made = []

    def start(b=None, cid="c1"):
        b = b or bundle()
        if not b.process.get("args") or b.process["args"] == ["sh"]:
            b.args("sleep", "1000")
        ucrun("run", "-d", "-b", b, cid)
        made.append(cid)
        return ucrun.state(cid)["pid"]

    yield start
    for cid in made:
        if cid in ucrun.ids():
            ucrun("delete", "--force", cid)


def host_ns(pid, kind):
    return os.readlink(f"/proc/{pid}/ns/{kind}")


def status_field(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].split()
    return None


def test_exec_joins_namespaces(ucrun, running):
    pid = running()
    script = "; ".join(f"readlink /proc/self/ns/{n}" for n in NS)
    out = ucrun("exec", "c1", "sh", "-c", script).stdout.split()
    assert out == [host_ns(pid, n) for n in NS]
    # and it sees the container's view: its hostname, pid 1 is the init
    assert ucrun("exec", "c1", "hostname").stdout.strip() == "runc"
    assert ucrun("exec", "c1", "cat", "/proc/1/cmdline").stdout.startswith("sleep")


def test_exec_joins_user_namespace(ucrun, bundle, running, tmp_base):
    pid = running(bundle(userns=True))
    pf = tmp_base / "exec.pid"
    ucrun("exec", "-d", "--pid-file", pf, "c1", "sleep", "100")
    epid = int(pf.read_text())
    for n in NS:
        assert host_ns(epid, n) == host_ns(pid, n), n
    # root in the container is the mapped host id
    assert status_field(epid, "Uid")[0] == "100000"
    assert ucrun("exec", "c1", "id", "-u").stdout.strip() == "0"


@pytest.mark.parametrize("userns", [False, True])
def test_exec_joins_cgroup(ucrun, bundle, running, tmp_base, userns):
    # Cloned into the cgroup2 part, placing itself in the v1 hierarchies
    # (cgroup::Manager::clone_fd): every hierarchy, as the init.
    pid = running(bundle(userns=userns))
    pf = tmp_base / "exec.pid"
    ucrun("exec", "-d", "--pid-file", pf, "c1", "sleep", "100")
    epid = int(pf.read_text())
    with open(f"/proc/{pid}/cgroup") as a, open(f"/proc/{epid}/cgroup") as b:
        init = a.read()
        assert init == b.read()
    with open("/proc/self/cgroup") as own:
        assert init != own.read()  # the container's own cgroup, not ours


def test_exec_user_env_cwd(ucrun, running):
    running()
    cp = ucrun("exec", "-u", "1000:1000", "-e", "FOO=bar", "-e", "BAZ=qux", "--cwd", "/tmp", "c1",
               "sh", "-c", "id -u; id -g; echo $FOO $BAZ; pwd; echo $PATH")
    assert cp.stdout.split("\n")[:5] == ["1000", "1000", "bar qux", "/tmp",
                                         "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]


def test_exec_user_keeps_config_gid(ucrun, bundle, running):
    b = bundle()
    b.process["user"] = {"uid": 0, "gid": 5}
    running(b)
    assert ucrun("exec", "-u", "1000", "c1", "sh", "-c", "id -u; id -g").stdout.split() == ["1000", "5"]


def test_exec_additional_gids(ucrun, running):
    running()
    out = ucrun("exec", "-u", "1000:1000", "-g", "2000", "-g", "3000", "c1", "id", "-G").stdout
    assert sorted(out.split()) == ["1000", "2000", "3000"]


def test_exec_env_appended_to_config(ucrun, bundle, running):
    b = bundle()
    b.process["env"].append("FROM_CONFIG=1")
    running(b)
    env = ucrun("exec", "-e", "EXTRA=2", "c1", "env").stdout.splitlines()
    assert "FROM_CONFIG=1" in env and "EXTRA=2" in env
    # runc: HOME from the container's /etc/passwd when the env has none
    assert "HOME=/root" in env


@pytest.mark.parametrize("code", [0, 1, 7, 255])
def test_exec_exit_code(ucrun, running, code):
    running()
    cp = ucrun("exec", "c1", "sh", "-c", f"exit {code}", check=False)
    assert cp.returncode == code, cp.stderr


def test_exec_killed_by_signal(ucrun, running):
    running()
    cp = ucrun("exec", "c1", "sh", "-c", "kill -9 $$", check=False)
    assert cp.returncode == 128 + 9


def test_exec_stdio(ucrun, running):
    running()
    cp = ucrun("exec", "c1", "sh", "-c", "cat; echo err >&2", input="from stdin\n")
    assert cp.stdout == "from stdin\n"
    assert "err" in cp.stderr


def test_exec_forwards_signals(ucrun, running):
    running()
    p = ucrun.popen("exec", "c1", "sh", "-c", "trap 'echo got-term; exit 3' TERM; while :; do sleep 0.05; done")
    try:
        # the shell is up once it is in the container's pid list
        wait_for(lambda: len(json.loads(ucrun("ps", "--format", "json", "c1").stdout)) >= 2, what="exec'd shell")
        time.sleep(0.2)
        p.kill(signal.SIGTERM)
        cp = p.wait()
    finally:
        p.kill()
        p.close()
    assert cp.returncode == 3, cp.stderr
    assert "got-term" in cp.stdout


def test_exec_process_file(ucrun, running, tmp_base):
    running()
    proc = {
        "args": ["sh", "-c", "id -u; id -g; echo $ONLY; pwd"],
        "env": ["PATH=/bin", "ONLY=from-file"],
        "cwd": "/etc",
        "user": {"uid": 123, "gid": 456},
    }
    f = tmp_base / "process.json"
    f.write_text(json.dumps(proc))
    out = ucrun("exec", "--process", f, "c1").stdout.split("\n")
    assert out[:4] == ["123", "456", "from-file", "/etc"]
    # -p, and the file's env only
    env = dict(proc, args=["env"])
    f.write_text(json.dumps(env))
    lines = ucrun("exec", "-p", f, "c1").stdout.splitlines()
    assert "ONLY=from-file" in lines and "TERM=xterm" not in lines


def test_exec_process_file_invalid(ucrun, running, tmp_base):
    running()
    f = tmp_base / "process.json"
    f.write_text(json.dumps({"args": ["true"], "cwd": "relative"}))
    cp = ucrun.fail("exec", "--process", f, "c1")
    assert "cwd" in cp.stderr.lower()


def test_exec_detached_pid_file(ucrun, running, tmp_base):
    pid = running()
    pf = tmp_base / "sub" / "exec.pid"
    pf.parent.mkdir()
    cp = ucrun("exec", "-d", "--pid-file", pf, "c1", "sleep", "100")
    assert cp.returncode == 0
    epid = int(pf.read_text())
    assert proc_alive(epid)
    assert host_ns(epid, "pid") == host_ns(pid, "pid")
    # exec returns once the process has executed the trampoline (its sync
    # socket closes on exec); the trampoline executes sleep right after.
    def cmdline():
        with open(f"/proc/{epid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[:2]
    wait_for(lambda: cmdline() == [b"sleep", b"100"], what="the exec'd process executing sleep")
    assert not [n for n in os.listdir(pf.parent) if n != "exec.pid"]  # written atomically: no temp left
    # the process dies with the container
    ucrun("kill", "c1", "KILL")
    ucrun.wait_status("c1", "stopped")
    wait_for(lambda: not proc_alive(epid), what="exec'd process gone")


def test_exec_foreground_pid_file(ucrun, running, tmp_base):
    running()
    pf = tmp_base / "exec.pid"
    out = ucrun("exec", "--pid-file", pf, "c1", "sh", "-c", "echo $$").stdout
    assert int(pf.read_text()) > 1
    assert out.strip() != ""


def test_exec_missing_binary(ucrun, running):
    pid = running()
    cp = ucrun("exec", "c1", "nosuchbinary", check=False)
    assert cp.returncode == 255
    # runc's wording, which engines match (docker maps it to 127); runc's
    # log format escapes the quotes
    assert 'exec: "nosuchbinary": executable file not found in $PATH' in cp.stderr.replace('\\"', '"')
    # nothing left behind: the container has its init only
    assert json.loads(ucrun("ps", "--format", "json", "c1").stdout) == [pid]
    cp = ucrun("exec", "c1", "/bin/nosuch", check=False)
    assert cp.returncode == 255
    assert "/bin/nosuch" in cp.stderr and "no such file or directory" in cp.stderr
    assert json.loads(ucrun("ps", "--format", "json", "c1").stdout) == [pid]


def test_exec_missing_cwd(ucrun, running):
    running()
    cp = ucrun("exec", "--cwd", "/nonexistent", "c1", "true", check=False)
    assert cp.returncode == 255
    assert 'chdir to cwd ("/nonexistent")' in cp.stderr.replace('\\"', '"')


def test_exec_no_args(ucrun, running):
    running()
    cp = ucrun.fail("exec", "c1")
    assert "args cannot be empty" in cp.stderr


def test_exec_unknown_container(ucrun):
    cp = ucrun("exec", "nosuch", "true", check=False)
    assert cp.returncode != 0
    assert "does not exist" in cp.stderr


@pytest.mark.ucrun_specific  # runc: "container does not exist"
def test_exec_unknown_container_names_it(ucrun):
    assert "container nosuch does not exist" in ucrun.fail("exec", "nosuch", "true").stderr


def test_exec_stopped_container(ucrun, bundle):
    b = bundle()
    b.args("true")
    ucrun("run", "-d", "-b", b, "c1")
    ucrun.wait_status("c1", "stopped")
    cp = ucrun.fail("exec", "c1", "true")
    assert "cannot exec in a stopped container" in cp.stderr
    ucrun("delete", "c1")


def test_exec_created_container(ucrun, bundle):
    b = bundle()
    b.args("sleep", "1000")
    ucrun("create", "-b", b, "c1")
    try:
        assert ucrun("exec", "c1", "echo", "in-created").stdout == "in-created\n"
        assert ucrun.status("c1") == "created"
    finally:
        ucrun("delete", "--force", "c1")


def test_exec_paused_container(ucrun, running):
    running()
    ucrun("pause", "c1")
    try:
        cp = ucrun.fail("exec", "c1", "true")
        assert "cannot exec in a paused container" in cp.stderr
    finally:
        ucrun("resume", "c1")
    assert ucrun("exec", "c1", "echo", "ok").stdout == "ok\n"


def test_exec_capabilities(ucrun, running):
    running()
    cap_sys_admin = 1 << 21
    eff = int(ucrun("exec", "c1", "grep", "CapEff", "/proc/self/status").stdout.split()[1], 16)
    assert not eff & cap_sys_admin
    out = ucrun("exec", "--cap", "CAP_SYS_ADMIN", "c1", "grep", "-E", "CapEff|CapBnd", "/proc/self/status").stdout
    sets = {line.split(":")[0]: int(line.split()[1], 16) for line in out.splitlines()}
    assert sets["CapEff"] & cap_sys_admin and sets["CapBnd"] & cap_sys_admin


def test_exec_no_new_privs(ucrun, bundle, running):
    b = bundle()
    b.process["noNewPrivileges"] = False
    running(b)
    nnp = lambda *flags: ucrun("exec", *flags, "c1", "grep", "NoNewPrivs", "/proc/self/status").stdout.split()[1]
    assert nnp() == "0"
    assert nnp("--no-new-privs") == "1"


def mkdir_denied(b):
    """A bundle whose seccomp filter denies mkdir, with a writable /tmp."""
    b.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}],
    }
    b.add_mount("/tmp", "tmpfs", "tmpfs")
    return b


def test_exec_gets_container_seccomp(ucrun, bundle, running):
    running(mkdir_denied(bundle()))
    cp = ucrun("exec", "c1", "mkdir", "/tmp/x", check=False)
    assert cp.returncode != 0
    assert "Operation not permitted" in cp.stderr


@pytest.mark.ucrun_specific
def test_exec_seccomp_compiled_at_create(ucrun, bundle, running, root, tmp_base):
    """create keeps the compiled filter in the state dir (root's, 0600) and
    exec loads it (container/seccomp_cache.hpp); a process.json has no
    seccomp of its own (runc: the container's filter applies); a file that
    is not the one create wrote makes exec fail, naming it; a container
    without the file (an older ucrun made it) gets the config recompiled."""
    running(mkdir_denied(bundle()))
    cache = Path(root) / "c1" / "seccomp.bpf"
    st = cache.stat()
    assert (st.st_uid, oct(st.st_mode & 0o7777)) == (os.geteuid(), "0o600")
    good = cache.read_bytes()

    def denied(*exec_args):
        cp = ucrun("exec", *exec_args, check=False)
        return cp.returncode != 0 and "Operation not permitted" in cp.stderr

    assert denied("c1", "mkdir", "/tmp/x")
    proc = tmp_base / "process.json"
    proc.write_text(json.dumps({"args": ["mkdir", "/tmp/y"], "cwd": "/", "user": {"uid": 0, "gid": 0}}))
    assert denied("-p", str(proc), "c1")

    # Another flags word than create's: refused, not loaded.
    cache.write_bytes(good[:4] + (1 << 20).to_bytes(4, "little") + good[8:])
    cp = ucrun("exec", "c1", "true", check=False)
    assert cp.returncode == 255  # exec's failure status, as runc's
    assert f"{cache}: seccomp program cache: bad flags" in cp.stderr
    # Readable by others: not the private file create wrote.
    cache.write_bytes(good)
    cache.chmod(0o644)
    cp = ucrun("exec", "c1", "true", check=False)
    assert cp.returncode == 255  # exec's failure status, as runc's
    assert f"{cache}: not a private file" in cp.stderr
    cache.unlink()
    assert denied("c1", "mkdir", "/tmp/z")


def test_exec_rlimits_from_config(ucrun, bundle, running):
    b = bundle()
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 2048, "soft": 512}]
    running(b)
    assert ucrun("exec", "c1", "sh", "-c", "ulimit -n; ulimit -Hn").stdout.split() == ["512", "2048"]


def test_exec_is_not_dumpable_before_exec(ucrun, running):
    """The exec'd program is a fresh image: its /proc/<pid>/exe is the
    program, not the runtime (CVE-2019-5736)."""
    running()
    out = ucrun("exec", "c1", "readlink", "/proc/self/exe").stdout.strip()
    assert out == "/bin/busybox"


def test_exec_fds_closed(ucrun, running):
    running()
    # only stdio reach the process (ls opens the directory itself: fd 3)
    out = ucrun("exec", "c1", "ls", "/proc/self/fd").stdout.split()
    assert sorted(out) == ["0", "1", "2", "3"]


def _with_fd3(ucrun, path, *args):
    """Runs ucrun ARGS with `path` open read-only as fd 3."""
    argv = ucrun.argv(args)
    return subprocess.run(["sh", "-c", 'exec 3<"$0"; exec "$@"', str(path)] + argv,
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_exec_preserve_fds(ucrun, running, tmp_base):
    running()
    f = tmp_base / "passed"
    f.write_text("through fd 3\n")
    cp = _with_fd3(ucrun, f, "exec", "--preserve-fds", "1", "c1", "sh", "-c", "cat <&3")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "through fd 3\n"
    cp = _with_fd3(ucrun, f, "exec", "c1", "sh", "-c", "[ -e /proc/$$/fd/3 ] && echo open || echo closed")
    assert cp.stdout.strip() == "closed"


def test_run_preserve_fds(ucrun, bundle, tmp_base):
    b = bundle()
    b.sh("cat <&3")
    b.write()
    f = tmp_base / "passed"
    f.write_text("run fd 3\n")
    cp = _with_fd3(ucrun, f, "run", "--preserve-fds", "1", "-b", b.path, "c1")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "run fd 3\n"


def test_home_from_passwd(ucrun, bundle, running):
    """runc: HOME comes from the container's /etc/passwd when the process
    environment has none ("/" for a user it does not list)."""
    b = bundle()
    b.sh('echo "$HOME"; sleep 1000')
    pid = running(b)
    with open(f"/proc/{pid}/environ", "rb") as f:
        assert b"HOME=/root" in f.read().split(b"\0")
    assert ucrun("exec", "-u", "65534", "c1", "sh", "-c", 'echo "$HOME"').stdout == "/nonexistent\n"
    assert ucrun("exec", "-u", "4242", "c1", "sh", "-c", 'echo "$HOME"').stdout == "/\n"
    assert ucrun("exec", "-e", "HOME=/tmp", "c1", "sh", "-c", 'echo "$HOME"').stdout == "/tmp\n"


@pytest.mark.skipif(os.path.exists("/sys/fs/selinux/enforce"), reason="SELinux is enabled here")
def test_exec_process_label_without_selinux(ucrun, running):
    running()
    cp = ucrun("exec", "--process-label", "system_u:system_r:container_t:s0", "c1", "true", check=False)
    assert cp.returncode == 255
    assert "selinux" in cp.stderr.lower()


def _apparmor_enabled():
    try:
        with open("/sys/module/apparmor/parameters/enabled") as f:
            return f.read().startswith("Y")
    except OSError:
        return False


@pytest.mark.skipif(_apparmor_enabled(), reason="AppArmor is enabled here")
def test_exec_apparmor_without_apparmor(ucrun, running):
    running()
    cp = ucrun("exec", "--apparmor", "some-profile", "c1", "true", check=False)
    assert cp.returncode == 255
    assert "apparmor" in cp.stderr.lower()
    assert json.loads(ucrun("ps", "--format", "json", "c1").stdout) == [ucrun.state("c1")["pid"]]


@pytest.mark.ucrun_specific  # runc runs a command named "--"
def test_exec_double_dash(ucrun, running):
    running()
    assert ucrun("exec", "c1", "--", "sh", "-c", "echo dashed").stdout == "dashed\n"


@pytest.mark.needs_ns("time")
@pytest.mark.ucrun_specific  # runc 1.1 has no time namespace
def test_exec_joins_time_namespace(ucrun, bundle, running):
    b = bundle()
    b.set_ns("time")
    b.linux["timeOffsets"] = {"boottime": {"secs": 10 * 365 * 86400, "nanosecs": 0}}
    pid = running(b)
    uptime = float(ucrun("exec", "c1", "cat", "/proc/uptime").stdout.split()[0])
    assert uptime > 10 * 365 * 86400
    assert ucrun("exec", "c1", "readlink", "/proc/self/ns/time").stdout.strip() == host_ns(pid, "time")


# ---------------------------------------------------------------------------
# config.md "execCPUAffinity" (proc/cpu_affinity.hpp)

CPUS = sorted(os.sched_getaffinity(0))
needs_two_cpus = pytest.mark.skipif(len(CPUS) < 2, reason="needs two CPUs")


def _affinity_process(tmp_base, affinity):
    f = tmp_base / "process.json"
    f.write_text(json.dumps({"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/",
                             "env": ["PATH=/bin"], "execCPUAffinity": affinity}))
    return f


@needs_two_cpus
def test_exec_cpu_affinity_final(ucrun, running, tmp_base):
    """final: the exec'd process runs on those CPUs (runc 1.3); the init
    keeps its own."""
    pid = running()
    init_cpus = status_field(pid, "Cpus_allowed_list")
    for cpu in CPUS[:2]:
        f = _affinity_process(tmp_base, {"initial": str(CPUS[1 - CPUS.index(cpu)]), "final": str(cpu)})
        assert ucrun("exec", "--process", f, "c1").stdout.split() == ["Cpus_allowed_list:", str(cpu)]
    assert status_field(pid, "Cpus_allowed_list") == init_cpus


@needs_two_cpus
@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/cpuset"), reason="no v1 cpuset hierarchy")
def test_exec_cpu_affinity_final_comes_after_the_cpuset(ucrun, bundle, running, tmp_base):
    """final applies once the process is in the container's cgroup: joining
    a v1 cpuset resets the affinity, so a final within the cpuset holds,
    and one outside it is refused (the kernel: no CPU of it allowed), never
    silently replaced by the cpuset's. The process places itself
    (cgroup::Manager::clone_fd) and sets final after that."""
    b = bundle()
    b.linux.setdefault("resources", {})["cpu"] = {"cpus": str(CPUS[0])}
    running(b)
    for _ in range(10):
        f = _affinity_process(tmp_base, {"final": str(CPUS[0])})
        assert ucrun("exec", "--process", f, "c1").stdout.split() == ["Cpus_allowed_list:", str(CPUS[0])]
        f = _affinity_process(tmp_base, {"final": str(CPUS[1])})
        cp = ucrun.fail("exec", "--process", f, "c1")
        if not IS_RUNC:
            assert "execCPUAffinity.final" in cp.stderr, cp.stderr


@needs_two_cpus
def test_exec_cpu_affinity_initial_is_not_kept_by_ucrun(ucrun, running, tmp_base):
    """initial is for the runtime around the clone: the `ucrun exec` that
    stays to wait for the process is back on its own CPUs."""
    running()
    f = tmp_base / "process.json"
    f.write_text(json.dumps({"args": ["sleep", "1000"], "cwd": "/",
                             "execCPUAffinity": {"initial": str(CPUS[1]), "final": str(CPUS[0])}}))
    p = ucrun.popen("exec", "--process", f, "c1")
    try:
        kids = wait_for(lambda: children(p.pid), what="the exec'd process")
        wait_for(lambda: status_field(kids[0], "Cpus_allowed_list") == [str(CPUS[0])], what="final affinity")
        assert status_field(p.pid, "Cpus_allowed_list") == status_field(os.getpid(), "Cpus_allowed_list")
    finally:
        p.kill()
        p.wait()
        p.close()


@needs_two_cpus
def test_exec_cpu_affinity_from_config(ucrun, bundle, running):
    """Without --process, config.json's process.execCPUAffinity applies to
    exec (not to the init: config.md)."""
    b = bundle()
    b.process["execCPUAffinity"] = {"final": str(CPUS[1])}
    pid = running(b)
    assert status_field(pid, "Cpus_allowed_list") != [str(CPUS[1])]
    out = ucrun("exec", "c1", "grep", "Cpus_allowed_list", "/proc/self/status").stdout
    assert out.split() == ["Cpus_allowed_list:", str(CPUS[1])]


@pytest.mark.parametrize("key", ["initial", "final"])
def test_exec_cpu_affinity_unusable_cpu(ucrun, running, tmp_base, key):
    """A CPU the kernel refuses (none online in the list): exec fails naming
    the field, and no process is left in the container."""
    running()
    f = _affinity_process(tmp_base, {key: "4095"})
    cp = ucrun.fail("exec", "--process", f, "c1")
    if not IS_RUNC:
        assert f"execCPUAffinity.{key}" in cp.stderr and "4095" in cp.stderr, cp.stderr
    ps = ucrun("exec", "c1", "ps", "-o", "comm").stdout.split()[1:]
    assert sorted(ps) == ["ps", "sleep"]


@pytest.mark.ucrun_specific
def test_exec_child_gone_before_start_reports_its_own_error(ucrun, running, tmp_base):
    """The exec'd process fails before Start reaches it (a final affinity
    with no online CPU) and is gone by the time ucrun sends Start: ucrun
    reports the child's queued Error, not its own EPIPE (container/exec.cpp).
    Without help the child seldom wins that race, so strace (no -f: ucrun
    only, not its child) holds each of ucrun's sendmsg calls 0.3 s: the
    child has always failed and exited first."""
    strace = shutil.which("strace")
    if not strace:
        pytest.skip("no strace (Debian package strace)")
    running()
    f = _affinity_process(tmp_base, {"final": "4095"})
    out, err = tmp_base / "strace.out", tmp_base / "strace.err"
    # A sanitizer build (tests/sanitize/run.sh): LeakSanitizer cannot run
    # under ptrace and would end the process with its own error.
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    with open(err, "w+") as e:
        cp = subprocess.run([strace, "-qq", "-o", str(out), "-e", "trace=sendmsg",
                             "-e", "inject=sendmsg:delay_enter=300000",
                             *ucrun.argv(["exec", "--process", f, "c1"])],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e, timeout=60, env=env)
        e.seek(0)
        stderr = e.read()
    assert cp.returncode != 0, stderr
    # The delayed Start did meet a closed socket: the race went the way under test.
    assert "EPIPE" in out.read_text() or "ECONNRESET" in out.read_text(), out.read_text()
    assert "execCPUAffinity.final" in stderr and "4095" in stderr, stderr
    assert "Broken pipe" not in stderr and "start exec process" not in stderr, stderr
    ps = ucrun("exec", "c1", "ps", "-o", "comm").stdout.split()[1:]
    assert sorted(ps) == ["ps", "sleep"]


@pytest.mark.ucrun_specific
def test_exec_cpu_affinity_bound(ucrun, running, tmp_base):
    running()
    f = _affinity_process(tmp_base, {"final": "0-999999999"})
    cp = ucrun.fail("exec", "--process", f, "c1")
    assert cp.stderr.strip().endswith(f"{f}: execCPUAffinity.final: CPU numbers must be below 8192"), cp.stderr
