/* scheduler.c — the node's task scheduler (see scheduler.h for the rules).
 *
 * Layout: jobs and workers live in two small open-addressing hash maps
 * (keyed by job id / address, keys point into the stored structs). A job
 * holds one compact slot per task (status, result workers, live lease
 * count) and a scan cursor `scan_from`: every task below it is known to be
 * unavailable to everyone, so the common case (replication 1, tasks taken
 * in index order) leases in O(1) amortised. Any change that can make a task
 * available again (lease dropped, record reopened) lowers the cursor.
 * Leases are stored per worker (a worker holds at most worker_max_leases),
 * so "does W already hold this task" is a scan of a handful of entries.
 * Waiters (long-polls) get leases copied into a mailbox; those leases are
 * live in their worker's list from the moment they are assigned.
 */
#include "scheduler.h"
#include "scheduler_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/amount.h"
#include "../core/bech32.h"
#include "../core/hex.h"
#include "../core/kinds.h"
#include "../core/uuid.h"
#include "../common/clock.h"

#define DEF_LEASE_BLOCKS 30
#define DEF_JOB_PAR 64
#define DEF_WORKER_MAX 8
#define DEF_SCORE_FLOOR 500
#define DEF_HB_TIMEOUT_MS 30000

uint64_t cpc__sched_now_ms(struct cpc_scheduler *s)
{
    return s->o.clock_ms(s->o.clock_arg);
}

void cpc_scheduler_set_clock(struct cpc_scheduler *s, uint64_t (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&s->mu);
    s->o.clock_ms = fn ? fn : cpc_clock_wall_ms_fn;
    s->o.clock_arg = fn ? arg : NULL;
    pthread_mutex_unlock(&s->mu);
}

void cpc_sched_task_seed(uint8_t out[32], const struct cpc_job *job, uint32_t index)
{
    if (job->contract.kind == CPC_KIND_MATMUL)
        cpc_matmul_task_seed(out, job->seed, index);
    else
        cpc_hashpow_task_seed(out, job->seed, index);
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

struct cpc_scheduler *cpc_scheduler_new(const struct cpc_scheduler_opts *opts)
{
    struct cpc_scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (opts)
        s->o = *opts;
    if (!s->o.lease_blocks)
        s->o.lease_blocks = DEF_LEASE_BLOCKS;
    if (!s->o.job_parallelism)
        s->o.job_parallelism = DEF_JOB_PAR;
    if (!s->o.worker_max_leases)
        s->o.worker_max_leases = DEF_WORKER_MAX;
    if (!s->o.score_floor)
        s->o.score_floor = DEF_SCORE_FLOOR;
    if (!s->o.heartbeat_timeout_ms)
        s->o.heartbeat_timeout_ms = DEF_HB_TIMEOUT_MS;
    if (!s->o.clock_ms)
        s->o.clock_ms = cpc_clock_wall_ms_fn;
    if (!s->o.min_worker_stake)
        s->o.min_worker_stake = CPC_DEFAULT_MIN_WORKER_STAKE;
    s->jobs.klen = 32;
    s->workers.klen = CPC_ADDR_HASH_LEN;
    s->next_waiter = 1;
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

static void job_free(struct sjob *j)
{
    if (!j)
        return;
    if (j->slots)
        for (uint32_t i = 0; i < j->rec.contract.tasks; i++)
            free(j->slots[i].res);
    free(j->slots);
    free(j);
}

static void clear_all(struct cpc_scheduler *s)
{
    for (size_t i = 0; i < s->jobs.cap; i++)
        if (s->jobs.e[i].key)
            job_free(s->jobs.e[i].val);
    for (size_t i = 0; i < s->workers.cap; i++)
        if (s->workers.e[i].key) {
            struct sworker *w = s->workers.e[i].val;
            free(w->leases);
            free(w);
        }
    free(s->jobs.e);
    free(s->workers.e);
    s->jobs.e = s->workers.e = NULL;
    s->jobs.cap = s->jobs.n = s->workers.cap = s->workers.n = 0;
    s->n_order = 0;
    for (size_t i = 0; i < s->n_waiters; i++)
        free(s->waiters[i].got);
    s->n_waiters = 0;
}

void cpc_scheduler_free(struct cpc_scheduler *s)
{
    if (!s)
        return;
    clear_all(s);
    free(s->order);
    free(s->waiters);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void cpc_scheduler_set_notify(struct cpc_scheduler *s, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&s->mu);
    s->notify = fn;
    s->notify_arg = arg;
    pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------------ */
/* Leases                                                              */

static void slot_available(struct sjob *j, uint32_t index)
{
    if (index < j->scan_from)
        j->scan_from = index;
}

static void drop_lease(struct sworker *w, size_t i)
{
    struct lease_ent *l = &w->leases[i];
    struct sjob *j = l->job;
    if (j->n_leases)
        j->n_leases--;
    struct slot *sl = &j->slots[l->index];
    if (sl->n_leases)
        sl->n_leases--;
    slot_available(j, l->index);
    w->leases[i] = w->leases[--w->n_leases];
}

static int worker_holds(const struct sworker *w, const struct sjob *j, uint32_t index)
{
    for (size_t i = 0; i < w->n_leases; i++)
        if (w->leases[i].job == j && w->leases[i].index == index)
            return 1;
    return 0;
}

static void drop_worker_lease_of(struct sworker *w, const struct sjob *j, uint32_t index)
{
    for (size_t i = 0; i < w->n_leases; i++)
        if (w->leases[i].job == j && w->leases[i].index == index) {
            drop_lease(w, i);
            return;
        }
}

/* Drop every lease on (j, index), or on any task of j when all_tasks. A task
 * with one live lease (the common case) is found through its holder hint
 * without scanning every worker; any lease left after that takes the scan. */
static void drop_task_leases(struct cpc_scheduler *s, struct sjob *j, uint32_t index,
                             int all_tasks)
{
    if (!all_tasks) {
        struct slot *sl = &j->slots[index];
        if (!sl->n_leases)
            return;
        if (sl->has_holder) {
            struct sworker *hw = cpc__smap_get(&s->workers, sl->holder);
            if (hw)
                drop_worker_lease_of(hw, j, index);
            if (!sl->n_leases)
                return;
        }
    }
    for (size_t k = 0; k < s->workers.cap; k++) {
        if (!s->workers.e[k].key)
            continue;
        struct sworker *w = s->workers.e[k].val;
        for (size_t i = 0; i < w->n_leases;) {
            if (w->leases[i].job == j && (all_tasks || w->leases[i].index == index))
                drop_lease(w, i);
            else
                i++;
        }
    }
}

static void drop_all_worker_leases(struct sworker *w)
{
    while (w->n_leases)
        drop_lease(w, w->n_leases - 1);
}

static int job_cmp(const void *a, const void *b)
{
    const struct sjob *x = *(const struct sjob *const *)a, *y = *(const struct sjob *const *)b;
    if (x->rec.contract.priority != y->rec.contract.priority)
        return x->rec.contract.priority > y->rec.contract.priority ? -1 : 1;
    if (x->rec.created_height != y->rec.created_height)
        return x->rec.created_height < y->rec.created_height ? -1 : 1;
    return memcmp(x->rec.id, y->rec.id, 32);
}

static int sort_jobs(struct cpc_scheduler *s)
{
    if (!s->order_dirty)
        return 0;
    if (s->cap_order < s->jobs.n) {
        size_t nc = s->jobs.n * 2;
        struct sjob **no = realloc(s->order, nc * sizeof *no);
        if (!no)
            return CPC_ERR_NOMEM;
        s->order = no;
        s->cap_order = nc;
    }
    s->n_order = 0;
    for (size_t k = 0; k < s->jobs.cap; k++)
        if (s->jobs.e[k].key)
            s->order[s->n_order++] = s->jobs.e[k].val;
    if (s->n_order)
        qsort(s->order, s->n_order, sizeof *s->order, job_cmp);
    s->order_dirty = 0;
    return 0;
}

static int worker_matches(const struct sworker *w, const struct cpc_requirements *r)
{
    if (r->gpu_model[0] && strcasecmp(r->gpu_model, w->rec.gpu_model) != 0)
        return 0;
    return w->rec.vram_gb >= r->min_vram_gb && w->rec.cpu_cores >= r->min_cpu_cores;
}

static int slot_has_result(const struct slot *sl, const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    for (uint8_t i = 0; i < sl->n_results; i++)
        if (memcmp(sl->res[i], addr, CPC_ADDR_HASH_LEN) == 0)
            return 1;
    return 0;
}

static void fill_lease(struct cpc_sched_lease *out, const struct sjob *j,
                       const struct lease_ent *l)
{
    memset(out, 0, sizeof *out);
    memcpy(out->task_id, l->task_id, 16);
    memcpy(out->job_id, j->rec.id, 32);
    out->index = l->index;
    out->expires = l->expires;
    cpc_sched_task_seed(out->seed, &j->rec, l->index);
    out->contract = j->rec.contract;
}

static uint32_t call_limit(const struct cpc_scheduler *s, const struct sworker *w, uint32_t max)
{
    uint32_t cap = cpc_worker_lease_cap(&w->rec, s->o.min_worker_stake, s->o.worker_max_leases);
    if (w->n_leases >= cap)
        return 0;
    uint32_t lim = cap - (uint32_t)w->n_leases;
    if (max < lim)
        lim = max;
    if (cpc_worker_score(&w->rec) < s->o.score_floor && lim > 1)
        lim = 1;
    return lim;
}

/* Assign up to max tasks to w, appending copies to out[*n]. Returns 0 or NOMEM. */
static int assign(struct cpc_scheduler *s, struct sworker *w, uint32_t max,
                  struct cpc_sched_lease *out, size_t *n)
{
    uint32_t lim = call_limit(s, w, max);
    size_t got = 0;
    if (lim == 0)
        return 0;
    if (sort_jobs(s) != 0)
        return CPC_ERR_NOMEM;
    for (size_t o = 0; o < s->n_order && got < lim; o++) {
        struct sjob *j = s->order[o];
        const struct cpc_contract *c = &j->rec.contract;
        uint32_t rep = c->replication ? c->replication : 1;
        if (j->n_leases >= s->o.job_parallelism || !worker_matches(w, &c->req))
            continue;
        while (j->scan_from < c->tasks) {
            const struct slot *sl = &j->slots[j->scan_from];
            if (sl->status == CPC_TASK_OPEN && (uint32_t)sl->n_results + sl->n_leases < rep)
                break;
            j->scan_from++;
        }
        for (uint32_t i = j->scan_from;
             i < c->tasks && got < lim && j->n_leases < s->o.job_parallelism; i++) {
            struct slot *sl = &j->slots[i];
            if (sl->status != CPC_TASK_OPEN || (uint32_t)sl->n_results + sl->n_leases >= rep)
                continue;
            if (sl->n_results && slot_has_result(sl, w->rec.addr))
                continue;
            if (sl->n_leases && worker_holds(w, j, i))
                continue;
            if (w->n_leases == w->cap_leases) {
                size_t nc = w->cap_leases ? w->cap_leases * 2 : 8;
                struct lease_ent *nl = realloc(w->leases, nc * sizeof *nl);
                if (!nl)
                    return CPC_ERR_NOMEM;
                w->leases = nl;
                w->cap_leases = nc;
            }
            struct lease_ent *l = &w->leases[w->n_leases++];
            l->job = j;
            l->index = i;
            cpc_task_id(l->task_id, j->rec.id, i);
            l->expires = s->height + s->o.lease_blocks;
            l->progress = -1;
            sl->n_leases++;
            memcpy(sl->holder, w->rec.addr, CPC_ADDR_HASH_LEN);
            sl->has_holder = 1;
            j->n_leases++;
            fill_lease(&out[*n + got], j, l);
            got++;
        }
    }
    *n += got;
    return 0;
}

struct wref {
    struct waiter *wt;
    uint32_t score;
};

static int wref_cmp(const void *a, const void *b)
{
    const struct wref *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->wt->seq < y->wt->seq ? -1 : (x->wt->seq > y->wt->seq);
}

/* Serve waiters with an empty mailbox, best score first. Returns 1 if any got work. */
static int serve_waiters(struct cpc_scheduler *s)
{
    if (!s->n_waiters)
        return 0;
    struct wref *refs = malloc(s->n_waiters * sizeof *refs);
    if (!refs)
        return 0;
    size_t nr = 0;
    for (size_t i = 0; i < s->n_waiters; i++) {
        struct waiter *wt = &s->waiters[i];
        struct sworker *w = cpc__smap_get(&s->workers, wt->addr);
        if (wt->n_got || !w)
            continue;
        refs[nr].wt = wt;
        refs[nr].score = cpc_worker_score(&w->rec);
        nr++;
    }
    qsort(refs, nr, sizeof *refs, wref_cmp);
    int any = 0;
    for (size_t i = 0; i < nr; i++) {
        struct waiter *wt = refs[i].wt;
        struct sworker *w = cpc__smap_get(&s->workers, wt->addr);
        struct cpc_sched_lease *got = malloc(wt->max * sizeof *got);
        size_t n = 0;
        if (!got)
            break;
        if (assign(s, w, wt->max, got, &n) != 0 || n == 0) {
            free(got);
            continue;
        }
        wt->got = got;
        wt->n_got = n;
        any = 1;
    }
    free(refs);
    return any;
}

static void expire_leases(struct cpc_scheduler *s)
{
    for (size_t k = 0; k < s->workers.cap; k++) {
        if (!s->workers.e[k].key)
            continue;
        struct sworker *w = s->workers.e[k].val;
        for (size_t i = 0; i < w->n_leases;) {
            if (w->leases[i].expires <= s->height)
                drop_lease(w, i);
            else
                i++;
        }
    }
}

static void release_silent(struct cpc_scheduler *s)
{
    uint64_t now = cpc__sched_now_ms(s);
    for (size_t k = 0; k < s->workers.cap; k++) {
        if (!s->workers.e[k].key)
            continue;
        struct sworker *w = s->workers.e[k].val;
        if (w->n_leases && !cpc__sched_worker_online(s, w, now))
            drop_all_worker_leases(w);
    }
}

/* Notify if needed, then unlock. The callback runs under the lock so that
 * once cpc_scheduler_set_notify(NULL) returns it is never called again (the
 * node clears it before freeing the HTTP server). It must not call back into
 * the scheduler: cpc_httpd_wake only resumes connections. */
static void unlock_notify(struct cpc_scheduler *s, int notify)
{
    if (notify && s->notify)
        s->notify(s->notify_arg);
    pthread_mutex_unlock(&s->mu);
}

void cpc_scheduler_tick(struct cpc_scheduler *s)
{
    pthread_mutex_lock(&s->mu);
    release_silent(s);
    int any = serve_waiters(s);
    unlock_notify(s, any);
}

/* ------------------------------------------------------------------ */
/* Records                                                             */

static int put_job(struct cpc_scheduler *s, const struct cpc_job *rec)
{
    struct sjob *j = cpc__smap_get(&s->jobs, rec->id);
    if (rec->status != CPC_JOB_ACTIVE) {
        if (j) {
            drop_task_leases(s, j, 0, 1);
            cpc__smap_del(&s->jobs, rec->id);
            job_free(j);
            s->order_dirty = 1;
        }
        return 0;
    }
    if (j) {
        if (j->rec.contract.tasks != rec->contract.tasks)
            return 0; /* a contract never changes: ignore a forged update */
        j->rec = *rec;
        s->order_dirty = 1;
        return 0;
    }
    j = calloc(1, sizeof *j);
    if (!j)
        return CPC_ERR_NOMEM;
    j->rec = *rec;
    j->slots = calloc(rec->contract.tasks ? rec->contract.tasks : 1, sizeof *j->slots);
    if (!j->slots || cpc__smap_put(&s->jobs, j->rec.id, j) != 0) {
        free(j->slots);
        free(j);
        return CPC_ERR_NOMEM;
    }
    s->order_dirty = 1;
    return 0;
}

static void del_job(struct cpc_scheduler *s, const uint8_t id[32])
{
    struct sjob *j = cpc__smap_get(&s->jobs, id);
    if (!j)
        return;
    drop_task_leases(s, j, 0, 1);
    cpc__smap_del(&s->jobs, id);
    job_free(j);
    s->order_dirty = 1;
}

static int put_task(struct cpc_scheduler *s, const struct cpc_task *t)
{
    struct sjob *j = cpc__smap_get(&s->jobs, t->job_id);
    if (!j || t->index >= j->rec.contract.tasks)
        return 0;
    struct slot *sl = &j->slots[t->index];
    uint8_t nres = t->n_results <= CPC_MAX_REPLICATION ? t->n_results : CPC_MAX_REPLICATION;
    free(sl->res);
    sl->res = NULL;
    sl->n_results = 0;
    if (nres) {
        sl->res = malloc((size_t)nres * CPC_ADDR_HASH_LEN);
        if (!sl->res)
            return CPC_ERR_NOMEM;
        for (uint8_t i = 0; i < nres; i++)
            memcpy(sl->res[i], t->results[i].worker, CPC_ADDR_HASH_LEN);
        sl->n_results = nres;
    }
    sl->status = t->status;
    if (t->attempts != sl->attempts) {
        /* a result was rejected (or a quorum failed): the lease it used is spent,
         * reissue the task now rather than when that lease would expire */
        sl->attempts = t->attempts;
        if (sl->n_leases)
            drop_task_leases(s, j, t->index, 0);
    }
    /* results fulfil their worker's lease */
    for (uint8_t i = 0; i < nres && sl->n_leases; i++) {
        struct sworker *w = cpc__smap_get(&s->workers, t->results[i].worker);
        if (w)
            drop_worker_lease_of(w, j, t->index);
    }
    if (sl->status == CPC_TASK_COMMITTED && sl->n_leases) {
        /* the committing worker's lease is fulfilled too */
        struct sworker *w = cpc__smap_get(&s->workers, t->worker);
        if (w)
            drop_worker_lease_of(w, j, t->index);
    }
    if (sl->status != CPC_TASK_OPEN && sl->n_leases)
        drop_task_leases(s, j, t->index, 0);
    slot_available(j, t->index);
    return 0;
}

static int put_worker(struct cpc_scheduler *s, const struct cpc_worker *rec)
{
    struct sworker *w = cpc__smap_get(&s->workers, rec->addr);
    if (w) {
        w->rec = *rec;
        if (rec->locked < s->o.min_worker_stake)
            drop_all_worker_leases(w); /* the chain refuses its results now: reissue */
        return 0;
    }
    w = calloc(1, sizeof *w);
    if (!w)
        return CPC_ERR_NOMEM;
    w->rec = *rec;
    w->last_seen_ms = cpc__sched_now_ms(s);
    if (cpc__smap_put(&s->workers, w->rec.addr, w) != 0) {
        free(w);
        return CPC_ERR_NOMEM;
    }
    return 0;
}

static void del_worker(struct cpc_scheduler *s, const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    struct sworker *w = cpc__smap_get(&s->workers, addr);
    if (!w)
        return;
    drop_all_worker_leases(w);
    cpc__smap_del(&s->workers, addr);
    free(w->leases);
    free(w);
}

struct walk {
    struct cpc_scheduler *s;
    int pass;       /* 0: jobs and workers, 1: tasks */
    int strict;     /* rebuild: corrupt record is an error */
    struct cpc_err *err;
};

static int on_obj(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                  int tombstone, void *arg)
{
    struct walk *w = arg;
    struct cpc_scheduler *s = w->s;
    struct cpc_err e = {0};
    int rc = 0;
    if (klen < 1)
        return 0;
    if (w->pass == 0 && key[0] == CPC_KEY_JOB && klen == 33) {
        if (tombstone) {
            del_job(s, key + 1);
            return 0;
        }
        struct cpc_job j;
        rc = cpc_job_decode(&j, val, vlen, &e);
        if (rc == 0)
            rc = put_job(s, &j);
    } else if (w->pass == 0 && key[0] == CPC_KEY_WORKER && klen == 1 + CPC_ADDR_HASH_LEN) {
        if (tombstone) {
            del_worker(s, key + 1);
            return 0;
        }
        struct cpc_worker wk;
        rc = cpc_worker_decode(&wk, val, vlen, &e);
        if (rc == 0)
            rc = put_worker(s, &wk);
    } else if (w->pass == 1 && key[0] == CPC_KEY_TASK && klen == 17 && !tombstone) {
        struct cpc_task t;
        rc = cpc_task_decode(&t, val, vlen, &e);
        if (rc == 0)
            rc = put_task(s, &t);
    } else {
        return 0;
    }
    if (rc == CPC_ERR_NOMEM)
        return cpc_err_set(w->err, rc, "scheduler: out of memory");
    if (rc != 0 && w->strict) {
        char hex[2 * CPC_OBJ_KEY_MAX + 1];
        cpc_hex_encode(hex, key, klen);
        return cpc_err_set(w->err, rc, "scheduler: object %s: %s", hex, e.msg);
    }
    return 0;
}

int cpc_scheduler_rebuild(struct cpc_scheduler *s, const struct cpc_state *st, uint64_t height,
                          struct cpc_err *err)
{
    pthread_mutex_lock(&s->mu);
    clear_all(s);
    s->height = height;
    s->order_dirty = 1;
    struct walk w = {.s = s, .pass = 0, .strict = 1, .err = err};
    int rc = cpc_state_obj_foreach(st, on_obj, &w);
    if (rc == 0) {
        w.pass = 1;
        rc = cpc_state_obj_foreach(st, on_obj, &w);
    }
    if (rc != 0)
        clear_all(s);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cpc_scheduler_on_block(struct cpc_scheduler *s, const struct cpc_state *delta,
                           uint64_t height)
{
    pthread_mutex_lock(&s->mu);
    if (height > s->height)
        s->height = height;
    struct walk w = {.s = s, .pass = 0, .strict = 0, .err = NULL};
    int rc = delta ? cpc_state_obj_foreach(delta, on_obj, &w) : 0;
    if (rc == 0 && delta) {
        w.pass = 1;
        rc = cpc_state_obj_foreach(delta, on_obj, &w);
    }
    expire_leases(s);
    release_silent(s);
    int any = serve_waiters(s);
    unlock_notify(s, any);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Worker calls                                                        */

static struct waiter *find_waiter(struct cpc_scheduler *s, uint64_t id, size_t *pos)
{
    for (size_t i = 0; i < s->n_waiters; i++)
        if (s->waiters[i].id == id) {
            if (pos)
                *pos = i;
            return &s->waiters[i];
        }
    return NULL;
}

/* Why a registered worker gets no lease at all (0 = it may lease): below the
 * minimum stake, or deregistering. */
static int lease_refusal(const struct cpc_scheduler *s, const struct sworker *w,
                         struct cpc_err *err)
{
    if (w->rec.locked < s->o.min_worker_stake) {
        char have[CPC_AMOUNT_STR_MAX], need[CPC_AMOUNT_STR_MAX];
        cpc_amount_format(have, w->rec.locked);
        cpc_amount_format(need, s->o.min_worker_stake);
        return cpc_err_set(err, CPC_ERR_INSUFFICIENT_STAKE,
                           "Insufficient stake: %s CPC locked, below the minimum %s CPC; add "
                           "stake with WORKER_REGISTER to lease tasks",
                           have, need);
    }
    if (w->rec.unbonding_since)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "the worker is deregistering (WORKER_DEREGISTER at height %llu): no "
                           "new leases; WORKER_REGISTER bonds it again",
                           (unsigned long long)w->rec.unbonding_since);
    return 0;
}

int cpc_scheduler_lease(struct cpc_scheduler *s, const uint8_t worker[CPC_ADDR_HASH_LEN],
                        uint32_t max, bool wait, struct cpc_sched_lease **out, size_t *n,
                        uint64_t *height, uint64_t *waiter, struct cpc_err *err)
{
    *out = NULL;
    *n = 0;
    if (waiter)
        *waiter = 0;
    if (max < 1 || max > CPC_SCHED_MAX_PER_CALL)
        return cpc_err_set(err, CPC_ERR_INVALID, "max_tasks must be 1..%d",
                           CPC_SCHED_MAX_PER_CALL);
    struct cpc_sched_lease *buf = malloc(max * sizeof *buf);
    if (!buf)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&s->mu);
    int rc = 0, any = 0;
    struct sworker *w = cpc__smap_get(&s->workers, worker);
    if (!w) {
        rc = cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "register first with WORKER_REGISTER");
        goto out;
    }
    w->last_seen_ms = cpc__sched_now_ms(s);
    if ((rc = lease_refusal(s, w, err)) != 0)
        goto out;
    release_silent(s);
    any = serve_waiters(s);
    if ((rc = assign(s, w, max, buf, n)) != 0) {
        cpc_err_set(err, rc, "out of memory");
        goto out;
    }
    if (height)
        *height = s->height;
    if (*n == 0 && wait && waiter) {
        if (s->n_waiters == s->cap_waiters) {
            size_t nc = s->cap_waiters ? s->cap_waiters * 2 : 8;
            struct waiter *nw = realloc(s->waiters, nc * sizeof *nw);
            if (!nw) {
                rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
                goto out;
            }
            s->waiters = nw;
            s->cap_waiters = nc;
        }
        struct waiter *wt = &s->waiters[s->n_waiters++];
        memset(wt, 0, sizeof *wt);
        wt->id = s->next_waiter++;
        wt->seq = wt->id;
        memcpy(wt->addr, worker, CPC_ADDR_HASH_LEN);
        wt->max = max;
        *waiter = wt->id;
    }
out:
    if (rc == 0 && *n) {
        *out = buf;
        buf = NULL;
    }
    unlock_notify(s, any);
    free(buf);
    return rc;
}

int cpc_scheduler_collect(struct cpc_scheduler *s, uint64_t waiter, struct cpc_sched_lease **out,
                          size_t *n, uint64_t *height)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->mu);
    size_t pos = 0;
    struct waiter *wt = find_waiter(s, waiter, &pos);
    int rc = 0;
    if (!wt) {
        rc = CPC_ERR_NOT_FOUND;
    } else if (wt->n_got) {
        *out = wt->got;
        *n = wt->n_got;
        s->waiters[pos] = s->waiters[--s->n_waiters];
    }
    if (height)
        *height = s->height;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void cpc_scheduler_cancel(struct cpc_scheduler *s, uint64_t waiter)
{
    pthread_mutex_lock(&s->mu);
    size_t pos = 0;
    struct waiter *wt = find_waiter(s, waiter, &pos);
    int any = 0;
    if (wt) {
        struct sworker *w = cpc__smap_get(&s->workers, wt->addr);
        for (size_t i = 0; i < wt->n_got && w; i++) {
            struct sjob *j = cpc__smap_get(&s->jobs, wt->got[i].job_id);
            if (j)
                drop_worker_lease_of(w, j, wt->got[i].index);
        }
        any = wt->n_got > 0;
        free(wt->got);
        s->waiters[pos] = s->waiters[--s->n_waiters];
        if (any)
            any = serve_waiters(s);
    }
    unlock_notify(s, any);
}

int cpc_scheduler_heartbeat(struct cpc_scheduler *s, const uint8_t worker[CPC_ADDR_HASH_LEN],
                            const json_t *progress, const struct cpc_sched_load *load,
                            size_t *n_leases, struct cpc_err *err)
{
    if (progress && !json_is_object(progress))
        return cpc_err_set(err, CPC_ERR_INVALID, "progress must be an object");
    const char *k;
    json_t *v;
    /* validate first, so a bad heartbeat changes nothing */
    json_object_foreach((json_t *)progress, k, v) {
        uint8_t id[16];
        if (cpc_uuid_parse(id, k) != 0)
            return cpc_err_set(err, CPC_ERR_INVALID, "progress: key %.40s is not a task id", k);
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100)
            return cpc_err_set(err, CPC_ERR_INVALID, "progress[%s] must be a number 0..100", k);
    }
    pthread_mutex_lock(&s->mu);
    struct sworker *w = cpc__smap_get(&s->workers, worker);
    if (!w) {
        pthread_mutex_unlock(&s->mu);
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "register first with WORKER_REGISTER");
    }
    w->last_seen_ms = cpc__sched_now_ms(s);
    if (load) {
        w->load = *load;
        w->has_load = 1;
    }
    json_object_foreach((json_t *)progress, k, v) {
        uint8_t id[16];
        cpc_uuid_parse(id, k);
        for (size_t i = 0; i < w->n_leases; i++)
            if (memcmp(w->leases[i].task_id, id, 16) == 0)
                w->leases[i].progress = (int)json_number_value(v);
    }
    if (n_leases)
        *n_leases = w->n_leases;
    release_silent(s);
    int any = serve_waiters(s);
    unlock_notify(s, any);
    return 0;
}

int cpc_scheduler_release(struct cpc_scheduler *s, const uint8_t worker[CPC_ADDR_HASH_LEN],
                          const uint8_t (*task_ids)[16], size_t n, size_t *released,
                          struct cpc_err *err)
{
    size_t count = 0;
    pthread_mutex_lock(&s->mu);
    struct sworker *w = cpc__smap_get(&s->workers, worker);
    if (!w) {
        pthread_mutex_unlock(&s->mu);
        return cpc_err_set(err, CPC_ERR_UNAUTHORIZED, "register first with WORKER_REGISTER");
    }
    w->last_seen_ms = cpc__sched_now_ms(s);
    for (size_t t = 0; t < n; t++)
        for (size_t i = 0; i < w->n_leases; i++)
            if (memcmp(w->leases[i].task_id, task_ids[t], 16) == 0) {
                drop_lease(w, i);
                count++;
                break;
            }
    if (released)
        *released = count;
    int any = count ? serve_waiters(s) : 0;
    unlock_notify(s, any);
    return 0;
}
