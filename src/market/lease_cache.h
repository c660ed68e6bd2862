/* lease_cache.h — the lease signatures this node made itself, so that its own
 * block producer need not ECDSA-verify them again.
 *
 * Every lease the worker API hands out is signed through
 * cpc_lease_cache_sign, which signs with the validator key (RFC 6979,
 * low-S: cpc_sign) and remembers the (lease digest, signature) pair. When the
 * producer builds a block (cpc_block_assemble), a SUBMIT_RESULT whose lease
 * is such a pair passes the chain's lease check by construction: the
 * signature was made by the validator key over exactly that digest, which is
 * what the ECDSA verify would establish. Anything else (evicted, never
 * signed here, another key) is verified as before. Blocks received or
 * replayed (cpc_apply_block) never consult the cache.
 *
 * Bounded: a fixed, direct-mapped table of 2^k slots chosen at creation
 * (about 100 bytes each); a newer pair overwrites an older one in its slot,
 * which only costs that older lease a verify. Only cpc_lease_cache_sign
 * fills it, so a pair is never in the table unless this node signed it.
 * Thread-safe: one mutex around the table (HTTP threads sign, the producer
 * looks up).
 */
#ifndef CPC_NODE_LEASE_CACHE_H
#define CPC_NODE_LEASE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/keyring.h"
#include "../core/apply.h"
#include "../core/keys.h"

#define CPC_LEASE_CACHE_DEFAULT 65536 /* slots: several times the live leases of a busy node */

struct cpc_lease_cache;

/* key (the validator key: its seckey signs, its info.pubkey is the only key
 * the cache vouches for) and signer are borrowed and must outlive the cache.
 * slots: rounded up to a power of two (at least one set of 4), 0 =
 * CPC_LEASE_CACHE_DEFAULT, capped at 2^22. NULL on OOM. */
struct cpc_lease_cache *cpc_lease_cache_new(const struct cpc_key *key,
                                            const struct cpc_signer *signer, size_t slots);
/* NULL accepted. */
void cpc_lease_cache_free(struct cpc_lease_cache *c);

/* Sign the lease (chain_id, task_id, worker, expires) with the validator key
 * into sig (caller's buffer) and remember it. Same result as cpc_lease_sign.
 * Returns 0 or CPC_ERR_CRYPTO. */
int cpc_lease_cache_sign(struct cpc_lease_cache *c, uint8_t sig[CPC_SIG_LEN],
                         const char *chain_id, const uint8_t task_id[16],
                         const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires);

/* Sign a lease digest (cpc_lease_digest or cpc_lease_set_digest, market.h)
 * with the validator key into sig (caller's buffer) and remember the pair.
 * Returns 0 or CPC_ERR_CRYPTO. */
int cpc_lease_cache_sign_digest(struct cpc_lease_cache *c, uint8_t sig[CPC_SIG_LEN],
                                const uint8_t digest[32]);

/* True when (digest, sig) was signed here with pub's key and is still
 * remembered. Does not take ownership of anything. */
bool cpc_lease_cache_known(struct cpc_lease_cache *c, const uint8_t pub[CPC_PUBKEY_LEN],
                           const uint8_t digest[32], const uint8_t sig[CPC_SIG_LEN]);

/* The oracle for cpc_block_assemble, bound to c (which must outlive its use). */
struct cpc_lease_sig_oracle cpc_lease_cache_oracle(struct cpc_lease_cache *c);

/* Counters since creation: lookups for the cache's own key that hit / missed. */
void cpc_lease_cache_stats(struct cpc_lease_cache *c, uint64_t *hits, uint64_t *misses);

#endif
