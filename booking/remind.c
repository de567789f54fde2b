/* remind.c: reminders before bookings (see remind.h). One transaction per
 * run: the reminders are read, queued in the outbox in each person's
 * language and marked, or nothing is. A booking moved to a start whose
 * reminder time is still ahead is unmarked by rsv_update (rsv_life.c). */
#include "booking/remind.h"
#include "booking/outbox.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t g_lead = RMD_LEAD_DEFAULT;

void rmd_set_lead(int64_t seconds) { g_lead = seconds > 0 ? seconds : 0; }
int64_t rmd_lead(void) { return g_lead; }

struct due { int64_t id, person_id, start; char resource[121]; };

static int due_row(sqlite3_stmt *st, void *elem)
{
    struct due *d = elem;
    d->id = sqlite3_column_int64(st, 0);
    d->person_id = sqlite3_column_int64(st, 1);
    d->start = sqlite3_column_int64(st, 2);
    snprintf(d->resource, sizeof d->resource, "%s", db_col_text(st, 3));
    return 0;
}

/* Confirmed bookings starting in (now, now + lead] with no reminder yet,
 * made before their reminder time. Caller frees. */
static int due_list(db_t *db, int64_t now, int64_t lead, struct due **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT r.id, r.person_id, r.start, s.name FROM reservations r "
                                   "JOIN resources s ON s.id = r.resource_id "
                                   "WHERE r.status = 'confirmed' AND r.reminded_at IS NULL AND r.start > ?1 "
                                   "AND r.start <= ?1 + ?2 AND r.created_at <= r.start - ?2 "
                                   "ORDER BY r.start, r.id LIMIT ?3");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, lead);
    db_bind_int(st, 3, RMD_BATCH);
    return db_collect(st, sizeof **out, due_row, (void **)out, n);
}

static int mark(db_t *db, int64_t id, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE reservations SET reminded_at = ?2 WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, now);
    return db_exec_stmt(st);
}

struct run_args { int64_t now, lead; int queued; };

static int do_run(db_t *db, void *p)
{
    struct run_args *a = p;
    struct due *d = NULL;
    size_t n = 0;
    int rc = due_list(db, a->now, a->lead, &d, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        mt_args m = { .resource = d[i].resource, .when = d[i].start, .id = d[i].id, .link = "/#/reservations" };
        rc = obx_to_person(db, MT_REMINDER, d[i].person_id, &m);
        if (rc == 0) rc = mark(db, d[i].id, a->now);
        if (rc == 0) a->queued++;
    }
    free(d);
    return rc;
}

int rmd_run(db_t *db, int64_t now, int64_t lead, int *queued)
{
    struct run_args a = { now, lead, 0 };
    *queued = 0;
    if (lead <= 0) return 0;
    int rc = db_in_tx(db, do_run, &a);
    if (rc == 0) *queued = a.queued;
    return rc;
}
