/* matmul_measure.c — verify-cost and detection measurements of the matmul
 * kind (see matmul_measure.h), moved here from bench_matmul_verify.c so that
 * bench_market re-prints the same figures with the same code.
 */
#include "matmul_measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/kinds.h"

#define VERIFY_RUNS 5
#define DETECT_N 64

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

/* Commit, challenge, prove and verify one C: 1 when the verifier rejects it,
 * 0 when it accepts, -1 on an unexpected error. */
static int caught(const struct cpc_matmul_spec *s, const int32_t *C, const uint8_t cseed[32])
{
    uint8_t root[32];
    uint32_t rows[MM_CHALLENGES];
    struct cpc_merkle_proof proofs[MM_CHALLENGES];
    if (cpc_matmul_commit(s, C, root) != CPC_OK)
        return -1;
    cpc_matmul_challenge(cseed, s->m, MM_CHALLENGES, rows);
    if (cpc_matmul_prove(s, C, rows, MM_CHALLENGES, proofs) != CPC_OK)
        return -1;
    int rc = cpc_matmul_verify_rows(s, root, rows, MM_CHALLENGES, proofs, NULL);
    if (rc != CPC_OK && rc != CPC_ERR_INVALID_RESULT)
        return -1;
    return rc == CPC_ERR_INVALID_RESULT;
}

int mm_measure_detection(struct mm_detection *out)
{
    const size_t cells = (size_t)DETECT_N * DETECT_N;
    int32_t *C = malloc(cells * sizeof *C);
    int8_t *A = malloc(cells), *B = malloc(cells);
    int rc = -1;
    if (!C || !A || !B) {
        fprintf(stderr, "matmul_measure: out of memory\n");
        goto out;
    }
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    unsigned lazy_caught = 0, partial_caught = 0;
    for (uint32_t t = 0; t < MM_CHEATERS; t++) {
        struct cpc_matmul_spec s = {.m = DETECT_N, .k = DETECT_N, .n = DETECT_N};
        uint8_t cseed[32];
        cpc_matmul_task_seed(s.seed, (const uint8_t[32]){1}, t);
        cpc_sha256(cseed, s.seed, 32);
        /* lazy: random values of the right magnitude */
        for (size_t i = 0; i < cells; i++)
            C[i] = (int32_t)(rng_next(&rng) % 65537) - 32768;
        int c = caught(&s, C, cseed);
        if (c < 0)
            goto fail;
        lazy_caught += (unsigned)c;
        /* partial: the honest C with 1 row in 8 wrong */
        cpc_matmul_gen_a(&s, A);
        cpc_matmul_gen_b(&s, B);
        cpc_matmul_reference(&s, A, B, C);
        uint32_t perm[DETECT_N];
        for (uint32_t i = 0; i < DETECT_N; i++)
            perm[i] = i;
        for (uint32_t i = 0; i < DETECT_N / 8; i++) {
            uint32_t j = i + (uint32_t)(rng_next(&rng) % (DETECT_N - i));
            uint32_t tmp = perm[i];
            perm[i] = perm[j], perm[j] = tmp;
            C[(size_t)perm[i] * DETECT_N + rng_next(&rng) % DETECT_N] += 1;
        }
        if ((c = caught(&s, C, cseed)) < 0)
            goto fail;
        partial_caught += (unsigned)c;
    }
    double bound = 1.0;
    for (int i = 0; i < MM_CHALLENGES; i++)
        bound *= 7.0 / 8.0;
    out->cheaters = MM_CHEATERS;
    out->lazy = (double)lazy_caught / MM_CHEATERS;
    out->partial_1_8 = (double)partial_caught / MM_CHEATERS;
    out->bound_partial_1_8 = 1.0 - bound;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "matmul_measure: commit/prove/verify failed unexpectedly\n");
out:
    free(A);
    free(B);
    free(C);
    return rc;
}

int mm_measure_verify_cost(uint32_t n, struct mm_verify_cost *out)
{
    if (n < 1 || n > CPC_MATMUL_MAX_DIM) {
        fprintf(stderr, "matmul_measure: N out of range\n");
        return -1;
    }
    struct cpc_matmul_spec s = {.m = n, .k = n, .n = n};
    cpc_matmul_task_seed(s.seed, (const uint8_t[32]){0}, 0);
    const size_t cells = (size_t)n * n;
    int8_t *A = malloc(cells), *B = malloc(cells);
    int32_t *C = malloc(cells * sizeof *C);
    int rc = -1;
    struct cpc_err err = {0};
    if (!A || !B || !C) {
        fprintf(stderr, "matmul_measure: out of memory\n");
        goto out;
    }
    double t0 = cpu_s();
    cpc_matmul_gen_a(&s, A);
    cpc_matmul_gen_b(&s, B);
    double t1 = cpu_s();
    cpc_matmul_reference(&s, A, B, C);
    double t2 = cpu_s();
    uint8_t root[32], cseed[32];
    if (cpc_matmul_commit(&s, C, root) != CPC_OK) {
        fprintf(stderr, "matmul_measure: commit failed\n");
        goto out;
    }
    double t3 = cpu_s();
    uint32_t rows[MM_CHALLENGES];
    struct cpc_merkle_proof proofs[MM_CHALLENGES];
    cpc_sha256(cseed, root, 32);
    cpc_matmul_challenge(cseed, s.m, MM_CHALLENGES, rows);
    if (cpc_matmul_prove(&s, C, rows, MM_CHALLENGES, proofs) != CPC_OK) {
        fprintf(stderr, "matmul_measure: prove failed\n");
        goto out;
    }
    double t4 = cpu_s();
    double v0 = cpu_s();
    for (int r = 0; r < VERIFY_RUNS; r++)
        if (cpc_matmul_verify_rows(&s, root, rows, MM_CHALLENGES, proofs, &err) != CPC_OK) {
            fprintf(stderr, "matmul_measure: honest result rejected: %s\n", err.msg);
            goto out;
        }
    out->n = n;
    out->gen_s = t1 - t0;
    out->multiply_s = t2 - t1;
    out->commit_s = t3 - t2;
    out->prove_s = t4 - t3;
    out->verify_s = (cpu_s() - v0) / VERIFY_RUNS;
    out->ratio = out->multiply_s > 0 ? out->verify_s / out->multiply_s : 0.0;
    rc = 0;
out:
    free(A);
    free(B);
    free(C);
    return rc;
}

void mm_print_verify_line(const struct mm_verify_cost *v)
{
    printf("verify: matmul_n=%u verify_cost_ratio=%.6f\n", v->n, v->ratio);
}

void mm_print_detect_line(const struct mm_detection *d)
{
    printf("detect: lazy=%.3f partial_1_8=%.3f bound_partial_1_8=%.3f\n", d->lazy,
           d->partial_1_8, d->bound_partial_1_8);
}
