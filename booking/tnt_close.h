/* tnt_close.h: what suspending or offboarding a tenant does to the
 * bookings and people it has, shown to staff before they choose and done in
 * the same transaction as the state change. Suspension keeps the bookings
 * (on hold: nobody of the tenant can enter or book until it is active again)
 * or cancels them, as staff choose; offboarding always cancels them. A
 * cancellation by the facility costs the tenant no fee, frees the slot for
 * the waitlist, and ends the tenant's own waitlist entries. Each person with
 * a booking ahead is told what happened to it. (Passes are revoked by the
 * issuer's tenant hook, access/issuer/iss_revoke.c.) */
#ifndef LP_TNT_CLOSE_H
#define LP_TNT_CLOSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "booking/tenant.h"

enum tnt_bookings { TNT_BOOKINGS_KEEP = 0, TNT_BOOKINGS_CANCEL };
/* "keep" | "cancel"; LP_ERR_INVALID otherwise. */
int tnt_bookings_parse(const char *text, enum tnt_bookings *out) LP_MUST;
const char *tnt_bookings_name(enum tnt_bookings b);

typedef struct tnt_effects {
    size_t bookings;        /* requested or confirmed, ending after now */
    size_t people;          /* distinct people with such bookings */
    size_t waiting;         /* waitlist entries still waiting */
    size_t cancelled;       /* (done) bookings cancelled */
    size_t cancelled_waiting;   /* (done) waitlist entries cancelled */
    size_t notified;        /* (done) people told */
} tnt_effects;

/* What the tenant holds now (the preview). */
int tnt_effects_get(db_t *db, int64_t tenant_id, tnt_effects *out) LP_MUST;

/* Moves the tenant to to (tnt_set_state's rules) and applies b to its
 * bookings (offboarding: always cancel), telling the people when notify.
 * One transaction; *done says what was done. LP_ERR_STATE for a move the
 * rules refuse, LP_ERR_RULE for keeping bookings of an offboarded tenant. */
int tnt_close(db_t *db, const actor_t *who, int64_t id, enum tnt_state to, enum tnt_bookings b, bool notify,
              tnt_effects *done, lp_fail *f) LP_MUST;

#endif
