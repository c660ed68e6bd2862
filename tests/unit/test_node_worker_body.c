/* test_node_worker_body.c — the body parsers of POST /worker/lease and
 * POST /worker/heartbeat (routes_worker.h): defaults, ranges, strictness,
 * the invalid_json / invalid_argument split and the exact messages the 400
 * answers carry, and ownership of the heartbeat's progress object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "market/routes_worker.h"

static int lease(const char *body, struct cpc_lease_req *r, bool *bad_json, struct cpc_err *err)
{
    memset(err, 0, sizeof *err);
    return cpc_worker_lease_parse(body, strlen(body), r, bad_json, err);
}

static void test_lease_ok(void **state)
{
    (void)state;
    struct cpc_lease_req r;
    struct cpc_err err;
    bool bad = true;
    assert_int_equal(lease("", &r, &bad, &err), 0);
    assert_false(bad);
    assert_int_equal(r.max_tasks, 1);
    assert_int_equal(r.wait_ms, 0);
    assert_int_equal(lease("{}", &r, &bad, &err), 0);
    assert_int_equal(r.max_tasks, 1);
    assert_int_equal(lease("{\"max_tasks\":64,\"wait_ms\":25000}", &r, &bad, &err), 0);
    assert_int_equal(r.max_tasks, 64);
    assert_int_equal(r.wait_ms, 25000);
    assert_int_equal(lease(" {\"wait_ms\":7} ", &r, &bad, &err), 0);
    assert_int_equal(r.max_tasks, 1);
    assert_int_equal(r.wait_ms, 7);
}

static void test_lease_bad(void **state)
{
    (void)state;
    struct cpc_lease_req r;
    struct cpc_err err;
    bool bad = false;
    assert_int_equal(lease("{\"max_tasks\":65}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_false(bad);
    assert_string_equal(err.msg, "max_tasks must be 1..64");
    assert_int_equal(lease("{\"max_tasks\":0}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "max_tasks must be 1..64");
    assert_int_equal(lease("{\"wait_ms\":25001}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "wait_ms must be 0..25000");
    assert_int_equal(lease("{\"wait_ms\":-1}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "wait_ms must be 0..25000");
    /* strict: unknown keys and wrong types name the problem */
    assert_int_equal(lease("{\"nope\":1}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_false(bad);
    assert_non_null(strstr(err.msg, "lease request: "));
    assert_non_null(strstr(err.msg, "nope"));
    assert_int_equal(lease("{\"max_tasks\":\"8\"}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "lease request: "));
    /* not a JSON object: invalid_json */
    assert_int_equal(lease("[1]", &r, &bad, &err), CPC_ERR_INVALID);
    assert_true(bad);
    assert_string_equal(err.msg, "request body must be a JSON object");
    assert_int_equal(lease("{\"max_tasks\":", &r, &bad, &err), CPC_ERR_INVALID);
    assert_true(bad);
    assert_non_null(strstr(err.msg, "request body: "));
    assert_int_equal(lease("{\"max_tasks\":1,\"max_tasks\":2}", &r, &bad, &err),
                     CPC_ERR_INVALID);
    assert_true(bad);
    assert_non_null(strstr(err.msg, "duplicate"));
    /* embedded NUL: the length counts, not the terminator */
    memset(&err, 0, sizeof err);
    assert_int_equal(cpc_worker_lease_parse("{}\0x", 4, &r, &bad, &err), CPC_ERR_INVALID);
    assert_true(bad);
}

static int heartbeat(const char *body, struct cpc_heartbeat_req *r, bool *bad_json,
                     struct cpc_err *err)
{
    memset(err, 0, sizeof *err);
    return cpc_worker_heartbeat_parse(body, strlen(body), r, bad_json, err);
}

static void test_heartbeat(void **state)
{
    (void)state;
    struct cpc_heartbeat_req r;
    struct cpc_err err;
    bool bad = true;
    assert_int_equal(heartbeat("", &r, &bad, &err), 0);
    assert_false(bad);
    assert_null(r.progress);
    assert_true(r.load.cpu_load == 0 && r.load.ram_used_mb == 0);
    cpc_worker_heartbeat_req_clear(&r);

    assert_int_equal(heartbeat("{\"progress\":{\"a\":1},\"cpu_load\":1.5,\"gpu_load\":0,"
                               "\"ram_used_mb\":2048,\"gpu_temp_c\":-100}",
                               &r, &bad, &err),
                     0);
    assert_non_null(r.progress); /* owned: survives the parser's document */
    assert_int_equal(json_integer_value(json_object_get(r.progress, "a")), 1);
    assert_true(r.load.cpu_load == 1.5);
    assert_int_equal(r.load.ram_used_mb, 2048);
    assert_true(r.load.gpu_temp_c == -100);
    assert_string_equal(r.load.matmul_backend, "");
    cpc_worker_heartbeat_req_clear(&r);
    assert_null(r.progress);

    /* the CPU matmul backend: short, plain characters */
    assert_int_equal(heartbeat("{\"matmul_backend\":\"own avx512vnni\"}", &r, &bad, &err), 0);
    assert_string_equal(r.load.matmul_backend, "own avx512vnni");
    cpc_worker_heartbeat_req_clear(&r);
    const char *b47 = "{\"matmul_backend\":\"onednn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}";
    assert_int_equal(heartbeat(b47, &r, &bad, &err), 0);
    assert_int_equal(strlen(r.load.matmul_backend), CPC_SCHED_BACKEND_MAX);
    cpc_worker_heartbeat_req_clear(&r);
    const char *b48 = "{\"matmul_backend\":\"onednn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}";
    assert_int_equal(heartbeat(b48, &r, &bad, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "matmul_backend"));
    assert_int_equal(heartbeat("{\"matmul_backend\":\"a<b\"}", &r, &bad, &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "matmul_backend"));
    assert_int_equal(heartbeat("{\"matmul_backend\":1}", &r, &bad, &err), CPC_ERR_INVALID);
    cpc_worker_heartbeat_req_clear(&r); /* twice is fine */
    cpc_worker_heartbeat_req_clear(NULL);

    const char *msg = "heartbeat: loads must be >= 0 and gpu_temp_c in -100..300";
    assert_int_equal(heartbeat("{\"gpu_temp_c\":300.5}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_false(bad);
    assert_string_equal(err.msg, msg);
    assert_null(r.progress);
    assert_int_equal(heartbeat("{\"cpu_load\":-0.1}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, msg);
    assert_int_equal(heartbeat("{\"progress\":{},\"ram_used_mb\":-1}", &r, &bad, &err),
                     CPC_ERR_INVALID);
    assert_string_equal(err.msg, msg);
    assert_null(r.progress); /* nothing leaked on failure */
    assert_int_equal(heartbeat("{\"ram_used_mb\":1.5}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "heartbeat: "));
    assert_int_equal(heartbeat("{\"temp\":1}", &r, &bad, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "temp"));
    assert_int_equal(heartbeat("\"x\"", &r, &bad, &err), CPC_ERR_INVALID);
    assert_true(bad); /* jansson decodes only arrays and objects at the top */
    assert_non_null(strstr(err.msg, "request body: "));
    assert_int_equal(heartbeat("[]", &r, &bad, &err), CPC_ERR_INVALID);
    assert_true(bad);
    assert_string_equal(err.msg, "request body must be a JSON object");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lease_ok),
        cmocka_unit_test(test_lease_bad),
        cmocka_unit_test(test_heartbeat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
