/* test_node_dc_api.c — the data-center API (routes_dc.c, routes_dc_reports.c)
 * over real HTTP on 127.0.0.1 against a real node (node_servers_fixture.h):
 * only providers get dc keys, whose default rate is 1000 a minute; a dc key
 * outside its whitelist gets 403, over its rate 429 with Retry-After, a key
 * without dc 403. A batch of 1000 servers goes in with one call (its time is
 * printed); a batch with one bad item names that item and creates nothing;
 * list filters and pages; maintenance takes servers out of the catalogue. A
 * rental settled over blocks gives revenue and utilization equal to its chain
 * record to the unit, and a low-balance and a high-temperature alert. A
 * withdrawal through /dc locks funds in the same books as /provider. */
#include "node_apikey_http.h"
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include <sqlite3.h>
#include <time.h>

#include "core/rental.h"

#define CPC 1000000000ULL
#define PRICE 600000001ULL /* per GPU-hour: 10,000,000.02 a minute, rounded up */
#define RATE 10000001ULL
#define SSH_KEY                                                                                \
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"

static int dc_setup(void **state)
{
    return servers_setup_with(state, "max_servers_per_user = 2000\n");
}

static json_int_t ival(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static void make_key(struct fixture *f, const char *tok, const char *body, char key[48])
{
    expect(f, req_bearer(f, "POST", "/api-keys", body, tok, NULL), 201, NULL);
    snprintf(key, 48, "%s", str(f->last, "key"));
}

static long dc(struct fixture *f, const char *method, const char *path, json_t *body,
               const char *key, struct rl_hdrs *h)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    long st = req_bearer(f, method, path, s, key, h);
    free(s);
    return st;
}

static void test_dc_keys(void **state)
{
    struct fixture *f = *state;
    char prov[2048], cust[2048], key[48], ten[48], slow[48], readk[48];
    struct rl_hdrs h;
    provider_up(f, "dc@example.com", prov);
    advance(f, 61000);
    access_of(f, "cust@example.com", cust);
    /* only a provider gets a dc key */
    expect(f, req_bearer(f, "POST", "/api-keys", "{\"name\":\"x\",\"scopes\":[\"dc\"]}", cust,
                         NULL),
           403, "forbidden");
    make_key(f, prov, "{\"name\":\"fleet\",\"scopes\":[\"dc\"]}", key);
    json_t *scopes = json_object_get(f->last, "scopes");
    assert_string_equal(json_string_value(json_array_get(scopes, 0)), "dc");
    assert_int_equal(ival(f->last, "rate_per_min"), 1000);
    expect(f, req_bearer(f, "GET", "/dc/stats", NULL, key, &h), 200, NULL);
    assert_string_equal(h.limit, "1000");
    assert_int_equal(ival(f->last, "servers"), 0);
    /* whitelist, rate, scope */
    make_key(f, prov, "{\"name\":\"t\",\"scopes\":[\"dc\"],\"ip_whitelist\":[\"10.0.0.0/8\"]}",
             ten);
    expect(f, req_bearer(f, "GET", "/dc/servers", NULL, ten, NULL), 403, "ip_not_allowed");
    make_key(f, prov, "{\"name\":\"s\",\"scopes\":[\"dc\"],\"rate_per_min\":2}", slow);
    expect(f, req_bearer(f, "GET", "/dc/servers", NULL, slow, &h), 200, NULL);
    expect(f, req_bearer(f, "GET", "/dc/servers", NULL, slow, &h), 200, NULL);
    expect(f, req_bearer(f, "GET", "/dc/servers", NULL, slow, &h), 429, "rate_limited");
    assert_true(atoi(h.retry) >= 1 && atoi(h.retry) <= 60);
    make_key(f, prov, "{\"name\":\"r\",\"scopes\":[\"read\",\"account\",\"jobs\"]}", readk);
    expect(f, req_bearer(f, "GET", "/dc/servers", NULL, readk, NULL), 403, "insufficient_scope");
    expect(f, req_bearer(f, "GET", "/dc/balance", NULL, readk, NULL), 403, "insufficient_scope");
    expect(f, req_bearer(f, "GET", "/dc/servers", NULL, NULL, NULL), 401, NULL);
    /* and a dc key reaches no other route's scope */
    expect(f, req_bearer(f, "GET", "/me", NULL, key, NULL), 403, "insufficient_scope");
}

static json_t *batch_of(int n, int bad_at)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "node-%04d", i);
        json_t *b = server_body(label, i % 2 ? "RTX 4090" : "A100 80GB", 1 + i % 8, 24,
                                (json_int_t)PRICE, i % 3 ? "DE" : "FI", "Berlin");
        if (i == bad_at)
            json_object_set_new(b, "gpu_count", json_integer(0));
        json_array_append_new(arr, b);
    }
    return json_pack("{s:o}", "servers", arr);
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* The store's part of a batch alone: 1000 rows in one transaction (printed). */
static void store_batch_time(struct fixture *f, int64_t owner)
{
    struct cpc_pserver *rows = calloc(1000, sizeof *rows);
    assert_non_null(rows);
    for (int i = 0; i < 1000; i++) {
        struct cpc_pserver *r = &rows[i];
        snprintf(r->id, sizeof r->id, "00000000-0000-4000-8000-%012d", i);
        r->owner = owner;
        snprintf(r->gpu_model, sizeof r->gpu_model, "RTX 4090");
        r->gpu_count = r->vram_gb = r->ram_gb = r->disk_gb = 1;
        snprintf(r->host, sizeof r->host, "gpu.example.com");
        r->ssh_port_min = r->ssh_port_max = 22;
        snprintf(r->country, sizeof r->country, "DE");
        r->price_per_gpu_hour = r->price_per_hour = 1;
    }
    struct cpc_err err = {0};
    uint64_t t = mono_us();
    assert_int_equal(cpc_pstore_server_add_batch(f->node.platform->store, rows, 1000, 2000, &err),
                     0);
    fprintf(stderr, "dc batch: the store's transaction of 1000 rows: %llu ms\n",
            (unsigned long long)((mono_us() - t) / 1000));
    /* one more passes the cap: nothing goes in */
    snprintf(rows[0].id, sizeof rows[0].id, "00000000-0000-4000-8000-999999999999");
    assert_int_equal(cpc_pstore_server_add_batch(f->node.platform->store, rows, 2, 2000, &err),
                     CPC_ERR_TOO_LARGE);
    free(rows);
}

static void test_dc_batch(void **state)
{
    struct fixture *f = *state;
    char prov[2048], key[48], path[128];
    int64_t owner = provider_up(f, "dc@example.com", prov);
    make_key(f, prov, "{\"name\":\"fleet\",\"scopes\":[\"dc\"]}", key);
    uint64_t t = mono_us();
    expect(f, dc(f, "POST", "/dc/servers/batch", batch_of(1000, -1), key, NULL), 201, NULL);
    uint64_t us = mono_us() - t;
    fprintf(stderr, "dc batch: 1000 servers in one call: %llu ms\n",
            (unsigned long long)(us / 1000));
    assert_int_equal(ival(f->last, "created"), 1000);
    json_t *ids = json_incref(json_object_get(f->last, "ids"));
    assert_int_equal(json_array_size(ids), 1000);
    expect(f, dc(f, "GET", "/dc/servers?limit=1000", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "total"), 1000);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 1000);
    /* one bad item: named, nothing created */
    expect(f, dc(f, "POST", "/dc/servers/batch", batch_of(5, 3), key, NULL), 422,
           "invalid_items");
    json_t *errs = json_object_get(f->last, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(ival(json_array_get(errs, 0), "index"), 3);
    assert_string_equal(str(json_array_get(errs, 0), "field"), "gpu_count");
    expect(f, dc(f, "GET", "/dc/servers?limit=1", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "total"), 1000);
    expect(f, dc(f, "POST", "/dc/servers/batch", json_pack("{s:[]}", "servers"), key, NULL), 400,
           "invalid_argument");
    expect(f, req_bearer(f, "POST", "/dc/servers/batch", "{\"servers\":[", key, NULL), 400,
           "invalid_json");
    /* at most 1000 items */
    expect(f, dc(f, "POST", "/dc/servers/batch", batch_of(1001, -1), key, NULL), 400,
           "invalid_argument");
    /* filters and pages */
    expect(f, dc(f, "GET", "/dc/servers?model=RTX%204090&country=FI&limit=10&offset=5", NULL,
                 key, NULL),
           200, NULL);
    assert_int_equal(ival(f->last, "total"), 167); /* odd i, i % 3 == 0: 3, 9, ..., 999 */
    json_t *page = json_object_get(f->last, "servers");
    assert_int_equal(json_array_size(page), 10);
    for (size_t i = 0; i < 10; i++) {
        assert_string_equal(str(json_array_get(page, i), "gpu_model"), "RTX 4090");
        assert_string_equal(str(json_array_get(page, i), "country"), "FI");
    }
    expect(f, dc(f, "GET", "/dc/servers?model=RTX%204090&country=FI&offset=160", NULL, key,
                 NULL),
           200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 7);
    expect(f, dc(f, "GET", "/dc/servers?bound=true", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "total"), 0);
    expect(f, dc(f, "GET", "/dc/servers?status=offline&limit=1", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "total"), 1000);
    expect(f, dc(f, "GET", "/dc/servers?status=lost", NULL, key, NULL), 400, "invalid_argument");
    /* maintenance: two servers, all or nothing */
    const char *a = json_string_value(json_array_get(ids, 0));
    const char *b = json_string_value(json_array_get(ids, 1));
    snprintf(path, sizeof path, "/dc/servers/%s", a);
    expect(f, dc(f, "PUT", path, json_pack("{s:s}", "city", "Oulu"), key, NULL), 200, NULL);
    expect(f, http_ex(f, "GET", "/market/gpu?city=Oulu&status=offline", NULL, prov, NULL, NULL),
           200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 1);
    json_t *st = json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "servers", "id", a, "status",
                           "maintenance", "id", b, "status", "maintenance");
    expect(f, dc(f, "POST", "/dc/servers/status", st, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "maintenance"), 2);
    expect(f, dc(f, "GET", "/dc/servers?status=maintenance", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "total"), 2);
    expect(f, dc(f, "GET", "/dc/stats", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "maintenance"), 2);
    assert_int_equal(ival(f->last, "offline"), 998);
    assert_int_equal(ival(f->last, "servers"), 1000);
    expect(f, http_ex(f, "GET", "/market/gpu?city=Oulu&status=offline", NULL, prov, NULL, NULL),
           200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 0);
    st = json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "servers", "id", a, "status", "active", "id",
                   "00000000-0000-4000-8000-000000000000", "status", "active");
    expect(f, dc(f, "POST", "/dc/servers/status", st, key, NULL), 422, "invalid_items");
    assert_int_equal(ival(json_array_get(json_object_get(f->last, "errors"), 0), "index"), 1);
    expect(f, dc(f, "GET", "/dc/servers?status=maintenance", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "total"), 2); /* nothing changed */
    /* PUT and DELETE of one server */
    snprintf(path, sizeof path, "/dc/servers/%s", b);
    expect(f, dc(f, "PUT", path, json_pack("{s:s}", "city", "Espoo"), key, NULL), 200, NULL);
    assert_string_equal(str(f->last, "city"), "Espoo");
    assert_string_equal(str(f->last, "status"), "maintenance");
    expect(f, dc(f, "DELETE", path, NULL, key, NULL), 200, NULL);
    expect(f, dc(f, "DELETE", path, NULL, key, NULL), 404, "not_found");
    json_decref(ids);
    store_batch_time(f, owner);
}

/* The rental's record as the ledger holds it. */
static struct cpc_rental chain_rental(struct fixture *f, const char *id)
{
    uint8_t raw[32], key[33];
    assert_int_equal(cpc_hex_decode_exact(raw, 32, id), 0);
    struct cpc_buf b;
    cpc_buf_init(&b);
    assert_int_equal(cpc_node_obj_get(&f->node, key, cpc_key_rental(key, raw), &b), 0);
    struct cpc_rental r;
    assert_int_equal(cpc_rental_decode(&r, raw, b.data, b.len), 0);
    cpc_buf_free(&b);
    return r;
}

static json_t *alert_of(json_t *answer, const char *type)
{
    json_t *arr = json_object_get(answer, "alerts");
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (!strcmp(str(json_array_get(arr, i), "type"), type))
            return json_array_get(arr, i);
    return NULL;
}

static void test_dc_revenue(void **state)
{
    struct fixture *f = *state;
    char prov[2048], cust[2048], key[48], srv[37], path[160], cust_addr[64];
    int64_t prov_id = provider_up(f, "dc@example.com", prov);
    make_key(f, prov, "{\"name\":\"fleet\",\"scopes\":[\"dc\"]}", key);
    server_add(f, prov, server_body("A", "RTX 4090", 1, 24, (json_int_t)PRICE, "DE", "Berlin"),
               srv);
    advance(f, 61000);
    access_of(f, "cust@example.com", cust);
    struct cpc_key k;
    worker_up(f, "wa", &k);
    snprintf(path, sizeof path, "/dc/servers/%s", srv);
    expect(f, call(f, "PUT", path, bind_body(&k, srv, prov_id), key, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "online");
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, cust, NULL, NULL), 200, NULL);
    snprintf(cust_addr, sizeof cust_addr, "%s", str(f->last, "address"));
    fund(f, cust_addr, 10 * CPC);
    /* in maintenance it cannot be rented */
    json_t *mt = json_pack("{s:[{s:s, s:s}]}", "servers", "id", srv, "status", "maintenance");
    expect(f, dc(f, "POST", "/dc/servers/status", mt, key, NULL), 200, NULL);
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", srv, "hours", 1, "ssh_public_key",
                             SSH_KEY),
                   cust, NULL),
           409, "server_maintenance");
    mt = json_pack("{s:[{s:s, s:s}]}", "servers", "id", srv, "status", "active");
    expect(f, dc(f, "POST", "/dc/servers/status", mt, key, NULL), 200, NULL);
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", srv, "hours", 1, "ssh_public_key",
                             SSH_KEY),
                   cust, NULL),
           202, NULL);
    char id[65];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    uint64_t now = cpc_platform_now(f->node.platform);
    uint64_t t0 = now > f->node.latest.time_ms ? now : f->node.latest.time_ms + 1000;
    struct cpc_err err = {0};
    assert_int_equal(cpc_produce_block(&f->node, t0, &err), 0);
    assert_string_equal(tx_status(f, id), "success");
    for (int m = 1; m <= 3; m++)
        assert_int_equal(cpc_produce_block(&f->node, t0 + (uint64_t)m * 60000 + 1000, &err), 0);
    /* then 50 minutes at once: 10 of the hour's deposit left */
    assert_int_equal(cpc_produce_block(&f->node, t0 + 50 * 60000ULL + 1000, &err), 0);
    advance(f, t0 + 51 * 60000ULL - cpc_platform_now(f->node.platform));
    struct cpc_rental rec = chain_rental(f, id);
    assert_true(rec.paid_minutes >= 45);
    assert_int_equal(rec.rate_per_minute, RATE);
    json_int_t income = (json_int_t)(rec.paid_minutes * RATE);
    /* revenue: every grouping sums to the ledger's figure, to the unit */
    static const char *const groups[] = {"day", "week", "month"};
    for (int g = 0; g < 3; g++) {
        snprintf(path, sizeof path, "/dc/revenue?group=%s", groups[g]);
        expect(f, dc(f, "GET", path, NULL, key, NULL), 200, NULL);
        assert_int_equal(ival(f->last, "total"), income);
        assert_int_equal(ival(f->last, "rentals_counted"), 1);
    }
    snprintf(path, sizeof path, "/dc/revenue?from=%llu&to=%llu",
             (unsigned long long)(t0 + 100 * 60000ULL), (unsigned long long)(t0 + 200 * 60000ULL));
    expect(f, dc(f, "GET", path, NULL, key, NULL), 200, NULL); /* day buckets hold it still */
    expect(f, dc(f, "GET", "/dc/revenue?group=year", NULL, key, NULL), 400, "invalid_argument");
    expect(f, dc(f, "GET", "/dc/revenue?from=5&to=4", NULL, key, NULL), 400, "invalid_argument");
    /* utilization over the rental's own span: paid minutes / billing minutes */
    snprintf(path, sizeof path, "/dc/utilization?from=%llu&to=%llu",
             (unsigned long long)rec.opened_ms,
             (unsigned long long)(rec.opened_ms + 100 * 60000ULL));
    expect(f, dc(f, "GET", path, NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "period_minutes"), 100);
    json_t *s0 = json_array_get(json_object_get(f->last, "servers"), 0);
    assert_string_equal(str(s0, "id"), srv);
    assert_int_equal(ival(s0, "rented_minutes"), (json_int_t)rec.paid_minutes);
    assert_true(json_real_value(json_object_get(s0, "utilization")) ==
                (double)rec.paid_minutes / 100.0);
    assert_int_equal(ival(json_object_get(f->last, "overall"), "rented_minutes"),
                     (json_int_t)rec.paid_minutes);
    /* alerts: the renter's low balance, then a hot GPU */
    expect(f, dc(f, "GET", "/dc/alerts", NULL, key, NULL), 200, NULL);
    json_t *low = alert_of(f->last, "low_balance");
    assert_non_null(low);
    assert_string_equal(str(low, "rental_id"), id);
    assert_true(ival(low, "minutes_left") <= 15);
    assert_null(alert_of(f->last, "high_temperature"));
    heartbeat(f, &k);
    expect(f, dc(f, "GET", "/dc/stats", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "rented_now"), 1);
    assert_int_equal(ival(f->last, "busy"), 1);
    advance(f, 60000);
    struct cpc_psample v = {.cpu = 1, .gpu = 2, .temp_c = 91, .ram_mb = 4, .uptime_s = 5};
    char waddr[CPC_ADDR_STR_MAX];
    worker_address(&k, waddr);
    int stored = 0;
    assert_int_equal(cpc_pstore_sample_add(f->node.platform->store, waddr,
                                           cpc_platform_now(f->node.platform), &v, &stored, &err),
                     0);
    assert_int_equal(stored, 1);
    expect(f, dc(f, "GET", "/dc/alerts", NULL, key, NULL), 200, NULL);
    assert_non_null(alert_of(f->last, "high_temperature"));
    expect(f, dc(f, "GET", "/dc/alerts?temp_c=95", NULL, key, NULL), 200, NULL);
    assert_null(alert_of(f->last, "high_temperature"));
}

static void test_dc_withdraw(void **state)
{
    struct fixture *f = *state;
    char prov[2048], key[48], addr[64];
    provider_up(f, "dc@example.com", prov);
    make_key(f, prov, "{\"name\":\"fleet\",\"scopes\":[\"dc\"]}", key);
    expect(f, dc(f, "GET", "/dc/balance", NULL, key, NULL), 200, NULL);
    snprintf(addr, sizeof addr, "%s", str(f->last, "address"));
    fund(f, addr, 5 * CPC);
    json_t *w = json_pack("{s:s, s:s, s:s}", "amount_cpc", "2", "method", "card", "destination",
                          "4111111111111111");
    expect(f, dc(f, "POST", "/dc/withdraw", w, key, NULL), 201, NULL);
    assert_string_equal(str(f->last, "status"), "pending");
    expect(f, dc(f, "GET", "/dc/balance", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "balance"), 5 * CPC);
    assert_int_equal(ival(f->last, "locked"), 2 * CPC);
    assert_int_equal(ival(f->last, "available"), 3 * CPC);
    /* the same books as the provider cabinet */
    expect(f, http_ex(f, "GET", "/provider/withdrawals", NULL, prov, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "withdrawals")), 1);
    expect(f, http_ex(f, "GET", "/account/balance", NULL, prov, NULL, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "locked"), 2 * CPC);
    w = json_pack("{s:s, s:s, s:s}", "amount_cpc", "4", "method", "card", "destination",
                  "4111111111111111");
    expect(f, dc(f, "POST", "/dc/withdraw", w, key, NULL), 402, "insufficient_funds");
    /* the wallet's ledger txs: the funding transfer */
    expect(f, dc(f, "GET", "/dc/transactions?limit=10", NULL, key, NULL), 200, NULL);
    assert_string_equal(str(f->last, "address"), addr);
    assert_int_equal(json_array_size(json_object_get(f->last, "txs")), 1);
    expect(f, dc(f, "GET", "/dc/transactions?limit=0", NULL, key, NULL), 400, "invalid_argument");
}

/* A database of platform schema 11 (api_keys with scopes 1..7, no maintenance column)
 * upgrades in place: every key is kept with its id and secret, dc keys can be made, and
 * the servers take the maintenance flag. */
static void test_dc_migration(void **state)
{
    struct fixture *f = *state;
    char prov[2048], keys[3][48], key[48], srv[37], path[400];
    provider_up(f, "dc@example.com", prov);
    static const char *const bodies[3] = {"{\"name\":\"a\",\"scopes\":[\"read\"]}",
                                          "{\"name\":\"b\",\"scopes\":[\"account\",\"jobs\"]}",
                                          "{\"name\":\"c\",\"scopes\":[\"read\"],"
                                          "\"ip_whitelist\":[\"127.0.0.0/8\"],\"rate_per_min\":7}"};
    for (int i = 0; i < 3; i++)
        make_key(f, prov, bodies[i], keys[i]);
    server_add(f, prov, server_body("A", "RTX 4090", 1, 24, (json_int_t)PRICE, "DE", "Berlin"),
               srv);
    int latest = cpc_pstore_schema_version(f->node.platform->store);
    assert_true(latest >= 12);
    cpc_daemon_close(&f->node);
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/data/chain.db", f->home);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "CREATE TABLE k11(id INTEGER PRIMARY KEY, user INTEGER NOT NULL "
                     "REFERENCES users(id), name TEXT NOT NULL, prefix TEXT NOT NULL, key_hash "
                     "BLOB NOT NULL UNIQUE, scopes INTEGER NOT NULL CHECK (scopes BETWEEN 1 AND "
                     "7), ip_whitelist TEXT NOT NULL, rate_per_min INTEGER NOT NULL, created_ms "
                     "INTEGER NOT NULL) STRICT;"
                     "INSERT INTO k11 SELECT * FROM api_keys; DROP TABLE api_keys;"
                     "ALTER TABLE k11 RENAME TO api_keys;"
                     "CREATE INDEX api_keys_user ON api_keys(user);"
                     "ALTER TABLE gpu_servers DROP COLUMN maintenance;"
                     "DELETE FROM platform_migrations WHERE version = 12",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    nt_node_open(&f->node, &cfg);
    cpc_platform_set_clock(f->node.platform, test_clock, f);
    nt_node_start(&f->node, f->base);
    assert_int_equal(cpc_pstore_schema_version(f->node.platform->store), latest);
    /* the keys, each as it was */
    expect(f, req_bearer(f, "GET", "/api-keys", NULL, prov, NULL), 200, NULL);
    json_t *list = json_object_get(f->last, "keys");
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(ival(json_array_get(list, 2), "rate_per_min"), 7);
    assert_int_equal(json_array_size(json_object_get(json_array_get(list, 1), "scopes")), 2);
    struct rl_hdrs h;
    expect(f, req_bearer(f, "GET", "/provider/servers", NULL, keys[0], NULL), 200, NULL);
    expect(f, req_bearer(f, "GET", "/provider/servers", NULL, keys[2], &h), 200, NULL);
    assert_string_equal(h.limit, "7");
    expect(f, req_bearer(f, "GET", "/dc/servers", NULL, keys[1], NULL), 403,
           "insufficient_scope");
    /* and the new scope and flag */
    make_key(f, prov, "{\"name\":\"d\",\"scopes\":[\"dc\",\"read\"]}", key);
    json_t *st = json_pack("{s:[{s:s, s:s}]}", "servers", "id", srv, "status", "maintenance");
    expect(f, dc(f, "POST", "/dc/servers/status", st, key, NULL), 200, NULL);
    expect(f, dc(f, "GET", "/dc/servers?status=maintenance", NULL, key, NULL), 200, NULL);
    assert_int_equal(ival(f->last, "total"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dc_keys, dc_setup, teardown),
        cmocka_unit_test_setup_teardown(test_dc_batch, dc_setup, teardown),
        cmocka_unit_test_setup_teardown(test_dc_revenue, dc_setup, teardown),
        cmocka_unit_test_setup_teardown(test_dc_withdraw, dc_setup, teardown),
        cmocka_unit_test_setup_teardown(test_dc_migration, dc_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
