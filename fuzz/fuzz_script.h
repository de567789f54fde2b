/* fuzz_script.h: the scripted DESFire card the fuzz targets of the door's
 * card exchanges share (fuzz_desfire, fuzz_dfwrite). The input is a script
 * of card answers, each a 1-byte length (taken modulo 64) and that many
 * bytes; every command the host sends must be a wrapped native command
 * (90 CMD 00 00 [Lc data] 00) of at most max_native native bytes, or the
 * target aborts. Header only: each target is one translation unit. */
#ifndef LP_FUZZ_SCRIPT_H
#define LP_FUZZ_SCRIPT_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"

struct script {
    const uint8_t *p;
    size_t left;
    int calls;
    size_t max_native;   /* 0: no bound beyond the frame's own */
};

static void script_check_command(const struct script *s, const uint8_t *tx, size_t n)
{
    if (n < 5 || tx[0] != 0x90 || tx[2] != 0 || tx[3] != 0 || tx[n - 1] != 0) abort();
    if (s->max_native && n > 6 + s->max_native - 1) abort();
    if (n > 5 && (size_t)tx[4] + 6 != n) abort();
}

static int script_xfer(void *ctx, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxcap, size_t *rxlen)
{
    struct script *s = ctx;
    script_check_command(s, tx, txlen);
    s->calls++;
    if (s->left < 1) return LP_ERR_IO;
    size_t n = s->p[0] % 64;
    s->p++;
    s->left--;
    if (n > s->left) n = s->left;
    if (n > rxcap) return LP_ERR_TOOBIG;
    memcpy(rx, s->p, n);
    *rxlen = n;
    s->p += n;
    s->left -= n;
    return 0;
}

#endif
