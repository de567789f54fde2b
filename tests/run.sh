#!/bin/sh
# run.sh BIN OBJ [LABEL]: runs every test binary of one build variant.
# Each binary is a cmocka suite (unit or integration); its own output is kept
# in build/test-logs/LABEL/NAME.log. Appends "NAME passed failed skipped"
# lines to build/results-LABEL and prints a line per suite. Everything runs on
# the injected clock at LABPASS_TEST_DATE (tests/clock.sh), never at the
# machine's date. RUN_ONLY="test_a test_b" limits the run to those suites.
# Every HTTP exchange an integration suite makes through tests/lib/harness.c
# is logged to build/exchanges/LABEL/NAME.jsonl and then checked against
# docs/openapi.json by tools/check-exchanges.py; a mismatch counts as one
# failed test of that suite.
set -u
bin=$1; label=${3:-normal}
. tests/clock.sh
logs=build/test-logs/$label
mkdir -p "$logs"
results=build/results-$label
: > "$results"
export LABPASS_BIN="$bin"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp}
exchanges=build/exchanges/$label
mkdir -p "$exchanges"
status=0
for t in "$bin"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if [ -n "${RUN_ONLY:-}" ]; then
    case " $RUN_ONLY " in *" $name "*) ;; *) continue ;; esac
  fi
  start=$(date +%s)
  xlog=$exchanges/$name.jsonl
  rm -f "$xlog"
  LABPASS_EXCHANGE_LOG=$xlog timeout 600 "$t" > "$logs/$name.log" 2>&1
  rc=$?
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$logs/$name.log" | awk '{s+=$1} END {print s+0}')
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$logs/$name.log" | awk '{s+=$1} END {print s+0}')
  k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$logs/$name.log" | awk '{s+=$1} END {print s+0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed, sanitizer report, or timeout
  if [ -s "$xlog" ]; then
    if ! /usr/bin/python3 tools/check-exchanges.py docs/openapi.json "$xlog" >> "$logs/$name.log" 2>&1; then
      f=$((f + 1))
      echo "[  FAILED  ] contract: exchanges that do not match docs/openapi.json (tools/check-exchanges.py $xlog)" >> "$logs/$name.log"
    fi
  fi
  echo "$name $p $f $k" >> "$results"
  took=$(( $(date +%s) - start ))
  if [ "$f" -eq 0 ] && [ "$k" -gt 0 ]; then
    printf '  %-7s %-32s %4d passed, %d SKIPPED (%ds):\n' "$label" "$name" "$p" "$k" "$took"
    grep -E '^SKIPPED: ' "$logs/$name.log" | sort -u | sed 's/^/      /'
  elif [ "$f" -eq 0 ]; then
    printf '  %-7s %-32s %4d passed (%ds)\n' "$label" "$name" "$p" "$took"
  else
    printf '  %-7s %-32s %4d passed, %d FAILED (%ds) — see %s\n' "$label" "$name" "$p" "$f" "$took" "$logs/$name.log"
    grep -E '^\[  (ERROR|FAILED|  LINE) |ERROR: |runtime error|^contract: ' "$logs/$name.log" | head -20 | sed 's/^/      /'
    status=1
  fi
done
exit $status
