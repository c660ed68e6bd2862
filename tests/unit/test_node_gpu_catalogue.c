/* test_node_gpu_catalogue.c — the customers' GPU catalogue over real HTTP to
 * a real node (node_servers_fixture.h). Two providers list seven servers; a
 * customer browses them: the default page by price, each filter alone and
 * together, sort by score, paging, the status filter (one server's worker
 * sends a heartbeat), prices per model (min, median of an odd and of an even
 * count, max) and locations, all with exact expected values; bad queries
 * answer 400; the views never carry the owner, host, ports or worker.
 *
 * The servers ("cpu" holds the label), price per GPU-hour p, and what the
 * customer pays per hour (p x gpus + 10%) and the score (model score x gpus):
 *   A1 RTX 4090  x2 24 GB p 1000 DE Berlin    2200  340
 *   A2 RTX 4090  x1 24 GB p 1500 DE Munich    1650  170
 *   A3 H100 80GB x8 80 GB p 5000 US New York 44000 4480
 *   B1 RTX 4090  x4 24 GB p 1200 DE Berlin    5280  680
 *   B2 A100 80GB x4 80 GB p 3000 FI Helsinki 13200 1120
 *   B3 RTX 3090  x1 24 GB p  700 DE Berlin     770  100
 *   B4 RTX 3090  x1 24 GB p  900 US Austin     990  100
 */
#include "node_servers_fixture.h"

static int cat_setup(void **state) { return servers_setup_with(state, ""); }

struct world {
    char a[2048], b[2048], cust[2048];
    char id_a1[37];
    int64_t uid_a;
};

static void make_world(struct fixture *f, struct world *w)
{
    char id[37];
    w->uid_a = provider_up(f, "a@example.com", w->a);
    provider_up(f, "b@example.com", w->b);
    server_add(f, w->a, server_body("A1", "RTX 4090", 2, 24, 1000, "DE", "Berlin"), w->id_a1);
    server_add(f, w->a, server_body("A2", "RTX 4090", 1, 24, 1500, "DE", "Munich"), id);
    server_add(f, w->a, server_body("A3", "H100 80GB", 8, 80, 5000, "US", "New York"), id);
    server_add(f, w->b, server_body("B1", "RTX 4090", 4, 24, 1200, "DE", "Berlin"), id);
    server_add(f, w->b, server_body("B2", "A100 80GB", 4, 80, 3000, "FI", "Helsinki"), id);
    server_add(f, w->b, server_body("B3", "RTX 3090", 1, 24, 700, "DE", "Berlin"), id);
    server_add(f, w->b, server_body("B4", "RTX 3090", 1, 24, 900, "US", "Austin"), id);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
}

/* GET path as tok: 200, and the labels of the page equal want. */
static void page_is(struct fixture *f, const char *tok, const char *path, const char *want)
{
    json_t *j = NULL;
    char got[256];
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, &j), 200, NULL);
    labels(j, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("GET %s: got [%s], want [%s]", path, got, want);
    json_decref(j);
}

static void test_filters_sorts_paging(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    const char *c = w.cust;
    json_t *j = NULL;
    /* the default page: by what the customer pays, cheapest first */
    expect(f, http_ex(f, "GET", "/market/gpu", NULL, c, NULL, &j), 200, NULL);
    char got[256];
    labels(j, got, sizeof got);
    assert_string_equal(got, "B3,B4,A2,A1,B1,B2,A3");
    assert_string_equal(str(j, "sort"), "price");
    assert_int_equal(json_integer_value(json_object_get(j, "limit")), 20);
    static const json_int_t price[] = {770, 990, 1650, 2200, 5280, 13200, 44000};
    static const json_int_t score[] = {100, 100, 170, 340, 680, 1120, 4480};
    json_t *arr = json_object_get(j, "servers");
    for (size_t i = 0; i < 7; i++) {
        json_t *s = json_array_get(arr, i);
        assert_int_equal(json_integer_value(json_object_get(s, "price_per_hour")), price[i]);
        assert_int_equal(json_integer_value(json_object_get(s, "score")), score[i]);
        assert_string_equal(str(s, "status"), "offline");
        static const char *const hidden[] = {"owner", "owner_id", "email", "user", "host",
                                             "ssh_port_min", "ssh_port_max", "worker",
                                             "price_per_gpu_hour"};
        for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; k++)
            if (json_object_get(s, hidden[k]))
                fail_msg("the catalogue shows %s", hidden[k]);
    }
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(dump, "example.com")); /* neither emails nor hosts */
    free(dump);
    json_decref(j);

    /* each filter alone, then together */
    page_is(f, c, "/market/gpu?model=RTX%204090", "A2,A1,B1");
    page_is(f, c, "/market/gpu?model=H100%2080GB", "A3");
    page_is(f, c, "/market/gpu?min_price=1650&max_price=5280", "A2,A1,B1");
    page_is(f, c, "/market/gpu?min_price=1651", "A1,B1,B2,A3");
    page_is(f, c, "/market/gpu?max_price=990", "B3,B4");
    page_is(f, c, "/market/gpu?country=DE", "B3,A2,A1,B1");
    page_is(f, c, "/market/gpu?country=US", "B4,A3");
    page_is(f, c, "/market/gpu?country=DE&city=Berlin", "B3,A1,B1");
    page_is(f, c, "/market/gpu?city=New%20York", "A3");
    page_is(f, c, "/market/gpu?min_vram=80", "B2,A3");
    page_is(f, c, "/market/gpu?min_count=4", "B1,B2,A3");
    page_is(f, c, "/market/gpu?model=RTX%204090&min_count=2&country=DE&city=Berlin", "A1,B1");
    page_is(f, c, "/market/gpu?model=L40S", "");
    /* by score, best first (ties by price) */
    page_is(f, c, "/market/gpu?sort=score", "A3,B2,B1,A1,A2,B3,B4");
    page_is(f, c, "/market/gpu?sort=score&country=DE&limit=2", "B1,A1");
    page_is(f, c, "/market/gpu?sort=price&min_vram=80", "B2,A3");
    /* pages */
    page_is(f, c, "/market/gpu?limit=3", "B3,B4,A2");
    page_is(f, c, "/market/gpu?limit=3&offset=3", "A1,B1,B2");
    page_is(f, c, "/market/gpu?limit=3&offset=6", "A3");
    page_is(f, c, "/market/gpu?limit=3&offset=7", "");
    page_is(f, c, "/market/gpu?sort=score&limit=2&offset=2", "B1,A1");

    /* bad queries */
    expect(f, http_ex(f, "GET", "/market/gpu?model=GTX%201080", NULL, c, NULL, NULL), 400,
           "invalid_model");
    expect(f, http_ex(f, "GET", "/market/gpu?sort=cheap", NULL, c, NULL, NULL), 400,
           "invalid_sort");
    expect(f, http_ex(f, "GET", "/market/gpu?status=idle", NULL, c, NULL, NULL), 400,
           "invalid_status");
    expect(f, http_ex(f, "GET", "/market/gpu?country=de", NULL, c, NULL, NULL), 400,
           "invalid_country");
    expect(f, http_ex(f, "GET", "/market/gpu?limit=0", NULL, c, NULL, NULL), 400, NULL);
    expect(f, http_ex(f, "GET", "/market/gpu?limit=101", NULL, c, NULL, NULL), 400, NULL);
    expect(f, http_ex(f, "GET", "/market/gpu?min_vram=x", NULL, c, NULL, NULL), 400, NULL);
    expect(f, http_ex(f, "GET", "/market/gpu", NULL, NULL, NULL, NULL), 401, NULL);

    /* one server */
    char path[96];
    snprintf(path, sizeof path, "/market/gpu/%s", w.id_a1);
    expect(f, http_ex(f, "GET", path, NULL, c, NULL, &j), 200, NULL);
    assert_string_equal(str(j, "cpu"), "A1");
    assert_string_equal(str(j, "city"), "Berlin");
    assert_int_equal(json_integer_value(json_object_get(j, "price_per_hour")), 2200);
    assert_null(json_object_get(j, "host"));
    json_decref(j);
    expect(f, http_ex(f, "GET", "/market/gpu/5f0564c9-526f-4664-b06d-6660558e3e3f", NULL, c, NULL,
                      NULL),
           404, "not_found");
}

static void test_status_filter(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    struct cpc_key wk;
    worker_up(f, "worker", &wk);
    char path[96];
    snprintf(path, sizeof path, "/provider/servers/%s", w.id_a1);
    expect(f, call(f, "PUT", path, bind_body(&wk, w.id_a1, w.uid_a), w.a, NULL), 200, NULL);
    heartbeat(f, &wk);
    const char *c = w.cust;
    page_is(f, c, "/market/gpu?status=online", "A1");
    page_is(f, c, "/market/gpu?status=offline", "B3,B4,A2,B1,B2,A3");
    page_is(f, c, "/market/gpu?status=offline&limit=2&offset=1", "B4,A2");
    page_is(f, c, "/market/gpu?status=offline&sort=score&limit=3", "A3,B2,B1");
    page_is(f, c, "/market/gpu?status=online&country=US", "");
    advance(f, 31000); /* the worker misses three beats */
    page_is(f, c, "/market/gpu?status=online", "");
    page_is(f, c, "/market/gpu?status=offline&limit=3&offset=3", "A1,B1,B2");
    sodium_memzero(&wk, sizeof wk);
}

static void test_prices_and_locations(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    json_t *j = NULL;
    expect(f, http_ex(f, "GET", "/market/prices", NULL, w.cust, NULL, &j), 200, NULL);
    json_t *models = json_object_get(j, "models");
    assert_int_equal(json_array_size(models), 12); /* every listed model, priced or not */
    /* per GPU-hour, what the customer pays: p + 10% */
    struct {
        const char *model;
        json_int_t servers, min, median, max, score;
    } want[] = {
        {"RTX 4090", 3, 1100, 1320, 1650, 170}, /* p 1000, 1200, 1500 */
        {"RTX 3090", 2, 770, 880, 990, 100},    /* p 700, 900: median p 800 */
        {"H100 80GB", 1, 5500, 5500, 5500, 560},
        {"A100 80GB", 1, 3300, 3300, 3300, 280},
        {"L40S", 0, -1, -1, -1, 330},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        json_t *m = NULL;
        for (size_t i = 0; i < json_array_size(models) && !m; i++)
            if (!strcmp(str(json_array_get(models, i), "gpu_model"), want[k].model))
                m = json_array_get(models, i);
        assert_non_null(m);
        assert_int_equal(json_integer_value(json_object_get(m, "servers")), want[k].servers);
        assert_int_equal(json_integer_value(json_object_get(m, "score")), want[k].score);
        if (want[k].servers == 0) {
            assert_true(json_is_null(json_object_get(m, "min")));
            assert_true(json_is_null(json_object_get(m, "median")));
            continue;
        }
        assert_int_equal(json_integer_value(json_object_get(m, "min")), want[k].min);
        assert_int_equal(json_integer_value(json_object_get(m, "median")), want[k].median);
        assert_int_equal(json_integer_value(json_object_get(m, "max")), want[k].max);
    }
    json_decref(j);

    expect(f, http_ex(f, "GET", "/market/locations", NULL, w.cust, NULL, &j), 200, NULL);
    char *got = json_dumps(json_object_get(j, "locations"), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(got, "[{\"city\":\"Berlin\",\"country\":\"DE\",\"servers\":3},"
                             "{\"city\":\"Munich\",\"country\":\"DE\",\"servers\":1},"
                             "{\"city\":\"Helsinki\",\"country\":\"FI\",\"servers\":1},"
                             "{\"city\":\"Austin\",\"country\":\"US\",\"servers\":1},"
                             "{\"city\":\"New York\",\"country\":\"US\",\"servers\":1}]");
    free(got);
    json_decref(j);
    /* a deleted server leaves both */
    char path[96];
    snprintf(path, sizeof path, "/provider/servers/%s", w.id_a1);
    expect(f, http_ex(f, "DELETE", path, NULL, w.a, NULL, NULL), 200, NULL);
    expect(f, http_ex(f, "GET", "/market/locations", NULL, w.cust, NULL, &j), 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(j, "locations"), 0), "servers")),
                     2);
    json_decref(j);
    expect(f, http_ex(f, "GET", "/market/prices", NULL, w.cust, NULL, &j), 200, NULL);
    models = json_object_get(j, "models");
    for (size_t i = 0; i < json_array_size(models); i++) {
        json_t *m = json_array_get(models, i);
        if (strcmp(str(m, "gpu_model"), "RTX 4090") != 0)
            continue;
        assert_int_equal(json_integer_value(json_object_get(m, "servers")), 2);
        assert_int_equal(json_integer_value(json_object_get(m, "min")), 1320);
        assert_int_equal(json_integer_value(json_object_get(m, "median")), 1485); /* p 1350 */
    }
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filters_sorts_paging, cat_setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_filter, cat_setup, teardown),
        cmocka_unit_test_setup_teardown(test_prices_and_locations, cat_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
