#!/bin/sh
# `make check` with --enable-fuzzing: replays every input of the seed and
# regression corpora through its target once (-runs=0: no fuzzing), so a
# past crash that comes back fails the check. Automake runs it from the
# build's top directory with $srcdir set.
src=${srcdir:-.}/src/fuzz
status=0
for target in text meta binary session; do
  log=src/fuzz/replay-$target.log
  if src/fuzz/fuzz_$target -runs=0 -timeout=10 -rss_limit_mb=2048 \
      "$src/corpus/$target" >"$log" 2>&1; then
    echo "fuzz_$target: replayed $(ls "$src/corpus/$target" | wc -l) inputs: ok"
  else
    echo "fuzz_$target: FAILED replaying $src/corpus/$target (log below)"
    tail -n 40 "$log"
    status=1
  fi
done
exit $status
