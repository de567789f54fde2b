/* nfc_apdu.h: door-side APDU building and strict response parsing for the
 * labpass credential application (docs/access-protocol.md section 14).
 * Pure functions: no I/O, no allocation. Parsers read only within the given
 * bounds and accept exactly the documented shapes; anything else is refused. */
#ifndef LP_NFC_APDU_H
#define LP_NFC_APDU_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "access/credential/cred.h"

#define NFC_APDU_CMD_MAX   (5 + CRED_CHALLENGE_MAX + 1)  /* longest command we build */
#define NFC_APDU_RESP_MAX  CRED_RESP_MAX                 /* longest response accepted */

/* What the SELECT answer (FCI) announces. */
typedef struct nfc_fci {
    uint8_t version;    /* CRED_VERSION */
    size_t pass_len;    /* 1..CRED_PASS_MAX */
} nfc_fci_t;

/* Command builders: write the APDU to out (NFC_APDU_CMD_MAX bytes suffice) and
 * its length to *len. Return 0 or LP_ERR_INVALID for out-of-range arguments. */
int nfc_apdu_select(uint8_t *out, size_t *len) LP_MUST;
/* GET PASS at offset (0..0x7FFF) asking for want bytes (1..CRED_CHUNK_MAX). */
int nfc_apdu_get_pass(size_t offset, size_t want, uint8_t *out, size_t *len) LP_MUST;
/* AUTHENTICATE with challenge[0..clen), CRED_CHALLENGE_MIN..MAX bytes. */
int nfc_apdu_auth(const uint8_t *challenge, size_t clen, uint8_t *out, size_t *len) LP_MUST;

/* Splits a response resp[0..len) (2..NFC_APDU_RESP_MAX bytes) into its data
 * length and status word. Returns 0 or LP_ERR_INVALID. */
int nfc_apdu_split(const uint8_t *resp, size_t len, size_t *data_len, uint16_t *sw) LP_MUST;
/* The lp_err for a status word: 9000 -> 0, 6A82 -> LP_ERR_NOTFOUND (no labpass
 * application), 6985 -> LP_ERR_STATE, everything else -> LP_ERR_INVALID. */
int nfc_apdu_sw_err(uint16_t sw);
/* Parses the FCI data (without SW): 6F { 84 AID, A5 { 80 version, 81 length,
 * further proprietary TLVs skipped } }, single-byte lengths, exact nesting,
 * no trailing bytes, the labpass AID and version. Returns 0 or LP_ERR_INVALID
 * (LP_ERR_TOOBIG for an announced pass over CRED_PASS_MAX). */
int nfc_apdu_parse_fci(const uint8_t *data, size_t len, nfc_fci_t *out) LP_MUST;

#endif
