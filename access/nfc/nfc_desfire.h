/* nfc_desfire.h: the door side of a labpass DESFire card read
 * (docs/access-protocol.md section 18.5): SelectApplication of the labpass
 * application, AuthenticateAES with the card's diversified read key, ReadData
 * of the whole pass file over the enciphered channel (running CMAC IV, CRC32
 * and padding checked). The door speaks these few native commands itself,
 * over nfc_rdr's bounded transceive, rather than through libfreefare 0.4.0,
 * which waits without a timeout for a chip answer and abort()s on some short
 * card answers; the AES work is access/card's (OpenSSL).
 *
 * Guarantees: every answer is checked for its exact shape before use; at most
 * NFC_DF_XFER_MAX exchanges; on any error *out holds nothing of the file and
 * the session key is wiped. */
#ifndef LP_NFC_DESFIRE_H
#define LP_NFC_DESFIRE_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "access/card/card.h"
#include "access/nfc/nfc_cred.h"
#include "access/nfc/nfc_rdr.h"

#define NFC_DF_FRAME_MAX 59                  /* data bytes per card answer frame */
#define NFC_DF_ENC_LEN   ((CARD_FILE_SIZE + 4 + 15) / 16 * 16)  /* 272 */
#define NFC_DF_XFER_MAX  (3 + NFC_DF_ENC_LEN / 16 + 1)

typedef struct nfc_df_result {
    uint8_t file[CARD_FILE_SIZE];   /* the pass file, decrypted and checked */
} nfc_df_result_t;

/* 1 when card is a MIFARE DESFire (SAK 20, 7-byte UID starting 04, ATS
 * starting 75 77 81 02), else 0. */
int nfc_df_is_desfire(const nfc_card_t *card);

/* Runs the read over xfer/ctx with the card's read key. Returns 0,
 * LP_ERR_NOTFOUND (no labpass application on the card), LP_ERR_UNAUTH (the
 * card failed the authentication: wrong keys, a clone, another site),
 * LP_ERR_CRYPTO (an enciphered answer whose CRC32 or padding is wrong),
 * LP_ERR_INVALID (an answer off the protocol) or the transport's error. */
int nfc_df_exchange(nfc_xfer_fn xfer, void *ctx, const uint8_t key[DFC_KEY],
                    nfc_df_result_t *out) LP_MUST;

/* nfc_df_exchange with the card selected by nfc_rdr_poll(), each exchange
 * bounded by opts.xfer_ms and the whole read by opts.exchange_ms. */
int nfc_df_read(nfc_rdr_t *r, const uint8_t key[DFC_KEY], nfc_df_result_t *out) LP_MUST;

#endif
