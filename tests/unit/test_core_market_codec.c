/* test_core_market_codec.c — market records (job, task, worker): binary
 * round trips, JSON views, corrupt and truncated records rejected; worker
 * score; state keys; task id (UUID version 8, variant 10), escrow address and
 * seeds against direct SHA-256; lease sign/verify; payload codecs of
 * JOB_CANCEL, WORKER_REGISTER, REVEAL (incl. pack/unpack with real Merkle
 * proofs) and VERDICT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"
#include "core/hex.h"
#include "core/market.h"
#include "core/merkle.h"
#include "core/uuid.h"

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s: %s", je.text, text);
    return j;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static void make_job(struct cpc_job *j)
{
    memset(j, 0, sizeof *j);
    fill(j->id, 32, 1);
    fill(j->creator, 20, 2);
    j->contract.kind = CPC_KIND_EXEC;
    fill(j->contract.p.exec.app, 32, 3);
    fill(j->contract.p.exec.inputs[0], 32, 4);
    j->contract.p.exec.n_inputs = 1;
    j->contract.p.exec.timeout_s = 60;
    j->contract.p.exec.memory_mb = 512;
    j->contract.tasks = 5;
    j->contract.reward = 1000;
    j->contract.replication = 3;
    j->contract.deadline_blocks = 100;
    j->contract.priority = CPC_PRIORITY_HIGH;
    j->contract.max_budget = 16500; /* 15000 + 1500 */
    snprintf(j->contract.req.gpu_model, sizeof j->contract.req.gpu_model, "A100");
    fill(j->seed, 32, 5);
    j->created_height = 42;
    j->status = CPC_JOB_ACTIVE;
    j->tasks_done = 2;
    j->tasks_committed = 1;
    j->money.escrowed = 16500;
    j->money.results_paid = 6;
    j->money.paid = 6000;
    j->money.commission = 600;
}

static void make_task(struct cpc_task *t)
{
    memset(t, 0, sizeof *t);
    uint8_t job[32];
    fill(job, 32, 1);
    memcpy(t->job_id, job, 32);
    t->index = 3;
    cpc_task_id(t->id, job, 3);
    t->status = CPC_TASK_OPEN;
    t->attempts = 1;
    t->n_results = 2;
    fill(t->results[0].worker, 20, 9);
    fill(t->results[0].hash, 32, 10);
    t->results[0].hash_len = 32;
    fill(t->results[1].worker, 20, 11);
    fill(t->results[1].hash, 64, 12);
    t->results[1].hash_len = 64;
}

static void make_worker(struct cpc_worker *w)
{
    memset(w, 0, sizeof *w);
    fill(w->addr, 20, 20);
    w->locked = 5000;
    w->cpu_cores = 16;
    w->ram_gb = 128;
    snprintf(w->gpu_model, sizeof w->gpu_model, "NVIDIA H100 80GB");
    w->vram_gb = 80;
    w->gpu_count = 1;
    w->accepted = 9;
    w->rejected = 1;
    w->timed_out = 0;
    w->registered_height = 7;
    w->unbonding_since = 12;
    w->pending = 3;
}

typedef int (*decode_fn)(void *rec, const uint8_t *data, size_t len, struct cpc_err *err);
typedef void (*encode_fn)(const void *rec, struct cpc_buf *b);

static int job_dec(void *r, const uint8_t *d, size_t n, struct cpc_err *e) { return cpc_job_decode(r, d, n, e); }
static int task_dec(void *r, const uint8_t *d, size_t n, struct cpc_err *e) { return cpc_task_decode(r, d, n, e); }
static int worker_dec(void *r, const uint8_t *d, size_t n, struct cpc_err *e) { return cpc_worker_decode(r, d, n, e); }
static void job_enc(const void *r, struct cpc_buf *b) { cpc_job_encode(r, b); }
static void task_enc(const void *r, struct cpc_buf *b) { cpc_task_encode(r, b); }
static void worker_enc(const void *r, struct cpc_buf *b) { cpc_worker_encode(r, b); }

/* encode -> decode -> encode identical; every prefix and one trailing byte rejected. */
static void round_trip(const void *rec, void *out, encode_fn enc, decode_fn dec, const char *what)
{
    struct cpc_buf a, b;
    struct cpc_err err;
    cpc_buf_init(&a);
    cpc_buf_init(&b);
    enc(rec, &a);
    assert_false(a.failed);
    int rc = dec(out, a.data, a.len, &err);
    if (rc)
        fail_msg("%s: %s", what, err.msg);
    enc(out, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    for (size_t n = 0; n < a.len; n++)
        assert_int_equal(dec(out, a.data, n, &err), CPC_ERR_INVALID);
    uint8_t *longer = malloc(a.len + 1);
    assert_non_null(longer);
    memcpy(longer, a.data, a.len);
    longer[a.len] = 0;
    assert_int_equal(dec(out, longer, a.len + 1, &err), CPC_ERR_INVALID);
    char want[64];
    snprintf(want, sizeof want, "%s record: 1 trailing bytes", what);
    assert_string_equal(err.msg, want);
    free(longer);
    /* decode it once more so `out` holds the good record again */
    assert_int_equal(dec(out, a.data, a.len, &err), 0);
    cpc_buf_free(&a);
    cpc_buf_free(&b);
}

/* Decode `b` with byte at `off` set to v; expect CPC_ERR_INVALID and message. */
static void corrupt(const struct cpc_buf *b, size_t off, uint8_t v, decode_fn dec, void *out,
                    const char *msg)
{
    uint8_t *c = malloc(b->len);
    assert_non_null(c);
    memcpy(c, b->data, b->len);
    c[off] = v;
    struct cpc_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(dec(out, c, b->len, &err), CPC_ERR_INVALID);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("offset %zu: got '%s', want '%s'", off, err.msg, msg);
    free(c);
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static json_int_t jint(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* ---------------- records ---------------- */

static void test_job_record(void **state)
{
    (void)state;
    struct cpc_job j, out;
    struct cpc_err err;
    make_job(&j);
    round_trip(&j, &out, job_enc, job_dec, "job");
    assert_memory_equal(out.id, j.id, 32);
    assert_memory_equal(out.creator, j.creator, 20);
    assert_int_equal(out.contract.kind, CPC_KIND_EXEC);
    assert_string_equal(out.contract.req.gpu_model, "A100");
    assert_int_equal(out.created_height, 42);
    assert_int_equal(out.tasks_done, 2);
    assert_memory_equal(&out.money, &j.money, sizeof j.money);

    json_t *v = cpc_job_to_json(&j);
    assert_non_null(v);
    char hex[65], addr[CPC_ADDR_STR_MAX];
    cpc_hex_encode(hex, j.id, 32);
    assert_string_equal(jstr(v, "id"), hex);
    cpc_address_encode(addr, j.creator);
    assert_string_equal(jstr(v, "creator"), addr);
    uint8_t escrow[20];
    cpc_escrow_address(escrow, j.id);
    cpc_address_encode(addr, escrow);
    assert_string_equal(jstr(v, "escrow"), addr);
    assert_string_equal(jstr(v, "status"), "active");
    assert_int_equal(jint(v, "created_height"), 42);
    assert_int_equal(jint(v, "deadline_height"), 142);
    assert_int_equal(jint(v, "budget"), 15000);
    assert_int_equal(jint(v, "commission"), 1500);
    assert_int_equal(jint(v, "tasks_done"), 2);
    assert_true(json_is_false(json_object_get(v, "refunded")));
    const json_t *mj = json_object_get(v, "money");
    assert_int_equal(jint(mj, "escrowed"), 16500);
    assert_int_equal(jint(mj, "paid"), 6000);
    assert_int_equal(jint(mj, "results_paid"), 6);
    assert_int_equal(jint(mj, "commission"), 600);
    assert_int_equal(jint(mj, "bonus_paid"), 0);
    assert_int_equal(jint(mj, "bonus_results"), 0);
    assert_int_equal(jint(mj, "refund"), 0);
    const json_t *c = json_object_get(v, "contract");
    assert_string_equal(jstr(c, "kind"), "exec");
    assert_string_equal(jstr(c, "priority"), "high");
    struct cpc_contract back;
    assert_int_equal(cpc_contract_from_json(&back, c, &err), 0);
    assert_int_equal(back.replication, 3);
    json_decref(v);

    /* corrupt fields */
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_job_encode(&j, &b);
    /* ... u64 height | status | refunded | u32 done | u32 committed | money: u64 escrowed,
     * paid, bonus_paid, commission, refund | u32 results_paid, bonus_results */
    size_t money = b.len - 48, tail = money - 18;
    assert_int_equal(b.data[money + 7], 16500 & 0xff); /* escrowed, big-endian */
    corrupt(&b, money, 0x80, job_dec, &out, "job.money.escrowed: must be 0..9223372036854775807");
    corrupt(&b, money + 8, 0x80, job_dec, &out, "job.money.paid: must be 0..9223372036854775807");
    corrupt(&b, money + 24, 0x80, job_dec, &out,
            "job.money.commission: must be 0..9223372036854775807");
    corrupt(&b, money + 32, 0x80, job_dec, &out, "job.money.refund: must be 0..9223372036854775807");
    corrupt(&b, money + 16 + 5, 0x80, job_dec, &out, "job.money.bonus_paid: must be 0..6000");
    corrupt(&b, money + 47, 7, job_dec, &out, "job.money.bonus_results: must be 0..6");
    corrupt(&b, money + 39, 1, job_dec, &out,
            "job.money.refund: the job was not refunded");
    corrupt(&b, tail + 8, 0, job_dec, &out, "job.status: unknown status 0");
    corrupt(&b, tail + 8, 5, job_dec, &out, "job.status: unknown status 5");
    corrupt(&b, tail + 9, 2, job_dec, &out, "job.refunded: must be 0 or 1");
    corrupt(&b, tail + 13, 6, job_dec, &out, "job.tasks_done: must be 0..5");
    corrupt(&b, tail + 17, 9, job_dec, &out, "job.tasks_committed: must be 0..5");
    corrupt(&b, tail, 0x80, job_dec, &out, "job.created_height: must be 0..9223372036854775807");
    corrupt(&b, 52, 7, job_dec, &out, "job record: contract.kind: unknown kind 7");
    cpc_buf_free(&b);

    /* every status has its name */
    const char *names[] = {"active", "completed", "cancelled", "expired"};
    for (int s = CPC_JOB_ACTIVE; s <= CPC_JOB_EXPIRED; s++) {
        j.status = (uint8_t)s;
        v = cpc_job_to_json(&j);
        assert_string_equal(jstr(v, "status"), names[s - 1]);
        json_decref(v);
    }
}

static void test_task_record(void **state)
{
    (void)state;
    struct cpc_task t, out;
    make_task(&t);
    round_trip(&t, &out, task_enc, task_dec, "task");
    assert_int_equal(out.n_results, 2);
    assert_int_equal(out.results[1].hash_len, 64);
    assert_memory_equal(out.results[1].hash, t.results[1].hash, 64);
    assert_int_equal(out.index, 3);

    json_t *v = cpc_task_to_json(&t);
    assert_non_null(v);
    char uuid[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(uuid, t.id);
    assert_string_equal(jstr(v, "id"), uuid);
    assert_string_equal(jstr(v, "status"), "open");
    assert_int_equal(jint(v, "index"), 3);
    assert_int_equal(jint(v, "attempts"), 1);
    assert_true(json_is_null(json_object_get(v, "worker")));
    const json_t *res = json_object_get(v, "results");
    assert_int_equal(json_array_size(res), 2);
    char hex[129];
    cpc_hex_encode(hex, t.results[1].hash, 64);
    assert_string_equal(jstr(json_array_get(res, 1), "result_hash"), hex);
    json_decref(v);

    /* committed matmul task */
    t.status = CPC_TASK_COMMITTED;
    t.n_results = 0;
    fill(t.worker, 20, 30);
    fill(t.commit_root, 32, 31);
    t.commit_height = 10;
    t.reveal_deadline = 20;
    round_trip(&t, &out, task_enc, task_dec, "task");
    v = cpc_task_to_json(&t);
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, t.worker);
    assert_string_equal(jstr(v, "worker"), addr);
    assert_string_equal(jstr(v, "status"), "committed");
    assert_int_equal(jint(v, "reveal_deadline"), 20);
    assert_int_equal(json_array_size(json_object_get(v, "results")), 0);
    json_decref(v);

    /* corruption */
    make_task(&t);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_task_encode(&t, &b);
    /* id 16 | job 32 | index 4 (48..51) | status 52 | attempts 53..56 | worker 57..76 |
     * root 77..108 | commit_height 109..116 | reveal 117..124 | n 125 | results... */
    corrupt(&b, 52, 5, task_dec, &out, "task.status: unknown status 5");
    corrupt(&b, 125, 10, task_dec, &out, "task.n_results: must be 0..9");
    corrupt(&b, 125, 3, task_dec, &out, "task record: truncated or malformed");
    corrupt(&b, 109, 0x80, task_dec, &out, "task.commit_height: must be 0..9223372036854775807");
    corrupt(&b, 48, 0xff, task_dec, &out, "task.index: must be 0..99999");
    /* first result: worker 126..145 | state 146 | len 147..150 */
    corrupt(&b, 150, 65, task_dec, &out, "task record: truncated or malformed");
    corrupt(&b, 146, 4, task_dec, &out, "task.results[0].state: unknown state 4");
    cpc_buf_free(&b);

    /* exec replicas: committed (commitment only), revealed (commitment + result),
     * rejected (a reveal that did not open it) */
    make_task(&t);
    t.n_results = 3;
    t.status = CPC_TASK_COMMITTED;
    for (int i = 0; i < 3; i++) {
        fill(t.results[i].worker, 20, (uint8_t)(40 + i));
        fill(t.results[i].commit, 32, (uint8_t)(50 + i));
        memset(t.results[i].hash, 0, 64);
        t.results[i].hash_len = 0;
    }
    t.results[0].state = CPC_REPLICA_COMMITTED;
    t.results[1].state = CPC_REPLICA_REVEALED;
    fill(t.results[1].hash, 5, 60);
    t.results[1].hash_len = 5;
    t.results[2].state = CPC_REPLICA_REJECTED;
    round_trip(&t, &out, task_enc, task_dec, "task");
    assert_int_equal(out.results[0].state, CPC_REPLICA_COMMITTED);
    assert_int_equal(out.results[0].hash_len, 0);
    assert_memory_equal(out.results[0].commit, t.results[0].commit, 32);
    assert_int_equal(out.results[1].state, CPC_REPLICA_REVEALED);
    assert_int_equal(out.results[1].hash_len, 5);
    assert_int_equal(out.results[2].state, CPC_REPLICA_REJECTED);
    v = cpc_task_to_json(&t);
    res = json_object_get(v, "results");
    char chex[65];
    cpc_hex_encode(chex, t.results[0].commit, 32);
    assert_string_equal(jstr(json_array_get(res, 0), "state"), "committed");
    assert_string_equal(jstr(json_array_get(res, 0), "commitment"), chex);
    assert_null(json_object_get(json_array_get(res, 0), "result_hash")); /* not revealed yet */
    cpc_hex_encode(hex, t.results[1].hash, 5);
    assert_string_equal(jstr(json_array_get(res, 1), "state"), "revealed");
    assert_string_equal(jstr(json_array_get(res, 1), "result_hash"), hex);
    assert_string_equal(jstr(json_array_get(res, 2), "state"), "rejected");
    assert_null(json_object_get(json_array_get(res, 2), "result_hash"));
    json_decref(v);
    /* a revealed replica without its result */
    t.results[1].hash_len = 0;
    cpc_buf_init(&b);
    cpc_task_encode(&t, &b);
    struct cpc_err e2;
    assert_int_equal(cpc_task_decode(&out, b.data, b.len, &e2), CPC_ERR_INVALID);
    assert_string_equal(e2.msg, "task.results[1].hash: empty");
    cpc_buf_free(&b);
    make_task(&t);
    /* an empty result hash */
    t.n_results = 1;
    t.results[0].hash_len = 0;
    cpc_buf_init(&b);
    cpc_task_encode(&t, &b);
    struct cpc_err err;
    assert_int_equal(cpc_task_decode(&out, b.data, b.len, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "task.results[0].hash: empty");
    cpc_buf_free(&b);
}

static void test_worker_record(void **state)
{
    (void)state;
    struct cpc_worker w, out;
    make_worker(&w);
    round_trip(&w, &out, worker_enc, worker_dec, "worker");
    assert_string_equal(out.gpu_model, "NVIDIA H100 80GB");
    assert_int_equal(out.locked, 5000);

    json_t *v = cpc_worker_to_json(&w);
    assert_non_null(v);
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, w.addr);
    assert_string_equal(jstr(v, "address"), addr);
    assert_string_equal(jstr(v, "gpu_model"), "NVIDIA H100 80GB");
    assert_int_equal(jint(v, "locked"), 5000);
    assert_int_equal(jint(v, "vram_gb"), 80);
    assert_int_equal(jint(v, "score"), 714); /* 10*1000 / (9+4+0+1) */
    assert_int_equal(jint(v, "unbonding_since"), 12);
    assert_int_equal(jint(v, "pending"), 3);
    json_decref(v);
    w.unbonding_since = 0; /* bonded: null */
    v = cpc_worker_to_json(&w);
    assert_non_null(v);
    assert_true(json_is_null(json_object_get(v, "unbonding_since")));
    json_decref(v);
    w.unbonding_since = 12;

    /* corruption: addr 0..19 | locked 20..27 | cpu 28..31 | ram 32..35 | len 36..39 | model */
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_worker_encode(&w, &b);
    corrupt(&b, 40, 0x07, worker_dec, &out, "worker.gpu_model: must be printable ASCII");
    corrupt(&b, 39, 33, worker_dec, &out, "worker record: truncated or malformed");
    corrupt(&b, 20, 0x80, worker_dec, &out, "worker.locked: must be 0..9223372036854775807");
    /* ... | registered_height | unbonding_since | pending (u32) */
    corrupt(&b, b.len - 20, 0xff, worker_dec, &out,
            "worker.registered_height: must be 0..9223372036854775807");
    corrupt(&b, b.len - 12, 0xff, worker_dec, &out,
            "worker.unbonding_since: must be 0..9223372036854775807");
    cpc_buf_free(&b);
}

static void test_worker_score(void **state)
{
    (void)state;
    struct cpc_worker w;
    memset(&w, 0, sizeof w);
    assert_int_equal(cpc_worker_score(&w), 1000);
    w.accepted = 100;
    assert_int_equal(cpc_worker_score(&w), 1000);
    w.rejected = 1; /* 101000 / 105 = 961 */
    assert_int_equal(cpc_worker_score(&w), 961);
    w.accepted = 0;
    w.rejected = 0;
    w.timed_out = 3; /* 1000 / 4 */
    assert_int_equal(cpc_worker_score(&w), 250);
    w.timed_out = 0;
    w.rejected = 10; /* 1000 / 41 */
    assert_int_equal(cpc_worker_score(&w), 24);
    /* huge counters do not wrap */
    w.accepted = UINT64_MAX;
    w.rejected = 0;
    assert_int_equal(cpc_worker_score(&w), 1000);
    w.rejected = UINT64_MAX; /* ~ 1000 / 5 */
    assert_int_equal(cpc_worker_score(&w), 200);
}

/* ---------------- keys, ids, seeds ---------------- */

static void test_keys(void **state)
{
    (void)state;
    uint8_t key[CPC_KEY_MAX], id[32];
    fill(id, 32, 1);
    assert_int_equal(cpc_key_job(key, id), 33);
    assert_int_equal(key[0], 'J');
    assert_memory_equal(key + 1, id, 32);
    assert_int_equal(cpc_key_task(key, id), 17);
    assert_int_equal(key[0], 'T');
    assert_memory_equal(key + 1, id, 16);
    assert_int_equal(cpc_key_worker(key, id), 21);
    assert_int_equal(key[0], 'W');
    assert_memory_equal(key + 1, id, 20);
    static const uint8_t h[9] = {'H', 0, 0, 0, 0, 0, 0x01, 0x02, 0x03};
    assert_int_equal(cpc_key_blockhash(key, 0x010203), 9);
    assert_memory_equal(key, h, 9);
    assert_int_equal(cpc_key_deadline(key, UINT64_MAX), 9);
    assert_int_equal(key[0], 'D');
    assert_int_equal(key[1], 0xff);
    assert_int_equal(key[8], 0xff);
}

static void test_ids_and_seeds(void **state)
{
    (void)state;
    uint8_t job[32], prev[32], want[32], got[32];
    fill(job, 32, 1);
    fill(prev, 32, 2);

    /* task id = SHA256("cpc-task" | job | u32be index)[0..16] with version/variant */
    uint8_t msg[8 + 32 + 4];
    memcpy(msg, "cpc-task", 8);
    memcpy(msg + 8, job, 32);
    msg[40] = 0;
    msg[41] = 0;
    msg[42] = 0x01;
    msg[43] = 0x02;
    cpc_sha256(want, msg, sizeof msg);
    uint8_t tid[16];
    cpc_task_id(tid, job, 0x0102);
    assert_int_equal(tid[6] >> 4, 8);            /* version 8 */
    assert_int_equal(tid[8] >> 6, 2);            /* variant 10 */
    assert_int_equal(tid[6] & 0x0f, want[6] & 0x0f);
    assert_int_equal(tid[8] & 0x3f, want[8] & 0x3f);
    tid[6] = want[6];
    tid[8] = want[8];
    assert_memory_equal(tid, want, 16);
    /* distinct per index, parses as a UUID */
    uint8_t t0[16], t1[16], back[16];
    cpc_task_id(t0, job, 0);
    cpc_task_id(t1, job, 1);
    assert_memory_not_equal(t0, t1, 16);
    char text[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(text, t0);
    assert_int_equal(text[14], '8');
    assert_int_equal(cpc_uuid_parse(back, text), 0);
    assert_memory_equal(back, t0, 16);

    /* escrow = SHA256("cpc-escrow" | job)[0..20] */
    cpc_sha256_2(want, "cpc-escrow", 10, job, 32);
    uint8_t esc[20];
    cpc_escrow_address(esc, job);
    assert_memory_equal(esc, want, 20);

    /* job seed = SHA256("cpc-job" | prev | job) */
    uint8_t m2[7 + 64];
    memcpy(m2, "cpc-job", 7);
    memcpy(m2 + 7, prev, 32);
    memcpy(m2 + 39, job, 32);
    cpc_sha256(want, m2, sizeof m2);
    cpc_job_seed(got, prev, job);
    assert_memory_equal(got, want, 32);

    /* challenge seed = SHA256("cpc-challenge" | block hash | task id) */
    uint8_t m3[13 + 32 + 16];
    memcpy(m3, "cpc-challenge", 13);
    memcpy(m3 + 13, prev, 32);
    memcpy(m3 + 45, t0, 16);
    cpc_sha256(want, m3, sizeof m3);
    cpc_challenge_seed(got, prev, t0);
    assert_memory_equal(got, want, 32);
}

/* ---------------- leases ---------------- */

static void test_lease(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    uint8_t sk[32], pub[33], sk2[32], pub2[33];
    cpc_sha256(sk, "validator", 9);
    cpc_sha256(sk2, "someone else", 12);
    assert_int_equal(cpc_pubkey_from_seckey(s, pub, sk), 0);
    assert_int_equal(cpc_pubkey_from_seckey(s, pub2, sk2), 0);
    uint8_t task[16], worker[20], other[20], sig[64];
    fill(task, 16, 1);
    fill(worker, 20, 2);
    fill(other, 20, 3);

    /* digest layout */
    uint8_t msg[9 + 4 + 6 + 16 + 20 + 8], want[32], got[32];
    memcpy(msg, "cpc-lease", 9);
    memcpy(msg + 9, "\0\0\0\6cpc-t1", 10);
    memcpy(msg + 19, task, 16);
    memcpy(msg + 35, worker, 20);
    memcpy(msg + 55, "\0\0\0\0\0\0\1\0", 8);
    cpc_sha256(want, msg, sizeof msg);
    cpc_lease_digest(got, "cpc-t1", task, worker, 256);
    assert_memory_equal(got, want, 32);

    assert_int_equal(cpc_lease_sign(sig, s, sk, "cpc-t1", task, worker, 256), 0);
    assert_int_equal(cpc_lease_verify(sig, pub, "cpc-t1", task, worker, 256), 0);
    assert_int_equal(cpc_lease_verify(sig, pub, "cpc-t1", task, other, 256), CPC_ERR_UNAUTHORIZED);
    assert_int_equal(cpc_lease_verify(sig, pub, "cpc-t1", task, worker, 257), CPC_ERR_UNAUTHORIZED);
    assert_int_equal(cpc_lease_verify(sig, pub, "cpc-t2", task, worker, 256), CPC_ERR_UNAUTHORIZED);
    assert_int_equal(cpc_lease_verify(sig, pub2, "cpc-t1", task, worker, 256), CPC_ERR_UNAUTHORIZED);
    uint8_t task2[16];
    memcpy(task2, task, 16);
    task2[15] ^= 1;
    assert_int_equal(cpc_lease_verify(sig, pub, "cpc-t1", task2, worker, 256), CPC_ERR_UNAUTHORIZED);
    sig[10] ^= 0x40;
    assert_int_equal(cpc_lease_verify(sig, pub, "cpc-t1", task, worker, 256), CPC_ERR_UNAUTHORIZED);
    cpc_signer_free(s);
}

/* ---------------- payloads ---------------- */

static int payload_from_text(int (*fn)(void *, const json_t *, struct cpc_err *), void *p,
                             const char *text, struct cpc_err *err)
{
    json_t *j = parse(text);
    int rc = fn(p, j, err);
    json_decref(j);
    return rc;
}

static int cancel_fj(void *p, const json_t *j, struct cpc_err *e) { return cpc_payload_job_cancel_from_json(p, j, e); }
static int register_fj(void *p, const json_t *j, struct cpc_err *e) { return cpc_payload_worker_register_from_json(p, j, e); }
static int verdict_fj(void *p, const json_t *j, struct cpc_err *e) { return cpc_payload_verdict_from_json(p, j, e); }

static int result_reveal_fj(void *p, const json_t *j, struct cpc_err *e) { return cpc_payload_result_reveal_from_json(p, j, e); }

static void expect_err(int (*fn)(void *, const json_t *, struct cpc_err *), void *p,
                       const char *text, const char *msg)
{
    struct cpc_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(payload_from_text(fn, p, text, &err), CPC_ERR_INVALID);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("%s\n  got  '%s'\n  want '%s'", text, err.msg, msg);
}

static char *dumps(json_t *j)
{
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    assert_non_null(s);
    return s;
}

static void test_payload_job_create_cancel(void **state)
{
    (void)state;
    struct cpc_payload_job_create jc, jc2;
    struct cpc_err err;
    json_t *j = parse("{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":2,\"reward\":10,"
                      "\"deadline\":5,\"max_budget\":22}");
    assert_int_equal(cpc_payload_job_create_from_json(&jc, j, &err), 0);
    json_decref(j);
    assert_int_equal(jc.contract.p.hashpow.bits, 8);
    struct cpc_buf a, b;
    cpc_buf_init(&a);
    cpc_buf_init(&b);
    cpc_payload_job_create_encode(&jc, &a);
    cpc_contract_encode(&jc.contract, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    j = cpc_payload_job_create_to_json(&jc);
    assert_int_equal(cpc_payload_job_create_from_json(&jc2, j, &err), 0);
    json_decref(j);
    cpc_buf_free(&b);
    cpc_buf_init(&b);
    cpc_payload_job_create_encode(&jc2, &b);
    assert_memory_equal(a.data, b.data, a.len);
    cpc_buf_free(&a);
    cpc_buf_free(&b);

    struct cpc_payload_job_cancel c;
    const char *ok = "{\"job_id\":\"" "000102030405060708090a0b0c0d0e0f"
                     "101112131415161718191a1b1c1d1e1f" "\"}";
    assert_int_equal(payload_from_text(cancel_fj, &c, ok, &err), 0);
    assert_int_equal(c.job_id[0], 0);
    assert_int_equal(c.job_id[31], 0x1f);
    char *s = dumps(cpc_payload_job_cancel_to_json(&c));
    assert_string_equal(s, ok);
    free(s);
    cpc_buf_init(&a);
    cpc_payload_job_cancel_encode(&c, &a);
    assert_int_equal(a.len, 32);
    assert_memory_equal(a.data, c.job_id, 32);
    cpc_buf_free(&a);
    expect_err(cancel_fj, &c, "{}", "payload.job_id: missing");
    expect_err(cancel_fj, &c, "{\"job_id\":\"00\"}", "payload.job_id: expected 64 hex characters");
    expect_err(cancel_fj, &c, "{\"job_id\":1}", "payload.job_id: expected a string");
    expect_err(cancel_fj, &c, "{\"id\":1}", "payload: unknown field 'id'");
}

static void test_payload_worker_register(void **state)
{
    (void)state;
    struct cpc_payload_worker_register p;
    struct cpc_err err;
    assert_int_equal(payload_from_text(register_fj, &p, "{\"stake\":0}", &err), 0);
    assert_int_equal(p.stake, 0);
    assert_int_equal(p.cpu_cores, 0);
    assert_string_equal(p.gpu_model, "");
    const char *full = "{\"cpu_cores\":16,\"gpu_count\":2,\"gpu_model\":\"RTX 4090\","
                       "\"ram_gb\":64,\"stake\":1000000000,\"vram_gb\":24}";
    assert_int_equal(payload_from_text(register_fj, &p, full, &err), 0);
    assert_int_equal(p.stake, 1000000000);
    assert_int_equal(p.gpu_count, 2);
    assert_string_equal(p.gpu_model, "RTX 4090");
    char *s = dumps(cpc_payload_worker_register_to_json(&p));
    assert_string_equal(s, full);
    free(s);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_payload_worker_register_encode(&p, &b);
    static const uint8_t want[] = {0, 0, 0, 0, 0x3b, 0x9a, 0xca, 0x00, 0, 0, 0, 16, 0, 0, 0, 64,
                                   0, 0, 0, 8, 'R', 'T', 'X', ' ', '4', '0', '9', '0',
                                   0, 0, 0, 24, 0, 0, 0, 2};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    cpc_buf_free(&b);

    expect_err(register_fj, &p, "{}", "payload.stake: missing");
    expect_err(register_fj, &p, "{\"stake\":-1}", "payload.stake: must be 0..9223372036854775807");
    expect_err(register_fj, &p, "{\"stake\":1,\"cpu_cores\":4294967296}",
               "payload.cpu_cores: must be 0..4294967295");
    expect_err(register_fj, &p, "{\"stake\":1,\"gpu_model\":\"0123456789012345678901234567890123\"}",
               "payload.gpu_model: longer than 32 characters");
    expect_err(register_fj, &p, "{\"stake\":1,\"gpus\":1}", "payload: unknown field 'gpus'");
}

#define SIB(c) "\"" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
               c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c "\""
#define TID "\"01234567-89ab-8def-8123-456789abcdef\""

static void test_payload_reveal(void **state)
{
    (void)state;
    struct cpc_payload_reveal p;
    struct cpc_err err;
    uint8_t *ext = NULL;
    size_t ext_len = 0;
    const char *ok = "{\"proofs\":[[" SIB("a") "," SIB("b") "],[]," "[" SIB("c") "]],\"task_id\":" TID "}";
    json_t *j = parse(ok);
    assert_int_equal(cpc_payload_reveal_from_json(&p, &ext, &ext_len, j, &err), 0);
    json_decref(j);
    assert_int_equal(p.count, 3);
    assert_int_equal(ext_len, 1 + 64 + 1 + 1 + 32);
    assert_int_equal(ext[0], 2);
    assert_int_equal(ext[1], 0xaa);
    assert_int_equal(ext[33], 0xbb);
    assert_int_equal(ext[65], 0);
    assert_int_equal(ext[66], 1);
    char uuid[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(uuid, p.task_id);
    assert_string_equal(uuid, "01234567-89ab-8def-8123-456789abcdef");

    struct cpc_merkle_proof mp;
    assert_int_equal(cpc_reveal_proof(ext, ext_len, 3, 0, &mp), 0);
    assert_int_equal(mp.depth, 2);
    assert_int_equal(mp.siblings[1][5], 0xbb);
    assert_int_equal(cpc_reveal_proof(ext, ext_len, 3, 1, &mp), 0);
    assert_int_equal(mp.depth, 0);
    assert_int_equal(cpc_reveal_proof(ext, ext_len, 3, 2, &mp), 0);
    assert_int_equal(mp.depth, 1);
    assert_int_equal(mp.siblings[0][31], 0xcc);
    assert_int_equal(cpc_reveal_proof(ext, ext_len, 3, 3, &mp), CPC_ERR_INVALID);
    assert_int_equal(cpc_reveal_proof(ext, ext_len, 2, 0, &mp), CPC_ERR_INVALID); /* wrong count */
    assert_int_equal(cpc_reveal_proof(ext, ext_len - 1, 3, 0, &mp), CPC_ERR_INVALID);

    char *s = dumps(cpc_payload_reveal_to_json(&p, ext, ext_len));
    assert_string_equal(s, ok);
    free(s);
    /* malformed ext has no JSON view */
    assert_null(cpc_payload_reveal_to_json(&p, ext, ext_len - 1));

    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_payload_reveal_encode(&p, ext, ext_len, &b);
    assert_int_equal(b.len, 16 + 2 + 4 + ext_len);
    assert_memory_equal(b.data, p.task_id, 16);
    assert_int_equal(b.data[16], 0);
    assert_int_equal(b.data[17], 3);
    assert_int_equal(b.data[21], ext_len);
    assert_memory_equal(b.data + 22, ext, ext_len);
    cpc_buf_free(&b);
    free(ext);

    /* errors */
    static const struct { const char *json, *msg; } bad[] = {
        {"{\"task_id\":" TID "}", "payload.proofs: missing"},
        {"{\"task_id\":\"nope\",\"proofs\":[[]]}", "payload.task_id: not a UUID"},
        {"{\"task_id\":" TID ",\"proofs\":[]}", "payload.proofs: must hold 1..64 proofs"},
        {"{\"task_id\":" TID ",\"proofs\":{}}", "payload.proofs: expected an array"},
        {"{\"task_id\":" TID ",\"proofs\":[[], 5]}", "payload.proofs[1]: expected an array"},
        {"{\"task_id\":" TID ",\"proofs\":[[" SIB("a") ",\"12\"]]}",
         "payload.proofs[0][1]: expected 64 hex characters"},
        {"{\"task_id\":" TID ",\"proofs\":[[" SIB("g") "]]}",
         "payload.proofs[0][0]: expected 64 hex characters"},
        {"{\"task_id\":" TID ",\"proofs\":[[]],\"x\":1}", "payload: unknown field 'x'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ext = NULL;
        j = parse(bad[i].json);
        assert_int_equal(cpc_payload_reveal_from_json(&p, &ext, &ext_len, j, &err),
                         CPC_ERR_INVALID);
        json_decref(j);
        assert_null(ext);
        if (strcmp(err.msg, bad[i].msg) != 0)
            fail_msg("%s\n  got  '%s'\n  want '%s'", bad[i].json, err.msg, bad[i].msg);
    }
    /* 65 proofs and a 65-deep proof */
    json_t *many = json_array();
    for (int i = 0; i < 65; i++)
        json_array_append_new(many, json_array());
    j = json_pack("{s:s, s:o}", "task_id", "01234567-89ab-8def-8123-456789abcdef", "proofs", many);
    assert_int_equal(cpc_payload_reveal_from_json(&p, &ext, &ext_len, j, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "payload.proofs: must hold 1..64 proofs");
    json_decref(j);
    json_t *deep = json_array();
    for (int i = 0; i < 65; i++)
        json_array_append_new(deep, json_string("00000000000000000000000000000000"
                                                "00000000000000000000000000000000"));
    j = json_pack("{s:s, s:[o]}", "task_id", "01234567-89ab-8def-8123-456789abcdef", "proofs", deep);
    assert_int_equal(cpc_payload_reveal_from_json(&p, &ext, &ext_len, j, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "payload.proofs[0]: at most 64 siblings");
    json_decref(j);
}

static void test_reveal_pack_merkle(void **state)
{
    (void)state;
    uint8_t items[5][32], root[32];
    for (int i = 0; i < 5; i++)
        fill(items[i], 32, (uint8_t)(i * 40));
    assert_int_equal(cpc_merkle_root(root, (const uint8_t(*)[32])items, 5), 0);
    struct cpc_merkle_proof proofs[5];
    for (int i = 0; i < 5; i++)
        assert_int_equal(cpc_merkle_prove(&proofs[i], (const uint8_t(*)[32])items, 5, (size_t)i), 0);
    uint8_t *ext = NULL;
    size_t ext_len = 0;
    assert_int_equal(cpc_reveal_pack(proofs, 5, &ext, &ext_len), 0);
    size_t want = 0;
    for (int i = 0; i < 5; i++)
        want += 1 + 32 * proofs[i].depth;
    assert_int_equal(ext_len, want);
    for (uint16_t i = 0; i < 5; i++) {
        struct cpc_merkle_proof mp;
        assert_int_equal(cpc_reveal_proof(ext, ext_len, 5, i, &mp), 0);
        assert_int_equal(mp.depth, proofs[i].depth);
        mp.index = i;
        mp.n_leaves = 5;
        assert_int_equal(cpc_merkle_verify(root, items[i], &mp), 0);
        mp.index = (i + 1) % 5;
        assert_int_not_equal(cpc_merkle_verify(root, items[i], &mp), 0);
    }
    /* ext -> JSON -> ext is identical */
    struct cpc_payload_reveal p = {.count = 5};
    fill(p.task_id, 16, 3);
    json_t *j = cpc_payload_reveal_to_json(&p, ext, ext_len);
    assert_non_null(j);
    struct cpc_payload_reveal p2;
    uint8_t *ext2 = NULL;
    size_t ext2_len = 0;
    struct cpc_err err;
    assert_int_equal(cpc_payload_reveal_from_json(&p2, &ext2, &ext2_len, j, &err), 0);
    json_decref(j);
    assert_int_equal(ext2_len, ext_len);
    assert_memory_equal(ext2, ext, ext_len);
    assert_memory_equal(p2.task_id, p.task_id, 16);
    free(ext2);

    /* a depth byte above the maximum is rejected */
    ext[0] = CPC_MERKLE_MAX_DEPTH + 1;
    struct cpc_merkle_proof mp;
    assert_int_equal(cpc_reveal_proof(ext, ext_len, 5, 4, &mp), CPC_ERR_INVALID);
    free(ext);

    /* pack rejects bad counts and depths */
    assert_int_equal(cpc_reveal_pack(proofs, 0, &ext, &ext_len), CPC_ERR_INVALID);
    assert_int_equal(cpc_reveal_pack(proofs, CPC_MATMUL_MAX_CHALLENGES + 1, &ext, &ext_len),
                     CPC_ERR_INVALID);
    proofs[2].depth = CPC_MERKLE_MAX_DEPTH + 1;
    assert_int_equal(cpc_reveal_pack(proofs, 5, &ext, &ext_len), CPC_ERR_INVALID);
}

static void test_payload_verdict(void **state)
{
    (void)state;
    struct cpc_payload_verdict v;
    struct cpc_err err;
    const char *acc = "{\"accept\":true,\"result_hash\":\"deadbeef\",\"task_id\":" TID "}";
    assert_int_equal(payload_from_text(verdict_fj, &v, acc, &err), 0);
    assert_int_equal(v.accept, 1);
    assert_int_equal(v.result_hash_len, 4);
    assert_int_equal(v.result_hash[0], 0xde);
    char *s = dumps(cpc_payload_verdict_to_json(&v));
    assert_string_equal(s, acc);
    free(s);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_payload_verdict_encode(&v, &b);
    assert_int_equal(b.len, 16 + 1 + 4 + 4);
    assert_int_equal(b.data[16], 1);
    assert_int_equal(b.data[20], 4);
    assert_int_equal(b.data[21], 0xde);
    cpc_buf_free(&b);

    const char *rej = "{\"accept\":false,\"task_id\":" TID "}";
    assert_int_equal(payload_from_text(verdict_fj, &v, rej, &err), 0);
    assert_int_equal(v.accept, 0);
    assert_int_equal(v.result_hash_len, 0);
    s = dumps(cpc_payload_verdict_to_json(&v));
    assert_string_equal(s, rej);
    free(s);

    expect_err(verdict_fj, &v, "{\"task_id\":" TID "}", "payload.accept: missing");
    expect_err(verdict_fj, &v, "{\"accept\":1,\"task_id\":" TID "}",
               "payload.accept: expected true or false");
    expect_err(verdict_fj, &v, "{\"accept\":false,\"result_hash\":\"00\",\"task_id\":" TID "}",
               "payload.result_hash: only allowed when accept is true");
    expect_err(verdict_fj, &v, "{\"accept\":true,\"result_hash\":\"xyz\",\"task_id\":" TID "}",
               "payload.result_hash: expected 1..64 bytes of hex");
    expect_err(verdict_fj, &v, "{\"accept\":true,\"result_hash\":\"\",\"task_id\":" TID "}",
               "payload.result_hash: expected 1..64 bytes of hex");
    expect_err(verdict_fj, &v,
               "{\"accept\":true,\"result_hash\":\"" "0000000000000000000000000000000000000000"
               "0000000000000000000000000000000000000000000000000000000000000000000000000000"
               "0000000000000000\",\"task_id\":" TID "}",
               "payload.result_hash: expected 1..64 bytes of hex");
    expect_err(verdict_fj, &v, "{\"accept\":true,\"task_id\":\"0123\"}", "payload.task_id: not a UUID");
    expect_err(verdict_fj, &v, "{\"accept\":true}", "payload.task_id: missing");
}

static void test_payload_result_reveal(void **state)
{
    (void)state;
    struct cpc_payload_result_reveal p;
    struct cpc_err err;
    const char *ok = "{\"result\":\"abababababab\",\"salt\":\""
                     "0707070707070707070707070707070707070707070707070707070707070707\","
                     "\"task_id\":" TID "}";
    assert_int_equal(payload_from_text(result_reveal_fj, &p, ok, &err), 0);
    assert_int_equal(p.result_len, 6);
    assert_int_equal(p.result[5], 0xab);
    assert_int_equal(p.salt[31], 7);
    char *s = dumps(cpc_payload_result_reveal_to_json(&p));
    assert_string_equal(s, ok);
    free(s);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_payload_result_reveal_encode(&p, &b);
    assert_int_equal(b.len, 16 + 4 + 6 + 32); /* task_id | var result | salt */
    assert_int_equal(b.data[19], 6);
    assert_int_equal(b.data[20], 0xab);
    assert_int_equal(b.data[26], 7);
    cpc_buf_free(&b);

    const char *salt = "\"0707070707070707070707070707070707070707070707070707070707070707\"";
    expect_err(result_reveal_fj, &p, "{\"salt\":" "\"00\"" ",\"task_id\":" TID "}",
               "payload.result: missing");
    char text[512];
    snprintf(text, sizeof text, "{\"result\":\"\",\"salt\":%s,\"task_id\":" TID "}", salt);
    expect_err(result_reveal_fj, &p, text, "payload.result: expected 1..64 bytes of hex");
    snprintf(text, sizeof text, "{\"result\":\"%0130d\",\"salt\":%s,\"task_id\":" TID "}", 0,
             salt);
    expect_err(result_reveal_fj, &p, text, "payload.result: expected 1..64 bytes of hex");
    snprintf(text, sizeof text, "{\"result\":7,\"salt\":%s,\"task_id\":" TID "}", salt);
    expect_err(result_reveal_fj, &p, text, "payload.result: expected 1..64 bytes of hex");
    expect_err(result_reveal_fj, &p, "{\"result\":\"ab\",\"task_id\":" TID "}",
               "payload.salt: missing");
    expect_err(result_reveal_fj, &p, "{\"result\":\"ab\",\"salt\":\"0707\",\"task_id\":" TID "}",
               "payload.salt: expected 64 hex characters");
    snprintf(text, sizeof text, "{\"extra\":1,\"result\":\"ab\",\"salt\":%s,\"task_id\":" TID "}",
             salt);
    expect_err(result_reveal_fj, &p, text, "payload: unknown field 'extra'");
    snprintf(text, sizeof text, "{\"result\":\"ab\",\"salt\":%s,\"task_id\":\"x\"}", salt);
    expect_err(result_reveal_fj, &p, text, "payload.task_id: not a UUID");

    /* the commitment: SHA256("cpc-exec-commit" | result | worker[20] | salt[32]) */
    uint8_t r[5], w[20], sl[32], c[32];
    memset(r, 0xab, 5);
    for (int i = 0; i < 20; i++)
        w[i] = (uint8_t)(i + 1);
    memset(sl, 7, 32);
    cpc_exec_commitment(c, r, 5, w, sl);
    char hex[65];
    cpc_hex_encode(hex, c, 32);
    assert_string_equal(hex, "d2a93cf1264880e8591f428592d059ab80a915ba9c96b6e5fce606f23710cfe1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_record),
        cmocka_unit_test(test_task_record),
        cmocka_unit_test(test_worker_record),
        cmocka_unit_test(test_worker_score),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_ids_and_seeds),
        cmocka_unit_test(test_lease),
        cmocka_unit_test(test_payload_job_create_cancel),
        cmocka_unit_test(test_payload_worker_register),
        cmocka_unit_test(test_payload_reveal),
        cmocka_unit_test(test_reveal_pack_merkle),
        cmocka_unit_test(test_payload_verdict),
        cmocka_unit_test(test_payload_result_reveal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
