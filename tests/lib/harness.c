/* harness.c: see harness.h. */
#include "tests/lib/harness.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

const char *hx_bin(const char *name, char *buf, size_t len)
{
    const char *dir = getenv("LABPASS_BIN");
    snprintf(buf, len, "%s/%s", dir && *dir ? dir : "bin", name);
    return buf;
}

void hx_set_clock(hx_server *s, int64_t t)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->clock);
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    fprintf(f, "%lld\n", (long long)t);
    fclose(f);
    rename(tmp, s->clock);
}

/* Reads "listening on http://127.0.0.1:PORT" from the server's stdout file. */
static int wait_port(hx_server *s, const char *out)
{
    /* Up to 20 s: a loaded machine starts slowly; a server that exits is seen at once. */
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(out, "r");
        char line[256];
        if (f) {
            while (fgets(line, sizeof line, f)) {
                char *p = strstr(line, "127.0.0.1:");
                if (p) { s->port = atoi(p + 10); fclose(f); return 0; }
            }
            fclose(f);
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) { s->pid = 0; return -1; }
        usleep(20000);
    }
    return -1;
}

int hx_run(char *const argv[], int flags, const char *const *env, char *out, size_t cap)
{
    char rest[4096];
    int fd[2];
    if (cap == 0 || pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { close(fd[0]); close(fd[1]); return -1; }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0) dup2(in, 0);
        dup2(fd[1], 1);
        if (flags & HX_RUN_STDERR) dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        for (size_t i = 0; env && env[i]; i++) putenv((char *)env[i]);
        if (flags & HX_RUN_PATH) execvp(argv[0], argv);
        else execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t k;
    while ((k = got < cap - 1 ? read(fd[0], out + got, cap - 1 - got) : read(fd[0], rest, sizeof rest)) > 0)
        if (got < cap - 1) got += (size_t)k;   /* past cap: drained, so the program is never cut off */
    out[got] = '\0';
    close(fd[0]);
    int st = 0;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *hx_api_key(hx_server *s, const char *email, const char *password, const char *name)
{
    char *session = hx_login(s, email, password), body[200];
    hx_resp r;
    if (!session) return NULL;
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    char *key = NULL;
    if (hx_req(s, "POST", "/api/v1/api-keys", session, body, NULL, &r) == 0 && r.status == 201) {
        const char *k = json_string_value(json_object_get(r.json, "key"));
        key = k ? strdup(k) : NULL;
    }
    hx_free(&r);
    free(session);
    return key;
}

int hx_void_demo_consumables(hx_server *s, const char *token)
{
    hx_resp r;
    if (hx_req(s, "GET", "/api/v1/consumable-usage", token, NULL, NULL, &r) != 0 || r.status != 200) {
        hx_free(&r);
        return -1;
    }
    json_t *u;
    size_t i;
    int rc = 0;
    json_array_foreach(json_object_get(r.json, "usage"), i, u) {
        char path[96];
        snprintf(path, sizeof path, "/api/v1/consumable-usage/%lld/void",
                 (long long)json_integer_value(json_object_get(u, "id")));
        if (hx_status(s, "POST", path, token, NULL) != 204) rc = -1;
    }
    hx_free(&r);
    return rc;
}

int hx_ctlv(hx_server *s, char *out, size_t cap, const char *first, va_list ap)
{
    char bin[256], clock_env[300];
    const char *argv[24] = { bin, "--db", s->db, first };
    int n = first ? 4 : 3;
    for (const char *x; first && n < 23 && (x = va_arg(ap, const char *)) != NULL;) argv[n++] = x;
    argv[n] = NULL;
    hx_bin("labpassctl", bin, sizeof bin);
    snprintf(clock_env, sizeof clock_env, "LABPASS_CLOCK_FILE=%s", s->clock);
    const char *env[] = { clock_env, NULL };
    return hx_run((char *const *)argv, HX_RUN_STDERR, env, out, cap);
}

void hx_nap_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int hx_wait_until(int (*cond)(void *), void *arg, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        if (cond(arg)) return 1;
        hx_nap_ms(20);
    }
    return cond(arg);
}

int64_t hx_test_epoch(void)
{
    const char *e = getenv("LABPASS_TEST_EPOCH");
    long long v = e ? atoll(e) : 0;
    return v > 0 ? (int64_t)v : HX_DEFAULT_EPOCH;
}

int hx_start(hx_server *s, int64_t clock_start) { return hx_start_args(s, clock_start, NULL); }

int hx_start_args(hx_server *s, int64_t clock_start, const char *const *extra)
{
    if (hx_prepare(s) != 0) return -1;
    return hx_launch(s, clock_start, 1, extra);
}

int hx_prepare(hx_server *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/labpass-test-XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    snprintf(s->db, sizeof s->db, "%s/labpass.db", s->dir);
    snprintf(s->clock, sizeof s->clock, "%s/clock", s->dir);
    return 0;
}

int hx_launch(hx_server *s, int64_t clock_start, int demo, const char *const *extra)
{
    char bin[256], out[256], err[256];
    snprintf(out, sizeof out, "%s/stdout", s->dir);
    snprintf(err, sizeof err, "%s/stderr", s->dir);
    unlink(out);   /* a relaunch must not read the port of the previous server */
    if (clock_start <= 0) clock_start = hx_test_epoch();
    hx_set_clock(s, clock_start);
    hx_bin("labpassd", bin, sizeof bin);
    /* Every test client comes from 127.0.0.1, where real clients would each
     * have an address of their own: the per-client cap is lifted unless the
     * test sets its own (a later option wins). Tests move the clock by
     * hours with one sign-in, so the idle timeout is off unless a test sets
     * one. */
    const char *argv[40] = { bin, "--listen", "127.0.0.1:0", "--db", s->db, "--web", "web",
                             "--max-per-client", "1024", "--session-idle", "0", demo ? "--demo" : NULL };
    size_t n = demo ? 12 : 11;
    for (size_t i = 0; extra && extra[i] && n < 39; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid < 0) return -1;
    if (s->pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fo, 1);
        dup2(fe, 2);
        setenv("LABPASS_CLOCK_FILE", s->clock, 1);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    if (wait_port(s, out) != 0) {
        fprintf(stderr, "harness: labpassd did not start; see %s\n", err);
        return -1;
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    return 0;
}

int hx_stop(hx_server *s)
{
    int bad = 0;
    if (s->pid > 0) {
        int st = 0;
        kill(s->pid, SIGTERM);
        for (int i = 0; i < 500 && waitpid(s->pid, &st, WNOHANG) == 0; i++) usleep(10000);
        if (waitpid(s->pid, &st, WNOHANG) == 0) { kill(s->pid, SIGKILL); waitpid(s->pid, &st, 0); }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            char cmd[300];
            fprintf(stderr, "harness: labpassd exited with status %d; its log:\n", st);
            snprintf(cmd, sizeof cmd, "grep -v ' INFO ' '%s/stderr' | tail -40 >&2", s->dir);
            if (system(cmd) != 0) fprintf(stderr, "harness: no log\n");
            bad = -1;
        }
        s->pid = 0;
    }
    if (!getenv("LABPASS_KEEP_TEST_DIRS") && s->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0) fprintf(stderr, "harness: could not remove %s\n", s->dir);
    }
    return bad;
}

struct sink { char *p; size_t len; };

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    struct sink *b = ud;
    size_t add = size * n;
    char *np = realloc(b->p, b->len + add + 1);
    if (!np) return 0;
    memcpy(np + b->len, ptr, add);
    b->p = np;
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
    hx_resp *r = ud;
    size_t have = strlen(r->headers), add = size * n;
    if (have + add < sizeof r->headers) { memcpy(r->headers + have, ptr, add); r->headers[have + add] = '\0'; }
    return add;
}

/* ---- exchange log ------------------------------------------------------
 * When LABPASS_EXCHANGE_LOG names a file, every exchange hx_req makes is
 * appended to it as one JSON line: method, path (with query), request content
 * type and body, status, response content type and body. tests/run.sh checks
 * the log against docs/openapi.json (tools/check-exchanges.py). */

static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;

/* The value of header name (case-insensitive) in "Name: value" lines, the
 * last one winning; copied into out, "" when absent. */
static void header_value(const char *lines, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = lines; p && *p;) {
        const char *end = strpbrk(p, "\r\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t vl = (size_t)(p + len - v);
            if (vl >= outlen) vl = outlen - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            /* the last response's headers win (after a 100 Continue) */
        }
        p = end ? end + strspn(end, "\r\n") : NULL;
    }
}

static json_t *body_json(const char *body, size_t len)
{
    if (!body) return json_null();
    json_t *j = json_stringn(body, len);
    /* not UTF-8 (an image, a deliberately broken body): keep the length only */
    return j ? j : json_pack("{s:I}", "binary_bytes", (json_int_t)len);
}

static void log_exchange(const char *method, const char *path, const char *req_type, const char *body,
                         const hx_resp *out, int ok)
{
    const char *file = getenv("LABPASS_EXCHANGE_LOG");
    if (!file || !*file) return;
    char resp_type[256];
    header_value(out->headers, "Content-Type", resp_type, sizeof resp_type);
    json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:I, s:o, s:o}", "method", method, "path", path,
                          "req_type", req_type[0] ? json_string(req_type) : json_null(),
                          "req_body", body_json(body, body ? strlen(body) : 0),
                          "status", (json_int_t)(ok ? out->status : 0),
                          "resp_type", resp_type[0] ? json_string(resp_type) : json_null(),
                          "resp_body", body_json(out->body, out->len));
    char *line = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(j);
    if (!line) return;
    size_t n = strlen(line);
    char *buf = malloc(n + 1);
    if (buf) {
        memcpy(buf, line, n);
        buf[n] = '\n';   /* one write per line: lines of parallel requests never interleave */
        pthread_mutex_lock(&g_log_mu);
        int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (write(fd, buf, n + 1) != (ssize_t)(n + 1)) fprintf(stderr, "harness: exchange log write failed\n");
            close(fd);
        }
        pthread_mutex_unlock(&g_log_mu);
        free(buf);
    }
    free(line);
}

int hx_req(hx_server *s, const char *method, const char *path, const char *token, const char *body,
           const char *extra_header, hx_resp *out)
{
    char url[8192], auth[300];
    struct sink b = { 0 };
    memset(out, 0, sizeof *out);
    int len = snprintf(url, sizeof url, "%s%s", s->base, path);
    if (len < 0 || (size_t)len >= sizeof url) return -1;   /* never send a silently shortened path */
    CURL *c = curl_easy_init();
    if (!c) return -1;
    struct curl_slist *h = NULL;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (body) h = curl_slist_append(h, "Content-Type: application/json");
    if (extra_header) {   /* one or more "Name: value" lines separated by \n */
        char copy[2048], *save = NULL;
        snprintf(copy, sizeof copy, "%s", extra_header);
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            h = curl_slist_append(h, line);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    out->body = b.p ? b.p : strdup("");
    out->len = b.len;
    out->json = json_loads(out->body, 0, NULL);
    char req_type[256] = "";
    if (body) snprintf(req_type, sizeof req_type, "application/json");
    if (extra_header) {   /* a test may send its own Content-Type */
        char t[256];
        header_value(extra_header, "Content-Type", t, sizeof t);
        if (t[0]) snprintf(req_type, sizeof req_type, "%s", t);
    }
    log_exchange(method, path, req_type, body, out, rc == CURLE_OK);
    return rc == CURLE_OK ? 0 : -1;
}

void hx_free(hx_resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

char *hx_login(hx_server *s, const char *email, const char *password)
{
    char body[512];
    hx_resp r;
    json_t *j = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *txt = json_dumps(j, JSON_COMPACT);
    snprintf(body, sizeof body, "%s", txt);
    free(txt);
    json_decref(j);
    if (hx_req(s, "POST", "/api/v1/auth/login", NULL, body, NULL, &r) != 0) return NULL;
    char *tok = NULL;
    if (r.status == 200 && r.json) {
        const char *t = json_string_value(json_object_get(r.json, "token"));
        if (t) tok = strdup(t);
    }
    hx_free(&r);
    return tok;
}

long hx_status(hx_server *s, const char *method, const char *path, const char *token, const char *body)
{
    hx_resp r;
    int rc = hx_req(s, method, path, token, body, NULL, &r);
    long st = rc == 0 ? r.status : -1;
    hx_free(&r);
    return st;
}

int64_t hx_count(hx_server *s, const char *table)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[128];
    int64_t n = -1;
    /* table names come from the tests themselves, never from outside */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (sqlite3_open_v2(s->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

int64_t hx_me_id(hx_server *s, const char *token)
{
    hx_resp r;
    hx_req(s, "GET", "/api/v1/me", token, NULL, NULL, &r);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    hx_free(&r);
    return id;
}

int64_t hx_resource_id(hx_server *s, const char *token, const char *name)
{
    hx_resp r;
    int64_t id = 0;
    hx_req(s, "GET", "/api/v1/resources", token, NULL, NULL, &r);
    json_t *arr = json_object_get(r.json, "resources");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        if (!strcmp(json_string_value(json_object_get(o, "name")), name))
            id = json_integer_value(json_object_get(o, "id"));
    }
    hx_free(&r);
    return id;
}

int64_t hx_book(hx_server *s, const char *token, int64_t res, const char *start, const char *end, char *status,
                size_t len)
{
    char body[300];
    hx_resp r;
    snprintf(body, sizeof body, "{\"resource_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}", (long long)res, start, end);
    hx_req(s, "POST", "/api/v1/reservations", token, body, NULL, &r);
    if (r.status != 201) fail_msg("booking answered %ld: %s", r.status, r.body);
    int64_t id = json_integer_value(json_object_get(r.json, "id"));
    if (status) snprintf(status, len, "%s", json_string_value(json_object_get(r.json, "status")));
    hx_free(&r);
    return id;
}
