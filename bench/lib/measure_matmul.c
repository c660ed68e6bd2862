/* measure_matmul.c — bench_measure_matmul (worker_measure.h): the worker's CPU
 * matmul executor (cpc_wk_matmul_cpu: oneDNN when built with it, else the own
 * kernel), its own kernel alone (the fallback), oneDNN's dnnl_gemm_s8s8s32
 * called directly (the executor's wrapper overhead is their ratio), and
 * OpenBLAS sgemm, at the same n and thread count.
 *
 * All multiply the same matrices (generated from one spec; sgemm on float
 * copies), with the same threads (cpc_wk_threads of a default ctl, i.e. all
 * online CPUs; cpc__wk_onednn_threads / openblas_set_num_threads to match).
 * Each: MM_WARMUP unmeasured calls, then the best wall time (CLOCK_MONOTONIC)
 * of MM_RUNS, the int8 ones interleaved call by call. int8 giga-ops/s and
 * sgemm GFLOPS both count 2*n^3 operations. Our C is checked against
 * cpc_matmul_reference: fully for n <= 512, else on 16 rows (first, last and
 * spread ones, via cpc_matmul_row); any mismatch fails the measurement.
 */
#include "worker_measure.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/kinds.h"
#include "worker/exec_matmul_cpu.h"
#include "worker/exec_matmul_onednn.h"
#include "worker/executor.h"

#ifdef CPC_HAVE_ONEDNN
#include <dnnl.h>
#endif

#define MM_WARMUP 3
#define MM_RUNS 15
#define MM_FULL_CHECK_MAX 512
#define MM_CHECK_ROWS 16

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 0 when C matches the reference, -1 (message on stderr) otherwise. */
static int check_c(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B, const int32_t *C)
{
    size_t m = s->m, n = s->n;
    int32_t *want = malloc((n <= MM_FULL_CHECK_MAX ? m : 1) * n * sizeof *want);
    if (!want) {
        fprintf(stderr, "bench matmul: out of memory\n");
        return -1;
    }
    int rc = 0;
    if (n <= MM_FULL_CHECK_MAX) {
        cpc_matmul_reference(s, A, B, want);
        if (memcmp(want, C, m * n * sizeof *want) != 0) {
            fprintf(stderr, "bench matmul: worker C differs from cpc_matmul_reference at n=%zu\n", n);
            rc = -1;
        }
    } else {
        for (unsigned i = 0; i < MM_CHECK_ROWS && rc == 0; i++) {
            uint32_t row = (uint32_t)((m - 1) * i / (MM_CHECK_ROWS - 1)); /* 0 .. m-1 */
            cpc_matmul_row(s, B, row, want);
            if (memcmp(want, C + (size_t)row * n, n * sizeof *want) != 0) {
                fprintf(stderr, "bench matmul: worker C row %u differs from the reference\n", row);
                rc = -1;
            }
        }
    }
    free(want);
    return rc;
}

/* A CPU matmul as cpc_wk_matmul_cpu takes it. */
typedef int (*mm_fn)(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B, int32_t *C,
                     const struct cpc_wk_ctl *ctl, struct cpc_err *err);

/* The own kernel alone: what runs when oneDNN is absent or fails. */
static int own_kernel(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                      int32_t *C, const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    return cpc__wk_matmul_cpu_with(cpc_wk_matmul_cpu_kernel(), s, A, B, C, ctl, err);
}

#ifdef CPC_HAVE_ONEDNN
/* oneDNN itself, as an application would call it: one gemm, no bands, the
 * same OpenMP thread count as the executor. */
static int onednn_direct(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                         int32_t *C, const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    const int32_t co = 0;
    dnnl_dim_t m = s->m, k = s->k, n = s->n;
    cpc__wk_onednn_threads(cpc_wk_threads(ctl));
    dnnl_status_t st = dnnl_gemm_s8s8s32('N', 'N', 'F', m, n, k, 1.0f, A, k, 0, B, n, 0, 0.0f, C,
                                         n, &co);
    return st == dnnl_success ? 0 : cpc_err_set(err, CPC_ERR_INTERNAL, "dnnl_gemm_s8s8s32: %d", st);
}
#endif

/* Best seconds of MM_RUNS calls of each of fns[0..nf) after MM_WARMUP calls
 * of each, the calls of the functions interleaved so that a slower phase of
 * the machine hits all of them; C of each is checked. -1 on any failure. */
static int time_fns(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B, int32_t *C,
                    const struct cpc_wk_ctl *ctl, const mm_fn *fns, size_t nf, double *best)
{
    for (size_t f = 0; f < nf; f++)
        best[f] = 1e30;
    for (int run = 0; run < MM_WARMUP + MM_RUNS; run++)
        for (size_t f = 0; f < nf; f++) {
            struct cpc_err err = {0};
            double t0 = now_s();
            if (fns[f](s, A, B, C, ctl, &err) != 0) {
                fprintf(stderr, "bench matmul: %s\n", err.msg);
                return -1;
            }
            double dt = now_s() - t0;
            if (run >= MM_WARMUP && dt < best[f])
                best[f] = dt;
            if (run == MM_WARMUP && check_c(s, A, B, C) != 0)
                return -1;
        }
    return 0;
}

int bench_measure_matmul(unsigned n, struct bench_matmul *out)
{
    if (n < 1 || n > CPC_MATMUL_MAX_DIM) {
        fprintf(stderr, "bench matmul: n=%u out of range\n", n);
        return -1;
    }
    memset(out, 0, sizeof *out);
    struct cpc_matmul_spec s;
    for (int i = 0; i < 32; i++)
        s.seed[i] = (uint8_t)(0xb0 + i);
    s.m = s.k = s.n = n;
    size_t nn = (size_t)n * n;
    const double ops = 2.0 * (double)n * (double)n * (double)n;
    struct cpc_wk_ctl ctl = {.cancel = NULL, .done = NULL, .threads = 0};
    unsigned threads = cpc_wk_threads(&ctl);
    ctl.threads = threads;

    int8_t *A = malloc(nn), *B = malloc(nn);
    int32_t *C = malloc(nn * sizeof *C);
    float *fa = malloc(nn * sizeof *fa), *fb = malloc(nn * sizeof *fb), *fc = malloc(nn * sizeof *fc);
    int rc = -1;
    if (!A || !B || !C || !fa || !fb || !fc) {
        fprintf(stderr, "bench matmul: out of memory at n=%u\n", n);
        goto out;
    }
    cpc_matmul_gen_a(&s, A);
    cpc_matmul_gen_b(&s, B);
    for (size_t i = 0; i < nn; i++) {
        fa[i] = (float)A[i];
        fb[i] = (float)B[i];
    }

    mm_fn fns[3] = {cpc_wk_matmul_cpu, own_kernel};
    size_t nf = 2;
#ifdef CPC_HAVE_ONEDNN
    if (cpc__wk_matmul_cpu_has("onednn"))
        fns[nf++] = onednn_direct;
    else
        fprintf(stderr, "bench matmul: oneDNN's ISA here (%s) is not exact (no VNNI): "
                "onednn_int8_gops=0\n", cpc__wk_onednn_isa());
#else
    fprintf(stderr, "bench matmul: built without oneDNN (libdnnl-dev not found at configure "
            "time): onednn_int8_gops=0\n");
#endif
    double best[3];
    if (time_fns(&s, A, B, C, &ctl, fns, nf, best) != 0)
        goto out;
    out->int8_gops = ops / best[0] / 1e9;
    out->own_int8_gops = ops / best[1] / 1e9;
    out->onednn_int8_gops = nf > 2 ? ops / best[2] / 1e9 : 0;

    openblas_set_num_threads((int)threads);
    double bs = 1e30;
    for (int run = 0; run < MM_WARMUP + MM_RUNS; run++) {
        double t0 = now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, fa,
                    (int)n, fb, (int)n, 0.0f, fc, (int)n);
        double dt = now_s() - t0;
        if (run >= MM_WARMUP && dt < bs)
            bs = dt;
    }
    out->sgemm_gflops = ops / bs / 1e9;
    out->threads = threads;
    rc = 0;
out:
    free(A);
    free(B);
    free(C);
    free(fa);
    free(fb);
    free(fc);
    return rc;
}
