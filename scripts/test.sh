#!/bin/bash
# Quick start, second command: the same set-up (with the client libraries the
# tests drive), a build with warnings as errors, and every test: the
# GoogleTest binaries and the perl t/*.t suite. Exits non-zero on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
MEMCD_WITH_TEST_TOOLS=1 "$top/scripts/setup.sh" --enable-werror
cd "$top/build"
status=0
make -j"$(nproc)" check || status=$?
log=test-suite.log
if [ -f "$log" ]; then
  # automake counts each TAP assertion and each GoogleTest binary as a result.
  total=$(sed -n 's/^# TOTAL: *//p' "$log" | head -1)
  pass=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
  fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
  errors=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
  skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
  [ "$status" -ne 0 ] && cat "$log"
  echo "results: ${pass:-0} passed, $(( ${fail:-0} + ${errors:-0} )) failed, ${skip:-0} skipped (of ${total:-0})"
fi
exit "$status"
