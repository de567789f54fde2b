/* fuzz_bundle.c: libFuzzer target for the door sync bundle payload decoder
 * (tok_bundle_decode), which a door runs on what the network delivers after
 * the signature check. Never crashes; a bundle that decodes re-encodes and
 * decodes again to the same content. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "access/token/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tok_bundle b, back;
    memset(&b, 0, sizeof b);
    if (tok_bundle_decode(data, size, &b) != 0) return 0;
    uint8_t *out = NULL;
    size_t n = 0;
    if (tok_bundle_encode(&b, &out, &n) == 0) {
        memset(&back, 0, sizeof back);
        if (tok_bundle_decode(out, n, &back) != 0) abort();
        if (back.seq != b.seq || back.n_deny != b.n_deny || back.n_keys != b.n_keys ||
            back.door_id != b.door_id || back.reset != b.reset)
            abort();
        if (b.n_deny && memcmp(back.deny, b.deny, b.n_deny * sizeof *b.deny) != 0) abort();
        if (back.has_card_passes != b.has_card_passes || back.n_card_passes != b.n_card_passes ||
            back.n_write_keys != b.n_write_keys || back.n_card_keys != b.n_card_keys)
            abort();
        for (size_t i = 0; i < b.n_card_passes; i++)
            if (back.card_passes[i].len != b.card_passes[i].len ||
                memcmp(back.card_passes[i].pass, b.card_passes[i].pass, b.card_passes[i].len) != 0 ||
                memcmp(back.card_passes[i].card_id, b.card_passes[i].card_id, TOK_CARD_ID_LEN) != 0)
                abort();
        tok_bundle_clear(&back);
        free(out);
    }
    tok_bundle_clear(&b);
    return 0;
}
