/* market_deadlines.c — the market's deadline list (market_apply.h): filing
 * a deadline (a job's expiry, a commitment's reveal window, an ended job's
 * open tasks to close) and processing the entries due at the end of each
 * block, within CPC_DEADLINE_WORK: job expiries (refund, tasks closed),
 * missed REVEALs (slashed, task reopened; an exec task's reveal phase ends in
 * market_exec.c's quorum, a synthetic one in market_synthetic.c) and the
 * closing of an ended job's tasks. Records and money go through
 * market_apply.c's helpers (cpc__market_*), so every write follows the same
 * rules as settlement.
 */
#include <string.h>

#include "due_index.h"
#include "market_apply.h"

#define DL_JOB_EXPIRY 1
#define DL_REVEAL 2
#define DL_CLOSE_TASKS 9 /* id = job id, aux = the next task to close (an ended job) */

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
 * so it still falls due. The cursor, counts and bucket deletion are
 * due_index.c's, shared with the rentals' settlement index. */

/* The deadline index: slot = block height ('D' keys, market.h). */
static const struct cpc_due_index DEADLINES = {
    .cursor_key = CPC_KEY_DEADLINE,
    .bucket = CPC_DEADLINE_BUCKET,
    .count_key = cpc_key_deadline,
    .bucket_key = cpc_key_deadline_bucket,
    .what = "deadline",
};

struct dl_entry {
    uint8_t type;
    uint8_t id_len;
    uint8_t id[255];
    uint64_t aux;
};

/* File a deadline of `type` (its handler: deadline_due) for id at height, which
 * must be the current block's height or later (it is processed at the end of
 * that block, or later under a backlog). */
static int deadline_add(struct cpc_overlay *ov, uint64_t height, uint8_t type, const uint8_t *id,
                        size_t id_len, uint64_t aux, struct cpc_err *err)
{
    struct cpc_due_cursor cur;
    uint32_t count;
    int rc;
    if (id_len > 255)
        return cpc_err_set(err, CPC_ERR_INVALID, "deadline id of %zu bytes", id_len);
    if ((rc = cpc_due_cursor_get(ov, &DEADLINES, &cur, err)) != 0)
        return rc;
    /* Without a cursor every due height was processed by its own block, and no
     * tx adds below the current height (expiries and reveal windows lie ahead,
     * an active job's deadline is not behind). With one, heights below it are
     * done: the entry falls due at the cursor's height instead. */
    if (cur.present && height < cur.slot)
        height = cur.slot;
    if ((rc = cpc_due_count_get(ov, &DEADLINES, height, &count, err)) != 0)
        return rc;
    if (count == UINT32_MAX)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "too many deadlines at height %llu",
                           (unsigned long long)height);
    uint8_t key[CPC_KEY_MAX];
    size_t klen = cpc_key_deadline_bucket(key, height, count / CPC_DEADLINE_BUCKET);
    struct cpc_buf b;
    cpc_buf_init(&b);
    rc = count % CPC_DEADLINE_BUCKET ? cpc_overlay_obj_get(ov, key, klen, &b) : CPC_ERR_NOT_FOUND;
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
    if ((rc = cpc__market_put_encoded(ov, key, klen, &b, err)) != 0)
        return rc;
    cpc_buf_init(&b);
    cpc_buf_put_u32(&b, count + 1);
    return cpc__market_put_encoded(ov, key, cpc_key_deadline(key, height), &b, err);
}

/* ---------------- block end ---------------- */

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
        int rc = cpc__market_put_task(ov, &t, err);
        if (rc != 0)
            return rc;
    }
    *next = i;
    return 0;
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
    int rc = cpc__market_try_finish(ov, &job, err);
    if (rc == 0)
        rc = cpc__market_put_job(ov, &job, err);
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
        return cpc__market_exec_settle(ov, ctx, &task, &job, NULL, NULL, NULL, err);
    int rc = cpc__market_slash(ov, ctx, task.worker, job.contract.reward, 1, err);
    if (rc != 0)
        return rc;
    task.status = job.status == CPC_JOB_ACTIVE ? CPC_TASK_OPEN : CPC_TASK_CLOSED;
    task.attempts++;
    job.tasks_committed--;
    if ((rc = cpc__market_put_task(ov, &task, err)) != 0 || (rc = cpc__market_try_finish(ov, &job, err)) != 0)
        return rc;
    return cpc__market_put_job(ov, &job, err);
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

int cpc_market_end_block(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                         struct cpc_err *err)
{
    struct cpc_due_cursor cur;
    int rc = cpc_due_cursor_get(ov, &DEADLINES, &cur, err);
    if (rc != 0)
        return rc;
    int present = cur.present;
    if (!cur.present || cur.slot > ctx->height) {
        /* no backlog: every height below this block's was done by its own block */
        cur.slot = ctx->height;
        cur.entry = 0;
    }
    uint64_t work = 0;
    struct cpc_buf b;
    cpc_buf_init(&b);
    while (rc == 0 && cur.slot <= ctx->height && work < CPC_DEADLINE_WORK) {
        uint32_t count;
        if ((rc = cpc_due_count_get(ov, &DEADLINES, cur.slot, &count, err)) != 0)
            break;
        uint32_t first = cur.entry;
        /* the entries of one bucket, from the cursor on */
        while (rc == 0 && cur.entry < count && work < CPC_DEADLINE_WORK) {
            uint8_t key[CPC_KEY_MAX];
            uint32_t bk = cur.entry / CPC_DEADLINE_BUCKET;
            size_t klen = cpc_key_deadline_bucket(key, cur.slot, bk);
            if ((rc = cpc_overlay_obj_get(ov, key, klen, &b)) != 0) {
                rc = cpc_err_set(err, CPC_ERR_INTERNAL, "deadline bucket %u of height %llu missing",
                                 bk, (unsigned long long)cur.slot);
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
                    rc = cpc__market_put_encoded(ov, key, klen, &u, err);
                    work = CPC_DEADLINE_WORK;
                    break;
                }
                cur.entry = i + 1;
            }
            if (rc == 0 && cur.entry < count && cur.entry % CPC_DEADLINE_BUCKET != 0 &&
                work < CPC_DEADLINE_WORK)
                rc = cpc_err_set(err, CPC_ERR_INTERNAL,
                                 "deadline bucket %u of height %llu is short", bk,
                                 (unsigned long long)cur.slot);
        }
        if (rc != 0)
            break;
        if (cur.entry < count) { /* out of work for this block: drop the full buckets done */
            if (cur.entry / CPC_DEADLINE_BUCKET > first / CPC_DEADLINE_BUCKET)
                rc = cpc_due_drop(ov, &DEADLINES, cur.slot, first,
                             cur.entry / CPC_DEADLINE_BUCKET * CPC_DEADLINE_BUCKET, 0, err);
            break;
        }
        rc = cpc_due_drop(ov, &DEADLINES, cur.slot, first, count, count > 0, err);
        work++; /* a height, even an empty one, is one step */
        cur.slot++;
        cur.entry = 0;
    }
    cpc_buf_free(&b);
    if (rc != 0)
        return rc;
    if (cur.slot <= ctx->height)
        /* work left: the next block goes on from here */
        return cpc_due_cursor_put(ov, &DEADLINES, &cur, err);
    uint8_t key = CPC_KEY_DEADLINE;
    if (present && cpc_overlay_obj_del(ov, &key, 1) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

/* ---------------- filing, for the other market files (market_apply.h) ---------------- */

int cpc__market_job_expiry(struct cpc_overlay *ov, uint64_t height, const uint8_t job_id[32],
                           struct cpc_err *err)
{
    return deadline_add(ov, height, DL_JOB_EXPIRY, job_id, 32, 0, err);
}

int cpc__market_end_job(struct cpc_overlay *ov, uint64_t height, struct cpc_job *job,
                        struct cpc_err *err)
{
    int rc = cpc__market_try_finish(ov, job, err);
    return rc != 0 ? rc : deadline_add(ov, height, DL_CLOSE_TASKS, job->id, 32, 0, err);
}

int cpc__market_reveal_deadline(struct cpc_overlay *ov, const struct cpc_task *t,
                                struct cpc_err *err)
{
    return deadline_add(ov, t->reveal_deadline, DL_REVEAL, t->id, 16, t->commit_height, err);
}
