/* bill_calc.c: the pure arithmetic of labpass billing (see bill_calc.h for
 * the rules). Guarantees: integer arithmetic only, every input range-checked
 * before use so no intermediate can overflow, one rounding point per price,
 * and totals that satisfy the EN 16931 sum rules by construction. */
#include "billing/bill_calc.h"
#include <string.h>
#include "core/ltime.h"

/* ---- checks ---- */

int bcalc_rate_check(const struct bcalc_rate *r)
{
    if (!r || r->peak_cents_per_hour < 0 || r->peak_cents_per_hour > BCALC_MAX_RATE_CENTS ||
        r->offpeak_cents_per_hour < 0 || r->offpeak_cents_per_hour > BCALC_MAX_RATE_CENTS ||
        r->nwindows > BCALC_MAX_WINDOWS || r->round_minutes < 0 || r->round_minutes > 1440 ||
        r->min_charge_cents < 0 || r->min_charge_cents > BCALC_MAX_CENTS)
        return LP_ERR_INVALID;
    for (size_t i = 0; i < r->nwindows; i++) {
        const struct bcalc_window *w = &r->windows[i];
        if ((w->days & ~BCALC_EVERY_DAY) || w->from_min >= w->to_min || w->to_min > 1440)
            return LP_ERR_INVALID;
    }
    return 0;
}

static int fee_check(const struct bcalc_fee *f)
{
    switch (f->kind) {
    case BCALC_FEE_NONE: return 0;
    case BCALC_FEE_FIXED: return f->amount >= 0 && f->amount <= BCALC_MAX_CENTS ? 0 : LP_ERR_INVALID;
    case BCALC_FEE_PERCENT: return f->amount >= 0 && f->amount <= 10000 ? 0 : LP_ERR_INVALID;
    }
    return LP_ERR_INVALID;
}

int bcalc_policy_check(const struct bcalc_policy *p)
{
    if (!p || (p->basis != BCALC_BASIS_BOOKED && p->basis != BCALC_BASIS_ACTUAL &&
               p->basis != BCALC_BASIS_MAX) ||
        p->free_cancel_hours < 0 || p->free_cancel_hours > 8760)
        return LP_ERR_INVALID;
    if (fee_check(&p->cancel_fee) || fee_check(&p->noshow_fee))
        return LP_ERR_INVALID;
    return 0;
}

/* ---- peak windows in site time ---- */

static void date_next(int *y, int *m, int *d)
{
    if (lt_valid_date(*y, *m, *d + 1)) { (*d)++; return; }
    *d = 1;
    if (++*m > 12) { *m = 1; (*y)++; }
}

struct span { int64_t a, b; };

/* Instant of minute-of-day mins on y-m-d; 1440 is the next midnight. */
static int64_t wall(int y, int m, int d, int mins, int64_t next_midnight)
{
    return mins >= 1440 ? next_midnight : lt_from_local(y, m, d, mins / 60, mins % 60, 0);
}

/* Peak seconds of [s, e) within one local day [day0, day1) = y-m-d. */
static int64_t day_peak(const struct bcalc_rate *r, int y, int m, int d, int64_t day0,
                        int64_t day1, int64_t s, int64_t e)
{
    struct tm tm;
    struct span sp[BCALC_MAX_WINDOWS];
    size_t n = 0;
    lt_local(day0, &tm);
    for (size_t i = 0; i < r->nwindows; i++) {
        const struct bcalc_window *w = &r->windows[i];
        if (!(w->days & (1u << tm.tm_wday))) continue;
        int64_t a = wall(y, m, d, w->from_min, day1), b = wall(y, m, d, w->to_min, day1);
        if (a < s) a = s;
        if (b > e) b = e;
        if (a >= b) continue;
        size_t j = n++;                       /* insertion sort by start */
        while (j > 0 && sp[j - 1].a > a) { sp[j] = sp[j - 1]; j--; }
        sp[j] = (struct span){ a, b };
    }
    int64_t sum = 0, cur_a = 0, cur_b = 0;
    for (size_t i = 0; i < n; i++) {          /* union of overlapping windows */
        if (i > 0 && sp[i].a <= cur_b) {
            if (sp[i].b > cur_b) cur_b = sp[i].b;
            continue;
        }
        sum += cur_b - cur_a;
        cur_a = sp[i].a;
        cur_b = sp[i].b;
    }
    return sum + cur_b - cur_a;
}

int bcalc_peak_secs(const struct bcalc_rate *r, int64_t start, int64_t end, int64_t *out)
{
    if (bcalc_rate_check(r) || start < 0 || start > BCALC_MAX_INSTANT || start > end ||
        end - start > BCALC_MAX_SECS)
        return LP_ERR_INVALID;
    struct tm tm;
    lt_local(start, &tm);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
    int64_t total = 0, day0 = lt_from_local(y, m, d, 0, 0, 0);
    while (day0 < end) {
        int ny = y, nm = m, nd = d;
        date_next(&ny, &nm, &nd);
        int64_t day1 = lt_from_local(ny, nm, nd, 0, 0, 0);
        total += day_peak(r, y, m, d, day0, day1, start, end);
        y = ny; m = nm; d = nd; day0 = day1;
    }
    *out = total;
    return 0;
}

/* ---- prices ---- */

int64_t bcalc_hours_e6(int64_t secs)
{
    int64_t n = secs < 0 ? -secs : secs;
    int64_t h = (n * 1000000 + 1800) / 3600;
    return secs < 0 ? -h : h;
}

int64_t bcalc_apply_bp(int64_t v, int64_t bp)
{
    int64_t n = v * bp, q = ((n < 0 ? -n : n) + 5000) / 10000;
    return n < 0 ? -q : q;
}

int bcalc_price_interval(const struct bcalc_rate *r, int64_t start, int64_t end,
                         struct bcalc_price *out)
{
    int64_t peak, last_peak;
    int rc = bcalc_peak_secs(r, start, end, &peak);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    out->start = start;
    out->end = end;
    out->exact_secs = end - start;
    out->billed_secs = out->exact_secs;
    if (r->round_minutes > 0) {
        int64_t inc = (int64_t)r->round_minutes * 60;
        out->billed_secs = (out->exact_secs + inc - 1) / inc * inc;
    }
    out->peak_secs = peak;
    out->offpeak_secs = out->exact_secs - peak;
    if (out->billed_secs > out->exact_secs) {    /* rounding extra: tariff of the last second */
        rc = bcalc_peak_secs(r, end - 1, end, &last_peak);
        if (rc) return rc;
        if (last_peak) out->peak_secs += out->billed_secs - out->exact_secs;
        else out->offpeak_secs += out->billed_secs - out->exact_secs;
    }
    int64_t exact = out->peak_secs * r->peak_cents_per_hour +
                    out->offpeak_secs * r->offpeak_cents_per_hour;
    int64_t tariff = (exact + 1800) / 3600;      /* the one rounding point */
    out->peak_cents = (out->peak_secs * r->peak_cents_per_hour + 1800) / 3600;
    out->offpeak_cents = tariff - out->peak_cents;
    if (out->billed_secs > 0 && tariff < r->min_charge_cents)
        out->minimum_cents = r->min_charge_cents - tariff;
    out->total_cents = tariff + out->minimum_cents;
    return 0;
}

static int usage_interval(const struct bcalc_policy *p, const struct bcalc_usage *u,
                          int64_t *s, int64_t *e)
{
    if (u->booked_start >= u->booked_end || (u->checked_in && u->actual_start > u->actual_end))
        return LP_ERR_INVALID;
    if (p->basis == BCALC_BASIS_BOOKED) {
        *s = u->booked_start;
        *e = u->booked_end;
        return 0;
    }
    if (!u->checked_in) return LP_ERR_STATE;
    *s = u->actual_start;
    *e = u->actual_end;
    if (p->basis == BCALC_BASIS_MAX) {
        if (u->booked_start < *s) *s = u->booked_start;
        if (u->booked_end > *e) *e = u->booked_end;
    }
    return 0;
}

int bcalc_price_usage(const struct bcalc_rate *r, const struct bcalc_policy *p,
                      const struct bcalc_usage *u, struct bcalc_price *out)
{
    int64_t s, e;
    if (!u || bcalc_policy_check(p)) return LP_ERR_INVALID;
    int rc = usage_interval(p, u, &s, &e);
    return rc ? rc : bcalc_price_interval(r, s, e, out);
}

static int fee_amount(const struct bcalc_fee *f, int64_t booked_cents, int64_t *fee)
{
    if (fee_check(f) || booked_cents < 0 || booked_cents > BCALC_MAX_CENTS) return LP_ERR_INVALID;
    *fee = f->kind == BCALC_FEE_FIXED ? f->amount
         : f->kind == BCALC_FEE_PERCENT ? bcalc_apply_bp(booked_cents, f->amount) : 0;
    return 0;
}

int bcalc_cancel_fee(const struct bcalc_policy *p, int64_t booked_cents, int64_t start,
                     int64_t cancelled_at, int64_t *fee_cents)
{
    if (bcalc_policy_check(p) || start < 0 || start > BCALC_MAX_INSTANT || cancelled_at < 0 ||
        cancelled_at > BCALC_MAX_INSTANT)
        return LP_ERR_INVALID;
    if (start - cancelled_at >= (int64_t)p->free_cancel_hours * 3600) {
        *fee_cents = 0;
        return booked_cents >= 0 && booked_cents <= BCALC_MAX_CENTS ? 0 : LP_ERR_INVALID;
    }
    return fee_amount(&p->cancel_fee, booked_cents, fee_cents);
}

int bcalc_noshow_fee(const struct bcalc_policy *p, int64_t booked_cents, int64_t *fee_cents)
{
    if (bcalc_policy_check(p)) return LP_ERR_INVALID;
    return fee_amount(&p->noshow_fee, booked_cents, fee_cents);
}

static struct bcalc_part hours_part(enum bcalc_part_kind k, int64_t secs, int64_t rate, int64_t net)
{
    return (struct bcalc_part){ .kind = k, .unit = BCALC_UNIT_HUR, .qty_e6 = bcalc_hours_e6(secs),
                                .unit_cents = rate, .net_cents = net };
}

struct bcalc_part bcalc_fee_part(int64_t fee_cents)
{
    return (struct bcalc_part){ .kind = BCALC_PART_FEE, .unit = BCALC_UNIT_C62, .qty_e6 = 1000000,
                                .unit_cents = fee_cents, .net_cents = fee_cents };
}

size_t bcalc_price_parts(const struct bcalc_rate *r, const struct bcalc_price *p,
                         struct bcalc_part out[3])
{
    size_t n = 0;
    if (r->peak_cents_per_hour == r->offpeak_cents_per_hour) {
        if (p->billed_secs > 0)
            out[n++] = hours_part(BCALC_PART_HOURS, p->billed_secs, r->peak_cents_per_hour,
                                  p->peak_cents + p->offpeak_cents);
    } else {
        if (p->peak_secs > 0)
            out[n++] = hours_part(BCALC_PART_PEAK, p->peak_secs, r->peak_cents_per_hour,
                                  p->peak_cents);
        if (p->offpeak_secs > 0)
            out[n++] = hours_part(BCALC_PART_OFFPEAK, p->offpeak_secs,
                                  r->offpeak_cents_per_hour, p->offpeak_cents);
    }
    if (p->minimum_cents > 0) {
        out[n] = bcalc_fee_part(p->minimum_cents);
        out[n++].kind = BCALC_PART_MINIMUM;
    }
    return n;
}

/* ---- VAT ---- */

static const char *const vat_codes[] = { [BCALC_VAT_S] = "S", [BCALC_VAT_Z] = "Z",
                                         [BCALC_VAT_E] = "E", [BCALC_VAT_AE] = "AE" };

const char *bcalc_vat_code(enum bcalc_vat_cat cat)
{
    return (unsigned)cat < sizeof vat_codes / sizeof vat_codes[0] ? vat_codes[cat] : "?";
}

int bcalc_vat_check(struct bcalc_vat v)
{
    switch (v.cat) {
    case BCALC_VAT_S: return v.rate_bp > 0 && v.rate_bp <= 10000 ? 0 : LP_ERR_INVALID;
    case BCALC_VAT_Z:
    case BCALC_VAT_E:
    case BCALC_VAT_AE: return v.rate_bp == 0 ? 0 : LP_ERR_INVALID;
    }
    return LP_ERR_INVALID;
}

static const char eu_members[] =
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK ";

static bool is_country(const char *c)
{
    return c && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] == '\0';
}

static bool is_eu(const char *c)
{
    for (const char *p = eu_members; *p; p += 3)
        if (p[0] == c[0] && p[1] == c[1]) return true;
    return false;
}

int bcalc_vat_for_buyer(struct bcalc_vat domestic, const char *seller_country,
                        const char *buyer_country, const char *buyer_vat_id,
                        bool reverse_charge_allowed, struct bcalc_vat *out)
{
    if (bcalc_vat_check(domestic) || !is_country(seller_country) || !is_country(buyer_country))
        return LP_ERR_INVALID;
    const char *prefix = strcmp(buyer_country, "GR") == 0 ? "EL" : buyer_country;
    bool foreign_eu = is_eu(buyer_country) && strcmp(buyer_country, seller_country) != 0;
    bool has_vat = buyer_vat_id && strlen(buyer_vat_id) > 2 && strncmp(buyer_vat_id, prefix, 2) == 0;
    *out = reverse_charge_allowed && foreign_eu && has_vat
         ? (struct bcalc_vat){ BCALC_VAT_AE, 0 } : domestic;
    return 0;
}

static int vat_order(struct bcalc_vat a, struct bcalc_vat b)
{
    if (a.cat != b.cat) return a.cat < b.cat ? -1 : 1;
    return a.rate_bp == b.rate_bp ? 0 : a.rate_bp > b.rate_bp ? -1 : 1;
}

void bcalc_totals_init(struct bcalc_totals *t)
{
    memset(t, 0, sizeof *t);
}

static bool in_range(int64_t v) { return v >= -BCALC_MAX_CENTS && v <= BCALC_MAX_CENTS; }

int bcalc_totals_add(struct bcalc_totals *t, int64_t net_cents, struct bcalc_vat vat)
{
    if (bcalc_vat_check(vat) || !in_range(net_cents) || !in_range(t->line_ext_cents + net_cents))
        return LP_ERR_INVALID;
    size_t i = 0;
    while (i < t->ngroups && vat_order(t->groups[i].vat, vat) != 0) i++;
    if (i == t->ngroups) {
        if (t->ngroups == BCALC_MAX_VAT_GROUPS) return LP_ERR_TOOBIG;
        t->groups[t->ngroups++] = (struct bcalc_vat_group){ .vat = vat };
    }
    if (!in_range(t->groups[i].taxable_cents + net_cents)) return LP_ERR_INVALID;
    t->groups[i].taxable_cents += net_cents;
    t->line_ext_cents += net_cents;
    t->nlines++;
    return 0;
}

void bcalc_totals_finish(struct bcalc_totals *t)
{
    for (size_t i = 1; i < t->ngroups; i++) {    /* insertion sort: S, Z, E, AE; rate desc */
        struct bcalc_vat_group g = t->groups[i];
        size_t j = i;
        while (j > 0 && vat_order(t->groups[j - 1].vat, g.vat) > 0) {
            t->groups[j] = t->groups[j - 1];
            j--;
        }
        t->groups[j] = g;
    }
    t->tax_cents = 0;
    for (size_t i = 0; i < t->ngroups; i++) {    /* VAT once per group, on its sum */
        struct bcalc_vat_group *g = &t->groups[i];
        g->tax_cents = bcalc_apply_bp(g->taxable_cents, g->vat.rate_bp);
        t->tax_cents += g->tax_cents;
    }
    t->tax_excl_cents = t->line_ext_cents;
    t->tax_incl_cents = t->tax_excl_cents + t->tax_cents;
    t->payable_cents = t->tax_incl_cents;
}

static const char *const UNIT_CODES[BCALC_UNIT_COUNT] = {
    [BCALC_UNIT_HUR] = "HUR", [BCALC_UNIT_C62] = "C62", [BCALC_UNIT_LTR] = "LTR", [BCALC_UNIT_MLT] = "MLT",
    [BCALC_UNIT_KGM] = "KGM", [BCALC_UNIT_GRM] = "GRM", [BCALC_UNIT_DAY] = "DAY", [BCALC_UNIT_MIN] = "MIN",
    [BCALC_UNIT_E48] = "E48" };
static const char *const UNIT_WORDS[BCALC_UNIT_COUNT] = {
    [BCALC_UNIT_HUR] = "hour", [BCALC_UNIT_C62] = "piece", [BCALC_UNIT_LTR] = "litre", [BCALC_UNIT_MLT] = "millilitre",
    [BCALC_UNIT_KGM] = "kilogram", [BCALC_UNIT_GRM] = "gram", [BCALC_UNIT_DAY] = "day", [BCALC_UNIT_MIN] = "minute",
    [BCALC_UNIT_E48] = "service_unit" };

const char *bcalc_unit_code(enum bcalc_unit u) { return (unsigned)u < BCALC_UNIT_COUNT ? UNIT_CODES[u] : ""; }
const char *bcalc_unit_word(enum bcalc_unit u) { return (unsigned)u < BCALC_UNIT_COUNT ? UNIT_WORDS[u] : ""; }

int bcalc_unit_parse(const char *code, enum bcalc_unit *out)
{
    for (int i = 0; code && i < BCALC_UNIT_COUNT; i++)
        if (strcmp(code, UNIT_CODES[i]) == 0) { *out = (enum bcalc_unit)i; return 0; }
    return LP_ERR_INVALID;
}

bool bcalc_unit_whole(enum bcalc_unit u) { return u == BCALC_UNIT_C62 || u == BCALC_UNIT_E48; }
