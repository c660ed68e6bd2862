/* test_node_server_stats.c — the servers' load series and the provider's
 * statistics (routes_server_stats.c) over real HTTP on 127.0.0.1 against a
 * real node (node_servers_fixture.h): signed heartbeats of a bound worker
 * become one sample a minute (later beats of a minute are dropped), the
 * provider reads them per minute and per hour, ranges beyond 2,000 points and
 * bad parameters are 400, another provider gets 404; old minute rows go after
 * 7 days while the hour rows stay. A customer's rental, opened and settled
 * over several blocks, gives the provider an income equal to its chain
 * record's paid minutes x rate, per UTC day, ISO week and month, and the
 * customer (only) reads the server's series over the rental. */
#include "node_servers_fixture.h"
#include "node_ledger_helpers.h"

#include "core/rental.h"
#include <math.h>
#include <time.h>
#include "market/routes_server_stats.h"

#define CPC 1000000000ULL
#define PRICE 600000001ULL /* per GPU-hour: 10,000,000.02 a minute, rounded up */
#define RATE 10000001ULL
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f user@laptop"

static uint64_t ns_of(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void) { return ns_of(CLOCK_MONOTONIC); }
static uint64_t cpu_ns(void) { return ns_of(CLOCK_THREAD_CPUTIME_ID); }

static int stats_setup(void **state) { return servers_setup_with(state, ""); }

/* A signed POST /worker/heartbeat of body by k; returns the status. */
static long beat(struct fixture *f, const struct cpc_key *k, const char *body)
{
    static uint64_t last;
    uint64_t ts = cpc_clock_wall_ms();
    last = ts > last ? ts : last + 1;
    struct cpc_req_sig sig;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_int_equal(cpc_req_sign(&sig, s, k, "POST", "/worker/heartbeat", body, strlen(body),
                                  last, NULL),
                     0);
    cpc_signer_free(s);
    struct nt_req r = {"POST", "/worker/heartbeat", body, strlen(body),
                       nt_sig_headers(NULL, &sig), UA, NULL, NULL, 10, NULL};
    struct nt_buf out = {0};
    long st = nt_http(f->curl, f->base, &r, &out);
    free(out.p);
    return st;
}

static uint64_t now_of(struct fixture *f) { return cpc_platform_now(f->node.platform); }

/* Move the clock to 1 s past the start of the next minute. */
static void next_minute(struct fixture *f)
{
    uint64_t now = now_of(f);
    advance(f, 60000 - now % 60000 + 1000);
}

struct world {
    char prov[2048], other[2048], cust[2048];
    char srv[37];
    int64_t prov_id;
    struct cpc_key k;
};

static void make_world(struct fixture *f, struct world *w)
{
    w->prov_id = provider_up(f, "p@example.com", w->prov);
    provider_up(f, "q@example.com", w->other);
    server_add(f, w->prov, server_body("A", "RTX 4090", 1, 24, (json_int_t)PRICE, "DE", "Berlin"),
               w->srv);
    advance(f, 61000);
    json_t *j = signup_login(f, "c@example.com", PW);
    snprintf(w->cust, sizeof w->cust, "%s", str(j, "access_token"));
    json_decref(j);
    worker_up(f, "wa", &w->k);
    char path[96];
    snprintf(path, sizeof path, "/provider/servers/%s", w->srv);
    expect(f, call(f, "PUT", path, bind_body(&w->k, w->srv, w->prov_id), w->prov, NULL), 200,
           NULL);
}

static json_t *points(struct fixture *f) { return json_object_get(f->last, "points"); }

static double num(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

static void stats_get(struct fixture *f, const char *tok, const char *srv, const char *query,
                      long want, const char *code)
{
    char path[256];
    snprintf(path, sizeof path, "/provider/servers/%s/stats%s", srv, query);
    expect(f, http_ex(f, "GET", path, NULL, tok, NULL, NULL), want, code);
}

static int count_point(void *arg, const struct cpc_psample *v)
{
    (void)v;
    (*(size_t *)arg)++;
    return 0;
}

static void test_series(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    next_minute(f);
    uint64_t t1 = now_of(f);
    const char *b1 = "{\"cpu_load\":12.5,\"gpu_load\":99,\"ram_used_mb\":4096,\"gpu_temp_c\":20,"
                     "\"uptime_s\":1000,\"gpus\":[{\"index\":0,\"load\":40,\"temp_c\":60},"
                     "{\"index\":1,\"load\":60,\"temp_c\":75}]}";
    assert_int_equal(beat(f, &w.k, b1), 200);
    /* later beats of the same minute are dropped */
    assert_int_equal(beat(f, &w.k, "{\"cpu_load\":90,\"uptime_s\":1010}"), 200);
    assert_int_equal(beat(f, &w.k, "{\"cpu_load\":91,\"uptime_s\":1020}"), 200);
    next_minute(f);
    uint64_t t2 = now_of(f);
    assert_int_equal(beat(f, &w.k, "{\"cpu_load\":50,\"gpu_load\":30,\"ram_used_mb\":1000,"
                                   "\"gpu_temp_c\":80,\"uptime_s\":1070}"),
                     200);
    /* a bad field is a 400 and stores nothing */
    assert_int_equal(beat(f, &w.k, "{\"uptime_s\":-1}"), 400);
    char q[160];
    snprintf(q, sizeof q, "?from=%llu&to=%llu", (unsigned long long)(t1 - 60000),
             (unsigned long long)(t2 + 60000));
    stats_get(f, w.prov, w.srv, q, 200, NULL);
    assert_string_equal(str(f->last, "step"), "minute");
    assert_int_equal(json_array_size(points(f)), 2);
    json_t *p0 = json_array_get(points(f), 0), *p1 = json_array_get(points(f), 1);
    assert_int_equal(json_integer_value(json_object_get(p0, "t_ms")), t1 / 60000 * 60000);
    assert_true(num(p0, "cpu") == 12.5);
    assert_true(num(p0, "gpu") == 50);    /* mean of gpus[] */
    assert_true(num(p0, "temp_c") == 75); /* max of gpus[] */
    assert_int_equal(json_integer_value(json_object_get(p0, "ram_mb")), 4096);
    assert_int_equal(json_integer_value(json_object_get(p0, "uptime_s")), 1000);
    assert_int_equal(json_integer_value(json_object_get(p1, "t_ms")), t2 / 60000 * 60000);
    assert_true(num(p1, "gpu") == 30 && num(p1, "temp_c") == 80);
    /* per hour: the two minutes of one hour (or two hours across a boundary) */
    snprintf(q, sizeof q, "?from=%llu&to=%llu&step=hour",
             (unsigned long long)(t1 / 3600000 * 3600000), (unsigned long long)(t2 + 1));
    stats_get(f, w.prov, w.srv, q, 200, NULL);
    json_t *h = points(f);
    json_int_t samples = 0;
    for (size_t i = 0; i < json_array_size(h); i++) {
        json_t *s = json_object_get(json_array_get(h, i), "samples");
        samples += s ? json_integer_value(s) : 1;
    }
    assert_int_equal(samples, 2);
    if (json_array_size(h) == 1)
        assert_true(num(json_array_get(h, 0), "cpu") == (12.5 + 50) / 2);
    /* the default range (the last day) holds both */
    stats_get(f, w.prov, w.srv, "", 200, NULL);
    assert_int_equal(json_array_size(points(f)), 2);
    /* bounds and bad parameters */
    snprintf(q, sizeof q, "?from=%llu&to=%llu", (unsigned long long)(t1 - 2000ULL * 60000),
             (unsigned long long)t1);
    stats_get(f, w.prov, w.srv, q, 200, NULL); /* exactly 2,000 minutes */
    snprintf(q, sizeof q, "?from=%llu&to=%llu", (unsigned long long)(t1 - 2001ULL * 60000),
             (unsigned long long)t1);
    stats_get(f, w.prov, w.srv, q, 400, "too_many_points");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(f->last, "error"),
                                                             "message")),
                           "at most 2000 points"));
    snprintf(q, sizeof q, "?from=%llu&to=%llu&step=hour",
             (unsigned long long)(t1 / 3600000 * 3600000 - 2001ULL * 3600000),
             (unsigned long long)(t1 / 3600000 * 3600000));
    stats_get(f, w.prov, w.srv, q, 400, "too_many_points");
    stats_get(f, w.prov, w.srv, "?step=day", 400, "invalid_argument");
    stats_get(f, w.prov, w.srv, "?from=10&to=10", 400, "invalid_argument");
    stats_get(f, w.prov, w.srv, "?from=abc", 400, NULL);
    stats_get(f, w.prov, w.srv, "?to=0", 400, NULL);
    /* another provider, a customer, nobody, a bad id */
    stats_get(f, w.other, w.srv, "", 404, "not_found");
    stats_get(f, w.cust, w.srv, "", 403, NULL);
    stats_get(f, NULL, w.srv, "", 401, NULL);
    stats_get(f, w.prov, "nope", "", 404, "not_found");
    /* 8 days later a beat deletes the minute rows older than 7 days; the hour rows stay */
    advance(f, 8 * 86400000ULL);
    assert_int_equal(beat(f, &w.k, "{\"cpu_load\":1}"), 200);
    assert_int_equal(login(f, "p@example.com", PW, NULL, NULL), 200);
    snprintf(w.prov, sizeof w.prov, "%s", str(f->last, "access_token"));
    snprintf(q, sizeof q, "?from=%llu&to=%llu", (unsigned long long)(t1 - 60000),
             (unsigned long long)(t2 + 60000));
    stats_get(f, w.prov, w.srv, q, 200, NULL);
    assert_int_equal(json_array_size(points(f)), 0);
    snprintf(q, sizeof q, "?from=%llu&to=%llu&step=hour",
             (unsigned long long)(t1 / 3600000 * 3600000), (unsigned long long)(t2 + 1));
    stats_get(f, w.prov, w.srv, q, 200, NULL);
    assert_true(json_array_size(points(f)) >= 1);
    /* the server's deletion takes its rows */
    char path[96];
    snprintf(path, sizeof path, "/provider/servers/%s", w.srv);
    expect(f, http_ex(f, "DELETE", path, NULL, w.prov, NULL, NULL), 200, NULL);
    stats_get(f, w.prov, w.srv, q, 404, "not_found");
    size_t left = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_pstore_samples(f->node.platform->store, w.srv, 1, 0, UINT64_MAX / 2,
                                        100, count_point, &left, &err),
                     0);
    assert_int_equal(left, 0);
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

static json_int_t ival(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* The sum of the amounts of income.<kind>, and the amount of the bucket labelled label. */
static json_int_t income_sum(json_t *stats, const char *kind, const char *label, json_int_t *at)
{
    json_t *arr = json_object_get(json_object_get(stats, "income"), kind);
    json_int_t sum = 0;
    *at = -1;
    assert_true(json_array_size(arr) >= 1);
    const char *key = !strcmp(kind, "by_day") ? "day" : !strcmp(kind, "by_week") ? "week" : "month";
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *b = json_array_get(arr, i);
        sum += ival(b, "amount");
        if (!strcmp(str(b, key), label))
            *at = ival(b, "amount");
    }
    return sum;
}

static void test_rental_income(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    char cust_addr[64];
    expect(f, http_ex(f, "GET", "/me/wallet", NULL, w.cust, NULL, NULL), 200, NULL);
    snprintf(cust_addr, sizeof cust_addr, "%s", str(f->last, "address"));
    fund(f, cust_addr, 10 * CPC);
    expect(f, call(f, "POST", "/rentals",
                   json_pack("{s:s, s:i, s:s}", "gpu_id", w.srv, "hours", 1, "ssh_public_key",
                             KEY),
                   w.cust, NULL),
           202, NULL);
    char id[65], path[128];
    snprintf(id, sizeof id, "%s", str(f->last, "id"));
    /* opened by a block at t0, then paid by blocks a minute apart: 5 minutes */
    uint64_t t0 = now_of(f) > f->node.latest.time_ms ? now_of(f) : f->node.latest.time_ms + 1000;
    struct cpc_err err = {0};
    assert_int_equal(cpc_produce_block(&f->node, t0, &err), 0);
    assert_string_equal(tx_status(f, id), "success");
    for (int m = 1; m <= 5; m++)
        assert_int_equal(cpc_produce_block(&f->node, t0 + (uint64_t)m * 60000 + 1000, &err), 0);
    advance(f, t0 + 6 * 60000 - now_of(f)); /* now: a minute after the last block */
    /* the chain's record is the reference */
    snprintf(path, sizeof path, "/rentals/%s", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    json_int_t paid = ival(f->last, "minutes_paid");
    assert_true(paid >= 3);
    struct cpc_rental rec = chain_rental(f, id);
    assert_int_equal(rec.paid_minutes, paid);
    assert_int_equal(rec.rate_per_minute, RATE);
    t0 = rec.opened_ms;
    /* two heartbeats in two minutes of the rental */
    assert_int_equal(beat(f, &w.k, "{\"cpu_load\":3,\"uptime_s\":50}"), 200);
    next_minute(f);
    assert_int_equal(beat(f, &w.k, "{\"cpu_load\":4,\"uptime_s\":110}"), 200);
    expect(f, http_ex(f, "GET", "/provider/stats?period=day", NULL, w.prov, NULL, NULL), 200, NULL);
    json_t *st = json_incref(f->last);
    char day[16], month[16];
    uint64_t d0 = t0 / 86400000ULL;
    time_t secs = (time_t)(d0 * 86400);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    strftime(month, sizeof month, "%Y-%m", &tm);
    json_int_t at = 0;
    assert_int_equal(income_sum(st, "by_day", day, &at), paid * (json_int_t)RATE);
    uint64_t last_paid = t0 + (uint64_t)(paid - 1) * 60000;
    if (last_paid / 86400000ULL == d0) /* all in one UTC day: that day has it all */
        assert_int_equal(at, paid * (json_int_t)RATE);
    assert_int_equal(income_sum(st, "by_month", month, &at), paid * (json_int_t)RATE);
    assert_int_equal(income_sum(st, "by_week", "", &at), paid * (json_int_t)RATE);
    json_t *srv = json_array_get(json_object_get(st, "servers"), 0);
    assert_string_equal(str(srv, "id"), w.srv);
    assert_int_equal(ival(srv, "rented_minutes"), paid);
    assert_int_equal(ival(srv, "minutes_online"), 2);
    json_int_t period_min = ival(st, "period_minutes");
    assert_true(period_min >= 24 * 60 && period_min <= 25 * 60);
    assert_true(fabs(num(srv, "uptime_pct") - 200.0 / (double)period_min) < 1e-9);
    assert_true(fabs(num(srv, "utilisation_pct") - 100.0 * (double)paid / (double)period_min) <
                1e-9);
    assert_true(fabs(num(srv, "hours_rented") - (double)paid / 60.0) < 1e-9);
    json_t *all = json_object_get(st, "overall");
    assert_int_equal(ival(all, "rented_minutes"), paid);
    assert_int_equal(ival(st, "rentals_counted"), 1);
    assert_false(json_is_true(json_object_get(st, "rentals_truncated")));
    json_decref(st);
    /* week and month periods hold it too; another provider has nothing; bad period */
    expect(f, http_ex(f, "GET", "/provider/stats?period=month", NULL, w.prov, NULL, NULL), 200,
           NULL);
    assert_int_equal(income_sum(f->last, "by_day", day, &at), paid * (json_int_t)RATE);
    assert_true(json_array_size(json_object_get(json_object_get(f->last, "income"), "by_day")) >=
                30);
    expect(f, http_ex(f, "GET", "/provider/stats?period=week", NULL, w.other, NULL, NULL), 200,
           NULL);
    assert_int_equal(income_sum(f->last, "by_week", "", &at), 0);
    assert_int_equal(json_array_size(json_object_get(f->last, "servers")), 0);
    expect(f, http_ex(f, "GET", "/provider/stats?period=year", NULL, w.prov, NULL, NULL), 400,
           "invalid_argument");
    expect(f, http_ex(f, "GET", "/provider/stats", NULL, w.cust, NULL, NULL), 403, NULL);
    /* the customer reads the server's series over the rental; nobody else does */
    snprintf(path, sizeof path, "/rentals/%s/stats", id);
    expect(f, http_ex(f, "GET", path, NULL, w.cust, NULL, NULL), 200, NULL);
    assert_string_equal(str(f->last, "server_id"), w.srv);
    assert_string_equal(str(f->last, "status"), "open");
    assert_int_equal(ival(f->last, "from_ms"), (json_int_t)t0);
    assert_int_equal(json_array_size(points(f)), 2);
    assert_true(num(json_array_get(points(f), 1), "cpu") == 4);
    expect(f, http_ex(f, "GET", path, NULL, w.prov, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", path, NULL, w.other, NULL, NULL), 404, "not_found");
    expect(f, http_ex(f, "GET", "/rentals/abc/stats", NULL, w.cust, NULL, NULL), 404, NULL);
    expect(f, http_ex(f, "GET", path, NULL, NULL, NULL, NULL), 401, NULL);
}

/* What a heartbeat's sample costs the store: a new minute (insert, hour upsert, two
 * trims, a synchronous commit) and a later beat of the same minute (dropped). Printed. */
static void test_sample_cost(void **state)
{
    struct fixture *f = *state;
    struct world w;
    make_world(f, &w);
    char addr[CPC_ADDR_STR_MAX];
    worker_address(&w.k, addr);
    struct cpc_pstore *ps = f->node.platform->store;
    struct cpc_psample v = {.cpu = 1, .gpu = 2, .temp_c = 3, .ram_mb = 4, .uptime_s = 5};
    struct cpc_err err = {0};
    enum { N = 300 };
    uint64_t base = now_of(f) / 60000 * 60000, t = mono_ns(), c = cpu_ns();
    int stored = 0, total = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(cpc_pstore_sample_add(ps, addr, base + (uint64_t)i * 60000, &v, &stored,
                                               &err),
                         0);
        total += stored;
    }
    uint64_t new_ns = (mono_ns() - t) / N, new_cpu = (cpu_ns() - c) / N;
    assert_int_equal(total, N);
    t = mono_ns();
    c = cpu_ns();
    for (int i = 0; i < N; i++) {
        assert_int_equal(cpc_pstore_sample_add(ps, addr, base + 1000, &v, &stored, &err), 0);
        assert_int_equal(stored, 0);
    }
    uint64_t same_ns = (mono_ns() - t) / N, same_cpu = (cpu_ns() - c) / N;
    fprintf(stderr,
            "server stats: new-minute sample %llu us wall, %llu us cpu; dropped beat %llu us "
            "wall, %llu us cpu\n",
            (unsigned long long)(new_ns / 1000), (unsigned long long)(new_cpu / 1000),
            (unsigned long long)(same_ns / 1000), (unsigned long long)(same_cpu / 1000));
    size_t n = 0;
    assert_int_equal(cpc_pstore_samples(ps, w.srv, 0, base, base + N * 60000ULL, 5000,
                                        count_point, &n, &err),
                     0);
    assert_int_equal(n, N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_series, stats_setup, teardown),
        cmocka_unit_test_setup_teardown(test_rental_income, stats_setup, teardown),
        cmocka_unit_test_setup_teardown(test_sample_cost, stats_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
