/* iss_door.c: doors, their signed sync bundle and their event uploads
 * (docs/access-protocol.md sections 15 and 16).
 *
 * Guarantees: a door's name and group are valid in a pass and a challenge;
 * a sync answers exactly one door, records when it was seen, and is signed
 * by the oldest trusted key (which the door knows from its last sync); an
 * event batch is stored in one transaction and is idempotent by (door, event
 * id): a repeated event is neither stored nor applied again and is answered
 * with its stored ack. Admissions and exits change only reservations of the
 * door's own group, and the pass (found by cti) decides which reservation. */
#include "access/issuer/iss_internal.h"
#include "booking/account.h"
#include "booking/resource.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include "core/log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char ISS_SNAP_DOOR[] = "SELECT json_object('id', id, 'name', name, 'door_group', door_group, 'holder_proof', "
    "holder_proof, 'bearer_allowed', bearer_allowed, 'clock_skew', clock_skew, 'pulse_ms', pulse_ms, "
    "'sync_interval', sync_interval, 'retired_at', retired_at) FROM doors WHERE id = ?1";

/* ---- the ack result's spelling ---- */

static const char *const ACK_RESULT_NAMES[ISS_ACK_RESULT_COUNT] = {
    [ISS_ACK_RECORDED] = "recorded", [ISS_ACK_CHECKED_IN] = "checked_in", [ISS_ACK_CHECKED_OUT] = "checked_out",
    [ISS_ACK_NOT_APPLIED] = "not_applied",
};

const char *iss_ack_result_name(enum iss_ack_result r)
{
    return (unsigned)r < ISS_ACK_RESULT_COUNT ? ACK_RESULT_NAMES[r] : "";
}

int iss_ack_result_parse(const char *text, enum iss_ack_result *out)
{
    int i = iss_spelling(ACK_RESULT_NAMES, ISS_ACK_RESULT_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum iss_ack_result)i;
    return 0;
}

/* ---- doors ---- */

void iss_door_defaults(iss_door *d)
{
    memset(d, 0, sizeof *d);
    d->holder_proof = 1;
    d->bearer_allowed = 0;
    d->clock_skew = 120;
    d->pulse_ms = 3000;
    d->sync_interval = 60;
    d->last_seen_at = d->last_since = d->queue_length = -1;
}

/* The door's settings, as a bundle carries them (also the validity rules). */
static void door_settings(const iss_door *d, struct tok_door_settings *s)
{
    memset(s, 0, sizeof *s);
    s->n_groups = 1;
    snprintf(s->groups[0], sizeof s->groups[0], "%s", d->group);
    s->holder_proof = d->holder_proof;
    s->bearer_allowed = d->bearer_allowed;
    s->clock_skew = d->clock_skew;
    s->pulse_ms = d->pulse_ms;
    snprintf(s->name, sizeof s->name, "%s", d->name);
    s->sync_interval = d->sync_interval;
}

/* 1..max visible ASCII bytes (0x21..0x7e), as pass texts are. */
static int chars_visible(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return 0;
    }
    return n >= 1 && n <= max;
}

/* Checks d: name and group as passes and challenges need them, and the
 * settings by the bundle's own rules (one rule set for both). */
int iss_door_valid(const iss_door *d, lp_fail *f)
{
    struct tok_bundle b = { .iss = "x" };
    size_t n = strnlen(d->name, sizeof d->name);
    for (size_t i = 0; i < n; i++) {
        char c = d->name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._-", c)))
            n = 0;
    }
    if (n == 0 || n > TOK_DOOR_ID_MAX)
        return lp_failf(f, LP_ERR_INVALID, "name", "the name is 1 to 32 of A-Z a-z 0-9 . _ -");
    door_settings(d, &b.settings);
    if (!chars_visible(d->group, TOK_GROUP_MAX))
        return lp_failf(f, LP_ERR_INVALID, "group", "the door group is 1 to 16 visible ASCII characters");
    if (!strcmp(d->group, "*"))
        return lp_failf(f, LP_ERR_INVALID, "group", "\"*\" stands for every group in staff passes; name a real group");
    if (d->holder_proof && d->bearer_allowed)
        return lp_failf(f, LP_ERR_INVALID, "bearer_allowed", "a door that requires the holder proof takes no "
                        "bearer passes: set holder_proof to false to allow them");
    if (tok_bundle_check(&b) != 0)
        return lp_failf(f, LP_ERR_INVALID, "settings", "clock_skew is 0 to 86400 s, pulse_ms 100 to 30000, "
                        "sync_interval 1 to 86400 s");
    return 0;
}

#define DOOR_COLS "SELECT d.id, d.name, d.door_group, d.holder_proof, d.bearer_allowed, d.clock_skew, d.pulse_ms, " \
    "d.sync_interval, d.created_at, COALESCE(d.last_seen_at, -1), COALESCE(d.last_since, -1), " \
    "COALESCE(d.queue_length, -1), (SELECT count(*) FROM door_events e WHERE e.door_id = d.id AND e.kind = 'alarm' " \
    "AND e.at >= ?1 - 86400), COALESCE((SELECT e.alarm || ' ' || e.at FROM door_events e WHERE e.door_id = d.id " \
    "AND e.kind = 'alarm' ORDER BY e.at DESC, e.id DESC LIMIT 1), ''), COALESCE(d.retired_at, 0), d.version FROM doors d "

static void door_row(sqlite3_stmt *st, iss_door *d)
{
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    snprintf(d->name, sizeof d->name, "%s", db_col_text(st, 1));
    snprintf(d->group, sizeof d->group, "%s", db_col_text(st, 2));
    d->holder_proof = sqlite3_column_int(st, 3);
    d->bearer_allowed = sqlite3_column_int(st, 4);
    d->clock_skew = sqlite3_column_int64(st, 5);
    d->pulse_ms = sqlite3_column_int64(st, 6);
    d->sync_interval = sqlite3_column_int64(st, 7);
    d->created_at = sqlite3_column_int64(st, 8);
    d->last_seen_at = sqlite3_column_int64(st, 9);
    d->last_since = sqlite3_column_int64(st, 10);
    d->queue_length = sqlite3_column_int64(st, 11);
    d->alarms_24h = sqlite3_column_int(st, 12);
    long long at = 0;
    if (sscanf(db_col_text(st, 13), "%32s %lld", d->last_alarm, &at) == 2)
        d->last_alarm_at = at;
    d->retired_at = sqlite3_column_int64(st, 14);
    snprintf(d->version, sizeof d->version, "%s", db_col_text(st, 15));
}

int iss_door_get(db_t *db, int64_t id, iss_door *out)
{
    sqlite3_stmt *st = db_stmt(db, DOOR_COLS "WHERE d.id = ?2");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, 0);
    db_bind_int(st, 2, id);
    int rc = db_get(st);
    if (rc == 0) {
        door_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

static int door_row_any(sqlite3_stmt *st, void *d)
{
    door_row(st, d);
    return 0;
}

int iss_door_list(db_t *db, int64_t now, iss_door **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, DOOR_COLS "WHERE ?2 = ?2 ORDER BY d.id");
    *out = NULL;
    *n = 0;
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, 0);
    return db_collect(st, sizeof **out, door_row_any, (void **)out, n);
}

static int door_insert(db_t *db, const actor_t *who, iss_door *d, int64_t now, lp_fail *f)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO doors(name, door_group, holder_proof, bearer_allowed, clock_skew, "
                                   "pulse_ms, sync_interval, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return LP_ERR_DB;
    db_bind_text(st, 1, d->name);
    db_bind_text(st, 2, d->group);
    db_bind_int(st, 3, d->holder_proof);
    db_bind_int(st, 4, d->bearer_allowed);
    db_bind_int(st, 5, d->clock_skew);
    db_bind_int(st, 6, d->pulse_ms);
    db_bind_int(st, 7, d->sync_interval);
    db_bind_int(st, 8, now);
    int rc = db_exec_stmt(st);
    if (rc == LP_ERR_CONFLICT)
        return lp_failf(f, rc, "name", "a door named %s exists already", d->name);
    if (rc == 0) {
        d->id = db_last_id(db);
        d->created_at = now;
        rc = audit_change(db, who, "create", "door", d->id, ISS_SNAP_DOOR, NULL);
    }
    return rc;
}

int iss_door_add(db_t *db, const actor_t *who, iss_door *d, char *key_out, size_t keylen, lp_fail *f)
{
    char name[64];
    int64_t key_id = 0;
    int own, rc = iss_door_valid(d, f);
    if (rc)
        return rc;
    if (keylen < 96)
        return LP_ERR_INTERNAL;
    rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = door_insert(db, who, d, clk_now(), f);
    snprintf(name, sizeof name, "door %s", d->name);
    if (rc == 0)
        rc = acct_apikey_create(db, who, name, "door", 0, d->id, key_out, keylen, &key_id);
    rc = iss_tx_end(db, own, rc);
    if (rc)
        sodium_memzero(key_out, keylen);
    return rc;
}

/* ---- sync ---- */

struct sync_parts {
    iss_door door;
    iss_settings s;
    iss_key *keys;
    size_t n_keys;
    struct iss_signer signer;
    int64_t floor_from;          /* the door's floor this bundle corrects, or 0 */
    int send_card_keys;          /* the door's box key is the registered one */
};

/* Everything a bundle needs, read in one transaction (a consistent SEQ,
 * trust list and signer), with last_seen recorded. */
/* A door reporting a time floor above the server's clock (beyond its clock
 * skew) got it from this server while its clock ran ahead: the bundle, bound
 * to the request's nonce, lowers it to now (key 12). Audited each time. */
static int floor_correction(db_t *db, struct sync_parts *p, int64_t door_floor, size_t nonce_len, int64_t now)
{
    if (!nonce_len || door_floor <= now + p->door.clock_skew) return 0;
    char label[32], before[48], after[48];
    snprintf(label, sizeof label, "door:%lld", (long long)p->door.id);
    snprintf(before, sizeof before, "{\"floor\":%lld}", (long long)door_floor);
    snprintf(after, sizeof after, "{\"floor\":%lld}", (long long)now);
    p->floor_from = door_floor;
    return audit_add(db, &(actor_t){ 0, label }, "floor_correction", "door", p->door.id, before, after);
}

/* The box key a door reports: registered on first sight (audited); the
 * read masters are sent only to the registered one. *send says whether. */
static int door_box(db_t *db, struct sync_parts *p, const uint8_t *box, int *send)
{
    *send = 0;
    if (!box) return 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT box_key FROM doors WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, p->door.id);
    int rc = db_get(st), have = 0, same = 0;
    if (rc == 0) {
        have = sqlite3_column_type(st, 0) != SQLITE_NULL;
        same = have && sqlite3_column_bytes(st, 0) == 32 && sodium_memcmp(sqlite3_column_blob(st, 0), box, 32) == 0;
    }
    sqlite3_reset(st);
    if (rc || have) {
        if (rc == 0 && !same)
            log_warn("issuer", "door %lld reported another box key: no card keys for it until it gets a new API key",
                     (long long)p->door.id);
        *send = same;
        return rc;
    }
    st = db_stmt(db, "UPDATE doors SET box_key = ?2 WHERE id = ?1 AND box_key IS NULL");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, p->door.id);
    db_bind_blob(st, 2, box, 32);
    rc = db_exec_stmt(st);
    char label[32], hex[65], after[96];
    snprintf(label, sizeof label, "door:%lld", (long long)p->door.id);
    sodium_bin2hex(hex, sizeof hex, box, 32);
    snprintf(after, sizeof after, "{\"box_key\":\"%s\"}", hex);
    if (rc == 0) rc = audit_add(db, &(actor_t){ 0, label }, "box_key", "door", p->door.id, NULL, after);
    *send = rc == 0;
    return rc;
}

static int sync_read(db_t *db, int64_t door_id, int64_t since, int64_t door_floor, size_t nonce_len, int64_t now,
                     const uint8_t *box, struct tok_bundle *b, struct sync_parts *p)
{
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = iss_door_get(db, door_id, &p->door);
    if (rc == 0 && p->door.retired_at)
        rc = LP_ERR_NOTFOUND;   /* a retired door has no bundle (its key is revoked too) */
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE doors SET last_seen_at = ?2, last_since = ?3 WHERE id = ?1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, door_id);
        db_bind_int(st, 2, now);
        db_bind_int(st, 3, since);
        rc = db_exec_stmt(st);
    }
    if (rc == 0)
        rc = floor_correction(db, p, door_floor, nonce_len, now);
    if (rc == 0)
        rc = door_box(db, p, box, &p->send_card_keys);
    if (rc == 0)
        rc = iss_settings_get(db, &p->s);
    if (rc == 0)
        rc = iss_deny_since(db, since, now, p->door.clock_skew, &b->deny, &b->n_deny, &b->seq, &b->reset);
    if (rc == 0)
        rc = iss_signer_oldest(db, now, &p->signer);
    if (rc == 0)
        rc = iss_key_list(db, now, 0, &p->keys, &p->n_keys);
    return iss_tx_end(db, own, rc);
}

static int sync_fill(struct tok_bundle *b, struct sync_parts *p, int64_t since, int64_t now)
{
    snprintf(b->iss, sizeof b->iss, "%s", p->s.issuer);
    b->door_id = p->door.id;
    b->now = now;
    b->since = since;
    b->floor_from = p->floor_from;
    door_settings(&p->door, &b->settings);
    b->keys = calloc(p->n_keys ? p->n_keys : 1, sizeof *b->keys);
    if (!b->keys)
        return LP_ERR_NOMEM;
    b->n_keys = p->n_keys;
    for (size_t i = 0; i < p->n_keys; i++) {
        memcpy(b->keys[i].key.kid, p->keys[i].kid, TOK_KID_LEN);
        b->keys[i].key.kid_len = TOK_KID_LEN;
        memcpy(b->keys[i].key.pk, p->keys[i].pk, TOK_PK_LEN);
        b->keys[i].not_before = p->keys[i].created_at;
        b->keys[i].not_after = p->keys[i].not_after;
    }
    return 0;
}

int iss_door_sync(db_t *db, int64_t door_id, int64_t since, int64_t door_floor, const uint8_t *box,
                  const uint8_t *nonce, size_t nonce_len, int64_t now, uint8_t **out, size_t *len)
{
    struct iss_sync_req q = { .since = since, .door_floor = door_floor, .box = box, .nonce = nonce,
                              .nonce_len = nonce_len };
    return iss_door_sync_req(db, door_id, &q, now, out, len);
}

/* Key 14, left out when the door holds the same set already. */
static int card_passes(db_t *db, const struct iss_sync_req *q, int64_t now, struct tok_bundle *b)
{
    uint8_t digest[TOK_CARD_PASSES_DIGEST];
    int rc = iss_card_passes_all(db, now, &b->card_passes, &b->n_card_passes);
    if (rc != 0) return rc;
    tok_card_passes_digest(b->card_passes, b->n_card_passes, digest);
    if (sodium_memcmp(digest, q->digest, sizeof digest) == 0) {
        free(b->card_passes);
        b->card_passes = NULL;
        b->n_card_passes = 0;
        return 0;
    }
    b->has_card_passes = 1;
    return 0;
}

int iss_door_sync_req(db_t *db, int64_t door_id, const struct iss_sync_req *q, int64_t now,
                      uint8_t **out, size_t *len)
{
    int64_t since = q->since, door_floor = q->door_floor;
    const uint8_t *box = q->box, *nonce = q->nonce;
    size_t nonce_len = q->nonce_len;
    struct tok_bundle b;
    struct sync_parts p;
    uint8_t *payload = NULL;
    size_t plen = 0;
    memset(&b, 0, sizeof b);
    memset(&p, 0, sizeof p);
    *out = NULL;
    *len = 0;
    if (since < 0 || door_floor < 0 || nonce_len > TOK_NONCE_MAX || (nonce_len && nonce_len < TOK_NONCE_MIN))
        return LP_ERR_INVALID;
    int rc = sync_read(db, door_id, since, door_floor, nonce_len, now, box, &b, &p);
    if (rc == 0)
        rc = sync_fill(&b, &p, since, now);
    if (rc == 0 && p.send_card_keys)
        rc = iss_card_keys_boxed(db, box, &b);
    if (rc == 0 && p.send_card_keys && q->write_keys)
        rc = iss_card_write_keys_boxed(db, box, &b);
    if (rc == 0 && q->cards)
        rc = card_passes(db, q, now, &b);
    if (rc == 0 && nonce_len) {
        memcpy(b.nonce, nonce, nonce_len);
        b.nonce_len = nonce_len;
    }
    if (rc == 0)
        rc = tok_bundle_encode(&b, &payload, &plen);
    if (rc == 0)
        rc = tok_sign1_sign(payload, plen, p.signer.sk, p.signer.kid, TOK_KID_LEN, out, len);
    iss_signer_wipe(&p.signer);
    free(payload);
    free(p.keys);
    tok_bundle_clear(&b);
    return rc;
}

/* ---- events ---- */

static int chars_ok(const char *s, size_t max, const char *extra, int upper)
{
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z') ||
                 (c && strchr(extra, c));
        if (!ok)
            return 0;
    }
    return 1;
}

int iss_event_check(const iss_event *e, int64_t now, lp_fail *f)
{
    static const char *const kinds[] = { "admission", "exit", "denied", "alarm" };
    size_t k = 0;
    while (k < 4 && strcmp(e->kind, kinds[k]))
        k++;
    if (!chars_ok(e->id, ISS_EVENT_ID_MAX, "._:-", 1))
        return lp_failf(f, LP_ERR_INVALID, "id", "the event id is 1 to 64 of A-Z a-z 0-9 . _ : -");
    if (k == 4)
        return lp_failf(f, LP_ERR_INVALID, "kind", "kind is admission, exit, denied or alarm");
    if (e->at < 0)
        return lp_failf(f, LP_ERR_INVALID, "time", "the event time is before 1970");
    if (e->reason[0] && !chars_ok(e->reason, 64, "_", 0))
        return lp_failf(f, LP_ERR_INVALID, "reason", "the reason is 1 to 64 of a-z 0-9 _");
    if (!strcmp(e->kind, "alarm") != (e->alarm[0] != 0) || (e->alarm[0] && !chars_ok(e->alarm, 32, "_", 0)))
        return lp_failf(f, LP_ERR_INVALID, "alarm", "alarm (1 to 32 of a-z 0-9 _) is given with kind alarm only");
    if (e->reservation_id < 0 || e->person_id < 0 || e->queue_length < -1 || e->queue_length > ISS_QUEUE_MAX)
        return lp_failf(f, LP_ERR_INVALID, "queue_length", "ids are positive, queue_length 0 to %d", ISS_QUEUE_MAX);
    return 0;
}

/* The pass an event names by cti, if the server issued it (all 0 when not;
 * a failing read is an error). */
struct found { int64_t pass_id, person_id, reservation_id; };

static int find_pass(db_t *db, const iss_event *e, struct found *p)
{
    memset(p, 0, sizeof *p);
    if (!e->has_cti)
        return 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT id, person_id, COALESCE(reservation_id, 0) FROM passes WHERE cti = ?1");
    if (!st)
        return LP_ERR_DB;
    db_bind_blob(st, 1, e->cti, TOK_CTI_LEN);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return 0;
    if (rc == 0) {
        p->pass_id = sqlite3_column_int64(st, 0);
        p->person_id = sqlite3_column_int64(st, 1);
        p->reservation_id = sqlite3_column_int64(st, 2);
        sqlite3_reset(st);
    }
    return rc;
}

/* Errors that refuse one event's effect but not the batch. */
static int domain_err(int rc)
{
    return rc == LP_ERR_STATE || rc == LP_ERR_RULE || rc == LP_ERR_FORBIDDEN || rc == LP_ERR_NOTFOUND ||
           rc == LP_ERR_INVALID || rc == LP_ERR_CONFLICT;
}

static void set_result(iss_ack *a, enum iss_ack_result r)
{
    a->outcome = r;
}

static int not_applied(iss_ack *a, const char *detail)
{
    set_result(a, ISS_ACK_NOT_APPLIED);
    snprintf(a->detail, sizeof a->detail, "%s", detail);
    return 0;
}

/* Checks the reservation in (admission) or out (exit), as door:N. A refusal
 * is acknowledged as not_applied; a database failure is returned (the batch
 * fails and the door sends the event again), never taken for "no such
 * reservation". */
static int apply_booking(db_t *db, const iss_door *d, const iss_event *e, const struct found *p, iss_ack *a)
{
    rsv_reservation r;
    res_resource res;
    lp_fail f = { 0 };
    char label[32];
    int in = !strcmp(e->kind, "admission");
    int64_t rid = p->pass_id ? p->reservation_id : e->reservation_id;
    int64_t pid = p->pass_id ? p->person_id : e->person_id;
    set_result(a, ISS_ACK_RECORDED);
    if ((!in && strcmp(e->kind, "exit")) || rid == 0)
        return 0;
    int rc = rsv_get(db, rid, &r);
    if (rc == LP_ERR_NOTFOUND)
        return not_applied(a, "no such reservation");
    if (rc)
        return rc;
    if (pid && pid != r.person_id)
        return not_applied(a, "the reservation belongs to another person");
    rc = res_get(db, r.resource_id, &res);
    if (rc == 0 && strcmp(res.door_group, d->group))
        return not_applied(a, "the reservation is not behind this door");
    if (rc == 0 && !in && r.state != RSV_CHECKED_IN)
        return not_applied(a, "the reservation is not checked in");
    snprintf(label, sizeof label, "door:%lld", (long long)d->id);
    actor_t who = { 0, label };
    if (rc == 0)
        rc = in ? rsv_check_in(db, &who, rid, e->at, &f) : rsv_check_out(db, &who, rid, e->at, &f);
    if (rc == 0)
        set_result(a, in ? ISS_ACK_CHECKED_IN : ISS_ACK_CHECKED_OUT);
    else if (domain_err(rc))
        return not_applied(a, f.code == rc && f.detail[0] ? f.detail : lp_err_name(rc));
    return rc;
}

/* The stored ack of a known event (*found = 1), *found = 0 for a new one,
 * or the read's error. */
static int stored_ack(db_t *db, int64_t door_id, const char *id, iss_ack *a, int *found)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT result, detail FROM door_events WHERE door_id = ?1 AND event_id = ?2");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, door_id);
    db_bind_text(st, 2, id);
    *found = 0;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    enum iss_ack_result r;
    rc = iss_ack_result_parse(db_col_text(st, 0), &r) == 0 ? 0 : LP_ERR_DB;   /* the CHECK allows no other */
    if (rc == 0) {
        set_result(a, r);
        snprintf(a->detail, sizeof a->detail, "%s", db_col_text(st, 1));
        *found = 1;
    }
    sqlite3_reset(st);
    return rc;
}

/* A door alarm as webhook receivers get it ("data" of door.alarm). */
static const char WEBHOOK_ALARM[] =
    "SELECT json_object('id', e.id, 'door_id', e.door_id, 'door', d.name, 'event_id', e.event_id, 'alarm', e.alarm, "
    "'time', strftime('%Y-%m-%dT%H:%M:%SZ', e.at, 'unixepoch')) FROM door_events e JOIN doors d ON d.id = e.door_id "
    "WHERE e.id = ?1";

static int event_insert(db_t *db, int64_t door_id, const iss_event *e, const struct found *p, const iss_ack *a,
                        int64_t now)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO door_events(door_id, event_id, at, kind, reason, cti, reservation_id, person_id, pass_id, "
        "queue_length, alarm, received_at, result, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, 0), NULLIF(?8, 0), "
        "NULLIF(?9, 0), NULLIF(?10, -1), ?11, ?12, ?13, ?14)");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, door_id);
    db_bind_text(st, 2, e->id);
    db_bind_int(st, 3, e->at);
    db_bind_text(st, 4, e->kind);
    db_bind_text(st, 5, e->reason);
    if (e->has_cti)
        db_bind_blob(st, 6, e->cti, TOK_CTI_LEN);
    db_bind_int(st, 7, p->pass_id ? p->reservation_id : e->reservation_id);
    db_bind_int(st, 8, p->pass_id ? p->person_id : e->person_id);
    db_bind_int(st, 9, p->pass_id);
    db_bind_int(st, 10, e->queue_length);
    db_bind_text(st, 11, e->alarm);
    db_bind_int(st, 12, now);
    db_bind_text(st, 13, iss_ack_result_name(a->outcome));
    db_bind_text(st, 14, a->detail);
    return db_exec_stmt(st);
}

/* A door clock running ahead must not wedge its queue: an event more than
 * ISS_EVENT_FUTURE ahead is taken at the server's time, and the ack says so. */
static int ingest_one(db_t *db, const iss_door *d, const iss_event *in, int64_t now, iss_ack *a)
{
    struct found p;
    iss_event e = *in;
    int found = 0;
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", e.id);
    int rc = stored_ack(db, d->id, e.id, a, &found);
    if (rc || found)
        return rc;
    int64_t ahead = e.at - now;
    if (ahead > ISS_EVENT_FUTURE)
        e.at = now;
    rc = find_pass(db, &e, &p);
    if (rc == 0)
        rc = apply_booking(db, d, &e, &p, a);
    if (rc == 0 && ahead > ISS_EVENT_FUTURE && !a->detail[0])
        snprintf(a->detail, sizeof a->detail, "the event time was %lld s ahead of the server; recorded at the "
                 "server's time", (long long)ahead);
    if (rc == 0)
        rc = event_insert(db, d->id, &e, &p, a, now);
    if (rc == 0 && !strcmp(e.kind, "alarm"))
        rc = whk_emit(db, WHK_EV_DOOR_ALARM, WEBHOOK_ALARM, db_last_id(db));
    return rc;
}

int iss_events_ingest(db_t *db, int64_t door_id, const iss_event *ev, size_t n, int64_t queue_length,
                      int64_t now, iss_ack *acks)
{
    iss_door d;
    if (n > ISS_EVENTS_MAX || queue_length < -1 || queue_length > ISS_QUEUE_MAX)
        return LP_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (iss_event_check(&ev[i], now, NULL) != 0)
            return LP_ERR_INVALID;
    }
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = iss_door_get(db, door_id, &d);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE doors SET last_seen_at = ?2, "
                                               "queue_length = COALESCE(NULLIF(?3, -1), queue_length) WHERE id = ?1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, door_id);
        db_bind_int(st, 2, now);
        db_bind_int(st, 3, queue_length);
        rc = db_exec_stmt(st);
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = ingest_one(db, &d, &ev[i], now, &acks[i]);
    return iss_tx_end(db, own, rc);
}

/* ---- the presence report ---- */

static int event_row(sqlite3_stmt *st, iss_event_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->door_id = sqlite3_column_int64(st, 1);
    snprintf(r->door_name, sizeof r->door_name, "%s", db_col_text(st, 2));
    snprintf(r->ev.id, sizeof r->ev.id, "%s", db_col_text(st, 3));
    r->ev.at = sqlite3_column_int64(st, 4);
    snprintf(r->ev.kind, sizeof r->ev.kind, "%s", db_col_text(st, 5));
    snprintf(r->ev.reason, sizeof r->ev.reason, "%s", db_col_text(st, 6));
    if (sqlite3_column_bytes(st, 7) == TOK_CTI_LEN) {
        r->ev.has_cti = 1;
        memcpy(r->ev.cti, sqlite3_column_blob(st, 7), TOK_CTI_LEN);
    }
    r->ev.reservation_id = sqlite3_column_int64(st, 8);
    r->ev.person_id = sqlite3_column_int64(st, 9);
    r->ev.queue_length = sqlite3_column_int64(st, 10);
    snprintf(r->ev.alarm, sizeof r->ev.alarm, "%s", db_col_text(st, 11));
    snprintf(r->person_name, sizeof r->person_name, "%s", db_col_text(st, 12));
    if (iss_ack_result_parse(db_col_text(st, 13), &r->outcome) != 0)
        return LP_ERR_DB;   /* the CHECK constraint allows no other */
    snprintf(r->detail, sizeof r->detail, "%s", db_col_text(st, 14));
    r->received_at = sqlite3_column_int64(st, 15);
    return 0;
}

static int event_row_any(sqlite3_stmt *st, void *r)
{
    return event_row(st, r);
}

int iss_events_list(db_t *db, int64_t door_id, int64_t from, int64_t to, const int64_t after[2], size_t limit,
                    iss_event_row **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT e.id, e.door_id, d.name, e.event_id, e.at, e.kind, e.reason, e.cti, COALESCE(e.reservation_id, 0), "
        "COALESCE(e.person_id, 0), COALESCE(e.queue_length, -1), e.alarm, COALESCE(p.name, ''), e.result, e.detail, "
        "e.received_at FROM door_events e JOIN doors d ON d.id = e.door_id LEFT JOIN people p ON p.id = e.person_id "
        "WHERE (?1 = 0 OR e.door_id = ?1) AND e.at >= ?2 AND e.at < ?3 "
        "AND (?5 = 0 OR e.at > ?6 OR (e.at = ?6 AND e.id > ?7)) ORDER BY e.at, e.id LIMIT ?4");
    *out = NULL;
    *n = 0;
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, door_id);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    db_bind_int(st, 4, (int64_t)(limit > INT64_MAX ? INT64_MAX : limit));
    db_bind_int(st, 5, after != NULL);
    db_bind_int(st, 6, after ? after[0] : 0);
    db_bind_int(st, 7, after ? after[1] : 0);
    return db_collect(st, sizeof **out, event_row_any, (void **)out, n);
}

int iss_events_prune(db_t *db, int64_t before, int64_t billed_before, int64_t *removed)
{
    *removed = 0;
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM door_events WHERE at < ?2 "
                                   "OR (at < ?1 AND result NOT IN ('checked_in', 'checked_out'))");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, before);
    db_bind_int(st, 2, billed_before);
    int rc = db_exec_stmt(st);
    if (rc == 0)
        *removed = db_changes(db);
    return rc;
}

static int presence_row(sqlite3_stmt *st, void *elem)
{
    iss_presence_row *r = elem;
    memset(r, 0, sizeof *r);
    r->person_id = sqlite3_column_int64(st, 0);
    snprintf(r->person, sizeof r->person, "%s", db_col_text(st, 1));
    snprintf(r->company, sizeof r->company, "%s", db_col_text(st, 2));
    r->first_in = sqlite3_column_int64(st, 3);
    r->last_in = sqlite3_column_int64(st, 4);
    r->entries = sqlite3_column_int64(st, 5);
    return 0;
}

int iss_presence(db_t *db, const char *group, int64_t from, int64_t to, iss_presence_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db,
        "SELECT e.person_id, p.name, COALESCE(t.name, ''), min(e.at), max(e.at), count(*) FROM door_events e "
        "JOIN doors d ON d.id = e.door_id JOIN people p ON p.id = e.person_id LEFT JOIN memberships m ON "
        "m.person_id = p.id LEFT JOIN tenants t ON t.id = m.tenant_id WHERE d.door_group = ?1 AND "
        "e.kind = 'admission' AND e.at >= ?2 AND e.at < ?3 GROUP BY e.person_id ORDER BY p.name, e.person_id");
    if (!st)
        return LP_ERR_DB;
    db_bind_text(st, 1, group);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    return db_collect(st, sizeof **out, presence_row, (void **)out, n);
}

/* ---- demo ---- */

int iss_demo_seed(db_t *db, const actor_t *who)
{
    static const struct { const char *name, *group; int holder, bearer; } doors[] = {
        { "ml1-a-main", "ml1-a", 1, 0 }, { "ml1-b-main", "ml1-b", 1, 0 }, { "office-main", "office", 0, 1 },
        { "fc-1-interlock", "fc-1", 1, 0 },   /* the flow cytometer's instrument interlock */
    };
    iss_settings s;
    char key[128];
    lp_fail f = { 0 };
    int rc = iss_settings_get(db, &s);
    snprintf(s.issuer, sizeof s.issuer, "mtf");
    if (rc == 0)
        rc = iss_settings_set(db, who, &s, &f);
    for (size_t i = 0; rc == 0 && i < sizeof doors / sizeof doors[0]; i++) {
        iss_door d;
        iss_door_defaults(&d);
        snprintf(d.name, sizeof d.name, "%s", doors[i].name);
        snprintf(d.group, sizeof d.group, "%s", doors[i].group);
        d.holder_proof = doors[i].holder;
        d.bearer_allowed = doors[i].bearer;
        rc = iss_door_add(db, who, &d, key, sizeof key, &f);
    }
    sodium_memzero(key, sizeof key);
    return rc;
}
