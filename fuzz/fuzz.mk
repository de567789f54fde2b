# fuzz.mk: builds one libFuzzer target (FUZZ_SRC -> FUZZ_BIN) with clang,
# compiling the door-side libraries (core, db, token, credential, card, door, nfc)
# and the recurrence and calendar-feed writers
# with ASan/UBSan and coverage. Used by tests/fuzz-smoke.sh.
PKGS := sqlite3 libsodium jansson libcbor inih libnfc libgpiod libcurl libical libcrypto libsystemd
SRC  := $(wildcard core/*.c db/*.c access/token/*.c access/credential/*.c access/card/*.c access/door/*.c access/nfc/*.c) \
        booking/recur.c booking/recur_rule.c booking/ics.c
GEN  := build/fuzz/gen/migrations.c
CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. $(shell pkg-config --cflags $(PKGS))
$(FUZZ_BIN): $(FUZZ_SRC) $(SRC) $(GEN)
	@mkdir -p $(dir $@)
	clang $(CFLAGS) -o $@ $(FUZZ_SRC) $(SRC) $(GEN) $(shell pkg-config --libs $(PKGS)) -lm -lpthread
$(GEN): $(sort $(wildcard db/migrations/*.sql))
	@mkdir -p $(dir $@)
	tools/embed.sh $^ > $@
