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
    int64_t project;    /* the project whose charges this invoice takes (0: those without one); -1: all */
};

/* Invoice lines of one charge, named in the document's language. */
static void charge_lines(const bill_charge *c, const char *lang, bill_line *out, size_t *n)
{
    const struct bill_texts *tx = bill_texts(lang);
    char span[96] = "";
    bool reservation = c->reservation_id != 0, recurring = c->recurring_id != 0;
    if (reservation) bill_span_text(c->start, c->end, lang, span, sizeof span);
    else if (recurring && c->end > c->start) bill_month_text(c->start, lang, span, sizeof span);
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
        case BILL_CHARGE_ADJUSTMENT:
        case BILL_CHARGE_SERVICE:
        case BILL_CHARGE_CONSUMABLE: bill_copy(l->name, sizeof l->name, c->description); break;
        }
        bill_copy(l->description, sizeof l->description, reservation || recurring ? span : c->reason);
        ubl_date_of(c->start, l->period_start);
        ubl_date_of(c->end > c->start ? c->end - 1 : c->end, l->period_end);
        l->charge_id = c->id;
        l->unit = p->unit;
        l->qty_e6 = p->qty_e6;
        l->price_cents = p->unit_cents;
        l->net_cents = p->net_cents;
        l->vat = c->vat;
        l->project_id = c->project_id;
        bill_copy(l->project, sizeof l->project, c->project);
    }
}

/* The tenant's settled charges on no invoice, dated before the month's end,
 * except those held back from this month's draft (held_until after period),
 * of one project (project >= 0, 0: none) or all (-1); grouped by project
 * (those without one first, then by project code), each group by date.
 * Every one of them: an invoice never leaves a charge out silently. */
static int open_charges(db_t *db, int64_t tenant_id, int64_t to, const char *period, int64_t project,
                        bill_charge **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT c.id FROM charges c LEFT JOIN projects p ON p.id = c.project_id "
                                   "WHERE c.tenant_id = ?1 AND c.invoice_id IS NULL AND c.state = 'final' AND c.at < ?2 "
                                   "AND (c.held_until IS NULL OR c.held_until <= ?3) "
                                   "AND (?4 < 0 OR COALESCE(c.project_id, 0) = ?4) "
                                   "ORDER BY COALESCE(p.code, ''), COALESCE(c.project_id, 0), c.at, c.id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_int(st, 2, to);
    db_bind_text(st, 3, period);
    db_bind_int(st, 4, project);
    size_t len = 0, cap = 64;
    int64_t *ids = malloc(cap * sizeof *ids);
    if (!ids) { sqlite3_reset(st); return LP_ERR_NOMEM; }
    int rc = 0, step;
    while ((step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        if (len == cap) {
            int64_t *na = realloc(ids, 2 * cap * sizeof *ids);
            if (!na) { rc = LP_ERR_NOMEM; break; }
            ids = na;
            cap *= 2;
        }
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
    const char *lang = t->language[0] ? t->language : s->language;   /* the tenant's, else the site's */
    bill_copy(v->language, sizeof v->language, strcmp(lang, "en") ? "nl" : "en");
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

/* The project and purchase order of an invoice: one project's invoice is
 * for it; any invoice whose charges share one purchase order number carries
 * it (UBL has room for one OrderReference). */
static void invoice_order(const struct run_ctx *x, bill_invoice *v, const bill_charge *cs, size_t nc)
{
    v->project_id = x->project > 0 ? x->project : 0;
    v->po_number[0] = '\0';
    for (size_t i = 0; i < nc; i++)
        if (strcmp(cs[i].project_po, cs[0].project_po)) return;
    if (nc) bill_copy(v->po_number, sizeof v->po_number, cs[0].project_po);
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

/* Puts charges on an invoice (they must be on none). */
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

/* The tenant's invoice of the period for project (0 or -1: the one for no
 * single project), if any: its id and status. */
static int find_for_period(db_t *db, int64_t tenant_id, const char *period, int64_t project, int64_t *id,
                           enum bill_doc_status *status)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, status FROM invoices WHERE tenant_id = ?1 AND period = ?2 AND kind = 'invoice' "
                                   "AND COALESCE(project_id, 0) = ?3");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    db_bind_text(st, 2, period);
    db_bind_int(st, 3, project > 0 ? project : 0);
    *id = 0;
    int rc = db_get(st);
    if (rc == 0) {
        *id = sqlite3_column_int64(st, 0);
        rc = bill_doc_status_parse(db_col_text(st, 1), status) ? LP_ERR_DB : 0;
        sqlite3_reset(st);
    }
    return rc == LP_ERR_NOTFOUND ? 0 : rc;
}

/* Runs one statement with the invoice id as ?1. */
static int exec_id(db_t *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    return db_exec_stmt(st);
}

/* The lines of charges cs in v's language, v's period widened to them, the
 * document checked and its totals in v. *why says why it cannot be an
 * invoice (then *lines is freed and NULL). */
static int make_lines(bill_invoice *v, const bill_charge *cs, size_t nc, bill_line **lines, size_t *nl,
                      char *why, size_t whylen)
{
    bill_line *ls = calloc(nc ? nc * BILL_MAX_PARTS : 1, sizeof *ls);
    size_t n = 0;
    if (!ls) return LP_ERR_NOMEM;
    for (size_t i = 0; i < nc; i++) charge_lines(&cs[i], v->language, ls, &n);
    if (n > UBL_MAX_LINES)   /* said, never cut: staff hold charges back or adjust */
        snprintf(why, whylen, "%zu open charges make %zu invoice lines, more than the %d an invoice may have",
                 nc, n, UBL_MAX_LINES);
    else {
        invoice_span(v, ls, n, cs, nc);
        if (n == 0 || bill_doc_totals(v, ls, n) != 0)
            snprintf(why, whylen, "the invoice fails the e-invoice rules; check the tenant's KvK, VAT number and address");
        else if (v->payable_cents < 0)   /* a credit is not an invoice: it waits for charges to set it against */
            snprintf(why, whylen, "the open charges add up to a credit of %lld cents; they wait for further charges",
                     (long long)-v->payable_cents);
    }
    if (why[0]) { free(ls); ls = NULL; n = 0; }
    *lines = ls;
    *nl = n;
    return 0;
}

/* Rewrites a draft's header and totals from v (its lines are written apart). */
static int update_draft(db_t *db, const bill_invoice *v)
{
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE invoices SET issue_date = ?2, due_date = ?3, period_start = ?4, period_end = ?5, language = ?6, "
        "seller_name = ?7, seller_kvk = ?8, seller_vat = ?9, seller_street = ?10, seller_city = ?11, "
        "seller_postal = ?12, seller_country = ?13, seller_email = ?14, iban = ?15, bic = ?16, buyer_name = ?17, "
        "buyer_kvk = ?18, buyer_vat = ?19, buyer_street = ?20, buyer_city = ?21, buyer_postal = ?22, "
        "buyer_country = ?23, buyer_email = ?24, buyer_reference = ?25, payment_terms = ?26, exempt_reason = ?27, "
        "line_ext_cents = ?28, tax_cents = ?29, payable_cents = ?30, po_number = ?31 WHERE id = ?1 AND status = 'draft'");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, v->id);
    const char *t[] = { v->issue_date, v->due_date, v->period_start, v->period_end, v->language, v->seller_name,
                        v->seller_kvk, v->seller_vat, v->seller_street, v->seller_city, v->seller_postal,
                        v->seller_country, v->seller_email, v->iban, v->bic, v->buyer_name, v->buyer_kvk,
                        v->buyer_vat, v->buyer_street, v->buyer_city, v->buyer_postal, v->buyer_country,
                        v->buyer_email, v->buyer_reference, v->payment_terms, v->exempt_reason };
    for (int i = 0; i < (int)(sizeof t / sizeof t[0]); i++) db_bind_text(st, 2 + i, t[i]);
    db_bind_int(st, 28, v->line_ext_cents); db_bind_int(st, 29, v->tax_cents); db_bind_int(st, 30, v->payable_cents);
    db_bind_text(st, 31, v->po_number);
    int rc = db_exec_stmt(st);
    return rc == 0 && db_changes(db) != 1 ? LP_ERR_STATE : rc;
}

enum outcome { OUT_NONE = 0, OUT_CREATED, OUT_REFRESHED, OUT_REMOVED };

/* Makes the tenant's invoice inside the open transaction. A draft run
 * rebuilds the tenant's draft of the month (refresh): its charges are
 * released and the open charges collected again (held ones stay out), with
 * the parties as they are now; a draft left with nothing to bill is removed.
 * OUT_NONE when there is nothing to write (an invoice exists, nothing to
 * bill, or *why says why not). */
static int invoice_tenant(db_t *db, const struct run_ctx *x, int64_t tenant_id, int64_t *made, enum outcome *out,
                          char *why, size_t whylen)
{
    tnt_tenant t;
    bill_charge *cs = NULL;
    bill_line *lines = NULL;
    bill_invoice v;
    size_t nc = 0, nl = 0;
    int64_t draft_id = 0;
    enum bill_doc_status status = BILL_DOC_DRAFT;
    char *before = NULL;
    *made = 0;
    *out = OUT_NONE;
    int rc = find_for_period(db, tenant_id, x->period, x->project, &draft_id, &status);
    if (rc) return rc;
    if (draft_id && !(x->draft && status == BILL_DOC_DRAFT)) { x->res->nexisting++; return 0; }
    rc = bill_recurring_materialize(db, tenant_id, x->period);
    if (rc == 0) rc = tnt_get(db, tenant_id, &t);
    if (rc == 0 && draft_id) {
        rc = audit_snapshot(db, BILL_SNAP_INVOICE, draft_id, &before);
        if (rc == 0) rc = exec_id(db, "UPDATE charges SET invoice_id = NULL WHERE invoice_id = ?1", draft_id);
        if (rc == 0) rc = exec_id(db, "DELETE FROM invoice_lines WHERE invoice_id = ?1", draft_id);
    }
    if (rc == 0) rc = open_charges(db, tenant_id, x->to, x->period, x->project, &cs, &nc);
    if (rc) goto done;
    if (nc == 0) {
        if (!draft_id) goto done;
        rc = exec_id(db, "DELETE FROM invoices WHERE id = ?1 AND status = 'draft'", draft_id);
        if (rc == 0) rc = audit_add(db, x->who, "discard", "invoice", draft_id, before, NULL);
        if (rc == 0) { *made = draft_id; *out = OUT_REMOVED; }
        goto done;
    }
    const char *gap = buyer_gap(&t);
    if (gap) { snprintf(why, whylen, "%s", gap); goto done; }
    invoice_head(x, &t, &v);
    invoice_order(x, &v, cs, nc);
    rc = make_lines(&v, cs, nc, &lines, &nl, why, whylen);
    if (rc || why[0]) goto done;
    if (draft_id) {
        v.id = draft_id;
        rc = update_draft(db, &v);
    } else {
        rc = bill_invoice_insert(db, x->who, &v);
    }
    if (rc == 0) rc = bill_lines_insert(db, v.id, lines, nl);
    if (rc == 0) rc = attach_charges(db, v.id, cs, nc);
    if (rc == 0 && !x->draft) rc = bill_issue_number(db, v.id);
    if (rc == 0 && draft_id) rc = audit_change(db, x->who, "refresh", "invoice", v.id, BILL_SNAP_INVOICE, before);
    else if (rc == 0) rc = audit_change(db, x->who, x->draft ? "create" : "issue", "invoice", v.id, BILL_SNAP_INVOICE, NULL);
    if (rc == 0) { *made = v.id; *out = draft_id ? OUT_REFRESHED : OUT_CREATED; }
done:
    free(before);
    free(cs);
    free(lines);
    return rc;
}

static int push_id(int64_t **arr, size_t *n, int64_t id)
{
    int64_t *na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!na) return LP_ERR_NOMEM;
    *arr = na;
    na[(*n)++] = id;
    return 0;
}

static int run_key(db_t *db, const struct run_ctx *x, int64_t tenant_id)
{
    char why[200] = "";
    int64_t made = 0;
    enum outcome out = OUT_NONE;
    bill_run_result *r = x->res;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = invoice_tenant(db, x, tenant_id, &made, &out, why, sizeof why);
    if (rc == 0 && out != OUT_NONE) rc = db_commit(db);
    if (rc || out == OUT_NONE) db_rollback(db);
    if (rc) return rc;
    switch (out) {
    case OUT_CREATED: return push_id(&r->created, &r->ncreated, made);
    case OUT_REFRESHED: return push_id(&r->refreshed, &r->nrefreshed, made);
    case OUT_REMOVED: r->nremoved++; return 0;
    case OUT_NONE: break;
    }
    if (why[0]) {
        bill_run_skip *ns = realloc(r->skipped, (r->nskipped + 1) * sizeof *ns);
        if (!ns) return LP_ERR_NOMEM;
        r->skipped = ns;
        r->skipped[r->nskipped] = (bill_run_skip){ .tenant_id = tenant_id };
        bill_copy(r->skipped[r->nskipped++].reason, sizeof ns->reason, why);
    }
    return 0;
}

/* A tenant is invoiced per project when it requires purchase orders, or
 * when its open charges (or this month's drafts) carry more than one
 * purchase order number: UBL has room for one OrderReference per document.
 * The keys: the projects to invoice (0: charges without one), or just -1
 * for one invoice of everything. */
static int invoice_keys(db_t *db, const struct run_ctx *x, int64_t tenant_id, int64_t **keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = bill_recurring_materialize(db, tenant_id, x->period);   /* their charges are part of the picture */
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "SELECT (SELECT require_po FROM tenants WHERE id = ?1) OR (SELECT count(DISTINCT p.po_number) FROM charges c "
        "JOIN projects p ON p.id = c.project_id WHERE c.tenant_id = ?1 AND c.invoice_id IS NULL AND c.state = 'final' "
        "AND c.at < ?2 AND p.po_number <> '') > 1 OR EXISTS (SELECT 1 FROM invoices WHERE tenant_id = ?1 AND "
        "period = ?3 AND kind = 'invoice' AND project_id IS NOT NULL)");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    int split = 0;
    if (rc == 0) {
        db_bind_int(st, 1, tenant_id); db_bind_int(st, 2, x->to); db_bind_text(st, 3, x->period);
        rc = db_get(st);
        if (rc == 0) { split = sqlite3_column_int(st, 0); sqlite3_reset(st); }
    }
    sqlite3_stmt *ks = rc || !split ? NULL : db_stmt(db,
        "SELECT DISTINCT COALESCE(project_id, 0) FROM charges WHERE tenant_id = ?1 AND invoice_id IS NULL AND "
        "state = 'final' AND at < ?2 AND (held_until IS NULL OR held_until <= ?3) UNION SELECT COALESCE(project_id, 0) "
        "FROM invoices WHERE tenant_id = ?1 AND period = ?3 AND kind = 'invoice' ORDER BY 1");
    if (rc == 0 && split && !ks) rc = LP_ERR_DB;
    if (rc == 0 && split) {
        int step;
        db_bind_int(ks, 1, tenant_id); db_bind_int(ks, 2, x->to); db_bind_text(ks, 3, x->period);
        while (rc == 0 && (step = db_step(ks)) == DB_ROW) rc = push_id(keys, n, sqlite3_column_int64(ks, 0));
        sqlite3_reset(ks);
        if (rc == 0 && step < 0) rc = step;
    }
    if (rc == 0 && !split) rc = push_id(keys, n, -1);
    if (rc == 0) rc = db_commit(db);
    if (rc) { db_rollback(db); free(*keys); *keys = NULL; *n = 0; }
    return rc;
}

static int run_one(db_t *db, const struct run_ctx *x, int64_t tenant_id)
{
    int64_t *keys = NULL;
    size_t n = 0;
    int rc = invoice_keys(db, x, tenant_id, &keys, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct run_ctx one = *x;
        one.project = keys[i];
        rc = run_key(db, &one, tenant_id);
    }
    free(keys);
    return rc;
}

/* Tenants with something to bill: settled open charges before the month's
 * end, or recurring fees running in the last year up to the month. */
static int candidates(db_t *db, const char *period, int64_t to, int64_t only, bool drafts, int64_t **ids, size_t *n)
{
    char year_ago[BILL_PERIOD_LEN];
    bill_month_step(period, -12, year_ago);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT tenant_id FROM charges WHERE invoice_id IS NULL AND state = 'final' AND at < ?1 "
        "AND (?3 = 0 OR tenant_id = ?3) UNION SELECT tenant_id FROM recurring_fees WHERE from_month <= ?2 "
        "AND (until_month IS NULL OR until_month >= ?4) AND (?3 = 0 OR tenant_id = ?3) "
        "UNION SELECT tenant_id FROM invoices WHERE ?5 = 1 AND kind = 'invoice' AND status = 'draft' "
        "AND period = ?2 AND (?3 = 0 OR tenant_id = ?3) ORDER BY 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, to); db_bind_text(st, 2, period); db_bind_int(st, 3, only); db_bind_text(st, 4, year_ago);
    db_bind_int(st, 5, drafts);
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
    struct run_ctx x = { who, &site, period, from, to, o && o->draft, res, -1 };
    rc = candidates(db, period, to, o ? o->tenant_id : 0, x.draft, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = run_one(db, &x, ids[i]);
    free(ids);
    return rc;
}

void bill_run_result_free(bill_run_result *res)
{
    if (!res) return;
    free(res->created);
    free(res->refreshed);
    free(res->skipped);
    res->created = NULL;
    res->refreshed = NULL;
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

/* ---- correcting drafts ---- */

struct excl_args { const actor_t *who; int64_t id, charge_id; lp_fail *f; };

/* The charges on invoice id, in invoice order. */
static int draft_charges(db_t *db, int64_t id, bill_charge **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM charges WHERE invoice_id = ?1 ORDER BY at, id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int64_t *ids = NULL;
    size_t len = 0;
    int rc = 0, step;
    while ((step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        if ((rc = push_id(&ids, &len, sqlite3_column_int64(st, 0))) != 0) break;
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

static int do_exclude(db_t *db, void *arg)
{
    struct excl_args *a = arg;
    bill_invoice v;
    bill_charge c, *cs = NULL;
    bill_line *lines = NULL;
    size_t nc = 0, nl = 0;
    char next[BILL_PERIOD_LEN], why[200] = "", *before = NULL;
    int64_t from, to;
    int rc = bill_invoice_get(db, a->id, &v);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "id", "no such invoice");
    if (rc) return rc;
    if (v.status != BILL_DOC_DRAFT)
        return lp_failf(a->f, LP_ERR_STATE, "status", "an issued invoice is never changed; correct it with a credit note");
    rc = bill_charge_get(db, a->charge_id, &c);
    if (rc && rc != LP_ERR_NOTFOUND) return rc;
    if (rc || c.invoice_id != v.id)
        return lp_failf(a->f, LP_ERR_INVALID, "charge_id", "charge %lld is not on this draft", (long long)a->charge_id);
    rc = draft_charges(db, v.id, &cs, &nc);
    if (rc) return rc;
    if (nc <= 1) {
        free(cs);
        return lp_failf(a->f, LP_ERR_STATE, "charge_id", "this is the draft's only charge: discard the draft instead");
    }
    bill_month_step(v.period, 1, next);
    rc = audit_snapshot(db, BILL_SNAP_INVOICE, v.id, &before);
    if (rc == 0) {
        sqlite3_stmt *st = db_stmt(db, "UPDATE charges SET invoice_id = NULL, held_until = ?3 WHERE id = ?1 AND invoice_id = ?2");
        if (!st) rc = LP_ERR_DB;
        else {
            db_bind_int(st, 1, c.id); db_bind_int(st, 2, v.id); db_bind_text(st, 3, next);
            rc = db_exec_stmt(st);
            if (rc == 0 && db_changes(db) != 1) rc = LP_ERR_CONFLICT;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < nc; i++)   /* the draft's other charges */
        if (cs[i].id != c.id) cs[k++] = cs[i];
    if (rc == 0) rc = bill_period_parse(v.period, &from, &to) ? LP_ERR_DB : 0;
    if (rc == 0) {
        ubl_date_of(from, v.period_start);
        ubl_date_of(to - 1, v.period_end);
        v.exempt_reason[0] = '\0';
        rc = make_lines(&v, cs, k, &lines, &nl, why, sizeof why);
    }
    if (rc == 0 && why[0]) rc = lp_failf(a->f, LP_ERR_RULE, "charge_id", "without this charge %s", why);
    if (rc == 0) rc = exec_id(db, "DELETE FROM invoice_lines WHERE invoice_id = ?1", v.id);
    if (rc == 0) rc = update_draft(db, &v);
    if (rc == 0) rc = bill_lines_insert(db, v.id, lines, nl);
    if (rc == 0) rc = audit_change(db, a->who, "exclude", "invoice", v.id, BILL_SNAP_INVOICE, before);
    free(before);
    free(cs);
    free(lines);
    return rc;
}

int bill_exclude(db_t *db, const actor_t *who, int64_t id, int64_t charge_id, lp_fail *f)
{
    struct excl_args a = { who, id, charge_id, f };
    return db_in_tx(db, do_exclude, &a);
}

int bill_refresh(db_t *db, const actor_t *who, int64_t id, bool *gone, lp_fail *f)
{
    bill_invoice v;
    bill_run_result res;
    *gone = false;
    int rc = bill_invoice_get(db, id, &v);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "id", "no such invoice");
    if (rc) return rc;
    if (v.status != BILL_DOC_DRAFT || v.kind != BILL_DOC_INVOICE)
        return lp_failf(f, LP_ERR_STATE, "status", "an issued invoice is never changed; correct it with a credit note");
    bill_run_opts o = { .draft = true, .tenant_id = v.tenant_id };
    rc = bill_run(db, who, v.period, &o, &res, f);
    if (rc == 0 && res.nskipped)
        rc = lp_failf(f, LP_ERR_RULE, "invoice", "the draft cannot be rebuilt: %s", res.skipped[0].reason);
    if (rc == 0 && res.nremoved) *gone = true;
    bill_run_result_free(&res);
    return rc;
}

int bill_issue_all(db_t *db, const actor_t *who, const char *period, int64_t **issued, size_t *nissued,
                   bill_issue_fail **failed, size_t *nfailed, lp_fail *f)
{
    int64_t from, to;
    bill_invoice *drafts = NULL;
    size_t n = 0;
    *issued = NULL;
    *failed = NULL;
    *nissued = *nfailed = 0;
    if (!period || bill_period_parse(period, &from, &to))
        return lp_failf(f, LP_ERR_INVALID, "period", "period must be a month like 2026-11");
    bill_invoice_filter q = { .period = period, .by_kind = true, .kind = BILL_DOC_INVOICE, .by_status = true,
                              .status = BILL_PAY_DRAFT, .limit = 100000 };
    int rc = bill_invoice_list(db, &q, &drafts, &n);
    for (size_t i = n; rc == 0 && i-- > 0;) {   /* the list is newest first: issue oldest first */
        lp_fail one = { 0 };
        int irc = bill_issue(db, who, drafts[i].id, &one);
        if (irc == 0) rc = push_id(issued, nissued, drafts[i].id);
        else if (irc != LP_ERR_STATE && irc != LP_ERR_RULE) rc = irc;   /* a failure, not a refusal */
        else {
            bill_issue_fail *nf = realloc(*failed, (*nfailed + 1) * sizeof *nf);
            if (!nf) { rc = LP_ERR_NOMEM; break; }
            *failed = nf;
            nf[*nfailed] = (bill_issue_fail){ .id = drafts[i].id };
            bill_copy(nf[(*nfailed)++].reason, sizeof nf->reason, one.detail[0] ? one.detail : "refused");
        }
    }
    free(drafts);
    if (rc) {
        free(*issued); free(*failed);
        *issued = NULL; *failed = NULL;
        *nissued = *nfailed = 0;
    }
    return rc;
}
