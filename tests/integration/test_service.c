/* test_service.c: labpass as systemd services. The unit files of
 * packaging/systemd (with their program paths pointed at this build) pass
 * `systemd-analyze verify` without a single remark, and their exposure
 * (`systemd-analyze security --offline`) stays at the level the hardening
 * gives them. labpassd and labpass-door speak the notify protocol for real:
 * on a datagram socket standing in for systemd's NOTIFY_SOCKET they send
 * READY=1 once they serve (read cards), WATCHDOG=1 at least every half
 * WATCHDOG_USEC, and STOPPING=1 when asked to stop. Request log entries
 * carry their structured fields. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/lib/harness.h"

static char g_dir[] = "/tmp/lp-test-service-XXXXXX";

/* Runs argv (looked up in PATH); stdout and stderr into out. */
static int run(char *const argv[], char *out, size_t cap) { return hx_run(argv, HX_RUN_STDERR | HX_RUN_PATH, NULL, out, cap); }

/* packaging/systemd/NAME into g_dir/AS, program paths pointed at this build. */
static void stage_unit(const char *name, const char *as)
{
    char bin[PATH_MAX], src[300], dst[300], line[1024];
    if (!realpath(getenv("LABPASS_BIN") ? getenv("LABPASS_BIN") : "bin", bin)) fail_msg("no build folder");
    snprintf(src, sizeof src, "packaging/systemd/%s", name);
    snprintf(dst, sizeof dst, "%s/%s", g_dir, as);
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    assert_non_null(in);
    assert_non_null(out);
    while (fgets(line, sizeof line, in)) {
        const char *progs[] = { "/usr/sbin/", "/usr/bin/labpassctl" };
        char *p = NULL;
        size_t skip = 0;
        for (int i = 0; i < 2 && !p; i++)
            if ((p = strstr(line, progs[i])) != NULL) skip = i == 0 ? strlen(progs[0]) : strlen("/usr/bin/");
        if (p) fprintf(out, "%.*s%s/%s", (int)(p - line), line, bin, p + skip);
        else fputs(line, out);
    }
    fclose(in);
    fclose(out);
}

static void test_units_verify(void **state)
{
    (void)state;
    stage_unit("labpassd.service", "labpassd.service");
    stage_unit("labpass-door@.service", "labpass-door@lab-a.service");
    stage_unit("labpass-backup.service", "labpass-backup.service");
    stage_unit("labpass-backup.timer", "labpass-backup.timer");
    char p[4][300], out[8192];
    const char *names[] = { "labpassd.service", "labpass-door@lab-a.service", "labpass-backup.service", "labpass-backup.timer" };
    for (int i = 0; i < 4; i++) snprintf(p[i], sizeof p[i], "%s/%s", g_dir, names[i]);
    char *verify[] = { "systemd-analyze", "verify", "--man=no", p[0], p[1], p[2], p[3], NULL };
    int rc = run(verify, out, sizeof out);
    if (rc != 0 || out[0]) fail_msg("systemd-analyze verify: status %d:\n%s", rc, out);
    /* A unit with a mistake is caught the same way (the check can fail). */
    FILE *f = fopen(p[0], "a");
    fputs("NoSuchSetting=1\n", f);
    fclose(f);
    char *again[] = { "systemd-analyze", "verify", "--man=no", p[0], NULL };
    run(again, out, sizeof out);
    assert_non_null(strstr(out, "NoSuchSetting"));
    stage_unit("labpassd.service", "labpassd.service");
    /* Exposure 2.0 or better (systemd's scale: 0 safe .. 10 exposed). */
    for (int i = 0; i < 2; i++) {
        char *sec[] = { "systemd-analyze", "security", "--offline=true", "--threshold=20", p[i], NULL };
        rc = run(sec, out, sizeof out);
        if (rc != 0) fail_msg("%s: exposure over 2.0:\n%s", names[i], strstr(out, "Overall") ? strstr(out, "Overall") : out);
    }
}

/* A datagram socket standing in for systemd's notification socket. */
static int notify_socket(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Counts messages holding what, within ms; stops early at want. */
static int count_msgs(int fd, const char *what, int want, int ms, char *last, size_t cap)
{
    int n = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || n >= want) return n;
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, left) <= 0) continue;
        char buf[512];
        ssize_t k = recv(fd, buf, sizeof buf - 1, 0);
        if (k <= 0) continue;
        buf[k] = '\0';
        if (strstr(buf, what)) {
            n++;
            if (last) snprintf(last, cap, "%s", buf);
        }
    }
}

static void test_labpassd_notifies(void **state)
{
    (void)state;
    char sock[300], msg[512];
    snprintf(sock, sizeof sock, "%s/notify-d", g_dir);
    int fd = notify_socket(sock);
    setenv("NOTIFY_SOCKET", sock, 1);
    setenv("WATCHDOG_USEC", "400000", 1);
    hx_server s;
    int rc = hx_start(&s, 0);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    assert_int_equal(rc, 0);
    assert_int_equal(count_msgs(fd, "READY=1", 1, 5000, msg, sizeof msg), 1);
    char want[80];
    snprintf(want, sizeof want, "STATUS=serving on http://127.0.0.1:%d", s.port);
    assert_non_null(strstr(msg, want));
    /* Every half period (200 ms): at least 4 pings in 2 s, whatever the load. */
    assert_true(count_msgs(fd, "WATCHDOG=1", 4, 4000, NULL, 0) >= 4);
    kill(s.pid, SIGTERM);
    assert_int_equal(count_msgs(fd, "STOPPING=1", 1, 5000, NULL, 0), 1);
    int st = 0;
    waitpid(s.pid, &st, 0);
    s.pid = 0;
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    hx_stop(&s);
    close(fd);
}

/* Request log entries carry the request id (also the X-Request-Id header),
 * the route's pattern, the status and the duration; never the query string.
 * A JOURNAL_STREAM that is not this process's stderr leaves logging on it. */
static void test_request_log_fields(void **state)
{
    (void)state;
    setenv("JOURNAL_STREAM", "1:1", 1);
    hx_server s;
    int rc = hx_start(&s, 0);
    unsetenv("JOURNAL_STREAM");
    assert_int_equal(rc, 0);
    hx_resp r;
    assert_int_equal(hx_req(&s, "GET", "/api/v1/reservations/77?email=someone%40example.org", NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    const char *h = strcasestr(r.headers, "X-Request-Id: ");
    assert_non_null(h);
    char rid[17] = "";
    sscanf(h + 14, "%16[0-9a-f]", rid);
    assert_int_equal(strlen(rid), 16);
    hx_free(&r);
    char path[300], line[1024], want[200];
    snprintf(path, sizeof path, "%s/stderr", s.dir);
    snprintf(want, sizeof want, "REQUEST_ID=%s METHOD=GET ROUTE=/api/v1/reservations/{id} STATUS=401 DURATION_MS=", rid);
    int found = 0, leaked = 0;
    for (int i = 0; i < 100 && !found; i++) {
        FILE *f = fopen(path, "r");
        while (f && fgets(line, sizeof line, f)) {
            found |= strstr(line, want) != NULL;
            leaked |= strstr(line, "someone") != NULL;
        }
        if (f) fclose(f);
        if (!found) usleep(20000);
    }
    assert_true(found);
    assert_false(leaked);
    assert_int_equal(hx_stop(&s), 0);
}

static void test_door_notifies(void **state)
{
    (void)state;
    char sock[300], cfg[300], text[1024], bin[256];
    snprintf(sock, sizeof sock, "%s/notify-door", g_dir);
    snprintf(cfg, sizeof cfg, "%s/door.ini", g_dir);
    snprintf(text, sizeof text,
             "[door]\nid = 7\nname = svc-test\ngroups = ml1-a\nsite = mtf\nstate_db = %s/door.db\n"
             "[trust]\nsite_key = kfVWvtJjDyLpGtqYsrdfkjSEvaDelIPa6RHCC92nniw\n"
             "[reader]\nconnstring = pn532_uart:%s/no-such-tty\npoll_ms = 100\n"
             "[lock]\nbackend = log\nlog_file = %s/lock.log\n",
             g_dir, g_dir, g_dir);
    FILE *f = fopen(cfg, "w");
    fputs(text, f);
    fclose(f);
    int fd = notify_socket(sock);
    hx_bin("labpass-door", bin, sizeof bin);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        setenv("NOTIFY_SOCKET", sock, 1);
        setenv("WATCHDOG_USEC", "2000000", 1);
        execl(bin, bin, "--config", cfg, (char *)NULL);
        _exit(127);
    }
    /* Ready although the reader is missing: the controller runs and retries it. */
    assert_int_equal(count_msgs(fd, "READY=1", 1, 10000, NULL, 0), 1);
    assert_true(count_msgs(fd, "WATCHDOG=1", 2, 6000, NULL, 0) >= 2);
    kill(pid, SIGTERM);
    assert_int_equal(count_msgs(fd, "STOPPING=1", 1, 10000, NULL, 0), 1);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_verify),
        cmocka_unit_test(test_labpassd_notifies),
        cmocka_unit_test(test_request_log_fields),
        cmocka_unit_test(test_door_notifies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
