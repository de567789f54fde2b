/* nfc_df_int.h: the DESFire exchange shared by the door's read
 * (nfc_desfire.c) and the desk's writes (nfc_dfwrite.c): wrapped native
 * commands over a bounded transport, SelectApplication and AuthenticateAES.
 * Internal to access/nfc. */
#ifndef LP_NFC_DF_INT_H
#define LP_NFC_DF_INT_H
#include <stddef.h>
#include <stdint.h>
#include "access/card/dfcrypt.h"
#include "access/nfc/nfc_cred.h"
#include "access/nfc/nfc_desfire.h"

#define SS_OK    0x00
#define SS_MORE  0xAF
#define SS_AUTH  0xAE
#define SS_NOAPP 0xA0
#define SS_PERM  0x9D
#define SS_DUP   0xDE

#define NFC_DF_TX_MAX 54    /* parameter bytes of one native command (55 with CMD) */

struct nfc_df_link {
    nfc_xfer_fn xfer;
    void *ctx;
    int budget;                       /* exchanges left */
    uint8_t sk[DFC_KEY], iv[DFC_BLOCK];
    uint8_t rx[NFC_DF_FRAME_MAX + 2];
    size_t data_len;                  /* answer bytes before 91 SS */
    uint8_t ss;
};

/* A transport context for nfc_df_rdr_xfer: the reader and the deadline of
 * the whole run. */
struct nfc_df_rdr_ctx {
    nfc_rdr_t *r;
    int64_t deadline_us;
};

/* Sends the native command cmd[0..n) (1..NFC_DF_TX_MAX + 1 bytes) wrapped as
 * 90 CMD 00 00 [Lc data] 00; the answer's data go to s->rx[0..s->data_len)
 * and its status to s->ss. Returns 0, LP_ERR_INVALID (no 91 SS, a frame over
 * the receive buffer, the exchange budget spent) or the transport's error. */
int nfc_df_cmd(struct nfc_df_link *s, const uint8_t *cmd, size_t n) LP_MUST;
/* SelectApplication aid (0 = PICC level). Returns 0, LP_ERR_NOTFOUND (91 A0)
 * or LP_ERR_INVALID. */
int nfc_df_select(struct nfc_df_link *s, uint32_t aid) LP_MUST;
/* AuthenticateAES with key key_no; on success s->sk is the channel key and
 * s->iv zero. Returns 0, LP_ERR_UNAUTH (91 AE or a wrong RndA'), LP_ERR_INVALID. */
int nfc_df_auth(struct nfc_df_link *s, uint8_t key_no, const uint8_t key[DFC_KEY]) LP_MUST;
/* nfc_xfer_fn over nfc_rdr_transceive with ctx a struct nfc_df_rdr_ctx. */
int nfc_df_rdr_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap,
                    size_t *rxlen);

#endif
