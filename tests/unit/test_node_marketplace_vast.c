/* test_node_marketplace_vast.c — reselling a provider's GPUs on Vast.ai
 * (market_sync.h, connector_vast.c, routes_marketplaces.c), against a fake
 * Vast host API on 127.0.0.1 (fake_vast.h): this machine cannot reach
 * Vast.ai, so the fake answers as vast-python and docs.vast.ai show.
 *   - PUT /provider/servers/{id}/marketplaces: owner only, body checked;
 *   - a pass lists the opted-in server at price + commission with a min bid;
 *     a price change is listed again, an unchanged one is not;
 *   - a Vast booking shows the server busy and POST /rentals refuses it
 *     (409 server_busy); the booking's end frees it; a rental of ours
 *     unlists it (never booked twice);
 *   - the completed days' earnings are credited minus the commission,
 *     exactly once, also when the node restarts with the transfer lost from
 *     the mempool (the same tx is submitted again) and when another tx took
 *     its nonce meanwhile (a new one is signed);
 *   - GET /admin/integrations shows the figures.
 * The passes run through cpc_market_sync_step (sync_interval_s = 0: no
 * thread), so the test decides when Vast is asked. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include <unistd.h>

#include "cpcd/admin_cli.h"
#include "cpcd/daemon.h"
#include "fake_vast.h"
#include "market/market_sync.h"
#include "store/market_connector_store.h"

#define CPC 1000000000ULL
#define MACHINE 4242
#define VKEY "test-vast-key-0123"
#define SSH "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f u@h"

static struct fake_vast fv;

static int vast_setup(void **state)
{
    fake_vast_start(&fv, VKEY, MACHINE, "gpu1.example.com");
    char extra[400];
    snprintf(extra, sizeof extra,
             "fiat_gateway_key = faucet\n\n[marketplace.vast]\napi_key = %s\n"
             "base_url = http://127.0.0.1:%u\nsync_interval_s = 0\ntimeout_ms = 5000\n",
             VKEY, fv.port);
    return servers_setup_with(state, extra);
}

static int vast_teardown(void **state)
{
    teardown(state);
    fake_vast_stop(&fv);
    return 0;
}

static void step(struct fixture *f)
{
    struct cpc_err err = {0};
    assert_non_null(f->node.market_sync);
    int rc = cpc_market_sync_step(f->node.market_sync, &err);
    if (rc != 0)
        fprintf(stderr, "sync: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

static void admin_up(struct fixture *f, char out[2048])
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char line[] = PW "\n";
    assert_int_equal(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    struct cpc_err err = {0};
    int64_t id = 0;
    int created = 0;
    assert_int_equal(cpc_admin_create(f->home, "admin@example.com", fds[0], stderr, &id,
                                      &created, &err), 0);
    close(fds[0]);
    json_t *j = NULL;
    advance(f, 61000);
    assert_int_equal(login(f, "admin@example.com", PW, NULL, &j), 200);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

/* GET /admin/integrations' vast entry field k. */
static json_int_t integration(struct fixture *f, const char *admin, const char *k)
{
    expect(f, http_ex(f, "GET", "/admin/integrations", NULL, admin, NULL, NULL), 200, NULL);
    json_t *c = json_array_get(json_object_get(f->last, "integrations"), 0);
    assert_string_equal(str(c, "name"), "vast");
    assert_true(json_is_true(json_object_get(c, "enabled")));
    return json_integer_value(json_object_get(c, k));
}

static long opt(struct fixture *f, const char *tok, const char *srv, const char *body)
{
    char path[128];
    snprintf(path, sizeof path, "/provider/servers/%s/marketplaces", srv);
    return http_ex(f, "PUT", path, body, tok, NULL, NULL);
}

static const char *status_of(struct fixture *f, const char *tok, const char *srv)
{
    char path[128];
    snprintf(path, sizeof path, "/provider/servers/%s", srv);
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
    return str(f->last, "status");
}

static int near(double a, double b) { return a - b < 1e-9 && b - a < 1e-9; }

static double fv_price(void)
{
    pthread_mutex_lock(&fv.mu);
    double p = fv.price_gpu;
    pthread_mutex_unlock(&fv.mu);
    return p;
}

static void test_opt_in_refusals(void **state)
{
    struct fixture *f = *state;
    char prov[2048], other[2048], srv[37];
    provider_up(f, "p@example.com", prov);
    provider_up(f, "q@example.com", other);
    server_add(f, prov, server_body("A", "RTX 4090", 1, 24, 2 * (json_int_t)CPC, "DE", "Berlin"),
               srv);
    expect(f, opt(f, NULL, srv, "{\"vast\":true}"), 401, NULL);
    expect(f, opt(f, other, srv, "{\"vast\":true}"), 404, "not_found");
    expect(f, opt(f, prov, srv, "{\"vast\":\"yes\"}"), 400, "invalid_argument");
    expect(f, opt(f, prov, srv, "{\"runpod\":true}"), 400, "invalid_argument");
    expect(f, opt(f, prov, srv, "{}"), 400, "invalid_argument");
    expect(f, opt(f, prov, srv, "[true]"), 400, NULL);
    expect(f, opt(f, prov, "00000000-0000-4000-8000-000000000000", "{\"vast\":true}"), 404,
           "not_found");
    expect(f, opt(f, prov, srv, "{\"vast\":true}"), 200, NULL);
    json_t *v = json_object_get(json_object_get(f->last, "marketplaces"), "vast");
    assert_true(json_is_true(json_object_get(v, "opted_in")));
    assert_true(json_is_true(json_object_get(v, "enabled")));
    assert_string_equal(str(v, "state"), "pending");
    /* a wrong key at Vast: the pass fails and says so; nothing is listed */
    char admin[2048];
    admin_up(f, admin);
    pthread_mutex_lock(&fv.mu);
    snprintf(fv.key, sizeof fv.key, "another-key");
    pthread_mutex_unlock(&fv.mu);
    struct cpc_err err = {0};
    assert_int_not_equal(cpc_market_sync_step(f->node.market_sync, &err), 0);
    assert_non_null(strstr(err.msg, "401"));
    assert_int_equal(fv.asks, 0);
    expect(f, http_ex(f, "GET", "/admin/integrations", NULL, admin, NULL, NULL), 200, NULL);
    json_t *c = json_array_get(json_object_get(f->last, "integrations"), 0);
    assert_non_null(strstr(str(c, "last_error"), "401"));
    expect(f, http_ex(f, "GET", "/admin/integrations", NULL, prov, NULL, NULL), 403, NULL);
}

static void test_publish_price_booking(void **state)
{
    struct fixture *f = *state;
    char prov[2048], cust[2048], admin[2048], srv[37], path[128];
    int64_t prov_id = provider_up(f, "p@example.com", prov);
    server_add(f, prov, server_body("A", "RTX 4090", 1, 24, 2 * (json_int_t)CPC, "DE", "Berlin"),
               srv);
    admin_up(f, admin);
    expect(f, opt(f, prov, srv, "{\"vast\":true}"), 200, NULL);
    step(f);
    /* 2 CPC a GPU-hour + 10% commission, at 1 CPC = 1 USD; the min bid is 100% of it */
    assert_int_equal(fv.asks, 1);
    assert_true(near(fv_price(), 2.2) && near(fv.min_bid, 2.2));
    assert_int_equal(integration(f, admin, "servers_published"), 1);
    step(f); /* unchanged: not listed again */
    assert_int_equal(fv.asks, 1);
    snprintf(path, sizeof path, "/provider/servers/%s", srv);
    expect(f, http_ex(f, "PUT", path, "{\"price_per_gpu_hour\":3000000000}", prov, NULL, NULL),
           200, NULL);
    step(f);
    assert_int_equal(fv.asks, 2);
    assert_true(near(fv_price(), 3.3));
    /* online through its worker, then booked on Vast: busy, and our market refuses it */
    struct cpc_key k;
    worker_up(f, "wa", &k);
    expect(f, call(f, "PUT", path, bind_body(&k, srv, prov_id), prov, NULL), 200, NULL);
    heartbeat(f, &k);
    assert_string_equal(status_of(f, prov, srv), "online");
    fv.rentals = 1;
    step(f);
    assert_string_equal(status_of(f, prov, srv), "busy");
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(cust, sizeof cust, "%s", str(j, "access_token"));
    json_decref(j);
    heartbeat(f, &k);
    snprintf(path, sizeof path, "/market/gpu/%s", srv);
    expect(f, http_ex(f, "GET", path, NULL, cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "busy"); /* the customers' catalogue */
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", srv, "hours", 1, "ssh_public_key", SSH),
                   cust, NULL),
           409, "server_busy");
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:{s:s}, s:i, s:s}", "requirements", "model", "RTX 4090",
                             "hours", 1, "ssh_public_key", SSH),
                   cust, NULL),
           409, "no_server");
    assert_int_equal(integration(f, admin, "bookings_open"), 1);
    fv.rentals = 0;
    step(f);
    heartbeat(f, &k);
    assert_string_equal(status_of(f, prov, srv), "online");
    assert_int_equal(integration(f, admin, "bookings"), 1);
    assert_int_equal(integration(f, admin, "bookings_open"), 0);
    /* rented on our own market: unlisted on Vast, so it is never booked twice */
    char cust_addr[64];
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, cust, NULL, NULL), 200, NULL);
    snprintf(cust_addr, sizeof cust_addr, "%s", str(f->last, "address"));
    fund(f, cust_addr, 10 * CPC);
    heartbeat(f, &k);
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", srv, "hours", 1, "ssh_public_key", SSH),
                   cust, NULL),
           202, NULL);
    assert_int_equal(fv.unlists, 0);
    step(f);
    assert_int_equal(fv.unlists, 1);
    assert_false(fv.listed);
    assert_int_equal(integration(f, admin, "servers_published"), 0);
    /* opting out: nothing more to unlist */
    expect(f, opt(f, prov, srv, "{\"vast\":false}"), 200, NULL);
    step(f);
    assert_int_equal(fv.unlists, 1);
    assert_int_equal(integration(f, admin, "servers_opted_in"), 0);
}

/* Reopen the node on its home: what a kill -9 leaves (the mempool is lost). */
static void restart(struct fixture *f)
{
    cpc_daemon_close(&f->node);
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    nt_node_open(&f->node, &cfg);
    cpc_platform_set_clock(f->node.platform, test_clock, f);
    cpc_scheduler_set_clock(f->node.scheduler, test_clock, f);
    nt_node_start(&f->node, f->base);
}

static void period(struct fixture *f, int64_t day, struct cpc_pmarket_period *p)
{
    char id[64];
    struct cpc_err err = {0};
    snprintf(id, sizeof id, "vast:%d:%lld", MACHINE, (long long)day);
    assert_int_equal(cpc_pstore_market_period_get(f->node.platform->store, id, p, &err), 0);
}

static void test_earnings_exactly_once(void **state)
{
    struct fixture *f = *state;
    char prov[2048], admin[2048], srv[37], addr[64];
    provider_up(f, "p@example.com", prov);
    server_add(f, prov, server_body("A", "RTX 4090", 1, 24, 2 * (json_int_t)CPC, "DE", "Berlin"),
               srv);
    admin_up(f, admin);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, prov, NULL, NULL), 200, NULL);
    snprintf(addr, sizeof addr, "%s", str(f->last, "address"));
    uint8_t a[20];
    assert_int_equal(cpc_address_decode(a, addr), 0);
    struct cpc_account acc;
    expect(f, opt(f, prov, srv, "{\"vast\":true}"), 200, NULL);
    int64_t today = (int64_t)(cpc_platform_now(f->node.platform) / 86400000u);
    fake_vast_earn(&fv, today - 1, 11.0);  /* 11 CPC gross: 1 commission, 10 to the provider */
    fake_vast_earn(&fv, today, 5.0);       /* not over yet: later */
    fake_vast_earn(&fv, today - 30, 7.0);  /* out of the window */
    step(f);
    assert_non_null(strstr(fv.last_earnings_query, "machid=4242"));
    produce(f);
    cpc_node_account(&f->node, a, &acc);
    assert_int_equal(acc.balance, 10 * CPC);
    step(f);
    step(f);
    produce(f);
    cpc_node_account(&f->node, a, &acc);
    assert_int_equal(acc.balance, 10 * CPC);
    assert_int_equal(integration(f, admin, "periods_credited"), 1);
    assert_int_equal(integration(f, admin, "earnings_credited"), 10 * CPC);
    /* a day credited, its transfer admitted, then the node dies before a block */
    fake_vast_earn(&fv, today - 2, 22.0);
    step(f);
    struct cpc_pmarket_period p1, p2;
    period(f, today - 2, &p1);
    assert_string_equal(p1.state, "pending");
    assert_int_equal(p1.amount, 20 * CPC);
    assert_int_equal(p1.commission, 2 * CPC);
    restart(f);
    step(f); /* reconcile: the same signed tx again */
    produce(f);
    step(f);
    period(f, today - 2, &p2);
    assert_string_equal(p2.state, "credited");
    assert_string_equal(p2.tx_hash, p1.tx_hash);
    cpc_node_account(&f->node, a, &acc);
    assert_int_equal(acc.balance, 30 * CPC);
    /* lost again, and this time another tx of the gateway takes its nonce first */
    fake_vast_earn(&fv, today - 3, 1.1);
    step(f);
    period(f, today - 3, &p1);
    restart(f);
    fund(f, addr, 5 * CPC); /* the faucet (the gateway) at the lost tx's nonce, mined */
    step(f);
    produce(f);
    step(f);
    period(f, today - 3, &p2);
    assert_string_equal(p2.state, "credited");
    assert_string_not_equal(p2.tx_hash, p1.tx_hash);
    cpc_node_account(&f->node, a, &acc);
    assert_int_equal(acc.balance, 36 * CPC);
    assert_int_equal(integration(f, admin, "periods_credited"), 3);
    assert_int_equal(integration(f, admin, "periods_pending"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_opt_in_refusals, vast_setup, vast_teardown),
        cmocka_unit_test_setup_teardown(test_publish_price_booking, vast_setup, vast_teardown),
        cmocka_unit_test_setup_teardown(test_earnings_exactly_once, vast_setup, vast_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
