/* oidc_rp.c: see oidc_rp.h. */
#include "api/oidc_rp.h"
#include "access/issuer/issuer.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/version.h"
#include <curl/curl.h>
#include <jose/jose.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_ca_file[512];

void oidc_rp_set_ca_file(const char *path)
{
    snprintf(g_ca_file, sizeof g_ca_file, "%s", path ? path : "");
}

/* ---- the back channel ---- */

struct body { char *buf; size_t len; int over; };

static size_t keep(char *p, size_t s, size_t n, void *u)
{
    struct body *b = u;
    size_t add = s * n;
    if (b->len + add > OIDC_MAX_BODY) { b->over = 1; return 0; }   /* aborts the transfer */
    char *nb = realloc(b->buf, b->len + add + 1);
    if (!nb) return 0;
    b->buf = nb;
    memcpy(b->buf + b->len, p, add);
    b->len += add;
    b->buf[b->len] = 0;
    return add;
}

/* GETs url (form NULL) or POSTs form to it; 0 with the JSON object of a 200
 * answer (caller decrefs), LP_ERR_IO with why otherwise. */
static int fetch(const char *url, const char *form, const char *auth_header, json_t **out, char *why, size_t wl)
{
    *out = NULL;
    if (oidc_url_ok(url, why, wl)) return LP_ERR_IO;
    CURL *c = curl_easy_init();
    if (!c) return LP_ERR_NOMEM;
    struct body b = { NULL, 0, 0 };
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    if (auth_header) h = curl_slist_append(h, auth_header);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, strncmp(url, "http://", 7) ? "https" : "http");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)OIDC_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)OIDC_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)OIDC_MAX_BODY);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "labpass-oidc/" LP_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (form) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    }
    if (g_ca_file[0]) curl_easy_setopt(c, CURLOPT_CAINFO, g_ca_file);
    long code = 0;
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    int ret = LP_ERR_IO;
    if (b.over) snprintf(why, wl, "the provider's answer is over %d bytes", OIDC_MAX_BODY);
    else if (rc != CURLE_OK) snprintf(why, wl, "%s", curl_easy_strerror(rc));
    else if (code != 200) snprintf(why, wl, "the provider answered HTTP %ld", code);
    else {
        json_t *j = b.buf ? json_loadb(b.buf, b.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
        if (!json_is_object(j)) { json_decref(j); snprintf(why, wl, "the provider's answer is not a JSON object"); }
        else { *out = j; ret = 0; }
    }
    if (b.buf) { sodium_memzero(b.buf, b.len); free(b.buf); }
    return ret;
}

/* ---- the cache of discovery documents and key sets ----
 * No lock is held while a document is fetched: a slow or dead provider holds
 * up only the sign-ins through that provider. One fetch per document at a
 * time: a second caller for the same document waits for the first (bounded
 * by OIDC_TIMEOUT) and then uses what it got. */

#define CACHE_SLOTS 32
enum { DOC_DISCO, DOC_JWKS, DOC_KINDS };

struct slot {
    int64_t id;
    uint64_t gen;                       /* changes whenever the slot starts afresh */
    char issuer[501];
    json_t *doc[DOC_KINDS];
    int64_t at[DOC_KINDS], tried[DOC_KINDS];
    int busy[DOC_KINDS];                /* a fetch of this document is under way */
};

static struct slot g_slots[CACHE_SLOTS];
static uint64_t g_gen;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_done = PTHREAD_COND_INITIALIZER;

static int slot_busy(const struct slot *s) { return s->busy[DOC_DISCO] || s->busy[DOC_JWKS]; }

static void slot_reset(struct slot *s, int64_t id, const char *issuer)
{
    for (int k = 0; k < DOC_KINDS; k++) json_decref(s->doc[k]);
    memset(s, 0, sizeof *s);
    s->id = id;
    s->gen = ++g_gen;
    if (issuer) snprintf(s->issuer, sizeof s->issuer, "%s", issuer);
}

void oidc_rp_forget(int64_t provider_id)
{
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (g_slots[i].id == provider_id) slot_reset(&g_slots[i], 0, NULL);
    pthread_cond_broadcast(&g_done);   /* a fetch for a forgotten slot stores nothing */
    pthread_mutex_unlock(&g_lock);
}

/* The slot of p (with g_lock held): its own, a free one, or the least
 * recently tried one with no fetch under way; NULL when every slot is busy.
 * A slot whose issuer changed starts afresh. */
static struct slot *slot_for(const oidc_provider *p)
{
    struct slot *free_s = NULL, *old = NULL;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        struct slot *s = &g_slots[i];
        if (s->id == p->id) {
            if (strcmp(s->issuer, p->issuer)) slot_reset(s, p->id, p->issuer);
            return s;
        }
        if (!s->id && !free_s) free_s = s;
        if (!slot_busy(s) && (!old || s->tried[DOC_DISCO] < old->tried[DOC_DISCO])) old = s;
    }
    struct slot *s = free_s ? free_s : old;
    if (s) slot_reset(s, p->id, p->issuer);
    return s;
}

/* The slot with p's id and generation gen, if it is still there. */
static struct slot *slot_again(int64_t id, uint64_t gen)
{
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (g_slots[i].id == id && g_slots[i].gen == gen) return &g_slots[i];
    return NULL;
}

static const char *str_of(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

#define TENANT_SLOT "{tenantid}"

/* Splits a template with exactly one TENANT_SLOT: the length before it and
 * the text after it; 0 when there is no such slot. */
static int template_parts(const char *t, size_t *pre, const char **post)
{
    const char *slot = t ? strstr(t, TENANT_SLOT) : NULL;
    if (!slot || strstr(slot + 1, TENANT_SLOT)) return 0;
    *pre = (size_t)(slot - t);
    *post = slot + strlen(TENANT_SLOT);
    return 1;
}

int oidc_issuer_fits(const char *configured, const char *discovered)
{
    if (!configured || !discovered) return 0;
    if (!strcmp(configured, discovered)) return 1;
    size_t pre, cl = strlen(configured);
    const char *after;
    if (!template_parts(discovered, &pre, &after)) return 0;
    size_t post = strlen(after);
    if (cl <= pre + post || strncmp(configured, discovered, pre) || strcmp(configured + cl - post, after)) return 0;
    size_t ml = cl - pre - post;
    const char *mid = configured + pre;
    static const char *const MULTI[] = { "common", "organizations", "consumers" };
    for (size_t i = 0; i < sizeof MULTI / sizeof MULTI[0]; i++)
        if (ml == strlen(MULTI[i]) && !strncmp(mid, MULTI[i], ml)) return 1;
    return 0;
}

/* A tenant id as Entra writes it: a GUID in lower-case hex. */
static int guid_ok(const char *s)
{
    if (!s || strlen(s) != 36) return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    }
    return 1;
}

/* Does the token's iss hold for e (see oidc_expect)? */
static int issuer_holds(const json_t *c, const oidc_expect *e, const char *iss)
{
    if (!e->issuer_template) return !strcmp(iss, e->issuer);
    const char *tid = json_string_value(json_object_get(c, "tid")), *post;
    size_t pre;
    if (!template_parts(e->issuer_template, &pre, &post) || !guid_ok(tid)) return 0;
    return strlen(iss) == pre + 36 + strlen(post) && !strncmp(iss, e->issuer_template, pre) &&
           !strncmp(iss + pre, tid, 36) && !strcmp(iss + pre + 36, post);
}

static int disco_check(const oidc_provider *p, const json_t *d, char *why, size_t wl)
{
    const char *iss = str_of(d, "issuer");
    if (!oidc_issuer_fits(p->issuer, iss)) {
        snprintf(why, wl, "the discovery document names another issuer");
        return LP_ERR_IO;
    }
    static const char *const URLS[] = { "authorization_endpoint", "token_endpoint", "jwks_uri" };
    for (size_t i = 0; i < sizeof URLS / sizeof URLS[0]; i++) {
        const char *u = str_of(d, URLS[i]);
        char w[120];
        if (!u || oidc_url_ok(u, w, sizeof w)) {
            snprintf(why, wl, "the discovery document's %s is missing or not allowed", URLS[i]);
            return LP_ERR_IO;
        }
    }
    return 0;
}

static int jwks_check(const oidc_provider *p, const json_t *k, char *why, size_t wl)
{
    (void)p;
    if (json_is_array(json_object_get(k, "keys"))) return 0;
    snprintf(why, wl, "the provider's JWKS has no keys array");
    return LP_ERR_IO;
}

typedef int (*doc_check)(const oidc_provider *, const json_t *, char *, size_t);

/* Fetches url outside the lock and, when the slot is still the same one,
 * keeps the checked document there. Called and returns with g_lock held;
 * *sp is the slot again afterwards (NULL when it was forgotten meanwhile). */
static int refetch(struct slot **sp, int kind, const oidc_provider *p, const char *url, doc_check check,
                   char *why, size_t wl)
{
    struct slot *s = *sp;
    int64_t now = clk_now(), id = s->id;
    uint64_t gen = s->gen;
    s->tried[kind] = now;
    s->busy[kind] = 1;
    pthread_mutex_unlock(&g_lock);
    json_t *d = NULL;
    int rc = fetch(url, NULL, NULL, &d, why, wl);
    if (rc == 0) rc = check(p, d, why, wl);
    pthread_mutex_lock(&g_lock);
    s = *sp = slot_again(id, gen);
    if (s) {
        s->busy[kind] = 0;
        if (rc == 0) { json_decref(s->doc[kind]); s->doc[kind] = json_incref(d); s->at[kind] = now; }
    }
    json_decref(d);
    pthread_cond_broadcast(&g_done);
    return rc;
}

/* Document kind of p (a new reference in *out): fetched from url when
 * missing, stale or forced, unless it was tried in the last
 * OIDC_MIN_REFETCH seconds; a fetch under way is waited for. */
static int cached_doc(const oidc_provider *p, int kind, const char *url, int force, doc_check check,
                      json_t **out, char *why, size_t wl)
{
    int rc = 0;
    *out = NULL;
    pthread_mutex_lock(&g_lock);
    struct slot *s = slot_for(p);
    int waited = 0;
    while (s && s->busy[kind]) {
        pthread_cond_wait(&g_done, &g_lock);
        s = slot_for(p);
        waited = 1;   /* what that fetch got is as fresh as it gets */
    }
    if (!s) {
        pthread_mutex_unlock(&g_lock);
        snprintf(why, wl, "too many providers are being fetched at once");
        return LP_ERR_BUSY;
    }
    int64_t now = clk_now();
    int stale = (force && !waited) || !s->doc[kind] || now - s->at[kind] >= OIDC_CACHE_TTL || now < s->at[kind];
    if (stale && (!s->tried[kind] || now - s->tried[kind] >= OIDC_MIN_REFETCH || now < s->tried[kind]))
        rc = refetch(&s, kind, p, url, check, why, wl);
    if (s && s->doc[kind]) { *out = json_incref(s->doc[kind]); rc = 0; }
    else if (rc == 0) { rc = LP_ERR_IO; snprintf(why, wl, "the provider's %s is not available yet", kind == DOC_DISCO ? "discovery document" : "key set"); }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

/* The discovery document of p (a new reference). */
static int discovery(const oidc_provider *p, json_t **out, char *why, size_t wl)
{
    char url[600];
    size_t il = strlen(p->issuer);
    snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration",
             (int)(il && p->issuer[il - 1] == '/' ? il - 1 : il), p->issuer);
    return cached_doc(p, DOC_DISCO, url, 0, disco_check, out, why, wl);
}

/* The key set of p (a new reference); with force (an unknown kid) fetched
 * again unless it was in the last OIDC_MIN_REFETCH seconds. */
static int key_set(const oidc_provider *p, const char *jwks_uri, int force, json_t **out, char *why, size_t wl)
{
    return cached_doc(p, DOC_JWKS, jwks_uri, force, jwks_check, out, why, wl);
}

/* ---- the ID token ---- */

static int b64url_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '_'))
            return 0;
    return 1;
}

static json_t *b64_json(const char *s, size_t n)
{
    json_t *t = json_stringn(s, n);
    json_t *j = t ? jose_b64_dec_load(t) : NULL;
    json_decref(t);
    if (j && !json_is_object(j)) { json_decref(j); j = NULL; }
    return j;
}

/* Does key fit alg (kty, curve, and its own alg and use when it has them)? */
static int key_fits(const json_t *k, const char *alg, const char *kid)
{
    const char *kty = str_of(k, "kty"), *crv = str_of(k, "crv"), *kalg = str_of(k, "alg"), *use = str_of(k, "use");
    const char *kkid = str_of(k, "kid");
    if (!kty || (use && strcmp(use, "sig")) || (kalg && strcmp(kalg, alg))) return 0;
    if (kid && (!kkid || strcmp(kid, kkid))) return 0;
    if (!strcmp(alg, "RS256")) return !strcmp(kty, "RSA");
    if (!strcmp(alg, "ES256")) return !strcmp(kty, "EC") && crv && !strcmp(crv, "P-256");
    if (!strcmp(alg, "EdDSA")) return !strcmp(kty, "OKP") && crv && !strcmp(crv, "Ed25519");
    return 0;
}

static int sig_ok(const char *jwt, const size_t dot[2], size_t len, const char *alg, const json_t *key)
{
    if (!strcmp(alg, "EdDSA")) {
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES + 2];
        const char *x = str_of(key, "x");
        if (!x || jose_b64_dec_buf(x, strlen(x), NULL, 0) != sizeof pk) return 0;
        if (jose_b64_dec_buf(x, strlen(x), pk, sizeof pk) != sizeof pk) return 0;
        const char *s = jwt + dot[1] + 1;
        size_t sl = len - dot[1] - 1;
        if (jose_b64_dec_buf(s, sl, NULL, 0) != crypto_sign_BYTES) return 0;
        if (jose_b64_dec_buf(s, sl, sig, sizeof sig) != crypto_sign_BYTES) return 0;
        return crypto_sign_verify_detached(sig, (const unsigned char *)jwt, dot[1], pk) == 0;
    }
    json_t *jwk = json_deep_copy(key);
    json_t *jws = json_pack("{s:s%, s:s%, s:s%}", "protected", jwt, dot[0], "payload", jwt + dot[0] + 1,
                            dot[1] - dot[0] - 1, "signature", jwt + dot[1] + 1, len - dot[1] - 1);
    int ok = 0;
    if (jwk && jws) {
        json_object_set_new(jwk, "alg", json_string(alg));
        json_object_del(jwk, "key_ops");
        ok = jose_jws_ver(NULL, jws, NULL, jwk, false);
    }
    json_decref(jwk);
    json_decref(jws);
    return ok;
}

static int fail(char *why, size_t wl, int rc, const char *text)
{
    snprintf(why, wl, "%s", text);
    return rc;
}

static int claims_hold(const json_t *c, const oidc_expect *e, char *why, size_t wl)
{
    const char *iss = str_of(c, "iss"), *nonce = str_of(c, "nonce"), *sub = str_of(c, "sub");
    if (!iss || !issuer_holds(c, e, iss)) return fail(why, wl, LP_ERR_INVALID, "the token's issuer is not the provider");
    const json_t *aud = json_object_get(c, "aud");
    int aud_ok = 0;
    if (json_is_string(aud)) aud_ok = !strcmp(json_string_value(aud), e->client_id);
    else if (json_is_array(aud)) {
        size_t i;
        const json_t *v;
        json_array_foreach(aud, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), e->client_id)) aud_ok = 1;
        if (aud_ok && json_array_size(aud) > 1) {
            const char *azp = str_of(c, "azp");
            aud_ok = azp && !strcmp(azp, e->client_id);
        }
    }
    if (!aud_ok) return fail(why, wl, LP_ERR_INVALID, "the token is not meant for this client (aud)");
    const json_t *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat"), *nbf = json_object_get(c, "nbf");
    if (!json_is_integer(exp) || e->now >= json_integer_value(exp) + OIDC_SKEW)
        return fail(why, wl, LP_ERR_INVALID, "the token has expired (exp)");
    if (!json_is_integer(iat) || json_integer_value(iat) > e->now + OIDC_SKEW ||
        json_integer_value(iat) < e->now - OIDC_MAX_AGE - OIDC_SKEW)
        return fail(why, wl, LP_ERR_INVALID, "the token's issue time is too far from now (iat)");
    if (nbf && (!json_is_integer(nbf) || json_integer_value(nbf) > e->now + OIDC_SKEW))
        return fail(why, wl, LP_ERR_INVALID, "the token is not valid yet (nbf)");
    if (!nonce || !e->nonce || strcmp(nonce, e->nonce)) return fail(why, wl, LP_ERR_INVALID, "the token's nonce does not match");
    if (!sub || !sub[0] || strlen(sub) > 255) return fail(why, wl, LP_ERR_INVALID, "the token has no usable subject (sub)");
    return 0;
}

int oidc_rp_verify(const char *jwt, const json_t *jwks, const oidc_expect *e, json_t **claims, char *why, size_t wl)
{
    *claims = NULL;
    size_t len = jwt ? strlen(jwt) : 0, dot[2], nd = 0;
    if (len == 0 || len > OIDC_MAX_TOKEN) return fail(why, wl, LP_ERR_CRYPTO, "the ID token is missing or too long");
    for (size_t i = 0; i < len; i++)
        if (jwt[i] == '.') { if (nd == 2) return fail(why, wl, LP_ERR_CRYPTO, "the ID token is not a compact JWS"); dot[nd++] = i; }
    if (nd != 2 || !b64url_text(jwt, dot[0]) || !b64url_text(jwt + dot[0] + 1, dot[1] - dot[0] - 1) ||
        !b64url_text(jwt + dot[1] + 1, len - dot[1] - 1) || dot[0] == 0)
        return fail(why, wl, LP_ERR_CRYPTO, "the ID token is not a compact JWS");
    json_t *hdr = b64_json(jwt, dot[0]);
    const char *alg = hdr ? str_of(hdr, "alg") : NULL, *kid = hdr ? str_of(hdr, "kid") : NULL;
    int rc = 0;
    if (!alg || (strcmp(alg, "RS256") && strcmp(alg, "ES256") && strcmp(alg, "EdDSA")))
        rc = fail(why, wl, LP_ERR_CRYPTO, "the ID token's algorithm is not RS256, ES256 or EdDSA");
    else if (json_object_get(hdr, "crit"))
        rc = fail(why, wl, LP_ERR_CRYPTO, "the ID token has critical header parameters");
    if (rc == 0) {
        const json_t *keys = json_object_get(jwks, "keys"), *k;
        size_t i;
        int fits = 0, ok = 0;
        json_array_foreach(keys, i, k) {
            if (!json_is_object(k) || !key_fits(k, alg, kid)) continue;
            fits = 1;
            if (sig_ok(jwt, dot, len, alg, k)) { ok = 1; break; }
        }
        if (!fits) rc = fail(why, wl, LP_ERR_NOTFOUND, "no key of the provider fits the ID token");
        else if (!ok) rc = fail(why, wl, LP_ERR_CRYPTO, "the ID token's signature does not verify");
    }
    json_decref(hdr);
    if (rc) return rc;
    json_t *c = b64_json(jwt + dot[0] + 1, dot[1] - dot[0] - 1);
    if (!c) return fail(why, wl, LP_ERR_INVALID, "the ID token's payload is not a JSON object");
    if ((rc = claims_hold(c, e, why, wl)) != 0) { json_decref(c); return rc; }
    *claims = c;
    return 0;
}

/* ---- the flow ---- */

static char *esc(const char *s)
{
    return curl_easy_escape(NULL, s, 0);
}

int oidc_rp_auth_url(const oidc_provider *p, const char *redirect_uri, const char *state, const oidc_pending *pend,
                     char **url)
{
    char why[160];
    json_t *d = NULL;
    *url = NULL;
    int rc = discovery(p, &d, why, sizeof why);
    if (rc) { log_warn("oidc", "provider %lld: %s", (long long)p->id, why); return rc; }
    unsigned char digest[crypto_hash_sha256_BYTES];
    char challenge[64];
    crypto_hash_sha256(digest, (const unsigned char *)pend->verifier, strlen(pend->verifier));
    sodium_bin2base64(challenge, sizeof challenge, digest, sizeof digest, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *cid = esc(p->client_id), *ru = esc(redirect_uri), *sc = esc(p->scopes), *st = esc(state), *no = esc(pend->nonce);
    const char *ae = str_of(d, "authorization_endpoint");
    size_t n = strlen(ae) + 400 + strlen(cid ? cid : "") + strlen(ru ? ru : "") + strlen(sc ? sc : "");
    char *u = (cid && ru && sc && st && no) ? malloc(n) : NULL;
    if (u)
        snprintf(u, n, "%s?response_type=code&client_id=%s&redirect_uri=%s&scope=%s&state=%s&nonce=%s"
                       "&code_challenge=%s&code_challenge_method=S256", ae, cid, ru, sc, st, no, challenge);
    curl_free(cid); curl_free(ru); curl_free(sc); curl_free(st); curl_free(no);
    json_decref(d);
    if (!u) return LP_ERR_NOMEM;
    *url = u;
    return 0;
}

/* "Authorization: Basic ..." of client_secret_basic (RFC 6749 2.3.1: both
 * parts form-encoded first). */
static char *basic_header(const char *id, const uint8_t *secret, size_t slen)
{
    char *sec = malloc(slen + 1);
    if (!sec) return NULL;
    memcpy(sec, secret, slen);
    sec[slen] = 0;
    char *ei = esc(id), *es = esc(sec);
    sodium_memzero(sec, slen);
    free(sec);
    char *out = NULL;
    if (ei && es) {
        size_t pl = strlen(ei) + 1 + strlen(es);
        char *pair = malloc(pl + 1);
        size_t bl = sodium_base64_ENCODED_LEN(pl, sodium_base64_VARIANT_ORIGINAL);
        out = pair ? malloc(bl + 40) : NULL;
        if (out) {
            snprintf(pair, pl + 1, "%s:%s", ei, es);
            memcpy(out, "Authorization: Basic ", 21);
            sodium_bin2base64(out + 21, bl, (const unsigned char *)pair, pl, sodium_base64_VARIANT_ORIGINAL);
        }
        if (pair) { sodium_memzero(pair, pl); free(pair); }
    }
    if (es) { sodium_memzero(es, strlen(es)); curl_free(es); }
    curl_free(ei);
    return out;
}

int oidc_rp_finish(const oidc_provider *p, const uint8_t *sealed, size_t sealed_len, const char *code,
                   const oidc_pending *pend, const char *redirect_uri, json_t **claims, char *why, size_t wl)
{
    json_t *d = NULL, *tok = NULL, *jwks = NULL;
    char *auth = NULL, *form = NULL;
    *claims = NULL;
    int rc = discovery(p, &d, why, wl);
    if (rc) return rc;
    if (sealed_len) {
        uint8_t secret[OIDC_SEALED_MAX];
        size_t slen = 0;
        rc = iss_unseal(sealed, sealed_len, secret, sizeof secret, &slen);
        if (rc) { json_decref(d); return fail(why, wl, rc, "the client secret does not open with this key file"); }
        auth = basic_header(p->client_id, secret, slen);
        sodium_memzero(secret, sizeof secret);
        if (!auth) { json_decref(d); return LP_ERR_NOMEM; }
    }
    char *ec = esc(code), *ru = esc(redirect_uri), *ev = esc(pend->verifier), *ci = esc(p->client_id);
    if (ec && ru && ev && ci) {
        size_t n = strlen(ec) + strlen(ru) + strlen(ev) + strlen(ci) + 120;
        form = malloc(n);
        if (form)
            snprintf(form, n, "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s%s%s", ec, ru, ev,
                     auth ? "" : "&client_id=", auth ? "" : ci);
    }
    curl_free(ec); curl_free(ru); curl_free(ev); curl_free(ci);
    rc = form ? fetch(str_of(d, "token_endpoint"), form, auth, &tok, why, wl) : LP_ERR_NOMEM;
    if (auth) { sodium_memzero(auth, strlen(auth)); free(auth); }
    free(form);
    const char *idt = rc == 0 ? str_of(tok, "id_token") : NULL;
    if (rc == 0 && !idt) rc = fail(why, wl, LP_ERR_IO, "the token answer holds no id_token");
    const char *diss = str_of(d, "issuer");
    oidc_expect e = { p->issuer, p->client_id, pend->nonce, clk_now(),
                      diss && strcmp(diss, p->issuer) && strstr(diss, TENANT_SLOT) ? diss : NULL };
    if (rc == 0) rc = key_set(p, str_of(d, "jwks_uri"), 0, &jwks, why, wl);
    if (rc == 0) rc = oidc_rp_verify(idt, jwks, &e, claims, why, wl);
    if (rc == LP_ERR_NOTFOUND) {   /* an unknown kid: the provider may have rotated its keys */
        json_decref(jwks);
        jwks = NULL;
        rc = key_set(p, str_of(d, "jwks_uri"), 1, &jwks, why, wl);
        if (rc == 0) rc = oidc_rp_verify(idt, jwks, &e, claims, why, wl);
        if (rc == LP_ERR_NOTFOUND) rc = LP_ERR_CRYPTO;
    }
    json_decref(jwks);
    json_decref(tok);
    json_decref(d);
    return rc;
}
