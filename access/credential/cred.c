/* cred.c: the labpass credential applet (see cred.h and docs/access-protocol.md section 14).
 * Commands are short APDUs only (ISO 7816-4 cases 1-4, no extended lengths);
 * they are split strictly, then dispatched through a table on CLA/INS. */
#include "access/credential/cred.h"
#include <stdlib.h>
#include <string.h>

struct cred {
    uint8_t pass[CRED_PASS_MAX];
    size_t pass_len;
    uint8_t sk[CRED_SK_LEN];
    int selected;
};

/* One command APDU, split. le is 0 when absent, 1..256 when present. */
struct apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t lc;
    int has_le;
    size_t le;
};

struct resp {
    uint8_t *buf;
    size_t len;
};

typedef uint16_t (*cmd_fn)(cred_t *c, const struct apdu *a, struct resp *r);

static int split_apdu(const uint8_t *in, size_t len, struct apdu *a)
{
    memset(a, 0, sizeof *a);
    if (len < 4) return -1;
    a->cla = in[0]; a->ins = in[1]; a->p1 = in[2]; a->p2 = in[3];
    if (len == 4) return 0;                         /* case 1 */
    if (len == 5) {                                 /* case 2 */
        a->has_le = 1;
        a->le = in[4] ? in[4] : 256;
        return 0;
    }
    size_t lc = in[4];
    if (lc == 0) return -1;                         /* extended length: refused */
    a->lc = lc;
    a->data = in + 5;
    if (len == 5 + lc) return 0;                    /* case 3 */
    if (len == 6 + lc) {                            /* case 4 */
        a->has_le = 1;
        a->le = in[5 + lc] ? in[5 + lc] : 256;
        return 0;
    }
    return -1;
}

static void put(struct resp *r, const void *p, size_t n)
{
    memcpy(r->buf + r->len, p, n);
    r->len += n;
}

static void put_fci(const cred_t *c, struct resp *r)
{
    const uint8_t fci[CRED_FCI_LEN] = {
        0x6F, 0x13,
        0x84, CRED_AID_LEN, 0xF0, 0x6C, 0x61, 0x62, 0x70, 0x61, 0x73, 0x73,
        0xA5, 0x07,
        0x80, 0x01, CRED_VERSION,
        0x81, 0x02, (uint8_t)(c->pass_len >> 8), (uint8_t)(c->pass_len & 0xFF),
    };
    put(r, fci, sizeof fci);
}

static uint16_t cmd_select(cred_t *c, const struct apdu *a, struct resp *r)
{
    if (a->p1 != 0x04 || (a->p2 != 0x00 && a->p2 != 0x0C)) return CRED_SW_WRONG_P1P2;
    if (a->lc == 0) return CRED_SW_WRONG_LENGTH;
    if (a->lc != CRED_AID_LEN || memcmp(a->data, CRED_AID, CRED_AID_LEN) != 0) {
        c->selected = 0;          /* selecting anything else leaves labpass */
        return CRED_SW_NOT_FOUND;
    }
    c->selected = 1;
    if (a->p2 == 0x00) put_fci(c, r);
    return CRED_SW_OK;
}

static uint16_t cmd_get_pass(cred_t *c, const struct apdu *a, struct resp *r)
{
    if (a->p1 & 0x80) return CRED_SW_WRONG_P1P2;
    if (a->lc != 0 || !a->has_le) return CRED_SW_WRONG_LENGTH;
    if (!c->selected) return CRED_SW_NOT_SATISFIED;
    size_t off = ((size_t)a->p1 << 8) | a->p2;
    if (off >= c->pass_len) return CRED_SW_OFFSET;
    size_t n = c->pass_len - off;
    if (n > a->le) n = a->le;
    if (n > CRED_CHUNK_MAX) n = CRED_CHUNK_MAX;
    put(r, c->pass + off, n);
    return CRED_SW_OK;
}

static uint16_t cmd_auth(cred_t *c, const struct apdu *a, struct resp *r)
{
    if (a->p1 != 0 || a->p2 != 0) return CRED_SW_WRONG_P1P2;
    if (a->lc < CRED_CHALLENGE_MIN || a->lc > CRED_CHALLENGE_MAX) return CRED_SW_WRONG_LENGTH;
    if (a->has_le && a->le != 256 && a->le != CRED_SIG_LEN) return CRED_SW_WRONG_LENGTH;
    if (!c->selected) return CRED_SW_NOT_SATISFIED;
    uint8_t msg[CRED_PROOF_MSG_MAX];
    size_t mlen = 0;
    uint8_t sig[CRED_SIG_LEN];
    if (cred_proof_message(a->data, a->lc, msg, &mlen) != 0) return CRED_SW_WRONG_DATA;
    if (crypto_sign_detached(sig, NULL, msg, mlen, c->sk) != 0) return CRED_SW_INTERNAL;
    put(r, sig, sizeof sig);
    return CRED_SW_OK;
}

static const struct {
    uint8_t cla, ins;
    cmd_fn fn;
} cmd_table[] = {
    { CRED_CLA_ISO,  CRED_INS_SELECT,   cmd_select },
    { CRED_CLA_PROP, CRED_INS_GET_PASS, cmd_get_pass },
    { CRED_CLA_PROP, CRED_INS_AUTH,     cmd_auth },
};
#define CMD_COUNT (sizeof cmd_table / sizeof cmd_table[0])

/* The handler for cla/ins, or the status word that refuses it. */
static cmd_fn find_cmd(uint8_t cla, uint8_t ins, uint16_t *sw)
{
    int ins_known = 0;
    for (size_t i = 0; i < CMD_COUNT; i++) {
        if (cmd_table[i].ins != ins) continue;
        if (cmd_table[i].cla == cla) return cmd_table[i].fn;
        ins_known = 1;
    }
    *sw = (ins_known || (cla != CRED_CLA_ISO && cla != CRED_CLA_PROP)) ? CRED_SW_CLA : CRED_SW_INS;
    return NULL;
}

int cred_process_apdu(cred_t *c, const uint8_t *in, size_t inlen,
                      uint8_t *out, size_t outcap, size_t *outlen)
{
    if (!c || (!in && inlen) || !out || !outlen || outcap < CRED_RESP_MAX) return LP_ERR_INVALID;
    struct resp r = { out, 0 };
    struct apdu a;
    uint16_t sw;
    if (split_apdu(in, inlen, &a) != 0) {
        sw = CRED_SW_WRONG_LENGTH;
    } else {
        cmd_fn fn = find_cmd(a.cla, a.ins, &sw);
        if (fn) sw = fn(c, &a, &r);
    }
    if (sw != CRED_SW_OK) r.len = 0;
    out[r.len++] = (uint8_t)(sw >> 8);
    out[r.len++] = (uint8_t)(sw & 0xFF);
    *outlen = r.len;
    return 0;
}

int cred_proof_message(const uint8_t *challenge, size_t len,
                       uint8_t out[CRED_PROOF_MSG_MAX], size_t *outlen)
{
    if (!challenge || !out || !outlen) return LP_ERR_INVALID;
    if (len < CRED_CHALLENGE_MIN || len > CRED_CHALLENGE_MAX) return LP_ERR_INVALID;
    memcpy(out, CRED_PROOF_DOMAIN, CRED_PROOF_DOMAIN_LEN);
    memcpy(out + CRED_PROOF_DOMAIN_LEN, challenge, len);
    *outlen = CRED_PROOF_DOMAIN_LEN + len;
    return 0;
}

int cred_create(const uint8_t *pass, size_t len, const uint8_t sk[CRED_SK_LEN], cred_t **out)
{
    if (!pass || !sk || !out) return LP_ERR_INVALID;
    *out = NULL;
    if (len == 0) return LP_ERR_INVALID;
    if (len > CRED_PASS_MAX) return LP_ERR_TOOBIG;
    cred_t *c = calloc(1, sizeof *c);
    if (!c) return LP_ERR_NOMEM;
    memcpy(c->pass, pass, len);
    c->pass_len = len;
    memcpy(c->sk, sk, CRED_SK_LEN);
    *out = c;
    return 0;
}

void cred_destroy(cred_t *c)
{
    if (!c) return;
    sodium_memzero(c, sizeof *c);
    free(c);
}

void cred_reset(cred_t *c)
{
    if (c) c->selected = 0;
}

const uint8_t *cred_holder_pk(const cred_t *c)
{
    /* libsodium keeps the public key in the second half of the secret key. */
    return c->sk + crypto_sign_SEEDBYTES;
}
