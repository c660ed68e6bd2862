/* test_core_kind_hashpow.c — hashpow kind: leading-zero-bit vectors, seed and
 * hash formats rebuilt by hand, search-then-verify, rejection of a wrong nonce
 * with "Invalid ComputeResult", argument bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/kinds.h"

static void test_leading_zero_bits(void **state)
{
    (void)state;
    uint8_t h[32];
    memset(h, 0, sizeof h);
    assert_int_equal(cpc_leading_zero_bits(h), 256);
    h[31] = 0x01;
    assert_int_equal(cpc_leading_zero_bits(h), 255);
    h[31] = 0x80;
    assert_int_equal(cpc_leading_zero_bits(h), 248);
    memset(h, 0, sizeof h);
    h[0] = 0x80;
    assert_int_equal(cpc_leading_zero_bits(h), 0);
    h[0] = 0xff;
    assert_int_equal(cpc_leading_zero_bits(h), 0);
    h[0] = 0x01;
    assert_int_equal(cpc_leading_zero_bits(h), 7);
    h[0] = 0x40;
    assert_int_equal(cpc_leading_zero_bits(h), 1);
    memset(h, 0xff, sizeof h);
    h[0] = 0;
    h[1] = 0;
    h[2] = 0x0f;
    assert_int_equal(cpc_leading_zero_bits(h), 20);
    h[2] = 0x00;
    h[3] = 0x20;
    assert_int_equal(cpc_leading_zero_bits(h), 26);
}

static void test_seed_and_hash_format(void **state)
{
    (void)state;
    uint8_t job[32], seed[32], want[32], buf[64];
    for (int i = 0; i < 32; i++)
        job[i] = (uint8_t)(i * 7 + 1);
    /* "cpc-hashpow" | job | u32be index */
    memcpy(buf, "cpc-hashpow", 11);
    memcpy(buf + 11, job, 32);
    buf[43] = 0x01, buf[44] = 0x02, buf[45] = 0x03, buf[46] = 0x04;
    cpc_sha256(want, buf, 47);
    cpc_hashpow_task_seed(seed, job, 0x01020304u);
    assert_memory_equal(seed, want, 32);
    cpc_hashpow_task_seed(want, job, 0x01020305u);
    assert_memory_not_equal(seed, want, 32);

    /* SHA256(seed | u64be nonce) */
    uint8_t out[32];
    memcpy(buf, seed, 32);
    const uint8_t nb[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    memcpy(buf + 32, nb, 8);
    cpc_sha256(want, buf, 40);
    cpc_hashpow_hash(out, seed, 0x1122334455667788ULL);
    assert_memory_equal(out, want, 32);
}

static void test_search_then_verify(void **state)
{
    (void)state;
    uint8_t job[32] = {0}, seed[32], h[32];
    struct cpc_err err;
    cpc_hashpow_task_seed(seed, job, 7);
    const unsigned bits = 12;
    uint64_t nonce = 0;
    assert_int_equal(cpc_hashpow_search(seed, bits, 1000, 1u << 22, &nonce), CPC_OK);
    assert_true(nonce >= 1000);
    cpc_hashpow_hash(h, seed, nonce);
    assert_true(cpc_leading_zero_bits(h) >= bits);
    assert_int_equal(cpc_hashpow_verify(seed, bits, nonce, &err), CPC_OK);
    /* the search returns the first solution at or after start */
    for (uint64_t n = 1000; n < nonce; n++) {
        cpc_hashpow_hash(h, seed, n);
        assert_true(cpc_leading_zero_bits(h) < bits);
    }
    /* the same search again is deterministic; a later start finds a later one */
    uint64_t again = 0, later = 0;
    assert_int_equal(cpc_hashpow_search(seed, bits, 1000, 1u << 22, &again), CPC_OK);
    assert_true(again == nonce);
    assert_int_equal(cpc_hashpow_search(seed, bits, nonce + 1, 1u << 22, &later), CPC_OK);
    assert_true(later > nonce);
    assert_int_equal(cpc_hashpow_verify(seed, bits, later, NULL), CPC_OK);

    /* a wrong nonce is rejected with the protocol message */
    uint64_t wrong = nonce + 1;
    cpc_hashpow_hash(h, seed, wrong);
    while (cpc_leading_zero_bits(h) >= bits)
        cpc_hashpow_hash(h, seed, ++wrong);
    unsigned got = cpc_leading_zero_bits(h);
    assert_int_equal(cpc_hashpow_verify(seed, bits, wrong, &err), CPC_ERR_INVALID_RESULT);
    assert_int_equal(err.code, CPC_ERR_INVALID_RESULT);
    char want[128];
    snprintf(want, sizeof want, "Invalid ComputeResult: hash has %u leading zero bits, need 12", got);
    assert_string_equal(err.msg, want);
    /* the right nonce for another seed does not carry over */
    uint8_t other[32];
    cpc_hashpow_task_seed(other, job, 8);
    cpc_hashpow_hash(h, other, nonce);
    if (cpc_leading_zero_bits(h) < bits)
        assert_int_equal(cpc_hashpow_verify(other, bits, nonce, NULL), CPC_ERR_INVALID_RESULT);
}

static void test_bounds(void **state)
{
    (void)state;
    uint8_t seed[32] = {0};
    uint64_t nonce = 99;
    struct cpc_err err;
    /* bits = 0: every nonce qualifies, the first try wins */
    assert_int_equal(cpc_hashpow_search(seed, 0, 42, 1, &nonce), CPC_OK);
    assert_true(nonce == 42);
    assert_int_equal(cpc_hashpow_verify(seed, 0, 12345, &err), CPC_OK);
    /* no tries, or an impossible difficulty within few tries */
    assert_int_equal(cpc_hashpow_search(seed, 8, 0, 0, &nonce), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_hashpow_search(seed, 64, 0, 1000, &nonce), CPC_ERR_NOT_FOUND);
    /* difficulty above the maximum */
    assert_int_equal(cpc_hashpow_verify(seed, CPC_HASHPOW_MAX_BITS + 1, 0, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "exceeds the maximum 64"));
    assert_int_equal(cpc_hashpow_search(seed, CPC_HASHPOW_MAX_BITS + 1, 0, 10, &nonce), CPC_ERR_INVALID);
    assert_int_equal(cpc_hashpow_search(seed, 1, 0, 10, NULL), CPC_ERR_INVALID);
    assert_int_equal(cpc_hashpow_verify(NULL, 1, 0, &err), CPC_ERR_INVALID);
    /* nonce wraps modulo 2^64 */
    assert_int_equal(cpc_hashpow_search(seed, 0, UINT64_MAX, 2, &nonce), CPC_OK);
    assert_true(nonce == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leading_zero_bits),
        cmocka_unit_test(test_seed_and_hash_format),
        cmocka_unit_test(test_search_then_verify),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
