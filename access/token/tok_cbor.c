/* tok_cbor.c: the strict CBOR reader and deterministic CBOR writer behind the
 * pass codec. Heads are decoded by libcbor's streaming decoder and encoded by
 * libcbor's cbor_encode_* functions; this file adds the rules a pass needs:
 * shortest-form heads, definite lengths only, no tags/floats/simple values
 * inside, counts bounded by the bytes left, ascending map keys.
 * Tags are never read here: the one tag of a COSE_Sign1 (18, byte 0xd2) is
 * checked by tok_sign1.c as a literal byte, since libcbor 0.8 refuses the
 * one-byte tag heads 0xc6..0xd4 in its decoder. */
#include <string.h>
#include <cbor.h>
#include "access/token/tok_internal.h"

/* ---- reader ---- */

struct rd_ctx {
    struct tok_item *it;
    int bad;
};

static void set_item(void *c, enum tok_kind k, uint64_t v)
{
    struct rd_ctx *x = c;
    x->it->kind = k;
    x->it->val = v;
}

static void on_u8(void *c, uint8_t v) { set_item(c, TK_UINT, v); }
static void on_u16(void *c, uint16_t v) { set_item(c, TK_UINT, v); }
static void on_u32(void *c, uint32_t v) { set_item(c, TK_UINT, v); }
static void on_u64(void *c, uint64_t v) { set_item(c, TK_UINT, v); }
static void on_n8(void *c, uint8_t v) { set_item(c, TK_NINT, v); }
static void on_n16(void *c, uint16_t v) { set_item(c, TK_NINT, v); }
static void on_n32(void *c, uint32_t v) { set_item(c, TK_NINT, v); }
static void on_n64(void *c, uint64_t v) { set_item(c, TK_NINT, v); }
static void on_array(void *c, size_t n) { set_item(c, TK_ARRAY, n); }
static void on_map(void *c, size_t n) { set_item(c, TK_MAP, n); }

static void on_bstr(void *c, cbor_data d, size_t n)
{
    set_item(c, TK_BSTR, n);
    ((struct rd_ctx *)c)->it->data = d;
}

static void on_tstr(void *c, cbor_data d, size_t n)
{
    set_item(c, TK_TSTR, n);
    ((struct rd_ctx *)c)->it->data = d;
}

static void on_bad(void *c) { ((struct rd_ctx *)c)->bad = 1; }
static void on_bad_u64(void *c, uint64_t v) { ((struct rd_ctx *)c)->bad = 1; }
static void on_bad_f(void *c, float v) { ((struct rd_ctx *)c)->bad = 1; }
static void on_bad_d(void *c, double v) { ((struct rd_ctx *)c)->bad = 1; }
static void on_bad_b(void *c, bool v) { ((struct rd_ctx *)c)->bad = 1; }

/* Everything a pass may not contain lands in an on_bad* callback. */
static const struct cbor_callbacks rd_callbacks = {
    .uint8 = on_u8, .uint16 = on_u16, .uint32 = on_u32, .uint64 = on_u64,
    .negint8 = on_n8, .negint16 = on_n16, .negint32 = on_n32, .negint64 = on_n64,
    .byte_string = on_bstr, .byte_string_start = on_bad,
    .string = on_tstr, .string_start = on_bad,
    .array_start = on_array, .indef_array_start = on_bad,
    .map_start = on_map, .indef_map_start = on_bad,
    .tag = on_bad_u64,
    .float2 = on_bad_f, .float4 = on_bad_f, .float8 = on_bad_d,
    .undefined = on_bad, .null = on_bad, .boolean = on_bad_b,
    .indef_break = on_bad,
};

size_t tok_head_len(uint64_t v)
{
    if (v < 24)
        return 1;
    if (v <= UINT8_MAX)
        return 2;
    if (v <= UINT16_MAX)
        return 3;
    if (v <= UINT32_MAX)
        return 5;
    return 9;
}

void tok_rd_init(struct tok_rd *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
}

int tok_rd_done(const struct tok_rd *r)
{
    return r->pos == r->len;
}

/* Elements of a container need at least one byte each (two per map pair). */
static int count_fits(const struct tok_rd *r, const struct tok_item *it)
{
    size_t left = r->len - r->pos;
    if (it->kind == TK_ARRAY)
        return it->val <= left;
    if (it->kind == TK_MAP)
        return it->val <= left / 2;
    return 1;
}

int tok_rd_next(struct tok_rd *r, struct tok_item *it)
{
    struct rd_ctx ctx = { .it = it, .bad = 0 };
    memset(it, 0, sizeof *it);
    if (r->pos >= r->len)
        return LP_ERR_INVALID;
    struct cbor_decoder_result res =
        cbor_stream_decode(r->buf + r->pos, r->len - r->pos, &rd_callbacks, &ctx);
    if (res.status != CBOR_DECODER_FINISHED || ctx.bad || it->kind == 0)
        return LP_ERR_INVALID;
    size_t body = (it->kind == TK_BSTR || it->kind == TK_TSTR) ? (size_t)it->val : 0;
    if (res.read < body || res.read - body != tok_head_len(it->val))
        return LP_ERR_INVALID;                      /* not the shortest head */
    it->off = r->pos;
    it->end = r->pos + res.read;
    r->pos = it->end;
    return count_fits(r, it) ? 0 : LP_ERR_INVALID;
}

int tok_rd_expect(struct tok_rd *r, enum tok_kind k, struct tok_item *it)
{
    int rc = tok_rd_next(r, it);
    if (rc == 0 && it->kind != k)
        rc = LP_ERR_INVALID;
    return rc;
}

int tok_item_int(const struct tok_item *it, int64_t *out)
{
    if ((it->kind != TK_UINT && it->kind != TK_NINT) || it->val > INT64_MAX)
        return LP_ERR_INVALID;
    *out = it->kind == TK_UINT ? (int64_t)it->val : -1 - (int64_t)it->val;
    return 0;
}

/* RFC 8949 4.2.1: keys sorted by the bytewise lexicographic order of their
 * encodings; equal keys (duplicates) are refused by the strictness. */
static int key_after(const uint8_t *buf, size_t a_off, size_t a_end,
                     size_t b_off, size_t b_end)
{
    size_t la = a_end - a_off, lb = b_end - b_off;
    int c = memcmp(buf + a_off, buf + b_off, la < lb ? la : lb);
    return c > 0 || (c == 0 && la > lb);
}

int tok_rd_key(struct tok_rd *r, struct tok_item *key, size_t *prev_off, size_t *prev_end)
{
    int rc = tok_rd_next(r, key);
    if (rc != 0)
        return rc;
    if (key->kind != TK_UINT && key->kind != TK_NINT && key->kind != TK_TSTR)
        return LP_ERR_INVALID;
    if (*prev_end != 0 && !key_after(r->buf, key->off, key->end, *prev_off, *prev_end))
        return LP_ERR_INVALID;
    *prev_off = key->off;
    *prev_end = key->end;
    return 0;
}

int tok_rd_skip(struct tok_rd *r, int depth)
{
    struct tok_item it;
    if (depth > TOK_DEPTH_MAX)
        return LP_ERR_INVALID;
    int rc = tok_rd_next(r, &it);
    if (rc != 0)
        return rc;
    if (it.kind == TK_ARRAY) {
        for (uint64_t i = 0; i < it.val && rc == 0; i++)
            rc = tok_rd_skip(r, depth + 1);
    } else if (it.kind == TK_MAP) {
        size_t po = 0, pe = 0;
        struct tok_item key;
        for (uint64_t i = 0; i < it.val && rc == 0; i++) {
            rc = tok_rd_key(r, &key, &po, &pe);
            if (rc == 0)
                rc = tok_rd_skip(r, depth + 1);
        }
    }
    return rc;
}

/* ---- writer ---- */

void tok_wr_init(struct tok_wr *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->err = 0;
}

/* Runs one libcbor encoder into the free space; 0 bytes written = no room. */
static void wr_done(struct tok_wr *w, size_t n)
{
    if (n == 0)
        w->err = LP_ERR_TOOBIG;
    w->len += n;
}

/* The free space of w as the (buffer, size) pair libcbor encoders take. */
#define WR_SPACE(w) (w)->buf + (w)->len, (w)->cap - (w)->len

void tok_wr_uint(struct tok_wr *w, uint64_t v)
{
    if (!w->err)
        wr_done(w, cbor_encode_uint(v, WR_SPACE(w)));
}

void tok_wr_int(struct tok_wr *w, int64_t v)
{
    if (w->err)
        return;
    if (v >= 0)
        wr_done(w, cbor_encode_uint((uint64_t)v, WR_SPACE(w)));
    else
        wr_done(w, cbor_encode_negint((uint64_t)(-1 - v), WR_SPACE(w)));
}

void tok_wr_raw(struct tok_wr *w, const uint8_t *p, size_t n)
{
    if (w->err)
        return;
    if (n > w->cap - w->len) {
        w->err = LP_ERR_TOOBIG;
        return;
    }
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void tok_wr_bstr(struct tok_wr *w, const uint8_t *p, size_t n)
{
    if (!w->err)
        wr_done(w, cbor_encode_bytestring_start(n, WR_SPACE(w)));
    tok_wr_raw(w, p, n);
}

void tok_wr_tstr(struct tok_wr *w, const char *s, size_t n)
{
    if (!w->err)
        wr_done(w, cbor_encode_string_start(n, WR_SPACE(w)));
    tok_wr_raw(w, (const uint8_t *)s, n);
}

void tok_wr_array(struct tok_wr *w, size_t n)
{
    if (!w->err)
        wr_done(w, cbor_encode_array_start(n, WR_SPACE(w)));
}

void tok_wr_map(struct tok_wr *w, size_t n)
{
    if (!w->err)
        wr_done(w, cbor_encode_map_start(n, WR_SPACE(w)));
}

void tok_wr_tag(struct tok_wr *w, uint64_t tag)
{
    if (!w->err)
        wr_done(w, cbor_encode_tag(tag, WR_SPACE(w)));
}
