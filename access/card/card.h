/* card.h: the labpass card model on a MIFARE DESFire EV1 (or later) card
 * (docs/access-protocol.md section 18). One labpass application with three
 * AES-128 keys diversified per card from site master keys (NXP AN10922):
 * key 0 administers the application (desk), key 1 reads the pass (every
 * door), key 2 writes it (desk and online doors). One backup data file holds
 * the current signed pass, bound to the card by its card id (the pass's
 * `cnf`), a hash of the card's UID and the application id.
 *
 * Guarantees: pure functions (no I/O); inputs are checked against the limits
 * below; derived keys and diversification inputs are wiped from temporaries. */
#ifndef LP_CARD_H
#define LP_CARD_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "access/card/dfcrypt.h"

#define CARD_AID        0xF1AB50u   /* the labpass application id */
#define CARD_AID_LEN    3           /* on the wire LSB first: 50 AB F1 */
#define CARD_UID_LEN    7           /* NXP 7-byte UID, first byte 04 */
#define CARD_SITE_MAX   21          /* site code bytes in the diversification input */
#define CARD_ID_LEN     16          /* bytes of the card id (cnf) */
#define CARD_NKEYS      3
#define CARD_KEY_SETTINGS 0x0B      /* app master changes keys; list free; settings changeable */
#define CARD_FILE_PASS  0x01        /* backup data file holding the pass */
#define CARD_FILE_SIZE  256         /* bytes: 2-byte length + pass + zero padding */
#define CARD_PASS_MAX   (CARD_FILE_SIZE - 2)
#define CARD_FILE_COMM  0x03        /* enciphered */
#define CARD_FILE_AR    0x1220u     /* MDAR(read 1, write 2, read&write 2, change 0) */

/* The three application keys, by key number. */
typedef enum card_key {
    CARD_KEY_ADMIN = 0,   /* application master key: keys, files, format */
    CARD_KEY_READ = 1,    /* reads the pass file: held by every door */
    CARD_KEY_WRITE = 2    /* writes the pass file: desk and online doors */
} card_key;

/* Spelling of a key role ("admin", "read", "write"); NULL for other values. */
const char *card_key_name(card_key k);

/* The application id in wire order (LSB first). */
void card_aid_wire(uint8_t out[CARD_AID_LEN]);

/* The AN10922 diversification input M = UID(7) || AID(3, wire order) ||
 * site code (1..CARD_SITE_MAX visible ASCII bytes): writes M to m (at least
 * DFC_DIV_MAX bytes) and its length to *mlen. Returns 0 or LP_ERR_INVALID. */
int card_div_input(const uint8_t uid[CARD_UID_LEN], const char *site,
                   uint8_t m[DFC_DIV_MAX], size_t *mlen) LP_MUST;

/* The card's key for one role: AN10922 over card_div_input with the site's
 * master key of that role. Returns 0, LP_ERR_INVALID or LP_ERR_CRYPTO. */
int card_key_derive(const uint8_t master[DFC_KEY], const uint8_t uid[CARD_UID_LEN],
                    const char *site, uint8_t key[DFC_KEY]) LP_MUST;

/* The card id named by a card-bound pass's cnf: BLAKE2b with a 16-byte
 * output (libsodium crypto_generichash, no key) over "labpass-card-v1" ||
 * UID(7) || AID(3, wire order). */
void card_id(const uint8_t uid[CARD_UID_LEN], uint8_t id[CARD_ID_LEN]);

/* Lays out the pass file: pass length (2 bytes big-endian, 1..CARD_PASS_MAX),
 * the pass, zeros to CARD_FILE_SIZE. Returns 0 or LP_ERR_TOOBIG/LP_ERR_INVALID. */
int card_file_encode(const uint8_t *pass, size_t len, uint8_t file[CARD_FILE_SIZE]) LP_MUST;

/* Reads the pass out of a pass file of exactly CARD_FILE_SIZE bytes: the
 * length must be 1..CARD_PASS_MAX and every byte after the pass zero.
 * *pass points into file (borrowed). Returns 0, LP_ERR_NOTFOUND (length 0:
 * an enrolled card without a pass) or LP_ERR_INVALID. */
int card_file_decode(const uint8_t *file, size_t flen, const uint8_t **pass,
                     size_t *len) LP_MUST;

#endif
