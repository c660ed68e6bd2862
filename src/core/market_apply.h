/* market_apply.h — the market's state transition (internal to core).
 *
 * apply.c calls the block hooks around a block's txs, in both
 * cpc_block_build and cpc_apply_block, so building and validating agree:
 *   begin_block: records the previous block's hash under 'H' (recent hashes,
 *                the last CPC_BLOCKHASH_KEEP heights) for challenges and seeds;
 *   end_block:   processes the deadline list of this height: missed REVEALs
 *                (rejected, slashed, task reopened) and job expiries (refund).
 * The tx table (tx_types.c) calls the per-type functions for the market's txs
 * and for SUBMIT_RESULTs that name a market task. Each checks before it
 * writes; on error the caller drops the child overlay.
 */
#ifndef CPC_CORE_MARKET_APPLY_H
#define CPC_CORE_MARKET_APPLY_H

#include "apply.h"
#include "market.h"
#include "state.h"
#include "tx.h"

#define CPC_BLOCKHASH_KEEP 256

int cpc_market_begin_block(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                           struct cpc_err *err);
int cpc_market_end_block(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         struct cpc_err *err);

int cpc_market_apply_job_create(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err);
int cpc_market_apply_job_cancel(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err);
int cpc_market_apply_worker_register(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                     const struct cpc_tx *tx, struct cpc_err *err);
/* SUBMIT_RESULT: a result for a task the chain knows is settled here; a result for an
 * unknown task id only records the result (no market effect). */
int cpc_market_apply_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err);
int cpc_market_apply_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err);
int cpc_market_apply_verdict(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                             const struct cpc_tx *tx, struct cpc_err *err);
/* UNSTAKE may not take the stake below the worker's locked amount. */
int cpc_market_check_unstake(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                             uint64_t stake_after, struct cpc_err *err);

/* Read helpers shared with the node (copying out of the overlay/state).
 * Return 0 or CPC_ERR_NOT_FOUND / CPC_ERR_INVALID (corrupt record). */
int cpc_market_get_job(const struct cpc_overlay *ov, const uint8_t id[32], struct cpc_job *out);
int cpc_market_get_task(const struct cpc_overlay *ov, const uint8_t id[16], struct cpc_task *out);
int cpc_market_get_worker(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_worker *out);

#endif
