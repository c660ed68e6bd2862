/* hash.h — SHA-256 (libsodium), RIPEMD-160 (OpenSSL) and hash160. */
#ifndef CPC_CORE_HASH_H
#define CPC_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CPC_HASH_LEN 32

/* out = SHA-256(in). */
void cpc_sha256(uint8_t out[CPC_HASH_LEN], const void *in, size_t len);

/* out = SHA-256(a || b). */
void cpc_sha256_2(uint8_t out[CPC_HASH_LEN], const void *a, size_t alen,
                  const void *b, size_t blen);

/* Incremental SHA-256; state is caller-owned, no cleanup needed. */
struct cpc_sha256_ctx { unsigned char opaque[128] __attribute__((aligned(16))); };
void cpc_sha256_init(struct cpc_sha256_ctx *c);
void cpc_sha256_update(struct cpc_sha256_ctx *c, const void *in, size_t len);
void cpc_sha256_final(struct cpc_sha256_ctx *c, uint8_t out[CPC_HASH_LEN]);

/* out = RIPEMD-160(in). Returns 0, or CPC_ERR_CRYPTO if OpenSSL lacks it. */
int cpc_ripemd160(uint8_t out[20], const void *in, size_t len);

/* out = RIPEMD-160(SHA-256(in)). Returns 0 or CPC_ERR_CRYPTO. */
int cpc_hash160(uint8_t out[20], const void *in, size_t len);

#endif
