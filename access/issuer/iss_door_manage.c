/* iss_door_manage.c: doors after they were added: their state for the
 * staff page, changing their name, group and settings, retiring them,
 * giving a replaced reader a new key, and the software version they report.
 * A door is never deleted: its events are evidence (presence reports, the
 * ML-1 register); retiring revokes its keys so it can neither sync nor
 * upload, and the server refuses it a bundle. */
#include "access/issuer/iss_internal.h"
#include "booking/account.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATE_NAMES[] = { "ok", "never", "stale", "alarm", "retired" };

const char *iss_door_state_name(enum iss_door_state s)
{
    return (unsigned)s < sizeof STATE_NAMES / sizeof STATE_NAMES[0] ? STATE_NAMES[s] : "";
}

enum iss_door_state iss_door_state_at(const iss_door *d, int64_t now)
{
    int64_t late = 2 * d->sync_interval > 600 ? 2 * d->sync_interval : 600;
    if (d->retired_at) return ISS_DOOR_RETIRED;
    if (d->last_seen_at <= 0) return ISS_DOOR_NEVER;
    if (now - d->last_seen_at > late) return ISS_DOOR_STALE;
    if (d->last_alarm_at && now - d->last_alarm_at < 86400) return ISS_DOOR_ALARM;
    return ISS_DOOR_OK;
}

/* The door as stored, refusing a retired one. */
static int live_door(db_t *db, int64_t id, iss_door *out, lp_fail *f)
{
    int rc = iss_door_get(db, id, out);
    if (rc == 0 && out->retired_at)
        rc = lp_failf(f, LP_ERR_STATE, "status", "the door %s is retired", out->name);
    return rc;
}

int iss_door_update(db_t *db, const actor_t *who, const iss_door *d, lp_fail *f)
{
    iss_door cur;
    char *before = NULL;
    int own, rc = iss_door_valid(d, f);
    if (rc) return rc;
    rc = iss_tx_begin(db, &own);
    if (rc == 0) rc = live_door(db, d->id, &cur, f);
    if (rc == 0) rc = audit_snapshot(db, ISS_SNAP_DOOR, d->id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE doors SET name = ?2, door_group = ?3, holder_proof = ?4, "
                                               "bearer_allowed = ?5, clock_skew = ?6, pulse_ms = ?7, sync_interval = ?8 "
                                               "WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, d->id); db_bind_text(st, 2, d->name); db_bind_text(st, 3, d->group);
        db_bind_int(st, 4, d->holder_proof); db_bind_int(st, 5, d->bearer_allowed); db_bind_int(st, 6, d->clock_skew);
        db_bind_int(st, 7, d->pulse_ms); db_bind_int(st, 8, d->sync_interval);
        rc = db_exec_stmt(st);
        if (rc == LP_ERR_CONFLICT) rc = lp_failf(f, rc, "name", "a door named %s exists already", d->name);
    }
    if (rc == 0) rc = audit_change(db, who, "update", "door", d->id, ISS_SNAP_DOOR, before);
    free(before);
    return iss_tx_end(db, own, rc);
}

int iss_door_retire(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    iss_door cur;
    char *before = NULL;
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0) rc = live_door(db, id, &cur, f);
    if (rc == 0) rc = audit_snapshot(db, ISS_SNAP_DOOR, id, &before);
    sqlite3_stmt *st = rc ? NULL : db_stmt(db, "UPDATE doors SET retired_at = ?2 WHERE id = ?1");
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, id);
        db_bind_int(st, 2, clk_now());
        rc = db_exec_stmt(st);
    }
    if (rc == 0) rc = acct_revoke_door_keys(db, who, id);
    if (rc == 0) rc = audit_change(db, who, "retire", "door", id, ISS_SNAP_DOOR, before);
    free(before);
    return iss_tx_end(db, own, rc);
}

/* A door given a new key (a replaced board) registers its box key anew. */
static int forget_box_key(db_t *db, int64_t id)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE doors SET box_key = NULL WHERE id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    return db_exec_stmt(st);
}

int iss_door_rekey(db_t *db, const actor_t *who, int64_t id, char *key_out, size_t keylen, lp_fail *f)
{
    iss_door cur;
    char name[64];
    int64_t key_id = 0;
    if (keylen < 96) return LP_ERR_INTERNAL;
    int own, rc = iss_tx_begin(db, &own);
    if (rc == 0) rc = live_door(db, id, &cur, f);
    if (rc == 0) rc = acct_revoke_door_keys(db, who, id);
    if (rc == 0) rc = forget_box_key(db, id);   /* a new board brings its own */
    snprintf(name, sizeof name, "door %s", cur.name);
    if (rc == 0) rc = acct_apikey_create(db, who, name, "door", 0, id, key_out, keylen, &key_id);
    rc = iss_tx_end(db, own, rc);
    if (rc) sodium_memzero(key_out, keylen);
    return rc;
}

/* 1..32 of [0-9A-Za-z.+~_-]. */
static int version_ok(const char *v)
{
    size_t n = strlen(v);
    if (n < 1 || n > 32) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr(".+~_-", c))) return 0;
    }
    return 1;
}

int iss_door_version(db_t *db, int64_t id, const char *version)
{
    const char *v = version && version_ok(version) ? version : "";
    sqlite3_stmt *st = db_stmt(db, "UPDATE doors SET version = ?2 WHERE id = ?1 AND version <> ?2");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, v);
    return db_exec_stmt(st);
}
