/* tok_bundle.c: the door sync bundle payload (docs/access-protocol.md section
 * 15), shared by the server that writes it and the door that reads it.
 *
 * Guarantees: tok_bundle_encode writes deterministic CBOR (shortest heads,
 * definite lengths, keys ascending, flags as 0/1) and refuses a bundle that
 * tok_bundle_check refuses; tok_bundle_decode accepts exactly what the strict
 * reader of the pass codec accepts (section 2), requires every mandatory key,
 * skips unknown keys after checking their form, bounds every count before
 * allocating, and runs tok_bundle_check on the result, so each direction
 * accepts what the other produces and nothing else. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "access/token/tok_internal.h"

/* Map keys of the bundle, a trust-list entry and the settings. */
enum {
    B_V = 1, B_ISS = 2, B_DOOR = 3, B_NOW = 4, B_SEQ = 5, B_SINCE = 6, B_RESET = 7,
    B_KEYS = 8, B_DENY = 9, B_SETTINGS = 10, B_NONCE = 11, B_FLOOR = 12, B_CARD_KEYS = 13, B_CARD_PASSES = 14, B_WRITE_KEYS = 15,
    K_KID = 1, K_PK = 2, K_NOT_BEFORE = 3, K_NOT_AFTER = 4,
    S_GROUPS = 1, S_HOLDER = 2, S_BEARER = 3, S_SKEW = 4, S_PULSE = 5, S_NAME = 6, S_SYNC = 7,
};

#define SYNC_INTERVAL_MAX 86400

/* ---- rules ---- */

static int name_ok(const char *s)
{
    size_t n = strnlen(s, TOK_DOOR_ID_MAX + 1);
    if (n == 0 || n > TOK_DOOR_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int settings_ok(const struct tok_door_settings *s)
{
    return tok_groups_ok(s->groups, s->n_groups) && (s->holder_proof == 0 || s->holder_proof == 1) &&
           (s->bearer_allowed == 0 || s->bearer_allowed == 1) &&
           s->clock_skew >= 0 && s->clock_skew <= TOK_SKEW_MAX &&
           s->pulse_ms >= TOK_PULSE_MIN_MS && s->pulse_ms <= TOK_PULSE_MAX_MS &&
           s->sync_interval >= 1 && s->sync_interval <= SYNC_INTERVAL_MAX && name_ok(s->name);
}

static int keys_ok(const struct tok_bundle *b)
{
    if (b->n_keys > TOK_BUNDLE_KEYS_MAX || (b->n_keys && b->keys == NULL))
        return 0;
    for (size_t i = 0; i < b->n_keys; i++) {
        const struct tok_trust_key *k = &b->keys[i];
        if (k->key.kid_len == 0 || k->key.kid_len > TOK_KID_MAX || k->not_before < 0 || k->not_after < 0)
            return 0;
    }
    return 1;
}

static int deny_ok(const struct tok_bundle *b)
{
    if (b->n_deny > TOK_BUNDLE_DENY_MAX || (b->n_deny && b->deny == NULL))
        return 0;
    for (size_t i = 0; i < b->n_deny; i++) {
        if (b->deny[i].exp < 0)
            return 0;
    }
    return 1;
}

static int card_keys_ok(const struct tok_card_key *k, size_t n)
{
    if (n > TOK_CARD_KEYS_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (k[i].generation < 1 || k[i].generation > 255)
            return 0;
        for (size_t j = 0; j < i; j++)
            if (k[j].generation == k[i].generation)
                return 0;
    }
    return 1;
}

/* Sorted by card id, each once; every pass 1..TOK_PASS_MAX bytes. */
static int card_passes_ok(const struct tok_bundle *b)
{
    if (!b->has_card_passes)
        return b->n_card_passes == 0;
    if (b->n_card_passes > TOK_CARD_PASSES_MAX || (b->n_card_passes && !b->card_passes))
        return 0;
    for (size_t i = 0; i < b->n_card_passes; i++) {
        const struct tok_card_pass *p = &b->card_passes[i];
        if (p->len < 1 || p->len > TOK_PASS_MAX)
            return 0;
        if (i && memcmp(b->card_passes[i - 1].card_id, p->card_id, TOK_CARD_ID_LEN) >= 0)
            return 0;
    }
    return 1;
}

void tok_card_passes_digest(const struct tok_card_pass *p, size_t n, uint8_t out[TOK_CARD_PASSES_DIGEST])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, TOK_CARD_PASSES_DIGEST);
    for (size_t i = 0; i < n; i++) {
        uint8_t len[2] = { (uint8_t)(p[i].len >> 8), (uint8_t)p[i].len };
        crypto_generichash_update(&h, p[i].card_id, TOK_CARD_ID_LEN);
        crypto_generichash_update(&h, len, 2);
        crypto_generichash_update(&h, p[i].pass, p[i].len);
    }
    crypto_generichash_final(&h, out, TOK_CARD_PASSES_DIGEST);
}

int tok_bundle_check(const struct tok_bundle *b)
{
    size_t iss_len = strnlen(b->iss, TOK_TEXT_MAX + 1);
    if (!tok_text_ok(b->iss, iss_len, TOK_TEXT_MAX) || b->door_id < 0 || b->now < 0 || b->seq < 0 ||
        b->since < 0 || (b->reset != 0 && b->reset != 1))
        return LP_ERR_INVALID;
    if (b->nonce_len != 0 && (b->nonce_len < TOK_NONCE_MIN || b->nonce_len > TOK_NONCE_MAX))
        return LP_ERR_INVALID;
    if (!card_keys_ok(b->card_keys, b->n_card_keys) || !card_keys_ok(b->write_keys, b->n_write_keys) ||
        !card_passes_ok(b))
        return LP_ERR_INVALID;
    /* A correction is bound to one request (its nonce) and only ever lowers. */
    if (b->floor_from != 0 && (b->nonce_len == 0 || b->floor_from <= b->now))
        return LP_ERR_INVALID;
    if (!keys_ok(b) || !deny_ok(b) || !settings_ok(&b->settings))
        return LP_ERR_INVALID;
    return 0;
}

/* ---- encoder ---- */

static void put_key(struct tok_wr *w, const struct tok_trust_key *k)
{
    tok_wr_map(w, 3 + (k->not_after != 0));
    tok_wr_uint(w, K_KID);
    tok_wr_bstr(w, k->key.kid, k->key.kid_len);
    tok_wr_uint(w, K_PK);
    tok_wr_bstr(w, k->key.pk, TOK_PK_LEN);
    tok_wr_uint(w, K_NOT_BEFORE);
    tok_wr_int(w, k->not_before);
    if (k->not_after != 0) {
        tok_wr_uint(w, K_NOT_AFTER);
        tok_wr_int(w, k->not_after);
    }
}

static void put_settings(struct tok_wr *w, const struct tok_door_settings *s)
{
    tok_wr_map(w, 7);
    tok_wr_uint(w, S_GROUPS);
    tok_wr_array(w, s->n_groups);
    for (size_t i = 0; i < s->n_groups; i++)
        tok_wr_tstr(w, s->groups[i], strlen(s->groups[i]));
    tok_wr_uint(w, S_HOLDER);
    tok_wr_uint(w, (uint64_t)s->holder_proof);
    tok_wr_uint(w, S_BEARER);
    tok_wr_uint(w, (uint64_t)s->bearer_allowed);
    tok_wr_uint(w, S_SKEW);
    tok_wr_int(w, s->clock_skew);
    tok_wr_uint(w, S_PULSE);
    tok_wr_int(w, s->pulse_ms);
    tok_wr_uint(w, S_NAME);
    tok_wr_tstr(w, s->name, strlen(s->name));
    tok_wr_uint(w, S_SYNC);
    tok_wr_int(w, s->sync_interval);
}

static void put_card_keys(struct tok_wr *w, uint64_t label, const struct tok_card_key *k, size_t n)
{
    tok_wr_uint(w, label);
    tok_wr_array(w, n);
    for (size_t i = 0; i < n; i++) {
        tok_wr_array(w, 2);
        tok_wr_int(w, k[i].generation);
        tok_wr_bstr(w, k[i].boxed, TOK_CARD_KEY_BOX_LEN);
    }
}

static void put_bundle(struct tok_wr *w, const struct tok_bundle *b)
{
    tok_wr_map(w, 10 + (b->nonce_len != 0) + (b->floor_from != 0) + (b->n_card_keys != 0) +
                      (b->has_card_passes != 0) + (b->n_write_keys != 0));
    tok_wr_uint(w, B_V);
    tok_wr_uint(w, TOK_BUNDLE_VERSION);
    tok_wr_uint(w, B_ISS);
    tok_wr_tstr(w, b->iss, strlen(b->iss));
    tok_wr_uint(w, B_DOOR);
    tok_wr_int(w, b->door_id);
    tok_wr_uint(w, B_NOW);
    tok_wr_int(w, b->now);
    tok_wr_uint(w, B_SEQ);
    tok_wr_int(w, b->seq);
    tok_wr_uint(w, B_SINCE);
    tok_wr_int(w, b->since);
    tok_wr_uint(w, B_RESET);
    tok_wr_uint(w, (uint64_t)b->reset);
    tok_wr_uint(w, B_KEYS);
    tok_wr_array(w, b->n_keys);
    for (size_t i = 0; i < b->n_keys; i++)
        put_key(w, &b->keys[i]);
    tok_wr_uint(w, B_DENY);
    tok_wr_array(w, b->n_deny);
    for (size_t i = 0; i < b->n_deny; i++) {
        tok_wr_array(w, 2);
        tok_wr_bstr(w, b->deny[i].cti, TOK_CTI_LEN);
        tok_wr_int(w, b->deny[i].exp);
    }
    tok_wr_uint(w, B_SETTINGS);
    put_settings(w, &b->settings);
    if (b->nonce_len != 0) {
        tok_wr_uint(w, B_NONCE);
        tok_wr_bstr(w, b->nonce, b->nonce_len);
    }
    if (b->floor_from != 0) {
        tok_wr_uint(w, B_FLOOR);
        tok_wr_int(w, b->floor_from);
    }
    if (b->n_card_keys != 0)
        put_card_keys(w, B_CARD_KEYS, b->card_keys, b->n_card_keys);
    if (b->has_card_passes) {
        tok_wr_uint(w, B_CARD_PASSES);
        tok_wr_array(w, b->n_card_passes);
        for (size_t i = 0; i < b->n_card_passes; i++) {
            tok_wr_array(w, 2);
            tok_wr_bstr(w, b->card_passes[i].card_id, TOK_CARD_ID_LEN);
            tok_wr_bstr(w, b->card_passes[i].pass, b->card_passes[i].len);
        }
    }
    if (b->n_write_keys != 0)
        put_card_keys(w, B_WRITE_KEYS, b->write_keys, b->n_write_keys);
}

int tok_bundle_encode(const struct tok_bundle *b, uint8_t **out, size_t *out_len)
{
    struct tok_wr w;
    *out = NULL;
    *out_len = 0;
    if (tok_bundle_check(b) != 0)
        return LP_ERR_INVALID;
    /* generous: every entry at its longest heads */
    size_t cap = 512 + b->n_keys * (TOK_KID_MAX + TOK_PK_LEN + 32) + b->n_deny * (TOK_CTI_LEN + 16) +
                 (b->n_card_keys + b->n_write_keys) * (TOK_CARD_KEY_BOX_LEN + 16) +
                 b->n_card_passes * (TOK_CARD_ID_LEN + TOK_PASS_MAX + 16);
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return LP_ERR_NOMEM;
    tok_wr_init(&w, buf, cap);
    put_bundle(&w, b);
    if (w.err) {
        free(buf);
        return LP_ERR_TOOBIG;
    }
    *out = buf;
    *out_len = w.len;
    return 0;
}

/* ---- decoder ---- */

/* One map key's rule: its parser and whether it must be present. */
struct field {
    int64_t key;
    int required;
    int (*parse)(struct tok_rd *r, void *ctx);
};

/* Reads a map whose values go to the rules in f[0..nf) (bit i of the seen
 * mask per rule); unknown keys are skipped after their form is checked. */
static int read_map(struct tok_rd *r, const struct field *f, size_t nf, void *ctx, int depth)
{
    struct tok_item map, key;
    size_t po = 0, pe = 0;
    uint32_t seen = 0;
    int64_t k;
    if (tok_rd_expect(r, TK_MAP, &map) != 0)
        return LP_ERR_INVALID;
    for (uint64_t i = 0; i < map.val; i++) {
        if (tok_rd_key(r, &key, &po, &pe) != 0)
            return LP_ERR_INVALID;
        size_t j = nf;
        if (tok_item_int(&key, &k) == 0) {
            for (j = 0; j < nf && f[j].key != k; j++)
                ;
        }
        int rc = j < nf ? f[j].parse(r, ctx) : tok_rd_skip(r, depth + 1);
        if (rc != 0)
            return rc == LP_ERR_NOMEM ? rc : LP_ERR_INVALID;
        if (j < nf)
            seen |= UINT32_C(1) << j;
    }
    for (size_t j = 0; j < nf; j++) {
        if (f[j].required && !(seen & (UINT32_C(1) << j)))
            return LP_ERR_INVALID;
    }
    return 0;
}

static int rd_flag(struct tok_rd *r, int *out)
{
    int64_t v;
    if (tok_rd_uint(r, &v) != 0 || v > 1)
        return LP_ERR_INVALID;
    *out = (int)v;
    return 0;
}

static int rd_bytes(struct tok_rd *r, uint8_t *out, size_t min, size_t max, size_t *len)
{
    struct tok_item it;
    if (tok_rd_expect(r, TK_BSTR, &it) != 0 || it.val < min || it.val > max)
        return LP_ERR_INVALID;
    memcpy(out, it.data, it.val);
    *len = it.val;
    return 0;
}

/* trust-list entries */

static int k_kid(struct tok_rd *r, void *c)
{
    struct tok_trust_key *k = c;
    return rd_bytes(r, k->key.kid, 1, TOK_KID_MAX, &k->key.kid_len);
}

static int k_pk(struct tok_rd *r, void *c)
{
    size_t n;
    return rd_bytes(r, ((struct tok_trust_key *)c)->key.pk, TOK_PK_LEN, TOK_PK_LEN, &n);
}

static int k_not_before(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_trust_key *)c)->not_before); }

static int k_not_after(struct tok_rd *r, void *c)
{
    int64_t *v = &((struct tok_trust_key *)c)->not_after;
    return tok_rd_uint(r, v) == 0 && *v > 0 ? 0 : LP_ERR_INVALID;   /* 0 is written by omission */
}

static const struct field key_fields[] = {
    { K_KID, 1, k_kid }, { K_PK, 1, k_pk }, { K_NOT_BEFORE, 1, k_not_before }, { K_NOT_AFTER, 0, k_not_after },
};

/* settings */

static int s_groups(struct tok_rd *r, void *c)
{
    struct tok_door_settings *s = c;
    return tok_rd_groups(r, s->groups, &s->n_groups);
}

static int s_holder(struct tok_rd *r, void *c) { return rd_flag(r, &((struct tok_door_settings *)c)->holder_proof); }
static int s_bearer(struct tok_rd *r, void *c) { return rd_flag(r, &((struct tok_door_settings *)c)->bearer_allowed); }
static int s_skew(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_door_settings *)c)->clock_skew); }
static int s_pulse(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_door_settings *)c)->pulse_ms); }
static int s_name(struct tok_rd *r, void *c) { return tok_rd_text(r, ((struct tok_door_settings *)c)->name, TOK_DOOR_ID_MAX); }
static int s_sync(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_door_settings *)c)->sync_interval); }

static const struct field settings_fields[] = {
    { S_GROUPS, 1, s_groups }, { S_HOLDER, 1, s_holder }, { S_BEARER, 1, s_bearer }, { S_SKEW, 1, s_skew },
    { S_PULSE, 1, s_pulse }, { S_NAME, 1, s_name }, { S_SYNC, 1, s_sync },
};

/* the bundle */

static int b_v(struct tok_rd *r, void *c)
{
    int64_t v;
    return tok_rd_uint(r, &v) == 0 && v == TOK_BUNDLE_VERSION ? 0 : LP_ERR_INVALID;
}

static int b_iss(struct tok_rd *r, void *c) { return tok_rd_text(r, ((struct tok_bundle *)c)->iss, TOK_TEXT_MAX); }
static int b_door(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_bundle *)c)->door_id); }
static int b_now(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_bundle *)c)->now); }
static int b_seq(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_bundle *)c)->seq); }
static int b_since(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_bundle *)c)->since); }
static int b_reset(struct tok_rd *r, void *c) { return rd_flag(r, &((struct tok_bundle *)c)->reset); }
static int b_settings(struct tok_rd *r, void *c)
{
    return read_map(r, settings_fields, sizeof settings_fields / sizeof settings_fields[0],
                    &((struct tok_bundle *)c)->settings, 2);
}

static int b_nonce(struct tok_rd *r, void *c)
{
    struct tok_bundle *b = c;
    return rd_bytes(r, b->nonce, TOK_NONCE_MIN, TOK_NONCE_MAX, &b->nonce_len);
}

static int b_floor(struct tok_rd *r, void *c) { return tok_rd_uint(r, &((struct tok_bundle *)c)->floor_from); }

static int rd_card_keys(struct tok_rd *r, struct tok_card_key *k, size_t *count)
{
    struct tok_item it;
    size_t n;
    if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val > TOK_CARD_KEYS_MAX)
        return LP_ERR_INVALID;
    *count = it.val;
    for (size_t i = 0; i < *count; i++) {
        if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val != 2 || tok_rd_uint(r, &k[i].generation) != 0 ||
            rd_bytes(r, k[i].boxed, TOK_CARD_KEY_BOX_LEN, TOK_CARD_KEY_BOX_LEN, &n) != 0)
            return LP_ERR_INVALID;
    }
    return 0;
}

static int b_card_keys(struct tok_rd *r, void *c)
{
    struct tok_bundle *b = c;
    return rd_card_keys(r, b->card_keys, &b->n_card_keys);
}

static int b_write_keys(struct tok_rd *r, void *c)
{
    struct tok_bundle *b = c;
    return rd_card_keys(r, b->write_keys, &b->n_write_keys);
}

static int b_card_passes(struct tok_rd *r, void *c)
{
    struct tok_bundle *b = c;
    struct tok_item it;
    size_t n;
    if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val > TOK_CARD_PASSES_MAX)
        return LP_ERR_INVALID;
    b->has_card_passes = 1;
    b->card_passes = it.val ? calloc(it.val, sizeof *b->card_passes) : NULL;
    if (it.val && b->card_passes == NULL)
        return LP_ERR_NOMEM;
    b->n_card_passes = it.val;
    for (size_t i = 0; i < b->n_card_passes; i++) {
        struct tok_card_pass *p = &b->card_passes[i];
        if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val != 2 ||
            rd_bytes(r, p->card_id, TOK_CARD_ID_LEN, TOK_CARD_ID_LEN, &n) != 0 ||
            rd_bytes(r, p->pass, 1, TOK_PASS_MAX, &p->len) != 0)
            return LP_ERR_INVALID;
    }
    return 0;
}

static int b_keys(struct tok_rd *r, void *c)
{
    struct tok_bundle *b = c;
    struct tok_item it;
    if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val > TOK_BUNDLE_KEYS_MAX)
        return LP_ERR_INVALID;
    b->keys = it.val ? calloc(it.val, sizeof *b->keys) : NULL;
    if (it.val && b->keys == NULL)
        return LP_ERR_NOMEM;
    b->n_keys = it.val;
    for (size_t i = 0; i < b->n_keys; i++) {
        if (read_map(r, key_fields, sizeof key_fields / sizeof key_fields[0], &b->keys[i], 2) != 0)
            return LP_ERR_INVALID;
    }
    return 0;
}

static int b_deny(struct tok_rd *r, void *c)
{
    struct tok_bundle *b = c;
    struct tok_item it;
    size_t n;
    if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val > TOK_BUNDLE_DENY_MAX)
        return LP_ERR_INVALID;
    b->deny = it.val ? calloc(it.val, sizeof *b->deny) : NULL;
    if (it.val && b->deny == NULL)
        return LP_ERR_NOMEM;
    b->n_deny = it.val;
    for (size_t i = 0; i < b->n_deny; i++) {
        if (tok_rd_expect(r, TK_ARRAY, &it) != 0 || it.val != 2 ||
            rd_bytes(r, b->deny[i].cti, TOK_CTI_LEN, TOK_CTI_LEN, &n) != 0 || tok_rd_uint(r, &b->deny[i].exp) != 0)
            return LP_ERR_INVALID;
    }
    return 0;
}

static const struct field bundle_fields[] = {
    { B_V, 1, b_v }, { B_ISS, 1, b_iss }, { B_DOOR, 1, b_door }, { B_NOW, 1, b_now }, { B_SEQ, 1, b_seq },
    { B_SINCE, 1, b_since }, { B_RESET, 1, b_reset }, { B_KEYS, 1, b_keys }, { B_DENY, 1, b_deny },
    { B_SETTINGS, 1, b_settings }, { B_NONCE, 0, b_nonce }, { B_FLOOR, 0, b_floor },
    { B_CARD_KEYS, 0, b_card_keys }, { B_CARD_PASSES, 0, b_card_passes }, { B_WRITE_KEYS, 0, b_write_keys },
};

int tok_bundle_decode(const uint8_t *in, size_t len, struct tok_bundle *out)
{
    struct tok_rd r;
    memset(out, 0, sizeof *out);
    if (len > TOK_SIGN1_MAX)
        return LP_ERR_TOOBIG;
    if (in == NULL)
        return LP_ERR_INVALID;
    tok_rd_init(&r, in, len);
    int rc = read_map(&r, bundle_fields, sizeof bundle_fields / sizeof bundle_fields[0], out, 0);
    if (rc == 0 && (!tok_rd_done(&r) || tok_bundle_check(out) != 0))
        rc = LP_ERR_INVALID;
    if (rc != 0)
        tok_bundle_clear(out);
    return rc;
}

void tok_bundle_clear(struct tok_bundle *b)
{
    if (b == NULL)
        return;
    free(b->keys);
    free(b->deny);
    free(b->card_passes);
    memset(b, 0, sizeof *b);
}
