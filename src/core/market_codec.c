/* market_codec.c — market records (job, task, worker): canonical binary
 * codec and JSON views; worker score; state keys; derived ids (task id,
 * escrow account, job and challenge seeds); lease digest, sign and verify.
 *
 * Records are read back from the state, so decoders trust nothing: every
 * record must be consumed exactly (no truncation, no trailing bytes), every
 * enum and counter must be in range, and u64 fields must fit the JSON views
 * (<= INT64_MAX). Anything a decoder accepts re-encodes to the same bytes.
 *
 * Layouts (big-endian, codec.h; var = u32 length + bytes):
 *   job     id[32] | creator[20] | contract | seed[32] | u64 created_height |
 *           u8 status | u8 refunded | u32 tasks_done | u32 tasks_committed
 *   task    id[16] | job_id[32] | u32 index | u8 status | u32 attempts | worker[20] |
 *           commit_root[32] | u64 commit_height | u64 reveal_deadline |
 *           u8 n_results | n x replica
 *   replica worker[20] | u8 state | state PLAIN: var hash (1..64 bytes)
 *                                   | COMMITTED, REJECTED: commit[32] (hash empty)
 *                                   | REVEALED: commit[32] | var hash (1..64 bytes)
 *   worker  addr[20] | u64 locked | u32 cpu_cores | u32 ram_gb | var gpu_model |
 *           u32 vram_gb | u32 gpu_count | u64 accepted | u64 rejected |
 *           u64 timed_out | u64 registered_height | u64 unbonding_since | u32 pending
 */
#include <string.h>

#include "bytes.h"
#include "hash.h"
#include "ledger_json.h"
#include "market.h"
#include "market_priv.h"

/* ================= worker score ================= */

uint32_t cpc_worker_score(const struct cpc_worker *w)
{
    /* 128-bit so huge counters cannot wrap (they are <= INT64_MAX in valid records) */
    __extension__ typedef unsigned __int128 u128;
    u128 num = ((u128)w->accepted + 1) * 1000;
    u128 den = (u128)w->accepted + 4 * (u128)w->rejected + (u128)w->timed_out + 1;
    u128 s = num / den;
    return s > 1000 ? 1000u : (uint32_t)s;
}

uint64_t cpc_worker_min_stake(uint64_t min_worker_stake)
{
    return min_worker_stake ? min_worker_stake : 1;
}

bool cpc_worker_released(const struct cpc_worker *w, uint64_t height, uint64_t unbonding_blocks)
{
    if (!w->unbonding_since || w->pending)
        return false;
    return height >= w->unbonding_since && height - w->unbonding_since >= unbonding_blocks;
}

uint32_t cpc_worker_lease_cap(const struct cpc_worker *w, uint64_t min_stake, uint32_t max_leases)
{
    uint64_t units = w->locked / cpc_worker_min_stake(min_stake);
    if (units == 0 || w->unbonding_since || max_leases == 0)
        return 0;
    if (units > max_leases)
        units = max_leases; /* the product below stays far from overflow */
    uint64_t x = w->accepted < UINT64_MAX ? w->accepted + 1 : w->accepted;
    uint64_t trust = 1;
    while (x >>= 1)
        trust++; /* 1 + floor(log2(accepted + 1)) */
    uint64_t cap = 2 * units * trust * cpc_worker_score(w) / 1000;
    if (cap < 1)
        cap = 1;
    return cap > max_leases ? max_leases : (uint32_t)cap;
}

/* ================= common decode helpers ================= */

static int rec_finish(struct cpc_reader *r, const char *what, struct cpc_err *err)
{
    if (r->failed)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s record: truncated or malformed", what);
    if (r->left)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s record: %zu trailing bytes", what, r->left);
    return 0;
}

static int rec_u64(const char *field, uint64_t v, struct cpc_err *err)
{
    if (v > CPC__MKT_U64_MAX)
        return cpc__mkt_range_err(err, field, 0, CPC__MKT_U64_MAX);
    return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* ================= job ================= */

static const char *job_status_name(uint8_t s)
{
    switch (s) {
    case CPC_JOB_ACTIVE: return "active";
    case CPC_JOB_COMPLETED: return "completed";
    case CPC_JOB_CANCELLED: return "cancelled";
    case CPC_JOB_EXPIRED: return "expired";
    default: return "unknown";
    }
}

void cpc_job_encode(const struct cpc_job *j, struct cpc_buf *b)
{
    cpc_buf_put(b, j->id, 32);
    cpc_buf_put(b, j->creator, CPC_ADDR_HASH_LEN);
    cpc_contract_encode(&j->contract, b);
    cpc_buf_put(b, j->seed, 32);
    cpc_buf_put_u64(b, j->created_height);
    cpc_buf_put_u8(b, j->status);
    cpc_buf_put_u8(b, j->refunded);
    cpc_buf_put_u32(b, j->tasks_done);
    cpc_buf_put_u32(b, j->tasks_committed);
    cpc_buf_put_u64(b, j->money.escrowed);
    cpc_buf_put_u64(b, j->money.paid);
    cpc_buf_put_u64(b, j->money.bonus_paid);
    cpc_buf_put_u64(b, j->money.commission);
    cpc_buf_put_u64(b, j->money.refund);
    cpc_buf_put_u32(b, j->money.results_paid);
    cpc_buf_put_u32(b, j->money.bonus_results);
}

/* The money part's consistency (market.h, struct cpc_job_money). */
static int job_money_check(const struct cpc_job *t, struct cpc_err *err)
{
    const struct cpc_job_money *m = &t->money;
    int rc;
    if ((rc = rec_u64("job.money.escrowed", m->escrowed, err)) ||
        (rc = rec_u64("job.money.paid", m->paid, err)) ||
        (rc = rec_u64("job.money.commission", m->commission, err)) ||
        (rc = rec_u64("job.money.refund", m->refund, err)))
        return rc;
    if (m->bonus_paid > m->paid)
        return cpc__mkt_range_err(err, "job.money.bonus_paid", 0, m->paid);
    if (m->bonus_results > m->results_paid)
        return cpc__mkt_range_err(err, "job.money.bonus_results", 0, m->results_paid);
    if (m->refund && !t->refunded)
        return cpc_err_set(err, CPC_ERR_INVALID, "job.money.refund: the job was not refunded");
    return 0;
}

int cpc_job_decode(struct cpc_job *j, const uint8_t *data, size_t len, struct cpc_err *err)
{
    struct cpc_job t;
    struct cpc_reader r;
    int rc;
    memset(&t, 0, sizeof t);
    cpc_reader_init(&r, data, len);
    cpc_read_bytes(&r, t.id, 32);
    cpc_read_bytes(&r, t.creator, CPC_ADDR_HASH_LEN);
    if (r.failed)
        return rec_finish(&r, "job", err);
    if ((rc = cpc_contract_decode(&t.contract, &r, err))) {
        if (r.failed)
            return rec_finish(&r, "job", err);
        return cpc_err_prefix(err, "job record");
    }
    cpc_read_bytes(&r, t.seed, 32);
    t.created_height = cpc_read_u64(&r);
    t.status = cpc_read_u8(&r);
    t.refunded = cpc_read_u8(&r);
    t.tasks_done = cpc_read_u32(&r);
    t.tasks_committed = cpc_read_u32(&r);
    t.money.escrowed = cpc_read_u64(&r);
    t.money.paid = cpc_read_u64(&r);
    t.money.bonus_paid = cpc_read_u64(&r);
    t.money.commission = cpc_read_u64(&r);
    t.money.refund = cpc_read_u64(&r);
    t.money.results_paid = cpc_read_u32(&r);
    t.money.bonus_results = cpc_read_u32(&r);
    if ((rc = rec_finish(&r, "job", err)) ||
        (rc = rec_u64("job.created_height", t.created_height, err)) ||
        (rc = job_money_check(&t, err)))
        return rc;
    if (t.status < CPC_JOB_ACTIVE || t.status > CPC_JOB_EXPIRED)
        return cpc_err_set(err, CPC_ERR_INVALID, "job.status: unknown status %u", t.status);
    if (t.refunded > 1)
        return cpc_err_set(err, CPC_ERR_INVALID, "job.refunded: must be 0 or 1");
    if (t.tasks_done > t.contract.tasks)
        return cpc__mkt_range_err(err, "job.tasks_done", 0, t.contract.tasks);
    if (t.tasks_committed > t.contract.tasks)
        return cpc__mkt_range_err(err, "job.tasks_committed", 0, t.contract.tasks);
    *j = t;
    return 0;
}

static json_t *job_money_json(const struct cpc_job_money *m)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "escrowed", (json_int_t)m->escrowed,
                     "paid", (json_int_t)m->paid, "bonus_paid", (json_int_t)m->bonus_paid,
                     "commission", (json_int_t)m->commission, "refund", (json_int_t)m->refund,
                     "results_paid", (json_int_t)m->results_paid, "bonus_results",
                     (json_int_t)m->bonus_results);
}

json_t *cpc_job_to_json(const struct cpc_job *j)
{
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    uint64_t budget = 0, commission = 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    cpc_escrow_address(escrow, j->id);
    (void)cpc_contract_budget(&j->contract, &budget, &commission, NULL);
    uint64_t deadline = j->created_height + j->contract.deadline_blocks;
    if (deadline < j->created_height || deadline > CPC__MKT_U64_MAX)
        deadline = CPC__MKT_U64_MAX; /* only a hand-made record gets here */
    if (cpc__json_set(o, "id", cpc_hex_json(j->id, 32)) ||
        cpc__json_set(o, "creator", cpc__mkt_addr_json(j->creator)) ||
        cpc__json_set(o, "contract", cpc_contract_to_json(&j->contract)) ||
        cpc__json_set(o, "seed", cpc_hex_json(j->seed, 32)) ||
        cpc__json_set(o, "created_height", json_integer((json_int_t)j->created_height)) ||
        cpc__json_set(o, "deadline_height", json_integer((json_int_t)deadline)) ||
        cpc__json_set(o, "status", json_string(job_status_name(j->status))) ||
        cpc__json_set(o, "refunded", json_boolean(j->refunded)) ||
        cpc__json_set(o, "tasks_done", json_integer(j->tasks_done)) ||
        cpc__json_set(o, "tasks_committed", json_integer(j->tasks_committed)) ||
        cpc__json_set(o, "escrow", cpc__mkt_addr_json(escrow)) ||
        cpc__json_set(o, "budget", json_integer((json_int_t)budget)) ||
        cpc__json_set(o, "commission", json_integer((json_int_t)commission)) ||
        cpc__json_set(o, "money", job_money_json(&j->money))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ================= task ================= */

static const char *task_status_name(uint8_t s)
{
    switch (s) {
    case CPC_TASK_OPEN: return "open";
    case CPC_TASK_COMMITTED: return "committed";
    case CPC_TASK_DONE: return "done";
    case CPC_TASK_CLOSED: return "closed";
    case CPC_TASK_UNPAID: return "unpaid";
    default: return "unknown";
    }
}

static const char *replica_state_name(uint8_t s)
{
    switch (s) {
    case CPC_REPLICA_PLAIN: return "result";
    case CPC_REPLICA_COMMITTED: return "committed";
    case CPC_REPLICA_REVEALED: return "revealed";
    case CPC_REPLICA_REJECTED: return "rejected";
    default: return "unknown";
    }
}

void cpc_task_encode(const struct cpc_task *t, struct cpc_buf *b)
{
    uint8_t n = t->n_results <= CPC_MAX_REPLICATION ? t->n_results : CPC_MAX_REPLICATION;
    cpc_buf_put(b, t->id, 16);
    cpc_buf_put(b, t->job_id, 32);
    cpc_buf_put_u32(b, t->index);
    cpc_buf_put_u8(b, t->status);
    cpc_buf_put_u32(b, t->attempts);
    cpc_buf_put(b, t->worker, CPC_ADDR_HASH_LEN);
    cpc_buf_put(b, t->commit_root, 32);
    cpc_buf_put_u64(b, t->commit_height);
    cpc_buf_put_u64(b, t->reveal_deadline);
    cpc_buf_put_u8(b, n);
    for (uint8_t i = 0; i < n; i++) {
        const struct cpc_task_result *res = &t->results[i];
        cpc_buf_put(b, res->worker, CPC_ADDR_HASH_LEN);
        cpc_buf_put_u8(b, res->state);
        if (res->state != CPC_REPLICA_PLAIN)
            cpc_buf_put(b, res->commit, 32);
        if (res->state == CPC_REPLICA_PLAIN || res->state == CPC_REPLICA_REVEALED)
            cpc_buf_put_var(b, res->hash, res->hash_len <= 64 ? res->hash_len : 64);
    }
}

int cpc_task_decode(struct cpc_task *t, const uint8_t *data, size_t len, struct cpc_err *err)
{
    struct cpc_task x;
    struct cpc_reader r;
    int rc;
    memset(&x, 0, sizeof x);
    cpc_reader_init(&r, data, len);
    cpc_read_bytes(&r, x.id, 16);
    cpc_read_bytes(&r, x.job_id, 32);
    x.index = cpc_read_u32(&r);
    x.status = cpc_read_u8(&r);
    x.attempts = cpc_read_u32(&r);
    cpc_read_bytes(&r, x.worker, CPC_ADDR_HASH_LEN);
    cpc_read_bytes(&r, x.commit_root, 32);
    x.commit_height = cpc_read_u64(&r);
    x.reveal_deadline = cpc_read_u64(&r);
    x.n_results = cpc_read_u8(&r);
    if (r.failed)
        return rec_finish(&r, "task", err);
    if (x.n_results > CPC_MAX_REPLICATION)
        return cpc__mkt_range_err(err, "task.n_results", 0, CPC_MAX_REPLICATION);
    for (uint8_t i = 0; i < x.n_results && !r.failed; i++) {
        struct cpc_task_result *res = &x.results[i];
        cpc_read_bytes(&r, res->worker, CPC_ADDR_HASH_LEN);
        res->state = cpc_read_u8(&r);
        if (r.failed)
            break;
        if (res->state > CPC_REPLICA_REJECTED)
            return cpc_err_set(err, CPC_ERR_INVALID, "task.results[%u].state: unknown state %u", i,
                               res->state);
        if (res->state != CPC_REPLICA_PLAIN)
            cpc_read_bytes(&r, res->commit, 32);
        if (res->state == CPC_REPLICA_PLAIN || res->state == CPC_REPLICA_REVEALED) {
            size_t n = cpc_read_var(&r, res->hash, sizeof res->hash);
            if (!r.failed && n == 0)
                return cpc_err_set(err, CPC_ERR_INVALID, "task.results[%u].hash: empty", i);
            res->hash_len = (uint8_t)n;
        }
    }
    if ((rc = rec_finish(&r, "task", err)))
        return rc;
    if (x.status > CPC_TASK_UNPAID)
        return cpc_err_set(err, CPC_ERR_INVALID, "task.status: unknown status %u", x.status);
    if ((rc = rec_u64("task.commit_height", x.commit_height, err)) ||
        (rc = rec_u64("task.reveal_deadline", x.reveal_deadline, err)))
        return rc;
    if (x.index >= CPC_MAX_TASKS)
        return cpc__mkt_range_err(err, "task.index", 0, CPC_MAX_TASKS - 1);
    *t = x;
    return 0;
}

json_t *cpc_task_to_json(const struct cpc_task *t)
{
    json_t *o = json_object();
    json_t *results = json_array();
    uint8_t n = t->n_results <= CPC_MAX_REPLICATION ? t->n_results : CPC_MAX_REPLICATION;
    if (!o || !results)
        goto fail;
    for (uint8_t i = 0; i < n; i++) {
        const struct cpc_task_result *res = &t->results[i];
        json_t *e = json_object();
        size_t hl = res->hash_len <= 64 ? res->hash_len : 64;
        /* an exec replica shows its commitment; its result only once revealed,
         * which the chain allows only after the commit window closed */
        bool shows_hash = res->state == CPC_REPLICA_PLAIN || res->state == CPC_REPLICA_REVEALED;
        if (json_array_append_new(results, e) != 0 ||
            cpc__json_set(e, "worker", cpc__mkt_addr_json(res->worker)) ||
            cpc__json_set(e, "state", json_string(replica_state_name(res->state))) ||
            (res->state != CPC_REPLICA_PLAIN &&
             cpc__json_set(e, "commitment", cpc_hex_json(res->commit, 32))) ||
            (shows_hash && cpc__json_set(e, "result_hash", cpc_hex_json(res->hash, hl))))
            goto fail;
    }
    json_t *moved = results; /* stolen by the object, even on failure */
    results = NULL;
    bool has_worker = !all_zero(t->worker, CPC_ADDR_HASH_LEN);
    if (cpc__json_set(o, "id", cpc__mkt_uuid_json(t->id)) ||
        cpc__json_set(o, "job_id", cpc_hex_json(t->job_id, 32)) ||
        cpc__json_set(o, "index", json_integer(t->index)) ||
        cpc__json_set(o, "status", json_string(task_status_name(t->status))) ||
        cpc__json_set(o, "attempts", json_integer(t->attempts)) ||
        cpc__json_set(o, "worker", has_worker ? cpc__mkt_addr_json(t->worker) : json_null()) ||
        cpc__json_set(o, "commit_root", cpc_hex_json(t->commit_root, 32)) ||
        cpc__json_set(o, "commit_height", json_integer((json_int_t)t->commit_height)) ||
        cpc__json_set(o, "reveal_deadline", json_integer((json_int_t)t->reveal_deadline)) ||
        cpc__json_set(o, "results", moved))
        goto fail;
    return o;
fail:
    json_decref(results);
    json_decref(o);
    return NULL;
}

/* ================= worker ================= */

void cpc_worker_encode(const struct cpc_worker *w, struct cpc_buf *b)
{
    cpc_buf_put(b, w->addr, CPC_ADDR_HASH_LEN);
    cpc_buf_put_u64(b, w->locked);
    cpc_buf_put_u32(b, w->cpu_cores);
    cpc_buf_put_u32(b, w->ram_gb);
    cpc__mkt_put_label(b, w->gpu_model);
    cpc_buf_put_u32(b, w->vram_gb);
    cpc_buf_put_u32(b, w->gpu_count);
    cpc_buf_put_u64(b, w->accepted);
    cpc_buf_put_u64(b, w->rejected);
    cpc_buf_put_u64(b, w->timed_out);
    cpc_buf_put_u64(b, w->registered_height);
    cpc_buf_put_u64(b, w->unbonding_since);
    cpc_buf_put_u32(b, w->pending);
}

int cpc_worker_decode(struct cpc_worker *w, const uint8_t *data, size_t len, struct cpc_err *err)
{
    struct cpc_worker x;
    struct cpc_reader r;
    int rc;
    memset(&x, 0, sizeof x);
    cpc_reader_init(&r, data, len);
    cpc_read_bytes(&r, x.addr, CPC_ADDR_HASH_LEN);
    x.locked = cpc_read_u64(&r);
    x.cpu_cores = cpc_read_u32(&r);
    x.ram_gb = cpc_read_u32(&r);
    bool label_ok = cpc__mkt_read_label(&r, x.gpu_model);
    x.vram_gb = cpc_read_u32(&r);
    x.gpu_count = cpc_read_u32(&r);
    x.accepted = cpc_read_u64(&r);
    x.rejected = cpc_read_u64(&r);
    x.timed_out = cpc_read_u64(&r);
    x.registered_height = cpc_read_u64(&r);
    x.unbonding_since = cpc_read_u64(&r);
    x.pending = cpc_read_u32(&r);
    if ((rc = rec_finish(&r, "worker", err)))
        return rc;
    if (!label_ok)
        return cpc_err_set(err, CPC_ERR_INVALID, "worker.gpu_model: must be printable ASCII");
    if ((rc = rec_u64("worker.locked", x.locked, err)) ||
        (rc = rec_u64("worker.accepted", x.accepted, err)) ||
        (rc = rec_u64("worker.rejected", x.rejected, err)) ||
        (rc = rec_u64("worker.timed_out", x.timed_out, err)) ||
        (rc = rec_u64("worker.registered_height", x.registered_height, err)) ||
        (rc = rec_u64("worker.unbonding_since", x.unbonding_since, err)))
        return rc;
    *w = x;
    return 0;
}

json_t *cpc_worker_to_json(const struct cpc_worker *w)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (cpc__json_set(o, "address", cpc__mkt_addr_json(w->addr)) ||
        cpc__json_set(o, "locked", json_integer((json_int_t)w->locked)) ||
        cpc__json_set(o, "cpu_cores", json_integer(w->cpu_cores)) ||
        cpc__json_set(o, "ram_gb", json_integer(w->ram_gb)) ||
        cpc__json_set(o, "gpu_model",
                      json_stringn(w->gpu_model, strnlen(w->gpu_model, CPC_GPU_MODEL_MAX))) ||
        cpc__json_set(o, "vram_gb", json_integer(w->vram_gb)) ||
        cpc__json_set(o, "gpu_count", json_integer(w->gpu_count)) ||
        cpc__json_set(o, "accepted", json_integer((json_int_t)w->accepted)) ||
        cpc__json_set(o, "rejected", json_integer((json_int_t)w->rejected)) ||
        cpc__json_set(o, "timed_out", json_integer((json_int_t)w->timed_out)) ||
        cpc__json_set(o, "registered_height", json_integer((json_int_t)w->registered_height)) ||
        cpc__json_set(o, "unbonding_since",
                      w->unbonding_since ? json_integer((json_int_t)w->unbonding_since)
                                         : json_null()) ||
        cpc__json_set(o, "pending", json_integer(w->pending)) ||
        cpc__json_set(o, "score", json_integer(cpc_worker_score(w)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ================= state keys ================= */

static size_t key_bytes(uint8_t key[CPC_KEY_MAX], uint8_t tag, const uint8_t *p, size_t n)
{
    key[0] = tag;
    memcpy(key + 1, p, n);
    return 1 + n;
}

static size_t key_height(uint8_t key[CPC_KEY_MAX], uint8_t tag, uint64_t h)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(h >> (56 - 8 * i));
    return key_bytes(key, tag, be, 8);
}

size_t cpc_key_job(uint8_t key[CPC_KEY_MAX], const uint8_t id[32])
{
    return key_bytes(key, CPC_KEY_JOB, id, 32);
}

size_t cpc_key_task(uint8_t key[CPC_KEY_MAX], const uint8_t id[16])
{
    return key_bytes(key, CPC_KEY_TASK, id, 16);
}

size_t cpc_key_worker(uint8_t key[CPC_KEY_MAX], const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    return key_bytes(key, CPC_KEY_WORKER, addr, CPC_ADDR_HASH_LEN);
}

size_t cpc_key_blockhash(uint8_t key[CPC_KEY_MAX], uint64_t height)
{
    return key_height(key, CPC_KEY_BLOCKHASH, height);
}

size_t cpc_key_deadline(uint8_t key[CPC_KEY_MAX], uint64_t height)
{
    return key_height(key, CPC_KEY_DEADLINE, height);
}

size_t cpc_key_deadline_bucket(uint8_t key[CPC_KEY_MAX], uint64_t height, uint32_t bucket)
{
    size_t n = key_height(key, CPC_KEY_DEADLINE, height);
    key[n] = (uint8_t)(bucket >> 24);
    key[n + 1] = (uint8_t)(bucket >> 16);
    key[n + 2] = (uint8_t)(bucket >> 8);
    key[n + 3] = (uint8_t)bucket;
    return n + 4;
}

/* ================= derived ids and seeds ================= */

void cpc_task_id(uint8_t out[16], const uint8_t job_id[32], uint32_t index)
{
    static const char TAG[] = "cpc-task";
    struct cpc_sha256_ctx c;
    uint8_t h[32], be[4];
    cpc_put_u32be(be, index);
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, job_id, 32);
    cpc_sha256_update(&c, be, 4);
    cpc_sha256_final(&c, h);
    memcpy(out, h, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x80); /* version 8 (custom) */
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* variant 10 */
}

void cpc_escrow_address(uint8_t out[CPC_ADDR_HASH_LEN], const uint8_t job_id[32])
{
    static const char TAG[] = "cpc-escrow";
    uint8_t h[32];
    cpc_sha256_2(h, TAG, sizeof TAG - 1, job_id, 32);
    memcpy(out, h, CPC_ADDR_HASH_LEN);
}

void cpc_job_seed(uint8_t out[32], const uint8_t prev_hash[32], const uint8_t job_id[32])
{
    static const char TAG[] = "cpc-job";
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, prev_hash, 32);
    cpc_sha256_update(&c, job_id, 32);
    cpc_sha256_final(&c, out);
}

void cpc_challenge_seed(uint8_t out[32], const uint8_t commit_block_hash[32],
                        const uint8_t task_id[16])
{
    static const char TAG[] = "cpc-challenge";
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, commit_block_hash, 32);
    cpc_sha256_update(&c, task_id, 16);
    cpc_sha256_final(&c, out);
}

/* ================= leases ================= */

void cpc_lease_digest(uint8_t out[32], const char *chain_id, const uint8_t task_id[16],
                      const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires)
{
    static const char TAG[] = "cpc-lease";
    struct cpc_sha256_ctx c;
    size_t n = chain_id ? strlen(chain_id) : 0;
    uint8_t len_be[4], exp_be[8];
    cpc_put_u32be(len_be, (uint32_t)n);
    for (int i = 0; i < 8; i++)
        exp_be[i] = (uint8_t)(expires >> (56 - 8 * i));
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, TAG, sizeof TAG - 1);
    cpc_sha256_update(&c, len_be, 4);
    if (n)
        cpc_sha256_update(&c, chain_id, n);
    cpc_sha256_update(&c, task_id, 16);
    cpc_sha256_update(&c, worker, CPC_ADDR_HASH_LEN);
    cpc_sha256_update(&c, exp_be, 8);
    cpc_sha256_final(&c, out);
}

int cpc_lease_sign(uint8_t sig[CPC_SIG_LEN], const struct cpc_signer *s,
                   const uint8_t validator_sk[CPC_SECKEY_LEN], const char *chain_id,
                   const uint8_t task_id[16], const uint8_t worker[CPC_ADDR_HASH_LEN],
                   uint64_t expires)
{
    uint8_t d[32];
    cpc_lease_digest(d, chain_id, task_id, worker, expires);
    return cpc_sign(s, sig, d, validator_sk);
}

int cpc_lease_verify(const uint8_t sig[CPC_SIG_LEN], const uint8_t validator_pub[CPC_PUBKEY_LEN],
                     const char *chain_id, const uint8_t task_id[16],
                     const uint8_t worker[CPC_ADDR_HASH_LEN], uint64_t expires)
{
    uint8_t d[32];
    cpc_lease_digest(d, chain_id, task_id, worker, expires);
    return cpc_verify(sig, d, validator_pub) == 0 ? 0 : CPC_ERR_UNAUTHORIZED;
}
