#!/bin/sh
# summary.sh RESULTS...: adds up the per-suite results of every variant and
# prints the closing line "N passed, N failed". Exits 1 if anything failed.
set -u
cat "$@" 2>/dev/null | awk '
  { p += $2; f += $3 }
  END { printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }'
