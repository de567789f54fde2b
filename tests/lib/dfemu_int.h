/* dfemu_int.h: the emulated DESFire card's state, shared by dfemu.c (the
 * card's framing, selection, authentication and reads) and dfemu_write.c
 * (the commands that change the card). Not for tests: they use dfemu.h. */
#ifndef LP_DFEMU_INT_H
#define LP_DFEMU_INT_H
#include "tests/lib/dfemu.h"

/* Native status codes. */
enum {
    SS_OK = 0x00, SS_NO_CHANGES = 0x0C, SS_EEPROM_FULL = 0x0E, SS_ILLEGAL = 0x1C,
    SS_INTEGRITY = 0x1E, SS_NO_KEY = 0x40, SS_LENGTH = 0x7E, SS_PERMISSION = 0x9D,
    SS_PARAM = 0x9E, SS_NO_APP = 0xA0, SS_AUTH = 0xAE, SS_MORE = 0xAF,
    SS_BOUNDARY = 0xBE, SS_ABORTED = 0xCA, SS_DUPLICATE = 0xDE, SS_NO_FILE = 0xF0
};

struct dfe_file {
    int used;
    uint8_t no, type, comm;
    uint16_t ar;
    size_t size;
    uint8_t data[DFE_FILE_MAX];     /* committed content */
    uint8_t shadow[DFE_FILE_MAX];   /* backup file: the content written in this transaction */
    int dirty;                      /* backup file: shadow holds uncommitted writes */
};

struct dfe_app {
    int used;
    uint32_t aid;
    uint8_t ks;
    unsigned nkeys;
    uint8_t keys[DFE_KEYS_MAX][16];
    uint8_t vers[DFE_KEYS_MAX];
    struct dfe_file files[DFE_FILES_MAX];
};

/* A reply longer than one frame waits here for 90 AF continuations. */
#define OUT_MAX (DFE_FILE_MAX + 32)
/* A WriteData command gathered over 90 AF frames: CMD, 7 header bytes and
 * the data with its MAC or its CRC and padding. */
#define WIN_MAX (8 + DFE_FILE_MAX + 32)

struct dfe {
    uint8_t uid[DFE_UID_LEN];
    uint8_t picc_ks;              /* PICC key settings (factory 0F: free create) */
    struct dfe_app apps[DFE_APPS_MAX];
    struct dfe_app *sel;          /* NULL = PICC level */
    int auth_key;                 /* -1 = not authenticated */
    uint8_t sk[16], iv[16];       /* channel key and running IV */
    int auth_step;                /* 1 = E(RndB) sent, waiting for RndA || RndB' */
    int auth_no;
    uint8_t rndb[16], ernd_b[16], fixed_rndb[16];
    int fixed;
    uint8_t out[OUT_MAX];         /* pending frames */
    size_t out_len, out_off;
    int ver_frame;                /* GetVersion frames sent */
    uint8_t win[WIN_MAX];         /* WriteData being gathered */
    size_t win_len, win_need;     /* bytes held, bytes the command needs in all */
    int win_mode;                 /* 0 plain, 1 MACed, 3 enciphered */
    dfe_stats_t stats;
};

struct dfe_app *dfe_app_find(dfe_t *d, uint32_t aid);
struct dfe_file *dfe_file_find(dfe_t *d, uint8_t no);
uint32_t dfe_le24(const uint8_t *p);
void dfe_auth_end(dfe_t *d);
void dfe_put_status(uint8_t *out, size_t *olen, size_t at, uint8_t ss);
/* An error answer: 91 SS, no CMAC; the authentication and any pending frames end. */
int dfe_fail(dfe_t *d, uint8_t ss, uint8_t *out, size_t *olen);
/* A successful answer of data[0..len) (len may be 0), with the CMAC of
 * data || 00 when the card is authenticated. */
int dfe_answer_plain(dfe_t *d, const uint8_t *data, size_t len, uint8_t *out, size_t *olen);

/* The commands of dfemu_write.c: c = CMD || params (native), n bytes. */
int dfe_cmd_create_app(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);
int dfe_cmd_delete_app(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);
int dfe_cmd_change_key(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);
int dfe_cmd_create_file(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);
int dfe_cmd_write(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);
int dfe_cmd_commit(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);
int dfe_cmd_abort(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);
/* 90 AF with more WriteData bytes p[0..n). */
int dfe_write_more(dfe_t *d, const uint8_t *p, size_t n, uint8_t *out, size_t *olen);
/* Throws away every uncommitted backup-file write (reset, another
 * application selected, AbortTransaction). */
void dfe_txn_discard(dfe_t *d);

#endif
