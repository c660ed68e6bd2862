/* matmul_host.cu — the host side of the CUDA executors of exec_cuda.h:
 * transfers, the choice of kernel, and the kernels' self-checks.
 *
 * One product: copy A and B into zero-padded device buffers (the kernel's
 * tile sizes; zero rows and columns add nothing), run the kernel (cuBLASLt,
 * the WGMMA and the MMA ones first transpose B on the device: they read it
 * K-major), copy the m x n corner of C back. cuBLASLt (matmul_cublaslt.cu) is
 * tried first, the hand-written kernels after it in their order.
 * Device memory lives only inside the call. Each device has its own stream
 * (made on first use, kept), and everything of a product runs on it: the
 * worker's executors (exec_pool.h) run one product per device at a time,
 * each on its own thread, and the devices do not wait on each other.
 *
 * Self-check. A kernel that has never run on this GPU model could compute
 * wrong bytes (a layout slip shows only on hardware), and a wrong result is
 * slashed by the network. So before cpc_wk_cuda_matmul uses a kernel on a
 * device it runs it once on a fixed product (130 x 1200 x 300: ragged tiles
 * in m and n, 10 k-stages so the WGMMA ring wraps twice, rows and columns of
 * -128 and +127) and compares every element with a CPU product. The fastest
 * kernel that matches is kept for the process (a small per-device table: the
 * one process-wide state here, a cache of a hardware fact, with the outcome in
 * words for the worker's log); if none matches, cpc_wk_cuda_matmul fails and
 * the caller runs on the CPU.
 *
 * Device errors (no driver, no device) read as 0 devices; the static CUDA
 * runtime lets the binary start on machines without a driver at all.
 */
#include <cuda_runtime.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec_cuda.h"
#include "matmul_kernels.cuh"

#define MAX_DEVS 64
#define CHECK_M 130
#define CHECK_K 1200
#define CHECK_N 300

/* Per device, under choice_lock: 0 not yet chosen, 1 + the chosen kernel, or
 * -1 when none passed; and the self-check's outcome in words. */
static pthread_mutex_t choice_lock = PTHREAD_MUTEX_INITIALIZER;
static int chosen[MAX_DEVS];
static char note[MAX_DEVS][256];

/* Per device, under stream_lock: its stream (non-blocking), made once. */
static pthread_mutex_t stream_lock = PTHREAD_MUTEX_INITIALIZER;
static cudaStream_t streams[MAX_DEVS];
static bool stream_made[MAX_DEVS];

/* dev's stream into *st (dev the current device). */
static cudaError_t device_stream(int dev, cudaStream_t *st)
{
    if (dev < 0 || dev >= MAX_DEVS)
        return cudaErrorInvalidDevice;
    cudaError_t e = cudaSuccess;
    pthread_mutex_lock(&stream_lock);
    if (!stream_made[dev] &&
        (e = cudaStreamCreateWithFlags(&streams[dev], cudaStreamNonBlocking)) == cudaSuccess)
        stream_made[dev] = true;
    *st = streams[dev];
    pthread_mutex_unlock(&stream_lock);
    return e;
}

extern "C" bool cpc_wk_cuda_built(void) { return true; }

extern "C" int cpc_wk_cuda_devices(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError(); /* clear the error: the next call may succeed */
        return 0;
    }
    return n > 0 ? n : 0;
}

/* Compute capability * 10 (e.g. 90) of dev, or -1 with *e. */
static int device_cc(int dev, cudaError_t *e)
{
    int major = 0, minor = 0;
    if ((*e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev)) != cudaSuccess ||
        (*e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev)) != cudaSuccess)
        return -1;
    return major * 10 + minor;
}

static bool kernel_runs_on(enum cpc_wk_cuda_kernel kern, int cc)
{
    switch (kern) {
    case CPC_WK_CUDA_SIMT: return true;
    case CPC_WK_CUDA_WMMA: return cc >= 72;
    case CPC_WK_CUDA_MMA: return cpc_cu_mma_supported(cc);
    case CPC_WK_CUDA_WGMMA: return cpc_cu_wgmma_supported(cc);
    case CPC_WK_CUDA_CUBLASLT: return cpc_cu_cublaslt_supported(cc);
    default: return false;
    }
}

extern "C" bool cpc_wk_cuda_kernel_available(int dev, enum cpc_wk_cuda_kernel k)
{
    cudaError_t e;
    if (dev < 0 || dev >= cpc_wk_cuda_devices())
        return false;
    int cc = device_cc(dev, &e);
    if (cc < 0) {
        (void)cudaGetLastError();
        return false;
    }
    return kernel_runs_on(k, cc);
}

/* One product with kernel kern (not AUTO) on device dev of compute capability cc. */
static int run_product(int dev, int cc, enum cpc_wk_cuda_kernel kern, uint32_t m, uint32_t k, uint32_t n,
                       const int8_t *A, const int8_t *B, int32_t *C, char msg[256])
{
    int8_t *dA = NULL, *dB = NULL, *dBt = NULL;
    int32_t *dC = NULL;
    size_t Mp, Kp, Np;
    cudaError_t e = cudaSuccess;
    const char *what = "cudaSetDevice";
    int rc = -1;
    const bool wg = kern == CPC_WK_CUDA_WGMMA, lt = kern == CPC_WK_CUDA_CUBLASLT;
    const bool bt = wg || lt || kern == CPC_WK_CUDA_MMA; /* bt: reads B^T */
    char lt_why[128] = "";
    if (wg)
        cpc_cu_wgmma_pad_dims(m, k, n, &Mp, &Kp, &Np);
    else if (lt) /* the transpose's 64 x 64 tiles; rows of C need none */
        Mp = m, Kp = (k + 63) / 64 * 64, Np = (n + 63) / 64 * 64;
    else
        cpc_cu_pad_dims(m, k, n, &Mp, &Kp, &Np);
    cudaStream_t st = 0;
    if ((e = cudaSetDevice(dev)) != cudaSuccess)
        goto fail;
    what = "cudaStreamCreate";
    if ((e = device_stream(dev, &st)) != cudaSuccess)
        goto fail;
    what = "cudaMalloc";
    if ((e = cudaMalloc((void **)&dA, Mp * Kp)) != cudaSuccess ||
        (e = cudaMalloc((void **)&dB, Kp * Np)) != cudaSuccess ||
        (bt && (e = cudaMalloc((void **)&dBt, Np * Kp)) != cudaSuccess) ||
        (e = cudaMalloc((void **)&dC, Mp * Np * sizeof(int32_t))) != cudaSuccess)
        goto fail;
    what = "upload";
    if ((e = cudaMemsetAsync(dA, 0, Mp * Kp, st)) != cudaSuccess ||
        (e = cudaMemsetAsync(dB, 0, Kp * Np, st)) != cudaSuccess ||
        (e = cudaMemcpy2DAsync(dA, Kp, A, k, k, m, cudaMemcpyHostToDevice, st)) != cudaSuccess ||
        (e = cudaMemcpy2DAsync(dB, Np, B, n, n, k, cudaMemcpyHostToDevice, st)) != cudaSuccess)
        goto fail;
    what = "kernel launch";
    if (bt && (e = cpc_cu_transpose_i8(dB, dBt, Kp, Np, st)) != cudaSuccess)
        goto fail;
    if (lt) {
        if (cpc_cu_cublaslt_run(dA, dBt, dC, Mp, Kp, Np, st, lt_why) != 0) {
            snprintf(msg, 256, "CUDA matmul (cublaslt) on device %d (%ux%ux%u): %s", dev, m, k, n,
                     lt_why);
            (void)cudaGetLastError();
            goto out;
        }
    } else if (wg) {
        if ((e = cpc_cu_wgmma_launch(dA, dBt, dC, Mp, Kp, Np, cc, st)) != cudaSuccess)
            goto fail;
    } else if (kern == CPC_WK_CUDA_MMA) {
        if ((e = cpc_cu_mma_launch(dA, dBt, dC, Mp, Kp, Np, cc, st)) != cudaSuccess)
            goto fail;
    } else if ((e = cpc_cu_matmul_launch(dA, dB, dC, Mp, Kp, Np, kern == CPC_WK_CUDA_SIMT ? 0 : cc, st)) !=
               cudaSuccess) {
        goto fail;
    }
    what = "kernel";
    if ((e = cudaStreamSynchronize(st)) != cudaSuccess)
        goto fail;
    if (wg) {
        unsigned timeouts = 0;
        if ((e = cpc_cu_wgmma_take_timeouts(&timeouts)) != cudaSuccess)
            goto fail;
        if (timeouts) {
            snprintf(msg, 256, "CUDA matmul (wgmma) on device %d (%ux%ux%u): %u pipeline wait(s) timed out; "
                     "product discarded", dev, m, k, n, timeouts);
            goto out;
        }
    }
    what = "download";
    if ((e = cudaMemcpy2DAsync(C, (size_t)n * sizeof(int32_t), dC, Np * sizeof(int32_t),
                               (size_t)n * sizeof(int32_t), m, cudaMemcpyDeviceToHost, st)) !=
            cudaSuccess ||
        (e = cudaStreamSynchronize(st)) != cudaSuccess)
        goto fail;
    rc = 0;
    goto out;
fail:
    snprintf(msg, 256, "CUDA matmul (%s) on device %d (%ux%ux%u): %s: %s", cpc_wk_cuda_kernel_name(kern),
             dev, m, k, n, what, cudaGetErrorString(e));
    (void)cudaGetLastError();
out:
    cudaFree(dA);
    cudaFree(dB);
    cudaFree(dBt);
    cudaFree(dC);
    return rc;
}

/* Run kern on the check product; 0 when every element equals the CPU's. */
static int self_check(int dev, int cc, enum cpc_wk_cuda_kernel kern, char msg[256])
{
    const size_t na = (size_t)CHECK_M * CHECK_K, nb = (size_t)CHECK_K * CHECK_N, nc = (size_t)CHECK_M * CHECK_N;
    int8_t *A = (int8_t *)malloc(na), *B = (int8_t *)malloc(nb);
    int32_t *C = (int32_t *)malloc(nc * sizeof(int32_t)), *R = (int32_t *)calloc(nc, sizeof(int32_t));
    int rc = -1;
    if (!A || !B || !C || !R) {
        snprintf(msg, 256, "self-check: out of host memory");
        goto out;
    }
    {
        uint32_t x = 0x9e3779b9u; /* xorshift32: fixed data, the same every run */
        for (size_t i = 0; i < na; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            A[i] = (int8_t)(x >> 24);
        }
        for (size_t i = 0; i < nb; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            B[i] = (int8_t)(x >> 24);
        }
        for (size_t l = 0; l < CHECK_K; l++) { /* row 0 of A -128, row 1 +127; column 0 of B -128 */
            A[l] = -128;
            A[CHECK_K + l] = 127;
            B[l * CHECK_N] = -128;
        }
        for (size_t i = 0; i < CHECK_M; i++)
            for (size_t l = 0; l < CHECK_K; l++) {
                const int32_t a = A[i * CHECK_K + l];
                for (size_t j = 0; j < CHECK_N; j++)
                    R[i * CHECK_N + j] += a * B[l * CHECK_N + j];
            }
        memset(C, 0x5a, nc * sizeof(int32_t)); /* poison: an element left unwritten fails */
        if (run_product(dev, cc, kern, CHECK_M, CHECK_K, CHECK_N, A, B, C, msg) != 0)
            goto out;
        for (size_t i = 0; i < nc; i++)
            if (C[i] != R[i]) {
                snprintf(msg, 256, "self-check of the %s kernel on device %d failed: C[%zu][%zu] = %d, CPU %d",
                         cpc_wk_cuda_kernel_name(kern), dev, i / CHECK_N, i % CHECK_N, C[i], R[i]);
                goto out;
            }
        rc = 0;
    }
out:
    free(A);
    free(B);
    free(C);
    free(R);
    return rc;
}

extern "C" enum cpc_wk_cuda_kernel cpc_wk_cuda_kernel_for(int dev, char msg[256])
{
    int ndev = cpc_wk_cuda_devices();
    if (dev < 0 || dev >= ndev || dev >= MAX_DEVS) {
        if (msg)
            snprintf(msg, 256, "no CUDA device %d (%d present)", dev, ndev);
        return CPC_WK_CUDA_AUTO;
    }
    pthread_mutex_lock(&choice_lock);
    if (chosen[dev] == 0) {
        cudaError_t e;
        int cc = device_cc(dev, &e);
        chosen[dev] = -1;
        if (cc < 0) {
            snprintf(note[dev], 256, "CUDA device %d: %s", dev, cudaGetErrorString(e));
            (void)cudaGetLastError();
        } else {
            static const enum cpc_wk_cuda_kernel order[] = {CPC_WK_CUDA_CUBLASLT, CPC_WK_CUDA_WGMMA,
                                                            CPC_WK_CUDA_MMA, CPC_WK_CUDA_WMMA,
                                                            CPC_WK_CUDA_SIMT};
            char why[256] = "";
            for (size_t i = 0; i < sizeof order / sizeof order[0] && chosen[dev] < 0; i++) {
                if (!kernel_runs_on(order[i], cc))
                    continue;
                if (self_check(dev, cc, order[i], why) == 0) {
                    chosen[dev] = 1 + (int)order[i];
                    if (why[0]) /* a faster kernel failed before this one passed */
                        snprintf(note[dev], 256, "kernel %s (sm_%d); a faster one failed: %.180s",
                                 cpc_wk_cuda_kernel_name(order[i]), cc, why);
                    else
                        snprintf(note[dev], 256, "kernel %s (sm_%d), self-check passed",
                                 cpc_wk_cuda_kernel_name(order[i]), cc);
                }
            }
            if (chosen[dev] < 0)
                snprintf(note[dev], 256, "no CUDA kernel passed its self-check on device %d (sm_%d): %.150s",
                         dev, cc, why);
        }
    }
    const int c = chosen[dev];
    if (msg)
        snprintf(msg, 256, "%s", note[dev]);
    pthread_mutex_unlock(&choice_lock);
    return c > 0 ? (enum cpc_wk_cuda_kernel)(c - 1) : CPC_WK_CUDA_AUTO;
}

/* The compute capability of dev when kernel k can run there, else -1 with why in msg. */
static int kernel_cc(int dev, enum cpc_wk_cuda_kernel k, char msg[256])
{
    cudaError_t e;
    int cc;
    if (dev < 0 || dev >= cpc_wk_cuda_devices()) {
        snprintf(msg, 256, "no CUDA device %d (%d present)", dev, cpc_wk_cuda_devices());
        return -1;
    }
    if ((cc = device_cc(dev, &e)) < 0) {
        snprintf(msg, 256, "CUDA device %d: %s", dev, cudaGetErrorString(e));
        (void)cudaGetLastError();
        return -1;
    }
    if (!kernel_runs_on(k, cc)) {
        snprintf(msg, 256, "the %s kernel does not run on device %d (sm_%d)", cpc_wk_cuda_kernel_name(k), dev, cc);
        return -1;
    }
    return cc;
}

extern "C" int cpc_wk_cuda_self_check(int dev, enum cpc_wk_cuda_kernel k, char msg[256])
{
    int cc = kernel_cc(dev, k, msg);
    return cc < 0 ? -1 : self_check(dev, cc, k, msg);
}

extern "C" void cpc_wk_cuda_kernel_set(int dev, enum cpc_wk_cuda_kernel k, const char *note_in)
{
    if (dev < 0 || dev >= MAX_DEVS)
        return;
    pthread_mutex_lock(&choice_lock);
    chosen[dev] = k == CPC_WK_CUDA_AUTO ? -1 : 1 + (int)k;
    snprintf(note[dev], 256, "%s", note_in ? note_in : "");
    pthread_mutex_unlock(&choice_lock);
}

extern "C" int cpc_wk_cuda_matmul_with(int dev, enum cpc_wk_cuda_kernel kern, uint32_t m, uint32_t k,
                                       uint32_t n, const int8_t *A, const int8_t *B, int32_t *C,
                                       char msg[256])
{
    if (m < 1 || k < 1 || n < 1) {
        snprintf(msg, 256, "CUDA matmul: empty dimensions %ux%ux%u", m, k, n);
        return -1;
    }
    if (kern == CPC_WK_CUDA_AUTO && (kern = cpc_wk_cuda_kernel_for(dev, msg)) == CPC_WK_CUDA_AUTO)
        return -1;
    int cc = kernel_cc(dev, kern, msg);
    return cc < 0 ? -1 : run_product(dev, cc, kern, m, k, n, A, B, C, msg);
}

extern "C" int cpc_wk_cuda_matmul(int dev, uint32_t m, uint32_t k, uint32_t n, const int8_t *A,
                                  const int8_t *B, int32_t *C, char msg[256])
{
    return cpc_wk_cuda_matmul_with(dev, CPC_WK_CUDA_AUTO, m, k, n, A, B, C, msg);
}
