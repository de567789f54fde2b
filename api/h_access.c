/* h_access.c: door access for people over HTTP: the public pass-key list, a
 * person's credentials and passes, bearer passes and revocation. Doors and
 * their sync and events are h_doors.c. Another tenant's objects answer 404. */
#include "api/handlers.h"
#include "api/h_access.h"
#include "api/page.h"
#include "api/access_json.h"
#include "access/issuer/issuer.h"
#include "booking/rsv.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_ID_MAX 9007199254740991LL   /* 2^53 - 1: exact in every JSON reader */
#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* ---- public keys ---- */

void h_pass_keys(api_ctx *c)
{
    iss_settings s;
    int rc = iss_settings_get(c->db, &s);
    json_t *keys = NULL;
    if (rc == 0) rc = aj_trust(c->db, clk_now(), &keys);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_add_header(c, "Cache-Control", "max-age=300");
    api_reply_json(c, 200, json_pack("{s:s, s:o}", "site", s.issuer, "keys", keys));
}

/* ---- credentials ---- */

static const struct jv_field CRED[] = {
    { "public_key", JV_STRING, 1, 64, 0 }, { "label", JV_STRING, 1, ISS_CRED_LABEL_MAX, 0 },
    { "kind", JV_STRING, 1, 8, 0 }, JV_END };

/* Decodes exactly 32 bytes of base64url without padding. */
static int b64u_key(const char *s, uint8_t pk[TOK_PK_LEN])
{
    size_t n = 0;
    const char *end = NULL;
    if (strlen(s) != sodium_base64_ENCODED_LEN(TOK_PK_LEN, B64U) - 1)
        return -1;
    if (sodium_base642bin(pk, TOK_PK_LEN, s, strlen(s), NULL, &n, &end, B64U) != 0 || n != TOK_PK_LEN || *end)
        return -1;
    return 0;
}

void h_cred_create(api_ctx *c)
{
    json_t *b = api_body(c, CRED);
    uint8_t pk[TOK_PK_LEN];
    if (!b) return;
    if (b64u_key(jv_str(b, "public_key", ""), pk) != 0) {
        json_decref(b);
        api_problem(c, 400, "validation", "Invalid request", "public_key is 32 bytes in base64url without padding",
                    "public_key");
        return;
    }
    iss_credential cr;
    lp_fail f = { 0 };
    int rc = iss_cred_add(c->db, &c->actor, c->caller.person_id, jv_str(b, "kind", ""), jv_str(b, "label", ""), pk,
                          clk_now(), &cr, &f);
    json_decref(b);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, aj_cred(&cr));
}

void h_creds_list(api_ctx *c)
{
    iss_credential *arr = NULL;
    size_t n = 0;
    int rc = iss_cred_list(c->db, c->caller.person_id, 1, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, aj_cred(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "credentials", out));
}

void h_cred_revoke(api_ctx *c)
{
    iss_credential cr;
    int n = 0;
    if (iss_cred_get(c->db, c->params[0], &cr) != 0 || cr.person_id != c->caller.person_id) {
        api_problem(c, 404, "not-found", "Not found", "no such credential", NULL);
        return;
    }
    lp_fail f = { 0 };
    int rc = iss_cred_revoke(c->db, &c->actor, cr.id, clk_now(), &n);
    if (rc == LP_ERR_STATE) lp_failf(&f, rc, "id", "the credential is revoked already");
    if (rc == 0) rc = iss_cred_get(c->db, cr.id, &cr);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *j = aj_cred(&cr);
    json_object_set_new(j, "passes_revoked", json_integer(n));
    api_reply_json(c, 200, j);
}

/* ---- passes ---- */

static void reply_passes(api_ctx *c, int rc, iss_pass *arr, size_t n)
{
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, aj_pass(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "passes", out));
}

void h_me_passes(api_ctx *c)
{
    iss_pass *arr = NULL;
    size_t n = 0;
    int rc = iss_passes_for_person(c->db, c->caller.person_id, clk_now(), &arr, &n);
    if (rc == LP_ERR_STATE || rc == LP_ERR_CRYPTO) rc = LP_ERR_INTERNAL;   /* key file trouble: not the caller's */
    reply_passes(c, rc, arr, n);
}

void h_passes_list(api_ctx *c)
{
    int64_t person, rsv, live;
    api_page pg;
    if (api_query_int(c, "person_id", 0, 0, JSON_ID_MAX, &person) ||
        api_query_int(c, "reservation_id", 0, 0, JSON_ID_MAX, &rsv) || api_query_int(c, "live", 0, 0, 1, &live) ||
        api_page_read(c, 200, 1000, 1, &pg))
        return;
    iss_pass *arr = NULL;
    size_t n = 0;
    int rc = iss_pass_list(c->db, person, rsv, (int)live, clk_now(), pg.after[0], (size_t)pg.limit + 1, &arr, &n);
    if (rc) {
        api_fail(c, rc, NULL);
        return;
    }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++) json_array_append_new(out, aj_pass(&arr[i]));
    json_t *body = json_pack("{s:o}", "passes", out);
    int64_t last = shown ? arr[shown - 1].id : 0;
    api_page_finish(c, &pg, body, n > shown ? &last : NULL);
    free(arr);
    api_reply_json(c, 200, body);
}

/* May the caller see pass p (its person, the tenant's admin, staff)? */
static int sees_pass(const api_ctx *c, const iss_pass *p)
{
    return api_is_staff(c) || p->person_id == c->caller.person_id ||
           (p->tenant_id && api_admins_tenant(c, p->tenant_id));
}

void h_pass_revoke(api_ctx *c)
{
    iss_pass p;
    int n = 0;
    if (iss_pass_get(c->db, c->params[0], &p) != 0 || !sees_pass(c, &p)) {
        api_problem(c, 404, "not-found", "Not found", "no such pass", NULL);
        return;
    }
    const char *reason = api_is_staff(c) ? "revoked_by_staff" : p.person_id == c->caller.person_id
                                                                    ? "revoked_by_holder" : "revoked_by_tenant";
    int rc = iss_revoke(c->db, &c->actor, ISS_PASS, p.id, reason, clk_now(), &n);
    if (rc == 0 && n == 0) {
        api_problem(c, 409, "state", "Not allowed in the current state", "the pass is revoked or expired already", NULL);
        return;
    }
    if (rc == 0) rc = iss_pass_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, aj_pass(&p));
}

void h_bearer_pass(api_ctx *c)
{
    rsv_reservation r;
    iss_pass p;
    lp_fail f = { 0 };
    if (rsv_get(c->db, c->params[0], &r) != 0 || !api_sees_tenant(c, r.tenant_id)) {
        api_problem(c, 404, "not-found", "Not found", "no such reservation", NULL);
        return;
    }
    if (!api_admins_tenant(c, r.tenant_id) && r.person_id != c->caller.person_id) {
        api_problem(c, 403, "forbidden", "Forbidden", "only the person who booked, their tenant admin or staff", NULL);
        return;
    }
    int rc = iss_bearer_pass(c->db, r.id, clk_now(), &p, &f);
    if (rc == LP_ERR_CRYPTO) rc = LP_ERR_INTERNAL;
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 201, aj_pass(&p));
}

void h_person_revoke_passes(api_ctx *c)
{
    psn_person p;
    int n = 0;
    if (psn_get(c->db, c->params[0], &p) != 0 || !api_admins_tenant(c, p.tenant_id)) {
        api_problem(c, 404, "not-found", "Not found", "no such person", NULL);
        return;
    }
    int rc = iss_revoke(c->db, &c->actor, ISS_PERSON, p.id, api_is_staff(c) ? "revoked_by_staff" : "revoked_by_tenant",
                        clk_now(), &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:I, s:i}", "person_id", (json_int_t)p.id, "passes_revoked", n));
}
