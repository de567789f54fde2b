/* door_sync.h: the door's conversation with the server: the signed sync
 * bundle in (docs/access-protocol.md section 15), the event queue out
 * (section 16), the optional trust bootstrap over TLS (section 11), and the
 * thread that does them while the reader loop decides.
 *
 * Guarantees:
 * - A bundle changes the door's state only when it verifies with a key the
 *   door already trusts, decodes strictly, names this door, echoes the
 *   request's since and nonce, carries at least one live key, and its time is
 *   not below the door's time floor (unless it is a floor correction: key
 *   12 names the floor this request reported, and it echoes this request's
 *   nonce); then it is applied in one transaction. A bundle raises the
 *   floor at most floor_step above the door's clock (alarm clock_jump).
 *   A bundle that does not verify leaves the state alone and raises the
 *   alarm sync_unverified (once until a sync succeeds).
 * - Events are uploaded oldest first, at most upload_batch per request, and
 *   deleted only when the server acknowledged their id. A batch the server
 *   refuses as a whole is split to find the refused event, which is then
 *   kept but marked refused (door_store_reject) so it cannot block the queue.
 * - Failed requests are retried with exponential back-off up to retry_max_s.
 * - The trust bootstrap over TLS runs only when the trust list is empty and
 *   the config asks for it (bootstrap = tls, https url).
 * - The scheduler never talks to the network itself when given a helper
 *   program: each round is a short-lived `labpass-door --net-round` process
 *   (killed if over time), so the process that reads cards and drives the
 *   lock never loads libcurl or parses a server answer. */
#ifndef LP_DOOR_SYNC_H
#define LP_DOOR_SYNC_H
#include <stddef.h>
#include <stdint.h>
#include "access/door/door_cfg.h"
#include "access/door/door_net.h"
#include "access/door/door_store.h"
#include "access/token/token.h"
#include "core/err.h"

#define DOOR_SYNC_NONCE_LEN 16

/* What the door asked for, to check the answer against. */
struct door_sync_req {
    int64_t door_id, since;
    uint8_t nonce[TOK_NONCE_MAX];
    size_t nonce_len;            /* 0 = none sent */
    int64_t floor;               /* the door's time floor */
    int has_box;                 /* box: the door's X25519 box key (door_seal.h), sent so the */
    uint8_t box[32];             /*   server can seal the site's card read keys to it */
    int has_cp;                  /* cp: the digest of the card passes held (asks for key 14) */
    uint8_t cp[TOK_CARD_PASSES_DIGEST];
    int wk;                      /* 1: the door updates cards (asks for key 15) */
};

/* Verifies msg[0..len) with keys[0..n) and checks it against req (see the
 * guarantees). On success *out owns the decoded bundle (release with
 * tok_bundle_clear). Returns 0; LP_ERR_NOTFOUND / LP_ERR_CRYPTO (does not
 * verify: unknown key, bad signature); LP_ERR_INVALID (malformed, another
 * door, since or nonce not echoed, no live key); LP_ERR_STATE (older than
 * the time floor: stale or replayed); LP_ERR_NOMEM. */
int door_bundle_check(const uint8_t *msg, size_t len, const struct tok_key *keys, size_t n,
                      const struct door_sync_req *req, struct tok_bundle *out) LP_MUST;

/* Whether b is a floor correction for req: it carries key 12 naming the
 * floor req reported, echoes req's nonce, and its now is below that floor. */
int door_bundle_corrects(const struct tok_bundle *b, const struct door_sync_req *req);
/* The time floor after applying b at the door's clock door_now: b->now,
 * lowered to it for a correction (*lower = 1), or capped at base + step
 * when b->now is further ahead (*capped = 1; not for the first bundle, whose
 * floor is 0). base is door_now while that is at most a step below the
 * floor, else the floor. */
int64_t door_bundle_floor(const struct tok_bundle *b, const struct door_sync_req *req, int64_t door_now,
                          int64_t step, int *lower, int *capped);

struct door_sync_result {
    int64_t seq;                 /* SEQ now applied */
    size_t n_deny, n_keys;       /* entries in the applied bundle */
    int reset;
};

/* One sync: GET the bundle for cfg->door_id since the stored SEQ, check it,
 * apply it. Returns 0 or a negative lp_err (LP_ERR_UNAUTH, LP_ERR_NOTFOUND,
 * LP_ERR_FORBIDDEN for those HTTP answers; transport errors from door_net;
 * door_bundle_check's errors). result may be NULL. */
int door_sync_once(door_store_t *st, door_net_t *net, const struct door_cfg *cfg, int64_t now,
                   struct door_sync_result *result) LP_MUST;
/* One upload round: up to cfg->upload_batch oldest events. *sent counts the
 * events acknowledged (deleted), *more says whether events are waiting.
 * Returns 0 (also when the queue is empty) or a negative lp_err. */
int door_upload_once(door_store_t *st, door_net_t *net, const struct door_cfg *cfg, size_t *sent,
                     int *more) LP_MUST;
/* Fetches the published pass keys over TLS and adds them to an empty trust
 * list. Returns 0 (also when keys were already there), LP_ERR_STATE (config
 * does not allow it) or a request/parse error. */
int door_bootstrap_tls(door_store_t *st, door_net_t *net, const struct door_cfg *cfg, int64_t now) LP_MUST;

/* ---- a round, and the scheduler that runs rounds ---- */

/* What one round did. */
struct door_round {
    int synced;                  /* a bundle was applied */
    int sync_rc, upload_rc;      /* 0 or the lp_err of the step */
    int64_t seq;
    size_t sent;                 /* events acknowledged */
};

/* Exit status bits of `labpass-door --net-round` (0: all done). */
#define DOOR_ROUND_SYNC_FAILED   1
#define DOOR_ROUND_UPLOAD_FAILED 2

/* One round: with want_sync, the trust bootstrap when configured and a sync
 * (raising the alarm sync_unverified once while bundles do not verify);
 * then uploads until the queue is empty or a request fails. Returns 0 or
 * the first failure. */
int door_sync_round(const struct door_cfg *cfg, door_store_t *st, door_net_t *net, int want_sync,
                    struct door_round *out) LP_MUST;
/* The exit status bits for a round. */
int door_round_status(const struct door_round *r, int want_sync);

typedef struct door_sync door_sync_t;
/* Called on the scheduler thread after a bundle was applied (by a round in
 * this process or in a helper). */
typedef void (*door_sync_applied_fn)(void *ctx);

struct door_sync_opts {
    /* NULL: rounds run on the scheduler thread (libcurl in this process).
     * Else the program run as `helper_exe --config config_path --net-round
     * sync|upload` for each round, so libcurl lives only in that short-lived
     * process. */
    const char *helper_exe;
    const char *config_path;
};

/* Starts the scheduler: a sync every sync_interval (the synced settings',
 * else the config's), an upload round soon after each kick, back-off on
 * failures up to retry_max_s. Opens its own store connection; cfg and opts'
 * strings are borrowed until door_sync_stop. Returns 0 or a negative lp_err. */
int door_sync_start(const struct door_cfg *cfg, const struct door_sync_opts *opts, door_sync_applied_fn on_applied,
                    void *ctx, door_sync_t **out) LP_MUST;
/* Asks for an upload soon (an event was recorded). Accepts NULL. */
void door_sync_kick(door_sync_t *s);
/* Asks for a sync soon. Accepts NULL. */
void door_sync_now(door_sync_t *s);
/* Stops (after a round in progress), joins and frees; accepts NULL. */
void door_sync_stop(door_sync_t *s);

struct door_sync_stats { unsigned syncs_ok, syncs_failed, uploads_ok, uploads_failed; int last_status; };
void door_sync_stats(door_sync_t *s, struct door_sync_stats *out);

#endif
