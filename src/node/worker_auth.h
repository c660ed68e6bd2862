/* worker_auth.h — the node's check of signed worker requests (req_sign.h).
 *
 * A request is accepted when its X-CPC-Pubkey parses, its X-CPC-Timestamp is
 * within +-CPC_AUTH_WINDOW_S of the node's clock, its X-CPC-Signature is a
 * low-S signature of that key over the request digest, and that signature
 * was not seen in the last CPC_AUTH_REPLAY_S seconds (replay cache). The
 * replay cache is bounded: when it is full of live entries a request is
 * refused (CPC_ERR_TOO_LARGE, the routes answer 503) rather than forgetting a
 * live entry, which would reopen a replay. Thread-safe (one mutex).
 */
#ifndef CPC_NODE_WORKER_AUTH_H
#define CPC_NODE_WORKER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/err.h"
#include "../core/keys.h"

#define CPC_AUTH_WINDOW_S 60
#define CPC_AUTH_REPLAY_S 120

struct cpc_worker_auth;

/* max_entries: signatures remembered at most (0 = 65536). NULL on OOM. */
struct cpc_worker_auth *cpc_worker_auth_new(size_t max_entries);
void cpc_worker_auth_free(struct cpc_worker_auth *a);

/* Check one request. Header values may be NULL (missing). now_s: unix seconds.
 * On success fills pubkey and addr (either may be NULL) and remembers the signature.
 * Errors, all CPC_ERR_UNAUTHORIZED (401) except the last:
 *   "missing X-CPC-Pubkey header" (and Timestamp, Signature)
 *   "X-CPC-Pubkey must be 66 hex characters (a compressed public key)"
 *   "X-CPC-Timestamp must be unix seconds"
 *   "stale timestamp: T is N s away from the node's clock (window +-60 s)"
 *   "X-CPC-Signature must be 128 hex characters"
 *   "bad signature" / "high-S signature"
 *   "replayed request"
 *   CPC_ERR_TOO_LARGE "too many signed requests in the replay window, retry later" */
int cpc_worker_auth_check(struct cpc_worker_auth *a, const char *method, const char *path,
                          const void *body, size_t body_len, const char *pubkey_hex,
                          const char *timestamp, const char *signature_hex, uint64_t now_s,
                          uint8_t pubkey[CPC_PUBKEY_LEN], uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_err *err);

#endif
