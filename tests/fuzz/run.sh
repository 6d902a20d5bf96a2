#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz/ for a bounded time:
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (default 10 s, all targets)
# Builds $UCRUN_FUZZ_BUILD_DIR (default build-fuzz: clang-14, -Dfuzz=true)
# when missing. Each target starts from a copy of its seed corpus
# (tests/fuzz/corpus/<target>/, never written to) plus its kept
# regressions. A crash, leak, timeout (hang), out-of-memory or sanitizer
# report stops that target; its input is left in the work directory named
# on the output: fix the cause, then keep the input under
# tests/fuzz/regressions/<target>/ (tests/unit/fuzz/ feeds them to every
# build). Prints "fuzz <target>: ok|FAILED" per target, then
#   fuzz: N passed, M failed
# and exits non-zero when a target failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
BUILD=${UCRUN_FUZZ_BUILD_DIR:-$REPO/build-fuzz}
SECS=${1:-10}
shift $(( $# > 0 ? 1 : 0 ))
ALL=(config json state yaml subid ids mount_options signals capabilities message args)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 meson setup "$BUILD" -Dfuzz=true >/dev/null \
    || { echo "fuzz: meson setup failed"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$BUILD" "${TARGETS[@]/#/tests/fuzz/fuzz-}" >"$BUILD/ninja-fuzz.log" 2>&1; then
  tail -40 "$BUILD/ninja-fuzz.log"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi

work=$(mktemp -d /tmp/ucrun-fuzz.XXXXXX)
passed=0
failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp "$REPO/tests/fuzz/corpus/$t/"* "$work/$t/corpus/" 2>/dev/null
  cp "$REPO/tests/fuzz/regressions/$t/"* "$work/$t/corpus/" 2>/dev/null
  # -timeout: one input running 5 s is a hang; -rss_limit_mb: 2 GB is an
  # out-of-memory (libFuzzer's default, said here so that it is seen);
  # -max_len: larger than the seeds (the biggest is spec-example.json).
  if "$BUILD/tests/fuzz/fuzz-$t" "$work/$t/corpus" -max_total_time="$SECS" -timeout=5 -rss_limit_mb=2048 \
       -max_len=16384 -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
       >"$work/$t/log" 2>&1; then
    echo "fuzz $t: ok ($(grep -E '^stat::number_of_executed_units' "$work/$t/log" | awk '{print $2}') runs in ${SECS}s)"
    passed=$((passed + 1))
  else
    tail -30 "$work/$t/log"
    echo "fuzz $t: FAILED (input kept: $(ls "$work/$t/artifacts/" | head -1 | sed "s|^|$work/$t/artifacts/|"))"
    failed=$((failed + 1))
  fi
done
# A clean run leaves nothing; a failed one keeps its inputs and logs.
[ "$failed" -eq 0 ] && rm -rf "$work"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
