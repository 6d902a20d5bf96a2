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
# "N M" from the last "STAGE: N passed, M failed" line of LOG; "0 1" when
# there is none (the stage died before counting).
stage_counts() {
  local line
  line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed\$" "$2" | tail -1)
  [[ "$line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]] && echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" || echo "0 1"
}
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
read -r p f < <(/usr/bin/python3 tests/junit_count.py "$results/integration.xml")
echo "integration: $p passed, $f failed"
passed=$((passed + p)); failed=$((failed + f))

# The sanitizer run (tests/sanitize/run.sh): ucrun built with ASan and UBSan
# in build-asan (clang; the first time a few minutes), against the
# lifecycle, bad-input, hostile and other subsets named in that script.
if [ "${UCRUN_SKIP_SANITIZE:-0}" != 1 ]; then
  bash tests/sanitize/run.sh >"$results/sanitize.log" 2>&1
  read -r p f < <(stage_counts sanitize "$results/sanitize.log")
  [ "$f" -ne 0 ] && tail -80 "$results/sanitize.log"
  echo "sanitize: $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
fi

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
  read -r p f < <(stage_counts fuzz "$results/fuzz.log")
  [ "$f" -ne 0 ] && tail -60 "$results/fuzz.log"
  echo "fuzz: $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
