#!/bin/sh
# door.sh: door controller figures (never a timed test): software decision
# time (decode, two signature checks, denylist lookup, durable event append),
# tap-to-lock through libnfc and the emulated PN532 with a real
# bin/labpass-door process (a phone, then a DESFire EV1 card, then the same card
# updated with a newer pass at each tap, in one run), and that process's resident memory.
# Builds bench/bench_door.c against the door-side libraries (made by `make`;
# built here if missing) and the emulator in libtest.a.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
libs="build/obj/libdoor.a build/obj/libtoken.a build/obj/libdb.a build/obj/libcore.a build/obj/libtest.a"
make --no-print-directory -s bin/labpass-door $libs
pkgs="sqlite3 libsodium libcbor jansson libcurl inih libnfc libgpiod libcrypto libsystemd"
cc -std=c17 -D_GNU_SOURCE -O2 -I. $(pkg-config --cflags $pkgs) \
   -o "$BENCH_OUT/bench_door" bench/bench_door.c build/obj/libtest.a build/obj/libdoor.a build/obj/libtoken.a \
   build/obj/libdb.a build/obj/libcore.a $(pkg-config --libs $pkgs) -lpthread -lm
"$BENCH_OUT/bench_door" "$BENCH_OUT" "${DOOR_ROUNDS:-2000}" "${DOOR_TAPS:-100}"
