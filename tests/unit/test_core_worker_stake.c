/* test_core_worker_stake.c — the worker bond in core (market.h "worker
 * stake", docs/market.md): a registration must lock the minimum stake, a
 * result from an unregistered or under-staked sender is refused without
 * effect, WORKER_DEREGISTER starts an unbonding period after which UNSTAKE may
 * take the locked stake, but not while a commit of the worker awaits its
 * reveal or a replica awaits the quorum; results of leases held at the
 * deregistration are taken until the period ends. Every block is built with
 * cpc_block_build, re-validated with cpc_apply_block (signatures on), and the
 * supply invariant is checked after it.
 *
 * The chain runs on the default bond (10 CPC, 100 blocks) except where a
 * test sets the params through the genesis JSON; the new record fields are
 * read through the worker's JSON view and the new tx type is named by its
 * string, so this file builds against a core that lacks them and fails
 * there at run time. */
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
#define UNBONDING 100 /* the default params.unbonding_blocks */

struct chain {
    struct cpc_signer *s;
    struct fx_key val, treasury, customer, w1, w2;
    struct cpc_chain_params params;
    struct cpc_state *st;
    struct cpc_block_header prev;
    uint8_t prev_hash[32];
    uint64_t supply;
};

static struct chain C;

/* A chain whose genesis JSON sets params (NULL: the fields a genesis without
 * them gets); customer 10^6 CPC, w1 and w2 1000 CPC each. */
static int setup_with(const char *min_stake_key, uint64_t min_stake, uint64_t unbonding)
{
    memset(&C, 0, sizeof C);
    C.s = cpc_signer_new(NULL);
    fx_key(C.s, &C.val, 200);
    fx_key(C.s, &C.treasury, 201);
    fx_key(C.s, &C.customer, 202);
    fx_key(C.s, &C.w1, 203);
    fx_key(C.s, &C.w2, 204);
    struct cpc_genesis g;
    memset(&g, 0, sizeof g);
    fx_params(&g.params);
    g.params.protocol = CPC_PROTOCOL_VERSION;
    g.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    g.params.max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    memcpy(g.params.treasury, C.treasury.addr, 20);
    g.genesis_time_ms = 1000;
    memcpy(g.validator, C.val.pub, 33);
    struct cpc_genesis_account acc[3];
    memset(acc, 0, sizeof acc);
    memcpy(acc[0].addr, C.customer.addr, 20);
    acc[0].balance = CPC(1000000);
    memcpy(acc[1].addr, C.w1.addr, 20);
    acc[1].balance = CPC(1000);
    memcpy(acc[2].addr, C.w2.addr, 20);
    acc[2].balance = CPC(1000);
    g.accounts = acc;
    g.n_accounts = 3;
    json_t *j = cpc_genesis_to_json(&g);
    assert_non_null(j);
    json_t *p = json_object_get(j, "params");
    if (min_stake_key) {
        json_object_set_new(p, min_stake_key, json_integer((json_int_t)min_stake));
        json_object_set_new(p, "unbonding_blocks", json_integer((json_int_t)unbonding));
    }
    struct cpc_genesis g2;
    struct cpc_err err = {0};
    int rc = cpc_genesis_from_json(&g2, j, &err);
    json_decref(j);
    if (rc != 0)
        fail_msg("genesis with the bond params: %s", err.msg);
    assert_int_equal(cpc_genesis_state(&g2, &C.st, &C.supply, &err), 0);
    assert_int_equal(cpc_genesis_header(&g2, C.st, &C.prev, &err), 0);
    cpc_block_header_hash(&C.prev, C.prev_hash);
    C.params = g2.params;
    cpc_genesis_clear(&g2);
    return 0;
}

/* No bond params in the genesis JSON: whatever a chain gets by default. */
static int setup_default(void **state)
{
    (void)state;
    return setup_with(NULL, 0, 0);
}

/* min_worker_stake 20 CPC, unbonding_blocks 7, from the genesis JSON. */
static int setup_bond(void **state)
{
    (void)state;
    return setup_with("min_worker_stake", CPC(20), 7);
}

static int teardown(void **state)
{
    (void)state;
    cpc_state_free(C.st);
    cpc_signer_free(C.s);
    return 0;
}

static struct cpc_account acct(const struct fx_key *k)
{
    struct cpc_account a;
    cpc_state_get(C.st, k->addr, &a);
    return a;
}

/* Build the next block from txs (all must be included), re-validate it, apply
 * it, check the supply. codes (may be NULL) receives each tx's result code. */
static void step(struct cpc_tx *txs, size_t n, int *codes)
{
    const struct cpc_tx **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &txs[i];
    struct cpc_block b;
    struct cpc_state *delta = NULL, *delta2 = NULL;
    size_t *skipped = NULL, n_skipped = 0;
    int *skipped_codes = NULL;
    struct cpc_err err = {0};
    int rc = cpc_block_build(C.st, &C.prev, &C.params, C.prev.time_ms + 1000, ptrs, n, C.s,
                             C.val.sk, &b, &delta, &skipped, &skipped_codes, &n_skipped, &err);
    if (rc)
        fail_msg("build: %s", err.msg);
    if (n_skipped)
        fail_msg("tx %zu skipped (code %d)", skipped[0], skipped_codes ? skipped_codes[0] : 0);
    rc = cpc_apply_block(C.st, &C.prev, &b, &C.params, C.val.pub, true, &delta2, NULL, &err);
    if (rc)
        fail_msg("re-validate: %s", err.msg);
    assert_int_equal(cpc_state_merge(C.st, delta), 0);
    assert_int_equal(cpc_state_check_supply(C.st, C.supply, &err), 0);
    for (size_t i = 0; i < b.n_txs && codes; i++)
        codes[i] = b.results[i].code;
    C.prev = b.header;
    cpc_block_header_hash(&C.prev, C.prev_hash);
    cpc_state_free(delta);
    cpc_state_free(delta2);
    free(skipped);
    free(skipped_codes);
    free(ptrs);
    cpc_block_clear(&b);
}

static char last_msg[CPC_ERR_MSG_MAX];

/* One tx in its own block; its result code must be expect (its message in last_msg). */
static void step1(struct cpc_tx *tx, int expect)
{
    const struct cpc_tx *ptr = tx;
    struct cpc_block b;
    struct cpc_state *delta = NULL;
    size_t *skipped = NULL, n_skipped = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_block_build(C.st, &C.prev, &C.params, C.prev.time_ms + 1000, &ptr, 1,
                                     C.s, C.val.sk, &b, &delta, &skipped, NULL, &n_skipped, &err),
                     0);
    assert_int_equal(n_skipped, 0);
    struct cpc_state *delta2 = NULL;
    assert_int_equal(cpc_apply_block(C.st, &C.prev, &b, &C.params, C.val.pub, true, &delta2, NULL,
                                     &err),
                     0);
    assert_int_equal(cpc_state_merge(C.st, delta), 0);
    assert_int_equal(cpc_state_check_supply(C.st, C.supply, &err), 0);
    snprintf(last_msg, sizeof last_msg, "%s", b.results[0].error);
    if (b.results[0].code != expect)
        fail_msg("%s: code %d (%s), want %d", cpc_tx_type_name(tx->type), b.results[0].code,
                 b.results[0].error, expect);
    C.prev = b.header;
    cpc_block_header_hash(&C.prev, C.prev_hash);
    cpc_state_free(delta);
    cpc_state_free(delta2);
    free(skipped);
    cpc_block_clear(&b);
    cpc_tx_clear(tx);
}

static void empty_blocks(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        step(NULL, 0, NULL);
}

static void sign_from(struct cpc_tx *tx, const struct fx_key *k)
{
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", FX_CHAIN);
    tx->nonce = acct(k).nonce;
    tx->gas_price = 1;
    assert_int_equal(cpc_tx_sign(tx, C.s, k->sk, NULL), 0);
}

static void register_worker(const struct fx_key *k, uint64_t stake, int expect)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_WORKER_REGISTER;
    tx.u.worker_register.stake = stake;
    tx.u.worker_register.cpu_cores = 2;
    sign_from(&tx, k);
    step1(&tx, expect);
}

/* WORKER_DEREGISTER by name, so a core without the type fails here, not at build. */
static void deregister(const struct fx_key *k, int expect)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = cpc_tx_type_from_name("WORKER_DEREGISTER");
    if (tx.type == CPC_TX_NONE)
        fail_msg("no WORKER_DEREGISTER tx type");
    sign_from(&tx, k);
    step1(&tx, expect);
}

static void unstake(const struct fx_key *k, uint64_t amount, int expect)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_UNSTAKE;
    tx.u.stake.amount = amount;
    sign_from(&tx, k);
    step1(&tx, expect);
}

/* The worker's JSON view (as the API serves it); caller json_decref's. NULL if unregistered. */
static json_t *worker_json(const struct fx_key *k)
{
    struct cpc_overlay ov;
    struct cpc_worker w;
    cpc_overlay_init(&ov, C.st, NULL);
    int rc = cpc_market_get_worker(&ov, k->addr, &w);
    cpc_overlay_free(&ov);
    return rc == 0 ? cpc_worker_to_json(&w) : NULL;
}

static json_int_t worker_field(const struct fx_key *k, const char *field)
{
    json_t *j = worker_json(k);
    assert_non_null(j);
    json_t *v = json_object_get(j, field);
    if (!json_is_integer(v) && !json_is_null(v))
        fail_msg("worker view has no \"%s\"", field);
    json_int_t r = json_is_integer(v) ? json_integer_value(v) : 0;
    json_decref(j);
    return r;
}

static struct cpc_task task_of(const uint8_t job_id[32], uint32_t index)
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

static struct cpc_job job_of(const uint8_t id[32])
{
    struct cpc_overlay ov;
    struct cpc_job j;
    cpc_overlay_init(&ov, C.st, NULL);
    assert_int_equal(cpc_market_get_job(&ov, id, &j), 0);
    cpc_overlay_free(&ov);
    return j;
}

static void base_contract(struct cpc_contract *c, enum cpc_job_kind kind, uint32_t tasks,
                          uint64_t reward)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->tasks = tasks;
    c->reward = reward;
    c->replication = 1;
    c->deadline_blocks = 500;
    c->priority = CPC_PRIORITY_NORMAL;
    c->max_budget = CPC(1000000);
}

static void create_job(const struct cpc_contract *c, uint8_t job_id[32])
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    tx.u.job_create.contract = *c;
    sign_from(&tx, &C.customer);
    memcpy(job_id, tx.hash, 32);
    step1(&tx, 0);
}

/* A SUBMIT_RESULT of k for task index of job under a lease the validator signed for k. */
static void result_tx(struct cpc_tx *tx, const struct fx_key *k, const uint8_t job_id[32],
                      uint32_t index, const uint8_t *hash, size_t len)
{
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_SUBMIT_RESULT;
    struct cpc_payload_submit_result *p = &tx->u.result;
    cpc_task_id(p->task_id, job_id, index);
    memcpy(p->result_hash, hash, len);
    p->result_hash_len = len;
    memcpy(p->worker, k->addr, 20);
    p->has_lease = 1;
    p->lease_expires = C.prev.height + 30;
    assert_int_equal(cpc_lease_sign(p->lease_sig, C.s, C.val.sk, FX_CHAIN, p->task_id, k->addr,
                                    p->lease_expires),
                     0);
    sign_from(tx, k);
}

static void solve_hashpow(const uint8_t job[32], uint32_t index, unsigned bits, uint8_t nb[8])
{
    struct cpc_job j = job_of(job);
    uint8_t seed[32];
    uint64_t nonce;
    cpc_hashpow_task_seed(seed, j.seed, index);
    assert_int_equal(cpc_hashpow_search(seed, bits, 0, 1u << 22, &nonce), 0);
    for (int b = 0; b < 8; b++)
        nb[b] = (uint8_t)(nonce >> (56 - 8 * b));
}

/* nb <- a nonce that does NOT solve task index of job at bits. */
static void wrong_hashpow(const uint8_t job[32], uint32_t index, unsigned bits, uint8_t nb[8])
{
    struct cpc_job j = job_of(job);
    uint8_t seed[32];
    uint64_t nonce = 0;
    struct cpc_err e = {0};
    cpc_hashpow_task_seed(seed, j.seed, index);
    while (cpc_hashpow_verify(seed, bits, nonce, &e) == 0)
        nonce++;
    for (int b = 0; b < 8; b++)
        nb[b] = (uint8_t)(nonce >> (56 - 8 * b));
}

/* A hashpow job of `tasks` tasks at 4 bits, reward `reward`. */
static void hashpow_job(uint32_t tasks, uint64_t reward, uint8_t job[32])
{
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, tasks, reward);
    c.p.hashpow.bits = 4;
    create_job(&c, job);
}

/* Commit matmul task index of job for k (honest); C in *C_out (caller frees). */
static void matmul_commit(const struct fx_key *k, const uint8_t job[32], uint32_t index,
                          int32_t **C_out, struct cpc_matmul_spec *spec, int expect)
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
    uint8_t root[32];
    assert_int_equal(cpc_matmul_commit(spec, Cm, root), 0);
    struct cpc_tx tx;
    result_tx(&tx, k, job, index, root, 32);
    step1(&tx, expect);
    free(A);
    free(B);
    *C_out = Cm;
}

static void matmul_reveal(const struct fx_key *k, const uint8_t job[32], uint32_t index,
                          const int32_t *Cm, const struct cpc_matmul_spec *spec, int expect)
{
    struct cpc_task t = task_of(job, index);
    struct cpc_job j = job_of(job);
    uint8_t bh[32], cseed[32], key[CPC_KEY_MAX];
    struct cpc_overlay ov;
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_overlay_init(&ov, C.st, NULL);
    assert_int_equal(cpc_overlay_obj_get(&ov, key, cpc_key_blockhash(key, t.commit_height), &b),
                     0);
    memcpy(bh, b.data, 32);
    cpc_overlay_free(&ov);
    cpc_buf_free(&b);
    cpc_challenge_seed(cseed, bh, t.id);
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

/* ---------------- the minimum stake ---------------- */

/* Whatever the params say, a registration must lock something, and a result
 * from an address that never registered is refused: nothing paid, nothing
 * slashed, the task stays open for its lease holder. */
static void test_zero_stake_worker_refused(void **state)
{
    (void)state;
    register_worker(&C.w1, 0, CPC_ERR_INSUFFICIENT_STAKE);
    assert_null(worker_json(&C.w1));
    assert_int_equal(acct(&C.w1).stake, 0);
    uint8_t job[32], nb[8];
    hashpow_job(1, CPC(10), job);
    solve_hashpow(job, 0, 4, nb);
    uint64_t bal0 = acct(&C.w1).balance;
    struct cpc_tx tx;
    result_tx(&tx, &C.w1, job, 0, nb, 8); /* valid work under a valid lease */
    step1(&tx, CPC_ERR_UNAUTHORIZED);
    assert_non_null(strstr(last_msg, "not a registered worker"));
    assert_int_equal(task_of(job, 0).status, CPC_TASK_OPEN);
    assert_int_equal(acct(&C.w1).balance, bal0 - 80000); /* the fee only */
    /* a real stake makes the same work pay */
    register_worker(&C.w1, CPC(10), 0);
    result_tx(&tx, &C.w1, job, 0, nb, 8);
    step1(&tx, 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);
}

/* params.min_worker_stake from genesis (20 CPC): below it a registration fails
 * and adds nothing; slashed below it, a worker's results are refused until it
 * tops up (a capability update with stake 0 is fine while it holds the minimum). */
static void test_min_stake_from_genesis(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(19), CPC_ERR_INSUFFICIENT_STAKE);
    assert_non_null(strstr(last_msg, "at least 20 CPC"));
    assert_null(worker_json(&C.w1));
    register_worker(&C.w1, CPC(20), 0);
    assert_int_equal(worker_field(&C.w1, "locked"), CPC(20));
    register_worker(&C.w1, 0, 0); /* capabilities only */
    /* a wrong result is slashed 10% of the reward: 20 - 1 = 19 CPC locked */
    uint8_t job[32], nb[8], bad[8];
    hashpow_job(1, CPC(10), job);
    solve_hashpow(job, 0, 4, nb);
    wrong_hashpow(job, 0, 4, bad);
    struct cpc_tx tx;
    result_tx(&tx, &C.w1, job, 0, bad, 8);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    assert_int_equal(worker_field(&C.w1, "locked"), CPC(19));
    result_tx(&tx, &C.w1, job, 0, nb, 8);
    step1(&tx, CPC_ERR_INSUFFICIENT_STAKE);
    assert_non_null(strstr(last_msg, "below the minimum 20 CPC"));
    assert_int_equal(task_of(job, 0).status, CPC_TASK_OPEN);
    register_worker(&C.w1, 0, CPC_ERR_INSUFFICIENT_STAKE); /* still below */
    register_worker(&C.w1, CPC(1), 0);
    result_tx(&tx, &C.w1, job, 0, nb, 8);
    step1(&tx, 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);
    /* the genesis unbonding_blocks (7) is the period */
    deregister(&C.w1, 0);
    empty_blocks(5);
    unstake(&C.w1, CPC(20), CPC_ERR_INSUFFICIENT_STAKE); /* since + 6 */
    unstake(&C.w1, CPC(20), 0);                          /* since + 7 */
    assert_int_equal(acct(&C.w1).stake, 0);
}

/* ---------------- deregistration ---------------- */

/* UNSTAKE below the lock is refused until WORKER_DEREGISTER + the unbonding
 * period; then the whole stake comes back, and a new registration bonds again. */
static void test_deregister_then_unstake(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(10), 0);
    uint64_t bal0 = acct(&C.w1).balance;
    unstake(&C.w1, CPC(1), CPC_ERR_INSUFFICIENT_STAKE);
    assert_non_null(strstr(last_msg, "WORKER_DEREGISTER"));
    deregister(&C.w2, CPC_ERR_NOT_FOUND); /* never registered */
    deregister(&C.w1, 0);
    uint64_t since = C.prev.height;
    assert_int_equal(worker_field(&C.w1, "unbonding_since"), since);
    deregister(&C.w1, CPC_ERR_INVALID); /* already */
    assert_non_null(strstr(last_msg, "already deregistering"));
    empty_blocks(since + UNBONDING - 2 - C.prev.height); /* next block: since + UNBONDING - 1 */
    unstake(&C.w1, CPC(10), CPC_ERR_INSUFFICIENT_STAKE);
    assert_int_equal(C.prev.height, since + UNBONDING - 1);
    char want[96];
    snprintf(want, sizeof want, "until height %llu", (unsigned long long)(since + UNBONDING));
    assert_non_null(strstr(last_msg, want));
    assert_int_equal(acct(&C.w1).stake, CPC(10));
    unstake(&C.w1, CPC(10), 0); /* at since + UNBONDING */
    uint64_t fee_dereg = 50000, fee_unstake = 50000;
    assert_int_equal(acct(&C.w1).stake, 0);
    assert_int_equal(acct(&C.w1).balance, bal0 + CPC(10) - 3 * fee_unstake - 2 * fee_dereg);
    assert_int_equal(worker_field(&C.w1, "locked"), 0);
    /* deregistered and unstaked: a result is refused */
    uint8_t job[32], nb[8];
    hashpow_job(1, CPC(1), job);
    solve_hashpow(job, 0, 4, nb);
    struct cpc_tx tx;
    result_tx(&tx, &C.w1, job, 0, nb, 8);
    step1(&tx, CPC_ERR_INSUFFICIENT_STAKE);
    /* registering again bonds it again; its counters stay */
    register_worker(&C.w1, CPC(10), 0);
    json_t *w = worker_json(&C.w1);
    assert_true(json_is_null(json_object_get(w, "unbonding_since")));
    json_decref(w);
    assert_int_equal(worker_field(&C.w1, "locked"), CPC(10));
    result_tx(&tx, &C.w1, job, 0, nb, 8);
    step1(&tx, 0);
    assert_int_equal(worker_field(&C.w1, "accepted"), 1);
}

/* A commit made under a lease during the unbonding period is taken, and holds
 * the lock past the period's end until it is revealed; a result after the end
 * is refused. */
static void test_pending_reveal_holds_the_lock(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(10), 0);
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_MATMUL, 3, CPC(2));
    c.p.matmul.m = 16;
    c.p.matmul.k = 8;
    c.p.matmul.n = 8;
    c.p.matmul.challenges = 4;
    uint8_t job[32];
    create_job(&c, job);
    struct cpc_matmul_spec spec0, spec1, spec2;
    int32_t *c0 = NULL, *c1 = NULL, *c2 = NULL;
    matmul_commit(&C.w1, job, 0, &c0, &spec0, 0);
    assert_int_equal(worker_field(&C.w1, "pending"), 1);
    deregister(&C.w1, 0);
    uint64_t since = C.prev.height;
    matmul_reveal(&C.w1, job, 0, c0, &spec0, 0); /* settles: paid */
    assert_int_equal(worker_field(&C.w1, "pending"), 0);
    /* a lease it held: its commit near the period's end is still taken */
    empty_blocks(since + UNBONDING - 3 - C.prev.height);
    matmul_commit(&C.w1, job, 1, &c1, &spec1, 0); /* at since + UNBONDING - 2 */
    assert_int_equal(task_of(job, 1).status, CPC_TASK_COMMITTED);
    assert_int_equal(worker_field(&C.w1, "pending"), 1);
    empty_blocks(1);
    /* the period is over (since + UNBONDING): new results are refused ... */
    matmul_commit(&C.w1, job, 2, &c2, &spec2, CPC_ERR_INVALID);
    assert_non_null(strstr(last_msg, "unbonding period ended"));
    assert_int_equal(task_of(job, 2).status, CPC_TASK_OPEN);
    /* ... and the commit awaiting its reveal keeps the stake locked */
    unstake(&C.w1, CPC(10), CPC_ERR_INSUFFICIENT_STAKE);
    assert_non_null(strstr(last_msg, "1 result(s)"));
    assert_int_equal(acct(&C.w1).stake, CPC(10));
    matmul_reveal(&C.w1, job, 1, c1, &spec1, 0);
    assert_int_equal(task_of(job, 1).status, CPC_TASK_DONE);
    assert_int_equal(worker_field(&C.w1, "pending"), 0);
    unstake(&C.w1, CPC(10), 0);
    assert_int_equal(acct(&C.w1).stake, 0);
    free(c0);
    free(c1);
    free(c2);
}

/* A missed reveal settles the commit too (slashed), and an exec replica counts
 * until its job ends without a quorum. */
static void test_pending_settled_by_every_path(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(10), 0);
    register_worker(&C.w2, CPC(10), 0);
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_MATMUL, 1, CPC(2));
    c.p.matmul.m = 16;
    c.p.matmul.k = 8;
    c.p.matmul.n = 8;
    c.p.matmul.challenges = 4;
    uint8_t mjob[32];
    create_job(&c, mjob);
    struct cpc_matmul_spec spec;
    int32_t *cm = NULL;
    matmul_commit(&C.w1, mjob, 0, &cm, &spec, 0);
    assert_int_equal(worker_field(&C.w1, "pending"), 1);
    empty_blocks(CPC_REVEAL_WINDOW + 1); /* missed: slashed, reopened */
    assert_int_equal(task_of(mjob, 0).status, CPC_TASK_OPEN);
    assert_int_equal(worker_field(&C.w1, "pending"), 0);
    assert_int_equal(worker_field(&C.w1, "timed_out"), 1);
    free(cm);

    base_contract(&c, CPC_KIND_EXEC, 1, CPC(1));
    c.replication = 2;
    memset(c.p.exec.app, 0xAB, 32);
    c.p.exec.timeout_s = 60;
    c.p.exec.memory_mb = 256;
    uint8_t ejob[32], h[32];
    create_job(&c, ejob);
    memset(h, 0x11, 32);
    struct cpc_tx tx;
    result_tx(&tx, &C.w2, ejob, 0, h, 32);
    step1(&tx, 0);
    assert_int_equal(worker_field(&C.w2, "pending"), 1);
    deregister(&C.w2, 0);
    empty_blocks(UNBONDING);
    unstake(&C.w2, CPC(10), CPC_ERR_INSUFFICIENT_STAKE); /* the replica waits for a quorum */
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CANCEL;
    memcpy(tx.u.job_cancel.job_id, ejob, 32);
    sign_from(&tx, &C.customer);
    step1(&tx, 0);
    assert_int_equal(task_of(ejob, 0).status, CPC_TASK_CLOSED);
    assert_int_equal(worker_field(&C.w2, "pending"), 0);
    unstake(&C.w2, CPC(10), 0);
}

/* An exec replica keeps holding its worker's lock after its task's commit
 * window closes (the task turns COMMITTED), through the reveal phase, until
 * the quorum settles it: a worker must not unstake between its commitment and
 * its reveal, where a wrong reveal would still be slashed. */
static void test_exec_reveal_phase_holds_the_lock(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(10), 0);
    register_worker(&C.w2, CPC(10), 0);
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_EXEC, 1, CPC(1));
    c.replication = 2;
    memset(c.p.exec.app, 0xAB, 32);
    c.p.exec.timeout_s = 60;
    c.p.exec.memory_mb = 256;
    uint8_t job[32], result[32], salt1[32], salt2[32], c1[32], c2[32];
    create_job(&c, job);
    memset(result, 0x5A, sizeof result);
    memset(salt1, 0x01, sizeof salt1);
    memset(salt2, 0x02, sizeof salt2);
    cpc_exec_commitment(c1, result, sizeof result, C.w1.addr, salt1);
    cpc_exec_commitment(c2, result, sizeof result, C.w2.addr, salt2);
    struct cpc_tx tx;
    result_tx(&tx, &C.w1, job, 0, c1, 32);
    step1(&tx, 0);
    deregister(&C.w1, 0);
    /* the second commitment closes the window just before w1's unbonding
     * period ends, so the period is over while the reveals are still due */
    empty_blocks(UNBONDING - 4);
    result_tx(&tx, &C.w2, job, 0, c2, 32);
    step1(&tx, 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_COMMITTED); /* window closed */
    assert_int_equal(worker_field(&C.w1, "pending"), 1);
    assert_int_equal(worker_field(&C.w2, "pending"), 1);
    empty_blocks(3);
    unstake(&C.w1, CPC(10), CPC_ERR_INSUFFICIENT_STAKE); /* its reveal is still due */

    struct cpc_tx rv[2];
    const struct fx_key *who[2] = {&C.w1, &C.w2};
    const uint8_t *salts[2] = {salt1, salt2};
    for (int i = 0; i < 2; i++) {
        memset(&rv[i], 0, sizeof rv[i]);
        rv[i].type = CPC_TX_RESULT_REVEAL;
        struct cpc_payload_result_reveal *p = &rv[i].u.result_reveal;
        cpc_task_id(p->task_id, job, 0);
        memcpy(p->result, result, sizeof result);
        p->result_len = sizeof result;
        memcpy(p->salt, salts[i], 32);
        sign_from(&rv[i], who[i]);
        step1(&rv[i], 0);
    }
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);
    assert_int_equal(worker_field(&C.w1, "pending"), 0);
    assert_int_equal(worker_field(&C.w2, "pending"), 0);
    unstake(&C.w1, CPC(10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_zero_stake_worker_refused, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_min_stake_from_genesis, setup_bond, teardown),
        cmocka_unit_test_setup_teardown(test_deregister_then_unstake, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_pending_reveal_holds_the_lock, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pending_settled_by_every_path, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exec_reveal_phase_holds_the_lock, setup_default,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
