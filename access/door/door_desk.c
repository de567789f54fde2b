/* door_desk.c: the desk station: enrolling DESFire cards and writing their
 * passes (see door_desk.h). */
#include "access/door/door_desk.h"
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "access/nfc/nfc_desfire.h"
#include "access/nfc/nfc_dfwrite.h"
#include "access/nfc/nfc_rdr.h"
#include "access/token/token.h"
#include "core/log.h"

int door_desk_check(const struct door_cfg *cfg, int enrol, char *why, size_t cap)
{
    const char *miss = !cfg->site[0] || strlen(cfg->site) > CARD_SITE_MAX
                       ? "[door] site (the site code of the card keys, 1..21 characters)"
                     : cfg->card_generation < 1 ? "[card] key_generation"
                     : !cfg->has_card_key ? "[card] read_key_file"
                     : !cfg->has_write_key ? "[card] write_key_file"
                     : enrol && !cfg->has_admin_key ? "[card] admin_key_file" : NULL;
    if (!miss) return 0;
    snprintf(why, cap, "a desk needs %s", miss);
    return LP_ERR_INVALID;
}

/* The card's keys of the configured generation. */
static int derive(const struct door_cfg *cfg, const uint8_t uid[CARD_UID_LEN], nfc_dfw_keys_t *k)
{
    const uint8_t *m[CARD_NKEYS] = { cfg->card_admin_key, cfg->card_read_key, cfg->card_write_key };
    k->version = (uint8_t)cfg->card_generation;
    for (int i = 0; i < CARD_NKEYS; i++) {
        int rc = card_key_derive(m[i], uid, cfg->site, k->key[i]);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Opens the reader and waits for a DESFire card. */
static int wait_card(const struct door_cfg *cfg, int timeout_s, nfc_rdr_t **r, struct door_desk_card *out)
{
    nfc_card_t card;
    int rc = nfc_rdr_open(cfg->connstring, &cfg->rdr, r);
    if (rc != 0) return rc;
    rc = nfc_rdr_poll(*r, timeout_s * 1000, &card);
    if (rc == 0 && !nfc_df_is_desfire(&card)) rc = LP_ERR_INVALID;
    if (rc != 0) return rc;
    memcpy(out->uid, card.uid, CARD_UID_LEN);
    card_id(out->uid, out->id);
    return 0;
}

/* Reads the pass file back as a door does. */
static int read_back(nfc_rdr_t *r, const nfc_dfw_keys_t *k, nfc_df_result_t *res)
{
    int rc = nfc_df_read(r, k->key[CARD_KEY_READ], res);
    return rc == 0 ? 0 : rc == LP_ERR_UNAUTH || rc == LP_ERR_INVALID ? LP_ERR_CRYPTO : rc;
}

int door_desk_enrol(const struct door_cfg *cfg, int timeout_s, int reformat, struct door_desk_card *out)
{
    nfc_rdr_t *r = NULL;
    nfc_dfw_keys_t k;
    nfc_df_result_t res;
    memset(out, 0, sizeof *out);
    int rc = wait_card(cfg, timeout_s, &r, out);
    if (rc == 0) rc = derive(cfg, out->uid, &k);
    if (rc == 0) rc = nfc_dfw_format_rdr(r, &k, reformat ? k.key[CARD_KEY_ADMIN] : NULL);
    if (rc == 0) rc = read_back(r, &k, &res);
    if (rc == 0) {
        const uint8_t *p = NULL;
        size_t n = 0;
        rc = card_file_decode(res.file, sizeof res.file, &p, &n) == LP_ERR_NOTFOUND ? 0 : LP_ERR_CRYPTO;
        out->generation = k.version;
    }
    sodium_memzero(&k, sizeof k);
    sodium_memzero(&res, sizeof res);
    nfc_rdr_close(r);
    return rc;
}

/* The pass must be a labpass pass bound to this very card. */
static int pass_for(const uint8_t *pass, size_t len, const uint8_t id[CARD_ID_LEN])
{
    struct tok_pass p;
    enum tok_reason why = TOK_OK;
    if (len > CARD_PASS_MAX || tok_decode(pass, len, &p, &why) != 0) return LP_ERR_INVALID;
    if (!p.claims.has_card || sodium_memcmp(p.claims.card_id, id, CARD_ID_LEN) != 0)
        return LP_ERR_FORBIDDEN;
    return 0;
}

int door_desk_write(const struct door_cfg *cfg, const uint8_t *pass, size_t len, int timeout_s,
                    struct door_desk_card *out)
{
    nfc_rdr_t *r = NULL;
    nfc_dfw_keys_t k;
    nfc_df_result_t res;
    uint8_t file[CARD_FILE_SIZE], ver = 0;
    memset(out, 0, sizeof *out);
    int rc = card_file_encode(pass, len, file) == 0 ? 0 : LP_ERR_INVALID;
    if (rc == 0) rc = wait_card(cfg, timeout_s, &r, out);
    if (rc == 0) rc = pass_for(pass, len, out->id);
    if (rc == 0) rc = nfc_dfw_key_version_rdr(r, CARD_KEY_WRITE, &ver);
    if (rc == 0) out->generation = ver;
    if (rc == 0 && ver != cfg->card_generation) rc = LP_ERR_STATE;
    if (rc == 0) rc = derive(cfg, out->uid, &k);
    if (rc == 0) rc = nfc_dfw_write_rdr(r, k.key[CARD_KEY_WRITE], file);
    if (rc == 0) rc = read_back(r, &k, &res);
    if (rc == 0 && sodium_memcmp(res.file, file, CARD_FILE_SIZE) != 0) rc = LP_ERR_CRYPTO;
    sodium_memzero(&k, sizeof k);
    sodium_memzero(&res, sizeof res);
    nfc_rdr_close(r);
    return rc;
}
