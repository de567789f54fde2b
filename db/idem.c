/* idem.c: the idempotency table (see idem.h). */
#include "db/idem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int idem_get(db_t *db, int64_t person_id, const char *key, idem_record *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, "SELECT status, body, request_hash FROM idempotency "
                                   "WHERE person_id = ?1 AND key = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, person_id);
    db_bind_text(st, 2, key);
    int rc = db_get(st);
    if (rc) return rc;
    out->status = sqlite3_column_int(st, 0);
    out->body = strdup(db_col_text(st, 1));
    snprintf(out->request_hash, sizeof out->request_hash, "%s", db_col_text(st, 2));
    sqlite3_reset(st);
    return out->body ? 0 : LP_ERR_NOMEM;
}

int idem_put(db_t *db, int64_t person_id, const char *key, const char *route, const char *request_hash,
             int status, const char *body, int64_t now)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO idempotency(key, person_id, route, status, body, created_at, "
                                   "request_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, key); db_bind_int(st, 2, person_id); db_bind_text(st, 3, route);
    db_bind_int(st, 4, status); db_bind_text(st, 5, body); db_bind_int(st, 6, now);
    db_bind_text(st, 7, request_hash);
    return db_exec_stmt(st);
}

int idem_prune(db_t *db, int64_t before, int *removed)
{
    sqlite3_stmt *st = db_stmt(db, "DELETE FROM idempotency WHERE created_at < ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, before);
    int rc = db_exec_stmt(st);
    if (removed) *removed = rc == 0 ? db_changes(db) : 0;
    return rc;
}
