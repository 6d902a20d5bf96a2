#!/usr/bin/env python3
"""Where a `run` goes, phase by phase, against the floor (tests/bench/floor.c).

Run as root:  python3 tests/bench/phases.py [--rounds 80] [--userns] [--exec]

bench.py says how much longer ucrun's `run` is than the floor's; this says
in which part of the container's life the difference is. It reads the
kernel's process tracepoints (tracefs: sched_process_fork, _exec, _exit;
and, for ucrun's trampoline, sys_enter_read and sys_enter_execve), which
cost a few microseconds per event, not a tracer per system call, and splits
each round of each command into:

  start     the runtime's execve to the end of its clone3 (sched_process_fork:
            after the new namespaces are made): the runtime's own start, its
            parsing and state, and the namespaces' creation
  setup     clone3's end to the container's first exec: the floor's exec of
            CMD; ucrun's exec of its trampoline (proc/trampoline.hpp)
  release   ucrun only: the trampoline's first read to its execve, waiting
            for the Start message while the parent writes the record
            (container/create.cpp) and lets it go (container/ops.cpp)
  exec2     ucrun only: the trampoline's execve to CMD's exec (the second
            exec, CVE-2019-5736)
  program   CMD's exec to its exit (busybox true)
  teardown  CMD's exit to the runtime's exit: the kernel's teardown of the
            container's namespaces, the runtime's removal of its state

and prints the medians over interleaved rounds. --exec: `ucrun exec` into a
running container against `floor -e`, the same phases (setup: the child's
joining, up to its first exec). Not a pass/fail test and
not in the CI: a tool for the profile in PERFORMANCE.md. Needs tracefs at
/sys/kernel/tracing (it records in a trace instance of its own, removed at the end).

Python 3 standard library only; builds its bundle and the floor as
bench.py does (it imports it), in a private mount namespace with the state
on a tmpfs.
"""
import argparse
import importlib.util
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRACE = Path("/sys/kernel/tracing")
EVENTS = ["sched:sched_process_fork", "sched:sched_process_exec", "sched:sched_process_exit",
          "syscalls:sys_enter_read", "syscalls:sys_enter_execve"]
PHASES = ["start", "setup", "release", "exec2", "program", "teardown", "total"]
LINE = re.compile(r"-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): (\w+)(?::\s*|\()(.*)")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", HERE / "bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def trace(commands):
    """Runs each command once, with the process tracepoints on; returns the
    trace's lines. In a trace instance of its own (tracefs "instances"):
    nothing another tool has enabled in the top-level buffer (order.py's
    uprobes, a system-call event) reaches this one, and nothing of theirs is
    turned off."""
    inst = TRACE / "instances" / "ucrunphases"
    if inst.exists():
        inst.rmdir()  # left by an interrupted run
    inst.mkdir()
    try:
        fd = os.open(inst / "set_event", os.O_WRONLY | os.O_APPEND)
        try:
            for e in EVENTS:
                os.write(fd, (e + "\n").encode())
        finally:
            os.close(fd)
        (inst / "tracing_on").write_text("1")
        for cmd in commands:
            if subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode != 0:
                sys.exit(f"phases: failed: {' '.join(map(str, cmd))}")
        (inst / "tracing_on").write_text("0")
        return (inst / "trace").read_text().splitlines()
    finally:
        (inst / "tracing_on").write_text("0")
        (inst / "set_event").write_text("")
        inst.rmdir()


def split(lines, runtime_path):
    """One dict of phase durations (µs) per run of runtime_path in the trace."""
    runs, cur = [], None
    for line in lines:
        m = LINE.search(line)
        if not m:
            continue
        pid, t, event, rest = int(m.group(1)), float(m.group(2)) * 1e6, m.group(3), m.group(4)
        if event == "sched_process_exec" and rest.startswith(f"filename={runtime_path} "):
            cur = {"pid": pid, "start": t}
            runs.append(cur)
        elif cur is None:
            continue
        elif event == "sched_process_fork" and pid == cur["pid"] and "fork" not in cur:
            cur["fork"] = t
            cur["child"] = int(re.search(r"child_pid=(\d+)", rest).group(1))
        elif event == "sched_process_exec" and pid == cur.get("child"):
            if rest.startswith("filename=/dev/fd/"):
                cur["tramp"] = t  # the trampoline's memfd
            elif "cmd" not in cur:
                cur["cmd"] = t
        elif event == "sys_read" and pid == cur.get("child") and "tramp" in cur and "read" not in cur:
            cur["read"] = t
        elif event == "sys_execve" and pid == cur.get("child") and "tramp" in cur and "execve" not in cur:
            cur["execve"] = t
        elif event == "sched_process_exit" and pid == cur.get("child") and "exit" not in cur:
            cur["exit"] = t
        elif event == "sched_process_exit" and pid == cur["pid"]:
            cur["end"] = t
    out = []
    for r in runs:
        if not all(k in r for k in ("fork", "cmd", "exit", "end")):
            continue
        first_exec = r.get("tramp", r["cmd"])
        d = {"start": r["fork"] - r["start"], "setup": first_exec - r["fork"],
             "program": r["exit"] - r["cmd"], "teardown": r["end"] - r["exit"], "total": r["end"] - r["start"]}
        if "tramp" in r and "execve" in r:
            if "read" in r and r["read"] < r["execve"]:  # run: the trampoline waits for Start
                d["release"] = r["execve"] - r["read"]
            d["exec2"] = r["cmd"] - r["execve"]
        out.append(d)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=80)
    p.add_argument("--ucrun", default=os.environ.get("UCRUN", str(HERE.parent.parent / "build/src/cli/ucrun")))
    p.add_argument("--userns", action="store_true", help="the bundle with a user namespace (run-userns)")
    p.add_argument("--exec", action="store_true",
                   help="`ucrun exec` into a running container against `floor -e`, instead of run")
    p.add_argument("--busybox", default="/bin/busybox")
    p.add_argument("--build-dir", default=str(HERE.parent.parent / "build-bench"))
    o = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("phases: run as root")
    if not (TRACE / "set_event").exists():
        sys.exit(f"phases: no tracefs at {TRACE}")
    if os.environ.get("UCRUN_PHASES_INNER") != "1":
        os.environ["UCRUN_PHASES_INNER"] = "1"
        os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", "--",
                              sys.executable, __file__, *sys.argv[1:]])
    bench = load_bench()
    ucrun = str(Path(o.ucrun).resolve())
    floor = str(bench.build_floor(Path(o.build_dir)).resolve())
    tmp = Path(tempfile.mkdtemp(prefix="ucrun-phases."))
    tmp.chmod(0o755)  # the user namespace's root (host 100000) walks down to the rootfs
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "ucrun-phases", str(tmp)], check=True)
        bundle = bench.make_bundle(tmp / "bundle", o.busybox, ["/bin/true"], userns=o.userns)
        (tmp / "state").mkdir()
        rootfs = str(bundle / "rootfs")
        userns = ["-U"] if o.userns else []
        state = [ucrun, "--root", str(tmp / "state"), "--cgroup-manager=disabled"]
        if o.exec:
            # A sleeping container to exec into (floor -e enters the namespaces of its pid).
            sleeper = bench.make_bundle(tmp / "sleeper", o.busybox, ["/bin/sleep", "100000"], userns=o.userns)
            subprocess.run([*state, "run", "-d", "--bundle", str(sleeper), "sleeper"], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            init = json.loads(subprocess.run([*state, "state", "sleeper"], check=True, capture_output=True,
                                             text=True).stdout)["pid"]
            cmds = {
                "ucrun": lambda i: [*state, "exec", "sleeper", "/bin/true"],
                "floor": lambda i: [floor, "-e", str(init), "/bin/true"],
            }
        else:
            cmds = {
                "ucrun": lambda i: [*state, "run", "--bundle", str(bundle), f"p{i}"],
                "floor-spec": lambda i: [floor, "-s", *userns, rootfs, "/bin/true"],
                "floor": lambda i: [floor, *userns, rootfs, "/bin/true"],
            }
        order = []
        for i in range(o.rounds):
            names = list(cmds)
            random.shuffle(names)
            order += [cmds[n](i) for n in names]
        lines = trace(order)
        if o.exec:
            subprocess.run([*state, "delete", "--force", "sleeper"], stderr=subprocess.DEVNULL)
            results = {"ucrun": split(lines, ucrun), "floor": split(lines, floor)}
        else:
            results = {"ucrun": split(lines, ucrun), "floor-spec": split(lines, floor), "floor": []}
            # Both floors are one binary: -s tells them apart in the order they ran.
            floors = results["floor-spec"]
            kinds = [c for c in order if c[0] == floor]
            results["floor-spec"] = [d for d, c in zip(floors, kinds) if "-s" in c]
            results["floor"] = [d for d, c in zip(floors, kinds) if "-s" not in c]
    finally:
        if o.exec:
            subprocess.run([ucrun, "--root", str(tmp / "state"), "delete", "--force", "sleeper"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["umount", "--lazy", str(tmp)], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"phases of `{'exec' if o.exec else 'run'}` /bin/true{' (user namespace)' if o.userns else ''}, median µs over "
          f"{o.rounds} interleaved rounds (tracefs process events)")
    names = list(results)
    print(f"{'phase':10s}" + "".join(f"{n:>12s}" for n in names) + f"{'over ' + names[1]:>16s}")
    for ph in PHASES:
        row = []
        for n in names:
            v = [d[ph] for d in results[n] if ph in d]
            row.append(statistics.median(v) if v else None)
        diff = row[0] - (row[1] or 0) if row[0] is not None and ph not in ("release", "exec2") else None
        print(f"{ph:10s}" + "".join(f"{x:12.0f}" if x is not None else f"{'-':>12s}" for x in row) +
              (f"{diff:+16.0f}" if diff is not None else f"{'':>16s}"))
    print("runs parsed: " + ", ".join(f"{n} {len(results[n])}" for n in names))


if __name__ == "__main__":
    main()
