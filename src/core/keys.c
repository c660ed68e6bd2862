/* keys.c — secp256k1 keys, ECDSA sign/verify and addresses (see keys.h).
 *
 * A cpc_signer wraps a libsecp256k1 context created with
 * SECP256K1_CONTEXT_NONE and blinded with a caller-supplied seed (core has no
 * randomness source). Signing uses the default RFC 6979 nonce function, then
 * normalises to low-S (libsecp256k1 already signs low-S; normalising is a
 * cheap guarantee). Verification and pubkey parsing need no secrets and use
 * secp256k1_context_static, so they need no signer. Verification reports a
 * high-S signature as CPC_ERR_HIGH_S, distinct from CPC_ERR_BAD_SIGNATURE.
 */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>

#include "err.h"
#include "hash.h"

struct cpc_signer {
    secp256k1_context *ctx;
};

struct cpc_signer *cpc_signer_new(const uint8_t seed32[32])
{
    struct cpc_signer *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!s->ctx)
        goto fail;
    if (seed32 && !secp256k1_context_randomize(s->ctx, seed32))
        goto fail;
    return s;
fail:
    cpc_signer_free(s);
    return NULL;
}

void cpc_signer_free(struct cpc_signer *s)
{
    if (!s)
        return;
    if (s->ctx)
        secp256k1_context_destroy(s->ctx);
    free(s);
}

int cpc_seckey_check(const uint8_t sk[CPC_SECKEY_LEN])
{
    if (!sk || !secp256k1_ec_seckey_verify(secp256k1_context_static, sk))
        return CPC_ERR_INVALID;
    return CPC_OK;
}

int cpc_pubkey_from_seckey(const struct cpc_signer *s,
                           uint8_t pub[CPC_PUBKEY_LEN],
                           const uint8_t sk[CPC_SECKEY_LEN])
{
    secp256k1_pubkey pk;
    size_t len = CPC_PUBKEY_LEN;
    if (!s || !s->ctx || !pub || !sk)
        return CPC_ERR_INVALID;
    if (!secp256k1_ec_pubkey_create(s->ctx, &pk, sk))
        return CPC_ERR_INVALID; /* zero or >= curve order */
    if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, pub, &len, &pk,
                                       SECP256K1_EC_COMPRESSED) ||
        len != CPC_PUBKEY_LEN)
        return CPC_ERR_INVALID;
    return CPC_OK;
}

/* Parse a 33-byte compressed point (0x02/0x03 prefix only). */
static int parse_compressed(secp256k1_pubkey *pk, const uint8_t pub[CPC_PUBKEY_LEN])
{
    if (!pub || (pub[0] != 0x02 && pub[0] != 0x03))
        return 0;
    return secp256k1_ec_pubkey_parse(secp256k1_context_static, pk, pub, CPC_PUBKEY_LEN);
}

int cpc_pubkey_check(const uint8_t pub[CPC_PUBKEY_LEN])
{
    secp256k1_pubkey pk;
    return parse_compressed(&pk, pub) ? CPC_OK : CPC_ERR_INVALID;
}

int cpc_pubkey_hash(uint8_t hash[CPC_ADDR_HASH_LEN], const uint8_t pub[CPC_PUBKEY_LEN])
{
    if (!hash || !pub)
        return CPC_ERR_INVALID;
    return cpc_hash160(hash, pub, CPC_PUBKEY_LEN);
}

int cpc_pubkey_address(char out[CPC_ADDR_STR_MAX], const uint8_t pub[CPC_PUBKEY_LEN])
{
    uint8_t h[CPC_ADDR_HASH_LEN];
    if (!out)
        return CPC_ERR_INVALID;
    out[0] = '\0';
    int rc = cpc_pubkey_hash(h, pub);
    if (rc != CPC_OK)
        return rc;
    cpc_address_encode(out, h);
    return out[0] ? CPC_OK : CPC_ERR_INTERNAL;
}

int cpc_sign(const struct cpc_signer *s, uint8_t sig[CPC_SIG_LEN],
             const uint8_t digest[32], const uint8_t sk[CPC_SECKEY_LEN])
{
    secp256k1_ecdsa_signature es;
    if (!s || !s->ctx || !sig || !digest || !sk)
        return CPC_ERR_CRYPTO;
    /* NULL nonce function = RFC 6979 (deterministic). Fails on an invalid sk. */
    if (!secp256k1_ecdsa_sign(s->ctx, &es, digest, sk, NULL, NULL))
        return CPC_ERR_CRYPTO;
    secp256k1_ecdsa_signature_normalize(secp256k1_context_static, &es, &es);
    if (!secp256k1_ecdsa_signature_serialize_compact(secp256k1_context_static, sig, &es))
        return CPC_ERR_CRYPTO;
    return CPC_OK;
}

int cpc_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t digest[32],
               const uint8_t pub[CPC_PUBKEY_LEN])
{
    secp256k1_ecdsa_signature es;
    secp256k1_pubkey pk;
    if (!sig || !digest || !pub)
        return CPC_ERR_BAD_SIGNATURE;
    if (!parse_compressed(&pk, pub))
        return CPC_ERR_BAD_SIGNATURE;
    /* parse_compact fails only if r or s >= n (r = 0 / s = 0 parse, then fail verify). */
    if (!secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &es, sig))
        return CPC_ERR_BAD_SIGNATURE;
    /* Returns 1 when the input was high-S: that is malleated, reject it. */
    if (secp256k1_ecdsa_signature_normalize(secp256k1_context_static, NULL, &es))
        return CPC_ERR_HIGH_S;
    if (!secp256k1_ecdsa_verify(secp256k1_context_static, &es, digest, &pk))
        return CPC_ERR_BAD_SIGNATURE;
    return CPC_OK;
}

int cpc_verify_err(const uint8_t sig[CPC_SIG_LEN], const uint8_t digest[32],
                   const uint8_t pub[CPC_PUBKEY_LEN], const char *what, struct cpc_err *err)
{
    int rc = cpc_verify(sig, digest, pub);
    char first = what[0] >= 'a' && what[0] <= 'z' ? (char)(what[0] - 'a' + 'A') : what[0];
    if (rc == CPC_ERR_HIGH_S)
        return cpc_err_set(err, CPC_ERR_HIGH_S, "%c%s is not low-S (malleable)", first,
                           what[0] ? what + 1 : what);
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_BAD_SIGNATURE, "Invalid %s", what);
    return 0;
}
