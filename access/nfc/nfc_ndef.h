/* nfc_ndef.h: a labpass pass as NDEF on an NFC Forum Type 2 tag (NTAG21x).
 *
 * Layout (docs/access-protocol.md section 14): page 3 holds the capability container
 * (E1 1x SIZE 0x), the data area from page 4 holds TLVs; the first NDEF
 * Message TLV (03) holds exactly one NDEF record: MB=ME=1, CF=0, IL=0,
 * TNF=4 (NFC Forum external type), type "labpass.org:pass", payload = the
 * pass bytes (1..CRED_PASS_MAX). Short (SR) form up to 255 bytes, long form
 * above.
 *
 * Pure functions: no I/O, no allocation; parsers read only inside the given
 * bounds, bound every length by the capability container and refuse anything
 * off the layout above (LP_ERR_INVALID, LP_ERR_TOOBIG for a pass over
 * CRED_PASS_MAX, LP_ERR_NOTFOUND for a well-formed tag without a pass). */
#ifndef LP_NFC_NDEF_H
#define LP_NFC_NDEF_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "access/credential/cred.h"

#define NFC_NDEF_TYPE      "labpass.org:pass"
#define NFC_NDEF_TYPE_LEN  16
#define NFC_T2_PAGE_LEN    4
#define NFC_T2_READ_LEN    16                 /* one READ answers four pages */
#define NFC_T2_HDR_LEN     16                 /* pages 0..3: UID, lock bytes, CC */
#define NFC_T2_AREA_MAX    (255 * 8)          /* largest data area a CC can announce */
#define NFC_T2_MEM_MAX     (NFC_T2_HDR_LEN + NFC_T2_AREA_MAX)
/* Longest TLV area nfc_ndef_t2_encode writes: TLV head, record head, type,
 * payload, terminator, padding. */
#define NFC_T2_ENC_MAX     (4 + 6 + NFC_NDEF_TYPE_LEN + CRED_PASS_MAX + 1 + 3)

/* Writes the NDEF record for pass[0..len) to out[0..cap), length in *outlen.
 * Returns 0, LP_ERR_INVALID or LP_ERR_TOOBIG. */
int nfc_ndef_record_encode(const uint8_t *pass, size_t len, uint8_t *out, size_t cap,
                           size_t *outlen) LP_MUST;
/* Parses an NDEF message msg[0..len) holding exactly one labpass record.
 * *pass points into msg (borrowed while msg lives). */
int nfc_ndef_record_parse(const uint8_t *msg, size_t len, const uint8_t **pass,
                          size_t *pass_len) LP_MUST;

/* Checks a capability container (page 3) for NDEF read access and returns
 * the data area size in bytes. */
int nfc_ndef_t2_cc(const uint8_t cc[4], size_t *area) LP_MUST;
/* The TLV area for pass (written from page 4 on): NDEF Message TLV, the
 * record, a Terminator TLV, zero padding to whole pages. */
int nfc_ndef_t2_encode(const uint8_t *pass, size_t len, uint8_t *out, size_t cap,
                       size_t *outlen) LP_MUST;
/* Given the first len bytes of tag memory (from page 0), how many bytes from
 * page 0 are needed to hold the whole NDEF message: *need <= len means
 * complete, otherwise read on. Never more than 16 + the CC's data area. */
int nfc_ndef_t2_need(const uint8_t *mem, size_t len, size_t *need) LP_MUST;
/* Parses tag memory mem[0..len) (from page 0) and points *pass at the pass
 * inside it (borrowed while mem lives). */
int nfc_ndef_t2_parse(const uint8_t *mem, size_t len, const uint8_t **pass,
                      size_t *pass_len) LP_MUST;

#endif
