/* test_base_amount.c — checked arithmetic and CPC decimal parse/format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/amount.h"
#include "core/err.h"

static void test_checked_arith(void **state)
{
    (void)state;
    uint64_t r = 7;
    assert_true(cpc_add_u64(&r, 1, 2));
    assert_int_equal(r, 3);
    assert_true(cpc_add_u64(&r, UINT64_MAX - 1, 1));
    assert_true(r == UINT64_MAX);
    r = 7;
    assert_false(cpc_add_u64(&r, UINT64_MAX, 1));
    assert_int_equal(r, 7); /* unchanged on overflow */
    assert_true(cpc_sub_u64(&r, 10, 10));
    assert_int_equal(r, 0);
    r = 7;
    assert_false(cpc_sub_u64(&r, 10, 11));
    assert_int_equal(r, 7);
    assert_true(cpc_mul_u64(&r, 1ULL << 32, (1ULL << 32) - 1));
    assert_true(r == 0xFFFFFFFF00000000ULL);
    r = 7;
    assert_false(cpc_mul_u64(&r, 1ULL << 32, 1ULL << 32));
    assert_int_equal(r, 7);
    assert_true(cpc_mul_u64(&r, 0, UINT64_MAX));
    assert_int_equal(r, 0);
}

static void test_parse_ok(void **state)
{
    (void)state;
    static const struct { const char *s; uint64_t v; } ok[] = {
        {"0", 0},
        {"1", 1000000000ULL},
        {"1.5", 1500000000ULL},
        {"0.5", 500000000ULL},
        {"100", 100000000000ULL},
        {"0.000000001", 1},
        {"1.000000001", 1000000001ULL},
        {"007", 7000000000ULL},
        {"0.10", 100000000ULL},
        {"18446744073", 18446744073000000000ULL},
        {"18446744073.709551615", UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = 12345;
        assert_int_equal(cpc_amount_parse(&v, ok[i].s), CPC_OK);
        assert_true(v == ok[i].v);
    }
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", ".", "1.", ".5", "+1", "-1", " 1", "1 ", "1e9", "1E9", "0x10", "1,5",
        "1.0000000001", "1..5", "1.5.", "abc", "1.5x", "١", "\t1", "nan", "inf",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 12345;
        assert_int_equal(cpc_amount_parse(&v, bad[i]), CPC_ERR_INVALID);
        assert_int_equal(v, 12345); /* untouched */
    }
    uint64_t v = 12345;
    assert_int_equal(cpc_amount_parse(&v, "18446744073.709551616"), CPC_ERR_OVERFLOW);
    assert_int_equal(cpc_amount_parse(&v, "18446744074"), CPC_ERR_OVERFLOW);
    assert_int_equal(cpc_amount_parse(&v, "99999999999999999999999999999"), CPC_ERR_OVERFLOW);
    assert_int_equal(v, 12345);
    /* a malformed tail is INVALID even when the number is also too big */
    assert_int_equal(cpc_amount_parse(&v, "99999999999999999999999999999x"), CPC_ERR_INVALID);
    assert_int_equal(cpc_amount_parse(&v, NULL), CPC_ERR_INVALID);
    assert_int_equal(cpc_amount_parse(NULL, "1"), CPC_ERR_INVALID);
}

static void test_format(void **state)
{
    (void)state;
    char out[CPC_AMOUNT_STR_MAX];
    static const struct { uint64_t v; const char *s; } cases[] = {
        {0, "0"},
        {1, "0.000000001"},
        {500000000ULL, "0.5"},
        {1500000000ULL, "1.5"},
        {100000000000ULL, "100"},
        {1000000001ULL, "1.000000001"},
        {123456789ULL, "0.123456789"},
        {120000000ULL, "0.12"},
        {UINT64_MAX, "18446744073.709551615"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cpc_amount_format(out, cases[i].v);
        assert_string_equal(out, cases[i].s);
        uint64_t back = 0;
        assert_int_equal(cpc_amount_parse(&back, out), CPC_OK);
        assert_true(back == cases[i].v);
    }
    /* round trip over a spread of values */
    for (uint64_t v = 1; v < UINT64_MAX / 3; v = v * 3 + 7) {
        uint64_t back = 0;
        cpc_amount_format(out, v);
        assert_int_equal(cpc_amount_parse(&back, out), CPC_OK);
        assert_true(back == v);
    }
}

static void test_parse_u64(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(cpc_parse_u64("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cpc_parse_u64("18446744073709551615", &v), 0);
    assert_true(v == UINT64_MAX);
    v = 7;
    const char *bad[] = {"", "18446744073709551616", "-1", "+1", " 1", "1 ", "0x10", "1e3", "1.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cpc_parse_u64(bad[i], &v), -1);
    assert_int_equal(cpc_parse_u64(NULL, &v), -1);
    assert_int_equal(v, 7); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_u64),
        cmocka_unit_test(test_checked_arith),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
