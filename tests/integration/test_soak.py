"""Lifecycle soak (issue 15 item 3): many create/start/delete cycles, plain
and in a user namespace, leave nothing behind on the host (mount, cgroup,
state directory, fifo, socket, process, fd, /dev/shm or /tmp entry) and do
not get slower as they go.

Short variant in the default test command (100 plain + 20 user-namespace
cycles); UCRUN_SOAK=1 runs the long one (1 000 + 200).  Processes and
mounts are also checked by the fixtures when the test ends."""

import os
import statistics
import time

from hostcheck import (SOAK, HostSnapshot, cgroup_dirs, marker_of, parse_state, unix_sockets,
                       wait_no_processes)

N_PLAIN = 1000 if SOAK else 100
N_USERNS = N_PLAIN // 5


def cycle(ucrun, b_true, b_sleep, cid, out):
    """One lifecycle; alternates the two ways a container ends: it exits by
    itself (wait for stopped, plain delete) or is running and removed with
    delete --force.  Returns the fds the container saw, or None."""
    if b_true is not None:
        ucrun("create", "-b", b_true, cid, stdout=out)
        ucrun("start", cid)
        ucrun.wait_status(cid, "stopped")
        ucrun("delete", cid)
        return out.read_text().split()
    ucrun("create", "-b", b_sleep, cid)
    ucrun("start", cid)
    assert ucrun.status(cid) == "running"
    ucrun("delete", "--force", cid)
    return None


def soak(ucrun, bundle, tmp_base, root, n, userns):
    marker = f"{marker_of(tmp_base)}{'u' if userns else 'p'}"
    b_true = bundle(userns=userns)
    # the container process's fds (ls's own, with the one on /proc/self/fd
    # it reads): must not change over the run.  One process, no pipeline: a
    # shell's pipe ends would come and go.
    b_true.args("ls", "/proc/self/fd")
    b_true.write()
    b_sleep = bundle(userns=userns)
    b_sleep.args("sleep", "60")
    b_sleep.write()
    out = tmp_base / "out"
    snap = HostSnapshot(marker)
    times, fds = [], []

    # The cgroup check below looks in the right place: a container has a
    # cgroup named after its id (no cgroupsPath) while it exists.
    ucrun("create", "-b", b_sleep.path, f"{marker}-probe")
    assert cgroup_dirs(marker), "no cgroup found for a live container: the check is blind"
    ucrun("delete", "--force", f"{marker}-probe")

    for i in range(n):
        cid = f"{marker}-{i}"
        t0 = time.monotonic()
        fd = cycle(ucrun, b_true.path if i % 2 == 0 else None, b_sleep.path, cid, out)
        times.append(time.monotonic() - t0)
        if fd is not None:
            fds.append(fd)
        # per cycle: the state directory (and its exec fifo) is gone
        assert not os.listdir(root), f"cycle {i}: state left: {os.listdir(root)}"
        assert parse_state(ucrun("state", cid, check=False)) is None

    problems = snap.problems()
    left = cgroup_dirs(marker)
    if left:
        problems.append(f"cgroups left: {left[:10]}")
    socks = unix_sockets(str(root)) + unix_sockets(str(tmp_base))
    if socks:
        problems.append(f"unix sockets left: {socks}")
    procs = wait_no_processes()
    if procs:
        problems.append(f"processes left: {procs}")
    if any(f != fds[0] for f in fds):
        problems.append(f"the container's fds changed over the run: {fds[0]} -> "
                        f"{[f for f in fds if f != fds[0]][:3]}")
    assert ucrun.ids() == []
    # Timing is used here ONLY as a growth/leak detector, with a wide
    # margin (2x + 5 ms) so that a loaded CI machine does not trip it: a
    # leak that makes each cycle slower (a growing registry, mount table
    # or cgroup tree) shows as the last fifth being much slower than the
    # first.
    k = max(1, n // 5)
    first, last = statistics.median(times[:k]), statistics.median(times[-k:])
    if last > 2 * first + 0.005:
        problems.append(f"cycles got slower: median {first * 1000:.1f} ms (first {k}) -> "
                        f"{last * 1000:.1f} ms (last {k})")
    print(f"{n} cycles{' (userns)' if userns else ''}: median first {first * 1000:.1f} ms, "
          f"last {last * 1000:.1f} ms")
    assert not problems, "\n".join(problems)


def test_soak_lifecycle(ucrun, bundle, tmp_base, root):
    soak(ucrun, bundle, tmp_base, root, N_PLAIN, userns=False)


def test_soak_lifecycle_user_namespace(ucrun, bundle, tmp_base, root):
    soak(ucrun, bundle, tmp_base, root, N_USERNS, userns=True)
