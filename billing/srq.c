/* srq.c: service requests (see srq.h). */
#include "billing/srq.h"
#include "billing/bill_int.h"
#include "booking/outbox.h"
#include "booking/spell.h"
#include "booking/webhook.h"
#include "core/clock.h"
#include "core/ltime.h"
#include "billing/ubl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATE_NAMES[SRQ_STATE_COUNT] = {
    [SRQ_REQUESTED] = "requested", [SRQ_QUOTED] = "quoted", [SRQ_ACCEPTED] = "accepted",
    [SRQ_IN_PROGRESS] = "in_progress", [SRQ_COMPLETED] = "completed", [SRQ_DECLINED] = "declined",
    [SRQ_CANCELLED] = "cancelled" };

const char *srq_state_name(enum srq_state s) { return (unsigned)s < SRQ_STATE_COUNT ? STATE_NAMES[s] : ""; }

int srq_state_parse(const char *text, enum srq_state *out)
{
    int i = text ? spell_find(STATE_NAMES, SRQ_STATE_COUNT, text) : -1;
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum srq_state)i;
    return 0;
}

bool srq_state_open(enum srq_state s)
{
    switch (s) {
    case SRQ_REQUESTED:
    case SRQ_QUOTED:
    case SRQ_ACCEPTED:
    case SRQ_IN_PROGRESS: return true;
    case SRQ_COMPLETED:
    case SRQ_DECLINED:
    case SRQ_CANCELLED: return false;
    }
    return false;
}

static const char SNAP_SRQ[] =
    "SELECT json_object('id', id, 'tenant_id', tenant_id, 'person_id', person_id, 'item_id', item_id, "
    "'project_id', project_id, 'qty_e6', qty_e6, 'note', note, 'state', state, 'quote_qty_e6', quote_qty_e6, "
    "'quote_unit_cents', quote_unit_cents, 'quote_note', quote_note, 'quote_valid_until', quote_valid_until, "
    "'reason', reason, 'charge_id', charge_id) FROM service_requests WHERE id = ?1";

/* A service request as webhook receivers get it ("data" of
 * service_request.created and .changed): the item, company, project,
 * quantity, state and quote, not the requester's note or name. */
static const char WEBHOOK_SRQ[] =
    "SELECT json_object('id', r.id, 'state', r.state, 'tenant_id', r.tenant_id, 'company', t.name, 'person_id', "
    "r.person_id, 'item_id', r.item_id, 'item_code', i.code, 'item', i.name, 'unit', i.unit, 'qty_e6', r.qty_e6, "
    "'project_id', r.project_id, 'project_code', (SELECT code FROM projects WHERE id = r.project_id), "
    "'quote_qty_e6', r.quote_qty_e6, 'quote_unit_cents', r.quote_unit_cents, 'quote_valid_until', r.quote_valid_until, "
    "'charge_id', r.charge_id, 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', r.created_at, 'unixepoch'), "
    "'updated_at', strftime('%Y-%m-%dT%H:%M:%SZ', r.updated_at, 'unixepoch')) "
    "FROM service_requests r JOIN tenants t ON t.id = r.tenant_id JOIN catalogue_items i ON i.id = r.item_id "
    "WHERE r.id = ?1";

#define SRQ_COLS "r.id, r.tenant_id, r.person_id, r.item_id, COALESCE(r.project_id, 0), COALESCE(r.charge_id, 0), " \
    "p.name, p.email, t.name, i.name, i.code, i.unit, r.qty_e6, r.note, r.state, r.quote_qty_e6 IS NOT NULL, " \
    "COALESCE(r.quote_qty_e6, 0), COALESCE(r.quote_unit_cents, 0), COALESCE(r.quoted_at, 0), r.quote_note, " \
    "COALESCE(r.quote_valid_until, ''), r.reason, r.created_at, r.updated_at, COALESCE(r.completed_at, 0) " \
    "FROM service_requests r JOIN people p ON p.id = r.person_id JOIN tenants t ON t.id = r.tenant_id " \
    "JOIN catalogue_items i ON i.id = r.item_id "

static int srq_row(sqlite3_stmt *st, void *elem)
{
    srq_request *r = elem;
    memset(r, 0, sizeof *r);
    int64_t *ids[] = { &r->id, &r->tenant_id, &r->person_id, &r->item_id, &r->project_id, &r->charge_id };
    for (int i = 0; i < 6; i++) *ids[i] = sqlite3_column_int64(st, i);
    bill_copy(r->person, sizeof r->person, db_col_text(st, 6));
    bill_copy(r->email, sizeof r->email, db_col_text(st, 7));
    bill_copy(r->tenant, sizeof r->tenant, db_col_text(st, 8));
    bill_copy(r->item, sizeof r->item, db_col_text(st, 9));
    bill_copy(r->item_code, sizeof r->item_code, db_col_text(st, 10));
    int bad = bcalc_unit_parse(db_col_text(st, 11), &r->unit);
    r->qty_e6 = sqlite3_column_int64(st, 12);
    bill_copy(r->note, sizeof r->note, db_col_text(st, 13));
    bad |= srq_state_parse(db_col_text(st, 14), &r->state);
    r->quoted = sqlite3_column_int(st, 15) != 0;
    r->quote_qty_e6 = sqlite3_column_int64(st, 16);
    r->quote_unit_cents = sqlite3_column_int64(st, 17);
    r->quoted_at = sqlite3_column_int64(st, 18);
    bill_copy(r->quote_note, sizeof r->quote_note, db_col_text(st, 19));
    bill_copy(r->quote_valid_until, sizeof r->quote_valid_until, db_col_text(st, 20));
    bill_copy(r->reason, sizeof r->reason, db_col_text(st, 21));
    r->created_at = sqlite3_column_int64(st, 22);
    r->updated_at = sqlite3_column_int64(st, 23);
    r->completed_at = sqlite3_column_int64(st, 24);
    return bad ? LP_ERR_DB : 0;
}

int srq_get(db_t *db, int64_t id, srq_request *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " SRQ_COLS "WHERE r.id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, id);
    int rc = db_get(st);
    if (rc) return rc;
    rc = srq_row(st, out);
    sqlite3_reset(st);
    return rc;
}

int srq_list(db_t *db, const srq_filter *q, srq_request **out, size_t *n)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT " SRQ_COLS "WHERE (?1 = 0 OR r.tenant_id = ?1) AND (?2 = 0 OR r.person_id = ?2) "
                                   "AND (?3 = 0 OR r.state IN ('requested','quoted','accepted','in_progress')) "
                                   "ORDER BY r.id DESC LIMIT ?4");
    *out = NULL;
    *n = 0;
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, q->tenant_id); db_bind_int(st, 2, q->person_id); db_bind_int(st, 3, q->open_only);
    db_bind_int(st, 4, (int64_t)(q->limit ? q->limit : 1000));
    return db_collect(st, sizeof **out, srq_row, (void **)out, n);
}

int srq_open_counts(db_t *db, srq_counts *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = db_stmt(db, "SELECT state, count(*) FROM service_requests "
                                   "WHERE state IN ('requested','quoted','accepted','in_progress') GROUP BY state");
    if (!st) return LP_ERR_DB;
    int step;
    while ((step = db_step(st)) == DB_ROW) {
        enum srq_state s;
        if (srq_state_parse(db_col_text(st, 0), &s) != 0) { sqlite3_reset(st); return LP_ERR_DB; }
        out->by_state[s] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return step < 0 ? step : 0;
}

/* ---- creating ---- */

struct create_args {
    const actor_t *who;
    int64_t person_id, item_id, qty_e6, project_id;
    const char *note;
    srq_request *out;
    lp_fail *f;
};

static int do_create(db_t *db, void *p)
{
    struct create_args *a = p;
    cat_item it;
    int rc = cat_item_get(db, a->item_id, &it);
    if (rc == 0 && it.kind != CAT_SERVICE) rc = LP_ERR_NOTFOUND;
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, rc, "item_id", "no such service");
    if (rc) return rc;
    if (!it.active) return lp_failf(a->f, LP_ERR_RULE, "item_id", "the service is no longer offered");
    sqlite3_stmt *st = db_stmt(db, "SELECT m.tenant_id, t.status, (SELECT count(*) FROM service_requests WHERE "
                                   "person_id = ?1 AND state IN ('requested','quoted','accepted','in_progress')) "
                                   "FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.person_id = ?1");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, a->person_id);
    rc = db_get(st);
    if (rc == LP_ERR_NOTFOUND) return lp_failf(a->f, LP_ERR_FORBIDDEN, "person", "only a member of a company requests a service");
    if (rc) return rc;
    int64_t tenant = sqlite3_column_int64(st, 0), open = sqlite3_column_int64(st, 2);
    bool active = strcmp(db_col_text(st, 1), "active") == 0;
    sqlite3_reset(st);
    if (!active) return lp_failf(a->f, LP_ERR_RULE, "tenant", "the company is not active");
    if (open >= SRQ_OPEN_MAX)
        return lp_failf(a->f, LP_ERR_RULE, "requests", "at most %d service requests can be open at once", SRQ_OPEN_MAX);
    int64_t now = clk_now();
    rc = cat_project_pick(db, tenant, a->person_id, now, &a->project_id, a->f);
    if (rc) return rc;
    st = db_stmt(db, "INSERT INTO service_requests(tenant_id, person_id, item_id, project_id, qty_e6, note, state, "
                     "created_at, updated_at) VALUES (?1, ?2, ?3, NULLIF(?4, 0), ?5, ?6, 'requested', ?7, ?7)");
    if (!st) return LP_ERR_DB;
    db_bind_int(st, 1, tenant); db_bind_int(st, 2, a->person_id); db_bind_int(st, 3, a->item_id);
    db_bind_int(st, 4, a->project_id); db_bind_int(st, 5, a->qty_e6); db_bind_text(st, 6, a->note);
    db_bind_int(st, 7, now);
    rc = db_exec_stmt(st);
    if (rc) return rc;
    int64_t id = db_last_id(db);
    rc = audit_change(db, a->who, "request", "service_request", id, SNAP_SRQ, NULL);
    if (rc == 0) rc = whk_emit(db, WHK_EV_SERVICE_REQUEST_CREATED, WEBHOOK_SRQ, id);
    return rc ? rc : srq_get(db, id, a->out);
}

int srq_create(db_t *db, const actor_t *who, int64_t person_id, int64_t item_id, int64_t qty_e6, int64_t project_id,
               const char *note, srq_request *out, lp_fail *f)
{
    if (!note) note = "";
    if (note[0] && !lp_text_ok(note, SRQ_NOTE_MAX))
        return lp_failf(f, LP_ERR_INVALID, "note", "note must be at most %d characters of text", SRQ_NOTE_MAX);
    if (qty_e6 <= 0 || qty_e6 > CAT_MAX_QTY_E6) return lp_failf(f, LP_ERR_INVALID, "quantity", "quantity out of range");
    struct create_args a = { who, person_id, item_id, qty_e6, project_id, note, out, f };
    return db_in_tx(db, do_create, &a);
}

/* ---- the steps ---- */

struct step_args {
    const actor_t *who;
    int64_t id;
    enum srq_state to;
    bool by_staff;
    int64_t qty_e6, unit_cents;
    const char *note, *valid_until, *reason;
    lp_fail *f;
    bool quiet;                   /* the demo: no e-mail */
};

static int refuse(lp_fail *f, const srq_request *r, const char *step)
{
    return lp_failf(f, LP_ERR_STATE, "state", "a %s request cannot be %s", srq_state_name(r->state), step);
}

/* Whether r may go to a->to; 0 or the refusal. */
static int step_allowed(const srq_request *r, const struct step_args *a)
{
    enum srq_state s = r->state;
    switch (a->to) {
    case SRQ_QUOTED:
        return s == SRQ_REQUESTED || s == SRQ_QUOTED ? 0 : refuse(a->f, r, "quoted");
    case SRQ_ACCEPTED:
        if (a->by_staff) return s == SRQ_REQUESTED ? 0 : refuse(a->f, r, "accepted by staff");
        return s == SRQ_QUOTED ? 0 : refuse(a->f, r, "accepted");
    case SRQ_DECLINED:
        if (a->by_staff) return s == SRQ_REQUESTED || s == SRQ_QUOTED ? 0 : refuse(a->f, r, "declined");
        return s == SRQ_QUOTED ? 0 : refuse(a->f, r, "declined");
    case SRQ_CANCELLED:
        return s == SRQ_REQUESTED || s == SRQ_QUOTED || s == SRQ_ACCEPTED ? 0 : refuse(a->f, r, "cancelled");
    case SRQ_IN_PROGRESS:
        return s == SRQ_ACCEPTED ? 0 : refuse(a->f, r, "started");
    case SRQ_COMPLETED:
        return s == SRQ_IN_PROGRESS ? 0 : refuse(a->f, r, "completed");
    case SRQ_REQUESTED: break;
    }
    return refuse(a->f, r, "requested again");
}

static int quote_mail(db_t *db, const srq_request *r)
{
    char total[160], unit[32], sum[32], qty[32];
    struct bcalc_part part;
    int rc = cat_price_line(r->unit, r->quote_qty_e6, r->quote_unit_cents, &part);
    if (rc) return rc;
    ubl_fmt_amount(part.net_cents, sum);
    ubl_fmt_amount(r->quote_unit_cents, unit);
    ubl_fmt_qty(r->quote_qty_e6, qty);
    snprintf(total, sizeof total, "EUR %s (%s %s x EUR %s)", sum, qty, bcalc_unit_code(r->unit), unit);
    char link[64];
    snprintf(link, sizeof link, "/#/services?request=%lld", (long long)r->id);
    mt_args m = { .what = r->item, .total = total, .due = r->quote_valid_until, .note = r->quote_note, .link = link,
                  .id = r->id };
    return obx_to_person(db, MT_SERVICE_QUOTE, r->person_id, &m);
}

static int do_step(db_t *db, void *p)
{
    struct step_args *a = p;
    srq_request r;
    int rc = srq_get(db, a->id, &r);
    if (rc) return rc;
    if ((rc = step_allowed(&r, a)) != 0) return rc;
    char *before = NULL;
    rc = audit_snapshot(db, SNAP_SRQ, a->id, &before);
    if (rc) return rc;
    int64_t now = clk_now(), charge = 0;
    char today[BILL_DATE_LEN];
    ubl_date_of(now, today);
    if (a->to == SRQ_ACCEPTED && !a->by_staff && r.quote_valid_until[0] && strcmp(today, r.quote_valid_until) > 0)
        rc = lp_failf(a->f, LP_ERR_RULE, "quote_valid_until", "the quote has expired; ask for a new one");
    if (rc == 0 && a->to == SRQ_COMPLETED) {
        cat_charge_in in = { .kind = BILL_CHARGE_SERVICE, .tenant_id = r.tenant_id, .person_id = r.person_id,
                             .project_id = r.project_id, .item_id = r.item_id, .at = now,
                             .qty_e6 = r.quoted ? r.quote_qty_e6 : r.qty_e6, .has_price = r.quoted,
                             .unit_cents = r.quote_unit_cents };
        char reason[BILL_TEXT];
        snprintf(reason, sizeof reason, "%.150s", r.note);
        in.reason = reason;
        rc = cat_charge_add(db, a->who, &in, &charge, a->f);
        if (rc == 0 && !charge)
            rc = lp_failf(a->f, LP_ERR_RULE, "price", "no price applies to this service; quote it first");
    }
    sqlite3_stmt *st = NULL;
    if (rc == 0 && a->to == SRQ_QUOTED) {
        st = db_stmt(db, "UPDATE service_requests SET state = 'quoted', quote_qty_e6 = ?2, quote_unit_cents = ?3, "
                         "quote_note = ?4, quote_valid_until = ?5, quoted_at = ?6, updated_at = ?6 WHERE id = ?1");
        if (st) {
            db_bind_int(st, 2, a->qty_e6 ? a->qty_e6 : r.qty_e6); db_bind_int(st, 3, a->unit_cents);
            db_bind_text(st, 4, a->note ? a->note : ""); db_bind_text(st, 5, a->valid_until); db_bind_int(st, 6, now);
        }
    } else if (rc == 0) {
        st = db_stmt(db, "UPDATE service_requests SET state = ?2, reason = ?3, charge_id = NULLIF(?4, 0), "
                         "completed_at = CASE WHEN ?2 = 'completed' THEN ?5 ELSE completed_at END, updated_at = ?5 "
                         "WHERE id = ?1");
        if (st) {
            db_bind_text(st, 2, srq_state_name(a->to)); db_bind_text(st, 3, a->reason ? a->reason : r.reason);
            db_bind_int(st, 4, charge); db_bind_int(st, 5, now);
        }
    }
    if (rc == 0 && !st) rc = LP_ERR_DB;
    if (rc == 0) {
        db_bind_int(st, 1, a->id);
        rc = db_exec_stmt(st);
    }
    static const char *const ACTIONS[SRQ_STATE_COUNT] = {
        [SRQ_REQUESTED] = "request", [SRQ_QUOTED] = "quote", [SRQ_ACCEPTED] = "accept", [SRQ_IN_PROGRESS] = "start",
        [SRQ_COMPLETED] = "complete", [SRQ_DECLINED] = "decline", [SRQ_CANCELLED] = "cancel" };
    if (rc == 0) rc = audit_change(db, a->who, ACTIONS[a->to], "service_request", a->id, SNAP_SRQ, before);
    if (rc == 0) rc = whk_emit(db, WHK_EV_SERVICE_REQUEST_CHANGED, WEBHOOK_SRQ, a->id);
    free(before);
    if (rc == 0 && a->to == SRQ_QUOTED && !a->quiet) {
        rc = srq_get(db, a->id, &r);
        if (rc == 0) rc = quote_mail(db, &r);
    }
    return rc;
}

static int run(db_t *db, struct step_args *a) { return db_in_tx(db, do_step, a); }

static int reason_ok(const char *reason, lp_fail *f)
{
    if (reason && reason[0] && !lp_text_ok(reason, 200))
        return lp_failf(f, LP_ERR_INVALID, "reason", "reason must be at most 200 characters of text");
    return 0;
}

int srq_quote(db_t *db, const actor_t *who, int64_t id, int64_t qty_e6, int64_t unit_cents, const char *note,
              const char *valid_until, lp_fail *f)
{
    if (qty_e6 < 0 || qty_e6 > CAT_MAX_QTY_E6) return lp_failf(f, LP_ERR_INVALID, "quantity", "quantity out of range");
    if (unit_cents < 0 || unit_cents > CAT_MAX_UNIT_CENTS)
        return lp_failf(f, LP_ERR_INVALID, "unit_cents", "unit_cents is 0 to %d", CAT_MAX_UNIT_CENTS);
    if (note && note[0] && !lp_text_ok(note, SRQ_NOTE_MAX))
        return lp_failf(f, LP_ERR_INVALID, "note", "note must be at most %d characters of text", SRQ_NOTE_MAX);
    char today[BILL_DATE_LEN], last[BILL_DATE_LEN];
    int64_t now = clk_now();
    ubl_date_of(now, today);
    bill_date_plus(now, SRQ_QUOTE_MAX_DAYS, last);
    if (!valid_until || !bill_date_ok(valid_until) || strcmp(valid_until, today) < 0 || strcmp(valid_until, last) > 0)
        return lp_failf(f, LP_ERR_INVALID, "valid_until", "valid_until is a date from today to %d days ahead",
                        SRQ_QUOTE_MAX_DAYS);
    struct step_args a = { .who = who, .id = id, .to = SRQ_QUOTED, .by_staff = true, .qty_e6 = qty_e6,
                           .unit_cents = unit_cents, .note = note, .valid_until = valid_until, .f = f };
    return run(db, &a);
}

int srq_accept(db_t *db, const actor_t *who, int64_t id, bool by_staff, lp_fail *f)
{
    struct step_args a = { .who = who, .id = id, .to = SRQ_ACCEPTED, .by_staff = by_staff, .f = f };
    return run(db, &a);
}

int srq_decline(db_t *db, const actor_t *who, int64_t id, bool by_staff, const char *reason, lp_fail *f)
{
    int rc = reason_ok(reason, f);
    if (rc) return rc;
    struct step_args a = { .who = who, .id = id, .to = SRQ_DECLINED, .by_staff = by_staff, .reason = reason, .f = f };
    return run(db, &a);
}

int srq_cancel(db_t *db, const actor_t *who, int64_t id, const char *reason, lp_fail *f)
{
    int rc = reason_ok(reason, f);
    if (rc) return rc;
    struct step_args a = { .who = who, .id = id, .to = SRQ_CANCELLED, .reason = reason, .f = f };
    return run(db, &a);
}

int srq_start(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct step_args a = { .who = who, .id = id, .to = SRQ_IN_PROGRESS, .by_staff = true, .f = f };
    return run(db, &a);
}

int srq_complete(db_t *db, const actor_t *who, int64_t id, lp_fail *f)
{
    struct step_args a = { .who = who, .id = id, .to = SRQ_COMPLETED, .by_staff = true, .f = f };
    return run(db, &a);
}

/* ---- demo ---- */

static int demo_ids(db_t *db, const char *email, const char *code, int64_t *person, int64_t *item)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT (SELECT id FROM people WHERE email = ?1), "
                                   "(SELECT id FROM catalogue_items WHERE code = ?2)");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, email);
    db_bind_text(st, 2, code);
    int rc = db_get(st);
    if (rc) return rc;
    *person = sqlite3_column_int64(st, 0);
    *item = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return *person && *item ? 0 : LP_ERR_NOTFOUND;
}

/* The demo project with this code (seeded by booking's demo before the hooks). */
static int demo_project(db_t *db, const char *code, int64_t *id)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT id FROM projects WHERE code = ?1 ORDER BY id LIMIT 1");
    if (!st) return LP_ERR_DB;
    db_bind_text(st, 1, code);
    int rc = db_get(st);
    if (rc == 0) *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc;
}

int srq_demo_seed(db_t *db, const actor_t *who)
{
    struct { const char *email, *code, *qty, *note; enum srq_state to; int64_t quote_cents; } R[] = {
        { "lab@novacell.example", "SEQ-RUN", "1", "16 amplicon libraries, pooled; please return the FASTQ files by e-mail.",
          SRQ_IN_PROGRESS, 42000 },
        { "lab@novacell.example", "TRAINING", "2", "Two hours on the flow cytometer for our new technician.",
          SRQ_QUOTED, 9500 },
        { "lab@biosense.example", "AUTOCLAVE", "2", "Two loads of glassware on Thursday.", SRQ_REQUESTED, 0 },
    };
    int64_t now = clk_now();
    char until[BILL_DATE_LEN];
    bill_date_plus(now, 14, until);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof R / sizeof R[0]; i++) {
        int64_t person, item, qty;
        srq_request r;
        lp_fail f;
        rc = demo_ids(db, R[i].email, R[i].code, &person, &item);
        if (rc == 0) rc = cat_qty_parse(R[i].qty, BCALC_UNIT_HUR, &qty);
        if (rc == 0) rc = srq_create(db, who, person, item, qty, 0, R[i].note, &r, &f);
        if (rc == 0 && R[i].quote_cents) {
            struct step_args a = { .who = who, .id = r.id, .to = SRQ_QUOTED, .by_staff = true, .qty_e6 = qty,
                                   .unit_cents = R[i].quote_cents, .note = "Includes library QC.",
                                   .valid_until = until, .f = &f, .quiet = true };
            rc = run(db, &a);
        }
        if (rc == 0 && R[i].to == SRQ_IN_PROGRESS) {
            rc = srq_accept(db, who, r.id, false, &f);
            if (rc == 0) rc = srq_start(db, who, r.id, &f);
        }
    }
    /* consumables used earlier this month (at most a day back, never before the month) */
    char period[BILL_PERIOD_LEN];
    int64_t month, month_end;
    bill_period_of(now, period);
    if (rc == 0) rc = bill_period_parse(period, &month, &month_end);
    /* the sequencing pilot's cryo storage takes NovaCell's project NC-SEQ to 85 % of its budget */
    struct { const char *email, *code, *qty; int64_t ago; const char *project; } U[] = {
        { "lab@novacell.example", "GLOVES-M", "2", 26 * 3600, NULL }, { "lab@novacell.example", "LB-500", "3", 5 * 3600, NULL },
        { "lab@biosense.example", "LN2", "12.5", 3 * 3600, NULL }, { "admin@biosense.example", "GLOVES-M", "1", 2 * 3600, NULL },
        { "lab@novacell.example", "LN2", "300", 4 * 3600, "NC-SEQ" }, { "lab@novacell.example", "LB-500", "3", 4 * 3600, "NC-SEQ" },
    };
    for (size_t i = 0; rc == 0 && i < sizeof U / sizeof U[0]; i++) {
        int64_t person, item, qty;
        cat_item it;
        cat_use u;
        lp_fail f;
        int64_t at = now - U[i].ago < month ? month : now - U[i].ago;
        rc = demo_ids(db, U[i].email, U[i].code, &person, &item);
        if (rc == 0) rc = cat_item_get(db, item, &it);
        if (rc == 0) rc = cat_qty_parse(U[i].qty, it.unit, &qty);
        int64_t project = 0;
        if (rc == 0 && U[i].project) rc = demo_project(db, U[i].project, &project);
        if (rc == 0) rc = cat_use_add(db, who, person, item, qty, project, at, &u, &f);
    }
    return rc;
}
