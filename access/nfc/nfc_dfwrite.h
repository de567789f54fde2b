/* nfc_dfwrite.h: the writing side of a labpass DESFire card
 * (docs/access-protocol.md section 18.9), over the same bounded exchanges as
 * the door's read (nfc_desfire.h): formatting a card's labpass application
 * (CreateApplication F1AB50 with 3 AES keys and key settings 0B next to
 * whatever else the card holds, AuthenticateAES with the default key 0,
 * ChangeKey of keys 1, 2 and 0 to the card's diversified keys with the site
 * key generation as version, CreateBackupDataFile 01), and writing a pass
 * file (AuthenticateAES with the write key, WriteData enciphered,
 * CommitTransaction). A desk station and an online door use it; the AES
 * work is access/card's (OpenSSL).
 *
 * Guarantees: only the labpass application is ever created or deleted;
 * a card that already carries it is refused unless a re-format with its
 * admin key is asked; every answer is checked for its exact shape and, inside
 * an authenticated exchange, its CMAC; at most NFC_DFW_XFER_MAX exchanges per
 * run; channel keys are wiped. A write torn before CommitTransaction leaves the card's
 * previous pass in place (backup file). */
#ifndef LP_NFC_DFWRITE_H
#define LP_NFC_DFWRITE_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "access/card/card.h"
#include "access/nfc/nfc_cred.h"
#include "access/nfc/nfc_rdr.h"

#define NFC_DFW_XFER_MAX 32
#define NFC_DFW_CMD_MAX  (8 + (CARD_FILE_SIZE + 4 + 15) / 16 * 16)  /* 3D, header, 272 */

/* One card's keys, diversified for its UID (card_key_derive), by card_key,
 * and the generation of the site master keys they come from (1..255),
 * stored as each key's version. */
typedef struct nfc_dfw_keys {
    uint8_t key[CARD_NKEYS][DFC_KEY];
    uint8_t version;
} nfc_dfw_keys_t;

/* The 32-byte AES ChangeKey cryptogram, CBC-encrypted with channel key sk
 * from *iv (advanced to the last block). same: key_no is the key of the
 * authenticated one (NewKey || Ver || CRC32(C4 KeyNo NewKey Ver) || zeros); else
 * (NewKey ^ old) || Ver || CRC32(C4 KeyNo that Ver) || CRC32(NewKey) ||
 * zeros, old NULL meaning all zero. Returns 0 or LP_ERR_CRYPTO. */
int nfc_dfw_change_key_cryptogram(const uint8_t sk[DFC_KEY], uint8_t iv[DFC_BLOCK], uint8_t key_no,
                                  int same, const uint8_t new_key[DFC_KEY],
                                  const uint8_t *old_key, uint8_t ver, uint8_t out[32]) LP_MUST;

/* The native WriteData command of data[0..len) (1..CARD_FILE_SIZE bytes) at
 * offset 0 of file file_no, enciphered: 3D FileNo 000000 Len(3) ||
 * E(data || CRC32(3D FileNo Off Len data) || 00 padding to 16), CBC with sk
 * from *iv (advanced). out holds NFC_DFW_CMD_MAX bytes; *out_len is set.
 * Returns 0, LP_ERR_INVALID or LP_ERR_CRYPTO. */
int nfc_dfw_write_cmd(const uint8_t sk[DFC_KEY], uint8_t iv[DFC_BLOCK], uint8_t file_no,
                      const uint8_t *data, size_t len, uint8_t *out, size_t *out_len) LP_MUST;

/* Formats the labpass application on the card. old_admin NULL: a card that
 * already has it is refused (LP_ERR_CONFLICT); else the application is
 * deleted first with old_admin as its key 0 (or the default zero key, left
 * by a format torn before key 0 was changed). Returns 0, LP_ERR_CONFLICT,
 * LP_ERR_UNAUTH (the admin key was refused), LP_ERR_FORBIDDEN (the card's
 * PICC settings want its master key for CreateApplication), LP_ERR_TOOBIG
 * (card full), LP_ERR_CRYPTO (a bad CMAC), LP_ERR_INVALID or the transport's
 * error. */
int nfc_dfw_format(nfc_xfer_fn xfer, void *ctx, const nfc_dfw_keys_t *keys,
                   const uint8_t *old_admin) LP_MUST;

/* Writes the pass file file[0..CARD_FILE_SIZE) with the card's write key and
 * commits. Returns 0, LP_ERR_NOTFOUND (no labpass application),
 * LP_ERR_UNAUTH (the write key was refused), LP_ERR_FORBIDDEN, LP_ERR_CRYPTO,
 * LP_ERR_INVALID or the transport's error. */
int nfc_dfw_write(nfc_xfer_fn xfer, void *ctx, const uint8_t write_key[DFC_KEY],
                  const uint8_t file[CARD_FILE_SIZE]) LP_MUST;

/* The version of key key_no of the labpass application (GetKeyVersion, no
 * authentication needed): the site key generation the card was formatted
 * with. Returns 0, LP_ERR_NOTFOUND or LP_ERR_INVALID. */
int nfc_dfw_key_version(nfc_xfer_fn xfer, void *ctx, uint8_t key_no, uint8_t *version) LP_MUST;

/* The same with the card selected by nfc_rdr_poll(); each exchange bounded by
 * opts.xfer_ms, the whole run by four times opts.exchange_ms. */
int nfc_dfw_format_rdr(nfc_rdr_t *r, const nfc_dfw_keys_t *keys, const uint8_t *old_admin) LP_MUST;
int nfc_dfw_write_rdr(nfc_rdr_t *r, const uint8_t write_key[DFC_KEY],
                      const uint8_t file[CARD_FILE_SIZE]) LP_MUST;
int nfc_dfw_key_version_rdr(nfc_rdr_t *r, uint8_t key_no, uint8_t *version) LP_MUST;

#endif
