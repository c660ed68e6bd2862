/* test_core_kind_vanity.c — vanity kind (split-key): search a short prefix and
 * verify it, check that the customer's full key sk + x derives the same
 * address, reject wrong / invalid partial keys and bad prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/kinds.h"

static const uint8_t ORDER[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

struct fixture {
    uint8_t sk[32];
    uint8_t pub[CPC_PUBKEY_LEN];
};

static void customer(struct fixture *f, uint8_t fill)
{
    for (int i = 0; i < 32; i++)
        f->sk[i] = (uint8_t)(fill + 3 * i);
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    assert_int_equal(cpc_pubkey_from_seckey(s, f->pub, f->sk), CPC_OK);
    cpc_signer_free(s);
}

static void inc(uint8_t x[32])
{
    for (int i = 31; i >= 0 && ++x[i] == 0; i--)
        ;
}

static void check_search(const struct fixture *f, const char *prefix, uint8_t start_fill)
{
    uint8_t start[32], x[32], cur[32];
    char addr[CPC_ADDR_STR_MAX], full_addr[CPC_ADDR_STR_MAX], want[16];
    struct cpc_err err;
    memset(start, 0, sizeof start);
    start[0] = start_fill;
    start[31] = 1;
    assert_int_equal(cpc_vanity_search(f->pub, prefix, start, 200000, x), CPC_OK);
    memset(&err, 0, sizeof err);
    assert_int_equal(cpc_vanity_verify(f->pub, prefix, x, &err), CPC_OK);
    assert_int_equal(err.code, CPC_OK);
    assert_int_equal(cpc_vanity_address(addr, f->pub, x), CPC_OK);
    snprintf(want, sizeof want, "cpc1%s", prefix);
    assert_memory_equal(addr, want, strlen(want));

    /* every candidate before the result failed: the search is a plain scan */
    memcpy(cur, start, 32);
    unsigned skipped = 0;
    while (memcmp(cur, x, 32) != 0) {
        assert_int_equal(cpc_vanity_verify(f->pub, prefix, cur, NULL), CPC_ERR_INVALID_RESULT);
        inc(cur);
        assert_true(++skipped < 200000);
    }

    /* the customer's full key sk + x (mod n) owns that address */
    uint8_t full[32], fpub[CPC_PUBKEY_LEN];
    memcpy(full, f->sk, 32);
    assert_int_equal(secp256k1_ec_seckey_tweak_add(secp256k1_context_static, full, x), 1);
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    assert_int_equal(cpc_pubkey_from_seckey(s, fpub, full), CPC_OK);
    cpc_signer_free(s);
    assert_int_equal(cpc_pubkey_address(full_addr, fpub), CPC_OK);
    assert_string_equal(full_addr, addr);

    /* the next candidate that does not match is rejected with the protocol message */
    uint8_t wrong[32];
    memcpy(wrong, x, 32);
    do {
        inc(wrong);
        assert_int_equal(cpc_vanity_address(addr, f->pub, wrong), CPC_OK);
    } while (strncmp(addr, want, strlen(want)) == 0);
    assert_int_equal(cpc_vanity_verify(f->pub, prefix, wrong, &err), CPC_ERR_INVALID_RESULT);
    char msg[160];
    snprintf(msg, sizeof msg, "Invalid ComputeResult: address %s does not start with %s", addr, want);
    assert_string_equal(err.msg, msg);
    /* a partial key found for one customer is worthless for another */
    struct fixture g;
    customer(&g, 0x77);
    assert_int_equal(cpc_vanity_address(addr, g.pub, x), CPC_OK);
    if (strncmp(addr, want, strlen(want)) != 0)
        assert_int_equal(cpc_vanity_verify(g.pub, prefix, x, NULL), CPC_ERR_INVALID_RESULT);
}

static void test_search_verify_full_key(void **state)
{
    (void)state;
    struct fixture f;
    customer(&f, 0x11);
    check_search(&f, "q", 0);
    check_search(&f, "7", 9);
    check_search(&f, "x3", 0x42);
    customer(&f, 0xa0);
    check_search(&f, "lm", 1);
}

static void test_address_is_tweaked_key(void **state)
{
    (void)state;
    struct fixture f;
    customer(&f, 0x22);
    /* x = 1: P + G is the key of sk + 1 */
    uint8_t one[32] = {0}, full[32], fpub[CPC_PUBKEY_LEN];
    one[31] = 1;
    char a[CPC_ADDR_STR_MAX], b[CPC_ADDR_STR_MAX], own[CPC_ADDR_STR_MAX];
    assert_int_equal(cpc_vanity_address(a, f.pub, one), CPC_OK);
    memcpy(full, f.sk, 32);
    full[31]++; /* no carry for this fixture (last byte 0x22 + 93) */
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    assert_int_equal(cpc_pubkey_from_seckey(s, fpub, full), CPC_OK);
    cpc_signer_free(s);
    assert_int_equal(cpc_pubkey_address(b, fpub), CPC_OK);
    assert_string_equal(a, b);
    assert_int_equal(cpc_pubkey_address(own, f.pub), CPC_OK);
    assert_string_not_equal(a, own);
}

static void test_invalid_partial_keys(void **state)
{
    (void)state;
    struct fixture f;
    struct cpc_err err;
    char addr[CPC_ADDR_STR_MAX];
    customer(&f, 0x33);
    uint8_t x[32];
    /* zero: would be the customer's own key */
    memset(x, 0, sizeof x);
    assert_int_equal(cpc_vanity_address(addr, f.pub, x), CPC_ERR_INVALID_RESULT);
    assert_int_equal(cpc_vanity_verify(f.pub, "q", x, &err), CPC_ERR_INVALID_RESULT);
    assert_non_null(strstr(err.msg, "Invalid ComputeResult: partial key is not a valid scalar"));
    /* the curve order and above */
    assert_int_equal(cpc_vanity_address(addr, f.pub, ORDER), CPC_ERR_INVALID_RESULT);
    memset(x, 0xff, sizeof x);
    assert_int_equal(cpc_vanity_verify(f.pub, "q", x, &err), CPC_ERR_INVALID_RESULT);
    /* x = -sk: P + x*G is the point at infinity */
    memcpy(x, f.sk, 32);
    assert_int_equal(secp256k1_ec_seckey_negate(secp256k1_context_static, x), 1);
    assert_int_equal(cpc_vanity_address(addr, f.pub, x), CPC_ERR_INVALID_RESULT);
    assert_int_equal(cpc_vanity_verify(f.pub, "q", x, &err), CPC_ERR_INVALID_RESULT);
    /* the search skips invalid candidates: starting at 0 with one try finds nothing */
    uint8_t found[32];
    memset(x, 0, sizeof x);
    assert_int_equal(cpc_vanity_search(f.pub, "q", x, 1, found), CPC_ERR_NOT_FOUND);
    /* ... and starting at -sk it moves on to -sk + 1 */
    memcpy(x, f.sk, 32);
    assert_int_equal(secp256k1_ec_seckey_negate(secp256k1_context_static, x), 1);
    assert_int_equal(cpc_vanity_search(f.pub, "q", x, 100000, found), CPC_OK);
    assert_memory_not_equal(found, x, 32);
    assert_int_equal(cpc_vanity_verify(f.pub, "q", found, NULL), CPC_OK);
    /* an impossible budget */
    assert_int_equal(cpc_vanity_search(f.pub, "qqqqqqqq", found, 20, found), CPC_ERR_NOT_FOUND);
}

static void test_prefix_rules(void **state)
{
    (void)state;
    struct cpc_err err;
    assert_int_equal(cpc_vanity_check_prefix("qpzry9x8", &err), CPC_OK);
    assert_int_equal(cpc_vanity_check_prefix("gf2tvdw0", &err), CPC_OK);
    assert_int_equal(cpc_vanity_check_prefix("s3jn54kh", &err), CPC_OK);
    assert_int_equal(cpc_vanity_check_prefix("ce6mua7l", &err), CPC_OK);
    assert_int_equal(cpc_vanity_check_prefix("a", &err), CPC_OK);
    static const char *bad[] = {"b", "i", "o", "1", "A", "Q", "q-", "qq ", "é", "qpzry9x8g"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(cpc_vanity_check_prefix(bad[i], &err), CPC_ERR_INVALID);
        assert_int_equal(err.code, CPC_ERR_INVALID);
        assert_true(strlen(err.msg) > 0);
    }
    assert_int_equal(cpc_vanity_check_prefix("b", &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg,
                        "vanity: prefix character 1 (0x62) is not in the bech32 charset qpzry9x8gf2tvdw0s3jn54khce6mua7l");
    assert_int_equal(cpc_vanity_check_prefix("", &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "vanity: prefix must be 1 to 8 characters");
    assert_int_equal(cpc_vanity_check_prefix(NULL, &err), CPC_ERR_INVALID);

    /* verify and search refuse bad prefixes and bad customer keys */
    struct fixture f;
    customer(&f, 0x44);
    uint8_t x[32] = {0}, found[32];
    x[31] = 5;
    assert_int_equal(cpc_vanity_verify(f.pub, "b", x, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_vanity_verify(f.pub, "", x, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_vanity_search(f.pub, "io", x, 10, found), CPC_ERR_INVALID);
    assert_int_equal(cpc_vanity_search(f.pub, NULL, x, 10, found), CPC_ERR_INVALID);
    uint8_t badpub[CPC_PUBKEY_LEN];
    memcpy(badpub, f.pub, sizeof badpub);
    badpub[0] = 0x04;
    assert_int_equal(cpc_vanity_verify(badpub, "q", x, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "customer public key"));
    char addr[CPC_ADDR_STR_MAX];
    assert_int_equal(cpc_vanity_address(addr, badpub, x), CPC_ERR_INVALID);
    assert_int_equal(cpc_vanity_search(badpub, "q", x, 10, found), CPC_ERR_INVALID);
    memset(badpub + 1, 0xff, CPC_PUBKEY_LEN - 1); /* x >= p: not a point */
    badpub[0] = 0x02;
    assert_int_equal(cpc_vanity_verify(badpub, "q", x, &err), CPC_ERR_INVALID);
    assert_int_equal(cpc_vanity_verify(NULL, "q", x, &err), CPC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_verify_full_key),
        cmocka_unit_test(test_address_is_tweaked_key),
        cmocka_unit_test(test_invalid_partial_keys),
        cmocka_unit_test(test_prefix_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
