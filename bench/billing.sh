#!/bin/sh
# billing.sh: the monthly invoice run for 500 tenants with 200 settled
# one-hour reservations each (100 000 bookings, peak and off-peak) in last
# month, through `labpassctl invoice run` on a durable database (WAL,
# synchronous=FULL, one BEGIN IMMEDIATE transaction per invoice).
# Target: under 10 s. Also reported: computing the 100 000 charges
# (bill_recompute, done once while seeding) and the idempotent second run.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
TENANTS=${BENCH_TENANTS:-500}
PER=${BENCH_PER_TENANT:-200}
period=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
pkgs="sqlite3 libsodium libxml-2.0 libical jansson libcbor"
cc -std=c17 -D_GNU_SOURCE -O2 -I. $(pkg-config --cflags $pkgs) -o "$BENCH_OUT/seed_bill" bench/seed_bill.c \
   build/obj/libbilling.a build/obj/libbooking.a build/obj/libdb.a build/obj/libtoken.a build/obj/libcore.a \
   $(pkg-config --libs $pkgs) -lpthread -lm
dir=$(mktemp -d -p "$BENCH_OUT")   # on the disk the project lives on, not tmpfs
db="$dir/bill.db"
bin/labpassctl --db "$db" init --demo > /dev/null 2>&1
set -- $("$BENCH_OUT/seed_bill" "$db" "$period" "$TENANTS" "$PER")
charged=$1 recompute=$2
now() { date +%s.%N; }
t0=$(now)
bin/labpassctl --db "$db" invoice run --period "$period" > "$BENCH_OUT/bill-run.txt" 2>&1
t1=$(now)
bin/labpassctl --db "$db" invoice run --period "$period" > "$BENCH_OUT/bill-rerun.txt" 2>&1
t2=$(now)
made=$(tail -1 "$BENCH_OUT/bill-run.txt")
lines=$(sqlite3 "$db" "SELECT count(*) FROM invoice_lines")
gapless=$(sqlite3 "$db" "SELECT CASE WHEN count(*) = max(seq) AND min(seq) = 1 THEN 'yes' ELSE 'NO' END FROM invoices WHERE kind = 'invoice'")
run=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
rerun=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
echo "charges computed for $charged reservations:        ${recompute} s (bill_recompute, at seeding)"
echo "invoice run $period, $TENANTS tenants x $PER bookings: ${run} s (target < 10 s); $made"
echo "  invoice lines: $lines; numbers 1..N without gaps: $gapless"
echo "second run of the same month (adds nothing):      ${rerun} s; $(tail -1 "$BENCH_OUT/bill-rerun.txt")"
rm -rf "$dir"
