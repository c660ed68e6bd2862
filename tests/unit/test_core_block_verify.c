/* test_core_block_verify.c — the per-block verification budget
 * (params.max_block_verify, market.h cpc_matmul_reveal_work).
 *
 * A REVEAL's gas is constant, its verification (regenerate B, recompute the
 * challenged rows of C) is not: without a budget a block could hold 2,500
 * REVEALs of the largest contract and take minutes to build and to validate.
 * Here: the worst reveal blocks the default budget admits are built (and
 * re-validated) within the default block interval (1 s) under ASan on the
 * 2-vCPU reference machine, whatever is offered; what does not fit stays out
 * of the block without being skipped (the node keeps it in the mempool) and
 * lands in the next block, paid, not slashed; a received block over the
 * budget is invalid; a matmul contract or synthetic params whose one reveal
 * exceeds the least budget are refused; JOB_CREATE pays for its tasks'
 * verification. The worst reveals are honest ones: wrong proofs stop at the
 * first wrong row, right ones make the verifier redo every challenged row. */
#include <time.h>

#include "core_market_fixture.h"

#define BLOCK_INTERVAL_MS 1000 /* the default block_time_ms */
#define MAX_CANDS 512

/* The chain (core_market_fixture.h): keys 300 (validator) to 304 (w2),
 * customer 10^7 CPC, w1 and w2 1000 CPC each, the default block gas and
 * verification budget, worker stake and unbonding. */
static void verify_params(struct cpc_chain_params *p)
{
    p->max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    p->max_block_verify = CPC_DEFAULT_MAX_BLOCK_VERIFY;
    p->min_worker_stake = CPC_DEFAULT_MIN_WORKER_STAKE;
    p->unbonding_blocks = CPC_DEFAULT_UNBONDING_BLOCKS;
    p->protocol = CPC_PROTOCOL_VERSION;
}

static int setup(void **state)
{
    (void)state;
    struct market_setup o = {.first_key = 300,
                             .customer_cpc = 10000000,
                             .set_params = verify_params};
    return market_setup_chain(&o);
}

/* What one block build did with the candidates. */
struct built {
    size_t n_txs;
    int codes[MAX_CANDS];       /* result code of each included tx */
    size_t n_skipped;
    size_t skipped[MAX_CANDS];
    int skipped_codes[MAX_CANDS];
    double build_ms, apply_ms;  /* cpc_block_build, cpc_apply_block of the same block */
};

/* Build the next block from cands under the chain's params, re-validate it
 * (timed), apply it. */
static void next_block(struct cpc_tx *cands, size_t n, struct built *out)
{
    const struct cpc_tx *ptrs[MAX_CANDS];
    assert_true(n <= MAX_CANDS);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &cands[i];
    struct cpc_block b;
    struct cpc_state *delta = NULL, *delta2 = NULL;
    size_t *skipped = NULL, n_skipped = 0;
    int *codes = NULL;
    struct cpc_err err = {0};
    struct timespec t0;
    memset(out, 0, sizeof *out);
    cpu_clock_start(&t0);
    int rc = cpc_block_build(C.st, &C.prev, &C.params, C.prev.time_ms + 1000, ptrs, n, C.s,
                             C.val.sk, &b, &delta, &skipped, &codes, &n_skipped, &err);
    out->build_ms = cpu_ms_since(&t0);
    if (rc)
        fail_msg("build: %s", err.msg);
    cpu_clock_start(&t0);
    rc = cpc_apply_block(C.st, &C.prev, &b, &C.params, C.val.pub, true, &delta2, NULL, &err);
    out->apply_ms = cpu_ms_since(&t0);
    if (rc)
        fail_msg("re-validate: %s", err.msg);
    assert_int_equal(cpc_state_merge(C.st, delta), 0);
    C.prev = b.header;
    cpc_block_header_hash(&C.prev, C.prev_hash);
    out->n_txs = b.n_txs;
    for (size_t i = 0; i < b.n_txs; i++)
        out->codes[i] = b.results[i].code;
    out->n_skipped = n_skipped;
    for (size_t i = 0; i < n_skipped; i++) {
        out->skipped[i] = skipped[i];
        out->skipped_codes[i] = codes[i];
    }
    cpc_state_free(delta);
    cpc_state_free(delta2);
    free(skipped);
    free(codes);
    cpc_block_clear(&b);
}

/* One block of txs that must all be included and succeed. */
static void block_ok(struct cpc_tx *txs, size_t n)
{
    struct built r;
    next_block(txs, n, &r);
    if (r.n_skipped)
        fail_msg("tx %zu skipped (code %d)", r.skipped[0], r.skipped_codes[0]);
    assert_int_equal(r.n_txs, n);
    for (size_t i = 0; i < n; i++)
        if (r.codes[i] != 0)
            fail_msg("tx %zu failed with code %d", i, r.codes[i]);
    for (size_t i = 0; i < n; i++)
        cpc_tx_clear(&txs[i]);
}

static void sign_at(struct cpc_tx *tx, const struct fx_key *k, uint64_t nonce)
{
    snprintf(tx->chain_id, sizeof tx->chain_id, "%s", FX_CHAIN);
    tx->nonce = nonce;
    tx->gas_price = 1;
    assert_int_equal(cpc_tx_sign(tx, C.s, k->sk, NULL), 0);
}

static void register_workers(void)
{
    struct cpc_tx txs[2];
    register_tx(&txs[0], &C.w1, CPC(100));
    register_tx(&txs[1], &C.w2, CPC(100));
    block_ok(txs, 2);
}

static void matmul_contract(struct cpc_contract *c, uint32_t m, uint32_t k, uint32_t n,
                            uint16_t challenges, uint32_t tasks)
{
    memset(c, 0, sizeof *c);
    c->kind = CPC_KIND_MATMUL;
    c->p.matmul.m = m;
    c->p.matmul.k = k;
    c->p.matmul.n = n;
    c->p.matmul.challenges = challenges;
    c->tasks = tasks;
    c->reward = CPC(1);
    c->replication = 1;
    c->deadline_blocks = 500;
    c->priority = CPC_PRIORITY_NORMAL;
    c->max_budget = CPC(1000000);
}

static struct cpc_worker worker_of(const struct fx_key *k)
{
    struct cpc_overlay ov;
    struct cpc_worker w;
    cpc_overlay_init(&ov, C.st, NULL);
    assert_int_equal(cpc_market_get_worker(&ov, k->addr, &w), 0);
    cpc_overlay_free(&ov);
    return w;
}

/* An honest worker's task: the spec and the whole C (heap). */
struct work {
    const struct fx_key *k;
    uint32_t index;
    struct cpc_matmul_spec spec;
    int32_t *C;
};

/* The commits of ws (each its worker's next nonce, its C computed honestly)
 * in one block, under leases. */
static void commit_all(const uint8_t job[32], struct work *ws, size_t n)
{
    struct cpc_tx *txs = calloc(n, sizeof *txs);
    uint64_t n1 = acct(&C.w1).nonce, n2 = acct(&C.w2).nonce;
    for (size_t i = 0; i < n; i++) {
        struct work *w = &ws[i];
        struct cpc_tx *tx = &txs[i];
        tx->type = CPC_TX_SUBMIT_RESULT;
        struct cpc_payload_submit_result *p = &tx->u.result;
        matmul_work(job, w->index, 0, &w->C, &w->spec, p->result_hash);
        cpc_task_id(p->task_id, job, w->index);
        p->result_hash_len = 32;
        memcpy(p->worker, w->k->addr, 20);
        p->has_lease = 1;
        p->lease_expires = C.prev.height + 30;
        assert_int_equal(cpc_lease_sign(p->lease_sig, C.s, C.val.sk, FX_CHAIN, p->task_id,
                                        w->k->addr, p->lease_expires),
                         0);
        sign_at(tx, w->k, w->k == &C.w1 ? n1++ : n2++);
    }
    block_ok(txs, n);
    free(txs);
}

/* The proofs of rows: from one tree of Cm's row leaves (cpc_matmul_prove
 * rebuilds it for every row: too slow for thousands of rows under ASan). */
static void prove(const struct cpc_matmul_spec *spec, const int32_t *Cm, const uint32_t *rows,
                  uint32_t count, struct cpc_merkle_proof *proofs)
{
    uint8_t(*leaves)[32] = malloc((size_t)spec->m * 32);
    enum { D = 16 }; /* > ceil(log2 CPC_MATMUL_MAX_DIM) */
    uint8_t(*paths)[32] = malloc((size_t)spec->m * D * 32);
    uint8_t root[32];
    assert_true(leaves && paths);
    for (uint32_t r = 0; r < spec->m; r++)
        cpc_matmul_row_leaf(leaves[r], r, Cm + (size_t)r * spec->n, spec->n);
    assert_int_equal(cpc_merkle_tree(root, (const uint8_t(*)[32])leaves, spec->m,
                                     D, paths),
                     0);
    for (uint32_t i = 0; i < count; i++) {
        memset(&proofs[i], 0, sizeof proofs[i]);
        proofs[i].index = rows[i];
        proofs[i].n_leaves = spec->m;
        proofs[i].depth = cpc_merkle_depth(spec->m, rows[i]);
        memcpy(proofs[i].siblings, paths[(size_t)rows[i] * D],
               proofs[i].depth * 32);
    }
    free(leaves);
    free(paths);
}

/* w's REVEAL (honest proofs) at nonce. */
static void proof_reveal_tx(struct cpc_tx *tx, const uint8_t job[32], const struct work *w,
                            uint64_t nonce)
{
    struct cpc_task t = task_of(job, w->index);
    struct cpc_job j = job_of(job);
    uint8_t cseed[32];
    commit_challenge_seed(cseed, &t);
    uint32_t count = j.contract.p.matmul.challenges;
    uint32_t rows[CPC_MATMUL_MAX_CHALLENGES];
    struct cpc_merkle_proof proofs[CPC_MATMUL_MAX_CHALLENGES];
    cpc_matmul_challenge(cseed, w->spec.m, count, rows);
    prove(&w->spec, w->C, rows, count, proofs);
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_REVEAL;
    memcpy(tx->u.reveal.task_id, t.id, 16);
    tx->u.reveal.count = (uint16_t)count;
    assert_int_equal(cpc_reveal_pack(proofs, (uint16_t)count, &tx->ext, &tx->ext_len), 0);
    sign_at(tx, w->k, nonce);
}

static uint64_t job_work(const uint8_t job[32])
{
    struct cpc_job j = job_of(job);
    return cpc_matmul_reveal_work(j.contract.p.matmul.m, j.contract.p.matmul.k,
                                  j.contract.p.matmul.n,
                                  j.contract.p.matmul.challenges);
}

/* Job c created (into job), its c->tasks tasks (at most MAX_CANDS) worked
 * honestly and committed by w1, then w1's REVEALs of them, one nonce after
 * the other, into rv. Returns the work; release_reveals frees it. */
static struct work *w1_reveals(const struct cpc_contract *c, uint8_t job[32], struct cpc_tx *rv)
{
    uint32_t n = c->tasks;
    assert_true(n <= MAX_CANDS);
    create_job(c, job, 0);
    struct work *ws = calloc(n, sizeof *ws);
    assert_non_null(ws);
    for (uint32_t i = 0; i < n; i++)
        ws[i] = (struct work){.k = &C.w1, .index = i};
    commit_all(job, ws, n);
    uint64_t nonce = acct(&C.w1).nonce;
    for (uint32_t i = 0; i < n; i++)
        proof_reveal_tx(&rv[i], job, &ws[i], nonce + i);
    return ws;
}

/* Clears rv[0..n) and frees ws (from w1_reveals, n tasks). */
static void release_reveals(struct cpc_tx *rv, struct work *ws, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        cpc_tx_clear(&rv[i]);
        free(ws[i].C);
    }
    free(ws);
}

/* rv[from..n), job's reveals left out so far, land one block each, paid;
 * then all n tasks of job are done. Releases rv and ws (release_reveals). */
static void rest_land_one_per_block(const uint8_t job[32], struct cpc_tx *rv, struct work *ws,
                                    uint32_t from, uint32_t n)
{
    struct built r;
    for (uint32_t i = from; i < n; i++) {
        next_block(&rv[i], n - i, &r);
        assert_int_equal(r.n_txs, 1);
        assert_int_equal(r.codes[0], 0);
    }
    assert_int_equal(job_of(job).tasks_done, n);
    release_reveals(rv, ws, n);
}

/* The worst block of one matmul contract's reveals (m x k x n, ch
 * challenges; what: how the printed line names it): a contract of one task
 * more than the budget admits reveals of (*n_tasks) is created, worked,
 * committed and revealed by w1 (w1_reveals: job, rv, the work returned), all
 * its reveals offered to one block, built and re-validated (timed, printed as
 * block label) within the block interval, all but one included, the last one
 * left out, not skipped. */
static struct work *worst_block_over_budget(const char *label, const char *what, uint32_t m,
                                            uint32_t k, uint32_t n, uint16_t ch,
                                            uint8_t job[32], struct cpc_tx *rv,
                                            uint32_t *n_tasks)
{
    struct cpc_contract c;
    matmul_contract(&c, m, k, n, ch, 1);
    uint64_t w = cpc_matmul_reveal_work(m, k, n, ch);
    uint32_t nt = (uint32_t)(C.params.max_block_verify / w) + 1;
    assert_true(nt <= MAX_CANDS);
    c.tasks = nt;
    struct work *ws = w1_reveals(&c, job, rv);
    struct built r;
    next_block(rv, nt, &r);
    print_message("worst reveal block (%s): %u reveals of %s offered, %zu included (%llu work "
                  "units): build %.0f ms, re-validate %.0f ms (limit %d ms)\n",
                  label, nt, what, r.n_txs, (unsigned long long)(r.n_txs * w), r.build_ms,
                  r.apply_ms, BLOCK_INTERVAL_MS);
    assert_true(r.build_ms < BLOCK_INTERVAL_MS);
    assert_true(r.apply_ms < BLOCK_INTERVAL_MS);
    assert_int_equal(r.n_txs, nt - 1);
    assert_int_equal(r.n_skipped, 0);
    *n_tasks = nt;
    return ws;
}

/* The worst blocks the default budget admits, whatever is offered: (a) the
 * largest legal contract (one reveal fills the budget) with more of its
 * reveals offered than fit; (b) as many reveals of a mid-size contract as the
 * budget admits, plus one; (c) the same for the contract with the most proof
 * nodes per unit of arithmetic. Each builds and re-validates within the block
 * interval; what does not fit is neither included nor skipped (a later nonce
 * of the same sender waits with NONCE_GAP), and goes into the next block. */
static void test_worst_reveal_blocks_build_within_block_interval(void **state)
{
    (void)state;
    assert_int_equal(C.params.max_block_verify, CPC_DEFAULT_MAX_BLOCK_VERIFY);
    register_workers();

    /* (a) the largest contract: challenges x 1024 x 1024, m = challenges (the
     * worker's cost is the verifier's: the cheapest attack) */
    uint16_t ch = 1;
    while (cpc_matmul_reveal_work(ch + 1, 1024, 1024, ch + 1) <= CPC_MATMUL_MAX_REVEAL_WORK)
        ch++;
    enum { NA = 5 };
    struct cpc_contract c;
    uint8_t big[32];
    matmul_contract(&c, ch, 1024, 1024, ch, NA);
    static struct cpc_tx rv[MAX_CANDS];
    struct work *wsa = w1_reveals(&c, big, rv);
    uint64_t wa = job_work(big);
    assert_true(wa <= C.params.max_block_verify && 2 * wa > C.params.max_block_verify);
    struct built r;
    next_block(rv, NA, &r);
    print_message("worst reveal block (a): %u challenges x 1024 x 1024, %llu work units each, "
                  "%d offered: build %.0f ms, re-validate %.0f ms (limit %d ms)\n",
                  (unsigned)ch, (unsigned long long)wa, NA, r.build_ms, r.apply_ms,
                  BLOCK_INTERVAL_MS);
    assert_true(r.build_ms < BLOCK_INTERVAL_MS);
    assert_true(r.apply_ms < BLOCK_INTERVAL_MS);
    assert_int_equal(r.n_txs, 1);
    assert_int_equal(r.codes[0], 0);
    /* the others are left out, not skipped: they stay in the pool */
    assert_int_equal(r.n_skipped, 0);
    /* the rest land one per block, paid */
    rest_land_one_per_block(big, rv, wsa, 1, NA);

    /* (b) a mid-size contract: as many reveals as the budget admits, plus one */
    uint8_t mid[32];
    uint32_t nb;
    struct work *wsb = worst_block_over_budget("b", "16 x 256 x 256", 16, 256, 256, 16, mid, rv,
                                               &nb);
    /* the last one was left out, not skipped: it lands in the next block */
    rest_land_one_per_block(mid, rv, wsb, nb - 1, nb);

    /* (c) the most proof per multiply-add: m = 8193 rows (14 proof nodes a
     * row, as many as 16384 rows), k = n = 1, 64 challenges; without its proof nodes in the work,
     * the 2,500 that max_block_gas admits would take seconds */
    uint8_t tall[32];
    uint32_t nc;
    struct work *wsc = worst_block_over_budget("c", "8193 x 1 x 1, 64 challenges", 8193, 1, 1, 64,
                                               tall, rv, &nc);
    release_reveals(rv, wsc, nc);
}

/* Workers registered, a 30 x 1024 x 1024 contract of 2 tasks with 30
 * challenges created (into job), task 0 committed by w1, task 1 by w2, and
 * their REVEALs rv[0] (w1's) and rv[1] (w2's) at their next nonces. Returns
 * the work; release_reveals(rv, ws, 2) frees it. */
static struct work *two_workers_reveals(uint8_t job[32], struct cpc_tx rv[2])
{
    register_workers();
    struct cpc_contract c;
    matmul_contract(&c, 30, 1024, 1024, 30, 2);
    create_job(&c, job, 0);
    struct work *ws = calloc(2, sizeof *ws);
    assert_non_null(ws);
    ws[0] = (struct work){.k = &C.w1, .index = 0};
    ws[1] = (struct work){.k = &C.w2, .index = 1};
    commit_all(job, ws, 2);
    proof_reveal_tx(&rv[0], job, &ws[0], acct(&C.w1).nonce);
    proof_reveal_tx(&rv[1], job, &ws[1], acct(&C.w2).nonce);
    return ws;
}

/* A received block whose REVEALs verify more than max_block_verify is invalid
 * (here built by a producer with a larger budget); the same block is valid
 * under that budget. */
static void test_block_over_the_budget_is_invalid(void **state)
{
    (void)state;
    uint8_t job[32];
    struct cpc_tx rv[2];
    struct work *ws = two_workers_reveals(job, rv);
    uint64_t w = job_work(job);
    assert_true(w <= C.params.max_block_verify && 2 * w > C.params.max_block_verify);
    const struct cpc_tx *ptrs[2] = {&rv[0], &rv[1]};

    struct cpc_chain_params wide = C.params;
    wide.max_block_verify = 2 * w;
    struct cpc_block b;
    struct cpc_state *delta = NULL, *d2 = NULL;
    size_t n_skipped = 0;
    struct cpc_err err = {0};
    assert_int_equal(cpc_block_build(C.st, &C.prev, &wide, C.prev.time_ms + 1000, ptrs, 2, C.s,
                                     C.val.sk, &b, &delta, NULL, NULL, &n_skipped, &err),
                     0);
    assert_int_equal(b.n_txs, 2);
    assert_int_equal(
        cpc_apply_block(C.st, &C.prev, &b, &C.params, C.val.pub, true, &d2, NULL, &err),
        CPC_ERR_INVALID_BLOCK);
    assert_non_null(strstr(err.msg, "max_block_verify"));
    assert_int_equal(cpc_apply_block(C.st, &C.prev, &b, &wide, C.val.pub, true, &d2, NULL, &err),
                     0);
    cpc_state_free(d2);
    cpc_state_free(delta);
    cpc_block_clear(&b);
    /* a REVEAL that fails before verifying (another worker's task) costs no
     * budget: it cannot crowd out the committer's own reveal */
    struct cpc_tx thief;
    proof_reveal_tx(&thief, job, &ws[0], acct(&C.w2).nonce);
    sign_at(&thief, &C.w2, acct(&C.w2).nonce); /* the same proofs, sent by w2 */
    struct cpc_tx cands[2];
    memcpy(&cands[0], &thief, sizeof thief);
    memcpy(&cands[1], &rv[0], sizeof rv[0]);
    struct built r;
    next_block(cands, 2, &r);
    assert_int_equal(r.n_txs, 2);
    assert_int_not_equal(r.codes[0], 0); /* w2 is not the committer */
    assert_int_equal(r.codes[1], 0);     /* w1's reveal fits: the thief spent nothing */
    cpc_tx_clear(&thief);
    release_reveals(rv, ws, 2);
}

/* An honest reveal crowded out of a block by another worker's (earlier in
 * the candidate order: the mempool orders senders by gas price) is included
 * in the next block within its reveal window, paid, and not slashed. */
static void test_crowded_out_reveal_lands_next_block_unslashed(void **state)
{
    (void)state;
    uint8_t job[32];
    struct cpc_tx rv[2]; /* rv[0], w1's: the crowd; rv[1], w2's: the honest one */
    struct work *ws = two_workers_reveals(job, rv);
    struct cpc_task t = task_of(job, 1);
    struct cpc_worker before = worker_of(&C.w2);
    uint64_t bal = acct(&C.w2).balance;
    struct built r;
    next_block(rv, 2, &r);
    assert_int_equal(r.n_txs, 1);
    assert_int_equal(r.n_skipped, 0); /* left out, not dropped */
    assert_int_equal(task_of(job, 1).status, CPC_TASK_COMMITTED);
    assert_true(C.prev.height < t.reveal_deadline);
    next_block(&rv[1], 1, &r);
    assert_int_equal(r.n_txs, 1);
    assert_int_equal(r.codes[0], 0);
    assert_int_equal(task_of(job, 1).status, CPC_TASK_DONE);
    struct cpc_worker after = worker_of(&C.w2);
    assert_int_equal(after.rejected, before.rejected);
    assert_int_equal(after.locked, before.locked);
    assert_int_equal(after.accepted, before.accepted + 1);
    assert_true(acct(&C.w2).balance > bal); /* paid the reward, less the REVEAL's fee */
    /* past its deadline nothing is slashed either: it was settled */
    for (int i = 0; i < CPC_REVEAL_WINDOW + 1; i++)
        next_block(NULL, 0, &r);
    assert_int_equal(worker_of(&C.w2).rejected, before.rejected);
    release_reveals(rv, ws, 2);
}

/* One reveal always fits an empty block: contracts and synthetic params over
 * the least budget are refused, the genesis refuses a budget below it (absent:
 * the default; a larger one round-trips), and JOB_CREATE's gas grows with its
 * tasks' verification. */
static void test_limits_and_gas(void **state)
{
    (void)state;
    struct cpc_err err = {0};
    struct cpc_contract c;
    matmul_contract(&c, 64, 4096, 4096, 16, 1); /* legal before the budget: 2^28 MACs */
    assert_int_equal(cpc_contract_check(&c, &err), CPC_ERR_INVALID);
    matmul_contract(&c, 64, 1024, 1024, 16, 1);
    assert_int_equal(cpc_contract_check(&c, &err), 0);

    uint8_t pool[CPC_ADDR_HASH_LEN] = {1};
    char pool_s[CPC_ADDR_STR_MAX];
    cpc_address_encode(pool_s, pool);
    json_t *sj = json_pack("{s:s, s:i, s:i, s:i, s:i}", "pool", pool_s, "reward", 1,
                           "per_block", 1, "n", 2048, "challenges", 16);
    struct cpc_synthetic_params sp;
    int rc = cpc_synthetic_params_from_json(&sp, sj, "params.synthetic", &err);
    json_decref(sj);
    if (rc != CPC_ERR_INVALID || !strstr(err.msg, "too large to verify"))
        fail_msg("synthetic n=2048: rc %d (%s)", rc, err.msg);
    /* the default synthetic params fit: n 1024, 16 challenges */
    assert_true(cpc_matmul_reveal_work(1024, 1024, 1024, CPC_DEFAULT_CHALLENGES) <=
                CPC_MATMUL_MAX_REVEAL_WORK);
    assert_true(CPC_DEFAULT_MAX_BLOCK_VERIFY >= CPC_MIN_BLOCK_VERIFY);
    assert_true(CPC_MATMUL_MAX_REVEAL_WORK <= CPC_MIN_BLOCK_VERIFY);

    /* genesis: absent = the default, below the floor refused, a larger one kept */
    struct cpc_signer *s = cpc_signer_new(NULL);
    struct fx_key v;
    fx_key(s, &v, 310);
    struct cpc_genesis g, g2;
    memset(&g, 0, sizeof g);
    fx_params(&g.params);
    g.params.protocol = CPC_PROTOCOL_VERSION;
    g.params.max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    memcpy(g.validator, v.pub, 33);
    json_t *gj = cpc_genesis_to_json(&g);
    assert_non_null(gj);
    assert_null(json_object_get(json_object_get(gj, "params"), "max_block_verify"));
    assert_int_equal(cpc_genesis_from_json(&g2, gj, &err), 0);
    assert_int_equal(g2.params.max_block_verify, CPC_DEFAULT_MAX_BLOCK_VERIFY);
    cpc_genesis_clear(&g2);
    json_object_set_new(json_object_get(gj, "params"), "max_block_verify",
                        json_integer((json_int_t)CPC_MIN_BLOCK_VERIFY - 1));
    assert_int_equal(cpc_genesis_from_json(&g2, gj, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "max_block_verify"));
    json_object_set_new(json_object_get(gj, "params"), "max_block_verify",
                        json_integer((json_int_t)CPC_MIN_BLOCK_VERIFY * 4));
    assert_int_equal(cpc_genesis_from_json(&g2, gj, &err), 0);
    assert_int_equal(g2.params.max_block_verify, CPC_MIN_BLOCK_VERIFY * 4);
    json_decref(gj);
    gj = cpc_genesis_to_json(&g2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(gj, "params"),
                                                        "max_block_verify")),
                     (json_int_t)CPC_MIN_BLOCK_VERIFY * 4);
    json_decref(gj);
    cpc_genesis_clear(&g2);
    cpc_signer_free(s);

    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    matmul_contract(&tx.u.job_create.contract, 64, 1024, 1024, 16, 1);
    uint64_t one = cpc_tx_gas(&tx);
    tx.u.job_create.contract.tasks = 11;
    uint64_t eleven = cpc_tx_gas(&tx);
    uint64_t w = cpc_matmul_reveal_work(64, 1024, 1024, 16);
    assert_int_equal(eleven - one,
                     10 * (CPC_GAS_PER_TASK + (w + CPC_VERIFY_WORK_PER_GAS - 1) /
                                                  CPC_VERIFY_WORK_PER_GAS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_and_gas),
        cmocka_unit_test_setup_teardown(test_worst_reveal_blocks_build_within_block_interval,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_over_the_budget_is_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crowded_out_reveal_lands_next_block_unslashed, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
