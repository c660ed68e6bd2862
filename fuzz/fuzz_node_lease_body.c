/* fuzz_node_lease_body.c — the body parsers of the signed worker calls
 * POST /worker/lease and POST /worker/heartbeat (routes_worker.h), and the
 * scheduler's check of a heartbeat's progress object.
 *
 * Input: byte 0 even -> the rest is a lease body, odd -> a heartbeat body.
 * A heartbeat that parses goes to cpc_scheduler_heartbeat for a registered
 * worker that holds leases on the 4 tasks of one job (made once; a fixed
 * clock keeps them alive), so task-id keys of the progress object match.
 * Oracles (abort on failure): a parse either succeeds with every field in
 * range (uptime_s, gpus[] within the shared contract's bounds, unique GPU
 * indexes, the sample's mean load and max temperature in range) or fails with
 * CPC_ERR_INVALID, a message and no GPU kept; a heartbeat the
 * scheduler accepts or refuses never changes the worker's leases.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/market.h"
#include "core/state.h"
#include "market/routes_worker.h"
#include "market/scheduler.h"

static const uint8_t WORKER[CPC_ADDR_HASH_LEN] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                                 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                                 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
#define TASKS 4

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return 1700000000000ULL;
}

static void put_obj(struct cpc_state *st, const uint8_t *key, size_t klen, struct cpc_buf *b)
{
    if (cpc_state_obj_put(st, key, klen, b->data, b->len) != 0)
        abort();
    cpc_buf_free(b);
}

/* A scheduler with WORKER registered and holding leases on every task of one job. */
static struct cpc_scheduler *sched(void)
{
    static struct cpc_scheduler *s;
    if (s)
        return s;
    struct cpc_scheduler_opts o = {.clock_ms = fixed_clock};
    s = cpc_scheduler_new(&o);
    struct cpc_state *delta = cpc_state_new();
    if (!s || !delta)
        abort();
    struct cpc_worker w;
    memset(&w, 0, sizeof w);
    memcpy(w.addr, WORKER, sizeof WORKER);
    w.cpu_cores = 4;
    w.ram_gb = 8;
    w.locked = 4 * CPC_DEFAULT_MIN_WORKER_STAKE; /* a lease cap of 8: the 4 tasks */
    struct cpc_job j;
    memset(&j, 0, sizeof j);
    memset(j.id, 0x22, sizeof j.id);
    memset(j.creator, 0x33, sizeof j.creator);
    j.contract.kind = CPC_KIND_HASHPOW;
    j.contract.p.hashpow.bits = 4;
    j.contract.tasks = TASKS;
    j.contract.reward = 1000;
    j.contract.replication = 1;
    j.contract.deadline_blocks = 100;
    j.contract.priority = CPC_PRIORITY_NORMAL;
    j.contract.max_budget = 1000000;
    j.created_height = 1;
    j.status = CPC_JOB_ACTIVE;
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_worker_encode(&w, &b);
    put_obj(delta, key, cpc_key_worker(key, WORKER), &b);
    cpc_buf_init(&b);
    cpc_job_encode(&j, &b);
    put_obj(delta, key, cpc_key_job(key, j.id), &b);
    if (cpc_scheduler_on_block(s, delta, 1) != 0)
        abort();
    cpc_state_free(delta);
    struct cpc_sched_lease *l = NULL;
    size_t n = 0;
    uint64_t h = 0;
    if (cpc_scheduler_lease(s, WORKER, TASKS, false, &l, &n, &h, NULL, NULL) != 0 || n != TASKS)
        abort();
    free(l);
    return s;
}

static void lease_body(const uint8_t *body, size_t len)
{
    struct cpc_lease_req r;
    struct cpc_err err = {0};
    bool bad_json = false;
    int rc = cpc_worker_lease_parse(body, len, &r, &bad_json, &err);
    if (rc == 0) {
        if (r.max_tasks < 1 || r.max_tasks > CPC_SCHED_MAX_PER_CALL ||
            r.wait_ms > CPC_LEASE_MAX_WAIT_MS || bad_json)
            abort();
    } else if (rc != CPC_ERR_INVALID || err.code != rc || !err.msg[0]) {
        abort();
    }
}

/* A parsed heartbeat's uptime_s and gpus[] hold the contract's bounds; indexes are unique. */
static void machine_check(const struct cpc_hb_machine *m)
{
    uint64_t seen = 0;
    if (m->n_gpus > CPC_HB_GPUS_MAX || (!m->has_uptime && m->uptime_s))
        abort();
    for (size_t i = 0; i < m->n_gpus; i++) {
        const struct cpc_hb_gpu *g = &m->gpus[i];
        size_t n = strnlen(g->name, sizeof g->name);
        if (g->index > CPC_HB_GPU_INDEX_MAX || (seen & (1ULL << g->index)) || !(g->load >= 0) ||
            !(g->load <= 100) || !(g->temp_c >= -100) || !(g->temp_c <= 300) ||
            n > CPC_HB_GPU_NAME_MAX ||
            strspn(g->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789_ .-") != n)
            abort();
        seen |= 1ULL << g->index;
    }
    double load = cpc_hb_machine_gpu_load(m, 0), temp = cpc_hb_machine_gpu_temp(m, 0);
    if (!(load >= 0 && load <= 100) || !(temp >= -100 && temp <= 300))
        abort();
}

static void heartbeat_body(const uint8_t *body, size_t len)
{
    struct cpc_scheduler *s = sched();
    struct cpc_heartbeat_req r;
    struct cpc_err err = {0};
    bool bad_json = false;
    int rc = cpc_worker_heartbeat_parse(body, len, &r, &bad_json, &err);
    if (rc != 0) {
        if (rc != CPC_ERR_INVALID || err.code != rc || !err.msg[0] || r.progress ||
            r.machine.n_gpus)
            abort();
        return;
    }
    machine_check(&r.machine);
    if (bad_json || !(r.load.cpu_load >= 0) || !(r.load.gpu_load >= 0) ||
        !(r.load.gpu_temp_c >= -100) || !(r.load.gpu_temp_c <= 300) ||
        !memchr(r.load.matmul_backend, 0, CPC_SCHED_BACKEND_MAX + 1) ||
        strspn(r.load.matmul_backend, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_ .-") != strlen(r.load.matmul_backend))
        abort();
    size_t n_leases = 0;
    memset(&err, 0, sizeof err);
    rc = cpc_scheduler_heartbeat(s, WORKER, r.progress, &r.load, &n_leases, &err);
    if (rc == 0 ? n_leases != TASKS : (rc != CPC_ERR_INVALID || !err.msg[0]))
        abort();
    struct cpc_sched_stats st;
    cpc_scheduler_stats(s, &st);
    if (st.leases != TASKS || st.workers != 1 || st.jobs != 1)
        abort();
    cpc_worker_heartbeat_req_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        heartbeat_body(data + 1, size - 1);
    else
        lease_body(data + 1, size - 1);
    return 0;
}
