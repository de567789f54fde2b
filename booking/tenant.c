/* tenant.c: tenants (see tenant.h). Offboarding ends, in its transaction,
 * every credential of the tenant's people (acct_revoke_tenant); the issuer's
 * hook revokes their door passes. Every read keeps "no such tenant" apart
 * from a failing database (db_get). */
#include "booking/tenant.h"
#include "booking/spell.h"
#include "booking/account.h"
#include "core/clock.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SNAP_TENANT =
    "SELECT json_object('id', id, 'name', name, 'kvk_number', kvk_number, 'vat_number', vat_number, "
    "'billing_email', billing_email, 'street', street, 'postal_code', postal_code, 'city', city, "
    "'country', country, 'buyer_reference', buyer_reference, 'rate_tier', rate_tier, "
    "'language', language, 'status', status) FROM tenants WHERE id = ?1";

/* The one table of tenant state spellings (stored and JSON alike). */
static const char *const TNT_STATE_NAMES[TNT_STATE_COUNT] = {
    [TNT_ACTIVE] = "active", [TNT_SUSPENDED] = "suspended", [TNT_OFFBOARDED] = "offboarded",
};

const char *tnt_state_name(enum tnt_state s)
{
    return (unsigned)s < TNT_STATE_COUNT ? TNT_STATE_NAMES[s] : "";
}

int tnt_state_parse(const char *text, enum tnt_state *out)
{
    int i = spell_find(TNT_STATE_NAMES, TNT_STATE_COUNT, text);
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum tnt_state)i;
    return 0;
}

#define MAX_HOOKS 4
static tnt_status_hook g_hooks[MAX_HOOKS];

void tnt_on_status(tnt_status_hook hook)
{
    for (int i = 0; i < MAX_HOOKS; i++)
        if (!g_hooks[i] || g_hooks[i] == hook) { g_hooks[i] = hook; return; }
}

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* EU VAT number shape: two letters then 2..12 letters or digits. */
static int vat_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 14 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1])) return 0;
    for (size_t i = 2; i < n; i++)
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i])) return 0;
    if (strncmp(s, "NL", 2) != 0) return 1;
    /* NL + 9 digits + B + 2 digits */
    if (n != 14 || s[11] != 'B') return 0;
    for (size_t i = 2; i < 14; i++)
        if (i != 11 && !isdigit((unsigned char)s[i])) return 0;
    return 1;
}

static int opt_text(const char *s, size_t max) { return s[0] == '\0' || lp_text_ok(s, max); }

int tnt_validate(const tnt_tenant *t, lp_fail *f)
{
    if (!lp_text_ok(t->name, 200)) return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to 200 characters of text");
    if (t->kvk_number[0] && !all_digits(t->kvk_number, 8))
        return lp_failf(f, LP_ERR_INVALID, "kvk_number", "kvk_number must be 8 digits");
    if (t->vat_number[0] && !vat_ok(t->vat_number))
        return lp_failf(f, LP_ERR_INVALID, "vat_number", "vat_number must look like NL123456789B01");
    if (t->billing_email[0] && !lp_email_ok(t->billing_email))
        return lp_failf(f, LP_ERR_INVALID, "billing_email", "billing_email is not an e-mail address");
    if (!opt_text(t->street, 200)) return lp_failf(f, LP_ERR_INVALID, "street", "street is not valid text");
    if (!opt_text(t->postal_code, 16)) return lp_failf(f, LP_ERR_INVALID, "postal_code", "postal_code is not valid text");
    if (!opt_text(t->city, 100)) return lp_failf(f, LP_ERR_INVALID, "city", "city is not valid text");
    if (!opt_text(t->buyer_reference, 100))
        return lp_failf(f, LP_ERR_INVALID, "buyer_reference", "buyer_reference is not valid text");
    if (strlen(t->country) != 2 || !isupper((unsigned char)t->country[0]) || !isupper((unsigned char)t->country[1]))
        return lp_failf(f, LP_ERR_INVALID, "country", "country must be an ISO 3166 code like NL");
    if (strcmp(t->rate_tier, "startup") && strcmp(t->rate_tier, "academic") && strcmp(t->rate_tier, "corporate"))
        return lp_failf(f, LP_ERR_INVALID, "rate_tier", "rate_tier must be startup, academic or corporate");
    if (t->language[0] && strcmp(t->language, "nl") && strcmp(t->language, "en"))
        return lp_failf(f, LP_ERR_INVALID, "language", "language must be nl or en (or empty: the site's language)");
    return 0;
}

static int row_to_tenant(sqlite3_stmt *st, tnt_tenant *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
#define COPY(field, col) snprintf(t->field, sizeof t->field, "%s", db_col_text(st, col))
    COPY(name, 1); COPY(kvk_number, 2); COPY(vat_number, 3); COPY(billing_email, 4);
    COPY(street, 5); COPY(postal_code, 6); COPY(city, 7); COPY(country, 8);
    COPY(buyer_reference, 9); COPY(rate_tier, 10); COPY(language, 14);
#undef COPY
    t->created_at = sqlite3_column_int64(st, 12);
    t->updated_at = sqlite3_column_int64(st, 13);
    return tnt_state_parse(db_col_text(st, 11), &t->state) ? LP_ERR_DB : 0;   /* the CHECK constraint allows no other */
}

#define TENANT_COLS "id, name, kvk_number, vat_number, billing_email, street, postal_code, city, " \
                    "country, buyer_reference, rate_tier, status, created_at, updated_at, language"

static void bind_fields(sqlite3_stmt *st, const tnt_tenant *t)
{
    db_bind_text(st, 1, t->name); db_bind_text(st, 2, t->kvk_number);
    db_bind_text(st, 3, t->vat_number); db_bind_text(st, 4, t->billing_email);
    db_bind_text(st, 5, t->street); db_bind_text(st, 6, t->postal_code);
    db_bind_text(st, 7, t->city); db_bind_text(st, 8, t->country);
    db_bind_text(st, 9, t->buyer_reference); db_bind_text(st, 10, t->rate_tier);
    db_bind_int(st, 11, clk_now());
    db_bind_text(st, 13, t->language);
}

static int conflict_or(int rc, lp_fail *f)
{
    if (rc == LP_ERR_CONFLICT)
        return lp_failf(f, rc, "name", "a tenant with this name exists already");
    return rc;
}

int tnt_create(db_t *db, const actor_t *who, tnt_tenant *t, lp_fail *f)
{
    int rc = tnt_validate(t, f);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO tenants(name, kvk_number, vat_number, billing_email, street, postal_code, city, "
        "country, buyer_reference, rate_tier, status, created_at, updated_at, language) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'active', ?11, ?11, ?13)");
    if (!st || (rc = db_begin(db)) != 0) return st ? rc : LP_ERR_DB;
    bind_fields(st, t);
    rc = conflict_or(db_exec_stmt(st), f);
    if (rc == 0) {
        t->id = db_last_id(db);
        rc = audit_change(db, who, "create", "tenant", t->id, SNAP_TENANT, NULL);
    }
    if (rc == 0) rc = tnt_get(db, t->id, t);   /* inside: an error leaves nothing behind */
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    return rc;
}

int tnt_get(db_t *db, int64_t id, tnt_tenant *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        rc = row_to_tenant(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

static int tenant_row(sqlite3_stmt *st, void *t) { return row_to_tenant(st, t); }

int tnt_list(db_t *db, const enum tnt_state *only, tnt_tenant **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " TENANT_COLS " FROM tenants "
                                   "WHERE ?1 IS NULL OR status = ?1 ORDER BY name COLLATE NOCASE, id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, only ? tnt_state_name(*only) : NULL);
    return db_collect(st, sizeof **out, tenant_row, (void **)out, n);
}

int tnt_update(db_t *db, const actor_t *who, const tnt_tenant *t, lp_fail *f)
{
    char *before = NULL;
    int rc = tnt_validate(t, f);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db,
        "UPDATE tenants SET name = ?1, kvk_number = ?2, vat_number = ?3, billing_email = ?4, "
        "street = ?5, postal_code = ?6, city = ?7, country = ?8, buyer_reference = ?9, "
        "rate_tier = ?10, updated_at = ?11, language = ?13 WHERE id = ?12");
    if (!st || (rc = db_begin(db)) != 0) return st ? rc : LP_ERR_DB;
    rc = audit_snapshot(db, SNAP_TENANT, t->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    if (rc == 0) {
        bind_fields(st, t);
        db_bind_int(st, 12, t->id);
        rc = conflict_or(db_exec_stmt(st), f);
    }
    if (rc == 0) rc = audit_change(db, who, "update", "tenant", t->id, SNAP_TENANT, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

/* Allowed moves: active <-> suspended; active|suspended -> offboarded. */
static int transition_ok(enum tnt_state from, enum tnt_state to)
{
    switch (from) {
    case TNT_OFFBOARDED: return 0;
    case TNT_ACTIVE: return to == TNT_SUSPENDED || to == TNT_OFFBOARDED;
    case TNT_SUSPENDED: return to == TNT_ACTIVE || to == TNT_OFFBOARDED;
    }
    return 0;
}

struct state_args { const actor_t *who; int64_t id; enum tnt_state to; lp_fail *f; };

static int do_set_state(db_t *db, void *arg)
{
    struct state_args *a = arg;
    const char *name = tnt_state_name(a->to);
    tnt_tenant cur;
    char *before = NULL;
    int rc = tnt_get(db, a->id, &cur);
    if (rc == 0 && !transition_ok(cur.state, a->to))
        rc = lp_failf(a->f, LP_ERR_STATE, "status", "a %s tenant cannot become %s", tnt_state_name(cur.state), name);
    if (rc == 0) rc = audit_snapshot(db, SNAP_TENANT, a->id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE tenants SET status = ?2, updated_at = ?3 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->id);
        db_bind_text(st, 2, name);
        db_bind_int(st, 3, clk_now());
        rc = db_exec_stmt(st);
    }
    for (int i = 0; rc == 0 && i < MAX_HOOKS && g_hooks[i]; i++) rc = g_hooks[i](db, a->who, a->id, a->to);
    /* Offboarded is final: its people's sessions, keys, feeds and links end now. */
    if (rc == 0 && a->to == TNT_OFFBOARDED) rc = acct_revoke_tenant(db, a->who, a->id);
    if (rc == 0) rc = audit_change(db, a->who, name, "tenant", a->id, SNAP_TENANT, before);
    free(before);
    return rc;
}

int tnt_set_state(db_t *db, const actor_t *who, int64_t id, enum tnt_state to, lp_fail *f)
{
    struct state_args a = { who, id, to, f };
    if ((unsigned)to >= TNT_STATE_COUNT) return lp_failf(f, LP_ERR_INVALID, "status", "no such tenant state");
    return db_in_tx(db, do_set_state, &a);
}

