#!/bin/bash
# Sanitizer runs (doc/sanitizers.md), beside ./build as scripts/setup.sh
# makes it: the whole "make check" under AddressSanitizer + UBSan in
# ./build-asan, and "make check-tsan" (the GoogleTest binaries and the
# threaded perl tests) under ThreadSanitizer in ./build-tsan. Exits non-zero
# on any test failure and on any sanitizer report in any test log.
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default: all)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
which=${1:-all}
case "$which" in
  asan|tsan|all) ;;
  *) echo "usage: $0 [asan|tsan|all]" >&2; exit 64 ;;
esac

# Packages, ./configure and ./build, as the tests need them (the sanitizer
# runtimes come with g++).
MEMCD_WITH_TEST_TOOLS=1 "$top/scripts/setup.sh" --enable-werror

# How ASan, LSan, UBSan and TSan begin a report, in a test's log.
report_re='ERROR: [A-Za-z]+Sanitizer|WARNING: ThreadSanitizer|: runtime error: '

# run NAME TARGET CONFIGURE-FLAGS...: configures and builds ./build-NAME,
# runs "make TARGET" there; returns non-zero on a failure or a report.
run() {
  local name=$1 target=$2
  shift 2
  local dir="$top/build-$name" flags="$*" status=0 start=$SECONDS
  mkdir -p "$dir"
  cd "$dir"
  if [ ! -f config.status ] || [ "$(cat .configure-flags 2>/dev/null)" != "$flags" ]; then
    "$top/configure" -q "$@"
    echo "$flags" > .configure-flags
  fi
  make -j"$(nproc)"
  # Stale logs would hide or invent reports: every test runs afresh.
  find src t -name '*.log' -delete 2>/dev/null || true
  find src t -name '*.trs' -delete 2>/dev/null || true
  make -j"$(nproc)" "$target" || status=$?
  local reports
  reports=$(find src t -name '*.log' -exec grep -l -E "$report_re" {} + 2>/dev/null || true)
  if [ -n "$reports" ]; then
    echo "sanitize: $name: sanitizer reports in:" $reports >&2
    for f in $reports; do
      grep -m1 -A30 -E "$report_re" "$f" >&2 || true
    done
    [ "$status" -ne 0 ] || status=1
  fi
  if [ -f test-suite.log ]; then
    [ "$status" -ne 0 ] && cat test-suite.log
    local pass fail errors skip
    pass=$(sed -n 's/^# PASS: *//p' test-suite.log | head -1)
    fail=$(sed -n 's/^# FAIL: *//p' test-suite.log | head -1)
    errors=$(sed -n 's/^# ERROR: *//p' test-suite.log | head -1)
    skip=$(sed -n 's/^# SKIP: *//p' test-suite.log | head -1)
    echo "sanitize: $name: ${pass:-0} passed, $(( ${fail:-0} + ${errors:-0} )) failed," \
         "${skip:-0} skipped, in $(( SECONDS - start )) s"
  fi
  cd "$top"
  return "$status"
}

status=0
if [ "$which" != tsan ]; then
  run asan check --enable-werror --enable-asan --enable-ubsan || status=1
fi
if [ "$which" != asan ]; then
  run tsan check-tsan --enable-werror --enable-tsan || status=1
fi
exit "$status"
