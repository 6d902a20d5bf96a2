"""Concurrency (issue 15 item 4): many ucrun commands at once, on many
containers and on one id.  No state file is ever read torn or partial
(every `state` and `list` parses, with a valid status), no status is wrong,
no half-created container is left, exactly one create of an id wins.

UCRUN_SOAK=1 runs more rounds."""

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from hostcheck import (SOAK, VALID_STATUS, cgroup_dirs, marker_of, parse_state, sleeper,
                       wait_no_processes)

N_PARALLEL = 50
ROUNDS = 30 if SOAK else 5


def test_fifty_containers_in_parallel(ucrun, bundle, tmp_base, root):
    m = marker_of(tmp_base)
    b = sleeper(bundle)
    ids = [f"{m}-{i}" for i in range(N_PARALLEL)]
    with ThreadPoolExecutor(max_workers=N_PARALLEL) as pool:
        creates = list(pool.map(lambda c: ucrun("create", "-b", b.path, c, check=False, timeout=120), ids))
        bad = [(c.args[-1], c.stderr) for c in creates if c.returncode != 0]
        assert not bad, bad
        assert sorted(ucrun.ids()) == sorted(ids)
        assert {c: ucrun.status(c) for c in ids} == {c: "created" for c in ids}
        starts = list(pool.map(lambda c: ucrun("start", c, check=False, timeout=120), ids))
        assert not [(s.args[-1], s.stderr) for s in starts if s.returncode != 0]
        listed = json.loads(ucrun("list", "-f", "json").stdout)
        assert sorted(e["id"] for e in listed) == sorted(ids)
        assert {e["status"] for e in listed} == {"running"}, listed
        assert len(cgroup_dirs(m)) >= N_PARALLEL
        deletes = list(pool.map(lambda c: ucrun("delete", "--force", c, check=False, timeout=120), ids))
        assert not [(d.args[-1], d.stderr) for d in deletes if d.returncode != 0]
    assert not os.listdir(root)
    assert not cgroup_dirs(m)
    assert not wait_no_processes()


def test_one_winner_among_concurrent_creates(ucrun, bundle, tmp_base, root):
    """Five creates of one id at once: exactly one succeeds, the others say
    the id exists, and the winner's container is whole (created, its init
    alive) — never a loser's cleanup removing the winner's state."""
    m = marker_of(tmp_base)
    b = sleeper(bundle)
    for r in range(ROUNDS):
        cid = f"{m}-same{r}"
        barrier = threading.Barrier(5)

        def create(_):
            barrier.wait()
            return ucrun("create", "-b", b.path, cid, check=False, timeout=60)

        with ThreadPoolExecutor(max_workers=5) as pool:
            res = list(pool.map(create, range(5)))
        won = [c for c in res if c.returncode == 0]
        lost = [c for c in res if c.returncode != 0]
        assert len(won) == 1, [(c.returncode, c.stderr) for c in res]
        for c in lost:
            assert "exists" in c.stderr, c.stderr
        st = ucrun.state(cid)
        assert st["status"] == "created", st
        assert os.path.exists(f"/proc/{st['pid']}"), st
        assert ucrun.ids() == [cid]
        ucrun("start", cid)
        assert ucrun.status(cid) == "running"
        ucrun("delete", "--force", cid)
        assert not os.listdir(root)
        assert not cgroup_dirs(cid)
    assert not wait_no_processes()


def test_state_kill_exec_delete_create_of_one_id(ucrun, bundle, tmp_base, root):
    """state, exec, kill, delete --force and create of one id, all at once.
    Every `state` parses with a valid status; for one container (one init
    pid) the status never goes back from stopped to running; afterwards the
    id either does not exist or is a whole container, and delete --force
    leaves nothing."""
    m = marker_of(tmp_base)
    b = sleeper(bundle)
    for r in range(ROUNDS):
        cid = f"{m}-x{r}"
        ucrun("create", "-b", b.path, cid)
        ucrun("start", cid)
        stop = threading.Event()
        seen = []  # (pid, status) in the order state saw them
        errors = []

        def poll_state():
            while not stop.is_set():
                cp = ucrun("state", cid, check=False)
                try:
                    status = parse_state(cp)
                except AssertionError as e:
                    errors.append(str(e))
                    return
                if status is not None:
                    seen.append((json.loads(cp.stdout).get("pid", 0), status))

        def poll_exec():
            while not stop.is_set():
                cp = ucrun("exec", cid, "true", check=False)
                if cp.returncode not in (0, 1, 255) and cp.returncode < 128:
                    errors.append(f"exec: exit {cp.returncode}: {cp.stderr}")

        pollers = [threading.Thread(target=f) for f in (poll_state, poll_state, poll_exec)]
        for t in pollers:
            t.start()
        time.sleep(0.3)
        with ThreadPoolExecutor(max_workers=4) as pool:
            futs = [pool.submit(ucrun, "kill", cid, "KILL", check=False),
                    pool.submit(ucrun, "delete", "--force", cid, check=False, timeout=60),
                    pool.submit(ucrun, "create", "-b", b.path, cid, check=False, timeout=60),
                    pool.submit(ucrun, "state", cid, check=False)]
            results = [f.result() for f in futs]
        time.sleep(0.2)
        stop.set()
        for t in pollers:
            t.join(timeout=60)
        assert not errors, errors[:5]
        # delete --force of the running container does not fail (the create
        # may have run before it and then deleted the new one: also fine)
        assert results[1].returncode == 0, results[1].stderr
        parse_state(results[3])
        for pid in {p for p, _ in seen}:
            statuses = [s for p, s in seen if p == pid]
            if "stopped" in statuses:
                after = statuses[statuses.index("stopped"):]
                assert "running" not in after, (pid, statuses)
        # What is left is a whole container or nothing.
        left = os.listdir(root)
        if left:
            assert left == [cid], left
            st = ucrun.state(cid)
            assert st["status"] in ("created", "stopped"), st
            ucrun("delete", "--force", cid)
        assert not os.listdir(root)
        assert not cgroup_dirs(cid)
        assert not wait_no_processes(), r


def test_list_during_creates(ucrun, bundle, tmp_base, root):
    """`list` (json) and `state` while 20 containers are being created and
    deleted: every output parses, every status is valid, no id listed is
    a half-made directory that `state` cannot read."""
    m = marker_of(tmp_base)
    b = sleeper(bundle)
    ids = [f"{m}-l{i}" for i in range(20)]
    stop = threading.Event()
    errors = []
    lists = [0]

    def poll_list():
        while not stop.is_set():
            cp = ucrun("list", "-f", "json", check=False)
            if cp.returncode != 0:
                errors.append(f"list: exit {cp.returncode}: {cp.stderr}")
                return
            try:
                entries = json.loads(cp.stdout) or []
            except ValueError as e:
                errors.append(f"list output is not JSON ({e}): {cp.stdout!r}")
                return
            lists[0] += 1
            for e in entries:
                if e.get("status") not in VALID_STATUS or e.get("id") not in ids:
                    errors.append(f"bad list entry: {e}")
                try:
                    parse_state(ucrun("state", e["id"], check=False))
                except AssertionError as x:
                    errors.append(str(x))

    pollers = [threading.Thread(target=poll_list) for _ in range(2)]
    for t in pollers:
        t.start()
    try:
        with ThreadPoolExecutor(max_workers=5) as pool:
            assert all(c.returncode == 0 for c in
                       pool.map(lambda c: ucrun("create", "-b", b.path, c, check=False, timeout=120), ids))
            assert all(c.returncode == 0 for c in
                       pool.map(lambda c: ucrun("delete", "--force", c, check=False, timeout=120), ids))
    finally:
        stop.set()
        for t in pollers:
            t.join(timeout=60)
    assert not errors, errors[:5]
    assert lists[0] > 0
    assert not os.listdir(root)
    assert not cgroup_dirs(m)
