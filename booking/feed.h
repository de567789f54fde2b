/* feed.h: calendar feeds at secret, revocable URLs. A feed belongs to a
 * person and shows either their own reservations or one resource's, with
 * what that person may see (other tenants' bookings only as "Busy"). The
 * token is shown once and stored only as a hash. */
#ifndef LP_FEED_H
#define LP_FEED_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"
#include "booking/audit.h"

#define FEED_TOKEN_LEN 64

/* Creates a feed (resource_id 0: the person's own reservations). */
int feed_create(db_t *db, const actor_t *who, int64_t person_id, int64_t resource_id,
                char token_out[FEED_TOKEN_LEN], int64_t *id_out) LP_MUST;
int feed_revoke(db_t *db, const actor_t *who, int64_t person_id, int64_t id) LP_MUST;
/* A live feed of a person (the token is never stored, so never listed). */
typedef struct feed_info { int64_t id, resource_id, created_at; } feed_info;   /* resource_id 0: own bookings */
/* The person's live feeds, oldest first; fails as a whole on a failed step.
 * On success the caller frees *out. */
int feed_list(db_t *db, int64_t person_id, feed_info **out, size_t *n) LP_MUST;
/* Renders the feed of token as iCalendar; LP_ERR_NOTFOUND for an unknown or
 * revoked token. Caller frees *ics. */
int feed_render(db_t *db, const char *token, char **ics, size_t *len) LP_MUST;

#endif
