/* exec_matmul_onednn.c — C = A*B (int8 x int8 -> int32, row-major) on oneDNN
 * (exec_matmul_onednn.h).
 *
 * Call. dnnl_gemm_s8s8s32 with no offsets (ao = bo = 0, one C offset of 0),
 * alpha 1, beta 0: C = A*B. oneDNN's VNNI kernels take u8 x s8 and shift A by
 * +128 themselves, compensating with 128 x the column sums of B, all in int32,
 * so C is exact; on a CPU whose oneDNN ISA has no VNNI the u8 x s8 pairs go
 * through vpmaddubsw, which saturates in int16 (255*127*2 > 32767), so
 * oneDNN is not used there (cpc__wk_onednn_usable) and the worker's own
 * kernels run. The unit tests compare every int8 value, -128 included, with
 * core's reference.
 *
 * Threads. Debian's libdnnl 2.6 is built on GNU OpenMP (DNNL_CPU_RUNTIME ==
 * DNNL_RUNTIME_OMP): a gemm uses the calling thread's OpenMP thread count,
 * so omp_set_num_threads(threads) on the executor's thread, right before the
 * calls, makes it honour ctl->threads without touching other tasks' threads.
 *
 * Bands. A call cannot be cancelled, so C is made in bands of rows; cancel is
 * polled and progress counted between bands. Each call packs B again, so
 * bands are as large as the cancel latency allows: the first one about 2^32
 * multiply-adds (a 1024^3 product is one call), each later one as many rows
 * as the rate measured so far makes in 80 ms (executor.h: cancel within
 * ~100 ms). Bands of a fixed 2^32 cost 6 to 19% at 4096^3 here (two cores:
 * 1554 vs 1650 GOPS with 1024-row bands, 1324 vs 1642 with 256-row ones).
 */
#include "exec_matmul_onednn.h"

#include <string.h>
#include <time.h>

#ifdef CPC_HAVE_ONEDNN

#include <dnnl.h>
#include <pthread.h>

#if DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP
/* OpenMP's own prototype, from libgomp (linked by cmake/onednn.cmake): the
 * runtime libdnnl is built on; no -fopenmp and no omp.h of another runtime. */
void omp_set_num_threads(int num_threads);
#endif

#define FIRST_BAND_MACS (1ull << 32) /* multiply-adds of the first gemm call */
#define BAND_SECONDS 0.08             /* later calls: about this long each */
#define BAND_MIN_ROWS 64

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static dnnl_cpu_isa_t probed_isa;

static void probe(void)
{
    probed_isa = dnnl_get_effective_cpu_isa();
}

static bool isa_has(dnnl_cpu_isa_t isa, dnnl_cpu_isa_t want)
{
    return ((unsigned)isa & (unsigned)want) == (unsigned)want;
}

bool cpc__wk_onednn_usable(void)
{
    pthread_once(&probe_once, probe);
    return isa_has(probed_isa, dnnl_cpu_isa_avx512_core_vnni) ||
           isa_has(probed_isa, dnnl_cpu_isa_avx2_vnni);
}

/* Static string. */
const char *cpc__wk_onednn_isa(void)
{
    static const struct {
        dnnl_cpu_isa_t isa;
        const char *name;
    } names[] = {
        {dnnl_cpu_isa_avx512_core_amx, "avx512_core_amx"},
        {dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16"},
        {dnnl_cpu_isa_avx512_core_vnni, "avx512_core_vnni"},
        {dnnl_cpu_isa_avx512_core, "avx512_core"},
        {dnnl_cpu_isa_avx512_mic_4ops, "avx512_mic_4ops"},
        {dnnl_cpu_isa_avx512_mic, "avx512_mic"},
        {dnnl_cpu_isa_avx2_vnni, "avx2_vnni"},
        {dnnl_cpu_isa_avx2, "avx2"},
        {dnnl_cpu_isa_avx, "avx"},
        {dnnl_cpu_isa_sse41, "sse41"},
    };
    pthread_once(&probe_once, probe);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (probed_isa == names[i].isa)
            return names[i].name;
    return "unknown";
}

/* Per calling thread (OpenMP's thread-count ICV). */
void cpc__wk_onednn_threads(unsigned threads)
{
#if DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP
    omp_set_num_threads((int)threads);
#else
    (void)threads; /* TBB / threadpool builds: oneDNN's own default */
#endif
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rows of the next band: the first one about FIRST_BAND_MACS, then as many
 * as the rate seen so far (rows_done in secs) makes in BAND_SECONDS. */
static size_t next_band(size_t k, size_t n, size_t rows_done, double secs)
{
    double rows = rows_done && secs > 0 ? (double)rows_done / secs * BAND_SECONDS
                                        : (double)FIRST_BAND_MACS / ((double)k * (double)n);
    return rows < BAND_MIN_ROWS ? BAND_MIN_ROWS : rows > 1e9 ? (size_t)1e9 : (size_t)rows;
}

/* A, B, C: the caller's buffers (m*k, k*n, m*n); nothing kept. */
int cpc__wk_matmul_onednn(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                          int32_t *C, const struct cpc_wk_ctl *ctl, unsigned band_rows,
                          struct cpc_err *err)
{
    if (cpc__wk_matmul_args_check(s, A, B, C, err) != 0)
        return CPC_ERR_INVALID;
    if (!cpc__wk_onednn_usable())
        return cpc_err_set(err, CPC_ERR_INTERNAL, "matmul: oneDNN's ISA here (%s) is not exact",
                           cpc__wk_onednn_isa());
    size_t m = s->m, k = s->k, n = s->n;
    cpc__wk_onednn_threads(cpc_wk_threads(ctl));
    const int32_t c_off = 0;
    uint64_t counted = 0;
    const double t0 = now_s();
    for (size_t i = 0, rows; i < m; i += rows) {
        if (cpc_wk_cancelled(ctl))
            return cpc_err_set(err, CPC_ERR_CANCELLED, "matmul: cancelled");
        size_t band = band_rows ? band_rows : next_band(k, n, i, now_s() - t0);
        rows = m - i < band ? m - i : band;
        dnnl_status_t st = dnnl_gemm_s8s8s32('N', 'N', 'F', (dnnl_dim_t)rows, (dnnl_dim_t)n,
                                             (dnnl_dim_t)k, 1.0f, A + i * k, (dnnl_dim_t)k, 0, B,
                                             (dnnl_dim_t)n, 0, 0.0f, C + i * n, (dnnl_dim_t)n,
                                             &c_off);
        if (st != dnnl_success) {
            if (ctl && ctl->done)
                atomic_fetch_sub(ctl->done, counted);
            return cpc_err_set(err, CPC_ERR_INTERNAL, "matmul: dnnl_gemm_s8s8s32 failed (%d)",
                               (int)st);
        }
        if (ctl && ctl->done)
            atomic_fetch_add(ctl->done, (uint64_t)rows);
        counted += rows;
    }
    return CPC_OK;
}

#else /* !CPC_HAVE_ONEDNN */

bool cpc__wk_onednn_usable(void)
{
    return false;
}

const char *cpc__wk_onednn_isa(void)
{
    return "none";
}

void cpc__wk_onednn_threads(unsigned threads)
{
    (void)threads;
}

int cpc__wk_matmul_onednn(const struct cpc_matmul_spec *s, const int8_t *A, const int8_t *B,
                          int32_t *C, const struct cpc_wk_ctl *ctl, unsigned band_rows,
                          struct cpc_err *err)
{
    (void)s, (void)A, (void)B, (void)C, (void)ctl, (void)band_rows;
    return cpc_err_set(err, CPC_ERR_INTERNAL, "matmul: built without oneDNN");
}

#endif
