/* qual.c: qualifications and grants (see qual.h). Reads keep "none" apart
 * from a failing database; every write runs in a transaction. */
#include "booking/qual.h"
#include "booking/training.h"
#include "core/clock.h"
#include "core/ltime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SNAP_QUAL =
    "SELECT json_object('id', id, 'name', name, 'description', description, 'validity_days', validity_days, "
    "'instructor', instructor, 'next_session', next_session) FROM qualifications WHERE id = ?1";
static const char *SNAP_GRANT =
    "SELECT json_object('id', id, 'person_id', person_id, 'qualification_id', qualification_id, "
    "'granted_at', granted_at, 'expires_at', expires_at, 'withdrawn_at', withdrawn_at, 'instructed_by', instructed_by) "
    "FROM qualification_grants WHERE id = ?1";

static int qual_valid(const qual_def *q, lp_fail *f)
{
    if (!lp_text_ok(q->name, 120)) return lp_failf(f, LP_ERR_INVALID, "name", "name must be 1 to 120 characters");
    if (q->description[0] && !lp_text_ok(q->description, 500))
        return lp_failf(f, LP_ERR_INVALID, "description", "description is not valid text");
    if (q->validity_days < 1 || q->validity_days > 3650)
        return lp_failf(f, LP_ERR_INVALID, "validity_days", "validity_days must be 1 to 3650");
    if (q->instructor[0] && !lp_text_ok(q->instructor, 200))
        return lp_failf(f, LP_ERR_INVALID, "instructor", "instructor must be at most 200 characters of text");
    if (q->next_session < 0) return lp_failf(f, LP_ERR_INVALID, "next_session", "next_session is a time");
    return 0;
}

int qual_create(db_t *db, const actor_t *who, qual_def *q, lp_fail *f)
{
    int rc = qual_valid(q, f);
    if (rc) return rc;
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO qualifications(name, description, validity_days, created_at, "
                                   "instructor, next_session) VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, 0))");
    if (!st) return LP_ERR_DB;
    int own = sqlite3_get_autocommit(db_handle(db));
    rc = own ? db_begin(db) : 0;
    if (rc) return rc;
    db_bind_text(st, 1, q->name); db_bind_text(st, 2, q->description);
    db_bind_int(st, 3, q->validity_days); db_bind_int(st, 4, clk_now());
    db_bind_text(st, 5, q->instructor); db_bind_int(st, 6, q->next_session);
    rc = db_exec_stmt(st);
    if (rc == LP_ERR_CONFLICT) rc = lp_failf(f, rc, "name", "a qualification with this name exists already");
    if (rc == 0) { q->id = db_last_id(db); rc = audit_change(db, who, "create", "qualification", q->id, SNAP_QUAL, NULL); }
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc;
}

int qual_update(db_t *db, const actor_t *who, const qual_def *q, lp_fail *f)
{
    char *before = NULL;
    int rc = qual_valid(q, f);
    if (rc) return rc;
    int own = sqlite3_get_autocommit(db_handle(db));
    rc = own ? db_begin(db) : 0;
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_QUAL, q->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE qualifications SET name = ?2, description = ?3, validity_days = ?4, "
                                               "instructor = ?5, next_session = NULLIF(?6, 0) WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, q->id); db_bind_text(st, 2, q->name); db_bind_text(st, 3, q->description);
        db_bind_int(st, 4, q->validity_days); db_bind_text(st, 5, q->instructor); db_bind_int(st, 6, q->next_session);
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT) rc = lp_failf(f, rc, "name", "a qualification with this name exists already");
    }
    if (rc == 0) rc = audit_change(db, who, "update", "qualification", q->id, SNAP_QUAL, before);
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    free(before);
    return rc;
}

#define QUAL_COLS "id, name, description, validity_days, instructor, COALESCE(next_session, 0)"

static int row_to_qual(sqlite3_stmt *st, void *elem)
{
    qual_def *q = elem;
    memset(q, 0, sizeof *q);
    q->id = sqlite3_column_int64(st, 0);
    snprintf(q->name, sizeof q->name, "%s", db_col_text(st, 1));
    snprintf(q->description, sizeof q->description, "%s", db_col_text(st, 2));
    q->validity_days = sqlite3_column_int(st, 3);
    snprintf(q->instructor, sizeof q->instructor, "%s", db_col_text(st, 4));
    q->next_session = sqlite3_column_int64(st, 5);
    return 0;
}

int qual_get(db_t *db, int64_t id, qual_def *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " QUAL_COLS " FROM qualifications WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) {
        row_to_qual(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int qual_list(db_t *db, qual_def **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " QUAL_COLS " FROM qualifications ORDER BY name");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    return db_collect(st, sizeof **out, row_to_qual, (void **)out, n);
}

#define GRANT_COLS "g.id, g.person_id, g.qualification_id, q.name, g.granted_at, g.expires_at, " \
                   "COALESCE(g.withdrawn_at, 0), g.instructed_by"

static int row_to_grant(sqlite3_stmt *st, void *elem)
{
    qual_grant *g = elem;
    memset(g, 0, sizeof *g);
    g->id = sqlite3_column_int64(st, 0);
    g->person_id = sqlite3_column_int64(st, 1);
    g->qualification_id = sqlite3_column_int64(st, 2);
    snprintf(g->name, sizeof g->name, "%s", db_col_text(st, 3));
    g->granted_at = sqlite3_column_int64(st, 4);
    g->expires_at = sqlite3_column_int64(st, 5);
    g->withdrawn_at = sqlite3_column_int64(st, 6);
    snprintf(g->instructed_by, sizeof g->instructed_by, "%s", db_col_text(st, 7));
    return 0;
}

int qual_grant_get(db_t *db, int64_t grant_id, qual_grant *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " GRANT_COLS " FROM qualification_grants g "
                                   "JOIN qualifications q ON q.id = g.qualification_id WHERE g.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, grant_id);
    int rc = db_get(st);
    if (rc == 0) {
        row_to_grant(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int qual_grant_add(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id, int64_t expires_at,
                   qual_grant *out, lp_fail *f)
{
    return qual_grant_add_by(db, who, person_id, qual_id, expires_at, "", out, f);
}

int qual_grant_add_by(db_t *db, const actor_t *who, int64_t person_id, int64_t qual_id, int64_t expires_at,
                      const char *instructed_by, qual_grant *out, lp_fail *f)
{
    qual_def q;
    int64_t now = clk_now();
    if (!instructed_by) instructed_by = "";
    if (instructed_by[0] && !lp_text_ok(instructed_by, 200))
        return lp_failf(f, LP_ERR_INVALID, "instructed_by", "instructed_by must be at most 200 characters of text");
    int rc = qual_get(db, qual_id, &q);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(f, rc, "qualification_id", "no such qualification");
    if (rc) return rc;
    if (expires_at == 0) expires_at = now + (int64_t)q.validity_days * 86400;
    if (expires_at <= now) return lp_failf(f, LP_ERR_INVALID, "expires_at", "expires_at must be in the future");
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO qualification_grants(person_id, qualification_id, granted_at, "
                                   "expires_at, granted_by, instructed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return LP_ERR_DB;
    int own = sqlite3_get_autocommit(db_handle(db));
    rc = own ? db_begin(db) : 0;
    if (rc) return rc;
    db_bind_int(st, 1, person_id); db_bind_int(st, 2, qual_id); db_bind_int(st, 3, now);
    db_bind_int(st, 4, expires_at); db_bind_text(st, 5, who && who->label ? who->label : "system");
    db_bind_text(st, 6, instructed_by);
    rc = db_exec_stmt(st);
    if (rc == LP_ERR_CONFLICT) rc = lp_failf(f, LP_ERR_NOTFOUND, "person_id", "no such person");
    int64_t gid = rc == 0 ? db_last_id(db) : 0;
    if (rc == 0) rc = audit_change(db, who, "grant", "qualification_grant", gid, SNAP_GRANT, NULL);
    if (rc == 0) rc = trq_granted(db, who, person_id, qual_id);   /* an open request for it is answered */
    if (rc == 0) rc = qual_grant_get(db, gid, out);   /* inside: an error leaves nothing behind */
    if (own) {
        if (rc == 0) rc = db_commit(db);
        if (rc) db_rollback(db);
    }
    return rc;
}

int qual_grant_withdraw(db_t *db, const actor_t *who, int64_t grant_id)
{
    char *before = NULL;
    int rc = db_begin(db);
    if (rc) return rc;
    rc = audit_snapshot(db, SNAP_GRANT, grant_id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db,
        "UPDATE qualification_grants SET withdrawn_at = ?2 WHERE id = ?1 AND withdrawn_at IS NULL");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, grant_id);
        db_bind_int(st, 2, clk_now());
        rc = db_exec_stmt(st);
        if (rc == 0 && db_changes(db) == 0) rc = LP_ERR_STATE;
    }
    if (rc == 0) rc = audit_change(db, who, "withdraw", "qualification_grant", grant_id, SNAP_GRANT, before);
    if (rc == 0) rc = db_commit(db);
    if (rc) db_rollback(db);
    free(before);
    return rc;
}

int qual_grants(db_t *db, int64_t person_id, int64_t expiring_before, qual_grant **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " GRANT_COLS " FROM qualification_grants g "
                                   "JOIN qualifications q ON q.id = g.qualification_id "
                                   "WHERE (?1 > 0 AND g.person_id = ?1) OR (?1 = 0 AND g.withdrawn_at IS NULL "
                                   "AND g.expires_at < ?2 AND g.expires_at > ?3) ORDER BY g.expires_at, g.id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, expiring_before);
    db_bind_int(st, 3, clk_now());
    return db_collect(st, sizeof **out, row_to_grant, (void **)out, n);
}

/* For each training resource ?2 requires, by name: the latest end of a
 * grant of person ?1 valid at ?3 (NULL: none), who instructs it, its next
 * session, and whether the person has an open request for it. */
#define NEEDED_SQL \
    "SELECT q.id, q.name, (SELECT max(g.expires_at) FROM qualification_grants g WHERE g.person_id = ?1 " \
    "  AND g.qualification_id = q.id AND g.withdrawn_at IS NULL AND g.granted_at <= ?3), q.instructor, " \
    "  COALESCE(q.next_session, 0), EXISTS (SELECT 1 FROM training_requests r WHERE r.person_id = ?1 " \
    "  AND r.qualification_id = q.id AND r.closed_at IS NULL) " \
    "FROM resource_qualifications rq JOIN qualifications q ON q.id = rq.qualification_id " \
    "WHERE rq.resource_id = ?2 ORDER BY q.name, q.id"

static int missing_row(sqlite3_stmt *st, void *elem)
{
    qual_missing *m = elem;
    memset(m, 0, sizeof *m);
    m->qualification_id = sqlite3_column_int64(st, 0);
    snprintf(m->name, sizeof m->name, "%s", db_col_text(st, 1));
    m->expires_at = sqlite3_column_type(st, 2) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 2);
    snprintf(m->instructor, sizeof m->instructor, "%s", db_col_text(st, 3));
    m->next_session = sqlite3_column_int64(st, 4);
    m->requested = sqlite3_column_int(st, 5);
    return 0;
}

int qual_missing_for(db_t *db, int64_t person_id, int64_t resource_id, int64_t start, int64_t end,
                     qual_missing **out, size_t *n)
{
    qual_missing *all = NULL;
    size_t m = 0, k = 0;
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db, NEEDED_SQL);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_int(st, 2, resource_id);
    db_bind_int(st, 3, start > clk_now() ? clk_now() : start);
    int rc = db_collect(st, sizeof *all, missing_row, (void **)&all, &m);
    if (rc) return rc;
    for (size_t i = 0; i < m; i++) {
        if (all[i].expires_at > start && all[i].expires_at >= end) continue;   /* held throughout */
        all[i].expiring = all[i].expires_at > start;
        all[k++] = all[i];
    }
    if (k == 0) { free(all); return 0; }
    *out = all;
    *n = k;
    return 0;
}

int qual_check(db_t *db, int64_t person_id, int64_t resource_id, int64_t start, int64_t end, lp_fail *f)
{
    qual_missing *miss = NULL;
    size_t n = 0;
    int rc = qual_missing_for(db, person_id, resource_id, start, end, &miss, &n);
    if (rc || n == 0) return rc;
    char when[LT_RFC3339_LEN], more[64] = "";
    if (n > 1) snprintf(more, sizeof more, " (and %zu more missing)", n - 1);
    if (!miss[0].expiring) {
        rc = lp_failf(f, LP_ERR_FORBIDDEN, "qualification", "the qualification \"%s\" is missing%s", miss[0].name, more);
    } else {
        lt_format(miss[0].expires_at, when);
        rc = lp_failf(f, LP_ERR_FORBIDDEN, "qualification",
                      "the qualification \"%s\" expires at %s, before the booking ends%s", miss[0].name, when, more);
    }
    free(miss);
    return rc;
}

/* ---- the ML-1 register ---- */

static int register_row(sqlite3_stmt *st, void *elem)
{
    qual_register_row *r = elem;
    memset(r, 0, sizeof *r);
    r->person_id = sqlite3_column_int64(st, 0);
    snprintf(r->person, sizeof r->person, "%s", db_col_text(st, 1));
    snprintf(r->company, sizeof r->company, "%s", db_col_text(st, 2));
    snprintf(r->qualification, sizeof r->qualification, "%s", db_col_text(st, 3));
    snprintf(r->instructor, sizeof r->instructor, "%s", db_col_text(st, 4));
    r->granted_at = sqlite3_column_int64(st, 5);
    r->expires_at = sqlite3_column_int64(st, 6);
    return 0;
}

/* A grant valid at ?2 of a training resource ?1 requires. */
#define VALID_GRANT "g.withdrawn_at IS NULL AND g.granted_at <= ?2 AND g.expires_at > ?2 AND g.qualification_id IN " \
                    "(SELECT qualification_id FROM resource_qualifications WHERE resource_id = ?1)"

int qual_register(db_t *db, int64_t resource_id, int64_t at, qual_register_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = db_stmt(db,
        "SELECT p.id, p.name, COALESCE(t.name, ''), q.name, CASE WHEN g.instructed_by <> '' THEN g.instructed_by "
        "WHEN g.granted_by LIKE 'person:%' THEN COALESCE("
        "(SELECT name FROM people WHERE id = CAST(substr(g.granted_by, 8) AS INTEGER)), g.granted_by) ELSE g.granted_by "
        "END, g.granted_at, g.expires_at FROM qualification_grants g JOIN people p ON p.id = g.person_id "
        "JOIN qualifications q ON q.id = g.qualification_id LEFT JOIN memberships m ON m.person_id = p.id "
        "LEFT JOIN tenants t ON t.id = m.tenant_id WHERE " VALID_GRANT " AND p.status = 'active' AND "
        "(SELECT count(DISTINCT g2.qualification_id) FROM qualification_grants g2 WHERE g2.person_id = p.id AND "
        "g2.withdrawn_at IS NULL AND g2.granted_at <= ?2 AND g2.expires_at > ?2 AND g2.qualification_id IN "
        "(SELECT qualification_id FROM resource_qualifications WHERE resource_id = ?1)) = "
        "(SELECT count(*) FROM resource_qualifications WHERE resource_id = ?1) "
        "ORDER BY p.name, p.id, q.name, g.expires_at DESC");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, resource_id);
    db_bind_int(st, 2, at);
    return db_collect(st, sizeof **out, register_row, (void **)out, n);
}
