/* door_desk.h: the desk station (labpass-door --desk, docs/door.md section
 * 9.1): enrols MIFARE DESFire cards and writes their passes, with the site's
 * admin, read and write master keys of one generation from [card].
 *
 * Enrolling waits for a card, formats its labpass application
 * (access/nfc/nfc_dfwrite), reads the empty pass file back as a door would,
 * and reports the UID and the card id that staff enter on the server.
 * Writing waits for an enrolled card, refuses a pass that is not bound to
 * that card (or is malformed), writes it, and reads it back as a door would.
 *
 * Guarantees: the derived card keys are wiped after use; the reader is
 * closed on every path; nothing is written to a card that is not a DESFire
 * with a 7-byte UID. */
#ifndef LP_DOOR_DESK_H
#define LP_DOOR_DESK_H
#include <stddef.h>
#include <stdint.h>
#include "access/card/card.h"
#include "access/door/door_cfg.h"
#include "core/err.h"

/* What a desk run found. */
struct door_desk_card {
    uint8_t uid[CARD_UID_LEN];
    uint8_t id[CARD_ID_LEN];
    uint8_t generation;          /* the card's key version after the run */
};

/* Checks that cfg holds what a desk needs: a site code (at most
 * CARD_SITE_MAX characters, as the key diversification takes it), key_generation and
 * the read and write master keys, and for enrolling the admin key too.
 * Returns 0 or LP_ERR_INVALID with a sentence in why (cap bytes). */
int door_desk_check(const struct door_cfg *cfg, int enrol, char *why, size_t cap) LP_MUST;

/* Waits up to timeout_s for a card and formats it. reformat: a card already
 * carrying the labpass application is re-formatted with its admin key
 * (its pass is lost), else refused. Returns 0, LP_ERR_TIMEOUT (no card),
 * LP_ERR_INVALID (not a DESFire card), LP_ERR_CONFLICT (already enrolled),
 * the errors of nfc_dfw_format, or LP_ERR_CRYPTO (the read-back failed). */
int door_desk_enrol(const struct door_cfg *cfg, int timeout_s, int reformat,
                    struct door_desk_card *out) LP_MUST;

/* Waits up to timeout_s for an enrolled card and writes pass[0..len) onto
 * it. Returns 0, LP_ERR_TIMEOUT, LP_ERR_INVALID (not a DESFire card, or a
 * pass that is malformed or too long), LP_ERR_FORBIDDEN (the pass is not
 * bound to this card), LP_ERR_STATE (the card's keys are of another
 * generation), the errors of nfc_dfw_write, or LP_ERR_CRYPTO (the read-back
 * differs). */
int door_desk_write(const struct door_cfg *cfg, const uint8_t *pass, size_t len, int timeout_s,
                    struct door_desk_card *out) LP_MUST;

#endif
