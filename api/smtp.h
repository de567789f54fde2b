/* smtp.h: hands one built message (api/mail.h) to an SMTP server through
 * libcurl. Three ways in: smtps://host:465 (TLS from the start),
 * smtp://host:587 with STARTTLS required (the server must offer it, or
 * nothing is sent), or smtp://localhost:25 in plain text for a local MTA
 * (plain is allowed only towards a loopback host). The certificate and
 * host name are always verified, against the system's CAs or smtp_ca_file.
 * AUTH (PLAIN or LOGIN, as the server offers) when a user is set. EHLO
 * names the domain of the sender's address. The
 * password is held in memory only, never logged or put in an error text. */
#ifndef LP_SMTP_H
#define LP_SMTP_H
#include <stddef.h>
#include "core/err.h"

typedef struct smtp_config {
    char url[512];          /* smtp://host[:port] or smtps://host[:port]; no path, no user */
    char user[256];         /* "" for no AUTH */
    char password[256];
    char from[256];         /* envelope sender and From: */
    char ca_file[512];      /* "" for the system's CAs */
    int timeout;            /* seconds for one message, connection included */
    int starttls;           /* smtp:// only: 1 require STARTTLS, 0 plain text (loopback hosts only) */
} smtp_config;

/* What the server made of one message:
 *  SMTP_SENT     accepted (250 after the data);
 *  SMTP_LATER    a temporary (4xx) refusal of the recipient or the message;
 *  SMTP_REFUSED  a permanent (5xx) refusal of the recipient or the message;
 *  SMTP_DOWN     no server to talk to: no connection, TLS or STARTTLS
 *                failed, AUTH refused, a refused sender (MAIL FROM), a time
 *                out. Nothing about this message; the sender stops the round. */
enum smtp_result { SMTP_SENT = 0, SMTP_LATER, SMTP_REFUSED, SMTP_DOWN };

/* Checks an smtp_url (scheme, host, port; no path or user) and whether
 * starttls = 0 is allowed for it; 0, or -1 with a reason in why. */
int smtp_check_url(const char *url, int starttls, char *why, size_t len);
/* Sends msg[0..len) to the one recipient to. err (at most errlen bytes)
 * says what went wrong, with the server's last reply when there was one. */
enum smtp_result smtp_send(const smtp_config *c, const char *to, const char *msg, size_t len, char *err,
                           size_t errlen);

#endif
