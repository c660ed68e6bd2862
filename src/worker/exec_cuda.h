/* exec_cuda.h — the optional CUDA executors (cuda/matmul_host.cu and its
 * kernels when CMake finds nvcc; exec_cuda_none.c otherwise). The binary runs
 * on machines without NVIDIA: every function then reports that no device is
 * there. */
#ifndef CPC_WORKER_EXEC_CUDA_H
#define CPC_WORKER_EXEC_CUDA_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The int8 matmul kernels. SIMT runs on any GPU, WMMA (int8 tensor cores
 * through nvcuda::wmma) on sm_72 and up, MMA (cp.async, ldmatrix, mma.sync
 * m16n8k32) on sm_80 and up, WGMMA (Hopper warpgroup MMA fed by TMA) on sm_90
 * only; CUBLASLT is NVIDIA's cuBLASLt (cublasLtMatmul, int8 IMMA, int32
 * accumulators) on sm_75 and up, tried first. Order of trial: cublaslt,
 * wgmma, mma, wmma, simt. AUTO: the first of them that this GPU has and that
 * passed its self-check. */
enum cpc_wk_cuda_kernel {
    CPC_WK_CUDA_AUTO = 0,
    CPC_WK_CUDA_SIMT = 1,
    CPC_WK_CUDA_WMMA = 2,
    CPC_WK_CUDA_MMA = 3,
    CPC_WK_CUDA_WGMMA = 4,
    CPC_WK_CUDA_CUBLASLT = 5,
};

/* true when this binary was built with nvcc. */
bool cpc_wk_cuda_built(void);
/* Number of usable CUDA devices (0 without a driver or a GPU, or when not built). */
int cpc_wk_cuda_devices(void);
/* "auto", "simt", "wmma", "mma", "wgmma", "cublaslt" ("?" otherwise); static string. */
const char *cpc_wk_cuda_kernel_name(enum cpc_wk_cuda_kernel k);
/* true when kernel k (not AUTO) can run on device dev's GPU. */
bool cpc_wk_cuda_kernel_available(int dev, enum cpc_wk_cuda_kernel k);
/* The kernel cpc_wk_cuda_matmul uses on dev. On the first call for a device
 * each candidate kernel, fastest first, is run once on a fixed 130 x 1200 x
 * 300 product with extreme values and compared with a CPU product; the first
 * that matches is kept for the process. msg (may be NULL; <= 255 chars) gets
 * the outcome in words, for the log: the kernel, or which kernel failed and
 * how. Returns CPC_WK_CUDA_AUTO when no kernel passed or there is no such
 * device. Thread-safe. */
enum cpc_wk_cuda_kernel cpc_wk_cuda_kernel_for(int dev, char msg[256]);
/* Run kernel k's self-check (the product above) on dev in this process: 0
 * when it matches the CPU, else -1 with why in msg (<= 255 chars). A kernel
 * that faults may end this process's CUDA context: the worker runs this in a
 * child process (`cpc-worker gpu-check`, gpu_probe.h). */
int cpc_wk_cuda_self_check(int dev, enum cpc_wk_cuda_kernel k, char msg[256]);
/* Record the kernel cpc_wk_cuda_kernel_for(dev) answers from now on, chosen
 * elsewhere (by self-checks in child processes); CPC_WK_CUDA_AUTO = none
 * passed. note (copied; may be NULL) is the outcome in words. */
void cpc_wk_cuda_kernel_set(int dev, enum cpc_wk_cuda_kernel k, const char *note);
/* C = A*B on device dev, int8 -> int32, exact (same bytes as
 * cpc_matmul_reference), with cpc_wk_cuda_kernel_for(dev)'s kernel. A m x k,
 * B k x n, C m x n, row-major host buffers owned by the caller. Returns 0,
 * or -1 with a message (<= 255 chars) in msg. */
int cpc_wk_cuda_matmul(int dev, uint32_t m, uint32_t k, uint32_t n, const int8_t *A,
                       const int8_t *B, int32_t *C, char msg[256]);
/* The same with a named kernel and no self-check (tests and benchmarks);
 * AUTO behaves as cpc_wk_cuda_matmul. -1 with msg when that kernel cannot
 * run on dev's GPU. Buffers as above. */
int cpc_wk_cuda_matmul_with(int dev, enum cpc_wk_cuda_kernel kern, uint32_t m, uint32_t k,
                            uint32_t n, const int8_t *A, const int8_t *B, int32_t *C,
                            char msg[256]);

#ifdef __cplusplus
}
#endif
#endif
