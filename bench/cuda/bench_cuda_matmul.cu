/* bench_cuda_matmul.cu — the worker's CUDA int8 matmul kernels (the WMMA one
 * of src/worker/cuda/matmul.cu, the mma.sync one of matmul_mma.cu on sm_80+,
 * on sm_90 the wgmma one of matmul_wgmma.cu, and cuBLASLt as
 * matmul_cublaslt.cu calls it, sm_75+, built with -DCPC_HAVE_CUBLASLT)
 * against cuBLAS int8 GEMM on one GPU, at n x n x n
 * (default 8192).
 *
 * All are timed with cudaEvents on device-resident buffers (host<->device
 * transfers excluded): one warm-up, then the median of RUNS launches each.
 * Order: cuBLAS first, then wmma, mma, wgmma, cublaslt, each checked and printed as it
 * ends, so a kernel that faults (a sticky CUDA error ends every later call)
 * still leaves the figures before it and the last line; its error is
 * reported, not fatal.
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
 * cublaslt, wgmma (sm_90), mma (sm_80+) and wmma that ran here and matched
 * cuBLAS on every element, and its name.
 * Last line: cuda_matmul: n=N tops=X cublas_int8_tops=Y ratio=X/Y kernel=K
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
/* inside a kernel's step: report and give the step up */
#define TRY(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
    fprintf(stderr, "bench_cuda_matmul: %s: %s: %s\n", name, #x, cudaGetErrorString(e_)); return false; } } while (0)

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

/* Median time in ms of RUNS launches of f (a callable returning cudaError_t),
 * after one warm-up; < 0 on a CUDA error (printed). */
template <class F> static float time_median(const char *name, F f)
{
    float t[RUNS];
    cudaError_t e;
    if ((e = f()) != cudaSuccess || (e = cudaDeviceSynchronize()) != cudaSuccess) {
        fprintf(stderr, "bench_cuda_matmul: %s: %s\n", name, cudaGetErrorString(e));
        return -1;
    }
    for (int r = 0; r < RUNS; r++) {
        if ((e = cudaEventRecord(e0)) != cudaSuccess || (e = f()) != cudaSuccess ||
            (e = cudaEventRecord(e1)) != cudaSuccess || (e = cudaEventSynchronize(e1)) != cudaSuccess ||
            (e = cudaEventElapsedTime(&t[r], e0, e1)) != cudaSuccess) {
            fprintf(stderr, "bench_cuda_matmul: %s: %s\n", name, cudaGetErrorString(e));
            return -1;
        }
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
static bool same_as(const char *name, const int32_t *ours, const int32_t *ref, size_t nn, uint32_t n)
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

enum kern { K_WMMA, K_MMA, K_WGMMA, K_CUBLASLT, K_COUNT };
static const char *const KNAME[] = {"wmma", "mma", "wgmma", "cublaslt"};

struct run {
    bool ran, ok;       /* launched and timed; every element equal to cuBLAS's */
    float ms, ms_tr;    /* median; of which the B transpose (mma, wgmma) */
};

/* One kernel on the n^3 inputs A, B (host), its own padded device buffers,
 * timed; C compared with ref (cuBLAS's). false when it could not run. */
static bool run_kernel(enum kern k, int cc, uint32_t n, const int8_t *A, const int8_t *B, const int32_t *ref,
                       int32_t *C, struct run *r)
{
    const char *name = KNAME[k];
    size_t Mp, Kp, Np, nn = (size_t)n * n;
    if (k == K_WGMMA)
        cpc_cu_wgmma_pad_dims(n, n, n, &Mp, &Kp, &Np);
    else if (k == K_CUBLASLT) /* as matmul_host.cu pads for it */
        Mp = n, Kp = (n + 63) / 64 * 64, Np = (n + 63) / 64 * 64;
    else
        cpc_cu_pad_dims(n, n, n, &Mp, &Kp, &Np);
    int8_t *dA = NULL, *dB = NULL, *dBt = NULL;
    int32_t *dC = NULL;
    TRY(cudaMalloc((void **)&dA, Mp * Kp));
    TRY(cudaMalloc((void **)&dB, Kp * Np));
    TRY(cudaMalloc((void **)&dBt, Np * Kp));
    TRY(cudaMalloc((void **)&dC, Mp * Np * 4));
    TRY(cudaMemset(dA, 0, Mp * Kp));
    TRY(cudaMemset(dB, 0, Kp * Np));
    TRY(cudaMemset(dC, 0x5a, Mp * Np * 4)); /* poison: unwritten elements show */
    TRY(cudaMemcpy2D(dA, Kp, A, n, n, n, cudaMemcpyHostToDevice));
    TRY(cudaMemcpy2D(dB, Np, B, n, n, n, cudaMemcpyHostToDevice));
    if (k != K_WMMA)
        r->ms_tr = time_median(name, [&] { return cpc_cu_transpose_i8(dB, dBt, Kp, Np, 0); });
    r->ms = time_median(name, [&] {
        if (k == K_WMMA)
            return cpc_cu_matmul_launch(dA, dB, dC, Mp, Kp, Np, cc, 0);
        cudaError_t e = cpc_cu_transpose_i8(dB, dBt, Kp, Np, 0);
        if (e != cudaSuccess)
            return e;
        if (k == K_CUBLASLT) { /* as the executor calls it: handle, heuristic, workspace included */
            char why[128];
            if (cpc_cu_cublaslt_run(dA, dBt, dC, Mp, Kp, Np, 0, why) != 0) {
                fprintf(stderr, "bench_cuda_matmul: cublaslt: %s\n", why);
                return cudaErrorUnknown;
            }
            return cudaGetLastError();
        }
        return k == K_MMA ? cpc_cu_mma_launch(dA, dBt, dC, Mp, Kp, Np, cc, 0)
                          : cpc_cu_wgmma_launch(dA, dBt, dC, Mp, Kp, Np, cc, 0);
    });
    if (r->ms < 0 || r->ms_tr < 0)
        return false;
    r->ran = true;
    if (k == K_WGMMA) {
        unsigned timeouts = 0;
        TRY(cpc_cu_wgmma_take_timeouts(&timeouts));
        if (timeouts) {
            fprintf(stderr, "bench_cuda_matmul: wgmma: %u pipeline wait(s) timed out\n", timeouts);
            return false;
        }
    }
    TRY(cudaMemcpy2D(C, (size_t)n * 4, dC, Np * 4, (size_t)n * 4, n, cudaMemcpyDeviceToHost));
    r->ok = same_as(name, C, ref, nn, n);
    TRY(cudaFree(dA));
    TRY(cudaFree(dB));
    TRY(cudaFree(dBt));
    TRY(cudaFree(dC));
    return true;
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

    size_t nn = (size_t)n * n;
    int8_t *A = (int8_t *)malloc(nn), *B = (int8_t *)malloc(nn);
    int32_t *C = (int32_t *)malloc(nn * 4), *ref = (int32_t *)malloc(nn * 4), *row = (int32_t *)malloc((size_t)n * 4);
    if (!A || !B || !C || !ref || !row) {
        fprintf(stderr, "bench_cuda_matmul: out of host memory\n");
        return 1;
    }
#ifndef CPC_BENCH_STANDALONE
    struct cpc_matmul_spec spec;
#else
    int spec;
#endif
    gen(n, A, B, &spec);
    CU(cudaEventCreate(&e0));
    CU(cudaEventCreate(&e1));
    const double ops = 2.0 * n * (double)n * n;

    /* cuBLAS first, on unpadded buffers (n % 4 == 0 keeps lda/ldb multiples of 4) */
    int8_t *dA2, *dB2, *dBt2;
    int32_t *dC2;
    CU(cudaMalloc((void **)&dA2, nn));
    CU(cudaMalloc((void **)&dB2, nn));
    CU(cudaMalloc((void **)&dBt2, nn));
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
        transpose_i8<<<g, b>>>(dB2, dBt2, n, n);
        CU(cudaGetLastError());
        tn = true;
    }
    float ms_cublas = time_median("cublas", [&] {
        cublasStatus_t cs;
        if (!tn)
            cs = cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, N, N, N, &alpha, dB2, CUDA_R_8I, N, dA2,
                              CUDA_R_8I, N, &beta, dC2, CUDA_R_32I, N, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT);
        else
            cs = cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, N, N, N, &alpha, dBt2, CUDA_R_8I, N, dA2,
                              CUDA_R_8I, N, &beta, dC2, CUDA_R_32I, N, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT);
        if (cs != CUBLAS_STATUS_SUCCESS) {
            fprintf(stderr, "bench_cuda_matmul: cublasGemmEx failed (status %d)\n", (int)cs);
            exit(1);
        }
        return cudaGetLastError();
    });
    if (ms_cublas < 0)
        return 1;
    const double ctops = ops / (ms_cublas / 1e3) / 1e12;
    CU(cudaMemcpy(ref, dC2, nn * 4, cudaMemcpyDeviceToHost));
    cublasDestroy(h);
    CU(cudaFree(dA2));
    CU(cudaFree(dB2));
    CU(cudaFree(dBt2));
    CU(cudaFree(dC2));
    int rows_ok = 0;
    for (int t = 0; t < CHECK_ROWS; t++) {
        uint32_t r = (uint32_t)((uint64_t)(n - 1) * t / (CHECK_ROWS - 1));
        ref_row(&spec, n, A, B, r, row);
        if (memcmp(row, ref + (size_t)r * n, (size_t)n * 4) != 0)
            fprintf(stderr, "bench_cuda_matmul: cuBLAS differs from the reference at row %u\n", r);
        else
            rows_ok++;
    }
    printf("check: cuBLAS rows == %s: %d of %d\n",
#ifndef CPC_BENCH_STANDALONE
           "cpc_matmul_row (core reference)",
#else
           "a naive row recomputed here (standalone build)",
#endif
           rows_ok, CHECK_ROWS);
    printf("timing: kernels only, device-resident buffers, cudaEvent, median of %d after a warm-up; "
           "host transfers excluded\n", RUNS);
    printf("cuBLAS%s:   %8.3f ms  %7.1f TOPS\n", tn ? " (T,N)" : "", ms_cublas, ctops);
    fflush(stdout);
    if (rows_ok != CHECK_ROWS)
        return 1;

    struct run runs[K_COUNT] = {};
    const bool avail[K_COUNT] = {cc >= 72, cpc_cu_mma_supported(cc), cpc_cu_wgmma_supported(cc),
                                 cpc_cu_cublaslt_supported(cc)};
    bool alive = true; /* false after a kernel's error: the context may be gone */
    for (int k = 0; k < K_COUNT; k++) {
        if (!avail[k]) {
            printf("kernel %-6s not run (sm_%d)\n", KNAME[k], cc);
            continue;
        }
        if (!alive) {
            printf("kernel %-6s not run (an earlier kernel's CUDA error)\n", KNAME[k]);
            continue;
        }
        alive = run_kernel((enum kern)k, cc, n, A, B, ref, C, &runs[k]);
        const struct run *r = &runs[k];
        if (!r->ran)
            printf("kernel %-6s FAILED to run (see stderr)\n", KNAME[k]);
        else
            printf("kernel %-6s %8.3f ms  %7.1f TOPS  ratio %.3f  == cuBLAS on all %zu elements: %s%s\n",
                   KNAME[k], r->ms, ops / (r->ms / 1e3) / 1e12, ops / (r->ms / 1e3) / 1e12 / ctops, nn,
                   r->ok ? "yes" : "NO", k == K_WMMA ? "" : "  (B transpose included)");
        if (r->ran && k == K_CUBLASLT)
            printf("  cublaslt: handle, heuristic and workspace made in each call, as the executor does\n");
        if (r->ran && k != K_WMMA)
            printf("  of which the B transpose: %.3f ms\n", r->ms_tr);
        fflush(stdout);
    }
    /* what the executor's self-check would choose: the first in its order that is right */
    int use = runs[K_CUBLASLT].ok ? K_CUBLASLT
              : runs[K_WGMMA].ok  ? K_WGMMA
              : runs[K_MMA].ok    ? K_MMA
              : runs[K_WMMA].ok   ? K_WMMA
                                  : -1;
    if (use < 0) {
        fprintf(stderr, "bench_cuda_matmul: no kernel matched; no cuda_matmul line\n");
        return 1;
    }
    const double tops = ops / (runs[use].ms / 1e3) / 1e12;
    printf("executor kernel: %s\n", KNAME[use]);
    printf("cuda_matmul: n=%u tops=%.1f cublas_int8_tops=%.1f ratio=%.3f kernel=%s\n", n, tops, ctops,
           tops / ctops, KNAME[use]);
    return 0;
}
