/* demo.c: demo data (see demo.h). Idempotent: seeds only an empty database;
 * a database that cannot be read is an error, never "empty". */
#include "booking/demo.h"
#include "booking/downtime.h"
#include "booking/oidc.h"
#include "booking/passkey.h"
#include "booking/person.h"
#include "booking/project.h"
#include "booking/qual.h"
#include "booking/resource.h"
#include "booking/rlog.h"
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
    /* its own door group: the instrument interlock fc-1-interlock (labpass-door, mode = instrument) powers it
     * for its bookings, and billing charges the real use, at least the booked time */
    { "equipment", "Flow cytometer FC-1", "Four-laser analyser in Lab A, powered by its badge interlock", "fc-1", 1, 30,
      15, 0, "07:00-22:00", "", 1 },
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
        if (strcmp(d->kind, "lab") == 0)   /* the two ML-1 labs stand in for each other */
            snprintf(r.equivalent_group, sizeof r.equivalent_group, "ML-1 labs");
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

/* The site-local date days from now, "YYYY-MM-DD". */
static void day_from_now(int days, char out[11])
{
    struct tm tm;
    char buf[40];
    lt_local(clk_now() + (int64_t)days * 86400, &tm);
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

/* Projects: NovaCell approves its members' projects (one waits), BioSense
 * requires a purchase order on every booking; each person has a default. */
static int seed_projects(db_t *db, const actor_t *who, const int64_t tid[3], const int64_t pid[5])
{
    static const struct { int tenant; const char *code, *name, *po; int64_t budget; bool block; int from, until; bool pending; } P[] = {
        { 1, "NC-ASSAY", "Assay validation CE-IVD", "4500012345", 1800000, false, 0, 0, false },
        { 1, "NC-SEQ", "Sequencing pilot", "", 100000, true, -30, 150, false },   /* 85 % spent (billing's demo) */
        { 1, "NC-TRAIN", "Student lab training", "", 60000, false, 0, 0, true },
        { 2, "BS-2026-07", "Biosensor coating series", "PO-2026-0713", 600000, false, 0, 0, false },
        { 2, "BS-CLIN3", "Clinical batch 3", "PO-2026-0840", 1200000, true, -10, 200, false },
    };
    int64_t ids[5] = { 0 };
    lp_fail f;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof P / sizeof P[0]; i++) {
        prj_project p = { .tenant_id = tid[P[i].tenant], .budget_cents = P[i].budget, .budget_block = P[i].block };
        snprintf(p.code, sizeof p.code, "%s", P[i].code);
        snprintf(p.name, sizeof p.name, "%s", P[i].name);
        snprintf(p.po_number, sizeof p.po_number, "%s", P[i].po);
        if (P[i].until) { day_from_now(P[i].from, p.valid_from); day_from_now(P[i].until, p.valid_until); }
        rc = prj_create(db, who, &p, P[i].pending, &f);
        ids[i] = p.id;
    }
    prj_settings nova = { .require_po = false, .project_approval = true }, bio = { .require_po = true, .project_approval = false };
    if (rc == 0) rc = prj_settings_set(db, who, tid[1], &nova, &f);
    if (rc == 0) rc = prj_settings_set(db, who, tid[2], &bio, &f);
    /* NovaCell's people book on the assay validation, BioSense's on the coating series */
    for (int i = 1; rc == 0 && i < 5; i++) rc = prj_default_set(db, who, pid[i], i <= 2 ? ids[0] : ids[3], &f);
    return rc;
}

/* What the instruments run on: the cabinet's planned maintenance next week
 * (Thursday 07:00-10:00, before most bookings), an open incident on the
 * autoclave reported by NovaCell's lab member, the autoclave's last
 * calibration with the next one due in ten days, and maintenance done. */
static int seed_operations(db_t *db, const actor_t *who, int64_t reporter, int64_t reporter_tenant)
{
    res_resource *r = NULL;
    size_t n = 0;
    int64_t bsc = 0, ac = 0;
    int rc = res_list(db, NULL, &r, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!strcmp(r[i].name, "Biosafety cabinet BSC-1")) bsc = r[i].id;
        if (!strcmp(r[i].name, "Autoclave AC-1")) ac = r[i].id;
    }
    free(r);
    if (rc || !bsc || !ac) return rc ? rc : LP_ERR_DB;
    struct tm tm;
    lt_local(clk_now(), &tm);
    int to_monday = 7 - (tm.tm_wday + 6) % 7;   /* next week's Monday */
    lp_fail f = { 0 };
    dt_downtime d = { .resource_id = bsc, .kind = DT_PLANNED, .bookings = DT_KEEP };
    d.start = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + to_monday + 3, 7, 0, 0);
    d.end = lt_from_local(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + to_monday + 3, 10, 0, 0);
    snprintf(d.reason, sizeof d.reason, "Annual HEPA filter test and airflow certification by the service engineer");
    dt_affected *a = NULL;
    size_t na = 0;
    rc = dt_create(db, who, &d, false, &a, &na, &f);
    free(a);
    rlog_entry e;
    if (rc == 0)
        rc = rlog_add(db, who, bsc, RLOG_MAINTENANCE, "UV lamp replaced; work surface and sash gasket cleaned", NULL, &e, &f);
    char due[32];
    lt_local(clk_now() + 10 * 86400, &tm);
    snprintf(due, sizeof due, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
    if (rc == 0)
        rc = rlog_add(db, who, ac, RLOG_CALIBRATION, "Temperature and pressure sensors calibrated (certificate "
                      "CAL-2025-118); next calibration due within the year", due, &e, &f);
    char label[32];
    snprintf(label, sizeof label, "person:%lld", (long long)reporter);
    actor_t member = { reporter, label };
    inc_incident x;
    if (rc == 0)
        rc = rlog_incident_seed(db, &member, reporter_tenant, ac, INC_MEDIUM, "The door seal leaks steam at the end "
                                  "of the cycle; the chamber pressure drops before the timer ends.", &x, &f);
    return rc;
}

/* A single sign-on provider as staff would register SURFconext's test
 * environment, switched off (the demo cannot reach it, so the sign-in page
 * does not offer it): NovaCell's people would join as members once their
 * admin approves them, the facility's own group would become staff. The
 * client is public (no secret: the demo has no key file to seal one with
 * before the server starts). */
static int seed_sso(db_t *db, const actor_t *who, int64_t novacell)
{
    oidc_provider p;
    lp_fail f;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "SURFconext (test)");
    snprintf(p.issuer, sizeof p.issuer, "https://connect.test.surfconext.nl");
    snprintf(p.client_id, sizeof p.client_id, "labpass.medtechfactory.example");
    snprintf(p.scopes, sizeof p.scopes, "openid email profile");
    snprintf(p.groups_claim, sizeof p.groups_claim, "edumember_is_member_of");
    p.enabled = 0;
    int rc = oidc_provider_create(db, who, &p, NULL, 0, &f);
    oidc_rule r[2];
    memset(r, 0, sizeof r);
    snprintf(r[0].kind, sizeof r[0].kind, "domain");
    snprintf(r[0].value, sizeof r[0].value, "novacell.example");
    r[0].tenant_id = novacell;
    snprintf(r[0].role, sizeof r[0].role, "member");
    r[0].approval = 1;
    snprintf(r[1].kind, sizeof r[1].kind, "group");
    snprintf(r[1].value, sizeof r[1].value, "urn:collab:group:surfteams.nl:medtechfactory:lab-staff");
    snprintf(r[1].role, sizeof r[1].role, "staff");
    if (rc == 0) rc = oidc_rules_set(db, who, p.id, r, 2, &f);
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
    if (rc == 0) rc = seed_projects(db, &who, tid, pid);
    if (rc == 0) rc = seed_operations(db, &who, pid[2], tid[1]);
    if (rc == 0) rc = seed_sso(db, &who, tid[1]);
    if (rc == 0) rc = pk_demo_seed(db, &who, pid[3]);   /* Chris Bakker, BioSense's admin */
    for (int i = 0; rc == 0 && i < MAX_HOOKS && g_hooks[i]; i++) rc = g_hooks[i](db, &who);
    if (rc == 0) log_info("demo", "seeded the demo data");
    return rc;
}
