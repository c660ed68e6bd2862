/* market_apply.c — the market's state transition: escrow, results,
 * commit-reveal, quorum, settlement, slashing, deadlines (see market_apply.h
 * and the economics note in market.h).
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
 * replica commits to its result (result_exec), reveals it with RESULT_REVEAL
 * once every replica committed, and the quorum over the revealed results pays
 * (exec_settle). A vanity key pays once (see vanity_deliver).
 */
#include "market_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "hex.h"
#include "uuid.h"

#define DL_JOB_EXPIRY 1
#define DL_REVEAL 2
#define DL_CLOSE_TASKS 9 /* id = job id, aux = the next task to close (an ended job) */

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

/* ---------------- deadlines ----------------
 *
 * The deadlines due at a height live in fixed-size buckets (market.h):
 *   'D' | u64 height               -> u32 count of entries ever added at that height
 *   'D' | u64 height | u32 bucket  -> entries bucket*B .. bucket*B+B-1 (B = CPC_DEADLINE_BUCKET)
 *   'D'                            -> cursor: u64 height | u32 entry, the first entry not
 *                                     yet processed (every height below is done); present
 *                                     only while due entries wait for a later block
 * An entry is u8 type | u8 id_len | id | u64 aux. Adding one rewrites one
 * bucket of at most B entries, so no value grows with the number of
 * deadlines. Block end processes due entries from the cursor on, up to
 * CPC_DEADLINE_WORK per block (an entry costs 1, plus the job's tasks for an
 * expiry); the rest carries over to the next block in the same order. An
 * entry added for a height the cursor has passed goes to the cursor's height,
 * so it still falls due. */

struct dl_cursor {
    uint64_t height;
    uint32_t entry;
    int present;
};

struct dl_entry {
    uint8_t type;
    uint8_t id_len;
    uint8_t id[255];
    uint64_t aux;
};

static int cursor_get(const struct cpc_overlay *ov, struct dl_cursor *c, struct cpc_err *err)
{
    uint8_t key = CPC_KEY_DEADLINE;
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, &key, 1, &b);
    memset(c, 0, sizeof *c);
    if (rc == 0) {
        struct cpc_reader r;
        cpc_reader_init(&r, b.data, b.len);
        c->height = cpc_read_u64(&r);
        c->entry = cpc_read_u32(&r);
        c->present = 1;
        if (r.failed || r.left)
            rc = cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt deadline cursor");
    } else if (rc == CPC_ERR_NOT_FOUND) {
        rc = 0;
    } else {
        rc = cpc_err_set(err, rc, "cannot read the deadline cursor");
    }
    cpc_buf_free(&b);
    return rc;
}

static int cursor_put(struct cpc_overlay *ov, const struct dl_cursor *c, struct cpc_err *err)
{
    uint8_t key = CPC_KEY_DEADLINE;
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put_u64(&b, c->height);
    cpc_buf_put_u32(&b, c->entry);
    return put_encoded(ov, &key, 1, &b, err);
}

/* Entries added at height (0 when none). */
static int dl_count_get(const struct cpc_overlay *ov, uint64_t height, uint32_t *count,
                        struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = obj_get(ov, key, cpc_key_deadline(key, height), &b);
    *count = 0;
    if (rc == 0) {
        struct cpc_reader r;
        cpc_reader_init(&r, b.data, b.len);
        *count = cpc_read_u32(&r);
        if (r.failed || r.left)
            rc = cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt deadline count");
    } else if (rc == CPC_ERR_NOT_FOUND) {
        rc = 0;
    } else {
        rc = cpc_err_set(err, rc, "cannot read the deadline count");
    }
    cpc_buf_free(&b);
    return rc;
}

/* File a deadline of `type` (its handler: deadline_due) for id at height, which
 * must be the current block's height or later (it is processed at the end of
 * that block, or later under a backlog). */
static int deadline_add(struct cpc_overlay *ov, uint64_t height, uint8_t type, const uint8_t *id,
                        size_t id_len, uint64_t aux, struct cpc_err *err)
{
    struct dl_cursor cur;
    uint32_t count;
    int rc;
    if (id_len > 255)
        return cpc_err_set(err, CPC_ERR_INVALID, "deadline id of %zu bytes", id_len);
    if ((rc = cursor_get(ov, &cur, err)) != 0)
        return rc;
    /* Without a cursor every due height was processed by its own block, and no
     * tx adds below the current height (expiries and reveal windows lie ahead,
     * an active job's deadline is not behind). With one, heights below it are
     * done: the entry falls due at the cursor's height instead. */
    if (cur.present && height < cur.height)
        height = cur.height;
    if ((rc = dl_count_get(ov, height, &count, err)) != 0)
        return rc;
    if (count == UINT32_MAX)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "too many deadlines at height %llu",
                           (unsigned long long)height);
    uint8_t key[CPC_KEY_MAX];
    size_t klen = cpc_key_deadline_bucket(key, height, count / CPC_DEADLINE_BUCKET);
    struct cpc_buf b;
    cpc_buf_init(&b);
    rc = count % CPC_DEADLINE_BUCKET ? obj_get(ov, key, klen, &b) : CPC_ERR_NOT_FOUND;
    if (rc != 0 && rc != CPC_ERR_NOT_FOUND) {
        cpc_buf_free(&b);
        return cpc_err_set(err, rc, "cannot read a deadline bucket");
    }
    if (rc == CPC_ERR_NOT_FOUND)
        b.len = 0;
    cpc_buf_put_u8(&b, type);
    cpc_buf_put_u8(&b, (uint8_t)id_len);
    cpc_buf_put(&b, id, id_len);
    cpc_buf_put_u64(&b, aux);
    if ((rc = put_encoded(ov, key, klen, &b, err)) != 0)
        return rc;
    cpc_buf_init(&b);
    cpc_buf_put_u32(&b, count + 1);
    return put_encoded(ov, key, cpc_key_deadline(key, height), &b, err);
}

/* ---------------- settlement ---------------- */

/* Close the open tasks of an ended job from task `from` on, visiting at most
 * `budget` tasks (>= 1); *next = the first task not visited (contract.tasks
 * when all are), *visited = how many were. */
static int close_tasks_from(struct cpc_overlay *ov, const struct cpc_job *job, uint32_t from,
                            uint64_t budget, uint32_t *next, uint64_t *visited, struct cpc_err *err)
{
    uint32_t i = from;
    *visited = 0;
    for (; i < job->contract.tasks && *visited < budget; i++, ++*visited) {
        uint8_t tid[16];
        struct cpc_task t;
        cpc_task_id(tid, job->id, i);
        if (cpc_market_get_task(ov, tid, &t) != 0)
            return cpc_err_set(err, CPC_ERR_INTERNAL, "job task %u missing", i);
        if (t.status != CPC_TASK_OPEN)
            continue;
        t.status = CPC_TASK_CLOSED;
        int rc = put_task(ov, &t, err);
        if (rc != 0)
            return rc;
    }
    *next = i;
    return 0;
}

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
    return 0;
}

/* Pay one accepted result: reward (+ early bonus) to the worker, 10% of it to the treasury. */
static int pay_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, const struct cpc_job *job,
                      const uint8_t worker[CPC_ADDR_HASH_LEN], struct cpc_err *err)
{
    const struct cpc_contract *c = &job->contract;
    uint64_t pay = c->reward;
    if (c->early_bonus && ctx->height - job->created_height <= c->early_blocks &&
        !cpc_add_u64(&pay, pay, c->early_bonus))
        return cpc_err_set(err, CPC_ERR_OVERFLOW, "reward overflow");
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_escrow_address(escrow, job->id);
    int rc = move(ov, escrow, worker, pay, err);
    if (rc == 0)
        rc = move(ov, escrow, ctx->params->treasury, cpc_commission_of(pay), err);
    if (rc != 0)
        return cpc_err_prefix(err, "escrow of job");
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
        return reject(ov, ctx, job, task, tx->from, &why, err);
    }
    struct cpc_task_result *r = &task->results[task->n_results++];
    memset(r, 0, sizeof *r);
    memcpy(r->worker, tx->from, CPC_ADDR_HASH_LEN);
    memcpy(r->commit, p->result_hash, 32);
    r->state = CPC_REPLICA_COMMITTED;
    if (task->n_results < job->contract.replication)
        return put_task(ov, task, err);
    task->status = CPC_TASK_COMMITTED;
    task->commit_height = ctx->height;
    task->reveal_deadline = ctx->height + CPC_EXEC_REVEAL_WINDOW;
    job->tasks_committed++;
    int rc = deadline_add(ov, task->reveal_deadline, DL_REVEAL, task->id, 16, task->commit_height, err);
    if (rc == 0)
        rc = put_task(ov, task, err);
    if (rc == 0)
        rc = put_job(ov, job, err);
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
            rc = slash(ov, ctx, x->worker, job->contract.reward, 1, err);
            x->state = CPC_REPLICA_REJECTED; /* slashed once */
        } else if (x->state != CPC_REPLICA_REVEALED) {
            continue; /* rejected at its reveal: slashed then */
        } else if (win_hash && lens[i] == win_len && memcmp(hashes[i], win_hash, win_len) == 0) {
            rc = pay_result(ov, ctx, job, x->worker, err);
        } else if (win_hash || (verdict && !verdict->accept)) {
            rc = slash(ov, ctx, x->worker, job->contract.reward, 0, err);
            if (sender && sender_lost && memcmp(x->worker, sender, CPC_ADDR_HASH_LEN) == 0)
                *sender_lost = 1;
        }
    }
    if (rc != 0)
        return rc;
    if (win_hash)
        return task_done(ov, job, task, err);
    task->attempts++;
    if (revealed > 0 && !verdict) {
        task->status = CPC_TASK_CLOSED; /* disputed: see above */
    } else { /* nothing revealed, or the validator rejected it all: run it again */
        task->n_results = 0;
        memset(task->results, 0, sizeof task->results);
        task->status = job->status == CPC_JOB_ACTIVE ? CPC_TASK_OPEN : CPC_TASK_CLOSED;
    }
    if ((rc = put_task(ov, task, err)) != 0 || (rc = try_finish(ov, job, err)) != 0)
        return rc;
    return put_job(ov, job, err);
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
        if ((rc = deadline_add(ov, task.reveal_deadline, DL_REVEAL, task.id, 16, task.commit_height,
                               err)) != 0 ||
            (rc = put_task(ov, &task, err)) != 0)
            return rc;
        return put_job(ov, &job, err);
    case CPC_KIND_EXEC:
        return result_exec(ov, ctx, tx, &task, &job, err);
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
    int rc = named_task(ov, p->task_id, &task, err);
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
        if ((rc = slash(ov, ctx, tx->from, job.contract.reward, 0, err)) != 0)
            return rc;
        r->state = CPC_REPLICA_REJECTED;
    } else {
        r->state = CPC_REPLICA_REVEALED;
        memcpy(r->hash, p->result, p->result_len);
        r->hash_len = p->result_len;
    }
    int sender_lost = 0;
    if (exec_unrevealed(&task) > 0)
        rc = put_task(ov, &task, err);
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

/* Close an ended job's open tasks from e->aux on, within budget; when tasks
 * are left the entry becomes DL_CLOSE_TASKS at the next task (*more = 1). */
static int close_job_tasks(struct cpc_overlay *ov, const struct cpc_job *job, struct dl_entry *e,
                           uint64_t budget, uint64_t *cost, int *more, struct cpc_err *err)
{
    uint32_t next;
    uint64_t visited;
    uint32_t from = e->aux < job->contract.tasks ? (uint32_t)e->aux : job->contract.tasks;
    int rc = close_tasks_from(ov, job, from, budget, &next, &visited, err);
    *cost += visited;
    if (rc == 0 && next < job->contract.tasks) {
        e->type = DL_CLOSE_TASKS;
        e->aux = next;
        *more = 1;
    }
    return rc;
}

/* Expire a job whose deadline entry falls due, but only at its CURRENT deadline:
 * JOB_EXTEND moves the deadline and leaves the old entry behind. The job ends
 * and its escrow returns at once; its open tasks close within the block's
 * deadline work, the rest in later blocks (DL_CLOSE_TASKS). */
static int expire_job(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, struct dl_entry *e,
                      uint64_t budget, uint64_t *cost, int *more, struct cpc_err *err)
{
    struct cpc_job job;
    if (cpc_market_get_job(ov, e->id, &job) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "deadline names a missing job");
    if (job.status != CPC_JOB_ACTIVE ||
        ctx->height < job.created_height + job.contract.deadline_blocks)
        return 0;
    job.status = CPC_JOB_EXPIRED;
    int rc = try_finish(ov, &job, err);
    if (rc == 0)
        rc = put_job(ov, &job, err);
    e->aux = 0;
    return rc != 0 ? rc : close_job_tasks(ov, &job, e, budget, cost, more, err);
}

static int missed_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, const uint8_t id[16],
                         uint64_t commit_height, struct cpc_err *err)
{
    struct cpc_task task;
    struct cpc_job job;
    if (cpc_market_get_task(ov, id, &task) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "deadline names a missing task");
    if (cpc__market_is_synthetic(&task))
        return cpc_market_synthetic_missed(ov, ctx, &task, commit_height, err);
    if (cpc_market_get_job(ov, task.job_id, &job) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "deadline names a missing task");
    if (task.status != CPC_TASK_COMMITTED || task.commit_height != commit_height)
        return 0; /* revealed (or re-committed) in time */
    if (job.contract.kind == CPC_KIND_EXEC) /* end of the reveal phase */
        return exec_settle(ov, ctx, &task, &job, NULL, NULL, NULL, err);
    int rc = slash(ov, ctx, task.worker, job.contract.reward, 1, err);
    if (rc != 0)
        return rc;
    task.status = job.status == CPC_JOB_ACTIVE ? CPC_TASK_OPEN : CPC_TASK_CLOSED;
    task.attempts++;
    job.tasks_committed--;
    if ((rc = put_task(ov, &task, err)) != 0 || (rc = try_finish(ov, &job, err)) != 0)
        return rc;
    return put_job(ov, &job, err);
}

/* One due entry, with `budget` (>= 1) work left in this block. *cost: the work
 * it took (1, plus each task an ended job's closing visited). *more = 1 when
 * the entry is not done: it was updated in place (e) and comes first in the
 * next block. */
static int deadline_due(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx, struct dl_entry *e,
                        uint64_t budget, uint64_t *cost, int *more, struct cpc_err *err)
{
    *cost = 1;
    *more = 0;
    switch (e->type) {
    case DL_JOB_EXPIRY:
        if (e->id_len != 32)
            break;
        return expire_job(ov, ctx, e, budget, cost, more, err);
    case DL_REVEAL:
        if (e->id_len != 16)
            break;
        return missed_reveal(ov, ctx, e->id, e->aux, err);
    case DL_CLOSE_TASKS: {
        struct cpc_job job;
        if (e->id_len != 32)
            break;
        if (cpc_market_get_job(ov, e->id, &job) != 0)
            return cpc_err_set(err, CPC_ERR_INTERNAL, "deadline names a missing job");
        return close_job_tasks(ov, &job, e, budget, cost, more, err);
    }
    default:
        break;
    }
    return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt deadline entry (type %u)",
                       (unsigned)e->type);
}

/* Delete the buckets of height from the one holding entry `from` up to the one
 * holding entry `end - 1`, and the count record when `all`. */
static int dl_drop(struct cpc_overlay *ov, uint64_t height, uint32_t from, uint32_t end, int all,
                   struct cpc_err *err)
{
    uint8_t key[CPC_KEY_MAX];
    if (end == 0)
        return all && cpc_overlay_obj_del(ov, key, cpc_key_deadline(key, height)) != 0
                   ? cpc_err_set(err, CPC_ERR_NOMEM, "out of memory")
                   : 0;
    for (uint32_t bk = from / CPC_DEADLINE_BUCKET; bk <= (end - 1) / CPC_DEADLINE_BUCKET; bk++)
        if (cpc_overlay_obj_del(ov, key, cpc_key_deadline_bucket(key, height, bk)) != 0)
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    if (all && cpc_overlay_obj_del(ov, key, cpc_key_deadline(key, height)) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

int cpc_market_end_block(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         struct cpc_err *err)
{
    struct dl_cursor cur;
    int rc = cursor_get(ov, &cur, err);
    if (rc != 0)
        return rc;
    int present = cur.present;
    if (!cur.present || cur.height > ctx->height) {
        /* no backlog: every height below this block's was done by its own block */
        cur.height = ctx->height;
        cur.entry = 0;
    }
    uint64_t work = 0;
    struct cpc_buf b;
    cpc_buf_init(&b);
    while (rc == 0 && cur.height <= ctx->height && work < CPC_DEADLINE_WORK) {
        uint32_t count;
        if ((rc = dl_count_get(ov, cur.height, &count, err)) != 0)
            break;
        uint32_t first = cur.entry;
        /* the entries of one bucket, from the cursor on */
        while (rc == 0 && cur.entry < count && work < CPC_DEADLINE_WORK) {
            uint8_t key[CPC_KEY_MAX];
            uint32_t bk = cur.entry / CPC_DEADLINE_BUCKET;
            size_t klen = cpc_key_deadline_bucket(key, cur.height, bk);
            if ((rc = obj_get(ov, key, klen, &b)) != 0) {
                rc = cpc_err_set(err, CPC_ERR_INTERNAL, "deadline bucket %u of height %llu missing",
                                 bk, (unsigned long long)cur.height);
                break;
            }
            struct cpc_reader r;
            cpc_reader_init(&r, b.data, b.len);
            uint64_t bucket_end = ((uint64_t)bk + 1) * CPC_DEADLINE_BUCKET;
            for (uint32_t i = bk * CPC_DEADLINE_BUCKET;
                 rc == 0 && i < count && i < bucket_end && r.left > 0; i++) {
                struct dl_entry e;
                size_t off = b.len - r.left;
                e.type = cpc_read_u8(&r);
                e.id_len = cpc_read_u8(&r);
                cpc_read_bytes(&r, e.id, e.id_len);
                e.aux = cpc_read_u64(&r);
                if (r.failed) {
                    rc = cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt deadline bucket");
                    break;
                }
                if (i < cur.entry)
                    continue; /* processed in an earlier block */
                if (work >= CPC_DEADLINE_WORK)
                    break;
                uint64_t cost = 0;
                int more = 0;
                rc = deadline_due(ov, ctx, &e, CPC_DEADLINE_WORK - work, &cost, &more, err);
                if (rc != 0)
                    break;
                work += cost;
                if (more) {
                    /* not done: store the entry's progress, go on from it next block */
                    struct cpc_buf u;
                    cpc_buf_init(&u);
                    cpc_buf_put(&u, b.data, off);
                    cpc_buf_put_u8(&u, e.type);
                    cpc_buf_put_u8(&u, e.id_len);
                    cpc_buf_put(&u, e.id, e.id_len);
                    cpc_buf_put_u64(&u, e.aux);
                    cpc_buf_put(&u, b.data + (b.len - r.left), r.left);
                    rc = put_encoded(ov, key, klen, &u, err);
                    work = CPC_DEADLINE_WORK;
                    break;
                }
                cur.entry = i + 1;
            }
            if (rc == 0 && cur.entry < count && cur.entry % CPC_DEADLINE_BUCKET != 0 &&
                work < CPC_DEADLINE_WORK)
                rc = cpc_err_set(err, CPC_ERR_INTERNAL,
                                 "deadline bucket %u of height %llu is short", bk,
                                 (unsigned long long)cur.height);
        }
        if (rc != 0)
            break;
        if (cur.entry < count) { /* out of work for this block: drop the full buckets done */
            if (cur.entry / CPC_DEADLINE_BUCKET > first / CPC_DEADLINE_BUCKET)
                rc = dl_drop(ov, cur.height, first,
                             cur.entry / CPC_DEADLINE_BUCKET * CPC_DEADLINE_BUCKET, 0, err);
            break;
        }
        rc = dl_drop(ov, cur.height, first, count, count > 0, err);
        work++; /* a height, even an empty one, is one step */
        cur.height++;
        cur.entry = 0;
    }
    cpc_buf_free(&b);
    if (rc != 0)
        return rc;
    if (cur.height <= ctx->height)
        return cursor_put(ov, &cur, err); /* work left: the next block goes on from here */
    uint8_t key = CPC_KEY_DEADLINE;
    if (present && cpc_overlay_obj_del(ov, &key, 1) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

/* ---------------- helpers for market_synthetic.c and market_jobs.c (market_apply.h) ---------------- */

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

int cpc__market_job_expiry(struct cpc_overlay *ov, uint64_t height, const uint8_t job_id[32],
                           struct cpc_err *err)
{
    return deadline_add(ov, height, DL_JOB_EXPIRY, job_id, 32, 0, err);
}

int cpc__market_end_job(struct cpc_overlay *ov, uint64_t height, struct cpc_job *job,
                        struct cpc_err *err)
{
    int rc = try_finish(ov, job, err);
    return rc != 0 ? rc : deadline_add(ov, height, DL_CLOSE_TASKS, job->id, 32, 0, err);
}

int cpc__market_reveal_deadline(struct cpc_overlay *ov, const struct cpc_task *t,
                                struct cpc_err *err)
{
    return deadline_add(ov, t->reveal_deadline, DL_REVEAL, t->id, 16, t->commit_height, err);
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
