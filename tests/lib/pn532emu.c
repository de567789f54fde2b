/* pn532emu.c: an emulated PN532 on a pseudo-terminal (see pn532emu.h).
 *
 * One thread owns the pty master. It reads host bytes, cuts them into frames
 * (start code 00 FF, LEN/LCS or extended LENM/LENL/LCS, TFI D4, DCS), ACKs
 * each good command frame and answers through a table of command handlers.
 * An answer may be held back (slow fault, waiting for a card); any host byte
 * arriving meanwhile drops it. State is guarded by one mutex, which the API
 * functions take too; a pipe wakes the thread when the field changes. */
#include "tests/lib/pn532emu.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/err.h"

#define RX_MAX        2048
#define DATA_MAX      264      /* PN532 frame data limit (command code included) */
#define FRAME_MAX     (DATA_MAX + 11)
#define STALE_US      100000   /* a half-received frame is dropped after this silence */
#define T2_NAK        0x14     /* the status this emulator reports for a tag NAK */
#define ST_TIMEOUT    0x01     /* PN532 status: the target did not answer */
#define ST_CONTEXT    0x27     /* PN532 status: command not acceptable in context */
#define PARAM_AUTO_RATS 0x10
#define REG_TXMODE    0x6302   /* CIU_TxMode: bit 7 TxCRCEn */
#define REG_RXMODE    0x6303   /* CIU_RxMode: bit 7 RxCRCEn */

const uint8_t emu_ntag_uid[7] = { 0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6 };
const uint8_t emu_cred_uid[4] = { 0x08, 0xA1, 0xB2, 0xC3 };
const uint8_t emu_cred_ats[5] = { 0x05, 0x78, 0x80, 0x70, 0x02 };
static const uint8_t foreign_uid[4] = { 0x5A, 0x11, 0x22, 0x33 };
static const uint8_t desfire_ats[6] = { 0x06, 0x75, 0x77, 0x81, 0x02, 0x80 };
static const uint8_t ack_frame[6] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00 };
static const uint8_t error_frame[8] = { 0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00 };
static const uint8_t ntag215_version[8] = { 0x00, 0x04, 0x04, 0x02, 0x01, 0x00, 0x11, 0x03 };

enum card_kind { CARD_NONE, CARD_NTAG, CARD_CRED, CARD_FOREIGN, CARD_DESFIRE };

struct card {
    enum card_kind kind;
    const uint8_t *uid;
    size_t uid_len;
    uint8_t atqa[2], sak;
    uint8_t mem[EMU_NTAG_MEM];
    cred_t *cred;
    dfe_t *df;
    int halted, active, iso4;
    uint8_t block;             /* ISO-DEP block number, for raw frames */
};

enum { H_ANSWER, H_WAIT, H_SYNTAX };   /* what a command handler decided */

struct pending {
    int kind;                  /* 0 none, P_SEND or P_WAIT */
    int64_t due_us;            /* P_SEND: when; P_WAIT: give up then (0 = never) */
    uint8_t buf[FRAME_MAX];    /* P_SEND: the frame; P_WAIT: the command */
    size_t len;
};
#define P_SEND 1
#define P_WAIT 2

struct emu {
    pthread_t thread;
    pthread_mutex_t mu;
    int master, slave, wake[2];
    int stop, trace;
    char path[128];
    char connstring[160];
    struct card card;
    uint8_t regs[65536];
    uint8_t params, retry_passive;
    int rerun;                 /* a waiting command is being run again */
    int wait_final;            /* a waiting handler must answer now */
    int64_t wait_due_us;       /* set by a handler that waits with a limit */
    emu_fault_t fault;
    unsigned fault_seen, fault_done;
    emu_stats_t stats;
    uint8_t rx[RX_MAX];
    size_t rx_len;
    int64_t rx_last_us;
    uint8_t last[FRAME_MAX];   /* the last answer frame, for NACK */
    size_t last_len;
    struct pending pend;
};

typedef int (*cmd_fn)(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen);

/* ---- output ---- */

static void trace(emu_t *e, const char *dir, const uint8_t *b, size_t n)
{
    if (!e->trace) return;
    fprintf(stderr, "pn532emu %s", dir);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %02X", b[i]);
    fputc('\n', stderr);
}

static void send_bytes(emu_t *e, const uint8_t *b, size_t n)
{
    trace(e, "->", b, n);
    size_t off = 0;
    for (int tries = 0; off < n && tries < 50; tries++) {
        ssize_t w = write(e->master, b + off, n - off);
        if (w > 0) { off += (size_t)w; continue; }
        if (w < 0 && errno != EAGAIN && errno != EINTR) return;
        struct pollfd p = { e->master, POLLOUT, 0 };
        poll(&p, 1, 10);
    }
}

/* Frame for answer code `code` with data[0..n); returns its length. */
static size_t build_frame(uint8_t code, const uint8_t *data, size_t n, uint8_t *f)
{
    size_t len = n + 2, i = 0;
    f[i++] = 0x00; f[i++] = 0x00; f[i++] = 0xFF;
    if (len <= 255) {
        f[i++] = (uint8_t)len;
        f[i++] = (uint8_t)(0x100 - len);
    } else {
        f[i++] = 0xFF; f[i++] = 0xFF;
        f[i++] = (uint8_t)(len >> 8); f[i++] = (uint8_t)len;
        f[i++] = (uint8_t)(0x100 - ((f[5] + f[6]) & 0xFF));
    }
    uint8_t sum = 0xD5 + code;
    f[i++] = 0xD5; f[i++] = code;
    for (size_t k = 0; k < n; k++) { f[i++] = data[k]; sum += data[k]; }
    f[i++] = (uint8_t)(0x100 - sum);
    f[i++] = 0x00;
    return i;
}

/* ---- the field ---- */

static void card_clear(struct card *c)
{
    memset(c, 0, sizeof *c);
    c->kind = CARD_NONE;
}

static void ntag_init(struct card *c, const uint8_t *data, size_t len)
{
    const uint8_t *u = emu_ntag_uid;
    card_clear(c);
    c->kind = CARD_NTAG;
    c->uid = emu_ntag_uid; c->uid_len = 7;
    c->atqa[0] = 0x00; c->atqa[1] = 0x44; c->sak = 0x00;
    uint8_t *m = c->mem;
    m[0] = u[0]; m[1] = u[1]; m[2] = u[2]; m[3] = 0x88 ^ u[0] ^ u[1] ^ u[2];
    memcpy(m + 4, u + 3, 4);
    m[8] = u[3] ^ u[4] ^ u[5] ^ u[6]; m[9] = 0x48;
    const uint8_t cc[4] = { 0xE1, 0x10, 0x3E, 0x00 };
    memcpy(m + 12, cc, 4);
    static const uint8_t empty[3] = { 0x03, 0x00, 0xFE };
    if (data && len) memcpy(m + 16, data, len);
    else memcpy(m + 16, empty, sizeof empty);
    const uint8_t cfg[5][4] = {
        { 0x00, 0x00, 0x00, 0xBD }, { 0x04, 0x00, 0x00, 0xFF }, { 0x00, 0x05, 0x00, 0x00 },
        { 0xFF, 0xFF, 0xFF, 0xFF }, { 0x00, 0x00, 0x00, 0x00 },
    };
    memcpy(m + 0x82 * 4, cfg, sizeof cfg);
}

static void isodep_init(struct card *c, enum card_kind kind, cred_t *cred)
{
    card_clear(c);
    c->kind = kind;
    c->cred = cred;
    c->uid = kind == CARD_CRED ? emu_cred_uid : foreign_uid;
    c->uid_len = 4;
    c->atqa[0] = 0x00; c->atqa[1] = 0x04; c->sak = 0x20;
}

static void card_activate(emu_t *e, int rats)
{
    struct card *c = &e->card;
    c->active = 1;
    c->iso4 = 0;
    if (c->kind == CARD_CRED || c->kind == CARD_FOREIGN || c->kind == CARD_DESFIRE) {
        c->iso4 = rats;
        c->block = 0;
        if (c->cred) cred_reset(c->cred);
        if (c->df) dfe_reset(c->df);
    }
}

/* Target data: Tg ATQA SAK UIDlen UID [ATS]. Returns its length. */
static size_t target_data(const struct card *c, uint8_t *out)
{
    size_t i = 0;
    out[i++] = 0x01;
    out[i++] = c->atqa[0]; out[i++] = c->atqa[1];
    out[i++] = c->sak;
    out[i++] = (uint8_t)c->uid_len;
    memcpy(out + i, c->uid, c->uid_len);
    i += c->uid_len;
    if (c->iso4 && c->kind == CARD_DESFIRE) {
        memcpy(out + i, desfire_ats, sizeof desfire_ats);
        i += sizeof desfire_ats;
    } else if (c->iso4) {
        memcpy(out + i, emu_cred_ats, sizeof emu_cred_ats);
        i += sizeof emu_cred_ats;
    }
    return i;
}

static int card_listable(const emu_t *e)
{
    return e->card.kind != CARD_NONE && !e->card.halted;
}

/* ---- Type 2 tag (NTAG215) ---- */

static int t2_locked(const uint8_t *m, unsigned page)
{
    if (page >= 3 && page <= 7) return (m[10] >> page) & 1;
    if (page >= 8 && page <= 15) return (m[11] >> (page - 8)) & 1;
    return 0;
}

static uint8_t t2_write(struct card *c, const uint8_t *in, size_t n)
{
    if (n != 6 || in[1] >= EMU_NTAG_PAGES) return T2_NAK;
    unsigned page = in[1];
    uint8_t *p = c->mem + page * 4;
    const uint8_t *d = in + 2;
    if (page < 2 || t2_locked(c->mem, page)) return T2_NAK;
    if (page == 2) {                     /* only the static lock bytes, OR-ed */
        p[2] |= d[2]; p[3] |= d[3];
    } else if (page == 3 || page == 0x82) {  /* OTP CC, dynamic lock bits */
        for (int i = 0; i < 4; i++) p[i] |= d[i];
    } else {
        memcpy(p, d, 4);
    }
    return 0x00;
}

static uint8_t t2_read(const struct card *c, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2 || in[1] >= EMU_NTAG_PAGES) return T2_NAK;
    for (unsigned i = 0; i < 16; i++) {
        unsigned page = (in[1] + i / 4) % EMU_NTAG_PAGES;   /* roll-over at the end */
        out[i] = page == 0x85 ? 0 : c->mem[page * 4 + i % 4];  /* PWD reads as zero */
    }
    *olen = 16;
    return 0x00;
}

static uint8_t t2_fast_read(const struct card *c, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 3 || in[1] > in[2] || in[2] >= EMU_NTAG_PAGES) return T2_NAK;
    size_t bytes = (size_t)(in[2] - in[1] + 1) * 4;
    if (bytes > 252) return T2_NAK;
    memcpy(out, c->mem + in[1] * 4, bytes);
    *olen = bytes;
    return 0x00;
}

/* One tag command; returns the PN532 status, data into out. */
static uint8_t t2_cmd(struct card *c, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    *olen = 0;
    if (n == 0) return ST_TIMEOUT;
    switch (in[0]) {
    case 0x30: return t2_read(c, in, n, out, olen);
    case 0xA2: return t2_write(c, in, n);
    case 0x3A: return t2_fast_read(c, in, n, out, olen);
    case 0x60:
        if (n != 1) return T2_NAK;
        memcpy(out, ntag215_version, 8);
        *olen = 8;
        return 0x00;
    case 0x3C:
        if (n != 2) return T2_NAK;
        memset(out, 0, 32);
        *olen = 32;
        return 0x00;
    case 0x50:                           /* HLTA: the tag goes quiet */
        c->halted = 1;
        c->active = 0;
        return ST_TIMEOUT;
    default:
        return T2_NAK;
    }
}

/* ---- ISO 14443-4 ---- */

static uint8_t apdu_cmd(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    struct card *c = &e->card;
    *olen = 0;
    if (!c->iso4) return ST_TIMEOUT;
    e->stats.apdus++;
    if (c->kind == CARD_DESFIRE) {
        (void)dfe_process(c->df, in, n, out, olen);  /* an answer in every case */
        return 0x00;
    }
    if (c->kind == CARD_FOREIGN || !c->cred) {
        out[0] = 0x6A; out[1] = 0x82;
        *olen = 2;
        return 0x00;
    }
    if (cred_process_apdu(c->cred, in, n, out, CRED_RESP_MAX, olen) != 0) {
        out[0] = 0x6F; out[1] = 0x00;
        *olen = 2;
    }
    return 0x00;
}

/* A raw ISO-DEP block (InCommunicateThru): R, I without chaining, S(DESELECT). */
static uint8_t isodep_raw(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    struct card *c = &e->card;
    *olen = 0;
    if (!c->iso4 || n == 0) return ST_TIMEOUT;
    uint8_t pcb = in[0];
    if ((pcb & 0xE6) == 0xA2) {          /* R(ACK) / R(NAK): answer R(ACK) */
        out[0] = (uint8_t)(0xA2 | c->block);
        *olen = 1;
        return 0x00;
    }
    if ((pcb & 0xFE) == 0xC2) {          /* S(DESELECT) */
        out[0] = pcb;
        *olen = 1;
        c->iso4 = 0; c->active = 0; c->halted = 1;
        return 0x00;
    }
    if ((pcb & 0xFE) == 0x02) {          /* I-block, no CID, NAD or chaining */
        size_t r = 0;
        uint8_t st = apdu_cmd(e, in + 1, n - 1, out + 1, &r);
        if (st != 0x00) return st;
        out[0] = pcb;
        c->block = pcb & 1;
        *olen = r + 1;
        return 0x00;
    }
    return ST_TIMEOUT;
}

/* Takes the card away if a VANISH fault is due; returns its status or 0. */
static uint8_t vanish_check(emu_t *e)
{
    emu_fault_t *f = &e->fault;
    if (f->kind != EMU_FAULT_VANISH) return 0;
    if (e->fault_seen < f->skip) {
        e->fault_seen++;
        return 0;
    }
    uint8_t st = f->status ? f->status : ST_TIMEOUT;
    f->kind = EMU_FAULT_NONE;
    e->stats.faults++;
    card_clear(&e->card);
    return st;
}

/* A command for the card in the field; raw = InCommunicateThru. */
static uint8_t card_cmd(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen, int raw)
{
    struct card *c = &e->card;
    *olen = 0;
    e->stats.card_cmds++;
    uint8_t st = vanish_check(e);
    if (st) return st;
    if (c->kind == CARD_NONE) return ST_TIMEOUT;
    if (!c->active) return raw ? ST_TIMEOUT : ST_CONTEXT;
    if (c->kind == CARD_NTAG) return t2_cmd(c, in, n, out, olen);
    return raw ? isodep_raw(e, in, n, out, olen) : apdu_cmd(e, in, n, out, olen);
}

/* ---- command handlers: in[0] is the command code, out gets the data ---- */

static int h_diagnose(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 2) return H_SYNTAX;
    if (in[1] == 0x00) {                 /* communication test: echo */
        memcpy(out, in + 1, n - 1);
        *olen = n - 1;
    } else if (in[1] == 0x06) {          /* card presence */
        out[0] = (e->card.kind != CARD_NONE && e->card.active) ? 0x00 : ST_TIMEOUT;
        *olen = 1;
    } else {
        out[0] = 0x00;
        *olen = 1;
    }
    return H_ANSWER;
}

static int h_firmware(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    static const uint8_t fw[4] = { 0x32, 0x01, 0x06, 0x07 };
    memcpy(out, fw, 4);
    *olen = 4;
    return H_ANSWER;
}

static int h_status(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    size_t i = 0;
    int tg = e->card.kind != CARD_NONE && e->card.active;
    out[i++] = 0x00;
    out[i++] = (uint8_t)e->stats.field;
    out[i++] = (uint8_t)tg;
    if (tg) { out[i++] = 0x01; out[i++] = 0x00; out[i++] = 0x00; out[i++] = 0x00; }
    out[i++] = 0x00;
    *olen = i;
    return H_ANSWER;
}

static int h_read_reg(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 3 || (n - 1) % 2 != 0) return H_SYNTAX;
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i += 2) out[k++] = e->regs[(in[i] << 8) | in[i + 1]];
    *olen = k;
    return H_ANSWER;
}

static int h_write_reg(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 4 || (n - 1) % 3 != 0) return H_SYNTAX;
    for (size_t i = 1; i + 2 < n; i += 3) e->regs[(in[i] << 8) | in[i + 1]] = in[i + 2];
    return H_ANSWER;
}

static int h_read_gpio(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    out[0] = 0xFF; out[1] = 0xFF; out[2] = 0x00;
    *olen = 3;
    return H_ANSWER;
}

static int h_none(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    return H_ANSWER;
}

static int h_set_params(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2) return H_SYNTAX;
    e->params = in[1];
    return H_ANSWER;
}

static int h_sam(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 2 || in[1] < 1 || in[1] > 4) return H_SYNTAX;
    return H_ANSWER;
}

static int h_status_ok(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    out[0] = 0x00;
    *olen = 1;
    return H_ANSWER;
}

static int h_rfconfig(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 3) return H_SYNTAX;
    if (in[1] == 0x01) {
        e->stats.field = in[2] & 1;
        if (!e->stats.field) {           /* field off: every card resets */
            e->card.active = e->card.iso4 = e->card.halted = 0;
        }
    } else if (in[1] == 0x05) {
        if (n != 5) return H_SYNTAX;
        e->retry_passive = in[4];
    }
    return H_ANSWER;
}

static int h_list(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 3 || in[1] < 1 || in[1] > 2) return H_SYNTAX;
    struct card *c = &e->card;
    c->active = c->iso4 = 0;             /* earlier targets are forgotten */
    const uint8_t *want = in + 3;
    size_t want_len = n - 3;
    if (want_len == 8 && want[0] == 0x88) { /* a 7-byte UID with its cascade tag */
        want++;
        want_len--;
    }
    /* Naming the UID wakes a halted card too (WUPA, then select by UID). */
    int present = card_listable(e) || (want_len && e->card.kind != CARD_NONE);
    int match = in[2] == 0x00 && present &&
                (want_len == 0 || (want_len == c->uid_len && memcmp(want, c->uid, want_len) == 0));
    if (match) {
        c->halted = 0;
        card_activate(e, (e->params & PARAM_AUTO_RATS) != 0);
        out[0] = 0x01;
        *olen = 1 + target_data(c, out + 1);
        e->stats.field = 1;
        return H_ANSWER;
    }
    if (e->retry_passive == 0xFF && !e->wait_final) return H_WAIT;
    out[0] = 0x00;
    *olen = 1;
    return H_ANSWER;
}

/* The InAutoPoll target type to report for the card, or -1. */
static int autopoll_type(const struct card *c, const uint8_t *types, size_t n)
{
    int want_4a = memchr(types, 0x20, n) != NULL;
    int want_mf = memchr(types, 0x10, n) != NULL;
    int want_gen = memchr(types, 0x00, n) != NULL;
    if (c->kind != CARD_NTAG && want_4a) return 0x20;
    if (want_mf) return 0x10;
    if (want_gen) return 0x00;
    return -1;
}

static int h_autopoll(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 4 || n > 18 || in[2] < 1 || in[2] > 15) return H_SYNTAX;
    if (!e->rerun) {
        e->wait_due_us = in[1] == 0xFF ? 0 : clk_mono_us() + (int64_t)in[1] * in[2] * 150000;
    }
    struct card *c = &e->card;
    c->active = c->iso4 = 0;
    int type = card_listable(e) ? autopoll_type(c, in + 3, n - 3) : -1;
    if (type >= 0) {
        card_activate(e, type == 0x20);
        out[0] = 0x01;
        out[1] = (uint8_t)type;
        out[2] = (uint8_t)target_data(c, out + 3);
        *olen = 3 + out[2];
        e->stats.field = 1;
        return H_ANSWER;
    }
    if (!e->wait_final && (in[1] == 0xFF || e->wait_due_us > clk_mono_us())) return H_WAIT;
    out[0] = 0x00;
    *olen = 1;
    return H_ANSWER;
}

static int h_exchange(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 2) return H_SYNTAX;
    size_t r = 0;
    if ((in[1] & 0x7F) != 0x01) {        /* only target 1, no host chaining */
        out[0] = ST_CONTEXT;
        *olen = 1;
        return H_ANSWER;
    }
    out[0] = card_cmd(e, in + 2, n - 2, out + 1, &r, 0);
    *olen = 1 + (out[0] == 0x00 ? r : 0);
    return H_ANSWER;
}

/* ISO 14443-A CRC_A (initial value 0x6363), low byte first. */
static void crc_a(const uint8_t *d, size_t n, uint8_t out[2])
{
    uint16_t crc = 0x6363;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)(d[i] ^ (crc & 0xFF));
        b ^= (uint8_t)(b << 4);
        crc = (uint16_t)((crc >> 8) ^ ((uint16_t)b << 8) ^ ((uint16_t)b << 3) ^ (b >> 4));
    }
    out[0] = (uint8_t)(crc & 0xFF);
    out[1] = (uint8_t)(crc >> 8);
}

/* InCommunicateThru: raw frames. With the CIU's CRC generation off (TxMode /
 * RxMode bit 7) the host appends CRC_A itself and gets it back. */
static int h_thru(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    const uint8_t *d = in + 1;
    size_t dn = n - 1, r = 0;
    int host_tx_crc = !(e->regs[REG_TXMODE] & 0x80), host_rx_crc = !(e->regs[REG_RXMODE] & 0x80);
    *olen = 1;
    if (host_tx_crc) {
        uint8_t c[2];
        if (dn < 3) { out[0] = ST_TIMEOUT; return H_ANSWER; }
        crc_a(d, dn - 2, c);
        if (c[0] != d[dn - 2] || c[1] != d[dn - 1]) { out[0] = ST_TIMEOUT; return H_ANSWER; }
        dn -= 2;
    }
    out[0] = card_cmd(e, d, dn, out + 1, &r, 1);
    if (out[0] != 0x00) return H_ANSWER;
    if (host_rx_crc && r > 0) {
        crc_a(out + 1, r, out + 1 + r);
        r += 2;
    }
    *olen = 1 + r;
    return H_ANSWER;
}

static int h_release(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2) return H_SYNTAX;
    struct card *c = &e->card;
    if (c->active && (in[1] == 0x00 || in[1] == 0x01)) {
        c->active = c->iso4 = 0;
        c->halted = 1;
    }
    out[0] = 0x00;
    *olen = 1;
    return H_ANSWER;
}

static int h_select(emu_t *e, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2) return H_SYNTAX;
    struct card *c = &e->card;
    out[0] = (c->kind != CARD_NONE && in[1] == 0x01) ? 0x00 : ST_CONTEXT;
    if (out[0] == 0x00) { c->active = 1; c->halted = 0; }
    *olen = 1;
    return H_ANSWER;
}

static const struct { uint8_t cmd; cmd_fn fn; } handlers[] = {
    { 0x00, h_diagnose },  { 0x02, h_firmware },   { 0x04, h_status },
    { 0x06, h_read_reg },  { 0x08, h_write_reg },  { 0x0C, h_read_gpio },
    { 0x0E, h_none },      { 0x10, h_none },       { 0x12, h_set_params },
    { 0x14, h_sam },       { 0x16, h_status_ok },  { 0x32, h_rfconfig },
    { 0x4A, h_list },      { 0x60, h_autopoll },   { 0x40, h_exchange },
    { 0x42, h_thru },      { 0x44, h_release },    { 0x52, h_release },
    { 0x54, h_select },
};

/* Runs command in[0..n); fills the answer frame into f. */
static int run_cmd(emu_t *e, const uint8_t *in, size_t n, uint8_t *f, size_t *flen)
{
    uint8_t out[DATA_MAX + 32];
    size_t olen = 0;
    int res = H_SYNTAX;
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        if (handlers[i].cmd == in[0]) {
            res = handlers[i].fn(e, in, n, out, &olen);
            break;
        }
    }
    if (res == H_WAIT) return res;
    if (res == H_SYNTAX || olen + 1 > DATA_MAX) {
        memcpy(f, error_frame, sizeof error_frame);
        *flen = sizeof error_frame;
        return H_ANSWER;
    }
    *flen = build_frame((uint8_t)(in[0] + 1), out, olen, f);
    return H_ANSWER;
}

/* ---- faults ---- */

static enum emu_fault_kind fault_take(emu_t *e, uint8_t cmd)
{
    emu_fault_t *f = &e->fault;
    if (f->kind == EMU_FAULT_NONE || f->kind == EMU_FAULT_VANISH) return EMU_FAULT_NONE;
    if (f->cmd != 0 && f->cmd != cmd) return EMU_FAULT_NONE;
    if (e->fault_seen < f->skip) {
        e->fault_seen++;
        return EMU_FAULT_NONE;
    }
    enum emu_fault_kind k = f->kind;
    if (++e->fault_done >= (f->count ? f->count : 1)) f->kind = EMU_FAULT_NONE;
    e->stats.faults++;
    return k;
}

/* Sends (or schedules) answer frame f[0..n) with fault k applied. */
static void answer(emu_t *e, enum emu_fault_kind k, uint8_t *f, size_t n, unsigned delay_ms)
{
    memcpy(e->last, f, n);
    e->last_len = n;
    switch (k) {
    case EMU_FAULT_GARBAGE:
        for (size_t i = 0; i < n; i++) f[i] = (uint8_t)(0x5A + 37 * i);
        break;
    case EMU_FAULT_TRUNCATE:
        n /= 2;
        break;
    case EMU_FAULT_BAD_DCS:
        f[n - 2] ^= 0x01;
        break;
    case EMU_FAULT_BAD_LCS:
        f[(f[3] == 0xFF && f[4] == 0xFF) ? 7 : 4] ^= 0x01;
        break;
    case EMU_FAULT_ERROR_FRAME:
        memcpy(f, error_frame, sizeof error_frame);
        n = sizeof error_frame;
        break;
    case EMU_FAULT_SLOW:
        e->pend.kind = P_SEND;
        e->pend.due_us = clk_mono_us() + (int64_t)delay_ms * 1000;
        memcpy(e->pend.buf, f, n);
        e->pend.len = n;
        return;
    case EMU_FAULT_NONE:
    case EMU_FAULT_NO_ACK:     /* on_command sends nothing at all for these two */
    case EMU_FAULT_VANISH:
        break;
    }
    send_bytes(e, f, n);
}

/* ---- host frames ---- */

static void on_command(emu_t *e, const uint8_t *in, size_t n)
{
    e->stats.frames++;
    trace(e, "<-", in, n);
    unsigned delay = e->fault.delay_ms;
    enum emu_fault_kind k = fault_take(e, in[0]);
    if (k == EMU_FAULT_NO_ACK) return;
    send_bytes(e, ack_frame, sizeof ack_frame);
    uint8_t f[FRAME_MAX];
    size_t flen = 0;
    e->rerun = e->wait_final = 0;
    e->wait_due_us = 0;
    if (in[0] == 0x4A || in[0] == 0x60) e->stats.lists++;
    if (run_cmd(e, in, n, f, &flen) == H_WAIT) {
        e->pend.kind = P_WAIT;
        e->pend.due_us = e->wait_due_us;
        memcpy(e->pend.buf, in, n);
        e->pend.len = n;
        return;
    }
    answer(e, k, f, flen, delay);
}

static void rx_drop(emu_t *e, size_t k)
{
    if (k > e->rx_len) k = e->rx_len;
    memmove(e->rx, e->rx + k, e->rx_len - k);
    e->rx_len -= k;
}

/* Cuts one frame from rx. Returns 1 when it consumed something, 0 when more
 * bytes are needed. */
static int rx_frame(emu_t *e)
{
    size_t i = 0;
    while (i + 1 < e->rx_len && !(e->rx[i] == 0x00 && e->rx[i + 1] == 0xFF)) i++;
    if (i + 1 >= e->rx_len) {            /* no start code: keep a trailing 00 */
        rx_drop(e, e->rx_len && e->rx[e->rx_len - 1] == 0x00 ? e->rx_len - 1 : e->rx_len);
        return 0;
    }
    rx_drop(e, i);
    const uint8_t *r = e->rx;
    if (e->rx_len < 4) return 0;
    if (r[2] == 0x00 && r[3] == 0xFF) {  /* ACK: the host aborts */
        e->stats.acks++;
        e->pend.kind = 0;
        rx_drop(e, 4);
        return 1;
    }
    if (r[2] == 0xFF && r[3] == 0x00) {  /* NACK: send the last answer again */
        e->stats.nacks++;
        if (e->last_len) send_bytes(e, e->last, e->last_len);
        rx_drop(e, 4);
        return 1;
    }
    size_t hdr = 4, len = r[2];
    if (r[2] == 0xFF && r[3] == 0xFF) {
        if (e->rx_len < 7) return 0;
        if (((r[4] + r[5] + r[6]) & 0xFF) != 0) goto bad;
        hdr = 7;
        len = ((size_t)r[4] << 8) | r[5];
    } else if (((r[2] + r[3]) & 0xFF) != 0) {
        goto bad;
    }
    if (len < 2 || len > DATA_MAX + 1) goto bad;
    if (e->rx_len < hdr + len + 1) return 0;
    uint8_t sum = 0;
    for (size_t k = 0; k <= len; k++) sum += r[hdr + k];
    if (r[hdr] != 0xD4 || sum != 0) goto bad;
    uint8_t cmd[DATA_MAX];
    memcpy(cmd, r + hdr + 1, len - 1);
    rx_drop(e, hdr + len + 1);
    if (e->rx_len && e->rx[0] == 0x00) rx_drop(e, 1);   /* postamble */
    on_command(e, cmd, len - 1);
    return 1;
bad:
    e->stats.bad_frames++;
    rx_drop(e, 2);
    return 1;
}

/* ---- the thread ---- */

static void pending_run(emu_t *e)
{
    struct pending *p = &e->pend;
    int64_t now = clk_mono_us();
    if (p->kind == P_SEND && now >= p->due_us) {
        p->kind = 0;
        send_bytes(e, p->buf, p->len);
    } else if (p->kind == P_WAIT) {
        uint8_t f[FRAME_MAX];
        size_t flen = 0;
        e->rerun = 1;
        e->wait_final = p->due_us != 0 && now >= p->due_us;
        if (run_cmd(e, p->buf, p->len, f, &flen) == H_ANSWER) {
            p->kind = 0;
            memcpy(e->last, f, flen);
            e->last_len = flen;
            send_bytes(e, f, flen);
        }
    }
}

/* Poll timeout in ms for the current state (-1: until woken). More than one
 * byte in rx means a started frame (rx_frame keeps at most a trailing 00
 * otherwise), which goes stale after STALE_US of silence. */
static int next_timeout(const emu_t *e)
{
    int64_t now = clk_mono_us(), until = -1;
    if (e->pend.kind && e->pend.due_us) until = e->pend.due_us;
    if (e->rx_len > 1 && (until < 0 || e->rx_last_us + STALE_US < until)) until = e->rx_last_us + STALE_US;
    if (until < 0) return -1;
    return until <= now ? 0 : (int)((until - now + 999) / 1000);
}

static void on_input(emu_t *e)
{
    uint8_t buf[512];
    ssize_t n = read(e->master, buf, sizeof buf);
    if (n <= 0) return;
    if (e->pend.kind) {                  /* the host moved on: drop the answer */
        e->pend.kind = 0;
        e->stats.aborted++;
    }
    if ((size_t)n > RX_MAX - e->rx_len) rx_drop(e, (size_t)n - (RX_MAX - e->rx_len));
    memcpy(e->rx + e->rx_len, buf, (size_t)n);
    e->rx_len += (size_t)n;
    e->rx_last_us = clk_mono_us();
    while (rx_frame(e)) {}
}

static void *emu_thread(void *arg)
{
    emu_t *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        int timeout = next_timeout(e);
        pthread_mutex_unlock(&e->mu);
        struct pollfd p[2] = { { e->master, POLLIN, 0 }, { e->wake[0], POLLIN, 0 } };
        int rc = poll(p, 2, timeout);
        pthread_mutex_lock(&e->mu);
        if (rc < 0 && errno != EINTR) break;
        if (p[1].revents & POLLIN) {
            char junk[64];
            while (read(e->wake[0], junk, sizeof junk) > 0) {}
        }
        if (p[0].revents & POLLIN) on_input(e);
        if (e->rx_len > 1 && clk_mono_us() - e->rx_last_us >= STALE_US) {
            rx_drop(e, 2);               /* a frame that never completed */
            while (rx_frame(e)) {}
            e->rx_last_us = clk_mono_us();
        }
        if (e->pend.kind) pending_run(e);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* ---- API ---- */

static void wake(emu_t *e)
{
    ssize_t w = write(e->wake[1], "w", 1);
    (void)w;
}

static int open_pty(emu_t *e)
{
    e->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (e->master < 0) return LP_ERR_IO;
    if (grantpt(e->master) != 0 || unlockpt(e->master) != 0) return LP_ERR_IO;
    if (ptsname_r(e->master, e->path, sizeof e->path) != 0) return LP_ERR_IO;
    /* Holding the slave open keeps the master readable after a client closes. */
    e->slave = open(e->path, O_RDWR | O_NOCTTY);
    if (e->slave < 0) return LP_ERR_IO;
    struct termios t;
    if (tcgetattr(e->slave, &t) != 0) return LP_ERR_IO;
    cfmakeraw(&t);
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    if (tcsetattr(e->slave, TCSANOW, &t) != 0) return LP_ERR_IO;
    int fl = fcntl(e->master, F_GETFL);
    if (fl < 0 || fcntl(e->master, F_SETFL, fl | O_NONBLOCK) != 0) return LP_ERR_IO;
    snprintf(e->connstring, sizeof e->connstring, "pn532_uart:%s", e->path);
    return 0;
}

static void close_fds(emu_t *e)
{
    int fds[4] = { e->master, e->slave, e->wake[0], e->wake[1] };
    for (int i = 0; i < 4; i++) if (fds[i] >= 0) close(fds[i]);
}

int emu_start(emu_t **out, const char **pty_path)
{
    if (!out) return LP_ERR_INVALID;
    *out = NULL;
    emu_t *e = calloc(1, sizeof *e);
    if (!e) return LP_ERR_NOMEM;
    e->master = e->slave = e->wake[0] = e->wake[1] = -1;
    e->retry_passive = 0xFF;
    e->regs[REG_TXMODE] = e->regs[REG_RXMODE] = 0x80;   /* CRC by the chip */
    const char *tr = getenv("LABPASS_EMU_TRACE");
    e->trace = tr && *tr && *tr != '0';
    card_clear(&e->card);
    int rc = open_pty(e);
    if (rc == 0 && pipe2(e->wake, O_NONBLOCK | O_CLOEXEC) != 0) rc = LP_ERR_IO;
    if (rc == 0 && pthread_mutex_init(&e->mu, NULL) != 0) rc = LP_ERR_INTERNAL;
    if (rc == 0 && pthread_create(&e->thread, NULL, emu_thread, e) != 0) {
        pthread_mutex_destroy(&e->mu);
        rc = LP_ERR_INTERNAL;
    }
    if (rc != 0) {
        close_fds(e);
        free(e);
        return rc;
    }
    if (pty_path) *pty_path = e->path;
    *out = e;
    return 0;
}

void emu_stop(emu_t *e)
{
    if (!e) return;
    pthread_mutex_lock(&e->mu);
    e->stop = 1;
    pthread_mutex_unlock(&e->mu);
    wake(e);
    pthread_join(e->thread, NULL);
    pthread_mutex_destroy(&e->mu);
    close_fds(e);
    free(e);
}

const char *emu_connstring(const emu_t *e)
{
    return e->connstring;
}

void emu_present_none(emu_t *e)
{
    pthread_mutex_lock(&e->mu);
    card_clear(&e->card);
    pthread_mutex_unlock(&e->mu);
    wake(e);
}

int emu_present_ntag(emu_t *e, const uint8_t *data, size_t len)
{
    if (!data && len) return LP_ERR_INVALID;
    if (len > EMU_NTAG_DATA_MAX) return LP_ERR_TOOBIG;
    pthread_mutex_lock(&e->mu);
    ntag_init(&e->card, data, len);
    pthread_mutex_unlock(&e->mu);
    wake(e);
    return 0;
}

void emu_present_credential(emu_t *e, cred_t *cred)
{
    pthread_mutex_lock(&e->mu);
    isodep_init(&e->card, CARD_CRED, cred);
    pthread_mutex_unlock(&e->mu);
    wake(e);
}

void emu_present_desfire(emu_t *e, dfe_t *card)
{
    pthread_mutex_lock(&e->mu);
    card_clear(&e->card);
    struct card *c = &e->card;
    c->kind = CARD_DESFIRE;
    c->df = card;
    c->uid = dfe_uid(card);
    c->uid_len = DFE_UID_LEN;
    c->atqa[0] = 0x03; c->atqa[1] = 0x44; c->sak = 0x20;
    pthread_mutex_unlock(&e->mu);
    wake(e);
}

void emu_present_foreign(emu_t *e)
{
    pthread_mutex_lock(&e->mu);
    isodep_init(&e->card, CARD_FOREIGN, NULL);
    pthread_mutex_unlock(&e->mu);
    wake(e);
}

int emu_ntag_poke(emu_t *e, unsigned page, const uint8_t data[4])
{
    if (page >= EMU_NTAG_PAGES || !data) return LP_ERR_INVALID;
    pthread_mutex_lock(&e->mu);
    int rc = e->card.kind == CARD_NTAG ? 0 : LP_ERR_STATE;
    if (rc == 0) memcpy(e->card.mem + page * 4, data, 4);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int emu_ntag_read(emu_t *e, uint8_t mem[EMU_NTAG_MEM])
{
    pthread_mutex_lock(&e->mu);
    int rc = e->card.kind == CARD_NTAG ? 0 : LP_ERR_STATE;
    if (rc == 0) memcpy(mem, e->card.mem, EMU_NTAG_MEM);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

void emu_set_fault(emu_t *e, const emu_fault_t *f)
{
    pthread_mutex_lock(&e->mu);
    memset(&e->fault, 0, sizeof e->fault);
    if (f) e->fault = *f;
    e->fault_seen = e->fault_done = 0;
    pthread_mutex_unlock(&e->mu);
}

void emu_get_stats(emu_t *e, emu_stats_t *out)
{
    pthread_mutex_lock(&e->mu);
    *out = e->stats;
    pthread_mutex_unlock(&e->mu);
}
