/* gpu_standin.c — the stand-in GPU backend, a test double (gpu_standin.h):
 * these machines have no GPU, so the devices are simulated on the CPU. */
#include "gpu_standin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/amount.h"

static int standin_count(void *ctx)
{
    const struct wk_standin *s = ctx;
    return (int)s->n;
}

static int standin_prepare(void *ctx, int dev, char note[256])
{
    const struct wk_standin *s = ctx;
    if (dev == s->fail_check_dev) {
        snprintf(note, 256, "stand-in GPU %d: self-check failed (simulated)", dev);
        return -1;
    }
    snprintf(note, 256, "stand-in GPU %d: ready (simulated on the CPU)", dev);
    return 0;
}

static int standin_matmul(void *ctx, int dev, const struct cpc_matmul_spec *spec, int32_t *C,
                          const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    struct wk_standin *s = ctx;
    bool fail = dev == s->fail_task_dev;
    pthread_mutex_lock(&s->mu);
    if (s->n_ran < WK_STANDIN_LOG) {
        s->ran[s->n_ran].dev = dev;
        memcpy(s->ran[s->n_ran].seed, spec->seed, 32);
        s->ran[s->n_ran].ok = !fail;
    }
    s->n_ran++;
    if (++s->busy > s->max_busy)
        s->max_busy = s->busy;
    pthread_mutex_unlock(&s->mu);
    int rc = fail ? cpc_err_set(err, CPC_ERR_IO, "stand-in GPU %d: device lost (simulated)", dev)
                  : cpc_wk_matmul(spec, -1, C, ctl, NULL, err);
    pthread_mutex_lock(&s->mu);
    s->busy--;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static bool standin_sample(void *ctx, int dev, struct wk_gpu_stat *out)
{
    struct wk_standin *s = ctx;
    pthread_mutex_lock(&s->mu);
    unsigned busy = s->busy;
    pthread_mutex_unlock(&s->mu);
    snprintf(out->name, sizeof out->name, "Stand-in GPU %d", dev);
    out->load = busy ? 100.0 : 0.0;
    out->temp_c = 40.0 + dev;
    out->mem_used_mb = 0;
    return true;
}

void wk_standin_init(struct wk_standin *s, unsigned n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->fail_task_dev = -1;
    s->fail_check_dev = -1;
    pthread_mutex_init(&s->mu, NULL);
    s->backend = (struct wk_gpu_backend){
        .name = "stand-in", .count = standin_count, .prepare = standin_prepare,
        .matmul = standin_matmul, .sample = standin_sample, .ctx = s,
    };
}

void wk_standin_free(struct wk_standin *s)
{
    pthread_mutex_destroy(&s->mu);
}

static int env_index(const char *name)
{
    const char *v = getenv(name);
    uint64_t x;
    return v && cpc_parse_u64(v, &x) == 0 && x < CPC_WK_MAX_GPUS ? (int)x : -1;
}

bool wk_standin_from_env(struct wk_standin *s)
{
    const char *v = getenv("CPC_WK_STANDIN_GPUS");
    uint64_t n;
    if (!v || cpc_parse_u64(v, &n) != 0 || n < 1 || n > CPC_WK_MAX_GPUS)
        return false;
    wk_standin_init(s, (unsigned)n);
    s->fail_task_dev = env_index("CPC_WK_STANDIN_FAIL");
    s->fail_check_dev = env_index("CPC_WK_STANDIN_FAIL_CHECK");
    return true;
}
