/* test_mailtext.c: the texts of messages (booking/mailtext) and how the
 * outbox and the reminders use them. Every kind renders in English and
 * Dutch with every placeholder filled; times are written in the site's zone
 * in the recipient's words; links are absolute with a public URL and stay
 * relative without; the outbox picks each recipient's language; a booking
 * gets its reminder once, and none when it was made too late, cancelled or
 * never confirmed. Runs on the fixed clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "booking/mailtext.h"
#include "booking/outbox.h"
#include "booking/remind.h"
#include "core/clock.h"
#include "core/ltime.h"
#include "tests/lib/tmpdb.h"

#define MON_0900 1796630400   /* Monday 2026-12-07 09:00 Europe/Amsterdam (08:00Z) */
#define SUN_1430 1814704200   /* Sunday 2027-07-04 14:30, summer time */
#define H 3600

static char g_path[128];
static db_t *db;

static int exec(const char *sql) { return sqlite3_exec(db_handle(db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1; }

static int setup(void **st)
{
    if (lt_set_zone("Europe/Amsterdam") != 0) return -1;
    clk_set_fixed(MON_0900 - 3 * 86400);
    if (tdb_make(g_path, sizeof g_path, "mailtext") != 0 || db_open(g_path, &db) != 0) return -1;
    return exec("INSERT INTO people(id, email, name, created_at, updated_at, language, is_staff) VALUES "
                "(1, 'en@x.example', 'En', 0, 0, 'en', 1), (2, 'nl@x.example', 'Nl', 0, 0, 'nl', 1), "
                "(3, 'off@x.example', 'Off', 0, 0, 'nl', 0);"
                "INSERT INTO tenants(id, name, created_at, updated_at) VALUES (1, 'Nova', 0, 0);"
                "INSERT INTO resources(id, kind, name, created_at, updated_at) VALUES (1, 'room', 'Cleanroom', 0, 0);");
}

static int teardown(void **st)
{
    db_close(db);
    tdb_remove(g_path);
    return 0;
}

static void test_time_words(void **st)
{
    char s[80];
    mt_format_time(MON_0900, MT_NL, s, sizeof s);
    assert_string_equal(s, "maandag 7 december 2026 om 09:00");
    mt_format_time(MON_0900, MT_EN, s, sizeof s);
    assert_string_equal(s, "Monday 7 December 2026 at 09:00");
    mt_format_time(SUN_1430, MT_NL, s, sizeof s);   /* summer time: +02:00 */
    assert_string_equal(s, "zondag 4 juli 2027 om 14:30");
}

static void test_languages(void **st)
{
    enum mt_lang l;
    assert_int_equal(mt_lang_parse("nl", &l), 0);
    assert_int_equal(l, MT_NL);
    assert_int_equal(mt_lang_parse("en", &l), 0);
    assert_int_equal(l, MT_EN);
    const char *bad[] = { "xx", "NL", "", "english", "n" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(mt_lang_parse(bad[i], &l), LP_ERR_INVALID);
    assert_int_equal(mt_lang_parse(NULL, &l), LP_ERR_INVALID);
    assert_string_equal(mt_lang_name(MT_NL), "nl");
}

static void test_invitation_links(void **st)
{
    char subject[MT_SUBJECT_MAX], body[MT_BODY_MAX];
    mt_args a = { .tenant = "Nova Cell", .role = "tenant_admin", .link = "/#/invitation?token=abc" };
    mt_set_public_url(NULL);
    assert_int_equal(mt_render(MT_INVITATION, MT_EN, &a, subject, body), 0);
    assert_string_equal(subject, "Invitation to join a tenant in labpass");
    assert_non_null(strstr(body, "join Nova Cell in labpass as an administrator."));
    assert_non_null(strstr(body, "\n\n  /#/invitation?token=abc\n\n"));
    mt_set_public_url("https://labpass.example.org/");   /* a trailing slash is dropped */
    assert_string_equal(mt_public_url(), "https://labpass.example.org");
    assert_int_equal(mt_render(MT_INVITATION, MT_NL, &a, subject, body), 0);
    assert_string_equal(subject, "Uitnodiging voor een huurder in labpass");
    assert_non_null(strstr(body, "lid te worden van Nova Cell als beheerder."));
    assert_non_null(strstr(body, "\n\n  https://labpass.example.org/#/invitation?token=abc\n\n"));
    a.role = "member";
    assert_int_equal(mt_render(MT_INVITATION, MT_NL, &a, subject, body), 0);
    assert_non_null(strstr(body, "als lid."));
    mt_set_public_url("");
}

/* Every kind, both languages: something to say, and no placeholder left. */
static void test_every_kind_both_languages(void **st)
{
    char subject[MT_SUBJECT_MAX], body[MT_BODY_MAX], en[MT_BODY_MAX];
    mt_args a = { .tenant = "T", .role = "member", .link = "/#/x", .reason = "R", .person = "P", .email = "e@x.example",
                  .what = "account", .note = "N", .resource = "Res", .number = "2026-0001", .period = "Per",
                  .total = "Tot", .due = "Due", .iban = "NL00", .seller = "S", .when = MON_0900, .count = 2, .id = 7,
                  .minutes = 15, .seconds = 60 };
    for (int k = 0; k < MT_KIND_COUNT; k++) {
        for (int alt = 0; alt < 2; alt++) {
            a.cancelled = alt;
            for (int l = 0; l < MT_LANG_COUNT; l++) {
                assert_int_equal(mt_render((enum mt_kind)k, (enum mt_lang)l, &a, subject, body), 0);
                if (strchr(subject, '{') || strchr(body, '{') || strchr(body, '}'))
                    fail_msg("%s/%s: a placeholder is left: %s", mt_kind_name((enum mt_kind)k), mt_lang_name((enum mt_lang)l), body);
                assert_true(strlen(subject) > 5 && strlen(body) > 20);
                if (l == MT_EN) memcpy(en, body, sizeof en);
                else if (strcmp(en, body) == 0) fail_msg("%s: the Dutch text is the English one", mt_kind_name((enum mt_kind)k));
            }
        }
        assert_true(strlen(mt_kind_name((enum mt_kind)k)) > 0 && strlen(mt_kind_name((enum mt_kind)k)) < 32);
    }
    assert_int_equal(mt_render(MT_KIND_COUNT, MT_EN, &a, subject, body), LP_ERR_INVALID);
    assert_int_equal(mt_render(MT_REMINDER, (enum mt_lang)2, &a, subject, body), LP_ERR_INVALID);
    /* a note only when there is one; the tenant notice says what happened to the bookings */
    a.note = "";
    assert_int_equal(mt_render(MT_TRAINING_REQUESTED, MT_NL, &a, subject, body), 0);
    assert_null(strstr(body, "Opmerking"));
    a.cancelled = 1;
    assert_int_equal(mt_render(MT_TENANT_SUSPENDED, MT_EN, &a, subject, body), 0);
    assert_non_null(strstr(body, "cancelled your bookings still ahead (2)"));
    assert_int_equal(mt_render(MT_REMINDER, MT_NL, &a, subject, body), 0);
    assert_string_equal(subject, "Herinnering: Res op maandag 7 december 2026 om 09:00");
}

static void test_long_values_are_cut(void **st)
{
    char subject[MT_SUBJECT_MAX], body[MT_BODY_MAX], big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mt_args a = { .what = big, .person = big, .email = "e@x.example" };
    assert_int_equal(mt_render(MT_TRAINING_REQUESTED, MT_EN, &a, subject, body), 0);
    assert_int_equal(strlen(subject), MT_SUBJECT_MAX - 1);
    assert_int_equal(strlen(body), MT_BODY_MAX - 1);
}

static void test_public_url_check(void **st)
{
    const char *good[] = { "https://labpass.example.org", "https://labpass.example.org/", "https://h.example:8443/lp",
                           "http://localhost:8080", "http://127.0.0.1:9000/", "http://localhost" };
    const char *bad[] = { "http://labpass.example.org", "ftp://x.example", "https://", "https:///x", "labpass.example.org",
                          "https://x.example/a b", "https://x.example/?q=1", "https://x.example/#/", "http://localhost.evil.example",
                          "https://x.example/\"><script>", "http://127.0.0.1@evil.example", "https://u@x.example", "" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!mt_public_url_ok(good[i])) fail_msg("refused %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (mt_public_url_ok(bad[i])) fail_msg("accepted %s", bad[i]);
}

/* The subjects queued for address, oldest first, joined by '|'. */
static void subjects_of(const char *email, char *out, size_t cap)
{
    obx_msg *m = NULL;
    size_t n = 0, len = 0;
    out[0] = '\0';
    assert_int_equal(obx_pending(db, clk_now() + 365 * 86400, 100, &m, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(m[i].recipient, email) == 0) len += (size_t)snprintf(out + len, cap - len, "%s|", m[i].subject);
    free(m);
}

static void test_outbox_language_per_recipient(void **st)
{
    char s[600];
    mt_args a = { .resource = "Cleanroom", .when = MON_0900, .id = 9 };
    assert_int_equal(obx_to_person(db, MT_RSV_APPROVED, 2, &a), 0);
    assert_int_equal(obx_to_person(db, MT_RSV_APPROVED, 1, &a), 0);
    assert_int_equal(obx_to_person(db, MT_RSV_APPROVED, 99, &a), 0);   /* no such person: nothing */
    mt_args t = { .person = "P", .email = "p@x.example", .what = "Gas" };
    assert_int_equal(obx_to_staff(db, MT_TRAINING_REQUESTED, &t), 0);
    subjects_of("nl@x.example", s, sizeof s);
    assert_string_equal(s, "Uw boeking is goedgekeurd|Trainingsverzoek: Gas|");
    subjects_of("en@x.example", s, sizeof s);
    assert_string_equal(s, "Your booking is approved|Training request: Gas|");
    subjects_of("off@x.example", s, sizeof s);   /* not staff */
    assert_string_equal(s, "");
    assert_int_equal(exec("DELETE FROM outbox"), 0);
}

static void booking(int id, int person, const char *status, int64_t start, int64_t created)
{
    char sql[400];
    snprintf(sql, sizeof sql, "INSERT INTO reservations(id, resource_id, person_id, tenant_id, booked_by, start, end, "
             "block_start, block_end, status, created_at, updated_at) VALUES (%d, 1, %d, 1, 'x', %lld, %lld, %lld, "
             "%lld, '%s', %lld, %lld)", id, person, (long long)start, (long long)start + H, (long long)start,
             (long long)start + H, status, (long long)created, (long long)created);
    assert_int_equal(exec(sql), 0);
}

static void test_reminders_once(void **st)
{
    char s[600];
    int q = -1;
    int64_t t0 = MON_0900 - 3 * 86400;
    booking(1, 2, "confirmed", MON_0900, t0);                 /* the one to remind (Dutch) */
    booking(2, 1, "cancelled", MON_0900, t0);                 /* cancelled: none */
    booking(3, 1, "requested", MON_0900, t0);                 /* not confirmed: none */
    booking(4, 1, "confirmed", MON_0900 + 2 * H, MON_0900 - 20 * H);   /* made after its reminder time */
    booking(5, 1, "confirmed", MON_0900 + 30 * H, t0);        /* later */
    assert_int_equal(rmd_run(db, MON_0900 - 24 * H - 1, 24 * H, &q), 0);   /* a second too early */
    assert_int_equal(q, 0);
    assert_int_equal(rmd_run(db, MON_0900 - 24 * H, 24 * H, &q), 0);
    assert_int_equal(q, 1);
    subjects_of("nl@x.example", s, sizeof s);
    assert_string_equal(s, "Herinnering: Cleanroom op maandag 7 december 2026 om 09:00|");
    assert_int_equal(rmd_run(db, MON_0900 - 1, 24 * H, &q), 0);   /* never twice */
    assert_int_equal(q, 0);
    assert_int_equal(rmd_run(db, MON_0900 + 6 * H, 24 * H, &q), 0);   /* the next one's time */
    assert_int_equal(q, 1);
    subjects_of("en@x.example", s, sizeof s);
    assert_string_equal(s, "Reminder: Cleanroom on Tuesday 8 December 2026 at 15:00|");
    assert_int_equal(rmd_run(db, MON_0900 + 6 * H, 0, &q), 0);   /* 0: off */
    assert_int_equal(q, 0);
    /* the body in the recipient's words, with the reservation and a link */
    obx_msg *m = NULL;
    size_t n = 0;
    assert_int_equal(obx_pending(db, clk_now() + 365 * 86400, 10, &m, &n), 0);
    assert_int_equal(n, 2);
    assert_non_null(strstr(m[0].body, "herinnering aan uw boeking van Cleanroom op maandag 7 december 2026 om 09:00 "
                                      "(reservering 1)"));
    assert_non_null(strstr(m[0].body, "  /#/reservations\n"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_words),
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_invitation_links),
        cmocka_unit_test(test_every_kind_both_languages),
        cmocka_unit_test(test_long_values_are_cut),
        cmocka_unit_test(test_public_url_check),
        cmocka_unit_test(test_outbox_language_per_recipient),
        cmocka_unit_test(test_reminders_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
