/* labpass-door: the door controller. Reads its configuration, then runs the
 * reader loop (with the lock, sync and watchdog threads) until SIGINT or
 * SIGTERM. Staff modes: --encode writes a bearer pass onto an NTAG21x held
 * on the reader; --desk enrol / --desk write PASSFILE format a DESFire card's
 * labpass application and write its pass (access/door/door_desk); --status, --check-config, --sync-once and
 * --reset-time-floor inspect or repair the local state. docs/door.md. */
#include <getopt.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "access/door/door_cfg.h"
#include "access/door/door_desk.h"
#include "access/door/door_net.h"
#include "access/door/door_run.h"
#include "access/door/door_store.h"
#include "access/door/door_sync.h"
#include "access/nfc/nfc_rdr.h"
#include "access/nfc/nfc_tag.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"

#define EXIT_USAGE 2
#define EXIT_HANG  75

static door_run_t *g_run;

static void on_signal(int sig)
{
    door_run_stop(g_run);
}

static void on_hang(void *ctx)
{
    log_error("door", "exiting for the supervisor to restart the controller");
    _exit(EXIT_HANG);
}

/* Under systemd (Type=notify, WatchdogSec=): the reader loop's heartbeat is
 * fresh, so systemd's watchdog is fed; a loop stuck in a reader call stops
 * feeding it and systemd restarts the controller (as on_hang does sooner). */
static void on_alive(void *ctx)
{
    sd_notify(0, "WATCHDOG=1");
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: labpass-door --config FILE [mode]\n"
        "  (no mode)              run the door controller\n"
        "  --encode PASSFILE      write a bearer pass (raw, hex or base64url) onto an NTAG21x\n"
        "  --desk enrol [--reformat]  enrol a DESFire card: format its labpass application,\n"
        "                         print its UID and card id (--reformat: a formatted card anew)\n"
        "  --desk write PASSFILE  write a card's pass (raw, hex or base64url) onto it\n"
        "  --timeout SECS         how long --encode and --desk wait for a card (default 30)\n"
        "  --status               print the local state (SEQ, time floor, queue, keys)\n"
        "  --check-config         parse the configuration and exit\n"
        "  --sync-once            one sync and upload round, then exit\n"
        "  --net-round sync|upload  (used by the controller itself: one network round)\n"
        "  --reset-time-floor     forget the time floor (after fixing the clock)\n"
        "  --log-level LEVEL      debug, info, warn, error (overrides the config)\n");
}

/* ---- modes ---- */

static int run_door(const struct door_cfg *cfg, const char *config)
{
    static char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        log_error("door", "cannot find this program for the network helper");
        return 1;
    }
    self[n] = '\0';
    struct door_run_opts o = { .on_hang = on_hang, .on_alive = on_alive, .helper_exe = self, .config_path = config };
    if (door_run_create(cfg, &o, &g_run) != 0) {
        log_error("door", "cannot start; see the messages above");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sd_notify(0, "READY=1\nSTATUS=reading cards");
    int rc = door_run_loop(g_run);
    sd_notify(0, "STOPPING=1");
    door_run_destroy(g_run);
    g_run = NULL;
    log_info("door", "stopped");
    return rc == 0 ? 0 : 1;
}

static int print_status(const struct door_cfg *cfg)
{
    door_store_t *st = NULL;
    struct door_status s;
    struct tok_door_settings p;
    int found = 0;
    if (door_store_open(cfg->state_db, &st) != 0 || door_store_status(st, &s) != 0 ||
        door_store_settings(st, &p, NULL, &found) != 0) {
        door_store_close(st);
        fprintf(stderr, "cannot read %s\n", cfg->state_db);
        return 1;
    }
    char floor[LT_RFC3339_LEN], last[LT_RFC3339_LEN];
    lt_format_utc(s.time_floor, floor);
    lt_format_utc(s.last_sync, last);
    if (!found) p = cfg->policy;
    printf("door %lld (%s), policy from %s\n", (long long)cfg->door_id, p.name, found ? "last sync" : "config");
    printf("seq %lld, last sync %s\n", (long long)s.seq, s.last_sync ? last : "never");
    printf("time floor %s\n", floor);
    int64_t stale = 0;
    if (cfg->url[0] && door_store_flag(st, "f:sync_stale", &stale) == 0)
        printf("stale %s (after %lld s without a verified sync: %s)\n", stale ? "yes" : "no",
               (long long)cfg->stale_after, cfg->stale_mode == DOOR_STALE_STAFF_ONLY ? "staff passes only" : "alarm only");
    printf("trusted keys %lld, denylist %lld\n", (long long)s.n_keys, (long long)s.deny_count);
    printf("queue %lld (alarms %lld, refused %lld), dropped %lld\n", (long long)s.queue_len,
           (long long)s.alarms_queued, (long long)s.rejected_queued, (long long)s.dropped);
    door_store_close(st);
    return 0;
}

/* One network round (--sync-once for people, --net-round for the door's
 * scheduler): sync if asked, then upload until the queue is empty. Returns
 * the round's status bits. */
static int net_round(const struct door_cfg *cfg, int want_sync, int verbose)
{
    if (!cfg->url[0]) {
        fprintf(stderr, "no [server] url configured\n");
        return DOOR_ROUND_SYNC_FAILED | DOOR_ROUND_UPLOAD_FAILED;
    }
    door_store_t *st = NULL;
    door_net_t *net = NULL;
    struct door_round r = { 0 };
    int rc = door_store_open(cfg->state_db, &st);
    if (rc == 0) rc = door_store_provision(st, cfg->site_keys, cfg->n_site_keys, NULL);
    if (rc == 0) rc = door_net_create(cfg, &net);
    int status = DOOR_ROUND_SYNC_FAILED | DOOR_ROUND_UPLOAD_FAILED;
    if (rc == 0) {
        (void)!door_sync_round(cfg, st, net, want_sync, &r);     /* the status bits say what failed */
        status = door_round_status(&r, want_sync);
    }
    if (verbose && status == 0)
        printf("synced to SEQ %lld; uploaded %zu events\n", (long long)r.seq, r.sent);
    else if (verbose)
        fprintf(stderr, "sync %s, upload %s\n", r.sync_rc || rc ? lp_err_name(r.sync_rc ? r.sync_rc : rc) : "ok",
                r.upload_rc ? lp_err_name(r.upload_rc) : "ok");
    door_net_destroy(net);
    door_store_close(st);
    return status;
}

static int reset_floor(const struct door_cfg *cfg)
{
    door_store_t *st = NULL;
    int rc = door_store_open(cfg->state_db, &st);
    if (rc == 0) rc = door_store_reset_floor(st);
    door_store_close(st);
    if (rc == 0) printf("time floor reset; the next sync sets it again\n");
    return rc == 0 ? 0 : 1;
}

/* ---- encode ---- */

/* A pass file: raw COSE bytes (starting with tag 18, d2), or the same as hex
 * or base64url text. */
static int read_pass_file(const char *path, uint8_t *pass, size_t *len)
{
    char buf[4 * TOK_PASS_MAX];
    FILE *f = fopen(path, "rb");
    if (!f) return LP_ERR_IO;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    if (more || n == 0) return LP_ERR_TOOBIG;
    if ((uint8_t)buf[0] == 0xD2) {
        if (n > TOK_PASS_MAX) return LP_ERR_TOOBIG;
        memcpy(pass, buf, n);
        *len = n;
        return 0;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) n--;
    buf[n] = '\0';
    if (sodium_hex2bin(pass, TOK_PASS_MAX, buf, n, NULL, len, NULL) == 0 && *len > 0) return 0;
    if (sodium_base642bin(pass, TOK_PASS_MAX, buf, n, NULL, len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 && *len > 0)
        return 0;
    return LP_ERR_INVALID;
}

/* Refuses what no door would admit from a tag: a malformed pass, a pass with
 * a holder key (it needs a phone or card), or one the local trust list
 * cannot verify. */
static int check_bearer(const struct door_cfg *cfg, const uint8_t *pass, size_t len)
{
    struct tok_pass p;
    enum tok_reason why = TOK_OK;
    if (tok_decode(pass, len, &p, &why) != 0) {
        fprintf(stderr, "not a labpass pass (%s)\n", tok_reason_name(why));
        return 1;
    }
    if (p.claims.has_cnf || p.claims.has_card) {
        fprintf(stderr, "this pass is bound to a holder key or a card: it works only from the phone or card, not a tag\n");
        return 1;
    }
    door_store_t *st = NULL;
    struct tok_trust_key tk[TOK_BUNDLE_KEYS_MAX];
    struct tok_key keys[TOK_BUNDLE_KEYS_MAX];
    size_t n = 0;
    int rc = door_store_open(cfg->state_db, &st);
    if (rc == 0) rc = door_store_trust(st, clk_now(), tk, TOK_BUNDLE_KEYS_MAX, &n);
    door_store_close(st);
    for (size_t i = 0; i < n; i++) keys[i] = tk[i].key;
    if (rc != 0 || n == 0) {
        fprintf(stderr, "warning: no local trust list; the signature is not checked here\n");
        return 0;
    }
    if (tok_verify(&p, keys, n, &why) != 0) {
        fprintf(stderr, "the pass does not verify with this door's keys (%s)\n", tok_reason_name(why));
        return 1;
    }
    return 0;
}

static int encode(const struct door_cfg *cfg, const char *path, int timeout_s)
{
    uint8_t pass[TOK_PASS_MAX];
    size_t len = 0;
    if (read_pass_file(path, pass, &len) != 0) {
        fprintf(stderr, "%s: not a pass file (raw, hex or base64url, at most %d bytes)\n", path, TOK_PASS_MAX);
        return 1;
    }
    if (check_bearer(cfg, pass, len) != 0) return 1;
    nfc_rdr_t *r = NULL;
    int rc = nfc_rdr_open(cfg->connstring, &cfg->rdr, &r);
    if (rc == LP_ERR_BUSY) fprintf(stderr, "the reader is in use: stop labpass-door first\n");
    if (rc != 0) return 1;
    printf("hold an NTAG213/215/216 on the reader...\n");
    fflush(stdout);
    nfc_card_t card;
    rc = nfc_rdr_poll(r, timeout_s * 1000, &card);
    if (rc == 0 && card.kind != NFC_CARD_T2) rc = LP_ERR_INVALID;
    if (rc == 0) rc = nfc_tag_write_pass(r, pass, len);
    nfc_rdr_close(r);
    if (rc == 0) printf("written and verified: %zu bytes\n", len);
    else fprintf(stderr, "encoding failed: %s\n", rc == LP_ERR_TIMEOUT ? "no tag" : lp_err_name(rc));
    return rc == 0 ? 0 : 1;
}

/* ---- desk ---- */

static const char *desk_err(int rc)
{
    switch (rc) {
    case LP_ERR_TIMEOUT: return "no card";
    case LP_ERR_BUSY: return "the reader is in use: stop labpass-door first";
    case LP_ERR_INVALID: return "not a DESFire card, or its answers are off the protocol";
    case LP_ERR_CONFLICT: return "the card is enrolled already (--reformat enrols it anew; its pass is lost)";
    case LP_ERR_UNAUTH: return "the card refused this site's key (another site's card, a clone, or another generation)";
    case LP_ERR_FORBIDDEN: return "the card's PICC settings do not allow new applications";
    case LP_ERR_NOTFOUND: return "the card is not enrolled (no labpass application)";
    case LP_ERR_TOOBIG: return "the card is full";
    case LP_ERR_CRYPTO: return "the card's answers failed their checks; try again";
    default: return lp_err_name(rc);
    }
}

static void print_card(const struct door_desk_card *c)
{
    char uid[2 * CARD_UID_LEN + 1], id[2 * CARD_ID_LEN + 1];
    sodium_bin2hex(uid, sizeof uid, c->uid, CARD_UID_LEN);
    sodium_bin2hex(id, sizeof id, c->id, CARD_ID_LEN);
    for (char *p = uid; *p; p++) if (*p >= 'a') *p = (char)(*p - 'a' + 'A');
    printf("uid %s\ncard_id %s\n", uid, id);
    if (c->generation) printf("key_generation %u\n", c->generation);
}

static int desk(const struct door_cfg *cfg, const char *what, const char *path, int reformat, int timeout_s)
{
    int enrol = strcmp(what, "enrol") == 0;
    char why[160];
    uint8_t pass[TOK_PASS_MAX];
    size_t len = 0;
    struct door_desk_card c;
    if (door_desk_check(cfg, enrol, why, sizeof why) != 0) {
        fprintf(stderr, "%s\n", why);
        return 1;
    }
    if (!enrol && read_pass_file(path, pass, &len) != 0) {
        fprintf(stderr, "%s: not a pass file (raw, hex or base64url, at most %d bytes)\n", path, TOK_PASS_MAX);
        return 1;
    }
    struct tok_pass p;
    enum tok_reason bad = TOK_OK;
    if (!enrol && tok_decode(pass, len, &p, &bad) != 0) {
        fprintf(stderr, "not a labpass pass (%s)\n", tok_reason_name(bad));
        return 1;
    }
    if (!enrol && !p.claims.has_card) {
        fprintf(stderr, "this pass is not bound to a card (no card id): it cannot go onto one\n");
        return 1;
    }
    printf("hold a DESFire card on the reader...\n");
    fflush(stdout);
    int rc = enrol ? door_desk_enrol(cfg, timeout_s, reformat, &c) : door_desk_write(cfg, pass, len, timeout_s, &c);
    if (rc == LP_ERR_FORBIDDEN && !enrol) fprintf(stderr, "this pass is not bound to this card\n");
    else if (rc == LP_ERR_STATE) fprintf(stderr, "the card's keys are of generation %u, this desk's of %d: enrol it anew\n",
                                         c.generation, cfg->card_generation);
    else if (rc != 0) fprintf(stderr, "%s failed: %s\n", enrol ? "enrolling" : "writing", desk_err(rc));
    if (rc == LP_ERR_CONFLICT) print_card(&c);       /* what the card is, for the person's page */
    if (rc != 0) return 1;
    print_card(&c);
    printf(enrol ? "enrolled: enter the uid on the person's page\n" : "written and read back\n");
    return 0;
}

/* ---- main ---- */

enum mode { M_RUN, M_ENCODE, M_DESK, M_STATUS, M_CHECK, M_SYNC, M_RESET, M_ROUND };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' }, { "encode", required_argument, NULL, 'e' },
        { "timeout", required_argument, NULL, 't' }, { "status", no_argument, NULL, 's' },
        { "check-config", no_argument, NULL, 'k' }, { "sync-once", no_argument, NULL, 'y' },
        { "reset-time-floor", no_argument, NULL, 'r' }, { "log-level", required_argument, NULL, 'l' },
        { "net-round", required_argument, NULL, 'n' }, { "desk", required_argument, NULL, 'd' },
        { "reformat", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    const char *config = NULL, *pass_file = NULL, *level = NULL, *round = NULL, *what = NULL;
    enum mode mode = M_RUN;
    int timeout_s = 30, reformat = 0, c;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'e': mode = M_ENCODE; pass_file = optarg; break;
        case 't': timeout_s = atoi(optarg); break;
        case 's': mode = M_STATUS; break;
        case 'k': mode = M_CHECK; break;
        case 'y': mode = M_SYNC; break;
        case 'r': mode = M_RESET; break;
        case 'l': level = optarg; break;
        case 'n': mode = M_ROUND; round = optarg; break;
        case 'd': mode = M_DESK; what = optarg; break;
        case 'f': reformat = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    int desk_write = mode == M_DESK && strcmp(what, "write") == 0;
    if (desk_write && optind == argc - 1) pass_file = argv[optind++];
    if (!config || optind != argc || timeout_s < 1 || timeout_s > 600 ||
        (mode == M_DESK && !desk_write && strcmp(what, "enrol") != 0) || (reformat && mode != M_DESK) ||
        (desk_write && (!pass_file || reformat)) ||
        (round && strcmp(round, "sync") != 0 && strcmp(round, "upload") != 0)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (sodium_init() < 0) return 1;
    static struct door_cfg cfg;
    lp_fail f = { 0 };
    if (door_cfg_load(config, &cfg, &f) != 0) {
        fprintf(stderr, "%s: %s\n", config, f.detail);
        return 1;
    }
    enum log_level lvl = cfg.log_level;
    if (level && log_parse_level(level, &lvl) != 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    log_set_level(lvl);
    int rc;
    switch (mode) {
    case M_ENCODE: rc = encode(&cfg, pass_file, timeout_s); break;
    case M_DESK: rc = desk(&cfg, what, pass_file, reformat, timeout_s); break;
    case M_STATUS: rc = print_status(&cfg); break;
    case M_CHECK: printf("%s: ok\n", config); rc = 0; break;
    case M_SYNC: rc = net_round(&cfg, 1, 1) ? 1 : 0; break;
    case M_ROUND: rc = net_round(&cfg, strcmp(round, "sync") == 0, 0); break;
    case M_RESET: rc = reset_floor(&cfg); break;
    case M_RUN: rc = run_door(&cfg, config); break;
    default: rc = EXIT_USAGE; break;   /* not reached: every mode is above */
    }
    door_cfg_wipe(&cfg);
    return rc;
}
