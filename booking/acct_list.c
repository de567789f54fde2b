/* acct_list.c: what staff see of sign-in: live sessions and API keys.
 * Secrets and token hashes never leave the database. */
#include "booking/account.h"
#include <stdio.h>
#include <string.h>

static int session_row(sqlite3_stmt *st, void *elem)
{
    acct_session_info *s = elem;
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(st, 0);
    s->person_id = sqlite3_column_int64(st, 1);
    s->created_at = sqlite3_column_int64(st, 2);
    s->expires_at = sqlite3_column_int64(st, 3);
    snprintf(s->client_ip, sizeof s->client_ip, "%s", db_col_text(st, 4));
    s->last_seen_at = sqlite3_column_int64(st, 5);
    snprintf(s->user_agent, sizeof s->user_agent, "%s", db_col_text(st, 6));
    s->staff_pending = sqlite3_column_int(st, 8);
    return acct_method_parse(db_col_text(st, 7), &s->method);
}

int acct_list_sessions(db_t *db, int64_t person_id, int64_t now, int64_t after_id, size_t max,
                       acct_session_info **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT id, person_id, created_at, expires_at, client_ip, COALESCE(last_seen_at, created_at), user_agent, "
        "method, staff_pending FROM sessions "
        "WHERE revoked_at IS NULL AND expires_at > ?1 AND (?2 = 0 OR person_id = ?2) AND id > ?4 "
        "AND (?5 = 0 OR COALESCE(last_seen_at, created_at) > ?1 - ?5) "
        "ORDER BY id LIMIT ?3");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, person_id);
    db_bind_int(st, 3, (int64_t)max);
    db_bind_int(st, 4, after_id);
    db_bind_int(st, 5, acct_idle_timeout());
    return db_collect(st, sizeof **out, session_row, (void **)out, n);
}

static int apikey_row(sqlite3_stmt *st, void *elem)
{
    acct_apikey_info *k = elem;
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(st, 0);
    snprintf(k->name, sizeof k->name, "%s", db_col_text(st, 1));
    snprintf(k->role, sizeof k->role, "%s", db_col_text(st, 2));
    k->person_id = sqlite3_column_int64(st, 3);
    k->door_id = sqlite3_column_int64(st, 4);
    k->created_at = sqlite3_column_int64(st, 5);
    k->revoked_at = sqlite3_column_int64(st, 6);
    return 0;
}

int acct_list_apikeys(db_t *db, acct_apikey_info **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id, name, role, COALESCE(person_id, 0), COALESCE(door_id, 0), "
                                   "created_at, COALESCE(revoked_at, 0) FROM api_keys ORDER BY id");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    return db_collect(st, sizeof **out, apikey_row, (void **)out, n);
}

/* ---- retention ---- */

static const char *const PRUNE_SQL[] = {
    "DELETE FROM sessions WHERE expires_at < ?1 OR (revoked_at IS NOT NULL AND revoked_at < ?1)",
    "DELETE FROM known_devices WHERE expires_at < ?1 OR (revoked_at IS NOT NULL AND revoked_at < ?1)",
    "DELETE FROM login_throttle WHERE window_start < ?1 AND locked_until < ?1",
    "DELETE FROM webauthn_challenges WHERE expires_at < ?1",
};

struct prune_args { int64_t before, removed; };

static int do_prune(db_t *db, void *arg)
{
    struct prune_args *a = arg;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof PRUNE_SQL / sizeof PRUNE_SQL[0]; i++) {
        sqlite3_stmt *st = db_stmt(db, PRUNE_SQL[i]);
        if (!st) return LP_ERR_DB;
        db_bind_int(st, 1, a->before);
        rc = db_exec_stmt(st);
        if (rc == 0) a->removed += db_changes(db);
    }
    return rc;
}

int acct_prune(db_t *db, int64_t before, int64_t *removed)
{
    struct prune_args a = { before, 0 };
    int rc = db_in_tx(db, do_prune, &a);
    *removed = rc == 0 ? a.removed : 0;
    return rc;
}
