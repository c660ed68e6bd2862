/* market_synthetic.c — the `synthetic` kind: ComputeChain's idle-time
 * Proof-of-Compute, a matmul task a worker gives itself, paid from a reward
 * pool defined in genesis (see market.h for the protocol, market_apply.h for
 * the hooks).
 *
 * Common case: a worker with nothing leased picks the latest height h,
 * multiplies the n x n matrices seeded by SHA256(H[h] | its address), commits
 * the row root (SUBMIT_RESULT, no lease) and reveals the challenged rows one
 * block later. The chain pays `reward` from the pool, at most per_block times
 * per block; beyond that (or when the pool runs dry) the result is accepted
 * unpaid (task status "unpaid"). A wrong or missed reveal is slashed by 10% of
 * the reward. There is no commission: the pool is the network's own money.
 *
 * State: 'Y' holds the params (written by genesis; absent = disabled), 'S' |
 * u64be height counts the rewards paid in that block (dropped at the next
 * block's start), synthetic task records sit under 'T' like market tasks with
 * the pseudo job id SHA256("cpc-synthetic-job") and results[0] = {worker,
 * seed[32] | u64be h}.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hash.h"
#include "ledger_json.h"
#include "market_apply.h"

/* ---------------- ids, seeds, params ---------------- */

void cpc_synthetic_task_id(uint8_t out[16], uint64_t height, const uint8_t worker[CPC_ADDR_HASH_LEN])
{
    static const char TAG[] = "cpc-synthetic";
    struct cpc_sha256_ctx c;
    uint8_t h[32], be[8];
    cpc_put_u64be(be, height);
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, be, 8);
    cpc_sha256_update(&c, worker, CPC_ADDR_HASH_LEN);
    cpc_sha256_final(&c, h);
    memcpy(out, h, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x80); /* version 8 (custom) */
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* variant 10 */
}

void cpc_synthetic_seed(uint8_t out[32], const uint8_t block_hash[32],
                        const uint8_t worker[CPC_ADDR_HASH_LEN])
{
    cpc_sha256_2(out, block_hash, 32, worker, CPC_ADDR_HASH_LEN);
}

void cpc_synthetic_job_id(uint8_t out[32])
{
    static const char TAG[] = "cpc-synthetic-job";
    cpc_sha256(out, TAG, sizeof TAG - 1);
}

int cpc_synthetic_params_from_json(struct cpc_synthetic_params *p, const json_t *j,
                                   const char *where, struct cpc_err *err)
{
    static const char *const KEYS[] = {"pool", "reward", "per_block", "n", "challenges", NULL};
    const int E = CPC_ERR_INVALID;
    struct cpc_synthetic_params t;
    uint64_t per = 0, n = 1024, ch = CPC_DEFAULT_CHALLENGES;
    int rc;
    memset(&t, 0, sizeof t);
    if ((rc = cpc__json_check_object(j, where, KEYS, E, err)) ||
        (rc = cpc__json_addr(j, where, "pool", t.pool, E, err)) ||
        (rc = cpc__json_u64(j, where, "reward", 1, INT64_MAX, &t.reward, E, err)) ||
        (rc = cpc__json_u64(j, where, "per_block", 1, UINT32_MAX, &per, E, err)))
        return rc;
    if (json_object_get(j, "n") &&
        (rc = cpc__json_u64(j, where, "n", 1, CPC_MATMUL_MAX_DIM, &n, E, err)))
        return rc;
    if (json_object_get(j, "challenges") &&
        (rc = cpc__json_u64(j, where, "challenges", 1, CPC_MATMUL_MAX_CHALLENGES, &ch, E, err)))
        return rc;
    if (cpc_matmul_reveal_work(n, n, n, ch) > CPC_MATMUL_MAX_REVEAL_WORK)
        return cpc_err_set(err, E,
                           "%s.n: %llu is too large to verify with %llu challenges (%llu work "
                           "units, at most %llu)",
                           where, (unsigned long long)n, (unsigned long long)ch,
                           (unsigned long long)cpc_matmul_reveal_work(n, n, n, ch),
                           (unsigned long long)CPC_MATMUL_MAX_REVEAL_WORK);
    t.enabled = 1;
    t.per_block = (uint32_t)per;
    t.n = (uint32_t)n;
    t.challenges = (uint16_t)ch;
    *p = t;
    return 0;
}

json_t *cpc_synthetic_params_to_json(const struct cpc_synthetic_params *p)
{
    char pool[CPC_ADDR_STR_MAX];
    cpc_address_encode(pool, p->pool);
    return json_pack("{s:s, s:I, s:I, s:I, s:I}", "pool", pool, "reward", (json_int_t)p->reward,
                     "per_block", (json_int_t)p->per_block, "n", (json_int_t)p->n, "challenges",
                     (json_int_t)p->challenges);
}

void cpc_synthetic_params_encode(const struct cpc_synthetic_params *p, struct cpc_buf *b)
{
    cpc_buf_put(b, p->pool, CPC_ADDR_HASH_LEN);
    cpc_buf_put_u64(b, p->reward);
    cpc_buf_put_u32(b, p->per_block);
    cpc_buf_put_u32(b, p->n);
    cpc_buf_put_u32(b, p->challenges);
}

int cpc_synthetic_params_decode(struct cpc_synthetic_params *p, const uint8_t *data, size_t len)
{
    struct cpc_reader r;
    struct cpc_synthetic_params t;
    memset(&t, 0, sizeof t);
    cpc_reader_init(&r, data, len);
    cpc_read_bytes(&r, t.pool, CPC_ADDR_HASH_LEN);
    t.reward = cpc_read_u64(&r);
    t.per_block = cpc_read_u32(&r);
    t.n = cpc_read_u32(&r);
    uint32_t ch = cpc_read_u32(&r);
    if (r.failed || ch > CPC_MATMUL_MAX_CHALLENGES)
        return CPC_ERR_INVALID;
    t.challenges = (uint16_t)ch;
    if (r.failed || r.left || !t.reward || !t.per_block || !t.n || t.n > CPC_MATMUL_MAX_DIM ||
        !t.challenges || t.challenges > CPC_MATMUL_MAX_CHALLENGES ||
        cpc_matmul_reveal_work(t.n, t.n, t.n, t.challenges) > CPC_MATMUL_MAX_REVEAL_WORK)
        return CPC_ERR_INVALID;
    t.enabled = 1;
    *p = t;
    return 0;
}

/* ---------------- state ---------------- */

int cpc_market_synthetic_params(const struct cpc_overlay *ov, struct cpc_synthetic_params *out)
{
    const uint8_t key = CPC_KEY_SYNTH_PARAMS;
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_overlay_obj_get(ov, &key, 1, &b);
    if (rc == 0)
        rc = cpc_synthetic_params_decode(out, b.data, b.len);
    cpc_buf_free(&b);
    return rc;
}

bool cpc__market_is_synthetic(const struct cpc_task *t)
{
    uint8_t id[32];
    cpc_synthetic_job_id(id);
    return memcmp(t->job_id, id, 32) == 0;
}

static size_t counter_key(uint8_t key[9], uint64_t height)
{
    key[0] = CPC_KEY_SYNTH_COUNT;
    cpc_put_u64be(key + 1, height);
    return 9;
}

int cpc__market_synthetic_counter_drop(struct cpc_overlay *ov, uint64_t height,
                                       struct cpc_err *err)
{
    uint8_t key[9];
    struct cpc_buf b;
    cpc_buf_init(&b);
    int rc = cpc_overlay_obj_get(ov, key, counter_key(key, height), &b);
    cpc_buf_free(&b);
    if (rc == CPC_ERR_NOT_FOUND)
        return 0;
    if (rc == 0 && cpc_overlay_obj_del(ov, key, sizeof key) == 0)
        return 0;
    return cpc_err_set(err, CPC_ERR_NOMEM, "cannot drop the synthetic reward counter");
}

/* Rewards paid so far in block `height`. */
static uint32_t counter_get(const struct cpc_overlay *ov, uint64_t height)
{
    uint8_t key[9];
    struct cpc_buf b;
    uint32_t n = 0;
    cpc_buf_init(&b);
    if (cpc_overlay_obj_get(ov, key, counter_key(key, height), &b) == 0 && b.len == 4)
        n = (uint32_t)b.data[0] << 24 | (uint32_t)b.data[1] << 16 | (uint32_t)b.data[2] << 8 |
            b.data[3];
    cpc_buf_free(&b);
    return n;
}

static int counter_put(struct cpc_overlay *ov, uint64_t height, uint32_t n, struct cpc_err *err)
{
    uint8_t key[9], v[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    if (cpc_overlay_obj_put(ov, key, counter_key(key, height), v, 4) != 0)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    return 0;
}

/* ---------------- settlement ---------------- */

int cpc_market_synthetic_result(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_err *err)
{
    const struct cpc_payload_submit_result *p = &tx->u.result;
    struct cpc_synthetic_params sp;
    int rc = cpc_market_synthetic_params(ov, &sp);
    if (rc == CPC_ERR_NOT_FOUND || p->result_hash_len != CPC_SYNTHETIC_RESULT_LEN)
        return 0; /* not synthetic: the result is only recorded */
    if (rc != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt synthetic params");
    uint64_t h = cpc_get_u64be(p->result_hash + 32);
    uint8_t want[16];
    cpc_synthetic_task_id(want, h, tx->from);
    if (memcmp(want, p->task_id, 16) != 0)
        return 0; /* not this sender's synthetic task for h: only recorded */
    if ((rc = cpc__market_may_submit(ov, ctx, tx->from, false, err)) != 0) {
        cpc_err_prefix(err, "synthetic");
        return rc;
    }
    uint8_t bh[32];
    if (h >= ctx->height || cpc__market_block_hash(ov, h, bh) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "synthetic: the hash of block %llu is not available (use one of the "
                           "last %d heights below %llu)",
                           (unsigned long long)h, CPC_BLOCKHASH_KEEP,
                           (unsigned long long)ctx->height);
    struct cpc_task t;
    memset(&t, 0, sizeof t);
    memcpy(t.id, p->task_id, 16);
    cpc_synthetic_job_id(t.job_id);
    t.status = CPC_TASK_COMMITTED;
    memcpy(t.worker, tx->from, CPC_ADDR_HASH_LEN);
    memcpy(t.commit_root, p->result_hash, 32);
    t.commit_height = ctx->height;
    t.reveal_deadline = ctx->height + CPC_REVEAL_WINDOW;
    t.n_results = 1;
    memcpy(t.results[0].worker, tx->from, CPC_ADDR_HASH_LEN);
    cpc_synthetic_seed(t.results[0].hash, bh, tx->from);
    cpc_put_u64be(t.results[0].hash + 32, h);
    t.results[0].hash_len = CPC_SYNTHETIC_RESULT_LEN;
    if ((rc = cpc__market_reveal_deadline(ov, &t, err)) != 0)
        return rc;
    return cpc__market_put_task(ov, &t, err);
}

int cpc_market_synthetic_reveal(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                const struct cpc_tx *tx, struct cpc_task *task,
                                struct cpc_err *err)
{
    struct cpc_synthetic_params sp;
    if (cpc_market_synthetic_params(ov, &sp) != 0 || task->n_results != 1)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt synthetic params or task");
    struct cpc_matmul_spec spec;
    memcpy(spec.seed, task->results[0].hash, 32);
    spec.m = spec.k = spec.n = sp.n;
    struct cpc_err why = {0};
    int rc = cpc__market_verify_reveal(ov, tx, task, &spec, sp.challenges, &why, err);
    if (rc != 0)
        return rc;
    if (why.code) {
        task->status = CPC_TASK_CLOSED;
        task->attempts++;
        if ((rc = cpc__market_put_task(ov, task, err)) != 0 ||
            (rc = cpc__market_slash(ov, ctx, tx->from, sp.reward, 0, err)) != 0)
            return rc;
        return cpc_err_set(err, CPC_ERR_INVALID_RESULT, "%s", why.msg);
    }
    struct cpc_account pool;
    cpc_overlay_get(ov, sp.pool, &pool);
    uint32_t paid = counter_get(ov, ctx->height);
    task->status = CPC_TASK_UNPAID;
    if (pool.balance >= sp.reward && paid < sp.per_block) {
        if ((rc = cpc__market_move(ov, sp.pool, tx->from, sp.reward, err)) != 0 ||
            (rc = counter_put(ov, ctx->height, paid + 1, err)) != 0)
            return rc;
        task->status = CPC_TASK_DONE;
    }
    if ((rc = cpc__market_accepted(ov, ctx, tx->from, err)) != 0)
        return rc;
    return cpc__market_put_task(ov, task, err);
}

int cpc_market_synthetic_missed(struct cpc_overlay *ov, const struct cpc_block_ctx *ctx,
                                struct cpc_task *task, uint64_t commit_height,
                                struct cpc_err *err)
{
    if (task->status != CPC_TASK_COMMITTED || task->commit_height != commit_height)
        return 0; /* revealed in time */
    struct cpc_synthetic_params sp;
    if (cpc_market_synthetic_params(ov, &sp) != 0)
        return cpc_err_set(err, CPC_ERR_INTERNAL, "corrupt synthetic params");
    int rc = cpc__market_slash(ov, ctx, task->worker, sp.reward, 1, err);
    if (rc != 0)
        return rc;
    task->status = CPC_TASK_CLOSED;
    task->attempts++;
    return cpc__market_put_task(ov, task, err);
}
