/* nfc_rdr.c: the door's NFC reader over libnfc (see nfc_rdr.h).
 * libnfc calls that take no timeout (InAutoPoll, InPSL, target mode) are not
 * used; every other call is bounded by xfer_ms. */
#include "access/nfc/nfc_rdr.h"
#include <nfc/nfc.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/log.h"

#define COMPONENT "nfc"

struct nfc_rdr {
    nfc_context *ctx;
    nfc_device *dev;
    char connstring[NFC_BUFSIZE_CONNSTRING];
    nfc_rdr_opts_t opts;
    nfc_target target;
    int have_target;
    int lock_fd;               /* flock on a serial device path, or -1 */
};

void nfc_rdr_opts_default(nfc_rdr_opts_t *o)
{
    o->xfer_ms = 300;
    o->poll_gap_ms = 50;
    o->present_gap_ms = 100;
    o->exchange_ms = 2000;
}

static void opts_fill(nfc_rdr_opts_t *dst, const nfc_rdr_opts_t *src)
{
    nfc_rdr_opts_default(dst);
    if (!src) return;
    if (src->xfer_ms > 0) dst->xfer_ms = src->xfer_ms;
    if (src->poll_gap_ms > 0) dst->poll_gap_ms = src->poll_gap_ms;
    if (src->present_gap_ms > 0) dst->present_gap_ms = src->present_gap_ms;
    if (src->exchange_ms > 0) dst->exchange_ms = src->exchange_ms;
}

/* libnfc error -> lp_err; chip_timeout is what NFC_ETIMEOUT means here. */
static int map_err(int nfc_err, int chip_timeout)
{
    static const struct { int nfc, lp; } map[] = {
        { NFC_EOVFLOW, LP_ERR_TOOBIG },
        { NFC_ESOFT, LP_ERR_NOMEM },
    };
    if (nfc_err == NFC_ETIMEOUT) return chip_timeout;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].nfc == nfc_err) return map[i].lp;
    return LP_ERR_IO;
}

static void sleep_ms(int ms)
{
    if (ms <= 0) return;
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {}
}

static int dev_setup(nfc_rdr_t *r)
{
    if (nfc_initiator_init(r->dev) < 0) return LP_ERR_IO;
    if (nfc_device_set_property_bool(r->dev, NP_INFINITE_SELECT, false) < 0) return LP_ERR_IO;
    if (nfc_device_set_property_bool(r->dev, NP_AUTO_ISO14443_4, true) < 0) return LP_ERR_IO;
    if (nfc_device_set_property_int(r->dev, NP_TIMEOUT_COMMAND, r->opts.xfer_ms) < 0) return LP_ERR_IO;
    return 0;
}

static int dev_open(nfc_rdr_t *r)
{
    r->have_target = 0;
    r->dev = nfc_open(r->ctx, r->connstring);
    if (!r->dev) {
        log_warn(COMPONENT, "cannot open reader %s", r->connstring);
        return LP_ERR_IO;
    }
    int rc = dev_setup(r);
    if (rc != 0) {
        log_warn(COMPONENT, "reader %s: initiator setup failed: %s", r->connstring, nfc_strerror(r->dev));
        nfc_close(r->dev);
        r->dev = NULL;
    }
    return rc;
}

/* For "driver:/path[:speed]" connection strings, takes an exclusive advisory
 * lock on the device node, so two readers (two door processes) never share a
 * serial line; libnfc's own "claimed" flag does not survive on every tty. */
static int lock_device(nfc_rdr_t *r)
{
    const char *c = strchr(r->connstring, ':');
    if (!c || c[1] != '/') return 0;
    char path[NFC_BUFSIZE_CONNSTRING];
    size_t n = strcspn(c + 1, ":");
    memcpy(path, c + 1, n);
    path[n] = '\0';
    r->lock_fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (r->lock_fd < 0) return LP_ERR_IO;
    if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        log_warn(COMPONENT, "reader %s is in use", path);
        return LP_ERR_BUSY;
    }
    return 0;
}

int nfc_rdr_open(const char *connstring, const nfc_rdr_opts_t *opts, nfc_rdr_t **out)
{
    if (!connstring || !out) return LP_ERR_INVALID;
    *out = NULL;
    size_t n = strlen(connstring);
    if (n == 0 || n >= NFC_BUFSIZE_CONNSTRING) return LP_ERR_INVALID;
    nfc_rdr_t *r = calloc(1, sizeof *r);
    if (!r) return LP_ERR_NOMEM;
    memcpy(r->connstring, connstring, n + 1);
    r->lock_fd = -1;
    opts_fill(&r->opts, opts);
    nfc_init(&r->ctx);
    int rc = r->ctx ? lock_device(r) : LP_ERR_NOMEM;
    if (rc == 0) rc = dev_open(r);
    if (rc != 0) {
        nfc_rdr_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void nfc_rdr_close(nfc_rdr_t *r)
{
    if (!r) return;
    if (r->dev) nfc_close(r->dev);
    if (r->ctx) nfc_exit(r->ctx);
    if (r->lock_fd >= 0) close(r->lock_fd);
    free(r);
}

int nfc_rdr_reopen(nfc_rdr_t *r)
{
    if (!r) return LP_ERR_INVALID;
    if (r->dev) nfc_close(r->dev);
    r->dev = NULL;
    return dev_open(r);
}

const nfc_rdr_opts_t *nfc_rdr_opts(const nfc_rdr_t *r)
{
    return &r->opts;
}

enum nfc_card_kind nfc_rdr_classify(const uint8_t atqa[2], uint8_t sak)
{
    if (sak & 0x20) return NFC_CARD_ISODEP;
    if (sak == 0x00 && atqa[0] == 0x00 && atqa[1] == 0x44) return NFC_CARD_T2;
    return NFC_CARD_OTHER;
}

static void card_from_target(const nfc_target *nt, nfc_card_t *c)
{
    const nfc_iso14443a_info *a = &nt->nti.nai;
    memset(c, 0, sizeof *c);
    memcpy(c->atqa, a->abtAtqa, 2);
    c->sak = a->btSak;
    c->uid_len = a->szUidLen <= sizeof c->uid ? a->szUidLen : sizeof c->uid;
    memcpy(c->uid, a->abtUid, c->uid_len);
    c->ats_len = a->szAtsLen <= sizeof c->ats ? a->szAtsLen : 0;
    memcpy(c->ats, a->abtAts, c->ats_len);
    c->kind = nfc_rdr_classify(c->atqa, c->sak);
}

int nfc_rdr_poll(nfc_rdr_t *r, int timeout_ms, nfc_card_t *card)
{
    if (!r || !card) return LP_ERR_INVALID;
    if (!r->dev) return LP_ERR_STATE;
    const nfc_modulation nm = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };
    int64_t deadline = clk_mono_us() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
    r->have_target = 0;
    for (;;) {
        nfc_target nt;
        int res = nfc_initiator_select_passive_target(r->dev, nm, NULL, 0, &nt);
        if (res > 0) {
            r->target = nt;
            r->have_target = 1;
            card_from_target(&nt, card);
            return 0;
        }
        if (res < 0) {
            log_warn(COMPONENT, "field scan failed: %s", nfc_strerror(r->dev));
            return map_err(res, LP_ERR_IO);   /* a silent chip is a fault here */
        }
        int64_t left_ms = (deadline - clk_mono_us()) / 1000;
        if (left_ms <= 0) return LP_ERR_TIMEOUT;
        sleep_ms(left_ms < r->opts.poll_gap_ms ? (int)left_ms : r->opts.poll_gap_ms);
    }
}

int nfc_rdr_transceive(nfc_rdr_t *r, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap,
                       size_t *rxlen)
{
    if (!r || !tx || !rx || !rxlen || txlen == 0 || txlen > NFC_RDR_TX_MAX || rxcap == 0)
        return LP_ERR_INVALID;
    *rxlen = 0;
    if (!r->dev || !r->have_target) return LP_ERR_STATE;
    int res = nfc_initiator_transceive_bytes(r->dev, tx, txlen, rx, rxcap, r->opts.xfer_ms);
    if (res < 0) {
        log_debug(COMPONENT, "exchange failed: %s", nfc_strerror(r->dev));
        return map_err(res, LP_ERR_TIMEOUT);
    }
    if ((size_t)res > rxcap) return LP_ERR_TOOBIG;
    *rxlen = (size_t)res;
    return 0;
}

/* One tag command whose answer must be exactly want bytes. */
static int t2_cmd(nfc_rdr_t *r, const uint8_t *tx, size_t txlen, uint8_t *out, size_t want)
{
    uint8_t rx[32];
    size_t n = 0;
    int rc = nfc_rdr_transceive(r, tx, txlen, rx, sizeof rx, &n);
    if (rc != 0) return rc;
    if (n != want) return LP_ERR_INVALID;
    memcpy(out, rx, want);
    return 0;
}

int nfc_rdr_t2_read(nfc_rdr_t *r, uint8_t page, uint8_t out[16])
{
    const uint8_t tx[2] = { 0x30, page };
    return t2_cmd(r, tx, sizeof tx, out, 16);
}

int nfc_rdr_t2_version(nfc_rdr_t *r, uint8_t out[8])
{
    const uint8_t tx[1] = { 0x60 };
    return t2_cmd(r, tx, sizeof tx, out, 8);
}

int nfc_rdr_t2_write(nfc_rdr_t *r, uint8_t page, const uint8_t data[4])
{
    if (!data) return LP_ERR_INVALID;
    const uint8_t tx[6] = { 0xA2, page, data[0], data[1], data[2], data[3] };
    uint8_t rx[16];
    size_t n = 0;
    int rc = nfc_rdr_transceive(r, tx, sizeof tx, rx, sizeof rx, &n);
    if (rc != 0) return rc;
    /* The chip reports the tag's ACK as plain success; some pass it on. */
    if (n == 0 || (n == 1 && rx[0] == 0x0A)) return 0;
    return LP_ERR_IO;
}

/* 1 present, 0 gone, <0 error. */
static int present_once(nfc_rdr_t *r)
{
    int res = nfc_initiator_target_is_present(r->dev, NULL);
    if (res == NFC_SUCCESS) return 1;
    if (res == NFC_EDEVNOTSUPP) {
        /* No ping for this card type: look for its UID in the field. */
        const nfc_modulation nm = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };
        const nfc_iso14443a_info *a = &r->target.nti.nai;
        nfc_target nt;
        res = nfc_initiator_select_passive_target(r->dev, nm, a->abtUid, a->szUidLen, &nt);
        if (res < 0) return map_err(res, LP_ERR_IO);
        return res > 0;
    }
    if (res == NFC_ETGRELEASED || res == NFC_ERFTRANS || res == NFC_EINVARG) return 0;
    return map_err(res, LP_ERR_IO);
}

int nfc_rdr_wait_removal(nfc_rdr_t *r, int timeout_ms)
{
    if (!r) return LP_ERR_INVALID;
    if (!r->dev) return LP_ERR_STATE;
    if (!r->have_target) return 0;
    int64_t deadline = clk_mono_us() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
    for (;;) {
        int p = present_once(r);
        if (p < 0) return p;
        if (p == 0) {
            r->have_target = 0;
            return 0;
        }
        int64_t left_ms = (deadline - clk_mono_us()) / 1000;
        if (left_ms <= 0) return LP_ERR_TIMEOUT;
        sleep_ms(left_ms < r->opts.present_gap_ms ? (int)left_ms : r->opts.present_gap_ms);
    }
}

int nfc_rdr_release(nfc_rdr_t *r)
{
    if (!r) return LP_ERR_INVALID;
    if (!r->dev) return LP_ERR_STATE;
    if (!r->have_target) return 0;
    r->have_target = 0;
    return nfc_initiator_deselect_target(r->dev) < 0 ? LP_ERR_IO : 0;
}
