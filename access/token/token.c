/* token.c: the labpass pass: CWT claims inside a COSE_Sign1 (see token.h and
 * docs/access-protocol.md). Encodes claims deterministically, decodes them
 * strictly (one table of claim rules, keys strictly ascending, required
 * claims present, unknown claims skipped but still checked for form), and
 * applies the time rule. Both directions run tok_claims_check, so the encoder
 * cannot write a pass the decoder would refuse. */
#include <stddef.h>
#include <string.h>
#include "access/token/tok_internal.h"

/* Claim labels (RFC 8392, RFC 8747) and COSE_Key labels (RFC 9052/9053). */
enum {
    CL_ISS = 1, CL_SUB = 2, CL_EXP = 4, CL_NBF = 5, CL_IAT = 6, CL_CTI = 7, CL_CNF = 8,
    CNF_COSE_KEY = 1, CNF_KID = 3,
    KEY_KTY = 1, KEY_CRV = -1, KEY_X = -2,
    KTY_OKP = 1, CRV_ED25519 = 6,
};

/* ---- reasons ---- */

static const struct {
    const char *name;
    int err;
} reasons[TOK_REASON_COUNT] = {
    [TOK_OK] = { "ok", 0 },
    [TOK_MALFORMED] = { "malformed", LP_ERR_INVALID },
    [TOK_UNKNOWN_KEY] = { "unknown_key", LP_ERR_NOTFOUND },
    [TOK_BAD_SIGNATURE] = { "bad_signature", LP_ERR_CRYPTO },
    [TOK_EXPIRED] = { "expired", LP_ERR_RULE },
    [TOK_NOT_YET_VALID] = { "not_yet_valid", LP_ERR_RULE },
    [TOK_NO_HOLDER_KEY] = { "no_holder_key", LP_ERR_STATE },
};

const char *tok_reason_name(enum tok_reason r)
{
    return (unsigned)r < TOK_REASON_COUNT ? reasons[r].name : "unknown";
}

int tok_reason_err(enum tok_reason r)
{
    return (unsigned)r < TOK_REASON_COUNT ? reasons[r].err : LP_ERR_INTERNAL;
}

int tok_fail(enum tok_reason *why, enum tok_reason r)
{
    if (why)
        *why = r;
    return tok_reason_err(r);
}

/* ---- claim rules ---- */

int tok_text_ok(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return 0;
    }
    return 1;
}

static int cstr_ok(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    return n <= max && tok_text_ok(s, n, max);
}

int tok_groups_ok(const char groups[][TOK_GROUP_MAX + 1], size_t n)
{
    if (n == 0 || n > TOK_GROUPS_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!cstr_ok(groups[i], TOK_GROUP_MAX))
            return 0;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(groups[i], groups[j]) == 0)
                return 0;
        }
    }
    return 1;
}

int tok_claims_check(const struct tok_claims *c)
{
    if (!cstr_ok(c->iss, TOK_TEXT_MAX) || !cstr_ok(c->sub, TOK_TEXT_MAX) ||
        !tok_groups_ok(c->groups, c->n_groups))
        return LP_ERR_INVALID;
    if (c->nbf < 0 || c->iat < 0 || c->exp <= c->nbf || c->iat > c->exp)
        return LP_ERR_INVALID;
    if ((c->has_reservation && c->reservation < 0) || (c->has_tenant && c->tenant < 0))
        return LP_ERR_INVALID;
    if (c->has_cnf && c->has_card)
        return LP_ERR_INVALID;
    return 0;
}

/* ---- encoder ---- */

/* A card binding: cnf = {3: card id} (RFC 8747 key identifier). */
static void put_cnf_card(struct tok_wr *w, const uint8_t id[TOK_CARD_ID_LEN])
{
    tok_wr_map(w, 1);
    tok_wr_uint(w, CNF_KID);
    tok_wr_bstr(w, id, TOK_CARD_ID_LEN);
}

static void put_cnf(struct tok_wr *w, const uint8_t pk[TOK_PK_LEN])
{
    tok_wr_map(w, 1);
    tok_wr_uint(w, CNF_COSE_KEY);
    tok_wr_map(w, 3);                           /* keys in deterministic order: 1, -1, -2 */
    tok_wr_int(w, KEY_KTY);
    tok_wr_int(w, KTY_OKP);
    tok_wr_int(w, KEY_CRV);
    tok_wr_int(w, CRV_ED25519);
    tok_wr_int(w, KEY_X);
    tok_wr_bstr(w, pk, TOK_PK_LEN);
}

/* The labpass claim: {1: [groups], ? 2: reservation, ? 3: tenant}. */
static void put_labpass(struct tok_wr *w, const struct tok_claims *c)
{
    tok_wr_int(w, TOK_CLAIM_LABPASS);
    tok_wr_map(w, 1 + !!c->has_reservation + !!c->has_tenant);
    tok_wr_uint(w, TOK_LP_GROUPS);
    tok_wr_array(w, c->n_groups);
    for (size_t i = 0; i < c->n_groups; i++)
        tok_wr_tstr(w, c->groups[i], strlen(c->groups[i]));
    if (c->has_reservation) {
        tok_wr_uint(w, TOK_LP_RESERVATION);
        tok_wr_int(w, c->reservation);
    }
    if (c->has_tenant) {
        tok_wr_uint(w, TOK_LP_TENANT);
        tok_wr_int(w, c->tenant);
    }
}

/* Claims in deterministic key order: 1 2 4 5 6 7 8 -65537. */
static void put_claims(struct tok_wr *w, const struct tok_claims *c)
{
    tok_wr_map(w, 7 + !!(c->has_cnf || c->has_card));
    tok_wr_uint(w, CL_ISS);
    tok_wr_tstr(w, c->iss, strlen(c->iss));
    tok_wr_uint(w, CL_SUB);
    tok_wr_tstr(w, c->sub, strlen(c->sub));
    tok_wr_uint(w, CL_EXP);
    tok_wr_int(w, c->exp);
    tok_wr_uint(w, CL_NBF);
    tok_wr_int(w, c->nbf);
    tok_wr_uint(w, CL_IAT);
    tok_wr_int(w, c->iat);
    tok_wr_uint(w, CL_CTI);
    tok_wr_bstr(w, c->cti, TOK_CTI_LEN);
    if (c->has_cnf) {
        tok_wr_uint(w, CL_CNF);
        put_cnf(w, c->cnf_pk);
    } else if (c->has_card) {
        tok_wr_uint(w, CL_CNF);
        put_cnf_card(w, c->card_id);
    }
    put_labpass(w, c);
}

int tok_encode(const struct tok_claims *c, const uint8_t sk[TOK_SK_LEN],
               const uint8_t *kid, size_t kid_len,
               uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t payload[TOK_PASS_MAX];
    struct tok_wr pw, w;
    *out_len = 0;
    if (tok_claims_check(c) != 0)
        return LP_ERR_INVALID;
    tok_wr_init(&pw, payload, sizeof payload);
    put_claims(&pw, c);
    if (pw.err)
        return LP_ERR_TOOBIG;
    tok_wr_init(&w, out, cap < TOK_PASS_BUDGET ? cap : TOK_PASS_BUDGET);
    int rc = tok_sign1_build(&w, payload, pw.len, sk, kid, kid_len);
    if (rc == 0)
        *out_len = w.len;
    return rc;
}

/* ---- decoder ---- */

int tok_rd_text(struct tok_rd *r, char *out, size_t max)
{
    struct tok_item it;
    if (tok_rd_expect(r, TK_TSTR, &it) != 0 || !tok_text_ok((const char *)it.data, it.val, max))
        return LP_ERR_INVALID;
    memcpy(out, it.data, it.val);
    out[it.val] = '\0';
    return 0;
}

int tok_rd_uint(struct tok_rd *r, int64_t *out)
{
    struct tok_item it;
    if (tok_rd_expect(r, TK_UINT, &it) != 0)
        return LP_ERR_INVALID;
    return tok_item_int(&it, out);
}

static int get_int_is(struct tok_rd *r, int64_t want)
{
    struct tok_item it;
    int64_t v;
    if (tok_rd_next(r, &it) != 0 || tok_item_int(&it, &v) != 0 || v != want)
        return LP_ERR_INVALID;
    return 0;
}

static int cl_iss(struct tok_rd *r, struct tok_claims *c) { return tok_rd_text(r, c->iss, TOK_TEXT_MAX); }
static int cl_sub(struct tok_rd *r, struct tok_claims *c) { return tok_rd_text(r, c->sub, TOK_TEXT_MAX); }
static int cl_exp(struct tok_rd *r, struct tok_claims *c) { return tok_rd_uint(r, &c->exp); }
static int cl_nbf(struct tok_rd *r, struct tok_claims *c) { return tok_rd_uint(r, &c->nbf); }
static int cl_iat(struct tok_rd *r, struct tok_claims *c) { return tok_rd_uint(r, &c->iat); }

static int cl_cti(struct tok_rd *r, struct tok_claims *c)
{
    struct tok_item it;
    if (tok_rd_expect(r, TK_BSTR, &it) != 0 || it.val != TOK_CTI_LEN)
        return LP_ERR_INVALID;
    memcpy(c->cti, it.data, TOK_CTI_LEN);
    return 0;
}

/* cnf = {3: bstr .size 16}: the card id of a DESFire card (section 18.3). */
static int cl_cnf_card(struct tok_rd *r, struct tok_claims *c)
{
    struct tok_item it;
    if (tok_rd_expect(r, TK_BSTR, &it) != 0 || it.val != TOK_CARD_ID_LEN)
        return LP_ERR_INVALID;
    memcpy(c->card_id, it.data, TOK_CARD_ID_LEN);
    c->has_card = 1;
    return 0;
}

/* cnf = {1: {1: 1, -1: 6, -2: bstr .size 32}}, exactly, in this order, or
 * {3: card id}. */
static int cl_cnf(struct tok_rd *r, struct tok_claims *c)
{
    struct tok_item it;
    int64_t method = 0;
    if (tok_rd_expect(r, TK_MAP, &it) != 0 || it.val != 1 || tok_rd_next(r, &it) != 0 ||
        tok_item_int(&it, &method) != 0)
        return LP_ERR_INVALID;
    if (method == CNF_KID)
        return cl_cnf_card(r, c);
    if (method != CNF_COSE_KEY)
        return LP_ERR_INVALID;
    if (tok_rd_expect(r, TK_MAP, &it) != 0 || it.val != 3)
        return LP_ERR_INVALID;
    if (get_int_is(r, KEY_KTY) != 0 || get_int_is(r, KTY_OKP) != 0 ||
        get_int_is(r, KEY_CRV) != 0 || get_int_is(r, CRV_ED25519) != 0 ||
        get_int_is(r, KEY_X) != 0)
        return LP_ERR_INVALID;
    if (tok_rd_expect(r, TK_BSTR, &it) != 0 || it.val != TOK_PK_LEN)
        return LP_ERR_INVALID;
    memcpy(c->cnf_pk, it.data, TOK_PK_LEN);
    c->has_cnf = 1;
    return 0;
}

int tok_rd_groups(struct tok_rd *r, char groups[][TOK_GROUP_MAX + 1], size_t *n)
{
    struct tok_item it;
    if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val == 0 || it.val > TOK_GROUPS_MAX)
        return LP_ERR_INVALID;
    *n = it.val;
    for (size_t i = 0; i < *n; i++) {
        if (tok_rd_text(r, groups[i], TOK_GROUP_MAX) != 0)
            return LP_ERR_INVALID;
    }
    return 0;
}

static int lp_groups(struct tok_rd *r, struct tok_claims *c) { return tok_rd_groups(r, c->groups, &c->n_groups); }

static int lp_reservation(struct tok_rd *r, struct tok_claims *c)
{
    c->has_reservation = 1;
    return tok_rd_uint(r, &c->reservation);
}

static int lp_tenant(struct tok_rd *r, struct tok_claims *c)
{
    c->has_tenant = 1;
    return tok_rd_uint(r, &c->tenant);
}

/* The labpass claim's map: groups required, reservation and tenant optional,
 * other keys skipped after their form is checked (room to grow). */
static int cl_labpass(struct tok_rd *r, struct tok_claims *c)
{
    static int (*const parse[])(struct tok_rd *, struct tok_claims *) = {
        [TOK_LP_GROUPS] = lp_groups, [TOK_LP_RESERVATION] = lp_reservation, [TOK_LP_TENANT] = lp_tenant,
    };
    struct tok_item map, key;
    size_t po = 0, pe = 0;
    int64_t k;
    if (tok_rd_expect(r, TK_MAP, &map) != 0)
        return LP_ERR_INVALID;
    for (uint64_t i = 0; i < map.val; i++) {
        if (tok_rd_key(r, &key, &po, &pe) != 0)
            return LP_ERR_INVALID;
        int known = tok_item_int(&key, &k) == 0 && k >= TOK_LP_GROUPS && k <= TOK_LP_TENANT;
        if ((known ? parse[k](r, c) : tok_rd_skip(r, 2)) != 0)
            return LP_ERR_INVALID;
    }
    return c->n_groups > 0 ? 0 : LP_ERR_INVALID;
}

enum { REQUIRED = 1, OPTIONAL = 0 };

static const struct claim_rule {
    int64_t label;
    int required;
    int (*parse)(struct tok_rd *r, struct tok_claims *c);
} claim_rules[] = {
    { CL_ISS, REQUIRED, cl_iss },
    { CL_SUB, REQUIRED, cl_sub },
    { CL_EXP, REQUIRED, cl_exp },
    { CL_NBF, REQUIRED, cl_nbf },
    { CL_IAT, REQUIRED, cl_iat },
    { CL_CTI, REQUIRED, cl_cti },
    { CL_CNF, OPTIONAL, cl_cnf },
    { TOK_CLAIM_LABPASS, REQUIRED, cl_labpass },
};
#define N_CLAIM_RULES (sizeof claim_rules / sizeof claim_rules[0])

/* One claim: a known label goes to its rule (noting it in *seen), anything
 * else is skipped after its form is checked (RFC 8392: ignore unknown claims). */
static int claim_entry(struct tok_rd *r, const struct tok_item *key, uint32_t *seen,
                       struct tok_claims *c)
{
    int64_t label;
    if (tok_item_int(key, &label) == 0) {
        for (size_t i = 0; i < N_CLAIM_RULES; i++) {
            if (claim_rules[i].label == label) {
                *seen |= UINT32_C(1) << i;
                return claim_rules[i].parse(r, c);
            }
        }
    }
    return tok_rd_skip(r, 1);
}

static int parse_claims(const uint8_t *p, size_t len, struct tok_claims *c)
{
    struct tok_rd r;
    struct tok_item map, key;
    size_t po = 0, pe = 0;
    uint32_t seen = 0;
    memset(c, 0, sizeof *c);
    tok_rd_init(&r, p, len);
    if (tok_rd_expect(&r, TK_MAP, &map) != 0)
        return LP_ERR_INVALID;
    for (uint64_t i = 0; i < map.val; i++) {
        if (tok_rd_key(&r, &key, &po, &pe) != 0 || claim_entry(&r, &key, &seen, c) != 0)
            return LP_ERR_INVALID;
    }
    if (!tok_rd_done(&r))
        return LP_ERR_INVALID;
    for (size_t i = 0; i < N_CLAIM_RULES; i++) {
        if (claim_rules[i].required && !(seen & (UINT32_C(1) << i)))
            return LP_ERR_INVALID;
    }
    return tok_claims_check(c);
}

int tok_decode(const uint8_t *in, size_t len, struct tok_pass *out, enum tok_reason *why)
{
    struct tok_sign1_view v;
    memset(out, 0, offsetof(struct tok_pass, raw));
    out->raw_len = 0;
    if (len > TOK_PASS_MAX) {
        tok_fail(why, TOK_MALFORMED);
        return LP_ERR_TOOBIG;
    }
    if (in == NULL || tok_sign1_parse(in, len, &v) != 0 ||
        parse_claims(in + v.payload_off, v.payload_len, &out->claims) != 0)
        return tok_fail(why, TOK_MALFORMED);
    memcpy(out->kid, v.kid, v.kid_len);
    out->kid_len = v.kid_len;
    memcpy(out->raw, in, len);
    out->raw_len = len;
    out->prot_off = v.prot_off;
    out->prot_len = v.prot_len;
    out->payload_off = v.payload_off;
    out->payload_len = v.payload_len;
    out->sig_off = v.sig_off;
    return tok_fail(why, TOK_OK);
}

/* ---- verification and time ---- */

int tok_verify(struct tok_pass *p, const struct tok_key *keys, size_t n, enum tok_reason *why)
{
    struct tok_sign1_view v;
    p->verified = 0;
    if (p->raw_len == 0 || p->raw_len > TOK_PASS_MAX || p->kid_len > TOK_KID_MAX ||
        p->sig_off + TOK_SIG_LEN != p->raw_len)
        return tok_fail(why, TOK_MALFORMED);    /* not a pass from tok_decode */
    memset(&v, 0, sizeof v);
    v.prot_off = p->prot_off;
    v.prot_len = p->prot_len;
    v.payload_off = p->payload_off;
    v.payload_len = p->payload_len;
    v.sig_off = p->sig_off;
    memcpy(v.kid, p->kid, p->kid_len);
    v.kid_len = p->kid_len;
    int rc = tok_sign1_check(p->raw, &v, keys, n, why);
    p->verified = rc == 0;
    return rc;
}

int tok_check_time(const struct tok_pass *p, int64_t now, int64_t skew, enum tok_reason *why)
{
    if (skew < 0 || skew > TOK_SKEW_MAX)
        return LP_ERR_INVALID;
    /* nbf >= 0 and skew is small, so nbf - skew cannot overflow; past that
     * test now >= -TOK_SKEW_MAX, so now - skew cannot either. */
    if (now < p->claims.nbf - skew)
        return tok_fail(why, TOK_NOT_YET_VALID);
    if (now - skew >= p->claims.exp)
        return tok_fail(why, TOK_EXPIRED);
    return tok_fail(why, TOK_OK);
}

int tok_check(const uint8_t *in, size_t len, const struct tok_key *keys, size_t n,
              int64_t now, int64_t skew, struct tok_pass *out, enum tok_reason *why)
{
    int rc = tok_decode(in, len, out, why);
    if (rc == 0)
        rc = tok_verify(out, keys, n, why);
    if (rc == 0)
        rc = tok_check_time(out, now, skew, why);
    return rc;
}
