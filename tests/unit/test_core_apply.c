/* test_core_apply.c — cpc_apply_tx: transfer, stake, unstake, submit
 * result, failures after inclusion (fee and nonce still charged), replayed
 * nonce, nonce gap, unaffordable fee, overflow, and the supply invariant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core_ledger_fixtures.h"

#define CPC 1000000000ULL

static struct cpc_signer *S;
static struct fx_key K0, K1, KP;
static struct cpc_chain_params P;

struct env {
    struct cpc_state *st;
    struct cpc_overlay ov;
    struct cpc_block_ctx ctx;
    uint64_t supply;
};

static int group_setup(void **state)
{
    (void)state;
    S = cpc_signer_new(NULL);
    fx_key(S, &K0, 0);
    fx_key(S, &K1, 1);
    fx_key(S, &KP, 9);
    fx_params(&P);
    return S ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    cpc_signer_free(S);
    return 0;
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    e->st = cpc_state_new();
    struct cpc_account a0 = {1 * CPC, 0, 0};
    cpc_state_put(e->st, K0.addr, &a0);
    e->supply = 1 * CPC;
    cpc_overlay_init(&e->ov, e->st, NULL);
    e->ctx.params = &P;
    e->ctx.height = 1;
    e->ctx.time_ms = 1000;
    memcpy(e->ctx.proposer, KP.addr, 20);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    cpc_overlay_free(&e->ov);
    cpc_state_free(e->st);
    free(e);
    return 0;
}

static struct cpc_account acct(struct env *e, const uint8_t a[20])
{
    struct cpc_account x;
    cpc_overlay_get(&e->ov, a, &x);
    return x;
}

/* the supply over base + overlay equals the expected */
static void assert_supply(struct env *e)
{
    struct cpc_state *m = cpc_state_clone(e->st);
    assert_int_equal(cpc_state_merge(m, e->ov.delta), 0);
    struct cpc_err err;
    int rc = cpc_state_check_supply(m, e->supply, &err);
    if (rc)
        fail_msg("%s", err.msg);
    cpc_state_free(m);
}

static void overlay_root(struct env *e, uint8_t r[32])
{
    assert_int_equal(cpc_overlay_root(&e->ov, r), 0);
}

static void test_transfer(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    struct cpc_err err;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 1000), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, 0);
    assert_int_equal(res.gas_used, 21000);
    assert_int_equal(res.fee, 21000);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 21000 - 1000);
    assert_int_equal(acct(e, K0.addr).nonce, 1);
    assert_int_equal(acct(e, K1.addr).balance, 1000);
    assert_int_equal(acct(e, K1.addr).nonce, 0);
    assert_int_equal(acct(e, KP.addr).balance, 21000);
    assert_supply(e);
    /* base never mutated */
    struct cpc_account b;
    cpc_state_get(e->st, K0.addr, &b);
    assert_int_equal(b.balance, CPC);
    assert_int_equal(cpc_state_get(e->st, K1.addr, &b), CPC_ERR_NOT_FOUND);

    /* gas price 3 -> fee 63000 */
    fx_base(&tx, CPC_TX_TRANSFER, 1, 3);
    memcpy(tx.u.transfer.to, K1.addr, 20);
    tx.u.transfer.amount = 5;
    assert_int_equal(cpc_tx_sign(&tx, S, K0.sk, NULL), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.fee, 63000);
    assert_int_equal(acct(e, KP.addr).balance, 84000);
    assert_int_equal(acct(e, K1.addr).balance, 1005);
    assert_supply(e);
}

static void test_transfer_to_self(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K0.addr, 5000), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, NULL), 0);
    assert_int_equal(res.code, 0);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 21000);
    assert_int_equal(acct(e, K0.addr).nonce, 1);
    assert_supply(e);
}

static void test_stake_unstake(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    struct cpc_err err;
    assert_int_equal(fx_stake(&tx, S, &K0, CPC_TX_STAKE, 0, 300000), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, 0);
    assert_int_equal(res.fee, 50000);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 50000 - 300000);
    assert_int_equal(acct(e, K0.addr).stake, 300000);
    assert_supply(e);

    assert_int_equal(fx_stake(&tx, S, &K0, CPC_TX_UNSTAKE, 1, 100000), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, 0);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 100000 - 200000);
    assert_int_equal(acct(e, K0.addr).stake, 200000);
    assert_supply(e);

    /* unstake more than staked: included, fails, fee and nonce charged */
    assert_int_equal(fx_stake(&tx, S, &K0, CPC_TX_UNSTAKE, 2, 200001), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, CPC_ERR_INSUFFICIENT_STAKE);
    assert_string_equal(res.error, "Insufficient stake: have 0.0002 CPC, need 0.000200001 CPC");
    assert_int_equal(res.fee, 50000);
    assert_int_equal(acct(e, K0.addr).stake, 200000);
    assert_int_equal(acct(e, K0.addr).nonce, 3);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 150000 - 200000);
    assert_supply(e);

    /* stake more than the balance */
    assert_int_equal(fx_stake(&tx, S, &K0, CPC_TX_STAKE, 3, 2 * CPC), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, CPC_ERR_INSUFFICIENT_BALANCE);
    assert_int_equal(acct(e, K0.addr).stake, 200000);
    assert_supply(e);
}

static void test_submit_result(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    assert_int_equal(fx_result(&tx, S, &K0, 0, 3, 32), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, NULL), 0);
    assert_int_equal(res.code, 0);
    assert_int_equal(res.gas_used, 80000);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 80000);
    assert_int_equal(acct(e, KP.addr).balance, 80000);
    assert_supply(e);

    /* worker != sender: not includable, state unchanged */
    uint8_t before[32], after[32];
    overlay_root(e, before);
    assert_int_equal(fx_result(&tx, S, &K0, 1, 3, 32), 0);
    memcpy(tx.u.result.worker, K1.addr, 20);
    struct cpc_err err;
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_INVALID_RESULT);
    overlay_root(e, after);
    assert_memory_equal(before, after, 32);
}

static void test_failed_after_inclusion(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    struct cpc_err err;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 2 * CPC), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, CPC_ERR_INSUFFICIENT_BALANCE);
    assert_string_equal(res.error, "Insufficient balance: have 0.999979 CPC, need 2 CPC");
    assert_int_equal(res.fee, 21000);
    assert_int_equal(res.gas_used, 21000);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 21000);
    assert_int_equal(acct(e, K0.addr).nonce, 1);
    assert_int_equal(acct(e, K1.addr).balance, 0);
    assert_int_equal(acct(e, KP.addr).balance, 21000);
    assert_supply(e);
}

static void test_nonce_errors(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    struct cpc_err err;
    uint8_t before[32], after[32];
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 1), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    overlay_root(e, before);
    /* same tx again */
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_NONCE_REPLAYED);
    assert_string_equal(err.msg, "Nonce 0 already used (account nonce is 1)");
    /* gap */
    assert_int_equal(fx_transfer(&tx, S, &K0, 5, K1.addr, 1), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_NONCE_GAP);
    overlay_root(e, after);
    assert_memory_equal(before, after, 32);
    assert_int_equal(acct(e, K0.addr).nonce, 1);
}

static void test_fee_unaffordable(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    struct cpc_err err;
    uint8_t before[32], after[32];
    /* give K1 less than one fee */
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 20999), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    overlay_root(e, before);
    assert_int_equal(fx_transfer(&tx, S, &K1, 0, K0.addr, 1), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_INSUFFICIENT_BALANCE);
    assert_true(strncmp(err.msg, "Insufficient balance: ", 22) == 0);
    overlay_root(e, after);
    assert_memory_equal(before, after, 32);
    assert_int_equal(acct(e, K1.addr).nonce, 0);

    /* an unknown sender with gas price 0 on a free chain: included, account created */
    struct cpc_chain_params free_p = P;
    free_p.min_gas_price = 0;
    struct cpc_block_ctx c2 = e->ctx;
    c2.params = &free_p;
    struct fx_key k5;
    fx_key(S, &k5, 5);
    fx_base(&tx, CPC_TX_SUBMIT_RESULT, 0, 0);
    memset(tx.u.result.task_id, 1, 16);
    tx.u.result.result_hash_len = 1;
    memcpy(tx.u.result.worker, k5.addr, 20);
    assert_int_equal(cpc_tx_sign(&tx, S, k5.sk, NULL), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &c2, &tx, &res, &err), 0);
    assert_int_equal(res.fee, 0);
    assert_int_equal(acct(e, k5.addr).nonce, 1);
    /* ... but not on this chain */
    tx.nonce = 1;
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_FEE_TOO_LOW);
    assert_supply(e);
}

static void test_wrong_chain_and_type(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    struct cpc_err err;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 1), 0);
    strcpy(tx.chain_id, "other-1");
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_WRONG_CHAIN);
    assert_string_equal(err.msg, "Wrong chain id: expected cpc-test-1, got other-1");
    tx.type = CPC_TX_TYPE_COUNT; /* no table entry */
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_UNKNOWN_TYPE);
    assert_int_equal(cpc_state_count(e->ov.delta), 0);
}

static void test_proposer_is_sender(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    memcpy(e->ctx.proposer, K0.addr, 20);
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 10), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, NULL), 0);
    assert_int_equal(res.fee, 21000);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 10);
    assert_int_equal(acct(e, K0.addr).nonce, 1);
    assert_supply(e);
}

static void test_overflow(void **state)
{
    struct env *e = *state;
    struct cpc_tx tx;
    struct cpc_tx_result res;
    struct cpc_err err;
    /* recipient near the top: transfer fails after inclusion */
    struct cpc_account rich = {UINT64_MAX - 5, 0, UINT64_MAX - 5};
    cpc_overlay_put(&e->ov, K1.addr, &rich);
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 10), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, CPC_ERR_OVERFLOW);
    assert_int_equal(acct(e, K1.addr).balance, UINT64_MAX - 5);
    assert_int_equal(acct(e, K0.addr).balance, CPC - 21000);

    /* stake overflow: K1 stakes 10 onto UINT64_MAX - 5 (fee to proposer) */
    assert_int_equal(fx_stake(&tx, S, &K1, CPC_TX_STAKE, 0, 10), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), 0);
    assert_int_equal(res.code, CPC_ERR_OVERFLOW);
    assert_int_equal(acct(e, K1.addr).stake, UINT64_MAX - 5);
    assert_int_equal(acct(e, K1.addr).nonce, 1);

    /* proposer balance would overflow: not includable, nothing changes */
    struct cpc_account full = {UINT64_MAX, 0, 0};
    cpc_overlay_put(&e->ov, KP.addr, &full);
    uint8_t before[32], after[32];
    overlay_root(e, before);
    assert_int_equal(fx_transfer(&tx, S, &K0, 1, K1.addr, 1), 0);
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_OVERFLOW);
    overlay_root(e, after);
    assert_memory_equal(before, after, 32);

    /* fee = gas * gas_price overflows */
    fx_base(&tx, CPC_TX_TRANSFER, 1, UINT64_MAX / 2);
    memcpy(tx.u.transfer.to, K1.addr, 20);
    tx.u.transfer.amount = 1;
    assert_int_equal(cpc_apply_tx(&e->ov, &e->ctx, &tx, &res, &err), CPC_ERR_OVERFLOW);
}

/* The per-block lease memo (apply.h): remembers exact (digest, signature)
 * pairs only; a colliding pair replaces the older one, which only costs a
 * verify; NULL is an empty memo. */
static void test_lease_memo(void **state)
{
    (void)state;
    struct cpc_lease_memo *m = calloc(1, sizeof *m);
    assert_non_null(m);
    uint8_t d1[32], d2[32], s1[CPC_SIG_LEN], s2[CPC_SIG_LEN];
    memset(d1, 0x11, 32);
    memset(s1, 0x22, sizeof s1);
    memcpy(d2, d1, 32);
    d2[31] ^= 1; /* same slot (the slot is taken from the first bytes), another digest */
    memcpy(s2, s1, sizeof s2);
    s2[0] ^= 1;
    assert_false(cpc_lease_memo_has(m, d1, s1));
    cpc_lease_memo_add(m, d1, s1);
    assert_true(cpc_lease_memo_has(m, d1, s1));
    assert_false(cpc_lease_memo_has(m, d1, s2)); /* the signature is part of the key */
    assert_false(cpc_lease_memo_has(m, d2, s1));
    cpc_lease_memo_add(m, d2, s1); /* collides: replaces */
    assert_true(cpc_lease_memo_has(m, d2, s1));
    assert_false(cpc_lease_memo_has(m, d1, s1));
    assert_false(cpc_lease_memo_has(NULL, d1, s1));
    cpc_lease_memo_add(NULL, d1, s1); /* no-op */
    free(m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_transfer),          T(test_transfer_to_self),   T(test_stake_unstake),
        T(test_submit_result),     T(test_failed_after_inclusion), T(test_nonce_errors),
        T(test_fee_unaffordable),  T(test_wrong_chain_and_type), T(test_proposer_is_sender),
        T(test_overflow),          cmocka_unit_test(test_lease_memo),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
