# labpass: booking, billing and lab access for shared research facilities.
# Plain GNU make. Sources are found by folder; objects go to $(B)/, binaries to $(BIN)/.
#   make            build bin/labpassd bin/labpassctl bin/labpass-door
#   make run        install packages, build, seed var/labpass.db with the demo, serve 127.0.0.1:8080
#   make test       the whole suite, once normally and once with ASan+UBSan; ends "N passed, N failed"
#   make bench      benchmarks (bench/), figures go into the README by hand
#   make fuzz       libFuzzer targets (clang)
# SAN=1 builds the sanitizer variant into build/asan.

SAN ?= 0
ifeq ($(SAN),1)
B   := build/asan
BIN := build/asan/bin
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1 -g
else
B   := build/obj
BIN := bin
SANFLAGS :=
OPT := -O2 -g
endif

CC      ?= gcc
PKGS    := sqlite3 libmicrohttpd libsodium jansson libcurl libcbor libical inih libnfc libgpiod cmocka libxml-2.0
PKGCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  := -std=c17 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
           -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE $(SANFLAGS) \
           -I. -I$(B)/gen $(PKGCFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now $(SANFLAGS)
LDLIBS  := $(PKGLIBS) -lpthread -lm

# Libraries, lowest layer last in link order.
CORE_SRC    := $(wildcard core/*.c)
DB_SRC      := $(wildcard db/*.c)
TOKEN_SRC   := $(wildcard access/token/*.c access/credential/*.c)
ISSUER_SRC  := $(wildcard access/issuer/*.c)
DOOR_SRC    := $(wildcard access/door/*.c access/nfc/*.c)
BOOKING_SRC := $(wildcard booking/*.c)
API_SRC     := $(wildcard api/*.c)
TESTLIB_SRC := $(wildcard tests/lib/*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))
LIB_API     := $(B)/libapi.a
LIB_BOOKING := $(B)/libbooking.a
LIB_ISSUER  := $(B)/libissuer.a
LIB_DOOR    := $(B)/libdoor.a
LIB_TOKEN   := $(B)/libtoken.a
LIB_DB      := $(B)/libdb.a
LIB_CORE    := $(B)/libcore.a
LIB_TEST    := $(B)/libtest.a
SERVER_LIBS := $(LIB_API) $(LIB_ISSUER) $(LIB_BOOKING) $(LIB_DB) $(LIB_TOKEN) $(LIB_CORE)
DOOR_LIBS   := $(LIB_DOOR) $(LIB_TOKEN) $(LIB_DB) $(LIB_CORE)
ALL_LIBS    := $(LIB_TEST) $(LIB_API) $(LIB_ISSUER) $(LIB_BOOKING) $(LIB_DOOR) $(LIB_DB) $(LIB_TOKEN) $(LIB_CORE)

MIGRATIONS  := $(sort $(wildcard db/migrations/*.sql))
GEN_MIG     := $(B)/gen/migrations.c

UNIT_SRC    := $(wildcard tests/unit/test_*.c)
INTEG_SRC   := $(wildcard tests/integration/test_*.c)
TEST_TOOLS  := $(wildcard tests/tools/*.c)
UNIT_BIN    := $(patsubst tests/unit/%.c,$(BIN)/tests/%,$(UNIT_SRC))
INTEG_BIN   := $(patsubst tests/integration/%.c,$(BIN)/tests/%,$(INTEG_SRC))
TOOL_BIN    := $(patsubst tests/tools/%.c,$(BIN)/tests/%,$(TEST_TOOLS))

PROGRAMS := $(BIN)/labpassd $(BIN)/labpassctl $(if $(wildcard cmd/labpass-door.c),$(BIN)/labpass-door)

.SECONDARY:
.PHONY: test-browser
test-browser: all
	@tools/browser-test.sh

.PHONY: all deps run test test-one check-normal check-asan bench fuzz clean demo-db
all: $(PROGRAMS)

deps:
	@tools/deps.sh run
deps-test:
	@tools/deps.sh test

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(GEN_MIG): $(MIGRATIONS) tools/embed.sh
	@mkdir -p $(dir $@)
	tools/embed.sh $(MIGRATIONS) > $@

$(B)/gen/migrations.o: $(GEN_MIG)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/gen/openapi.c: docs/openapi.json tools/embedfile.sh
	@mkdir -p $(dir $@)
	tools/embedfile.sh api_openapi_json $< > $@
$(B)/gen/openapi.o: $(B)/gen/openapi.c
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB_CORE):    $(call obj,$(CORE_SRC))
$(LIB_DB):      $(call obj,$(DB_SRC)) $(B)/gen/migrations.o
$(LIB_TOKEN):   $(call obj,$(TOKEN_SRC))
$(LIB_ISSUER):  $(call obj,$(ISSUER_SRC))
$(LIB_DOOR):    $(call obj,$(DOOR_SRC))
$(LIB_BOOKING): $(call obj,$(BOOKING_SRC))
$(LIB_API):     $(call obj,$(API_SRC)) $(B)/gen/openapi.o
$(LIB_TEST):    $(call obj,$(TESTLIB_SRC))
$(B)/lib%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/labpassd: $(B)/cmd/labpassd.o $(SERVER_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
CTL_OBJ := $(patsubst cmd/%.c,$(B)/cmd/%.o,$(wildcard cmd/ctl_*.c))
$(BIN)/labpassctl: $(B)/cmd/labpassctl.o $(CTL_OBJ) $(SERVER_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/labpass-door: $(B)/cmd/labpass-door.o $(DOOR_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/tests/%: $(B)/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/tests/%: $(B)/tests/integration/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/tests/%: $(B)/tests/tools/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build-tests: $(PROGRAMS) $(UNIT_BIN) $(INTEG_BIN) $(TOOL_BIN)

# Runs one variant's suite; prints per-suite results and a summary file.
test-one: build-tests
	@tests/run.sh $(BIN) $(B)

test: deps-test
	@rm -f build/results-*
	@$(MAKE) --no-print-directory -j2 build-tests
	@$(MAKE) --no-print-directory -j2 build-tests SAN=1
	@tests/run.sh bin build/obj normal; n=$$?; \
	 tests/run.sh build/asan/bin build/asan asan; a=$$?; \
	 tests/fuzz-smoke.sh; \
	 tools/browser-test.sh; \
	 tests/summary.sh build/results-normal build/results-asan build/results-fuzz build/results-browser

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p var

	./bin/labpassd --listen 127.0.0.1:8080 --db var/labpass.db --demo

bench: deps
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bench/run.sh

# libFuzzer targets: every fuzz/fuzz_*.c, linked against the libraries built
# with clang. FUZZ_SECONDS bounds each run (default 60).
fuzz: deps-test
	@tests/fuzz-smoke.sh $${FUZZ_SECONDS:-60}

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
