/* agent_wave.c — the agent's leased tasks on its executors (exec_pool.h):
 * a wave runs every leased task at once, one per executor (a GPU each, the
 * CPU), and the loop (agent.c) goes on when the wave has ended: it then
 * submits, reveals and leases again. The items array is not changed while
 * a wave runs: items are dropped only after it (agent_internal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"

#define WAVE_MAX 64 /* items in one wave at most (the lease cap) */

/* A GPU taken out, or a GPU's self-check outcome, as a log line. */
static void log_gpu(void *arg, const struct wk_executor *ex, bool ok, const char *msg)
{
    struct wk_agent *a = arg;
    cpc_wk_report_event(a->rep, ok ? CPC_LOG_INFO : CPC_LOG_WARN, ok ? "gpu_ready" : "gpu_out",
                        json_pack("{s:i, s:s}", "gpu", ex->gpu, "message", msg),
                        ok ? "GPU %d: %s" : "GPU %d taken out: %s; the other executors go on",
                        ex->gpu, msg);
}

void wk_pool_announce(struct wk_agent *a)
{
    wk_pool_prepare(&a->pool, log_gpu, a);
    unsigned gpus = wk_pool_gpus_alive(&a->pool);
    bool cpu = a->pool.n && a->pool.ex[0].gpu < 0;
    cpc_wk_report_event(a->rep, CPC_LOG_INFO, "executors",
                        json_pack("{s:b, s:i, s:s}", "cpu", cpu, "gpus", (int)gpus, "backend",
                                  a->pool.gpu ? a->pool.gpu->name : "none"),
                        "executors: %s%u GPU(s)%s", cpu ? "CPU + " : "", gpus,
                        gpus ? "" : (cpu ? "; matmul tasks run on the CPU" : ""));
}

struct wave_ctx {
    struct wk_agent *a;
    size_t idx[WAVE_MAX];         /* item index of each job */
};

static int wave_job(void *arg, struct wk_executor *ex, size_t job, struct cpc_err *err)
{
    struct wave_ctx *w = arg;
    return wk_compute(w->a, &w->a->items[w->idx[job]], ex, err);
}

/* Give item i back to the node and drop it. */
static void give_back(struct wk_agent *a, size_t i)
{
    struct wk_item *it = &a->items[i];
    if (!it->synthetic) {
        uint8_t id[1][16];
        struct cpc_err e = {0};
        memcpy(id[0], it->t.task_id, 16);
        cpc_wk_release(a->node, (const uint8_t(*)[16])id, 1, &e);
    }
    wk_item_drop(a, i);
}

/* Before a wave: drop what expired, give back what no live executor runs. */
static void wave_prune(struct wk_agent *a)
{
    for (size_t i = a->n_items; i-- > 0;) {
        struct wk_item *it = &a->items[i];
        if (it->phase != PH_LEASED)
            continue;
        if (!it->synthetic && a->chain.height >= it->t.lease_expires) {
            cpc_wk_report_event(a->rep, CPC_LOG_WARN, "expired", wk_task_fields(it),
                                "task %.8s: lease expired before it ran", it->t.task_id_s);
            wk_memo_keep(a, it);
            wk_item_drop(a, i);
        } else if (!wk_pool_can_run(&a->pool, it->t.kind)) {
            cpc_wk_report_event(a->rep, CPC_LOG_WARN, "released", wk_task_fields(it),
                                "task %.8s: no executor here runs %s; given back",
                                it->t.task_id_s, cpc_kind_name(it->t.kind));
            give_back(a, i);
        }
    }
}

/* After a wave: job j (item i) as compute_step used to, one at a time. */
static void wave_settle(struct wk_agent *a, const struct wk_wave_job *job, size_t i, bool *leave)
{
    struct wk_item *it = &a->items[i];
    char dev[16] = "cpu";
    if (job->ran_on >= 0 && a->pool.ex[job->ran_on].gpu >= 0)
        snprintf(dev, sizeof dev, "gpu %d", a->pool.ex[job->ran_on].gpu);
    if (job->started && job->rc == 0) {
        json_t *f = wk_task_fields(it);
        if (f)
            json_object_set_new(f, "executor", json_string(dev));
        cpc_wk_report_event(a->rep, CPC_LOG_INFO, "computed", f, "task %.8s %s done on %s",
                            it->t.task_id_s,
                            it->synthetic ? "synthetic" : cpc_kind_name(it->t.kind), dev);
    } else if (job->rc == CPC_ERR_CANCELLED) {
        if (job->started) {
            cpc_wk_report_event(a->rep, CPC_LOG_INFO, "cancelled", wk_task_fields(it),
                                "task %.8s stopped", it->t.task_id_s);
            *leave = true;
        } /* never started (stopping): stays leased, released on leaving */
    } else {
        cpc_wk_report_event(a->rep, CPC_LOG_ERROR, "failed", wk_task_fields(it),
                            "task %.8s: %s", it->t.task_id_s, job->err.msg);
        give_back(a, i);
    }
}

int wk_compute_wave(struct wk_agent *a, bool *leave, struct cpc_err *err)
{
    wave_prune(a);
    struct wave_ctx w = {.a = a};
    struct wk_wave_job jobs[WAVE_MAX];
    size_t n = 0;
    for (size_t i = 0; i < a->n_items && n < WAVE_MAX; i++)
        if (a->items[i].phase == PH_LEASED) {
            w.idx[n] = i;
            jobs[n++].kind = a->items[i].t.kind;
        }
    if (n == 0)
        return wk_state_save(a, err);
    int rc = wk_pool_run_wave(&a->pool, jobs, n, wave_job, &w, a->stop, log_gpu, a);
    if (rc)
        return cpc_err_set(err, rc, "cannot start the executors' threads");
    for (size_t j = n; j-- > 0;) /* last first: a drop moves only later items */
        wave_settle(a, &jobs[j], w.idx[j], leave);
    return wk_state_save(a, err);
}

void wk_heartbeat_executors(struct wk_agent *a, json_t *body)
{
    if (!body)
        return;
    wk_pool_progress_json(&a->pool, json_object_get(body, "progress"));
    json_t *gpus = wk_pool_gpus_json(&a->pool);
    if (gpus)
        json_object_set_new(body, "gpus", gpus);
}
