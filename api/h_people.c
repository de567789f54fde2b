/* h_people.c: people. Staff see and manage everyone; tenant admins see and
 * rename their tenant's people; members see themselves. Disabling a person,
 * or taking their staff role, takes their door passes and staff API keys back
 * in the same transaction. */
#include "api/handlers.h"
#include "access/issuer/issuer.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *json_person(const psn_person *p)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:b}", "id", (json_int_t)p->id, "email", p->email,
                          "name", p->name, "status", psn_state_name(p->state), "is_staff", p->is_staff,
                          "has_password", p->has_password);
    json_object_set_new(j, "tenant_id", p->tenant_id ? json_integer(p->tenant_id) : json_null());
    json_object_set_new(j, "role", p->role[0] ? json_string(p->role) : json_null());
    json_object_set_new(j, "language", json_string(mt_lang_name(p->language)));
    json_object_set_new(j, "created_at", api_time_json(p->created_at));
    return j;
}

/* May the caller see person p? Staff all; admins their tenant's; members themselves. */
static int sees_person(const api_ctx *c, const psn_person *p)
{
    if (api_is_staff(c) || p->id == c->caller.person_id) return 1;
    return c->caller.role == ROLE_TENANT_ADMIN && p->tenant_id && p->tenant_id == c->caller.tenant_id;
}

void h_people_list(api_ctx *c)
{
    psn_person *arr = NULL;
    size_t n = 0;
    int rc = 0;
    json_t *out = json_array();
    if (api_is_staff(c)) rc = psn_list(c->db, 0, &arr, &n);
    else if (c->caller.role == ROLE_TENANT_ADMIN && c->caller.tenant_id)
        rc = psn_list(c->db, c->caller.tenant_id, &arr, &n);
    else {
        psn_person me;
        rc = psn_get(c->db, c->caller.person_id, &me);
        if (rc == 0) json_array_append_new(out, json_person(&me));
        if (rc == LP_ERR_NOTFOUND) rc = 0;
    }
    if (rc) { json_decref(out); api_fail(c, rc, NULL); return; }
    for (size_t i = 0; i < n; i++)
        if (sees_person(c, &arr[i])) json_array_append_new(out, json_person(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "people", out));
}

static const struct jv_field PERSON_CREATE[] = {
    { "email", JV_STRING, 1, 254, 0 }, { "name", JV_STRING, 1, 200, 0 },
    { "password", JV_STRING, 0, 256, 0 }, { "is_staff", JV_BOOL, 0, 0, 0 }, { "language", JV_STRING, 0, 2, 0 },
    JV_END };

void h_person_create(api_ctx *c)
{
    json_t *b = api_body(c, PERSON_CREATE);
    if (!b) return;
    psn_person p = { 0 };
    jv_copy(b, "email", p.email, sizeof p.email);
    jv_copy(b, "name", p.name, sizeof p.name);
    p.is_staff = jv_bool(b, "is_staff", 0);
    lp_fail f = { 0 };
    int rc = 0;
    if (jv_has(b, "language") && mt_lang_parse(jv_str(b, "language", ""), &p.language) != 0)
        rc = lp_failf(&f, LP_ERR_INVALID, "language", "language must be en or nl");
    if (rc == 0) rc = psn_create(c->db, &c->actor, &p, jv_str(b, "password", NULL), &f);
    json_decref(b);
    if (rc == 0) rc = psn_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/people/%lld", (long long)p.id);
    api_add_header(c, "Location", loc);
    api_reply_json(c, 201, json_person(&p));
}

static int load_person(api_ctx *c, psn_person *p)
{
    int rc = psn_get(c->db, c->params[0], p);
    if (rc && rc != LP_ERR_NOTFOUND) { api_fail(c, rc, NULL); return 0; }   /* a failing database is no 404 */
    if (rc || !sees_person(c, p)) {
        api_problem(c, 404, "not-found", "Not found", "no such person", NULL);
        return 0;
    }
    return 1;
}

void h_person_get(api_ctx *c)
{
    psn_person p;
    if (load_person(c, &p)) api_reply_json(c, 200, json_person(&p));
}

/* What a person loses with their status or staff role, in the caller's
 * transaction: the door passes at once (not at the next sweep), and the staff
 * API keys, which would otherwise still act as staff. */
static int take_back(api_ctx *c, const psn_person *p, int was_staff)
{
    int rc = 0;
    if (p->state == PSN_DISABLED)
        rc = iss_revoke(c->db, &c->actor, ISS_PERSON, p->id, "person_disabled", clk_now(), NULL);
    if (rc == 0 && was_staff && !p->is_staff)
        rc = iss_revoke(c->db, &c->actor, ISS_PERSON, p->id, "no_longer_staff", clk_now(), NULL);
    if (rc == 0 && was_staff && !p->is_staff) rc = acct_revoke_person_keys(c->db, &c->actor, p->id);
    return rc;
}

static const struct jv_field PERSON_UPDATE[] = {
    { "email", JV_STRING, 0, 254, 0 }, { "name", JV_STRING, 0, 200, 0 },
    { "status", JV_STRING, 0, 16, 0 }, { "is_staff", JV_BOOL, 0, 0, 0 }, { "language", JV_STRING, 0, 2, 0 },
    JV_END };

void h_person_update(api_ctx *c)
{
    psn_person p;
    if (!load_person(c, &p)) return;
    json_t *b = api_body(c, PERSON_UPDATE);
    if (!b) return;
    lp_fail f = { 0 };
    int rc = 0;
    /* Only staff change e-mail, status and the staff flag; others only names. */
    if (!api_is_staff(c) && (jv_has(b, "email") || jv_has(b, "status") || jv_has(b, "is_staff")))
        rc = lp_failf(&f, LP_ERR_FORBIDDEN, "", "only staff may change e-mail, status or staff role");
    enum psn_state to = p.state;
    if (rc == 0 && jv_has(b, "status") && psn_state_parse(jv_str(b, "status", ""), &to) != 0)
        rc = lp_failf(&f, LP_ERR_INVALID, "status", "status must be active or disabled");
    if (rc == 0 && jv_has(b, "language") && mt_lang_parse(jv_str(b, "language", ""), &p.language) != 0)
        rc = lp_failf(&f, LP_ERR_INVALID, "language", "language must be en or nl");
    if (rc == 0 && api_is_staff(c) && p.id == c->caller.person_id &&
        (!jv_bool(b, "is_staff", 1) || to != PSN_ACTIVE))
        rc = lp_failf(&f, LP_ERR_STATE, "is_staff", "staff cannot demote or disable themselves");
    if (rc == 0 && jv_bool(b, "is_staff", 0) && p.tenant_id)
        rc = lp_failf(&f, LP_ERR_CONFLICT, "is_staff", "a tenant member cannot be staff");
    int was_staff = p.is_staff;
    jv_copy(b, "email", p.email, sizeof p.email);
    jv_copy(b, "name", p.name, sizeof p.name);
    p.state = to;
    p.is_staff = jv_bool(b, "is_staff", p.is_staff);
    json_decref(b);
    int tx = rc == 0 && (rc = db_begin(c->db)) == 0;
    if (rc == 0) rc = psn_update(c->db, &c->actor, &p, &f);
    if (rc == 0) rc = take_back(c, &p, was_staff);
    if (tx && rc == 0) rc = db_commit(c->db);
    if (tx && rc) db_rollback(c->db);
    if (rc == 0) rc = psn_get(c->db, p.id, &p);
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_person(&p));
}
