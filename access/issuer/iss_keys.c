/* iss_keys.c: the key file, the issuer's settings and the site signing keys.
 *
 * Guarantees: the key file's key never enters the database and is held in
 * locked memory; a signing key's seed is stored only sealed with it
 * (crypto_secretbox, fresh random nonce) and is unsealed just for a signature,
 * then wiped; an unsealed seed must reproduce the stored public key, so a
 * swapped or altered row cannot sign. Exactly one key is active (a unique
 * index); rotation retires it with a not_after that covers every pass it
 * signed. */
#include "access/issuer/iss_internal.h"
#include "core/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALED_LEN (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + crypto_sign_SEEDBYTES)

static uint8_t g_master[ISS_MASTER_LEN];
static int g_have_master;

const actor_t iss_system = { 0, "system" };

#define SNAP_KEY "SELECT json_object('id', id, 'kid', lower(hex(kid)), 'status', status, 'created_at', " \
                 "created_at, 'retired_at', retired_at, 'not_after', not_after) FROM signing_keys WHERE id = ?1"

/* ---- small shared helpers ---- */

void iss_hex(const uint8_t *p, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, p, n);
}

int iss_spelling(const char *const *names, int n, const char *text)
{
    for (int i = 0; text && i < n; i++)
        if (names[i] && strcmp(text, names[i]) == 0) return i;
    return -1;
}

/* ---- the key state's spelling ---- */

static const char *const KEY_STATE_NAMES[ISS_KEY_STATE_COUNT] = {
    [ISS_KEY_ACTIVE] = "active", [ISS_KEY_RETIRED] = "retired", [ISS_KEY_WITHDRAWN] = "withdrawn",
};

const char *iss_key_state_name(enum iss_key_state s)
{
    return (unsigned)s < ISS_KEY_STATE_COUNT ? KEY_STATE_NAMES[s] : "";
}

int iss_key_state_parse(const char *text, enum iss_key_state *out)
{
    int i = iss_spelling(KEY_STATE_NAMES, ISS_KEY_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum iss_key_state)i;
    return 0;
}

int iss_tx_begin(db_t *db, int *own)
{
    *own = sqlite3_get_autocommit(db_handle(db));
    return *own ? db_begin(db) : 0;
}

int iss_tx_end(db_t *db, int own, int rc)
{
    if (!own)
        return rc;
    if (rc == 0)
        rc = db_commit(db);
    if (rc != 0)
        db_rollback(db);
    return rc;
}

/* ---- the key file ---- */

void iss_master_set(const uint8_t key[ISS_MASTER_LEN])
{
    sodium_mlock(g_master, sizeof g_master);
    memcpy(g_master, key, ISS_MASTER_LEN);
    g_have_master = 1;
}

void iss_master_clear(void)
{
    sodium_memzero(g_master, sizeof g_master);
    g_have_master = 0;
}

void iss_keyfile_default(const char *db_path, char *out, size_t outlen)
{
    const char *slash = strrchr(db_path, '/');
    if (slash)
        snprintf(out, outlen, "%.*s/labpass.key", (int)(slash - db_path), db_path);
    else
        snprintf(out, outlen, "labpass.key");
}

static int keyfile_create(const char *path)
{
    uint8_t key[ISS_MASTER_LEN];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : LP_ERR_IO;
    randombytes_buf(key, sizeof key);
    int rc = write(fd, key, sizeof key) == (ssize_t)sizeof key && fsync(fd) == 0 ? 0 : LP_ERR_IO;
    sodium_memzero(key, sizeof key);
    if (close(fd) != 0)
        rc = LP_ERR_IO;
    if (rc != 0)
        unlink(path);
    else
        log_info("issuer", "created a new key file %s", path);
    return rc;
}

int iss_keyfile_load(const char *path, int create)
{
    uint8_t key[ISS_MASTER_LEN + 1];
    struct stat st;
    if (create) {
        int rc = keyfile_create(path);
        if (rc != 0)
            return rc;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LP_ERR_NOTFOUND : errno == ELOOP ? LP_ERR_FORBIDDEN : LP_ERR_IO;
    int rc = fstat(fd, &st) == 0 ? 0 : LP_ERR_IO;
    if (rc == 0 && (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXO | S_IWGRP))))
        rc = LP_ERR_FORBIDDEN;
    ssize_t got = rc == 0 ? read(fd, key, sizeof key) : -1;
    if (rc == 0 && got != ISS_MASTER_LEN)
        rc = got < 0 ? LP_ERR_IO : LP_ERR_INVALID;
    if (rc == 0)
        iss_master_set(key);
    sodium_memzero(key, sizeof key);
    close(fd);
    return rc;
}

/* ---- settings ---- */

int iss_settings_get(db_t *db, iss_settings *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, "SELECT issuer, grace_min, staff_pass_hours, horizon_days, key_overlap_days, "
                                   "COALESCE((SELECT early_checkin_min FROM site WHERE id = 1), 15) "
                                   "FROM access_settings WHERE id = 1");
    if (!st)
        return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return LP_ERR_DB;   /* the migration made the row: the database is damaged */
    if (rc)
        return rc;
    snprintf(out->issuer, sizeof out->issuer, "%s", db_col_text(st, 0));
    out->grace_min = sqlite3_column_int(st, 1);
    out->staff_pass_hours = sqlite3_column_int(st, 2);
    out->horizon_days = sqlite3_column_int(st, 3);
    out->key_overlap_days = sqlite3_column_int(st, 4);
    out->early_min = sqlite3_column_int(st, 5);
    sqlite3_reset(st);
    return 0;
}

static const char SNAP_SETTINGS[] =
    "SELECT json_object('issuer', issuer, 'grace_min', grace_min, 'staff_pass_hours', staff_pass_hours, "
    "'horizon_days', horizon_days, 'key_overlap_days', key_overlap_days) FROM access_settings WHERE id = ?1";

static int settings_valid(const iss_settings *s, lp_fail *f)
{
    size_t n = strnlen(s->issuer, sizeof s->issuer);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s->issuer[i] < 0x21 || (unsigned char)s->issuer[i] > 0x7e)
            n = 0;
    }
    if (n == 0 || n > ISS_ISSUER_MAX)
        return lp_failf(f, LP_ERR_INVALID, "issuer", "the issuer is 1 to %d visible ASCII characters", ISS_ISSUER_MAX);
    if (s->grace_min < 0 || s->grace_min > 720)
        return lp_failf(f, LP_ERR_INVALID, "grace_min", "grace_min is 0 to 720");
    if (s->staff_pass_hours < 1 || s->staff_pass_hours > 168)
        return lp_failf(f, LP_ERR_INVALID, "staff_pass_hours", "staff_pass_hours is 1 to 168");
    if (s->horizon_days < 1 || s->horizon_days > 60)
        return lp_failf(f, LP_ERR_INVALID, "horizon_days", "horizon_days is 1 to 60");
    if (s->key_overlap_days < 1 || s->key_overlap_days > 365)
        return lp_failf(f, LP_ERR_INVALID, "key_overlap_days", "key_overlap_days is 1 to 365");
    return 0;
}

int iss_settings_set(db_t *db, const actor_t *who, const iss_settings *s, lp_fail *f)
{
    int own, rc = settings_valid(s, f);
    if (rc)
        return rc;
    char *before = NULL;
    rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = audit_snapshot(db, SNAP_SETTINGS, 1, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE access_settings SET issuer = ?1, grace_min = ?2, staff_pass_hours = ?3, horizon_days = ?4, "
        "key_overlap_days = ?5 WHERE id = 1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_text(st, 1, s->issuer);
        db_bind_int(st, 2, s->grace_min);
        db_bind_int(st, 3, s->staff_pass_hours);
        db_bind_int(st, 4, s->horizon_days);
        db_bind_int(st, 5, s->key_overlap_days);
        rc = db_exec_stmt(st);
    }
    if (rc == 0)
        rc = audit_change(db, who, "update", "access_settings", 1, SNAP_SETTINGS, before);
    free(before);
    return iss_tx_end(db, own, rc);
}

/* ---- sealing ---- */

static int seal_seed(const uint8_t seed[crypto_sign_SEEDBYTES], uint8_t out[SEALED_LEN])
{
    if (!g_have_master)
        return LP_ERR_STATE;
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, seed, crypto_sign_SEEDBYTES, out, g_master);
    return 0;
}

int iss_seal(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    *out_len = 0;
    if (!g_have_master)
        return LP_ERR_STATE;
    if (cap < len + ISS_SEAL_OVERHEAD)
        return LP_ERR_INTERNAL;
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, in, len, out, g_master);
    *out_len = len + ISS_SEAL_OVERHEAD;
    return 0;
}

int iss_unseal(const uint8_t *sealed, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    *out_len = 0;
    if (!g_have_master)
        return LP_ERR_STATE;
    if (len < ISS_SEAL_OVERHEAD || cap < len - ISS_SEAL_OVERHEAD ||
        crypto_secretbox_open_easy(out, sealed + crypto_secretbox_NONCEBYTES, len - crypto_secretbox_NONCEBYTES,
                                   sealed, g_master) != 0)
        return LP_ERR_CRYPTO;
    *out_len = len - ISS_SEAL_OVERHEAD;
    return 0;
}

/* Opens a sealed seed into a signing key and checks it against pk. */
static int unseal(const uint8_t *sealed, size_t len, const uint8_t pk[TOK_PK_LEN], uint8_t sk[TOK_SK_LEN])
{
    uint8_t seed[crypto_sign_SEEDBYTES], derived[TOK_PK_LEN];
    if (!g_have_master)
        return LP_ERR_STATE;
    if (len != SEALED_LEN ||
        crypto_secretbox_open_easy(seed, sealed + crypto_secretbox_NONCEBYTES,
                                   len - crypto_secretbox_NONCEBYTES, sealed, g_master) != 0)
        return LP_ERR_CRYPTO;
    crypto_sign_seed_keypair(derived, sk, seed);
    sodium_memzero(seed, sizeof seed);
    if (sodium_memcmp(derived, pk, TOK_PK_LEN) != 0) {
        sodium_memzero(sk, TOK_SK_LEN);
        return LP_ERR_CRYPTO;
    }
    return 0;
}

void iss_signer_wipe(struct iss_signer *s)
{
    if (s)
        sodium_memzero(s, sizeof *s);
}

/* Loads and unseals the key the statement (already bound) selects as
 * (id, kid, public_key, sealed_seed). LP_ERR_NOTFOUND when it selects none,
 * LP_ERR_CRYPTO when the row does not open, or the step's error. */
static int signer_from(sqlite3_stmt *st, struct iss_signer *out)
{
    memset(out, 0, sizeof *out);
    int rc = db_get(st);
    if (rc == 0) {
        out->key_id = sqlite3_column_int64(st, 0);
        rc = sqlite3_column_bytes(st, 1) == TOK_KID_LEN && sqlite3_column_bytes(st, 2) == TOK_PK_LEN
                 ? unseal(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                          sqlite3_column_blob(st, 2), out->sk)
                 : LP_ERR_CRYPTO;
        if (rc == 0)
            memcpy(out->kid, sqlite3_column_blob(st, 1), TOK_KID_LEN);
        sqlite3_reset(st);
    }
    if (rc != 0)
        iss_signer_wipe(out);
    return rc;
}

int iss_keys_verify(db_t *db)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, kid, public_key, sealed_seed FROM signing_keys "
                                   "WHERE status <> 'withdrawn' AND id > ?1 ORDER BY id LIMIT 1");
    struct iss_signer s;
    int64_t last = 0;
    int rc = st ? 0 : LP_ERR_DB;
    while (rc == 0) {
        db_bind_int(st, 1, last);
        rc = signer_from(st, &s);
        last = rc == 0 ? s.key_id : last;
        iss_signer_wipe(&s);
        if (rc == LP_ERR_NOTFOUND)
            return 0;
    }
    return rc;
}

/* ---- keys ---- */

static int key_create(db_t *db, const actor_t *who, int64_t now, int64_t *id)
{
    uint8_t seed[crypto_sign_SEEDBYTES], pk[TOK_PK_LEN], sk[TOK_SK_LEN], kid[TOK_KID_LEN], sealed[SEALED_LEN];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(sk, sizeof sk);
    tok_kid_from_pk(pk, kid);
    int rc = seal_seed(seed, sealed);
    sodium_memzero(seed, sizeof seed);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO signing_keys(kid, public_key, sealed_seed, status, created_at) VALUES (?1, ?2, ?3, 'active', ?4)");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_blob(st, 1, kid, sizeof kid);
        db_bind_blob(st, 2, pk, sizeof pk);
        db_bind_blob(st, 3, sealed, sizeof sealed);
        db_bind_int(st, 4, now);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) {
        *id = db_last_id(db);
        rc = audit_change(db, who, "create", "signing_key", *id, SNAP_KEY, NULL);
    }
    return rc;
}

/* The active key's id, 0 when there is none; or the step's error. */
static int active_id(db_t *db, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM signing_keys WHERE status = 'active'");
    if (!st)
        return LP_ERR_DB;
    *id = 0;
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND)
        return 0;
    if (rc == 0) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

int iss_key_ensure(db_t *db, const actor_t *who, int64_t now)
{
    int64_t id = 0;
    int own, rc = active_id(db, &id);
    if (rc || id)
        return rc;
    rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = active_id(db, &id);
    if (rc == 0 && id == 0)
        rc = key_create(db, who, now, &id);
    return iss_tx_end(db, own, rc);
}

/* Retires key id: trusted until its last pass expires, and at least overlap. */
static int key_retire(db_t *db, const actor_t *who, int64_t id, int64_t now, int64_t overlap)
{
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_KEY, id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE signing_keys SET status = 'retired', retired_at = ?2, not_after = max(?2 + ?3, "
        "COALESCE((SELECT max(exp) FROM passes WHERE key_id = ?1), 0)) WHERE id = ?1 AND status = 'active'");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, id);
        db_bind_int(st, 2, now);
        db_bind_int(st, 3, overlap);
        rc = db_exec_stmt(st);
    }
    if (rc == 0)
        rc = audit_change(db, who, "rotate", "signing_key", id, SNAP_KEY, before);
    free(before);
    return rc;
}

static int key_row(sqlite3_stmt *st, iss_key *k);
static int key_row_any(sqlite3_stmt *st, void *k) { return key_row(st, k); }

static int key_row(sqlite3_stmt *st, iss_key *k)
{
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(st, 0);
    if (sqlite3_column_bytes(st, 1) != TOK_KID_LEN || sqlite3_column_bytes(st, 2) != TOK_PK_LEN)
        return LP_ERR_DB;
    memcpy(k->kid, sqlite3_column_blob(st, 1), TOK_KID_LEN);
    memcpy(k->pk, sqlite3_column_blob(st, 2), TOK_PK_LEN);
    if (iss_key_state_parse(db_col_text(st, 3), &k->state) != 0)
        return LP_ERR_DB;   /* the CHECK constraint allows no other */
    k->created_at = sqlite3_column_int64(st, 4);
    k->retired_at = sqlite3_column_int64(st, 5);
    k->not_after = sqlite3_column_int64(st, 6);
    return 0;
}

static int key_by_id(db_t *db, int64_t id, iss_key *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, kid, public_key, status, created_at, COALESCE(retired_at, 0), "
                                   "COALESCE(not_after, 0) FROM signing_keys WHERE id = ?1");
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        rc = key_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int iss_key_rotate(db_t *db, const actor_t *who, int64_t now, iss_key *out)
{
    iss_settings s;
    int64_t old = 0, id = 0;
    int own, rc = iss_settings_get(db, &s);
    if (rc)
        return rc;
    if (!g_have_master)
        return LP_ERR_STATE;
    rc = iss_tx_begin(db, &own);
    if (rc == 0)
        rc = active_id(db, &old);
    if (rc == 0 && old)
        rc = key_retire(db, who, old, now, (int64_t)s.key_overlap_days * 86400);
    if (rc == 0)
        rc = key_create(db, who, now, &id);
    if (rc == 0 && out)
        rc = key_by_id(db, id, out);
    return iss_tx_end(db, own, rc);
}

int iss_key_withdraw(db_t *db, const actor_t *who, const uint8_t kid[TOK_KID_LEN], int64_t now, int *revoked)
{
    iss_key k;
    int own, rc = iss_tx_begin(db, &own);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "SELECT id FROM signing_keys WHERE kid = ?1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_blob(st, 1, kid, TOK_KID_LEN);
        rc = db_get(st);
    }
    if (rc == 0) {
        int64_t id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        rc = key_by_id(db, id, &k);
    }
    if (rc == 0 && k.state == ISS_KEY_WITHDRAWN)
        rc = LP_ERR_STATE;
    char *before = NULL;
    if (rc == 0)
        rc = audit_snapshot(db, SNAP_KEY, k.id, &before);
    st = rc ? NULL : db_stmt(db, "UPDATE signing_keys SET status = 'withdrawn', retired_at = COALESCE(retired_at, ?2), "
                                 "not_after = ?2 WHERE id = ?1");
    if (rc == 0 && !st)
        rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, k.id);
        db_bind_int(st, 2, now);
        rc = db_exec_stmt(st);
    }
    if (rc == 0)
        rc = audit_change(db, who, "withdraw", "signing_key", k.id, SNAP_KEY, before);
    free(before);
    if (rc == 0)
        rc = iss_revoke(db, who, ISS_KEY, k.id, "key_withdrawn", now, revoked);
    if (rc == 0 && k.state == ISS_KEY_ACTIVE)
        rc = iss_key_ensure(db, who, now);
    return iss_tx_end(db, own, rc);
}

int iss_key_list(db_t *db, int64_t now, int all, iss_key **out, size_t *n)
{
    /* the newest TOK_BUNDLE_KEYS_MAX trusted keys, returned oldest first */
    sqlite3_stmt *st = db_stmt(db,
        "SELECT * FROM (SELECT id, kid, public_key, status, created_at, COALESCE(retired_at, 0), COALESCE(not_after, 0) "
        "FROM signing_keys WHERE ?2 OR status = 'active' OR (status = 'retired' AND not_after > ?1) "
        "ORDER BY id DESC LIMIT ?3) ORDER BY id");
    *out = NULL;
    *n = 0;
    if (!st)
        return LP_ERR_DB;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, all != 0);
    db_bind_int(st, 3, all ? 100000 : TOK_BUNDLE_KEYS_MAX);
    return db_collect(st, sizeof **out, key_row_any, (void **)out, n);
}

int iss_signer_active(db_t *db, int64_t now, struct iss_signer *out)
{
    int rc = iss_key_ensure(db, &iss_system, now);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "SELECT id, kid, public_key, sealed_seed FROM signing_keys "
                                               "WHERE status = 'active'");
    if (rc)
        return rc;
    return st ? signer_from(st, out) : LP_ERR_DB;
}

int iss_signer_oldest(db_t *db, int64_t now, struct iss_signer *out)
{
    iss_key *keys = NULL;
    size_t n = 0;
    int rc = iss_key_ensure(db, &iss_system, now);
    if (rc == 0)
        rc = iss_key_list(db, now, 0, &keys, &n);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "SELECT id, kid, public_key, sealed_seed FROM signing_keys WHERE id = ?1");
    if (rc == 0 && (!st || n == 0))
        rc = st ? LP_ERR_NOTFOUND : LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, keys[0].id);
        rc = signer_from(st, out);
    }
    free(keys);
    return rc;
}
