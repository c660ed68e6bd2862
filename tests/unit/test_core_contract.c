/* test_core_contract.c — job contracts: every kind decodes from JSON with
 * its defaults, JSON and binary round trips are byte-identical, every
 * documented rejection gives its code and message naming the field, budget
 * and commission arithmetic (overflow, max_budget), binary decoder
 * rejections (truncation, bad kind/priority/values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/market.h"

/* secp256k1 generator G, compressed */
#define GPUB "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
               c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char *HASHPOW_OK =
    "{\"kind\":\"hashpow\",\"params\":{\"bits\":20},\"tasks\":10,\"reward\":1000,"
    "\"deadline\":100,\"max_budget\":11000}";
static const char *MATMUL_OK =
    "{\"kind\":\"matmul\",\"params\":{\"m\":100,\"k\":64,\"n\":32},\"tasks\":4,\"reward\":500,"
    "\"deadline\":50,\"priority\":\"high\",\"max_budget\":1000000,"
    "\"requirements\":{\"gpu_model\":\"RTX 4090\",\"min_vram_gb\":24,\"min_cpu_cores\":8}}";
static const char *VANITY_OK =
    "{\"kind\":\"vanity\",\"params\":{\"pubkey\":\"" GPUB "\",\"prefix\":\"qqq\"},\"tasks\":1,"
    "\"reward\":7,\"deadline\":1000,\"priority\":\"low\",\"max_budget\":8}";
static const char *EXEC_OK =
    "{\"kind\":\"exec\",\"params\":{\"app\":\"" H64("a") "\",\"inputs\":[\"" H64("b") "\",\"" H64(
        "c") "\"],\"timeout_s\":3600,\"memory_mb\":2048},\"tasks\":3,\"reward\":100,"
    "\"replication\":3,\"deadline\":500,\"max_budget\":100000,\"early_bonus\":10,"
    "\"early_blocks\":20}";

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s: %s", je.text, text);
    return j;
}

static int from_text(struct cpc_contract *c, const char *text, struct cpc_err *err)
{
    json_t *j = parse(text);
    int rc = cpc_contract_from_json(c, j, err);
    json_decref(j);
    return rc;
}

static void encode(const struct cpc_contract *c, struct cpc_buf *b)
{
    cpc_buf_init(b);
    cpc_contract_encode(c, b);
    assert_false(b->failed);
}

/* to_json -> from_json -> encode, and encode -> decode -> encode, must all agree. */
static void assert_round_trips(const struct cpc_contract *c)
{
    struct cpc_buf a, b, d;
    struct cpc_contract back, dec;
    struct cpc_err err;
    encode(c, &a);

    json_t *j = cpc_contract_to_json(c);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    assert_non_null(text);
    int rc = from_text(&back, text, &err);
    if (rc)
        fail_msg("%s: %s", text, err.msg);
    free(text);
    encode(&back, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);

    struct cpc_reader r;
    cpc_reader_init(&r, a.data, a.len);
    assert_int_equal(cpc_contract_decode(&dec, &r, &err), 0);
    assert_int_equal(r.left, 0);
    encode(&dec, &d);
    assert_int_equal(a.len, d.len);
    assert_memory_equal(a.data, d.data, a.len);

    /* every strict prefix of the encoding is rejected */
    for (size_t n = 0; n < a.len; n++) {
        cpc_reader_init(&r, a.data, n);
        assert_int_not_equal(cpc_contract_decode(&dec, &r, &err), 0);
    }
    cpc_buf_free(&a);
    cpc_buf_free(&b);
    cpc_buf_free(&d);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(cpc_kind_name(CPC_KIND_HASHPOW), "hashpow");
    assert_string_equal(cpc_kind_name(CPC_KIND_EXEC), "exec");
    assert_string_equal(cpc_kind_name((enum cpc_job_kind)9), "unknown");
    assert_string_equal(cpc_kind_name(CPC_KIND_NONE), "unknown");
    assert_int_equal(cpc_kind_from_name("matmul"), CPC_KIND_MATMUL);
    assert_int_equal(cpc_kind_from_name("vanity"), CPC_KIND_VANITY);
    assert_int_equal(cpc_kind_from_name("Matmul"), CPC_KIND_NONE);
    assert_int_equal(cpc_kind_from_name(""), CPC_KIND_NONE);
    assert_int_equal(cpc_kind_from_name(NULL), CPC_KIND_NONE);
}

static void test_commission(void **state)
{
    (void)state;
    assert_int_equal(cpc_commission_of(0), 0);
    assert_int_equal(cpc_commission_of(9), 0);
    assert_int_equal(cpc_commission_of(10), 1);
    assert_int_equal(cpc_commission_of(12345), 1234);
    assert_int_equal(cpc_commission_of(UINT64_MAX), UINT64_MAX / 10);
}

static void test_hashpow_valid(void **state)
{
    (void)state;
    struct cpc_contract c;
    struct cpc_err err;
    assert_int_equal(from_text(&c, HASHPOW_OK, &err), 0);
    assert_int_equal(c.kind, CPC_KIND_HASHPOW);
    assert_int_equal(c.p.hashpow.bits, 20);
    assert_int_equal(c.tasks, 10);
    assert_int_equal(c.reward, 1000);
    assert_int_equal(c.replication, 1);          /* default */
    assert_int_equal(c.priority, CPC_PRIORITY_NORMAL); /* default */
    assert_int_equal(c.deadline_blocks, 100);
    assert_int_equal(c.max_budget, 11000);
    assert_string_equal(c.req.gpu_model, "");
    assert_int_equal(c.early_bonus, 0);
    uint64_t budget = 0, com = 0;
    assert_int_equal(cpc_contract_budget(&c, &budget, &com, &err), 0);
    assert_int_equal(budget, 10000);
    assert_int_equal(com, 1000);
    assert_round_trips(&c);
}

static void test_matmul_valid(void **state)
{
    (void)state;
    struct cpc_contract c;
    struct cpc_err err;
    assert_int_equal(from_text(&c, MATMUL_OK, &err), 0);
    assert_int_equal(c.kind, CPC_KIND_MATMUL);
    assert_int_equal(c.p.matmul.m, 100);
    assert_int_equal(c.p.matmul.k, 64);
    assert_int_equal(c.p.matmul.n, 32);
    assert_int_equal(c.p.matmul.challenges, CPC_DEFAULT_CHALLENGES);
    assert_int_equal(c.priority, CPC_PRIORITY_HIGH);
    assert_string_equal(c.req.gpu_model, "RTX 4090");
    assert_int_equal(c.req.min_vram_gb, 24);
    assert_int_equal(c.req.min_cpu_cores, 8);
    assert_round_trips(&c);

    /* default challenges are capped at m; explicit challenges are kept */
    assert_int_equal(from_text(&c,
                               "{\"kind\":\"matmul\",\"params\":{\"m\":4,\"k\":1,\"n\":1},"
                               "\"tasks\":1,\"reward\":1,\"deadline\":1,\"max_budget\":1}",
                               &err),
                     0);
    assert_int_equal(c.p.matmul.challenges, 4);
    assert_round_trips(&c);
    assert_int_equal(from_text(&c,
                               "{\"kind\":\"matmul\",\"params\":{\"m\":16384,\"k\":1024,\"n\":"
                               "1024,\"challenges\":44},\"tasks\":1,\"reward\":1,\"deadline\":"
                               "10000000,\"max_budget\":1}",
                               &err),
                     0);
    assert_true(cpc_matmul_reveal_work(16384, 1024, 1024, 44) <= CPC_MATMUL_MAX_REVEAL_WORK);
    /* the verifier's work per REVEAL is bounded: by CPC_MATMUL_MAX_REVEAL_WORK, the
     * least verification budget a block has (one more challenge is over it) */
    assert_true(cpc_matmul_reveal_work(16384, 1024, 1024, 45) > CPC_MATMUL_MAX_REVEAL_WORK);
    assert_int_equal(from_text(&c,
                               "{\"kind\":\"matmul\",\"params\":{\"m\":16384,\"k\":1024,\"n\":"
                               "1024,\"challenges\":45},\"tasks\":1,\"reward\":1,\"deadline\":"
                               "10000000,\"max_budget\":1}",
                               &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "verification work units"));
    assert_int_equal(from_text(&c,
                               "{\"kind\":\"matmul\",\"params\":{\"m\":16384,\"k\":16384,\"n\":"
                               "16384},\"tasks\":1,\"reward\":1,\"deadline\":1,\"max_budget\":1}",
                               &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "verification work units"));
    assert_int_equal(from_text(&c,
                               "{\"kind\":\"matmul\",\"params\":{\"m\":64,\"k\":8192,\"n\":"
                               "8192,\"challenges\":64},\"tasks\":1,\"reward\":1,\"deadline\":1,"
                               "\"max_budget\":1}",
                               &err),
                     CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "verification work units"));
    assert_int_equal(c.p.matmul.challenges, 44);
    assert_round_trips(&c);
}

static void test_vanity_valid(void **state)
{
    (void)state;
    struct cpc_contract c;
    struct cpc_err err;
    assert_int_equal(from_text(&c, VANITY_OK, &err), 0);
    assert_int_equal(c.kind, CPC_KIND_VANITY);
    assert_int_equal(c.p.vanity.pubkey[0], 0x02);
    assert_int_equal(c.p.vanity.pubkey[32], 0x98);
    assert_string_equal(c.p.vanity.prefix, "qqq");
    assert_int_equal(c.priority, CPC_PRIORITY_LOW);
    assert_round_trips(&c);
}

static void test_exec_valid(void **state)
{
    (void)state;
    struct cpc_contract c;
    struct cpc_err err;
    int rc = from_text(&c, EXEC_OK, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(c.kind, CPC_KIND_EXEC);
    assert_int_equal(c.p.exec.app[0], 0xaa);
    assert_int_equal(c.p.exec.n_inputs, 2);
    assert_int_equal(c.p.exec.inputs[0][31], 0xbb);
    assert_int_equal(c.p.exec.inputs[1][0], 0xcc);
    assert_int_equal(c.p.exec.timeout_s, 3600);
    assert_int_equal(c.p.exec.memory_mb, 2048);
    assert_int_equal(c.replication, 3);
    assert_int_equal(c.early_bonus, 10);
    assert_int_equal(c.early_blocks, 20);
    /* budget = 3 tasks x 3 replicas x (100 + 10) = 990, commission 99 */
    uint64_t budget = 0, com = 0;
    assert_int_equal(cpc_contract_budget(&c, &budget, &com, &err), 0);
    assert_int_equal(budget, 990);
    assert_int_equal(com, 99);
    assert_round_trips(&c);

    /* zero inputs is fine */
    assert_int_equal(from_text(&c,
                               "{\"kind\":\"exec\",\"params\":{\"app\":\"" H64("0") "\",\"inputs\":"
                               "[],\"timeout_s\":1,\"memory_mb\":1048576},\"tasks\":100000,"
                               "\"reward\":1,\"replication\":9,\"deadline\":1,\"max_budget\":"
                               "990000}",
                               &err),
                     0);
    assert_int_equal(c.p.exec.n_inputs, 0);
    assert_round_trips(&c);
}

/* The canonical encoding of the hashpow contract, byte for byte. */
static void test_encoding_layout(void **state)
{
    (void)state;
    struct cpc_contract c;
    struct cpc_err err;
    assert_int_equal(from_text(&c, HASHPOW_OK, &err), 0);
    static const uint8_t want[] = {
        1,  20,                                   /* kind, bits */
        0,  0, 0, 10,                             /* tasks */
        0,  0, 0, 0, 0, 0, 0x03, 0xe8,            /* reward 1000 */
        1,                                        /* replication */
        0,  0, 0, 0, 0, 0, 0, 100,                /* deadline */
        1,                                        /* priority normal */
        0,  0, 0, 0, 0, 0, 0x2a, 0xf8,            /* max_budget 11000 */
        0,  0, 0, 0,                              /* gpu_model "" */
        0,  0, 0, 0, 0, 0, 0, 0,                  /* min_vram, min_cores */
        0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* early bonus, blocks */
    };
    struct cpc_buf b;
    encode(&c, &b);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    cpc_buf_free(&b);
}

struct bad_case {
    const char *json;
    int code;
    const char *msg; /* exact, or prefix when it ends with '*' */
};

#define HP(params, rest)                                                                      \
    "{\"kind\":\"hashpow\",\"params\":" params ",\"tasks\":10,\"reward\":1000,\"deadline\":100," \
    "\"max_budget\":11000" rest "}"
#define MM(params) \
    "{\"kind\":\"matmul\",\"params\":" params ",\"tasks\":1,\"reward\":1,\"deadline\":1,\"max_budget\":9}"
#define VA(params) \
    "{\"kind\":\"vanity\",\"params\":" params ",\"tasks\":1,\"reward\":1,\"deadline\":1,\"max_budget\":9}"
#define EX(params, rest)                                                                     \
    "{\"kind\":\"exec\",\"params\":" params ",\"tasks\":1,\"reward\":1,\"deadline\":1,"      \
    "\"max_budget\":99" rest "}"
#define EXP(inputs, timeout, memory)                                                         \
    "{\"app\":\"" H64("a") "\",\"inputs\":" inputs ",\"timeout_s\":" timeout ",\"memory_mb\":" \
    memory "}"
#define EXOK EXP("[]", "1", "1")

static const struct bad_case BAD[] = {
    {"[]", CPC_ERR_INVALID, "contract: expected an object"},
    {HP("{\"bits\":20}", ",\"foo\":1"), CPC_ERR_INVALID, "contract: unknown field 'foo'"},
    {"{\"params\":{},\"tasks\":1}", CPC_ERR_INVALID, "contract.kind: missing"},
    {"{\"kind\":3,\"params\":{}}", CPC_ERR_INVALID, "contract.kind: expected a string"},
    {"{\"kind\":\"quantum\",\"params\":{}}", CPC_ERR_INVALID, "contract.kind: unknown kind quantum"},
    {"{\"kind\":\"hashpow\",\"tasks\":1}", CPC_ERR_INVALID, "contract.params: missing"},
    {HP("[20]", ""), CPC_ERR_INVALID, "contract.params: expected an object"},
    /* hashpow */
    {HP("{\"bits\":0}", ""), CPC_ERR_INVALID, "contract.params.bits: must be 1..64"},
    {HP("{\"bits\":65}", ""), CPC_ERR_INVALID, "contract.params.bits: must be 1..64"},
    {HP("{\"bits\":-3}", ""), CPC_ERR_INVALID, "contract.params.bits: must be 1..64"},
    {HP("{\"bits\":\"20\"}", ""), CPC_ERR_INVALID, "contract.params.bits: expected an integer"},
    {HP("{\"bits\":20.0}", ""), CPC_ERR_INVALID, "contract.params.bits: expected an integer"},
    {HP("{}", ""), CPC_ERR_INVALID, "contract.params.bits: missing"},
    {HP("{\"bits\":20,\"m\":1}", ""), CPC_ERR_INVALID, "contract.params: unknown field 'm'"},
    {HP("{\"bits\":20}", ",\"replication\":2"), CPC_ERR_INVALID,
     "contract.replication: must be 1 for hashpow"},
    /* matmul */
    {MM("{\"m\":0,\"k\":1,\"n\":1}"), CPC_ERR_INVALID, "contract.params.m: must be 1..16384"},
    {MM("{\"m\":16385,\"k\":1,\"n\":1}"), CPC_ERR_INVALID, "contract.params.m: must be 1..16384"},
    {MM("{\"m\":1,\"k\":-1,\"n\":1}"), CPC_ERR_INVALID, "contract.params.k: must be 1..16384"},
    {MM("{\"m\":1,\"k\":1,\"n\":99999999999}"), CPC_ERR_INVALID,
     "contract.params.n: must be 1..16384"},
    {MM("{\"m\":100,\"k\":1,\"n\":1,\"challenges\":0}"), CPC_ERR_INVALID,
     "contract.params.challenges: must be 1..64"},
    {MM("{\"m\":100,\"k\":1,\"n\":1,\"challenges\":65}"), CPC_ERR_INVALID,
     "contract.params.challenges: must be 1..64"},
    {MM("{\"m\":4,\"k\":1,\"n\":1,\"challenges\":5}"), CPC_ERR_INVALID,
     "contract.params.challenges: must not exceed m (4)"},
    {"{\"kind\":\"matmul\",\"params\":{\"m\":4,\"k\":1,\"n\":1},\"tasks\":1,\"reward\":1,"
     "\"replication\":3,\"deadline\":1,\"max_budget\":9}",
     CPC_ERR_INVALID, "contract.replication: must be 1 for matmul"},
    /* vanity */
    {VA("{\"pubkey\":\"04" H64("1") "\",\"prefix\":\"qq\"}"), CPC_ERR_INVALID,
     "contract.params.pubkey: not a valid compressed secp256k1 public key"},
    {VA("{\"pubkey\":\"02" H64("1") "00\",\"prefix\":\"qq\"}"), CPC_ERR_INVALID,
     "contract.params.pubkey: expected 66 hex characters"},
    {VA("{\"pubkey\":\"02" H64("f") "\",\"prefix\":\"qq\"}"), CPC_ERR_INVALID,
     "contract.params.pubkey: not a valid compressed secp256k1 public key"},
    {VA("{\"pubkey\":\"zz" H64("1") "\",\"prefix\":\"qq\"}"), CPC_ERR_INVALID,
     "contract.params.pubkey: expected 66 hex characters"},
    {VA("{\"pubkey\":\"" GPUB "\",\"prefix\":\"qbq\"}"), CPC_ERR_INVALID,
     "contract.params.prefix: prefix character 2 (0x62)*"},
    {VA("{\"pubkey\":\"" GPUB "\",\"prefix\":\"qqqqqqqqq\"}"), CPC_ERR_INVALID,
     "contract.params.prefix: longer than 8 characters"},
    {VA("{\"pubkey\":\"" GPUB "\",\"prefix\":\"\"}"), CPC_ERR_INVALID,
     "contract.params.prefix: empty string"},
    {VA("{\"pubkey\":\"" GPUB "\"}"), CPC_ERR_INVALID, "contract.params.prefix: missing"},
    /* exec */
    {EX(EXP("[\"" H64("1") "\",\"" H64("1") "\",\"" H64("1") "\",\"" H64("1") "\",\"" H64(
            "1") "\",\"" H64("1") "\",\"" H64("1") "\",\"" H64("1") "\",\"" H64("1") "\"]",
            "1", "1"),
        ""),
     CPC_ERR_INVALID, "contract.params.inputs: at most 8 inputs"},
    {EX(EXP("[\"" H64("1") "\",\"12\"]", "1", "1"), ""), CPC_ERR_INVALID,
     "contract.params.inputs[1]: expected 64 hex characters"},
    {EX(EXP("[7]", "1", "1"), ""), CPC_ERR_INVALID,
     "contract.params.inputs[0]: expected a string"},
    {EX(EXP("{}", "1", "1"), ""), CPC_ERR_INVALID, "contract.params.inputs: expected an array"},
    {EX(EXP("[]", "0", "1"), ""), CPC_ERR_INVALID, "contract.params.timeout_s: must be 1..86400"},
    {EX(EXP("[]", "86401", "1"), ""), CPC_ERR_INVALID,
     "contract.params.timeout_s: must be 1..86400"},
    {EX(EXP("[]", "1", "0"), ""), CPC_ERR_INVALID, "contract.params.memory_mb: must be 1..1048576"},
    {EX(EXP("[]", "1", "1048577"), ""), CPC_ERR_INVALID,
     "contract.params.memory_mb: must be 1..1048576"},
    {EX("{\"inputs\":[],\"timeout_s\":1,\"memory_mb\":1}", ""), CPC_ERR_INVALID,
     "contract.params.app: missing"},
    {EX(EXOK, ",\"replication\":0"), CPC_ERR_INVALID, "contract.replication: must be 1..9"},
    {EX(EXOK, ",\"replication\":10"), CPC_ERR_INVALID, "contract.replication: must be 1..9"},
    {EX(EXOK, ",\"replication\":-1"), CPC_ERR_INVALID, "contract.replication: must be 1..9"},
    /* common fields */
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":0,\"reward\":1,\"deadline\":1,"
     "\"max_budget\":1}",
     CPC_ERR_INVALID, "contract.tasks: must be 1..100000"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":100001,\"reward\":1,\"deadline\":1,"
     "\"max_budget\":1}",
     CPC_ERR_INVALID, "contract.tasks: must be 1..100000"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"reward\":1,\"deadline\":1,\"max_budget\":1}",
     CPC_ERR_INVALID, "contract.tasks: missing"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":1,\"reward\":0,\"deadline\":1,"
     "\"max_budget\":1}",
     CPC_ERR_INVALID, "contract.reward: must be 1..9223372036854775807"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":1,\"reward\":-5,\"deadline\":1,"
     "\"max_budget\":1}",
     CPC_ERR_INVALID, "contract.reward: must be 1..9223372036854775807"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":1,\"reward\":1,\"deadline\":0,"
     "\"max_budget\":1}",
     CPC_ERR_INVALID, "contract.deadline: must be 1..10000000"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":1,\"reward\":1,\"deadline\":10000001,"
     "\"max_budget\":1}",
     CPC_ERR_INVALID, "contract.deadline: must be 1..10000000"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":1,\"reward\":1,\"deadline\":1}",
     CPC_ERR_INVALID, "contract.max_budget: missing"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":1},\"tasks\":1,\"reward\":1,\"deadline\":1,"
     "\"max_budget\":-1}",
     CPC_ERR_INVALID, "contract.max_budget: must be 0..9223372036854775807"},
    {HP("{\"bits\":20}", ",\"priority\":\"urgent\""), CPC_ERR_INVALID,
     "contract.priority: must be low, normal or high"},
    {HP("{\"bits\":20}", ",\"priority\":2"), CPC_ERR_INVALID,
     "contract.priority: must be low, normal or high"},
    {HP("{\"bits\":20}", ",\"requirements\":[]"), CPC_ERR_INVALID,
     "contract.requirements: expected an object"},
    {HP("{\"bits\":20}", ",\"requirements\":{\"ram_gb\":1}"), CPC_ERR_INVALID,
     "contract.requirements: unknown field 'ram_gb'"},
    {HP("{\"bits\":20}", ",\"requirements\":{\"gpu_model\":\"" H64("x") "\"}"), CPC_ERR_INVALID,
     "contract.requirements.gpu_model: longer than 32 characters"},
    {HP("{\"bits\":20}", ",\"requirements\":{\"gpu_model\":\"a\\nb\"}"), CPC_ERR_INVALID,
     "contract.requirements.gpu_model: must be printable ASCII"},
    {HP("{\"bits\":20}", ",\"requirements\":{\"gpu_model\":5}"), CPC_ERR_INVALID,
     "contract.requirements.gpu_model: expected a string"},
    {HP("{\"bits\":20}", ",\"requirements\":{\"min_vram_gb\":4294967296}"), CPC_ERR_INVALID,
     "contract.requirements.min_vram_gb: must be 0..4294967295"},
    {HP("{\"bits\":20}", ",\"early_bonus\":5"), CPC_ERR_INVALID,
     "contract.early_bonus: early_bonus and early_blocks must both be zero or both be positive"},
    {HP("{\"bits\":20}", ",\"early_blocks\":5"), CPC_ERR_INVALID,
     "contract.early_bonus: early_bonus and early_blocks must both be zero or both be positive"},
    {HP("{\"bits\":20}", ",\"early_bonus\":1,\"early_blocks\":10000001"), CPC_ERR_INVALID,
     "contract.early_blocks: must be 0..10000000"},
    /* budget */
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":20},\"tasks\":10,\"reward\":1000,\"deadline\":100,"
     "\"max_budget\":10999}",
     CPC_ERR_INVALID,
     "contract: budget 0.00001 CPC + commission 0.000001 CPC exceeds max_budget 0.000010999 CPC"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":20},\"tasks\":10,\"reward\":1000,\"deadline\":100,"
     "\"max_budget\":11000,\"early_bonus\":100,\"early_blocks\":5}",
     CPC_ERR_INVALID,
     "contract: budget 0.000011 CPC + commission 0.0000011 CPC exceeds max_budget 0.000011 CPC"},
    {"{\"kind\":\"exec\",\"params\":" EXOK ",\"tasks\":100000,\"reward\":9223372036854775807,"
     "\"replication\":9,\"deadline\":1,\"max_budget\":9223372036854775807}",
     CPC_ERR_OVERFLOW, "contract: budget overflows"},
    {"{\"kind\":\"hashpow\",\"params\":{\"bits\":20},\"tasks\":1,\"reward\":9223372036854775807,"
     "\"deadline\":1,\"max_budget\":9223372036854775807}",
     CPC_ERR_INVALID,
     "contract: budget 9223372036.854775807 CPC + commission 922337203.68547758 CPC exceeds "
     "max_budget 9223372036.854775807 CPC"},
};

static void test_rejections(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        struct cpc_contract c;
        struct cpc_err err;
        memset(&err, 0, sizeof err);
        int rc = from_text(&c, BAD[i].json, &err);
        if (rc != BAD[i].code)
            fail_msg("case %zu: rc %d (%s), want %d\n  %s", i, rc, err.msg, BAD[i].code,
                     BAD[i].json);
        size_t n = strlen(BAD[i].msg);
        bool prefix = n && BAD[i].msg[n - 1] == '*';
        if (prefix ? strncmp(err.msg, BAD[i].msg, n - 1) != 0 : strcmp(err.msg, BAD[i].msg) != 0)
            fail_msg("case %zu: message\n  got  '%s'\n  want '%s'", i, err.msg, BAD[i].msg);
        assert_int_equal(err.code, BAD[i].code);
    }
}

static void test_budget_direct(void **state)
{
    (void)state;
    struct cpc_contract c;
    struct cpc_err err;
    uint64_t budget = 0, com = 0;
    assert_int_equal(from_text(&c, HASHPOW_OK, &err), 0);

    /* reward + early_bonus does not overflow, but budget + commission does */
    c.reward = UINT64_MAX / 2;
    c.early_bonus = UINT64_MAX / 2;
    c.early_blocks = 1;
    c.tasks = 1;
    assert_int_equal(cpc_contract_budget(&c, &budget, &com, &err), CPC_ERR_OVERFLOW);
    assert_string_equal(err.msg, "contract: budget overflows");
    /* reward + early_bonus itself overflows */
    c.reward = UINT64_MAX;
    assert_int_equal(cpc_contract_budget(&c, &budget, &com, &err), CPC_ERR_OVERFLOW);
    /* exactly at max_budget passes, one below fails */
    assert_int_equal(from_text(&c, EXEC_OK, &err), 0);
    c.max_budget = 990 + 99;
    assert_int_equal(cpc_contract_budget(&c, &budget, &com, &err), 0);
    c.max_budget = 990 + 98;
    assert_int_equal(cpc_contract_budget(&c, &budget, &com, &err), CPC_ERR_INVALID);
    assert_int_equal(budget, 990); /* still reported */
    assert_int_equal(com, 99);
}

/* cpc_contract_check on hand-built structs: what the JSON door cannot express. */
static void test_check_struct(void **state)
{
    (void)state;
    struct cpc_contract c, base;
    struct cpc_err err;
    assert_int_equal(from_text(&base, EXEC_OK, &err), 0);
    assert_int_equal(cpc_contract_check(&base, &err), 0);

    c = base;
    c.p.exec.n_inputs = 9;
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.params.inputs: at most 8 inputs");
    c = base;
    c.priority = (enum cpc_priority)3;
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.priority: must be low, normal or high");
    c = base;
    c.kind = CPC_KIND_NONE;
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.kind: unknown kind 0");
    c = base;
    memset(c.req.gpu_model, 'x', sizeof c.req.gpu_model); /* not terminated */
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.requirements.gpu_model: longer than 32 characters");
    c = base;
    c.reward = (uint64_t)INT64_MAX + 1;
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.reward: must be 1..9223372036854775807");

    assert_int_equal(from_text(&base, VANITY_OK, &err), 0);
    c = base;
    memset(c.p.vanity.prefix, 'q', sizeof c.p.vanity.prefix);
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.params.prefix: longer than 8 characters");
    c = base;
    c.p.vanity.prefix[0] = '\0';
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.params.prefix: prefix must be 1 to 8 characters");
    assert_int_equal(cpc_contract_check(&c, NULL), CPC_ERR_INVALID); /* NULL err is fine */
}

/* Binary decoder: bad kind, bad priority, bad values, embedded NUL. */
static void test_decode_rejects(void **state)
{
    (void)state;
    struct cpc_contract c, out;
    struct cpc_err err;
    struct cpc_reader r;
    struct cpc_buf b;

    assert_int_equal(from_text(&c, HASHPOW_OK, &err), 0);
    encode(&c, &b);
    /* layout: [0]=kind [1]=bits ... [23]=priority (see test_encoding_layout) */
    b.data[0] = 9;
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.kind: unknown kind 9");
    b.data[0] = 1;
    b.data[1] = 0;
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.params.bits: must be 1..64");
    b.data[1] = 20;
    b.data[23] = 3;
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.priority: must be low, normal or high");
    b.data[23] = 1;
    b.data[14] = 2; /* replication */
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.replication: must be 1 for hashpow");
    b.data[14] = 1;
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), 0);
    cpc_reader_init(&r, b.data, b.len - 1);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract: truncated or malformed encoding");
    assert_true(r.failed);
    cpc_buf_free(&b);

    /* vanity prefix with an embedded NUL; a 9-byte prefix */
    assert_int_equal(from_text(&c, VANITY_OK, &err), 0);
    encode(&c, &b);
    /* [0]=kind [1..33]=pubkey [34..37]=len 3 [38..40]="qqq" */
    assert_int_equal(b.data[37], 3);
    b.data[39] = 0;
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.params.prefix: contains a NUL character");
    b.data[39] = 'b';
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "contract.params.prefix: prefix character 2"));
    b.data[39] = 'q';
    b.data[1] = 0x04; /* pubkey no longer compressed */
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg,
                        "contract.params.pubkey: not a valid compressed secp256k1 public key");
    cpc_buf_free(&b);

    /* exec with n_inputs 9 */
    assert_int_equal(from_text(&c, EXEC_OK, &err), 0);
    encode(&c, &b);
    assert_int_equal(b.data[33], 2); /* [0]=kind [1..32]=app [33]=n */
    b.data[33] = 9;
    cpc_reader_init(&r, b.data, b.len);
    assert_int_equal(cpc_contract_decode(&out, &r, &err), CPC_ERR_INVALID);
    assert_string_equal(err.msg, "contract.params.inputs: at most 8 inputs");
    cpc_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),          cmocka_unit_test(test_commission),
        cmocka_unit_test(test_hashpow_valid),  cmocka_unit_test(test_matmul_valid),
        cmocka_unit_test(test_vanity_valid),   cmocka_unit_test(test_exec_valid),
        cmocka_unit_test(test_encoding_layout), cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_budget_direct),  cmocka_unit_test(test_check_struct),
        cmocka_unit_test(test_decode_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
