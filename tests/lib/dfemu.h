/* dfemu.h: an emulated MIFARE DESFire EV1 card for tests, at the level of
 * ISO 7816-4-wrapped native commands (what a PN532 delivers after it has
 * activated the card; tests/lib/pn532emu presents it in the field).
 *
 * What it covers, as far as labpass uses it (docs/access-protocol.md section
 * 18): GetVersion (three frames), SelectApplication, GetApplicationIDs,
 * AuthenticateAES (three-pass, channel key and IV as EV1), GetKeySettings,
 * GetKeyVersion, GetFileIDs, GetFileSettings, ReadData in plain, MACed and
 * enciphered modes with access rights, the running CMAC IV over commands and
 * answers, and answer frames of at most 59 data bytes chained with 91 AF.
 * Applications and files can be put on the card by the test (dfe_add_app,
 * dfe_add_file), as a desk would have left them, or made by a host: the
 * commands that change the card are in dfemu_write.c: CreateApplication
 * (AES applications only; at PICC level without authentication when the
 * PICC key settings allow free create, as the factory settings 0F do),
 * DeleteApplication (with the application's master key), ChangeKey (both
 * cryptogram forms, CRC32 checked, key version stored; changing the key of
 * the authentication ends it), CreateStdDataFile, CreateBackupDataFile, WriteData in
 * plain, MACed and enciphered modes gathered over 90 AF frames, and
 * CommitTransaction / AbortTransaction: a backup file's write is kept aside
 * until CommitTransaction and lost on AbortTransaction, SelectApplication or
 * a new selection of the card (dfe_reset), so a torn write keeps the old
 * content. Keys are AES-128 only; the PICC master key is the factory DES
 * key, so AuthenticateAES at PICC level is refused with 91 AE. Any error
 * answer ends the authentication, as on a card.
 *
 * Every input, however malformed, gets an answer ending in a status word:
 * `91 SS` for a wrapped command, `6E 00` for another class, `67 00` for a
 * malformed APDU. Not thread-safe: the caller serialises (pn532emu does). */
#ifndef LP_DFEMU_H
#define LP_DFEMU_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define DFE_UID_LEN   7
#define DFE_APPS_MAX  4
#define DFE_KEYS_MAX  14
#define DFE_FILES_MAX 4
#define DFE_FILE_MAX  512
#define DFE_FRAME_MAX 59           /* data bytes per answer frame */
#define DFE_RESP_MAX  (DFE_FRAME_MAX + 2)

typedef struct dfe dfe_t;

/* A factory-fresh card with UID uid[0..7) (first byte 04) and no
 * applications. Caller frees with dfe_destroy. Returns 0 or a negative lp_err. */
int dfe_create(dfe_t **out, const uint8_t uid[DFE_UID_LEN]);
/* Frees the card and wipes its keys; accepts NULL. */
void dfe_destroy(dfe_t *d);
/* The card's UID (borrowed for the card's life). */
const uint8_t *dfe_uid(const dfe_t *d);

/* Adds an application with nkeys (1..14) AES keys keys[i] of version vers[i]
 * (vers NULL: all 0) and key settings ks. Returns 0, LP_ERR_CONFLICT (AID
 * present), LP_ERR_TOOBIG (no room) or LP_ERR_INVALID. */
int dfe_add_app(dfe_t *d, uint32_t aid, uint8_t ks, unsigned nkeys,
                const uint8_t keys[][16], const uint8_t *vers);
/* Adds a data file (type 0 standard, 1 backup) of size bytes (1..DFE_FILE_MAX)
 * to application aid, communication settings comm (0, 1 or 3), access rights
 * ar (MDAR nibbles read, write, read&write, change), content data[0..len)
 * (len <= size; the rest zero). Returns 0 or a negative lp_err. */
int dfe_add_file(dfe_t *d, uint32_t aid, uint8_t file_no, uint8_t type, uint8_t comm,
                 uint16_t ar, const uint8_t *data, size_t len, size_t size);

/* Back to PICC level, unauthenticated (the card was selected again). */
void dfe_reset(dfe_t *d);
/* Fixes RndB for the next authentication (tests that replay a published
 * trace); NULL returns to fresh random numbers. */
void dfe_set_rndb(dfe_t *d, const uint8_t rndb[16]);

/* The PICC key settings (factory 0F; bit 2 clear: CreateApplication needs
 * the PICC master key, which this card cannot authenticate: 91 AE). */
void dfe_set_picc_settings(dfe_t *d, uint8_t ks);
/* Test hook for published traces: selects application aid and opens a
 * authentication with key key_no, channel key sk and IV zero, as if authenticated.
 * Returns 0 or LP_ERR_INVALID. */
int dfe_force_auth(dfe_t *d, uint32_t aid, int key_no, const uint8_t sk[16]);
/* The channel key (test hook to check a host's enciphered frames byte for
 * byte). Returns the authenticated key number, or -1 (not authenticated). */
int dfe_channel_key(const dfe_t *d, uint8_t sk[16]);
/* The committed content of a file (out holds at least its size). Returns 0,
 * LP_ERR_NOTFOUND or LP_ERR_TOOBIG. */
int dfe_file_content(dfe_t *d, uint32_t aid, uint8_t file_no, uint8_t *out, size_t cap,
                     size_t *len);
/* Key key_no of application aid and its version. Returns 0 or LP_ERR_NOTFOUND. */
int dfe_key(dfe_t *d, uint32_t aid, unsigned key_no, uint8_t key[16], uint8_t *version);

/* Counters for tests. */
typedef struct dfe_stats {
    unsigned cmds;        /* wrapped commands processed */
    unsigned auth_ok;     /* successful authentications */
    unsigned auth_fail;   /* authentications refused (91 AE) */
    unsigned writes;      /* WriteData commands accepted */
    unsigned commits;     /* CommitTransaction commands accepted */
    unsigned discards;    /* transactions thrown away with uncommitted writes */
} dfe_stats_t;
void dfe_get_stats(const dfe_t *d, dfe_stats_t *out);

/* Processes one APDU in[0..n) and writes the answer (data, then 91 SS or an
 * ISO status word) to out (at least DFE_RESP_MAX bytes), its length to *olen
 * (always >= 2). Returns 0, or LP_ERR_CRYPTO when libcrypto failed (the
 * answer is then 91 CA). */
int dfe_process(dfe_t *d, const uint8_t *in, size_t n, uint8_t *out, size_t *olen);

#endif
