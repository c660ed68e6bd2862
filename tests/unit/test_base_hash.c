/* test_base_hash.c — SHA-256 / RIPEMD-160 / hash160 known-answer tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/hex.h"

static void check_hex(const uint8_t *got, size_t len, const char *want)
{
    char hex[2 * 64 + 1];
    cpc_hex_encode(hex, got, len);
    assert_string_equal(hex, want);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    uint8_t h[CPC_HASH_LEN];
    cpc_sha256(h, "abc", 3);
    check_hex(h, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cpc_sha256(h, "", 0);
    check_hex(h, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    cpc_sha256(h, two, strlen(two));
    check_hex(h, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_2_and_incremental(void **state)
{
    (void)state;
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    size_t len = strlen(two);
    uint8_t whole[32], h[32];
    cpc_sha256(whole, two, len);
    for (size_t split = 0; split <= len; split++) {
        cpc_sha256_2(h, two, split, two + split, len - split);
        assert_memory_equal(h, whole, 32);
    }
    /* incremental, byte by byte */
    struct cpc_sha256_ctx c;
    cpc_sha256_init(&c);
    for (size_t i = 0; i < len; i++)
        cpc_sha256_update(&c, two + i, 1);
    cpc_sha256_final(&c, h);
    assert_memory_equal(h, whole, 32);
    /* a ctx can be re-initialised and reused */
    cpc_sha256_init(&c);
    cpc_sha256_update(&c, "ab", 2);
    cpc_sha256_update(&c, "c", 1);
    cpc_sha256_final(&c, h);
    check_hex(h, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_ripemd160(void **state)
{
    (void)state;
    uint8_t h[20];
    memset(h, 0, sizeof h);
    assert_int_equal(cpc_ripemd160(h, "abc", 3), CPC_OK);
    check_hex(h, 20, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    assert_int_equal(cpc_ripemd160(h, "", 0), CPC_OK);
    check_hex(h, 20, "9c1185a5c5e9fc54612808977ee8f548b2258d31");
}

static void test_hash160(void **state)
{
    (void)state;
    uint8_t pub[33], h[20];
    /* compressed G (secret key 1) -> the BIP-173 example witness program */
    assert_int_equal(cpc_hex_decode_exact(pub, 33,
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"), CPC_OK);
    assert_int_equal(cpc_hash160(h, pub, 33), CPC_OK);
    check_hex(h, 20, "751e76e8199196d454941c45d1b3a323f1433bd6");
    /* compressed 2G */
    assert_int_equal(cpc_hex_decode_exact(pub, 33,
        "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"), CPC_OK);
    assert_int_equal(cpc_hash160(h, pub, 33), CPC_OK);
    check_hex(h, 20, "06afd46bcdfd22ef94ac122aa11f241244a37ecc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_2_and_incremental),
        cmocka_unit_test(test_ripemd160),
        cmocka_unit_test(test_hash160),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
