/* notify.c: see notify.h. */
#include "api/notify.h"
#include "api/mail.h"
#include "billing/billing.h"
#include "booking/outbox.h"
#include "core/clock.h"
#include "core/log.h"
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum sender { SEND_LOG, SEND_COMMAND, SEND_WEBHOOK, SEND_SMTP };
static enum sender g_kind = SEND_LOG;
static char g_target[512];
static smtp_config g_smtp;
static pthread_mutex_t g_round = PTHREAD_MUTEX_INITIALIZER;   /* one drain at a time: no message sent twice */

int notify_check(const char *spec)
{
    if (!spec || !strcmp(spec, "log") || !strcmp(spec, "smtp")) return 0;
    if (!strncmp(spec, "command:", 8) && spec[8] == '/' && strlen(spec + 8) < sizeof g_target) return 0;
    if (!strncmp(spec, "webhook:", 8) && (!strncmp(spec + 8, "http://", 7) || !strncmp(spec + 8, "https://", 8)) &&
        strlen(spec + 8) < sizeof g_target)
        return 0;
    return LP_ERR_INVALID;
}

int notify_configure(const char *spec, const smtp_config *smtp)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);   /* before threads: curl_easy_init would do it unsafely */
    if (!spec || !strcmp(spec, "log")) { g_kind = SEND_LOG; return 0; }
    if (!strcmp(spec, "smtp")) {
        char why[200];
        if (!smtp || !smtp->from[0] || smtp_check_url(smtp->url, smtp->starttls, why, sizeof why)) return LP_ERR_INVALID;
        g_smtp = *smtp;
        g_kind = SEND_SMTP;
        return 0;
    }
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

static void random_hex(char *out, size_t bytes)
{
    unsigned char r[16];
    randombytes_buf(r, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, r, bytes);
}

/* An invoice e-mail's attachment: the invoice's UBL document as the API
 * exports it, made now. 0, or an outcome other than delivered with err set. */
static int attach_invoice(db_t *db, const obx_msg *m, mail_msg *mm, char name[80], char **xml,
                          enum obx_outcome *o, char *err, size_t errlen)
{
    bill_invoice v;
    size_t len = 0;
    int rc = bill_invoice_get(db, m->invoice_id, &v);
    if (rc == 0) rc = bill_export_ubl(db, m->invoice_id, xml, &len);
    if (rc) {
        snprintf(err, errlen, "the invoice's UBL document could not be made (%s)", lp_err_name(rc));
        *o = rc == LP_ERR_NOTFOUND ? OBX_REFUSED : OBX_TRY_LATER;
        return rc;
    }
    snprintf(name, 80, "invoice-%s.xml", v.number);
    mm->attach = (const unsigned char *)*xml;
    mm->attach_len = len;
    mm->attach_type = "application/xml";
    mm->attach_name = name;
    return 0;
}

/* The Message-ID is random on the left, the domain of the sender's address
 * on the right; each attempt gets a new one (and a new date). */
static enum obx_outcome send_smtp(db_t *db, const obx_msg *m, char *err, size_t errlen, int *down)
{
    char id[400], boundary[48], rnd[33], name[80];
    char *xml = NULL;
    enum obx_outcome o = OBX_TRY_LATER;
    const char *domain = strchr(g_smtp.from, '@') + 1;   /* notify_configure checked the address */
    random_hex(rnd, 16);
    snprintf(id, sizeof id, "%lld.%lld.%s@%s", (long long)m->id, (long long)m->created_at, rnd, domain);
    random_hex(rnd, 12);
    snprintf(boundary, sizeof boundary, "lp-%s", rnd);
    mail_msg mm = { .from = g_smtp.from, .to = m->recipient, .subject = m->subject, .text = m->body,
                    .date = clk_now(), .message_id = id, .boundary = boundary };
    char *raw = NULL;
    size_t len = 0;
    if (m->invoice_id && attach_invoice(db, m, &mm, name, &xml, &o, err, errlen) != 0) return o;
    int rc = mail_build(&mm, &raw, &len);
    free(xml);
    if (rc == LP_ERR_INVALID) { snprintf(err, errlen, "the recipient's address cannot be sent to"); return OBX_REFUSED; }
    if (rc) { snprintf(err, errlen, "out of memory"); return OBX_TRY_LATER; }
    enum smtp_result r = smtp_send(&g_smtp, m->recipient, raw, len, err, errlen);
    free(raw);
    *down = r == SMTP_DOWN;
    switch (r) {
    case SMTP_SENT: return OBX_DELIVERED;
    case SMTP_REFUSED: return OBX_REFUSED;
    case SMTP_LATER:
    case SMTP_DOWN: return OBX_TRY_LATER;
    }
    return OBX_TRY_LATER;
}

/* One attempt at one message; *down when the round should stop. */
static enum obx_outcome send_one(db_t *db, const obx_msg *m, char *err, size_t errlen, int *down)
{
    *down = 0;
    snprintf(err, errlen, "sender failed");
    switch (g_kind) {
    case SEND_LOG:
        log_info("notify", "message %lld (%s) to person's address queued as sent", (long long)m->id, m->kind);
        return OBX_DELIVERED;
    case SEND_COMMAND: return send_command(m) == 0 ? OBX_DELIVERED : OBX_TRY_LATER;
    case SEND_WEBHOOK: return send_webhook(m) == 0 ? OBX_DELIVERED : OBX_TRY_LATER;
    case SEND_SMTP: return send_smtp(db, m, err, errlen, down);
    }
    return OBX_TRY_LATER;
}

static int drain(db_t *db, int *sent)
{
    obx_msg *msgs = NULL;
    size_t n = 0;
    int down = 0;
    char err[200];
    int rc = obx_pending(db, clk_now(), 50, &msgs, &n);
    for (size_t i = 0; rc == 0 && !down && i < n; i++) {
        enum obx_outcome o = send_one(db, &msgs[i], err, sizeof err, &down);
        if (o != OBX_DELIVERED)   /* the server's words may name the address: last_error only */
            log_warn("notify", "message %lld (%s): %.*s%s", (long long)msgs[i].id, msgs[i].kind,
                     (int)strcspn(err, ";"), err, o == OBX_REFUSED ? "; refused for good, not retried" : "; will retry");
        rc = obx_mark(db, msgs[i].id, o, o == OBX_DELIVERED ? NULL : err);
        *sent += o == OBX_DELIVERED;
    }
    for (size_t i = 0; i < n; i++) sodium_memzero(msgs[i].body, sizeof msgs[i].body);   /* may hold link tokens */
    free(msgs);
    return rc;
}

int notify_drain(db_t *db, int *sent)
{
    *sent = 0;
    pthread_mutex_lock(&g_round);
    int rc = drain(db, sent);
    pthread_mutex_unlock(&g_round);
    return rc;
}
