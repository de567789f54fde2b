/* fuzz_dfwrite.c: libFuzzer target for the desk's DESFire writes
 * (access/nfc/nfc_dfwrite.c). The first input byte picks the run (format,
 * re-format, or a pass write); the rest is a script of card answers, each a
 * 1-byte length (taken modulo 64) and that many bytes. Besides "never
 * crashes", it checks: every command sent is a wrapped native command
 * (90 CMD 00 00 [Lc data] 00) of at most 55 native bytes, and at most
 * NFC_DFW_XFER_MAX exchanges per run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "access/card/card.h"
#include "fuzz/fuzz_script.h"
#include "access/nfc/nfc_dfwrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const nfc_dfw_keys_t keys = { .key = { { 0x50 }, { 0x52 }, { 0xD1 } }, .version = 1 };
    static uint8_t file[CARD_FILE_SIZE] = { 0x00, 0x03, 0x01, 0x08, 0x0F };
    if (size < 1) return 0;
    struct script s = { data + 1, size - 1, 0, 55 };
    switch (data[0] % 3) {
    case 0: (void)!nfc_dfw_format(script_xfer, &s, &keys, NULL); break;
    case 1: (void)!nfc_dfw_format(script_xfer, &s, &keys, keys.key[0]); break;
    default: (void)!nfc_dfw_write(script_xfer, &s, keys.key[2], file); break;
    }
    if (s.calls > NFC_DFW_XFER_MAX) abort();
    return 0;
}
