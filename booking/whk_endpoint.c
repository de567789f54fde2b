/* whk_endpoint.c: webhook endpoints staff register (see webhook.h): the
 * spelling tables of events and delivery states, and adding, reading,
 * changing, deleting and re-keying endpoints, each audited in its own
 * transaction (or the caller's). The sealed secret goes in and is never read
 * back here; the audit snapshots leave it out. */
#include "booking/webhook.h"
#include "core/clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const EVENT_NAMES[WHK_EVENT_COUNT] = {
    "reservation.created", "reservation.changed", "reservation.cancelled", "invoice.issued",
    "door.alarm", "tenant.suspended", "tenant.offboarded", "downtime.created", "downtime.changed", "incident.reported",
    "service_request.created", "service_request.changed", "ping" };
static const char *const STATE_NAMES[WHK_STATE_COUNT] = { "pending", "delivered", "failed" };

const char *whk_event_name(enum whk_event e)
{
    return (unsigned)e < WHK_EVENT_COUNT ? EVENT_NAMES[e] : "";
}

int whk_event_parse(const char *text, enum whk_event *out)
{
    for (int i = 0; text && i < WHK_EV_PING; i++)
        if (!strcmp(text, EVENT_NAMES[i])) { *out = (enum whk_event)i; return 0; }
    return LP_ERR_INVALID;
}

const char *whk_state_name(enum whk_state s)
{
    return (unsigned)s < WHK_STATE_COUNT ? STATE_NAMES[s] : "";
}

int whk_state_parse(const char *text, enum whk_state *out)
{
    for (int i = 0; text && i < WHK_STATE_COUNT; i++)
        if (!strcmp(text, STATE_NAMES[i])) { *out = (enum whk_state)i; return 0; }
    return LP_ERR_INVALID;
}

/* The audit snapshot of an endpoint: everything but the secret. */
static const char SNAP_ENDPOINT[] =
    "SELECT json_object('id', id, 'url', url, 'description', description, 'events', events, 'enabled', enabled, "
    "'created_by', created_by, 'secret_at', secret_at, 'version', version) FROM webhook_endpoints WHERE id = ?1";

static int valid(const whk_endpoint *e, lp_fail *f)
{
    if (!lp_text_ok(e->url, WHK_URL_MAX)) return lp_failf(f, LP_ERR_INVALID, "url", "url is 1 to 2048 characters");
    if (e->description[0] && !lp_text_ok(e->description, WHK_DESC_MAX))
        return lp_failf(f, LP_ERR_INVALID, "description", "description is at most 200 characters of text");
    if (!e->events || (e->events & ~WHK_EVENTS_ALL))
        return lp_failf(f, LP_ERR_INVALID, "events", "events names at least one event type");
    return 0;
}

struct add_args { const actor_t *who; whk_endpoint *e; const uint8_t *sealed; size_t len; };

static int do_add(db_t *db, void *p)
{
    struct add_args *a = p;
    int64_t now = clk_now();
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO webhook_endpoints(url, description, events, secret_sealed, enabled, "
                                   "created_by, created_at, updated_at, secret_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, a->e->url); db_bind_text(st, 2, a->e->description); db_bind_int(st, 3, a->e->events);
    db_bind_blob(st, 4, a->sealed, (int)a->len); db_bind_int(st, 5, a->e->enabled ? 1 : 0);
    db_bind_text(st, 6, a->who && a->who->label ? a->who->label : "system"); db_bind_int(st, 7, now);
    int rc = db_exec_stmt(st);
    if (rc) return rc;
    a->e->id = db_last_id(db);
    rc = audit_change(db, a->who, "create", "webhook_endpoint", a->e->id, SNAP_ENDPOINT, NULL);
    return rc ? rc : whk_endpoint_get(db, a->e->id, a->e);
}

int whk_endpoint_add(db_t *db, const actor_t *who, whk_endpoint *e, const uint8_t *sealed, size_t sealed_len,
                     lp_fail *f)
{
    int rc = valid(e, f);
    if (rc) return rc;
    if (!sealed || !sealed_len || sealed_len > WHK_SEALED_MAX) return LP_ERR_INTERNAL;
    struct add_args a = { who, e, sealed, sealed_len };
    return db_in_tx(db, do_add, &a);
}

static int endpoint_row(sqlite3_stmt *st, void *elem)
{
    whk_endpoint *e = elem;
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    snprintf(e->url, sizeof e->url, "%s", db_col_text(st, 1));
    snprintf(e->description, sizeof e->description, "%s", db_col_text(st, 2));
    e->events = (unsigned)sqlite3_column_int64(st, 3) & WHK_EVENTS_ALL;
    e->enabled = sqlite3_column_int(st, 4);
    snprintf(e->created_by, sizeof e->created_by, "%s", db_col_text(st, 5));
    e->created_at = sqlite3_column_int64(st, 6);
    e->updated_at = sqlite3_column_int64(st, 7);
    e->secret_at = sqlite3_column_int64(st, 8);
    e->version = sqlite3_column_int64(st, 9);
    return 0;
}

#define ENDPOINT_COLS "id, url, description, events, enabled, created_by, created_at, updated_at, secret_at, version"

int whk_endpoint_get(db_t *db, int64_t id, whk_endpoint *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " ENDPOINT_COLS " FROM webhook_endpoints WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc == 0) rc = endpoint_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int whk_endpoint_list(db_t *db, whk_endpoint **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " ENDPOINT_COLS " FROM webhook_endpoints ORDER BY id LIMIT 1000");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    return db_collect(st, sizeof **out, endpoint_row, (void **)out, n);
}

struct upd_args { const actor_t *who; whk_endpoint *e; int64_t expect; lp_fail *f; };

static int do_update(db_t *db, void *p)
{
    struct upd_args *a = p;
    whk_endpoint cur;
    char *before = NULL;
    int rc = whk_endpoint_get(db, a->e->id, &cur);
    if (rc == 0 && a->expect > 0 && cur.version != a->expect)
        rc = lp_failf(a->f, LP_ERR_CONFLICT, "version", "the endpoint was changed meanwhile (version %lld); reload it",
                      (long long)cur.version);
    if (rc == 0) rc = audit_snapshot(db, SNAP_ENDPOINT, a->e->id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE webhook_endpoints SET url = ?2, description = ?3, events = ?4, "
                                               "enabled = ?5, updated_at = ?6, version = version + 1 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->e->id); db_bind_text(st, 2, a->e->url); db_bind_text(st, 3, a->e->description);
        db_bind_int(st, 4, a->e->events); db_bind_int(st, 5, a->e->enabled ? 1 : 0); db_bind_int(st, 6, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "update", "webhook_endpoint", a->e->id, SNAP_ENDPOINT, before);
    if (rc == 0) rc = whk_endpoint_get(db, a->e->id, a->e);
    free(before);
    return rc;
}

int whk_endpoint_update(db_t *db, const actor_t *who, whk_endpoint *e, int64_t expect_version, lp_fail *f)
{
    int rc = valid(e, f);
    if (rc) return rc;
    struct upd_args a = { who, e, expect_version, f };
    return db_in_tx(db, do_update, &a);
}

struct del_args { const actor_t *who; int64_t id; };

static int do_delete(db_t *db, void *p)
{
    struct del_args *a = p;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_ENDPOINT, a->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "DELETE FROM webhook_deliveries WHERE endpoint_id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, a->id); rc = db_exec_stmt(st); }
    st = rc ? NULL : db_stmt(db, "DELETE FROM webhook_endpoints WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) { db_bind_int(st, 1, a->id); rc = db_exec_stmt(st); }
    if (rc == 0) rc = audit_add(db, a->who, "delete", "webhook_endpoint", a->id, before, NULL);
    free(before);
    return rc;
}

int whk_endpoint_delete(db_t *db, const actor_t *who, int64_t id)
{
    struct del_args a = { who, id };
    return db_in_tx(db, do_delete, &a);
}

struct secret_args { const actor_t *who; int64_t id; const uint8_t *sealed; size_t len; };

static int do_secret(db_t *db, void *p)
{
    struct secret_args *a = p;
    char *before = NULL;
    int rc = audit_snapshot(db, SNAP_ENDPOINT, a->id, &before);
    if (rc == 0 && !before) rc = LP_ERR_NOTFOUND;
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE webhook_endpoints SET secret_sealed = ?2, secret_at = ?3, "
                                               "updated_at = ?3, version = version + 1 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->id); db_bind_blob(st, 2, a->sealed, (int)a->len); db_bind_int(st, 3, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = audit_change(db, a->who, "rotate_secret", "webhook_endpoint", a->id, SNAP_ENDPOINT, before);
    free(before);
    return rc;
}

int whk_endpoint_secret(db_t *db, const actor_t *who, int64_t id, const uint8_t *sealed, size_t sealed_len)
{
    if (!sealed || !sealed_len || sealed_len > WHK_SEALED_MAX) return LP_ERR_INTERNAL;
    struct secret_args a = { who, id, sealed, sealed_len };
    return db_in_tx(db, do_secret, &a);
}
