/* apply.h — the pure state transition: apply_tx, apply_block, block building.
 *
 * Deterministic, no I/O, no clocks: time and proposer come in the block.
 * Fee = gas * gas_price goes from the sender to the block proposer's
 * account, and is charged even when the tx's own effects fail after
 * inclusion (the result then carries the error). A tx that cannot be
 * included at all (wrong nonce, cannot pay the fee) is rejected and leaves
 * the state untouched. The base state is never mutated: results come back
 * as a delta for the caller to persist and merge. Around a block's txs both
 * cpc_block_build and cpc_apply_block run the market's block hooks
 * (market_apply.h: cpc_market_begin_block before the first tx,
 * cpc_market_end_block after the last); a hook error fails the block.
 *
 * Lease signatures: the one shortcut a block ctx may carry is
 * lease_sig_known, a callback that says a (lease digest, signature) pair is
 * one the caller signed itself with the validator key. ECDSA signing is
 * deterministic (RFC 6979) and cpc_sign emits low-S, so such a pair passes
 * cpc_verify by construction and the verify is skipped. Only a producer
 * building its own block may set it (cpc_block_assemble); cpc_apply_block
 * (received blocks, replay) never does, so every lease is verified there.
 */
#ifndef CPC_CORE_APPLY_H
#define CPC_CORE_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "block.h"
#include "err.h"
#include "state.h"
#include "tx.h"

struct cpc_chain_params {
    char chain_id[CPC_CHAIN_ID_MAX + 1];
    uint64_t min_gas_price;    /* base units per gas */
    uint32_t max_block_txs;    /* txs per block */
    uint64_t max_block_gas;    /* sum of the txs' gas per block; 0 = no limit (a genesis
                                * always sets one: CPC_DEFAULT_MAX_BLOCK_GAS when absent) */
    uint64_t max_block_verify; /* verification work units of a block's REVEALs together
                                * (market.h, cpc_matmul_reveal_work); 0 = no limit (a
                                * genesis always sets one: CPC_DEFAULT_MAX_BLOCK_VERIFY) */
    uint32_t protocol;         /* rules version of the chain (genesis.h); core runs
                                * CPC_PROTOCOL_VERSION only, the node refuses others */
    uint8_t treasury[CPC_ADDR_HASH_LEN]; /* receives the market's commission and slashes */
    /* Worker bond (market.h, "worker stake"): a worker must keep at least
     * min_worker_stake base units locked to register, lease and submit results
     * (0 reads as 1: a zero stake is never enough); WORKER_DEREGISTER frees its
     * lock unbonding_blocks after the deregistration, once nothing is pending. */
    uint64_t min_worker_stake;
    uint64_t unbonding_blocks;
    /* Length of a rental's billing minute (rental.h): 0 reads as CPC_RENTAL_MINUTE_MS
     * (60000); a genesis may shorten it to CPC_RENTAL_MINUTE_MIN_MS for test chains. */
    uint64_t rental_minute_ms;
};

/* A source of lease signatures the caller made itself. known() must return
 * true only for a (digest, sig) pair produced by cpc_sign with the secret key
 * of pub; any doubt (evicted, other key) is false and the signature is verified. */
struct cpc_lease_sig_oracle {
    bool (*known)(void *arg, const uint8_t pub[CPC_PUBKEY_LEN], const uint8_t digest[32],
                  const uint8_t sig[CPC_SIG_LEN]);
    void *arg;
};

/* Lease signatures verified earlier while applying the same block: a lease
 * set's one signature covers many results (market.h), so with a memo it is
 * ECDSA-verified once per block, not once per result. cpc_apply_block and
 * cpc_block_assemble give each block one (heap, freed with the block's
 * application). Direct-mapped by digest: a collision only costs a verify. */
#define CPC_LEASE_MEMO_SLOTS 512
struct cpc_lease_memo {
    uint8_t used[CPC_LEASE_MEMO_SLOTS];
    uint8_t pair[CPC_LEASE_MEMO_SLOTS][32 + CPC_SIG_LEN]; /* digest | signature */
};
/* True when (digest, sig) was added to m (NULL: false). */
bool cpc_lease_memo_has(const struct cpc_lease_memo *m, const uint8_t digest[32],
                        const uint8_t sig[CPC_SIG_LEN]);
/* Remember a pair that verified under the block's validator key (m NULL: no-op). */
void cpc_lease_memo_add(struct cpc_lease_memo *m, const uint8_t digest[32],
                        const uint8_t sig[CPC_SIG_LEN]);

struct cpc_block_ctx {
    const struct cpc_chain_params *params;
    uint64_t height;
    uint64_t time_ms;
    uint8_t proposer[CPC_ADDR_HASH_LEN];  /* fee recipient */
    uint8_t prev_hash[32];                /* hash of the parent header */
    const uint8_t *validator_pub;         /* CPC_PUBKEY_LEN bytes: the chain's validator
                                           * (signs leases, sends VERDICTs); not owned */
    /* Optional (NULL = verify every lease): true when sig is known to be the
     * validator_pub key's own signature over digest (see the top of file). */
    const struct cpc_lease_sig_oracle *lease_sigs;
    /* Optional (NULL = none): pairs verified earlier in this block (above). */
    struct cpc_lease_memo *lease_memo;
    /* Verification work units spent by the block's txs so far (REVEALs:
     * cpc_market_reveal_work); cpc_apply_tx refuses a tx whose work does not fit
     * what is left of params->max_block_verify, and adds the work of each tx it
     * includes. cpc_block_assemble and cpc_apply_block give each block one
     * counter, from 0; NULL = not counted (a lone tx applied outside a block). */
    uint64_t *verify_used;
};

/* Apply one tx on top of ov (signature NOT checked here; see cpc_tx_check).
 * Returns 0 when the tx is included: *res tells success or failure-after-inclusion
 * (fee charged, nonce bumped). Every error of the type's effects, whatever its
 * code (a record over the size limit, a corrupt record, ...), is the tx's own
 * failure: it is reported in *res and never returned. Returns a negative code
 * (CPC_ERR_NONCE_REPLAYED, CPC_ERR_NONCE_GAP, CPC_ERR_INSUFFICIENT_BALANCE for the
 * fee, CPC_ERR_WRONG_CHAIN, CPC_ERR_FEE_TOO_LOW, CPC_ERR_TOO_LARGE for gas above
 * max_block_gas or verification work above what is left of the block's
 * max_block_verify ...) when it cannot be included; ov is then unchanged. Two
 * allocation failures differ: CPC_ERR_NOMEM with ov unchanged (the tx's own
 * overlay could not be built: the tx is not included) and CPC_ERR_INTERNAL when
 * writing into ov itself failed midway (ov is then unusable: the caller drops it). */
int cpc_apply_tx(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                 const struct cpc_tx *tx, struct cpc_tx_result *res,
                 struct cpc_err *err);

/* Validate and apply a complete block on top of `state` (not modified).
 * Checks: chain id, height == prev->height + 1, prev_hash == hash(prev),
 * time >= prev->time, n_txs <= max, the txs' gas sum <= max_block_gas, the
 * REVEALs' verification work <= max_block_verify (counted as they apply),
 * proposer == validator_pub and its signature, every tx includable (and,
 * when verify_sigs, cpc_tx_check),
 * tx_root, compute_root, state_root, and results equal b->results when those
 * are present. On success *delta_out receives the changed accounts and objects (caller
 * frees) and, if results_out is non-NULL, a heap array of n_txs results (caller frees).
 * Returns 0 or CPC_ERR_INVALID_BLOCK (message says which check failed). */
int cpc_apply_block(const struct cpc_state *state, const struct cpc_block_header *prev,
                    const struct cpc_block *b, const struct cpc_chain_params *params,
                    const uint8_t validator_pub[CPC_PUBKEY_LEN], bool verify_sigs,
                    struct cpc_state **delta_out, struct cpc_tx_result **results_out,
                    struct cpc_err *err);

/* Build and sign the next block from candidate txs (already signature-checked),
 * in the given order, skipping those that cannot be included, up to
 * params->max_block_txs and params->max_block_gas (a candidate whose gas does not
 * fit in what is left of the block's gas is left out without being reported
 * as skipped: it fits a later block; one whose gas alone exceeds max_block_gas
 * is skipped with CPC_ERR_TOO_LARGE); likewise a REVEAL whose verification work
 * does not fit what is left of max_block_verify is left out, not skipped (every
 * contract's reveal fits an empty block: market.h). Candidates are taken in the
 * given order, so the caller's order (the mempool's: by gas price) decides which
 * REVEALs a full verification budget admits first. Only a failed write into the block's own
 * overlay fails the build; any error of one tx at most leaves that tx out.
 * The validator's public key (for the market's checks) is derived from
 * validator_sk. Candidates are deep-copied (cpc_tx_copy) into
 * out->txs; out->results is filled. If skipped is non-NULL it receives a heap array of candidate indexes
 * that were skipped (*n_skipped; caller frees) with their codes in skipped_codes
 * (heap, caller frees; may be NULL). *delta_out receives the state changes
 * (caller frees). Caller frees out with cpc_block_clear. Returns 0 or error. */
int cpc_block_build(const struct cpc_state *state, const struct cpc_block_header *prev,
                    const struct cpc_chain_params *params, uint64_t time_ms,
                    const struct cpc_tx *const *candidates, size_t n_candidates,
                    const struct cpc_signer *signer, const uint8_t validator_sk[CPC_SECKEY_LEN],
                    struct cpc_block *out, struct cpc_state **delta_out,
                    size_t **skipped, int **skipped_codes, size_t *n_skipped,
                    struct cpc_err *err);

/* What cpc_block_assemble builds a block from: cpc_block_build's inputs plus
 * an optional oracle of the builder's own lease signatures. Every pointer is
 * borrowed for the call; nothing here is freed by the build. */
struct cpc_block_request {
    const struct cpc_state *state;          /* base state: not modified */
    const struct cpc_block_header *prev;    /* the parent's header */
    const struct cpc_chain_params *params;
    uint64_t time_ms;                       /* clamped up to prev->time_ms */
    const struct cpc_tx *const *candidates; /* already signature-checked, in order */
    size_t n_candidates;
    const struct cpc_signer *signer;
    const uint8_t *validator_sk;            /* CPC_SECKEY_LEN bytes */
    /* Optional (NULL = verify every lease, as cpc_block_build). The block built
     * is identical either way: the oracle only saves verifies whose outcome is
     * already known. */
    const struct cpc_lease_sig_oracle *lease_sigs;
};

/* What cpc_block_assemble gives back. On success the caller owns all of it:
 * block (cpc_block_clear), delta (cpc_state_free), skipped and skipped_codes
 * (free); cpc_block_built_clear frees the lot. On failure it is all zero. */
struct cpc_block_built {
    struct cpc_block block;  /* signed; txs deep-copied from the candidates */
    struct cpc_state *delta; /* the block's state changes */
    size_t *skipped;         /* candidate indexes that could not be included */
    int *skipped_codes;      /* their error codes, one per skipped index */
    size_t n_skipped;
};

/* cpc_block_build from a request (same rules, same block). Fills *out (zeroed
 * first; see struct cpc_block_built for who frees what). Returns 0 or error. */
int cpc_block_assemble(const struct cpc_block_request *req, struct cpc_block_built *out,
                       struct cpc_err *err);

/* Free everything r owns and zero it; safe on a zeroed or failed result. */
void cpc_block_built_clear(struct cpc_block_built *r);

#endif
