/* test_oidc.c: unit tests for OpenID Connect sign-in. The ID token checks on
 * tokens this test signs itself with libjose (RS256, ES256) and libsodium
 * (EdDSA): good tokens verify; a wrong audience, issuer or nonce, an expired
 * or too old token, a tampered payload, another key, an unknown kid, alg none
 * or HS256, and a key of the wrong type for the algorithm are refused. The
 * URL rule of issuers (https, plain http only to loopback). On a scratch
 * database with a fixed clock: pending logins are used once, bound to the
 * browser, expire and are bounded per client; who a verified identity signs
 * in as (by rule, by sub, never by e-mail alone, approval, suspended tenants,
 * linking, staff by group). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <jose/jose.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/oidc_rp.h"
#include "booking/oidc.h"
#include "booking/person.h"
#include "booking/tenant.h"
#include "core/clock.h"
#include "tests/lib/tmpdb.h"

#define NOW 1796104800LL   /* 2026-12-01T06:00:00Z */
#define ISS "https://idp.example.org"
#define AUD "labpass-client"

static const actor_t T = { 0, "test" };
static char path[128];
static db_t *db;

/* ---- tokens signed here ---- */

static json_t *claims_ok(void)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "iss", ISS, "aud", AUD, "sub", "user-1", "iat",
                     (json_int_t)NOW, "exp", (json_int_t)(NOW + 300), "nonce", "n-123", "email", "a@b.nl");
}

/* A compact JWS of claims with a JOSE key (alg from the key). */
static char *sign_jose(const json_t *jwk, const char *alg, const char *kid, json_t *claims)
{
    char *text = json_dumps(claims, JSON_COMPACT);
    json_t *jws = json_pack("{s:o}", "payload", jose_b64_enc(text, strlen(text)));
    json_t *sig = kid ? json_pack("{s:{s:s, s:s}}", "protected", "alg", alg, "kid", kid)
                      : json_pack("{s:{s:s}}", "protected", "alg", alg);
    assert_true(jose_jws_sig(NULL, jws, sig, jwk));
    const char *p = json_string_value(json_object_get(jws, "protected"));
    const char *pl = json_string_value(json_object_get(jws, "payload"));
    const char *s = json_string_value(json_object_get(jws, "signature"));
    assert_non_null(p);
    assert_non_null(s);
    size_t n = strlen(p) + strlen(pl) + strlen(s) + 3;
    char *out = malloc(n);
    snprintf(out, n, "%s.%s.%s", p, pl, s);
    free(text);
    json_decref(jws);
    json_decref(sig);
    json_decref(claims);
    return out;
}

static char *b64(const void *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *o = malloc(cap);
    sodium_bin2base64(o, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return o;
}

/* A compact EdDSA JWS with the Ed25519 secret key sk. */
static char *sign_ed(const unsigned char *sk, const char *kid, const char *alg, json_t *claims)
{
    char hdr[128], *text = json_dumps(claims, JSON_COMPACT);
    snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"kid\":\"%s\"}", alg, kid);
    char *h = b64(hdr, strlen(hdr)), *p = b64(text, strlen(text));
    size_t n = strlen(h) + strlen(p) + 200;
    char *out = malloc(n);
    snprintf(out, n, "%s.%s", h, p);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)out, strlen(out), sk);
    char *s = b64(sig, sizeof sig);
    strcat(out, ".");
    strcat(out, s);
    free(h); free(p); free(s); free(text);
    json_decref(claims);
    return out;
}

static json_t *gen(const char *alg, const char *kid)
{
    json_t *k = json_pack("{s:s}", "alg", alg);
    assert_true(jose_jwk_gen(NULL, k));
    json_object_set_new(k, "kid", json_string(kid));
    return k;
}

static json_t *pub(const json_t *k)
{
    json_t *p = json_deep_copy(k);
    assert_true(jose_jwk_pub(NULL, p));
    json_object_del(p, "key_ops");
    json_object_set_new(p, "use", json_string("sig"));
    return p;
}

static int verify(const char *jwt, const json_t *jwks, const char *nonce)
{
    oidc_expect e = { ISS, AUD, nonce, NOW, NULL };
    json_t *c = NULL;
    char why[160];
    int rc = oidc_rp_verify(jwt, jwks, &e, &c, why, sizeof why);
    if (rc == 0) {
        assert_string_equal(json_string_value(json_object_get(c, "sub")), "user-1");
        json_decref(c);
    } else assert_null(c);
    return rc;
}

static void test_verify(void **st)
{
    json_t *rsa = gen("RS256", "r1"), *ec = gen("ES256", "e1"), *rsa2 = gen("RS256", "r2");
    unsigned char edpk[crypto_sign_PUBLICKEYBYTES], edsk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(edpk, edsk);
    char *x = b64(edpk, sizeof edpk);
    json_t *jwks = json_pack("{s:[o, o, {s:s, s:s, s:s, s:s}]}", "keys", pub(rsa), pub(ec), "kty", "OKP", "crv",
                             "Ed25519", "x", x, "kid", "d1");
    free(x);

    char *t = sign_jose(rsa, "RS256", "r1", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), 0);
    assert_int_equal(verify(t, jwks, "n-124"), LP_ERR_INVALID);        /* another login's nonce */
    t[strlen(t) - 5] ^= 1;                                              /* a changed signature */
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_CRYPTO);
    free(t);
    t = sign_jose(ec, "ES256", "e1", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), 0);
    free(t);
    t = sign_ed(edsk, "d1", "EdDSA", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), 0);
    free(t);

    /* a key the provider does not publish (rotated away): no key fits its kid */
    t = sign_jose(rsa2, "RS256", "r2", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_NOTFOUND);
    free(t);
    /* the same kid as a published key, signed by another one */
    t = sign_jose(rsa2, "RS256", "r1", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_CRYPTO);
    free(t);
    /* an EC key named by an RS256 header: the algorithm decides the key type */
    t = sign_jose(rsa, "RS256", "e1", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_NOTFOUND);
    free(t);

    /* claims */
    json_t *c = claims_ok();
    json_object_set_new(c, "aud", json_string("another-client"));
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_INVALID);
    free(t);
    c = claims_ok();
    json_object_set_new(c, "aud", json_pack("[s, s]", AUD, "other"));   /* several audiences need azp */
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_INVALID);
    free(t);
    c = claims_ok();
    json_object_set_new(c, "aud", json_pack("[s, s]", AUD, "other"));
    json_object_set_new(c, "azp", json_string(AUD));
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), 0);
    free(t);
    c = claims_ok();
    json_object_set_new(c, "iss", json_string("https://evil.example.org"));
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_INVALID);
    free(t);
    c = claims_ok();   /* expired beyond the skew */
    json_object_set_new(c, "iat", json_integer(NOW - 500));
    json_object_set_new(c, "exp", json_integer(NOW - OIDC_SKEW - 1));
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_INVALID);
    free(t);
    c = claims_ok();   /* expired but within the skew */
    json_object_set_new(c, "exp", json_integer(NOW - OIDC_SKEW + 5));
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), 0);
    free(t);
    c = claims_ok();   /* issued in the future */
    json_object_set_new(c, "iat", json_integer(NOW + OIDC_SKEW + 10));
    json_object_set_new(c, "exp", json_integer(NOW + 3600));
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_INVALID);
    free(t);
    c = claims_ok();   /* issued long ago, with a far expiry */
    json_object_set_new(c, "iat", json_integer(NOW - 86400));
    json_object_set_new(c, "exp", json_integer(NOW + 86400));
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_INVALID);
    free(t);
    c = claims_ok();
    json_object_del(c, "sub");
    t = sign_jose(rsa, "RS256", "r1", c);
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_INVALID);
    free(t);

    /* algorithms and shapes */
    json_t *hs = json_pack("{s:s}", "alg", "HS256");
    assert_true(jose_jwk_gen(NULL, hs));
    t = sign_jose(hs, "HS256", "r1", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_CRYPTO);
    free(t);
    json_decref(hs);
    t = sign_ed(edsk, "d1", "none", claims_ok());
    assert_int_equal(verify(t, jwks, "n-123"), LP_ERR_CRYPTO);
    free(t);
    static const char *const BAD[] = { "", "a", "a.b", "a.b.c.d", "..", "eyJhbGciOiJub25lIn0..", "a b.c.d",
                                       "eyJ9.eyJ9.eyJ9", "%00.%00.%00" };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) assert_int_equal(verify(BAD[i], jwks, "n-123"), LP_ERR_CRYPTO);
    char *huge = malloc(OIDC_MAX_TOKEN + 10);
    memset(huge, 'A', OIDC_MAX_TOKEN + 9);
    huge[OIDC_MAX_TOKEN + 9] = 0;
    huge[10] = huge[20] = '.';
    assert_int_equal(verify(huge, jwks, "n-123"), LP_ERR_CRYPTO);
    free(huge);

    json_decref(rsa); json_decref(ec); json_decref(rsa2); json_decref(jwks);
}

/* Microsoft Entra's multi-tenant endpoints: the discovery issuer is a
 * template; a token's iss must name its own tenant (tid). */
#define ENTRA "https://login.microsoftonline.com/"
#define TID "72f988bf-86f1-41af-91ab-2d7cd011db47"

static int verify_tenant(const json_t *key, const json_t *jwks, const char *iss, const char *tid)
{
    json_t *c = claims_ok();
    json_object_set_new(c, "iss", json_string(iss));
    if (tid) json_object_set_new(c, "tid", json_string(tid));
    char *t = sign_jose(key, "RS256", "r1", c);
    oidc_expect e = { ENTRA "organizations/v2.0", AUD, "n-123", NOW, ENTRA "{tenantid}/v2.0" };
    json_t *out = NULL;
    char why[160];
    int rc = oidc_rp_verify(t, jwks, &e, &out, why, sizeof why);
    json_decref(out);
    free(t);
    return rc;
}

static void test_tenant_issuer(void **st)
{
    assert_true(oidc_issuer_fits(ISS, ISS));
    assert_true(oidc_issuer_fits(ENTRA "organizations/v2.0", ENTRA "{tenantid}/v2.0"));
    assert_true(oidc_issuer_fits(ENTRA "common/v2.0", ENTRA "{tenantid}/v2.0"));
    assert_false(oidc_issuer_fits(ENTRA TID "/v2.0", ENTRA "{tenantid}/v2.0"));        /* one tenant: exact only */
    assert_false(oidc_issuer_fits("https://evil.example/organizations/v2.0", ENTRA "{tenantid}/v2.0"));
    assert_false(oidc_issuer_fits(ENTRA "organizations/v2.0/x", ENTRA "{tenantid}/v2.0"));
    assert_false(oidc_issuer_fits(ENTRA "organizations/v2.0", ENTRA "{tenantid}/{tenantid}/v2.0"));
    assert_false(oidc_issuer_fits(ENTRA "organizations/v2.0", NULL));
    assert_false(oidc_issuer_fits(ISS, ISS "/"));
    json_t *rsa = gen("RS256", "r1");
    json_t *jwks = json_pack("{s:[o]}", "keys", pub(rsa));
    assert_int_equal(verify_tenant(rsa, jwks, ENTRA TID "/v2.0", TID), 0);
    assert_int_equal(verify_tenant(rsa, jwks, ENTRA TID "/v2.0", "0b1c2d3e-0000-4000-8000-000000000001"), LP_ERR_INVALID);
    assert_int_equal(verify_tenant(rsa, jwks, ENTRA TID "/v2.0", NULL), LP_ERR_INVALID);
    assert_int_equal(verify_tenant(rsa, jwks, ENTRA "72F988BF-86F1-41AF-91AB-2D7CD011DB47/v2.0",
                                   "72F988BF-86F1-41AF-91AB-2D7CD011DB47"), LP_ERR_INVALID);
    assert_int_equal(verify_tenant(rsa, jwks, ENTRA "organizations/v2.0", TID), LP_ERR_INVALID);
    assert_int_equal(verify_tenant(rsa, jwks, "https://evil.example/" TID "/v2.0", TID), LP_ERR_INVALID);
    json_decref(jwks);
    json_decref(rsa);
}

static void test_url(void **st)
{
    char why[120];
    assert_int_equal(oidc_url_ok("https://login.microsoftonline.com/tid/v2.0", why, sizeof why), 0);
    assert_int_equal(oidc_url_ok("https://connect.surfconext.nl", why, sizeof why), 0);
    assert_int_equal(oidc_url_ok("http://127.0.0.1:4000", why, sizeof why), 0);
    assert_int_equal(oidc_url_ok("http://[::1]:4000/x", why, sizeof why), 0);
    assert_int_equal(oidc_url_ok("http://idp.example.org", why, sizeof why), LP_ERR_INVALID);
    assert_int_equal(oidc_url_ok("http://127.0.0.1.evil.org", why, sizeof why), LP_ERR_INVALID);
    assert_int_equal(oidc_url_ok("https://user:pw@idp.example.org", why, sizeof why), LP_ERR_INVALID);
    assert_int_equal(oidc_url_ok("https://idp.example.org/?x=1", why, sizeof why), LP_ERR_INVALID);
    assert_int_equal(oidc_url_ok("https:///path", why, sizeof why), LP_ERR_INVALID);
    assert_int_equal(oidc_url_ok("ftp://idp.example.org", why, sizeof why), LP_ERR_INVALID);
    assert_int_equal(oidc_url_ok("https://idp.example.org/a b", why, sizeof why), LP_ERR_INVALID);
}

/* ---- the database part ---- */

static int setup(void **st)
{
    clk_set_fixed(NOW);
    if (tdb_make(path, sizeof path, "oidc") != 0 || db_open(path, &db) != 0) return -1;
    return 0;
}

static int teardown(void **st)
{
    db_close(db);
    tdb_remove(path);
    return 0;
}

static int64_t provider(const char *issuer)
{
    oidc_provider p;
    lp_fail f = { 0 };
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "University");
    snprintf(p.issuer, sizeof p.issuer, "%s", issuer);
    snprintf(p.client_id, sizeof p.client_id, "labpass");
    snprintf(p.scopes, sizeof p.scopes, "openid email profile");
    snprintf(p.groups_claim, sizeof p.groups_claim, "groups");
    p.enabled = 1;
    uint8_t sealed[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    assert_int_equal(oidc_provider_create(db, &T, &p, sealed, sizeof sealed, &f), 0);
    assert_true(p.has_secret);
    return p.id;
}

static int64_t tenant(const char *name)
{
    tnt_tenant t = { 0 };
    lp_fail f;
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.country, sizeof t.country, "NL");
    snprintf(t.rate_tier, sizeof t.rate_tier, "startup");
    assert_int_equal(tnt_create(db, &T, &t, &f), 0);
    return t.id;
}

static void test_pending(void **st)
{
    int64_t pid = provider("https://pending.example.org");
    char state[OIDC_STATE_LEN], binding[OIDC_STATE_LEN], s2[OIDC_STATE_LEN], b2[OIDC_STATE_LEN];
    oidc_pending p, back;
    assert_int_equal(oidc_pending_create(db, pid, 0, "10.0.0.1", state, binding, &p), 0);
    assert_true(strlen(state) >= 43 && strlen(p.nonce) >= 43 && strlen(p.verifier) >= 43);
    assert_int_equal(oidc_pending_take(db, state, "other-binding", &back), LP_ERR_NOTFOUND);
    assert_int_equal(oidc_pending_take(db, state, binding, &back), LP_ERR_NOTFOUND);   /* used up by the try */
    assert_int_equal(oidc_pending_create(db, pid, 0, "10.0.0.1", state, binding, &p), 0);
    assert_int_equal(oidc_pending_take(db, state, binding, &back), 0);
    assert_string_equal(back.nonce, p.nonce);
    assert_string_equal(back.verifier, p.verifier);
    assert_int_equal(back.provider_id, pid);
    assert_int_equal(oidc_pending_take(db, state, binding, &back), LP_ERR_NOTFOUND);   /* once */
    /* expiry */
    assert_int_equal(oidc_pending_create(db, pid, 0, "10.0.0.1", state, binding, &p), 0);
    clk_set_fixed(NOW + OIDC_PENDING_TTL);
    assert_int_equal(oidc_pending_take(db, state, binding, &back), LP_ERR_NOTFOUND);
    clk_set_fixed(NOW);
    /* bounded per client; another client still gets one */
    for (int i = 0; i < OIDC_PENDING_PER_CLIENT; i++)
        assert_int_equal(oidc_pending_create(db, pid, 0, "10.0.0.2", state, binding, &p), 0);
    assert_int_equal(oidc_pending_create(db, pid, 0, "10.0.0.2", s2, b2, &p), LP_ERR_THROTTLED);
    assert_int_equal(oidc_pending_create(db, pid, 0, "10.0.0.3", s2, b2, &p), 0);
    /* expired ones make room again */
    clk_set_fixed(NOW + OIDC_PENDING_TTL + 1);
    assert_int_equal(oidc_pending_create(db, pid, 0, "10.0.0.2", s2, b2, &p), 0);
    clk_set_fixed(NOW);
    assert_int_equal(oidc_pending_create(db, 9999, 0, "10.0.0.4", s2, b2, &p), LP_ERR_NOTFOUND);
}

static int signin(int64_t prov, int64_t link, const char *sub, const char *email, const char *const *groups,
                  size_t ng, oidc_result *r)
{
    acct_policy pol;
    acct_policy_default(&pol);
    oidc_identity id = { sub, email, 1, "", groups, ng };
    return oidc_signin(db, &pol, prov, link, &id, "10.0.0.9", r);
}

static void test_signin(void **st)
{
    int64_t prov = provider("https://signin.example.org"), acme = tenant("Acme BV"), beta = tenant("Beta BV");
    oidc_rule rules[3];
    memset(rules, 0, sizeof rules);
    snprintf(rules[0].kind, 8, "domain"); snprintf(rules[0].value, 256, "acme.nl");
    rules[0].tenant_id = acme; snprintf(rules[0].role, 16, "member");
    snprintf(rules[1].kind, 8, "domain"); snprintf(rules[1].value, 256, "beta.nl");
    rules[1].tenant_id = beta; snprintf(rules[1].role, 16, "member"); rules[1].approval = 1;
    snprintf(rules[2].kind, 8, "group"); snprintf(rules[2].value, 256, "lab-staff");
    snprintf(rules[2].role, 16, "staff");
    lp_fail f = { 0 };
    assert_int_equal(oidc_rules_set(db, &T, prov, rules, 3, &f), 0);
    oidc_rule bad = rules[0];
    bad.tenant_id = 777;
    assert_int_equal(oidc_rules_set(db, &T, prov, &bad, 1, &f), LP_ERR_INVALID);
    oidc_rule *got = NULL;
    size_t n = 0;
    assert_int_equal(oidc_rules_list(db, prov, &got, &n), 0);
    assert_int_equal(n, 3);
    free(got);

    oidc_result r;
    /* day one: a new person of Acme by the domain rule */
    assert_int_equal(signin(prov, 0, "s-ann", "ann@acme.nl", NULL, 0, &r), 0);
    psn_person p;
    assert_int_equal(psn_get(db, r.person_id, &p), 0);
    assert_int_equal(p.tenant_id, acme);
    assert_string_equal(p.role, "member");
    assert_true(strlen(r.token) > 20);
    int64_t ann = r.person_id;
    /* again by sub, even with another e-mail address now */
    assert_int_equal(signin(prov, 0, "s-ann", "ann.new@elsewhere.org", NULL, 0, &r), 0);
    assert_int_equal(r.person_id, ann);
    /* a new sub with ann's address: never by e-mail alone */
    assert_int_equal(signin(prov, 0, "s-mallory", "ann@acme.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_LINK_REQUIRED);
    /* no rule: no account */
    assert_int_equal(signin(prov, 0, "s-x", "x@nowhere.org", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_NO_ACCOUNT);
    /* approval: created disabled, told to wait, still waiting next time */
    assert_int_equal(signin(prov, 0, "s-bob", "bob@beta.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_AWAITING_APPROVAL);
    assert_int_equal(psn_get_by_email(db, "bob@beta.nl", &p), 0);
    assert_int_equal(p.state, PSN_DISABLED);
    assert_int_equal(signin(prov, 0, "s-bob", "bob@beta.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_AWAITING_APPROVAL);
    p.state = PSN_ACTIVE;   /* the admin approves */
    assert_int_equal(psn_update(db, &T, &p, &f), 0);
    assert_int_equal(signin(prov, 0, "s-bob", "bob@beta.nl", NULL, 0, &r), 0);
    /* a disabled person who signed in before */
    p.state = PSN_DISABLED;
    assert_int_equal(psn_update(db, &T, &p, &f), 0);
    assert_int_equal(signin(prov, 0, "s-bob", "bob@beta.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_PERSON_DISABLED);
    /* a suspended tenant */
    assert_int_equal(tnt_set_state(db, &T, acme, TNT_SUSPENDED, &f), 0);
    assert_int_equal(signin(prov, 0, "s-ann", "ann@acme.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_TENANT_SUSPENDED);
    /* staff by group, before the domain */
    const char *groups[] = { "students", "lab-staff" };
    assert_int_equal(signin(prov, 0, "s-sam", "sam@acme.nl", groups, 2, &r), 0);
    assert_int_equal(psn_get(db, r.person_id, &p), 0);
    assert_true(p.is_staff);
    assert_int_equal(p.tenant_id, 0);
    /* a linked person who joins the staff group becomes staff at the next sign-in */
    assert_int_equal(signin(prov, 0, "s-bob", "bob@beta.nl", groups, 2, &r), LP_ERR_FORBIDDEN);   /* disabled: no */
    assert_int_equal(psn_get_by_email(db, "bob@beta.nl", &p), 0);
    assert_false(p.is_staff);
    psn_person dan = { 0 };
    snprintf(dan.email, sizeof dan.email, "dan@nowhere.org");
    snprintf(dan.name, sizeof dan.name, "Dan");
    assert_int_equal(psn_create(db, &T, &dan, "a-long-password", &f), 0);
    assert_int_equal(signin(prov, dan.id, "s-dan", "dan@nowhere.org", NULL, 0, &r), 0);
    assert_int_equal(psn_get(db, dan.id, &p), 0);
    assert_false(p.is_staff);
    assert_int_equal(signin(prov, 0, "s-dan", "dan@nowhere.org", groups, 2, &r), 0);
    assert_int_equal(psn_get(db, dan.id, &p), 0);
    assert_true(p.is_staff);
    /* linking: a password account proves itself by being signed in */
    psn_person carol = { 0 };
    snprintf(carol.email, sizeof carol.email, "carol@acme.nl");
    snprintf(carol.name, sizeof carol.name, "Carol");
    assert_int_equal(psn_create(db, &T, &carol, "a-long-password", &f), 0);
    assert_int_equal(signin(prov, 0, "s-carol", "carol@acme.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_LINK_REQUIRED);
    assert_int_equal(signin(prov, carol.id, "s-carol", "carol@acme.nl", NULL, 0, &r), 0);
    assert_int_equal(r.person_id, carol.id);
    assert_int_equal(signin(prov, 0, "s-carol", "carol@acme.nl", NULL, 0, &r), 0);
    assert_int_equal(r.person_id, carol.id);
    /* a sub linked to someone else, or a second sub for carol: refused */
    assert_int_equal(signin(prov, carol.id, "s-ann", "ann@acme.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_LINKED_ELSEWHERE);
    assert_int_equal(signin(prov, carol.id, "s-carol-2", "carol@acme.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_LINKED_ELSEWHERE);
    /* another issuer drops the links (its subjects are another provider's) */
    oidc_provider pv;
    assert_int_equal(oidc_provider_get(db, prov, &pv), 0);
    assert_int_equal(oidc_provider_update(db, &T, &pv, 0, NULL, 0, &f), 0);   /* same issuer: kept */
    assert_int_equal(signin(prov, 0, "s-carol", "carol@acme.nl", NULL, 0, &r), 0);
    snprintf(pv.issuer, sizeof pv.issuer, "https://other.example.org");
    assert_int_equal(oidc_provider_update(db, &T, &pv, 0, NULL, 0, &f), 0);
    assert_int_equal(signin(prov, 0, "s-carol", "carol@acme.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
    assert_string_equal(r.refusal, OIDC_LINK_REQUIRED);
    assert_int_equal(oidc_provider_get(db, prov, &pv), 0);
    assert_true(pv.has_secret);   /* the secret stays unless set */
    /* deleting the provider removes its links */
    assert_int_equal(oidc_provider_delete(db, &T, prov), 0);
    assert_int_equal(signin(prov, 0, "s-carol", "carol@acme.nl", NULL, 0, &r), LP_ERR_FORBIDDEN);
}

static void test_validate(void **st)
{
    oidc_provider p;
    lp_fail f = { 0 };
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "X");
    snprintf(p.issuer, sizeof p.issuer, "https://x.example.org");
    snprintf(p.client_id, sizeof p.client_id, "c");
    snprintf(p.scopes, sizeof p.scopes, "openid email");
    snprintf(p.groups_claim, sizeof p.groups_claim, "groups");
    assert_int_equal(oidc_validate(&p, &f), 0);
    snprintf(p.scopes, sizeof p.scopes, "email profile");
    assert_int_equal(oidc_validate(&p, &f), LP_ERR_INVALID);
    snprintf(p.scopes, sizeof p.scopes, "openid e\"mail");
    assert_int_equal(oidc_validate(&p, &f), LP_ERR_INVALID);
    snprintf(p.scopes, sizeof p.scopes, "openid");
    snprintf(p.issuer, sizeof p.issuer, "http://x.example.org");
    assert_int_equal(oidc_validate(&p, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "issuer");
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_tenant_issuer),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_pending),
        cmocka_unit_test(test_signin),
    };
    return cmocka_run_group_tests_name("oidc", tests, setup, teardown);
}
