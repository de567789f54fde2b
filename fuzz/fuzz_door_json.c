/* fuzz_door_json.c: libFuzzer target for the JSON a door reads from the
 * server (access/door/door_json.c): the event upload acknowledgements and
 * the published pass keys used for the trust bootstrap. The first input byte
 * picks the parser; the rest is the answer body. Besides "never crashes,
 * leaks or reads out of bounds" it checks the bounds the parsers promise:
 * counts within capacity, every ack id a valid event id, every key's kid the
 * one derived from its public key, no key past its not_after. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "access/door/door_json.h"

#define NOW 1796112600

static void acks(const char *body, size_t len)
{
    static struct door_ack a[8];
    size_t n = 99;
    if (door_json_acks(body, len, a, 8, &n) != 0) {
        if (n != 0) abort();
        return;
    }
    if (n > 8) abort();
    for (size_t i = 0; i < n; i++) {
        size_t l = strnlen(a[i].id, sizeof a[i].id);
        if (l == 0 || l > DOOR_EVENT_ID_MAX || (unsigned)a[i].result > DOOR_ACK_NOT_APPLIED) abort();
    }
}

static void keys(const char *body, size_t len)
{
    static struct tok_trust_key k[TOK_BUNDLE_KEYS_MAX];
    size_t n = 99;
    if (door_json_pass_keys(body, len, NOW, k, TOK_BUNDLE_KEYS_MAX, &n) != 0) {
        if (n != 0) abort();
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t kid[TOK_KID_LEN];
        tok_kid_from_pk(k[i].key.pk, kid);
        if (k[i].key.kid_len != TOK_KID_LEN || memcmp(kid, k[i].key.kid, TOK_KID_LEN) != 0) abort();
        if (k[i].not_after != 0 && k[i].not_after <= NOW) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || sodium_init() < 0) return 0;
    /* a copy without the mode byte, so reads past the end are caught */
    char *body = malloc(size - 1 ? size - 1 : 1);
    if (!body) return 0;
    memcpy(body, data + 1, size - 1);
    if (data[0] & 1) keys(body, size - 1);
    else acks(body, size - 1);
    free(body);
    return 0;
}
