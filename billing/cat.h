/* cat.h: the catalogue of what a facility sells besides instrument time:
 * services (work) and consumables (things), each in one UN/ECE Rec 20 unit,
 * with prices per rate tier in versions by effective date (never changed:
 * a new price is a new version), the estimate of an item and quantity, and
 * the consumables people use (each use one charge of kind 'consumable').
 *
 * One source: cat_price_line prices every item charge, the estimates, the
 * completed service requests (srq.c) and the consumables, so an estimate
 * equals the invoice line as long as the price list stays as it is.
 * Quantities are millionths of the unit (qty_e6); pieces and service units
 * are whole. Every change is audited. */
#ifndef LP_CAT_H
#define LP_CAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "billing/billing.h"

#define CAT_CODE_MAX 40
#define CAT_NAME_MAX 120
#define CAT_DESC_MAX 500
#define CAT_MAX_UNIT_CENTS 10000000          /* 100 000.00 per unit */
#define CAT_MAX_QTY_E6 100000000000LL        /* 100 000 units */
#define CAT_USE_BACKDATE_DAYS 92             /* staff log usage at most this far back */

enum cat_kind { CAT_SERVICE = 0, CAT_CONSUMABLE };
#define CAT_KIND_COUNT 2
const char *cat_kind_name(enum cat_kind k);
int cat_kind_parse(const char *text, enum cat_kind *out) LP_MUST;

typedef struct cat_item {
    int64_t id;
    enum cat_kind kind;
    char code[CAT_CODE_MAX + 1];
    char name[CAT_NAME_MAX + 1];
    char description[CAT_DESC_MAX + 1];
    enum bcalc_unit unit;
    int64_t resource_id;          /* 0: not done on a resource */
    struct bcalc_vat vat;
    char exempt_reason[BILL_TEXT];
    bool active;
    char created_by[40];
    int64_t created_at, updated_at;
} cat_item;

/* Creates an item (code unique: LP_ERR_CONFLICT). Sets it->id. */
int cat_item_create(db_t *db, const actor_t *who, cat_item *it, lp_fail *f) LP_MUST;
/* Changes name, description, resource, VAT, exemption and active (kind,
 * code and unit stay: charges refer to them). */
int cat_item_update(db_t *db, const actor_t *who, const cat_item *it, lp_fail *f) LP_MUST;
int cat_item_get(db_t *db, int64_t id, cat_item *out) LP_MUST;
/* Items by kind then name; only active ones when active_only. Caller frees. */
int cat_item_list(db_t *db, bool active_only, cat_item **out, size_t *n) LP_MUST;

typedef struct cat_price {
    int64_t id, item_id;
    char tier[16];                /* startup | academic | corporate | "" (every tier) */
    int64_t effective_from;       /* site-local midnight */
    int64_t unit_cents;
    char created_by[40];
    int64_t created_at;
} cat_price;

/* Adds a price version (LP_ERR_CONFLICT: the same item, tier and date exists). */
int cat_price_add(db_t *db, const actor_t *who, cat_price *p, lp_fail *f) LP_MUST;
/* Versions of an item, newest first. Caller frees. */
int cat_price_list(db_t *db, int64_t item_id, cat_price **out, size_t *n) LP_MUST;
/* The version in force at at for tier: the tier's own before every-tier.
 * LP_ERR_NOTFOUND when none applies. */
int cat_price_find(db_t *db, int64_t item_id, const char *tier, int64_t at, cat_price *out) LP_MUST;

/* "12", "2.5", "0.125": up to 3 decimals, more than 0 and at most 100 000;
 * whole for pieces and service units. LP_ERR_INVALID otherwise. */
int cat_qty_parse(const char *text, enum bcalc_unit unit, int64_t *qty_e6) LP_MUST;

/* One item line: qty_e6 at unit_cents, net rounded half up to the cent.
 * LP_ERR_INVALID beyond the limits. */
int cat_price_line(enum bcalc_unit unit, int64_t qty_e6, int64_t unit_cents, struct bcalc_part *out) LP_MUST;

/* The price of qty_e6 of an item for a tenant at at, as it would be charged. */
typedef struct cat_estimate {
    cat_item item;
    bool priced;                  /* false: no price applies (nothing is charged) */
    cat_price price;
    struct bcalc_part part;
    int64_t net_cents, vat_cents; /* VAT as on a one-line invoice */
} cat_estimate;
int cat_estimate_get(db_t *db, int64_t item_id, int64_t tenant_id, int64_t qty_e6, int64_t at,
                     cat_estimate *out, lp_fail *f) LP_MUST;

/* The project a person's item charge at `at` goes to, by a booking's rules
 * (prj_for_booking): *project_id 0 takes the person's default; it must be
 * the company's own (else LP_ERR_NOTFOUND), active, in its dates, and carry a
 * purchase order when the company requires one (else LP_ERR_RULE); no project
 * passes unless the company requires one. */
int cat_project_pick(db_t *db, int64_t tenant_id, int64_t person_id, int64_t at, int64_t *project_id,
                     lp_fail *f) LP_MUST;

/* The item charge (kind service or consumable) in the caller's transaction:
 * priced at unit_cents when has_price, else from the price list at at.
 * Sets *charge_id (0 when it costs nothing). Audited. */
typedef struct cat_charge_in {
    enum bill_charge_kind kind;
    int64_t tenant_id, person_id, project_id, item_id, qty_e6, at;
    bool has_price;
    int64_t unit_cents;
    const char *reason;
} cat_charge_in;
int cat_charge_add(db_t *db, const actor_t *who, const cat_charge_in *in, int64_t *charge_id, lp_fail *f) LP_MUST;

/* ---- consumables ---- */

typedef struct cat_use {
    int64_t charge_id, tenant_id, person_id, project_id, item_id;
    char person[201], item[CAT_NAME_MAX + 1], unit[4];
    int64_t qty_e6, unit_cents, net_cents, at;
    bool invoiced;
    char created_by[40];
} cat_use;

/* Logs qty_e6 of consumable item_id used by person_id (a member of a
 * tenant) at at (0: now; not in the future, at most CAT_USE_BACKDATE_DAYS
 * back), to project_id (0: none). Own transaction; sets out. */
int cat_use_add(db_t *db, const actor_t *who, int64_t person_id, int64_t item_id, int64_t qty_e6,
                int64_t project_id, int64_t at, cat_use *out, lp_fail *f) LP_MUST;
int cat_use_get(db_t *db, int64_t charge_id, cat_use *out) LP_MUST;
/* Usage dated [from, to) of one tenant (0: all) or person (0: all), newest first. */
int cat_use_list(db_t *db, int64_t tenant_id, int64_t person_id, int64_t from, int64_t to, cat_use **out,
                 size_t *n) LP_MUST;
/* Voids a use not invoiced yet (LP_ERR_STATE once it is). Audited. */
int cat_use_void(db_t *db, const actor_t *who, int64_t charge_id, lp_fail *f) LP_MUST;

/* Demo catalogue and prices (billing's demo hook): sequencing run,
 * autoclave load, training session, gloves, LB medium, liquid nitrogen. */
int cat_demo_seed(db_t *db, const actor_t *who) LP_MUST;

#endif
