/* market_apply.h — the market's state transition (internal to core).
 *
 * apply.c calls the block hooks around a block's txs, in both
 * cpc_block_build and cpc_apply_block, so building and validating agree:
 *   begin_block: records the previous block's hash under 'H' (recent hashes,
 *                the last CPC_BLOCKHASH_KEEP heights) for challenges and seeds;
 *   end_block:   processes the deadline list of this height: missed REVEALs
 *                (rejected, slashed, task reopened), ends of exec reveal phases
 *                (quorum over what was revealed, silent committers slashed) and
 *                job expiries (refund).
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
/* JOB_EXTEND (creator only, job active): more deadline blocks and/or more tasks. */
int cpc_market_apply_job_extend(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err);
int cpc_market_apply_worker_register(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                     const struct cpc_tx *tx, struct cpc_err *err);
/* SUBMIT_RESULT: a result for a task the chain knows is settled here; a result for an
 * unknown task id only records the result (no market effect). */
int cpc_market_apply_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err);
int cpc_market_apply_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err);
/* RESULT_REVEAL: opens an exec replica's commitment once the task's commit window
 * closed (every replica committed); the last one settles the quorum. */
int cpc_market_apply_result_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                   const struct cpc_tx *tx, struct cpc_err *err);
/* 0 when a RESULT_REVEAL may go into a block at ctx->height; CPC_ERR_INVALID
 * (not includable: the builder skips it, a block holding it is invalid) while
 * its exec task's commit window is open or closes in this very block, so the
 * result it carries is never on chain while commitments can still come.
 * Anything else is left to cpc_market_apply_result_reveal. Reads only. */
int cpc_market_result_reveal_includable(const struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                        const struct cpc_tx *tx, struct cpc_err *err);
/* The verification work (market.h, cpc_matmul_reveal_work) that applying this
 * REVEAL at ctx->height on top of ov will do: that of its task's matmul
 * contract or of the synthetic params, once the checks every REVEAL shares pass
 * (the task is committed by the sender, the challenge block is past, the
 * deadline is not); 0 for a REVEAL that fails before verifying, or any other tx.
 * Wrong proofs cost the full work: they are found by verifying. Reads only. */
uint64_t cpc_market_reveal_work(const struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx);
int cpc_market_apply_verdict(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                             const struct cpc_tx *tx, struct cpc_err *err);
/* WORKER_DEREGISTER: the sender's worker record starts unbonding (market.h). */
int cpc_market_apply_worker_deregister(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                       const struct cpc_tx *tx, struct cpc_err *err);
/* UNSTAKE may not take the stake below the worker's locked amount, unless the lock
 * has ended (cpc_worker_released): then the record's `locked` is zeroed in ov.
 * 0 or CPC_ERR_INSUFFICIENT_STAKE naming what holds the lock. */
int cpc_market_unstake_lock(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const uint8_t addr[CPC_ADDR_HASH_LEN], uint64_t stake_after,
                            struct cpc_err *err);

/* ---- synthetic kind (market_synthetic.c; see market.h) ----
 * A SUBMIT_RESULT for an unknown task id: a synthetic commit when synthetic is enabled
 * and the id is cpc_synthetic_task_id(h, sender) for the h in the 40-byte result
 * (h < height, H[h] kept; else CPC_ERR_INVALID), otherwise only recorded (0). */
int cpc_market_synthetic_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err);
/* REVEAL of a synthetic task (the shared reveal checks already passed). */
int cpc_market_synthetic_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_task *task,
                                struct cpc_err *err);
/* Reveal deadline of a synthetic task passed: slash when it is still committed. */
int cpc_market_synthetic_missed(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                struct cpc_task *task, uint64_t commit_height,
                                struct cpc_err *err);
/* Synthetic params from the state ('Y'): 0, CPC_ERR_NOT_FOUND (disabled) or CPC_ERR_INVALID. */
int cpc_market_synthetic_params(const struct cpc_overlay *ov, struct cpc_synthetic_params *out);
bool cpc__market_is_synthetic(const struct cpc_task *t);
/* Delete the per-block reward counter of `height` (begin_block of height + 1). */
int cpc__market_synthetic_counter_drop(struct cpc_overlay *ov, uint64_t height,
                                       struct cpc_err *err);

/* Settlement helpers of market_apply.c used by market_synthetic.c, market_jobs.c,
 * market_exec.c and market_deadlines.c. */
int cpc__market_move(struct cpc_overlay *ov, const uint8_t from[CPC_ADDR_HASH_LEN],
                     const uint8_t to[CPC_ADDR_HASH_LEN], uint64_t amount, struct cpc_err *err);
int cpc__market_slash(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                      const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t task_reward, int timed_out,
                      struct cpc_err *err);
int cpc__market_accepted(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         const uint8_t worker[CPC_ADDR_HASH_LEN], struct cpc_err *err);
int cpc__market_put_task(struct cpc_overlay *ov, const struct cpc_task *t, struct cpc_err *err);
/* Store a job / worker record; a worker record or a fresh one for an
 * unregistered address. */
int cpc__market_put_job(struct cpc_overlay *ov, const struct cpc_job *j, struct cpc_err *err);
int cpc__market_put_worker(struct cpc_overlay *ov, const struct cpc_worker *w, struct cpc_err *err);
int cpc__market_load_worker(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                            uint64_t height, struct cpc_worker *w, struct cpc_err *err);
/* market_deadlines.c's filing: a job's expiry at height; end a job (refund its
 * escrow when nothing is pending; its open tasks close at the end of block
 * `height` or, past the block's deadline work, of later blocks); a committed
 * task's reveal deadline (t->reveal_deadline, keyed by t->commit_height). */
int cpc__market_job_expiry(struct cpc_overlay *ov, uint64_t height, const uint8_t job_id[32],
                           struct cpc_err *err);
int cpc__market_end_job(struct cpc_overlay *ov, uint64_t height, struct cpc_job *job,
                        struct cpc_err *err);
int cpc__market_reveal_deadline(struct cpc_overlay *ov, const struct cpc_task *t,
                                struct cpc_err *err);
/* 0 when a result from addr may be recorded (a registered worker with the minimum
 * stake locked; when deregistering, only a leased result within its unbonding
 * period), else CPC_ERR_UNAUTHORIZED / CPC_ERR_INSUFFICIENT_STAKE / CPC_ERR_INVALID. */
int cpc__market_may_submit(const struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                           const uint8_t addr[CPC_ADDR_HASH_LEN], bool leased,
                           struct cpc_err *err);
int cpc__market_block_hash(const struct cpc_overlay *ov, uint64_t height, uint8_t out[32]);
int cpc__market_verify_reveal(const struct cpc_overlay *ov, const struct cpc_tx *tx,
                              const struct cpc_task *task, const struct cpc_matmul_spec *spec,
                              uint32_t count, struct cpc_err *why, struct cpc_err *err);

/* market_apply.c's, for market_exec.c and market_deadlines.c. */
/* Store b's bytes under key and free b (CPC_ERR_TOO_LARGE / NOMEM named in err). */
int cpc__market_put_encoded(struct cpc_overlay *ov, const uint8_t *key, size_t klen,
                            struct cpc_buf *b, struct cpc_err *err);
/* The task a tx names: CPC_ERR_NOT_FOUND "task not found", else CPC_ERR_INTERNAL. */
int cpc__market_named_task(const struct cpc_overlay *ov, const uint8_t id[16],
                           struct cpc_task *out, struct cpc_err *err);
/* Refund the escrow's rest once the job ended and no commit is pending (job->refunded,
 * job->money.refund; the caller writes the job). */
int cpc__market_try_finish(struct cpc_overlay *ov, struct cpc_job *job, struct cpc_err *err);
/* Pay one accepted result from the job's escrow (reward, early bonus, commission),
 * counted in job->money (the caller writes the job). */
int cpc__market_pay_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                           struct cpc_job *job, const uint8_t worker[CPC_ADDR_HASH_LEN],
                           struct cpc_err *err);
/* Mark the task done, complete and finish the job when it was the last; writes both. */
int cpc__market_task_done(struct cpc_overlay *ov, struct cpc_job *job, struct cpc_task *task,
                          struct cpc_err *err);
/* Slash worker for a wrong result, keep the penalty, return CPC_ERR_INVALID_RESULT
 * with why in err; task (the lease holder's, or NULL) gets one more attempt. */
int cpc__market_reject(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                       const struct cpc_job *job, struct cpc_task *task,
                       const uint8_t worker[CPC_ADDR_HASH_LEN], const struct cpc_err *why,
                       struct cpc_err *err);

/* market_exec.c's: an exec replica's SUBMIT_RESULT (its commitment; the
 * checks every result shares passed); the end of an exec task's reveal phase
 * (quorum, or the VERDICT when verdict is non-NULL; writes task and job;
 * *sender_lost = 1 when sender's revealed replica was slashed). */
int cpc__market_result_exec(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_task *task, struct cpc_job *job,
                            struct cpc_err *err);
int cpc__market_exec_settle(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            struct cpc_task *task, struct cpc_job *job,
                            const struct cpc_payload_verdict *verdict, const uint8_t *sender,
                            int *sender_lost, struct cpc_err *err);

/* Read helpers shared with the node (copying out of the overlay/state).
 * Return 0 or CPC_ERR_NOT_FOUND / CPC_ERR_INVALID (corrupt record). */
int cpc_market_get_job(const struct cpc_overlay *ov, const uint8_t id[32], struct cpc_job *out);
int cpc_market_get_task(const struct cpc_overlay *ov, const uint8_t id[16], struct cpc_task *out);
int cpc_market_get_worker(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_worker *out);

#endif
