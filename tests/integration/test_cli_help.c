/* test_cli_help.c: asking a program for help touches nothing. Every
 * labpassctl command listed by `labpassctl --help` is run with --help (and
 * -h) against a database path inside a folder that does not exist: each must
 * print its usage on standard output, exit 0, and leave no file or folder
 * behind. labpassd and labpass-door --help likewise. labpassd's settings
 * file: --check-config prints the effective settings (flags over the
 * file) and names the line of an unknown key or a bad value; SIGHUP reads
 * the file again and applies the log level. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/lib/harness.h"

static char g_dir[] = "/tmp/lp-test-cli-XXXXXX";
static char g_db[128];

static int run(char *const argv[], char *out, size_t len) { return hx_run(argv, 0, NULL, out, len); }
static int run_both(char *const argv[], char *out, size_t len) { return hx_run(argv, HX_RUN_STDERR, NULL, out, len); }

static int nothing_created(void)
{
    struct stat sb;
    char sub[160];
    snprintf(sub, sizeof sub, "%s/var", g_dir);
    return stat(sub, &sb) != 0 && stat(g_db, &sb) != 0;
}

static void help_of(const char *group, const char *sub, const char *flag)
{
    char bin[256], out[8192];
    hx_bin("labpassctl", bin, sizeof bin);
    char *argv[8] = { bin, "--db", g_db, (char *)group, NULL, NULL, NULL, NULL };
    int i = 4;
    if (sub) argv[i++] = (char *)sub;
    argv[i] = (char *)flag;
    int rc = run(argv, out, sizeof out);
    if (rc != 0) fail_msg("labpassctl %s %s %s exited %d", group, sub ? sub : "", flag, rc);
    if (strncmp(out, "usage: labpassctl", 17) != 0)
        fail_msg("labpassctl %s %s %s printed no usage: %s", group, sub ? sub : "", flag, out);
    if (!nothing_created()) fail_msg("labpassctl %s %s %s created files", group, sub ? sub : "", flag);
}

static void test_every_ctl_command_help(void **st)
{
    (void)st;
    char bin[256], out[8192];
    hx_bin("labpassctl", bin, sizeof bin);
    char *argv[] = { bin, "--help", NULL };
    assert_int_equal(run(argv, out, sizeof out), 0);
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "  ", 2) != 0) continue;
        char group[32] = "", sub[32] = "";
        /* "  group          sub        help text" (sub may be blank) */
        if (sscanf(line, "%31s", group) != 1) continue;
        if (line[17] != ' ' && sscanf(line + 17, "%31s", sub) != 1) sub[0] = '\0';
        help_of(group, sub[0] ? sub : NULL, "--help");
        help_of(group, sub[0] ? sub : NULL, "-h");
        n++;
    }
    print_message("%d labpassctl commands print help without a database\n", n);
    assert_true(n >= 15);
}

static void test_daemons_help(void **st)
{
    (void)st;
    const char *names[] = { "labpassd", "labpass-door" };
    for (size_t i = 0; i < 2; i++) {
        char bin[256], out[8192];
        hx_bin(names[i], bin, sizeof bin);
        char *argv[] = { bin, "--help", NULL };
        assert_int_equal(run(argv, out, sizeof out), 0);
        assert_non_null(strstr(out, "usage:"));
        assert_true(nothing_created());
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_check_config(void **st)
{
    (void)st;
    char bin[256], out[8192], conf[200];
    hx_bin("labpassd", bin, sizeof bin);
    snprintf(conf, sizeof conf, "%s/labpassd.conf", g_dir);
    write_file(conf, "[labpassd]\n# served behind the proxy\nlisten = 127.0.0.1:9001\nmax_connections = 128\n"
                     "trusted_proxy = 10.0.0.1, ::1\nlog_level = warn\ndemo = yes\nwebhook_ca_file = /etc/labpass/hooks-ca.pem\n");
    char *ok[] = { bin, "--config", conf, "--check-config", "--max-connections", "64", "--webhook-interval", "7", NULL };
    assert_int_equal(run_both(ok, out, sizeof out), 0);
    assert_non_null(strstr(out, "listen = 127.0.0.1:9001\n"));
    assert_non_null(strstr(out, "max_connections = 64\n"));          /* the flag over the file */
    assert_non_null(strstr(out, "trusted_proxy = 10.0.0.1, ::1\n"));
    assert_non_null(strstr(out, "log_level = warn\n"));
    assert_non_null(strstr(out, "demo = yes\n"));
    assert_non_null(strstr(out, "webhook_interval = 7\n"));
    assert_non_null(strstr(out, "webhook_ca_file = /etc/labpass/hooks-ca.pem\n"));
    assert_true(nothing_created());
    static const struct { const char *text, *want; } BAD[] = {
        { "listen = 127.0.0.1:9001\nmax_conections = 5\n", ":2: max_conections: no such setting" },
        { "max_connections = 2\n", ":1: max_connections: \"2\" is not a valid value" },
        { "[server]\nlisten = 1.2.3.4:5\n", ":2: [server]: settings belong under [labpassd]" },
        { "just words\n", ":1: not a `key = value` line" },
        { "trusted_proxy = proxy.example\n", ":1: trusted_proxy:" },
        { "notify = smtp:mail.example\n", ":1: notify:" },
        { "webhook_interval = 0\n", ":1: webhook_interval: \"0\" is not a valid value" },
        { "demo = maybe\n", ":1: demo:" },
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        write_file(conf, BAD[i].text);
        char *argv[] = { bin, "--config", conf, "--check-config", NULL };
        assert_int_equal(run_both(argv, out, sizeof out), 2);
        if (!strstr(out, BAD[i].want)) fail_msg("%s: got %s", BAD[i].want, out);
    }
    char missing[220];
    snprintf(missing, sizeof missing, "%s/none.conf", g_dir);
    char *nofile[] = { bin, "--config", missing, "--check-config", NULL };
    assert_int_equal(run_both(nofile, out, sizeof out), 2);
    assert_non_null(strstr(out, "cannot open"));
    char *badflag[] = { bin, "--check-config", "--listen", "nope", NULL };
    assert_int_equal(run_both(badflag, out, sizeof out), 2);
    assert_non_null(strstr(out, "--listen"));
    assert_true(nothing_created());
}

/* True once path holds needle (within about 10 s). */
static int wait_for(const char *path, const char *needle)
{
    char buf[16384];
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[n] = '\0';
        if (strstr(buf, needle)) return 1;
        usleep(50000);
    }
    return 0;
}

/* The idle timeout the server at base reports to a signed-in staff member
 * (GET /api/v1/me/sessions), -1 when it cannot be read. */
static long long idle_of(const char *out_path)
{
    char buf[4096] = "";
    FILE *f = fopen(out_path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = '\0';
    hx_server s;
    memset(&s, 0, sizeof s);
    const char *at = strstr(buf, "labpassd listening on ");
    if (!at || sscanf(at, "labpassd listening on %63s", s.base) != 1) return -1;
    char *tok = hx_login(&s, DEMO_STAFF);
    hx_resp r;
    long long v = -1;
    if (tok && hx_req(&s, "GET", "/api/v1/me/sessions", tok, NULL, NULL, &r) == 0) {
        if (r.status == 200) v = (long long)json_integer_value(json_object_get(r.json, "idle_timeout"));
        hx_free(&r);
    }
    free(tok);
    return v;
}

/* SIGHUP reads the file again: the log level applies at once, settings
 * that need a restart are named, session_idle applies at once when the file
 * changed it (a --session-idle flag holds until then), and a bad file
 * changes nothing. */
static void test_sighup_reloads(void **st)
{
    (void)st;
    char bin[256], conf[200], db[200], outp[200], errp[200];
    hx_bin("labpassd", bin, sizeof bin);
    snprintf(conf, sizeof conf, "%s/reload.conf", g_dir);
    snprintf(db, sizeof db, "%s/reload.db", g_dir);
    snprintf(outp, sizeof outp, "%s/reload.out", g_dir);
    snprintf(errp, sizeof errp, "%s/reload.err", g_dir);
    write_file(conf, "listen = 127.0.0.1:0\nlog_level = info\ndemo = yes\n");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(outp, "w", stdout) || !freopen(errp, "w", stderr)) _exit(127);
        execl(bin, bin, "--config", conf, "--db", db, "--session-idle", "600", NULL);
        _exit(127);
    }
    int up = wait_for(outp, "labpassd listening on");
    long long idle_start = up ? idle_of(outp) : -1;
    write_file(conf, "listen = 127.0.0.1:0\nlog_level = warn\ndemo = yes\nmax_connections = 100\n");
    if (up) kill(pid, SIGHUP);
    int reloaded = up && wait_for(errp, "SIGHUP: ");
    int told = reloaded && wait_for(errp, "other changed settings apply at the next start");
    long long idle_kept = told ? idle_of(outp) : -1;
    write_file(conf, "listen = 127.0.0.1:0\nlog_level = warn\ndemo = yes\nmax_connections = 100\nsession_idle = 120\n");
    if (up) kill(pid, SIGHUP);
    int idle_told = up && wait_for(errp, "SIGHUP: session_idle = 120");
    long long idle_new = idle_told ? idle_of(outp) : -1;
    write_file(conf, "log_level = loud\n");
    if (up) kill(pid, SIGHUP);
    int refused = up && wait_for(errp, "nothing changed");
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(up);
    assert_true(reloaded);
    assert_true(wait_for(errp, "log_level = warn"));
    assert_true(told);
    assert_int_equal(idle_start, 600);
    assert_int_equal(idle_kept, 600);
    assert_true(idle_told);
    assert_int_equal(idle_new, 120);
    assert_true(refused);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int setup(void **st)
{
    (void)st;
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_db, sizeof g_db, "%s/var/no/such/labpass.db", g_dir);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ctl_command_help),
        cmocka_unit_test(test_daemons_help),
        cmocka_unit_test(test_check_config),
        cmocka_unit_test(test_sighup_reloads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
