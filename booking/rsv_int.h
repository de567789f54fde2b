/* rsv_int.h: what rsv.c and rsv_life.c share (inside booking/ only): the
 * audit snapshot of a reservation. Not for other modules. */
#ifndef LP_RSV_INT_H
#define LP_RSV_INT_H

/* The SQL that snapshots reservation ?1 as JSON for the audit log. */
const char *rsv_snapshot_sql(void);
/* The "data" of a reservation.* webhook event (booking/webhook.h). */
const char *rsv_webhook_sql(void);

#endif
