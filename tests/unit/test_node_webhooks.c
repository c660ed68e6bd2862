/* test_node_webhooks.c — signed webhooks over real HTTP against a real node
 * and a real receiver on 127.0.0.1 (webhook_receiver.h):
 *   - a customer's webhook gets rental.booked, rental.low_balance and
 *     rental.ended of a whole rental, the provider's gets booked and ended,
 *     each with a valid X-CPC-Signature and its X-CPC-Event-Id in the body;
 *   - a receiver failing 3 times gets the event on a later retry; the
 *     delivery log shows the 4 attempts; redelivery sends it once more;
 *   - URLs to forbidden addresses are refused (400 invalid_url), a redirect
 *     to a private address is not followed;
 *   - at most 10 webhooks, the secret is answered once, another user's
 *     webhook is 404, a read-only API key is refused. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"
#include "webhook_receiver.h"

#include <sodium.h>

#include "core/rental.h"
#include "platform/webhook_send.h"

#define PRICE 600000001ULL
#define RATE 10000001ULL
#define COMM 1000000ULL
#define COST (RATE + COMM)
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"
#define HOOK_CONF "[webhooks]\nallow_http_hosts = 127.0.0.1\nretry_base_ms = 20\nretry_cap_ms = 80\n"

static int hooks_setup(void **state) { return servers_setup_with(state, HOOK_CONF); }

struct world {
    char prov[2048], cust[2048];
    char cust_addr[64], srv[37];
    int64_t prov_id;
    struct cpc_key k;
};

static void make_world(struct fixture *f, struct world *w)
{
    w->prov_id = provider_up(f, "p@example.com", w->prov);
    server_add(f, w->prov, server_body("EPYC", "RTX 4090", 1, 24, (json_int_t)PRICE, "DE",
                                       "Berlin"),
               w->srv);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, w->cust, NULL, NULL), 200, NULL);
    snprintf(w->cust_addr, sizeof w->cust_addr, "%s", str(f->last, "address"));
    char path[96];
    worker_up(f, "wa", &w->k);
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv);
    expect(f, call(f, "PUT", path, bind_body(&w->k, w->srv, w->prov_id), w->prov, NULL), 200,
           NULL);
}

/* Create a webhook to path on rx for events as tok: its id; the secret into secret. */
static int64_t hook_add(struct fixture *f, struct rx *r, const char *tok, const char *path,
                        const char *events, char secret[80])
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", r->port, path);
    json_error_t je;
    expect(f, call(f, "POST", "/webhooks",
                   json_pack("{s:s, s:o}", "url", url, "events", json_loads(events, 0, &je)),
                   tok, NULL),
           201, NULL);
    snprintf(secret, 80, "%s", str(f->last, "secret"));
    assert_int_equal(strncmp(secret, "whsec_", 6), 0);
    assert_int_equal(strlen(secret), 70);
    return json_integer_value(json_object_get(f->last, "id"));
}

/* Poll until rx has n hits (10 s at most). */
static void wait_hits(struct rx *r, int n)
{
    for (int i = 0; i < 2000 && rx_count(r) < n; i++)
        usleep(5000);
    assert_true(rx_count(r) >= n);
}

/* Check hit h's signature under secret and that its body names its event id and type. */
static void check_hit(const struct rx_hit *h, const char *secret, const char *type)
{
    unsigned long long t = 0;
    char hex[65] = {0}, want[96];
    assert_int_equal(sscanf(h->sig, "t=%llu,v1=%64[0-9a-f]", &t, hex), 2);
    cpc__webhook_sign(secret, t, h->body, strlen(h->body), want);
    assert_string_equal(h->sig, want);
    uint64_t now = (uint64_t)time(NULL);
    assert_true(t + 60 > now && t < now + 60);
    json_t *b = json_loads(h->body, 0, NULL);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "id")), h->event_id);
    assert_string_equal(json_string_value(json_object_get(b, "type")), type);
    assert_true(json_is_integer(json_object_get(b, "created")));
    assert_true(json_is_object(json_object_get(b, "data")));
    json_decref(b);
}

static void test_rental_events(void **state)
{
    struct fixture *f = *state;
    struct world w;
    struct rx r;
    char cs[80], ps[80];
    assert_int_equal(rx_start(&r), 0);
    make_world(f, &w);
    hook_add(f, &r, w.cust, "/customer", "[\"*\"]", cs);
    hook_add(f, &r, w.prov, "/provider", "[\"rental.booked\", \"rental.ended\"]", ps);
    fund(f, w.cust_addr, 60 * COST + fee_of(f, CPC_TX_RENTAL_OPEN));
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", w.srv, "hours", 1, "ssh_public_key",
                             KEY),
                   w.cust, NULL),
           202, NULL);
    char id[65];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    uint64_t t0 = (f->node.latest.time_ms / CPC_RENTAL_MINUTE_MS + 1) * CPC_RENTAL_MINUTE_MS;
    produce_at(f, t0);
    wait_hits(&r, 2); /* booked, to both */
    produce_at(f, t0 + 45 * CPC_RENTAL_MINUTE_MS + 1000);
    wait_hits(&r, 3); /* low balance, to the customer */
    produce_at(f, t0 + 61 * CPC_RENTAL_MINUTE_MS + 1000);
    wait_hits(&r, 5); /* ended, to both */
    const char *want_c[] = {"rental.booked", "rental.low_balance", "rental.ended"};
    int nc = 0, np = 0;
    for (int i = 0; i < r.n; i++) {
        struct rx_hit *h = &r.hits[i];
        int cust = !strcmp(h->path, "/customer");
        assert_true(cust || !strcmp(h->path, "/provider"));
        const char *type = cust ? want_c[nc++] : np++ ? "rental.ended" : "rental.booked";
        check_hit(h, cust ? cs : ps, type);
        json_t *b = json_loads(h->body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(json_object_get(b, "data"),
                                                              "rental_id")),
                            id);
        json_decref(b);
    }
    assert_int_equal(nc, 3);
    assert_int_equal(np, 2);
    /* a later block sends nothing again */
    produce_at(f, t0 + 62 * CPC_RENTAL_MINUTE_MS + 1000);
    usleep(100000);
    assert_int_equal(rx_count(&r), 5);
    rx_stop(&r);
}

static void test_retry_and_log(void **state)
{
    struct fixture *f = *state;
    struct rx r;
    char secret[80], path[128];
    assert_int_equal(rx_start(&r), 0);
    json_t *j = signup_login(f, "u@example.com", PW);
    char tok[2048];
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    int64_t id = hook_add(f, &r, tok, "/fail3", "[\"payout.sent\"]", secret);
    snprintf(path, sizeof path, "/webhooks/%lld/test", (long long)id);
    expect(f, call(f, "POST", path, NULL, tok, NULL), 202, NULL);
    char ev[64];
    snprintf(ev, sizeof ev, "%s", str(f->last, "event_id"));
    wait_hits(&r, 4);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(r.hits[i].event_id, ev);
        check_hit(&r.hits[i], secret, "webhook.test");
        assert_int_equal(r.hits[i].answered, i < 3 ? 500 : 200);
    }
    /* the log: delivered after 4 attempts, the last first */
    snprintf(path, sizeof path, "/webhooks/%lld/deliveries", (long long)id);
    json_t *d = NULL;
    for (int i = 0; i < 400; i++) {
        expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
        d = json_array_get(json_object_get(f->last, "deliveries"), 0);
        if (d && !strcmp(str(d, "state"), "delivered"))
            break;
        usleep(5000);
    }
    assert_string_equal(str(d, "state"), "delivered");
    assert_string_equal(str(d, "event_id"), ev);
    assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 4);
    json_t *log = json_object_get(d, "log");
    assert_int_equal(json_array_size(log), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(log, 0), "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(log, 3), "status")), 500);
    /* redelivery sends it once more, under the same event id */
    snprintf(path, sizeof path, "/webhooks/%lld/deliveries/%lld/redeliver", (long long)id,
             (long long)json_integer_value(json_object_get(d, "id")));
    expect(f, call(f, "POST", path, NULL, tok, NULL), 202, NULL);
    wait_hits(&r, 5);
    assert_string_equal(r.hits[4].event_id, ev);
    usleep(100000);
    assert_int_equal(rx_count(&r), 5);
    rx_stop(&r);
}

static void test_forbidden_targets(void **state)
{
    struct fixture *f = *state;
    struct rx r;
    char secret[80], path[128], url[128];
    assert_int_equal(rx_start(&r), 0);
    json_t *j = signup_login(f, "u@example.com", PW);
    char tok[2048];
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    snprintf(url, sizeof url, "http://localhost:%u/hook", r.port);
    const char *bad[] = {"http://10.0.0.1/hook", "https://10.0.0.1/hook",
                         "https://169.254.169.254/latest/meta-data", url,
                         "https://[::1]/x", "https://[fe80::1]/x", "https://127.0.0.2/x",
                         "https://0.0.0.0/x", "https://224.0.0.1/x", "https://[::ffff:10.0.0.1]/x",
                         "ftp://example.com/x", "https://user@example.com/x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        expect(f, call(f, "POST", "/webhooks",
                       json_pack("{s:s, s:[s]}", "url", bad[i], "events", "rental.ended"), tok,
                       NULL),
               400, "invalid_url");
        assert_non_null(err_msg(f->last));
    }
    assert_int_equal(cpc__webhook_addr_private("8.8.8.8"), 0);
    assert_int_equal(cpc__webhook_addr_private("2606:4700::1111"), 0);
    assert_int_equal(cpc__webhook_addr_private("100.64.0.1"), 1);
    assert_int_equal(cpc__webhook_addr_private("172.31.255.255"), 1);
    assert_int_equal(cpc__webhook_addr_private("fc00::1"), 1);
    /* a redirect to a private address is not followed: the 302 is a failed attempt */
    int64_t id = hook_add(f, &r, tok, "/redirect", "[\"*\"]", secret);
    snprintf(path, sizeof path, "/webhooks/%lld/test", (long long)id);
    expect(f, call(f, "POST", path, NULL, tok, NULL), 202, NULL);
    snprintf(path, sizeof path, "/webhooks/%lld/deliveries", (long long)id);
    json_t *d = NULL;
    for (int i = 0; i < 400; i++) {
        expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
        d = json_array_get(json_object_get(f->last, "deliveries"), 0);
        if (d && json_integer_value(json_object_get(d, "attempts")) >= 1)
            break;
        usleep(5000);
    }
    assert_int_equal(json_integer_value(json_object_get(d, "last_status")), 302);
    assert_string_not_equal(str(d, "state"), "delivered");
    for (int i = 0; i < rx_count(&r); i++)
        assert_string_equal(r.hits[i].path, "/redirect");
    rx_stop(&r);
}

static void test_limits_and_owners(void **state)
{
    struct fixture *f = *state;
    struct rx r;
    char secret[80], path[128];
    assert_int_equal(rx_start(&r), 0);
    json_t *j = signup_login(f, "u@example.com", PW);
    char tok[2048], other[2048];
    snprintf(tok, sizeof tok, "%s", str(j, "access_token"));
    json_decref(j);
    advance(f, 61000);
    j = signup_login(f, "o@example.com", PW);
    snprintf(other, sizeof other, "%s", str(j, "access_token"));
    json_decref(j);
    int64_t first = 0;
    for (int i = 0; i < 10; i++) {
        int64_t id = hook_add(f, &r, tok, "/h", "[\"job.completed\"]", secret);
        first = first ? first : id;
    }
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/h", r.port);
    expect(f, call(f, "POST", "/webhooks",
                   json_pack("{s:s, s:[s]}", "url", url, "events", "job.completed"), tok, NULL),
           409, "too_many_webhooks");
    expect(f, call(f, "POST", "/webhooks",
                   json_pack("{s:s, s:[s]}", "url", url, "events", "job.nope"), tok, NULL),
           400, "invalid_event");
    /* the list never shows a secret */
    expect(f, http_ex(f, "GET", "/webhooks", NULL, tok, NULL, NULL), 200, NULL);
    json_t *a = json_object_get(f->last, "webhooks");
    assert_int_equal(json_array_size(a), 10);
    assert_null(json_object_get(json_array_get(a, 0), "secret"));
    char *text = json_dumps(f->last, 0);
    assert_null(strstr(text, "whsec_"));
    free(text);
    /* another user's webhook is 404 everywhere */
    snprintf(path, sizeof path, "/webhooks/%lld/deliveries", (long long)first);
    expect(f, http_ex(f, "GET", path, NULL, other, NULL, NULL), 404, "not_found");
    snprintf(path, sizeof path, "/webhooks/%lld/test", (long long)first);
    expect(f, call(f, "POST", path, NULL, other, NULL), 404, "not_found");
    snprintf(path, sizeof path, "/webhooks/%lld", (long long)first);
    expect(f, call(f, "DELETE", path, NULL, other, NULL), 404, "not_found");
    expect(f, call(f, "DELETE", path, NULL, tok, NULL), 200, NULL);
    expect(f, call(f, "DELETE", path, NULL, tok, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", "/webhooks", NULL, NULL, NULL, NULL), 401, NULL);
    rx_stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rental_events, hooks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_and_log, hooks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_forbidden_targets, hooks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_owners, hooks_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
