/* qual.h: qualifications (safety trainings such as "ML-1 biosafety
 * induction") with a validity period, granted to people by staff with an
 * expiry and withdrawable. A person may book or enter a resource only while
 * holding every qualification the resource requires, for the whole period. */
#ifndef LP_QUAL_H
#define LP_QUAL_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

typedef struct qual_def {
    int64_t id;
    char name[121];
    char description[501];
    int validity_days;
    char instructor[201];      /* who gives the training (name or contact), "" when not set */
    int64_t next_session;      /* the next session when known, else 0 */
} qual_def;
typedef struct qual_grant {
    int64_t id, person_id, qualification_id;
    char name[121];
    char instructed_by[201];   /* "" when the person who recorded it instructed */
    int64_t granted_at, expires_at, withdrawn_at;
} qual_grant;

int qual_create(db_t *db, const actor_t *who, qual_def *q, lp_fail *f) LP_MUST;
/* Saves q's name, description, validity, instructor and next session (id
 * names it). LP_ERR_INVALID naming the field, LP_ERR_CONFLICT (name taken),
 * LP_ERR_NOTFOUND. Audited. */
int qual_update(db_t *db, const actor_t *who, const qual_def *q, lp_fail *f) LP_MUST;
int qual_get(db_t *db, int64_t id, qual_def *out) LP_MUST;
/* Every qualification (a catalogue staff keep), by name. */
int qual_list(db_t *db, qual_def **out, size_t *n) LP_MUST;
/* Grants q to person from now until expires_at (0: now + validity_days). */
int qual_grant_add(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id, int64_t expires_at,
                   qual_grant *out, lp_fail *f) LP_MUST;
/* The same, naming who instructed the training (0 to 200 characters, no
 * control characters; "" = who records it). LP_ERR_INVALID naming
 * instructed_by. */
int qual_grant_add_by(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id, int64_t expires_at,
                      const char *instructed_by, qual_grant *out, lp_fail *f) LP_MUST;
int qual_grant_withdraw(db_t *db, const actor_t *who, int64_t grant_id) LP_MUST;
int qual_grant_get(db_t *db, int64_t grant_id, qual_grant *out) LP_MUST;
/* Grants of one person (person_id > 0), or all grants expiring before
 * `expiring_before` (person_id == 0; the API bounds it to ten years), every
 * one of them, by expiry. Caller frees. */
int qual_grants(db_t *db, int64_t person_id, int64_t expiring_before, qual_grant **out, size_t *n) LP_MUST;

/* The ML-1 register's first half: who may work at resource_id at `at`
 * (each person holding a valid grant of every training the resource
 * requires), one row per grant, by person name then training. The
 * instructor is the name of the person who granted it ("person:N" read as
 * their name) or the actor's label. A resource that requires no training has
 * no such list (*n = 0). Caller frees. */
typedef struct qual_register_row {
    int64_t person_id;
    char person[201], company[201], qualification[121], instructor[201];
    int64_t granted_at, expires_at;
} qual_register_row;
int qual_register(db_t *db, int64_t resource_id, int64_t at, qual_register_row **out, size_t *n) LP_MUST;

/* Every training person lacks for resource over [start, end): never held or
 * lapsed before start (expires_at 0 or <= start), or ending before end,
 * with how to get it (instructor, next session) and whether the person has
 * asked for it already. By name. Caller frees. */
typedef struct qual_missing {
    int64_t qualification_id;
    char name[121];
    char instructor[201];
    int64_t next_session;      /* 0: not known */
    int64_t expires_at;        /* the latest grant's end (0: never held) */
    int expiring;              /* held at start but ending before end */
    int requested;             /* an open training request exists */
} qual_missing;
int qual_missing_for(db_t *db, int64_t person_id, int64_t resource_id, int64_t start, int64_t end,
                     qual_missing **out, size_t *n) LP_MUST;

/* Checks that person holds every qualification required by resource for the
 * whole of [start, end). LP_ERR_FORBIDDEN naming the first missing or
 * expiring one (and how many more there are). */
int qual_check(db_t *db, int64_t person_id, int64_t resource_id, int64_t start, int64_t end,
               lp_fail *f) LP_MUST;

#endif
