/* market_apply.c — the market's state transition: escrow, results,
 * commit-reveal, settlement, slashing (see market_apply.h and the economics
 * note in market.h). The deadline list lives in market_deadlines.c, the exec
 * kind's commit-reveal and quorum in market_exec.c.
 *
 * Every function reads what it needs, checks everything, then writes through
 * the overlay it was given. A *rejected result* is not an error of the tx: the
 * worker pays for it (slash), so those paths write the penalty and then
 * return CPC_ERR_INVALID_RESULT, which apply.c reports as a failed tx while
 * keeping the writes. Any other error discards the tx's effects.
 *
 * The job-lifecycle txs (JOB_CREATE, JOB_CANCEL, JOB_EXTEND,
 * WORKER_REGISTER) live in market_jobs.c; the synthetic kind in
 * market_synthetic.c. Common case: a SUBMIT_RESULT for a hashpow or vanity task is verified on
 * the spot (one hash / one point addition) and paid in the same tx; a matmul
 * result commits a row root and is paid when its REVEAL checks out. An exec
 * replica commits to its result (market_exec.c), reveals it with RESULT_REVEAL
 * once every replica committed, and the quorum over the revealed results pays.
 * A vanity key pays once (see vanity_deliver).
 */
#include "market_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "hex.h"
#include "uuid.h"

/* ---------------- record access ---------------- */

static int obj_get(const struct cpc_overlay *ov, const uint8_t *key, size_t klen, struct cpc_buf *b)
{
    return cpc_overlay_obj_get(ov, key, klen, b);
}

int cpc_market_get_job(const struct cpc_overlay *ov, const uint8_t id[32], struct cpc_job *out)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, key, cpc_key_job(key, id), &b);
    if (rc == 0)
        rc = cpc_job_decode(out, b.data, b.len, NULL) == 0 ? 0 : CPC_ERR_INVALID;
    cpc_buf_free(&b);
    return rc;
}

int cpc_market_get_task(const struct cpc_overlay *ov, const uint8_t id[16], struct cpc_task *out)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, key, cpc_key_task(key, id), &b);
    if (rc == 0)
        rc = cpc_task_decode(out, b.data, b.len, NULL) == 0 ? 0 : CPC_ERR_INVALID;
    cpc_buf_free(&b);
    return rc;
}

/* The task a tx names, for the txs that need one: CPC_ERR_NOT_FOUND "task
 * not found", CPC_ERR_INTERNAL "corrupt task record" on any other failure. */
static int named_task(const struct cpc_overlay *ov, const uint8_t id[16], struct cpc_task *out,
                      struct cpc_err *err)
{
    int rc = cpc_market_get_task(ov, id, out);
    if (rc == CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_NOT_FOUND, "task not found");
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt task record");
    return 0;
}

int cpc_market_get_worker(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                          struct cpc_worker *out)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, key, cpc_key_worker(key, addr), &b);
    if (rc == 0)
        rc = cpc_worker_decode(out, b.data, b.len, NULL) == 0 ? 0 : CPC_ERR_INVALID;
    cpc_buf_free(&b);
    return rc;
}

/* Store b's bytes under key and free b. The error says what failed: a value
 * over the state's size limit is CPC_ERR_TOO_LARGE, not an allocation failure. */
static int put_encoded(struct cpc_overlay *ov, const uint8_t *key, size_t klen, struct cpc_buf *b,
                       struct cpc_err *err)
{
    size_t len = b->len;
    int rc = b->failed ? CPC_ERR_NOMEM : cpc_overlay_obj_put(ov, key, klen, b->data, b->len);
    cpc_buf_free(b);
    if (rc == CPC_ERR_TOO_LARGE)
        return cpc_err_set(err, rc, "state record '%c' of %zu bytes exceeds the limit of %d bytes",
                           key[0], len, CPC_OBJ_VALUE_MAX);
    if (rc != 0)
        return cpc_err_set(err, rc,
                           rc == CPC_ERR_NOMEM ? "out of memory" : "cannot write a state record");
    return 0;
}

static int put_job(struct cpc_overlay *ov, const struct cpc_job *j, struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_job_encode(j, &b);
    return put_encoded(ov, key, cpc_key_job(key, j->id), &b, err);
}

static int put_worker(struct cpc_overlay *ov, const struct cpc_worker *w, struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_worker_encode(w, &b);
    return put_encoded(ov, key, cpc_key_worker(key, w->addr), &b, err);
}

/* The workers whose result a task record holds unsettled: the replicas of an
 * exec task that committed (OPEN: its commit window; COMMITTED: its reveal
 * phase) and were not rejected, else the committing worker of a COMMITTED
 * task (matmul, synthetic). A disputed exec task (CLOSED) holds nobody: a
 * VERDICT may never come, and a lock must not wait forever. Distinct by
 * construction (one replica per worker). Returns the count. */
static size_t task_pending(const struct cpc_task *t, const uint8_t **out)
{
    if (t->status != CPC_TASK_OPEN && t->status != CPC_TASK_COMMITTED)
        return 0;
    size_t n = 0, max = t->n_results <= CPC_MAX_REPLICATION ? t->n_results : CPC_MAX_REPLICATION;
    for (size_t i = 0; i < max; i++) {
        uint8_t st = t->results[i].state;
        if (st == CPC_REPLICA_COMMITTED || st == CPC_REPLICA_REVEALED ||
            (t->status == CPC_TASK_OPEN && st == CPC_REPLICA_PLAIN))
            out[n++] = t->results[i].worker;
    }
    if (n == 0 && t->status == CPC_TASK_COMMITTED) {
        out[0] = t->worker;
        return 1;
    }
    return n;
}

static bool addr_in(const uint8_t *a, const uint8_t *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(a, set[i], CPC_ADDR_HASH_LEN) == 0)
            return true;
    return false;
}

/* worker.pending += delta (+1 / -1; never below 0: a record older than the
 * counter may settle a result it never counted). */
static int pending_add(struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN], int delta,
                       struct cpc_err *err)
{
    struct cpc_worker w;
    int rc = cpc_market_get_worker(ov, addr, &w);
    if (rc == CPC_ERR_NOT_FOUND)
        return 0; /* nobody to hold to it (results need a registration) */
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt worker record");
    if (delta > 0 && w.pending < UINT32_MAX)
        w.pending++;
    else if (delta < 0 && w.pending > 0)
        w.pending--;
    return put_worker(ov, &w, err);
}

/* Store a task record and keep its workers' `pending` counters in step: every
 * write of a task goes through here, so a result counts from the write that
 * records it (commit, replica) to the one that settles or drops it (reveal,
 * missed reveal, quorum, verdict, job end), whichever path that is. */
static int put_task(struct cpc_overlay *ov, const struct cpc_task *t, struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    size_t klen = cpc_key_task(key, t->id);
    struct cpc_task old;
    const uint8_t *was[CPC_MAX_REPLICATION], *now[CPC_MAX_REPLICATION];
    size_t n_was = 0, n_now = task_pending(t, now);
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, key, klen, &b);
    if (rc == 0 && cpc_task_decode(&old, b.data, b.len, NULL) != 0)
        rc = CPC_ERR_INVALID;
    cpc_buf_free(&b);
    if (rc == 0)
        n_was = task_pending(&old, was);
    else if (rc != CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt task record");
    for (size_t i = 0; i < n_was; i++)
        if (!addr_in(was[i], now, n_now) && (rc = pending_add(ov, was[i], -1, err)) != 0)
            return rc;
    for (size_t i = 0; i < n_now; i++)
        if (!addr_in(now[i], was, n_was) && (rc = pending_add(ov, now[i], +1, err)) != 0)
            return rc;
    cpc_buf_init(&b);
    cpc_task_encode(t, &b);
    return put_encoded(ov, key, klen, &b, err);
}

/* Worker record, or a fresh one (not yet stored) for an address never registered. */
static int load_worker(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                       uint64_t height, struct cpc_worker *w, struct cpc_err *err)
{
    int rc = cpc_market_get_worker(ov, addr, w);
    if (rc == CPC_ERR_NOT_FOUND) {
        memset(w, 0, sizeof *w);
        memcpy(w->addr, addr, CPC_ADDR_HASH_LEN);
        w->registered_height = height;
        return 0;
    }
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt worker record");
    return 0;
}

/* A result from addr may be recorded (market.h, "worker stake"): addr is a
 * registered worker with at least the minimum stake locked; a deregistering one
 * only under a lease (leased) and before its unbonding period ends. Else an
 * error naming the reason (the tx fails; nothing is slashed: nothing is held). */
static int may_submit(const struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                      const uint8_t addr[CPC_ADDR_HASH_LEN], bool leased, struct cpc_err *err)
{
    struct cpc_worker w;
    uint64_t min = cpc_worker_min_stake(ctx->params->min_worker_stake);
    char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
    int rc = cpc_market_get_worker(ov, addr, &w);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_amount_format(need, min);
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED,
                           "not a registered worker: WORKER_REGISTER with at least %s CPC of "
                           "stake first", need);
    }
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt worker record");
    if (w.locked < min) {
        cpc_amount_format(need, min);
        cpc_amount_format(have, w.locked);
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_STAKE,
                           "Insufficient stake: the worker has %s CPC locked, below the minimum "
                           "%s CPC; add stake with WORKER_REGISTER", have, need);
    }
    if (w.unbonding_since && !leased)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the worker is deregistering (WORKER_DEREGISTER at height %llu): "
                           "only results of leases it holds are taken",
                           (unsigned long long)w.unbonding_since);
    if (w.unbonding_since && ctx->height - w.unbonding_since >= ctx->params->unbonding_blocks)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the worker deregistered: its unbonding period ended at height %llu",
                           (unsigned long long)(w.unbonding_since +
                                                ctx->params->unbonding_blocks));
    return 0;
}

/* ---------------- money ---------------- */

static int move(struct cpc_overlay *ov, const uint8_t from[CPC_ADDR_HASH_LEN],
                const uint8_t to[CPC_ADDR_HASH_LEN], uint64_t amount, struct cpc_err *err)
{
    if (amount == 0 || memcmp(from, to, CPC_ADDR_HASH_LEN) == 0)
        return 0;
    struct cpc_account a, b;
    cpc_overlay_get(ov, from, &a);
    cpc_overlay_get(ov, to, &b);
    if (a.balance < amount) {
        char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(have, a.balance);
        cpc_amount_format(need, amount);
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_BALANCE,
                           "Insufficient balance: have %s CPC, need %s CPC", have, need);
    }
    if (!cpc_add_u64(&b.balance, b.balance, amount))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "balance overflow");
    a.balance -= amount;
    if (cpc_overlay_put(ov, from, &a) != 0 || cpc_overlay_put(ov, to, &b) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

/* Take 10% of the task reward from the worker's stake (as much as there is)
 * into the treasury and count a rejection. */
static int slash(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                 const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t task_reward, int timed_out,
                 struct cpc_err *err)
{
    struct cpc_worker w;
    int rc = load_worker(ov, worker, ctx->height, &w, err);
    if (rc != 0)
        return rc;
    uint64_t amount = task_reward / 10000 * CPC_SLASH_BPS + task_reward % 10000 * CPC_SLASH_BPS / 10000;
    struct cpc_account acc, tre;
    cpc_overlay_get(ov, worker, &acc);
    if (amount > acc.stake)
        amount = acc.stake;
    if (amount) {
        cpc_overlay_get(ov, ctx->params->treasury, &tre);
        if (!cpc_add_u64(&tre.balance, tre.balance, amount))
            return cpc_err_set(err, CPC_ERR_OVERFLOW, "treasury balance overflow");
        acc.stake -= amount;
        w.locked = w.locked > amount ? w.locked - amount : 0;
        if (memcmp(worker, ctx->params->treasury, CPC_ADDR_HASH_LEN) == 0) {
            acc.balance = tre.balance; /* degenerate: treasury is the worker */
        } else if (cpc_overlay_put(ov, ctx->params->treasury, &tre) != 0) {
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        }
        if (cpc_overlay_put(ov, worker, &acc) != 0)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    w.rejected++;
    if (timed_out)
        w.timed_out++;
    return put_worker(ov, &w, err);
}

/* ---------------- settlement ---------------- */

/* Refund what is left in escrow once the job has ended and no commit is pending. */
static int try_finish(struct cpc_overlay *ov, struct cpc_job *job, struct cpc_err *err)
{
    if (job->status == CPC_JOB_ACTIVE || job->tasks_committed > 0 || job->refunded)
        return 0;
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    struct cpc_account e;
    cpc_escrow_address(escrow, job->id);
    cpc_overlay_get(ov, escrow, &e);
    int rc = move(ov, escrow, job->creator, e.balance, err);
    if (rc != 0)
        return rc;
    job->refunded = 1;
    job->money.refund = e.balance;
    return 0;
}

/* Pay one accepted result: reward (+ early bonus) to the worker, 10% of it to the treasury. */
static int pay_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, struct cpc_job *job,
                      const uint8_t worker[CPC_ADDR_HASH_LEN], struct cpc_err *err)
{
    const struct cpc_contract *c = &job->contract;
    uint64_t pay = c->reward;
    int early = c->early_bonus && ctx->height - job->created_height <= c->early_blocks;
    if (early && !cpc_add_u64(&pay, pay, c->early_bonus))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "reward overflow");
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_escrow_address(escrow, job->id);
    uint64_t fee = cpc_commission_of(pay);
    int rc = move(ov, escrow, worker, pay, err);
    if (rc == 0)
        rc = move(ov, escrow, ctx->params->treasury, fee, err);
    if (rc != 0)
        return cpc_err_prefix(err, "escrow of job");
    /* the escrow paid both, so the sums stay within the supply */
    struct cpc_job_money *m = &job->money;
    m->paid += pay;
    m->commission += fee;
    m->results_paid++;
    if (early) {
        m->bonus_paid += c->early_bonus;
        m->bonus_results++;
    }
    struct cpc_worker w;
    if ((rc = load_worker(ov, worker, ctx->height, &w, err)) != 0)
        return rc;
    w.accepted++;
    return put_worker(ov, &w, err);
}

/* A task is done: count it, complete the job when it was the last one. */
static int task_done(struct cpc_overlay *ov, struct cpc_job *job, struct cpc_task *task,
                     struct cpc_err *err)
{
    task->status = CPC_TASK_DONE;
    job->tasks_done++;
    if (job->tasks_done == job->contract.tasks && job->status == CPC_JOB_ACTIVE)
        job->status = CPC_JOB_COMPLETED;
    int rc = put_task(ov, task, err);
    if (rc == 0)
        rc = try_finish(ov, job, err);
    if (rc == 0)
        rc = put_job(ov, job, err);
    return rc;
}

/* Reject a result: slash the worker and report the reason as the tx's failure
 * while keeping the penalty (see top of file). When the rejected worker held
 * the task's lease (task non-NULL), the task's attempts grow: the scheduler
 * sees the changed record and takes the lease back, so the task is reissued
 * at once. Results without a valid lease pass NULL: a stranger's garbage
 * must not cost the lease holder its lease. */
static int reject(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, const struct cpc_job *job,
                  struct cpc_task *task, const uint8_t worker[CPC_ADDR_HASH_LEN],
                  const struct cpc_err *why, struct cpc_err *err)
{
    struct cpc_err tmp = *why;
    int rc = slash(ov, ctx, worker, job->contract.reward, 0, err);
    if (rc == 0 && task) {
        task->attempts++;
        rc = put_task(ov, task, err);
    }
    if (rc != 0)
        return rc;
    if (err)
        *err = tmp;
    if (err)
        err->code = CPC_ERR_INVALID_RESULT;
    return CPC_ERR_INVALID_RESULT;
}

/* ---------------- transactions ---------------- */

/* The lease signature: the validator's over (chain, task, worker, expires), or
 * for a member of a lease set over (chain, worker, expires, size, the root that
 * the result's path folds up to). 0 or CPC_ERR_UNAUTHORIZED. A pair the block
 * builder's oracle knows as its own signature (apply.h, cpc_lease_sig_oracle)
 * would verify by construction, so the ECDSA verify is skipped for it; without
 * an oracle (received blocks, replay) every signature is verified, once per
 * block (ctx->lease_memo: a set's results share one signature). */
static int lease_check(const struct cpc_block_ctx *ctx, const struct cpc_payload_submit_result *p,
                       const uint8_t task_id[16], const uint8_t worker[CPC_ADDR_HASH_LEN])
{
    const struct cpc_lease_sig_oracle *o = ctx->lease_sigs;
    uint8_t d[32];
    if (p->has_lease == 2) {
        if (cpc_lease_set_member_digest(d, ctx->params->chain_id, task_id, worker,
                                        p->lease_expires, &p->lease_set) != 0)
            return CPC_ERR_UNAUTHORIZED;
    } else {
        cpc_lease_digest(d, ctx->params->chain_id, task_id, worker, p->lease_expires);
    }
    if (o && o->known && o->known(o->arg, ctx->validator_pub, d, p->lease_sig))
        return 0;
    if (cpc_lease_memo_has(ctx->lease_memo, d, p->lease_sig))
        return 0; /* this block already verified this set's signature */
    if (cpc_verify(p->lease_sig, d, ctx->validator_pub) != 0)
        return CPC_ERR_UNAUTHORIZED;
    cpc_lease_memo_add(ctx->lease_memo, d, p->lease_sig);
    return 0;
}

/* Shared checks of a result for a known task: job active, task state, lease. */
static int result_context(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                          const struct cpc_tx *tx, struct cpc_task *task, struct cpc_job *job,
                          struct cpc_err *err)
{
    const struct cpc_payload_submit_result *p = &tx->u.result;
    if (cpc_market_get_job(ov, task->job_id, job) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "task without a job");
    if (job->status != CPC_JOB_ACTIVE)
        return cpc_err_set(err, CPC_ERR_INVALID, "job is not active");
    if (task->status != CPC_TASK_OPEN)
        return cpc_err_set(err, CPC_ERR_INVALID, "task is not open (%s)",
                           task->status == CPC_TASK_COMMITTED ? "a result is committed" : "done");
    for (unsigned i = 0; i < task->n_results; i++)
        if (memcmp(task->results[i].worker, tx->from, CPC_ADDR_HASH_LEN) == 0)
            return cpc_err_set(err, CPC_ERR_DUPLICATE, "this worker already submitted a replica");
    int rc = may_submit(ov, ctx, tx->from, true, err);
    if (rc != 0)
        return rc;
    struct cpc_err why = {0};
    if (!p->has_lease)
        cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                    "Invalid ComputeResult: no lease for a market task");
    else if (p->lease_expires < ctx->height)
        cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                    "Invalid ComputeResult: lease expired at height %llu",
                    (unsigned long long)p->lease_expires);
    else if (lease_check(ctx, p, task->id, tx->from) != 0)
        cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                    "Invalid ComputeResult: the sender does not hold the lease for this task");
    if (why.code)
        return reject(ov, ctx, job, NULL, tx->from, &why, err);
    return 0;
}

/* A vanity key pays once. Every task of a vanity job is the same puzzle (the
 * customer's P and prefix), and a result is public once it is on chain, so
 * without this a worker could resubmit another's key for its own task (or one
 * key for several tasks) and be paid for no work. The address P + x*G is
 * marked delivered under CPC_KEY_VANITY_DONE | address hash (value: the task id);
 * a second delivery is an invalid result (CPC_ERR_INVALID_RESULT in *why). */
static int vanity_deliver(struct cpc_overlay *ov, const struct cpc_contract *c,
                          const uint8_t partial[32], const struct cpc_task *task,
                          struct cpc_err *why, struct cpc_err *err)
{
    char addr[CPC_ADDR_STR_MAX];
    uint8_t key[1 + CPC_ADDR_HASH_LEN];
    if (cpc_vanity_address(addr, c->p.vanity.pubkey, partial) != 0 ||
        cpc_address_decode(key + 1, addr) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "cannot derive the vanity address");
    key[0] = CPC_KEY_VANITY_DONE;
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, key, sizeof key, &b);
    cpc_buf_free(&b);
    if (rc == 0)
        return cpc_err_set(why, CPC_ERR_INVALID_RESULT,
                           "Invalid ComputeResult: address %s was already delivered", addr);
    if (rc != CPC_ERR_NOT_FOUND)
        return cpc_err_set(err, rc, "cannot read the vanity delivery marker");
    if (cpc_overlay_obj_put(ov, key, sizeof key, task->id, 16) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

int cpc_market_apply_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_submit_result *p = &tx->u.result;
    struct cpc_task task;
    struct cpc_job job;
    int rc = cpc_market_get_task(ov, p->task_id, &task);
    if (rc == CPC_ERR_NOT_FOUND) /* a synthetic commit, or only recorded */
        return cpc_market_synthetic_result(ov, ctx, tx, err);
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt task record");
    if (cpc__market_is_synthetic(&task))
        return cpc_err_set(err, CPC_ERR_DUPLICATE,
                           "this worker already submitted its synthetic result for that height");
    if ((rc = result_context(ov, ctx, tx, &task, &job, err)) != 0)
        return rc;
    const struct cpc_contract *c = &job.contract;
    struct cpc_err why = {0};
    switch (c->kind) {
    case CPC_KIND_HASHPOW: {
        if (p->result_hash_len != 8) {
            cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                        "Invalid ComputeResult: a hashpow result is the 8-byte nonce");
            return reject(ov, ctx, &job, &task, tx->from, &why, err);
        }
        uint64_t nonce = 0;
        for (int i = 0; i < 8; i++)
            nonce = nonce << 8 | p->result_hash[i];
        uint8_t seed[32];
        cpc_hashpow_task_seed(seed, job.seed, task.index);
        if (cpc_hashpow_verify(seed, c->p.hashpow.bits, nonce, &why) != 0)
            return reject(ov, ctx, &job, &task, tx->from, &why, err);
        if ((rc = pay_result(ov, ctx, &job, tx->from, err)) != 0)
            return rc;
        return task_done(ov, &job, &task, err);
    }
    case CPC_KIND_VANITY:
        if (p->result_hash_len != 32) {
            cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                        "Invalid ComputeResult: a vanity result is the 32-byte partial key");
            return reject(ov, ctx, &job, &task, tx->from, &why, err);
        }
        if (cpc_vanity_verify(c->p.vanity.pubkey, c->p.vanity.prefix, p->result_hash, &why) != 0)
            return reject(ov, ctx, &job, &task, tx->from, &why, err);
        if ((rc = vanity_deliver(ov, c, p->result_hash, &task, &why, err)) != 0)
            return rc == CPC_ERR_INVALID_RESULT ? reject(ov, ctx, &job, &task, tx->from, &why, err) : rc;
        if ((rc = pay_result(ov, ctx, &job, tx->from, err)) != 0)
            return rc;
        return task_done(ov, &job, &task, err);
    case CPC_KIND_MATMUL:
        if (p->result_hash_len != 32) {
            cpc_err_set(&why, CPC_ERR_INVALID_RESULT,
                        "Invalid ComputeResult: a matmul result is the 32-byte row root");
            return reject(ov, ctx, &job, &task, tx->from, &why, err);
        }
        task.status = CPC_TASK_COMMITTED;
        memcpy(task.worker, tx->from, CPC_ADDR_HASH_LEN);
        memcpy(task.commit_root, p->result_hash, 32);
        task.commit_height = ctx->height;
        task.reveal_deadline = ctx->height + CPC_REVEAL_WINDOW;
        job.tasks_committed++;
        if ((rc = cpc__market_reveal_deadline(ov, &task, err)) != 0 ||
            (rc = put_task(ov, &task, err)) != 0)
            return rc;
        return put_job(ov, &job, err);
    case CPC_KIND_EXEC:
        return cpc__market_result_exec(ov, ctx, tx, &task, &job, err);
    default:
        return cpc_err_set(err, CPC_ERR_INTERNAL, "job of unknown kind");
    }
}

/* Hash of the block at height, from the recent-hash ring. */
static int block_hash_at(const struct cpc_overlay *ov, uint64_t height, uint8_t out[32])
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, key, cpc_key_blockhash(key, height), &b);
    if (rc == 0 && b.len == 32)
        memcpy(out, b.data, 32);
    else if (rc == 0)
        rc = CPC_ERR_INVALID;
    cpc_buf_free(&b);
    return rc;
}

/* Checks every REVEAL shares: a commitment waits, the sender made it, the
 * challenge block is past, the deadline is not. */
static int reveal_precheck(const struct cpc_block_ctx *ctx, const struct cpc_tx *tx,
                           const struct cpc_task *task, struct cpc_err *err)
{
    if (task->status != CPC_TASK_COMMITTED)
        return cpc_err_set(err, CPC_ERR_INVALID, "task has no commitment waiting for a reveal");
    if (memcmp(task->worker, tx->from, CPC_ADDR_HASH_LEN) != 0)
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "only the committing worker can reveal");
    if (ctx->height <= task->commit_height)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the challenge is drawn from the commit block's hash: reveal from height %llu",
                           (unsigned long long)task->commit_height + 1);
    if (ctx->height > task->reveal_deadline)
        return cpc_err_set(err, CPC_ERR_INVALID, "reveal deadline passed");
    return 0;
}

/* Check a REVEAL's proofs of `count` challenged rows against the task's commitment.
 * Returns 0 with why->code set when the result is wrong (0 = right), or
 * CPC_ERR_NOMEM / CPC_ERR_INTERNAL in err. */
static int verify_reveal(const struct cpc_overlay *ov, const struct cpc_tx *tx,
                         const struct cpc_task *task, const struct cpc_matmul_spec *spec,
                         uint32_t count, struct cpc_err *why, struct cpc_err *err)
{
    const struct cpc_payload_reveal *p = &tx->u.reveal;
    uint8_t bh[32], cseed[32];
    if (block_hash_at(ov, task->commit_height, bh) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "commit block hash unavailable");
    cpc_challenge_seed(cseed, bh, task->id);
    uint32_t *rows = calloc(count, sizeof *rows);
    struct cpc_merkle_proof *proofs = calloc(count, sizeof *proofs);
    int rc = 0;
    if (!rows || !proofs) {
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        goto out;
    }
    cpc_matmul_challenge(cseed, spec->m, count, rows);
    if (p->count != count) {
        cpc_err_set(why, CPC_ERR_INVALID_RESULT, "Invalid ComputeResult: %u proofs for %u challenged rows",
                    p->count, count);
        goto out;
    }
    for (uint32_t i = 0; i < count && !why->code; i++) {
        if (cpc_reveal_proof(tx->ext, tx->ext_len, p->count, (uint16_t)i, &proofs[i]) != 0)
            cpc_err_set(why, CPC_ERR_INVALID_RESULT, "Invalid ComputeResult: proof %u is malformed", i);
        proofs[i].index = rows[i];
        proofs[i].n_leaves = spec->m;
    }
    if (!why->code &&
        cpc_matmul_verify_rows(spec, task->commit_root, rows, count, proofs, why) == CPC_ERR_NOMEM)
        rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
out:
    free(rows);
    free(proofs);
    return rc;
}

int cpc_market_apply_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                            const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_reveal *p = &tx->u.reveal;
    struct cpc_task task;
    struct cpc_job job;
    int rc = named_task(ov, p->task_id, &task, err);
    if (rc != 0)
        return rc;
    if ((rc = reveal_precheck(ctx, tx, &task, err)) != 0)
        return rc;
    if (cpc__market_is_synthetic(&task))
        return cpc_market_synthetic_reveal(ov, ctx, tx, &task, err);
    if (cpc_market_get_job(ov, task.job_id, &job) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt task or job record");
    const struct cpc_contract *c = &job.contract;
    struct cpc_err why = {0};
    struct cpc_matmul_spec spec;
    cpc_matmul_task_seed(spec.seed, job.seed, task.index);
    spec.m = c->p.matmul.m;
    spec.k = c->p.matmul.k;
    spec.n = c->p.matmul.n;
    if ((rc = verify_reveal(ov, tx, &task, &spec, c->p.matmul.challenges, &why, err)) != 0)
        return rc;
    job.tasks_committed--;
    if (why.code) {
        task.status = CPC_TASK_OPEN;
        task.attempts++;
        if (job.status != CPC_JOB_ACTIVE)
            task.status = CPC_TASK_CLOSED;
        if ((rc = put_task(ov, &task, err)) != 0 || (rc = try_finish(ov, &job, err)) != 0 ||
            (rc = put_job(ov, &job, err)) != 0)
            return rc;
        return reject(ov, ctx, &job, NULL, tx->from, &why, err); /* attempts counted above */
    }
    if ((rc = pay_result(ov, ctx, &job, tx->from, err)) != 0)
        return rc;
    return task_done(ov, &job, &task, err);
}

uint64_t cpc_market_reveal_work(const struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx)
{
    struct cpc_task task;
    struct cpc_job job;
    if (tx->type != CPC_TX_REVEAL || cpc_market_get_task(ov, tx->u.reveal.task_id, &task) != 0 ||
        reveal_precheck(ctx, tx, &task, NULL) != 0)
        return 0; /* fails before any verification */
    if (cpc__market_is_synthetic(&task)) {
        struct cpc_synthetic_params sp;
        if (cpc_market_synthetic_params(ov, &sp) != 0)
            return 0; /* corrupt: the reveal fails as an internal error */
        return cpc_matmul_reveal_work(sp.n, sp.n, sp.n, sp.challenges);
    }
    if (cpc_market_get_job(ov, task.job_id, &job) != 0 || job.contract.kind != CPC_KIND_MATMUL)
        return 0;
    const struct cpc_contract *c = &job.contract;
    return cpc_matmul_reveal_work(c->p.matmul.m, c->p.matmul.k, c->p.matmul.n,
                                  c->p.matmul.challenges);
}

/* ---------------- block hooks ---------------- */

int cpc_market_begin_block(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                           struct cpc_err *err)
{
    if (ctx->height == 0)
        return 0;
    uint8_t key[CPC_KEY_MAX];
    size_t klen = cpc_key_blockhash(key, ctx->height - 1);
    if (cpc_overlay_obj_put(ov, key, klen, ctx->prev_hash, 32) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (ctx->height - 1 >= CPC_BLOCKHASH_KEEP) {
        klen = cpc_key_blockhash(key, ctx->height - 1 - CPC_BLOCKHASH_KEEP);
        if (cpc_overlay_obj_del(ov, key, klen) != 0)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    }
    return cpc__market_synthetic_counter_drop(ov, ctx->height - 1, err);
}

/* ---------------- helpers for the other market files (market_apply.h) ---------------- */

int cpc__market_move(struct cpc_overlay *ov, const uint8_t from[CPC_ADDR_HASH_LEN],
                     const uint8_t to[CPC_ADDR_HASH_LEN], uint64_t amount, struct cpc_err *err)
{
    return move(ov, from, to, amount, err);
}

int cpc__market_slash(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                      const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t task_reward, int timed_out,
                      struct cpc_err *err)
{
    return slash(ov, ctx, worker, task_reward, timed_out, err);
}

int cpc__market_accepted(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         const uint8_t worker[CPC_ADDR_HASH_LEN], struct cpc_err *err)
{
    struct cpc_worker w;
    int rc = load_worker(ov, worker, ctx->height, &w, err);
    if (rc != 0)
        return rc;
    w.accepted++;
    return put_worker(ov, &w, err);
}

int cpc__market_put_task(struct cpc_overlay *ov, const struct cpc_task *t, struct cpc_err *err)
{
    return put_task(ov, t, err);
}

int cpc__market_put_job(struct cpc_overlay *ov, const struct cpc_job *j, struct cpc_err *err)
{
    return put_job(ov, j, err);
}

int cpc__market_put_worker(struct cpc_overlay *ov, const struct cpc_worker *w, struct cpc_err *err)
{
    return put_worker(ov, w, err);
}

int cpc__market_load_worker(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                            uint64_t height, struct cpc_worker *w, struct cpc_err *err)
{
    return load_worker(ov, addr, height, w, err);
}

int cpc__market_may_submit(const struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                           const uint8_t addr[CPC_ADDR_HASH_LEN], bool leased,
                           struct cpc_err *err)
{
    return may_submit(ov, ctx, addr, leased, err);
}

int cpc__market_block_hash(const struct cpc_overlay *ov, uint64_t height, uint8_t out[32])
{
    return block_hash_at(ov, height, out);
}

int cpc__market_verify_reveal(const struct cpc_overlay *ov, const struct cpc_tx *tx,
                              const struct cpc_task *task, const struct cpc_matmul_spec *spec,
                              uint32_t count, struct cpc_err *why, struct cpc_err *err)
{
    return verify_reveal(ov, tx, task, spec, count, why, err);
}

int cpc__market_put_encoded(struct cpc_overlay *ov, const uint8_t *key, size_t klen,
                            struct cpc_buf *b, struct cpc_err *err)
{
    return put_encoded(ov, key, klen, b, err);
}

int cpc__market_named_task(const struct cpc_overlay *ov, const uint8_t id[16],
                           struct cpc_task *out, struct cpc_err *err)
{
    return named_task(ov, id, out, err);
}

int cpc__market_try_finish(struct cpc_overlay *ov, struct cpc_job *job, struct cpc_err *err)
{
    return try_finish(ov, job, err);
}

int cpc__market_pay_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                           struct cpc_job *job, const uint8_t worker[CPC_ADDR_HASH_LEN],
                           struct cpc_err *err)
{
    return pay_result(ov, ctx, job, worker, err);
}

int cpc__market_task_done(struct cpc_overlay *ov, struct cpc_job *job, struct cpc_task *task,
                          struct cpc_err *err)
{
    return task_done(ov, job, task, err);
}

int cpc__market_reject(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                       const struct cpc_job *job, struct cpc_task *task,
                       const uint8_t worker[CPC_ADDR_HASH_LEN], const struct cpc_err *why,
                       struct cpc_err *err)
{
    return reject(ov, ctx, job, task, worker, why, err);
}
