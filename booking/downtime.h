/* downtime.h: a resource out of service for a period, planned maintenance
 * or a fault, open-ended until staff end it. A downtime blocks new bookings
 * in its period as a closure does (rsv_check: rule "downtime", the detail
 * naming the downtime). Creating one lists the bookings it meets first
 * (dt_affected, the preview); on creation staff choose per downtime whether
 * those bookings are kept or cancelled by the facility (fee waived, as
 * tnt_close does), and each person is told (outbox, in their language) with
 * the free slots of the same length offered instead (dt_alternatives).
 * Ending a fault early or extending a downtime changes its end; an
 * extension treats the bookings it newly meets as creation did. */
#ifndef LP_DOWNTIME_H
#define LP_DOWNTIME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

/* The kind of downtime, stored and sent as dt_kind_name(). */
enum dt_kind { DT_PLANNED = 0, DT_FAULT };
#define DT_KIND_COUNT 2
const char *dt_kind_name(enum dt_kind k);
int dt_kind_parse(const char *text, enum dt_kind *out) LP_MUST;

/* What happens to the bookings a downtime meets: "keep" or "cancel". */
enum dt_bookings { DT_KEEP = 0, DT_CANCEL };
#define DT_BOOKINGS_COUNT 2
const char *dt_bookings_name(enum dt_bookings b);
int dt_bookings_parse(const char *text, enum dt_bookings *out) LP_MUST;

#define DT_REASON_MAX 500
#define DT_MAX_SPAN (366LL * 86400)   /* the longest downtime with an end */
#define DT_MAX_AFFECTED 500           /* bookings one downtime may meet */
#define DT_ALTERNATIVES 3             /* free slots offered per booking */
#define DT_SEARCH_DAYS 14             /* how far ahead alternatives are looked for */

typedef struct dt_downtime {
    int64_t id, resource_id;
    enum dt_kind kind;
    int64_t start, end;               /* end 0: until further notice */
    char reason[DT_REASON_MAX + 1];
    enum dt_bookings bookings;
    int64_t incident_id;              /* the incident it came from, 0: none */
    char created_by[40];
    int64_t created_at, updated_at;
} dt_downtime;

/* A free slot offered instead of a booking. */
typedef struct dt_slot { int64_t resource_id, start, end; char resource[121]; } dt_slot;

/* A booking a downtime meets, with what was done and offered. */
typedef struct dt_affected {
    int64_t reservation_id, person_id, tenant_id, resource_id, start, end;
    char person[201], title[201], status[16];
    bool cancelled, notified;
    dt_slot alt[DT_ALTERNATIVES];
    size_t n_alt;
} dt_affected;

/* Checks a downtime before it is made (times, reason, resource, incident). */
int dt_validate(db_t *db, const dt_downtime *d, lp_fail *f) LP_MUST;
/* The bookings holding their slot on resource_id that overlap [start, end)
 * (end 0: open-ended) and end after now, by start; at most DT_MAX_AFFECTED
 * (more: LP_ERR_TOOBIG). Caller frees. Read-only: the preview. */
int dt_affected_list(db_t *db, int64_t resource_id, int64_t start, int64_t end, dt_affected **out,
                     size_t *n) LP_MUST;
/* Creates d (its id filled in) and deals with the bookings it meets as
 * d->bookings says, telling each person when notify; the affected bookings
 * with the slots offered into *out (caller frees). One transaction. With
 * d->incident_id, the incident is acknowledged and linked. */
int dt_create(db_t *db, const actor_t *who, dt_downtime *d, bool notify, dt_affected **out, size_t *n,
              lp_fail *f) LP_MUST;
/* Sets a downtime's end (0: until further notice) and, when reason is not
 * NULL, its reason. A later end deals with the bookings newly met as
 * creation did; an earlier one frees the time (not before now, not before
 * the start). */
int dt_set_end(db_t *db, const actor_t *who, int64_t id, int64_t end, const char *reason, bool notify,
               dt_affected **out, size_t *n, lp_fail *f) LP_MUST;
int dt_get(db_t *db, int64_t id, dt_downtime *out) LP_MUST;
/* Downtimes overlapping [from, to) (resource_id 0: every resource), by
 * start; at most max. Caller frees. */
int dt_list(db_t *db, int64_t resource_id, int64_t from, int64_t to, size_t max, dt_downtime **out,
            size_t *n) LP_MUST;
/* The first downtime of resource_id overlapping [start, end): 0 and *out,
 * or LP_ERR_NOTFOUND. */
int dt_blocking(db_t *db, int64_t resource_id, int64_t start, int64_t end, dt_downtime *out) LP_MUST;
/* Up to DT_ALTERNATIVES free slots as long as booking r (a person's booking
 * on a resource a downtime d takes away): the nearest one on the same
 * resource after the downtime, then the nearest on the resources of its
 * equivalent group (from the booking's own start), the rest filled from
 * whichever has more; each passes every booking rule for the person
 * (opening hours, closures, other downtimes, quotas, trainings, overlap). */
int dt_alternatives(db_t *db, int64_t reservation_id, const dt_downtime *d, dt_slot out[DT_ALTERNATIVES],
                    size_t *n) LP_MUST;

#endif
