/* h_passkey.c: passkeys (registration, sign-in, the staff passkey step) and
 * the caller's own sessions (list, end one, sign out everywhere). Binary
 * WebAuthn fields travel as base64url without padding; the checks are in
 * booking/passkey.c. */
#include "api/handlers.h"
#include "api/h_account.h"
#include "booking/passkey.h"
#include "booking/person.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* base64url (no padding) of n bytes, as a JSON string. */
static json_t *b64_json(const unsigned char *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(cap);
    if (!s) return json_null();
    sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Decodes field of b (base64url, padding tolerated) into a new buffer;
 * NULL with *len 0 when absent. -1 after a 400 reply. */
static int b64_field(api_ctx *c, json_t *b, const char *field, unsigned char **out, size_t *len)
{
    const char *s = jv_str(b, field, NULL);
    *out = NULL;
    *len = 0;
    if (!s) return 0;
    size_t sl = strlen(s), got = 0;
    unsigned char *buf = malloc(sl + 1);
    const char *end = NULL;
    if (!buf) { api_fail(c, LP_ERR_NOMEM, NULL); return -1; }
    if (sl == 0 || sodium_base642bin(buf, sl + 1, s, sl, "=", &got, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        (end && *end) || got == 0) {
        free(buf);
        char detail[120];
        snprintf(detail, sizeof detail, "%s must be base64url", field);
        api_problem(c, 400, "validation", "Invalid value", detail, field);
        return -1;
    }
    *out = buf;
    *len = got;
    return 0;
}

static void reply_options_fail(api_ctx *c, int rc, const lp_fail *f)
{
    if (rc == LP_ERR_THROTTLED) {
        api_add_header(c, "Retry-After", "60");
        api_problem(c, 429, "throttled", "Too many attempts", "too many open passkey challenges; wait a minute", NULL);
        return;
    }
    api_fail(c, rc, f);
}

static json_t *cred_ids_json(db_t *db, int64_t person_id, int *rc)
{
    pk_cred_id *ids = NULL;
    size_t n = 0;
    json_t *arr = json_array();
    *rc = pk_person_cred_ids(db, person_id, &ids, &n);
    for (size_t i = 0; *rc == 0 && i < n; i++) json_array_append_new(arr, b64_json(ids[i].id, ids[i].len));
    pk_cred_ids_free(ids, n);
    return arr;
}

/* ---- sign-in ---- */

void h_pk_signin_options(api_ctx *c)
{
    pk_rp rp;
    lp_fail f = { 0 };
    unsigned char chal[PK_CHALLENGE_LEN];
    int rc = pk_rp_get(&rp, &f);
    if (rc == 0) rc = pk_challenge_new(c->db, PK_SIGNIN, 0, 0, c->client_ip, chal);
    if (rc) { reply_options_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_pack("{s:o, s:s, s:i, s:s, s:[]}", "challenge", b64_json(chal, sizeof chal),
                                     "rp_id", rp.id, "timeout", PK_CHALLENGE_TTL * 1000, "user_verification",
                                     "required", "allow_credentials"));
}

static const struct jv_field ASSERTION[] = {
    { "credential_id", JV_STRING, 1, 1400, 0 }, { "client_data_json", JV_STRING, 1, 6000, 0 },
    { "authenticator_data", JV_STRING, 1, 6000, 0 }, { "signature", JV_STRING, 1, 1400, 0 },
    { "user_handle", JV_STRING, 0, 64, 0 }, JV_END };

struct decoded { unsigned char *cid, *cd, *ad, *sig, *uh; pk_assertion a; };

static void decoded_free(struct decoded *d)
{
    free(d->cid); free(d->cd); free(d->ad); free(d->sig); free(d->uh);
}

/* The assertion of the body; -1 after a 400 reply. */
static int assertion_read(api_ctx *c, json_t *b, struct decoded *d)
{
    memset(d, 0, sizeof *d);
    if (b64_field(c, b, "credential_id", &d->cid, &d->a.cred_id_len) ||
        b64_field(c, b, "client_data_json", &d->cd, &d->a.client_data_len) ||
        b64_field(c, b, "authenticator_data", &d->ad, &d->a.auth_data_len) ||
        b64_field(c, b, "signature", &d->sig, &d->a.sig_len) ||
        b64_field(c, b, "user_handle", &d->uh, &d->a.user_handle_len)) {
        decoded_free(d);
        return -1;
    }
    d->a.cred_id = d->cid;
    d->a.client_data = d->cd;
    d->a.auth_data = d->ad;
    d->a.sig = d->sig;
    d->a.user_handle = d->uh;
    return 0;
}

static void reply_assert_fail(api_ctx *c, int rc, const lp_fail *f)
{
    if (rc == LP_ERR_UNAUTH) {
        api_problem(c, 401, "bad-credentials", "Passkey refused", f->detail[0] ? f->detail : "the passkey is refused",
                    f->field[0] ? f->field : NULL);
        return;
    }
    api_fail(c, rc, f);
}

void h_pk_signin(api_ctx *c)
{
    json_t *b = api_body(c, ASSERTION);
    if (!b) return;
    struct decoded d;
    if (assertion_read(c, b, &d)) { json_decref(b); return; }
    json_decref(b);
    lp_fail f = { 0 };
    int64_t pid = 0, kid = 0;
    acct_outcome o = { 0 };
    int rc = pk_assert(c->db, PK_SIGNIN, 0, 0, &d.a, &pid, &kid, &f);
    decoded_free(&d);
    if (rc == 0) rc = acct_session_open(c->db, api_policy(), pid, ACCT_BY_PASSKEY, c->client_ip,
                                        api_header(c, "User-Agent"), &o);
    psn_person p;
    if (rc == 0) rc = psn_get(c->db, pid, &p);
    if (rc) { sodium_memzero(&o, sizeof o); reply_assert_fail(c, rc, &f); return; }
    api_set_session_cookies(c, o.token, o.expires_at - clk_now());
    json_t *j = json_pack("{s:s, s:o, s:o}", "token", o.token, "expires_at", api_time_json(o.expires_at),
                          "person", json_person(&p));
    sodium_memzero(&o, sizeof o);
    api_reply_json(c, 200, j);
}

/* ---- the passkey step ---- */

void h_pk_step_options(api_ctx *c)
{
    pk_rp rp;
    lp_fail f = { 0 };
    unsigned char chal[PK_CHALLENGE_LEN];
    int has = 0;
    int rc = pk_rp_get(&rp, &f);
    if (rc == 0) rc = pk_person_has(c->db, c->caller.person_id, &has);
    if (rc == 0 && !has) rc = lp_failf(&f, LP_ERR_STATE, "passkeys", "register a passkey first");
    if (rc == 0 && !c->caller.session_id)
        rc = lp_failf(&f, LP_ERR_STATE, "session", "the passkey step belongs to a signed-in browser, not an API key");
    json_t *ids = NULL;
    if (rc == 0) ids = cred_ids_json(c->db, c->caller.person_id, &rc);
    if (rc == 0) rc = pk_challenge_new(c->db, PK_STEPUP, c->caller.person_id, c->caller.session_id, c->client_ip, chal);
    if (rc) { json_decref(ids); reply_options_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_pack("{s:o, s:s, s:i, s:s, s:o}", "challenge", b64_json(chal, sizeof chal), "rp_id",
                                     rp.id, "timeout", PK_CHALLENGE_TTL * 1000, "user_verification", "preferred",
                                     "allow_credentials", ids));
}

void h_pk_step(api_ctx *c)
{
    json_t *b = api_body(c, ASSERTION);
    if (!b) return;
    struct decoded d;
    if (assertion_read(c, b, &d)) { json_decref(b); return; }
    json_decref(b);
    lp_fail f = { 0 };
    int64_t pid = 0, kid = 0;
    int rc = c->caller.session_id ? 0
             : lp_failf(&f, LP_ERR_STATE, "session", "the passkey step belongs to a signed-in browser, not an API key");
    if (rc == 0) rc = pk_assert(c->db, PK_STEPUP, c->caller.person_id, c->caller.session_id, &d.a, &pid, &kid, &f);
    decoded_free(&d);
    if (rc == 0) {
        rc = acct_session_stepup(c->db, &c->actor, c->caller.session_id);
        if (rc == LP_ERR_STATE) lp_failf(&f, rc, "session", "this session owes no passkey step");
    }
    if (rc) { reply_assert_fail(c, rc, &f); return; }
    api_reply_empty(c, 204);
}

/* ---- registration and management ---- */

/* A staff session that owes the passkey step may only enrol a first passkey. */
static int may_enrol(api_ctx *c)
{
    int has = 0;
    if (!c->caller.staff_pending) return 1;
    int rc = pk_person_has(c->db, c->caller.person_id, &has);
    if (rc) { api_fail(c, rc, NULL); return 0; }
    if (has) {
        api_problem(c, 403, "passkey-step", "Passkey step first",
                    "confirm with one of your passkeys before adding another", NULL);
        return 0;
    }
    return 1;
}

void h_pk_reg_options(api_ctx *c)
{
    pk_rp rp;
    lp_fail f = { 0 };
    unsigned char chal[PK_CHALLENGE_LEN], handle[PK_HANDLE_LEN];
    if (!may_enrol(c)) return;
    int rc = pk_rp_get(&rp, &f);
    if (rc == 0) {
        rc = db_begin(c->db);
        if (rc == 0) {
            rc = pk_user_handle(c->db, c->caller.person_id, handle);
            if (rc == 0) rc = db_commit(c->db);
            if (rc) db_rollback(c->db);
        }
    }
    json_t *ids = NULL;
    if (rc == 0) ids = cred_ids_json(c->db, c->caller.person_id, &rc);
    if (rc == 0) rc = pk_challenge_new(c->db, PK_REGISTER, c->caller.person_id, 0, c->client_ip, chal);
    if (rc) { json_decref(ids); reply_options_fail(c, rc, &f); return; }
    json_t *rpj = json_pack("{s:s, s:s}", "id", rp.id, "name", "labpass");
    json_t *user = json_pack("{s:o, s:s, s:s}", "id", b64_json(handle, sizeof handle), "name", c->caller.profile.email,
                             "display_name", c->caller.profile.name);
    api_reply_json(c, 200, json_pack("{s:o, s:o, s:o, s:[i, i, i], s:i, s:o, s:s, s:s, s:s}", "challenge",
                                     b64_json(chal, sizeof chal), "rp", rpj, "user", user, "algorithms", -7, -8, -257,
                                     "timeout", PK_CHALLENGE_TTL * 1000, "exclude_credentials", ids,
                                     "user_verification", "preferred", "resident_key", "required", "attestation", "none"));
}

static json_t *pk_json(const pk_info *k)
{
    json_t *j = json_pack("{s:I, s:s, s:i, s:s, s:s, s:I, s:b, s:b, s:b}", "id", (json_int_t)k->id, "name", k->name,
                          "alg", k->alg, "aaguid", k->aaguid, "fmt", k->fmt, "sign_count", (json_int_t)k->sign_count,
                          "user_verified", k->uv, "backup_eligible", k->backup_eligible, "backed_up", k->backed_up);
    json_object_set_new(j, "created_at", api_time_json(k->created_at));
    json_object_set_new(j, "last_used_at", api_time_json(k->last_used_at));
    json_object_set_new(j, "revoked_at", api_time_json(k->revoked_at));
    json_object_set_new(j, "cloned_at", api_time_json(k->cloned_at));
    return j;
}

static const struct jv_field REGISTRATION[] = {
    { "name", JV_STRING, 1, PK_NAME_MAX, 0 }, { "client_data_json", JV_STRING, 1, 6000, 0 },
    { "attestation_object", JV_STRING, 1, 22000, 0 }, JV_END };

void h_pk_register(api_ctx *c)
{
    if (!may_enrol(c)) return;
    json_t *b = api_body(c, REGISTRATION);
    if (!b) return;
    unsigned char *cd = NULL, *att = NULL;
    size_t cdl = 0, attl = 0;
    if (b64_field(c, b, "client_data_json", &cd, &cdl) || b64_field(c, b, "attestation_object", &att, &attl)) {
        free(cd);
        json_decref(b);
        return;
    }
    pk_registration r = { jv_str(b, "name", ""), cd, cdl, att, attl };
    lp_fail f = { 0 };
    int64_t id = 0;
    pk_info k;
    int rc = pk_register(c->db, &c->actor, c->caller.person_id, &r, &id, &f);
    free(cd);
    free(att);
    json_decref(b);
    if (rc == 0) rc = pk_get(c->db, c->caller.person_id, id, &k);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, pk_json(&k));
}

void h_pk_list(api_ctx *c)
{
    pk_info *k = NULL;
    size_t n = 0;
    int rc = pk_list(c->db, c->caller.person_id, &k, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, pk_json(&k[i]));
    free(k);
    api_reply_json(c, 200, json_pack("{s:o}", "passkeys", arr));
}

static const struct jv_field RENAME[] = { { "name", JV_STRING, 1, PK_NAME_MAX, 0 }, JV_END };

void h_pk_rename(api_ctx *c)
{
    json_t *b = api_body(c, RENAME);
    if (!b) return;
    lp_fail f = { 0 };
    pk_info k;
    int rc = pk_rename(c->db, &c->actor, c->caller.person_id, c->params[0], jv_str(b, "name", ""), &f);
    json_decref(b);
    if (rc == 0) rc = pk_get(c->db, c->caller.person_id, c->params[0], &k);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, pk_json(&k));
}

void h_pk_revoke(api_ctx *c)
{
    int rc = pk_revoke(c->db, &c->actor, c->caller.person_id, c->params[0]);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}

/* ---- the caller's sessions ---- */

void h_my_sessions(api_ctx *c)
{
    acct_session_info *s = NULL;
    size_t n = 0;
    int rc = acct_list_sessions(c->db, c->caller.person_id, clk_now(), 0, 1000, &s, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:b}", "id", (json_int_t)s[i].id, "client_ip", s[i].client_ip,
                              "user_agent", s[i].user_agent, "method", acct_method_name(s[i].method), "passkey_step",
                              s[i].staff_pending, "current", s[i].id == c->caller.session_id);
        json_object_set_new(j, "created_at", api_time_json(s[i].created_at));
        json_object_set_new(j, "expires_at", api_time_json(s[i].expires_at));
        json_object_set_new(j, "last_seen_at", api_time_json(s[i].last_seen_at));
        json_array_append_new(arr, j);
    }
    free(s);
    api_reply_json(c, 200, json_pack("{s:o, s:I}", "sessions", arr, "idle_timeout", (json_int_t)acct_idle_timeout()));
}

void h_my_session_revoke(api_ctx *c)
{
    int rc = acct_revoke_own_session(c->db, &c->actor, c->caller.person_id, c->params[0]);
    if (rc) { api_fail(c, rc, NULL); return; }
    if (c->params[0] == c->caller.session_id) {
        api_add_header(c, "Set-Cookie", "lp_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        api_add_header(c, "Set-Cookie", "lp_csrf=; Path=/; Max-Age=0; SameSite=Strict");
    }
    api_reply_empty(c, 204);
}

static const struct jv_field SIGNOUT_ALL[] = { { "include_current", JV_BOOL, 0, 0, 0 }, JV_END };

void h_my_sessions_revoke_all(api_ctx *c)
{
    int all = 0;
    if (c->body_len > 0) {
        json_t *b = api_body(c, SIGNOUT_ALL);
        if (!b) return;
        all = jv_bool(b, "include_current", 0);
        json_decref(b);
    }
    int64_t n = 0;
    int rc = acct_signout_everywhere(c->db, &c->actor, c->caller.person_id, all ? 0 : c->caller.session_id, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    if (all && c->caller.session_id) {
        api_add_header(c, "Set-Cookie", "lp_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        api_add_header(c, "Set-Cookie", "lp_csrf=; Path=/; Max-Age=0; SameSite=Strict");
    }
    api_reply_json(c, 200, json_pack("{s:I}", "revoked", (json_int_t)n));
}

void h_person_signout(api_ctx *c)
{
    psn_person p;
    int64_t n = 0;
    int rc = psn_get(c->db, c->params[0], &p);
    if (rc == 0) rc = acct_signout_everywhere(c->db, &c->actor, c->params[0], 0, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:I}", "revoked", (json_int_t)n));
}
