/* matmul_kernels.cuh — the device side of cuda/matmul.cu (the WMMA kernel),
 * cuda/matmul_mma.cu (mma.sync), cuda/matmul_wgmma.cu (the Hopper kernel)
 * and cuda/transpose.cu, shared with the GPU bench
 * (bench/cuda/bench_cuda_matmul.cu), which times the kernels alone on device
 * buffers. All buffers are device memory owned by the caller and zero padded:
 * A Mp x Kp, B Kp x Np (int8, row-major), C Mp x Np (int32, row-major). */
#ifndef CPC_WORKER_CUDA_MATMUL_KERNELS_CUH
#define CPC_WORKER_CUDA_MATMUL_KERNELS_CUH

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

#define CPC_CU_TILE 128 /* block tile of C (rows and columns) */
#define CPC_CU_BK 64    /* k per shared-memory stage */

/* Padded sizes for m, k, n. */
void cpc_cu_pad_dims(uint32_t m, uint32_t k, uint32_t n, size_t *Mp, size_t *Kp, size_t *Np);
/* Launch C = A*B on the current device for padded buffers; cc = compute
 * capability * 10 (e.g. 90): >= 72 uses the WMMA int8 kernel, else the plain
 * one. Asynchronous on stream; returns the launch error. */
cudaError_t cpc_cu_matmul_launch(const int8_t *dA, const int8_t *dB, int32_t *dC, size_t Mp,
                                 size_t Kp, size_t Np, int cc, cudaStream_t stream);

/* The mma.sync kernel (sm_80+): C = A * Bt^T for padded buffers of
 * cpc_cu_pad_dims (Bt = B^T, Np x Kp, from cpc_cu_transpose_i8). */
bool cpc_cu_mma_supported(int cc);
/* Launch it on the current device; asynchronous on stream; returns
 * cudaErrorInvalidValue for an older GPU or bad sizes, else the launch error. */
cudaError_t cpc_cu_mma_launch(const int8_t *dA, const int8_t *dBt, int32_t *dC, size_t Mp, size_t Kp,
                              size_t Np, int cc, cudaStream_t stream);

/* The Hopper kernel: sm_90a only (cc == 90). Tiles of C are CPC_CU_WG_BM x
 * CPC_CU_WG_BN, k advances CPC_CU_WG_BK bytes a stage through CPC_CU_WG_STAGES
 * shared-memory stages. It reads Bt = B^T (Np x Kp, row-major), which
 * cpc_cu_transpose_i8 (cuda/transpose.cu) makes from B. */
#define CPC_CU_WG_BM 128
#define CPC_CU_WG_BN 256
#define CPC_CU_WG_BK 128
#define CPC_CU_WG_STAGES 4

/* Padded sizes for the Hopper kernel. */
void cpc_cu_wgmma_pad_dims(uint32_t m, uint32_t k, uint32_t n, size_t *Mp, size_t *Kp, size_t *Np);
/* true when the Hopper kernel can run on a GPU of compute capability cc * 10. */
bool cpc_cu_wgmma_supported(int cc);
/* dBt (cols x rows) = dB^T (rows x cols), int8 row-major; rows and cols
 * multiples of 64. Asynchronous on stream; returns the launch error. */
cudaError_t cpc_cu_transpose_i8(const int8_t *dB, int8_t *dBt, size_t rows, size_t cols,
                                cudaStream_t stream);
/* Launch C = A * Bt^T (Mp x Kp times (Np x Kp)^T) on the current device: Mp a
 * multiple of CPC_CU_WG_BM, Np of CPC_CU_WG_BN, Kp of CPC_CU_WG_BK, buffers
 * 16-byte aligned (cudaMalloc's are). Asynchronous on stream; returns
 * cudaErrorInvalidValue for another GPU or bad sizes, else the launch error. */
/* The number of mbarrier waits of the Hopper kernel that timed out (each ends
 * its block early: that product is wrong) since the last call, on the
 * current device; resets it. Synchronous. */
cudaError_t cpc_cu_wgmma_take_timeouts(unsigned *n);
/* cuBLASLt (cuda/matmul_cublaslt.cu, built when CMake finds CUDA::cublasLt):
 * true when its int8 IMMA path runs on a GPU of compute capability cc * 10
 * and libcublasLt could be loaded (dlopen, once). */
bool cpc_cu_cublaslt_supported(int cc);
/* C (m x Np, row-major, int32) = A (m x Kp) * Bt^T (Bt = B^T, Np x Kp from
 * cpc_cu_transpose_i8) on the current device with cublasLtMatmul; Kp and Np
 * multiples of 64, buffers from cudaMalloc. Runs and synchronises stream;
 * returns 0, or -1 with the failing call and cuBLAS status in why. */
int cpc_cu_cublaslt_run(const int8_t *dA, const int8_t *dBt, int32_t *dC, size_t m, size_t Kp,
                        size_t Np, cudaStream_t stream, char why[128]);
cudaError_t cpc_cu_wgmma_launch(const int8_t *dA, const int8_t *dBt, int32_t *dC, size_t Mp, size_t Kp,
                                size_t Np, int cc, cudaStream_t stream);

#endif
