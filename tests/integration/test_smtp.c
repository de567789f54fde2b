/* test_smtp.c: the SMTP sender against a real SMTP server on 127.0.0.1
 * (tests/tools/smtp_sink.py through tests/lib/smtpsink.c). labpassd runs
 * with notify = smtp on the injected clock; what arrives is compared byte
 * for byte with the message built from the outbox row, the Date on the
 * suite's clock, the subject and parts as Python's e-mail parser reads
 * them. A server that is down or refuses leaves the message pending with
 * its attempts and last_error in GET /api/v1/outbox until the backoff has
 * passed on the injected clock; a 5xx to the recipient fails it for good.
 * STARTTLS with AUTH, smtps, a certificate that is not trusted, a wrong
 * password, a server without STARTTLS, libcurl's dot-stuffing and the
 * settings checks of --check-config (public_url and reminder_hours among
 * them) are covered too; without public_url the start logs one warning. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "api/mail.h"
#include "api/smtp.h"
#include "core/ltime.h"
#include "tests/lib/harness.h"
#include "tests/lib/mailbox.h"
#include "tests/lib/smtpsink.h"

#define FROM "labpass@medtechfactory.example"
#define QUAL "Biologische veiligheid \xE2\x80\x93 ML-1 \xC3\xA9\xC3\xA9n keer"

static char g_dir[128];   /* certificates and password files of the suite */
static ss_sink K, T;      /* the sinks of a test */
static hx_server S;       /* its labpassd */

/* After each test, passed or failed: every process it started is stopped. */
static int stop_all(void **st)
{
    int rc = S.pid > 0 ? hx_stop(&S) : 0;
    ss_cleanup(&K);
    ss_cleanup(&T);
    memset(&S, 0, sizeof S);
    return rc == 0 ? 0 : -1;
}

static int setup(void **st)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (lt_set_zone("Europe/Amsterdam") != 0) return -1;
    snprintf(g_dir, sizeof g_dir, "/tmp/labpass-smtp-XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/cert.pem "
             "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null", g_dir, g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **st)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *out, size_t len, const char *name) { snprintf(out, len, "%s/%s", g_dir, name); }

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

/* labpassd with notify = smtp towards url and more options (NULL-terminated). */
static void start_lpd(hx_server *s, const char *url, const char *const *more)
{
    const char *args[28] = { "--notify", "smtp", "--smtp-url", url, "--smtp-from", FROM, "--sweep-interval", "3600",
                             "--smtp-timeout", "10" };
    size_t n = 10;
    for (size_t i = 0; more && more[i] && n < 27; i++) args[n++] = more[i];
    args[n] = NULL;
    assert_int_equal(hx_start_args(s, 0, args), 0);
    /* The demo's autoclave calibration falls due within the reminder's reach:
     * its reminder to staff is taken as sent, so each test here counts only
     * the messages it makes. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(s->db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "UPDATE resource_log SET reminded_at = 0 WHERE kind = 'calibration'", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A tenant admin adds a new address: a setup_link message to it. */
static void add_member(hx_server *s, const char *admin, const char *email)
{
    char path[80], body[300];
    hx_resp r;
    hx_req(s, "GET", "/api/v1/me", admin, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    snprintf(path, sizeof path, "/api/v1/tenants/%lld/members",
             (long long)json_integer_value(json_object_get(r.json, "tenant_id")));
    hx_free(&r);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"Zee\xC3\xABn Tester\",\"role\":\"member\"}", email);
    assert_int_equal(hx_status(s, "POST", path, admin, body), 202);
}

static void run_outbox(hx_server *s, const char *staff)
{
    assert_int_equal(hx_status(s, "POST", "/api/v1/maintenance/run", staff, NULL), 200);
}

/* The newest outbox entry to recipient (GET /api/v1/outbox); caller decrefs. */
static json_t *outbox_entry(hx_server *s, const char *staff, const char *recipient)
{
    hx_resp r;
    hx_req(s, "GET", "/api/v1/outbox", staff, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *found = NULL, *m;
    size_t i;
    json_array_foreach(json_object_get(r.json, "messages"), i, m) {
        if (!found && !strcmp(json_string_value(json_object_get(m, "recipient")), recipient)) found = json_incref(m);
    }
    hx_free(&r);
    assert_non_null(found);
    return found;
}

static const char *jstr(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static int64_t jtime(json_t *o, const char *k)
{
    int64_t t = 0;
    const char *v = jstr(o, k);
    if (!v || lt_parse_rfc3339(v, &t) != 0) return -1;
    return t;
}

/* The message number (from 1) the sink got for rcpt, 0 when none. */
static int sink_find(ss_sink *k, const char *rcpt)
{
    for (int i = ss_count(k); i >= 1; i--) {
        json_t *m = ss_meta(k, i);
        const char *to = m ? json_string_value(json_array_get(json_object_get(m, "rcpt_tos"), 0)) : NULL;
        int hit = to && !strcmp(to, rcpt);
        json_decref(m);
        if (hit) return i;
    }
    return 0;
}

/* The text between after and the first stop after it, into out. */
static void between(const char *s, const char *after, char stop, char *out, size_t len)
{
    const char *p = strstr(s, after);
    assert_non_null(p);
    p += strlen(after);
    const char *e = strchr(p, stop);
    assert_non_null(e);
    assert_true((size_t)(e - p) < len);
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
}

static void strip_cr(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++)
        if (*p != '\r') *w++ = *p;
    *w = '\0';
}

/* The RFC 5322 date of t in Amsterdam, by strftime (C locale), not by api/mail.c. */
static void expect_date(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);   /* lt_set_zone set TZ */
    strftime(out, len, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* ---- what arrives --------------------------------------------------------- */

/* Checks message n of the sink against the outbox row of kind to rcpt: the
 * raw bytes equal the message built from the row (with the Message-ID and
 * boundary the server chose), the header values, and Python's reading. */
static void check_arrived(hx_server *s, ss_sink *k, const char *rcpt, const char *kind, int64_t outbox_id)
{
    char subject[300], body[3000], id[200], boundary[80], date[64], want[700];
    int n = sink_find(k, rcpt);
    assert_true(n > 0);
    assert_int_equal(mb_message(s, rcpt, kind, subject, sizeof subject, body, sizeof body), 0);
    size_t len = 0;
    char *raw = ss_raw(k, n, &len);
    assert_non_null(raw);
    assert_int_equal(strlen(raw), len);
    between(raw, "\r\nMessage-ID: <", '>', id, sizeof id);
    between(raw, "boundary=\"", '"', boundary, sizeof boundary);
    /* the header fields in their order, the Date on the injected clock */
    expect_date(hx_test_epoch(), date, sizeof date);
    snprintf(want, sizeof want, "Date: %s\r\nFrom: " FROM "\r\nTo: %s\r\nMessage-ID: <%s>\r\nSubject: ", date, rcpt, id);
    assert_memory_equal(raw, want, strlen(want));
    /* Message-ID: outbox id, creation time, 32 random hex digits, the sender's domain */
    char head[64], hex[64];
    snprintf(head, sizeof head, "%lld.%lld.", (long long)outbox_id, (long long)hx_test_epoch());
    assert_memory_equal(id, head, strlen(head));
    between(id + strlen(head), "", '@', hex, sizeof hex);
    assert_int_equal(strlen(hex), 32);
    assert_int_equal(strspn(hex, "0123456789abcdef"), 32);
    assert_string_equal(strchr(id, '@'), "@medtechfactory.example");
    /* byte for byte: what the builder makes of the row is what arrived */
    mail_msg m = { .from = FROM, .to = rcpt, .subject = subject, .text = body, .date = hx_test_epoch(),
                   .message_id = id, .boundary = boundary };
    char *built = NULL;
    size_t blen = 0;
    assert_int_equal(mail_build(&m, &built, &blen), 0);
    assert_int_equal(len, blen);
    assert_memory_equal(raw, built, len);
    free(built);
    free(raw);
    /* envelope, and an independent reading (Python's email package) */
    json_t *meta = ss_meta(k, n);
    assert_non_null(meta);
    assert_string_equal(jstr(meta, "mail_from"), FROM);
    assert_string_equal(jstr(meta, "helo"), "medtechfactory.example");
    json_t *p = json_object_get(meta, "parsed");
    assert_string_equal(jstr(p, "subject"), subject);
    assert_string_equal(jstr(p, "content_type"), "multipart/alternative");
    assert_int_equal(json_array_size(json_object_get(p, "defects")), 0);
    char text[3000];
    snprintf(text, sizeof text, "%s", jstr(json_object_get(p, "parts"), "text/plain"));
    strip_cr(text);
    assert_string_equal(text, body);
    const char *html = jstr(json_object_get(p, "parts"), "text/html");
    assert_non_null(html);
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    json_decref(meta);
}

/* A setup link and a training request with a non-ASCII name, sent in plain
 * text to a local MTA: every message arrives once, exactly as built. */
static void test_delivered_as_built(void **st)
{
    char url[64];
    assert_int_equal(ss_start(&K, 0, NULL), 0);
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", K.port);
    start_lpd(&S, url, (const char *const[]){ "--smtp-starttls", "no", NULL });
    char *staff = hx_login(&S, DEMO_STAFF), *admin = hx_login(&S, DEMO_ADMIN_A), *member = hx_login(&S, DEMO_MEMBER_A);
    add_member(&S, admin, "zeeen@novacell.example");
    char body[200];
    hx_resp r;
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"validity_days\":365}", QUAL);
    hx_req(&S, "POST", "/api/v1/qualifications", staff, body, NULL, &r);
    assert_int_equal(r.status, 201);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/qualifications/%lld/requests", (long long)jint(r.json, "id"));
    hx_free(&r);
    assert_int_equal(hx_status(&S, "POST", path, member, "{\"note\":\"Graag <snel> & \\\"veilig\\\"\"}"), 201);
    int staff_mails = mb_count(&S, "training_requested");
    assert_true(staff_mails >= 1);
    run_outbox(&S, staff);
    assert_int_equal(ss_wait(&K, 1 + staff_mails, 5000), 0);
    assert_int_equal(ss_count(&K), 1 + staff_mails);
    json_t *e = outbox_entry(&S, staff, "zeeen@novacell.example");
    assert_string_equal(jstr(e, "status"), "sent");
    assert_int_equal(jint(e, "attempts"), 1);
    assert_int_equal(jtime(e, "sent_at"), hx_test_epoch());
    assert_true(json_is_null(json_object_get(e, "next_attempt_at")));
    check_arrived(&S, &K, "zeeen@novacell.example", "setup_link", jint(e, "id"));
    json_decref(e);
    e = outbox_entry(&S, staff, "staff@medtechfactory.example");
    assert_string_equal(jstr(e, "subject"), "Training request: " QUAL);
    check_arrived(&S, &K, "staff@medtechfactory.example", "training_requested", jint(e, "id"));
    json_decref(e);
    /* the non-ASCII subject travels as encoded-words */
    char *raw = ss_raw(&K, sink_find(&K, "staff@medtechfactory.example"), NULL);
    assert_non_null(strstr(raw, "\r\nSubject: =?UTF-8?B?"));
    free(raw);
    run_outbox(&S, staff);   /* nothing is sent twice */
    assert_int_equal(ss_count(&K), 1 + staff_mails);
    /* without public_url the links stay relative, and the journal says so once */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(grep -c 'public_url is not set' '%s/stderr') -eq 1", S.dir);
    assert_int_equal(system(cmd), 0);
    free(staff); free(admin); free(member);
    assert_int_equal(hx_stop(&S), 0);
    ss_cleanup(&K);
}

/* Down, then refusing for now, then back: pending with the attempts,
 * last_error and next attempt visible, the backoff on the injected clock,
 * delivered once. A 5xx to one recipient fails that message only. */
/* The value of a metric without labels in /metrics, or -1. */
static long long metric(hx_server *s, const char *token, const char *name)
{
    hx_resp r;
    long long v = -1;
    char key[120];
    snprintf(key, sizeof key, "\n%s ", name);
    if (hx_req(s, "GET", "/metrics", token, NULL, NULL, &r) == 0 && r.body) {
        const char *p = strstr(r.body, key);
        if (p) v = atoll(p + strlen(key));
    }
    hx_free(&r);
    return v;
}

static void test_retries_until_delivered(void **st)
{
    char url[64];
    int port = ss_free_port();
    int64_t t0 = hx_test_epoch();
    assert_true(port > 0);
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    start_lpd(&S, url, (const char *const[]){ "--smtp-starttls", "no", NULL });
    char *staff = hx_login(&S, DEMO_STAFF), *admin = hx_login(&S, DEMO_ADMIN_A);
    add_member(&S, admin, "first@novacell.example");
    add_member(&S, admin, "second@novacell.example");
    /* nobody listens: one attempt, then the round stops */
    run_outbox(&S, staff);
    json_t *a = outbox_entry(&S, staff, "first@novacell.example"), *b = outbox_entry(&S, staff, "second@novacell.example");
    assert_string_equal(jstr(a, "status"), "pending");
    assert_int_equal(jint(a, "attempts"), 1);
    assert_true(strlen(jstr(a, "last_error")) > 0);
    assert_int_equal(jtime(a, "next_attempt_at"), t0 + 60);
    assert_true(json_is_null(json_object_get(a, "sent_at")));
    assert_int_equal(jint(b, "attempts"), 0);
    assert_int_equal(jtime(b, "next_attempt_at"), t0);
    json_decref(a); json_decref(b);
    run_outbox(&S, staff);   /* the second is due, the first is not */
    run_outbox(&S, staff);
    a = outbox_entry(&S, staff, "first@novacell.example");
    b = outbox_entry(&S, staff, "second@novacell.example");
    assert_int_equal(jint(a, "attempts"), 1);
    assert_int_equal(jint(b, "attempts"), 1);
    json_decref(a); json_decref(b);
    /* the server is back but refuses for now (451) */
    assert_int_equal(ss_start(&K, port, NULL), 0);
    ss_mode(&K, "451");
    hx_set_clock(&S, t0 + 60);
    run_outbox(&S, staff);
    a = outbox_entry(&S, staff, "first@novacell.example");
    assert_string_equal(jstr(a, "status"), "pending");
    assert_int_equal(jint(a, "attempts"), 2);
    assert_non_null(strstr(jstr(a, "last_error"), "451"));
    assert_int_equal(jtime(a, "next_attempt_at"), t0 + 60 + 120);
    json_decref(a);
    /* what the alert on failing e-mail reads */
    assert_true(metric(&S, staff, "labpass_outbox_pending") >= 2);
    assert_true(metric(&S, staff, "labpass_outbox_oldest_pending_age_seconds") >= 60);
    long long failed_before = metric(&S, staff, "labpass_outbox_failed_total");
    assert_true(failed_before >= 0);
    assert_int_equal(ss_count(&K), 0);
    /* accepting again, but not the second address (550: refused for good) */
    ss_mode(&K, "550 second@novacell.example");
    hx_set_clock(&S, t0 + 180);
    run_outbox(&S, staff);
    assert_int_equal(ss_wait(&K, 1, 5000), 0);
    a = outbox_entry(&S, staff, "first@novacell.example");
    b = outbox_entry(&S, staff, "second@novacell.example");
    assert_string_equal(jstr(a, "status"), "sent");
    assert_int_equal(jint(a, "attempts"), 3);
    assert_string_equal(jstr(a, "last_error"), "");
    assert_int_equal(jtime(a, "sent_at"), t0 + 180);
    assert_string_equal(jstr(b, "status"), "failed");
    assert_int_equal(jint(b, "attempts"), 3);
    assert_non_null(strstr(jstr(b, "last_error"), "550"));
    assert_true(json_is_null(json_object_get(b, "next_attempt_at")));
    json_decref(a); json_decref(b);
    assert_int_equal(metric(&S, staff, "labpass_outbox_failed_total"), failed_before + 1);
    /* a day later nothing more is tried or sent */
    ss_mode(&K, "");
    hx_set_clock(&S, t0 + 86400);
    free(staff);
    staff = hx_login(&S, DEMO_STAFF);   /* the sign-in of a day ago has ended */
    run_outbox(&S, staff);
    b = outbox_entry(&S, staff, "second@novacell.example");
    assert_int_equal(jint(b, "attempts"), 3);
    json_decref(b);
    assert_int_equal(ss_count(&K), 1);
    assert_int_equal(sink_find(&K, "first@novacell.example"), 1);
    free(staff); free(admin);
    assert_int_equal(hx_stop(&S), 0);
    ss_cleanup(&K);
}

/* STARTTLS required, AUTH, a private CA: delivered over TLS as the user;
 * the password is in no log and no printout. */
static void test_starttls_auth(void **st)
{
    char url[64], cert[192], key[192], pw[192];
    path_in(cert, sizeof cert, "cert.pem");
    path_in(key, sizeof key, "key.pem");
    path_in(pw, sizeof pw, "password");
    write_file(pw, "s3cret-Pa55word\n");
    assert_int_equal(ss_start(&K, 0, (const char *const[]){ "--tls", cert, key, "--auth", "labpass:s3cret-Pa55word", NULL }), 0);
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", K.port);
    start_lpd(&S, url, (const char *const[]){ "--smtp-ca-file", cert, "--smtp-user", "labpass", "--smtp-password-file",
                                               pw, "--log-level", "debug", NULL });
    char *staff = hx_login(&S, DEMO_STAFF), *admin = hx_login(&S, DEMO_ADMIN_A);
    add_member(&S, admin, "tls@novacell.example");
    run_outbox(&S, staff);
    assert_int_equal(ss_wait(&K, 1, 5000), 0);
    json_t *meta = ss_meta(&K, 1);
    assert_true(json_is_true(json_object_get(meta, "tls")));
    assert_string_equal(jstr(meta, "auth"), "labpass");
    json_decref(meta);
    json_t *e = outbox_entry(&S, staff, "tls@novacell.example");
    assert_string_equal(jstr(e, "status"), "sent");
    check_arrived(&S, &K, "tls@novacell.example", "setup_link", jint(e, "id"));
    json_decref(e);
    free(staff); free(admin);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "grep -q 's3cret-Pa55word' '%s/stderr' '%s/stdout'", S.dir, S.dir);
    assert_int_not_equal(system(cmd), 0);
    assert_int_equal(hx_stop(&S), 0);
    ss_cleanup(&K);
}

/* smtps (TLS from the first byte, port 465 style). */
static void test_smtps(void **st)
{
    char url[64], cert[192], key[192];
    path_in(cert, sizeof cert, "cert.pem");
    path_in(key, sizeof key, "key.pem");
    assert_int_equal(ss_start(&K, 0, (const char *const[]){ "--tls", cert, key, "--smtps", NULL }), 0);
    snprintf(url, sizeof url, "smtps://127.0.0.1:%d", K.port);
    start_lpd(&S, url, (const char *const[]){ "--smtp-ca-file", cert, NULL });
    char *staff = hx_login(&S, DEMO_STAFF), *admin = hx_login(&S, DEMO_ADMIN_A);
    add_member(&S, admin, "smtps@novacell.example");
    run_outbox(&S, staff);
    assert_int_equal(ss_wait(&K, 1, 5000), 0);
    json_t *meta = ss_meta(&K, 1);
    assert_true(json_is_true(json_object_get(meta, "tls")));
    json_decref(meta);
    free(staff); free(admin);
    assert_int_equal(hx_stop(&S), 0);
    ss_cleanup(&K);
}

/* ---- the client alone: what each refusal becomes --------------------------- */

static const char DOTS[] = "From: a@example.org\r\nTo: b@example.org\r\nSubject: dots\r\n\r\n.\r\n..two\r\n.three\r\n"
                           "last line\r\n";

static enum smtp_result send_to(const smtp_config *c, char *err, size_t len)
{
    return smtp_send(c, "b@example.org", DOTS, strlen(DOTS), err, len);
}

/* libcurl does the dot-stuffing: lines of dots arrive as written. */
static void test_client_dot_stuffing(void **st)
{
    smtp_config c = { .from = "a@example.org", .timeout = 10, .starttls = 0 };
    char err[200];
    assert_int_equal(ss_start(&K, 0, NULL), 0);
    snprintf(c.url, sizeof c.url, "smtp://127.0.0.1:%d", K.port);
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_SENT);
    assert_int_equal(ss_wait(&K, 1, 5000), 0);
    size_t len = 0;
    char *raw = ss_raw(&K, 1, &len);
    assert_int_equal(len, strlen(DOTS));
    assert_memory_equal(raw, DOTS, len);
    free(raw);
    ss_cleanup(&K);
}

static void test_client_results(void **st)
{
    smtp_config c = { .from = "a@example.org", .timeout = 10, .starttls = 0 };
    char err[200], cert[192], key[192];
    assert_int_equal(ss_start(&K, 0, NULL), 0);
    snprintf(c.url, sizeof c.url, "smtp://127.0.0.1:%d", K.port);
    ss_mode(&K, "451");
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_LATER);
    assert_non_null(strstr(err, "451"));
    ss_mode(&K, "550 b@example.org");
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_REFUSED);
    assert_non_null(strstr(err, "550"));
    /* STARTTLS required and not offered: nothing goes out in plain text */
    ss_mode(&K, "");
    c.starttls = 1;
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_DOWN);
    assert_non_null(strstr(err, "STARTTLS"));
    assert_int_equal(ss_count(&K), 0);
    int port = K.port;
    ss_cleanup(&K);
    snprintf(c.url, sizeof c.url, "smtp://127.0.0.1:%d", port);
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_DOWN);   /* nobody listens */
    /* TLS: an untrusted certificate, then a wrong password */
    path_in(cert, sizeof cert, "cert.pem");
    path_in(key, sizeof key, "key.pem");
    assert_int_equal(ss_start(&T, 0, (const char *const[]){ "--tls", cert, key, "--auth", "u:right", NULL }), 0);
    snprintf(c.url, sizeof c.url, "smtp://127.0.0.1:%d", T.port);
    snprintf(c.user, sizeof c.user, "u");
    snprintf(c.password, sizeof c.password, "wrong");
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_DOWN);
    assert_non_null(strstr(err, "certificate"));
    snprintf(c.ca_file, sizeof c.ca_file, "%s", cert);
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_DOWN);
    if (!strstr(err, "535")) fail_msg("no 535 in: %s", err);
    assert_null(strstr(err, "wrong"));
    snprintf(c.password, sizeof c.password, "right");
    assert_int_equal(send_to(&c, err, sizeof err), SMTP_SENT);
    assert_int_equal(ss_count(&T), 1);
    ss_cleanup(&T);
}

/* ---- settings ------------------------------------------------------------ */

/* labpassd --check-config --config FILE: the exit code; its output in out. */
static int check_config(const char *text, char *out, size_t len)
{
    char conf[192], bin[256], cmd[700];
    path_in(conf, sizeof conf, "labpassd.conf");
    write_file(conf, text);
    snprintf(cmd, sizeof cmd, "%s --check-config --config %s 2>&1", hx_bin("labpassd", bin, sizeof bin), conf);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_check_config(void **st)
{
    char out[4000], pw[192], text[800];
    path_in(pw, sizeof pw, "password");
    write_file(pw, "not-shown-anywhere\n");
    struct { const char *conf, *says; } bad[] = {
        { "notify = smtp\nsmtp_from = labpass@mtf.example\n", "notify = smtp needs smtp_url" },
        { "notify = smtp\nsmtp_url = smtps://mail.mtf.example\n", "notify = smtp needs smtp_from" },
        { "notify = log\nsmtp_url = http://mail.mtf.example\n", "labpassd.conf:2: smtp_url" },
        { "smtp_url = smtp://user@mail.mtf.example:587\n", "labpassd.conf:1: smtp_url" },
        { "smtp_url = smtp://mail.mtf.example:0\n", "labpassd.conf:1: smtp_url" },
        { "\nsmtp_from = Lab <labpass@mtf.example>\n", "labpassd.conf:2: smtp_from" },
        { "smtp_from = labpass@mtf.example/x\n", "labpassd.conf:1: smtp_from" },
        { "smtp_timeout = 0\n", "labpassd.conf:1: smtp_timeout" },
        { "smtp_password_file = /nonexistent/labpass-password\n", "labpassd.conf:1: smtp_password_file" },
        { "smtp_ca_file = /nonexistent/ca.pem\n", "labpassd.conf:1: smtp_ca_file" },
        { "smtp_user = labpass\n", "smtp_user and smtp_password_file go together" },
        { "notify = smtp\nsmtp_url = smtp://mail.mtf.example:25\nsmtp_starttls = no\nsmtp_from = a@mtf.example\n",
          "plain SMTP" },
        { "public_url = http://labpass.example.org\n", "labpassd.conf:1: public_url" },
        { "\npublic_url = labpass.example.org\n", "labpassd.conf:2: public_url" },
        { "public_url = https://labpass.example.org/?x=1\n", "labpassd.conf:1: public_url" },
        { "public_url = https://\n", "labpassd.conf:1: public_url" },
        { "public_url = ftp://labpass.example.org\n", "labpassd.conf:1: public_url" },
        { "reminder_hours = -1\n", "labpassd.conf:1: reminder_hours" },
        { "reminder_hours = 1000\n", "labpassd.conf:1: reminder_hours" },
        { "reminder_hours = 2h\n", "labpassd.conf:1: reminder_hours" },
        { "calibration_days = -1\n", "labpassd.conf:1: calibration_days" },
        { "calibration_days = 91\n", "labpassd.conf:1: calibration_days" },
        { "\ncalibration_days = 2w\n", "labpassd.conf:2: calibration_days" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(check_config(bad[i].conf, out, sizeof out), 2);
        if (!strstr(out, bad[i].says)) fail_msg("case %zu: \"%s\" not in: %s", i, bad[i].says, out);
    }
    snprintf(text, sizeof text, "notify = smtp\nsmtp_url = smtps://mail.mtf.example:465\nsmtp_from = labpass@mtf.example\n"
             "smtp_user = labpass\nsmtp_password_file = %s\nsmtp_timeout = 20\n", pw);
    assert_int_equal(check_config(text, out, sizeof out), 0);
    assert_non_null(strstr(out, "notify = smtp\n"));
    assert_non_null(strstr(out, "smtp_url = smtps://mail.mtf.example:465\n"));
    assert_non_null(strstr(out, "smtp_starttls = yes\n"));
    assert_non_null(strstr(out, "smtp_timeout = 20\n"));
    assert_non_null(strstr(out, "public_url = \n"));
    assert_non_null(strstr(out, "reminder_hours = 24\n"));
    assert_non_null(strstr(out, "calibration_days = 14\n"));
    assert_null(strstr(out, "not-shown-anywhere"));
    /* the public address of the web app, and reminders off */
    assert_int_equal(check_config("public_url = https://labpass.example.org/lab\nreminder_hours = 0\n", out, sizeof out), 0);
    assert_non_null(strstr(out, "public_url = https://labpass.example.org/lab\n"));
    assert_non_null(strstr(out, "reminder_hours = 0\n"));
    assert_int_equal(check_config("public_url = http://localhost:8080\n", out, sizeof out), 0);
    /* the password file's content is checked, and who may read it */
    char empty[192], open_pw[192];
    path_in(empty, sizeof empty, "empty-password");
    write_file(empty, "\n");
    snprintf(text, sizeof text, "smtp_user = labpass\nsmtp_password_file = %s\n", empty);
    assert_int_equal(check_config(text, out, sizeof out), 2);
    assert_non_null(strstr(out, "one line"));
    path_in(open_pw, sizeof open_pw, "open-password");
    write_file(open_pw, "visible-to-all\n");
    chmod(open_pw, 0644);
    snprintf(text, sizeof text, "smtp_user = labpass\nsmtp_password_file = %s\n", open_pw);
    assert_int_equal(check_config(text, out, sizeof out), 2);
    assert_non_null(strstr(out, "other users"));
    assert_null(strstr(out, "visible-to-all"));
    assert_int_equal(check_config("notify = smtp\nsmtp_url = smtp://localhost:25\nsmtp_starttls = no\n"
                                  "smtp_from = labpass@localhost\n", out, sizeof out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_check_config, stop_all),
        cmocka_unit_test_teardown(test_client_dot_stuffing, stop_all),
        cmocka_unit_test_teardown(test_client_results, stop_all),
        cmocka_unit_test_teardown(test_delivered_as_built, stop_all),
        cmocka_unit_test_teardown(test_retries_until_delivered, stop_all),
        cmocka_unit_test_teardown(test_starttls_auth, stop_all),
        cmocka_unit_test_teardown(test_smtps, stop_all),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
