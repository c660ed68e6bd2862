/* test_node_admin_views.c — the operators' routes over real HTTP against a
 * real node (routes_admin_users.c, routes_admin_servers.c, routes_finance.c):
 *   - user search by email substring and id, role and status filters, paging,
 *     no secret in any row; an operator verifies an email (audited);
 *   - the withdrawal queue by status, next to approve/reject;
 *   - every server with the catalogue's status (online with a bound worker,
 *     offline without), its latest load sample, location and provider email;
 *     the filters; the map groups by (country, city) with the online count;
 *   - finance: a rental pays minutes; the revenue CSV's commission column
 *     sums to the treasury's balance change, which is minutes x commission,
 *     and the JSON totals agree; a period without the rental sums to 0;
 *   - bad input 400, and a customer or provider 403 on each route. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include "core/rental.h"
#include "cpcd/admin_cli.h"

#define CPC 1000000000ULL
#define PRICE 600000001ULL /* per GPU-hour */
#define RATE 10000001ULL
#define COMM 1000000ULL /* floor(RATE x 10%) */
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"

static int views_setup(void **state) { return servers_setup_with(state, ""); }

struct world {
    char prov[2048], cust[2048], admin[2048];
    char cust_addr[64], prov_addr[64], srv[37], srv2[37];
    int64_t prov_id, cust_id;
    struct cpc_key k;
};

static void sign_in(struct fixture *f, const char *email, char out[2048])
{
    json_t *j = NULL;
    advance(f, 61000);
    assert_int_equal(login(f, email, PW, NULL, &j), 200);
    snprintf(out, 2048, "%s", str(j, "access_token"));
    json_decref(j);
}

static int64_t me(struct fixture *f, const char *tok)
{
    expect(f, http_ex(f, "GET", "/me", NULL, tok, NULL, NULL), 200, NULL);
    return (int64_t)json_integer_value(json_object_get(f->last, "id"));
}

/* A provider with two servers (DE Berlin bound to a live worker, US Austin unbound), a
 * customer and an admin. */
static void make_world(struct fixture *f, struct world *w)
{
    w->prov_id = provider_up(f, "p@example.com", w->prov);
    server_add(f, w->prov, server_body("a", "RTX 4090", 1, 24, (json_int_t)PRICE, "DE", "Berlin"),
               w->srv);
    server_add(f, w->prov, server_body("b", "A100 80GB", 2, 80, (json_int_t)PRICE, "US", "Austin"),
               w->srv2);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
    w->cust_id = me(f, w->cust);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char line[] = PW "\n";
    assert_int_equal(write(fds[1], line, strlen(line)), (ssize_t)strlen(line));
    close(fds[1]);
    struct cpc_err err = {0};
    int64_t admin_id = 0;
    int created = 0;
    assert_int_equal(cpc_admin_create(f->home, "admin@example.com", fds[0], stderr, &admin_id,
                                      &created, &err),
                     0);
    close(fds[0]);
    sign_in(f, "admin@example.com", w->admin);
    wallet_of(f, w->cust, w->cust_addr);
    wallet_of(f, w->prov, w->prov_addr);
    char path[96];
    worker_up(f, "wa", &w->k);
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv);
    expect(f, call(f, "PUT", path, bind_body(&w->k, w->srv, w->prov_id), w->prov, NULL), 200,
           NULL);
}

static json_int_t num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("no integer %s", k);
    return json_integer_value(v);
}

static size_t count_of(struct fixture *f, const char *tok, const char *path, const char *key)
{
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), 200, NULL);
    return json_array_size(json_object_get(f->last, key));
}

static void test_admin_users(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    /* an unverified sign-up */
    expect(f, post(f, "/auth/register",
                   json_pack("{s:s, s:s}", "email", "late@example.com", "password", PW), NULL),
           201, NULL);
    assert_int_equal(count_of(f, w.admin, "/admin/users", "users"), 4);
    expect(f, http_ex(f, "GET", "/admin/users?q=C%40EXAMPLE", NULL, w.admin, NULL, NULL), 200,
           NULL);
    json_t *arr = json_object_get(f->last, "users");
    assert_int_equal(json_array_size(arr), 1);
    assert_string_equal(str(json_array_get(arr, 0), "email"), "c@example.com");
    size_t i;
    json_t *u;
    expect(f, http_ex(f, "GET", "/admin/users", NULL, w.admin, NULL, NULL), 200, NULL);
    json_array_foreach(json_object_get(f->last, "users"), i, u)
    {
        assert_null(json_object_get(u, "password_hash"));
        assert_non_null(json_object_get(u, "roles"));
    }
    char *dump = json_dumps(f->last, 0);
    assert_null(strstr(dump, "argon2"));
    free(dump);
    char path[96];
    snprintf(path, sizeof path, "/admin/users?q=%lld", (long long)w.cust_id);
    assert_int_equal(count_of(f, w.admin, path, "users"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/users?role=provider", "users"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/users?role=admin", "users"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/users?status=unverified", "users"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/users?status=blocked", "users"), 0);
    assert_int_equal(count_of(f, w.admin, "/admin/users?limit=2&offset=3", "users"), 1);
    expect(f, http_ex(f, "GET", "/admin/users?role=king", NULL, w.admin, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/users?status=x", NULL, w.admin, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/users?limit=0", NULL, w.admin, NULL, NULL), 400, NULL);
    expect(f, http_ex(f, "GET", "/admin/users", NULL, w.cust, NULL, NULL), 403, NULL);
    /* verify the late one */
    expect(f, http_ex(f, "GET", "/admin/users?status=unverified", NULL, w.admin, NULL, NULL), 200,
           NULL);
    json_int_t late = num(json_array_get(json_object_get(f->last, "users"), 0), "id");
    snprintf(path, sizeof path, "/admin/users/%lld/verify", (long long)late);
    expect(f, http_ex(f, "POST", path, "{}", w.cust, NULL, NULL), 403, NULL);
    expect(f, http_ex(f, "POST", path, "{}", w.admin, NULL, NULL), 200, NULL);
    assert_true(json_is_true(json_object_get(f->last, "changed")));
    assert_true(audit_has(f, "email_verified_by_admin"));
    assert_int_equal(count_of(f, w.admin, "/admin/users?status=unverified", "users"), 0);
    expect(f, http_ex(f, "POST", "/admin/users/999999/verify", "{}", w.admin, NULL, NULL), 404,
           "not_found");
    expect(f, http_ex(f, "POST", "/admin/users/x/verify", "{}", w.admin, NULL, NULL), 400, NULL);
}

static void test_admin_withdrawals(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.prov_addr, 10 * CPC);
    const char body[] = "{\"amount_cpc\":\"2\",\"method\":\"card\",\"destination\":"
                        "\"4111111111111111\"}";
    expect(f, http_ex(f, "POST", "/provider/withdrawals", body, w.prov, NULL, NULL), 201, NULL);
    char id[40], path[128];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    expect(f, http_ex(f, "POST", "/provider/withdrawals", body, w.prov, NULL, NULL), 201, NULL);
    expect(f, http_ex(f, "GET", "/admin/withdrawals", NULL, w.admin, NULL, NULL), 200, NULL);
    json_t *arr = json_object_get(f->last, "withdrawals");
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(str(json_array_get(arr, 0), "id"), id); /* the oldest first */
    assert_int_equal(num(json_array_get(arr, 0), "user_id"), w.prov_id);
    snprintf(path, sizeof path, "/admin/withdrawals/%s/reject", id);
    expect(f, http_ex(f, "POST", path, "{\"reason\":\"no\"}", w.admin, NULL, NULL), 200, NULL);
    assert_int_equal(count_of(f, w.admin, "/admin/withdrawals?status=pending", "withdrawals"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/withdrawals?status=rejected", "withdrawals"),
                     1);
    assert_int_equal(count_of(f, w.admin, "/admin/withdrawals?status=approved", "withdrawals"),
                     0);
    assert_int_equal(count_of(f, w.admin, "/admin/withdrawals?limit=1&offset=1", "withdrawals"),
                     0);
    expect(f, http_ex(f, "GET", "/admin/withdrawals?status=paid", NULL, w.admin, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/withdrawals", NULL, w.prov, NULL, NULL), 403, NULL);
}

/* The entry of server id in the last answer's "servers" (borrowed), or NULL. */
static json_t *server_in(struct fixture *f, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(f->last, "servers"), i, s) if (!strcmp(str(s, "id"), id))
        return s;
    return NULL;
}

static void test_admin_servers(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    heartbeat(f, &w.k); /* a load sample for the bound server */
    expect(f, http_ex(f, "GET", "/admin/servers", NULL, w.admin, NULL, NULL), 200, NULL);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 2);
    json_t *a = server_in(f, w.srv), *b = server_in(f, w.srv2);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(str(a, "status"), "online");
    assert_string_equal(str(b, "status"), "offline");
    assert_string_equal(str(json_object_get(a, "provider"), "email"), "p@example.com");
    assert_string_equal(str(json_object_get(a, "location"), "city"), "Berlin");
    assert_true(json_is_object(json_object_get(a, "load")));
    assert_true(json_is_null(json_object_get(b, "load")));
    assert_true(json_is_integer(json_object_get(a, "uptime_s")));
    assert_int_equal(count_of(f, w.admin, "/admin/servers?status=online", "servers"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/servers?status=offline", "servers"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/servers?status=busy", "servers"), 0);
    assert_int_equal(count_of(f, w.admin, "/admin/servers?country=US", "servers"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/servers?model=A100%2080GB", "servers"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/servers?provider=P%40example.com", "servers"),
                     2);
    char path[96];
    snprintf(path, sizeof path, "/admin/servers?provider=%lld", (long long)w.cust_id);
    assert_int_equal(count_of(f, w.admin, path, "servers"), 0);
    assert_int_equal(count_of(f, w.admin, "/admin/servers?limit=1&offset=1", "servers"), 1);
    assert_int_equal(count_of(f, w.admin, "/admin/servers?status=offline&offset=1", "servers"),
                     0);
    expect(f, http_ex(f, "GET", "/admin/servers?status=up", NULL, w.admin, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/servers?country=USA", NULL, w.admin, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/servers", NULL, w.prov, NULL, NULL), 403, NULL);
    /* the map */
    expect(f, http_ex(f, "GET", "/admin/servers/locations", NULL, w.admin, NULL, NULL), 200,
           NULL);
    json_t *locs = json_object_get(f->last, "locations");
    assert_int_equal(json_array_size(locs), 2);
    json_t *de = json_array_get(locs, 0), *us = json_array_get(locs, 1);
    assert_string_equal(str(de, "country"), "DE");
    assert_int_equal(num(de, "count"), 1);
    assert_int_equal(num(de, "online"), 1);
    assert_int_equal(num(de, "gpus"), 1);
    assert_string_equal(str(us, "city"), "Austin");
    assert_int_equal(num(us, "online"), 0);
    assert_int_equal(num(us, "gpus"), 2); /* offline GPUs are on the map too */
    expect(f, http_ex(f, "GET", "/admin/servers/locations", NULL, w.cust, NULL, NULL), 403, NULL);
}

/* GET the CSV at path as the admin: the sum of its commission column; checks the header. */
static uint64_t csv_commission(struct fixture *f, const char *tok, const char *path, int *rows)
{
    char auth[2100];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    struct nt_req r = {"GET", path, NULL, 0, curl_slist_append(NULL, auth), UA, NULL, NULL, 10,
                       NULL};
    struct nt_buf b = {0};
    long st = nt_http(f->curl, f->base, &r, &b);
    if (st != 200)
        fail_msg("GET %s: %ld %.*s", path, st, (int)b.n, b.p ? b.p : "");
    char *text = calloc(1, b.n + 1);
    memcpy(text, b.p, b.n);
    free(b.p);
    const char head[] = "period,from,to,minutes,gross,provider_income,commission,payouts\r\n";
    assert_int_equal(strncmp(text, head, strlen(head)), 0);
    uint64_t sum = 0;
    *rows = 0;
    for (char *line = text + strlen(head); *line;) {
        char *end = strstr(line, "\r\n");
        assert_non_null(end);
        *end = 0;
        char *cell = line;
        for (int c = 0; c < 6; c++) {
            cell = strchr(cell, ',');
            assert_non_null(cell);
            cell++;
        }
        sum += strtoull(cell, NULL, 10);
        (*rows)++;
        line = end + 2;
    }
    free(text);
    return sum;
}

static void test_finance_revenue_csv(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    fund(f, w.cust_addr, 10 * CPC);
    uint64_t tre0 = treasury_balance(f);
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", w.srv, "hours", 1, "ssh_public_key",
                             KEY),
                   w.cust, NULL),
           202, NULL);
    char id[65], path[256];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    uint64_t t0 = (f->node.latest.time_ms / CPC_RENTAL_MINUTE_MS + 1) * CPC_RENTAL_MINUTE_MS;
    produce_at(f, t0);
    produce_at(f, t0 + 3 * CPC_RENTAL_MINUTE_MS + 1000);
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "DELETE", path, NULL, w.cust, NULL, NULL), 202, NULL);
    produce_at(f, t0 + 3 * CPC_RENTAL_MINUTE_MS + 30000);
    uint64_t delta = treasury_balance(f) - tre0;
    assert_int_equal(delta, 4 * COMM); /* 4 minutes paid, the treasury's only credit */
    uint64_t from = t0 - 86400000ULL, to = t0 + 2 * 86400000ULL;
    int rows = 0;
    snprintf(path, sizeof path, "/admin/reports/revenue.csv?from=%llu&to=%llu&group=day",
             (unsigned long long)from, (unsigned long long)to);
    assert_int_equal(csv_commission(f, w.admin, path, &rows), delta);
    assert_true(rows >= 3 && rows <= 4);
    snprintf(path, sizeof path, "/admin/reports/revenue.csv?from=%llu&to=%llu&group=month",
             (unsigned long long)from, (unsigned long long)to);
    assert_int_equal(csv_commission(f, w.admin, path, &rows), delta);
    /* a period that ends before the rental opened */
    snprintf(path, sizeof path, "/admin/reports/revenue.csv?from=%llu&to=%llu&group=week",
             (unsigned long long)from, (unsigned long long)t0);
    assert_int_equal(csv_commission(f, w.admin, path, &rows), 0);
    /* the JSON agrees */
    snprintf(path, sizeof path, "/admin/finance?from=%llu&to=%llu&group=day",
             (unsigned long long)from, (unsigned long long)to);
    expect(f, http_ex(f, "GET", path, NULL, w.admin, NULL, NULL), 200, NULL);
    json_t *tot = json_object_get(f->last, "totals");
    assert_int_equal(num(tot, "commission"), (json_int_t)delta);
    assert_int_equal(num(tot, "minutes"), 4);
    assert_int_equal(num(tot, "provider_income"), 4 * RATE);
    assert_int_equal(num(tot, "gross"), 4 * (RATE + COMM));
    assert_int_equal(num(tot, "payouts_pending"), 0);
    assert_int_equal(num(json_object_get(f->last, "treasury"), "balance"),
                     (json_int_t)treasury_balance(f));
    assert_int_equal(num(f->last, "rentals_counted"), 1);
    /* bad input, and only admins */
    expect(f, http_ex(f, "GET", "/admin/finance?group=year", NULL, w.admin, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/finance?from=5&to=5", NULL, w.admin, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/admin/finance?from=0&group=day", NULL, w.admin, NULL, NULL),
           400, "too_many_buckets");
    expect(f, http_ex(f, "GET", "/admin/reports/revenue.csv?to=abc", NULL, w.admin, NULL, NULL),
           400, NULL);
    expect(f, http_ex(f, "GET", "/admin/finance", NULL, w.prov, NULL, NULL), 403, NULL);
    expect(f, http_ex(f, "GET", "/admin/reports/revenue.csv", NULL, w.cust, NULL, NULL), 403,
           NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_admin_users, views_setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_withdrawals, views_setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_servers, views_setup, teardown),
        cmocka_unit_test_setup_teardown(test_finance_revenue_csv, views_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
