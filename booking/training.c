/* training.c: training requests and the training matrix (see training.h). */
#include "booking/training.h"
#include "booking/outbox.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SNAP_TRQ[] =
    "SELECT json_object('id', id, 'person_id', person_id, 'qualification_id', qualification_id, 'note', note, "
    "'created_at', created_at, 'closed_at', closed_at, 'outcome', outcome) FROM training_requests WHERE id = ?1";

#define TRQ_COLS "r.id, r.person_id, r.qualification_id, COALESCE(m.tenant_id, 0), p.name, p.email, q.name, r.note, " \
                 "COALESCE(r.outcome, ''), r.created_at, COALESCE(r.closed_at, 0) FROM training_requests r " \
                 "JOIN people p ON p.id = r.person_id JOIN qualifications q ON q.id = r.qualification_id " \
                 "LEFT JOIN memberships m ON m.person_id = r.person_id "

static int trq_row(sqlite3_stmt *st, void *elem)
{
    trq_request *r = elem;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->person_id = sqlite3_column_int64(st, 1);
    r->qualification_id = sqlite3_column_int64(st, 2);
    r->tenant_id = sqlite3_column_int64(st, 3);
    snprintf(r->person, sizeof r->person, "%s", db_col_text(st, 4));
    snprintf(r->email, sizeof r->email, "%s", db_col_text(st, 5));
    snprintf(r->qualification, sizeof r->qualification, "%s", db_col_text(st, 6));
    snprintf(r->note, sizeof r->note, "%s", db_col_text(st, 7));
    snprintf(r->outcome, sizeof r->outcome, "%s", db_col_text(st, 8));
    r->created_at = sqlite3_column_int64(st, 9);
    r->closed_at = sqlite3_column_int64(st, 10);
    return 0;
}

int trq_get(db_t *db, int64_t id, trq_request *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " TRQ_COLS "WHERE r.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        trq_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int trq_list(db_t *db, int64_t person_id, int64_t tenant_id, bool open_only, trq_request **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " TRQ_COLS "WHERE (?1 = 0 OR r.person_id = ?1) AND (?2 = 0 OR m.tenant_id = ?2) "
                                   "AND (?3 = 0 OR r.closed_at IS NULL) ORDER BY r.id DESC");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, tenant_id);
    db_bind_int(st, 3, open_only);
    return db_collect(st, sizeof **out, trq_row, (void **)out, n);
}

/* The open request of person for qual: 0 and its id, or LP_ERR_NOTFOUND. */
static int open_id(db_t *db, int64_t person_id, int64_t qual_id, int64_t *id, int64_t *open_count)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE((SELECT id FROM training_requests WHERE person_id = ?1 AND "
                                   "qualification_id = ?2 AND closed_at IS NULL), 0), (SELECT count(*) FROM "
                                   "training_requests WHERE person_id = ?1 AND closed_at IS NULL)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, qual_id);
    int rc = db_get(st);
    if (rc) return rc;
    *id = sqlite3_column_int64(st, 0);
    *open_count = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

static int tell_staff(db_t *db, const trq_request *r)
{
    mt_args a = { .person = r->person, .email = r->email, .what = r->qualification, .note = r->note };
    return obx_to_staff(db, MT_TRAINING_REQUESTED, &a);
}

struct open_args { const actor_t *who; int64_t person_id, qual_id; const char *note; trq_request *out; bool *created; lp_fail *f; };

static int do_open(db_t *db, void *p)
{
    struct open_args *a = p;
    qual_def q;
    int64_t id = 0, open = 0;
    int rc = qual_get(db, a->qual_id, &q);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "qualification_id", "no such qualification");
    if (rc == 0) rc = open_id(db, a->person_id, a->qual_id, &id, &open);
    if (rc) return rc;
    if (id) return trq_get(db, id, a->out);   /* asked already: the same request */
    if (open >= TRQ_OPEN_MAX)
        return lp_failf(a->f, LP_ERR_RULE, "requests", "at most %d training requests can be open at once", TRQ_OPEN_MAX);
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO training_requests(person_id, qualification_id, note, created_at) "
                                   "VALUES (?1, ?2, ?3, ?4)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->person_id); db_bind_int(st, 2, a->qual_id);
    db_bind_text(st, 3, a->note); db_bind_int(st, 4, clk_now());
    rc = db_exec_stmt(st);
    if (rc == 0) id = db_last_id(db);
    if (rc == 0) rc = audit_change(db, a->who, "request", "training_request", id, SNAP_TRQ, NULL);
    if (rc == 0) rc = trq_get(db, id, a->out);
    if (rc == 0) rc = tell_staff(db, a->out);
    if (rc == 0) *a->created = true;
    return rc;
}

int trq_open(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id, const char *note,
             trq_request *out, bool *created, lp_fail *f)
{
    if (!note) note = "";
    *created = false;
    if (note[0] && !lp_text_ok(note, TRQ_NOTE_MAX))
        return lp_failf(f, LP_ERR_INVALID, "note", "note must be at most %d characters of text", TRQ_NOTE_MAX);
    struct open_args a = { who, person_id, qual_id, note, out, created, f };
    return db_in_tx(db, do_open, &a);
}

struct close_args { const actor_t *who; int64_t id; const char *outcome; lp_fail *f; };

static int do_close(db_t *db, void *p)
{
    struct close_args *a = p;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_TRQ, a->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE training_requests SET closed_at = ?2, outcome = ?3 "
                                               "WHERE id = ?1 AND closed_at IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->id); db_bind_int(st, 2, clk_now()); db_bind_text(st, 3, a->outcome);
        rc = db_exec_stmt(st);
        if (rc == 0 && db_changes(db) == 0) rc = lp_failf(a->f, LP_ERR_STATE, "status", "the request is closed already");
    }
    if (rc == 0) rc = audit_change(db, a->who, a->outcome, "training_request", a->id, SNAP_TRQ, before);
    free(before);
    return rc;
}

int trq_close(db_t *db, const actor_t *who, int64_t id, const char *outcome, lp_fail *f)
{
    if (!outcome || (strcmp(outcome, "declined") && strcmp(outcome, "withdrawn")))
        return lp_failf(f, LP_ERR_INVALID, "outcome", "outcome is declined or withdrawn");
    struct close_args a = { who, id, outcome, f };
    return db_in_tx(db, do_close, &a);
}

int trq_granted(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id)
{
    int64_t id = 0, open = 0;
    int rc = open_id(db, person_id, qual_id, &id, &open);
    if (rc || !id) return rc;
    lp_fail f = { 0 };
    struct close_args a = { who, id, "granted", &f };
    return do_close(db, &a);
}

/* ---- the matrix ---- */

static const char *const QMX_NAMES[] = { "missing", "valid", "expiring", "expired" };

const char *qmx_state_name(enum qmx_state s) { return (unsigned)s < 4 ? QMX_NAMES[s] : ""; }

void qmx_free(qmx_matrix *m)
{
    free(m->quals);
    free(m->people);
    free(m->cells);
    memset(m, 0, sizeof *m);
}

static int person_row(sqlite3_stmt *st, void *elem)
{
    qmx_person *p = elem;
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 1));
    snprintf(p->email, sizeof p->email, "%s", db_col_text(st, 2));
    snprintf(p->company, sizeof p->company, "%s", db_col_text(st, 3));
    return 0;
}

static int col_index(const qmx_matrix *m, int64_t qual_id)
{
    for (size_t j = 0; j < m->nq; j++)
        if (m->quals[j].id == qual_id) return (int)j;
    return -1;
}

/* Fills the cells of m's people and columns at now. */
static int fill_cells(db_t *db, qmx_matrix *m, int64_t now)
{
    size_t ncells = m->np * m->nq;
    m->cells = calloc(ncells ? ncells : 1, sizeof *m->cells);
    if (!m->cells) return LP_ERR_NOMEM;
    sqlite3_stmt *st = db_stmt(db, "SELECT qualification_id, max(expires_at) FROM qualification_grants WHERE "
                                   "person_id = ?1 AND withdrawn_at IS NULL AND granted_at <= ?2 GROUP BY qualification_id");
    sqlite3_stmt *rq = db_stmt(db, "SELECT qualification_id FROM training_requests WHERE person_id = ?1 AND closed_at IS NULL");
    if (!st || !rq) return LP_ERR_DB;
    for (size_t i = 0; i < m->np; i++) {
        qmx_cell *row = &m->cells[i * m->nq];
        int step;
        db_bind_int(st, 1, m->people[i].id);
        db_bind_int(st, 2, now);
        while ((step = db_step(st)) == DB_ROW) {
            int j = col_index(m, sqlite3_column_int64(st, 0));
            int64_t exp = sqlite3_column_int64(st, 1);
            if (j < 0) continue;
            row[j].expires_at = exp;
            row[j].state = exp <= now ? QMX_EXPIRED : exp - now < QMX_EXPIRING_DAYS * 86400LL ? QMX_EXPIRING : QMX_VALID;
        }
        sqlite3_reset(st);
        if (step < 0) return step;
        db_bind_int(rq, 1, m->people[i].id);
        while ((step = db_step(rq)) == DB_ROW) {
            int j = col_index(m, sqlite3_column_int64(rq, 0));
            if (j >= 0) row[j].requested = true;
        }
        sqlite3_reset(rq);
        if (step < 0) return step;
    }
    return 0;
}

int qmx_for_tenant(db_t *db, int64_t tenant_id, int64_t now, qmx_matrix *out)
{
    memset(out, 0, sizeof *out);
    int rc = qual_list(db, &out->quals, &out->nq);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "SELECT p.id, p.name, p.email, t.name FROM memberships m "
                                               "JOIN people p ON p.id = m.person_id JOIN tenants t ON t.id = m.tenant_id "
                                               "WHERE m.tenant_id = ?1 AND p.status = 'active' ORDER BY p.name, p.id");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, tenant_id);
        rc = db_collect(st, sizeof *out->people, person_row, (void **)&out->people, &out->np);
    }
    if (rc == 0) rc = fill_cells(db, out, now);
    if (rc) qmx_free(out);
    return rc;
}

static int qual_by_id(sqlite3_stmt *st, void *elem)
{
    qual_def *q = elem;
    memset(q, 0, sizeof *q);
    q->id = sqlite3_column_int64(st, 0);
    snprintf(q->name, sizeof q->name, "%s", db_col_text(st, 1));
    q->validity_days = sqlite3_column_int(st, 2);
    snprintf(q->instructor, sizeof q->instructor, "%s", db_col_text(st, 3));
    q->next_session = sqlite3_column_int64(st, 4);
    return 0;
}

int qmx_for_resource(db_t *db, int64_t resource_id, int64_t now, qmx_matrix *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, "SELECT q.id, q.name, q.validity_days, q.instructor, COALESCE(q.next_session, 0) "
                                   "FROM resource_qualifications rq JOIN qualifications q ON q.id = rq.qualification_id "
                                   "WHERE rq.resource_id = ?1 ORDER BY q.name, q.id");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    int rc = db_collect(st, sizeof *out->quals, qual_by_id, (void **)&out->quals, &out->nq);
    st = rc ? NULL : db_stmt(db,
        "SELECT p.id, p.name, p.email, COALESCE(t.name, '') FROM people p LEFT JOIN memberships m ON m.person_id = p.id "
        "LEFT JOIN tenants t ON t.id = m.tenant_id WHERE p.status = 'active' AND (p.id IN (SELECT person_id FROM "
        "reservations WHERE resource_id = ?1 AND start < ?2 + 90 * 86400 AND end > ?2 - 90 * 86400 AND status NOT IN "
        "('cancelled', 'rejected')) OR p.id IN (SELECT g.person_id FROM qualification_grants g JOIN "
        "resource_qualifications rq ON rq.qualification_id = g.qualification_id WHERE rq.resource_id = ?1)) "
        "ORDER BY p.name, p.id");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, resource_id);
        db_bind_int(st, 2, now);
        rc = db_collect(st, sizeof *out->people, person_row, (void **)&out->people, &out->np);
    }
    if (rc == 0) rc = fill_cells(db, out, now);
    if (rc) qmx_free(out);
    return rc;
}
