/* door_sync.c: sync bundle, event upload, trust bootstrap and the network
 * thread (see door_sync.h). */
#include "access/door/door_sync.h"
#include "access/door/door_seal.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <sodium.h>
#include "access/door/door_json.h"
#include "core/clock.h"
#include "core/log.h"

#define COMPONENT "door-sync"

/* ---- checking a bundle ---- */

static int has_live_key(const struct tok_bundle *b)
{
    for (size_t i = 0; i < b->n_keys; i++)
        if (b->keys[i].not_after == 0 || b->keys[i].not_after > b->now) return 1;
    return 0;
}

static int check_fields(const struct tok_bundle *b, const struct door_sync_req *req)
{
    if (b->door_id != req->door_id || b->since != req->since) return LP_ERR_INVALID;
    if (req->nonce_len && (b->nonce_len != req->nonce_len || sodium_memcmp(b->nonce, req->nonce, req->nonce_len) != 0))
        return LP_ERR_INVALID;
    if (!has_live_key(b)) return LP_ERR_INVALID;
    if (b->now < req->floor && !door_bundle_corrects(b, req)) return LP_ERR_STATE;
    return 0;
}

int door_bundle_corrects(const struct tok_bundle *b, const struct door_sync_req *req)
{
    return b->floor_from != 0 && req->nonce_len != 0 && b->nonce_len == req->nonce_len &&
           sodium_memcmp(b->nonce, req->nonce, req->nonce_len) == 0 && b->floor_from == req->floor &&
           b->now < req->floor;
}

int64_t door_bundle_floor(const struct tok_bundle *b, const struct door_sync_req *req, int64_t door_now,
                          int64_t step, int *lower, int *capped)
{
    *lower = *capped = 0;
    if (door_bundle_corrects(b, req)) { *lower = 1; return b->now; }
    /* From the door's own clock while it is within a step of the floor (so
     * syncs in a row cannot ratchet the floor up a step each); from the
     * floor when the clock is further behind (a clock that lost its time). */
    int64_t base = door_now >= req->floor - step ? door_now : req->floor;
    if (req->floor > 0 && b->now > base + step) { *capped = 1; return base + step; }
    return b->now;
}

int door_bundle_check(const uint8_t *msg, size_t len, const struct tok_key *keys, size_t n,
                      const struct door_sync_req *req, struct tok_bundle *out)
{
    if (!out) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!msg || !req || (n && !keys) || req->nonce_len > TOK_NONCE_MAX) return LP_ERR_INVALID;
    const uint8_t *payload = NULL;
    size_t plen = 0;
    enum tok_reason why = TOK_OK;
    int rc = tok_sign1_open(msg, len, keys, n, &payload, &plen, &why);
    if (rc == LP_ERR_TOOBIG) rc = LP_ERR_INVALID;
    if (rc != 0) return rc;
    rc = tok_bundle_decode(payload, plen, out);
    if (rc != 0) return rc == LP_ERR_NOMEM ? rc : LP_ERR_INVALID;
    rc = check_fields(out, req);
    if (rc != 0) tok_bundle_clear(out);
    return rc;
}

/* ---- one sync ---- */

static int http_err(long status)
{
    static const struct { long status; int err; } map[] = {
        { 400, LP_ERR_INVALID }, { 401, LP_ERR_UNAUTH }, { 403, LP_ERR_FORBIDDEN },
        { 404, LP_ERR_NOTFOUND }, { 413, LP_ERR_TOOBIG }, { 429, LP_ERR_THROTTLED }, { 503, LP_ERR_BUSY },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].status == status) return map[i].err;
    return LP_ERR_IO;
}

/* The live trust list as plain keys; *n = 0 when empty. */
static int live_keys(door_store_t *st, int64_t now, struct tok_key *keys, size_t *n)
{
    struct tok_trust_key tk[TOK_BUNDLE_KEYS_MAX];
    size_t nk = 0;
    int rc = door_store_trust(st, now, tk, TOK_BUNDLE_KEYS_MAX, &nk);
    for (size_t i = 0; rc == 0 && i < nk; i++) keys[i] = tk[i].key;
    *n = rc == 0 ? nk : 0;
    return rc;
}

static int fetch_bundle(door_net_t *net, const struct door_sync_req *req, struct door_http *resp)
{
    char nonce_hex[2 * TOK_NONCE_MAX + 1], path[320];
    sodium_bin2hex(nonce_hex, sizeof nonce_hex, req->nonce, req->nonce_len);
    char box_hex[2 * 32 + 1] = "", cp_hex[2 * TOK_CARD_PASSES_DIGEST + 1] = "";
    if (req->has_box) sodium_bin2hex(box_hex, sizeof box_hex, req->box, 32);
    if (req->has_cp) sodium_bin2hex(cp_hex, sizeof cp_hex, req->cp, sizeof req->cp);
    snprintf(path, sizeof path, "/api/v1/doors/%lld/sync?since=%lld&nonce=%s&floor=%lld%s%s%s%s%s",
             (long long)req->door_id, (long long)req->since, nonce_hex, (long long)req->floor,
             req->has_box ? "&box=" : "", box_hex, req->has_cp ? "&cp=" : "", cp_hex, req->wk ? "&wk=1" : "");
    int rc = door_net_request(net, "GET", path, NULL, 0, TOK_SIGN1_MAX, resp);
    if (rc == 0 && resp->status != 200) {
        log_warn(COMPONENT, "sync answered HTTP %ld", resp->status);
        rc = http_err(resp->status);
    }
    return rc;
}

static void record_alarm(door_store_t *st, const struct door_cfg *cfg, const char *name);

#define JUMP_ALARM_FLAG "f:clock_jump"

/* After a bundle is applied: a correction is recorded as the alarm
 * floor_corrected (staff see every one); a capped raise raises clock_jump
 * once until a bundle within the step clears the latch. */
static void floor_alarms(door_store_t *st, const struct door_cfg *cfg, const struct door_sync_req *req,
                         const struct tok_bundle *b, int lower, int capped)
{
    int64_t raised = 0;
    if (lower) {
        log_warn(COMPONENT, "time floor corrected by the server from %lld to %lld", (long long)req->floor,
                 (long long)b->now);
        record_alarm(st, cfg, "floor_corrected");
    }
    if (door_store_flag(st, JUMP_ALARM_FLAG, &raised) != 0) return;
    if (capped && !raised) {
        log_error(COMPONENT, "the server's time %lld is over floor_step ahead of this door; the floor rises by "
                  "floor_step only", (long long)b->now);
        record_alarm(st, cfg, "clock_jump");
        (void)!door_store_set_flag(st, JUMP_ALARM_FLAG, 1);
    } else if (!capped && raised) {
        (void)!door_store_set_flag(st, JUMP_ALARM_FLAG, 0);
    }
}

/* The card read masters a bundle brought, opened with the door's box key
 * and sealed again for the state file (replacing what was there). A bundle
 * without key 13 changes nothing: a server without card keys, or a door not
 * (yet) registered, leaves the door with what it had. */
static size_t reseal(const uint8_t seal[DOOR_SEAL_KEY], const struct tok_card_key *in, size_t n_in,
                     struct door_sealed_key *k, const char *what)
{
    size_t n = 0;
    for (size_t i = 0; i < n_in && n < DOOR_CARD_GENS_MAX; i++) {
        uint8_t key[DOOR_CARD_KEY];
        if (door_box_open(seal, in[i].boxed, TOK_CARD_KEY_BOX_LEN, key) != 0) {
            log_error(COMPONENT, "card %s key of generation %lld does not open with this door's box key", what,
                      (long long)in[i].generation);
            continue;
        }
        k[n].gen = in[i].generation;
        door_seal_card_key(seal, key, k[n].sealed);
        sodium_memzero(key, sizeof key);
        n++;
    }
    return n;
}

static void store_card_keys(door_store_t *st, const struct door_cfg *cfg, const uint8_t seal[DOOR_SEAL_KEY],
                            const struct tok_bundle *b)
{
    struct door_sealed_key k[DOOR_CARD_GENS_MAX];
    size_t n = reseal(seal, b->card_keys, b->n_card_keys, k, "read");
    if (b->n_card_keys && door_store_put_card_keys(st, k, n) != 0)
        log_error(COMPONENT, "could not keep the card read keys");
    else if (b->n_card_keys)
        log_info(COMPONENT, "card read keys: %zu generation%s", n, n == 1 ? "" : "s");
    /* Write keys: kept while the door updates cards and the server sends them;
     * a door whose update setting is off forgets them. */
    n = cfg->card_update ? reseal(seal, b->write_keys, b->n_write_keys, k, "write") : 0;
    if ((b->n_write_keys || !cfg->card_update) && door_store_put_write_keys(st, k, n) != 0)
        log_error(COMPONENT, "could not keep the card write keys");
    if (b->has_card_passes && door_store_put_card_passes(st, b->card_passes, b->n_card_passes) != 0)
        log_error(COMPONENT, "could not keep the passes for cards");
    else if (b->has_card_passes)
        log_info(COMPONENT, "passes for cards: %zu", b->n_card_passes);
}

static int sync_checked(door_store_t *st, door_net_t *net, const struct door_cfg *cfg, int64_t now,
                        struct door_sync_result *res, int *unverified)
{
    struct door_status ds;
    struct tok_key keys[TOK_BUNDLE_KEYS_MAX];
    size_t nk = 0;
    int rc = door_store_status(st, &ds);
    if (rc == 0) rc = live_keys(st, now, keys, &nk);
    if (rc != 0) return rc;
    if (nk == 0) {
        log_error(COMPONENT, "no trusted site key: provision site_key in the config");
        return LP_ERR_STATE;
    }
    struct door_sync_req req = { .door_id = cfg->door_id, .since = ds.seq, .nonce_len = DOOR_SYNC_NONCE_LEN,
                                 .floor = ds.time_floor };
    randombytes_buf(req.nonce, req.nonce_len);
    uint8_t seal[DOOR_SEAL_KEY];
    char seal_path[DOOR_PATH_MAX + 8];
    door_seal_path(cfg, seal_path, sizeof seal_path);
    int have_seal = door_seal_load(seal_path, 0, seal) == 0;
    if (have_seal) {
        uint8_t sk[32];
        door_box_keys(seal, req.box, sk);
        sodium_memzero(sk, sizeof sk);
        req.has_box = 1;
        req.has_cp = door_store_card_passes_digest(st, req.cp) == 0;
        req.wk = cfg->card_update;
    }
    struct door_http resp = { 0 };
    rc = fetch_bundle(net, &req, &resp);
    struct tok_bundle b;
    if (rc == 0) {
        rc = door_bundle_check(resp.body, resp.len, keys, nk, &req, &b);
        *unverified = rc == LP_ERR_NOTFOUND || rc == LP_ERR_CRYPTO;
        if (rc != 0) log_error(COMPONENT, "sync bundle refused: %s", lp_err_name(rc));
    }
    door_http_free(&resp);
    if (rc != 0) return rc;
    int lower = 0, capped = 0;
    int64_t floor = door_bundle_floor(&b, &req, now, cfg->floor_step, &lower, &capped);
    rc = door_store_apply_at(st, &b, now, floor, lower);
    if (rc == 0) floor_alarms(st, cfg, &req, &b, lower, capped);
    if (rc == 0 && have_seal) store_card_keys(st, cfg, seal, &b);
    sodium_memzero(seal, sizeof seal);
    if (rc == 0) {
        *res = (struct door_sync_result){ .seq = b.seq, .n_deny = b.n_deny, .n_keys = b.n_keys, .reset = b.reset };
        log_info(COMPONENT, "synced to SEQ %lld (%zu denylist entries%s, %zu keys)", (long long)b.seq, b.n_deny,
                 b.reset ? ", reset" : "", b.n_keys);
        int64_t drift = now - b.now;
        if (drift > b.settings.clock_skew || -drift > b.settings.clock_skew)
            log_warn(COMPONENT, "door clock differs from the server's by %lld s", (long long)drift);
    }
    tok_bundle_clear(&b);
    return rc;
}

int door_sync_once(door_store_t *st, door_net_t *net, const struct door_cfg *cfg, int64_t now,
                   struct door_sync_result *result)
{
    if (!st || !net || !cfg) return LP_ERR_INVALID;
    struct door_sync_result r = { 0 };
    int unverified = 0;
    int rc = sync_checked(st, net, cfg, now, &r, &unverified);
    if (result) *result = r;
    return rc;
}

/* ---- trust bootstrap ---- */

int door_bootstrap_tls(door_store_t *st, door_net_t *net, const struct door_cfg *cfg, int64_t now)
{
    if (!st || !net || !cfg) return LP_ERR_INVALID;
    struct tok_key keys[TOK_BUNDLE_KEYS_MAX];
    size_t nk = 0;
    int rc = live_keys(st, now, keys, &nk);
    if (rc != 0 || nk > 0) return rc;
    if (cfg->bootstrap != DOOR_BOOT_TLS || strncmp(cfg->url, "https://", 8) != 0) return LP_ERR_STATE;
    struct door_http resp = { 0 };
    rc = door_net_request(net, "GET", "/api/v1/pass-keys", NULL, 0, DOOR_JSON_ANSWER_MAX, &resp);
    if (rc == 0 && resp.status != 200) rc = http_err(resp.status);
    struct tok_trust_key tk[TOK_BUNDLE_KEYS_MAX];
    size_t n = 0;
    if (rc == 0) rc = door_json_pass_keys((const char *)resp.body, resp.len, now, tk, TOK_BUNDLE_KEYS_MAX, &n);
    door_http_free(&resp);
    if (rc == 0 && n == 0) rc = LP_ERR_INVALID;
    for (size_t i = 0; rc == 0 && i < n; i++) rc = door_store_trust_add(st, &tk[i]);
    if (rc == 0) log_warn(COMPONENT, "trust list bootstrapped over TLS with %zu site keys", n);
    return rc;
}

/* ---- upload ---- */

struct upload {
    door_store_t *st;
    door_net_t *net;
    const struct door_cfg *cfg;
    int64_t queue_len;
    size_t sent;
};

/* Deletes the events of q[0..n) whose id is acknowledged in body. */
static int apply_acks(struct upload *u, const struct door_queued *q, const char (*ids)[DOOR_EVENT_ID_MAX + 1],
                      size_t n, const struct door_http *resp)
{
    struct door_ack acks[DOOR_BATCH_MAX];
    int64_t seqs[DOOR_BATCH_MAX];
    size_t na = 0, ns = 0;
    int rc = door_json_acks((const char *)resp->body, resp->len, acks, DOOR_BATCH_MAX, &na);
    if (rc != 0) {
        log_error(COMPONENT, "event upload: unreadable acknowledgement");
        return LP_ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < na; j++)
            if (strcmp(ids[i], acks[j].id) == 0) { seqs[ns++] = q[i].seq; break; }
    }
    rc = door_store_ack(u->st, seqs, ns);
    if (rc == 0) u->sent += ns;
    return rc;
}

static int post_range(struct upload *u, const struct door_queued *q, const char (*ids)[DOOR_EVENT_ID_MAX + 1],
                      size_t n);

/* The server refused the batch as a whole: halve it until the refused event
 * is alone, then mark that one refused. */
static int split(struct upload *u, const struct door_queued *q, const char (*ids)[DOOR_EVENT_ID_MAX + 1], size_t n)
{
    if (n == 1) {
        log_error(COMPONENT, "server refused event %s (kind %s); kept as refused", ids[0],
                  door_ev_kind_name(q[0].ev.kind));
        return door_store_reject(u->st, q[0].seq);
    }
    size_t h = n / 2;
    int rc = post_range(u, q, ids, h);
    if (rc == 0) rc = post_range(u, q + h, ids + h, n - h);
    return rc;
}

static int post_range(struct upload *u, const struct door_queued *q, const char (*ids)[DOOR_EVENT_ID_MAX + 1],
                      size_t n)
{
    char *body = NULL, path[96];
    size_t len = 0;
    int64_t left = u->queue_len - (int64_t)u->sent - (int64_t)n;
    int rc = door_json_events(q, ids, n, left > 0 ? left : 0, &body, &len);
    if (rc == LP_ERR_TOOBIG && n > 1) return split(u, q, ids, n);
    if (rc != 0) return rc;
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events", (long long)u->cfg->door_id);
    struct door_http resp = { 0 };
    rc = door_net_request(u->net, "POST", path, body, len, DOOR_JSON_ANSWER_MAX, &resp);
    free(body);
    if (rc == 0 && resp.status == 200) {
        rc = apply_acks(u, q, ids, n, &resp);
    } else if (rc == 0 && (resp.status == 400 || resp.status == 413 || resp.status == 422)) {
        door_http_free(&resp);
        return split(u, q, ids, n);
    } else if (rc == 0) {
        log_warn(COMPONENT, "event upload answered HTTP %ld", resp.status);
        rc = http_err(resp.status);
    }
    door_http_free(&resp);
    return rc;
}

int door_upload_once(door_store_t *st, door_net_t *net, const struct door_cfg *cfg, size_t *sent, int *more)
{
    if (!st || !net || !cfg || !sent || !more) return LP_ERR_INVALID;
    *sent = 0;
    *more = 0;
    size_t max = cfg->upload_batch > 0 && cfg->upload_batch <= DOOR_BATCH_MAX ? (size_t)cfg->upload_batch : 1;
    struct door_queued *q = calloc(max, sizeof *q);
    char (*ids)[DOOR_EVENT_ID_MAX + 1] = calloc(max, sizeof *ids);
    struct door_status ds;
    size_t n = 0;
    int rc = q && ids ? 0 : LP_ERR_NOMEM;
    if (rc == 0) rc = door_store_status(st, &ds);
    if (rc == 0) rc = door_store_batch(st, max, q, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) door_store_event_id(st, cfg->door_id, q[i].seq, ids[i]);
    if (rc == 0 && n > 0) {
        struct upload u = { st, net, cfg, ds.queue_len - ds.rejected_queued, 0 };
        rc = post_range(&u, q, (const char (*)[DOOR_EVENT_ID_MAX + 1])ids, n);
        *sent = u.sent;
        *more = n == max;
    }
    free(q);
    free(ids);
    return rc;
}

/* ---- one round: what the network helper does ---- */

#define SYNC_ALARM_FLAG "f:sync_unverified"

static void record_alarm(door_store_t *st, const struct door_cfg *cfg, const char *name)
{
    struct door_event ev = { .time = clk_now(), .kind = DOOR_EV_ALARM };
    snprintf(ev.alarm, sizeof ev.alarm, "%s", name);
    log_error(COMPONENT, "alarm %s", name);
    if (door_store_append(st, &ev, 0, cfg->queue_max, NULL) != 0)
        log_error(COMPONENT, "could not record alarm %s", name);
}

/* A bundle that does not verify raises sync_unverified once; a good sync
 * clears the latch (kept in the state file, across helper processes). */
static void unverified_latch(door_store_t *st, const struct door_cfg *cfg, int unverified, int ok)
{
    int64_t raised = 0;
    if (door_store_flag(st, SYNC_ALARM_FLAG, &raised) != 0) return;
    if (unverified && !raised) {
        record_alarm(st, cfg, "sync_unverified");
        (void)!door_store_set_flag(st, SYNC_ALARM_FLAG, 1);
    } else if (ok && raised) {
        (void)!door_store_set_flag(st, SYNC_ALARM_FLAG, 0);
    }
}

int door_sync_round(const struct door_cfg *cfg, door_store_t *st, door_net_t *net, int want_sync,
                    struct door_round *out)
{
    if (!cfg || !st || !net || !out) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    int64_t now = clk_now();
    if (want_sync) {
        if (cfg->bootstrap == DOOR_BOOT_TLS) (void)!door_bootstrap_tls(st, net, cfg, now);
        int unverified = 0;
        struct door_sync_result r = { 0 };
        out->sync_rc = sync_checked(st, net, cfg, now, &r, &unverified);
        out->synced = out->sync_rc == 0;
        out->seq = r.seq;
        unverified_latch(st, cfg, unverified, out->synced);
    }
    int more = 1;
    for (int i = 0; out->upload_rc == 0 && more && i < 50; i++) {
        size_t sent = 0;
        out->upload_rc = door_upload_once(st, net, cfg, &sent, &more);
        out->sent += sent;
    }
    return want_sync && out->sync_rc ? out->sync_rc : out->upload_rc;
}

int door_round_status(const struct door_round *r, int want_sync)
{
    return (want_sync && !r->synced ? DOOR_ROUND_SYNC_FAILED : 0) | (r->upload_rc ? DOOR_ROUND_UPLOAD_FAILED : 0);
}

/* ---- the scheduler thread ---- */

struct door_sync {
    const struct door_cfg *cfg;
    struct door_sync_opts opts;
    door_store_t *st;                /* settings (sync interval) and, in-process, the rounds */
    door_net_t *net;                 /* in-process rounds only */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, kick, sync_now, started;
    door_sync_applied_fn on_applied;
    void *ctx;
    struct door_sync_stats stats;
};

static int64_t mono_ms(void)
{
    return clk_mono_us() / 1000;
}

static int64_t sync_interval_ms(door_sync_t *s)
{
    struct tok_door_settings p;
    int found = 0;
    if (door_store_settings(s->st, &p, NULL, &found) == 0 && found) return p.sync_interval * 1000;
    return s->cfg->policy.sync_interval * 1000;
}

static int round_in_process(door_sync_t *s, int want_sync)
{
    struct door_round r;
    if (!s->net && door_net_create(s->cfg, &s->net) != 0) return DOOR_ROUND_SYNC_FAILED | DOOR_ROUND_UPLOAD_FAILED;
    (void)!door_sync_round(s->cfg, s->st, s->net, want_sync, &r);
    return door_round_status(&r, want_sync);
}

static int stopping(door_sync_t *s)
{
    pthread_mutex_lock(&s->mu);
    int v = s->stop;
    pthread_mutex_unlock(&s->mu);
    return v;
}

/* Runs `helper --config FILE --net-round sync|upload` and waits for it. A
 * helper still running after four requests' worth of timeouts, or when the
 * door stops, is terminated (its events stay queued: nothing is lost). */
static int round_in_helper(door_sync_t *s, int want_sync)
{
    extern char **environ;
    char *argv[] = { (char *)s->opts.helper_exe, (char *)"--config", (char *)s->opts.config_path,
                     (char *)"--net-round", (char *)(want_sync ? "sync" : "upload"), NULL };
    pid_t pid;
    if (posix_spawn(&pid, s->opts.helper_exe, NULL, NULL, argv, environ) != 0) {
        log_error(COMPONENT, "cannot start the network helper %s", s->opts.helper_exe);
        return DOOR_ROUND_SYNC_FAILED | DOOR_ROUND_UPLOAD_FAILED;
    }
    int64_t limit = mono_ms() + 4 * (int64_t)(s->cfg->connect_timeout_ms + s->cfg->timeout_ms) + 5000, hard = 0;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) break;
        if (!hard && (mono_ms() > limit || stopping(s))) {
            if (!stopping(s)) log_error(COMPONENT, "network helper %d over time: stopped", (int)pid);
            kill(pid, SIGTERM);                                /* our own child */
            hard = mono_ms() + 2000;
        } else if (hard && mono_ms() > hard) {
            kill(pid, SIGKILL);
            hard = INT64_MAX;
        }
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) > (DOOR_ROUND_SYNC_FAILED | DOOR_ROUND_UPLOAD_FAILED))
        return DOOR_ROUND_SYNC_FAILED | DOOR_ROUND_UPLOAD_FAILED;
    return WEXITSTATUS(st);
}

static void wait_until(door_sync_t *s, int64_t until_ms)
{
    struct timespec ts = { until_ms / 1000, (long)(until_ms % 1000) * 1000000L };
    while (!s->stop && !s->kick && !s->sync_now && mono_ms() < until_ms)
        if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0) break;
}

static void backoff(int64_t *delay_ms, int max_s)
{
    *delay_ms = *delay_ms * 2;
    if (*delay_ms > (int64_t)max_s * 1000) *delay_ms = (int64_t)max_s * 1000;
}

/* The schedule: next sync and next upload, each with its own back-off. */
struct plan {
    int64_t next_sync, next_up, sync_delay, up_delay;
    int pending;
};

static void after_round(door_sync_t *s, struct plan *p, int want_sync, int status)
{
    int64_t now = mono_ms();
    if (want_sync && !(status & DOOR_ROUND_SYNC_FAILED)) {
        p->sync_delay = 1000;
        p->next_sync = now + sync_interval_ms(s);
        if (s->on_applied) s->on_applied(s->ctx);
    } else if (want_sync) {
        p->next_sync = now + p->sync_delay;
        backoff(&p->sync_delay, s->cfg->retry_max_s);
    }
    if (status & DOOR_ROUND_UPLOAD_FAILED) {
        p->next_up = now + p->up_delay;
        backoff(&p->up_delay, s->cfg->retry_max_s);
    } else {
        p->up_delay = 1000;
        p->pending = 0;
    }
    pthread_mutex_lock(&s->mu);
    if (want_sync) (status & DOOR_ROUND_SYNC_FAILED) ? s->stats.syncs_failed++ : s->stats.syncs_ok++;
    (status & DOOR_ROUND_UPLOAD_FAILED) ? s->stats.uploads_failed++ : s->stats.uploads_ok++;
    s->stats.last_status = status;
    pthread_mutex_unlock(&s->mu);
}

static void *sync_main(void *arg)
{
    door_sync_t *s = arg;
    struct plan p = { mono_ms(), mono_ms(), 1000, 1000, 1 };
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        wait_until(s, p.pending && p.next_up < p.next_sync ? p.next_up : p.next_sync);
        if (s->stop) break;
        if (s->kick) {
            s->kick = 0;
            p.pending = 1;
        }
        if (s->sync_now) {
            s->sync_now = 0;
            p.next_sync = mono_ms();
        }
        int want_sync = mono_ms() >= p.next_sync, want_up = p.pending && mono_ms() >= p.next_up;
        if (!want_sync && !want_up) continue;
        pthread_mutex_unlock(&s->mu);
        int status = s->opts.helper_exe ? round_in_helper(s, want_sync) : round_in_process(s, want_sync);
        after_round(s, &p, want_sync, status);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int door_sync_start(const struct door_cfg *cfg, const struct door_sync_opts *opts, door_sync_applied_fn on_applied,
                    void *ctx, door_sync_t **out)
{
    if (!cfg || !out || !cfg->url[0]) return LP_ERR_INVALID;
    if (opts && opts->helper_exe && !opts->config_path) return LP_ERR_INVALID;
    *out = NULL;
    door_sync_t *s = calloc(1, sizeof *s);
    if (!s) return LP_ERR_NOMEM;
    s->cfg = cfg;
    if (opts) s->opts = *opts;
    s->on_applied = on_applied;
    s->ctx = ctx;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = door_store_open(cfg->state_db, &s->st);
    if (rc == 0 && pthread_create(&s->th, NULL, sync_main, s) != 0) rc = LP_ERR_INTERNAL;
    if (rc != 0) {
        door_sync_stop(s);
        return rc;
    }
    s->started = 1;
    *out = s;
    return 0;
}

static void poke(door_sync_t *s, int *flag)
{
    pthread_mutex_lock(&s->mu);
    *flag = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void door_sync_kick(door_sync_t *s)
{
    if (s) poke(s, &s->kick);
}

void door_sync_now(door_sync_t *s)
{
    if (s) poke(s, &s->sync_now);
}

void door_sync_stop(door_sync_t *s)
{
    if (!s) return;
    if (s->started) {
        poke(s, &s->stop);
        pthread_join(s->th, NULL);
    }
    door_net_destroy(s->net);
    door_store_close(s->st);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void door_sync_stats(door_sync_t *s, struct door_sync_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}
