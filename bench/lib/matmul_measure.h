/* matmul_measure.h — the matmul verification-cost and cheater-detection
 * measurements behind the issue's `verify:` and `detect:` lines, shared by
 * bench_matmul_verify and bench_market (which re-prints them last).
 *
 * Verify cost: at m = k = n = N the worker generates A and B, multiplies
 * with the core reference executor, commits to C's rows and opens
 * MM_CHALLENGES challenged rows; the verifier (cpc_matmul_verify_rows)
 * regenerates B, recomputes those rows and checks their Merkle proofs.
 * Times are CPU time of this process; the ratio is verify / multiply.
 * Detection: MM_CHEATERS simulated cheaters at m = k = n = 64: lazy ones
 * (random C) and partial ones (1 row in 8 wrong), against the bound
 * 1 - (7/8)^MM_CHALLENGES for the latter.
 */
#ifndef CPC_BENCH_MATMUL_MEASURE_H
#define CPC_BENCH_MATMUL_MEASURE_H

#include <stdint.h>

#define MM_CHALLENGES 16
#define MM_CHEATERS 1000

struct mm_verify_cost {
    uint32_t n;
    double gen_s, multiply_s, commit_s, prove_s; /* worker side */
    double verify_s;                             /* verifier, mean of a few runs */
    double ratio;                                /* verify_s / multiply_s */
};

struct mm_detection {
    unsigned cheaters;
    double lazy, partial_1_8, bound_partial_1_8; /* fractions caught, and the bound */
};

/* 0, or -1 with a message on stderr (out of memory, unexpected verifier error). */
int mm_measure_verify_cost(uint32_t n, struct mm_verify_cost *out);
int mm_measure_detection(struct mm_detection *out);

/* The lines, exactly as the benches print them:
 *   verify: matmul_n=N verify_cost_ratio=R
 *   detect: lazy=P partial_1_8=P bound_partial_1_8=B */
void mm_print_verify_line(const struct mm_verify_cost *v);
void mm_print_detect_line(const struct mm_detection *d);

#endif
