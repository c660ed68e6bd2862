/* test_core_market_money.c — a job's money totals (struct cpc_job_money,
 * protocol 3) equal the balance movements to the unit on every path that
 * moves the job's escrow: early and late payments with commission floored
 * per payment, a JOB_EXTEND, a slash (the worker's stake, never the escrow),
 * money sent to the escrow address by someone else, completion, a cancel
 * after a payment, an expiry with nothing paid, an exec task whose
 * outvoted replica is not paid, and a cancel whose refund waits for a
 * matmul commit's REVEAL. Every block is built, re-validated and its
 * supply checked by the market fixture. */
#include "core_market_fixture.h"

static int setup(void **state)
{
    (void)state;
    struct market_setup o = {.first_key = 300, .cheat_and_pool = 1, .deadline_blocks = 200};
    return market_setup_chain(&o);
}

/* Balances (balance + stake) of the parties, and the fees each has paid since. */
struct watch {
    uint64_t cust, w1, w2, cheat, treasury;
    uint64_t fees_cust, fees_w1, fees_w2, fees_cheat;
};

static uint64_t held(const struct fx_key *k)
{
    struct cpc_account a = acct(k);
    return a.balance + a.stake;
}

static void watch_start(struct watch *w)
{
    memset(w, 0, sizeof *w);
    w->cust = held(&C.customer);
    w->w1 = held(&C.w1);
    w->w2 = held(&C.w2);
    w->cheat = held(&C.cheat);
    w->treasury = held(&C.treasury);
}

static uint64_t escrow_of(const uint8_t job[32])
{
    uint8_t e[20];
    struct cpc_account a;
    cpc_escrow_address(e, job);
    cpc_state_get(C.st, e, &a);
    return a.balance;
}

/* One tx signed by k in its own block with result code expect; its fee is
 * added to *fees (a failed tx pays its fee too). */
static void send(struct cpc_tx *tx, uint64_t *fees, int expect)
{
    uint64_t f = 0;
    assert_int_equal(cpc_tx_fee(tx, &f), 0);
    *fees += f;
    step1(tx, expect);
}

static void result_of(const struct fx_key *k, const uint8_t job[32], uint32_t index,
                      const uint8_t *hash, size_t len, uint64_t *fees, int expect)
{
    struct cpc_tx tx;
    lease_result_tx(&tx, k, job, index, hash, len, k, 20);
    send(&tx, fees, expect);
}

static void register_worker(const struct fx_key *k)
{
    struct cpc_tx tx;
    register_tx(&tx, k, CPC(100));
    step1(&tx, 0);
}

/* The record's totals against the balances since w: workers received paid,
 * the treasury commission + slashed, the customer lost escrowed - refund,
 * the escrow holds the rest (+ extra others sent it). */
static void check_money(const uint8_t job[32], const struct watch *w, uint64_t slashed,
                        uint64_t extra)
{
    struct cpc_job j = job_of(job);
    const struct cpc_job_money *m = &j.money;
    uint64_t workers_got = (held(&C.w1) + w->fees_w1 - w->w1) + (held(&C.w2) + w->fees_w2 - w->w2) +
                           (held(&C.cheat) + w->fees_cheat + slashed - w->cheat);
    /* slashes in these tests take only the cheat's stake (added back above) */
    assert_int_equal(workers_got, m->paid);
    assert_int_equal(held(&C.treasury) - w->treasury, m->commission + slashed);
    assert_int_equal(w->cust - w->fees_cust - held(&C.customer), m->escrowed - m->refund);
    assert_int_equal(m->escrowed + extra, m->paid + m->commission + m->refund + escrow_of(job));
    assert_int_equal(m->paid, (uint64_t)m->results_paid * j.contract.reward + m->bonus_paid);
    assert_int_equal(m->bonus_paid, (uint64_t)m->bonus_results * j.contract.early_bonus);
    assert_int_equal(m->refund != 0 || j.refunded, j.refunded);
}

static void create_by_customer(const struct cpc_contract *c, uint8_t job[32], struct watch *w)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CREATE;
    tx.u.job_create.contract = *c;
    sign_from(&tx, &C.customer);
    memcpy(job, tx.hash, 32);
    send(&tx, &w->fees_cust, 0);
}

/* Odd amounts so commission floors: reward 15 (commission 1), with the early
 * bonus 22 (commission 2). One early payment, a slash, money from outside,
 * an extension, two late payments, completion. */
static void test_totals_follow_every_payment(void **state)
{
    (void)state;
    register_worker(&C.w1);
    register_worker(&C.cheat);
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 2, 15);
    c.p.hashpow.bits = 8;
    c.early_bonus = 7;
    c.early_blocks = 2;
    struct watch w;
    watch_start(&w);
    uint8_t job[32], nb[8];
    create_by_customer(&c, job, &w);
    assert_int_equal(job_of(job).money.escrowed, 2 * 22 + 4); /* budget 44 + commission 4 */
    solve_hashpow(job, 0, 8, nb);
    result_of(&C.w1, job, 0, nb, 8, &w.fees_w1, 0); /* within early_blocks */
    struct cpc_job j = job_of(job);
    assert_int_equal(j.money.paid, 22);
    assert_int_equal(j.money.bonus_paid, 7);
    assert_int_equal(j.money.commission, 2);
    check_money(job, &w, 0, 0);

    /* a wrong nonce: the cheat's stake pays 10% of 15 = 1 to the treasury, the escrow nothing */
    uint64_t escrow0 = escrow_of(job), stake0 = acct(&C.cheat).stake;
    uint8_t bad[8] = {0};
    solve_hashpow(job, 1, 8, nb);
    bad[7] = (uint8_t)(nb[7] + 1);
    result_of(&C.cheat, job, 1, bad, 8, &w.fees_cheat, CPC_ERR_INVALID_RESULT);
    uint64_t slashed = stake0 - acct(&C.cheat).stake;
    assert_int_equal(slashed, 1);
    assert_int_equal(escrow_of(job), escrow0);
    check_money(job, &w, slashed, 0);

    /* someone else sends 5 units to the escrow address: the refund returns them too */
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    cpc_escrow_address(tx.u.transfer.to, job);
    tx.u.transfer.amount = 5;
    sign_from(&tx, &C.w2);
    send(&tx, &w.fees_w2, 0);
    w.w2 -= 5; /* not a payment to a worker */

    /* + 1 task (22 + 2 escrowed), then late payments: 15 + 1 each */
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_EXTEND;
    memcpy(tx.u.job_extend.job_id, job, 32);
    tx.u.job_extend.add_tasks = 1;
    sign_from(&tx, &C.customer);
    send(&tx, &w.fees_cust, 0);
    assert_int_equal(job_of(job).money.escrowed, 48 + 24);
    empty_blocks(2);
    for (uint32_t i = 1; i < 3; i++) {
        solve_hashpow(job, i, 8, nb);
        result_of(&C.w1, job, i, nb, 8, &w.fees_w1, 0);
    }
    j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_COMPLETED);
    assert_true(j.refunded);
    assert_int_equal(j.money.results_paid, 3);
    assert_int_equal(j.money.bonus_results, 1);
    assert_int_equal(j.money.paid, 22 + 15 + 15);
    assert_int_equal(j.money.commission, 2 + 1 + 1);
    assert_int_equal(j.money.refund, 72 + 5 - 52 - 4); /* two unused bonuses + their commission */
    assert_int_equal(escrow_of(job), 0);
    check_money(job, &w, slashed, 5);
}

/* A cancel after one payment refunds the rest; an expiry with nothing paid
 * refunds all of it. */
static void test_cancel_and_expiry_totals(void **state)
{
    (void)state;
    register_worker(&C.w1);
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_HASHPOW, 3, 1234567);
    c.p.hashpow.bits = 8;
    struct watch w;
    watch_start(&w);
    uint8_t job[32], nb[8];
    create_by_customer(&c, job, &w);
    solve_hashpow(job, 0, 8, nb);
    result_of(&C.w1, job, 0, nb, 8, &w.fees_w1, 0);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CANCEL;
    memcpy(tx.u.job_cancel.job_id, job, 32);
    sign_from(&tx, &C.customer);
    send(&tx, &w.fees_cust, 0);
    struct cpc_job j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_CANCELLED);
    assert_int_equal(j.money.escrowed, 3703701 + 370370); /* budget + floor(budget / 10) */
    assert_int_equal(j.money.paid, 1234567);
    assert_int_equal(j.money.commission, 123456);
    assert_int_equal(j.money.refund, j.money.escrowed - 1234567 - 123456);
    check_money(job, &w, 0, 0);

    c.deadline_blocks = 3;
    c.tasks = 2;
    c.p.hashpow.bits = 40; /* nobody solves it */
    watch_start(&w);
    create_by_customer(&c, job, &w);
    empty_blocks(3);
    j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_EXPIRED);
    assert_int_equal(j.money.paid, 0);
    assert_int_equal(j.money.refund, j.money.escrowed);
    assert_int_equal(j.money.escrowed, 2 * 1234567 + 246913);
    check_money(job, &w, 0, 0);
}

/* exec, 3 replicas: two agree and are paid, the outvoted one is slashed (its
 * stake) and not paid; the escrowed third replica goes back. */
static void test_exec_majority_totals(void **state)
{
    (void)state;
    register_worker(&C.w1);
    register_worker(&C.w2);
    register_worker(&C.cheat);
    struct cpc_contract c;
    exec_contract_of(&c, 17, 3);
    struct watch w;
    watch_start(&w);
    uint8_t job[32];
    create_by_customer(&c, job, &w);
    uint8_t good[32], evil[32], s[3][32], cm[3][32];
    memset(good, 0x11, 32);
    memset(evil, 0x22, 32);
    const struct fx_key *who[3] = {&C.w1, &C.w2, &C.cheat};
    uint64_t *fees[3] = {&w.fees_w1, &w.fees_w2, &w.fees_cheat};
    for (int i = 0; i < 3; i++) {
        memset(s[i], i + 1, 32);
        cpc_exec_commitment(cm[i], i < 2 ? good : evil, 32, who[i]->addr, s[i]);
        result_of(who[i], job, 0, cm[i], 32, fees[i], 0);
    }
    uint64_t stake0 = acct(&C.cheat).stake;
    for (int i = 0; i < 3; i++) {
        struct cpc_tx tx;
        reveal_tx(&tx, who[i], job, 0, i < 2 ? good : evil, 32, s[i]);
        send(&tx, fees[i], i < 2 ? 0 : CPC_ERR_INVALID_RESULT);
    }
    uint64_t slashed = stake0 - acct(&C.cheat).stake;
    assert_int_equal(slashed, 1);
    struct cpc_job j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_COMPLETED);
    assert_int_equal(j.money.results_paid, 2);
    assert_int_equal(j.money.paid, 34);
    assert_int_equal(j.money.commission, 2);
    assert_int_equal(j.money.escrowed, 51 + 5);
    assert_int_equal(j.money.refund, 56 - 36);
    check_money(job, &w, slashed, 0);
}

/* matmul: a cancel while a commit awaits its REVEAL keeps the escrow; the
 * reveal then pays the worker and the refund follows in the same tx. */
static void test_refund_waits_for_the_reveal(void **state)
{
    (void)state;
    register_worker(&C.w1);
    struct cpc_contract c;
    base_contract(&c, CPC_KIND_MATMUL, 2, 1001);
    c.p.matmul.m = 16;
    c.p.matmul.k = 8;
    c.p.matmul.n = 9;
    c.p.matmul.challenges = 4;
    struct watch w;
    watch_start(&w);
    uint8_t job[32], root[32];
    create_by_customer(&c, job, &w);
    struct cpc_matmul_spec spec;
    int32_t *Cm = NULL;
    matmul_work(job, 0, 0, &Cm, &spec, root);
    result_of(&C.w1, job, 0, root, 32, &w.fees_w1, 0);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_JOB_CANCEL;
    memcpy(tx.u.job_cancel.job_id, job, 32);
    sign_from(&tx, &C.customer);
    send(&tx, &w.fees_cust, 0);
    struct cpc_job j = job_of(job);
    assert_int_equal(j.status, CPC_JOB_CANCELLED);
    assert_false(j.refunded);
    assert_int_equal(j.money.refund, 0);
    assert_int_equal(escrow_of(job), j.money.escrowed);
    check_money(job, &w, 0, 0);
    uint64_t reveal_fee = 0;
    {
        struct cpc_tx probe;
        memset(&probe, 0, sizeof probe);
        probe.type = CPC_TX_REVEAL;
        probe.gas_price = 1;
        assert_int_equal(cpc_tx_fee(&probe, &reveal_fee), 0);
    }
    w.fees_w1 += reveal_fee;
    matmul_reveal(&C.w1, job, 0, Cm, &spec, 0);
    free(Cm);
    j = job_of(job);
    assert_true(j.refunded);
    assert_int_equal(j.money.paid, 1001);
    assert_int_equal(j.money.commission, 100);
    assert_int_equal(j.money.escrowed, 2002 + 200);
    assert_int_equal(j.money.refund, 2202 - 1101);
    assert_int_equal(escrow_of(job), 0);
    check_money(job, &w, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_totals_follow_every_payment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_expiry_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_majority_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refund_waits_for_the_reveal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
