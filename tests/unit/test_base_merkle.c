/* test_base_merkle.c — Merkle roots and proofs: known root, all indices of
 * trees of size 1..33, tampering, malformed proofs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/merkle.h"

#define MAXN 33

static void make_items(uint8_t (*items)[32], size_t n)
{
    for (size_t i = 0; i < n; i++)
        cpc_sha256(items[i], &i, sizeof i);
}

static void test_empty_and_single(void **state)
{
    (void)state;
    uint8_t root[32], zero[32] = {0};
    memset(root, 0xaa, sizeof root);
    assert_int_equal(cpc_merkle_root(root, NULL, 0), CPC_OK);
    assert_memory_equal(root, zero, 32);

    struct cpc_merkle_proof p;
    assert_int_equal(cpc_merkle_prove(&p, NULL, 0, 0), CPC_ERR_INVALID);

    uint8_t item[1][32];
    memset(item[0], 0, 32);
    assert_int_equal(cpc_merkle_root(root, (const uint8_t(*)[32])item, 1), CPC_OK);
    /* single leaf: root = SHA256(0x00 || item), not the item itself */
    uint8_t want[32];
    const uint8_t z = 0;
    cpc_sha256_2(want, &z, 1, item[0], 32);
    assert_memory_equal(root, want, 32);
    assert_memory_not_equal(root, item[0], 32);
    assert_int_equal(cpc_merkle_prove(&p, (const uint8_t(*)[32])item, 1, 0), CPC_OK);
    assert_int_equal(p.depth, 0);
    assert_int_equal(cpc_merkle_verify(root, item[0], &p), CPC_OK);
    assert_int_equal(cpc_merkle_prove(&p, (const uint8_t(*)[32])item, 1, 1), CPC_ERR_INVALID);
}

static void test_root_n3_by_hand(void **state)
{
    (void)state;
    uint8_t items[3][32];
    for (int i = 0; i < 3; i++)
        memset(items[i], i, 32);
    /* leaves */
    uint8_t l[3][32], buf[65], n01[32], want[32], root[32];
    for (int i = 0; i < 3; i++) {
        buf[0] = 0x00;
        memcpy(buf + 1, items[i], 32);
        cpc_sha256(l[i], buf, 33);
    }
    /* level 1: node(l0,l1), l2 promoted; level 2: node(n01, l2) */
    buf[0] = 0x01;
    memcpy(buf + 1, l[0], 32);
    memcpy(buf + 33, l[1], 32);
    cpc_sha256(n01, buf, 65);
    memcpy(buf + 1, n01, 32);
    memcpy(buf + 33, l[2], 32);
    cpc_sha256(want, buf, 65);
    assert_int_equal(cpc_merkle_root(root, (const uint8_t(*)[32])items, 3), CPC_OK);
    assert_memory_equal(root, want, 32);
    /* and the same value from an independent (Python hashlib) computation */
    char hex[65];
    cpc_hex_encode(hex, root, 32);
    assert_string_equal(hex, "ba8d94b7fbcecae7b81c4c80574fe24734a6917bf9c1ecd66ff3e0c34ead4620");

    /* proof of the promoted leaf has a single sibling: n01 */
    struct cpc_merkle_proof p;
    assert_int_equal(cpc_merkle_prove(&p, (const uint8_t(*)[32])items, 3, 2), CPC_OK);
    assert_int_equal(p.depth, 1);
    assert_memory_equal(p.siblings[0], n01, 32);
    /* proof of leaf 0: l1 then l2 */
    assert_int_equal(cpc_merkle_prove(&p, (const uint8_t(*)[32])items, 3, 0), CPC_OK);
    assert_int_equal(p.depth, 2);
    assert_memory_equal(p.siblings[0], l[1], 32);
    assert_memory_equal(p.siblings[1], l[2], 32);
}

static void test_all_sizes_all_indices(void **state)
{
    (void)state;
    uint8_t items[MAXN][32], root[32], prev_root[32] = {0};
    make_items(items, MAXN);
    for (size_t n = 1; n <= MAXN; n++) {
        assert_int_equal(cpc_merkle_root(root, (const uint8_t(*)[32])items, n), CPC_OK);
        assert_memory_not_equal(root, prev_root, 32); /* adding a leaf changes the root */
        memcpy(prev_root, root, 32);
        for (size_t i = 0; i < n; i++) {
            struct cpc_merkle_proof p, t;
            assert_int_equal(cpc_merkle_prove(&p, (const uint8_t(*)[32])items, n, i), CPC_OK);
            assert_int_equal(p.index, i);
            assert_int_equal(p.n_leaves, n);
            assert_true(p.depth <= 6);
            assert_int_equal(cpc_merkle_verify(root, items[i], &p), CPC_OK);

            /* wrong item */
            uint8_t bad[32];
            memcpy(bad, items[i], 32);
            bad[31] ^= 1;
            assert_int_equal(cpc_merkle_verify(root, bad, &p), CPC_ERR_INVALID);
            /* another leaf's item at this index */
            if (n > 1)
                assert_int_equal(cpc_merkle_verify(root, items[(i + 1) % n], &p), CPC_ERR_INVALID);
            /* tampered sibling (each one) */
            for (size_t k = 0; k < p.depth; k++) {
                t = p;
                t.siblings[k][0] ^= 0x80;
                assert_int_equal(cpc_merkle_verify(root, items[i], &t), CPC_ERR_INVALID);
            }
            /* tampered index: every other index fails */
            for (size_t j = 0; j < n; j++) {
                if (j == i)
                    continue;
                t = p;
                t.index = j;
                assert_int_equal(cpc_merkle_verify(root, items[i], &t), CPC_ERR_INVALID);
            }
            t = p;
            t.index = n; /* out of range */
            assert_int_equal(cpc_merkle_verify(root, items[i], &t), CPC_ERR_INVALID);
            /* tampered depth */
            t = p;
            t.depth = p.depth + 1;
            assert_int_equal(cpc_merkle_verify(root, items[i], &t), CPC_ERR_INVALID);
            if (p.depth > 0) {
                t = p;
                t.depth = p.depth - 1;
                assert_int_equal(cpc_merkle_verify(root, items[i], &t), CPC_ERR_INVALID);
            }
            t = p;
            t.depth = CPC_MERKLE_MAX_DEPTH + 1;
            assert_int_equal(cpc_merkle_verify(root, items[i], &t), CPC_ERR_INVALID);
            /* wrong tree size */
            t = p;
            t.n_leaves = 0;
            assert_int_equal(cpc_merkle_verify(root, items[i], &t), CPC_ERR_INVALID);
            /* wrong root */
            uint8_t r2[32];
            memcpy(r2, root, 32);
            r2[0] ^= 1;
            assert_int_equal(cpc_merkle_verify(r2, items[i], &p), CPC_ERR_INVALID);
        }
        assert_int_equal(cpc_merkle_prove(&(struct cpc_merkle_proof){0},
                                          (const uint8_t(*)[32])items, n, n), CPC_ERR_INVALID);
    }
}

static void test_no_duplication_ambiguity(void **state)
{
    (void)state;
    /* [a,b,c] and [a,b,c,c] must differ (CVE-2012-2459 style duplication) */
    uint8_t items[4][32], r3[32], r4[32];
    make_items(items, 3);
    memcpy(items[3], items[2], 32);
    assert_int_equal(cpc_merkle_root(r3, (const uint8_t(*)[32])items, 3), CPC_OK);
    assert_int_equal(cpc_merkle_root(r4, (const uint8_t(*)[32])items, 4), CPC_OK);
    assert_memory_not_equal(r3, r4, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_root_n3_by_hand),
        cmocka_unit_test(test_all_sizes_all_indices),
        cmocka_unit_test(test_no_duplication_ambiguity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
