/* webhook.h: signed webhooks for facility staff (prefix whk_): the
 * endpoints staff register and the deliveries waiting for them.
 *
 * - An endpoint is an HTTPS URL, a description, the event types it
 *   subscribes to (a bit mask of enum whk_event), enabled or not, and a
 *   signing secret that this module stores as the caller hands it over:
 *   sealed (the API seals it with the key file, access/issuer) and never
 *   read back in the clear here. Every change is audited in its transaction;
 *   the snapshots never hold the secret.
 * - whk_emit records an event in the caller's transaction: one delivery row
 *   per enabled endpoint that subscribes to it, with the payload
 *   {"type", "timestamp", "data"} built by SQLite's json_object() from the
 *   caller's snapshot query (as audit_change does), so no domain code
 *   formats JSON and an event exists exactly when its change commits.
 * - A delivery is pending until a 2xx answer (delivered) or until it gives
 *   up after WHK_MAX_ATTEMPTS (failed); between attempts it waits
 *   WHK_BACKOFF_FIRST seconds, doubling, at most WHK_BACKOFF_MAX.
 * Failures: 0 or a negative lp_err; a failing database is LP_ERR_DB or
 * LP_ERR_BUSY, never "not found" or a short list. */
#ifndef LP_WEBHOOK_H
#define LP_WEBHOOK_H
#include <stddef.h>
#include <stdint.h>
#include "core/fail.h"
#include "db/db.h"
#include "booking/audit.h"

/* Event types; WHK_EV_PING is sent only by the test route, never subscribed. */
enum whk_event {
    WHK_EV_RESERVATION_CREATED = 0, WHK_EV_RESERVATION_CHANGED, WHK_EV_RESERVATION_CANCELLED, WHK_EV_INVOICE_ISSUED,
    WHK_EV_DOOR_ALARM, WHK_EV_TENANT_SUSPENDED, WHK_EV_TENANT_OFFBOARDED, WHK_EV_DOWNTIME_CREATED,
    WHK_EV_DOWNTIME_CHANGED, WHK_EV_INCIDENT_REPORTED, WHK_EV_SERVICE_REQUEST_CREATED,
    WHK_EV_SERVICE_REQUEST_CHANGED, WHK_EV_PING
};
#define WHK_EVENT_COUNT 13
#define WHK_EVENTS_ALL ((1u << WHK_EV_PING) - 1u)   /* every subscribable type */
/* "reservation.created" and so on; "" out of range. */
const char *whk_event_name(enum whk_event e);
/* LP_ERR_INVALID for any other text ("ping" included: it cannot be subscribed). */
int whk_event_parse(const char *text, enum whk_event *out) LP_MUST;

enum whk_state { WHK_PENDING = 0, WHK_DELIVERED, WHK_FAILED };
#define WHK_STATE_COUNT 3
const char *whk_state_name(enum whk_state s);
int whk_state_parse(const char *text, enum whk_state *out) LP_MUST;

#define WHK_URL_MAX 2048
#define WHK_DESC_MAX 200
#define WHK_SEALED_MAX 128
#define WHK_MAX_ATTEMPTS 10
#define WHK_BACKOFF_FIRST 30
#define WHK_BACKOFF_MAX (6 * 3600)
#define WHK_ERROR_MAX 200

typedef struct whk_endpoint {
    int64_t id;
    char url[WHK_URL_MAX + 1];
    char description[WHK_DESC_MAX + 1];
    unsigned events;               /* bit (1u << enum whk_event) per subscribed type */
    int enabled;
    char created_by[64];
    int64_t created_at, updated_at, secret_at, version;
} whk_endpoint;

/* Adds an endpoint (url and description checked by the caller at the edge;
 * here: lengths, events not empty) with its sealed secret; e->id and the
 * stored fields are written back. */
int whk_endpoint_add(db_t *db, const actor_t *who, whk_endpoint *e, const uint8_t *sealed, size_t sealed_len,
                     lp_fail *f) LP_MUST;
/* LP_ERR_NOTFOUND when there is no such endpoint. */
int whk_endpoint_get(db_t *db, int64_t id, whk_endpoint *out) LP_MUST;
/* Every endpoint, by id. Caller frees *out. */
int whk_endpoint_list(db_t *db, whk_endpoint **out, size_t *n) LP_MUST;
/* Saves url, description, events and enabled; the version grows by one.
 * With expect_version > 0 an endpoint changed since (another version) is
 * LP_ERR_CONFLICT. */
int whk_endpoint_update(db_t *db, const actor_t *who, whk_endpoint *e, int64_t expect_version, lp_fail *f) LP_MUST;
/* Deletes an endpoint and its deliveries. */
int whk_endpoint_delete(db_t *db, const actor_t *who, int64_t id) LP_MUST;
/* Replaces the sealed secret (a rotation); audited without the secret. */
int whk_endpoint_secret(db_t *db, const actor_t *who, int64_t id, const uint8_t *sealed, size_t sealed_len) LP_MUST;

/* Records event ev in the caller's transaction for every enabled endpoint
 * subscribing to it. data_sql is a string literal taking one parameter
 * (object_id) and returning one JSON text column: the event's "data". No
 * row for object_id records nothing. */
int whk_emit(db_t *db, enum whk_event ev, const char *data_sql, int64_t object_id) LP_MUST;
/* Queues a ping for one endpoint (enabled or not), due now; audited. *id is
 * the delivery. */
int whk_ping(db_t *db, const actor_t *who, int64_t endpoint_id, int64_t *id) LP_MUST;

typedef struct whk_delivery {
    int64_t id, endpoint_id;
    enum whk_event event;
    enum whk_state state;
    char msg_id[40];
    int attempts, last_status;
    char last_error[WHK_ERROR_MAX + 1];
    int64_t created_at, updated_at, next_attempt_at, delivered_at;
} whk_delivery;

/* One delivery of one endpoint; LP_ERR_NOTFOUND otherwise. */
int whk_delivery_get(db_t *db, int64_t endpoint_id, int64_t id, whk_delivery *out) LP_MUST;
/* An endpoint's deliveries with id below before_id (0: any), newest first,
 * at most max. Caller frees *out. */
int whk_delivery_list(db_t *db, int64_t endpoint_id, int64_t before_id, size_t max, whk_delivery **out,
                      size_t *n) LP_MUST;
/* Makes a pending or failed delivery due now (LP_ERR_STATE once
 * delivered); audited. */
int whk_delivery_retry(db_t *db, const actor_t *who, int64_t endpoint_id, int64_t id, lp_fail *f) LP_MUST;

/* A due delivery with what sending it needs. payload: caller frees (see
 * whk_due_free). */
typedef struct whk_job {
    int64_t id, endpoint_id;
    char msg_id[40];
    char url[WHK_URL_MAX + 1];
    uint8_t sealed[WHK_SEALED_MAX];
    size_t sealed_len;
    int attempts;
    char *payload;
} whk_job;
/* Up to max pending deliveries due at now of enabled endpoints, oldest
 * first. Free with whk_due_free. */
int whk_due(db_t *db, int64_t now, size_t max, whk_job **out, size_t *n) LP_MUST;
void whk_due_free(whk_job *j, size_t n);
/* Records one attempt: status is the HTTP status (0: no answer), error a
 * short text ("" or NULL when none). 2xx makes it delivered; anything else
 * schedules the next attempt (whk_backoff) or, after WHK_MAX_ATTEMPTS,
 * marks it failed. */
int whk_attempt(db_t *db, int64_t id, int status, const char *error, int64_t now) LP_MUST;
/* Deletes delivered and failed deliveries last attempted before `before`
 * (their payloads may name people: kept WHK_KEEP_DAYS); *n counts them
 * (may be NULL). */
#define WHK_KEEP_DAYS 30
int whk_prune(db_t *db, int64_t before, int *n) LP_MUST;
/* Seconds to wait after the attempts-th failed attempt (1: the first). */
int64_t whk_backoff(int attempts);

#endif
