#!/usr/bin/env bash
# The integration tests against ucrun built with AddressSanitizer and
# UndefinedBehaviorSanitizer (issue 15 item 2):
#   tests/sanitize/run.sh [pytest arguments...]   (default: the subsets below)
# Builds $UCRUN_SAN_BUILD_DIR (default build-asan: clang-14,
# -Db_sanitize=address,undefined, -O1 with line tables, assertions on; the
# binary links dynamically, the release build stays a static PIE) when
# missing, then runs pytest with UCRUN_BIN pointing at it. Every ucrun
# process writes its reports under one log directory (log_path); the
# integration conftest fails the test during which a report appeared and
# shows it, so a UBSan finding (which only prints) fails as surely as an
# ASan one (which exits). Prints
#   sanitize: N passed, M failed
# and exits non-zero when something failed.
#
# Not the whole suite: under the sanitizers every ucrun start costs about
# 15 ms more (the ASan runtime maps its shadow memory), and the engine, CRI,
# soak and concurrency tests run ucrun hundreds of times through podman,
# dockerd and containerd for little more coverage of ucrun's own code.
# The subsets are the lifecycle, every kind of bad input, the hostile
# containers, and the paths that matter most for memory errors: exec,
# terminals, hooks, seccomp, mounts, user namespaces, remap and rootless.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
BUILD=${UCRUN_SAN_BUILD_DIR:-$REPO/build-asan}
SUBSETS=(test_lifecycle.py test_bad_input.py test_input_limits.py test_errors.py test_cli.py
         test_config.py test_hostile.py test_exe_escape.py test_killed_create.py test_faults.py
         test_exec.py test_process.py test_terminal.py test_hooks.py test_seccomp.py test_rootfs.py
         test_devices.py test_namespaces.py test_userns.py test_idmap_mounts.py test_remap.py
         test_rootless.py test_cgroups.py test_check.py test_ps.py test_notify.py)

fail() { echo "$1"; echo "sanitize: 0 passed, 1 failed"; exit 1; }

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=plain -Dcpp_args='-O1 -g1 -fno-omit-frame-pointer' >/dev/null \
    || fail "sanitize: meson setup failed"
fi
ninja -C "$BUILD" src/cli/ucrun >"$BUILD/ninja-san.log" 2>&1 || { tail -40 "$BUILD/ninja-san.log"; fail "sanitize: build failed"; }

logs=$(mktemp -d /tmp/ucrun-san.XXXXXX)
chmod 1777 "$logs"  # the rootless tests run ucrun as throwaway users
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# halt_on_error: the first UBSan report ends that ucrun (as ASan does), so
# a test cannot pass on the output of a process that went wrong.
# detect_leaks: a leak is reported at the exit of a command that returns
# normally (the init and exec's child end in execve or _exit, never seen).
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
export UCRUN_SANITIZER_LOG_DIR=$logs

args=("$@")
[ ${#args[@]} -gt 0 ] || args=("${SUBSETS[@]/#/tests/integration/}")
UCRUN_BIN="$BUILD/src/cli/ucrun" /usr/bin/python3 -m pytest "${args[@]}" -q -p no:cacheprovider \
  --junitxml="$results/san.xml" 2>&1 | tail -40
read -r p f < <(/usr/bin/python3 tests/junit_count.py "$results/san.xml")
# A report that no test saw (written between tests, or by a process that
# outlived its test) still counts.
stray=$(find "$logs" -type f | wc -l)
if [ "$stray" -gt 0 ] && [ "$f" -eq 0 ]; then
  for r in $(find "$logs" -type f | head -5); do echo "== $r"; head -60 "$r"; done
  f=1
fi
[ "$f" -eq 0 ] && rm -rf "$logs"
echo "sanitize: $p passed, $f failed"
[ "$f" -eq 0 ]
