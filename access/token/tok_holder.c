/* tok_holder.c: the holder proof. A door proves a pass is presented by the
 * credential it was issued to: it sends a fresh challenge, the credential
 * signs "labpass-holder-proof-v1" || challenge bytes with its Ed25519 key, and
 * the door checks that signature against the cnf key of the verified pass.
 * The challenge bytes have one fixed layout (token.h); parsing is exact. */
#include <string.h>
#include <sodium.h>
#include "access/token/tok_internal.h"

#define DOMAIN_LEN (sizeof TOK_PROOF_DOMAIN - 1)
#define PROOF_MAX  (DOMAIN_LEN + TOK_CHALLENGE_MAX)

static int door_id_ok(const char *id)
{
    size_t n = strnlen(id, TOK_DOOR_ID_MAX + 1);
    return n <= TOK_DOOR_ID_MAX && tok_text_ok(id, n, TOK_DOOR_ID_MAX);
}

int tok_challenge_make(const char *door_id, int64_t door_time, struct tok_challenge *ch)
{
    memset(ch, 0, sizeof *ch);
    if (door_id == NULL || !door_id_ok(door_id))
        return LP_ERR_INVALID;
    randombytes_buf(ch->nonce, sizeof ch->nonce);
    ch->door_time = door_time;
    memcpy(ch->door_id, door_id, strlen(door_id) + 1);
    return 0;
}

int tok_challenge_encode(const struct tok_challenge *ch, uint8_t out[TOK_CHALLENGE_MAX],
                         size_t *out_len)
{
    *out_len = 0;
    if (!door_id_ok(ch->door_id))
        return LP_ERR_INVALID;
    size_t id_len = strlen(ch->door_id), n = 0;
    uint64_t t = (uint64_t)ch->door_time;
    memcpy(out, ch->nonce, TOK_NONCE_LEN);
    n += TOK_NONCE_LEN;
    for (int i = 7; i >= 0; i--)
        out[n++] = (uint8_t)(t >> (8 * i));
    out[n++] = (uint8_t)id_len;
    memcpy(out + n, ch->door_id, id_len);
    *out_len = n + id_len;
    return 0;
}

int tok_challenge_decode(const uint8_t *in, size_t len, struct tok_challenge *ch)
{
    const size_t fixed = TOK_NONCE_LEN + 8 + 1;
    uint64_t t = 0;
    memset(ch, 0, sizeof *ch);
    if (in == NULL || len <= fixed || len > TOK_CHALLENGE_MAX)
        return LP_ERR_INVALID;
    size_t id_len = in[fixed - 1];
    if (len != fixed + id_len || !tok_text_ok((const char *)in + fixed, id_len, TOK_DOOR_ID_MAX))
        return LP_ERR_INVALID;
    memcpy(ch->nonce, in, TOK_NONCE_LEN);
    for (size_t i = 0; i < 8; i++)
        t = (t << 8) | in[TOK_NONCE_LEN + i];
    ch->door_time = (int64_t)t;
    memcpy(ch->door_id, in + fixed, id_len);
    ch->door_id[id_len] = '\0';
    return 0;
}

/* The signed message: domain string (no NUL) then the challenge bytes. */
static int proof_message(const struct tok_challenge *ch, uint8_t msg[PROOF_MAX], size_t *len)
{
    size_t n;
    memcpy(msg, TOK_PROOF_DOMAIN, DOMAIN_LEN);
    int rc = tok_challenge_encode(ch, msg + DOMAIN_LEN, &n);
    *len = DOMAIN_LEN + n;
    return rc;
}

int tok_holder_sign(const struct tok_challenge *ch, const uint8_t sk[TOK_SK_LEN],
                    uint8_t sig[TOK_SIG_LEN])
{
    uint8_t msg[PROOF_MAX];
    size_t len;
    if (proof_message(ch, msg, &len) != 0)
        return LP_ERR_INVALID;
    return crypto_sign_detached(sig, NULL, msg, len, sk) == 0 ? 0 : LP_ERR_CRYPTO;
}

int tok_holder_verify(const struct tok_pass *p, const struct tok_challenge *ch,
                      const uint8_t sig[TOK_SIG_LEN], enum tok_reason *why)
{
    uint8_t msg[PROOF_MAX];
    size_t len;
    if (!p->verified) {
        tok_fail(why, TOK_BAD_SIGNATURE);
        return LP_ERR_STATE;                    /* the pass itself is not established */
    }
    if (!p->claims.has_cnf)
        return tok_fail(why, TOK_NO_HOLDER_KEY);
    if (proof_message(ch, msg, &len) != 0) {
        tok_fail(why, TOK_MALFORMED);
        return LP_ERR_INVALID;
    }
    if (crypto_sign_verify_detached(sig, msg, len, p->claims.cnf_pk) != 0)
        return tok_fail(why, TOK_BAD_SIGNATURE);
    return tok_fail(why, TOK_OK);
}
