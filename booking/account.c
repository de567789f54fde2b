/* account.c: passwords, sessions, API keys and revocation (see account.h;
 * sign-in and its throttling are in acct_signin.c).
 * Guarantees: no secret is stored or logged in clear; every argon2id
 * computation runs in the bounded pool (pwhash.h); a credential of a person of
 * an offboarded tenant does not authenticate; a database that fails while a
 * credential is resolved answers with its error, never "unauthenticated";
 * every write of several statements runs in one transaction. */
#include "booking/account.h"
#include "booking/acct_int.h"
#include "booking/person.h"
#include "booking/pwhash.h"
#include "core/clock.h"
#include "core/log.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void acct_policy_default(acct_policy *p)
{
    p->session_ttl = 12 * 3600;
    p->pair_free = 5;
    p->account_free = 10;
    p->address_free = 100;
    p->delay_base = 1;
    p->delay_cap = 15 * 60;
    p->window = 3600;
    p->device_ttl = 180 * 86400;
    p->unlock_ttl = 3600;
    p->alert_every = 3600;
    p->hash_workers = PWH_WORKERS_DEFAULT;
    p->hash_wait_ms = PWH_WAIT_MS_DEFAULT;
    p->idle_timeout = 30 * 60;
    p->passkey_staff = 0;
}

static _Atomic int64_t g_idle;   /* seconds; 0: no idle timeout (acct_set_idle_timeout; SIGHUP may change it) */

void acct_set_idle_timeout(int64_t seconds) { g_idle = seconds > 0 ? seconds : 0; }
int64_t acct_idle_timeout(void) { return g_idle; }

static const char *const METHOD[] = {
    [ACCT_BY_PASSWORD] = "password", [ACCT_BY_PASSKEY] = "passkey", [ACCT_BY_PASSWORD_PASSKEY] = "password+passkey" };

const char *acct_method_name(enum acct_method m)
{
    switch (m) {
    case ACCT_BY_PASSWORD:
    case ACCT_BY_PASSKEY:
    case ACCT_BY_PASSWORD_PASSKEY: return METHOD[m];
    }
    return "password";
}

int acct_method_parse(const char *s, enum acct_method *out)
{
    for (size_t i = 0; i < sizeof METHOD / sizeof METHOD[0]; i++)
        if (strcmp(s, METHOD[i]) == 0) { *out = (enum acct_method)i; return 0; }
    return LP_ERR_DB;
}

/* A session's last use is written at most once per this many seconds. */
#define SEEN_EVERY 60

int acct_tx_begin(db_t *db, int *own)
{
    *own = sqlite3_get_autocommit(db_handle(db));
    return *own ? db_begin(db) : 0;
}

int acct_tx_end(db_t *db, int own, int rc)
{
    if (!own) return rc;
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

void acct_token_hash(const char *token, unsigned char out[HASH_LEN])
{
    crypto_generichash(out, HASH_LEN, (const unsigned char *)token, strlen(token), NULL, 0);
}

void acct_new_token(const char *prefix, char *out, size_t outlen)
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
    return pwh_hash(password, out, outlen);
}

/* ---- sessions ---- */

/* The browser's User-Agent as kept: at most ACCT_UA_MAX bytes of printable
 * ASCII, anything else a '?'. */
static void ua_clean(const char *ua, char out[ACCT_UA_MAX + 1])
{
    size_t n = 0;
    for (const char *p = ua ? ua : ""; *p && n < ACCT_UA_MAX; p++)
        out[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    out[n] = '\0';
}

int acct_create_session_as(db_t *db, const acct_policy *pol, int64_t person_id, const char *ip,
                           const char *user_agent, int method, int staff_pending, char *token, int64_t *expires_at)
{
    unsigned char h[HASH_LEN];
    char ua[ACCT_UA_MAX + 1];
    int64_t now = clk_now();
    ua_clean(user_agent, ua);
    acct_new_token("lps_", token, ACCT_TOKEN_LEN);
    acct_token_hash(token, h);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO sessions(token_hash, person_id, created_at, expires_at, client_ip, last_seen_at, user_agent, "
        "method, staff_pending) VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?6, ?7, ?8)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_int(st, 2, person_id);
    db_bind_int(st, 3, now);
    db_bind_int(st, 4, now + pol->session_ttl);
    db_bind_text(st, 5, ip ? ip : "");
    db_bind_text(st, 6, ua);
    db_bind_text(st, 7, acct_method_name((enum acct_method)method));
    db_bind_int(st, 8, staff_pending ? 1 : 0);
    *expires_at = now + pol->session_ttl;
    return db_exec_stmt(st);
}

int acct_create_session(db_t *db, const acct_policy *pol, int64_t person_id, const char *ip,
                        char *token, int64_t *expires_at)
{
    return acct_create_session_as(db, pol, person_id, ip, NULL, ACCT_BY_PASSWORD, 0, token, expires_at);
}

int acct_needs_stepup(db_t *db, const acct_policy *pol, int64_t person_id, int *needs)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT p.is_staff AND (?2 OR EXISTS (SELECT 1 FROM passkeys k WHERE k.person_id = p.id "
        "AND k.revoked_at IS NULL AND k.cloned_at IS NULL)) FROM people p WHERE p.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, pol->passkey_staff ? 1 : 0);
    int rc = db_get(st);
    if (rc) return rc;
    *needs = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
}

int acct_session_open(db_t *db, const acct_policy *pol, int64_t person_id, enum acct_method method,
                      const char *ip, const char *user_agent, acct_outcome *o)
{
    memset(o, 0, sizeof *o);
    int rc = db_begin(db);
    if (rc) return rc;
    rc = acct_create_session_as(db, pol, person_id, ip, user_agent, method, 0, o->token, &o->expires_at);
    if (rc == 0) rc = db_commit(db);
    if (rc) { db_rollback(db); sodium_memzero(o, sizeof *o); return rc; }
    o->person_id = person_id;
    return 0;
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
    acct_token_hash(token, h);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT s.id, p.id, p.is_staff, COALESCE(m.role, ''), COALESCE(m.tenant_id, 0), s.expires_at, "
        "p.email, p.name, p.password_hash IS NOT NULL, p.created_at, p.language, "
        "COALESCE(s.last_seen_at, s.created_at), s.staff_pending "
        "FROM sessions s JOIN people p ON p.id = s.person_id "
        "LEFT JOIN memberships m ON m.person_id = p.id "
        "LEFT JOIN tenants t ON t.id = m.tenant_id "
        "WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 "
        "AND (?3 = 0 OR COALESCE(s.last_seen_at, s.created_at) > ?2 - ?3) "
        "AND p.status = 'active' AND COALESCE(t.status, '') <> 'offboarded'");
    if (!st) return LP_ERR_DB;
    int64_t now = clk_now();
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_int(st, 2, now);
    db_bind_int(st, 3, acct_idle_timeout());
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_UNAUTH : rc;
    out->session_id = sqlite3_column_int64(st, 0);
    out->person_id = sqlite3_column_int64(st, 1);
    out->staff_pending = sqlite3_column_int(st, 12) && sqlite3_column_int(st, 2);
    /* a staff member who owes the passkey step has no staff rights yet */
    fill_person_role(out, sqlite3_column_int(st, 2) && !out->staff_pending, db_col_text(st, 3),
                     sqlite3_column_int64(st, 4));
    out->expires_at = sqlite3_column_int64(st, 5);
    fill_profile(&out->profile, st, 6);
    snprintf(out->profile.language, sizeof out->profile.language, "%s", db_col_text(st, 10));
    int64_t seen = sqlite3_column_int64(st, 11);
    sqlite3_reset(st);
    if (seen <= now - SEEN_EVERY || seen > now) {
        /* at most one write a minute per session; a busy database only delays it */
        sqlite3_stmt *up = db_stmt(db, "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1");
        if (!up) return LP_ERR_DB;
        db_bind_int(up, 1, out->session_id);
        db_bind_int(up, 2, now);
        rc = db_exec_stmt(up);
        if (rc && rc != LP_ERR_BUSY) return rc;
    }
    return 0;
}

static int auth_apikey(db_t *db, const char *token, acct_caller *out)
{
    char *end = NULL;
    long long id = strtoll(token + 4, &end, 10);
    if (id <= 0 || !end || *end != '_' || strlen(end + 1) < 20) return LP_ERR_UNAUTH;
    unsigned char h[HASH_LEN];
    acct_token_hash(end + 1, h);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT k.secret_hash, k.role, COALESCE(k.person_id, 0), COALESCE(k.door_id, 0), "
        "COALESCE(p.status, 'active'), COALESCE(p.email, ''), COALESCE(p.name, ''), "
        "p.password_hash IS NOT NULL, COALESCE(p.created_at, 0), COALESCE(p.is_staff, 0), COALESCE(p.language, 'en') "
        "FROM api_keys k LEFT JOIN people p ON p.id = k.person_id "
        "WHERE k.id = ?1 AND k.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM memberships m "
        "JOIN tenants t ON t.id = m.tenant_id WHERE m.person_id = k.person_id AND t.status = 'offboarded')");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_UNAUTH : rc;
    enum psn_state owner = PSN_DISABLED;
    rc = LP_ERR_UNAUTH;
    if (sqlite3_column_bytes(st, 0) == HASH_LEN && sodium_memcmp(sqlite3_column_blob(st, 0), h, HASH_LEN) == 0 &&
        psn_state_parse(db_col_text(st, 4), &owner) == 0 && owner == PSN_ACTIVE &&
        /* a staff key works only while its owner is still staff */
        (strcmp(db_col_text(st, 1), "staff") != 0 || sqlite3_column_int(st, 9) == 1)) {
        out->apikey_id = id;
        out->person_id = sqlite3_column_int64(st, 2);
        out->door_id = sqlite3_column_int64(st, 3);
        out->role = strcmp(db_col_text(st, 1), "door") == 0 ? ROLE_DOOR : ROLE_STAFF;
        fill_profile(&out->profile, st, 5);
        snprintf(out->profile.language, sizeof out->profile.language, "%s", db_col_text(st, 10));
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
    acct_token_hash(token, key);
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

int acct_session_stepup(db_t *db, const actor_t *who, int64_t session_id)
{
    char *before = NULL;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_SESSION, session_id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE sessions SET staff_pending = 0, method = 'password+passkey' WHERE id = ?1 AND staff_pending = 1 "
        "AND revoked_at IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, session_id); rc = db_exec_stmt(st); }
    if (rc == 0 && db_changes(db) != 1) rc = LP_ERR_STATE;
    if (rc == 0) rc = audit_change(db, who, "passkey-step", "session", session_id, SNAP_SESSION, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

/* Revokes one session in the open transaction (audited). */
static int revoke_audited(db_t *db, const actor_t *who, int64_t session_id)
{
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_SESSION, session_id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    if (rc == 0) rc = acct_logout(db, session_id);
    if (rc == 0) rc = audit_change(db, who, "revoke", "session", session_id, SNAP_SESSION, before);
    free(before);
    return rc;
}

int acct_revoke_own_session(db_t *db, const actor_t *who, int64_t person_id, int64_t session_id)
{
    int rc = db_begin(db);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "SELECT 1 FROM sessions WHERE id = ?1 AND person_id = ?2 AND revoked_at IS NULL AND expires_at > ?3");
    if (!st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, session_id);
        db_bind_int(st, 2, person_id);
        db_bind_int(st, 3, clk_now());
        rc = db_get(st);
        if (rc == 0) sqlite3_reset(st);
    }
    if (rc == 0) rc = revoke_audited(db, who, session_id);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

static int live_id_row(sqlite3_stmt *st, void *elem)
{
    *(int64_t *)elem = sqlite3_column_int64(st, 0);
    return 0;
}

int acct_signout_everywhere(db_t *db, const actor_t *who, int64_t person_id, int64_t keep_session_id,
                            int64_t *revoked)
{
    int64_t *ids = NULL;
    size_t n = 0;
    *revoked = 0;
    int rc = db_begin(db);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "SELECT id FROM sessions WHERE person_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 AND id <> ?3 ORDER BY id");
    if (!st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, person_id);
        db_bind_int(st, 2, clk_now());
        db_bind_int(st, 3, keep_session_id);
        rc = db_collect(st, sizeof(int64_t), live_id_row, (void **)&ids, &n);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) rc = revoke_audited(db, who, ids[i]);
    free(ids);
    if (rc == 0) rc = db_commit(db);
    if (rc) { db_rollback(db); return rc; }
    *revoked = (int64_t)n;
    return 0;
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

/* Feed tokens are credentials too: a password change or an offboarding ends
 * them here with the other credentials (calendar_feeds is created by feed.c). */
int acct_revoke_person_feeds(db_t *db, const actor_t *who, int64_t person_id)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE calendar_feeds SET revoked_at = ?2 "
                                   "WHERE person_id = ?1 AND revoked_at IS NULL");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, clk_now());
    int own;
    int rc = acct_tx_begin(db, &own);
    if (rc) return rc;
    rc = db_exec_stmt(st);
    if (rc == 0 && db_changes(db) > 0)
        rc = audit_add(db, who, "revoke_all", "calendar_feed", person_id, NULL, NULL);
    return acct_tx_end(db, own, rc);
}

/* Runs one statement with ?1 = tenant id and ?2 = now. */
static int tenant_exec(db_t *db, const char *sql, int64_t tenant_id)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, clk_now());
    return db_exec_stmt(st);
}

#define OF_TENANT "person_id IN (SELECT person_id FROM memberships WHERE tenant_id = ?1)"
static const char *const TENANT_REVOKES[] = {
    "UPDATE sessions SET revoked_at = ?2 WHERE revoked_at IS NULL AND " OF_TENANT,
    "UPDATE calendar_feeds SET revoked_at = ?2 WHERE revoked_at IS NULL AND " OF_TENANT,
    "UPDATE known_devices SET revoked_at = ?2 WHERE revoked_at IS NULL AND " OF_TENANT,
    "UPDATE setup_tokens SET used_at = ?2 WHERE used_at IS NULL AND " OF_TENANT,
    "UPDATE tenant_invitations SET revoked_at = ?2 WHERE accepted_at IS NULL AND revoked_at IS NULL "
    "AND (tenant_id = ?1 OR " OF_TENANT ")",
};

/* Revokes the live API keys that sql (a literal: ids of live keys with ?1 =
 * owner, at most KEY_PAGE) finds, a page at a time, each audited. */
#define KEY_PAGE 64
static int revoke_keys(db_t *db, const actor_t *who, const char *sql, int64_t owner)
{
    int64_t ids[KEY_PAGE];
    size_t n;
    int rc = 0;
    do {
        sqlite3_stmt *st = db_stmt(db, sql);
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, owner);
        int step = DB_DONE;
        for (n = 0; n < KEY_PAGE && (step = db_step(st)) == DB_ROW; n++) ids[n] = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (step < 0) return step;
        for (size_t i = 0; rc == 0 && i < n; i++) rc = acct_apikey_revoke(db, who, ids[i]);
    } while (rc == 0 && n == KEY_PAGE);
    return rc;
}

int acct_revoke_tenant(db_t *db, const actor_t *who, int64_t tenant_id)
{
    int own;
    int rc = acct_tx_begin(db, &own);
    for (size_t i = 0; rc == 0 && i < sizeof TENANT_REVOKES / sizeof TENANT_REVOKES[0]; i++)
        rc = tenant_exec(db, TENANT_REVOKES[i], tenant_id);
    if (rc == 0)   /* API keys one by one, each audited */
        rc = revoke_keys(db, who, "SELECT id FROM api_keys WHERE revoked_at IS NULL AND " OF_TENANT
                                  " ORDER BY id LIMIT 64", tenant_id);
    if (rc == 0) rc = audit_add(db, who, "revoke", "tenant_credentials", tenant_id, NULL, NULL);
    return acct_tx_end(db, own, rc);
}

/* ---- API keys ---- */

int acct_revoke_person_keys(db_t *db, const actor_t *who, int64_t person_id)
{
    int own;
    int rc = acct_tx_begin(db, &own);
    if (rc == 0)
        rc = revoke_keys(db, who, "SELECT id FROM api_keys WHERE person_id = ?1 AND revoked_at IS NULL "
                                  "ORDER BY id LIMIT 64", person_id);
    return acct_tx_end(db, own, rc);
}

int acct_revoke_door_keys(db_t *db, const actor_t *who, int64_t door_id)
{
    int own;
    int rc = acct_tx_begin(db, &own);
    if (rc == 0)
        rc = revoke_keys(db, who, "SELECT id FROM api_keys WHERE door_id = ?1 AND revoked_at IS NULL "
                                  "ORDER BY id LIMIT 64", door_id);
    return acct_tx_end(db, own, rc);
}

static const char *SNAP_APIKEY =
    "SELECT json_object('id', id, 'name', name, 'role', role, 'person_id', person_id, "
    "'door_id', door_id, 'revoked_at', revoked_at) FROM api_keys WHERE id = ?1";

int acct_apikey_create(db_t *db, const actor_t *who, const char *name, const char *role,
                       int64_t person_id, int64_t door_id, char *key_out, size_t keylen,
                       int64_t *id_out)
{
    char secret[ACCT_TOKEN_LEN];
    unsigned char h[HASH_LEN];
    acct_new_token("", secret, sizeof secret);
    acct_token_hash(secret, h);
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
    int own;
    int rc = acct_tx_begin(db, &own);
    if (rc == 0) {
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT) rc = LP_ERR_INVALID;
    }
    if (rc == 0) {
        *id_out = db_last_id(db);
        rc = audit_change(db, who, "create", "api_key", *id_out, SNAP_APIKEY, NULL);
    }
    rc = acct_tx_end(db, own, rc);
    if (rc == 0) snprintf(key_out, keylen, "lpk_%lld_%s", (long long)*id_out, secret);
    sodium_memzero(secret, sizeof secret);
    return rc;
}

int acct_apikey_revoke(db_t *db, const actor_t *who, int64_t id)
{
    char *before = NULL;
    int own;
    int rc = acct_tx_begin(db, &own);
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_APIKEY, id, &before);
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
    return acct_tx_end(db, own, rc);
}

/* ---- passwords ---- */

int acct_store_password(db_t *db, const actor_t *who, int64_t person_id, const char *hash)
{
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE people SET password_hash = ?2, updated_at = ?3 WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_text(st, 2, hash);
    db_bind_int(st, 3, clk_now());
    int own;
    int rc = acct_tx_begin(db, &own);
    if (rc) return rc;
    rc = db_exec_stmt(st);
    if (rc == 0 && db_changes(db) == 0) rc = LP_ERR_NOTFOUND;
    if (rc == 0) rc = acct_revoke_person_sessions(db, person_id);
    if (rc == 0) rc = audit_add(db, who, "set_password", "person", person_id, NULL, NULL);
    return acct_tx_end(db, own, rc);
}

int acct_set_password(db_t *db, const actor_t *who, int64_t person_id, const char *password)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc = acct_password_ok(password);
    if (rc == 0) rc = acct_hash_password(password, hash, sizeof hash);
    if (rc == 0) rc = acct_store_password(db, who, person_id, hash);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int acct_setup_token(db_t *db, int64_t person_id, int64_t ttl, char token_out[ACCT_TOKEN_LEN])
{
    unsigned char h[HASH_LEN];
    acct_new_token("lpsetup_", token_out, ACCT_TOKEN_LEN);
    acct_token_hash(token_out, h);
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
    char hash[crypto_pwhash_STRBYTES];
    int64_t pid = 0;
    if (strlen(token) > 100) return LP_ERR_UNAUTH;
    int rc = acct_password_ok(password);
    /* the hash first: the write lock is not held while argon2id runs */
    if (rc == 0) rc = acct_hash_password(password, hash, sizeof hash);
    if (rc) return rc;
    acct_token_hash(token, h);
    if ((rc = db_begin(db)) != 0) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE setup_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL "
        "AND expires_at > ?2 RETURNING person_id");
    if (!st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_blob(st, 1, h, HASH_LEN);
        db_bind_int(st, 2, clk_now());
        rc = db_get(st);
        if (rc == 0) {
            pid = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
        if (rc == LP_ERR_NOTFOUND || (rc == 0 && pid == 0)) rc = LP_ERR_UNAUTH;
    }
    actor_t self = { pid, "setup-token" };
    if (rc == 0) rc = acct_store_password(db, &self, pid, hash);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    sodium_memzero(hash, sizeof hash);
    return rc;
}
