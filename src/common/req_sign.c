/* req_sign.c — digest and signature of a signed HTTP request, timestamp in
 * unix milliseconds (see req_sign.h). */
#include "req_sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/hash.h"
#include "../core/hex.h"

void cpc_req_digest(uint8_t out[32], const char *method, const char *path, const void *body,
                    size_t body_len, uint64_t timestamp_ms)
{
    uint8_t bh[32];
    char bhex[65], ts[24];
    cpc_sha256(bh, body_len ? body : "", body_len);
    cpc_hex_encode(bhex, bh, 32);
    snprintf(ts, sizeof ts, "%" PRIu64, timestamp_ms);
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, "cpc-req", 7);
    cpc_sha256_update(&c, method, strlen(method));
    cpc_sha256_update(&c, " ", 1);
    cpc_sha256_update(&c, path, strlen(path));
    cpc_sha256_update(&c, " ", 1);
    cpc_sha256_update(&c, bhex, 64);
    cpc_sha256_update(&c, " ", 1);
    cpc_sha256_update(&c, ts, strlen(ts));
    cpc_sha256_final(&c, out);
}

int cpc_req_sign(struct cpc_req_sig *out, const struct cpc_signer *signer,
                 const struct cpc_key *key, const char *method, const char *path,
                 const void *body, size_t body_len, uint64_t timestamp_ms, struct cpc_err *err)
{
    if (!out || !key || !method || !*method || !path || !*path)
        return cpc_err_set(err, CPC_ERR_INVALID, "signed request: method and path are required");
    uint8_t digest[32], sig[CPC_SIG_LEN];
    cpc_req_digest(digest, method, path, body, body_len, timestamp_ms);
    if (cpc_sign(signer, sig, digest, key->seckey) != 0)
        return cpc_err_set(err, CPC_ERR_CRYPTO, "signed request: signing failed");
    cpc_hex_encode(out->pubkey, key->info.pubkey, CPC_PUBKEY_LEN);
    cpc_hex_encode(out->signature, sig, CPC_SIG_LEN);
    snprintf(out->timestamp, sizeof out->timestamp, "%" PRIu64, timestamp_ms);
    return 0;
}
