/* h_privacy.c: the retention settings (staff) over privacy/retention.h, and
 * a person's data export over privacy/export.h, and erasure over
 * privacy/erase.h. */
#include "api/h_privacy.h"
#include "api/handlers.h"
#include "api/jsonv.h"
#include "booking/audit.h"
#include "core/clock.h"
#include "privacy/erase.h"
#include "privacy/export.h"
#include "privacy/retention.h"
#include <stdlib.h>
#include <string.h>

#define RUNS_SHOWN 20

static json_t *json_runs(api_ctx *c, int *rc)
{
    ret_run *runs = NULL;
    size_t n = 0;
    *rc = ret_runs(c->db, RUNS_SHOWN, &runs, &n);
    if (*rc) return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_pack("{s:s, s:o, s:o, s:I}", "kind", ret_kind_name(runs[i].kind),
                                             "at", api_time_json(runs[i].at), "cutoff", api_time_json(runs[i].cutoff),
                                             "removed", (json_int_t)runs[i].removed));
    free(runs);
    return out;
}

static void reply_retention(api_ctx *c)
{
    ret_setting s[RET_KIND_COUNT];
    int rc = ret_settings(c->db, s);
    json_t *runs = rc ? NULL : json_runs(c, &rc);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *kinds = json_array();
    for (int i = 0; i < RET_KIND_COUNT; i++)
        json_array_append_new(kinds, json_pack("{s:s, s:i, s:i, s:i, s:i}", "kind", ret_kind_name(s[i].kind),
                                               "days", s[i].days, "min_days", s[i].min_days, "max_days",
                                               s[i].max_days, "default_days", s[i].default_days));
    api_reply_json(c, 200, json_pack("{s:o, s:i, s:o}", "kinds", kinds, "invoice_days", RET_INVOICE_DAYS, "runs", runs));
}

void h_retention_get(api_ctx *c)
{
    reply_retention(c);
}

/* For everyone, signed in or not: how long each kind is kept (the privacy
 * notice shows it). No runs, no bounds. */
void h_privacy_notice(api_ctx *c)
{
    ret_setting s[RET_KIND_COUNT];
    int rc = ret_settings(c->db, s);
    if (rc) { api_fail(c, rc, NULL); return; }
    json_t *kinds = json_array();
    for (int i = 0; i < RET_KIND_COUNT; i++)
        json_array_append_new(kinds, json_pack("{s:s, s:i}", "kind", ret_kind_name(s[i].kind), "days", s[i].days));
    api_reply_json(c, 200, json_pack("{s:o, s:i}", "kinds", kinds, "invoice_days", RET_INVOICE_DAYS));
}

static const struct jv_field RETENTION_FIELDS[] = {
    { "kind", JV_STRING, 1, 20, 0 }, { "days", JV_INT, 1, 3650, 1 }, JV_END };

void h_retention_set(api_ctx *c)
{
    static const char *const KINDS[] = { "door_events", "sessions", "audit", "waitlist", NULL };
    json_t *b = api_body(c, RETENTION_FIELDS);
    if (!b) return;
    enum ret_kind kind;
    const char *text = jv_str(b, "kind", "");
    int known = 0;
    for (size_t i = 0; KINDS[i]; i++) known |= strcmp(text, KINDS[i]) == 0;
    if (!known || ret_kind_parse(text, &kind) != 0) {
        json_decref(b);
        api_problem(c, 400, "validation", "Invalid request", "kind must be door_events, sessions, audit or waitlist",
                    "kind");
        return;
    }
    int days = (int)jv_int(b, "days", 0);
    json_decref(b);
    lp_fail f = { 0 };
    int rc = ret_set(c->db, &c->actor, kind, days, &f);
    if (rc) { api_fail(c, rc, &f); return; }
    reply_retention(c);
}

/* ---- a person's data ---- */

/* Answers the export of person_id, audited as read by the caller. */
static void reply_export(api_ctx *c, int64_t person_id)
{
    char *json = NULL;
    int rc = prv_export(c->db, person_id, clk_now(), &json);
    if (rc == LP_ERR_NOTFOUND) {
        api_problem(c, 404, "not-found", "Not found", "no such person", NULL);
        return;
    }
    if (rc == 0) rc = audit_add(c->db, &c->actor, "export", "person", person_id, NULL, NULL);
    if (rc) {
        free(json);
        api_fail(c, rc, NULL);
        return;
    }
    api_add_header(c, "Content-Disposition", "attachment; filename=\"labpass-personal-data.json\"");
    api_reply_raw(c, 200, "application/json", json, strlen(json));
}

void h_me_export(api_ctx *c)
{
    reply_export(c, c->caller.person_id);
}

void h_person_export(api_ctx *c)
{
    reply_export(c, c->params[0]);
}

static const struct jv_field ERASE_FIELDS[] = { { "confirm_email", JV_STRING, 1, 254, 0 }, JV_END };

void h_person_erase(api_ctx *c)
{
    json_t *b = api_body(c, ERASE_FIELDS);
    if (!b) return;
    prv_erase_report r;
    lp_fail f = { 0 };
    int rc = prv_erase(c->db, &c->actor, c->params[0], jv_str(b, "confirm_email", ""), clk_now(), &r, &f);
    json_decref(b);
    if (rc == LP_ERR_NOTFOUND) {
        api_problem(c, 404, "not-found", "Not found", "no such person", NULL);
        return;
    }
    if (rc) { api_fail(c, rc, &f); return; }
    api_reply_json(c, 200, json_pack("{s:I, s:s, s:i, s:I, s:I}", "person_id", (json_int_t)c->params[0], "pseudonym",
                                     r.pseudonym, "passes_revoked", r.passes_revoked, "audit_entries",
                                     (json_int_t)r.audit_entries, "charges", (json_int_t)r.charges));
}
