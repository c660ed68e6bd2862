/* worker_auth.h — the node's check of signed worker requests (req_sign.h).
 *
 * A request is accepted when its X-CPC-Pubkey parses, its X-CPC-Timestamp
 * (unix milliseconds) is within +-CPC_AUTH_WINDOW_MS of the node's clock, its
 * X-CPC-Signature is a low-S signature of that key over the request digest,
 * and that signature is not in the replay cache. A signature is remembered
 * while its own timestamp is inside the window (until ts + window < now):
 * after that the same request is refused as stale anyway. So an entry lives
 * at most CPC_AUTH_REPLAY_MS (a timestamp up to one window ahead, kept one
 * window past it), about one window for clients with a correct clock.
 * The replay cache is bounded: when it is full of live entries a request is
 * refused (CPC_ERR_TOO_LARGE, the routes answer 503) rather than forgetting a
 * live entry, which would reopen a replay. The default size holds
 * CPC_AUTH_REPLAY_MS of traffic at more than 1000 signed requests/s, so 503 is
 * out of reach below that rate whatever the timestamps. The cache's clock
 * never runs backwards (the latest now_ms seen): after the node's clock steps
 * back, a request is also judged against that latest clock, so a forgotten
 * signature can never become fresh again. Thread-safe (one mutex).
 */
#ifndef CPC_NODE_WORKER_AUTH_H
#define CPC_NODE_WORKER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "../core/bech32.h"
#include "../core/err.h"
#include "../core/keys.h"

#define CPC_AUTH_WINDOW_MS 60000  /* accepted |timestamp - now| */
#define CPC_AUTH_REPLAY_MS 120000 /* longest a signature stays cached: 2 windows */
#define CPC_AUTH_CACHE_DEFAULT 131072 /* > 1000 req/s * CPC_AUTH_REPLAY_MS */

struct cpc_worker_auth;

/* max_entries: signatures remembered at most (0 = CPC_AUTH_CACHE_DEFAULT,
 * capped at 2^24). NULL on OOM. */
struct cpc_worker_auth *cpc_worker_auth_new(size_t max_entries);
void cpc_worker_auth_free(struct cpc_worker_auth *a);

/* Check one request. Header values may be NULL (missing). now_ms: the node's
 * clock, unix milliseconds.
 * On success fills pubkey and addr (either may be NULL) and remembers the signature.
 * Errors, all CPC_ERR_UNAUTHORIZED (401) except the last:
 *   "missing X-CPC-Pubkey header" (and Timestamp, Signature)
 *   "X-CPC-Pubkey must be 66 hex characters (a compressed public key)"
 *   "X-CPC-Timestamp must be unix milliseconds"
 *   "stale timestamp: T is N ms away from the node's clock (window +-60000 ms)"
 *   "X-CPC-Signature must be 128 hex characters"
 *   "bad signature" / "high-S signature"
 *   "replayed request"
 *   CPC_ERR_TOO_LARGE "too many signed requests in the replay window, retry later" */
int cpc_worker_auth_check(struct cpc_worker_auth *a, const char *method, const char *path,
                          const void *body, size_t body_len, const char *pubkey_hex,
                          const char *timestamp, const char *signature_hex, uint64_t now_ms,
                          uint8_t pubkey[CPC_PUBKEY_LEN], uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_err *err);

#endif
