/* bill_docs.c: invoice and credit note rows: reading them back with what
 * was paid and credited (payment status, overdue), storing a draft and its
 * lines, and issuing it with the next number of its series. Numbers are
 * max + 1 of (kind, year) taken inside the caller's BEGIN IMMEDIATE
 * transaction; issued rows can be neither changed nor deleted (triggers in
 * 0004), so every series stays gapless and unique. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char BILL_SNAP_INVOICE[] =
    "SELECT json_object('id', id, 'kind', kind, 'number', number, 'tenant_id', tenant_id, 'period', period, "
    "'status', status, 'issue_date', issue_date, 'due_date', due_date, 'corrects_id', corrects_id, "
    "'line_ext_cents', line_ext_cents, 'tax_cents', tax_cents, 'payable_cents', payable_cents, 'note', note) "
    "FROM invoices WHERE id = ?1";

/* ---- reading ---- */

static void payment_state(bill_invoice *o)
{
    char today[BILL_DATE_LEN];
    ubl_date_of(clk_now(), today);
    o->balance_cents = o->payable_cents - o->paid_cents - o->credited_cents;
    enum bill_pay_status s = BILL_PAY_OPEN;
    if (o->status == BILL_DOC_DRAFT) s = BILL_PAY_DRAFT;
    else if (o->kind == BILL_DOC_CREDIT_NOTE) s = BILL_PAY_ISSUED;
    else if (o->balance_cents <= 0) s = o->paid_cents > 0 ? BILL_PAY_PAID : BILL_PAY_CREDITED;
    else if (o->paid_cents > 0) s = BILL_PAY_PARTLY_PAID;
    o->payment_status = s;
    o->overdue = false;
    switch (s) {
    case BILL_PAY_OPEN:
    case BILL_PAY_PARTLY_PAID: o->overdue = strcmp(o->due_date, today) < 0; break;
    case BILL_PAY_DRAFT:
    case BILL_PAY_PAID:
    case BILL_PAY_CREDITED:
    case BILL_PAY_ISSUED: break;
    }
}

int bill_invoice_row(sqlite3_stmt *st, bill_invoice *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, 0);
    int bad = bill_doc_kind_parse(db_col_text(st, 1), &o->kind);
    o->tenant_id = sqlite3_column_int64(st, 2);
    bill_copy(o->period, sizeof o->period, db_col_text(st, 3));
    bad |= bill_doc_status_parse(db_col_text(st, 4), &o->status);
    bill_copy(o->number, sizeof o->number, db_col_text(st, 5));
    o->corrects_id = sqlite3_column_int64(st, 6);
    struct { char *dst; size_t cap; } t[] = {
        { o->issue_date, sizeof o->issue_date }, { o->due_date, sizeof o->due_date },
        { o->period_start, sizeof o->period_start }, { o->period_end, sizeof o->period_end },
        { o->language, sizeof o->language }, { o->seller_name, sizeof o->seller_name },
        { o->seller_kvk, sizeof o->seller_kvk }, { o->seller_vat, sizeof o->seller_vat },
        { o->seller_street, sizeof o->seller_street }, { o->seller_city, sizeof o->seller_city },
        { o->seller_postal, sizeof o->seller_postal }, { o->seller_country, sizeof o->seller_country },
        { o->seller_email, sizeof o->seller_email }, { o->iban, sizeof o->iban }, { o->bic, sizeof o->bic },
        { o->buyer_name, sizeof o->buyer_name }, { o->buyer_kvk, sizeof o->buyer_kvk },
        { o->buyer_vat, sizeof o->buyer_vat }, { o->buyer_street, sizeof o->buyer_street },
        { o->buyer_city, sizeof o->buyer_city }, { o->buyer_postal, sizeof o->buyer_postal },
        { o->buyer_country, sizeof o->buyer_country }, { o->buyer_email, sizeof o->buyer_email },
        { o->buyer_reference, sizeof o->buyer_reference }, { o->payment_terms, sizeof o->payment_terms },
        { o->note, sizeof o->note }, { o->exempt_reason, sizeof o->exempt_reason } };
    for (int i = 0; i < (int)(sizeof t / sizeof t[0]); i++) bill_copy(t[i].dst, t[i].cap, db_col_text(st, 7 + i));
    o->line_ext_cents = sqlite3_column_int64(st, 34);
    o->tax_cents = sqlite3_column_int64(st, 35);
    o->payable_cents = sqlite3_column_int64(st, 36);
    bill_copy(o->created_by, sizeof o->created_by, db_col_text(st, 37));
    o->created_at = sqlite3_column_int64(st, 38);
    o->issued_at = sqlite3_column_int64(st, 39);
    o->paid_cents = sqlite3_column_int64(st, 40);
    o->credited_cents = sqlite3_column_int64(st, 41);
    bill_copy(o->corrects_number, sizeof o->corrects_number, db_col_text(st, 42));
    bill_copy(o->corrects_date, sizeof o->corrects_date, db_col_text(st, 43));
    o->project_id = sqlite3_column_int64(st, 44);
    bill_copy(o->po_number, sizeof o->po_number, db_col_text(st, 45));
    payment_state(o);
    return bad ? LP_ERR_DB : 0;
}

int bill_invoice_get(db_t *db, int64_t id, bill_invoice *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " BILL_INVOICE_COLS " FROM invoices i WHERE i.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = bill_invoice_row(st, out);
    sqlite3_reset(st);
    return rc;
}

static bool status_matches(const bill_invoice *o, const bill_invoice_filter *q)
{
    if (q->overdue_only && !o->overdue) return false;
    return !q->by_status || o->payment_status == q->status;
}

int bill_invoice_filter_status(bill_invoice_filter *q, const char *text)
{
    if (text && strcmp(text, "overdue") == 0) {
        q->overdue_only = true;
        return 0;
    }
    int rc = bill_pay_status_parse(text, &q->status);
    if (rc == 0) q->by_status = true;
    return rc;
}

int bill_invoice_list(db_t *db, const bill_invoice_filter *q, bill_invoice **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " BILL_INVOICE_COLS " FROM invoices i WHERE (?1 = 0 OR i.tenant_id = ?1) "
                                   "AND (?2 IS NULL OR i.period = ?2) AND (?3 IS NULL OR i.kind = ?3) "
                                   "AND (?4 = 0 OR i.corrects_id = ?4) AND (?5 = 0 OR i.status = 'issued') "
                                   "AND (?6 = 0 OR i.id < ?6) ORDER BY i.id DESC");
    size_t len = 0, cap = 16, limit = q->limit ? q->limit : 1000;
    bill_invoice *arr = malloc(cap * sizeof *arr);
    if (!st || !arr) { free(arr); return st ? LP_ERR_NOMEM : LP_ERR_DB; }
    db_bind_int(st, 1, q->tenant_id);
    db_bind_text(st, 2, q->period);
    db_bind_text(st, 3, q->by_kind ? bill_doc_kind_name(q->kind) : NULL);
    db_bind_int(st, 4, q->corrects_id);
    db_bind_int(st, 5, q->issued_only);
    db_bind_int(st, 6, q->before_id);
    int rc = 0, step;
    while (len < limit && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        if (len == cap) {
            bill_invoice *na = realloc(arr, 2 * cap * sizeof *arr);
            if (!na) { rc = LP_ERR_NOMEM; break; }
            arr = na;
            cap *= 2;
        }
        if ((rc = bill_invoice_row(st, &arr[len])) != 0) break;
        if (status_matches(&arr[len], q)) len++;
    }
    sqlite3_reset(st);
    if (rc) { free(arr); return rc; }
    *out = arr;
    *n = len;
    return 0;
}

/* One invoice line; a VAT code the database should never hold is an error. */
static int line_row(sqlite3_stmt *st, void *elem)
{
    bill_line *l = elem;
    memset(l, 0, sizeof *l);
    l->invoice_id = sqlite3_column_int64(st, 0);
    l->pos = sqlite3_column_int(st, 1);
    l->charge_id = sqlite3_column_int64(st, 2);
    l->corrects_pos = sqlite3_column_int(st, 3);
    bill_copy(l->name, sizeof l->name, db_col_text(st, 4));
    bill_copy(l->description, sizeof l->description, db_col_text(st, 5));
    bill_copy(l->period_start, sizeof l->period_start, db_col_text(st, 6));
    bill_copy(l->period_end, sizeof l->period_end, db_col_text(st, 7));
    if (bcalc_unit_parse(db_col_text(st, 8), &l->unit) != 0) return LP_ERR_DB;
    l->qty_e6 = sqlite3_column_int64(st, 9);
    l->price_cents = sqlite3_column_int64(st, 10);
    l->net_cents = sqlite3_column_int64(st, 11);
    l->project_id = sqlite3_column_int64(st, 14);
    bill_copy(l->project, sizeof l->project, db_col_text(st, 15));
    return bill_vat_parse(db_col_text(st, 12), sqlite3_column_int(st, 13), &l->vat) != 0 ? LP_ERR_DB : 0;
}

int bill_invoice_lines(db_t *db, int64_t id, bill_line **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT invoice_id, pos, COALESCE(charge_id, 0), COALESCE(corrects_pos, 0), name, "
                                   "description, period_start, period_end, unit, qty_e6, price_cents, net_cents, "
                                   "vat_category, vat_rate_bp, COALESCE(project_id, 0), project FROM invoice_lines WHERE invoice_id = ?1 "
                                   "ORDER BY pos");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    return db_collect(st, sizeof **out, line_row, (void **)out, n);
}

/* ---- writing ---- */

int bill_invoice_insert(db_t *db, const actor_t *who, bill_invoice *v)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO invoices(kind, tenant_id, period, status, corrects_id, issue_date, due_date, period_start, "
        "period_end, language, seller_name, seller_kvk, seller_vat, seller_street, seller_city, seller_postal, "
        "seller_country, seller_email, iban, bic, buyer_name, buyer_kvk, buyer_vat, buyer_street, buyer_city, "
        "buyer_postal, buyer_country, buyer_email, buyer_reference, payment_terms, note, exempt_reason, "
        "line_ext_cents, tax_cents, payable_cents, created_by, created_at, project_id, po_number) VALUES (?1, ?2, ?3, "
        "'draft', NULLIF(?4, 0), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
        "?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, NULLIF(?37, 0), ?38)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, bill_doc_kind_name(v->kind)); db_bind_int(st, 2, v->tenant_id); db_bind_text(st, 3, v->period);
    db_bind_int(st, 4, v->corrects_id);
    const char *t[] = { v->issue_date, v->due_date, v->period_start, v->period_end, v->language, v->seller_name,
                        v->seller_kvk, v->seller_vat, v->seller_street, v->seller_city, v->seller_postal,
                        v->seller_country, v->seller_email, v->iban, v->bic, v->buyer_name, v->buyer_kvk,
                        v->buyer_vat, v->buyer_street, v->buyer_city, v->buyer_postal, v->buyer_country,
                        v->buyer_email, v->buyer_reference, v->payment_terms, v->note, v->exempt_reason };
    for (int i = 0; i < (int)(sizeof t / sizeof t[0]); i++) db_bind_text(st, 5 + i, t[i]);
    db_bind_int(st, 32, v->line_ext_cents); db_bind_int(st, 33, v->tax_cents); db_bind_int(st, 34, v->payable_cents);
    db_bind_text(st, 35, who && who->label ? who->label : "system"); db_bind_int(st, 36, clk_now());
    db_bind_int(st, 37, v->project_id); db_bind_text(st, 38, v->po_number);
    int rc = db_exec_stmt(st);
    if (rc == 0) v->id = db_last_id(db);
    return rc;
}

int bill_lines_insert(db_t *db, int64_t invoice_id, const bill_line *lines, size_t n)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const bill_line *l = &lines[i];
        sqlite3_stmt *st = db_stmt(db,
            "INSERT INTO invoice_lines(invoice_id, pos, charge_id, corrects_pos, name, description, period_start, "
            "period_end, unit, qty_e6, price_cents, net_cents, vat_category, vat_rate_bp, project_id, project) "
            "VALUES (?1, ?2, NULLIF(?3, 0), NULLIF(?4, 0), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULLIF(?15, 0), ?16)");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, invoice_id); db_bind_int(st, 2, (int64_t)i + 1); db_bind_int(st, 3, l->charge_id);
        db_bind_int(st, 4, l->corrects_pos); db_bind_text(st, 5, l->name); db_bind_text(st, 6, l->description);
        db_bind_text(st, 7, l->period_start); db_bind_text(st, 8, l->period_end);
        db_bind_text(st, 9, bcalc_unit_code(l->unit)); db_bind_int(st, 10, l->qty_e6);
        db_bind_int(st, 11, l->price_cents); db_bind_int(st, 12, l->net_cents);
        db_bind_text(st, 13, bcalc_vat_code(l->vat.cat)); db_bind_int(st, 14, l->vat.rate_bp);
        db_bind_int(st, 15, l->project_id); db_bind_text(st, 16, l->project);
        rc = db_exec_stmt(st);
    }
    return rc;
}

/* An issued invoice or credit note as webhook receivers get it ("data" of
 * invoice.issued); amounts in cents. */
static const char WEBHOOK_INVOICE[] =
    "SELECT json_object('id', id, 'kind', kind, 'number', number, 'tenant_id', tenant_id, 'period', period, "
    "'issue_date', issue_date, 'due_date', due_date, 'payable_cents', payable_cents, 'corrects_id', corrects_id) "
    "FROM invoices WHERE id = ?1 AND status = 'issued'";

int bill_issue_number(db_t *db, int64_t invoice_id)
{
    bill_invoice inv;
    site_info site;
    char issue[BILL_DATE_LEN], due[BILL_DATE_LEN] = "", number[BILL_NUMBER_LEN], terms[BILL_TEXT];
    int rc = bill_invoice_get(db, invoice_id, &inv);
    if (rc == 0) rc = site_get(db, &site);
    if (rc) return rc;
    if (inv.status != BILL_DOC_DRAFT) return LP_ERR_STATE;
    bool credit = inv.kind == BILL_DOC_CREDIT_NOTE;
    int64_t now = clk_now();
    ubl_date_of(now, issue);
    if (!credit) bill_date_plus(now, site.payment_terms_days, due);
    const struct bill_texts *tx = bill_texts(inv.language);
    if (credit) bill_copy(terms, sizeof terms, tx->credit_terms);
    else snprintf(terms, sizeof terms, tx->terms, site.payment_terms_days);
    int year = atoi(issue);
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(max(seq), 0) + 1 FROM invoices WHERE kind = ?1 AND year = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, bill_doc_kind_name(inv.kind));
    db_bind_int(st, 2, year);
    rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;   /* an aggregate always has its row */
    int64_t seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (seq <= 0 || seq > 99999999 || year < 2000 || year > 9999) return LP_ERR_DB;
    snprintf(number, sizeof number, "%s%04u-%04u", credit ? "CN-" : "", (unsigned)year % 10000u,
             (unsigned)seq % 100000000u);
    st = db_stmt(db, "UPDATE invoices SET status = 'issued', number = ?2, year = ?3, seq = ?4, issue_date = ?5, "
                     "due_date = ?6, payment_terms = ?7, issued_at = ?8 WHERE id = ?1 AND status = 'draft'");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, invoice_id); db_bind_text(st, 2, number); db_bind_int(st, 3, year); db_bind_int(st, 4, seq);
    db_bind_text(st, 5, issue); db_bind_text(st, 6, due); db_bind_text(st, 7, terms); db_bind_int(st, 8, now);
    rc = db_exec_stmt(st);
    if (rc == 0 && db_changes(db) != 1) rc = LP_ERR_STATE;
    if (rc == 0 && !credit) rc = bill_mail_queue(db, invoice_id);
    return rc ? rc : whk_emit(db, WHK_EV_INVOICE_ISSUED, WEBHOOK_INVOICE, invoice_id);
}
