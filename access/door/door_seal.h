/* door_seal.h: the door's secrets at rest (docs/access-protocol.md 18.7).
 * One random 32-byte seal key in its own file (mode 0600, beside the state
 * file unless [card] seal_key_file names another), made on the controller's
 * first start. From it: the door's X25519 box key pair, which the server
 * seals the site's DESFire read master keys to; and the secretbox key that
 * keeps those read keys sealed in the state file. A copy of the state file
 * alone opens nothing. */
#ifndef LP_DOOR_SEAL_H
#define LP_DOOR_SEAL_H
#include <stddef.h>
#include <stdint.h>
#include "access/door/door_cfg.h"
#include "core/err.h"

#define DOOR_SEAL_KEY      32
#define DOOR_BOX_PK        32
#define DOOR_CARD_KEY      16
#define DOOR_SEALED_CARD_KEY (DOOR_CARD_KEY + 40)   /* nonce 24, MAC 16 */

/* The seal key file of cfg: [card] seal_key_file, or state_db + ".seal". */
void door_seal_path(const struct door_cfg *cfg, char *out, size_t cap);
/* Reads the seal key from path; when absent and create is 1, makes a new
 * one (mode 0600). LP_ERR_NOTFOUND (absent), LP_ERR_FORBIDDEN (others may
 * read it), LP_ERR_INVALID (not 32 bytes), LP_ERR_IO. */
int door_seal_load(const char *path, int create, uint8_t key[DOOR_SEAL_KEY]) LP_MUST;
/* The door's box key pair from the seal key. */
void door_box_keys(const uint8_t seal[DOOR_SEAL_KEY], uint8_t pk[DOOR_BOX_PK], uint8_t sk[32]);
/* Opens a read master the server sealed to this door (tok_card_key.boxed). */
int door_box_open(const uint8_t seal[DOOR_SEAL_KEY], const uint8_t *boxed, size_t len,
                  uint8_t key[DOOR_CARD_KEY]) LP_MUST;
/* A read master sealed for the state file, and opened again. */
void door_seal_card_key(const uint8_t seal[DOOR_SEAL_KEY], const uint8_t key[DOOR_CARD_KEY],
                        uint8_t out[DOOR_SEALED_CARD_KEY]);
int door_unseal_card_key(const uint8_t seal[DOOR_SEAL_KEY], const uint8_t *in, size_t len,
                         uint8_t key[DOOR_CARD_KEY]) LP_MUST;

#endif
