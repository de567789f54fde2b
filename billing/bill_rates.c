/* bill_rates.c: rate plan versions with their peak windows, and billing
 * policies per resource (see billing.h). Versions are immutable (triggers in
 * 0004); a new version recomputes the open charges it affects in the same
 * transaction, so a price change applies from its date and never touches an
 * invoiced charge. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "booking/resource.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- weekdays and times as text ---- */

static const char *const DAY_NAMES[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static int day_index(const char *s, size_t n)
{
    for (int i = 0; i < 7; i++)
        if (n == 3 && strncmp(s, DAY_NAMES[i], 3) == 0) return i;
    return -1;
}

/* Monday-first position of a tm_wday, and back. */
static int mon_first(int wday) { return (wday + 6) % 7; }
static int wday_of(int pos) { return (pos + 1) % 7; }

int bill_days_parse(const char *s, uint8_t *days)
{
    uint8_t d = 0;
    if (!s || strlen(s) > 40) return LP_ERR_INVALID;
    if (strcmp(s, "daily") == 0) { *days = BCALC_EVERY_DAY; return 0; }
    while (*s) {
        size_t n = strcspn(s, ",");
        const char *dash = memchr(s, '-', n);
        int a = day_index(s, dash ? (size_t)(dash - s) : n);
        int b = dash ? day_index(dash + 1, n - (size_t)(dash - s) - 1) : a;
        if (a < 0 || b < 0) return LP_ERR_INVALID;
        for (int p = mon_first(a);; p = (p + 1) % 7) {   /* ranges run Monday-first, may wrap */
            d |= (uint8_t)(1u << wday_of(p));
            if (p == mon_first(b)) break;
        }
        s += n;
        if (*s == ',' && *++s == '\0') return LP_ERR_INVALID;
    }
    if (d == 0) return LP_ERR_INVALID;
    *days = d;
    return 0;
}

void bill_days_text(uint8_t days, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    if ((days & BCALC_EVERY_DAY) == BCALC_EVERY_DAY) { snprintf(out, len, "daily"); return; }
    for (int p = 0; p < 7; p++) {
        if (!(days & (1u << wday_of(p)))) continue;
        int q = p;
        while (q + 1 < 7 && (days & (1u << wday_of(q + 1)))) q++;
        int k = snprintf(out + o, o < len ? len - o : 0, "%s%s", o ? "," : "", DAY_NAMES[wday_of(p)]);
        o += k > 0 ? (size_t)k : 0;
        if (q > p) {
            k = snprintf(out + o, o < len ? len - o : 0, "%s%s", q > p + 1 ? "-" : ",", DAY_NAMES[wday_of(q)]);
            o += k > 0 ? (size_t)k : 0;
        }
        p = q;
    }
}

int bill_hhmm_parse(const char *s, bool allow_24, uint16_t *mins)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return LP_ERR_INVALID;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return LP_ERR_INVALID;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m || !allow_24))) return LP_ERR_INVALID;
    *mins = (uint16_t)(h * 60 + m);
    return 0;
}

/* ---- plans ---- */

#define PLAN_COLS "id, name, COALESCE(resource_id, 0), COALESCE(resource_kind, ''), COALESCE(tier, ''), " \
    "effective_from, peak_cents, offpeak_cents, round_minutes, min_charge_cents, vat_category, vat_rate_bp, " \
    "exempt_reason, reverse_charge, COALESCE(previous_id, 0), created_by, created_at"

static const char *SNAP_PLAN =
    "SELECT json_object('id', id, 'name', name, 'resource_id', resource_id, 'resource_kind', resource_kind, "
    "'tier', tier, 'effective_from', effective_from, 'peak_cents', peak_cents, 'offpeak_cents', offpeak_cents, "
    "'round_minutes', round_minutes, 'min_charge_cents', min_charge_cents, 'vat_category', vat_category, "
    "'vat_rate_bp', vat_rate_bp, 'reverse_charge', reverse_charge, 'previous_id', previous_id, "
    "'windows', (SELECT json_group_array(json_array(days, from_min, to_min)) FROM rate_plan_windows "
    "WHERE rate_plan_id = rate_plans.id)) FROM rate_plans WHERE id = ?1";

static int load_windows(db_t *db, bill_plan *p)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT days, from_min, to_min FROM rate_plan_windows WHERE rate_plan_id = ?1 "
                                   "ORDER BY rowid");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, p->id);
    p->rate.nwindows = 0;
    int rc = 0, step;
    while (p->rate.nwindows < BCALC_MAX_WINDOWS && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        struct bcalc_window *w = &p->rate.windows[p->rate.nwindows++];
        w->days = (uint8_t)sqlite3_column_int(st, 0);
        w->from_min = (uint16_t)sqlite3_column_int(st, 1);
        w->to_min = (uint16_t)sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    return rc;
}

static void row_to_plan(sqlite3_stmt *st, bill_plan *p)
{
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    bill_copy(p->name, sizeof p->name, db_col_text(st, 1));
    p->resource_id = sqlite3_column_int64(st, 2);
    bill_copy(p->resource_kind, sizeof p->resource_kind, db_col_text(st, 3));
    bill_copy(p->tier, sizeof p->tier, db_col_text(st, 4));
    p->effective_from = sqlite3_column_int64(st, 5);
    p->rate.peak_cents_per_hour = sqlite3_column_int64(st, 6);
    p->rate.offpeak_cents_per_hour = sqlite3_column_int64(st, 7);
    p->rate.round_minutes = sqlite3_column_int(st, 8);
    p->rate.min_charge_cents = sqlite3_column_int64(st, 9);
    p->vat = bill_vat_col(st, 10);
    bill_copy(p->exempt_reason, sizeof p->exempt_reason, db_col_text(st, 12));
    p->reverse_charge = sqlite3_column_int(st, 13) != 0;
    p->previous_id = sqlite3_column_int64(st, 14);
    bill_copy(p->created_by, sizeof p->created_by, db_col_text(st, 15));
    p->created_at = sqlite3_column_int64(st, 16);
}

static int plan_row(sqlite3_stmt *st, void *elem)
{
    row_to_plan(st, elem);
    return 0;
}

/* Runs st (bound) and reads the plans it returns, with their windows. */
static int read_plans(db_t *db, sqlite3_stmt *st, bill_plan **out, size_t *n)
{
    bill_plan *arr;
    size_t len;
    int rc = db_collect(st, sizeof *arr, plan_row, (void **)&arr, &len);
    for (size_t i = 0; rc == 0 && i < len; i++) rc = load_windows(db, &arr[i]);
    if (rc) { free(arr); return rc; }
    *out = arr;
    *n = len;
    return 0;
}

int bill_plan_get(db_t *db, int64_t id, bill_plan *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PLAN_COLS " FROM rate_plans WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    row_to_plan(st, out);
    sqlite3_reset(st);
    return load_windows(db, out);
}

int bill_plan_list(db_t *db, int64_t resource_id, bill_plan **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PLAN_COLS " FROM rate_plans WHERE ?1 = 0 OR resource_id = ?1 OR "
                                   "(resource_id IS NULL AND (resource_kind IS NULL OR resource_kind = "
                                   "(SELECT kind FROM resources WHERE id = ?1))) "
                                   "ORDER BY resource_id IS NULL, resource_kind IS NULL, COALESCE(resource_id, 0), "
                                   "COALESCE(resource_kind, ''), tier IS NULL, COALESCE(tier, ''), effective_from LIMIT 5000");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    return read_plans(db, st, out, n);
}

int bill_plan_find(db_t *db, int64_t resource_id, const char *kind, const char *tier, int64_t at, bill_plan *out)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT " PLAN_COLS " FROM rate_plans WHERE effective_from <= ?4 AND (tier IS NULL OR tier = ?3) AND "
        "(resource_id = ?1 OR (resource_id IS NULL AND (resource_kind IS NULL OR resource_kind = ?2))) "
        "ORDER BY resource_id IS NULL, resource_kind IS NULL, tier IS NULL, effective_from DESC LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, tier);
    db_bind_int(st, 4, at);
    int rc = db_get(st);
    if (rc) return rc;
    row_to_plan(st, out);
    sqlite3_reset(st);
    return load_windows(db, out);
}

static int one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0) return 1;
    return 0;
}

static int plan_validate(db_t *db, const bill_plan *p, lp_fail *f)
{
    static const char *const KINDS[] = { "", "lab", "equipment", "room" };
    static const char *const TIERS[] = { "", "startup", "academic", "corporate" };
    res_resource r;
    if (!lp_text_ok(p->name, 120)) return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to 120 characters");
    if (!one_of(p->resource_kind, KINDS, 4))
        return lp_failf(f, LP_ERR_INVALID, "resource_kind", "resource_kind must be lab, equipment or room");
    if (p->resource_id && p->resource_kind[0])
        return lp_failf(f, LP_ERR_INVALID, "resource_kind", "give resource_id or resource_kind, not both");
    int rc = p->resource_id ? res_get(db, p->resource_id, &r) : 0;
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "resource_id", "no such resource");
    if (rc) return rc;
    if (!one_of(p->tier, TIERS, 4))
        return lp_failf(f, LP_ERR_INVALID, "tier", "tier must be startup, academic or corporate");
    if (p->effective_from <= 0 || p->effective_from > BCALC_MAX_INSTANT)
        return lp_failf(f, LP_ERR_INVALID, "effective_from", "effective_from must be a date");
    if (bcalc_rate_check(&p->rate))
        return lp_failf(f, LP_ERR_INVALID, "rate", "prices must be 0 to 10000.00 per hour, the increment 0 to "
                        "1440 minutes, the minimum charge not negative, and each window from < to within a day");
    if (bcalc_vat_check(p->vat) || p->vat.cat == BCALC_VAT_AE)
        return lp_failf(f, LP_ERR_INVALID, "vat_category", "VAT must be S with a rate of 1 to 10000 basis points, "
                        "or Z or E with rate 0");
    if (p->exempt_reason[0] && !lp_text_ok(p->exempt_reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "exempt_reason", "exempt_reason is not valid text");
    if (p->vat.cat == BCALC_VAT_E && !p->exempt_reason[0])
        return lp_failf(f, LP_ERR_INVALID, "exempt_reason", "exempt VAT needs the exemption reason for invoices");
    return 0;
}

/* A new version keeps its predecessor's scope and tier and starts later. */
static int check_previous(db_t *db, const bill_plan *p, lp_fail *f)
{
    bill_plan prev;
    int rc = bill_plan_get(db, p->previous_id, &prev);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "previous_id", "no such rate plan");
    if (rc) return rc;
    if (prev.resource_id != p->resource_id || strcmp(prev.resource_kind, p->resource_kind) ||
        strcmp(prev.tier, p->tier))
        return lp_failf(f, LP_ERR_INVALID, "previous_id", "a new version keeps the scope and tier of its plan");
    if (p->effective_from <= prev.effective_from)
        return lp_failf(f, LP_ERR_INVALID, "effective_from", "a new version must start after the version it follows");
    return 0;
}

static int insert_plan(db_t *db, const actor_t *who, bill_plan *p)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO rate_plans(name, resource_id, resource_kind, tier, effective_from, peak_cents, offpeak_cents, "
        "round_minutes, min_charge_cents, vat_category, vat_rate_bp, exempt_reason, reverse_charge, previous_id, "
        "created_by, created_at) VALUES (?1, NULLIF(?2, 0), NULLIF(?3, ''), NULLIF(?4, ''), ?5, ?6, ?7, ?8, ?9, "
        "?10, ?11, ?12, ?13, NULLIF(?14, 0), ?15, ?16)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, p->name); db_bind_int(st, 2, p->resource_id); db_bind_text(st, 3, p->resource_kind);
    db_bind_text(st, 4, p->tier); db_bind_int(st, 5, p->effective_from);
    db_bind_int(st, 6, p->rate.peak_cents_per_hour); db_bind_int(st, 7, p->rate.offpeak_cents_per_hour);
    db_bind_int(st, 8, p->rate.round_minutes); db_bind_int(st, 9, p->rate.min_charge_cents);
    db_bind_text(st, 10, bcalc_vat_code(p->vat.cat)); db_bind_int(st, 11, p->vat.rate_bp);
    db_bind_text(st, 12, p->exempt_reason); db_bind_int(st, 13, p->reverse_charge);
    db_bind_int(st, 14, p->previous_id); db_bind_text(st, 15, who && who->label ? who->label : "system");
    db_bind_int(st, 16, clk_now());
    int rc = db_exec_stmt(st);
    if (rc) return rc;
    p->id = db_last_id(db);
    for (size_t i = 0; rc == 0 && i < p->rate.nwindows; i++) {
        st = db_stmt(db, "INSERT INTO rate_plan_windows(rate_plan_id, days, from_min, to_min) VALUES (?1, ?2, ?3, ?4)");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, p->id); db_bind_int(st, 2, p->rate.windows[i].days);
        db_bind_int(st, 3, p->rate.windows[i].from_min); db_bind_int(st, 4, p->rate.windows[i].to_min);
        rc = db_exec_stmt(st);
    }
    return rc;
}

struct plan_args { const actor_t *who; bill_plan *p; lp_fail *f; };

static int do_plan_create(db_t *db, void *arg)
{
    struct plan_args *a = arg;
    size_t n = 0;
    int rc = a->p->previous_id ? check_previous(db, a->p, a->f) : 0;
    if (rc == 0) rc = insert_plan(db, a->who, a->p);
    if (rc == LP_ERR_CONFLICT)
        return lp_failf(a->f, rc, "effective_from", "a version of this plan starts on that date already");
    if (rc == 0) rc = audit_change(db, a->who, "create", "rate_plan", a->p->id, SNAP_PLAN, NULL);
    /* Open charges of reservations from the effective date on, in the plan's scope. */
    if (rc == 0)
        rc = bill_recompute_query(db,
            "SELECT r.id FROM reservations r JOIN resources s ON s.id = r.resource_id WHERE r.start >= ?1 "
            "AND (?2 = 0 OR r.resource_id = ?2) AND (?4 = '' OR s.kind = ?4) "
            "AND r.status IN ('confirmed','checked_in','completed','cancelled','no_show') "
            "AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.reservation_id = r.id AND c.invoice_id IS NOT NULL)",
            a->p->effective_from, a->p->resource_id, 0, a->p->resource_kind, &n);
    return rc;
}

int bill_plan_create(db_t *db, const actor_t *who, bill_plan *p, lp_fail *f)
{
    int rc = plan_validate(db, p, f);
    if (rc) return rc;
    struct plan_args a = { who, p, f };
    return db_in_tx(db, do_plan_create, &a);
}

/* ---- policies ---- */

static const char *const BASIS[] = { [BCALC_BASIS_BOOKED] = "booked", [BCALC_BASIS_ACTUAL] = "actual",
                                     [BCALC_BASIS_MAX] = "max" };
static const char *const FEES[] = { [BCALC_FEE_NONE] = "none", [BCALC_FEE_FIXED] = "fixed",
                                    [BCALC_FEE_PERCENT] = "percent" };

const char *bill_basis_name(enum bcalc_basis b) { return (unsigned)b < 3 ? BASIS[b] : "booked"; }
const char *bill_fee_kind_name(enum bcalc_fee_kind k) { return (unsigned)k < 3 ? FEES[k] : "none"; }

int bill_basis_parse(const char *s, enum bcalc_basis *out)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, BASIS[i]) == 0) { *out = (enum bcalc_basis)i; return 0; }
    return LP_ERR_INVALID;
}

int bill_fee_kind_parse(const char *s, enum bcalc_fee_kind *out)
{
    for (int i = 0; s && i < 3; i++) {
        if (strcmp(s, FEES[i]) != 0) continue;
        *out = (enum bcalc_fee_kind)i;
        return 0;
    }
    return LP_ERR_INVALID;
}

int bill_policy_get(db_t *db, int64_t resource_id, struct bcalc_policy *out, bool *charge_overrun, bool *is_default)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT basis, charge_overrun, free_cancel_hours, cancel_fee_kind, cancel_fee_amount, "
                                   "noshow_fee_kind, noshow_fee_amount FROM billing_policies WHERE resource_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    *out = (struct bcalc_policy){ .basis = BCALC_BASIS_BOOKED, .free_cancel_hours = 24 };
    bool overrun = true, def = true;
    int rc = db_get(st);
    if (rc && rc != LP_ERR_NOTFOUND) return rc;
    if (rc == 0) {
        def = false;
        int bad = bill_basis_parse(db_col_text(st, 0), &out->basis);
        overrun = sqlite3_column_int(st, 1) != 0;
        out->free_cancel_hours = sqlite3_column_int(st, 2);
        bad |= bill_fee_kind_parse(db_col_text(st, 3), &out->cancel_fee.kind);
        out->cancel_fee.amount = sqlite3_column_int64(st, 4);
        bad |= bill_fee_kind_parse(db_col_text(st, 5), &out->noshow_fee.kind);
        out->noshow_fee.amount = sqlite3_column_int64(st, 6);
        sqlite3_reset(st);
        if (bad) return LP_ERR_DB;
    }
    if (charge_overrun) *charge_overrun = overrun;
    if (is_default) *is_default = def;
    return 0;
}

static const char *SNAP_POLICY =
    "SELECT json_object('resource_id', resource_id, 'basis', basis, 'charge_overrun', charge_overrun, "
    "'free_cancel_hours', free_cancel_hours, 'cancel_fee_kind', cancel_fee_kind, 'cancel_fee_amount', "
    "cancel_fee_amount, 'noshow_fee_kind', noshow_fee_kind, 'noshow_fee_amount', noshow_fee_amount) "
    "FROM billing_policies WHERE resource_id = ?1";

struct policy_args { const actor_t *who; int64_t resource_id; const struct bcalc_policy *p; bool overrun; };

static int do_policy_set(db_t *db, void *arg)
{
    struct policy_args *a = arg;
    char *before = NULL;
    size_t n = 0;
    int rc = audit_snapshot(db, SNAP_POLICY, a->resource_id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "INSERT INTO billing_policies(resource_id, basis, charge_overrun, free_cancel_hours, cancel_fee_kind, "
        "cancel_fee_amount, noshow_fee_kind, noshow_fee_amount, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT(resource_id) DO UPDATE SET basis = excluded.basis, charge_overrun = excluded.charge_overrun, "
        "free_cancel_hours = excluded.free_cancel_hours, cancel_fee_kind = excluded.cancel_fee_kind, "
        "cancel_fee_amount = excluded.cancel_fee_amount, noshow_fee_kind = excluded.noshow_fee_kind, "
        "noshow_fee_amount = excluded.noshow_fee_amount, updated_at = excluded.updated_at");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->resource_id); db_bind_text(st, 2, bill_basis_name(a->p->basis));
        db_bind_int(st, 3, a->overrun); db_bind_int(st, 4, a->p->free_cancel_hours);
        db_bind_text(st, 5, bill_fee_kind_name(a->p->cancel_fee.kind)); db_bind_int(st, 6, a->p->cancel_fee.amount);
        db_bind_text(st, 7, bill_fee_kind_name(a->p->noshow_fee.kind)); db_bind_int(st, 8, a->p->noshow_fee.amount);
        db_bind_int(st, 9, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, before ? "update" : "create", "billing_policy", a->resource_id,
                                   SNAP_POLICY, before);
    /* Unsettled reservations of the resource follow the new policy. */
    if (rc == 0)
        rc = bill_recompute_query(db,
            "SELECT id FROM reservations WHERE resource_id = ?1 AND status IN ('confirmed','checked_in')",
            a->resource_id, 0, 0, "", &n);
    free(before);
    return rc;
}

int bill_policy_set(db_t *db, const actor_t *who, int64_t resource_id, const struct bcalc_policy *p,
                    bool charge_overrun, lp_fail *f)
{
    res_resource r;
    int rc = res_get(db, resource_id, &r);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "resource_id", "no such resource");
    if (rc) return rc;
    if (bcalc_policy_check(p))
        return lp_failf(f, LP_ERR_INVALID, "policy", "free_cancel_hours must be 0 to 8760, fixed fees 0 or more "
                        "cents, percentage fees 0 to 10000 basis points");
    struct policy_args a = { who, resource_id, p, charge_overrun };
    return db_in_tx(db, do_policy_set, &a);
}
