/* test_cli_help.c: asking a program for help touches nothing. Every
 * labpassctl command listed by `labpassctl --help` is run with --help (and
 * -h) against a database path inside a folder that does not exist: each must
 * print its usage on standard output, exit 0, and leave no file or folder
 * behind. labpassd and labpass-door --help likewise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/lib/harness.h"

static char g_dir[] = "/tmp/lp-test-cli-XXXXXX";
static char g_db[128];

/* Runs argv with stdin from /dev/null; stdout into out[len]. Returns the exit status or -1. */
static int run(char *const argv[], char *out, size_t len)
{
    int fd[2];
    if (pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        FILE *in = freopen("/dev/null", "r", stdin);
        (void)in;
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t k;
    while ((k = read(fd[0], out + n, len - 1 - n)) > 0 && n + (size_t)k < len - 1) n += (size_t)k;
    if (k > 0) n += (size_t)k;
    out[n < len ? n : len - 1] = '\0';
    close(fd[0]);
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
