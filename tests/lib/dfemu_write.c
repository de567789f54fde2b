/* dfemu_write.c: the commands that change the emulated DESFire EV1 card
 * (see dfemu.h): CreateApplication, DeleteApplication, ChangeKey (AES),
 * CreateStdDataFile / CreateBackupDataFile, WriteData gathered over 90 AF
 * frames, CommitTransaction and AbortTransaction. The secure-messaging rules
 * are those of EV1 AES (running IV; enciphered ChangeKey and WriteData carry
 * a CRC32 over the command and are CBC-decrypted from the running IV, no
 * CMAC first). A backup file's write waits in its shadow copy until
 * CommitTransaction. Every refusal is a status word (dfe_fail). */
#include <string.h>
#include <sodium.h>
#include "access/card/dfcrypt.h"
#include "tests/lib/dfemu_int.h"

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

void dfe_txn_discard(dfe_t *d)
{
    int lost = 0;
    for (int a = 0; a < DFE_APPS_MAX; a++)
        for (int i = 0; i < DFE_FILES_MAX; i++) {
            struct dfe_file *f = &d->apps[a].files[i];
            lost |= f->dirty;
            f->dirty = 0;
        }
    if (lost)
        d->stats.discards++;
}

/* ---- applications ---- */

/* CA AID(3) KS NK [ISO FID(2) [DF name]]: at PICC level; free when the PICC
 * key settings allow it (bit 2), else it would need the PICC master key. */
int dfe_cmd_create_app(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 6 || (!(c[5] & 0x20) && n != 6) || ((c[5] & 0x20) && (n < 8 || n > 8 + 16)))
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    if (!(d->picc_ks & 0x04))
        return dfe_fail(d, SS_AUTH, out, olen);
    uint32_t aid = dfe_le24(c + 1);
    unsigned nkeys = c[5] & 0x0F;
    if (aid == 0 || nkeys < 1 || nkeys > DFE_KEYS_MAX || (c[5] & 0xC0) != 0x80)
        return dfe_fail(d, SS_PARAM, out, olen);       /* AES applications only */
    if (dfe_app_find(d, aid))
        return dfe_fail(d, SS_DUPLICATE, out, olen);
    for (int i = 0; i < DFE_APPS_MAX; i++) {
        struct dfe_app *a = &d->apps[i];
        if (a->used)
            continue;
        memset(a, 0, sizeof *a);
        *a = (struct dfe_app){ .used = 1, .aid = aid, .ks = c[4], .nkeys = nkeys };
        return dfe_answer_plain(d, NULL, 0, out, olen);
    }
    return dfe_fail(d, SS_EEPROM_FULL, out, olen);
}

/* DA AID(3): with the master key of that very application, selected and
 * authenticated (the PICC master key cannot be authenticated here). The
 * card is back at PICC level and the authentication ends; the answer is 91 00. */
int dfe_cmd_delete_app(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 4)
        return dfe_fail(d, SS_LENGTH, out, olen);
    uint32_t aid = dfe_le24(c + 1);
    struct dfe_app *a = aid ? dfe_app_find(d, aid) : NULL;
    if (!aid)
        return dfe_fail(d, SS_PARAM, out, olen);
    if (!a)
        return dfe_fail(d, SS_NO_APP, out, olen);
    if (d->sel != a || d->auth_key != 0)
        return dfe_fail(d, SS_AUTH, out, olen);
    sodium_memzero(a, sizeof *a);
    d->sel = NULL;
    dfe_auth_end(d);
    dfe_put_status(out, olen, 0, SS_OK);
    return LP_OK;
}

/* ---- ChangeKey ---- */

/* Which key must be authenticated to change key_no (key settings bits 7-4:
 * 0 the master key, 1..13 that key, E the key itself, F frozen; key 0 also
 * needs bit 0). Returns the status to refuse with, or SS_OK. */
static uint8_t change_allowed(const dfe_t *d, unsigned key_no)
{
    unsigned who = d->sel->ks >> 4;
    if (d->auth_key < 0)
        return SS_AUTH;
    if (key_no == 0)
        return !(d->sel->ks & 0x01) ? SS_PERMISSION : d->auth_key == 0 ? SS_OK : SS_AUTH;
    if (who == 0xF)
        return SS_PERMISSION;
    unsigned need = who == 0xE ? key_no : who;
    return (unsigned)d->auth_key == need ? SS_OK : SS_AUTH;
}

/* Checks a decrypted cryptogram p[0..32) for key_no and extracts the new key
 * and version: same key NewKey || Ver || CRC32(C4 KeyNo NewKey Ver) || 00*11,
 * another key (NewKey ^ OldKey) || Ver || CRC32(C4 KeyNo XOR Ver) ||
 * CRC32(NewKey) || 00*7. Returns 0 or -1. */
static int open_cryptogram(const dfe_t *d, uint8_t key_no, const uint8_t p[32],
                           uint8_t key[16], uint8_t *ver)
{
    uint8_t m[2 + 17];
    int same = (unsigned)d->auth_key == key_no;
    m[0] = 0xC4;
    m[1] = key_no;
    memcpy(m + 2, p, 17);
    if (get_le32(p + 17) != dfc_crc32(m, sizeof m))
        return -1;
    if (same) {
        memcpy(key, p, 16);
    } else {
        for (int i = 0; i < 16; i++)
            key[i] = p[i] ^ d->sel->keys[key_no][i];
        if (get_le32(p + 21) != dfc_crc32(key, 16))
            return -1;
    }
    *ver = p[16];
    return all_zero(p + (same ? 21 : 25), same ? 11 : 7) ? 0 : -1;
}

/* C4 KeyNo cryptogram(32). */
int dfe_cmd_change_key(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 2 + 32)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_AUTH, out, olen);       /* the PICC key is DES */
    if (c[1] >= d->sel->nkeys)
        return dfe_fail(d, SS_NO_KEY, out, olen);
    uint8_t why = change_allowed(d, c[1]);
    if (why != SS_OK)
        return dfe_fail(d, why, out, olen);
    uint8_t plain[32], key[16], ver = 0;
    if (dfc_cbc_decrypt(d->sk, d->iv, c + 2, 32, plain) != LP_OK)  /* iv = last block */
        return dfe_fail(d, SS_ABORTED, out, olen);
    int ok = open_cryptogram(d, c[1], plain, key, &ver) == 0;
    sodium_memzero(plain, sizeof plain);
    if (!ok)
        return dfe_fail(d, SS_INTEGRITY, out, olen);
    memcpy(d->sel->keys[c[1]], key, 16);
    d->sel->vers[c[1]] = ver;
    sodium_memzero(key, sizeof key);
    if ((unsigned)d->auth_key == c[1]) {           /* its own key: the authentication ends */
        dfe_auth_end(d);
        dfe_put_status(out, olen, 0, SS_OK);
        return LP_OK;
    }
    return dfe_answer_plain(d, NULL, 0, out, olen);
}

/* ---- files ---- */

/* CD / CB FileNo CS AR(2) Size(3): with the master key unless the key
 * settings allow free create (bit 2). */
int dfe_cmd_create_file(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n != 8)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    if (!(d->sel->ks & 0x04) && d->auth_key != 0)
        return dfe_fail(d, SS_AUTH, out, olen);
    uint8_t no = c[1], cs = c[2];
    uint32_t size = dfe_le24(c + 5);
    if (no > 31 || (cs != 0 && cs != 1 && cs != 3) || size == 0)
        return dfe_fail(d, SS_PARAM, out, olen);
    if (size > DFE_FILE_MAX)
        return dfe_fail(d, SS_EEPROM_FULL, out, olen);
    if (dfe_file_find(d, no))
        return dfe_fail(d, SS_DUPLICATE, out, olen);
    for (int i = 0; i < DFE_FILES_MAX; i++) {
        struct dfe_file *f = &d->sel->files[i];
        if (f->used)
            continue;
        memset(f, 0, sizeof *f);
        f->used = 1;
        f->no = no;
        f->type = c[0] == 0xCB ? 1 : 0;
        f->comm = cs;
        f->ar = (uint16_t)(c[3] | c[4] << 8);
        f->size = size;
        return dfe_answer_plain(d, NULL, 0, out, olen);
    }
    return dfe_fail(d, SS_EEPROM_FULL, out, olen);
}

/* The bytes a WriteData of len data bytes carries after its 8-byte header
 * in mode 0 (plain), 1 (MAC) or 3 (enciphered). */
static size_t write_need(int mode, size_t len)
{
    return mode == 3 ? (len + 4 + 15) / 16 * 16 : mode == 1 ? len + 8 : len;
}

/* 3D FileNo Off(3) Len(3) data...: checks the header, then gathers the rest
 * over 90 AF frames (91 AF until every byte arrived). */
int dfe_cmd_write(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    if (n < 8)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    struct dfe_file *f = dfe_file_find(d, c[1]);
    if (!f)
        return dfe_fail(d, SS_NO_FILE, out, olen);
    uint32_t off = dfe_le24(c + 2), len = dfe_le24(c + 5);
    if (len == 0)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (off >= f->size || (size_t)off + len > f->size)
        return dfe_fail(d, SS_BOUNDARY, out, olen);
    int w = f->ar >> 8 & 0xF, rw = f->ar >> 4 & 0xF;
    int keyed = d->auth_key >= 0 && (d->auth_key == w || d->auth_key == rw);
    if (!keyed && w != 0xE && rw != 0xE)
        return dfe_fail(d, d->auth_key < 0 ? SS_AUTH : SS_PERMISSION, out, olen);
    d->win_mode = keyed ? f->comm : 0;
    d->win_need = 8 + write_need(d->win_mode, len);
    if (n > d->win_need)
        return dfe_fail(d, SS_LENGTH, out, olen);
    memcpy(d->win, c, n);
    d->win_len = n;
    return dfe_write_more(d, NULL, 0, out, olen);
}

/* Opens the gathered command in place: checks the MAC, or decrypts and checks
 * CRC32(3D header data) and the zero padding. Returns a status byte. */
static uint8_t write_open(dfe_t *d, size_t len)
{
    uint8_t mac[16];
    if (d->win_mode == 0)
        return d->auth_key < 0 || dfc_cmac(d->sk, d->iv, d->win, 8 + len, mac) == LP_OK
                   ? SS_OK : SS_ABORTED;
    if (d->win_mode == 1) {
        if (dfc_cmac(d->sk, d->iv, d->win, 8 + len, mac) != LP_OK)
            return SS_ABORTED;
        return sodium_memcmp(mac, d->win + 8 + len, 8) == 0 ? SS_OK : SS_INTEGRITY;
    }
    size_t enc = d->win_need - 8;
    if (dfc_cbc_decrypt(d->sk, d->iv, d->win + 8, enc, d->win + 8) != LP_OK)
        return SS_ABORTED;
    if (get_le32(d->win + 8 + len) != dfc_crc32(d->win, 8 + len))
        return SS_INTEGRITY;
    return all_zero(d->win + 8 + len + 4, enc - len - 4) ? SS_OK : SS_INTEGRITY;
}

/* The whole command is here: open it and write into the file (a backup
 * file's shadow copy). */
static int write_finish(dfe_t *d, uint8_t *out, size_t *olen)
{
    struct dfe_file *f = dfe_file_find(d, d->win[1]);
    uint32_t off = dfe_le24(d->win + 2), len = dfe_le24(d->win + 5);
    uint8_t ss = write_open(d, len);
    d->win_need = 0;
    if (ss != SS_OK) {
        sodium_memzero(d->win, sizeof d->win);
        return dfe_fail(d, ss, out, olen);
    }
    if (f->type == 1) {
        if (!f->dirty)
            memcpy(f->shadow, f->data, f->size);
        f->dirty = 1;
        memcpy(f->shadow + off, d->win + 8, len);
    } else {
        memcpy(f->data + off, d->win + 8, len);
    }
    sodium_memzero(d->win, sizeof d->win);
    d->win_len = 0;
    d->stats.writes++;
    return dfe_answer_plain(d, NULL, 0, out, olen);
}

int dfe_write_more(dfe_t *d, const uint8_t *p, size_t n, uint8_t *out, size_t *olen)
{
    if (p && n == 0)
        return dfe_fail(d, SS_LENGTH, out, olen);  /* 90 AF without data */
    if (n > d->win_need - d->win_len)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (n)
        memcpy(d->win + d->win_len, p, n);
    d->win_len += n;
    if (d->win_len < d->win_need) {
        dfe_put_status(out, olen, 0, SS_MORE);
        return LP_OK;
    }
    return write_finish(d, out, olen);
}

/* ---- transactions ---- */

static int txn_end(dfe_t *d, const uint8_t *c, size_t n, int commit, uint8_t *out, size_t *olen)
{
    if (n != 1)
        return dfe_fail(d, SS_LENGTH, out, olen);
    if (!d->sel)
        return dfe_fail(d, SS_PERMISSION, out, olen);
    for (int i = 0; commit && i < DFE_FILES_MAX; i++) {
        struct dfe_file *f = &d->sel->files[i];
        if (f->used && f->dirty)
            memcpy(f->data, f->shadow, f->size);
        f->dirty = 0;
    }
    if (commit)
        d->stats.commits++;
    else
        dfe_txn_discard(d);
    return dfe_answer_plain(d, NULL, 0, out, olen);
}

int dfe_cmd_commit(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    return txn_end(d, c, n, 1, out, olen);
}

int dfe_cmd_abort(dfe_t *d, const uint8_t *c, size_t n, uint8_t *out, size_t *olen)
{
    return txn_end(d, c, n, 0, out, olen);
}
