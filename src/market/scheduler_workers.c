/* scheduler_workers.c — the ranked list of registered workers
 * (scheduler_workers.h): copied out of the scheduler's map under its lock,
 * sorted and paged outside it, so a leaderboard read holds the lock for one
 * linear pass and never for the sort or the JSON. */
#include "scheduler_workers.h"

#include <stdlib.h>
#include <string.h>

#include "../core/bech32.h"
#include "scheduler_internal.h"

struct worker_row {
    struct cpc_worker rec;
    uint32_t score;
    uint64_t last_seen_ms;
    uint32_t n_leases;
    bool online;
};

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
    return a > b ? -1 : a < b;
}

static int cmp_reputation(const void *pa, const void *pb)
{
    const struct worker_row *a = pa, *b = pb;
    int c = cmp_u64_desc(a->score, b->score);
    if (!c)
        c = cmp_u64_desc(a->rec.accepted, b->rec.accepted);
    return c ? c : memcmp(a->rec.addr, b->rec.addr, CPC_ADDR_HASH_LEN);
}

static int cmp_tasks(const void *pa, const void *pb)
{
    const struct worker_row *a = pa, *b = pb;
    int c = cmp_u64_desc(a->rec.accepted, b->rec.accepted);
    if (!c)
        c = cmp_u64_desc(a->score, b->score);
    return c ? c : memcmp(a->rec.addr, b->rec.addr, CPC_ADDR_HASH_LEN);
}

static int cmp_stake(const void *pa, const void *pb)
{
    const struct worker_row *a = pa, *b = pb;
    int c = cmp_u64_desc(a->rec.locked, b->rec.locked);
    if (!c)
        c = cmp_u64_desc(a->score, b->score);
    return c ? c : memcmp(a->rec.addr, b->rec.addr, CPC_ADDR_HASH_LEN);
}

static json_t *row_json(const struct worker_row *r)
{
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, r->rec.addr);
    const char *status = r->rec.unbonding_since ? "unbonding" : r->online ? "online" : "offline";
    return json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:b, s:I, s:I, s:I, s:I, s:s%, s:I, s:I}",
        "address", addr, "score", (json_int_t)r->score, "accepted", (json_int_t)r->rec.accepted,
        "rejected", (json_int_t)r->rec.rejected, "timed_out", (json_int_t)r->rec.timed_out,
        "pending", (json_int_t)r->rec.pending, "locked", (json_int_t)r->rec.locked, "status",
        status, "online", r->online, "last_seen_ms", (json_int_t)r->last_seen_ms, "leases",
        (json_int_t)r->n_leases, "registered_height", (json_int_t)r->rec.registered_height,
        "cpu_cores", (json_int_t)r->rec.cpu_cores, "gpu_model", r->rec.gpu_model,
        strnlen(r->rec.gpu_model, CPC_GPU_MODEL_MAX), "gpu_count", (json_int_t)r->rec.gpu_count,
        "vram_gb", (json_int_t)r->rec.vram_gb);
}

json_t *cpc_scheduler_workers_page(struct cpc_scheduler *s, enum cpc_sched_worker_order order,
                                   size_t offset, size_t limit)
{
    if (limit > CPC_SCHED_WORKERS_PAGE_MAX)
        limit = CPC_SCHED_WORKERS_PAGE_MAX;
    pthread_mutex_lock(&s->mu);
    uint64_t height = s->height;
    size_t n = 0, cap = s->workers.n;
    struct worker_row *rows = cap ? malloc(cap * sizeof *rows) : NULL;
    if (cap && !rows) {
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    uint64_t now = cpc__sched_now_ms(s);
    for (size_t k = 0; k < s->workers.cap && n < cap; k++) {
        if (!s->workers.e[k].key)
            continue;
        const struct sworker *w = s->workers.e[k].val;
        struct worker_row *r = &rows[n++];
        r->rec = w->rec;
        r->score = cpc_worker_score(&w->rec);
        r->last_seen_ms = w->last_seen_ms;
        r->n_leases = (uint32_t)w->n_leases;
        r->online = cpc__sched_worker_online(s, w, now);
    }
    pthread_mutex_unlock(&s->mu);

    int (*cmp)(const void *, const void *) = order == CPC_SCHED_BY_TASKS   ? cmp_tasks
                                             : order == CPC_SCHED_BY_STAKE ? cmp_stake
                                                                           : cmp_reputation;
    if (n > 1)
        qsort(rows, n, sizeof *rows, cmp);
    json_t *arr = json_array();
    for (size_t i = offset; arr && i < n && i - offset < limit; i++) {
        json_t *o = row_json(&rows[i]);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(rows);
    if (!arr)
        return NULL;
    return json_pack("{s:I, s:I, s:I, s:I, s:o}", "height", (json_int_t)height, "total",
                     (json_int_t)n, "offset", (json_int_t)offset, "limit", (json_int_t)limit,
                     "workers", arr);
}
