/* doorproc.c: a labpass-door process under test (doorproc.h). */
#include "tests/lib/doorproc.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/lib/harness.h"

void dp_write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

void dp_set_clock(const char *clock_path, int64_t t)
{
    char tmp[300], text[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", clock_path);
    snprintf(text, sizeof text, "%lld\n", (long long)t);
    dp_write_file(tmp, text, 0600);
    assert_int_equal(rename(tmp, clock_path), 0);
}

pid_t dp_start(const char *cfg, const char *clock_path, const char *log)
{
    char bin[256];
    hx_bin("labpass-door", bin, sizeof bin);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fe = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fe >= 0) dup2(fe, 2);
        setenv("LABPASS_CLOCK_FILE", clock_path, 1);
        execl(bin, bin, "--config", cfg, (char *)NULL);
        _exit(127);
    }
    return pid;
}

int dp_stop(pid_t *pid)
{
    int st = 0;
    if (*pid <= 0) return 0;
    kill(*pid, SIGTERM);
    for (int i = 0; i < 500 && waitpid(*pid, &st, WNOHANG) == 0; i++) hx_nap_ms(10);
    if (waitpid(*pid, &st, WNOHANG) == 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, &st, 0);
    }
    *pid = 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int dp_count_lines(const char *path, const char *word)
{
    char line[512];
    int n = 0;
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) n += strstr(line, word) != NULL;
    if (f) fclose(f);
    return n;
}

int dp_last_line_has(const char *path, const char *word)
{
    char line[512], last[512] = "";
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) snprintf(last, sizeof last, "%s", line);
    if (f) fclose(f);
    return strstr(last, word) != NULL;
}

void dp_field_empty(emu_t *emu)
{
    emu_stats_t a, b;
    emu_present_none(emu);
    emu_get_stats(emu, &a);
    for (int i = 0; i < 250; i++) {
        emu_get_stats(emu, &b);
        if (b.lists >= a.lists + 2) return;
        hx_nap_ms(20);
    }
    fail_msg("the door did not go back to scanning");
}
