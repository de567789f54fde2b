/* tenant.h: tenants, the startups that rent lab time.
 * A tenant is active, suspended (no new bookings, passes revoked) or
 * offboarded (final: its people can no longer sign in, and their sessions,
 * API keys, calendar feeds and sign-in links end with it). Every change is
 * audited in the same transaction. */
#ifndef LP_TENANT_H
#define LP_TENANT_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

/* The tenant's state. Stored and sent (JSON) as tnt_state_name(): "active",
 * "suspended", "offboarded". */
enum tnt_state { TNT_ACTIVE = 0, TNT_SUSPENDED, TNT_OFFBOARDED };
#define TNT_STATE_COUNT 3
/* The spelling of s (a static string; "" for a value out of range). */
const char *tnt_state_name(enum tnt_state s);
/* Parses a spelling; LP_ERR_INVALID for anything else. */
int tnt_state_parse(const char *text, enum tnt_state *out) LP_MUST;

typedef struct tnt_tenant {
    int64_t id;
    char name[201];
    char kvk_number[9];        /* 8 digits or "" */
    char vat_number[16];       /* e.g. NL123456789B01 or "" */
    char billing_email[255];
    char street[201];
    char postal_code[17];
    char city[101];
    char country[3];           /* ISO 3166-1 alpha-2 */
    char buyer_reference[101];
    char rate_tier[16];        /* startup | academic | corporate */
    char language[3];          /* nl | en: the language of its invoices; "" follows the site */
    enum tnt_state state;
    int64_t created_at, updated_at;
} tnt_tenant;

/* Checks every field; names the first bad one in f. */
int tnt_validate(const tnt_tenant *t, lp_fail *f) LP_MUST;
/* Inserts t (status active); sets t->id and timestamps. */
int tnt_create(db_t *db, const actor_t *who, tnt_tenant *t, lp_fail *f) LP_MUST;
int tnt_get(db_t *db, int64_t id, tnt_tenant *out) LP_MUST;
/* All tenants, or those in state *only (only NULL = any). Caller frees *out. */
int tnt_list(db_t *db, const enum tnt_state *only, tnt_tenant **out, size_t *n) LP_MUST;
/* Saves the editable fields of t (not status). */
int tnt_update(db_t *db, const actor_t *who, const tnt_tenant *t, lp_fail *f) LP_MUST;
/* Moves the tenant to state to: active <-> suspended, active|suspended ->
 * offboarded (final); LP_ERR_STATE otherwise. */
int tnt_set_state(db_t *db, const actor_t *who, int64_t id, enum tnt_state to, lp_fail *f) LP_MUST;

/* Hooks that run inside the state-change transaction (e.g. pass revocation);
 * registered by higher modules at start-up. to is the new state; a hook's
 * error fails the change (nothing of it is kept). */
typedef int (*tnt_status_hook)(db_t *db, const actor_t *who, int64_t tenant_id, enum tnt_state to);
void tnt_on_status(tnt_status_hook hook);

#endif
