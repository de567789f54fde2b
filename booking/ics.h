/* ics.h: iCalendar (RFC 5545) feeds of reservations, for calendar
 * subscriptions (Outlook, Google, Apple) and for download.
 * The feed is one VCALENDAR with METHOD:PUBLISH, a VTIMEZONE for the site
 * zone (the observances of the zone's rules that matter from a year before
 * the first event onward, taken from libical's zone data) and one VEVENT
 * per reservation, its times written in the site zone with TZID, or in UTC
 * when the wall time is ambiguous (either pass of the repeated hour when DST
 * ends; calendar programs disagree on which one is meant) or the site zone
 * is UTC. Lines end in CRLF and are folded at
 * 75 octets without splitting a UTF-8 sequence; TEXT values are escaped
 * (\\ ; , newline), control characters become spaces and invalid UTF-8
 * becomes U+FFFD, so any stored text yields a valid feed. */
#ifndef LP_ICS_H
#define LP_ICS_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define ICS_MAX_EVENTS 20000            /* events per feed */
#define ICS_MAX_TEXT 4096               /* bytes per text field */
#define ICS_MAX_OUTPUT (32u << 20)      /* bytes per feed */
#define ICS_HOST_MAX 64                 /* bytes of the UID host label */
#define ICS_MAIL_MAX 128                /* bytes of the organizer address */
#define ICS_DEFAULT_SUMMARY "Reservation"

enum ics_status { ICS_CONFIRMED = 0, ICS_TENTATIVE = 1, ICS_CANCELLED = 2 };

struct ics_event {
    int64_t id;               /* reservation id >= 0; UID "rsv-<id>@<uid_host>" */
    int64_t start, end;       /* instants, start < end */
    enum ics_status status;
    int sequence;             /* >= 0, raised by the store on every change */
    const char *summary;      /* UTF-8; NULL or blank: ICS_DEFAULT_SUMMARY */
    const char *location;     /* UTF-8; NULL or blank (white space only): left out */
    const char *description;  /* UTF-8; NULL or blank: left out; newlines are kept */
};

struct ics_feed {
    const char *name;         /* calendar name (X-WR-CALNAME, NAME), UTF-8, not blank */
    const char *uid_host;     /* UID right-hand side, [A-Za-z0-9.-], e.g. "mtf.labpass" */
    const char *organizer;    /* facility address (ORGANIZER:mailto:...), or NULL;
                                 iTIP (RFC 5546) wants one in a PUBLISH feed */
    int64_t stamp;            /* DTSTAMP of every event (UTC); 0: clk_now() */
    unsigned refresh_min;     /* suggested refresh interval in minutes; 0: none */
};

/* Writes the feed for ev[0..n) into *out (NUL-terminated, *len bytes without
 * the NUL; len may be NULL). Caller frees *out. Returns 0, LP_ERR_INVALID
 * (bad feed settings or event times, status, sequence), LP_ERR_TOOBIG (over
 * ICS_MAX_EVENTS, ICS_MAX_TEXT or ICS_MAX_OUTPUT) or LP_ERR_NOMEM. */
int ics_write(const struct ics_feed *feed, const struct ics_event *ev, size_t n, char **out,
              size_t *len) LP_MUST;

#endif
