/* door_run.c: the reader loop, the watchdog, and the wiring of the door's
 * threads (see door_run.h). */
#include "access/door/door_run.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "access/door/door_io.h"
#include "access/door/door_lock.h"
#include "access/door/door_store.h"
#include "access/door/door_sync.h"
#include "access/door/door_seal.h"
#include "access/card/card.h"
#include "access/nfc/nfc_cred.h"
#include "access/nfc/nfc_desfire.h"
#include "access/nfc/nfc_dfwrite.h"
#include "access/nfc/nfc_rdr.h"
#include "access/nfc/nfc_tag.h"
#include "core/clock.h"
#include "core/log.h"

#define COMPONENT "door"
#define REOPEN_MAX_MS 30000

struct door_run {
    const struct door_cfg *cfg;
    struct door_run_opts opts;
    door_store_t *st, *st_io, *st_wd;  /* reader, io and watchdog threads */
    door_lock_t *lock;
    door_io_t *io;
    door_sync_t *sync;
    nfc_rdr_t *rdr;

    /* the reader thread's view of the state */
    struct tok_door_settings policy;
    char issuer[TOK_TEXT_MAX + 1];
    struct tok_trust_key keys[TOK_BUNDLE_KEYS_MAX];
    size_t n_keys;
    struct {                            /* instrument mode: the booking the relay powers (reader thread) */
        int on;
        int64_t reservation, person, until;   /* until: the pass's exp, door clock */
        uint8_t cti[TOK_CTI_LEN];
    } sess;
    uint8_t seal[DOOR_SEAL_KEY];        /* the door's seal key (door_seal.h) */
    int have_seal;
    size_t n_card_keys;                 /* the site's card read masters the server sent, newest first */
    int64_t card_gen[DOOR_CARD_GENS_MAX];
    uint8_t card_key[DOOR_CARD_GENS_MAX][DOOR_CARD_KEY];
    int64_t floor;
    int64_t stale_base;                /* door clock of the last verified sync, or of the
                                          first start while there was none */
    int stale_alarmed;                 /* the sync_stale latch, as in the state file */
    unsigned seen_gen;
    _Atomic unsigned gen;              /* bumped by the sync thread */

    /* reader health */
    int errors;
    int64_t down_since_ms, retry_at_ms, retry_ms;
    int offline_alarmed;

    _Atomic int stop;
    _Atomic int64_t beat_ms;           /* 0 while the loop is not running */
    pthread_t wd;
    pthread_mutex_t wd_mu;
    pthread_cond_t wd_cv;
    int wd_started, wd_stop;

    pthread_mutex_t stats_mu;
    struct door_run_stats stats;
};

static int64_t mono_ms(void)
{
    return clk_mono_us() / 1000;
}

static void stat_add(door_run_t *r, unsigned *field)
{
    pthread_mutex_lock(&r->stats_mu);
    (*field)++;
    pthread_mutex_unlock(&r->stats_mu);
}

/* ---- the view: policy, keys, floor ---- */

#define STALE_FLAG "f:sync_stale"
#define FIRST_START_FLAG "f:first_start"

/* Where staleness counts from: the last verified sync, else the door's first
 * start (recorded once), so a new door has the bound to make its first sync. */
static int stale_load(door_run_t *r)
{
    struct door_status ds;
    int64_t first = 0, latch = 0;
    int rc = door_store_status(r->st, &ds);
    if (rc == 0 && ds.last_sync == 0) rc = door_store_flag(r->st, FIRST_START_FLAG, &first);
    if (rc == 0 && ds.last_sync == 0 && first == 0) rc = door_store_set_flag(r->st, FIRST_START_FLAG, first = clk_now());
    if (rc == 0) rc = door_store_flag(r->st, STALE_FLAG, &latch);
    if (rc != 0) return rc;
    r->stale_base = ds.last_sync ? ds.last_sync : first;
    r->stale_alarmed = latch != 0;
    if (r->cfg->url[0] && r->policy.sync_interval >= r->cfg->stale_after)
        log_warn(COMPONENT, "sync_interval %lld s is not below stale_after %lld s: the door will count as stale "
                 "between syncs", (long long)r->policy.sync_interval, (long long)r->cfg->stale_after);
    return 0;
}

/* A door with a server whose last verified sync is older than stale_after. */
static int is_stale(const door_run_t *r, int64_t now)
{
    return r->cfg->url[0] && now - r->stale_base > r->cfg->stale_after;
}

/* The card read masters kept in the state file, opened with the seal key. */
static int load_card_keys(door_run_t *r)
{
    struct door_sealed_key k[DOOR_CARD_GENS_MAX];
    size_t n = 0, m = 0;
    if (!r->have_seal) return 0;
    int rc = door_store_card_keys(r->st, k, DOOR_CARD_GENS_MAX, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (door_unseal_card_key(r->seal, k[i].sealed, sizeof k[i].sealed, r->card_key[m]) != 0) {
            log_error(COMPONENT, "card read key of generation %lld does not open with the seal key", (long long)k[i].gen);
            continue;
        }
        r->card_gen[m++] = k[i].gen;
    }
    if (rc == 0 && (m != r->n_card_keys || (m && r->card_gen[0] != k[0].gen)))
        log_info(COMPONENT, "card read keys in use: %zu generation%s", m, m == 1 ? "" : "s");
    if (rc == 0) r->n_card_keys = m;
    return rc;
}

int door_run_reload(door_run_t *r)
{
    if (!r) return LP_ERR_INVALID;
    struct tok_door_settings p;
    char iss[TOK_TEXT_MAX + 1] = "";
    int found = 0;
    int64_t floor = 0;
    size_t n = 0;
    unsigned gen = atomic_load(&r->gen);
    int rc = door_store_settings(r->st, &p, iss, &found);
    if (rc == 0) rc = door_store_trust(r->st, 0, r->keys, TOK_BUNDLE_KEYS_MAX, &n);
    if (rc == 0) rc = door_store_floor(r->st, &floor);
    if (rc == 0) rc = load_card_keys(r);
    if (rc != 0) return rc;
    found = found && door_policy_check(&p) == 0;
    r->policy = found ? p : r->cfg->policy;
    snprintf(r->issuer, sizeof r->issuer, "%s", found && iss[0] ? iss : r->cfg->site);
    r->n_keys = n;
    r->floor = floor;
    r->seen_gen = gen;
    if (r->io) door_io_set_pulse(r->io, r->policy.pulse_ms);
    return stale_load(r);
}

static void reload_if_changed(door_run_t *r)
{
    if (atomic_load(&r->gen) != r->seen_gen && door_run_reload(r) != 0)
        log_error(COMPONENT, "cannot reload the door state; keeping the previous one");
}

static int store_denied(void *ctx, const uint8_t cti[TOK_CTI_LEN], int *denied)
{
    return door_store_denied(ctx, cti, denied);
}

/* Keys usable at now (not past their not_after). */
static size_t live_keys(const door_run_t *r, int64_t now, struct tok_key *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_keys; i++)
        if (r->keys[i].not_after == 0 || now < r->keys[i].not_after) out[n++] = r->keys[i].key;
    return n;
}

/* ---- one decision ---- */

static int stale_tick(door_run_t *r, int64_t now);

static void log_decision(const struct door_decision *d, enum door_medium m)
{
    const char *medium = m == DOOR_MEDIUM_CREDENTIAL ? "credential" : m == DOOR_MEDIUM_CARD ? "card" : "tag";
    if (d->verified)
        log_info(COMPONENT, "%s tap: %s (person %s)", medium, door_reason_name(d->reason), d->claims.sub);
    else
        log_info(COMPONENT, "%s tap: %s", medium, door_reason_name(d->reason));
}

/* ---- instrument mode ----
 * The relay powers an instrument for a booking: a granted tap switches it
 * on until the pass's exp (the booking's end plus the grace the server
 * gives); the same booking's pass again switches it off, recorded as an exit
 * (the server checks the booking out: its real end); another booking's pass
 * ends the current session and starts its own; reaching exp ends it too. */

static int instrument(const door_run_t *r) { return r->cfg->mode == DOOR_MODE_INSTRUMENT; }

/* A tap that ends the session under way: the same booking, or without a booking the same pass. */
static int ends_session(const door_run_t *r, const struct door_decision *d)
{
    if (!instrument(r) || !r->sess.on || !d->granted || !d->verified) return 0;
    if (d->claims.has_reservation && r->sess.reservation) return d->claims.reservation == r->sess.reservation;
    return sodium_memcmp(d->claims.cti, r->sess.cti, TOK_CTI_LEN) == 0;
}

/* Records the end of the session at t with reason (an exit event) and switches off. */
static void session_end(door_run_t *r, int64_t t, const char *reason)
{
    struct door_event ev = { .time = t, .kind = DOOR_EV_EXIT, .has_cti = 1, .reservation_id = r->sess.reservation,
                             .person_id = r->sess.person };
    snprintf(ev.reason, sizeof ev.reason, "%s", reason);
    memcpy(ev.cti, r->sess.cti, TOK_CTI_LEN);
    door_io_lock_now(r->io);
    r->sess.on = 0;
    if (door_store_append(r->st, &ev, 0, r->cfg->queue_max, NULL) != 0) log_error(COMPONENT, "the session end could not be recorded");
    log_info(COMPONENT, "instrument off (%s), reservation %lld", reason, (long long)ev.reservation_id);
    door_sync_kick(r->sync);
}

static void session_start(door_run_t *r, const struct door_decision *d, int64_t now)
{
    if (r->sess.on) session_end(r, now, "session_replaced");
    int64_t until = d->claims.exp;
    if (until <= now || door_io_grant(r->io, (until - now) * 1000) != 0) {
        log_error(COMPONENT, "the instrument relay did not switch on");
        return;
    }
    r->sess.on = 1;
    r->sess.until = until;
    r->sess.reservation = d->claims.has_reservation ? d->claims.reservation : 0;
    r->sess.person = 0;
    memcpy(r->sess.cti, d->claims.cti, TOK_CTI_LEN);
    char *end = NULL;
    long long sub = strtoll(d->claims.sub, &end, 10);
    if (end && !*end && sub > 0) r->sess.person = sub;
    log_info(COMPONENT, "instrument on until %lld, reservation %lld", (long long)until, (long long)r->sess.reservation);
}

/* Each loop round: a session past its pass's exp ends. */
static void session_tick(door_run_t *r, int64_t now)
{
    if (instrument(r) && r->sess.on && now >= r->sess.until) session_end(r, r->sess.until, "session_timeout");
}

/* The decision alone: nothing recorded, no lock, no stale alarm. */
static int decide_at(door_run_t *r, const struct door_tap *t, int64_t now, int stale, struct door_decision *d)
{
    struct tok_key keys[TOK_BUNDLE_KEYS_MAX];
    struct door_view v = { .policy = &r->policy, .issuer = r->issuer, .keys = keys, .n_keys = live_keys(r, now, keys),
                           .time_floor = r->floor, .denied = store_denied, .deny_ctx = r->st,
                           .staff_only = stale && r->cfg->stale_mode == DOOR_STALE_STAFF_ONLY };
    return door_decide(&v, t, now, d);
}

static int present_at(door_run_t *r, const struct door_tap *t, int64_t now, struct door_decision *d)
{
    int rc = decide_at(r, t, now, stale_tick(r, now), d);
    struct door_event ev;
    door_decision_event(d, now, &ev);
    int ending = ends_session(r, d);
    if (ending) {   /* the same booking again: an exit, not a second admission */
        ev.kind = DOOR_EV_EXIT;
        snprintf(ev.reason, sizeof ev.reason, "session_end");
    }
    if (door_store_append(r->st, &ev, d->floor, r->cfg->queue_max, NULL) != 0) {
        stat_add(r, &r->stats.record_failures);
        log_error(COMPONENT, "the event could not be recorded: the door stays shut");
        d->granted = 0;
        d->reason = DOOR_INTERNAL_ERROR;
    } else if (d->floor > r->floor) {
        r->floor = d->floor;
    }
    log_decision(d, t->medium);
    stat_add(r, &r->stats.taps);
    stat_add(r, d->granted ? &r->stats.granted : &r->stats.denied);
    if (d->granted && ending) {
        door_io_lock_now(r->io);
        r->sess.on = 0;
        log_info(COMPONENT, "instrument off (session_end), reservation %lld", (long long)ev.reservation_id);
    } else if (d->granted && instrument(r)) {
        session_start(r, d, now);
    } else if (d->granted && door_io_grant(r->io, r->policy.pulse_ms) != 0) {
        log_error(COMPONENT, "the lock did not open");
    }
    door_sync_kick(r->sync);
    return rc;
}

int door_run_present(door_run_t *r, const struct door_tap *t, struct door_decision *out)
{
    if (!r || !t || !out) return LP_ERR_INVALID;
    reload_if_changed(r);
    return present_at(r, t, clk_now(), out);
}

int door_run_challenge(door_run_t *r, struct tok_challenge *ch)
{
    if (!r || !ch) return LP_ERR_INVALID;
    reload_if_changed(r);
    return tok_challenge_make(r->policy.name, clk_now(), ch);
}

/* ---- reader health ---- */

static void raise_alarm(door_run_t *r, door_store_t *st, const char *name)
{
    struct door_event ev = { .time = clk_now(), .kind = DOOR_EV_ALARM };
    snprintf(ev.alarm, sizeof ev.alarm, "%s", name);
    log_error(COMPONENT, "alarm %s", name);
    if (door_store_append(st, &ev, 0, r->cfg->queue_max, NULL) != 0)
        log_error(COMPONENT, "could not record alarm %s", name);
    door_sync_kick(r->sync);
}

/* Staleness at now: raises the alarm sync_stale once when the door turns
 * stale (latched in the state file, so a restart does not repeat it) and
 * clears the latch once a verified sync made it fresh again. Returns 1 while
 * stale. Reader thread only. */
static int stale_tick(door_run_t *r, int64_t now)
{
    int stale = is_stale(r, now);
    if (stale == r->stale_alarmed) return stale;
    if (stale) raise_alarm(r, r->st, "sync_stale");
    else log_info(COMPONENT, "verified sync again: the door is no longer stale");
    r->stale_alarmed = stale;
    if (door_store_set_flag(r->st, STALE_FLAG, stale) != 0) log_error(COMPONENT, "could not record the sync_stale latch");
    return stale;
}

static void offline_alarm(door_run_t *r)
{
    if (r->down_since_ms && !r->offline_alarmed &&
        mono_ms() - r->down_since_ms >= (int64_t)r->cfg->offline_alarm_s * 1000) {
        r->offline_alarmed = 1;
        raise_alarm(r, r->st, "reader_offline");
    }
}

/* The reader failed to open: retry later, backing off. */
static void reader_down(door_run_t *r)
{
    int64_t now = mono_ms();
    if (!r->down_since_ms) {
        r->down_since_ms = now;
        r->retry_ms = 1000;
    } else {
        r->retry_ms = r->retry_ms * 2 > REOPEN_MAX_MS ? REOPEN_MAX_MS : r->retry_ms * 2;
    }
    r->retry_at_ms = now + r->retry_ms;
    offline_alarm(r);
}

static void reader_up(door_run_t *r)
{
    if (r->down_since_ms) log_info(COMPONENT, "reader %s is back", r->cfg->connstring);
    r->down_since_ms = 0;
    r->offline_alarmed = 0;
    r->errors = 0;
    pthread_mutex_lock(&r->stats_mu);
    r->stats.reader_up = 1;
    pthread_mutex_unlock(&r->stats_mu);
}

/* Opens or reopens the reader when it is due; 1 when usable. */
static int ensure_reader(door_run_t *r)
{
    if (r->rdr && !r->down_since_ms) return 1;
    offline_alarm(r);
    if (r->down_since_ms && mono_ms() < r->retry_at_ms) return 0;
    int rc;
    if (!r->rdr) {
        rc = nfc_rdr_open(r->cfg->connstring, &r->cfg->rdr, &r->rdr);
    } else {
        rc = nfc_rdr_reopen(r->rdr);
        stat_add(r, &r->stats.reopens);
    }
    if (rc == 0) {
        reader_up(r);
        return 1;
    }
    log_warn(COMPONENT, "reader %s unavailable: %s", r->cfg->connstring, lp_err_name(rc));
    pthread_mutex_lock(&r->stats_mu);
    r->stats.reader_up = 0;
    pthread_mutex_unlock(&r->stats_mu);
    reader_down(r);
    return 0;
}

/* A reader error: after reopen_after in a row the reader is reopened. */
static void reader_error(door_run_t *r, int rc)
{
    stat_add(r, &r->stats.reader_errors);
    log_debug(COMPONENT, "reader error: %s", lp_err_name(rc));
    if (++r->errors < r->cfg->reopen_after) return;
    log_warn(COMPONENT, "%d reader errors in a row: reopening %s", r->errors, r->cfg->connstring);
    r->errors = 0;
    stat_add(r, &r->stats.reopens);
    if (nfc_rdr_reopen(r->rdr) != 0) reader_down(r);
}

/* ---- one card ---- */

/* What a read error means: 1 = refuse as malformed, 0 = ignore (foreign
 * medium), -1 = reader or RF trouble (decide nothing). */
static int read_outcome(int rc)
{
    static const struct { int rc, outcome; } map[] = {
        { LP_ERR_NOTFOUND, 0 }, { LP_ERR_INVALID, 1 }, { LP_ERR_TOOBIG, 1 }, { LP_ERR_STATE, 1 },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].rc == rc) return map[i].outcome;
    return -1;
}

static void after_read(door_run_t *r, int rc, struct door_tap *t, int64_t now)
{
    struct door_decision d;
    int outcome = rc == 0 ? 2 : read_outcome(rc);
    if (outcome == 0) {
        stat_add(r, &r->stats.ignored);
        log_debug(COMPONENT, "not a labpass medium");
        return;
    }
    if (outcome < 0) {
        reader_error(r, rc);
        return;
    }
    r->errors = 0;
    if (outcome == 1) {
        t->pass = NULL;
        t->pass_len = 0;
        t->proof = NULL;
    }
    if (present_at(r, t, now, &d) != 0) log_error(COMPONENT, "decision failed");
}

static void tap_credential(door_run_t *r)
{
    static nfc_cred_result_t res;           /* reader thread only */
    struct tok_challenge ch;
    uint8_t chb[TOK_CHALLENGE_MAX];
    size_t clen = 0;
    int64_t now = clk_now();
    int rc = tok_challenge_make(r->policy.name, now, &ch);
    if (rc == 0) rc = tok_challenge_encode(&ch, chb, &clen);
    if (rc != 0) {
        log_error(COMPONENT, "cannot build a challenge for door name %s", r->policy.name);
        return;
    }
    rc = nfc_cred_read(r->rdr, chb, clen, &res);
    struct door_tap t = { DOOR_MEDIUM_CREDENTIAL, res.pass, res.pass_len, &ch, res.sig, NULL };
    after_read(r, rc, &t, now);
    sodium_memzero(&res, sizeof res);
}

static void tap_tag(door_run_t *r)
{
    uint8_t pass[CRED_PASS_MAX];
    size_t len = 0;
    int rc = nfc_tag_read_pass(r->rdr, pass, sizeof pass, &len);
    struct door_tap t = { DOOR_MEDIUM_TAG, pass, len, NULL, NULL, NULL };
    after_read(r, rc, &t, clk_now());
}

/* A DESFire card (access protocol 18.5): the read key diversified for its
 * UID and the site, the pass file over the enciphered channel, the card id
 * for the binding. A card that fails authentication is refused. */
/* The read masters to try on a card, newest generation first, then the one
 * of read_key_file. */
static size_t card_masters(const door_run_t *r, const uint8_t *out[DOOR_CARD_GENS_MAX + 1])
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_card_keys; i++) out[n++] = r->card_key[i];
    if (r->cfg->has_card_key) out[n++] = r->cfg->card_read_key;
    return n;
}

/* Authenticates and reads with each master in turn until one is the card's. */
static int read_with_masters(door_run_t *r, const nfc_card_t *card, nfc_df_result_t *res)
{
    const uint8_t *m[DOOR_CARD_GENS_MAX + 1];
    int rc = LP_ERR_UNAUTH;
    for (int round = 0; round < 2 && rc == LP_ERR_UNAUTH; round++) {
        /* None fits: the keys of a sync that has just landed may not be loaded yet. */
        int64_t before = r->n_card_keys ? r->card_gen[0] : 0;
        size_t had = r->n_card_keys;
        if (round == 1 && (load_card_keys(r) != 0 || (r->n_card_keys == had && (!had || r->card_gen[0] == before))))
            break;
        size_t n = card_masters(r, m);
        for (size_t i = 0; i < n && rc == LP_ERR_UNAUTH; i++) {
            uint8_t key[DFC_KEY];
            rc = card_key_derive(m[i], card->uid, r->issuer, key);
            if (rc == 0) rc = nfc_df_read(r->rdr, key, res);
            sodium_memzero(key, sizeof key);
        }
    }
    return rc;
}

/* ---- update on card (access protocol 18.10) ---- */

/* The write master of generation gen, from the state file. */
static int write_master(door_run_t *r, int64_t gen, uint8_t out[DOOR_CARD_KEY])
{
    struct door_sealed_key k[DOOR_CARD_GENS_MAX];
    size_t n = 0;
    int rc = door_store_write_keys(r->st, k, DOOR_CARD_GENS_MAX, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (k[i].gen == gen)
            return door_unseal_card_key(r->seal, k[i].sealed, sizeof k[i].sealed, out) == 0 ? 0 : LP_ERR_CRYPTO;
    return rc ? rc : LP_ERR_NOTFOUND;
}

/* What a tap shows when the door holds a pass for this card other than the
 * one it carries: *use the pass to decide with (the fresh one when it
 * admits, else the card's), *write whether the fresh one should go onto the
 * card (it verifies and was issued after the card's, or the card's does not
 * verify). Pure: nothing is recorded. */
struct fresh_choice { int use_fresh, write; };

static struct fresh_choice choose_pass(door_run_t *r, const struct door_tap *card_tap, const uint8_t *fresh,
                                       size_t flen, int64_t now)
{
    struct fresh_choice c = { 0, 0 };
    struct door_tap ft = *card_tap;
    struct door_decision dc, df;
    int stale = is_stale(r, now);
    ft.pass = fresh;
    ft.pass_len = flen;
    if (decide_at(r, card_tap, now, stale, &dc) != 0 || decide_at(r, &ft, now, stale, &df) != 0) return c;
    c.use_fresh = df.granted || (!dc.verified && df.verified && !dc.granted);
    c.write = df.verified && (!dc.verified || df.claims.iat > dc.claims.iat);
    return c;
}

/* Writes pass onto the card on the reader with its write key (the
 * generation its key 2 reports), committed or not at all: a card taken away
 * before CommitTransaction keeps the pass it had. */
static void update_card(door_run_t *r, const nfc_card_t *card, const uint8_t *pass, size_t len)
{
    uint8_t ver = 0, master[DOOR_CARD_KEY], key[DFC_KEY];
    static uint8_t file[CARD_FILE_SIZE];    /* reader thread only */
    int rc = nfc_dfw_key_version_rdr(r->rdr, 2, &ver);
    if (rc == 0) rc = write_master(r, ver, master);
    if (rc == 0) rc = card_key_derive(master, card->uid, r->issuer, key);
    if (rc == 0) rc = card_file_encode(pass, len, file);
    if (rc == 0) rc = nfc_dfw_write_rdr(r->rdr, key, file);
    sodium_memzero(master, sizeof master);
    sodium_memzero(key, sizeof key);
    if (rc == 0) {
        stat_add(r, &r->stats.card_updates);
        log_info(COMPONENT, "card updated with its fresh pass (%zu bytes, key generation %u)", len, ver);
    } else {
        stat_add(r, &r->stats.card_update_failures);
        log_warn(COMPONENT, "card not updated (%s): it keeps the pass it had; the next tap tries again",
                 lp_err_name(rc));
    }
}

static void tap_desfire(door_run_t *r, const nfc_card_t *card)
{
    static nfc_df_result_t res;             /* reader thread only */
    uint8_t id[CARD_ID_LEN];
    const uint8_t *pass = NULL;
    const uint8_t *m[DOOR_CARD_GENS_MAX + 1];
    size_t len = 0;
    if (card_masters(r, m) == 0 && load_card_keys(r) != 0)   /* none yet: a sync may have just brought them */
        log_error(COMPONENT, "cannot read the card keys of the state file");
    if (card_masters(r, m) == 0 || !r->issuer[0]) {
        stat_add(r, &r->stats.ignored);
        log_debug(COMPONENT, "DESFire card: no card key or site code, ignored");
        return;
    }
    int64_t now = clk_now();
    int rc = read_with_masters(r, card, &res);
    card_id(card->uid, id);
    struct door_tap t = { .medium = DOOR_MEDIUM_CARD, .card_id = id };
    if (rc == LP_ERR_UNAUTH) {
        struct door_decision d;
        r->errors = 0;
        t.card_id = NULL;
        if (present_at(r, &t, now, &d) != 0) log_error(COMPONENT, "decision failed");
    } else {
        static uint8_t fresh[TOK_PASS_MAX];    /* reader thread only */
        size_t flen = 0;
        struct fresh_choice c = { 0, 0 };
        if (rc == LP_ERR_CRYPTO) rc = LP_ERR_INVALID;
        int frc = rc == 0 ? card_file_decode(res.file, sizeof res.file, &pass, &len) : 0;
        t.pass = frc == 0 ? pass : NULL;
        t.pass_len = frc == 0 ? len : 0;
        /* The pass the server says this card should carry, when it is another. */
        if (rc == 0 && (frc == 0 || frc == LP_ERR_NOTFOUND) &&
            door_store_card_pass(r->st, id, fresh, sizeof fresh, &flen) == 0 &&
            !(flen == t.pass_len && t.pass && memcmp(fresh, t.pass, flen) == 0))
            c = choose_pass(r, &t, fresh, flen, now);
        if (rc == 0 && frc != 0 && !c.use_fresh) rc = LP_ERR_INVALID;   /* no pass, or a bad file */
        if (c.use_fresh) {
            t.pass = fresh;
            t.pass_len = flen;
        }
        after_read(r, rc, &t, now);
        if (c.write && r->cfg->card_update && r->have_seal) update_card(r, card, fresh, flen);
    }
    sodium_memzero(&res, sizeof res);
}

static void finish_card(door_run_t *r)
{
    atomic_store(&r->beat_ms, mono_ms());
    int rc = nfc_rdr_wait_removal(r->rdr, r->cfg->removal_ms);
    if (rc == LP_ERR_TIMEOUT) log_debug(COMPONENT, "card left on the reader");
    else if (rc != 0) reader_error(r, rc);
    (void)nfc_rdr_release(r->rdr);
}

static void one_round(door_run_t *r)
{
    nfc_card_t card;
    int rc = nfc_rdr_poll(r->rdr, r->cfg->poll_ms, &card);
    atomic_store(&r->beat_ms, mono_ms());
    if (rc == LP_ERR_TIMEOUT) {
        r->errors = 0;
        return;
    }
    if (rc != 0) {
        reader_error(r, rc);
        return;
    }
    reload_if_changed(r);
    if (card.kind == NFC_CARD_ISODEP && nfc_df_is_desfire(&card)) tap_desfire(r, &card);
    else if (card.kind == NFC_CARD_ISODEP) tap_credential(r);
    else if (card.kind == NFC_CARD_T2) tap_tag(r);
    else stat_add(r, &r->stats.ignored);
    finish_card(r);
}

static void nap(door_run_t *r, int ms)
{
    for (int i = 0; i < ms && !atomic_load(&r->stop); i += 50) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
        atomic_store(&r->beat_ms, mono_ms());
    }
}

int door_run_loop(door_run_t *r)
{
    if (!r) return LP_ERR_INVALID;
    atomic_store(&r->beat_ms, mono_ms());
    while (!atomic_load(&r->stop)) {
        atomic_store(&r->beat_ms, mono_ms());
        reload_if_changed(r);
        (void)stale_tick(r, clk_now());
        session_tick(r, clk_now());
        if (!ensure_reader(r)) {
            nap(r, 200);
            continue;
        }
        one_round(r);
    }
    atomic_store(&r->beat_ms, 0);
    return 0;
}

void door_run_stop(door_run_t *r)
{
    if (r) atomic_store(&r->stop, 1);
}

/* ---- watchdog ---- */

static void *wd_main(void *p)
{
    door_run_t *r = p;
    int fired = 0;
    pthread_mutex_lock(&r->wd_mu);
    while (!r->wd_stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&r->wd_cv, &r->wd_mu, &until);
        int64_t beat = atomic_load(&r->beat_ms);
        if (r->wd_stop || fired || beat == 0) continue;
        if (mono_ms() - beat <= r->cfg->hang_ms) {
            if (r->opts.on_alive) r->opts.on_alive(r->opts.hang_ctx);
            continue;
        }
        fired = 1;
        pthread_mutex_unlock(&r->wd_mu);
        log_error(COMPONENT, "reader loop silent for over %d ms", r->cfg->hang_ms);
        raise_alarm(r, r->st_wd, "reader_hang");
        door_io_lock_now(r->io);
        if (r->opts.on_hang) r->opts.on_hang(r->opts.hang_ctx);
        pthread_mutex_lock(&r->wd_mu);
    }
    pthread_mutex_unlock(&r->wd_mu);
    return NULL;
}

/* ---- wiring ---- */

static void on_io_event(void *ctx, const struct door_event *ev)
{
    door_run_t *r = ctx;
    if (door_store_append(r->st_io, ev, 0, r->cfg->queue_max, NULL) != 0)
        log_error(COMPONENT, "could not record a %s event", door_ev_kind_name(ev->kind));
    door_sync_kick(r->sync);
}

static void on_synced(void *ctx)
{
    door_run_t *r = ctx;
    atomic_fetch_add(&r->gen, 1);
}

static int start_threads(door_run_t *r)
{
    int rc = door_io_start(r->lock, &r->cfg->in, r->policy.pulse_ms, on_io_event, r, &r->io);
    struct door_sync_opts so = { r->opts.helper_exe, r->opts.config_path };
    if (rc == 0 && r->cfg->url[0] && !r->opts.no_sync) rc = door_sync_start(r->cfg, &so, on_synced, r, &r->sync);
    if (rc != 0) return rc;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wd_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&r->wd, NULL, wd_main, r) != 0) return LP_ERR_INTERNAL;
    r->wd_started = 1;
    return 0;
}

/* The seal key, made on the first start; without it the door reads cards
 * only with a configured read_key_file. */
static int open_seal(door_run_t *r)
{
    char path[DOOR_PATH_MAX + 8];
    door_seal_path(r->cfg, path, sizeof path);
    int rc = door_seal_load(path, 1, r->seal);
    if (rc == LP_ERR_FORBIDDEN) {
        log_error(COMPONENT, "%s: the seal key file must not be readable by others (mode 0600)", path);
        return LP_ERR_INVALID;
    }
    if (rc != 0) log_warn(COMPONENT, "%s: no seal key (%s); card read keys from the server are not kept", path,
                          lp_err_name(rc));
    r->have_seal = rc == 0;
    return 0;
}

int door_run_create(const struct door_cfg *cfg, const struct door_run_opts *opts, door_run_t **out)
{
    if (!cfg || !out) return LP_ERR_INVALID;
    *out = NULL;
    door_run_t *r = calloc(1, sizeof *r);
    if (!r) return LP_ERR_NOMEM;
    r->cfg = cfg;
    if (opts) r->opts = *opts;
    pthread_mutex_init(&r->stats_mu, NULL);
    pthread_mutex_init(&r->wd_mu, NULL);
    int changed = 0;
    int rc = door_store_open(cfg->state_db, &r->st);
    if (rc == 0) rc = door_store_open(cfg->state_db, &r->st_io);
    if (rc == 0) rc = door_store_open(cfg->state_db, &r->st_wd);
    if (rc == 0) rc = open_seal(r);
    if (rc == 0) rc = door_store_provision(r->st, cfg->site_keys, cfg->n_site_keys, &changed);
    if (rc == 0 && changed) log_warn(COMPONENT, "trust list provisioned from the config (%zu keys)", cfg->n_site_keys);
    if (rc == 0) rc = door_run_reload(r);
    if (rc == 0) rc = door_lock_open(&cfg->lock, &cfg->in, &r->lock);
    if (rc == 0) rc = start_threads(r);
    if (rc != 0) {
        door_run_destroy(r);
        return rc;
    }
    log_info(COMPONENT, "door %lld (%s) ready: %zu trusted keys, lock %s", (long long)cfg->door_id,
             r->policy.name, r->n_keys, door_lock_backend_name(r->lock));
    *out = r;
    return 0;
}

void door_run_destroy(door_run_t *r)
{
    if (!r) return;
    sodium_memzero(r->seal, sizeof r->seal);
    sodium_memzero(r->card_key, sizeof r->card_key);
    if (r->wd_started) {
        pthread_mutex_lock(&r->wd_mu);
        r->wd_stop = 1;
        pthread_cond_signal(&r->wd_cv);
        pthread_mutex_unlock(&r->wd_mu);
        pthread_join(r->wd, NULL);
        pthread_cond_destroy(&r->wd_cv);
    }
    door_sync_stop(r->sync);
    door_io_stop(r->io);
    door_lock_close(r->lock);
    nfc_rdr_close(r->rdr);
    door_store_close(r->st_wd);
    door_store_close(r->st_io);
    door_store_close(r->st);
    pthread_mutex_destroy(&r->wd_mu);
    pthread_mutex_destroy(&r->stats_mu);
    free(r);
}

void door_run_stats(door_run_t *r, struct door_run_stats *out)
{
    pthread_mutex_lock(&r->stats_mu);
    *out = r->stats;
    pthread_mutex_unlock(&r->stats_mu);
}
