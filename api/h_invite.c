/* h_invite.c: a person's invitations to a tenant: the list and acceptance
 * when signed in, and acceptance with the link token from the invitation
 * message (which only the invited person receives). */
#include "api/handlers.h"
#include "api/h_account.h"
#include "booking/invite.h"
#include <stdio.h>
#include <stdlib.h>

static json_t *json_invitation(const inv_invitation *v)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)v->id, "tenant_id", (json_int_t)v->tenant_id,
                          "tenant_name", v->tenant_name, "role", v->role);
    json_object_set_new(j, "created_at", api_time_json(v->created_at));
    json_object_set_new(j, "expires_at", api_time_json(v->expires_at));
    return j;
}

void h_invitations_list(api_ctx *c)
{
    inv_invitation *arr = NULL;
    size_t n = 0;
    int rc = inv_list(c->db, c->caller.person_id, &arr, &n);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, json_invitation(&arr[i]));
    free(arr);
    api_reply_json(c, 200, json_pack("{s:o}", "invitations", out));
}

static void reply_joined(api_ctx *c, int rc, int64_t tenant, const lp_fail *f)
{
    if (rc == LP_ERR_UNAUTH) {
        api_problem(c, 401, "bad-token", "Invalid token", "the invitation link is unknown, used or expired", "token");
        return;
    }
    if (rc) { api_fail(c, rc, f); return; }
    api_reply_json(c, 200, json_pack("{s:I}", "tenant_id", (json_int_t)tenant));
}

void h_invitation_accept(api_ctx *c)
{
    lp_fail f = { 0 };
    int64_t tenant = 0;
    int rc = inv_accept(c->db, &c->actor, c->caller.person_id, NULL, c->params[0], &tenant, &f);
    reply_joined(c, rc, tenant, &f);
}

static const struct jv_field ACCEPT[] = { { "token", JV_STRING, 1, 100, 0 }, JV_END };

void h_invitation_accept_token(api_ctx *c)
{
    json_t *b = api_body(c, ACCEPT);
    if (!b) return;
    lp_fail f = { 0 };
    int64_t tenant = 0;
    actor_t link = { 0, "invitation-link" };
    int rc = inv_accept(c->db, &link, 0, jv_str(b, "token", ""), 0, &tenant, &f);
    json_decref(b);
    reply_joined(c, rc, tenant, &f);
}
