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

/* uptime_s and gpus[]: bounds of the shared contract, strictness, the sample they give */
static void test_heartbeat_machine(void **state)
{
    (void)state;
    struct cpc_heartbeat_req r;
    struct cpc_err err;
    bool bad = true;
    assert_int_equal(heartbeat("{\"gpu_load\":7,\"gpu_temp_c\":50}", &r, &bad, &err), 0);
    assert_false(r.machine.has_uptime);
    assert_int_equal(r.machine.n_gpus, 0);
    assert_true(cpc_hb_machine_gpu_load(&r.machine, r.load.gpu_load) == 7);
    assert_true(cpc_hb_machine_gpu_temp(&r.machine, r.load.gpu_temp_c) == 50);
    assert_int_equal(heartbeat("{\"uptime_s\":0}", &r, &bad, &err), 0);
    assert_true(r.machine.has_uptime);
    assert_int_equal(r.machine.uptime_s, 0);
    assert_int_equal(heartbeat("{\"uptime_s\":1234567,\"gpu_load\":99,\"gpu_temp_c\":20,"
                               "\"gpus\":[{\"index\":0,\"name\":\"NVIDIA H100 80GB HBM3\","
                               "\"load\":10,\"temp_c\":40,\"mem_used_mb\":100},"
                               "{\"index\":63,\"name\":\"b\",\"load\":30.5,\"temp_c\":71.5,"
                               "\"mem_used_mb\":0},{\"index\":5,\"load\":100}]}",
                               &r, &bad, &err),
                     0);
    assert_int_equal(r.machine.uptime_s, 1234567);
    assert_int_equal(r.machine.n_gpus, 3);
    assert_string_equal(r.machine.gpus[0].name, "NVIDIA H100 80GB HBM3");
    assert_int_equal(r.machine.gpus[1].index, 63);
    assert_int_equal(r.machine.gpus[0].mem_used_mb, 100);
    assert_false(r.machine.gpus[2].has_temp);
    /* the mean of the loads, the max of the given temperatures */
    assert_true(cpc_hb_machine_gpu_load(&r.machine, r.load.gpu_load) == (10 + 30.5 + 100) / 3);
    assert_true(cpc_hb_machine_gpu_temp(&r.machine, r.load.gpu_temp_c) == 71.5);
    char many[2048];
    size_t len = (size_t)snprintf(many, sizeof many, "{\"gpus\":[");
    for (int i = 0; i < 17; i++)
        len += (size_t)snprintf(many + len, sizeof many - len, "%s{\"index\":%d,\"load\":1}",
                                i ? "," : "", i);
    snprintf(many + len, sizeof many - len, "]}");
    assert_int_equal(heartbeat(many, &r, &bad, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "heartbeat: gpus must be an array of at most 16");
    memcpy(strstr(many, ",{\"index\":16"), "]}", 3); /* 16 entries: the limit */
    assert_int_equal(heartbeat(many, &r, &bad, &err), 0);
    assert_int_equal(r.machine.n_gpus, 16);
    static const struct {
        const char *body, *msg;
    } refused[] = {
        {"{\"uptime_s\":-1}", "heartbeat: uptime_s must be an integer >= 0"},
        {"{\"uptime_s\":1.5}", "heartbeat: uptime_s must be an integer >= 0"},
        {"{\"uptime_s\":\"1\"}", "heartbeat: uptime_s must be an integer >= 0"},
        {"{\"gpus\":{}}", "heartbeat: gpus must be an array of at most 16"},
        {"{\"gpus\":[1]}", "heartbeat: gpus[0] must be {index, load, name?, temp_c?, "
                           "mem_used_mb?}"},
        {"{\"gpus\":[{\"index\":64,\"load\":1}]}", "heartbeat: gpus[0].index must be 0..63"},
        {"{\"gpus\":[{\"index\":-1,\"load\":1}]}", "heartbeat: gpus[0].index must be 0..63"},
        {"{\"gpus\":[{\"index\":1,\"load\":1},{\"index\":2,\"load\":100.5}]}",
         "heartbeat: gpus[1].load must be 0..100"},
        {"{\"gpus\":[{\"index\":1,\"load\":-1}]}", "heartbeat: gpus[0].load must be 0..100"},
        {"{\"gpus\":[{\"index\":1,\"load\":1,\"temp_c\":301}]}",
         "heartbeat: gpus[0].temp_c must be -100..300"},
        {"{\"gpus\":[{\"index\":1,\"load\":1,\"temp_c\":\"hot\"}]}",
         "heartbeat: gpus[0].temp_c must be a number"},
        {"{\"gpus\":[{\"index\":1,\"load\":1,\"mem_used_mb\":-5}]}",
         "heartbeat: gpus[0].mem_used_mb must be >= 0"},
        {"{\"gpus\":[{\"index\":1,\"load\":1,\"name\":\"a<b\"}]}",
         "heartbeat: gpus[0].name must be at most 63 of [A-Za-z0-9_ .-]"},
        {"{\"gpus\":[{\"index\":3,\"load\":1},{\"index\":3,\"load\":2}]}",
         "heartbeat: gpus[1].index 3 repeats"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(heartbeat(refused[i].body, &r, &bad, &err), CPC_ERR_INVALID);
        assert_false(bad);
        assert_string_equal(err.msg, refused[i].msg);
        assert_int_equal(r.machine.n_gpus, 0);
        assert_null(r.progress);
    }
    /* an unknown key inside an entry names it */
    assert_int_equal(heartbeat("{\"gpus\":[{\"index\":1,\"load\":1,\"fan\":3}]}", &r, &bad,
                               &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "fan"));
    char name64[128];
    snprintf(name64, sizeof name64, "{\"gpus\":[{\"index\":1,\"load\":1,\"name\":\"%064d\"}]}",
             0);
    assert_int_equal(heartbeat(name64, &r, &bad, &err), CPC_ERR_INVALID);
    name64[strlen(name64) - 5] = 0; /* drop one digit: 63 characters */
    strcat(name64, "\"}]}");
    assert_int_equal(heartbeat(name64, &r, &bad, &err), 0);
    assert_int_equal(strlen(r.machine.gpus[0].name), 63);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lease_ok),
        cmocka_unit_test(test_lease_bad),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_heartbeat_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
