/* test_nfc.c: the NFC side of the labpass door.
 * Pure parts first: the credential applet's status words, the door-side APDU
 * and NDEF parsers on valid and malformed input, the exchange over an
 * in-process transport. Then through real libnfc (pn532_uart driver) against
 * the emulated PN532 on a pseudo-terminal: polling, NTAG215 read and encode,
 * the ISO 14443-4 credential with a chained 300-byte pass and a holder
 * signature, a card leaving mid-exchange, corrupted/slow chip answers,
 * reopen, a pass issued by the token module checked end to end, and
 * libnfc-bin's nfc-list against the emulator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <nfc/nfc.h>
#include <sodium.h>
#include "access/credential/cred.h"
#include "access/nfc/nfc_apdu.h"
#include "access/nfc/nfc_cred.h"
#include "access/nfc/nfc_ndef.h"
#include "access/nfc/nfc_rdr.h"
#include "access/nfc/nfc_tag.h"
#include "core/err.h"
#include "tests/lib/pn532emu.h"
#include "access/token/token.h"

/* ---- helpers ---- */

static void fill_pass(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

/* A challenge as docs/access-protocol.md lays it out: nonce (16) ||
 * door_time (8, big-endian) || door id length (1) || door id. */
static size_t make_challenge(uint8_t *out, const char *door_id, int64_t t)
{
    size_t i = 0, idl = strlen(door_id);
    for (int k = 0; k < 16; k++) out[i++] = (uint8_t)(0xC0 + k);
    for (int k = 7; k >= 0; k--) out[i++] = (uint8_t)((uint64_t)t >> (8 * k));
    out[i++] = (uint8_t)idl;
    memcpy(out + i, door_id, idl);
    return i + idl;
}

/* The NDEF TLV area for pass, built by hand from docs/access-protocol.md section 14
 * (independent of the encoder under test). */
static size_t hand_tlv(const uint8_t *pass, size_t len, uint8_t *out)
{
    uint8_t rec[1100];
    size_t r = 0, i = 0;
    if (len <= 255) {
        rec[r++] = 0xD4; rec[r++] = 16; rec[r++] = (uint8_t)len;
    } else {
        rec[r++] = 0xC4; rec[r++] = 16; rec[r++] = 0; rec[r++] = 0;
        rec[r++] = (uint8_t)(len >> 8); rec[r++] = (uint8_t)len;
    }
    memcpy(rec + r, "labpass.org:pass", 16);
    r += 16;
    memcpy(rec + r, pass, len);
    r += len;
    out[i++] = 0x03;
    if (r < 255) {
        out[i++] = (uint8_t)r;
    } else {
        out[i++] = 0xFF; out[i++] = (uint8_t)(r >> 8); out[i++] = (uint8_t)r;
    }
    memcpy(out + i, rec, r);
    i += r;
    out[i++] = 0xFE;
    return i;
}

/* Tag memory from page 0: UID pages, CC E1 10 3E 00, then tlv. */
static size_t hand_mem(const uint8_t *tlv, size_t tlv_len, uint8_t *mem)
{
    static const uint8_t head[16] = { 0x04, 0xA1, 0xB2, 0x9F, 0xC3, 0xD4, 0xE5, 0xF6,
                                      0x04, 0x48, 0x00, 0x00, 0xE1, 0x10, 0x3E, 0x00 };
    memcpy(mem, head, 16);
    memcpy(mem + 16, tlv, tlv_len);
    return 16 + tlv_len;
}

static void keypair(uint8_t pk[CRED_PK_LEN], uint8_t sk[CRED_SK_LEN], uint8_t seedbyte)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, seedbyte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static uint16_t apdu_sw(cred_t *c, const uint8_t *apdu, size_t len, uint8_t *out, size_t *outlen)
{
    size_t n = 0;
    assert_int_equal(cred_process_apdu(c, apdu, len, out, CRED_RESP_MAX, &n), 0);
    assert_true(n >= 2 && n <= CRED_RESP_MAX);
    if (outlen) *outlen = n;
    return (uint16_t)((out[n - 2] << 8) | out[n - 1]);
}

static int verify_proof(const uint8_t sig[64], const uint8_t *ch, size_t clen, const uint8_t pk[32])
{
    uint8_t msg[256];
    memcpy(msg, "labpass-holder-proof-v1", 23);
    memcpy(msg + 23, ch, clen);
    return crypto_sign_verify_detached(sig, msg, 23 + clen, pk);
}

/* ---- protocol constants agree with the token module ---- */

static void test_constants(void **st)
{
    assert_int_equal(strlen(CRED_PROOF_DOMAIN), CRED_PROOF_DOMAIN_LEN);
    assert_memory_equal(CRED_AID, "\xF0labpass", CRED_AID_LEN);
    assert_int_equal(strlen(NFC_NDEF_TYPE), NFC_NDEF_TYPE_LEN);
    assert_string_equal(CRED_PROOF_DOMAIN, TOK_PROOF_DOMAIN);
    assert_true(TOK_CHALLENGE_MAX <= CRED_CHALLENGE_MAX);
    assert_true(TOK_NONCE_LEN + 8 + 2 >= CRED_CHALLENGE_MIN);
    assert_true(TOK_PASS_MAX <= CRED_PASS_MAX);
    assert_int_equal(CRED_SIG_LEN, TOK_SIG_LEN);
}

/* ---- the test vector of docs/access-protocol.md section 14.1.4 ---- */

static void test_doc_vector(void **st)
{
    static const uint8_t want_pk[32] = {
        0xF1, 0x3B, 0xD4, 0xB8, 0x94, 0xCF, 0x51, 0xEB, 0x27, 0x68, 0x1E, 0xE0, 0xEF, 0x35, 0xCF, 0x79,
        0xFE, 0xE3, 0xB4, 0x71, 0x6D, 0x8E, 0xEB, 0xF7, 0x89, 0x12, 0x31, 0xBF, 0xF8, 0x46, 0xBD, 0x5D };
    static const uint8_t want_sig[64] = {
        0x07, 0xEB, 0x5E, 0xD1, 0xB1, 0x9E, 0xA4, 0x8F, 0xE0, 0x9E, 0x22, 0x1C, 0x0A, 0x26, 0xCC, 0x7A,
        0x7D, 0x43, 0x55, 0xD3, 0x65, 0x7A, 0x5D, 0xB0, 0x6F, 0xA2, 0x86, 0xD6, 0xF5, 0x4F, 0xB0, 0x78,
        0x55, 0xC5, 0x6D, 0x9E, 0x9B, 0x55, 0x17, 0x67, 0x50, 0xA1, 0xDF, 0x09, 0x8C, 0x83, 0x04, 0x95,
        0x39, 0xDF, 0x74, 0xF2, 0x5A, 0x68, 0x84, 0x56, 0xA7, 0x24, 0x06, 0x8A, 0xFF, 0x72, 0x08, 0x04 };
    static const uint8_t want_fci[] = { 0x6F, 0x13, 0x84, 0x08, 0xF0, 0x6C, 0x61, 0x62, 0x70, 0x61, 0x73, 0x73,
                                        0xA5, 0x07, 0x80, 0x01, 0x01, 0x81, 0x02, 0x01, 0x2C, 0x90, 0x00 };
    uint8_t pk[32], sk[64], pass[300], ch[64], cmd[NFC_APDU_CMD_MAX], out[CRED_RESP_MAX];
    size_t cl, n;
    crypto_sign_seed_keypair(pk, sk, (const uint8_t *)"labpass-test-vector-holder-key-1");
    assert_memory_equal(pk, want_pk, 32);
    for (size_t i = 0; i < sizeof pass; i++) pass[i] = (uint8_t)i;
    cred_t *c = NULL;
    assert_int_equal(cred_create(pass, sizeof pass, sk, &c), 0);
    assert_int_equal(nfc_apdu_select(cmd, &cl), 0);
    assert_int_equal(apdu_sw(c, cmd, cl, out, &n), 0x9000);
    assert_int_equal(n, sizeof want_fci);
    assert_memory_equal(out, want_fci, n);
    size_t clen = make_challenge(ch, "lab-2.14-north", 1795896904);
    for (int k = 0; k < 16; k++) ch[k] = (uint8_t)k;          /* the vector's nonce */
    assert_int_equal(clen, 39);
    assert_int_equal(nfc_apdu_auth(ch, clen, cmd, &cl), 0);
    assert_int_equal(cl, 45);
    assert_int_equal(apdu_sw(c, cmd, cl, out, &n), 0x9000);
    assert_memory_equal(out, want_sig, 64);
    uint8_t msg[CRED_PROOF_MSG_MAX];
    size_t ml = 0;
    assert_int_equal(cred_proof_message(ch, clen, msg, &ml), 0);
    assert_int_equal(ml, 62);
    assert_int_equal(crypto_sign_verify_detached(want_sig, msg, ml, want_pk), 0);
    cred_destroy(c);
}

/* ---- the credential applet ---- */

static void test_cred_applet_status_words(void **st)
{
    uint8_t pk[32], sk[64], pass[300], out[CRED_RESP_MAX];
    fill_pass(pass, sizeof pass, 1);
    keypair(pk, sk, 7);
    cred_t *c = NULL;
    assert_int_equal(cred_create(pass, sizeof pass, sk, &c), 0);
    assert_memory_equal(cred_holder_pk(c), pk, 32);

    const uint8_t get0[] = { 0x80, 0xB0, 0x00, 0x00, 0x10 };
    assert_int_equal(apdu_sw(c, get0, sizeof get0, out, NULL), 0x6985);      /* not selected */
    const uint8_t sel_other[] = { 0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0, 0, 0, 0x03, 0x10, 0x10, 0x00 };
    assert_int_equal(apdu_sw(c, sel_other, sizeof sel_other, out, NULL), 0x6A82);
    uint8_t sel[20];
    size_t sl = 0, n = 0;
    assert_int_equal(nfc_apdu_select(sel, &sl), 0);
    assert_int_equal(apdu_sw(c, sel, sl, out, &n), 0x9000);
    assert_int_equal(n, CRED_FCI_LEN + 2);
    static const uint8_t fci[] = { 0x6F, 0x13, 0x84, 0x08, 0xF0, 0x6C, 0x61, 0x62, 0x70, 0x61, 0x73, 0x73,
                                   0xA5, 0x07, 0x80, 0x01, 0x01, 0x81, 0x02, 0x01, 0x2C };
    assert_memory_equal(out, fci, sizeof fci);

    static const struct { uint8_t apdu[12]; size_t len; uint16_t sw; } cases[] = {
        { { 0x80, 0xB0, 0x00, 0x00, 0x10 }, 5, 0x9000 },
        { { 0x80, 0xB0, 0x01, 0x2C, 0x10 }, 5, 0x6B00 },           /* offset == length */
        { { 0x80, 0xB0, 0x80, 0x00, 0x10 }, 5, 0x6A86 },           /* offset bit 15 */
        { { 0x80, 0xB0, 0x00, 0x00 }, 4, 0x6700 },                 /* no Le */
        { { 0x80, 0xB0, 0x00, 0x00, 0x01, 0x00, 0x10 }, 7, 0x6700 }, /* data given */
        { { 0x80, 0x88, 0x00, 0x00, 0x03, 1, 2, 3, 0x40 }, 9, 0x6700 }, /* challenge too short */
        { { 0x80, 0x88, 0x01, 0x00, 0x01, 1 }, 6, 0x6A86 },
        { { 0x80, 0x12, 0x00, 0x00 }, 4, 0x6D00 },
        { { 0x00, 0xB0, 0x00, 0x00, 0x10 }, 5, 0x6E00 },           /* ISO CLA for a proprietary INS */
        { { 0x90, 0x12, 0x00, 0x00 }, 4, 0x6E00 },
        { { 0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00 }, 7, 0x6A86 },
        { { 0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x02 }, 7, 0x6700 }, /* extended length */
        { { 0x00, 0xA4, 0x04, 0x00, 0x05, 1, 2 }, 7, 0x6700 },     /* Lc beyond the data */
        { { 0x00, 0xA4 }, 2, 0x6700 },
        { { 0 }, 0, 0x6700 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(apdu_sw(c, cases[i].apdu, cases[i].len, out, NULL), cases[i].sw);

    /* GET PASS: Le 00 means 256, capped at CRED_CHUNK_MAX; the tail is short. */
    const uint8_t get_big[] = { 0x80, 0xB0, 0x00, 0x00, 0x00 };
    assert_int_equal(apdu_sw(c, get_big, sizeof get_big, out, &n), 0x9000);
    assert_int_equal(n, CRED_CHUNK_MAX + 2);
    assert_memory_equal(out, pass, CRED_CHUNK_MAX);
    const uint8_t get_tail[] = { 0x80, 0xB0, 0x01, 0x20, 0x40 };
    assert_int_equal(apdu_sw(c, get_tail, sizeof get_tail, out, &n), 0x9000);
    assert_int_equal(n, 300 - 0x120 + 2);
    assert_memory_equal(out, pass + 0x120, 300 - 0x120);

    /* AUTHENTICATE: signature over domain || challenge. */
    uint8_t ch[64], cmd[NFC_APDU_CMD_MAX];
    size_t clen = make_challenge(ch, "lab-1.02", 1795896904), cl = 0;
    assert_int_equal(nfc_apdu_auth(ch, clen, cmd, &cl), 0);
    assert_int_equal(apdu_sw(c, cmd, cl, out, &n), 0x9000);
    assert_int_equal(n, 66);
    assert_int_equal(verify_proof(out, ch, clen, pk), 0);
    ch[0] ^= 1;
    assert_int_not_equal(verify_proof(out, ch, clen, pk), 0);
    cmd[cl - 1] = 0x20;                                              /* Le neither 00 nor 40 */
    assert_int_equal(apdu_sw(c, cmd, cl, out, NULL), 0x6700);

    /* Selecting another application, or a reset, leaves labpass. */
    assert_int_equal(apdu_sw(c, sel_other, sizeof sel_other, out, NULL), 0x6A82);
    assert_int_equal(apdu_sw(c, get0, sizeof get0, out, NULL), 0x6985);
    assert_int_equal(apdu_sw(c, sel, sl, out, NULL), 0x9000);
    cred_reset(c);
    assert_int_equal(apdu_sw(c, get0, sizeof get0, out, NULL), 0x6985);

    size_t dummy;
    assert_int_equal(cred_process_apdu(c, sel, sl, out, 10, &dummy), LP_ERR_INVALID);
    cred_destroy(c);
    cred_destroy(NULL);
    assert_int_equal(cred_create(pass, 0, sk, &c), LP_ERR_INVALID);
    uint8_t big[CRED_PASS_MAX + 1] = { 0 };
    assert_int_equal(cred_create(big, sizeof big, sk, &c), LP_ERR_TOOBIG);
}

/* ---- door-side APDU parsing ---- */

static void test_apdu_split_and_sw(void **st)
{
    uint8_t r[CRED_RESP_MAX + 1] = { 0x90, 0x00 };
    size_t dl;
    uint16_t sw;
    assert_int_equal(nfc_apdu_split(r, 2, &dl, &sw), 0);
    assert_int_equal(dl, 0);
    assert_int_equal(sw, 0x9000);
    assert_int_not_equal(nfc_apdu_split(r, 1, &dl, &sw), 0);
    assert_int_not_equal(nfc_apdu_split(r, 0, &dl, &sw), 0);
    assert_int_not_equal(nfc_apdu_split(r, CRED_RESP_MAX + 1, &dl, &sw), 0);
    assert_int_equal(nfc_apdu_sw_err(0x9000), 0);
    assert_int_equal(nfc_apdu_sw_err(0x6A82), LP_ERR_NOTFOUND);
    assert_int_equal(nfc_apdu_sw_err(0x6985), LP_ERR_STATE);
    assert_int_equal(nfc_apdu_sw_err(0x6700), LP_ERR_INVALID);
    assert_int_equal(nfc_apdu_sw_err(0x6100), LP_ERR_INVALID);
    uint8_t cmd[NFC_APDU_CMD_MAX];
    size_t n;
    assert_int_not_equal(nfc_apdu_get_pass(0x8000, 16, cmd, &n), 0);
    assert_int_not_equal(nfc_apdu_get_pass(0, 0, cmd, &n), 0);
    assert_int_not_equal(nfc_apdu_get_pass(0, CRED_CHUNK_MAX + 1, cmd, &n), 0);
    assert_int_not_equal(nfc_apdu_auth(cmd, CRED_CHALLENGE_MIN - 1, cmd, &n), 0);
    assert_int_not_equal(nfc_apdu_auth(cmd, CRED_CHALLENGE_MAX + 1, cmd, &n), 0);
}

static void test_apdu_fci(void **st)
{
    static const uint8_t good[] = { 0x6F, 0x13, 0x84, 0x08, 0xF0, 0x6C, 0x61, 0x62, 0x70, 0x61, 0x73, 0x73,
                                    0xA5, 0x07, 0x80, 0x01, 0x01, 0x81, 0x02, 0x01, 0x2C };
    nfc_fci_t f;
    assert_int_equal(nfc_apdu_parse_fci(good, sizeof good, &f), 0);
    assert_int_equal(f.version, 1);
    assert_int_equal(f.pass_len, 300);
    /* Unknown proprietary TLVs inside A5 are skipped. */
    static const uint8_t extra[] = { 0x6F, 0x16, 0x84, 0x08, 0xF0, 0x6C, 0x61, 0x62, 0x70, 0x61, 0x73, 0x73,
                                     0xA5, 0x0A, 0x90, 0x01, 0x00, 0x80, 0x01, 0x01, 0x81, 0x02, 0x00, 0x10 };
    assert_int_equal(nfc_apdu_parse_fci(extra, sizeof extra, &f), 0);
    assert_int_equal(f.pass_len, 16);
    /* Every prefix is refused. */
    for (size_t n = 0; n < sizeof good; n++)
        assert_int_not_equal(nfc_apdu_parse_fci(good, n, &f), 0);
    /* One-byte mutations at each position: never accepted with another meaning
     * unless the length bytes are what changed. */
    static const struct { size_t pos; uint8_t val; int err; } bad[] = {
        { 0, 0x6E, LP_ERR_INVALID },   /* outer tag */
        { 1, 0x14, LP_ERR_INVALID },   /* outer length */
        { 1, 0x81, LP_ERR_INVALID },   /* long-form length */
        { 2, 0x4F, LP_ERR_INVALID },   /* AID tag */
        { 3, 0x07, LP_ERR_INVALID },   /* AID length */
        { 11, 0x74, LP_ERR_INVALID },  /* AID byte */
        { 12, 0xA4, LP_ERR_INVALID },  /* proprietary template tag */
        { 13, 0x08, LP_ERR_INVALID },
        { 14, 0x81, LP_ERR_INVALID },  /* two lengths, no version */
        { 15, 0x02, LP_ERR_INVALID },
        { 16, 0x02, LP_ERR_INVALID },  /* version 2 */
        { 18, 0x01, LP_ERR_INVALID },
        { 19, 0x04, LP_ERR_TOOBIG },   /* 0x042C = 1068 > CRED_PASS_MAX */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t m[sizeof good];
        memcpy(m, good, sizeof good);
        m[bad[i].pos] = bad[i].val;
        assert_int_equal(nfc_apdu_parse_fci(m, sizeof m, &f), bad[i].err);
    }
    uint8_t zero[sizeof good];
    memcpy(zero, good, sizeof good);
    zero[19] = 0; zero[20] = 0;
    assert_int_equal(nfc_apdu_parse_fci(zero, sizeof zero, &f), LP_ERR_INVALID);
    uint8_t trail[sizeof good + 1];
    memcpy(trail, good, sizeof good);
    trail[sizeof good] = 0x00;
    assert_int_equal(nfc_apdu_parse_fci(trail, sizeof trail, &f), LP_ERR_INVALID);
}

/* ---- NDEF on Type 2 ---- */

static void test_ndef_roundtrip(void **st)
{
    static const size_t lens[] = { 1, 100, 232, 235, 236, 255, 256, 300, 469, CRED_PASS_MAX };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t pass[CRED_PASS_MAX], tlv[1200], enc[NFC_T2_ENC_MAX], mem[1300];
        size_t len = lens[i], enc_len = 0;
        fill_pass(pass, len, (uint8_t)i);
        size_t tlen = hand_tlv(pass, len, tlv);
        assert_int_equal(nfc_ndef_t2_encode(pass, len, enc, sizeof enc, &enc_len), 0);
        assert_int_equal(enc_len % 4, 0);
        assert_true(enc_len >= tlen && enc_len < tlen + 4);
        assert_memory_equal(enc, tlv, tlen);
        size_t mlen = hand_mem(tlv, tlen, mem);
        if (mlen > 16 + 0x3E * 8) continue;               /* larger than an NTAG215 */
        const uint8_t *p = NULL;
        size_t plen = 0, need = 0;
        assert_int_equal(nfc_ndef_t2_parse(mem, mlen, &p, &plen), 0);
        assert_int_equal(plen, len);
        assert_memory_equal(p, pass, len);
        assert_int_equal(nfc_ndef_t2_need(mem, mlen, &need), 0);
        assert_int_equal(need, mlen - 1);                  /* the terminator is not needed */
    }
    uint8_t pass[10] = { 0 }, small[20];
    size_t n;
    assert_int_equal(nfc_ndef_t2_encode(pass, 10, small, sizeof small, &n), LP_ERR_TOOBIG);
    assert_int_equal(nfc_ndef_t2_encode(pass, 0, small, sizeof small, &n), LP_ERR_INVALID);
}

static void test_ndef_truncated(void **st)
{
    uint8_t pass[300], tlv[400], mem[500];
    fill_pass(pass, sizeof pass, 3);
    size_t mlen = hand_mem(tlv, hand_tlv(pass, sizeof pass, tlv), mem);
    for (size_t n = 0; n < mlen - 1; n++) {
        const uint8_t *p;
        size_t plen, need = 0;
        assert_int_not_equal(nfc_ndef_t2_parse(mem, n, &p, &plen), 0);
        assert_int_equal(nfc_ndef_t2_need(mem, n, &need), 0);
        assert_true(need > n);
        assert_true(need <= mlen - 1);
    }
}

/* Applies one edit to a valid tag image and expects err. */
struct ndef_case {
    const char *what;
    size_t pos;
    uint8_t val;
    int err;
};

static void test_ndef_malformed(void **st)
{
    uint8_t pass[40], tlv[100], mem[200];
    fill_pass(pass, sizeof pass, 9);
    size_t mlen = hand_mem(tlv, hand_tlv(pass, sizeof pass, tlv), mem);
    /* mem: 16 header, 16: 03 L, 18: D4 10 28, 21: type, 37: payload, 77: FE */
    static const struct ndef_case cases[] = {
        { "CC magic", 12, 0xE2, LP_ERR_INVALID },
        { "CC major version 2", 13, 0x20, LP_ERR_INVALID },
        { "CC size 0", 14, 0x00, LP_ERR_INVALID },
        { "CC no read access", 15, 0x80, LP_ERR_INVALID },
        { "CC area too small for the TLV", 14, 0x02, LP_ERR_INVALID },
        { "unknown TLV", 16, 0x42, LP_ERR_INVALID },
        { "terminator first", 16, 0xFE, LP_ERR_NOTFOUND },
        { "empty NDEF message", 17, 0x00, LP_ERR_NOTFOUND },
        { "TLV longer than the record", 17, 0x3C, LP_ERR_INVALID },
        { "TLV shorter than the record", 17, 0x3A, LP_ERR_INVALID },
        { "3-byte length 0xFFFF", 17, 0xFF, LP_ERR_INVALID },
        { "MB clear", 18, 0x54, LP_ERR_INVALID },
        { "ME clear", 18, 0x94, LP_ERR_INVALID },
        { "chunked", 18, 0xF4, LP_ERR_INVALID },
        { "ID present", 18, 0xDC, LP_ERR_INVALID },
        { "TNF well-known", 18, 0xD1, LP_ERR_INVALID },
        { "TNF media", 18, 0xD2, LP_ERR_INVALID },
        { "long form read from short", 18, 0xC4, LP_ERR_TOOBIG },
        { "type length 15", 19, 0x0F, LP_ERR_INVALID },
        { "payload length 0", 20, 0x00, LP_ERR_INVALID },
        { "payload overruns", 20, 0x29, LP_ERR_INVALID },
        { "type differs", 21, 'L', LP_ERR_INVALID },
        { "type's last byte", 36, 't', LP_ERR_INVALID },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t m[200];
        const uint8_t *p;
        size_t plen;
        memcpy(m, mem, mlen);
        m[cases[i].pos] = cases[i].val;
        if (cases[i].pos == 17 && cases[i].val == 0xFF) { m[18] = 0xFF; m[19] = 0xFF; }
        int rc = nfc_ndef_t2_parse(m, mlen, &p, &plen);
        if (rc != cases[i].err) fail_msg("%s: got %d, want %d", cases[i].what, rc, cases[i].err);
    }
    /* NULL and Lock Control TLVs before the NDEF TLV are skipped. */
    uint8_t m2[220];
    memcpy(m2, mem, 16);
    const uint8_t pre[] = { 0x00, 0x00, 0x01, 0x03, 0xA0, 0x10, 0x44 };
    memcpy(m2 + 16, pre, sizeof pre);
    memcpy(m2 + 16 + sizeof pre, mem + 16, mlen - 16);
    const uint8_t *p;
    size_t plen;
    assert_int_equal(nfc_ndef_t2_parse(m2, mlen + sizeof pre, &p, &plen), 0);
    assert_memory_equal(p, pass, sizeof pass);
    /* A long-form record over CRED_PASS_MAX. */
    static const uint8_t huge[] = { 0xC4, 0x10, 0x00, 0x00, 0x04, 0x01 };
    assert_int_equal(nfc_ndef_record_parse(huge, sizeof huge, &p, &plen), LP_ERR_TOOBIG);
    static const uint8_t wrap[] = { 0xC4, 0x10, 0xFF, 0xFF, 0xFF, 0xF0 };
    assert_int_equal(nfc_ndef_record_parse(wrap, sizeof wrap, &p, &plen), LP_ERR_TOOBIG);
    /* A trailing second record is refused. */
    uint8_t two[100];
    memcpy(two, mem + 18, 59);
    two[59] = 0x00;
    assert_int_equal(nfc_ndef_record_parse(two, 60, &p, &plen), LP_ERR_INVALID);
    assert_int_equal(nfc_ndef_record_parse(two, 59, &p, &plen), 0);
}

/* ---- the exchange over an in-process transport ---- */

enum tamper { T_NONE, T_LONG_CHUNK, T_ZERO_CHUNK, T_TINY_CHUNK, T_MIN_CHUNK, T_SHORT_SIG,
              T_NOT_FOUND, T_OVERSIZE, T_IO, T_FCI_ZERO, T_NO_SW };

struct fake {
    cred_t *c;
    enum tamper t;
    int calls;
};

static int fake_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap, size_t *rxlen)
{
    struct fake *f = ctx;
    uint8_t buf[CRED_RESP_MAX];
    size_t n = 0;
    uint8_t cmd[NFC_APDU_CMD_MAX];
    f->calls++;
    assert_true(txlen <= sizeof cmd);
    memcpy(cmd, tx, txlen);
    if (f->t == T_IO && f->calls == 2) return LP_ERR_IO;
    int get = cmd[0] == 0x80 && cmd[1] == 0xB0;
    if (get && f->t == T_TINY_CHUNK) cmd[4] = 8;
    if (get && f->t == T_MIN_CHUNK) cmd[4] = NFC_CRED_MIN_CHUNK;
    assert_int_equal(cred_process_apdu(f->c, cmd, txlen, buf, sizeof buf, &n), 0);
    if (get && f->t == T_LONG_CHUNK && n > 3) { memmove(buf + 1, buf, n); n++; }
    if (get && f->t == T_ZERO_CHUNK) { buf[0] = 0x90; buf[1] = 0x00; n = 2; }
    if (cmd[1] == 0x88 && f->t == T_SHORT_SIG) { buf[62] = 0x90; buf[63] = 0x00; n = 64; }
    if (cmd[1] == 0xA4 && f->t == T_NOT_FOUND) { buf[0] = 0x6A; buf[1] = 0x82; n = 2; }
    if (cmd[1] == 0xA4 && f->t == T_FCI_ZERO) { buf[19] = 0; buf[20] = 0; }
    if (cmd[1] == 0xA4 && f->t == T_NO_SW) n = 1;
    if (f->t == T_OVERSIZE && get) {
        if (rxcap < CRED_RESP_MAX + 1) return LP_ERR_TOOBIG;
        n = CRED_RESP_MAX + 1;
    }
    assert_true(n <= rxcap);
    memcpy(rx, buf, n);
    *rxlen = n;
    return 0;
}

static void test_exchange_in_process(void **st)
{
    uint8_t pk[32], sk[64], pass[700], ch[64];
    fill_pass(pass, sizeof pass, 5);
    keypair(pk, sk, 9);
    size_t clen = make_challenge(ch, "door-7", 1795896904);
    cred_t *c = NULL;
    assert_int_equal(cred_create(pass, sizeof pass, sk, &c), 0);
    static nfc_cred_result_t res;
    static const struct { enum tamper t; int err; } cases[] = {
        { T_NONE, 0 }, { T_MIN_CHUNK, 0 }, { T_LONG_CHUNK, LP_ERR_INVALID },
        { T_ZERO_CHUNK, LP_ERR_INVALID }, { T_TINY_CHUNK, LP_ERR_INVALID },
        { T_SHORT_SIG, LP_ERR_INVALID }, { T_NOT_FOUND, LP_ERR_NOTFOUND },
        { T_OVERSIZE, LP_ERR_TOOBIG }, { T_IO, LP_ERR_IO }, { T_FCI_ZERO, LP_ERR_INVALID },
        { T_NO_SW, LP_ERR_INVALID },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake f = { c, cases[i].t, 0 };
        int rc = nfc_cred_exchange(fake_xfer, &f, ch, clen, &res);
        if (rc != cases[i].err) fail_msg("tamper %d: got %d want %d", (int)cases[i].t, rc, cases[i].err);
        assert_true(f.calls <= NFC_CRED_XFER_MAX);
        if (rc != 0) {
            assert_int_equal(res.pass_len, 0);
            continue;
        }
        assert_int_equal(res.pass_len, sizeof pass);
        assert_memory_equal(res.pass, pass, sizeof pass);
        assert_int_equal(res.version, CRED_VERSION);
        assert_int_equal(verify_proof(res.sig, ch, clen, pk), 0);
    }
    struct fake f = { c, T_NONE, 0 };
    assert_int_equal(nfc_cred_exchange(fake_xfer, &f, ch, 8, &res), LP_ERR_INVALID);
    assert_int_equal(f.calls, 0);
    cred_destroy(c);
}

/* ---- through libnfc against the emulated PN532 ---- */

struct fx {
    emu_t *emu;
    nfc_rdr_t *r;
    cred_t *cred;
    uint8_t pk[32], sk[64];
    uint8_t pass[300];
    uint8_t ch[64];
    size_t clen;
};

static const nfc_rdr_opts_t test_opts = { .xfer_ms = 250, .poll_gap_ms = 20,
                                          .present_gap_ms = 20, .exchange_ms = 2000 };

static int fx_emu_only(void **st)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f || emu_start(&f->emu, NULL) != 0) return -1;
    fill_pass(f->pass, sizeof f->pass, 11);
    keypair(f->pk, f->sk, 42);
    if (cred_create(f->pass, sizeof f->pass, f->sk, &f->cred) != 0) return -1;
    f->clen = make_challenge(f->ch, "lab-2.14-north", 1795896904);
    *st = f;
    return 0;
}

static int fx_setup(void **st)
{
    if (fx_emu_only(st) != 0) return -1;
    struct fx *f = *st;
    return nfc_rdr_open(emu_connstring(f->emu), &test_opts, &f->r) == 0 ? 0 : -1;
}

static int fx_teardown(void **st)
{
    struct fx *f = *st;
    nfc_rdr_close(f->r);
    emu_stop(f->emu);
    cred_destroy(f->cred);
    free(f);
    return 0;
}

static void present_ntag_pass(struct fx *f, const uint8_t *pass, size_t len)
{
    uint8_t tlv[600];
    size_t n = hand_tlv(pass, len, tlv);
    assert_int_equal(emu_present_ntag(f->emu, tlv, n), 0);
}

static void poll_kind(struct fx *f, enum nfc_card_kind kind, nfc_card_t *card)
{
    assert_int_equal(nfc_rdr_poll(f->r, 1000, card), 0);
    assert_int_equal(card->kind, kind);
}

static void cred_read_ok(struct fx *f)
{
    static nfc_cred_result_t res;
    nfc_card_t card;
    poll_kind(f, NFC_CARD_ISODEP, &card);
    assert_int_equal(nfc_cred_read(f->r, f->ch, f->clen, &res), 0);
    assert_int_equal(res.pass_len, sizeof f->pass);
    assert_memory_equal(res.pass, f->pass, sizeof f->pass);
    assert_int_equal(verify_proof(res.sig, f->ch, f->clen, f->pk), 0);
}

static void test_rdr_no_card(void **st)
{
    struct fx *f = *st;
    nfc_card_t card;
    emu_stats_t s;
    assert_int_equal(nfc_rdr_poll(f->r, 0, &card), LP_ERR_TIMEOUT);
    assert_int_equal(nfc_rdr_poll(f->r, 150, &card), LP_ERR_TIMEOUT);
    emu_get_stats(f->emu, &s);
    assert_true(s.lists >= 3);          /* repeated single scans, not one endless one */
    assert_int_equal(s.aborted, 0);
    assert_int_equal(nfc_rdr_wait_removal(f->r, 100), 0);   /* nothing selected */
    uint8_t rx[4];
    size_t n;
    assert_int_equal(nfc_rdr_transceive(f->r, rx, 1, rx, sizeof rx, &n), LP_ERR_STATE);
}

static void test_rdr_ntag_read(void **st)
{
    struct fx *f = *st;
    nfc_card_t card;
    emu_stats_t s0, s1;
    uint8_t pass[400], got[CRED_PASS_MAX], ver[8];
    size_t len = 0;
    fill_pass(pass, sizeof pass, 77);
    present_ntag_pass(f, pass, sizeof pass);
    poll_kind(f, NFC_CARD_T2, &card);
    assert_int_equal(card.uid_len, 7);
    assert_memory_equal(card.uid, emu_ntag_uid, 7);
    assert_int_equal(card.sak, 0x00);
    assert_int_equal(card.ats_len, 0);
    assert_int_equal(nfc_rdr_t2_version(f->r, ver), 0);
    assert_int_equal(ver[6], 0x11);                          /* NTAG215 */
    emu_get_stats(f->emu, &s0);
    assert_int_equal(nfc_tag_read_pass(f->r, got, sizeof got, &len), 0);
    emu_get_stats(f->emu, &s1);
    assert_int_equal(len, sizeof pass);
    assert_memory_equal(got, pass, sizeof pass);
    /* 16 header + 4 TLV head + 22 record head + 400: 27 READs, not the whole tag. */
    assert_int_equal(s1.card_cmds - s0.card_cmds, (16 + 4 + 22 + 400 + 15) / 16);
    assert_int_equal(nfc_tag_read_pass(f->r, got, 100, &len), LP_ERR_TOOBIG);

    /* A factory-fresh tag holds an empty NDEF message: no pass. */
    assert_int_equal(emu_present_ntag(f->emu, NULL, 0), 0);
    poll_kind(f, NFC_CARD_T2, &card);
    assert_int_equal(nfc_tag_read_pass(f->r, got, sizeof got, &len), LP_ERR_NOTFOUND);
}

static void test_rdr_credential(void **st)
{
    struct fx *f = *st;
    nfc_card_t card;
    emu_stats_t s;
    static nfc_cred_result_t res;
    emu_present_credential(f->emu, f->cred);
    poll_kind(f, NFC_CARD_ISODEP, &card);
    assert_int_equal(card.uid_len, 4);
    assert_memory_equal(card.uid, emu_cred_uid, 4);
    assert_int_equal(card.sak, 0x20);
    assert_int_equal(card.ats_len, 4);
    assert_memory_equal(card.ats, emu_cred_ats + 1, 4);
    assert_int_equal(nfc_cred_read(f->r, f->ch, f->clen, &res), 0);
    assert_int_equal(res.pass_len, 300);
    assert_memory_equal(res.pass, f->pass, 300);
    assert_int_equal(verify_proof(res.sig, f->ch, f->clen, f->pk), 0);
    uint8_t other[64];
    size_t olen = make_challenge(other, "lab-2.14-south", 1795896904);
    assert_int_not_equal(verify_proof(res.sig, other, olen, f->pk), 0);
    emu_get_stats(f->emu, &s);
    assert_int_equal(s.apdus, 4);                            /* SELECT, 2 x GET PASS, AUTH */
    /* A 261-byte APDU travels in an extended host frame; the card refuses Lc 255. */
    uint8_t big[NFC_RDR_TX_MAX + 1] = { 0x80, 0x88, 0x00, 0x00, 0xFF }, rx[16];
    size_t n = 0;
    big[260] = 0x40;
    assert_int_equal(nfc_rdr_transceive(f->r, big, 261, rx, sizeof rx, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rx[0], 0x67);
    assert_int_equal(nfc_rdr_transceive(f->r, big, NFC_RDR_TX_MAX + 1, rx, sizeof rx, &n), LP_ERR_INVALID);
    /* A second read in the same session works as well. */
    assert_int_equal(nfc_cred_read(f->r, other, olen, &res), 0);
    assert_int_equal(verify_proof(res.sig, other, olen, f->pk), 0);
}

static void test_rdr_foreign_card(void **st)
{
    struct fx *f = *st;
    nfc_card_t card;
    static nfc_cred_result_t res;
    emu_present_foreign(f->emu);
    poll_kind(f, NFC_CARD_ISODEP, &card);
    assert_int_equal(nfc_cred_read(f->r, f->ch, f->clen, &res), LP_ERR_NOTFOUND);
}

static void test_rdr_removed_mid_exchange(void **st)
{
    struct fx *f = *st;
    static const uint8_t statuses[] = { 0x01, 0x29 };
    for (size_t i = 0; i < sizeof statuses; i++) {
        nfc_card_t card;
        static nfc_cred_result_t res;
        emu_present_credential(f->emu, f->cred);
        poll_kind(f, NFC_CARD_ISODEP, &card);
        emu_fault_t v = { .kind = EMU_FAULT_VANISH, .skip = 2, .status = statuses[i] };
        emu_set_fault(f->emu, &v);            /* gone during the second GET PASS */
        assert_int_equal(nfc_cred_read(f->r, f->ch, f->clen, &res), LP_ERR_IO);
        assert_int_equal(res.pass_len, 0);
        assert_int_equal(nfc_rdr_wait_removal(f->r, 1000), 0);
        assert_int_equal(nfc_rdr_poll(f->r, 50, &card), LP_ERR_TIMEOUT);
    }
    /* An NTAG taken away during the read. */
    uint8_t pass[300], got[CRED_PASS_MAX];
    size_t len;
    nfc_card_t card;
    fill_pass(pass, sizeof pass, 1);
    present_ntag_pass(f, pass, sizeof pass);
    poll_kind(f, NFC_CARD_T2, &card);
    emu_fault_t v = { .kind = EMU_FAULT_VANISH, .skip = 5 };
    emu_set_fault(f->emu, &v);
    assert_int_equal(nfc_tag_read_pass(f->r, got, sizeof got, &len), LP_ERR_IO);
    assert_int_equal(nfc_rdr_wait_removal(f->r, 1000), 0);
}

static void test_rdr_wait_removal(void **st)
{
    struct fx *f = *st;
    nfc_card_t card;
    emu_present_credential(f->emu, f->cred);
    poll_kind(f, NFC_CARD_ISODEP, &card);
    assert_int_equal(nfc_rdr_wait_removal(f->r, 60), LP_ERR_TIMEOUT);
    emu_present_none(f->emu);
    assert_int_equal(nfc_rdr_wait_removal(f->r, 1000), 0);

    uint8_t pass[50];
    fill_pass(pass, sizeof pass, 2);
    present_ntag_pass(f, pass, sizeof pass);
    poll_kind(f, NFC_CARD_T2, &card);
    assert_int_equal(nfc_rdr_wait_removal(f->r, 60), LP_ERR_TIMEOUT);
    emu_present_none(f->emu);
    assert_int_equal(nfc_rdr_wait_removal(f->r, 1000), 0);

    /* A released card stays quiet while it lies on the reader. */
    emu_present_credential(f->emu, f->cred);
    poll_kind(f, NFC_CARD_ISODEP, &card);
    assert_int_equal(nfc_rdr_release(f->r), 0);
    assert_int_equal(nfc_rdr_poll(f->r, 50, &card), LP_ERR_TIMEOUT);
}

/* Chip answers gone wrong: each fails cleanly, the next read works. */
static void test_rdr_chip_faults(void **st)
{
    struct fx *f = *st;
    static const struct { enum emu_fault_kind kind; unsigned delay; int err; } cases[] = {
        { EMU_FAULT_GARBAGE, 0, LP_ERR_IO },
        { EMU_FAULT_TRUNCATE, 0, LP_ERR_TIMEOUT },
        { EMU_FAULT_BAD_DCS, 0, LP_ERR_IO },
        { EMU_FAULT_BAD_LCS, 0, LP_ERR_IO },
        { EMU_FAULT_ERROR_FRAME, 0, LP_ERR_IO },
        { EMU_FAULT_NO_ACK, 0, LP_ERR_TIMEOUT },
        { EMU_FAULT_SLOW, 1500, LP_ERR_TIMEOUT },
        { EMU_FAULT_SLOW, 40, 0 },                 /* slow but within the timeout */
    };
    emu_present_credential(f->emu, f->cred);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nfc_card_t card;
        static nfc_cred_result_t res;
        emu_stats_t s0, s1;
        poll_kind(f, NFC_CARD_ISODEP, &card);
        emu_fault_t flt = { .kind = cases[i].kind, .cmd = 0x40, .skip = 1, .delay_ms = cases[i].delay };
        emu_set_fault(f->emu, &flt);
        emu_get_stats(f->emu, &s0);
        int rc = nfc_cred_read(f->r, f->ch, f->clen, &res);
        if (rc != cases[i].err) fail_msg("fault %d: got %d want %d", (int)cases[i].kind, rc, cases[i].err);
        emu_get_stats(f->emu, &s1);
        assert_int_equal(s1.faults, s0.faults + 1);
        cred_read_ok(f);
        if (cases[i].kind == EMU_FAULT_SLOW && cases[i].err) {
            emu_get_stats(f->emu, &s1);
            assert_true(s1.aborted > s0.aborted);  /* the reader moved on before the answer */
        }
    }
}

/* A chip that garbles the field scan fails the poll; a reopen recovers. */
static void test_rdr_poll_fault_reopen(void **st)
{
    struct fx *f = *st;
    nfc_card_t card;
    emu_present_credential(f->emu, f->cred);
    emu_fault_t flt = { .kind = EMU_FAULT_BAD_DCS, .cmd = 0x4A };
    emu_set_fault(f->emu, &flt);
    assert_int_equal(nfc_rdr_poll(f->r, 200, &card), LP_ERR_IO);
    flt.kind = EMU_FAULT_NO_ACK;
    emu_set_fault(f->emu, &flt);
    assert_int_equal(nfc_rdr_poll(f->r, 200, &card), LP_ERR_IO);
    assert_int_equal(nfc_rdr_reopen(f->r), 0);
    cred_read_ok(f);

    /* A second reader on the same serial device is refused. */
    nfc_rdr_t *second = NULL;
    assert_int_equal(nfc_rdr_open(emu_connstring(f->emu), NULL, &second), LP_ERR_BUSY);
    assert_null(second);
    nfc_rdr_close(NULL);
}

static void test_rdr_encode(void **st)
{
    struct fx *f = *st;
    nfc_card_t card;
    uint8_t pass[200], mem[EMU_NTAG_MEM], tlv[300], before[EMU_NTAG_MEM], got[CRED_PASS_MAX];
    size_t len = 0;
    fill_pass(pass, sizeof pass, 33);
    assert_int_equal(emu_present_ntag(f->emu, NULL, 0), 0);
    poll_kind(f, NFC_CARD_T2, &card);
    assert_int_equal(nfc_tag_write_pass(f->r, pass, sizeof pass), 0);
    assert_int_equal(emu_ntag_read(f->emu, mem), 0);
    size_t tlen = hand_tlv(pass, sizeof pass, tlv);
    assert_memory_equal(mem + 16, tlv, tlen);
    assert_int_equal(nfc_tag_read_pass(f->r, got, sizeof got, &len), 0);
    assert_int_equal(len, sizeof pass);
    assert_memory_equal(got, pass, len);

    /* Too big for an NTAG215: refused before anything is written. */
    uint8_t big[600];
    fill_pass(big, sizeof big, 4);
    assert_int_equal(emu_ntag_read(f->emu, before), 0);
    assert_int_equal(nfc_tag_write_pass(f->r, big, sizeof big), LP_ERR_TOOBIG);
    assert_int_equal(emu_ntag_read(f->emu, mem), 0);
    assert_memory_equal(mem, before, sizeof mem);

    /* A blank CC gets the NTAG215 NDEF CC. */
    static const uint8_t zero[4] = { 0 };
    assert_int_equal(emu_present_ntag(f->emu, NULL, 0), 0);
    assert_int_equal(emu_ntag_poke(f->emu, 3, zero), 0);
    poll_kind(f, NFC_CARD_T2, &card);
    assert_int_equal(nfc_tag_write_pass(f->r, pass, 100), 0);
    assert_int_equal(emu_ntag_read(f->emu, mem), 0);
    static const uint8_t cc[4] = { 0xE1, 0x10, 0x3E, 0x00 };
    assert_memory_equal(mem + 12, cc, 4);

    /* Lock bits set: refused. */
    static const uint8_t locked[4] = { 0x04, 0x48, 0xF8, 0xFF };
    assert_int_equal(emu_ntag_poke(f->emu, 2, locked), 0);
    assert_int_equal(nfc_tag_write_pass(f->r, pass, 100), LP_ERR_FORBIDDEN);

    /* An ISO-DEP card is no NTAG. */
    emu_present_credential(f->emu, f->cred);
    poll_kind(f, NFC_CARD_ISODEP, &card);
    assert_int_not_equal(nfc_tag_write_pass(f->r, pass, 100), 0);
}

/* InAutoPoll, which nfc_initiator_poll_target uses (the reader does not). */
static void test_emu_autopoll(void **st)
{
    struct fx *f = *st;
    nfc_context *ctx = NULL;
    nfc_init(&ctx);
    assert_non_null(ctx);
    nfc_device *dev = nfc_open(ctx, emu_connstring(f->emu));
    assert_non_null(dev);
    assert_true(nfc_initiator_init(dev) >= 0);
    emu_present_credential(f->emu, f->cred);
    const nfc_modulation nm = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };
    nfc_target nt;
    assert_int_equal(nfc_initiator_poll_target(dev, &nm, 1, 2, 1, &nt), 1);
    assert_int_equal(nt.nti.nai.btSak, 0x20);
    assert_int_equal(nt.nti.nai.szAtsLen, 4);
    uint8_t sel[NFC_APDU_CMD_MAX], rx[300];
    size_t sl;
    assert_int_equal(nfc_apdu_select(sel, &sl), 0);
    assert_int_equal(nfc_initiator_transceive_bytes(dev, sel, sl, rx, sizeof rx, 500), CRED_FCI_LEN + 2);
    emu_present_none(f->emu);
    assert_int_equal(nfc_initiator_poll_target(dev, &nm, 1, 1, 1, &nt), 0);   /* 150 ms, nothing */
    nfc_close(dev);
    nfc_exit(ctx);
}

/* Junk on the line: the emulator resynchronises on the next good frame. */
static void test_emu_resync(void **st)
{
    struct fx *f = *st;
    const char *cs = emu_connstring(f->emu);
    int fd = open(cs + strlen("pn532_uart:"), O_RDWR | O_NOCTTY);
    assert_true(fd >= 0);
    static const uint8_t junk[] = {
        0x55, 0x55, 0x00, 0x00, 0x00, 0xFF, 0x13, 0x37,                   /* bad LCS */
        0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2B, 0x00,             /* bad DCS */
        0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD5, 0x02, 0x29, 0x00,             /* wrong TFI */
        0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x03, 0x00, 0xD4, 0x02,       /* extended, bad LCS */
        0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00,             /* GetFirmwareVersion */
    };
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    static const uint8_t want[] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00,
                                    0x00, 0x00, 0xFF, 0x06, 0xFA, 0xD5, 0x03, 0x32, 0x01, 0x06, 0x07, 0xE8, 0x00 };
    uint8_t got[sizeof want];
    size_t have = 0;
    while (have < sizeof want) {
        struct pollfd p = { fd, POLLIN, 0 };
        assert_true(poll(&p, 1, 2000) == 1);
        ssize_t n = read(fd, got + have, sizeof want - have);
        assert_true(n > 0);
        have += (size_t)n;
    }
    assert_memory_equal(got, want, sizeof want);
    /* A NACK gets the same answer again. */
    static const uint8_t nack[] = { 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00 };
    assert_int_equal(write(fd, nack, sizeof nack), (ssize_t)sizeof nack);
    have = 0;
    while (have < sizeof want - 6) {
        struct pollfd p = { fd, POLLIN, 0 };
        assert_true(poll(&p, 1, 2000) == 1);
        ssize_t n = read(fd, got + have, sizeof want - 6 - have);
        assert_true(n > 0);
        have += (size_t)n;
    }
    assert_memory_equal(got, want + 6, sizeof want - 6);

    /* Extended frames both ways: a Diagnose echo of 253 bytes. */
    static uint8_t ext[300], back[300];
    size_t data = 2 + 253, k = 0;                 /* 00 (Diagnose) 00 (echo test) + 253 */
    uint8_t sum = 0xD4;
    ext[k++] = 0x00; ext[k++] = 0x00; ext[k++] = 0xFF; ext[k++] = 0xFF; ext[k++] = 0xFF;
    ext[k++] = (uint8_t)((data + 1) >> 8); ext[k++] = (uint8_t)(data + 1);
    ext[k++] = (uint8_t)(0x100 - ((ext[5] + ext[6]) & 0xFF));
    ext[k++] = 0xD4;
    for (size_t i = 0; i < data; i++) {
        uint8_t b = i < 2 ? 0x00 : (uint8_t)(i * 3);
        ext[k++] = b;
        sum += b;
    }
    ext[k++] = (uint8_t)(0x100 - sum);
    ext[k++] = 0x00;
    assert_int_equal(write(fd, ext, k), (ssize_t)k);
    size_t want_len = 6 + 8 + 2 + 254 + 2;        /* ACK, ext head, D5 01, echo, DCS 00 */
    have = 0;
    while (have < want_len) {
        struct pollfd p = { fd, POLLIN, 0 };
        assert_true(poll(&p, 1, 2000) == 1);
        ssize_t n = read(fd, back + have, want_len - have);
        assert_true(n > 0);
        have += (size_t)n;
    }
    assert_memory_equal(back, want, 6);
    static const uint8_t ext_head[] = { 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0xFF, 0xD5, 0x01 };
    assert_memory_equal(back + 6, ext_head, sizeof ext_head);
    assert_memory_equal(back + 6 + sizeof ext_head, ext + 10, 254);
    sum = 0;
    for (size_t i = 6 + 8; i < want_len - 1; i++) sum += back[i];
    assert_int_equal(sum, 0);
    close(fd);
    emu_stats_t s;
    emu_get_stats(f->emu, &s);
    assert_true(s.bad_frames >= 3);
    assert_int_equal(s.nacks, 1);
    /* libnfc opens it normally afterwards. */
    assert_int_equal(nfc_rdr_open(cs, &test_opts, &f->r), 0);
    emu_present_credential(f->emu, f->cred);
    cred_read_ok(f);
}

/* The whole door path with the token module: a pass issued with tok_encode
 * and a cnf holder key travels over libnfc from the emulated phone, then
 * tok_check and tok_holder_verify accept it with the challenge the door sent. */
static void test_rdr_with_token_module(void **st)
{
    struct fx *f = *st;
    uint8_t site_pk[32], site_sk[64], pass[TOK_PASS_MAX], chb[TOK_CHALLENGE_MAX];
    size_t plen = 0, clen = 0;
    keypair(site_pk, site_sk, 0x51);
    struct tok_key key = { .kid_len = TOK_KID_LEN };
    tok_kid_from_pk(site_pk, key.kid);
    memcpy(key.pk, site_pk, 32);
    struct tok_claims c;
    memset(&c, 0, sizeof c);
    strcpy(c.iss, "mtf");
    strcpy(c.sub, "1042");
    c.iat = 1795890000;
    c.nbf = 1795890000;
    c.exp = 1795900000;
    memset(c.cti, 0x5C, sizeof c.cti);
    c.has_cnf = 1;
    memcpy(c.cnf_pk, f->pk, 32);
    c.n_groups = 1;
    strcpy(c.groups[0], "ml1");
    assert_int_equal(tok_encode(&c, site_sk, key.kid, TOK_KID_LEN, pass, sizeof pass, &plen), 0);
    cred_t *cred = NULL;
    assert_int_equal(cred_create(pass, plen, f->sk, &cred), 0);

    struct tok_challenge ch;
    assert_int_equal(tok_challenge_make("lab-2.14-north", 1795896904, &ch), 0);
    assert_int_equal(tok_challenge_encode(&ch, chb, &clen), 0);
    emu_present_credential(f->emu, cred);
    nfc_card_t card;
    static nfc_cred_result_t res;
    static struct tok_pass tp;
    enum tok_reason why;
    poll_kind(f, NFC_CARD_ISODEP, &card);
    assert_int_equal(nfc_cred_read(f->r, chb, clen, &res), 0);
    assert_int_equal(tok_check(res.pass, res.pass_len, &key, 1, 1795896904, 60, &tp, &why), 0);
    assert_int_equal(tok_holder_verify(&tp, &ch, res.sig, &why), 0);
    ch.nonce[0] ^= 1;                                       /* a replayed answer fails */
    assert_int_not_equal(tok_holder_verify(&tp, &ch, res.sig, &why), 0);
    emu_present_none(f->emu);
    cred_destroy(cred);
}

/* ---- libnfc-bin's nfc-list against the emulator ---- */

static const char *find_nfc_list(void)
{
    static const char *paths[] = { "/usr/bin/nfc-list", "/usr/local/bin/nfc-list" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (access(paths[i], X_OK) == 0) return paths[i];
    return NULL;
}

extern char **environ;

/* Runs nfc-list with LIBNFC_DEVICE naming the emulator; output into buf.
 * The environment is built before fork: the child only execs. */
static int run_nfc_list(const char *prog, const char *connstring, char *buf, size_t cap)
{
    static char dev[256];
    char *envp[256];
    size_t ne = 0;
    snprintf(dev, sizeof dev, "LIBNFC_DEVICE=%s", connstring);
    for (char **e = environ; *e && ne < 250; e++)
        if (strncmp(*e, "LIBNFC_", 7) != 0) envp[ne++] = *e;
    envp[ne++] = dev;
    envp[ne++] = (char *)"LIBNFC_AUTO_SCAN=false";
    envp[ne++] = (char *)"LIBNFC_LOG_LEVEL=1";
    envp[ne] = NULL;
    char *argv[] = { (char *)prog, NULL };
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        execve(prog, argv, envp);
        _exit(127);
    }
    close(p[1]);
    size_t have = 0;
    int eof = 0, status = -1;
    for (int waited = 0; !eof && waited < 200; waited++) {   /* 10 s at most */
        struct pollfd pf = { p[0], POLLIN, 0 };
        if (poll(&pf, 1, 50) != 1) continue;
        ssize_t n = read(p[0], buf + have, cap - 1 - have);
        if (n > 0) have += (size_t)n;
        else eof = 1;
    }
    buf[have] = '\0';
    close(p[0]);
    if (!eof) kill(pid, SIGKILL);                          /* our own child, hung */
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_nfc_list(void **st)
{
    struct fx *f = *st;
    const char *prog = find_nfc_list();
    if (!prog) {
        print_message("nfc-list not installed (Debian package libnfc-bin): skipped\n");
        skip();
    }
    static char out[16384];
    assert_int_equal(emu_present_ntag(f->emu, NULL, 0), 0);
    assert_int_equal(run_nfc_list(prog, emu_connstring(f->emu), out, sizeof out), 0);
    if (!strstr(out, "1 ISO14443A passive target(s) found") ||
        !strstr(out, "UID (NFCID1): 04  a1  b2  c3  d4  e5  f6") || !strstr(out, "SAK (SEL_RES): 00"))
        fail_msg("nfc-list on the NTAG said:\n%s", out);
    emu_present_credential(f->emu, f->cred);
    assert_int_equal(run_nfc_list(prog, emu_connstring(f->emu), out, sizeof out), 0);
    if (!strstr(out, "UID (NFCID3): 08  a1  b2  c3") || !strstr(out, "SAK (SEL_RES): 20") ||
        !strstr(out, "ATS: 78  80  70  02"))
        fail_msg("nfc-list on the credential said:\n%s", out);
    emu_present_none(f->emu);
    assert_int_equal(run_nfc_list(prog, emu_connstring(f->emu), out, sizeof out), 0);
    if (strstr(out, "ISO14443A passive target(s) found") || !strstr(out, "opened"))
        fail_msg("nfc-list on an empty field said:\n%s", out);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_doc_vector),
        cmocka_unit_test(test_cred_applet_status_words),
        cmocka_unit_test(test_apdu_split_and_sw),
        cmocka_unit_test(test_apdu_fci),
        cmocka_unit_test(test_ndef_roundtrip),
        cmocka_unit_test(test_ndef_truncated),
        cmocka_unit_test(test_ndef_malformed),
        cmocka_unit_test(test_exchange_in_process),
        cmocka_unit_test_setup_teardown(test_rdr_no_card, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_ntag_read, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_credential, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_foreign_card, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_removed_mid_exchange, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_wait_removal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_chip_faults, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_poll_fault_reopen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_encode, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rdr_with_token_module, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_emu_autopoll, fx_emu_only, fx_teardown),
        cmocka_unit_test_setup_teardown(test_emu_resync, fx_emu_only, fx_teardown),
        cmocka_unit_test_setup_teardown(test_nfc_list, fx_emu_only, fx_teardown),
    };
    return cmocka_run_group_tests_name("nfc", tests, NULL, NULL);
}
