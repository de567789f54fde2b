#!/bin/sh
# pass.sh: pass verification throughput against bare Ed25519 verification.
# Builds bench/bench_pass.c against build/obj/libtoken.a and libcore.a (made
# by `make`; built here if missing) and runs it. Prints both rates and the ratio.
set -eu
cd "$(dirname "$0")/.."
libs="build/obj/libtoken.a build/obj/libcore.a"
for l in $libs; do
  [ -f "$l" ] || make --no-print-directory -s $libs
done
out=build/bench
mkdir -p "$out"
cc -std=c17 -D_GNU_SOURCE -O2 -I. $(pkg-config --cflags libsodium libcbor libsystemd) \
   -o "$out/bench_pass" bench/bench_pass.c $libs $(pkg-config --libs libsodium libcbor libsystemd)
"$out/bench_pass"
