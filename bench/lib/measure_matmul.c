/* measure_matmul.c — bench_measure_matmul (worker_measure.h): the worker's CPU
 * matmul executor against OpenBLAS sgemm at the same n and thread count.
 *
 * Both sides multiply the same matrices (generated from one spec; sgemm on
 * float copies), with the same threads (cpc_wk_threads of a default ctl, i.e.
 * all online CPUs; openblas_set_num_threads to match). Each side: one warm-up
 * run, then the best wall time (CLOCK_MONOTONIC) of 3. int8 giga-ops/s and
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
#include "worker/executor.h"

#define MM_RUNS 3
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

int bench_measure_matmul(unsigned n, double *int8_gops, double *sgemm_gflops)
{
    if (n < 1 || n > CPC_MATMUL_MAX_DIM) {
        fprintf(stderr, "bench matmul: n=%u out of range\n", n);
        return -1;
    }
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

    double best = 1e30;
    for (int run = 0; run <= MM_RUNS; run++) { /* run 0 is the warm-up */
        struct cpc_err err = {0};
        double t0 = now_s();
        if (cpc_wk_matmul_cpu(&s, A, B, C, &ctl, &err) != 0) {
            fprintf(stderr, "bench matmul: %s\n", err.msg);
            goto out;
        }
        double dt = now_s() - t0;
        if (run > 0 && dt < best)
            best = dt;
    }
    if (check_c(&s, A, B, C) != 0)
        goto out;
    *int8_gops = ops / best / 1e9;

    openblas_set_num_threads((int)threads);
    best = 1e30;
    for (int run = 0; run <= MM_RUNS; run++) {
        double t0 = now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, fa,
                    (int)n, fb, (int)n, 0.0f, fc, (int)n);
        double dt = now_s() - t0;
        if (run > 0 && dt < best)
            best = dt;
    }
    *sgemm_gflops = ops / best / 1e9;
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
