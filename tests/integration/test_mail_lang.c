/* test_mail_lang.c: e-mails people can use, through a real SMTP server on
 * 127.0.0.1 (tests/tools/smtp_sink.py). labpassd runs with notify = smtp,
 * public_url set and the injected clock at fixed dates. A Dutch-speaking
 * person gets a Dutch invitation with an absolute, clickable link; a
 * person's language is set through PATCH /api/v1/people/{id} and bad values
 * change nothing; a reminder arrives once 24 hours before a booking in the
 * booker's language, and none for a cancelled booking or one made too late;
 * an invoice run sends the tenant's billing address an e-mail in the
 * invoice's language whose attachment is, byte for byte, the UBL document
 * GET /api/v1/invoices/{id}/ubl gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ltime.h"
#include "tests/lib/harness.h"
#include "tests/lib/mailbox.h"
#include "tests/lib/smtpsink.h"

#define FROM "labpass@medtechfactory.example"
#define PUBLIC "https://labpass.example.org"

static ss_sink K;
static hx_server S;

static int64_t at(const char *s)
{
    int64_t t = 0;
    if (lt_parse_rfc3339(s, &t) != 0) fail_msg("bad time %s", s);
    return t;
}

static int stop_all(void **st)
{
    int rc = S.pid > 0 ? hx_stop(&S) : 0;
    ss_cleanup(&K);
    memset(&S, 0, sizeof S);
    return rc == 0 ? 0 : -1;
}

static int setup(void **st)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return lt_set_zone("Europe/Amsterdam") == 0 && sodium_init() >= 0 ? 0 : -1;
}

/* A sink and labpassd (notify = smtp, public_url) at clock start. */
static void start(const char *start_time)
{
    char url[64];
    assert_int_equal(ss_start(&K, 0, NULL), 0);
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", K.port);
    const char *args[] = { "--notify", "smtp", "--smtp-url", url, "--smtp-starttls", "no", "--smtp-from", FROM,
                           "--sweep-interval", "3600", "--public-url", PUBLIC "/", NULL };
    assert_int_equal(hx_start_args(&S, at(start_time), args), 0);
}

static const char *jstr(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* A request that must answer want; the parsed body (caller decrefs). */
static json_t *call(const char *method, const char *path, const char *tok, const char *body, long want)
{
    hx_resp r;
    if (hx_req(&S, method, path, tok, body, NULL, &r) != 0) fail_msg("%s %s: no answer", method, path);
    if (r.status != want) fail_msg("%s %s: %ld (wanted %ld) %.600s", method, path, r.status, want, r.body);
    json_t *j = json_incref(r.json);
    hx_free(&r);
    return j;
}

/* Runs the sweep, the reminders and the outbox; the reminders queued. */
static int64_t run(const char *staff)
{
    json_t *j = call("POST", "/api/v1/maintenance/run", staff, NULL, 200);
    int64_t n = jint(j, "reminders_queued");
    json_decref(j);
    return n;
}

/* The messages the sink got for rcpt, and the number of the newest (0: none). */
static int sink_for(const char *rcpt, int *newest)
{
    int count = 0;
    *newest = 0;
    for (int i = 1; i <= ss_count(&K); i++) {
        json_t *m = ss_meta(&K, i);
        const char *to = m ? json_string_value(json_array_get(json_object_get(m, "rcpt_tos"), 0)) : NULL;
        if (to && !strcmp(to, rcpt)) { count++; *newest = i; }
        json_decref(m);
    }
    return count;
}

/* The newest message to rcpt as Python's e-mail parser read it (caller decrefs). */
static json_t *arrived(const char *rcpt)
{
    int n = 0;
    assert_true(sink_for(rcpt, &n) > 0);
    json_t *meta = ss_meta(&K, n);
    assert_non_null(meta);
    json_t *p = json_incref(json_object_get(meta, "parsed"));
    json_decref(meta);
    assert_int_equal(json_array_size(json_object_get(p, "defects")), 0);
    return p;
}

/* A part's text with CRLF read as LF (the parser keeps the wire's line
 * ends); valid until the second call after. */
static const char *part(json_t *parsed, const char *type)
{
    static char buf[2][8000];
    static int which;
    const char *s = jstr(json_object_get(parsed, "parts"), type);
    assert_non_null(s);
    char *w = buf[which ^= 1];
    assert_true(strlen(s) < sizeof buf[0]);
    for (; *s; s++)
        if (*s != '\r') *w++ = *s;
    *w = '\0';
    return buf[which];
}

/* ---- language and links ------------------------------------------------------ */

static void test_dutch_invitation_absolute_link(void **st)
{
    start("2027-03-10T10:00:00+01:00");
    char *staff = hx_login(&S, DEMO_STAFF), *admin = hx_login(&S, DEMO_ADMIN_A), *member = hx_login(&S, DEMO_MEMBER_A);
    /* staff create a Dutch-speaking person of no tenant */
    json_t *p = call("POST", "/api/v1/people", staff,
                     "{\"email\":\"anouk@example.nl\",\"name\":\"Anouk de Vries\",\"language\":\"nl\"}", 201);
    assert_string_equal(jstr(p, "language"), "nl");
    int64_t anouk = jint(p, "id");
    json_decref(p);
    /* bad values: 400, and nothing changes */
    int64_t people = hx_count(&S, "people");
    assert_int_equal(hx_status(&S, "POST", "/api/v1/people", staff,
                               "{\"email\":\"de@example.de\",\"name\":\"De\",\"language\":\"de\"}"), 400);
    assert_int_equal(hx_count(&S, "people"), people);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/people/%lld", (long long)anouk);
    const char *bad[] = { "{\"language\":\"xx\"}", "{\"language\":\"NL\"}", "{\"language\":\"\"}", "{\"language\":7}",
                          "{\"language\":null}", "{\"language\":[\"en\"]}", "{\"language\":\"english\"}",
                          "{\"name\":\"Other\",\"language\":\"xx\"}" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hx_resp r;
        hx_req(&S, "PATCH", path, staff, bad[i], NULL, &r);
        if (r.status != 400) fail_msg("%s: %ld", bad[i], r.status);
        hx_free(&r);
    }
    p = call("GET", path, staff, NULL, 200);
    assert_string_equal(jstr(p, "language"), "nl");
    assert_string_equal(jstr(p, "name"), "Anouk de Vries");
    json_decref(p);
    /* a member sets their own language; /me shows it */
    json_t *me = call("GET", "/api/v1/me", member, NULL, 200);
    assert_string_equal(jstr(me, "language"), "en");
    snprintf(path, sizeof path, "/api/v1/people/%lld", (long long)jint(me, "id"));
    json_decref(me);
    json_decref(call("PATCH", path, member, "{\"language\":\"nl\"}", 200));
    me = call("GET", "/api/v1/me", member, NULL, 200);
    assert_string_equal(jstr(me, "language"), "nl");
    json_decref(me);
    /* the tenant admin invites her: a Dutch invitation with an absolute link */
    me = call("GET", "/api/v1/me", admin, NULL, 200);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/members", (long long)jint(me, "tenant_id"));
    json_decref(me);
    json_decref(call("POST", path, admin, "{\"email\":\"anouk@example.nl\",\"name\":\"Anouk\",\"role\":\"member\"}", 202));
    json_decref(call("POST", path, admin, "{\"email\":\"sam@example.com\",\"name\":\"Sam\",\"role\":\"member\"}", 202));
    run(staff);
    assert_int_equal(ss_wait(&K, 2, 5000), 0);
    char tok[128], want[300];
    assert_int_equal(mb_token(&S, "anouk@example.nl", "invitation", "lpinv_", tok, sizeof tok), 0);
    json_t *m = arrived("anouk@example.nl");
    assert_string_equal(jstr(m, "subject"), "Uitnodiging voor een huurder in labpass");
    const char *text = part(m, "text/plain");
    assert_non_null(strstr(text, "U bent uitgenodigd om in labpass lid te worden van "));
    assert_non_null(strstr(text, "als lid."));
    snprintf(want, sizeof want, "\n  " PUBLIC "/#/invitation?token=%s", tok);
    if (!strstr(text, want)) fail_msg("no absolute link in: %s", text);
    snprintf(want, sizeof want, "<a href=\"" PUBLIC "/#/invitation?token=%s\">", tok);
    if (!strstr(part(m, "text/html"), want)) fail_msg("no link in the HTML: %s", part(m, "text/html"));
    json_decref(m);
    /* a new address (English, the default): the setup link is absolute too */
    m = arrived("sam@example.com");
    assert_string_equal(jstr(m, "subject"), "Welcome to labpass: choose your password");
    assert_non_null(strstr(part(m, "text/plain"), "\n  " PUBLIC "/#/setup?token=lpsetup_"));
    json_decref(m);
    free(staff); free(admin); free(member);
}

/* ---- reminders ------------------------------------------------------------- */

static int64_t book(const char *tok, int64_t res, const char *start, const char *end)
{
    char body[300];
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\",\"title\":\"t\"}",
             (long long)res, start, end);
    json_t *j = call("POST", "/api/v1/reservations", tok, body, 201);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

static void test_reminder_once_before_booking(void **st)
{
    start("2027-03-10T10:00:00+01:00");
    const char *rcpt = "lab@novacell.example";
    char *staff = hx_login(&S, DEMO_STAFF), *member = hx_login(&S, DEMO_MEMBER_A);
    json_t *me = call("GET", "/api/v1/me", member, NULL, 200);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/people/%lld", (long long)jint(me, "id"));
    json_decref(me);
    json_decref(call("PATCH", path, member, "{\"language\":\"nl\"}", 200));
    json_t *r = call("POST", "/api/v1/resources", staff,
                     "{\"name\":\"Herinneringsbank\",\"kind\":\"equipment\",\"max_advance_days\":365}", 201);
    int64_t res = jint(r, "id");
    json_decref(r);
    int64_t kept = book(member, res, "2027-03-12T10:00:00+01:00", "2027-03-12T11:00:00+01:00");
    int64_t dropped = book(member, res, "2027-03-12T12:00:00+01:00", "2027-03-12T13:00:00+01:00");
    snprintf(path, sizeof path, "/api/v1/reservations/%lld/cancel", (long long)dropped);
    json_decref(call("POST", path, member, "{}", 200));
    int mine = 0, newest;
    /* a minute before the reminder time: nothing */
    hx_set_clock(&S, at("2027-03-11T09:59:00+01:00"));
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);
    run(staff);
    assert_int_equal(sink_for(rcpt, &newest), 0);
    assert_int_equal(mb_count(&S, "reservation_reminder") >= 0, 1);
    /* 24 hours before: one reminder, in Dutch, in the site's time */
    hx_set_clock(&S, at("2027-03-11T10:00:00+01:00"));
    assert_true(run(staff) >= 1);
    assert_int_equal(ss_wait(&K, 1, 5000), 0);
    mine = sink_for(rcpt, &newest);
    assert_int_equal(mine, 1);
    json_t *m = arrived(rcpt);
    assert_string_equal(jstr(m, "subject"), "Herinnering: Herinneringsbank op vrijdag 12 maart 2027 om 10:00");
    char want[200];
    snprintf(want, sizeof want, "op vrijdag 12 maart 2027 om 10:00 (reservering %lld)", (long long)kept);
    assert_non_null(strstr(part(m, "text/plain"), want));
    assert_non_null(strstr(part(m, "text/plain"), "\n  " PUBLIC "/#/reservations"));
    json_decref(m);
    /* a booking made after its reminder time gets none */
    hx_set_clock(&S, at("2027-03-11T10:30:00+01:00"));
    free(member);
    member = hx_login(&S, DEMO_MEMBER_A);
    book(member, res, "2027-03-12T09:00:00+01:00", "2027-03-12T09:30:00+01:00");
    /* moved to the next week, after its reminder: one more for the new time */
    snprintf(path, sizeof path, "/api/v1/reservations/%lld", (long long)kept);
    json_decref(call("PATCH", path, member, "{\"start\":\"2027-03-19T10:00:00+01:00\",\"end\":\"2027-03-19T11:00:00+01:00\"}", 200));
    run(staff);
    /* later runs: never twice, never for the cancelled one */
    hx_set_clock(&S, at("2027-03-12T08:00:00+01:00"));
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);
    run(staff);
    hx_set_clock(&S, at("2027-03-12T09:59:00+01:00"));
    run(staff);
    assert_int_equal(sink_for(rcpt, &newest), 1);
    hx_set_clock(&S, at("2027-03-18T10:00:00+01:00"));
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);
    run(staff);
    assert_int_equal(ss_wait(&K, 2, 5000), 0);
    assert_int_equal(sink_for(rcpt, &newest), 2);
    m = arrived(rcpt);
    assert_string_equal(jstr(m, "subject"), "Herinnering: Herinneringsbank op vrijdag 19 maart 2027 om 10:00");
    json_decref(m);
    run(staff);
    assert_int_equal(sink_for(rcpt, &newest), 2);
    char subject[300], body[3000];
    assert_int_equal(mb_message(&S, rcpt, "reservation_reminder", subject, sizeof subject, body, sizeof body), 0);
    snprintf(want, sizeof want, "(reservering %lld)", (long long)dropped);
    assert_null(strstr(body, want));
    free(staff); free(member);
}

/* ---- invoices ------------------------------------------------------------------ */

static void test_invoice_mail_with_ubl(void **st)
{
    start("2027-03-10T10:00:00+01:00");
    const char *rcpt = "finance@factuur.example";
    char *staff = hx_login(&S, DEMO_STAFF);
    json_t *t = call("POST", "/api/v1/tenants", staff,
                     "{\"name\":\"Factuur B.V.\",\"kvk_number\":\"40000001\",\"street\":\"Science Park 9\","
                     "\"postal_code\":\"7522 NB\",\"city\":\"Enschede\",\"billing_email\":\"finance@factuur.example\","
                     "\"language\":\"nl\"}", 201);
    int64_t tenant = jint(t, "id");
    json_decref(t);
    char body[300];
    snprintf(body, sizeof body, "{\"tenant_id\":%lld,\"amount_cents\":10000,\"description\":\"Pipetpunten\","
             "\"reason\":\"verbruik\",\"date\":\"2027-03-10\"}", (long long)tenant);
    json_decref(call("POST", "/api/v1/charges", staff, body, 201));
    hx_set_clock(&S, at("2027-04-01T09:00:00+02:00"));
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);
    json_t *runj = call("POST", "/api/v1/invoices/run", staff, "{\"period\":\"2027-03\"}", 200);
    int64_t inv = 0;
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(runj, "created"), i, v)
        if (jint(v, "tenant_id") == tenant) inv = jint(v, "id");
    json_decref(runj);
    assert_true(inv > 0);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/invoices/%lld", (long long)inv);
    json_t *invj = call("GET", path, staff, NULL, 200);
    char number[40];
    snprintf(number, sizeof number, "%s", jstr(invj, "number"));
    assert_int_equal(jint(invj, "payable_cents"), 12100);
    json_decref(invj);
    run(staff);
    int newest;
    assert_int_equal(ss_wait(&K, 1, 5000), 0);
    assert_int_equal(sink_for(rcpt, &newest), 1);
    json_t *m = arrived(rcpt);
    char want[200];
    assert_string_equal(jstr(m, "content_type"), "multipart/mixed");
    snprintf(want, sizeof want, "Factuur %s van ", number);
    assert_memory_equal(jstr(m, "subject"), want, strlen(want));
    const char *text = part(m, "text/plain");
    snprintf(want, sizeof want, "Bijgaand vindt u factuur %s over 1 maart 2027 \xe2\x80\x93 31 maart 2027.", number);
    if (!strstr(text, want)) fail_msg("not in the text: %s\n%s", want, text);
    if (!strstr(text, "\nTotaal: \xe2\x82\xac\xc2\xa0" "121,00\n")) fail_msg("no total in: %s", text);
    assert_non_null(strstr(text, "\nVervaldatum: "));
    assert_non_null(part(m, "text/html"));
    /* the attachment is the UBL document the API exports, byte for byte */
    json_t *atts = json_object_get(m, "attachments");
    assert_int_equal(json_array_size(atts), 1);
    json_t *a = json_array_get(atts, 0);
    snprintf(want, sizeof want, "invoice-%s.xml", number);
    assert_string_equal(jstr(a, "filename"), want);
    assert_string_equal(jstr(a, "content_type"), "application/xml");
    assert_int_equal(json_array_size(json_object_get(a, "defects")), 0);
    hx_resp u;
    snprintf(path, sizeof path, "/api/v1/invoices/%lld/ubl", (long long)inv);
    hx_req(&S, "GET", path, staff, NULL, NULL, &u);
    assert_int_equal(u.status, 200);
    assert_true(u.len > 500);
    size_t cap = sodium_base64_ENCODED_LEN(u.len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    assert_non_null(b64);
    sodium_bin2base64(b64, cap, (const unsigned char *)u.body, u.len, sodium_base64_VARIANT_ORIGINAL);
    assert_string_equal(jstr(a, "base64"), b64);
    free(b64);
    hx_free(&u);
    json_decref(m);
    /* the outbox names the message's kind; a second run sends nothing more */
    assert_true(mb_count(&S, "invoice") >= 1);
    run(staff);
    assert_int_equal(sink_for(rcpt, &newest), 1);
    free(staff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_dutch_invitation_absolute_link, stop_all),
        cmocka_unit_test_teardown(test_reminder_once_before_booking, stop_all),
        cmocka_unit_test_teardown(test_invoice_mail_with_ubl, stop_all),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
