/* test_node_worker_auth.c — signed worker requests: the request digest
 * (common/req_sign.c) against vectors computed independently (Python
 * hashlib), and the node's check (node/worker_auth.c) with an explicit
 * clock in unix milliseconds: window, bad/high-S signatures, malformed
 * headers, identical requests 1 ms apart, replay cache expiry (by each
 * entry's own timestamp) and its bound, a clock that steps back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/req_sign.h"
#include "core/hex.h"
#include "market/worker_auth.h"

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
    cpc_req_digest(d, "POST", "/worker/lease", "{}", 2, 1700000000123);
    cpc_hex_encode(hex, d, 32);
    assert_string_equal(hex, "b57a4c0d7d777b0dc04765bfd44207c8d33b837797efc28a34400c5bd6ff22ba");
    cpc_req_digest(d, "GET", "/worker/status", NULL, 0, 0);
    cpc_hex_encode(hex, d, 32);
    assert_string_equal(hex, "62bf1c14be66c19f6b47c2f07077db397e99d956064596fc12525adf51911c7f");
    struct cpc_req_sig sig;
    struct cpc_err err = {0};
    assert_int_equal(cpc_req_sign(&sig, NULL, NULL, "GET", "/x", NULL, 0, 1, &err),
                     CPC_ERR_INVALID);
    /* the timestamp header is the millisecond value the digest covers */
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key k;
    fixed_key(&k, s, 7);
    assert_int_equal(cpc_req_sign(&sig, s, &k, "POST", "/worker/lease", "{}", 2, 1700000000123,
                                  &err),
                     0);
    assert_string_equal(sig.timestamp, "1700000000123");
    cpc_signer_free(s);
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
    uint64_t now = 1700000000000;
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
    /* outside the window, by 1 ms either way */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature,
                                           now + CPC_AUTH_WINDOW_MS + 1, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "stale timestamp: 1700000000000 is 60001 ms away from the "
                                 "node's clock (window +-60000 ms)");
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature,
                                           now - CPC_AUTH_WINDOW_MS - 1, NULL, NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(err.msg, "is 60001 ms away"));
    /* good, at the edge of the window */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature,
                                           now - CPC_AUTH_WINDOW_MS, pub, addr, &err),
                     0);
    assert_memory_equal(addr, want, 20);
    assert_memory_equal(pub, k.info.pubkey, 33);
    /* replayed, even at the far edge of the window */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           sig.pubkey, sig.timestamp, sig.signature,
                                           now + CPC_AUTH_WINDOW_MS, NULL, NULL, &err),
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
    assert_string_equal(err.msg, "X-CPC-Timestamp must be unix milliseconds");
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/", NULL, 0, sig.pubkey,
                                           "99999999999999999999", sig.signature, now, NULL, NULL,
                                           &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "X-CPC-Timestamp must be unix milliseconds");
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

/* Check a GET /worker/status signed at ts against the clock now. */
static int check_at(struct cpc_worker_auth *a, const struct cpc_req_sig *sig, uint64_t now,
                    struct cpc_err *err)
{
    memset(err, 0, sizeof *err);
    return cpc_worker_auth_check(a, "GET", "/worker/status", NULL, 0, sig->pubkey, sig->timestamp,
                                 sig->signature, now, NULL, NULL, err);
}

static void sign_at(struct cpc_req_sig *sig, struct cpc_signer *s, const struct cpc_key *k,
                    uint64_t ts)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_req_sign(sig, s, k, "GET", "/worker/status", NULL, 0, ts, &err), 0);
}

/* The long-poll case: the same body twice within one second. With millisecond
 * timestamps the two are different requests; the very same one is a replay;
 * one signed 61 s ago is stale. */
static void test_identical_requests_ms_apart(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key k;
    fixed_key(&k, s, 11);
    struct cpc_worker_auth *a = cpc_worker_auth_new(0);
    struct cpc_err err = {0};
    const char *body = "{\"max_tasks\":4,\"wait_ms\":20000}";
    uint64_t now = 1700000000500;
    struct cpc_req_sig r1, r2, old;
    assert_int_equal(cpc_req_sign(&r1, s, &k, "POST", "/worker/lease", body, strlen(body), now,
                                  &err),
                     0);
    assert_int_equal(cpc_req_sign(&r2, s, &k, "POST", "/worker/lease", body, strlen(body),
                                  now + 1, &err),
                     0);
    assert_string_equal(r1.timestamp, "1700000000500");
    assert_string_equal(r2.timestamp, "1700000000501");
    assert_string_not_equal(r1.signature, r2.signature);
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           r1.pubkey, r1.timestamp, r1.signature, now, NULL, NULL,
                                           &err),
                     0);
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           r2.pubkey, r2.timestamp, r2.signature, now + 1, NULL,
                                           NULL, &err),
                     0);
    /* the same signed request again (same millisecond, same signature) */
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           r2.pubkey, r2.timestamp, r2.signature, now + 2, NULL,
                                           NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request");
    /* signed 61 s before the node's clock */
    assert_int_equal(cpc_req_sign(&old, s, &k, "POST", "/worker/lease", body, strlen(body),
                                  now + 2 - 61000, &err),
                     0);
    assert_int_equal(cpc_worker_auth_check(a, "POST", "/worker/lease", body, strlen(body),
                                           old.pubkey, old.timestamp, old.signature, now + 2, NULL,
                                           NULL, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "stale timestamp: 1699999939502 is 61000 ms away from the "
                                 "node's clock (window +-60000 ms)");
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
    uint64_t now = 1700000000000;
    struct cpc_req_sig sig[5];
    for (int i = 0; i < 5; i++)
        sign_at(&sig[i], s, &k, now + (uint64_t)i);
    for (int i = 0; i < 3; i++)
        assert_int_equal(check_at(a, &sig[i], now + 3, &err), 0);
    /* full of live entries: refused, not forgotten */
    assert_int_equal(check_at(a, &sig[3], now + 3, &err), CPC_ERR_TOO_LARGE);
    assert_string_equal(err.msg, "too many signed requests in the replay window, retry later");
    assert_int_equal(check_at(a, &sig[0], now + 3, &err), CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request");
    /* still full while sig[0] (signed at now) is inside the window */
    assert_int_equal(check_at(a, &sig[3], now + CPC_AUTH_WINDOW_MS, &err), CPC_ERR_TOO_LARGE);
    assert_int_equal(check_at(a, &sig[0], now + CPC_AUTH_WINDOW_MS, &err), CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request");
    /* 1 ms later sig[0] is out of the window (stale if sent again) and leaves
     * the cache: room for one */
    assert_int_equal(check_at(a, &sig[3], now + CPC_AUTH_WINDOW_MS + 1, &err), 0);
    assert_int_equal(check_at(a, &sig[4], now + CPC_AUTH_WINDOW_MS + 1, &err), CPC_ERR_TOO_LARGE);
    assert_int_equal(check_at(a, &sig[0], now + CPC_AUTH_WINDOW_MS + 1, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(err.msg, "stale timestamp"));
    /* sig[1], sig[2] leave at their own time: room for sig[4] */
    assert_int_equal(check_at(a, &sig[4], now + CPC_AUTH_WINDOW_MS + 3, &err), 0);
    assert_int_equal(check_at(a, &sig[4], now + CPC_AUTH_WINDOW_MS + 3, &err),
                     CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request");
    cpc_worker_auth_free(a);
    cpc_signer_free(s);
}

/* Entries leave when their own timestamp leaves the window, not in arrival
 * order: a request dated 60 s ahead stays 120 s, one dated 59 s back only 1 s,
 * even when it arrived after the first. */
static void test_expiry_by_timestamp(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key k;
    fixed_key(&k, s, 13);
    struct cpc_worker_auth *a = cpc_worker_auth_new(2);
    struct cpc_err err = {0};
    uint64_t t = 1700000000000;
    struct cpc_req_sig ahead, behind, c, d;
    sign_at(&ahead, s, &k, t + CPC_AUTH_WINDOW_MS);
    sign_at(&behind, s, &k, t - 59000);
    sign_at(&c, s, &k, t + 500);
    sign_at(&d, s, &k, t + 700);
    assert_int_equal(check_at(a, &ahead, t, &err), 0);
    assert_int_equal(check_at(a, &behind, t, &err), 0);
    assert_int_equal(check_at(a, &c, t + 500, &err), CPC_ERR_TOO_LARGE);
    assert_int_equal(check_at(a, &behind, t + 1000, &err), CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request"); /* ts + window == now: still fresh */
    /* behind leaves at t + 1001, although it came after ahead */
    assert_int_equal(check_at(a, &c, t + 1001, &err), 0);
    assert_int_equal(check_at(a, &behind, t + 1001, &err), CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(err.msg, "stale timestamp"));
    assert_int_equal(check_at(a, &d, t + 1001, &err), CPC_ERR_TOO_LARGE);
    /* ahead is remembered for its whole window, 120 s after it arrived */
    assert_int_equal(check_at(a, &ahead, t + 2 * CPC_AUTH_WINDOW_MS, &err), CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "replayed request");
    assert_int_equal(CPC_AUTH_REPLAY_MS, 2 * CPC_AUTH_WINDOW_MS);
    cpc_worker_auth_free(a);
    cpc_signer_free(s);
}

/* The heap of expiries against a model: entries with pseudo-random
 * timestamps across the whole window; at each later clock exactly the
 * entries whose ts + window < now are gone (the free room is refilled with
 * fresh requests until 503, and their number must match the model), and every
 * remaining one is still refused as a replay. */
static void test_expiry_model(void **state)
{
    (void)state;
    enum { CAP = 48, MAXE = CAP * 5 };
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key k;
    fixed_key(&k, s, 17);
    struct cpc_worker_auth *a = cpc_worker_auth_new(CAP);
    struct cpc_err err = {0};
    uint64_t t = 1700000000000, exps[MAXE];
    struct cpc_req_sig sigs[MAXE];
    size_t n = 0;
    uint32_t lcg = 12345;
    for (int i = 0; i < CAP; i++) {
        lcg = lcg * 1103515245u + 12345u;
        uint64_t ts = t - CPC_AUTH_WINDOW_MS + (lcg >> 8) % (2 * CPC_AUTH_WINDOW_MS + 1);
        sign_at(&sigs[n], s, &k, ts);
        assert_int_equal(check_at(a, &sigs[n], t, &err), 0);
        exps[n++] = ts + CPC_AUTH_WINDOW_MS;
    }
    static const uint64_t steps[] = {1, 17000, 30000, 59999, 60000, 90001};
    uint64_t fresh = 0;
    for (size_t st = 0; st < sizeof steps / sizeof *steps; st++) {
        uint64_t now = t + steps[st];
        size_t live = 0;
        for (size_t i = 0; i < n; i++)
            live += exps[i] >= now;
        /* the live ones are replays (checked before refilling) */
        for (size_t i = 0; i < n; i++)
            if (exps[i] >= now) {
                assert_int_equal(check_at(a, &sigs[i], now, &err), CPC_ERR_UNAUTHORIZED);
                assert_string_equal(err.msg, "replayed request");
            }
        size_t accepted = 0;
        for (;;) {
            assert_true(n < MAXE);
            sign_at(&sigs[n], s, &k, now + (fresh++ % 1000));
            int rc = check_at(a, &sigs[n], now, &err);
            if (rc == CPC_ERR_TOO_LARGE)
                break;
            assert_int_equal(rc, 0);
            exps[n++] = now + ((fresh - 1) % 1000) + CPC_AUTH_WINDOW_MS;
            accepted++;
        }
        assert_int_equal(accepted, CAP - live);
    }
    cpc_worker_auth_free(a);
    cpc_signer_free(s);
}

/* The node's clock steps back after an entry left the cache: the request is
 * judged on the cache's clock (never backwards) and refused as stale, not
 * accepted a second time. */
static void test_clock_steps_back(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct cpc_key k;
    fixed_key(&k, s, 15);
    struct cpc_worker_auth *a = cpc_worker_auth_new(0);
    struct cpc_err err = {0};
    uint64_t t = 1700000000000;
    struct cpc_req_sig x, y;
    sign_at(&x, s, &k, t);
    sign_at(&y, s, &k, t + CPC_AUTH_WINDOW_MS + 1);
    assert_int_equal(check_at(a, &x, t, &err), 0);
    assert_int_equal(check_at(a, &y, t + CPC_AUTH_WINDOW_MS + 1, &err), 0); /* x leaves */
    assert_int_equal(check_at(a, &x, t + 1000, &err), CPC_ERR_UNAUTHORIZED);
    assert_string_equal(err.msg, "stale timestamp: 1700000000000 is 60001 ms away from the "
                                 "node's clock (window +-60000 ms)");
    cpc_worker_auth_free(a);
    cpc_signer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_vectors),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_identical_requests_ms_apart),
        cmocka_unit_test(test_replay_cache_bound),
        cmocka_unit_test(test_expiry_by_timestamp),
        cmocka_unit_test(test_expiry_model),
        cmocka_unit_test(test_clock_steps_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
