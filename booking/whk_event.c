/* whk_event.c: webhook events and their deliveries (see webhook.h):
 * recording an event in the transaction of its change, the test ping, the
 * delivery list and manual retry, and what the worker needs: the due
 * deliveries and the record of each attempt with its backoff. */
#include "booking/webhook.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does an enabled endpoint subscribe to any type of mask? */
static int subscribed(db_t *db, unsigned mask, int *yes)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM webhook_endpoints WHERE enabled = 1 AND (events & ?1) != 0 LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, mask);
    int rc = db_get(st);
    sqlite3_reset(st);
    *yes = rc == 0;
    return rc == LP_ERR_NOTFOUND ? 0 : rc;
}

/* One delivery row per endpoint the query's WHERE picks; msg ids are 96
 * random bits, the payload's timestamp is the event's (UTC). */
#define DELIVERY_INSERT                                                                                          \
    "INSERT INTO webhook_deliveries(endpoint_id, event, msg_id, payload, next_attempt_at, created_at, updated_at) " \
    "SELECT e.id, ?1, 'msg_' || lower(hex(randomblob(12))), json_object('type', ?1, 'timestamp', "                  \
    "strftime('%Y-%m-%dT%H:%M:%SZ', ?3, 'unixepoch'), 'data', json(?4)), ?3, ?3, ?3 FROM webhook_endpoints e "

int whk_emit(db_t *db, enum whk_event ev, const char *data_sql, int64_t object_id)
{
    if ((unsigned)ev >= WHK_EV_PING) return LP_ERR_INTERNAL;
    unsigned mask = 1u << ev;
    int yes = 0;
    char *data = NULL;
    int rc = subscribed(db, mask, &yes);
    if (rc || !yes) return rc;
    rc = audit_snapshot(db, data_sql, object_id, &data);
    if (rc || !data) return rc;
    sqlite3_stmt *st = db_stmt(db, DELIVERY_INSERT "WHERE e.enabled = 1 AND (e.events & ?2) != 0");
    if (!st) rc = LP_ERR_DB;
    else {
        db_bind_text(st, 1, whk_event_name(ev)); db_bind_int(st, 2, mask); db_bind_int(st, 3, clk_now());
        db_bind_text(st, 4, data);
        rc = db_exec_stmt(st);
    }
    free(data);
    return rc;
}

static const char SNAP_PING[] =
    "SELECT json_object('endpoint_id', id, 'url', url, 'version', version) FROM webhook_endpoints WHERE id = ?1";

struct ping_args { const actor_t *who; int64_t id; int64_t *out; };

static int do_ping(db_t *db, void *p)
{
    struct ping_args *a = p;
    whk_endpoint e;
    char *data = NULL;
    int rc = whk_endpoint_get(db, a->id, &e);
    if (rc == 0 && !e.enabled) rc = LP_ERR_STATE;
    if (rc == 0) rc = audit_snapshot(db, SNAP_PING, a->id, &data);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, DELIVERY_INSERT "WHERE e.id = ?2");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_text(st, 1, whk_event_name(WHK_EV_PING)); db_bind_int(st, 2, a->id); db_bind_int(st, 3, clk_now());
        db_bind_text(st, 4, data);
        rc = db_exec_stmt(st);
    }
    if (rc == 0) *a->out = db_last_id(db);
    if (rc == 0) rc = audit_add(db, a->who, "ping", "webhook_endpoint", a->id, NULL, NULL);
    free(data);
    return rc;
}

int whk_ping(db_t *db, const actor_t *who, int64_t endpoint_id, int64_t *id)
{
    struct ping_args a = { who, endpoint_id, id };
    *id = 0;
    return db_in_tx(db, do_ping, &a);
}

/* ---- the delivery list ---- */

#define DELIVERY_COLS "id, endpoint_id, event, state, msg_id, attempts, last_status, last_error, created_at, " \
                      "updated_at, next_attempt_at, COALESCE(delivered_at, 0)"

static int delivery_row(sqlite3_stmt *st, void *elem)
{
    whk_delivery *d = elem;
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    d->endpoint_id = sqlite3_column_int64(st, 1);
    if (!strcmp(db_col_text(st, 2), "ping")) d->event = WHK_EV_PING;
    else if (whk_event_parse(db_col_text(st, 2), &d->event) != 0) return LP_ERR_DB;
    if (whk_state_parse(db_col_text(st, 3), &d->state) != 0) return LP_ERR_DB;
    snprintf(d->msg_id, sizeof d->msg_id, "%s", db_col_text(st, 4));
    d->attempts = sqlite3_column_int(st, 5);
    d->last_status = sqlite3_column_int(st, 6);
    snprintf(d->last_error, sizeof d->last_error, "%s", db_col_text(st, 7));
    d->created_at = sqlite3_column_int64(st, 8);
    d->updated_at = sqlite3_column_int64(st, 9);
    d->next_attempt_at = sqlite3_column_int64(st, 10);
    d->delivered_at = sqlite3_column_int64(st, 11);
    return 0;
}

int whk_delivery_get(db_t *db, int64_t endpoint_id, int64_t id, whk_delivery *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " DELIVERY_COLS " FROM webhook_deliveries WHERE id = ?1 AND endpoint_id = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, endpoint_id);
    int rc = db_get(st);
    if (rc == 0) rc = delivery_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int whk_delivery_list(db_t *db, int64_t endpoint_id, int64_t before_id, size_t max, whk_delivery **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " DELIVERY_COLS " FROM webhook_deliveries WHERE endpoint_id = ?1 "
                                   "AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, endpoint_id);
    db_bind_int(st, 2, before_id);
    db_bind_int(st, 3, (int64_t)max);
    return db_collect(st, sizeof **out, delivery_row, (void **)out, n);
}

static const char SNAP_DELIVERY[] =
    "SELECT json_object('id', id, 'endpoint_id', endpoint_id, 'event', event, 'msg_id', msg_id, 'state', state, "
    "'attempts', attempts, 'next_attempt_at', next_attempt_at) FROM webhook_deliveries WHERE id = ?1";

struct retry_args { const actor_t *who; int64_t endpoint_id, id; lp_fail *f; };

static int do_retry(db_t *db, void *p)
{
    struct retry_args *a = p;
    whk_delivery d;
    char *before = NULL;
    int rc = whk_delivery_get(db, a->endpoint_id, a->id, &d);
    if (rc == 0 && d.state == WHK_DELIVERED)
        rc = lp_failf(a->f, LP_ERR_STATE, "state", "the delivery was delivered already");
    if (rc == 0) rc = audit_snapshot(db, SNAP_DELIVERY, a->id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?2, "
                                               "updated_at = ?2 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, a->id); db_bind_int(st, 2, clk_now()); rc = db_exec_stmt(st); }
    if (rc == 0) rc = audit_change(db, a->who, "retry", "webhook_delivery", a->id, SNAP_DELIVERY, before);
    free(before);
    return rc;
}

int whk_delivery_retry(db_t *db, const actor_t *who, int64_t endpoint_id, int64_t id, lp_fail *f)
{
    struct retry_args a = { who, endpoint_id, id, f };
    return db_in_tx(db, do_retry, &a);
}

/* ---- the worker's side ---- */

static int job_row(sqlite3_stmt *st, void *elem)
{
    whk_job *j = elem;
    memset(j, 0, sizeof *j);
    j->id = sqlite3_column_int64(st, 0);
    j->endpoint_id = sqlite3_column_int64(st, 6);
    snprintf(j->msg_id, sizeof j->msg_id, "%s", db_col_text(st, 1));
    snprintf(j->url, sizeof j->url, "%s", db_col_text(st, 2));
    int len = sqlite3_column_bytes(st, 3);
    if (len <= 0 || len > WHK_SEALED_MAX) return LP_ERR_DB;
    memcpy(j->sealed, sqlite3_column_blob(st, 3), (size_t)len);
    j->sealed_len = (size_t)len;
    j->attempts = sqlite3_column_int(st, 4);
    j->payload = strdup(db_col_text(st, 5));
    return j->payload ? 0 : LP_ERR_NOMEM;
}

void whk_due_free(whk_job *j, size_t n)
{
    for (size_t i = 0; j && i < n; i++) free(j[i].payload);
    free(j);
}

int whk_due(db_t *db, int64_t now, size_t max, whk_job **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT d.id, d.msg_id, e.url, e.secret_sealed, d.attempts, d.payload, e.id "
                                   "FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
                                   "WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND e.enabled = 1 "
                                   "ORDER BY d.next_attempt_at, d.id LIMIT ?2");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, (int64_t)max);
    whk_job *arr = NULL;
    size_t cnt = 0;
    int rc = db_collect(st, sizeof *arr, job_row, (void **)&arr, &cnt);
    if (rc) return rc;
    *out = arr;
    *n = cnt;
    return 0;
}

int whk_prune(db_t *db, int64_t before, int *n)
{
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < ?1");
    if (n) *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, before);
    int rc = db_exec_stmt(st);
    if (rc == 0 && n) *n = db_changes(db);
    return rc;
}

int64_t whk_backoff(int attempts)
{
    int64_t wait = WHK_BACKOFF_FIRST;
    for (int i = 1; i < attempts && wait < WHK_BACKOFF_MAX; i++) wait *= 2;
    return wait < WHK_BACKOFF_MAX ? wait : WHK_BACKOFF_MAX;
}

struct attempt_args { int64_t id; int status; const char *error; int64_t now; };

static int do_attempt(db_t *db, void *p)
{
    struct attempt_args *a = p;
    sqlite3_stmt *st = db_stmt(db, "SELECT attempts FROM webhook_deliveries WHERE id = ?1 AND state = 'pending'");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->id);
    int rc = db_get(st);
    int attempts = rc == 0 ? sqlite3_column_int(st, 0) + 1 : 0;
    sqlite3_reset(st);
    if (rc) return rc == LP_ERR_NOTFOUND ? 0 : rc;   /* deleted or retried meanwhile: nothing to record */
    int ok = a->status >= 200 && a->status <= 299;
    const char *state = ok ? "delivered" : attempts >= WHK_MAX_ATTEMPTS ? "failed" : "pending";
    st = db_stmt(db, "UPDATE webhook_deliveries SET attempts = ?2, state = ?3, last_status = ?4, last_error = ?5, "
                     "updated_at = ?6, next_attempt_at = ?7, delivered_at = CASE WHEN ?3 = 'delivered' THEN ?6 END "
                     "WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->id); db_bind_int(st, 2, attempts); db_bind_text(st, 3, state); db_bind_int(st, 4, a->status);
    db_bind_text(st, 5, a->error ? a->error : ""); db_bind_int(st, 6, a->now);
    db_bind_int(st, 7, ok ? a->now : a->now + whk_backoff(attempts));
    return db_exec_stmt(st);
}

int whk_attempt(db_t *db, int64_t id, int status, const char *error, int64_t now)
{
    char err[WHK_ERROR_MAX + 1];
    snprintf(err, sizeof err, "%s", error ? error : "");
    struct attempt_args a = { id, status, err, now };
    return db_in_tx(db, do_attempt, &a);
}
