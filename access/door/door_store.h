/* door_store.h: the door's own SQLite state: trust list, denylist, settings,
 * time floor, SEQ and the event queue.
 *
 * Guarantees:
 * - Its own schema and migrations (PRAGMA user_version), never the server's:
 *   the door does not call db_open. WAL, synchronous=FULL, foreign keys on,
 *   a busy timeout; every statement prepared once at open and bound.
 * - Every write is one transaction: an event is on disk (fsync) when
 *   door_store_append returns 0, and survives a power loss from then on.
 * - Queue policy: at most queue_max events are kept. When an append goes
 *   over, events the server refused are dropped first, then the oldest
 *   non-alarm events; the dropped count is kept. Alarms are never dropped
 *   (the queue may exceed queue_max by the alarms in it).
 * - An event leaves the queue only by door_store_ack (the server acknowledged
 *   it) or by the overflow policy above.
 * - The time floor only rises; SEQ, trust list, denylist and settings change
 *   together, only through door_store_apply.
 * - Failures: every function returns 0 or a negative lp_err; a busy state
 *   file gives LP_ERR_BUSY, a failing one (full, I/O error, damaged)
 *   LP_ERR_DB (db_step). A failing read is never "not denied", "no keys", "no
 *   settings" or a short batch, and a failing write leaves the file as it was
 *   (its transaction is rolled back).
 * One door_store_t per thread (each thread opens its own). */
#ifndef LP_DOOR_STORE_H
#define LP_DOOR_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "access/token/token.h"
#include "core/err.h"

#define DOOR_STORE_SCHEMA   3          /* user_version after the migrations */
#define DOOR_WORD_MAX       32         /* reason and alarm names */
#define DOOR_EVENT_ID_MAX   64

enum door_ev_kind { DOOR_EV_ADMISSION = 0, DOOR_EV_EXIT, DOOR_EV_DENIED, DOOR_EV_ALARM, DOOR_EV_KIND_COUNT };

/* One door event, as recorded and uploaded (docs/access-protocol.md section 16). */
struct door_event {
    int64_t time;                        /* the door's clock, epoch seconds */
    enum door_ev_kind kind;
    char reason[DOOR_WORD_MAX + 1];      /* [a-z0-9_], "" = none */
    char alarm[DOOR_WORD_MAX + 1];       /* alarms only, [a-z0-9_] */
    int has_cti;
    uint8_t cti[TOK_CTI_LEN];
    int64_t reservation_id;              /* 0 = none */
    int64_t person_id;                   /* 0 = none */
};

/* An event read back from the queue for upload. */
struct door_queued {
    int64_t seq;                         /* local queue position */
    struct door_event ev;
};

struct door_status {
    int64_t seq;                         /* denylist SEQ applied (0 = never synced) */
    int64_t time_floor;
    int64_t queue_len, alarms_queued, rejected_queued;
    int64_t dropped;                     /* events dropped by the queue policy, ever */
    int64_t deny_count;
    int64_t n_keys;
    int64_t last_sync;                   /* door clock at the last applied bundle, 0 = never */
    uint32_t instance;                   /* random id of this state file (event ids) */
};

typedef struct door_store door_store_t;

/* Stable names ("admission", "exit", "denied", "alarm"). */
const char *door_ev_kind_name(enum door_ev_kind k);
/* 1..DOOR_WORD_MAX bytes of [a-z0-9_]. */
int door_word_ok(const char *s);

/* Opens (creating and migrating if needed) the state file at path. Refuses a
 * file whose schema is newer than this program's. Caller owns *out and frees
 * it with door_store_close(). Returns 0, LP_ERR_BUSY, LP_ERR_DB or
 * LP_ERR_NOMEM. */
int door_store_open(const char *path, door_store_t **out) LP_MUST;
/* Closes; accepts NULL. */
void door_store_close(door_store_t *s);

/* Provisioning: when keys[0..n) (the config's site keys, n >= 1) differ from
 * the keys last provisioned, the trust list becomes exactly these keys (an
 * operator re-provisioned the door). n == 0 changes nothing. *changed (may be
 * NULL) says whether it did. */
int door_store_provision(door_store_t *s, const struct tok_key *keys, size_t n, int *changed) LP_MUST;
/* The trusted keys usable at now (not_after absent or after now), up to cap;
 * the count in *n. On a failing read the error (logged) and *n = 0: the
 * caller keeps what it had, and trusts no key it did not. */
int door_store_trust(door_store_t *s, int64_t now, struct tok_trust_key *out, size_t cap, size_t *n) LP_MUST;
/* Adds one key (bootstrap over TLS); an existing public key is left alone. */
int door_store_trust_add(door_store_t *s, const struct tok_trust_key *k) LP_MUST;
/* The settings and site code (iss, TOK_TEXT_MAX + 1 bytes; may be NULL) of
 * the last applied bundle; *found = 0 when never synced. On a failing read
 * the error (logged), with *found = 0. */
int door_store_settings(door_store_t *s, struct tok_door_settings *out, char *iss, int *found) LP_MUST;
/* Whether cti is on the denylist: 0 with *denied set. On a failing read the
 * error (LP_ERR_BUSY, LP_ERR_DB), logged, with *denied = 1: the door must
 * refuse the pass (fail closed), never admit it. */
int door_store_denied(door_store_t *s, const uint8_t cti[TOK_CTI_LEN], int *denied) LP_MUST;
int door_store_floor(door_store_t *s, int64_t *floor) LP_MUST;
/* Raises the time floor to t (lower values change nothing). */
int door_store_raise_floor(door_store_t *s, int64_t t) LP_MUST;
/* Resets the time floor to 0 (a staff command after fixing a clock). */
int door_store_reset_floor(door_store_t *s) LP_MUST;

/* Named flags kept across restarts (alarm latches): name is "f:" and a
 * [a-z0-9_] word; a flag never set reads 0 (a failing read is an error). */
int door_store_flag(door_store_t *s, const char *name, int64_t *v) LP_MUST;
int door_store_set_flag(door_store_t *s, const char *name, int64_t v) LP_MUST;

/* Applies a verified, checked bundle in one transaction: the trust list
 * (entries past not_after at now left out), the denylist (replaced when
 * b->reset, else added to; entries with exp + skew < now forgotten), the
 * settings, SEQ = b->seq, time floor raised to b->now, last sync = now. */
int door_store_apply(door_store_t *s, const struct tok_bundle *b, int64_t now) LP_MUST;
/* As door_store_apply, with the time floor set by the caller: raised to
 * floor (lower values change nothing), or, when lower is 1 (a verified floor
 * correction), set to floor even below the current one. */
int door_store_apply_at(door_store_t *s, const struct tok_bundle *b, int64_t now, int64_t floor, int lower) LP_MUST;

/* Appends ev to the queue and, when floor > 0, raises the time floor, in one
 * durable transaction, then applies the queue policy with queue_max. *seq
 * (may be NULL) gets the event's queue position. LP_ERR_INVALID for a bad
 * event (names not [a-z0-9_], an alarm without its name). */
int door_store_append(door_store_t *s, const struct door_event *ev, int64_t floor, int64_t queue_max,
                      int64_t *seq) LP_MUST;
/* The oldest max waiting events (refused ones excluded), oldest first. On a
 * failing read the error and *n = 0, never a short batch. */
int door_store_batch(door_store_t *s, size_t max, struct door_queued *out, size_t *n) LP_MUST;
/* Deletes the events seqs[0..n) (acknowledged by the server), in one transaction. */
int door_store_ack(door_store_t *s, const int64_t *seqs, size_t n) LP_MUST;
/* Marks one event as refused by the server: kept, not sent again, dropped
 * first on overflow. */
int door_store_reject(door_store_t *s, int64_t seq) LP_MUST;
/* The event's id for the server: "<door_id>-<instance hex>-<seq>" (at most
 * DOOR_EVENT_ID_MAX). */
void door_store_event_id(const door_store_t *s, int64_t door_id, int64_t seq, char out[DOOR_EVENT_ID_MAX + 1]);
int door_store_status(door_store_t *s, struct door_status *out) LP_MUST;

/* The site's DESFire read masters, sealed at rest (door_seal.h), by
 * generation. put replaces them all in one transaction; the list is newest
 * first. */
#define DOOR_CARD_GENS_MAX 4
struct door_sealed_key { int64_t gen; uint8_t sealed[56]; };
int door_store_put_card_keys(door_store_t *s, const struct door_sealed_key *k, size_t n) LP_MUST;
int door_store_card_keys(door_store_t *s, struct door_sealed_key *out, size_t max, size_t *n) LP_MUST;
/* The same for the write masters (bundle key 15; doors that update cards). */
int door_store_put_write_keys(door_store_t *s, const struct door_sealed_key *k, size_t n) LP_MUST;
int door_store_write_keys(door_store_t *s, struct door_sealed_key *out, size_t max, size_t *n) LP_MUST;

/* The pass each card should carry (bundle key 14): the whole set replaced
 * at once; one card's pass by card id (LP_ERR_NOTFOUND: none); the digest of
 * the set as the server computes it (tok_card_passes_digest). */
int door_store_put_card_passes(door_store_t *s, const struct tok_card_pass *p, size_t n) LP_MUST;
int door_store_card_pass(door_store_t *s, const uint8_t card_id[TOK_CARD_ID_LEN], uint8_t *out, size_t cap,
                         size_t *len) LP_MUST;
int door_store_card_passes_digest(door_store_t *s, uint8_t out[TOK_CARD_PASSES_DIGEST]) LP_MUST;

#endif
