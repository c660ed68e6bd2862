/* test_node_worker_auth.c — signed worker requests: the request digest
 * (common/req_sign.c) against vectors computed independently (Python
 * hashlib), and the node's check (node/worker_auth.c) with an explicit
 * clock: window, bad/high-S signatures, malformed headers, replay cache
 * expiry and its bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/req_sign.h"
#include "core/hex.h"
#include "node/worker_auth.h"

static void fixed_key(struct cpc_key *k, struct cpc_signer *s, uint8_t b)
{
    memset(k, 0, sizeof *k);
    memset(k->seckey, b, 32);
    assert_int_equal(cpc_pubkey_from_seckey(s, k->info.pubkey, k->seckey), 0);
}

static void test_digest_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    char hex[65];
    cpc_req_digest(d, "POST", "/worker/lease", "{}", 2, 1700000000);
    cpc_hex_encode(hex, d, 32);
    assert_string_equal(hex, "2fb29728aa1ed0b5bc7ab19fd1d242f30f68ef04dc686aaadd90bbab1d40b859");
    cpc_req_digest(d, "GET", "/worker/status", NULL, 0, 0);
    cpc_hex_encode(hex, d, 32);
    assert_string_equal(hex, "62bf1c14be66c19f6b47c2f07077db397e99d956064596fc12525adf51911c7f");
    struct cpc_req_sig sig;
    struct cpc_err err = {0};
    assert_int_equal(cpc_req_sign(&sig, NULL, NULL, "GET", "/x", NULL, 0, 1, &err),
                     CPC_ERR_INVALID);
}

static void test_check(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key k;
    fixed_key(&k, s, 7);
    struct cpc_worker_auth *a = cpc_worker_auth_new(0);
    struct cpc_req_sig sig;
    struct cpc_err err = {0};
    const char *body = "{\"max_tasks\":2}";
    uint64_t now = 1700000000;
    assert_int_equal(cpc_req_sign(&sig, s, &k, "POST", "/worker/lease", body, strlen(body), now,
                                  &err),
                     0);
    uint8_t addr[20], want[20], pub[33];
    assert_int_equal(cpc_pubkey_hash(want, k.info.pubkey), 0);
    /* wrong body, path or method: bad signature */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", "{}", 2, sig.pubkey,
                                           sig.timestamp, sig.signature, now, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "bad signature");
    assert_int_equal(cpc_worker_auth_check(a, "PUT", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature, now, NULL,
                                           NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    /* outside the window */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature, now + 61,
                                           NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(err.msg, "stale timestamp: 1700000000 is 61 s away"));
    /* good, at the edge of the window */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature, now - 60,
                                           pub, addr, &err),
                     0);
    assert_memory_equal(addr, want, 20);
    assert_memory_equal(pub, k.info.pubkey, 33);
    /* replayed, even at the far edge of the window */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature, now + 60,
                                           NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request");
    /* malformed headers */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/", NULL, 0, NULL, "1", "00", now, NULL,
                                           NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "missing X-CPC-Pubkey header");
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/", NULL, 0, sig.pubkey, "-5",
                                           sig.signature, now, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "X-CPC-Timestamp must be unix seconds");
    char badpub[67];
    memcpy(badpub, sig.pubkey, 67);
    badpub[0] = '0';
    badpub[1] = '5'; /* not a compressed point prefix */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/", NULL, 0, badpub, sig.timestamp,
                                           sig.signature, now, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(err.msg, "66 hex"));
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/", NULL, 0, sig.pubkey, sig.timestamp,
                                           "abcd", now, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(err.msg, "128 hex"));
    /* high-S twin of a valid signature */
    static const uint8_t n[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
                                  0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
    struct cpc_req_sig s2;
    assert_int_equal(cpc_req_sign(&s2, s, &k, "GET", "/worker/status", NULL, 0, now, &err), 0);
    uint8_t raw[64];
    assert_int_equal(cpc_hex_decode_exact(raw, 64, s2.signature), 0);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - raw[32 + i] - borrow;
        borrow = d < 0;
        raw[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    char hs[129];
    cpc_hex_encode(hs, raw, 64);
    assert_int_equal(cpc_worker_auth_check(a, "GET", "/worker/status", NULL, 0, s2.pubkey,
                                           s2.timestamp, hs, now, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "high-S signature");
    cpc_worker_auth_free(a);
    cpc_signer_free(s);
}

static void test_replay_cache_bound(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key k;
    fixed_key(&k, s, 9);
    struct cpc_worker_auth *a = cpc_worker_auth_new(3);
    struct cpc_err err = {0};
    uint64_t now = 1000000;
    struct cpc_req_sig sig[5];
    for (int i = 0; i < 5; i++)
        assert_int_equal(cpc_req_sign(&sig[i], s, &k, "GET", "/worker/status", NULL, 0,
                                      now + (uint64_t)i, &err),
                         0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(cpc_worker_auth_check(a, "GET", "/worker/status", NULL, 0, sig[i].pubkey,
                                               sig[i].timestamp, sig[i].signature, now + 3, NULL,
                                               NULL, &err),
                         0);
    /* full of live entries: refused, not forgotten */
    assert_int_equal(cpc_worker_auth_check(a, "GET", "/worker/status", NULL, 0, sig[3].pubkey,
                                           sig[3].timestamp, sig[3].signature, now + 3, NULL,
                                           NULL, &err),
                     CPC_ERR_TOO_LARGE);
    assert_int_equal(cpc_worker_auth_check(a, "GET", "/worker/status", NULL, 0, sig[0].pubkey,
                                           sig[0].timestamp, sig[0].signature, now + 3, NULL,
                                           NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request");
    /* 121 s later the first three are out of the window anyway and leave the cache */
    struct cpc_req_sig late;
    assert_int_equal(cpc_req_sign(&late, s, &k, "GET", "/worker/status", NULL, 0, now + 124,
                                  &err),
                     0);
    assert_int_equal(cpc_worker_auth_check(a, "GET", "/worker/status", NULL, 0, late.pubkey,
                                           late.timestamp, late.signature, now + 124, NULL, NULL,
                                           &err),
                     0);
    assert_int_equal(cpc_worker_auth_check(a, "GET", "/worker/status", NULL, 0, late.pubkey,
                                           late.timestamp, late.signature, now + 124, NULL, NULL,
                                           &err),
                     CPC_ERR_UNAUTHORIZED);
    cpc_worker_auth_free(a);
    cpc_signer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_vectors),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_replay_cache_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
