/* test_base_hex.c — hex encode/decode: vectors, prefixes, case, errors, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/hex.h"

static void test_encode(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff, 0x10};
    char out[2 * sizeof in + 1];
    memset(out, 'X', sizeof out);
    cpc_hex_encode(out, in, sizeof in);
    assert_string_equal(out, "0001abcdefff10");
    cpc_hex_encode(out, in, 0);
    assert_string_equal(out, "");
}

static void test_decode_ok(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n = 99;
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "00ff10Ab", 8), CPC_OK);
    assert_int_equal(n, 4);
    const uint8_t want[] = {0x00, 0xff, 0x10, 0xab};
    assert_memory_equal(out, want, 4);

    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "0xDEADbeef", 10), CPC_OK);
    assert_int_equal(n, 4);
    const uint8_t want2[] = {0xde, 0xad, 0xbe, 0xef};
    assert_memory_equal(out, want2, 4);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "0X01", 4), CPC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 1);

    /* in_len is honoured: trailing garbage beyond it is ignored */
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "abcdzz", 4), CPC_OK);
    assert_int_equal(n, 2);
    /* exactly fills capacity */
    assert_int_equal(cpc_hex_decode(out, 8, &n, "0102030405060708", 16), CPC_OK);
    assert_int_equal(n, 8);
    assert_int_equal(out[7], 8);
}

static void test_decode_errors(void **state)
{
    (void)state;
    uint8_t out[4] = {0x55, 0x55, 0x55, 0x55};
    size_t n = 7;
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "", 0), CPC_ERR_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "0x", 2), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "abc", 3), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "0g", 2), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "a b ", 4), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "0x0x00", 6), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "+1", 2), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "\xff\xfe", 2), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, "0102030405", 10), CPC_ERR_TOO_LARGE);
    assert_int_equal(cpc_hex_decode(out, sizeof out, &n, NULL, 0), CPC_ERR_INVALID);
    /* failures never write */
    assert_int_equal(out[0], 0x55);
    assert_int_equal(out[3], 0x55);
}

static void test_decode_exact(void **state)
{
    (void)state;
    uint8_t out[4] = {0};
    assert_int_equal(cpc_hex_decode_exact(out, 4, "0xa1b2c3d4"), CPC_OK);
    const uint8_t want[] = {0xa1, 0xb2, 0xc3, 0xd4};
    assert_memory_equal(out, want, 4);
    memset(out, 0x55, sizeof out);
    assert_int_equal(cpc_hex_decode_exact(out, 4, "a1b2c3"), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode_exact(out, 4, "a1b2c3d4e5"), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode_exact(out, 4, "a1b2c3dx"), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode_exact(out, 4, ""), CPC_ERR_INVALID);
    assert_int_equal(cpc_hex_decode_exact(out, 4, NULL), CPC_ERR_INVALID);
    assert_int_equal(out[0], 0x55);
}

/* Every byte: cpc_hex_digit against the definition, and a two-character
 * decode accepts exactly the digit pairs. */
static void test_every_byte(void **state)
{
    (void)state;
    for (int c = -1; c <= 256; c++) {
        int want = c >= '0' && c <= '9'   ? c - '0'
                   : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : -1;
        assert_int_equal(cpc_hex_digit(c), want);
        if (c < 0 || c > 255)
            continue;
        for (int d = 0; d < 256; d += 17) {
            char in[2] = {(char)c, (char)d};
            uint8_t out = 0;
            size_t n = 0;
            int dd = cpc_hex_digit(d);
            int rc = cpc_hex_decode(&out, 1, &n, in, 2);
            if (want >= 0 && dd >= 0) {
                assert_int_equal(rc, 0);
                assert_int_equal(out, want * 16 + dd);
            } else {
                assert_int_equal(rc, CPC_ERR_INVALID);
                assert_int_equal(n, 0);
            }
        }
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    uint8_t in[256], back[256];
    char txt[513];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)(i * 7 + 3);
    cpc_hex_encode(txt, in, sizeof in);
    assert_int_equal(strlen(txt), 512);
    size_t n = 0;
    assert_int_equal(cpc_hex_decode(back, sizeof back, &n, txt, 512), CPC_OK);
    assert_int_equal(n, 256);
    assert_memory_equal(in, back, 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode_ok),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_exact),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
