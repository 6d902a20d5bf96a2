"""A container id is a name, never a path, in every command.

Before, only `create` checked the id: `delete ../x` removed a directory
outside --root, `delete .` every container's state, `delete ..` the root's
parent. Every command that takes an id refuses these with "invalid
container id", and decoy directories around the root, and a real container
inside it, survive every attempt."""

import hashlib
import os

import pytest

BAD_IDS = ["../x", ".", "..", "a/../../x", "/tmp", "x/", ""]


def tree_digest(path):
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(path)):
        dirnames.sort()
        h.update(dirpath.encode())
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            h.update(f.encode())
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()


def commands(cid, bundle_path):
    return [
        ("state", cid), ("start", cid), ("kill", cid, "KILL"), ("kill", "--all", cid, "KILL"),
        ("delete", cid), ("delete", "--force", cid), ("exec", cid, "true"), ("ps", cid),
        ("pause", cid), ("resume", cid), ("update", "--pids-limit", "10", cid),
        ("events", "--stats", cid), ("create", "-b", bundle_path, cid), ("run", "-b", bundle_path, cid),
    ]


@pytest.fixture
def decoys(tmp_base, root):
    """x/ beside the root (reached by ../x and a/../../x), a file in the
    root's parent (reached by ..), and a dir in the root (reached by .)."""
    (tmp_base / "x").mkdir()
    (tmp_base / "x" / "precious").write_text("host data\n")
    (tmp_base / "parent-file").write_text("beside the root\n")
    return tmp_base


@pytest.mark.parametrize("bad", BAD_IDS, ids=lambda s: repr(s))
def test_every_command_refuses_a_path_like_id(ucrun, bundle, decoys, root, tmp_base, bad):
    b = bundle()
    b.args("sleep", "100")
    b.write()
    ucrun("create", "-b", b, "keep")
    before_parent = tree_digest(decoys / "x")
    before_root_entries = sorted(os.listdir(root))
    try:
        for cmd in commands(bad, str(b.path)):
            cp = ucrun.fail(*cmd)
            assert "invalid container id" in cp.stderr or "requires" in cp.stderr, (cmd, cp.stderr)
            assert tree_digest(decoys / "x") == before_parent, cmd
            assert (decoys / "parent-file").read_text() == "beside the root\n", cmd
            assert sorted(os.listdir(root)) == before_root_entries, cmd
            assert ucrun.status("keep") == "created", cmd
    finally:
        ucrun("delete", "--force", "keep")


def test_invalid_id_message_names_the_id(ucrun):
    cp = ucrun.fail("delete", "--force", "../x")
    assert 'invalid container id "../x"' in cp.stderr


def test_symlink_planted_in_root_is_not_followed(ucrun, decoys, root):
    """A name in the root that is a symlink is not a container: delete
    --force of it removes the link at most, never what it points to."""
    os.symlink(decoys / "x", root / "link")
    cp = ucrun("delete", "--force", "link", check=False)
    assert cp.returncode == 0, cp.stderr
    assert (decoys / "x" / "precious").read_text() == "host data\n"
    assert not os.path.lexists(root / "link")
    cp = ucrun.fail("state", "link")
    assert "does not exist" in cp.stderr
