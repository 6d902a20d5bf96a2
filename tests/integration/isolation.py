"""A `bundle` fixture whose bundles get a cgroup of their own.

Without linux.cgroupsPath the cgroup is named after the container id, and
every test calls its container "c1": two test sessions running at once
would share (and kill, and remove) each other's cgroup. Test modules that
want isolation import this fixture (`from isolation import bundle`); it
wraps conftest's."""

import pytest


@pytest.fixture
def bundle(bundle, tmp_base):
    n = [0]

    def make(*args, **kw):
        b = bundle(*args, **kw)
        n[0] += 1
        b.linux["cgroupsPath"] = f"/{tmp_base.name}-{n[0]}"
        return b

    return make
