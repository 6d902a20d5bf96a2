#!/usr/bin/python3
"""Write src/cli/start-path.order: the functions ucrun executes on its start
path, in the order the linker is to place them first in .text.

Run as root on a built tree:  python3 tests/bench/order.py [--ucrun BIN]

Why: ucrun is a 3 MB static PIE, and on this kind of machine (a
paravirtualised guest) a page fault costs 15-30 us. With the linker's
default order the ~1,100 functions a `run` executes are spread over 41 of
the 46 64-KiB windows of .text, so the runtime faults once per window (the
kernel maps the 16 pages around each fault: fault_around_bytes), in the
parent and again in the container's init, and its peak RSS is mostly text
it never runs. Placed together (lld's --symbol-ordering-file, the field's
tool for it: src/cli/meson.build) they fill ~14 windows.

How: one uprobe per function symbol of BIN (tracefs uprobe_events; a trap at
each call while enabled), then the engine's commands on real containers
(run, run in a user namespace, run with cgroup limits, create / start /
state / exec / list / kill / delete), then the trace: every function hit and
by which process. Functions the container's init ran come first (the init
is a clone of the runtime that refaults the text it touches: a file mapping
without private pages is not copied by fork), then the ones only the runtime
ran, each group in the order of first use; last, those a run under the
runtime's remap (--userns-remap=default) adds, in a trace of their own. The
probes are removed on exit.

The file is an optimisation, never a correctness input: a symbol that no
longer exists is ignored by the linker, a new one lands in the default
place. Regenerate it after large changes to the start path and compare
`bench.py --only run,rss` before and after. Registering the ~5,000 probes
takes 2-3 minutes. glibc's CPU-specific string functions are not probed
(EXCLUDE) but read from the relocated GOT (ifunc_targets); every command of
the workload must exit 0, or its path is missing from the order.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import bench  # noqa: E402  (make_bundle, USERNS_MAP)

TRACEFS = Path("/sys/kernel/tracing")
# A trace instance of this tool's own (tracefs "instances"): its buffer
# holds the probes' hits and nothing else, whatever events another tool
# has left enabled in the top-level one (a system-call event there once
# flooded the buffer, each read of it making more, and the first hits, the
# order's head, were overwritten).
INSTANCE = TRACEFS / "instances" / "ucrunorder"
GROUP = "ucrunorder"
# glibc's CPU-specific string functions (the IFUNC targets) are not probed:
# a uprobe on them derails the run (a formatted path comes out wrong, a JSON
# key is not found). The ones this CPU uses are read from the relocated GOT
# instead (ifunc_targets).
EXCLUDE = re.compile(r"_(sse2|ssse3|sse4_?1|sse4_?2|sse41|sse42|avx|avx2|avx512|evex|erms|rtm|movbe|unaligned|aligned)"
                     r"(_|$)")


def function_symbols(binary):
    """{file offset: [names]} of every sized FUNC symbol in an executable
    segment (aliases share an offset)."""
    loads = []
    for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        p = line.split()
        if p and p[0] == "LOAD" and "E" in "".join(p[6:-1]):
            loads.append((int(p[1], 16), int(p[2], 16), int(p[4], 16)))
    out = {}
    for line in subprocess.run(["readelf", "-sW", binary], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        p = line.split()
        if len(p) < 8 or p[3] != "FUNC" or p[6] == "UND" or int(p[2], 0) == 0:
            continue
        if EXCLUDE.search(p[7]):
            continue
        addr = int(p[1], 16)
        for off, vaddr, size in loads:
            if vaddr <= addr < vaddr + size:
                out.setdefault(addr - vaddr + off, []).append(p[7])
    return out


def ifunc_targets(binary):
    """The functions glibc's IFUNC resolvers chose on this CPU: run BINARY
    --version under gdb to main, when the static-pie start-up has applied
    the IRELATIVE relocations, and name what each slot points at."""
    main_addr = None
    for line in subprocess.run(["readelf", "-sW", binary], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        p = line.split()
        if len(p) >= 8 and p[7] == "main" and p[3] == "FUNC":
            main_addr = int(p[1], 16)
    slots = [int(line.split()[0], 16) for line in subprocess.run(
        ["readelf", "-rW", binary], capture_output=True, text=True, check=True).stdout.splitlines()
        if "IRELATIVE" in line]
    if main_addr is None or not slots or not shutil.which("gdb"):
        print("order: no gdb or no IRELATIVE slots: CPU-specific string functions not ordered",
              file=sys.stderr)
        return []
    cmd = ["gdb", "-q", "-batch", "-ex", "break main", "-ex", "run --version"]
    for s in slots:
        cmd += ["-ex", f"info symbol *(void**)((char*)main - {main_addr:#x} + {s:#x})"]
    out = subprocess.run(cmd + [binary], capture_output=True, text=True).stdout
    return sorted({line.split()[0] for line in out.splitlines() if " in section " in line})


class Probes:
    """Uprobes on every function of a binary, removed on exit."""

    def __init__(self, binary, symbols):
        self.names = {}
        if not (TRACEFS / "uprobe_events").exists():
            sys.exit(f"order: no {TRACEFS}/uprobe_events (tracefs not mounted, or no CONFIG_UPROBE_EVENTS)")
        self.clear()
        fd = os.open(TRACEFS / "uprobe_events", os.O_WRONLY | os.O_APPEND)
        try:
            for i, (off, names) in enumerate(sorted(symbols.items())):
                # one probe per write: the kernel parses each write on its own
                os.write(fd, f"p:{GROUP}/f{i} {binary}:{off:#x}\n".encode())
                self.names[f"f{i}"] = names
        except BaseException:  # also Ctrl-C during the minutes this takes
            os.close(fd)
            self.clear()
            raise
        os.close(fd)

    def __enter__(self):
        # Nothing is recorded while tracing is off (another tool may have
        # left it so); it is put back as found.
        if INSTANCE.exists():
            INSTANCE.rmdir()  # left by an interrupted run
        INSTANCE.mkdir()
        (INSTANCE / "buffer_size_kb").write_text("65536")
        (INSTANCE / "events" / GROUP / "enable").write_text("1")
        (INSTANCE / "tracing_on").write_text("1")
        return self

    def __exit__(self, *exc):
        self.clear()

    def clear(self):
        """Removes this tool's probes (a left-over group too), no one else's."""
        try:
            (INSTANCE / "events" / GROUP / "enable").write_text("0")
        except OSError:
            pass
        try:
            INSTANCE.rmdir()  # its events go with it; the probes can then be removed
        except OSError:
            pass
        ours = [line.split()[0][2:] for line in (TRACEFS / "uprobe_events").read_text().splitlines()
                if line.startswith(f"p:{GROUP}/")]
        if not ours:
            return
        fd = os.open(TRACEFS / "uprobe_events", os.O_WRONLY | os.O_APPEND)
        try:
            for name in ours:
                os.write(fd, f"-:{name}\n".encode())
        finally:
            os.close(fd)

    def resume(self):
        """Records again, from an empty trace, after hits()."""
        (INSTANCE / "trace").write_text("")
        (INSTANCE / "events" / GROUP / "enable").write_text("1")

    def hits(self):
        """[(pid, event)] in trace order."""
        (INSTANCE / "events" / GROUP / "enable").write_text("0")
        line_re = re.compile(r"-(\d+)\s+\[\d+\].*?:\s+(f\d+):")
        out = []
        with open(INSTANCE / "trace") as f:
            for line in f:
                m = line_re.search(line)
                if m:
                    out.append((int(m.group(1)), m.group(2)))
        return out


def workload(ucrun, tmp):
    busybox = shutil.which("busybox") or "/bin/busybox"
    b_true = bench.make_bundle(tmp / "true", busybox, ["/bin/true"])
    b_userns = bench.make_bundle(tmp / "userns", busybox, ["/bin/true"], userns=True)
    b_sleep = bench.make_bundle(tmp / "sleep", busybox, ["/bin/sleep", "600"])
    b_cg = bench.make_bundle(tmp / "cg", busybox, ["/bin/true"])
    cfg = json.loads((b_cg / "config.json").read_text())
    cfg["linux"]["cgroupsPath"] = f"/ucrun-order-{os.getpid()}"
    cfg["linux"].setdefault("resources", {})["memory"] = {"limit": bench.CG_MEMORY}
    cfg["linux"]["resources"]["pids"] = {"limit": bench.CG_PIDS}
    (b_cg / "config.json").write_text(json.dumps(cfg))
    root = tmp / "state"
    u = [ucrun, "--root", str(root)]

    failed = []

    def do(*args):
        r = subprocess.run(u + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        print(f"order: {' '.join(args[:2])}: exit {r.returncode}", file=sys.stderr)
        if r.returncode != 0:
            failed.append(" ".join(args[:2]))

    do("run", "--bundle", str(b_true), "o-run")
    do("run", "--bundle", str(b_userns), "o-userns")
    do("run", "--bundle", str(b_cg), "o-cg")
    do("create", "--bundle", str(b_sleep), "o-life")
    do("start", "o-life")
    do("state", "o-life")
    do("exec", "o-life", "/bin/true")
    do("list")
    do("kill", "o-life", "KILL")
    subprocess.run(["sleep", "0.5"])
    do("delete", "--force", "o-life")
    for cid in ("o-run", "o-userns", "o-cg"):
        if (root / cid).exists():
            do("delete", "--force", cid)
    if failed:
        # an order without those paths would be quietly worse: write none
        sys.exit(f"order: failed under the probes: {', '.join(failed)}; the order file is unchanged")


def remap_workload(ucrun, tmp):
    """A run under the runtime's remap (--userns-remap=default): its own
    functions (the id files, the allocation registry, the idmapped rootfs)
    go after the rest, so that the other paths' layout does not change.
    It takes a block in the host's registry (/run/ucrun/.userns) and gives
    it back when the run ends."""
    b = tmp / "true"
    r = subprocess.run([ucrun, "--root", str(tmp / "state"), "--userns-remap=default", "run", "--bundle", str(b),
                        "o-remap"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    print(f"order: run --userns-remap=default: exit {r.returncode}", file=sys.stderr)
    if r.returncode != 0:
        sys.exit("order: failed under the probes: run --userns-remap=default; the order file is unchanged")


def order(hits, names):
    """Init-side functions first, then the rest, each by first use. A process
    is an init (a clone of the runtime) when its first hit is not the
    program's entry: ucrun_entry (src/cli/entry.cpp), or glibc's _start in
    a build linked without it."""
    first = {}
    for pid, ev in hits:
        first.setdefault(pid, ev)
    entry = {ev for ev, ns in names.items() if "_start" in ns or "ucrun_entry" in ns}
    child_pids = {pid for pid, ev in first.items() if ev not in entry}
    child, rest, seen = [], [], set()
    for pid, ev in hits:
        if pid in child_pids and ev not in seen:
            seen.add(ev)
            child.append(ev)
    for pid, ev in hits:
        if ev not in seen:
            seen.add(ev)
            rest.append(ev)
    return child, rest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ucrun", default=str(REPO / "build" / "src" / "cli" / "ucrun"))
    ap.add_argument("--out", default=str(REPO / "src" / "cli" / "start-path.order"))
    opts = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("order: run as root (uprobes, containers)")
    with tempfile.TemporaryDirectory(prefix="ucrun-order-") as t:
        tmp = Path(t)
        os.chmod(tmp, 0o755)  # the user-namespace bundle's root (a mapped uid) walks into it
        # probe a copy: uprobes stay on the inode, and the build may relink
        binary = str(tmp / "ucrun")
        shutil.copy2(opts.ucrun, binary)
        symbols = function_symbols(binary)
        print(f"order: {len(symbols)} probes (this takes a few minutes)", file=sys.stderr)
        probes = Probes(binary, symbols)
        with probes:
            workload(binary, tmp)
            hits = probes.hits()
            probes.resume()
            remap_workload(binary, tmp)
            remap_hits = probes.hits()
        child, rest = order(hits, probes.names)
        if not child or not rest:
            sys.exit(f"order: the trace saw {len(child)} + {len(rest)} functions; {opts.out} left as it was")
        seen = set(child) | set(rest)
        remap = []
        for _, ev in remap_hits:
            if ev not in seen:
                seen.add(ev)
                remap.append(ev)
        ifuncs = ifunc_targets(binary)
    with open(opts.out, "w") as f:
        f.write("# The start path's functions, in the order lld places them first in .text\n"
                "# (--symbol-ordering-file, meson.build). Generated by\n"
                "# tests/bench/order.py from a traced run; not edited by hand.\n"
                f"# {len(ifuncs)} string functions glibc chose for this CPU, {len(child)} run by the\n"
                f"# container's init, then {len(rest)} by the runtime only, then {len(remap)} only a\n"
                f"# remapped run adds.\n")
        for name in ifuncs:
            f.write(name + "\n")
        for ev in child + rest + remap:
            for name in probes.names[ev]:
                f.write(name + "\n")
    print(f"order: {opts.out}: {len(child)} + {len(rest)} + {len(remap)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
