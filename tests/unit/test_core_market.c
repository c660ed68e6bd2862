/* test_core_market.c — the market end to end in core: jobs of every kind,
 * honest workers paid exactly (reward, 10% commission, fees, refunds),
 * cheaters rejected and slashed (lazy matmul, wrong vanity key, skipped
 * reveal, outvoted exec replica, copied exec commitments, result without the
 * lease), a missed reveal
 * reissued and paid once, cancel and expiry refunds. Every block is built
 * with cpc_block_build, re-validated with cpc_apply_block (signatures on) and
 * the supply invariant is checked after it. The builder's oracle of its own
 * lease signatures (cpc_block_assemble) builds the same block, still verifies
 * what it does not know, and a lying one is caught by cpc_apply_block. */
#include "core_market_fixture.h"

/* synth: enable the synthetic kind (pool funded with pool_cpc CPC, reward 1 CPC,
 * 2 rewards per block, n = 24, 6 challenges). */
static int setup_chain(int synth, uint64_t pool_cpc)
{
    struct market_setup o = {.first_key = 100,
                             .cheat_and_pool = 1,
                             .pool_cpc = pool_cpc,
                             .synthetic = synth,
                             .deadline_blocks = 200};
    return market_setup_chain(&o);
}

static int setup(void **state)
{
    (void)state;
    return setup_chain(0, 0);
}

static int setup_synth(void **state)
{
    (void)state;
    return setup_chain(1, 3);
}

/* Build the next block from txs where tx `skip` must be left out as not
 * includable (cpc_apply_tx refuses it with CPC_ERR_INVALID before any fee:
 * nothing of it reaches the chain); the others go in and the block is
 * re-validated and applied as in step. codes[i] for the included ones. */
static void step_skipping(struct cpc_tx *txs, size_t n, size_t skip, int *codes)
{
    struct cpc_block b;
    struct cpc_state *delta;
    size_t *skipped, n_skipped;
    int *skipped_codes;
    market_build(txs, n, &b, &delta, &skipped, &skipped_codes, &n_skipped);
    assert_int_equal(n_skipped, 1);
    assert_int_equal(skipped[0], skip);
    assert_int_equal(skipped_codes[0], CPC_ERR_INVALID);
    assert_int_equal(b.n_txs, n - 1);
    free(skipped);
    free(skipped_codes);
    market_accept(&b, delta, codes);
}

/* A block that holds tx although cpc_block_build would leave it out (built
 * empty, then tx put in, roots recomputed, signed again) must fail
 * cpc_apply_block naming the tx; the state is not touched. */
static void expect_block_refused(const struct cpc_tx *tx, const char *why)
{
    struct cpc_block b;
    struct cpc_state *delta, *delta2 = NULL;
    size_t *skipped, n_skipped;
    int *skipped_codes;
    market_build(NULL, 0, &b, &delta, &skipped, &skipped_codes, &n_skipped);
    struct cpc_err err = {0};
    b.txs = calloc(1, sizeof *b.txs);
    assert_non_null(b.txs);
    assert_int_equal(cpc_tx_copy(&b.txs[0], tx), 0);
    b.n_txs = 1;
    b.header.n_txs = 1;
    assert_int_equal(cpc_block_tx_root(b.txs, 1, b.header.tx_root), 0);
    assert_int_equal(cpc_block_compute_root(b.txs, 1, b.header.compute_root), 0);
    assert_int_equal(cpc_block_sign(&b.header, C.s, C.val.sk, &err), 0);
    assert_int_not_equal(cpc_apply_block(C.st, &C.prev, &b, &C.params, C.val.pub, true, &delta2, NULL,
                                         &err),
                         0);
    if (!strstr(err.msg, "cannot be included") || !strstr(err.msg, why))
        fail_msg("unexpected: %s", err.msg);
    cpc_state_free(delta);
    cpc_state_free(delta2);
    free(skipped);
    free(skipped_codes);
    cpc_block_clear(&b);
}

static void register_worker(const struct fx_key *k, uint64_t stake)
{
    struct cpc_tx tx;
    register_tx(&tx, k, stake);
    step1(&tx, 0);
}

static struct cpc_worker worker_of(const struct fx_key *k)
{
    struct cpc_overlay ov;
    struct cpc_worker w;
    cpc_overlay_init(&ov, C.st, NULL);
    memset(&w, 0, sizeof w);
    cpc_market_get_worker(&ov, k->addr, &w);
    cpc_overlay_free(&ov);
    return w;
}

/* A SUBMIT_RESULT for task index of job, with a lease for `lease_to` (NULL: no lease). */
static void result_tx(struct cpc_tx *tx, const struct fx_key *k, const uint8_t job_id[32],
                      uint32_t index, const uint8_t *hash, size_t len, const struct fx_key *lease_to)
{
    lease_result_tx(tx, k, job_id, index, hash, len, lease_to, 20);
}

static uint64_t fee_of(enum cpc_tx_type t)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = t;
    tx.gas_price = 1;
    uint64_t f = 0;
    assert_int_equal(cpc_tx_fee(&tx, &f), 0);
    return f;
}

/* Fees of the txs whose gas grows with their payload (gas price 1). */
static uint64_t create_fee(const struct cpc_contract *c)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    tx.u.job_create.contract = *c;
    tx.gas_price = 1;
    uint64_t f = 0;
    assert_int_equal(cpc_tx_fee(&tx, &f), 0);
    return f;
}

static uint64_t extend_fee(uint32_t add_tasks)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_EXTEND;
    tx.u.job_extend.add_tasks = add_tasks;
    tx.gas_price = 1;
    uint64_t f = 0;
    assert_int_equal(cpc_tx_fee(&tx, &f), 0);
    return f;
}

static uint64_t escrow_balance(const uint8_t job_id[32])
{
    uint8_t e[20];
    struct cpc_account a;
    cpc_escrow_address(e, job_id);
    cpc_state_get(C.st, e, &a);
    return a.balance;
}

/* ---------------- tests ---------------- */

static void test_hashpow_paid_exactly(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 2, CPC(10));
    c.p.hashpow.bits = 8;
    uint64_t cust0 = acct(&C.customer).balance, w10 = acct(&C.w1).balance,
             tre0 = acct(&C.treasury).balance;
    uint8_t job[32];
    create_job(&c, job, 0);
    assert_int_equal(escrow_balance(job), CPC(20) + CPC(2));
    struct cpc_job j = job_of(job);
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t nb[8];
        solve_hashpow(job, i, 8, nb);
        struct cpc_tx tx;
        result_tx(&tx, &C.w1, job, i, nb, 8, &C.w1);
        step1(&tx, 0);
    }
    j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_COMPLETED);
    assert_int_equal(j.tasks_done, 2);
    assert_int_equal(escrow_balance(job), 0);
    uint64_t fr = fee_of(CPC_TX_SUBMIT_RESULT), fj = create_fee(&c);
    assert_int_equal(acct(&C.w1).balance, w10 + CPC(20) - 2 * fr);
    assert_int_equal(acct(&C.customer).balance, cust0 - CPC(22) - fj);
    assert_int_equal(acct(&C.treasury).balance, tre0 + CPC(2));
    assert_int_equal(worker_of(&C.w1).accepted, 2);
    assert_int_equal(worker_of(&C.w1).rejected, 0);
    /* a second result for a done task is refused without penalty */
    struct cpc_tx tx;
    uint8_t nb[8] = {0};
    result_tx(&tx, &C.w1, job, 0, nb, 8, &C.w1);
    step1(&tx, CPC_ERR_INVALID);
}

/* ---- the builder's oracle of its own lease signatures (apply.h) ---- */

struct oracle_rec {
    int calls;
    int say_yes; /* 1: vouch for anything (a lying oracle) */
    uint8_t digest[32], sig[64];
};

static bool oracle_known(void *arg, const uint8_t pub[CPC_PUBKEY_LEN], const uint8_t digest[32],
                         const uint8_t sig[CPC_SIG_LEN])
{
    struct oracle_rec *o = arg;
    o->calls++;
    if (o->say_yes)
        return true;
    return memcmp(pub, C.val.pub, CPC_PUBKEY_LEN) == 0 && memcmp(digest, o->digest, 32) == 0 &&
           memcmp(sig, o->sig, 64) == 0;
}

/* Build one block of tx with (or without) an oracle; code of the tx, header hash. */
static int build_one(const struct cpc_tx *tx, const struct cpc_lease_sig_oracle *o,
                     struct cpc_block *b, struct cpc_state **delta, uint8_t hash[32])
{
    const struct cpc_tx *ptrs[1] = {tx};
    struct cpc_err err = {0};
    struct cpc_block_request req = {.state = C.st, .prev = &C.prev, .params = &C.params,
                                    .time_ms = C.prev.time_ms + 1000, .candidates = ptrs,
                                    .n_candidates = 1, .signer = C.s, .validator_sk = C.val.sk,
                                    .lease_sigs = o};
    struct cpc_block_built built;
    int rc = cpc_block_assemble(&req, &built, &err);
    *b = built.block;
    *delta = built.delta;
    free(built.skipped);
    free(built.skipped_codes);
    if (rc)
        fail_msg("build: %s", err.msg);
    assert_int_equal(b->n_txs, 1);
    cpc_block_header_hash(&b->header, hash);
    return b->results[0].code;
}

static void test_lease_oracle_only_saves_verifies(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.cheat, CPC(100));
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 2, CPC(10));
    c.p.hashpow.bits = 4;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint8_t nb[8];
    solve_hashpow(job, 0, 4, nb);
    struct cpc_tx tx;
    result_tx(&tx, &C.w1, job, 0, nb, 8, &C.w1);
    const struct cpc_payload_submit_result *p = &tx.u.result;

    /* an honest oracle that knows the lease: same block as without it, one lookup */
    struct oracle_rec rec = {0};
    cpc_lease_digest(rec.digest, FX_CHAIN, p->task_id, C.w1.addr, p->lease_expires);
    memcpy(rec.sig, p->lease_sig, 64);
    struct cpc_lease_sig_oracle o = {.known = oracle_known, .arg = &rec};
    struct cpc_block b1, b2;
    struct cpc_state *d1 = NULL, *d2 = NULL, *d3 = NULL;
    uint8_t h1[32], h2[32];
    assert_int_equal(build_one(&tx, &o, &b1, &d1, h1), 0);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(build_one(&tx, NULL, &b2, &d2, h2), 0);
    assert_memory_equal(h1, h2, 32);
    struct cpc_err err = {0};
    assert_int_equal(cpc_apply_block(C.st, &C.prev, &b1, &C.params, C.val.pub, true, &d3, NULL,
                                     &err), 0);
    cpc_state_free(d1);
    cpc_state_free(d2);
    cpc_state_free(d3);
    d1 = d2 = d3 = NULL;
    cpc_block_clear(&b1);
    cpc_block_clear(&b2);
    cpc_tx_clear(&tx);

    /* a lease the oracle does not know is still verified: one signed by another
     * key is rejected (slashed) with or without the oracle */
    result_tx(&tx, &C.w1, job, 0, nb, 8, &C.w1);
    uint8_t wrong_sig[64];
    assert_int_equal(cpc_lease_sign(wrong_sig, C.s, C.cheat.sk, FX_CHAIN, tx.u.result.task_id,
                                    C.w1.addr, tx.u.result.lease_expires), 0);
    memcpy(tx.u.result.lease_sig, wrong_sig, 64);
    sign_from(&tx, &C.w1);
    rec.calls = 0;
    assert_int_equal(build_one(&tx, &o, &b1, &d1, h1), CPC_ERR_INVALID_RESULT);
    assert_int_equal(rec.calls, 1);
    cpc_state_free(d1);
    d1 = NULL;
    cpc_block_clear(&b1);

    /* an oracle that lies would let the builder accept it, but cpc_apply_block
     * (received blocks, replay) has no oracle and refuses that block */
    rec.say_yes = 1;
    assert_int_equal(build_one(&tx, &o, &b1, &d1, h1), 0);
    assert_int_not_equal(cpc_apply_block(C.st, &C.prev, &b1, &C.params, C.val.pub, true, &d3,
                                         NULL, &err), 0);
    assert_null(d3);
    cpc_state_free(d1);
    cpc_block_clear(&b1);
    cpc_tx_clear(&tx);
}

static void test_no_lease_and_wrong_holder_slashed(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.cheat, CPC(100));
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 1, CPC(10));
    c.p.hashpow.bits = 4;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint8_t nb[8];
    solve_hashpow(job, 0, 4, nb);
    uint64_t stake0 = acct(&C.cheat).stake, tre0 = acct(&C.treasury).balance;
    struct cpc_tx tx;
    result_tx(&tx, &C.cheat, job, 0, nb, 8, NULL); /* valid work, no lease */
    step1(&tx, CPC_ERR_INVALID_RESULT);
    result_tx(&tx, &C.cheat, job, 0, nb, 8, &C.w1); /* lease belongs to w1 */
    step1(&tx, CPC_ERR_INVALID_RESULT);
    assert_int_equal(acct(&C.cheat).stake, stake0 - 2 * CPC(1));
    assert_int_equal(acct(&C.treasury).balance, tre0 + 2 * CPC(1));
    assert_int_equal(worker_of(&C.cheat).rejected, 2);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_OPEN);
    /* the lease holder is paid */
    result_tx(&tx, &C.w1, job, 0, nb, 8, &C.w1);
    step1(&tx, 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);
    assert_int_equal(worker_of(&C.w1).rejected, 0);
}

/* A lease set (market.h): the validator signs one digest over the Merkle root of
 * the task ids leased together to one worker. */
static void sign_lease_set(const struct fx_key *to, const uint8_t job[32], const uint32_t *idx,
                           size_t n, uint64_t expires, uint8_t sig[64],
                           struct cpc_lease_set_ref *refs)
{
    uint8_t tids[8][16], root[32], d[32];
    for (size_t i = 0; i < n; i++)
        cpc_task_id(tids[i], job, idx[i]);
    assert_int_equal(cpc_lease_set_build(root, refs, (const uint8_t(*)[16])tids, n), 0);
    cpc_lease_set_digest(d, FX_CHAIN, to->addr, expires, (uint16_t)n, root);
    assert_int_equal(cpc_sign(C.s, sig, d, C.val.sk), 0);
}

static void set_result_tx(struct cpc_tx *tx, const struct fx_key *k, const uint8_t job[32],
                          uint32_t index, const uint8_t nb[8], uint64_t expires,
                          const uint8_t sig[64], const struct cpc_lease_set_ref *ref)
{
    result_tx(tx, k, job, index, nb, 8, NULL);
    struct cpc_payload_submit_result *p = &tx->u.result;
    p->has_lease = 2;
    p->lease_expires = expires;
    memcpy(p->lease_sig, sig, 64);
    p->lease_set = *ref;
    sign_from(tx, k);
}

static void test_lease_set_results(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.cheat, CPC(100));
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 3, CPC(10));
    c.p.hashpow.bits = 4;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint8_t nb[3][8];
    for (uint32_t i = 0; i < 3; i++)
        solve_hashpow(job, i, 4, nb[i]);
    uint64_t exp = C.prev.height + 20, stake0 = acct(&C.cheat).stake;
    const uint32_t all[3] = {0, 1, 2}, two[2] = {0, 1};
    uint8_t sig_w1[64], sig_cheat[64];
    struct cpc_lease_set_ref refs_w1[3], refs_cheat[2];
    sign_lease_set(&C.w1, job, all, 3, exp, sig_w1, refs_w1);
    sign_lease_set(&C.cheat, job, two, 2, exp, sig_cheat, refs_cheat);
    struct cpc_tx tx;
    /* w1's set member used by another worker */
    set_result_tx(&tx, &C.cheat, job, 0, nb[0], exp, sig_w1, &refs_w1[0]);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    /* the cheat's own set signature stretched to a task outside its set: task 2
     * claimed at index 1 with index 1's path folds to another root */
    set_result_tx(&tx, &C.cheat, job, 2, nb[2], exp, sig_cheat, &refs_cheat[1]);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    /* a tampered path or a later expiry */
    struct cpc_lease_set_ref bad = refs_cheat[0];
    bad.path[0][0] ^= 0x80;
    set_result_tx(&tx, &C.cheat, job, 0, nb[0], exp, sig_cheat, &bad);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    set_result_tx(&tx, &C.cheat, job, 0, nb[0], exp + 1, sig_cheat, &refs_cheat[0]);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    assert_int_equal(acct(&C.cheat).stake, stake0 - 4 * CPC(1));
    assert_int_equal(worker_of(&C.cheat).rejected, 4);
    /* the holder is paid for all three under the one signature */
    for (uint32_t i = 0; i < 3; i++) {
        set_result_tx(&tx, &C.w1, job, i, nb[i], exp, sig_w1, &refs_w1[i]);
        step1(&tx, 0);
    }
    assert_int_equal(job_of(job).status, CPC_JOB_COMPLETED);
    assert_int_equal(worker_of(&C.w1).accepted, 3);
    assert_int_equal(worker_of(&C.w1).rejected, 0);
}

/* Commit a matmul task for worker k with C (computed honestly unless lazy). */
static void matmul_commit(const struct fx_key *k, const uint8_t job[32], uint32_t index, int lazy,
                          int32_t **C_out, struct cpc_matmul_spec *spec)
{
    uint8_t root[32];
    matmul_work(job, index, lazy, C_out, spec, root);
    struct cpc_tx tx;
    result_tx(&tx, k, job, index, root, 32, k);
    step1(&tx, 0);
}

static void test_matmul_honest_lazy_and_missed_reveal(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.w2, CPC(100));
    register_worker(&C.cheat, CPC(100));
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_MATMUL, 3, CPC(10));
    c.p.matmul.m = 40;
    c.p.matmul.k = 24;
    c.p.matmul.n = 33;
    c.p.matmul.challenges = 8;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint64_t w1_0 = acct(&C.w1).balance, cheat_stake0 = acct(&C.cheat).stake;
    struct cpc_matmul_spec spec;
    int32_t *honest = NULL, *lazy = NULL, *skipped = NULL;

    matmul_commit(&C.w1, job, 0, 0, &honest, &spec);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_COMMITTED);
    matmul_reveal(&C.w1, job, 0, honest, &spec, 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);

    matmul_commit(&C.cheat, job, 1, 1, &lazy, &spec);
    matmul_reveal(&C.cheat, job, 1, lazy, &spec, CPC_ERR_INVALID_RESULT);
    assert_int_equal(task_of(job, 1).status, CPC_TASK_OPEN); /* reissued */
    assert_int_equal(acct(&C.cheat).stake, cheat_stake0 - CPC(1));

    matmul_commit(&C.cheat, job, 2, 0, &skipped, &spec); /* commits, never reveals */
    empty_blocks(CPC_REVEAL_WINDOW + 1);
    assert_int_equal(task_of(job, 2).status, CPC_TASK_OPEN);
    assert_int_equal(acct(&C.cheat).stake, cheat_stake0 - CPC(2));
    assert_int_equal(worker_of(&C.cheat).timed_out, 1);
    assert_int_equal(worker_of(&C.cheat).rejected, 2);

    /* failover: honest workers take over the reissued tasks, each paid exactly once */
    int32_t *c1 = NULL, *c2 = NULL;
    matmul_commit(&C.w2, job, 1, 0, &c1, &spec);
    matmul_reveal(&C.w2, job, 1, c1, &spec, 0);
    matmul_commit(&C.w1, job, 2, 0, &c2, &spec);
    matmul_reveal(&C.w1, job, 2, c2, &spec, 0);
    struct cpc_job j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_COMPLETED);
    assert_int_equal(escrow_balance(job), 0);
    uint64_t fr = fee_of(CPC_TX_SUBMIT_RESULT), fv = fee_of(CPC_TX_REVEAL);
    assert_int_equal(acct(&C.w1).balance, w1_0 + CPC(20) - 2 * (fr + fv));
    assert_int_equal(worker_of(&C.w1).rejected, 0);
    assert_int_equal(worker_of(&C.w2).rejected, 0);
    free(honest);
    free(lazy);
    free(skipped);
    free(c1);
    free(c2);
}

static void test_vanity(void **state)
{
    (void)state;
    register_worker(&C.w2, CPC(100));
    register_worker(&C.cheat, CPC(100));
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_VANITY, 2, CPC(5));
    memcpy(c.p.vanity.pubkey, C.customer.pub, 33);
    strcpy(c.p.vanity.prefix, "qq");
    uint8_t job[32];
    create_job(&c, job, 0);
    uint8_t start[32] = {0}, found[32], bad[32];
    start[31] = 1;
    assert_int_equal(cpc_vanity_search(C.customer.pub, "qq", start, 1u << 20, found), 0);
    memcpy(bad, found, 32);
    bad[31] ^= 1;
    struct cpc_tx tx;
    uint64_t stake0 = acct(&C.cheat).stake;
    result_tx(&tx, &C.cheat, job, 0, bad, 32, &C.cheat);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    assert_int_equal(acct(&C.cheat).stake, stake0 - CPC(1) / 2);
    /* the lease holder's rejection counts an attempt (the scheduler reissues on it) */
    assert_int_equal(task_of(job, 0).attempts, 1);
    uint64_t w2_0 = acct(&C.w2).balance;
    result_tx(&tx, &C.w2, job, 0, found, 32, &C.w2);
    step1(&tx, 0);
    assert_int_equal(acct(&C.w2).balance, w2_0 + CPC(5) - fee_of(CPC_TX_SUBMIT_RESULT));
    /* the same key copied onto the other task is not paid again: rejected and slashed */
    result_tx(&tx, &C.cheat, job, 1, found, 32, &C.cheat);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    assert_int_equal(acct(&C.cheat).stake, stake0 - CPC(1));
    assert_int_equal(task_of(job, 1).status, CPC_TASK_OPEN);
    assert_int_equal(job_of(job).status, CPC_JOB_ACTIVE);
    /* a stranger without the lease does not cost the holder an attempt */
    result_tx(&tx, &C.cheat, job, 1, bad, 32, NULL);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    assert_int_equal(task_of(job, 1).attempts, 1);
}

static void exec_contract(struct cpc_contract *c)
{
    exec_contract_of(c, CPC(3), 3);
}

/* w1, w2 and cheat registered with 100 CPC each, then an exec_contract job; job <- its id. */
static void exec_job_of_three(uint8_t job[32])
{
    register_worker(&C.w1, CPC(100));
    register_worker(&C.w2, CPC(100));
    register_worker(&C.cheat, CPC(100));
    struct cpc_contract c;
    exec_contract(&c);
    create_job(&c, job, 0);
}

/* The customer sends the validator 1 CPC (for its VERDICTs' fees). */
static void fund_validator(void)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    memcpy(tx.u.transfer.to, C.val.addr, 20);
    tx.u.transfer.amount = CPC(1);
    sign_from(&tx, &C.customer);
    step1(&tx, 0);
}

/* The validator's VERDICT on task 0 of job (accept: hash, len bytes, is the
 * result); its code must be expect. */
static void verdict(const uint8_t job[32], int accept, const uint8_t *hash, size_t len, int expect)
{
    struct cpc_tx v;
    memset(&v, 0, sizeof v);
    v.type = CPC_TX_VERDICT;
    cpc_task_id(v.u.verdict.task_id, job, 0);
    v.u.verdict.accept = (uint8_t)accept;
    if (len)
        memcpy(v.u.verdict.result_hash, hash, len);
    v.u.verdict.result_hash_len = (uint8_t)len;
    sign_from(&v, &C.val);
    step1(&v, expect);
}

/* The exec replica's commitment to result under salt (what its SUBMIT_RESULT carries). */
static void commit_of(uint8_t out[32], const struct fx_key *k, const uint8_t *result, size_t len,
                      const uint8_t salt[32])
{
    cpc_exec_commitment(out, result, len, k->addr, salt);
}

/* Regression: a replica quorum over public values pays copies. One worker
 * submits random bytes, two others copy them: three equal "results", and
 * before commit-reveal all three were paid from the customer's escrow for
 * garbage. Now an exec SUBMIT_RESULT is a commitment that binds its worker:
 * random bytes open to nothing, a copy cannot be opened by the copier, so
 * the reveal phase ends with no revealed result, every committer is
 * slashed, no one is paid and the task opens again. (Written with
 * SUBMIT_RESULT and empty blocks only, so it runs against the old rule too.) */
static void test_exec_copied_results_not_paid(void **state)
{
    (void)state;
    const struct fx_key *who[3] = {&C.cheat, &C.w1, &C.w2};
    for (int i = 0; i < 3; i++)
        register_worker(who[i], CPC(100));
    struct cpc_contract c;
    exec_contract(&c);
    uint8_t job[32];
    create_job(&c, job, 0);
    uint64_t esc0 = escrow_balance(job), tre0 = acct(&C.treasury).balance;
    uint64_t bal0[3], stake0[3];
    for (int i = 0; i < 3; i++) {
        bal0[i] = acct(who[i]).balance;
        stake0[i] = acct(who[i]).stake;
    }
    uint8_t junk[32];
    for (int i = 0; i < 32; i++)
        junk[i] = (uint8_t)(i * 37 + 11); /* "random bytes"; the two copies take them verbatim */
    struct cpc_tx txs[3];
    for (int i = 0; i < 3; i++)
        result_tx(&txs[i], who[i], job, 0, junk, 32, who[i]);
    int codes[3];
    step(txs, 3, codes);
    empty_blocks(CPC_REVEAL_WINDOW + 1);
    for (int i = 0; i < 3; i++) {
        /* not paid for the copy: only the fee left the balance; slashed for no reveal */
        assert_int_equal(acct(who[i]).balance, bal0[i] - fee_of(CPC_TX_SUBMIT_RESULT));
        assert_int_equal(acct(who[i]).stake, stake0[i] - CPC(3) / 10);
        assert_int_equal(worker_of(who[i]).accepted, 0);
    }
    assert_int_equal(escrow_balance(job), esc0); /* the customer paid nothing */
    assert_int_equal(acct(&C.treasury).balance, tre0 + 3 * (CPC(3) / 10));
    struct cpc_task t = task_of(job, 0);
    assert_int_equal(t.status, CPC_TASK_OPEN);  /* runs again */
    assert_int_equal(t.n_results, 0);
    assert_int_equal(job_of(job).tasks_done, 0);
    assert_int_equal(job_of(job).tasks_committed, 0);
}

/* The copier waits for the committer's reveal and replays its result and
 * salt: the commitment binds the committer's address, so it still does not
 * open. The copies are slashed (a failed reveal at once, a silent committer at
 * the deadline), the garbage alone is no majority: nobody is paid. */
static void test_exec_copied_commitment_cannot_reveal(void **state)
{
    (void)state;
    uint8_t job[32];
    exec_job_of_three(job);
    uint64_t esc0 = escrow_balance(job), cheat_stake0 = acct(&C.cheat).stake;
    uint64_t w1_stake0 = acct(&C.w1).stake, w2_stake0 = acct(&C.w2).stake;
    uint8_t garbage[20], salt[32], cg[32];
    memset(garbage, 0x66, sizeof garbage);
    memset(salt, 0x5A, sizeof salt);
    commit_of(cg, &C.cheat, garbage, sizeof garbage, salt);
    struct cpc_tx txs[3];
    result_tx(&txs[0], &C.cheat, job, 0, cg, 32, &C.cheat);
    result_tx(&txs[1], &C.w1, job, 0, cg, 32, &C.w1); /* copied from the block */
    result_tx(&txs[2], &C.w2, job, 0, cg, 32, &C.w2);
    int codes[3];
    step(txs, 3, codes);
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[2], 0);
    struct cpc_task t = task_of(job, 0);
    assert_int_equal(t.status, CPC_TASK_COMMITTED); /* the commit window closed */
    assert_int_equal(t.results[1].state, CPC_REPLICA_COMMITTED);
    assert_int_equal(job_of(job).tasks_committed, 1);

    reveal_tx(&txs[0], &C.cheat, job, 0, garbage, sizeof garbage, salt);
    reveal_tx(&txs[1], &C.w1, job, 0, garbage, sizeof garbage, salt); /* replays the public reveal */
    step(txs, 2, codes);
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[1], CPC_ERR_INVALID_RESULT);
    assert_int_equal(acct(&C.w1).stake, w1_stake0 - CPC(3) / 10);
    t = task_of(job, 0);
    assert_int_equal(t.results[0].state, CPC_REPLICA_REVEALED);
    assert_int_equal(t.results[1].state, CPC_REPLICA_REJECTED);
    assert_int_equal(t.status, CPC_TASK_COMMITTED); /* w2 may still reveal */
    empty_blocks(CPC_EXEC_REVEAL_WINDOW);
    /* one revealed value of three: no majority; it is public now, so the task
     * is not run again (a new round would pay its copies): disputed */
    t = task_of(job, 0);
    assert_int_equal(t.status, CPC_TASK_CLOSED);
    assert_int_equal(t.n_results, 3);
    assert_int_equal(t.attempts, 1);
    assert_int_equal(t.results[2].state, CPC_REPLICA_REJECTED); /* silent: slashed once */
    assert_int_equal(acct(&C.w2).stake, w2_stake0 - CPC(3) / 10);
    assert_int_equal(worker_of(&C.w2).timed_out, 1);
    assert_int_equal(worker_of(&C.w1).rejected, 1);
    assert_int_equal(acct(&C.cheat).stake, cheat_stake0); /* undecided, not paid either */
    assert_int_equal(worker_of(&C.cheat).accepted, 0);
    assert_int_equal(escrow_balance(job), esc0);
    assert_int_equal(job_of(job).tasks_committed, 0);
    /* a commitment to the now-public value is refused */
    uint8_t c2[32];
    commit_of(c2, &C.w2, garbage, sizeof garbage, salt);
    result_tx(&txs[0], &C.w2, job, 0, c2, 32, &C.w2);
    step1(&txs[0], CPC_ERR_INVALID);
    /* the validator rejects the dispute: the garbage is slashed, the task runs again */
    fund_validator();
    verdict(job, 0, NULL, 0, 0);
    t = task_of(job, 0);
    assert_int_equal(t.status, CPC_TASK_OPEN);
    assert_int_equal(t.n_results, 0);
    assert_int_equal(acct(&C.cheat).stake, cheat_stake0 - CPC(3) / 10);
    assert_int_equal(acct(&C.w2).stake, w2_stake0 - CPC(3) / 10); /* not slashed twice */
    assert_int_equal(escrow_balance(job), esc0);
}

/* With two replicas one saboteur could make round one fail, read the honest
 * replica's reveal and copy it into round two. A round without a majority
 * that revealed something is not run again: the task is disputed until the
 * validator's VERDICT, which pays the honest reveal and slashes the other. */
static void test_exec_no_second_round_after_a_reveal(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.cheat, CPC(100));
    struct cpc_contract c;
    exec_contract(&c);
    c.replication = 2;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint8_t good[32], junk[32], sg[32], sj[32], cg[32], cj[32];
    memset(good, 0x44, 32);
    memset(junk, 0x99, 32);
    memset(sg, 0xA1, 32);
    memset(sj, 0xB2, 32);
    commit_of(cg, &C.w1, good, 32, sg);
    commit_of(cj, &C.cheat, junk, 32, sj);
    struct cpc_tx txs[2];
    result_tx(&txs[0], &C.w1, job, 0, cg, 32, &C.w1);
    result_tx(&txs[1], &C.cheat, job, 0, cj, 32, &C.cheat);
    int codes[2];
    step(txs, 2, codes);
    reveal_tx(&txs[0], &C.w1, job, 0, good, 32, sg);
    reveal_tx(&txs[1], &C.cheat, job, 0, junk, 32, sj);
    step(txs, 2, codes);
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[1], 0);
    struct cpc_task t = task_of(job, 0);
    assert_int_equal(t.status, CPC_TASK_CLOSED); /* 1 of 2 is no majority: disputed */
    uint64_t cheat_bal = acct(&C.cheat).balance, cheat_stake = acct(&C.cheat).stake;
    uint64_t esc = escrow_balance(job);
    /* the saboteur copies the honest value (public since the reveal) into a new commitment */
    uint8_t copy[32], s2[32];
    memset(s2, 0xC3, 32);
    commit_of(copy, &C.cheat, good, 32, s2);
    result_tx(&txs[0], &C.cheat, job, 0, copy, 32, &C.cheat);
    step1(&txs[0], CPC_ERR_INVALID);
    assert_int_equal(acct(&C.cheat).balance, cheat_bal - fee_of(CPC_TX_SUBMIT_RESULT));
    assert_int_equal(escrow_balance(job), esc);
    /* the validator settles the dispute */
    fund_validator();
    uint64_t w1_bal = acct(&C.w1).balance;
    verdict(job, 1, good, 32, 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);
    assert_int_equal(acct(&C.w1).balance, w1_bal + CPC(3));
    assert_int_equal(acct(&C.cheat).stake, cheat_stake - CPC(3) / 10);
    assert_int_equal(job_of(job).status, CPC_JOB_COMPLETED);
    assert_int_equal(escrow_balance(job), 0);
    /* and only once */
    verdict(job, 0, NULL, 0, CPC_ERR_INVALID);
}

/* Honest majority under commit-reveal: reveals only after the commit window
 * closed (not includable during it, nor in the block that closes it), the
 * last reveal settles: the majority paid, the minority slashed. */
static void test_exec_quorum(void **state)
{
    (void)state;
    uint8_t job[32];
    exec_job_of_three(job);
    uint8_t good[32], evil[32], s1[32], s2[32], s3[32], c1[32], c2[32], c3[32];
    memset(good, 0x11, 32);
    memset(evil, 0x22, 32);
    memset(s1, 1, 32);
    memset(s2, 2, 32);
    memset(s3, 3, 32);
    commit_of(c1, &C.w1, good, 32, s1);
    commit_of(c2, &C.w2, good, 32, s2);
    commit_of(c3, &C.cheat, evil, 32, s3);
    assert_memory_not_equal(c1, c2, 32); /* same result, different workers and salts */
    uint64_t w1_0 = acct(&C.w1).balance, stake0 = acct(&C.cheat).stake;
    struct cpc_tx txs[3];
    result_tx(&txs[0], &C.w1, job, 0, c1, 32, &C.w1);
    result_tx(&txs[1], &C.cheat, job, 0, c3, 32, &C.cheat);
    int codes[3];
    step(txs, 2, codes);
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[1], 0);
    /* a commitment is 32 bytes */
    result_tx(&txs[0], &C.w2, job, 0, good, 16, &C.w2);
    step1(&txs[0], CPC_ERR_INVALID_RESULT);
    /* the commit window is open: a reveal is not even includable (its result
     * would be on chain while commitments can still come); no fee, no nonce */
    uint64_t w1_nonce = acct(&C.w1).nonce;
    result_tx(&txs[0], &C.w2, job, 0, c2, 32, &C.w2); /* (kept for the next block) */
    reveal_tx(&txs[1], &C.w1, job, 0, good, 32, s1);
    struct cpc_tx early = txs[1];
    memset(&txs[1], 0, sizeof txs[1]);
    step_skipping(&early, 1, 0, codes);
    assert_int_equal(acct(&C.w1).nonce, w1_nonce);
    expect_block_refused(&early, "commit window is open"); /* another producer's block */
    /* the third commitment closes the window; a reveal in that same block is skipped too */
    txs[1] = early;
    step_skipping(txs, 2, 1, codes);
    assert_int_equal(codes[0], 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_COMMITTED);
    assert_int_equal(acct(&C.w1).nonce, w1_nonce);
    /* no fourth commitment once the window closed */
    result_tx(&txs[0], &C.customer, job, 0, c2, 32, &C.customer);
    step1(&txs[0], CPC_ERR_INVALID);
    /* the reveals: the last one settles the quorum */
    reveal_tx(&txs[0], &C.w1, job, 0, good, 32, s1);
    reveal_tx(&txs[1], &C.w2, job, 0, good, 32, s2);
    reveal_tx(&txs[2], &C.cheat, job, 0, evil, 32, s3);
    step(txs, 3, codes);
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[1], 0);
    assert_int_equal(codes[2], CPC_ERR_INVALID_RESULT); /* its reveal settled: outvoted */
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);
    assert_int_equal(acct(&C.cheat).stake, stake0 - CPC(3) / 10);
    assert_int_equal(worker_of(&C.cheat).rejected, 1);
    assert_int_equal(acct(&C.w1).balance,
                     w1_0 + CPC(3) - fee_of(CPC_TX_SUBMIT_RESULT) - fee_of(CPC_TX_RESULT_REVEAL));
    assert_int_equal(job_of(job).status, CPC_JOB_COMPLETED);
    assert_int_equal(job_of(job).tasks_committed, 0);
    assert_int_equal(escrow_balance(job), 0);
    /* a reveal after the settlement */
    reveal_tx(&txs[0], &C.w1, job, 0, good, 32, s1);
    step1(&txs[0], CPC_ERR_INVALID);
}

/* Who may reveal what, what the views show, and VERDICT under commit-reveal. */
static void test_exec_reveal_rules_views_and_verdict(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.w2, CPC(100));
    struct cpc_contract c;
    exec_contract(&c);
    c.replication = 2;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint8_t good[8], s1[32], s2[32], c1[32], c2[32];
    memset(good, 0x77, sizeof good);
    memset(s1, 9, 32);
    memset(s2, 8, 32);
    commit_of(c1, &C.w1, good, sizeof good, s1);
    commit_of(c2, &C.w2, good, sizeof good, s2);
    struct cpc_tx txs[2];
    fund_validator(); /* the validator pays its VERDICTs' fees */
    result_tx(&txs[0], &C.w1, job, 0, c1, 32, &C.w1);
    step1(&txs[0], 0);
    /* the commit phase: a VERDICT has nothing to judge yet */
    verdict(job, 1, good, sizeof good, CPC_ERR_INVALID);
    /* the view: the worker and its commitment, no result */
    struct cpc_task t = task_of(job, 0);
    json_t *j = cpc_task_to_json(&t);
    json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "state")), "committed");
    assert_non_null(json_object_get(r0, "commitment"));
    assert_null(json_object_get(r0, "result_hash"));
    json_decref(j);

    result_tx(&txs[0], &C.w2, job, 0, c2, 32, &C.w2);
    step1(&txs[0], 0);
    /* only a committer reveals, and once */
    reveal_tx(&txs[0], &C.cheat, job, 0, good, sizeof good, s1);
    step1(&txs[0], CPC_ERR_UNAUTHORIZED);
    reveal_tx(&txs[0], &C.w1, job, 0, good, sizeof good, s1);
    step1(&txs[0], 0);
    reveal_tx(&txs[0], &C.w1, job, 0, good, sizeof good, s1);
    step1(&txs[0], CPC_ERR_DUPLICATE);
    t = task_of(job, 0);
    j = cpc_task_to_json(&t);
    r0 = json_array_get(json_object_get(j, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "state")), "revealed");
    assert_string_equal(json_string_value(json_object_get(r0, "result_hash")), "7777777777777777");
    assert_null(json_object_get(json_array_get(json_object_get(j, "results"), 1), "result_hash"));
    json_decref(j);
    /* the validator settles the reveal phase: w1's revealed value paid, silent w2 slashed */
    uint64_t w1_0 = acct(&C.w1).balance, w2_stake0 = acct(&C.w2).stake;
    verdict(job, 1, good, sizeof good, 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_DONE);
    assert_int_equal(acct(&C.w1).balance, w1_0 + CPC(3));
    assert_int_equal(acct(&C.w2).stake, w2_stake0 - CPC(3) / 10);
    assert_int_equal(job_of(job).status, CPC_JOB_COMPLETED);
    assert_int_equal(job_of(job).tasks_committed, 0);
}

static void test_cancel_and_expiry_refund(void **state)
{
    (void)state;
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 4, CPC(10));
    c.p.hashpow.bits = 30;
    uint64_t cust0 = acct(&C.customer).balance;
    uint8_t job[32];
    create_job(&c, job, 0);
    cancel_job(&C.w1, job, CPC_ERR_UNAUTHORIZED); /* not the creator */
    cancel_job(&C.customer, job, 0);
    assert_int_equal(job_of(job).status, CPC_JOB_CANCELLED);
    assert_int_equal(escrow_balance(job), 0);
    assert_int_equal(task_of(job, 3).status, CPC_TASK_CLOSED);
    assert_int_equal(acct(&C.customer).balance,
                     cust0 - create_fee(&c) - fee_of(CPC_TX_JOB_CANCEL));

    /* expiry */
    c.deadline_blocks = 3;
    cust0 = acct(&C.customer).balance;
    create_job(&c, job, 0);
    empty_blocks(3);
    assert_int_equal(job_of(job).status, CPC_JOB_EXPIRED);
    assert_int_equal(escrow_balance(job), 0);
    assert_int_equal(acct(&C.customer).balance, cust0 - create_fee(&c));
}

static void extend_tx(struct cpc_tx *tx, const struct fx_key *k, const uint8_t job[32],
                      uint64_t add_blocks, uint32_t add_tasks)
{
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_JOB_EXTEND;
    memcpy(tx->u.job_extend.job_id, job, 32);
    tx->u.job_extend.add_blocks = add_blocks;
    tx->u.job_extend.add_tasks = add_tasks;
    sign_from(tx, k);
}

static void test_extend_deadline_and_tasks(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 1, CPC(10));
    c.p.hashpow.bits = 8;
    c.deadline_blocks = 4;
    c.max_budget = CPC(11); /* exactly budget + commission: extension raises it */
    uint64_t cust0 = acct(&C.customer).balance, w10 = acct(&C.w1).balance,
             tre0 = acct(&C.treasury).balance;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint64_t created = job_of(job).created_height;
    struct cpc_tx tx;
    /* not the creator; nothing to extend */
    extend_tx(&tx, &C.w1, job, 10, 0);
    step1(&tx, CPC_ERR_UNAUTHORIZED);
    /* +6 blocks and +2 tasks: 2 x 10 CPC + 10% more escrow */
    extend_tx(&tx, &C.customer, job, 6, 2);
    step1(&tx, 0);
    struct cpc_job j = job_of(job);
    assert_int_equal(j.contract.tasks, 3);
    assert_int_equal(j.contract.deadline_blocks, 10);
    assert_true(j.contract.max_budget >= CPC(33));
    assert_int_equal(escrow_balance(job), CPC(33));
    assert_int_equal(acct(&C.customer).balance,
                     cust0 - CPC(33) - create_fee(&c) - extend_fee(2));
    assert_int_equal(task_of(job, 2).status, CPC_TASK_OPEN);
    assert_int_equal(task_of(job, 2).index, 2);
    /* run past the old deadline (created + 4): still active */
    while (C.prev.height < created + 5)
        empty_blocks(1);
    assert_int_equal(job_of(job).status, CPC_JOB_ACTIVE);
    /* the new tasks complete and the job with them */
    for (uint32_t i = 0; i < 3; i++) {
        uint8_t nb[8];
        solve_hashpow(job, i, 8, nb);
        result_tx(&tx, &C.w1, job, i, nb, 8, &C.w1);
        step1(&tx, 0);
    }
    j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_COMPLETED);
    assert_int_equal(j.tasks_done, 3);
    assert_int_equal(escrow_balance(job), 0);
    assert_int_equal(acct(&C.w1).balance,
                     w10 + CPC(30) - 3 * fee_of(CPC_TX_SUBMIT_RESULT) - fee_of(CPC_TX_JOB_EXTEND));
    assert_int_equal(acct(&C.treasury).balance, tre0 + CPC(3));
    /* a completed job is not active any more */
    extend_tx(&tx, &C.customer, job, 5, 0);
    step1(&tx, CPC_ERR_INVALID);
}

static void test_extend_then_expire_at_new_deadline(void **state)
{
    (void)state;
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 2, CPC(10));
    c.p.hashpow.bits = 40;
    c.deadline_blocks = 3;
    uint64_t cust0 = acct(&C.customer).balance;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint64_t created = job_of(job).created_height;
    struct cpc_tx tx;
    extend_tx(&tx, &C.customer, job, 5, 1);
    step1(&tx, 0);
    assert_int_equal(escrow_balance(job), CPC(33));
    while (C.prev.height < created + 7)
        empty_blocks(1);
    assert_int_equal(job_of(job).status, CPC_JOB_ACTIVE); /* old deadline created+3 ignored */
    empty_blocks(1);                                      /* created + 8 */
    assert_int_equal(job_of(job).status, CPC_JOB_EXPIRED);
    assert_int_equal(task_of(job, 2).status, CPC_TASK_CLOSED);
    assert_int_equal(escrow_balance(job), 0);
    assert_int_equal(acct(&C.customer).balance,
                     cust0 - create_fee(&c) - extend_fee(1));
    /* an expired job cannot be extended; beyond the maximum deadline is refused */
    extend_tx(&tx, &C.customer, job, 5, 0);
    step1(&tx, CPC_ERR_INVALID);
    c.deadline_blocks = CPC_MAX_DEADLINE_BLOCKS - 1;
    create_job(&c, job, 0);
    extend_tx(&tx, &C.customer, job, 2, 0);
    step1(&tx, CPC_ERR_INVALID);
    extend_tx(&tx, &C.customer, job, 0, CPC_MAX_TASKS);
    step1(&tx, CPC_ERR_INVALID);
    /* unaffordable tasks: the tx fails, nothing moves but the fee */
    uint64_t e0 = escrow_balance(job);
    struct cpc_err err = {0};
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_EXTEND;
    memcpy(tx.u.job_extend.job_id, job, 32);
    assert_int_equal(cpc_tx_check_payload(&tx, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "both be 0"));
    extend_tx(&tx, &C.customer, job, 0, 99998);
    step1(&tx, CPC_ERR_INSUFFICIENT_BALANCE);
    assert_int_equal(escrow_balance(job), e0);
    assert_int_equal(job_of(job).contract.tasks, 2);
}

/* ---------------- synthetic ---------------- */

static void block_hash_of(uint64_t h, uint8_t out[32])
{
    if (h == C.prev.height) {
        memcpy(out, C.prev_hash, 32);
        return;
    }
    struct cpc_overlay ov;
    uint8_t key[CPC_KEY_MAX];
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_overlay_init(&ov, C.st, NULL);
    assert_int_equal(cpc_overlay_obj_get(&ov, key, cpc_key_blockhash(key, h), &b), 0);
    memcpy(out, b.data, 32);
    cpc_overlay_free(&ov);
    cpc_buf_free(&b);
}

/* A synthetic commit by k for height h (tx not yet applied); C (n x n) in *C_out. */
static void synth_commit_tx(struct cpc_tx *tx, const struct fx_key *k, uint64_t h, int lazy,
                            int32_t **C_out, struct cpc_matmul_spec *spec)
{
    uint8_t bh[32];
    block_hash_of(h, bh);
    cpc_synthetic_seed(spec->seed, bh, k->addr);
    spec->m = spec->k = spec->n = 24;
    int8_t *A = malloc(24 * 24), *B = malloc(24 * 24);
    int32_t *Cm = malloc(24 * 24 * sizeof *Cm);
    cpc_matmul_gen_a(spec, A);
    cpc_matmul_gen_b(spec, B);
    cpc_matmul_reference(spec, A, B, Cm);
    if (lazy)
        for (size_t i = 0; i < 24 * 24; i++)
            Cm[i] = (int32_t)(i * 2654435761u);
    uint8_t res[40];
    assert_int_equal(cpc_matmul_commit(spec, Cm, res), 0);
    for (int i = 0; i < 8; i++)
        res[32 + i] = (uint8_t)(h >> (56 - 8 * i));
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_SUBMIT_RESULT;
    cpc_synthetic_task_id(tx->u.result.task_id, h, k->addr);
    memcpy(tx->u.result.result_hash, res, 40);
    tx->u.result.result_hash_len = 40;
    memcpy(tx->u.result.worker, k->addr, 20);
    sign_from(tx, k);
    free(A);
    free(B);
    *C_out = Cm;
}

static struct cpc_task synth_task(const struct fx_key *k, uint64_t h)
{
    struct cpc_overlay ov;
    struct cpc_task t;
    uint8_t tid[16];
    cpc_synthetic_task_id(tid, h, k->addr);
    cpc_overlay_init(&ov, C.st, NULL);
    assert_int_equal(cpc_market_get_task(&ov, tid, &t), 0);
    cpc_overlay_free(&ov);
    return t;
}

/* The REVEAL of k's synthetic task for h (tx not yet applied). */
static void synth_reveal_tx(struct cpc_tx *tx, const struct fx_key *k, uint64_t h, const int32_t *Cm,
                            const struct cpc_matmul_spec *spec)
{
    struct cpc_task t = synth_task(k, h);
    uint8_t bh[32], cseed[32];
    block_hash_of(t.commit_height, bh);
    cpc_challenge_seed(cseed, bh, t.id);
    uint32_t rows[6];
    struct cpc_merkle_proof proofs[6];
    cpc_matmul_challenge(cseed, spec->m, 6, rows);
    assert_int_equal(cpc_matmul_prove(spec, Cm, rows, 6, proofs), 0);
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_REVEAL;
    memcpy(tx->u.reveal.task_id, t.id, 16);
    tx->u.reveal.count = 6;
    assert_int_equal(cpc_reveal_pack(proofs, 6, &tx->ext, &tx->ext_len), 0);
    sign_from(tx, k);
}

static void test_synthetic_paid_from_pool_with_cap(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.w2, CPC(100));
    register_worker(&C.cheat, CPC(100));
    const struct fx_key *ks[3] = {&C.w1, &C.w2, &C.cheat};
    uint64_t bal0[3], pool0 = acct(&C.pool).balance, tre0 = acct(&C.treasury).balance;
    int32_t *Cm[3];
    struct cpc_matmul_spec spec[3];
    struct cpc_tx txs[3];
    int codes[3];
    uint64_t h = C.prev.height;
    for (int i = 0; i < 3; i++) {
        bal0[i] = acct(ks[i]).balance;
        synth_commit_tx(&txs[i], ks[i], h, 0, &Cm[i], &spec[i]);
    }
    step(txs, 3, codes);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(codes[i], 0);
        cpc_tx_clear(&txs[i]);
        struct cpc_task t = synth_task(ks[i], h);
        assert_int_equal(t.status, CPC_TASK_COMMITTED);
        assert_memory_equal(t.worker, ks[i]->addr, 20);
    }
    /* one synthetic task per (height, worker) */
    int32_t *dup;
    struct cpc_matmul_spec dspec;
    synth_commit_tx(&txs[0], &C.w1, h, 0, &dup, &dspec);
    step1(&txs[0], CPC_ERR_DUPLICATE);
    free(dup);
    /* all three reveal in one block: the cap pays two, the third is accepted unpaid */
    for (int i = 0; i < 3; i++)
        synth_reveal_tx(&txs[i], ks[i], h, Cm[i], &spec[i]);
    step(txs, 3, codes);
    uint64_t fr = fee_of(CPC_TX_SUBMIT_RESULT), fv = fee_of(CPC_TX_REVEAL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(codes[i], 0);
        cpc_tx_clear(&txs[i]);
        assert_int_equal(synth_task(ks[i], h).status, i < 2 ? CPC_TASK_DONE : CPC_TASK_UNPAID);
        assert_int_equal(worker_of(ks[i]).accepted, 1);
        uint64_t extra = (i == 0) ? fr : 0; /* w1's duplicate */
        assert_int_equal(acct(ks[i]).balance, bal0[i] + (i < 2 ? CPC(1) : 0) - fr - fv - extra);
    }
    assert_int_equal(acct(&C.pool).balance, pool0 - CPC(2));
    assert_int_equal(acct(&C.treasury).balance, tre0); /* no commission on pool rewards */
    /* the next block pays again; the pool (3 CPC) then runs dry */
    h = C.prev.height;
    synth_commit_tx(&txs[0], &C.cheat, h, 0, &dup, &dspec);
    free(Cm[0]);
    synth_commit_tx(&txs[1], &C.w2, h, 0, &Cm[0], &spec[0]);
    step(txs, 2, codes);
    cpc_tx_clear(&txs[0]);
    cpc_tx_clear(&txs[1]);
    synth_reveal_tx(&txs[0], &C.cheat, h, dup, &dspec);
    synth_reveal_tx(&txs[1], &C.w2, h, Cm[0], &spec[0]);
    step(txs, 2, codes);
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[1], 0);
    cpc_tx_clear(&txs[0]);
    cpc_tx_clear(&txs[1]);
    assert_int_equal(synth_task(&C.cheat, h).status, CPC_TASK_DONE);
    assert_int_equal(synth_task(&C.w2, h).status, CPC_TASK_UNPAID);
    assert_int_equal(acct(&C.pool).balance, 0);
    free(dup);
    for (int i = 0; i < 3; i++)
        free(Cm[i]);
}

static void test_synthetic_lazy_missed_and_unavailable(void **state)
{
    (void)state;
    register_worker(&C.w1, CPC(100));
    register_worker(&C.cheat, CPC(100));
    uint64_t stake0 = acct(&C.cheat).stake, pool0 = acct(&C.pool).balance,
             tre0 = acct(&C.treasury).balance;
    struct cpc_tx tx;
    int32_t *lazy, *skip, *c3;
    struct cpc_matmul_spec s1, s2, s3;
    /* lazy: random C, rejected at the reveal and slashed 10% of the reward */
    uint64_t h = C.prev.height;
    synth_commit_tx(&tx, &C.cheat, h, 1, &lazy, &s1);
    step1(&tx, 0);
    synth_reveal_tx(&tx, &C.cheat, h, lazy, &s1);
    step1(&tx, CPC_ERR_INVALID_RESULT);
    assert_int_equal(synth_task(&C.cheat, h).status, CPC_TASK_CLOSED);
    assert_int_equal(acct(&C.cheat).stake, stake0 - CPC(1) / 10);
    assert_int_equal(worker_of(&C.cheat).rejected, 1);
    /* commits and never reveals: slashed at the deadline, counted timed out */
    h = C.prev.height;
    synth_commit_tx(&tx, &C.cheat, h, 0, &skip, &s2);
    step1(&tx, 0);
    empty_blocks(CPC_REVEAL_WINDOW + 1);
    assert_int_equal(synth_task(&C.cheat, h).status, CPC_TASK_CLOSED);
    assert_int_equal(acct(&C.cheat).stake, stake0 - 2 * (CPC(1) / 10));
    assert_int_equal(worker_of(&C.cheat).timed_out, 1);
    assert_int_equal(acct(&C.pool).balance, pool0);
    assert_int_equal(acct(&C.treasury).balance, tre0 + 2 * (CPC(1) / 10));
    /* a height whose hash is not available (the block being built, or later): refused */
    synth_commit_tx(&tx, &C.w1, C.prev.height, 0, &c3, &s3);
    uint64_t hbad = C.prev.height + 1;
    cpc_synthetic_task_id(tx.u.result.task_id, hbad, C.w1.addr);
    for (int i = 0; i < 8; i++)
        tx.u.result.result_hash[32 + i] = (uint8_t)(hbad >> (56 - 8 * i));
    sign_from(&tx, &C.w1);
    step1(&tx, CPC_ERR_INVALID);
    assert_int_equal(worker_of(&C.w1).rejected, 0);
    /* a 40-byte result under another id is only recorded, as before */
    free(c3);
    synth_commit_tx(&tx, &C.w1, C.prev.height, 0, &c3, &s3);
    tx.u.result.task_id[0] ^= 1;
    sign_from(&tx, &C.w1);
    step1(&tx, 0);
    free(lazy);
    free(skip);
    free(c3);
}

struct dl_census {
    size_t records, largest;
};

static int count_deadline_records(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                                  int tombstone, void *arg)
{
    (void)klen, (void)val;
    struct dl_census *c = arg;
    if (!tombstone && key[0] == CPC_KEY_DEADLINE) {
        c->records++;
        if (vlen > c->largest)
            c->largest = vlen;
    }
    return 0;
}

static size_t deadline_records(void)
{
    struct dl_census c = {0};
    cpc_state_obj_foreach(C.st, count_deadline_records, &c);
    return c.records;
}

static size_t largest_deadline_record(void)
{
    struct dl_census c = {0};
    cpc_state_obj_foreach(C.st, count_deadline_records, &c);
    return c.largest;
}

/* One height's deadlines have no size limit: 40,000 entries at one height
 * (more than a 1 MiB value held as one list: about 31,800 expiries of 33
 * bytes) are stored, an honest tx can still add one there, and block ends
 * work through them all, at most CPC_DEADLINE_WORK per block, carrying the
 * rest over, until no deadline record is left. Every block re-validates. */
static void test_many_deadlines_at_one_height(void **state)
{
    (void)state;
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 1, CPC(10));
    c.p.hashpow.bits = 40;
    c.deadline_blocks = 5;
    uint8_t job[32];
    create_job(&c, job, 0);
    uint64_t due = job_of(job).created_height + 8;

    /* what 40,000 JOB_EXTENDs leave behind: stale expiry entries of one job at `due` */
    struct cpc_overlay ov;
    struct cpc_err err = {0};
    assert_int_equal(cpc_overlay_init(&ov, C.st, NULL), 0);
    for (int i = 0; i < 40000; i++) {
        int rc = cpc__market_job_expiry(&ov, due, job, &err);
        if (rc != 0)
            fail_msg("deadline %d at height %llu: %s (code %d)", i, (unsigned long long)due,
                     err.msg, rc);
    }
    struct cpc_state *d = cpc_overlay_take_delta(&ov);
    assert_non_null(d);
    assert_int_equal(cpc_state_merge(C.st, d), 0);
    cpc_state_free(d);
    cpc_overlay_free(&ov);
    /* no record grows with the number of deadlines: none is near the 1 MiB limit */
    assert_true(largest_deadline_record() < 64 * 1024);

    /* an honest tx adding one more entry there is included and succeeds */
    struct cpc_tx tx;
    extend_tx(&tx, &C.customer, job, 3, 0); /* deadline created + 8 = due */
    step1(&tx, 0);

    while (C.prev.height < due)
        empty_blocks(1);
    assert_int_equal(job_of(job).status, CPC_JOB_EXPIRED);
    assert_int_equal(escrow_balance(job), 0);
    /* 40,001 entries at 1 work each: the rest carried over, then all gone */
    assert_true(deadline_records() > 0);
    int blocks = 0;
    while (deadline_records() > 0 && blocks < 20) {
        empty_blocks(1);
        blocks++;
    }
    assert_int_equal(deadline_records(), 0);
    assert_true(blocks >= 1);
}

/* Ending a job bigger than one block's deadline work (CPC_DEADLINE_WORK task
 * visits) spreads the closing of its tasks over blocks: the job ends and its
 * escrow returns at once, the first tasks close at the end of that block, the
 * rest at the next; the same for an expiry. Every block re-validates. */
static void test_big_job_closes_over_blocks(void **state)
{
    (void)state;
    const uint32_t n = CPC_DEADLINE_WORK + 1000;
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, n, 1000);
    c.p.hashpow.bits = 40;
    uint8_t job[32];
    create_job(&c, job, 0);
    size_t expiry_records = deadline_records(); /* its expiry, 200 blocks ahead */
    cancel_job(&C.customer, job, 0);
    assert_int_equal(job_of(job).status, CPC_JOB_CANCELLED);
    assert_int_equal(escrow_balance(job), 0);
    assert_int_equal(task_of(job, 0).status, CPC_TASK_CLOSED);
    assert_int_equal(task_of(job, n - 1).status, CPC_TASK_OPEN); /* next block */
    assert_true(deadline_records() > expiry_records);
    empty_blocks(1);
    assert_int_equal(task_of(job, n - 1).status, CPC_TASK_CLOSED);
    assert_int_equal(deadline_records(), expiry_records);

    /* expiry */
    c.deadline_blocks = 2;
    create_job(&c, job, 0);
    empty_blocks(2);
    assert_int_equal(job_of(job).status, CPC_JOB_EXPIRED);
    assert_int_equal(escrow_balance(job), 0);
    assert_int_equal(task_of(job, n - 1).status, CPC_TASK_OPEN);
    empty_blocks(1);
    assert_int_equal(task_of(job, n - 1).status, CPC_TASK_CLOSED);
    assert_int_equal(deadline_records(), expiry_records);
}

/* A tx whose effects fail with an unexpected code (here a corrupt job record:
 * CPC_ERR_INTERNAL) fails by itself: it is included with its error and pays
 * its fee; the block is built and re-validates. */
static void test_unexpected_error_fails_only_the_tx(void **state)
{
    (void)state;
    uint8_t id[32], key[CPC_KEY_MAX];
    memset(id, 0x5a, sizeof id);
    static const uint8_t garbage[3] = {1, 2, 3};
    size_t klen = cpc_key_job(key, id);
    assert_int_equal(cpc_state_obj_put(C.st, key, klen, garbage, sizeof garbage), 0);
    uint64_t cust0 = acct(&C.customer).balance;
    cancel_job(&C.customer, id, CPC_ERR_INTERNAL);
    assert_int_equal(acct(&C.customer).balance, cust0 - fee_of(CPC_TX_JOB_CANCEL));
    assert_int_equal(acct(&C.customer).nonce, 1);
}

static void test_bad_contracts(void **state)
{
    (void)state;
    struct cpc_tx tx;
    struct cpc_err err = {0};
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    base_contract(&tx.u.job_create.contract, CPC_KIND_HASHPOW, 2, UINT64_MAX / 2);
    tx.u.job_create.contract.p.hashpow.bits = 8;
    assert_int_equal(cpc_tx_check_payload(&tx, &err), CPC_ERR_OVERFLOW);
    base_contract(&tx.u.job_create.contract, CPC_KIND_HASHPOW, 2, CPC(10));
    tx.u.job_create.contract.p.hashpow.bits = 8;
    tx.u.job_create.contract.max_budget = CPC(21); /* 20 + 2 commission > 21 */
    assert_int_equal(cpc_tx_check_payload(&tx, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "max_budget"));
    /* unstaking below the locked stake is refused */
    register_worker(&C.w1, CPC(100));
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_UNSTAKE;
    tx.u.stake.amount = CPC(1);
    sign_from(&tx, &C.w1);
    step1(&tx, CPC_ERR_INSUFFICIENT_STAKE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hashpow_paid_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_oracle_only_saves_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_lease_and_wrong_holder_slashed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_set_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_matmul_honest_lazy_and_missed_reveal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vanity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_copied_results_not_paid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_copied_commitment_cannot_reveal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_no_second_round_after_a_reveal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_quorum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_reveal_rules_views_and_verdict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_expiry_refund, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_contracts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_deadlines_at_one_height, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unexpected_error_fails_only_the_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_job_closes_over_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extend_deadline_and_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extend_then_expire_at_new_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synthetic_paid_from_pool_with_cap, setup_synth, teardown),
        cmocka_unit_test_setup_teardown(test_synthetic_lazy_missed_and_unavailable, setup_synth,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
