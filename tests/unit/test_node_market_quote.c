/* test_node_market_quote.c — sizing and pricing of marketplace requests
 * (src/market/market_quote.c): value parsers, each sizing rule with its exact
 * numbers, the priority multipliers and commission, the exec contract it
 * becomes, overflow-safe math at the limits and clean errors for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/hash.h"
#include "core/genesis.h"
#include "market/market_quote.h"

static json_t *J(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("bad test JSON %s: %s", text, je.text);
    return j;
}

/* Parse + quote text; returns the quote rc (parse must succeed). */
static int quote_of(const char *text, struct cpc_mq_request *r, struct cpc_mq_quote *q,
                    struct cpc_err *err)
{
    json_t *j = J(text);
    int rc = cpc_mq_parse(r, j, err);
    json_decref(j);
    assert_int_equal(rc, 0);
    return cpc_mq_quote(r, 1000, q, err);
}

static void test_parse_values(void **state)
{
    (void)state;
    struct cpc_err err = {0};
    uint64_t v = 0;
    json_t *j;
#define COUNT(text, want)                                                                         \
    j = json_string(text);                                                                        \
    assert_int_equal(cpc_mq_parse_count(j, "model_params", CPC_MQ_MAX_PARAMS, &v, &err), 0);     \
    assert_int_equal(v, want);                                                                    \
    json_decref(j)
    COUNT("70B", 70000000000ULL);
    COUNT("1.5B", 1500000000ULL);
    COUNT("350M", 350000000ULL);
    COUNT("125k", 125000ULL);
    COUNT("10T", 10000000000000ULL);
    COUNT("42", 42ULL);
#define SIZE(text, want)                                                                          \
    j = json_string(text);                                                                        \
    assert_int_equal(cpc_mq_parse_size(j, "dataset_size", CPC_MQ_MAX_DATASET, &v, &err), 0);     \
    assert_int_equal(v, want);                                                                    \
    json_decref(j)
    SIZE("500GB", 500000000000ULL);
    SIZE("1.5TB", 1500000000000ULL);
    SIZE("200 MB", 200000000ULL);
    SIZE("1GiB", 1073741824ULL);
    SIZE("100PB", 100000000000000000ULL);
    SIZE("7", 7ULL);
    j = json_integer(4096);
    assert_int_equal(cpc_mq_parse_size(j, "dataset_size", CPC_MQ_MAX_DATASET, &v, &err), 0);
    assert_int_equal(v, 4096);
    json_decref(j);
    /* bad */
    const char *bad[] = {"", "GB", "1.GB", "1..5GB", "-5GB", "5XB", "1.1234567GB", "5 G B"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = json_string(bad[i]);
        assert_int_equal(cpc_mq_parse_size(j, "dataset_size", CPC_MQ_MAX_DATASET, &v, &err),
                         CPC_ERR_INVALID);
        assert_non_null(strstr(err.msg, "request.dataset_size"));
        json_decref(j);
    }
    j = json_string("101PB");
    assert_int_equal(cpc_mq_parse_size(j, "dataset_size", CPC_MQ_MAX_DATASET, &v, &err),
                     CPC_ERR_TOO_LARGE);
    assert_string_equal(err.msg, "request.dataset_size: at most 100PB");
    json_decref(j);
    j = json_string("99999999999999999999999T");
    assert_int_equal(cpc_mq_parse_count(j, "model_params", CPC_MQ_MAX_PARAMS, &v, &err),
                     CPC_ERR_TOO_LARGE);
    assert_string_equal(err.msg, "request.model_params: at most 10T parameters");
    json_decref(j);
    j = json_string("0B");
    assert_int_equal(cpc_mq_parse_count(j, "model_params", CPC_MQ_MAX_PARAMS, &v, &err),
                     CPC_ERR_INVALID);
    assert_string_equal(err.msg, "request.model_params: must be greater than 0");
    json_decref(j);
    /* CPC amounts: integer, real, string */
    j = json_integer(1000);
    assert_int_equal(cpc_mq_parse_cpc(j, "max_budget", &v, &err), 0);
    assert_int_equal(v, 1000000000000ULL);
    json_decref(j);
    j = json_real(12.5);
    assert_int_equal(cpc_mq_parse_cpc(j, "max_budget", &v, &err), 0);
    assert_int_equal(v, 12500000000ULL);
    json_decref(j);
    j = json_string("0.000000001");
    assert_int_equal(cpc_mq_parse_cpc(j, "max_budget", &v, &err), 0);
    assert_int_equal(v, 1);
    json_decref(j);
    j = json_integer(-1);
    assert_int_equal(cpc_mq_parse_cpc(j, "max_budget", &v, &err), CPC_ERR_INVALID);
    json_decref(j);
    j = json_integer(INT64_MAX);
    assert_int_equal(cpc_mq_parse_cpc(j, "max_budget", &v, &err), CPC_ERR_OVERFLOW);
    assert_non_null(strstr(err.msg, "too large"));
    json_decref(j);
    j = json_real(1e300);
    assert_int_equal(cpc_mq_parse_cpc(j, "max_budget", &v, &err), CPC_ERR_OVERFLOW);
    json_decref(j);
    j = json_string("1.0000000001");
    assert_int_equal(cpc_mq_parse_cpc(j, "max_budget", &v, &err), CPC_ERR_INVALID);
    json_decref(j);
}

/* The specification's example: 70B params -> 168 GB -> Heavy on 3 GPUs. */
static void test_heavy_spec_example(void **state)
{
    (void)state;
    struct cpc_mq_request r;
    struct cpc_mq_quote q;
    struct cpc_err err = {0};
    assert_int_equal(quote_of("{\"type\":\"ml_training\",\"framework\":\"pytorch\","
                              "\"dataset_size\":\"500GB\",\"model_params\":\"70B\","
                              "\"priority\":\"high\",\"max_budget\":1000}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.tier, CPC_MQ_HEAVY);
    assert_int_equal(q.vram_gb, 168);
    assert_int_equal(q.minutes, 300);   /* 500 GB at 100 GB/h */
    assert_int_equal(q.tasks, 3);       /* ceil(168/80) */
    assert_int_equal(q.gpu_minutes, 900);
    assert_int_equal(q.base_cost, 45000000000ULL); /* 15 GPU-h x 3 CPC */
    assert_int_equal(q.multiplier_pct, 150);
    assert_int_equal(q.cost, 67500000000ULL);
    assert_int_equal(q.reward, 22500000000ULL);
    assert_int_equal(q.budget, 67500000000ULL);
    assert_int_equal(q.commission, 6750000000ULL);
    assert_int_equal(q.total, 74250000000ULL);
    assert_non_null(strstr(q.rule, "Heavy"));
    assert_non_null(strstr(q.rule, "ceil(168/80) = 3 GPUs"));

    struct cpc_contract c;
    assert_int_equal(cpc_mq_contract(&r, &q, &c, &err), 0);
    assert_int_equal(c.kind, CPC_KIND_EXEC);
    uint8_t app[32];
    cpc_sha256(app, "pytorch:ml_training", strlen("pytorch:ml_training"));
    assert_memory_equal(c.p.exec.app, app, 32);
    assert_int_equal(c.tasks, 3);
    assert_int_equal(c.reward, 22500000000ULL);
    assert_int_equal(c.priority, CPC_PRIORITY_HIGH);
    assert_int_equal(c.max_budget, 1000000000000ULL);
    assert_int_equal(c.req.min_vram_gb, 80);
    assert_int_equal(c.p.exec.timeout_s, 36000);
    uint64_t budget, com;
    assert_int_equal(cpc_contract_budget(&c, &budget, &com, &err), 0);
    assert_int_equal(budget + com, q.total); /* the chain escrows what the quote says */

    json_t *j = cpc_mq_quote_to_json(&r, &q);
    assert_string_equal(json_string_value(json_object_get(j, "job_type")), "Heavy");
    assert_string_equal(json_string_value(json_object_get(j, "total_cpc")), "74.25");
    assert_string_equal(json_string_value(json_object_get(j, "gpu_hours")), "15");
    assert_int_equal(json_array_size(json_object_get(j, "steps")), 7);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "steps"), 0)),
                        "VRAM: 70000000000 params x 2 bytes (fp16) x 1.2 overhead = 168 GB");
    json_decref(j);
}

static void test_light_medium_parallel(void **state)
{
    (void)state;
    struct cpc_mq_request r;
    struct cpc_mq_quote q;
    struct cpc_err err = {0};
    /* Light: 1B -> 3 GB, 10 GB at 1000 GB/h = 1 min */
    assert_int_equal(quote_of("{\"type\":\"inference\",\"model_params\":\"1B\","
                              "\"dataset_size\":\"10GB\",\"max_budget\":1}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.tier, CPC_MQ_LIGHT);
    assert_int_equal(q.vram_gb, 3);
    assert_int_equal(q.tasks, 1);
    assert_int_equal(q.minutes, 1);
    /* 1 GPU-min at 0.5 CPC/h = ceil(0.5e9/60) base units */
    assert_int_equal(q.base_cost, 8333334);
    assert_int_equal(q.cost, 8333334);
    assert_string_equal(r.framework, "generic");

    /* Medium by VRAM: 13B -> 32 GB > 24 */
    assert_int_equal(quote_of("{\"type\":\"fine_tuning\",\"model_params\":\"13B\","
                              "\"dataset_size\":\"20GB\",\"priority\":\"low\",\"max_budget\":100}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.tier, CPC_MQ_MEDIUM);
    assert_int_equal(q.vram_gb, 32);
    assert_int_equal(q.minutes, 6); /* 20 GB at 200 GB/h */
    assert_int_equal(q.base_cost, 200000000ULL); /* 0.1 h x 2 CPC */
    assert_int_equal(q.cost, 160000000ULL);      /* x 0.8 */
    /* Medium by time: small model, long non-splittable training */
    assert_int_equal(quote_of("{\"type\":\"ml_training\",\"model_params\":\"1B\","
                              "\"dataset_size\":\"200GB\",\"max_budget\":100}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.tier, CPC_MQ_MEDIUM);
    assert_int_equal(q.minutes, 120);
    assert_non_null(strstr(q.rule, "60 min or more"));

    /* Parallel: rendering 1 TB at 50 GB/h = 1200 min -> 20 tasks of 60 min */
    assert_int_equal(quote_of("{\"type\":\"rendering\",\"framework\":\"blender\","
                              "\"dataset_size\":\"1TB\",\"max_budget\":100}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.tier, CPC_MQ_PARALLEL);
    assert_int_equal(q.tasks, 20);
    assert_int_equal(q.minutes_per_task, 60);
    assert_int_equal(q.vram_gb, 12); /* rendering default */
    assert_int_equal(q.base_cost, 20000000000ULL); /* 20 GPU-h x 1 CPC */
    assert_int_equal(q.reward, 1000000000ULL);
    struct cpc_contract c;
    assert_int_equal(cpc_mq_contract(&r, &q, &c, &err), 0);
    assert_int_equal(c.tasks, 20);
    assert_int_equal(c.req.min_vram_gb, 12);

    /* replication multiplies the units, not the cost: reward = ceil(cost / (tasks x reps)) */
    assert_int_equal(quote_of("{\"type\":\"rendering\",\"dataset_size\":\"1TB\","
                              "\"replication\":3,\"max_budget\":100}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.reward, 333333334ULL);
    assert_int_equal(q.budget, 60ULL * 333333334ULL);
    assert_int_equal(cpc_mq_contract(&r, &q, &c, &err), 0);
    assert_int_equal(c.replication, 3);
}

static void test_multipliers_and_budget(void **state)
{
    (void)state;
    assert_int_equal(cpc_mq_priority_pct(CPC_PRIORITY_LOW), 80);
    assert_int_equal(cpc_mq_priority_pct(CPC_PRIORITY_NORMAL), 100);
    assert_int_equal(cpc_mq_priority_pct(CPC_PRIORITY_HIGH), 150);
    assert_int_equal(cpc_mq_tier_price(CPC_MQ_HEAVY), 3000000000ULL);
    assert_string_equal(cpc_mq_tier_name(CPC_MQ_PARALLEL), "Parallel");
    struct cpc_mq_request r;
    struct cpc_mq_quote q;
    struct cpc_err err = {0};
    /* 74.25 CPC does not fit 50: an error naming both, with q filled */
    assert_int_equal(quote_of("{\"type\":\"ml_training\",\"dataset_size\":\"500GB\","
                              "\"model_params\":\"70B\",\"priority\":\"high\",\"max_budget\":50}",
                              &r, &q, &err),
                     CPC_ERR_INVALID);
    assert_string_equal(err.msg, "estimate 74.25 CPC (budget 67.5 + 10% commission 6.75) "
                                 "exceeds max_budget 50 CPC");
    assert_int_equal(q.total, 74250000000ULL);
    /* the same via cpc_mq_draft keeps the quote for display */
    json_t *b = J("{\"type\":\"ml_training\",\"dataset_size\":\"500GB\",\"model_params\":\"70B\","
                  "\"priority\":\"high\",\"max_budget\":50}");
    struct cpc_contract c;
    json_t *quote = NULL;
    assert_int_equal(cpc_mq_draft(b, 1000, &c, &quote, &err), CPC_ERR_INVALID);
    assert_non_null(quote);
    assert_int_equal(json_integer_value(json_object_get(quote, "total")), 74250000000LL);
    json_decref(quote);
    json_decref(b);
}

/* The largest inputs end in a clean error, never a wrap. */
static void test_overflow_safe(void **state)
{
    (void)state;
    struct cpc_mq_request r;
    struct cpc_mq_quote q;
    struct cpc_err err = {0};
    /* 10T params -> 24000 GB -> 300 GPUs; 100 PB at 100 GB/h: 6e7 min each:
     * 1.35e18 base units fit, with commission too */
    assert_int_equal(quote_of("{\"type\":\"ml_training\",\"dataset_size\":\"100PB\","
                              "\"model_params\":\"10T\",\"priority\":\"high\","
                              "\"max_budget\":9000000000}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.tasks, 300);
    assert_int_equal(q.gpu_minutes, 18000000000ULL);
    assert_int_equal(q.cost, 1350000000000000000ULL);
    assert_int_equal(q.deadline_blocks, CPC_MAX_DEADLINE_BLOCKS);
    /* the parser's limits keep the worst case inside an amount: 9 replicas share the
     * same cost (reward = ceil(cost / units)), so rounding adds < units base units */
    assert_int_equal(quote_of("{\"type\":\"ml_training\",\"dataset_size\":\"100PB\","
                              "\"model_params\":\"10T\",\"priority\":\"high\","
                              "\"replication\":9,\"max_budget\":9000000000}",
                              &r, &q, &err),
                     0);
    assert_true(q.budget >= q.cost && q.budget - q.cost < 300 * 9);
    assert_true(q.total <= (uint64_t)INT64_MAX);
    /* ... but not inside a small max_budget */
    assert_int_equal(quote_of("{\"type\":\"ml_training\",\"dataset_size\":\"100PB\","
                              "\"model_params\":\"10T\",\"max_budget\":\"9223372036\"}",
                              &r, &q, &err),
                     0);
    assert_int_equal(quote_of("{\"type\":\"ml_training\",\"dataset_size\":\"100PB\","
                              "\"model_params\":\"10T\",\"max_budget\":1000}",
                              &r, &q, &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "exceeds max_budget 1000 CPC"));
    /* Parallel caps tasks at what one JOB_CREATE may hold under the default block
     * gas limit (4,998) and grows the per-task time */
    assert_int_equal(quote_of("{\"type\":\"rendering\",\"dataset_size\":\"100PB\","
                              "\"max_budget\":9000000000}",
                              &r, &q, &err),
                     0);
    assert_int_equal(q.tasks, CPC_DEFAULT_JOB_CREATE_MAX_TASKS);
    assert_int_equal(q.tasks, 4998);
    assert_int_equal(q.minutes, 120000000);
    assert_int_equal(q.minutes_per_task, 24010); /* ceil(120,000,000 / 4,998) */
    /* a hand-filled request beyond the parser's limits is refused */
    r.model_params = CPC_MQ_MAX_PARAMS + 1;
    assert_int_equal(cpc_mq_quote(&r, 1000, &q, &err), CPC_ERR_TOO_LARGE);
}

static void expect_bad(const char *text, int code, const char *needle)
{
    struct cpc_contract c;
    json_t *quote = NULL;
    struct cpc_err err = {0};
    json_t *j = J(text);
    int rc = cpc_mq_draft(j, 1000, &c, &quote, &err);
    json_decref(j);
    json_decref(quote);
    if (rc != code || !strstr(err.msg, needle))
        fail_msg("%s: rc %d (want %d), message \"%s\" lacks \"%s\"", text, rc, code, err.msg,
                 needle);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    expect_bad("[]", CPC_ERR_INVALID, "expected a JSON object");
    expect_bad("{}", CPC_ERR_INVALID, "needs \"kind\"");
    expect_bad("{\"type\":\"mining\",\"max_budget\":1}", CPC_ERR_INVALID,
               "request.type: unknown type \"mining\"");
    expect_bad("{\"type\":7,\"max_budget\":1}", CPC_ERR_INVALID, "request.type: expected a string");
    expect_bad("{\"type\":\"inference\"}", CPC_ERR_INVALID, "request.max_budget: missing");
    expect_bad("{\"type\":\"inference\",\"max_budget\":1,\"gpus\":4}", CPC_ERR_INVALID,
               "request.gpus: unknown key");
    expect_bad("{\"type\":\"inference\",\"max_budget\":1,\"priority\":\"urgent\"}",
               CPC_ERR_INVALID, "request.priority: must be low, normal or high");
    expect_bad("{\"type\":\"inference\",\"max_budget\":1,\"replication\":10}", CPC_ERR_INVALID,
               "request.replication: must be 1..9");
    expect_bad("{\"type\":\"inference\",\"max_budget\":1,\"framework\":\"a b\"}", CPC_ERR_INVALID,
               "request.framework");
    expect_bad("{\"type\":\"inference\",\"max_budget\":1,\"model_params\":\"11T\"}",
               CPC_ERR_TOO_LARGE, "at most 10T parameters");
    expect_bad("{\"type\":\"inference\",\"max_budget\":1,\"model_params\":true}", CPC_ERR_INVALID,
               "request.model_params: expected a count");
    expect_bad("{\"type\":\"inference\",\"max_budget\":18446744074}", CPC_ERR_OVERFLOW,
               "request.max_budget: too large");
    expect_bad("{\"type\":\"inference\",\"max_budget\":0}", CPC_ERR_INVALID,
               "must be greater than 0 CPC");
    /* kind-level: the contract decoder's own messages */
    expect_bad("{\"kind\":\"quantum\",\"params\":{},\"tasks\":1,\"reward\":1,\"deadline\":1,"
               "\"max_budget\":1}",
               CPC_ERR_INVALID, "contract.kind: unknown kind quantum");
    expect_bad("{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":100000,"
               "\"reward\":9223372036854775807,\"deadline\":10,\"max_budget\":1}",
               CPC_ERR_OVERFLOW, "budget overflows");
    expect_bad("{\"kind\":\"matmul\",\"params\":{\"m\":99999,\"k\":1,\"n\":1},\"tasks\":1,"
               "\"reward\":1,\"deadline\":10,\"max_budget\":10}",
               CPC_ERR_INVALID, "contract.params.m: must be 1..16384");
}

static void test_kind_level_and_pricing(void **state)
{
    (void)state;
    struct cpc_contract c;
    json_t *quote = NULL;
    struct cpc_err err = {0};
    json_t *j = J("{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":4,\"reward\":1000,"
                  "\"deadline\":100,\"max_budget\":5000}");
    assert_int_equal(cpc_mq_draft(j, 1000, &c, &quote, &err), 0);
    json_decref(j);
    assert_int_equal(c.kind, CPC_KIND_HASHPOW);
    assert_string_equal(json_string_value(json_object_get(quote, "form")), "kind");
    assert_int_equal(json_integer_value(json_object_get(quote, "budget")), 4000);
    assert_int_equal(json_integer_value(json_object_get(quote, "commission")), 400);
    assert_int_equal(json_integer_value(json_object_get(quote, "total")), 4400);
    json_decref(quote);

    json_t *p = cpc_mq_pricing_json();
    assert_non_null(p);
    json_t *tiers = json_object_get(p, "tiers");
    assert_int_equal(json_array_size(tiers), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tiers, 2), "job_type")),
                        "Heavy");
    assert_int_equal(json_integer_value(
                         json_object_get(json_array_get(tiers, 2), "price_per_gpu_hour")),
                     3000000000LL);
    assert_true(json_real_value(json_object_get(json_object_get(p, "priority_multipliers"),
                                                "high")) == 1.5);
    size_t n = 0;
    cpc_mq_workloads(&n);
    assert_int_equal(json_array_size(json_object_get(p, "workloads")), n);
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_heavy_spec_example),
        cmocka_unit_test(test_light_medium_parallel),
        cmocka_unit_test(test_multipliers_and_budget),
        cmocka_unit_test(test_overflow_safe),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_kind_level_and_pricing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
