/* hash.c — SHA-256 (libsodium), RIPEMD-160 (OpenSSL 3) and hash160 (see hash.h).
 *
 * SHA-256 is the hot path (tx ids, block hashes, Merkle trees, hashpow), so it
 * is a thin wrapper over libsodium's crypto_hash_sha256, whose state lives in
 * the caller's opaque struct cpc_sha256_ctx (no allocation, no cleanup).
 * RIPEMD-160 is only used for addresses (hash160 of a pubkey); OpenSSL 3 has it
 * in the default provider, fetched and freed per call because core keeps no
 * global state.
 */
#include "hash.h"

#include <assert.h>
#include <stdalign.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "err.h"

static_assert(sizeof(((struct cpc_sha256_ctx *)0)->opaque) >= sizeof(crypto_hash_sha256_state),
              "cpc_sha256_ctx too small for crypto_hash_sha256_state");
static_assert(alignof(struct cpc_sha256_ctx) >= alignof(crypto_hash_sha256_state),
              "cpc_sha256_ctx under-aligned for crypto_hash_sha256_state");

static crypto_hash_sha256_state *sha_state(struct cpc_sha256_ctx *c)
{
    return (crypto_hash_sha256_state *)(void *)c->opaque;
}

void cpc_sha256(uint8_t out[CPC_HASH_LEN], const void *in, size_t len)
{
    crypto_hash_sha256(out, (const unsigned char *)in, (unsigned long long)len);
}

void cpc_sha256_2(uint8_t out[CPC_HASH_LEN], const void *a, size_t alen,
                  const void *b, size_t blen)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)a, (unsigned long long)alen);
    crypto_hash_sha256_update(&st, (const unsigned char *)b, (unsigned long long)blen);
    crypto_hash_sha256_final(&st, out);
}

void cpc_sha256_init(struct cpc_sha256_ctx *c)
{
    memset(c->opaque, 0, sizeof c->opaque);
    crypto_hash_sha256_init(sha_state(c));
}

void cpc_sha256_update(struct cpc_sha256_ctx *c, const void *in, size_t len)
{
    crypto_hash_sha256_update(sha_state(c), (const unsigned char *)in, (unsigned long long)len);
}

void cpc_sha256_final(struct cpc_sha256_ctx *c, uint8_t out[CPC_HASH_LEN])
{
    crypto_hash_sha256_final(sha_state(c), out);
}

int cpc_ripemd160(uint8_t out[20], const void *in, size_t len)
{
    int rc = CPC_ERR_CRYPTO;
    unsigned int out_len = 0;
    EVP_MD *md = EVP_MD_fetch(NULL, "RIPEMD160", NULL);
    if (!md)
        goto cleanup;
    if (EVP_MD_get_size(md) != 20)
        goto cleanup;
    if (EVP_Digest(in, len, out, &out_len, md, NULL) != 1 || out_len != 20)
        goto cleanup;
    rc = CPC_OK;
cleanup:
    EVP_MD_free(md);
    return rc;
}

int cpc_hash160(uint8_t out[20], const void *in, size_t len)
{
    uint8_t sha[CPC_HASH_LEN];
    cpc_sha256(sha, in, len);
    return cpc_ripemd160(out, sha, sizeof sha);
}
