/* cat.c: the catalogue, its price versions, item charges, estimates and
 * consumables (see cat.h). */
#include "billing/cat.h"
#include "booking/project.h"
#include "billing/bill_int.h"
#include "booking/spell.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAMES[CAT_KIND_COUNT] = { [CAT_SERVICE] = "service", [CAT_CONSUMABLE] = "consumable" };

const char *cat_kind_name(enum cat_kind k) { return (unsigned)k < CAT_KIND_COUNT ? KIND_NAMES[k] : ""; }

int cat_kind_parse(const char *text, enum cat_kind *out)
{
    int i = text ? spell_find(KIND_NAMES, CAT_KIND_COUNT, text) : -1;
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum cat_kind)i;
    return 0;
}

/* ---- items ---- */

static const char SNAP_ITEM[] =
    "SELECT json_object('id', id, 'kind', kind, 'code', code, 'name', name, 'description', description, "
    "'unit', unit, 'resource_id', resource_id, 'vat_category', vat_category, 'vat_rate_bp', vat_rate_bp, "
    "'exempt_reason', exempt_reason, 'active', active) FROM catalogue_items WHERE id = ?1";

#define ITEM_COLS "id, kind, code, name, description, unit, COALESCE(resource_id, 0), vat_category, vat_rate_bp, " \
                  "exempt_reason, active, created_by, created_at, updated_at FROM catalogue_items "

static int item_row(sqlite3_stmt *st, void *elem)
{
    cat_item *it = elem;
    memset(it, 0, sizeof *it);
    it->id = sqlite3_column_int64(st, 0);
    int bad = cat_kind_parse(db_col_text(st, 1), &it->kind);
    bill_copy(it->code, sizeof it->code, db_col_text(st, 2));
    bill_copy(it->name, sizeof it->name, db_col_text(st, 3));
    bill_copy(it->description, sizeof it->description, db_col_text(st, 4));
    bad |= bcalc_unit_parse(db_col_text(st, 5), &it->unit);
    it->resource_id = sqlite3_column_int64(st, 6);
    it->vat = bill_vat_col(st, 7);
    bill_copy(it->exempt_reason, sizeof it->exempt_reason, db_col_text(st, 9));
    it->active = sqlite3_column_int(st, 10) != 0;
    bill_copy(it->created_by, sizeof it->created_by, db_col_text(st, 11));
    it->created_at = sqlite3_column_int64(st, 12);
    it->updated_at = sqlite3_column_int64(st, 13);
    return bad ? LP_ERR_DB : 0;
}

int cat_item_get(db_t *db, int64_t id, cat_item *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " ITEM_COLS "WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = item_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int cat_item_list(db_t *db, bool active_only, cat_item **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " ITEM_COLS "WHERE (?1 = 0 OR active = 1) ORDER BY kind DESC, name, id "
                                   "LIMIT 5000");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, active_only);
    return db_collect(st, sizeof **out, item_row, (void **)out, n);
}

static int code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > CAT_CODE_MAX) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
              *s == '.'))
            return 0;
    return 1;
}

static int item_check(db_t *db, const cat_item *it, lp_fail *f)
{
    if (!lp_text_ok(it->name, CAT_NAME_MAX))
        return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to %d characters of text", CAT_NAME_MAX);
    if (it->description[0] && !lp_text_ok(it->description, CAT_DESC_MAX))
        return lp_failf(f, LP_ERR_INVALID, "description", "description must be at most %d characters of text", CAT_DESC_MAX);
    if (bcalc_vat_check(it->vat) || it->vat.cat == BCALC_VAT_AE)
        return lp_failf(f, LP_ERR_INVALID, "vat_category", "VAT must be S with a rate, or Z or E with rate 0");
    if (it->vat.cat == BCALC_VAT_E && !lp_text_ok(it->exempt_reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "exempt_reason", "exempt VAT needs the exemption reason");
    if (it->vat.cat != BCALC_VAT_E && it->exempt_reason[0])
        return lp_failf(f, LP_ERR_INVALID, "exempt_reason", "only exempt VAT has an exemption reason");
    if (it->resource_id) {
        sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM resources WHERE id = ?1");
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, it->resource_id);
        int rc = db_get(st);
        if (rc == 0) sqlite3_reset(st);
        if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "resource_id", "no such resource");
        if (rc) return rc;
    }
    return 0;
}

struct item_args { const actor_t *who; cat_item *it; lp_fail *f; };

static int do_item_create(db_t *db, void *p)
{
    struct item_args *a = p;
    cat_item *it = a->it;
    int rc = item_check(db, it, a->f);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM catalogue_items WHERE code = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, it->code);
    rc = db_get(st);
    if (rc == 0) { sqlite3_reset(st); return lp_failf(a->f, LP_ERR_CONFLICT, "code", "an item with this code exists"); }
    if (rc != LP_ERR_NOTFOUND) return rc;
    st = db_stmt(db, "INSERT INTO catalogue_items(kind, code, name, description, unit, resource_id, vat_category, "
                     "vat_rate_bp, exempt_reason, active, created_by, created_at, updated_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, 0), ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, cat_kind_name(it->kind)); db_bind_text(st, 2, it->code); db_bind_text(st, 3, it->name);
    db_bind_text(st, 4, it->description); db_bind_text(st, 5, bcalc_unit_code(it->unit));
    db_bind_int(st, 6, it->resource_id); db_bind_text(st, 7, bcalc_vat_code(it->vat.cat));
    db_bind_int(st, 8, it->vat.rate_bp); db_bind_text(st, 9, it->exempt_reason); db_bind_int(st, 10, it->active);
    db_bind_text(st, 11, a->who->label); db_bind_int(st, 12, clk_now());
    rc = db_exec_stmt(st);
    if (rc) return rc;
    it->id = db_last_id(db);
    return audit_change(db, a->who, "create", "catalogue_item", it->id, SNAP_ITEM, NULL);
}

int cat_item_create(db_t *db, const actor_t *who, cat_item *it, lp_fail *f)
{
    if ((unsigned)it->kind >= CAT_KIND_COUNT) return lp_failf(f, LP_ERR_INVALID, "kind", "kind is service or consumable");
    if ((unsigned)it->unit >= BCALC_UNIT_COUNT) return lp_failf(f, LP_ERR_INVALID, "unit", "unknown unit");
    if (!code_ok(it->code))
        return lp_failf(f, LP_ERR_INVALID, "code", "code is 1 to %d letters, digits, '-', '_' or '.'", CAT_CODE_MAX);
    struct item_args a = { who, it, f };
    return db_in_tx(db, do_item_create, &a);
}

static int do_item_update(db_t *db, void *p)
{
    struct item_args *a = p;
    const cat_item *it = a->it;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_ITEM, it->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    if (rc == 0) rc = item_check(db, it, a->f);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE catalogue_items SET name = ?2, description = ?3, "
                                               "resource_id = NULLIF(?4, 0), vat_category = ?5, vat_rate_bp = ?6, "
                                               "exempt_reason = ?7, active = ?8, updated_at = ?9 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, it->id); db_bind_text(st, 2, it->name); db_bind_text(st, 3, it->description);
        db_bind_int(st, 4, it->resource_id); db_bind_text(st, 5, bcalc_vat_code(it->vat.cat));
        db_bind_int(st, 6, it->vat.rate_bp); db_bind_text(st, 7, it->exempt_reason); db_bind_int(st, 8, it->active);
        db_bind_int(st, 9, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "update", "catalogue_item", it->id, SNAP_ITEM, before);
    free(before);
    return rc;
}

int cat_item_update(db_t *db, const actor_t *who, const cat_item *it, lp_fail *f)
{
    struct item_args a = { who, (cat_item *)it, f };
    return db_in_tx(db, do_item_update, &a);
}

/* ---- prices ---- */

static const char SNAP_PRICE[] =
    "SELECT json_object('id', id, 'item_id', item_id, 'tier', tier, 'effective_from', effective_from, "
    "'unit_cents', unit_cents) FROM item_prices WHERE id = ?1";

#define PRICE_COLS "id, item_id, COALESCE(tier, ''), effective_from, unit_cents, created_by, created_at FROM item_prices "

static int price_row(sqlite3_stmt *st, void *elem)
{
    cat_price *p = elem;
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->item_id = sqlite3_column_int64(st, 1);
    bill_copy(p->tier, sizeof p->tier, db_col_text(st, 2));
    p->effective_from = sqlite3_column_int64(st, 3);
    p->unit_cents = sqlite3_column_int64(st, 4);
    bill_copy(p->created_by, sizeof p->created_by, db_col_text(st, 5));
    p->created_at = sqlite3_column_int64(st, 6);
    return 0;
}

int cat_price_list(db_t *db, int64_t item_id, cat_price **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PRICE_COLS "WHERE item_id = ?1 ORDER BY effective_from DESC, tier LIMIT 1000");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, item_id);
    return db_collect(st, sizeof **out, price_row, (void **)out, n);
}

int cat_price_find(db_t *db, int64_t item_id, const char *tier, int64_t at, cat_price *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " PRICE_COLS "WHERE item_id = ?1 AND effective_from <= ?3 AND "
                                   "(tier IS NULL OR tier = ?2) ORDER BY tier IS NULL, effective_from DESC LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, item_id);
    db_bind_text(st, 2, tier ? tier : "");
    db_bind_int(st, 3, at);
    int rc = db_get(st);
    if (rc) return rc;
    price_row(st, out);
    sqlite3_reset(st);
    return 0;
}

struct price_args { const actor_t *who; cat_price *p; lp_fail *f; };

static int do_price_add(db_t *db, void *arg)
{
    struct price_args *a = arg;
    cat_price *p = a->p;
    cat_item it;
    int rc = cat_item_get(db, p->item_id, &it);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "item_id", "no such item");
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM item_prices WHERE item_id = ?1 AND COALESCE(tier, '') = ?2 "
                                   "AND effective_from = ?3");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, p->item_id); db_bind_text(st, 2, p->tier); db_bind_int(st, 3, p->effective_from);
    rc = db_get(st);
    if (rc == 0) {
        sqlite3_reset(st);
        return lp_failf(a->f, LP_ERR_CONFLICT, "effective_from", "a price for this tier and date exists; choose another date");
    }
    if (rc != LP_ERR_NOTFOUND) return rc;
    st = db_stmt(db, "INSERT INTO item_prices(item_id, tier, effective_from, unit_cents, created_by, created_at) "
                     "VALUES (?1, NULLIF(?2, ''), ?3, ?4, ?5, ?6)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, p->item_id); db_bind_text(st, 2, p->tier); db_bind_int(st, 3, p->effective_from);
    db_bind_int(st, 4, p->unit_cents); db_bind_text(st, 5, a->who->label); db_bind_int(st, 6, clk_now());
    rc = db_exec_stmt(st);
    if (rc) return rc;
    p->id = db_last_id(db);
    return audit_change(db, a->who, "create", "item_price", p->id, SNAP_PRICE, NULL);
}

int cat_price_add(db_t *db, const actor_t *who, cat_price *p, lp_fail *f)
{
    if (p->tier[0] && strcmp(p->tier, "startup") && strcmp(p->tier, "academic") && strcmp(p->tier, "corporate"))
        return lp_failf(f, LP_ERR_INVALID, "tier", "tier is startup, academic, corporate or absent (every tier)");
    if (p->unit_cents < 0 || p->unit_cents > CAT_MAX_UNIT_CENTS)
        return lp_failf(f, LP_ERR_INVALID, "unit_cents", "unit_cents is 0 to %d", CAT_MAX_UNIT_CENTS);
    if (p->effective_from <= 0 || p->effective_from > BCALC_MAX_INSTANT)
        return lp_failf(f, LP_ERR_INVALID, "effective_from", "effective_from must be a date");
    struct price_args a = { who, p, f };
    return db_in_tx(db, do_price_add, &a);
}

/* ---- quantities and the one pricing rule ---- */

int cat_qty_parse(const char *text, enum bcalc_unit unit, int64_t *qty_e6)
{
    if (!text || !*text || strlen(text) > 12) return LP_ERR_INVALID;
    int64_t whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    const char *s = text;
    for (; *s >= '0' && *s <= '9'; s++, digits++) whole = whole * 10 + (*s - '0');
    if (digits == 0 || digits > 6) return LP_ERR_INVALID;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, fdigits++) {
            if (fdigits >= 3) return LP_ERR_INVALID;
            frac = frac * 10 + (*s - '0');
        }
        if (fdigits == 0) return LP_ERR_INVALID;
    }
    if (*s) return LP_ERR_INVALID;
    for (int i = fdigits; i < 6; i++) frac *= 10;
    int64_t q = whole * 1000000 + frac;
    if (q <= 0 || q > CAT_MAX_QTY_E6) return LP_ERR_INVALID;
    if (bcalc_unit_whole(unit) && q % 1000000) return LP_ERR_INVALID;
    *qty_e6 = q;
    return 0;
}

int cat_price_line(enum bcalc_unit unit, int64_t qty_e6, int64_t unit_cents, struct bcalc_part *out)
{
    if ((unsigned)unit >= BCALC_UNIT_COUNT || qty_e6 <= 0 || qty_e6 > CAT_MAX_QTY_E6 || unit_cents < 0 ||
        unit_cents > CAT_MAX_UNIT_CENTS)
        return LP_ERR_INVALID;
    int64_t net = (qty_e6 * unit_cents + 500000) / 1000000;   /* < 2^63: 1e11 * 1e7 */
    if (net > BCALC_MAX_CENTS / 100) return LP_ERR_INVALID;
    *out = (struct bcalc_part){ .kind = BCALC_PART_ITEM, .unit = unit, .qty_e6 = qty_e6, .unit_cents = unit_cents,
                                .net_cents = net };
    return 0;
}

static int tenant_tier(db_t *db, int64_t tenant_id, char tier[16])
{
    sqlite3_stmt *st = db_stmt(db, "SELECT rate_tier FROM tenants WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id);
    int rc = db_get(st);
    if (rc) return rc;
    bill_copy(tier, 16, db_col_text(st, 0));
    sqlite3_reset(st);
    return 0;
}

int cat_estimate_get(db_t *db, int64_t item_id, int64_t tenant_id, int64_t qty_e6, int64_t at, cat_estimate *out,
                     lp_fail *f)
{
    char tier[16];
    memset(out, 0, sizeof *out);
    int rc = cat_item_get(db, item_id, &out->item);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "item_id", "no such item");
    if (rc == 0) rc = tenant_tier(db, tenant_id, tier);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "tenant_id", "no such tenant");
    if (rc == 0) rc = cat_price_find(db, item_id, tier, at, &out->price);
    if (rc == LP_ERR_NOTFOUND) rc = 0;
    else if (rc == 0) out->priced = true;
    if (rc) return rc;
    rc = cat_price_line(out->item.unit, qty_e6, out->priced ? out->price.unit_cents : 0, &out->part);
    if (rc) return lp_failf(f, rc, "quantity", "the quantity or the amount is out of range");
    out->net_cents = out->part.net_cents;
    out->vat_cents = out->item.vat.cat == BCALC_VAT_S ? bcalc_apply_bp(out->net_cents, out->item.vat.rate_bp) : 0;
    return 0;
}

int cat_project_pick(db_t *db, int64_t tenant_id, int64_t person_id, int64_t at, int64_t *project_id, lp_fail *f)
{
    /* the same rules as a booking's project: the person's default when none is
     * named, the company's purchase order rule, the project's state and dates */
    return prj_for_booking(db, tenant_id, person_id, at, project_id, f);
}

static const char SNAP_ITEM_CHARGE[] =
    "SELECT json_object('id', id, 'tenant_id', tenant_id, 'person_id', person_id, 'kind', kind, 'state', state, "
    "'at', at, 'item_id', item_id, 'project_id', project_id, 'description', description, 'reason', reason, "
    "'net_cents', net_cents, 'vat_category', vat_category, 'vat_rate_bp', vat_rate_bp, 'invoice_id', invoice_id, "
    "'qty_e6', (SELECT qty_e6 FROM charge_parts WHERE charge_id = charges.id AND pos = 1), "
    "'unit_cents', (SELECT unit_cents FROM charge_parts WHERE charge_id = charges.id AND pos = 1)) "
    "FROM charges WHERE id = ?1";

int cat_charge_add(db_t *db, const actor_t *who, const cat_charge_in *in, int64_t *charge_id, lp_fail *f)
{
    cat_item it;
    struct bcalc_part part;
    *charge_id = 0;
    int rc = cat_item_get(db, in->item_id, &it);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "item_id", "no such item");
    if (rc) return rc;
    int64_t unit_cents = in->unit_cents;
    if (!in->has_price) {
        cat_estimate e;
        rc = cat_estimate_get(db, in->item_id, in->tenant_id, in->qty_e6, in->at, &e, f);
        if (rc) return rc;
        if (!e.priced) return 0;   /* no price list applies: nothing is charged */
        unit_cents = e.price.unit_cents;
    }
    rc = cat_price_line(it.unit, in->qty_e6, unit_cents, &part);
    if (rc) return lp_failf(f, rc, "quantity", "the quantity or the amount is out of range");
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO charges(tenant_id, person_id, resource_id, kind, state, at, start, end, "
                                   "description, reason, net_cents, vat_category, vat_rate_bp, exempt_reason, created_by, "
                                   "created_at, updated_at, project_id, item_id) VALUES (?1, NULLIF(?2, 0), NULLIF(?3, 0), "
                                   "?4, 'final', ?5, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, NULLIF(?14, 0), ?15)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, in->tenant_id); db_bind_int(st, 2, in->person_id); db_bind_int(st, 3, it.resource_id);
    db_bind_text(st, 4, bill_charge_kind_name(in->kind)); db_bind_int(st, 5, in->at);
    db_bind_text(st, 6, it.name); db_bind_text(st, 7, in->reason ? in->reason : "");
    db_bind_int(st, 8, part.net_cents); db_bind_text(st, 9, bcalc_vat_code(it.vat.cat));
    db_bind_int(st, 10, it.vat.rate_bp); db_bind_text(st, 11, it.exempt_reason); db_bind_text(st, 12, who->label);
    db_bind_int(st, 13, clk_now()); db_bind_int(st, 14, in->project_id); db_bind_int(st, 15, in->item_id);
    rc = db_exec_stmt(st);
    if (rc) return rc;
    int64_t id = db_last_id(db);
    st = db_stmt(db, "INSERT INTO charge_parts(charge_id, pos, part, unit, qty_e6, unit_cents, net_cents) "
                     "VALUES (?1, 1, 'item', ?2, ?3, ?4, ?5)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id); db_bind_text(st, 2, bcalc_unit_code(part.unit)); db_bind_int(st, 3, part.qty_e6);
    db_bind_int(st, 4, part.unit_cents); db_bind_int(st, 5, part.net_cents);
    rc = db_exec_stmt(st);
    if (rc == 0) rc = audit_change(db, who, "create", "charge", id, SNAP_ITEM_CHARGE, NULL);
    if (rc == 0) *charge_id = id;
    return rc;
}

/* ---- consumables ---- */

#define USE_COLS "c.id, c.tenant_id, COALESCE(c.person_id, 0), COALESCE(c.project_id, 0), c.item_id, " \
                 "COALESCE(p.name, ''), c.description, cp.unit, cp.qty_e6, cp.unit_cents, c.net_cents, c.at, " \
                 "c.invoice_id IS NOT NULL, c.created_by FROM charges c JOIN charge_parts cp ON cp.charge_id = c.id " \
                 "AND cp.pos = 1 LEFT JOIN people p ON p.id = c.person_id "

static int use_row(sqlite3_stmt *st, void *elem)
{
    cat_use *u = elem;
    memset(u, 0, sizeof *u);
    u->charge_id = sqlite3_column_int64(st, 0);
    u->tenant_id = sqlite3_column_int64(st, 1);
    u->person_id = sqlite3_column_int64(st, 2);
    u->project_id = sqlite3_column_int64(st, 3);
    u->item_id = sqlite3_column_int64(st, 4);
    bill_copy(u->person, sizeof u->person, db_col_text(st, 5));
    bill_copy(u->item, sizeof u->item, db_col_text(st, 6));
    bill_copy(u->unit, sizeof u->unit, db_col_text(st, 7));
    u->qty_e6 = sqlite3_column_int64(st, 8);
    u->unit_cents = sqlite3_column_int64(st, 9);
    u->net_cents = sqlite3_column_int64(st, 10);
    u->at = sqlite3_column_int64(st, 11);
    u->invoiced = sqlite3_column_int(st, 12) != 0;
    bill_copy(u->created_by, sizeof u->created_by, db_col_text(st, 13));
    return 0;
}

int cat_use_get(db_t *db, int64_t charge_id, cat_use *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " USE_COLS "WHERE c.id = ?1 AND c.kind = 'consumable'");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, charge_id);
    int rc = db_get(st);
    if (rc) return rc;
    use_row(st, out);
    sqlite3_reset(st);
    return 0;
}

int cat_use_list(db_t *db, int64_t tenant_id, int64_t person_id, int64_t from, int64_t to, cat_use **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " USE_COLS "WHERE c.kind = 'consumable' AND c.at >= ?3 AND c.at < ?4 "
                                   "AND (?1 = 0 OR c.tenant_id = ?1) AND (?2 = 0 OR c.person_id = ?2) "
                                   "ORDER BY c.at DESC, c.id DESC LIMIT 5000");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant_id); db_bind_int(st, 2, person_id); db_bind_int(st, 3, from); db_bind_int(st, 4, to);
    return db_collect(st, sizeof **out, use_row, (void **)out, n);
}

struct use_args {
    const actor_t *who;
    int64_t person_id, item_id, qty_e6, project_id, at;
    cat_use *out;
    lp_fail *f;
};

static int do_use_add(db_t *db, void *p)
{
    struct use_args *a = p;
    cat_item it;
    int rc = cat_item_get(db, a->item_id, &it);
    if (rc == 0 && it.kind != CAT_CONSUMABLE) rc = LP_ERR_NOTFOUND;
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "item_id", "no such consumable");
    if (rc) return rc;
    if (!it.active) return lp_failf(a->f, LP_ERR_RULE, "item_id", "the item is no longer sold");
    sqlite3_stmt *st = db_stmt(db, "SELECT m.tenant_id, t.status FROM memberships m JOIN tenants t ON t.id = m.tenant_id "
                                   "WHERE m.person_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->person_id);
    rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "person_id", "no such member of a company");
    if (rc) return rc;
    int64_t tenant = sqlite3_column_int64(st, 0);
    bool active = strcmp(db_col_text(st, 1), "active") == 0;
    sqlite3_reset(st);
    if (!active) return lp_failf(a->f, LP_ERR_RULE, "tenant", "the company is not active");
    rc = cat_project_pick(db, tenant, a->person_id, a->at, &a->project_id, a->f);
    if (rc) return rc;
    cat_charge_in in = { .kind = BILL_CHARGE_CONSUMABLE, .tenant_id = tenant, .person_id = a->person_id,
                         .project_id = a->project_id, .item_id = a->item_id, .qty_e6 = a->qty_e6, .at = a->at };
    int64_t id = 0;
    rc = cat_charge_add(db, a->who, &in, &id, a->f);
    if (rc) return rc;
    if (!id) return lp_failf(a->f, LP_ERR_RULE, "item_id", "the item has no price for this company yet");
    return cat_use_get(db, id, a->out);
}

int cat_use_add(db_t *db, const actor_t *who, int64_t person_id, int64_t item_id, int64_t qty_e6, int64_t project_id,
                int64_t at, cat_use *out, lp_fail *f)
{
    int64_t now = clk_now();
    if (!at) at = now;
    if (at > now) return lp_failf(f, LP_ERR_INVALID, "at", "usage cannot be logged ahead of time");
    if (at < now - (int64_t)CAT_USE_BACKDATE_DAYS * 86400)
        return lp_failf(f, LP_ERR_INVALID, "at", "usage can be logged at most %d days back", CAT_USE_BACKDATE_DAYS);
    if (qty_e6 <= 0 || qty_e6 > CAT_MAX_QTY_E6) return lp_failf(f, LP_ERR_INVALID, "quantity", "quantity out of range");
    struct use_args a = { who, person_id, item_id, qty_e6, project_id, at, out, f };
    return db_in_tx(db, do_use_add, &a);
}

struct void_args { const actor_t *who; int64_t id; lp_fail *f; };

static int do_use_void(db_t *db, void *p)
{
    struct void_args *a = p;
    cat_use u;
    int rc = cat_use_get(db, a->id, &u);
    if (rc) return rc;
    if (u.invoiced) return lp_failf(a->f, LP_ERR_STATE, "invoice", "the usage is on an invoice; credit it instead");
    char *before = NULL;
    rc = audit_snapshot(db, SNAP_ITEM_CHARGE, a->id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "DELETE FROM charges WHERE id = ?1 AND invoice_id IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->id);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_add(db, a->who, "void", "charge", a->id, before, NULL);
    free(before);
    return rc;
}

int cat_use_void(db_t *db, const actor_t *who, int64_t charge_id, lp_fail *f)
{
    struct void_args a = { who, charge_id, f };
    return db_in_tx(db, do_use_void, &a);
}

/* ---- demo ---- */

struct demo_item { const char *kind, *code, *name, *description, *unit; int64_t cents, academic_cents; };

static const struct demo_item DEMO_ITEMS[] = {
    { "service", "SEQ-RUN", "Sequencing run (MiSeq, 2x150 bp)", "Library QC, one MiSeq v2 run and the FASTQ files",
      "E48", 45000, 38000 },
    { "service", "AUTOCLAVE", "Autoclave load", "One load in the 150 l autoclave, 121 \xC2\xB0" "C, with a printed cycle log",
      "E48", 2500, 0 },
    { "service", "TRAINING", "Training session", "Hands-on instrument training by facility staff, per hour", "HUR",
      9500, 7500 },
    { "consumable", "GLOVES-M", "Nitrile gloves, box of 100 (M)", "", "C62", 1250, 0 },
    { "consumable", "LB-500", "LB medium, 500 ml bottle", "Sterile, ready to use", "C62", 850, 0 },
    { "consumable", "LN2", "Liquid nitrogen", "From the 230 l dewar, per litre", "LTR", 275, 0 },
};

int cat_demo_seed(db_t *db, const actor_t *who)
{
    int rc = 0;
    int64_t from = lt_from_local(2025, 1, 1, 0, 0, 0);
    for (size_t i = 0; rc == 0 && i < sizeof DEMO_ITEMS / sizeof DEMO_ITEMS[0]; i++) {
        const struct demo_item *d = &DEMO_ITEMS[i];
        cat_item it = { .active = true, .vat = { BCALC_VAT_S, 2100 } };
        lp_fail f;
        rc = cat_kind_parse(d->kind, &it.kind);
        if (rc == 0) rc = bcalc_unit_parse(d->unit, &it.unit);
        bill_copy(it.code, sizeof it.code, d->code);
        bill_copy(it.name, sizeof it.name, d->name);
        bill_copy(it.description, sizeof it.description, d->description);
        if (rc == 0) rc = cat_item_create(db, who, &it, &f);
        cat_price p = { .item_id = it.id, .effective_from = from, .unit_cents = d->cents };
        if (rc == 0) rc = cat_price_add(db, who, &p, &f);
        if (rc == 0 && d->academic_cents) {
            cat_price a = { .item_id = it.id, .effective_from = from, .unit_cents = d->academic_cents };
            bill_copy(a.tier, sizeof a.tier, "academic");
            rc = cat_price_add(db, who, &a, &f);
        }
    }
    return rc;
}
