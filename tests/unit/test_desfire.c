/* test_desfire.c: the emulated MIFARE DESFire EV1 card (tests/lib/dfemu)
 * and the labpass card model on it. First the card alone: the AES
 * authentication of a published EV1 trace replayed byte for byte, the
 * running CMAC IV, and a refusal with a status word for every malformed or
 * out-of-context command. Then through libnfc and the emulated PN532 with
 * Debian's libfreefare 0.4.0 as an independent DESFire host: a card enrolled
 * as docs/access-protocol.md section 18 says is found, authenticated with its
 * diversified read key and its pass file read over the enciphered channel;
 * a clone (same UID and file, keys of other masters) and a card of another
 * site fail authentication; the emulator answers garbage without crashing.
 * The writing side: the published ChangeKey trace replayed (same-key
 * cryptogram; the other-key example's CRCs, cryptogram tail and card CMAC),
 * every write command malformed or out of context answered with a status
 * word, and libfreefare 0.4.0 formatting a card next to a campus application
 * (CreateApplication, ChangeKey both forms, CreateBackupDataFile), writing
 * enciphered, committing, aborting, a write lost on reselection, the read
 * key refused for writing, a standard file written and read in MACed mode,
 * and DeleteApplication. (The desk's own writes: test_dfwrite.c.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nfc/nfc.h>
#include <sodium.h>
#include <freefare.h>
#include "access/card/card.h"
#include "access/card/dfcrypt.h"
#include "access/door/door_decide.h"
#include "access/nfc/nfc_desfire.h"
#include "access/token/token.h"
#include "tests/lib/dfemu.h"
#include "tests/lib/pn532emu.h"

static const uint8_t test_uid[7] = { 0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6 };

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

/* Sends in[0..n) and checks the answer is exactly want (hex). */
static void xchg(dfe_t *d, const char *in_hex, const char *want_hex)
{
    uint8_t in[300], want[300], out[DFE_RESP_MAX];
    size_t n = unhex(in_hex, in, sizeof in), wn = unhex(want_hex, want, sizeof want), on = 0;
    assert_int_equal(dfe_process(d, in, n, out, &on), 0);
    if (on != wn || memcmp(out, want, wn) != 0) {
        fprintf(stderr, "sent %s\n got ", in_hex);
        for (size_t i = 0; i < on; i++) fprintf(stderr, "%02X", out[i]);
        fprintf(stderr, "\nwant %s\n", want_hex);
        fail();
    }
}

static void site_masters(uint8_t m[3][16], uint8_t base)
{
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 16; i++)
            m[k][i] = (uint8_t)(base + 16 * k + i);
}

/* A card enrolled for site with the masters m: keys diversified, version 1,
 * the pass file holding pass[0..len). */
static dfe_t *enrolled(const uint8_t uid[7], uint8_t m[3][16], const char *site,
                       const uint8_t *pass, size_t len)
{
    dfe_t *d = NULL;
    uint8_t keys[CARD_NKEYS][16], vers[CARD_NKEYS] = { 1, 1, 1 }, file[CARD_FILE_SIZE];
    assert_int_equal(dfe_create(&d, uid), 0);
    for (int k = 0; k < CARD_NKEYS; k++)
        assert_int_equal(card_key_derive(m[k], uid, site, keys[k]), 0);
    assert_int_equal(dfe_add_app(d, 0x123456, 0x0F, 1, keys, NULL), 0); /* a campus app */
    assert_int_equal(dfe_add_app(d, CARD_AID, CARD_KEY_SETTINGS, CARD_NKEYS, keys, vers), 0);
    assert_int_equal(card_file_encode(pass, len, file), 0);
    assert_int_equal(dfe_add_file(d, CARD_AID, CARD_FILE_PASS, 1, CARD_FILE_COMM, CARD_FILE_AR,
                                  file, sizeof file, sizeof file), 0);
    return d;
}

/* The AES authentication of the public EV1 trace (key 16 x 00, key 0). */
static void test_trace_auth(void **st)
{
    (void)st;
    dfe_t *d = NULL;
    uint8_t keys[1][16] = {{0}}, rndb[16];
    assert_int_equal(dfe_create(&d, test_uid), 0);
    assert_int_equal(dfe_add_app(d, 0x00AE16, 0x0F, 1, keys, (const uint8_t[]){ 0x10 }), 0);
    unhex("C05DDD714FD788A6B7B754F3C4D066E8", rndb, 16);
    dfe_set_rndb(d, rndb);
    xchg(d, "905A00000316AE0000", "9100");                 /* AID 00AE16 sent LSB first */
    xchg(d, "90AA0000010000", "B969FDFE56FD91FC9DE6F6F213B8FD1E91AF");
    xchg(d, "90AF000020 36AAD7DF6E436BA08D18613830A70D5A D43E3D3F4A8D47541EEE623A934E4774 00",
         "800DB680BC146BD121D6578F2D2E205991 00");
    /* The channel key is F44B26F5C05DDD7110772281C4D066E8: GetKeyVersion
     * answers its version with the CMAC chained from the command's. */
    uint8_t sk[16], iv[16] = {0}, mac[16], cmd[2] = { 0x64, 0x00 }, ans[2] = { 0x10, 0x00 };
    unhex("F44B26F5C05DDD7110772281C4D066E8", sk, 16);
    assert_int_equal(dfc_cmac(sk, iv, cmd, 2, mac), 0);
    assert_int_equal(dfc_cmac(sk, iv, ans, 2, mac), 0);
    char want[64];
    snprintf(want, sizeof want, "10%02X%02X%02X%02X%02X%02X%02X%02X9100",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], mac[6], mac[7]);
    xchg(d, "906400000100 00", want);
    dfe_stats_t s;
    dfe_get_stats(d, &s);
    assert_int_equal(s.auth_ok, 1);
    /* A wrong RndB' is refused and ends nothing but the attempt. */
    xchg(d, "90AA0000010000", "B969FDFE56FD91FC9DE6F6F213B8FD1E91AF");
    xchg(d, "90AF000020 36AAD7DF6E436BA08D18613830A70D5A D43E3D3F4A8D47541EEE623A934E4775 00", "91AE");
    dfe_get_stats(d, &s);
    assert_int_equal(s.auth_fail, 1);
    xchg(d, "906400000100 00", "109100");                  /* no session: no CMAC */
    dfe_destroy(d);
}

/* Every malformed or out-of-context command gets a status word. */
static void test_refusals(void **st)
{
    (void)st;
    uint8_t m[3][16], pass[40];
    site_masters(m, 0);
    memset(pass, 0x5A, sizeof pass);
    dfe_t *d = enrolled(test_uid, m, "mtf", pass, sizeof pass);
    xchg(d, "00A4040000", "6E00");                         /* ISO class */
    xchg(d, "90", "917E");
    xchg(d, "00A4", "6700");
    xchg(d, "906000", "917E");                             /* too short */
    xchg(d, "9060010000", "917E");                         /* P1 */
    xchg(d, "905A000003 50AB", "917E");                    /* Lc past the end */
    xchg(d, "905A000003 50ABF1 01", "917E");               /* Le not 00 */
    xchg(d, "905A0000 00 00", "917E");                     /* Lc 0 with a body */
    xchg(d, "9077000000", "911C");                         /* unknown command */
    xchg(d, "90AF000000", "911C");                         /* nothing to continue */
    xchg(d, "905A000003 010203 00", "91A0");               /* no such application */
    xchg(d, "905A000002 0102 00", "917E");
    xchg(d, "90AA0000010100", "91AE");                     /* PICC key is DES */
    xchg(d, "90BD000007 01000000000000 00", "919D");       /* no application selected */
    xchg(d, "905A000003 50ABF1 00", "9100");
    xchg(d, "90AA0000010300", "9140");                     /* no key 3 */
    xchg(d, "90AA000002010000", "917E");
    xchg(d, "90BD000007 01000000000000 00", "91AE");       /* read needs key 1 */
    xchg(d, "90BD000007 02000000000000 00", "91F0");       /* no file 2 */
    xchg(d, "90F5000001 0100", "01032012000100 9100");    /* backup, enciphered, 0x1220, 256 */
    xchg(d, "906F000000", "019100");
    xchg(d, "9045000000", "0B839100");
    /* An authentication left half-way is dropped by the next command. */
    uint8_t in[7] = { 0x90, 0xAA, 0, 0, 1, 1, 0 }, out[DFE_RESP_MAX];
    size_t on = 0;
    assert_int_equal(dfe_process(d, in, sizeof in, out, &on), 0);
    assert_int_equal(on, 18);
    assert_int_equal(out[17], 0xAF);
    xchg(d, "906400000101 00", "019100");
    xchg(d, "90AF000020 00000000000000000000000000000000 00000000000000000000000000000000 00", "917E");
    /* Random junk of every length never gets past the answer buffer. */
    uint8_t junk[64];
    for (unsigned i = 0; i < 2000; i++) {
        size_t n = 1 + (i * 7919u) % sizeof junk;
        for (size_t k = 0; k < n; k++) junk[k] = (uint8_t)(i * 31u + k * 17u + (k * k));
        junk[0] = i % 3 ? 0x90 : junk[0];
        assert_int_equal(dfe_process(d, junk, n, out, &on), 0);
        assert_true(on >= 2 && on <= DFE_RESP_MAX);
    }
    dfe_destroy(d);
}

/* ---- the door's own read (access/nfc/nfc_desfire) ---- */

/* An in-process transport to the card, which can corrupt one answer: at
 * exchange `at`, `mode` 1 flips a byte, 2 cuts the answer short, 3 answers
 * only 91 00, 4 appends a byte, 5 answers an ISO status word. */
struct dfx {
    dfe_t *card;
    int n, at, mode;
    unsigned pos;
};

static int dfx_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap, size_t *rxlen)
{
    struct dfx *x = ctx;
    uint8_t out[DFE_RESP_MAX + 1];
    size_t on = 0;
    assert_int_equal(dfe_process(x->card, tx, txlen, out, &on), 0);
    if (x->n++ == x->at) {
        switch (x->mode) {
        case 1: out[x->pos % on] ^= 0x01; break;
        case 2: on = x->pos % on; break;
        case 3: out[0] = 0x91; out[1] = 0x00; on = 2; break;
        case 4: out[on++] = 0x00; break;
        case 5: out[0] = 0x6A; out[1] = 0x82; on = 2; break;
        default: break;
        }
    }
    if (on > rxcap) return LP_ERR_TOOBIG;
    memcpy(rx, out, on);
    *rxlen = on;
    return 0;
}

static void test_door_read_in_process(void **st)
{
    (void)st;
    uint8_t m[3][16], pass[150], key[16];
    site_masters(m, 0x20);
    for (size_t i = 0; i < sizeof pass; i++) pass[i] = (uint8_t)(255 - i);
    dfe_t *d = enrolled(test_uid, m, "mtf", pass, sizeof pass);
    assert_int_equal(card_key_derive(m[CARD_KEY_READ], test_uid, "mtf", key), 0);
    struct dfx x = { .card = d, .at = -1 };
    nfc_df_result_t res;
    assert_int_equal(nfc_df_exchange(dfx_xfer, &x, key, &res), 0);
    assert_int_equal(x.n, 3 + 5);          /* select, two auth steps, five frames */
    const uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(card_file_decode(res.file, sizeof res.file, &p, &n), 0);
    assert_int_equal(n, sizeof pass);
    assert_memory_equal(p, pass, n);
    /* Wrong key: the card refuses; no labpass application: not found. */
    uint8_t wrong[16];
    memcpy(wrong, key, 16);
    wrong[3] ^= 0x40;
    dfe_reset(d);
    assert_int_equal(nfc_df_exchange(dfx_xfer, &x, wrong, &res), LP_ERR_UNAUTH);
    for (size_t i = 0; i < sizeof res.file; i++) assert_int_equal(res.file[i], 0);
    dfe_t *bare = NULL;
    assert_int_equal(dfe_create(&bare, test_uid), 0);
    struct dfx y = { .card = bare, .at = -1 };
    assert_int_equal(nfc_df_exchange(dfx_xfer, &y, key, &res), LP_ERR_NOTFOUND);
    dfe_destroy(bare);
    /* Every answer corrupted in every way: an error, never a file. */
    unsigned fails = 0;
    for (int at = 0; at < 8; at++) {
        for (int mode = 1; mode <= 5; mode++) {
            if (at == 0 && mode == 3) continue;   /* 91 00 is the select's true answer */
            for (unsigned pos = 0; pos < 61; pos += (mode == 1 || mode == 2) ? 3 : 61) {
                dfe_reset(d);
                struct dfx z = { .card = d, .at = at, .mode = mode, .pos = pos };
                int rc = nfc_df_exchange(dfx_xfer, &z, key, &res);
                assert_int_not_equal(rc, 0);
                assert_true(rc == LP_ERR_INVALID || rc == LP_ERR_UNAUTH || rc == LP_ERR_CRYPTO ||
                            rc == LP_ERR_NOTFOUND);
                fails++;
            }
        }
    }
    assert_true(fails > 100);
    dfe_destroy(d);
}

/* ---- the decision for a card (door_decide) ---- */

#define T0 1796000000   /* 2026-12-01, fixed */

static int never_denied(void *ctx, const uint8_t cti[TOK_CTI_LEN], int *denied)
{
    (void)ctx; (void)cti;
    *denied = 0;
    return 0;
}

/* A pass for person 7, group ml1, signed by the seeded site key; bound to
 * the card id when card is given, to a holder key when holder is set. */
static size_t card_pass(uint8_t *out, size_t cap, const uint8_t *card, int holder, struct tok_key *key)
{
    uint8_t pk[TOK_PK_LEN], sk[TOK_SK_LEN];
    crypto_sign_seed_keypair(pk, sk, (const uint8_t *)"labpass-test-desfire-site-key-01");
    memcpy(key->pk, pk, TOK_PK_LEN);
    tok_kid_from_pk(pk, key->kid);
    key->kid_len = TOK_KID_LEN;
    struct tok_claims c = { .nbf = T0 - 600, .exp = T0 + 3600, .iat = T0 - 700, .n_groups = 1 };
    strcpy(c.iss, "mtf");
    strcpy(c.sub, "7");
    strcpy(c.groups[0], "ml1");
    memset(c.cti, 0x3C, TOK_CTI_LEN);
    if (card) {
        c.has_card = 1;
        memcpy(c.card_id, card, TOK_CARD_ID_LEN);
    }
    if (holder) {
        c.has_cnf = 1;
        memset(c.cnf_pk, 0x11, TOK_PK_LEN);
    }
    size_t n = 0;
    assert_int_equal(tok_encode(&c, sk, key->kid, key->kid_len, out, cap, &n), 0);
    return n;
}

static enum door_reason decide_card(const uint8_t *pass, size_t len, enum door_medium m,
                                    const uint8_t *read_from, const struct tok_key *key)
{
    struct tok_door_settings pol = { .n_groups = 1, .holder_proof = 1, .clock_skew = 120,
                                     .pulse_ms = 3000, .sync_interval = 60 };
    strcpy(pol.groups[0], "ml1");
    strcpy(pol.name, "lab-1");
    struct door_view v = { .policy = &pol, .issuer = "mtf", .keys = key, .n_keys = 1,
                           .denied = never_denied };
    struct door_tap t = { .medium = m, .pass = pass, .pass_len = len, .card_id = read_from };
    struct door_decision d;
    assert_int_equal(door_decide(&v, &t, T0, &d), 0);
    assert_int_equal(d.granted, d.reason == DOOR_GRANTED);
    return d.reason;
}

static void test_decide_card(void **st)
{
    (void)st;
    uint8_t id[CARD_ID_LEN], other_id[CARD_ID_LEN], pass[TOK_PASS_MAX], other_uid[7];
    struct tok_key key;
    card_id(test_uid, id);
    memcpy(other_uid, test_uid, 7);
    other_uid[6] ^= 0x01;
    card_id(other_uid, other_id);
    size_t n = card_pass(pass, sizeof pass, id, 0, &key);
    assert_true(n <= 200);                       /* inside the pass budget */
    /* The pass decodes with its binding. */
    struct tok_pass p;
    assert_int_equal(tok_decode(pass, n, &p, NULL), 0);
    assert_int_equal(p.claims.has_card, 1);
    assert_int_equal(p.claims.has_cnf, 0);
    assert_memory_equal(p.claims.card_id, id, CARD_ID_LEN);
    assert_int_equal(decide_card(pass, n, DOOR_MEDIUM_CARD, id, &key), DOOR_GRANTED);
    assert_int_equal(decide_card(pass, n, DOOR_MEDIUM_CARD, other_id, &key), DOOR_CARD_UNBOUND);
    assert_int_equal(decide_card(pass, n, DOOR_MEDIUM_TAG, NULL, &key), DOOR_CARD_UNBOUND);
    assert_int_equal(decide_card(pass, n, DOOR_MEDIUM_CREDENTIAL, NULL, &key), DOOR_CARD_UNBOUND);
    assert_int_equal(decide_card(pass, n, DOOR_MEDIUM_CARD, NULL, &key), DOOR_CARD_AUTH_FAILED);
    assert_int_equal(decide_card(NULL, 0, DOOR_MEDIUM_CARD, NULL, &key), DOOR_CARD_AUTH_FAILED);
    /* A phone's pass (holder key) copied onto a card proves nothing. */
    n = card_pass(pass, sizeof pass, NULL, 1, &key);
    assert_int_equal(decide_card(pass, n, DOOR_MEDIUM_CARD, id, &key), DOOR_HOLDER_PROOF_FAILED);
    /* A forged binding (one byte of the signed pass changed) fails the signature. */
    n = card_pass(pass, sizeof pass, id, 0, &key);
    uint8_t *at = memmem(pass, n, id, CARD_ID_LEN);
    assert_non_null(at);
    at[0] ^= 0x01;
    assert_int_equal(decide_card(pass, n, DOOR_MEDIUM_CARD, other_id, &key), DOOR_BAD_SIGNATURE);
    /* Both bindings at once cannot be issued; cnf of another method is malformed. */
    struct tok_claims c = p.claims;
    c.has_cnf = 1;
    assert_int_equal(tok_claims_check(&c), LP_ERR_INVALID);
    assert_string_equal(door_reason_name(DOOR_CARD_AUTH_FAILED), "card_auth_failed");
    assert_string_equal(door_reason_name(DOOR_CARD_UNBOUND), "card_unbound");
}

/* ---- through libnfc, the emulated PN532 and libfreefare ---- */

struct fx {
    emu_t *emu;
    nfc_context *ctx;
    nfc_device *dev;
    uint8_t m[3][16];
    uint8_t pass[180];
};

static int fx_setup(void **st)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f || emu_start(&f->emu, NULL) != 0) return -1;
    nfc_init(&f->ctx);
    if (!f->ctx) return -1;
    f->dev = nfc_open(f->ctx, emu_connstring(f->emu));
    if (!f->dev) return -1;
    site_masters(f->m, 0x40);
    for (size_t i = 0; i < sizeof f->pass; i++) f->pass[i] = (uint8_t)(i * 13 + 5);
    *st = f;
    return 0;
}

static int fx_teardown(void **st)
{
    struct fx *f = *st;
    if (f->dev) nfc_close(f->dev);
    nfc_exit(f->ctx);
    emu_stop(f->emu);
    free(f);
    return 0;
}

/* What a door does (section 18.5) with libfreefare: find the DESFire card,
 * select the labpass application, authenticate with the read key derived
 * from read_master for site, read the pass file. Returns 0 and the file, or
 * -1 with *picc the card's last status (0 if none). */
static int door_read(struct fx *f, const uint8_t read_master[16], const char *site,
                     uint8_t file[CARD_FILE_SIZE + 32], uint8_t *picc, uint8_t *version)
{
    *picc = 0;
    MifareTag *tags = freefare_get_tags(f->dev);
    assert_non_null(tags);
    assert_non_null(tags[0]);
    MifareTag tag = tags[0];
    assert_int_equal(freefare_get_tag_type(tag), DESFIRE);
    int rc = -1;
    uint8_t key[16];
    char *uidhex = freefare_get_tag_uid(tag);
    uint8_t uid[7];
    assert_int_equal(unhex(uidhex, uid, sizeof uid), 7);
    free(uidhex);
    assert_int_equal(card_key_derive(read_master, uid, site, key), 0);
    MifareDESFireAID aid = mifare_desfire_aid_new(CARD_AID);
    MifareDESFireKey k = mifare_desfire_aes_key_new(key);
    if (mifare_desfire_connect(tag) < 0) goto done;
    if (mifare_desfire_select_application(tag, aid) < 0) goto fail;
    if (mifare_desfire_get_key_version(tag, CARD_KEY_READ, version) < 0) goto fail;
    if (mifare_desfire_authenticate_aes(tag, CARD_KEY_READ, k) < 0) goto fail;
    ssize_t n = mifare_desfire_read_data(tag, CARD_FILE_PASS, 0, CARD_FILE_SIZE, file);
    if (n != CARD_FILE_SIZE) goto fail;
    struct mifare_desfire_version_info vi;  /* CMACed over three frames */
    if (mifare_desfire_get_version(tag, &vi) < 0) goto fail;
    assert_memory_equal(vi.uid, uid, 7);
    rc = 0;
fail:
    *picc = mifare_desfire_last_picc_error(tag);
    mifare_desfire_disconnect(tag);
done:
    mifare_desfire_key_free(k);
    free(aid);
    freefare_free_tags(tags);
    return rc;
}

static void test_genuine_card(void **st)
{
    struct fx *f = *st;
    dfe_t *d = enrolled(test_uid, f->m, "mtf", f->pass, sizeof f->pass);
    emu_present_desfire(f->emu, d);
    uint8_t file[CARD_FILE_SIZE + 32], picc = 0, ver = 0;
    assert_int_equal(door_read(f, f->m[CARD_KEY_READ], "mtf", file, &picc, &ver), 0);
    assert_int_equal(ver, 1);
    const uint8_t *pass = NULL;
    size_t n = 0;
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE, &pass, &n), 0);
    assert_int_equal(n, sizeof f->pass);
    assert_memory_equal(pass, f->pass, n);
    dfe_stats_t s;
    dfe_get_stats(d, &s);
    assert_int_equal(s.auth_ok, 1);
    emu_present_none(f->emu);
    dfe_destroy(d);
}

/* Same UID and file, keys from other masters: authentication fails (91 AE). */
static void test_cloned_card(void **st)
{
    struct fx *f = *st;
    uint8_t other[3][16];
    site_masters(other, 0x90);
    dfe_t *d = enrolled(test_uid, other, "mtf", f->pass, sizeof f->pass);
    emu_present_desfire(f->emu, d);
    uint8_t file[CARD_FILE_SIZE + 32], picc = 0, ver = 0;
    assert_int_equal(door_read(f, f->m[CARD_KEY_READ], "mtf", file, &picc, &ver), -1);
    assert_int_equal(picc, 0xAE);
    emu_present_none(f->emu);
    dfe_destroy(d);
}

/* Same masters, another site code: the diversified keys differ. */
static void test_other_site(void **st)
{
    struct fx *f = *st;
    dfe_t *d = enrolled(test_uid, f->m, "xyz", f->pass, sizeof f->pass);
    emu_present_desfire(f->emu, d);
    uint8_t file[CARD_FILE_SIZE + 32], picc = 0, ver = 0;
    assert_int_equal(door_read(f, f->m[CARD_KEY_READ], "mtf", file, &picc, &ver), -1);
    assert_int_equal(picc, 0xAE);
    /* The write key cannot read either: the file's read key is key 1. */
    dfe_destroy(d);
    d = enrolled(test_uid, f->m, "mtf", f->pass, sizeof f->pass);
    emu_present_desfire(f->emu, d);
    assert_int_equal(door_read(f, f->m[CARD_KEY_WRITE], "mtf", file, &picc, &ver), -1);
    assert_int_equal(picc, 0xAE);
    emu_present_none(f->emu);
    dfe_destroy(d);
}

/* Garbage, a bad checksum and the chip's error frame in the middle of the
 * read: the host fails cleanly and the next read of the same card succeeds.
 * (A truncated frame is left out: libfreefare 0.4.0 asks libnfc for no
 * timeout, so the host would wait for the rest of the frame for ever.) */
static void test_garbage_answers(void **st)
{
    struct fx *f = *st;
    dfe_t *d = enrolled(test_uid, f->m, "mtf", f->pass, sizeof f->pass);
    emu_present_desfire(f->emu, d);
    uint8_t file[CARD_FILE_SIZE + 32], picc = 0, ver = 0;
    const enum emu_fault_kind kinds[] = { EMU_FAULT_GARBAGE, EMU_FAULT_BAD_DCS, EMU_FAULT_ERROR_FRAME };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        emu_fault_t fault = { .kind = kinds[i], .cmd = 0x40, .skip = 4, .count = 1 };
        emu_set_fault(f->emu, &fault);
        assert_int_equal(door_read(f, f->m[CARD_KEY_READ], "mtf", file, &picc, &ver), -1);
        emu_set_fault(f->emu, NULL);
        assert_int_equal(door_read(f, f->m[CARD_KEY_READ], "mtf", file, &picc, &ver), 0);
    }
    emu_present_none(f->emu);
    dfe_destroy(d);
}

/* The door's read through nfc_rdr: the card is recognised, read, and a
 * truncated chip answer costs one bounded timeout, not a hang. */
static void test_door_read_libnfc(void **st)
{
    struct fx *f = *st;
    nfc_close(f->dev);            /* the door's reader takes the device */
    f->dev = NULL;
    static const nfc_rdr_opts_t opts = { .xfer_ms = 250, .poll_gap_ms = 20,
                                         .present_gap_ms = 20, .exchange_ms = 2000 };
    nfc_rdr_t *r = NULL;
    assert_int_equal(nfc_rdr_open(emu_connstring(f->emu), &opts, &r), 0);
    dfe_t *d = enrolled(test_uid, f->m, "mtf", f->pass, sizeof f->pass);
    emu_present_desfire(f->emu, d);
    nfc_card_t card;
    uint8_t key[16];
    nfc_df_result_t res;
    assert_int_equal(nfc_rdr_poll(r, 500, &card), 0);
    assert_int_equal(nfc_df_is_desfire(&card), 1);
    assert_memory_equal(card.uid, test_uid, 7);
    assert_int_equal(card_key_derive(f->m[CARD_KEY_READ], card.uid, "mtf", key), 0);
    assert_int_equal(nfc_df_read(r, key, &res), 0);
    const uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(card_file_decode(res.file, sizeof res.file, &p, &n), 0);
    assert_memory_equal(p, f->pass, sizeof f->pass);
    assert_int_equal(nfc_rdr_release(r), 0);
    /* A truncated answer in the middle of the read. */
    emu_fault_t fault = { .kind = EMU_FAULT_TRUNCATE, .cmd = 0x40, .skip = 4, .count = 1 };
    emu_present_desfire(f->emu, d);
    assert_int_equal(nfc_rdr_poll(r, 500, &card), 0);
    emu_set_fault(f->emu, &fault);
    int rc = nfc_df_read(r, key, &res);
    assert_true(rc == LP_ERR_TIMEOUT || rc == LP_ERR_IO || rc == LP_ERR_INVALID);
    emu_set_fault(f->emu, NULL);
    nfc_rdr_close(r);
    dfe_destroy(d);
}

/* ---- the card's writing side ---- */

/* ChangeKey of the key in use, from the published EV1 trace: after the
 * trace's authentication (channel key F44B26F5C05DDD7110772281C4D066E8)
 * the cryptogram for key 0 = 00102030405060708090A0B0B0A09080, version 10,
 * is accepted with a bare 91 00 and the authentication ends. */
static void test_trace_change_key(void **st)
{
    (void)st;
    dfe_t *d = NULL;
    uint8_t keys[2][16] = {{0}}, rndb[16], key[16], want[16], ver = 0;
    assert_int_equal(dfe_create(&d, test_uid), 0);
    assert_int_equal(dfe_add_app(d, 0x00AE16, 0x0F, 2, keys, NULL), 0);
    unhex("C05DDD714FD788A6B7B754F3C4D066E8", rndb, 16);
    dfe_set_rndb(d, rndb);
    xchg(d, "905A00000316AE0000", "9100");
    xchg(d, "90AA0000010000", "B969FDFE56FD91FC9DE6F6F213B8FD1E91AF");
    xchg(d, "90AF000020 36AAD7DF6E436BA08D18613830A70D5A D43E3D3F4A8D47541EEE623A934E4774 00",
         "800DB680BC146BD121D6578F2D2E205991 00");
    /* One bit off in the cryptogram: the CRC32 fails (1E), nothing changes. */
    xchg(d, "90C4000021 00 E9F85E219496C2B58C1090DC3935FAE9 E840CF61B383D9531946256B1F110C11 00", "911E");
    assert_int_equal(dfe_key(d, 0x00AE16, 0, key, &ver), 0);
    assert_int_equal(ver, 0);
    xchg(d, "90AA0000010000", "B969FDFE56FD91FC9DE6F6F213B8FD1E91AF");
    xchg(d, "90AF000020 36AAD7DF6E436BA08D18613830A70D5A D43E3D3F4A8D47541EEE623A934E4774 00",
         "800DB680BC146BD121D6578F2D2E205991 00");
    xchg(d, "90C4000021 00 E9F85E219496C2B58C1090DC3935FAE9 E840CF61B383D9531946256B1F110C10 00", "9100");
    assert_int_equal(dfe_key(d, 0x00AE16, 0, key, &ver), 0);
    unhex("00102030405060708090A0B0B0A09080", want, 16);
    assert_memory_equal(key, want, 16);
    assert_int_equal(ver, 0x10);
    xchg(d, "906400000100 00", "109100");                  /* authentication over: no CMAC */
    /* The other-key form of the second published example (channel key
     * C2A1E47BD8100044FE6D00A74D7AB17C, IV 0, authenticated with key 0,
     * key 1 from zero to the same new key, version 10): the card's answer
     * carries the published CMAC. */
    uint8_t sk[16], iv[16] = {0}, plain[32] = {0}, enc[32], m[19];
    unhex("C2A1E47BD8100044FE6D00A74D7AB17C", sk, 16);
    memcpy(plain, want, 16);                               /* new XOR old (zero) */
    plain[16] = 0x10;
    m[0] = 0xC4; m[1] = 0x01;
    memcpy(m + 2, plain, 17);
    uint32_t c1 = dfc_crc32(m, sizeof m), c2 = dfc_crc32(want, 16);
    assert_int_equal(c1, 0x84B47033u);
    assert_int_equal(c2, 0x1979E3BFu);
    for (int i = 0; i < 4; i++) {
        plain[17 + i] = (uint8_t)(c1 >> (8 * i));
        plain[21 + i] = (uint8_t)(c2 >> (8 * i));
    }
    assert_int_equal(dfc_cbc_encrypt(sk, iv, plain, 32, enc), 0);
    uint8_t tail[8];
    unhex("AB7A1FF18951FCA3", tail, 8);
    assert_memory_equal(enc + 24, tail, 8);
    assert_int_equal(dfe_force_auth(d, 0x00AE16, 0, sk), 0);
    uint8_t in[6 + 34], out[DFE_RESP_MAX], mac[8];
    size_t on = 0;
    memcpy(in, (const uint8_t[]){ 0x90, 0xC4, 0, 0, 0x21, 0x01 }, 6);
    memcpy(in + 6, enc, 32);
    in[38] = 0;
    assert_int_equal(dfe_process(d, in, 39, out, &on), 0);
    unhex("2128D3CD9C9ACFFF", mac, 8);
    assert_int_equal(on, 10);
    assert_memory_equal(out, mac, 8);
    assert_int_equal(out[9], 0x00);
    assert_int_equal(dfe_key(d, 0x00AE16, 1, key, &ver), 0);
    assert_memory_equal(key, want, 16);
    assert_int_equal(ver, 0x10);
    dfe_destroy(d);
}

/* Writing commands out of context or malformed: a status word each. */
static void test_write_refusals(void **st)
{
    (void)st;
    dfe_t *d = NULL;
    assert_int_equal(dfe_create(&d, test_uid), 0);
    xchg(d, "90CA000005 50ABF1 0B 83 00", "9100");           /* free create on a factory card */
    xchg(d, "90CA000005 50ABF1 0B 83 00", "91DE");           /* duplicate */
    xchg(d, "90CA000005 000000 0B 83 00", "919E");           /* AID 0 */
    xchg(d, "90CA000005 010000 0B 80 00", "919E");           /* no keys */
    xchg(d, "90CA000005 010000 0B 8F 00", "919E");           /* 15 keys */
    xchg(d, "90CA000005 010000 0B 03 00", "919E");           /* DES: not emulated */
    xchg(d, "90CA000004 010000 0B 00", "917E");
    xchg(d, "90C4000021 00 0000000000000000000000000000000000000000000000000000000000000000 00",
         "91AE");                                            /* PICC key */
    xchg(d, "90DA000003 50ABF1 00", "91AE");                  /* needs the app's master key */
    xchg(d, "90C7000000", "919D");                            /* nothing selected */
    xchg(d, "905A000003 50ABF1 00", "9100");
    xchg(d, "90CA000005 020000 0B 83 00", "919D");           /* not at PICC level */
    xchg(d, "90CB000007 01 03 2012 000100 00", "91AE");      /* file needs key 0 */
    xchg(d, "90C4000021 01 0000000000000000000000000000000000000000000000000000000000000000 00",
         "91AE");                                            /* not authenticated */
    xchg(d, "903D000008 01 000000 010000 AA 00", "91F0");    /* no file */
    xchg(d, "90C4000020 01 00000000000000000000000000000000000000000000000000000000000000 00", "917E");
    xchg(d, "90AF000000", "911C");
    /* A card whose PICC settings want the master key for CreateApplication. */
    dfe_reset(d);
    dfe_set_picc_settings(d, 0x0B);
    xchg(d, "90CA000005 030000 0B 83 00", "91AE");
    xchg(d, "9045000000", "0B019100");
    /* Random junk after a WriteData header never gets past the buffers. */
    uint8_t keys[1][16] = {{0}}, out[DFE_RESP_MAX], junk[80];
    assert_int_equal(dfe_add_app(d, 0x0A0B0C, 0x0F, 1, keys, NULL), 0);
    assert_int_equal(dfe_add_file(d, 0x0A0B0C, 1, 1, 0, 0xEEEE, NULL, 0, 64), 0);
    size_t on = 0;
    for (unsigned i = 0; i < 3000; i++) {
        if (i % 50 == 0) xchg(d, "905A000003 0C0B0A 00", "9100");
        size_t n = 1 + (i * 7919u) % sizeof junk;
        for (size_t k = 0; k < n; k++) junk[k] = (uint8_t)(i * 29u + k * 13u + (k * k * i));
        static const uint8_t heads[] = { 0x3D, 0xAF, 0xC4, 0xCA, 0xCB, 0xCD, 0xC7, 0xA7, 0xDA };
        junk[0] = 0x90;
        if (n > 1) junk[1] = heads[i % sizeof heads];
        if (n > 4) { junk[2] = junk[3] = 0; junk[4] = (uint8_t)(n - 6); }
        if (n > 6 && i % 2) { junk[6] = 0; junk[n - 1] = 0; }
        assert_int_equal(dfe_process(d, junk, n, out, &on), 0);
        assert_true(on >= 2 && on <= DFE_RESP_MAX);
    }
    dfe_destroy(d);
}

/* libfreefare 0.4.0 as the host that writes: a factory card gets the labpass
 * application (3 AES keys, settings 0B) next to a campus one, its keys are
 * changed (other-key and same-key forms), a backup file is made, a pass is
 * written enciphered and committed, and read back with the read key. An
 * uncommitted write is lost when the card is selected again; AbortTransaction
 * drops one too; the read key cannot write. */
static void lf_connect(struct fx *f, MifareTag **tags)
{
    *tags = freefare_get_tags(f->dev);
    assert_non_null(*tags);
    assert_non_null((*tags)[0]);
    assert_int_equal(mifare_desfire_connect((*tags)[0]), 0);
}

static void lf_done(MifareTag *tags)
{
    mifare_desfire_disconnect(tags[0]);
    freefare_free_tags(tags);
}

/* Authenticates key_no and writes file[0..256) enciphered; commits when asked. */
static int lf_write(MifareTag tag, MifareDESFireAID aid, uint8_t key_no, const uint8_t key[16],
                    const uint8_t *file, int commit)
{
    MifareDESFireKey k = mifare_desfire_aes_key_new((uint8_t *)key);
    int rc = mifare_desfire_select_application(tag, aid);
    if (rc == 0) rc = mifare_desfire_authenticate_aes(tag, key_no, k);
    if (rc == 0) rc = mifare_desfire_write_data_ex(tag, CARD_FILE_PASS, 0, CARD_FILE_SIZE, file,
                                                   MDCM_ENCIPHERED) == CARD_FILE_SIZE ? 0 : -1;
    if (rc == 0 && commit) rc = mifare_desfire_commit_transaction(tag);
    mifare_desfire_key_free(k);
    return rc;
}

static void lf_read(MifareTag tag, MifareDESFireAID aid, const uint8_t key[16], uint8_t *file)
{
    MifareDESFireKey k = mifare_desfire_aes_key_new((uint8_t *)key);
    uint8_t buf[CARD_FILE_SIZE + 32];
    assert_int_equal(mifare_desfire_select_application(tag, aid), 0);
    assert_int_equal(mifare_desfire_authenticate_aes(tag, CARD_KEY_READ, k), 0);
    assert_int_equal(mifare_desfire_read_data_ex(tag, CARD_FILE_PASS, 0, CARD_FILE_SIZE, buf,
                                                 MDCM_ENCIPHERED), CARD_FILE_SIZE);
    memcpy(file, buf, CARD_FILE_SIZE);
    mifare_desfire_key_free(k);
}

static void lf_format(MifareTag tag, MifareDESFireAID aid, uint8_t keys[3][16])
{
    uint8_t zero[16] = {0};
    MifareDESFireKey z = mifare_desfire_aes_key_new(zero), k[3];
    for (int i = 0; i < 3; i++) k[i] = mifare_desfire_aes_key_new_with_version(keys[i], 1);
    assert_int_equal(mifare_desfire_select_application(tag, NULL), 0);
    assert_int_equal(mifare_desfire_create_application_aes(tag, aid, CARD_KEY_SETTINGS, CARD_NKEYS), 0);
    assert_int_equal(mifare_desfire_select_application(tag, aid), 0);
    assert_int_equal(mifare_desfire_authenticate_aes(tag, 0, z), 0);
    assert_int_equal(mifare_desfire_change_key(tag, 1, k[1], z), 0);
    assert_int_equal(mifare_desfire_change_key(tag, 2, k[2], z), 0);
    assert_int_equal(mifare_desfire_create_backup_data_file(tag, CARD_FILE_PASS, MDCM_ENCIPHERED,
                                                            CARD_FILE_AR, CARD_FILE_SIZE), 0);
    assert_int_equal(mifare_desfire_change_key(tag, 0, k[0], NULL), 0);
    assert_int_equal(mifare_desfire_authenticate_aes(tag, 0, k[0]), 0);   /* the new key 0 works */
    uint8_t v = 0;
    assert_int_equal(mifare_desfire_get_key_version(tag, 2, &v), 0);
    assert_int_equal(v, 1);
    mifare_desfire_key_free(z);
    for (int i = 0; i < 3; i++) mifare_desfire_key_free(k[i]);
}

static void test_libfreefare_writes(void **st)
{
    struct fx *f = *st;
    dfe_t *d = NULL;
    uint8_t campus[1][16] = {{ 0xC0 }}, keys[3][16], file[CARD_FILE_SIZE], other[CARD_FILE_SIZE];
    uint8_t got[CARD_FILE_SIZE], k[16], v = 0;
    assert_int_equal(dfe_create(&d, test_uid), 0);
    assert_int_equal(dfe_add_app(d, 0x123456, 0x0F, 1, campus, NULL), 0);
    for (int i = 0; i < 3; i++) assert_int_equal(card_key_derive(f->m[i], test_uid, "mtf", keys[i]), 0);
    emu_present_desfire(f->emu, d);
    MifareTag *tags = NULL;
    MifareDESFireAID aid = mifare_desfire_aid_new(CARD_AID);
    lf_connect(f, &tags);
    lf_format(tags[0], aid, keys);
    MifareDESFireAID *ids = NULL;
    size_t n = 0;
    assert_int_equal(mifare_desfire_select_application(tags[0], NULL), 0);
    assert_int_equal(mifare_desfire_get_application_ids(tags[0], &ids, &n), 0);
    assert_int_equal(n, 2);                                   /* the campus app stays */
    mifare_desfire_free_application_ids(ids);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(dfe_key(d, CARD_AID, (unsigned)i, k, &v), 0);
        assert_memory_equal(k, keys[i], 16);
        assert_int_equal(v, 1);
    }
    assert_int_equal(card_file_encode(f->pass, sizeof f->pass, file), 0);
    assert_int_equal(lf_write(tags[0], aid, CARD_KEY_WRITE, keys[2], file, 1), 0);
    lf_read(tags[0], aid, keys[1], got);
    assert_memory_equal(got, file, CARD_FILE_SIZE);
    /* A write left without commit, then the card selected again: old pass. */
    memset(other, 0, sizeof other);
    other[1] = 1; other[2] = 0x77;
    assert_int_equal(lf_write(tags[0], aid, CARD_KEY_WRITE, keys[2], other, 0), 0);
    lf_done(tags);
    lf_connect(f, &tags);
    lf_read(tags[0], aid, keys[1], got);
    assert_memory_equal(got, file, CARD_FILE_SIZE);
    /* AbortTransaction drops the write too. */
    assert_int_equal(lf_write(tags[0], aid, CARD_KEY_WRITE, keys[2], other, 0), 0);
    assert_int_equal(mifare_desfire_abort_transaction(tags[0]), 0);
    assert_int_equal(mifare_desfire_commit_transaction(tags[0]), 0);
    lf_read(tags[0], aid, keys[1], got);
    assert_memory_equal(got, file, CARD_FILE_SIZE);
    /* The read key may not write (9D); a committed write shows. */
    assert_int_equal(lf_write(tags[0], aid, CARD_KEY_READ, keys[1], other, 1), -1);
    assert_int_equal(mifare_desfire_last_picc_error(tags[0]), 0x9D);
    assert_int_equal(lf_write(tags[0], aid, CARD_KEY_WRITE, keys[2], other, 1), 0);
    lf_read(tags[0], aid, keys[1], got);
    assert_memory_equal(got, other, CARD_FILE_SIZE);
    dfe_stats_t s;
    dfe_get_stats(d, &s);
    assert_int_equal(s.commits, 2 + 1);
    assert_true(s.discards >= 2);
    /* A standard file in MACed mode: written at once, no commit needed. */
    MifareDESFireKey k0 = mifare_desfire_aes_key_new(keys[0]), k1 = mifare_desfire_aes_key_new(keys[1]),
                     k2 = mifare_desfire_aes_key_new(keys[2]);
    uint8_t std[100], back[100 + 32];
    for (size_t i = 0; i < sizeof std; i++) std[i] = (uint8_t)(i ^ 0x5A);
    assert_int_equal(mifare_desfire_select_application(tags[0], aid), 0);
    assert_int_equal(mifare_desfire_authenticate_aes(tags[0], 0, k0), 0);
    assert_int_equal(mifare_desfire_create_std_data_file(tags[0], 2, MDCM_MACED, MDAR(1, 2, 2, 0), 100), 0);
    assert_int_equal(mifare_desfire_authenticate_aes(tags[0], 2, k2), 0);
    assert_int_equal(mifare_desfire_write_data_ex(tags[0], 2, 0, sizeof std, std, MDCM_MACED), sizeof std);
    assert_int_equal(mifare_desfire_authenticate_aes(tags[0], 1, k1), 0);
    assert_int_equal(mifare_desfire_read_data_ex(tags[0], 2, 0, sizeof std, back, MDCM_MACED), sizeof std);
    assert_memory_equal(back, std, sizeof std);
    /* DeleteApplication with the application's master key; the campus app stays. */
    assert_int_equal(mifare_desfire_authenticate_aes(tags[0], 0, k0), 0);
    assert_int_equal(mifare_desfire_delete_application(tags[0], aid), 0);
    assert_int_equal(mifare_desfire_select_application(tags[0], NULL), 0);
    assert_int_equal(mifare_desfire_get_application_ids(tags[0], &ids, &n), 0);
    assert_int_equal(n, 1);
    mifare_desfire_free_application_ids(ids);
    assert_int_equal(mifare_desfire_select_application(tags[0], aid), -1);
    assert_int_equal(mifare_desfire_last_picc_error(tags[0]), 0xA0);
    mifare_desfire_key_free(k0);
    mifare_desfire_key_free(k1);
    mifare_desfire_key_free(k2);
    lf_done(tags);
    free(aid);
    emu_present_none(f->emu);
    dfe_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_auth),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_door_read_in_process),
        cmocka_unit_test(test_decide_card),
        cmocka_unit_test_setup_teardown(test_door_read_libnfc, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_genuine_card, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cloned_card, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_other_site, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_answers, fx_setup, fx_teardown),
        cmocka_unit_test(test_trace_change_key),
        cmocka_unit_test(test_write_refusals),
        cmocka_unit_test_setup_teardown(test_libfreefare_writes, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
