/* remind.h: the e-mail reminder before a booking. The worker calls
 * rmd_run every sweep; each confirmed booking gets one reminder, queued in
 * the same transaction that records it (reservations.reminded_at), so a
 * reminder is never sent twice. A booking made when its reminder time had
 * already passed gets none, and neither does one no longer confirmed
 * (requested, cancelled, checked in) when its time comes. A booking moved
 * to a start whose reminder time is still ahead gets one for its new time. */
#ifndef LP_REMIND_H
#define LP_REMIND_H
#include <stdint.h>
#include "db/db.h"

#define RMD_BATCH 200   /* reminders queued by one run at most; the rest wait for the next */
#define RMD_LEAD_DEFAULT (24 * 3600)

/* The process's lead time in seconds (labpassd's reminder_hours; 0: no
 * reminders). Set once at start-up, before threads; RMD_LEAD_DEFAULT until. */
void rmd_set_lead(int64_t seconds);
int64_t rmd_lead(void);

/* Queues the reminders due at now for bookings starting within lead seconds
 * (lead <= 0: none) and counts them in *queued. 0 or a negative lp_err;
 * on an error nothing of this run is kept. */
int rmd_run(db_t *db, int64_t now, int64_t lead, int *queued) LP_MUST;

#endif
