/* invite.c: invitations to a tenant (see invite.h). Tokens are random,
 * stored as hashes, shown only in the message to the invited person. An
 * invitation that cannot be looked up is an error, never an unknown token. */
#include "booking/invite.h"
#include "booking/acct_int.h"
#include "booking/outbox.h"
#include "booking/person.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SNAP_INVITE =
    "SELECT json_object('id', id, 'person_id', person_id, 'tenant_id', tenant_id, 'role', role, "
    "'expires_at', expires_at, 'accepted_at', accepted_at) FROM tenant_invitations WHERE id = ?1";

static int insert(db_t *db, const actor_t *who, int64_t person, int64_t tenant, const char *role,
                  char token[ACCT_TOKEN_LEN], int64_t *id)
{
    unsigned char h[HASH_LEN];
    acct_new_token("lpinv_", token, ACCT_TOKEN_LEN);
    acct_token_hash(token, h);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO tenant_invitations(token_hash, person_id, tenant_id, role, invited_by, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, NULLIF(?5, 0), ?6, ?7)");
    if (!st) return LP_ERR_DB;
    db_bind_blob(st, 1, h, HASH_LEN);
    db_bind_int(st, 2, person);
    db_bind_int(st, 3, tenant);
    db_bind_text(st, 4, role);
    db_bind_int(st, 5, who->person_id);
    db_bind_int(st, 6, clk_now());
    db_bind_int(st, 7, clk_now() + INV_TTL);
    int rc = db_exec_stmt(st);
    if (rc == 0) *id = db_last_id(db);
    return rc;
}

int inv_create(db_t *db, const actor_t *who, int64_t person_id, int64_t tenant_id, const char *role)
{
    char tok[ACCT_TOKEN_LEN], link[ACCT_TOKEN_LEN + 32];
    tnt_tenant t;
    int64_t id = 0;
    int own = sqlite3_get_autocommit(db_handle(db));
    int rc = own ? db_begin(db) : 0;
    if (rc) return rc;
    rc = tnt_get(db, tenant_id, &t);
    if (rc == 0) rc = insert(db, who, person_id, tenant_id, role, tok, &id);
    if (rc == 0) rc = audit_change(db, who, "create", "tenant_invitation", id, SNAP_INVITE, NULL);
    if (rc == 0) {
        snprintf(link, sizeof link, "/#/invitation?token=%s", tok);
        mt_args a = { .tenant = t.name, .role = strcmp(role, "tenant_admin") == 0 ? "tenant_admin" : "member",
                      .link = link };
        rc = obx_to_person(db, MT_INVITATION, person_id, &a);
    }
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    sodium_memzero(tok, sizeof tok);
    sodium_memzero(link, sizeof link);
    return rc;
}

/* The open invitation by token or by (id, person); LP_ERR_NOTFOUND when none. */
static int find_open(db_t *db, const char *token, int64_t id, int64_t person, int64_t *inv_id,
                     int64_t *pid, int64_t *tenant, char role[16])
{
    unsigned char h[HASH_LEN];
    memset(h, 0, sizeof h);
    if (token) acct_token_hash(token, h);
    sqlite3_stmt *st = db_stmt(db,
        "SELECT id, person_id, tenant_id, role FROM tenant_invitations WHERE accepted_at IS NULL "
        "AND revoked_at IS NULL AND expires_at > ?4 AND (token_hash = ?1 OR (?1 IS NULL AND id = ?2 AND person_id = ?3))");
    if (!st) return LP_ERR_DB;
    if (token) db_bind_blob(st, 1, h, HASH_LEN);
    else sqlite3_bind_null(st, 1);
    db_bind_int(st, 2, id);
    db_bind_int(st, 3, person);
    db_bind_int(st, 4, clk_now());
    int rc = db_get(st);
    if (rc) return rc;
    *inv_id = sqlite3_column_int64(st, 0);
    *pid = sqlite3_column_int64(st, 1);
    *tenant = sqlite3_column_int64(st, 2);
    snprintf(role, 16, "%s", db_col_text(st, 3));
    sqlite3_reset(st);
    return 0;
}

/* May person join tenant now? */
static int may_join(db_t *db, int64_t person, int64_t tenant, lp_fail *f)
{
    psn_person p;
    tnt_tenant t;
    int rc = psn_get(db, person, &p);
    if (rc == 0) rc = tnt_get(db, tenant, &t);
    if (rc) return rc;
    switch (t.state) {
    case TNT_OFFBOARDED: return lp_failf(f, LP_ERR_STATE, "", "this tenant no longer uses labpass");
    case TNT_ACTIVE:
    case TNT_SUSPENDED: break;
    }
    if (p.is_staff) return lp_failf(f, LP_ERR_CONFLICT, "", "staff cannot join a tenant");
    if (p.tenant_id && p.tenant_id != tenant)
        return lp_failf(f, LP_ERR_CONFLICT, "", "you belong to another tenant; leave it first (ask the facility staff)");
    return 0;
}

static int mark_accepted(db_t *db, const actor_t *who, int64_t id)
{
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_INVITE, id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE tenant_invitations SET accepted_at = ?2 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, id);
        db_bind_int(st, 2, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, who, "accept", "tenant_invitation", id, SNAP_INVITE, before);
    free(before);
    return rc;
}

int inv_accept(db_t *db, const actor_t *who, int64_t person_id, const char *token, int64_t id,
               int64_t *tenant_id, lp_fail *f)
{
    int64_t inv = 0, pid = 0, tenant = 0;
    char role[16] = "";
    if (token && strlen(token) > 100) return LP_ERR_UNAUTH;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = find_open(db, token, id, person_id, &inv, &pid, &tenant, role);
    if (rc == LP_ERR_NOTFOUND && token) rc = LP_ERR_UNAUTH;
    actor_t self = { pid, who->label };
    if (rc == 0) rc = may_join(db, pid, tenant, f);
    if (rc == 0) rc = psn_set_membership(db, &self, pid, tenant, role, f);
    if (rc == 0) rc = mark_accepted(db, &self, inv);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    if (rc == 0) *tenant_id = tenant;
    return rc;
}

static int inv_row(sqlite3_stmt *st, void *p)
{
    inv_invitation *v = p;
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(st, 0);
    v->tenant_id = sqlite3_column_int64(st, 1);
    snprintf(v->tenant_name, sizeof v->tenant_name, "%s", db_col_text(st, 2));
    snprintf(v->role, sizeof v->role, "%s", db_col_text(st, 3));
    v->created_at = sqlite3_column_int64(st, 4);
    v->expires_at = sqlite3_column_int64(st, 5);
    return 0;
}

int inv_list(db_t *db, int64_t person_id, inv_invitation **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT i.id, i.tenant_id, t.name, i.role, i.created_at, i.expires_at FROM tenant_invitations i "
        "JOIN tenants t ON t.id = i.tenant_id WHERE i.person_id = ?1 AND i.accepted_at IS NULL "
        "AND i.revoked_at IS NULL AND i.expires_at > ?2 AND t.status <> 'offboarded' ORDER BY i.id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, clk_now());
    return db_collect(st, sizeof **out, inv_row, (void **)out, n);
}
