/* webhook_send.h: the webhook sender of labpassd (prefix whs_): endpoint
 * secrets in the Standard Webhooks form ("whsec_" and base64), the
 * signature (webhook-signature: "v1," and the base64 HMAC-SHA-256 of
 * "{id}.{timestamp}.{body}"), the check of an endpoint URL at the edge, and
 * the drain the worker runs: every due delivery POSTed over HTTPS (no
 * redirects, 10 s at most), its answer recorded (booking/webhook.h). */
#ifndef LP_WEBHOOK_SEND_H
#define LP_WEBHOOK_SEND_H
#include <stddef.h>
#include <stdint.h>
#include "db/db.h"

#define WHS_KEY_LEN 32          /* bytes of a new secret */
#define WHS_KEY_MAX 64          /* the longest secret a receiver may be given */
#define WHS_SECRET_TEXT 100     /* "whsec_" + base64 of WHS_KEY_MAX, NUL */
#define WHS_SIG_TEXT 64         /* "v1," + base64 of 32 bytes, NUL */
#define WHS_TIMEOUT 10          /* seconds per attempt, connection included */
#define WHS_EXCERPT 120         /* bytes of an answer kept in last_error */

/* The CA bundle that verifies endpoints (NULL or "": the system's). Call
 * before threads. */
void whs_configure(const char *ca_file);
/* A new random secret: key (WHS_KEY_LEN bytes) and its text. The caller
 * wipes both. */
void whs_secret_new(uint8_t key[WHS_KEY_LEN], char text[WHS_SECRET_TEXT]);
/* The key of a "whsec_<base64>" text (1..WHS_KEY_MAX bytes); LP_ERR_INVALID. */
int whs_secret_parse(const char *text, uint8_t key[WHS_KEY_MAX], size_t *len) LP_MUST;
/* The webhook-signature value for one message, into out. */
void whs_sign(const uint8_t *key, size_t key_len, const char *msg_id, int64_t timestamp, const char *body,
              size_t body_len, char out[WHS_SIG_TEXT]);
/* Is url one labpass may send to: https, a host, no user name or password,
 * 9..2048 printable ASCII bytes without spaces? 0, or LP_ERR_INVALID with a
 * sentence in why. */
int whs_url_check(const char *url, char *why, size_t why_len) LP_MUST;
/* Sends up to max due deliveries at now; *delivered and *failed count the
 * answers (failed: anything but 2xx, or none). After a failure, the
 * endpoint's other due deliveries wait for the next round. */
int whs_drain(db_t *db, int64_t now, size_t max, int *delivered, int *failed) LP_MUST;

#endif
