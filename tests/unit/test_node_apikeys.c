/* test_node_apikeys.c — platform accounts: API keys.
 * Create / list / delete (the key is shown once and never listed), Bearer
 * and X-API-Key authentication, wrong and deleted keys (401), another
 * user's key id (404), scopes (403 insufficient_scope, access-token-only
 * routes), IP whitelists (the client connects from 127.0.0.1), strict
 * body validation (CIDRs, scopes, rates), the per-key and per-token rate
 * limits (429 + Retry-After + X-RateLimit-*, recovery when the injectable
 * clock moves a minute) and the database/log grep. Real HTTP to a real node
 * (node_auth_fixture.h, node_apikey_http.h).
 */
#include "node_apikey_http.h"

/* POST /api-keys as tok with body; 201 expected: the key into key (48 bytes), *id. */
static void make_key(struct fixture *f, const char *tok, const char *body, char key[48],
                     int64_t *id)
{
    expect(f, req_bearer(f, "POST", "/api-keys", body, tok, NULL), 201, NULL);
    snprintf(key, 48, "%s", str(f->last, "key"));
    if (id)
        *id = json_integer_value(json_object_get(f->last, "id"));
}

static void test_create_list_delete(void **state)
{
    struct fixture *f = *state;
    char a1[2048], key[48], line[128];
    access_of(f, "kim@example.com", a1);
    int64_t id = 0;
    make_key(f, a1, "{\"name\":\"dc-1\",\"scopes\":[\"read\",\"account\"]}", key, &id);
    assert_int_equal(strlen(key), 47);
    assert_memory_equal(key, "cpc_", 4);
    assert_true(id > 0);
    assert_int_equal(strncmp(str(f->last, "prefix"), key, 12), 0);
    assert_int_equal(strlen(str(f->last, "prefix")), 12);
    assert_int_equal(json_integer_value(json_object_get(f->last, "rate_per_min")), 1000);
    assert_int_equal(json_array_size(json_object_get(f->last, "scopes")), 2);
    assert_int_equal(json_array_size(json_object_get(f->last, "ip_whitelist")), 0);
    assert_true(audit_has(f, "apikey_created"));

    /* listed without the secret, and never again retrievable */
    expect(f, req_bearer(f, "GET", "/api-keys", NULL, a1, NULL), 200, NULL);
    json_t *keys = json_object_get(f->last, "keys");
    assert_int_equal(json_array_size(keys), 1);
    json_t *k0 = json_array_get(keys, 0);
    assert_null(json_object_get(k0, "key"));
    assert_string_equal(str(k0, "name"), "dc-1");
    char *dump = json_dumps(f->last, JSON_COMPACT);
    assert_null(strstr(dump, key));
    assert_null(strstr(dump, key + 12)); /* not even the secret part */
    free(dump);

    /* Bearer and X-API-Key both authenticate as kim */
    expect(f, req_bearer(f, "GET", "/me", NULL, key, NULL), 200, NULL);
    assert_string_equal(str(f->last, "email"), "kim@example.com");
    snprintf(line, sizeof line, "X-API-Key: %s", key);
    expect(f, req_hdr(f, "GET", "/me", NULL, line, NULL), 200, NULL);
    assert_string_equal(str(f->last, "email"), "kim@example.com");

    /* a well-formed unknown key, a malformed one */
    char wrong[48];
    snprintf(wrong, sizeof wrong, "%s", key);
    wrong[20] = wrong[20] == 'A' ? 'B' : 'A';
    expect(f, req_bearer(f, "GET", "/me", NULL, wrong, NULL), 401, "invalid_token");
    snprintf(line, sizeof line, "X-API-Key: %s", wrong);
    expect(f, req_hdr(f, "GET", "/me", NULL, line, NULL), 401, "invalid_token");
    expect(f, req_bearer(f, "GET", "/me", NULL, "cpc_short", NULL), 401, "invalid_token");
    expect(f, req_hdr(f, "GET", "/me", NULL, "X-API-Key: cpc_!!", NULL), 401, "invalid_token");

    /* delete: the key stops at once; deleting again is 404 */
    char path[64];
    snprintf(path, sizeof path, "/api-keys/%lld", (long long)id);
    expect(f, req_bearer(f, "DELETE", path, NULL, a1, NULL), 200, NULL);
    assert_true(json_is_true(json_object_get(f->last, "deleted")));
    assert_true(audit_has(f, "apikey_deleted"));
    expect(f, req_bearer(f, "GET", "/me", NULL, key, NULL), 401, "invalid_token");
    expect(f, req_bearer(f, "DELETE", path, NULL, a1, NULL), 404, "not_found");
    expect(f, req_bearer(f, "DELETE", "/api-keys/abc", NULL, a1, NULL), 400, "invalid_argument");
    expect(f, req_bearer(f, "DELETE", "/api-keys/0", NULL, a1, NULL), 400, "invalid_argument");
    expect(f, req_bearer(f, "GET", "/api-keys", NULL, a1, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "keys")), 0);
    expect(f, req_hdr(f, "GET", "/api-keys", NULL, NULL, NULL), 401, "invalid_token");
}

static void test_bad_bodies(void **state)
{
    struct fixture *f = *state;
    char a1[2048];
    access_of(f, "lou@example.com", a1);
    static const struct {
        const char *body, *code;
    } bad[] = {
        {"{\"scopes\":[\"read\"]}", "invalid_argument"},
        {"{\"name\":\"\",\"scopes\":[\"read\"]}", "invalid_argument"},
        {"{\"name\":\"a\\u0001\",\"scopes\":[\"read\"]}", "invalid_argument"},
        {"{\"name\":\"x\",\"scopes\":[]}", "invalid_scope"},
        {"{\"name\":\"x\",\"scopes\":[\"admin\"]}", "invalid_scope"},
        {"{\"name\":\"x\",\"scopes\":[\"session\"]}", "invalid_scope"},
        {"{\"name\":\"x\",\"scopes\":\"read\"}", "invalid_scope"},
        {"{\"name\":\"x\",\"scopes\":[1]}", "invalid_scope"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"10.0.0.1/8\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"10.0.0.0/33\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"10.0.0.0/08\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"10.0.0.0\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"10.0.0/8\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"010.0.0.0/8\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"fe80::/129\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"::1/-1\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"1.2.3.4/32/1\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":[\" 1.2.3.4/32\"]}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"ip_whitelist\":\"10.0.0.0/8\"}", "invalid_cidr"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"rate_per_min\":0}", "invalid_argument"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"rate_per_min\":100001}", "invalid_argument"},
        {"{\"name\":\"x\",\"scopes\":[\"read\"],\"extra\":1}", "invalid_argument"},
        {"[1]", "invalid_argument"},
        {"{", "invalid_json"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long st = req_bearer(f, "POST", "/api-keys", bad[i].body, a1, NULL);
        if (st != 400)
            fprintf(stderr, "body %zu: %s\n", i, bad[i].body);
        expect(f, st, 400, bad[i].code);
    }
    /* 17 CIDRs is one too many; 16 canonicalised ones are fine */
    char body[2048];
    int n = snprintf(body, sizeof body, "{\"name\":\"many\",\"scopes\":[\"read\"],\"ip_whitelist\":[");
    for (int i = 0; i < 17; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, "%s\"10.%d.0.0/16\"", i ? "," : "", i);
    snprintf(body + n, sizeof body - (size_t)n, "]}");
    expect(f, req_bearer(f, "POST", "/api-keys", body, a1, NULL), 400, "invalid_cidr");
    expect(f, req_bearer(f, "POST", "/api-keys",
                         "{\"name\":\"v6\",\"scopes\":[\"jobs\"],\"ip_whitelist\":"
                         "[\"2001:DB8:0::/32\",\"0.0.0.0/0\",\"::/0\",\"192.168.1.7/32\"],"
                         "\"rate_per_min\":5}",
                         a1, NULL),
           201, NULL);
    json_t *ips = json_object_get(f->last, "ip_whitelist");
    assert_int_equal(json_array_size(ips), 4);
    assert_string_equal(json_string_value(json_array_get(ips, 0)), "2001:db8::/32");
    assert_string_equal(json_string_value(json_array_get(ips, 3)), "192.168.1.7/32");
    assert_int_equal(json_integer_value(json_object_get(f->last, "rate_per_min")), 5);
    /* the per-user cap */
    for (int i = 1; i < 25; i++)
        expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"k\",\"scopes\":[\"read\"]}", a1,
                             NULL),
               201, NULL);
    expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"k\",\"scopes\":[\"read\"]}", a1,
                         NULL),
           409, "too_many_keys");
}

static void test_other_users_key(void **state)
{
    struct fixture *f = *state;
    char a[2048], b[2048], key[48], path[64];
    access_of(f, "ann@example.com", a);
    access_of(f, "bob@example.com", b);
    int64_t id = 0;
    make_key(f, a, "{\"name\":\"a\",\"scopes\":[\"read\"]}", key, &id);
    snprintf(path, sizeof path, "/api-keys/%lld", (long long)id);
    expect(f, req_bearer(f, "DELETE", path, NULL, b, NULL), 404, "not_found");
    expect(f, req_bearer(f, "DELETE", "/api-keys/999999", NULL, b, NULL), 404, "not_found");
    expect(f, req_bearer(f, "GET", "/api-keys", NULL, b, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "keys")), 0);
    expect(f, req_bearer(f, "GET", "/me", NULL, key, NULL), 200, NULL); /* still alive */
    assert_string_equal(str(f->last, "email"), "ann@example.com");
}

static void test_scopes(void **state)
{
    struct fixture *f = *state;
    char a1[2048], rd[48], acct[48], jobs[48];
    access_of(f, "sue@example.com", a1);
    make_key(f, a1, "{\"name\":\"r\",\"scopes\":[\"read\"]}", rd, NULL);
    make_key(f, a1, "{\"name\":\"a\",\"scopes\":[\"account\"]}", acct, NULL);
    make_key(f, a1, "{\"name\":\"j\",\"scopes\":[\"jobs\"]}", jobs, NULL);
    expect(f, req_bearer(f, "GET", "/me", NULL, rd, NULL), 200, NULL);
    expect(f, req_bearer(f, "GET", "/api-keys", NULL, rd, NULL), 403, "insufficient_scope");
    expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"x\",\"scopes\":[\"read\"]}", rd, NULL),
           403, "insufficient_scope");
    expect(f, req_bearer(f, "PATCH", "/me", "{\"display_name\":\"S\"}", rd, NULL), 403,
           "insufficient_scope");
    expect(f, req_bearer(f, "GET", "/me", NULL, acct, NULL), 403, "insufficient_scope");
    expect(f, req_bearer(f, "GET", "/me", NULL, jobs, NULL), 403, "insufficient_scope");
    expect(f, req_bearer(f, "PATCH", "/me", "{\"display_name\":\"S\"}", acct, NULL), 200, NULL);
    /* no key may act where an access token is required, making keys included */
    expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"x\",\"scopes\":[\"read\"]}", acct,
                         NULL),
           403, "insufficient_scope");
    expect(f, req_bearer(f, "POST", "/auth/logout-all", NULL, acct, NULL), 403,
           "insufficient_scope");
    expect(f, req_bearer(f, "POST", "/auth/password/change",
                         "{\"old_password\":\"" PW "\",\"new_password\":\"Another pw 77\"}", acct,
                         NULL),
           403, "insufficient_scope");
    expect(f, req_bearer(f, "POST", "/auth/2fa/setup", NULL, acct, NULL), 403,
           "insufficient_scope");
    expect(f, req_bearer(f, "GET", "/admin/audit", NULL, acct, NULL), 403, "insufficient_scope");
    expect(f, req_bearer(f, "GET", "/me", NULL, a1, NULL), 200, NULL); /* session untouched */
}

/* An API key never manages keys, whatever its scopes: an `account` key
 * cannot mint a `jobs` key (which would spend the custodial wallet through
 * the marketplace), a key with every scope cannot either, and none lists or
 * deletes keys, by Bearer or X-API-Key. The keys stay as they were. */
static void test_keys_cannot_manage_keys(void **state)
{
    struct fixture *f = *state;
    char a1[2048], line[128], path[64];
    char keys[4][48];
    int64_t ids[4];
    static const char *const bodies[4] = {
        "{\"name\":\"r\",\"scopes\":[\"read\"]}",
        "{\"name\":\"j\",\"scopes\":[\"jobs\"]}",
        "{\"name\":\"a\",\"scopes\":[\"account\"]}",
        "{\"name\":\"all\",\"scopes\":[\"read\",\"jobs\",\"account\"]}",
    };
    access_of(f, "max@example.com", a1);
    for (int i = 0; i < 4; i++)
        make_key(f, a1, bodies[i], keys[i], &ids[i]);
    for (int i = 0; i < 4; i++) {
        for (int how = 0; how < 2; how++) {
            snprintf(line, sizeof line, how ? "X-API-Key: %s" : "Authorization: Bearer %s",
                     keys[i]);
            expect(f,
                   req_hdr(f, "POST", "/api-keys",
                           "{\"name\":\"minted\",\"scopes\":[\"jobs\",\"account\"]}", line,
                           NULL),
                   403, "insufficient_scope");
            expect(f, req_hdr(f, "GET", "/api-keys", NULL, line, NULL), 403,
                   "insufficient_scope");
            snprintf(path, sizeof path, "/api-keys/%lld", (long long)ids[(i + 1) % 4]);
            expect(f, req_hdr(f, "DELETE", path, NULL, line, NULL), 403, "insufficient_scope");
            snprintf(path, sizeof path, "/api-keys/%lld", (long long)ids[i]);
            expect(f, req_hdr(f, "DELETE", path, NULL, line, NULL), 403, "insufficient_scope");
        }
    }
    /* nothing was minted or deleted: the owner's session sees the same four keys */
    expect(f, req_bearer(f, "GET", "/api-keys", NULL, a1, NULL), 200, NULL);
    json_t *list = json_object_get(f->last, "keys");
    assert_int_equal(json_array_size(list), 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(list, i), "id")),
                         ids[i]);
    /* and each still works within its scopes: /me takes read (keys 0 and 3) */
    for (int i = 0; i < 4; i++)
        expect(f, req_bearer(f, "GET", "/me", NULL, keys[i], NULL), i % 3 ? 403 : 200,
               i % 3 ? "insufficient_scope" : NULL);
}

static void test_whitelist(void **state)
{
    struct fixture *f = *state;
    char a1[2048], ten[48], loop[48], six[48];
    access_of(f, "ivy@example.com", a1);
    make_key(f, a1, "{\"name\":\"t\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"10.0.0.0/8\"]}",
             ten, NULL);
    make_key(f, a1,
             "{\"name\":\"l\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"127.0.0.0/8\",\"::1/128\"]}",
             loop, NULL);
    make_key(f, a1, "{\"name\":\"s\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"::1/128\"]}", six,
             NULL);
    expect(f, req_bearer(f, "GET", "/me", NULL, ten, NULL), 403, "ip_not_allowed");
    expect(f, req_bearer(f, "GET", "/me", NULL, loop, NULL), 200, NULL);
    expect(f, req_bearer(f, "GET", "/me", NULL, six, NULL), 403, "ip_not_allowed");
}

static void test_rate_limits(void **state)
{
    struct fixture *f = *state;
    char a1[2048], key[48], def[48];
    struct rl_hdrs h;
    access_of(f, "rae@example.com", a1);
    make_key(f, a1, "{\"name\":\"slow\",\"scopes\":[\"read\"],\"rate_per_min\":3}", key, NULL);
    make_key(f, a1, "{\"name\":\"default\",\"scopes\":[\"read\"]}", def, NULL);
    for (int i = 0; i < 3; i++) {
        expect(f, req_bearer(f, "GET", "/me", NULL, key, &h), 200, NULL);
        assert_string_equal(h.limit, "3");
        assert_int_equal(atoi(h.remaining), 2 - i);
        assert_true(strtoull(h.reset, NULL, 10) * 1000u > cpc_platform_now(f->node.platform));
        assert_string_equal(h.retry, "");
    }
    expect(f, req_bearer(f, "GET", "/me", NULL, key, &h), 429, "rate_limited");
    assert_string_equal(h.limit, "3");
    assert_string_equal(h.remaining, "0");
    assert_true(atoi(h.retry) >= 1 && atoi(h.retry) <= 60);
    expect(f, req_bearer(f, "GET", "/me", NULL, def, &h), 200, NULL); /* per key */
    assert_string_equal(h.limit, "1000");
    assert_string_equal(h.remaining, "999");
    advance(f, 60000);
    expect(f, req_bearer(f, "GET", "/me", NULL, key, &h), 200, NULL);
    assert_string_equal(h.remaining, "2");

    /* access tokens: 100 a minute per subject */
    advance(f, 60000);
    for (int i = 0; i < 100; i++) {
        long st = req_bearer(f, "GET", "/me", NULL, a1, &h);
        if (st != 200)
            fprintf(stderr, "token call %d: %ld\n", i, st);
        assert_int_equal(st, 200);
    }
    assert_string_equal(h.limit, "100");
    assert_string_equal(h.remaining, "0");
    expect(f, req_bearer(f, "GET", "/me", NULL, a1, &h), 429, "rate_limited");
    assert_true(atoi(h.retry) >= 1);
    assert_non_null(h.reset[0] ? h.reset : NULL);
    advance(f, 60000);
    expect(f, req_bearer(f, "GET", "/me", NULL, a1, &h), 200, NULL);
    assert_string_equal(h.remaining, "99");
}

static void test_no_api_key_secrets_at_rest(void **state)
{
    struct fixture *f = *state;
    int saved = log_capture(f);
    char a1[2048], key[48], key2[48], line[128];
    access_of(f, "gus@example.com", a1);
    int64_t id = 0;
    make_key(f, a1, "{\"name\":\"grep\",\"scopes\":[\"read\",\"account\"]}", key, &id);
    make_key(f, a1, "{\"name\":\"grep2\",\"scopes\":[\"read\"],\"ip_whitelist\":[\"10.0.0.0/8\"]}",
             key2, NULL);
    expect(f, req_bearer(f, "GET", "/me", NULL, key, NULL), 200, NULL);
    snprintf(line, sizeof line, "X-API-Key: %s", key);
    expect(f, req_hdr(f, "GET", "/me/wallet", NULL, line, NULL), 200, NULL);
    expect(f, req_bearer(f, "GET", "/me", NULL, key2, NULL), 403, "ip_not_allowed");
    char path[64];
    snprintf(path, sizeof path, "/api-keys/%lld", (long long)id);
    expect(f, req_bearer(f, "DELETE", path, NULL, a1, NULL), 200, NULL);
    expect(f, req_bearer(f, "GET", "/me", NULL, key, NULL), 401, "invalid_token");
    log_restore(saved);
    if (at_rest(f, key, strlen(key), 0) || at_rest(f, key + 12, strlen(key) - 12, 0))
        fail_msg("the first API key is at rest");
    if (at_rest(f, key2, strlen(key2), 0) || at_rest(f, key2 + 12, strlen(key2) - 12, 0))
        fail_msg("the second API key is at rest");
    /* positive control: the non-secret prefix is there */
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%.12s", key2);
    assert_true(at_rest(f, prefix, 12, 1));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_list_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_users_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_cannot_manage_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whitelist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_api_key_secrets_at_rest, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
