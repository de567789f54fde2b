/* bill_mail.c: the e-mail that carries an issued invoice to the tenant's
 * billing address, in the invoice's language, queued in the transaction
 * that issues it. The message names the invoice (outbox.invoice_id); the
 * SMTP sender attaches its UBL document, made by bill_export_ubl when the
 * message is sent, so the attachment is the very document the API exports. */
#include "billing/bill_int.h"
#include "billing/invtext.h"
#include "booking/outbox.h"
#include "core/sbuf.h"
#include <stdlib.h>
#include <string.h>

/* "1 december 2026 – 31 december 2026" in the invoice's words. */
static void period_text(struct sbuf *b, const struct inv_labels *l, const bill_invoice *v)
{
    inv_date(b, l, v->period_start);
    sb_puts(b, " \xe2\x80\x93 ");
    inv_date(b, l, v->period_end);
}

/* The texts of the values, each NUL-terminated inside one buffer. */
static int values(const bill_invoice *v, const struct inv_labels *l, char **period, char **total, char **due)
{
    struct sbuf b[3] = { { 0 }, { 0 }, { 0 } };
    size_t n;
    period_text(&b[0], l, v);
    inv_money(&b[1], l, v->payable_cents);
    inv_date(&b[2], l, v->due_date);
    int rc = sb_take(&b[0], period, &n);
    if (rc == 0) rc = sb_take(&b[1], total, &n);
    if (rc == 0) rc = sb_take(&b[2], due, &n);
    free(b[1].p); free(b[2].p);
    return rc;
}

int bill_mail_queue(db_t *db, int64_t invoice_id)
{
    bill_invoice v;
    enum mt_lang lang;
    int rc = bill_invoice_get(db, invoice_id, &v);
    if (rc) return rc;
    if (v.kind != BILL_DOC_INVOICE || v.status != BILL_DOC_ISSUED || !v.buyer_email[0]) return 0;
    const struct inv_labels *l = inv_labels(v.language);
    if (!l || mt_lang_parse(v.language, &lang) != 0) return LP_ERR_DB;   /* the CHECK constraint allows no other */
    char *period = NULL, *total = NULL, *due = NULL;
    rc = values(&v, l, &period, &total, &due);
    mt_args a = { .number = v.number, .seller = v.seller_name, .period = period, .total = total, .due = due,
                  .iban = v.iban };
    if (rc == 0) rc = obx_to_address(db, MT_INVOICE, v.buyer_email, lang, &a, invoice_id);
    free(period); free(total); free(due);
    return rc;
}
