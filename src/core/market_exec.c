/* market_exec.c — the exec kind's commit-reveal settlement (market_apply.h):
 * a replica's SUBMIT_RESULT commits (result_exec), RESULT_REVEAL opens the
 * commitment once every replica committed, and the quorum over the revealed
 * results pays and slashes (exec_settle) when the last one is revealed, when
 * the reveal phase ends (market_deadlines.c) or on the validator's VERDICT.
 * Records and money go through market_apply.c's helpers (cpc__market_*), so
 * every write follows the same rules as the other kinds' settlement.
 */
#include <string.h>

#include "market_apply.h"

/* exec, commit phase. An exec result cannot be recomputed by the node, so
 * replicas vote; but a vote on public values can be copied (results are in
 * every block and view), and a copied value earns as much as a computed one.
 * So a replica's SUBMIT_RESULT carries only its commitment
 * cpc_exec_commitment(result, worker, salt) (32 bytes), and the results are
 * revealed once no one can commit any more: the commit window closes with the
 * replication-th commitment; the task turns COMMITTED and its reveal phase of
 * CPC_EXEC_REVEAL_WINDOW blocks starts (a DL_REVEAL entry; missed_reveal
 * dispatches on the kind). Nothing is compared or paid here. */
static int result_exec(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, const struct cpc_tx *tx,
                       struct cpc_task *task, struct cpc_job *job, struct cpc_err *err)
{
    const struct cpc_payload_submit_result *p = &tx->u.result;
    if (p->result_hash_len != 32) {
        struct cpc_err why = {0};
        cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                    "Invalid ComputeResult: an exec result is the 32-byte commitment "
                    "SHA256(\"cpc-exec-commit\" | result | worker | salt)");
        return cpc__market_reject(ov, ctx, job, task, tx->from, &why, err);
    }
    struct cpc_task_result *r = &task->results[task->n_results++];
    memset(r, 0, sizeof *r);
    memcpy(r->worker, tx->from, CPC_ADDR_HASH_LEN);
    memcpy(r->commit, p->result_hash, 32);
    r->state = CPC_REPLICA_COMMITTED;
    if (task->n_results < job->contract.replication)
        return cpc__market_put_task(ov, task, err);
    task->status = CPC_TASK_COMMITTED;
    task->commit_height = ctx->height;
    task->reveal_deadline = ctx->height + CPC_EXEC_REVEAL_WINDOW;
    job->tasks_committed++;
    int rc = cpc__market_reveal_deadline(ov, task, err);
    if (rc == 0)
        rc = cpc__market_put_task(ov, task, err);
    if (rc == 0)
        rc = cpc__market_put_job(ov, job, err);
    return rc;
}

/* exec, end of the reveal phase (every replica revealed or failed its reveal,
 * the reveal deadline passed, or a VERDICT): the quorum runs over the revealed
 * results only, a strict majority of `replication` as before; a replica that
 * never revealed counts in n but matches nothing. verdict (NULL: the quorum
 * decides; else the validator's VERDICT: accept with its hash, or reject all).
 * Paid: the revealed majority. Slashed: the revealed minority and every silent
 * committer (timed out, then marked rejected); a failed reveal was slashed
 * when it failed.
 * No majority: no revealed replica is paid or slashed. When nothing was
 * revealed the task opens again (closed when its job ended). When something
 * was, those values are public now: another round would pay whoever copies
 * them into fresh commitments (with replication 2, one saboteur that makes
 * round one fail copies the honest value in round two), so the task is not
 * run again: it is closed, disputed, its revealed replicas kept for a VERDICT
 * while the job is active (else its share of the escrow goes back).
 * Writes task and job. *sender_lost (may be NULL) = 1 when sender's revealed
 * replica was slashed here. */
static int exec_settle(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, struct cpc_task *task,
                       struct cpc_job *job, const struct cpc_payload_verdict *verdict,
                       const uint8_t *sender, int *sender_lost, struct cpc_err *err)
{
    uint8_t hashes[CPC_MAX_REPLICATION][64];
    uint8_t lens[CPC_MAX_REPLICATION];
    unsigned n = task->n_results, revealed = 0;
    memset(hashes, 0, sizeof hashes);
    for (unsigned i = 0; i < n; i++) {
        const struct cpc_task_result *x = &task->results[i];
        lens[i] = x->state == CPC_REPLICA_REVEALED ? x->hash_len : 0;
        memcpy(hashes[i], x->hash, lens[i]);
        revealed += x->state == CPC_REPLICA_REVEALED;
    }
    const uint8_t *win_hash = NULL;
    uint8_t win_len = 0;
    if (verdict) {
        if (verdict->accept) {
            win_hash = verdict->result_hash;
            win_len = verdict->result_hash_len;
        }
    } else {
        int win = cpc_exec_quorum((const uint8_t(*)[64])hashes, lens, n);
        if (win >= 0) {
            win_hash = hashes[win];
            win_len = lens[win];
        }
    }
    if (task->status == CPC_TASK_COMMITTED && job->tasks_committed > 0)
        job->tasks_committed--; /* its reveal phase ends here */
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        struct cpc_task_result *x = &task->results[i];
        if (x->state == CPC_REPLICA_COMMITTED) {
            rc = cpc__market_slash(ov, ctx, x->worker, job->contract.reward, 1, err);
            x->state = CPC_REPLICA_REJECTED; /* slashed once */
        } else if (x->state != CPC_REPLICA_REVEALED) {
            continue; /* rejected at its reveal: slashed then */
        } else if (win_hash && lens[i] == win_len && memcmp(hashes[i], win_hash, win_len) == 0) {
            rc = cpc__market_pay_result(ov, ctx, job, x->worker, err);
        } else if (win_hash || (verdict && !verdict->accept)) {
            rc = cpc__market_slash(ov, ctx, x->worker, job->contract.reward, 0, err);
            if (sender && sender_lost && memcmp(x->worker, sender, CPC_ADDR_HASH_LEN) == 0)
                *sender_lost = 1;
        }
    }
    if (rc != 0)
        return rc;
    if (win_hash)
        return cpc__market_task_done(ov, job, task, err);
    task->attempts++;
    if (revealed > 0 && !verdict) {
        task->status = CPC_TASK_CLOSED; /* disputed: see above */
    } else { /* nothing revealed, or the validator rejected it all: run it again */
        task->n_results = 0;
        memset(task->results, 0, sizeof task->results);
        task->status = job->status == CPC_JOB_ACTIVE ? CPC_TASK_OPEN : CPC_TASK_CLOSED;
    }
    if ((rc = cpc__market_put_task(ov, task, err)) != 0 || (rc = cpc__market_try_finish(ov, job, err)) != 0)
        return rc;
    return cpc__market_put_job(ov, job, err);
}

/* A closed exec task that kept revealed replicas: a dispute for a VERDICT. */
static int exec_disputed(const struct cpc_task *task)
{
    if (task->status != CPC_TASK_CLOSED)
        return 0;
    for (unsigned i = 0; i < task->n_results; i++)
        if (task->results[i].state == CPC_REPLICA_REVEALED)
            return 1;
    return 0;
}

/* Replicas of an exec task still waiting for their reveal. */
static unsigned exec_unrevealed(const struct cpc_task *task)
{
    unsigned k = 0;
    for (unsigned i = 0; i < task->n_results; i++)
        k += task->results[i].state == CPC_REPLICA_COMMITTED;
    return k;
}

int cpc_market_result_reveal_includable(const struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                        const struct cpc_tx *tx, struct cpc_err *err)
{
    struct cpc_task task;
    struct cpc_job job;
    if (cpc_market_get_task(ov, tx->u.result_reveal.task_id, &task) != 0 ||
        cpc__market_is_synthetic(&task) || cpc_market_get_job(ov, task.job_id, &job) != 0 ||
        job.contract.kind != CPC_KIND_EXEC)
        return 0;
    if (task.status == CPC_TASK_OPEN || (task.status == CPC_TASK_COMMITTED &&
                                         ctx->height <= task.commit_height))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the task's commit window is open: a RESULT_REVEAL waits until every "
                           "replica has committed (from the block after)");
    return 0;
}

int cpc_market_apply_result_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                   const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_result_reveal *p = &tx->u.result_reveal;
    struct cpc_task task;
    struct cpc_job job;
    int rc = cpc__market_named_task(ov, p->task_id, &task, err);
    if (rc != 0)
        return rc;
    if (cpc__market_is_synthetic(&task))
        return cpc_err_set(err, CPC_ERR_INVALID, "RESULT_REVEAL is for exec tasks");
    if (cpc_market_get_job(ov, task.job_id, &job) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "task without a job");
    if (job.contract.kind != CPC_KIND_EXEC)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "RESULT_REVEAL is for exec tasks (a matmul commit opens with REVEAL)");
    struct cpc_task_result *r = NULL;
    for (unsigned i = 0; i < task.n_results && !r; i++)
        if (memcmp(task.results[i].worker, tx->from, CPC_ADDR_HASH_LEN) == 0)
            r = &task.results[i];
    if (!r)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "only a worker that committed a replica of this task can reveal");
    if (task.status == CPC_TASK_OPEN)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the commit window is open (%u of %u replicas committed): reveal "
                           "once every replica has committed",
                           task.n_results, job.contract.replication);
    if (task.status != CPC_TASK_COMMITTED)
        return cpc_err_set(err, CPC_ERR_INVALID, "task is not in its reveal phase");
    if (ctx->height <= task.commit_height)
        return cpc_err_set(err, CPC_ERR_INVALID, "the commit window closed in this block: reveal from height %llu",
                           (unsigned long long)task.commit_height + 1);
    if (ctx->height > task.reveal_deadline)
        return cpc_err_set(err, CPC_ERR_INVALID, "reveal deadline passed");
    if (r->state != CPC_REPLICA_COMMITTED)
        return cpc_err_set(err, CPC_ERR_DUPLICATE, "this replica was already revealed");
    uint8_t c[32];
    cpc_exec_commitment(c, p->result, p->result_len, tx->from, p->salt);
    struct cpc_err why = {0};
    if (memcmp(c, r->commit, 32) != 0) {
        /* a copied commitment cannot be opened by the copier (it binds the
         * committer's address), nor can a committed value be changed */
        cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                    "Invalid ComputeResult: the reveal does not open this worker's commitment");
        if ((rc = cpc__market_slash(ov, ctx, tx->from, job.contract.reward, 0, err)) != 0)
            return rc;
        r->state = CPC_REPLICA_REJECTED;
    } else {
        r->state = CPC_REPLICA_REVEALED;
        memcpy(r->hash, p->result, p->result_len);
        r->hash_len = p->result_len;
    }
    int sender_lost = 0;
    if (exec_unrevealed(&task) > 0)
        rc = cpc__market_put_task(ov, &task, err);
    else
        rc = exec_settle(ov, ctx, &task, &job, NULL, tx->from, &sender_lost, err);
    if (rc != 0)
        return rc;
    if (why.code) {
        if (err)
            *err = why;
        return CPC_ERR_INVALID_RESULT;
    }
    if (sender_lost)
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT,
                           "Invalid ComputeResult: outvoted by the replica quorum");
    return 0;
}

int cpc_market_apply_verdict(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                             const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_verdict *p = &tx->u.verdict;
    uint8_t vaddr[CPC_ADDR_HASH_LEN];
    if (cpc_pubkey_hash(vaddr, ctx->validator_pub) != 0 ||
        memcmp(vaddr, tx->from, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "VERDICT is for the validator only");
    struct cpc_task task;
    struct cpc_job job;
    int rc = cpc_market_get_task(ov, p->task_id, &task);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "task not found");
    if (rc == 0 && cpc__market_is_synthetic(&task))
        return cpc_err_set(err, CPC_ERR_INVALID, "a synthetic task takes no verdict");
    if (rc != 0 || cpc_market_get_job(ov, task.job_id, &job) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt task or job record");
    /* Replicas are commitments until the commit window closes: there is
     * nothing to judge before the reveal phase. In it, or once a phase ended
     * without a majority (disputed, while the job is active), the verdict
     * settles: revealed replicas equal to result_hash are paid, the other
     * revealed ones and the silent committers slashed (exec_settle). */
    if (job.contract.kind != CPC_KIND_EXEC ||
        (task.status != CPC_TASK_COMMITTED && !exec_disputed(&task)))
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "task has no replicas waiting for a verdict (an exec task takes one "
                           "in its reveal phase, or disputed after it)");
    if (task.status == CPC_TASK_CLOSED && job.status != CPC_JOB_ACTIVE)
        return cpc_err_set(err, CPC_ERR_INVALID, "the job ended: its escrow went back");
    return exec_settle(ov, ctx, &task, &job, p, NULL, NULL, err);
}

/* ---------------- for market_apply.c and market_deadlines.c (market_apply.h) ---------------- */

int cpc__market_result_exec(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_task *task, struct cpc_job *job,
                            struct cpc_err *err)
{
    return result_exec(ov, ctx, tx, task, job, err);
}

int cpc__market_exec_settle(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            struct cpc_task *task, struct cpc_job *job,
                            const struct cpc_payload_verdict *verdict, const uint8_t *sender,
                            int *sender_lost, struct cpc_err *err)
{
    return exec_settle(ov, ctx, task, job, verdict, sender, sender_lost, err);
}
