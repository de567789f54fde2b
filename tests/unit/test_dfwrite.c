/* test_dfwrite.c: the writing side of labpass DESFire cards
 * (access/nfc/nfc_dfwrite, docs/access-protocol.md section 18.9) against the
 * emulated EV1 card. Byte for byte: the ChangeKey cryptograms of the public
 * EV1 traces and the enciphered WriteData frames, checked against OpenSSL's
 * EVP cipher and a table-driven CRC32 written here. In process: a factory
 * card is formatted next to a campus application, which stays; a pass is
 * written and the door's read gets it back; a formatted card is refused
 * unless re-formatted with its admin key (or a torn format's default key);
 * every answer corrupted at every step gives an error and never a file other
 * than the old or the new one. Through libnfc and the emulated PN532: format,
 * write, the door's read and decision; a write torn before CommitTransaction
 * keeps the old pass; a clone fails authentication; garbage is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "access/card/card.h"
#include "access/card/dfcrypt.h"
#include "access/door/door_cfg.h"
#include "access/door/door_decide.h"
#include "access/door/door_desk.h"
#include "access/nfc/nfc_desfire.h"
#include "access/nfc/nfc_dfwrite.h"
#include "access/token/token.h"
#include "tests/lib/dfemu.h"
#include "tests/lib/harness.h"
#include "tests/lib/pn532emu.h"

#define T0 1796000000   /* 2026-12-01, fixed */

static const uint8_t uid[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        while (*h == ' ') h++;
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        assert_true(n < max);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void masters(uint8_t m[3][16], uint8_t base)
{
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 16; i++) m[k][i] = (uint8_t)(base + 16 * k + i);
}

static void card_keys(uint8_t m[3][16], const uint8_t u[7], uint8_t gen, nfc_dfw_keys_t *k)
{
    for (int i = 0; i < 3; i++) assert_int_equal(card_key_derive(m[i], u, "mtf", k->key[i]), 0);
    k->version = gen;
}

/* ---- byte for byte ---- */

static void test_change_key_vectors(void **st)
{
    (void)st;
    uint8_t sk[16], iv[16] = {0}, nk[16], out[32], want[32];
    unhex("F44B26F5C05DDD7110772281C4D066E8", sk, 16);
    unhex("00102030405060708090A0B0B0A09080", nk, 16);
    assert_int_equal(nfc_dfw_change_key_cryptogram(sk, iv, 0, 1, nk, NULL, 0x10, out), 0);
    unhex("E9F85E219496C2B58C1090DC3935FAE9E840CF61B383D9531946256B1F110C10", want, 32);
    assert_memory_equal(out, want, 32);
    assert_memory_equal(iv, want + 16, 16);                 /* IV = last block */
    /* Other key: the published tail; the old key is XORed in. */
    unhex("C2A1E47BD8100044FE6D00A74D7AB17C", sk, 16);
    memset(iv, 0, 16);
    assert_int_equal(nfc_dfw_change_key_cryptogram(sk, iv, 1, 0, nk, NULL, 0x10, out), 0);
    unhex("AB7A1FF18951FCA3", want, 8);
    assert_memory_equal(out + 24, want, 8);
    uint8_t old[16], plain[32];
    memset(old, 0x5C, 16);
    memset(iv, 0, 16);
    assert_int_equal(nfc_dfw_change_key_cryptogram(sk, iv, 1, 0, nk, old, 0x10, out), 0);
    memset(iv, 0, 16);
    assert_int_equal(dfc_cbc_decrypt(sk, iv, out, 32, plain), 0);
    for (int i = 0; i < 16; i++) assert_int_equal(plain[i], nk[i] ^ 0x5C);
    assert_int_equal(plain[16], 0x10);
    for (int i = 25; i < 32; i++) assert_int_equal(plain[i], 0);
}

/* CRC32 as DESFire uses it, table-driven (an implementation apart from
 * access/card's bitwise loop). */
static uint32_t crc_tab(const uint8_t *p, size_t n)
{
    static uint32_t t[256];
    if (!t[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = t[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c;
}

/* The expected WriteData command, built with OpenSSL's EVP interface. */
static size_t expected_write(const uint8_t sk[16], const uint8_t iv[16], const uint8_t *file,
                             uint8_t out[NFC_DFW_CMD_MAX])
{
    uint8_t plain[NFC_DFW_CMD_MAX] = { 0x3D, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00 };
    memcpy(plain + 8, file, CARD_FILE_SIZE);
    uint32_t crc = crc_tab(plain, 8 + CARD_FILE_SIZE);
    for (int i = 0; i < 4; i++) plain[8 + CARD_FILE_SIZE + i] = (uint8_t)(crc >> (8 * i));
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, sk, iv), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_EncryptUpdate(c, out + 8, &n1, plain + 8, 272), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, out + 8 + n1, &n2), 1);
    EVP_CIPHER_CTX_free(c);
    assert_int_equal(n1 + n2, 272);
    memcpy(out, plain, 8);
    return 8 + 272;
}

/* Records every APDU to the card; learns the channel key once authenticated. */
struct rec {
    dfe_t *card;
    uint8_t frames[16][64];
    size_t len[16];
    int n;
    uint8_t sk[16];
    int have_sk;
    int cut_at;         /* the card leaves before exchange cut_at (-1: never) */
    int bad_at, mode;   /* answer bad_at is corrupted: 1 flip, 2 cut, 3 91 00, 4 extra byte */
    unsigned pos;
};

static int rec_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap, size_t *rxlen)
{
    struct rec *r = ctx;
    uint8_t out[DFE_RESP_MAX + 1];
    size_t on = 0;
    int at = r->n++;
    if (r->cut_at >= 0 && at >= r->cut_at) return LP_ERR_IO;
    if (at < 16 && txlen <= 64) {
        memcpy(r->frames[at], tx, txlen);
        r->len[at] = txlen;
    }
    assert_int_equal(dfe_process(r->card, tx, txlen, out, &on), 0);
    if (!r->have_sk && dfe_channel_key(r->card, r->sk) >= 0) r->have_sk = 1;
    if (at == r->bad_at) {
        switch (r->mode) {
        case 1: out[r->pos % on] ^= 0x01; break;
        case 2: on = r->pos % on; break;
        case 3: out[0] = 0x91; out[1] = 0x00; on = 2; break;
        case 4: out[on++] = 0x00; break;
        default: break;
        }
    }
    if (on > rxcap) return LP_ERR_TOOBIG;
    memcpy(rx, out, on);
    *rxlen = on;
    return 0;
}

static struct rec rec_new(dfe_t *d)
{
    return (struct rec){ .card = d, .cut_at = -1, .bad_at = -1 };
}

static dfe_t *factory_card(const uint8_t u[7])
{
    dfe_t *d = NULL;
    uint8_t campus[1][16] = {{ 0xCA, 0x4D }};
    assert_int_equal(dfe_create(&d, u), 0);
    assert_int_equal(dfe_add_app(d, 0x123456, 0x0F, 1, campus, NULL), 0);
    return d;
}

static void pass_file(uint8_t file[CARD_FILE_SIZE], uint8_t fill, size_t len)
{
    uint8_t pass[CARD_PASS_MAX];
    memset(pass, fill, len);
    assert_int_equal(card_file_encode(pass, len, file), 0);
}

static void test_write_frames(void **st)
{
    (void)st;
    uint8_t m[3][16], file[CARD_FILE_SIZE], want[NFC_DFW_CMD_MAX], got[NFC_DFW_CMD_MAX];
    nfc_dfw_keys_t k;
    masters(m, 0x30);
    card_keys(m, uid, 1, &k);
    dfe_t *d = factory_card(uid);
    struct rec r = rec_new(d);
    assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k, NULL), 0);
    for (size_t i = 0; i < CARD_FILE_SIZE; i++) file[i] = (uint8_t)(i * 7 + 1);
    r = rec_new(d);
    assert_int_equal(nfc_dfw_write(rec_xfer, &r, k.key[CARD_KEY_WRITE], file), 0);
    assert_int_equal(r.n, 3 + 6 + 1);               /* select, auth x2, 6 frames, commit */
    assert_true(r.have_sk);
    uint8_t iv[16] = {0};
    size_t wn = expected_write(r.sk, iv, file, want);
    /* Frame 1: 90 3D 00 00 36 || 54 bytes || 00, then 90 AF 00 00 Lc ... 00. */
    size_t at = 0;
    for (int f = 3; f < 9; f++) {
        const uint8_t *fr = r.frames[f];
        size_t lc = fr[4];
        assert_int_equal(fr[0], 0x90);
        assert_int_equal(fr[1], f == 3 ? 0x3D : 0xAF);
        assert_int_equal(r.len[f], 6 + lc);
        assert_int_equal(fr[5 + lc], 0x00);
        assert_int_equal(lc, f < 8 ? 54 : 9);
        if (f == 3) got[at++] = 0x3D;
        memcpy(got + at, fr + 5, lc);
        at += lc;
    }
    assert_int_equal(at, wn);
    assert_memory_equal(got, want, wn);
    static const uint8_t hdr[8] = { 0x3D, 0x01, 0, 0, 0, 0x00, 0x01, 0x00 };
    assert_memory_equal(got, hdr, 8);
    assert_int_equal(r.frames[9][1], 0xC7);        /* CommitTransaction */
    assert_int_equal(r.len[9], 5);
    /* The pure builder gives the same bytes. */
    size_t n = 0;
    memset(iv, 0, 16);
    assert_int_equal(nfc_dfw_write_cmd(r.sk, iv, 1, file, CARD_FILE_SIZE, got, &n), 0);
    assert_int_equal(n, wn);
    assert_memory_equal(got, want, n);
    assert_memory_equal(iv, want + n - 16, 16);
    assert_int_equal(nfc_dfw_write_cmd(r.sk, iv, 1, file, 0, got, &n), LP_ERR_INVALID);
    assert_int_equal(nfc_dfw_write_cmd(r.sk, iv, 1, file, CARD_FILE_SIZE + 1, got, &n), LP_ERR_INVALID);
    dfe_destroy(d);
}

/* ---- in process ---- */

static void read_back(dfe_t *d, const uint8_t read_key[16], uint8_t file[CARD_FILE_SIZE], int want_rc)
{
    struct rec r = rec_new(d);
    nfc_df_result_t res;
    dfe_reset(d);
    assert_int_equal(nfc_df_exchange(rec_xfer, &r, read_key, &res), want_rc);
    if (want_rc == 0) memcpy(file, res.file, CARD_FILE_SIZE);
}

static void test_format_and_write(void **st)
{
    (void)st;
    uint8_t m[3][16], file[CARD_FILE_SIZE], got[CARD_FILE_SIZE], key[16], v = 0;
    nfc_dfw_keys_t k, k2;
    masters(m, 0x50);
    card_keys(m, uid, 3, &k);
    dfe_t *d = factory_card(uid);
    struct rec r = rec_new(d);
    assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k, NULL), 0);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(dfe_key(d, CARD_AID, i, key, &v), 0);
        assert_memory_equal(key, k.key[i], 16);
        assert_int_equal(v, 3);
    }
    assert_int_equal(dfe_key(d, 0x123456, 0, key, &v), 0);      /* campus app kept */
    assert_int_equal(key[0], 0xCA);
    r = rec_new(d);
    assert_int_equal(nfc_dfw_key_version(rec_xfer, &r, CARD_KEY_READ, &v), 0);
    assert_int_equal(v, 3);
    /* Enrolled, no pass yet: the door reads an empty pass file. */
    const uint8_t *p = NULL;
    size_t n = 0;
    read_back(d, k.key[CARD_KEY_READ], got, 0);
    assert_int_equal(card_file_decode(got, sizeof got, &p, &n), LP_ERR_NOTFOUND);
    pass_file(file, 0xA5, 180);
    r = rec_new(d);
    assert_int_equal(nfc_dfw_write(rec_xfer, &r, k.key[CARD_KEY_WRITE], file), 0);
    read_back(d, k.key[CARD_KEY_READ], got, 0);
    assert_memory_equal(got, file, CARD_FILE_SIZE);
    /* The read key and the admin key cannot write; a bare card has no app. */
    r = rec_new(d);
    assert_int_equal(nfc_dfw_write(rec_xfer, &r, k.key[CARD_KEY_READ], file), LP_ERR_UNAUTH);
    dfe_t *bare = NULL;
    assert_int_equal(dfe_create(&bare, uid), 0);
    r = rec_new(bare);
    assert_int_equal(nfc_dfw_write(rec_xfer, &r, k.key[CARD_KEY_WRITE], file), LP_ERR_NOTFOUND);
    /* A card whose PICC wants its master key for CreateApplication. */
    dfe_set_picc_settings(bare, 0x0B);
    r = rec_new(bare);
    assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k, NULL), LP_ERR_FORBIDDEN);
    dfe_destroy(bare);
    /* Formatted already: refused, or re-formatted with its admin key only. */
    r = rec_new(d);
    assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k, NULL), LP_ERR_CONFLICT);
    masters(m, 0x70);
    card_keys(m, uid, 4, &k2);
    r = rec_new(d);
    assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k2, k2.key[CARD_KEY_ADMIN]), LP_ERR_UNAUTH);
    read_back(d, k.key[CARD_KEY_READ], got, 0);                   /* untouched */
    assert_memory_equal(got, file, CARD_FILE_SIZE);
    r = rec_new(d);
    assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k2, k.key[CARD_KEY_ADMIN]), 0);
    read_back(d, k.key[CARD_KEY_READ], got, LP_ERR_UNAUTH);       /* old keys gone */
    read_back(d, k2.key[CARD_KEY_READ], got, 0);
    assert_int_equal(card_file_decode(got, sizeof got, &p, &n), LP_ERR_NOTFOUND);
    assert_int_equal(dfe_key(d, 0x123456, 0, key, &v), 0);
    dfe_destroy(d);
}

/* A format cut after every exchange: a re-format with the admin key finishes
 * it (the default key 0 of a torn format is tried too). */
static void test_torn_format(void **st)
{
    (void)st;
    uint8_t m[3][16], got[CARD_FILE_SIZE];
    nfc_dfw_keys_t k;
    masters(m, 0x10);
    card_keys(m, uid, 1, &k);
    for (int cut = 1; cut < 9; cut++) {
        dfe_t *d = factory_card(uid);
        struct rec r = rec_new(d);
        r.cut_at = cut;
        assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k, NULL), LP_ERR_IO);
        dfe_reset(d);
        r = rec_new(d);
        int rc = nfc_dfw_format(rec_xfer, &r, &k, NULL);
        assert_true(rc == 0 || rc == LP_ERR_CONFLICT);
        if (rc == LP_ERR_CONFLICT) {
            r = rec_new(d);
            assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k, k.key[CARD_KEY_ADMIN]), 0);
        }
        read_back(d, k.key[CARD_KEY_READ], got, 0);
        dfe_destroy(d);
    }
}

/* Every answer of a write corrupted in every way: an error, and the card
 * holds the old pass or the new one, never anything else. */
static void test_write_corrupted(void **st)
{
    (void)st;
    uint8_t m[3][16], old[CARD_FILE_SIZE], fresh[CARD_FILE_SIZE], got[CARD_FILE_SIZE];
    nfc_dfw_keys_t k;
    masters(m, 0x90);
    card_keys(m, uid, 2, &k);
    dfe_t *d = factory_card(uid);
    struct rec r = rec_new(d);
    assert_int_equal(nfc_dfw_format(rec_xfer, &r, &k, NULL), 0);
    pass_file(old, 0x01, 100);
    pass_file(fresh, 0x02, 120);
    unsigned fails = 0, news = 0;
    for (int at = 0; at < 10; at++) {
        for (int mode = 1; mode <= 4; mode++) {
            for (unsigned pos = 0; pos < 12; pos += (mode <= 2) ? 5 : 12) {
                dfe_reset(d);
                r = rec_new(d);
                assert_int_equal(nfc_dfw_write(rec_xfer, &r, k.key[CARD_KEY_WRITE], old), 0);
                dfe_reset(d);
                r = rec_new(d);
                r.bad_at = at; r.mode = mode; r.pos = pos;
                int rc = nfc_dfw_write(rec_xfer, &r, k.key[CARD_KEY_WRITE], fresh);
                if (rc != 0) fails++;
                read_back(d, k.key[CARD_KEY_READ], got, 0);
                int is_old = memcmp(got, old, CARD_FILE_SIZE) == 0;
                int is_new = memcmp(got, fresh, CARD_FILE_SIZE) == 0;
                assert_true(is_old || is_new);
                if (rc == 0) assert_true(is_new);
                news += is_new && rc != 0;     /* the commit's answer was lost */
            }
        }
    }
    assert_true(fails > 60);
    assert_true(news > 0);
    /* And every answer of a format corrupted: an error or a working card. */
    for (int at = 0; at < 9; at++)
        for (int mode = 1; mode <= 4; mode++) {
            dfe_t *c = factory_card(uid);
            r = rec_new(c);
            r.bad_at = at; r.mode = mode; r.pos = 3;
            (void)!nfc_dfw_format(rec_xfer, &r, &k, NULL);
            dfe_destroy(c);
        }
    dfe_destroy(d);
}

/* ---- through libnfc and the emulated PN532 ---- */

struct fx {
    emu_t *emu;
    nfc_rdr_t *r;
    uint8_t m[3][16];
    nfc_dfw_keys_t k;
};

static int fx_setup(void **st)
{
    struct fx *f = calloc(1, sizeof *f);
    static const nfc_rdr_opts_t opts = { .xfer_ms = 250, .poll_gap_ms = 20, .present_gap_ms = 20,
                                         .exchange_ms = 2000 };
    if (!f || emu_start(&f->emu, NULL) != 0) return -1;
    if (nfc_rdr_open(emu_connstring(f->emu), &opts, &f->r) != 0) return -1;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 16; i++) f->m[k][i] = (uint8_t)(0xB0 + 16 * k + i);
    *st = f;
    return 0;
}

static int fx_teardown(void **st)
{
    struct fx *f = *st;
    nfc_rdr_close(f->r);
    emu_stop(f->emu);
    free(f);
    return 0;
}

/* Presents card, polls it and derives its keys from the fixture's masters. */
static void tap(struct fx *f, dfe_t *card)
{
    nfc_card_t c;
    emu_present_desfire(f->emu, card);
    assert_int_equal(nfc_rdr_poll(f->r, 1000, &c), 0);
    assert_int_equal(nfc_df_is_desfire(&c), 1);
    assert_memory_equal(c.uid, dfe_uid(card), 7);
    card_keys(f->m, c.uid, 1, &f->k);
}

static int never_denied(void *ctx, const uint8_t cti[TOK_CTI_LEN], int *denied)
{
    (void)ctx; (void)cti;
    *denied = 0;
    return 0;
}

/* A pass for the card id, signed by a fixed site key; its verification key. */
static size_t card_pass(const uint8_t id[CARD_ID_LEN], uint8_t *out, size_t cap, struct tok_key *key)
{
    uint8_t pk[TOK_PK_LEN], sk[TOK_SK_LEN];
    crypto_sign_seed_keypair(pk, sk, (const uint8_t *)"labpass-test-dfwrite-site-key-01");
    memcpy(key->pk, pk, TOK_PK_LEN);
    tok_kid_from_pk(pk, key->kid);
    key->kid_len = TOK_KID_LEN;
    struct tok_claims c = { .nbf = T0 - 600, .exp = T0 + 3600, .iat = T0 - 700, .n_groups = 1,
                            .has_card = 1 };
    strcpy(c.iss, "mtf");
    strcpy(c.sub, "9");
    strcpy(c.groups[0], "ml1");
    memset(c.cti, 0x4E, TOK_CTI_LEN);
    memcpy(c.card_id, id, TOK_CARD_ID_LEN);
    size_t n = 0;
    assert_int_equal(tok_encode(&c, sk, key->kid, key->kid_len, out, cap, &n), 0);
    return n;
}

/* The door's read of the card now in the field, then its decision. */
static enum door_reason door_tap(struct fx *f, dfe_t *card, const struct tok_key *key)
{
    nfc_card_t c;
    nfc_df_result_t res;
    uint8_t rk[16], id[CARD_ID_LEN];
    emu_present_desfire(f->emu, card);
    assert_int_equal(nfc_rdr_poll(f->r, 1000, &c), 0);
    assert_int_equal(card_key_derive(f->m[CARD_KEY_READ], c.uid, "mtf", rk), 0);
    int rc = nfc_df_read(f->r, rk, &res);
    card_id(c.uid, id);
    const uint8_t *pass = NULL;
    size_t len = 0;
    if (rc == 0) assert_int_equal(card_file_decode(res.file, sizeof res.file, &pass, &len), 0);
    (void)!nfc_rdr_release(f->r);
    struct tok_door_settings pol = { .n_groups = 1, .holder_proof = 1, .clock_skew = 120,
                                     .pulse_ms = 3000, .sync_interval = 60 };
    strcpy(pol.groups[0], "ml1");
    strcpy(pol.name, "lab-1");
    struct door_view v = { .policy = &pol, .issuer = "mtf", .keys = key, .n_keys = 1,
                           .denied = never_denied };
    struct door_tap t = { .medium = DOOR_MEDIUM_CARD, .pass = pass, .pass_len = len,
                          .card_id = rc == 0 ? id : NULL };
    struct door_decision d;
    assert_int_equal(door_decide(&v, &t, T0, &d), 0);
    return d.reason;
}

static void test_desk_to_door(void **st)
{
    struct fx *f = *st;
    dfe_t *d = factory_card(uid);
    uint8_t id[CARD_ID_LEN], pass[TOK_PASS_MAX], file[CARD_FILE_SIZE];
    struct tok_key key;
    tap(f, d);
    assert_int_equal(nfc_dfw_format_rdr(f->r, &f->k, NULL), 0);
    card_id(uid, id);
    size_t n = card_pass(id, pass, sizeof pass, &key);
    assert_int_equal(card_file_encode(pass, n, file), 0);
    assert_int_equal(nfc_dfw_write_rdr(f->r, f->k.key[CARD_KEY_WRITE], file), 0);
    (void)!nfc_rdr_release(f->r);
    assert_int_equal(door_tap(f, d, &key), DOOR_GRANTED);
    /* The campus application is still there. */
    uint8_t k[16], v;
    assert_int_equal(dfe_key(d, 0x123456, 0, k, &v), 0);
    /* Formatting again is refused; the pass stays. */
    tap(f, d);
    assert_int_equal(nfc_dfw_format_rdr(f->r, &f->k, NULL), LP_ERR_CONFLICT);
    (void)!nfc_rdr_release(f->r);
    assert_int_equal(door_tap(f, d, &key), DOOR_GRANTED);
    /* A clone: same UID and pass file, keys of other masters. */
    dfe_t *clone = NULL;
    uint8_t other[3][16], ck[3][16], vers[3] = { 1, 1, 1 };
    masters(other, 0x01);
    for (int i = 0; i < 3; i++) assert_int_equal(card_key_derive(other[i], uid, "mtf", ck[i]), 0);
    assert_int_equal(dfe_create(&clone, uid), 0);
    assert_int_equal(dfe_add_app(clone, CARD_AID, CARD_KEY_SETTINGS, 3, ck, vers), 0);
    assert_int_equal(dfe_add_file(clone, CARD_AID, CARD_FILE_PASS, 1, CARD_FILE_COMM, CARD_FILE_AR,
                                  file, sizeof file, sizeof file), 0);
    assert_int_equal(door_tap(f, clone, &key), DOOR_CARD_AUTH_FAILED);
    tap(f, clone);
    assert_int_equal(nfc_dfw_write_rdr(f->r, f->k.key[CARD_KEY_WRITE], file), LP_ERR_UNAUTH);
    (void)!nfc_rdr_release(f->r);
    dfe_destroy(clone);
    emu_present_none(f->emu);
    dfe_destroy(d);
}

/* The card leaves the field after each exchange of a write in turn: the
 * door still reads a pass, the old one unless CommitTransaction got through. */
static void test_torn_write_libnfc(void **st)
{
    struct fx *f = *st;
    dfe_t *d = factory_card(uid);
    uint8_t id[CARD_ID_LEN], pass[TOK_PASS_MAX], file[CARD_FILE_SIZE], other[CARD_FILE_SIZE];
    uint8_t got[CARD_FILE_SIZE];
    struct tok_key key;
    tap(f, d);
    assert_int_equal(nfc_dfw_format_rdr(f->r, &f->k, NULL), 0);
    card_id(uid, id);
    size_t n = card_pass(id, pass, sizeof pass, &key);
    assert_int_equal(card_file_encode(pass, n, file), 0);
    assert_int_equal(nfc_dfw_write_rdr(f->r, f->k.key[CARD_KEY_WRITE], file), 0);
    (void)!nfc_rdr_release(f->r);
    pass_file(other, 0x33, 90);
    for (unsigned skip = 0; skip < 10; skip++) {    /* 10 exchanges; the 10th is the commit */
        tap(f, d);
        emu_fault_t fault = { .kind = EMU_FAULT_VANISH, .skip = skip };
        emu_set_fault(f->emu, &fault);
        assert_int_not_equal(nfc_dfw_write_rdr(f->r, f->k.key[CARD_KEY_WRITE], other), 0);
        emu_set_fault(f->emu, NULL);
        (void)!nfc_rdr_release(f->r);
        assert_int_equal(door_tap(f, d, &key), DOOR_GRANTED);
        size_t len = 0;
        assert_int_equal(dfe_file_content(d, CARD_AID, CARD_FILE_PASS, got, sizeof got, &len), 0);
        assert_memory_equal(got, file, CARD_FILE_SIZE);
    }
    dfe_stats_t s;
    dfe_get_stats(d, &s);
    assert_int_equal(s.discards, 1);   /* the whole write reached the card, the commit did not */
    assert_int_equal(s.writes, 2);
    emu_present_none(f->emu);
    dfe_destroy(d);
}

/* Garbage from the chip in the middle of a format and of a write: an error,
 * no crash; the next attempt on the same card works. */
static void test_garbage_libnfc(void **st)
{
    struct fx *f = *st;
    dfe_t *d = factory_card(uid);
    uint8_t file[CARD_FILE_SIZE];
    pass_file(file, 0x44, 60);
    const enum emu_fault_kind kinds[] = { EMU_FAULT_GARBAGE, EMU_FAULT_BAD_DCS, EMU_FAULT_ERROR_FRAME,
                                          EMU_FAULT_TRUNCATE };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        tap(f, d);
        emu_fault_t fault = { .kind = kinds[i], .cmd = 0x40, .skip = 2 + (unsigned)i, .count = 1 };
        emu_set_fault(f->emu, &fault);
        int rc = nfc_dfw_format_rdr(f->r, &f->k, NULL);
        emu_set_fault(f->emu, NULL);
        (void)!nfc_rdr_release(f->r);
        tap(f, d);
        if (rc == 0) rc = nfc_dfw_format_rdr(f->r, &f->k, f->k.key[CARD_KEY_ADMIN]);
        else rc = nfc_dfw_format_rdr(f->r, &f->k, f->k.key[CARD_KEY_ADMIN]);
        assert_int_equal(rc, 0);
        emu_set_fault(f->emu, &fault);
        assert_int_not_equal(nfc_dfw_write_rdr(f->r, f->k.key[CARD_KEY_WRITE], file), 0);
        emu_set_fault(f->emu, NULL);
        (void)!nfc_rdr_release(f->r);
        tap(f, d);
        assert_int_equal(nfc_dfw_write_rdr(f->r, f->k.key[CARD_KEY_WRITE], file), 0);
        (void)!nfc_rdr_release(f->r);
    }
    emu_present_none(f->emu);
    dfe_destroy(d);
}

/* ---- the desk station (access/door/door_desk, labpass-door --desk) ---- */

struct desk {
    emu_t *emu;
    char dir[64], cfg[128], text[2048];
    uint8_t m[3][16];
};

static void put_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* A desk configuration for the emulated reader: the master keys of the fx
 * fixture as files (mode 0600), generation gen, admin key named or not. */
static void desk_cfg(struct desk *k, int gen, int with_admin)
{
    static const char *roles[3] = { "admin", "read", "write" };
    char path[160], hex[40];
    size_t at = (size_t)snprintf(k->text, sizeof k->text,
        "[door]\nid = 3\nname = desk-1\ngroups = desk\nsite = mtf\nstate_db = %s/door.db\n"
        "[reader]\nconnstring = %s\nxfer_ms = 250\n[card]\nkey_generation = %d\n",
        k->dir, emu_connstring(k->emu), gen);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.key", k->dir, roles[i]);
        sodium_bin2hex(hex, sizeof hex, k->m[i], 16);
        strcat(hex, "\n");
        put_file(path, hex, 0600);
        if (i == 0 && !with_admin) continue;
        at += (size_t)snprintf(k->text + at, sizeof k->text - at, "%s_key_file = %s\n", roles[i], path);
    }
    put_file(k->cfg, k->text, 0600);
}

static int desk_setup(void **st)
{
    struct desk *k = calloc(1, sizeof *k);
    if (!k || emu_start(&k->emu, NULL) != 0) return -1;
    snprintf(k->dir, sizeof k->dir, "/tmp/lp-desk-XXXXXX");
    if (!mkdtemp(k->dir)) return -1;
    snprintf(k->cfg, sizeof k->cfg, "%s/desk.ini", k->dir);
    masters(k->m, 0xB0);
    *st = k;
    return 0;
}

static int desk_teardown(void **st)
{
    struct desk *k = *st;
    char cmd[160];
    emu_stop(k->emu);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", k->dir);
    if (system(cmd) != 0) return -1;
    free(k);
    return 0;
}

static void load(struct desk *k, struct door_cfg *c, int want)
{
    lp_fail f = { 0 };
    assert_int_equal(door_cfg_load(k->cfg, c, &f), want);
}

/* The desk's keys in the configuration, and what enrolling needs. */
static void test_desk_config(void **st)
{
    struct desk *k = *st;
    struct door_cfg c;
    char why[160], path[160];
    desk_cfg(k, 2, 1);
    load(k, &c, 0);
    assert_int_equal(c.card_generation, 2);
    assert_true(c.has_admin_key && c.has_write_key && c.has_card_key);
    assert_memory_equal(c.card_admin_key, k->m[0], 16);
    assert_memory_equal(c.card_write_key, k->m[2], 16);
    assert_int_equal(door_desk_check(&c, 1, why, sizeof why), 0);
    door_cfg_wipe(&c);
    assert_int_equal(c.card_admin_key[0], 0);
    desk_cfg(k, 2, 0);
    load(k, &c, 0);
    assert_int_equal(door_desk_check(&c, 1, why, sizeof why), LP_ERR_INVALID);
    assert_non_null(strstr(why, "admin_key_file"));
    assert_int_equal(door_desk_check(&c, 0, why, sizeof why), 0);
    strcpy(c.site, "a-site-code-of-22-chr");
    strcat(c.site, "s");
    assert_int_equal(door_desk_check(&c, 0, why, sizeof why), LP_ERR_INVALID);
    assert_non_null(strstr(why, "site"));
    /* A key file others may read is refused, naming its key. */
    desk_cfg(k, 2, 1);
    snprintf(path, sizeof path, "%s/admin.key", k->dir);
    assert_int_equal(chmod(path, 0640), 0);
    lp_fail f = { 0 };
    assert_int_equal(door_cfg_load(k->cfg, &c, &f), LP_ERR_INVALID);
    assert_string_equal(f.field, "admin_key_file");
    /* key_generation out of range. */
    put_file(k->cfg, "[door]\nid = 3\nname = d\ngroups = g\n[reader]\nconnstring = x\n[card]\nkey_generation = 256\n", 0600);
    load(k, &c, LP_ERR_INVALID);
}

/* A pass bound to the card with this UID (fixed site key). */
static size_t uid_pass(const uint8_t u[7], uint8_t *out, size_t cap, struct tok_key *key)
{
    uint8_t id[CARD_ID_LEN];
    card_id(u, id);
    return card_pass(id, out, cap, key);
}

static void test_desk_enrol_write(void **st)
{
    struct desk *k = *st;
    struct door_cfg c;
    struct door_desk_card got;
    uint8_t id[CARD_ID_LEN], pass[TOK_PASS_MAX], other[7];
    struct tok_key key;
    desk_cfg(k, 1, 1);
    load(k, &c, 0);
    dfe_t *d = factory_card(uid);
    emu_present_desfire(k->emu, d);
    assert_int_equal(door_desk_enrol(&c, 2, 0, &got), 0);
    assert_memory_equal(got.uid, uid, 7);
    card_id(uid, id);
    assert_memory_equal(got.id, id, CARD_ID_LEN);
    assert_int_equal(got.generation, 1);
    emu_present_desfire(k->emu, d);
    assert_int_equal(door_desk_enrol(&c, 2, 0, &got), LP_ERR_CONFLICT);
    /* A pass for another card is refused; this card's is written. */
    memcpy(other, uid, 7);
    other[6] ^= 1;
    size_t n = uid_pass(other, pass, sizeof pass, &key);
    emu_present_desfire(k->emu, d);
    assert_int_equal(door_desk_write(&c, pass, n, 2, &got), LP_ERR_FORBIDDEN);
    n = uid_pass(uid, pass, sizeof pass, &key);
    emu_present_desfire(k->emu, d);
    assert_int_equal(door_desk_write(&c, pass, n, 2, &got), 0);
    uint8_t file[CARD_FILE_SIZE];
    size_t len = 0;
    assert_int_equal(dfe_file_content(d, CARD_AID, CARD_FILE_PASS, file, sizeof file, &len), 0);
    assert_int_equal(file[1], n);
    assert_memory_equal(file + 2, pass, n);
    /* A desk of generation 2: the card is of 1; re-formatting needs its own admin key. */
    door_cfg_wipe(&c);
    desk_cfg(k, 2, 1);
    load(k, &c, 0);
    emu_present_desfire(k->emu, d);
    assert_int_equal(door_desk_write(&c, pass, n, 2, &got), LP_ERR_STATE);
    assert_int_equal(got.generation, 1);
    emu_present_desfire(k->emu, d);
    assert_int_equal(door_desk_enrol(&c, 2, 1, &got), 0);       /* same admin master */
    assert_int_equal(got.generation, 2);
    /* No card: a timeout. */
    emu_present_none(k->emu);
    assert_int_equal(door_desk_enrol(&c, 1, 0, &got), LP_ERR_TIMEOUT);
    door_cfg_wipe(&c);
    dfe_destroy(d);
}

/* The program itself: --desk enrol prints the UID and card id; --desk write
 * puts a pass file (hex) onto the card. */
static void test_desk_cli(void **st)
{
    struct desk *k = *st;
    char bin[256], out[1024], want[128], pf[160], hex[2 * TOK_PASS_MAX + 2];
    uint8_t id[CARD_ID_LEN], pass[TOK_PASS_MAX];
    struct tok_key key;
    hx_bin("labpass-door", bin, sizeof bin);
    desk_cfg(k, 1, 1);
    dfe_t *d = factory_card(uid);
    emu_present_desfire(k->emu, d);
    char *enrol[] = { bin, "--config", k->cfg, "--desk", "enrol", "--timeout", "3", NULL };
    assert_int_equal(hx_run(enrol, 0, NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "uid 04112233445566\n"));
    card_id(uid, id);
    char idhex[2 * CARD_ID_LEN + 1];
    sodium_bin2hex(idhex, sizeof idhex, id, CARD_ID_LEN);
    snprintf(want, sizeof want, "card_id %s\n", idhex);
    assert_non_null(strstr(out, want));
    emu_present_desfire(k->emu, d);
    assert_int_equal(hx_run(enrol, 0, NULL, out, sizeof out), 1);        /* enrolled already: */
    assert_non_null(strstr(out, want));                           /* its card id shown */
    size_t n = uid_pass(uid, pass, sizeof pass, &key);
    sodium_bin2hex(hex, sizeof hex, pass, n);
    strcat(hex, "\n");
    snprintf(pf, sizeof pf, "%s/card.pass", k->dir);
    put_file(pf, hex, 0600);
    emu_present_desfire(k->emu, d);
    char *write[] = { bin, "--config", k->cfg, "--desk", "write", pf, "--timeout", "3", NULL };
    assert_int_equal(hx_run(write, 0, NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "written and read back"));
    uint8_t file[CARD_FILE_SIZE];
    size_t len = 0;
    assert_int_equal(dfe_file_content(d, CARD_AID, CARD_FILE_PASS, file, sizeof file, &len), 0);
    assert_memory_equal(file + 2, pass, n);
    char *bad[] = { bin, "--config", k->cfg, "--desk", "erase", NULL };
    assert_int_equal(hx_run(bad, 0, NULL, out, sizeof out), 2);
    emu_present_none(k->emu);
    dfe_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_key_vectors),
        cmocka_unit_test(test_write_frames),
        cmocka_unit_test(test_format_and_write),
        cmocka_unit_test(test_torn_format),
        cmocka_unit_test(test_write_corrupted),
        cmocka_unit_test_setup_teardown(test_desk_to_door, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_torn_write_libnfc, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_libnfc, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_desk_config, desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown(test_desk_enrol_write, desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown(test_desk_cli, desk_setup, desk_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
