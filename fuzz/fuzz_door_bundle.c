/* fuzz_door_bundle.c: libFuzzer target for what a door does with a sync
 * answer (door_bundle_check: COSE_Sign1 envelope, strict bundle decoding and
 * the door's own checks). The first input byte picks the mode:
 *   even: the rest is the HTTP body as the server sent it (mostly refused
 *         at the signature, which exercises the envelope parser);
 *   odd:  the rest is a bundle payload, signed here with the trusted key,
 *         so the payload decoder and the door's checks see every input.
 * Besides "never crashes, leaks or reads out of bounds" it checks that an
 * accepted bundle is for this door, echoes since and the nonce, carries a
 * live key and is not older than the floor, and that a refused one leaves
 * nothing allocated in *out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "access/door/door_sync.h"
#include "access/token/token.h"

#define FUZZ_DOOR 7

static uint8_t pk[32], sk[64], kid[8];
static struct tok_key key;

static void init_once(void)
{
    static int done;
    if (done) return;
    done = sodium_init() >= 0;
    crypto_sign_seed_keypair(pk, sk, (const uint8_t *)"labpass-fuzz-door-bundle-key-001");
    tok_kid_from_pk(pk, kid);
    memcpy(key.kid, kid, 8);
    key.kid_len = 8;
    memcpy(key.pk, pk, 32);
}

static void check(const uint8_t *msg, size_t len, const struct door_sync_req *req)
{
    struct tok_bundle b;
    int rc = door_bundle_check(msg, len, &key, 1, req, &b);
    if (rc != 0) {
        if (b.keys || b.deny || b.n_keys || b.n_deny) abort();
        return;
    }
    int live = 0;
    for (size_t i = 0; i < b.n_keys; i++) live |= b.keys[i].not_after == 0 || b.keys[i].not_after > b.now;
    if (b.door_id != req->door_id || b.since != req->since || b.now < req->floor || !live) abort();
    if (req->nonce_len && (b.nonce_len != req->nonce_len || memcmp(b.nonce, req->nonce, req->nonce_len))) abort();
    if (b.n_keys > TOK_BUNDLE_KEYS_MAX || b.settings.n_groups == 0) abort();
    tok_bundle_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    if (size < 1) return 0;
    struct door_sync_req req = { .door_id = FUZZ_DOOR, .since = 0, .nonce_len = 0, .floor = 0 };
    if (data[0] & 0x02) {                      /* the request carried a nonce */
        req.nonce_len = 16;
        memset(req.nonce, 0xA5, 16);
    }
    if (data[0] & 0x04) req.since = 17;
    if (data[0] & 0x08) req.floor = 1796112600;
    if ((data[0] & 1) == 0) {
        check(data + 1, size - 1, &req);
        return 0;
    }
    uint8_t *msg = NULL;
    size_t mlen = 0;
    if (tok_sign1_sign(data + 1, size - 1, sk, kid, 8, &msg, &mlen) != 0) return 0;
    check(msg, mlen, &req);
    free(msg);
    return 0;
}
