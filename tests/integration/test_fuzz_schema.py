"""The fuzz targets' config.json seeds and kept regressions
(tests/fuzz/corpus/config, tests/fuzz/regressions/config) checked against
the spec's own schema (schema/config-schema.json, python3-jsonschema): a
config that ucrun accepts (`ucrun check` parses and validates it as create
does) must be one the schema allows. Accepting what the schema forbids is a
finding of issue 15 item 1 as much as a crash is. Read-only: `check` makes
no state, process or mount.
"""

import json
import shutil
import subprocess

import pytest

from support import GLOBAL_ARGS, REPO, UCRUN_BIN
from test_features_spec import assert_valid, schema_validator

FUZZ = REPO / "tests" / "fuzz"
CONFIGS = sorted(p for d in ("corpus", "regressions") for p in (FUZZ / d / "config").glob("*") if p.is_file())


@pytest.mark.parametrize("path", CONFIGS, ids=[f"{p.parent.parent.name}/{p.name}" for p in CONFIGS])
def test_accepted_config_is_schema_valid(path, tmp_path):
    validator = schema_validator("config-schema.json")
    bundle = tmp_path / "bundle"
    (bundle / "rootfs").mkdir(parents=True)
    shutil.copy(path, bundle / "config.json")
    cp = subprocess.run([UCRUN_BIN, *GLOBAL_ARGS, "check", "--bundle", str(bundle)],
                        capture_output=True, text=True, timeout=30)
    # 0: valid, no high finding; 1: valid with a high finding; 2: refused.
    assert cp.returncode in (0, 1, 2), cp.stderr
    if cp.returncode == 2:
        return
    assert_valid(validator, json.loads(path.read_text()))


def test_corpus_is_there():
    """The test above must not pass by finding no file."""
    assert len(CONFIGS) >= 10
