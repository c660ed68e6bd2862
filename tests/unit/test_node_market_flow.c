/* test_node_market_flow.c — the market's acceptance tests (docs/market.md) over
 * real HTTP against an in-process cpcd on 127.0.0.1 (ephemeral port, blocks
 * only when the test calls cpc_produce_block, so every height is known).
 *
 * The scheduler and the worker protocol are the node's real ones; the
 * "workers" are this test's own clients built on core: each has its own key,
 * is funded by the faucet, registers with stake (WORKER_REGISTER), leases
 * over signed HTTP (POST /worker/lease), computes with core's reference
 * executors and sends SUBMIT_RESULT (with its lease) and REVEAL (for matmul,
 * the rows named by GET /market/task/{id}) through POST /tx and /txs.
 *
 *   1. honest flow: hashpow, matmul and vanity jobs, two workers; every
 *      balance (workers, treasury, customer, proposer) moves exactly, one
 *      early bonus is earned, one is not (refunded), one job is cancelled
 *      half done (refunded); the supply never changes;
 *   2. adversaries: lazy matmul, wrong vanity key, a vanity key copied from
 *      another worker's result, skipped reveal, outvoted exec replica,
 *      results without / with someone else's lease: each is rejected and
 *      slashed 10% of the reward; the honest ones never are;
 *   3. failover: a lease of a dead worker expires, the task is reissued to
 *      another worker and paid exactly once;
 *   4. partial cheater: 200 matmul tasks (16x16x16, 4 challenges) by workers
 *      that get 1 row in 8 wrong: caught at about 1-(7/8)^4, and slashed
 *      every time they are caught (the test predicts each verdict from the
 *      challenge rows and checks the chain agrees).
 *
 * Each test ends by checking the supply (sum of every account it knows, GET
 * /status and core's own check) and by replaying the stored chain from genesis.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/keyring.h"
#include "common/log.h"
#include "common/req_sign.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/kinds.h"
#include "core/market.h"
#include "core/state.h"
#include "core/tx.h"
#include "core/uuid.h"
#include "node/consensus.h"
#include "http/httpd.h"
#include "node/node.h"
#include "market/scheduler.h"
#include "node_test_fixture.h"
#include "common/clock.h"

#define CHAIN "market-flow-test"
#define CPC 1000000000ULL
#define WORKER_FUNDS (110 * CPC)
#define WORKER_STAKE (100 * CPC) /* 10 x min_worker_stake: lease cap above the default 8 */
#define MAX_KNOWN 128

/* A key that signs txs and worker requests. */
struct actor {
    struct cpc_key key;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint64_t nonce;   /* next tx nonce */
    uint64_t last_ts; /* last signed-request timestamp, ms (strictly increasing: no replays) */
    uint64_t fees;    /* fees of its txs since the last reset */
};

/* One lease as the worker API hands it out, plus what the worker computed. */
struct lease {
    uint8_t tid[16];
    char tid_s[CPC_UUID_STR_LEN + 1];
    uint8_t job[32];
    uint32_t index;
    enum cpc_job_kind kind;
    uint8_t seed[32];
    uint64_t expires;
    uint8_t sig[64];
    int in_set;                     /* the signature covers a lease set (market.h) */
    struct cpc_lease_set_ref set;
    uint64_t reward;
    unsigned bits;
    uint32_t m, k, n, challenges;
    uint8_t vpub[CPC_PUBKEY_LEN];
    char prefix[CPC_VANITY_MAX_PREFIX + 1];
    int32_t *C; /* matmul: the C the worker committed to (owned) */
};

struct fixture {
    char home[256];
    struct cpc_node node;
    char base[64];
    struct actor faucet;
    struct cpc_signer *signer;
    CURL *curl;
    uint64_t fees_total; /* every fee since the last reset (all go to the proposer) */
    uint8_t known[MAX_KNOWN][CPC_ADDR_HASH_LEN];
    size_t n_known;
};

/* ------------------------------------------------------------------ */
/* HTTP                                                                */

/* One request; signer != NULL signs it as a worker request. Returns the status,
 * *out the parsed JSON body (caller decrefs; may be NULL). */
static long http(struct fixture *f, struct actor *signer, const char *method, const char *path,
                 const char *body, json_t **out)
{
    size_t body_len = body ? strlen(body) : 0;
    struct nt_req r = {method, path, body, body_len, .timeout_s = 30};
    if (signer) {
        uint64_t now = cpc_clock_wall_ms();
        uint64_t ts = signer->last_ts + 1 > now ? signer->last_ts + 1 : now;
        assert_true(ts < now + 50000); /* inside the node's +-60 s window */
        signer->last_ts = ts;
        struct cpc_req_sig sig;
        assert_int_equal(cpc_req_sign(&sig, f->signer, &signer->key, method, path, body,
                                      body_len, ts, NULL),
                         0);
        r.headers = nt_sig_headers(NULL, &sig);
    }
    return nt_http_json(f->curl, f->base, &r, out);
}

static json_t *get_json(struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static json_t *get_json(struct fixture *f, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    json_t *j = NULL;
    long st = http(f, NULL, "GET", path, NULL, &j);
    if (st != 200)
        fprintf(stderr, "GET %s: %ld\n", path, st);
    assert_int_equal(st, 200);
    assert_non_null(j);
    return j;
}

static uint64_t jint(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    return (uint64_t)json_integer_value(v);
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

/* ------------------------------------------------------------------ */
/* accounts, keys, txs                                                 */

static void know(struct fixture *f, const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    for (size_t i = 0; i < f->n_known; i++)
        if (memcmp(f->known[i], addr, CPC_ADDR_HASH_LEN) == 0)
            return;
    assert_true(f->n_known < MAX_KNOWN);
    memcpy(f->known[f->n_known++], addr, CPC_ADDR_HASH_LEN);
}

/* A deterministic key named tag (no keyring file: the test holds it). */
static void actor_init(struct fixture *f, struct actor *a, const char *tag)
{
    memset(a, 0, sizeof *a);
    char seedtext[96];
    snprintf(seedtext, sizeof seedtext, "cpc-market-flow-key/%s", tag);
    cpc_sha256(a->key.seckey, seedtext, strlen(seedtext));
    assert_int_equal(cpc_seckey_check(a->key.seckey), 0);
    assert_int_equal(cpc_pubkey_from_seckey(f->signer, a->key.info.pubkey, a->key.seckey), 0);
    assert_int_equal(cpc_pubkey_address(a->key.info.address, a->key.info.pubkey), 0);
    snprintf(a->key.info.name, sizeof a->key.info.name, "%s", tag);
    assert_int_equal(cpc_pubkey_hash(a->addr, a->key.info.pubkey), 0);
    know(f, a->addr);
}

static struct cpc_tx new_tx(enum cpc_tx_type type)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    snprintf(tx.chain_id, sizeof tx.chain_id, CHAIN);
    tx.gas_price = 1;
    return tx;
}

/* Sign with the actor's next nonce and count its fee. */
static void sign_tx(struct fixture *f, struct cpc_tx *tx, struct actor *a)
{
    tx->nonce = a->nonce++;
    assert_int_equal(cpc_tx_sign(tx, f->signer, a->key.seckey, NULL), 0);
    uint64_t fee = 0;
    assert_int_equal(cpc_tx_fee(tx, &fee), 0);
    a->fees += fee;
    f->fees_total += fee;
}

/* Sign and POST /tx (admitted: 200 with the same hash). */
static void post_tx(struct fixture *f, struct cpc_tx *tx, struct actor *a)
{
    sign_tx(f, tx, a);
    json_t *tj = cpc_tx_to_json(tx);
    char *s = json_dumps(tj, JSON_COMPACT);
    json_decref(tj);
    json_t *j = NULL;
    long st = http(f, NULL, "POST", "/tx", s, &j);
    if (st != 200)
        fprintf(stderr, "POST /tx: %ld %s\n", st, s);
    free(s);
    assert_int_equal(st, 200);
    char hex[65];
    cpc_hex_encode(hex, tx->hash, 32);
    assert_string_equal(jstr(j, "hash"), hex);
    json_decref(j);
}

/* POST /txs of already signed txs: all admitted. */
static void post_batch(struct fixture *f, struct cpc_tx *txs, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, cpc_tx_to_json(&txs[i]));
    json_t *body = json_pack("{s:o}", "txs", arr);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_t *j = NULL;
    assert_int_equal(http(f, NULL, "POST", "/txs", s, &j), 200);
    free(s);
    if (jint(j, "accepted") != n) {
        char *dump = json_dumps(j, JSON_COMPACT);
        fprintf(stderr, "POST /txs: %s\n", dump);
        free(dump);
    }
    assert_int_equal(jint(j, "accepted"), n);
    assert_int_equal(jint(j, "rejected"), 0);
    json_decref(j);
}

static void produce_n(struct fixture *f, int n)
{
    for (int i = 0; i < n; i++)
        nt_produce(&f->node);
}

static uint64_t height(struct fixture *f)
{
    return f->node.latest.height;
}

/* Committed outcome of a tx (GET /tx/{hash}): want_err NULL = success, else
 * failed with an error containing want_err. The fee is the one we counted. */
static void expect_tx(struct fixture *f, const struct cpc_tx *tx, const char *want_err)
{
    char hex[65];
    cpc_hex_encode(hex, tx->hash, 32);
    json_t *j = get_json(f, "/tx/%s", hex);
    assert_true(json_is_integer(json_object_get(j, "height")));
    const char *st = jstr(j, "status");
    const char *e = json_string_value(json_object_get(j, "error"));
    if (want_err) {
        if (strcmp(st, "failed") != 0 || !e || !strstr(e, want_err))
            fprintf(stderr, "tx %s: %s / %s, want error '%s'\n", hex, st, e ? e : "-", want_err);
        assert_string_equal(st, "failed");
        assert_non_null(e);
        assert_non_null(strstr(e, want_err));
    } else {
        if (strcmp(st, "success") != 0)
            fprintf(stderr, "tx %s (%s) failed: %s\n", hex, cpc_tx_type_name(tx->type),
                    e ? e : "-");
        assert_string_equal(st, "success");
    }
    uint64_t fee = 0;
    assert_int_equal(cpc_tx_fee(tx, &fee), 0);
    assert_int_equal(jint(j, "fee"), fee);
    json_decref(j);
}

/* Whether a committed tx succeeded (no expectation). */
static int tx_succeeded(struct fixture *f, const struct cpc_tx *tx)
{
    char hex[65];
    cpc_hex_encode(hex, tx->hash, 32);
    json_t *j = get_json(f, "/tx/%s", hex);
    int ok = strcmp(jstr(j, "status"), "success") == 0;
    json_decref(j);
    return ok;
}

struct bal {
    uint64_t balance, stake;
};

static struct bal bal_of(struct fixture *f, const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    char a[CPC_ADDR_STR_MAX];
    cpc_address_encode(a, addr);
    json_t *j = get_json(f, "/account/%s", a);
    struct bal b = {jint(j, "balance"), jint(j, "stake")};
    json_decref(j);
    return b;
}

static json_t *worker_rec(struct fixture *f, const struct actor *a)
{
    return get_json(f, "/market/worker/%s", a->key.info.address);
}

static json_t *job_view(struct fixture *f, const uint8_t id[32])
{
    char hex[65];
    cpc_hex_encode(hex, id, 32);
    return get_json(f, "/market/job/%s", hex);
}

/* Supply: GET /status total_supply is the genesis supply, equals the sum over every
 * account the test knows (genesis, treasury, proposer, actors, escrows), and
 * core's own check over the node's committed state agrees. */
static void check_supply(struct fixture *f)
{
    json_t *st = get_json(f, "/status");
    uint64_t total = jint(st, "total_supply");
    json_decref(st);
    assert_int_equal(total, f->node.total_supply);
    uint64_t sum = 0;
    for (size_t i = 0; i < f->n_known; i++) {
        struct bal b = bal_of(f, f->known[i]);
        sum += b.balance + b.stake;
    }
    assert_int_equal(sum, total);
    struct cpc_err err = {0};
    pthread_rwlock_rdlock(&f->node.lock);
    int rc = cpc_state_check_supply(f->node.state, f->node.total_supply, &err);
    pthread_rwlock_unlock(&f->node.lock);
    if (rc)
        fprintf(stderr, "supply: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* End of a test: stop the node and re-execute the whole stored chain from genesis
 * with full validation (what `cpcd replay` does): the market's history
 * (escrows, results, reveals, slashes, deadlines) is deterministic, every
 * state root matches and the supply holds after every block. */
static void stop_and_replay(struct fixture *f)
{
    uint64_t h = height(f), blocks = 0;
    struct cpc_err err = {0};
    cpc_daemon_stop(&f->node);
    int rc = cpc_node_replay(&f->node, &blocks, &err);
    if (rc)
        fprintf(stderr, "replay: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(blocks, h);
}

static void reset_fees(struct fixture *f, struct actor **as, size_t n)
{
    f->fees_total = 0;
    for (size_t i = 0; i < n; i++)
        as[i]->fees = 0;
}

/* ------------------------------------------------------------------ */
/* fixture                                                             */

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    nt_home_new(f->home, "/tmp/cpc-flow-XXXXXX", CHAIN, NULL);
    struct cpc_node_config cfg;
    nt_config_load(&cfg, f->home);
    cfg.quiet_empty_blocks = true;
    nt_node_open(&f->node, &cfg);
    nt_node_start(&f->node, f->base);
    struct cpc_err err = {0};
    f->signer = cpc_signer_new_random();
    f->curl = curl_easy_init();
    assert_int_equal(cpc_keyring_load(f->home, "faucet", NULL, &f->faucet.key, &err), 0);
    assert_int_equal(cpc_pubkey_hash(f->faucet.addr, f->faucet.key.info.pubkey), 0);
    for (size_t i = 0; i < f->node.genesis.n_accounts; i++)
        know(f, f->node.genesis.accounts[i].addr);
    know(f, f->node.params.treasury);
    know(f, f->node.validator_addr);
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

/* Faucet funds every actor (one block), then the workers among them register
 * with stake (next block). */
static void fund(struct fixture *f, struct actor **as, size_t n, uint64_t amount)
{
    for (size_t i = 0; i < n; i++) {
        struct cpc_tx tx = new_tx(CPC_TX_TRANSFER);
        memcpy(tx.u.transfer.to, as[i]->addr, CPC_ADDR_HASH_LEN);
        tx.u.transfer.amount = amount;
        post_tx(f, &tx, &f->faucet);
    }
    nt_produce(&f->node);
}

static void register_workers(struct fixture *f, struct actor **ws, size_t n)
{
    struct cpc_tx *txs = calloc(n, sizeof *txs);
    for (size_t i = 0; i < n; i++) {
        txs[i] = new_tx(CPC_TX_WORKER_REGISTER);
        txs[i].u.worker_register.stake = WORKER_STAKE;
        txs[i].u.worker_register.cpu_cores = 4;
        txs[i].u.worker_register.ram_gb = 8;
        sign_tx(f, &txs[i], ws[i]);
    }
    post_batch(f, txs, n);
    nt_produce(&f->node);
    for (size_t i = 0; i < n; i++) {
        expect_tx(f, &txs[i], NULL);
        json_t *w = worker_rec(f, ws[i]);
        assert_int_equal(jint(w, "locked"), WORKER_STAKE);
        assert_int_equal(jint(w, "rejected"), 0);
        json_decref(w);
    }
    free(txs);
}

/* JOB_CREATE via POST /tx; the escrow account becomes known. */
static void create_job(struct fixture *f, struct actor *customer, const struct cpc_contract *c,
                       uint8_t job_id[32])
{
    struct cpc_tx tx = new_tx(CPC_TX_JOB_CREATE);
    tx.u.job_create.contract = *c;
    post_tx(f, &tx, customer);
    memcpy(job_id, tx.hash, 32);
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_escrow_address(escrow, job_id);
    know(f, escrow);
}

static struct cpc_contract contract(enum cpc_job_kind kind, uint32_t tasks, uint64_t reward)
{
    struct cpc_contract c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.tasks = tasks;
    c.reward = reward;
    c.replication = 1;
    c.deadline_blocks = 500;
    c.priority = CPC_PRIORITY_NORMAL;
    c.max_budget = 1000 * CPC;
    return c;
}

static void cancel_job(struct fixture *f, struct actor *customer, const uint8_t job_id[32],
                       struct cpc_tx *out)
{
    struct cpc_tx tx = new_tx(CPC_TX_JOB_CANCEL);
    memcpy(tx.u.job_cancel.job_id, job_id, 32);
    post_tx(f, &tx, customer);
    *out = tx;
}

static uint64_t escrow_of(struct fixture *f, const uint8_t job_id[32])
{
    uint8_t escrow[CPC_ADDR_HASH_LEN];
    cpc_escrow_address(escrow, job_id);
    return bal_of(f, escrow).balance;
}

static uint64_t slash_of(uint64_t reward)
{
    return reward / 10000 * CPC_SLASH_BPS + reward % 10000 * CPC_SLASH_BPS / 10000;
}

/* ------------------------------------------------------------------ */
/* the worker side                                                     */

static void parse_lease(const json_t *t, struct lease *l)
{
    memset(l, 0, sizeof *l);
    snprintf(l->tid_s, sizeof l->tid_s, "%s", jstr(t, "task_id"));
    assert_int_equal(cpc_uuid_parse(l->tid, l->tid_s), 0);
    assert_int_equal(cpc_hex_decode_exact(l->job, 32, jstr(t, "job_id")), 0);
    l->index = (uint32_t)jint(t, "index");
    l->kind = cpc_kind_from_name(jstr(t, "kind"));
    assert_int_not_equal(l->kind, CPC_KIND_NONE);
    assert_int_equal(cpc_hex_decode_exact(l->seed, 32, jstr(t, "seed")), 0);
    l->reward = jint(t, "reward");
    json_t *lj = json_object_get(t, "lease");
    l->expires = jint(lj, "expires");
    assert_int_equal(cpc_hex_decode_exact(l->sig, 64, jstr(lj, "signature")), 0);
    struct cpc_err e = {0};
    assert_int_equal(cpc_lease_set_from_json(&l->set, &l->in_set, lj, "lease", CPC_ERR_INVALID, &e),
                     0);
    json_t *p = json_object_get(t, "params");
    switch (l->kind) {
    case CPC_KIND_HASHPOW:
        l->bits = (unsigned)jint(p, "bits");
        break;
    case CPC_KIND_MATMUL:
        l->m = (uint32_t)jint(p, "m");
        l->k = (uint32_t)jint(p, "k");
        l->n = (uint32_t)jint(p, "n");
        l->challenges = (uint32_t)jint(p, "challenges");
        break;
    case CPC_KIND_VANITY:
        assert_int_equal(cpc_hex_decode_exact(l->vpub, CPC_PUBKEY_LEN, jstr(p, "pubkey")), 0);
        snprintf(l->prefix, sizeof l->prefix, "%s", jstr(p, "prefix"));
        break;
    default:
        break;
    }
}

/* POST /worker/lease (signed) for up to max tasks; *out (caller frees with
 * free_leases) receives them. Returns the count. */
static size_t lease(struct fixture *f, struct actor *w, unsigned max, struct lease **out)
{
    char body[64];
    snprintf(body, sizeof body, "{\"max_tasks\":%u}", max);
    json_t *j = NULL;
    long st = http(f, w, "POST", "/worker/lease", body, &j);
    if (st != 200) {
        char *d = j ? json_dumps(j, JSON_COMPACT) : NULL;
        fprintf(stderr, "lease: %ld %s\n", st, d ? d : "");
        free(d);
    }
    assert_int_equal(st, 200);
    assert_int_equal(jint(j, "height"), height(f));
    json_t *tasks = json_object_get(j, "tasks");
    size_t n = json_array_size(tasks);
    *out = n ? calloc(n, sizeof **out) : NULL;
    for (size_t i = 0; i < n; i++) {
        parse_lease(json_array_get(tasks, i), &(*out)[i]);
        /* the lease is the validator's signature over (chain, task, this worker,
         * expires), or over the set of this answer's tasks that it belongs to */
        const struct lease *li = &(*out)[i];
        if (li->in_set) {
            assert_int_equal(li->set.size, n);
            assert_int_equal(li->set.index, i);
            assert_int_equal(cpc_lease_set_verify(li->sig, f->node.genesis.validator, CHAIN,
                                                  li->tid, w->addr, li->expires, &li->set),
                             0);
            assert_memory_equal(li->sig, (*out)[0].sig, 64); /* one signature for the answer */
        } else {
            assert_int_equal(n, 1);
            assert_int_equal(cpc_lease_verify(li->sig, f->node.genesis.validator, CHAIN, li->tid,
                                              w->addr, li->expires),
                             0);
        }
        assert_int_equal((*out)[i].expires, height(f) + 30);
    }
    json_decref(j);
    return n;
}

static void free_leases(struct lease *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        free(l[i].C);
    free(l);
}

/* Exactly one task, of the given job. */
static void lease_one(struct fixture *f, struct actor *w, const uint8_t job[32], struct lease *out)
{
    struct lease *l = NULL;
    assert_int_equal(lease(f, w, 1, &l), 1);
    assert_memory_equal(l[0].job, job, 32);
    *out = l[0];
    free(l);
}

enum behaviour {
    HONEST = 0,
    LAZY,      /* matmul: a random C */
    PARTIAL,   /* matmul: rows r with r % 8 == 5 wrong (1 row in 8) */
    WRONG,     /* vanity: a partial key whose address does not match */
};

#define PARTIAL_ROW(r) ((r) % 8 == 5)

static void matmul_spec(const struct lease *l, struct cpc_matmul_spec *s)
{
    memcpy(s->seed, l->seed, 32);
    s->m = l->m;
    s->k = l->k;
    s->n = l->n;
}

/* Compute the task with core's reference executors and build the SUBMIT_RESULT
 * carrying the lease (signed by the caller). */
static struct cpc_tx result_tx(struct actor *w, struct lease *l, enum behaviour how)
{
    struct cpc_tx tx = new_tx(CPC_TX_SUBMIT_RESULT);
    struct cpc_payload_submit_result *r = &tx.u.result;
    memcpy(r->task_id, l->tid, 16);
    memcpy(r->worker, w->addr, CPC_ADDR_HASH_LEN);
    r->has_lease = l->in_set ? 2 : 1;
    r->lease_expires = l->expires;
    memcpy(r->lease_sig, l->sig, 64);
    if (l->in_set)
        r->lease_set = l->set;
    switch (l->kind) {
    case CPC_KIND_HASHPOW: {
        uint64_t nonce = 0;
        assert_int_equal(cpc_hashpow_search(l->seed, l->bits, 0, 1u << 24, &nonce), 0);
        for (int i = 0; i < 8; i++)
            r->result_hash[i] = (uint8_t)(nonce >> (56 - 8 * i));
        r->result_hash_len = 8;
        break;
    }
    case CPC_KIND_VANITY: {
        uint8_t x[32];
        if (how == WRONG) {
            memcpy(x, l->seed, 32);
            while (cpc_vanity_verify(l->vpub, l->prefix, x, NULL) == 0)
                x[31]++;
        } else {
            assert_int_equal(cpc_vanity_search(l->vpub, l->prefix, l->seed, 1u << 20, x), 0);
            assert_int_equal(cpc_vanity_verify(l->vpub, l->prefix, x, NULL), 0);
        }
        memcpy(r->result_hash, x, 32);
        r->result_hash_len = 32;
        break;
    }
    case CPC_KIND_MATMUL: {
        struct cpc_matmul_spec s;
        matmul_spec(l, &s);
        int8_t *A = malloc((size_t)l->m * l->k), *B = malloc((size_t)l->k * l->n);
        l->C = malloc((size_t)l->m * l->n * sizeof *l->C);
        assert_true(A && B && l->C);
        cpc_matmul_gen_a(&s, A);
        cpc_matmul_gen_b(&s, B);
        cpc_matmul_reference(&s, A, B, l->C);
        if (how == LAZY) {
            uint8_t h[32];
            for (size_t i = 0; i < (size_t)l->m * l->n; i++) {
                cpc_sha256_2(h, l->tid, 16, &i, sizeof i);
                memcpy(&l->C[i], h, sizeof l->C[i]);
            }
        } else if (how == PARTIAL) {
            for (uint32_t row = 0; row < l->m; row++)
                if (PARTIAL_ROW(row))
                    l->C[(size_t)row * l->n] += 1;
        }
        assert_int_equal(cpc_matmul_commit(&s, l->C, r->result_hash), 0);
        r->result_hash_len = 32;
        free(A);
        free(B);
        break;
    }
    default:
        fail_msg("no executor for this kind in the test");
    }
    return tx;
}

/* After the commit block: read the challenge rows from GET /market/task/{id},
 * check them against an independent computation, and build the REVEAL from the
 * committed C. rows_out (may be NULL) receives the rows. */
static struct cpc_tx reveal_tx(struct fixture *f, const struct lease *l, uint32_t *rows_out)
{
    json_t *j = get_json(f, "/market/task/%s", l->tid_s);
    assert_string_equal(jstr(j, "status"), "committed");
    json_t *ch = json_object_get(j, "challenge");
    assert_non_null(ch);
    uint64_t commit_h = jint(ch, "commit_height");
    assert_int_equal(jint(ch, "reveal_deadline"), commit_h + CPC_REVEAL_WINDOW);
    json_t *rj = json_object_get(ch, "rows");
    uint32_t count = (uint32_t)json_array_size(rj);
    assert_int_equal(count, l->challenges);
    uint32_t *rows = calloc(count, sizeof *rows);
    uint8_t bh[32], cseed[32];
    assert_int_equal(cpc_hex_decode_exact(bh, 32, jstr(ch, "block_hash")), 0);
    cpc_challenge_seed(cseed, bh, l->tid);
    cpc_matmul_challenge(cseed, l->m, count, rows);
    for (uint32_t i = 0; i < count; i++)
        assert_int_equal(json_integer_value(json_array_get(rj, i)), rows[i]);
    json_decref(j);

    struct cpc_matmul_spec s;
    matmul_spec(l, &s);
    struct cpc_merkle_proof *proofs = calloc(count, sizeof *proofs);
    assert_int_equal(cpc_matmul_prove(&s, l->C, rows, count, proofs), 0);
    struct cpc_tx tx = new_tx(CPC_TX_REVEAL);
    memcpy(tx.u.reveal.task_id, l->tid, 16);
    tx.u.reveal.count = (uint16_t)count;
    assert_int_equal(cpc_reveal_pack(proofs, (uint16_t)count, &tx.ext, &tx.ext_len), 0);
    free(proofs);
    if (rows_out)
        memcpy(rows_out, rows, count * sizeof *rows);
    free(rows);
    return tx;
}

/* What a settled result pays: reward (+ bonus when settled within early_blocks). */
static uint64_t pay_of(const struct cpc_contract *c, uint64_t created, uint64_t settled)
{
    bool early = c->early_bonus && settled - created <= c->early_blocks;
    return c->reward + (early ? c->early_bonus : 0);
}

/* ------------------------------------------------------------------ */
/* 1. the honest flow, to the base unit                                */

static void test_honest_flow_exact_balances(void **state)
{
    struct fixture *f = *state;
    struct actor cust, w1, w2;
    actor_init(f, &cust, "customer");
    actor_init(f, &w1, "honest-1");
    actor_init(f, &w2, "honest-2");
    struct actor *all[] = {&cust, &w1, &w2};
    struct actor *workers[] = {&w1, &w2};
    fund(f, all, 3, WORKER_FUNDS);
    register_workers(f, workers, 2);
    check_supply(f);

    /* before: balances of everyone the flow touches */
    reset_fees(f, all, 3);
    const uint8_t *treasury = f->node.params.treasury, *proposer = f->node.validator_addr;
    struct bal b_cust = bal_of(f, cust.addr), b_w1 = bal_of(f, w1.addr), b_w2 = bal_of(f, w2.addr);
    struct bal b_tre = bal_of(f, treasury), b_val = bal_of(f, proposer);

    /* three jobs: hashpow whose early bonus is earned (settled 1 block after
     * creation), matmul whose bonus is not (paid at the reveal, 2 blocks after:
     * the bonus goes back to the customer), vanity cancelled after 2 of 3 tasks */
    struct cpc_contract ch = contract(CPC_KIND_HASHPOW, 3, 5000000);
    ch.p.hashpow.bits = 8;
    ch.early_bonus = 1000000;
    ch.early_blocks = 5;
    struct cpc_contract cm = contract(CPC_KIND_MATMUL, 2, 7000000);
    cm.p.matmul.m = 12;
    cm.p.matmul.k = 8;
    cm.p.matmul.n = 10;
    cm.p.matmul.challenges = 3;
    cm.early_bonus = 2000000;
    cm.early_blocks = 1;
    struct cpc_contract cv = contract(CPC_KIND_VANITY, 3, 3000000);
    memcpy(cv.p.vanity.pubkey, cust.key.info.pubkey, CPC_PUBKEY_LEN);
    snprintf(cv.p.vanity.prefix, sizeof cv.p.vanity.prefix, "x");
    const struct cpc_contract *contracts[3] = {&ch, &cm, &cv};
    uint8_t jobs[3][32];
    uint64_t escrowed = 0, create_gas = 0;
    for (int i = 0; i < 3; i++) {
        create_job(f, &cust, contracts[i], jobs[i]);
        struct cpc_tx g = new_tx(CPC_TX_JOB_CREATE);
        g.u.job_create.contract = *contracts[i];
        create_gas += cpc_tx_gas(&g); /* grows with tasks and contract bytes */
        assert_true(cpc_tx_gas(&g) >= 100000 + contracts[i]->tasks * CPC_GAS_PER_TASK);
        uint64_t budget, commission;
        assert_int_equal(cpc_contract_budget(contracts[i], &budget, &commission, NULL), 0);
        assert_int_equal(commission, budget / 10);
        escrowed += budget + commission;
    }
    nt_produce(&f->node);
    uint64_t created = height(f);
    for (int i = 0; i < 3; i++) {
        json_t *j = job_view(f, jobs[i]);
        assert_string_equal(jstr(j, "status"), "active");
        assert_int_equal(jint(j, "created_height"), created);
        json_decref(j);
    }
    assert_int_equal(bal_of(f, cust.addr).balance, b_cust.balance - escrowed - cust.fees);
    check_supply(f);

    /* both workers lease everything (8 tasks: 4 + 4) */
    struct lease *l1 = NULL, *l2 = NULL;
    size_t n1 = lease(f, &w1, 4, &l1);
    size_t n2 = lease(f, &w2, 8, &l2);
    assert_int_equal(n1, 4);
    assert_int_equal(n2, 4);
    struct {
        struct actor *w;
        struct lease *l;
        size_t n;
        uint64_t paid;
    } ws[2] = {{&w1, l1, n1, 0}, {&w2, l2, n2, 0}};
    /* no task is leased twice */
    for (size_t a = 0; a < n1; a++)
        for (size_t b = 0; b < n2; b++)
            assert_memory_not_equal(l1[a].tid, l2[b].tid, 16);

    /* results: hashpow and vanity are paid in the same tx, matmul commits.
     * Vanity task 2 is left undone (the customer cancels it). */
    uint64_t commission_total = 0, paid_total = 0;
    struct cpc_tx sub[2][8];
    size_t nsub[2] = {0, 0};
    int skipped = 0;
    for (int w = 0; w < 2; w++) {
        for (size_t i = 0; i < ws[w].n; i++) {
            struct lease *l = &ws[w].l[i];
            if (l->kind == CPC_KIND_VANITY && l->index == 2) {
                skipped++;
                continue;
            }
            sub[w][nsub[w]] = result_tx(ws[w].w, l, HONEST);
            sign_tx(f, &sub[w][nsub[w]], ws[w].w);
            nsub[w]++;
        }
        post_batch(f, sub[w], nsub[w]);
    }
    assert_int_equal(skipped, 1);
    nt_produce(&f->node);
    uint64_t settled = height(f);
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < nsub[w]; i++)
            expect_tx(f, &sub[w][i], NULL);
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < ws[w].n; i++) {
            struct lease *l = &ws[w].l[i];
            const struct cpc_contract *c = l->kind == CPC_KIND_HASHPOW ? &ch : &cv;
            if (l->kind == CPC_KIND_MATMUL || (l->kind == CPC_KIND_VANITY && l->index == 2))
                continue;
            uint64_t pay = pay_of(c, created, settled);
            ws[w].paid += pay;
            paid_total += pay;
            commission_total += cpc_commission_of(pay);
        }
    assert_int_equal(pay_of(&ch, created, settled), 6000000); /* the bonus was earned */

    /* matmul: the challenge rows come from the commit block; reveal them */
    struct cpc_tx rev[4];
    size_t nrev = 0;
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < ws[w].n; i++) {
            struct lease *l = &ws[w].l[i];
            if (l->kind != CPC_KIND_MATMUL)
                continue;
            rev[nrev] = reveal_tx(f, l, NULL);
            post_tx(f, &rev[nrev], ws[w].w);
            nrev++;
        }
    assert_int_equal(nrev, 2);
    nt_produce(&f->node);
    uint64_t revealed = height(f);
    for (size_t i = 0; i < nrev; i++) {
        expect_tx(f, &rev[i], NULL);
        cpc_tx_clear(&rev[i]);
    }
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < ws[w].n; i++)
            if (ws[w].l[i].kind == CPC_KIND_MATMUL) {
                uint64_t pay = pay_of(&cm, created, revealed);
                assert_int_equal(pay, 7000000); /* too late for the bonus */
                ws[w].paid += pay;
                paid_total += pay;
                commission_total += cpc_commission_of(pay);
            }
    /* hashpow and matmul are complete; their leftovers (the unearned matmul
     * bonus) are back with the customer already */
    for (int i = 0; i < 2; i++) {
        json_t *j = job_view(f, jobs[i]);
        assert_string_equal(jstr(j, "status"), "completed");
        assert_int_equal(jint(j, "tasks_done"), contracts[i]->tasks);
        assert_true(json_is_true(json_object_get(j, "refunded")));
        json_decref(j);
        assert_int_equal(escrow_of(f, jobs[i]), 0);
    }
    /* vanity: 2 of 3 done; the escrow holds exactly the third task + commission */
    assert_int_equal(escrow_of(f, jobs[2]), 3300000);

    /* the customer cancels the vanity job: the rest is refunded */
    struct cpc_tx cancel;
    cancel_job(f, &cust, jobs[2], &cancel);
    nt_produce(&f->node);
    expect_tx(f, &cancel, NULL);
    json_t *j = job_view(f, jobs[2]);
    assert_string_equal(jstr(j, "status"), "cancelled");
    assert_int_equal(jint(j, "tasks_done"), 2);
    assert_true(json_is_true(json_object_get(j, "refunded")));
    assert_int_equal(jint(json_object_get(j, "task_counts"), "closed"), 1);
    json_decref(j);
    assert_int_equal(escrow_of(f, jobs[2]), 0);

    /* exact balances */
    assert_int_equal(paid_total, 3 * 6000000 + 2 * 7000000 + 2 * 3000000);
    assert_int_equal(commission_total, paid_total / 10);
    struct bal a_w1 = bal_of(f, w1.addr), a_w2 = bal_of(f, w2.addr);
    assert_int_equal(a_w1.balance, b_w1.balance + ws[0].paid - w1.fees);
    assert_int_equal(a_w2.balance, b_w2.balance + ws[1].paid - w2.fees);
    assert_int_equal(a_w1.stake, b_w1.stake);
    assert_int_equal(a_w2.stake, b_w2.stake);
    assert_int_equal(bal_of(f, treasury).balance, b_tre.balance + commission_total);
    assert_int_equal(bal_of(f, cust.addr).balance,
                     b_cust.balance - paid_total - commission_total - cust.fees);
    assert_int_equal(cust.fees, create_gas + 50000); /* 3 JOB_CREATE + 1 JOB_CANCEL, gas price 1 */
    assert_int_equal(bal_of(f, proposer).balance, b_val.balance + f->fees_total);
    assert_int_equal(f->fees_total, cust.fees + w1.fees + w2.fees);
    /* reputation: every result accepted, nobody rejected */
    for (int w = 0; w < 2; w++) {
        json_t *r = worker_rec(f, ws[w].w);
        size_t done = 0;
        for (size_t i = 0; i < ws[w].n; i++)
            done += !(ws[w].l[i].kind == CPC_KIND_VANITY && ws[w].l[i].index == 2);
        assert_int_equal(jint(r, "accepted"), done);
        assert_int_equal(jint(r, "rejected"), 0);
        assert_int_equal(jint(r, "locked"), WORKER_STAKE);
        json_decref(r);
    }
    check_supply(f);
    free_leases(l1, n1);
    free_leases(l2, n2);
    stop_and_replay(f);
}

/* ------------------------------------------------------------------ */
/* 2. adversaries                                                      */

struct expect_w {
    struct actor *a;
    struct bal before;
    uint64_t rejected, timed_out, accepted;
    uint64_t slashed, paid;
};

static void test_adversaries_rejected_and_slashed(void **state)
{
    struct fixture *f = *state;
    struct actor cust, h1, h2, lazy, vanity, skip, exec, thief;
    actor_init(f, &cust, "customer");
    actor_init(f, &h1, "honest-1");
    actor_init(f, &h2, "honest-2");
    actor_init(f, &lazy, "lazy");
    actor_init(f, &vanity, "wrong-vanity");
    actor_init(f, &skip, "skips-reveal");
    actor_init(f, &exec, "outvoted");
    actor_init(f, &thief, "lease-thief");
    struct actor *all[] = {&cust, &h1, &h2, &lazy, &vanity, &skip, &exec, &thief};
    fund(f, all, 8, WORKER_FUNDS);
    register_workers(f, all + 1, 7);
    reset_fees(f, all, 8);
    const uint8_t *treasury = f->node.params.treasury;
    struct bal b_tre = bal_of(f, treasury), b_cust = bal_of(f, cust.addr);
    struct expect_w ex[7];
    for (int i = 0; i < 7; i++) {
        memset(&ex[i], 0, sizeof ex[i]);
        ex[i].a = all[i + 1];
        ex[i].before = bal_of(f, all[i + 1]->addr);
    }
    struct expect_w *eh1 = &ex[0], *eh2 = &ex[1], *elazy = &ex[2], *evan = &ex[3],
                    *eskip = &ex[4], *eexec = &ex[5], *ethief = &ex[6];
    uint64_t commission = 0, refunds_expected = 0, escrowed = 0;
    uint64_t budget, comm;

    /* (a) a lazy matmul worker commits to a random C: the reveal fails, it is
     * slashed, and the task opens again for an honest worker */
    struct cpc_contract cm = contract(CPC_KIND_MATMUL, 1, 8000000);
    cm.p.matmul.m = 16;
    cm.p.matmul.k = 8;
    cm.p.matmul.n = 8;
    cm.p.matmul.challenges = 4;
    uint8_t jm[32];
    create_job(f, &cust, &cm, jm);
    assert_int_equal(cpc_contract_budget(&cm, &budget, &comm, NULL), 0);
    escrowed += budget + comm;
    nt_produce(&f->node);
    struct lease l;
    lease_one(f, &lazy, jm, &l);
    struct cpc_tx tx = result_tx(&lazy, &l, LAZY);
    post_tx(f, &tx, &lazy);
    nt_produce(&f->node);
    expect_tx(f, &tx, NULL); /* a commitment is only a commitment */
    tx = reveal_tx(f, &l, NULL);
    post_tx(f, &tx, &lazy);
    nt_produce(&f->node);
    expect_tx(f, &tx, "Invalid ComputeResult: row");
    cpc_tx_clear(&tx);
    free(l.C);
    elazy->rejected++;
    elazy->slashed += slash_of(cm.reward);
    json_t *t = get_json(f, "/market/task/%s", l.tid_s);
    assert_string_equal(jstr(t, "status"), "open");
    assert_int_equal(jint(t, "attempts"), 1);
    json_decref(t);
    /* h1 redoes it honestly */
    lease_one(f, &h1, jm, &l);
    tx = result_tx(&h1, &l, HONEST);
    post_tx(f, &tx, &h1);
    nt_produce(&f->node);
    expect_tx(f, &tx, NULL);
    tx = reveal_tx(f, &l, NULL);
    post_tx(f, &tx, &h1);
    nt_produce(&f->node);
    expect_tx(f, &tx, NULL);
    cpc_tx_clear(&tx);
    free(l.C);
    eh1->accepted++;
    eh1->paid += cm.reward;
    commission += cpc_commission_of(cm.reward);

    /* (b) vanity, 2 tasks: h2 delivers a key for task 0; the cheater sends a
     * wrong key for task 1, then h2's key (public on chain) as its own. Both
     * rejected and slashed; the customer then cancels the job. */
    struct cpc_contract cv = contract(CPC_KIND_VANITY, 2, 4000000);
    memcpy(cv.p.vanity.pubkey, cust.key.info.pubkey, CPC_PUBKEY_LEN);
    snprintf(cv.p.vanity.prefix, sizeof cv.p.vanity.prefix, "q");
    uint8_t jv[32];
    create_job(f, &cust, &cv, jv);
    assert_int_equal(cpc_contract_budget(&cv, &budget, &comm, NULL), 0);
    escrowed += budget + comm;
    refunds_expected += cv.reward + cpc_commission_of(cv.reward); /* task 1's share */
    nt_produce(&f->node);
    struct lease lv;
    lease_one(f, &h2, jv, &lv);
    lease_one(f, &vanity, jv, &l);
    struct cpc_tx good = result_tx(&h2, &lv, HONEST);
    post_tx(f, &good, &h2);
    nt_produce(&f->node);
    expect_tx(f, &good, NULL);
    eh2->accepted++;
    eh2->paid += cv.reward;
    commission += cpc_commission_of(cv.reward);
    tx = result_tx(&vanity, &l, WRONG);
    post_tx(f, &tx, &vanity);
    struct cpc_tx copied = result_tx(&vanity, &l, HONEST);
    memcpy(copied.u.result.result_hash, good.u.result.result_hash, 32);
    post_tx(f, &copied, &vanity);
    nt_produce(&f->node);
    expect_tx(f, &tx, "does not start with cpc1q");
    expect_tx(f, &copied, "was already delivered");
    evan->rejected += 2;
    evan->slashed += 2 * slash_of(cv.reward);
    struct cpc_tx cancel;
    cancel_job(f, &cust, jv, &cancel);
    nt_produce(&f->node);
    expect_tx(f, &cancel, NULL);
    assert_int_equal(escrow_of(f, jv), 0);

    /* (c) a worker that commits and never reveals: slashed when the window
     * closes (and counted timed out); the task goes to another worker */
    uint8_t js[32];
    create_job(f, &cust, &cm, js);
    assert_int_equal(cpc_contract_budget(&cm, &budget, &comm, NULL), 0);
    escrowed += budget + comm;
    nt_produce(&f->node);
    lease_one(f, &skip, js, &l);
    tx = result_tx(&skip, &l, HONEST);
    post_tx(f, &tx, &skip);
    nt_produce(&f->node);
    expect_tx(f, &tx, NULL);
    uint64_t commit_h = height(f);
    free(l.C);
    produce_n(f, CPC_REVEAL_WINDOW + 1);
    assert_true(height(f) > commit_h + CPC_REVEAL_WINDOW);
    eskip->rejected++;
    eskip->timed_out++;
    eskip->slashed += slash_of(cm.reward);
    t = get_json(f, "/market/task/%s", l.tid_s);
    assert_string_equal(jstr(t, "status"), "open");
    json_decref(t);
    lease_one(f, &h2, js, &l);
    tx = result_tx(&h2, &l, HONEST);
    post_tx(f, &tx, &h2);
    nt_produce(&f->node);
    tx = reveal_tx(f, &l, NULL);
    post_tx(f, &tx, &h2);
    nt_produce(&f->node);
    expect_tx(f, &tx, NULL);
    cpc_tx_clear(&tx);
    free(l.C);
    eh2->accepted++;
    eh2->paid += cm.reward;
    commission += cpc_commission_of(cm.reward);

    /* (d) exec, replication 3: three commitments, then the reveals; two agree, the
     * third is outvoted at the reveal that settles the quorum */
    struct cpc_contract ce = contract(CPC_KIND_EXEC, 1, 6000000);
    ce.replication = 3;
    cpc_sha256(ce.p.exec.app, "app", 3);
    cpc_sha256(ce.p.exec.inputs[0], "input", 5);
    ce.p.exec.n_inputs = 1;
    ce.p.exec.timeout_s = 60;
    ce.p.exec.memory_mb = 256;
    uint8_t je[32];
    create_job(f, &cust, &ce, je);
    assert_int_equal(cpc_contract_budget(&ce, &budget, &comm, NULL), 0);
    escrowed += budget + comm;
    nt_produce(&f->node);
    struct lease le[3];
    struct actor *replicas[3] = {&h1, &h2, &exec};
    for (int i = 0; i < 3; i++) {
        lease_one(f, replicas[i], je, &le[i]);
        assert_memory_equal(le[i].tid, le[0].tid, 16); /* the same task, three workers */
    }
    /* a fourth replica is not handed out */
    struct lease *none = NULL;
    assert_int_equal(lease(f, &thief, 1, &none), 0);
    /* commit-reveal: each replica commits to its output's hash under its own
     * salt; the reveals follow once the third commitment closed the window */
    struct cpc_tx ex_tx[3], ex_rv[3];
    uint8_t ex_out[3][32], ex_salt[3][32];
    for (int i = 0; i < 3; i++) {
        cpc_sha256(ex_out[i], i < 2 ? "good output" : "bad output", i < 2 ? 11 : 10);
        memset(ex_salt[i], 0x30 + i, 32);
        ex_tx[i] = new_tx(CPC_TX_SUBMIT_RESULT);
        struct cpc_payload_submit_result *r = &ex_tx[i].u.result;
        memcpy(r->task_id, le[i].tid, 16);
        memcpy(r->worker, replicas[i]->addr, CPC_ADDR_HASH_LEN);
        cpc_exec_commitment(r->result_hash, ex_out[i], 32, replicas[i]->addr, ex_salt[i]);
        r->result_hash_len = 32;
        r->has_lease = le[i].in_set ? 2 : 1;
        r->lease_expires = le[i].expires;
        memcpy(r->lease_sig, le[i].sig, 64);
        r->lease_set = le[i].set;
        post_tx(f, &ex_tx[i], replicas[i]);
    }
    nt_produce(&f->node);
    for (int i = 0; i < 3; i++)
        expect_tx(f, &ex_tx[i], NULL);
    for (int i = 0; i < 3; i++) {
        ex_rv[i] = new_tx(CPC_TX_RESULT_REVEAL);
        struct cpc_payload_result_reveal *r = &ex_rv[i].u.result_reveal;
        memcpy(r->task_id, le[i].tid, 16);
        memcpy(r->result, ex_out[i], 32);
        r->result_len = 32;
        memcpy(r->salt, ex_salt[i], 32);
        post_tx(f, &ex_rv[i], replicas[i]); /* the outvoted one arrives last */
    }
    nt_produce(&f->node);
    expect_tx(f, &ex_rv[0], NULL);
    expect_tx(f, &ex_rv[1], NULL);
    expect_tx(f, &ex_rv[2], "Invalid ComputeResult: outvoted");
    eh1->accepted++;
    eh1->paid += ce.reward;
    eh2->accepted++;
    eh2->paid += ce.reward;
    commission += 2 * cpc_commission_of(ce.reward);
    eexec->rejected++;
    eexec->slashed += slash_of(ce.reward);
    refunds_expected += ce.reward + cpc_commission_of(ce.reward); /* the loser's share */

    /* (e) results from a worker that does not hold the lease: with h1's lease,
     * and with none. Both rejected and slashed; h1 is then paid. */
    struct cpc_contract chp = contract(CPC_KIND_HASHPOW, 1, 5000000);
    chp.p.hashpow.bits = 6;
    uint8_t jh[32];
    create_job(f, &cust, &chp, jh);
    assert_int_equal(cpc_contract_budget(&chp, &budget, &comm, NULL), 0);
    escrowed += budget + comm;
    nt_produce(&f->node);
    lease_one(f, &h1, jh, &l);
    struct cpc_tx stolen = result_tx(&thief, &l, HONEST); /* a correct nonce, h1's lease */
    post_tx(f, &stolen, &thief);
    struct cpc_tx bare = result_tx(&thief, &l, HONEST);
    bare.u.result.has_lease = 0;
    bare.u.result.lease_expires = 0;
    memset(bare.u.result.lease_sig, 0, 64);
    memset(&bare.u.result.lease_set, 0, sizeof bare.u.result.lease_set);
    post_tx(f, &bare, &thief);
    nt_produce(&f->node);
    expect_tx(f, &stolen, "Invalid ComputeResult: the sender does not hold the lease");
    expect_tx(f, &bare, "Invalid ComputeResult: no lease for a market task");
    ethief->rejected += 2;
    ethief->slashed += 2 * slash_of(chp.reward);
    tx = result_tx(&h1, &l, HONEST);
    post_tx(f, &tx, &h1);
    nt_produce(&f->node);
    expect_tx(f, &tx, NULL);
    eh1->accepted++;
    eh1->paid += chp.reward;
    commission += cpc_commission_of(chp.reward);

    /* every job is over and its escrow empty */
    const uint8_t *jall[] = {jm, jv, js, je, jh};
    for (int i = 0; i < 5; i++) {
        json_t *j = job_view(f, jall[i]);
        assert_string_not_equal(jstr(j, "status"), "active");
        assert_true(json_is_true(json_object_get(j, "refunded")));
        json_decref(j);
        assert_int_equal(escrow_of(f, jall[i]), 0);
    }

    /* each adversary: rejected, slashed 10% of the reward per rejection, never
     * paid; the honest ones: never rejected, stake intact, paid exactly */
    uint64_t slashes = 0;
    for (int i = 0; i < 7; i++) {
        struct expect_w *e = &ex[i];
        json_t *r = worker_rec(f, e->a);
        assert_int_equal(jint(r, "rejected"), e->rejected);
        assert_int_equal(jint(r, "timed_out"), e->timed_out);
        assert_int_equal(jint(r, "accepted"), e->accepted);
        assert_int_equal(jint(r, "locked"), WORKER_STAKE - e->slashed);
        if (e->rejected)
            assert_true(jint(r, "score") < 1000);
        else
            assert_int_equal(jint(r, "score"), 1000);
        json_decref(r);
        struct bal now = bal_of(f, e->a->addr);
        assert_int_equal(now.stake, e->before.stake - e->slashed);
        assert_int_equal(now.balance, e->before.balance + e->paid - e->a->fees);
        slashes += e->slashed;
    }
    assert_int_equal(slashes, 8000000 / 10 + 2 * (4000000 / 10) + 8000000 / 10 +
                                  6000000 / 10 + 2 * (5000000 / 10));
    assert_int_equal(bal_of(f, treasury).balance, b_tre.balance + commission + slashes);
    /* the customer paid for the accepted results and their commission only */
    uint64_t paid = eh1->paid + eh2->paid;
    assert_int_equal(bal_of(f, cust.addr).balance,
                     b_cust.balance - paid - commission - cust.fees);
    assert_int_equal(escrowed - paid - commission, refunds_expected);
    check_supply(f);
    stop_and_replay(f);
}

/* ------------------------------------------------------------------ */
/* 3. failover                                                         */

/* Address of the only worker holding a lease of the job (GET /market/job/{id}/resources). */
static const char *holder(struct fixture *f, const uint8_t job[32], char out[CPC_ADDR_STR_MAX])
{
    char hex[65];
    cpc_hex_encode(hex, job, 32);
    json_t *r = get_json(f, "/market/job/%s/resources", hex);
    assert_int_equal(jint(r, "leases"), 1);
    json_t *ws = json_object_get(r, "workers");
    assert_int_equal(json_array_size(ws), 1);
    snprintf(out, CPC_ADDR_STR_MAX, "%s", jstr(json_array_get(ws, 0), "address"));
    json_decref(r);
    return out;
}

static void test_failover_paid_once(void **state)
{
    struct fixture *f = *state;
    struct actor cust, a, b;
    actor_init(f, &cust, "customer");
    actor_init(f, &a, "dies");
    actor_init(f, &b, "takes-over");
    struct actor *all[] = {&cust, &a, &b};
    fund(f, all, 3, WORKER_FUNDS);
    register_workers(f, all + 1, 2);
    reset_fees(f, all, 3);
    struct bal b_a = bal_of(f, a.addr), b_b = bal_of(f, b.addr), b_cust = bal_of(f, cust.addr);
    struct bal b_tre = bal_of(f, f->node.params.treasury);

    struct cpc_contract c = contract(CPC_KIND_HASHPOW, 1, 9000000);
    c.p.hashpow.bits = 8;
    uint8_t job[32];
    create_job(f, &cust, &c, job);
    nt_produce(&f->node);
    struct lease la;
    lease_one(f, &a, job, &la);
    uint64_t leased_at = height(f);
    assert_int_equal(la.expires, leased_at + 30);
    char who[CPC_ADDR_STR_MAX];
    /* a "dies". While its lease lives, b gets nothing. */
    struct lease *none = NULL;
    assert_int_equal(lease(f, &b, 1, &none), 0);
    produce_n(f, 29);
    assert_int_equal(height(f), la.expires - 1);
    assert_int_equal(lease(f, &b, 1, &none), 0);
    assert_string_equal(holder(f, job, who), a.key.info.address);
    /* the lease lapses at its expiry height: the task is reissued to b */
    nt_produce(&f->node);
    char hex[65];
    cpc_hex_encode(hex, job, 32);
    json_t *res = get_json(f, "/market/job/%s/resources", hex);
    assert_int_equal(jint(res, "leases"), 0);
    json_decref(res);
    struct lease lb;
    lease_one(f, &b, job, &lb);
    assert_string_equal(holder(f, job, who), b.key.info.address);
    assert_memory_equal(lb.tid, la.tid, 16);
    assert_int_equal(lb.expires, height(f) + 30);
    struct cpc_tx tx = result_tx(&b, &lb, HONEST);
    post_tx(f, &tx, &b);
    nt_produce(&f->node);
    expect_tx(f, &tx, NULL);
    /* a second result for the paid task pays nothing more (and is no slash):
     * its only task done, the job is complete */
    struct cpc_tx again = result_tx(&b, &lb, HONEST);
    post_tx(f, &again, &b);
    nt_produce(&f->node);
    expect_tx(f, &again, "job is not active");

    json_t *j = job_view(f, job);
    assert_string_equal(jstr(j, "status"), "completed");
    assert_int_equal(jint(j, "tasks_done"), 1);
    json_decref(j);
    assert_int_equal(escrow_of(f, job), 0);
    /* paid exactly once, to b; a got nothing and lost nothing (it never sent a tx) */
    struct bal n_a = bal_of(f, a.addr), n_b = bal_of(f, b.addr);
    assert_int_equal(a.fees, 0);
    assert_int_equal(n_a.balance, b_a.balance);
    assert_int_equal(n_a.stake, b_a.stake);
    assert_int_equal(n_b.balance, b_b.balance + c.reward - b.fees);
    assert_int_equal(n_b.stake, b_b.stake);
    assert_int_equal(bal_of(f, f->node.params.treasury).balance,
                     b_tre.balance + cpc_commission_of(c.reward));
    assert_int_equal(bal_of(f, cust.addr).balance,
                     b_cust.balance - c.reward - cpc_commission_of(c.reward) - cust.fees);
    json_t *ra = worker_rec(f, &a), *rb = worker_rec(f, &b);
    assert_int_equal(jint(ra, "accepted"), 0);
    assert_int_equal(jint(ra, "rejected"), 0);
    assert_int_equal(jint(rb, "accepted"), 1);
    assert_int_equal(jint(rb, "rejected"), 0);
    json_decref(ra);
    json_decref(rb);
    check_supply(f);
    stop_and_replay(f);
}

/* ------------------------------------------------------------------ */
/* 4. partial cheaters                                                 */

#define CHEATERS 25
#define PER_CHEATER 8 /* = the scheduler's default worker_max_leases */
#define PC_JOBS 4
#define PC_TASKS (CHEATERS * PER_CHEATER / PC_JOBS) /* 50 per job, under job_parallelism */
#define PC_DIM 16
#define PC_CHALLENGES 4
#define PC_REWARD 1000000

static void test_partial_cheater_caught_at_bound(void **state)
{
    struct fixture *f = *state;
    struct actor cust;
    struct actor *ch = calloc(CHEATERS, sizeof *ch);
    struct actor *ptrs[CHEATERS + 1];
    actor_init(f, &cust, "customer");
    ptrs[0] = &cust;
    for (int i = 0; i < CHEATERS; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "partial-%d", i);
        actor_init(f, &ch[i], tag);
        ptrs[i + 1] = &ch[i];
    }
    fund(f, ptrs, CHEATERS + 1, WORKER_FUNDS);
    register_workers(f, ptrs + 1, CHEATERS);
    reset_fees(f, ptrs, CHEATERS + 1);
    struct bal b_tre = bal_of(f, f->node.params.treasury);

    struct cpc_contract c = contract(CPC_KIND_MATMUL, PC_TASKS, PC_REWARD);
    c.p.matmul.m = c.p.matmul.k = c.p.matmul.n = PC_DIM;
    c.p.matmul.challenges = PC_CHALLENGES;
    uint8_t jobs[PC_JOBS][32];
    for (int i = 0; i < PC_JOBS; i++)
        create_job(f, &cust, &c, jobs[i]); /* same contract, distinct ids (nonces) */
    nt_produce(&f->node);

    /* every cheater leases 8 tasks and commits to a C with rows 5 and 13 wrong */
    struct lease *ls[CHEATERS];
    struct cpc_tx *txs = calloc(CHEATERS * PER_CHEATER, sizeof *txs);
    size_t nt = 0;
    for (int i = 0; i < CHEATERS; i++) {
        assert_int_equal(lease(f, &ch[i], PER_CHEATER, &ls[i]), PER_CHEATER);
        for (int k = 0; k < PER_CHEATER; k++) {
            assert_int_equal(ls[i][k].kind, CPC_KIND_MATMUL);
            txs[nt] = result_tx(&ch[i], &ls[i][k], PARTIAL);
            sign_tx(f, &txs[nt], &ch[i]);
            nt++;
        }
    }
    struct cpc_sched_stats ss;
    cpc_scheduler_stats(f->node.scheduler, &ss);
    assert_int_equal(ss.leases, CHEATERS * PER_CHEATER);
    post_batch(f, txs, nt);
    nt_produce(&f->node);
    for (size_t i = 0; i < nt; i++)
        assert_true(tx_succeeded(f, &txs[i]));

    /* reveal; predict each verdict from the challenged rows */
    int caught_pred[CHEATERS] = {0};
    int total_pred = 0;
    nt = 0;
    for (int i = 0; i < CHEATERS; i++)
        for (int k = 0; k < PER_CHEATER; k++) {
            uint32_t rows[PC_CHALLENGES];
            txs[nt] = reveal_tx(f, &ls[i][k], rows);
            sign_tx(f, &txs[nt], &ch[i]);
            int hit = 0;
            for (int r = 0; r < PC_CHALLENGES; r++)
                hit |= PARTIAL_ROW(rows[r]);
            caught_pred[i] += hit;
            total_pred += hit;
            nt++;
        }
    post_batch(f, txs, nt);
    nt_produce(&f->node);
    /* the chain's verdicts are exactly the predicted ones */
    int caught = 0;
    nt = 0;
    uint64_t commission = 0;
    for (int i = 0; i < CHEATERS; i++)
        for (int k = 0; k < PER_CHEATER; k++) {
            int ok = tx_succeeded(f, &txs[nt]);
            caught += !ok;
            if (ok)
                commission += cpc_commission_of(PC_REWARD);
            cpc_tx_clear(&txs[nt]);
            nt++;
        }
    assert_int_equal(caught, total_pred);

    /* slashed every time it was caught */
    uint64_t rejected = 0, slashes = 0;
    for (int i = 0; i < CHEATERS; i++) {
        json_t *r = worker_rec(f, &ch[i]);
        assert_int_equal(jint(r, "rejected"), caught_pred[i]);
        assert_int_equal(jint(r, "accepted"), PER_CHEATER - caught_pred[i]);
        uint64_t slashed = (uint64_t)caught_pred[i] * slash_of(PC_REWARD);
        assert_int_equal(jint(r, "locked"), WORKER_STAKE - slashed);
        rejected += jint(r, "rejected");
        json_decref(r);
        struct bal b = bal_of(f, ch[i].addr);
        assert_int_equal(b.stake, WORKER_STAKE - slashed);
        assert_int_equal(b.balance, WORKER_FUNDS - WORKER_STAKE - 60000 /* register fee */ +
                                        (uint64_t)(PER_CHEATER - caught_pred[i]) * PC_REWARD -
                                        ch[i].fees);
        slashes += slashed;
    }
    assert_int_equal(rejected, (uint64_t)caught);
    assert_int_equal(bal_of(f, f->node.params.treasury).balance,
                     b_tre.balance + commission + slashes);

    /* caught at the rate (1-f)^k predicts: p = 1 - (7/8)^4 = 0.4138; with n = 200 the
     * standard deviation is 6.97 tasks; accept 5 of them either way */
    double p = 1.0 - pow(7.0 / 8.0, PC_CHALLENGES);
    double n = CHEATERS * PER_CHEATER;
    double sd = sqrt(n * p * (1 - p));
    fprintf(stderr, "partial cheater: caught %d of %.0f (expected %.1f, bound (1-f)^k -> p=%.4f)\n",
            caught, n, n * p, p);
    assert_true(fabs((double)caught - n * p) <= 5 * sd);
    for (int i = 0; i < CHEATERS; i++)
        free_leases(ls[i], PER_CHEATER);
    free(txs);
    free(ch);
    check_supply(f);
    stop_and_replay(f);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cpc_log_set_level(CPC_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_honest_flow_exact_balances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adversaries_rejected_and_slashed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_paid_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_cheater_caught_at_bound, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
