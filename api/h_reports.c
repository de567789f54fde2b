/* h_reports.c: the manager's monthly report (staff): per resource and per
 * company, bookings, hours booked and used, no-shows and income; per
 * catalogue item the month's charges, quantity and income; the service
 * requests open now (billing/bill_usage.h), as JSON and as CSV. */
#include "api/handlers.h"
#include "api/csv.h"
#include "api/h_billing.h"
#include "billing/bill_usage.h"
#include "billing/ubl.h"
#include "core/sbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *row_json(const bill_usage_row *r, const char *id_key)
{
    json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "name", r->name, "bookings", (json_int_t)r->bookings,
                          "booked_minutes", (json_int_t)(r->booked_s / 60), "used_minutes", (json_int_t)(r->used_s / 60),
                          "no_shows", (json_int_t)r->no_shows, "income_cents", (json_int_t)r->income_cents);
    if (id_key) json_object_set_new(j, id_key, json_integer(r->id));
    if (!id_key || strcmp(id_key, "resource_id") == 0) {   /* resources and the total: incidents */
        json_object_set_new(j, "incidents_opened", json_integer(r->incidents_opened));
        json_object_set_new(j, "incidents_open", json_integer(r->incidents_open));
    }
    return j;
}

static json_t *items_json(const bill_usage *u)
{
    json_t *a = json_array();
    for (size_t i = 0; i < u->n_items; i++) {
        const bill_usage_item *it = &u->items[i];
        char qty[32];
        ubl_fmt_qty(it->qty_e6, qty);
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "item_id", (json_int_t)it->id,
                                           "code", it->code, "name", it->name, "kind", it->kind, "unit", it->unit,
                                           "charges", (json_int_t)it->charges, "quantity", qty,
                                           "income_cents", (json_int_t)it->income_cents));
    }
    return a;
}

static json_t *open_json(const bill_usage *u)
{
    json_t *a = json_array();
    for (size_t i = 0; i < u->n_open; i++) {
        const bill_usage_request *q = &u->open[i];
        json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)q->id, "tenant_id", (json_int_t)q->tenant_id,
                              "tenant", q->tenant, "item", q->item, "status", q->state);
        json_object_set_new(j, "created_at", api_time_json(q->created_at));
        json_array_append_new(a, j);
    }
    return a;
}

static json_t *rows_json(const bill_usage_row *rows, size_t n, const char *id_key)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, row_json(&rows[i], id_key));
    return a;
}

void h_report_usage(api_ctx *c)
{
    char period[BILL_PERIOD_LEN];
    int64_t from, to;
    if (hb_period_param(c, period, &from, &to)) return;
    bill_usage u;
    int rc = bill_usage_month(c->db, from, to, &u);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "period", period,
                            "resources", rows_json(u.resources, u.n_resources, "resource_id"),
                            "tenants", rows_json(u.tenants, u.n_tenants, "tenant_id"), "total", row_json(&u.total, NULL),
                            "items", items_json(&u), "open_requests", open_json(&u));
    bill_usage_free(&u);
    api_reply_json(c, 200, out);
}

static void csv_int(struct sbuf *b, int64_t v, int last)
{
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)v);
    csv_field(b, n, last);
}

static void csv_row(struct sbuf *b, const char *by, const bill_usage_row *r)
{
    char money[32];
    snprintf(money, sizeof money, "%s%lld.%02lld", r->income_cents < 0 ? "-" : "", llabs(r->income_cents) / 100,
             llabs(r->income_cents) % 100);
    csv_field(b, by, 0);
    csv_int(b, r->id, 0);
    csv_field(b, r->name, 0);
    csv_int(b, r->bookings, 0);
    csv_int(b, r->booked_s / 60, 0);
    csv_int(b, r->used_s / 60, 0);
    csv_int(b, r->no_shows, 0);
    csv_field(b, money, 0);
    csv_int(b, r->incidents_opened, 0);
    csv_int(b, r->incidents_open, 1);
}

void h_report_usage_csv(api_ctx *c)
{
    char period[BILL_PERIOD_LEN], disp[80];
    int64_t from, to;
    if (hb_period_param(c, period, &from, &to)) return;
    bill_usage u;
    int rc = bill_usage_month(c->db, from, to, &u);
    if (rc) { api_fail(c, rc, NULL); return; }
    struct sbuf b = { 0 };
    static const char *const head[] = { "by", "id", "name", "bookings", "booked_minutes", "used_minutes", "no_shows",
                                        "income", "incidents_opened", "incidents_open" };
    for (size_t i = 0; i < 10; i++) csv_field(&b, head[i], i == 9);
    for (size_t i = 0; i < u.n_resources; i++) csv_row(&b, "resource", &u.resources[i]);
    for (size_t i = 0; i < u.n_tenants; i++) csv_row(&b, "company", &u.tenants[i]);
    csv_row(&b, "total", &u.total);
    /* items and open requests in the same columns: booking figures empty; an
     * item's income, a request's state in place of its figures */
    for (size_t i = 0; i < u.n_items; i++) {
        char money[32];
        int64_t cents = u.items[i].income_cents;
        snprintf(money, sizeof money, "%s%lld.%02lld", cents < 0 ? "-" : "", llabs(cents) / 100, llabs(cents) % 100);
        csv_field(&b, "item", 0);
        csv_int(&b, u.items[i].id, 0);
        csv_field(&b, u.items[i].name, 0);
        for (int k = 0; k < 4; k++) csv_field(&b, "", 0);
        csv_field(&b, money, 0);
        csv_field(&b, "", 0);   /* incidents: resources only */
        csv_field(&b, "", 1);
    }
    for (size_t i = 0; i < u.n_open; i++) {
        char name[400];
        snprintf(name, sizeof name, "%s, %s: %s", u.open[i].item, u.open[i].tenant, u.open[i].state);
        csv_field(&b, "open_request", 0);
        csv_int(&b, u.open[i].id, 0);
        csv_field(&b, name, 0);
        for (int k = 0; k < 7; k++) csv_field(&b, "", 0);
        csv_field(&b, "", 1);
    }
    bill_usage_free(&u);
    char *csv = NULL;
    size_t len = 0;
    if (sb_take(&b, &csv, &len)) { api_fail(c, LP_ERR_NOMEM, NULL); return; }
    snprintf(disp, sizeof disp, "attachment; filename=\"usage-%s.csv\"", period);
    api_add_header(c, "Content-Disposition", disp);
    api_reply_raw(c, 200, "text/csv; charset=utf-8; header=present", csv, len);
}
