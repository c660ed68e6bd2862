/* transpose.cu — cpc_cu_transpose_i8 (matmul_kernels.cuh): B^T on the
 * device for the kernels that read B K-major (mma, wgmma). Built for every
 * architecture the worker targets. */
#include <cuda_runtime.h>
#include <stdint.h>

#include "matmul_kernels.cuh"

/* Bt (cols x rows) = B^T for B (rows x cols), both row-major; rows and cols
 * multiples of 64. A 64 x 64 tile per block of 16 x 16 threads, 4-byte
 * accesses on both sides. */
__global__ void transpose_i8_kernel(const int8_t *__restrict__ B, int8_t *__restrict__ Bt,
                                    size_t rows, size_t cols)
{
    __shared__ int8_t tile[64][64 + 4];
    const int tx = (int)threadIdx.x, ty = (int)threadIdx.y;
    const size_t r0 = (size_t)blockIdx.y * 64, c0 = (size_t)blockIdx.x * 64;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int r = ty + 16 * i;
        *reinterpret_cast<char4 *>(&tile[r][4 * tx]) =
            *reinterpret_cast<const char4 *>(B + (r0 + (size_t)r) * cols + c0 + 4 * (size_t)tx);
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int c = ty + 16 * i; /* output row (input column) */
        char4 v = make_char4(tile[4 * tx][c], tile[4 * tx + 1][c], tile[4 * tx + 2][c], tile[4 * tx + 3][c]);
        *reinterpret_cast<char4 *>(Bt + (c0 + (size_t)c) * rows + r0 + 4 * (size_t)tx) = v;
    }
}

cudaError_t cpc_cu_transpose_i8(const int8_t *dB, int8_t *dBt, size_t rows, size_t cols,
                                cudaStream_t stream)
{
    if (rows % 64 || cols % 64)
        return cudaErrorInvalidValue;
    dim3 grid((unsigned)(cols / 64), (unsigned)(rows / 64)), block(16, 16);
    transpose_i8_kernel<<<grid, block, 0, stream>>>(dB, dBt, rows, cols);
    return cudaGetLastError();
}

