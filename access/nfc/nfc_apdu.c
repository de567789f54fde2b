/* nfc_apdu.c: door-side APDU builders and strict response parsers (see nfc_apdu.h). */
#include "access/nfc/nfc_apdu.h"
#include <string.h>

int nfc_apdu_select(uint8_t *out, size_t *len)
{
    if (!out || !len) return LP_ERR_INVALID;
    const uint8_t hdr[] = { CRED_CLA_ISO, CRED_INS_SELECT, 0x04, 0x00, CRED_AID_LEN };
    memcpy(out, hdr, sizeof hdr);
    memcpy(out + sizeof hdr, CRED_AID, CRED_AID_LEN);
    out[sizeof hdr + CRED_AID_LEN] = 0x00;          /* Le: FCI up to 256 bytes */
    *len = sizeof hdr + CRED_AID_LEN + 1;
    return 0;
}

int nfc_apdu_get_pass(size_t offset, size_t want, uint8_t *out, size_t *len)
{
    if (!out || !len || offset > 0x7FFF || want == 0 || want > CRED_CHUNK_MAX) return LP_ERR_INVALID;
    out[0] = CRED_CLA_PROP;
    out[1] = CRED_INS_GET_PASS;
    out[2] = (uint8_t)(offset >> 8);
    out[3] = (uint8_t)(offset & 0xFF);
    out[4] = (uint8_t)want;
    *len = 5;
    return 0;
}

int nfc_apdu_auth(const uint8_t *challenge, size_t clen, uint8_t *out, size_t *len)
{
    if (!challenge || !out || !len) return LP_ERR_INVALID;
    if (clen < CRED_CHALLENGE_MIN || clen > CRED_CHALLENGE_MAX) return LP_ERR_INVALID;
    const uint8_t hdr[] = { CRED_CLA_PROP, CRED_INS_AUTH, 0x00, 0x00, (uint8_t)clen };
    memcpy(out, hdr, sizeof hdr);
    memcpy(out + sizeof hdr, challenge, clen);
    out[sizeof hdr + clen] = CRED_SIG_LEN;          /* Le */
    *len = sizeof hdr + clen + 1;
    return 0;
}

int nfc_apdu_split(const uint8_t *resp, size_t len, size_t *data_len, uint16_t *sw)
{
    if (!resp || !data_len || !sw) return LP_ERR_INVALID;
    if (len < 2 || len > NFC_APDU_RESP_MAX) return LP_ERR_INVALID;
    *data_len = len - 2;
    *sw = (uint16_t)((resp[len - 2] << 8) | resp[len - 1]);
    return 0;
}

int nfc_apdu_sw_err(uint16_t sw)
{
    static const struct { uint16_t sw; int err; } map[] = {
        { CRED_SW_OK, 0 },
        { CRED_SW_NOT_FOUND, LP_ERR_NOTFOUND },
        { CRED_SW_NOT_SATISFIED, LP_ERR_STATE },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].sw == sw) return map[i].err;
    return LP_ERR_INVALID;
}

/* A cursor over simple TLVs: one-byte tag (no multi-byte tags), one-byte
 * length below 0x80. */
struct tlv_cur { const uint8_t *p; size_t left; };

static int tlv_next(struct tlv_cur *c, uint8_t *tag, const uint8_t **val, size_t *vlen)
{
    if (c->left < 2) return LP_ERR_INVALID;
    uint8_t t = c->p[0], l = c->p[1];
    if ((t & 0x1F) == 0x1F || t == 0x00 || t == 0xFF || l >= 0x80) return LP_ERR_INVALID;
    if ((size_t)l > c->left - 2) return LP_ERR_INVALID;
    *tag = t;
    *val = c->p + 2;
    *vlen = l;
    c->p += 2 + (size_t)l;
    c->left -= 2 + (size_t)l;
    return 0;
}

static int parse_prop(const uint8_t *p, size_t len, nfc_fci_t *out)
{
    struct tlv_cur c = { p, len };
    int have_ver = 0, have_len = 0;
    while (c.left > 0) {
        uint8_t tag;
        const uint8_t *v;
        size_t vl;
        if (tlv_next(&c, &tag, &v, &vl) != 0) return LP_ERR_INVALID;
        if (tag == 0x80) {
            if (have_ver++ || vl != 1) return LP_ERR_INVALID;
            out->version = v[0];
        } else if (tag == 0x81) {
            if (have_len++ || vl != 2) return LP_ERR_INVALID;
            out->pass_len = ((size_t)v[0] << 8) | v[1];
        }
    }
    if (!have_ver || !have_len || out->version != CRED_VERSION) return LP_ERR_INVALID;
    if (out->pass_len == 0) return LP_ERR_INVALID;
    if (out->pass_len > CRED_PASS_MAX) return LP_ERR_TOOBIG;
    return 0;
}

int nfc_apdu_parse_fci(const uint8_t *data, size_t len, nfc_fci_t *out)
{
    if (!data || !out) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    struct tlv_cur top = { data, len };
    uint8_t tag;
    const uint8_t *v;
    size_t vl;
    if (tlv_next(&top, &tag, &v, &vl) != 0 || tag != 0x6F || top.left != 0) return LP_ERR_INVALID;
    struct tlv_cur in = { v, vl };
    if (tlv_next(&in, &tag, &v, &vl) != 0 || tag != 0x84) return LP_ERR_INVALID;
    if (vl != CRED_AID_LEN || memcmp(v, CRED_AID, CRED_AID_LEN) != 0) return LP_ERR_INVALID;
    if (tlv_next(&in, &tag, &v, &vl) != 0 || tag != 0xA5 || in.left != 0) return LP_ERR_INVALID;
    return parse_prop(v, vl, out);
}
