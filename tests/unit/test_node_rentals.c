/* test_node_rentals.c — the customers' GPU rentals (routes_rentals.c) over
 * real HTTP on 127.0.0.1 against a real node (node_servers_fixture.h): a
 * provider lists servers and binds workers (online), a customer funded from
 * the faucet rents by id and by requirements (the cheapest online server
 * that fits), blocks at chosen times open the rental and pay its minutes,
 * GET shows them, DELETE ends it, and the balances move to the unit: the
 * provider gets minutes x rate (rate rounded up from the hourly price), the
 * treasury minutes x commission, the customer pays both and the two fees
 * and gets the rest of the deposit back. Refused: a customer without funds
 * (402), another customer's rental (404), bad bodies (400 with their codes).
 * The connection names the server's host and the lowest free port. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include "core/rental.h"

#define CPC 1000000000ULL
#define PRICE 600000001ULL /* per GPU-hour: 10,000,000.02 a minute, rounded up */
#define RATE 10000001ULL
#define COMM 1000000ULL /* floor(RATE x 10%) */
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"

static int rent_setup(void **state) { return servers_setup_with(state, ""); }

struct world {
    char prov[2048], cust[2048], other[2048];
    char cust_addr[64], prov_addr[64];
    char srv_a[37], srv_b[37], srv_c[37];
    int64_t prov_id;
    struct cpc_key ka, kb;
};

/* Provider with servers A (RTX 4090, online), B (RTX 4090, cheaper, online), C (RTX 4090,
 * cheapest, no worker: offline); a customer and another user; workers up last (the
 * scheduler's clock moves with every login window). */
static void make_world(struct fixture *f, struct world *w)
{
    w->prov_id = provider_up(f, "p@example.com", w->prov);
    server_add(f, w->prov, server_body("A", "RTX 4090", 1, 24, (json_int_t)PRICE, "DE", "Berlin"),
               w->srv_a);
    server_add(f, w->prov, server_body("B", "RTX 4090", 2, 24, 250000000, "DE", "Berlin"),
               w->srv_b);
    server_add(f, w->prov, server_body("C", "RTX 4090", 1, 24, 1000, "DE", "Berlin"), w->srv_c);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
    advance(f, 61000);
    j = signup_login(f, "o@example.com", PW);
    snprintf(w->other, sizeof w->other, "%s", str(j, "access_token"));
    json_decref(j);
    wallet_of(f, w->cust, w->cust_addr);
    wallet_of(f, w->prov, w->prov_addr);
    char path[96];
    worker_up(f, "wa", &w->ka);
    worker_up(f, "wb", &w->kb);
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv_a);
    expect(f, call(f, "PUT", path, bind_body(&w->ka, w->srv_a, w->prov_id), w->prov, NULL), 200,
           NULL);
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv_b);
    expect(f, call(f, "PUT", path, bind_body(&w->kb, w->srv_b, w->prov_id), w->prov, NULL), 200,
           NULL);
}

static long rent(struct fixture *f, const char *tok, json_t *body)
{
    return call(f, "POST", "/rentals", body, tok, NULL);
}

static json_t *by_id(const char *id, int hours)
{
    return json_pack("{s:s, s:i, s:s}", "gpu_id", id, "hours", hours, "ssh_public_key", KEY);
}

static void test_rent_settle_end(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 10 * CPC);
    uint64_t cust0 = account_of(f, w.cust_addr).balance, prov0 = account_of(f, w.prov_addr).balance,
             tre0 = treasury_balance(f);
    expect(f, rent(f, w.cust, by_id(w.srv_a, 2)), 202, NULL);
    char id[65], path[128];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    assert_string_equal(str(f->last, "tx_hash"), id);
    assert_string_equal(str(f->last, "status"), "pending");
    assert_string_equal(str(f->last, "image"), "nvidia/cuda:12.4.1-base-ubuntu22.04");
    assert_int_equal(json_integer_value(json_object_get(f->last, "rate_per_minute")), RATE);
    assert_int_equal(json_integer_value(json_object_get(f->last, "commission_per_minute")), COMM);
    uint64_t deposit = 2 * 60 * (RATE + COMM);
    assert_int_equal(json_integer_value(json_object_get(f->last, "deposit")), (json_int_t)deposit);
    assert_int_equal(json_integer_value(json_object_get(f->last, "ssh_port")), 22000);
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "pending");
    /* the block that takes it opens it at t0; 3 minutes and a second later, 3 are paid */
    uint64_t t0 = f->node.latest.time_ms + 1000;
    produce_at(f, t0);
    assert_string_equal(tx_status(f, id), "success");
    produce_at(f, t0 + 3 * CPC_RENTAL_MINUTE_MS + 1000);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "open");
    assert_int_equal(json_integer_value(json_object_get(f->last, "minutes_paid")), 3);
    assert_int_equal(json_integer_value(json_object_get(f->last, "paid_to_provider")), 3 * RATE);
    assert_int_equal(json_integer_value(json_object_get(f->last, "commission_paid")), 3 * COMM);
    assert_int_equal(json_integer_value(json_object_get(f->last, "escrow_left")),
                     (json_int_t)(deposit - 3 * (RATE + COMM)));
    assert_null(json_object_get(f->last, "provider"));
    /* the list: newest first, own only */
    expect(f, http_ex(f, "GET", "/rentals", NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "rentals")), 1);
    expect(f, http_ex(f, "GET", "/rentals", NULL, w.other, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "rentals")), 0);
    /* DELETE at 3:30 pays the minute in progress: 4 in all */
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 202, NULL);
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 409, "ending");
    produce_at(f, t0 + 3 * CPC_RENTAL_MINUTE_MS + 30000);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "ended");
    assert_string_equal(str(f->last, "end_reason"), "customer");
    assert_int_equal(json_integer_value(json_object_get(f->last, "minutes_paid")), 4);
    assert_int_equal(json_integer_value(json_object_get(f->last, "escrow_left")), 0);
    assert_int_equal(account_of(f, w.prov_addr).balance - prov0, 4 * RATE);
    assert_int_equal(treasury_balance(f) - tre0, 4 * COMM);
    assert_int_equal(cust0 - account_of(f, w.cust_addr).balance,
                     4 * (RATE + COMM) + fee_of(f, CPC_TX_RENTAL_OPEN) +
                         fee_of(f, CPC_TX_RENTAL_END));
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 409, "already_ended");
}

static void test_requirements_ports_connection(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 10 * CPC);
    /* C is the cheapest but offline; B the cheapest online RTX 4090 with 2 GPUs */
    json_t *req = json_pack("{s:{s:s, s:i}, s:i, s:s, s:s}", "requirements", "model", "RTX 4090",
                            "min_count", 1, "hours", 1, "ssh_public_key", KEY, "image",
                            "ghcr.io/acme/trainer:v1.2");
    expect(f, rent(f, w.cust, req), 202, NULL);
    assert_string_equal(str(f->last, "server_id"), w.srv_b);
    assert_int_equal(json_integer_value(json_object_get(f->last, "rate_per_minute")),
                     2 * 250000000 / 60 + 1);
    char first[65], path[160];
    snprintf(first, sizeof first, "%s", str(f->last, "id"));
    expect(f, rent(f, w.cust, by_id(w.srv_b, 1)), 202, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "ssh_port")), 22001);
    expect(f, rent(f, w.cust,
                   json_pack("{s:{s:i}, s:i, s:s}", "requirements", "max_price", 10, "hours", 1,
                             "ssh_public_key", KEY)),
           409, "no_server");
    expect(f, rent(f, w.cust, by_id(w.srv_c, 1)), 409, "server_offline");
    expect(f, rent(f, w.prov, by_id(w.srv_a, 1)), 409, "own_server");
    snprintf(path, sizeof path, "/rentals/%s/connection", first);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "host"), "gpu1.example.com");
    assert_int_equal(json_integer_value(json_object_get(f->last, "port")), 22000);
    assert_string_equal(str(f->last, "user"), "cpc");
    assert_string_equal(str(f->last, "command"), "ssh -p 22000 cpc@gpu1.example.com");
    assert_string_equal(str(f->last, "image"), "ghcr.io/acme/trainer:v1.2");
    /* another user: 404 on every route of this rental */
    expect(f, http_ex(f, "GET", path, NULL, w.other, NULL, NULL), 404, "not_found");
    snprintf(path, sizeof path, "/rentals/%s", first);
    expect(f, http_ex(f, "GET", path, NULL, w.other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "DELETE", path, NULL, w.other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 409, "not_open");
    expect(f, http_ex(f, "GET", "/rentals/zz", NULL, w.cust, NULL, NULL), 404, "not_found");
    /* newest first */
    expect(f, http_ex(f, "GET", "/rentals?limit=1", NULL, w.cust, NULL, NULL), 200, NULL);
    json_t *arr = json_object_get(f->last, "rentals");
    assert_int_equal(json_array_size(arr), 1);
    assert_string_not_equal(str(json_array_get(arr, 0), "id"), first);
}

static void test_refused(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    /* no funds: 402, nothing admitted */
    expect(f, rent(f, w.cust, by_id(w.srv_a, 1)), 402, "insufficient_funds");
    expect(f, http_ex(f, "GET", "/rentals", NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "rentals")), 0);
    fund(f, w.cust_addr, 10 * CPC);
    static const struct {
        const char *body, *code;
    } bad[] = {
        {"[]", "invalid_argument"},
        {"{", "invalid_json"},
        {"{\"hours\":1,\"ssh_public_key\":\"" KEY "\"}", "invalid_argument"},
        {"{\"gpu_id\":\"x\",\"hours\":1,\"ssh_public_key\":\"" KEY "\"}", "invalid_gpu_id"},
        {"{\"gpu_id\":\"00000000-0000-4000-8000-000000000000\",\"requirements\":{},"
         "\"hours\":1,\"ssh_public_key\":\"" KEY "\"}", "invalid_argument"},
        {"{\"requirements\":{\"gpu\":1},\"hours\":1,\"ssh_public_key\":\"" KEY "\"}",
         "invalid_requirements"},
        {"{\"requirements\":{\"model\":\"GTX 1\"},\"hours\":1,\"ssh_public_key\":\"" KEY "\"}",
         "invalid_model"},
        {"{\"requirements\":{\"country\":\"de\"},\"hours\":1,\"ssh_public_key\":\"" KEY "\"}",
         "invalid_country"},
        {"{\"requirements\":{},\"hours\":0,\"ssh_public_key\":\"" KEY "\"}", "invalid_hours"},
        {"{\"requirements\":{},\"hours\":721,\"ssh_public_key\":\"" KEY "\"}", "invalid_hours"},
        {"{\"requirements\":{},\"hours\":\"1\",\"ssh_public_key\":\"" KEY "\"}", "invalid_hours"},
        {"{\"requirements\":{},\"hours\":1,\"image\":\"Ubuntu; rm -rf /\",\"ssh_public_key\":\"" KEY
         "\"}",
         "invalid_image"},
        {"{\"requirements\":{},\"hours\":1,\"ssh_public_key\":\"ssh-dss AAAAB3NzaC1kc3MAAACBAP\"}",
         "invalid_ssh_key"},
        {"{\"requirements\":{},\"hours\":1,\"ssh_public_key\":\"ssh-ed25519 AAAA\\nrm\"}",
         "invalid_ssh_key"},
        {"{\"requirements\":{},\"hours\":1}", "invalid_ssh_key"},
        {"{\"requirements\":{},\"hours\":1,\"ssh_public_key\":\"" KEY "\",\"x\":1}",
         "invalid_argument"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(f, http_ex(f, "POST", "/rentals", bad[i].body, w.cust, NULL, NULL), 400,
               bad[i].code);
    expect(f, rent(f, w.cust, by_id("00000000-0000-4000-8000-000000000000", 1)), 404, "not_found");
    expect(f, rent(f, NULL, by_id(w.srv_a, 1)), 401, NULL);
    /* a balance short of the first hour and the fee: 402; of two hours: the deposit is
     * the whole minutes it covers */
    char other_addr[64];
    uint64_t cost = RATE + COMM, fee = fee_of(f, CPC_TX_RENTAL_OPEN);
    wallet_of(f, w.other, other_addr);
    fund(f, other_addr, 60 * cost + fee - 1);
    expect(f, rent(f, w.other, by_id(w.srv_a, 2)), 402, "insufficient_funds");
    fund(f, other_addr, 30 * cost + 6);
    expect(f, rent(f, w.other, by_id(w.srv_a, 2)), 202, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "deposit")),
                     (json_int_t)(90 * cost));
    assert_int_equal(json_integer_value(json_object_get(f->last, "minutes_covered")), 90);
}

/* A RENTAL_OPEN no block took before its offer expired reads "failed" and frees its port;
 * an ended rental frees its port too, found by the next order of the server. */
static void test_failed_and_ports_freed(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 10 * CPC);
    expect(f, rent(f, w.cust, by_id(w.srv_a, 1)), 202, NULL);
    char id[65], path[128];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    assert_int_equal(json_integer_value(json_object_get(f->last, "ssh_port")), 22000);
    /* the block comes after the offer's expiry: the tx fails, the rental never opens */
    uint64_t late = cpc_platform_now(f->node.platform) + 6 * CPC_RENTAL_MINUTE_MS;
    produce_at(f, late);
    assert_string_equal(tx_status(f, id), "failed");
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "pending");
    advance(f, 7 * CPC_RENTAL_MINUTE_MS);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "failed");
    heartbeat(f, &w.ka);
    expect(f, rent(f, w.cust, by_id(w.srv_a, 1)), 202, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "ssh_port")), 22000);
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    expect(f, rent(f, w.cust, by_id(w.srv_a, 1)), 202, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "ssh_port")), 22001);
    produce_at(f, cpc_platform_now(f->node.platform));
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 202, NULL);
    produce_at(f, cpc_platform_now(f->node.platform) + 1000);
    /* no view in between: the order itself finds the ended rental */
    expect(f, rent(f, w.cust, by_id(w.srv_a, 1)), 202, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "ssh_port")), 22000);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "ended");
    assert_int_equal(json_integer_value(json_object_get(f->last, "minutes_paid")), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rent_settle_end, rent_setup, teardown),
        cmocka_unit_test_setup_teardown(test_requirements_ports_connection, rent_setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, rent_setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_and_ports_freed, rent_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
