/* fuzz_pass.c: libFuzzer target for the pass codec (access/token).
 * Feeds arbitrary bytes to every parser a door runs on outside input: the
 * pass decoder and verifier, the time rule, the holder proof check, the
 * generic COSE_Sign1 opener and the challenge decoder. Besides "never
 * crashes", it checks one property: a pass that decodes and verifies under
 * the fuzz key, once re-encoded from its claims, decodes to the same claims. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "access/token/token.h"

static uint8_t fz_pk[TOK_PK_LEN], fz_sk[TOK_SK_LEN];
static struct tok_key fz_key;

static void fz_init(void)
{
    static int done;
    if (done)
        return;
    if (sodium_init() < 0)
        abort();
    /* the test-vector site key, so seeds signed with it reach the verifier */
    crypto_sign_seed_keypair(fz_pk, fz_sk, (const uint8_t *)"labpass-test-vector-site-key-001");
    tok_kid_from_pk(fz_pk, fz_key.kid);
    fz_key.kid_len = TOK_KID_LEN;
    memcpy(fz_key.pk, fz_pk, TOK_PK_LEN);
    done = 1;
}

/* Re-encodes verified claims and requires them to come back unchanged. */
static void fz_round_trip(const struct tok_pass *p)
{
    uint8_t out[TOK_PASS_MAX];
    size_t n;
    struct tok_pass back;
    enum tok_reason why;
    if (tok_encode(&p->claims, fz_sk, p->kid, p->kid_len, out, sizeof out, &n) != 0)
        return;                                 /* e.g. over the issuing budget */
    if (tok_decode(out, n, &back, &why) != 0 ||
        memcmp(&back.claims, &p->claims, sizeof back.claims) != 0)
        abort();
}

static void fz_pass(const uint8_t *data, size_t size)
{
    struct tok_pass p;
    struct tok_challenge ch;
    enum tok_reason why;
    uint8_t sig[TOK_SIG_LEN] = { 0 };
    if (tok_decode(data, size, &p, &why) != 0)
        return;
    (void)!tok_check_time(&p, 1796112000, 120, &why);
    if (tok_verify(&p, &fz_key, 1, &why) != 0)
        return;
    fz_round_trip(&p);
    memset(&ch, 0, sizeof ch);
    strcpy(ch.door_id, "fuzz-door");
    if (size >= TOK_SIG_LEN)
        memcpy(sig, data + size - TOK_SIG_LEN, TOK_SIG_LEN);
    (void)!tok_holder_verify(&p, &ch, sig, &why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *payload;
    size_t payload_len;
    struct tok_challenge ch;
    enum tok_reason why;
    fz_init();
    fz_pass(data, size);
    (void)!tok_sign1_open(data, size, &fz_key, 1, &payload, &payload_len, &why);
    (void)!tok_challenge_decode(data, size, &ch);
    return 0;
}
