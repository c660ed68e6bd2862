/* exec_pool.h — the worker's executors and which task runs on which.
 *
 * One executor per GPU the worker uses (`--gpus all|none|0,2,3`; each GPU
 * executor drives its own CUDA device, so its own context and stream, and
 * runs one task at a time) and one for the CPU (unless `--cpu off`). A GPU
 * executor runs matmul tasks only; the CPU executor runs every kind.
 *
 * A wave (wk_pool_run_wave) runs a list of jobs at once, one thread per live
 * executor: each job goes to a free executor that can run its kind (a matmul
 * to a GPU first), and an executor that ends a job takes the next one it can
 * run. When a GPU executor fails a job with a device error (no CPU fallback
 * on a GPU executor), that GPU alone is taken out for the rest of the
 * process (its `why` says so) and the job goes back to the list, for another
 * executor of the same wave.
 *
 * The GPU side is a backend (struct wk_gpu_backend): CUDA (exec_cuda.h) in
 * the worker, or the stand-in of gpu_standin.h, a test double that simulates
 * N devices on the CPU, because the machines that build and test this have
 * no GPU. Nothing here allocates except wk_pool_gpus_json's result.
 */
#ifndef CPC_WORKER_EXEC_POOL_H
#define CPC_WORKER_EXEC_POOL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/kinds.h"
#include "../core/market.h"
#include "devices.h"
#include "executor.h"

#define WK_POOL_MAX (CPC_WK_MAX_GPUS + 1)

/* One GPU's load now: the heartbeat's `gpus` entry (docs/worker.md). */
struct wk_gpu_stat {
    unsigned index;
    char name[64];                /* [A-Za-z0-9_ .-] only */
    double load;                  /* 0..100 */
    double temp_c;                /* -100..300 */
    uint64_t mem_used_mb;
};

struct wk_gpu_backend {
    const char *name;             /* "cuda", "stand-in" */
    /* Devices present (0 when none). */
    int (*count)(void *ctx);
    /* Make dev ready (self-check its kernels): 0, or -1 with why in note. */
    int (*prepare)(void *ctx, int dev, char note[256]);
    /* A whole matmul task on dev, no CPU fallback: 0, CPC_ERR_CANCELLED,
     * CPC_ERR_INVALID (the spec), CPC_ERR_NOMEM (host memory), or any other
     * error: the device failed. C: the caller's m*n buffer. */
    int (*matmul)(void *ctx, int dev, const struct cpc_matmul_spec *s, int32_t *C,
                  const struct cpc_wk_ctl *ctl, struct cpc_err *err);
    /* dev's load into *out (the caller's); false when unknown. */
    bool (*sample)(void *ctx, int dev, struct wk_gpu_stat *out);
    void *ctx;                    /* the backend's own, passed to each call */
};

/* The CUDA backend (exec_cuda.h; kernels self-checked in child processes,
 * gpu_probe.h; loads from NVML). Static; nothing to free. */
const struct wk_gpu_backend *wk_gpu_backend_cuda(void);

/* Which GPUs: all present, none, or the listed CUDA indexes. */
struct wk_gpu_select {
    bool all;
    unsigned n;                   /* listed; 0 and !all: none */
    int index[CPC_WK_MAX_GPUS];
};
/* Parse `--gpus`: "all" or "auto" (all), "none" or "off", or a list "0,2,3"
 * (0..63, no repeats, at most CPC_WK_MAX_GPUS). NULL is "all". 0, or
 * CPC_ERR_INVALID with the reason in err. s is only read. */
int wk_gpu_select_parse(const char *s, struct wk_gpu_select *out, struct cpc_err *err);

struct wk_executor {
    int gpu;                      /* CUDA device; -1: the CPU executor */
    bool dead;                    /* taken out (guarded by the pool's mu) */
    char why[256];                /* why it was taken out */
    atomic_int cancel;            /* its running task's cancel flag */
    _Atomic uint64_t progress;    /* its running task's work units */
    char running_id[37];          /* its running task (guarded by mu; "" none) */
    double running_pct;
};

struct wk_pool {
    const struct wk_gpu_backend *gpu;
    struct wk_executor ex[WK_POOL_MAX];
    unsigned n;                   /* the CPU executor, when on, is ex[0] */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Make p (the caller's) with the selected GPUs of backend gpu (borrowed,
 * must outlive p; NULL: no GPU) and a CPU executor when cpu. A listed index
 * that the backend does not have is an error (CPC_ERR_INVALID, "no GPU 5:
 * this machine has 2 (0..1)"); so is a pool with no executor at all.
 * Returns 0 (then wk_pool_free) or the error (wk_pool_free is then a no-op,
 * as the agent calls it either way). */
int wk_pool_init(struct wk_pool *p, const struct wk_gpu_backend *gpu,
                 const struct wk_gpu_select *sel, bool cpu, struct cpc_err *err);
void wk_pool_free(struct wk_pool *p);

/* Self-check every GPU executor, all at once (a thread each); those that
 * fail are taken out. log (may be NULL) hears each outcome in words, from
 * those threads. */
typedef void (*wk_pool_log_fn)(void *arg, const struct wk_executor *ex, bool ok,
                               const char *msg);
void wk_pool_prepare(struct wk_pool *p, wk_pool_log_fn log, void *arg);

/* Whether ex (alive or not) can run kind; whether a live executor can. */
bool wk_exec_can_run(const struct wk_executor *ex, enum cpc_job_kind kind);
bool wk_pool_can_run(struct wk_pool *p, enum cpc_job_kind kind);
/* Live executors. */
unsigned wk_pool_alive(struct wk_pool *p);
/* Live GPU executors. */
unsigned wk_pool_gpus_alive(struct wk_pool *p);

/* A matmul task on ex: its GPU through the backend (no CPU fallback), or the
 * CPU (cpc_wk_matmul). C: the caller's m*n buffer. Errors as the backend's. */
int wk_exec_matmul(struct wk_pool *p, struct wk_executor *ex, const struct cpc_matmul_spec *s,
                   int32_t *C, const struct cpc_wk_ctl *ctl, struct cpc_err *err);

/* Whether rc, returned by a job on ex, says ex's device failed: a GPU
 * executor's error other than CANCELLED, INVALID, NOMEM, NOT_FOUND. */
bool wk_exec_device_error(const struct wk_executor *ex, int rc);

/* One job of a wave: fn(arg, ex, job) runs job number `job` on ex and
 * returns 0 or an error (err: the caller's per job, filled by fn). */
typedef int (*wk_pool_job_fn)(void *arg, struct wk_executor *ex, size_t job,
                              struct cpc_err *err);
struct wk_wave_job {
    enum cpc_job_kind kind;       /* in */
    int rc;                       /* out: fn's answer; CPC_ERR_CANCELLED, never
                                   * started, when stop was set first; CPC_ERR_NOT_FOUND,
                                   * never started, when no live executor can run it */
    int ran_on;                   /* out: index in p->ex of the executor that ended it; -1 none */
    bool started;                 /* out */
    struct cpc_err err;           /* out */
};
/* Run jobs[0..n) as described above; returns when every job has ended or
 * cannot start. stop (may be NULL): once non-zero no job starts. on_fail
 * (may be NULL) hears each GPU taken out (from the executor's thread).
 * Returns 0, or CPC_ERR_INTERNAL when no thread could be started. */
int wk_pool_run_wave(struct wk_pool *p, struct wk_wave_job *jobs, size_t n, wk_pool_job_fn fn,
                     void *arg, atomic_int *stop, wk_pool_log_fn on_fail, void *log_arg);

/* Set ex's running task (id "" when none) and progress, under mu. */
void wk_exec_set_running(struct wk_pool *p, struct wk_executor *ex, const char *id, double pct);
/* Add each running task's progress to obj (an object: id -> pct). */
void wk_pool_progress_json(struct wk_pool *p, json_t *obj);
/* The heartbeat's `gpus` array: each live GPU executor with its load (from
 * the backend; zeros when unknown). New reference; NULL on no memory or
 * when the pool has no live GPU (the field is then left out). */
json_t *wk_pool_gpus_json(struct wk_pool *p);

#endif
