/* h_auth.c: sign-in, sign-out, sign-in links, the caller's own record,
 * passwords, sessions and API keys. Tokens and keys appear in a response once
 * and never in logs. A full hashing pool answers 503 with Retry-After; a
 * throttled attempt 429 with Retry-After (booking/acct_signin.c has the rule). */
#include "api/handlers.h"
#include "api/h_account.h"
#include "api/page.h"
#include "booking/person.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const struct jv_field LOGIN[] = {
    { "email", JV_STRING, 1, 254, 0 }, { "password", JV_STRING, 1, 256, 0 },
    { "device_token", JV_STRING, 0, 100, 0 }, JV_END };

#define DEVICE_COOKIE "lp_device"

void api_set_session_cookies(api_ctx *c, const char *token, int64_t ttl)
{
    unsigned char raw[18];
    char csrf[32], v[256];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(csrf, sizeof csrf, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(v, sizeof v, "lp_session=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s", token,
             (long long)ttl, c->tls ? "; Secure" : "");
    api_add_header(c, "Set-Cookie", v);
    snprintf(v, sizeof v, "lp_csrf=%s; Path=/; Max-Age=%lld; SameSite=Strict%s", csrf, (long long)ttl,
             c->tls ? "; Secure" : "");
    api_add_header(c, "Set-Cookie", v);
    sodium_memzero(v, sizeof v);
}

void api_cookie_value(api_ctx *c, const char *name, char *out, size_t outlen)
{
    const char *h = api_header(c, "Cookie");
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == ';') p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=' && len - nl - 1 < outlen) {
            memcpy(out, p + nl + 1, len - nl - 1);
            out[len - nl - 1] = '\0';
            return;
        }
        p = end ? end + 1 : NULL;
    }
}

/* The known-device token of this request: an e-mailed link's token in the
 * body wins over the cookie. */
static void device_of(api_ctx *c, json_t *b, char *out, size_t outlen)
{
    const char *link = b ? jv_str(b, "device_token", NULL) : NULL;
    if (link) snprintf(out, outlen, "%s", link);
    else api_cookie_value(c, DEVICE_COOKIE, out, outlen);
}

static void set_device_cookie(api_ctx *c, const char *device)
{
    char v[200];
    snprintf(v, sizeof v, DEVICE_COOKIE "=%s; Path=/api/v1; Max-Age=%lld; HttpOnly; SameSite=Strict%s", device,
             (long long)api_policy()->device_ttl, c->tls ? "; Secure" : "");
    api_add_header(c, "Set-Cookie", v);
}

void api_reply_busy(api_ctx *c, int64_t seconds)
{
    char ra[24];
    snprintf(ra, sizeof ra, "%lld", (long long)(seconds > 0 ? seconds : 1));
    api_add_header(c, "Retry-After", ra);
    api_problem(c, 503, "busy", "Busy, try again", "too many sign-ins at once; try again in a moment", NULL);
}

static void reply_throttled(api_ctx *c, int64_t seconds)
{
    char ra[24];
    snprintf(ra, sizeof ra, "%lld", (long long)(seconds > 0 ? seconds : 1));
    api_add_header(c, "Retry-After", ra);
    api_problem(c, 429, "throttled", "Too many attempts",
                "too many sign-in attempts; wait, sign in from a device you used before, or ask for a sign-in link",
                NULL);
}

void h_login(api_ctx *c)
{
    json_t *b = api_body(c, LOGIN);
    if (!b) return;
    char device[ACCT_TOKEN_LEN + 40];
    device_of(c, b, device, sizeof device);
    acct_attempt a = { jv_str(b, "email", ""), jv_str(b, "password", ""), c->client_ip, device,
                       api_header(c, "User-Agent") };
    acct_outcome o;
    int rc = acct_signin(c->db, api_policy(), &a, &o);
    json_decref(b);
    sodium_memzero(device, sizeof device);
    if (rc == LP_ERR_THROTTLED) { reply_throttled(c, o.retry_after); return; }
    if (rc == LP_ERR_BUSY) { api_reply_busy(c, o.retry_after); return; }
    if (rc == LP_ERR_UNAUTH) {
        api_problem(c, 401, "bad-credentials", "Sign-in failed", "unknown e-mail address or wrong password", NULL);
        return;
    }
    psn_person p;
    if (rc == 0) rc = psn_get(c->db, o.person_id, &p);
    if (rc) { sodium_memzero(&o, sizeof o); api_fail(c, rc, NULL); return; }
    api_set_session_cookies(c, o.token, o.expires_at - clk_now());
    if (o.device[0]) set_device_cookie(c, o.device);
    json_t *j = json_pack("{s:s, s:o, s:o}", "token", o.token, "expires_at", api_time_json(o.expires_at),
                          "person", json_person(&p));
    if (o.staff_pending) json_object_set_new(j, "passkey_step", json_true());
    sodium_memzero(&o, sizeof o);
    api_reply_json(c, 200, j);
}

static const struct jv_field SIGNIN_LINK[] = { { "email", JV_STRING, 1, 254, 0 }, JV_END };

/* Always the same answer: whether the address is known is not told. */
void h_signin_link(api_ctx *c)
{
    json_t *b = api_body(c, SIGNIN_LINK);
    if (!b) return;
    int rc = acct_unlock_request(c->db, api_policy(), jv_str(b, "email", ""));
    json_decref(b);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 202, json_pack("{s:s}", "status", "sent if the address may sign in"));
}

void h_logout(api_ctx *c)
{
    if (c->caller.session_id) {
        int rc = acct_logout(c->db, c->caller.session_id);
        if (rc) { api_fail(c, rc, NULL); return; }
    }
    api_add_header(c, "Set-Cookie", "lp_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    api_add_header(c, "Set-Cookie", "lp_csrf=; Path=/; Max-Age=0; SameSite=Strict");
    api_reply_empty(c, 204);
}

static const char *role_name(enum acct_role r)
{
    switch (r) {
    case ROLE_STAFF: return "staff";
    case ROLE_TENANT_ADMIN: return "tenant_admin";
    case ROLE_MEMBER: return "member";
    case ROLE_DOOR: return "door";
    case ROLE_NONE: return "none";
    }
    return "none";   /* a value outside the enum */
}

/* The caller's own record, as resolved with their credential (no second query). */
void h_me(api_ctx *c)
{
    const acct_caller *k = &c->caller;
    if (k->role == ROLE_DOOR) {
        api_reply_json(c, 200, json_pack("{s:s, s:I}", "role", "door", "door_id", (json_int_t)k->door_id));
        return;
    }
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:b}", "id", (json_int_t)k->person_id, "email",
                          k->profile.email, "name", k->profile.name, "status", "active", "is_staff",
                          k->role == ROLE_STAFF, "has_password", k->profile.has_password);
    json_object_set_new(j, "tenant_id", k->tenant_id ? json_integer(k->tenant_id) : json_null());
    json_object_set_new(j, "role", json_string(role_name(k->role)));
    json_object_set_new(j, "language", json_string(k->profile.language));
    json_object_set_new(j, "created_at", api_time_json(k->profile.created_at));
    if (k->staff_pending) json_object_set_new(j, "passkey_step", json_true());
    api_reply_json(c, 200, j);
}

static const struct jv_field PASSWORD[] = {
    { "current_password", JV_STRING, 1, 256, 0 }, { "new_password", JV_STRING, 1, 256, 0 },
    { "revoke_api_keys", JV_BOOL, 0, 0, 0 }, { "revoke_feeds", JV_BOOL, 0, 0, 0 }, JV_END };

/* Re-authentication with the current password, throttled like a sign-in. */
static int recheck(api_ctx *c, json_t *b, int64_t *retry)
{
    psn_person p;
    char device[ACCT_TOKEN_LEN + 40];
    acct_outcome o = { 0 };
    int rc = psn_get(c->db, c->caller.person_id, &p);
    api_cookie_value(c, DEVICE_COOKIE, device, sizeof device);
    acct_attempt a = { p.email, jv_str(b, "current_password", ""), c->client_ip, device, NULL };
    if (rc == 0) rc = acct_check(c->db, api_policy(), &a, &o);
    if (rc == 0 && o.person_id != c->caller.person_id) rc = LP_ERR_UNAUTH;
    *retry = rc ? o.retry_after : 0;
    sodium_memzero(device, sizeof device);
    return rc;
}

/* New hash stored; sessions end; keys and feeds too when asked. In one transaction. */
static int change_password(api_ctx *c, json_t *b, const char *hash)
{
    int64_t pid = c->caller.person_id;
    int rc = db_begin(c->db);
    if (rc) return rc;
    rc = acct_store_password(c->db, &c->actor, pid, hash);
    if (rc == 0 && jv_bool(b, "revoke_api_keys", 0)) rc = acct_revoke_person_keys(c->db, &c->actor, pid);
    if (rc == 0 && jv_bool(b, "revoke_feeds", 0)) rc = acct_revoke_person_feeds(c->db, &c->actor, pid);
    if (rc == 0) rc = db_commit(c->db);
    if (rc) db_rollback(c->db);
    return rc;
}

void h_me_password(api_ctx *c)
{
    json_t *b = api_body(c, PASSWORD);
    if (!b) return;
    char hash[crypto_pwhash_STRBYTES];
    int64_t retry = 0;
    lp_fail f = { 0 };
    int rc = recheck(c, b, &retry);
    if (rc == LP_ERR_UNAUTH || rc == LP_ERR_THROTTLED) {
        json_decref(b);
        api_problem(c, 403, "bad-credentials", "Wrong password", "current_password is not right", "current_password");
        return;
    }
    if (rc == 0 && acct_password_ok(jv_str(b, "new_password", "")) != 0)
        rc = lp_failf(&f, LP_ERR_INVALID, "new_password", "new_password must be %d to %d characters",
                      ACCT_PASSWORD_MIN, ACCT_PASSWORD_MAX);
    if (rc == 0) rc = acct_hash_password(jv_str(b, "new_password", ""), hash, sizeof hash);
    if (rc == 0) rc = change_password(c, b, hash);
    sodium_memzero(hash, sizeof hash);
    json_decref(b);
    if (rc == LP_ERR_BUSY) { api_reply_busy(c, retry); return; }
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_empty(c, 204);
}

static const struct jv_field SETUP[] = {
    { "token", JV_STRING, 1, 100, 0 }, { "password", JV_STRING, 1, 256, 0 }, JV_END };

void h_setup_password(api_ctx *c)
{
    json_t *b = api_body(c, SETUP);
    if (!b) return;
    int rc = acct_setup_consume(c->db, jv_str(b, "token", ""), jv_str(b, "password", ""));
    json_decref(b);
    if (rc == LP_ERR_INVALID) {
        lp_fail f;
        lp_failf(&f, rc, "password", "password must be %d to %d characters", ACCT_PASSWORD_MIN, ACCT_PASSWORD_MAX);
        api_fail(c, rc, &f);
        return;
    }
    if (rc == LP_ERR_UNAUTH) {
        api_problem(c, 401, "bad-token", "Invalid token", "the setup link is unknown, used or expired", "token");
        return;
    }
    if (rc == LP_ERR_BUSY) { api_reply_busy(c, 1); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}

void h_sessions_list(api_ctx *c)
{
    int64_t pid;
    api_page pg;
    if (api_query_int(c, "person_id", 0, 0, INT64_MAX / 2, &pid) || api_page_read(c, 500, 1000, 1, &pg)) return;
    acct_session_info *s = NULL;
    size_t n = 0;
    int rc = acct_list_sessions(c->db, pid, clk_now(), pg.after[0], (size_t)pg.limit + 1, &s, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *arr = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(arr, json_pack("{s:I, s:I, s:o, s:o, s:s}",
            "id", (json_int_t)s[i].id, "person_id", (json_int_t)s[i].person_id,
            "created_at", api_time_json(s[i].created_at),
            "expires_at", api_time_json(s[i].expires_at), "client_ip", s[i].client_ip));
    json_t *body = json_pack("{s:o}", "sessions", arr);
    int64_t last = shown ? s[shown - 1].id : 0;
    api_page_finish(c, &pg, body, n > shown ? &last : NULL);
    free(s);
    api_reply_json(c, 200, body);
}

void h_session_revoke(api_ctx *c)
{
    int rc = acct_revoke_session(c->db, &c->actor, c->params[0]);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}

/* An optional id: null when 0. */
static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

void h_apikeys_list(api_ctx *c)
{
    acct_apikey_info *k = NULL;
    size_t n = 0;
    int rc = acct_list_apikeys(c->db, &k, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)k[i].id, "name", k[i].name, "role", k[i].role);
        json_object_set_new(j, "person_id", id_or_null(k[i].person_id));
        json_object_set_new(j, "door_id", id_or_null(k[i].door_id));
        json_object_set_new(j, "created_at", api_time_json(k[i].created_at));
        json_object_set_new(j, "revoked_at", api_time_json(k[i].revoked_at));
        json_array_append_new(arr, j);
    }
    free(k);
    api_reply_json(c, 200, json_pack("{s:o}", "api_keys", arr));
}

static const struct jv_field APIKEY[] = { { "name", JV_STRING, 1, 100, 0 }, JV_END };

void h_apikey_create(api_ctx *c)
{
    json_t *b = api_body(c, APIKEY);
    if (!b) return;
    char key[160];
    int64_t id = 0;
    lp_fail f = { 0 };
    int rc = lp_text_ok(jv_str(b, "name", ""), 100) ? 0
             : lp_failf(&f, LP_ERR_INVALID, "name", "name must be 1 to 100 characters");
    if (rc == 0) rc = db_begin(c->db);
    if (rc == 0) {
        rc = acct_apikey_create(c->db, &c->actor, jv_str(b, "name", ""), "staff", c->caller.person_id, 0,
                                key, sizeof key, &id);
        if (rc == 0) rc = db_commit(c->db);
        if (rc) db_rollback(c->db);
    }
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "role", "staff", "key", key));
    sodium_memzero(key, sizeof key);
}

void h_apikey_revoke(api_ctx *c)
{
    int rc = db_begin(c->db);
    if (rc == 0) {
        rc = acct_apikey_revoke(c->db, &c->actor, c->params[0]);
        if (rc == 0) rc = db_commit(c->db);
        if (rc) db_rollback(c->db);
    }
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}
