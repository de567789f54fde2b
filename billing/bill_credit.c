/* bill_credit.c: corrections and money in: credit notes that refer to the
 * invoice they correct (never beyond what each line charged), and payments
 * recorded by staff (never beyond the balance). Both are made in one
 * BEGIN IMMEDIATE transaction; a credit note takes the next number of its
 * own series (CN-YYYY-NNNN) only after it passes the e-invoice checks. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct credit_args {
    const actor_t *who;
    int64_t invoice_id;
    const char *reason;
    const bill_credit_sel *sel;
    size_t nsel;
    int64_t *cn_id;
    lp_fail *f;
};

/* Net amount already credited per line position (index pos - 1). */
static int credited_so_far(db_t *db, int64_t invoice_id, int64_t *credited, size_t n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT l.corrects_pos, sum(l.net_cents) FROM invoice_lines l "
                                   "JOIN invoices c ON c.id = l.invoice_id WHERE c.corrects_id = ?1 "
                                   "AND c.status = 'issued' GROUP BY l.corrects_pos");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, invoice_id);
    memset(credited, 0, n * sizeof *credited);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t pos = sqlite3_column_int64(st, 0);
        if (pos >= 1 && (size_t)pos <= n) credited[pos - 1] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc;
}

/* The credit line for amount of line l (the whole line when nothing of it
 * was credited before, else one piece of the amount). */
static void credit_line(const bill_line *l, int64_t amount, bool whole, bill_line *out)
{
    *out = *l;
    out->corrects_pos = l->pos;
    if (whole) return;
    out->unit = BCALC_UNIT_C62;
    out->qty_e6 = amount < 0 ? -1000000 : 1000000;
    out->price_cents = amount < 0 ? -amount : amount;
    out->net_cents = amount;
}

/* Builds the credit lines; LP_ERR_INVALID (field in f) for a bad selection. */
static int select_lines(const struct credit_args *a, const bill_line *lines, size_t n, const int64_t *credited,
                        bill_line *out, size_t *nout)
{
    *nout = 0;
    if (a->nsel == 0) {
        for (size_t i = 0; i < n; i++) {
            int64_t left = lines[i].net_cents - credited[i];
            if (left != 0) credit_line(&lines[i], left, credited[i] == 0, &out[(*nout)++]);
        }
        return 0;
    }
    for (size_t k = 0; k < a->nsel; k++) {
        int pos = a->sel[k].pos;
        if (pos < 1 || (size_t)pos > n) return lp_failf(a->f, LP_ERR_INVALID, "lines", "no line %d on the invoice", pos);
        for (size_t j = 0; j < k; j++)
            if (a->sel[j].pos == pos) return lp_failf(a->f, LP_ERR_INVALID, "lines", "line %d is named twice", pos);
        const bill_line *l = &lines[pos - 1];
        int64_t left = l->net_cents - credited[pos - 1], amount = a->sel[k].net_cents ? a->sel[k].net_cents : left;
        bool ok = left != 0 && (a->sel[k].net_cents == 0 ||
                                (l->net_cents > 0 && amount > 0 && amount <= left));
        if (!ok)
            return lp_failf(a->f, LP_ERR_INVALID, "lines", "line %d has %s left to credit", pos,
                            left == 0 ? "nothing" : "less than that (or is a negative line: credit it whole)");
        credit_line(l, amount, amount == l->net_cents && credited[pos - 1] == 0, &out[(*nout)++]);
    }
    return 0;
}

/* The credit note's header: the invoice's parties, period and language. */
static void credit_head(const bill_invoice *inv, const char *reason, bill_invoice *cn)
{
    *cn = *inv;
    cn->kind = BILL_DOC_CREDIT_NOTE;
    cn->status = BILL_DOC_DRAFT;
    cn->corrects_id = inv->id;
    bill_copy(cn->corrects_number, sizeof cn->corrects_number, inv->number);
    bill_copy(cn->corrects_date, sizeof cn->corrects_date, inv->issue_date);
    cn->number[0] = '\0';
    ubl_date_of(clk_now(), cn->issue_date);
    cn->due_date[0] = '\0';
    bill_copy(cn->note, sizeof cn->note, reason);
    bill_copy(cn->payment_terms, sizeof cn->payment_terms, bill_texts(inv->language)->credit_terms);
}

static int do_credit(db_t *db, void *arg)
{
    struct credit_args *a = arg;
    bill_invoice inv, cn;
    bill_line *lines = NULL, *out = NULL;
    int64_t *credited = NULL;
    size_t n = 0, nout = 0;
    int rc = bill_invoice_get(db, a->invoice_id, &inv);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "id", "no such invoice");
    if (rc) return rc;
    if (inv.kind != BILL_DOC_INVOICE || inv.status != BILL_DOC_ISSUED)
        return lp_failf(a->f, LP_ERR_STATE, "status", "only an issued invoice can be credited");
    rc = bill_invoice_lines(db, inv.id, &lines, &n);
    if (rc == 0) {
        credited = calloc(n ? n : 1, sizeof *credited);
        out = calloc(n ? n : 1, sizeof *out);
        rc = credited && out ? credited_so_far(db, inv.id, credited, n) : LP_ERR_NOMEM;
    }
    if (rc == 0) rc = select_lines(a, lines, n, credited, out, &nout);
    if (rc == 0 && nout == 0) rc = lp_failf(a->f, LP_ERR_STATE, "lines", "everything on the invoice is credited already");
    if (rc == 0) {
        credit_head(&inv, a->reason, &cn);
        if (bill_doc_totals(&cn, out, nout) != 0)
            rc = lp_failf(a->f, LP_ERR_RULE, "lines", "the credit note fails the e-invoice rules");
    }
    if (rc == 0) rc = bill_invoice_insert(db, a->who, &cn);
    if (rc == 0) rc = bill_lines_insert(db, cn.id, out, nout);
    if (rc == 0) rc = bill_issue_number(db, cn.id);
    if (rc == 0) rc = audit_change(db, a->who, "issue", "credit_note", cn.id, BILL_SNAP_INVOICE, NULL);
    if (rc == 0) *a->cn_id = cn.id;
    free(lines);
    free(out);
    free(credited);
    return rc;
}

int bill_credit_note(db_t *db, const actor_t *who, int64_t invoice_id, const char *reason,
                     const bill_credit_sel *sel, size_t nsel, int64_t *cn_id, lp_fail *f)
{
    if (!lp_text_ok(reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "reason", "a credit note needs a reason of 1 to 200 characters");
    if (nsel > UBL_MAX_LINES) return lp_failf(f, LP_ERR_INVALID, "lines", "too many lines");
    struct credit_args a = { who, invoice_id, reason, sel, nsel, cn_id, f };
    return db_in_tx(db, do_credit, &a);
}

/* ---- payments ---- */

static const char *SNAP_PAYMENT =
    "SELECT json_object('id', id, 'invoice_id', invoice_id, 'amount_cents', amount_cents, 'paid_on', paid_on, "
    "'reference', reference) FROM payments WHERE id = ?1";

struct pay_args { const actor_t *who; bill_payment *p; lp_fail *f; };

static int do_pay(db_t *db, void *arg)
{
    struct pay_args *a = arg;
    bill_invoice inv;
    int rc = bill_invoice_get(db, a->p->invoice_id, &inv);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "id", "no such invoice");
    if (rc) return rc;
    if (inv.kind != BILL_DOC_INVOICE || inv.status != BILL_DOC_ISSUED)
        return lp_failf(a->f, LP_ERR_STATE, "status", "payments are recorded against issued invoices");
    if (a->p->amount_cents > inv.balance_cents)
        return lp_failf(a->f, LP_ERR_RULE, "amount_cents", "the payment exceeds the balance of %lld cents",
                        (long long)(inv.balance_cents > 0 ? inv.balance_cents : 0));
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO payments(invoice_id, amount_cents, paid_on, reference, created_by, "
                                   "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, inv.id); db_bind_int(st, 2, a->p->amount_cents); db_bind_text(st, 3, a->p->paid_on);
    db_bind_text(st, 4, a->p->reference); db_bind_text(st, 5, a->who && a->who->label ? a->who->label : "system");
    db_bind_int(st, 6, clk_now());
    rc = db_exec_stmt(st);
    if (rc == 0) a->p->id = db_last_id(db);
    if (rc == 0) rc = audit_change(db, a->who, "create", "payment", a->p->id, SNAP_PAYMENT, NULL);
    return rc;
}

int bill_payment_add(db_t *db, const actor_t *who, bill_payment *p, lp_fail *f)
{
    if (p->amount_cents < 1 || p->amount_cents > BCALC_MAX_CENTS)
        return lp_failf(f, LP_ERR_INVALID, "amount_cents", "amount_cents must be a positive number of cents");
    if (!p->paid_on[0]) ubl_date_of(clk_now(), p->paid_on);
    if (!bill_date_ok(p->paid_on)) return lp_failf(f, LP_ERR_INVALID, "paid_on", "paid_on must be a date YYYY-MM-DD");
    if (p->reference[0] && !lp_text_ok(p->reference, 200))
        return lp_failf(f, LP_ERR_INVALID, "reference", "reference is not valid text");
    struct pay_args a = { who, p, f };
    return db_in_tx(db, do_pay, &a);
}

static int payment_row(sqlite3_stmt *st, void *elem)
{
    bill_payment *p = elem;
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->invoice_id = sqlite3_column_int64(st, 1);
    p->amount_cents = sqlite3_column_int64(st, 2);
    bill_copy(p->paid_on, sizeof p->paid_on, db_col_text(st, 3));
    bill_copy(p->reference, sizeof p->reference, db_col_text(st, 4));
    bill_copy(p->created_by, sizeof p->created_by, db_col_text(st, 5));
    p->created_at = sqlite3_column_int64(st, 6);
    return 0;
}

int bill_payments(db_t *db, int64_t invoice_id, bill_payment **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, invoice_id, amount_cents, paid_on, reference, created_by, created_at "
                                   "FROM payments WHERE invoice_id = ?1 ORDER BY id LIMIT 10000");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, invoice_id);
    return db_collect(st, sizeof **out, payment_row, (void **)out, n);
}
