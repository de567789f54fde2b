/* bill_usage.c: the manager's month per resource and per company
 * (bill_usage.h), each figure one SQL aggregate over the month's bookings and
 * charges, in one read transaction. */
#include "billing/bill_usage.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bookings that hold or held their time: not requested, cancelled or rejected. */
#define HELD "v.status IN ('confirmed','checked_in','completed','no_show')"
/* The part of [a, b) inside the month [?1, ?2). */
#define INSIDE(a, b) "max(0, min(" b ", ?2) - max(" a ", ?1))"
#define USED_END "COALESCE(v.checked_out_at, v.end)"

static const char SQL_RESOURCES[] =
    "SELECT x.id, x.name, "
    "(SELECT count(*) FROM reservations v WHERE v.resource_id = x.id AND " HELD " AND v.start < ?2 AND v.end > ?1), "
    "(SELECT COALESCE(sum(" INSIDE("v.start", "v.end") "), 0) FROM reservations v "
    "  WHERE v.resource_id = x.id AND " HELD " AND v.start < ?2 AND v.end > ?1), "
    "(SELECT COALESCE(sum(" INSIDE("v.checked_in_at", USED_END) "), 0) FROM reservations v "
    "  WHERE v.resource_id = x.id AND v.checked_in_at IS NOT NULL AND v.checked_in_at < ?2 AND " USED_END " > ?1), "
    "(SELECT count(*) FROM reservations v WHERE v.resource_id = x.id AND v.status = 'no_show' AND v.start >= ?1 AND v.start < ?2), "
    "(SELECT COALESCE(sum(c.net_cents), 0) FROM charges c WHERE c.resource_id = x.id AND c.at >= ?1 AND c.at < ?2), "
    "(SELECT count(*) FROM incidents i WHERE i.resource_id = x.id AND i.created_at >= ?1 AND i.created_at < ?2), "
    "(SELECT count(*) FROM incidents i WHERE i.resource_id = x.id AND i.created_at < ?2 "
    "  AND (i.resolved_at IS NULL OR i.resolved_at >= ?2)) "
    "FROM resources x ORDER BY x.name, x.id";

static const char SQL_TENANTS[] =
    "SELECT x.id, x.name, "
    "(SELECT count(*) FROM reservations v WHERE v.tenant_id = x.id AND " HELD " AND v.start < ?2 AND v.end > ?1), "
    "(SELECT COALESCE(sum(" INSIDE("v.start", "v.end") "), 0) FROM reservations v "
    "  WHERE v.tenant_id = x.id AND " HELD " AND v.start < ?2 AND v.end > ?1), "
    "(SELECT COALESCE(sum(" INSIDE("v.checked_in_at", USED_END) "), 0) FROM reservations v "
    "  WHERE v.tenant_id = x.id AND v.checked_in_at IS NOT NULL AND v.checked_in_at < ?2 AND " USED_END " > ?1), "
    "(SELECT count(*) FROM reservations v WHERE v.tenant_id = x.id AND v.status = 'no_show' AND v.start >= ?1 AND v.start < ?2), "
    "(SELECT COALESCE(sum(c.net_cents), 0) FROM charges c WHERE c.tenant_id = x.id AND c.at >= ?1 AND c.at < ?2), "
    "0, 0 FROM tenants x ORDER BY x.name, x.id";

static const char SQL_ITEMS[] =
    "SELECT i.id, i.code, i.name, i.kind, i.unit, count(*), COALESCE(sum(p.qty_e6), 0), COALESCE(sum(c.net_cents), 0) "
    "FROM charges c JOIN catalogue_items i ON i.id = c.item_id "
    "LEFT JOIN charge_parts p ON p.charge_id = c.id AND p.pos = 1 "
    "WHERE c.item_id IS NOT NULL AND c.at >= ?1 AND c.at < ?2 GROUP BY i.id ORDER BY i.name, i.id";

static const char SQL_OPEN[] =
    "SELECT r.id, r.tenant_id, t.name, i.name, r.state, r.created_at FROM service_requests r "
    "JOIN tenants t ON t.id = r.tenant_id JOIN catalogue_items i ON i.id = r.item_id "
    "WHERE r.state IN ('requested','quoted','accepted','in_progress') AND ?1 <= ?2 ORDER BY r.id LIMIT 1000";

static int item_row(sqlite3_stmt *st, void *p)
{
    bill_usage_item *r = p;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    snprintf(r->code, sizeof r->code, "%s", db_col_text(st, 1));
    snprintf(r->name, sizeof r->name, "%s", db_col_text(st, 2));
    snprintf(r->kind, sizeof r->kind, "%s", db_col_text(st, 3));
    snprintf(r->unit, sizeof r->unit, "%s", db_col_text(st, 4));
    r->charges = sqlite3_column_int64(st, 5);
    r->qty_e6 = sqlite3_column_int64(st, 6);
    r->income_cents = sqlite3_column_int64(st, 7);
    return 0;
}

static int open_row(sqlite3_stmt *st, void *p)
{
    bill_usage_request *r = p;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->tenant_id = sqlite3_column_int64(st, 1);
    snprintf(r->tenant, sizeof r->tenant, "%s", db_col_text(st, 2));
    snprintf(r->item, sizeof r->item, "%s", db_col_text(st, 3));
    snprintf(r->state, sizeof r->state, "%s", db_col_text(st, 4));
    r->created_at = sqlite3_column_int64(st, 5);
    return 0;
}

static int collect(db_t *db, const char *sql, int64_t from, int64_t to, size_t size,
                   int (*row)(sqlite3_stmt *, void *), void **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, from);
    db_bind_int(st, 2, to);
    return db_collect(st, size, row, out, n);
}

static int usage_row(sqlite3_stmt *st, void *p)
{
    bill_usage_row *r = p;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    snprintf(r->name, sizeof r->name, "%s", db_col_text(st, 1));
    r->bookings = sqlite3_column_int64(st, 2);
    r->booked_s = sqlite3_column_int64(st, 3);
    r->used_s = sqlite3_column_int64(st, 4);
    r->no_shows = sqlite3_column_int64(st, 5);
    r->income_cents = sqlite3_column_int64(st, 6);
    r->incidents_opened = sqlite3_column_int64(st, 7);
    r->incidents_open = sqlite3_column_int64(st, 8);
    return 0;
}

static int empty(const bill_usage_row *r)
{
    return !r->bookings && !r->booked_s && !r->used_s && !r->no_shows && !r->income_cents && !r->incidents_opened &&
           !r->incidents_open;
}

/* Runs sql over the month, keeping the rows with something in them. */
static int rows(db_t *db, const char *sql, int64_t from, int64_t to, bill_usage_row **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, from);
    db_bind_int(st, 2, to);
    int rc = db_collect(st, sizeof **out, usage_row, (void **)out, n);
    size_t k = 0;
    for (size_t i = 0; rc == 0 && i < *n; i++)
        if (!empty(&(*out)[i])) (*out)[k++] = (*out)[i];
    if (rc == 0) *n = k;
    return rc;
}

static int read_month(db_t *db, void *arg)
{
    bill_usage *u = arg;
    int rc = rows(db, SQL_RESOURCES, u->from, u->to, &u->resources, &u->n_resources);
    if (rc == 0) rc = rows(db, SQL_TENANTS, u->from, u->to, &u->tenants, &u->n_tenants);
    if (rc == 0) rc = collect(db, SQL_ITEMS, u->from, u->to, sizeof *u->items, item_row, (void **)&u->items, &u->n_items);
    if (rc == 0) rc = collect(db, SQL_OPEN, u->from, u->to, sizeof *u->open, open_row, (void **)&u->open, &u->n_open);
    return rc;
}

int bill_usage_month(db_t *db, int64_t from, int64_t to, bill_usage *out)
{
    memset(out, 0, sizeof *out);
    if (from >= to) return LP_ERR_INVALID;
    out->from = from;
    out->to = to;
    int rc = db_in_tx(db, read_month, out);
    if (rc) { bill_usage_free(out); return rc; }
    snprintf(out->total.name, sizeof out->total.name, "total");
    for (size_t i = 0; i < out->n_tenants; i++) {   /* every booking and charge has a tenant */
        const bill_usage_row *r = &out->tenants[i];
        out->total.bookings += r->bookings;
        out->total.booked_s += r->booked_s;
        out->total.used_s += r->used_s;
        out->total.no_shows += r->no_shows;
        out->total.income_cents += r->income_cents;
    }
    for (size_t i = 0; i < out->n_resources; i++) {   /* incidents are about resources */
        out->total.incidents_opened += out->resources[i].incidents_opened;
        out->total.incidents_open += out->resources[i].incidents_open;
    }
    return 0;
}

void bill_usage_free(bill_usage *u)
{
    if (!u) return;
    free(u->resources);
    free(u->tenants);
    free(u->items);
    free(u->open);
    u->resources = u->tenants = NULL;
    u->items = NULL;
    u->open = NULL;
    u->n_resources = u->n_tenants = u->n_items = u->n_open = 0;
}
