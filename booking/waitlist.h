/* waitlist.h: people waiting for a taken slot. Policy: when time frees up
 * (cancellation, rejection, no-show, a shorter or moved booking), the
 * waiting entries overlapping it are tried in the order they joined, and the
 * first one whose booking passes every rule gets it automatically; the person
 * is notified through the outbox. Entries whose start has passed expire. */
#ifndef LP_WAITLIST_H
#define LP_WAITLIST_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

/* A waitlist entry's state. Stored and sent as wl_state_name(): "waiting",
 * "fulfilled", "cancelled", "expired". */
enum wl_state { WL_WAITING = 0, WL_FULFILLED, WL_CANCELLED, WL_EXPIRED };
#define WL_STATE_COUNT 4
/* The spelling of s (static; "" out of range). */
const char *wl_state_name(enum wl_state s);
/* Parses a spelling; LP_ERR_INVALID for anything else. */
int wl_state_parse(const char *text, enum wl_state *out) LP_MUST;

typedef struct wl_entry {
    int64_t id, resource_id, person_id, tenant_id, start, end, reservation_id, created_at;
    char title[201];
    enum wl_state state;
} wl_entry;

/* Joins the waitlist; the slot must be taken now (LP_ERR_STATE otherwise: book it). */
int wl_join(db_t *db, const actor_t *who, wl_entry *e, lp_fail *f) LP_MUST;
int wl_cancel(db_t *db, const actor_t *who, int64_t id) LP_MUST;
/* The facility cancels every waiting entry of a tenant (suspended or
 * offboarded), audited; in the caller's transaction; count in *n. */
int wl_cancel_tenant(db_t *db, const actor_t *who, int64_t tenant_id, size_t *n) LP_MUST;
/* Waiting entries of a tenant. */
int wl_count_tenant(db_t *db, int64_t tenant_id, size_t *n) LP_MUST;
/* Retention: removes entries no longer waiting (fulfilled, cancelled,
 * expired) made before `before`. Count in *removed. */
int wl_prune(db_t *db, int64_t before, int64_t *removed) LP_MUST;
int wl_get(db_t *db, int64_t id, wl_entry *out) LP_MUST;
/* Entries of a tenant (0 = all) or person (0 = all), newest first, with an
 * id below before_id (0 = from the newest), at most limit. Caller frees. */
int wl_list(db_t *db, int64_t tenant_id, int64_t person_id, int64_t before_id, size_t limit, wl_entry **out,
            size_t *n) LP_MUST;
/* Offers freed time [from, to) of a resource to the waiting, in order.
 * Runs inside the caller's transaction. */
int wl_promote(db_t *db, int64_t resource_id, int64_t from, int64_t to) LP_MUST;
/* Expires entries that started before now. */
int wl_expire(db_t *db, int64_t now) LP_MUST;

#endif
