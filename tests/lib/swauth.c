/* swauth.c: the software authenticator of swauth.h. */
#include "tests/lib/swauth.h"
#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sw_b64(const unsigned char *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(cap);
    if (s) sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

void sw_new(sw_key *k, int alg)
{
    memset(k, 0, sizeof *k);
    k->es256 = alg;
    randombytes_buf(k->cred_id, sizeof k->cred_id);
    if (alg == SW_ES256) k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (alg == SW_RS256) k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else crypto_sign_keypair(k->ed_pk, k->ed_sk);
}

/* The COSE algorithm of k. */
static int cose_alg(const sw_key *k) { return k->es256 == SW_RS256 ? -257 : k->es256 == SW_ES256 ? -7 : -8; }

/* -n - 1 as CBOR, for any negative n */
static cbor_item_t *neg16(int v) { return cbor_build_negint16((uint16_t)(-v - 1)); }

void sw_free(sw_key *k)
{
    if (k->ec) EVP_PKEY_free(k->ec);
    k->ec = NULL;
}

const char *sw_cred_id(const sw_key *k)
{
    static char out[64];
    char *s = sw_b64(k->cred_id, sizeof k->cred_id);
    snprintf(out, sizeof out, "%s", s);
    free(s);
    return out;
}

static void map_add(cbor_item_t *m, cbor_item_t *key, cbor_item_t *val)
{
    (void)cbor_map_add(m, (struct cbor_pair){ .key = cbor_move(key), .value = cbor_move(val) });
}

/* -n - 1 as CBOR */
static cbor_item_t *neg(int v) { return cbor_build_negint8((uint8_t)(-v - 1)); }

/* The COSE key of k, serialised into out; its length. */
static size_t cose_key(const sw_key *k, unsigned char *out, size_t cap)
{
    cbor_item_t *m = cbor_new_definite_map(k->es256 == SW_ES256 ? 5 : 4);
    if (k->es256 == SW_RS256) {
        unsigned char nb[512], eb[8];
        BIGNUM *bn = NULL, *be = NULL;
        EVP_PKEY_get_bn_param(k->ec, OSSL_PKEY_PARAM_RSA_N, &bn);
        EVP_PKEY_get_bn_param(k->ec, OSSL_PKEY_PARAM_RSA_E, &be);
        int nl = BN_bn2bin(bn, nb), el = BN_bn2bin(be, eb);
        BN_free(bn);
        BN_free(be);
        map_add(m, cbor_build_uint8(1), cbor_build_uint8(3));
        map_add(m, cbor_build_uint8(3), neg16(-257));
        map_add(m, neg(-1), cbor_build_bytestring(nb, (size_t)nl));
        map_add(m, neg(-2), cbor_build_bytestring(eb, (size_t)el));
    } else if (k->es256 == SW_ES256) {
        unsigned char x[32], y[32];
        BIGNUM *bx = NULL, *by = NULL;
        EVP_PKEY_get_bn_param(k->ec, OSSL_PKEY_PARAM_EC_PUB_X, &bx);
        EVP_PKEY_get_bn_param(k->ec, OSSL_PKEY_PARAM_EC_PUB_Y, &by);
        BN_bn2binpad(bx, x, 32);
        BN_bn2binpad(by, y, 32);
        BN_free(bx);
        BN_free(by);
        map_add(m, cbor_build_uint8(1), cbor_build_uint8(2));
        map_add(m, cbor_build_uint8(3), neg(-7));
        map_add(m, neg(-1), cbor_build_uint8(1));
        map_add(m, neg(-2), cbor_build_bytestring(x, 32));
        map_add(m, neg(-3), cbor_build_bytestring(y, 32));
    } else {
        map_add(m, cbor_build_uint8(1), cbor_build_uint8(1));
        map_add(m, cbor_build_uint8(3), neg(-8));
        map_add(m, neg(-1), cbor_build_uint8(6));
        map_add(m, neg(-2), cbor_build_bytestring(k->ed_pk, 32));
    }
    size_t n = cbor_serialize(m, out, cap);
    cbor_decref(&m);
    return n;
}

/* A SHA-256 signature by an OpenSSL key (DER ECDSA or PKCS#1 v1.5). */
static size_t sign_evp(EVP_PKEY *key, const unsigned char *msg, size_t len, unsigned char *sig, size_t cap)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = cap;
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 || EVP_DigestSign(ctx, sig, &n, msg, len) != 1) n = 0;
    EVP_MD_CTX_free(ctx);
    return n;
}

/* Signature over msg: raw Ed25519, DER ECDSA, or RSASSA-PKCS1-v1_5. */
static size_t sign(const sw_key *k, const unsigned char *msg, size_t len, unsigned char *sig, size_t cap)
{
    if (k->es256 == SW_ED25519) {
        crypto_sign_detached(sig, NULL, msg, len, k->ed_sk);
        return 64;
    }
    return sign_evp(k->ec, msg, len, sig, cap);
}

/* A self-signed attestation certificate for key (DER into out); its length,
 * 0 on failure. Nobody checks its dates: libfido2 takes the key from it. */
static size_t att_cert(EVP_PKEY *key, unsigned char *out, size_t cap)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    size_t n = 0;
    if (x && name && X509_set_version(x, 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(x), 0) && X509_gmtime_adj(X509_getm_notAfter(x), 86400L) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"labpass test attestation", -1, -1,
                                   0) == 1 &&
        X509_set_subject_name(x, name) == 1 && X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, key) == 1 &&
        X509_sign(x, key, EVP_sha256()) > 0) {
        int l = i2d_X509(x, NULL);
        unsigned char *p = out;
        if (l > 0 && (size_t)l <= cap && i2d_X509(x, &p) == l) n = (size_t)l;
    }
    X509_NAME_free(name);
    X509_free(x);
    return n;
}

static void client_data(char *out, size_t cap, const char *type, const json_t *options, const char *origin,
                        const sw_tamper *t)
{
    const char *chal = t && t->challenge ? t->challenge : json_string_value(json_object_get(options, "challenge"));
    snprintf(out, cap, "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\",\"crossOrigin\":%s}",
             t && t->type ? t->type : type, chal ? chal : "", t && t->origin ? t->origin : origin,
             t && t->cross_origin ? "true" : "false");
}

/* authenticatorData without attested credential data; its length (37). */
static size_t auth_head(sw_key *k, unsigned char *ad, const char *rp_id, int flags, const sw_tamper *t)
{
    crypto_hash_sha256(ad, (const unsigned char *)(t && t->rp_id ? t->rp_id : rp_id),
                       strlen(t && t->rp_id ? t->rp_id : rp_id));
    ad[32] = (unsigned char)(t && t->flags ? t->flags : flags);
    uint32_t c = 0;
    if (t && t->counter > 0) c = (uint32_t)t->counter;
    else if (!k->zero_counter) c = ++k->counter;
    if (t && t->counter > 0) k->counter = c;
    ad[33] = (unsigned char)(c >> 24); ad[34] = (unsigned char)(c >> 16);
    ad[35] = (unsigned char)(c >> 8); ad[36] = (unsigned char)c;
    return 37;
}

static size_t signed_over(unsigned char *buf, const unsigned char *ad, size_t adl, const char *cdj)
{
    memcpy(buf, ad, adl);
    crypto_hash_sha256(buf + adl, (const unsigned char *)cdj, strlen(cdj));
    return adl + 32;
}

char *sw_register_body(sw_key *k, const json_t *options, const char *rp_id, const char *origin, const char *name,
                       const sw_tamper *t)
{
    unsigned char ad[768], tbs[800], sig[512], att[2048];
    char cdj[600];
    client_data(cdj, sizeof cdj, "webauthn.create", options, origin, t);
    size_t n = auth_head(k, ad, rp_id, 0x45, t);   /* UP, UV, AT */
    memset(ad + n, 0xAA, 16);                       /* aaguid */
    n += 16;
    ad[n++] = 0;
    ad[n++] = sizeof k->cred_id;
    memcpy(ad + n, k->cred_id, sizeof k->cred_id);
    n += sizeof k->cred_id;
    n += cose_key(k, ad + n, sizeof ad - n);
    cbor_item_t *stmt;
    if (t && t->x5c) {   /* full attestation: an attestation key and its certificate */
        EVP_PKEY *ak = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        unsigned char der[1024];
        size_t dl = ak ? att_cert(ak, der, sizeof der) : 0;
        size_t m = signed_over(tbs, ad, n, cdj);
        size_t sl = t->x5c == 2 ? sign(k, tbs, m, sig, sizeof sig) : sign_evp(ak, tbs, m, sig, sizeof sig);
        cbor_item_t *chain = cbor_new_definite_array(1);
        (void)cbor_array_push(chain, cbor_move(cbor_build_bytestring(der, dl)));
        stmt = cbor_new_definite_map(3);
        map_add(stmt, cbor_build_string("alg"), neg(-7));
        map_add(stmt, cbor_build_string("sig"), cbor_build_bytestring(sig, sl));
        map_add(stmt, cbor_build_string("x5c"), chain);
        EVP_PKEY_free(ak);
    } else if (t && t->packed) {
        size_t m = signed_over(tbs, ad, n, cdj);
        size_t sl = sign(k, tbs, m, sig, sizeof sig);
        if (t->bad_sig) sig[sl / 2] ^= 1;
        stmt = cbor_new_definite_map(2);
        map_add(stmt, cbor_build_string("alg"), cose_alg(k) == -257 ? neg16(-257) : neg(cose_alg(k)));
        map_add(stmt, cbor_build_string("sig"), cbor_build_bytestring(sig, sl));
    } else {
        stmt = cbor_new_definite_map(0);
    }
    cbor_item_t *obj = cbor_new_definite_map(3);
    map_add(obj, cbor_build_string("fmt"), cbor_build_string(t && (t->packed || t->x5c) ? "packed" : "none"));
    map_add(obj, cbor_build_string("attStmt"), stmt);
    map_add(obj, cbor_build_string("authData"), cbor_build_bytestring(ad, n));
    size_t al = cbor_serialize(obj, att, sizeof att);
    cbor_decref(&obj);
    char *c64 = sw_b64((const unsigned char *)cdj, strlen(cdj)), *a64 = sw_b64(att, al);
    json_t *b = json_pack("{s:s, s:s, s:s}", "name", name, "client_data_json", c64, "attestation_object", a64);
    char *txt = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    free(c64);
    free(a64);
    return txt;
}

char *sw_assert_body(sw_key *k, const json_t *options, const char *rp_id, const char *origin, const char *user_handle,
                     const sw_tamper *t)
{
    unsigned char ad[64], tbs[128], sig[512];
    char cdj[600];
    client_data(cdj, sizeof cdj, "webauthn.get", options, origin, t);
    size_t n = auth_head(k, ad, rp_id, 0x05, t);   /* UP, UV */
    size_t m = signed_over(tbs, ad, n, cdj);
    size_t sl = sign(k, tbs, m, sig, sizeof sig);
    if (t && t->bad_sig) sig[sl / 2] ^= 1;
    char *c64 = sw_b64((const unsigned char *)cdj, strlen(cdj)), *a64 = sw_b64(ad, n), *s64 = sw_b64(sig, sl);
    char *i64 = sw_b64(k->cred_id, sizeof k->cred_id);
    json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "credential_id", i64, "client_data_json", c64, "authenticator_data",
                          a64, "signature", s64);
    if (user_handle) json_object_set_new(b, "user_handle", json_string(user_handle));
    char *txt = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    free(c64); free(a64); free(s64); free(i64);
    return txt;
}
