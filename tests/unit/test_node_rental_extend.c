/* test_node_rental_extend.c — POST /rentals/{id}/extend (RENTAL_EXTEND) and
 * GET/PUT /admin/users/{id}/commission (COMMISSION_SET) over real HTTP on
 * 127.0.0.1 against a real node (node_servers_fixture.h), blocks produced at
 * chosen times. Extending raises the escrow by hours x 60 x (rate +
 * commission) and the end refunds exactly the unused part; 402 without the
 * funds; another user's rental 404; not before it opens nor after it ends
 * (409). The admin sets a provider's commission (the validator key signs the
 * COMMISSION_SET): a rental opened after pays the new commission, to the
 * unit, while one opened before keeps 10%; non-admins get 403; GET reads
 * the chain's value; the default clears it. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include "core/rental.h"

#define CPC 1000000000ULL
#define PRICE 600000001ULL /* per GPU-hour: 10,000,000.02 a minute, rounded up */
#define RATE 10000001ULL
#define COMM 1000000ULL /* floor(RATE x 10%) */
#define COMM25 2500000ULL /* floor(RATE x 25%) */
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"

static int rent_setup(void **state) { return servers_setup_with(state, ""); }

struct world {
    char prov[2048], cust[2048], other[2048];
    char cust_addr[64], prov_addr[64];
    char srv_a[37];
    int64_t prov_id, cust_id;
    struct cpc_key ka;
};

static int64_t user_id(struct fixture *f, const char *tok)
{
    json_t *j = NULL;
    assert_int_equal(http_ex(f, "GET", "/me", NULL, tok, NULL, &j), 200);
    int64_t id = (int64_t)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    return id;
}

/* A provider with server A (online), a customer and another user. */
static void make_world(struct fixture *f, struct world *w)
{
    w->prov_id = provider_up(f, "p@example.com", w->prov);
    server_add(f, w->prov, server_body("A", "RTX 4090", 1, 24, (json_int_t)PRICE, "DE", "Berlin"),
               w->srv_a);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
    advance(f, 61000);
    j = signup_login(f, "o@example.com", PW);
    snprintf(w->other, sizeof w->other, "%s", str(j, "access_token"));
    json_decref(j);
    w->cust_id = user_id(f, w->cust);
    wallet_of(f, w->cust, w->cust_addr);
    wallet_of(f, w->prov, w->prov_addr);
    char path[96];
    worker_up(f, "wa", &w->ka);
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv_a);
    expect(f, call(f, "PUT", path, bind_body(&w->ka, w->srv_a, w->prov_id), w->prov, NULL), 200,
           NULL);
}

static json_t *by_id(const char *id, int hours)
{
    return json_pack("{s:s, s:i, s:s}", "gpu_id", id, "hours", hours, "ssh_public_key", KEY);
}

#define NUM(f, key) json_integer_value(json_object_get((f)->last, key))

static void test_extend_then_end_refunds_rest(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 20 * CPC);
    uint64_t cust0 = account_of(f, w.cust_addr).balance, prov0 = account_of(f, w.prov_addr).balance,
             tre0 = treasury_balance(f);
    const uint64_t cost = RATE + COMM, hour = 60 * cost;
    expect(f, call(f, "POST", "/rentals", by_id(w.srv_a, 1), w.cust, NULL), 202, NULL);
    char id[65], path[160];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    snprintf(path, sizeof path, "/rentals/%s/extend", id);
    /* not open yet: no block took it */
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 1), w.cust, NULL), 409,
           "not_open");
    uint64_t t0 = f->node.latest.time_ms + 1000;
    produce_at(f, t0);
    assert_string_equal(tx_status(f, id), "success");
    /* bad bodies, another user, no token */
    static const char *const bad[] = {"{\"hours\":0}", "{\"hours\":721}", "{\"hours\":\"1\"}",
                                      "{\"hours\":1,\"x\":1}", "[]", "{}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(f, http_ex(f, "POST", path, bad[i], w.cust, NULL, NULL), 400, NULL);
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 1), w.other, NULL), 404,
           "not_found");
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 1), NULL, NULL), 401, NULL);
    /* two more hours: the answer says what the escrow will be */
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 2), w.cust, NULL), 202, NULL);
    char ext[65];
    snprintf(ext, sizeof ext, "%s", str(f->last, "tx_hash"));
    assert_int_equal(NUM(f, "amount"), (json_int_t)(2 * hour));
    assert_int_equal(NUM(f, "minutes_added"), 120);
    assert_int_equal(NUM(f, "escrow_after"), (json_int_t)(3 * hour));
    assert_int_equal(NUM(f, "funded_until_ms"), (json_int_t)(t0 + 180 * CPC_RENTAL_MINUTE_MS));
    produce_at(f, t0 + 1000);
    assert_string_equal(tx_status(f, ext), "success");
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "escrow_left"), (json_int_t)(3 * hour));
    assert_int_equal(NUM(f, "deposit"), (json_int_t)(3 * hour));
    assert_int_equal(NUM(f, "funded_until_ms"), (json_int_t)(t0 + 180 * CPC_RENTAL_MINUTE_MS));
    /* past the first hour it is still open, paid 65 minutes */
    produce_at(f, t0 + 65 * CPC_RENTAL_MINUTE_MS);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "open");
    assert_int_equal(NUM(f, "minutes_paid"), 65);
    /* ended at 65:30: 66 minutes paid, the other 114 refunded */
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 202, NULL);
    produce_at(f, t0 + 65 * CPC_RENTAL_MINUTE_MS + 30000);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "status"), "ended");
    assert_int_equal(NUM(f, "minutes_paid"), 66);
    assert_int_equal(NUM(f, "escrow_left"), 0);
    assert_int_equal(account_of(f, w.prov_addr).balance - prov0, 66 * RATE);
    assert_int_equal(treasury_balance(f) - tre0, 66 * COMM);
    assert_int_equal(cust0 - account_of(f, w.cust_addr).balance,
                     66 * cost + fee_of(f, CPC_TX_RENTAL_OPEN) + fee_of(f, CPC_TX_RENTAL_EXTEND) +
                         fee_of(f, CPC_TX_RENTAL_END));
    snprintf(path, sizeof path, "/rentals/%s/extend", id);
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 1), w.cust, NULL), 409,
           "already_ended");
}

static void test_extend_needs_funds(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    const uint64_t cost = RATE + COMM, hour = 60 * cost;
    uint64_t open_fee = fee_of(f, CPC_TX_RENTAL_OPEN), ext_fee = fee_of(f, CPC_TX_RENTAL_EXTEND);
    fund(f, w.cust_addr, hour + open_fee); /* exactly the first hour */
    expect(f, call(f, "POST", "/rentals", by_id(w.srv_a, 1), w.cust, NULL), 202, NULL);
    char id[65], path[160];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    produce_at(f, f->node.latest.time_ms + 1000);
    assert_string_equal(tx_status(f, id), "success");
    snprintf(path, sizeof path, "/rentals/%s/extend", id);
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 1), w.cust, NULL), 402,
           "insufficient_funds");
    fund(f, w.cust_addr, hour + ext_fee - 1);
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 1), w.cust, NULL), 402,
           "insufficient_funds");
    fund(f, w.cust_addr, 1);
    expect(f, call(f, "POST", path, json_pack("{s:i}", "hours", 1), w.cust, NULL), 202, NULL);
    assert_int_equal(NUM(f, "amount"), (json_int_t)hour);
}

/* An admin: a signed-up user given the admin role in the store; its token into out. */
static void admin_up(struct fixture *f, char out[2048])
{
    advance(f, 61000);
    json_t *j = signup_login(f, "root@example.com", PW);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_user_set_roles(f->node.platform->store, user_id(f, out),
                                               CPC_ROLE_ADMIN | CPC_ROLE_CUSTOMER, &err),
                     0);
}

static void test_admin_commission(void **state)
{
    struct fixture *f = *state;
    struct world w;
    char admin[2048], path[96], val[CPC_ADDR_STR_MAX];
    admin_up(f, admin); /* first: the clock moves, the worker must stay online */
    make_world(f, &w);
    fund(f, w.cust_addr, 20 * CPC);
    assert_int_equal(cpc_pubkey_address(val, f->node.validator.info.pubkey), 0);
    fund(f, val, CPC); /* the validator pays COMMISSION_SET's fee */
    /* a rental opened at 10%; the catalogue shows 10% */
    char gpath0[96];
    snprintf(gpath0, sizeof gpath0, "/market/gpu/%s", w.srv_a);
    expect(f, http_ex(f, "GET", gpath0, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "price_per_hour"), (json_int_t)(PRICE + PRICE / 10));
    expect(f, call(f, "POST", "/rentals", by_id(w.srv_a, 1), w.cust, NULL), 202, NULL);
    char old_id[65], new_id[65];
    snprintf(old_id, sizeof old_id, "%s", str(f->last, "id"));
    uint64_t t0 = f->node.latest.time_ms + 1000;
    produce_at(f, t0);
    snprintf(path, sizeof path, "/admin/users/%lld/commission", (long long)w.prov_id);
    expect(f, http_ex(f, "GET", path, NULL, admin, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "bps"), 1000);
    assert_false(json_is_true(json_object_get(f->last, "override")));
    assert_string_equal(str(f->last, "provider"), w.prov_addr);
    /* not an admin: 403; not a provider: 409; bad bodies: 400 */
    expect(f, call(f, "PUT", path, json_pack("{s:i}", "bps", 2500), w.cust, NULL), 403, NULL);
    expect(f, call(f, "PUT", path, json_pack("{s:i}", "bps", 2500), w.prov, NULL), 403, NULL);
    expect(f, http_ex(f, "GET", path, NULL, w.prov, NULL, NULL), 403, NULL);
    char cpath[96];
    snprintf(cpath, sizeof cpath, "/admin/users/%lld/commission", (long long)w.cust_id);
    expect(f, call(f, "PUT", cpath, json_pack("{s:i}", "bps", 2500), admin, NULL), 409,
           "not_provider");
    expect(f, http_ex(f, "PUT", path, "{\"bps\":5001}", admin, NULL, NULL), 400, "invalid_bps");
    expect(f, http_ex(f, "PUT", path, "{\"bps\":-1}", admin, NULL, NULL), 400, "invalid_bps");
    expect(f, http_ex(f, "PUT", path, "{\"bps\":1,\"x\":2}", admin, NULL, NULL), 400, NULL);
    expect(f, http_ex(f, "PUT", "/admin/users/999999/commission", "{\"bps\":1}", admin, NULL,
                      NULL),
           404, NULL);
    /* 25% for this provider */
    expect(f, call(f, "PUT", path, json_pack("{s:i}", "bps", 2500), admin, NULL), 202, NULL);
    char tx[65];
    snprintf(tx, sizeof tx, "%s", str(f->last, "tx_hash"));
    produce_at(f, t0 + 1000);
    assert_string_equal(tx_status(f, tx), "success");
    expect(f, http_ex(f, "GET", path, NULL, admin, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "bps"), 2500);
    assert_true(json_is_true(json_object_get(f->last, "override")));
    expect(f, http_ex(f, "GET", "/admin/audit", NULL, admin, NULL, NULL), 200, NULL);
    char *audit = json_dumps(f->last, 0);
    assert_non_null(audit);
    assert_non_null(strstr(audit, "commission_set"));
    free(audit);
    /* the catalogue shows the provider's price plus 25% */
    char gpath[96];
    snprintf(gpath, sizeof gpath, "/market/gpu/%s", w.srv_a);
    expect(f, http_ex(f, "GET", gpath, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "price_per_hour"), (json_int_t)(PRICE + PRICE / 4));
    expect(f, http_ex(f, "GET", "/market/gpu", NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(f->last, "servers"), 0), "price_per_hour")),
                     (json_int_t)(PRICE + PRICE / 4));
    /* a new rental prices and pays 25%; the old one keeps 10% */
    expect(f, call(f, "POST", "/rentals", by_id(w.srv_a, 1), w.cust, NULL), 202, NULL);
    snprintf(new_id, sizeof new_id, "%s", str(f->last, "id"));
    assert_int_equal(NUM(f, "commission_per_minute"), (json_int_t)COMM25);
    assert_int_equal(NUM(f, "deposit"), (json_int_t)(60 * (RATE + COMM25)));
    produce_at(f, t0 + 2000);
    assert_string_equal(tx_status(f, new_id), "success");
    uint64_t tre0 = treasury_balance(f);
    produce_at(f, t0 + 2 * CPC_RENTAL_MINUTE_MS + 2000);
    /* the old: 2 minutes at 10%; the new: 2 minutes at 25% */
    assert_int_equal(treasury_balance(f) - tre0, 2 * COMM + 2 * COMM25);
    char vpath[160];
    snprintf(vpath, sizeof vpath, "/rentals/%s", old_id);
    expect(f, http_ex(f, "GET", vpath, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "commission_bps"), 1000);
    snprintf(vpath, sizeof vpath, "/rentals/%s", new_id);
    expect(f, http_ex(f, "GET", vpath, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "commission_bps"), 2500);
    assert_int_equal(NUM(f, "commission_per_minute"), (json_int_t)COMM25);
    /* an extension of the new one is priced at its own 25% */
    snprintf(vpath, sizeof vpath, "/rentals/%s/extend", new_id);
    expect(f, call(f, "POST", vpath, json_pack("{s:i}", "hours", 1), w.cust, NULL), 202, NULL);
    assert_int_equal(NUM(f, "amount"), (json_int_t)(60 * (RATE + COMM25)));
    /* the default clears it */
    expect(f, call(f, "PUT", path, json_pack("{s:i}", "bps", 1000), admin, NULL), 202, NULL);
    produce_at(f, t0 + 2 * CPC_RENTAL_MINUTE_MS + 3000);
    expect(f, http_ex(f, "GET", path, NULL, admin, NULL, NULL), 200, NULL);
    assert_int_equal(NUM(f, "bps"), 1000);
    assert_false(json_is_true(json_object_get(f->last, "override")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_extend_then_end_refunds_rest, rent_setup, teardown),
        cmocka_unit_test_setup_teardown(test_extend_needs_funds, rent_setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_commission, rent_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
