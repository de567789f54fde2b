/* person.h: people and their membership of a tenant.
 * E-mail addresses are unique regardless of case (stored lower-cased for
 * ASCII, compared NOCASE). A person belongs to at most one tenant, as
 * tenant_admin or member; staff are people with is_staff set. */
#ifndef LP_PERSON_H
#define LP_PERSON_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"
#include "booking/mailtext.h"

/* A person's state. Stored and sent as psn_state_name(): "active", "disabled". */
enum psn_state { PSN_ACTIVE = 0, PSN_DISABLED };
#define PSN_STATE_COUNT 2
/* The spelling of s (static; "" out of range). */
const char *psn_state_name(enum psn_state s);
/* Parses a spelling; LP_ERR_INVALID for anything else. */
int psn_state_parse(const char *text, enum psn_state *out) LP_MUST;

typedef struct psn_person {
    int64_t id;
    char email[255];
    char name[201];
    enum psn_state state; /* the zero value, PSN_ACTIVE, is what a new person gets */
    int is_staff;
    int has_password;
    int64_t tenant_id;    /* 0 when none */
    char role[16];        /* tenant_admin | member | "" */
    enum mt_lang language; /* of the messages the person gets; the zero value is English */
    int64_t created_at, updated_at;
} psn_person;

int psn_validate(const psn_person *p, lp_fail *f) LP_MUST;
/* Inserts p (email lower-cased); password may be NULL (invite). Sets p->id.
 * Does not open a transaction when one is open already. */
int psn_create(db_t *db, const actor_t *who, psn_person *p, const char *password, lp_fail *f) LP_MUST;
int psn_get(db_t *db, int64_t id, psn_person *out) LP_MUST;
int psn_get_by_email(db_t *db, const char *email, psn_person *out) LP_MUST;
/* People of one tenant (tenant_id > 0), or everybody (tenant_id == 0). Caller frees. */
int psn_list(db_t *db, int64_t tenant_id, psn_person **out, size_t *n) LP_MUST;
/* Saves name, email, state, is_staff and language; disabling revokes sessions. */
int psn_update(db_t *db, const actor_t *who, const psn_person *p, lp_fail *f) LP_MUST;
/* Makes the person a member of tenant with role (replacing any other membership). */
int psn_set_membership(db_t *db, const actor_t *who, int64_t person_id, int64_t tenant_id,
                       const char *role, lp_fail *f) LP_MUST;
/* Ends the person's membership of tenant; LP_ERR_NOTFOUND when there is none. */
int psn_remove_membership(db_t *db, const actor_t *who, int64_t person_id, int64_t tenant_id) LP_MUST;

#endif
