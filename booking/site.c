/* site.c: the site row (see site.h). No site row (LP_ERR_NOTFOUND) is kept
 * apart from a database that cannot be read. */
#include "booking/site.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *SNAP_SITE =
    "SELECT json_object('name', name, 'timezone', timezone, 'currency', currency, 'language', language, "
    "'legal_name', legal_name, 'kvk_number', kvk_number, 'vat_number', vat_number, 'iban', iban, "
    "'bic', bic, 'street', street, 'postal_code', postal_code, 'city', city, 'country', country, "
    "'email', email, 'payment_terms_days', payment_terms_days) FROM site WHERE id = ?1";

int site_get(db_t *db, site_info *s)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT name, timezone, currency, language, legal_name, kvk_number, vat_number, iban, bic, "
        "street, postal_code, city, country, email, payment_terms_days FROM site WHERE id = 1");
    if (!st) return LP_ERR_DB;
    int rc = db_get(st);
    if (rc == 0) {
        memset(s, 0, sizeof *s);
#define COPY(field, col) snprintf(s->field, sizeof s->field, "%s", db_col_text(st, col))
        COPY(name, 0); COPY(timezone, 1); COPY(currency, 2); COPY(language, 3); COPY(legal_name, 4);
        COPY(kvk_number, 5); COPY(vat_number, 6); COPY(iban, 7); COPY(bic, 8); COPY(street, 9);
        COPY(postal_code, 10); COPY(city, 11); COPY(country, 12); COPY(email, 13);
#undef COPY
        s->payment_terms_days = sqlite3_column_int(st, 14);
        sqlite3_reset(st);
    }
    return rc;
}

/* IBAN: 15..34 upper-case letters and digits with a valid mod-97 check. */
static int iban_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 15 || n > 34) return 0;
    int rem = 0;
    for (size_t k = 0; k < n; k++) {
        char ch = s[(k + 4) % n];
        if (isdigit((unsigned char)ch)) rem = (rem * 10 + (ch - '0')) % 97;
        else if (isupper((unsigned char)ch)) rem = (rem * 100 + (ch - 'A' + 10)) % 97;
        else return 0;
    }
    return rem == 1;
}

int site_validate(const site_info *s, lp_fail *f)
{
    if (!lp_text_ok(s->name, 200)) return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to 200 characters");
    if (strcmp(s->currency, "EUR")) return lp_failf(f, LP_ERR_INVALID, "currency", "only EUR is supported");
    if (strcmp(s->language, "nl") && strcmp(s->language, "en"))
        return lp_failf(f, LP_ERR_INVALID, "language", "language must be nl or en");
    if (!lp_text_ok(s->legal_name, 200)) return lp_failf(f, LP_ERR_INVALID, "legal_name", "legal_name is required");
    if (strlen(s->kvk_number) != 8 || strspn(s->kvk_number, "0123456789") != 8)
        return lp_failf(f, LP_ERR_INVALID, "kvk_number", "kvk_number must be 8 digits");
    if (s->iban[0] && !iban_ok(s->iban)) return lp_failf(f, LP_ERR_INVALID, "iban", "iban fails its check digits");
    if (s->payment_terms_days < 0 || s->payment_terms_days > 120)
        return lp_failf(f, LP_ERR_INVALID, "payment_terms_days", "payment_terms_days must be 0 to 120");
    if (strlen(s->country) != 2) return lp_failf(f, LP_ERR_INVALID, "country", "country must be an ISO code");
    return 0;
}

int site_save(db_t *db, const actor_t *who, const site_info *s, lp_fail *f)
{
    char *before = NULL;
    int rc = site_validate(s, f);
    if (rc) return rc;
    /* The zone must exist; setting it here would affect the running process, so only check. */
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", s->timezone);
    if (!lp_text_ok(s->timezone, 60) || strstr(s->timezone, "..") || access(path, R_OK) != 0)
        return lp_failf(f, LP_ERR_INVALID, "timezone", "timezone must be an IANA zone such as Europe/Amsterdam");
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO site(id, name, timezone, currency, language, legal_name, kvk_number, vat_number, "
        "iban, bic, street, postal_code, city, country, email, payment_terms_days, updated_at) "
        "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, "
        "currency = excluded.currency, language = excluded.language, legal_name = excluded.legal_name, "
        "kvk_number = excluded.kvk_number, vat_number = excluded.vat_number, iban = excluded.iban, "
        "bic = excluded.bic, street = excluded.street, postal_code = excluded.postal_code, "
        "city = excluded.city, country = excluded.country, email = excluded.email, "
        "payment_terms_days = excluded.payment_terms_days, updated_at = excluded.updated_at");
    if (!st || (rc = db_begin(db)) != 0) return st ? rc : LP_ERR_DB;
    rc = audit_snapshot(db, SNAP_SITE, 1, &before);
    const char *v[] = { s->name, s->timezone, s->currency, s->language, s->legal_name, s->kvk_number,
                        s->vat_number, s->iban, s->bic, s->street, s->postal_code, s->city, s->country,
                        s->email };
    for (int i = 0; i < 14; i++) db_bind_text(st, i + 1, v[i]);
    db_bind_int(st, 15, s->payment_terms_days);
    db_bind_int(st, 16, clk_now());
    if (rc == 0) rc = db_exec_stmt(st);
    if (rc == 0) rc = audit_change(db, who, before ? "update" : "create", "site", 1, SNAP_SITE, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}
