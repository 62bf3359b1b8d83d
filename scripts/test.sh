#!/bin/bash
# Quick start, second command: the same set-up (with the client libraries the
# tests drive), a build with warnings as errors, and every test:
#   1. make check in ./build: the GoogleTest binaries and the perl t/*.t suite;
#   2. make soak: two minutes of checked mixed load (doc/soak.md);
#   3. scripts/sanitize.sh: make check under ASan+UBSan in ./build-asan and
#      the threaded tests under TSan in ./build-tsan (doc/sanitizers.md);
#   4. make fuzz-smoke in ./build-fuzz (clang, libFuzzer): each fuzz target
#      for FUZZ_SECONDS, 60 by default (doc/fuzzing.md).
# Every stage runs even if an earlier one failed; exits non-zero on any
# failure. MEMCD_TEST_STAGES="check soak" runs only the named stages.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
stages=${MEMCD_TEST_STAGES:-check soak sanitize fuzz}
MEMCD_WITH_TEST_TOOLS=1 "$top/scripts/setup.sh" --enable-werror
status=0
summary=()
jobs=$(nproc)

stage() {  # stage NAME COMMAND...: runs it, records its result and time
  local name=$1 start=$SECONDS rc=0
  shift
  echo "=== $name"
  "$@" || rc=$?
  summary+=("$name: $([ "$rc" -eq 0 ] && echo ok || echo "FAILED ($rc)") in $(( SECONDS - start )) s")
  [ "$rc" -eq 0 ] || status=1
}

check() {
  cd "$top/build"
  local rc=0
  make -j"$jobs" check || rc=$?
  local log=test-suite.log
  if [ -f "$log" ]; then
    # automake counts each TAP assertion and each GoogleTest binary as a result.
    local total pass fail errors skip
    total=$(sed -n 's/^# TOTAL: *//p' "$log" | head -1)
    pass=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
    fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
    errors=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
    skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
    [ "$rc" -ne 0 ] && cat "$log"
    echo "results: ${pass:-0} passed, $(( ${fail:-0} + ${errors:-0} )) failed, ${skip:-0} skipped (of ${total:-0})"
  fi
  return "$rc"
}

soak() {
  make -C "$top/build" soak
}

fuzz() {
  local dir="$top/build-fuzz" flags="CC=clang CXX=clang++ --enable-fuzzing --enable-werror"
  mkdir -p "$dir"
  cd "$dir"
  if [ ! -f config.status ] || [ "$(cat .configure-flags 2>/dev/null)" != "$flags" ]; then
    # shellcheck disable=SC2086  # the flags are words
    "$top/configure" -q $flags
    echo "$flags" > .configure-flags
  fi
  make -j"$jobs" fuzz-smoke
}

for s in $stages; do
  case $s in
    check) stage "make check" check ;;
    soak) stage "make soak" soak ;;
    sanitize) stage "sanitizers (scripts/sanitize.sh)" "$top/scripts/sanitize.sh" ;;
    fuzz) stage "make fuzz-smoke" fuzz ;;
    *) echo "test.sh: unknown stage $s" >&2; exit 64 ;;
  esac
  cd "$top"
done
printf '%s\n' "${summary[@]}"
exit "$status"
