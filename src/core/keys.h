/* keys.h — secp256k1 keys and ECDSA signatures (libsecp256k1).
 *
 * Signatures are 64-byte compact (r||s), RFC 6979 deterministic nonces,
 * always normalised to low-S when produced; verification rejects high-S
 * (CPC_ERR_HIGH_S) separately from a signature that does not verify
 * (CPC_ERR_BAD_SIGNATURE). Public keys are 33-byte compressed.
 *
 * Core has no randomness source: key generation takes 32 random bytes from
 * the caller, and signing contexts take a 32-byte blinding seed.
 * Verification needs no context (uses secp256k1_context_static).
 */
#ifndef CPC_CORE_KEYS_H
#define CPC_CORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "bech32.h"

#define CPC_SECKEY_LEN 32
#define CPC_PUBKEY_LEN 33
#define CPC_SIG_LEN 64

struct cpc_signer; /* opaque secp256k1 signing context */

/* Create a signing context randomised with seed32 (caller provides 32 random
 * bytes; NULL means no blinding). Returns NULL on failure. Free with cpc_signer_free. */
struct cpc_signer *cpc_signer_new(const uint8_t seed32[32]);
/* Free a signing context; NULL is accepted. */
void cpc_signer_free(struct cpc_signer *s);

/* Returns 0 if sk is a valid secret key (non-zero, < curve order), else CPC_ERR_INVALID. */
int cpc_seckey_check(const uint8_t sk[CPC_SECKEY_LEN]);

/* Derive the compressed public key. Returns 0 or CPC_ERR_INVALID. */
int cpc_pubkey_from_seckey(const struct cpc_signer *s,
                           uint8_t pub[CPC_PUBKEY_LEN],
                           const uint8_t sk[CPC_SECKEY_LEN]);

/* Returns 0 if pub parses as a compressed secp256k1 point, else CPC_ERR_INVALID. */
int cpc_pubkey_check(const uint8_t pub[CPC_PUBKEY_LEN]);

/* hash160 of the compressed pubkey (address hash). Returns 0 or CPC_ERR_CRYPTO. */
int cpc_pubkey_hash(uint8_t hash[CPC_ADDR_HASH_LEN], const uint8_t pub[CPC_PUBKEY_LEN]);

/* bech32 "cpc1..." address of a pubkey. Returns 0 or an error code. */
int cpc_pubkey_address(char out[CPC_ADDR_STR_MAX], const uint8_t pub[CPC_PUBKEY_LEN]);

/* Sign a 32-byte digest: RFC 6979, low-S, compact 64 bytes. Returns 0 or CPC_ERR_CRYPTO. */
int cpc_sign(const struct cpc_signer *s, uint8_t sig[CPC_SIG_LEN],
             const uint8_t digest[32], const uint8_t sk[CPC_SECKEY_LEN]);

/* Verify a compact signature over a digest. Returns 0, CPC_ERR_HIGH_S for a
 * high-S (malleated) signature, or CPC_ERR_BAD_SIGNATURE (unparsable pubkey or
 * signature, or it does not verify). */
int cpc_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t digest[32],
               const uint8_t pub[CPC_PUBKEY_LEN]);

/* cpc_verify with its failure told in err: what names the signature in the
 * message ("block signature": "Block signature is not low-S (malleable)",
 * "Invalid block signature"). Returns 0 or cpc_verify's code. */
struct cpc_err;
int cpc_verify_err(const uint8_t sig[CPC_SIG_LEN], const uint8_t digest[32],
                   const uint8_t pub[CPC_PUBKEY_LEN], const char *what, struct cpc_err *err);

#endif
