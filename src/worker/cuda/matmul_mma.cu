/* matmul_mma.cu — the int8 matmul for sm_80 and up without Hopper's wgmma:
 * cp.async into a 3-stage shared-memory ring, ldmatrix, and warp-level
 * mma.sync m16n8k32 (s8 x s8 -> s32), as Ampere-class GEMMs do. It reads
 * Bt = B^T (N x K row-major), made by cpc_cu_transpose_i8, because the B
 * operand of an int8 mma is K-major ("col") and ldmatrix cannot transpose
 * bytes. Buffers are zero padded as cpc_cu_pad_dims says (128 x 64).
 *
 * Block: 4 warps (128 threads) compute a 128 x 128 tile of C; warp w owns
 * rows (w / 2) * 64 and columns (w % 2) * 64, 64 x 64: 4 x 8 mma tiles of
 * 16 x 8, 128 s32 accumulators a thread. k advances CPC_CU_BK = 64 bytes a
 * stage (two k32 steps).
 * Shared tiles: 128 rows of 64 bytes (four 16-byte chunks) for A and for Bt;
 * chunk c of row r is stored at chunk c ^ ((r >> 1) & 3), so the 8 rows an
 * ldmatrix reads (64 bytes apart) fall in distinct banks.
 * Fragments (PTX ISA, mma.m16n8k32 .s8): with g = lane / 4, t = lane % 4,
 *   A regs a0..a3 = (row g, k 4t..4t+3), (row g+8, same k), (row g, k+16),
 *   (row g+8, k+16): ldmatrix.x4 of the 8x16-byte blocks (rows 0-7, k 0-15),
 *   (rows 8-15, k 0-15), (rows 0-7, k 16-31), (rows 8-15, k 16-31);
 *   B regs b0, b1 = (n g, k 4t..4t+3), (n g, k+16): from Bt rows, the same
 *   way, two n8 blocks per ldmatrix.x4;
 *   C regs c0..c3 = (row g, n 2t, 2t+1), (row g+8, n 2t, 2t+1).
 */
#include <cuda_runtime.h>
#include <stdint.h>

#include "matmul_kernels.cuh"

#define MMA_THREADS 128
#define MMA_STAGES 3
#define MMA_TILE_BYTES (CPC_CU_TILE * CPC_CU_BK) /* one operand's stage: 8 KiB */

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define CPC_MMA_DEVICE 1
#endif

#ifdef CPC_MMA_DEVICE
/* Byte offset of (row, 16-byte chunk) in a swizzled 128 x 64-byte tile. */
__device__ static __forceinline__ uint32_t swz(uint32_t row, uint32_t chunk)
{
    return row * CPC_CU_BK + ((chunk ^ ((row >> 1) & 3u)) << 4);
}

__device__ static __forceinline__ void cp_async16(uint32_t dst, const void *src)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(dst), "l"(src) : "memory");
}

__device__ static __forceinline__ void ldsm_x4(uint32_t addr, uint32_t &r0, uint32_t &r1, uint32_t &r2,
                                               uint32_t &r3)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
                 : "r"(addr));
}

__device__ static __forceinline__ void mma_s8(int32_t (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2])
{
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
                 "{%8, %9}, {%0, %1, %2, %3};"
                 : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif

__global__ void __launch_bounds__(MMA_THREADS)
mm_mma_kernel(const int8_t *__restrict__ A, const int8_t *__restrict__ Bt, int32_t *__restrict__ C,
              size_t Kp, size_t Np)
{
#ifdef CPC_MMA_DEVICE
    __shared__ __align__(128) int8_t smem[MMA_STAGES][2][MMA_TILE_BYTES];
    const uint32_t tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const uint32_t wm = warp / 2, wn = warp % 2;
    const size_t m0 = (size_t)blockIdx.y * CPC_CU_TILE, n0 = (size_t)blockIdx.x * CPC_CU_TILE;
    const uint32_t base = (uint32_t)__cvta_generic_to_shared(smem);
    const uint32_t k_tiles = (uint32_t)(Kp / CPC_CU_BK);

    /* one stage: 512 chunks of A and 512 of Bt, 4 + 4 per thread */
    auto load = [&](uint32_t stage, uint32_t kt) {
        const size_t k0 = (size_t)kt * CPC_CU_BK;
        const uint32_t sa = base + stage * 2 * MMA_TILE_BYTES, sb = sa + MMA_TILE_BYTES;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const uint32_t q = tid + (uint32_t)i * MMA_THREADS, row = q / 4, ch = q % 4;
            cp_async16(sa + swz(row, ch), A + (m0 + row) * Kp + k0 + ch * 16);
            cp_async16(sb + swz(row, ch), Bt + (n0 + row) * Kp + k0 + ch * 16);
        }
    };

    int32_t acc[4][8][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 8; j++)
#pragma unroll
            for (int q = 0; q < 4; q++)
                acc[i][j][q] = 0;

#pragma unroll
    for (uint32_t s = 0; s < MMA_STAGES - 1; s++) {
        if (s < k_tiles)
            load(s, s);
        asm volatile("cp.async.commit_group;" ::: "memory");
    }
    const uint32_t mat = lane / 8, r8 = lane % 8;
    for (uint32_t kt = 0; kt < k_tiles; kt++) {
        asm volatile("cp.async.wait_group %0;" ::"n"(MMA_STAGES - 2) : "memory");
        __syncthreads(); /* stage kt landed for every thread; stage kt - 1 is free */
        const uint32_t nk = kt + MMA_STAGES - 1;
        if (nk < k_tiles)
            load(nk % MMA_STAGES, nk);
        asm volatile("cp.async.commit_group;" ::: "memory");

        const uint32_t sa = base + (kt % MMA_STAGES) * 2 * MMA_TILE_BYTES, sb = sa + MMA_TILE_BYTES;
#pragma unroll
        for (uint32_t ks = 0; ks < CPC_CU_BK / 32; ks++) {
            uint32_t af[4][4], bf[8][2];
#pragma unroll
            for (uint32_t mi = 0; mi < 4; mi++) {
                const uint32_t row = wm * 64 + mi * 16 + (mat & 1) * 8 + r8, ch = ks * 2 + (mat >> 1);
                ldsm_x4(sa + swz(row, ch), af[mi][0], af[mi][1], af[mi][2], af[mi][3]);
            }
#pragma unroll
            for (uint32_t p = 0; p < 4; p++) {
                const uint32_t row = wn * 64 + p * 16 + (mat >> 1) * 8 + r8, ch = ks * 2 + (mat & 1);
                ldsm_x4(sb + swz(row, ch), bf[2 * p][0], bf[2 * p][1], bf[2 * p + 1][0], bf[2 * p + 1][1]);
            }
#pragma unroll
            for (int mi = 0; mi < 4; mi++)
#pragma unroll
                for (int nj = 0; nj < 8; nj++)
                    mma_s8(acc[mi][nj], af[mi], bf[nj]);
        }
    }
    asm volatile("cp.async.wait_group 0;" ::: "memory");

    const uint32_t g = lane / 4, t = lane % 4;
#pragma unroll
    for (int mi = 0; mi < 4; mi++) {
        const size_t row = m0 + wm * 64 + (size_t)mi * 16 + g;
        int32_t *c0 = C + row * Np + n0 + wn * 64 + 2 * t, *c8 = c0 + 8 * Np;
#pragma unroll
        for (int nj = 0; nj < 8; nj++) {
            *reinterpret_cast<int2 *>(c0 + 8 * nj) = make_int2(acc[mi][nj][0], acc[mi][nj][1]);
            *reinterpret_cast<int2 *>(c8 + 8 * nj) = make_int2(acc[mi][nj][2], acc[mi][nj][3]);
        }
    }
#else
    (void)A; (void)Bt; (void)C; (void)Kp; (void)Np;
#endif
}

bool cpc_cu_mma_supported(int cc) { return cc >= 80; }

cudaError_t cpc_cu_mma_launch(const int8_t *dA, const int8_t *dBt, int32_t *dC, size_t Mp, size_t Kp,
                              size_t Np, int cc, cudaStream_t stream)
{
    if (!cpc_cu_mma_supported(cc) || Mp % CPC_CU_TILE || Np % CPC_CU_TILE || Kp % CPC_CU_BK || !Mp || !Np ||
        !Kp)
        return cudaErrorInvalidValue;
    dim3 grid((unsigned)(Np / CPC_CU_TILE), (unsigned)(Mp / CPC_CU_TILE));
    mm_mma_kernel<<<grid, MMA_THREADS, 0, stream>>>(dA, dBt, dC, Kp, Np);
    return cudaGetLastError();
}
