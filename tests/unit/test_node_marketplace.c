/* test_node_marketplace.c — the Marketplace REST API of a real node in this
 * process over real HTTP on 127.0.0.1 (blocks only when the test calls
 * cpc_produce_block, as in test_node_worker_api.c). Covers drafts of both
 * forms, quotes, confirm with a signed JOB_CREATE (job on chain, escrow =
 * quoted total), a mismatching contract (409), owner checks with signed
 * requests (403), cancel before and after confirm, logs, resources, list,
 * the cluster views, extend with a signed JOB_EXTEND (deadline and tasks; owner
 * and job checks as cancel) and 4xx answers with clear messages for
 * malformed contracts, overflowing budgets, unknown kinds and oversized params.
 * Abuse limits of drafts: per client IP and per owner (429 rate_limited with
 * Retry-After, by the platform clock, which these tests move), and the expiry
 * of drafts never confirmed (404 after draft_ttl_s, deleted by the next
 * insert; confirmed ones stay). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <time.h>

#include "common/keyring.h"
#include "common/req_sign.h"
#include "core/hex.h"
#include "core/market.h"
#include "core/tx.h"
#include "node/consensus.h"
#include "http/httpd.h"
#include "node/mempool.h"
#include "node/node.h"
#include "platform/platform.h"
#include "node_test_fixture.h"
#include "common/clock.h"

#define CHAIN "marketplace-test"

struct fixture {
    char home[256];
    struct cpc_node node;
    char base[64];
    struct cpc_key faucet;
    struct cpc_key alice; /* a funded customer */
    struct cpc_signer *signer;
    CURL *curl;
};

/* One request; key != NULL signs it. Returns the status; *out the parsed body (or NULL). */
static long http(struct fixture *f, const struct cpc_key *key, const char *method,
                 const char *path, const char *body, json_t **out)
{
    size_t blen = body ? strlen(body) : 0;
    struct nt_req r = {method, path, body, blen, .timeout_s = 30};
    if (key) {
        struct cpc_req_sig sig;
        const char *q = strchr(path, '?');
        char p[256];
        snprintf(p, sizeof p, "%.*s", q ? (int)(q - path) : (int)strlen(path), path);
        assert_int_equal(cpc_req_sign(&sig, f->signer, key, method, p, body, blen, cpc_clock_wall_ms(),
                                      NULL),
                         0);
        r.headers = nt_sig_headers(NULL, &sig);
    }
    return nt_http_json(f->curl, f->base, &r, out);
}

static uint64_t next_nonce(struct fixture *f, const struct cpc_key *k)
{
    uint8_t a[20];
    struct cpc_account acc;
    assert_int_equal(cpc_pubkey_hash(a, k->info.pubkey), 0);
    cpc_node_account(&f->node, a, &acc);
    return acc.nonce;
}

/* Sign tx with k; returns the wire JSON text wrapped as {"tx":...} (caller frees). */
static char *wrap_signed(struct fixture *f, struct cpc_tx *tx, const struct cpc_key *k)
{
    snprintf(tx->chain_id, sizeof tx->chain_id, CHAIN);
    tx->gas_price = 1;
    assert_int_equal(cpc_tx_sign(tx, f->signer, k->seckey, NULL), 0);
    json_t *w = json_pack("{s:o}", "tx", cpc_tx_to_json(tx));
    char *s = json_dumps(w, JSON_COMPACT);
    json_decref(w);
    return s;
}

/* A JOB_CREATE of the draft's contract (as GET /marketplace/jobs/{id} shows it). */
static char *job_create_for(struct fixture *f, const char *draft_id, const struct cpc_key *k,
                            uint64_t nonce, struct cpc_tx *tx, int tweak_reward)
{
    char path[128];
    json_t *d = NULL;
    snprintf(path, sizeof path, "/marketplace/jobs/%s", draft_id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &d), 200);
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_JOB_CREATE;
    tx->nonce = nonce;
    struct cpc_err err = {0};
    assert_int_equal(cpc_contract_from_json(&tx->u.job_create.contract,
                                            json_object_get(d, "contract"), &err),
                     0);
    json_decref(d);
    tx->u.job_create.contract.reward += (uint64_t)tweak_reward;
    return wrap_signed(f, tx, k);
}

static int setup_config(void **state, const char *config_extra)
{
    struct fixture *f = calloc(1, sizeof *f);
    nt_home_new(f->home, "/tmp/cpc-mp-XXXXXX", CHAIN, config_extra);
    nt_node_up(&f->node, f->home, f->base);
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &f->faucet, &err), 0);
    assert_int_equal(cpc_keyring_create(f->home, "alice", NULL, &f->alice, &err), 0);
    f->signer = cpc_signer_new_random();
    f->curl = curl_easy_init();
    /* fund alice with 1000 CPC */
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    tx.nonce = next_nonce(f, &f->faucet);
    assert_int_equal(cpc_pubkey_hash(tx.u.transfer.to, f->alice.info.pubkey), 0);
    tx.u.transfer.amount = 1000000000000ULL;
    snprintf(tx.chain_id, sizeof tx.chain_id, CHAIN);
    tx.gas_price = 1;
    assert_int_equal(cpc_tx_sign(&tx, f->signer, f->faucet.seckey, NULL), 0);
    json_t *tj = cpc_tx_to_json(&tx);
    char *s = json_dumps(tj, JSON_COMPACT);
    json_decref(tj);
    assert_int_equal(http(f, NULL, "POST", "/tx", s, NULL), 200);
    free(s);
    nt_produce(&f->node);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_config(state, NULL); }

static int teardown(void **state)
{
    struct fixture *f = *state;
    curl_easy_cleanup(f->curl);
    cpc_signer_free(f->signer);
    nt_node_down(&f->node, f->home);
    free(f);
    return 0;
}

static const char *HL = "{\"type\":\"ml_training\",\"framework\":\"pytorch\",\"dataset_size\":"
                        "\"500GB\",\"model_params\":\"70B\",\"priority\":\"high\","
                        "\"max_budget\":1000}";
static const char *HASHPOW = "{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":3,"
                             "\"reward\":1000000,\"deadline\":100,\"max_budget\":10000000}";

/* POST a draft; returns its id (static buffer per call site is the caller's). */
static void new_draft(struct fixture *f, const struct cpc_key *k, const char *body, char id[37])
{
    json_t *j = NULL;
    long st = http(f, k, "POST", "/marketplace/jobs", body, &j);
    if (st != 201)
        fail_msg("POST /marketplace/jobs: %ld %s", st, err_msg(j));
    snprintf(id, 37, "%s", str(j, "id"));
    assert_string_equal(str(j, "status"), "draft");
    json_decref(j);
}

static void test_draft_quote_confirm(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    char path[160], id[37];
    /* the specification's high-level form */
    assert_int_equal(http(f, NULL, "POST", "/marketplace/jobs", HL, &j), 201);
    snprintf(id, sizeof id, "%s", str(j, "id"));
    assert_int_equal(strlen(id), 36);
    assert_true(json_is_null(json_object_get(j, "owner")));
    json_t *q = json_object_get(j, "quote");
    assert_string_equal(str(q, "job_type"), "Heavy");
    assert_int_equal(json_integer_value(json_object_get(q, "gpus")), 3);
    assert_int_equal(json_integer_value(json_object_get(q, "total")), 74250000000LL);
    assert_string_equal(str(json_object_get(j, "contract"), "kind"), "exec");
    json_decref(j);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/quote", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(str(json_object_get(j, "quote"), "rule"),
                        "Heavy: needs 168 GB of VRAM > 80 GB, so ceil(168/80) = 3 GPUs of 80 GB");
    assert_true(json_array_size(json_object_get(json_object_get(j, "quote"), "steps")) >= 5);
    json_decref(j);

    /* confirm with alice's signed JOB_CREATE of exactly that contract */
    struct cpc_tx tx;
    char *body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    char hash[65];
    cpc_hex_encode(hash, tx.hash, 32);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 200);
    assert_string_equal(str(j, "status"), "confirmed");
    assert_string_equal(str(j, "job_id"), hash);
    assert_string_equal(str(j, "owner"), f->alice.info.address);
    json_decref(j);
    /* the same tx again is a harmless retry */
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 200);
    assert_true(json_is_true(json_object_get(j, "duplicate")));
    json_decref(j);
    free(body);
    /* pending until the block */
    snprintf(path, sizeof path, "/marketplace/jobs/%s", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(str(json_object_get(j, "tx"), "status"), "pending");
    assert_true(json_is_null(json_object_get(j, "job")));
    json_decref(j);
    nt_produce(&f->node);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(str(j, "status"), "confirmed");
    assert_string_equal(str(json_object_get(j, "tx"), "status"), "success");
    assert_string_equal(str(j, "job_status"), "active");
    assert_string_equal(str(json_object_get(j, "job"), "id"), hash);
    assert_int_equal(json_integer_value(json_object_get(j, "escrow_balance")), 74250000000LL);
    assert_int_equal(json_integer_value(json_object_get(j, "tasks")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "tasks_done")), 0);
    assert_string_equal(str(json_object_get(j, "request"), "model_params"), "70B");
    json_decref(j);
    /* logs: the JOB_CREATE */
    snprintf(path, sizeof path, "/marketplace/jobs/%s/logs", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
    json_t *e0 = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(str(e0, "event"), "created");
    assert_string_equal(str(e0, "tx_type"), "JOB_CREATE");
    assert_string_equal(str(e0, "hash"), hash);
    json_decref(j);
    /* resources: the scheduler knows the job */
    snprintf(path, sizeof path, "/marketplace/jobs/%s/resources", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_true(json_is_true(json_object_get(j, "scheduled")));
    assert_int_equal(json_integer_value(json_object_get(j, "leases")), 0);
    json_decref(j);
    /* queue: its 3 open exec tasks, in order; cluster status counts them */
    assert_int_equal(http(f, NULL, "GET", "/marketplace/queue?limit=10", NULL, &j), 200);
    json_t *tasks = json_object_get(j, "tasks");
    assert_int_equal(json_array_size(tasks), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(str(json_array_get(tasks, i), "job_id"), hash);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(tasks, i), "index")),
                         (json_int_t)i);
        assert_string_equal(str(json_array_get(tasks, i), "priority"), "high");
    }
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/marketplace/cluster/status", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "jobs_active")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "open_tasks_by_kind"), "exec")), 3);
    json_decref(j);
    /* list: alice owns it now */
    snprintf(path, sizeof path, "/marketplace/jobs?owner=%s", f->alice.info.address);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "jobs")), 1);
    assert_string_equal(str(json_array_get(json_object_get(j, "jobs"), 0), "id"), id);
    assert_string_equal(str(json_array_get(json_object_get(j, "jobs"), 0), "job_type"), "Heavy");
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/marketplace/jobs?owner=cpc1bad", NULL, &j), 400);
    json_decref(j);
    /* a second confirm with another tx: 409 */
    body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 409);
    assert_non_null(strstr(err_msg(j), "already confirmed"));
    json_decref(j);
    free(body);
}

static void test_mismatch_and_bad_tx(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    char path[160], id[37];
    new_draft(f, NULL, HASHPOW, id);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    struct cpc_tx tx;
    char *body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 1);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 409);
    assert_non_null(strstr(err_msg(j), "differs from draft"));
    assert_non_null(strstr(err_msg(j), "in reward"));
    json_decref(j);
    free(body);
    /* nothing entered the mempool */
    assert_int_equal(cpc_mempool_size(f->node.mempool), 0);
    /* not a JOB_CREATE */
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    tx.u.transfer.amount = 1;
    body = wrap_signed(f, &tx, &f->alice);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 400);
    assert_string_equal(err_msg(j), "tx must be a JOB_CREATE, not TRANSFER");
    json_decref(j);
    free(body);
    /* malformed bodies */
    assert_int_equal(http(f, NULL, "POST", path, "{\"tx\":{\"tx_type\":\"JOB_CREATE\"}}", &j),
                     400);
    assert_non_null(err_msg(j));
    json_decref(j);
    assert_int_equal(http(f, NULL, "POST", path, "{\"transaction\":{}}", &j), 400);
    assert_non_null(strstr(err_msg(j), "body must be {\"tx\""));
    json_decref(j);
    /* a tx for another chain is refused by the shared admission */
    body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    snprintf(tx.chain_id, sizeof tx.chain_id, "other-chain");
    assert_int_equal(cpc_tx_sign(&tx, f->signer, f->alice.seckey, NULL), 0);
    free(body);
    json_t *w = json_pack("{s:o}", "tx", cpc_tx_to_json(&tx));
    body = json_dumps(w, JSON_COMPACT);
    json_decref(w);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 400);
    assert_string_equal(str(json_object_get(j, "error"), "code"), "wrong_chain_id");
    json_decref(j);
    free(body);
    /* still a draft */
    snprintf(path, sizeof path, "/marketplace/jobs/%s", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(str(j, "status"), "draft");
    json_decref(j);
}

static void test_owner_checks_and_cancel(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    char path[160], id[37];
    /* a draft signed by alice is hers */
    assert_int_equal(http(f, &f->alice, "POST", "/marketplace/jobs", HASHPOW, &j), 201);
    assert_string_equal(str(j, "owner"), f->alice.info.address);
    snprintf(id, sizeof id, "%s", str(j, "id"));
    json_decref(j);
    /* faucet's tx cannot confirm it */
    struct cpc_tx tx;
    char *body = job_create_for(f, id, &f->faucet, next_nonce(f, &f->faucet), &tx, 0);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 403);
    assert_non_null(strstr(err_msg(j), "the tx is signed by"));
    json_decref(j);
    free(body);
    /* alice's tx, but a request signed by faucet: 403 */
    body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    assert_int_equal(http(f, &f->faucet, "POST", path, body, &j), 403);
    assert_non_null(strstr(err_msg(j), "the request is signed by"));
    json_decref(j);
    free(body);
    /* cancel the unconfirmed draft: anonymous 403, faucet 403, alice 200 */
    snprintf(path, sizeof path, "/marketplace/jobs/%s/cancel", id);
    assert_int_equal(http(f, NULL, "POST", path, NULL, &j), 403);
    assert_non_null(strstr(err_msg(j), "sign the request"));
    json_decref(j);
    assert_int_equal(http(f, &f->faucet, "POST", path, NULL, &j), 403);
    json_decref(j);
    assert_int_equal(http(f, &f->alice, "POST", path, NULL, &j), 200);
    assert_string_equal(str(j, "status"), "cancelled");
    json_decref(j);
    /* (the same signed request again within a second would be a replay: unsigned here) */
    assert_int_equal(http(f, NULL, "POST", path, NULL, &j), 409);
    assert_non_null(strstr(err_msg(j), "already cancelled"));
    json_decref(j);
    /* a cancelled draft cannot be confirmed */
    body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    assert_int_equal(http(f, &f->alice, "POST", path, body, &j), 409);
    json_decref(j);
    free(body);

    /* an anonymous draft confirmed and cancelled on chain */
    new_draft(f, NULL, HASHPOW, id);
    body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    char job[65];
    cpc_hex_encode(job, tx.hash, 32);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 200);
    json_decref(j);
    free(body);
    nt_produce(&f->node);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/cancel", id);
    assert_int_equal(http(f, NULL, "POST", path, NULL, &j), 400); /* needs the tx now */
    assert_non_null(strstr(err_msg(j), "JOB_CANCEL"));
    json_decref(j);
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CANCEL;
    tx.nonce = next_nonce(f, &f->alice);
    memset(tx.u.job_cancel.job_id, 0xab, 32); /* another job */
    body = wrap_signed(f, &tx, &f->alice);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 409);
    assert_non_null(strstr(err_msg(j), "the tx cancels job abab"));
    json_decref(j);
    free(body);
    assert_int_equal(cpc_hex_decode_exact(tx.u.job_cancel.job_id, 32, job), 0);
    body = wrap_signed(f, &tx, &f->faucet); /* not the owner */
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 403);
    json_decref(j);
    free(body);
    body = wrap_signed(f, &tx, &f->alice);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 200);
    assert_string_equal(str(j, "status"), "cancelled");
    assert_string_equal(str(j, "job_id"), job);
    json_decref(j);
    free(body);
    nt_produce(&f->node);
    snprintf(path, sizeof path, "/marketplace/jobs/%s", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(str(j, "job_status"), "cancelled");
    assert_int_equal(json_integer_value(json_object_get(j, "escrow_balance")), 0);
    json_decref(j);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/logs", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
    assert_string_equal(str(json_array_get(json_object_get(j, "events"), 0), "event"),
                        "cancelled");
    assert_string_equal(str(json_array_get(json_object_get(j, "events"), 1), "event"),
                        "created");
    json_decref(j);
}

/* A JOB_EXTEND of job (hex) signed by k, wrapped as {"tx":...} (caller frees). */
static char *extend_for(struct fixture *f, const char *job, const struct cpc_key *k,
                        uint64_t add_blocks, uint32_t add_tasks)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_EXTEND;
    tx.nonce = next_nonce(f, k);
    assert_int_equal(cpc_hex_decode_exact(tx.u.job_extend.job_id, 32, job), 0);
    tx.u.job_extend.add_blocks = add_blocks;
    tx.u.job_extend.add_tasks = add_tasks;
    return wrap_signed(f, &tx, k);
}

static void test_extend(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    char id[37], path[160], job[65];
    /* alice's draft, confirmed on chain: 3 tasks x 0.001 CPC, deadline 100 */
    new_draft(f, &f->alice, HASHPOW, id);
    struct cpc_tx tx;
    char *body = job_create_for(f, id, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    cpc_hex_encode(job, tx.hash, 32);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", id);
    assert_int_equal(http(f, &f->alice, "POST", path, body, &j), 200);
    json_decref(j);
    free(body);
    nt_produce(&f->node);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/extend", id);
    /* no tx, wrong tx type, another job, not the owner */
    assert_int_equal(http(f, NULL, "POST", path, "{}", &j), 400);
    assert_non_null(strstr(err_msg(j), "JOB_EXTEND"));
    json_decref(j);
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CANCEL;
    tx.nonce = next_nonce(f, &f->alice);
    assert_int_equal(cpc_hex_decode_exact(tx.u.job_cancel.job_id, 32, job), 0);
    body = wrap_signed(f, &tx, &f->alice);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 400);
    assert_non_null(strstr(err_msg(j), "tx must be a JOB_EXTEND"));
    json_decref(j);
    free(body);
    body = extend_for(f, "abababababababababababababababababababababababababababababababab",
                      &f->alice, 10, 0);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 409);
    assert_non_null(strstr(err_msg(j), "the tx extends job abab"));
    json_decref(j);
    free(body);
    body = extend_for(f, job, &f->faucet, 10, 0);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 403);
    assert_non_null(strstr(err_msg(j), "the tx is signed by"));
    json_decref(j);
    free(body);
    /* alice: +50 blocks, +2 tasks -> escrow 5 x 0.001 CPC + 10% */
    body = extend_for(f, job, &f->alice, 50, 2);
    assert_int_equal(http(f, &f->alice, "POST", path, body, &j), 200);
    assert_string_equal(str(j, "job_id"), job);
    assert_int_equal(json_integer_value(json_object_get(j, "add_tasks")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "add_blocks")), 50);
    json_decref(j);
    free(body);
    nt_produce(&f->node);
    snprintf(path, sizeof path, "/marketplace/jobs/%s", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "tasks")), 5);
    assert_int_equal(json_integer_value(json_object_get(j, "escrow_balance")), 5500000);
    assert_string_equal(str(j, "job_status"), "active");
    json_decref(j);
    /* a cancelled draft cannot be extended */
    new_draft(f, NULL, HASHPOW, id);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/cancel", id);
    assert_int_equal(http(f, NULL, "POST", path, NULL, &j), 200);
    json_decref(j);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/extend", id);
    body = extend_for(f, job, &f->alice, 10, 0);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 409);
    assert_non_null(strstr(err_msg(j), "is cancelled"));
    json_decref(j);
    free(body);
}

static void expect_4xx(struct fixture *f, const char *body, long status, const char *needle)
{
    json_t *j = NULL;
    long st = http(f, NULL, "POST", "/marketplace/jobs", body, &j);
    const char *m = err_msg(j);
    if (st != status || !m || !strstr(m, needle))
        fail_msg("%.80s: %ld (want %ld) \"%s\" lacks \"%s\"", body, st, status, m ? m : "", needle);
    json_decref(j);
}

static void test_bad_input(void **state)
{
    struct fixture *f = *state;
    json_t *j = NULL;
    expect_4xx(f, "{\"kind\":", 400, "body is not valid JSON");
    expect_4xx(f, "[1]", 400, "must be a JSON object");
    expect_4xx(f, "{\"kind\":\"quantum\",\"params\":{},\"tasks\":1,\"reward\":1,\"deadline\":1,"
                  "\"max_budget\":1}",
               400, "contract.kind: unknown kind quantum");
    expect_4xx(f, "{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":100000,"
                  "\"reward\":9223372036854775807,\"deadline\":10,\"max_budget\":1}",
               400, "contract: budget overflows");
    expect_4xx(f, "{\"kind\":\"matmul\",\"params\":{\"m\":99999,\"k\":1,\"n\":1},\"tasks\":1,"
                  "\"reward\":1,\"deadline\":10,\"max_budget\":10}",
               400, "contract.params.m: must be 1..16384");
    expect_4xx(f, "{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":1,\"reward\":1,"
                  "\"deadline\":10,\"max_budget\":10,\"extra\":1}",
               400, "extra");
    expect_4xx(f, "{\"type\":\"mining\",\"max_budget\":1}", 400, "unknown type \"mining\"");
    expect_4xx(f, "{\"type\":\"inference\",\"model_params\":\"500T\",\"max_budget\":1}", 400,
               "at most 10T parameters");
    expect_4xx(f, "{\"type\":\"inference\",\"max_budget\":99999999999}", 400,
               "max_budget: too large");
    /* over max_budget: 400 with the quote attached */
    assert_int_equal(http(f, NULL, "POST", "/marketplace/jobs",
                          "{\"type\":\"ml_training\",\"model_params\":\"70B\","
                          "\"dataset_size\":\"500GB\",\"priority\":\"high\",\"max_budget\":50}",
                          &j),
                     400);
    assert_non_null(strstr(err_msg(j), "exceeds max_budget 50 CPC"));
    assert_string_equal(str(json_object_get(j, "quote"), "total_cpc"), "74.25");
    json_decref(j);
    /* a body over 64 KiB: 413 */
    size_t big = 70 * 1024;
    char *b = malloc(big + 1);
    memset(b, ' ', big);
    b[0] = '{';
    b[big - 1] = '}';
    b[big] = 0;
    assert_int_equal(http(f, NULL, "POST", "/marketplace/jobs", b, &j), 413);
    json_decref(j);
    free(b);
    /* bad signed-request headers: 401, not an anonymous draft */
    struct cpc_key other = f->alice;
    other.seckey[0] ^= 1; /* signs with a key that is not the pubkey's */
    assert_int_equal(http(f, &other, "POST", "/marketplace/jobs", HASHPOW, &j), 401);
    json_decref(j);
    /* unknown draft, extend, pricing */
    assert_int_equal(http(f, NULL, "GET", "/marketplace/jobs/00000000-0000-4000-8000-000000000000",
                          NULL, &j),
                     404);
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/marketplace/jobs/nope/quote", NULL, &j), 404);
    json_decref(j);
    char id[37], path[128];
    new_draft(f, NULL, HASHPOW, id);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/extend", id);
    assert_int_equal(http(f, NULL, "POST", path, "{}", &j), 409); /* not confirmed */
    assert_non_null(strstr(err_msg(j), "only a confirmed job can be extended"));
    json_decref(j);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/logs", id);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "events")), 0);
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/marketplace/pricing", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "tiers")), 4);
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/marketplace/queue?limit=0", NULL, &j), 400);
    json_decref(j);
    assert_int_equal(http(f, NULL, "GET", "/marketplace/jobs?limit=1", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "jobs")), 1);
    json_decref(j);
}

/* ---- draft limits and expiry ---- */

static _Atomic uint64_t clock_offset_ms; /* the platform clock = wall time + this */

static uint64_t moved_clock(void *arg)
{
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u +
           atomic_load(&clock_offset_ms);
}

static int setup_owner_limit(void **state)
{
    return setup_config(state, "[market]\ndraft_limit_ip = 0\ndraft_limit_owner = 3\n");
}

static size_t retry_after_of(char *d, size_t sz, size_t nm, void *arg)
{
    size_t len = sz * nm;
    if (len > 13 && strncasecmp(d, "Retry-After: ", 13) == 0)
        *(long *)arg = strtol(d + 13, NULL, 10);
    return len;
}

/* POST a HASHPOW draft (reward varied so signed requests differ) from local_ip (NULL:
 * 127.0.0.1) signed by k (NULL: anonymous); the status, *retry the Retry-After (0: none). */
static long post_draft(struct fixture *f, const struct cpc_key *k, const char *local_ip,
                       int n, long *retry)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"kind\":\"hashpow\",\"params\":{\"bits\":8},\"tasks\":3,\"reward\":%d,"
             "\"deadline\":100,\"max_budget\":100000000}",
             1000000 + n);
    struct nt_req r = {"POST", "/marketplace/jobs", body, strlen(body), .timeout_s = 30,
                       .on_header = retry_after_of, .local_ip = local_ip};
    *retry = 0;
    r.header_arg = retry;
    if (k) {
        struct cpc_req_sig sig;
        assert_int_equal(cpc_req_sign(&sig, f->signer, k, "POST", "/marketplace/jobs", body,
                                      strlen(body), cpc_clock_wall_ms(), NULL),
                         0);
        r.headers = nt_sig_headers(NULL, &sig);
    }
    json_t *j = NULL;
    long st = nt_http_json(f->curl, f->base, &r, &j);
    if (st == 429)
        assert_string_equal(err_code(j), "rate_limited");
    else if (st != 201)
        fail_msg("POST /marketplace/jobs: %ld %s", st, err_msg(j));
    json_decref(j);
    return st;
}

/* Rows of job_drafts (all, or the one with id), read from the database file. */
static int draft_rows(struct fixture *f, const char *id)
{
    char path[400];
    snprintf(path, sizeof path, "%s/data/chain.db", f->home);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        id ? "SELECT count(*) FROM job_drafts WHERE id = ?1"
                                           : "SELECT count(*) FROM job_drafts",
                                        -1, &q, NULL),
                     SQLITE_OK);
    if (id)
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* The red-team case: 150 anonymous drafts from one address. With the defaults
 * ([market] draft_limit_ip = 60 an hour) the first 60 are stored and the rest
 * answer 429 with Retry-After within the hour; another address is not
 * affected, and the window frees after an hour of the platform clock. */
static void test_anonymous_drafts_limited(void **state)
{
    struct fixture *f = *state;
    atomic_store(&clock_offset_ms, 0);
    cpc_platform_set_clock(f->node.platform, moved_clock, NULL);
    int created = 0, refused = 0;
    long retry = 0;
    for (int i = 0; i < 150; i++) {
        long st = post_draft(f, NULL, NULL, i, &retry);
        if (st == 201) {
            assert_int_equal(refused, 0); /* no 201 after the first 429 */
            created++;
        } else {
            assert_true(retry >= 1 && retry <= 3600);
            refused++;
        }
    }
    fprintf(stderr, "drafts: %d created, %d refused (limit 60 an hour per IP)\n", created,
            refused);
    assert_int_equal(created, 60);
    assert_int_equal(refused, 90);
    assert_int_equal(draft_rows(f, NULL), 60);
    assert_int_equal(post_draft(f, NULL, "127.0.0.2", 150, &retry), 201); /* per address */
    atomic_fetch_add(&clock_offset_ms, 3600u * 1000u);
    assert_int_equal(post_draft(f, NULL, NULL, 151, &retry), 201);
}

/* Per owner: with the IP limit off and draft_limit_owner = 3, alice's 4th
 * signed draft in the window is refused, while bob's and anonymous ones go. */
static void test_owner_drafts_limited(void **state)
{
    struct fixture *f = *state;
    long retry = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(post_draft(f, &f->alice, NULL, i, &retry), 201);
    assert_int_equal(post_draft(f, &f->alice, NULL, 3, &retry), 429);
    assert_true(retry >= 1 && retry <= 3600);
    struct cpc_key bob;
    struct cpc_err err = {0};
    assert_int_equal(cpc_keyring_create(f->home, "bob", NULL, &bob, &err), 0);
    assert_int_equal(post_draft(f, &bob, NULL, 4, &retry), 201);
    for (int i = 0; i < 5; i++)
        assert_int_equal(post_draft(f, NULL, NULL, 10 + i, &retry), 201);
    cpc_key_wipe(&bob);
}

/* A draft not confirmed within draft_ttl_s (default 24 h) expires: reads,
 * confirm and the list treat it as gone at once, the next insert deletes its
 * row; a confirmed draft stays. */
static void test_unconfirmed_drafts_expire(void **state)
{
    struct fixture *f = *state;
    atomic_store(&clock_offset_ms, 0);
    cpc_platform_set_clock(f->node.platform, moved_clock, NULL);
    json_t *j = NULL;
    char old[37], kept[37], path[160];
    new_draft(f, NULL, HASHPOW, old);
    new_draft(f, NULL, HL, kept);
    struct cpc_tx tx;
    char *body = job_create_for(f, kept, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", kept);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 200);
    json_decref(j);
    free(body);
    nt_produce(&f->node);
    atomic_fetch_add(&clock_offset_ms, 24u * 3600u * 1000u - 60000u); /* a minute before */
    snprintf(path, sizeof path, "/marketplace/jobs/%s", old);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    json_decref(j);
    atomic_fetch_add(&clock_offset_ms, 120000u); /* a minute after */
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 404);
    assert_non_null(strstr(err_msg(j), "expires"));
    json_decref(j);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/quote", old);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 404);
    json_decref(j);
    body = job_create_for(f, kept, &f->alice, next_nonce(f, &f->alice), &tx, 0);
    snprintf(path, sizeof path, "/marketplace/jobs/%s/confirm", old);
    assert_int_equal(http(f, NULL, "POST", path, body, &j), 404);
    json_decref(j);
    free(body);
    assert_int_equal(http(f, NULL, "GET", "/marketplace/jobs?limit=100", NULL, &j), 200);
    json_t *jobs = json_object_get(j, "jobs");
    assert_int_equal(json_array_size(jobs), 1);
    assert_string_equal(str(json_array_get(jobs, 0), "id"), kept);
    json_decref(j);
    assert_int_equal(draft_rows(f, old), 1); /* gone for readers, the row still there */
    char fresh[37];
    new_draft(f, NULL, HASHPOW, fresh); /* an insert deletes the expired ones first */
    assert_int_equal(draft_rows(f, old), 0);
    assert_int_equal(draft_rows(f, NULL), 2);
    snprintf(path, sizeof path, "/marketplace/jobs/%s", kept);
    assert_int_equal(http(f, NULL, "GET", path, NULL, &j), 200);
    assert_string_equal(str(j, "status"), "confirmed");
    json_decref(j);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_draft_quote_confirm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mismatch_and_bad_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_checks_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_drafts_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_drafts_limited, setup_owner_limit, teardown),
        cmocka_unit_test_setup_teardown(test_unconfirmed_drafts_expire, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
