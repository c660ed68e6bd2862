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

/* matmul at n x n x n, all threads, giga-ops/s (2*n^3 / s) each. */
struct bench_matmul {
    double int8_gops;        /* cpc_wk_matmul_cpu: the executor (oneDNN when built with it) */
    double own_int8_gops;    /* the own kernel alone (the fallback) */
    double onednn_int8_gops; /* dnnl_gemm_s8s8s32 called directly; 0 without oneDNN (why: stderr) */
    double sgemm_gflops;     /* OpenBLAS sgemm on float copies */
    unsigned threads;
};
int bench_measure_matmul(unsigned n, struct bench_matmul *out);

/* vanity: keys tried per second by cpc_wk_vanity over about `seconds` (all threads). */
int bench_measure_vanity(double seconds, double *keys_per_s);

#endif
