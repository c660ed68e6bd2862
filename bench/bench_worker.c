/* bench_worker.c — the provider agent's executors on this machine, each next
 * to a reference measured in the same run (bench/lib/measure_*.c):
 *   hashpow: one thread of cpc_wk_hashpow vs libcrypto SHA-256 (EVP, as
 *            `openssl speed -evp sha256 -bytes 64`) on 64-byte inputs (and,
 *            on a line before the last three, on the executor's own
 *            40-byte messages);
 *   vanity:  keys tried per second by cpc_wk_vanity (all threads);
 *   matmul:  cpc_wk_matmul_cpu (int8 -> int32, all threads; oneDNN when
 *            built with it) vs OpenBLAS sgemm and vs oneDNN's int8 gemm
 *            called directly, at the same n and thread count.
 * The last four lines are exactly:
 *   hashpow: mhs_per_core=X openssl_mhs_per_core=Y ratio=Z
 *   vanity: keys_per_s=X
 *   matmul_openblas: n=1024 int8_gops=X openblas_sgemm_gflops=Y ratio=Z
 *   matmul: n=1024 int8_gops=X onednn_int8_gops=Y ratio=Z
 * (onednn_int8_gops=0 ratio=0 when oneDNN is absent or not exact here; why on
 * stderr). A line before them gives the own kernel alone (the fallback).
 * The GPU line (cuda_matmul: ...) comes from bench/cuda/run.sh on a GPU machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/worker_measure.h"
#include "worker/executor.h"

int main(int argc, char **argv)
{
    unsigned n = 1024;
    double seconds = 2.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) {
            n = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = strtod(argv[++i], NULL);
        } else {
            printf("Usage: bench_worker [--n N] [--seconds S]\n"
                   "Worker executors vs references measured in the same run (see source).\n");
            return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? 2 : 0;
        }
    }
    if (n < 16 || n > 8192 || !(seconds > 0) || seconds > 60) {
        fprintf(stderr, "bench_worker: --n 16..8192, --seconds (0, 60]\n");
        return 2;
    }
    double mhs = 0, ref_mhs = 0, ref40_mhs = 0, keys = 0;
    struct bench_matmul mm;
    fprintf(stderr, "bench_worker: matmul CPU backend %s (fallback: own %s), %u threads\n",
            cpc_wk_matmul_cpu_backend(), cpc_wk_matmul_cpu_kernel(), cpc_wk_threads(NULL));
    if (bench_measure_hashpow(seconds, &mhs, &ref_mhs, &ref40_mhs) != 0 ||
        bench_measure_matmul(n, &mm) != 0 || bench_measure_vanity(seconds, &keys) != 0)
        return 1;
    /* not one of the last lines: the same reference on the executor's own messages */
    printf("hashpow_40B: openssl_mhs_per_core=%.2f ratio=%.2f (libcrypto on the executor's own "
           "40-byte seed|nonce messages: one block, not two)\n", ref40_mhs, mhs / ref40_mhs);
    printf("matmul_own: n=%u int8_gops=%.1f kernel=%s (the fallback alone)\n", n,
           mm.own_int8_gops, cpc_wk_matmul_cpu_kernel());
    printf("hashpow: mhs_per_core=%.2f openssl_mhs_per_core=%.2f ratio=%.2f\n", mhs, ref_mhs,
           mhs / ref_mhs);
    printf("vanity: keys_per_s=%.0f\n", keys);
    printf("matmul_openblas: n=%u int8_gops=%.1f openblas_sgemm_gflops=%.1f ratio=%.2f\n", n,
           mm.int8_gops, mm.sgemm_gflops, mm.int8_gops / mm.sgemm_gflops);
    printf("matmul: n=%u int8_gops=%.1f onednn_int8_gops=%.1f ratio=%.2f\n", n, mm.int8_gops,
           mm.onednn_int8_gops, mm.onednn_int8_gops > 0 ? mm.int8_gops / mm.onednn_int8_gops : 0.0);
    return 0;
}
