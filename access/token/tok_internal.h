/* tok_internal.h: internals shared by the token module's files (not for
 * other modules). A strict CBOR reader and a deterministic CBOR writer on top
 * of libcbor, and the COSE_Sign1 envelope used by passes and signed bundles. */
#ifndef LP_TOK_INTERNAL_H
#define LP_TOK_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "access/token/token.h"

#define TOK_DEPTH_MAX 8   /* nesting bound for values the reader skips */

/* ---- strict reader (tok_cbor.c) ---- */

enum tok_kind { TK_UINT = 1, TK_NINT, TK_BSTR, TK_TSTR, TK_ARRAY, TK_MAP };

/* One data item head. val is the unsigned value (TK_UINT), the raw n of -1-n
 * (TK_NINT), the byte length (strings) or the element count (array, map:
 * pairs). data points at string contents. [off, end) is the head plus, for
 * strings, the contents. */
struct tok_item {
    enum tok_kind kind;
    uint64_t val;
    const uint8_t *data;
    size_t off, end;
};

struct tok_rd {
    const uint8_t *buf;
    size_t len, pos;
};

void tok_rd_init(struct tok_rd *r, const uint8_t *buf, size_t len);
/* Reads the next head. Refuses (LP_ERR_INVALID) truncation, indefinite
 * lengths, breaks, tags, floats, simple values, non-shortest heads and
 * counts that cannot fit in the remaining bytes. */
int tok_rd_next(struct tok_rd *r, struct tok_item *it) LP_MUST;
/* Reads the next head and requires kind k. */
int tok_rd_expect(struct tok_rd *r, enum tok_kind k, struct tok_item *it) LP_MUST;
/* Skips one whole item (nested up to TOK_DEPTH_MAX), checking the same
 * rules and ascending map keys inside. */
int tok_rd_skip(struct tok_rd *r, int depth) LP_MUST;
/* Reads a map key (int or text) and checks it sorts strictly after the
 * previous key [*prev_off, *prev_end) of the same map (none when
 * *prev_end == 0). Updates prev. */
int tok_rd_key(struct tok_rd *r, struct tok_item *key, size_t *prev_off,
               size_t *prev_end) LP_MUST;
/* The int64 value of an int item; LP_ERR_INVALID when not an int or out of range. */
int tok_item_int(const struct tok_item *it, int64_t *out) LP_MUST;
/* True when r has consumed all of its bytes. */
int tok_rd_done(const struct tok_rd *r);

/* ---- deterministic writer (tok_cbor.c) ----
 * Writes shortest heads and definite lengths. Any overflow sets err and
 * makes further writes no-ops; check err once at the end. */
struct tok_wr {
    uint8_t *buf;
    size_t cap, len;
    int err;
};

void tok_wr_init(struct tok_wr *w, uint8_t *buf, size_t cap);
void tok_wr_uint(struct tok_wr *w, uint64_t v);
void tok_wr_int(struct tok_wr *w, int64_t v);
void tok_wr_bstr(struct tok_wr *w, const uint8_t *p, size_t n);
void tok_wr_tstr(struct tok_wr *w, const char *s, size_t n);
void tok_wr_array(struct tok_wr *w, size_t n);
void tok_wr_map(struct tok_wr *w, size_t n);
void tok_wr_tag(struct tok_wr *w, uint64_t tag);
void tok_wr_raw(struct tok_wr *w, const uint8_t *p, size_t n);
/* Bytes a head with argument v takes (1, 2, 3, 5 or 9). */
size_t tok_head_len(uint64_t v);

/* ---- COSE_Sign1 envelope (tok_sign1.c) ---- */

#define TOK_COSE_TAG_SIGN1 18
#define TOK_COSE_ALG_EDDSA (-8)

/* Where the parts of a parsed COSE_Sign1 lie within the message. */
struct tok_sign1_view {
    size_t prot_off, prot_len, payload_off, payload_len, sig_off;
    uint8_t kid[TOK_KID_MAX];
    size_t kid_len;
};

/* Parses the envelope strictly (see token.h). Returns 0 or LP_ERR_INVALID. */
int tok_sign1_parse(const uint8_t *msg, size_t len, struct tok_sign1_view *v) LP_MUST;
/* Builds a whole COSE_Sign1 around payload into w, signing with sk. Returns 0,
 * LP_ERR_INVALID (kid), LP_ERR_TOOBIG, LP_ERR_NOMEM or LP_ERR_CRYPTO. */
int tok_sign1_build(struct tok_wr *w, const uint8_t *payload, size_t len,
                    const uint8_t sk[TOK_SK_LEN], const uint8_t *kid, size_t kid_len) LP_MUST;
/* Checks the signature of a parsed message against keys with a matching kid.
 * Returns 0, LP_ERR_NOTFOUND, LP_ERR_CRYPTO or LP_ERR_NOMEM, setting *why. */
int tok_sign1_check(const uint8_t *msg, const struct tok_sign1_view *v,
                    const struct tok_key *keys, size_t n, enum tok_reason *why) LP_MUST;

/* Sets *why (when why is not NULL) and returns tok_reason_err(r). */
int tok_fail(enum tok_reason *why, enum tok_reason r);
/* True when s[0..n) is 1..max visible ASCII bytes (0x21..0x7e). */
int tok_text_ok(const char *s, size_t n, size_t max);
/* True when groups[0..n) are 1..TOK_GROUPS_MAX valid, distinct group names. */
int tok_groups_ok(const char groups[][TOK_GROUP_MAX + 1], size_t n);

/* ---- field readers shared by the pass and bundle decoders (token.c) ---- */

/* A text string of 1..max visible ASCII bytes, copied NUL-terminated. */
int tok_rd_text(struct tok_rd *r, char *out, size_t max) LP_MUST;
/* An unsigned int that fits an int64 (times and ids). */
int tok_rd_uint(struct tok_rd *r, int64_t *out) LP_MUST;
/* An array of 1..TOK_GROUPS_MAX group names (duplicates are refused later,
 * by tok_groups_ok). */
int tok_rd_groups(struct tok_rd *r, char groups[][TOK_GROUP_MAX + 1], size_t *n) LP_MUST;

#endif
