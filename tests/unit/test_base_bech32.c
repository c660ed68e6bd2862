/* test_base_bech32.c — BIP-173 test vectors, convert_bits, cpc addresses. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/bech32.h"
#include "core/err.h"
#include "core/hex.h"

static const char *const VALID[] = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11"
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
    "c8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
};

static void test_bip173_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof VALID / sizeof VALID[0]; i++) {
        char hrp[100], re[100], lower[100];
        uint8_t data[100];
        size_t n = 0;
        assert_int_equal(cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n, VALID[i]), CPC_OK);
        /* re-encoding gives back the (lowercased) input */
        assert_int_equal(cpc_bech32_encode(re, sizeof re, hrp, data, n), CPC_OK);
        size_t len = strlen(VALID[i]);
        for (size_t k = 0; k <= len; k++)
            lower[k] = (char)tolower((unsigned char)VALID[i][k]);
        assert_string_equal(re, lower);
        /* flipping any data/checksum character breaks the checksum */
        char bad[100];
        memcpy(bad, lower, len + 1);
        const char *sep = strrchr(bad, '1');
        size_t pos = (size_t)(sep - bad) + 1;
        bad[pos] = bad[pos] == 'q' ? 'p' : 'q';
        assert_int_equal(cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n, bad),
                         CPC_ERR_INVALID);
    }
    /* spot-check decoded contents */
    char hrp[100];
    uint8_t data[100];
    size_t n = 99;
    assert_int_equal(cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n, "A12UEL5L"), CPC_OK);
    assert_string_equal(hrp, "a");
    assert_int_equal(n, 0);
    assert_int_equal(cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n,
                                       "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"), CPC_OK);
    assert_string_equal(hrp, "abcdef");
    assert_int_equal(n, 32);
    for (size_t k = 0; k < 32; k++)
        assert_int_equal(data[k], k); /* the data part is the charset in order */
}

static void test_bip173_invalid(void **state)
{
    (void)state;
    static const char *const INVALID[] = {
        "\x20" "1nwldj5",  /* HRP character out of range */
        "\x7f" "1axkwrx",  /* HRP character out of range */
        "\x80" "1eym55h",  /* HRP character out of range */
        /* overall max length exceeded */
        "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
        "pzry9x0s0muk",    /* no separator character */
        "1pzry9x0s0muk",   /* empty HRP */
        "x1b4n0q5v",       /* invalid data character */
        "li1dgmt3",        /* too short checksum */
        "de1lg7wt\xff",    /* invalid character in checksum */
        "A1G7SGD8",        /* checksum calculated with uppercase HRP */
        "10a06t8",         /* empty HRP */
        "1qzzfhee",        /* empty HRP */
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqXw", /* mixed case */
        "A12uEL5L",        /* mixed case */
        "",
        "1",
        "a1",
    };
    for (size_t i = 0; i < sizeof INVALID / sizeof INVALID[0]; i++) {
        char hrp[100];
        uint8_t data[100];
        size_t n = 42;
        assert_int_equal(cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n, INVALID[i]),
                         CPC_ERR_INVALID);
        assert_int_equal(n, 0);
    }
}

static void test_decode_capacity(void **state)
{
    (void)state;
    char hrp[8];
    uint8_t data[40];
    size_t n;
    /* HRP "abcdef" needs 7 bytes with NUL; data needs 32 */
    const char *s = "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw";
    assert_int_equal(cpc_bech32_decode(hrp, 6, data, sizeof data, &n, s), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_decode(hrp, 7, data, 31, &n, s), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_decode(hrp, 7, data, 32, &n, s), CPC_OK);
    assert_int_equal(cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n, NULL), CPC_ERR_INVALID);
}

static void test_encode_errors(void **state)
{
    (void)state;
    char out[100];
    const uint8_t d[3] = {0, 31, 5};
    const uint8_t bad[2] = {0, 32};
    assert_int_equal(cpc_bech32_encode(out, sizeof out, "a", d, 3), CPC_OK);
    assert_int_equal(cpc_bech32_encode(out, sizeof out, "a", bad, 2), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_encode(out, sizeof out, "", d, 3), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_encode(out, sizeof out, "A", d, 3), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_encode(out, sizeof out, "a b", d, 3), CPC_ERR_INVALID);
    /* "a" + "1" + 3 + 6 = 11 chars, needs 12 bytes */
    assert_int_equal(cpc_bech32_encode(out, 11, "a", d, 3), CPC_ERR_TOO_LARGE);
    assert_int_equal(cpc_bech32_encode(out, 12, "a", d, 3), CPC_OK);
    assert_int_equal(strlen(out), 11);
    /* total length above 90 */
    uint8_t many[83] = {0};
    assert_int_equal(cpc_bech32_encode(out, sizeof out, "a", many, 82), CPC_OK);
    assert_int_equal(strlen(out), 90);
    assert_int_equal(cpc_bech32_encode(out, sizeof out, "a", many, 83), CPC_ERR_INVALID);
}

static void test_convert_bits(void **state)
{
    (void)state;
    /* BIP-173 segwit example: BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4: data[0] is
     * the witness version, the rest is the 20-byte program in 5-bit groups. */
    char hrp[8];
    uint8_t data[64], prog[40];
    size_t n = 0, pn = 0;
    assert_int_equal(cpc_bech32_decode(hrp, sizeof hrp, data, sizeof data, &n,
                                       "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"), CPC_OK);
    assert_string_equal(hrp, "bc");
    assert_int_equal(data[0], 0);
    assert_int_equal(cpc_bech32_convert_bits(prog, sizeof prog, &pn, data + 1, n - 1, 5, 8, 0), CPC_OK);
    assert_int_equal(pn, 20);
    char hex[41];
    cpc_hex_encode(hex, prog, pn);
    assert_string_equal(hex, "751e76e8199196d454941c45d1b3a323f1433bd6");

    /* 8 -> 5 with padding and back */
    const uint8_t bytes[] = {0xff};
    uint8_t five[4];
    assert_int_equal(cpc_bech32_convert_bits(five, sizeof five, &pn, bytes, 1, 8, 5, 1), CPC_OK);
    assert_int_equal(pn, 2);
    assert_int_equal(five[0], 31);
    assert_int_equal(five[1], 28);
    /* without padding the 3 leftover bits are an error */
    assert_int_equal(cpc_bech32_convert_bits(five, sizeof five, &pn, bytes, 1, 8, 5, 0), CPC_ERR_INVALID);
    /* 5 -> 8: non-zero padding bits rejected */
    const uint8_t five_bad[] = {31, 29};
    assert_int_equal(cpc_bech32_convert_bits(prog, sizeof prog, &pn, five_bad, 2, 5, 8, 0), CPC_ERR_INVALID);
    /* input value out of range for frombits */
    const uint8_t big[] = {32};
    assert_int_equal(cpc_bech32_convert_bits(prog, sizeof prog, &pn, big, 1, 5, 8, 1), CPC_ERR_INVALID);
    /* output capacity */
    assert_int_equal(cpc_bech32_convert_bits(five, 1, &pn, bytes, 1, 8, 5, 1), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_convert_bits(five, sizeof five, &pn, bytes, 1, 0, 5, 1), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_convert_bits(five, sizeof five, &pn, bytes, 1, 8, 9, 1), CPC_ERR_INVALID);
}

static void test_address(void **state)
{
    (void)state;
    uint8_t h[20], back[20];
    char addr[CPC_ADDR_STR_MAX];
    /* hash160 of the sk=1 pubkey; expected value from an independent implementation */
    assert_int_equal(cpc_hex_decode_exact(h, 20, "751e76e8199196d454941c45d1b3a323f1433bd6"), CPC_OK);
    cpc_address_encode(addr, h);
    assert_string_equal(addr, "cpc1w508d6qejxtdg4y5r3zarvary0c5xw7k32stzz");
    assert_int_equal(cpc_address_decode(back, addr), CPC_OK);
    assert_memory_equal(back, h, 20);

    memset(h, 0, 20);
    cpc_address_encode(addr, h);
    assert_string_equal(addr, "cpc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc58w28");
    memset(h, 0xff, 20);
    cpc_address_encode(addr, h);
    assert_string_equal(addr, "cpc1llllllllllllllllllllllllllllllll59xpdd");
    assert_true(strlen(addr) < CPC_ADDR_STR_MAX);

    /* round trip of many hashes */
    for (int k = 0; k < 200; k++) {
        for (int i = 0; i < 20; i++)
            h[i] = (uint8_t)(k * 31 + i * 17);
        cpc_address_encode(addr, h);
        assert_int_equal(cpc_address_decode(back, addr), CPC_OK);
        assert_memory_equal(back, h, 20);
    }
}

static void test_address_reject(void **state)
{
    (void)state;
    uint8_t h[20];
    char s[100];
    /* wrong HRP: valid bech32 of a 20-byte program under "bc" */
    const uint8_t prog[20] = {1, 2, 3};
    uint8_t five[40];
    size_t n = 0;
    assert_int_equal(cpc_bech32_convert_bits(five, sizeof five, &n, prog, 20, 8, 5, 1), CPC_OK);
    assert_int_equal(cpc_bech32_encode(s, sizeof s, "cosmos", five, n), CPC_OK);
    assert_int_equal(cpc_address_decode(h, s), CPC_ERR_INVALID);
    /* wrong length: 19 and 21 bytes under "cpc" */
    uint8_t p21[21] = {0};
    assert_int_equal(cpc_bech32_convert_bits(five, sizeof five, &n, p21, 19, 8, 5, 1), CPC_OK);
    assert_int_equal(cpc_bech32_encode(s, sizeof s, "cpc", five, n), CPC_OK);
    assert_int_equal(cpc_address_decode(h, s), CPC_ERR_INVALID);
    assert_int_equal(cpc_bech32_convert_bits(five, sizeof five, &n, p21, 21, 8, 5, 1), CPC_OK);
    assert_int_equal(cpc_bech32_encode(s, sizeof s, "cpc", five, n), CPC_OK);
    assert_int_equal(cpc_address_decode(h, s), CPC_ERR_INVALID);
    /* mixed case is rejected; all upper case is valid BIP-173 and gives the same hash */
    assert_int_equal(cpc_address_decode(h, "cpc1w508d6qejxtdg4y5r3zarvary0c5xw7k32stzZ"), CPC_ERR_INVALID);
    assert_int_equal(cpc_address_decode(h, "Cpc1w508d6qejxtdg4y5r3zarvary0c5xw7k32stzz"), CPC_ERR_INVALID);
    assert_int_equal(cpc_address_decode(h, "CPC1W508D6QEJXTDG4Y5R3ZARVARY0C5XW7K32STZZ"), CPC_OK);
    uint8_t want[20];
    assert_int_equal(cpc_hex_decode_exact(want, 20, "751e76e8199196d454941c45d1b3a323f1433bd6"), CPC_OK);
    assert_memory_equal(h, want, 20);
    /* an upper-case address with a bad checksum still fails */
    assert_int_equal(cpc_address_decode(h, "CPC1W508D6QEJXTDG4Y5R3ZARVARY0C5XW7K32STZQ"), CPC_ERR_INVALID);
    /* bad checksum, truncation, junk */
    assert_int_equal(cpc_address_decode(h, "cpc1w508d6qejxtdg4y5r3zarvary0c5xw7k32stzq"), CPC_ERR_INVALID);
    assert_int_equal(cpc_address_decode(h, "cpc1w508d6qejxtdg4y5r3zarvary0c5xw7k32stz"), CPC_ERR_INVALID);
    assert_int_equal(cpc_address_decode(h, ""), CPC_ERR_INVALID);
    assert_int_equal(cpc_address_decode(h, "hello"), CPC_ERR_INVALID);
    assert_int_equal(cpc_address_decode(h, NULL), CPC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bip173_valid),
        cmocka_unit_test(test_bip173_invalid),
        cmocka_unit_test(test_decode_capacity),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_convert_bits),
        cmocka_unit_test(test_address),
        cmocka_unit_test(test_address_reject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
