/* dfemu.c: an emulated MIFARE DESFire EV1 card (see dfemu.h). The cipher
 * work goes through access/card/dfcrypt (OpenSSL's AES); this file holds the
 * card's state machine: selection, the three-pass authentication, the
 * running IV and the answer framing. */
#include "tests/lib/dfemu.h"
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "access/card/dfcrypt.h"
#include "tests/lib/dfemu_int.h"

static const uint8_t hw_ver[7] = { 0x04, 0x01, 0x01, 0x01, 0x00, 0x18, 0x05 };
static const uint8_t sw_ver[7] = { 0x04, 0x01, 0x01, 0x01, 0x04, 0x18, 0x05 };
static const uint8_t prod[7] = { 0xBA, 0x5E, 0xBA, 0x11, 0x01, 0x47, 0x26 };

int dfe_create(dfe_t **out, const uint8_t uid[DFE_UID_LEN])
{
    if (!out || !uid)
        return LP_ERR_INVALID;
    dfe_t *d = calloc(1, sizeof *d);
    if (!d)
        return LP_ERR_NOMEM;
    memcpy(d->uid, uid, DFE_UID_LEN);
    d->picc_ks = 0x0F;            /* factory: free create, listing free, changeable */
    dfe_reset(d);
    *out = d;
    return LP_OK;
}

void dfe_destroy(dfe_t *d)
{
    if (!d)
        return;
    sodium_memzero(d, sizeof *d);
    free(d);
}

const uint8_t *dfe_uid(const dfe_t *d) { return d->uid; }

struct dfe_app *dfe_app_find(dfe_t *d, uint32_t aid)
{
    for (int i = 0; i < DFE_APPS_MAX; i++)
        if (d->apps[i].used && d->apps[i].aid == aid)
            return &d->apps[i];
    return NULL;
}

int dfe_add_app(dfe_t *d, uint32_t aid, uint8_t ks, unsigned nkeys,
                const uint8_t keys[][16], const uint8_t *vers)
{
    if (!d || aid == 0 || aid > 0xFFFFFF || nkeys < 1 || nkeys > DFE_KEYS_MAX || !keys)
        return LP_ERR_INVALID;
    if (dfe_app_find(d, aid))
        return LP_ERR_CONFLICT;
    for (int i = 0; i < DFE_APPS_MAX; i++) {
        struct dfe_app *a = &d->apps[i];
        if (a->used)
            continue;
        memset(a, 0, sizeof *a);
        a->used = 1;
        a->aid = aid;
        a->ks = ks;
        a->nkeys = nkeys;
        memcpy(a->keys, keys, nkeys * 16);
        if (vers)
            memcpy(a->vers, vers, nkeys);
        return LP_OK;
    }
    return LP_ERR_TOOBIG;
}

int dfe_add_file(dfe_t *d, uint32_t aid, uint8_t file_no, uint8_t type, uint8_t comm,
                 uint16_t ar, const uint8_t *data, size_t len, size_t size)
{
    struct dfe_app *a = d ? dfe_app_find(d, aid) : NULL;
    if (!a)
        return LP_ERR_NOTFOUND;
    if (file_no > 31 || type > 1 || (comm != 0 && comm != 1 && comm != 3) ||
        size < 1 || size > DFE_FILE_MAX || len > size || (len && !data))
        return LP_ERR_INVALID;
    struct dfe_file *free_slot = NULL;
    for (int i = 0; i < DFE_FILES_MAX; i++) {
        if (a->files[i].used && a->files[i].no == file_no)
            return LP_ERR_CONFLICT;
        if (!a->files[i].used && !free_slot)
            free_slot = &a->files[i];
    }
    if (!free_slot)
        return LP_ERR_TOOBIG;
    memset(free_slot, 0, sizeof *free_slot);
    *free_slot = (struct dfe_file){ .used = 1, .no = file_no, .type = type, .comm = comm,
                                    .ar = ar, .size = size };
    if (len)
        memcpy(free_slot->data, data, len);
    return LP_OK;
}

void dfe_auth_end(dfe_t *d)
{
    d->auth_key = -1;
    d->auth_step = 0;
    sodium_memzero(d->sk, sizeof d->sk);
    memset(d->iv, 0, sizeof d->iv);
}

void dfe_reset(dfe_t *d)
{
    d->sel = NULL;
    dfe_auth_end(d);
    d->out_len = d->out_off = 0;
    d->ver_frame = 0;
    d->win_len = d->win_need = 0;
    dfe_txn_discard(d);           /* a write without CommitTransaction is lost */
}

void dfe_set_picc_settings(dfe_t *d, uint8_t ks) { d->picc_ks = ks; }

int dfe_force_auth(dfe_t *d, uint32_t aid, int key_no, const uint8_t sk[16])
{
    struct dfe_app *a = dfe_app_find(d, aid);
    if (!a || key_no < 0 || (unsigned)key_no >= a->nkeys)
        return LP_ERR_INVALID;
    dfe_reset(d);
    d->sel = a;
    d->auth_key = key_no;
    memcpy(d->sk, sk, 16);
    return LP_OK;
}

int dfe_channel_key(const dfe_t *d, uint8_t sk[16])
{
    memcpy(sk, d->sk, 16);
    return d->auth_key;
}

int dfe_file_content(dfe_t *d, uint32_t aid, uint8_t file_no, uint8_t *out, size_t cap, size_t *len)
{
    struct dfe_app *a = dfe_app_find(d, aid);
    for (int i = 0; a && i < DFE_FILES_MAX; i++) {
        struct dfe_file *f = &a->files[i];
        if (!f->used || f->no != file_no)
            continue;
        if (f->size > cap)
            return LP_ERR_TOOBIG;
        memcpy(out, f->data, f->size);
        *len = f->size;
        return LP_OK;
    }
    return LP_ERR_NOTFOUND;
}

int dfe_key(dfe_t *d, uint32_t aid, unsigned key_no, uint8_t key[16], uint8_t *version)
{
    struct dfe_app *a = dfe_app_find(d, aid);
    if (!a || key_no >= a->nkeys)
        return LP_ERR_NOTFOUND;
    memcpy(key, a->keys[key_no], 16);
    *version = a->vers[key_no];
    return LP_OK;
}

void dfe_set_rndb(dfe_t *d, const uint8_t rndb[16])
{
    d->fixed = rndb != NULL;
    if (rndb)
        memcpy(d->fixed_rndb, rndb, 16);
}

void dfe_get_stats(const dfe_t *d, dfe_stats_t *out) { *out = d->stats; }

/* ---- answers ---- */

void dfe_put_status(uint8_t *out, size_t *olen, size_t at, uint8_t ss)
{
    out[at] = 0x91;
    out[at + 1] = ss;
    *olen = at + 2;
}

/* An error answer: 91 SS, no CMAC; the authentication ends. */
int dfe_fail(dfe_t *d, uint8_t ss, uint8_t *out, size_t *olen)
{
    dfe_auth_end(d);
    d->out_len = d->out_off = 0;
    d->ver_frame = 0;
    d->win_len = d->win_need = 0;
    dfe_put_status(out, olen, 0, ss);
    return LP_OK;
}

/* Sends the next frame of the pending answer: up to DFE_FRAME_MAX bytes and
 * 91 AF, or the rest and 91 00. */
static int next_frame(dfe_t *d, uint8_t *out, size_t *olen)
{
    size_t left = d->out_len - d->out_off;
    size_t n = left > DFE_FRAME_MAX ? DFE_FRAME_MAX : left;
    memcpy(out, d->out + d->out_off, n);
    d->out_off += n;
    int more = d->out_off < d->out_len;
    dfe_put_status(out, olen, n, more ? SS_MORE : SS_OK);
    if (!more)
        d->out_len = d->out_off = 0;
    return LP_OK;
}

/* Queues data[0..len) as a successful answer: plain, or with the CMAC of
 * data || 00 appended when the card is authenticated. */
int dfe_answer_plain(dfe_t *d, const uint8_t *data, size_t len, uint8_t *out, size_t *olen)
{
    if (len + 8 > OUT_MAX)
        return dfe_fail(d, SS_BOUNDARY, out, olen);
    if (len)
        memmove(d->out, data, len);
    d->out_len = len;
    d->out_off = 0;
    if (d->auth_key >= 0) {
        uint8_t mac[16];
        d->out[len] = SS_OK;
        if (dfc_cmac(d->sk, d->iv, d->out, len + 1, mac) != LP_OK)
            return dfe_fail(d, SS_ABORTED, out, olen);
        memcpy(d->out + len, mac, 8);
        d->out_len = len + 8;
    }
    return next_frame(d, out, olen);
}

/* Queues data[0..len) enciphered: E(data || CRC32(data || 00) || 00 pad). */
static int answer_enc(dfe_t *d, const uint8_t *data, size_t len, uint8_t *out, size_t *olen)
{
    size_t padded = (len + 4 + 15) / 16 * 16;
    if (padded > OUT_MAX)
        return dfe_fail(d, SS_BOUNDARY, out, olen);
    uint8_t buf[OUT_MAX + 1];
    memcpy(buf, data, len);
    buf[len] = SS_OK;
    uint32_t crc = dfc_crc32(buf, len + 1);
    for (int i = 0; i < 4; i++)
        buf[len + (size_t)i] = (uint8_t)(crc >> (8 * i));
    memset(buf + len + 4, 0, padded - len - 4);
    if (dfc_cbc_encrypt(d->sk, d->iv, buf, padded, d->out) != LP_OK)
        return dfe_fail(d, SS_ABORTED, out, olen);
    d->out_len = padded;
    d->out_off = 0;
    return next_frame(d, out, olen);
}

/* ---- commands: c = CMD || params (native), n bytes ---- */

static int cmd_select(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 4)
        return dfe_fail(d, SS_LENGTH, out, olen);
    uint32_t aid = (uint32_t)c[1] | (uint32_t)c[2] << 8 | (uint32_t)c[3] << 16;
    struct dfe_app *a = aid ? dfe_app_find(d, aid) : NULL;
    if (aid && !a)
        return dfe_fail(d, SS_NO_APP, out, olen);
    dfe_auth_end(d);
    dfe_txn_discard(d);           /* selecting ends the transaction */
    d->sel = a;
    dfe_put_status(out, olen, 0, SS_OK);
    return LP_OK;
}

static int cmd_auth(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_AUTH, out, olen);  /* the PICC key is the factory DES key */
    if (c[1] >= d->sel->nkeys)
        return dfe_fail(d, SS_NO_KEY, out, olen);
    dfe_auth_end(d);
    if (d->fixed)
        memcpy(d->rndb, d->fixed_rndb, 16);
    else
        randombytes_buf(d->rndb, 16);
    uint8_t iv[16] = {0};
    if (dfc_cbc_encrypt(d->sel->keys[c[1]], iv, d->rndb, 16, d->ernd_b) != LP_OK)
        return dfe_fail(d, SS_ABORTED, out, olen);
    d->auth_step = 1;
    d->auth_no = c[1];
    memcpy(out, d->ernd_b, 16);
    dfe_put_status(out, olen, 16, SS_MORE);
    return LP_OK;
}

/* The host's RndA || RndB' (32 bytes, enciphered). */
static int auth_finish(dfe_t *d, const uint8_t *p, size_t n, uint8_t *out, size_t *olen)
{
    const uint8_t *key = d->sel->keys[d->auth_no];
    uint8_t iv[16], plain[32], rnda2[16], rb2[16];
    d->auth_step = 0;
    if (n != 32)
        return dfe_fail(d, SS_LENGTH, out, olen);
    memcpy(iv, d->ernd_b, 16);
    if (dfc_cbc_decrypt(key, iv, p, 32, plain) != LP_OK)
        return dfe_fail(d, SS_ABORTED, out, olen);
    memcpy(rb2, d->rndb + 1, 15);
    rb2[15] = d->rndb[0];
    if (sodium_memcmp(plain + 16, rb2, 16) != 0) {
        d->stats.auth_fail++;
        return dfe_fail(d, SS_AUTH, out, olen);
    }
    memcpy(rnda2, plain + 1, 15);
    rnda2[15] = plain[0];
    if (dfc_cbc_encrypt(key, iv, rnda2, 16, out) != LP_OK)  /* iv = last block received */
        return dfe_fail(d, SS_ABORTED, out, olen);
    memcpy(d->sk, plain, 4);
    memcpy(d->sk + 4, d->rndb, 4);
    memcpy(d->sk + 8, plain + 12, 4);
    memcpy(d->sk + 12, d->rndb + 12, 4);
    memset(d->iv, 0, 16);
    d->auth_key = d->auth_no;
    d->stats.auth_ok++;
    sodium_memzero(plain, sizeof plain);
    dfe_put_status(out, olen, 16, SS_OK);
    return LP_OK;
}

static int cmd_version(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 1)
        return dfe_fail(d, SS_LENGTH, out, olen);
    uint8_t all[28];
    memcpy(all, hw_ver, 7);
    memcpy(all + 7, sw_ver, 7);
    memcpy(all + 14, d->uid, 7);
    memcpy(all + 21, prod, 7);
    memcpy(out, all, 7);
    d->ver_frame = 1;
    dfe_put_status(out, olen, 7, SS_MORE);
    return LP_OK;
}

/* 90 AF after GetVersion: the software frame, then the last one (+ CMAC). */
static int version_more(dfe_t *d, uint8_t *out, size_t *olen)
{
    if (d->ver_frame == 1) {
        memcpy(out, sw_ver, 7);
        d->ver_frame = 2;
        dfe_put_status(out, olen, 7, SS_MORE);
        return LP_OK;
    }
    d->ver_frame = 0;
    uint8_t all[28];
    memcpy(all, hw_ver, 7);
    memcpy(all + 7, sw_ver, 7);
    memcpy(all + 14, d->uid, 7);
    memcpy(all + 21, prod, 7);
    if (d->auth_key < 0) {
        memcpy(out, all + 14, 14);
        dfe_put_status(out, olen, 14, SS_OK);
        return LP_OK;
    }
    uint8_t mac[16];
    uint8_t m[29];
    memcpy(m, all, 28);
    m[28] = SS_OK;
    if (dfc_cmac(d->sk, d->iv, m, sizeof m, mac) != LP_OK)
        return dfe_fail(d, SS_ABORTED, out, olen);
    memcpy(out, all + 14, 14);
    memcpy(out + 14, mac, 8);
    dfe_put_status(out, olen, 22, SS_OK);
    return LP_OK;
}

static int cmd_app_ids(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 1)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    uint8_t ids[3 * DFE_APPS_MAX];
    size_t k = 0;
    for (int i = 0; i < DFE_APPS_MAX; i++) {
        if (!d->apps[i].used)
            continue;
        ids[k++] = (uint8_t)d->apps[i].aid;
        ids[k++] = (uint8_t)(d->apps[i].aid >> 8);
        ids[k++] = (uint8_t)(d->apps[i].aid >> 16);
    }
    return dfe_answer_plain(d, ids, k, out, olen);
}

/* Listing and settings need the master key unless key settings bit 1 is set. */
static int list_allowed(const dfe_t *d)
{
    return d->sel && ((d->sel->ks & 0x02) || d->auth_key == 0);
}

static int cmd_key_settings(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 1)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel) {
        uint8_t p[2] = { d->picc_ks, 0x01 };   /* one DES key */
        return dfe_answer_plain(d, p, 2, out, olen);
    }
    if (!list_allowed(d))
        return dfe_fail(d, SS_AUTH, out, olen);
    uint8_t r[2] = { d->sel->ks, (uint8_t)(0x80 | d->sel->nkeys) };
    return dfe_answer_plain(d, r, 2, out, olen);
}

static int cmd_key_version(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    if (c[1] >= d->sel->nkeys)
        return dfe_fail(d, SS_NO_KEY, out, olen);
    return dfe_answer_plain(d, &d->sel->vers[c[1]], 1, out, olen);
}

struct dfe_file *dfe_file_find(dfe_t *d, uint8_t no)
{
    for (int i = 0; d->sel && i < DFE_FILES_MAX; i++)
        if (d->sel->files[i].used && d->sel->files[i].no == no)
            return &d->sel->files[i];
    return NULL;
}

static int cmd_file_ids(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 1)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    if (!list_allowed(d))
        return dfe_fail(d, SS_AUTH, out, olen);
    uint8_t ids[DFE_FILES_MAX];
    size_t k = 0;
    for (int i = 0; i < DFE_FILES_MAX; i++)
        if (d->sel->files[i].used)
            ids[k++] = d->sel->files[i].no;
    return dfe_answer_plain(d, ids, k, out, olen);
}

static int cmd_file_settings(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    if (!list_allowed(d))
        return dfe_fail(d, SS_AUTH, out, olen);
    struct dfe_file *f = dfe_file_find(d, c[1]);
    if (!f)
        return dfe_fail(d, SS_NO_FILE, out, olen);
    uint8_t r[7] = { f->type, f->comm, (uint8_t)f->ar, (uint8_t)(f->ar >> 8),
                     (uint8_t)f->size, (uint8_t)(f->size >> 8), (uint8_t)(f->size >> 16) };
    return dfe_answer_plain(d, r, sizeof r, out, olen);
}

uint32_t dfe_le24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static int cmd_read(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 8)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    struct dfe_file *f = dfe_file_find(d, c[1]);
    if (!f)
        return dfe_fail(d, SS_NO_FILE, out, olen);
    uint32_t off = dfe_le24(c + 2), len = dfe_le24(c + 5);
    if (off >= f->size || (len && (size_t)off + len > f->size))
        return dfe_fail(d, SS_BOUNDARY, out, olen);
    if (len == 0)
        len = (uint32_t)(f->size - off);
    int r = f->ar >> 12 & 0xF, rw = f->ar >> 4 & 0xF;
    int keyed = d->auth_key >= 0 && (d->auth_key == r || d->auth_key == rw);
    if (!keyed && r != 0xE && rw != 0xE)
        return dfe_fail(d, d->auth_key < 0 ? SS_AUTH : SS_PERMISSION, out, olen);
    if (keyed && f->comm == 3)
        return answer_enc(d, f->data + off, len, out, olen);
    return dfe_answer_plain(d, f->data + off, len, out, olen);
}

/* Unwraps 90 CMD 00 00 [Lc data] 00 into c[0..*cn). Returns 0 or -1. */
static int unwrap(const uint8_t *in, size_t n, uint8_t *c, size_t *cn)
{
    if (n < 5 || in[2] != 0 || in[3] != 0)
        return -1;
    c[0] = in[1];
    if (n == 5) {
        if (in[4] != 0)
            return -1;
        *cn = 1;
        return 0;
    }
    size_t lc = in[4];
    if (lc == 0 || n != 6 + lc || in[n - 1] != 0)
        return -1;
    memcpy(c + 1, in + 5, lc);
    *cn = 1 + lc;
    return 0;
}

typedef int (*dfe_cmd_fn)(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen);

static const struct { uint8_t cmd; int macced; dfe_cmd_fn fn; } cmds[] = {
    { 0x5A, 0, cmd_select },        { 0xAA, 0, cmd_auth },
    { 0x60, 1, cmd_version },       { 0x6A, 1, cmd_app_ids },
    { 0x45, 1, cmd_key_settings },  { 0x64, 1, cmd_key_version },
    { 0x6F, 1, cmd_file_ids },      { 0xF5, 1, cmd_file_settings },
    { 0xBD, 1, cmd_read },
    { 0xCA, 1, dfe_cmd_create_app },  { 0xDA, 1, dfe_cmd_delete_app },
    { 0xC4, 0, dfe_cmd_change_key },  { 0xCD, 1, dfe_cmd_create_file },
    { 0xCB, 1, dfe_cmd_create_file }, { 0x3D, 0, dfe_cmd_write },
    { 0xC7, 1, dfe_cmd_commit },      { 0xA7, 1, dfe_cmd_abort },
};

/* 90 AF: the second authentication step, or the next frame of an answer. */
static int continuation(dfe_t *d, const uint8_t *c, size_t cn, uint8_t *out, size_t *olen)
{
    if (d->auth_step == 1)
        return auth_finish(d, c + 1, cn - 1, out, olen);
    if (d->win_need)
        return dfe_write_more(d, c + 1, cn - 1, out, olen);
    if (cn != 1)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (d->ver_frame)
        return version_more(d, out, olen);
    if (d->out_len)
        return next_frame(d, out, olen);
    return dfe_fail(d, SS_ILLEGAL, out, olen);
}

static int dispatch(dfe_t *d, const uint8_t *c, size_t cn, uint8_t *out, size_t *olen)
{
    if (c[0] == 0xAF)
        return continuation(d, c, cn, out, olen);
    d->auth_step = 0;
    d->out_len = d->out_off = 0;
    d->ver_frame = 0;
    d->win_len = d->win_need = 0;   /* a new command drops an unfinished WriteData */
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (cmds[i].cmd != c[0])
            continue;
        if (cmds[i].macced && d->auth_key >= 0) {
            uint8_t mac[16];
            if (dfc_cmac(d->sk, d->iv, c, cn, mac) != LP_OK)  /* advances the IV */
                return dfe_fail(d, SS_ABORTED, out, olen);
        }
        return cmds[i].fn(d, c, cn, out, olen);
    }
    return dfe_fail(d, SS_ILLEGAL, out, olen);
}

int dfe_process(dfe_t *d, const uint8_t *in, size_t n, uint8_t *out, size_t *olen)
{
    uint8_t c[256];
    size_t cn = 0;
    if (n < 1 || in[0] != 0x90) {
        out[0] = n >= 4 ? 0x6E : 0x67;
        out[1] = 0x00;
        *olen = 2;
        return LP_OK;
    }
    d->stats.cmds++;
    if (unwrap(in, n, c, &cn) != 0) {
        dfe_auth_end(d);
        dfe_put_status(out, olen, 0, SS_LENGTH);
        return LP_OK;
    }
    int rc = dispatch(d, c, cn, out, olen);
    return out[*olen - 1] == SS_ABORTED ? LP_ERR_CRYPTO : rc;
}
