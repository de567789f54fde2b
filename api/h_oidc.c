/* h_oidc.c: single sign-on with OpenID Connect over HTTP.
 * The sign-in page lists the enabled providers; a login starts with a
 * redirect to the provider (a pending login with state, nonce and PKCE,
 * bound to this browser by an HttpOnly SameSite=Lax cookie, which a
 * top-level redirect back from the provider carries); the callback takes the
 * pending login once, exchanges the code on the back channel, verifies the ID
 * token and signs the person in with the same session cookies as a password
 * sign-in, then sends the browser to the web app (to the sign-in page with
 * oidc_error=CODE when refused: the page says why in English and Dutch). A
 * signed-in person links a provider to their account (having proved the
 * password and then the provider). Staff register providers with their
 * client secret sealed with the key file, and the rules that map e-mail
 * domains and groups to tenants and roles. */
#include "api/h_oidc.h"
#include "api/h_account.h"
#include "api/oidc_rp.h"
#include "access/issuer/issuer.h"
#include "booking/mailtext.h"
#include "booking/oidc.h"
#include "core/clock.h"
#include "core/log.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BINDING_COOKIE "lp_oidc"
#define CALLBACK_PATH "/api/v1/auth/oidc/callback"
#define SECRET_MAX 400

/* ---- the redirect URI, cookies, query values ---- */

/* The callback URL providers must have registered: public_url's, else this
 * request's scheme and Host (a Host of letters, digits and .-:[] only). */
static int redirect_uri(api_ctx *c, char *out, size_t n)
{
    const char *pub = mt_public_url();
    if (pub && pub[0]) {
        size_t l = strlen(pub);
        snprintf(out, n, "%.*s" CALLBACK_PATH, (int)(pub[l - 1] == '/' ? l - 1 : l), pub);
        return 0;
    }
    const char *host = api_header(c, "Host");
    if (!host || !host[0] || strlen(host) > 255) return -1;
    for (const char *p = host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(".-:[]", *p)))
            return -1;
    snprintf(out, n, "%s://%s" CALLBACK_PATH, c->tls ? "https" : "http", host);
    return 0;
}

static void set_binding(api_ctx *c, const char *binding, int64_t ttl)
{
    char v[200];
    snprintf(v, sizeof v, BINDING_COOKIE "=%s; Path=" CALLBACK_PATH "; Max-Age=%lld; HttpOnly; SameSite=Lax%s", binding,
             (long long)ttl, c->tls ? "; Secure" : "");
    api_add_header(c, "Set-Cookie", v);
}

/* A query value of printable ASCII without spaces, 1..max characters. */
static int token_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > max) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    return 1;
}

/* Sends the browser to the sign-in page with the reason. */
static void to_signin(api_ctx *c, const char *code)
{
    char loc[120];
    snprintf(loc, sizeof loc, "/#/login?oidc_error=%s", code);
    api_add_header(c, "Location", loc);
    api_add_header(c, "Cache-Control", "no-store");
    api_reply_empty(c, 303);
}

static json_t *rules_json(db_t *db, int64_t provider_id, int *rc)
{
    oidc_rule *r = NULL;
    size_t n = 0;
    json_t *a = json_array();
    *rc = oidc_rules_list(db, provider_id, &r, &n);
    for (size_t i = 0; *rc == 0 && i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "kind", r[i].kind, "value", r[i].value, "role", r[i].role,
                              "approval", r[i].approval);
        json_object_set_new(o, "tenant_id", r[i].tenant_id ? json_integer(r[i].tenant_id) : json_null());
        json_array_append_new(a, o);
    }
    free(r);
    return a;
}

static json_t *provider_json(api_ctx *c, const oidc_provider *p, int *rc)
{
    char ru[400];
    if (redirect_uri(c, ru, sizeof ru)) ru[0] = 0;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:s, s:o, s:o}", "id", (json_int_t)p->id, "name",
                          p->name, "issuer", p->issuer, "client_id", p->client_id, "has_secret", p->has_secret,
                          "scopes", p->scopes, "groups_claim", p->groups_claim, "enabled", p->enabled,
                          "redirect_uri", ru, "created_at", api_time_json(p->created_at), "updated_at",
                          api_time_json(p->updated_at));
    json_object_set_new(j, "rules", rules_json(c->db, p->id, rc));
    return j;
}

/* ---- the sign-in page and the flow ---- */

void h_oidc_public_list(api_ctx *c)
{
    oidc_provider *p = NULL;
    size_t n = 0;
    int rc = oidc_provider_list(c->db, 1, &p, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:I, s:s}", "id", (json_int_t)p[i].id, "name", p[i].name));
    free(p);
    api_reply_json(c, 200, json_pack("{s:o}", "providers", a));
}

/* A pending login for provider id and the URL to send the browser to. 0, or
 * -1 after answering. */
static int begin(api_ctx *c, int64_t link_person_id, char **url)
{
    oidc_provider p;
    int rc = oidc_provider_get(c->db, c->params[0], &p);
    if (rc == 0 && !p.enabled) rc = LP_ERR_NOTFOUND;
    if (rc) { api_fail(c, rc, NULL); return -1; }
    char ru[400], state[OIDC_STATE_LEN], binding[OIDC_STATE_LEN];
    if (redirect_uri(c, ru, sizeof ru)) {
        api_problem(c, 400, "validation", "Invalid request", "the Host header is not a host name", "Host");
        return -1;
    }
    oidc_pending pend;
    rc = oidc_pending_create(c->db, p.id, link_person_id, c->client_ip, state, binding, &pend);
    if (rc == LP_ERR_THROTTLED) {
        api_add_header(c, "Retry-After", "60");
        api_problem(c, 429, "throttled", "Too many attempts", "too many sign-ins started from this address; try again in a few minutes", NULL);
        return -1;
    }
    if (rc) { api_fail(c, rc, NULL); return -1; }
    rc = oidc_rp_auth_url(&p, ru, state, &pend, url);
    sodium_memzero(&pend, sizeof pend);
    if (rc) {
        sodium_memzero(binding, sizeof binding);
        api_add_header(c, "Retry-After", "60");
        api_problem(c, 503, "provider-unavailable", "Sign-in provider unavailable",
                    "the sign-in provider cannot be reached; try again later or sign in with your password", NULL);
        return -1;
    }
    set_binding(c, binding, OIDC_PENDING_TTL);
    sodium_memzero(binding, sizeof binding);
    return 0;
}

void h_oidc_start(api_ctx *c)
{
    char *url = NULL;
    if (begin(c, 0, &url)) return;
    api_add_header(c, "Location", url);
    api_add_header(c, "Cache-Control", "no-store");
    free(url);
    api_reply_empty(c, 302);
}

void h_oidc_link(api_ctx *c)
{
    char *url = NULL;
    if (!c->caller.person_id) { api_fail(c, LP_ERR_FORBIDDEN, NULL); return; }
    if (begin(c, c->caller.person_id, &url)) return;
    json_t *j = json_pack("{s:s}", "url", url);
    free(url);
    api_reply_json(c, 200, j);
}

/* The groups of the claims: an array of strings (at most 200 used) or one string. */
static size_t groups_of(const json_t *claims, const char *name, const char **out, size_t cap)
{
    const json_t *g = json_object_get(claims, name), *v;
    size_t n = 0, i;
    if (json_is_string(g)) out[n++] = json_string_value(g);
    else if (json_is_array(g))
        json_array_foreach(g, i, v) if (json_is_string(v) && n < cap) out[n++] = json_string_value(v);
    return n;
}

void h_oidc_callback(api_ctx *c)
{
    const char *state = api_query(c, "state"), *code = api_query(c, "code"), *error = api_query(c, "error");
    char binding[OIDC_STATE_LEN + 8], why[200] = "";
    api_cookie_value(c, BINDING_COOKIE, binding, sizeof binding);
    set_binding(c, "", 0);   /* one use, whatever happens */
    if (!token_ok(state, 200)) { to_signin(c, "oidc-bad-state"); return; }
    oidc_pending pend;
    int rc = oidc_pending_take(c->db, state, binding, &pend);
    sodium_memzero(binding, sizeof binding);
    if (rc == LP_ERR_NOTFOUND) { to_signin(c, "oidc-bad-state"); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    if (error || !token_ok(code, 2048)) { to_signin(c, "oidc-provider-refused"); return; }
    oidc_provider p;
    uint8_t sealed[OIDC_SEALED_MAX];
    size_t slen = 0;
    rc = oidc_provider_get(c->db, pend.provider_id, &p);
    if (rc == 0) rc = oidc_provider_secret(c->db, p.id, sealed, sizeof sealed, &slen);
    if (rc == LP_ERR_NOTFOUND) { to_signin(c, "oidc-bad-state"); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    char ru[400];
    if (redirect_uri(c, ru, sizeof ru)) { to_signin(c, "oidc-bad-state"); return; }
    json_t *claims = NULL;
    rc = oidc_rp_finish(&p, sealed, slen, code, &pend, ru, &claims, why, sizeof why);
    sodium_memzero(&pend.verifier, sizeof pend.verifier);
    if (rc) {
        log_warn("oidc", "provider %lld: a login failed: %s (%s)", (long long)p.id, why, lp_err_name(rc));
        to_signin(c, "oidc-failed");
        return;
    }
    const char *groups[200];
    const json_t *ev = json_object_get(claims, "email_verified");
    const char *email = json_string_value(json_object_get(claims, "email"));
    const char *name = json_string_value(json_object_get(claims, "name"));
    oidc_identity id = { json_string_value(json_object_get(claims, "sub")),
                         email && strlen(email) <= 254 ? email : "",
                         json_is_true(ev) || (json_is_string(ev) && !strcmp(json_string_value(ev), "true")),
                         name && strlen(name) <= 200 ? name : "", groups, 0 };
    id.ngroups = groups_of(claims, p.groups_claim, groups, sizeof groups / sizeof groups[0]);
    oidc_result r;
    rc = oidc_signin(c->db, api_policy(), p.id, pend.link_person_id, &id, c->client_ip, &r);
    json_decref(claims);
    if (rc == LP_ERR_FORBIDDEN && r.refusal) { to_signin(c, r.refusal); return; }
    if (rc == LP_ERR_INVALID) { to_signin(c, "oidc-failed"); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    api_set_session_cookies(c, r.token, r.expires_at - clk_now());
    sodium_memzero(&r, sizeof r);
    api_add_header(c, "Location", "/");
    api_add_header(c, "Cache-Control", "no-store");
    api_reply_empty(c, 303);
}

/* ---- staff: providers ---- */

static const struct jv_field CREATE[] = {
    { "name", JV_STRING, 1, 100, 0 }, { "issuer", JV_STRING, 1, 500, 0 }, { "client_id", JV_STRING, 1, 255, 0 },
    { "client_secret", JV_NULLABLE_STRING, 0, SECRET_MAX, 0 }, { "scopes", JV_STRING, 0, 500, 0 },
    { "groups_claim", JV_STRING, 0, 100, 0 }, { "enabled", JV_BOOL, 0, 0, 0 }, { "rules", JV_ARRAY, 0, 0, 0 },
    JV_END };
static const struct jv_field UPDATE[] = {
    { "name", JV_STRING, 0, 100, 0 }, { "issuer", JV_STRING, 0, 500, 0 }, { "client_id", JV_STRING, 0, 255, 0 },
    { "client_secret", JV_NULLABLE_STRING, 0, SECRET_MAX, 0 }, { "scopes", JV_STRING, 0, 500, 0 },
    { "groups_claim", JV_STRING, 0, 100, 0 }, { "enabled", JV_BOOL, 0, 0, 0 }, { "rules", JV_ARRAY, 0, 0, 0 },
    JV_END };
static const struct jv_field RULE[] = {
    { "kind", JV_STRING, 1, 6, 0 }, { "value", JV_STRING, 1, 255, 0 }, { "tenant_id", JV_INT, 0, 0, 1 },
    { "role", JV_STRING, 1, 15, 0 }, { "approval", JV_BOOL, 0, 0, 0 }, JV_END };

/* The rules array of a body into *out (caller frees). -1 after answering 400. */
static int rules_from(api_ctx *c, json_t *arr, oidc_rule **out, size_t *n)
{
    size_t i;
    json_t *v;
    *out = NULL;
    *n = json_array_size(arr);
    if (*n > OIDC_RULES_MAX) {
        api_problem(c, 400, "validation", "Invalid request", "rules holds at most 50 rules", "rules");
        return -1;
    }
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) { api_fail(c, LP_ERR_NOMEM, NULL); return -1; }
    json_array_foreach(arr, i, v) {
        char err[200], field[48];
        json_t *tid = json_object_get(v, "tenant_id");
        if (json_is_null(tid)) json_object_del(v, "tenant_id");
        if (!json_is_object(v) || jv_check(v, RULE, err, sizeof err, field, sizeof field)) {
            api_problem(c, 400, "validation", "Invalid request",
                        json_is_object(v) ? err : "rules holds objects {kind, value, tenant_id, role, approval}", "rules");
            free(*out);
            *out = NULL;
            return -1;
        }
        oidc_rule *r = &(*out)[i];
        jv_copy(v, "kind", r->kind, sizeof r->kind);
        jv_copy(v, "value", r->value, sizeof r->value);
        jv_copy(v, "role", r->role, sizeof r->role);
        r->tenant_id = jv_int(v, "tenant_id", 0);
        r->approval = jv_bool(v, "approval", 0);
        if (!strcmp(r->kind, "domain"))
            for (char *q = r->value; *q; q++) if (*q >= 'A' && *q <= 'Z') *q = (char)(*q - 'A' + 'a');
    }
    return 0;
}

/* Seals the client_secret of body b into sealed. 0, 1 when b has none, -1
 * after answering. */
static int seal_secret(api_ctx *c, json_t *b, uint8_t *sealed, size_t *len)
{
    const char *s = jv_str(b, "client_secret", NULL);
    *len = 0;
    if (!s || !s[0]) return 1;
    int rc = iss_seal((const uint8_t *)s, strlen(s), sealed, OIDC_SEALED_MAX, len);
    if (rc == LP_ERR_STATE) {
        api_problem(c, 409, "state", "Not allowed in the current state",
                    "labpassd has no key file to seal the client secret with", "client_secret");
        return -1;
    }
    if (rc) { api_fail(c, rc, NULL); return -1; }
    return 0;
}

static void reply_provider(api_ctx *c, int status, int64_t id)
{
    oidc_provider p;
    int rc = oidc_provider_get(c->db, id, &p);
    json_t *j = rc ? NULL : provider_json(c, &p, &rc);
    if (rc) { json_decref(j); api_fail(c, rc, NULL); return; }
    api_reply_json(c, status, j);
}

void h_oidc_list(api_ctx *c)
{
    oidc_provider *p = NULL;
    size_t n = 0;
    int rc = oidc_provider_list(c->db, 0, &p, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *a = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++) json_array_append_new(a, provider_json(c, &p[i], &rc));
    free(p);
    if (rc) { json_decref(a); api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:o}", "providers", a));
}

void h_oidc_get(api_ctx *c)
{
    reply_provider(c, 200, c->params[0]);
}

/* The fields of b over p. */
static void fields_from(json_t *b, oidc_provider *p)
{
    jv_copy(b, "name", p->name, sizeof p->name);
    jv_copy(b, "issuer", p->issuer, sizeof p->issuer);
    jv_copy(b, "client_id", p->client_id, sizeof p->client_id);
    jv_copy(b, "scopes", p->scopes, sizeof p->scopes);
    jv_copy(b, "groups_claim", p->groups_claim, sizeof p->groups_claim);
    p->enabled = jv_bool(b, "enabled", p->enabled);
}

void h_oidc_create(api_ctx *c)
{
    json_t *b = api_body(c, CREATE);
    if (!b) return;
    oidc_provider p;
    memset(&p, 0, sizeof p);
    snprintf(p.scopes, sizeof p.scopes, "openid email profile");
    snprintf(p.groups_claim, sizeof p.groups_claim, "groups");
    p.enabled = 1;
    fields_from(b, &p);
    oidc_rule *rules = NULL;
    size_t nr = 0, slen = 0;
    uint8_t sealed[OIDC_SEALED_MAX];
    int has = 0;
    if (jv_has(b, "rules") && rules_from(c, json_object_get(b, "rules"), &rules, &nr)) { json_decref(b); return; }
    if ((has = seal_secret(c, b, sealed, &slen)) < 0) { free(rules); json_decref(b); return; }
    json_decref(b);
    lp_fail f = { 0 };
    int rc = db_begin(c->db);
    if (rc == 0) rc = oidc_provider_create(c->db, &c->actor, &p, has == 0 ? sealed : NULL, slen, &f);
    if (rc == 0 && nr) rc = oidc_rules_set(c->db, &c->actor, p.id, rules, nr, &f);
    if (rc == 0) rc = db_commit(c->db);
    else db_rollback(c->db);
    free(rules);
    sodium_memzero(sealed, sizeof sealed);
    if (rc) { api_fail(c, rc, &f); return; }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/oidc/providers/%lld", (long long)p.id);
    api_add_header(c, "Location", loc);
    reply_provider(c, 201, p.id);
}

void h_oidc_update(api_ctx *c)
{
    json_t *b = api_body(c, UPDATE);
    if (!b) return;
    oidc_provider p;
    int rc = oidc_provider_get(c->db, c->params[0], &p);
    if (rc) { json_decref(b); api_fail(c, rc, NULL); return; }
    fields_from(b, &p);
    oidc_rule *rules = NULL;
    size_t nr = 0, slen = 0;
    uint8_t sealed[OIDC_SEALED_MAX];
    int has = 1, set_secret = jv_has(b, "client_secret"), set_rules = jv_has(b, "rules");
    if (set_rules && rules_from(c, json_object_get(b, "rules"), &rules, &nr)) { json_decref(b); return; }
    if (set_secret && (has = seal_secret(c, b, sealed, &slen)) < 0) { free(rules); json_decref(b); return; }
    json_decref(b);
    lp_fail f = { 0 };
    rc = db_begin(c->db);
    if (rc == 0) rc = oidc_provider_update(c->db, &c->actor, &p, set_secret, has == 0 ? sealed : NULL, slen, &f);
    if (rc == 0 && set_rules) rc = oidc_rules_set(c->db, &c->actor, p.id, rules, nr, &f);
    if (rc == 0) rc = db_commit(c->db);
    else db_rollback(c->db);
    free(rules);
    sodium_memzero(sealed, sizeof sealed);
    if (rc) { api_fail(c, rc, &f); return; }
    oidc_rp_forget(p.id);
    reply_provider(c, 200, p.id);
}

void h_oidc_delete(api_ctx *c)
{
    int rc = oidc_provider_delete(c->db, &c->actor, c->params[0]);
    if (rc) { api_fail(c, rc, NULL); return; }
    oidc_rp_forget(c->params[0]);
    api_reply_empty(c, 204);
}
