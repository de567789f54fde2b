/* notify.c: see notify.h. */
#include "api/notify.h"
#include "booking/outbox.h"
#include "core/log.h"
#include <curl/curl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum sender { SEND_LOG, SEND_COMMAND, SEND_WEBHOOK };
static enum sender g_kind = SEND_LOG;
static char g_target[512];

int notify_check(const char *spec)
{
    if (!spec || !strcmp(spec, "log")) return 0;
    if (!strncmp(spec, "command:", 8) && spec[8] == '/' && strlen(spec + 8) < sizeof g_target) return 0;
    if (!strncmp(spec, "webhook:", 8) && (!strncmp(spec + 8, "http://", 7) || !strncmp(spec + 8, "https://", 8)) &&
        strlen(spec + 8) < sizeof g_target)
        return 0;
    return LP_ERR_INVALID;
}

int notify_configure(const char *spec)
{
    if (!spec || !strcmp(spec, "log")) { g_kind = SEND_LOG; return 0; }
    if (!strncmp(spec, "command:", 8) && spec[8] == '/' && strlen(spec + 8) < sizeof g_target) {
        g_kind = SEND_COMMAND;
        snprintf(g_target, sizeof g_target, "%s", spec + 8);
        return 0;
    }
    if (!strncmp(spec, "webhook:", 8) && (!strncmp(spec + 8, "http://", 7) || !strncmp(spec + 8, "https://", 8)) &&
        strlen(spec + 8) < sizeof g_target) {
        g_kind = SEND_WEBHOOK;
        snprintf(g_target, sizeof g_target, "%s", spec + 8);
        return 0;
    }
    return LP_ERR_INVALID;
}

extern char **environ;

static int send_command(const obx_msg *m)
{
    int fds[2];
    if (pipe(fds) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    char *argv[] = { g_target, (char *)m->recipient, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, g_target, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc != 0) { close(fds[1]); return -1; }
    FILE *w = fdopen(fds[1], "w");
    if (w) {
        fprintf(w, "To: %s\r\nSubject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", m->recipient,
                m->subject, m->body);
        fclose(w);
    } else {
        close(fds[1]);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static size_t discard(char *p, size_t s, size_t n, void *u) { return s * n; }

static int send_webhook(const obx_msg *m)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)m->id, "kind", m->kind, "to", m->recipient,
                          "subject", m->subject, "body", m->body);
    char *txt = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    CURL *c = curl_easy_init();
    if (!c || !txt) { free(txt); if (c) curl_easy_cleanup(c); return -1; }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, g_target);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, txt);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    long code = 0;
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(txt);
    return rc == CURLE_OK && code >= 200 && code < 300 ? 0 : -1;
}

int notify_drain(db_t *db, int *sent)
{
    obx_msg *msgs = NULL;
    size_t n = 0;
    *sent = 0;
    int rc = obx_pending(db, 50, &msgs, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int ok = 0;
        switch (g_kind) {
        case SEND_LOG: log_info("notify", "message %lld (%s) to person's address queued as sent", (long long)msgs[i].id, msgs[i].kind); ok = 1; break;
        case SEND_COMMAND: ok = send_command(&msgs[i]) == 0; break;
        case SEND_WEBHOOK: ok = send_webhook(&msgs[i]) == 0; break;
        }
        rc = obx_mark(db, msgs[i].id, ok, ok ? NULL : "sender failed");
        *sent += ok;
    }
    free(msgs);
    return rc;
}
