/* h_system.c: health, metrics, the OpenAPI document, the audit log and the
 * site's settings. */
#include "api/handlers.h"
#include "api/metrics.h"
#include "api/page.h"
#include "booking/site.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char api_openapi_json[];

void h_healthz(api_ctx *c)
{
    if (db_check(c->db) != 0) {
        api_problem(c, 503, "unhealthy", "Unhealthy", "the database does not answer", NULL);
        return;
    }
    api_reply_json(c, 200, json_pack("{s:s, s:i}", "status", "ok", "schema_version", db_version(c->db)));
}

void h_metrics(api_ctx *c)
{
    char *body = metrics_render(c->db);
    if (!body) { api_fail(c, LP_ERR_NOMEM, NULL); return; }
    api_reply_raw(c, 200, "text/plain; version=0.0.4; charset=utf-8", body, strlen(body));
}

void h_openapi(api_ctx *c)
{
    char *body = strdup(api_openapi_json);
    if (!body) { api_fail(c, LP_ERR_NOMEM, NULL); return; }
    api_add_header(c, "Cache-Control", "max-age=60");
    api_reply_raw(c, 200, "application/json", body, strlen(body));
}

void h_audit_list(api_ctx *c)
{
    int64_t oid, before;
    const char *otype = api_query(c, "object_type");
    api_page pg;
    if (api_query_int(c, "object_id", 0, 0, INT64_MAX / 2, &oid) ||
        api_query_int(c, "before_id", 0, 0, INT64_MAX / 2, &before) || api_page_read(c, 100, 1000, 1, &pg))
        return;
    if (otype && !lp_text_ok(otype, 40)) {
        api_problem(c, 400, "validation", "Invalid request", "object_type is not valid", "object_type");
        return;
    }
    audit_filter q = { otype, oid, pg.has_after ? pg.after[0] : before, pg.limit + 1 };
    audit_entry *e = NULL;
    size_t n = 0;
    int rc = audit_list(c->db, &q, &e, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *arr = json_array();
    for (size_t i = 0; i < shown; i++) {
        json_t *j = json_pack("{s:I, s:o, s:s, s:s, s:s, s:I}", "id", (json_int_t)e[i].id,
                              "at", api_time_json(e[i].at), "actor", e[i].actor, "action", e[i].action,
                              "object_type", e[i].object_type, "object_id", (json_int_t)e[i].object_id);
        json_t *was = json_loads(e[i].before, JSON_DECODE_ANY, NULL);
        json_t *now = json_loads(e[i].after, JSON_DECODE_ANY, NULL);
        json_object_set_new(j, "before", was ? was : json_null());
        json_object_set_new(j, "after", now ? now : json_null());
        json_array_append_new(arr, j);
    }
    json_t *body = json_pack("{s:o}", "entries", arr);
    int64_t last = shown ? e[shown - 1].id : 0;
    api_page_finish(c, &pg, body, n > shown ? &last : NULL);
    audit_free(e, n);
    api_reply_json(c, 200, body);
}

static json_t *json_site(const site_info *s)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
        "name", s->name, "timezone", s->timezone, "currency", s->currency, "language", s->language,
        "legal_name", s->legal_name, "kvk_number", s->kvk_number, "vat_number", s->vat_number,
        "iban", s->iban, "bic", s->bic, "street", s->street, "postal_code", s->postal_code,
        "city", s->city, "country", s->country, "email", s->email,
        "payment_terms_days", s->payment_terms_days);
}

void h_site_get(api_ctx *c)
{
    site_info s;
    int rc = site_get(c->db, &s);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_site(&s));
}

static const struct jv_field SITE_FIELDS[] = {
    { "name", JV_STRING, 0, 200, 0 }, { "language", JV_STRING, 0, 2, 0 },
    { "legal_name", JV_STRING, 0, 200, 0 }, { "kvk_number", JV_STRING, 0, 8, 0 },
    { "vat_number", JV_STRING, 0, 15, 0 }, { "iban", JV_STRING, 0, 34, 0 }, { "bic", JV_STRING, 0, 11, 0 },
    { "street", JV_STRING, 0, 200, 0 }, { "postal_code", JV_STRING, 0, 16, 0 },
    { "city", JV_STRING, 0, 100, 0 }, { "country", JV_STRING, 0, 2, 0 }, { "email", JV_STRING, 0, 254, 0 },
    { "payment_terms_days", JV_INT, 0, 120, 0 }, JV_END };

void h_site_update(api_ctx *c)
{
    site_info s;
    int rc = site_get(c->db, &s);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *b = api_body(c, SITE_FIELDS);
    if (!b) return;
    jv_copy(b, "name", s.name, sizeof s.name);
    jv_copy(b, "language", s.language, sizeof s.language);
    jv_copy(b, "legal_name", s.legal_name, sizeof s.legal_name);
    jv_copy(b, "kvk_number", s.kvk_number, sizeof s.kvk_number);
    jv_copy(b, "vat_number", s.vat_number, sizeof s.vat_number);
    jv_copy(b, "iban", s.iban, sizeof s.iban);
    jv_copy(b, "bic", s.bic, sizeof s.bic);
    jv_copy(b, "street", s.street, sizeof s.street);
    jv_copy(b, "postal_code", s.postal_code, sizeof s.postal_code);
    jv_copy(b, "city", s.city, sizeof s.city);
    jv_copy(b, "country", s.country, sizeof s.country);
    jv_copy(b, "email", s.email, sizeof s.email);
    s.payment_terms_days = (int)jv_int(b, "payment_terms_days", s.payment_terms_days);
    json_decref(b);
    lp_fail f = { 0 };
    rc = site_save(c->db, &c->actor, &s, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_site(&s));
}
