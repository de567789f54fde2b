/* training.h: asking for a training, and the training matrix.
 *
 * A person who lacks a training a resource requires asks staff for it
 * (trq_open): one open request per person and training (asking again
 * returns the open one), at most TRQ_OPEN_MAX open at once, each request
 * audited and sent to every active staff member through the outbox.
 * Granting the training closes the request (qual_grant_add_by); staff may
 * decline it and the person may withdraw it.
 *
 * The matrix shows people against trainings with each grant's state at a
 * moment: per company (its active people, every training) or per resource
 * (the trainings it requires; the people who booked it in the 90 days
 * before or after, or who hold or held one of those trainings). */
#ifndef LP_TRAINING_H
#define LP_TRAINING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"
#include "booking/qual.h"

#define TRQ_OPEN_MAX 20
#define TRQ_NOTE_MAX 500

typedef struct trq_request {
    int64_t id, person_id, qualification_id, tenant_id;
    char person[201], email[255], qualification[121], note[TRQ_NOTE_MAX + 1];
    char outcome[12];            /* "" while open; granted | declined | withdrawn */
    int64_t created_at, closed_at;
} trq_request;

/* Opens a request of person for qual (note: 0..500 characters of text), or
 * returns the open one (*created false). LP_ERR_NOTFOUND (qualification),
 * LP_ERR_INVALID (note), LP_ERR_RULE (too many open requests). */
int trq_open(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id, const char *note,
             trq_request *out, bool *created, lp_fail *f) LP_MUST;
int trq_get(db_t *db, int64_t id, trq_request *out) LP_MUST;
/* Requests of one person (person_id > 0), one tenant's people (tenant_id >
 * 0), or everyone's; only open ones when open_only. Newest first. */
int trq_list(db_t *db, int64_t person_id, int64_t tenant_id, bool open_only, trq_request **out, size_t *n) LP_MUST;
/* Closes an open request: outcome "declined" (staff) or "withdrawn" (the
 * person). LP_ERR_STATE when closed already. Audited. */
int trq_close(db_t *db, const actor_t *who, int64_t id, const char *outcome, lp_fail *f) LP_MUST;
/* The grant hook: closes person's open request for qual as granted (in the
 * caller's transaction). */
int trq_granted(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id) LP_MUST;

/* ---- the matrix ---- */

enum qmx_state { QMX_MISSING = 0, QMX_VALID, QMX_EXPIRING, QMX_EXPIRED };
#define QMX_EXPIRING_DAYS 30

typedef struct qmx_cell {
    enum qmx_state state;
    int64_t expires_at;          /* the latest grant's end, 0 when never held */
    bool requested;              /* an open request exists */
} qmx_cell;

typedef struct qmx_person {
    int64_t id;
    char name[201], email[255], company[201];
} qmx_person;

typedef struct qmx_matrix {
    qual_def *quals;             /* columns */
    size_t nq;
    qmx_person *people;          /* rows, by name */
    size_t np;
    qmx_cell *cells;             /* np * nq, row by row */
} qmx_matrix;

const char *qmx_state_name(enum qmx_state s);
int qmx_for_tenant(db_t *db, int64_t tenant_id, int64_t now, qmx_matrix *out) LP_MUST;
int qmx_for_resource(db_t *db, int64_t resource_id, int64_t now, qmx_matrix *out) LP_MUST;
void qmx_free(qmx_matrix *m);

#endif
