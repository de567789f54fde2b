#!/bin/sh
# fuzz-smoke.sh [SECONDS]: builds every fuzz/fuzz_*.c target with clang and
# libFuzzer (plus ASan/UBSan) and runs each for SECONDS (default 10) from its
# seed corpus in fuzz/corpus/NAME. Appends "NAME passed failed" lines to
# build/results-fuzz, so a crash counts as a failed test.
set -u
secs=${1:-10}
out=build/fuzz
mkdir -p "$out"
: > build/results-fuzz
ls fuzz/fuzz_*.c >/dev/null 2>&1 || exit 0
status=0
for src in fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  bin="$out/$name"
  if ! make --no-print-directory -s -f fuzz/fuzz.mk FUZZ_SRC="$src" FUZZ_BIN="$bin" >"$out/$name.build.log" 2>&1; then
    echo "  fuzz    $name: build FAILED, see $out/$name.build.log"
    echo "$name 0 1" >> build/results-fuzz; status=1; continue
  fi
  corpus="$out/corpus-$name"
  mkdir -p "$corpus"
  seeds="fuzz/corpus/$name"
  [ -d "$seeds" ] || seeds=""
  if "$bin" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=1024 "$corpus" $seeds >"$out/$name.log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$out/$name.log" | tail -1)
    printf '  %-7s %-32s %4d passed (%s in %ss)\n' fuzz "$name" 1 "$runs" "$secs"
    echo "$name 1 0" >> build/results-fuzz
  else
    echo "  fuzz    $name FAILED, see $out/$name.log"
    echo "$name 0 1" >> build/results-fuzz; status=1
  fi
done
exit $status
