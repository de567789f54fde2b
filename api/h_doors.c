/* h_doors.c: doors over HTTP: the door list and creation (staff), the
 * door's signed sync bundle, event upload and the event list. A door key sees
 * only its own door (any other door id answers 404) and no person route (403,
 * by the route table). docs/access-protocol.md sections 11, 15 and 16
 * describe the door API. */
#include "api/handlers.h"
#include "api/h_access.h"
#include "api/access_json.h"
#include "api/page.h"
#include "access/issuer/issuer.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_ID_MAX 9007199254740991LL   /* 2^53 - 1: exact in every JSON reader */

/* ---- doors (staff) ---- */

void h_doors_list(api_ctx *c)
{
    static const char *const YES_NO[] = { "true", "false", NULL };
    const char *retired = NULL;
    iss_door *arr = NULL;
    size_t n = 0;
    if (api_query_enum(c, "retired", YES_NO, &retired)) return;
    int with_retired = retired && !strcmp(retired, "true");
    int rc = iss_door_list(c->db, clk_now(), &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (with_retired || !arr[i].retired_at) json_array_append_new(out, aj_door(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "doors", out));
}

static const struct jv_field DOOR[] = {
    { "name", JV_STRING, 1, TOK_DOOR_ID_MAX, 0 }, { "group", JV_STRING, 1, TOK_GROUP_MAX, 0 },
    { "holder_proof", JV_BOOL, 0, 0, 0 }, { "bearer_allowed", JV_BOOL, 0, 0, 0 },
    { "clock_skew", JV_INT, 0, TOK_SKEW_MAX, 0 }, { "pulse_ms", JV_INT, 0, TOK_PULSE_MAX_MS, TOK_PULSE_MIN_MS },
    { "sync_interval", JV_INT, 0, 86400, 1 }, JV_END };

/* The fields a body names, over d (a new door's defaults, or the door as stored). */
static void door_from(json_t *b, iss_door *d)
{
    jv_copy(b, "name", d->name, sizeof d->name);
    jv_copy(b, "group", d->group, sizeof d->group);
    d->holder_proof = jv_bool(b, "holder_proof", d->holder_proof);
    d->bearer_allowed = jv_bool(b, "bearer_allowed", d->bearer_allowed);
    d->clock_skew = jv_int(b, "clock_skew", d->clock_skew);
    d->pulse_ms = jv_int(b, "pulse_ms", d->pulse_ms);
    d->sync_interval = jv_int(b, "sync_interval", d->sync_interval);
}

void h_door_create(api_ctx *c)
{
    json_t *b = api_body(c, DOOR);
    if (!b) return;
    iss_door d;
    iss_door_defaults(&d);
    door_from(b, &d);
    json_decref(b);
    char key[128];
    lp_fail f = { 0 };
    json_t *trust = NULL;
    int rc = aj_trust(c->db, clk_now(), &trust);   /* first: a failed read creates nothing */
    if (rc == 0) rc = iss_door_add(c->db, &c->actor, &d, key, sizeof key, &f);
    if (rc == 0) rc = iss_door_get(c->db, d.id, &d);
    if (rc) { json_decref(trust); api_fail(c, rc, &f); return; }
    json_t *j = json_pack("{s:o, s:s, s:o}", "door", aj_door(&d), "api_key", key, "trust_keys", trust);
    sodium_memzero(key, sizeof key);
    api_reply_json(c, 201, j);
}

/* ---- managing a door (staff) ---- */

static const struct jv_field DOOR_PATCH[] = {
    { "name", JV_STRING, 0, TOK_DOOR_ID_MAX, 0 }, { "group", JV_STRING, 0, TOK_GROUP_MAX, 0 },
    { "holder_proof", JV_BOOL, 0, 0, 0 }, { "bearer_allowed", JV_BOOL, 0, 0, 0 },
    { "clock_skew", JV_INT, 0, TOK_SKEW_MAX, 0 }, { "pulse_ms", JV_INT, 0, TOK_PULSE_MAX_MS, TOK_PULSE_MIN_MS },
    { "sync_interval", JV_INT, 0, 86400, 1 }, JV_END };

static int load_door(api_ctx *c, iss_door *d)
{
    int rc = iss_door_get(c->db, c->params[0], d);
    if (rc == LP_ERR_NOTFOUND) api_problem(c, 404, "not-found", "Not found", "no such door", NULL);
    else if (rc) api_fail(c, rc, NULL);
    return rc == 0;
}

void h_door_update(api_ctx *c)
{
    iss_door d;
    if (!load_door(c, &d)) return;
    json_t *b = api_body(c, DOOR_PATCH);
    if (!b) return;
    door_from(b, &d);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = iss_door_update(c->db, &c->actor, &d, &f);
    if (rc == 0) rc = iss_door_get(c->db, d.id, &d);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, aj_door(&d));
}

void h_door_retire(api_ctx *c)
{
    iss_door d;
    if (!load_door(c, &d)) return;
    lp_fail f = { 0 };
    int rc = iss_door_retire(c->db, &c->actor, d.id, &f);
    if (rc == 0) rc = iss_door_get(c->db, d.id, &d);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, aj_door(&d));
}

void h_door_rekey(api_ctx *c)
{
    iss_door d;
    char key[128];
    json_t *trust = NULL;
    lp_fail f = { 0 };
    if (!load_door(c, &d)) return;
    int rc = aj_trust(c->db, clk_now(), &trust);   /* first: a failed read changes nothing */
    if (rc == 0) rc = iss_door_rekey(c->db, &c->actor, d.id, key, sizeof key, &f);
    if (rc) { json_decref(trust); api_fail(c, rc, &f); return; }
    json_t *j = json_pack("{s:o, s:s, s:o}", "door", aj_door(&d), "api_key", key, "trust_keys", trust);
    sodium_memzero(key, sizeof key);
    api_reply_json(c, 200, j);
}

/* The version in "labpass-door/VERSION ..." (the door's User-Agent), or "". */
static void agent_version(api_ctx *c, char *out, size_t cap)
{
    const char *ua = api_header(c, "User-Agent");
    static const char PREFIX[] = "labpass-door/";
    size_t n = 0;
    out[0] = 0;
    if (!ua || strncmp(ua, PREFIX, sizeof PREFIX - 1)) return;
    ua += sizeof PREFIX - 1;
    while (ua[n] && ua[n] != ' ' && n + 1 < cap) n++;
    memcpy(out, ua, n);
    out[n] = 0;
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

/* ?box=: the door's X25519 box key, 64 hex digits, or absent. */
static int query_box(api_ctx *c, uint8_t out[32], size_t *len)
{
    const char *v = api_query(c, "box");
    *len = 0;
    if (!v) return 0;
    if (strlen(v) != 64 || strspn(v, "0123456789abcdef") != 64 ||
        sodium_hex2bin(out, 32, v, 64, NULL, len, NULL) != 0 || *len != 32) {
        api_problem(c, 400, "validation", "Invalid request", "box is 64 lower-case hex digits", "box");
        return -1;
    }
    return 0;
}

/* ?cp=: the digest of the card passes the door holds, 32 lower-case hex
 * digits (asks for key 14); ?wk=1: the door writes cards (key 15). */
static int query_cards(api_ctx *c, struct iss_sync_req *q)
{
    const char *v = api_query(c, "cp");
    size_t got = 0;
    if (v && (strlen(v) != 2 * TOK_CARD_PASSES_DIGEST || strspn(v, "0123456789abcdef") != strlen(v) ||
              sodium_hex2bin(q->digest, sizeof q->digest, v, strlen(v), NULL, &got, NULL) != 0 ||
              got != sizeof q->digest)) {
        api_problem(c, 400, "validation", "Invalid request", "cp is 32 lower-case hex digits", "cp");
        return -1;
    }
    q->cards = v != NULL;
    int64_t wk = 0;
    if (api_query_int(c, "wk", 0, 0, 1, &wk)) return -1;
    q->write_keys = (int)wk;
    return 0;
}

void h_door_sync(api_ctx *c)
{
    uint8_t nonce[TOK_NONCE_MAX], *msg = NULL;
    size_t nonce_len = 0, len = 0;
    int64_t since, floor;
    uint8_t box[32];
    size_t box_len = 0;
    struct iss_sync_req q = { 0 };
    if (!own_door(c) || api_query_int(c, "since", 0, 0, JSON_ID_MAX, &since) ||
        api_query_int(c, "floor", 0, 0, JSON_ID_MAX, &floor) || query_nonce(c, nonce, &nonce_len) ||
        query_box(c, box, &box_len) || query_cards(c, &q))
        return;
    char version[40];
    agent_version(c, version, sizeof version);
    int rc = c->caller.role == ROLE_DOOR ? iss_door_version(c->db, c->params[0], version) : 0;
    q.since = since;
    q.door_floor = floor;
    /* only the door's own key registers a box key and gets card keys */
    q.box = box_len && c->caller.role == ROLE_DOOR ? box : NULL;
    q.nonce = nonce;
    q.nonce_len = nonce_len;
    if (rc == 0) rc = iss_door_sync_req(c->db, c->params[0], &q, clk_now(), &msg, &len);
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
        json_t *j = json_pack("{s:s, s:s}", "id", a[i].id, "result", iss_ack_result_name(a[i].outcome));
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
                          api_time_json(r->ev.at), "kind", r->ev.kind, "reason", r->ev.reason, "result", iss_ack_result_name(r->outcome),
                          "detail", r->detail);
    json_object_set_new(j, "cti", r->ev.has_cti ? aj_hex(r->ev.cti, TOK_CTI_LEN) : json_null());
    json_object_set_new(j, "reservation_id", aj_id_or_null(r->ev.reservation_id));
    json_object_set_new(j, "person_id", aj_id_or_null(r->ev.person_id));
    json_object_set_new(j, "person", r->person_name[0] ? json_string(r->person_name) : json_null());
    json_object_set_new(j, "alarm", r->ev.alarm[0] ? json_string(r->ev.alarm) : json_null());
    json_object_set_new(j, "queue_length", r->ev.queue_length >= 0 ? json_integer(r->ev.queue_length) : json_null());
    json_object_set_new(j, "received_at", api_time_json(r->received_at));
    return j;
}

void h_door_events_list(api_ctx *c)
{
    int64_t now = clk_now(), from = now - 86400, to = now + 60, door;
    api_page pg;
    if (api_query_int(c, "door_id", 0, 0, JSON_ID_MAX, &door) || api_query_time(c, "from", 0, &from) ||
        api_query_time(c, "to", 0, &to) || api_page_read(c, 1000, 5000, 2, &pg))
        return;
    if (to <= from || to - from > 92 * 86400) {
        api_problem(c, 400, "validation", "Invalid request", "to must be after from, at most 92 days later", "to");
        return;
    }
    iss_event_row *rows = NULL;
    size_t n = 0;
    int rc = iss_events_list(c->db, door, from, to, pg.has_after ? pg.after : NULL, (size_t)pg.limit + 1, &rows, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(out, json_event(&rows[i]));
    json_t *body = json_pack("{s:o}", "events", out);
    int64_t last[2] = { shown ? rows[shown - 1].ev.at : 0, shown ? rows[shown - 1].id : 0 };
    api_page_finish(c, &pg, body, n > shown ? last : NULL);
    free(rows);
    api_reply_json(c, 200, body);
}
