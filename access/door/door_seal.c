/* door_seal.c: the door's seal key file, its box key pair and the sealed
 * DESFire read masters (door_seal.h), on libsodium. */
#include "access/door/door_seal.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void door_seal_path(const struct door_cfg *cfg, char *out, size_t cap)
{
    if (cfg->seal_key_file[0]) snprintf(out, cap, "%s", cfg->seal_key_file);
    else snprintf(out, cap, "%s.seal", cfg->state_db);
}

static int make_key(const char *path, uint8_t key[DOOR_SEAL_KEY])
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno == EEXIST ? LP_ERR_CONFLICT : LP_ERR_IO;
    randombytes_buf(key, DOOR_SEAL_KEY);
    int ok = write(fd, key, DOOR_SEAL_KEY) == DOOR_SEAL_KEY && fsync(fd) == 0;
    close(fd);
    if (!ok) { unlink(path); sodium_memzero(key, DOOR_SEAL_KEY); }
    return ok ? 0 : LP_ERR_IO;
}

int door_seal_load(const char *path, int create, uint8_t key[DOOR_SEAL_KEY])
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT) return LP_ERR_IO;
        if (!create) return LP_ERR_NOTFOUND;
        int rc = make_key(path, key);
        return rc == LP_ERR_CONFLICT ? door_seal_load(path, 0, key) : rc;   /* made meanwhile by another */
    }
    if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077)) return LP_ERR_FORBIDDEN;
    if (sb.st_size != DOOR_SEAL_KEY) return LP_ERR_INVALID;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return LP_ERR_IO;
    ssize_t n = read(fd, key, DOOR_SEAL_KEY);
    close(fd);
    if (n != DOOR_SEAL_KEY) { sodium_memzero(key, DOOR_SEAL_KEY); return LP_ERR_INVALID; }
    return 0;
}

/* A subkey of the seal key for one purpose. */
static void subkey(const uint8_t seal[DOOR_SEAL_KEY], const char *purpose, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)purpose, strlen(purpose), seal, DOOR_SEAL_KEY);
}

void door_box_keys(const uint8_t seal[DOOR_SEAL_KEY], uint8_t pk[DOOR_BOX_PK], uint8_t sk[32])
{
    uint8_t seed[32];
    subkey(seal, "labpass-door-box-v1", seed);
    crypto_box_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
}

int door_box_open(const uint8_t seal[DOOR_SEAL_KEY], const uint8_t *boxed, size_t len, uint8_t key[DOOR_CARD_KEY])
{
    uint8_t pk[DOOR_BOX_PK], sk[32];
    if (len != DOOR_CARD_KEY + crypto_box_SEALBYTES) return LP_ERR_INVALID;
    door_box_keys(seal, pk, sk);
    int rc = crypto_box_seal_open(key, boxed, len, pk, sk) == 0 ? 0 : LP_ERR_CRYPTO;
    sodium_memzero(sk, sizeof sk);
    return rc;
}

void door_seal_card_key(const uint8_t seal[DOOR_SEAL_KEY], const uint8_t key[DOOR_CARD_KEY],
                        uint8_t out[DOOR_SEALED_CARD_KEY])
{
    uint8_t k[32];
    subkey(seal, "labpass-door-rest-v1", k);
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, key, DOOR_CARD_KEY, out, k);
    sodium_memzero(k, sizeof k);
}

int door_unseal_card_key(const uint8_t seal[DOOR_SEAL_KEY], const uint8_t *in, size_t len, uint8_t key[DOOR_CARD_KEY])
{
    uint8_t k[32];
    if (len != DOOR_SEALED_CARD_KEY) return LP_ERR_INVALID;
    subkey(seal, "labpass-door-rest-v1", k);
    int rc = crypto_secretbox_open_easy(key, in + crypto_secretbox_NONCEBYTES, len - crypto_secretbox_NONCEBYTES, in,
                                        k) == 0 ? 0 : LP_ERR_CRYPTO;
    sodium_memzero(k, sizeof k);
    return rc;
}
