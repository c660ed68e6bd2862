/* test_node_scheduler.c — the pure scheduler (src/market/scheduler.c) against
 * hand-made job/task/worker records, a fake clock and explicit block
 * heights: queue order, requirement matching, lease expiry and reissue,
 * distinct replicas, per-job and per-worker limits, reputation order of
 * long-poll waiters, heartbeat timeouts, rebuild and the JSON views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/market.h"
#include "core/state.h"
#include "core/uuid.h"
#include "market/scheduler.h"

/* The default params.min_worker_stake (10 CPC), which the scheduler uses when
 * its opts leave min_worker_stake 0. */
#define MIN_STAKE 10000000000ULL

static uint64_t fake_now;
static uint64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

static struct cpc_scheduler *mk(uint32_t lease_blocks, uint32_t job_par, uint32_t worker_max)
{
    struct cpc_scheduler_opts o = {.lease_blocks = lease_blocks,
                                   .job_parallelism = job_par,
                                   .worker_max_leases = worker_max,
                                   .clock_ms = fake_clock};
    fake_now = 1000000;
    struct cpc_scheduler *s = cpc_scheduler_new(&o);
    assert_non_null(s);
    return s;
}

static struct cpc_job job(uint8_t tag, enum cpc_priority prio, uint64_t created, uint32_t tasks)
{
    struct cpc_job j;
    memset(&j, 0, sizeof j);
    memset(j.id, tag, 32);
    j.creator[0] = 0x77;
    j.contract.kind = CPC_KIND_HASHPOW;
    j.contract.p.hashpow.bits = 8;
    j.contract.tasks = tasks;
    j.contract.reward = 100;
    j.contract.replication = 1;
    j.contract.deadline_blocks = 1000;
    j.contract.priority = prio;
    j.contract.max_budget = 1000000000;
    memset(j.seed, tag ^ 0x5a, 32);
    j.created_height = created;
    j.status = CPC_JOB_ACTIVE;
    return j;
}

static struct cpc_job exec_job(uint8_t tag, uint32_t tasks, uint8_t replication)
{
    struct cpc_job j = job(tag, CPC_PRIORITY_NORMAL, 1, tasks);
    j.contract.kind = CPC_KIND_EXEC;
    memset(j.contract.p.exec.app, 0xaa, 32);
    j.contract.p.exec.timeout_s = 10;
    j.contract.p.exec.memory_mb = 64;
    j.contract.replication = replication;
    return j;
}

static struct cpc_worker worker(uint8_t tag, const char *gpu, uint32_t vram, uint32_t cores)
{
    struct cpc_worker w;
    memset(&w, 0, sizeof w);
    memset(w.addr, tag, CPC_ADDR_HASH_LEN);
    snprintf(w.gpu_model, sizeof w.gpu_model, "%s", gpu);
    w.vram_gb = vram;
    w.cpu_cores = cores;
    w.ram_gb = 16;
    w.registered_height = 1;
    w.locked = 4096 * MIN_STAKE; /* stake never the limit here */
    return w;
}

static void put_job(struct cpc_state *st, const struct cpc_job *j)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_job_encode(j, &b);
    size_t kl = cpc_key_job(key, j->id);
    assert_int_equal(cpc_state_obj_put(st, key, kl, b.data, b.len), 0);
    cpc_buf_free(&b);
}

static void put_worker(struct cpc_state *st, const struct cpc_worker *w)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_worker_encode(w, &b);
    size_t kl = cpc_key_worker(key, w->addr);
    assert_int_equal(cpc_state_obj_put(st, key, kl, b.data, b.len), 0);
    cpc_buf_free(&b);
}

static struct cpc_task task(const struct cpc_job *j, uint32_t index, uint8_t status)
{
    struct cpc_task t;
    memset(&t, 0, sizeof t);
    cpc_task_id(t.id, j->id, index);
    memcpy(t.job_id, j->id, 32);
    t.index = index;
    t.status = status;
    return t;
}

static void add_result(struct cpc_task *t, const struct cpc_worker *w)
{
    struct cpc_task_result *r = &t->results[t->n_results++];
    memcpy(r->worker, w->addr, CPC_ADDR_HASH_LEN);
    memset(r->hash, 0x11, 32);
    r->hash_len = 32;
}

static void put_task(struct cpc_state *st, const struct cpc_task *t)
{
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_task_encode(t, &b);
    size_t kl = cpc_key_task(key, t->id);
    assert_int_equal(cpc_state_obj_put(st, key, kl, b.data, b.len), 0);
    cpc_buf_free(&b);
}

/* Apply a block at height whose delta holds the given jobs and workers. */
static void block(struct cpc_scheduler *s, uint64_t height, const struct cpc_job *jobs, size_t nj,
                  const struct cpc_worker *ws, size_t nw)
{
    struct cpc_state *d = cpc_state_new();
    for (size_t i = 0; i < nj; i++)
        put_job(d, &jobs[i]);
    for (size_t i = 0; i < nw; i++)
        put_worker(d, &ws[i]);
    assert_int_equal(cpc_scheduler_on_block(s, d, height), 0);
    cpc_state_free(d);
}

static void block_task(struct cpc_scheduler *s, uint64_t height, const struct cpc_task *t)
{
    struct cpc_state *d = cpc_state_new();
    put_task(d, t);
    assert_int_equal(cpc_scheduler_on_block(s, d, height), 0);
    cpc_state_free(d);
}

/* Lease up to max; returns the count and copies the leases to out (may be NULL). */
static size_t lease(struct cpc_scheduler *s, const struct cpc_worker *w, uint32_t max,
                    struct cpc_sched_lease *out)
{
    struct cpc_sched_lease *l = NULL;
    size_t n = 0;
    uint64_t h = 0, waiter = 1;
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_lease(s, w->addr, max, false, &l, &n, &h, &waiter, &err), 0);
    assert_int_equal(waiter, 0);
    if (out && n)
        memcpy(out, l, n * sizeof *l);
    free(l);
    return n;
}

static void test_unregistered(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 0);
    struct cpc_worker w = worker(1, "", 0, 4);
    struct cpc_sched_lease *l = NULL;
    size_t n = 9;
    uint64_t h, waiter;
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_lease(s, w.addr, 1, true, &l, &n, &h, &waiter, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "register first with WORKER_REGISTER");
    assert_int_equal(n, 0);
    assert_null(l);
    assert_int_equal(cpc_scheduler_heartbeat(s, w.addr, NULL, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    block(s, 1, NULL, 0, &w, 1);
    assert_int_equal(cpc_scheduler_lease(s, w.addr, 0, false, &l, &n, &h, &waiter, &err),
                     CPC_ERR_INVALID);
    assert_int_equal(cpc_scheduler_lease(s, w.addr, 65, false, &l, &n, &h, &waiter, &err),
                     CPC_ERR_INVALID);
    assert_int_equal(lease(s, &w, 1, NULL), 0); /* registered, but no job */
    cpc_scheduler_free(s);
}

static void test_priority_order(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 64);
    struct cpc_job jobs[4] = {job(1, CPC_PRIORITY_LOW, 1, 1), job(2, CPC_PRIORITY_HIGH, 5, 2),
                              job(3, CPC_PRIORITY_NORMAL, 2, 1), job(4, CPC_PRIORITY_HIGH, 3, 1)};
    struct cpc_worker w = worker(9, "", 0, 4);
    block(s, 10, jobs, 4, &w, 1);
    struct cpc_sched_lease got[8];
    assert_int_equal(lease(s, &w, 8, got), 5);
    /* high (created 3), high (created 5) x2 in index order, normal, low */
    const uint8_t want_tag[5] = {4, 2, 2, 3, 1};
    const uint32_t want_idx[5] = {0, 0, 1, 0, 0};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(got[i].job_id[0], want_tag[i]);
        assert_int_equal(got[i].index, want_idx[i]);
        assert_int_equal(got[i].expires, 10 + 30); /* default lease_blocks */
        uint8_t tid[16];
        cpc_task_id(tid, got[i].job_id, got[i].index);
        assert_memory_equal(got[i].task_id, tid, 16);
        assert_int_equal(got[i].contract.kind, CPC_KIND_HASHPOW);
        uint8_t seed[32];
        cpc_hashpow_task_seed(seed, jobs[want_tag[i] - 1].seed, got[i].index);
        assert_memory_equal(got[i].seed, seed, 32);
    }
    assert_int_equal(lease(s, &w, 8, NULL), 0); /* everything is leased */
    struct cpc_sched_stats st;
    cpc_scheduler_stats(s, &st);
    assert_int_equal(st.jobs, 4);
    assert_int_equal(st.leases, 5);
    assert_int_equal(st.height, 10);
    cpc_scheduler_free(s);
}

static void test_matching(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 0);
    struct cpc_job j = job(1, CPC_PRIORITY_NORMAL, 1, 3);
    snprintf(j.contract.req.gpu_model, sizeof j.contract.req.gpu_model, "A100");
    j.contract.req.min_vram_gb = 40;
    j.contract.req.min_cpu_cores = 8;
    struct cpc_worker ws[4] = {worker(1, "RTX4090", 80, 16), worker(2, "A100", 24, 16),
                               worker(3, "A100", 80, 4), worker(4, "a100", 80, 8)};
    block(s, 1, &j, 1, ws, 4);
    assert_int_equal(lease(s, &ws[0], 1, NULL), 0); /* wrong model */
    assert_int_equal(lease(s, &ws[1], 1, NULL), 0); /* too little VRAM */
    assert_int_equal(lease(s, &ws[2], 1, NULL), 0); /* too few cores */
    assert_int_equal(lease(s, &ws[3], 3, NULL), 3); /* model compared case-insensitively */
    cpc_scheduler_free(s);
}

static void test_expiry_reissue(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(5, 0, 0);
    struct cpc_job j = job(1, CPC_PRIORITY_NORMAL, 1, 1);
    struct cpc_worker ws[2] = {worker(1, "", 0, 4), worker(2, "", 0, 4)};
    block(s, 10, &j, 1, ws, 2);
    struct cpc_sched_lease l;
    assert_int_equal(lease(s, &ws[0], 1, &l), 1);
    assert_int_equal(l.expires, 15);
    block(s, 14, NULL, 0, NULL, 0);
    assert_int_equal(lease(s, &ws[1], 1, NULL), 0); /* still held */
    block(s, 15, NULL, 0, NULL, 0);                 /* expires <= height: dropped */
    assert_int_equal(lease(s, &ws[1], 1, &l), 1);   /* failover */
    assert_int_equal(l.index, 0);
    assert_int_equal(l.expires, 20);
    /* the result of worker 2 lands: done, nothing left */
    struct cpc_task t = task(&j, 0, CPC_TASK_DONE);
    add_result(&t, &ws[1]);
    block_task(s, 16, &t);
    block(s, 30, NULL, 0, NULL, 0);
    assert_int_equal(lease(s, &ws[0], 1, NULL), 0);
    struct cpc_sched_stats st;
    cpc_scheduler_stats(s, &st);
    assert_int_equal(st.leases, 0);
    cpc_scheduler_free(s);
}

/* A rejected result bumps the task's attempts on chain: the lease it used is
 * spent and the task goes to another worker at once, not at lease expiry. */
static void test_rejection_reissues(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(30, 0, 0);
    struct cpc_job j = job(1, CPC_PRIORITY_NORMAL, 1, 1);
    struct cpc_worker ws[2] = {worker(1, "", 0, 4), worker(2, "", 0, 4)};
    block(s, 10, &j, 1, ws, 2);
    assert_int_equal(lease(s, &ws[0], 1, NULL), 1);
    assert_int_equal(lease(s, &ws[1], 1, NULL), 0); /* held by worker 1 */
    struct cpc_task t = task(&j, 0, CPC_TASK_OPEN);
    t.attempts = 1; /* worker 1's result was rejected in block 11 */
    block_task(s, 11, &t);
    assert_int_equal(lease(s, &ws[1], 1, NULL), 1);
    /* the same record again (no new rejection) leaves the new lease alone */
    block_task(s, 12, &t);
    assert_int_equal(lease(s, &ws[0], 1, NULL), 0);
    cpc_scheduler_free(s);
}

static void test_distinct_replicas(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 0);
    struct cpc_job j = exec_job(1, 1, 3);
    struct cpc_worker ws[4] = {worker(1, "", 0, 4), worker(2, "", 0, 4), worker(3, "", 0, 4),
                               worker(4, "", 0, 4)};
    block(s, 1, &j, 1, ws, 4);
    assert_int_equal(lease(s, &ws[0], 8, NULL), 1); /* never two leases of one task */
    assert_int_equal(lease(s, &ws[0], 8, NULL), 0);
    assert_int_equal(lease(s, &ws[1], 8, NULL), 1);
    assert_int_equal(lease(s, &ws[2], 8, NULL), 1);
    assert_int_equal(lease(s, &ws[3], 8, NULL), 0); /* 3 replicas out */
    /* worker 1 submits: its lease is fulfilled, it may not take the task again */
    struct cpc_task t = task(&j, 0, CPC_TASK_OPEN);
    add_result(&t, &ws[0]);
    block_task(s, 2, &t);
    struct cpc_sched_stats st;
    cpc_scheduler_stats(s, &st);
    assert_int_equal(st.leases, 2);
    assert_int_equal(lease(s, &ws[0], 8, NULL), 0);
    assert_int_equal(lease(s, &ws[3], 8, NULL), 0); /* 1 result + 2 leases */
    /* worker 3 goes silent; its lease is released and worker 4 (not 1) gets it */
    fake_now += 20000;
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_heartbeat(s, ws[1].addr, NULL, NULL, NULL, &err), 0);
    fake_now += 15000;
    cpc_scheduler_tick(s);
    cpc_scheduler_stats(s, &st);
    assert_int_equal(st.leases, 1); /* worker 2 kept its lease (heartbeat 15 s ago) */
    assert_int_equal(lease(s, &ws[0], 8, NULL), 0);
    assert_int_equal(lease(s, &ws[3], 8, NULL), 1);
    cpc_scheduler_free(s);
}

static void test_limits(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 3, 2);
    struct cpc_job jobs[2] = {job(1, CPC_PRIORITY_HIGH, 1, 10), job(2, CPC_PRIORITY_LOW, 1, 10)};
    struct cpc_worker ws[3] = {worker(1, "", 0, 4), worker(2, "", 0, 4), worker(3, "", 0, 4)};
    block(s, 1, jobs, 2, ws, 3);
    struct cpc_sched_lease got[8];
    assert_int_equal(lease(s, &ws[0], 8, got), 2); /* per-worker limit */
    assert_int_equal(lease(s, &ws[0], 8, NULL), 0);
    assert_int_equal(lease(s, &ws[1], 8, got), 2);
    /* job 1 reaches its limit of 3 leases; the rest spills into job 2 */
    assert_int_equal(got[0].job_id[0], 1);
    assert_int_equal(got[0].index, 2);
    assert_int_equal(got[1].job_id[0], 2);
    assert_int_equal(got[1].index, 0);
    assert_int_equal(lease(s, &ws[2], 8, got), 2);
    assert_int_equal(got[0].job_id[0], 2);
    assert_int_equal(got[0].index, 1);
    assert_int_equal(got[1].job_id[0], 2);
    assert_int_equal(got[1].index, 2);
    json_t *r = cpc_scheduler_job_resources(s, jobs[0].id);
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "leases")), 3);
    assert_true(json_is_true(json_object_get(r, "scheduled")));
    assert_int_equal(json_array_size(json_object_get(r, "workers")), 2);
    json_decref(r);
    cpc_scheduler_free(s);
}

/* Leases the worker gets when it asks for as many as it can, or -code when
 * the call is refused. */
static long lease_all(struct cpc_scheduler *s, const struct cpc_worker *w)
{
    struct cpc_sched_lease *l = NULL;
    size_t n = 0;
    uint64_t h = 0, waiter = 0;
    struct cpc_err err = {0};
    int rc = cpc_scheduler_lease(s, w->addr, 64, false, &l, &n, &h, &waiter, &err);
    free(l);
    return rc ? -(long)-rc : (long)n;
}

/* A worker's live-lease cap grows with its locked stake (in units of the
 * minimum) and its record (accepted results, score), up to worker_max_leases;
 * with no stake, or less than the minimum, it gets no lease at all. */
static void test_lease_cap_grows_with_stake_and_reputation(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 1000, 64);
    struct cpc_job j = job(1, CPC_PRIORITY_NORMAL, 1, 1000);
    struct cpc_worker ws[7];
    for (int i = 0; i < 7; i++)
        ws[i] = worker((uint8_t)(10 + i), "", 0, 4);
    ws[0].locked = 0;
    ws[1].locked = MIN_STAKE - 1;
    ws[2].locked = MIN_STAKE;          /* fresh, the minimum: 2 */
    ws[3].locked = 4 * MIN_STAKE;      /* 4 units: 8 */
    ws[4].locked = MIN_STAKE;
    ws[4].accepted = 7;                /* trust 1 + log2(8) = 4: 8 */
    ws[5].locked = MIN_STAKE;
    ws[5].accepted = 7;
    ws[5].rejected = 2;                /* score 8000 / 16 = 500: 4 */
    ws[6].locked = 1000 * MIN_STAKE;   /* far above: the node's cap, 64 */
    block(s, 1, &j, 1, ws, 7);
    assert_int_equal(lease_all(s, &ws[0]), -(long)-CPC_ERR_INSUFFICIENT_STAKE);
    assert_int_equal(lease_all(s, &ws[1]), -(long)-CPC_ERR_INSUFFICIENT_STAKE);
    assert_int_equal(lease_all(s, &ws[2]), 2);
    assert_int_equal(lease_all(s, &ws[2]), 0); /* at its cap */
    assert_int_equal(lease_all(s, &ws[3]), 8);
    assert_int_equal(lease_all(s, &ws[4]), 8);
    assert_int_equal(lease_all(s, &ws[5]), 4);
    assert_int_equal(lease_all(s, &ws[6]), 64);
    /* more stake, more leases: the fresh worker tops up to 3 units */
    ws[2].locked = 3 * MIN_STAKE;
    block(s, 2, NULL, 0, &ws[2], 1);
    assert_int_equal(lease_all(s, &ws[2]), 4); /* 6, of which it holds 2 */
    /* slashed below the minimum: its leases are taken back, none are given */
    struct cpc_sched_stats st0, st1;
    cpc_scheduler_stats(s, &st0);
    ws[3].locked = MIN_STAKE - 1;
    block(s, 3, NULL, 0, &ws[3], 1);
    cpc_scheduler_stats(s, &st1);
    assert_int_equal(st1.leases, st0.leases - 8);
    assert_int_equal(lease_all(s, &ws[3]), -(long)-CPC_ERR_INSUFFICIENT_STAKE);
    cpc_scheduler_free(s);
}

/* A deregistering worker gets no new lease, keeps those it holds (the chain
 * still takes their results), and leases again once it registers anew. */
static void test_deregistering_worker_gets_no_lease(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 8);
    struct cpc_job j = job(1, CPC_PRIORITY_NORMAL, 1, 100);
    struct cpc_worker w = worker(1, "", 0, 4);
    block(s, 1, &j, 1, &w, 1);
    assert_int_equal(lease(s, &w, 3, NULL), 3);
    w.unbonding_since = 2;
    block(s, 2, NULL, 0, &w, 1);
    struct cpc_sched_lease *l = NULL;
    size_t n = 9;
    uint64_t h = 0, waiter = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_lease(s, w.addr, 1, true, &l, &n, &h, &waiter, &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "deregistering"));
    assert_int_equal(n, 0);
    assert_int_equal(waiter, 0); /* no long-poll either */
    size_t held = 0;
    assert_int_equal(cpc_scheduler_heartbeat(s, w.addr, NULL, NULL, &held, &err), 0);
    assert_int_equal(held, 3);
    json_t *v = cpc_scheduler_worker_status(s, w.addr);
    assert_int_equal(json_integer_value(json_object_get(v, "lease_cap")), 0);
    json_decref(v);
    w.unbonding_since = 0; /* WORKER_REGISTER again */
    block(s, 3, NULL, 0, &w, 1);
    assert_int_equal(lease(s, &w, 8, NULL), 5);
    cpc_scheduler_free(s);
}

static void notify_cb(void *arg) { (*(int *)arg)++; }

static void test_reputation(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 0);
    int notified = 0;
    cpc_scheduler_set_notify(s, notify_cb, &notified);
    struct cpc_worker bad = worker(1, "", 0, 4), good = worker(2, "", 0, 4);
    bad.accepted = 2;
    bad.rejected = 5; /* score 3000/23 = 130 */
    good.accepted = 50;
    assert_true(cpc_worker_score(&bad) < 500);
    struct cpc_worker ws[2] = {bad, good};
    block(s, 1, NULL, 0, ws, 2);
    /* both wait; the bad one registered first */
    struct cpc_sched_lease *l = NULL;
    size_t n = 0;
    uint64_t h = 0, w_bad = 0, w_good = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_lease(s, bad.addr, 4, true, &l, &n, &h, &w_bad, &err), 0);
    assert_int_equal(cpc_scheduler_lease(s, good.addr, 4, true, &l, &n, &h, &w_good, &err), 0);
    assert_true(w_bad != 0 && w_good != 0 && w_bad != w_good);
    assert_int_equal(cpc_scheduler_collect(s, w_good, &l, &n, &h), 0);
    assert_int_equal(n, 0);
    struct cpc_job j = job(7, CPC_PRIORITY_NORMAL, 2, 1);
    block(s, 2, &j, 1, NULL, 0);
    assert_int_equal(notified, 1);
    assert_int_equal(cpc_scheduler_collect(s, w_bad, &l, &n, &h), 0);
    assert_int_equal(n, 0); /* the only task went to the better worker */
    assert_int_equal(cpc_scheduler_collect(s, w_good, &l, &n, &h), 0);
    assert_int_equal(n, 1);
    assert_int_equal(h, 2);
    assert_int_equal(l[0].job_id[0], 7);
    free(l);
    assert_int_equal(cpc_scheduler_collect(s, w_good, &l, &n, &h), CPC_ERR_NOT_FOUND);
    /* a low-score worker gets at most one task per call */
    struct cpc_job big = job(8, CPC_PRIORITY_NORMAL, 3, 10);
    block(s, 3, &big, 1, NULL, 0);
    assert_int_equal(cpc_scheduler_collect(s, w_bad, &l, &n, &h), 0);
    assert_int_equal(n, 1); /* the waiter asked for 4 */
    free(l);
    assert_int_equal(lease(s, &bad, 8, NULL), 1);
    assert_int_equal(lease(s, &good, 8, NULL), 7); /* it holds 1 of its 8 already */
    cpc_scheduler_free(s);
}

static void test_cancel_releases(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 0);
    struct cpc_worker ws[2] = {worker(1, "", 0, 4), worker(2, "", 0, 4)};
    block(s, 1, NULL, 0, ws, 2);
    struct cpc_sched_lease *l = NULL;
    size_t n = 0;
    uint64_t h = 0, wt = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_lease(s, ws[0].addr, 2, true, &l, &n, &h, &wt, &err), 0);
    struct cpc_job j = job(3, CPC_PRIORITY_NORMAL, 2, 2);
    block(s, 2, &j, 1, NULL, 0);
    assert_int_equal(lease(s, &ws[1], 2, NULL), 0); /* both went to the waiter's mailbox */
    cpc_scheduler_cancel(s, wt);                    /* the long-poll died: give them back */
    assert_int_equal(lease(s, &ws[1], 2, NULL), 2);
    cpc_scheduler_cancel(s, 12345); /* unknown: no-op */
    cpc_scheduler_free(s);
}

static void test_job_end_and_tombstone(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 0);
    struct cpc_job j = job(1, CPC_PRIORITY_NORMAL, 1, 4);
    struct cpc_worker w = worker(1, "", 0, 4);
    block(s, 1, &j, 1, &w, 1);
    assert_int_equal(lease(s, &w, 2, NULL), 2);
    /* a COMMITTED task (matmul waiting for REVEAL) is not leasable */
    struct cpc_task t = task(&j, 2, CPC_TASK_COMMITTED);
    memcpy(t.worker, w.addr, CPC_ADDR_HASH_LEN);
    block_task(s, 2, &t);
    struct cpc_sched_lease got[4];
    assert_int_equal(lease(s, &w, 4, got), 1);
    assert_int_equal(got[0].index, 3);
    /* cancelled job: its leases go away */
    j.status = CPC_JOB_CANCELLED;
    block(s, 3, &j, 1, NULL, 0);
    struct cpc_sched_stats st;
    cpc_scheduler_stats(s, &st);
    assert_int_equal(st.jobs, 0);
    assert_int_equal(st.leases, 0);
    json_t *r = cpc_scheduler_job_resources(s, j.id);
    assert_true(json_is_false(json_object_get(r, "scheduled")));
    json_decref(r);
    /* a worker record deleted (tombstone in an overlay delta) */
    struct cpc_state *base = cpc_state_new();
    struct cpc_overlay ov;
    assert_int_equal(cpc_overlay_init(&ov, base, NULL), 0);
    uint8_t key[CPC_KEY_MAX];
    size_t kl = cpc_key_worker(key, w.addr);
    assert_int_equal(cpc_overlay_obj_del(&ov, key, kl), 0);
    assert_int_equal(cpc_scheduler_on_block(s, ov.delta, 4), 0);
    cpc_overlay_free(&ov);
    cpc_state_free(base);
    cpc_scheduler_stats(s, &st);
    assert_int_equal(st.workers, 0);
    cpc_scheduler_free(s);
}

static void test_rebuild_and_views(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 0, 0);
    struct cpc_state *st = cpc_state_new();
    struct cpc_job a = job(1, CPC_PRIORITY_NORMAL, 1, 3), done = job(2, CPC_PRIORITY_HIGH, 1, 3);
    done.status = CPC_JOB_COMPLETED;
    put_job(st, &a);
    put_job(st, &done);
    struct cpc_task t0 = task(&a, 0, CPC_TASK_DONE);
    put_task(st, &t0);
    struct cpc_worker w = worker(5, "H100", 80, 32);
    put_worker(st, &w);
    uint8_t junk_key[3] = {'Z', 1, 2};
    assert_int_equal(cpc_state_obj_put(st, junk_key, 3, (const uint8_t *)"x", 1), 0);
    struct cpc_err err = {0};
    assert_int_equal(cpc_scheduler_rebuild(s, st, 42, &err), 0);
    struct cpc_sched_stats ss;
    cpc_scheduler_stats(s, &ss);
    assert_int_equal(ss.jobs, 1);
    assert_int_equal(ss.workers, 1);
    assert_int_equal(ss.height, 42);
    struct cpc_sched_lease got[2];
    assert_int_equal(lease(s, &w, 1, got), 1);
    assert_int_equal(got[0].job_id[0], 1);
    assert_int_equal(got[0].index, 1); /* task 0 is done */
    assert_int_equal(got[0].expires, 72);

    /* heartbeat with progress, then the status view */
    char tid[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(tid, got[0].task_id);
    json_t *prog = json_pack("{s:i}", tid, 40);
    struct cpc_sched_load load = {.cpu_load = 0.5, .gpu_load = 0.25, .gpu_temp_c = 61,
                                  .ram_used_mb = 2048};
    size_t nl = 0;
    assert_int_equal(cpc_scheduler_heartbeat(s, w.addr, prog, &load, &nl, &err), 0);
    assert_int_equal(nl, 1);
    json_decref(prog);
    prog = json_pack("{s:i}", "not-a-uuid", 40);
    assert_int_equal(cpc_scheduler_heartbeat(s, w.addr, prog, &load, &nl, &err), CPC_ERR_INVALID);
    json_decref(prog);
    json_t *v = cpc_scheduler_worker_status(s, w.addr);
    assert_true(json_is_true(json_object_get(v, "registered")));
    assert_true(json_is_true(json_object_get(v, "online")));
    json_t *l0 = json_array_get(json_object_get(v, "leases"), 0);
    assert_string_equal(json_string_value(json_object_get(l0, "task_id")), tid);
    assert_int_equal(json_integer_value(json_object_get(l0, "progress")), 40);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "load"), "ram_used_mb")),
                     2048);
    json_decref(v);
    uint8_t jid[32];
    uint32_t idx = 0;
    assert_int_equal(cpc_scheduler_find_task(s, got[0].task_id, jid, &idx), 0);
    assert_int_equal(idx, 1);
    assert_memory_equal(jid, a.id, 32);
    fake_now += 31000;
    v = cpc_scheduler_worker_status(s, w.addr);
    assert_true(json_is_false(json_object_get(v, "online")));
    json_decref(v);

    /* a corrupt record fails the rebuild with the key named */
    uint8_t key[CPC_KEY_MAX];
    size_t kl = cpc_key_job(key, a.id);
    assert_int_equal(cpc_state_obj_put(st, key, kl, (const uint8_t *)"bad", 3), 0);
    assert_int_not_equal(cpc_scheduler_rebuild(s, st, 43, &err), 0);
    assert_non_null(strstr(err.msg, "scheduler: object 4a0101"));
    cpc_state_free(st);
    cpc_scheduler_free(s);
}

static void test_many_workers_many_tasks(void **state)
{
    (void)state;
    struct cpc_scheduler *s = mk(0, 100000, 64);
    struct cpc_job j = job(1, CPC_PRIORITY_NORMAL, 1, 5000);
    struct cpc_worker ws[40];
    for (int i = 0; i < 40; i++)
        ws[i] = worker((uint8_t)(i + 1), "", 0, 4);
    block(s, 1, &j, 1, ws, 40);
    size_t total = 0;
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < 40; i++)
            total += lease(s, &ws[i], 64, NULL);
    assert_int_equal(total, 40 * 64); /* per-worker limit bounds it */
    struct cpc_sched_stats st;
    cpc_scheduler_stats(s, &st);
    assert_int_equal(st.leases, 2560);
    /* every lease expires at once; the next round starts from index 0 again */
    block(s, 31, NULL, 0, NULL, 0);
    struct cpc_sched_lease got[1];
    assert_int_equal(lease(s, &ws[0], 1, got), 1);
    assert_int_equal(got[0].index, 0);
    cpc_scheduler_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unregistered),
        cmocka_unit_test(test_priority_order),
        cmocka_unit_test(test_matching),
        cmocka_unit_test(test_expiry_reissue),
        cmocka_unit_test(test_rejection_reissues),
        cmocka_unit_test(test_distinct_replicas),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_lease_cap_grows_with_stake_and_reputation),
        cmocka_unit_test(test_deregistering_worker_gets_no_lease),
        cmocka_unit_test(test_reputation),
        cmocka_unit_test(test_cancel_releases),
        cmocka_unit_test(test_job_end_and_tombstone),
        cmocka_unit_test(test_rebuild_and_views),
        cmocka_unit_test(test_many_workers_many_tasks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
