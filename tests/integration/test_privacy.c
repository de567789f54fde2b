/* test_privacy.c: the privacy routes over real HTTP. Retention settings (GET
 * and PUT /api/v1/retention): staff read and set them within bounds, the
 * change is audited, and every bad request (other roles, no session, unknown
 * kinds, out-of-bounds days, wrong types, extra fields, malformed JSON, a
 * huge body) is a 4xx that changes nothing. A person's data export: the
 * person's own records and nobody else's, no secrets, staff for anyone,
 * nobody else for another. Erasure: only staff, only with the person's
 * address as confirmation, not of oneself, once; the erased person's session
 * ends; hostile bodies are 4xx. The ML-1 register: the people trained for a
 * lab with who instructed them, who entered through its doors in a period,
 * as JSON and CSV; staff only. Runs on a fixed clock (Monday 2 March 2026). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/lib/harness.h"

#define T0 1772438400LL   /* 2026-03-02T08:00:00Z */

static hx_server S;
static char *staff, *admin_a, *member_a;

static int setup(void **st)
{
    if (hx_start(&S, T0) != 0) return -1;
    staff = hx_login(&S, DEMO_STAFF);
    admin_a = hx_login(&S, DEMO_ADMIN_A);
    member_a = hx_login(&S, DEMO_MEMBER_A);
    return staff && admin_a && member_a ? 0 : -1;
}

static int teardown(void **st)
{
    free(staff); free(admin_a); free(member_a);
    return hx_stop(&S);
}

/* The days of kind in a Retention answer, -1 when absent. */
static int64_t days_of(const hx_resp *r, const char *kind)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(r->json, "kinds"), i, k)
        if (!strcmp(json_string_value(json_object_get(k, "kind")), kind))
            return json_integer_value(json_object_get(k, "days"));
    return -1;
}

static void test_staff_read_and_set(void **st)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/retention", staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(days_of(&r, "door_events"), 92);
    assert_int_equal(days_of(&r, "sessions"), 30);
    assert_int_equal(days_of(&r, "audit"), 730);
    assert_int_equal(days_of(&r, "waitlist"), 365);
    assert_int_equal(json_integer_value(json_object_get(r.json, "invoice_days")), 2557);
    assert_true(json_is_array(json_object_get(r.json, "runs")));
    hx_free(&r);
    assert_int_equal(hx_req(&S, "PUT", "/api/v1/retention", staff, "{\"kind\":\"door_events\",\"days\":60}", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(days_of(&r, "door_events"), 60);
    hx_free(&r);
    assert_int_equal(hx_req(&S, "GET", "/api/v1/audit?object_type=retention", staff, NULL, NULL, &r), 0);
    assert_int_equal(json_array_size(json_object_get(r.json, "entries")), 1);
    hx_free(&r);
}

static void test_bad_requests_change_nothing(void **st)
{
    static const struct { const char *body; long want; } BAD[] = {
        { "{\"kind\":\"door_events\",\"days\":29}", 400 }, { "{\"kind\":\"door_events\",\"days\":366}", 400 },
        { "{\"kind\":\"sessions\",\"days\":91}", 400 }, { "{\"kind\":\"audit\",\"days\":100}", 400 },
        { "{\"kind\":\"invoices\",\"days\":100}", 400 }, { "{\"kind\":\"\",\"days\":100}", 400 },
        { "{\"kind\":\"audit\",\"days\":\"800\"}", 400 }, { "{\"kind\":\"audit\",\"days\":800.5}", 400 },
        { "{\"kind\":\"audit\",\"days\":-1}", 400 }, { "{\"kind\":\"audit\",\"days\":99999999999}", 400 },
        { "{\"kind\":\"audit\"}", 400 }, { "{\"days\":800}", 400 }, { "{\"kind\":\"audit\",\"days\":800,\"x\":1}", 400 },
        { "{\"kind\":\"audit\",\"days\":800", 400 }, { "[]", 400 }, { "null", 400 }, { "", 400 },
        { "{\"kind\":\"audit\\u0000\",\"days\":800}", 400 }, { "{\"kind\":[\"audit\"],\"days\":800}", 400 },
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        long got = hx_status(&S, "PUT", "/api/v1/retention", staff, BAD[i].body);
        if (got != BAD[i].want) fail_msg("%s: %ld, not %ld", BAD[i].body, got, BAD[i].want);
    }
    const char *ok = "{\"kind\":\"audit\",\"days\":800}";
    assert_int_equal(hx_status(&S, "PUT", "/api/v1/retention", admin_a, ok), 403);
    assert_int_equal(hx_status(&S, "PUT", "/api/v1/retention", member_a, ok), 403);
    assert_int_equal(hx_status(&S, "PUT", "/api/v1/retention", NULL, ok), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/retention", member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/retention", NULL, NULL), 401);
    /* a huge body */
    size_t n = 2 * 1024 * 1024;
    char *big = malloc(n + 64);
    assert_non_null(big);
    int k = snprintf(big, 64, "{\"kind\":\"audit\",\"days\":800,\"pad\":\"");
    memset(big + k, 'a', n);
    strcpy(big + k + n, "\"}");
    long got = hx_status(&S, "PUT", "/api/v1/retention", staff, big);
    free(big);
    assert_true(got == 413 || got == 400);
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/retention", staff, NULL, NULL, &r), 0);
    assert_int_equal(days_of(&r, "audit"), 730);   /* unchanged */
    assert_int_equal(days_of(&r, "sessions"), 30);
    hx_free(&r);
}

/* The export of path as token, checked to be the person's document. */
static json_t *export_of(const char *path, const char *token, const char *email)
{
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", path, token, NULL, NULL, &r), 0);
    if (r.status != 200) fail_msg("GET %s: %ld %s", path, r.status, r.body);
    assert_non_null(strstr(r.headers, "attachment"));
    assert_string_equal(json_string_value(json_object_get(r.json, "format")), "labpass-personal-data-v1");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "profile"), "email")), email);
    /* no secrets: hashes, keys, pass bytes, tokens */
    static const char *const SECRET[] = { "password_hash", "token_hash", "public_key", "\"bytes\"", "lps_", "lpk_" };
    for (size_t i = 0; i < sizeof SECRET / sizeof SECRET[0]; i++)
        if (strstr(r.body, SECRET[i])) fail_msg("%s: the export holds %s", path, SECRET[i]);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j;
}

static int has_title(json_t *doc, const char *title)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "reservations"), i, v)
        if (!strcmp(json_string_value(json_object_get(v, "title")), title)) return 1;
    return 0;
}

static void test_a_person_gets_their_data(void **st)
{
    int64_t room = hx_resource_id(&S, member_a, "Meeting room Pasteur");
    char body[200];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"2026-03-04T10:00:00+01:00\",\"end\":"
             "\"2026-03-04T11:00:00+01:00\",\"title\":\"Export check A\"}", (long long)room);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/reservations", member_a, body), 201);
    json_t *mine = export_of("/api/v1/me/export", member_a, "lab@novacell.example");
    assert_true(has_title(mine, "Export check A"));
    assert_true(json_array_size(json_object_get(mine, "sessions")) >= 1);
    /* the problem he reported in the demo (the autoclave's door seal) */
    assert_int_equal(json_array_size(json_object_get(mine, "incidents")), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(mine, "profile"), "company"),
                                                          "role")), "member");
    json_decref(mine);
    /* another company's member does not see it in theirs */
    char *member_b = hx_login(&S, DEMO_MEMBER_B);
    assert_non_null(member_b);
    json_t *theirs = export_of("/api/v1/me/export", member_b, "lab@biosense.example");
    assert_false(has_title(theirs, "Export check A"));
    assert_int_equal(json_array_size(json_object_get(theirs, "incidents")), 0);
    json_decref(theirs);
    /* staff answer an access request for anyone; others may not */
    char path[80];
    snprintf(path, sizeof path, "/api/v1/people/%lld/export", (long long)hx_me_id(&S, member_a));
    json_t *req = export_of(path, staff, "lab@novacell.example");
    assert_true(has_title(req, "Export check A"));
    json_decref(req);
    assert_int_equal(hx_status(&S, "GET", path, admin_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", path, member_b, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", path, NULL, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me/export", NULL, NULL), 401);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/people/99999999/export", staff, NULL), 404);
    assert_true(hx_status(&S, "GET", "/api/v1/people/x1/export", staff, NULL) / 100 == 4);
    free(member_b);
    /* each export is audited */
    hx_resp r;
    assert_int_equal(hx_req(&S, "GET", "/api/v1/audit?object_type=person", staff, NULL, NULL, &r), 0);
    assert_non_null(strstr(r.body, "\"export\""));
    hx_free(&r);
}

static void test_staff_erase_a_person(void **st)
{
    char *member_b = hx_login(&S, DEMO_MEMBER_B);
    assert_non_null(member_b);
    int64_t id = hx_me_id(&S, member_b);
    char path[80], me[80];
    snprintf(path, sizeof path, "/api/v1/people/%lld/erase", (long long)id);
    const char *ok = "{\"confirm_email\":\"lab@biosense.example\"}";
    static const char *const BAD[] = { "{\"confirm_email\":\"lab@novacell.example\"}", "{\"confirm_email\":\"\"}", "{}",
                                       "{\"confirm_email\":7}", "{\"confirm_email\":\"lab@biosense.example\",\"x\":1}",
                                       "{\"confirm_email\":", "[]" };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        if (hx_status(&S, "POST", path, staff, BAD[i]) != 400) fail_msg("accepted: %s", BAD[i]);
    assert_int_equal(hx_status(&S, "POST", path, admin_a, ok), 403);
    assert_int_equal(hx_status(&S, "POST", path, member_b, ok), 403);
    assert_int_equal(hx_status(&S, "POST", path, NULL, ok), 401);
    assert_int_equal(hx_status(&S, "POST", "/api/v1/people/99999999/erase", staff, ok), 404);
    snprintf(me, sizeof me, "/api/v1/people/%lld/erase", (long long)hx_me_id(&S, staff));
    assert_int_equal(hx_status(&S, "POST", me, staff, "{\"confirm_email\":\"staff@medtechfactory.example\"}"), 422);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", member_b, NULL), 200);   /* nothing changed yet */
    hx_resp r;
    assert_int_equal(hx_req(&S, "POST", path, staff, ok, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char want[64];
    snprintf(want, sizeof want, "Erased person %lld", (long long)id);
    assert_string_equal(json_string_value(json_object_get(r.json, "pseudonym")), want);
    hx_free(&r);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/me", member_b, NULL), 401);   /* signed out for good */
    char again[100];
    snprintf(again, sizeof again, "{\"confirm_email\":\"erased-%lld@erased.invalid\"}", (long long)id);
    assert_int_equal(hx_status(&S, "POST", path, staff, again), 409);
    free(member_b);
}

static void test_the_ml1_register(void **st)
{
    int64_t lab = hx_resource_id(&S, staff, "ML-1 Lab A");
    int64_t bram = hx_me_id(&S, member_a);
    /* a door of the lab's group reports Bram twice and an alarm */
    hx_resp r;
    assert_int_equal(hx_req(&S, "POST", "/api/v1/doors", staff, "{\"name\":\"register-door\",\"group\":\"ml1-a\"}", NULL, &r), 0);
    assert_int_equal(r.status, 201);
    char path[120], key[128], body[600];
    snprintf(path, sizeof path, "/api/v1/doors/%lld/events",
             (long long)json_integer_value(json_object_get(json_object_get(r.json, "door"), "id")));
    snprintf(key, sizeof key, "%s", json_string_value(json_object_get(r.json, "api_key")));
    hx_free(&r);
    snprintf(body, sizeof body, "{\"events\":[{\"id\":\"g1\",\"time\":\"2026-02-26T09:00:00Z\",\"kind\":\"admission\","
             "\"person_id\":%lld},{\"id\":\"g2\",\"time\":\"2026-02-27T13:30:00Z\",\"kind\":\"admission\","
             "\"person_id\":%lld},{\"id\":\"g3\",\"time\":\"2026-02-27T14:00:00Z\",\"kind\":\"alarm\","
             "\"alarm\":\"forced_open\"}]}", (long long)bram, (long long)bram);
    assert_int_equal(hx_status(&S, "POST", path, key, body), 200);
    /* the lab's induction again, with the instructor staff name */
    hx_req(&S, "GET", "/api/v1/qualifications", staff, NULL, NULL, &r);
    int64_t cabinet = 0;
    size_t qi;
    json_t *qv;
    json_array_foreach(json_object_get(r.json, "qualifications"), qi, qv)
        if (!strcmp(json_string_value(json_object_get(qv, "name")), "ML-1 biosafety induction"))
            cabinet = json_integer_value(json_object_get(qv, "id"));
    hx_free(&r);
    assert_true(cabinet > 0);
    char gpath[80], gbody[400], long_name[202];
    snprintf(gpath, sizeof gpath, "/api/v1/qualifications/%lld/grants", (long long)cabinet);
    memset(long_name, 'a', 201);
    long_name[201] = '\0';
    snprintf(gbody, sizeof gbody, "{\"person_id\":%lld,\"instructed_by\":\"%s\"}", (long long)bram, long_name);
    assert_int_equal(hx_status(&S, "POST", gpath, staff, gbody), 400);
    snprintf(gbody, sizeof gbody, "{\"person_id\":%lld,\"instructed_by\":\"bad\\u0007bell\"}", (long long)bram);
    assert_int_equal(hx_status(&S, "POST", gpath, staff, gbody), 400);
    snprintf(gbody, sizeof gbody, "{\"person_id\":%lld,\"instructed_by\":\"Dr. Anna de Wit\"}", (long long)bram);
    assert_int_equal(hx_req(&S, "POST", gpath, staff, gbody, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "instructed_by")), "Dr. Anna de Wit");
    hx_free(&r);
    snprintf(path, sizeof path, "/api/v1/resources/%lld/register?from=2026-02-01T00:00:00Z&to=2026-03-02T08:00:00Z",
             (long long)lab);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *auth = json_object_get(r.json, "authorised"), *in = json_object_get(r.json, "present");
    assert_true(json_array_size(auth) >= 1);
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(auth, i, v) {
        json_t *tr = json_object_get(v, "trainings");
        assert_true(json_array_size(tr) >= 1);
        assert_true(strlen(json_string_value(json_object_get(json_array_get(tr, 0), "instructor"))) > 0);
        found |= json_integer_value(json_object_get(v, "person_id")) == bram;
    }
    assert_true(found);
    assert_non_null(strstr(r.body, "\"instructor\":\"Dr. Anna de Wit\""));
    assert_int_equal(json_array_size(in), 1);   /* alarms are no entries */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(in, 0), "entries")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(in, 0), "company")), "NovaCell Diagnostics B.V.");
    hx_free(&r);
    /* the CSV says the same */
    snprintf(path, sizeof path, "/api/v1/resources/%lld/register.csv?from=2026-02-01T00:00:00Z&to=2026-03-02T08:00:00Z",
             (long long)lab);
    assert_int_equal(hx_req(&S, "GET", path, staff, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(strncmp(r.body, "section,person,company,training,instructor", 42) == 0);
    assert_non_null(strstr(r.body, "\"entered\""));
    assert_non_null(strstr(r.body, "\"authorised\""));
    hx_free(&r);
    /* staff only; bad periods and resources */
    assert_int_equal(hx_status(&S, "GET", path, admin_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", path, member_a, NULL), 403);
    assert_int_equal(hx_status(&S, "GET", path, NULL, NULL), 401);
    static const char *const BAD[] = { "from=2026-03-02T00:00:00Z&to=2026-02-01T00:00:00Z", "from=2020-01-01T00:00:00Z",
                                       "from=yesterday", "to=", "from=2026-02-30T00:00:00Z" };
    for (size_t k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
        snprintf(path, sizeof path, "/api/v1/resources/%lld/register?%s", (long long)lab, BAD[k]);
        if (hx_status(&S, "GET", path, staff, NULL) != 400) fail_msg("accepted: %s", BAD[k]);
    }
    assert_int_equal(hx_status(&S, "GET", "/api/v1/resources/99999999/register", staff, NULL), 404);
    assert_int_equal(hx_status(&S, "GET", "/api/v1/resources/99999999/register.csv", staff, NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staff_read_and_set),
        cmocka_unit_test(test_bad_requests_change_nothing),
        cmocka_unit_test(test_a_person_gets_their_data),
        cmocka_unit_test(test_the_ml1_register),
        cmocka_unit_test(test_staff_erase_a_person),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
