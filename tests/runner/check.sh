#!/bin/sh
# check.sh [BIN OBJ]: tests the test runner itself, so that "the suite passes
# on any date" stays true and a skipped check never reads as passed:
#   1. LABPASS_TEST_DATE reaches the servers: test_demo_dates, run through
#      tests/run.sh at a year end, sees that month on the server;
#   2. a LABPASS_TEST_DATE that is not RFC 3339 stops the runner with a line;
#   3. summary.sh adds passed, failed and skipped apart and fails on failures
#      or on nothing passed.
# Writes "runner PASSED FAILED" to build/results-runner.
set -u
cd "$(dirname "$0")/../.."
bin=${1:-bin}; obj=${2:-build/obj}
p=0; f=0
ok() { p=$((p + 1)); printf '  runner  %-60s ok\n' "$1"; }
bad() { f=$((f + 1)); printf '  runner  %-60s FAILED: %s\n' "$1" "$2"; }

# 1. The date reaches the server.
out=$(LABPASS_TEST_DATE=2027-12-31T23:30:00+01:00 RUN_ONLY=test_demo_dates \
      LABPASS_CLOCK_FILE="$PWD/build/test-clock-runner" tests/run.sh "$bin" "$obj" runner-date 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "the server's month is 2027-12" build/test-logs/runner-date/test_demo_dates.log; then
  ok "LABPASS_TEST_DATE=2027-12-31T23:30+01:00 reaches the server"
else
  bad "LABPASS_TEST_DATE=2027-12-31T23:30+01:00 reaches the server" "$out"
fi

# 2. A bad date is refused, with a line saying why.
out=$(LABPASS_TEST_DATE=31-12-2027 RUN_ONLY=none tests/run.sh "$bin" "$obj" runner-bad 2>&1)
rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q "must be RFC 3339"; then ok "a malformed LABPASS_TEST_DATE is refused"
else bad "a malformed LABPASS_TEST_DATE is refused" "exit $rc: $out"; fi

# 3. The closing line keeps skipped apart from passed.
tmp=build/runner-summary
mkdir -p "$tmp"
printf 'a 3 0 1\nb 2 0 1\n' > "$tmp/r1"
tests/summary.sh "$tmp/r1" > "$tmp/o1"; rc=$?; out=$(tail -n 1 "$tmp/o1")
if [ "$out" = "5 passed, 0 failed, 2 skipped" ] && [ $rc -eq 0 ]; then ok "skipped checks are counted apart"
else bad "skipped checks are counted apart" "got '$out' (exit $rc)"; fi
printf 'a 3 1\n' > "$tmp/r2"
tests/summary.sh "$tmp/r2" > "$tmp/o2"; rc=$?; out=$(tail -n 1 "$tmp/o2")
if [ "$out" = "3 passed, 1 failed" ] && [ $rc -eq 1 ]; then ok "a failure fails the run"
else bad "a failure fails the run" "got '$out' (exit $rc)"; fi
printf 'a 0 0 4\n' > "$tmp/r3"
tests/summary.sh "$tmp/r3" > /dev/null; rc=$?
if [ $rc -eq 1 ]; then ok "a run with nothing passed fails"
else bad "a run with nothing passed fails" "exit $rc"; fi

echo "runner $p $f" > build/results-runner
[ $f -eq 0 ]
