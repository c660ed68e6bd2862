/* matmul_kernels.cuh — the device side of cuda/matmul.cu, for the GPU bench
 * (bench/cuda/bench_cuda_matmul.cu), which times the kernel alone on device
 * buffers. Buffers are zero padded: A Mp x Kp, B Kp x Np (int8, row-major),
 * C Mp x Np (int32, row-major), with Mp, Np multiples of CPC_CU_TILE and Kp a
 * multiple of CPC_CU_BK (cpc_cu_pad_dims). */
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

#endif
