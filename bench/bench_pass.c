/* bench_pass.c: pass verification throughput (tok_decode + tok_verify) against
 * a bare crypto_sign_verify_detached loop over the same signed bytes, in one
 * run. The two loops alternate in short blocks so both see the same machine
 * load; the figures are medians over the blocks, and the ratio is the median
 * of the per-pair ratios. Prints both rates and the ratio (target >= 0.80).
 * Built by bench/pass.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "access/token/token.h"
#include "core/clock.h"

#define ROUNDS 41     /* block pairs */
#define ITERS  300    /* verifications per block */

static uint8_t pk[TOK_PK_LEN], sk[TOK_SK_LEN];
static struct tok_key key;
static uint8_t pass[TOK_PASS_MAX], sigstruct[TOK_PASS_MAX + 64];
static size_t pass_len, sigstruct_len;
static const uint8_t *sig;

/* Builds a pass with cnf like the test vector, and its Sig_structure. */
static void setup(void)
{
    struct tok_claims c;
    memset(&c, 0, sizeof c);
    strcpy(c.iss, "mtf");
    strcpy(c.sub, "1042");
    c.iat = 1796040000;
    c.nbf = 1796112000;
    c.exp = 1796148000;
    randombytes_buf(c.cti, sizeof c.cti);
    c.has_cnf = 1;
    randombytes_buf(c.cnf_pk, sizeof c.cnf_pk);
    c.n_groups = 1;
    strcpy(c.groups[0], "ml1");
    c.has_tenant = 1;
    c.tenant = 7;
    crypto_sign_seed_keypair(pk, sk, (const uint8_t *)"labpass-test-vector-site-key-001");
    tok_kid_from_pk(pk, key.kid);
    key.kid_len = TOK_KID_LEN;
    memcpy(key.pk, pk, sizeof pk);
    if (tok_encode(&c, sk, key.kid, key.kid_len, pass, sizeof pass, &pass_len) != 0)
        abort();
    /* Sig_structure = 84 6a "Signature1" <protected bstr> 40 <payload bstr> */
    const uint8_t *prot = pass + 2, *payload = pass + 2 + 14 + 1;
    size_t payload_head = payload[0] == 0x58 ? 2 : 1;
    size_t payload_len = payload_head == 2 ? payload[1] : (size_t)(payload[0] & 0x1f);
    memcpy(sigstruct, "\x84\x6aSignature1", 12);
    memcpy(sigstruct + 12, prot, 14);
    sigstruct[26] = 0x40;
    memcpy(sigstruct + 27, payload, payload_head + payload_len);
    sigstruct_len = 27 + payload_head + payload_len;
    sig = pass + pass_len - TOK_SIG_LEN;
    if (crypto_sign_verify_detached(sig, sigstruct, sigstruct_len, pk) != 0)
        abort();
}

static double rate_bare(void)
{
    int64_t t0 = clk_mono_us();
    int ok = 0;
    for (int i = 0; i < ITERS; i++)
        ok += crypto_sign_verify_detached(sig, sigstruct, sigstruct_len, pk) == 0;
    int64_t dt = clk_mono_us() - t0;
    if (ok != ITERS)
        abort();
    return ITERS * 1e6 / (double)(dt > 0 ? dt : 1);
}

static double rate_pass(void)
{
    struct tok_pass p;
    enum tok_reason why;
    int64_t t0 = clk_mono_us();
    int ok = 0;
    for (int i = 0; i < ITERS; i++)
        ok += tok_decode(pass, pass_len, &p, &why) == 0 && tok_verify(&p, &key, 1, &why) == 0;
    int64_t dt = clk_mono_us() - t0;
    if (ok != ITERS)
        abort();
    return ITERS * 1e6 / (double)(dt > 0 ? dt : 1);
}

static double rate_decode(void)
{
    struct tok_pass p;
    enum tok_reason why;
    const int n = ITERS * 20;
    int64_t t0 = clk_mono_us();
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += tok_decode(pass, pass_len, &p, &why) == 0;
    int64_t dt = clk_mono_us() - t0;
    if (ok != n)
        abort();
    return n * 1e6 / (double)(dt > 0 ? dt : 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return v[n / 2];
}

int main(void)
{
    static double bare[ROUNDS], full[ROUNDS], ratio[ROUNDS], dec[ROUNDS];
    if (sodium_init() < 0)
        return 1;
    setup();
    rate_bare();                                /* warm-up */
    rate_pass();
    for (int r = 0; r < ROUNDS; r++) {
        bare[r] = rate_bare();
        full[r] = rate_pass();
        ratio[r] = full[r] / bare[r];
        dec[r] = rate_decode();
    }
    printf("pass size:                         %zu bytes\n", pass_len);
    printf("bare crypto_sign_verify_detached:  %.0f /s\n", median(bare, ROUNDS));
    printf("pass decode + verify:              %.0f /s\n", median(full, ROUNDS));
    printf("pass decode only:                  %.0f /s\n", median(dec, ROUNDS));
    printf("ratio pass/bare:                   %.3f (target >= 0.80)\n", median(ratio, ROUNDS));
    return 0;
}
