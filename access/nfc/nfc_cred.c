/* nfc_cred.c: door side of the credential exchange (see nfc_cred.h). */
#include "access/nfc/nfc_cred.h"
#include <string.h>
#include "access/nfc/nfc_apdu.h"
#include "core/clock.h"
#include "core/log.h"

struct session {
    nfc_xfer_fn xfer;
    void *ctx;
    int budget;                       /* exchanges left */
    uint8_t rx[NFC_APDU_RESP_MAX];
    size_t data_len;                  /* data bytes of the last answer, before SW */
};

/* Sends one command; on a 9000 answer leaves its data in s->rx[0..data_len). */
static int apdu(struct session *s, const uint8_t *tx, size_t txlen)
{
    if (s->budget-- <= 0) return LP_ERR_INVALID;
    size_t n = 0;
    uint16_t sw = 0;
    int rc = s->xfer(s->ctx, tx, txlen, s->rx, sizeof s->rx, &n);
    if (rc != 0) return rc;
    if (n > sizeof s->rx) return LP_ERR_INVALID;
    rc = nfc_apdu_split(s->rx, n, &s->data_len, &sw);
    if (rc != 0) return rc;
    return nfc_apdu_sw_err(sw);
}

static int do_select(struct session *s, nfc_cred_result_t *out, size_t *total)
{
    uint8_t cmd[NFC_APDU_CMD_MAX];
    size_t len = 0;
    nfc_fci_t fci;
    int rc = nfc_apdu_select(cmd, &len);
    if (rc == 0) rc = apdu(s, cmd, len);
    if (rc == 0) rc = nfc_apdu_parse_fci(s->rx, s->data_len, &fci);
    if (rc != 0) return rc;
    out->version = fci.version;
    *total = fci.pass_len;
    return 0;
}

static int do_get_pass(struct session *s, size_t total, nfc_cred_result_t *out)
{
    size_t off = 0;
    while (off < total) {
        size_t want = total - off < CRED_CHUNK_MAX ? total - off : CRED_CHUNK_MAX;
        uint8_t cmd[NFC_APDU_CMD_MAX];
        size_t len = 0;
        int rc = nfc_apdu_get_pass(off, want, cmd, &len);
        if (rc == 0) rc = apdu(s, cmd, len);
        if (rc != 0) return rc;
        size_t got = s->data_len;
        if (got == 0 || got > want) return LP_ERR_INVALID;
        if (got < want && got < NFC_CRED_MIN_CHUNK) return LP_ERR_INVALID;
        memcpy(out->pass + off, s->rx, got);
        off += got;
    }
    out->pass_len = total;
    return 0;
}

static int do_auth(struct session *s, const uint8_t *challenge, size_t clen, nfc_cred_result_t *out)
{
    uint8_t cmd[NFC_APDU_CMD_MAX];
    size_t len = 0;
    int rc = nfc_apdu_auth(challenge, clen, cmd, &len);
    if (rc == 0) rc = apdu(s, cmd, len);
    if (rc != 0) return rc;
    if (s->data_len != CRED_SIG_LEN) return LP_ERR_INVALID;
    memcpy(out->sig, s->rx, CRED_SIG_LEN);
    return 0;
}

int nfc_cred_exchange(nfc_xfer_fn xfer, void *ctx, const uint8_t *challenge, size_t clen,
                      nfc_cred_result_t *out)
{
    if (!xfer || !challenge || !out) return LP_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (clen < CRED_CHALLENGE_MIN || clen > CRED_CHALLENGE_MAX) return LP_ERR_INVALID;
    struct session s = { .xfer = xfer, .ctx = ctx, .budget = NFC_CRED_XFER_MAX };
    size_t total = 0;
    int rc = do_select(&s, out, &total);
    if (rc == 0) rc = do_get_pass(&s, total, out);
    if (rc == 0) rc = do_auth(&s, challenge, clen, out);
    if (rc != 0) memset(out, 0, sizeof *out);
    return rc;
}

struct rdr_ctx {
    nfc_rdr_t *r;
    int64_t deadline_us;
};

static int rdr_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap, size_t *rxlen)
{
    struct rdr_ctx *c = ctx;
    if (clk_mono_us() > c->deadline_us) return LP_ERR_TIMEOUT;
    return nfc_rdr_transceive(c->r, tx, txlen, rx, rxcap, rxlen);
}

int nfc_cred_read(nfc_rdr_t *r, const uint8_t *challenge, size_t clen, nfc_cred_result_t *out)
{
    if (!r) return LP_ERR_INVALID;
    struct rdr_ctx c = { r, clk_mono_us() + (int64_t)nfc_rdr_opts(r)->exchange_ms * 1000 };
    int rc = nfc_cred_exchange(rdr_xfer, &c, challenge, clen, out);
    if (rc != 0) log_debug("nfc", "credential read failed: %s", lp_err_name(rc));
    return rc;
}
