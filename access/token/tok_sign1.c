/* tok_sign1.c: the COSE_Sign1 envelope (RFC 9052) shared by passes and by
 * signed bundles, and the key id rule.
 *
 * Wire form, and the only one accepted:
 *   18([ bstr .cbor {1: -8, 4: kid}, {}, bstr payload, bstr .size 64 ])
 * The tag is the single byte 0xd2; the protected map is deterministic and may
 * also carry crit (2) naming only alg or kid, or other labels, which are
 * ignored; the unprotected map must be empty (nothing unauthenticated rides
 * along, and a message has exactly one encoding). The signature is Ed25519
 * over the Sig_structure ["Signature1", protected, h'', payload]. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "access/token/tok_internal.h"

#define COSE_TAG_BYTE    0xd2   /* tag 18 in its one-byte head */
#define HDR_ALG          1
#define HDR_CRIT         2
#define HDR_KID          4
#define CRIT_MAX         8
#define SIG_CONTEXT      "Signature1"
#define SIGSTRUCT_STACK  1024   /* Sig_structures up to this size stay on the stack */
#define SIGSTRUCT_EXTRA  32     /* Sig_structure bytes besides protected + payload */

void tok_kid_from_pk(const uint8_t pk[TOK_PK_LEN], uint8_t kid[TOK_KID_LEN])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, TOK_PK_LEN);
    memcpy(kid, h, TOK_KID_LEN);
}

/* ---- protected header ---- */

struct prot_state {
    struct tok_sign1_view *v;
    unsigned seen;              /* bit per understood label found */
};

static int hdr_alg(struct tok_rd *r, struct prot_state *s)
{
    struct tok_item it;
    int64_t alg;
    if (tok_rd_next(r, &it) != 0 || tok_item_int(&it, &alg) != 0 || alg != TOK_COSE_ALG_EDDSA)
        return LP_ERR_INVALID;
    return 0;
}

/* Labels a crit array may name: the ones this decoder understands. */
static int crit_understood(int64_t label)
{
    return label == HDR_ALG || label == HDR_KID;
}

static int hdr_crit(struct tok_rd *r, struct prot_state *s)
{
    struct tok_item arr, it;
    unsigned named = 0;
    int64_t label;
    if (tok_rd_expect(r, TK_ARRAY, &arr) != 0 || arr.val == 0 || arr.val > CRIT_MAX)
        return LP_ERR_INVALID;
    for (uint64_t i = 0; i < arr.val; i++) {
        if (tok_rd_next(r, &it) != 0 || tok_item_int(&it, &label) != 0 || !crit_understood(label))
            return LP_ERR_INVALID;              /* text labels, unknown labels */
        if (named & (1u << label))
            return LP_ERR_INVALID;              /* named twice */
        named |= 1u << label;
    }
    return 0;
}

static int hdr_kid(struct tok_rd *r, struct prot_state *s)
{
    struct tok_item it;
    if (tok_rd_expect(r, TK_BSTR, &it) != 0 || it.val == 0 || it.val > TOK_KID_MAX)
        return LP_ERR_INVALID;
    memcpy(s->v->kid, it.data, it.val);
    s->v->kid_len = it.val;
    return 0;
}

static const struct {
    int64_t label;
    int (*parse)(struct tok_rd *r, struct prot_state *s);
} hdr_rules[] = {
    { HDR_ALG, hdr_alg },
    { HDR_CRIT, hdr_crit },
    { HDR_KID, hdr_kid },
};

static int hdr_entry(struct tok_rd *r, const struct tok_item *key, struct prot_state *s)
{
    int64_t label;
    if (tok_item_int(key, &label) == 0) {
        for (size_t i = 0; i < sizeof hdr_rules / sizeof hdr_rules[0]; i++) {
            if (hdr_rules[i].label == label) {
                s->seen |= 1u << label;
                return hdr_rules[i].parse(r, s);
            }
        }
    }
    return tok_rd_skip(r, 1);                   /* other labels: not critical, ignored */
}

static int parse_protected(const uint8_t *p, size_t len, struct tok_sign1_view *v)
{
    struct tok_rd r;
    struct tok_item map, key;
    struct prot_state s = { .v = v, .seen = 0 };
    size_t po = 0, pe = 0;
    tok_rd_init(&r, p, len);
    if (tok_rd_expect(&r, TK_MAP, &map) != 0)
        return LP_ERR_INVALID;
    for (uint64_t i = 0; i < map.val; i++) {
        if (tok_rd_key(&r, &key, &po, &pe) != 0 || hdr_entry(&r, &key, &s) != 0)
            return LP_ERR_INVALID;
    }
    unsigned need = (1u << HDR_ALG) | (1u << HDR_KID);
    if (!tok_rd_done(&r) || (s.seen & need) != need)
        return LP_ERR_INVALID;
    return 0;
}

/* ---- envelope ---- */

int tok_sign1_parse(const uint8_t *msg, size_t len, struct tok_sign1_view *v)
{
    struct tok_rd r;
    struct tok_item it;
    memset(v, 0, sizeof *v);
    if (len < 1 || msg[0] != COSE_TAG_BYTE)
        return LP_ERR_INVALID;
    tok_rd_init(&r, msg, len);
    r.pos = 1;
    if (tok_rd_expect(&r, TK_ARRAY, &it) != 0 || it.val != 4)
        return LP_ERR_INVALID;
    if (tok_rd_expect(&r, TK_BSTR, &it) != 0)
        return LP_ERR_INVALID;
    v->prot_off = it.end - it.val;
    v->prot_len = it.val;
    if (parse_protected(msg + v->prot_off, v->prot_len, v) != 0)
        return LP_ERR_INVALID;
    if (tok_rd_expect(&r, TK_MAP, &it) != 0 || it.val != 0)
        return LP_ERR_INVALID;                  /* unprotected header must be {} */
    if (tok_rd_expect(&r, TK_BSTR, &it) != 0)
        return LP_ERR_INVALID;                  /* nil = detached payload: refused */
    v->payload_off = it.end - it.val;
    v->payload_len = it.val;
    if (tok_rd_expect(&r, TK_BSTR, &it) != 0 || it.val != TOK_SIG_LEN)
        return LP_ERR_INVALID;
    v->sig_off = it.end - it.val;
    return tok_rd_done(&r) ? 0 : LP_ERR_INVALID;
}

/* Writes the Sig_structure ["Signature1", protected, h'', payload]. */
static void sig_structure(struct tok_wr *w, const uint8_t *prot, size_t prot_len,
                          const uint8_t *payload, size_t len)
{
    tok_wr_array(w, 4);
    tok_wr_tstr(w, SIG_CONTEXT, strlen(SIG_CONTEXT));
    tok_wr_bstr(w, prot, prot_len);
    tok_wr_bstr(w, NULL, 0);
    tok_wr_bstr(w, payload, len);
}

/* A buffer for a Sig_structure: the caller's stack buffer or the heap. */
static uint8_t *sigstruct_buf(uint8_t *stack, size_t need)
{
    return need <= SIGSTRUCT_STACK ? stack : malloc(need);
}

static void sigstruct_free(uint8_t *buf, uint8_t *stack)
{
    if (buf != stack)
        free(buf);
}

int tok_sign1_build(struct tok_wr *w, const uint8_t *payload, size_t len,
                    const uint8_t sk[TOK_SK_LEN], const uint8_t *kid, size_t kid_len)
{
    uint8_t prot[TOK_KID_MAX + 8], stack[SIGSTRUCT_STACK], sig[TOK_SIG_LEN];
    struct tok_wr pw, sw;
    if (kid == NULL || kid_len == 0 || kid_len > TOK_KID_MAX)
        return LP_ERR_INVALID;
    tok_wr_init(&pw, prot, sizeof prot);
    tok_wr_map(&pw, 2);
    tok_wr_uint(&pw, HDR_ALG);
    tok_wr_int(&pw, TOK_COSE_ALG_EDDSA);
    tok_wr_uint(&pw, HDR_KID);
    tok_wr_bstr(&pw, kid, kid_len);
    if (pw.err)
        return LP_ERR_INTERNAL;
    size_t need = len + pw.len + SIGSTRUCT_EXTRA;
    uint8_t *sbuf = sigstruct_buf(stack, need);
    if (sbuf == NULL)
        return LP_ERR_NOMEM;
    tok_wr_init(&sw, sbuf, need);
    sig_structure(&sw, prot, pw.len, payload, len);
    int rc = sw.err ? LP_ERR_INTERNAL : 0;
    if (rc == 0 && crypto_sign_detached(sig, NULL, sbuf, sw.len, sk) != 0)
        rc = LP_ERR_CRYPTO;
    sigstruct_free(sbuf, stack);
    if (rc != 0)
        return rc;
    tok_wr_tag(w, TOK_COSE_TAG_SIGN1);
    tok_wr_array(w, 4);
    tok_wr_bstr(w, prot, pw.len);
    tok_wr_map(w, 0);
    tok_wr_bstr(w, payload, len);
    tok_wr_bstr(w, sig, sizeof sig);
    return w->err ? LP_ERR_TOOBIG : 0;
}

static int key_matches(const struct tok_key *k, const struct tok_sign1_view *v)
{
    return k->kid_len == v->kid_len && memcmp(k->kid, v->kid, v->kid_len) == 0;
}

int tok_sign1_check(const uint8_t *msg, const struct tok_sign1_view *v,
                    const struct tok_key *keys, size_t n, enum tok_reason *why)
{
    uint8_t stack[SIGSTRUCT_STACK];
    struct tok_wr sw;
    int found = 0, ok = 0;
    size_t need = v->payload_len + v->prot_len + SIGSTRUCT_EXTRA;
    uint8_t *sbuf = sigstruct_buf(stack, need);
    if (sbuf == NULL)
        return LP_ERR_NOMEM;
    tok_wr_init(&sw, sbuf, need);
    sig_structure(&sw, msg + v->prot_off, v->prot_len, msg + v->payload_off, v->payload_len);
    for (size_t i = 0; i < n && !ok && !sw.err; i++) {
        if (!key_matches(&keys[i], v))
            continue;
        found = 1;
        ok = crypto_sign_verify_detached(msg + v->sig_off, sbuf, sw.len, keys[i].pk) == 0;
    }
    sigstruct_free(sbuf, stack);
    if (sw.err)
        return LP_ERR_INTERNAL;
    if (ok)
        return tok_fail(why, TOK_OK);
    return tok_fail(why, found ? TOK_BAD_SIGNATURE : TOK_UNKNOWN_KEY);
}

/* ---- public generic COSE_Sign1 ---- */

int tok_sign1_sign(const uint8_t *payload, size_t len, const uint8_t sk[TOK_SK_LEN],
                   const uint8_t *kid, size_t kid_len, uint8_t **out, size_t *out_len)
{
    struct tok_wr w;
    *out = NULL;
    *out_len = 0;
    if (payload == NULL && len != 0)
        return LP_ERR_INVALID;
    if (len > TOK_SIGN1_MAX - 128)
        return LP_ERR_TOOBIG;
    size_t cap = len + 128;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return LP_ERR_NOMEM;
    tok_wr_init(&w, buf, cap);
    int rc = tok_sign1_build(&w, payload, len, sk, kid, kid_len);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = w.len;
    return 0;
}

int tok_sign1_open(const uint8_t *msg, size_t len, const struct tok_key *keys, size_t n,
                   const uint8_t **payload, size_t *payload_len, enum tok_reason *why)
{
    struct tok_sign1_view v;
    *payload = NULL;
    *payload_len = 0;
    if (len > TOK_SIGN1_MAX) {
        tok_fail(why, TOK_MALFORMED);
        return LP_ERR_TOOBIG;
    }
    if (msg == NULL || tok_sign1_parse(msg, len, &v) != 0)
        return tok_fail(why, TOK_MALFORMED);
    int rc = tok_sign1_check(msg, &v, keys, n, why);
    if (rc == 0) {
        *payload = msg + v.payload_off;
        *payload_len = v.payload_len;
    }
    return rc;
}
