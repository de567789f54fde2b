/* smtpsink.c: see smtpsink.h. */
#include "tests/lib/smtpsink.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SINK_PY "/usr/bin/python3"
#define SINK_SCRIPT "tests/tools/smtp_sink.py"

static int read_port(const char *dir)
{
    char path[192];
    snprintf(path, sizeof path, "%s/port", dir);
    FILE *f = fopen(path, "r");
    int port = 0;
    if (!f) return 0;
    if (fscanf(f, "%d", &port) != 1) port = 0;
    fclose(f);
    return port;
}

int ss_start(ss_sink *s, int port, const char *const *extra)
{
    char portarg[16], path[192];
    if (!s->dir[0]) {
        snprintf(s->dir, sizeof s->dir, "/tmp/labpass-sink-XXXXXX");
        if (!mkdtemp(s->dir)) { s->dir[0] = '\0'; return -1; }
    }
    snprintf(path, sizeof path, "%s/port", s->dir);
    unlink(path);
    snprintf(portarg, sizeof portarg, "%d", port);
    const char *argv[24] = { SINK_PY, SINK_SCRIPT, "--dir", s->dir, "--port", portarg };
    size_t n = 6;
    for (size_t i = 0; extra && extra[i] && n < 23; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid < 0) return -1;
    if (s->pid == 0) {
        execv(SINK_PY, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        int st;
        if ((s->port = read_port(s->dir)) > 0) return 0;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) break;
        usleep(20000);
    }
    fprintf(stderr, "smtpsink: the sink did not start (is python3-aiosmtpd installed?)\n");
    ss_stop(s);
    return -1;
}

void ss_stop(ss_sink *s)
{
    if (s->pid <= 0) return;
    int st = 0;
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 300 && waitpid(s->pid, &st, WNOHANG) == 0; i++) usleep(10000);
    if (waitpid(s->pid, &st, WNOHANG) == 0) { kill(s->pid, SIGKILL); waitpid(s->pid, &st, 0); }
    s->pid = 0;
}

void ss_cleanup(ss_sink *s)
{
    ss_stop(s);
    if (s->dir[0] && !getenv("LABPASS_KEEP_TEST_DIRS")) {
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0) fprintf(stderr, "smtpsink: could not remove %s\n", s->dir);
    }
    s->dir[0] = '\0';
}

void ss_mode(ss_sink *s, const char *mode)
{
    char path[192], tmp[200];
    snprintf(path, sizeof path, "%s/mode", s->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    fprintf(f, "%s\n", mode);
    fclose(f);
    rename(tmp, path);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    fclose(f);
    if (!p) return NULL;
    p[n] = '\0';
    if (len) *len = (size_t)n;
    return p;
}

int ss_count(ss_sink *s)
{
    char path[192];
    struct stat st;
    int n = 0;
    for (;; n++) {
        snprintf(path, sizeof path, "%s/msg-%d.eml", s->dir, n + 1);
        if (stat(path, &st) != 0) return n;
    }
}

int ss_wait(ss_sink *s, int n, int ms)
{
    for (int i = 0; i <= ms / 20; i++) {
        if (ss_count(s) >= n) return 0;
        usleep(20000);
    }
    return -1;
}

char *ss_raw(ss_sink *s, int n, size_t *len)
{
    char path[192];
    snprintf(path, sizeof path, "%s/msg-%d.eml", s->dir, n);
    return slurp(path, len);
}

json_t *ss_meta(ss_sink *s, int n)
{
    char path[192];
    snprintf(path, sizeof path, "%s/msg-%d.json", s->dir, n);
    return json_load_file(path, 0, NULL);
}

int ss_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &al) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}
