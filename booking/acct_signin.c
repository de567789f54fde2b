/* acct_signin.c: sign-in (see account.h): the attempt is reserved against
 * every throttle key in one write transaction before any hash is computed,
 * the hash runs in the bounded pool, and known devices keep their owner in
 * while strangers are slowed down.
 *
 * The rule. Each key holds a count of attempts and the instant before which
 * no further attempt is taken. An attempt starts by adding one to each of its
 * keys; once a key's count reaches its free allowance F, the key waits
 * delay_base * 2^(count - F) seconds (at most delay_cap) after this attempt.
 * A key is forgotten after `window` without attempts. The keys:
 *   pair:<email>|ip:<address>    attempts without a known device, F = pair_free
 *   pair:<email>|dev:<id>        attempts with a known device,   F = pair_free
 *   acct:<email>                 all attempts without a known device, F = account_free
 *   addr:<address>               all attempts without a known device, F = address_free
 * A success clears its pair key and gives its one count back to the others.
 * Nothing is ever locked for good, and an attempt with a known device (a
 * cookie from an earlier sign-in, or a link e-mailed to the person) meets only
 * its own pair key, which strangers cannot raise. Crossing the account or
 * address allowance queues a staff alert, at most once per alert_every.
 * An attempt that was never checked (the hashing pool was full, or the
 * database failed before the password was compared) gives its count back. */
#include "booking/account.h"
#include "booking/acct_int.h"
#include "booking/outbox.h"
#include "booking/pwhash.h"
#include "core/clock.h"
#include "core/log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An argon2id hash of a random password nobody knows, with the parameters of
 * real hashes: a sign-in for an unknown address costs the same work. */
static const char DUMMY_HASH[] =
    "$argon2id$v=19$m=65536,t=2,p=1$nDi+yz8xo1/ueFxEXrDGcA$TcfJNxP3p/YtYsgeN3QkgqmRMluz/Pw20jTxdud7uf8";

#define KEY_LEN 400
enum { K_PAIR, K_ACCT, K_ADDR, K_MAX };

struct keyset {
    char key[K_MAX][KEY_LEN];
    int free[K_MAX];
    int n;
};

struct device { int64_t id; int by_email; };

static void lower_copy(char *out, size_t n, const char *s)
{
    snprintf(out, n, "%s", s ? s : "");
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
}

/* The live known device of token for the person with email; id 0 when none. */
static int device_find(db_t *db, const char *token, const char *email, struct device *d)
{
    unsigned char h[HASH_LEN];
    memset(d, 0, sizeof *d);
    if (!token || strlen(token) < 20 || strlen(token) > 100) return 0;
    acct_token_hash(token, h);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT d.id, d.confirmed_by = 'email' FROM known_devices d JOIN people p ON p.id = d.person_id "
        "WHERE d.token_hash = ?1 AND p.email = ?2 AND d.revoked_at IS NULL AND d.expires_at > ?3");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_text(st, 2, email);
    db_bind_int(st, 3, clk_now());
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? 0 : rc;
    d->id = sqlite3_column_int64(st, 0);
    d->by_email = sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    return 0;
}

static void keys_for(struct keyset *k, const acct_policy *pol, const char *email, const char *ip,
                     const struct device *d)
{
    memset(k, 0, sizeof *k);
    if (d->id) {
        snprintf(k->key[K_PAIR], KEY_LEN, "pair:%s|dev:%lld", email, (long long)d->id);
        k->free[K_PAIR] = pol->pair_free;
        k->n = 1;
        return;
    }
    snprintf(k->key[K_PAIR], KEY_LEN, "pair:%s|ip:%s", email, ip);
    snprintf(k->key[K_ACCT], KEY_LEN, "acct:%s", email);
    snprintf(k->key[K_ADDR], KEY_LEN, "addr:%s", ip);
    k->free[K_PAIR] = pol->pair_free;
    k->free[K_ACCT] = pol->account_free;
    k->free[K_ADDR] = pol->address_free;
    k->n = K_MAX;
}

/* Delay after the count-th attempt on a key with allowance free. */
static int64_t delay_after(const acct_policy *pol, int64_t count, int free)
{
    if (count < free) return 0;
    int64_t shift = count - free, d = pol->delay_base;
    for (int64_t i = 0; i < shift && d < pol->delay_cap; i++) d *= 2;
    return d < pol->delay_cap ? d : pol->delay_cap;
}

/* Current count and earliest next attempt of key (0, 0 when unknown or forgotten). */
static int key_read(db_t *db, const acct_policy *pol, const char *key, int64_t now, int64_t *count,
                    int64_t *next)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, key);
    *count = *next = 0;
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? 0 : rc;
    if (sqlite3_column_int64(st, 1) > now - pol->window) {
        *count = sqlite3_column_int64(st, 0);
        *next = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return 0;
}

static int key_write(db_t *db, const char *key, int64_t count, int64_t last, int64_t next)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO login_throttle(key, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT(key) DO UPDATE SET failures = ?2, window_start = ?3, locked_until = ?4");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, key);
    db_bind_int(st, 2, count);
    db_bind_int(st, 3, last);
    db_bind_int(st, 4, next);
    return db_exec_stmt(st);
}

/* Staff hear of a burst on key, at most once per pol->alert_every. */
static int alert_staff(db_t *db, const acct_policy *pol, const char *key, int64_t count, int64_t now)
{
    char akey[KEY_LEN + 8];
    int64_t acount, anext;
    snprintf(akey, sizeof akey, "alert:%s", key);
    int rc = key_read(db, pol, akey, now, &acount, &anext);
    if (rc || anext > now) return rc;
    if ((rc = key_write(db, akey, acount + 1, now, now + pol->alert_every)) != 0) return rc;
    int acct = strncmp(key, "acct:", 5) == 0;
    mt_args a = { .count = count, .what = acct ? "account" : "address", .email = key + 5, .seconds = pol->delay_cap };
    log_warn("signin", "burst of sign-in attempts on %s key; staff alerted", acct ? "an account" : "an address");
    return obx_to_staff(db, MT_SIGNIN_ALERT, &a);
}

/* Reserves one attempt on every key (see the top of this file). */
static int reserve(db_t *db, const acct_policy *pol, const struct keyset *k, int64_t now, int64_t *retry)
{
    int64_t count[K_MAX], next[K_MAX];
    int rc = db_begin(db);
    if (rc) return rc;
    *retry = 0;
    for (int i = 0; rc == 0 && i < k->n; i++) {
        rc = key_read(db, pol, k->key[i], now, &count[i], &next[i]);
        if (rc == 0 && next[i] - now > *retry) *retry = next[i] - now;
    }
    if (rc == 0 && *retry > 0) rc = LP_ERR_THROTTLED;
    for (int i = 0; rc == 0 && i < k->n; i++) {
        count[i]++;
        rc = key_write(db, k->key[i], count[i], now, now + delay_after(pol, count[i], k->free[i]));
        if (rc == 0 && i != K_PAIR && count[i] >= k->free[i]) rc = alert_staff(db, pol, k->key[i], count[i], now);
    }
    if (rc == 0 || rc == LP_ERR_THROTTLED) {
        int crc = db_commit(db);
        if (crc) { db_rollback(db); return crc; }
        return rc;
    }
    db_rollback(db);
    return rc;
}

/* Gives the attempt back: the pair is cleared after a success (clear = 1),
 * the other keys lose the one count this attempt added. */
static int release(db_t *db, const struct keyset *k, int clear)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < k->n; i++) {
        sqlite3_stmt *st = (clear && i == K_PAIR)
            ? db_stmt(db, "DELETE FROM login_throttle WHERE key = ?1")
            : db_stmt(db, "UPDATE login_throttle SET failures = MAX(failures - 1, 0) WHERE key = ?1");
        if (!st) return LP_ERR_DB;
        db_bind_text(st, 1, k->key[i]);
        rc = db_exec_stmt(st);
    }
    return rc;
}

/* release() in its own transaction, for an attempt that was never checked. */
static int give_back(db_t *db, const struct keyset *k)
{
    int rc = db_begin(db);
    if (rc) return rc;
    rc = release(db, k, 0);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

/* The stored hash of a person who may sign in: active, with a password, not
 * of an offboarded tenant. *found = 0 when none; a failing database is an
 * error. */
static int find_login(db_t *db, const char *email, int64_t *pid, char *hash, size_t hlen, int *found)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT p.id, p.password_hash FROM people p WHERE p.email = ?1 AND p.status = 'active' "
        "AND p.password_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM memberships m "
        "JOIN tenants t ON t.id = m.tenant_id WHERE m.person_id = p.id AND t.status = 'offboarded')");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, email);
    *found = 0;
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? 0 : rc;
    *pid = sqlite3_column_int64(st, 0);
    snprintf(hash, hlen, "%s", db_col_text(st, 1));
    *found = 1;
    sqlite3_reset(st);
    return 0;
}

/* A new known device for person (token to out, shown once). */
static int device_issue(db_t *db, int64_t person_id, const char *by, int64_t ttl, char out[ACCT_TOKEN_LEN])
{
    unsigned char h[HASH_LEN];
    acct_new_token("lpd_", out, ACCT_TOKEN_LEN);
    acct_token_hash(out, h);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO known_devices(token_hash, person_id, created_at, expires_at, confirmed_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_int(st, 2, person_id);
    db_bind_int(st, 3, clk_now());
    db_bind_int(st, 4, clk_now() + ttl);
    db_bind_text(st, 5, by);
    return db_exec_stmt(st);
}

/* After a success: the pair is cleared; an e-mailed link is used up and, like
 * a sign-in without a device, replaced by a long-lived device cookie; with
 * ip (a sign-in) the session is made in the same transaction, so a failure
 * leaves neither. */
static int after_success(db_t *db, const acct_policy *pol, const struct keyset *k, const struct device *d,
                         int64_t pid, const char *ip, const char *ua, acct_outcome *o)
{
    int rc = db_begin(db);
    if (rc) return rc;
    rc = release(db, k, 1);
    if (rc == 0 && d->id && d->by_email) {
        sqlite3_stmt *st = db_stmt(db, "UPDATE known_devices SET revoked_at = ?2 WHERE id = ?1");
        if (!st) rc = LP_ERR_DB;
        else { db_bind_int(st, 1, d->id); db_bind_int(st, 2, clk_now()); rc = db_exec_stmt(st); }
    }
    if (rc == 0 && (!d->id || d->by_email)) rc = device_issue(db, pid, "signin", pol->device_ttl, o->device);
    if (rc == 0 && ip) rc = acct_needs_stepup(db, pol, pid, &o->staff_pending);
    if (rc == 0 && ip)
        rc = acct_create_session_as(db, pol, pid, ip, ua, ACCT_BY_PASSWORD, o->staff_pending, o->token, &o->expires_at);
    if (rc == 0) rc = db_commit(db);
    if (rc) {
        db_rollback(db);
        sodium_memzero(o->token, sizeof o->token);
        o->device[0] = '\0';
        o->expires_at = 0;
        o->staff_pending = 0;
    }
    return rc;
}

/* Verifies the password against the person's hash, or the dummy. */
static int check_password(db_t *db, const char *email, const char *password, int64_t *pid)
{
    char hash[crypto_pwhash_STRBYTES + 1];
    int found = 0;
    int rc = find_login(db, email, pid, hash, sizeof hash, &found);
    if (rc == 0) rc = pwh_verify(found ? hash : DUMMY_HASH, password);
    sodium_memzero(hash, sizeof hash);
    if (rc == 0 && !found) rc = LP_ERR_UNAUTH;
    return rc;
}

/* acct_check; with session set, acct_signin. */
static int attempt(db_t *db, const acct_policy *pol, const acct_attempt *a, int session, acct_outcome *o)
{
    char email[260];
    struct device d;
    struct keyset k;
    int64_t now = clk_now(), pid = 0;
    memset(o, 0, sizeof *o);
    pwh_configure(pol->hash_workers, pol->hash_wait_ms);
    lower_copy(email, sizeof email, a->email);
    int rc = device_find(db, a->device, email, &d);
    if (rc) return rc;
    keys_for(&k, pol, email, a->client_ip ? a->client_ip : "", &d);
    if ((rc = reserve(db, pol, &k, now, &o->retry_after)) != 0) return rc;
    rc = check_password(db, email, a->password, &pid);
    if (rc != 0 && rc != LP_ERR_UNAUTH) {   /* not checked, so it does not count */
        if (rc == LP_ERR_BUSY) o->retry_after = 1;
        int grc = give_back(db, &k);
        if (grc) rc = grc;
    }
    const char *ip = session ? (a->client_ip ? a->client_ip : "") : NULL;
    if (rc == 0) rc = after_success(db, pol, &k, &d, pid, ip, a->user_agent, o);
    if (rc == 0) o->person_id = pid;
    return rc;
}

int acct_check(db_t *db, const acct_policy *pol, const acct_attempt *a, acct_outcome *o)
{
    return attempt(db, pol, a, 0, o);
}

int acct_signin(db_t *db, const acct_policy *pol, const acct_attempt *a, acct_outcome *o)
{
    return attempt(db, pol, a, 1, o);
}

int acct_verify(db_t *db, const acct_policy *pol, const char *email, const char *password,
                const char *client_ip, int64_t *person_id, int64_t *retry_after)
{
    acct_attempt a = { email, password, client_ip, NULL, NULL };
    acct_outcome o;
    int rc = acct_check(db, pol, &a, &o);
    *person_id = o.person_id;
    *retry_after = o.retry_after;
    return rc;
}

int acct_login(db_t *db, const acct_policy *pol, const char *email, const char *password,
               const char *client_ip, char token_out[ACCT_TOKEN_LEN], int64_t *expires_at,
               int64_t *person_id, int64_t *retry_after)
{
    acct_attempt a = { email, password, client_ip, NULL, NULL };
    acct_outcome o;
    int rc = acct_signin(db, pol, &a, &o);
    memcpy(token_out, o.token, ACCT_TOKEN_LEN);
    *expires_at = o.expires_at;
    *person_id = o.person_id;
    *retry_after = o.retry_after;
    sodium_memzero(&o, sizeof o);
    return rc;
}

/* ---- sign-in links by e-mail ---- */

static int unlock_send(db_t *db, const acct_policy *pol, const char *email, int64_t now)
{
    char key[KEY_LEN], hash[crypto_pwhash_STRBYTES + 1], tok[ACCT_TOKEN_LEN], link[ACCT_TOKEN_LEN + 32];
    int64_t count, next, pid = 0;
    int found = 0;
    snprintf(key, sizeof key, "unlock:%s", email);
    int rc = key_read(db, pol, key, now, &count, &next);
    if (rc || next > now) return rc;
    if ((rc = key_write(db, key, count + 1, now, now + pol->delay_cap)) != 0) return rc;
    rc = find_login(db, email, &pid, hash, sizeof hash, &found);
    sodium_memzero(hash, sizeof hash);
    if (rc || !found) return rc;
    if ((rc = device_issue(db, pid, "email", pol->unlock_ttl, tok)) != 0) return rc;
    snprintf(link, sizeof link, "/#/signin?device=%s", tok);
    mt_args a = { .link = link, .minutes = pol->unlock_ttl / 60 };
    rc = obx_to_person(db, MT_SIGNIN_LINK, pid, &a);
    sodium_memzero(tok, sizeof tok);
    sodium_memzero(link, sizeof link);
    return rc;
}

int acct_unlock_request(db_t *db, const acct_policy *pol, const char *email)
{
    char e[260];
    lower_copy(e, sizeof e, email);
    int rc = db_begin(db);
    if (rc) return rc;
    rc = unlock_send(db, pol, e, clk_now());
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}
