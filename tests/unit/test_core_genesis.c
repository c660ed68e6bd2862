/* test_core_genesis.c — genesis document decode/encode, genesis state,
 * block 0 header, and the rejections (duplicates, empty chain id, supply
 * above INT64_MAX, strict fields). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/genesis.h"
#include "core/hex.h"
#include "core_ledger_fixtures.h"

static struct cpc_signer *S;
static struct fx_key K0, K1, KV, KT;
static char A0[CPC_ADDR_STR_MAX], A1[CPC_ADDR_STR_MAX], AT[CPC_ADDR_STR_MAX], VHEX[67];

static int setup(void **state)
{
    (void)state;
    S = cpc_signer_new(NULL);
    fx_key(S, &K0, 0);
    fx_key(S, &K1, 1);
    fx_key(S, &KV, 2);
    fx_key(S, &KT, 3);
    cpc_address_encode(A0, K0.addr);
    cpc_address_encode(AT, KT.addr);
    cpc_address_encode(A1, K1.addr);
    cpc_hex_encode(VHEX, KV.pub, 33);
    return S ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cpc_signer_free(S);
    return 0;
}

static json_t *good_json(void)
{
    json_t *j = json_pack("{s:s, s:I, s:s, s:{s:I, s:I, s:s}, s:[{s:s, s:I, s:I}, {s:s, s:I}]}",
                          "chain_id", "cpc-devnet-1", "genesis_time", (json_int_t)1700000000000LL,
                          "validator", VHEX, "params", "min_gas_price", (json_int_t)1,
                          "max_block_txs", (json_int_t)10000, "treasury", AT, "accounts",
                          "address", A0,
                          "balance", (json_int_t)5000000000LL, "stake", (json_int_t)7, "address",
                          A1, "balance", (json_int_t)3);
    assert_non_null(j);
    return j;
}

static void test_decode_and_state(void **state)
{
    (void)state;
    struct cpc_genesis g;
    struct cpc_err err;
    json_t *j = good_json();
    assert_int_equal(cpc_genesis_from_json(&g, j, &err), 0);
    assert_string_equal(g.params.chain_id, "cpc-devnet-1");
    assert_int_equal(g.params.min_gas_price, 1);
    assert_int_equal(g.params.max_block_txs, 10000);
    assert_memory_equal(g.params.treasury, KT.addr, 20);
    assert_int_equal(g.genesis_time_ms, 1700000000000ULL);
    assert_memory_equal(g.validator, KV.pub, 33);
    assert_int_equal(g.n_accounts, 2);
    assert_memory_equal(g.accounts[0].addr, K0.addr, 20);
    assert_int_equal(g.accounts[0].balance, 5000000000ULL);
    assert_int_equal(g.accounts[0].stake, 7);
    assert_int_equal(g.accounts[1].stake, 0); /* optional */

    struct cpc_state *st = NULL;
    uint64_t supply = 0;
    assert_int_equal(cpc_genesis_state(&g, &st, &supply, &err), 0);
    assert_int_equal(supply, 5000000010ULL);
    assert_int_equal(cpc_state_count(st), 2);
    struct cpc_account a;
    assert_int_equal(cpc_state_get(st, K0.addr, &a), 0);
    assert_int_equal(a.balance, 5000000000ULL);
    assert_int_equal(a.stake, 7);
    assert_int_equal(a.nonce, 0);
    assert_int_equal(cpc_state_check_supply(st, supply, &err), 0);

    struct cpc_block_header h;
    assert_int_equal(cpc_genesis_header(&g, st, &h, &err), 0);
    assert_int_equal(h.height, 0);
    assert_int_equal(h.n_txs, 0);
    assert_int_equal(h.time_ms, 1700000000000ULL);
    assert_string_equal(h.chain_id, "cpc-devnet-1");
    assert_memory_equal(h.proposer, KV.pub, 33);
    uint8_t zero[64] = {0}, root[32];
    assert_memory_equal(h.sig, zero, 64);
    assert_memory_equal(h.prev_hash, zero, 32);
    assert_memory_equal(h.tx_root, zero, 32);
    assert_memory_equal(h.compute_root, zero, 32);
    cpc_state_root(st, root);
    assert_memory_equal(h.state_root, root, 32);
    /* block 0's header survives the header JSON codec */
    json_t *hj = cpc_block_header_to_json(&h);
    struct cpc_block_header h2;
    assert_int_equal(cpc_block_header_from_json(&h2, hj, &err), 0);
    assert_memory_equal(&h2, &h, sizeof h);
    json_decref(hj);

    /* round trip of the document */
    json_t *out = cpc_genesis_to_json(&g);
    assert_non_null(out);
    struct cpc_genesis g2;
    assert_int_equal(cpc_genesis_from_json(&g2, out, &err), 0);
    json_t *out2 = cpc_genesis_to_json(&g2);
    char *s1 = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    char *s2 = json_dumps(out2, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s1, s2);
    assert_non_null(strstr(s1, "\"max_block_txs\":10000"));
    /* the worker bond: absent in the document, the defaults (written back out) */
    assert_int_equal(g.params.min_worker_stake, CPC_DEFAULT_MIN_WORKER_STAKE);
    assert_int_equal(g.params.unbonding_blocks, CPC_DEFAULT_UNBONDING_BLOCKS);
    assert_non_null(strstr(s1, "\"min_worker_stake\":10000000000"));
    assert_non_null(strstr(s1, "\"unbonding_blocks\":100"));
    char tr[80];
    snprintf(tr, sizeof tr, "\"treasury\":\"%s\"", AT);
    assert_non_null(strstr(s1, tr));
    free(s1);
    free(s2);
    json_decref(out);
    json_decref(out2);
    cpc_genesis_clear(&g2);

    cpc_state_free(st);
    cpc_genesis_clear(&g);
    cpc_genesis_clear(NULL);
    json_decref(j);
}

static json_t *ACC(json_t *j, size_t i) { return json_array_get(json_object_get(j, "accounts"), i); }
static void m_dup(json_t *j) { json_object_set_new(ACC(j, 1), "address", json_string(A0)); }
static void m_empty_chain(json_t *j) { json_object_set_new(j, "chain_id", json_string("")); }
static void m_supply(json_t *j)
{
    json_object_set_new(ACC(j, 0), "balance", json_integer(INT64_MAX / 2 + 1));
    json_object_set_new(ACC(j, 1), "balance", json_integer(INT64_MAX / 2 + 1));
}
static void m_extra(json_t *j) { json_object_set_new(j, "foo", json_integer(1)); }
static void m_acc_extra(json_t *j) { json_object_set_new(ACC(j, 0), "nonce", json_integer(1)); }
static void m_validator(json_t *j)
{
    json_object_set_new(j, "validator", json_string("02ffffffffffffffffffffffffffffffff"
                                                    "ffffffffffffffffffffffffffffffff"));
}
static void m_validator_short(json_t *j) { json_object_set_new(j, "validator", json_string("02ab")); }
static void m_max_zero(json_t *j)
{
    json_object_set_new(json_object_get(j, "params"), "max_block_txs", json_integer(0));
}
static void m_min_stake_zero(json_t *j)
{
    json_object_set_new(json_object_get(j, "params"), "min_worker_stake", json_integer(0));
}
static void m_unbonding_zero(json_t *j)
{
    json_object_set_new(json_object_get(j, "params"), "unbonding_blocks", json_integer(0));
}
static void m_unbonding_str(json_t *j)
{
    json_object_set_new(json_object_get(j, "params"), "unbonding_blocks", json_string("100"));
}
static void m_neg_balance(json_t *j) { json_object_set_new(ACC(j, 1), "balance", json_integer(-1)); }
static void m_no_params(json_t *j) { json_object_del(j, "params"); }
static void m_no_treasury(json_t *j) { json_object_del(json_object_get(j, "params"), "treasury"); }
static void m_bad_treasury(json_t *j)
{
    json_object_set_new(json_object_get(j, "params"), "treasury", json_string("cpc1xyz"));
}
static void m_int_treasury(json_t *j)
{
    json_object_set_new(json_object_get(j, "params"), "treasury", json_integer(5));
}
static void m_acc_obj(json_t *j) { json_object_set_new(j, "accounts", json_object()); }
static void m_bad_addr(json_t *j) { json_object_set_new(ACC(j, 0), "address", json_string("cpc1")); }
static void m_time_str(json_t *j) { json_object_set_new(j, "genesis_time", json_string("now")); }

static void test_rejections(void **state)
{
    (void)state;
    struct {
        void (*m)(json_t *);
        int code;
        const char *needle;
    } cases[] = {
        {m_dup, CPC_ERR_INVALID, "duplicate address"},
        {m_empty_chain, CPC_ERR_INVALID, "chain_id"},
        {m_supply, CPC_ERR_OVERFLOW, "total supply"},
        {m_extra, CPC_ERR_INVALID, "unknown field 'foo'"},
        {m_acc_extra, CPC_ERR_INVALID, "accounts[0]: unknown field 'nonce'"},
        {m_validator, CPC_ERR_INVALID, "validator"},
        {m_validator_short, CPC_ERR_INVALID, "validator"},
        {m_max_zero, CPC_ERR_INVALID, "params.max_block_txs"},
        {m_min_stake_zero, CPC_ERR_INVALID, "params.min_worker_stake"},
        {m_unbonding_zero, CPC_ERR_INVALID, "params.unbonding_blocks"},
        {m_unbonding_str, CPC_ERR_INVALID, "params.unbonding_blocks"},
        {m_neg_balance, CPC_ERR_INVALID, "accounts[1].balance"},
        {m_no_params, CPC_ERR_INVALID, "params: missing"},
        {m_no_treasury, CPC_ERR_INVALID, "params.treasury: missing"},
        {m_bad_treasury, CPC_ERR_INVALID, "params.treasury: not a valid cpc1 address"},
        {m_int_treasury, CPC_ERR_INVALID, "params.treasury: expected a string"},
        {m_acc_obj, CPC_ERR_INVALID, "accounts: expected an array"},
        {m_bad_addr, CPC_ERR_INVALID, "accounts[0].address: not a valid cpc1 address"},
        {m_time_str, CPC_ERR_INVALID, "genesis_time: expected an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *j = good_json();
        cases[i].m(j);
        struct cpc_genesis g;
        struct cpc_err err = {0};
        int rc = cpc_genesis_from_json(&g, j, &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: rc %d msg '%s' (want '%s')", i, rc, err.msg, cases[i].needle);
        assert_null(g.accounts);
        json_decref(j);
    }
}

static void test_state_rejections(void **state)
{
    (void)state;
    struct cpc_genesis_account accs[2] = {{{0}, 10, 0}, {{0}, 20, 0}};
    memcpy(accs[0].addr, K0.addr, 20);
    memcpy(accs[1].addr, K0.addr, 20);
    struct cpc_genesis g = {.accounts = accs, .n_accounts = 2};
    strcpy(g.params.chain_id, "c-1");
    struct cpc_state *st = (struct cpc_state *)1;
    uint64_t supply;
    struct cpc_err err;
    assert_int_equal(cpc_genesis_state(&g, &st, &supply, &err), CPC_ERR_INVALID);
    assert_null(st);
    assert_non_null(strstr(err.msg, "duplicate"));
    memcpy(accs[1].addr, K1.addr, 20);
    accs[0].balance = UINT64_MAX;
    assert_int_equal(cpc_genesis_state(&g, &st, &supply, &err), CPC_ERR_OVERFLOW);
    accs[0].balance = INT64_MAX;
    assert_int_equal(cpc_genesis_state(&g, &st, &supply, &err), CPC_ERR_OVERFLOW);
    accs[0].balance = INT64_MAX - 20;
    assert_int_equal(cpc_genesis_state(&g, &st, &supply, &err), 0);
    assert_int_equal(supply, INT64_MAX);
    cpc_state_free(st);
    g.params.chain_id[0] = 0;
    assert_int_equal(cpc_genesis_state(&g, &st, &supply, &err), CPC_ERR_INVALID);
}

/* params.protocol: absent = 1 (the rules before the version), which this build
 * refuses to run with a message that says what to do; the current version
 * runs; a newer one is rejected. params.max_block_gas: absent = the default,
 * below the minimum rejected. Both survive the JSON round trip. */
static void test_protocol_version(void **state)
{
    (void)state;
    struct cpc_genesis g;
    struct cpc_err err = {0};
    json_t *j = good_json(); /* an old-style genesis: no protocol, no max_block_gas */
    assert_int_equal(cpc_genesis_from_json(&g, j, &err), 0);
    assert_int_equal(g.params.protocol, 1);
    assert_int_equal(g.params.max_block_gas, CPC_DEFAULT_MAX_BLOCK_GAS);
    assert_int_equal(cpc_genesis_check_protocol(&g, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "protocol 1"));
    assert_non_null(strstr(err.msg, "fresh devnet home"));
    assert_non_null(strstr(err.msg, "older build"));
    cpc_genesis_clear(&g);

    json_t *pj = json_object_get(j, "params");
    json_object_set_new(pj, "protocol", json_integer(CPC_PROTOCOL_VERSION));
    json_object_set_new(pj, "max_block_gas", json_integer(123456789));
    assert_int_equal(cpc_genesis_from_json(&g, j, &err), 0);
    assert_int_equal(g.params.protocol, CPC_PROTOCOL_VERSION);
    assert_int_equal(g.params.max_block_gas, 123456789);
    assert_int_equal(cpc_genesis_check_protocol(&g, &err), 0);
    json_t *out = cpc_genesis_to_json(&g);
    assert_non_null(out);
    const json_t *op = json_object_get(out, "params");
    assert_int_equal(json_integer_value(json_object_get(op, "protocol")), CPC_PROTOCOL_VERSION);
    assert_int_equal(json_integer_value(json_object_get(op, "max_block_gas")), 123456789);
    json_decref(out);
    cpc_genesis_clear(&g);

    json_object_set_new(pj, "protocol", json_integer(CPC_PROTOCOL_VERSION + 1));
    assert_int_equal(cpc_genesis_from_json(&g, j, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "protocol"));
    json_object_set_new(pj, "protocol", json_integer(CPC_PROTOCOL_VERSION));
    json_object_set_new(pj, "max_block_gas", json_integer(CPC_MIN_BLOCK_GAS - 1));
    assert_int_equal(cpc_genesis_from_json(&g, j, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "max_block_gas"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_and_state),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_state_rejections),
        cmocka_unit_test(test_protocol_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
