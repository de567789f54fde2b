/* mailtext.h: the words of every message labpass sends, in English and
 * Dutch, in one table keyed by the kind of message. A template names its
 * values in braces ({tenant}, {when}, {link}); mt_render fills them in for
 * one language: times in the site's zone written out in that language, links
 * made absolute with the public URL when one is set. Nothing here touches the
 * database. */
#ifndef LP_MAILTEXT_H
#define LP_MAILTEXT_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* The languages of people and messages; stored and sent as mt_lang_name(). */
enum mt_lang { MT_EN = 0, MT_NL };
#define MT_LANG_COUNT 2
const char *mt_lang_name(enum mt_lang l);
/* "en" or "nl"; LP_ERR_INVALID for anything else. */
int mt_lang_parse(const char *text, enum mt_lang *out) LP_MUST;

/* The kinds of message; the outbox stores mt_kind_name() as its kind. */
enum mt_kind {
    MT_INVITATION = 0, MT_SETUP_LINK, MT_SIGNIN_LINK, MT_SIGNIN_ALERT, MT_RSV_APPROVED, MT_RSV_REJECTED,
    MT_WAITLIST_BOOKED, MT_TRAINING_REQUESTED, MT_TENANT_SUSPENDED, MT_TENANT_OFFBOARDED, MT_REMINDER,
    MT_INVOICE, MT_PROJECT_BUDGET, MT_DOWNTIME, MT_INCIDENT_REPORTED, MT_CALIBRATION_DUE, MT_SERVICE_QUOTE,
    MT_KIND_COUNT
};
const char *mt_kind_name(enum mt_kind k);

/* The values a template may name; unused ones stay zero. Strings are
 * borrowed for the call. link is a path of the web app ("/#/setup?token=…"). */
typedef struct mt_args {
    const char *tenant, *role, *link, *reason, *person, *email, *what, *note, *resource;
    const char *number, *period, *total, *due, *iban, *seller;
    int64_t when, count, id, minutes, seconds;
    int cancelled;   /* tenant notices: the bookings were cancelled (else kept on hold) */
    int64_t until;   /* the end of a downtime (0: until further notice) */
    /* Free slots offered instead ({slots}: one line each, or a sentence when
     * there are none): start, end and resource name of each. */
    const int64_t *slot_start, *slot_end;
    const char *const *slot_resource;
    size_t n_slots;
} mt_args;

#define MT_SUBJECT_MAX 201
#define MT_BODY_MAX 2001

/* Writes the subject and the plain-text body of a message of kind k in lang
 * into the caller's buffers (NUL-terminated; a value that would overflow is
 * cut short). LP_ERR_INVALID for a kind or language out of range. */
int mt_render(enum mt_kind k, enum mt_lang lang, const mt_args *a, char subject[MT_SUBJECT_MAX],
              char body[MT_BODY_MAX]) LP_MUST;

/* Sets the public address of the web app (https://host[:port][/path], no
 * trailing slash needed) that makes links absolute; NULL or "" keeps them
 * relative. Call once at start-up, before threads. */
void mt_set_public_url(const char *url);
const char *mt_public_url(void);
/* True when url may serve as the public URL: https://host..., or http:// for
 * localhost or 127.0.0.1 only; no user, spaces, quotes, query or fragment. */
int mt_public_url_ok(const char *url);

/* t written out in the site's zone: "Monday 7 December 2026 at 09:00",
 * "maandag 7 december 2026 om 09:00". */
void mt_format_time(int64_t t, enum mt_lang lang, char *out, size_t cap);

#endif
