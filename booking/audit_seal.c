/* audit_seal.c: the audit log's hash chain (see audit_seal.h). Sealing and
 * pruning run inside the caller's write transaction (or their own); every
 * step goes through db_step/db_get, so a failing read is an error and never
 * a broken or a good chain. */
#include "booking/audit_seal.h"
#include "booking/audit.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_COLS "id, at, COALESCE(actor_id, 0), actor, action, object_type, COALESCE(object_id, 0), " \
                 "before_json, after_json, hash, body_commit, body_nonce, erased_at"

/* ---- the encoding ---- */

static void put_i64(crypto_generichash_state *s, int64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)v >> (8 * i));
    crypto_generichash_update(s, b, sizeof b);
}

static void put_text(crypto_generichash_state *s, const char *t)
{
    uint8_t tag = t != NULL;
    crypto_generichash_update(s, &tag, 1);
    if (!t) return;
    size_t n = strlen(t);
    uint8_t len[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };
    crypto_generichash_update(s, len, sizeof len);
    crypto_generichash_update(s, (const uint8_t *)t, n);
}

static void start(crypto_generichash_state *s, const char *domain)
{
    crypto_generichash_init(s, NULL, 0, AUDIT_HASH_LEN);
    crypto_generichash_update(s, (const uint8_t *)domain, strlen(domain));
}

void audit_commit(const uint8_t nonce[AUDIT_NONCE_LEN], const char *before, const char *after,
                  uint8_t out[AUDIT_HASH_LEN])
{
    crypto_generichash_state s;
    start(&s, "labpass-audit-body-v1");
    crypto_generichash_update(&s, nonce, AUDIT_NONCE_LEN);
    put_text(&s, before);
    put_text(&s, after);
    crypto_generichash_final(&s, out, AUDIT_HASH_LEN);
}

void audit_hash(const uint8_t prev[AUDIT_HASH_LEN], const audit_fields *f, const uint8_t commit[AUDIT_HASH_LEN],
                uint8_t out[AUDIT_HASH_LEN])
{
    crypto_generichash_state s;
    start(&s, "labpass-audit-v1");
    crypto_generichash_update(&s, prev, AUDIT_HASH_LEN);
    put_i64(&s, f->at);
    put_i64(&s, f->actor_id);
    put_text(&s, f->actor);
    put_text(&s, f->action);
    put_text(&s, f->object_type);
    put_i64(&s, f->object_id);
    crypto_generichash_update(&s, commit, AUDIT_HASH_LEN);
    crypto_generichash_final(&s, out, AUDIT_HASH_LEN);
}

/* ---- reading ---- */

static const char *col_text_or_null(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, i);
}

/* The fields of the current row of a ROW_COLS statement (borrowed from it). */
static void row_fields(sqlite3_stmt *st, audit_fields *f)
{
    f->at = sqlite3_column_int64(st, 1);
    f->actor_id = sqlite3_column_int64(st, 2);
    f->actor = db_col_text(st, 3);
    f->action = db_col_text(st, 4);
    f->object_type = db_col_text(st, 5);
    f->object_id = sqlite3_column_int64(st, 6);
    f->before = col_text_or_null(st, 7);
    f->after = col_text_or_null(st, 8);
}

/* Copies a 32-byte blob column into out; 0, or -1 when it is not 32 bytes. */
static int col_hash(sqlite3_stmt *st, int i, uint8_t out[AUDIT_HASH_LEN])
{
    if (sqlite3_column_bytes(st, i) != AUDIT_HASH_LEN) return -1;
    memcpy(out, sqlite3_column_blob(st, i), AUDIT_HASH_LEN);
    return 0;
}

/* The anchor (id 0 and 32 zero bytes when retention never ran). */
static int anchor(db_t *db, int64_t *upto, uint8_t out[AUDIT_HASH_LEN])
{
    *upto = 0;
    memset(out, 0, AUDIT_HASH_LEN);
    sqlite3_stmt *st = db_stmt(db, "SELECT upto_id, hash FROM audit_anchor WHERE id = 1");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    *upto = sqlite3_column_int64(st, 0);
    rc = col_hash(st, 1, out) ? LP_ERR_DB : 0;
    sqlite3_reset(st);
    return rc;
}

/* The hash of the last sealed entry with an id below id, or the anchor's. */
static int hash_before(db_t *db, int64_t id, uint8_t out[AUDIT_HASH_LEN])
{
    int64_t upto;
    sqlite3_stmt *st = db_stmt(db, "SELECT hash FROM audit_log WHERE id < ?1 AND hash IS NOT NULL "
                                   "ORDER BY id DESC LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return anchor(db, &upto, out);
    if (rc) return rc;
    rc = col_hash(st, 0, out) ? LP_ERR_DB : 0;
    sqlite3_reset(st);
    return rc;
}

/* ---- sealing ---- */

/* The id of the first unsealed entry, 0 when every entry is sealed. */
static int first_unsealed(db_t *db, int64_t *id)
{
    *id = 0;
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM audit_log WHERE hash IS NULL ORDER BY id LIMIT 1");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* Seals entry id after prev; its hash into prev. */
static int seal_one(db_t *db, int64_t id, uint8_t prev[AUDIT_HASH_LEN])
{
    uint8_t nonce[AUDIT_NONCE_LEN], commit[AUDIT_HASH_LEN];
    audit_fields f;
    sqlite3_stmt *st = db_stmt(db, "SELECT " ROW_COLS " FROM audit_log WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;
    row_fields(st, &f);
    randombytes_buf(nonce, sizeof nonce);
    audit_commit(nonce, f.before, f.after, commit);
    audit_hash(prev, &f, commit, prev);
    sqlite3_reset(st);
    st = db_stmt(db, "UPDATE audit_log SET hash = ?2, body_commit = ?3, body_nonce = ?4 WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_blob(st, 2, prev, AUDIT_HASH_LEN);
    db_bind_blob(st, 3, commit, sizeof commit);
    db_bind_blob(st, 4, nonce, sizeof nonce);
    return db_exec_stmt(st);
}

/* Seals every unsealed entry in id order; the last hash into out. */
static int seal_pending(db_t *db, int64_t first, uint8_t out[AUDIT_HASH_LEN])
{
    int rc = hash_before(db, first, out);
    for (int64_t id = first; rc == 0 && id; ) {
        rc = seal_one(db, id, out);
        if (rc == 0) rc = first_unsealed(db, &id);
    }
    return rc;
}

int audit_head(db_t *db, uint8_t out[AUDIT_HASH_LEN])
{
    int64_t first, upto;
    int rc = first_unsealed(db, &first);
    if (rc) return rc;
    if (first) return seal_pending(db, first, out);
    sqlite3_stmt *st = db_stmt(db, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (!st) return LP_ERR_DB;
    rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return anchor(db, &upto, out);
    if (rc) return rc;
    rc = col_hash(st, 0, out) ? LP_ERR_DB : 0;
    sqlite3_reset(st);
    return rc;
}

/* ---- verifying ---- */

static int bad(audit_report *r, int64_t id, const char *why)
{
    if (!r->bad_id) {
        r->bad_id = id;
        snprintf(r->why, sizeof r->why, "%s", why);
    }
    return 0;
}

/* Checks the current row after prev; moves prev to its hash. */
static void check_row(sqlite3_stmt *st, audit_report *r, uint8_t prev[AUDIT_HASH_LEN])
{
    int64_t id = sqlite3_column_int64(st, 0);
    uint8_t hash[AUDIT_HASH_LEN], commit[AUDIT_HASH_LEN], want[AUDIT_HASH_LEN];
    audit_fields f;
    r->entries++;
    if (sqlite3_column_type(st, 9) == SQLITE_NULL) { r->unsealed++; return; }
    if (r->unsealed) { bad(r, id, "a sealed entry after an unsealed one"); return; }
    if (id <= r->anchor_id) { bad(r, id, "an entry the anchor says was removed"); return; }
    if (col_hash(st, 9, hash) || col_hash(st, 10, commit)) { bad(r, id, "a damaged seal"); return; }
    row_fields(st, &f);
    if (sqlite3_column_type(st, 12) == SQLITE_NULL) {
        if (sqlite3_column_bytes(st, 11) != AUDIT_NONCE_LEN) { bad(r, id, "a damaged seal"); return; }
        audit_commit(sqlite3_column_blob(st, 11), f.before, f.after, want);
        if (sodium_memcmp(want, commit, AUDIT_HASH_LEN) != 0) bad(r, id, "its before or after was changed");
    } else {
        r->erased++;
    }
    audit_hash(prev, &f, commit, want);
    if (sodium_memcmp(want, hash, AUDIT_HASH_LEN) != 0) bad(r, id, "its seal does not match (changed, removed or reordered)");
    memcpy(prev, hash, AUDIT_HASH_LEN);
}

int audit_verify(db_t *db, audit_report *r)
{
    uint8_t prev[AUDIT_HASH_LEN];
    memset(r, 0, sizeof *r);
    int rc = anchor(db, &r->anchor_id, prev);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db, "SELECT " ROW_COLS " FROM audit_log ORDER BY id");
    if (!st) return LP_ERR_DB;
    int step;
    while ((step = db_step(st)) == DB_ROW) check_row(st, r, prev);
    sqlite3_reset(st);
    if (step < 0) return step;
    sodium_bin2hex(r->head, sizeof r->head, prev, AUDIT_HASH_LEN);
    return 0;
}

/* ---- retention ---- */

struct prune_args { int64_t before_at, removed; };

/* The last id of the run of entries from the first that are all older than
 * before_at (0 when the first is not). */
static int prune_upto(db_t *db, int64_t before_at, int64_t *upto)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(max(id), 0) FROM audit_log WHERE id < "
                                   "COALESCE((SELECT min(id) FROM audit_log WHERE at >= ?1), 9223372036854775807)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, before_at);
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;
    *upto = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int do_prune(db_t *db, void *arg)
{
    struct prune_args *a = arg;
    uint8_t head[AUDIT_HASH_LEN], last[AUDIT_HASH_LEN];
    int64_t upto = 0, old_upto;
    int rc = audit_head(db, head);   /* every entry sealed before any is removed */
    if (rc == 0) rc = anchor(db, &old_upto, last);
    if (rc == 0) rc = prune_upto(db, a->before_at, &upto);
    if (rc || upto <= old_upto) return rc;
    rc = hash_before(db, upto + 1, last);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO audit_anchor(id, upto_id, hash, at) VALUES (1, ?1, ?2, ?3) "
        "ON CONFLICT(id) DO UPDATE SET upto_id = excluded.upto_id, hash = excluded.hash, at = excluded.at");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, upto);
        db_bind_blob(st, 2, last, AUDIT_HASH_LEN);
        db_bind_int(st, 3, a->before_at);
        rc = db_exec_stmt(st);
    }
    st = rc ? NULL : db_stmt(db, "DELETE FROM audit_log WHERE id <= ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, upto);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) a->removed = db_changes(db);
    char after[96];
    snprintf(after, sizeof after, "{\"upto_id\":%lld,\"removed\":%lld}", (long long)upto, (long long)a->removed);
    static const actor_t RETENTION = { 0, "retention" };
    if (rc == 0) rc = audit_add(db, &RETENTION, "prune", "audit_log", 0, NULL, after);
    return rc;
}

int audit_prune(db_t *db, int64_t before_at, int64_t *removed)
{
    struct prune_args a = { before_at, 0 };
    int rc = db_in_tx(db, do_prune, &a);
    if (removed) *removed = rc == 0 ? a.removed : 0;
    return rc;
}

/* ---- erasure ---- */

#define ERASE_SET "SET before_json = replace(before_json, json_quote(?1), json_quote(?2)), " \
                  "after_json = replace(after_json, json_quote(?1), json_quote(?2)), body_nonce = NULL, erased_at = ?3 "
#define HOLDS(x) "(instr(before_json, json_quote(" x ")) > 0 OR instr(after_json, json_quote(" x ")) > 0)"

#define CONCERNS "(actor_id = ?4 OR (object_type = 'person' AND object_id = ?4) OR " HOLDS("?5") \
                 " OR (json_valid(before_json) AND json_extract(before_json, '$.person_id') = ?4) " \
                 " OR (json_valid(after_json) AND json_extract(after_json, '$.person_id') = ?4))"

#define FREE_TEXT(col) "CASE WHEN json_valid(" col ") AND json_type(" col ") = 'object' THEN json_replace(" col ", " \
                       "'$.title', '', '$.label', '', '$.reason', '', '$.note', '') ELSE " col " END"
#define HAS_TEXT(col) "(json_valid(" col ") AND json_type(" col ") = 'object' AND (json_extract(" col ", '$.title') <> '' " \
                      "OR json_extract(" col ", '$.label') <> '' OR json_extract(" col ", '$.reason') <> '' " \
                      "OR json_extract(" col ", '$.note') <> ''))"
#define OWNED(col) "(json_valid(" col ") AND json_type(" col ") = 'object' AND json_extract(" col ", '$.person_id') = ?4)"

/* The free text (title, label, reason, note) of the person's own records. */
static const char ERASE_TEXT_SQL[] =
    "UPDATE audit_log SET before_json = " FREE_TEXT("before_json") ", after_json = " FREE_TEXT("after_json") ", "
    "body_nonce = NULL, erased_at = ?3 WHERE (" OWNED("before_json") " OR " OWNED("after_json") ") "
    "AND (" HAS_TEXT("before_json") " OR " HAS_TEXT("after_json") ")";

static const char *const ERASE_SQL[2] = {
    /* a name, also inside free text, where the entry concerns the person */
    "UPDATE audit_log SET before_json = replace(before_json, ?1, ?2), after_json = replace(after_json, ?1, ?2), "
    "body_nonce = NULL, erased_at = ?3 WHERE (instr(before_json, ?1) > 0 OR instr(after_json, ?1) > 0) "
    "AND length(?1) >= 4 AND " CONCERNS,
    /* an address, wherever it stands */
    "UPDATE audit_log " ERASE_SET "WHERE " HOLDS("?1"),
};

static int erase_one(db_t *db, int which, const char *from, const char *to, int64_t at, int64_t id, const char *email,
                     int64_t *n)
{
    if (!from[0]) return 0;
    sqlite3_stmt *st = db_stmt(db, ERASE_SQL[which]);
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    db_bind_int(st, 3, at);
    db_bind_int(st, 4, id);
    db_bind_text(st, 5, email);
    int rc = db_exec_stmt(st);
    if (rc == 0) *n += db_changes(db);
    return rc;
}

int audit_erase(db_t *db, int64_t id, char (*emails)[256], size_t ne, const char *new_email, char (*names)[256],
                size_t nn, const char *new_name, int64_t at, int64_t *n)
{
    uint8_t head[AUDIT_HASH_LEN];
    *n = 0;
    int rc = audit_head(db, head);   /* every entry sealed before any is rewritten */
    for (size_t i = 0; rc == 0 && i < nn; i++)
        for (size_t k = 0; rc == 0 && k < (ne ? ne : 1); k++)
            rc = erase_one(db, 0, names[i], new_name, at, id, ne ? emails[k] : "", n);
    for (size_t k = 0; rc == 0 && k < ne; k++) rc = erase_one(db, 1, emails[k], new_email, at, id, "", n);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, ERASE_TEXT_SQL);
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 3, at);
        db_bind_int(st, 4, id);
        rc = db_exec_stmt(st);
        if (rc == 0) *n += db_changes(db);
    }
    return rc;
}

int audit_person_values(db_t *db, int64_t id, const char *field, const char *current, char (*out)[256], size_t max,
                        size_t *n)
{
    char path[32];
    snprintf(path, sizeof path, "$.%s", field);
    *n = 0;
    if (max == 0) return LP_ERR_INVALID;
    snprintf(out[(*n)++], 256, "%s", current);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT DISTINCT v FROM (SELECT json_extract(before_json, ?2) v FROM audit_log WHERE object_type = 'person' "
        "AND object_id = ?1 AND json_valid(before_json) UNION SELECT json_extract(after_json, ?2) FROM audit_log "
        "WHERE object_type = 'person' AND object_id = ?1 AND json_valid(after_json)) WHERE typeof(v) = 'text' "
        "AND v <> '' AND v <> ?3");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, path);
    db_bind_text(st, 3, current);
    int step;
    while ((step = db_step(st)) == DB_ROW && *n < max) snprintf(out[(*n)++], 256, "%s", db_col_text(st, 0));
    sqlite3_reset(st);
    return step < 0 ? step : 0;
}
