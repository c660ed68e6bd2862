/* test_node_legacy.c — the legacy proof-of-concept API (routes_legacy.c) of a
 * real node in this process, over real HTTP on 127.0.0.1. Blocks are produced
 * on demand (cpc_produce_block), so balances and /chain are deterministic.
 * The replay verifier is checked against vectors computed independently
 * (Python hashlib) for fixed client ids inserted straight into the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/keyring.h"
#include "core/amount.h"
#include "core/uuid.h"
#include "node/consensus.h"
#include "http/httpd.h"
#include "node/mempool.h"
#include "node/node.h"
#include "market/routes_legacy.h"
#include "store/store_legacy.h"
#include "node_test_fixture.h"

/* sha256("client-23-sc-001-n") starts with "000" for n = 56 and n = 258 only (n <= 1000). */
#define C23_56 "0007d636b44e01a3c0b32bb0eaacd946058bd8aaa317c810ae30ffc1ea2f74f3"
#define C23_258 "000ee8b9227b775fa3c0e0e9eaa766be4ef2ae497b44e698449484c00320a4a8"
/* sha256("client-a-sc-002-n") starts with "0000" for n = 40903 only (n <= 50000). */
#define CA_40903 "000037c0ec718bc8248d218a2d8c1f03608abbc7ba64dff632f0738ed49c5428"

struct fixture {
    char home[256];
    struct cpc_node node;
    char base[64];
    struct cpc_key faucet;
    struct cpc_signer *signer;
    CURL *curl;
};

/* Returns HTTP status; *out = parsed JSON (or NULL). */
static long http(struct fixture *f, const char *method, const char *path, const char *body,
                 json_t **out)
{
    struct nt_req r = {method, path, body, body ? strlen(body) : 0, .timeout_s = 10};
    return nt_http_json(f->curl, f->base, &r, out);
}

/* drop_legacy_key: an "old" home whose keyring has no legacy key (the genesis
 * still funds the deleted key's address, so the new one is unfunded). */
static struct fixture *start(int drop_legacy_key, const char *config_extra)
{
    struct fixture *f = calloc(1, sizeof *f);
    nt_home_new(f->home, "/tmp/cpc-legacy-XXXXXX", "legacy-test", config_extra);
    struct cpc_err err = {0};
    struct cpc_key_info li;
    assert_int_equal(cpc_keyring_info(f->home, "legacy", &li, &err), 0);
    if (drop_legacy_key)
        assert_int_equal(cpc_keyring_delete(f->home, "legacy", &err), 0);
    nt_node_up(&f->node, f->home, f->base);
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &f->faucet, &err), 0);
    f->signer = cpc_signer_new_random();
    f->curl = curl_easy_init();
    return f;
}

static int setup(void **state)
{
    *state = start(0, NULL);
    return 0;
}

static int setup_register_limit(void **state)
{
    *state = start(0, "\n[legacy]\nregister_limit = 3\n");
    return 0;
}

static int setup_unfunded(void **state)
{
    *state = start(1, NULL);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    cpc_signer_free(f->signer);
    cpc_key_wipe(&f->faucet);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

/* POST /submit_work with the four fields; returns status, *out the body. */
static long submit(struct fixture *f, const char *client, const char *contract, long long units,
                   const char *result, json_t **out)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"client_id\":\"%s\",\"contract_id\":\"%s\",\"work_units_done\":%lld,"
             "\"result_data\":\"%s\"}",
             client, contract, units, result);
    return http(f, "POST", "/submit_work", body, out);
}

/* Register a fixed client id straight in the store, at the faucet-less "other" address. */
static void add_client(struct fixture *f, const char *id, const char *addr)
{
    struct cpc_err err = {0};
    assert_int_equal(cpc_store_legacy_client_add(f->node.store, id, addr, 1, &err), 0);
}

static uint64_t balance_of(struct fixture *f, const char *addr)
{
    uint8_t a[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
    assert_int_equal(cpc_address_decode(a, addr), 0);
    cpc_node_account(&f->node, a, &acc);
    return acc.balance;
}

/* The contract_id GET /get_task hands out for template (drawn until it shows
 * up) into id: a fresh instance of it, "sc-001-<hex>". */
static void task_of(struct fixture *f, const char *template_id, char id[CPC_LEGACY_ID_MAX + 1])
{
    size_t tl = strlen(template_id);
    for (int i = 0; i < 200; i++) {
        json_t *j = NULL;
        assert_int_equal(http(f, "GET", "/get_task", NULL, &j), 200);
        const char *c = str(j, "contract_id");
        assert_non_null(c);
        int match = strncmp(c, template_id, tl) == 0 && (c[tl] == '-' || c[tl] == '\0');
        if (match)
            snprintf(id, CPC_LEGACY_ID_MAX + 1, "%s", c);
        json_decref(j);
        if (match)
            return;
    }
    fail_msg("GET /get_task never handed out %s", template_id);
}

/* The honest result_data of client's units on contract (replay, zeros of the template). */
static void result_of(const char *client, const char *contract, unsigned zeros, uint64_t units,
                      char out[CPC_LEGACY_RESULT_TEXT_MAX + 1])
{
    cpc_legacy_expected_result(client, contract, zeros, units, out);
}

/* A result the replay of units does not give. */
static const char *wrong_result(const char *honest)
{
    return strcmp(honest, "dummy_result_data") == 0
               ? "0000000000000000000000000000000000000000000000000000000000000000"
               : "dummy_result_data";
}

static long long balance_json(struct fixture *f, const char *client)
{
    char path[128];
    json_t *j = NULL;
    snprintf(path, sizeof path, "/get_balance/%s", client);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_true(json_is_integer(json_object_get(j, "balance")));
    long long b = json_integer_value(json_object_get(j, "balance"));
    json_decref(j);
    return b;
}

/* ---- pure ---- */

static void test_replay_vectors(void **state)
{
    (void)state;
    char out[CPC_LEGACY_RESULT_TEXT_MAX + 1];
    cpc_legacy_expected_result("client-23", "sc-001", 3, 55, out);
    assert_string_equal(out, "dummy_result_data");
    cpc_legacy_expected_result("client-23", "sc-001", 3, 56, out);
    assert_string_equal(out, C23_56);
    cpc_legacy_expected_result("client-23", "sc-001", 3, 257, out);
    assert_string_equal(out, C23_56);
    cpc_legacy_expected_result("client-23", "sc-001", 3, 258, out);
    assert_string_equal(out, C23_258); /* the LAST match, not the first */
    cpc_legacy_expected_result("client-23", "sc-001", 3, 1000, out);
    assert_string_equal(out, C23_258);
    cpc_legacy_expected_result("client-23", "sc-001", 4, 1000, out); /* 4 zeros: none */
    assert_string_equal(out, "dummy_result_data");
    cpc_legacy_expected_result("client-a", "sc-002", 4, 50000, out);
    assert_string_equal(out, CA_40903);
    cpc_legacy_expected_result("client-a", "sc-002", 4, 40902, out);
    assert_string_equal(out, "dummy_result_data");
    cpc_legacy_expected_result("client-a", "sc-002", 4, 0, out);
    assert_string_equal(out, "dummy_result_data");

    size_t n = 0;
    const struct cpc_legacy_contract *c = cpc_legacy_contracts(&n);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].contract_id, "sc-001");
    assert_int_equal(c[0].work_units_required, 1000);
    assert_int_equal(c[0].reward_cpc, 10);
    assert_int_equal(c[0].zeros, 3);
    assert_string_equal(c[1].task_type, "complex-hash-pow");
    assert_string_equal(c[1].description, "Find a hash starting with 4 zeros.");
    assert_int_equal(c[1].work_units_required, 5000);
    assert_int_equal(c[1].reward_cpc, 50);
    assert_ptr_equal(cpc_legacy_contract_find("sc-002"), &c[1]);
    assert_null(cpc_legacy_contract_find("sc-003"));
    assert_null(cpc_legacy_contract_find("SC-001"));

    uint8_t t1[16], t2[16], t3[16];
    char text[CPC_UUID_STR_LEN + 1];
    cpc_legacy_task_id(t1, "client-23", "sc-001");
    cpc_legacy_task_id(t2, "client-23", "sc-001");
    cpc_legacy_task_id(t3, "client-23", "sc-002");
    assert_memory_equal(t1, t2, 16);
    assert_memory_not_equal(t1, t3, 16);
    cpc_uuid_format(text, t1);
    assert_int_equal(text[14], '8');                 /* version 8 */
    assert_non_null(strchr("89ab", text[19]));       /* RFC 4122 variant */
    /* (client, contract) is not ambiguous: "a-b"+"c" differs from "a"+"b-c" */
    cpc_legacy_task_id(t2, "client-2", "3sc-001");
    assert_memory_not_equal(t1, t2, 16);
}

/* ---- over HTTP ---- */

static void test_register_and_task(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL, *k = NULL;
    assert_int_equal(http(f, "GET", "/register", NULL, &j), 200);
    assert_int_equal(json_object_size(j), 1);
    const char *id = str(j, "client_id");
    assert_non_null(id);
    uint8_t b[16];
    assert_int_equal(cpc_uuid_parse(b, id), 0);
    assert_int_equal(id[14], '4'); /* UUID v4 */
    assert_int_equal(http(f, "GET", "/register", NULL, &k), 200);
    assert_string_not_equal(str(k, "client_id"), id);
    /* each client has its own account, at a stable address */
    struct cpc_err err = {0};
    char a1[CPC_ADDR_STR_MAX], a2[CPC_ADDR_STR_MAX];
    assert_int_equal(cpc_store_legacy_client_address(f->node.store, id, a1, &err), 0);
    assert_int_equal(cpc_store_legacy_client_address(f->node.store, str(k, "client_id"), a2, &err),
                     0);
    assert_string_not_equal(a1, a2);
    assert_int_equal(strncmp(a1, "cpc1", 4), 0);
    json_decref(k);
    /* a new client's balance is 0 */
    char path[128];
    snprintf(path, sizeof path, "/get_balance/%s", id);
    assert_int_equal(http(f, "GET", path, NULL, &k), 200);
    assert_string_equal(str(k, "client_id"), id);
    assert_true(json_is_integer(json_object_get(k, "balance")));
    assert_int_equal(json_integer_value(json_object_get(k, "balance")), 0);
    assert_int_equal(json_object_size(k), 2);
    json_decref(k);
    json_decref(j);

    int seen[2] = {0, 0};
    char prev[CPC_LEGACY_ID_MAX + 1] = "";
    for (int i = 0; i < 40; i++) {
        assert_int_equal(http(f, "GET", "/get_task", NULL, &j), 200);
        assert_int_equal(json_object_size(j), 5);
        /* a fresh instance of a registry contract: "sc-00N-" + 40 hex */
        const char *inst = str(j, "contract_id");
        assert_non_null(inst);
        assert_int_equal(strlen(inst), 7 + 40);
        char tmpl[8];
        snprintf(tmpl, sizeof tmpl, "%.6s", inst);
        assert_int_equal(inst[6], '-');
        assert_string_not_equal(inst, prev); /* a fresh instance each time */
        snprintf(prev, sizeof prev, "%s", inst);
        const struct cpc_legacy_contract *c = cpc_legacy_contract_find(tmpl);
        assert_non_null(c);
        assert_string_equal(str(j, "task_type"), c->task_type);
        assert_string_equal(str(j, "description"), c->description);
        assert_int_equal(json_integer_value(json_object_get(j, "work_units_required")),
                         c->work_units_required);
        assert_int_equal(json_integer_value(json_object_get(j, "reward")), c->reward_cpc);
        seen[c == cpc_legacy_contract_find("sc-002")] = 1;
        json_decref(j);
    }
    assert_true(seen[0] && seen[1]); /* random: both show up in 40 draws (p fail 2^-39) */
}

static void test_submit_reward_and_chain(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    struct cpc_key_info legacy;
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_info(f->home, "legacy", &legacy, &err), 0);
    uint64_t legacy0 = balance_of(f, legacy.address);
    assert_int_equal(legacy0, 10000000ULL * CPC_BASE_PER_CPC); /* funded in genesis */

    const char *addr = "cpc1gnpq85jq7ks96xzx7xwtlgjrr7cmm2sxech2sh";
    add_client(f, "client-23", addr);
    char a1[CPC_LEGACY_ID_MAX + 1], r300[CPC_LEGACY_RESULT_TEXT_MAX + 1],
        r1000[CPC_LEGACY_RESULT_TEXT_MAX + 1];
    task_of(f, "sc-001", a1);
    result_of("client-23", a1, 3, 300, r300);
    result_of("client-23", a1, 3, 1000, r1000);

    /* fewer units than required, honest result: pending, exact message */
    assert_int_equal(submit(f, "client-23", a1, 300, r300, &j), 200);
    assert_string_equal(str(j, "status"), "pending");
    assert_string_equal(str(j, "message"), "Not enough work done. 300 / 1000");
    json_decref(j);
    /* wrong result: rejected */
    assert_int_equal(submit(f, "client-23", a1, 1000, wrong_result(r1000), &j), 200);
    assert_string_equal(str(j, "status"), "rejected");
    assert_non_null(strstr(str(j, "message"), "verification failed"));
    json_decref(j);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);

    /* verified: success, 10 CPC, two txs pending */
    assert_int_equal(submit(f, "client-23", a1, 1000, r1000, &j), 200);
    assert_string_equal(str(j, "status"), "success");
    assert_true(json_is_integer(json_object_get(j, "reward_issued")));
    assert_int_equal(json_integer_value(json_object_get(j, "reward_issued")), 10);
    assert_int_equal(json_object_size(j), 2);
    json_decref(j);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 2);
    /* the same work again: not paid twice (before and after the block) */
    assert_int_equal(submit(f, "client-23", a1, 1000, r1000, &j), 200);
    assert_string_equal(str(j, "status"), "rejected");
    assert_string_equal(str(j, "message"), "Work already rewarded");
    json_decref(j);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 2);

    nt_produce(&f->node);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
    assert_int_equal(balance_of(f, addr), 10 * CPC_BASE_PER_CPC);
    /* the legacy key paid the reward plus both fees (21000 + 80000 gas at price 1) */
    assert_int_equal(balance_of(f, legacy.address),
                     legacy0 - 10 * CPC_BASE_PER_CPC - 21000 - 80000);
    assert_int_equal(submit(f, "client-23", a1, 1000, r1000, &j), 200);
    assert_string_equal(str(j, "message"), "Work already rewarded");
    json_decref(j);

    /* another client on another assignment; sc-002 pays 50 */
    char a2[CPC_LEGACY_ID_MAX + 1], r2[CPC_LEGACY_RESULT_TEXT_MAX + 1];
    add_client(f, "client-a", "cpc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc58w28");
    task_of(f, "sc-002", a2);
    result_of("client-a", a2, 4, 5000, r2);
    assert_int_equal(submit(f, "client-a", a2, 5000, r2, &j), 200);
    assert_string_equal(str(j, "status"), "success");
    assert_int_equal(json_integer_value(json_object_get(j, "reward_issued")), 50);
    json_decref(j);
    nt_produce(&f->node);

    assert_int_equal(balance_json(f, "client-23"), 10);
    assert_int_equal(balance_json(f, "client-a"), 50);

    /* /chain: genesis + 2 blocks, legacy shape */
    assert_int_equal(http(f, "GET", "/chain", NULL, &j), 200);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 3);
    json_t *b0 = json_array_get(j, 0), *b1 = json_array_get(j, 1), *b2 = json_array_get(j, 2);
    assert_int_equal(json_integer_value(json_object_get(b0, "index")), 0);
    assert_int_equal(json_integer_value(json_object_get(b1, "index")), 1);
    assert_int_equal(json_object_size(b1), 6);
    assert_true(json_is_number(json_object_get(b1, "timestamp")));
    assert_int_equal(json_integer_value(json_object_get(b1, "nonce")), 0);
    assert_string_equal(str(b1, "previous_hash"), str(b0, "hash"));
    assert_string_equal(str(b2, "previous_hash"), str(b1, "hash"));
    assert_int_equal(strlen(str(b1, "hash")), 64);
    json_t *txs = json_object_get(b1, "transactions");
    assert_int_equal(json_array_size(txs), 2);
    json_t *receipt = json_array_get(txs, 0), *reward = json_array_get(txs, 1);
    assert_string_equal(str(receipt, "type"), "work_receipt");
    assert_string_equal(str(receipt, "client_id"), "client-23");
    assert_string_equal(str(receipt, "contract_id"), a1);
    assert_string_equal(str(receipt, "result_data"), r1000);
    assert_int_equal(json_integer_value(json_object_get(receipt, "work_units")), 1000);
    assert_string_equal(str(receipt, "status"), "success");
    uint8_t tid[16];
    char tid_text[CPC_UUID_STR_LEN + 1];
    cpc_legacy_task_id(tid, "client-23", a1);
    cpc_uuid_format(tid_text, tid);
    assert_string_equal(str(receipt, "task_id"), tid_text);
    assert_string_equal(str(reward, "type"), "reward");
    assert_string_equal(str(reward, "client_id"), "client-23");
    assert_string_equal(str(reward, "to"), addr);
    assert_int_equal(json_integer_value(json_object_get(reward, "amount")), 10);
    assert_string_equal(str(reward, "status"), "success");
    json_decref(j);

    /* paging */
    assert_int_equal(http(f, "GET", "/chain?from=1&limit=1", NULL, &j), 200);
    assert_int_equal(json_array_size(j), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "index")), 1);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/chain?limit=1", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "index")), 2);
    json_decref(j);
    assert_int_equal(http(f, "GET", "/chain?from=99", NULL, &j), 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
}

/* GET /register (must answer 200); the new client id into client[64]. */
static void register_client(struct fixture *f, char client[64])
{
    json_t *j = NULL;
    assert_int_equal(http(f, "GET", "/register", NULL, &j), 200);
    snprintf(client, 64, "%s", str(j, "client_id"));
    json_decref(j);
}

/* One reward per assignment: the same contract instance is not paid again
 * for other work_units_done (another result), nor to another client; a new
 * assignment from /get_task is, after its own work. Bare template ids and
 * forged instance ids are not assignments. */
static void test_one_reward_per_assignment(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    char client[64];
    register_client(f, client);

    /* an assignment whose replay differs between 1000 and 10000 units */
    char a[CPC_LEGACY_ID_MAX + 1], r1[CPC_LEGACY_RESULT_TEXT_MAX + 1],
        r2[CPC_LEGACY_RESULT_TEXT_MAX + 1];
    int found = 0;
    for (int i = 0; i < 64 && !found; i++) {
        task_of(f, "sc-001", a);
        result_of(client, a, 3, 1000, r1);
        result_of(client, a, 3, 10000, r2);
        found = strcmp(r1, r2) != 0;
    }
    assert_true(found);
    assert_int_equal(submit(f, client, a, 1000, r1, &j), 200);
    assert_string_equal(str(j, "status"), "success");
    json_decref(j);
    /* more units, another (verified) result: the same assignment, not paid again */
    assert_int_equal(submit(f, client, a, 10000, r2, &j), 200);
    assert_string_equal(str(j, "status"), "rejected");
    assert_string_equal(str(j, "message"), "Work already rewarded");
    json_decref(j);
    /* nor to another client doing its own work on it */
    add_client(f, "client-b", "cpc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc58w28");
    char rb[CPC_LEGACY_RESULT_TEXT_MAX + 1];
    result_of("client-b", a, 3, 1000, rb);
    assert_int_equal(submit(f, "client-b", a, 1000, rb, &j), 200);
    assert_string_equal(str(j, "message"), "Work already rewarded");
    json_decref(j);
    assert_int_equal(cpc_mempool_size(f->node.mempool), 2); /* one receipt, one reward */
    nt_produce(&f->node);
    assert_int_equal(balance_json(f, client), 10);
    assert_int_equal(balance_json(f, "client-b"), 0);

    /* the client keeps earning with new work on a new assignment */
    char b[CPC_LEGACY_ID_MAX + 1], rn[CPC_LEGACY_RESULT_TEXT_MAX + 1];
    task_of(f, "sc-001", b);
    assert_string_not_equal(a, b);
    result_of(client, b, 3, 1000, rn);
    assert_int_equal(submit(f, client, b, 1000, rn, &j), 200);
    assert_string_equal(str(j, "status"), "success");
    json_decref(j);
    nt_produce(&f->node);
    assert_int_equal(balance_json(f, client), 20);

    /* not assignments: a bare template id, a forged tag, another spelling */
    char forged[CPC_LEGACY_ID_MAX + 1], upper[CPC_LEGACY_ID_MAX + 1];
    snprintf(forged, sizeof forged, "%s", b);
    forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
    snprintf(upper, sizeof upper, "%s", b);
    for (char *p = upper + 7; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    const char *bad[] = {"sc-001", forged, "sc-002-0000000000000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        result_of(client, bad[i], 3, 1000, rn);
        assert_int_equal(submit(f, client, bad[i], 1000, rn, &j), 400);
        assert_string_equal(str(j, "error"), "Invalid contract ID");
        json_decref(j);
    }
    if (strcmp(upper, b) != 0) {
        result_of(client, upper, 3, 1000, rn);
        assert_int_equal(submit(f, client, upper, 1000, rn, &j), 400);
        json_decref(j);
    }
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
}

/* What the proof of concept's client saw: right after a successful
 * submission, /get_balance already includes that reward (no block yet),
 * and counts it once after the block. */
static void test_balance_includes_pending_reward(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    char client[64];
    register_client(f, client);
    long long want = 0;
    for (int round = 0; round < 3; round++) {
        char a[CPC_LEGACY_ID_MAX + 1], r[CPC_LEGACY_RESULT_TEXT_MAX + 1];
        task_of(f, round == 1 ? "sc-002" : "sc-001", a);
        int two = round == 1;
        result_of(client, a, two ? 4 : 3, two ? 5000 : 1000, r);
        assert_int_equal(submit(f, client, a, two ? 5000 : 1000, r, &j), 200);
        assert_string_equal(str(j, "status"), "success");
        json_decref(j);
        want += two ? 50 : 10;
        assert_int_equal(balance_json(f, client), want); /* before any block */
        if (round != 0)
            nt_produce(&f->node);
        assert_int_equal(balance_json(f, client), want); /* once, after it */
    }
    nt_produce(&f->node);
    assert_int_equal(balance_json(f, client), 70);
}

/* GET /register is limited per client IP ([legacy] register_limit 3 here). */
static void test_register_rate_limit(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(http(f, "GET", "/register", NULL, &j), 200);
        json_decref(j);
    }
    assert_int_equal(http(f, "GET", "/register", NULL, &j), 429);
    assert_true(json_is_string(json_object_get(j, "error"))); /* the legacy error shape */
    assert_non_null(strstr(str(j, "error"), "Too many registrations"));
    json_decref(j);
    /* another address has its own budget */
    struct nt_req r = {"GET", "/register", NULL, 0, .timeout_s = 10, .local_ip = "127.0.0.2"};
    assert_int_equal(nt_http_json(f->curl, f->base, &r, &j), 200);
    assert_non_null(str(j, "client_id"));
    json_decref(j);
    assert_int_equal(http(f, "GET", "/register", NULL, &j), 429);
    json_decref(j);
}

static void test_other_txs_in_chain(void **state)
{
    struct fixture *f = *state;
    struct cpc_tx tx;
    struct cpc_err err = {0};
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    snprintf(tx.chain_id, sizeof tx.chain_id, "legacy-test");
    tx.gas_price = 1;
    assert_int_equal(cpc_address_decode(tx.u.transfer.to, f->faucet.info.address), 0);
    tx.u.transfer.amount = 1500000000; /* 1.5 CPC to itself */
    assert_int_equal(cpc_tx_sign(&tx, f->signer, f->faucet.seckey, &err), 0);
    struct cpc_account acc;
    cpc_node_account(&f->node, tx.from, &acc);
    assert_int_equal(cpc_mempool_add(f->node.mempool, &tx, &acc, &err), 0);
    nt_produce(&f->node);
    json_t *j = NULL;
    assert_int_equal(http(f, "GET", "/chain?from=1", NULL, &j), 200);
    json_t *t = json_array_get(json_object_get(json_array_get(j, 0), "transactions"), 0);
    assert_string_equal(str(t, "type"), "transfer");
    assert_string_equal(str(t, "from"), f->faucet.info.address);
    assert_true(json_is_real(json_object_get(t, "amount")));
    assert_true(json_real_value(json_object_get(t, "amount")) == 1.5);
    json_decref(j);
}

static void expect_error(struct fixture *f, const char *method, const char *path,
                         const char *body, long status, const char *msg)
{
    json_t *j = NULL;
    long st = http(f, method, path, body, &j);
    /* a trailing '*' in msg matches any rest (for jansson's own parse messages) */
    size_t len = strlen(msg);
    int prefix = len && msg[len - 1] == '*';
    if (st != status || !json_is_string(json_object_get(j, "error")) ||
        (prefix ? strncmp(str(j, "error"), msg, len - 1) : strcmp(str(j, "error"), msg)) != 0) {
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        fprintf(stderr, "%s %s %s -> %ld %s (want %ld %s)\n", method, path, body ? body : "", st,
                s ? s : "(none)", status, msg);
        free(s);
        fail();
    }
    assert_int_equal(json_object_size(j), 1);
    json_decref(j);
}

static void test_errors(void **state)
{
    struct fixture *f = *state;
    char body[512], a[CPC_LEGACY_ID_MAX + 1];
    add_client(f, "client-23", "cpc1gnpq85jq7ks96xzx7xwtlgjrr7cmm2sxech2sh");
    task_of(f, "sc-001", a);
    const char *missing[] = {
        NULL,
        "{}",
        "[]",
        "null",
        "{\"contract_id\":\"sc-001\",\"work_units_done\":1000,\"result_data\":\"x\"}",
        "{\"client_id\":\"client-23\",\"work_units_done\":1000,\"result_data\":\"x\"}",
        "{\"client_id\":\"client-23\",\"contract_id\":\"sc-001\",\"result_data\":\"x\"}",
        "{\"client_id\":\"client-23\",\"contract_id\":\"sc-001\",\"work_units_done\":1000}",
        "{\"client_id\":\"\",\"contract_id\":\"sc-001\",\"work_units_done\":1000,\"result_data\":\"x\"}",
        "{\"client_id\":\"client-23\",\"contract_id\":\"sc-001\",\"work_units_done\":0,\"result_data\":\"x\"}",
        "{\"client_id\":\"client-23\",\"contract_id\":null,\"work_units_done\":1,\"result_data\":\"x\"}",
        "{\"client_id\":\"client-23\",\"contract_id\":\"sc-001\",\"work_units_done\":1,\"result_data\":false}",
    };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++)
        expect_error(f, "POST", "/submit_work", missing[i], 400, "Missing data");
    expect_error(f, "POST", "/submit_work",
                 "{\"client_id\":\"client-23\",\"contract_id\":\"sc-003\",\"work_units_done\":1,"
                 "\"result_data\":\"x\"}",
                 400, "Invalid contract ID");
    expect_error(f, "POST", "/submit_work",
                 "{\"client_id\":\"client-23\",\"contract_id\":\"sc-001\",\"work_units_done\":1,"
                 "\"result_data\":\"x\"}",
                 400, "Invalid contract ID"); /* a template id, not an assignment */
    snprintf(body, sizeof body,
             "{\"client_id\":\"someone\",\"contract_id\":\"%s\",\"work_units_done\":1,"
             "\"result_data\":\"x\"}",
             a);
    expect_error(f, "POST", "/submit_work", body, 400, "Unknown client ID");
    snprintf(body, sizeof body,
             "{\"client_id\":\"client-23\",\"contract_id\":\"%s\",\"work_units_done\":10001,"
             "\"result_data\":\"x\"}",
             a);
    expect_error(f, "POST", "/submit_work", body, 400,
                 "Too much work claimed: work_units_done is at most 10000 for sc-001 (10x the 1000 "
                 "units required)");
    snprintf(body, sizeof body,
             "{\"client_id\":\"client-23\",\"contract_id\":\"%s\",\"work_units_done\":-5,"
             "\"result_data\":\"x\"}",
             a);
    expect_error(f, "POST", "/submit_work", body, 400,
                 "Invalid data: work_units_done must be a positive integer");
    snprintf(body, sizeof body,
             "{\"client_id\":\"client-23\",\"contract_id\":\"%s\",\"work_units_done\":\"5\","
             "\"result_data\":\"x\"}",
             a);
    expect_error(f, "POST", "/submit_work", body, 400,
                 "Invalid data: work_units_done must be a positive integer");
    expect_error(f, "POST", "/submit_work",
                 "{\"client_id\":7,\"contract_id\":\"sc-001\",\"work_units_done\":5,"
                 "\"result_data\":\"x\"}",
                 400, "Invalid data: client_id, contract_id and result_data must be strings");
    expect_error(f, "POST", "/submit_work", "{\"client_id\":", 400,
                 "Invalid JSON: *");
    /* exactly the cap is fine (a verified-but-wrong result here) */
    json_t *j = NULL;
    assert_int_equal(submit(f, "client-23", a, 10000, "x", &j), 200);
    assert_string_equal(str(j, "status"), "rejected");
    json_decref(j);

    expect_error(f, "GET", "/get_balance/nobody", NULL, 404, "Unknown client ID");
    expect_error(f, "GET", "/chain?limit=0", NULL, 400, "limit must be an integer from 1 to 100");
    expect_error(f, "GET", "/chain?limit=101", NULL, 400,
                 "limit must be an integer from 1 to 100");
    expect_error(f, "GET", "/chain?from=-1", NULL, 400,
                 "from must be a non-negative integer (a block height)");
    /* nothing was paid by any of this */
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
}

static void test_unfunded_legacy_key(void **state)
{
    struct fixture *f = *state;
    struct cpc_err err = {0};
    struct cpc_key_info li;
    assert_int_equal(cpc_keyring_info(f->home, "legacy", &li, &err), CPC_ERR_NOT_FOUND);
    /* first use creates the key; registration works without funds */
    json_t *j = NULL;
    assert_int_equal(http(f, "GET", "/register", NULL, &j), 200);
    json_decref(j);
    assert_int_equal(cpc_keyring_info(f->home, "legacy", &li, &err), 0);
    assert_int_equal(balance_of(f, li.address), 0);

    add_client(f, "client-23", "cpc1gnpq85jq7ks96xzx7xwtlgjrr7cmm2sxech2sh");
    char a[CPC_LEGACY_ID_MAX + 1], r[CPC_LEGACY_RESULT_TEXT_MAX + 1], body[512];
    task_of(f, "sc-001", a);
    result_of("client-23", a, 3, 1000, r);
    snprintf(body, sizeof body,
             "{\"client_id\":\"client-23\",\"contract_id\":\"%s\",\"work_units_done\":1000,"
             "\"result_data\":\"%s\"}",
             a, r);
    expect_error(f, "POST", "/submit_work", body, 503, "Legacy rewards are not funded");
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);

    /* fund it with 10 CPC + fees: the refused claim was not kept, so the same work now pays */
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    snprintf(tx.chain_id, sizeof tx.chain_id, "legacy-test");
    tx.gas_price = 1;
    assert_int_equal(cpc_address_decode(tx.u.transfer.to, li.address), 0);
    tx.u.transfer.amount = 10 * CPC_BASE_PER_CPC + 101000;
    assert_int_equal(cpc_tx_sign(&tx, f->signer, f->faucet.seckey, &err), 0);
    struct cpc_account acc;
    cpc_node_account(&f->node, tx.from, &acc);
    assert_int_equal(cpc_mempool_add(f->node.mempool, &tx, &acc, &err), 0);
    nt_produce(&f->node);
    assert_int_equal(submit(f, "client-23", a, 1000, r, &j), 200);
    assert_string_equal(str(j, "status"), "success");
    json_decref(j);
    nt_produce(&f->node);
    assert_int_equal(balance_of(f, li.address), 0);
    assert_int_equal(balance_of(f, "cpc1gnpq85jq7ks96xzx7xwtlgjrr7cmm2sxech2sh"),
                     10 * CPC_BASE_PER_CPC);
    /* drained: the next reward is refused again, cleanly */
    add_client(f, "client-a", "cpc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc58w28");
    task_of(f, "sc-002", a);
    result_of("client-a", a, 4, 5000, r);
    snprintf(body, sizeof body,
             "{\"client_id\":\"client-a\",\"contract_id\":\"%s\",\"work_units_done\":5000,"
             "\"result_data\":\"%s\"}",
             a, r);
    expect_error(f, "POST", "/submit_work", body, 503, "Legacy rewards are not funded");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_vectors),
        cmocka_unit_test_setup_teardown(test_register_and_task, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_reward_and_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_reward_per_assignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_balance_includes_pending_reward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_rate_limit, setup_register_limit, teardown),
        cmocka_unit_test_setup_teardown(test_other_txs_in_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfunded_legacy_key, setup_unfunded, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
