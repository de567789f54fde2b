/* webhook_send.c: see webhook_send.h. The secret is unsealed only for the
 * signature of one attempt and wiped after it; an answer's body is read at
 * most WHS_EXCERPT bytes into memory (the rest discarded) and kept only as
 * printable ASCII in last_error. */
#include "api/webhook_send.h"
#include "access/issuer/issuer.h"
#include "booking/webhook.h"
#include "core/log.h"
#include "core/version.h"
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_ca_file[512];

void whs_configure(const char *ca_file)
{
    snprintf(g_ca_file, sizeof g_ca_file, "%s", ca_file ? ca_file : "");
}

void whs_secret_new(uint8_t key[WHS_KEY_LEN], char text[WHS_SECRET_TEXT])
{
    randombytes_buf(key, WHS_KEY_LEN);
    memcpy(text, "whsec_", 6);
    sodium_bin2base64(text + 6, WHS_SECRET_TEXT - 6, key, WHS_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

int whs_secret_parse(const char *text, uint8_t key[WHS_KEY_MAX], size_t *len)
{
    const char *end = NULL;
    *len = 0;
    if (!text || strncmp(text, "whsec_", 6) != 0 || strlen(text) > WHS_SECRET_TEXT - 1) return LP_ERR_INVALID;
    if (sodium_base642bin(key, WHS_KEY_MAX, text + 6, strlen(text + 6), NULL, len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || *end || *len == 0)
        return LP_ERR_INVALID;
    return 0;
}

void whs_sign(const uint8_t *key, size_t key_len, const char *msg_id, int64_t timestamp, const char *body,
              size_t body_len, char out[WHS_SIG_TEXT])
{
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    char ts[24];
    int n = snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)msg_id, strlen(msg_id));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)ts, (size_t)n);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, WHS_SIG_TEXT - 3, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(&st, sizeof st);
}

static int why(char *out, size_t len, const char *text)
{
    snprintf(out, len, "%s", text);
    return LP_ERR_INVALID;
}

int whs_url_check(const char *url, char *out, size_t out_len)
{
    size_t n = url ? strlen(url) : 0;
    if (n < 9 || n > WHK_URL_MAX) return why(out, out_len, "url is 9 to 2048 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return why(out, out_len, "url holds a space, a control character or a non-ASCII byte");
    if (strncmp(url, "https://", 8) != 0) return why(out, out_len, "url must start with https://");
    if (strchr("/?#", url[8])) return why(out, out_len, "url names no host");   /* libcurl would read one from the path */
    CURLU *h = curl_url();
    char *host = NULL, *user = NULL, *pass = NULL;
    int rc = h ? 0 : LP_ERR_NOMEM;
    if (rc == 0 && curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
        rc = why(out, out_len, "url is not a valid URL");
    if (rc == 0 && (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !host[0]))
        rc = why(out, out_len, "url names no host");
    if (rc == 0 && (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK ||
                    curl_url_get(h, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK))
        rc = why(out, out_len, "url may not hold a user name or password");
    curl_free(host);
    curl_free(user);
    curl_free(pass);
    curl_url_cleanup(h);
    return rc;
}

/* ---- one attempt ---- */

struct excerpt { char text[WHS_EXCERPT + 1]; size_t len; };

static size_t keep_excerpt(char *p, size_t s, size_t n, void *u)
{
    struct excerpt *e = u;
    for (size_t i = 0; i < s * n && e->len < WHS_EXCERPT; i++)
        e->text[e->len++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : ' ';
    e->text[e->len] = 0;
    return s * n;
}

/* POSTs body to url with the three signature headers; *status is the HTTP
 * status (0 when there was none) and err a short reason when not 2xx. */
static void post(const char *url, const char *msg_id, int64_t ts, const char *sig, const char *body, int *status,
                 char *err, size_t err_len)
{
    char h_id[80], h_ts[48], h_sig[96];
    struct excerpt ex = { { 0 }, 0 };
    long code = 0;
    CURL *c = curl_easy_init();
    *status = 0;
    if (!c) { snprintf(err, err_len, "out of memory"); return; }
    snprintf(h_id, sizeof h_id, "webhook-id: %s", msg_id);
    snprintf(h_ts, sizeof h_ts, "webhook-timestamp: %lld", (long long)ts);
    snprintf(h_sig, sizeof h_sig, "webhook-signature: %s", sig);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, h_id);
    h = curl_slist_append(h, h_ts);
    h = curl_slist_append(h, h_sig);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)WHS_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)WHS_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "labpass-webhooks/" LP_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_excerpt);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
    if (g_ca_file[0]) curl_easy_setopt(c, CURLOPT_CAINFO, g_ca_file);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) snprintf(err, err_len, "%s", curl_easy_strerror(rc));
    else if (code < 200 || code > 299) snprintf(err, err_len, "HTTP %ld: %s", code, ex.text);
    else err[0] = 0;
    *status = rc == CURLE_OK ? (int)code : 0;
}

/* Unseals the secret, signs and sends one delivery, records the attempt. */
static int send_one(db_t *db, const whk_job *j, int64_t now, int *ok)
{
    uint8_t key[WHS_KEY_MAX];
    size_t key_len = 0;
    char sig[WHS_SIG_TEXT], err[WHK_ERROR_MAX + 1] = "";
    int status = 0;
    *ok = 0;
    int rc = iss_unseal(j->sealed, j->sealed_len, key, sizeof key, &key_len);
    if (rc) {
        log_error("webhook", "delivery %lld: the endpoint's secret does not open (%s)", (long long)j->id, lp_err_name(rc));
        snprintf(err, sizeof err, "the signing secret does not open with this key file");
    } else {
        whs_sign(key, key_len, j->msg_id, now, j->payload, strlen(j->payload), sig);
        sodium_memzero(key, sizeof key);
        post(j->url, j->msg_id, now, sig, j->payload, &status, err, sizeof err);
        *ok = status >= 200 && status <= 299;
    }
    return whk_attempt(db, j->id, status, err, now);
}

/* Did an endpoint fail earlier in this round (ids of failed[0..n))? */
static int failed_before(const int64_t *failed, size_t n, int64_t endpoint_id)
{
    for (size_t i = 0; i < n; i++)
        if (failed[i] == endpoint_id) return 1;
    return 0;
}

int whs_drain(db_t *db, int64_t now, size_t max, int *delivered, int *failed)
{
    whk_job *jobs = NULL;
    size_t n = 0, nbad = 0;
    *delivered = *failed = 0;
    int rc = whk_due(db, now, max, &jobs, &n);
    int64_t *bad = rc == 0 && n ? calloc(n, sizeof *bad) : NULL;
    if (rc == 0 && n && !bad) rc = LP_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* One failure per endpoint and round: a receiver that is down costs
         * one timeout, its other due deliveries wait for the next round. */
        if (failed_before(bad, nbad, jobs[i].endpoint_id)) continue;
        int ok = 0;
        rc = send_one(db, &jobs[i], now, &ok);
        if (ok) (*delivered)++;
        else { (*failed)++; bad[nbad++] = jobs[i].endpoint_id; }
    }
    free(bad);
    whk_due_free(jobs, n);
    return rc;
}
