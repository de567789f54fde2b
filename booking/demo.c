/* demo.c: demo data (see demo.h). Idempotent: seeds only an empty database. */
#include "booking/demo.h"
#include "booking/person.h"
#include "booking/site.h"
#include "booking/tenant.h"
#include "core/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOOKS 8
static demo_hook g_hooks[MAX_HOOKS];

void demo_on_seed(demo_hook hook)
{
    for (int i = 0; i < MAX_HOOKS; i++)
        if (!g_hooks[i] || g_hooks[i] == hook) { g_hooks[i] = hook; return; }
}

int demo_init_site(db_t *db)
{
    site_info s;
    if (site_get(db, &s) == 0) return 0;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "MedTech Factory");
    snprintf(s.timezone, sizeof s.timezone, "Europe/Amsterdam");
    snprintf(s.currency, sizeof s.currency, "EUR");
    snprintf(s.language, sizeof s.language, "nl");
    snprintf(s.legal_name, sizeof s.legal_name, "MedTech Factory B.V.");
    snprintf(s.kvk_number, sizeof s.kvk_number, "12345678");
    snprintf(s.vat_number, sizeof s.vat_number, "NL123456789B01");
    snprintf(s.iban, sizeof s.iban, "NL91ABNA0417164300");
    snprintf(s.bic, sizeof s.bic, "ABNANL2A");
    snprintf(s.street, sizeof s.street, "Science Park 1");
    snprintf(s.postal_code, sizeof s.postal_code, "7522 NB");
    snprintf(s.city, sizeof s.city, "Enschede");
    snprintf(s.country, sizeof s.country, "NL");
    snprintf(s.email, sizeof s.email, "facility@medtechfactory.example");
    s.payment_terms_days = 30;
    actor_t who = { 0, "init" };
    lp_fail f;
    return site_save(db, &who, &s, &f);
}

struct demo_person { const char *email, *name, *password, *role; int tenant; int staff; };

static const struct demo_person PEOPLE[] = {
    { "staff@medtechfactory.example", "Sanne de Vries", "labpass-staff-demo", "", 0, 1 },
    { "admin@novacell.example", "Anna Jansen", "labpass-admin-demo", "tenant_admin", 1, 0 },
    { "lab@novacell.example", "Bram Visser", "labpass-member-demo", "member", 1, 0 },
    { "admin@biosense.example", "Chris Bakker", "labpass-admin-demo", "tenant_admin", 2, 0 },
    { "lab@biosense.example", "Dewi Smit", "labpass-member-demo", "member", 2, 0 },
};

static int seed_tenant(db_t *db, const actor_t *who, const char *name, const char *kvk, const char *vat,
                       const char *email, const char *city, int64_t *id)
{
    tnt_tenant t = { 0 };
    lp_fail f;
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.kvk_number, sizeof t.kvk_number, "%s", kvk);
    snprintf(t.vat_number, sizeof t.vat_number, "%s", vat);
    snprintf(t.billing_email, sizeof t.billing_email, "%s", email);
    snprintf(t.street, sizeof t.street, "Science Park 1");
    snprintf(t.postal_code, sizeof t.postal_code, "7522 NB");
    snprintf(t.city, sizeof t.city, "%s", city);
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    int rc = tnt_create(db, who, &t, &f);
    *id = t.id;
    return rc;
}

int demo_seed(db_t *db)
{
    actor_t who = { 0, "demo" };
    int64_t tid[3] = { 0 };
    tnt_tenant *list = NULL;
    size_t n = 0;
    int rc = demo_init_site(db);
    if (rc == 0) rc = tnt_list(db, NULL, &list, &n);
    free(list);
    if (rc || n > 0) return rc;
    rc = seed_tenant(db, &who, "NovaCell Diagnostics B.V.", "87654321", "NL860000001B01",
                     "billing@novacell.example", "Enschede", &tid[1]);
    if (rc == 0) rc = seed_tenant(db, &who, "BioSense Medical B.V.", "76543210", "NL860000002B01",
                                  "finance@biosense.example", "Enschede", &tid[2]);
    for (size_t i = 0; rc == 0 && i < sizeof PEOPLE / sizeof PEOPLE[0]; i++) {
        psn_person p = { 0 };
        lp_fail f;
        snprintf(p.email, sizeof p.email, "%s", PEOPLE[i].email);
        snprintf(p.name, sizeof p.name, "%s", PEOPLE[i].name);
        p.is_staff = PEOPLE[i].staff;
        rc = psn_create(db, &who, &p, PEOPLE[i].password, &f);
        if (rc == 0 && PEOPLE[i].tenant)
            rc = psn_set_membership(db, &who, p.id, tid[PEOPLE[i].tenant], PEOPLE[i].role, &f);
    }
    for (int i = 0; rc == 0 && i < MAX_HOOKS && g_hooks[i]; i++) rc = g_hooks[i](db, &who);
    if (rc == 0) log_info("demo", "seeded the demo data");
    return rc;
}
