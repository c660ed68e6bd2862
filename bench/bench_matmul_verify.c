/* bench_matmul_verify.c — cost of verifying a matmul task against doing it.
 *
 * 1. Worker side at m = k = n = N (default 1024): generate A and B, multiply
 *    with the reference executor, commit to C's rows, open 16 challenged rows.
 * 2. Verifier side: cpc_matmul_verify_rows on those 16 rows (regenerates B,
 *    recomputes 16 rows, checks 16 Merkle proofs), averaged over a few runs.
 *    Times are CPU time of this process (CLOCK_PROCESS_CPUTIME_ID).
 * 3. Detection: 1000 simulated cheaters at a small size (m = k = n = 64, 16
 *    challenges): lazy ones (random C) and partial ones (1 row in 8 wrong),
 *    against the bound 1 - (7/8)^16 for the latter.
 * Last two lines:
 *   detect: lazy=P partial_1_8=P bound_partial_1_8=B
 *   verify: matmul_n=N verify_cost_ratio=R   (R = verifier time / multiply time)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/kinds.h"

#define CHALLENGES 16
#define VERIFY_RUNS 5
#define CHEATERS 1000
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

static void die(const char *what)
{
    fprintf(stderr, "bench_matmul_verify: %s\n", what);
    exit(1);
}

/* Commit, challenge, prove and verify one C; 1 when the verifier rejects it. */
static int caught(const struct cpc_matmul_spec *s, const int32_t *C, const uint8_t cseed[32])
{
    uint8_t root[32];
    uint32_t rows[CHALLENGES];
    struct cpc_merkle_proof proofs[CHALLENGES];
    if (cpc_matmul_commit(s, C, root) != CPC_OK)
        die("commit failed");
    cpc_matmul_challenge(cseed, s->m, CHALLENGES, rows);
    if (cpc_matmul_prove(s, C, rows, CHALLENGES, proofs) != CPC_OK)
        die("prove failed");
    int rc = cpc_matmul_verify_rows(s, root, rows, CHALLENGES, proofs, NULL);
    if (rc != CPC_OK && rc != CPC_ERR_INVALID_RESULT)
        die("verify failed unexpectedly");
    return rc == CPC_ERR_INVALID_RESULT;
}

static void detection(void)
{
    const size_t cells = (size_t)DETECT_N * DETECT_N;
    int32_t *C = malloc(cells * sizeof *C);
    if (!C)
        die("out of memory");
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    unsigned lazy_caught = 0, partial_caught = 0;
    for (uint32_t t = 0; t < CHEATERS; t++) {
        struct cpc_matmul_spec s = {.m = DETECT_N, .k = DETECT_N, .n = DETECT_N};
        uint8_t cseed[32];
        cpc_matmul_task_seed(s.seed, (const uint8_t[32]){1}, t);
        cpc_sha256(cseed, s.seed, 32);
        /* lazy: random values of the right magnitude */
        for (size_t i = 0; i < cells; i++)
            C[i] = (int32_t)(rng_next(&rng) % 65537) - 32768;
        lazy_caught += (unsigned)caught(&s, C, cseed);
        /* partial: the honest C with 1 row in 8 wrong */
        int8_t *A = malloc(cells), *B = malloc(cells);
        if (!A || !B)
            die("out of memory");
        cpc_matmul_gen_a(&s, A);
        cpc_matmul_gen_b(&s, B);
        cpc_matmul_reference(&s, A, B, C);
        free(A);
        free(B);
        uint32_t perm[DETECT_N];
        for (uint32_t i = 0; i < DETECT_N; i++)
            perm[i] = i;
        for (uint32_t i = 0; i < DETECT_N / 8; i++) {
            uint32_t j = i + (uint32_t)(rng_next(&rng) % (DETECT_N - i));
            uint32_t tmp = perm[i];
            perm[i] = perm[j], perm[j] = tmp;
            C[(size_t)perm[i] * DETECT_N + rng_next(&rng) % DETECT_N] += 1;
        }
        partial_caught += (unsigned)caught(&s, C, cseed);
    }
    free(C);
    double bound = 1.0;
    for (int i = 0; i < CHALLENGES; i++)
        bound *= 7.0 / 8.0;
    bound = 1.0 - bound;
    printf("detect: lazy=%.3f partial_1_8=%.3f bound_partial_1_8=%.3f\n",
           (double)lazy_caught / CHEATERS, (double)partial_caught / CHEATERS, bound);
}

int main(int argc, char **argv)
{
    uint32_t n = 1024;
    if (argc == 3 && strcmp(argv[1], "--n") == 0)
        n = (uint32_t)strtoul(argv[2], NULL, 10);
    else if (argc != 1) {
        printf("Usage: bench_matmul_verify [--n N]\n"
               "Worker (reference multiply) vs verifier (16 challenged rows) CPU time at m=k=n=N.\n");
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    if (n < 1 || n > CPC_MATMUL_MAX_DIM)
        die("N out of range");

    struct cpc_matmul_spec s = {.m = n, .k = n, .n = n};
    cpc_matmul_task_seed(s.seed, (const uint8_t[32]){0}, 0);
    const size_t cells = (size_t)n * n;
    int8_t *A = malloc(cells), *B = malloc(cells);
    int32_t *C = malloc(cells * sizeof *C);
    if (!A || !B || !C)
        die("out of memory");

    double t0 = cpu_s();
    cpc_matmul_gen_a(&s, A);
    cpc_matmul_gen_b(&s, B);
    double t1 = cpu_s();
    cpc_matmul_reference(&s, A, B, C);
    double t2 = cpu_s();
    uint8_t root[32], cseed[32];
    if (cpc_matmul_commit(&s, C, root) != CPC_OK)
        die("commit failed");
    double t3 = cpu_s();
    uint32_t rows[CHALLENGES];
    struct cpc_merkle_proof proofs[CHALLENGES];
    cpc_sha256(cseed, root, 32);
    cpc_matmul_challenge(cseed, s.m, CHALLENGES, rows);
    if (cpc_matmul_prove(&s, C, rows, CHALLENGES, proofs) != CPC_OK)
        die("prove failed");
    double t4 = cpu_s();

    struct cpc_err err;
    double v0 = cpu_s();
    for (int r = 0; r < VERIFY_RUNS; r++)
        if (cpc_matmul_verify_rows(&s, root, rows, CHALLENGES, proofs, &err) != CPC_OK)
            die(err.msg);
    double verify = (cpu_s() - v0) / VERIFY_RUNS;
    const double multiply = t2 - t1;

    printf("matmul n=%u (int8 x int8 -> int32), %d challenged rows\n", n, CHALLENGES);
    printf("worker: generate A,B %.3f s, reference multiply %.3f s (%.2f Gop/s), commit %.3f s, prove %.3f s\n",
           t1 - t0, multiply, 2.0 * (double)n * n * n / multiply / 1e9, t3 - t2, t4 - t3);
    printf("verifier: verify_rows %.4f s (mean of %d)\n", verify, VERIFY_RUNS);
    free(A);
    free(B);
    free(C);

    detection();
    printf("verify: matmul_n=%u verify_cost_ratio=%.6f\n", n, verify / multiply);
    return 0;
}
