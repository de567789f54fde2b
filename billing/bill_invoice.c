/* bill_invoice.c: the monthly invoice run, and issuing and discarding
 * drafts (see billing.h for the guarantees; rows and numbers: bill_docs.c).
 * Each tenant's invoice is made in its own BEGIN IMMEDIATE transaction that
 * first looks for the tenant's invoice of the month (idempotence), then
 * charges the month's recurring fees, collects the settled open charges,
 * checks the document against the e-invoice rules, and only then takes the
 * next number of the series: a refused or failed invoice consumes none. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the run ---- */

struct run_ctx {
    const actor_t *who;
    const site_info *site;
    const char *period;
    int64_t from, to;
    bool draft;
    bill_run_result *res;
};

/* Invoice lines of one charge, named in the document's language. */
static void charge_lines(const bill_charge *c, const struct bill_texts *tx, bill_line *out, size_t *n)
{
    char span[64] = "";
    bool reservation = c->reservation_id != 0;
    if (reservation) bill_span_text(c->start, c->end, span, sizeof span);
    for (size_t k = 0; k < c->nparts; k++) {
        bill_line *l = &out[(*n)++];
        const struct bcalc_part *p = &c->parts[k];
        memset(l, 0, sizeof *l);
        const char *sfx[] = { [BCALC_PART_HOURS] = tx->hours, [BCALC_PART_PEAK] = tx->peak,
                              [BCALC_PART_OFFPEAK] = tx->offpeak, [BCALC_PART_MINIMUM] = tx->minimum,
                              [BCALC_PART_FEE] = "" };
        switch (c->kind) {
        case BILL_CHARGE_USAGE: snprintf(l->name, sizeof l->name, "%.120s%s", c->description, sfx[p->kind]); break;
        case BILL_CHARGE_CANCELLATION: snprintf(l->name, sizeof l->name, tx->cancel, c->description); break;
        case BILL_CHARGE_NO_SHOW: snprintf(l->name, sizeof l->name, tx->noshow, c->description); break;
        case BILL_CHARGE_MEMBERSHIP:
        case BILL_CHARGE_BENCH:
        case BILL_CHARGE_ADJUSTMENT: bill_copy(l->name, sizeof l->name, c->description); break;
        }
        bill_copy(l->description, sizeof l->description, reservation ? span : c->reason);
        ubl_date_of(c->start, l->period_start);
        ubl_date_of(c->end > c->start ? c->end - 1 : c->end, l->period_end);
        l->charge_id = c->id;
        l->hours = p->hours;
        l->qty_e6 = p->qty_e6;
        l->price_cents = p->unit_cents;
        l->net_cents = p->net_cents;
        l->vat = c->vat;
    }
}

/* The tenant's settled charges on no invoice, dated before the month's end. */
static int open_charges(db_t *db, int64_t tenant_id, int64_t to, bill_charge **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM charges WHERE tenant_id = ?1 AND invoice_id IS NULL "
                                   "AND state = 'final' AND at < ?2 ORDER BY at, id LIMIT 3000");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, to);
    int64_t *ids = malloc(3000 * sizeof *ids);
    size_t len = 0;
    if (!ids) { sqlite3_reset(st); return LP_ERR_NOMEM; }
    int rc = 0, step;
    while (len < 3000 && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        ids[len++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    bill_charge *arr = rc ? NULL : calloc(len ? len : 1, sizeof *arr);
    if (rc == 0 && !arr) rc = LP_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < len; i++) rc = bill_charge_get(db, ids[i], &arr[i]);
    free(ids);
    if (rc) { free(arr); return rc; }
    *out = arr;
    *n = len;
    return 0;
}

static const char *buyer_gap(const tnt_tenant *t)
{
    if (!t->street[0] || !t->postal_code[0] || !t->city[0])
        return "the tenant's address (street, postal code, city) is incomplete";
    if (!t->kvk_number[0] && !t->vat_number[0]) return "the tenant has neither a KvK number nor a VAT number";
    return NULL;
}

/* The header of a new invoice: the parties as they are now, period, terms. */
static void invoice_head(const struct run_ctx *x, const tnt_tenant *t, bill_invoice *v)
{
    const site_info *s = x->site;
    memset(v, 0, sizeof *v);
    v->kind = BILL_DOC_INVOICE;
    v->status = BILL_DOC_DRAFT;
    v->tenant_id = t->id;
    bill_copy(v->period, sizeof v->period, x->period);
    bill_copy(v->language, sizeof v->language, strcmp(s->language, "en") ? "nl" : "en");
    ubl_date_of(clk_now(), v->issue_date);
    bill_date_plus(clk_now(), s->payment_terms_days, v->due_date);
    ubl_date_of(x->from, v->period_start);
    ubl_date_of(x->to - 1, v->period_end);
    snprintf(v->payment_terms, sizeof v->payment_terms, bill_texts(v->language)->terms, s->payment_terms_days);
#define C(f, src) bill_copy(v->f, sizeof v->f, src)
    C(seller_name, s->legal_name); C(seller_kvk, s->kvk_number); C(seller_vat, s->vat_number);
    C(seller_street, s->street); C(seller_city, s->city); C(seller_postal, s->postal_code);
    C(seller_country, s->country); C(seller_email, s->email); C(iban, s->iban); C(bic, s->bic);
    C(buyer_name, t->name); C(buyer_kvk, t->kvk_number); C(buyer_vat, t->vat_number); C(buyer_street, t->street);
    C(buyer_city, t->city); C(buyer_postal, t->postal_code); C(buyer_country, t->country);
    C(buyer_email, t->billing_email);
#undef C
    if (t->buyer_reference[0]) bill_copy(v->buyer_reference, sizeof v->buyer_reference, t->buyer_reference);
    else snprintf(v->buyer_reference, sizeof v->buyer_reference, "T-%lld", (long long)t->id);
}

/* Widens the invoice period to its lines and takes the first exemption reason. */
static void invoice_span(bill_invoice *v, const bill_line *lines, size_t n, const bill_charge *cs, size_t nc)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(lines[i].period_start, v->period_start) < 0) bill_copy(v->period_start, BILL_DATE_LEN, lines[i].period_start);
        if (strcmp(lines[i].period_end, v->period_end) > 0) bill_copy(v->period_end, BILL_DATE_LEN, lines[i].period_end);
    }
    for (size_t i = 0; i < nc && !v->exempt_reason[0]; i++)
        if (cs[i].vat.cat == BCALC_VAT_E) bill_copy(v->exempt_reason, sizeof v->exempt_reason, cs[i].exempt_reason);
}

/* Checks the document as it will be exported and stores its totals in v. */
static int attach_charges(db_t *db, int64_t invoice_id, const bill_charge *cs, size_t n)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = db_stmt(db, "UPDATE charges SET invoice_id = ?2 WHERE id = ?1 AND invoice_id IS NULL");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, cs[i].id);
        db_bind_int(st, 2, invoice_id);
        rc = db_exec_stmt(st);
        if (rc == 0 && db_changes(db) != 1) rc = LP_ERR_CONFLICT;
    }
    return rc;
}

static int exists_for_period(db_t *db, int64_t tenant_id, const char *period, bool *found)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM invoices WHERE tenant_id = ?1 AND period = ?2 AND kind = 'invoice'");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_text(st, 2, period);
    int rc = db_get(st);
    *found = rc == 0;
    if (rc == 0) sqlite3_reset(st);
    return rc == LP_ERR_NOTFOUND ? 0 : rc;
}

/* Makes the tenant's invoice inside the open transaction. *made = 0 when
 * there is nothing to write (existing invoice, nothing to bill, skipped). */
static int invoice_tenant(db_t *db, const struct run_ctx *x, int64_t tenant_id, int64_t *made, char *why, size_t whylen)
{
    tnt_tenant t;
    bill_charge *cs = NULL;
    bill_line *lines = NULL;
    bill_invoice v;
    size_t nc = 0, nl = 0;
    bool found = false;
    *made = 0;
    int rc = exists_for_period(db, tenant_id, x->period, &found);
    if (rc || found) { if (found) x->res->nexisting++; return rc; }
    rc = bill_recurring_materialize(db, tenant_id, x->period);
    if (rc == 0) rc = tnt_get(db, tenant_id, &t);
    if (rc == 0) rc = open_charges(db, tenant_id, x->to, &cs, &nc);
    if (rc || nc == 0) goto done;
    const char *gap = buyer_gap(&t);
    if (gap) { snprintf(why, whylen, "%s", gap); goto done; }
    invoice_head(x, &t, &v);
    lines = calloc(nc * BILL_MAX_PARTS, sizeof *lines);
    if (!lines) { rc = LP_ERR_NOMEM; goto done; }
    for (size_t i = 0; i < nc; i++) charge_lines(&cs[i], bill_texts(v.language), lines, &nl);
    invoice_span(&v, lines, nl, cs, nc);
    if (nl == 0 || bill_doc_totals(&v, lines, nl) != 0) {
        snprintf(why, whylen, "the invoice fails the e-invoice rules; check the tenant's KvK, VAT number and address");
        goto done;
    }
    if (v.payable_cents < 0) {   /* a credit is not an invoice: it waits for charges to set it against */
        snprintf(why, whylen, "the open charges add up to a credit of %lld cents; they wait for further charges",
                 (long long)-v.payable_cents);
        goto done;
    }
    rc = bill_invoice_insert(db, x->who, &v);
    if (rc == 0) rc = bill_lines_insert(db, v.id, lines, nl);
    if (rc == 0) rc = attach_charges(db, v.id, cs, nc);
    if (rc == 0 && !x->draft) rc = bill_issue_number(db, v.id);
    if (rc == 0) rc = audit_change(db, x->who, x->draft ? "create" : "issue", "invoice", v.id, BILL_SNAP_INVOICE, NULL);
    if (rc == 0) *made = v.id;
done:
    free(cs);
    free(lines);
    return rc;
}

static int run_one(db_t *db, const struct run_ctx *x, int64_t tenant_id)
{
    char why[200] = "";
    int64_t made = 0;
    bill_run_result *r = x->res;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = invoice_tenant(db, x, tenant_id, &made, why, sizeof why);
    if (rc == 0 && made) rc = db_commit(db);
    if (rc || !made) db_rollback(db);
    if (rc) return rc;
    if (made) {
        int64_t *nc = realloc(r->created, (r->ncreated + 1) * sizeof *nc);
        if (!nc) return LP_ERR_NOMEM;
        r->created = nc;
        r->created[r->ncreated++] = made;
    } else if (why[0]) {
        bill_run_skip *ns = realloc(r->skipped, (r->nskipped + 1) * sizeof *ns);
        if (!ns) return LP_ERR_NOMEM;
        r->skipped = ns;
        r->skipped[r->nskipped] = (bill_run_skip){ .tenant_id = tenant_id };
        bill_copy(r->skipped[r->nskipped++].reason, sizeof ns->reason, why);
    }
    return 0;
}

/* Tenants with something to bill: settled open charges before the month's
 * end, or recurring fees running in the last year up to the month. */
static int candidates(db_t *db, const char *period, int64_t to, int64_t only, int64_t **ids, size_t *n)
{
    char year_ago[BILL_PERIOD_LEN];
    bill_month_step(period, -12, year_ago);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT tenant_id FROM charges WHERE invoice_id IS NULL AND state = 'final' AND at < ?1 "
        "AND (?3 = 0 OR tenant_id = ?3) UNION SELECT tenant_id FROM recurring_fees WHERE from_month <= ?2 "
        "AND (until_month IS NULL OR until_month >= ?4) AND (?3 = 0 OR tenant_id = ?3) ORDER BY 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, to); db_bind_text(st, 2, period); db_bind_int(st, 3, only); db_bind_text(st, 4, year_ago);
    size_t len = 0, cap = 64;
    int64_t *arr = malloc(cap * sizeof *arr);
    int rc = arr ? 0 : LP_ERR_NOMEM, step;
    while (rc == 0 && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        if (len == cap) {
            int64_t *na = realloc(arr, 2 * cap * sizeof *arr);
            if (!na) { rc = LP_ERR_NOMEM; break; }
            arr = na;
            cap *= 2;
        }
        arr[len++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc) { free(arr); return rc; }
    *ids = arr;
    *n = len;
    return 0;
}

int bill_run(db_t *db, const actor_t *who, const char *period, const bill_run_opts *o, bill_run_result *res,
             lp_fail *f)
{
    site_info site;
    int64_t from, to, *ids = NULL;
    size_t n = 0;
    memset(res, 0, sizeof *res);
    if (bill_period_parse(period, &from, &to))
        return lp_failf(f, LP_ERR_INVALID, "period", "period must be a month like 2026-11");
    if (to > clk_now())
        return lp_failf(f, LP_ERR_RULE, "period", "a month is invoiced after it has ended");
    int rc = bill_site_ready(db, &site, f);
    if (rc) return rc;
    bill_copy(res->period, sizeof res->period, period);
    struct run_ctx x = { who, &site, period, from, to, o && o->draft, res };
    rc = candidates(db, period, to, o ? o->tenant_id : 0, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = run_one(db, &x, ids[i]);
    free(ids);
    return rc;
}

void bill_run_result_free(bill_run_result *res)
{
    if (!res) return;
    free(res->created);
    free(res->skipped);
    res->created = NULL;
    res->skipped = NULL;
}

/* ---- drafts ---- */

struct doc_args { const actor_t *who; int64_t id; lp_fail *f; };

static int do_issue(db_t *db, void *arg)
{
    struct doc_args *a = arg;
    bill_invoice v;
    bill_line *lines = NULL;
    size_t n = 0;
    int rc = bill_invoice_get(db, a->id, &v);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "id", "no such invoice");
    if (rc) return rc;
    if (v.status != BILL_DOC_DRAFT) return lp_failf(a->f, LP_ERR_STATE, "status", "the invoice is issued already");
    rc = bill_invoice_lines(db, a->id, &lines, &n);
    if (rc == 0 && bill_doc_totals(&v, lines, n) != 0)
        rc = lp_failf(a->f, LP_ERR_RULE, "invoice", "the draft fails the e-invoice rules");
    if (rc == 0) rc = bill_issue_number(db, a->id);
    if (rc == 0) rc = audit_change(db, a->who, "issue", "invoice", a->id, BILL_SNAP_INVOICE, NULL);
    free(lines);
    return rc;
}

int bill_issue(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct doc_args a = { who, id, f };
    return db_in_tx(db, do_issue, &a);
}

static int do_discard(db_t *db, void *arg)
{
    static const char *const SQL[] = { "UPDATE charges SET invoice_id = NULL WHERE invoice_id = ?1",
                                       "DELETE FROM invoice_lines WHERE invoice_id = ?1",
                                       "DELETE FROM invoices WHERE id = ?1 AND status = 'draft'" };
    struct doc_args *a = arg;
    bill_invoice v;
    char *before = NULL;
    int rc = bill_invoice_get(db, a->id, &v);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "id", "no such invoice");
    if (rc) return rc;
    if (v.status != BILL_DOC_DRAFT)
        return lp_failf(a->f, LP_ERR_STATE, "status", "an issued invoice is kept; correct it with a credit note");
    rc = audit_snapshot(db, BILL_SNAP_INVOICE, a->id, &before);
    for (size_t i = 0; rc == 0 && i < sizeof SQL / sizeof SQL[0]; i++) {
        sqlite3_stmt *st = db_stmt(db, SQL[i]);
        if (!st) { rc = LP_ERR_DB; break; }
        db_bind_int(st, 1, a->id);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_add(db, a->who, "discard", "invoice", a->id, before, NULL);
    free(before);
    return rc;
}

int bill_discard(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct doc_args a = { who, id, f };
    return db_in_tx(db, do_discard, &a);
}
