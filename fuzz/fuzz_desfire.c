/* fuzz_desfire.c: libFuzzer target for the door's DESFire read
 * (access/nfc/nfc_desfire.c). The input is a script of card answers: each a
 * 1-byte length (taken modulo 64) and that many bytes; the door's
 * SelectApplication / AuthenticateAES / ReadData run against them. Besides
 * "never crashes", it checks: every command the door sends is a wrapped
 * native command (90 CMD 00 00 [Lc data] 00), at most NFC_DF_XFER_MAX
 * exchanges, and a failed read leaves no byte of the file. The whole input
 * also goes to the pass file parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "access/card/card.h"
#include "fuzz/fuzz_script.h"
#include "access/nfc/nfc_desfire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nfc_df_result_t res;
    static const uint8_t key[DFC_KEY] = { 0x52, 0x40, 0x0F, 0x39 };
    struct script s = { data, size, 0, 0 };
    int rc = nfc_df_exchange(script_xfer, &s, key, &res);
    if (s.calls > NFC_DF_XFER_MAX) abort();
    if (rc != 0) {
        for (size_t i = 0; i < sizeof res.file; i++)
            if (res.file[i]) abort();
    }
    const uint8_t *pass = NULL;
    size_t len = 0;
    if (card_file_decode(data, size, &pass, &len) == 0 && (len == 0 || len > CARD_PASS_MAX)) abort();
    return 0;
}
