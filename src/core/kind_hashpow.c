/* kind_hashpow.c — the `hashpow` compute kind (see kinds.h).
 *
 * A task is a 32-byte seed; the worker looks for a nonce such that
 * SHA256(seed | u64be nonce) has at least `bits` leading zero bits. The
 * verifier needs one hash. The reference executor below is a plain linear
 * scan: the worker's fast executors must agree with cpc_hashpow_hash byte for
 * byte, so this file stays deliberately simple.
 */
#include "kinds.h"

#include <string.h>

#include "hash.h"

void cpc_hashpow_task_seed(uint8_t seed[32], const uint8_t job_seed[32], uint32_t index)
{
    cpc_kind_task_seed(seed, "cpc-hashpow", job_seed, index);
}

unsigned cpc_leading_zero_bits(const uint8_t h[32])
{
    unsigned n = 0;
    for (size_t i = 0; i < 32; i++) {
        uint8_t b = h[i];
        if (b == 0) {
            n += 8;
            continue;
        }
        while (!(b & 0x80u)) {
            n++;
            b = (uint8_t)(b << 1);
        }
        break;
    }
    return n;
}

void cpc_hashpow_hash(uint8_t out[32], const uint8_t seed[32], uint64_t nonce)
{
    uint8_t buf[40];
    memcpy(buf, seed, 32);
    for (int i = 0; i < 8; i++)
        buf[32 + i] = (uint8_t)(nonce >> (56 - 8 * i));
    cpc_sha256(out, buf, sizeof buf);
}

int cpc_hashpow_verify(const uint8_t seed[32], unsigned bits, uint64_t nonce, struct cpc_err *err)
{
    uint8_t h[32];
    if (!seed)
        return cpc_err_set(err, CPC_ERR_INVALID, "hashpow: missing seed");
    if (bits > CPC_HASHPOW_MAX_BITS)
        return cpc_err_set(err, CPC_ERR_INVALID, "hashpow: difficulty %u bits exceeds the maximum %u",
                           bits, (unsigned)CPC_HASHPOW_MAX_BITS);
    cpc_hashpow_hash(h, seed, nonce);
    unsigned got = cpc_leading_zero_bits(h);
    if (got < bits)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           "Invalid ComputeResult: hash has %u leading zero bits, need %u", got, bits);
    cpc_err_clear(err);
    return CPC_OK;
}

int cpc_hashpow_search(const uint8_t seed[32], unsigned bits, uint64_t start, uint64_t max_tries,
                       uint64_t *nonce)
{
    uint8_t h[32];
    if (!seed || !nonce || bits > CPC_HASHPOW_MAX_BITS)
        return CPC_ERR_INVALID;
    for (uint64_t t = 0; t < max_tries; t++) {
        uint64_t cand = start + t; /* wraps modulo 2^64 */
        cpc_hashpow_hash(h, seed, cand);
        if (cpc_leading_zero_bits(h) >= bits) {
            *nonce = cand;
            return CPC_OK;
        }
    }
    return CPC_ERR_NOT_FOUND;
}
