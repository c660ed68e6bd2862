/* test_node_wallet.c — platform accounts: the ledger link. The custodial
 * account is made on first use and stays the same, its secret key is sealed
 * at rest (opened here with the platform key to prove it is the address's
 * key and to grep for it) and never answered nor logged; a challenge is
 * single use and expires after 10 minutes (the injectable clock moves); a
 * link needs a low-S signature over
 * SHA-256("cpc-link" || challenge || address) by the key of the address and
 * is refused with a wrong key, a wrong address, a reused, expired or
 * foreign challenge and a high-S signature. Real HTTP to a real node.
 */
#include "node_apikey_http.h"

#include "core/hex.h"
#include "core/keys.h"
#include "platform/routes_wallet.h"

struct kp {
    uint8_t sk[32], pub[33];
    char addr[CPC_ADDR_STR_MAX], pubhex[67];
};

static void kp_new(struct kp *k)
{
    do
        randombytes_buf(k->sk, 32);
    while (cpc_seckey_check(k->sk) != 0);
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    assert_int_equal(cpc_pubkey_from_seckey(s, k->pub, k->sk), 0);
    cpc_signer_free(s);
    assert_int_equal(cpc_pubkey_address(k->addr, k->pub), 0);
    cpc_hex_encode(k->pubhex, k->pub, 33);
}

/* Hex of the link signature by k over (challenge, address). */
static void link_sig(const struct kp *k, const char *challenge, const char *address,
                     char out[129])
{
    uint8_t d[32], sig[64];
    cpc_wallet_link_digest(d, challenge, address);
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_sign(s, sig, d, k->sk), 0);
    cpc_signer_free(s);
    cpc_hex_encode(out, sig, 64);
}

/* s := n - s of a hex signature (the high-S twin, still a valid ECDSA signature). */
static void make_high_s(char sighex[129])
{
    static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                  0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    uint8_t sig[64];
    assert_int_equal(cpc_hex_decode_exact(sig, 64, sighex), 0);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int v = n[i] - sig[32 + i] - borrow;
        borrow = v < 0;
        sig[32 + i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    cpc_hex_encode(sighex, sig, 64);
}

static void challenge(struct fixture *f, const char *tok, char out[65])
{
    expect(f, req_bearer(f, "POST", "/me/wallet/challenge", NULL, tok, NULL), 200, NULL);
    assert_int_equal(strlen(str(f->last, "challenge")), 64);
    assert_int_equal(json_integer_value(json_object_get(f->last, "expires_in")), 600);
    snprintf(out, 65, "%s", str(f->last, "challenge"));
}

static long do_link(struct fixture *f, const char *tok, const char *addr, const char *pubhex,
                 const char *sig, const char *chal)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"address\":\"%s\",\"pubkey\":\"%s\",\"signature\":\"%s\",\"challenge\":\"%s\"}",
             addr, pubhex, sig, chal);
    return req_bearer(f, "POST", "/me/wallet/link", body, tok, NULL);
}

/* Open the user's sealed custodial key with the platform's wallet key. */
static void open_custodial(struct fixture *f, int64_t user, uint8_t sk[32])
{
    struct cpc_pwallet w;
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_wallet_get(f->node.platform->store, user, &w, &err), 0);
    char ad[40];
    int adn = snprintf(ad, sizeof ad, "cpc-wallet:%lld", (long long)user);
    assert_int_equal(w.sealed_len, 24 + 32 + 16);
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
                         sk, NULL, NULL, w.sealed_key + 24, w.sealed_len - 24,
                         (const uint8_t *)ad, (size_t)adn, w.sealed_key, f->node.platform->wallet_key),
                     0);
    /* bound to the user: another user id does not open it */
    uint8_t other[32];
    assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
                             other, NULL, NULL, w.sealed_key + 24, w.sealed_len - 24,
                             (const uint8_t *)"cpc-wallet:999", 14, w.sealed_key,
                             f->node.platform->wallet_key),
                         0);
}

static void test_custodial(void **state)
{
    struct fixture *f = *state;
    int saved = log_capture(f);
    char a1[2048], b1[2048], addr[CPC_ADDR_STR_MAX];
    access_of(f, "wil@example.com", a1);
    access_of(f, "zoe@example.com", b1);
    expect(f, req_bearer(f, "GET", "/me/wallet", NULL, a1, NULL), 200, NULL);
    snprintf(addr, sizeof addr, "%s", str(f->last, "address"));
    assert_memory_equal(addr, "cpc1", 4);
    assert_true(json_is_true(json_object_get(f->last, "custodial")));
    assert_int_equal(json_integer_value(json_object_get(f->last, "balance")), 0);
    /* exactly these fields (nothing of the key): address, custodial, balance(_cpc), nonce and
     * the daily send limit's (null here: no limit set) */
    static const char *const fields[] = {"address", "custodial", "balance", "balance_cpc",
                                         "nonce", "send_limit", "send_limit_cpc",
                                         "send_remaining", "send_remaining_cpc", "send_frees_ms"};
    assert_int_equal(json_object_size(f->last), sizeof fields / sizeof *fields);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        assert_non_null(json_object_get(f->last, fields[i]));
    assert_true(json_is_null(json_object_get(f->last, "send_limit")));
    int64_t uid = 0;
    expect(f, req_bearer(f, "GET", "/me", NULL, a1, NULL), 200, NULL);
    uid = json_integer_value(json_object_get(f->last, "id"));
    expect(f, req_bearer(f, "GET", "/me/wallet", NULL, a1, NULL), 200, NULL);
    assert_string_equal(str(f->last, "address"), addr); /* stable */
    expect(f, req_bearer(f, "GET", "/me/wallet", NULL, b1, NULL), 200, NULL);
    assert_string_not_equal(str(f->last, "address"), addr);
    expect(f, req_hdr(f, "GET", "/me/wallet", NULL, NULL, NULL), 401, "invalid_token");
    assert_true(audit_has(f, "wallet_created"));
    /* a read key sees the wallet but cannot link */
    expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"r\",\"scopes\":[\"read\"]}", a1, NULL),
           201, NULL);
    char key[48];
    snprintf(key, sizeof key, "%s", str(f->last, "key"));
    expect(f, req_bearer(f, "GET", "/me/wallet", NULL, key, NULL), 200, NULL);
    assert_string_equal(str(f->last, "address"), addr);
    expect(f, req_bearer(f, "POST", "/me/wallet/challenge", NULL, key, NULL), 403,
           "insufficient_scope");
    log_restore(saved);

    /* the sealed key is the address's key, and it is nowhere in clear */
    uint8_t sk[32], pub[33];
    open_custodial(f, uid, sk);
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_pubkey_from_seckey(s, pub, sk), 0);
    cpc_signer_free(s);
    char derived[CPC_ADDR_STR_MAX], skhex[65];
    assert_int_equal(cpc_pubkey_address(derived, pub), 0);
    assert_string_equal(derived, addr);
    cpc_hex_encode(skhex, sk, 32);
    if (at_rest(f, sk, 32, 0) || at_rest(f, skhex, 64, 0))
        fail_msg("the custodial secret key is at rest in clear");
    for (char *c = skhex; *c; c++)
        *c = (char)(*c >= 'a' ? *c - 32 : *c);
    if (at_rest(f, skhex, 64, 0))
        fail_msg("the custodial secret key (upper hex) is at rest");
    assert_true(at_rest(f, addr, strlen(addr), 1)); /* positive control */
}

static void test_link(void **state)
{
    struct fixture *f = *state;
    int saved = log_capture(f);
    char a1[2048], b1[2048], c[65], c2[65], cb[65], sig[129], bad[129];
    access_of(f, "max@example.com", a1);
    access_of(f, "ned@example.com", b1);
    struct kp mine, other;
    kp_new(&mine);
    kp_new(&other);
    challenge(f, a1, c);

    /* wrong key: a valid signature by another key, with my pubkey and address */
    link_sig(&other, c, mine.addr, bad);
    expect(f, do_link(f, a1, mine.addr, mine.pubhex, bad, c), 400, "bad_signature");
    /* wrong address: my pubkey does not hash to the other address */
    link_sig(&mine, c, other.addr, bad);
    expect(f, do_link(f, a1, other.addr, mine.pubhex, bad, c), 400, "pubkey_mismatch");
    /* signature over another address */
    link_sig(&mine, c, other.addr, bad);
    expect(f, do_link(f, a1, mine.addr, mine.pubhex, bad, c), 400, "bad_signature");
    /* high-S twin of a good signature */
    link_sig(&mine, c, mine.addr, sig);
    snprintf(bad, sizeof bad, "%s", sig);
    make_high_s(bad);
    expect(f, do_link(f, a1, mine.addr, mine.pubhex, bad, c), 400, "high_s");
    /* someone else's challenge */
    challenge(f, b1, cb);
    link_sig(&mine, cb, mine.addr, bad);
    expect(f, do_link(f, a1, mine.addr, mine.pubhex, bad, cb), 400, "invalid_challenge");
    /* a made-up challenge */
    char fake[65];
    memset(fake, 'a', 64);
    fake[64] = 0;
    link_sig(&mine, fake, mine.addr, bad);
    expect(f, do_link(f, a1, mine.addr, mine.pubhex, bad, fake), 400, "invalid_challenge");

    /* the good one: refusals did not spend the challenge */
    expect(f, do_link(f, a1, mine.addr, mine.pubhex, sig, c), 200, NULL);
    assert_string_equal(str(f->last, "address"), mine.addr);
    assert_true(json_is_false(json_object_get(f->last, "custodial")));
    assert_true(audit_has(f, "wallet_linked"));
    expect(f, req_bearer(f, "GET", "/me/wallet", NULL, a1, NULL), 200, NULL);
    assert_string_equal(str(f->last, "address"), mine.addr);
    assert_true(json_is_false(json_object_get(f->last, "custodial")));
    /* single use */
    expect(f, do_link(f, a1, mine.addr, mine.pubhex, sig, c), 400, "invalid_challenge");
    /* expiry: 10 minutes */
    challenge(f, a1, c2);
    link_sig(&other, c2, other.addr, sig);
    advance(f, 10u * 60u * 1000u + 1000u);
    expect(f, do_link(f, a1, other.addr, other.pubhex, sig, c2), 400, "invalid_challenge");
    json_t *j = NULL; /* the access token has expired meanwhile: sign in again */
    assert_int_equal(login(f, "max@example.com", PW, NULL, &j), 200);
    snprintf(a1, sizeof a1, "%s", str(j, "access_token"));
    json_decref(j);
    challenge(f, a1, c2);
    advance(f, 9u * 60u * 1000u);
    link_sig(&other, c2, other.addr, sig);
    expect(f, do_link(f, a1, other.addr, other.pubhex, sig, c2), 200, NULL);
    expect(f, req_bearer(f, "GET", "/me/wallet", NULL, a1, NULL), 200, NULL);
    assert_string_equal(str(f->last, "address"), other.addr);
    log_restore(saved);
    /* challenges are stored hashed only */
    if (at_rest(f, c, 64, 0) || at_rest(f, c2, 64, 0) || at_rest(f, cb, 64, 0))
        fail_msg("a challenge is at rest in clear");
    assert_true(at_rest(f, other.addr, strlen(other.addr), 1)); /* positive control */
}

static void test_link_bad_bodies(void **state)
{
    struct fixture *f = *state;
    char a1[2048], c[65], sig[129];
    access_of(f, "oli@example.com", a1);
    struct kp k;
    kp_new(&k);
    challenge(f, a1, c);
    link_sig(&k, c, k.addr, sig);
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(c[i] >= 'a' && c[i] <= 'f' ? c[i] - 32 : c[i]);
    expect(f, do_link(f, a1, "cpc1notanaddress", k.pubhex, sig, c), 400, "invalid_address");
    expect(f, do_link(f, a1, k.addr, "02abcd", sig, c), 400, "invalid_pubkey");
    char badpub[67];
    snprintf(badpub, sizeof badpub, "05%s", k.pubhex + 2);
    expect(f, do_link(f, a1, k.addr, badpub, sig, c), 400, "invalid_pubkey");
    expect(f, do_link(f, a1, k.addr, k.pubhex, "00", c), 400, "invalid_signature");
    expect(f, do_link(f, a1, k.addr, k.pubhex, sig, "abc"), 400, "invalid_challenge");
    expect(f, do_link(f, a1, k.addr, k.pubhex, sig, upper), 400, "invalid_challenge");
    expect(f, req_bearer(f, "POST", "/me/wallet/link", "{\"address\":\"x\"}", a1, NULL), 400,
           "invalid_argument");
    expect(f, req_bearer(f, "POST", "/me/wallet/link", "nope", a1, NULL), 400, "invalid_json");
    expect(f, req_bearer(f, "POST", "/me/wallet/link", NULL, a1, NULL), 400, "invalid_json");
    /* still usable after all that */
    expect(f, do_link(f, a1, k.addr, k.pubhex, sig, c), 200, NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_custodial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_bad_bodies, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
