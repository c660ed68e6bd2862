/* routes_marketplace_views.c — the Marketplace's cluster-wide views
 * (routes_marketplace.h): GET /marketplace/cluster/status (workers, leases,
 * open tasks by kind, from one walk over the committed state),
 * GET /marketplace/pricing (the tier table of market_quote.h) and
 * GET /marketplace/queue (open tasks in the scheduler's order, bounded scan).
 */
#include <stdlib.h>
#include <string.h>

#include "../core/market.h"
#include "../core/state.h"
#include "../core/uuid.h"
#include "market_quote.h"
#include "../node/node.h"
#include "routes_marketplace.h"
#include "routes_marketplace_internal.h"
#include "scheduler.h"

#define QUEUE_SCAN_MAX 100000  /* task lookups per queue answer */
#define CLUSTER_ONLINE_MAX 10000

struct qjob {
    uint8_t id[32];
    uint8_t priority;
    uint64_t created;
    uint32_t tasks;
    enum cpc_job_kind kind;
    uint64_t reward;
};

struct walk {
    struct qjob *jobs;
    size_t n, cap;
    uint64_t open_by_kind[CPC_KIND_EXEC + 1];
    size_t workers;
    uint8_t (*waddr)[CPC_ADDR_HASH_LEN];
    size_t n_waddr;
    int failed;
};

static int on_obj(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                  int tombstone, void *arg)
{
    struct walk *w = arg;
    if (tombstone || klen < 1)
        return 0;
    if (key[0] == CPC_KEY_WORKER && klen == 1 + CPC_ADDR_HASH_LEN) {
        if (w->waddr && w->n_waddr < CLUSTER_ONLINE_MAX)
            memcpy(w->waddr[w->n_waddr++], key + 1, CPC_ADDR_HASH_LEN);
        w->workers++;
        return 0;
    }
    if (key[0] != CPC_KEY_JOB)
        return 0;
    struct cpc_job j;
    if (cpc_job_decode(&j, val, vlen, NULL) != 0 || j.status != CPC_JOB_ACTIVE)
        return 0;
    uint64_t open = j.contract.tasks;
    open -= j.tasks_done < open ? j.tasks_done : open;
    open -= j.tasks_committed < open ? j.tasks_committed : open;
    if ((int)j.contract.kind >= 0 && j.contract.kind <= CPC_KIND_EXEC)
        w->open_by_kind[j.contract.kind] += open;
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 64;
        struct qjob *nj = realloc(w->jobs, nc * sizeof *nj);
        if (!nj) {
            w->failed = 1;
            return 1;
        }
        w->jobs = nj;
        w->cap = nc;
    }
    struct qjob *q = &w->jobs[w->n++];
    memcpy(q->id, j.id, 32);
    q->priority = (uint8_t)j.contract.priority;
    q->created = j.created_height;
    q->tasks = j.contract.tasks;
    q->kind = j.contract.kind;
    q->reward = j.contract.reward;
    return 0;
}

/* Walk the committed objects once under the read lock. */
static int walk_state(struct cpc_node *n, struct walk *w, uint64_t *height)
{
    struct cpc_node_view v;
    cpc_node_view_begin(n, &v);
    *height = v.latest.height;
    cpc_state_obj_foreach(v.state, on_obj, w);
    cpc_node_view_end(n, &v);
    return w->failed ? -1 : 0;
}

void cpc_h_mp_cluster_status(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = ((struct cpc_node *)req->app);
    struct walk w;
    memset(&w, 0, sizeof w);
    w.waddr = malloc(CLUSTER_ONLINE_MAX * sizeof *w.waddr);
    uint64_t height = 0;
    if (!w.waddr || walk_state(n, &w, &height) != 0) {
        free(w.jobs);
        free(w.waddr);
        return cpc__mp_oom(res);
    }
    size_t online = 0;
    for (size_t i = 0; i < w.n_waddr; i++) {
        json_t *st = cpc_scheduler_worker_status(n->scheduler, w.waddr[i]);
        online += json_is_true(json_object_get(st, "online"));
        json_decref(st);
    }
    struct cpc_sched_stats ss;
    cpc_scheduler_stats(n->scheduler, &ss);
    json_t *open = json_object();
    uint64_t total_open = 0;
    for (int k = CPC_KIND_HASHPOW; open && k <= CPC_KIND_EXEC; k++) {
        json_object_set_new(open, cpc_kind_name((enum cpc_job_kind)k),
                            json_integer((json_int_t)w.open_by_kind[k]));
        total_open += w.open_by_kind[k];
    }
    json_t *o = json_pack("{s:I, s:{s:I, s:I, s:b}, s:I, s:I, s:I, s:o, s:I}", "height",
                          (json_int_t)height, "workers", "registered", (json_int_t)w.workers,
                          "online", (json_int_t)online, "online_counted_all",
                          w.workers <= CLUSTER_ONLINE_MAX, "leases", (json_int_t)ss.leases,
                          "waiting_workers", (json_int_t)ss.waiters, "jobs_active",
                          (json_int_t)w.n, "open_tasks_by_kind", open, "open_tasks",
                          (json_int_t)total_open);
    free(w.jobs);
    free(w.waddr);
    if (!o)
        return cpc__mp_oom(res);
    cpc_http_res_json(res, 200, o);
}

void cpc_h_mp_pricing(struct cpc_http_req *req, struct cpc_http_res *res)
{
    (void)req;
    json_t *j = cpc_mq_pricing_json();
    if (!j)
        return cpc__mp_oom(res);
    cpc_http_res_json(res, 200, j);
}

/* The scheduler's order: priority high first, then age, then job id. */
static int qjob_cmp(const void *a, const void *b)
{
    const struct qjob *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return memcmp(x->id, y->id, 32);
}

void cpc_h_mp_queue(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = ((struct cpc_node *)req->app);
    uint64_t limit;
    if (cpc_http_req_query_uint(req, res, "limit", CPC_MP_QUEUE_DEFAULT, 1, CPC_MP_QUEUE_MAX,
                                &limit) != 0)
        return;
    struct walk w;
    memset(&w, 0, sizeof w);
    uint64_t height = 0;
    if (walk_state(n, &w, &height) != 0) {
        free(w.jobs);
        return cpc__mp_oom(res);
    }
    if (w.n)
        qsort(w.jobs, w.n, sizeof *w.jobs, qjob_cmp);
    static const char *const PRI[] = {"low", "normal", "high"};
    json_t *arr = json_array();
    size_t scanned = 0;
    int truncated = 0;
    for (size_t i = 0; arr && i < w.n && json_array_size(arr) < limit && !truncated; i++) {
        for (uint32_t t = 0; t < w.jobs[i].tasks && json_array_size(arr) < limit; t++) {
            if (++scanned > QUEUE_SCAN_MAX) {
                truncated = 1;
                break;
            }
            uint8_t tid[16], jid[32];
            uint32_t idx = 0;
            if (cpc__mp_task_status(n, w.jobs[i].id, t, tid) != CPC_TASK_OPEN)
                continue;
            char ts[CPC_UUID_STR_LEN + 1];
            cpc_uuid_format(ts, tid);
            int leased = cpc_scheduler_find_task(n->scheduler, tid, jid, &idx) == 0;
            json_t *e = json_pack("{s:o, s:s, s:I, s:s, s:s, s:I, s:I, s:b}", "job_id",
                                  cpc__mp_hexj(w.jobs[i].id, 32), "task_id", ts, "index", (json_int_t)t,
                                  "kind", cpc_kind_name(w.jobs[i].kind), "priority",
                                  PRI[w.jobs[i].priority <= 2 ? w.jobs[i].priority : 1],
                                  "reward", (json_int_t)w.jobs[i].reward, "job_created_height",
                                  (json_int_t)w.jobs[i].created, "leased", leased);
            if (!e || json_array_append_new(arr, e) != 0) {
                json_decref(arr);
                arr = NULL;
                break;
            }
        }
    }
    free(w.jobs);
    if (!arr)
        return cpc__mp_oom(res);
    cpc_http_res_json(res, 200,
                      json_pack("{s:I, s:I, s:I, s:b, s:o}", "height", (json_int_t)height,
                                "limit", (json_int_t)limit, "count",
                                (json_int_t)json_array_size(arr), "truncated", truncated,
                                "tasks", arr));
}
