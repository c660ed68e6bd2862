/* test_core_state.c — account map, overlays, merge, roots (order
 * independence, overlay root == merged root), supply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/merkle.h"
#include "core/state.h"

static void mkaddr(uint8_t a[20], uint32_t i)
{
    /* structured addresses (not hash-like) to exercise the probe hash */
    memset(a, 0, 20);
    a[16] = (uint8_t)(i >> 24);
    a[17] = (uint8_t)(i >> 16);
    a[18] = (uint8_t)(i >> 8);
    a[19] = (uint8_t)i;
}

static void test_map_basic(void **state)
{
    (void)state;
    struct cpc_state *st = cpc_state_new();
    assert_non_null(st);
    uint8_t a[20];
    struct cpc_account acc = {1, 2, 3}, got;
    mkaddr(a, 7);
    assert_int_equal(cpc_state_count(st), 0);
    got.balance = 99;
    assert_int_equal(cpc_state_get(st, a, &got), CPC_ERR_NOT_FOUND);
    assert_int_equal(got.balance, 0);
    assert_int_equal(cpc_state_put(st, a, &acc), 0);
    assert_int_equal(cpc_state_get(st, a, &got), 0);
    assert_int_equal(got.balance, 1);
    assert_int_equal(got.nonce, 2);
    assert_int_equal(got.stake, 3);
    acc.balance = 10;
    assert_int_equal(cpc_state_put(st, a, &acc), 0); /* replace */
    assert_int_equal(cpc_state_count(st), 1);
    assert_int_equal(cpc_state_get(st, a, &got), 0);
    assert_int_equal(got.balance, 10);

    /* grow through many resizes */
    for (uint32_t i = 0; i < 20000; i++) {
        uint8_t b[20];
        mkaddr(b, 1000 + i);
        struct cpc_account x = {i, i + 1, 0};
        assert_int_equal(cpc_state_put(st, b, &x), 0);
    }
    assert_int_equal(cpc_state_count(st), 20001);
    for (uint32_t i = 0; i < 20000; i += 997) {
        uint8_t b[20];
        mkaddr(b, 1000 + i);
        assert_int_equal(cpc_state_get(st, b, &got), 0);
        assert_int_equal(got.balance, i);
        assert_int_equal(got.nonce, i + 1);
    }
    mkaddr(a, 999);
    assert_int_equal(cpc_state_get(st, a, &got), CPC_ERR_NOT_FOUND);

    struct cpc_state *c = cpc_state_clone(st);
    assert_non_null(c);
    assert_int_equal(cpc_state_count(c), 20001);
    mkaddr(a, 7);
    acc.balance = 555;
    assert_int_equal(cpc_state_put(c, a, &acc), 0);
    assert_int_equal(cpc_state_get(st, a, &got), 0);
    assert_int_equal(got.balance, 10); /* original unaffected */
    cpc_state_free(c);
    cpc_state_free(st);
    cpc_state_free(NULL);
}

struct visit {
    size_t n;
    uint64_t sum;
    size_t stop_after;
};

static int visit_fn(const uint8_t addr[20], const struct cpc_account *acc, void *arg)
{
    (void)addr;
    struct visit *v = arg;
    v->n++;
    v->sum += acc->balance;
    return (v->stop_after && v->n == v->stop_after) ? 42 : 0;
}

static void test_foreach_merge_supply(void **state)
{
    (void)state;
    struct cpc_state *st = cpc_state_new(), *d = cpc_state_new();
    for (uint32_t i = 1; i <= 100; i++) {
        uint8_t a[20];
        mkaddr(a, i);
        struct cpc_account x = {i, 0, 2 * i};
        cpc_state_put(st, a, &x);
    }
    struct visit v = {0};
    assert_int_equal(cpc_state_foreach(st, visit_fn, &v), 0);
    assert_int_equal(v.n, 100);
    assert_int_equal(v.sum, 5050);
    struct visit s = {.stop_after = 10};
    assert_int_equal(cpc_state_foreach(st, visit_fn, &s), 42);
    assert_int_equal(s.n, 10);

    uint64_t total;
    assert_int_equal(cpc_state_total_supply(st, &total), 0);
    assert_int_equal(total, 3 * 5050);
    struct cpc_err err;
    assert_int_equal(cpc_state_check_supply(st, 3 * 5050, &err), 0);
    assert_int_equal(cpc_state_check_supply(st, 1, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "15150"));

    /* merge: replace 1..10, add 101 */
    for (uint32_t i = 1; i <= 11; i++) {
        uint8_t a[20];
        mkaddr(a, i == 11 ? 101 : i);
        struct cpc_account x = {0, 5, 0};
        cpc_state_put(d, a, &x);
    }
    assert_int_equal(cpc_state_merge(st, d), 0);
    assert_int_equal(cpc_state_count(st), 101);
    uint8_t a[20];
    struct cpc_account got;
    mkaddr(a, 3);
    cpc_state_get(st, a, &got);
    assert_int_equal(got.nonce, 5);
    assert_int_equal(got.balance, 0);

    /* overflow in the supply */
    struct cpc_account huge = {UINT64_MAX, 0, 1};
    mkaddr(a, 500);
    cpc_state_put(st, a, &huge);
    assert_int_equal(cpc_state_total_supply(st, &total), CPC_ERR_OVERFLOW);
    assert_int_equal(cpc_state_check_supply(st, 0, &err), CPC_ERR_INVALID);
    cpc_state_free(st);
    cpc_state_free(d);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void test_root(void **state)
{
    (void)state;
    uint8_t root[32], zero[32] = {0};
    struct cpc_state *st = cpc_state_new();
    assert_int_equal(cpc_state_root(st, root), 0);
    assert_memory_equal(root, zero, 32);

    /* three accounts inserted out of order; expected root built by hand */
    uint8_t addrs[3][20];
    struct cpc_account accs[3] = {{5, 1, 0}, {7, 0, 9}, {0, 0, 0}};
    mkaddr(addrs[0], 0x0300); /* sorted order: addrs[2] < addrs[0] < addrs[1] */
    mkaddr(addrs[1], 0x0400);
    mkaddr(addrs[2], 0x0001);
    int order[3] = {2, 0, 1};
    uint8_t leaves[3][32];
    for (int k = 0; k < 3; k++) {
        int i = order[k];
        uint8_t rec[44];
        memcpy(rec, addrs[i], 20);
        put_be64(rec + 20, accs[i].balance);
        put_be64(rec + 28, accs[i].nonce);
        put_be64(rec + 36, accs[i].stake);
        cpc_sha256(leaves[k], rec, 44);
    }
    uint8_t want[32];
    assert_int_equal(cpc_merkle_root(want, (const uint8_t(*)[32])leaves, 3), 0);
    for (int i = 0; i < 3; i++)
        cpc_state_put(st, addrs[i], &accs[i]);
    assert_int_equal(cpc_state_root(st, root), 0);
    assert_memory_equal(root, want, 32);

    /* order independence: reverse insertion into a fresh map */
    struct cpc_state *st2 = cpc_state_new();
    for (int i = 2; i >= 0; i--)
        cpc_state_put(st2, addrs[i], &accs[i]);
    assert_int_equal(cpc_state_root(st2, root), 0);
    assert_memory_equal(root, want, 32);

    /* an all-zero account still counts: dropping it changes the root */
    struct cpc_state *st3 = cpc_state_new();
    cpc_state_put(st3, addrs[0], &accs[0]);
    cpc_state_put(st3, addrs[1], &accs[1]);
    assert_int_equal(cpc_state_root(st3, root), 0);
    assert_memory_not_equal(root, want, 32);
    /* and any field change changes it */
    struct cpc_account tweak = accs[1];
    tweak.stake++;
    cpc_state_put(st2, addrs[1], &tweak);
    assert_int_equal(cpc_state_root(st2, root), 0);
    assert_memory_not_equal(root, want, 32);
    cpc_state_free(st);
    cpc_state_free(st2);
    cpc_state_free(st3);
}

static void test_root_order_independence_large(void **state)
{
    (void)state;
    struct cpc_state *a = cpc_state_new(), *b = cpc_state_new();
    const uint32_t n = 3000;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t h[32];
        cpc_sha256(h, &i, sizeof i);
        struct cpc_account x = {i, i % 3, i % 5};
        cpc_state_put(a, h, &x);
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (k * 7919u) % n; /* a permutation (7919 prime, coprime with n) */
        uint8_t h[32];
        cpc_sha256(h, &i, sizeof i);
        struct cpc_account x = {i, i % 3, i % 5};
        cpc_state_put(b, h, &x);
    }
    uint8_t ra[32], rb[32];
    assert_int_equal(cpc_state_root(a, ra), 0);
    assert_int_equal(cpc_state_root(b, rb), 0);
    assert_memory_equal(ra, rb, 32);
    cpc_state_free(a);
    cpc_state_free(b);
}

static void test_overlays(void **state)
{
    (void)state;
    struct cpc_state *base = cpc_state_new();
    uint8_t a1[20], a2[20], a3[20];
    mkaddr(a1, 1);
    mkaddr(a2, 2);
    mkaddr(a3, 3);
    struct cpc_account x1 = {100, 0, 0}, x2 = {200, 0, 0}, got;
    cpc_state_put(base, a1, &x1);
    cpc_state_put(base, a2, &x2);
    uint8_t base_root[32];
    assert_int_equal(cpc_state_root(base, base_root), 0);

    struct cpc_overlay ov, child;
    assert_int_equal(cpc_overlay_init(&ov, base, NULL), 0);
    assert_int_equal(cpc_overlay_get(&ov, a1, &got), 0);
    assert_int_equal(got.balance, 100);
    assert_int_equal(cpc_overlay_get(&ov, a3, &got), CPC_ERR_NOT_FOUND);
    struct cpc_account y1 = {50, 1, 0};
    assert_int_equal(cpc_overlay_put(&ov, a1, &y1), 0);
    assert_int_equal(cpc_overlay_get(&ov, a1, &got), 0);
    assert_int_equal(got.balance, 50);
    cpc_state_get(base, a1, &got);
    assert_int_equal(got.balance, 100); /* base untouched */

    assert_int_equal(cpc_overlay_init(&child, NULL, &ov), 0);
    assert_int_equal(cpc_overlay_get(&child, a1, &got), 0); /* from parent delta */
    assert_int_equal(got.balance, 50);
    assert_int_equal(cpc_overlay_get(&child, a2, &got), 0); /* from base */
    assert_int_equal(got.balance, 200);
    struct cpc_account z3 = {7, 0, 0}, z1 = {40, 2, 0};
    cpc_overlay_put(&child, a3, &z3);
    cpc_overlay_put(&child, a1, &z1);
    assert_int_equal(cpc_overlay_get(&ov, a3, &got), CPC_ERR_NOT_FOUND); /* not yet visible */

    /* overlay root (3 levels) == root of an explicit merged copy */
    struct cpc_state *m = cpc_state_clone(base);
    cpc_state_merge(m, ov.delta);
    cpc_state_merge(m, child.delta);
    uint8_t want[32], got_root[32];
    assert_int_equal(cpc_state_root(m, want), 0);
    assert_int_equal(cpc_overlay_root(&child, got_root), 0);
    assert_memory_equal(got_root, want, 32);
    assert_memory_not_equal(got_root, base_root, 32);

    /* drop the child: parent unaffected */
    struct cpc_state *before = cpc_state_clone(ov.delta);
    assert_int_equal(cpc_overlay_commit(&ov, &child), 0);
    cpc_overlay_free(&child);
    assert_int_equal(cpc_overlay_get(&ov, a3, &got), 0);
    assert_int_equal(got.balance, 7);
    assert_int_equal(cpc_overlay_get(&ov, a1, &got), 0);
    assert_int_equal(got.balance, 40);
    assert_int_equal(cpc_overlay_root(&ov, got_root), 0);
    assert_memory_equal(got_root, want, 32);
    assert_int_equal(cpc_state_count(before), 1);
    cpc_state_free(before);

    /* commit checks the parent link */
    struct cpc_overlay other, stray;
    cpc_overlay_init(&other, base, NULL);
    cpc_overlay_init(&stray, NULL, &other);
    assert_int_equal(cpc_overlay_commit(&ov, &stray), CPC_ERR_INTERNAL);
    cpc_overlay_free(&stray);
    cpc_overlay_free(&other);

    /* take the delta, merge it into the base: base root == overlay root */
    struct cpc_state *delta = cpc_overlay_take_delta(&ov);
    assert_non_null(delta);
    assert_int_equal(cpc_state_count(delta), 2);
    assert_int_equal(cpc_state_count(ov.delta), 0);
    assert_int_equal(cpc_state_merge(base, delta), 0);
    uint8_t merged_root[32];
    cpc_state_root(base, merged_root);
    assert_memory_equal(merged_root, want, 32);
    cpc_state_free(delta);
    cpc_overlay_free(&ov);
    cpc_overlay_free(&ov); /* idempotent */
    cpc_state_free(m);
    cpc_state_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_basic),
        cmocka_unit_test(test_foreach_merge_supply),
        cmocka_unit_test(test_root),
        cmocka_unit_test(test_root_order_independence_large),
        cmocka_unit_test(test_overlays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
