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
#include "core_market_fixture.h"

#define UNBONDING 100 /* the default params.unbonding_blocks */

/* A chain whose genesis JSON sets params (an empty object: the fields a
 * genesis without them gets); customer 10^6 CPC, w1 and w2 1000 CPC each.
 * Frees params. */
static int setup_with(json_t *params)
{
    assert_non_null(params);
    struct market_setup o = {.first_key = 200, .params_json = params, .deadline_blocks = 500};
    int rc = market_setup_chain(&o);
    json_decref(params);
    return rc;
}

/* No bond params in the genesis JSON: whatever a chain gets by default. */
static int setup_default(void **state)
{
    (void)state;
    return setup_with(json_object());
}

/* min_worker_stake 20 CPC, unbonding_blocks 7, from the genesis JSON. */
static int setup_bond(void **state)
{
    (void)state;
    return setup_with(json_pack("{s:I, s:I}", "min_worker_stake", (json_int_t)CPC(20),
                                 "unbonding_blocks", (json_int_t)7));
}

static void register_worker(const struct fx_key *k, uint64_t stake, int expect)
{
    struct cpc_tx tx;
    register_tx(&tx, k, stake);
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

/* A SUBMIT_RESULT of k for task index of job under a lease the validator signed for k. */
static void result_tx(struct cpc_tx *tx, const struct fx_key *k, const uint8_t job_id[32],
                      uint32_t index, const uint8_t *hash, size_t len)
{
    lease_result_tx(tx, k, job_id, index, hash, len, k, 30);
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
    create_job(&c, job, 0);
}

/* A matmul job of `tasks` tasks (16x8 by 8x8, 4 challenges), reward 2 CPC. */
static void matmul_job(uint32_t tasks, uint8_t job[32])
{
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_MATMUL, tasks, CPC(2));
    c.p.matmul.m = 16;
    c.p.matmul.k = 8;
    c.p.matmul.n = 8;
    c.p.matmul.challenges = 4;
    create_job(&c, job, 0);
}

/* Commit matmul task index of job for k (honest); C in *C_out (caller frees). */
static void matmul_commit(const struct fx_key *k, const uint8_t job[32], uint32_t index,
                          int32_t **C_out, struct cpc_matmul_spec *spec, int expect)
{
    uint8_t root[32];
    matmul_work(job, index, 0, C_out, spec, root);
    struct cpc_tx tx;
    result_tx(&tx, k, job, index, root, 32);
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
    uint8_t job[32];
    matmul_job(3, job);
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
    uint8_t mjob[32];
    matmul_job(1, mjob);
    struct cpc_matmul_spec spec;
    int32_t *cm = NULL;
    matmul_commit(&C.w1, mjob, 0, &cm, &spec, 0);
    assert_int_equal(worker_field(&C.w1, "pending"), 1);
    empty_blocks(CPC_REVEAL_WINDOW + 1); /* missed: slashed, reopened */
    assert_int_equal(task_of(mjob, 0).status, CPC_TASK_OPEN);
    assert_int_equal(worker_field(&C.w1, "pending"), 0);
    assert_int_equal(worker_field(&C.w1, "timed_out"), 1);
    free(cm);

    struct cpc_contract c;
    exec_contract_of(&c, CPC(1), 2);
    uint8_t ejob[32], h[32];
    create_job(&c, ejob, 0);
    memset(h, 0x11, 32);
    struct cpc_tx tx;
    result_tx(&tx, &C.w2, ejob, 0, h, 32);
    step1(&tx, 0);
    assert_int_equal(worker_field(&C.w2, "pending"), 1);
    deregister(&C.w2, 0);
    empty_blocks(UNBONDING);
    unstake(&C.w2, CPC(10), CPC_ERR_INSUFFICIENT_STAKE); /* the replica waits for a quorum */
    cancel_job(&C.customer, ejob, 0);
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
    exec_contract_of(&c, CPC(1), 2);
    uint8_t job[32], result[32], salt1[32], salt2[32], c1[32], c2[32];
    create_job(&c, job, 0);
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
        reveal_tx(&rv[i], who[i], job, 0, result, sizeof result, salts[i]);
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
