/* test_card.c: unit tests for access/card (the DESFire card model and its
 * AES building blocks). Published vectors: NIST SP 800-38B CMAC, NXP AN10922
 * AES-128 diversification (and the short-input example of AN10957), the
 * DESFire CRC32, the AES authentication, ChangeKey cryptogram and chained
 * CMAC examples of public EV1 traces; then the labpass card vectors printed in
 * docs/access-protocol.md section 18 (cross-checked with a second AES
 * implementation when they were made) and every refusal of the pass file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "access/card/card.h"
#include "access/card/dfcrypt.h"

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (h[0] && h[1]) {
        if (h[0] == ' ') {
            h++;
            continue;
        }
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        assert_true(n < max);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

#define HEX(name, str) uint8_t name[64]; size_t name##_len = unhex(str, name, sizeof name); (void)name##_len

static void assert_hex(const uint8_t *got, size_t len, const char *want)
{
    uint8_t w[512];
    size_t n = unhex(want, w, sizeof w);
    assert_int_equal(n, len);
    assert_memory_equal(got, w, len);
}

static void test_cmac_nist(void **state)
{
    (void)state;
    HEX(key, "2B7E151628AED2A6ABF7158809CF4F3C");
    HEX(m16, "6BC1BEE22E409F96E93D7E117393172A");
    uint8_t k1[16], k2[16], iv[16] = {0}, mac[16];
    assert_int_equal(dfc_cmac_subkeys(key, k1, k2), 0);
    assert_hex(k1, 16, "FBEED618357133667C85E08F7236A8DE");
    assert_hex(k2, 16, "F7DDAC306AE266CCF90BC11EE46D513B");
    assert_int_equal(dfc_cmac(key, iv, NULL, 0, mac), 0);
    assert_hex(mac, 16, "BB1D6929E95937287FA37D129B756746");
    assert_memory_equal(iv, mac, 16);
    memset(iv, 0, 16);
    assert_int_equal(dfc_cmac(key, iv, m16, m16_len, mac), 0);
    assert_hex(mac, 16, "070A16B46B4D4144F79BDD9DD04A287C");
    /* SP 800-38B example 3: 40 bytes (a partial last block). */
    uint8_t m40[40];
    unhex("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51"
          "30C81C46A35CE411", m40, sizeof m40);
    memset(iv, 0, 16);
    assert_int_equal(dfc_cmac(key, iv, m40, 40, mac), 0);
    assert_hex(mac, 16, "DFA66747DE9AE63030CA32611497C827");
}

static void test_an10922(void **state)
{
    (void)state;
    HEX(master, "00112233445566778899AABBCCDDEEFF");
    HEX(m, "04782E21801D80 3042F5 4E585020416275");
    uint8_t k1[16], k2[16], out[16];
    assert_int_equal(dfc_cmac_subkeys(master, k1, k2), 0);
    assert_hex(k1, 16, "FBC9F75C9413C041DFEE452D3F0706D1");
    assert_hex(k2, 16, "F793EEB928278083BFDC8A5A7E0E0D25");
    assert_int_equal(dfc_diversify(master, m, m_len, out), 0);
    assert_hex(out, 16, "A8DD63A3B89D54B37CA802473FDA9175");
    /* AN10957's short input: two blocks, not a plain CMAC. */
    HEX(master2, "F3F9377698707B688EAF84ABE39E3791");
    HEX(uid, "04DEADBEEFFEED");
    assert_int_equal(dfc_diversify(master2, uid, uid_len, out), 0);
    assert_hex(out, 16, "0BB408BAFF98B6EE9F2E1585777F6A51");
    uint8_t iv[16] = {0}, mac[16], d[8] = {0x01};
    memcpy(d + 1, uid, 7);
    assert_int_equal(dfc_cmac(master2, iv, d, sizeof d, mac), 0); /* CMAC(01 || M) */
    assert_hex(mac, 16, "721E2C01E81AF85D815633969CEA2607");
    /* Lengths: 1..31 bytes only. */
    uint8_t big[32] = {0};
    assert_int_equal(dfc_diversify(master, big, 0, out), LP_ERR_INVALID);
    assert_int_equal(dfc_diversify(master, big, 32, out), LP_ERR_INVALID);
    assert_int_equal(dfc_diversify(master, big, 31, out), 0);
    assert_int_equal(dfc_diversify(master, big, 1, out), 0);
}

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(dfc_crc32((const uint8_t *)"123456789", 9), 0x340BC6D9u);
    uint8_t buf[8] = {1, 2, 3, 4};
    uint32_t c = dfc_crc32(buf, 4);
    for (int i = 0; i < 4; i++)
        buf[4 + i] = (uint8_t)(c >> (8 * i));
    assert_int_equal(dfc_crc32(buf, 8), 0);
}

/* The AES authentication of a public EV1 trace (key 16 x 00): the card's
 * E(RndB), the host's answer and the session key. */
static void test_auth_example(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, iv[16] = {0};
    HEX(ernd_b, "B969FDFE56FD91FC9DE6F6F213B8FD1E");
    HEX(rnd_a, "F44B26F5686F3A391CD38EBD10772281");
    uint8_t rnd_b[16], msg[32], enc[32], rnd_a2[16];
    assert_int_equal(dfc_cbc_decrypt(key, iv, ernd_b, 16, rnd_b), 0);
    assert_hex(rnd_b, 16, "C05DDD714FD788A6B7B754F3C4D066E8");
    memcpy(msg, rnd_a, 16);
    memcpy(msg + 16, rnd_b + 1, 15);
    msg[31] = rnd_b[0];
    assert_int_equal(dfc_cbc_encrypt(key, iv, msg, 32, enc), 0);
    assert_hex(enc, 32, "36AAD7DF6E436BA08D18613830A70D5AD43E3D3F4A8D47541EEE623A934E4774");
    memcpy(rnd_a2, rnd_a + 1, 15);
    rnd_a2[15] = rnd_a[0];
    uint8_t out[16];
    assert_int_equal(dfc_cbc_encrypt(key, iv, rnd_a2, 16, out), 0);
    assert_hex(out, 16, "800DB680BC146BD121D6578F2D2E2059");
}

/* ChangeKey of the authenticated key and the chained CMACs of public traces. */
static void test_session_examples(void **state)
{
    (void)state;
    HEX(sk, "F44B26F5C05DDD7110772281C4D066E8");
    uint8_t iv[16] = {0}, plain[32] = {0}, enc[32];
    HEX(newkey, "00102030405060708090A0B0B0A09080");
    uint8_t crcin[19] = {0xC4, 0x00};
    memcpy(crcin + 2, newkey, 16);
    crcin[18] = 0x10;
    uint32_t crc = dfc_crc32(crcin, sizeof crcin);
    assert_int_equal(crc, 0x6BE6C6D2u);
    memcpy(plain, newkey, 16);
    plain[16] = 0x10;
    for (int i = 0; i < 4; i++)
        plain[17 + i] = (uint8_t)(crc >> (8 * i));
    assert_int_equal(dfc_cbc_encrypt(sk, iv, plain, 32, enc), 0);
    assert_hex(enc, 32, "E9F85E219496C2B58C1090DC3935FAE9E840CF61B383D9531946256B1F110C10");

    HEX(sk2, "40E7D271626FFBD49C530E3D304F5B17");
    HEX(cmd, "CD050011005000 00");
    uint8_t iv2[16] = {0}, mac[16];
    assert_int_equal(dfc_cmac(sk2, iv2, cmd, cmd_len, mac), 0);
    assert_hex(iv2, 16, "F23B0368578C65AD705C52AFE76261B6");
    uint8_t st = 0x00;
    assert_int_equal(dfc_cmac(sk2, iv2, &st, 1, mac), 0);
    assert_hex(mac, 8, "A75316AD1596B953");

    HEX(sk3, "00112233F9B7C14CCCDDEEFF1E92CBD4");
    HEX(wr, "3D01000000100000 01020304050607080910111213141516");
    uint8_t iv3[16] = {0};
    assert_int_equal(dfc_cmac(sk3, iv3, wr, wr_len, mac), 0);
    assert_hex(mac, 16, "7CC4A0C770A11F62762F397482F75E92");
    assert_int_equal(dfc_cmac(sk3, iv3, &st, 1, mac), 0);
    assert_hex(mac, 8, "99FF486D1BCE3F24");

    uint8_t odd[15] = {0};
    assert_int_equal(dfc_cbc_encrypt(sk3, iv3, odd, 15, odd), LP_ERR_INVALID);
    assert_int_equal(dfc_cbc_decrypt(sk3, iv3, odd, 15, odd), LP_ERR_INVALID);
}

/* The labpass card vectors of docs/access-protocol.md section 18.8. */
static void test_card_vectors(void **state)
{
    (void)state;
    HEX(uid, "04A1B2C3D4E5F6");
    uint8_t admin[16], read[16], write[16], key[16], m[DFC_DIV_MAX], id[CARD_ID_LEN], aid[3];
    for (int i = 0; i < 16; i++) {
        admin[i] = (uint8_t)i;
        read[i] = (uint8_t)(16 + i);
        write[i] = (uint8_t)(32 + i);
    }
    card_aid_wire(aid);
    assert_hex(aid, 3, "50ABF1");
    size_t mlen = 0;
    assert_int_equal(card_div_input(uid, "mtf", m, &mlen), 0);
    assert_hex(m, mlen, "04A1B2C3D4E5F6 50ABF1 6D7466");
    assert_int_equal(card_key_derive(admin, uid, "mtf", key), 0);
    assert_hex(key, 16, "502DCAB5281AC836528BA88D3945CB84");
    assert_int_equal(card_key_derive(read, uid, "mtf", key), 0);
    assert_hex(key, 16, "52400F3926D9D4D149BA9174ADE991DD");
    assert_int_equal(card_key_derive(write, uid, "mtf", key), 0);
    assert_hex(key, 16, "D12A140022762CC560CEF29ECF6FB0AD");
    /* A 21-byte site code makes M 31 bytes: the K1 branch. */
    assert_int_equal(card_key_derive(read, uid, "labpass-site-21-chars", key), 0);
    assert_hex(key, 16, "83167BED605EB4465B4507DD09CA6F2C");
    card_id(uid, id);
    assert_hex(id, CARD_ID_LEN, "8401BD6043527D7DA1D1102D25A2AABA");
    /* One bit of UID or site changes the key. */
    uint8_t other[16];
    uid[6] ^= 1;
    assert_int_equal(card_key_derive(read, uid, "mtf", other), 0);
    assert_memory_not_equal(other, key, 16);
    assert_int_equal(card_key_derive(read, uid, "mtg", key), 0);
    assert_memory_not_equal(other, key, 16);
    /* Site codes: 1..21 visible ASCII. */
    assert_int_equal(card_key_derive(read, uid, "", key), LP_ERR_INVALID);
    assert_int_equal(card_key_derive(read, uid, NULL, key), LP_ERR_INVALID);
    assert_int_equal(card_key_derive(read, uid, "labpass-site-22-chars!", key), LP_ERR_INVALID);
    assert_int_equal(card_key_derive(read, uid, "m f", key), LP_ERR_INVALID);
    assert_int_equal(card_key_derive(read, uid, "m\x80", key), LP_ERR_INVALID);
    assert_string_equal(card_key_name(CARD_KEY_ADMIN), "admin");
    assert_string_equal(card_key_name(CARD_KEY_READ), "read");
    assert_string_equal(card_key_name(CARD_KEY_WRITE), "write");
    assert_null(card_key_name((card_key)3));
}

static void test_pass_file(void **state)
{
    (void)state;
    uint8_t pass[CARD_PASS_MAX + 1], file[CARD_FILE_SIZE];
    for (size_t i = 0; i < sizeof pass; i++)
        pass[i] = (uint8_t)(i * 7 + 1);
    const uint8_t *got = NULL;
    size_t n = 0;
    assert_int_equal(card_file_encode(pass, 3, file), 0);
    assert_hex(file, 6, "0003 01080F 00");
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE, &got, &n), 0);
    assert_int_equal(n, 3);
    assert_ptr_equal(got, file + 2);
    assert_int_equal(card_file_encode(pass, CARD_PASS_MAX, file), 0);
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE, &got, &n), 0);
    assert_int_equal(n, CARD_PASS_MAX);
    assert_memory_equal(got, pass, n);
    assert_int_equal(card_file_encode(pass, CARD_PASS_MAX + 1, file), LP_ERR_TOOBIG);
    assert_int_equal(card_file_encode(pass, 0, file), LP_ERR_INVALID);
    /* Refusals: wrong size, length past the file, a stray byte after the pass. */
    assert_int_equal(card_file_encode(pass, 10, file), 0);
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE - 1, &got, &n), LP_ERR_INVALID);
    file[CARD_FILE_SIZE - 1] = 1;
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE, &got, &n), LP_ERR_INVALID);
    file[CARD_FILE_SIZE - 1] = 0;
    file[12] = 0xFF;
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE, &got, &n), LP_ERR_INVALID);
    file[12] = 0;
    file[0] = 0x01;  /* 266 > CARD_PASS_MAX */
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE, &got, &n), LP_ERR_INVALID);
    memset(file, 0, sizeof file);  /* enrolled, no pass yet */
    assert_int_equal(card_file_decode(file, CARD_FILE_SIZE, &got, &n), LP_ERR_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmac_nist),
        cmocka_unit_test(test_an10922),
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_auth_example),
        cmocka_unit_test(test_session_examples),
        cmocka_unit_test(test_card_vectors),
        cmocka_unit_test(test_pass_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
