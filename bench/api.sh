#!/bin/sh
# api.sh: authenticated GET /api/v1/me per second with wrk, against a plain
# libmicrohttpd handler returning a constant JSON body (the ceiling), both
# serving each client connection on its own thread, in one run. Target: labpassd >= 0.5x the ceiling.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${BENCH_SECS:-8}
build_bench ceiling
dir=$(mktemp -d)
p1=$(free_port)
start_labpassd "$dir/bench.db" "$p1" --demo
tok=$(login "$p1" lab@novacell.example labpass-member-demo)
p2=$(free_port)
"$BENCH_OUT/ceiling" "$p2" &
BENCH_PIDS="$BENCH_PIDS $!"
sleep 0.3
wrk -t2 -c32 -d"${SECS}s" -H "Authorization: Bearer $tok" "http://127.0.0.1:$p2/api/v1/me" > "$BENCH_OUT/ceiling.txt"
wrk -t2 -c32 -d"${SECS}s" -H "Authorization: Bearer $tok" "http://127.0.0.1:$p1/api/v1/me" > "$BENCH_OUT/me.txt"
c=$(rps "$BENCH_OUT/ceiling.txt"); m=$(rps "$BENCH_OUT/me.txt")
echo "ceiling (constant JSON, plain libmicrohttpd): $c req/s"
echo "labpassd GET /api/v1/me (session lookup):     $m req/s"
echo "ratio: $(ratio "$m" "$c")  (target >= 0.5)"
rm -rf "$dir"
