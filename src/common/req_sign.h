/* req_sign.h — signed HTTP requests of workers and the CLI (client side; the
 * node verifies with the same digest, src/market/worker_auth.h).
 *
 *   digest = SHA256("cpc-req" | method | " " | path | " " | hex(SHA256(body)) | " " | timestamp)
 *
 * method is the HTTP method ("POST"), path the request path without query
 * string exactly as sent, timestamp unix MILLISECONDS in decimal. The request
 * carries three headers:
 *   X-CPC-Pubkey:    66 hex chars, the compressed public key
 *   X-CPC-Timestamp: the timestamp, unix milliseconds (decimal)
 *   X-CPC-Signature: 128 hex chars, compact low-S ECDSA over the digest
 * Signing is deterministic (RFC 6979) and the node refuses a signature it has
 * already seen, so two identical requests need distinct timestamps: a client
 * that may send the same request twice within one millisecond signs with
 * max(now_ms, previous_ms + 1).
 * Pure functions: the caller supplies the clock.
 */
#ifndef CPC_COMMON_REQ_SIGN_H
#define CPC_COMMON_REQ_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/keys.h"
#include "keyring.h"

#define CPC_REQ_HDR_PUBKEY "X-CPC-Pubkey"
#define CPC_REQ_HDR_TIMESTAMP "X-CPC-Timestamp"
#define CPC_REQ_HDR_SIGNATURE "X-CPC-Signature"

/* The three header values (NUL-terminated). */
struct cpc_req_sig {
    char pubkey[2 * CPC_PUBKEY_LEN + 1];
    char timestamp[21];
    char signature[2 * CPC_SIG_LEN + 1];
};

/* out = the digest above (timestamp_ms: unix milliseconds). body may be NULL
 * when body_len is 0. */
void cpc_req_digest(uint8_t out[32], const char *method, const char *path, const void *body,
                    size_t body_len, uint64_t timestamp_ms);

/* Sign a request with key (signer: a signing context, cpc_signer_new) at
 * timestamp_ms (unix milliseconds). Returns 0, CPC_ERR_INVALID (missing
 * method/path) or CPC_ERR_CRYPTO. */
int cpc_req_sign(struct cpc_req_sig *out, const struct cpc_signer *signer,
                 const struct cpc_key *key, const char *method, const char *path,
                 const void *body, size_t body_len, uint64_t timestamp_ms, struct cpc_err *err);

#endif
