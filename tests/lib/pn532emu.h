/* pn532emu.h: an emulated NXP PN532 on a pseudo-terminal, for tests.
 *
 * emu_start() opens a pty pair in raw mode and answers, from its own thread,
 * the PN532 UART frame protocol well enough for libnfc's unchanged pn532_uart
 * driver ("pn532_uart:" + pty path) and libnfc-bin's tools: wake-up bytes,
 * ACK/NACK, normal and extended frames, checksums, host aborts, and the
 * commands libnfc 1.8.0 sends (Diagnose, GetFirmwareVersion, GetGeneralStatus,
 * Read/WriteRegister, SetParameters, SAMConfiguration, PowerDown,
 * RFConfiguration, InListPassiveTarget, InAutoPoll, InDataExchange,
 * InCommunicateThru, InSelect, InDeselect, InRelease). Unknown commands get
 * the application-level error frame.
 *
 * The test scripts what is in the field: nothing, an NTAG215 (ATQA 00 44,
 * SAK 00, 7-byte UID; READ, WRITE, FAST_READ, GET_VERSION, READ_SIG, HLTA,
 * OTP and lock-bit rules), a labpass credential (ISO 14443-4: ATQA 00 04,
 * SAK 20, ATS; APDUs go to access/credential), a MIFARE DESFire EV1 card
 * (ATQA 03 44, SAK 20, 7-byte UID, ATS 06 75 77 81 02 80; wrapped native
 * commands go to tests/lib/dfemu), or a foreign ISO 14443-4 card without the
 * labpass application (answers 6A82). Faults corrupt chosen
 * answers (junk, truncation, bad checksums, error frame, silence, delay) or
 * take the card away after a number of card exchanges.
 *
 * Behaviour worth knowing: an answer that is delayed (EMU_FAULT_SLOW, or
 * InListPassiveTarget with infinite retries and an empty field) is dropped
 * when the host sends anything before it is due, as the chip abandons a
 * command on a host ACK. Host frames with bad checksums are ignored (no ACK).
 * A deselected or released card stays halted until the field is switched
 * off or the card is presented again.
 *
 * All functions are thread-safe. Set LABPASS_EMU_TRACE=1 to see every frame
 * on stderr. */
#ifndef LP_PN532EMU_H
#define LP_PN532EMU_H
#include <stddef.h>
#include <stdint.h>
#include "access/credential/cred.h"
#include "tests/lib/dfemu.h"

#define EMU_NTAG_PAGES     135              /* NTAG215: pages 0x00..0x86 */
#define EMU_NTAG_MEM       (EMU_NTAG_PAGES * 4)
#define EMU_NTAG_DATA_MAX  ((0x82 - 4) * 4) /* user pages 4..0x81: 504 bytes */

extern const uint8_t emu_ntag_uid[7];       /* 04 A1 B2 C3 D4 E5 F6 */
extern const uint8_t emu_cred_uid[4];       /* 08 A1 B2 C3 (a random-UID phone) */
extern const uint8_t emu_cred_ats[5];       /* 05 78 80 70 02, with its length byte */

typedef struct emu emu_t;

enum emu_fault_kind {
    EMU_FAULT_NONE = 0,
    EMU_FAULT_GARBAGE,     /* the answer frame is replaced by junk bytes */
    EMU_FAULT_TRUNCATE,    /* only the first half of the answer frame is sent */
    EMU_FAULT_BAD_DCS,     /* the answer has a wrong data checksum */
    EMU_FAULT_BAD_LCS,     /* the answer has a wrong length checksum */
    EMU_FAULT_ERROR_FRAME, /* the application-level error frame instead */
    EMU_FAULT_NO_ACK,      /* the command is swallowed: no ACK, no answer */
    EMU_FAULT_SLOW,        /* ACK at once, the answer after delay_ms */
    EMU_FAULT_VANISH,      /* after `skip` card exchanges the card leaves the field;
                              that exchange answers `status`, later ones time out */
};

typedef struct emu_fault {
    enum emu_fault_kind kind;
    uint8_t cmd;        /* PN532 command code it applies to (0x40 InDataExchange, ...); 0 = any */
    unsigned skip;      /* matching commands (VANISH: card exchanges) let through first */
    unsigned count;     /* matching commands corrupted after the skip (0 means 1) */
    unsigned delay_ms;  /* EMU_FAULT_SLOW */
    uint8_t status;     /* EMU_FAULT_VANISH: 0x01 timeout (default), 0x29 released, ... */
} emu_fault_t;

typedef struct emu_stats {
    unsigned frames;      /* good host frames */
    unsigned bad_frames;  /* host frames dropped (checksum, length, TFI) */
    unsigned acks;        /* ACK frames from the host (aborts) */
    unsigned nacks;       /* NACK frames from the host (resend requests) */
    unsigned aborted;     /* delayed answers dropped because the host moved on */
    unsigned lists;       /* InListPassiveTarget / InAutoPoll commands */
    unsigned card_cmds;   /* InDataExchange / InCommunicateThru commands */
    unsigned apdus;       /* APDUs that reached the credential */
    unsigned faults;      /* faults injected */
    int field;            /* RF field on */
} emu_stats_t;

/* Starts the emulator with an empty field. *pty_path (may be NULL) is the
 * slave path, borrowed until emu_stop(). Caller stops it with emu_stop().
 * Returns 0 or a negative lp_err. */
int emu_start(emu_t **out, const char **pty_path);
/* Stops the thread, closes the pty and frees; accepts NULL. Close libnfc's
 * device first. */
void emu_stop(emu_t *e);
/* "pn532_uart:<pty path>" (borrowed until emu_stop). */
const char *emu_connstring(const emu_t *e);

/* Empties the field (the card is taken away). */
void emu_present_none(emu_t *e);
/* Presents a factory-fresh NTAG215 whose data area (from page 4) starts with
 * data[0..len) (len <= EMU_NTAG_DATA_MAX); NULL/0 gives the factory
 * content 03 00 FE (an empty NDEF message). Returns 0 or LP_ERR_TOOBIG. */
int emu_present_ntag(emu_t *e, const uint8_t *data, size_t len);
/* Presents a labpass credential running cred (borrowed until the field
 * changes or emu_stop; do not use it meanwhile). */
void emu_present_credential(emu_t *e, cred_t *cred);
/* Presents a DESFire card running card (borrowed until the field changes or
 * emu_stop; do not use it meanwhile). A new selection resets it to PICC level. */
void emu_present_desfire(emu_t *e, dfe_t *card);
/* Presents an ISO 14443-4 card without the labpass application. */
void emu_present_foreign(emu_t *e);
/* Overwrites NTAG page `page` directly (no OTP or lock rules), e.g. to blank
 * the CC or set lock bits. Returns 0, LP_ERR_STATE (no NTAG) or LP_ERR_INVALID. */
int emu_ntag_poke(emu_t *e, unsigned page, const uint8_t data[4]);
/* Copies the NTAG memory (EMU_NTAG_MEM bytes) to mem. Returns 0 or LP_ERR_STATE. */
int emu_ntag_read(emu_t *e, uint8_t mem[EMU_NTAG_MEM]);

/* Arms a fault (replacing any armed one); NULL disarms. */
void emu_set_fault(emu_t *e, const emu_fault_t *f);
/* A copy of the counters. */
void emu_get_stats(emu_t *e, emu_stats_t *out);

#endif
