/* nfc_cred.h: the door side of the credential exchange (docs/access-protocol.md section 14):
 * SELECT the labpass application, read the pass with GET PASS in chunks,
 * then AUTHENTICATE with the door's challenge. The result is the pass bytes
 * and the holder's signature; checking them is the token module's job.
 *
 * Guarantees: at most CRED_PASS_MAX pass bytes and NFC_CRED_XFER_MAX
 * exchanges; every answer is checked for its exact shape (length, status
 * word, FCI, chunk progress) before it is used; on any error *out holds no
 * partial pass. The exchange itself is transport-agnostic (nfc_cred_exchange
 * takes a transceive function), so tests and fuzzers can drive it. */
#ifndef LP_NFC_CRED_H
#define LP_NFC_CRED_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "access/credential/cred.h"
#include "access/nfc/nfc_rdr.h"

/* SELECT + GET PASS of a full-size pass in the smallest chunks allowed + AUTH. */
#define NFC_CRED_MIN_CHUNK 16  /* a non-final chunk shorter than this is refused */
#define NFC_CRED_XFER_MAX  (2 + CRED_PASS_MAX / NFC_CRED_MIN_CHUNK + 1)

/* Sends tx[0..txlen) to the card and puts its answer in rx[0..rxcap), length
 * in *rxlen. Returns 0 or a negative lp_err. */
typedef int (*nfc_xfer_fn)(void *ctx, const uint8_t *tx, size_t txlen,
                           uint8_t *rx, size_t rxcap, size_t *rxlen);

typedef struct nfc_cred_result {
    uint8_t pass[CRED_PASS_MAX];
    size_t pass_len;
    uint8_t sig[CRED_SIG_LEN];     /* over "labpass-holder-proof-v1" || challenge */
    uint8_t version;               /* from the FCI */
} nfc_cred_result_t;

/* Runs the exchange over xfer/ctx with challenge[0..clen)
 * (CRED_CHALLENGE_MIN..CRED_CHALLENGE_MAX bytes). Returns 0,
 * LP_ERR_NOTFOUND (card without the labpass application), LP_ERR_INVALID
 * (an answer off the protocol), LP_ERR_TOOBIG (pass over CRED_PASS_MAX),
 * LP_ERR_STATE (card refused the order of commands) or the transport's error. */
int nfc_cred_exchange(nfc_xfer_fn xfer, void *ctx, const uint8_t *challenge, size_t clen,
                      nfc_cred_result_t *out) LP_MUST;
/* nfc_cred_exchange with the card selected by nfc_rdr_poll(), each exchange
 * bounded by opts.xfer_ms and the whole run by opts.exchange_ms
 * (LP_ERR_TIMEOUT when over). */
int nfc_cred_read(nfc_rdr_t *r, const uint8_t *challenge, size_t clen,
                  nfc_cred_result_t *out) LP_MUST;

#endif
