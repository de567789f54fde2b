/* bill_report.c: what staff and tenants read about charges: the CSV of a
 * period's charges and the running total of a tenant's month. Read-only. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CSV_HEADER[] =
    "charge_id,date,tenant_id,tenant,person_id,reservation_id,resource_id,kind,state,description,reason,"
    "start,end,net,vat_category,vat_rate,invoice\r\n";

static void csv_time(struct sbuf *b, int64_t t)
{
    char buf[LT_RFC3339_LEN];
    lt_format(t, buf);
    bill_csv_raw(b, true, buf);
}

static void csv_row(struct sbuf *b, sqlite3_stmt *st)
{
    char date[BILL_DATE_LEN], pct[32];
    ubl_date_of(sqlite3_column_int64(st, 1), date);
    ubl_fmt_percent(sqlite3_column_int(st, 15), pct);
    bill_csv_int(b, false, sqlite3_column_int64(st, 0));
    bill_csv_raw(b, true, date);
    bill_csv_int(b, true, sqlite3_column_int64(st, 2));
    bill_csv_text(b, true, db_col_text(st, 3));
    for (int i = 4; i <= 6; i++) {
        if (sqlite3_column_type(st, i) == SQLITE_NULL) bill_csv_raw(b, true, "");
        else bill_csv_int(b, true, sqlite3_column_int64(st, i));
    }
    for (int i = 7; i <= 10; i++) bill_csv_text(b, true, db_col_text(st, i));
    csv_time(b, sqlite3_column_int64(st, 11));
    csv_time(b, sqlite3_column_int64(st, 12));
    bill_csv_money(b, true, sqlite3_column_int64(st, 13));
    bill_csv_raw(b, true, db_col_text(st, 14));
    bill_csv_raw(b, true, pct);
    bill_csv_text(b, true, db_col_text(st, 16));
    bill_csv_eol(b);
}

int bill_charges_csv(db_t *db, const bill_charge_filter *q, char **csv, size_t *len)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT c.id, c.at, c.tenant_id, t.name, c.person_id, c.reservation_id, c.resource_id, c.kind, c.state, "
        "c.description, c.reason, c.start, c.end, c.net_cents, c.vat_category, c.vat_rate_bp, "
        "CASE WHEN i.status = 'issued' THEN i.number ELSE '' END "
        "FROM charges c JOIN tenants t ON t.id = c.tenant_id LEFT JOIN invoices i ON i.id = c.invoice_id "
        "WHERE c.at >= ?1 AND c.at < ?2 AND (?3 = 0 OR c.tenant_id = ?3) AND (?4 = 0 OR c.person_id = ?4) "
        "ORDER BY c.at, c.id LIMIT ?5");
    if (!st) return LP_ERR_DB;
    struct sbuf b = { 0 };
    db_bind_int(st, 1, q->from); db_bind_int(st, 2, q->to); db_bind_int(st, 3, q->tenant_id);
    db_bind_int(st, 4, q->person_id); db_bind_int(st, 5, (int64_t)(q->limit ? q->limit : 200000));
    sb_puts(&b, CSV_HEADER);
    int rc = 0;
    while (!b.oom && (rc = db_step(st)) == DB_ROW) csv_row(&b, st);
    sqlite3_reset(st);
    if (rc < 0) { free(b.p); return rc; }
    return sb_take(&b, csv, len);
}

/* Adds the month's charges of the tenant to s and t. */
static int sum_charges(db_t *db, int64_t tenant_id, int64_t from, int64_t to, bill_summary *s,
                       struct bcalc_totals *t)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT state, invoice_id IS NOT NULL, net_cents, vat_category, vat_rate_bp "
                                   "FROM charges WHERE tenant_id = ?1 AND at >= ?2 AND at < ?3");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id); db_bind_int(st, 2, from); db_bind_int(st, 3, to);
    int rc = 0, step;
    while (rc == 0 && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        int64_t net = sqlite3_column_int64(st, 2);
        struct bcalc_vat v;
        s->ncharges++;
        if (sqlite3_column_int(st, 1)) s->invoiced_cents += net;
        enum bill_charge_state state;
        if (bill_charge_state_parse(db_col_text(st, 0), &state) != 0) { rc = LP_ERR_DB; break; }
        switch (state) {
        case BILL_CHARGE_FINAL: s->final_cents += net; break;
        case BILL_CHARGE_PENDING: s->pending_cents += net; break;
        }
        if (bill_vat_parse(db_col_text(st, 3), sqlite3_column_int(st, 4), &v) == 0) rc = bcalc_totals_add(t, net, v);
    }
    sqlite3_reset(st);
    return rc == LP_ERR_TOOBIG ? 0 : rc;
}

/* Adds the recurring fees of the month not charged yet. */
static int sum_recurring(db_t *db, int64_t tenant_id, const char *period, int64_t from, bill_summary *s,
                         struct bcalc_totals *t)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT monthly_cents, vat_category, vat_rate_bp FROM recurring_fees f "
                                   "WHERE tenant_id = ?1 AND from_month <= ?2 AND (until_month IS NULL OR until_month >= ?2) "
                                   "AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.recurring_id = f.id AND c.at = ?3)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id); db_bind_text(st, 2, period); db_bind_int(st, 3, from);
    int rc = 0, step;
    while (rc == 0 && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        struct bcalc_vat v;
        s->recurring_cents += sqlite3_column_int64(st, 0);
        if (bill_vat_parse(db_col_text(st, 1), sqlite3_column_int(st, 2), &v) == 0)
            rc = bcalc_totals_add(t, sqlite3_column_int64(st, 0), v);
    }
    sqlite3_reset(st);
    return rc == LP_ERR_TOOBIG ? 0 : rc;
}

int bill_summary_get(db_t *db, int64_t tenant_id, const char *period, bill_summary *out)
{
    int64_t from, to;
    struct bcalc_totals t;
    if (bill_period_parse(period, &from, &to)) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    bcalc_totals_init(&t);
    int rc = sum_charges(db, tenant_id, from, to, out, &t);
    if (rc == 0) rc = sum_recurring(db, tenant_id, period, from, out, &t);
    if (rc) return rc;
    bcalc_totals_finish(&t);
    out->net_cents = out->final_cents + out->pending_cents + out->recurring_cents;
    out->tax_cents = t.tax_cents;
    out->gross_cents = out->net_cents + t.tax_cents;
    return 0;
}
