/* rsv.h: reservations. The rule check and the write happen in one
 * BEGIN IMMEDIATE transaction, so concurrent requests for the same slot
 * cannot both succeed. The overlap check reads one resource's index range
 * [block_start - longest_block, block_end) of reservations that hold their
 * slot: O(log n + k), independent of history.
 *
 * States: requested (awaiting approval) -> confirmed -> checked_in -> completed;
 * requested -> rejected; requested|confirmed -> cancelled; confirmed -> no_show.
 * requested, confirmed and checked_in hold the slot. */
#ifndef LP_RSV_H
#define LP_RSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"
#include "booking/resource.h"

/* A reservation's state. Stored and sent (JSON) as rsv_state_name():
 * "requested", "confirmed", "checked_in", "completed", "cancelled",
 * "rejected", "no_show". */
enum rsv_state {
    RSV_REQUESTED = 0, RSV_CONFIRMED, RSV_CHECKED_IN, RSV_COMPLETED, RSV_CANCELLED, RSV_REJECTED, RSV_NO_SHOW
};
#define RSV_STATE_COUNT 7
/* The spelling of s (static; "" out of range). */
const char *rsv_state_name(enum rsv_state s);
/* Parses a spelling; LP_ERR_INVALID for anything else. */
int rsv_state_parse(const char *text, enum rsv_state *out) LP_MUST;
/* True for the states that hold the slot: requested, confirmed, checked_in. */
int rsv_state_holds_slot(enum rsv_state s);

/* True when rc refuses a request (bad input, a rule, a conflict, a state,
 * not found, not allowed) rather than reports a failure to carry it out
 * (database, memory, busy): a series with skip, or the waitlist, moves on to
 * the next occurrence or entry only after a refusal. */
int rsv_is_refusal(int rc);

typedef struct rsv_reservation {
    int64_t id, resource_id, person_id, tenant_id, series_id;
    char booked_by[40];
    char title[201];
    int64_t start, end, block_start, block_end;
    enum rsv_state state;
    char reason[201];
    int64_t checked_in_at, checked_out_at, cancelled_at, created_at, updated_at;
    bool fee_waived;       /* cancelled by the facility (rsv_cancel_tenant): no fee */
    int64_t project_id;    /* the project it is charged to, 0 when none (booking/project.h) */
} rsv_reservation;

typedef struct rsv_request {
    int64_t resource_id, person_id, tenant_id;
    int64_t start, end;
    const char *title;
    int64_t exclude_id;    /* a reservation being changed: not a conflict with itself */
    int64_t project_id;    /* the project to charge (0: the person's default, if any; RSV_NO_PROJECT:
                            * none even so); checked by prj_for_booking on creation */
} rsv_request;
#define RSV_NO_PROJECT (-1)

/* Checks every rule for rq against resource r without writing:
 * person active and a member of the tenant, tenant active (403), resource in service, duration, grid, notice, advance,
 * opening hours, closures, quotas (LP_ERR_RULE naming the rule, 422),
 * qualifications (LP_ERR_FORBIDDEN, 403), overlap with capacity and
 * buffers (LP_ERR_CONFLICT naming the blocking interval, 409). */
int rsv_check(db_t *db, const rsv_request *rq, const res_resource *r, lp_fail *f) LP_MUST;

/* Only the slot-level rules (service, duration, grid, notice, advance,
 * opening hours, closures, overlap): used for availability searches. */
int rsv_check_slot(db_t *db, const rsv_request *rq, const res_resource *r, lp_fail *f) LP_MUST;

/* Books rq. Runs in its own transaction unless one is open. */
int rsv_create(db_t *db, const actor_t *who, const rsv_request *rq, rsv_reservation *out,
               lp_fail *f) LP_MUST;

/* Books a series: rrule expanded from rq's [start, end) in the site zone.
 * skip: occurrences that fail are skipped and listed in *skipped (with their
 * reasons in *why, caller frees both); otherwise all-or-nothing. */
typedef struct rsv_skip { int64_t start, end; char reason[240]; } rsv_skip;
int rsv_create_series(db_t *db, const actor_t *who, const rsv_request *rq, const char *rrule, int skip,
                      int64_t *series_id, int64_t **ids, size_t *n_ids, rsv_skip **skipped,
                      size_t *n_skipped, lp_fail *f) LP_MUST;

int rsv_get(db_t *db, int64_t id, rsv_reservation *out) LP_MUST;

/* The blocks (booking plus buffers) that hold resource r and overlap
 * [from, to), in order: one index range read. Caller frees *out. */
int rsv_blocks(db_t *db, const res_resource *r, int64_t from, int64_t to, struct slots_iv **out,
               size_t *n) LP_MUST;

/* Reservations overlapping [from, to), optionally of one resource (0 = all),
 * one tenant (0 = all) or one person (0 = all); cap on count. With
 * holding_only and a resource alone, the window applies to the blocks
 * (booking plus buffers). Caller frees. */
/* Which reservations rsv_list reads: those overlapping [from, to), of one
 * resource, tenant or person when set (0: any), slot holders only when
 * holding_only; at most limit (0: 5000). */
typedef struct rsv_filter { int64_t from, to, resource_id, tenant_id, person_id; int holding_only; size_t limit; } rsv_filter;
int rsv_list(db_t *db, const rsv_filter *flt, rsv_reservation **out, size_t *n) LP_MUST;
/* The same sorted by (start, id), only those after after[0] = start,
 * after[1] = id when after is not NULL: the next page of a list.
 * LP_ERR_INVALID with holding_only for one resource (sorted by block). */
int rsv_list_page(db_t *db, const rsv_filter *flt, const int64_t *after, rsv_reservation **out, size_t *n) LP_MUST;

enum rsv_scope { RSV_THIS = 0, RSV_FOLLOWING = 1, RSV_ALL = 2 };
int rsv_parse_scope(const char *s, enum rsv_scope *out) LP_MUST;
/* The tenant's bookings still ahead that can be cancelled (requested or
 * confirmed, ending after now), by start: every one, no cap. Caller frees. */
int rsv_tenant_ahead(db_t *db, int64_t tenant_id, int64_t now, rsv_reservation **out, size_t *n) LP_MUST;
/* The facility cancels every booking rsv_tenant_ahead names (a tenant
 * suspended or offboarded): each is cancelled with reason and fee_waived
 * (billing charges no fee), audited, its slot offered to the waitlist.
 * In the caller's transaction; the count in *n. */
int rsv_cancel_tenant(db_t *db, const actor_t *who, int64_t tenant_id, const char *reason, size_t *n) LP_MUST;
/* Cancels one requested or confirmed booking for the facility (a downtime):
 * fee waived, audited as cancel_by_facility, freed time to the waitlist.
 * LP_ERR_STATE for a booking in any other state. In the caller's
 * transaction. */
int rsv_cancel_facility(db_t *db, const actor_t *who, int64_t id, const char *reason) LP_MUST;

/* Moves/resizes a reservation (and with scope, the rest of its series by
 * the same wall-clock shift); optionally to another resource (this only).
 * On a resource that needs approval, a move or extension by anyone but staff
 * makes the booking a request again. */
int rsv_change(db_t *db, const actor_t *who, int64_t id, int64_t start, int64_t end, int64_t resource_id,
               const char *title, enum rsv_scope scope, lp_fail *f) LP_MUST;
int rsv_cancel(db_t *db, const actor_t *who, int64_t id, enum rsv_scope scope, lp_fail *f) LP_MUST;
/* Charges booking id, or the series members scope covers (as rsv_change),
 * to project_id (0: none) after prj_check_booking at each one's start; the
 * hooks run (billing moves its open charge). Each change is audited. In the
 * caller's transaction or its own. LP_ERR_STATE once the booking is settled. */
int rsv_set_project(db_t *db, const actor_t *who, int64_t id, enum rsv_scope scope, int64_t project_id,
                    lp_fail *f) LP_MUST;
int rsv_approve(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;
int rsv_reject(db_t *db, const actor_t *who, int64_t id, const char *reason, lp_fail *f) LP_MUST;
/* Check-in from start minus the early margin until the end (API and doors). */
int rsv_check_in(db_t *db, const actor_t *who, int64_t id, int64_t at, lp_fail *f) LP_MUST;
int rsv_check_out(db_t *db, const actor_t *who, int64_t id, int64_t at, lp_fail *f) LP_MUST;

/* Periodic work at `now`: no-shows after the grace (time released to the
 * waitlist), completion of past check-ins, expiry of unapproved requests and
 * past waitlist entries. Returns the number of reservations changed in *changed. */
int rsv_sweep(db_t *db, int64_t now, int *changed) LP_MUST;

/* Hooks run inside the transaction after a reservation is created or changes
 * state or time (billing recalculates its charges). */
typedef int (*rsv_hook)(db_t *db, const rsv_reservation *r);
void rsv_on_change(rsv_hook hook);
/* Runs the hooks for reservation id (used by modules that change rows). */
int rsv_notify(db_t *db, int64_t id) LP_MUST;

#endif
