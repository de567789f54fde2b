/* door_store.c: the door's local SQLite state (see door_store.h).
 * The schema lives here, versioned by PRAGMA user_version; statements come
 * from one table, prepared once at open. Every step goes through db_step or
 * db_get (db/db.h), which keep a row, no row and an error apart; the door's
 * own connection is not a db_t, and writes use db_step rather than
 * db_exec_stmt, which would queue them on labpassd's writer lock. */
#include "access/door/door_store.h"
#include <sqlite3.h>
#include "db/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/log.h"

#define COMPONENT "door-store"
#define ALARM_KIND 3                      /* DOOR_EV_ALARM in the events table */

/* Migrations: entry i brings user_version from i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO meta(k, v) VALUES ('seq', 0), ('floor', 0), ('qlen', 0), ('dropped', 0),"
    " ('last_sync', 0), ('keys_fp', 0), ('instance', 0);"
    "CREATE TABLE trust (pk BLOB PRIMARY KEY CHECK (length(pk) = 32),"
    " kid BLOB NOT NULL CHECK (length(kid) BETWEEN 1 AND 16),"
    " not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,"
    " source TEXT NOT NULL CHECK (source IN ('config', 'sync', 'tls'))) WITHOUT ROWID;"
    "CREATE TABLE deny (cti BLOB PRIMARY KEY CHECK (length(cti) = 16), exp INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE settings (id INTEGER PRIMARY KEY CHECK (id = 1), groups TEXT NOT NULL,"
    " holder_proof INTEGER NOT NULL, bearer_allowed INTEGER NOT NULL, clock_skew INTEGER NOT NULL,"
    " pulse_ms INTEGER NOT NULL, name TEXT NOT NULL, sync_interval INTEGER NOT NULL, iss TEXT NOT NULL);"
    "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
    " kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3), reason TEXT NOT NULL, alarm TEXT NOT NULL,"
    " cti BLOB CHECK (cti IS NULL OR length(cti) = 16), reservation_id INTEGER NOT NULL,"
    " person_id INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1)));"
    "CREATE INDEX events_droppable ON events(seq) WHERE kind <> 3;"
    "CREATE INDEX events_refused ON events(seq) WHERE state = 1;",
    /* 2: the site's DESFire read masters by generation, sealed (door_seal.h) */
    "CREATE TABLE card_keys (gen INTEGER PRIMARY KEY CHECK (gen BETWEEN 1 AND 255), sealed BLOB NOT NULL);",
    /* 3: the write masters (doors that update cards) and the pass each card should carry */
    "CREATE TABLE card_write_keys (gen INTEGER PRIMARY KEY CHECK (gen BETWEEN 1 AND 255), sealed BLOB NOT NULL);"
    "CREATE TABLE card_passes (card_id BLOB PRIMARY KEY CHECK (length(card_id) = 16),"
    " pass BLOB NOT NULL CHECK (length(pass) BETWEEN 1 AND 512)) WITHOUT ROWID;",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(N_MIGRATIONS == DOOR_STORE_SCHEMA, "DOOR_STORE_SCHEMA matches the migrations");

enum stmt_id {
    S_BEGIN, S_COMMIT, S_ROLLBACK,
    S_META_GET, S_META_SET, S_META_ADD, S_META_MAX, S_META_UPSERT,
    S_TRUST_LIVE, S_TRUST_DEL, S_TRUST_INS, S_TRUST_COUNT,
    S_DENY_GET, S_DENY_CLEAR, S_DENY_PUT, S_DENY_PRUNE, S_DENY_COUNT,
    S_SET_GET, S_SET_PUT,
    S_EV_INS, S_EV_BATCH, S_EV_DEL, S_EV_REJECT, S_EV_DROP_REFUSED, S_EV_DROP_OLDEST,
    S_EV_ALARMS, S_EV_REFUSED,
    S_CK_CLEAR, S_CK_PUT, S_CK_LIST, S_WK_CLEAR, S_WK_PUT, S_WK_LIST,
    S_CP_CLEAR, S_CP_PUT, S_CP_GET, S_CP_ALL,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_META_GET] = "SELECT v FROM meta WHERE k = ?1",
    [S_META_SET] = "UPDATE meta SET v = ?2 WHERE k = ?1",
    [S_META_ADD] = "UPDATE meta SET v = v + ?2 WHERE k = ?1",
    [S_META_MAX] = "UPDATE meta SET v = max(v, ?2) WHERE k = ?1",
    [S_META_UPSERT] = "INSERT INTO meta(k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
    [S_TRUST_LIVE] = "SELECT kid, pk, not_before, not_after FROM trust"
                     " WHERE not_after = 0 OR not_after > ?1 ORDER BY not_before, pk",
    [S_TRUST_DEL] = "DELETE FROM trust",
    [S_TRUST_INS] = "INSERT OR IGNORE INTO trust(pk, kid, not_before, not_after, source) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_TRUST_COUNT] = "SELECT count(*) FROM trust",
    [S_DENY_GET] = "SELECT 1 FROM deny WHERE cti = ?1",
    [S_DENY_CLEAR] = "DELETE FROM deny",
    [S_DENY_PUT] = "INSERT OR REPLACE INTO deny(cti, exp) VALUES (?1, ?2)",
    [S_DENY_PRUNE] = "DELETE FROM deny WHERE exp + ?1 < ?2",
    [S_DENY_COUNT] = "SELECT count(*) FROM deny",
    [S_SET_GET] = "SELECT groups, holder_proof, bearer_allowed, clock_skew, pulse_ms, name, sync_interval, iss"
                  " FROM settings WHERE id = 1",
    [S_SET_PUT] = "INSERT OR REPLACE INTO settings(id, groups, holder_proof, bearer_allowed, clock_skew,"
                  " pulse_ms, name, sync_interval, iss) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_EV_INS] = "INSERT INTO events(time, kind, reason, alarm, cti, reservation_id, person_id)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_EV_BATCH] = "SELECT seq, time, kind, reason, alarm, cti, reservation_id, person_id FROM events"
                   " WHERE state = 0 ORDER BY seq LIMIT ?1",
    [S_EV_DEL] = "DELETE FROM events WHERE seq = ?1",
    [S_EV_REJECT] = "UPDATE events SET state = 1 WHERE seq = ?1 AND state = 0",
    [S_EV_DROP_REFUSED] = "DELETE FROM events WHERE seq IN"
                          " (SELECT seq FROM events WHERE state = 1 ORDER BY seq LIMIT ?1)",
    [S_EV_DROP_OLDEST] = "DELETE FROM events WHERE seq IN"
                         " (SELECT seq FROM events WHERE kind <> 3 ORDER BY seq LIMIT ?1)",
    [S_EV_ALARMS] = "SELECT count(*) FROM events WHERE kind = 3",
    [S_EV_REFUSED] = "SELECT count(*) FROM events WHERE state = 1",
    [S_CK_CLEAR] = "DELETE FROM card_keys",
    [S_CK_PUT] = "INSERT INTO card_keys(gen, sealed) VALUES (?1, ?2)",
    [S_CK_LIST] = "SELECT gen, sealed FROM card_keys ORDER BY gen DESC",
    [S_WK_CLEAR] = "DELETE FROM card_write_keys",
    [S_WK_PUT] = "INSERT INTO card_write_keys(gen, sealed) VALUES (?1, ?2)",
    [S_WK_LIST] = "SELECT gen, sealed FROM card_write_keys ORDER BY gen DESC",
    [S_CP_CLEAR] = "DELETE FROM card_passes",
    [S_CP_PUT] = "INSERT OR REPLACE INTO card_passes(card_id, pass) VALUES (?1, ?2)",
    [S_CP_GET] = "SELECT pass FROM card_passes WHERE card_id = ?1",
    [S_CP_ALL] = "SELECT card_id, pass FROM card_passes ORDER BY card_id",
};

struct door_store {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    uint32_t instance;
};

static const char *const kind_names[DOOR_EV_KIND_COUNT] = { "admission", "exit", "denied", "alarm" };

const char *door_ev_kind_name(enum door_ev_kind k)
{
    return (unsigned)k < DOOR_EV_KIND_COUNT ? kind_names[k] : "unknown";
}

int door_word_ok(const char *s)
{
    size_t n = strnlen(s, DOOR_WORD_MAX + 1);
    return n >= 1 && n <= DOOR_WORD_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* ---- statement helpers ---- */

static sqlite3_stmt *stmt(door_store_t *s, enum stmt_id id)
{
    sqlite3_stmt *st = s->st[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Steps a statement without result rows; resets it. 0 or the step's error
 * (LP_ERR_BUSY, LP_ERR_CONFLICT, LP_ERR_DB). */
static int run(sqlite3_stmt *st)
{
    int rc = db_step(st);
    sqlite3_reset(st);
    return rc < 0 ? rc : rc == DB_DONE ? 0 : LP_ERR_DB;
}

static int run_id(door_store_t *s, enum stmt_id id)
{
    return run(stmt(s, id));
}

static int begin(door_store_t *s)
{
    return run_id(s, S_BEGIN);
}

static int commit(door_store_t *s)
{
    int rc = run_id(s, S_COMMIT);
    if (rc != 0) (void)run_id(s, S_ROLLBACK);
    return rc;
}

static void rollback(door_store_t *s)
{
    if (!sqlite3_get_autocommit(s->db)) (void)run_id(s, S_ROLLBACK);
}

/* A meta value; the migration made every row, so a missing one is LP_ERR_DB. */
static int meta_get(door_store_t *s, const char *k, int64_t *v)
{
    sqlite3_stmt *st = stmt(s, S_META_GET);
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return LP_ERR_DB;
    if (rc == 0) {
        *v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

static int meta_put(door_store_t *s, enum stmt_id id, const char *k, int64_t v)
{
    sqlite3_stmt *st = stmt(s, id);
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v);
    return run(st);
}

static int count_of(door_store_t *s, enum stmt_id id, int64_t *out)
{
    sqlite3_stmt *st = stmt(s, id);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return LP_ERR_DB;   /* count(*) always yields a row */
    if (rc == 0) {
        *out = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

/* ---- open and migrate ---- */

static int exec_sql(sqlite3 *db, const char *text)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, text, NULL, NULL, &msg);
    if (rc != SQLITE_OK) log_error(COMPONENT, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : LP_ERR_DB;
}

static int user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) rc = LP_ERR_DB;
    if (rc == 0) *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* Applies the missing migrations, each in its own transaction. The version
 * is read again under the write lock, so two processes opening a new file
 * at once do not both migrate it. */
static int migrate(sqlite3 *db)
{
    for (;;) {
        int v = 0;
        int rc = exec_sql(db, "BEGIN IMMEDIATE");
        if (rc == 0) rc = user_version(db, &v);
        if (rc == 0 && v > N_MIGRATIONS) {
            log_error(COMPONENT, "state file schema %d is newer than this program (%d)", v, N_MIGRATIONS);
            rc = LP_ERR_DB;
        }
        if (rc == 0 && v == N_MIGRATIONS) return exec_sql(db, "COMMIT");
        char pragma[40];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (rc == 0) rc = exec_sql(db, migrations[v]);
        if (rc == 0) rc = exec_sql(db, pragma);
        if (rc == 0) rc = exec_sql(db, "COMMIT");
        if (rc != 0) {
            if (!sqlite3_get_autocommit(db)) (void)exec_sql(db, "ROLLBACK");
            return rc;
        }
    }
}

static int configure(sqlite3 *db)
{
    sqlite3_busy_timeout(db, 5000);
    static const char *pragmas[] = { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                                     "PRAGMA foreign_keys = ON", "PRAGMA secure_delete = OFF" };
    for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, pragmas[i], -1, &st, NULL) != SQLITE_OK) return LP_ERR_DB;
        int rc = db_step(st);
        int wal_ok = i != 0 || (rc == DB_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0);
        sqlite3_finalize(st);
        if (rc < 0) return rc;
        if (!wal_ok) return LP_ERR_DB;
    }
    return 0;
}

/* A random instance id, once per state file: keeps event ids unique when a
 * door's state is lost and its queue numbering starts again. */
static int ensure_instance(door_store_t *s)
{
    int64_t v = 0;
    int rc = meta_get(s, "instance", &v);
    if (rc == 0 && v == 0) {
        do v = randombytes_uniform(0xFFFFFFFFu); while (v == 0);
        rc = meta_put(s, S_META_SET, "instance", v);
    }
    s->instance = (uint32_t)v;
    return rc;
}

int door_store_open(const char *path, door_store_t **out)
{
    if (!path || !out) return LP_ERR_INVALID;
    *out = NULL;
    door_store_t *s = calloc(1, sizeof *s);
    if (!s) return LP_ERR_NOMEM;
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL) == SQLITE_OK ? 0 : LP_ERR_DB;
    if (rc == 0) rc = configure(s->db);
    if (rc == 0) rc = migrate(s->db);
    for (int i = 0; rc == 0 && i < S_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
            log_error(COMPONENT, "prepare: %s", sqlite3_errmsg(s->db));
            rc = LP_ERR_DB;
        }
    }
    if (rc == 0) rc = ensure_instance(s);
    if (rc != 0) {
        if (s->db) log_error(COMPONENT, "cannot open state file %s: %s", path, sqlite3_errmsg(s->db));
        door_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void door_store_close(door_store_t *s)
{
    if (!s) return;
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

/* ---- trust list ---- */

/* First 8 bytes of SHA-256 over the sorted public keys, as a non-zero integer. */
static int64_t keys_fingerprint(const struct tok_key *keys, size_t n)
{
    const uint8_t *order[TOK_BUNDLE_KEYS_MAX];
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && memcmp(order[j - 1], keys[i].pk, TOK_PK_LEN) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = keys[i].pk;
    }
    crypto_hash_sha256_state h;
    uint8_t d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    for (size_t i = 0; i < n; i++) crypto_hash_sha256_update(&h, order[i], TOK_PK_LEN);
    crypto_hash_sha256_final(&h, d);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | d[i];
    v &= 0x7FFFFFFFFFFFFFFFull;
    return v ? (int64_t)v : 1;
}

static int trust_insert(door_store_t *s, const struct tok_key *k, int64_t nb, int64_t na, const char *source)
{
    sqlite3_stmt *st = stmt(s, S_TRUST_INS);
    sqlite3_bind_blob(st, 1, k->pk, TOK_PK_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, k->kid, (int)k->kid_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, nb);
    sqlite3_bind_int64(st, 4, na);
    sqlite3_bind_text(st, 5, source, -1, SQLITE_STATIC);
    return run(st);
}

int door_store_provision(door_store_t *s, const struct tok_key *keys, size_t n, int *changed)
{
    if (!s || (n && !keys) || n > TOK_BUNDLE_KEYS_MAX) return LP_ERR_INVALID;
    if (changed) *changed = 0;
    if (n == 0) return 0;
    int64_t fp = keys_fingerprint(keys, n), old = 0;
    int rc = begin(s);
    if (rc == 0) rc = meta_get(s, "keys_fp", &old);
    if (rc == 0 && old != fp) {
        rc = run_id(s, S_TRUST_DEL);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (keys[i].kid_len == 0 || keys[i].kid_len > TOK_KID_MAX) rc = LP_ERR_INVALID;
            else rc = trust_insert(s, &keys[i], 0, 0, "config");
        }
        if (rc == 0) rc = meta_put(s, S_META_SET, "keys_fp", fp);
        if (rc == 0 && changed) *changed = 1;
    }
    if (rc == 0) return commit(s);
    rollback(s);
    return rc;
}

int door_store_trust_add(door_store_t *s, const struct tok_trust_key *k)
{
    if (!s || !k || k->key.kid_len == 0 || k->key.kid_len > TOK_KID_MAX) return LP_ERR_INVALID;
    return trust_insert(s, &k->key, k->not_before, k->not_after, "tls");
}

int door_store_trust(door_store_t *s, int64_t now, struct tok_trust_key *out, size_t cap, size_t *n)
{
    if (!s || !n || (cap && !out)) return LP_ERR_INVALID;
    *n = 0;
    sqlite3_stmt *st = stmt(s, S_TRUST_LIVE);
    sqlite3_bind_int64(st, 1, now);
    int rc;
    while ((rc = db_step(st)) == DB_ROW && *n < cap) {
        struct tok_trust_key *k = &out[*n];
        size_t kl = (size_t)sqlite3_column_bytes(st, 0);
        const void *kid = sqlite3_column_blob(st, 0), *pk = sqlite3_column_blob(st, 1);
        if (kl == 0 || kl > TOK_KID_MAX || !kid || !pk || sqlite3_column_bytes(st, 1) != TOK_PK_LEN) continue;
        memset(k, 0, sizeof *k);
        memcpy(k->key.kid, kid, kl);
        k->key.kid_len = kl;
        memcpy(k->key.pk, pk, TOK_PK_LEN);
        k->not_before = sqlite3_column_int64(st, 2);
        k->not_after = sqlite3_column_int64(st, 3);
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc < 0) {
        *n = 0;
        log_error(COMPONENT, "cannot read the trust list (%s)", lp_err_name(rc));
        return rc;
    }
    return 0;
}

/* ---- settings ---- */

static int groups_split(const char *text, struct tok_door_settings *p)
{
    p->n_groups = 0;
    while (*text) {
        size_t len = strcspn(text, "\n");
        if (len == 0 || len > TOK_GROUP_MAX || p->n_groups >= TOK_GROUPS_MAX) return LP_ERR_DB;
        memcpy(p->groups[p->n_groups], text, len);
        p->groups[p->n_groups++][len] = '\0';
        text += len;
        if (*text == '\n') text++;
    }
    return p->n_groups ? 0 : LP_ERR_DB;
}

int door_store_settings(door_store_t *s, struct tok_door_settings *out, char *iss, int *found)
{
    if (!s || !out || !found) return LP_ERR_INVALID;
    *found = 0;
    sqlite3_stmt *st = stmt(s, S_SET_GET);
    int rc = db_get(st), err = 0;
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        err = groups_split((const char *)sqlite3_column_text(st, 0), out);
        out->holder_proof = sqlite3_column_int(st, 1);
        out->bearer_allowed = sqlite3_column_int(st, 2);
        out->clock_skew = sqlite3_column_int64(st, 3);
        out->pulse_ms = sqlite3_column_int64(st, 4);
        snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(st, 5));
        out->sync_interval = sqlite3_column_int64(st, 6);
        if (iss) snprintf(iss, TOK_TEXT_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 7));
        *found = err == 0;
        sqlite3_reset(st);
    } else if (rc != LP_ERR_NOTFOUND) {
        err = rc;
        log_error(COMPONENT, "cannot read the door settings (%s)", lp_err_name(rc));
    }
    return err;
}

static int settings_put(door_store_t *s, const struct tok_door_settings *p, const char *iss)
{
    char groups[TOK_GROUPS_MAX * (TOK_GROUP_MAX + 1) + 1];
    size_t at = 0;
    for (size_t i = 0; i < p->n_groups && i < TOK_GROUPS_MAX; i++) {
        size_t len = strnlen(p->groups[i], TOK_GROUP_MAX);
        if (i) groups[at++] = '\n';
        memcpy(groups + at, p->groups[i], len);
        at += len;
    }
    groups[at] = '\0';
    sqlite3_stmt *st = stmt(s, S_SET_PUT);
    sqlite3_bind_text(st, 1, groups, (int)at, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, p->holder_proof);
    sqlite3_bind_int(st, 3, p->bearer_allowed);
    sqlite3_bind_int64(st, 4, p->clock_skew);
    sqlite3_bind_int64(st, 5, p->pulse_ms);
    sqlite3_bind_text(st, 6, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, p->sync_interval);
    sqlite3_bind_text(st, 8, iss, -1, SQLITE_STATIC);
    return run(st);
}

/* ---- denylist and time floor ---- */

int door_store_denied(door_store_t *s, const uint8_t cti[TOK_CTI_LEN], int *denied)
{
    if (denied) *denied = 1;   /* until the read says otherwise */
    if (!s || !cti || !denied) return LP_ERR_INVALID;
    sqlite3_stmt *st = stmt(s, S_DENY_GET);
    sqlite3_bind_blob(st, 1, cti, TOK_CTI_LEN, SQLITE_STATIC);
    int rc = db_get(st);
    if (rc == 0) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc == LP_ERR_NOTFOUND) {
        *denied = 0;
        return 0;
    }
    log_error(COMPONENT, "cannot read the denylist (%s): the pass is refused", lp_err_name(rc));
    return rc;
}

int door_store_floor(door_store_t *s, int64_t *floor)
{
    if (!s || !floor) return LP_ERR_INVALID;
    return meta_get(s, "floor", floor);
}

int door_store_raise_floor(door_store_t *s, int64_t t)
{
    if (!s) return LP_ERR_INVALID;
    return meta_put(s, S_META_MAX, "floor", t);
}

int door_store_reset_floor(door_store_t *s)
{
    if (!s) return LP_ERR_INVALID;
    return meta_put(s, S_META_SET, "floor", 0);
}

/* ---- flags ---- */

static int flag_name_ok(const char *name)
{
    return name && name[0] == 'f' && name[1] == ':' && door_word_ok(name + 2);
}

int door_store_flag(door_store_t *s, const char *name, int64_t *v)
{
    if (!s || !v || !flag_name_ok(name)) return LP_ERR_INVALID;
    sqlite3_stmt *st = stmt(s, S_META_GET);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    *v = 0;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;   /* never set */
    if (rc == 0) {
        *v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

int door_store_set_flag(door_store_t *s, const char *name, int64_t v)
{
    if (!s || !flag_name_ok(name)) return LP_ERR_INVALID;
    return meta_put(s, S_META_UPSERT, name, v);
}

/* ---- applying a bundle ---- */

static int apply_trust(door_store_t *s, const struct tok_bundle *b, int64_t now)
{
    int rc = run_id(s, S_TRUST_DEL);
    for (size_t i = 0; rc == 0 && i < b->n_keys; i++) {
        const struct tok_trust_key *k = &b->keys[i];
        if (k->not_after != 0 && k->not_after <= now) continue;
        rc = trust_insert(s, &k->key, k->not_before, k->not_after, "sync");
    }
    return rc;
}

static int apply_deny(door_store_t *s, const struct tok_bundle *b, int64_t now)
{
    int rc = b->reset ? run_id(s, S_DENY_CLEAR) : 0;
    for (size_t i = 0; rc == 0 && i < b->n_deny; i++) {
        sqlite3_stmt *st = stmt(s, S_DENY_PUT);
        sqlite3_bind_blob(st, 1, b->deny[i].cti, TOK_CTI_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, b->deny[i].exp);
        rc = run(st);
    }
    if (rc == 0) {
        sqlite3_stmt *st = stmt(s, S_DENY_PRUNE);
        sqlite3_bind_int64(st, 1, b->settings.clock_skew);
        sqlite3_bind_int64(st, 2, now);
        rc = run(st);
    }
    return rc;
}

int door_store_apply(door_store_t *s, const struct tok_bundle *b, int64_t now)
{
    return b ? door_store_apply_at(s, b, now, b->now, 0) : LP_ERR_INVALID;
}

int door_store_apply_at(door_store_t *s, const struct tok_bundle *b, int64_t now, int64_t floor, int lower)
{
    if (!s || !b || floor < 0) return LP_ERR_INVALID;
    int rc = begin(s);
    if (rc == 0) rc = apply_trust(s, b, now);
    if (rc == 0) rc = apply_deny(s, b, now);
    if (rc == 0) rc = settings_put(s, &b->settings, b->iss);
    if (rc == 0) rc = meta_put(s, S_META_SET, "seq", b->seq);
    if (rc == 0) rc = meta_put(s, lower ? S_META_SET : S_META_MAX, "floor", floor);
    if (rc == 0) rc = meta_put(s, S_META_SET, "last_sync", now);
    if (rc == 0) return commit(s);
    rollback(s);
    return rc;
}

/* ---- the event queue ---- */

static int event_ok(const struct door_event *ev)
{
    if ((unsigned)ev->kind >= DOOR_EV_KIND_COUNT || ev->time < 0 || ev->reservation_id < 0 || ev->person_id < 0)
        return 0;
    if (ev->reason[0] && !door_word_ok(ev->reason)) return 0;
    if (ev->kind == DOOR_EV_ALARM) return door_word_ok(ev->alarm);
    return ev->alarm[0] == '\0';
}

static int insert_event(door_store_t *s, const struct door_event *ev, int64_t *seq)
{
    sqlite3_stmt *st = stmt(s, S_EV_INS);
    sqlite3_bind_int64(st, 1, ev->time);
    sqlite3_bind_int(st, 2, (int)ev->kind);
    sqlite3_bind_text(st, 3, ev->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev->alarm, -1, SQLITE_STATIC);
    if (ev->has_cti) sqlite3_bind_blob(st, 5, ev->cti, TOK_CTI_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, ev->reservation_id);
    sqlite3_bind_int64(st, 7, ev->person_id);
    int rc = run(st);
    if (rc == 0 && seq) *seq = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* Deletes up to want events with stmt id; counts them as dropped. */
static int drop_some(door_store_t *s, enum stmt_id id, int64_t *want)
{
    if (*want <= 0) return 0;
    sqlite3_stmt *st = stmt(s, id);
    sqlite3_bind_int64(st, 1, *want);
    int rc = run(st);
    int64_t gone = rc == 0 ? sqlite3_changes(s->db) : 0;
    if (rc == 0 && gone) rc = meta_put(s, S_META_ADD, "qlen", -gone);
    if (rc == 0 && gone) rc = meta_put(s, S_META_ADD, "dropped", gone);
    *want -= gone;
    return rc;
}

static int enforce_bound(door_store_t *s, int64_t queue_max)
{
    int64_t qlen = 0;
    int rc = meta_get(s, "qlen", &qlen);
    if (rc != 0 || qlen <= queue_max) return rc;
    int64_t want = qlen - queue_max;
    rc = drop_some(s, S_EV_DROP_REFUSED, &want);
    if (rc == 0) rc = drop_some(s, S_EV_DROP_OLDEST, &want);
    if (rc == 0) log_warn(COMPONENT, "event queue over %lld: dropped the oldest events", (long long)queue_max);
    return rc;
}

int door_store_append(door_store_t *s, const struct door_event *ev, int64_t floor, int64_t queue_max,
                      int64_t *seq)
{
    if (!s || !ev || queue_max < 1) return LP_ERR_INVALID;
    if (!event_ok(ev)) return LP_ERR_INVALID;
    int rc = begin(s);
    if (rc == 0) rc = insert_event(s, ev, seq);
    if (rc == 0) rc = meta_put(s, S_META_ADD, "qlen", 1);
    if (rc == 0 && floor > 0) rc = meta_put(s, S_META_MAX, "floor", floor);
    if (rc == 0) rc = enforce_bound(s, queue_max);
    if (rc == 0) return commit(s);
    rollback(s);
    log_error(COMPONENT, "cannot record an event: %s", sqlite3_errmsg(s->db));
    return rc;
}

static void row_to_event(sqlite3_stmt *st, struct door_queued *q)
{
    memset(q, 0, sizeof *q);
    q->seq = sqlite3_column_int64(st, 0);
    q->ev.time = sqlite3_column_int64(st, 1);
    q->ev.kind = (enum door_ev_kind)sqlite3_column_int(st, 2);
    snprintf(q->ev.reason, sizeof q->ev.reason, "%s", (const char *)sqlite3_column_text(st, 3));
    snprintf(q->ev.alarm, sizeof q->ev.alarm, "%s", (const char *)sqlite3_column_text(st, 4));
    if (sqlite3_column_bytes(st, 5) == TOK_CTI_LEN) {
        memcpy(q->ev.cti, sqlite3_column_blob(st, 5), TOK_CTI_LEN);
        q->ev.has_cti = 1;
    }
    q->ev.reservation_id = sqlite3_column_int64(st, 6);
    q->ev.person_id = sqlite3_column_int64(st, 7);
}

int door_store_batch(door_store_t *s, size_t max, struct door_queued *out, size_t *n)
{
    if (!s || !n || (max && !out)) return LP_ERR_INVALID;
    *n = 0;
    sqlite3_stmt *st = stmt(s, S_EV_BATCH);
    sqlite3_bind_int64(st, 1, (int64_t)max);
    int rc = DB_DONE;
    while (*n < max && (rc = db_step(st)) == DB_ROW) row_to_event(st, &out[(*n)++]);
    sqlite3_reset(st);
    if (rc < 0) {
        *n = 0;
        return rc;
    }
    return 0;
}

int door_store_ack(door_store_t *s, const int64_t *seqs, size_t n)
{
    if (!s || (n && !seqs)) return LP_ERR_INVALID;
    if (n == 0) return 0;
    int64_t gone = 0;
    int rc = begin(s);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = stmt(s, S_EV_DEL);
        sqlite3_bind_int64(st, 1, seqs[i]);
        rc = run(st);
        if (rc == 0) gone += sqlite3_changes(s->db);
    }
    if (rc == 0 && gone) rc = meta_put(s, S_META_ADD, "qlen", -gone);
    if (rc == 0) return commit(s);
    rollback(s);
    return rc;
}

int door_store_reject(door_store_t *s, int64_t seq)
{
    if (!s) return LP_ERR_INVALID;
    sqlite3_stmt *st = stmt(s, S_EV_REJECT);
    sqlite3_bind_int64(st, 1, seq);
    return run(st);
}

void door_store_event_id(const door_store_t *s, int64_t door_id, int64_t seq, char out[DOOR_EVENT_ID_MAX + 1])
{
    snprintf(out, DOOR_EVENT_ID_MAX + 1, "%lld-%08x-%09lld", (long long)door_id,
             (unsigned)(s ? s->instance : 0), (long long)seq);
}

int door_store_status(door_store_t *s, struct door_status *out)
{
    if (!s || !out) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    int rc = meta_get(s, "seq", &out->seq);
    if (rc == 0) rc = meta_get(s, "floor", &out->time_floor);
    if (rc == 0) rc = meta_get(s, "qlen", &out->queue_len);
    if (rc == 0) rc = meta_get(s, "dropped", &out->dropped);
    if (rc == 0) rc = meta_get(s, "last_sync", &out->last_sync);
    if (rc == 0) rc = count_of(s, S_EV_ALARMS, &out->alarms_queued);
    if (rc == 0) rc = count_of(s, S_EV_REFUSED, &out->rejected_queued);
    if (rc == 0) rc = count_of(s, S_DENY_COUNT, &out->deny_count);
    if (rc == 0) rc = count_of(s, S_TRUST_COUNT, &out->n_keys);
    out->instance = s->instance;
    return rc;
}

/* ---- sealed DESFire read masters ---- */

static int put_keys(door_store_t *s, enum stmt_id clear, enum stmt_id put, const struct door_sealed_key *k,
                    size_t n)
{
    if (!s || (n && !k) || n > DOOR_CARD_GENS_MAX) return LP_ERR_INVALID;
    int rc = begin(s);
    if (rc == 0) rc = run_id(s, clear);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = stmt(s, put);
        sqlite3_bind_int64(st, 1, k[i].gen);
        sqlite3_bind_blob(st, 2, k[i].sealed, (int)sizeof k[i].sealed, SQLITE_STATIC);
        rc = run(st);
    }
    if (rc == 0) return commit(s);
    rollback(s);
    return rc;
}

static int list_keys(door_store_t *s, enum stmt_id list, struct door_sealed_key *out, size_t max, size_t *n)
{
    if (!s || !out || !n) return LP_ERR_INVALID;
    *n = 0;
    sqlite3_stmt *st = stmt(s, list);
    int rc = 0, r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        if (sqlite3_column_bytes(st, 1) != (int)sizeof out[*n].sealed) { rc = LP_ERR_DB; break; }
        out[*n].gen = sqlite3_column_int64(st, 0);
        memcpy(out[*n].sealed, sqlite3_column_blob(st, 1), sizeof out[*n].sealed);
        (*n)++;
    }
    if (rc == 0 && r != SQLITE_ROW && r != SQLITE_DONE) rc = LP_ERR_DB;
    sqlite3_reset(st);
    return rc;
}

int door_store_put_card_keys(door_store_t *s, const struct door_sealed_key *k, size_t n)
{
    return put_keys(s, S_CK_CLEAR, S_CK_PUT, k, n);
}

int door_store_card_keys(door_store_t *s, struct door_sealed_key *out, size_t max, size_t *n)
{
    return list_keys(s, S_CK_LIST, out, max, n);
}

int door_store_put_write_keys(door_store_t *s, const struct door_sealed_key *k, size_t n)
{
    return put_keys(s, S_WK_CLEAR, S_WK_PUT, k, n);
}

int door_store_write_keys(door_store_t *s, struct door_sealed_key *out, size_t max, size_t *n)
{
    return list_keys(s, S_WK_LIST, out, max, n);
}

/* ---- the pass each card should carry ---- */

int door_store_put_card_passes(door_store_t *s, const struct tok_card_pass *p, size_t n)
{
    if (!s || (n && !p) || n > TOK_CARD_PASSES_MAX) return LP_ERR_INVALID;
    int rc = begin(s);
    if (rc == 0) rc = run_id(s, S_CP_CLEAR);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = stmt(s, S_CP_PUT);
        sqlite3_bind_blob(st, 1, p[i].card_id, TOK_CARD_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, p[i].pass, (int)p[i].len, SQLITE_STATIC);
        rc = run(st);
    }
    if (rc == 0) return commit(s);
    rollback(s);
    return rc;
}

int door_store_card_pass(door_store_t *s, const uint8_t card_id[TOK_CARD_ID_LEN], uint8_t *out, size_t cap,
                         size_t *len)
{
    if (!s || !card_id || !out || !len) return LP_ERR_INVALID;
    *len = 0;
    sqlite3_stmt *st = stmt(s, S_CP_GET);
    sqlite3_bind_blob(st, 1, card_id, TOK_CARD_ID_LEN, SQLITE_STATIC);
    int r = sqlite3_step(st), rc = LP_ERR_NOTFOUND;
    if (r == SQLITE_ROW) {
        int n = sqlite3_column_bytes(st, 0);
        rc = n < 1 || (size_t)n > cap ? LP_ERR_DB : 0;
        if (rc == 0) {
            memcpy(out, sqlite3_column_blob(st, 0), (size_t)n);
            *len = (size_t)n;
        }
    } else if (r != SQLITE_DONE) {
        rc = LP_ERR_DB;
    }
    sqlite3_reset(st);
    return rc;
}

int door_store_card_passes_digest(door_store_t *s, uint8_t out[TOK_CARD_PASSES_DIGEST])
{
    if (!s || !out) return LP_ERR_INVALID;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, TOK_CARD_PASSES_DIGEST);
    sqlite3_stmt *st = stmt(s, S_CP_ALL);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_bytes(st, 1);
        uint8_t len[2] = { (uint8_t)(n >> 8), (uint8_t)n };
        crypto_generichash_update(&h, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        crypto_generichash_update(&h, len, 2);
        crypto_generichash_update(&h, sqlite3_column_blob(st, 1), (size_t)n);
    }
    sqlite3_reset(st);
    crypto_generichash_final(&h, out, TOK_CARD_PASSES_DIGEST);
    return r == SQLITE_DONE ? 0 : LP_ERR_DB;
}
