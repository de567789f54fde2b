#!/bin/sh
# summary.sh RESULTS...: adds up the per-suite results ("NAME passed failed
# [skipped]") of every variant and prints the closing line
# "N passed, N failed" (", N skipped" when checks were skipped). Exits 1 if
# anything failed or nothing passed. A skipped check never counts as passed.
set -u
cat "$@" 2>/dev/null | awk '
  { p += $2; f += $3; k += $4 }
  END {
    if (k > 0) {
      printf "\n*** %d check(s) SKIPPED, not passed: see the SKIPPED lines above for what is missing and how to get it.\n", k
      printf "*** With CI=true (or LABPASS_REQUIRE_VALIDATOR=1) a missing validator fails instead.\n\n"
      printf "%d passed, %d failed, %d skipped\n", p, f, k
    }
    else printf "%d passed, %d failed\n", p, f
    exit (f > 0 || p == 0)
  }'
