/* test_worker_vanity.c — the worker's vanity executor against core's
 * reference: its batched field arithmetic gives the same points as
 * libsecp256k1's tweak_add; cpc_wk_vanity returns the x cpc_vanity_search
 * returns (or NOT_FOUND alike) for random customer keys, 1..2-char prefixes,
 * random starts, starts at the curve-order and 2^256 edges and around x = -sk
 * (the point at infinity), 1..3 threads; more threads agree with one over
 * several chunks; cancellation, progress and argument checks. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <secp256k1.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/kinds.h"
#include "worker/executor.h"

/* Test hook of exec_vanity.c (not part of executor.h). */
int cpc__wk_vanity_points(const uint8_t customer_pub[CPC_PUBKEY_LEN], const uint8_t x0[32],
                          unsigned count, uint8_t (*out)[CPC_PUBKEY_LEN]);

static const uint8_t ORDER[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

static const char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static void rand_bytes(uint8_t *b, size_t n, uint64_t *r)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(rng_next(r) >> 56);
}

struct customer {
    uint8_t sk[32];
    uint8_t pub[CPC_PUBKEY_LEN];
};

static void new_customer(struct customer *c, uint64_t *r)
{
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    do
        rand_bytes(c->sk, 32, r);
    while (cpc_seckey_check(c->sk) != CPC_OK);
    assert_int_equal(cpc_pubkey_from_seckey(s, c->pub, c->sk), CPC_OK);
    cpc_signer_free(s);
}

/* x += v; x -= v (256-bit, wrapping). */
static void add64(uint8_t x[32], uint64_t v)
{
    unsigned c = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned s = x[i] + (unsigned)(v & 0xff) + c;
        x[i] = (uint8_t)s;
        c = s >> 8;
        v >>= 8;
    }
}

static void sub64(uint8_t x[32], uint64_t v)
{
    int b = 0;
    for (int i = 31; i >= 0; i--) {
        int s = x[i] - (int)(v & 0xff) - b;
        b = s < 0;
        x[i] = (uint8_t)s;
        v >>= 8;
    }
}

/* out = n - sk: the x with P + x*G = infinity. */
static void neg_sk(uint8_t out[32], const uint8_t sk[32])
{
    int b = 0;
    for (int i = 31; i >= 0; i--) {
        int s = ORDER[i] - sk[i] - b;
        b = s < 0;
        out[i] = (uint8_t)s;
    }
}

static void test_points_match_libsecp(void **state)
{
    (void)state;
    uint64_t r = 0x5eed5eed1234ULL;
    static uint8_t pts[1025][CPC_PUBKEY_LEN];
    for (int it = 0; it < 8; it++) {
        struct customer c;
        uint8_t x0[32], x[32], want[CPC_PUBKEY_LEN];
        new_customer(&c, &r);
        do
            rand_bytes(x0, 32, &r);
        while (cpc_seckey_check(x0) != CPC_OK);
        if (it == 1)
            memset(x0, 0, 31), x0[31] = 1; /* P + G, P + 2G, ... */
        unsigned count = it == 0 ? 1025 : 200;
        assert_int_equal(cpc__wk_vanity_points(c.pub, x0, count, pts), CPC_OK);
        secp256k1_pubkey pk;
        assert_int_equal(secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, c.pub, 33), 1);
        /* every point for a few, a sample for the rest (keeps ASan time low) */
        for (unsigned i = 0; i < count; i += (it < 2 ? 1 : 7)) {
            secp256k1_pubkey q = pk;
            size_t len = sizeof want;
            memcpy(x, x0, 32);
            add64(x, i);
            assert_int_equal(secp256k1_ec_pubkey_tweak_add(secp256k1_context_static, &q, x), 1);
            assert_int_equal(secp256k1_ec_pubkey_serialize(secp256k1_context_static, want, &len, &q,
                                                           SECP256K1_EC_COMPRESSED), 1);
            if (memcmp(want, pts[i], sizeof want) != 0)
                fail_msg("iteration %d: point %u differs from libsecp256k1", it, i);
        }
    }
}

/* Reference vs executor on one range. */
static void check_one(const struct customer *c, const char *prefix, const uint8_t start[32],
                      uint64_t tries, unsigned threads)
{
    uint8_t want[32], got[32];
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = NULL, .done = &done, .threads = threads};
    struct cpc_err err;
    int wrc = cpc_vanity_search(c->pub, prefix, start, tries, want);
    int grc = cpc_wk_vanity(c->pub, prefix, start, tries, &ctl, got, &err);
    if (grc != wrc)
        fail_msg("prefix %s tries %llu threads %u: rc %d (%s), reference %d", prefix,
                 (unsigned long long)tries, threads, grc, err.msg, wrc);
    if (wrc == CPC_OK) {
        assert_memory_equal(got, want, 32);
        assert_int_equal(cpc_vanity_verify(c->pub, prefix, got, NULL), CPC_OK);
        assert_true(atomic_load(&done) >= 1);
    } else {
        assert_int_equal(wrc, CPC_ERR_NOT_FOUND);
        assert_true(atomic_load(&done) == tries);
    }
    assert_true(atomic_load(&done) <= tries);
}

static void rand_prefix(char *p, unsigned len, uint64_t *r)
{
    for (unsigned i = 0; i < len; i++)
        p[i] = CHARSET[rng_next(r) % 32];
    p[len] = '\0';
}

static void test_search_matches_reference(void **state)
{
    (void)state;
    uint64_t r = 0xabcdef0123456789ULL;
    for (int it = 0; it < 12; it++) {
        struct customer c;
        uint8_t start[32];
        char prefix[4];
        new_customer(&c, &r);
        rand_bytes(start, 32, &r);
        unsigned plen = 1 + (unsigned)(it % 2);
        rand_prefix(prefix, plen, &r);
        uint64_t tries = plen == 1 ? 20 + rng_next(&r) % 60 : 500 + rng_next(&r) % 1500;
        check_one(&c, prefix, start, tries, 1 + (unsigned)(it % 3));
    }
}

static void test_edges_match_reference(void **state)
{
    (void)state;
    uint64_t r = 0x0ddba11ULL;
    struct customer c;
    uint8_t start[32];
    new_customer(&c, &r);
    const char *pfx[] = {"q", "z", "7", "l"};
    for (int k = 0; k < 4; k++) {
        /* just below the order: a few valid keys, then x >= n */
        memcpy(start, ORDER, 32);
        sub64(start, 3 + (uint64_t)k * 40);
        check_one(&c, pfx[k], start, 200, 1 + (unsigned)(k % 3));
        /* x >= n up to 2^256 - 1, wrap to 0 (invalid), then 1, 2, ... */
        memset(start, 0xff, 32);
        sub64(start, (uint64_t)k * 5);
        check_one(&c, pfx[k], start, 150, 1 + (unsigned)(k % 3));
        /* start at 0 */
        memset(start, 0, 32);
        check_one(&c, pfx[k], start, 100, 1 + (unsigned)(k % 3));
        /* exactly n */
        memcpy(start, ORDER, 32);
        check_one(&c, pfx[k], start, 50, 1);
    }
    /* a range fully in [n, 2^256): nothing valid */
    memcpy(start, ORDER, 32);
    add64(start, 1000);
    check_one(&c, "q", start, 500, 2);
}

/* Around x = -sk the sum hits infinity (and batches meet +-Q): slow path. */
static void test_infinity_neighbourhood(void **state)
{
    (void)state;
    uint64_t r = 0x1f1f1f1fULL;
    for (int it = 0; it < 3; it++) {
        struct customer c;
        uint8_t neg[32], start[32];
        new_customer(&c, &r);
        neg_sk(neg, c.sk);
        const uint64_t back[] = {0, 1, 25, 1030};
        for (unsigned b = 0; b < 4; b++) {
            memcpy(start, neg, 32);
            sub64(start, back[b]);
            /* a prefix unlikely to hit early, so the scan crosses x = -sk */
            check_one(&c, it == 0 ? "qq" : "7z", start, back[b] + 60, 1 + b % 3);
        }
        memcpy(start, neg, 32);
        check_one(&c, "q", start, 300, 1); /* starts at infinity */
    }
}

/* Over several chunks: 1 thread (a plain scan in order) vs 2 and 3 threads. */
static void test_threads_agree_over_chunks(void **state)
{
    (void)state;
    uint64_t r = 777;
    struct customer c;
    uint8_t start[32], x1[32], xn[32];
    new_customer(&c, &r);
    rand_bytes(start, 32, &r);
    start[0] = 0x10;
    const char *pfx[] = {"qqq", "l7z"};
    for (int k = 0; k < 2; k++) {
        struct cpc_wk_ctl one = {.threads = 1};
        int rc1 = cpc_wk_vanity(c.pub, pfx[k], start, 70000, &one, x1, NULL);
        assert_true(rc1 == CPC_OK || rc1 == CPC_ERR_NOT_FOUND);
        if (rc1 == CPC_OK)
            assert_int_equal(cpc_vanity_verify(c.pub, pfx[k], x1, NULL), CPC_OK);
        for (unsigned th = 2; th <= 3; th++) {
            struct cpc_wk_ctl ctl = {.threads = th};
            assert_int_equal(cpc_wk_vanity(c.pub, pfx[k], start, 70000, &ctl, xn, NULL), rc1);
            if (rc1 == CPC_OK)
                assert_memory_equal(xn, x1, 32);
        }
    }
}

struct canceller {
    atomic_int *flag;
};

static void *cancel_later(void *arg)
{
    struct canceller *cn = arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    atomic_store(cn->flag, 1);
    return NULL;
}

static void test_cancel_and_progress(void **state)
{
    (void)state;
    uint64_t r = 4242;
    struct customer c;
    uint8_t start[32] = {0}, x[32];
    new_customer(&c, &r);
    start[31] = 1;
    atomic_int cancel = 1;
    _Atomic uint64_t done = 0;
    struct cpc_wk_ctl ctl = {.cancel = &cancel, .done = &done, .threads = 2};
    struct cpc_err err;
    assert_int_equal(cpc_wk_vanity(c.pub, "qqqqqqqq", start, UINT64_MAX, &ctl, x, &err), CPC_ERR_CANCELLED);
    assert_int_equal(err.code, CPC_ERR_CANCELLED);

    /* cancelled while running: returns soon after the flag */
    atomic_store(&cancel, 0);
    struct canceller cn = {&cancel};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &cn), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(cpc_wk_vanity(c.pub, "qqqqqqqq", start, UINT64_MAX, &ctl, x, &err), CPC_ERR_CANCELLED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(t, NULL);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(dt < 2.0);
    assert_true(atomic_load(&done) > 0);

    /* progress: a full range not found counts every try */
    atomic_store(&cancel, 0);
    atomic_store(&done, 0);
    assert_int_equal(cpc_wk_vanity(c.pub, "qqqqqqqq", start, 5000, &ctl, x, &err), CPC_ERR_NOT_FOUND);
    assert_true(atomic_load(&done) == 5000);
    /* NULL ctl is fine */
    assert_int_equal(cpc_wk_vanity(c.pub, "qqqqqqqq", start, 100, NULL, x, NULL), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_wk_vanity(c.pub, "q", start, 0, NULL, x, NULL), CPC_ERR_NOT_FOUND);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint64_t r = 31337;
    struct customer c;
    uint8_t start[32] = {0}, x[32], bad[CPC_PUBKEY_LEN];
    struct cpc_err err;
    new_customer(&c, &r);
    start[31] = 1;
    const char *prefixes[] = {"", "b", "1", "O", "Q", "qqqqqqqqq", "q q"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(cpc_wk_vanity(c.pub, prefixes[i], start, 10, NULL, x, &err), CPC_ERR_INVALID);
        assert_int_equal(err.code, CPC_ERR_INVALID);
    }
    assert_int_equal(cpc_wk_vanity(c.pub, NULL, start, 10, NULL, x, NULL), CPC_ERR_INVALID);
    memcpy(bad, c.pub, sizeof bad);
    bad[0] = 0x04;
    assert_int_equal(cpc_wk_vanity(bad, "q", start, 10, NULL, x, &err), CPC_ERR_INVALID);
    memset(bad, 0xff, sizeof bad);
    bad[0] = 0x02; /* x >= p: not a point */
    assert_int_equal(cpc_wk_vanity(bad, "q", start, 10, NULL, x, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_vanity(NULL, "q", start, 10, NULL, x, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_vanity(c.pub, "q", NULL, 10, NULL, x, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_vanity(c.pub, "q", start, 10, NULL, NULL, &err), CPC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_match_libsecp),
        cmocka_unit_test(test_search_matches_reference),
        cmocka_unit_test(test_edges_match_reference),
        cmocka_unit_test(test_infinity_neighbourhood),
        cmocka_unit_test(test_threads_agree_over_chunks),
        cmocka_unit_test(test_cancel_and_progress),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
