"""How the ucrun binary is linked (issue 17): a static PIE with packed
relative relocations, an entry point that maps its writable segments in
with one system call where a page fault is dear (src/cli/entry.cpp) and, when lld linked it, the start
path's functions first in .text (src/cli/start-path.order, meson.build). These are properties
of the build the benchmark's figures depend on; a meson change that silently
dropped one would only show as a slower benchmark."""

import os
import platform
import re
import signal
import subprocess
from pathlib import Path

import pytest

from support import IS_RUNC, UCRUN_BIN

REPO = Path(__file__).resolve().parents[2]
ORDER = REPO / "src" / "cli" / "start-path.order"

pytestmark = pytest.mark.skipif(IS_RUNC, reason="a property of ucrun's build")


def readelf(*args):
    return subprocess.run(["readelf", *args, UCRUN_BIN], capture_output=True, text=True,
                          check=True).stdout


def sanitized():
    # the sanitizer and fuzz builds link dynamically (src/cli/meson.build)
    return "INTERP" in readelf("-lW")


def test_static_pie_with_relr():
    if sanitized():
        pytest.skip("a sanitizer build links dynamically")
    header = readelf("-hW")
    assert re.search(r"Type:\s+DYN", header), "not position-independent (no ASLR)"
    segments = readelf("-lW")
    assert "INTERP" not in segments, "not static: it has a dynamic loader"
    assert "GNU_RELRO" in segments
    stack = re.search(r"GNU_STACK(?:\s+0x[0-9a-f]+){5}\s+(\S+)", segments)
    assert stack and "E" not in stack.group(1), "the stack is executable (or GNU_STACK is missing)"
    dynamic = readelf("-dW")
    assert re.search(r"\(RELR\)", dynamic), "relative relocations not packed (DT_RELR)"
    assert re.search(r"BIND_NOW|FLAGS.*NOW", dynamic), "not linked with -z now (full RELRO)"


def function_addresses():
    out = {}
    for line in readelf("-sW").splitlines():
        p = line.split()
        if len(p) >= 8 and p[3] == "FUNC" and p[6] != "UND":
            out.setdefault(p[7], int(p[1], 16))
    return out


def test_start_path_functions_come_first():
    if sanitized():
        pytest.skip("a sanitizer build links dynamically")
    if "LLD" not in readelf("-p", ".comment"):
        pytest.skip("linked by GNU ld (lld not installed, or -Dstart_path_order=disabled)")
    text = ORDER.read_text()
    # order.py tells the init's functions from the runtime's by the program's
    # entry: both groups are there, or it mistook every process for an init
    split = re.search(r"(\d+) run by the\s+#\s+container's init, then (\d+) by the runtime only", text)
    assert split and int(split.group(1)) > 0 and int(split.group(2)) > 0, \
        "start-path.order has no init or no runtime-only group: tests/bench/order.py lost the entry point"
    names = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith("#")]
    addr = function_addresses()
    placed = [addr[n] for n in names if n in addr]
    # a few names may be gone after a change; most must be there
    assert len(placed) > 0.9 * len(set(names)), \
        f"only {len(placed)} of {len(names)} names of start-path.order are in the binary: regenerate it"
    text = re.search(r"\.text\s+PROGBITS\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", readelf("-SW"))
    start, size = int(text.group(1), 16), int(text.group(2), 16)
    hot_end = max(placed)
    # every ordered function lies in one block at the start of .text, and
    # the functions of the default order (a sample of names not in the
    # file, e.g. `ucrun spec`'s) lie after it
    assert min(placed) - start < 4096
    assert hot_end - start < size // 2, f"the ordered block ends at +{hot_end - start:#x} of {size:#x}"
    ordered = set(names)
    later = [a for n, a in addr.items() if n not in ordered and start <= a < start + size]
    inside = [a for a in later if a < hot_end]
    # functions no name covers (local aliases, glibc internals) may sit in
    # the block; the bulk of .text must not
    assert len(inside) < 0.1 * len(later), f"{len(inside)} of {len(later)} other functions inside the ordered block"
    assert addr["main"] <= hot_end


def writable_mappings(pid):
    """[(perms, path, size_kib, rss_kib)] of the binary's writable mappings
    in process `pid` and of the anonymous one right after them (.bss)."""
    binary = os.path.realpath(UCRUN_BIN)
    out, vma, prev_end, prev_ours = [], None, None, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
        if m:
            start, stop, perms, path = int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4)
            ours = "w" in perms and (path == binary or (path == "" and prev_ours and start == prev_end))
            vma = [perms, path, None, None] if ours else None
            if ours:
                out.append(vma)
            prev_end, prev_ours = stop, ours
        elif vma is not None and line.startswith("Size:"):
            vma[2] = int(line.split()[1])
        elif vma is not None and line.startswith("Rss:"):
            vma[3] = int(line.split()[1])
    return out


def entry_fault_ns(pid):
    """ucrun_entry_fault_ns of the running ucrun `pid`: the nanoseconds
    its entry's timed write fault took (src/cli/entry.cpp), read through
    /proc/<pid>/mem at the symbol's address plus the load bias."""
    binary = os.path.realpath(UCRUN_BIN)
    sym = None
    for line in readelf("-sW").splitlines():
        p = line.split()
        if len(p) >= 8 and p[7] == "ucrun_entry_fault_ns" and p[3] == "OBJECT":
            sym = int(p[1], 16)
    assert sym is not None, "no ucrun_entry_fault_ns in the binary's symbols"
    base = None
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        p = line.split()
        if len(p) >= 6 and p[5] == binary and int(p[2], 16) == 0:
            base = int(p[0].split("-")[0], 16)
            break
    assert base is not None, f"{binary} not mapped in process {pid}"
    with open(f"/proc/{pid}/mem", "rb") as f:
        f.seek(base + sym)
        return int.from_bytes(f.read(8), "little")


def test_writable_segments_populated_at_entry_where_a_fault_is_dear(ucrun, bundle):
    """ucrun's entry times its first write fault and, when it took more than
    kSlowFault nanoseconds (a trap through a hypervisor), maps every page of its
    writable segments in before glibc starts (one MADV_POPULATE_WRITE
    instead of a fault per page): then a running ucrun has all of them
    resident, .bss pages no code wrote to included. Where a fault is cheap
    it leaves them to fault in one by one, and part of .bss stays out (16 of
    36 KiB when this was written). The test reads the time the entry
    measured from the process and checks that it did what they call for."""
    if sanitized():
        pytest.skip("a sanitizer build links dynamically")
    if platform.machine() != "x86_64":
        pytest.skip("the entry point is x86-64 only (src/cli/meson.build)")
    if tuple(int(x) for x in re.findall(r"\d+", platform.release())[:2]) < (5, 14):
        pytest.skip("MADV_POPULATE_WRITE is Linux 5.14: before it the pages fault in as they are touched")
    entry = int(re.search(r"Entry point address:\s+0x([0-9a-f]+)", readelf("-hW")).group(1), 16)
    assert entry == function_addresses()["ucrun_entry"], "the entry point is not ucrun_entry"
    slow = int(re.search(r"kSlowFault = (\d+);", (REPO / "src/cli/entry.cpp").read_text()).group(1))
    b = bundle()
    b.args("sleep", "1000")
    p = ucrun.popen("run", "-b", b, "c1")
    try:
        ucrun.wait_status("c1", "running", proc=p)
        ns = entry_fault_ns(p.popen.pid)
        assert ns > 0, "the entry timed no fault"
        maps = writable_mappings(p.popen.pid)
        bss = [(size, rss) for _, path, size, rss in maps if path == ""]
        assert bss, f"no .bss mapping after the binary's: {maps}"
        if ns > slow:
            for perms, path, size, rss in maps:
                assert rss == size, f"{ns} ns, populated: {perms} {path or '(.bss)'}: {rss} of {size} KiB resident"
        else:
            assert any(rss < size for size, rss in bss), f"{ns} ns, not populated, yet all of .bss is resident: {maps}"
    finally:
        ucrun("kill", "c1", "KILL", check=False)
        cp = p.wait()
    assert cp.returncode == 128 + signal.SIGKILL, cp.stderr
