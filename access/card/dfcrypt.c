/* dfcrypt.c: AES-128 CBC and CMAC with a running IV, DESFire CRC32 and the
 * AN10922 diversification, over OpenSSL's AES block functions (see dfcrypt.h). */
#include "access/card/dfcrypt.h"
#include <stdlib.h>
#include <string.h>
/* The AES block API is marked deprecated in OpenSSL 3 in favour of EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/aes.h>
#include <sodium.h>

/* One CBC pass (enc 1 or 0); the caller handles the IV. OpenSSL's AES block
 * functions (AES_set_*_key, AES_cbc_encrypt) rather than EVP: they need no
 * provider, so the door does not load OpenSSL's provider tables (about 2 MB
 * resident) for 16-byte blocks. */
static int cbc_run(const uint8_t key[DFC_KEY], const uint8_t iv[DFC_BLOCK], int enc,
                   const uint8_t *in, size_t len, uint8_t *out)
{
    if (len == 0)
        return LP_OK;
    AES_KEY ks;
    uint8_t ivc[DFC_BLOCK];
    memcpy(ivc, iv, DFC_BLOCK);
    int bad = enc ? AES_set_encrypt_key(key, 128, &ks) : AES_set_decrypt_key(key, 128, &ks);
    if (bad == 0)
        AES_cbc_encrypt(in, out, len, &ks, ivc, enc ? AES_ENCRYPT : AES_DECRYPT);
    sodium_memzero(&ks, sizeof ks);
    sodium_memzero(ivc, sizeof ivc);
    return bad == 0 ? LP_OK : LP_ERR_CRYPTO;
}

int dfc_aes_block(const uint8_t key[DFC_KEY], const uint8_t in[DFC_BLOCK], uint8_t out[DFC_BLOCK])
{
    static const uint8_t zero[DFC_BLOCK];
    return cbc_run(key, zero, 1, in, DFC_BLOCK, out); /* CBC of one block, IV 0 = ECB */
}

int dfc_cbc_encrypt(const uint8_t key[DFC_KEY], uint8_t iv[DFC_BLOCK],
                    const uint8_t *in, size_t len, uint8_t *out)
{
    if (len % DFC_BLOCK)
        return LP_ERR_INVALID;
    int rc = cbc_run(key, iv, 1, in, len, out);
    if (rc == LP_OK && len)
        memcpy(iv, out + len - DFC_BLOCK, DFC_BLOCK);
    return rc;
}

int dfc_cbc_decrypt(const uint8_t key[DFC_KEY], uint8_t iv[DFC_BLOCK],
                    const uint8_t *in, size_t len, uint8_t *out)
{
    if (len % DFC_BLOCK)
        return LP_ERR_INVALID;
    if (len == 0)
        return LP_OK;
    uint8_t last[DFC_BLOCK];
    memcpy(last, in + len - DFC_BLOCK, DFC_BLOCK); /* in may be out */
    int rc = cbc_run(key, iv, 0, in, len, out);
    if (rc == LP_OK)
        memcpy(iv, last, DFC_BLOCK);
    return rc;
}

/* Doubling in GF(2^128) as SP 800-38B defines it (not a cipher). */
static void dbl(const uint8_t in[DFC_BLOCK], uint8_t out[DFC_BLOCK])
{
    uint8_t carry = in[0] >> 7;
    for (int i = 0; i < DFC_BLOCK - 1; i++)
        out[i] = (uint8_t)(in[i] << 1 | in[i + 1] >> 7);
    out[DFC_BLOCK - 1] = (uint8_t)(in[DFC_BLOCK - 1] << 1);
    if (carry)
        out[DFC_BLOCK - 1] ^= 0x87;
}

int dfc_cmac_subkeys(const uint8_t key[DFC_KEY], uint8_t k1[DFC_BLOCK], uint8_t k2[DFC_BLOCK])
{
    static const uint8_t zero[DFC_BLOCK];
    uint8_t l[DFC_BLOCK];
    int rc = dfc_aes_block(key, zero, l);
    if (rc == LP_OK) {
        dbl(l, k1);
        dbl(k1, k2);
    }
    sodium_memzero(l, sizeof l);
    return rc;
}

/* CBC-MAC of a padded message buf[0..len) (len a positive multiple of 16)
 * whose last block is XORed with sub; result in mac and iv. */
static int cmac_final(const uint8_t key[DFC_KEY], uint8_t iv[DFC_BLOCK], uint8_t *buf,
                      size_t len, const uint8_t sub[DFC_BLOCK], uint8_t mac[DFC_BLOCK])
{
    for (int i = 0; i < DFC_BLOCK; i++)
        buf[len - DFC_BLOCK + (size_t)i] ^= sub[i];
    int rc = dfc_cbc_encrypt(key, iv, buf, len, buf);
    if (rc == LP_OK)
        memcpy(mac, iv, DFC_BLOCK);
    return rc;
}

int dfc_cmac(const uint8_t key[DFC_KEY], uint8_t iv[DFC_BLOCK],
             const uint8_t *msg, size_t len, uint8_t mac[DFC_BLOCK])
{
    uint8_t k1[DFC_BLOCK], k2[DFC_BLOCK];
    int rc = dfc_cmac_subkeys(key, k1, k2);
    if (rc != LP_OK)
        return rc;
    size_t padded = len == 0 ? DFC_BLOCK : (len + DFC_BLOCK - 1) / DFC_BLOCK * DFC_BLOCK;
    uint8_t *buf = calloc(1, padded);
    if (!buf) {
        rc = LP_ERR_NOMEM;
        goto done;
    }
    if (len)
        memcpy(buf, msg, len);
    int whole = len != 0 && len % DFC_BLOCK == 0;
    if (!whole)
        buf[len] = 0x80;
    rc = cmac_final(key, iv, buf, padded, whole ? k1 : k2, mac);
    sodium_memzero(buf, padded);
    free(buf);
done:
    sodium_memzero(k1, sizeof k1);
    sodium_memzero(k2, sizeof k2);
    return rc;
}

uint32_t dfc_crc32(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

int dfc_diversify(const uint8_t master[DFC_KEY], const uint8_t *m, size_t mlen, uint8_t out[DFC_KEY])
{
    if (!m || mlen < 1 || mlen > DFC_DIV_MAX)
        return LP_ERR_INVALID;
    uint8_t k1[DFC_BLOCK], k2[DFC_BLOCK], d[2 * DFC_BLOCK] = {0}, mac[DFC_BLOCK];
    uint8_t iv[DFC_BLOCK] = {0};
    int rc = dfc_cmac_subkeys(master, k1, k2);
    if (rc != LP_OK)
        goto done;
    d[0] = 0x01; /* the AES-128 diversification constant */
    memcpy(d + 1, m, mlen);
    if (mlen < DFC_DIV_MAX)
        d[1 + mlen] = 0x80;
    rc = cmac_final(master, iv, d, sizeof d, mlen < DFC_DIV_MAX ? k2 : k1, mac);
    if (rc == LP_OK)
        memcpy(out, mac, DFC_KEY);
done:
    sodium_memzero(k1, sizeof k1);
    sodium_memzero(k2, sizeof k2);
    sodium_memzero(d, sizeof d);
    sodium_memzero(mac, sizeof mac);
    sodium_memzero(iv, sizeof iv);
    return rc;
}
