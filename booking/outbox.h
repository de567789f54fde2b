/* outbox.h: notifications waiting to be sent. Domain code adds messages in
 * the transaction that causes them; a sender (log, command or webhook, in
 * labpassd) drains the table and marks each message sent. */
#ifndef LP_OUTBOX_H
#define LP_OUTBOX_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

typedef struct obx_msg { int64_t id; char kind[32]; char recipient[255]; char subject[201]; char body[2001]; int attempts; } obx_msg;

/* Queues a message to the person's e-mail address. */
int obx_to_person(db_t *db, const char *kind, int64_t person_id, const char *subject, const char *body) LP_MUST;
/* Queues one message to every active staff member (alerts). */
int obx_to_staff(db_t *db, const char *kind, const char *subject, const char *body) LP_MUST;
/* Up to max pending messages, oldest first. Caller frees. */
int obx_pending(db_t *db, size_t max, obx_msg **out, size_t *n) LP_MUST;
int obx_mark(db_t *db, int64_t id, int ok, const char *error) LP_MUST;

/* One message as staff see it in the outbox list (no body: it may hold a
 * link token). sent_at is 0 while the message waits. */
typedef struct obx_entry {
    int64_t id, created_at, sent_at;
    char kind[32], recipient[255], subject[201], last_error[201];
    int attempts;
} obx_entry;
/* The newest max messages with an id below before_id (0: any), newest
 * first. Fails as a whole (never a short list) when a step fails; on success
 * the caller frees *out. */
int obx_list(db_t *db, int64_t before_id, size_t max, obx_entry **out, size_t *n) LP_MUST;

#endif
