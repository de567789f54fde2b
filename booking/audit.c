/* audit.c: the audit log (see audit.h). A snapshot that cannot be read is an
 * error, never an absent object. */
#include "booking/audit.h"
#include "core/clock.h"
#include <stdlib.h>
#include <string.h>

int audit_add(db_t *db, const actor_t *who, const char *action, const char *object_type,
              int64_t object_id, const char *before, const char *after)
{
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO audit_log(at, actor_id, actor, action, object_type, object_id, before_json, "
        "after_json) VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, NULLIF(?6, 0), ?7, ?8)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, clk_now());
    db_bind_int(st, 2, who ? who->person_id : 0);
    db_bind_text(st, 3, who && who->label ? who->label : "system");
    db_bind_text(st, 4, action);
    db_bind_text(st, 5, object_type);
    db_bind_int(st, 6, object_id);
    db_bind_text(st, 7, before);
    db_bind_text(st, 8, after);
    return db_exec_stmt(st);
}

int audit_snapshot(db_t *db, const char *snap_sql, int64_t object_id, char **out)
{
    *out = NULL;
    sqlite3_stmt *st = db_stmt(db, snap_sql);
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, object_id);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    *out = strdup(db_col_text(st, 0));
    sqlite3_reset(st);
    return *out ? 0 : LP_ERR_NOMEM;
}

int audit_change(db_t *db, const actor_t *who, const char *action, const char *object_type,
                 int64_t object_id, const char *snap_sql, const char *before_json)
{
    char *after = NULL;
    int rc = audit_snapshot(db, snap_sql, object_id, &after);
    if (rc == 0) rc = audit_add(db, who, action, object_type, object_id, before_json, after);
    free(after);
    return rc;
}
