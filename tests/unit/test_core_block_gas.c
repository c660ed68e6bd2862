/* test_core_block_gas.c — gas that grows with the state a tx creates, and the
 * per-block gas limit: JOB_CREATE / JOB_EXTEND gas per task and per contract
 * byte, a built block never over max_block_gas (what does not fit waits for a
 * later block, what can never fit is skipped), a received block over it is
 * invalid, and the worst block the default limit admits (the largest
 * JOB_CREATE, then its expiry closing every task) is built well within the
 * default block interval (1 s) under ASan on the 2-vCPU reference machine. */
#include <time.h>

#include "core_market_fixture.h"

#define BLOCK_INTERVAL_MS 1000 /* the default block_time_ms */

/* The chain (core_market_fixture.h): keys 200 (validator) to 203 (w1, the
 * other sender), customer 10^8 CPC, w1 1000 CPC, no w2 account, the default
 * max_block_gas. */
static void gas_params(struct cpc_chain_params *p)
{
    p->max_block_gas = CPC_DEFAULT_MAX_BLOCK_GAS;
    p->protocol = CPC_PROTOCOL_VERSION;
}

static int setup(void **state)
{
    (void)state;
    struct market_setup o = {.first_key = 200,
                             .customer_cpc = 100000000,
                             .no_w2 = 1,
                             .set_params = gas_params};
    return market_setup_chain(&o);
}

static void job_contract(struct cpc_contract *c, uint32_t tasks, uint64_t deadline)
{
    memset(c, 0, sizeof *c);
    c->kind = CPC_KIND_HASHPOW;
    c->p.hashpow.bits = 40;
    c->tasks = tasks;
    c->reward = 1000;
    c->replication = 1;
    c->deadline_blocks = deadline;
    c->priority = CPC_PRIORITY_NORMAL;
    c->max_budget = CPC(1000000);
}

static uint64_t create_gas(uint32_t tasks)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    job_contract(&tx.u.job_create.contract, tasks, 10);
    return cpc_tx_gas(&tx);
}

/* Build the next block from cands (re-validated, applied); returns its build time in ms. */
static double build_apply(const struct cpc_tx *const *cands, size_t n, struct cpc_block *b,
                          size_t *n_skipped)
{
    struct cpc_state *delta = NULL, *delta2 = NULL;
    size_t *skipped = NULL;
    int *codes = NULL;
    struct cpc_err err = {0};
    struct timespec t0;
    cpu_clock_start(&t0);
    int rc = cpc_block_build(C.st, &C.prev, &C.params, C.prev.time_ms + 1000, cands, n, C.s,
                             C.val.sk, b, &delta, &skipped, &codes, n_skipped, &err);
    double ms = cpu_ms_since(&t0);
    if (rc)
        fail_msg("build: %s", err.msg);
    rc = cpc_apply_block(C.st, &C.prev, b, &C.params, C.val.pub, true, &delta2, NULL, &err);
    if (rc)
        fail_msg("re-validate: %s", err.msg);
    assert_int_equal(cpc_state_merge(C.st, delta), 0);
    C.prev = b->header;
    cpc_block_header_hash(&C.prev, C.prev_hash);
    cpc_state_free(delta);
    cpc_state_free(delta2);
    free(skipped);
    free(codes);
    return ms;
}

/* JOB_CREATE's gas grows with its tasks and contract bytes, JOB_EXTEND's with
 * add_tasks; the fee follows the gas. */
static void test_job_gas_grows_with_tasks(void **state)
{
    (void)state;
    uint64_t one = create_gas(1), most = create_gas(CPC_MAX_TASKS);
    assert_true(one >= 100000);
    assert_true(most - one >= (uint64_t)(CPC_MAX_TASKS - 1) * 10000);
    assert_int_equal(most - one, (uint64_t)(CPC_MAX_TASKS - 1) * CPC_GAS_PER_TASK);

    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    job_contract(&tx.u.job_create.contract, 1, 10);
    uint64_t small = cpc_tx_gas(&tx);
    tx.u.job_create.contract.kind = CPC_KIND_EXEC; /* exec carries input hashes: more bytes */
    tx.u.job_create.contract.p.exec.n_inputs = 8;
    assert_true(cpc_tx_gas(&tx) >= small + 8 * 32 * CPC_GAS_PER_CONTRACT_BYTE);

    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_EXTEND;
    tx.u.job_extend.add_blocks = 5;
    uint64_t ext0 = cpc_tx_gas(&tx);
    tx.u.job_extend.add_tasks = 50000;
    assert_int_equal(cpc_tx_gas(&tx), ext0 + 50000 * CPC_GAS_PER_TASK);
    tx.gas_price = 3;
    uint64_t fee = 0;
    assert_int_equal(cpc_tx_fee(&tx, &fee), 0);
    assert_int_equal(fee, 3 * cpc_tx_gas(&tx));
}

/* A built block never holds more than max_block_gas; a tx that does not fit
 * what is left stays out without being skipped (it fits a later block); a tx
 * whose gas alone exceeds the limit is skipped (CPC_ERR_TOO_LARGE); a received
 * block over the limit is invalid. */
static void test_block_never_exceeds_max_block_gas(void **state)
{
    (void)state;
    C.params.max_block_gas = 100000; /* four transfers of 21,000 */
    struct cpc_tx txs[11];
    const struct cpc_tx *cp[11];
    for (int i = 0; i < 10; i++) {
        assert_int_equal(fx_transfer(&txs[i], C.s, &C.customer, (uint64_t)i, C.w1.addr, 1), 0);
        cp[i] = &txs[i];
    }
    fx_base(&txs[10], CPC_TX_JOB_CREATE, 0, 1);
    job_contract(&txs[10].u.job_create.contract, 10, 10);
    assert_int_equal(cpc_tx_sign(&txs[10], C.s, C.w1.sk, NULL), 0);
    cp[10] = &txs[10];
    assert_true(cpc_tx_gas(&txs[10]) > C.params.max_block_gas);

    struct cpc_block b;
    struct cpc_state *delta = NULL;
    size_t *skipped = NULL, n_skipped = 0;
    int *codes = NULL;
    struct cpc_err err = {0};
    assert_int_equal(cpc_block_build(C.st, &C.prev, &C.params, C.prev.time_ms + 1000, cp, 11, C.s,
                                     C.val.sk, &b, &delta, &skipped, &codes, &n_skipped, &err),
                     0);
    uint64_t gas = 0;
    for (size_t i = 0; i < b.n_txs; i++)
        gas += b.results[i].gas_used;
    assert_true(gas <= C.params.max_block_gas);
    assert_int_equal(b.n_txs, 4);
    /* the 6 transfers left out are not skipped: they stay for the next block;
     * the JOB_CREATE can never be included */
    assert_int_equal(n_skipped, 1);
    assert_int_equal(skipped[0], 10);
    assert_int_equal(codes[0], CPC_ERR_TOO_LARGE);

    /* the same block under a lower limit is invalid */
    struct cpc_chain_params low = C.params;
    low.max_block_gas = 63000;
    struct cpc_state *d2 = NULL;
    assert_int_equal(cpc_apply_block(C.st, &C.prev, &b, &low, C.val.pub, true, &d2, NULL, &err),
                     CPC_ERR_INVALID_BLOCK);
    assert_non_null(strstr(err.msg, "gas"));
    assert_int_equal(
        cpc_apply_block(C.st, &C.prev, &b, &C.params, C.val.pub, true, &d2, NULL, &err), 0);
    cpc_state_free(d2);
    cpc_state_free(delta);
    free(skipped);
    free(codes);
    cpc_block_clear(&b);
    for (int i = 0; i < 11; i++)
        cpc_tx_clear(&txs[i]);
}

/* The worst block the default gas limit admits: the largest JOB_CREATE that
 * fits (tasks = what max_block_gas pays for), built in well under the block
 * interval; and the block whose end expires that job (closing every task). */
static void test_largest_job_builds_within_block_interval(void **state)
{
    (void)state;
    assert_int_equal(C.params.max_block_gas, CPC_DEFAULT_MAX_BLOCK_GAS);
    uint32_t tasks = CPC_MAX_TASKS;
    while (tasks > 1 && create_gas(tasks) > C.params.max_block_gas)
        tasks = (uint32_t)((C.params.max_block_gas - create_gas(0)) / CPC_GAS_PER_TASK);
    assert_true(create_gas(tasks) <= C.params.max_block_gas);
    assert_true(create_gas(tasks + 1) > C.params.max_block_gas || tasks == CPC_MAX_TASKS);

    struct cpc_tx tx;
    fx_base(&tx, CPC_TX_JOB_CREATE, 0, 1);
    job_contract(&tx.u.job_create.contract, tasks, 1);
    assert_int_equal(cpc_tx_sign(&tx, C.s, C.customer.sk, NULL), 0);
    const struct cpc_tx *cp[1] = {&tx};
    struct cpc_block b;
    size_t n_skipped = 0;
    double create_ms = build_apply(cp, 1, &b, &n_skipped);
    assert_int_equal(b.n_txs, 1);
    assert_int_equal(b.results[0].code, 0);
    cpc_block_clear(&b);
    /* next block: the job's deadline falls due, its end closes every task */
    double expire_ms = build_apply(NULL, 0, &b, &n_skipped);
    cpc_block_clear(&b);
    struct cpc_overlay ov;
    struct cpc_job job;
    assert_int_equal(cpc_overlay_init(&ov, C.st, NULL), 0);
    assert_int_equal(cpc_market_get_job(&ov, tx.hash, &job), 0);
    cpc_overlay_free(&ov);
    assert_int_equal(job.status, CPC_JOB_EXPIRED);
    print_message("largest JOB_CREATE: %u tasks, %llu gas; build %.0f ms, expiry block %.0f ms "
                  "(limit %d ms)\n",
                  tasks, (unsigned long long)create_gas(tasks), create_ms, expire_ms,
                  BLOCK_INTERVAL_MS);
    assert_true(create_ms < BLOCK_INTERVAL_MS);
    assert_true(expire_ms < BLOCK_INTERVAL_MS);
    cpc_tx_clear(&tx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_gas_grows_with_tasks),
        cmocka_unit_test_setup_teardown(test_block_never_exceeds_max_block_gas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_largest_job_builds_within_block_interval, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
