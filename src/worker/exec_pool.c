/* exec_pool.c — the executors of a worker and the waves that run tasks on
 * them (exec_pool.h), with the CUDA backend. */
#include "exec_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"
#include "exec_cuda.h"
#include "gpu_probe.h"

/* ---- the CUDA backend ---- */

static int cuda_count(void *ctx)
{
    (void)ctx;
    return cpc_wk_cuda_devices();
}

static int cuda_prepare(void *ctx, int dev, char note[256])
{
    (void)ctx;
    /* each kernel's self-check runs in a child process (gpu_probe.h) */
    return wk_gpu_probe("/proc/self/exe", dev, note) == CPC_WK_CUDA_AUTO ? -1 : 0;
}

static int cuda_matmul(void *ctx, int dev, const struct cpc_matmul_spec *s, int32_t *C,
                       const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    (void)ctx;
    return cpc_wk_matmul_device(s, dev, C, ctl, err);
}

static bool cuda_sample(void *ctx, int dev, struct wk_gpu_stat *out)
{
    (void)ctx;
    return cpc_wk_gpu_sample((unsigned)dev, out->name, &out->load, &out->temp_c,
                             &out->mem_used_mb);
}

const struct wk_gpu_backend *wk_gpu_backend_cuda(void)
{
    static const struct wk_gpu_backend b = {
        .name = "cuda", .count = cuda_count, .prepare = cuda_prepare,
        .matmul = cuda_matmul, .sample = cuda_sample, .ctx = NULL,
    };
    return &b;
}

/* ---- selection ---- */

int wk_gpu_select_parse(const char *s, struct wk_gpu_select *out, struct cpc_err *err)
{
    memset(out, 0, sizeof *out);
    if (!s || !strcmp(s, "all") || !strcmp(s, "auto")) {
        out->all = true;
        return 0;
    }
    if (!strcmp(s, "none") || !strcmp(s, "off"))
        return 0;
    const char *p = s;
    for (;;) {
        char num[8];
        size_t len = strcspn(p, ",");
        uint64_t v;
        if (len == 0 || len >= sizeof num)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "--gpus must be all, none or a list of device indexes like "
                               "0,2,3, not \"%.40s\"",
                               s);
        memcpy(num, p, len);
        num[len] = 0;
        if (cpc_parse_u64(num, &v) != 0 || v > 63)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "--gpus: \"%s\" is not a device index (0..63)", num);
        for (unsigned i = 0; i < out->n; i++)
            if (out->index[i] == (int)v)
                return cpc_err_set(err, CPC_ERR_INVALID, "--gpus: device %u listed twice",
                                   (unsigned)v);
        if (out->n == CPC_WK_MAX_GPUS)
            return cpc_err_set(err, CPC_ERR_INVALID, "--gpus: at most %d devices",
                               CPC_WK_MAX_GPUS);
        out->index[out->n++] = (int)v;
        if (!p[len])
            return 0;
        p += len + 1;
    }
}

/* ---- the pool ---- */

static void exec_init(struct wk_executor *ex, int gpu)
{
    memset(ex, 0, sizeof *ex);
    ex->gpu = gpu;
    atomic_init(&ex->cancel, 0);
    atomic_init(&ex->progress, 0);
}

int wk_pool_init(struct wk_pool *p, const struct wk_gpu_backend *gpu,
                 const struct wk_gpu_select *sel, bool cpu, struct cpc_err *err)
{
    memset(p, 0, sizeof *p);
    p->gpu = gpu;
    if (cpu)
        exec_init(&p->ex[p->n++], -1);
    int have = gpu ? gpu->count(gpu->ctx) : 0;
    if (have < 0)
        have = 0;
    if (sel->all) {
        for (int d = 0; d < have && d < CPC_WK_MAX_GPUS; d++)
            exec_init(&p->ex[p->n++], d);
    } else {
        for (unsigned i = 0; i < sel->n; i++) {
            if (sel->index[i] < have) {
                exec_init(&p->ex[p->n++], sel->index[i]);
                continue;
            }
            p->n = 0; /* nothing made: wk_pool_free is a no-op */
            if (have)
                return cpc_err_set(err, CPC_ERR_INVALID,
                                   "--gpus: no GPU %d: this machine has %d (0..%d)",
                                   sel->index[i], have, have - 1);
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "--gpus: no GPU %d: this machine has none usable", sel->index[i]);
        }
    }
    if (p->n == 0)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "no executor: --cpu off and no GPU to use (see `cpc-worker devices`)");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return 0;
}

void wk_pool_free(struct wk_pool *p)
{
    if (p->n == 0)
        return;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    p->n = 0;
}

struct prep {
    struct wk_pool *p;
    struct wk_executor *ex;
    wk_pool_log_fn log;
    void *arg;
};

static void *prepare_one(void *arg)
{
    struct prep *q = arg;
    struct wk_pool *p = q->p;
    char note[256] = "";
    int rc = p->gpu->prepare(p->gpu->ctx, q->ex->gpu, note);
    if (rc != 0) {
        pthread_mutex_lock(&p->mu);
        q->ex->dead = true;
        snprintf(q->ex->why, sizeof q->ex->why, "self-check: %s", note);
        pthread_mutex_unlock(&p->mu);
    }
    if (q->log)
        q->log(q->arg, q->ex, rc == 0, note);
    return NULL;
}

/* Every GPU at once (each self-check may take seconds): a thread each. */
void wk_pool_prepare(struct wk_pool *p, wk_pool_log_fn log, void *arg)
{
    struct prep q[WK_POOL_MAX];
    pthread_t th[WK_POOL_MAX];
    bool started[WK_POOL_MAX] = {false};
    for (unsigned i = 0; i < p->n; i++) {
        if (p->ex[i].gpu < 0)
            continue;
        q[i] = (struct prep){p, &p->ex[i], log, arg};
        started[i] = pthread_create(&th[i], NULL, prepare_one, &q[i]) == 0;
        if (!started[i])
            prepare_one(&q[i]);
    }
    for (unsigned i = 0; i < p->n; i++)
        if (started[i])
            pthread_join(th[i], NULL);
}

bool wk_exec_can_run(const struct wk_executor *ex, enum cpc_job_kind kind)
{
    return ex->gpu < 0 || kind == CPC_KIND_MATMUL;
}

bool wk_pool_can_run(struct wk_pool *p, enum cpc_job_kind kind)
{
    bool yes = false;
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n && !yes; i++)
        yes = !p->ex[i].dead && wk_exec_can_run(&p->ex[i], kind);
    pthread_mutex_unlock(&p->mu);
    return yes;
}

static unsigned count_alive(struct wk_pool *p, bool gpu_only)
{
    unsigned n = 0;
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n; i++)
        n += !p->ex[i].dead && (!gpu_only || p->ex[i].gpu >= 0);
    pthread_mutex_unlock(&p->mu);
    return n;
}

unsigned wk_pool_alive(struct wk_pool *p) { return count_alive(p, false); }
unsigned wk_pool_gpus_alive(struct wk_pool *p) { return count_alive(p, true); }

int wk_exec_matmul(struct wk_pool *p, struct wk_executor *ex, const struct cpc_matmul_spec *s,
                   int32_t *C, const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    if (ex->gpu < 0)
        return cpc_wk_matmul(s, -1, C, ctl, NULL, err);
    return p->gpu->matmul(p->gpu->ctx, ex->gpu, s, C, ctl, err);
}

bool wk_exec_device_error(const struct wk_executor *ex, int rc)
{
    return ex->gpu >= 0 && rc != 0 && rc != CPC_ERR_CANCELLED && rc != CPC_ERR_INVALID &&
           rc != CPC_ERR_NOMEM && rc != CPC_ERR_NOT_FOUND;
}

/* ---- waves ---- */

enum { JOB_OPEN = 0, JOB_RUNNING = 1, JOB_ENDED = 2 };

struct wave {
    struct wk_pool *p;
    struct wk_wave_job *jobs;
    unsigned char *state;         /* JOB_* per job (guarded by p->mu) */
    bool absent[WK_POOL_MAX];     /* no thread for this executor (guarded by p->mu) */
    size_t n;
    wk_pool_job_fn fn;
    void *arg;
    atomic_int *stop;
    wk_pool_log_fn on_fail;
    void *log_arg;
};
struct runner {
    struct wave *w;
    unsigned ex;
};

/* Whether no live executor (other than the running ones, which may take it
 * when they end) can run job j: then it can never start. Under mu. */
static bool orphan(const struct wave *w, size_t j)
{
    for (unsigned i = 0; i < w->p->n; i++)
        if (!w->p->ex[i].dead && !w->absent[i] && wk_exec_can_run(&w->p->ex[i], w->jobs[j].kind))
            return false;
    return true;
}

/* The next job for ex, or -1 (none now). A CPU executor takes a matmul only
 * when no live GPU executor is idle, so GPUs get the matmuls. Under mu. */
static long pick(const struct wave *w, const struct wk_executor *ex, const bool *idle)
{
    long matmul = -1;
    for (size_t j = 0; j < w->n; j++) {
        if (w->state[j] != JOB_OPEN || !wk_exec_can_run(ex, w->jobs[j].kind))
            continue;
        if (ex->gpu >= 0 || w->jobs[j].kind != CPC_KIND_MATMUL)
            return (long)j;
        if (matmul < 0)
            matmul = (long)j;
    }
    if (matmul >= 0)
        for (unsigned i = 0; i < w->p->n; i++)
            if (w->p->ex[i].gpu >= 0 && !w->p->ex[i].dead && !w->absent[i] && idle[i])
                return -1;
    return matmul;
}

/* Whether every job has ended or can never start; open jobs that cannot are
 * ended here (NOT_FOUND, or CANCELLED under stop). Under mu. */
static bool wave_done(struct wave *w)
{
    bool done = true;
    bool stopping = w->stop && atomic_load(w->stop);
    for (size_t j = 0; j < w->n; j++) {
        if (w->state[j] == JOB_OPEN && (stopping || orphan(w, j))) {
            w->state[j] = JOB_ENDED;
            w->jobs[j].rc = stopping ? CPC_ERR_CANCELLED : CPC_ERR_NOT_FOUND;
            cpc_err_set(&w->jobs[j].err, w->jobs[j].rc,
                        stopping ? "stopped before it started"
                                 : "no live executor can run this kind");
        }
        done = done && w->state[j] == JOB_ENDED;
    }
    return done;
}

static void *runner_main(void *arg)
{
    struct runner *r = arg;
    struct wave *w = r->w;
    struct wk_pool *p = w->p;
    struct wk_executor *ex = &p->ex[r->ex];
    bool idle[WK_POOL_MAX];
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (ex->dead || wave_done(w))
            break;
        for (unsigned i = 0; i < p->n; i++)
            idle[i] = true;
        for (size_t j = 0; j < w->n; j++)
            if (w->state[j] == JOB_RUNNING && w->jobs[j].ran_on >= 0)
                idle[w->jobs[j].ran_on] = false;
        idle[r->ex] = false;
        long j = pick(w, ex, idle);
        if (j < 0) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        struct wk_wave_job *job = &w->jobs[j];
        w->state[j] = JOB_RUNNING;
        job->ran_on = (int)r->ex;
        job->started = true;
        memset(&job->err, 0, sizeof job->err);
        pthread_cond_broadcast(&p->cv); /* a CPU waiting on busy GPUs may now take a matmul */
        pthread_mutex_unlock(&p->mu);
        struct cpc_err e = {0};
        int rc = w->fn(w->arg, ex, (size_t)j, &e);
        bool lost = wk_exec_device_error(ex, rc);
        pthread_mutex_lock(&p->mu);
        if (lost) { /* this GPU is out; the job goes back for another executor */
            ex->dead = true;
            snprintf(ex->why, sizeof ex->why, "%s", e.msg);
            w->state[j] = JOB_OPEN;
            job->ran_on = -1;
            job->started = false;
        } else {
            w->state[j] = JOB_ENDED;
            job->rc = rc;
            job->err = e;
        }
        pthread_cond_broadcast(&p->cv);
        if (lost && w->on_fail) {
            pthread_mutex_unlock(&p->mu);
            w->on_fail(w->log_arg, ex, false, ex->why);
            pthread_mutex_lock(&p->mu);
        }
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int wk_pool_run_wave(struct wk_pool *p, struct wk_wave_job *jobs, size_t n, wk_pool_job_fn fn,
                     void *arg, atomic_int *stop, wk_pool_log_fn on_fail, void *log_arg)
{
    unsigned char *state = calloc(n ? n : 1, 1);
    if (!state)
        return CPC_ERR_NOMEM;
    for (size_t j = 0; j < n; j++) {
        jobs[j].rc = 0;
        jobs[j].ran_on = -1;
        jobs[j].started = false;
        memset(&jobs[j].err, 0, sizeof jobs[j].err);
    }
    struct wave w = {.p = p, .jobs = jobs, .state = state, .n = n, .fn = fn, .arg = arg,
                     .stop = stop, .on_fail = on_fail, .log_arg = log_arg};
    struct runner r[WK_POOL_MAX];
    pthread_t th[WK_POOL_MAX];
    bool started[WK_POOL_MAX] = {false};
    unsigned n_started = 0;
    for (unsigned i = 0; i < p->n; i++) {
        r[i] = (struct runner){&w, i};
        if (p->ex[i].dead)
            continue;
        if (pthread_create(&th[i], NULL, runner_main, &r[i]) == 0) {
            started[i] = true;
            n_started++;
        } else { /* the others must not wait on this one */
            pthread_mutex_lock(&p->mu);
            w.absent[i] = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
        }
    }
    if (n_started == 0) { /* no thread: end every job as not started */
        pthread_mutex_lock(&p->mu);
        for (size_t j = 0; j < n; j++)
            if (state[j] == JOB_OPEN) {
                state[j] = JOB_ENDED;
                jobs[j].rc = CPC_ERR_NOT_FOUND;
                cpc_err_set(&jobs[j].err, CPC_ERR_NOT_FOUND, "no executor thread");
            }
        pthread_mutex_unlock(&p->mu);
    }
    for (unsigned i = 0; i < p->n; i++)
        if (started[i])
            pthread_join(th[i], NULL);
    /* the last runner may have died with jobs still open for nobody */
    pthread_mutex_lock(&p->mu);
    wave_done(&w);
    pthread_mutex_unlock(&p->mu);
    free(state);
    return n_started || n == 0 ? 0 : CPC_ERR_INTERNAL;
}

/* ---- progress and the heartbeat's gpus ---- */

void wk_exec_set_running(struct wk_pool *p, struct wk_executor *ex, const char *id, double pct)
{
    pthread_mutex_lock(&p->mu);
    snprintf(ex->running_id, sizeof ex->running_id, "%s", id);
    ex->running_pct = pct;
    pthread_mutex_unlock(&p->mu);
}

void wk_pool_progress_json(struct wk_pool *p, json_t *obj)
{
    if (!json_is_object(obj))
        return;
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n; i++)
        if (p->ex[i].running_id[0])
            json_object_set_new(obj, p->ex[i].running_id, json_real(p->ex[i].running_pct));
    pthread_mutex_unlock(&p->mu);
}

json_t *wk_pool_gpus_json(struct wk_pool *p)
{
    int devs[WK_POOL_MAX];
    unsigned n = 0;
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n; i++)
        if (p->ex[i].gpu >= 0 && !p->ex[i].dead)
            devs[n++] = p->ex[i].gpu;
    pthread_mutex_unlock(&p->mu);
    if (n == 0)
        return NULL;
    json_t *arr = json_array();
    for (unsigned i = 0; i < n && arr; i++) {
        struct wk_gpu_stat st;
        memset(&st, 0, sizeof st);
        st.index = (unsigned)devs[i];
        if (!p->gpu->sample || !p->gpu->sample(p->gpu->ctx, devs[i], &st))
            memset(&st, 0, sizeof st);
        st.index = (unsigned)devs[i];
        if (!st.name[0])
            snprintf(st.name, sizeof st.name, "GPU %d", devs[i]);
        json_t *o = json_pack("{s:I, s:s, s:f, s:f, s:I}", "index", (json_int_t)st.index, "name",
                              st.name, "load", st.load, "temp_c", st.temp_c, "mem_used_mb",
                              (json_int_t)st.mem_used_mb);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}
