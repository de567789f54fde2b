/* nfc_rdr.h: the door's NFC reader over libnfc (PN532 over UART, ACR122U,
 * or anything else libnfc opens by connection string).
 *
 * Guarantees:
 * - Every call into libnfc carries a finite timeout: card exchanges and chip
 *   commands use opts.xfer_ms; the field is scanned with single
 *   InListPassiveTarget rounds (NP_INFINITE_SELECT off), never with
 *   InAutoPoll, whose libnfc call waits without a timeout.
 * - Card answers are copied only within the caller's bounds; what the chip
 *   reports (UID, ATS) is clamped to the nfc_card_t arrays.
 * - A reader whose device failed stays usable: nfc_rdr_reopen() closes and
 *   opens the device again (the door's watchdog calls it).
 * One nfc_rdr_t is used by one thread at a time. */
#ifndef LP_NFC_RDR_H
#define LP_NFC_RDR_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define NFC_RDR_TX_MAX 262   /* longest frame handed to the chip for a card */

typedef struct nfc_rdr nfc_rdr_t;

typedef struct nfc_rdr_opts {
    int xfer_ms;         /* timeout of one chip command or card exchange (default 300) */
    int poll_gap_ms;     /* pause between two scans of the field (default 50) */
    int present_gap_ms;  /* pause between two presence checks (default 100) */
    int exchange_ms;     /* budget for one whole credential read (default 2000) */
} nfc_rdr_opts_t;

enum nfc_card_kind {
    NFC_CARD_OTHER = 0,  /* neither of the below: not a labpass medium */
    NFC_CARD_ISODEP,     /* ISO 14443-4 (SAK bit 0x20): phone or smart card, APDUs */
    NFC_CARD_T2,         /* NFC Forum Type 2 (ATQA 00 44, SAK 00): NTAG21x, Ultralight */
};

typedef struct nfc_card {
    enum nfc_card_kind kind;
    uint8_t atqa[2];
    uint8_t sak;
    uint8_t uid[10];
    size_t uid_len;
    uint8_t ats[254];    /* without its length byte */
    size_t ats_len;
} nfc_card_t;

/* The defaults above. */
void nfc_rdr_opts_default(nfc_rdr_opts_t *o);
/* Opens the device named by connstring (e.g. "pn532_uart:/dev/ttyS0") as an
 * initiator. opts may be NULL for the defaults; values <= 0 take defaults.
 * A serial device ("driver:/dev/...") is locked (flock) while open.
 * Caller owns *out and frees it with nfc_rdr_close(). Returns 0,
 * LP_ERR_INVALID, LP_ERR_NOMEM, LP_ERR_BUSY (another reader holds the
 * device) or LP_ERR_IO (device absent or mute). */
int nfc_rdr_open(const char *connstring, const nfc_rdr_opts_t *opts, nfc_rdr_t **out) LP_MUST;
/* Releases the target, switches the field off, closes; accepts NULL. */
void nfc_rdr_close(nfc_rdr_t *r);
/* Closes the device and opens it again with the same settings. On failure the
 * reader stays closed (calls return LP_ERR_STATE) until a reopen succeeds. */
int nfc_rdr_reopen(nfc_rdr_t *r) LP_MUST;
/* The effective options (borrowed). */
const nfc_rdr_opts_t *nfc_rdr_opts(const nfc_rdr_t *r);

/* Classifies a target by ATQA and SAK. */
enum nfc_card_kind nfc_rdr_classify(const uint8_t atqa[2], uint8_t sak);
/* Scans the field until a card answers or timeout_ms passes (0: one scan).
 * On success fills *card and keeps the card selected for the calls below.
 * Returns 0, LP_ERR_TIMEOUT (no card), LP_ERR_STATE or LP_ERR_IO. */
int nfc_rdr_poll(nfc_rdr_t *r, int timeout_ms, nfc_card_t *card) LP_MUST;
/* One exchange with the selected card: tx[0..txlen) (1..NFC_RDR_TX_MAX) out,
 * the answer into rx[0..rxcap), its length in *rxlen. For ISO 14443-4 cards
 * tx and rx are APDUs; for Type 2 tags, tag commands. Returns 0,
 * LP_ERR_TIMEOUT (chip silent), LP_ERR_TOOBIG (answer over rxcap),
 * LP_ERR_IO (card gone, RF or framing error), LP_ERR_STATE, LP_ERR_INVALID. */
int nfc_rdr_transceive(nfc_rdr_t *r, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap,
                       size_t *rxlen) LP_MUST;
/* Type 2 READ (30): 16 bytes from page on (four pages). */
int nfc_rdr_t2_read(nfc_rdr_t *r, uint8_t page, uint8_t out[16]) LP_MUST;
/* Type 2 WRITE (A2): one page. */
int nfc_rdr_t2_write(nfc_rdr_t *r, uint8_t page, const uint8_t data[4]) LP_MUST;
/* NTAG GET_VERSION (60): 8 bytes. */
int nfc_rdr_t2_version(nfc_rdr_t *r, uint8_t out[8]) LP_MUST;
/* Waits until the selected card has left the field. Returns 0 (gone, or no
 * card selected), LP_ERR_TIMEOUT (still there after timeout_ms) or LP_ERR_IO. */
int nfc_rdr_wait_removal(nfc_rdr_t *r, int timeout_ms) LP_MUST;
/* Deselects the card (it then ignores scans until it re-enters the field or
 * the field is reset). Call after nfc_rdr_wait_removal, not before. */
int nfc_rdr_release(nfc_rdr_t *r);

#endif
