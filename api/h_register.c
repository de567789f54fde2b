/* h_register.c: the ML-1 register of a lab for the biosafety officer and
 * inspections (staff): who may work there (each training required, who
 * instructed it, when, until when) and who entered in a period (from the
 * door events of the lab's door group), as JSON and as CSV. */
#include "api/h_privacy.h"
#include "api/handlers.h"
#include "api/csv.h"
#include "access/issuer/issuer.h"
#include "booking/qual.h"
#include "booking/resource.h"
#include "core/clock.h"
#include "core/ltime.h"
#include "core/sbuf.h"
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define REGISTER_MAX_DAYS 400

struct reg {
    res_resource res;
    int64_t from, to;
    qual_register_row *auth;
    size_t nauth;
    iss_presence_row *in;
    size_t nin;
};

static void reg_free(struct reg *r)
{
    free(r->auth);
    free(r->in);
}

/* Reads the resource and the period (default: the last 30 days to now),
 * then both lists. 0, or -1 with the answer made. */
static int reg_load(api_ctx *c, struct reg *r)
{
    memset(r, 0, sizeof *r);
    r->to = clk_now();
    r->from = r->to - 30 * DAY;
    if (api_query_time(c, "from", 0, &r->from) || api_query_time(c, "to", 0, &r->to)) return -1;
    if (r->to <= r->from || r->to - r->from > REGISTER_MAX_DAYS * DAY) {
        api_problem(c, 400, "validation", "Invalid request", "to must be after from, at most 400 days later", "to");
        return -1;
    }
    int rc = res_get(c->db, c->params[0], &r->res);
    if (rc == LP_ERR_NOTFOUND) {
        api_problem(c, 404, "not-found", "Not found", "no such resource", NULL);
        return -1;
    }
    if (rc == 0) rc = qual_register(c->db, r->res.id, r->to, &r->auth, &r->nauth);
    if (rc == 0 && r->res.door_group[0]) rc = iss_presence(c->db, r->res.door_group, r->from, r->to, &r->in, &r->nin);
    if (rc) {
        reg_free(r);
        api_fail(c, rc, NULL);
        return -1;
    }
    return 0;
}

/* The authorised people, each with their trainings (rows come by person). */
static json_t *json_authorised(const struct reg *r)
{
    json_t *out = json_array(), *cur = NULL;
    for (size_t i = 0; i < r->nauth; i++) {
        const qual_register_row *a = &r->auth[i];
        if (!cur || json_integer_value(json_object_get(cur, "person_id")) != a->person_id) {
            cur = json_pack("{s:I, s:s, s:s, s:[]}", "person_id", (json_int_t)a->person_id, "person", a->person,
                            "company", a->company, "trainings");
            json_array_append_new(out, cur);
        }
        json_array_append_new(json_object_get(cur, "trainings"),
                              json_pack("{s:s, s:s, s:o, s:o}", "qualification", a->qualification, "instructor",
                                        a->instructor, "granted_at", api_time_json(a->granted_at), "expires_at",
                                        api_time_json(a->expires_at)));
    }
    return out;
}

void h_register(api_ctx *c)
{
    struct reg r;
    if (reg_load(c, &r)) return;
    json_t *present = json_array();
    for (size_t i = 0; i < r.nin; i++)
        json_array_append_new(present, json_pack("{s:I, s:s, s:s, s:o, s:o, s:I}", "person_id",
                                                 (json_int_t)r.in[i].person_id, "person", r.in[i].person, "company",
                                                 r.in[i].company, "first_in", api_time_json(r.in[i].first_in),
                                                 "last_in", api_time_json(r.in[i].last_in), "entries",
                                                 (json_int_t)r.in[i].entries));
    json_t *body = json_pack("{s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:o}", "resource", "id", (json_int_t)r.res.id, "name",
                             r.res.name, "door_group", r.res.door_group, "from", api_time_json(r.from), "to",
                             api_time_json(r.to), "authorised", json_authorised(&r), "present", present);
    reg_free(&r);
    api_reply_json(c, 200, body);
}

void h_register_csv(api_ctx *c)
{
    struct reg r;
    if (reg_load(c, &r)) return;
    struct sbuf b = { 0 };
    sb_puts(&b, "section,person,company,training,instructor,granted_at,expires_at,first_in,last_in,entries\r\n");
    for (size_t i = 0; i < r.nauth; i++) {
        const qual_register_row *a = &r.auth[i];
        csv_field(&b, "authorised", 0);
        csv_field(&b, a->person, 0);
        csv_field(&b, a->company, 0);
        csv_field(&b, a->qualification, 0);
        csv_field(&b, a->instructor, 0);
        csv_time(&b, a->granted_at, 0);
        csv_time(&b, a->expires_at, 0);
        sb_puts(&b, "\"\",\"\",\"\"\r\n");
    }
    for (size_t i = 0; i < r.nin; i++) {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)r.in[i].entries);
        csv_field(&b, "entered", 0);
        csv_field(&b, r.in[i].person, 0);
        csv_field(&b, r.in[i].company, 0);
        sb_puts(&b, "\"\",\"\",\"\",\"\",");
        csv_time(&b, r.in[i].first_in, 0);
        csv_time(&b, r.in[i].last_in, 0);
        csv_field(&b, n, 1);
    }
    reg_free(&r);
    char *csv = NULL;
    size_t len = 0;
    if (sb_take(&b, &csv, &len)) { api_fail(c, LP_ERR_NOMEM, NULL); return; }
    api_add_header(c, "Content-Disposition", "attachment; filename=\"ml1-register.csv\"");
    api_reply_raw(c, 200, "text/csv; charset=utf-8; header=present", csv, len);
}
