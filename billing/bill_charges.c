/* bill_charges.c: charges: the reservation hook that keeps a reservation's
 * one charge (usage, cancellation fee or no-show fee) equal to what its
 * current state costs under the rate plan in force at its start, bulk
 * recomputation, staff adjustments, and reading charges back.
 * Guarantees: a charge on an invoice is never recomputed (and the database
 * refuses to change it); amounts are integer cents from bill_calc; pending
 * charges (reservations not settled) are never invoiced. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "booking/person.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "core/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything about a reservation's resource and tenant that prices it. */
struct rctx {
    char kind[12], name[121], tier[16], country[3], vat_number[16], site_country[3];
    bool has_plan, overrun;
    bill_plan plan;
    struct bcalc_policy pol;
    struct bcalc_vat vat;
};

/* The charge a reservation's state leads to: 0 and *kind, *state set, or
 * -1 for a state that costs nothing (a request, a rejection). */
static int state_charge(enum rsv_state s, enum bill_charge_kind *kind, enum bill_charge_state *state)
{
    switch (s) {
    case RSV_CONFIRMED:
    case RSV_CHECKED_IN: *kind = BILL_CHARGE_USAGE; *state = BILL_CHARGE_PENDING; return 0;
    case RSV_COMPLETED: *kind = BILL_CHARGE_USAGE; *state = BILL_CHARGE_FINAL; return 0;
    case RSV_CANCELLED: *kind = BILL_CHARGE_CANCELLATION; *state = BILL_CHARGE_FINAL; return 0;
    case RSV_NO_SHOW: *kind = BILL_CHARGE_NO_SHOW; *state = BILL_CHARGE_FINAL; return 0;
    case RSV_REQUESTED:
    case RSV_REJECTED: return -1;
    }
    return -1;
}

static int load_ctx(db_t *db, const rsv_reservation *r, struct rctx *c)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT s.kind, s.name, t.rate_tier, t.country, t.vat_number, "
                                   "COALESCE((SELECT country FROM site WHERE id = 1), 'NL') "
                                   "FROM resources s, tenants t WHERE s.id = ?1 AND t.id = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->resource_id);
    db_bind_int(st, 2, r->tenant_id);
    int rc = db_get(st);
    if (rc) return rc;
    char *dst[] = { c->kind, c->name, c->tier, c->country, c->vat_number, c->site_country };
    size_t cap[] = { sizeof c->kind, sizeof c->name, sizeof c->tier, sizeof c->country, sizeof c->vat_number,
                     sizeof c->site_country };
    for (int i = 0; i < 6; i++) bill_copy(dst[i], cap[i], db_col_text(st, i));
    sqlite3_reset(st);
    rc = bill_plan_find(db, r->resource_id, c->kind, c->tier, r->start, &c->plan);
    c->has_plan = rc == 0;
    if (rc && rc != LP_ERR_NOTFOUND) return rc;
    rc = bill_policy_get(db, r->resource_id, &c->pol, &c->overrun, NULL);
    if (rc) return rc;
    struct bcalc_vat domestic = c->has_plan ? c->plan.vat : (struct bcalc_vat){ BCALC_VAT_S, 2100 };
    if (bcalc_vat_for_buyer(domestic, c->site_country, c->country, c->vat_number,
                            c->has_plan && c->plan.reverse_charge, &c->vat) != 0)
        c->vat = domestic;
    return 0;
}

/* Usage under the policy; an unsettled booking is projected as booked. */
static int price_usage(const rsv_reservation *r, const struct rctx *c, struct bcalc_price *p)
{
    struct bcalc_policy pol = c->pol;
    struct bcalc_usage u = { r->start, r->end, r->checked_in_at > 0, r->checked_in_at,
                             r->checked_out_at ? r->checked_out_at : r->end };
    if (!u.checked_in) pol.basis = BCALC_BASIS_BOOKED;
    if (u.checked_in && u.actual_end < u.actual_start) u.actual_end = u.actual_start;
    if (pol.basis == BCALC_BASIS_BOOKED && c->overrun && u.checked_in && u.actual_end > r->end)
        return bcalc_price_interval(&c->plan.rate, r->start, u.actual_end, p);   /* overrun charged */
    return bcalc_price_usage(&c->plan.rate, &pol, &u, p);
}

static int usage_fact(const rsv_reservation *r, const struct rctx *c, struct bill_fact *ft)
{
    struct bcalc_price p;
    if (!c->has_plan) return 0;                 /* no price for this resource: free */
    int rc = price_usage(r, c, &p);
    if (rc) return rc;
    ft->nparts = bcalc_price_parts(&c->plan.rate, &p, ft->parts);
    ft->net = p.total_cents;
    ft->start = p.start;
    ft->end = p.end;
    return 0;
}

/* The fee r's state costs on one set of terms: c's resource and policy, the
 * booked interval [start, end), the cancellation deadline counted from
 * deadline_start. */
static int fee_on(const rsv_reservation *r, const struct rctx *c, enum bill_charge_kind kind, int64_t start, int64_t end,
                  int64_t deadline_start, int64_t *fee)
{
    struct bcalc_price booked = { 0 };
    *fee = 0;
    int rc = c->has_plan ? bcalc_price_interval(&c->plan.rate, start, end, &booked) : 0;
    if (rc) return rc;
    switch (kind) {
    case BILL_CHARGE_CANCELLATION:
        return bcalc_cancel_fee(&c->pol, booked.total_cents, deadline_start,
                                r->cancelled_at ? r->cancelled_at : r->updated_at, fee);
    case BILL_CHARGE_NO_SHOW: return bcalc_noshow_fee(&c->pol, booked.total_cents, fee);
    case BILL_CHARGE_USAGE:
    case BILL_CHARGE_MEMBERSHIP:
    case BILL_CHARGE_BENCH:
    case BILL_CHARGE_ADJUSTMENT:
    case BILL_CHARGE_SERVICE:
    case BILL_CHARGE_CONSUMABLE: break;
    }
    return LP_ERR_INTERNAL;   /* only the two fees are priced here */
}

/* Late-cancellation and no-show fees follow the booking's history
 * (bill_fees.c): the deadline counts from the earliest start the booking had
 * since it was first confirmed, and the fee is at least the fee on the basis
 * (the booking as it entered its late window). When the basis costs more, *c
 * becomes the basis resource's context and the charge names that booking. */
static int fee_fact(db_t *db, const rsv_reservation *r, struct rctx *c, struct bill_fact *ft)
{
    struct bill_fee_terms t;
    int64_t fee = 0, basis_fee = 0, s = r->start, e = r->end;
    if (r->fee_waived) return 0;   /* the facility cancelled it: no fee */
    int rc = bill_fee_terms_get(db, r->id, &t);
    if (rc) return rc;
    int64_t deadline = t.found && t.earliest_start < r->start ? t.earliest_start : r->start;
    rc = fee_on(r, c, ft->kind, r->start, r->end, deadline, &fee);
    if (rc == 0 && t.found) {
        rsv_reservation b = *r;
        struct rctx bc;
        memset(&bc, 0, sizeof bc);
        b.resource_id = t.resource_id;
        b.start = t.start;
        b.end = t.end;
        rc = load_ctx(db, &b, &bc);
        if (rc == 0) rc = fee_on(r, &bc, ft->kind, t.start, t.end, deadline, &basis_fee);
        if (rc && !bill_is_failure(rc)) rc = 0, basis_fee = 0;   /* unpriceable basis: as it is */
        if (rc == 0 && basis_fee > fee) { fee = basis_fee; *c = bc; s = t.start; e = t.end; }
    }
    if (rc || fee <= 0) return rc;
    ft->parts[0] = bcalc_fee_part(fee);
    ft->nparts = 1;
    ft->net = fee;
    ft->start = s;
    ft->end = e;
    return 0;
}

int bill_fact_compute(db_t *db, const rsv_reservation *r, struct bill_fact *ft)
{
    struct rctx c;
    memset(ft, 0, sizeof *ft);
    memset(&c, 0, sizeof c);
    ft->none = true;
    if (state_charge(r->state, &ft->kind, &ft->state) != 0) return 0;
    int rc = load_ctx(db, r, &c);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    rc = ft->kind == BILL_CHARGE_USAGE ? usage_fact(r, &c, ft) : fee_fact(db, r, &c, ft);
    if (bill_is_failure(rc)) return rc;
    if (rc) {   /* data bcalc refuses (e.g. an interval beyond its limits): no charge, but say so */
        log_warn("billing", "reservation %lld cannot be priced (%s); no charge", (long long)r->id, lp_err_name(rc));
        return 0;
    }
    ft->none = ft->net == 0;   /* a free booking or a free cancellation leaves no charge */
    ft->at = r->start;
    ft->plan_id = c.has_plan ? c.plan.id : 0;
    ft->vat = c.vat;
    if (c.vat.cat == BCALC_VAT_E) bill_copy(ft->exempt_reason, sizeof ft->exempt_reason, c.plan.exempt_reason);
    bill_copy(ft->description, sizeof ft->description, c.name);
    return 0;
}

static int insert_parts(db_t *db, int64_t charge_id, const struct bcalc_part *parts, size_t n)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = db_stmt(db, "INSERT INTO charge_parts(charge_id, pos, part, unit, qty_e6, unit_cents, "
                                       "net_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, charge_id); db_bind_int(st, 2, (int64_t)i + 1);
        db_bind_text(st, 3, bill_part_name(parts[i].kind)); db_bind_text(st, 4, bcalc_unit_code(parts[i].unit));
        db_bind_int(st, 5, parts[i].qty_e6); db_bind_int(st, 6, parts[i].unit_cents);
        db_bind_int(st, 7, parts[i].net_cents);
        rc = db_exec_stmt(st);
    }
    return rc;
}

static int delete_charge(db_t *db, int64_t id)
{
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM charges WHERE id = ?1 AND invoice_id IS NULL");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    return db_exec_stmt(st);
}

static int store_fact(db_t *db, const rsv_reservation *r, const struct bill_fact *ft, int64_t id)
{
    if (ft->none) return id ? delete_charge(db, id) : 0;
    sqlite3_stmt *st = id
        ? db_stmt(db, "UPDATE charges SET tenant_id = ?2, person_id = ?3, resource_id = ?4, rate_plan_id = NULLIF(?5, 0), "
                      "kind = ?6, state = ?7, at = ?8, start = ?9, end = ?10, description = ?11, net_cents = ?12, "
                      "vat_category = ?13, vat_rate_bp = ?14, exempt_reason = ?15, updated_at = ?16, "
                      "project_id = NULLIF(?18, 0) WHERE id = ?1")
        : db_stmt(db, "INSERT INTO charges(reservation_id, tenant_id, person_id, resource_id, rate_plan_id, kind, state, "
                      "at, start, end, description, net_cents, vat_category, vat_rate_bp, exempt_reason, created_by, "
                      "created_at, updated_at, project_id) VALUES (?17, ?2, ?3, ?4, NULLIF(?5, 0), ?6, ?7, ?8, ?9, ?10, "
                      "?11, ?12, ?13, ?14, ?15, 'billing', ?16, ?16, NULLIF(?18, 0))");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id); db_bind_int(st, 2, r->tenant_id); db_bind_int(st, 3, r->person_id);
    db_bind_int(st, 4, r->resource_id); db_bind_int(st, 5, ft->plan_id);
    db_bind_text(st, 6, bill_charge_kind_name(ft->kind)); db_bind_text(st, 7, bill_charge_state_name(ft->state)); db_bind_int(st, 8, ft->at); db_bind_int(st, 9, ft->start);
    db_bind_int(st, 10, ft->end); db_bind_text(st, 11, ft->description); db_bind_int(st, 12, ft->net);
    db_bind_text(st, 13, bcalc_vat_code(ft->vat.cat)); db_bind_int(st, 14, ft->vat.rate_bp);
    db_bind_text(st, 15, ft->exempt_reason); db_bind_int(st, 16, clk_now());
    if (!id) db_bind_int(st, 17, r->id);
    db_bind_int(st, 18, r->project_id);   /* the booking's project: invoices group by it */
    int rc = db_exec_stmt(st);
    if (rc) return rc;
    if (!id) {
        id = db_last_id(db);
    } else {
        st = db_stmt(db, "DELETE FROM charge_parts WHERE charge_id = ?1");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, id);
        if ((rc = db_exec_stmt(st)) != 0) return rc;
    }
    return insert_parts(db, id, ft->parts, ft->nparts);
}

int bill_on_reservation(db_t *db, const rsv_reservation *r)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, COALESCE(invoice_id, 0) FROM charges WHERE reservation_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->id);
    int64_t id = 0, invoice = 0;
    int rc = db_get(st);
    if (rc == 0) {
        id = sqlite3_column_int64(st, 0);
        invoice = sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
    } else if (rc != LP_ERR_NOTFOUND) {
        return rc;
    }
    if (invoice) return 0;   /* invoiced: never changes again; corrections are credit notes */
    struct bill_fact ft;
    rc = bill_fact_compute(db, r, &ft);
    return rc ? rc : store_fact(db, r, &ft, id);
}

/* ---- recomputation ---- */

int bill_recompute_query(db_t *db, const char *sql, int64_t a, int64_t b, int64_t c, const char *s, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    size_t len = 0, cap = 256;
    int64_t *ids = malloc(cap * sizeof *ids);
    if (!st || !ids) { free(ids); return st ? LP_ERR_NOMEM : LP_ERR_DB; }
    db_bind_int(st, 1, a); db_bind_int(st, 2, b); db_bind_int(st, 3, c); db_bind_text(st, 4, s);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (len == cap) {
            int64_t *ni = realloc(ids, 2 * cap * sizeof *ids);
            if (!ni) { rc = LP_ERR_NOMEM; break; }
            ids = ni;
            cap *= 2;
        }
        ids[len++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc > 0) rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        rsv_reservation r;
        rc = rsv_get(db, ids[i], &r);
        if (rc == 0) rc = bill_on_reservation(db, &r);
    }
    free(ids);
    *n = rc ? 0 : len;
    return rc;
}

struct recompute_args { int64_t tenant_id, from, to; size_t *n; };

static int do_recompute(db_t *db, void *arg)
{
    struct recompute_args *a = arg;
    return bill_recompute_query(db, "SELECT id FROM reservations WHERE start >= ?1 AND start < ?2 "
                                    "AND (?3 = 0 OR tenant_id = ?3) ORDER BY start, id",
                                a->from, a->to, a->tenant_id, "", a->n);
}

int bill_recompute(db_t *db, int64_t tenant_id, int64_t from, int64_t to, size_t *n)
{
    if (from >= to) return LP_ERR_INVALID;
    struct recompute_args a = { tenant_id, from, to, n };
    return db_in_tx(db, do_recompute, &a);
}

/* ---- adjustments ---- */

static const char *SNAP_CHARGE =
    "SELECT json_object('id', id, 'tenant_id', tenant_id, 'person_id', person_id, 'kind', kind, 'state', state, "
    "'at', at, 'description', description, 'reason', reason, 'net_cents', net_cents, 'vat_category', vat_category, "
    "'vat_rate_bp', vat_rate_bp, 'invoice_id', invoice_id) FROM charges WHERE id = ?1";

static int adjust_validate(db_t *db, bill_charge *c, lp_fail *f)
{
    tnt_tenant t;
    psn_person p;
    int rc = tnt_get(db, c->tenant_id, &t);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "tenant_id", "no such tenant");
    if (rc) return rc;
    if (c->net_cents == 0 || c->net_cents > BCALC_MAX_CENTS / 100 || c->net_cents < -BCALC_MAX_CENTS / 100)
        return lp_failf(f, LP_ERR_INVALID, "amount_cents", "amount_cents must be non-zero, at most 10000000.00 either way");
    if (!lp_text_ok(c->description, 200))
        return lp_failf(f, LP_ERR_INVALID, "description", "description must be 1 to 200 characters");
    if (!lp_text_ok(c->reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "reason", "an adjustment needs a reason of 1 to 200 characters");
    if (c->vat.cat == BCALC_VAT_S && c->vat.rate_bp == 0) c->vat.rate_bp = 2100;
    if (bcalc_vat_check(c->vat) || c->vat.cat == BCALC_VAT_AE)
        return lp_failf(f, LP_ERR_INVALID, "vat_category", "VAT must be S with a rate, or Z or E with rate 0");
    if (c->vat.cat == BCALC_VAT_E && !lp_text_ok(c->exempt_reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "exempt_reason", "exempt VAT needs the exemption reason");
    rc = c->person_id ? psn_get(db, c->person_id, &p) : 0;
    if (rc && rc != LP_ERR_NOTFOUND) return rc;
    if (c->person_id && (rc || p.tenant_id != c->tenant_id))
        return lp_failf(f, LP_ERR_NOTFOUND, "person_id", "no such person in the tenant");
    if (c->at < 0 || c->at > BCALC_MAX_INSTANT) return lp_failf(f, LP_ERR_INVALID, "date", "date out of range");
    return 0;
}

struct adjust_args { const actor_t *who; bill_charge *c; };

static int do_adjust(db_t *db, void *arg)
{
    struct adjust_args *a = arg;
    bill_charge *c = a->c;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO charges(tenant_id, person_id, kind, state, at, start, end, description, reason, net_cents, "
        "vat_category, vat_rate_bp, exempt_reason, created_by, created_at, updated_at) "
        "VALUES (?1, NULLIF(?2, 0), 'adjustment', 'final', ?3, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, c->tenant_id); db_bind_int(st, 2, c->person_id); db_bind_int(st, 3, c->at);
    db_bind_text(st, 4, c->description); db_bind_text(st, 5, c->reason); db_bind_int(st, 6, c->net_cents);
    db_bind_text(st, 7, bcalc_vat_code(c->vat.cat)); db_bind_int(st, 8, c->vat.rate_bp);
    db_bind_text(st, 9, c->vat.cat == BCALC_VAT_E ? c->exempt_reason : "");
    db_bind_text(st, 10, a->who && a->who->label ? a->who->label : "system"); db_bind_int(st, 11, clk_now());
    int rc = db_exec_stmt(st);
    if (rc) return rc;
    c->id = db_last_id(db);
    int64_t mag = c->net_cents < 0 ? -c->net_cents : c->net_cents;
    struct bcalc_part part = { BCALC_PART_FEE, false, c->net_cents < 0 ? -1000000 : 1000000, mag, c->net_cents };
    rc = insert_parts(db, c->id, &part, 1);
    if (rc == 0) rc = audit_change(db, a->who, "create", "charge", c->id, SNAP_CHARGE, NULL);
    if (rc == 0) rc = bill_charge_get(db, c->id, c);   /* read back inside: an error leaves nothing behind */
    return rc;
}

int bill_adjust(db_t *db, const actor_t *who, bill_charge *c, lp_fail *f)
{
    if (c->at == 0) c->at = clk_now();
    int rc = adjust_validate(db, c, f);
    if (rc) return rc;
    struct adjust_args a = { who, c };
    return db_in_tx(db, do_adjust, &a);
}

/* ---- reading ---- */

#define CHARGE_COLS "c.id, c.tenant_id, COALESCE(c.person_id, 0), COALESCE(c.reservation_id, 0), " \
    "COALESCE(c.resource_id, 0), COALESCE(c.recurring_id, 0), COALESCE(c.rate_plan_id, 0), COALESCE(c.invoice_id, 0), " \
    "c.kind, c.state, c.at, c.start, c.end, c.description, c.reason, c.net_cents, c.vat_category, c.vat_rate_bp, " \
    "c.exempt_reason, CASE WHEN i.status = 'issued' THEN i.number ELSE '' END, c.created_by, c.created_at, c.updated_at, " \
    "COALESCE(c.project_id, 0), COALESCE((SELECT p.code || ' ' || p.name FROM projects p WHERE p.id = c.project_id), ''), " \
    "COALESCE((SELECT p.po_number FROM projects p WHERE p.id = c.project_id), '')"

/* One charge row; a kind or state the database should never hold is an error. */
static int row_to_charge(sqlite3_stmt *st, bill_charge *c)
{
    memset(c, 0, sizeof *c);
    int64_t *ids[] = { &c->id, &c->tenant_id, &c->person_id, &c->reservation_id, &c->resource_id, &c->recurring_id,
                       &c->rate_plan_id, &c->invoice_id };
    for (int i = 0; i < 8; i++) *ids[i] = sqlite3_column_int64(st, i);
    int bad = bill_charge_kind_parse(db_col_text(st, 8), &c->kind);
    bad |= bill_charge_state_parse(db_col_text(st, 9), &c->state);
    c->at = sqlite3_column_int64(st, 10);
    c->start = sqlite3_column_int64(st, 11);
    c->end = sqlite3_column_int64(st, 12);
    bill_copy(c->description, sizeof c->description, db_col_text(st, 13));
    bill_copy(c->reason, sizeof c->reason, db_col_text(st, 14));
    c->net_cents = sqlite3_column_int64(st, 15);
    c->vat = bill_vat_col(st, 16);
    bill_copy(c->exempt_reason, sizeof c->exempt_reason, db_col_text(st, 18));
    bill_copy(c->invoice_number, sizeof c->invoice_number, db_col_text(st, 19));
    bill_copy(c->created_by, sizeof c->created_by, db_col_text(st, 20));
    c->created_at = sqlite3_column_int64(st, 21);
    c->updated_at = sqlite3_column_int64(st, 22);
    c->project_id = sqlite3_column_int64(st, 23);
    bill_copy(c->project, sizeof c->project, db_col_text(st, 24));
    bill_copy(c->project_po, sizeof c->project_po, db_col_text(st, 25));
    return bad ? LP_ERR_DB : 0;
}

static int load_parts(db_t *db, bill_charge *c)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT part, unit, qty_e6, unit_cents, net_cents FROM charge_parts "
                                   "WHERE charge_id = ?1 ORDER BY pos");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, c->id);
    c->nparts = 0;
    int rc = 0, step;
    while (c->nparts < BILL_MAX_PARTS && (step = db_step(st)) != DB_DONE) {
        if (step < 0) { rc = step; break; }
        struct bcalc_part *p = &c->parts[c->nparts++];
        if (bill_part_parse(db_col_text(st, 0), &p->kind) != 0) rc = LP_ERR_DB;
        if (bcalc_unit_parse(db_col_text(st, 1), &p->unit) != 0) rc = LP_ERR_DB;
        p->qty_e6 = sqlite3_column_int64(st, 2);
        p->unit_cents = sqlite3_column_int64(st, 3);
        p->net_cents = sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    return rc;
}

int bill_charge_get(db_t *db, int64_t id, bill_charge *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " CHARGE_COLS " FROM charges c LEFT JOIN invoices i ON i.id = c.invoice_id "
                                   "WHERE c.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = row_to_charge(st, out);
    sqlite3_reset(st);
    return rc ? rc : load_parts(db, out);
}

static int charge_row(sqlite3_stmt *st, void *elem) { return row_to_charge(st, elem); }

int bill_charge_total(db_t *db, const bill_charge_filter *q, int64_t *net_cents, int64_t *count)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(sum(net_cents), 0), count(*) FROM charges "
                                   "WHERE at >= ?1 AND at < ?2 AND (?3 = 0 OR tenant_id = ?3) AND (?4 = 0 OR person_id = ?4)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, q->from); db_bind_int(st, 2, q->to); db_bind_int(st, 3, q->tenant_id);
    db_bind_int(st, 4, q->person_id);
    int rc = db_get(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? LP_ERR_DB : rc;   /* an aggregate always has its row */
    *net_cents = sqlite3_column_int64(st, 0);
    *count = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

int bill_charge_list(db_t *db, const bill_charge_filter *q, bill_charge **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " CHARGE_COLS " FROM charges c LEFT JOIN invoices i ON i.id = c.invoice_id "
                                   "WHERE c.at >= ?1 AND c.at < ?2 AND (?3 = 0 OR c.tenant_id = ?3) "
                                   "AND (?4 = 0 OR c.person_id = ?4) AND (?7 = 0 OR c.at > ?6 OR (c.at = ?6 AND c.id > ?7)) "
                                   "ORDER BY c.at, c.id LIMIT ?5");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, q->from); db_bind_int(st, 2, q->to); db_bind_int(st, 3, q->tenant_id);
    db_bind_int(st, 4, q->person_id); db_bind_int(st, 5, (int64_t)(q->limit ? q->limit : 20000));
    db_bind_int(st, 6, q->after_at); db_bind_int(st, 7, q->after_id);
    bill_charge *arr;
    size_t len;
    int rc = db_collect(st, sizeof *arr, charge_row, (void **)&arr, &len);
    for (size_t i = 0; rc == 0 && i < len; i++) rc = load_parts(db, &arr[i]);
    if (rc) { free(arr); return rc; }
    *out = arr;
    *n = len;
    return 0;
}
