/* test_worker_hashpow.c — the worker's hashpow executor against core's
 * reference: both compressors (portable, SHA-NI) hash exactly as
 * cpc_hashpow_hash; cpc_wk_hashpow returns the nonce cpc_hashpow_search
 * returns (or NOT_FOUND in the same cases) for random seeds, bits 1..16,
 * starts near 0 and near UINT64_MAX (wrap-around) and 1..4 threads;
 * cancellation, progress and argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/kinds.h"
#include "worker/executor.h"

/* Test hooks of exec_hashpow.c (not part of executor.h). */
int cpc__wk_hashpow_impl(int impl, const uint8_t seed[32], unsigned bits, uint64_t start,
                         uint64_t max_tries, const struct cpc_wk_ctl *ctl, uint64_t *nonce,
                         struct cpc_err *err);
int cpc__wk_hashpow_hash(int impl, uint8_t out[32], const uint8_t seed[32], uint64_t nonce);
bool cpc__wk_hashpow_has_shani(void);

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static void rand_seed(uint8_t seed[32], uint64_t *r)
{
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(rng_next(r) >> 56);
}

static void test_compressors_match_reference(void **state)
{
    (void)state;
    uint64_t r = 0x1234567887654321ULL;
    uint8_t seed[32], want[32], got[32];
    bool ni = cpc__wk_hashpow_has_shani();
    if (!ni)
        fprintf(stderr, "note: no SHA-NI on this CPU, only the portable compressor is checked\n");
    for (int i = 0; i < 2000; i++) {
        rand_seed(seed, &r);
        uint64_t nonce = rng_next(&r);
        if (i < 8)
            nonce = (i & 1) ? UINT64_MAX - (uint64_t)i : (uint64_t)i;
        cpc_hashpow_hash(want, seed, nonce);
        assert_int_equal(cpc__wk_hashpow_hash(1, got, seed, nonce), CPC_OK);
        assert_memory_equal(got, want, 32);
        if (ni) {
            assert_int_equal(cpc__wk_hashpow_hash(2, got, seed, nonce), CPC_OK);
            assert_memory_equal(got, want, 32);
        }
    }
    assert_int_equal(cpc__wk_hashpow_hash(7, got, seed, 0), CPC_ERR_INVALID);
}

/* One comparison: reference vs executor (given impl, threads). */
static void check_one(int impl, const uint8_t seed[32], unsigned bits, uint64_t start, uint64_t tries,
                      unsigned threads)
{
    uint64_t want = 0, got = 0;
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = NULL, .done = &done, .threads = threads};
    struct cpc_err err;
    int wrc = cpc_hashpow_search(seed, bits, start, tries, &want);
    int grc = cpc__wk_hashpow_impl(impl, seed, bits, start, tries, &ctl, &got, &err);
    if (grc != wrc)
        fail_msg("bits %u start %llu tries %llu threads %u impl %d: rc %d, reference %d", bits,
                 (unsigned long long)start, (unsigned long long)tries, threads, impl, grc, wrc);
    if (wrc == CPC_OK) {
        assert_true(got == want);
        assert_int_equal(cpc_hashpow_verify(seed, bits, got, NULL), CPC_OK);
        assert_true(atomic_load(&done) >= got - start + 1);
    } else {
        assert_int_equal(wrc, CPC_ERR_NOT_FOUND);
        assert_true(atomic_load(&done) == tries);
    }
    assert_true(atomic_load(&done) <= tries);
}

static void test_search_matches_reference(void **state)
{
    (void)state;
    uint64_t r = 0xfeedfacecafebeefULL;
    uint8_t seed[32];
    int impls[2] = {1, cpc__wk_hashpow_has_shani() ? 2 : 1};
    for (int it = 0; it < 48; it++) {
        rand_seed(seed, &r);
        unsigned bits = 1 + (unsigned)(it % 16);
        /* tries around 2^bits so both found and not-found cases occur, spanning chunks */
        uint64_t tries = ((uint64_t)1 << bits) / 2 + rng_next(&r) % ((uint64_t)1 << bits) + 1;
        if (bits >= 14)
            tries = 70000 + rng_next(&r) % 120000; /* several 64k chunks */
        uint64_t start;
        switch (it % 4) {
        case 0: start = 0; break;
        case 1: start = UINT64_MAX - tries / 2; break;      /* wraps to 0 */
        case 2: start = UINT64_MAX - tries + 1; break;      /* ends exactly at UINT64_MAX */
        default: start = rng_next(&r); break;
        }
        unsigned threads = 1 + (unsigned)(it % 4);
        check_one(impls[it & 1], seed, bits, start, tries, threads);
    }
}

/* A range whose hit lies in a late chunk while earlier chunks have none: more
 * threads must still return the lowest. Also hits near chunk borders. */
static void test_lowest_across_chunks(void **state)
{
    (void)state;
    uint64_t r = 99;
    uint8_t seed[32];
    for (int it = 0; it < 6; it++) {
        rand_seed(seed, &r);
        uint64_t tries = 300000;
        for (unsigned th = 1; th <= 4; th++)
            check_one(0, seed, 17 + (unsigned)(it % 2), 65536 * (uint64_t)it - 3, tries, th);
    }
}

static void test_many_threads_tiny_range(void **state)
{
    (void)state;
    uint8_t seed[32] = {1, 2, 3};
    for (uint64_t tries = 1; tries < 40; tries += 7)
        for (unsigned th = 1; th <= 4; th++)
            check_one(0, seed, 3, UINT64_MAX - 2, tries, th);
}

static void test_cancel(void **state)
{
    (void)state;
    uint8_t seed[32] = {9};
    atomic_int cancel = 1;
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = &cancel, .done = &done, .threads = 2};
    struct cpc_err err;
    uint64_t n = 0;
    memset(&err, 0, sizeof err);
    assert_int_equal(cpc_wk_hashpow(seed, 64, 0, UINT64_MAX, &ctl, &n, &err), CPC_ERR_CANCELLED);
    assert_int_equal(err.code, CPC_ERR_CANCELLED);
    assert_true(atomic_load(&done) == 0);
}

static void test_progress_and_args(void **state)
{
    (void)state;
    uint8_t seed[32] = {7};
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = NULL, .done = &done, .threads = 3};
    struct cpc_err err;
    uint64_t n = 0;
    assert_int_equal(cpc_wk_hashpow(seed, 64, 5, 200000, &ctl, &n, &err), CPC_ERR_NOT_FOUND);
    assert_int_equal(err.code, CPC_ERR_NOT_FOUND);
    assert_true(atomic_load(&done) == 200000);
    assert_int_equal(cpc_wk_hashpow(seed, 0, 0, 10, &ctl, &n, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_hashpow(seed, 65, 0, 10, &ctl, &n, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_hashpow(NULL, 8, 0, 10, &ctl, &n, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_hashpow(seed, 8, 0, 10, &ctl, NULL, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_hashpow(seed, 8, 0, 0, &ctl, &n, NULL), CPC_ERR_NOT_FOUND);
    /* NULL ctl: online CPUs, no progress */
    assert_int_equal(cpc_wk_hashpow(seed, 1, 0, 1000, NULL, &n, NULL), CPC_OK);
    uint64_t want = 0;
    assert_int_equal(cpc_hashpow_search(seed, 1, 0, 1000, &want), CPC_OK);
    assert_true(n == want);
    if (!cpc__wk_hashpow_has_shani())
        assert_int_equal(cpc__wk_hashpow_impl(2, seed, 8, 0, 10, NULL, &n, NULL), CPC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compressors_match_reference),
        cmocka_unit_test(test_search_matches_reference),
        cmocka_unit_test(test_lowest_across_chunks),
        cmocka_unit_test(test_many_threads_tiny_range),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_progress_and_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
