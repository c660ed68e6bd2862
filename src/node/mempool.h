/* mempool.h — pending transactions, per sender in nonce order.
 *
 * Admission rules: nonce >= the sender's committed nonce (else
 * nonce_replayed) and < committed + CPC_MEMPOOL_MAX_AHEAD (else nonce_gap);
 * the same hash again is a duplicate; the same sender+nonce replaces the
 * pending tx only with a strictly higher gas price; the sender's pending
 * costs (fees + values) up to this nonce must fit the committed balance
 * (else insufficient_balance); the pool holds at most max_txs (else
 * mempool_full). Selection for a block: senders ordered by their next tx's
 * gas price (then arrival), each contributing its consecutive run of nonces.
 *
 * Txs that cannot run yet ("future": above a missing nonce of their sender)
 * are bounded, since they are never selected and so never charged: at most
 * max_future_per_account per sender (else nonce_gap), at most max_future in
 * the pool, and each is dropped future_ttl_ms after it was admitted while
 * its gap is still open. When the pool (or the future quota) is full, a new
 * tx evicts the cheapest evictable one: a future tx first (any new
 * runnable tx may evict one; a new future tx only one with a strictly lower
 * gas price), else a runnable tx with a strictly lower gas price. Only the
 * last nonce of another sender is ever evicted, so no eviction opens a gap.
 * Thread-safe (one mutex). Transactions are deep-copied in and out
 * (cpc_tx_copy): a tx handed out owns its own `ext` and must be cpc_tx_clear'ed.
 */
#ifndef CPC_NODE_MEMPOOL_H
#define CPC_NODE_MEMPOOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/block.h"
#include "../core/state.h"
#include "../core/tx.h"

#define CPC_MEMPOOL_MAX_AHEAD 4096

struct cpc_mempool; /* opaque */

/* Caps of the pool (HOME/config [node] mempool_*; defaults in brackets). */
struct cpc_mempool_limits {
    size_t max_txs;                /* all pending txs [100000] */
    size_t max_future;             /* txs above a missing nonce, whole pool [max_txs / 10] */
    size_t max_future_per_account; /* the same, per sender [64] */
    uint64_t future_ttl_ms;        /* a future tx is dropped this long after admission [600000] */
};

#define CPC_MEMPOOL_DEFAULT_MAX 100000
#define CPC_MEMPOOL_DEFAULT_FUTURE_PER_ACCOUNT 64
#define CPC_MEMPOOL_DEFAULT_FUTURE_TTL_MS 600000u

/* Committed account of addr (zeros if unknown). */
typedef void (*cpc_account_lookup_fn)(void *arg, const uint8_t addr[CPC_ADDR_HASH_LEN],
                                      struct cpc_account *out);

/* NULL on OOM; free with cpc_mempool_free (NULL accepted). max_txs 0 = the
 * default; the other caps get their defaults. */
struct cpc_mempool *cpc_mempool_new(size_t max_txs);
/* The same with every cap given (a 0 field takes its default); lim is borrowed. */
struct cpc_mempool *cpc_mempool_new_limits(const struct cpc_mempool_limits *lim);
/* Clock for the future-tx lifetime (monotonic milliseconds; default
 * CLOCK_MONOTONIC). For tests; call before the pool is shared. */
void cpc_mempool_set_clock(struct cpc_mempool *mp, uint64_t (*now_ms)(void *arg), void *arg);
void cpc_mempool_free(struct cpc_mempool *mp);

/* Refuse at admission any tx whose gas alone exceeds max_gas (the chain's
 * max_block_gas: it could never be included); 0 = no limit (the default). */
void cpc_mempool_set_max_gas(struct cpc_mempool *mp, uint64_t max_gas);

/* Admit a signature-checked tx given the sender's committed account. Returns 0,
 * CPC_ERR_TOO_LARGE (gas above the max gas), CPC_ERR_DUPLICATE,
 * CPC_ERR_NONCE_REPLAYED, CPC_ERR_NONCE_GAP, CPC_ERR_FEE_TOO_LOW,
 * CPC_ERR_INSUFFICIENT_BALANCE, CPC_ERR_OVERFLOW, CPC_ERR_MEMPOOL_FULL or CPC_ERR_NOMEM. */
int cpc_mempool_add(struct cpc_mempool *mp, const struct cpc_tx *tx,
                    const struct cpc_account *committed, struct cpc_err *err);

/* Up to max candidates for the next block into a malloc'd array of tx copies
 * (*out; caller cpc_tx_clear's each of the returned ones, then frees the array).
 * Stale txs (nonce below committed) and expired future txs are dropped here.
 * Returns 0 (and *out NULL) on OOM. */
size_t cpc_mempool_select(struct cpc_mempool *mp, cpc_account_lookup_fn lookup, void *arg,
                          size_t max, struct cpc_tx **out);

/* Drop the block's txs and every tx whose nonce fell below its sender's committed nonce. */
void cpc_mempool_remove_block(struct cpc_mempool *mp, const struct cpc_block *b,
                              cpc_account_lookup_fn lookup, void *arg);
/* Drop one tx by hash (no-op if absent). */
void cpc_mempool_remove(struct cpc_mempool *mp, const uint8_t hash[32]);

size_t cpc_mempool_size(struct cpc_mempool *mp);
/* Pending txs above a missing nonce of their sender (as of the last admission,
 * selection or block of each sender). */
size_t cpc_mempool_future_count(struct cpc_mempool *mp);
/* Next nonce a client should use: committed nonce + length of the consecutive pending run. */
uint64_t cpc_mempool_pending_nonce(struct cpc_mempool *mp, const uint8_t addr[CPC_ADDR_HASH_LEN],
                                   uint64_t committed_nonce);
/* Deep copy of a pending tx by hash (caller cpc_tx_clear's *out).
 * Returns 0, CPC_ERR_NOT_FOUND or CPC_ERR_NOMEM. */
int cpc_mempool_get(struct cpc_mempool *mp, const uint8_t hash[32], struct cpc_tx *out);

#endif
