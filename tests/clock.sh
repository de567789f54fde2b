#!/bin/sh
# clock.sh: sourced by the test runners. Every server and test of the suite
# runs on the injected clock, never on the machine's date: LABPASS_TEST_DATE
# (RFC 3339, default below) becomes LABPASS_TEST_EPOCH, which the integration
# harness and the browser tests start their servers at, and a clock file
# (LABPASS_CLOCK_FILE) that everything else reads through clk_now().
#   LABPASS_TEST_DATE=2027-12-31T23:30:00+01:00 make test
# The default is a Friday afternoon two days before the spring DST change.
: "${LABPASS_TEST_DATE:=2027-03-26T16:30:00+01:00}"
case "$LABPASS_TEST_DATE" in
  [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*) ;;
  *) echo "LABPASS_TEST_DATE must be RFC 3339, e.g. 2027-12-31T23:30:00+01:00 (got '$LABPASS_TEST_DATE')" >&2
     exit 2 ;;
esac
LABPASS_TEST_EPOCH=$(date -u -d "$LABPASS_TEST_DATE" +%s 2> /dev/null) || {
  echo "LABPASS_TEST_DATE '$LABPASS_TEST_DATE' is not a date" >&2
  exit 2
}
export LABPASS_TEST_DATE LABPASS_TEST_EPOCH
mkdir -p build
# One file per instant, so runs at different dates at once never share one.
LABPASS_CLOCK_FILE=${LABPASS_CLOCK_FILE:-$PWD/build/test-clock-$LABPASS_TEST_EPOCH}
echo "$LABPASS_TEST_EPOCH" > "$LABPASS_CLOCK_FILE"
export LABPASS_CLOCK_FILE
