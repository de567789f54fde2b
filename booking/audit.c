/* audit.c: the audit log (see audit.h). A snapshot that cannot be read is an
 * error, never an absent object. Every entry is sealed into a hash chain
 * (audit_seal.c) in the transaction that writes it. */
#include "booking/audit.h"
#include "booking/audit_seal.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int audit_add(db_t *db, const actor_t *who, const char *action, const char *object_type,
              int64_t object_id, const char *before, const char *after)
{
    audit_fields f = { clk_now(), who ? who->person_id : 0, who && who->label ? who->label : "system", action,
                       object_type, object_id, before, after };
    uint8_t prev[AUDIT_HASH_LEN], nonce[AUDIT_NONCE_LEN], commit[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
    int rc = audit_head(db, prev);
    if (rc) return rc;
    randombytes_buf(nonce, sizeof nonce);
    audit_commit(nonce, before, after, commit);
    audit_hash(prev, &f, commit, hash);
    sqlite3_stmt *st = db_stmt(db,
        "INSERT INTO audit_log(at, actor_id, actor, action, object_type, object_id, before_json, "
        "after_json, hash, body_commit, body_nonce) VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, NULLIF(?6, 0), ?7, ?8, "
        "?9, ?10, ?11)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, f.at);
    db_bind_int(st, 2, f.actor_id);
    db_bind_text(st, 3, f.actor);
    db_bind_text(st, 4, action);
    db_bind_text(st, 5, object_type);
    db_bind_int(st, 6, object_id);
    db_bind_text(st, 7, before);
    db_bind_text(st, 8, after);
    db_bind_blob(st, 9, hash, sizeof hash);
    db_bind_blob(st, 10, commit, sizeof commit);
    db_bind_blob(st, 11, nonce, sizeof nonce);
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

static int entry_row(sqlite3_stmt *st, void *elem)
{
    audit_entry *e = elem;
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->at = sqlite3_column_int64(st, 1);
    snprintf(e->actor, sizeof e->actor, "%s", db_col_text(st, 2));
    snprintf(e->action, sizeof e->action, "%s", db_col_text(st, 3));
    snprintf(e->object_type, sizeof e->object_type, "%s", db_col_text(st, 4));
    e->object_id = sqlite3_column_int64(st, 5);
    e->before = strdup(db_col_text(st, 6));
    e->after = strdup(db_col_text(st, 7));
    if (e->before && e->after) return 0;
    free(e->before);
    free(e->after);
    return LP_ERR_NOMEM;
}

void audit_free(audit_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].before);
        free(e[i].after);
    }
    free(e);
}

int audit_list(db_t *db, const audit_filter *q, audit_entry **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db,
        "SELECT id, at, actor, action, object_type, object_id, before_json, after_json FROM audit_log "
        "WHERE (?1 IS NULL OR object_type = ?1) AND (?2 = 0 OR object_id = ?2) AND (?3 = 0 OR id < ?3) "
        "ORDER BY id DESC LIMIT ?4");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, q->object_type);
    db_bind_int(st, 2, q->object_id);
    db_bind_int(st, 3, q->before_id);
    db_bind_int(st, 4, q->limit);
    audit_entry *all = NULL;   /* not db_collect: the entries own strings to free on failure */
    size_t count = 0, cap = 0;
    int rc = 0, step;
    while ((step = db_step(st)) == DB_ROW) {
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            audit_entry *grown = realloc(all, cap * sizeof *all);
            if (!grown) { rc = LP_ERR_NOMEM; break; }
            all = grown;
        }
        if ((rc = entry_row(st, &all[count])) != 0) break;
        count++;
    }
    if (rc == 0 && step < 0) rc = step;
    sqlite3_reset(st);
    if (rc) { audit_free(all, count); return rc; }
    *out = all;
    *n = count;
    return 0;
}

int audit_last(db_t *db, const char *action, const char *object_type, int64_t *at)
{
    /* By object type first: the audit_object index keeps this cheap on a long log. */
    sqlite3_stmt *st = db_stmt(db, "SELECT COALESCE(max(at), 0) FROM audit_log WHERE object_type = ?1 AND action = ?2");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, object_type);
    db_bind_text(st, 2, action);
    int rc = db_get(st);
    if (rc == 0) *at = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc;
}
