# lib.sh: helpers shared by the benchmark scripts (sourced, not run).
# Servers bind 127.0.0.1 only; every server started is stopped on exit.
BENCH_OUT=build/bench
mkdir -p "$BENCH_OUT"
BENCH_PIDS=""
bench_cleanup() { for p in $BENCH_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap bench_cleanup EXIT INT TERM

# free_port: prints a free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_labpassd DB PORT [ARGS...]: starts bin/labpassd and waits until it
# answers; its pid is in LABPASSD_PID (stop it with stop_labpassd when the
# caller runs in a subshell, where the exit trap does not reach).
start_labpassd() {
  db=$1; port=$2; shift 2
  bin/labpassd --listen 127.0.0.1:$port --db "$db" --log-level warn "$@" > "$BENCH_OUT/labpassd-$port.log" 2>&1 &
  LABPASSD_PID=$!
  BENCH_PIDS="$BENCH_PIDS $!"
  for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "labpassd did not start" >&2; return 1
}

stop_labpassd() { kill "$LABPASSD_PID" 2>/dev/null; wait "$LABPASSD_PID" 2>/dev/null; }

# login PORT EMAIL PASSWORD: prints a session token.
login() {
  curl -sf -X POST "http://127.0.0.1:$1/api/v1/auth/login" -d "{\"email\":\"$2\",\"password\":\"$3\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# rps WRK_OUTPUT_FILE: prints requests per second.
rps() { awk '/Requests\/sec/ {print int($2)}' "$1"; }

# ratio A B: prints A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# build_bench NAME: compiles bench/NAME.c against the project libraries into $BENCH_OUT/NAME.
build_bench() {
  libs="build/obj/libbilling.a build/obj/libbooking.a build/obj/libdb.a build/obj/libtoken.a build/obj/libcore.a"
  cc -std=c17 -D_GNU_SOURCE -O2 -I. $(pkg-config --cflags sqlite3 libmicrohttpd libsodium libcbor libical jansson libsystemd libcrypto) \
     -o "$BENCH_OUT/$1" "bench/$1.c" $libs \
     $(pkg-config --libs sqlite3 libmicrohttpd libsodium libcbor libical jansson libsystemd libcrypto) -lpthread -lm
}
