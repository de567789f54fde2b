/* nfc_tag.h: a labpass pass on an NTAG21x / Type 2 tag, through the reader:
 * reading it at the door, and writing it in the door's staff encode mode.
 * Layout in nfc_ndef.h and docs/access-protocol.md section 14.
 *
 * Guarantees: reads only as many pages as the NDEF TLV needs, never beyond
 * the capability container's data area nor page 255; writes only NTAG213/
 * 215/216 with an NDEF capability container (writing one on a blank tag),
 * never touches lock or configuration pages, keeps the tag readable as a
 * valid (empty) NDEF tag while writing, and verifies by reading back. */
#ifndef LP_NFC_TAG_H
#define LP_NFC_TAG_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "access/nfc/nfc_rdr.h"

/* Reads the pass from the Type 2 tag selected by nfc_rdr_poll() into
 * pass[0..cap), its length in *len. Returns 0, LP_ERR_NOTFOUND (no labpass
 * NDEF record), LP_ERR_INVALID (malformed), LP_ERR_TOOBIG, or the reader's
 * error. */
int nfc_tag_read_pass(nfc_rdr_t *r, uint8_t *pass, size_t cap, size_t *len) LP_MUST;
/* Writes pass[0..len) as the tag's only NDEF record and reads it back.
 * Returns 0, LP_ERR_INVALID (not an NTAG21x, or a foreign CC), LP_ERR_TOOBIG
 * (does not fit), LP_ERR_FORBIDDEN (tag locked read-only), LP_ERR_IO
 * (write or read-back failed), or the reader's error. */
int nfc_tag_write_pass(nfc_rdr_t *r, const uint8_t *pass, size_t len) LP_MUST;

#endif
