/* cred.h: the labpass credential applet, the card/phone side of the door
 * exchange (docs/access-protocol.md section 14). It answers ISO 7816-4 APDUs for the
 * labpass application: SELECT by AID, GET PASS (offset/chunk reads of the
 * pass bytes) and AUTHENTICATE (an Ed25519 signature by the holder key over
 * "labpass-holder-proof-v1" || challenge bytes).
 *
 * Guarantees:
 * - cred_process_apdu is pure apart from the selection state kept in the
 *   cred_t: no I/O, no allocation, bounded work; every input, however
 *   malformed, gets a response ending in a status word.
 * - The response never exceeds CRED_RESP_MAX bytes.
 * - The holder secret key is wiped by cred_destroy and never leaves the
 *   module; only signatures do.
 * The constants here are the protocol: the door side (access/nfc) uses them. */
#ifndef LP_CRED_H
#define LP_CRED_H
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include "core/err.h"

/* Proprietary AID: F0 || "labpass" (ISO 7816-5 category F, unregistered). */
#define CRED_AID            "\xF0\x6C\x61\x62\x70\x61\x73\x73"
#define CRED_AID_LEN        8
#define CRED_VERSION        1      /* protocol version announced in the FCI */

#define CRED_CLA_ISO        0x00
#define CRED_CLA_PROP       0x80
#define CRED_INS_SELECT     0xA4
#define CRED_INS_GET_PASS   0xB0   /* 80 B0 P1P2=offset Le=chunk */
#define CRED_INS_AUTH       0x88   /* 80 88 00 00 Lc challenge Le=40 */

#define CRED_PASS_MAX       1024   /* bytes of pass the transport carries */
#define CRED_CHUNK_MAX      240    /* largest GET PASS answer (data bytes) */
#define CRED_CHALLENGE_MIN  16     /* a challenge holds at least its nonce */
#define CRED_CHALLENGE_MAX  128
#define CRED_SIG_LEN        crypto_sign_BYTES          /* 64 */
#define CRED_SK_LEN         crypto_sign_SECRETKEYBYTES /* 64: seed || pk */
#define CRED_PK_LEN         crypto_sign_PUBLICKEYBYTES /* 32 */
#define CRED_FCI_LEN        21     /* bytes of the SELECT answer before SW */
#define CRED_RESP_MAX       (256 + 2)  /* longest response APDU incl. SW */

#define CRED_PROOF_DOMAIN     "labpass-holder-proof-v1"
#define CRED_PROOF_DOMAIN_LEN 23
#define CRED_PROOF_MSG_MAX    (CRED_PROOF_DOMAIN_LEN + CRED_CHALLENGE_MAX)

/* Status words (ISO 7816-4). */
#define CRED_SW_OK              0x9000
#define CRED_SW_WRONG_LENGTH    0x6700
#define CRED_SW_NOT_SATISFIED   0x6985  /* no SELECT yet */
#define CRED_SW_WRONG_DATA      0x6A80
#define CRED_SW_NOT_FOUND       0x6A82  /* unknown AID */
#define CRED_SW_WRONG_P1P2      0x6A86
#define CRED_SW_OFFSET          0x6B00  /* offset at or beyond the pass end */
#define CRED_SW_INS             0x6D00
#define CRED_SW_CLA             0x6E00
#define CRED_SW_INTERNAL        0x6F00

typedef struct cred cred_t;

/* Creates a credential holding a copy of pass[0..len) (1..CRED_PASS_MAX bytes)
 * and the holder's libsodium Ed25519 secret key sk (seed || public key).
 * Caller owns *out and frees it with cred_destroy(). Returns 0,
 * LP_ERR_INVALID, LP_ERR_TOOBIG or LP_ERR_NOMEM. Borrows pass and sk. */
int cred_create(const uint8_t *pass, size_t len, const uint8_t sk[CRED_SK_LEN],
                cred_t **out) LP_MUST;
/* Wipes the key and frees; accepts NULL. */
void cred_destroy(cred_t *c);
/* Forgets the selection (a new RF session: field reset or new activation). */
void cred_reset(cred_t *c);
/* The holder public key (borrowed, valid until cred_destroy). */
const uint8_t *cred_holder_pk(const cred_t *c);

/* Processes one command APDU in[0..inlen) and writes the response (data and
 * SW1 SW2) to out[0..*outlen). out must hold CRED_RESP_MAX bytes (outcap).
 * Returns 0 for every command, however malformed (the answer is then an error
 * status word), or LP_ERR_INVALID when the call itself is wrong (NULLs,
 * outcap too small). Borrows in and out only during the call. */
int cred_process_apdu(cred_t *c, const uint8_t *in, size_t inlen,
                      uint8_t *out, size_t outcap, size_t *outlen) LP_MUST;

/* Writes the signed message "labpass-holder-proof-v1" || challenge into out
 * (CRED_PROOF_MSG_MAX bytes suffice) and its length to *outlen. The challenge
 * is CRED_CHALLENGE_MIN..CRED_CHALLENGE_MAX opaque bytes. Returns 0 or
 * LP_ERR_INVALID. */
int cred_proof_message(const uint8_t *challenge, size_t len,
                       uint8_t out[CRED_PROOF_MSG_MAX], size_t *outlen) LP_MUST;

#endif
