/* h_invoices.c: invoice runs, invoices and credit notes (JSON, UBL 2.1,
 * HTML with its own CSP), and payments, over HTTP (shared helpers:
 * h_billing.h). Tenant admins see their tenant's issued documents; staff
 * see and change everything; a draft or another tenant's document is 404. */
#include "api/h_billing.h"
#include "api/page.h"
#include "billing/ubl.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- invoices ---- */

static json_t *json_invoice(const bill_invoice *v)
{
    json_t *j = json_pack("{s:I, s:s, s:o, s:s, s:s, s:b, s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s}",
        "id", (json_int_t)v->id, "kind", bill_doc_kind_name(v->kind), "number", hb_opt_str(v->number),
        "status", bill_doc_status_name(v->status), "payment_status", bill_pay_status_name(v->payment_status),
        "overdue", v->overdue, "tenant_id", (json_int_t)v->tenant_id, "buyer_name", v->buyer_name,
        "period", v->period, "issue_date", hb_opt_str(v->issue_date),
        "due_date", hb_opt_str(v->due_date), "period_start", v->period_start, "period_end", v->period_end,
        "language", v->language);
    json_object_set_new(j, "corrects_id", hb_opt_int(v->corrects_id));
    json_object_set_new(j, "corrects_number", hb_opt_str(v->corrects_number));
    json_object_set_new(j, "note", hb_opt_str(v->note));
    int64_t cents[] = { v->line_ext_cents, v->tax_cents, v->payable_cents, v->paid_cents, v->credited_cents,
                        v->balance_cents };
    const char *names[] = { "line_extension_cents", "tax_cents", "payable_cents", "paid_cents", "credited_cents",
                            "balance_cents" };
    for (int i = 0; i < 6; i++) json_object_set_new(j, names[i], json_integer(cents[i]));
    json_object_set_new(j, "issued_at", api_time_json(v->issued_at));
    json_object_set_new(j, "project_id", hb_opt_int(v->project_id));
    json_object_set_new(j, "po_number", hb_opt_str(v->po_number));
    return j;
}

/* Loads an invoice the caller may see: staff any, tenant admins their
 * tenant's issued documents. Else 404 (or the error of a failed read). */
static int load_invoice(api_ctx *c, bill_invoice *v)
{
    int rc = bill_invoice_get(c->db, c->params[0], v);
    if (rc) { hb_lookup_failed(c, rc, "invoice"); return 0; }
    if (!api_sees_tenant(c, v->tenant_id) || (!api_is_staff(c) && v->status != BILL_DOC_ISSUED)) {
        hb_not_found(c, "invoice");
        return 0;
    }
    return 1;
}

static json_t *json_lines(const bill_line *l, size_t n, struct bcalc_totals *t)
{
    json_t *out = json_array();
    bcalc_totals_init(t);
    for (size_t i = 0; i < n; i++) {
        char qty[32];
        ubl_fmt_qty(l[i].qty_e6, qty);
        json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "line", l[i].pos, "name", l[i].name,
                              "description", l[i].description, "period_start", l[i].period_start, "period_end",
                              l[i].period_end, "quantity", qty, "unit", bcalc_unit_word(l[i].unit),
                              "price_cents", (json_int_t)l[i].price_cents, "net_cents", (json_int_t)l[i].net_cents);
        json_object_set_new(j, "charge_id", hb_opt_int(l[i].charge_id));
        json_object_set_new(j, "corrects_line", hb_opt_int(l[i].corrects_pos));
        json_object_set_new(j, "project_id", hb_opt_int(l[i].project_id));
        json_object_set_new(j, "project", hb_opt_str(l[i].project));
        json_array_append_new(out, hb_vat_json(j, l[i].vat));
        if (bcalc_totals_add(t, l[i].net_cents, l[i].vat) != 0) break;   /* stored lines always fit */
    }
    bcalc_totals_finish(t);
    return out;
}

/* The invoice with its lines, VAT breakdown, payments and credit notes;
 * NULL with *err set when a read fails. */
static json_t *json_invoice_full(api_ctx *c, const bill_invoice *v, int *err)
{
    bill_line *lines = NULL;
    bill_payment *pays = NULL;
    bill_invoice *cns = NULL;
    size_t nl = 0, np = 0, nc = 0;
    struct bcalc_totals t;
    bill_invoice_filter q = { .corrects_id = v->id, .issued_only = true };
    int rc = bill_invoice_lines(c->db, v->id, &lines, &nl);
    if (rc == 0) rc = bill_payments(c->db, v->id, &pays, &np);
    if (rc == 0) rc = bill_invoice_list(c->db, &q, &cns, &nc);
    if (rc) {
        free(lines); free(pays);
        *err = rc;
        return NULL;
    }
    json_t *j = json_invoice(v), *vat = json_array(), *pj = json_array(), *cj = json_array();
    json_object_set_new(j, "lines", json_lines(lines, nl, &t));
    for (size_t i = 0; i < t.ngroups; i++)
        json_array_append_new(vat, hb_vat_json(json_pack("{s:I, s:I}", "taxable_cents", (json_int_t)t.groups[i].taxable_cents,
                                                      "tax_cents", (json_int_t)t.groups[i].tax_cents), t.groups[i].vat));
    for (size_t i = 0; i < np; i++)
        json_array_append_new(pj, json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)pays[i].id, "amount_cents",
                                            (json_int_t)pays[i].amount_cents, "paid_on", pays[i].paid_on,
                                            "reference", pays[i].reference));
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(cj, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)cns[i].id, "number", cns[i].number,
                                            "payable_cents", (json_int_t)cns[i].payable_cents));
    json_object_set_new(j, "vat_breakdown", vat);
    json_object_set_new(j, "payments", pj);
    json_object_set_new(j, "credit_notes", cj);
    free(lines); free(pays); free(cns);
    return j;
}

static void reply_invoice(api_ctx *c, int status, int64_t id)
{
    bill_invoice v;
    int rc = bill_invoice_get(c->db, id, &v);
    json_t *j = rc ? NULL : json_invoice_full(c, &v, &rc);
    if (!j) { api_fail(c, rc ? rc : LP_ERR_NOMEM, NULL); return; }
    api_reply_json(c, status, j);
}

static const struct jv_field RUN_FIELDS[] = {
    { "period", JV_STRING, 1, 7, 0 }, { "draft", JV_BOOL, 0, 0, 0 }, { "tenant_id", JV_INT, 0, INT32_MAX, 1 }, JV_END };

void h_invoices_run(api_ctx *c)
{
    json_t *b = api_body(c, RUN_FIELDS);
    if (!b) return;
    char period[BILL_PERIOD_LEN];
    snprintf(period, sizeof period, "%s", jv_str(b, "period", ""));
    bill_run_opts o = { .draft = jv_bool(b, "draft", 0), .tenant_id = jv_int(b, "tenant_id", 0) };
    json_decref(b);
    bill_run_result res;
    lp_fail f = { 0 };
    int rc = bill_run(c->db, &c->actor, period, &o, &res, &f);
    if (rc) { bill_run_result_free(&res); api_fail(c, rc, &f); return; }
    json_t *created = json_array(), *refreshed = json_array(), *skipped = json_array();
    for (size_t i = 0; rc == 0 && i < res.ncreated; i++) {
        bill_invoice v;
        rc = bill_invoice_get(c->db, res.created[i], &v);
        if (rc == 0) json_array_append_new(created, json_invoice(&v));
    }
    for (size_t i = 0; rc == 0 && i < res.nrefreshed; i++) {
        bill_invoice v;
        rc = bill_invoice_get(c->db, res.refreshed[i], &v);
        if (rc == 0) json_array_append_new(refreshed, json_invoice(&v));
    }
    if (rc) {   /* the run is done; only reading it back failed */
        json_decref(created);
        json_decref(refreshed);
        json_decref(skipped);
        bill_run_result_free(&res);
        api_fail(c, rc, NULL);
        return;
    }
    for (size_t i = 0; i < res.nskipped; i++)
        json_array_append_new(skipped, json_pack("{s:I, s:s}", "tenant_id", (json_int_t)res.skipped[i].tenant_id,
                                                 "reason", res.skipped[i].reason));
    json_t *j = json_pack("{s:s, s:o, s:o, s:I, s:I, s:o}", "period", res.period, "created", created, "refreshed",
                          refreshed, "removed", (json_int_t)res.nremoved, "existing", (json_int_t)res.nexisting,
                          "skipped", skipped);
    bill_run_result_free(&res);
    api_reply_json(c, 200, j);
}

void h_invoices_list(api_ctx *c)
{
    static const char *const KINDS[] = { "invoice", "credit_note", NULL };
    static const char *const STATUSES[] = { "draft", "open", "partly_paid", "paid", "credited", "overdue", NULL };
    const char *period = api_query(c, "period"), *kind, *status;
    int64_t a, z, tenant;
    if (hb_tenant_scope(c, 0, &tenant)) return;
    if (period && bill_period_parse(period, &a, &z)) { hb_bad(c, "period must be a month like 2026-11", "period"); return; }
    if (api_query_enum(c, "kind", KINDS, &kind) || api_query_enum(c, "status", STATUSES, &status)) return;
    api_page pg;
    if (api_page_read(c, 200, 1000, 1, &pg)) return;
    bill_invoice_filter q = { .tenant_id = tenant, .period = period, .issued_only = !api_is_staff(c),
                              .limit = (size_t)pg.limit + 1, .before_id = pg.after[0] };
    q.by_kind = kind && bill_doc_kind_parse(kind, &q.kind) == 0;
    if (status && bill_invoice_filter_status(&q, status) != 0) {   /* api_query_enum allows only the spellings */
        hb_bad(c, "unknown status", "status");
        return;
    }
    bill_invoice *arr = NULL;
    size_t n = 0;
    int rc = bill_invoice_list(c->db, &q, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    size_t shown = n > (size_t)pg.limit ? (size_t)pg.limit : n;
    json_t *out = json_array();
    for (size_t i = 0; i < shown; i++) json_array_append_new(out, json_invoice(&arr[i]));
    json_t *body = json_pack("{s:o}", "invoices", out);
    int64_t last = shown ? arr[shown - 1].id : 0;
    api_page_finish(c, &pg, body, n > shown ? &last : NULL);
    free(arr);
    api_reply_json(c, 200, body);
}

void h_invoice_get(api_ctx *c)
{
    bill_invoice v;
    if (load_invoice(c, &v)) reply_invoice(c, 200, v.id);
}

void h_invoice_issue(api_ctx *c)
{
    bill_invoice v;
    lp_fail f = { 0 };
    if (!load_invoice(c, &v)) return;
    int rc = bill_issue(c->db, &c->actor, v.id, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_invoice(c, 200, v.id);
}

static const struct jv_field EXCLUDE_FIELDS[] = { { "charge_id", JV_INT, 1, INT32_MAX, 1 }, JV_END };

void h_invoice_exclude(api_ctx *c)
{
    bill_invoice v;
    lp_fail f = { 0 };
    if (!load_invoice(c, &v)) return;
    json_t *b = api_body(c, EXCLUDE_FIELDS);
    if (!b) return;
    int64_t charge = jv_int(b, "charge_id", 0);
    json_decref(b);
    int rc = bill_exclude(c->db, &c->actor, v.id, charge, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_invoice(c, 200, v.id);
}

void h_invoice_refresh(api_ctx *c)
{
    bill_invoice v;
    lp_fail f = { 0 };
    bool gone = false;
    if (!load_invoice(c, &v)) return;
    int rc = bill_refresh(c->db, &c->actor, v.id, &gone, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    if (gone) { api_reply_empty(c, 204); return; }
    reply_invoice(c, 200, v.id);
}

static const struct jv_field ISSUE_ALL_FIELDS[] = { { "period", JV_STRING, 1, 7, 0 }, JV_END };

void h_invoices_issue_all(api_ctx *c)
{
    json_t *b = api_body(c, ISSUE_ALL_FIELDS);
    if (!b) return;
    char period[BILL_PERIOD_LEN];
    snprintf(period, sizeof period, "%s", jv_str(b, "period", ""));
    json_decref(b);
    int64_t *issued = NULL;
    bill_issue_fail *failed = NULL;
    size_t ni = 0, nf = 0;
    lp_fail f = { 0 };
    int rc = bill_issue_all(c->db, &c->actor, period, &issued, &ni, &failed, &nf, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *ij = json_array(), *fj = json_array();
    for (size_t i = 0; rc == 0 && i < ni; i++) {
        bill_invoice v;
        rc = bill_invoice_get(c->db, issued[i], &v);
        if (rc == 0) json_array_append_new(ij, json_invoice(&v));
    }
    for (size_t i = 0; i < nf; i++)
        json_array_append_new(fj, json_pack("{s:I, s:s}", "id", (json_int_t)failed[i].id, "reason", failed[i].reason));
    free(issued);
    free(failed);
    if (rc) { json_decref(ij); json_decref(fj); api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:s, s:o, s:o}", "period", period, "issued", ij, "failed", fj));
}

void h_invoice_discard(api_ctx *c)
{
    bill_invoice v;
    lp_fail f = { 0 };
    if (!load_invoice(c, &v)) return;
    int rc = bill_discard(c->db, &c->actor, v.id, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_empty(c, 204);
}

void h_invoice_ubl(api_ctx *c)
{
    bill_invoice v;
    char *xml = NULL, disp[80];
    size_t len = 0;
    if (!load_invoice(c, &v)) return;
    int rc = bill_export_ubl(c->db, v.id, &xml, &len);
    if (rc == LP_ERR_STATE) { api_problem(c, 409, "state", "Not issued", "a draft has no UBL document yet", NULL); return; }
    if (rc) { api_fail(c, rc, NULL); return; }
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.xml\"", v.number);
    api_add_header(c, "Content-Disposition", disp);
    api_reply_raw(c, 200, "application/xml", xml, len);
}

/* A CSP for the page: nothing loads, its one <style> block is allowed by hash. */
static void page_csp(api_ctx *c, const char *html)
{
    const char *a = strstr(html, "<style>"), *z = a ? strstr(a, "</style>") : NULL;
    unsigned char h[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)], csp[200];
    if (!z) return;
    a += strlen("<style>");
    crypto_hash_sha256(h, (const unsigned char *)a, (unsigned long long)(z - a));
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
    snprintf(csp, sizeof csp, "default-src 'none'; style-src 'sha256-%s'; frame-ancestors 'none'; base-uri 'none'; "
             "form-action 'none'", b64);
    api_add_header(c, "Content-Security-Policy", csp);
}

void h_invoice_html(api_ctx *c)
{
    bill_invoice v;
    static const char *const LANGS[] = { "nl", "en", NULL };
    const char *lang;
    char *html = NULL;
    size_t len = 0;
    if (!load_invoice(c, &v) || api_query_enum(c, "lang", LANGS, &lang)) return;
    int rc = bill_export_html(c->db, v.id, lang, &html, &len);
    if (rc) { api_fail(c, rc, NULL); return; }
    page_csp(c, html);
    api_reply_raw(c, 200, "text/html; charset=utf-8", html, len);
}

/* The file name of a download: the number, or "draft-<id>". */
static void attachment(api_ctx *c, const bill_invoice *v, const char *ext)
{
    char disp[96];
    if (v->number[0]) snprintf(disp, sizeof disp, "attachment; filename=\"%s.%s\"", v->number, ext);
    else snprintf(disp, sizeof disp, "attachment; filename=\"draft-%lld.%s\"", (long long)v->id, ext);
    api_add_header(c, "Content-Disposition", disp);
}

void h_invoice_pdf(api_ctx *c)
{
    bill_invoice v;
    static const char *const LANGS[] = { "nl", "en", NULL };
    const char *lang;
    char *pdf = NULL;
    size_t len = 0;
    if (!load_invoice(c, &v) || api_query_enum(c, "lang", LANGS, &lang)) return;
    int rc = bill_export_pdf(c->db, v.id, lang, &pdf, &len);
    if (rc) { api_fail(c, rc, NULL); return; }
    attachment(c, &v, "pdf");
    api_reply_raw(c, 200, "application/pdf", pdf, len);
}

void h_invoice_csv(api_ctx *c)
{
    bill_invoice v;
    char *csv = NULL;
    size_t len = 0;
    if (!load_invoice(c, &v)) return;
    int rc = bill_export_csv(c->db, v.id, &csv, &len);
    if (rc) { api_fail(c, rc, NULL); return; }
    attachment(c, &v, "csv");
    api_reply_raw(c, 200, "text/csv; charset=utf-8", csv, len);
}

static const struct jv_field CREDIT_FIELDS[] = {
    { "reason", JV_STRING, 1, 200, 0 }, { "lines", JV_ARRAY, 0, 1000, 0 }, JV_END };
static const struct jv_field CREDIT_LINE[] = {
    { "line", JV_INT, 1, 10000, 1 }, { "amount_cents", JV_INT, 0, 1000000000, 1 }, JV_END };

void h_invoice_credit(api_ctx *c)
{
    bill_invoice v;
    if (!load_invoice(c, &v)) return;
    json_t *b = api_body(c, CREDIT_FIELDS), *arr, *e;
    if (!b) return;
    arr = json_object_get(b, "lines");
    size_t n = arr ? json_array_size(arr) : 0, i;
    bill_credit_sel *sel = calloc(n ? n : 1, sizeof *sel);
    lp_fail f = { 0 };
    char err[200], field[64];
    int rc = sel ? 0 : LP_ERR_NOMEM;
    json_array_foreach(arr, i, e) {
        if (rc) break;
        if (jv_check(e, CREDIT_LINE, err, sizeof err, field, sizeof field) != 0)
            rc = lp_failf(&f, LP_ERR_INVALID, "lines", "lines[%zu]: %s", i, err);
        sel[i] = (bill_credit_sel){ (int)jv_int(e, "line", 0), jv_int(e, "amount_cents", 0) };
    }
    int64_t cn = 0;
    if (rc == 0) rc = bill_credit_note(c->db, &c->actor, v.id, jv_str(b, "reason", ""), sel, n, &cn, &f);
    json_decref(b);
    free(sel);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_invoice(c, 201, cn);
}

static const struct jv_field PAY_FIELDS[] = {
    { "amount_cents", JV_INT, 1, 100000000000LL, 1 }, { "paid_on", JV_STRING, 0, 10, 0 },
    { "reference", JV_STRING, 0, 200, 0 }, JV_END };

void h_invoice_payment(api_ctx *c)
{
    bill_invoice v;
    if (!load_invoice(c, &v)) return;
    json_t *b = api_body(c, PAY_FIELDS);
    if (!b) return;
    bill_payment p = { .invoice_id = v.id, .amount_cents = jv_int(b, "amount_cents", 0) };
    jv_copy(b, "paid_on", p.paid_on, sizeof p.paid_on);
    jv_copy(b, "reference", p.reference, sizeof p.reference);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = bill_payment_add(c->db, &c->actor, &p, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_invoice(c, 201, v.id);
}
