/* billing.c: the billing module's registration (the reservation hook and the
 * demo data), its demo rate plans, and the helpers every bill_*.c file
 * shares (see bill_int.h). Linking the module registers its hooks through a
 * constructor, so every program that can change reservations keeps their
 * charges current; bill_register() does the same explicitly. */
#include "billing/billing.h"
#include "billing/srq.h"
#include "billing/invtext.h"
#include "billing/bill_int.h"
#include "booking/demo.h"
#include "booking/resource.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- registration ---- */

/* The fee history first (it may freeze what the charge follows), then the charge. */
static int hook(db_t *db, const rsv_reservation *r)
{
    int rc = bill_fee_track(db, r);
    return rc ? rc : bill_on_reservation(db, r);
}

void bill_register(void)
{
    rsv_on_change(hook);
    demo_on_seed(bill_demo_seed);
}

__attribute__((constructor)) static void bill_autoregister(void) { bill_register(); }

/* ---- states and kinds: one table of spellings each (stored and JSON) ---- */

static const char *const CHARGE_KINDS[BILL_CHARGE_KIND_COUNT] = {
    [BILL_CHARGE_USAGE] = "usage", [BILL_CHARGE_CANCELLATION] = "cancellation", [BILL_CHARGE_NO_SHOW] = "no_show",
    [BILL_CHARGE_MEMBERSHIP] = "membership", [BILL_CHARGE_BENCH] = "bench", [BILL_CHARGE_ADJUSTMENT] = "adjustment",
    [BILL_CHARGE_SERVICE] = "service", [BILL_CHARGE_CONSUMABLE] = "consumable" };
static const char *const CHARGE_STATES[BILL_CHARGE_STATE_COUNT] = {
    [BILL_CHARGE_PENDING] = "pending", [BILL_CHARGE_FINAL] = "final" };
static const char *const DOC_KINDS[BILL_DOC_KIND_COUNT] = {
    [BILL_DOC_INVOICE] = "invoice", [BILL_DOC_CREDIT_NOTE] = "credit_note" };
static const char *const DOC_STATUSES[BILL_DOC_STATUS_COUNT] = {
    [BILL_DOC_DRAFT] = "draft", [BILL_DOC_ISSUED] = "issued" };
static const char *const PAY_STATUSES[BILL_PAY_STATUS_COUNT] = {
    [BILL_PAY_DRAFT] = "draft", [BILL_PAY_OPEN] = "open", [BILL_PAY_PARTLY_PAID] = "partly_paid",
    [BILL_PAY_PAID] = "paid", [BILL_PAY_CREDITED] = "credited", [BILL_PAY_ISSUED] = "issued" };

/* The index of text in names[0..n), or -1. */
static int spelling(const char *const *names, int n, const char *text)
{
    for (int i = 0; text && i < n; i++)
        if (strcmp(text, names[i]) == 0) return i;
    return -1;
}

#define SPELLING(type, fn, TABLE, COUNT)                                          \
    const char *fn##_name(enum type v) { return (unsigned)v < COUNT ? TABLE[v] : ""; } \
    int fn##_parse(const char *text, enum type *out)                              \
    {                                                                             \
        int i = spelling(TABLE, COUNT, text);                                     \
        if (i < 0) return LP_ERR_INVALID;                                         \
        *out = (enum type)i;                                                      \
        return 0;                                                                 \
    }
SPELLING(bill_charge_kind, bill_charge_kind, CHARGE_KINDS, BILL_CHARGE_KIND_COUNT)
SPELLING(bill_charge_state, bill_charge_state, CHARGE_STATES, BILL_CHARGE_STATE_COUNT)
SPELLING(bill_doc_kind, bill_doc_kind, DOC_KINDS, BILL_DOC_KIND_COUNT)
SPELLING(bill_doc_status, bill_doc_status, DOC_STATUSES, BILL_DOC_STATUS_COUNT)
SPELLING(bill_pay_status, bill_pay_status, PAY_STATUSES, BILL_PAY_STATUS_COUNT)
#undef SPELLING

/* ---- shared helpers ---- */

void bill_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int bill_vat_parse(const char *code, int32_t rate_bp, struct bcalc_vat *out)
{
    static const struct { const char *code; enum bcalc_vat_cat cat; } CATS[] = {
        { "S", BCALC_VAT_S }, { "Z", BCALC_VAT_Z }, { "E", BCALC_VAT_E }, { "AE", BCALC_VAT_AE } };
    for (size_t i = 0; code && i < sizeof CATS / sizeof CATS[0]; i++)
        if (strcmp(code, CATS[i].code) == 0) {
            *out = (struct bcalc_vat){ CATS[i].cat, rate_bp };
            return bcalc_vat_check(*out);
        }
    return LP_ERR_INVALID;
}

struct bcalc_vat bill_vat_col(sqlite3_stmt *st, int col)
{
    struct bcalc_vat v;
    if (bill_vat_parse(db_col_text(st, col), sqlite3_column_int(st, col + 1), &v) != 0)
        v = (struct bcalc_vat){ BCALC_VAT_S, 2100 };
    return v;
}

void bill_period_of(int64_t t, char out[BILL_PERIOD_LEN])
{
    struct tm tm;
    lt_local(t, &tm);
    snprintf(out, BILL_PERIOD_LEN, "%04u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u);
}

int bill_period_parse(const char *period, int64_t *from, int64_t *to)
{
    if (!period || strlen(period) != 7 || strncmp(period, "2000", 4) < 0) return LP_ERR_INVALID;
    return lt_parse_month(period, from, to);
}

int bill_date_ok(const char *date)
{
    int64_t a, b;
    return date && lt_parse_day(date, &a, &b) == 0;
}

void bill_date_plus(int64_t t, int days, char out[BILL_DATE_LEN])
{
    struct tm tm;
    lt_local(t, &tm);
    ubl_date_of(lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + days, 12, 0, 0), out);
}

void bill_month_step(const char *period, int delta, char out[BILL_PERIOD_LEN])
{
    int y = atoi(period), m = atoi(period + 5) - 1 + delta;
    y += m >= 0 ? m / 12 : -((11 - m) / 12);
    m = ((m % 12) + 12) % 12;
    snprintf(out, BILL_PERIOD_LEN, "%04u-%02u", (unsigned)y % 10000u, (unsigned)(m + 1) % 100u);
}

void bill_span_text(int64_t start, int64_t end, const char *lang, char *out, size_t len)
{
    struct tm a, b;
    const struct inv_labels *l = inv_labels(lang) ? inv_labels(lang) : inv_labels("nl");
    lt_local(start, &a);
    lt_local(end, &b);
    if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
        snprintf(out, len, "%d %s %04d, %02d:%02d-%02d:%02d", a.tm_mday, l->months[a.tm_mon], a.tm_year + 1900,
                 a.tm_hour, a.tm_min, b.tm_hour, b.tm_min);
    else
        snprintf(out, len, "%d %s %04d %02d:%02d - %d %s %04d %02d:%02d", a.tm_mday, l->months[a.tm_mon],
                 a.tm_year + 1900, a.tm_hour, a.tm_min, b.tm_mday, l->months[b.tm_mon], b.tm_year + 1900,
                 b.tm_hour, b.tm_min);
}

void bill_month_text(int64_t t, const char *lang, char *out, size_t len)
{
    struct tm a;
    const struct inv_labels *l = inv_labels(lang) ? inv_labels(lang) : inv_labels("nl");
    lt_local(t, &a);
    snprintf(out, len, "%s %04d", l->months[a.tm_mon], a.tm_year + 1900);
}

static const char *const PART_NAMES[] = { [BCALC_PART_HOURS] = "hours", [BCALC_PART_PEAK] = "peak",
                                          [BCALC_PART_OFFPEAK] = "offpeak", [BCALC_PART_MINIMUM] = "minimum",
                                          [BCALC_PART_FEE] = "fee", [BCALC_PART_ITEM] = "item" };

const char *bill_part_name(enum bcalc_part_kind k)
{
    return (unsigned)k < sizeof PART_NAMES / sizeof PART_NAMES[0] ? PART_NAMES[k] : "fee";
}

int bill_part_parse(const char *s, enum bcalc_part_kind *out)
{
    for (size_t i = 0; i < sizeof PART_NAMES / sizeof PART_NAMES[0]; i++) {
        if (strcmp(s, PART_NAMES[i]) != 0) continue;
        *out = (enum bcalc_part_kind)i;
        return 0;
    }
    return LP_ERR_INVALID;
}

static const struct bill_texts TEXTS_NL = {
    "", ", piekuren", ", daluren", ", toeslag minimumtarief", "Annuleringskosten %s", "No-show-kosten %s",
    "Betaling binnen %d dagen na factuurdatum.",
    "Het gecrediteerde bedrag wordt verrekend met de volgende factuur of teruggestort." };
static const struct bill_texts TEXTS_EN = {
    "", ", peak hours", ", off-peak hours", ", minimum charge supplement", "Late cancellation fee, %s",
    "No-show fee, %s", "Payment within %d days of the invoice date.",
    "The credited amount is set off against the next invoice or refunded." };

const struct bill_texts *bill_texts(const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? &TEXTS_EN : &TEXTS_NL;
}

int bill_site_ready(db_t *db, site_info *s, lp_fail *f)
{
    int rc = site_get(db, s);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, LP_ERR_RULE, "site", "the site is not set up");
    if (rc) return rc;
    const struct { const char *field, *value; } need[] = {
        { "legal_name", s->legal_name }, { "kvk_number", s->kvk_number }, { "vat_number", s->vat_number },
        { "iban", s->iban }, { "street", s->street }, { "postal_code", s->postal_code }, { "city", s->city },
        { "country", s->country } };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!need[i].value[0])
            return lp_failf(f, LP_ERR_RULE, need[i].field, "the site's %s is needed on invoices", need[i].field);
    return 0;
}

/* ---- the growing buffer and CSV ---- */

void bill_csv_raw(struct sbuf *b, bool sep, const char *s)
{
    if (sep) sb_put(b, ",", 1);
    sb_puts(b, s);
}

void bill_csv_text(struct sbuf *b, bool sep, const char *s)
{
    s = s ? s : "";
    bool risky = s[0] && strchr("=+-@\t\r", s[0]);
    bool quote = risky || strpbrk(s, ",\"\r\n") != NULL;
    if (sep) sb_put(b, ",", 1);
    if (quote) sb_put(b, "\"", 1);
    if (risky) sb_put(b, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"') sb_put(b, "\"\"", 2);
        else sb_put(b, p, 1);
    }
    if (quote) sb_put(b, "\"", 1);
}

void bill_csv_int(struct sbuf *b, bool sep, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    bill_csv_raw(b, sep, buf);
}

void bill_csv_money(struct sbuf *b, bool sep, int64_t cents)
{
    char buf[32];
    ubl_fmt_amount(cents, buf);
    bill_csv_raw(b, sep, buf);
}

void bill_csv_eol(struct sbuf *b) { sb_put(b, "\r\n", 2); }

/* ---- demo data ---- */

struct demo_price { const char *kind, *tier; int64_t peak, offpeak, minimum; int round; };

/* Hourly prices per resource kind and tier (cents), peak Mon-Fri 08:00-18:00. */
static const struct demo_price DEMO_PRICES[] = {
    { "lab", "startup", 4500, 3000, 0, 15 },       { "lab", "academic", 3500, 2500, 0, 15 },
    { "lab", "corporate", 7500, 5500, 0, 15 },     { "equipment", "startup", 2500, 1500, 1000, 15 },
    { "equipment", "academic", 2000, 1200, 800, 15 }, { "equipment", "corporate", 4000, 3000, 2000, 15 },
    { "room", "startup", 1500, 1500, 0, 30 },      { "room", "academic", 1200, 1200, 0, 30 },
    { "room", "corporate", 2500, 2500, 0, 30 },
};

static int demo_plans(db_t *db, const actor_t *who)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof DEMO_PRICES / sizeof DEMO_PRICES[0]; i++) {
        const struct demo_price *d = &DEMO_PRICES[i];
        bill_plan p = { .rate = { .peak_cents_per_hour = d->peak, .offpeak_cents_per_hour = d->offpeak,
                                  .windows = { { BCALC_MON_FRI, 480, 1080 } }, .nwindows = 1,
                                  .round_minutes = d->round, .min_charge_cents = d->minimum },
                        .vat = { BCALC_VAT_S, 2100 }, .effective_from = lt_from_local(2025, 1, 1, 0, 0, 0) };
        snprintf(p.name, sizeof p.name, "%s, %s tier", d->kind, d->tier);
        bill_copy(p.resource_kind, sizeof p.resource_kind, d->kind);
        bill_copy(p.tier, sizeof p.tier, d->tier);
        lp_fail f;
        rc = bill_plan_create(db, who, &p, &f);
    }
    return rc;
}

/* Labs and equipment: bookings are billed for the longer of booked and used
 * time, free cancellation until 24 h before, then half the booked price; a
 * no-show costs 25.00. Rooms: booked time, free until 2 h before. */
static int demo_policies(db_t *db, const actor_t *who)
{
    res_resource *arr = NULL;
    size_t n = 0;
    int rc = res_list(db, NULL, &arr, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool room = strcmp(arr[i].kind, "room") == 0;
        struct bcalc_policy p = { .basis = room ? BCALC_BASIS_BOOKED : BCALC_BASIS_MAX,
                                  .free_cancel_hours = room ? 2 : 24,
                                  .cancel_fee = { room ? BCALC_FEE_NONE : BCALC_FEE_PERCENT, room ? 0 : 5000 },
                                  .noshow_fee = { room ? BCALC_FEE_NONE : BCALC_FEE_FIXED, room ? 0 : 2500 } };
        lp_fail f;
        rc = bill_policy_set(db, who, arr[i].id, &p, true, &f);
    }
    free(arr);
    return rc;
}

/* The first demo tenant (lowest id) pays a membership fee from last month,
 * so an invoice run of last month shows an invoice straight away. */
static int demo_membership(db_t *db, const actor_t *who)
{
    tnt_tenant *arr = NULL;
    size_t n = 0;
    int rc = tnt_list(db, NULL, &arr, &n);
    size_t first = 0;
    for (size_t i = 1; rc == 0 && i < n; i++)
        if (arr[i].id < arr[first].id) first = i;
    if (rc == 0 && n > 0) {
        char now[BILL_PERIOD_LEN];
        bill_recurring r = { .tenant_id = arr[first].id, .monthly_cents = 25000, .vat = { BCALC_VAT_S, 2100 } };
        bill_period_of(clk_now(), now);
        bill_month_step(now, -1, r.from_month);
        r.kind = BILL_CHARGE_MEMBERSHIP;
        bill_copy(r.description, sizeof r.description, "MedTech Factory membership");
        lp_fail f;
        rc = bill_recurring_create(db, who, &r, &f);
    }
    free(arr);
    return rc;
}

int bill_demo_seed(db_t *db, const actor_t *who)
{
    int rc = demo_plans(db, who);
    if (rc == 0) rc = demo_policies(db, who);
    if (rc == 0) rc = demo_membership(db, who);
    if (rc == 0) rc = cat_demo_seed(db, who);
    if (rc == 0) rc = srq_demo_seed(db, who);
    return rc;
}
