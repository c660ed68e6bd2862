/* exec_matmul_cpu.c — the worker's CPU matmul executor (executor.h):
 * C = A*B, int8 x int8 -> int32, row-major, exact.
 *
 * Exactness. |C[i][j]| <= k*128*128 <= 2^28 for k <= CPC_MATMUL_MAX_DIM, and
 * every partial sum below stays inside int32 too, so integer addition in any
 * order gives exactly cpc_matmul_reference's bytes; the kernels are free to
 * reorder, block and vectorise.
 *
 * oneDNN first. When the worker is built with oneDNN (CPC_HAVE_ONEDNN) and
 * its ISA here is exact (exec_matmul_onednn.h), cpc_wk_matmul_cpu runs
 * dnnl_gemm_s8s8s32; the own kernels below run when it is absent or fails.
 *
 * Kernels (chosen at run time with __builtin_cpu_supports; functions carry
 * __attribute__((target)), the rest of the file is baseline x86-64 / C17):
 *   avx512vnni  6x64 micro-tile, vpdpbusd. dpbusd multiplies u8 by s8, so A
 *               is packed as a+128 (a ^ 0x80) and each column of C starts
 *               from -128 * colsum(B[:,j]):  sum (a+128)*b - 128*sum b = sum a*b.
 *               Four k values per 32-bit lane: B is packed k in groups of 4.
 *   avx2        6x16 micro-tile, vpmaddwd on int16 (sign-extended from packed
 *               int8 B, k in pairs; A packed as int16 pairs). Exact, no bias.
 *   portable    plain C i-l-j loops over the same cache blocks.
 *
 * Blocking (GotoBLAS/BLIS order). B is packed once, up front, by all threads:
 * [k block of KC][strip of NR columns][KC/G groups][NR][G] int8, zero padded
 * (k to a multiple of G, n to a multiple of NR), plus -128*colsum for vnni.
 * Work items are (band of MC rows) x (chunk of NC columns) of C, handed out
 * by an atomic counter band-major. For each k block an item packs its MC x KC
 * slice of A into a thread-local buffer ([MR-row sliver][KC/G][MR][G]), then
 * for each NR strip (B sliver KC x NR stays in L1) runs the micro-kernel over
 * the MR slivers (A block in L2). The first k block starts C from the bias,
 * later ones add to it; partial tiles at the m/n edges use masked stores
 * (avx512) or a bounce buffer (avx2).
 *
 * Control: cancel is polled once per k block of an item (a few ms at most);
 * progress counts a band's rows when its last column chunk finishes. Memory:
 * the packed B (about k*n bytes) and one A block per thread; failures give
 * CPC_ERR_NOMEM. Threads: ctl->threads (the caller works as thread 0).
 */
#include "exec_matmul_cpu.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPC_MM_X86 1
#include <immintrin.h>
#endif

#include "exec_matmul_onednn.h"

/* ---------------- kernels ---------------- */

#define MAX_NR 64 /* widest micro-tile (vnni) */

struct mm_run;

struct mm_kern {
    const char *name;
    unsigned mr, nr, g;       /* micro-tile rows and columns; k group of the packing */
    unsigned mc, kc, nc;      /* default cache blocks */
    size_t a_esize;           /* bytes per packed A element */
    bool packs;               /* false: portable (no packing) */
    bool bias;                /* needs the -128*colsum start (vnni) */
    /* micro-kernel: C tile (mr_v x nr_v valid of mr x nr) at c, ldc; kg groups */
    void (*micro)(const void *ap, const int8_t *bp, size_t kg, int32_t *c, size_t ldc,
                  unsigned mr_v, unsigned nr_v, bool first, const int32_t *bias);
};

static uint32_t load_u32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

#ifdef CPC_MM_X86

#define VN_MR 6
#define VN_NR 64

__attribute__((target("avx512f,avx512vnni")))
static void micro_vnni(const void *ap_, const int8_t *bp, size_t kg, int32_t *c, size_t ldc,
                       unsigned mr_v, unsigned nr_v, bool first, const int32_t *bias)
{
    const uint8_t *ap = ap_;
    __m512i acc[VN_MR][4];
    __mmask16 mk[4];
#pragma GCC unroll 4
    for (unsigned v = 0; v < 4; v++) {
        int w = (int)nr_v - (int)(16 * v);
        mk[v] = w >= 16 ? (__mmask16)0xffff : w <= 0 ? (__mmask16)0 : (__mmask16)((1u << w) - 1);
    }
    if (first) {
#pragma GCC unroll 4
        for (unsigned v = 0; v < 4; v++) {
            __m512i b0 = _mm512_loadu_si512((const void *)(bias + 16 * v)); /* padded to NR */
#pragma GCC unroll 6
            for (unsigned r = 0; r < VN_MR; r++)
                acc[r][v] = b0;
        }
    } else {
#pragma GCC unroll 6
        for (unsigned r = 0; r < VN_MR; r++)
#pragma GCC unroll 4
            for (unsigned v = 0; v < 4; v++)
                acc[r][v] = r < mr_v ? _mm512_maskz_loadu_epi32(mk[v], c + r * ldc + 16 * v)
                                     : _mm512_setzero_si512();
    }
    for (size_t q = 0; q < kg; q++) {
        const int8_t *b = bp + q * (VN_NR * 4);
        __m512i b0 = _mm512_loadu_si512((const void *)b);
        __m512i b1 = _mm512_loadu_si512((const void *)(b + 64));
        __m512i b2 = _mm512_loadu_si512((const void *)(b + 128));
        __m512i b3 = _mm512_loadu_si512((const void *)(b + 192));
        const uint8_t *a = ap + q * (VN_MR * 4);
#pragma GCC unroll 6
        for (unsigned r = 0; r < VN_MR; r++) {
            __m512i av = _mm512_set1_epi32((int)load_u32(a + 4 * r));
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], av, b1);
            acc[r][2] = _mm512_dpbusd_epi32(acc[r][2], av, b2);
            acc[r][3] = _mm512_dpbusd_epi32(acc[r][3], av, b3);
        }
    }
#pragma GCC unroll 6
    for (unsigned r = 0; r < VN_MR; r++)
        if (r < mr_v)
#pragma GCC unroll 4
            for (unsigned v = 0; v < 4; v++)
                _mm512_mask_storeu_epi32(c + r * ldc + 16 * v, mk[v], acc[r][v]);
}

#define AV_MR 6
#define AV_NR 16

__attribute__((target("avx2")))
static void micro_avx2(const void *ap_, const int8_t *bp, size_t kg, int32_t *c, size_t ldc,
                       unsigned mr_v, unsigned nr_v, bool first, const int32_t *bias)
{
    const uint8_t *ap = ap_;
    int32_t tmp[AV_NR];
    __m256i acc[AV_MR][2];
    (void)bias;
#pragma GCC unroll 6
    for (unsigned r = 0; r < AV_MR; r++) {
        if (first || r >= mr_v) {
            acc[r][0] = acc[r][1] = _mm256_setzero_si256();
        } else if (nr_v == AV_NR) {
            acc[r][0] = _mm256_loadu_si256((const void *)(c + r * ldc));
            acc[r][1] = _mm256_loadu_si256((const void *)(c + r * ldc + 8));
        } else {
            memset(tmp, 0, sizeof tmp);
            memcpy(tmp, c + r * ldc, nr_v * sizeof *tmp);
            acc[r][0] = _mm256_loadu_si256((const void *)tmp);
            acc[r][1] = _mm256_loadu_si256((const void *)(tmp + 8));
        }
    }
    for (size_t q = 0; q < kg; q++) {
        const int8_t *b = bp + q * (AV_NR * 2);
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const void *)b));
        __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const void *)(b + 16)));
        const uint8_t *a = ap + q * (AV_MR * 4);
#pragma GCC unroll 6
        for (unsigned r = 0; r < AV_MR; r++) {
            __m256i av = _mm256_set1_epi32((int)load_u32(a + 4 * r));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, b0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, b1));
        }
    }
#pragma GCC unroll 6
    for (unsigned r = 0; r < AV_MR; r++) {
        if (r >= mr_v)
            continue;
        if (nr_v == AV_NR) {
            _mm256_storeu_si256((void *)(c + r * ldc), acc[r][0]);
            _mm256_storeu_si256((void *)(c + r * ldc + 8), acc[r][1]);
        } else {
            _mm256_storeu_si256((void *)tmp, acc[r][0]);
            _mm256_storeu_si256((void *)(tmp + 8), acc[r][1]);
            memcpy(c + r * ldc, tmp, nr_v * sizeof *tmp);
        }
    }
}

__attribute__((target("sse2")))
static void interleave4x16(int8_t *dst, const int8_t *r0, const int8_t *r1, const int8_t *r2,
                           const int8_t *r3)
{
    __m128i x0 = _mm_loadu_si128((const void *)r0), x1 = _mm_loadu_si128((const void *)r1);
    __m128i x2 = _mm_loadu_si128((const void *)r2), x3 = _mm_loadu_si128((const void *)r3);
    __m128i t0 = _mm_unpacklo_epi8(x0, x1), t1 = _mm_unpackhi_epi8(x0, x1);
    __m128i t2 = _mm_unpacklo_epi8(x2, x3), t3 = _mm_unpackhi_epi8(x2, x3);
    _mm_storeu_si128((void *)dst, _mm_unpacklo_epi16(t0, t2));
    _mm_storeu_si128((void *)(dst + 16), _mm_unpackhi_epi16(t0, t2));
    _mm_storeu_si128((void *)(dst + 32), _mm_unpacklo_epi16(t1, t3));
    _mm_storeu_si128((void *)(dst + 48), _mm_unpackhi_epi16(t1, t3));
}

__attribute__((target("sse2")))
static void interleave2x16(int8_t *dst, const int8_t *r0, const int8_t *r1)
{
    __m128i x0 = _mm_loadu_si128((const void *)r0), x1 = _mm_loadu_si128((const void *)r1);
    _mm_storeu_si128((void *)dst, _mm_unpacklo_epi8(x0, x1));
    _mm_storeu_si128((void *)(dst + 16), _mm_unpackhi_epi8(x0, x1));
}
#endif /* CPC_MM_X86 */

enum { K_VNNI, K_AVX2, K_PORTABLE, K_COUNT };

static const struct mm_kern kernels[K_COUNT] = {
#ifdef CPC_MM_X86
    [K_VNNI] = {"avx512vnni", VN_MR, VN_NR, 4, 96, 256, 512, 1, true, true, micro_vnni},
    [K_AVX2] = {"avx2", AV_MR, AV_NR, 2, 96, 256, 512, 2, true, false, micro_avx2},
#else
    [K_VNNI] = {"avx512vnni", 1, 1, 1, 1, 1, 1, 1, false, false, NULL},
    [K_AVX2] = {"avx2", 1, 1, 1, 1, 1, 1, 1, false, false, NULL},
#endif
    [K_PORTABLE] = {"portable", 1, 1, 1, 64, 256, 512, 1, false, false, NULL},
};

const char *const cpc__wk_matmul_cpu_kernels[] = {"onednn", "avx512vnni", "avx2", "portable", NULL};

static bool kern_has(int id)
{
#ifdef CPC_MM_X86
    if (id == K_VNNI)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
    if (id == K_AVX2)
        return __builtin_cpu_supports("avx2");
#endif
    return id == K_PORTABLE;
}

static int kern_best(void)
{
    for (int id = 0; id < K_COUNT; id++)
        if (kern_has(id))
            return id;
    return K_PORTABLE;
}

static int kern_find(const char *name)
{
    for (int id = 0; id < K_COUNT; id++)
        if (strcmp(kernels[id].name, name) == 0)
            return id;
    return -1;
}

static unsigned blk_mc, blk_kc, blk_nc; /* test overrides, 0 = default */

/* ---------------- the run ---------------- */

struct mm_run {
    const struct mm_kern *kern;
    const struct cpc_wk_ctl *ctl;
    const int8_t *A, *B;
    int32_t *C;
    size_t m, k, n;
    size_t mc, kc, nc;          /* blocks; mc % mr == 0, kc % g == 0, nc % nr == 0 */
    size_t n_pad;               /* n rounded up to nr */
    int8_t *bp;                 /* packed B (SIMD kernels) */
    int32_t *bias;              /* n_pad values: -128 * colsum (vnni) */
    size_t strips;              /* n_pad / nr */
    size_t bands, chunks, items;
    atomic_uint *band_left;     /* column chunks still to do per band */
    atomic_size_t next;         /* next work unit (strip or item) */
    atomic_int stop;            /* set on cancel / error */
    atomic_int rc;              /* first error */
};

static void run_fail(struct mm_run *r, int code)
{
    int zero = 0;
    atomic_compare_exchange_strong(&r->rc, &zero, code);
    atomic_store(&r->stop, 1);
}

static bool run_stopped(struct mm_run *r)
{
    if (atomic_load_explicit(&r->stop, memory_order_relaxed))
        return true;
    if (cpc_wk_cancelled(r->ctl)) {
        run_fail(r, CPC_ERR_CANCELLED);
        return true;
    }
    return false;
}

/* Pack strip s of B (all k blocks) and, for vnni, its bias. */
static void pack_b_strip(struct mm_run *r, size_t s)
{
    const struct mm_kern *K = r->kern;
    const size_t nr = K->nr, g = K->g, n = r->n, k = r->k;
    const size_t j0 = s * nr;
    const size_t w = j0 + nr <= n ? nr : n - j0; /* valid columns */
    for (size_t p0 = 0; p0 < k; p0 += r->kc) {
        size_t kl = k - p0 < r->kc ? k - p0 : r->kc;
        size_t kg = (kl + g - 1) / g;
        int8_t *dst = r->bp + p0 * r->n_pad + s * kg * g * nr;
        for (size_t q = 0; q < kg; q++, dst += g * nr) {
            size_t l0 = p0 + q * g;
            size_t c = 0;
#ifdef CPC_MM_X86
            if (l0 + g <= k) { /* whole group of rows: 16-column SSE2 interleave */
                const int8_t *row = r->B + l0 * n + j0;
                for (; c + 16 <= w; c += 16) {
                    if (g == 4)
                        interleave4x16(dst + c * 4, row + c, row + n + c, row + 2 * n + c,
                                       row + 3 * n + c);
                    else
                        interleave2x16(dst + c * 2, row + c, row + n + c);
                }
            }
#endif
            for (; c < nr; c++)
                for (size_t t = 0; t < g; t++) {
                    size_t l = l0 + t;
                    dst[c * g + t] = (l < k && c < w) ? r->B[l * n + j0 + c] : 0;
                }
        }
    }
    if (K->bias) {
        int32_t sum[MAX_NR];
        memset(sum, 0, sizeof sum);
        for (size_t l = 0; l < k; l++) {
            const int8_t *row = r->B + l * n + j0;
            for (size_t c = 0; c < w; c++)
                sum[c] += row[c];
        }
        for (size_t c = 0; c < nr; c++)
            r->bias[j0 + c] = c < w ? -128 * sum[c] : 0;
    }
}

/* Pack rows [i0, i1) x k [p0, p0+kl) of A into buf: [sliver][kg][mr][g] of
 * a_esize-byte elements (vnni: u8 a+128; avx2: int16 a), zero padded. */
static void pack_a_block(const struct mm_run *r, void *buf, size_t i0, size_t i1, size_t p0,
                         size_t kl)
{
    const struct mm_kern *K = r->kern;
    const size_t mr = K->mr, g = K->g, k = r->k;
    const size_t kg = (kl + g - 1) / g;
    const size_t slivers = (i1 - i0 + mr - 1) / mr;
    const size_t kfull = kl / g; /* groups with all g values inside k */
    for (size_t sv = 0; sv < slivers; sv++) {
        for (size_t rr = 0; rr < mr; rr++) {
            size_t i = i0 + sv * mr + rr;
            const int8_t *arow = i < i1 ? r->A + i * k + p0 : NULL;
            if (K->a_esize == 1) {
                uint8_t *d = (uint8_t *)buf + sv * kg * mr * g + rr * g;
                if (!arow) {
                    for (size_t q = 0; q < kg; q++)
                        memset(d + q * mr * g, 0, g);
                    continue;
                }
                for (size_t q = 0; q < kfull; q++) {
                    uint32_t v = load_u32(arow + q * 4) ^ 0x80808080u;
                    memcpy(d + q * mr * 4, &v, 4);
                }
                for (size_t q = kfull; q < kg; q++)
                    for (size_t t = 0; t < g; t++) {
                        size_t l = q * g + t;
                        d[q * mr * g + t] = l < kl ? (uint8_t)((uint8_t)arow[l] ^ 0x80u) : 0;
                    }
            } else {
                int16_t *d = (int16_t *)buf + sv * kg * mr * g + rr * g;
                for (size_t q = 0; q < kg; q++)
                    for (size_t t = 0; t < g; t++) {
                        size_t l = q * g + t;
                        d[q * mr * g + t] = (arow && l < kl) ? (int16_t)arow[l] : 0;
                    }
            }
        }
    }
}

/* One work item with a SIMD kernel: rows [i0,i1) x columns [j0,j1) of C. */
static void item_simd(struct mm_run *r, void *abuf, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const struct mm_kern *K = r->kern;
    const size_t mr = K->mr, nr = K->nr, g = K->g, n = r->n;
    for (size_t p0 = 0; p0 < r->k; p0 += r->kc) {
        if (run_stopped(r))
            return;
        size_t kl = r->k - p0 < r->kc ? r->k - p0 : r->kc;
        size_t kg = (kl + g - 1) / g;
        pack_a_block(r, abuf, i0, i1, p0, kl);
        const int8_t *bblk = r->bp + p0 * r->n_pad;
        for (size_t js = j0; js < j1; js += nr) {
            const int8_t *bs = bblk + (js / nr) * kg * g * nr;
            unsigned nv = (unsigned)(j1 - js < nr ? j1 - js : nr);
            const int32_t *bias = r->bias ? r->bias + js : NULL;
            for (size_t is = i0; is < i1; is += mr) {
                const uint8_t *as = (const uint8_t *)abuf + ((is - i0) / mr) * kg * mr * g * K->a_esize;
                unsigned mv = (unsigned)(i1 - is < mr ? i1 - is : mr);
                K->micro(as, bs, kg, r->C + is * n + js, n, mv, nv, p0 == 0, bias);
            }
        }
    }
}

/* One work item with the portable kernel. */
static void item_portable(struct mm_run *r, size_t i0, size_t i1, size_t j0, size_t j1)
{
    const size_t k = r->k, n = r->n, w = j1 - j0;
    for (size_t p0 = 0; p0 < k; p0 += r->kc) {
        if (run_stopped(r))
            return;
        size_t p1 = k - p0 < r->kc ? k : p0 + r->kc;
        for (size_t i = i0; i < i1; i++) {
            int32_t *restrict crow = r->C + i * n + j0;
            const int8_t *arow = r->A + i * k;
            if (p0 == 0)
                memset(crow, 0, w * sizeof *crow);
            for (size_t l = p0; l < p1; l++) {
                const int32_t a = arow[l];
                const int8_t *restrict brow = r->B + l * n + j0;
                for (size_t j = 0; j < w; j++)
                    crow[j] += a * brow[j];
            }
        }
    }
}

static void do_item(struct mm_run *r, void *abuf, size_t it)
{
    size_t band = it / r->chunks, chunk = it % r->chunks;
    size_t i0 = band * r->mc, i1 = i0 + r->mc < r->m ? i0 + r->mc : r->m;
    size_t j0 = chunk * r->nc, j1 = j0 + r->nc < r->n ? j0 + r->nc : r->n;
    if (r->kern->packs)
        item_simd(r, abuf, i0, i1, j0, j1);
    else
        item_portable(r, i0, i1, j0, j1);
    if (atomic_load(&r->stop))
        return;
    if (atomic_fetch_sub(&r->band_left[band], 1) == 1 && r->ctl && r->ctl->done)
        atomic_fetch_add(r->ctl->done, (uint64_t)(i1 - i0));
}

static void *pack_worker(void *arg)
{
    struct mm_run *r = arg;
    for (;;) {
        size_t s = atomic_fetch_add(&r->next, 1);
        if (s >= r->strips || run_stopped(r))
            break;
        pack_b_strip(r, s);
    }
    return NULL;
}

static void *compute_worker(void *arg)
{
    struct mm_run *r = arg;
    void *abuf = NULL;
    if (r->kern->packs) {
        size_t bytes = r->mc * r->kc * r->kern->a_esize; /* mc % mr == 0, kc % g == 0 */
        abuf = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!abuf) {
            run_fail(r, CPC_ERR_NOMEM);
            return NULL;
        }
    }
    for (;;) {
        size_t it = atomic_fetch_add(&r->next, 1);
        if (it >= r->items || atomic_load_explicit(&r->stop, memory_order_relaxed))
            break;
        do_item(r, abuf, it);
    }
    free(abuf);
    return NULL;
}

/* Run fn on up to `threads` threads (the caller is one of them) until the
 * shared counter is exhausted. Threads that fail to start are simply absent. */
static void run_parallel(struct mm_run *r, unsigned threads, size_t units, void *(*fn)(void *))
{
    pthread_t tid[64];
    unsigned started = 0;
    if (threads > units)
        threads = units ? (unsigned)units : 1;
    if (threads > 64)
        threads = 64;
    atomic_store(&r->next, 0);
    for (unsigned t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, fn, r) == 0)
            started++;
    fn(r);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

int cpc__wk_matmul_args_check(const struct cpc_matmul_spec *s, const int8_t *A,
                              const int8_t *B, const int32_t *C, struct cpc_err *err)
{
    if (!s || !A || !B || !C)
        return cpc_err_set(err, CPC_ERR_INVALID, "matmul: missing buffers");
    if (s->m < 1 || s->m > CPC_MATMUL_MAX_DIM || s->k < 1 || s->k > CPC_MATMUL_MAX_DIM ||
        s->n < 1 || s->n > CPC_MATMUL_MAX_DIM)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "matmul: dimensions %ux%ux%u out of range (each must be 1..%u)", s->m,
                           s->k, s->n, (unsigned)CPC_MATMUL_MAX_DIM);
    return 0;
}

static size_t round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

static int matmul_with(int id, const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                       int32_t *C, const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    if (cpc__wk_matmul_args_check(s, A, B, C, err) != 0)
        return CPC_ERR_INVALID;
    if (cpc_wk_cancelled(ctl))
        return cpc_err_set(err, CPC_ERR_CANCELLED, "matmul: cancelled");

    const struct mm_kern *K = &kernels[id];
    struct mm_run r;
    memset(&r, 0, sizeof r);
    r.kern = K, r.ctl = ctl, r.A = A, r.B = B, r.C = C;
    r.m = s->m, r.k = s->k, r.n = s->n;
    r.mc = round_up(blk_mc ? blk_mc : K->mc, K->mr);
    r.kc = round_up(blk_kc ? blk_kc : K->kc, K->g);
    r.nc = round_up(blk_nc ? blk_nc : K->nc, K->nr);
    r.n_pad = round_up(r.n, K->nr);
    r.strips = r.n_pad / K->nr;
    r.bands = (r.m + r.mc - 1) / r.mc;
    r.chunks = (r.n + r.nc - 1) / r.nc;
    r.items = r.bands * r.chunks;
    atomic_init(&r.next, 0);
    atomic_init(&r.stop, 0);
    atomic_init(&r.rc, 0);
    unsigned threads = cpc_wk_threads(ctl);

    int rc = CPC_OK;
    r.band_left = malloc(r.bands * sizeof *r.band_left);
    if (!r.band_left) {
        rc = CPC_ERR_NOMEM;
        goto out;
    }
    for (size_t b = 0; b < r.bands; b++)
        atomic_init(&r.band_left[b], (unsigned)r.chunks);
    if (K->packs) {
        size_t bytes = round_up(r.k, K->g) * r.n_pad;
        r.bp = aligned_alloc(64, round_up(bytes, 64));
        if (K->bias)
            r.bias = aligned_alloc(64, round_up(r.n_pad * sizeof *r.bias, 64));
        if (!r.bp || (K->bias && !r.bias)) {
            rc = CPC_ERR_NOMEM;
            goto out;
        }
        run_parallel(&r, threads, r.strips, pack_worker);
        if ((rc = atomic_load(&r.rc)) != 0)
            goto out;
    }
    run_parallel(&r, threads, r.items, compute_worker);
    rc = atomic_load(&r.rc);
out:
    free(r.band_left);
    free(r.bp);
    free(r.bias);
    if (rc == CPC_ERR_NOMEM)
        return cpc_err_set(err, rc, "matmul: out of memory (%ux%ux%u)", s->m, s->k, s->n);
    if (rc == CPC_ERR_CANCELLED)
        return cpc_err_set(err, rc, "matmul: cancelled");
    return rc;
}

/* ---------------- public ---------------- */

/* A, B, C are the caller's buffers (m*k, k*n, m*n); nothing is kept after return.
 * oneDNN first when usable; the own kernels when it is absent or fails. */
int cpc_wk_matmul_cpu(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                      int32_t *C, const struct cpc_wk_ctl *ctl, struct cpc_err *err)
{
    if (cpc__wk_onednn_usable()) {
        int rc = cpc__wk_matmul_onednn(s, A, B, C, ctl, 0, err);
        if (rc != CPC_ERR_INTERNAL)
            return rc;
    }
    return matmul_with(kern_best(), s, A, B, C, ctl, err);
}

/* Static string; never freed. */
const char *cpc_wk_matmul_cpu_kernel(void)
{
    return kernels[kern_best()].name;
}

static char backend_name[64];
static pthread_once_t backend_once = PTHREAD_ONCE_INIT;

static void backend_init(void)
{
    if (cpc__wk_onednn_usable())
        snprintf(backend_name, sizeof backend_name, "onednn %s", cpc__wk_onednn_isa());
    else
        snprintf(backend_name, sizeof backend_name, "own %s", kernels[kern_best()].name);
}

/* Static string, built once; never freed. */
const char *cpc_wk_matmul_cpu_backend(void)
{
    pthread_once(&backend_once, backend_init);
    return backend_name;
}

bool cpc__wk_matmul_cpu_has(const char *kernel)
{
    if (kernel && strcmp(kernel, "onednn") == 0)
        return cpc__wk_onednn_usable();
    int id = kernel ? kern_find(kernel) : -1;
    return id >= 0 && kern_has(id);
}

/* Test hook: same buffer rules as cpc_wk_matmul_cpu. */
int cpc__wk_matmul_cpu_with(const char *kernel, const struct cpc_matmul_spec *s, const int8_t *A,
                            const int8_t *B, int32_t *C, const struct cpc_wk_ctl *ctl,
                            struct cpc_err *err)
{
    if (!kernel)
        return cpc_wk_matmul_cpu(s, A, B, C, ctl, err);
    if (strcmp(kernel, "onednn") == 0) {
        if (!cpc__wk_onednn_usable())
            return cpc_err_set(err, CPC_ERR_INVALID, "matmul: kernel onednn is not available here");
        return cpc__wk_matmul_onednn(s, A, B, C, ctl, blk_mc, err);
    }
    int id = kern_find(kernel);
    if (id < 0 || !kern_has(id))
        return cpc_err_set(err, CPC_ERR_INVALID, "matmul: kernel %s is not available here", kernel);
    return matmul_with(id, s, A, B, C, ctl, err);
}

void cpc__wk_matmul_cpu_blocks(unsigned mc, unsigned kc, unsigned nc)
{
    blk_mc = mc, blk_kc = kc, blk_nc = nc;
}
