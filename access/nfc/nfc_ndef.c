/* nfc_ndef.c: labpass pass <-> NDEF on Type 2 tags (see nfc_ndef.h). */
#include "access/nfc/nfc_ndef.h"
#include <string.h>

#define REC_MB   0x80
#define REC_ME   0x40
#define REC_CF   0x20
#define REC_SR   0x10
#define REC_IL   0x08
#define TNF_EXT  0x04

#define TLV_NULL 0x00
#define TLV_LOCK 0x01
#define TLV_MEM  0x02
#define TLV_NDEF 0x03
#define TLV_PROP 0xFD
#define TLV_END  0xFE

int nfc_ndef_record_encode(const uint8_t *pass, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
    if (!pass || !out || !outlen || len == 0) return LP_ERR_INVALID;
    if (len > CRED_PASS_MAX) return LP_ERR_TOOBIG;
    int sr = len <= 255;
    size_t head = sr ? 3 : 6;
    if (cap < head + NFC_NDEF_TYPE_LEN + len) return LP_ERR_TOOBIG;
    out[0] = REC_MB | REC_ME | (sr ? REC_SR : 0) | TNF_EXT;
    out[1] = NFC_NDEF_TYPE_LEN;
    if (sr) {
        out[2] = (uint8_t)len;
    } else {
        out[2] = 0; out[3] = 0;
        out[4] = (uint8_t)(len >> 8); out[5] = (uint8_t)len;
    }
    memcpy(out + head, NFC_NDEF_TYPE, NFC_NDEF_TYPE_LEN);
    memcpy(out + head + NFC_NDEF_TYPE_LEN, pass, len);
    *outlen = head + NFC_NDEF_TYPE_LEN + len;
    return 0;
}

int nfc_ndef_record_parse(const uint8_t *msg, size_t len, const uint8_t **pass, size_t *pass_len)
{
    if (!msg || !pass || !pass_len) return LP_ERR_INVALID;
    if (len < 3) return LP_ERR_INVALID;
    uint8_t h = msg[0];
    if ((h & (REC_MB | REC_ME | REC_CF | REC_IL | 0x07)) != (REC_MB | REC_ME | TNF_EXT)) return LP_ERR_INVALID;
    if (msg[1] != NFC_NDEF_TYPE_LEN) return LP_ERR_INVALID;
    size_t head;
    uint32_t plen;
    if (h & REC_SR) {
        head = 3;
        plen = msg[2];
    } else {
        if (len < 6) return LP_ERR_INVALID;
        head = 6;
        plen = ((uint32_t)msg[2] << 24) | ((uint32_t)msg[3] << 16) | ((uint32_t)msg[4] << 8) | msg[5];
    }
    if (plen > CRED_PASS_MAX) return LP_ERR_TOOBIG;
    if (plen == 0) return LP_ERR_INVALID;
    if (len != head + NFC_NDEF_TYPE_LEN + plen) return LP_ERR_INVALID;  /* exact: no trailing bytes */
    if (memcmp(msg + head, NFC_NDEF_TYPE, NFC_NDEF_TYPE_LEN) != 0) return LP_ERR_INVALID;
    *pass = msg + head + NFC_NDEF_TYPE_LEN;
    *pass_len = plen;
    return 0;
}

int nfc_ndef_t2_cc(const uint8_t cc[4], size_t *area)
{
    if (!cc || !area) return LP_ERR_INVALID;
    if (cc[0] != 0xE1) return LP_ERR_INVALID;       /* NDEF magic number */
    if ((cc[1] >> 4) != 1) return LP_ERR_INVALID;   /* mapping major version 1 */
    if (cc[2] == 0) return LP_ERR_INVALID;
    if ((cc[3] >> 4) != 0) return LP_ERR_INVALID;   /* read access granted */
    *area = (size_t)cc[2] * 8;
    return 0;
}

int nfc_ndef_t2_encode(const uint8_t *pass, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
    if (!pass || !out || !outlen) return LP_ERR_INVALID;
    uint8_t rec[6 + NFC_NDEF_TYPE_LEN + CRED_PASS_MAX];
    size_t rlen = 0;
    int rc = nfc_ndef_record_encode(pass, len, rec, sizeof rec, &rlen);
    if (rc != 0) return rc;
    size_t head = rlen < 0xFF ? 2 : 4;
    size_t total = head + rlen + 1;
    size_t padded = (total + NFC_T2_PAGE_LEN - 1) / NFC_T2_PAGE_LEN * NFC_T2_PAGE_LEN;
    if (cap < padded) return LP_ERR_TOOBIG;
    out[0] = TLV_NDEF;
    if (head == 2) {
        out[1] = (uint8_t)rlen;
    } else {
        out[1] = 0xFF; out[2] = (uint8_t)(rlen >> 8); out[3] = (uint8_t)rlen;
    }
    memcpy(out + head, rec, rlen);
    out[head + rlen] = TLV_END;
    memset(out + total, 0, padded - total);
    *outlen = padded;
    return 0;
}

/* Where the walk over the TLVs got: the NDEF message at [off, off+len), and
 * how many bytes from page 0 it needs to finish (need > have: read on). */
struct walk {
    size_t need, off, len;
};

/* Reads the TLV head at pos: value start and length. Sets w->need and
 * returns 1 when the head lies beyond have. */
static int tlv_head(const uint8_t *mem, size_t have, size_t pos, size_t *vstart, size_t *vlen,
                    struct walk *w)
{
    if (pos + 2 > have) { w->need = pos + 2; return 1; }
    if (mem[pos + 1] != 0xFF) {
        *vstart = pos + 2;
        *vlen = mem[pos + 1];
        return 0;
    }
    if (pos + 4 > have) { w->need = pos + 4; return 1; }
    *vstart = pos + 4;
    *vlen = ((size_t)mem[pos + 2] << 8) | mem[pos + 3];
    return 0;
}

static int t2_walk(const uint8_t *mem, size_t have, struct walk *w)
{
    memset(w, 0, sizeof *w);
    if (!mem) return LP_ERR_INVALID;
    if (have < NFC_T2_HDR_LEN) { w->need = NFC_T2_HDR_LEN; return 0; }
    size_t area;
    if (nfc_ndef_t2_cc(mem + 12, &area) != 0) return LP_ERR_INVALID;
    size_t end = NFC_T2_HDR_LEN + area;
    for (size_t pos = NFC_T2_HDR_LEN; pos < end;) {
        if (pos >= have) { w->need = pos + 1; return 0; }
        uint8_t t = mem[pos];
        if (t == TLV_NULL) { pos++; continue; }
        if (t == TLV_END) return LP_ERR_NOTFOUND;
        if (t != TLV_NDEF && t != TLV_LOCK && t != TLV_MEM && t != TLV_PROP) return LP_ERR_INVALID;
        size_t vstart, vlen;
        if (tlv_head(mem, have, pos, &vstart, &vlen, w)) {
            if (w->need > end) return LP_ERR_INVALID;
            return 0;
        }
        if (vlen == 0xFFFF || vstart + vlen > end) return LP_ERR_INVALID;
        if (t == TLV_NDEF) {
            if (vlen == 0) return LP_ERR_NOTFOUND;      /* empty NDEF message: no pass */
            w->off = vstart;
            w->len = vlen;
            w->need = vstart + vlen;
            return 0;
        }
        pos = vstart + vlen;
    }
    return LP_ERR_NOTFOUND;
}

int nfc_ndef_t2_need(const uint8_t *mem, size_t len, size_t *need)
{
    if (!mem || !need) return LP_ERR_INVALID;
    struct walk w;
    int rc = t2_walk(mem, len, &w);
    if (rc != 0) return rc;
    *need = w.need;
    return 0;
}

int nfc_ndef_t2_parse(const uint8_t *mem, size_t len, const uint8_t **pass, size_t *pass_len)
{
    if (!mem || !pass || !pass_len) return LP_ERR_INVALID;
    struct walk w;
    int rc = t2_walk(mem, len, &w);
    if (rc != 0) return rc;
    if (w.need > len || w.len == 0) return LP_ERR_INVALID;  /* truncated */
    return nfc_ndef_record_parse(mem + w.off, w.len, pass, pass_len);
}
