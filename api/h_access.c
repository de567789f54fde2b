/* h_access.c: door access over HTTP: the public pass-key list, a person's
 * credentials and passes, bearer passes, revocation, doors (staff), the
 * door's signed sync bundle and event upload, the presence report.
 * A door key sees only its own door (any other door id answers 404) and no
 * person route (403, by the route table). Another tenant's objects answer
 * 404. docs/access-protocol.md sections 11, 15 and 16 describe the door API. */
#include "api/handlers.h"
#include "access/issuer/issuer.h"
#include "booking/rsv.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64U sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define JSON_ID_MAX 9007199254740991LL   /* 2^53 - 1: exact in every JSON reader */

/* ---- JSON shapes ---- */

static json_t *b64u_json(const uint8_t *p, size_t n)
{
    char buf[sodium_base64_ENCODED_LEN(TOK_PASS_BUDGET, B64U)];
    if (n > TOK_PASS_BUDGET)
        return json_null();
    sodium_bin2base64(buf, sizeof buf, p, n, B64U);
    return json_string(buf);
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char buf[2 * TOK_CTI_LEN + 1];
    if (n > TOK_CTI_LEN)
        return json_null();
    sodium_bin2hex(buf, sizeof buf, p, n);
    return json_string(buf);
}

static json_t *id_or_null(int64_t v) { return v > 0 ? json_integer(v) : json_null(); }

static json_t *utc_json(int64_t t)
{
    char buf[LT_RFC3339_LEN];
    if (t <= 0)
        return json_null();
    lt_format_utc(t, buf);
    return json_string(buf);
}

/* A signing key as /api/v1/pass-keys lists it (also usable as a JWK). */
static json_t *json_key(const iss_key *k)
{
    json_t *j = json_pack("{s:o, s:o, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o}", "kid", hex_json(k->kid, TOK_KID_LEN),
                          "kid_b64u", b64u_json(k->kid, TOK_KID_LEN), "kty", "OKP", "crv", "Ed25519", "alg", "EdDSA",
                          "x", b64u_json(k->pk, TOK_PK_LEN), "status", k->status,
                          "not_before", utc_json(k->created_at), "not_after", utc_json(k->not_after),
                          "retired_at", utc_json(k->retired_at));
    return j;
}

static json_t *json_groups(const char *groups)
{
    json_t *a = json_array();
    char buf[ISS_GROUPS_TEXT], *save = NULL;
    snprintf(buf, sizeof buf, "%s", groups);
    for (char *g = strtok_r(buf, ",", &save); g; g = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(g));
    return a;
}

static json_t *json_pass(const iss_pass *p)
{
    json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:o, s:I}", "id", (json_int_t)p->id, "kind", p->kind,
                          "pass", b64u_json(p->bytes, p->len), "cti", hex_json(p->cti, TOK_CTI_LEN),
                          "kid", hex_json(p->kid, TOK_KID_LEN), "person_id", (json_int_t)p->person_id);
    json_object_set_new(j, "nbf", api_time_json(p->nbf));
    json_object_set_new(j, "exp", api_time_json(p->exp));
    json_object_set_new(j, "iat", api_time_json(p->iat));
    json_object_set_new(j, "door_groups", json_groups(p->groups));
    json_object_set_new(j, "reservation_id", id_or_null(p->reservation_id));
    json_object_set_new(j, "tenant_id", id_or_null(p->tenant_id));
    json_object_set_new(j, "credential_id", id_or_null(p->credential_id));
    json_object_set_new(j, "revoked_at", api_time_json(p->revoked_at));
    json_object_set_new(j, "revoke_reason", p->revoked_at ? json_string(p->revoke_reason) : json_null());
    return j;
}

static json_t *json_cred(const iss_credential *cr)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)cr->id, "kind", cr->kind, "label", cr->label,
                          "public_key", b64u_json(cr->pk, TOK_PK_LEN));
    json_object_set_new(j, "created_at", api_time_json(cr->created_at));
    json_object_set_new(j, "revoked_at", api_time_json(cr->revoked_at));
    return j;
}

static json_t *json_door(const iss_door *d)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:i}", "id", (json_int_t)d->id, "name", d->name,
                          "group", d->group, "holder_proof", d->holder_proof, "bearer_allowed", d->bearer_allowed,
                          "clock_skew", (json_int_t)d->clock_skew, "pulse_ms", (json_int_t)d->pulse_ms,
                          "sync_interval", (json_int_t)d->sync_interval, "alarms_24h", d->alarms_24h);
    json_object_set_new(j, "created_at", api_time_json(d->created_at));
    json_object_set_new(j, "last_seen_at", api_time_json(d->last_seen_at > 0 ? d->last_seen_at : 0));
    json_object_set_new(j, "last_since", d->last_since >= 0 ? json_integer(d->last_since) : json_null());
    json_object_set_new(j, "queue_length", d->queue_length >= 0 ? json_integer(d->queue_length) : json_null());
    json_object_set_new(j, "last_alarm", d->last_alarm_at ? json_pack("{s:s, s:o}", "kind", d->last_alarm, "at",
                                                                      api_time_json(d->last_alarm_at)) : json_null());
    return j;
}

static json_t *json_trust(db_t *db, int64_t now)
{
    iss_key *keys = NULL;
    size_t n = 0;
    json_t *a = json_array();
    if (iss_key_list(db, now, 0, &keys, &n) == 0)
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, json_key(&keys[i]));
    free(keys);
    return a;
}

/* ---- public keys ---- */

void h_pass_keys(api_ctx *c)
{
    iss_settings s;
    int rc = iss_settings_get(c->db, &s);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_add_header(c, "Cache-Control", "max-age=300");
    api_reply_json(c, 200, json_pack("{s:s, s:o}", "site", s.issuer, "keys", json_trust(c->db, clk_now())));
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
    api_reply_json(c, 201, json_cred(&cr));
}

void h_creds_list(api_ctx *c)
{
    iss_credential *arr = NULL;
    size_t n = 0;
    int rc = iss_cred_list(c->db, c->caller.person_id, 1, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_cred(&arr[i]));
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
    json_t *j = json_cred(&cr);
    json_object_set_new(j, "passes_revoked", json_integer(n));
    api_reply_json(c, 200, j);
}

/* ---- passes ---- */

static void reply_passes(api_ctx *c, int rc, iss_pass *arr, size_t n)
{
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_pass(&arr[i]));
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
    int64_t person, rsv, live, limit;
    if (api_query_int(c, "person_id", 0, 0, JSON_ID_MAX, &person) ||
        api_query_int(c, "reservation_id", 0, 0, JSON_ID_MAX, &rsv) || api_query_int(c, "live", 0, 0, 1, &live) ||
        api_query_int(c, "limit", 200, 1, 1000, &limit))
        return;
    iss_pass *arr = NULL;
    size_t n = 0;
    int rc = iss_pass_list(c->db, person, rsv, (int)live, clk_now(), (size_t)limit, &arr, &n);
    reply_passes(c, rc, arr, n);
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
    api_reply_json(c, 200, json_pass(&p));
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
    api_reply_json(c, 201, json_pass(&p));
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

/* ---- doors (staff) ---- */

void h_doors_list(api_ctx *c)
{
    iss_door *arr = NULL;
    size_t n = 0;
    int rc = iss_door_list(c->db, clk_now(), &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_door(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "doors", out));
}

static const struct jv_field DOOR[] = {
    { "name", JV_STRING, 1, TOK_DOOR_ID_MAX, 0 }, { "group", JV_STRING, 1, TOK_GROUP_MAX, 0 },
    { "holder_proof", JV_BOOL, 0, 0, 0 }, { "bearer_allowed", JV_BOOL, 0, 0, 0 },
    { "clock_skew", JV_INT, 0, TOK_SKEW_MAX, 0 }, { "pulse_ms", JV_INT, 0, TOK_PULSE_MAX_MS, TOK_PULSE_MIN_MS },
    { "sync_interval", JV_INT, 0, 86400, 1 }, JV_END };

void h_door_create(api_ctx *c)
{
    json_t *b = api_body(c, DOOR);
    if (!b) return;
    iss_door d;
    iss_door_defaults(&d);
    jv_copy(b, "name", d.name, sizeof d.name);
    jv_copy(b, "group", d.group, sizeof d.group);
    d.holder_proof = jv_bool(b, "holder_proof", d.holder_proof);
    d.bearer_allowed = jv_bool(b, "bearer_allowed", d.bearer_allowed);
    d.clock_skew = jv_int(b, "clock_skew", d.clock_skew);
    d.pulse_ms = jv_int(b, "pulse_ms", d.pulse_ms);
    d.sync_interval = jv_int(b, "sync_interval", d.sync_interval);
    json_decref(b);
    char key[128];
    lp_fail f = { 0 };
    int rc = iss_door_add(c->db, &c->actor, &d, key, sizeof key, &f);
    if (rc == 0) rc = iss_door_get(c->db, d.id, &d);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *j = json_pack("{s:o, s:s, s:o}", "door", json_door(&d), "api_key", key, "trust_keys",
                          json_trust(c->db, clk_now()));
    sodium_memzero(key, sizeof key);
    api_reply_json(c, 201, j);
}

/* The door a door-scoped route names: a door key reaches only its own. */
static int own_door(api_ctx *c)
{
    if (c->caller.role == ROLE_DOOR && c->caller.door_id != c->params[0]) {
        api_problem(c, 404, "not-found", "Not found", "no such door", NULL);
        return 0;
    }
    return 1;
}

/* ?nonce=: 16..64 hex digits (8..32 bytes), or absent. */
static int query_nonce(api_ctx *c, uint8_t *out, size_t *len)
{
    const char *v = api_query(c, "nonce");
    size_t n = v ? strlen(v) : 0, got = 0;
    const char *end = NULL;
    *len = 0;
    if (!v) return 0;
    if (n % 2 || n < 2 * TOK_NONCE_MIN || n > 2 * TOK_NONCE_MAX ||
        sodium_hex2bin(out, TOK_NONCE_MAX, v, n, NULL, &got, &end) != 0 || got != n / 2 || *end) {
        api_problem(c, 400, "validation", "Invalid request", "nonce is 16 to 64 hex digits", "nonce");
        return -1;
    }
    *len = got;
    return 0;
}

void h_door_sync(api_ctx *c)
{
    uint8_t nonce[TOK_NONCE_MAX], *msg = NULL;
    size_t nonce_len = 0, len = 0;
    int64_t since;
    if (!own_door(c) || api_query_int(c, "since", 0, 0, JSON_ID_MAX, &since) || query_nonce(c, nonce, &nonce_len))
        return;
    int rc = iss_door_sync(c->db, c->params[0], since, nonce, nonce_len, clk_now(), &msg, &len);
    if (rc == LP_ERR_NOTFOUND) { api_problem(c, 404, "not-found", "Not found", "no such door", NULL); return; }
    if (rc) { api_fail(c, rc == LP_ERR_CRYPTO || rc == LP_ERR_STATE ? LP_ERR_INTERNAL : rc, NULL); return; }
    api_reply_raw(c, 200, "application/cose; cose-type=\"cose-sign1\"", (char *)msg, len);
}

/* ---- door events ---- */

static const struct jv_field BATCH[] = {
    { "events", JV_ARRAY, 1, ISS_EVENTS_MAX, 0 }, { "queue_length", JV_INT, 0, ISS_QUEUE_MAX, 0 }, JV_END };

static const struct jv_field EVENT[] = {
    { "id", JV_STRING, 1, ISS_EVENT_ID_MAX, 0 }, { "time", JV_TIME, 1, 0, 0 }, { "kind", JV_STRING, 1, 11, 0 },
    { "reason", JV_STRING, 0, 64, 0 }, { "cti", JV_STRING, 0, 2 * TOK_CTI_LEN, 0 },
    { "reservation_id", JV_INT, 0, JSON_ID_MAX, 1 }, { "person_id", JV_INT, 0, JSON_ID_MAX, 1 },
    { "queue_length", JV_INT, 0, ISS_QUEUE_MAX, 0 }, { "alarm", JV_STRING, 0, 32, 0 }, JV_END };

/* Reads one validated event object into e; on a bad field *field names it. */
static int event_from(json_t *o, iss_event *e, int64_t now, lp_fail *f)
{
    char err[200], field[64];
    memset(e, 0, sizeof *e);
    if (jv_check(o, EVENT, err, sizeof err, field, sizeof field) != 0)
        return lp_failf(f, LP_ERR_INVALID, field, "%s", err);
    jv_copy(o, "id", e->id, sizeof e->id);
    jv_copy(o, "kind", e->kind, sizeof e->kind);
    jv_copy(o, "reason", e->reason, sizeof e->reason);
    jv_copy(o, "alarm", e->alarm, sizeof e->alarm);
    if (lt_parse_rfc3339(jv_str(o, "time", ""), &e->at) != 0)
        return lp_failf(f, LP_ERR_INVALID, "time", "time is RFC 3339 with offset");
    e->reservation_id = jv_int(o, "reservation_id", 0);
    e->person_id = jv_int(o, "person_id", 0);
    e->queue_length = jv_int(o, "queue_length", -1);
    const char *cti = jv_str(o, "cti", NULL), *end = NULL;
    size_t got = 0;
    if (cti && (strlen(cti) != 2 * TOK_CTI_LEN ||
                sodium_hex2bin(e->cti, TOK_CTI_LEN, cti, strlen(cti), NULL, &got, &end) != 0 || got != TOK_CTI_LEN))
        return lp_failf(f, LP_ERR_INVALID, "cti", "cti is 32 hex digits");
    e->has_cti = cti != NULL;
    return iss_event_check(e, now, f);
}

static iss_event *events_from(api_ctx *c, json_t *arr, int64_t now)
{
    size_t n = json_array_size(arr);
    iss_event *ev = calloc(n ? n : 1, sizeof *ev);
    char field[96];
    lp_fail f = { 0 };
    if (!ev) { api_fail(c, LP_ERR_NOMEM, NULL); return NULL; }
    if (n == 0) {
        api_problem(c, 400, "validation", "Invalid request", "events holds 1 to 200 events", "events");
        free(ev);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (event_from(json_array_get(arr, i), &ev[i], now, &f) != 0) {
            snprintf(field, sizeof field, "events[%zu]%s%s", i, f.field[0] ? "." : "", f.field);
            api_problem(c, 400, "validation", "Invalid request", f.detail, field);
            free(ev);
            return NULL;
        }
    }
    return ev;
}

static json_t *json_acks(const iss_ack *a, size_t n)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = json_pack("{s:s, s:s}", "id", a[i].id, "result", a[i].result);
        if (a[i].detail[0]) json_object_set_new(j, "detail", json_string(a[i].detail));
        json_array_append_new(out, j);
    }
    return json_pack("{s:o}", "acks", out);
}

void h_door_events_upload(api_ctx *c)
{
    if (!own_door(c)) return;
    iss_door d;
    if (iss_door_get(c->db, c->params[0], &d) != 0) {
        api_problem(c, 404, "not-found", "Not found", "no such door", NULL);
        return;
    }
    json_t *b = api_body(c, BATCH);
    if (!b) return;
    int64_t now = clk_now();
    iss_event *ev = events_from(c, json_object_get(b, "events"), now);
    size_t n = json_array_size(json_object_get(b, "events"));
    int64_t queue = jv_int(b, "queue_length", -1);
    json_decref(b);
    if (!ev) return;
    iss_ack *acks = calloc(n, sizeof *acks);
    int rc = acks ? iss_events_ingest(c->db, d.id, ev, n, queue, now, acks) : LP_ERR_NOMEM;
    free(ev);
    if (rc == 0) api_reply_json(c, 200, json_acks(acks, n));
    else api_fail(c, rc, NULL);
    free(acks);
}

static json_t *json_event(const iss_event_row *r)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id, "door_id",
                          (json_int_t)r->door_id, "door", r->door_name, "event_id", r->ev.id, "time",
                          api_time_json(r->ev.at), "kind", r->ev.kind, "reason", r->ev.reason, "result", r->result,
                          "detail", r->detail);
    json_object_set_new(j, "cti", r->ev.has_cti ? hex_json(r->ev.cti, TOK_CTI_LEN) : json_null());
    json_object_set_new(j, "reservation_id", id_or_null(r->ev.reservation_id));
    json_object_set_new(j, "person_id", id_or_null(r->ev.person_id));
    json_object_set_new(j, "person", r->person_name[0] ? json_string(r->person_name) : json_null());
    json_object_set_new(j, "alarm", r->ev.alarm[0] ? json_string(r->ev.alarm) : json_null());
    json_object_set_new(j, "queue_length", r->ev.queue_length >= 0 ? json_integer(r->ev.queue_length) : json_null());
    json_object_set_new(j, "received_at", api_time_json(r->received_at));
    return j;
}

void h_door_events_list(api_ctx *c)
{
    int64_t now = clk_now(), from = now - 86400, to = now + 60, door, limit;
    if (api_query_int(c, "door_id", 0, 0, JSON_ID_MAX, &door) || api_query_time(c, "from", 0, &from) ||
        api_query_time(c, "to", 0, &to) || api_query_int(c, "limit", 1000, 1, 5000, &limit))
        return;
    if (to <= from || to - from > 92 * 86400) {
        api_problem(c, 400, "validation", "Invalid request", "to must be after from, at most 92 days later", "to");
        return;
    }
    iss_event_row *rows = NULL;
    size_t n = 0;
    int rc = iss_events_list(c->db, door, from, to, (size_t)limit, &rows, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_event(&rows[i]));
    free(rows);
    api_reply_json(c, 200, json_pack("{s:o}", "events", out));
}
