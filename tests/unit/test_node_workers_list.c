/* test_node_workers_list.c — GET /market/workers over real HTTP on a real
 * node in this process: the registered workers (records injected into the
 * scheduler as a committed block's delta would bring them) ranked by
 * reputation, accepted results or locked stake, paged without overlap, the
 * unbonding status, and 400s for bad query values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bech32.h"
#include "core/market.h"
#include "core/state.h"
#include "market/scheduler.h"
#include "node/node.h"
#include "node_test_fixture.h"

#define CHAIN "workers-list-test"

struct fixture {
    char home[NT_HOME_MAX];
    struct cpc_node node;
    char base[NT_BASE_MAX];
    CURL *curl;
};

static long get(struct fixture *f, const char *path, json_t **out)
{
    struct nt_req r = {"GET", path, .timeout_s = 30};
    return nt_http_json(f->curl, f->base, &r, out);
}

/* One worker record: address bytes all `tag`. */
static struct cpc_worker worker(uint8_t tag, uint64_t accepted, uint64_t rejected,
                                uint64_t locked_units)
{
    struct cpc_worker w;
    memset(&w, 0, sizeof w);
    memset(w.addr, tag, sizeof w.addr);
    w.cpu_cores = 4;
    w.accepted = accepted;
    w.rejected = rejected;
    w.locked = locked_units * CPC_DEFAULT_MIN_WORKER_STAKE;
    w.registered_height = tag;
    return w;
}

static void inject(struct fixture *f, const struct cpc_worker *ws, size_t n)
{
    struct cpc_state *d = cpc_state_new();
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        b.len = 0;
        cpc_worker_encode(&ws[i], &b);
        assert_int_equal(cpc_state_obj_put(d, key, cpc_key_worker(key, ws[i].addr), b.data, b.len),
                         0);
    }
    cpc_buf_free(&b);
    assert_int_equal(cpc_scheduler_on_block(f->node.scheduler, d, f->node.latest.height), 0);
    cpc_state_free(d);
}

static const char *addr_of_tag(uint8_t tag, char out[CPC_ADDR_STR_MAX])
{
    uint8_t a[CPC_ADDR_HASH_LEN];
    memset(a, tag, sizeof a);
    cpc_address_encode(out, a);
    return out;
}

/* The addresses of a page, in order, compared with the tags expected. */
static void expect_order(json_t *page, const uint8_t *tags, size_t n)
{
    json_t *ws = json_object_get(page, "workers");
    assert_int_equal(json_array_size(ws), n);
    for (size_t i = 0; i < n; i++) {
        char a[CPC_ADDR_STR_MAX];
        assert_string_equal(str(json_array_get(ws, i), "address"), addr_of_tag(tags[i], a));
    }
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    nt_home_new(f->home, "/tmp/cpc-wlist-XXXXXX", CHAIN, NULL);
    nt_node_up(&f->node, f->home, f->base);
    f->curl = curl_easy_init();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

static void test_empty(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    assert_int_equal(get(f, "/market/workers", &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "workers")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "limit")), 50);
    assert_string_equal(str(j, "sort"), "reputation");
    json_decref(j);
}

static void test_ranked_and_paged(void **state)
{
    struct fixture *f = *state;
    /* scores: 1 -> (10+1)*1000/(10+1) = 1000; 2 -> (50+1)*1000/(50+4*5+1) = 718;
     * 3 -> 1000 with 3 accepted; 4 -> (0+1)*1000/(0+4*2+1) = 111 */
    struct cpc_worker ws[] = {worker(1, 10, 0, 1), worker(2, 50, 5, 3), worker(3, 3, 0, 9),
                              worker(4, 0, 2, 2)};
    ws[3].unbonding_since = 7;
    inject(f, ws, 4);
    json_t *j = NULL;
    assert_int_equal(get(f, "/market/workers?sort=reputation", &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 4);
    expect_order(j, (const uint8_t[]){1, 3, 2, 4}, 4);
    json_t *first = json_array_get(json_object_get(j, "workers"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "score")), 1000);
    assert_int_equal(json_integer_value(json_object_get(first, "accepted")), 10);
    assert_int_equal(json_integer_value(json_object_get(first, "locked")),
                     CPC_DEFAULT_MIN_WORKER_STAKE);
    /* a record the scheduler just learned of counts as seen now */
    assert_string_equal(str(first, "status"), "online");
    assert_true(json_integer_value(json_object_get(first, "last_seen_ms")) > 0);
    json_t *last = json_array_get(json_object_get(j, "workers"), 3);
    assert_string_equal(str(last, "status"), "unbonding");
    assert_int_equal(json_integer_value(json_object_get(last, "rejected")), 2);
    json_decref(j);

    assert_int_equal(get(f, "/market/workers?sort=tasks", &j), 200);
    expect_order(j, (const uint8_t[]){2, 1, 3, 4}, 4);
    json_decref(j);
    assert_int_equal(get(f, "/market/workers?sort=stake", &j), 200);
    expect_order(j, (const uint8_t[]){3, 2, 4, 1}, 4);
    assert_string_equal(str(j, "sort"), "stake");
    json_decref(j);

    /* two pages of two, no overlap; past the end is an empty page */
    assert_int_equal(get(f, "/market/workers?sort=stake&limit=2", &j), 200);
    expect_order(j, (const uint8_t[]){3, 2}, 2);
    json_decref(j);
    assert_int_equal(get(f, "/market/workers?sort=stake&limit=2&offset=2", &j), 200);
    expect_order(j, (const uint8_t[]){4, 1}, 2);
    assert_int_equal(json_integer_value(json_object_get(j, "offset")), 2);
    json_decref(j);
    assert_int_equal(get(f, "/market/workers?offset=10", &j), 200);
    expect_order(j, NULL, 0);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 4);
    json_decref(j);
}

static void test_bad_queries(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"/market/workers?sort=name",       "/market/workers?sort=",
                         "/market/workers?limit=0",         "/market/workers?limit=101",
                         "/market/workers?limit=-1",        "/market/workers?offset=abc",
                         "/market/workers?offset=1000001",  "/market/workers?limit=1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = NULL;
        long st = get(f, bad[i], &j);
        if (st != 400)
            fprintf(stderr, "%s answered %ld\n", bad[i], st);
        assert_int_equal(st, 400);
        assert_string_equal(err_code(j), "invalid_argument");
        json_decref(j);
    }
    json_t *j = NULL;
    assert_int_equal(get(f, "/market/workers?limit=100&offset=1000000", &j), 200);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranked_and_paged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_queries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
