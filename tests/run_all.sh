#!/usr/bin/env bash
# The whole test suite, as root on Debian 12: installs what is missing,
# builds, runs the unit tests (doctest), the integration tests (pytest, real
# containers), the benchmark's smoke run and the fuzz targets' short run,
# then prints one line
#   N passed, M failed
# for everything. Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD=${UCRUN_BUILD_DIR:-$REPO/build}

bash contrib/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" >/dev/null || { echo "meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$BUILD" >"$BUILD/ninja.log" 2>&1; then
  tail -50 "$BUILD/ninja.log"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# Unit tests: every doctest executable, counted by test case.
for exe in $(find "$BUILD/tests/unit" -type f -name 'test-*' -perm -u+x | sort); do
  name=$(basename "$exe")
  "$exe" --no-colors=true --reporters=console >"$results/$name.log" 2>&1
  rc=$?
  line=$(grep -E '^\[doctest\] test cases:' "$results/$name.log" | tail -1)
  p=$(echo "$line" | sed -E 's/.*\|\s*([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.*\|\s*([0-9]+) failed.*/\1/')
  [[ "$p" =~ ^[0-9]+$ ]] || p=0
  [[ "$f" =~ ^[0-9]+$ ]] || f=1
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  echo "unit $name: $p passed, $f failed"
  [ "$f" -ne 0 ] && cat "$results/$name.log"
  passed=$((passed + p)); failed=$((failed + f))
done

# Integration tests: real containers driven through the real binary.
UCRUN_BIN="$BUILD/src/cli/ucrun" /usr/bin/python3 -m pytest tests/integration -q \
  --junitxml="$results/integration.xml" -p no:cacheprovider 2>&1 | tail -40
read -r p f < <(/usr/bin/python3 - "$results/integration.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1); sys.exit()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skip = sum(int(s.get("skipped", 0)) for s in suites)
print(t - bad - skip, bad)
PY
)
echo "integration: $p passed, $f failed"
passed=$((passed + p)); failed=$((failed + f))

# The benchmark in its short mode: a smoke test that it runs and prints its table.
if [ "${UCRUN_SKIP_BENCH:-0}" != 1 ]; then
  if /usr/bin/python3 tests/bench/bench.py --quick --ucrun "$BUILD/src/cli/ucrun" >"$results/bench.log" 2>&1; then
    tail -40 "$results/bench.log"
    echo "bench smoke: 1 passed, 0 failed"
    passed=$((passed + 1))
  else
    tail -40 "$results/bench.log"
    echo "bench smoke: 0 passed, 1 failed"
    failed=$((failed + 1))
  fi
fi

# The fuzz targets (tests/fuzz/run.sh): built with clang in build-fuzz (the
# first time a few minutes: every parser library instrumented), each run for
# UCRUN_FUZZ_SECONDS (3) from its seed corpus; one test per target.
if [ "${UCRUN_SKIP_FUZZ:-0}" != 1 ]; then
  bash tests/fuzz/run.sh "${UCRUN_FUZZ_SECONDS:-3}" >"$results/fuzz.log" 2>&1
  line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$results/fuzz.log" | tail -1)
  p=$(echo "$line" | sed -E 's/^fuzz: ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
  [[ "$p" =~ ^[0-9]+$ ]] || p=0
  [[ "$f" =~ ^[0-9]+$ ]] || f=1
  [ "$f" -ne 0 ] && tail -60 "$results/fuzz.log"
  echo "fuzz: $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
