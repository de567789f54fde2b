/* test_downtime.c: downtime, incidents and the resource log through the
 * real labpassd on the injected clock (Friday 2027-03-26 16:30 in
 * Amsterdam, two nights before the change to summer time). A fault on
 * ML-1 Lab A over the DST night blocks new bookings (422, rule downtime);
 * its preview lists the bookings it meets and writes nothing; kept bookings
 * stay, their people are told with free slots on Lab A after the downtime
 * and on Lab B (the same equivalent_group). A planned downtime on the
 * cabinet that cancels is a cancellation by the facility without a fee, and
 * its alternatives respect trainings: an equivalent cabinet that needs a
 * training the person lacks is never offered. Ending early frees the time,
 * extending meets new bookings. Incidents: the reporter sees theirs, other
 * members (their own tenant's admin included) get 404, staff acknowledge,
 * resolve, or make one a fault downtime. The month report counts incidents
 * per resource. A calibration reminder goes once, on the moved clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ltime.h"
#include "tests/lib/harness.h"

static hx_server S;
static char *staff, *bram, *anna, *dewi;   /* staff; NovaCell member and admin; BioSense member */
static int64_t lab_a, lab_b, bsc1, bsc2, bsc3, autoclave, dt_lab;

static int64_t at(const char *s)
{
    int64_t t = 0;
    if (lt_parse_rfc3339(s, &t) != 0) fail_msg("bad time %s", s);
    return t;
}

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static json_t *call(const char *method, const char *path, const char *tok, const char *body, long want)
{
    hx_resp r;
    if (hx_req(&S, method, path, tok, body, NULL, &r) != 0) fail_msg("%s %s: no answer", method, path);
    if (r.status != want) fail_msg("%s %s: %ld (wanted %ld) %.800s", method, path, r.status, want, r.body);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j;
}

/* One integer from the server's database (read-only), e.g. a count. */
static int64_t db_int(const char *sql, const char *text)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_open_v2(S.db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    if (text) sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* The newest outbox body of kind to rcpt (caller frees), NULL when none. */
static char *newest_body(const char *kind, const char *rcpt)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    assert_int_equal(sqlite3_open_v2(S.db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT body FROM outbox WHERE kind = ?1 AND recipient = ?2 "
                                           "ORDER BY id DESC LIMIT 1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rcpt, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

static int64_t qual_id(const char *name)
{
    json_t *j = call("GET", "/api/v1/qualifications", staff, NULL, 200);
    json_t *arr = json_object_get(j, "qualifications"), *q;
    size_t i;
    int64_t id = 0;
    json_array_foreach(arr, i, q) if (!strcmp(jstr(q, "name"), name)) id = jint(q, "id");
    json_decref(j);
    if (!id) fail_msg("no qualification %s", name);
    return id;
}

static int64_t make_cabinet(const char *name, int64_t q1, int64_t q2)
{
    char body[700];
    snprintf(body, sizeof body, "{\"kind\":\"equipment\",\"name\":\"%s\",\"capacity\":1,\"granularity_min\":30,"
             "\"min_minutes\":30,\"equivalent_group\":\"cabinets\",\"opening_hours\":{\"mon\":\"07:00-22:00\","
             "\"tue\":\"07:00-22:00\",\"wed\":\"07:00-22:00\",\"thu\":\"07:00-22:00\",\"fri\":\"07:00-22:00\","
             "\"sat\":\"\",\"sun\":\"\"},\"required_qualifications\":[%lld,%lld]}", name, (long long)q1, (long long)q2);
    json_t *j = call("POST", "/api/v1/resources", staff, body, 201);
    int64_t id = jint(j, "id");
    assert_string_equal(jstr(j, "equivalent_group"), "cabinets");
    json_decref(j);
    return id;
}

static int setup(void **st)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (lt_set_zone("Europe/Amsterdam") != 0) return -1;
    const char *args[] = { "--sweep-interval", "3600", NULL };   /* the test runs the worker's round itself */
    if (hx_start_args(&S, at("2027-03-26T16:30:00+01:00"), args) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    bram = hx_login(&S, DEMO_MEMBER_A);
    anna = hx_login(&S, DEMO_ADMIN_A);
    dewi = hx_login(&S, DEMO_MEMBER_B);
    if (!staff || !bram || !anna || !dewi) return -1;
    lab_a = hx_resource_id(&S, staff, "ML-1 Lab A");
    lab_b = hx_resource_id(&S, staff, "ML-1 Lab B");
    bsc1 = hx_resource_id(&S, staff, "Biosafety cabinet BSC-1");
    autoclave = hx_resource_id(&S, staff, "Autoclave AC-1");
    return lab_a && lab_b && bsc1 && autoclave ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff); free(bram); free(anna); free(dewi);
    int rc = hx_stop(&S);
    curl_global_cleanup();
    return rc == 0 ? 0 : -1;
}

/* Has an alternative on resource res (starting at or after from, 0: any). */
static int offers(json_t *affected, int64_t res, int64_t from)
{
    json_t *alt = json_object_get(affected, "alternatives"), *s;
    size_t i;
    json_array_foreach(alt, i, s)
        if (jint(s, "resource_id") == res && at(jstr(s, "start")) >= from) return 1;
    return 0;
}

static json_t *affected_of(json_t *result, int64_t rsv)
{
    json_t *arr = json_object_get(result, "affected"), *a;
    size_t i;
    json_array_foreach(arr, i, a) if (jint(a, "reservation_id") == rsv) return a;
    fail_msg("reservation %lld is not among the affected", (long long)rsv);
    return NULL;
}

#define LAB_FAULT "{\"resource_id\":%lld,\"kind\":\"fault\",\"start\":\"2027-03-27T20:00:00+01:00\"," \
    "\"end\":\"2027-03-29T12:00:00+02:00\",\"reason\":\"Ventilation failure: negative pressure lost\"%s}"

static void test_preview_keep_and_notify(void **st)
{
    char body[600];
    /* a receiver for the new events (never reached: the deliveries are recorded all the same) */
    json_decref(call("POST", "/api/v1/webhooks", staff, "{\"url\":\"https://127.0.0.1:9/hook\",\"description\":"
                     "\"maintenance planning\",\"events\":[\"downtime.created\",\"downtime.changed\",\"incident.reported\"]}", 201));
    int64_t r1 = hx_book(&S, bram, lab_a, "2027-03-29T09:00:00+02:00", "2027-03-29T11:00:00+02:00", NULL, 0);
    int64_t r2 = hx_book(&S, anna, lab_a, "2027-03-29T10:00:00+02:00", "2027-03-29T12:00:00+02:00", NULL, 0);
    int64_t after = hx_book(&S, anna, lab_a, "2027-03-29T13:00:00+02:00", "2027-03-29T14:00:00+02:00", NULL, 0);

    /* the preview lists both bookings in the period (across the DST night) and writes nothing */
    snprintf(body, sizeof body, LAB_FAULT, (long long)lab_a, "");
    json_t *p = call("POST", "/api/v1/downtimes/preview", staff, body, 200);
    assert_int_equal(jint(p, "count"), 2);
    assert_int_equal(jint(json_array_get(json_object_get(p, "affected"), 0), "reservation_id"), r1);
    assert_int_equal(jint(json_array_get(json_object_get(p, "affected"), 1), "reservation_id"), r2);
    assert_string_equal(jstr(json_array_get(json_object_get(p, "affected"), 0), "person"), "Bram Visser");
    json_decref(p);
    int64_t audits = db_int("SELECT count(*) FROM audit_log WHERE object_type = 'downtime'", NULL);
    assert_int_equal(hx_count(&S, "downtimes"), 1);   /* the demo's planned maintenance only */
    assert_int_equal(audits, 1);

    /* made, keeping the bookings: both stay confirmed, both people are told */
    snprintf(body, sizeof body, LAB_FAULT, (long long)lab_a, ",\"bookings\":\"keep\"");
    json_t *d = call("POST", "/api/v1/downtimes", staff, body, 201);
    dt_lab = jint(json_object_get(d, "downtime"), "id");
    assert_string_equal(jstr(json_object_get(d, "downtime"), "end"), "2027-03-29T12:00:00+02:00");
    assert_int_equal(json_array_size(json_object_get(d, "affected")), 2);
    json_t *a1 = affected_of(d, r1);
    assert_false(json_is_true(json_object_get(a1, "cancelled")));
    assert_true(json_is_true(json_object_get(a1, "notified")));
    /* the nearest slot on Lab A after the downtime, and Lab B (its equivalent) at the booking's own time */
    assert_true(offers(a1, lab_a, at("2027-03-29T12:00:00+02:00")));
    assert_true(offers(a1, lab_b, 0));
    assert_true(json_array_size(json_object_get(a1, "alternatives")) <= 3);
    json_decref(d);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE object_type = 'downtime' AND action = 'create'", NULL), 2);
    assert_int_equal(db_int("SELECT count(*) FROM webhook_deliveries WHERE event = 'downtime.created' AND "
                            "json_extract(payload, '$.data.end') = '2027-03-29T10:00:00Z' AND "
                            "json_extract(payload, '$.data.reason') = ?1", "Ventilation failure: negative pressure lost"), 1);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)r1);
    json_t *r = call("GET", path, bram, NULL, 200);
    assert_string_equal(jstr(r, "status"), "confirmed");
    json_decref(r);

    char *msg = newest_body("downtime_notice", "lab@novacell.example");
    assert_non_null(msg);
    if (!strstr(msg, "ML-1 Lab B") || !strstr(msg, "Ventilation failure")) fail_msg("message: %s", msg);
    free(msg);
    msg = newest_body("downtime_notice", "admin@novacell.example");
    assert_non_null(msg);
    free(msg);

    /* new bookings in the period are refused, naming the downtime; outside it they go */
    hx_resp x;
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2027-03-29T08:00:00+02:00\","
             "\"end\":\"2027-03-29T09:00:00+02:00\"}", (long long)lab_a);
    hx_req(&S, "POST", "/api/v1/reservations", bram, body, NULL, &x);
    assert_int_equal(x.status, 422);
    assert_string_equal(jstr(x.json, "field"), "downtime");
    hx_free(&x);
    assert_int_equal(after > 0, 1);
    /* the availability shows the downtime as closed */
    snprintf(path, sizeof path, "/api/v1/downtimes?resource_id=%lld", (long long)lab_a);
    json_t *l = call("GET", path, dewi, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "downtimes")), 1);
    json_decref(l);
}

static void test_cancel_waives_fee_and_trainings(void **st)
{
    char body[600], path[80];
    int64_t induction = qual_id("ML-1 biosafety induction"), cabinet = qual_id("Biosafety cabinet operation");
    json_t *q = call("POST", "/api/v1/qualifications", staff,
                     "{\"name\":\"Cytotoxics handling\",\"description\":\"Cytostatic drugs in the cabinet\",\"validity_days\":365}", 201);
    int64_t cyto = jint(q, "id");
    json_decref(q);
    snprintf(path, sizeof path, "/api/v1/resources/%lld", (long long)bsc1);
    json_decref(call("PATCH", path, staff, "{\"equivalent_group\":\"cabinets\"}", 200));
    bsc2 = make_cabinet("Biosafety cabinet BSC-2", induction, cabinet);
    bsc3 = make_cabinet("Biosafety cabinet BSC-3", induction, cyto);   /* nobody holds Cytotoxics handling */

    int64_t r = hx_book(&S, bram, bsc1, "2027-03-30T10:00:00+02:00", "2027-03-30T11:00:00+02:00", NULL, 0);
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"kind\":\"planned\",\"start\":\"2027-03-30T09:00:00+02:00\","
             "\"end\":\"2027-03-30T12:00:00+02:00\",\"reason\":\"HEPA filter exchange\",\"bookings\":\"cancel\"}",
             (long long)bsc1);
    json_t *d = call("POST", "/api/v1/downtimes", staff, body, 201);
    json_t *a = affected_of(d, r);
    assert_true(json_is_true(json_object_get(a, "cancelled")));
    assert_string_equal(jstr(a, "status"), "cancelled");
    assert_true(offers(a, bsc1, at("2027-03-30T12:00:00+02:00")));
    assert_true(offers(a, bsc2, 0));
    assert_false(offers(a, bsc3, 0));   /* the training Bram lacks */
    json_decref(d);
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)r);
    json_t *g = call("GET", path, bram, NULL, 200);
    assert_string_equal(jstr(g, "status"), "cancelled");
    json_decref(g);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)r);
    assert_int_equal(db_int("SELECT fee_waived FROM reservations WHERE id = CAST(?1 AS INTEGER)", id), 1);
    assert_int_equal(db_int("SELECT count(*) FROM charges WHERE reservation_id = CAST(?1 AS INTEGER) "
                            "AND kind = 'cancellation'", id), 0);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE object_type = 'reservation' "
                            "AND action = 'cancel_by_facility' AND object_id = CAST(?1 AS INTEGER)", id), 1);
    char *msg = newest_body("downtime_notice", "lab@novacell.example");
    assert_non_null(msg);
    if (!strstr(msg, "Biosafety cabinet BSC-2") || strstr(msg, "BSC-3")) fail_msg("message: %s", msg);
    free(msg);
}

static void test_end_early_and_extend(void **st)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/downtimes/%lld", (long long)dt_lab);
    /* ended early: Monday 10:00 is free again */
    json_t *d = call("PATCH", path, staff, "{\"end\":\"2027-03-29T10:00:00+02:00\"}", 200);
    assert_string_equal(jstr(json_object_get(d, "downtime"), "end"), "2027-03-29T10:00:00+02:00");
    assert_int_equal(json_array_size(json_object_get(d, "affected")), 0);
    json_decref(d);
    int64_t late = hx_book(&S, anna, lab_a, "2027-03-29T10:00:00+02:00", "2027-03-29T10:30:00+02:00", NULL, 0);
    /* extended until further notice: the bookings after 10:00 are met, told, and kept */
    d = call("PATCH", path, staff, "{\"end\":null}", 200);
    assert_true(json_is_null(json_object_get(json_object_get(d, "downtime"), "end")));
    json_t *a = affected_of(d, late);
    assert_false(json_is_true(json_object_get(a, "cancelled")));
    assert_true(offers(a, lab_b, 0));
    json_decref(d);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE object_type = 'downtime' AND action = 'extend'", NULL), 1);
    assert_int_equal(db_int("SELECT count(*) FROM webhook_deliveries WHERE event = 'downtime.changed' "
                            "AND json_extract(payload, '$.data.end') IS NULL", NULL), 1);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE object_type = 'downtime' AND action = 'end'", NULL), 1);
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2027-06-01T09:00:00+02:00\","
             "\"end\":\"2027-06-01T10:00:00+02:00\"}", (long long)lab_a);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/reservations", bram, body), 422);
    /* a member may not change it; ending it for good (in the past is refused) */
    assert_int_equal(hx_status(&S, "PATCH", path, bram, "{\"end\":\"2027-04-02T09:00:00+02:00\"}"), 403);
    assert_int_equal(hx_status(&S, "PATCH", path, staff, "{\"end\":\"2027-03-01T09:00:00+01:00\"}"), 400);
    json_decref(call("PATCH", path, staff, "{\"end\":\"2027-04-02T09:00:00+02:00\"}", 200));
}

static void test_incidents(void **st)
{
    char path[96], body[300];
    snprintf(path, sizeof path, "/api/v1/resources/%lld/incidents", (long long)autoclave);
    json_t *i = call("POST", path, bram, "{\"severity\":\"high\",\"text\":\"Display shows E42 and the door will not unlock\"}", 201);
    int64_t inc = jint(i, "id");
    assert_string_equal(jstr(i, "state"), "open");
    assert_string_equal(jstr(i, "person"), "Bram Visser");
    json_decref(i);
    char *msg = newest_body("incident_reported", "staff@medtechfactory.example");
    assert_non_null(msg);
    if (!strstr(msg, "E42")) fail_msg("staff message: %s", msg);
    free(msg);

    assert_int_equal(db_int("SELECT count(*) FROM webhook_deliveries WHERE event = 'incident.reported' "
                            "AND json_extract(payload, '$.data.text') = ?1 AND json_extract(payload, '$.data.person_id') IS NULL",
                            "Display shows E42 and the door will not unlock"), 1);
    snprintf(path, sizeof path, "/api/v1/incidents/%lld", (long long)inc);
    json_decref(call("GET", path, bram, NULL, 200));
    assert_int_equal(hx_status(&S, "GET", path, dewi, NULL), 404);   /* another tenant's member */
    assert_int_equal(hx_status(&S, "GET", path, anna, NULL), 404);   /* not the reporter */
    json_t *l = call("GET", "/api/v1/incidents?status=all", dewi, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "incidents")), 0);
    json_decref(l);
    l = call("GET", "/api/v1/incidents", bram, NULL, 200);
    assert_true(json_array_size(json_object_get(l, "incidents")) >= 1);   /* his demo report and this one */
    json_decref(l);
    /* the log: staff see everything, a member only what they wrote */
    snprintf(path, sizeof path, "/api/v1/resources/%lld/log", (long long)autoclave);
    l = call("GET", path, dewi, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "entries")), 0);
    json_decref(l);
    l = call("GET", path, bram, NULL, 200);
    json_t *e;
    size_t k;
    json_array_foreach(json_object_get(l, "entries"), k, e) assert_string_equal(jstr(e, "kind"), "incident");
    assert_true(json_array_size(json_object_get(l, "entries")) >= 1);
    json_decref(l);
    l = call("GET", path, staff, NULL, 200);
    int calib = 0;
    json_array_foreach(json_object_get(l, "entries"), k, e) if (!strcmp(jstr(e, "kind"), "calibration")) calib++;
    assert_int_equal(calib, 1);   /* the demo's */
    json_decref(l);

    /* acknowledge, resolve, and the states it refuses */
    snprintf(path, sizeof path, "/api/v1/incidents/%lld/acknowledge", (long long)inc);
    assert_int_equal(hx_status(&S, "POST", path, bram, NULL), 403);
    i = call("POST", path, staff, NULL, 200);
    assert_string_equal(jstr(i, "state"), "acknowledged");
    json_decref(i);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    snprintf(path, sizeof path, "/api/v1/incidents/%lld/resolve", (long long)inc);
    i = call("POST", path, staff, "{\"resolution\":\"Door switch replaced\"}", 200);
    assert_string_equal(jstr(i, "state"), "resolved");
    json_decref(i);
    assert_int_equal(hx_status(&S, "POST", path, staff, NULL), 409);
    snprintf(path, sizeof path, "/api/v1/incidents/%lld", (long long)inc);
    i = call("GET", path, bram, NULL, 200);
    assert_string_equal(jstr(i, "state"), "resolved");
    assert_string_equal(jstr(i, "resolution"), "Door switch replaced");
    json_decref(i);
    assert_int_equal(db_int("SELECT count(*) FROM audit_log WHERE object_type = 'incident' "
                            "AND action IN ('create','acknowledge','resolve')", NULL), 4);   /* with the demo's report */

    /* another one becomes a fault downtime: acknowledged and linked */
    snprintf(path, sizeof path, "/api/v1/resources/%lld/incidents", (long long)autoclave);
    i = call("POST", path, bram, "{\"severity\":\"medium\",\"text\":\"Water on the floor under the autoclave\"}", 201);
    int64_t inc2 = jint(i, "id");
    json_decref(i);
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"kind\":\"fault\",\"start\":\"2027-03-26T17:00:00+01:00\","
             "\"reason\":\"Leak under the autoclave\",\"incident_id\":%lld}", (long long)autoclave, (long long)inc2);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/downtimes", bram, body), 403);
    json_t *d = call("POST", "/api/v1/downtimes", staff, body, 201);
    int64_t did = jint(json_object_get(d, "downtime"), "id");
    assert_int_equal(jint(json_object_get(d, "downtime"), "incident_id"), inc2);
    json_decref(d);
    snprintf(path, sizeof path, "/api/v1/incidents/%lld", (long long)inc2);
    i = call("GET", path, staff, NULL, 200);
    assert_string_equal(jstr(i, "state"), "acknowledged");
    assert_int_equal(jint(i, "downtime_id"), did);
    json_decref(i);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/downtimes", staff, body), 409);   /* has one already */
    snprintf(path, sizeof path, "/api/v1/downtimes/%lld", (long long)did);
    json_decref(call("PATCH", path, staff, "{\"end\":\"2027-03-26T18:00:00+01:00\"}", 200));

    /* the month report: the demo's open report, the resolved one and the acknowledged one */
    json_t *rep = call("GET", "/api/v1/reports/usage?period=2027-03", staff, NULL, 200);
    json_t *row = NULL, *x;
    json_array_foreach(json_object_get(rep, "resources"), k, x) if (jint(x, "resource_id") == autoclave) row = x;
    assert_non_null(row);
    assert_int_equal(jint(row, "incidents_opened"), 3);
    assert_int_equal(jint(row, "incidents_open"), 2);
    assert_true(jint(json_object_get(rep, "total"), "incidents_opened") >= 3);
    json_decref(rep);
    hx_resp c;
    hx_req(&S, "GET", "/api/v1/reports/usage.csv?period=2027-03", staff, NULL, NULL, &c);
    assert_int_equal(c.status, 200);
    char line[160];
    snprintf(line, sizeof line, "\"resource\",\"%lld\",\"Autoclave AC-1\",", (long long)autoclave);
    char *at_line = strstr(c.body, line);
    if (!at_line) fail_msg("no autoclave row: %s", c.body);
    char *eol = strstr(at_line, "\r\n");
    assert_non_null(eol);
    assert_memory_equal(eol - 7, "\"3\",\"2\"", 7);
    assert_non_null(strstr(c.body, "\"incidents_opened\",\"incidents_open\"\r\n"));
    hx_free(&c);
}

static void test_calibration_reminder_once(void **st)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/resources/%lld/log", (long long)lab_b);
    json_t *e = call("POST", path, staff, "{\"kind\":\"calibration\",\"text\":\"Anemometer of the fume hood calibrated\","
                     "\"due_date\":\"2027-04-20\"}", 201);
    assert_string_equal(jstr(e, "due_date"), "2027-04-20");
    json_decref(e);
    /* the demo's autoclave calibration is due in 10 days: reminded once, whichever round came first */
    json_decref(call("POST", "/api/v1/maintenance/run", staff, NULL, 200));
    json_decref(call("POST", "/api/v1/maintenance/run", staff, NULL, 200));
    const char *cal = "SELECT count(*) FROM outbox WHERE kind = 'calibration_due' AND subject LIKE '%' || ?1 || '%'";
    assert_int_equal(db_int(cal, "Autoclave AC-1"), 1);
    assert_int_equal(db_int(cal, "ML-1 Lab B"), 0);
    json_t *m;
    hx_set_clock(&S, at("2027-04-05T09:00:00+02:00"));   /* 15 days before: not yet */
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);   /* the session of ten days ago has ended */
    assert_non_null(staff);
    m = call("POST", "/api/v1/maintenance/run", staff, NULL, 200);
    assert_int_equal(jint(m, "calibration_reminders_queued"), 0);
    json_decref(m);
    hx_set_clock(&S, at("2027-04-06T07:00:00+02:00"));   /* 14 days before */
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);
    assert_non_null(staff);
    m = call("POST", "/api/v1/maintenance/run", staff, NULL, 200);
    assert_int_equal(jint(m, "calibration_reminders_queued"), 1);
    json_decref(m);
    m = call("POST", "/api/v1/maintenance/run", staff, NULL, 200);
    assert_int_equal(jint(m, "calibration_reminders_queued"), 0);
    json_decref(m);
    assert_int_equal(db_int(cal, "ML-1 Lab B"), 1);
    assert_int_equal(db_int(cal, "Autoclave AC-1"), 1);
}

/* --calibration-days sets how far ahead staff are reminded: with 5, the
 * demo's autoclave calibration (due in 10 days) waits until 5 days before. */
static void test_calibration_lead_setting(void **st)
{
    hx_server s2;
    const char *args[] = { "--sweep-interval", "3600", "--calibration-days", "5", NULL };
    assert_int_equal(hx_start_args(&s2, at("2027-03-26T16:30:00+01:00"), args), 0);
    char *tok = hx_login(&s2, DEMO_STAFF);
    assert_non_null(tok);
    hx_resp r;
    assert_int_equal(hx_req(&s2, "POST", "/api/v1/maintenance/run", tok, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "calibration_reminders_queued"), 0);
    hx_free(&r);
    free(tok);
    hx_set_clock(&s2, at("2027-03-31T09:00:00+02:00"));   /* 5 days before */
    tok = hx_login(&s2, DEMO_STAFF);
    assert_non_null(tok);
    assert_int_equal(hx_req(&s2, "POST", "/api/v1/maintenance/run", tok, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(jint(r.json, "calibration_reminders_queued"), 1);
    hx_free(&r);
    free(tok);
    assert_int_equal(hx_stop(&s2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preview_keep_and_notify),
        cmocka_unit_test(test_cancel_waives_fee_and_trainings),
        cmocka_unit_test(test_end_early_and_extend),
        cmocka_unit_test(test_incidents),
        cmocka_unit_test(test_calibration_reminder_once),
        cmocka_unit_test(test_calibration_lead_setting),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
