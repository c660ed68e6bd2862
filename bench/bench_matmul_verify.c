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
 * The measurements live in lib/matmul_measure.c (bench_market re-prints them).
 * Last two lines:
 *   detect: lazy=P partial_1_8=P bound_partial_1_8=B
 *   verify: matmul_n=N verify_cost_ratio=R   (R = verifier time / multiply time)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/matmul_measure.h"

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
    struct mm_verify_cost v;
    struct mm_detection d;
    if (mm_measure_verify_cost(n, &v) != 0)
        return 1;
    printf("matmul n=%u (int8 x int8 -> int32), %d challenged rows\n", n, MM_CHALLENGES);
    printf("worker: generate A,B %.3f s, reference multiply %.3f s (%.2f Gop/s), commit %.3f s, prove %.3f s\n",
           v.gen_s, v.multiply_s, 2.0 * (double)n * n * n / v.multiply_s / 1e9, v.commit_s,
           v.prove_s);
    printf("verifier: verify_rows %.4f s (mean of 5)\n", v.verify_s);
    if (mm_measure_detection(&d) != 0)
        return 1;
    mm_print_detect_line(&d);
    mm_print_verify_line(&v);
    return 0;
}
