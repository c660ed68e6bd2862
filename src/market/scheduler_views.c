/* scheduler_views.c — read-only views of the scheduler: a job's resources
 * (which workers hold which tasks), a worker's status, task lookup and
 * statistics for the cluster views. Each takes the scheduler's lock. */
#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/uuid.h"
#include "scheduler_internal.h"
#include "../core/hex_json.h"

/* ------------------------------------------------------------------ */
/* Views                                                               */

static json_t *addr_json(const uint8_t a[CPC_ADDR_HASH_LEN])
{
    char s[CPC_ADDR_STR_MAX];
    cpc_address_encode(s, a);
    return json_string(s);
}

static json_t *lease_json(const struct lease_ent *l, int with_job)
{
    char id[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(id, l->task_id);
    json_t *o = json_pack("{s:s, s:I, s:I}", "task_id", id, "index", (json_int_t)l->index,
                          "expires", (json_int_t)l->expires);
    if (!o)
        return NULL;
    json_object_set_new(o, "progress", l->progress < 0 ? json_null() : json_integer(l->progress));
    if (with_job)
        json_object_set_new(o, "job_id", cpc_hex_json(l->job->rec.id, 32));
    return o;
}

json_t *cpc_scheduler_job_resources(struct cpc_scheduler *s, const uint8_t job_id[32])
{
    pthread_mutex_lock(&s->mu);
    json_t *workers = json_array();
    json_t *root = NULL;
    struct sjob *j = cpc__smap_get(&s->jobs, job_id);
    uint64_t now = cpc__sched_now_ms(s);
    for (size_t k = 0; j && workers && k < s->workers.cap; k++) {
        if (!s->workers.e[k].key)
            continue;
        struct sworker *w = s->workers.e[k].val;
        json_t *tasks = NULL;
        for (size_t i = 0; i < w->n_leases; i++) {
            if (w->leases[i].job != j)
                continue;
            if (!tasks)
                tasks = json_array();
            json_array_append_new(tasks, lease_json(&w->leases[i], 0));
        }
        if (!tasks)
            continue;
        json_t *e = json_pack("{s:o, s:I, s:b, s:o}", "address", addr_json(w->rec.addr), "score",
                              (json_int_t)cpc_worker_score(&w->rec), "online",
                              cpc__sched_worker_online(s, w, now), "tasks", tasks);
        json_array_append_new(workers, e);
    }
    if (workers)
        root = json_pack("{s:o, s:I, s:b, s:I, s:o}", "job_id", cpc_hex_json(job_id, 32), "height",
                         (json_int_t)s->height, "scheduled", j != NULL, "leases",
                         (json_int_t)(j ? j->n_leases : 0), "workers", workers);
    pthread_mutex_unlock(&s->mu);
    return root;
}

json_t *cpc_scheduler_worker_status(struct cpc_scheduler *s,
                                    const uint8_t worker[CPC_ADDR_HASH_LEN])
{
    pthread_mutex_lock(&s->mu);
    struct sworker *w = cpc__smap_get(&s->workers, worker);
    json_t *o = json_pack("{s:o, s:b, s:I}", "address", addr_json(worker), "registered", w != NULL,
                          "height", (json_int_t)s->height);
    if (o && w) {
        uint64_t now = cpc__sched_now_ms(s);
        json_t *leases = json_array();
        for (size_t i = 0; i < w->n_leases; i++)
            json_array_append_new(leases, lease_json(&w->leases[i], 1));
        json_object_set_new(o, "online",
                            json_boolean(cpc__sched_worker_online(s, w, now)));
        json_object_set_new(o, "score", json_integer(cpc_worker_score(&w->rec)));
        json_object_set_new(o, "last_seen_ms", json_integer((json_int_t)w->last_seen_ms));
        json_object_set_new(o, "max_leases", json_integer(s->o.worker_max_leases));
        json_object_set_new(o, "lease_cap",
                            json_integer(cpc_worker_lease_cap(&w->rec, s->o.min_worker_stake,
                                                              s->o.worker_max_leases)));
        json_object_set_new(o, "leases", leases);
        json_object_set_new(
            o, "load",
            w->has_load ? json_pack("{s:f, s:f, s:I, s:f, s:s}", "cpu_load", w->load.cpu_load,
                                    "gpu_load", w->load.gpu_load, "ram_used_mb",
                                    (json_int_t)w->load.ram_used_mb, "gpu_temp_c",
                                    w->load.gpu_temp_c, "matmul_backend", w->load.matmul_backend)
                        : json_null());
    }
    pthread_mutex_unlock(&s->mu);
    return o;
}

bool cpc_scheduler_worker_online(struct cpc_scheduler *s,
                                 const uint8_t worker[CPC_ADDR_HASH_LEN])
{
    pthread_mutex_lock(&s->mu);
    struct sworker *w = cpc__smap_get(&s->workers, worker);
    bool on = w && cpc__sched_worker_online(s, w, cpc__sched_now_ms(s));
    pthread_mutex_unlock(&s->mu);
    return on;
}

int cpc_scheduler_find_task(struct cpc_scheduler *s, const uint8_t task_id[16],
                            uint8_t job_id[32], uint32_t *index)
{
    int rc = CPC_ERR_NOT_FOUND;
    pthread_mutex_lock(&s->mu);
    for (size_t k = 0; k < s->workers.cap && rc; k++) {
        if (!s->workers.e[k].key)
            continue;
        struct sworker *w = s->workers.e[k].val;
        for (size_t i = 0; i < w->n_leases; i++)
            if (memcmp(w->leases[i].task_id, task_id, 16) == 0) {
                memcpy(job_id, w->leases[i].job->rec.id, 32);
                *index = w->leases[i].index;
                rc = 0;
                break;
            }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void cpc_scheduler_stats(struct cpc_scheduler *s, struct cpc_sched_stats *out)
{
    pthread_mutex_lock(&s->mu);
    memset(out, 0, sizeof *out);
    out->height = s->height;
    out->jobs = s->jobs.n;
    out->workers = s->workers.n;
    out->waiters = s->n_waiters;
    for (size_t k = 0; k < s->workers.cap; k++)
        if (s->workers.e[k].key)
            out->leases += ((struct sworker *)s->workers.e[k].val)->n_leases;
    pthread_mutex_unlock(&s->mu);
}
