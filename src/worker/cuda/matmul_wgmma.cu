/* matmul_wgmma.cu — the Hopper (sm_90a) int8 matmul: TMA loads, an mbarrier
 * ring of shared-memory stages, and wgmma (warpgroup MMA) with s32
 * accumulators. Compiled only for sm_90a (cmake/cuda.cmake, and the -gencode
 * in bench/cuda/run.sh); cpc_cu_wgmma_launch refuses other GPUs, and
 * cuda/matmul.cu self-checks this kernel against the CPU before it uses it.
 *
 * Exactness: the same integer sum as cpc_matmul_reference (int8 products in
 * int32, |C| <= 2^28 for k <= CPC_MATMUL_MAX_DIM), whatever the order.
 *
 * Operands: A is M x K row-major (K-major, as wgmma wants it); B arrives K x N
 * row-major, which int8 wgmma cannot read (only f16/bf16 may be transposed),
 * so cpc_cu_transpose_i8 (cuda/transpose.cu) first writes Bt = B^T, N x K
 * row-major. Buffers are
 * zero padded: M to WG_BM, N to WG_BN, K to WG_BK (cpc_cu_wgmma_pad_dims).
 *
 * Block: 3 warpgroups (384 threads), one C tile of WG_BM x WG_BN = 128 x 256.
 *   warpgroup 0 is the producer: one thread issues, per k-step of WG_BK = 128
 *     bytes, two TMA copies (A 128 x 128, Bt 256 x 128, 48 KiB) into stage
 *     s = kt % WG_STAGES, completing on the stage's "full" mbarrier; before it
 *     reuses a stage it waits on that stage's "empty" mbarrier;
 *   warpgroups 1 and 2 are consumers: each owns 64 rows of the tile (128 s32
 *     accumulators a thread), waits on "full", issues 4 wgmma m64n256k32 over
 *     the stage as one group, then waits until only that group is pending:
 *     the previous stage's MMAs are done, and one thread of each consumer
 *     arrives on that stage's "empty" (so the tensor cores always have the
 *     next group queued while a stage is handed back).
 * Shared tiles use the 128-byte swizzle: TMA writes each 128-byte row with its
 * 16-byte chunks XORed by (row % 8), and the wgmma descriptors say the same
 * (layout 1 = SWIZZLE_128B, stride 1024 bytes between 8-row groups); a k-step
 * of 32 inside the row advances the descriptor's start by 32 bytes. Stages are
 * 1024-byte aligned so the swizzle phase is the address's own.
 * Barrier parity: the n-th completion (0-based) of a barrier has parity n & 1;
 * the kt-th use of stage s waits "full" with parity (kt / WG_STAGES) & 1, and
 * the producer's refill waits "empty" with parity (kt / WG_STAGES - 1) & 1.
 * Every mbarrier wait is bounded (WAIT_LIMIT_NS): a pipeline bug ends the
 * block and is reported, instead of hanging the worker.
 * Tiles are visited in groups of 8 tile-rows so that the blocks in flight
 * share their A and Bt panels in L2.
 */
#include <cuda.h> /* CUtensorMap and its enums (types only; the entry point comes from the runtime) */
#include <cuda_runtime.h>
#include <stdint.h>

#include "matmul_kernels.cuh"

#define WG_THREADS 384
#define WG_A_BYTES (CPC_CU_WG_BM * CPC_CU_WG_BK)
#define WG_B_BYTES (CPC_CU_WG_BN * CPC_CU_WG_BK)
#define WG_STAGE_BYTES (WG_A_BYTES + WG_B_BYTES)
#define WG_SMEM_BYTES (CPC_CU_WG_STAGES * WG_STAGE_BYTES + 1024) /* + alignment slack */
#define WG_GROUP_M 8

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define CPC_WGMMA_DEVICE 1
#endif

/* Waits that never end would hang the worker (a kernel cannot be cancelled),
 * so each wait gives up after WAIT_LIMIT_NS: it counts the timeout here, sets
 * the block's abort flag (every other wait of the block then gives up at
 * once) and the block ends early. The host reads the count after the launch
 * (cpc_cu_wgmma_take_timeouts) and discards the product. */
__device__ unsigned int wgmma_timeouts;
#define WAIT_LIMIT_NS 2000000000ull

#ifdef CPC_WGMMA_DEVICE
__device__ static __forceinline__ uint32_t smem_u32(const void *p)
{
    return (uint32_t)__cvta_generic_to_shared(p);
}

__device__ static __forceinline__ void mbar_init(uint32_t bar, uint32_t count)
{
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(bar), "r"(count) : "memory");
}

__device__ static __forceinline__ void mbar_expect_tx(uint32_t bar, uint32_t bytes)
{
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(bytes)
                 : "memory");
}

__device__ static __forceinline__ void mbar_arrive(uint32_t bar)
{
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(bar) : "memory");
}

/* Wait until the barrier's phase of this parity has completed; false on timeout or abort. */
__device__ static __forceinline__ bool mbar_wait(uint32_t bar, uint32_t parity, volatile int *abort)
{
    uint64_t t0 = 0;
    for (uint32_t i = 1;; i++) {
        uint32_t done;
        asm volatile("{\n"
                     ".reg .pred p;\n"
                     "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                     "selp.u32 %0, 1, 0, p;\n"
                     "}\n"
                     : "=r"(done)
                     : "r"(bar), "r"(parity)
                     : "memory");
        if (done)
            return true;
        if (*abort)
            return false;
        if ((i & 1023) == 0) {
            uint64_t now;
            asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
            if (t0 == 0) {
                t0 = now;
            } else if (now - t0 > WAIT_LIMIT_NS) {
                *abort = 1;
                atomicAdd(&wgmma_timeouts, 1u);
                return false;
            }
        }
    }
}

/* 2-D TMA tile copy global -> shared, completing (bytes) on bar. x = inner (k) coordinate. */
__device__ static __forceinline__ void tma_load_2d(uint32_t dst, const CUtensorMap *map, int x, int y,
                                                   uint32_t bar)
{
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                 " [%0], [%1, {%2, %3}], [%4];" ::"r"(dst),
                 "l"(reinterpret_cast<uint64_t>(map)), "r"(x), "r"(y), "r"(bar)
                 : "memory");
}

/* Shared-memory matrix descriptor: K-major, 128-byte swizzle, 8-row groups 1024 bytes apart. */
__device__ static __forceinline__ uint64_t sw128_desc(uint32_t saddr)
{
    uint64_t d = (uint64_t)((saddr & 0x3FFFF) >> 4); /* start address, 16-byte units */
    d |= (uint64_t)1 << 16;                           /* leading byte offset: unused when swizzled */
    d |= (uint64_t)(1024 >> 4) << 32;                 /* stride byte offset */
    d |= (uint64_t)1 << 62;                           /* layout: 128-byte swizzle */
    return d;
}

/* Keep the compiler from moving accumulator accesses across the async MMA. */
__device__ static __forceinline__ void acc_fence(int32_t (&d)[128])
{
#pragma unroll
    for (int i = 0; i < 128; i++)
        asm volatile("" : "+r"(d[i])::"memory");
}

/* D(64x256, s32) += A(64x32, s8, smem desc) * B(32x256, s8, smem desc);
 * generated operand list: d[0..127] are %0..%127. */
__device__ static __forceinline__ void wgmma_m64n256k32(int32_t (&d)[128], uint64_t da, uint64_t db)
{
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "setp.ne.b32 p, %130, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31,"
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47,"
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63,"
        "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79,"
        "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95,"
        "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111,"
        "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127"
        "}, %128, %129, p;\n"
        "}\n"
        :
          "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3]), "+r"(d[4]), "+r"(d[5]), "+r"(d[6]), "+r"(d[7]),
          "+r"(d[8]), "+r"(d[9]), "+r"(d[10]), "+r"(d[11]), "+r"(d[12]), "+r"(d[13]), "+r"(d[14]), "+r"(d[15]),
          "+r"(d[16]), "+r"(d[17]), "+r"(d[18]), "+r"(d[19]), "+r"(d[20]), "+r"(d[21]), "+r"(d[22]), "+r"(d[23]),
          "+r"(d[24]), "+r"(d[25]), "+r"(d[26]), "+r"(d[27]), "+r"(d[28]), "+r"(d[29]), "+r"(d[30]), "+r"(d[31]),
          "+r"(d[32]), "+r"(d[33]), "+r"(d[34]), "+r"(d[35]), "+r"(d[36]), "+r"(d[37]), "+r"(d[38]), "+r"(d[39]),
          "+r"(d[40]), "+r"(d[41]), "+r"(d[42]), "+r"(d[43]), "+r"(d[44]), "+r"(d[45]), "+r"(d[46]), "+r"(d[47]),
          "+r"(d[48]), "+r"(d[49]), "+r"(d[50]), "+r"(d[51]), "+r"(d[52]), "+r"(d[53]), "+r"(d[54]), "+r"(d[55]),
          "+r"(d[56]), "+r"(d[57]), "+r"(d[58]), "+r"(d[59]), "+r"(d[60]), "+r"(d[61]), "+r"(d[62]), "+r"(d[63]),
          "+r"(d[64]), "+r"(d[65]), "+r"(d[66]), "+r"(d[67]), "+r"(d[68]), "+r"(d[69]), "+r"(d[70]), "+r"(d[71]),
          "+r"(d[72]), "+r"(d[73]), "+r"(d[74]), "+r"(d[75]), "+r"(d[76]), "+r"(d[77]), "+r"(d[78]), "+r"(d[79]),
          "+r"(d[80]), "+r"(d[81]), "+r"(d[82]), "+r"(d[83]), "+r"(d[84]), "+r"(d[85]), "+r"(d[86]), "+r"(d[87]),
          "+r"(d[88]), "+r"(d[89]), "+r"(d[90]), "+r"(d[91]), "+r"(d[92]), "+r"(d[93]), "+r"(d[94]), "+r"(d[95]),
          "+r"(d[96]), "+r"(d[97]), "+r"(d[98]), "+r"(d[99]), "+r"(d[100]), "+r"(d[101]), "+r"(d[102]), "+r"(d[103]),
          "+r"(d[104]), "+r"(d[105]), "+r"(d[106]), "+r"(d[107]), "+r"(d[108]), "+r"(d[109]), "+r"(d[110]), "+r"(d[111]),
          "+r"(d[112]), "+r"(d[113]), "+r"(d[114]), "+r"(d[115]), "+r"(d[116]), "+r"(d[117]), "+r"(d[118]), "+r"(d[119]),
          "+r"(d[120]), "+r"(d[121]), "+r"(d[122]), "+r"(d[123]), "+r"(d[124]), "+r"(d[125]), "+r"(d[126]), "+r"(d[127])
        : "l"(da), "l"(db), "n"(1));
}
#endif /* CPC_WGMMA_DEVICE */

__global__ void __launch_bounds__(WG_THREADS, 1)
mm_wgmma_kernel(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB,
                int32_t *__restrict__ C, uint32_t Np, uint32_t k_tiles, uint32_t m_tiles, uint32_t n_tiles)
{
#ifdef CPC_WGMMA_DEVICE
    extern __shared__ uint8_t smem_raw[];
    __shared__ __align__(8) uint64_t full[CPC_CU_WG_STAGES], empty[CPC_CU_WG_STAGES];
    __shared__ int abort_flag;
    volatile int *abort = &abort_flag;
    const uint32_t base = (smem_u32(smem_raw) + 1023u) & ~1023u;
    const int wg = (int)(threadIdx.x / 128), t = (int)(threadIdx.x % 128);

    /* grouped tile order: WG_GROUP_M tile-rows at a time, column-major inside a group */
    const uint32_t bid = blockIdx.x, per_group = WG_GROUP_M * n_tiles;
    const uint32_t first_m = bid / per_group * WG_GROUP_M;
    const uint32_t rows = min(m_tiles - first_m, (uint32_t)WG_GROUP_M);
    const uint32_t mt = first_m + bid % per_group % rows, nt = bid % per_group / rows;
    const int m0 = (int)(mt * CPC_CU_WG_BM), n0 = (int)(nt * CPC_CU_WG_BN);

    if (threadIdx.x == 0) {
        abort_flag = 0;
        for (int s = 0; s < CPC_CU_WG_STAGES; s++) {
            mbar_init(smem_u32(&full[s]), 1);  /* the producer's expect_tx arrival */
            mbar_init(smem_u32(&empty[s]), 2); /* one arrival per consumer warpgroup */
        }
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        asm volatile("prefetch.tensormap [%0];" ::"l"(reinterpret_cast<uint64_t>(&tmA)) : "memory");
        asm volatile("prefetch.tensormap [%0];" ::"l"(reinterpret_cast<uint64_t>(&tmB)) : "memory");
    }
    __syncthreads();

    if (wg == 0) { /* producer */
        if (t == 0) {
            for (uint32_t kt = 0; kt < k_tiles; kt++) {
                const uint32_t s = kt % CPC_CU_WG_STAGES, use = kt / CPC_CU_WG_STAGES;
                if (use > 0 && !mbar_wait(smem_u32(&empty[s]), (use - 1) & 1, abort))
                    return;
                const uint32_t sa = base + s * WG_STAGE_BYTES, sb = sa + WG_A_BYTES;
                mbar_expect_tx(smem_u32(&full[s]), WG_STAGE_BYTES);
                tma_load_2d(sa, &tmA, (int)(kt * CPC_CU_WG_BK), m0, smem_u32(&full[s]));
                tma_load_2d(sb, &tmB, (int)(kt * CPC_CU_WG_BK), n0, smem_u32(&full[s]));
            }
        }
        return;
    }

    /* consumers: warpgroup c owns rows c*64 .. c*64+63 of the tile */
    const int c = wg - 1;
    int32_t d[128];
#pragma unroll
    for (int i = 0; i < 128; i++)
        d[i] = 0;
    for (uint32_t kt = 0; kt < k_tiles; kt++) {
        const uint32_t s = kt % CPC_CU_WG_STAGES;
        if (!mbar_wait(smem_u32(&full[s]), (kt / CPC_CU_WG_STAGES) & 1, abort)) {
            asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
            return; /* timed out: the host discards the product */
        }
        const uint32_t sa = base + s * WG_STAGE_BYTES + (uint32_t)c * 64 * CPC_CU_WG_BK;
        const uint32_t sb = base + s * WG_STAGE_BYTES + WG_A_BYTES;
        acc_fence(d);
        asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
#pragma unroll
        for (int ks = 0; ks < CPC_CU_WG_BK / 32; ks++)
            wgmma_m64n256k32(d, sw128_desc(sa + ks * 32), sw128_desc(sb + ks * 32));
        asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
        /* keep this stage's MMAs in flight; the previous stage's are done, so its buffers go back */
        asm volatile("wgmma.wait_group.sync.aligned 1;" ::: "memory");
        acc_fence(d);
        if (kt > 0 && t == 0)
            mbar_arrive(smem_u32(&empty[(kt - 1) % CPC_CU_WG_STAGES]));
    }
    asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
    acc_fence(d);

    /* accumulator layout: warp w of the group holds rows 16w .. 16w+15; for each
     * 8-column group j, d[4j], d[4j+1] are (row, col), (row, col+1) and d[4j+2],
     * d[4j+3] the same columns 8 rows down, row = lane / 4, col = 8j + 2 (lane % 4). */
    const int warp = t / 32, lane = t % 32;
    const size_t row = (size_t)m0 + (size_t)c * 64 + (size_t)warp * 16 + (size_t)(lane / 4);
    int32_t *c0 = C + row * Np + (size_t)n0 + (size_t)(lane % 4) * 2, *c8 = c0 + 8 * (size_t)Np;
#pragma unroll
    for (int j = 0; j < 32; j++) {
        *reinterpret_cast<int2 *>(c0 + 8 * j) = make_int2(d[4 * j], d[4 * j + 1]);
        *reinterpret_cast<int2 *>(c8 + 8 * j) = make_int2(d[4 * j + 2], d[4 * j + 3]);
    }
#else
    (void)tmA; (void)tmB; (void)C; (void)Np; (void)k_tiles; (void)m_tiles; (void)n_tiles;
#endif
}

void cpc_cu_wgmma_pad_dims(uint32_t m, uint32_t k, uint32_t n, size_t *Mp, size_t *Kp, size_t *Np)
{
    *Mp = ((size_t)m + CPC_CU_WG_BM - 1) / CPC_CU_WG_BM * CPC_CU_WG_BM;
    *Np = ((size_t)n + CPC_CU_WG_BN - 1) / CPC_CU_WG_BN * CPC_CU_WG_BN;
    *Kp = ((size_t)k + CPC_CU_WG_BK - 1) / CPC_CU_WG_BK * CPC_CU_WG_BK;
}

bool cpc_cu_wgmma_supported(int cc) { return cc == 90; }

typedef CUresult (*encode_tiled_fn)(CUtensorMap *, CUtensorMapDataType, cuuint32_t, void *,
                                    const cuuint64_t *, const cuuint64_t *, const cuuint32_t *,
                                    const cuuint32_t *, CUtensorMapInterleave, CUtensorMapSwizzle,
                                    CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

/* The driver's cuTensorMapEncodeTiled, through the runtime (no libcuda link). */
static encode_tiled_fn encode_tiled(void)
{
    static encode_tiled_fn fn = NULL;
    if (!fn) {
        void *p = NULL;
        cudaDriverEntryPointQueryResult q;
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &q) ==
                cudaSuccess &&
            q == cudaDriverEntryPointSuccess)
            fn = (encode_tiled_fn)p;
        else
            (void)cudaGetLastError();
    }
    return fn;
}

/* A rows x Kp int8 row-major, as TMA boxes of box_rows x CPC_CU_WG_BK with the 128-byte swizzle. */
static bool make_map(CUtensorMap *map, const int8_t *p, size_t rows, size_t Kp, uint32_t box_rows)
{
    encode_tiled_fn fn = encode_tiled();
    if (!fn)
        return false;
    cuuint64_t dims[2] = {(cuuint64_t)Kp, (cuuint64_t)rows};
    cuuint64_t strides[1] = {(cuuint64_t)Kp}; /* bytes between rows */
    cuuint32_t box[2] = {CPC_CU_WG_BK, box_rows};
    cuuint32_t estr[2] = {1, 1};
    return fn(map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, (void *)p, dims, strides, box, estr,
              CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
              CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

cudaError_t cpc_cu_wgmma_take_timeouts(unsigned *n)
{
    const unsigned zero = 0;
    cudaError_t e = cudaMemcpyFromSymbol(n, wgmma_timeouts, sizeof *n);
    return e != cudaSuccess ? e : cudaMemcpyToSymbol(wgmma_timeouts, &zero, sizeof zero);
}

cudaError_t cpc_cu_wgmma_launch(const int8_t *dA, const int8_t *dBt, int32_t *dC, size_t Mp, size_t Kp,
                                size_t Np, int cc, cudaStream_t stream)
{
    if (!cpc_cu_wgmma_supported(cc) || Mp % CPC_CU_WG_BM || Np % CPC_CU_WG_BN || Kp % CPC_CU_WG_BK ||
        Mp == 0 || Np == 0 || Kp == 0)
        return cudaErrorInvalidValue;
    CUtensorMap ma, mb;
    if (!make_map(&ma, dA, Mp, Kp, CPC_CU_WG_BM) || !make_map(&mb, dBt, Np, Kp, CPC_CU_WG_BN))
        return cudaErrorInvalidValue;
    cudaError_t e = cudaFuncSetAttribute(mm_wgmma_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         WG_SMEM_BYTES);
    if (e != cudaSuccess)
        return e;
    const uint32_t mt = (uint32_t)(Mp / CPC_CU_WG_BM), nt = (uint32_t)(Np / CPC_CU_WG_BN);
    mm_wgmma_kernel<<<mt * nt, WG_THREADS, WG_SMEM_BYTES, stream>>>(ma, mb, dC, (uint32_t)Np,
                                                                  (uint32_t)(Kp / CPC_CU_WG_BK), mt, nt);
    return cudaGetLastError();
}
