/* issuer.h: the server side of labpass door passes (prefix iss_).
 *
 * - Site signing keys live in the database with their secret part sealed
 *   (crypto_secretbox) by a key held in a file outside it; one active key
 *   signs, rotated-out keys stay trusted until their last pass expires (and
 *   at least key_overlap_days), withdrawn keys are trusted no more.
 * - Holder credentials: a person's phone or card Ed25519 public keys.
 * - Passes: one per (confirmed or checked-in reservation, active credential),
 *   valid from start minus the early check-in margin to end plus the grace,
 *   for the door group of the booked resource, only while the person, their
 *   tenant and their trainings (qual_check over the whole validity) allow it;
 *   standing passes for staff (group "*", short-lived, renewed at half-life);
 *   bearer passes (no cnf) on request. Every pass is stored with its cti and
 *   exp, so the same pass is handed out again and revocation can target it.
 * - Revocation (a pass, a credential, a person, a tenant, a reservation, a
 *   key) puts every live revoked cti on the denylist with the next SEQ.
 * - Doors: settings, the signed sync bundle (docs/access-protocol.md section
 *   15) and idempotent event uploads (section 16) that check reservations in
 *   and out.
 * Every function that changes rows runs in its own transaction unless one is
 * open already, and is audited there. Times are epoch seconds passed in by
 * the caller (the API passes clk_now()).
 * Failures: every function returns 0 or a negative lp_err. A database that is
 * busy gives LP_ERR_BUSY, one that fails otherwise (full, I/O error) LP_ERR_DB
 * (db_step): never "not found", a short list, "not revoked" or a pass. A
 * write that fails leaves nothing behind (its transaction is rolled back, or
 * the caller's transaction is left to roll back). LP_ERR_NOTFOUND means the
 * object does not exist. */
#ifndef LP_ISSUER_H
#define LP_ISSUER_H
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"
#include "booking/export.h"
#include "access/token/token.h"

/* ---- the key file (process-wide; set once at start-up, before threads) ---- */

#define ISS_MASTER_LEN crypto_secretbox_KEYBYTES   /* 32 bytes */

/* Loads the key file at path. With create, a missing file is made first
 * (0600, 32 random bytes, O_EXCL). Returns 0; LP_ERR_FORBIDDEN when the file
 * is not a regular file, or others may read or write it, or its group may
 * write it; LP_ERR_INVALID when it is not exactly ISS_MASTER_LEN bytes;
 * LP_ERR_NOTFOUND when absent and not created; LP_ERR_IO. */
int iss_keyfile_load(const char *path, int create) LP_MUST;
/* The default key file for a database: labpass.key in the database's folder. */
void iss_keyfile_default(const char *db_path, char *out, size_t outlen);
/* Sets or clears the key directly (unit tests). */
void iss_master_set(const uint8_t key[ISS_MASTER_LEN]);
void iss_master_clear(void);
/* Checks that every stored signing key opens with the loaded key file
 * (start-up check). LP_ERR_CRYPTO when one does not (wrong key file). */
int iss_keys_verify(db_t *db) LP_MUST;

/* Seals len bytes of a site secret (a webhook signing secret) with the key
 * file: nonce, then crypto_secretbox, ISS_SEAL_OVERHEAD bytes more than in,
 * into out (cap bytes). LP_ERR_STATE without a key file. */
#define ISS_SEAL_OVERHEAD (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
int iss_seal(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len) LP_MUST;
/* Opens what iss_seal made; LP_ERR_CRYPTO when it does not open (another key
 * file, altered bytes). The caller wipes out after use. */
int iss_unseal(const uint8_t *sealed, size_t len, uint8_t *out, size_t cap, size_t *out_len) LP_MUST;

/* ---- settings ---- */

/* The issuer code is kept short: every byte of it is in every pass, and a pass
 * must fit TOK_PASS_BUDGET (docs/access-protocol.md section 7). */
#define ISS_ISSUER_MAX 8

typedef struct iss_settings {
    char issuer[TOK_TEXT_MAX + 1];   /* the pass iss claim (site code) */
    int grace_min;                   /* pass validity after the end */
    int staff_pass_hours;            /* standing pass lifetime */
    int horizon_days;                /* passes are issued this far ahead */
    int key_overlap_days;            /* least trust after a rotation */
    int early_min;                   /* the site's early check-in margin (read only) */
} iss_settings;

/* The settings row (made by the migration; LP_ERR_DB when it is missing). */
int iss_settings_get(db_t *db, iss_settings *out) LP_MUST;
/* Saves issuer, grace_min, staff_pass_hours, horizon_days, key_overlap_days. */
int iss_settings_set(db_t *db, const actor_t *who, const iss_settings *s, lp_fail *f) LP_MUST;

/* ---- states ----
 * Each is an enum with one table of spellings, used both in the database and
 * in JSON: *_name gives the spelling (static; "" out of range), *_parse reads
 * one (LP_ERR_INVALID for anything else). A stored row whose text is not in
 * the table reads as LP_ERR_DB. */

/* A signing key: "active" (signs; exactly one), "retired" (rotated out,
 * trusted until not_after), "withdrawn" (trusted no more). */
enum iss_key_state { ISS_KEY_ACTIVE = 0, ISS_KEY_RETIRED, ISS_KEY_WITHDRAWN };
#define ISS_KEY_STATE_COUNT 3
const char *iss_key_state_name(enum iss_key_state s);
int iss_key_state_parse(const char *text, enum iss_key_state *out) LP_MUST;

/* What a door event did on the server (its stored ack): "recorded",
 * "checked_in", "checked_out", "not_applied". */
enum iss_ack_result { ISS_ACK_RECORDED = 0, ISS_ACK_CHECKED_IN, ISS_ACK_CHECKED_OUT, ISS_ACK_NOT_APPLIED };
#define ISS_ACK_RESULT_COUNT 4
const char *iss_ack_result_name(enum iss_ack_result r);
int iss_ack_result_parse(const char *text, enum iss_ack_result *out) LP_MUST;

/* ---- signing keys ---- */

typedef struct iss_key {
    int64_t id;
    uint8_t kid[TOK_KID_LEN];
    uint8_t pk[TOK_PK_LEN];
    enum iss_key_state state;
    int64_t created_at, retired_at;  /* retired_at 0 when not retired */
    int64_t not_after;               /* 0 while active (open-ended) */
} iss_key;

/* Creates the first signing key when none is active. Needs the key file
 * (LP_ERR_STATE without it). */
int iss_key_ensure(db_t *db, const actor_t *who, int64_t now) LP_MUST;
/* Retires the active key (trusted until max(its last pass's exp, now +
 * key_overlap_days)) and makes a new active one, written to *out (may be NULL). */
int iss_key_rotate(db_t *db, const actor_t *who, int64_t now, iss_key *out) LP_MUST;
/* Withdraws a key (compromise): trusted no more, its passes revoked (count in
 * *revoked); a new active key is made when it was the active one.
 * LP_ERR_NOTFOUND (no such kid), LP_ERR_STATE (withdrawn already). */
int iss_key_withdraw(db_t *db, const actor_t *who, const uint8_t kid[TOK_KID_LEN], int64_t now,
                     int *revoked) LP_MUST;
/* The trusted keys at now (active, or retired with not_after > now), oldest
 * first, at most TOK_BUNDLE_KEYS_MAX; with all, every key. Caller frees *out. */
int iss_key_list(db_t *db, int64_t now, int all, iss_key **out, size_t *n) LP_MUST;

/* ---- credentials ---- */

#define ISS_CRED_LABEL_MAX 80
#define ISS_CREDS_PER_PERSON 10

typedef struct iss_credential {
    int64_t id, person_id;
    char kind[8];                    /* phone | card */
    char label[ISS_CRED_LABEL_MAX + 1];
    uint8_t pk[TOK_PK_LEN];
    int64_t created_at, revoked_at;  /* revoked_at 0 when active */
    int has_card;                    /* a DESFire card: passes bound to card_id, pk unused */
    uint8_t card_id[TOK_CARD_ID_LEN];
} iss_credential;

/* Registers a holder key for person. LP_ERR_INVALID (kind, label, key not a
 * valid Ed25519 point), LP_ERR_CONFLICT (key registered before),
 * LP_ERR_RULE (too many active credentials). */
int iss_cred_add(db_t *db, const actor_t *who, int64_t person_id, const char *kind, const char *label,
                 const uint8_t pk[TOK_PK_LEN], int64_t now, iss_credential *out, lp_fail *f) LP_MUST;
/* LP_ERR_NOTFOUND when there is no such credential. */
int iss_cred_get(db_t *db, int64_t id, iss_credential *out) LP_MUST;
/* A person's credentials (active only unless all). Caller frees *out. */
int iss_cred_list(db_t *db, int64_t person_id, int all, iss_credential **out, size_t *n) LP_MUST;
/* Revokes a credential and its passes (count in *revoked, may be NULL).
 * LP_ERR_NOTFOUND (no such credential), LP_ERR_STATE (revoked already). */
int iss_cred_revoke(db_t *db, const actor_t *who, int64_t id, int64_t now, int *revoked) LP_MUST;

/* ---- passes ---- */

#define ISS_GROUPS_TEXT (TOK_GROUPS_MAX * (TOK_GROUP_MAX + 1))

typedef struct iss_pass {
    int64_t id;
    uint8_t cti[TOK_CTI_LEN];
    char kind[12];                   /* reservation | standing | bearer */
    int64_t person_id, tenant_id, reservation_id, credential_id;   /* 0 when none */
    uint8_t kid[TOK_KID_LEN];
    char groups[ISS_GROUPS_TEXT];    /* comma-separated */
    int64_t nbf, exp, iat;
    int64_t revoked_at;              /* 0 when live */
    char revoke_reason[32];
    uint8_t bytes[TOK_PASS_BUDGET];
    size_t len;
} iss_pass;

/* Issues what is due for person at now (reservation passes for each active
 * credential over the horizon; a standing pass per credential for staff),
 * revokes passes that are no longer deserved, and returns the person's live
 * passes with exp > now, by nbf. Needs the key file. Caller frees *out. */
int iss_passes_for_person(db_t *db, int64_t person_id, int64_t now, iss_pass **out, size_t *n) LP_MUST;
/* A bearer pass (no cnf) for a reservation (the same one again while live).
 * LP_ERR_STATE (reservation not confirmed/checked in, or over), LP_ERR_RULE
 * (no door of its group accepts bearer passes, training or tenant). */
int iss_bearer_pass(db_t *db, int64_t reservation_id, int64_t now, iss_pass *out, lp_fail *f) LP_MUST;
/* LP_ERR_NOTFOUND when there is no such pass. */
int iss_pass_get(db_t *db, int64_t id, iss_pass *out) LP_MUST;
/* Passes of a person and/or reservation (0 = any), newest first, with an id
 * below before_id (0 = from the newest), at most limit; live_only leaves out
 * revoked and expired ones. Caller frees *out. */
int iss_pass_list(db_t *db, int64_t person_id, int64_t reservation_id, int live_only, int64_t now,
                  int64_t before_id, size_t limit, iss_pass **out, size_t *n) LP_MUST;

/* ---- DESFire cards (access protocol 18) ---- */

#define ISS_CARD_UID_LEN 7

/* Enrols the DESFire card with this UID (7 bytes, NXP: first byte 04) for
 * person: a credential of kind card holding the card id (the UID is not
 * kept). LP_ERR_INVALID (uid, label), LP_ERR_CONFLICT (the card is enrolled
 * already, to anyone), LP_ERR_RULE (too many active credentials),
 * LP_ERR_NOTFOUND (no such person). Audited. */
int iss_card_enrol(db_t *db, const actor_t *who, int64_t person_id, const uint8_t uid[ISS_CARD_UID_LEN],
                   const char *label, int64_t now, iss_credential *out, lp_fail *f) LP_MUST;
/* The credential of an enrolled, active card, by card id; LP_ERR_NOTFOUND. */
int iss_card_find(db_t *db, const uint8_t card_id[TOK_CARD_ID_LEN], iss_credential *out) LP_MUST;
/* The pass to write onto a card now (a desk, or a door updating the card):
 * of the card's live passes, the one valid now that lasts longest, else the
 * next to start. Issues what is due first (as iss_passes_for_person).
 * LP_ERR_NOTFOUND when the card is unknown or revoked, or has nothing to carry. */
int iss_card_pass(db_t *db, const uint8_t card_id[TOK_CARD_ID_LEN], int64_t now, iss_pass *out) LP_MUST;
/* For every active card (at most TOK_CARD_PASSES_MAX, by card id) with a pass
 * to carry, that pass (as iss_card_pass), sorted by card id. Caller frees *out. */
int iss_card_passes_all(db_t *db, int64_t now, struct tok_card_pass **out, size_t *n) LP_MUST;

/* ---- DESFire master keys (access protocol 18.2, 18.7) ---- */

enum iss_card_role { ISS_CARD_ADMIN = 0, ISS_CARD_READ, ISS_CARD_WRITE };
typedef struct iss_card_gen { int64_t generation, created_at, retired_at; } iss_card_gen;

/* A new generation of the three site master keys (random, sealed with the
 * key file, which must be loaded). *gen gets its number. LP_ERR_RULE after
 * generation 255. Audited. */
int iss_card_keys_rotate(db_t *db, const actor_t *who, int64_t now, int64_t *gen) LP_MUST;
/* Retires a generation: doors stop getting its read key. Audited.
 * LP_ERR_NOTFOUND, LP_ERR_STATE (retired already). */
int iss_card_keys_retire(db_t *db, const actor_t *who, int64_t gen, int64_t now) LP_MUST;
/* Every generation, newest first. Caller frees *out. */
int iss_card_keys_list(db_t *db, iss_card_gen **out, size_t *n) LP_MUST;
/* One master key of a generation, unsealed (for a desk's key file). Audited
 * as an export. LP_ERR_NOTFOUND. */
int iss_card_key_export(db_t *db, const actor_t *who, int64_t gen, enum iss_card_role role, uint8_t out[16]) LP_MUST;
/* The read masters of the live generations (newest first, at most
 * TOK_CARD_KEYS_MAX) sealed to box_key, into b->card_keys. */
int iss_card_keys_boxed(db_t *db, const uint8_t box_key[32], struct tok_bundle *b) LP_MUST;
/* The same for the write masters, into b->write_keys (key 15). */
int iss_card_write_keys_boxed(db_t *db, const uint8_t box_key[32], struct tok_bundle *b) LP_MUST;

/* ---- revocation and the denylist ---- */

enum iss_scope { ISS_PASS = 0, ISS_CREDENTIAL, ISS_PERSON, ISS_TENANT, ISS_RESERVATION, ISS_KEY, ISS_SCOPE_COUNT };

/* Revokes every live pass (not revoked, exp > now) of the scope's object id;
 * each cti enters the denylist with the next SEQ. reason is a short
 * identifier (letters, digits, '_'). Audited. Count in *count (may be NULL). */
int iss_revoke(db_t *db, const actor_t *who, enum iss_scope scope, int64_t id, const char *reason,
               int64_t now, int *count) LP_MUST;
/* The highest SEQ ever given (0 when none; an error is never 0). */
int iss_deny_seq(db_t *db, int64_t *seq) LP_MUST;
/* Denylist entries with SEQ > since whose exp + skew > now, by SEQ; all of
 * them and *reset = 1 when since is 0 or beyond the current SEQ. Caller frees.
 * Every entry up to *seq or an error (then *out is NULL): LP_ERR_TOOBIG
 * beyond TOK_BUNDLE_DENY_MAX entries, never a cut list. */
int iss_deny_since(db_t *db, int64_t since, int64_t now, int64_t skew, struct tok_deny_entry **out,
                   size_t *n, int64_t *seq, int *reset) LP_MUST;
/* Revokes live passes that are no longer deserved (person disabled, tenant
 * not active, credential revoked, reservation no longer held, training
 * lapsed or withdrawn, staff no more, key withdrawn) and forgets denylist
 * entries a day past their exp. Count in *revoked (may be NULL). labpassd's
 * worker runs it every sweep interval; revocations through the API and the
 * booking hooks do not wait for it. */
int iss_sweep(db_t *db, int64_t now, int *revoked) LP_MUST;
/* Live passes (not revoked, exp > now) of a tenant's people: what its
 * suspension or offboarding revokes. */
int iss_live_tenant(db_t *db, int64_t tenant_id, int64_t now, int64_t *passes) LP_MUST;
/* Registers the booking hooks (tenant suspension and offboarding revoke the
 * tenant's passes; a reservation that is cancelled, rejected, a no-show, back
 * to requested, moved or resized, or checked out before its end loses its
 * passes) and the demo doors. Only standing (staff) passes carry the door
 * group "*". Call once at start-up, before threads. */
void iss_hooks_register(void);

/* ---- doors ---- */

typedef struct iss_door {
    int64_t id;
    char name[TOK_DOOR_ID_MAX + 1];  /* [A-Za-z0-9._-], 1..32 */
    char group[TOK_GROUP_MAX + 1];   /* door group, visible ASCII */
    int holder_proof, bearer_allowed;
    int64_t clock_skew, pulse_ms, sync_interval;
    int64_t created_at;
    int64_t last_seen_at, last_since, queue_length;  /* -1 when never reported */
    int alarms_24h;                  /* alarm events in the 24 h before now (iss_door_list) */
    char last_alarm[33];
    int64_t last_alarm_at;           /* 0 when none */
    int64_t retired_at;              /* 0 while in use */
    char version[33];                /* the software version of its last sync, "" before */
} iss_door;

/* How a door is doing at now, for the staff page: retired; never synced;
 * stale (no sync for 2 sync intervals, at least 10 minutes: it may be
 * offline or admitting staff only); alarm (an alarm in the last 24 h); ok. */
enum iss_door_state { ISS_DOOR_OK = 0, ISS_DOOR_NEVER, ISS_DOOR_STALE, ISS_DOOR_ALARM, ISS_DOOR_RETIRED };
enum iss_door_state iss_door_state_at(const iss_door *d, int64_t now);
const char *iss_door_state_name(enum iss_door_state s);

/* Fills d with the settings of a new door (name and group empty). */
void iss_door_defaults(iss_door *d);
/* Adds a door and its API key (role door): the key goes to key_out once
 * (keylen >= 96). Sets d->id. LP_ERR_INVALID naming the field,
 * LP_ERR_CONFLICT (name taken). */
int iss_door_add(db_t *db, const actor_t *who, iss_door *d, char *key_out, size_t keylen, lp_fail *f) LP_MUST;
/* LP_ERR_NOTFOUND when there is no such door. */
int iss_door_get(db_t *db, int64_t id, iss_door *out) LP_MUST;
/* All doors with their alarm summary at now. Caller frees *out. */
int iss_door_list(db_t *db, int64_t now, iss_door **out, size_t *n) LP_MUST;

/* Changes a door's name, group or settings (d: the whole door as it should
 * be; id names it); the next sync carries them. LP_ERR_INVALID naming the
 * field, LP_ERR_CONFLICT (name taken), LP_ERR_STATE (retired),
 * LP_ERR_NOTFOUND. Audited. */
int iss_door_update(db_t *db, const actor_t *who, const iss_door *d, lp_fail *f) LP_MUST;
/* Retires a door: its API keys are revoked at once (its syncs and uploads
 * are refused from then on), its events stay. LP_ERR_STATE when retired
 * already. Audited. */
int iss_door_retire(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;
/* A new API key for a door (a replaced reader): the old keys are revoked,
 * the new one goes to key_out once (keylen >= 96). LP_ERR_STATE (retired).
 * Audited. */
int iss_door_rekey(db_t *db, const actor_t *who, int64_t id, char *key_out, size_t keylen, lp_fail *f) LP_MUST;
/* Records the software version a door reports ("" or 1..32 of
 * [0-9A-Za-z.+~_-]; anything else is recorded as ""). Writes only on a change. */
int iss_door_version(db_t *db, int64_t id, const char *version) LP_MUST;

/* The signed sync bundle for door_id: records last_seen and since, and
 * signs the payload with the oldest trusted key. nonce may be NULL
 * (nonce_len 0) or TOK_NONCE_MIN..TOK_NONCE_MAX bytes. door_floor is the
 * time floor the door reported (0: none); one above now plus the door's
 * clock skew, with a nonce, makes the bundle a floor correction (audited as
 * floor_correction). box (NULL: none) is the door's X25519 box key: the
 * first one a door reports is registered (audited), and to that one the
 * bundle carries the live read master keys, sealed (key 13; a door given a
 * new API key registers anew). *out is a new buffer of *len bytes: caller frees it.
 * LP_ERR_NOTFOUND for an unknown door. */
int iss_door_sync(db_t *db, int64_t door_id, int64_t since, int64_t door_floor, const uint8_t *box,
                  const uint8_t *nonce, size_t nonce_len, int64_t now, uint8_t **out, size_t *len) LP_MUST;

/* A sync request in full (iss_door_sync is this with cards = 0). With cards,
 * the bundle carries key 14, the pass each active card should hold now
 * (access protocol 18.10), unless its digest equals digest (what the door
 * holds); with write_keys and a registered box key it also carries key 15,
 * the live write masters sealed like the read masters. */
struct iss_sync_req {
    int64_t since, door_floor;
    const uint8_t *box;
    const uint8_t *nonce;
    size_t nonce_len;
    int cards;                                  /* cp= given */
    uint8_t digest[TOK_CARD_PASSES_DIGEST];     /* the door's card-pass digest */
    int write_keys;                             /* wk=1 */
};
int iss_door_sync_req(db_t *db, int64_t door_id, const struct iss_sync_req *q, int64_t now,
                      uint8_t **out, size_t *len) LP_MUST;

/* ---- door events ---- */

#define ISS_EVENT_ID_MAX   64
#define ISS_EVENTS_MAX     200
#define ISS_EVENT_FUTURE   300       /* seconds ahead of the server an event time is taken as is */
#define ISS_QUEUE_MAX      1000000

typedef struct iss_event {
    char id[ISS_EVENT_ID_MAX + 1];   /* [A-Za-z0-9._:-], unique per door */
    int64_t at;
    char kind[12];                   /* admission | exit | denied | alarm */
    char reason[65];                 /* "" or [a-z0-9_] */
    int has_cti;
    uint8_t cti[TOK_CTI_LEN];
    int64_t reservation_id, person_id;   /* 0 when not reported */
    int64_t queue_length;            /* -1 when not reported */
    char alarm[33];                  /* "" unless kind is alarm: [a-z0-9_] */
} iss_event;

typedef struct iss_ack {
    char id[ISS_EVENT_ID_MAX + 1];
    enum iss_ack_result outcome;
    char detail[240];
} iss_ack;

/* Checks one event's fields (formats, kind, alarm rule, ranges).
 * LP_ERR_INVALID naming the field. */
int iss_event_check(const iss_event *e, int64_t now, lp_fail *f) LP_MUST;
/* Stores a batch from door_id in one transaction, idempotent by event id:
 * a known id is neither stored nor applied again and gets its stored ack.
 * Admissions check the reservation in, exits check it out (actor "door:N").
 * An event time more than ISS_EVENT_FUTURE ahead of now is replaced by now
 * (the ack's detail says so). queue_length < 0: not reported. acks[0..n)
 * must have room for n. LP_ERR_NOTFOUND for an unknown door, LP_ERR_INVALID
 * for a bad event; a database failure on any event (also while looking up
 * its reservation or pass) fails the whole batch, stores nothing and is
 * never acknowledged as not_applied. */
int iss_events_ingest(db_t *db, int64_t door_id, const iss_event *ev, size_t n, int64_t queue_length,
                      int64_t now, iss_ack *acks) LP_MUST;

typedef struct iss_event_row {
    int64_t id, door_id;
    char door_name[TOK_DOOR_ID_MAX + 1];
    iss_event ev;
    char person_name[201];
    enum iss_ack_result outcome;
    char detail[240];
    int64_t received_at;
} iss_event_row;

/* Events of one door (0 = all) with at in [from, to), oldest first (by at,
 * then id), at most limit. after (may be NULL) is the (at, id) of the last
 * event already read: the list starts past it. Caller frees *out. */
int iss_events_list(db_t *db, int64_t door_id, int64_t from, int64_t to, const int64_t after[2], size_t limit,
                    iss_event_row **out, size_t *n) LP_MUST;
/* Retention: removes door events from before `before`, except those that
 * checked a reservation in or out (the times billing charges by actual use),
 * which are kept until `billed_before` (the invoices' retention). Count in
 * *removed. */
int iss_events_prune(db_t *db, int64_t before, int64_t billed_before, int64_t *removed) LP_MUST;

/* The ML-1 register's second half: who entered through the doors of group
 * in [from, to), by name: first and last admission and how many. Caller
 * frees. */
typedef struct iss_presence_row {
    int64_t person_id;
    char person[201], company[201];
    int64_t first_in, last_in, entries;
} iss_presence_row;
int iss_presence(db_t *db, const char *group, int64_t from, int64_t to, iss_presence_row **out, size_t *n) LP_MUST;

/* ---- a person's data (booking/export.h) ---- */

/* credentials, passes and door events of a person (iss_export.c). */
extern const exp_section iss_export_sections[];
extern const size_t iss_export_sections_len;
/* Erasure (privacy/erase.c), in the caller's transaction: revokes every pass
 * of the person (reason person_erased, onto the denylist; count in *revoked,
 * may be NULL) and every holder key, whose label is emptied. */
int iss_erase_person(db_t *db, const actor_t *who, int64_t person_id, int64_t now, int *revoked) LP_MUST;

#endif
