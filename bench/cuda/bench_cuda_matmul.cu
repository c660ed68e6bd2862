/* bench_cuda_matmul.cu — the worker's CUDA int8 matmul kernels (the WMMA one
 * of src/worker/cuda/matmul.cu, the mma.sync one of matmul_mma.cu on sm_80+
 * and, on sm_90, the wgmma one of matmul_wgmma.cu) against cuBLAS int8 GEMM
 * on one GPU, at n x n x n
 * (default 8192).
 *
 * All are timed with cudaEvents on device-resident buffers (host<->device
 * transfers excluded): one warm-up, then the median of RUNS launches each.
 * The mma and wgmma kernels' times include their transpose of B (they read B^T).
 * Tera-ops/s count 2*n^3. cuBLAS is column-major, so row-major C = A*B is
 * computed as C^T = B^T A^T: cublasGemmEx(N, N, n, m, k, B, ld n, A, ld k,
 * C, ld n) with CUDA_R_8I inputs, CUDA_R_32I output and CUBLAS_COMPUTE_32I;
 * should that layout be refused, B is transposed on the device and the
 * (T, N) form is used. Checks: our C equals cuBLAS's C exactly (every
 * element), and a few rows equal core's cpc_matmul_row (the reference
 * executor's rows) -- or, when built with -DCPC_BENCH_STANDALONE (no
 * libcrypto for core), rows recomputed here from the documented generator.
 * The last line reports the kernel the executor would choose: the first of
 * wgmma (sm_90), mma (sm_80+) and wmma that ran here and matched cuBLAS on
 * every element.
 * Last line: cuda_matmul: n=N tops=X cublas_int8_tops=Y ratio=X/Y
 */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/cuda/matmul_kernels.cuh"

#ifndef CPC_BENCH_STANDALONE
extern "C" {
#include "core/kinds.h"
}
#endif

#define RUNS 9
#define CHECK_ROWS 4

#define CU(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
    fprintf(stderr, "bench_cuda_matmul: %s: %s\n", #x, cudaGetErrorString(e_)); exit(1); } } while (0)

#ifdef CPC_BENCH_STANDALONE
static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int8_t gen_elem(uint64_t ctr)
{
    int b = (int)(splitmix64(ctr) >> 56);
    return (int8_t)(b >= 128 ? b - 256 : b);
}
#endif

/* A and B of an n^3 task (core's generators, or the same formula with fixed keys). */
static void gen(uint32_t n, int8_t *A, int8_t *B, void *spec_out)
{
#ifndef CPC_BENCH_STANDALONE
    struct cpc_matmul_spec *s = (struct cpc_matmul_spec *)spec_out;
    for (int i = 0; i < 32; i++)
        s->seed[i] = (uint8_t)(0xc0 + i);
    s->m = s->k = s->n = n;
    cpc_matmul_gen_a(s, A);
    cpc_matmul_gen_b(s, B);
#else
    (void)spec_out;
    size_t nn = (size_t)n * n;
    for (size_t i = 0; i < nn; i++) {
        A[i] = gen_elem(0x1234567890abcdefULL + i);
        B[i] = gen_elem(0x0fedcba987654321ULL + i);
    }
#endif
}

/* Row r of the reference product. */
static void ref_row(const void *spec, uint32_t n, const int8_t *A, const int8_t *B, uint32_t r, int32_t *out)
{
#ifndef CPC_BENCH_STANDALONE
    (void)A;
    (void)n;
    cpc_matmul_row((const struct cpc_matmul_spec *)spec, B, r, out);
#else
    (void)spec;
    memset(out, 0, (size_t)n * sizeof *out);
    for (uint32_t l = 0; l < n; l++) {
        int32_t a = A[(size_t)r * n + l];
        for (uint32_t j = 0; j < n; j++)
            out[j] += a * B[(size_t)l * n + j];
    }
#endif
}

__global__ void transpose_i8(const int8_t *in, int8_t *out, uint32_t rows, uint32_t cols)
{
    size_t i = (size_t)blockIdx.y * 16 + threadIdx.y, j = (size_t)blockIdx.x * 16 + threadIdx.x;
    if (i < rows && j < cols)
        out[j * rows + i] = in[i * cols + j];
}

static cudaEvent_t e0, e1;

/* Median time in ms of RUNS launches of f (a callable returning cudaError_t), after one warm-up. */
template <class F> static float time_median(F f)
{
    float t[RUNS];
    CU(f());
    CU(cudaDeviceSynchronize());
    for (int r = 0; r < RUNS; r++) {
        CU(cudaEventRecord(e0));
        CU(f());
        CU(cudaEventRecord(e1));
        CU(cudaEventSynchronize(e1));
        CU(cudaEventElapsedTime(&t[r], e0, e1));
    }
    for (int i = 1; i < RUNS; i++) /* insertion sort: RUNS is small */
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            float x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return t[RUNS / 2];
}

/* true when ours equals ref on all nn elements; else prints the first difference. */
static bool first_mismatch(const char *name, const int32_t *ours, const int32_t *ref, size_t nn, uint32_t n)
{
    if (memcmp(ours, ref, nn * 4) == 0)
        return true;
    size_t i = 0;
    while (ours[i] == ref[i])
        i++;
    fprintf(stderr, "bench_cuda_matmul: %s MISMATCH vs cuBLAS at row %zu col %zu: ours %d cublas %d\n", name,
            i / n, i % n, ours[i], ref[i]);
    return false;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 8192;
    if (n < 1 || n > 16384 || n % 4) {
        fprintf(stderr, "bench_cuda_matmul: n must be a multiple of 4 in 4..16384\n");
        return 1;
    }
    int dev = 0;
    cudaDeviceProp prop;
    CU(cudaSetDevice(dev));
    CU(cudaGetDeviceProperties(&prop, dev));
    int cc = prop.major * 10 + prop.minor;
    printf("device: %s (sm_%d), n=%u\n", prop.name, cc, n);

    size_t nn = (size_t)n * n, Mp, Kp, Np;
    cpc_cu_pad_dims(n, n, n, &Mp, &Kp, &Np);
    int8_t *A = (int8_t *)malloc(nn), *B = (int8_t *)malloc(nn);
    int32_t *C1 = (int32_t *)malloc(nn * 4), *C2 = (int32_t *)malloc(nn * 4), *row = (int32_t *)malloc((size_t)n * 4);
    if (!A || !B || !C1 || !C2 || !row) {
        fprintf(stderr, "bench_cuda_matmul: out of host memory\n");
        return 1;
    }
#ifndef CPC_BENCH_STANDALONE
    struct cpc_matmul_spec spec;
#else
    int spec;
#endif
    gen(n, A, B, &spec);

    /* ours: padded buffers, as cpc_wk_cuda_matmul uses them */
    int8_t *dA, *dB, *dBt;
    int32_t *dC, *dC2;
    CU(cudaMalloc((void **)&dA, Mp * Kp));
    CU(cudaMalloc((void **)&dB, Kp * Np));
    CU(cudaMalloc((void **)&dC, Mp * Np * 4));
    CU(cudaMemset(dA, 0, Mp * Kp));
    CU(cudaMemset(dB, 0, Kp * Np));
    CU(cudaMemcpy2D(dA, Kp, A, n, n, n, cudaMemcpyHostToDevice));
    CU(cudaMemcpy2D(dB, Np, B, n, n, n, cudaMemcpyHostToDevice));
    CU(cudaEventCreate(&e0));
    CU(cudaEventCreate(&e1));
    const double ops = 2.0 * n * (double)n * n;
    float ms_wmma = time_median([&] { return cpc_cu_matmul_launch(dA, dB, dC, Mp, Kp, Np, cc, 0); });
    double tops_wmma = ops / (ms_wmma / 1e3) / 1e12;
    CU(cudaMemcpy2D(C1, (size_t)n * 4, dC, Np * 4, (size_t)n * 4, n, cudaMemcpyDeviceToHost));

    /* the mma.sync kernel (sm_80+): same padding, B transposed on the device, timed with it */
    const bool mma = cpc_cu_mma_supported(cc);
    float ms_mma = 0;
    double tops_mma = 0;
    int32_t *C4 = NULL;
    if (mma) {
        int8_t *mBt;
        CU(cudaMalloc((void **)&mBt, Np * Kp));
        CU(cudaMemset(dC, 0x5a, Mp * Np * 4)); /* poison: unwritten elements show */
        ms_mma = time_median([&] {
            cudaError_t e = cpc_cu_transpose_i8(dB, mBt, Kp, Np, 0);
            return e != cudaSuccess ? e : cpc_cu_mma_launch(dA, mBt, dC, Mp, Kp, Np, cc, 0);
        });
        tops_mma = ops / (ms_mma / 1e3) / 1e12;
        C4 = (int32_t *)malloc(nn * 4);
        if (!C4) {
            fprintf(stderr, "bench_cuda_matmul: out of host memory\n");
            return 1;
        }
        CU(cudaMemcpy2D(C4, (size_t)n * 4, dC, Np * 4, (size_t)n * 4, n, cudaMemcpyDeviceToHost));
        CU(cudaFree(mBt));
    }

    /* the Hopper kernel: its own padding, B transposed on the device, timed with it */
    const bool wg = cpc_cu_wgmma_supported(cc);
    float ms_wg = 0, ms_tr = 0;
    double tops_wg = 0;
    bool wg_timed_out = false;
    int32_t *C3 = NULL;
    if (wg) {
        size_t WMp, WKp, WNp;
        cpc_cu_wgmma_pad_dims(n, n, n, &WMp, &WKp, &WNp);
        int8_t *wA, *wB, *wBt;
        int32_t *wC;
        CU(cudaMalloc((void **)&wA, WMp * WKp));
        CU(cudaMalloc((void **)&wB, WKp * WNp));
        CU(cudaMalloc((void **)&wBt, WNp * WKp));
        CU(cudaMalloc((void **)&wC, WMp * WNp * 4));
        CU(cudaMemset(wA, 0, WMp * WKp));
        CU(cudaMemset(wB, 0, WKp * WNp));
        CU(cudaMemset(wC, 0x5a, WMp * WNp * 4)); /* poison: unwritten elements show */
        CU(cudaMemcpy2D(wA, WKp, A, n, n, n, cudaMemcpyHostToDevice));
        CU(cudaMemcpy2D(wB, WNp, B, n, n, n, cudaMemcpyHostToDevice));
        ms_tr = time_median([&] { return cpc_cu_transpose_i8(wB, wBt, WKp, WNp, 0); });
        ms_wg = time_median([&] {
            cudaError_t e = cpc_cu_transpose_i8(wB, wBt, WKp, WNp, 0);
            return e != cudaSuccess ? e : cpc_cu_wgmma_launch(wA, wBt, wC, WMp, WKp, WNp, cc, 0);
        });
        tops_wg = ops / (ms_wg / 1e3) / 1e12;
        unsigned timeouts = 0;
        CU(cpc_cu_wgmma_take_timeouts(&timeouts));
        if (timeouts) {
            fprintf(stderr, "bench_cuda_matmul: wgmma: %u pipeline wait(s) timed out\n", timeouts);
            wg_timed_out = true;
        }
        C3 = (int32_t *)malloc(nn * 4);
        if (!C3) {
            fprintf(stderr, "bench_cuda_matmul: out of host memory\n");
            return 1;
        }
        CU(cudaMemcpy2D(C3, (size_t)n * 4, wC, WNp * 4, (size_t)n * 4, n, cudaMemcpyDeviceToHost));
        CU(cudaFree(wA));
        CU(cudaFree(wB));
        CU(cudaFree(wBt));
        CU(cudaFree(wC));
    }

    /* cuBLAS on unpadded buffers (n % 4 == 0 keeps lda/ldb multiples of 4) */
    int8_t *dA2, *dB2;
    CU(cudaMalloc((void **)&dA2, nn));
    CU(cudaMalloc((void **)&dB2, nn));
    CU(cudaMalloc((void **)&dBt, nn));
    CU(cudaMalloc((void **)&dC2, nn * 4));
    CU(cudaMemcpy(dA2, A, nn, cudaMemcpyHostToDevice));
    CU(cudaMemcpy(dB2, B, nn, cudaMemcpyHostToDevice));
    cublasHandle_t h;
    if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) {
        fprintf(stderr, "bench_cuda_matmul: cublasCreate failed\n");
        return 1;
    }
    const int32_t alpha = 1, beta = 0;
    int N = (int)n;
    bool tn = false;
    cublasStatus_t st = cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, N, N, N, &alpha, dB2, CUDA_R_8I, N,
                                     dA2, CUDA_R_8I, N, &beta, dC2, CUDA_R_32I, N, CUBLAS_COMPUTE_32I,
                                     CUBLAS_GEMM_DEFAULT);
    if (st != CUBLAS_STATUS_SUCCESS) {
        fprintf(stderr, "cublas: (N,N) int8 GEMM refused (status %d); using (T,N) with B transposed\n", (int)st);
        dim3 g((n + 15) / 16, (n + 15) / 16), b(16, 16);
        transpose_i8<<<g, b>>>(dB2, dBt, n, n);
        CU(cudaGetLastError());
        tn = true;
    }
    float ms_cublas = time_median([&] {
        cublasStatus_t cs;
        if (!tn)
            cs = cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, N, N, N, &alpha, dB2, CUDA_R_8I, N, dA2,
                              CUDA_R_8I, N, &beta, dC2, CUDA_R_32I, N, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT);
        else
            cs = cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, N, N, N, &alpha, dBt, CUDA_R_8I, N, dA2,
                              CUDA_R_8I, N, &beta, dC2, CUDA_R_32I, N, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT);
        if (cs != CUBLAS_STATUS_SUCCESS) {
            fprintf(stderr, "bench_cuda_matmul: cublasGemmEx failed (status %d)\n", (int)cs);
            exit(1);
        }
        return cudaGetLastError();
    });
    double ctops = ops / (ms_cublas / 1e3) / 1e12;
    CU(cudaMemcpy(C2, dC2, nn * 4, cudaMemcpyDeviceToHost));

    /* checks: every element against cuBLAS, a few rows against core's reference */
    const bool wmma_ok = first_mismatch("wmma", C1, C2, nn, n);
    const bool mma_ok = mma && first_mismatch("mma", C4, C2, nn, n);
    const bool wg_ok = wg && !wg_timed_out && first_mismatch("wgmma", C3, C2, nn, n);
    int rows_ok = 0;
    for (int t = 0; t < CHECK_ROWS; t++) {
        uint32_t r = (uint32_t)((uint64_t)(n - 1) * t / (CHECK_ROWS - 1));
        ref_row(&spec, n, A, B, r, row);
        if (memcmp(row, C2 + (size_t)r * n, (size_t)n * 4) != 0)
            fprintf(stderr, "bench_cuda_matmul: cuBLAS differs from the reference at row %u\n", r);
        else
            rows_ok++;
    }
    const char *refname =
#ifndef CPC_BENCH_STANDALONE
        "cpc_matmul_row (core reference)";
#else
        "a naive row recomputed here (standalone build)";
#endif
    printf("check: cuBLAS rows == %s: %d of %d\n", refname, rows_ok, CHECK_ROWS);
    printf("check: wmma == cuBLAS on all %zu elements: %s\n", nn, wmma_ok ? "yes" : "NO");
    if (mma)
        printf("check: mma == cuBLAS on all %zu elements: %s\n", nn, mma_ok ? "yes" : "NO");
    if (wg)
        printf("check: wgmma == cuBLAS on all %zu elements: %s\n", nn, wg_ok ? "yes" : "NO");
    printf("timing: kernels only, device-resident buffers, cudaEvent, median of %d after a warm-up; "
           "host transfers excluded\n", RUNS);
    printf("kernel wmma:   %8.3f ms  %7.1f TOPS  ratio %.3f\n", ms_wmma, tops_wmma, tops_wmma / ctops);
    if (mma)
        printf("kernel mma:    %8.3f ms  %7.1f TOPS  ratio %.3f  (B transpose included)\n", ms_mma, tops_mma,
               tops_mma / ctops);
    if (wg)
        printf("kernel wgmma:  %8.3f ms  %7.1f TOPS  ratio %.3f  (of which B transpose %.3f ms)\n", ms_wg,
               tops_wg, tops_wg / ctops, ms_tr);
    else
        printf("kernel wgmma:  not run (sm_%d; it needs sm_90)\n", cc);
    printf("cuBLAS%s:   %8.3f ms  %7.1f TOPS\n", tn ? " (T,N)" : "", ms_cublas, ctops);
    if (rows_ok != CHECK_ROWS || !(wg_ok || mma_ok || wmma_ok)) {
        fprintf(stderr, "bench_cuda_matmul: no kernel matched; no cuda_matmul line\n");
        return 1;
    }
    /* what the executor's self-check would choose: the fastest kind that is right */
    const char *use = wg_ok ? "wgmma" : mma_ok ? "mma" : "wmma";
    const double tops = wg_ok ? tops_wg : mma_ok ? tops_mma : tops_wmma;
    printf("executor kernel: %s\n", use);
    printf("cuda_matmul: n=%u tops=%.1f cublas_int8_tops=%.1f ratio=%.3f\n", n, tops, ctops, tops / ctops);
    cublasDestroy(h);
    return 0;
}
