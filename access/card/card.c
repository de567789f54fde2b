/* card.c: the labpass DESFire card model: diversification input, per-card
 * keys, card id and the pass file layout (see card.h). */
#include "access/card/card.h"
#include <string.h>
#include <sodium.h>

static const char *const key_names[CARD_NKEYS] = {
    [CARD_KEY_ADMIN] = "admin", [CARD_KEY_READ] = "read", [CARD_KEY_WRITE] = "write",
};

const char *card_key_name(card_key k)
{
    return (unsigned)k < CARD_NKEYS ? key_names[k] : NULL;
}

void card_aid_wire(uint8_t out[CARD_AID_LEN])
{
    out[0] = (uint8_t)(CARD_AID & 0xFF);
    out[1] = (uint8_t)(CARD_AID >> 8 & 0xFF);
    out[2] = (uint8_t)(CARD_AID >> 16 & 0xFF);
}

int card_div_input(const uint8_t uid[CARD_UID_LEN], const char *site,
                   uint8_t m[DFC_DIV_MAX], size_t *mlen)
{
    size_t n = site ? strnlen(site, CARD_SITE_MAX + 1) : 0;
    if (!uid || n < 1 || n > CARD_SITE_MAX)
        return LP_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (site[i] < 0x21 || site[i] > 0x7e)
            return LP_ERR_INVALID;
    memcpy(m, uid, CARD_UID_LEN);
    card_aid_wire(m + CARD_UID_LEN);
    memcpy(m + CARD_UID_LEN + CARD_AID_LEN, site, n);
    *mlen = CARD_UID_LEN + CARD_AID_LEN + n;
    return LP_OK;
}

int card_key_derive(const uint8_t master[DFC_KEY], const uint8_t uid[CARD_UID_LEN],
                    const char *site, uint8_t key[DFC_KEY])
{
    uint8_t m[DFC_DIV_MAX];
    size_t mlen = 0;
    int rc = card_div_input(uid, site, m, &mlen);
    if (rc == LP_OK)
        rc = dfc_diversify(master, m, mlen, key);
    sodium_memzero(m, sizeof m);
    return rc;
}

void card_id(const uint8_t uid[CARD_UID_LEN], uint8_t id[CARD_ID_LEN])
{
    static const char domain[] = "labpass-card-v1";
    uint8_t msg[sizeof domain - 1 + CARD_UID_LEN + CARD_AID_LEN];
    memcpy(msg, domain, sizeof domain - 1);
    memcpy(msg + sizeof domain - 1, uid, CARD_UID_LEN);
    card_aid_wire(msg + sizeof domain - 1 + CARD_UID_LEN);
    crypto_generichash(id, CARD_ID_LEN, msg, sizeof msg, NULL, 0);
}

int card_file_encode(const uint8_t *pass, size_t len, uint8_t file[CARD_FILE_SIZE])
{
    if (!pass || len == 0)
        return LP_ERR_INVALID;
    if (len > CARD_PASS_MAX)
        return LP_ERR_TOOBIG;
    memset(file, 0, CARD_FILE_SIZE);
    file[0] = (uint8_t)(len >> 8);
    file[1] = (uint8_t)len;
    memcpy(file + 2, pass, len);
    return LP_OK;
}

int card_file_decode(const uint8_t *file, size_t flen, const uint8_t **pass, size_t *len)
{
    if (!file || flen != CARD_FILE_SIZE)
        return LP_ERR_INVALID;
    size_t n = (size_t)file[0] << 8 | file[1];
    if (n > CARD_PASS_MAX)
        return LP_ERR_INVALID;
    for (size_t i = 2 + n; i < CARD_FILE_SIZE; i++)
        if (file[i])
            return LP_ERR_INVALID;
    if (n == 0)
        return LP_ERR_NOTFOUND;
    *pass = file + 2;
    *len = n;
    return LP_OK;
}
