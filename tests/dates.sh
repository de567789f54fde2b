#!/bin/sh
# dates.sh [DATE...]: runs the suite of the normal build (unit, integration,
# attack and browser tests) once per date, each with LABPASS_TEST_DATE set, and
# prints one closing line over all of them. Without arguments: a year end, the
# last Sundays of March and October (the DST nights) and a leap day.
#   make test-dates            or   tests/dates.sh 2027-06-15T09:00:00+02:00
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 2027-12-31T23:30:00+01:00 2028-03-26T01:30:00+01:00 2027-10-31T02:30:00+01:00 \
  2028-02-29T12:00:00+01:00
files=""
i=0
for d in "$@"; do
  i=$((i + 1))
  echo "== suite at $d"
  LABPASS_TEST_DATE=$d tests/run.sh bin build/obj "date$i"
  LABPASS_TEST_DATE=$d tools/browser-test.sh > "build/browser-date$i.log" 2>&1
  tail -n 1 "build/browser-date$i.log" | sed "s/^/  browser at $d: /"
  cp build/results-browser "build/results-browser-date$i"
  files="$files build/results-date$i build/results-browser-date$i"
done
tests/summary.sh $files
