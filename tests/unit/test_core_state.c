/* test_core_state.c — account map, overlays, merge, roots (order
 * independence, overlay root == merged root), supply; the object map:
 * put/get/del in plain states and through nested overlays, tombstones,
 * merge/commit/clone/take_delta, and the objects part of the state root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
    uint8_t root[32], zero[64] = {0}, empty[32];
    struct cpc_state *st = cpc_state_new();
    assert_int_equal(cpc_state_root(st, root), 0);
    cpc_sha256(empty, zero, 64); /* SHA256(accounts_root 0^32 | objects_root 0^32) */
    assert_memory_equal(root, empty, 32);

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
    uint8_t want[32], acc_root[32];
    assert_int_equal(cpc_merkle_root(acc_root, (const uint8_t(*)[32])leaves, 3), 0);
    cpc_sha256_2(want, acc_root, 32, zero, 32); /* no objects */
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


/* ---- objects ---- */

static size_t mkkey(uint8_t k[CPC_OBJ_KEY_MAX], uint32_t i)
{
    /* injective: prefix byte | be32(i) | 0..3 zero bytes, so lengths vary (5..8) */
    size_t n = 5 + i % 4;
    memset(k, 0, CPC_OBJ_KEY_MAX);
    k[0] = (uint8_t)('A' + i % 3);
    k[1] = (uint8_t)(i >> 24);
    k[2] = (uint8_t)(i >> 16);
    k[3] = (uint8_t)(i >> 8);
    k[4] = (uint8_t)i;
    return n;
}

static void expect_obj(const struct cpc_state *st, const uint8_t *k, size_t kl, const char *want)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    if (!want) {
        assert_int_equal(cpc_state_obj_get(st, k, kl, &b), CPC_ERR_NOT_FOUND);
        assert_int_equal(b.len, 0);
    } else {
        assert_int_equal(cpc_state_obj_get(st, k, kl, &b), 0);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.data, want, b.len);
    }
    cpc_buf_free(&b);
}

static void expect_ov(const struct cpc_overlay *ov, const uint8_t *k, size_t kl, const char *want)
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put(&b, "junk", 4); /* get clears out->len first */
    if (!want) {
        assert_int_equal(cpc_overlay_obj_get(ov, k, kl, &b), CPC_ERR_NOT_FOUND);
    } else {
        assert_int_equal(cpc_overlay_obj_get(ov, k, kl, &b), 0);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.data, want, b.len);
    }
    cpc_buf_free(&b);
}

static void test_objects_map(void **state)
{
    (void)state;
    struct cpc_state *st = cpc_state_new();
    uint8_t k[CPC_OBJ_KEY_MAX];
    static const uint8_t ka[] = {'J', 1}, kb[] = {'J', 1, 0};
    assert_int_equal(cpc_state_obj_count(st), 0);
    expect_obj(st, ka, 2, NULL);
    assert_int_equal(cpc_state_obj_put(st, ka, 2, (const uint8_t *)"one", 3), 0);
    assert_int_equal(cpc_state_obj_put(st, kb, 3, (const uint8_t *)"two", 3), 0);
    expect_obj(st, ka, 2, "one");
    expect_obj(st, kb, 3, "two"); /* a key and its extension are distinct */
    assert_int_equal(cpc_state_obj_put(st, ka, 2, (const uint8_t *)"uno!", 4), 0); /* replace */
    expect_obj(st, ka, 2, "uno!");
    assert_int_equal(cpc_state_obj_put(st, kb, 3, NULL, 0), 0); /* empty value */
    expect_obj(st, kb, 3, "");
    assert_int_equal(cpc_state_obj_count(st), 2);
    assert_int_equal(cpc_state_count(st), 0); /* objects are not accounts */

    /* bad arguments */
    uint8_t big_key[CPC_OBJ_KEY_MAX + 1] = {0};
    assert_int_equal(cpc_state_obj_put(st, ka, 0, NULL, 0), CPC_ERR_INVALID);
    assert_int_equal(cpc_state_obj_put(st, big_key, sizeof big_key, NULL, 0), CPC_ERR_INVALID);
    assert_int_equal(cpc_state_obj_put(st, ka, 2, NULL, 5), CPC_ERR_INVALID);
    assert_int_equal(cpc_state_obj_put(st, ka, 2, ka, (size_t)CPC_OBJ_VALUE_MAX + 1),
                     CPC_ERR_TOO_LARGE);
    assert_int_equal(cpc_state_obj_del(st, ka, 0), CPC_ERR_INVALID);
    expect_obj(st, ka, 2, "uno!");
    uint8_t *maxv = calloc(1, CPC_OBJ_VALUE_MAX);
    assert_int_equal(cpc_state_obj_put(st, big_key, CPC_OBJ_KEY_MAX, maxv, CPC_OBJ_VALUE_MAX), 0);
    free(maxv);

    /* plain state: del removes (no tombstone); absent key is a no-op */
    assert_int_equal(cpc_state_obj_del(st, ka, 2), 0);
    assert_int_equal(cpc_state_obj_del(st, ka, 2), 0);
    expect_obj(st, ka, 2, NULL);
    assert_int_equal(cpc_state_obj_count(st), 2);

    /* many keys with deletions in between: probing stays correct (backward shift) */
    struct cpc_state *m = cpc_state_new();
    for (uint32_t i = 0; i < 5000; i++) {
        size_t kl = mkkey(k, i);
        char v[16];
        snprintf(v, sizeof v, "v%u", (unsigned)i);
        assert_int_equal(cpc_state_obj_put(m, k, kl, (const uint8_t *)v, strlen(v)), 0);
    }
    size_t live = cpc_state_obj_count(m);
    for (uint32_t i = 0; i < 5000; i += 3) {
        size_t kl = mkkey(k, i);
        struct cpc_buf b;
        cpc_buf_init(&b);
        if (cpc_state_obj_get(m, k, kl, &b) == 0) {
            assert_int_equal(cpc_state_obj_del(m, k, kl), 0);
            live--;
        }
        cpc_buf_free(&b);
    }
    assert_int_equal(cpc_state_obj_count(m), live);
    size_t seen = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        size_t kl = mkkey(k, i);
        struct cpc_buf b;
        cpc_buf_init(&b);
        if (cpc_state_obj_get(m, k, kl, &b) == 0)
            seen++;
        cpc_buf_free(&b);
    }
    assert_int_equal(seen, live);
    cpc_state_free(m);
    cpc_state_free(st);
}

struct ovisit {
    size_t live, tombs;
};

static int count_visit(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                       int tombstone, void *arg)
{
    struct ovisit *v = arg;
    (void)key;
    (void)klen;
    if (tombstone) {
        assert_null(val);
        assert_int_equal(vlen, 0);
        v->tombs++;
    } else {
        v->live++;
    }
    return 0;
}

static void test_objects_overlays(void **state)
{
    (void)state;
    static const uint8_t k1[] = {'J', 1}, k2[] = {'T', 2}, k3[] = {'W', 3}, k4[] = {'H', 4};
    struct cpc_state *base = cpc_state_new();
    assert_int_equal(cpc_state_obj_put(base, k1, 2, (const uint8_t *)"b1", 2), 0);
    assert_int_equal(cpc_state_obj_put(base, k2, 2, (const uint8_t *)"b2", 2), 0);
    uint8_t base_root[32];
    assert_int_equal(cpc_state_root(base, base_root), 0);

    struct cpc_overlay ov, child, grand;
    assert_int_equal(cpc_overlay_init(&ov, base, NULL), 0);
    expect_ov(&ov, k1, 2, "b1");
    expect_ov(&ov, k3, 2, NULL);
    assert_int_equal(cpc_overlay_obj_put(&ov, k1, 2, (const uint8_t *)"o1", 2), 0);
    assert_int_equal(cpc_overlay_obj_del(&ov, k2, 2), 0); /* tombstone over the base */
    expect_ov(&ov, k1, 2, "o1");
    expect_ov(&ov, k2, 2, NULL);
    expect_obj(base, k2, 2, "b2"); /* base untouched */

    assert_int_equal(cpc_overlay_init(&child, NULL, &ov), 0);
    expect_ov(&child, k1, 2, "o1"); /* parent's delta */
    expect_ov(&child, k2, 2, NULL); /* parent's tombstone hides the base */
    assert_int_equal(cpc_overlay_obj_put(&child, k2, 2, (const uint8_t *)"c2", 2), 0);
    assert_int_equal(cpc_overlay_obj_put(&child, k3, 2, (const uint8_t *)"c3", 2), 0);
    assert_int_equal(cpc_overlay_obj_del(&child, k1, 2), 0);
    expect_ov(&child, k2, 2, "c2"); /* resurrected in the child */
    expect_ov(&child, k1, 2, NULL);
    expect_ov(&ov, k1, 2, "o1"); /* not yet visible in the parent */
    expect_ov(&ov, k3, 2, NULL);

    assert_int_equal(cpc_overlay_init(&grand, NULL, &child), 0);
    assert_int_equal(cpc_overlay_obj_put(&grand, k4, 2, (const uint8_t *)"g4", 2), 0);
    expect_ov(&grand, k1, 2, NULL);
    expect_ov(&grand, k3, 2, "c3");
    assert_int_equal(cpc_overlay_obj_put(&grand, k1, 0, NULL, 0), CPC_ERR_INVALID);
    assert_int_equal(cpc_overlay_obj_del(&grand, k1, CPC_OBJ_KEY_MAX + 1), CPC_ERR_INVALID);

    /* overlay root (4 levels) == root of an explicit merged copy */
    struct cpc_state *m = cpc_state_clone(base);
    assert_int_equal(cpc_state_merge(m, ov.delta), 0);
    assert_int_equal(cpc_state_merge(m, child.delta), 0);
    assert_int_equal(cpc_state_merge(m, grand.delta), 0);
    assert_int_equal(cpc_state_obj_count(m), 3); /* k2=c2, k3=c3, k4=g4; k1 deleted */
    expect_obj(m, k1, 2, NULL);
    expect_obj(m, k2, 2, "c2");
    struct ovisit vm = {0, 0};
    assert_int_equal(cpc_state_obj_foreach(m, count_visit, &vm), 0);
    assert_int_equal(vm.tombs, 0); /* merging into a plain state removes */
    uint8_t want[32], got[32];
    assert_int_equal(cpc_state_root(m, want), 0);
    assert_int_equal(cpc_overlay_root(&grand, got), 0);
    assert_memory_equal(got, want, 32);
    assert_memory_not_equal(got, base_root, 32);

    /* commit keeps tombstones: child -> ov, then ov's view matches */
    assert_int_equal(cpc_overlay_commit(&child, &grand), 0);
    cpc_overlay_free(&grand);
    assert_int_equal(cpc_overlay_commit(&ov, &child), 0);
    cpc_overlay_free(&child);
    expect_ov(&ov, k1, 2, NULL); /* child's tombstone reached the parent */
    expect_ov(&ov, k4, 2, "g4");
    struct ovisit vd = {0, 0};
    assert_int_equal(cpc_state_obj_foreach(ov.delta, count_visit, &vd), 0);
    assert_int_equal(vd.live, 3);
    assert_int_equal(vd.tombs, 1);
    assert_int_equal(cpc_overlay_root(&ov, got), 0);
    assert_memory_equal(got, want, 32);

    /* clone copies objects and tombstones */
    struct cpc_state *cl = cpc_state_clone(ov.delta);
    struct ovisit vc = {0, 0};
    assert_int_equal(cpc_state_obj_foreach(cl, count_visit, &vc), 0);
    assert_int_equal(vc.live, 3);
    assert_int_equal(vc.tombs, 1);
    assert_int_equal(cpc_state_obj_del(cl, k3, 2), 0); /* a clone of a delta is a delta */
    struct ovisit vc2 = {0, 0};
    cpc_state_obj_foreach(cl, count_visit, &vc2);
    assert_int_equal(vc2.tombs, 2);
    expect_ov(&ov, k3, 2, "c3"); /* the original is unaffected */
    cpc_state_free(cl);

    /* take the delta, merge into the base: tombstones delete, root == overlay root */
    struct cpc_state *delta = cpc_overlay_take_delta(&ov);
    assert_non_null(delta);
    assert_int_equal(cpc_state_obj_count(ov.delta), 0);
    assert_int_equal(cpc_overlay_obj_del(&ov, k4, 2), 0); /* the fresh delta still tombstones */
    struct ovisit vf = {0, 0};
    cpc_state_obj_foreach(ov.delta, count_visit, &vf);
    assert_int_equal(vf.tombs, 1);
    assert_int_equal(cpc_state_merge(base, delta), 0);
    assert_int_equal(cpc_state_obj_count(base), 3);
    expect_obj(base, k1, 2, NULL);
    uint8_t merged[32];
    assert_int_equal(cpc_state_root(base, merged), 0);
    assert_memory_equal(merged, want, 32);
    cpc_state_free(delta);
    cpc_overlay_free(&ov);
    cpc_state_free(m);
    cpc_state_free(base);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void obj_leaf(uint8_t out[32], const uint8_t *k, size_t kl, const char *v)
{
    uint8_t rec[64];
    size_t vl = strlen(v);
    rec[0] = (uint8_t)kl;
    memcpy(rec + 1, k, kl);
    put_be32(rec + 1 + kl, (uint32_t)vl);
    memcpy(rec + 5 + kl, v, vl);
    cpc_sha256(out, rec, 5 + kl + vl);
}

static void test_objects_root(void **state)
{
    (void)state;
    /* expected root by hand: accounts root is zero (no accounts); objects sorted
     * by key with the shorter key first on a common prefix: "A" < "A\0" < "B" */
    static const uint8_t ka[] = {'A'}, ka0[] = {'A', 0}, kb[] = {'B'};
    uint8_t leaves[3][32], oroot[32], zero[32] = {0}, want[32], root[32];
    obj_leaf(leaves[0], ka, 1, "x");
    obj_leaf(leaves[1], ka0, 2, "");
    obj_leaf(leaves[2], kb, 1, "hello");
    assert_int_equal(cpc_merkle_root(oroot, (const uint8_t(*)[32])leaves, 3), 0);
    cpc_sha256_2(want, zero, 32, oroot, 32);

    struct cpc_state *a = cpc_state_new(), *b = cpc_state_new();
    cpc_state_obj_put(a, kb, 1, (const uint8_t *)"hello", 5);
    cpc_state_obj_put(a, ka0, 2, NULL, 0);
    cpc_state_obj_put(a, ka, 1, (const uint8_t *)"x", 1);
    assert_int_equal(cpc_state_root(a, root), 0);
    assert_memory_equal(root, want, 32);

    /* insertion order does not matter, nor do deleted keys */
    static const uint8_t kz[] = {'Z', 'Z'};
    cpc_state_obj_put(b, kz, 2, (const uint8_t *)"gone", 4);
    cpc_state_obj_put(b, ka, 1, (const uint8_t *)"x", 1);
    cpc_state_obj_put(b, kb, 1, (const uint8_t *)"hello", 5);
    cpc_state_obj_put(b, ka0, 2, NULL, 0);
    cpc_state_obj_del(b, kz, 2);
    assert_int_equal(cpc_state_root(b, root), 0);
    assert_memory_equal(root, want, 32);

    /* any change of value, key or presence changes the root */
    cpc_state_obj_put(b, kb, 1, (const uint8_t *)"hellO", 5);
    assert_int_equal(cpc_state_root(b, root), 0);
    assert_memory_not_equal(root, want, 32);
    cpc_state_obj_put(b, kb, 1, (const uint8_t *)"hello", 5);
    cpc_state_obj_put(b, ka0, 2, (const uint8_t *)"", 0);
    assert_int_equal(cpc_state_root(b, root), 0);
    assert_memory_equal(root, want, 32); /* back to equal */
    cpc_state_obj_del(b, ka0, 2);
    assert_int_equal(cpc_state_root(b, root), 0);
    assert_memory_not_equal(root, want, 32);
    cpc_state_obj_put(b, ka0, 2, NULL, 0);
    static const uint8_t kc[] = {'C'};
    cpc_state_obj_put(b, kc, 1, NULL, 0); /* an added empty object counts */
    assert_int_equal(cpc_state_root(b, root), 0);
    assert_memory_not_equal(root, want, 32);

    /* accounts and objects both feed the root */
    uint8_t addr[20];
    mkaddr(addr, 1);
    struct cpc_account acc = {1, 0, 0};
    cpc_state_put(a, addr, &acc);
    uint8_t with_acc[32];
    assert_int_equal(cpc_state_root(a, with_acc), 0);
    assert_memory_not_equal(with_acc, want, 32);

    /* large, permuted insertion */
    struct cpc_state *x = cpc_state_new(), *y = cpc_state_new();
    uint8_t k[CPC_OBJ_KEY_MAX];
    const uint32_t n = 2000;
    for (uint32_t i = 0; i < n; i++) {
        size_t kl = mkkey(k, i);
        cpc_state_obj_put(x, k, kl, (const uint8_t *)&i, sizeof i);
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = (j * 7919u) % n;
        size_t kl = mkkey(k, i);
        cpc_state_obj_put(y, k, kl, (const uint8_t *)&i, sizeof i);
    }
    uint8_t rx[32], ry[32];
    assert_int_equal(cpc_state_root(x, rx), 0);
    assert_int_equal(cpc_state_root(y, ry), 0);
    assert_memory_equal(rx, ry, 32);
    cpc_state_free(x);
    cpc_state_free(y);
    cpc_state_free(a);
    cpc_state_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_basic),
        cmocka_unit_test(test_foreach_merge_supply),
        cmocka_unit_test(test_root),
        cmocka_unit_test(test_root_order_independence_large),
        cmocka_unit_test(test_overlays),
        cmocka_unit_test(test_objects_map),
        cmocka_unit_test(test_objects_overlays),
        cmocka_unit_test(test_objects_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
