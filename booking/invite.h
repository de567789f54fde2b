/* invite.h: invitations of people who already have an account to join a
 * tenant. A tenant admin never receives anything that would let them act as
 * the invited person: the link token goes only to the person's own address,
 * and the membership starts only when the person accepts (signed in, or with
 * that token). Invitations lapse after their time, and with the tenant's
 * offboarding (account.c ends them with the other credentials). */
#ifndef LP_INVITE_H
#define LP_INVITE_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/account.h"
#include "booking/audit.h"

#define INV_TTL (7 * 86400)

typedef struct inv_invitation {
    int64_t id;
    int64_t tenant_id;
    char tenant_name[201];
    char role[16];
    int64_t created_at, expires_at;
} inv_invitation;

/* Creates an invitation of person to tenant with role, in the caller's
 * transaction, and queues the message with its link token to the person. */
int inv_create(db_t *db, const actor_t *who, int64_t person_id, int64_t tenant_id, const char *role) LP_MUST;
/* Accepts an open invitation: by token (person_id 0, the token proves the
 * address), or by id for the signed-in person_id. The person joins the
 * tenant. LP_ERR_UNAUTH for an unknown, used or expired token; LP_ERR_NOTFOUND
 * for an id that is not the person's open invitation; LP_ERR_CONFLICT when
 * the person is staff or belongs to another tenant; LP_ERR_STATE when the
 * tenant is offboarded. *tenant_id is set on success. */
int inv_accept(db_t *db, const actor_t *who, int64_t person_id, const char *token, int64_t id,
               int64_t *tenant_id, lp_fail *f) LP_MUST;
/* Open invitations of person. Caller frees *out. */
int inv_list(db_t *db, int64_t person_id, inv_invitation **out, size_t *n) LP_MUST;

#endif
