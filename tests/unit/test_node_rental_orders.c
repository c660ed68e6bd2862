/* test_node_rental_orders.c — what the node tells a provider's worker to run
 * (rental_orders.c, routes_rental_ops.c) over real HTTP against a real node
 * (node_servers_fixture.h): servers A and B bound to workers wa and wb, a
 * customer rents A. The heartbeat answer of wa carries exactly the open
 * rentals of A (none while the RENTAL_OPEN waits for a block, none after the
 * chain ended it), wb's never; wa's reports show in the rental's
 * "provisioning", wb's reports about it are ignored; a bad report is 400;
 * the customer's reboot bumps reboot_seq (another user: 404; after the end:
 * 409); the log upload is wa's only (wb: 404) and the customer reads it
 * (another user: 404); A shows "busy" while rented, and the catalogue's
 * status filter finds it. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include "core/rental.h"

#define CPC 1000000000ULL
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"

static int orders_setup(void **state) { return servers_setup_with(state, ""); }

struct world {
    char prov[2048], cust[2048], other[2048];
    char cust_addr[64];
    char srv_a[37], srv_b[37];
    int64_t prov_id;
    struct cpc_key ka, kb;
};

static void make_world(struct fixture *f, struct world *w)
{
    w->prov_id = provider_up(f, "p@example.com", w->prov);
    server_add(f, w->prov, server_body("A", "RTX 4090", 2, 24, 600000000, "DE", "Berlin"),
               w->srv_a);
    server_add(f, w->prov, server_body("B", "RTX 4090", 1, 24, 600000000, "DE", "Berlin"),
               w->srv_b);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
    advance(f, 61000);
    j = signup_login(f, "o@example.com", PW);
    snprintf(w->other, sizeof w->other, "%s", str(j, "access_token"));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, w->cust, NULL, NULL), 200, NULL);
    snprintf(w->cust_addr, sizeof w->cust_addr, "%s", str(f->last, "address"));
    worker_up(f, "wa", &w->ka);
    worker_up(f, "wb", &w->kb);
    char path[96];
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv_a);
    expect(f, call(f, "PUT", path, bind_body(&w->ka, w->srv_a, w->prov_id), w->prov, NULL), 200,
           NULL);
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv_b);
    expect(f, call(f, "PUT", path, bind_body(&w->kb, w->srv_b, w->prov_id), w->prov, NULL), 200,
           NULL);
}

/* A signed POST by k of body; the answer's status, its JSON in f->last. */
static long signed_post(struct fixture *f, const struct cpc_key *k, const char *path,
                        const char *body)
{
    static uint64_t last;
    uint64_t now = cpc_clock_wall_ms();
    last = now > last ? now : last + 1;
    struct cpc_req_sig sig;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_req_sign(&sig, s, k, "POST", path, body, strlen(body), last, NULL), 0);
    cpc_signer_free(s);
    struct nt_req r = {"POST", path, body, strlen(body), nt_sig_headers(NULL, &sig), UA,
                       NULL, NULL, 10, NULL};
    json_decref(f->last);
    f->last = NULL;
    return nt_http_json(f->curl, f->base, &r, &f->last);
}

/* The heartbeat answer's "rentals" of k (asserts 200 and rentals_complete). */
static json_t *orders_of(struct fixture *f, const struct cpc_key *k, const char *body)
{
    assert_int_equal(signed_post(f, k, "/worker/heartbeat", body), 200);
    assert_true(json_is_true(json_object_get(f->last, "rentals_complete")));
    json_t *arr = json_object_get(f->last, "rentals");
    assert_true(json_is_array(arr));
    return arr;
}

static const char *status_of(struct fixture *f, const char *tok, const char *server)
{
    expect(f, http_ex(f, "GET", "/provider/servers", NULL, tok, NULL, NULL), 200, NULL);
    json_t *arr = json_object_get(f->last, "servers");
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (!strcmp(str(json_array_get(arr, i), "id"), server))
            return str(json_array_get(arr, i), "status");
    fail_msg("server %s not listed", server);
    return NULL;
}

static void produce_next(struct fixture *f)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_produce_block(&f->node, f->node.latest.time_ms + 1000, &err), 0);
}

/* Rent A and open it in a block: the rental id into id (65). */
static void rent_open(struct fixture *f, struct world *w, char *id)
{
    fund(f, w->cust_addr, 10 * CPC);
    expect(f,
           call(f, "POST", "/rentals",
                json_pack("{s:s, s:i, s:s}", "gpu_id", w->srv_a, "hours", 2, "ssh_public_key",
                          KEY),
                w->cust, NULL),
           202, NULL);
    snprintf(id, 65, "%s", str(f->last, "id"));
    /* not in a block yet: not ordered, and the server is busy (a rental row is not ended) */
    assert_int_equal(json_array_size(orders_of(f, &w->ka, "{}")), 0);
    produce_next(f);
    assert_string_equal(tx_status(f, id), "success");
}

static void test_orders_reports_busy(void **state)
{
    struct fixture *f = *state;
    struct world w;
    char id[65], path[160], body[512];
    make_world(f, &w);
    assert_string_equal(status_of(f, w.prov, w.srv_a), "online");
    rent_open(f, &w, id);
    json_t *arr = orders_of(f, &w.ka, "{}");
    assert_int_equal(json_array_size(arr), 1);
    json_t *o = json_array_get(arr, 0);
    assert_string_equal(str(o, "id"), id);
    assert_string_equal(str(o, "ssh_public_key"), KEY);
    assert_int_equal(json_integer_value(json_object_get(o, "port")), 22000);
    assert_int_equal(json_integer_value(json_object_get(o, "reboot_seq")), 0);
    /* the rental takes the whole server: its 2 GPUs */
    assert_int_equal(json_integer_value(json_object_get(o, "gpus")), 2);
    assert_true(json_integer_value(json_object_get(o, "ends_ms")) >
                (json_int_t)f->node.latest.time_ms);
    assert_int_equal(json_array_size(orders_of(f, &w.kb, "{}")), 0);
    /* before a report: pending */
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(json_object_get(f->last, "provisioning"), "state"), "pending");
    /* wa reports it running; wb's report about it is ignored */
    snprintf(body, sizeof body,
             "{\"rentals\":[{\"id\":\"%s\",\"state\":\"running\",\"port\":22000,"
             "\"reboot_done\":0}]}", id);
    orders_of(f, &w.ka, body);
    snprintf(body, sizeof body,
             "{\"rentals\":[{\"id\":\"%s\",\"state\":\"failed\",\"error\":\"x\"}]}", id);
    orders_of(f, &w.kb, body);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    json_t *prov = json_object_get(f->last, "provisioning");
    assert_string_equal(str(prov, "state"), "running");
    assert_true(json_is_null(json_object_get(prov, "error")));
    assert_true(json_integer_value(json_object_get(prov, "updated_ms")) > 0);
    expect(f, http_ex(f, "GET", "/rentals", NULL, w.cust, NULL, NULL), 200, NULL);
    json_t *first = json_array_get(json_object_get(f->last, "rentals"), 0);
    assert_string_equal(str(json_object_get(first, "provisioning"), "state"), "running");
    /* strict reports */
    snprintf(body, sizeof body, "{\"rentals\":[{\"id\":\"%s\",\"state\":\"bogus\"}]}", id);
    assert_int_equal(signed_post(f, &w.ka, "/worker/heartbeat", body), 400);
    snprintf(body, sizeof body, "{\"rentals\":[{\"id\":\"%s\",\"state\":\"running\",\"x\":1}]}",
             id);
    assert_int_equal(signed_post(f, &w.ka, "/worker/heartbeat", body), 400);
    assert_int_equal(signed_post(f, &w.ka, "/worker/heartbeat",
                                 "{\"rentals\":[{\"id\":\"abc\",\"state\":\"running\"}]}"),
                     400);
    /* busy while rented: the cabinet and the catalogue */
    assert_string_equal(status_of(f, w.prov, w.srv_a), "busy");
    assert_string_equal(status_of(f, w.prov, w.srv_b), "online");
    expect(f, http_ex(f, "GET", "/market/gpu?status=busy", NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 1);
    assert_string_equal(str(json_array_get(json_object_get(f->last, "servers"), 0), "id"),
                        w.srv_a);
    expect(f, http_ex(f, "GET", "/market/gpu?status=online", NULL, w.cust, NULL, NULL), 200,
           NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 1);
    assert_string_equal(str(json_array_get(json_object_get(f->last, "servers"), 0), "id"),
                        w.srv_b);
    expect(f, http_ex(f, "GET", "/market/gpu?status=idle", NULL, w.cust, NULL, NULL), 400,
           "invalid_status");
}

static void test_reboot_logs_end(void **state)
{
    struct fixture *f = *state;
    struct world w;
    char id[65], path[160], lpath[160];
    make_world(f, &w);
    rent_open(f, &w, id);
    snprintf(path, sizeof path, "/rentals/%s/reboot", id);
    expect(f, http_ex(f, "POST", path, NULL, w.other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "POST", path, NULL, w.cust, NULL, NULL), 202, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "reboot_seq")), 1);
    expect(f, http_ex(f, "POST", path, NULL, w.cust, NULL, NULL), 202, NULL);
    assert_int_equal(json_integer_value(json_object_get(f->last, "reboot_seq")), 2);
    json_t *arr = orders_of(f, &w.ka, "{}");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "reboot_seq")),
                     2);
    /* logs: only the bound worker uploads; only the customer reads */
    snprintf(lpath, sizeof lpath, "/worker/rentals/%s/logs", id);
    assert_int_equal(signed_post(f, &w.kb, lpath, "{\"tail\":\"nope\"}"), 404);
    assert_int_equal(signed_post(f, &w.ka, lpath, "{\"tail\":\"sshd: Server listening\\n\"}"),
                     200);
    assert_int_equal(signed_post(f, &w.ka, lpath, "{\"tail\":1}"), 400);
    assert_int_equal(signed_post(f, &w.ka, lpath, "{\"tail\":\"a\",\"more\":1}"), 400);
    snprintf(path, sizeof path, "/rentals/%s/logs", id);
    expect(f, http_ex(f, "GET", path, NULL, w.other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "tail"), "sshd: Server listening\n");
    assert_true(json_integer_value(json_object_get(f->last, "updated_ms")) > 0);
    /* overwritten, one row */
    assert_int_equal(signed_post(f, &w.ka, lpath, "{\"tail\":\"second\"}"), 200);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "tail"), "second");
    /* ended on chain: out of the set (the stop order), no reboot, the server free again */
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 202, NULL);
    assert_int_equal(json_array_size(orders_of(f, &w.ka, "{}")), 1); /* not in a block yet */
    produce_next(f);
    assert_int_equal(json_array_size(orders_of(f, &w.ka, "{}")), 0);
    snprintf(path, sizeof path, "/rentals/%s/reboot", id);
    expect(f, http_ex(f, "POST", path, NULL, w.cust, NULL, NULL), 409, "not_open");
    assert_string_equal(status_of(f, w.prov, w.srv_a), "online");
    /* a report of the stop is still recorded (the rental is on wa's server) */
    char body[256];
    snprintf(body, sizeof body, "{\"rentals\":[{\"id\":\"%s\",\"state\":\"stopped\"}]}", id);
    orders_of(f, &w.ka, body);
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(json_object_get(f->last, "provisioning"), "state"), "stopped");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_orders_reports_busy, orders_setup, teardown),
        cmocka_unit_test_setup_teardown(test_reboot_logs_end, orders_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
