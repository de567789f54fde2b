/* srq.h: service requests. A member asks for a catalogue service (item,
 * quantity, project, free text); staff quote it (price per unit, quantity,
 * note, valid until) and the quote is e-mailed to the requester, who
 * accepts or declines it; or staff accept it at once at the catalogue
 * price. Staff then start and complete the work; completion leaves one
 * charge (kind service: the quote's price and quantity, or the price list's
 * at completion; VAT from the item), which the month's invoice run bills.
 *
 *   requested -> quoted -> accepted -> in_progress -> completed
 *   requested -> accepted (staff, catalogue price)
 *   requested | quoted -> declined (staff; the requester declines a quote)
 *   requested | quoted | accepted -> cancelled (the requester, before work starts)
 *
 * Any other step is LP_ERR_STATE; accepting a quote past its date is
 * LP_ERR_RULE. Every step is audited. */
#ifndef LP_SRQ_H
#define LP_SRQ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "billing/cat.h"

#define SRQ_NOTE_MAX 1000
#define SRQ_OPEN_MAX 50           /* open requests per person */
#define SRQ_QUOTE_MAX_DAYS 366    /* a quote is valid at most this long */

enum srq_state {
    SRQ_REQUESTED = 0, SRQ_QUOTED, SRQ_ACCEPTED, SRQ_IN_PROGRESS, SRQ_COMPLETED, SRQ_DECLINED, SRQ_CANCELLED
};
#define SRQ_STATE_COUNT 7
const char *srq_state_name(enum srq_state s);
int srq_state_parse(const char *text, enum srq_state *out) LP_MUST;
/* True for requested, quoted, accepted and in_progress. */
bool srq_state_open(enum srq_state s);

typedef struct srq_request {
    int64_t id, tenant_id, person_id, item_id, project_id, charge_id;
    char person[201], email[255], tenant[201], item[CAT_NAME_MAX + 1], item_code[CAT_CODE_MAX + 1];
    enum bcalc_unit unit;
    int64_t qty_e6;
    char note[SRQ_NOTE_MAX + 1];
    enum srq_state state;
    bool quoted;                  /* a quote exists (quote_* are set) */
    int64_t quote_qty_e6, quote_unit_cents, quoted_at;
    char quote_note[SRQ_NOTE_MAX + 1], quote_valid_until[BILL_DATE_LEN];
    char reason[BILL_TEXT];
    int64_t created_at, updated_at, completed_at;
} srq_request;

/* A person's request (a member of a tenant; the item an active service;
 * the project the tenant's and active). Own transaction; sets out. */
int srq_create(db_t *db, const actor_t *who, int64_t person_id, int64_t item_id, int64_t qty_e6, int64_t project_id,
               const char *note, srq_request *out, lp_fail *f) LP_MUST;
int srq_get(db_t *db, int64_t id, srq_request *out) LP_MUST;

typedef struct srq_filter {
    int64_t tenant_id, person_id; /* 0: all */
    bool open_only;
    size_t limit;                 /* 0: 1000 */
} srq_filter;
/* Newest first. Caller frees. */
int srq_list(db_t *db, const srq_filter *q, srq_request **out, size_t *n) LP_MUST;

/* Staff quote a requested (or re-quote a quoted) request: qty_e6 (0 keeps the
 * requested quantity), unit_cents, note, valid_until "YYYY-MM-DD" (today or
 * later, at most SRQ_QUOTE_MAX_DAYS ahead). Queues the quote's e-mail. */
int srq_quote(db_t *db, const actor_t *who, int64_t id, int64_t qty_e6, int64_t unit_cents, const char *note,
              const char *valid_until, lp_fail *f) LP_MUST;
/* Accepts: staff on a requested one (catalogue price), the requester on a quoted one. */
int srq_accept(db_t *db, const actor_t *who, int64_t id, bool by_staff, lp_fail *f) LP_MUST;
/* Declines (staff: requested or quoted; the requester: quoted), with a reason. */
int srq_decline(db_t *db, const actor_t *who, int64_t id, bool by_staff, const char *reason, lp_fail *f) LP_MUST;
/* The requester withdraws it before work starts. */
int srq_cancel(db_t *db, const actor_t *who, int64_t id, const char *reason, lp_fail *f) LP_MUST;
/* Staff start the work on an accepted request. */
int srq_start(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;
/* Staff complete it: the charge is made (see above); LP_ERR_RULE when no
 * price applies to an unquoted request. */
int srq_complete(db_t *db, const actor_t *who, int64_t id, lp_fail *f) LP_MUST;

/* The open requests (requested..in_progress) per state, for the month report. */
typedef struct srq_counts { int64_t by_state[SRQ_STATE_COUNT]; } srq_counts;
int srq_open_counts(db_t *db, srq_counts *out) LP_MUST;

/* Demo requests and usage (billing's demo hook, after cat_demo_seed): a
 * sequencing run in progress and a quoted training for NovaCell's member,
 * an autoclave load BioSense asked for, consumables used this month. No
 * e-mail is queued. */
int srq_demo_seed(db_t *db, const actor_t *who) LP_MUST;

#endif
