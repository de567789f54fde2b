/* ctl_billing.c: labpassctl commands for billing: the monthly invoice run,
 * exports of a document (UBL, HTML, CSV), the list of documents, and
 * recomputing the open charges of a month (after a bulk import). */
#include "cmd/ctl.h"
#include "billing/billing.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const actor_t CLI = { 0, "labpassctl" };

/* A positive id from text, 0 when it is not one. */
static int64_t parse_id(const char *s)
{
    char *end = NULL;
    long long v = s ? strtoll(s, &end, 10) : 0;
    return s && *s && end && !*end && v > 0 && v <= INT32_MAX ? (int64_t)v : 0;
}

static void money(int64_t cents, char out[32])
{
    snprintf(out, 32, "%s%lld.%02lld", cents < 0 ? "-" : "", (long long)(llabs(cents) / 100),
             (long long)(llabs(cents) % 100));
}

static int cmd_invoice_run(ctl_env *e, int argc, char **argv)
{
    const char *period = NULL, *tenant = NULL;
    int draft = 0;
    struct ctl_opt o[] = { { "--period", &period, NULL }, { "--tenant", &tenant, NULL }, { "--draft", NULL, &draft },
                           { 0 } };
    const char *usage = "usage: labpassctl invoice run --period YYYY-MM [--tenant ID] [--draft]\n"
                        "  invoices a month that has ended for every tenant with something to bill; a second\n"
                        "  run of the same month adds nothing. --draft leaves the invoices unnumbered.\n";
    if (ctl_opts(argc, argv, o, usage) || !period || (tenant && !parse_id(tenant))) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    bill_run_opts opts = { .draft = draft, .tenant_id = tenant ? parse_id(tenant) : 0 };
    bill_run_result res;
    lp_fail f = { 0 };
    int rc = bill_run(e->db, &CLI, period, &opts, &res, &f);
    if (rc) { bill_run_result_free(&res); return ctl_fail("invoice run", rc, &f); }
    if (e->json) printf("{\"period\":\"%s\",\"created\":[", res.period);
    for (size_t i = 0; i < res.ncreated; i++) {
        bill_invoice v;
        char total[32];
        if (bill_invoice_get(e->db, res.created[i], &v) != 0) continue;
        money(v.payable_cents, total);
        if (e->json) printf("%s{\"id\":%lld,\"number\":\"%s\",\"tenant_id\":%lld,\"payable_cents\":%lld}", i ? "," : "",
                            (long long)v.id, v.number, (long long)v.tenant_id, (long long)v.payable_cents);
        else printf("%-14s tenant %-5lld %12s  %s\n", v.number[0] ? v.number : "draft", (long long)v.tenant_id, total,
                    v.buyer_name);
    }
    if (e->json) printf("],\"existing\":%zu,\"skipped\":%zu}\n", res.nexisting, res.nskipped);
    else printf("%s: %zu invoice(s) made, %zu existed already, %zu skipped\n", res.period, res.ncreated,
                res.nexisting, res.nskipped);
    for (size_t i = 0; i < res.nskipped; i++)
        fprintf(stderr, "labpassctl: tenant %lld skipped: %s\n", (long long)res.skipped[i].tenant_id,
                res.skipped[i].reason);
    bill_run_result_free(&res);
    return 0;
}

static int write_out(const char *path, const char *buf, size_t len)
{
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (!f) { fprintf(stderr, "labpassctl: cannot write %s\n", path); return 1; }
    int ok = fwrite(buf, 1, len, f) == len;
    if (path) ok &= fclose(f) == 0;
    else fflush(stdout);
    if (!ok) fprintf(stderr, "labpassctl: write failed\n");
    return ok ? 0 : 1;
}

static int cmd_invoice_export(ctl_env *e, int argc, char **argv)
{
    const char *id = NULL, *format = NULL, *lang = NULL, *out = NULL;
    struct ctl_opt o[] = { { "--id", &id, NULL }, { "--format", &format, NULL }, { "--lang", &lang, NULL },
                           { "--out", &out, NULL }, { 0 } };
    const char *usage = "usage: labpassctl invoice export --id N --format ubl|html|csv [--lang nl|en] [--out FILE]\n"
                        "  writes an invoice or credit note to standard output or FILE\n";
    if (ctl_opts(argc, argv, o, usage) || !parse_id(id) || !format ||
        (lang && strcmp(lang, "nl") && strcmp(lang, "en"))) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    char *buf = NULL;
    size_t len = 0;
    int rc;
    if (!strcmp(format, "ubl")) rc = bill_export_ubl(e->db, parse_id(id), &buf, &len);
    else if (!strcmp(format, "html")) rc = bill_export_html(e->db, parse_id(id), lang, &buf, &len);
    else if (!strcmp(format, "csv")) rc = bill_export_csv(e->db, parse_id(id), &buf, &len);
    else { fprintf(stderr, "%s", usage); return 2; }
    if (rc == LP_ERR_STATE) { fprintf(stderr, "labpassctl: invoice export: a draft has no UBL document\n"); return 1; }
    if (rc) return ctl_fail("invoice export", rc, NULL);
    rc = write_out(out, buf, len);
    free(buf);
    return rc;
}

static int cmd_invoice_list(ctl_env *e, int argc, char **argv)
{
    const char *period = NULL, *status = NULL, *tenant = NULL;
    struct ctl_opt o[] = { { "--period", &period, NULL }, { "--status", &status, NULL }, { "--tenant", &tenant, NULL },
                           { 0 } };
    const char *usage = "usage: labpassctl [--json] invoice list [--period YYYY-MM] [--tenant ID]\n"
                        "         [--status draft|open|partly_paid|paid|credited|overdue]\n";
    bill_invoice_filter q = { .limit = SIZE_MAX };   /* the CLI lists every document */
    if (ctl_opts(argc, argv, o, usage) || (tenant && !parse_id(tenant))) { fprintf(stderr, "%s", usage); return 2; }
    q.tenant_id = tenant ? parse_id(tenant) : 0;
    q.period = period;
    if (status && bill_invoice_filter_status(&q, status) != 0) { fprintf(stderr, "%s", usage); return 2; }
    bill_invoice *arr = NULL;
    size_t n = 0;
    int rc = bill_invoice_list(e->db, &q, &arr, &n);
    if (rc) return ctl_fail("invoice list", rc, NULL);
    if (e->json) putchar('[');
    for (size_t i = 0; i < n; i++) {
        const bill_invoice *v = &arr[i];
        char total[32], bal[32];
        money(v->payable_cents, total);
        money(v->balance_cents, bal);
        if (e->json)
            printf("%s{\"id\":%lld,\"number\":\"%s\",\"kind\":\"%s\",\"tenant_id\":%lld,\"period\":\"%s\","
                   "\"payable_cents\":%lld,\"balance_cents\":%lld,\"payment_status\":\"%s\",\"overdue\":%s}",
                   i ? "," : "", (long long)v->id, v->number, bill_doc_kind_name(v->kind), (long long)v->tenant_id,
                   v->period, (long long)v->payable_cents, (long long)v->balance_cents,
                   bill_pay_status_name(v->payment_status),
                   v->overdue ? "true" : "false");
        else
            printf("%-5lld %-14s %-7s tenant %-5lld %12s  balance %12s  %s%s\n", (long long)v->id,
                   v->number[0] ? v->number : "draft", v->period, (long long)v->tenant_id, total, bal,
                   bill_pay_status_name(v->payment_status), v->overdue ? ", overdue" : "");
    }
    if (e->json) printf("]\n");
    free(arr);
    return 0;
}

static int cmd_charges_recompute(ctl_env *e, int argc, char **argv)
{
    const char *period = NULL, *tenant = NULL;
    struct ctl_opt o[] = { { "--period", &period, NULL }, { "--tenant", &tenant, NULL }, { 0 } };
    const char *usage = "usage: labpassctl charges recompute --period YYYY-MM [--tenant ID]\n"
                        "  recomputes the open charges of the month's reservations (invoiced ones never change)\n";
    int64_t from, to;
    if (ctl_opts(argc, argv, o, usage) || !period || bill_period_parse(period, &from, &to) ||
        (tenant && !parse_id(tenant))) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    size_t n = 0;
    int rc = bill_recompute(e->db, tenant ? parse_id(tenant) : 0, from, to, &n);
    if (rc) return ctl_fail("charges recompute", rc, NULL);
    if (e->json) printf("{\"reservations\":%zu}\n", n);
    else printf("%zu reservation(s) recomputed\n", n);
    return 0;
}

const struct ctl_cmd ctl_billing_cmds[] = {
    { "invoice", "run", cmd_invoice_run, "invoice a month for every tenant (idempotent)", 0 },
    { "invoice", "export", cmd_invoice_export, "write an invoice as UBL, HTML or CSV", 0 },
    { "invoice", "list", cmd_invoice_list, "list invoices and credit notes", 0 },
    { "charges", "recompute", cmd_charges_recompute, "recompute the open charges of a month", 0 },
};
const size_t ctl_billing_cmds_len = sizeof ctl_billing_cmds / sizeof ctl_billing_cmds[0];
