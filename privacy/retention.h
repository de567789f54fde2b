/* retention.h: how long labpass keeps each kind of personal record, and the
 * daily run that removes what is older (GDPR storage limitation).
 *
 * privacy/ sits above billing/ and access/: its rules span the records of
 * every module, and each module removes its own rows (acct_prune, wl_prune,
 * iss_events_prune, audit_prune). Kinds, their defaults and the bounds staff
 * may set them within:
 *   door_events  92 days (30..365); events that checked a reservation in or
 *                out follow the invoices (7 years): billing reads those times
 *   sessions     30 days (7..90): ended sessions, known devices, throttling
 *   audit        730 days (365..3650)
 *   waitlist     365 days (30..730): entries no longer waiting
 * Invoices, credit notes and payments: 7 years (Dutch tax law), fixed, and
 * never removed by this run. Each run writes one row per kind to
 * retention_runs (and the log) with its cutoff and count. */
#ifndef LP_RETENTION_H
#define LP_RETENTION_H
#include <stdint.h>
#include "booking/audit.h"
#include "core/fail.h"
#include "db/db.h"

enum ret_kind { RET_DOOR_EVENTS = 0, RET_SESSIONS, RET_AUDIT, RET_WAITLIST };
#define RET_KIND_COUNT 4
#define RET_INVOICE_DAYS 2557   /* 7 years */
#define RET_RUN_EVERY 86400     /* seconds between runs */

const char *ret_kind_name(enum ret_kind k);
int ret_kind_parse(const char *text, enum ret_kind *out) LP_MUST;

typedef struct ret_setting {
    enum ret_kind kind;
    int days, min_days, max_days, default_days;
} ret_setting;

/* Every kind's setting, in enum order. */
int ret_settings(db_t *db, ret_setting out[RET_KIND_COUNT]) LP_MUST;
/* Sets one kind's days (audited). LP_ERR_INVALID naming "days" outside its
 * bounds. */
int ret_set(db_t *db, const actor_t *who, enum ret_kind kind, int days, lp_fail *f) LP_MUST;

typedef struct ret_run {
    enum ret_kind kind;
    int64_t at, cutoff, removed;
} ret_run;

/* Applies every kind at now, each in its own transaction with its log row;
 * the results into out (may be NULL). Stops at the first failure. */
int ret_apply(db_t *db, int64_t now, ret_run out[RET_KIND_COUNT]) LP_MUST;
/* ret_apply when the last run is RET_RUN_EVERY or more before now; *ran
 * says whether it ran. */
int ret_apply_due(db_t *db, int64_t now, int *ran) LP_MUST;
/* The newest runs (one row per kind each), newest first, at most max. */
int ret_runs(db_t *db, size_t max, ret_run **out, size_t *n) LP_MUST;

#endif
