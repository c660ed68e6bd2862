/* worker_measure.h — the measurements behind bench_worker's last lines
 * (issue: cpc-worker benchmark). Each returns 0, or -1 with a message on
 * stderr. Figures are measured in this process, in this run, against a
 * reference run right beside them. */
#ifndef CPC_BENCH_WORKER_MEASURE_H
#define CPC_BENCH_WORKER_MEASURE_H

/* hashpow on one thread for about `seconds`: the worker's executor
 * (cpc_wk_hashpow, threads = 1) vs libcrypto's SHA-256 (EVP) on 64-byte
 * inputs, as openssl speed -bytes 64 does, and (openssl40_mhs_per_core, may
 * be NULL) on the executor's own 40-byte messages, seed 32 | nonce 8.
 * Millions of hashes/s. */
int bench_measure_hashpow(double seconds, double *mhs_per_core, double *openssl_mhs_per_core,
                          double *openssl40_mhs_per_core);

/* matmul at n x n x n: the worker's CPU kernel (all threads) in int8 giga-ops/s
 * (2*n^3 / s) vs OpenBLAS sgemm on the same n (GFLOPS, same thread count). */
int bench_measure_matmul(unsigned n, double *int8_gops, double *sgemm_gflops);

/* vanity: keys tried per second by cpc_wk_vanity over about `seconds` (all threads). */
int bench_measure_vanity(double seconds, double *keys_per_s);

#endif
