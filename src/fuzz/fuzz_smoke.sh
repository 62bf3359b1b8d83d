#!/bin/sh
# `make fuzz-smoke`: runs every fuzz target for FUZZ_SECONDS (default 60)
# from a scratch copy of its seed corpus, and fails on any crash, leak,
# timeout (-timeout=10) or memory blow-up (-rss_limit_mb=2048). Prints each
# target's executions from libFuzzer's final stats.
# Usage: fuzz_smoke.sh BIN_DIR SRC_DIR   (FUZZ_TARGETS="text meta" for some)
set -u
bin=$1
src=$2
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-text meta binary session}
work=$bin/smoke
rm -rf "$work"
mkdir -p "$work"
status=0
for target in $targets; do
  case $target in
    binary) max_len=4096 ;;
    session) max_len=32768 ;;  # the back-pressure seeds are ~20 KB
    *) max_len=8192 ;;         # past the 2048-byte line limit
  esac
  cp -r "$src/corpus/$target" "$work/$target"
  before=$(ls "$work/$target" | wc -l)
  log=$work/$target.log
  "$bin/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -dict="$src/dict/$target.dict" -print_final_stats=1 \
    -artifact_prefix="$work/$target-" "$work/$target" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  after=$(ls "$work/$target" | wc -l)
  if [ $rc -eq 0 ]; then
    echo "fuzz_$target: ok, ${execs:-?} executions in ${seconds}s, corpus $before -> $after"
  else
    echo "fuzz_$target: FAILED (exit $rc) after ${execs:-?} executions; log $log"
    grep -E 'ERROR|FUZZ_CHECK|SUMMARY|Test unit written|^    #[0-9]' "$log" | head -n 40
    status=1
  fi
done
exit $status
