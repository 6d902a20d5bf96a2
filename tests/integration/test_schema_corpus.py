"""What ucrun accepts, the OCI schema accepts: a cross-check of the
config.json reader against the spec's schema/config-schema.json (issue 15
item 1: a fuzzer found configs with `null` where a boolean, array or string
is required accepted, so `"maskedPaths": null` gave a container with
nothing masked).

The corpus: valid configs (the test bundles' default, `ucrun spec`, `ucrun
spec --rootless`, and from the spec's own: the config.md example, with
hooks, seccomp, resources and sysctl, and the schema's good netDevices and
rdma fixtures, tests/unit/oci/fixtures), mutated at every field path: the value replaced by
null and by a value of another JSON type (taken in turn from the other
types, so that each type appears over the corpus); an integer also by the
edges of the schema's integer widths.  Paths that differ only in
an array index are one shape, mutated once (at the first occurrence), so the
corpus stays a few hundred cases.  Each mutant goes through `ucrun check --bundle`, which
parses and validates exactly as `create` does and creates nothing.  Whenever
ucrun accepts a mutant (exit 0 or 1), python3-jsonschema must validate it
too; a null is refused naming its field.

The schema is tests/oci-schema (v1.3.0) or UCRUN_SPEC_DIR's schema/; without
python3-jsonschema the test skips.
"""

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import REPO, default_config, schema_validator

EXIT_OK, EXIT_HIGH = 0, 1  # `ucrun check`: accepted (no finding / a high finding)

# One value of each JSON type but null.
FLIPS = [True, 7, "x", [], {}]

# An integer is also replaced by the edges of the widths the schema uses
# (defs.json: int32, uint32, int64, uint64) and just beyond them.
EDGES = [-1, 2**31, 2**32, 2**63, -2**63 - 1, 2**64]

# Members whose keys are data, not field names: ucrun names them ["key"].
MAPS = {("annotations",), ("linux", "sysctl"), ("linux", "resources", "unified"), ("linux", "netDevices"),
        ("linux", "resources", "rdma"), ("linux", "timeOffsets")}

FIXTURES = REPO / "tests" / "unit" / "oci" / "fixtures"
SPEC_CONFIGS = ["config-example.json", "schema/good/linux-netdevice.json", "schema/good/linux-rdma.json"]


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(v)]


def walk(doc, path=()):
    """(path, value) of every member and element below the document."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        yield path + (k,), v
        yield from walk(v, path + (k,))


def shape(path):
    """The path with every array index as *: mounts.*.options."""
    return tuple("*" if isinstance(p, int) else p for p in path)


def field(path):
    """The path as ucrun's messages name it: linux.uidMappings[0].size."""
    out = ""
    for i, p in enumerate(path):
        if isinstance(p, int):
            out += f"[{p}]"
        elif path[:i] in MAPS:
            out += f'["{p}"]'
        else:
            out += ("." if out else "") + p
    return out


def replaced(doc, path, value):
    doc = json.loads(json.dumps(doc))
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = value
    return doc


def mutants(configs):
    """(name, path, mutant config) of each case: per path shape over all
    configs, null and the next other type in turn."""
    seen = set()
    turn = 0
    for name, cfg in configs:
        for path, value in walk(cfg):
            if shape(path) in seen:
                continue
            seen.add(shape(path))
            others = [f for f in FLIPS if json_type(f) != json_type(value)]
            turn += 1
            edges = EDGES if json_type(value) == "number" else []
            for r in (None, others[turn % len(others)], *edges):
                yield name, path, replaced(cfg, path, r)


def spec(ucrun, d, *flags):
    d.mkdir()
    ucrun("spec", "-b", d, *flags)
    return json.loads((d / "config.json").read_text())


@pytest.mark.ucrun_specific  # runc has no `check`, and reads null as absent
def test_accepted_configs_are_schema_valid(ucrun, root, tmp_base):
    validator = schema_validator("config-schema.json")
    configs = [("default", default_config()),
               ("spec", spec(ucrun, tmp_base / "spec")),
               ("spec --rootless", spec(ucrun, tmp_base / "spec-rootless", "--rootless"))]
    configs += [(f, json.loads((FIXTURES / f).read_text())) for f in SPEC_CONFIGS]

    def check(cfg, bundle):
        (bundle / "config.json").write_text(json.dumps(cfg))
        return subprocess.run(ucrun.argv(["check", "--bundle", bundle]), capture_output=True, text=True,
                              timeout=30)

    # The harness can tell both ways: every original is accepted by both.
    probe = tmp_base / "probe"
    (probe / "rootfs").mkdir(parents=True)
    for name, cfg in configs:
        assert not list(validator.iter_errors(cfg)), f"{name}: the original is not schema-valid"
        cp = check(cfg, probe)
        assert cp.returncode in (EXIT_OK, EXIT_HIGH), f"{name}: the original is refused: {cp.stderr}"

    cases = list(mutants(configs))
    assert len(cases) > 200, "the corpus lost its paths"
    workers = 4
    bundles = []
    for i in range(workers):
        (tmp_base / f"b{i}" / "rootfs").mkdir(parents=True)
        bundles.append(tmp_base / f"b{i}")

    # One bundle per worker: worker w runs the cases i with i % workers == w.
    def worker(w):
        return [(i, check(cases[i][2], bundles[w])) for i in range(w, len(cases), workers)]

    with ThreadPoolExecutor(workers) as pool:
        results = dict(kv for part in pool.map(worker, range(workers)) for kv in part)

    disagreements, unnamed = [], []
    for i, (name, path, cfg) in enumerate(cases):
        cp = results[i]
        value = cfg
        for p in path:
            value = value[p]
        what = f"{name}: {field(path)} = {json.dumps(value)}"
        if cp.returncode in (EXIT_OK, EXIT_HIGH):
            errors = list(validator.iter_errors(cfg))
            if errors:
                disagreements.append(f"{what}: accepted by ucrun, refused by the schema: {errors[0].message}")
        elif value is None and f"{field(path)}: must be " not in cp.stderr:
            unnamed.append(f"{what}: refused without naming the field: {cp.stderr.strip()}")
        elif value is None and "not null" not in cp.stderr:
            unnamed.append(f"{what}: refused without saying null: {cp.stderr.strip()}")
    assert not disagreements, f"{len(disagreements)} of {len(cases)}:\n" + "\n".join(disagreements[:20])
    assert not unnamed, f"{len(unnamed)} of {len(cases)}:\n" + "\n".join(unnamed[:20])
    assert os.listdir(root) == [], "check created state under --root"
