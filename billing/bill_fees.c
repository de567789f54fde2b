/* bill_fees.c: the booking history that late-cancellation and no-show fees
 * follow (table fee_terms, migration 0007), kept by the reservation hook.
 *
 * The rule (also in docs/security.md, "Bookings, fees, feeds and doors"):
 *  - From the moment a booking is first confirmed, billing remembers the
 *    earliest start it has had since (earliest_start). A cancellation is
 *    late when it comes later than earliest_start minus the resource's
 *    free_cancel_hours: moving a booking to a later time does not move the
 *    deadline. So a booking that was ever inside its late window, or is
 *    cancelled within the window of its original start, pays the fee.
 *  - The booking as it stood when it entered its late window (the basis:
 *    resource, start, end) is frozen; a change made inside the window
 *    (shorter, cheaper resource, later) does not lower a late-cancellation
 *    or no-show fee: the fee is the larger of the fee on the booking as it
 *    is and the fee on the basis under the basis resource's policy.
 *  - Changes made while the booking is outside its late window move the
 *    basis with them (a booking shortened a week ahead pays on its new
 *    length), but never the deadline (earliest_start only goes down).
 *  - A booking that was never confirmed (a request cancelled before
 *    approval) has no history: its fee, if any, follows its current times.
 * Guarantees: rows change only inside the reservation's own transaction (the
 * rsv_on_change hook); recomputation reads them and never writes them. */
#include "billing/billing.h"
#include "billing/bill_int.h"
#include "core/clock.h"
#include <string.h>


int bill_fee_terms_get(db_t *db, int64_t reservation_id, struct bill_fee_terms *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT earliest_start, basis_resource, basis_start, basis_end, frozen "
                                   "FROM fee_terms WHERE reservation_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, reservation_id);
    memset(out, 0, sizeof *out);
    int rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return 0;
    if (rc) return rc;
    out->found = true;
    out->earliest_start = sqlite3_column_int64(st, 0);
    out->resource_id = sqlite3_column_int64(st, 1);
    out->start = sqlite3_column_int64(st, 2);
    out->end = sqlite3_column_int64(st, 3);
    out->frozen = sqlite3_column_int(st, 4) != 0;
    sqlite3_reset(st);
    return 0;
}

/* The history starts when the booking is first confirmed. */
static int terms_start(db_t *db, const rsv_reservation *r)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO fee_terms(reservation_id, earliest_start, basis_resource, "
                                   "basis_start, basis_end, frozen, confirmed_at) VALUES (?1, ?2, ?3, ?2, ?4, 0, ?5)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, r->id); db_bind_int(st, 2, r->start); db_bind_int(st, 3, r->resource_id);
    db_bind_int(st, 4, r->end); db_bind_int(st, 5, clk_now());
    return db_exec_stmt(st);
}

static int terms_store(db_t *db, int64_t id, const struct bill_fee_terms *t)
{
    sqlite3_stmt *st = db_stmt(db, "UPDATE fee_terms SET earliest_start = ?2, basis_resource = ?3, basis_start = ?4, "
                                   "basis_end = ?5, frozen = ?6 WHERE reservation_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id); db_bind_int(st, 2, t->earliest_start); db_bind_int(st, 3, t->resource_id);
    db_bind_int(st, 4, t->start); db_bind_int(st, 5, t->end); db_bind_int(st, 6, t->frozen);
    return db_exec_stmt(st);
}

/* Seconds before the start at which the resource's late window opens. */
static int late_window(db_t *db, int64_t resource_id, int64_t *secs)
{
    struct bcalc_policy pol;
    bool overrun = false;
    int rc = bill_policy_get(db, resource_id, &pol, &overrun, NULL);
    if (rc == 0) *secs = (int64_t)pol.free_cancel_hours * 3600;
    return rc;
}

int bill_fee_track(db_t *db, const rsv_reservation *r)
{
    if (!rsv_state_holds_slot(r->state)) return 0;   /* settled: the history is complete */
    struct bill_fee_terms t;
    int rc = bill_fee_terms_get(db, r->id, &t);
    if (rc) return rc;
    if (!t.found) return r->state == RSV_REQUESTED ? 0 : terms_start(db, r);
    if (!t.frozen) {
        int64_t window = 0;
        if ((rc = late_window(db, t.resource_id, &window)) != 0) return rc;
        /* Already inside the late window before this change: the basis stays
         * as the booking stood when it entered the window. */
        if (clk_now() > t.earliest_start - window) t.frozen = true;
        else { t.resource_id = r->resource_id; t.start = r->start; t.end = r->end; }
    }
    if (r->start < t.earliest_start) t.earliest_start = r->start;
    return terms_store(db, r->id, &t);
}
