/* site.h: the facility that runs labpass: name, IANA time zone, currency and
 * the legal details invoices need. There is exactly one site row (id 1). */
#ifndef LP_SITE_H
#define LP_SITE_H
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

typedef struct site_info {
    char name[201];
    char timezone[64];
    char currency[4];
    char language[3];          /* nl | en: the language of invoices */
    char legal_name[201];
    char kvk_number[9];
    char vat_number[16];
    char iban[35];
    char bic[12];
    char street[201];
    char postal_code[17];
    char city[101];
    char country[3];
    char email[255];
    int payment_terms_days;
} site_info;

/* LP_ERR_NOTFOUND when the database has no site yet (run init). */
int site_get(db_t *db, site_info *out) LP_MUST;
int site_validate(const site_info *s, lp_fail *f) LP_MUST;
/* Creates or replaces the site row. */
int site_save(db_t *db, const actor_t *who, const site_info *s, lp_fail *f) LP_MUST;

#endif
