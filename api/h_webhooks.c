/* h_webhooks.c: webhook endpoints over HTTP, for staff only (the route
 * table refuses everyone else): register one (the answer shows its secret
 * once), list, read, change, delete, rotate the secret, send a test ping, and
 * list and retry its deliveries. URLs are checked at the edge
 * (webhook_send.h: https, a host, no credentials, no spaces or controls);
 * secrets are sealed with the key file before they reach the database. */
#include "api/h_webhooks.h"
#include "api/handlers.h"
#include "api/page.h"
#include "api/webhook_send.h"
#include "access/issuer/issuer.h"
#include "booking/webhook.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *events_json(unsigned mask)
{
    json_t *a = json_array();
    for (int i = 0; i < WHK_EV_PING; i++)
        if (mask & (1u << i)) json_array_append_new(a, json_string(whk_event_name((enum whk_event)i)));
    return a;
}

static json_t *endpoint_json(const whk_endpoint *e)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:o, s:b, s:s, s:o, s:o, s:o, s:I}", "id", (json_int_t)e->id, "url", e->url,
                          "description", e->description, "events", events_json(e->events), "enabled", e->enabled,
                          "created_by", e->created_by, "created_at", api_time_json(e->created_at), "updated_at",
                          api_time_json(e->updated_at), "secret_rotated_at", api_time_json(e->secret_at), "version",
                          (json_int_t)e->version);
    return j;
}

static json_t *delivery_json(const whk_delivery *d)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:o, s:o}", "id", (json_int_t)d->id, "endpoint_id",
                          (json_int_t)d->endpoint_id, "event", whk_event_name(d->event), "msg_id", d->msg_id, "state",
                          whk_state_name(d->state), "attempts", d->attempts, "last_error", d->last_error, "created_at",
                          api_time_json(d->created_at), "updated_at", api_time_json(d->updated_at));
    json_object_set_new(j, "last_status", d->last_status ? json_integer(d->last_status) : json_null());
    json_object_set_new(j, "next_attempt_at", d->state == WHK_PENDING ? api_time_json(d->next_attempt_at) : json_null());
    json_object_set_new(j, "delivered_at", api_time_json(d->delivered_at));
    return j;
}

/* The events array of a body into *mask: 1..WHK_EVENT_COUNT known names.
 * -1 after answering 400. */
static int events_from(api_ctx *c, json_t *arr, unsigned *mask)
{
    *mask = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        enum whk_event ev;
        if (!json_is_string(v) || whk_event_parse(json_string_value(v), &ev) != 0) {
            api_problem(c, 400, "validation", "Invalid request",
                        "events holds event types: reservation.created, reservation.changed, reservation.cancelled, "
                        "invoice.issued, door.alarm, tenant.suspended, tenant.offboarded", "events");
            return -1;
        }
        *mask |= 1u << ev;
    }
    if (!*mask) {
        api_problem(c, 400, "validation", "Invalid request", "events names at least one event type", "events");
        return -1;
    }
    return 0;
}

/* url, description, events and enabled of a validated body over e. -1 after
 * answering 400. */
static int endpoint_from(api_ctx *c, json_t *b, whk_endpoint *e)
{
    char why[120];
    if (jv_has(b, "url")) {
        const char *url = jv_str(b, "url", "");
        if (whs_url_check(url, why, sizeof why) != 0) { api_problem(c, 400, "validation", "Invalid request", why, "url"); return -1; }
        snprintf(e->url, sizeof e->url, "%s", url);
    }
    if (jv_has(b, "description")) {
        const char *d = jv_str(b, "description", "");
        if (d[0] && !lp_text_ok(d, WHK_DESC_MAX)) {
            api_problem(c, 400, "validation", "Invalid request", "description is at most 200 characters of text", "description");
            return -1;
        }
        snprintf(e->description, sizeof e->description, "%s", d);
    }
    if (jv_has(b, "events") && events_from(c, json_object_get(b, "events"), &e->events)) return -1;
    e->enabled = jv_bool(b, "enabled", e->enabled);
    return 0;
}

/* A new secret sealed into sealed; its text into text. 0 or an lp_err. */
static int new_secret(char text[WHS_SECRET_TEXT], uint8_t *sealed, size_t cap, size_t *len)
{
    uint8_t key[WHS_KEY_LEN];
    whs_secret_new(key, text);
    int rc = iss_seal(key, sizeof key, sealed, cap, len);
    sodium_memzero(key, sizeof key);
    return rc == LP_ERR_STATE ? LP_ERR_INTERNAL : rc;
}

static json_t *with_secret(const whk_endpoint *e, const char *secret)
{
    return json_pack("{s:o, s:s}", "webhook", endpoint_json(e), "secret", secret);
}

static const struct jv_field CREATE[] = {
    { "url", JV_STRING, 1, WHK_URL_MAX, 0 }, { "description", JV_STRING, 0, WHK_DESC_MAX, 0 },
    { "events", JV_ARRAY, 1, WHK_EVENT_COUNT * 4, 0 }, { "enabled", JV_BOOL, 0, 0, 0 }, JV_END };

void h_webhook_create(api_ctx *c)
{
    json_t *b = api_body(c, CREATE);
    if (!b) return;
    whk_endpoint e;
    memset(&e, 0, sizeof e);
    e.enabled = 1;
    int bad = endpoint_from(c, b, &e);
    json_decref(b);
    if (bad) return;
    char secret[WHS_SECRET_TEXT];
    uint8_t sealed[WHK_SEALED_MAX];
    size_t len = 0;
    lp_fail f = { 0 };
    int rc = new_secret(secret, sealed, sizeof sealed, &len);
    if (rc == 0) rc = whk_endpoint_add(c->db, &c->actor, &e, sealed, len, &f);
    if (rc == 0) api_reply_json(c, 201, with_secret(&e, secret));
    else api_fail(c, rc, &f);
    sodium_memzero(secret, sizeof secret);
}

void h_webhooks_list(api_ctx *c)
{
    whk_endpoint *arr = NULL;
    size_t n = 0;
    int rc = whk_endpoint_list(c->db, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, endpoint_json(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "webhooks", out));
}

static int load(api_ctx *c, whk_endpoint *e)
{
    int rc = whk_endpoint_get(c->db, c->params[0], e);
    if (rc == LP_ERR_NOTFOUND) api_problem(c, 404, "not-found", "Not found", "no such webhook endpoint", NULL);
    else if (rc) api_fail(c, rc, NULL);
    return rc == 0;
}

void h_webhook_get(api_ctx *c)
{
    whk_endpoint e;
    if (load(c, &e)) api_reply_json(c, 200, endpoint_json(&e));
}

static const struct jv_field PATCH[] = {
    { "url", JV_STRING, 0, WHK_URL_MAX, 0 }, { "description", JV_STRING, 0, WHK_DESC_MAX, 0 },
    { "events", JV_ARRAY, 0, WHK_EVENT_COUNT * 4, 0 }, { "enabled", JV_BOOL, 0, 0, 0 },
    { "version", JV_INT, 0, INT32_MAX, 1 }, JV_END };

void h_webhook_update(api_ctx *c)
{
    whk_endpoint e;
    if (!load(c, &e)) return;
    json_t *b = api_body(c, PATCH);
    if (!b) return;
    int64_t version = jv_int(b, "version", 0);
    int bad = endpoint_from(c, b, &e);
    json_decref(b);
    if (bad) return;
    lp_fail f = { 0 };
    int rc = whk_endpoint_update(c->db, &c->actor, &e, version, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, endpoint_json(&e));
}

void h_webhook_delete(api_ctx *c)
{
    whk_endpoint e;
    if (!load(c, &e)) return;
    int rc = whk_endpoint_delete(c->db, &c->actor, e.id);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}

void h_webhook_rotate(api_ctx *c)
{
    whk_endpoint e;
    if (!load(c, &e)) return;
    char secret[WHS_SECRET_TEXT];
    uint8_t sealed[WHK_SEALED_MAX];
    size_t len = 0;
    int rc = new_secret(secret, sealed, sizeof sealed, &len);
    if (rc == 0) rc = whk_endpoint_secret(c->db, &c->actor, e.id, sealed, len);
    if (rc == 0) rc = whk_endpoint_get(c->db, e.id, &e);
    if (rc == 0) api_reply_json(c, 200, with_secret(&e, secret));
    else api_fail(c, rc, NULL);
    sodium_memzero(secret, sizeof secret);
}

static void reply_delivery(api_ctx *c, int status, int64_t id)
{
    whk_delivery d;
    int rc = whk_delivery_get(c->db, c->params[0], id, &d);
    if (rc) { api_fail(c, rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc, NULL); return; }
    api_reply_json(c, status, delivery_json(&d));
}

void h_webhook_test(api_ctx *c)
{
    whk_endpoint e;
    if (!load(c, &e)) return;
    int64_t id = 0;
    lp_fail f = { 0 };
    int rc = whk_ping(c->db, &c->actor, e.id, &id);
    if (rc == LP_ERR_STATE) lp_failf(&f, rc, "enabled", "the endpoint is disabled; enable it first");
    if (rc) { api_fail(c, rc, &f); return; }
    reply_delivery(c, 202, id);
}

void h_webhook_deliveries(api_ctx *c)
{
    whk_endpoint e;
    api_page pg;
    if (!load(c, &e) || api_page_read(c, 50, 500, 1, &pg)) return;
    whk_delivery *arr = NULL;
    size_t n = 0;
    int rc = whk_delivery_list(c->db, e.id, pg.has_after ? pg.after[0] : 0, (size_t)pg.limit + 1, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++) json_array_append_new(out, delivery_json(&arr[i]));
    json_t *body = json_pack("{s:o}", "deliveries", out);
    int64_t last = shown ? arr[shown - 1].id : 0;
    api_page_finish(c, &pg, body, n > shown ? &last : NULL);
    free(arr);
    api_reply_json(c, 200, body);
}

void h_webhook_retry(api_ctx *c)
{
    whk_endpoint e;
    if (!load(c, &e)) return;
    lp_fail f = { 0 };
    int rc = whk_delivery_retry(c->db, &c->actor, e.id, c->params[1], &f);
    if (rc == LP_ERR_NOTFOUND) { api_problem(c, 404, "not-found", "Not found", "no such delivery", NULL); return; }
    if (rc) { api_fail(c, rc, &f); return; }
    reply_delivery(c, 200, c->params[1]);
}
