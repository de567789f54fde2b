/* audit.h: the append-only audit log. Every change made through labpass is
 * recorded with who, when, what, and the object before and after, as JSON
 * snapshots taken by SQLite's json_object() inside the same transaction as
 * the change. The table refuses UPDATE and DELETE (triggers in 0001). */
#ifndef LP_AUDIT_H
#define LP_AUDIT_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

/* Who acts: a person (id > 0) or a named system actor (cli, door:N, system). */
typedef struct actor {
    int64_t person_id;   /* 0 when not a person */
    const char *label;   /* e.g. "person:3", "labpassctl", "door:2"; borrowed */
} actor_t;

/* Appends one entry. before/after are JSON texts or NULL (borrowed). */
int audit_add(db_t *db, const actor_t *who, const char *action, const char *object_type,
              int64_t object_id, const char *before, const char *after) LP_MUST;

/* Appends an entry whose before/after are produced by SQL snapshot queries:
 * snap_sql is a string literal taking one parameter (the object id) and
 * returning one JSON text column. before_json is what the caller captured
 * earlier with audit_snapshot() (may be NULL for a creation). */
int audit_change(db_t *db, const actor_t *who, const char *action, const char *object_type,
                 int64_t object_id, const char *snap_sql, const char *before_json) LP_MUST;

/* Runs snap_sql for object_id. Caller frees *out (NULL when no row). */
int audit_snapshot(db_t *db, const char *snap_sql, int64_t object_id, char **out) LP_MUST;

/* One audit entry as read back. before/after are JSON texts owned by the
 * entry ("" when there is none); free a list with audit_free. */
typedef struct audit_entry {
    int64_t id, at, object_id;
    char actor[64], action[64], object_type[41];
    char *before, *after;
} audit_entry;
/* Which entries: object_type NULL for any, object_id 0 for any, before_id 0
 * for the newest; at most limit entries. */
typedef struct audit_filter {
    const char *object_type;
    int64_t object_id, before_id, limit;
} audit_filter;
/* The entries matching q, newest first. Fails as a whole when a step fails
 * (never a short list); on success free *out with audit_free(*out, *n). */
int audit_list(db_t *db, const audit_filter *q, audit_entry **out, size_t *n) LP_MUST;
/* When action was last recorded on object_type (any object), *at 0 when never. */
int audit_last(db_t *db, const char *action, const char *object_type, int64_t *at) LP_MUST;
void audit_free(audit_entry *e, size_t n);

#endif
