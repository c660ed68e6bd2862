/* market_jobs.c — the job-lifecycle txs of the market (market_apply.h):
 * JOB_CREATE (contract checked, budget + 10% commission moved into the job's
 * escrow, task records, expiry deadline), JOB_CANCEL (leftover escrow
 * refunded; open tasks closed at block end, within its deadline work),
 * JOB_EXTEND (more deadline blocks and escrowed tasks), WORKER_REGISTER
 * (capabilities, stake locked for slashing), WORKER_DEREGISTER (unbonding)
 * and the UNSTAKE guard (the lock, or its release). Records and money go through market_apply.c's helpers
 * (cpc__market_*), so every write follows the same rules as settlement.
 */
#include <stdio.h>
#include <string.h>

#include "amount.h"
#include "market_apply.h"

/* Tasks [first, end) of job_id, new and open, into ov. */
static int open_tasks(struct cpc_overlay *ov, const uint8_t job_id[32], uint32_t first,
                      uint32_t end, struct cpc_err *err)
{
    for (uint32_t i = first; i < end; i++) {
        struct cpc_task t;
        memset(&t, 0, sizeof t);
        cpc_task_id(t.id, job_id, i);
        memcpy(t.job_id, job_id, 32);
        t.index = i;
        t.status = CPC_TASK_OPEN;
        int rc = cpc__market_put_task(ov, &t, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int cpc_market_apply_job_create(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_contract *c = &tx->u.job_create.contract;
    uint64_t budget, commission, total;
    int rc = cpc_contract_check(c, err);
    if (rc == 0)
        rc = cpc_contract_budget(c, &budget, &commission, err);
    if (rc != 0)
        return rc;
    if (!cpc_add_u64(&total, budget, commission))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "contract: budget overflows");
    struct cpc_job job;
    memset(&job, 0, sizeof job);
    memcpy(job.id, tx->hash, 32);
    if (cpc_market_get_job(ov, job.id, &job) != CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_DUPLICATE, "job already exists");
    memset(&job, 0, sizeof job);
    memcpy(job.id, tx->hash, 32);
    memcpy(job.creator, tx->from, CPC_ADDR_HASH_LEN);
    job.contract = *c;
    cpc_job_seed(job.seed, ctx->prev_hash, job.id);
    job.created_height = ctx->height;
    job.status = CPC_JOB_ACTIVE;
    job.money.escrowed = total;

    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_escrow_address(escrow, job.id);
    if ((rc = cpc__market_move(ov, tx->from, escrow, total, err)) != 0)
        return cpc_err_prefix(err, "job escrow (budget + 10%% commission)");
    if ((rc = open_tasks(ov, job.id, 0, c->tasks, err)) != 0)
        return rc;
    if ((rc = cpc__market_job_expiry(ov, ctx->height + c->deadline_blocks, job.id, err)) != 0)
        return rc;
    return cpc__market_put_job(ov, &job, err);
}

int cpc_market_apply_job_cancel(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err)
{
    struct cpc_job job;
    int rc = cpc_market_get_job(ov, tx->u.job_cancel.job_id, &job);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "job not found");
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt job record");
    if (memcmp(job.creator, tx->from, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "only the job's creator can cancel it");
    if (job.status != CPC_JOB_ACTIVE)
        return cpc_err_set(err, CPC_ERR_INVALID, "job is not active");
    job.status = CPC_JOB_CANCELLED;
    if ((rc = cpc__market_end_job(ov, ctx->height, &job, err)) != 0)
        return rc;
    return cpc__market_put_job(ov, &job, err);
}

/* JOB_EXTEND: the creator adds blocks to the deadline and/or tasks to an active job.
 * Added tasks are escrowed like at JOB_CREATE (their budget + 10%); max_budget grows
 * by what the creator escrows (at least to the new budget + commission, which may
 * round one unit above the sum). A later deadline gets its own entry; the expiry
 * handler only expires a job at its current deadline, so the old entry is ignored. */
int cpc_market_apply_job_extend(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_job_extend *p = &tx->u.job_extend;
    struct cpc_job job;
    int rc = cpc_market_get_job(ov, p->job_id, &job);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "job not found");
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt job record");
    if (memcmp(job.creator, tx->from, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "only the job's creator can extend it");
    if (job.status != CPC_JOB_ACTIVE)
        return cpc_err_set(err, CPC_ERR_INVALID, "job is not active");
    if (p->add_blocks == 0 && p->add_tasks == 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "nothing to extend: add_blocks and add_tasks are 0");
    struct cpc_contract *c = &job.contract;
    if (p->add_blocks > CPC_MAX_DEADLINE_BLOCKS - c->deadline_blocks)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "deadline: %llu + %llu blocks exceeds the maximum %llu",
                           (unsigned long long)c->deadline_blocks,
                           (unsigned long long)p->add_blocks,
                           (unsigned long long)CPC_MAX_DEADLINE_BLOCKS);
    if (p->add_tasks > CPC_MAX_TASKS - c->tasks)
        return cpc_err_set(err, CPC_ERR_INVALID, "tasks: %u + %u exceeds the maximum %d",
                           c->tasks, p->add_tasks, CPC_MAX_TASKS);
    uint64_t cost = 0, budget, commission, total, cap;
    if ((rc = cpc_job_extend_cost(c, p->add_tasks, &cost, err)) != 0)
        return rc;
    uint32_t first = c->tasks;
    c->tasks += p->add_tasks;
    c->deadline_blocks += p->add_blocks;
    if (!cpc_add_u64(&cap, c->max_budget, cost) || cap > (uint64_t)INT64_MAX)
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "job extension: max_budget overflows");
    c->max_budget = (uint64_t)INT64_MAX;
    if ((rc = cpc_contract_budget(c, &budget, &commission, err)) != 0 ||
        !cpc_add_u64(&total, budget, commission))
        return rc ? rc : cpc_err_set(err, CPC_ERR_OVERFLOW, "job extension: budget overflows");
    c->max_budget = cap > total ? cap : total;
    if (p->add_tasks) {
        uint8_t escrow[CPC_ADDR_HASH_LEN];
        cpc_escrow_address(escrow, job.id);
        if ((rc = cpc__market_move(ov, tx->from, escrow, cost, err)) != 0)
            return cpc_err_prefix(err, "escrow of the added tasks (budget + 10%% commission)");
        job.money.escrowed += cost; /* the creator's balance covered it: within the supply */
    }
    if ((rc = open_tasks(ov, job.id, first, c->tasks, err)) != 0)
        return rc;
    if (p->add_blocks &&
        (rc = cpc__market_job_expiry(ov, job.created_height + c->deadline_blocks, job.id, err)) !=
            0)
        return rc;
    (void)ctx;
    return cpc__market_put_job(ov, &job, err);
}

/* WORKER_REGISTER: add stake to the lock, record capabilities. The lock must reach
 * the minimum (a zero stake only updates a bonded worker's capabilities). A worker
 * that deregistered is bonded again: an unbonding ends (whatever is still locked
 * stays locked; an UNSTAKE after the release zeroed it); the counters stay. */
int cpc_market_apply_worker_register(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                     const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_worker_register *p = &tx->u.worker_register;
    struct cpc_worker w;
    int rc = cpc__market_load_worker(ov, tx->from, ctx->height, &w, err);
    if (rc != 0)
        return rc;
    struct cpc_account acc;
    cpc_overlay_get(ov, tx->from, &acc);
    if (acc.balance < p->stake) {
        char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(have, acc.balance);
        cpc_amount_format(need, p->stake);
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_BALANCE,
                           "Insufficient balance: have %s CPC, need %s CPC to stake", have, need);
    }
    if (!cpc_add_u64(&acc.stake, acc.stake, p->stake) || !cpc_add_u64(&w.locked, w.locked, p->stake))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "stake overflow");
    uint64_t min = cpc_worker_min_stake(ctx->params->min_worker_stake);
    if (w.locked < min) {
        char locked[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(locked, w.locked);
        cpc_amount_format(need, min);
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_STAKE,
                           "Insufficient stake: a worker must lock at least %s CPC "
                           "(min_worker_stake); this registration would lock %s CPC",
                           need, locked);
    }
    acc.balance -= p->stake;
    w.unbonding_since = 0;
    w.cpu_cores = p->cpu_cores;
    w.ram_gb = p->ram_gb;
    w.vram_gb = p->vram_gb;
    w.gpu_count = p->gpu_count;
    memcpy(w.gpu_model, p->gpu_model, sizeof w.gpu_model);
    if (cpc_overlay_put(ov, tx->from, &acc) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return cpc__market_put_worker(ov, &w, err);
}

int cpc_market_apply_worker_deregister(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                       const struct cpc_tx *tx, struct cpc_err *err)
{
    struct cpc_worker w;
    int rc = cpc_market_get_worker(ov, tx->from, &w);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "not a registered worker (WORKER_REGISTER)");
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt worker record");
    if (w.unbonding_since)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the worker is already deregistering since height %llu",
                           (unsigned long long)w.unbonding_since);
    w.unbonding_since = ctx->height;
    return cpc__market_put_worker(ov, &w, err);
}

int cpc_market_unstake_lock(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const uint8_t addr[CPC_ADDR_HASH_LEN], uint64_t stake_after,
                            struct cpc_err *err)
{
    struct cpc_worker w;
    int rc = cpc_market_get_worker(ov, addr, &w);
    if (rc == CPC_ERR_NOT_FOUND || (rc == 0 && stake_after >= w.locked))
        return 0;
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt worker record");
    uint64_t unbonding = ctx->params->unbonding_blocks;
    if (cpc_worker_released(&w, ctx->height, unbonding)) {
        w.locked = 0; /* the lock has ended: the stake is the account's again */
        return cpc__market_put_worker(ov, &w, err);
    }
    char locked[CPC_AMOUNT_STR_MAX];
    cpc_amount_format(locked, w.locked);
    if (!w.unbonding_since)
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_STAKE,
                           "Insufficient stake: %s CPC is locked by the worker registration "
                           "(send WORKER_DEREGISTER, then wait %llu blocks)",
                           locked, (unsigned long long)unbonding);
    uint64_t end = w.unbonding_since + unbonding;
    if (ctx->height < end)
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_STAKE,
                           "Insufficient stake: %s CPC stays locked until height %llu "
                           "(unbonding since %llu)",
                           locked, (unsigned long long)end,
                           (unsigned long long)w.unbonding_since);
    return cpc_err_set(err, CPC_ERR_INSUFFICIENT_STAKE,
                       "Insufficient stake: %s CPC stays locked while %u result(s) of the "
                       "worker await settlement (a REVEAL, a replica quorum or a verdict)",
                       locked, w.pending);
}
