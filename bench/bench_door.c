/* bench_door.c: figures for the door controller (bench/door.sh). Prints,
 * never asserts:
 *  1. software decision time: door_run_present on a phone tap (decode, pass
 *     signature, holder proof signature, denylist lookup, durable event
 *     append), with the state file on the build folder's disk and, when
 *     /dev/shm exists, on tmpfs (to separate the fsync from the software);
 *     and the decision alone (door_decide) for comparison;
 *  2. tap-to-lock: a real bin/labpass-door process whose reader is the
 *     emulated PN532 on a pseudo-terminal, through libnfc; the time from the
 *     card entering the field to the lock line "open" (both stamped with the
 *     monotonic clock);
 *  3. the door process's resident memory (VmRSS, VmHWM) after the taps, and
 *     the peak of one network helper round (`labpass-door --net-round`,
 *     the only process that loads libcurl), from wait4's ru_maxrss.
 * usage: bench_door OUTDIR SOFT_ROUNDS TAPS */
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "access/card/card.h"
#include "access/credential/cred.h"
#include "access/door/door_cfg.h"
#include "access/door/door_decide.h"
#include "access/door/door_run.h"
#include "access/door/door_seal.h"
#include "access/door/door_store.h"
#include "access/token/token.h"
#include "core/clock.h"
#include "core/log.h"
#include "tests/lib/dfemu.h"
#include "tests/lib/pn532emu.h"

static uint8_t site_pk[32], site_sk[64], site_kid[8], holder_pk[32], holder_sk[64];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v and prints median, p90, p99 and max in ms. */
static void report(const char *what, int64_t *v, size_t n, double scale_to_ms)
{
    qsort(v, n, sizeof *v, cmp64);
    printf("  %-44s n=%-4zu median %.3f ms  p90 %.3f  p99 %.3f  max %.3f\n", what, n, v[n / 2] * scale_to_ms,
           v[n * 9 / 10] * scale_to_ms, v[n * 99 / 100] * scale_to_ms, v[n - 1] * scale_to_ms);
}

static size_t make_pass(uint8_t *out)
{
    struct tok_claims c;
    memset(&c, 0, sizeof c);
    strcpy(c.iss, "mtf");
    strcpy(c.sub, "1042");
    c.iat = clk_now() - 600;
    c.nbf = clk_now() - 600;
    c.exp = clk_now() + 86400;
    randombytes_buf(c.cti, sizeof c.cti);
    c.has_cnf = 1;
    memcpy(c.cnf_pk, holder_pk, 32);
    c.n_groups = 1;
    strcpy(c.groups[0], "ml1-a");
    c.has_reservation = 1;
    c.reservation = 4711;
    size_t n = 0;
    if (tok_encode(&c, site_sk, site_kid, 8, out, TOK_PASS_MAX, &n) != 0) exit(1);
    return n;
}

static void config_text(char *out, size_t cap, const char *state, const char *connstring, const char *lock_log,
                        const char *extra)
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, site_pk, 32);
    snprintf(out, cap,
             "[door]\nid = 7\nname = ml1-a-main\ngroups = ml1-a\nsite = mtf\nstate_db = %s\npulse_ms = 100\n"
             "log_level = warn\nqueue_max = 100000\n"
             "[trust]\nsite_key = %s\n"
             "[reader]\nconnstring = %s\n"
             "[lock]\nbackend = log\nlog_file = %s\n%s",
             state, hex, connstring, lock_log, extra);
}

/* ---- 1. software decision ---- */

static int deny_lookup(void *ctx, const uint8_t cti[16], int *denied)
{
    return door_store_denied(ctx, cti, denied);
}

static void soft_decisions(const char *dir, const char *label, int rounds)
{
    char state[512], lock[512], text[4096];
    snprintf(state, sizeof state, "%s/bench-soft.db", dir);
    snprintf(lock, sizeof lock, "%s/bench-soft.lock", dir);
    unlink(state);
    config_text(text, sizeof text, state, "pn532_uart:/dev/null", lock, "");
    struct door_cfg cfg;
    lp_fail f = { 0 };
    door_run_t *r = NULL;
    if (door_cfg_parse(text, &cfg, &f) != 0 || door_run_create(&cfg, NULL, &r) != 0) {
        fprintf(stderr, "bench: cannot set up a door in %s (%s)\n", dir, f.detail);
        return;
    }
    /* a denylist of 10000 entries, so the lookup is not into an empty table */
    door_store_t *st = NULL;
    if (door_store_open(state, &st) != 0) exit(1);
    struct tok_bundle b;
    struct tok_trust_key tk = { .not_before = 1 };
    memset(&b, 0, sizeof b);
    strcpy(b.iss, "mtf");
    b.door_id = 7;
    b.now = clk_now() - 60;
    b.seq = 10000;
    b.reset = 1;
    memcpy(tk.key.kid, site_kid, 8);
    tk.key.kid_len = 8;
    memcpy(tk.key.pk, site_pk, 32);
    b.keys = &tk;
    b.n_keys = 1;
    b.deny = calloc(10000, sizeof *b.deny);
    for (size_t i = 0; i < 10000; i++) {
        randombytes_buf(b.deny[i].cti, 16);
        b.deny[i].exp = clk_now() + 86400;
    }
    b.n_deny = 10000;
    b.settings = cfg.policy;
    if (door_store_apply(st, &b, clk_now()) != 0 || door_run_reload(r) != 0) exit(1);
    free(b.deny);

    uint8_t pass[TOK_PASS_MAX], sig[64];
    size_t len = make_pass(pass);
    int64_t *full = calloc((size_t)rounds, sizeof *full), *decide = calloc((size_t)rounds, sizeof *decide);
    struct tok_key key = tk.key;
    struct door_view v = { .policy = &cfg.policy, .issuer = "mtf", .keys = &key, .n_keys = 1,
                           .denied = deny_lookup, .deny_ctx = st };
    int granted = 0;
    for (int i = 0; i < rounds; i++) {
        struct tok_challenge ch;
        struct door_decision d;
        if (door_run_challenge(r, &ch) != 0 || tok_holder_sign(&ch, holder_sk, sig) != 0) exit(1);
        struct door_tap t = { DOOR_MEDIUM_CREDENTIAL, pass, len, &ch, sig, NULL };
        int64_t t0 = now_ns();
        if (door_run_present(r, &t, &d) != 0) exit(1);
        full[i] = now_ns() - t0;
        granted += d.granted;
        t0 = now_ns();
        if (door_decide(&v, &t, clk_now(), &d) != 0) exit(1);
        decide[i] = now_ns() - t0;
    }
    char what[96];
    printf("software decision, state on %s (%d of %d granted)\n", label, granted, rounds);
    snprintf(what, sizeof what, "decide + record + lock (door_run_present)");
    report(what, full, (size_t)rounds, 1e-6);
    report("decide only (2 signatures, denylist lookup)", decide, (size_t)rounds, 1e-6);
    free(full);
    free(decide);
    door_store_close(st);
    door_run_destroy(r);
    unlink(state);
    unlink(lock);
}

/* ---- 2. and 3.: the door process ---- */

static pid_t spawn_door(const char *bin, const char *cfg_path, const char *log_path)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) dup2(fd, 2);
        execl(bin, bin, "--config", cfg_path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The monotonic stamp (us) of the count-th "open" line of the lock log, 0 if not there yet. */
static int64_t nth_open(const char *lock_log, int count)
{
    FILE *f = fopen(lock_log, "r");
    char line[128];
    int seen = 0;
    long long mono = 0, epoch = 0;
    char word[16];
    int64_t at = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lld %lld %15s", &mono, &epoch, word) == 3 && !strcmp(word, "open") && ++seen == count) {
            at = mono;
            break;
        }
    }
    if (f) fclose(f);
    return at;
}

static int lock_closed(const char *lock_log)
{
    FILE *f = fopen(lock_log, "r");
    char line[128], last[128] = "";
    while (f && fgets(line, sizeof line, f)) snprintf(last, sizeof last, "%s", line);
    if (f) fclose(f);
    return strstr(last, " close") != NULL;
}

static void nap_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void field_empty(emu_t *emu)
{
    emu_stats_t a, b;
    emu_present_none(emu);
    emu_get_stats(emu, &a);
    for (int i = 0; i < 500; i++) {
        emu_get_stats(emu, &b);
        if (b.lists >= a.lists + 2) return;
        nap_ms(2);
    }
}

static void proc_memory(pid_t pid, char *out, size_t cap)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6) || !strncmp(line, "VmHWM:", 6)) {
            line[strcspn(line, "\n")] = '\0';
            size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s%s", n ? ", " : "", line);
        }
    }
    if (f) fclose(f);
}

/* ---- DESFire card (access protocol section 18) ---- */

static const uint8_t card_uid[7] = { 0x04, 0x3A, 0x5B, 0x7C, 0x9D, 0x1E, 0x2F };

/* The site's three master keys: bytes base + 16 * role + i. */
static void card_master(int role, uint8_t out[16])
{
    for (int i = 0; i < 16; i++) out[i] = (uint8_t)(0x40 + 16 * role + i);
}

/* A pass bound to the card, issued age seconds ago. */
static size_t card_pass(uint8_t pass[TOK_PASS_MAX], int64_t age)
{
    struct tok_claims c;
    memset(&c, 0, sizeof c);
    strcpy(c.iss, "mtf");
    strcpy(c.sub, "1042");
    c.iat = c.nbf = clk_now() - age;
    c.exp = clk_now() + 86400;
    randombytes_buf(c.cti, sizeof c.cti);
    c.has_card = 1;
    card_id(card_uid, c.card_id);
    c.n_groups = 1;
    strcpy(c.groups[0], "ml1-a");
    size_t n = 0;
    if (tok_encode(&c, site_sk, site_kid, 8, pass, TOK_PASS_MAX, &n) != 0) exit(1);
    return n;
}

/* An enrolled card holding a pass bound to it; its keys carry generation 1. */
static dfe_t *make_card(void)
{
    uint8_t pass[TOK_PASS_MAX], keys[CARD_NKEYS][16], m[16], file[CARD_FILE_SIZE], vers[CARD_NKEYS] = { 1, 1, 1 };
    size_t n = card_pass(pass, 600);
    dfe_t *d = NULL;
    if (dfe_create(&d, card_uid) != 0) exit(1);
    for (int k = 0; k < CARD_NKEYS; k++) {
        card_master(k, m);
        if (card_key_derive(m, card_uid, "mtf", keys[k]) != 0) exit(1);
    }
    if (dfe_add_app(d, CARD_AID, CARD_KEY_SETTINGS, CARD_NKEYS, keys, vers) != 0 ||
        card_file_encode(pass, n, file) != 0 ||
        dfe_add_file(d, CARD_AID, CARD_FILE_PASS, 1, CARD_FILE_COMM, CARD_FILE_AR, file, sizeof file, sizeof file) != 0)
        exit(1);
    return d;
}

/* Taps n times (the phone's credential, or the DESFire card when df is set),
 * each from the field empty to the lock line "open"; the latencies go to lat.
 * Returns the taps admitted. */
static int taps_run(emu_t *emu, const char *lock, int first_open, int n, cred_t *cred, dfe_t *df,
                    int64_t *lat, const char *log_path)
{
    int done = 0;
    for (int i = 0; i < n; i++) {
        while (!lock_closed(lock)) nap_ms(2);
        int64_t t0 = clk_mono_us();
        if (df) emu_present_desfire(emu, df);
        else emu_present_credential(emu, cred);
        int64_t at = 0;
        for (int w = 0; w < 2500 && !(at = nth_open(lock, first_open + i + 1)); w++) nap_ms(1);
        if (!at) {
            fprintf(stderr, "bench: tap %d was not admitted; see %s\n", i, log_path);
            break;
        }
        lat[done++] = at - t0;
        field_empty(emu);
    }
    return done;
}

/* Update on card (access protocol 18.10): before each tap the state file
 * gets a newer pass for the card (as a sync would bring it) and the write
 * master of generation 1, sealed with the door's seal key; the latency is
 * from the card in the field to its CommitTransaction. Returns the taps done. */
static int update_run(emu_t *emu, const char *state, const char *lock, int first_open, int n, dfe_t *df,
                      int64_t *lat, const char *log_path)
{
    char seal_path[600];
    uint8_t seal[DOOR_SEAL_KEY], wm[16];
    struct door_sealed_key wk = { .gen = 1 };
    door_store_t *st = NULL;
    snprintf(seal_path, sizeof seal_path, "%s.seal", state);
    if (door_seal_load(seal_path, 0, seal) != 0 || door_store_open(state, &st) != 0) return 0;
    card_master(CARD_KEY_WRITE, wm);
    door_seal_card_key(seal, wm, wk.sealed);
    int done = 0;
    if (door_store_put_write_keys(st, &wk, 1) != 0) n = 0;
    for (int i = 0; i < n; i++) {
        struct tok_card_pass cp;
        dfe_stats_t before, now;
        card_id(card_uid, cp.card_id);
        cp.len = card_pass(cp.pass, 300 - i);        /* each newer than the last */
        if (door_store_put_card_passes(st, &cp, 1) != 0) break;
        while (!lock_closed(lock)) nap_ms(2);
        dfe_get_stats(df, &before);
        int64_t t0 = clk_mono_us(), at = 0;
        emu_present_desfire(emu, df);
        for (int w = 0; w < 5000 && !at; w++) {
            dfe_get_stats(df, &now);
            if (now.commits > before.commits) at = clk_mono_us();
            else nap_ms(1);
        }
        if (!at || !nth_open(lock, first_open + i + 1)) {
            fprintf(stderr, "bench: update tap %d did not open and write; see %s\n", i, log_path);
            break;
        }
        lat[done++] = at - t0;
        field_empty(emu);
    }
    door_store_close(st);
    sodium_memzero(seal, sizeof seal);
    return done;
}

static void tap_to_lock(const char *dir, int taps)
{
    emu_t *emu = NULL;
    if (emu_start(&emu, NULL) != 0) {
        fprintf(stderr, "bench: no emulator\n");
        return;
    }
    char state[512], lock[512], cfg_path[512], log_path[512], text[4096], bin[512], key_path[512], extra[1024];
    snprintf(state, sizeof state, "%s/bench-door.db", dir);
    snprintf(lock, sizeof lock, "%s/bench-door.lock", dir);
    snprintf(cfg_path, sizeof cfg_path, "%s/bench-door.ini", dir);
    snprintf(log_path, sizeof log_path, "%s/bench-door.log", dir);
    snprintf(key_path, sizeof key_path, "%s/bench-card-read.key", dir);
    unlink(state);
    unlink(lock);
    uint8_t rk[16];
    char rk_hex[33];
    card_master(CARD_KEY_READ, rk);
    sodium_bin2hex(rk_hex, sizeof rk_hex, rk, sizeof rk);
    FILE *kf = fopen(key_path, "w");
    if (!kf) exit(1);
    fprintf(kf, "%s\n", rk_hex);
    fclose(kf);
    chmod(key_path, 0600);
    /* The sync thread runs too: against a loopback port nobody listens on. */
    snprintf(extra, sizeof extra, "[server]\nurl = http://127.0.0.1:9\napi_key = lpk_0_bench\nretry_max_s = 5\n"
             "[card]\nread_key_file = %s\nupdate = yes\n", key_path);
    config_text(text, sizeof text, state, emu_connstring(emu), lock, extra);
    FILE *f = fopen(cfg_path, "w");
    if (!f) exit(1);
    fputs(text, f);
    fclose(f);
    const char *bindir = getenv("LABPASS_BIN");
    snprintf(bin, sizeof bin, "%s/labpass-door", bindir && *bindir ? bindir : "bin");
    pid_t pid = spawn_door(bin, cfg_path, log_path);
    nap_ms(500);
    char mem0[160];
    proc_memory(pid, mem0, sizeof mem0);

    uint8_t pass[TOK_PASS_MAX];
    size_t len = make_pass(pass);
    cred_t *cred = NULL;
    if (cred_create(pass, len, holder_sk, &cred) != 0) exit(1);
    int64_t *lat = calloc((size_t)taps, sizeof *lat), *lat_card = calloc((size_t)taps, sizeof *lat_card);
    dfe_t *card = make_card();
    if (!lat || !lat_card) exit(1);
    int done = taps_run(emu, lock, 0, taps, cred, NULL, lat, log_path);
    char mem_phone[160];
    proc_memory(pid, mem_phone, sizeof mem_phone);
    int done_card = done == taps ? taps_run(emu, lock, done, taps, NULL, card, lat_card, log_path) : 0;
    int64_t *lat_upd = calloc((size_t)taps, sizeof *lat_upd);
    if (!lat_upd) exit(1);
    int done_upd = done_card == taps ? update_run(emu, state, lock, done + done_card, taps, card, lat_upd, log_path) : 0;
    char mem1[160];
    proc_memory(pid, mem1, sizeof mem1);
    printf("tap-to-lock through libnfc and the emulated PN532 (bin/labpass-door, poll gap 20 ms)\n");
    if (done) report("phone in the field -> lock open", lat, (size_t)done, 1e-3);
    if (done_card) report("DESFire EV1 card in the field -> lock open", lat_card, (size_t)done_card, 1e-3);
    if (done_upd)
        report("DESFire EV1 card, update on card: in the field -> newer pass committed", lat_upd, (size_t)done_upd,
               1e-3);
    printf("labpass-door memory: idle %s; after %d phone taps %s; after %d card taps %s\n", mem0, done, mem_phone,
           done_card, mem1);
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    /* One network helper round on its own (the server is not there). */
    pid_t h = fork();
    if (h == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 2);
        execl(bin, bin, "--config", cfg_path, "--net-round", "sync", (char *)NULL);
        _exit(127);
    }
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (h > 0 && wait4(h, &st, 0, &ru) == h)
        printf("network helper round (loads libcurl and OpenSSL; no server answering): peak RSS %ld kB\n",
               ru.ru_maxrss);
    cred_destroy(cred);
    emu_stop(emu);
    dfe_destroy(card);
    free(lat);
    free(lat_card);
    free(lat_upd);
    unlink(state);
    unlink(key_path);
}

int main(int argc, char **argv)
{
    if (argc != 4 || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_door OUTDIR SOFT_ROUNDS TAPS\n");
        return 2;
    }
    log_set_level(LOG_WARN);
    crypto_sign_seed_keypair(site_pk, site_sk, (const uint8_t *)"labpass-bench-door-site-key-0001");
    crypto_sign_seed_keypair(holder_pk, holder_sk, (const uint8_t *)"labpass-bench-door-holder-key-01");
    tok_kid_from_pk(site_pk, site_kid);
    int rounds = atoi(argv[2]), taps = atoi(argv[3]);
    soft_decisions(argv[1], "the build folder's disk (fsync per event)", rounds);
    struct stat sb;
    if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode)) {
        char shm[64];
        snprintf(shm, sizeof shm, "/dev/shm/labpass-bench-XXXXXX");
        if (mkdtemp(shm)) {
            soft_decisions(shm, "tmpfs (/dev/shm)", rounds);
            rmdir(shm);
        }
    }
    tap_to_lock(argv[1], taps);
    return 0;
}
