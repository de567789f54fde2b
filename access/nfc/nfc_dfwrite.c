/* nfc_dfwrite.c: formatting a labpass DESFire application and writing its
 * pass file (see nfc_dfwrite.h and docs/access-protocol.md section 18.9). */
#include "access/nfc/nfc_dfwrite.h"
#include <string.h>
#include <sodium.h>
#include "access/nfc/nfc_df_int.h"
#include "core/clock.h"
#include "core/log.h"

#define SS_FULL 0x0E

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The lp_err for an answer that is not what was expected. */
static int status_err(const struct nfc_df_link *s)
{
    if (s->data_len != 0) return LP_ERR_INVALID;
    switch (s->ss) {
    case SS_AUTH: return LP_ERR_UNAUTH;
    case SS_PERM: return LP_ERR_FORBIDDEN;
    case SS_NOAPP: return LP_ERR_NOTFOUND;
    case SS_DUP: return LP_ERR_CONFLICT;
    case SS_FULL: return LP_ERR_TOOBIG;
    default: return LP_ERR_INVALID;
    }
}

/* A status answer without data: 91 00. */
static int want_ok(const struct nfc_df_link *s)
{
    return s->ss == SS_OK && s->data_len == 0 ? 0 : status_err(s);
}

/* A success answer once authenticated: CMAC8 91 00, the CMAC over 00 from
 * the running IV. */
static int want_mac(struct nfc_df_link *s)
{
    if (s->ss != SS_OK || s->data_len != 8) return status_err(s);
    uint8_t st = SS_OK, mac[DFC_BLOCK];
    int rc = dfc_cmac(s->sk, s->iv, &st, 1, mac);
    if (rc != 0) return rc;
    return sodium_memcmp(mac, s->rx, 8) == 0 ? 0 : LP_ERR_CRYPTO;
}

/* A plain command once authenticated: its CMAC moves the IV, the answer
 * carries a CMAC. */
static int mac_cmd(struct nfc_df_link *s, const uint8_t *cmd, size_t n)
{
    uint8_t mac[DFC_BLOCK];
    int rc = dfc_cmac(s->sk, s->iv, cmd, n, mac);
    if (rc == 0) rc = nfc_df_cmd(s, cmd, n);
    return rc == 0 ? want_mac(s) : rc;
}

int nfc_dfw_change_key_cryptogram(const uint8_t sk[DFC_KEY], uint8_t iv[DFC_BLOCK], uint8_t key_no,
                                  int same, const uint8_t new_key[DFC_KEY],
                                  const uint8_t *old_key, uint8_t ver, uint8_t out[32])
{
    uint8_t p[32] = {0}, m[2 + 17];
    for (int i = 0; i < DFC_KEY; i++)
        p[i] = (uint8_t)(new_key[i] ^ (same || !old_key ? 0 : old_key[i]));
    p[16] = ver;
    m[0] = 0xC4;
    m[1] = key_no;
    memcpy(m + 2, p, 17);
    le32(p + 17, dfc_crc32(m, sizeof m));
    if (!same) le32(p + 21, dfc_crc32(new_key, DFC_KEY));
    int rc = dfc_cbc_encrypt(sk, iv, p, sizeof p, out);
    sodium_memzero(p, sizeof p);
    sodium_memzero(m, sizeof m);
    return rc;
}

int nfc_dfw_write_cmd(const uint8_t sk[DFC_KEY], uint8_t iv[DFC_BLOCK], uint8_t file_no,
                      const uint8_t *data, size_t len, uint8_t *out, size_t *out_len)
{
    if (!data || len < 1 || len > CARD_FILE_SIZE) return LP_ERR_INVALID;
    size_t enc = (len + 4 + 15) / 16 * 16;
    uint8_t hdr[8] = { 0x3D, file_no, 0, 0, 0, (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16) };
    memset(out, 0, 8 + enc);
    memcpy(out, hdr, 8);
    memcpy(out + 8, data, len);
    le32(out + 8 + len, dfc_crc32(out, 8 + len));        /* over 3D, header and data */
    int rc = dfc_cbc_encrypt(sk, iv, out + 8, enc, out + 8);
    if (rc == 0) *out_len = 8 + enc;
    else sodium_memzero(out, 8 + enc);
    return rc;
}

/* ---- formatting ---- */

static int create_app(struct nfc_df_link *s)
{
    uint8_t cmd[6] = { 0xCA, 0, 0, 0, CARD_KEY_SETTINGS, 0x80 | CARD_NKEYS };
    card_aid_wire(cmd + 1);
    int rc = nfc_df_select(s, 0);
    if (rc == 0) rc = nfc_df_cmd(s, cmd, sizeof cmd);
    if (rc != 0) return rc;
    if (s->ss == SS_AUTH && s->data_len == 0) return LP_ERR_FORBIDDEN;  /* PICC key wanted */
    return want_ok(s);
}

/* Deletes the labpass application with its key 0: admin, or the default
 * zero key of a format torn before key 0 changed. */
static int delete_app(struct nfc_df_link *s, const uint8_t admin[DFC_KEY])
{
    static const uint8_t zero[DFC_KEY];
    uint8_t cmd[4] = { 0xDA }, mac[DFC_BLOCK];
    card_aid_wire(cmd + 1);
    int rc = nfc_df_select(s, CARD_AID);
    if (rc == 0) rc = nfc_df_auth(s, 0, admin);
    if (rc == LP_ERR_UNAUTH) rc = nfc_df_auth(s, 0, zero);
    if (rc == 0) rc = dfc_cmac(s->sk, s->iv, cmd, sizeof cmd, mac);
    if (rc == 0) rc = nfc_df_cmd(s, cmd, sizeof cmd);
    if (rc != 0) return rc;
    return s->data_len == 8 ? want_mac(s) : want_ok(s);   /* with or without a CMAC */
}

static int change_key(struct nfc_df_link *s, uint8_t key_no, int same, const uint8_t key[DFC_KEY],
                      uint8_t ver)
{
    uint8_t cmd[2 + 32] = { 0xC4, key_no };
    int rc = nfc_dfw_change_key_cryptogram(s->sk, s->iv, key_no, same, key, NULL, ver, cmd + 2);
    if (rc == 0) rc = nfc_df_cmd(s, cmd, sizeof cmd);
    if (rc != 0) return rc;
    return same ? want_ok(s) : want_mac(s);   /* its own key: no CMAC, the authentication ends */
}

/* The labpass application exists and is still all default keys: key 0 is
 * authenticated with the zero key, keys 1 and 2 changed, the backup file
 * created, key 0 changed last. */
static int set_up_app(struct nfc_df_link *s, const nfc_dfw_keys_t *k)
{
    static const uint8_t zero[DFC_KEY];
    const uint8_t file[8] = { 0xCB, CARD_FILE_PASS, CARD_FILE_COMM, (uint8_t)CARD_FILE_AR,
                              (uint8_t)(CARD_FILE_AR >> 8), (uint8_t)CARD_FILE_SIZE,
                              (uint8_t)(CARD_FILE_SIZE >> 8), 0 };
    int rc = nfc_df_select(s, CARD_AID);
    if (rc == 0) rc = nfc_df_auth(s, CARD_KEY_ADMIN, zero);
    if (rc == 0) rc = change_key(s, CARD_KEY_READ, 0, k->key[CARD_KEY_READ], k->version);
    if (rc == 0) rc = change_key(s, CARD_KEY_WRITE, 0, k->key[CARD_KEY_WRITE], k->version);
    if (rc == 0) rc = mac_cmd(s, file, sizeof file);
    if (rc == 0) rc = change_key(s, CARD_KEY_ADMIN, 1, k->key[CARD_KEY_ADMIN], k->version);
    return rc;
}

int nfc_dfw_format(nfc_xfer_fn xfer, void *ctx, const nfc_dfw_keys_t *keys, const uint8_t *old_admin)
{
    if (!xfer || !keys || keys->version == 0) return LP_ERR_INVALID;
    struct nfc_df_link s = { .xfer = xfer, .ctx = ctx, .budget = NFC_DFW_XFER_MAX };
    int rc = create_app(&s);
    if (rc == LP_ERR_CONFLICT && old_admin) {
        rc = delete_app(&s, old_admin);
        if (rc == 0) rc = create_app(&s);
    }
    if (rc == 0) rc = set_up_app(&s, keys);
    sodium_memzero(&s, sizeof s);
    return rc;
}

/* ---- writing ---- */

/* Sends the gathered WriteData: the first frame with as much as fits, then
 * 90 AF frames; the card answers 91 AF until the last. */
static int send_write(struct nfc_df_link *s, const uint8_t *cmd, size_t n)
{
    uint8_t frame[1 + NFC_DF_TX_MAX] = { 0xAF };
    size_t at = n < 1 + NFC_DF_TX_MAX ? n : 1 + NFC_DF_TX_MAX;
    int rc = nfc_df_cmd(s, cmd, at);
    while (rc == 0 && at < n) {
        if (s->ss != SS_MORE || s->data_len != 0) return status_err(s);
        size_t k = n - at < NFC_DF_TX_MAX ? n - at : NFC_DF_TX_MAX;
        memcpy(frame + 1, cmd + at, k);
        at += k;
        rc = nfc_df_cmd(s, frame, 1 + k);
    }
    sodium_memzero(frame, sizeof frame);
    return rc == 0 ? want_mac(s) : rc;
}

int nfc_dfw_write(nfc_xfer_fn xfer, void *ctx, const uint8_t write_key[DFC_KEY],
                  const uint8_t file[CARD_FILE_SIZE])
{
    if (!xfer || !write_key || !file) return LP_ERR_INVALID;
    struct nfc_df_link s = { .xfer = xfer, .ctx = ctx, .budget = NFC_DFW_XFER_MAX };
    uint8_t cmd[NFC_DFW_CMD_MAX], commit = 0xC7;
    size_t n = 0;
    int rc = nfc_df_select(&s, CARD_AID);
    if (rc == 0) rc = nfc_df_auth(&s, CARD_KEY_WRITE, write_key);
    if (rc == 0) rc = nfc_dfw_write_cmd(s.sk, s.iv, CARD_FILE_PASS, file, CARD_FILE_SIZE, cmd, &n);
    if (rc == 0) rc = send_write(&s, cmd, n);
    if (rc == 0) rc = mac_cmd(&s, &commit, 1);
    sodium_memzero(cmd, sizeof cmd);
    sodium_memzero(&s, sizeof s);
    return rc;
}

int nfc_dfw_key_version(nfc_xfer_fn xfer, void *ctx, uint8_t key_no, uint8_t *version)
{
    if (!xfer || !version) return LP_ERR_INVALID;
    struct nfc_df_link s = { .xfer = xfer, .ctx = ctx, .budget = 2 };
    uint8_t cmd[2] = { 0x64, key_no };
    int rc = nfc_df_select(&s, CARD_AID);
    if (rc == 0) rc = nfc_df_cmd(&s, cmd, sizeof cmd);
    if (rc == 0 && (s.ss != SS_OK || s.data_len != 1)) rc = status_err(&s);
    if (rc == 0) *version = s.rx[0];
    return rc;
}

/* ---- over the reader ---- */

static struct nfc_df_rdr_ctx rdr_ctx(nfc_rdr_t *r)
{
    return (struct nfc_df_rdr_ctx){ r, clk_mono_us() + (int64_t)nfc_rdr_opts(r)->exchange_ms * 4000 };
}

int nfc_dfw_format_rdr(nfc_rdr_t *r, const nfc_dfw_keys_t *keys, const uint8_t *old_admin)
{
    if (!r) return LP_ERR_INVALID;
    struct nfc_df_rdr_ctx c = rdr_ctx(r);
    int rc = nfc_dfw_format(nfc_df_rdr_xfer, &c, keys, old_admin);
    if (rc != 0) log_debug("nfc", "DESFire format failed: %s", lp_err_name(rc));
    return rc;
}

int nfc_dfw_write_rdr(nfc_rdr_t *r, const uint8_t write_key[DFC_KEY], const uint8_t file[CARD_FILE_SIZE])
{
    if (!r) return LP_ERR_INVALID;
    struct nfc_df_rdr_ctx c = rdr_ctx(r);
    int rc = nfc_dfw_write(nfc_df_rdr_xfer, &c, write_key, file);
    if (rc != 0) log_debug("nfc", "DESFire write failed: %s", lp_err_name(rc));
    return rc;
}

int nfc_dfw_key_version_rdr(nfc_rdr_t *r, uint8_t key_no, uint8_t *version)
{
    if (!r) return LP_ERR_INVALID;
    struct nfc_df_rdr_ctx c = rdr_ctx(r);
    return nfc_dfw_key_version(nfc_df_rdr_xfer, &c, key_no, version);
}
