/* outbox.h: notifications waiting to be sent. Domain code adds messages in
 * the transaction that causes them; a sender (log, command, webhook or SMTP,
 * in labpassd) drains the table and marks each attempt. Nothing is deleted
 * here: a failed attempt keeps the message pending and moves its next
 * attempt back (1 minute, doubling, at most 6 hours); after OBX_MAX_ATTEMPTS
 * attempts, or when the receiving side refuses it for good, it is failed. */
#ifndef LP_OUTBOX_H
#define LP_OUTBOX_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"
#include "booking/mailtext.h"

/* One message to send; invoice_id is the invoice an invoice e-mail carries
 * (its UBL attached at send time), 0 for any other message. */
typedef struct obx_msg {
    int64_t id, created_at, invoice_id;
    char kind[32]; char recipient[255]; char subject[MT_SUBJECT_MAX]; char body[MT_BODY_MAX];
    int attempts;
} obx_msg;

#define OBX_MAX_ATTEMPTS 16       /* the last about 44 hours after the first */
#define OBX_RETRY_FIRST 60        /* seconds after the first failed attempt */
#define OBX_RETRY_MAX 21600       /* the longest wait between attempts */

/* A message's delivery state, stored and sent as obx_state_name(). */
enum obx_state { OBX_PENDING = 0, OBX_SENT, OBX_FAILED };
#define OBX_STATE_COUNT 3
const char *obx_state_name(enum obx_state s);
int obx_state_parse(const char *text, enum obx_state *out) LP_MUST;

/* What one attempt came to: delivered; failed for now (try again later);
 * refused for good (no more attempts). */
enum obx_outcome { OBX_DELIVERED = 0, OBX_TRY_LATER, OBX_REFUSED };

/* Queues a message of kind k (booking/mailtext.c) to the person's e-mail
 * address, in the person's language. Nothing is queued for no such person. */
int obx_to_person(db_t *db, enum mt_kind k, int64_t person_id, const mt_args *a) LP_MUST;
/* Queues one message of kind k to every active staff member (alerts), each
 * in their own language. */
int obx_to_staff(db_t *db, enum mt_kind k, const mt_args *a) LP_MUST;
/* Queues a message of kind k in lang to an address that need not be a
 * person's (a tenant's billing address); invoice_id > 0 names the invoice
 * whose UBL document the sender attaches. */
int obx_to_address(db_t *db, enum mt_kind k, const char *email, enum mt_lang lang, const mt_args *a,
                   int64_t invoice_id) LP_MUST;
/* Up to max pending messages due at now (their next attempt not later),
 * oldest first. Caller frees. */
int obx_pending(db_t *db, int64_t now, size_t max, obx_msg **out, size_t *n) LP_MUST;
/* Records one attempt at clk_now(): counts it, keeps error (NULL: none) as
 * last_error, and sets the state: sent; pending with the next attempt after
 * the backoff (failed once the attempts are used up); or failed. The wait
 * after the k-th failed attempt is OBX_RETRY_FIRST << (k - 1), at most
 * OBX_RETRY_MAX: 1, 2, 4, ... minutes, then 6 hours. */
int obx_mark(db_t *db, int64_t id, enum obx_outcome outcome, const char *error) LP_MUST;

/* One message as staff see it in the outbox list (no body: it may hold a
 * link token). sent_at is 0 while the message waits; next_attempt_at is when
 * a pending message is tried next (0 when it is not pending). */
typedef struct obx_entry {
    int64_t id, created_at, sent_at, next_attempt_at;
    enum obx_state state;
    char kind[32], recipient[255], subject[201], last_error[201];
    int attempts;
} obx_entry;
/* The newest max messages with an id below before_id (0: any), newest
 * first. Fails as a whole (never a short list) when a step fails; on success
 * the caller frees *out. */
int obx_list(db_t *db, int64_t before_id, size_t max, obx_entry **out, size_t *n) LP_MUST;

/* For monitoring: messages waiting, when the oldest of them was queued (0:
 * none), and how many were given up (failed). */
typedef struct obx_stats { int64_t pending, oldest_pending_at, failed; } obx_stats;
int obx_stats_get(db_t *db, obx_stats *out) LP_MUST;

#endif
