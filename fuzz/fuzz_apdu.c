/* fuzz_apdu.c: libFuzzer target for the door side of the credential exchange
 * (access/nfc) and, on the same bytes, the credential applet.
 * The input is a script of card answers: each is a 2-byte big-endian length
 * (taken modulo 300) and that many bytes; the door's SELECT / GET PASS /
 * AUTHENTICATE run against them. Besides "never crashes", it checks: at
 * most NFC_CRED_XFER_MAX exchanges, a failed exchange leaves no pass, a
 * successful one has a pass of the announced size. The whole input also goes
 * to the FCI and status-word parsers and, as a command APDU, to the applet,
 * whose answer must stay within CRED_RESP_MAX and end in a status word. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "access/credential/cred.h"
#include "access/nfc/nfc_apdu.h"
#include "access/nfc/nfc_cred.h"

struct script {
    const uint8_t *p;
    size_t left;
    int calls;
};

static int script_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap, size_t *rxlen)
{
    struct script *s = ctx;
    if (txlen == 0 || txlen > NFC_APDU_CMD_MAX) abort();
    s->calls++;
    if (s->left < 2) return LP_ERR_IO;
    size_t n = (((size_t)s->p[0] << 8) | s->p[1]) % 300;
    s->p += 2;
    s->left -= 2;
    if (n > s->left) n = s->left;
    if (n > rxcap) return LP_ERR_TOOBIG;
    memcpy(rx, s->p, n);
    *rxlen = n;
    s->p += n;
    s->left -= n;
    return 0;
}

static cred_t *applet(void)
{
    static cred_t *c;
    if (c) return c;
    if (sodium_init() < 0) abort();
    uint8_t seed[crypto_sign_SEEDBYTES] = { 1 }, pk[CRED_PK_LEN], sk[CRED_SK_LEN], pass[300];
    for (size_t i = 0; i < sizeof pass; i++) pass[i] = (uint8_t)i;
    crypto_sign_seed_keypair(pk, sk, seed);
    if (cred_create(pass, sizeof pass, sk, &c) != 0) abort();
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nfc_cred_result_t res;
    static const uint8_t challenge[32] = { 0xC0, 0xC1, 0xC2 };
    struct script s = { data, size, 0 };
    int rc = nfc_cred_exchange(script_xfer, &s, challenge, sizeof challenge, &res);
    if (s.calls > NFC_CRED_XFER_MAX) abort();
    if (rc != 0 && res.pass_len != 0) abort();
    if (rc == 0 && (res.pass_len == 0 || res.pass_len > CRED_PASS_MAX || res.version != CRED_VERSION)) abort();

    nfc_fci_t fci;
    size_t dl;
    uint16_t sw;
    if (nfc_apdu_parse_fci(data, size, &fci) == 0 && (fci.pass_len == 0 || fci.pass_len > CRED_PASS_MAX)) abort();
    if (nfc_apdu_split(data, size, &dl, &sw) == 0 && dl + 2 != size) abort();

    uint8_t out[CRED_RESP_MAX];
    size_t n = 0;
    cred_t *c = applet();
    if (size > 0 && data[0] & 1) cred_reset(c);
    if (cred_process_apdu(c, data, size, out, sizeof out, &n) != 0 || n < 2 || n > CRED_RESP_MAX) abort();
    return 0;
}
