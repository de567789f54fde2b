/* fuzz_ndef.c: libFuzzer target for the door-side NDEF parsers (access/nfc).
 * The input is Type 2 tag memory from page 0, as a door reads it. Besides
 * "never crashes or reads out of bounds", it checks: the need computation
 * agrees with the parser (a parse succeeds only with all needed bytes, and a
 * prefix shorter than the need never parses), a parsed pass lies inside the
 * input, and a parsed pass re-encoded and parsed again comes back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "access/nfc/nfc_ndef.h"

static void check_round_trip(const uint8_t *pass, size_t len)
{
    static uint8_t img[NFC_T2_HDR_LEN + NFC_T2_ENC_MAX];
    static const uint8_t head[NFC_T2_HDR_LEN] = { 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x48, 0, 0,
                                                  0xE1, 0x10, 0xFF, 0x00 };
    size_t n = 0;
    const uint8_t *p = NULL;
    size_t plen = 0;
    memcpy(img, head, sizeof head);
    if (nfc_ndef_t2_encode(pass, len, img + sizeof head, NFC_T2_ENC_MAX, &n) != 0) abort();
    if (nfc_ndef_t2_parse(img, sizeof head + n, &p, &plen) != 0) abort();
    if (plen != len || memcmp(p, pass, len) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *pass = NULL;
    size_t plen = 0, need = 0;
    int need_rc = nfc_ndef_t2_need(data, size, &need);
    int rc = nfc_ndef_t2_parse(data, size, &pass, &plen);
    if (rc == 0) {
        if (need_rc != 0 || need > size) abort();
        if (pass < data || pass + plen > data + size || plen == 0 || plen > CRED_PASS_MAX) abort();
        if (need > NFC_T2_HDR_LEN && nfc_ndef_t2_parse(data, need - 1, &pass, &plen) == 0) abort();
        if (nfc_ndef_t2_parse(data, size, &pass, &plen) != 0) abort();
        check_round_trip(pass, plen);
    }
    if (need_rc == 0 && need > NFC_T2_MEM_MAX) abort();
    /* The same bytes as a bare NDEF message. */
    if (nfc_ndef_record_parse(data, size, &pass, &plen) == 0) {
        if (pass < data || pass + plen > data + size) abort();
        check_round_trip(pass, plen);
    }
    return 0;
}
