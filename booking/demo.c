/* demo.c: demo data (see demo.h). Idempotent: seeds only an empty database;
 * a database that cannot be read is an error, never "empty". */
#include "booking/demo.h"
#include "booking/passkey.h"
#include "booking/person.h"
#include "booking/qual.h"
#include "booking/resource.h"
#include "booking/site.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/ltime.h"
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
    int rc = site_get(db, &s);
    if (rc != LP_ERR_NOTFOUND) return rc;   /* there is one already, or the database failed */
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

struct demo_res {
    const char *kind, *name, *desc, *door;
    int capacity, granularity, buffer_after, approval;
    const char *weekdays, *saturday;
    int quals;   /* bit 0: induction, bit 1: cabinet operation */
};

static const struct demo_res RESOURCES[] = {
    { "lab", "ML-1 Lab A", "Microbiology lab, four benches", "ml1-a", 4, 15, 0, 0, "07:00-22:00", "09:00-17:00", 1 },
    { "lab", "ML-1 Lab B", "Microbiology lab, two benches", "ml1-b", 2, 15, 0, 0, "07:00-22:00", "", 1 },
    { "equipment", "Biosafety cabinet BSC-1", "Class II cabinet in Lab A", "ml1-a", 1, 30, 15, 0, "07:00-22:00", "", 3 },
    { "equipment", "Autoclave AC-1", "Steam steriliser in Lab B", "ml1-b", 1, 30, 30, 1, "08:00-18:00", "", 1 },
    { "room", "Meeting room Pasteur", "Eight seats, screen", "office", 1, 15, 0, 0, "08:00-18:00", "", 0 },
};

static int seed_resources(db_t *db, const actor_t *who, int64_t persons[5])
{
    qual_def q1 = { 0, "ML-1 biosafety induction", "Safety induction for ML-1 laboratories", 365,
                    "Dr. Eva Jansen, biosafety officer (room 0.12)", 0 };
    qual_def q2 = { 0, "Biosafety cabinet operation", "Practical training on the class II cabinet", 730,
                    "Tom Bakker, lab manager", 0 };
    struct tm tm;
    lt_local(clk_now() + 7 * 86400, &tm);   /* the induction is given a week from now, at 10:00 */
    q1.next_session = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 10, 0, 0);
    lp_fail f;
    int rc = qual_create(db, who, &q1, &f);
    if (rc == 0) rc = qual_create(db, who, &q2, &f);
    for (size_t i = 0; rc == 0 && i < sizeof RESOURCES / sizeof RESOURCES[0]; i++) {
        const struct demo_res *d = &RESOURCES[i];
        res_resource r;
        res_defaults(&r);
        snprintf(r.kind, sizeof r.kind, "%s", d->kind);
        snprintf(r.name, sizeof r.name, "%s", d->name);
        snprintf(r.description, sizeof r.description, "%s", d->desc);
        snprintf(r.door_group, sizeof r.door_group, "%s", d->door);
        r.capacity = d->capacity;
        r.granularity_min = d->granularity;
        r.buffer_after_min = d->buffer_after;
        r.approval_required = d->approval;
        r.min_minutes = d->granularity;
        r.quota_week_min = strcmp(d->kind, "lab") == 0 ? 40 * 60 : 0;
        for (int wd = 0; rc == 0 && wd < 5; wd++) rc = slots_week_set_day(&r.hours, wd, d->weekdays);
        if (rc == 0) rc = slots_week_set_day(&r.hours, 5, d->saturday);
        r.has_hours = 1;
        if (d->quals & 1) r.quals[r.n_quals++] = q1.id;
        if (d->quals & 2) r.quals[r.n_quals++] = q2.id;
        if (rc == 0) rc = res_create(db, who, &r, &f);
    }
    /* Trainings: both NovaCell people and BioSense's admin hold the induction;
     * NovaCell's lab member also operates the cabinet; BioSense's member has none yet. */
    qual_grant g;
    const int64_t induction[] = { persons[1], persons[2], persons[3] };
    for (int i = 0; rc == 0 && i < 3; i++) rc = qual_grant_add(db, who, induction[i], q1.id, 0, &g, &f);
    if (rc == 0) rc = qual_grant_add(db, who, persons[2], q2.id, 0, &g, &f);
    return rc;
}

int demo_seed(db_t *db)
{
    actor_t who = { 0, "demo" };
    int64_t tid[3] = { 0 }, pid[5] = { 0 };
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
        pid[i] = p.id;
        if (rc == 0 && PEOPLE[i].tenant)
            rc = psn_set_membership(db, &who, p.id, tid[PEOPLE[i].tenant], PEOPLE[i].role, &f);
    }
    if (rc == 0) rc = seed_resources(db, &who, pid);
    if (rc == 0) rc = pk_demo_seed(db, &who, pid[3]);   /* Chris Bakker, BioSense's admin */
    for (int i = 0; rc == 0 && i < MAX_HOOKS && g_hooks[i]; i++) rc = g_hooks[i](db, &who);
    if (rc == 0) log_info("demo", "seeded the demo data");
    return rc;
}
