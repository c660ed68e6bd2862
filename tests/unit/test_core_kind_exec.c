/* test_core_kind_exec.c — exec kind: replication quorum (strict majority,
 * ties, single replica, all different, malformed lengths, bounds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/kinds.h"

static uint8_t H[CPC_EXEC_MAX_REPLICAS + 1][64];
static uint8_t L[CPC_EXEC_MAX_REPLICAS + 1];

/* Replica i gets value v (a 32-byte hash filled with v). */
static void set(unsigned i, uint8_t v)
{
    memset(H[i], 0, 64);
    memset(H[i], v, 32);
    L[i] = 32;
}

static int quorum(unsigned n)
{
    return cpc_exec_quorum((const uint8_t(*)[64])H, L, n);
}

static void test_majority(void **state)
{
    (void)state;
    set(0, 1), set(1, 2), set(2, 2);
    assert_int_equal(quorum(3), 1); /* first index of the majority value */
    set(0, 2), set(1, 1), set(2, 2);
    assert_int_equal(quorum(3), 0);
    set(0, 3), set(1, 1), set(2, 1), set(3, 1), set(4, 2);
    assert_int_equal(quorum(5), 1);
    for (unsigned i = 0; i < 9; i++)
        set(i, i < 5 ? 7 : (uint8_t)(100 + i));
    assert_int_equal(quorum(9), 0);
    set(0, 9); /* now 4 of 9 */
    assert_int_equal(quorum(9), -1);
    /* unanimity */
    set(0, 5), set(1, 5), set(2, 5);
    assert_int_equal(quorum(3), 0);
}

static void test_ties_and_single(void **state)
{
    (void)state;
    set(0, 1), set(1, 2);
    assert_int_equal(quorum(2), -1);
    set(0, 1), set(1, 1), set(2, 2), set(3, 2);
    assert_int_equal(quorum(4), -1);
    set(0, 1), set(1, 1), set(2, 2), set(3, 3);
    assert_int_equal(quorum(4), -1); /* 2 of 4 is not > n/2 */
    set(0, 1), set(1, 3), set(2, 1), set(3, 1);
    assert_int_equal(quorum(4), 0);
    set(0, 4);
    assert_int_equal(quorum(1), 0);
    set(0, 1), set(1, 1);
    assert_int_equal(quorum(2), 0);
}

static void test_all_different(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 9; i++)
        set(i, (uint8_t)(i + 1));
    for (unsigned n = 2; n <= 9; n++)
        assert_int_equal(quorum(n), -1);
}

static void test_lengths_and_bounds(void **state)
{
    (void)state;
    /* same bytes, different length: different results */
    set(0, 1), set(1, 1), set(2, 1);
    L[1] = 20;
    L[2] = 20;
    assert_int_equal(quorum(3), 1);
    /* only the first len bytes count */
    set(0, 1), set(1, 1);
    H[1][40] = 0xee;
    assert_int_equal(quorum(2), 0);
    /* malformed lengths never vote but still count in n */
    set(0, 1), set(1, 1), set(2, 1);
    L[0] = 0;
    L[1] = 65;
    assert_int_equal(quorum(3), -1);
    L[1] = 32;
    assert_int_equal(quorum(3), 1);
    /* 64-byte results */
    memset(H[0], 0xab, 64), memset(H[1], 0xab, 64), memset(H[2], 0xab, 64);
    L[0] = L[1] = L[2] = 64;
    H[2][63] = 0;
    assert_int_equal(quorum(3), 0);
    /* bounds */
    assert_int_equal(quorum(0), -1);
    for (unsigned i = 0; i <= CPC_EXEC_MAX_REPLICAS; i++)
        set(i, 1);
    assert_int_equal(quorum(CPC_EXEC_MAX_REPLICAS), 0);
    assert_int_equal(quorum(CPC_EXEC_MAX_REPLICAS + 1), -1);
    assert_int_equal(cpc_exec_quorum(NULL, L, 3), -1);
    assert_int_equal(cpc_exec_quorum((const uint8_t(*)[64])H, NULL, 3), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_majority),
        cmocka_unit_test(test_ties_and_single),
        cmocka_unit_test(test_all_different),
        cmocka_unit_test(test_lengths_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
