/* dfcrypt.h: the AES-128 building blocks of MIFARE DESFire EV1 secure
 * messaging and of NXP AN10922 key diversification (docs/access-protocol.md
 * section 18): AES through OpenSSL's libcrypto (never a hand-made cipher),
 * CBC with a running IV, CMAC (NIST SP 800-38B) from a running IV, the
 * DESFire CRC32 and the AN10922 AES-128 diversification.
 *
 * Guarantees: pure functions apart from the IV they are told to advance; no
 * allocation that outlives a call; every key schedule and temporary is wiped
 * before return. Lengths are checked; a libcrypto failure is LP_ERR_CRYPTO. */
#ifndef LP_DFCRYPT_H
#define LP_DFCRYPT_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define DFC_KEY   16   /* AES-128 key bytes */
#define DFC_BLOCK 16   /* AES block bytes */
#define DFC_DIV_MAX 31 /* longest AN10922 diversification input */

/* out[0..16) = AES-128 encryption of one block in[0..16). Returns 0 or
 * LP_ERR_CRYPTO. */
int dfc_aes_block(const uint8_t key[DFC_KEY], const uint8_t in[DFC_BLOCK],
                  uint8_t out[DFC_BLOCK]) LP_MUST;

/* AES-128-CBC over len bytes (a multiple of 16, 0 allowed) from iv; iv is
 * replaced by the last ciphertext block (the one written when encrypting, the
 * one read when decrypting). in and out may be the same buffer. Returns 0,
 * LP_ERR_INVALID (len not a multiple of 16) or LP_ERR_CRYPTO. */
int dfc_cbc_encrypt(const uint8_t key[DFC_KEY], uint8_t iv[DFC_BLOCK],
                    const uint8_t *in, size_t len, uint8_t *out) LP_MUST;
int dfc_cbc_decrypt(const uint8_t key[DFC_KEY], uint8_t iv[DFC_BLOCK],
                    const uint8_t *in, size_t len, uint8_t *out) LP_MUST;

/* The CMAC subkeys K1 and K2 of key (SP 800-38B, R = 0x87). */
int dfc_cmac_subkeys(const uint8_t key[DFC_KEY], uint8_t k1[DFC_BLOCK],
                     uint8_t k2[DFC_BLOCK]) LP_MUST;

/* CMAC of msg[0..len) with key, chained from iv (16 zero bytes for a plain
 * CMAC); the 16-byte result is written to mac and also becomes the new iv
 * (DESFire EV1 keeps one running IV per session). Returns 0 or LP_ERR_CRYPTO. */
int dfc_cmac(const uint8_t key[DFC_KEY], uint8_t iv[DFC_BLOCK],
             const uint8_t *msg, size_t len, uint8_t mac[DFC_BLOCK]) LP_MUST;

/* DESFire CRC32: reflected polynomial EDB88320, initial FFFFFFFF, no final
 * XOR (the bitwise NOT of zlib's crc32). Sent little-endian on the wire. */
uint32_t dfc_crc32(const uint8_t *p, size_t len);

/* AN10922 AES-128 diversification: out = the last block of AES-CBC (IV 0)
 * over D = 01 || m, padded with 80 00.. to 32 bytes and XORed with K2, or,
 * when m is 31 bytes, XORed with K1. m is 1..31 bytes. Returns 0,
 * LP_ERR_INVALID (length) or LP_ERR_CRYPTO. */
int dfc_diversify(const uint8_t master[DFC_KEY], const uint8_t *m, size_t mlen,
                  uint8_t out[DFC_KEY]) LP_MUST;

#endif
