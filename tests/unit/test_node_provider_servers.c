/* test_node_provider_servers.c — the providers' cabinet of GPU servers over
 * real HTTP to a real node (node_servers_fixture.h): a provider adds, lists,
 * reads, updates and deletes servers up to [platform] max_servers_per_user;
 * a customer is refused (403); another provider cannot see, change or delete
 * them (404); every bad field of the body answers its own 4xx and stores
 * nothing; a cpc-worker is bound with its signature (a bad one is refused
 * with the reason) and the server's status follows the worker's signed
 * heartbeats: offline, online after one, offline again once the scheduler's
 * clock passes the heartbeat timeout (moved, not slept). A provider's API
 * keys act within their scopes (read: GETs, account: writes), and
 * [platform] max_servers_per_user takes 1..10000 only. */
#include "node_servers_fixture.h"

#include "tmpdir_fixture.h"

static int setup3(void **state) { return servers_setup_with(state, "max_servers_per_user = 3\n"); }

static json_int_t num(json_t *j, const char *k)
{
    return json_integer_value(json_object_get(j, k));
}

static void test_crud_and_owners(void **state)
{
    struct fixture *f = *state;
    char a[2048], b[2048], cust[2048], id[3][37], path[96];
    provider_up(f, "a@example.com", a);
    server_add(f, a, server_body("A1", "RTX 4090", 2, 24, 1000, "DE", "Berlin"), id[0]);
    server_add(f, a, server_body("A2", "H100 80GB", 8, 80, 5000, "US", "New York"), id[1]);
    server_add(f, a, server_body("A3", "L40S", 1, 48, 333, "FI", ""), id[2]);
    /* the fourth is over max_servers_per_user = 3 */
    expect(f, call(f, "POST", "/provider/servers", server_body("A4", "T4", 1, 16, 10, "DE", ""), a,
                   NULL),
           409, "too_many_servers");
    json_t *j = NULL;
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, a, NULL, &j), 200, NULL);
    json_t *arr = json_object_get(j, "servers");
    assert_int_equal(json_array_size(arr), 3);
    assert_int_equal(num(j, "max_servers"), 3);
    json_t *s0 = json_array_get(arr, 0);
    assert_string_equal(str(s0, "id"), id[0]);
    assert_string_equal(str(s0, "host"), "gpu1.example.com");
    assert_int_equal(num(s0, "ssh_port_min"), 22000);
    assert_int_equal(num(s0, "price_per_gpu_hour"), 1000);
    assert_int_equal(num(s0, "price_per_hour"), 2200); /* 2 x 1000 + 10% */
    assert_int_equal(num(s0, "score"), 340);           /* RTX 4090: 170 per GPU */
    assert_string_equal(str(s0, "status"), "offline");
    assert_true(json_is_null(json_object_get(s0, "worker")));
    assert_null(json_object_get(s0, "owner"));
    assert_int_equal(num(json_array_get(arr, 2), "price_per_hour"), 366); /* 333 + 33 */
    json_decref(j);
    /* read one, update two fields, read it back */
    snprintf(path, sizeof path, "/provider/servers/%s", id[1]);
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "gpu_model"), "H100 80GB");
    assert_int_equal(num(j, "price_per_hour"), 44000);
    json_decref(j);
    expect(f, http_ex(f, "PUT", path, "{\"price_per_gpu_hour\":4000,\"city\":\"Boston\"}", a, NULL,
                      &j),
           200, NULL);
    assert_int_equal(num(j, "price_per_hour"), 35200);
    json_decref(j);
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "city"), "Boston");
    assert_int_equal(num(j, "price_per_gpu_hour"), 4000);
    assert_int_equal(num(j, "gpu_count"), 8); /* untouched */
    json_decref(j);
    /* a bad field in an update changes nothing */
    expect(f, http_ex(f, "PUT", path, "{\"city\":\"Paris\",\"gpu_count\":99}", a, NULL, NULL), 400,
           "invalid_gpu_count");
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "city"), "Boston");
    json_decref(j);

    /* a customer is not a provider */
    advance(f, 61000);
    j = signup_login(f, "c@example.com", PW);
    snprintf(cust, sizeof cust, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, cust, NULL, NULL), 403, "forbidden");
    expect(f, http_ex(f, "GET", path, NULL, cust, NULL, NULL), 403, "forbidden");
    expect(f, call(f, "POST", "/provider/servers", server_body("C", "T4", 1, 16, 10, "DE", ""),
                   cust, NULL),
           403, "forbidden");
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, NULL, NULL, NULL), 401, NULL);

    /* another provider sees none of them and can change none */
    provider_up(f, "b@example.com", b);
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, b, NULL, &j), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "servers")), 0);
    json_decref(j);
    expect(f, http_ex(f, "GET", path, NULL, b, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "PUT", path, "{\"price_per_gpu_hour\":1}", b, NULL, NULL), 404,
           "not_found");
    expect(f, http_ex(f, "DELETE", path, NULL, b, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_int_equal(num(j, "price_per_gpu_hour"), 4000);
    json_decref(j);

    /* delete: gone for its owner, a second delete is 404, and the slot is free again */
    expect(f, http_ex(f, "DELETE", path, NULL, a, NULL, &j), 200, NULL);
    assert_true(json_is_true(json_object_get(j, "deleted")));
    json_decref(j);
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "DELETE", path, NULL, a, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", "/provider/servers/not-a-uuid", NULL, a, NULL, NULL), 404,
           "not_found");
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, a, NULL, &j), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "servers")), 2);
    json_decref(j);
    char again[37];
    server_add(f, a, server_body("A5", "T4", 1, 16, 10, "DE", ""), again);
    assert_true(audit_has(f, "server_added"));
    assert_true(audit_has(f, "server_deleted"));
}

struct bad_case {
    const char *key;  /* the field set (or removed, with value NULL) */
    const char *json; /* its value as JSON; NULL removes key */
    const char *code;
};

static const struct bad_case BAD[] = {
    {"gpu_modle", "\"RTX 4090\"", "unknown_field"},
    {"gpu_model", "\"GTX 1080\"", "invalid_gpu_model"},
    {"gpu_model", "4090", "invalid_gpu_model"},
    {"gpu_count", "0", "invalid_gpu_count"},
    {"gpu_count", "17", "invalid_gpu_count"},
    {"gpu_count", "\"2\"", "invalid_gpu_count"},
    {"gpu_count", "1.5", "invalid_gpu_count"},
    {"vram_gb", "0", "invalid_vram_gb"},
    {"vram_gb", "257", "invalid_vram_gb"},
    {"cuda_cores", "-1", "invalid_cuda_cores"},
    {"cpu", "\"EPYC\\u0001\"", "invalid_cpu"},
    {"ram_gb", "0", "invalid_ram_gb"},
    {"disk_gb", "null", "invalid_disk_gb"},
    {"host", "\"gpu host\"", "invalid_host"},
    {"host", "\"\"", "invalid_host"},
    {"host", "\"-x.example.com\"", "invalid_host"},
    {"ssh_port_min", "0", "invalid_ssh_port_min"},
    {"ssh_port_max", "65536", "invalid_ssh_port_max"},
    {"ssh_port_min", "22100", "invalid_ssh_ports"},  /* above ssh_port_max 22099 */
    {"ssh_port_max", "23000", "invalid_ssh_ports"},  /* 1001 ports */
    {"country", "\"XX\"", "invalid_country"},
    {"country", "\"de\"", "invalid_country"},
    {"country", "\"DEU\"", "invalid_country"},
    {"city", "\"Ber\\nlin\"", "invalid_city"},
    {"price_per_gpu_hour", "0", "invalid_price_per_gpu_hour"},
    {"price_per_gpu_hour", "-5", "invalid_price_per_gpu_hour"},
    {"price_per_gpu_hour", "10000000000001", "invalid_price_per_gpu_hour"},
    {"price_per_gpu_hour", "\"100\"", "invalid_price_per_gpu_hour"},
    {"worker", "null", "invalid_worker"}, /* bound only once the server has an id */
    {"host", NULL, "missing_field"},
    {"price_per_gpu_hour", NULL, "missing_field"},
};

static void test_bad_fields(void **state)
{
    struct fixture *f = *state;
    char a[2048];
    provider_up(f, "a@example.com", a);
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        json_t *body = server_body("X", "RTX 4090", 1, 24, 100, "DE", "Berlin");
        if (BAD[i].json) {
            json_error_t je;
            json_t *v = json_loads(BAD[i].json, JSON_DECODE_ANY, &je);
            assert_non_null(v);
            json_object_set_new(body, BAD[i].key, v);
        } else {
            json_object_del(body, BAD[i].key);
        }
        long st = call(f, "POST", "/provider/servers", body, a, NULL);
        if (st != 400 || !err_code(f->last) || strcmp(err_code(f->last), BAD[i].code) != 0)
            fail_msg("case %zu (%s = %s): got %ld %s, want 400 %s", i, BAD[i].key,
                     BAD[i].json ? BAD[i].json : "(removed)", st,
                     err_code(f->last) ? err_code(f->last) : "", BAD[i].code);
        assert_non_null(err_msg(f->last));
        assert_true(strlen(err_msg(f->last)) > 10);
    }
    /* not JSON, not an object */
    expect(f, http_ex(f, "POST", "/provider/servers", "{\"gpu_model\":", a, NULL, NULL), 400,
           "invalid_json");
    expect(f, http_ex(f, "POST", "/provider/servers", "[1]", a, NULL, NULL), 400,
           "invalid_argument");
    /* the edges that are allowed: 16 GPUs, 256 GB, 1000 ports, the price cap, an IPv6 host */
    json_t *edge = server_body("E", "H100 80GB", 16, 256, 10000000000000LL, "JP", "Tokyo");
    json_object_set_new(edge, "ssh_port_min", json_integer(1));
    json_object_set_new(edge, "ssh_port_max", json_integer(1000));
    json_object_set_new(edge, "host", json_string("2001:db8::1"));
    char id[37];
    server_add(f, a, edge, id);
    json_t *j = NULL;
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, a, NULL, &j), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "servers")), 1); /* nothing else stored */
    json_t *s = json_array_get(json_object_get(j, "servers"), 0);
    assert_int_equal(num(s, "price_per_hour"), 176000000000000LL); /* 16 x 10^13 + 10% */
    json_decref(j);
}

static void test_worker_binding_and_status(void **state)
{
    struct fixture *f = *state;
    char a[2048], b[2048], ida[37], ida2[37], idb[37], path[96], patha2[96], pathb[96];
    char addr[CPC_ADDR_STR_MAX];
    int64_t uid_a = provider_up(f, "a@example.com", a);
    int64_t uid_b = provider_up(f, "b@example.com", b);
    server_add(f, a, server_body("A1", "RTX 4090", 2, 24, 1000, "DE", "Berlin"), ida);
    server_add(f, a, server_body("A2", "RTX 4090", 1, 24, 1000, "DE", "Berlin"), ida2);
    server_add(f, b, server_body("B1", "RTX 4090", 1, 24, 1000, "DE", "Berlin"), idb);
    snprintf(path, sizeof path, "/provider/servers/%s", ida);
    snprintf(patha2, sizeof patha2, "/provider/servers/%s", ida2);
    snprintf(pathb, sizeof pathb, "/provider/servers/%s", idb);
    struct cpc_key wk, other;
    worker_up(f, "worker", &wk);
    worker_up(f, "other", &other);
    worker_address(&wk, addr);
    advance(f, 31000); /* registration counts as being heard from: let that pass */

    /* bad bindings: signed for another owner, another server, by another key, malformed */
    expect(f, call(f, "PUT", path, bind_body(&wk, ida, uid_b), a, NULL), 400, "bad_signature");
    assert_non_null(strstr(err_msg(f->last), "cpc-server-bind"));
    expect(f, call(f, "PUT", path, bind_body(&wk, ida2, uid_a), a, NULL), 400, "bad_signature");
    json_t *wrong = bind_body(&other, ida, uid_a);
    json_object_set_new(json_object_get(wrong, "worker"), "address", json_string(addr));
    expect(f, call(f, "PUT", path, wrong, a, NULL), 400, "pubkey_mismatch");
    json_t *flipped = bind_body(&wk, ida, uid_a);
    char sig[2 * CPC_SIG_LEN + 1];
    snprintf(sig, sizeof sig, "%s", str(json_object_get(flipped, "worker"), "signature"));
    sig[10] = sig[10] == '0' ? '1' : '0';
    json_object_set_new(json_object_get(flipped, "worker"), "signature", json_string(sig));
    expect(f, call(f, "PUT", path, flipped, a, NULL), 400, "bad_signature");
    expect(f, http_ex(f, "PUT", path, "{\"worker\":{\"address\":\"x\"}}", a, NULL, NULL), 400,
           "invalid_worker");
    json_t *j = NULL;
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_true(json_is_null(json_object_get(j, "worker")));
    json_decref(j);

    /* the good one: bound, still offline until the worker is heard from */
    expect(f, call(f, "PUT", path, bind_body(&wk, ida, uid_a), a, &j), 200, NULL);
    assert_string_equal(str(j, "worker"), addr);
    assert_string_equal(str(j, "status"), "offline");
    json_decref(j);
    /* provider B cannot replay it onto B's server; A cannot bind the worker twice */
    expect(f, call(f, "PUT", pathb, bind_body(&wk, ida, uid_a), b, NULL), 400, "bad_signature");
    expect(f, call(f, "PUT", patha2, bind_body(&wk, ida2, uid_a), a, NULL), 409, "worker_bound");

    heartbeat(f, &wk);
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "status"), "online");
    json_decref(j);
    char gpath[96];
    snprintf(gpath, sizeof gpath, "/market/gpu/%s", ida);
    expect(f, http_ex(f, "GET", gpath, NULL, b, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "status"), "online");
    assert_null(json_object_get(j, "worker")); /* the catalogue does not name it */
    json_decref(j);
    /* 28 s later still online; past the 30 s timeout (3 missed beats) offline */
    advance(f, 28000);
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "status"), "online");
    json_decref(j);
    advance(f, 3000);
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "status"), "offline");
    json_decref(j);
    heartbeat(f, &wk);
    expect(f, http_ex(f, "GET", path, NULL, a, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "status"), "online");
    json_decref(j);
    /* unbind: offline whatever the worker does */
    expect(f, http_ex(f, "PUT", path, "{\"worker\":null}", a, NULL, &j), 200, NULL);
    assert_true(json_is_null(json_object_get(j, "worker")));
    assert_string_equal(str(j, "status"), "offline");
    json_decref(j);
    assert_true(audit_has(f, "server_bound"));
    assert_true(audit_has(f, "server_unbound"));
    /* and the worker may now serve A's other server */
    expect(f, call(f, "PUT", patha2, bind_body(&wk, ida2, uid_a), a, &j), 200, NULL);
    assert_string_equal(str(j, "status"), "online");
    json_decref(j);
    sodium_memzero(&wk, sizeof wk);
    sodium_memzero(&other, sizeof other);
}

/* A provider's API keys: read lists and reads, account writes; each only its own scope. */
static void test_api_keys(void **state)
{
    struct fixture *f = *state;
    char a[2048], rkey[96], wkey[96], id[37], path[96];
    provider_up(f, "a@example.com", a);
    json_t *j = NULL;
    expect(f,
           http_ex(f, "POST", "/api-keys", "{\"name\":\"r\",\"scopes\":[\"read\"]}", a, NULL, &j),
           201, NULL);
    snprintf(rkey, sizeof rkey, "%s", str(j, "key"));
    json_decref(j);
    expect(f, http_ex(f, "POST", "/api-keys", "{\"name\":\"w\",\"scopes\":[\"account\"]}", a, NULL,
                      &j),
           201, NULL);
    snprintf(wkey, sizeof wkey, "%s", str(j, "key"));
    json_decref(j);
    server_add(f, wkey, server_body("K1", "L4", 1, 24, 50, "NL", "Amsterdam"), id);
    snprintf(path, sizeof path, "/provider/servers/%s", id);
    expect(f, call(f, "POST", "/provider/servers", server_body("K2", "L4", 1, 24, 50, "NL", ""),
                   rkey, NULL),
           403, "insufficient_scope");
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, rkey, NULL, &j), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "servers")), 1);
    json_decref(j);
    expect(f, http_ex(f, "GET", path, NULL, wkey, NULL, NULL), 403, "insufficient_scope");
    expect(f, http_ex(f, "PUT", path, "{\"city\":\"Utrecht\"}", rkey, NULL, NULL), 403,
           "insufficient_scope");
    expect(f, http_ex(f, "PUT", path, "{\"city\":\"Utrecht\"}", wkey, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "city"), "Utrecht");
    json_decref(j);
    expect(f, http_ex(f, "GET", "/market/gpu", NULL, rkey, NULL, &j), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "servers")), 1);
    json_decref(j);
    expect(f, http_ex(f, "DELETE", path, NULL, rkey, NULL, NULL), 403, "insufficient_scope");
    expect(f, http_ex(f, "DELETE", path, NULL, wkey, NULL, NULL), 200, NULL);
}

/* [platform] max_servers_per_user: 1..10000, default 100; anything else stops the node. */
static void test_max_servers_setting(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(f->node.platform->max_servers_per_user, 3);
    static const struct {
        const char *line;
        int ok;
        uint32_t want;
    } cases[] = {{"", 1, 100},
                 {"max_servers_per_user = 1\n", 1, 1},
                 {"max_servers_per_user = 10000\n", 1, 10000},
                 {"max_servers_per_user = 0\n", 0, 0},
                 {"max_servers_per_user = 10001\n", 0, 0},
                 {"max_servers_per_user = many\n", 0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char home[256], conf[160], db[400];
        snprintf(conf, sizeof conf,
                 "\n[platform]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\n%s", cases[i].line);
        nt_home_new(home, "/tmp/cpc-srvcfg-XXXXXX", "servers-config", conf);
        snprintf(db, sizeof db, "%s/data/chain.db", home);
        struct cpc_platform *p = NULL;
        struct cpc_err err = {0};
        int rc = cpc_platform_new(&p, home, db, &err);
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(p->max_servers_per_user, cases[i].want);
        } else {
            assert_int_not_equal(rc, 0);
            assert_non_null(strstr(err.msg, "max_servers_per_user"));
        }
        cpc_platform_free(p);
        tmpdir_remove(home);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud_and_owners, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_bad_fields, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_worker_binding_and_status, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_api_keys, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_max_servers_setting, setup3, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
