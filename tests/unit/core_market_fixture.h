/* core_market_fixture.h — the chain the market and block unit tests
 * (test_core_market, test_core_worker_stake, test_core_block_gas,
 * test_core_block_verify) run on: a genesis with a validator, a treasury, a
 * customer and workers, blocks built with cpc_block_build, re-validated with
 * cpc_apply_block (signatures on) and applied, the supply invariant checked
 * after each, and the txs and lookups those tests share. Header-only, static
 * functions, test code only: one test file includes it and gets the chain C
 * (set up by market_setup_chain, freed by teardown) and last_msg.
 */
#ifndef CPC_TEST_CORE_MARKET_FIXTURE_H
#define CPC_TEST_CORE_MARKET_FIXTURE_H

#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/amount.h"
#include "core/apply.h"
#include "core/genesis.h"
#include "core/hash.h"
#include "core/kinds.h"
#include "core/market.h"
#include "core/market_apply.h"
#include "core_ledger_fixtures.h"

#define CPC(x) ((uint64_t)(x) * CPC_BASE_PER_CPC)

struct market_chain {
    struct cpc_signer *s;
    struct fx_key val, treasury, customer, w1, w2;
    struct fx_key cheat, pool; /* zero unless market_setup.cheat_and_pool */
    struct cpc_chain_params params;
    struct cpc_state *st;
    struct cpc_block_header prev;
    uint8_t prev_hash[32];
    uint64_t supply;
    uint32_t deadline_blocks; /* base_contract's deadline */
};

static struct market_chain C;

/* The result message of the first tx of the last block step built with a tx. */
static char last_msg[CPC_ERR_MSG_MAX];

/* What market_setup_chain builds. Keys are fx_key numbers first_key (val),
 * first_key + 1 (treasury), + 2 (customer), + 3 (w1), + 4 (w2), and with
 * cheat_and_pool + 5 (cheat), + 6 (pool). Genesis balances: customer
 * customer_cpc CPC (0: 10^6), w1, w2 (unless no_w2) and cheat 1000 CPC each,
 * pool pool_cpc CPC. */
struct market_setup {
    uint32_t first_key;
    uint64_t customer_cpc;
    int no_w2; /* w2 has a key but no genesis account */
    /* non-NULL: sets more of the genesis params (after fx_params and the
     * treasury; the params_json path then sets its own defaults) */
    void (*set_params)(struct cpc_chain_params *p);
    int cheat_and_pool;
    uint64_t pool_cpc;
    /* the synthetic kind, paid from pool (needs cheat_and_pool): reward 1 CPC,
     * 2 rewards per block, n = 24, 6 challenges */
    int synthetic;
    /* non-NULL: the genesis goes through its JSON (cpc_genesis_to_json, then
     * cpc_genesis_from_json), with these fields set in its "params" first (an
     * empty object: the values a genesis without them gets); caller owns it */
    json_t *params_json;
    uint32_t deadline_blocks; /* base_contract's deadline */
};

static inline int market_setup_chain(const struct market_setup *o)
{
    memset(&C, 0, sizeof C);
    C.s = cpc_signer_new(NULL);
    fx_key(C.s, &C.val, o->first_key);
    fx_key(C.s, &C.treasury, o->first_key + 1);
    fx_key(C.s, &C.customer, o->first_key + 2);
    fx_key(C.s, &C.w1, o->first_key + 3);
    fx_key(C.s, &C.w2, o->first_key + 4);
    if (o->cheat_and_pool) {
        fx_key(C.s, &C.cheat, o->first_key + 5);
        fx_key(C.s, &C.pool, o->first_key + 6);
    }
    C.deadline_blocks = o->deadline_blocks;
    struct cpc_genesis g;
    memset(&g, 0, sizeof g);
    if (o->synthetic) {
        g.synthetic.enabled = 1;
        memcpy(g.synthetic.pool, C.pool.addr, 20);
        g.synthetic.reward = CPC(1);
        g.synthetic.per_block = 2;
        g.synthetic.n = 24;
        g.synthetic.challenges = 6;
    }
    fx_params(&g.params);
    memcpy(g.params.treasury, C.treasury.addr, 20);
    if (o->set_params)
        o->set_params(&g.params);
    g.genesis_time_ms = 1000;
    memcpy(g.validator, C.val.pub, 33);
    struct cpc_genesis_account acc[5];
    memset(acc, 0, sizeof acc);
    memcpy(acc[0].addr, C.customer.addr, 20);
    acc[0].balance = CPC(o->customer_cpc ? o->customer_cpc : 1000000);
    memcpy(acc[1].addr, C.w1.addr, 20);
    acc[1].balance = CPC(1000);
    g.n_accounts = 2;
    if (!o->no_w2) {
        memcpy(acc[g.n_accounts].addr, C.w2.addr, 20);
        acc[g.n_accounts++].balance = CPC(1000);
    }
    if (o->cheat_and_pool) {
        memcpy(acc[g.n_accounts].addr, C.cheat.addr, 20);
        acc[g.n_accounts++].balance = CPC(1000);
        memcpy(acc[g.n_accounts].addr, C.pool.addr, 20);
        acc[g.n_accounts++].balance = CPC(o->pool_cpc);
    }
    g.accounts = acc;
    struct cpc_err err = {0};
    if (!o->params_json) {
        assert_int_equal(cpc_genesis_state(&g, &C.st, &C.supply, &err), 0);
        assert_int_equal(cpc_genesis_header(&g, C.st, &C.prev, &err), 0);
        cpc_block_header_hash(&C.prev, C.prev_hash);
        C.params = g.params;
        return 0;
    }
    /* what a genesis.json of this build holds (from_json takes no 0 for these) */
    g.params.protocol = CPC_PROTOCOL_VERSION;
    g.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    g.params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    json_t *j = cpc_genesis_to_json(&g);
    assert_non_null(j);
    json_object_update(json_object_get(j, "params"), o->params_json);
    struct cpc_genesis g2;
    int rc = cpc_genesis_from_json(&g2, j, &err);
    json_decref(j);
    if (rc != 0)
        fail_msg("genesis with the params: %s", err.msg);
    assert_int_equal(cpc_genesis_state(&g2, &C.st, &C.supply, &err), 0);
    assert_int_equal(cpc_genesis_header(&g2, C.st, &C.prev, &err), 0);
    cpc_block_header_hash(&C.prev, C.prev_hash);
    C.params = g2.params;
    cpc_genesis_clear(&g2);
    return 0;
}

static inline int teardown(void **state)
{
    (void)state;
    cpc_state_free(C.st);
    cpc_signer_free(C.s);
    return 0;
}

static inline struct cpc_account acct(const struct fx_key *k)
{
    struct cpc_account a;
    cpc_state_get(C.st, k->addr, &a);
    return a;
}

/* The next block (time: the last one's + 1 s) built from the n txs (txs may be
 * NULL when n is 0) into *b, with the builder's delta and the txs it left out
 * (index and code); the caller frees *delta, *skipped, *skipped_codes and
 * clears *b. */
static inline void market_build(struct cpc_tx *txs, size_t n, struct cpc_block *b,
                                struct cpc_state **delta, size_t **skipped, int **skipped_codes,
                                size_t *n_skipped)
{
    const struct cpc_tx **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    assert_non_null(ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &txs[i];
    struct cpc_err err = {0};
    *delta = NULL;
    *skipped = NULL;
    *skipped_codes = NULL;
    *n_skipped = 0;
    int rc = cpc_block_build(C.st, &C.prev, &C.params, C.prev.time_ms + 1000, ptrs, n, C.s,
                             C.val.sk, b, delta, skipped, skipped_codes, n_skipped, &err);
    free(ptrs);
    if (rc)
        fail_msg("build: %s", err.msg);
}

/* Re-validate the built block b (signatures on), apply its delta, check the
 * supply and make it the tip. codes (may be NULL) receives each tx's result
 * code, last_msg the first tx's message when it has txs. Frees delta, clears b. */
static inline void market_accept(struct cpc_block *b, struct cpc_state *delta, int *codes)
{
    struct cpc_state *delta2 = NULL;
    struct cpc_err err = {0};
    int rc = cpc_apply_block(C.st, &C.prev, b, &C.params, C.val.pub, true, &delta2, NULL, &err);
    if (rc)
        fail_msg("re-validate: %s", err.msg);
    assert_int_equal(cpc_state_merge(C.st, delta), 0);
    assert_int_equal(cpc_state_check_supply(C.st, C.supply, &err), 0);
    for (size_t i = 0; i < b->n_txs && codes; i++)
        codes[i] = b->results[i].code;
    if (b->n_txs)
        snprintf(last_msg, sizeof last_msg, "%s", b->results[0].error);
    C.prev = b->header;
    cpc_block_header_hash(&C.prev, C.prev_hash);
    cpc_state_free(delta);
    cpc_state_free(delta2);
    cpc_block_clear(b);
}

/* Build the next block from txs (all must be included), re-validate it, apply
 * it, check the supply. codes (may be NULL) receives each tx's result code. */
static inline void step(struct cpc_tx *txs, size_t n, int *codes)
{
    struct cpc_block b;
    struct cpc_state *delta;
    size_t *skipped, n_skipped;
    int *skipped_codes;
    market_build(txs, n, &b, &delta, &skipped, &skipped_codes, &n_skipped);
    if (n_skipped)
        fail_msg("tx %zu skipped (code %d)", skipped[0], skipped_codes ? skipped_codes[0] : 0);
    free(skipped);
    free(skipped_codes);
    market_accept(&b, delta, codes);
}

/* One tx in its own block; its result code must be expect (its message in
 * last_msg). Clears tx. */
static inline void step1(struct cpc_tx *tx, int expect)
{
    int code = -999;
    step(tx, 1, &code);
    if (code != expect)
        fail_msg("%s: code %d (%s), want %d", cpc_tx_type_name(tx->type), code, last_msg, expect);
    cpc_tx_clear(tx);
}

static inline void empty_blocks(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        step(NULL, 0, NULL);
}

/* Chain id, k's next nonce, gas price 1, signed by k. */
static inline void sign_from(struct cpc_tx *tx, const struct fx_key *k)
{
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", FX_CHAIN);
    tx->nonce = acct(k).nonce;
    tx->gas_price = 1;
    assert_int_equal(cpc_tx_sign(tx, C.s, k->sk, NULL), 0);
}

/* A WORKER_REGISTER of k locking stake (2 CPU cores), signed. */
static inline void register_tx(struct cpc_tx *tx, const struct fx_key *k, uint64_t stake)
{
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_WORKER_REGISTER;
    tx->u.worker_register.stake = stake;
    tx->u.worker_register.cpu_cores = 2;
    sign_from(tx, k);
}

/* JOB_CREATE of c by the customer, its result code must be expect; job_id <- its id. */
static inline void create_job(const struct cpc_contract *c, uint8_t job_id[32], int expect)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    tx.u.job_create.contract = *c;
    sign_from(&tx, &C.customer);
    memcpy(job_id, tx.hash, 32);
    step1(&tx, expect);
}

/* JOB_CANCEL of job signed by k; its result code must be expect. */
static inline void cancel_job(const struct fx_key *k, const uint8_t job[32], int expect)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CANCEL;
    memcpy(tx.u.job_cancel.job_id, job, 32);
    sign_from(&tx, k);
    step1(&tx, expect);
}

static inline struct cpc_job job_of(const uint8_t id[32])
{
    struct cpc_overlay ov;
    struct cpc_job j;
    cpc_overlay_init(&ov, C.st, NULL);
    assert_int_equal(cpc_market_get_job(&ov, id, &j), 0);
    cpc_overlay_free(&ov);
    return j;
}

static inline struct cpc_task task_of(const uint8_t job_id[32], uint32_t index)
{
    struct cpc_overlay ov;
    struct cpc_task t;
    uint8_t tid[16];
    cpc_task_id(tid, job_id, index);
    cpc_overlay_init(&ov, C.st, NULL);
    assert_int_equal(cpc_market_get_task(&ov, tid, &t), 0);
    cpc_overlay_free(&ov);
    return t;
}

/* A SUBMIT_RESULT of k for task index of job, with a lease the validator
 * signed for lease_to (NULL: no lease) expiring lease_blocks after the tip. */
static inline void lease_result_tx(struct cpc_tx *tx, const struct fx_key *k,
                                   const uint8_t job_id[32], uint32_t index, const uint8_t *hash,
                                   size_t len, const struct fx_key *lease_to, uint64_t lease_blocks)
{
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_SUBMIT_RESULT;
    struct cpc_payload_submit_result *p = &tx->u.result;
    cpc_task_id(p->task_id, job_id, index);
    memcpy(p->result_hash, hash, len);
    p->result_hash_len = len;
    memcpy(p->worker, k->addr, 20);
    if (lease_to) {
        p->has_lease = 1;
        p->lease_expires = C.prev.height + lease_blocks;
        assert_int_equal(cpc_lease_sign(p->lease_sig, C.s, C.val.sk, FX_CHAIN, p->task_id,
                                        lease_to->addr, p->lease_expires),
                         0);
    }
    sign_from(tx, k);
}

/* A RESULT_REVEAL of k: result (len bytes) and salt for task index of job. */
static inline void reveal_tx(struct cpc_tx *tx, const struct fx_key *k, const uint8_t job_id[32],
                             uint32_t index, const uint8_t *result, size_t len,
                             const uint8_t salt[32])
{
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_RESULT_REVEAL;
    struct cpc_payload_result_reveal *p = &tx->u.result_reveal;
    cpc_task_id(p->task_id, job_id, index);
    memcpy(p->result, result, len);
    p->result_len = (uint8_t)len;
    memcpy(p->salt, salt, 32);
    sign_from(tx, k);
}

/* A contract of kind: tasks tasks at reward each, 1 replica, normal
 * priority, budget 10^6 CPC, deadline C.deadline_blocks. */
static inline void base_contract(struct cpc_contract *c, enum cpc_job_kind kind, uint32_t tasks,
                                 uint64_t reward)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->tasks = tasks;
    c->reward = reward;
    c->replication = 1;
    c->deadline_blocks = C.deadline_blocks;
    c->priority = CPC_PRIORITY_NORMAL;
    c->max_budget = CPC(1000000);
}

/* An exec contract of one task at reward with replication replicas (app 0xAB..,
 * 60 s, 256 MB). */
static inline void exec_contract_of(struct cpc_contract *c, uint64_t reward, uint32_t replication)
{
    base_contract(c, CPC_KIND_EXEC, 1, reward);
    c->replication = replication;
    memset(c->p.exec.app, 0xAB, 32);
    c->p.exec.timeout_s = 60;
    c->p.exec.memory_mb = 256;
}

/* nb <- the lowest nonce solving task index of job at bits (8 bytes, big-endian). */
static inline void solve_hashpow(const uint8_t job[32], uint32_t index, unsigned bits,
                                 uint8_t nb[8])
{
    struct cpc_job j = job_of(job);
    uint8_t seed[32];
    uint64_t nonce;
    cpc_hashpow_task_seed(seed, j.seed, index);
    assert_int_equal(cpc_hashpow_search(seed, bits, 0, 1u << 22, &nonce), 0);
    for (int b = 0; b < 8; b++)
        nb[b] = (uint8_t)(nonce >> (56 - 8 * b));
}

/* The matmul task index of job worked: *spec its spec, *C_out its product
 * (honest unless lazy; caller frees), root the commitment to it. */
static inline void matmul_work(const uint8_t job[32], uint32_t index, int lazy, int32_t **C_out,
                               struct cpc_matmul_spec *spec, uint8_t root[32])
{
    struct cpc_job j = job_of(job);
    cpc_matmul_task_seed(spec->seed, j.seed, index);
    spec->m = j.contract.p.matmul.m;
    spec->k = j.contract.p.matmul.k;
    spec->n = j.contract.p.matmul.n;
    int8_t *A = malloc((size_t)spec->m * spec->k), *B = malloc((size_t)spec->k * spec->n);
    int32_t *Cm = malloc((size_t)spec->m * spec->n * sizeof *Cm);
    cpc_matmul_gen_a(spec, A);
    cpc_matmul_gen_b(spec, B);
    cpc_matmul_reference(spec, A, B, Cm);
    if (lazy)
        for (size_t i = 0; i < (size_t)spec->m * spec->n; i++)
            Cm[i] = (int32_t)(i * 2654435761u);
    assert_int_equal(cpc_matmul_commit(spec, Cm, root), 0);
    free(A);
    free(B);
    *C_out = Cm;
}

/* cseed <- the challenge seed of committed task t: from the hash of its
 * commit block (the tip's, or the one the chain recorded). */
static inline void commit_challenge_seed(uint8_t cseed[32], const struct cpc_task *t)
{
    uint8_t bh[32];
    struct cpc_overlay ov;
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    if (t->commit_height == C.prev.height) {
        memcpy(bh, C.prev_hash, 32); /* the worker saw the commit block itself */
    } else {                          /* recorded by the next block's begin hook */
        cpc_overlay_init(&ov, C.st, NULL);
        assert_int_equal(
            cpc_overlay_obj_get(&ov, key, cpc_key_blockhash(key, t->commit_height), &b), 0);
        memcpy(bh, b.data, 32);
        cpc_overlay_free(&ov);
    }
    cpc_buf_free(&b);
    cpc_challenge_seed(cseed, bh, t->id);
}

/* k's REVEAL of matmul task index of job (product Cm under spec): the rows
 * its commit block's hash challenges, with their proofs; its code must be expect. */
static inline void matmul_reveal(const struct fx_key *k, const uint8_t job[32], uint32_t index,
                                 const int32_t *Cm, const struct cpc_matmul_spec *spec, int expect)
{
    struct cpc_task t = task_of(job, index);
    struct cpc_job j = job_of(job);
    uint8_t cseed[32];
    commit_challenge_seed(cseed, &t);
    uint32_t count = j.contract.p.matmul.challenges;
    uint32_t rows[64];
    struct cpc_merkle_proof proofs[64];
    cpc_matmul_challenge(cseed, spec->m, count, rows);
    assert_int_equal(cpc_matmul_prove(spec, Cm, rows, count, proofs), 0);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_REVEAL;
    memcpy(tx.u.reveal.task_id, t.id, 16);
    tx.u.reveal.count = (uint16_t)count;
    assert_int_equal(cpc_reveal_pack(proofs, (uint16_t)count, &tx.ext, &tx.ext_len), 0);
    sign_from(&tx, k);
    step1(&tx, expect);
}

/* The block-interval checks time the validator's own work: CPU time of the
 * calling thread (core runs a block on one thread), so other processes on a
 * busy machine (a parallel ctest, a build) do not count against the limit. */
static inline void cpu_clock_start(struct timespec *t0)
{
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, t0);
}

/* Thread CPU milliseconds since cpu_clock_start(t0). */
static inline double cpu_ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

#endif
