/* gpu_standin.h — a stand-in GPU backend: a TEST DOUBLE of struct
 * wk_gpu_backend (exec_pool.h). It simulates N devices by running their
 * matmuls on the CPU (cpc_wk_matmul, exact), records which device ran which
 * task, counts how many ran at once, and can be told to fail one device
 * (its self-check, or every task it gets: "device lost").
 *
 * It exists because the machines that build and test this worker have no
 * GPU: tests/unit/test_worker_dispatch.c uses it directly, and `cpc-worker
 * run` uses it instead of CUDA when the environment sets
 * CPC_WK_STANDIN_GPUS=N (tests only; docs/worker.md). Nothing is allocated.
 */
#ifndef CPC_WORKER_GPU_STANDIN_H
#define CPC_WORKER_GPU_STANDIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "exec_pool.h"

#define WK_STANDIN_LOG 256

struct wk_standin {
    struct wk_gpu_backend backend; /* its calls come back to this struct */
    unsigned n;                    /* devices simulated, 1..CPC_WK_MAX_GPUS */
    int fail_task_dev;             /* this device fails every matmul; -1 none */
    int fail_check_dev;            /* this device fails its self-check; -1 none */
    pthread_mutex_t mu;            /* guards what follows */
    unsigned n_ran;                /* matmuls run (the log keeps the first WK_STANDIN_LOG) */
    struct { int dev; uint8_t seed[32]; bool ok; } ran[WK_STANDIN_LOG];
    unsigned busy, max_busy;       /* matmuls running now, and the most at once */
};

/* Make s (the caller's) simulate n devices, none failing. Then wk_standin_free. */
void wk_standin_init(struct wk_standin *s, unsigned n);
void wk_standin_free(struct wk_standin *s);
/* Make s from the environment: CPC_WK_STANDIN_GPUS=N (1..16) devices,
 * CPC_WK_STANDIN_FAIL=I (device I fails its tasks), CPC_WK_STANDIN_FAIL_CHECK=I
 * (device I fails its self-check). false (s untouched) when
 * CPC_WK_STANDIN_GPUS is unset or not 1..16. */
bool wk_standin_from_env(struct wk_standin *s);

#endif
