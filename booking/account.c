/* account.c: passwords, sessions, API keys and login throttling (see account.h).
 * Guarantees: no secret is stored or logged in clear; a failed login costs the
 * same argon2id work whether or not the account exists; a locked account or
 * address is refused before any password is checked. */
#include "booking/account.h"
#include "core/clock.h"
#include "core/log.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_LEN 32

void acct_policy_default(acct_policy *p)
{
    p->session_ttl = 12 * 3600;
    p->account_max_failures = 5;
    p->address_max_failures = 30;
    p->window = 15 * 60;
    p->lockout = 15 * 60;
}

static void token_hash(const char *token, unsigned char out[HASH_LEN])
{
    crypto_generichash(out, HASH_LEN, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* prefix + 32 random bytes in base64url without padding. */
static void new_token(const char *prefix, char *out, size_t outlen)
{
    unsigned char raw[32];
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, outlen, "%s%s", prefix, b64);
    sodium_memzero(raw, sizeof raw);
}

int acct_password_ok(const char *password)
{
    size_t n = strlen(password);
    return n >= ACCT_PASSWORD_MIN && n <= ACCT_PASSWORD_MAX ? 0 : LP_ERR_INVALID;
}

int acct_hash_password(const char *password, char *out, size_t outlen)
{
    if (outlen < crypto_pwhash_STRBYTES) return LP_ERR_INTERNAL;
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return LP_ERR_NOMEM;
    return 0;
}

/* ---- throttling ---- */

/* Seconds the key stays locked, 0 when not locked. */
static int64_t throttle_locked(db_t *db, const char *key, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT locked_until FROM login_throttle WHERE key = ?1");
    int64_t until = 0;
    if (!st) return 0;
    db_bind_text(st, 1, key);
    if (sqlite3_step(st) == SQLITE_ROW) until = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return until > now ? until - now : 0;
}

static int throttle_fail(db_t *db, const acct_policy *pol, const char *key, int max, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO login_throttle(key, failures, window_start, locked_until) VALUES (?1, 1, ?2, 0) "
        "ON CONFLICT(key) DO UPDATE SET "
        "  failures = CASE WHEN window_start <= ?2 - ?3 THEN 1 ELSE failures + 1 END, "
        "  window_start = CASE WHEN window_start <= ?2 - ?3 THEN ?2 ELSE window_start END, "
        "  locked_until = CASE WHEN window_start > ?2 - ?3 AND failures + 1 >= ?4 THEN ?2 + ?5 "
        "                 ELSE locked_until END");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, key);
    db_bind_int(st, 2, now);
    db_bind_int(st, 3, pol->window);
    db_bind_int(st, 4, max);
    db_bind_int(st, 5, pol->lockout);
    return db_exec_stmt(st);
}

static int throttle_clear(db_t *db, const char *key)
{
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM login_throttle WHERE key = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, key);
    return db_exec_stmt(st);
}

/* ---- login ---- */

static int create_session(db_t *db, const acct_policy *pol, int64_t person_id, const char *ip,
                          char token[ACCT_TOKEN_LEN], int64_t *expires_at)
{
    unsigned char h[HASH_LEN];
    int64_t now = clk_now();
    new_token("lps_", token, ACCT_TOKEN_LEN);
    token_hash(token, h);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO sessions(token_hash, person_id, created_at, expires_at, client_ip) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_int(st, 2, person_id);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, now + pol->session_ttl);
    db_bind_text(st, 5, ip);
    *expires_at = now + pol->session_ttl;
    return db_exec_stmt(st);
}

/* Looks up the stored hash of an active person; *found = 0 when none. */
static int find_login(db_t *db, const char *email, int64_t *pid, char *hash, size_t hlen, int *found)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT id, password_hash FROM people WHERE email = ?1 AND status = 'active' "
        "AND password_hash IS NOT NULL");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, email);
    *found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *pid = sqlite3_column_int64(st, 0);
        snprintf(hash, hlen, "%s", db_col_text(st, 1));
        *found = 1;
    }
    sqlite3_reset(st);
    return 0;
}

static char g_dummy[crypto_pwhash_STRBYTES];
static pthread_once_t g_dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    if (acct_hash_password("labpass-dummy-password", g_dummy, sizeof g_dummy) != 0)
        g_dummy[0] = '\0';
}

/* A real hash to verify against when the account does not exist. */
static const char *dummy_hash(void)
{
    pthread_once(&g_dummy_once, dummy_init);
    return g_dummy[0] ? g_dummy : NULL;
}

int acct_verify(db_t *db, const acct_policy *pol, const char *email, const char *password,
                const char *client_ip, int64_t *person_id, int64_t *retry_after)
{
    char akey[300], ikey[80], hash[crypto_pwhash_STRBYTES + 1];
    int64_t now = clk_now(), pid = 0;
    int found = 0, rc;
    snprintf(akey, sizeof akey, "acct:%s", email);
    snprintf(ikey, sizeof ikey, "addr:%s", client_ip ? client_ip : "");
    for (char *p = akey; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    int64_t la = throttle_locked(db, akey, now), li = throttle_locked(db, ikey, now);
    if (la > 0 || li > 0) {
        *retry_after = la > li ? la : li;
        return LP_ERR_THROTTLED;
    }
    if ((rc = find_login(db, email, &pid, hash, sizeof hash, &found)) != 0) return rc;
    const char *check = found ? hash : dummy_hash();
    int ok = check && crypto_pwhash_str_verify(check, password, strlen(password)) == 0 && found;
    sodium_memzero(hash, sizeof hash);
    if (ok) {
        *person_id = pid;
        return throttle_clear(db, akey);
    }
    if ((rc = db_begin(db)) != 0) return rc;
    rc = throttle_fail(db, pol, akey, pol->account_max_failures, now);
    if (rc == 0) rc = throttle_fail(db, pol, ikey, pol->address_max_failures, now);
    if (rc == 0) rc = db_commit(db);
    if (rc != 0) db_rollback(db);
    return rc != 0 ? rc : LP_ERR_UNAUTH;
}

int acct_login(db_t *db, const acct_policy *pol, const char *email, const char *password,
               const char *client_ip, char token_out[ACCT_TOKEN_LEN], int64_t *expires_at,
               int64_t *person_id, int64_t *retry_after)
{
    int rc = acct_verify(db, pol, email, password, client_ip, person_id, retry_after);
    if (rc == 0) rc = create_session(db, pol, *person_id, client_ip, token_out, expires_at);
    return rc;
}

/* ---- authentication of requests ---- */

static void fill_person_role(acct_caller *c, int is_staff, const char *mrole, int64_t tenant)
{
    c->tenant_id = tenant;
    if (is_staff) c->role = ROLE_STAFF;
    else if (strcmp(mrole, "tenant_admin") == 0) c->role = ROLE_TENANT_ADMIN;
    else c->role = ROLE_MEMBER;
}

/* Columns col.. col+3: email, name, has password, created_at. */
static void fill_profile(acct_profile *pr, sqlite3_stmt *st, int col)
{
    snprintf(pr->email, sizeof pr->email, "%s", db_col_text(st, col));
    snprintf(pr->name, sizeof pr->name, "%s", db_col_text(st, col + 1));
    pr->has_password = sqlite3_column_int(st, col + 2);
    pr->created_at = sqlite3_column_int64(st, col + 3);
}

static int auth_session(db_t *db, const char *token, acct_caller *out)
{
    unsigned char h[HASH_LEN];
    token_hash(token, h);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT s.id, p.id, p.is_staff, COALESCE(m.role, ''), COALESCE(m.tenant_id, 0), s.expires_at, "
        "p.email, p.name, p.password_hash IS NOT NULL, p.created_at "
        "FROM sessions s JOIN people p ON p.id = s.person_id "
        "LEFT JOIN memberships m ON m.person_id = p.id "
        "WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 "
        "AND p.status = 'active'");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_int(st, 2, clk_now());
    int rc = LP_ERR_UNAUTH;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->session_id = sqlite3_column_int64(st, 0);
        out->person_id = sqlite3_column_int64(st, 1);
        fill_person_role(out, sqlite3_column_int(st, 2), db_col_text(st, 3),
                         sqlite3_column_int64(st, 4));
        out->expires_at = sqlite3_column_int64(st, 5);
        fill_profile(&out->profile, st, 6);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

static int auth_apikey(db_t *db, const char *token, acct_caller *out)
{
    char *end = NULL;
    long long id = strtoll(token + 4, &end, 10);
    if (id <= 0 || !end || *end != '_' || strlen(end + 1) < 20) return LP_ERR_UNAUTH;
    unsigned char h[HASH_LEN];
    token_hash(end + 1, h);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT k.secret_hash, k.role, COALESCE(k.person_id, 0), COALESCE(k.door_id, 0), "
        "COALESCE(p.status, 'active'), COALESCE(p.email, ''), COALESCE(p.name, ''), "
        "p.password_hash IS NOT NULL, COALESCE(p.created_at, 0), COALESCE(p.is_staff, 0) "
        "FROM api_keys k LEFT JOIN people p ON p.id = k.person_id "
        "WHERE k.id = ?1 AND k.revoked_at IS NULL");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = LP_ERR_UNAUTH;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == HASH_LEN &&
        sodium_memcmp(sqlite3_column_blob(st, 0), h, HASH_LEN) == 0 &&
        strcmp(db_col_text(st, 4), "active") == 0 &&
        /* a staff key works only while its owner is still staff */
        (strcmp(db_col_text(st, 1), "staff") != 0 || sqlite3_column_int(st, 9) == 1)) {
        out->apikey_id = id;
        out->person_id = sqlite3_column_int64(st, 2);
        out->door_id = sqlite3_column_int64(st, 3);
        out->role = strcmp(db_col_text(st, 1), "door") == 0 ? ROLE_DOOR : ROLE_STAFF;
        fill_profile(&out->profile, st, 5);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

/* The per-thread cache of resolved tokens (see account.h). */
#define AUTH_CACHE 64
struct auth_entry { unsigned char key[HASH_LEN]; acct_caller caller; uint64_t gen; int64_t until; };
static _Thread_local struct auth_entry g_auth_cache[AUTH_CACHE];

static int auth_resolve(db_t *db, const char *token, acct_caller *out)
{
    if (strncmp(token, "lps_", 4) == 0) return auth_session(db, token, out);
    if (strncmp(token, "lpk_", 4) == 0) return auth_apikey(db, token, out);
    return LP_ERR_UNAUTH;
}

int acct_authenticate(db_t *db, const char *token, acct_caller *out)
{
    unsigned char key[HASH_LEN];
    memset(out, 0, sizeof *out);
    size_t n = strlen(token);
    if (n < 10 || n > 200) return LP_ERR_UNAUTH;
    token_hash(token, key);
    uint64_t gen = db_generation();   /* read before the query: a commit during it invalidates */
    int64_t now = clk_now();
    struct auth_entry *e = &g_auth_cache[key[0] % AUTH_CACHE];
    if (e->until > now && e->gen == gen && sodium_memcmp(e->key, key, HASH_LEN) == 0) {
        *out = e->caller;
        return 0;
    }
    int rc = auth_resolve(db, token, out);
    if (rc == 0) {
        memcpy(e->key, key, HASH_LEN);
        e->caller = *out;
        e->gen = gen;
        e->until = now + ACCT_CACHE_TTL;
        if (out->expires_at && out->expires_at < e->until) e->until = out->expires_at;
    }
    return rc;
}

/* ---- revocation ---- */

int acct_logout(db_t *db, int64_t session_id)
{
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, session_id);
    db_bind_int(st, 2, clk_now());
    return db_exec_stmt(st);
}

static const char *SNAP_SESSION =
    "SELECT json_object('id', id, 'person_id', person_id, 'expires_at', expires_at, "
    "'revoked_at', revoked_at) FROM sessions WHERE id = ?1";

int acct_revoke_session(db_t *db, const actor_t *who, int64_t session_id)
{
    char *before = NULL;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_SESSION, session_id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    if (rc == 0) rc = acct_logout(db, session_id);
    if (rc == 0) rc = audit_change(db, who, "revoke", "session", session_id, SNAP_SESSION, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

int acct_revoke_person_sessions(db_t *db, int64_t person_id)
{
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE sessions SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, clk_now());
    return db_exec_stmt(st);
}

/* ---- API keys ---- */

static const char *SNAP_APIKEY =
    "SELECT json_object('id', id, 'name', name, 'role', role, 'person_id', person_id, "
    "'door_id', door_id, 'revoked_at', revoked_at) FROM api_keys WHERE id = ?1";

int acct_apikey_create(db_t *db, const actor_t *who, const char *name, const char *role,
                       int64_t person_id, int64_t door_id, char *key_out, size_t keylen,
                       int64_t *id_out)
{
    char secret[ACCT_TOKEN_LEN];
    unsigned char h[HASH_LEN];
    new_token("", secret, sizeof secret);
    token_hash(secret, h);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO api_keys(name, secret_hash, role, person_id, door_id, created_at) "
        "VALUES (?1, ?2, ?3, NULLIF(?4, 0), NULLIF(?5, 0), ?6)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, name);
    db_bind_blob(st, 2, h, HASH_LEN);
    db_bind_text(st, 3, role);
    db_bind_int(st, 4, person_id);
    db_bind_int(st, 5, door_id);
    db_bind_int(st, 6, clk_now());
    int rc = db_exec_stmt(st);
    if (rc == LP_ERR_CONFLICT) rc = LP_ERR_INVALID;
    if (rc == 0) {
        *id_out = db_last_id(db);
        snprintf(key_out, keylen, "lpk_%lld_%s", (long long)*id_out, secret);
        rc = audit_change(db, who, "create", "api_key", *id_out, SNAP_APIKEY, NULL);
    }
    sodium_memzero(secret, sizeof secret);
    return rc;
}

int acct_apikey_revoke(db_t *db, const actor_t *who, int64_t id)
{
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_APIKEY, id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, id);
        db_bind_int(st, 2, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, who, "revoke", "api_key", id, SNAP_APIKEY, before);
    free(before);
    return rc;
}

/* ---- passwords ---- */

int acct_set_password(db_t *db, const actor_t *who, int64_t person_id, const char *password)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc = acct_password_ok(password);
    if (rc == 0) rc = acct_hash_password(password, hash, sizeof hash);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE people SET password_hash = ?2, updated_at = ?3 WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_text(st, 2, hash);
    db_bind_int(st, 3, clk_now());
    rc = db_exec_stmt(st);
    if (rc == 0 && db_changes(db) == 0) rc = LP_ERR_NOTFOUND;
    if (rc == 0) rc = acct_revoke_person_sessions(db, person_id);
    if (rc == 0) rc = audit_add(db, who, "set_password", "person", person_id, NULL, NULL);
    return rc;
}

int acct_setup_token(db_t *db, int64_t person_id, int64_t ttl, char token_out[ACCT_TOKEN_LEN])
{
    unsigned char h[HASH_LEN];
    new_token("lpsetup_", token_out, ACCT_TOKEN_LEN);
    token_hash(token_out, h);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO setup_tokens(token_hash, person_id, expires_at) VALUES (?1, ?2, ?3)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_int(st, 2, person_id);
    db_bind_int(st, 3, clk_now() + ttl);
    return db_exec_stmt(st);
}

int acct_setup_consume(db_t *db, const char *token, const char *password)
{
    unsigned char h[HASH_LEN];
    int64_t pid = 0;
    if (strlen(token) > 100) return LP_ERR_UNAUTH;
    int rc = acct_password_ok(password);
    if (rc) return rc;
    token_hash(token, h);
    if ((rc = db_begin(db)) != 0) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE setup_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL "
        "AND expires_at > ?2 RETURNING person_id");
    if (!st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_blob(st, 1, h, HASH_LEN);
        db_bind_int(st, 2, clk_now());
        if (sqlite3_step(st) == SQLITE_ROW) pid = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (pid == 0) rc = LP_ERR_UNAUTH;
    }
    actor_t self = { pid, "setup-token" };
    if (rc == 0) rc = acct_set_password(db, &self, pid, password);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}
