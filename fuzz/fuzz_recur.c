/* fuzz_recur.c: libFuzzer target for recurrence rules and calendar feeds.
 * The input's first 16 bytes pick a start and duration, the rest is an RRULE
 * (as a client sends it): recur_expand must answer without crashing, and
 * any series it accepts must render as a feed that libical parses back
 * without an X-LIC-ERROR. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libical/ical.h>
#include "booking/ics.h"
#include "booking/recur.h"
#include "core/ltime.h"

static int has_error(icalcomponent *c)
{
    if (icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY)) return 1;
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        if (has_error(s)) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) { if (lt_set_zone("Europe/Amsterdam") != 0) abort(); ready = 1; }
    if (size < 16 || size > 16 + RECUR_RULE_MAX + 1) return 0;
    uint64_t a, b;
    memcpy(&a, data, 8);
    memcpy(&b, data + 8, 8);
    int64_t start = 1767225600 + (int64_t)(a % (3LL * 365 * 86400)) / 900 * 900;   /* 2026..2028, quarter hours */
    int64_t end = start + 900 + (int64_t)(b % (48 * 4)) * 900;
    char rule[RECUR_RULE_MAX + 2];
    memcpy(rule, data + 16, size - 16);
    rule[size - 16] = '\0';
    struct recur_occ *occ = NULL;
    size_t n = 0;
    if (recur_expand(rule, start, end, &occ, &n) != 0) return 0;
    struct ics_event *ev = calloc(n, sizeof *ev);
    if (!ev) abort();
    for (size_t i = 0; i < n; i++) {
        ev[i].id = (int64_t)i;
        ev[i].start = occ[i].start;
        ev[i].end = occ[i].end;
        ev[i].summary = rule;
    }
    struct ics_feed feed = { "fuzz", "labpass.local", NULL, 1800000000, 0 };
    char *out = NULL;
    size_t len = 0;
    if (ics_write(&feed, ev, n, &out, &len) == 0) {
        icalcomponent *cal = icalparser_parse_string(out);
        if (!cal || has_error(cal)) abort();
        icalcomponent_free(cal);
        free(out);
    }
    free(ev);
    free(occ);
    return 0;
}
