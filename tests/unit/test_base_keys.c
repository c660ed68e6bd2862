/* test_base_keys.c — secp256k1 keys, RFC 6979 signatures, low-S, addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/keys.h"

/* secp256k1 group order n, big-endian */
static const char *N_HEX = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

static struct cpc_signer *signer;

static int setup(void **state)
{
    (void)state;
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(i + 1);
    signer = cpc_signer_new(seed);
    return signer ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cpc_signer_free(signer);
    signer = NULL;
    return 0;
}

static void sk_from_u8(uint8_t sk[32], uint8_t v)
{
    memset(sk, 0, 32);
    sk[31] = v;
}

/* out = a - b over 256-bit big-endian numbers (a >= b). */
static void sub256(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = (int)a[i] - (int)b[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void test_signer_lifecycle(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    cpc_signer_free(s);
    cpc_signer_free(NULL);
}

static void test_pubkey_sk1(void **state)
{
    (void)state;
    uint8_t sk[32], pub[33];
    char hex[67], addr[CPC_ADDR_STR_MAX];
    sk_from_u8(sk, 1);
    assert_int_equal(cpc_pubkey_from_seckey(signer, pub, sk), CPC_OK);
    cpc_hex_encode(hex, pub, 33);
    assert_string_equal(hex, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    assert_int_equal(cpc_pubkey_check(pub), CPC_OK);
    uint8_t h[20];
    assert_int_equal(cpc_pubkey_hash(h, pub), CPC_OK);
    cpc_hex_encode(hex, h, 20);
    assert_string_equal(hex, "751e76e8199196d454941c45d1b3a323f1433bd6");
    assert_int_equal(cpc_pubkey_address(addr, pub), CPC_OK);
    assert_string_equal(addr, "cpc1w508d6qejxtdg4y5r3zarvary0c5xw7k32stzz");

    sk_from_u8(sk, 2);
    assert_int_equal(cpc_pubkey_from_seckey(signer, pub, sk), CPC_OK);
    cpc_hex_encode(hex, pub, 33);
    assert_string_equal(hex, "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5");
}

static void test_seckey_check(void **state)
{
    (void)state;
    uint8_t sk[32], pub[33], n[32], sig[64], digest[32] = {1};
    sk_from_u8(sk, 0);
    assert_int_equal(cpc_seckey_check(sk), CPC_ERR_INVALID);
    assert_int_equal(cpc_pubkey_from_seckey(signer, pub, sk), CPC_ERR_INVALID);
    assert_int_equal(cpc_sign(signer, sig, digest, sk), CPC_ERR_CRYPTO);
    assert_int_equal(cpc_hex_decode_exact(n, 32, N_HEX), CPC_OK);
    assert_int_equal(cpc_seckey_check(n), CPC_ERR_INVALID);          /* == n */
    assert_int_equal(cpc_pubkey_from_seckey(signer, pub, n), CPC_ERR_INVALID);
    memset(sk, 0xff, 32);
    assert_int_equal(cpc_seckey_check(sk), CPC_ERR_INVALID);         /* > n */
    uint8_t one[32];
    sk_from_u8(one, 1);
    sub256(sk, n, one);                                              /* n - 1 */
    assert_int_equal(cpc_seckey_check(sk), CPC_OK);
    sk_from_u8(sk, 1);
    assert_int_equal(cpc_seckey_check(sk), CPC_OK);
}

static void test_pubkey_check(void **state)
{
    (void)state;
    uint8_t pub[33];
    assert_int_equal(cpc_hex_decode_exact(pub, 33,
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"), CPC_OK);
    pub[0] = 0x04; /* not a compressed prefix */
    assert_int_equal(cpc_pubkey_check(pub), CPC_ERR_INVALID);
    pub[0] = 0x00;
    assert_int_equal(cpc_pubkey_check(pub), CPC_ERR_INVALID);
    memset(pub, 0, 33);
    pub[0] = 0x02; /* x = 0 is not on the curve */
    assert_int_equal(cpc_pubkey_check(pub), CPC_ERR_INVALID);
    memset(pub + 1, 0xff, 32); /* x >= field prime */
    assert_int_equal(cpc_pubkey_check(pub), CPC_ERR_INVALID);
}

static void test_sign_rfc6979_vector(void **state)
{
    (void)state;
    /* sk = 1, digest = SHA-256("Satoshi Nakamoto"): a widely published RFC 6979
     * secp256k1 vector (low-S form), cross-checked with OpenSSL. */
    uint8_t sk[32], sig[64], digest[32], pub[33];
    char hex[129];
    sk_from_u8(sk, 1);
    cpc_sha256(digest, "Satoshi Nakamoto", 16);
    assert_int_equal(cpc_sign(signer, sig, digest, sk), CPC_OK);
    cpc_hex_encode(hex, sig, 64);
    assert_string_equal(hex,
        "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
        "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5");
    assert_int_equal(cpc_pubkey_from_seckey(signer, pub, sk), CPC_OK);
    assert_int_equal(cpc_verify(sig, digest, pub), CPC_OK);
}

static void test_sign_verify_round_trip(void **state)
{
    (void)state;
    uint8_t sk[32], pub[33], sig[64], sig2[64], digest[32], other[32];
    for (int k = 1; k <= 20; k++) {
        cpc_sha256(sk, &k, sizeof k);
        assert_int_equal(cpc_seckey_check(sk), CPC_OK);
        assert_int_equal(cpc_pubkey_from_seckey(signer, pub, sk), CPC_OK);
        cpc_sha256_2(digest, "msg", 3, &k, sizeof k);
        assert_int_equal(cpc_sign(signer, sig, digest, sk), CPC_OK);
        /* deterministic: same input, same signature, even from another context */
        struct cpc_signer *s2 = cpc_signer_new(NULL);
        assert_non_null(s2);
        assert_int_equal(cpc_sign(s2, sig2, digest, sk), CPC_OK);
        cpc_signer_free(s2);
        assert_memory_equal(sig, sig2, 64);
        /* low-S: top bit of s is clear (s <= n/2 < 2^255) */
        assert_int_equal(sig[32] & 0x80, 0);
        assert_int_equal(cpc_verify(sig, digest, pub), CPC_OK);
        /* wrong digest / wrong key */
        memcpy(other, digest, 32);
        other[0] ^= 1;
        assert_int_equal(cpc_verify(sig, other, pub), CPC_ERR_BAD_SIGNATURE);
        uint8_t sk_other[32], pub_other[33];
        sk_from_u8(sk_other, 7);
        assert_int_equal(cpc_pubkey_from_seckey(signer, pub_other, sk_other), CPC_OK);
        assert_int_equal(cpc_verify(sig, digest, pub_other), CPC_ERR_BAD_SIGNATURE);
    }
}

static void test_high_s_and_tamper(void **state)
{
    (void)state;
    uint8_t sk[32], pub[33], sig[64], digest[32], n[32], mal[64];
    sk_from_u8(sk, 42);
    assert_int_equal(cpc_pubkey_from_seckey(signer, pub, sk), CPC_OK);
    cpc_sha256(digest, "pay 5 CPC", 9);
    assert_int_equal(cpc_sign(signer, sig, digest, sk), CPC_OK);
    assert_int_equal(cpc_verify(sig, digest, pub), CPC_OK);

    /* malleated s' = n - s: mathematically valid, but high-S must be rejected */
    assert_int_equal(cpc_hex_decode_exact(n, 32, N_HEX), CPC_OK);
    memcpy(mal, sig, 32);
    sub256(mal + 32, n, sig + 32);
    assert_int_equal(cpc_verify(mal, digest, pub), CPC_ERR_HIGH_S);

    /* flip one bit in r, in s, in the digest */
    memcpy(mal, sig, 64);
    mal[5] ^= 0x10;
    assert_int_equal(cpc_verify(mal, digest, pub), CPC_ERR_BAD_SIGNATURE);
    memcpy(mal, sig, 64);
    mal[63] ^= 0x01;
    assert_int_equal(cpc_verify(mal, digest, pub), CPC_ERR_BAD_SIGNATURE);

    /* r or s >= n does not parse; all-zero does not verify */
    memcpy(mal, sig, 64);
    memset(mal, 0xff, 32);
    assert_int_equal(cpc_verify(mal, digest, pub), CPC_ERR_BAD_SIGNATURE);
    memset(mal, 0, 64);
    assert_int_equal(cpc_verify(mal, digest, pub), CPC_ERR_BAD_SIGNATURE);

    /* unparsable pubkey */
    uint8_t badpub[33];
    memcpy(badpub, pub, 33);
    badpub[0] = 0x05;
    assert_int_equal(cpc_verify(sig, digest, badpub), CPC_ERR_BAD_SIGNATURE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signer_lifecycle),
        cmocka_unit_test(test_pubkey_sk1),
        cmocka_unit_test(test_seckey_check),
        cmocka_unit_test(test_pubkey_check),
        cmocka_unit_test(test_sign_rfc6979_vector),
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_high_s_and_tamper),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
