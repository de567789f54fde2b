/* nfc_desfire.c: reading the labpass pass file from a DESFire card (see
 * nfc_desfire.h and docs/access-protocol.md section 18.5). */
#include "access/nfc/nfc_desfire.h"
#include <string.h>
#include <sodium.h>
#include "access/nfc/nfc_df_int.h"
#include "core/clock.h"
#include "core/log.h"

int nfc_df_is_desfire(const nfc_card_t *c)
{
    static const uint8_t ats[4] = { 0x75, 0x77, 0x81, 0x02 };
    return c && c->sak == 0x20 && c->uid_len == CARD_UID_LEN && c->uid[0] == 0x04 &&
           c->ats_len >= 5 && memcmp(c->ats, ats, sizeof ats) == 0;
}

/* Sends the native command cmd[0..n) wrapped as 90 CMD 00 00 [Lc data] 00
 * and splits the answer into data and status (91 SS). */
int nfc_df_cmd(struct nfc_df_link *s, const uint8_t *cmd, size_t n)
{
    uint8_t tx[6 + NFC_DF_TX_MAX];
    size_t tl = 0;
    if (n < 1 || n - 1 > NFC_DF_TX_MAX) return LP_ERR_INVALID;
    if (s->budget-- <= 0) return LP_ERR_INVALID;
    tx[tl++] = 0x90; tx[tl++] = cmd[0]; tx[tl++] = 0; tx[tl++] = 0;
    if (n > 1) {
        tx[tl++] = (uint8_t)(n - 1);
        memcpy(tx + tl, cmd + 1, n - 1);
        tl += n - 1;
    }
    tx[tl++] = 0x00;
    size_t rl = 0;
    int rc = s->xfer(s->ctx, tx, tl, s->rx, sizeof s->rx, &rl);
    if (rc == LP_ERR_TOOBIG) return LP_ERR_INVALID;   /* a frame over 59 data bytes */
    if (rc != 0) return rc;
    if (rl < 2 || s->rx[rl - 2] != 0x91) return LP_ERR_INVALID;
    s->data_len = rl - 2;
    s->ss = s->rx[rl - 1];
    return 0;
}

int nfc_df_select(struct nfc_df_link *s, uint32_t aid)
{
    uint8_t cmd[4] = { 0x5A, (uint8_t)aid, (uint8_t)(aid >> 8), (uint8_t)(aid >> 16) };
    int rc = nfc_df_cmd(s, cmd, sizeof cmd);
    if (rc != 0) return rc;
    if (s->ss == SS_NOAPP && s->data_len == 0) return LP_ERR_NOTFOUND;
    return s->ss == SS_OK && s->data_len == 0 ? 0 : LP_ERR_INVALID;
}

/* A status answer during authentication: 91 AE is the card refusing. */
static int auth_status(const struct nfc_df_link *s)
{
    return s->ss == SS_AUTH && s->data_len == 0 ? LP_ERR_UNAUTH : LP_ERR_INVALID;
}

static void rotl1(const uint8_t in[16], uint8_t out[16])
{
    memcpy(out, in + 1, 15);
    out[15] = in[0];
}

int nfc_df_auth(struct nfc_df_link *s, uint8_t key_no, const uint8_t key[DFC_KEY])
{
    uint8_t cmd[1 + 32] = { 0xAA, key_no }, ernd_b[16], rnd_b[16], rnd_a[16], msg[32];
    uint8_t iv[16] = {0}, want[16];
    int rc = nfc_df_cmd(s, cmd, 2);
    if (rc != 0) return rc;
    if (s->ss != SS_MORE || s->data_len != 16) return auth_status(s);
    memcpy(ernd_b, s->rx, 16);
    rc = dfc_cbc_decrypt(key, iv, ernd_b, 16, rnd_b);       /* iv = E(RndB) */
    if (rc != 0) goto done;
    randombytes_buf(rnd_a, sizeof rnd_a);
    memcpy(msg, rnd_a, 16);
    rotl1(rnd_b, msg + 16);
    cmd[0] = 0xAF;
    rc = dfc_cbc_encrypt(key, iv, msg, 32, cmd + 1);        /* iv = last block sent */
    if (rc == 0) rc = nfc_df_cmd(s, cmd, sizeof cmd);
    if (rc != 0) goto done;
    if (s->ss != SS_OK || s->data_len != 16) {
        rc = auth_status(s);
        goto done;
    }
    rc = dfc_cbc_decrypt(key, iv, s->rx, 16, msg);          /* RndA' from the card */
    if (rc != 0) goto done;
    rotl1(rnd_a, want);
    if (sodium_memcmp(msg, want, 16) != 0) {
        rc = LP_ERR_UNAUTH;
        goto done;
    }
    memcpy(s->sk, rnd_a, 4);
    memcpy(s->sk + 4, rnd_b, 4);
    memcpy(s->sk + 8, rnd_a + 12, 4);
    memcpy(s->sk + 12, rnd_b + 12, 4);
    memset(s->iv, 0, sizeof s->iv);
done:
    sodium_memzero(rnd_a, sizeof rnd_a);
    sodium_memzero(rnd_b, sizeof rnd_b);
    sodium_memzero(msg, sizeof msg);
    return rc;
}

/* ReadData of the whole file: frames of at most 59 bytes until 91 00, then
 * exactly NFC_DF_ENC_LEN enciphered bytes in all. */
static int df_read_frames(struct nfc_df_link *s, uint8_t enc[NFC_DF_ENC_LEN])
{
    uint8_t cmd[8] = { 0xBD, CARD_FILE_PASS, 0, 0, 0,
                       (uint8_t)CARD_FILE_SIZE, (uint8_t)(CARD_FILE_SIZE >> 8), 0 };
    uint8_t mac[16], more = 0xAF;
    int rc = dfc_cmac(s->sk, s->iv, cmd, sizeof cmd, mac);  /* the command's CMAC moves the IV */
    if (rc == 0) rc = nfc_df_cmd(s, cmd, sizeof cmd);
    size_t got = 0;
    while (rc == 0) {
        if ((s->ss != SS_MORE && s->ss != SS_OK) || s->data_len == 0 ||
            s->data_len > NFC_DF_ENC_LEN - got)
            return s->data_len == 0 && s->ss == SS_AUTH ? LP_ERR_UNAUTH : LP_ERR_INVALID;
        memcpy(enc + got, s->rx, s->data_len);
        got += s->data_len;
        if (s->ss == SS_OK) return got == NFC_DF_ENC_LEN ? 0 : LP_ERR_INVALID;
        if (s->data_len < 16) return LP_ERR_INVALID;  /* no crawling frames */
        rc = nfc_df_cmd(s, &more, 1);
    }
    return rc;
}

/* Decrypts and checks E(file || CRC32(file || 00) || padding). */
static int df_unseal(struct nfc_df_link *s, uint8_t enc[NFC_DF_ENC_LEN], nfc_df_result_t *out)
{
    uint8_t plain[NFC_DF_ENC_LEN + 1];
    int rc = dfc_cbc_decrypt(s->sk, s->iv, enc, NFC_DF_ENC_LEN, plain);
    if (rc != 0) return rc;
    const uint8_t *crc_at = plain + CARD_FILE_SIZE;
    uint32_t want = (uint32_t)crc_at[0] | (uint32_t)crc_at[1] << 8 |
                    (uint32_t)crc_at[2] << 16 | (uint32_t)crc_at[3] << 24;
    uint8_t keep = plain[CARD_FILE_SIZE];
    plain[CARD_FILE_SIZE] = 0x00;                            /* CRC over file || 00 */
    uint32_t crc = dfc_crc32(plain, CARD_FILE_SIZE + 1);
    plain[CARD_FILE_SIZE] = keep;
    rc = crc == want ? 0 : LP_ERR_CRYPTO;
    const uint8_t *pad = crc_at + 4;
    size_t padn = NFC_DF_ENC_LEN - CARD_FILE_SIZE - 4;
    for (size_t i = 0; rc == 0 && i < padn; i++)
        if (pad[i] != 0 && !(i == 0 && pad[i] == 0x80)) rc = LP_ERR_CRYPTO;
    if (rc == 0) memcpy(out->file, plain, CARD_FILE_SIZE);
    sodium_memzero(plain, sizeof plain);
    return rc;
}

int nfc_df_exchange(nfc_xfer_fn xfer, void *ctx, const uint8_t key[DFC_KEY], nfc_df_result_t *out)
{
    if (!xfer || !key || !out) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    struct nfc_df_link s = { .xfer = xfer, .ctx = ctx, .budget = NFC_DF_XFER_MAX };
    uint8_t enc[NFC_DF_ENC_LEN];
    int rc = nfc_df_select(&s, CARD_AID);
    if (rc == 0) rc = nfc_df_auth(&s, CARD_KEY_READ, key);
    if (rc == 0) rc = df_read_frames(&s, enc);
    if (rc == 0) rc = df_unseal(&s, enc, out);
    if (rc != 0) memset(out, 0, sizeof *out);
    sodium_memzero(&s, sizeof s);
    return rc;
}

int nfc_df_rdr_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap,
                       size_t *rxlen)
{
    struct nfc_df_rdr_ctx *c = ctx;
    if (clk_mono_us() > c->deadline_us) return LP_ERR_TIMEOUT;
    return nfc_rdr_transceive(c->r, tx, txlen, rx, rxcap, rxlen);
}

int nfc_df_read(nfc_rdr_t *r, const uint8_t key[DFC_KEY], nfc_df_result_t *out)
{
    if (!r) return LP_ERR_INVALID;
    struct nfc_df_rdr_ctx c = { r, clk_mono_us() + (int64_t)nfc_rdr_opts(r)->exchange_ms * 1000 };
    int rc = nfc_df_exchange(nfc_df_rdr_xfer, &c, key, out);
    if (rc != 0) log_debug("nfc", "DESFire read failed: %s", lp_err_name(rc));
    return rc;
}
