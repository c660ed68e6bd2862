/* test_node_job_txs.c — GET /market/job/{job_id}/txs over real HTTP on a real
 * node in this process: a job created on chain lists its JOB_CREATE, then the
 * SUBMIT_RESULT naming one of its tasks (who answered, in which block), newest
 * first; bad ids and limits are 400, an unknown job 404. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keyring.h"
#include "core/hex.h"
#include "core/kinds.h"
#include "core/market.h"
#include "core/tx.h"
#include "core/uuid.h"
#include "node/node.h"
#include "node_test_fixture.h"

#define CHAIN "job-txs-test"

struct fixture {
    char home[NT_HOME_MAX];
    struct cpc_node node;
    char base[NT_BASE_MAX];
    struct cpc_key faucet;
    struct cpc_signer *signer;
    CURL *curl;
};

static long http(struct fixture *f, const char *method, const char *path, const char *body,
                 json_t **out)
{
    struct nt_req r = {method, path, body, body ? strlen(body) : 0, .timeout_s = 30};
    return nt_http_json(f->curl, f->base, &r, out);
}

static struct cpc_tx base_tx(enum cpc_tx_type type, uint64_t nonce)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    snprintf(tx.chain_id, sizeof tx.chain_id, CHAIN);
    tx.nonce = nonce;
    tx.gas_price = 1;
    return tx;
}

static void post_tx(struct fixture *f, struct cpc_tx *tx)
{
    assert_int_equal(cpc_tx_sign(tx, f->signer, f->faucet.seckey, NULL), 0);
    json_t *tj = cpc_tx_to_json(tx);
    char *s = json_dumps(tj, JSON_COMPACT);
    json_decref(tj);
    json_t *j = NULL;
    long st = http(f, "POST", "/tx", s, &j);
    if (st != 200)
        fprintf(stderr, "POST /tx: %ld %s\n", st, err_msg(j) ? err_msg(j) : "");
    free(s);
    json_decref(j);
    assert_int_equal(st, 200);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    nt_home_new(f->home, "/tmp/cpc-jobtxs-XXXXXX", CHAIN, NULL);
    nt_node_up(&f->node, f->home, f->base);
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &f->faucet, &err), 0);
    f->signer = cpc_signer_new_random();
    f->curl = curl_easy_init();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    cpc_signer_free(f->signer);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

static void test_job_txs(void **state)
{
    struct fixture *f = *state;
    struct cpc_tx jc = base_tx(CPC_TX_JOB_CREATE, 0);
    struct cpc_contract *c = &jc.u.job_create.contract;
    c->kind = CPC_KIND_HASHPOW;
    c->p.hashpow.bits = 8;
    c->tasks = 2;
    c->reward = 5000000;
    c->replication = 1;
    c->deadline_blocks = 100;
    c->priority = CPC_PRIORITY_NORMAL;
    c->max_budget = 1000000000ULL;
    post_tx(f, &jc);
    nt_produce(&f->node);
    char job_hex[65], path[200];
    cpc_hex_encode(job_hex, jc.hash, 32);
    snprintf(path, sizeof path, "/market/job/%s/txs", job_hex);
    json_t *j = NULL;
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_string_equal(str(j, "job_id"), job_hex);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
    assert_false(json_is_true(json_object_get(j, "truncated")));
    json_t *t0 = json_array_get(json_object_get(j, "txs"), 0);
    assert_string_equal(str(t0, "tx_type"), "JOB_CREATE");
    assert_string_equal(str(t0, "hash"), job_hex);
    assert_int_equal(json_integer_value(json_object_get(t0, "height")), 1);
    json_decref(j);

    /* an answer to task 1 (from an unregistered sender: committed, refused by the market) */
    struct cpc_tx sr = base_tx(CPC_TX_SUBMIT_RESULT, 1);
    cpc_task_id(sr.u.result.task_id, jc.hash, 1);
    memset(sr.u.result.result_hash, 0xab, 8);
    sr.u.result.result_hash_len = 8;
    assert_int_equal(cpc_pubkey_hash(sr.u.result.worker, f->faucet.info.pubkey), 0);
    post_tx(f, &sr);
    nt_produce(&f->node);
    char tid[CPC_UUID_STR_LEN + 1];
    cpc_uuid_format(tid, sr.u.result.task_id);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
    t0 = json_array_get(json_object_get(j, "txs"), 0);
    assert_string_equal(str(t0, "tx_type"), "SUBMIT_RESULT");
    assert_string_equal(str(json_object_get(t0, "payload"), "task_id"), tid);
    assert_string_equal(str(t0, "from"), f->faucet.info.address);
    assert_int_equal(json_integer_value(json_object_get(t0, "height")), 2);
    assert_non_null(str(t0, "status"));
    json_decref(j);

    /* limit 1: the newest only */
    snprintf(path, sizeof path, "/market/job/%s/txs?limit=1", job_hex);
    assert_int_equal(http(f, "GET", path, NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "txs")), 1);
    json_decref(j);

    /* bad input */
    const char *bad[] = {"/market/job/xyz/txs", "/market/job/%s/txs?limit=0",
                         "/market/job/%s/txs?limit=201", "/market/job/%s/txs?limit=a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(path, sizeof path, bad[i], job_hex);
        assert_int_equal(http(f, "GET", path, NULL, &j), 400);
        assert_string_equal(err_code(j), "invalid_argument");
        json_decref(j);
    }
    char unknown[65];
    memset(unknown, 'c', 64);
    unknown[64] = '\0';
    snprintf(path, sizeof path, "/market/job/%s/txs", unknown);
    assert_int_equal(http(f, "GET", path, NULL, &j), 404);
    assert_string_equal(err_code(j), "not_found");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_job_txs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
