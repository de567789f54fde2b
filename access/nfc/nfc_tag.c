/* nfc_tag.c: labpass pass on NTAG21x through the reader (see nfc_tag.h). */
#include "access/nfc/nfc_tag.h"
#include <string.h>
#include "access/nfc/nfc_ndef.h"

#define FIRST_DATA_PAGE 4
#define ADDRESSABLE     (256 * NFC_T2_PAGE_LEN)  /* one sector: pages 0..255 */

/* NTAG21x GET_VERSION storage-size byte -> user memory bytes and the data
 * area size byte NXP writes into the CC. */
static const struct { uint8_t storage; size_t user; uint8_t cc_size; } ntag_sizes[] = {
    { 0x0F, 144, 0x12 },   /* NTAG213 */
    { 0x11, 504, 0x3E },   /* NTAG215 */
    { 0x13, 888, 0x6D },   /* NTAG216 */
};

int nfc_tag_read_pass(nfc_rdr_t *r, uint8_t *pass, size_t cap, size_t *len)
{
    if (!r || !pass || !len) return LP_ERR_INVALID;
    *len = 0;
    uint8_t mem[ADDRESSABLE + NFC_T2_READ_LEN];
    size_t have = 0, need = NFC_T2_HDR_LEN;
    while (have < need) {
        if (need > ADDRESSABLE) return LP_ERR_TOOBIG;
        int rc = nfc_rdr_t2_read(r, (uint8_t)(have / NFC_T2_PAGE_LEN), mem + have);
        if (rc != 0) return rc;
        have += NFC_T2_READ_LEN;
        rc = nfc_ndef_t2_need(mem, have, &need);
        if (rc != 0) return rc;
    }
    const uint8_t *p = NULL;
    size_t plen = 0;
    int rc = nfc_ndef_t2_parse(mem, have, &p, &plen);
    if (rc != 0) return rc;
    if (plen > cap) return LP_ERR_TOOBIG;
    memcpy(pass, p, plen);
    *len = plen;
    return 0;
}

static int ntag_model(nfc_rdr_t *r, size_t *user, uint8_t *cc_size)
{
    uint8_t v[8];
    int rc = nfc_rdr_t2_version(r, v);
    if (rc != 0) return rc;
    if (v[0] != 0x00 || v[1] != 0x04 || v[2] != 0x04) return LP_ERR_INVALID;  /* NXP NTAG */
    for (size_t i = 0; i < sizeof ntag_sizes / sizeof ntag_sizes[0]; i++) {
        if (ntag_sizes[i].storage == v[6]) {
            *user = ntag_sizes[i].user;
            *cc_size = ntag_sizes[i].cc_size;
            return 0;
        }
    }
    return LP_ERR_INVALID;
}

/* Checks lock bits and the CC (page 3), writing an NDEF CC on a blank tag.
 * Returns the usable data area in *area. */
static int prepare_cc(nfc_rdr_t *r, size_t user, uint8_t cc_size, size_t *area)
{
    uint8_t head[NFC_T2_READ_LEN];
    int rc = nfc_rdr_t2_read(r, 0, head);
    if (rc != 0) return rc;
    if (head[10] != 0 || head[11] != 0) return LP_ERR_FORBIDDEN;   /* static lock bits */
    const uint8_t *cc = head + 12;
    static const uint8_t blank[4] = { 0, 0, 0, 0 };
    if (memcmp(cc, blank, 4) == 0) {
        const uint8_t fresh[4] = { 0xE1, 0x10, cc_size, 0x00 };
        rc = nfc_rdr_t2_write(r, 3, fresh);
        if (rc != 0) return rc;
        *area = (size_t)cc_size * 8;
        return 0;
    }
    if (nfc_ndef_t2_cc(cc, area) != 0) return LP_ERR_INVALID;
    if ((cc[3] & 0x0F) != 0) return LP_ERR_FORBIDDEN;              /* write access */
    if (*area > user) *area = user;
    return 0;
}

static int write_pages(nfc_rdr_t *r, const uint8_t *img, size_t len)
{
    static const uint8_t empty[4] = { 0x03, 0x00, 0xFE, 0x00 };
    int rc = nfc_rdr_t2_write(r, FIRST_DATA_PAGE, empty);          /* valid, empty */
    for (size_t off = NFC_T2_PAGE_LEN; rc == 0 && off < len; off += NFC_T2_PAGE_LEN)
        rc = nfc_rdr_t2_write(r, (uint8_t)(FIRST_DATA_PAGE + off / NFC_T2_PAGE_LEN), img + off);
    if (rc == 0) rc = nfc_rdr_t2_write(r, FIRST_DATA_PAGE, img);     /* the TLV head last */
    return rc;
}

int nfc_tag_write_pass(nfc_rdr_t *r, const uint8_t *pass, size_t len)
{
    if (!r || !pass || len == 0) return LP_ERR_INVALID;
    uint8_t img[NFC_T2_ENC_MAX];
    size_t img_len = 0, user = 0, area = 0;
    uint8_t cc_size = 0;
    int rc = nfc_ndef_t2_encode(pass, len, img, sizeof img, &img_len);
    if (rc == 0) rc = ntag_model(r, &user, &cc_size);
    if (rc == 0 && img_len > (size_t)cc_size * 8) rc = LP_ERR_TOOBIG;  /* before touching the tag */
    if (rc == 0) rc = prepare_cc(r, user, cc_size, &area);
    if (rc == 0 && img_len > area) rc = LP_ERR_TOOBIG;
    if (rc == 0) rc = write_pages(r, img, img_len);
    if (rc != 0) return rc;
    uint8_t back[CRED_PASS_MAX];
    size_t back_len = 0;
    rc = nfc_tag_read_pass(r, back, sizeof back, &back_len);
    if (rc != 0) return rc == LP_ERR_TIMEOUT ? rc : LP_ERR_IO;
    if (back_len != len || memcmp(back, pass, len) != 0) return LP_ERR_IO;
    return 0;
}
