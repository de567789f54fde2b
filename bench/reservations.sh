#!/bin/sh
# reservations.sh: durable POST /api/v1/reservations per second with wrk on a
# database already holding 1 000 and 1 000 000 reservations, a plain SQLite
# loop of durable insert transactions as the baseline, and the latency of a
# week's availability of one resource at 1 000 000 reservations.
# Targets: 1M >= 0.8x 1k; 1k >= 0.5x the SQLite loop; availability p99 < 2 ms.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${BENCH_SECS:-8}
CONNS=${BENCH_CONNS:-8}   # clients booking at once, each on its own keep-alive connection
WT=$(( CONNS < 2 ? CONNS : 2 ))
build_bench seed_rsv
build_bench sqlite_loop
dir=$(mktemp -d)
loop=$("$BENCH_OUT/sqlite_loop" "$dir/loop.db" "$SECS")
run_size() {
  n=$1
  db="$dir/rsv-$n.db"
  bin/labpassctl --db "$db" init --demo > /dev/null 2>&1
  t0=$(date +%s)
  "$BENCH_OUT/seed_rsv" "$db" "$n"
  echo "seeded $n reservations in $(( $(date +%s) - t0 ))s" >&2
  port=$(free_port)
  start_labpassd "$db" "$port"
  tok=$(login "$port" lab@novacell.example labpass-member-demo)
  resbase=$(sqlite3 "$db" "SELECT id - 1 FROM resources WHERE name = 'Bench 50'")
  START_EPOCH=$(( $(date +%s) / 86400 * 86400 + 86400 * 3 )) RES_BASE=$resbase TOKEN=$tok \
    wrk -t"$WT" -c"$CONNS" -d"${SECS}s" -s bench/book.lua "http://127.0.0.1:$port" > "$BENCH_OUT/book-$n.txt"
  grep -q "Non-2xx" "$BENCH_OUT/book-$n.txt" && { echo "bench: some bookings failed" >&2; cat "$BENCH_OUT/book-$n.txt" >&2; }
  stok=$(login "$port" staff@medtechfactory.example labpass-staff-demo)
  curl -sf -H "Authorization: Bearer $stok" "http://127.0.0.1:$port/metrics" |
    awk -v n="$n" '/^labpass_db_group_commits_total/ {c = $2} /^labpass_db_group_writes_total/ {w = $2}
      END { if (c > 0) printf "at %d: %d bookings in %d group commits, %.1f per fsync\n", n, w, c, w / c }' >&2
  if [ "$n" -ge 1000000 ]; then
    r1=$(sqlite3 "$db" "SELECT id FROM resources WHERE name = 'Bench 1'")
    from=$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00Z); to=$(date -u -d '+8 days' +%Y-%m-%dT%H:00:00Z)
    wrk -t2 -c4 -d"${SECS}s" --latency -H "Authorization: Bearer $tok" \
      "http://127.0.0.1:$port/api/v1/resources/$r1/availability?from=$from&to=$to" > "$BENCH_OUT/avail.txt"
  fi
  stop_labpassd
  rps "$BENCH_OUT/book-$n.txt"
}
k=$(run_size 1000)
m=$(run_size 1000000)
p99=$(awk '$1 == "99%" {print $2}' "$BENCH_OUT/avail.txt")
echo "SQLite loop, durable insert transactions:        $loop tx/s"
echo "POST /api/v1/reservations at 1 000 reservations:  $k req/s  ($(ratio "$k" "$loop") x the loop; target >= 0.5; wrk -c$CONNS)"
echo "POST /api/v1/reservations at 1 000 000:          $m req/s  ($(ratio "$m" "$k") x the 1k figure; target >= 0.8)"
echo "availability of one resource over a week at 1M: p99 $p99 (target < 2 ms)"
rm -rf "$dir"
