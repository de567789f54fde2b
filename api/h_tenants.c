/* h_tenants.c: tenants (staff manage; members see their own) and their
 * memberships (staff and the tenant's admins). Another tenant's objects
 * answer 404 to a non-staff caller. A tenant admin adding someone by e-mail
 * gets one answer whoever the address belongs to and never a token: people
 * who have an account are invited and accept themselves (booking/invite.h). */
#include "api/handlers.h"
#include "access/issuer/issuer.h"
#include "booking/tenant.h"
#include "booking/tnt_close.h"
#include "booking/person.h"
#include "booking/invite.h"
#include "booking/outbox.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *json_tenant(const tnt_tenant *t)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
        "id", (json_int_t)t->id, "name", t->name, "kvk_number", t->kvk_number, "vat_number", t->vat_number,
        "billing_email", t->billing_email, "street", t->street, "postal_code", t->postal_code,
        "city", t->city, "country", t->country, "buyer_reference", t->buyer_reference,
        "rate_tier", t->rate_tier, "status", tnt_state_name(t->state));
    json_object_set_new(j, "language", json_string(t->language));
    json_object_set_new(j, "created_at", api_time_json(t->created_at));
    json_object_set_new(j, "updated_at", api_time_json(t->updated_at));
    return j;
}

static const struct jv_field TENANT_FIELDS[] = {
    { "name", JV_STRING, 0, 200, 0 }, { "kvk_number", JV_STRING, 0, 8, 0 },
    { "vat_number", JV_STRING, 0, 15, 0 }, { "billing_email", JV_STRING, 0, 254, 0 },
    { "street", JV_STRING, 0, 200, 0 }, { "postal_code", JV_STRING, 0, 16, 0 },
    { "city", JV_STRING, 0, 100, 0 }, { "country", JV_STRING, 0, 2, 0 },
    { "buyer_reference", JV_STRING, 0, 100, 0 }, { "rate_tier", JV_STRING, 0, 15, 0 },
    { "language", JV_STRING, 0, 2, 0 }, JV_END };

static void apply_fields(json_t *b, tnt_tenant *t)
{
    jv_copy(b, "name", t->name, sizeof t->name);
    jv_copy(b, "kvk_number", t->kvk_number, sizeof t->kvk_number);
    jv_copy(b, "vat_number", t->vat_number, sizeof t->vat_number);
    jv_copy(b, "billing_email", t->billing_email, sizeof t->billing_email);
    jv_copy(b, "street", t->street, sizeof t->street);
    jv_copy(b, "postal_code", t->postal_code, sizeof t->postal_code);
    jv_copy(b, "city", t->city, sizeof t->city);
    jv_copy(b, "country", t->country, sizeof t->country);
    jv_copy(b, "buyer_reference", t->buyer_reference, sizeof t->buyer_reference);
    jv_copy(b, "rate_tier", t->rate_tier, sizeof t->rate_tier);
    jv_copy(b, "language", t->language, sizeof t->language);
}

void h_tenants_list(api_ctx *c)
{
    static const char *const STATUSES[] = { "active", "suspended", "offboarded", NULL };
    const char *status;
    if (api_query_enum(c, "status", STATUSES, &status)) return;
    tnt_tenant *arr = NULL;
    size_t n = 0;
    enum tnt_state only = TNT_ACTIVE;
    if (status && tnt_state_parse(status, &only) != 0) { api_fail(c, LP_ERR_INVALID, NULL); return; }
    int rc = tnt_list(c->db, status ? &only : NULL, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (api_sees_tenant(c, arr[i].id)) json_array_append_new(out, json_tenant(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "tenants", out));
}

void h_tenant_create(api_ctx *c)
{
    json_t *b = api_body(c, TENANT_FIELDS);
    if (!b) return;
    if (!jv_has(b, "name")) {
        json_decref(b);
        api_problem(c, 400, "validation", "Invalid request", "field 'name' is required", "name");
        return;
    }
    tnt_tenant t = { 0 };
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    apply_fields(b, &t);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = tnt_create(c->db, &c->actor, &t, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/tenants/%lld", (long long)t.id);
    api_add_header(c, "Location", loc);
    api_reply_json(c, 201, json_tenant(&t));
}

/* Loads the tenant in params[0] if the caller may see it; else replies 404. */
static int load_visible(api_ctx *c, tnt_tenant *t)
{
    int rc = api_sees_tenant(c, c->params[0]) ? tnt_get(c->db, c->params[0], t) : LP_ERR_NOTFOUND;
    if (rc && rc != LP_ERR_NOTFOUND) { api_fail(c, rc, NULL); return 0; }   /* a failing database is no 404 */
    if (rc) {
        api_problem(c, 404, "not-found", "Not found", "no such tenant", NULL);
        return 0;
    }
    return 1;
}

void h_tenant_get(api_ctx *c)
{
    tnt_tenant t;
    if (load_visible(c, &t)) api_reply_json(c, 200, json_tenant(&t));
}

void h_tenant_update(api_ctx *c)
{
    tnt_tenant t;
    if (!load_visible(c, &t)) return;
    json_t *b = api_body(c, TENANT_FIELDS);
    if (!b) return;
    apply_fields(b, &t);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = tnt_update(c->db, &c->actor, &t, &f);
    if (rc == 0) rc = tnt_get(c->db, t.id, &t);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_tenant(&t));
}

static json_t *json_effects(const tnt_effects *e, int64_t passes)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "bookings", (json_int_t)e->bookings,
                     "people", (json_int_t)e->people, "waiting", (json_int_t)e->waiting,
                     "passes", (json_int_t)passes, "cancelled_bookings", (json_int_t)e->cancelled,
                     "cancelled_waiting", (json_int_t)e->cancelled_waiting, "notified_people", (json_int_t)e->notified);
}

/* GET /api/v1/tenants/{id}/holdings: what suspending or offboarding would
 * touch, for staff to decide before they do it. */
void h_tenant_holdings(api_ctx *c)
{
    tnt_tenant t;
    tnt_effects e;
    int64_t passes = 0;
    if (!load_visible(c, &t)) return;
    int rc = tnt_effects_get(c->db, t.id, &e);
    if (rc == 0) rc = iss_live_tenant(c->db, t.id, clk_now(), &passes);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 200, json_pack("{s:I, s:s, s:o}", "tenant_id", (json_int_t)t.id, "status",
                                     tnt_state_name(t.state), "effects", json_effects(&e, passes)));
}

static const struct jv_field CLOSE_FIELDS[] = {
    { "bookings", JV_STRING, 0, 8, 0 }, { "notify", JV_BOOL, 0, 0, 0 }, JV_END };

/* Suspends or offboards: body {"bookings": "keep" | "cancel", "notify":
 * true}; suspension keeps by default, offboarding always cancels. The answer
 * is the tenant with what was done (effects). */
static void close_tenant(api_ctx *c, enum tnt_state to)
{
    tnt_tenant t;
    tnt_effects done;
    int64_t passes = 0;
    enum tnt_bookings b = to == TNT_OFFBOARDED ? TNT_BOOKINGS_CANCEL : TNT_BOOKINGS_KEEP;
    json_t *body = NULL;
    if (!load_visible(c, &t)) return;
    if (c->body_len && !(body = api_body(c, CLOSE_FIELDS))) return;
    bool notify = body ? jv_bool(body, "notify", true) : true;
    int bad = body && jv_has(body, "bookings") && tnt_bookings_parse(jv_str(body, "bookings", ""), &b) != 0;
    json_decref(body);
    if (bad) { api_problem(c, 400, "validation", "Invalid request", "bookings must be keep or cancel", "bookings"); return; }
    lp_fail f = { 0 };
    int rc = iss_live_tenant(c->db, t.id, clk_now(), &passes);
    if (rc == 0) rc = tnt_close(c->db, &c->actor, t.id, to, b, notify, &done, &f);
    if (rc == 0) rc = tnt_get(c->db, t.id, &t);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *j = json_tenant(&t);
    json_object_set_new(j, "effects", json_effects(&done, passes));
    api_reply_json(c, 200, j);
}

void h_tenant_suspend(api_ctx *c) { close_tenant(c, TNT_SUSPENDED); }
void h_tenant_offboard(api_ctx *c) { close_tenant(c, TNT_OFFBOARDED); }

void h_tenant_activate(api_ctx *c)
{
    tnt_tenant t;
    if (!load_visible(c, &t)) return;
    lp_fail f = { 0 };
    int rc = tnt_set_state(c->db, &c->actor, t.id, TNT_ACTIVE, &f);
    if (rc == 0) rc = tnt_get(c->db, t.id, &t);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_tenant(&t));
}

/* ---- memberships ---- */

static int admin_gate(api_ctx *c)
{
    if (!api_admins_tenant(c, c->params[0])) {
        /* Non-admins of their own tenant get 403; everybody else sees nothing. */
        if (api_sees_tenant(c, c->params[0]))
            api_problem(c, 403, "forbidden", "Forbidden", "only the tenant's admins may do this", NULL);
        else
            api_problem(c, 404, "not-found", "Not found", "no such tenant", NULL);
        return 0;
    }
    tnt_tenant t;
    int rc = tnt_get(c->db, c->params[0], &t);
    if (rc && rc != LP_ERR_NOTFOUND) { api_fail(c, rc, NULL); return 0; }
    if (rc) {
        api_problem(c, 404, "not-found", "Not found", "no such tenant", NULL);
        return 0;
    }
    return 1;
}

void h_members_list(api_ctx *c)
{
    if (!admin_gate(c)) return;
    psn_person *arr = NULL;
    size_t n = 0;
    int rc = psn_list(c->db, c->params[0], &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_person(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "members", out));
}

static const struct jv_field MEMBER_ADD[] = {
    { "person_id", JV_INT, 0, INT32_MAX, 1 }, { "email", JV_STRING, 0, 254, 0 },
    { "name", JV_STRING, 0, 200, 0 }, { "role", JV_STRING, 1, 16, 0 }, JV_END };

/* Staff: finds the person to add by id, else by e-mail, creating an invited
 * person (no password yet) when the address is new. */
static int member_person(api_ctx *c, json_t *b, psn_person *p, int *created, lp_fail *f)
{
    *created = 0;
    if (jv_has(b, "person_id")) {
        int rc = psn_get(c->db, jv_int(b, "person_id", 0), p);
        if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "person_id", "no such person");
        return rc;
    }
    const char *email = jv_str(b, "email", NULL);
    if (!email) return lp_failf(f, LP_ERR_INVALID, "email", "give email (and name) or person_id");
    if (psn_get_by_email(c->db, email, p) == 0) return 0;
    memset(p, 0, sizeof *p);
    snprintf(p->email, sizeof p->email, "%s", email);
    snprintf(p->name, sizeof p->name, "%s", jv_str(b, "name", ""));
    *created = 1;
    return psn_create(c->db, &c->actor, p, NULL, f);
}

/* Staff add people directly (they see and manage everyone anyway). */
static void member_add_staff(api_ctx *c, json_t *b)
{
    psn_person p;
    lp_fail f = { 0 };
    int created = 0;
    char setup[ACCT_TOKEN_LEN] = "";
    int rc = db_begin(c->db);
    if (rc == 0) rc = member_person(c, b, &p, &created, &f);
    if (rc == 0 && ((p.tenant_id && p.tenant_id != c->params[0]) || p.is_staff))
        rc = lp_failf(&f, LP_ERR_CONFLICT, "email", "this person cannot join this tenant (staff, or of another tenant)");
    if (rc == 0) rc = psn_set_membership(c->db, &c->actor, p.id, c->params[0], jv_str(b, "role", ""), &f);
    if (rc == 0 && created) rc = acct_setup_token(c->db, p.id, 7 * 86400, setup);
    if (rc == 0) rc = db_commit(c->db);
    if (rc) db_rollback(c->db);
    if (rc == 0) rc = psn_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    json_t *j = json_person(&p);
    if (created) json_object_set_new(j, "setup_token", json_string(setup));
    sodium_memzero(setup, sizeof setup);
    api_reply_json(c, created ? 201 : 200, j);
}

/* A new address: the person is created as a member and gets the link to set
 * a first password by e-mail (never in the answer). */
static int invite_new(api_ctx *c, psn_person *p, const char *role, lp_fail *f)
{
    char setup[ACCT_TOKEN_LEN], link[ACCT_TOKEN_LEN + 32];
    int rc = psn_create(c->db, &c->actor, p, NULL, f);
    if (rc == 0) rc = psn_set_membership(c->db, &c->actor, p->id, c->params[0], role, f);
    if (rc == 0) rc = acct_setup_token(c->db, p->id, 7 * 86400, setup);
    if (rc == 0) {
        snprintf(link, sizeof link, "/#/setup?token=%s", setup);
        mt_args a = { .link = link };
        rc = obx_to_person(c->db, MT_SETUP_LINK, p->id, &a);
    }
    sodium_memzero(setup, sizeof setup);
    sodium_memzero(link, sizeof link);
    return rc;
}

/* Tenant admins: one answer whatever the address belongs to (202, the same
 * body), and nothing in it that acts for the person. A new address becomes a
 * member with a setup link mailed to it; an existing person of another or no
 * tenant is sent an invitation to accept; staff and members already of this
 * tenant get nothing. */
static void member_add_admin(api_ctx *c, json_t *b)
{
    psn_person p = { 0 }, cur;
    lp_fail f = { 0 };
    const char *role = jv_str(b, "role", "");
    int rc = 0;
    if (jv_has(b, "person_id")) rc = lp_failf(&f, LP_ERR_INVALID, "person_id", "tenant admins add people by email");
    else if (!jv_has(b, "email")) rc = lp_failf(&f, LP_ERR_INVALID, "email", "give email and name");
    else if (strcmp(role, "tenant_admin") && strcmp(role, "member"))
        rc = lp_failf(&f, LP_ERR_INVALID, "role", "role must be tenant_admin or member");
    jv_copy(b, "email", p.email, sizeof p.email);
    jv_copy(b, "name", p.name, sizeof p.name);
    p.state = PSN_ACTIVE;
    for (char *q = p.email; *q; q++)
        if (*q >= 'A' && *q <= 'Z') *q = (char)(*q - 'A' + 'a');
    if (rc == 0) rc = psn_validate(&p, &f);   /* name required either way: no hint from it */
    if (rc) { api_fail(c, rc, &f); return; }
    rc = db_begin(c->db);
    int found = rc == 0 ? psn_get_by_email(c->db, p.email, &cur) : rc;
    if (rc == 0 && found == LP_ERR_NOTFOUND) rc = invite_new(c, &p, role, &f);
    else if (rc == 0 && found) rc = found;
    else if (rc == 0 && !cur.is_staff && cur.tenant_id != c->params[0])
        rc = inv_create(c->db, &c->actor, cur.id, c->params[0], role);
    if (rc == 0) rc = db_commit(c->db);
    if (rc) db_rollback(c->db);
    if (rc) { api_fail(c, rc, NULL); return; }
    api_reply_json(c, 202, json_pack("{s:s, s:s}", "status", "invited", "email", p.email));
}

void h_member_add(api_ctx *c)
{
    if (!admin_gate(c)) return;
    json_t *b = api_body(c, MEMBER_ADD);
    if (!b) return;
    if (api_is_staff(c)) member_add_staff(c, b);
    else member_add_admin(c, b);
    json_decref(b);
}

static const struct jv_field MEMBER_UPDATE[] = { { "role", JV_STRING, 1, 16, 0 }, JV_END };

/* The member in params[1] of the tenant in params[0], or a 404 reply. */
static int load_member(api_ctx *c, psn_person *p)
{
    int rc = psn_get(c->db, c->params[1], p);
    if (rc && rc != LP_ERR_NOTFOUND) { api_fail(c, rc, NULL); return 0; }   /* a failing database is no 404 */
    if (rc || p->tenant_id != c->params[0]) {
        api_problem(c, 404, "not-found", "Not found", "no such member of this tenant", NULL);
        return 0;
    }
    return 1;
}

void h_member_update(api_ctx *c)
{
    psn_person p;
    if (!admin_gate(c) || !load_member(c, &p)) return;
    json_t *b = api_body(c, MEMBER_UPDATE);
    if (!b) return;
    lp_fail f = { 0 };
    int rc = psn_set_membership(c->db, &c->actor, p.id, c->params[0], jv_str(b, "role", ""), &f);
    json_decref(b);
    if (rc == 0) rc = psn_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_person(&p));
}

/* Removes the membership; the person's door passes (all of this tenant's)
 * are revoked in the same transaction, not at the next sweep. */
void h_member_remove(api_ctx *c)
{
    psn_person p;
    if (!admin_gate(c) || !load_member(c, &p)) return;
    int rc = db_begin(c->db);
    if (rc == 0) rc = psn_remove_membership(c->db, &c->actor, p.id, c->params[0]);
    if (rc == 0) rc = iss_revoke(c->db, &c->actor, ISS_PERSON, p.id, "left_tenant", clk_now(), NULL);
    if (rc == 0) rc = db_commit(c->db);
    if (rc) { db_rollback(c->db); api_fail(c, rc, NULL); return; }
    api_reply_empty(c, 204);
}
