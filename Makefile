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
# Debian packages by group, asked of pkg-config per group and only when a rule
# needs them (so `make deps` can install them first). A missing package stops
# the build with one line naming it.
SERVER_PKGS := sqlite3 libmicrohttpd libsodium jansson libcurl libcbor libfido2 libical libxml-2.0 cairo inih libsystemd libcrypto jose
DOOR_PKGS   := sqlite3 libsodium jansson libcurl libcbor inih libnfc libgpiod libcrypto libsystemd
TEST_PKGS   := cmocka libfreefare
pkg_need   = $(foreach p,$(1),$(if $(shell pkg-config --exists $(p) && echo y),,$(error pkg-config does not know '$(p)': its -dev package is missing; run `make deps` (build) or `make deps-test` (tests) as root)))
pkg_cflags = $(call pkg_need,$(1))$(shell pkg-config --cflags $(1))
pkg_libs   = $(call pkg_need,$(1))$(shell pkg-config --libs $(1))
# Each flag set is computed once, on first use.
once = $(eval $(1) := $$(call $(2),$$($(3))))$($(1))
BUILD_CFLAGS = $(call once,BUILD_CFLAGS,pkg_cflags,ALLRUN_PKGS)
SERVER_LIBS_LD = $(call once,SERVER_LIBS_LD,pkg_libs,SERVER_PKGS)
DOOR_LIBS_LD = $(call once,DOOR_LIBS_LD,pkg_libs,DOOR_PKGS)
TEST_LIBS_LD = $(call once,TEST_LIBS_LD,pkg_libs,ALLTEST_PKGS)
ALLRUN_PKGS  := $(sort $(SERVER_PKGS) $(DOOR_PKGS))
ALLTEST_PKGS := $(ALLRUN_PKGS) $(TEST_PKGS)
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes -Wswitch-enum
CFLAGS  = -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) \
           -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE $(SANFLAGS) \
           -I. -I$(B)/gen $(BUILD_CFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now $(SANFLAGS)
SYSLIBS := -lpthread -lm

# Libraries, lowest layer last in link order.
CORE_SRC    := $(wildcard core/*.c)
DB_SRC      := $(wildcard db/*.c)
TOKEN_SRC   := $(wildcard access/token/*.c access/credential/*.c access/card/*.c)
ISSUER_SRC  := $(wildcard access/issuer/*.c)
DOOR_SRC    := $(wildcard access/door/*.c access/nfc/*.c)
BOOKING_SRC := $(wildcard booking/*.c)
BILLING_SRC := $(wildcard billing/*.c)
PRIVACY_SRC := $(wildcard privacy/*.c)
API_SRC     := $(wildcard api/*.c)
TESTLIB_SRC := $(wildcard tests/lib/*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))
LIB_API     := $(B)/libapi.a
LIB_BOOKING := $(B)/libbooking.a
LIB_BILLING := $(B)/libbilling.a
LIB_PRIVACY := $(B)/libprivacy.a
LIB_ISSUER  := $(B)/libissuer.a
LIB_DOOR    := $(B)/libdoor.a
LIB_TOKEN   := $(B)/libtoken.a
LIB_DB      := $(B)/libdb.a
LIB_CORE    := $(B)/libcore.a
LIB_TEST    := $(B)/libtest.a
SERVER_LIBS := $(LIB_API) $(LIB_PRIVACY) $(LIB_ISSUER) $(LIB_BILLING) $(LIB_BOOKING) $(LIB_DB) $(LIB_TOKEN) $(LIB_CORE)
DOOR_LIBS   := $(LIB_DOOR) $(LIB_TOKEN) $(LIB_DB) $(LIB_CORE)
ALL_LIBS    := $(LIB_TEST) $(LIB_API) $(LIB_PRIVACY) $(LIB_ISSUER) $(LIB_BILLING) $(LIB_BOOKING) $(LIB_DOOR) $(LIB_DB) $(LIB_TOKEN) \
               $(LIB_CORE)

MIGRATIONS  := $(sort $(wildcard db/migrations/*.sql))
GEN_MIG     := $(B)/gen/migrations.c

UNIT_SRC    := $(wildcard tests/unit/test_*.c)
INTEG_SRC   := $(wildcard tests/integration/test_*.c)
ATTACK_SRC  := $(wildcard tests/attack/test_*.c)
TEST_TOOLS  := $(wildcard tests/tools/*.c)
UNIT_BIN    := $(patsubst tests/unit/%.c,$(BIN)/tests/%,$(UNIT_SRC))
INTEG_BIN   := $(patsubst tests/integration/%.c,$(BIN)/tests/%,$(INTEG_SRC))
ATTACK_BIN  := $(patsubst tests/attack/%.c,$(BIN)/tests/%,$(ATTACK_SRC))
TOOL_BIN    := $(patsubst tests/tools/%.c,$(BIN)/tests/%,$(TEST_TOOLS))

PROGRAMS := $(BIN)/labpassd $(BIN)/labpassctl $(if $(wildcard cmd/labpass-door.c),$(BIN)/labpass-door)

.SECONDARY:
.DEFAULT_GOAL := all
.PHONY: all deps deps-test build-tests run test test-one test-browser test-attack test-dates bench fuzz clean install deb test-package
all: $(PROGRAMS)

test-browser: all
	@tools/browser-test.sh

deps:
	@tools/deps.sh run
deps-test:
	@tools/deps.sh test

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The list of migration files, rewritten (when make reads this file) only
# when a file comes or goes, so the embedded set follows it whatever the
# files' times.
MIG_LIST := $(B)/gen/migrations.list
$(shell mkdir -p $(B)/gen && { echo '$(MIGRATIONS)' | cmp -s - $(MIG_LIST) || echo '$(MIGRATIONS)' > $(MIG_LIST); })

$(GEN_MIG): $(MIGRATIONS) tools/embed.sh $(MIG_LIST)
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
$(LIB_BILLING): $(call obj,$(BILLING_SRC))
$(LIB_PRIVACY): $(call obj,$(PRIVACY_SRC))
$(LIB_API):     $(call obj,$(API_SRC)) $(B)/gen/openapi.o
$(LIB_TEST):    $(call obj,$(TESTLIB_SRC))
$(B)/lib%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/labpassd: $(B)/cmd/labpassd.o $(B)/cmd/lpd_conf.o $(B)/cmd/lpd_sd.o $(SERVER_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS_LD) $(SYSLIBS)
CTL_OBJ := $(patsubst cmd/%.c,$(B)/cmd/%.o,$(wildcard cmd/ctl_*.c))
$(BIN)/labpassctl: $(B)/cmd/labpassctl.o $(CTL_OBJ) $(SERVER_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS_LD) $(SYSLIBS)
$(BIN)/labpass-door: $(B)/cmd/labpass-door.o $(DOOR_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(DOOR_LIBS_LD) $(SYSLIBS)
$(BIN)/tests/%: $(B)/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS_LD) $(SYSLIBS)
$(BIN)/tests/%: $(B)/tests/integration/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS_LD) $(SYSLIBS)
$(BIN)/tests/%: $(B)/tests/attack/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS_LD) $(SYSLIBS)
$(BIN)/tests/%: $(B)/tests/tools/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS_LD) $(SYSLIBS)

build-tests: $(PROGRAMS) $(UNIT_BIN) $(INTEG_BIN) $(ATTACK_BIN) $(TOOL_BIN)

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
	 tests/runner/check.sh; \
	 tests/summary.sh build/results-normal build/results-asan build/results-fuzz build/results-browser \
	   build/results-runner

# The suite at a year end, both DST nights and a leap day (tests/dates.sh);
# LABPASS_TEST_DATE=... make test runs the whole suite at one chosen date.
test-dates: deps-test
	@$(MAKE) --no-print-directory -j2 build-tests
	@tests/dates.sh

# The attack suite alone (tests/attack/, also part of `make test`), normal build.
test-attack: deps-test
	@$(MAKE) --no-print-directory -j2 build-tests
	@RUN_ONLY="$(notdir $(ATTACK_BIN))" tests/run.sh bin build/obj attack; \
	 tests/summary.sh build/results-attack

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

# Installation in the FHS places; PREFIX (default /usr/local) and DESTDIR as
# usual. Settings go to /etc when PREFIX is /usr, else PREFIX/etc; the unit
# files and the settings file name the programs where they are installed.
PREFIX     ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BINDIR     := $(PREFIX)/bin
SBINDIR    := $(PREFIX)/sbin
DATADIR    := $(PREFIX)/share/labpass
DOCDIR     := $(PREFIX)/share/doc/labpass
MANDIR     := $(PREFIX)/share/man
PATHS_SED  := -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/usr/bin/labpassctl|$(BINDIR)/labpassctl|g' \
              -e 's|/usr/share/labpass/|$(DATADIR)/|g' -e 's|/usr/share/doc/labpass/|$(DOCDIR)/|g' \
              -e 's|/etc/labpass/|$(SYSCONFDIR)/labpass/|g'
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)/examples \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/labpass/doors
	install -m 755 $(BIN)/labpassctl $(DESTDIR)$(BINDIR)/
	install -m 755 $(BIN)/labpassd $(BIN)/labpass-door $(DESTDIR)$(SBINDIR)/
	cd web && find . -type f | while read -r f; do install -D -m 644 "$$f" "$(DESTDIR)$(DATADIR)/web/$$f"; done
	for m in docs/man/*.[18]; do gzip -9nc "$$m" > "$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}.gz"; done
	for u in packaging/systemd/*; do sed $(PATHS_SED) "$$u" > "$(DESTDIR)$(UNITDIR)/$${u##*/}"; done
	chmod 644 $(DESTDIR)$(UNITDIR)/labpass*
	sed $(PATHS_SED) packaging/etc/labpassd.conf > $(DESTDIR)$(SYSCONFDIR)/labpass/labpassd.conf
	install -m 644 docs/*.md docs/openapi.json README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/labpass-door.example.ini packaging/prometheus/labpass-alerts.yml $(DESTDIR)$(DOCDIR)/examples/

# A Debian package of this build: build/labpass_VERSION_ARCH.deb (tools/mkdeb.sh).
deb: all
	@tools/mkdeb.sh $(BIN) $(B)

# The package on a fresh Debian 12 root: installed with apt, labpassd started
# from it as the labpass user, removed and purged (tools/package-test.sh; root).
test-package: deb
	@tools/package-test.sh

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
