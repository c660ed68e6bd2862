/* test_node_blobs_token.c — blob uploads by platform users (blobs.h): an
 * access token or an API key with the `jobs` scope stores a blob charged to
 * the user's wallet address; a key without that scope is refused, and so is
 * a user whose wallet holds less than [blobs] min_balance. Real HTTP to a
 * real node (node_auth_fixture.h, node_apikey_http.h); test_node_blobs.c has
 * signed requests, quotas and the collector. */
#include "node_apikey_http.h"

#include "core/hash.h"
#include "core/hex.h"
#include "store/store_blobs.h"

static int setup_free(void **state) { return setup_with(state, "\n[blobs]\nmin_balance = 0\n"); }

static void blob_url(const char *data, char url[96])
{
    uint8_t h[32];
    char hex[65];
    cpc_sha256(h, data, strlen(data));
    cpc_hex_encode(hex, h, 32);
    snprintf(url, 96, "/blobs/%s", hex);
}

static void wallet_of(struct fixture *f, const char *tok, char addr[CPC_ADDR_STR_MAX])
{
    expect(f, req_bearer(f, "GET", "/me/wallet", NULL, tok, NULL), 200, NULL);
    snprintf(addr, CPC_ADDR_STR_MAX, "%s", str(f->last, "address"));
    assert_int_equal(strncmp(addr, "cpc1", 4), 0);
}

static void test_token_and_api_key_uploads(void **state)
{
    struct fixture *f = *state;
    struct cpc_err err = {0};
    char tok[2048], addr[CPC_ADDR_STR_MAX], url[96], line[128];
    access_of(f, "ann@example.com", tok);
    wallet_of(f, tok, addr);

    static const char a[] = "#!/bin/sh\necho from a token\n", b[] = "input from an API key\n",
                      c[] = "not stored\n";
    blob_url(a, url);
    expect(f, req_hdr(f, "PUT", url, a, NULL, NULL), 401, "unauthorized");
    expect(f, req_bearer(f, "PUT", url, a, tok, NULL), 201, NULL);
    assert_string_equal(str(f->last, "uploader"), addr);

    expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"jobs\",\"scopes\":[\"jobs\"]}", tok,
                         NULL),
           201, NULL);
    snprintf(line, sizeof line, "X-API-Key: %s", str(f->last, "key"));
    blob_url(b, url);
    expect(f, req_hdr(f, "PUT", url, b, line, NULL), 201, NULL);
    assert_string_equal(str(f->last, "uploader"), addr);

    expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"ro\",\"scopes\":[\"read\"]}", tok,
                         NULL),
           201, NULL);
    snprintf(line, sizeof line, "X-API-Key: %s", str(f->last, "key"));
    blob_url(c, url);
    expect(f, req_hdr(f, "PUT", url, c, line, NULL), 403, "insufficient_scope");

    uint64_t bytes = 0, count = 0;
    assert_int_equal(cpc_store_blob_usage(f->node.store, addr, &bytes, &count, &err), 0);
    assert_int_equal(count, 2);
    assert_int_equal(bytes, strlen(a) + strlen(b));
}

static void test_unfunded_user_refused(void **state)
{
    struct fixture *f = *state;
    char tok[2048], url[96];
    static const char a[] = "a user with an empty wallet\n";
    access_of(f, "bob@example.com", tok);
    blob_url(a, url);
    expect(f, req_bearer(f, "PUT", url, a, tok, NULL), 403, "forbidden");
    assert_non_null(strstr(err_msg(f->last), "not a registered worker"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_and_api_key_uploads, setup_free, teardown),
        cmocka_unit_test_setup_teardown(test_unfunded_user_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
