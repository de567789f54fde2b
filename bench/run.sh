#!/bin/sh
# run.sh: runs every bench/*.sh benchmark in name order. Each prints its own
# figures (ratios against a baseline measured in the same run).
set -u
cd "$(dirname "$0")/.."
for b in bench/[0-9a-z]*.sh; do
  case "$b" in bench/run.sh|bench/lib.sh) continue ;; esac
  echo "== $b"
  sh "$b" || echo "bench $b failed"
done
