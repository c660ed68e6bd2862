/* matmul.cu — the WMMA int8 matmul kernel (sm_72+) and a plain one for older
 * GPUs, behind exec_cuda.h (built when CMake finds nvcc).
 *
 * Exactness: int8 x int8 products summed in int32 never overflow for k <=
 * CPC_MATMUL_MAX_DIM (|C| <= 2^28), so the tensor-core sum is the same
 * integer as cpc_matmul_reference's, whatever the order: byte-identical.
 *
 * Layout: the host matrices are copied into zero-padded device buffers (rows
 * and columns of C to multiples of 128, k to a multiple of 64; zero rows /
 * columns add nothing), so the kernels need no bounds checks; only the m x n
 * corner of C is copied back.
 *
 * WMMA kernel (sm_72+, int8 IMMA 16x16x16, int32 accumulate): a block of 256
 * threads (8 warps as 2 x 4) computes a 128 x 128 tile of C, each warp 64 x 32
 * (4 x 2 accumulator fragments). k advances 64 at a time through two shared
 * buffers: the next stage's global loads (16 bytes per thread, coalesced) go
 * to registers while the tensor cores work on the current stage. Shared tiles
 * are stored in 16-column slabs ([slab][row][16]) so that every fragment
 * pointer is 256-bit aligned with ldm = 16, as load_matrix_sync requires.
 * Older GPUs get a plain one-thread-per-element kernel.
 *
 * The host side (transfers, kernel choice, self-checks) is cuda/matmul_host.cu.
 */
#include <cuda_runtime.h>
#include <mma.h>

#include "matmul_kernels.cuh"

using namespace nvcuda;

#define WARPS 8
#define THREADS (WARPS * 32)
#define A_STAGE (CPC_CU_TILE * CPC_CU_BK) /* bytes of one A stage (= one B stage) */

__global__ void __launch_bounds__(THREADS)
mm_wmma_kernel(const int8_t *__restrict__ A, const int8_t *__restrict__ B, int32_t *__restrict__ C,
               size_t Kp, size_t Np)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 720
    /* A stage: [BK/16 slabs][128 rows][16];  B stage: [128/16 slabs][BK rows][16] */
    __shared__ __align__(256) signed char As[2][A_STAGE];
    __shared__ __align__(256) signed char Bs[2][A_STAGE];
    const int tid = threadIdx.x, warp = tid / 32;
    const int wm = warp / 4, wn = warp % 4; /* warp tile: rows wm*64, columns wn*32 */
    const size_t m0 = (size_t)blockIdx.y * CPC_CU_TILE, n0 = (size_t)blockIdx.x * CPC_CU_TILE;

    wmma::fragment<wmma::accumulator, 16, 16, 16, int> acc[4][2];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
            wmma::fill_fragment(acc[i][j], 0);

    /* per stage each thread moves 2 x 16 bytes of A and 2 x 16 bytes of B */
    int4 ra[2], rb[2];
    auto load_global = [&](size_t k0) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            int idx = tid + h * THREADS;                 /* 0..511 */
            int arow = idx / 4, aslab = idx % 4;         /* A: 128 rows x 4 slabs */
            ra[h] = *reinterpret_cast<const int4 *>(A + (m0 + arow) * Kp + k0 + aslab * 16);
            int brow = idx / 8, bslab = idx % 8;         /* B: 64 rows x 8 slabs */
            rb[h] = *reinterpret_cast<const int4 *>(B + (k0 + brow) * Np + n0 + bslab * 16);
        }
    };
    auto store_shared = [&](int buf) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            int idx = tid + h * THREADS;
            int arow = idx / 4, aslab = idx % 4;
            *reinterpret_cast<int4 *>(&As[buf][(aslab * CPC_CU_TILE + arow) * 16]) = ra[h];
            int brow = idx / 8, bslab = idx % 8;
            *reinterpret_cast<int4 *>(&Bs[buf][(bslab * CPC_CU_BK + brow) * 16]) = rb[h];
        }
    };

    const size_t stages = Kp / CPC_CU_BK;
    load_global(0);
    store_shared(0);
    __syncthreads();
    for (size_t s = 0; s < stages; s++) {
        const int cur = (int)(s & 1);
        if (s + 1 < stages)
            load_global((s + 1) * CPC_CU_BK);
#pragma unroll
        for (int kk = 0; kk < CPC_CU_BK / 16; kk++) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, signed char, wmma::row_major> fa[4];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, signed char, wmma::row_major> fb[2];
#pragma unroll
            for (int i = 0; i < 4; i++)
                wmma::load_matrix_sync(fa[i], &As[cur][(kk * CPC_CU_TILE + wm * 64 + i * 16) * 16], 16);
#pragma unroll
            for (int j = 0; j < 2; j++)
                wmma::load_matrix_sync(fb[j], &Bs[cur][((wn * 2 + j) * CPC_CU_BK + kk * 16) * 16], 16);
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 2; j++)
                    wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        if (s + 1 < stages)
            store_shared(cur ^ 1);
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
            wmma::store_matrix_sync(C + (m0 + wm * 64 + i * 16) * Np + n0 + wn * 32 + j * 16,
                                    acc[i][j], (unsigned)Np, wmma::mem_row_major);
#else
    (void)A; (void)B; (void)C; (void)Kp; (void)Np;
#endif
}

/* Plain kernel for GPUs without int8 tensor cores: one thread per element. */
__global__ void mm_plain_kernel(const int8_t *__restrict__ A, const int8_t *__restrict__ B,
                                int32_t *__restrict__ C, size_t Kp, size_t Np)
{
    size_t i = (size_t)blockIdx.y * 16 + threadIdx.y, j = (size_t)blockIdx.x * 16 + threadIdx.x;
    int32_t sum = 0;
    for (size_t l = 0; l < Kp; l++)
        sum += (int32_t)A[i * Kp + l] * (int32_t)B[l * Np + j];
    C[i * Np + j] = sum;
}

void cpc_cu_pad_dims(uint32_t m, uint32_t k, uint32_t n, size_t *Mp, size_t *Kp, size_t *Np)
{
    *Mp = ((size_t)m + CPC_CU_TILE - 1) / CPC_CU_TILE * CPC_CU_TILE;
    *Np = ((size_t)n + CPC_CU_TILE - 1) / CPC_CU_TILE * CPC_CU_TILE;
    *Kp = ((size_t)k + CPC_CU_BK - 1) / CPC_CU_BK * CPC_CU_BK;
}

cudaError_t cpc_cu_matmul_launch(const int8_t *dA, const int8_t *dB, int32_t *dC, size_t Mp,
                                 size_t Kp, size_t Np, int cc, cudaStream_t stream)
{
    if (cc >= 72) {
        dim3 grid((unsigned)(Np / CPC_CU_TILE), (unsigned)(Mp / CPC_CU_TILE));
        mm_wmma_kernel<<<grid, THREADS, 0, stream>>>(dA, dB, dC, Kp, Np);
    } else {
        dim3 grid((unsigned)(Np / 16), (unsigned)(Mp / 16)), block(16, 16);
        mm_plain_kernel<<<grid, block, 0, stream>>>(dA, dB, dC, Kp, Np);
    }
    return cudaGetLastError();
}
