/* test_worker_matmul.c — the worker's matmul executors against core's
 * reference: every CPU kernel this machine has (forced through the test hook
 * of exec_matmul_cpu.h: oneDNN when built with it, and the own kernels that
 * are its fallback), 1/2/3 threads, odd shapes (1x1x1, primes, k not a
 * multiple of 4 or of a k block, n not a multiple of a strip), extreme values
 * (all -128 / 127, where the vnni bias matters most), tiny cache blocks so
 * small matrices cross every block edge, cancellation, the progress counter,
 * and cpc_wk_matmul's generation + CPU path. Byte-for-byte (memcmp). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/kinds.h"
#include "worker/exec_cuda.h"
#include "worker/exec_matmul_cpu.h"
#include "worker/executor.h"

/* Deterministic test PRNG (xorshift64*). */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static void make_spec(struct cpc_matmul_spec *s, uint64_t seed, uint32_t m, uint32_t k, uint32_t n)
{
    uint64_t st = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (int i = 0; i < 32; i++)
        s->seed[i] = (uint8_t)rng_next(&st);
    s->m = m, s->k = k, s->n = n;
}

struct mats {
    struct cpc_matmul_spec s;
    int8_t *A, *B;
    int32_t *ref, *C;
};

/* fill: 0 = the spec's generators; otherwise constant a, b values. */
static void mats_new(struct mats *x, const struct cpc_matmul_spec *s, int fill, int8_t a, int8_t b)
{
    x->s = *s;
    x->A = malloc((size_t)s->m * s->k);
    x->B = malloc((size_t)s->k * s->n);
    x->ref = malloc((size_t)s->m * s->n * sizeof(int32_t));
    x->C = malloc((size_t)s->m * s->n * sizeof(int32_t));
    assert_non_null(x->A);
    assert_non_null(x->B);
    assert_non_null(x->ref);
    assert_non_null(x->C);
    if (fill) {
        memset(x->A, (unsigned char)a, (size_t)s->m * s->k);
        memset(x->B, (unsigned char)b, (size_t)s->k * s->n);
    } else {
        cpc_matmul_gen_a(s, x->A);
        cpc_matmul_gen_b(s, x->B);
    }
    cpc_matmul_reference(s, x->A, x->B, x->ref);
}

static void mats_free(struct mats *x)
{
    free(x->A);
    free(x->B);
    free(x->ref);
    free(x->C);
}

/* Multiply with kernel on `threads` threads and compare with the reference. */
static void check_one(const char *kernel, struct mats *x, unsigned threads)
{
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = NULL, .done = &done, .threads = threads};
    struct cpc_err err = {0};
    size_t bytes = (size_t)x->s.m * x->s.n * sizeof(int32_t);
    memset(x->C, 0x5a, bytes); /* garbage: the executor must overwrite, not add */
    int rc = cpc__wk_matmul_cpu_with(kernel, &x->s, x->A, x->B, x->C, &ctl, &err);
    if (rc != 0 || memcmp(x->C, x->ref, bytes) != 0 || done != x->s.m)
        fprintf(stderr, "mismatch: kernel %s threads %u size %ux%ux%u rc %d (%s) done %llu\n",
                kernel ? kernel : "default", threads, x->s.m, x->s.k, x->s.n, rc, err.msg, (unsigned long long)done);
    assert_int_equal(rc, 0);
    assert_memory_equal(x->C, x->ref, bytes);
    assert_int_equal(done, x->s.m);
}

static void check_all_kernels(struct mats *x, const unsigned *threads, size_t nthreads)
{
    for (const char *const *kn = cpc__wk_matmul_cpu_kernels; *kn; kn++) {
        if (!cpc__wk_matmul_cpu_has(*kn))
            continue;
        for (size_t t = 0; t < nthreads; t++)
            check_one(*kn, x, threads[t]);
    }
}

static const unsigned THREADS_123[] = {1, 2, 3};

static const uint32_t SHAPES[][3] = {
    {1, 1, 1},    {17, 33, 65}, {5, 3, 7},    {7, 1, 130},  {13, 4, 64},  {6, 64, 64},
    {1, 257, 1},  {12, 5, 17},  {2, 1000, 3}, {100, 5, 1},  {1, 7, 200},  {19, 67, 97},
    {31, 259, 129}, {97, 131, 80},
};

static void test_kernels_listed(void **state)
{
    (void)state;
    assert_true(cpc__wk_matmul_cpu_has("portable"));
    assert_false(cpc__wk_matmul_cpu_has("nope"));
    assert_false(cpc__wk_matmul_cpu_has(NULL));
    const char *best = cpc_wk_matmul_cpu_kernel();
    assert_non_null(best);
    assert_true(cpc__wk_matmul_cpu_has(best));
    fprintf(stderr, "cpu matmul kernel: %s (available:", best);
    for (const char *const *kn = cpc__wk_matmul_cpu_kernels; *kn; kn++)
        if (cpc__wk_matmul_cpu_has(*kn))
            fprintf(stderr, " %s", *kn);
    fprintf(stderr, ")\n");
    struct cpc_matmul_spec s;
    make_spec(&s, 1, 2, 2, 2);
    int8_t A[4] = {0}, B[4] = {0};
    int32_t C[4];
    assert_int_equal(cpc__wk_matmul_cpu_with("nope", &s, A, B, C, NULL, NULL), CPC_ERR_INVALID);
}

static void test_shapes_seeds(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            struct cpc_matmul_spec s;
            struct mats x;
            make_spec(&s, seed * 1000 + i, SHAPES[i][0], SHAPES[i][1], SHAPES[i][2]);
            mats_new(&x, &s, 0, 0, 0);
            check_all_kernels(&x, THREADS_123, 3);
            mats_free(&x);
        }
}

static void test_random_shapes(void **state)
{
    (void)state;
    uint64_t st = 0x1234567;
    for (int it = 0; it < 12; it++) {
        struct cpc_matmul_spec s;
        struct mats x;
        uint32_t m = 1 + (uint32_t)(rng_next(&st) % 70), k = 1 + (uint32_t)(rng_next(&st) % 300);
        uint32_t n = 1 + (uint32_t)(rng_next(&st) % 150);
        make_spec(&s, rng_next(&st), m, k, n);
        mats_new(&x, &s, 0, 0, 0);
        unsigned t = 1 + (unsigned)(rng_next(&st) % 3);
        check_all_kernels(&x, &t, 1);
        mats_free(&x);
    }
}

static void test_extremes(void **state)
{
    (void)state;
    static const int8_t vals[][2] = {{-128, -128}, {-128, 127}, {127, -128}, {127, 127}, {0, -128}};
    for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
        struct cpc_matmul_spec s;
        struct mats x;
        make_spec(&s, 7, 9, 517, 70);
        mats_new(&x, &s, 1, vals[v][0], vals[v][1]);
        check_all_kernels(&x, THREADS_123, 2);
        mats_free(&x);
    }
}

/* Both CPU backends, by name, and the default path: oneDNN (when built with
 * it and exact here) and the own fallback kernel, on the ragged sizes below
 * for random seeds, then on all -128 / all 127 and on random mixes of the two
 * (the extremes of oneDNN's +128 shift and its column-sum compensation), with
 * k = 2049 where k*127*127 is odd and above 2^24, so any float on the way
 * would round. */
static void check_backends(struct mats *x, unsigned threads)
{
    check_one("onednn", x, threads);
    check_one(cpc_wk_matmul_cpu_kernel(), x, threads);
    check_one(NULL, x, threads);
}

static void test_onednn_and_fallback(void **state)
{
    (void)state;
    const char *backend = cpc_wk_matmul_cpu_backend();
    fprintf(stderr, "cpu matmul backend: %s\n", backend);
#ifdef CPC_HAVE_ONEDNN
    /* oneDNN's VNNI kernels run wherever the CPU has VNNI, unless capped by
     * DNNL_MAX_CPU_ISA (below VNNI oneDNN saturates and is not used) */
    if (__builtin_cpu_supports("avx512vnni") && !getenv("DNNL_MAX_CPU_ISA"))
        assert_true(cpc__wk_matmul_cpu_has("onednn"));
#else
    assert_false(cpc__wk_matmul_cpu_has("onednn"));
#endif
    if (!cpc__wk_matmul_cpu_has("onednn")) {
        assert_true(strncmp(backend, "own ", 4) == 0);
        skip();
    }
    assert_true(strncmp(backend, "onednn ", 7) == 0);
    static const uint32_t shapes[][3] = {
        {1, 1, 1}, {17, 33, 9}, {64, 128, 250}, {257, 63, 129}, {3, 2049, 5}, {1, 300, 1},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            struct cpc_matmul_spec s;
            struct mats x;
            make_spec(&s, seed * 7919 + i, shapes[i][0], shapes[i][1], shapes[i][2]);
            mats_new(&x, &s, 0, 0, 0);
            check_backends(&x, (unsigned)seed);
            mats_free(&x);
        }
    static const int8_t vals[][2] = {{-128, -128}, {-128, 127}, {127, -128}, {127, 127}};
    for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++)
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            struct cpc_matmul_spec s;
            struct mats x;
            make_spec(&s, 11, shapes[i][0], shapes[i][1], shapes[i][2]);
            mats_new(&x, &s, 1, vals[v][0], vals[v][1]);
            check_backends(&x, 2);
            mats_free(&x);
        }
    uint64_t st = 0xfeed;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        struct cpc_matmul_spec s;
        struct mats x;
        make_spec(&s, 12, shapes[i][0], shapes[i][1], shapes[i][2]);
        mats_new(&x, &s, 1, 0, 0);
        for (size_t e = 0; e < (size_t)s.m * s.k; e++)
            x.A[e] = (rng_next(&st) & 1) ? 127 : -128;
        for (size_t e = 0; e < (size_t)s.k * s.n; e++)
            x.B[e] = (rng_next(&st) & 1) ? 127 : -128;
        cpc_matmul_reference(&s, x.A, x.B, x.ref);
        check_backends(&x, 2);
        mats_free(&x);
    }
}

static void test_small_blocks(void **state)
{
    (void)state;
    static const uint32_t shapes[][3] = {{37, 45, 150}, {25, 9, 70}, {13, 130, 33}, {1, 29, 129}};
    cpc__wk_matmul_cpu_blocks(12, 8, 64);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        struct cpc_matmul_spec s;
        struct mats x;
        make_spec(&s, 50 + i, shapes[i][0], shapes[i][1], shapes[i][2]);
        mats_new(&x, &s, 0, 0, 0);
        check_all_kernels(&x, THREADS_123, 3);
        mats_free(&x);
    }
    cpc__wk_matmul_cpu_blocks(0, 0, 0);
}

static void test_size_256(void **state)
{
    (void)state;
    static const unsigned threads[] = {2};
    struct cpc_matmul_spec s;
    struct mats x;
    make_spec(&s, 99, 256, 256, 256);
    mats_new(&x, &s, 0, 0, 0);
    check_all_kernels(&x, threads, 1);
    mats_free(&x);
}

static void test_cancelled(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    struct mats x;
    make_spec(&s, 5, 40, 50, 60);
    mats_new(&x, &s, 0, 0, 0);
    atomic_int cancel = 1;
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = &cancel, .done = &done, .threads = 2};
    for (const char *const *kn = cpc__wk_matmul_cpu_kernels; *kn; kn++) {
        if (!cpc__wk_matmul_cpu_has(*kn))
            continue;
        struct cpc_err err = {0};
        assert_int_equal(cpc__wk_matmul_cpu_with(*kn, &x.s, x.A, x.B, x.C, &ctl, &err),
                         CPC_ERR_CANCELLED);
        assert_int_equal(err.code, CPC_ERR_CANCELLED);
    }
    assert_int_equal(done, 0);
    struct cpc_err err = {0};
    assert_int_equal(cpc_wk_matmul_cpu(&x.s, x.A, x.B, x.C, &ctl, &err), CPC_ERR_CANCELLED);
    int32_t *C = malloc((size_t)s.m * s.n * sizeof *C);
    assert_non_null(C);
    assert_int_equal(cpc_wk_matmul(&s, -1, C, &ctl, NULL, &err), CPC_ERR_CANCELLED);
    free(C);
    mats_free(&x);
}

struct watcher {
    atomic_int *cancel;
    _Atomic uint64_t *done;
    uint64_t after;
};

static void *watch_and_cancel(void *arg)
{
    struct watcher *w = arg;
    while (atomic_load(w->done) < w->after)
        ;
    atomic_store(w->cancel, 1);
    return NULL;
}

/* Cancel while running: once some rows are done, a watcher sets the flag; the
 * executor stops with CPC_ERR_CANCELLED before finishing (or, if it raced to
 * the end, returns 0 with every row done). */
static void test_cancel_mid_run(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    struct mats x;
    make_spec(&s, 6, 240, 300, 200);
    mats_new(&x, &s, 0, 0, 0);
    cpc__wk_matmul_cpu_blocks(12, 8, 64);
    for (const char *const *kn = cpc__wk_matmul_cpu_kernels; *kn; kn++) {
        if (!cpc__wk_matmul_cpu_has(*kn))
            continue;
        atomic_int cancel = 0;
        _Atomic uint64_t done = 0;
        struct cpc_wk_ctl ctl = {.cancel = &cancel, .done = &done, .threads = 2};
        struct watcher w = {&cancel, &done, 12};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, watch_and_cancel, &w), 0);
        struct cpc_err err = {0};
        int rc = cpc__wk_matmul_cpu_with(*kn, &x.s, x.A, x.B, x.C, &ctl, &err);
        if (rc != 0) {
            atomic_store(&done, UINT64_MAX); /* release the watcher if it never fired */
            assert_int_equal(rc, CPC_ERR_CANCELLED);
        } else {
            assert_int_equal(done, s.m);
        }
        pthread_join(t, NULL);
    }
    cpc__wk_matmul_cpu_blocks(0, 0, 0);
    mats_free(&x);
}

static void test_invalid(void **state)
{
    (void)state;
    struct cpc_matmul_spec s;
    int8_t A[1] = {1}, B[1] = {1};
    int32_t C[1];
    struct cpc_err err = {0};
    make_spec(&s, 1, 0, 1, 1);
    assert_int_equal(cpc_wk_matmul_cpu(&s, A, B, C, NULL, &err), CPC_ERR_INVALID);
    make_spec(&s, 1, 1, CPC_MATMUL_MAX_DIM + 1, 1);
    assert_int_equal(cpc_wk_matmul_cpu(&s, A, B, C, NULL, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_matmul(&s, -1, C, NULL, NULL, &err), CPC_ERR_INVALID);
    make_spec(&s, 1, 1, 1, 1);
    assert_int_equal(cpc_wk_matmul_cpu(&s, NULL, B, C, NULL, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_matmul_cpu(&s, A, B, C, NULL, &err), 0);
    assert_int_equal(C[0], 1);
}

/* cpc_wk_matmul: generation (parallel for >= 1 Mi elements) + CPU; a GPU index
 * with no such device (none here, or beyond the count) falls back to the CPU. */
static void test_whole_task(void **state)
{
    (void)state;
    static const uint32_t shapes[][3] = {{23, 41, 19}, {1, 1100, 1000}, {3, 700, 800}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        struct cpc_matmul_spec s;
        struct mats x;
        make_spec(&s, 300 + i, shapes[i][0], shapes[i][1], shapes[i][2]);
        mats_new(&x, &s, 0, 0, 0);
        for (unsigned t = 1; t <= 3; t++) {
            _Atomic uint64_t done = 0;
            struct cpc_wk_ctl ctl = {.cancel = NULL, .done = &done, .threads = t};
            enum cpc_wk_device used = CPC_WK_DEV_CUDA;
            struct cpc_err err = {0};
            memset(x.C, 0, (size_t)s.m * s.n * sizeof(int32_t));
            assert_int_equal(cpc_wk_matmul(&s, -1, x.C, &ctl, &used, &err), 0);
            assert_int_equal(used, CPC_WK_DEV_CPU);
            assert_memory_equal(x.C, x.ref, (size_t)s.m * s.n * sizeof(int32_t));
            assert_int_equal(done, s.m);
        }
        int ndev = cpc_wk_cuda_devices();
        enum cpc_wk_device used = CPC_WK_DEV_CUDA;
        assert_int_equal(cpc_wk_matmul(&s, ndev, x.C, NULL, &used, NULL), 0);
        assert_int_equal(used, CPC_WK_DEV_CPU);
        assert_memory_equal(x.C, x.ref, (size_t)s.m * s.n * sizeof(int32_t));
        mats_free(&x);
    }
}

/* The CUDA executors match core's reference byte for byte, on GPU 0: every
 * kernel this GPU can run (simt, wmma, mma on sm_80+, wgmma on sm_90), each on random
 * seeds and shapes that are not multiples of any tile (and extreme values),
 * then the kernel the executor chooses after its self-check, on a whole task.
 * It needs a build with nvcc and a GPU: without one it is skipped and says so
 * (scripts/gpu_check.sh runs it on a GPU machine). */
static void test_cuda_matches_reference(void **state)
{
    (void)state;
    int ndev = cpc_wk_cuda_devices();
    if (ndev <= 0) {
        print_message("skipped: no CUDA device here (cpc_wk_cuda_devices() = %d)\n", ndev);
        skip();
    }

    static const uint32_t shapes[][3] = {{1, 1, 1},       {7, 13, 5},      {16, 16, 16},
                                         {17, 33, 65},    {64, 64, 64},    {129, 257, 511},
                                         {300, 1000, 77}, {1000, 1024, 999}, {2048, 2048, 2048},
                                         {130, 1300, 520}, {257, 129, 1025}};
    static const enum cpc_wk_cuda_kernel kernels[] = {CPC_WK_CUDA_SIMT, CPC_WK_CUDA_WMMA,
                                                      CPC_WK_CUDA_MMA, CPC_WK_CUDA_WGMMA,
                                                      CPC_WK_CUDA_CUBLASLT, CPC_WK_CUDA_AUTO};
    enum { NK = sizeof kernels / sizeof kernels[0] };
    unsigned passed[NK] = {0};
    bool avail[NK];
    /* CPC_TEST_CUDA_KERNELS="wgmma auto" tests only those: scripts/gpu_check.sh runs
     * one process per kernel, so a kernel that faults (a CUDA error that ends the
     * process's context) cannot hide the results of the others */
    const char *only = getenv("CPC_TEST_CUDA_KERNELS");
    for (size_t q = 0; q < NK; q++) {
        const char *name = cpc_wk_cuda_kernel_name(kernels[q]);
        avail[q] = kernels[q] == CPC_WK_CUDA_AUTO || cpc_wk_cuda_kernel_available(0, kernels[q]);
        if (!avail[q])
            print_message("cuda: kernel %s: not on this GPU\n", name);
        if (only && only[0]) {
            const char *hit = strstr(only, name);
            size_t len = strlen(name);
            if (!hit || (hit > only && hit[-1] != ' ') || (hit[len] && hit[len] != ' '))
                avail[q] = false;
        }
    }
    const bool with_auto = avail[NK - 1]; /* the self-check runs every kernel: only with "auto" */
    if (with_auto) {
        char note[256] = "";
        enum cpc_wk_cuda_kernel chosen = cpc_wk_cuda_kernel_for(0, note);
        print_message("cuda: device 0 chooses %s: %s\n", cpc_wk_cuda_kernel_name(chosen), note);
        assert_int_not_equal(chosen, CPC_WK_CUDA_AUTO); /* some kernel passed its self-check */
    }
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        for (int fill = 0; fill < 3; fill++) { /* generated, then all +127 and all -128 x 127 */
            struct cpc_matmul_spec s;
            struct mats x; /* the reference is computed once, for every kernel */
            make_spec(&s, 900 + i, shapes[i][0], shapes[i][1], shapes[i][2]);
            mats_new(&x, &s, fill, fill == 1 ? 127 : -128, 127);
            for (size_t q = 0; q < NK; q++) {
                const enum cpc_wk_cuda_kernel kern = kernels[q];
                if (!avail[q] || (kern == CPC_WK_CUDA_SIMT && (uint64_t)s.m * s.k > 1000000u))
                    continue; /* the plain kernel is slow: small shapes only */
                char msg[256] = "";
                memset(x.C, 0x5a, (size_t)s.m * s.n * sizeof(int32_t)); /* poison */
                if (cpc_wk_cuda_matmul_with(0, kern, s.m, s.k, s.n, x.A, x.B, x.C, msg) != 0)
                    fail_msg("cuda %s %ux%ux%u fill %d: %s", cpc_wk_cuda_kernel_name(kern), s.m, s.k,
                             s.n, fill, msg);
                if (memcmp(x.C, x.ref, (size_t)s.m * s.n * sizeof(int32_t)) != 0)
                    fail_msg("cuda %s %ux%ux%u fill %d differs from the reference",
                             cpc_wk_cuda_kernel_name(kern), s.m, s.k, s.n, fill);
                passed[q]++;
            }
            mats_free(&x);
        }
    }
    for (size_t q = 0; q < NK; q++)
        if (avail[q])
            print_message("cuda: kernel %s: %u products == reference\n",
                          cpc_wk_cuda_kernel_name(kernels[q]), passed[q]);

    if (!with_auto)
        return;
    struct cpc_matmul_spec ws;
    struct mats wx;
    make_spec(&ws, 999, 333, 777, 555);
    mats_new(&wx, &ws, 0, 0, 0);
    enum cpc_wk_device used = CPC_WK_DEV_CPU;
    struct cpc_err err = {0};
    assert_int_equal(cpc_wk_matmul(&ws, 0, wx.C, NULL, &used, &err), 0);
    assert_int_equal(used, CPC_WK_DEV_CUDA); /* the whole task ran on the GPU */
    assert_memory_equal(wx.C, wx.ref, (size_t)ws.m * ws.n * sizeof(int32_t));
    mats_free(&wx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_listed),
        cmocka_unit_test(test_shapes_seeds),
        cmocka_unit_test(test_random_shapes),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_onednn_and_fallback),
        cmocka_unit_test(test_small_blocks),
        cmocka_unit_test(test_size_256),
        cmocka_unit_test(test_cancelled),
        cmocka_unit_test(test_cancel_mid_run),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_whole_task),
        cmocka_unit_test(test_cuda_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
