/* test_core_tx.c — transactions: canonical encoding, signing and
 * verification, every named cpc_tx_check error, SUBMIT_RESULT validation
 * ("Invalid ComputeResult: ...") and its optional lease, strict JSON
 * decoding, and the ownership of the heap `ext` bytes (cpc_tx_copy/clear). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "core_ledger_fixtures.h"

static struct cpc_signer *S;
static struct fx_key K0, K1;

static int setup(void **state)
{
    (void)state;
    S = cpc_signer_new(NULL);
    if (!S)
        return -1;
    fx_key(S, &K0, 0);
    fx_key(S, &K1, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cpc_signer_free(S);
    return 0;
}

static char *dump(const struct cpc_tx *tx)
{
    json_t *j = cpc_tx_to_json(tx);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    assert_non_null(s);
    return s;
}

/* Decode the tx JSON after letting `mut` edit a deep copy of it. */
static int decode_mutated(const struct cpc_tx *tx, void (*mut)(json_t *), struct cpc_err *err)
{
    json_t *j = cpc_tx_to_json(tx);
    assert_non_null(j);
    mut(j);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_non_null(s);
    struct cpc_tx out;
    int rc = cpc_tx_from_json_text(&out, s, strlen(s), err);
    if (rc == 0)
        cpc_tx_clear(&out);
    free(s);
    return rc;
}

static int decode_text(const char *s, struct cpc_err *err)
{
    struct cpc_tx out;
    int rc = cpc_tx_from_json_text(&out, s, strlen(s), err);
    if (rc == 0)
        cpc_tx_clear(&out);
    return rc;
}

static void test_names_gas_fee(void **state)
{
    (void)state;
    assert_string_equal(cpc_tx_type_name(CPC_TX_TRANSFER), "TRANSFER");
    assert_string_equal(cpc_tx_type_name(CPC_TX_SUBMIT_RESULT), "SUBMIT_RESULT");
    assert_string_equal(cpc_tx_type_name((enum cpc_tx_type)99), "UNKNOWN");
    assert_int_equal(cpc_tx_type_from_name("UNSTAKE"), CPC_TX_UNSTAKE);
    assert_int_equal(cpc_tx_type_from_name("transfer"), CPC_TX_NONE);
    assert_int_equal(cpc_tx_type_from_name("JOB_CREATE"), CPC_TX_JOB_CREATE);
    assert_int_equal(cpc_tx_type_from_name("WORKER_REGISTER"), CPC_TX_WORKER_REGISTER);
    assert_int_equal(cpc_tx_type_from_name("job_create"), CPC_TX_NONE);
    assert_int_equal(cpc_tx_type_from_name("WORKER_DEREGISTER"), CPC_TX_WORKER_DEREGISTER);
    assert_int_equal((int)CPC_TX_WORKER_DEREGISTER, 11);
    {
        static const struct { enum cpc_tx_type t; uint64_t gas; } market_gas[] = {
            {CPC_TX_JOB_CANCEL, 50000}, {CPC_TX_REVEAL, 200000},
            {CPC_TX_VERDICT, 50000},     {CPC_TX_WORKER_REGISTER, 60000},
            {CPC_TX_WORKER_DEREGISTER, 50000},
        };
        for (size_t i = 0; i < sizeof market_gas / sizeof market_gas[0]; i++) {
            struct cpc_tx m;
            memset(&m, 0, sizeof m);
            m.type = market_gas[i].t;
            assert_int_equal(cpc_tx_gas(&m), market_gas[i].gas);
        }
    }

    struct cpc_tx tx;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 500), 0);
    assert_int_equal(cpc_tx_gas(&tx), 21000);
    tx.gas_price = 3;
    uint64_t fee, cost;
    assert_int_equal(cpc_tx_fee(&tx, &fee), 0);
    assert_int_equal(fee, 63000);
    assert_int_equal(cpc_tx_max_cost(&tx, &cost), 0);
    assert_int_equal(cost, 63500);
    uint8_t to[20];
    assert_true(cpc_tx_recipient(&tx, to));
    assert_memory_equal(to, K1.addr, 20);
    tx.gas_price = UINT64_MAX / 1000;
    assert_int_equal(cpc_tx_fee(&tx, &fee), CPC_ERR_OVERFLOW);

    assert_int_equal(fx_stake(&tx, S, &K0, CPC_TX_STAKE, 0, 7), 0);
    assert_int_equal(cpc_tx_gas(&tx), 50000);
    assert_int_equal(cpc_tx_max_cost(&tx, &cost), 0);
    assert_int_equal(cost, 50007);
    assert_false(cpc_tx_recipient(&tx, to));
    assert_int_equal(fx_stake(&tx, S, &K0, CPC_TX_UNSTAKE, 0, 7), 0);
    assert_int_equal(cpc_tx_max_cost(&tx, &cost), 0);
    assert_int_equal(cost, 50000); /* unstake spends nothing besides the fee */
    assert_int_equal(fx_result(&tx, S, &K0, 0, 1, 32), 0);
    assert_int_equal(cpc_tx_gas(&tx), 80000);
}

static void test_canonical_encoding(void **state)
{
    (void)state;
    struct cpc_tx tx;
    assert_int_equal(fx_transfer(&tx, S, &K0, 5, K1.addr, 0x0102030405060708ULL), 0);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_tx_encode(&tx, &b, false);
    size_t cl = strlen(FX_CHAIN);
    assert_int_equal(b.len, 1 + 4 + cl + 1 + 33 + 8 + 8 + 20 + 8);
    assert_int_equal(b.data[0], 1);
    assert_int_equal(b.data[4], cl);
    assert_memory_equal(b.data + 5, FX_CHAIN, cl);
    assert_int_equal(b.data[5 + cl], CPC_TX_TRANSFER);
    assert_memory_equal(b.data + 6 + cl, K0.pub, 33);
    assert_int_equal(b.data[6 + cl + 33 + 7], 5);                /* nonce, big-endian */
    assert_int_equal(b.data[6 + cl + 33 + 15], 1);               /* gas price */
    assert_memory_equal(b.data + 6 + cl + 49, K1.addr, 20);      /* payload.to */
    assert_int_equal(b.data[b.len - 8], 0x01);                   /* amount, big-endian */
    assert_int_equal(b.data[b.len - 1], 0x08);
    uint8_t sh[32], want[32];
    cpc_sha256(want, b.data, b.len);
    assert_int_equal(cpc_tx_sighash(&tx, sh), 0);
    assert_memory_equal(sh, want, 32);
    cpc_tx_encode(&tx, &b, true); /* appended: now unsigned || signed */
    size_t half = (b.len - 64) / 2;
    assert_int_equal(b.len, 2 * half + 64);
    assert_memory_equal(b.data + 2 * half, tx.sig, 64);
    cpc_sha256(want, b.data + half, b.len - half);
    assert_memory_equal(tx.hash, want, 32);
    cpc_buf_free(&b);

    /* SUBMIT_RESULT payload: task_id[16] | var result_hash | worker[20] | u8 has_lease */
    assert_int_equal(fx_result(&tx, S, &K0, 0, 0xab, 3), 0);
    cpc_buf_init(&b);
    cpc_tx_encode_payload(&tx, &b);
    assert_int_equal(b.len, 16 + 4 + 3 + 20 + 1);
    assert_int_equal(b.data[0], 0xab);
    assert_int_equal(b.data[19], 3);
    assert_memory_equal(b.data + 23, K0.addr, 20);
    assert_int_equal(b.data[43], 0);
    cpc_buf_free(&b);

    /* with a lease: ... | u8 1 | u64 expires | sig[64] */
    tx.u.result.has_lease = 1;
    tx.u.result.lease_expires = 0x0102030405060708ULL;
    memset(tx.u.result.lease_sig, 0x5c, 64);
    cpc_buf_init(&b);
    cpc_tx_encode_payload(&tx, &b);
    assert_int_equal(b.len, 16 + 4 + 3 + 20 + 1 + 8 + 64);
    assert_int_equal(b.data[43], 1);
    assert_int_equal(b.data[44], 0x01);
    assert_int_equal(b.data[51], 0x08);
    assert_int_equal(b.data[52], 0x5c);
    assert_int_equal(b.data[b.len - 1], 0x5c);
    cpc_buf_free(&b);
}

static void test_sign_verify_all_types(void **state)
{
    (void)state;
    struct cpc_tx txs[4];
    assert_int_equal(fx_transfer(&txs[0], S, &K0, 0, K1.addr, 1000), 0);
    assert_int_equal(fx_stake(&txs[1], S, &K0, CPC_TX_STAKE, 1, 10), 0);
    assert_int_equal(fx_stake(&txs[2], S, &K0, CPC_TX_UNSTAKE, 2, 10), 0);
    assert_int_equal(fx_result(&txs[3], S, &K0, 3, 9, 32), 0);
    for (int i = 0; i < 4; i++) {
        struct cpc_err err = {0};
        assert_memory_equal(txs[i].pubkey, K0.pub, 33);
        assert_memory_equal(txs[i].from, K0.addr, 20);
        assert_int_equal(cpc_tx_check(&txs[i], FX_CHAIN, 1, &err), 0);
        /* deterministic (RFC 6979): signing again gives the same signature */
        struct cpc_tx again = txs[i];
        assert_int_equal(cpc_tx_sign(&again, S, K0.sk, NULL), 0);
        assert_memory_equal(again.sig, txs[i].sig, 64);
        assert_memory_equal(again.hash, txs[i].hash, 32);
    }
    /* different txs have different hashes */
    assert_memory_not_equal(txs[1].hash, txs[2].hash, 32);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    struct cpc_tx txs[4];
    assert_int_equal(fx_transfer(&txs[0], S, &K0, 42, K1.addr, INT64_MAX), 0);
    assert_int_equal(fx_stake(&txs[1], S, &K1, CPC_TX_STAKE, 1, 10), 0);
    assert_int_equal(fx_stake(&txs[2], S, &K1, CPC_TX_UNSTAKE, 2, 10), 0);
    assert_int_equal(fx_result(&txs[3], S, &K0, 3, 9, 64), 0);
    for (int i = 0; i < 4; i++) {
        char *a = dump(&txs[i]);
        struct cpc_tx back;
        struct cpc_err err = {0};
        assert_int_equal(cpc_tx_from_json_text(&back, a, strlen(a), &err), 0);
        assert_memory_equal(back.hash, txs[i].hash, 32);
        assert_int_equal(cpc_tx_check(&back, FX_CHAIN, 1, &err), 0);
        char *b = dump(&back);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    /* wire form */
    json_t *j = cpc_tx_to_json(&txs[3]);
    assert_string_equal(json_string_value(json_object_get(j, "tx_type")), "SUBMIT_RESULT");
    assert_int_equal(json_integer_value(json_object_get(j, "gas")), 80000);
    json_t *p = json_object_get(j, "payload");
    assert_string_equal(json_string_value(json_object_get(p, "task_id")),
                        "09090909-0909-0909-0909-090909090909");
    char addr[CPC_ADDR_STR_MAX];
    cpc_address_encode(addr, K0.addr);
    assert_string_equal(json_string_value(json_object_get(p, "worker_address")), addr);
    assert_string_equal(json_string_value(json_object_get(j, "from")), addr);
    assert_int_equal(strlen(json_string_value(json_object_get(p, "result_hash"))), 128);
    json_decref(j);
    j = cpc_tx_to_json(&txs[0]);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "payload"), "amount")),
                     INT64_MAX);
    assert_int_equal(json_integer_value(json_object_get(j, "nonce")), 42);
    json_decref(j);
}

static void test_result_hash_0x_prefix(void **state)
{
    (void)state;
    struct cpc_tx tx, back;
    assert_int_equal(fx_result(&tx, S, &K0, 0, 1, 4), 0);
    json_t *j = cpc_tx_to_json(&tx);
    json_t *p = json_object_get(j, "payload");
    char want[16];
    cpc_hex_encode(want, tx.u.result.result_hash, 4);
    assert_string_equal(json_string_value(json_object_get(p, "result_hash")), want);
    char up[16] = "0X";
    for (int i = 0; i < 8; i++)
        up[2 + i] = (char)((want[i] >= 'a') ? want[i] - 32 : want[i]);
    up[10] = 0;
    json_object_set_new(p, "result_hash", json_string(up));
    assert_int_equal(cpc_tx_from_json(&back, j, NULL), 0);
    assert_memory_equal(back.hash, tx.hash, 32);
    json_decref(j);
    j = cpc_tx_to_json(&back);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "payload"), "result_hash")), want);
    json_decref(j);
}

/* n - s for secp256k1's order n, big-endian 32 bytes */
static void negate_s(uint8_t s[32])
{
    static const uint8_t N[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
                                  0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = N[i] - s[i] - borrow;
        borrow = d < 0;
        s[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void test_check_errors(void **state)
{
    (void)state;
    struct cpc_tx tx, t;
    struct cpc_err err;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 1000), 0);

    t = tx;
    assert_int_equal(cpc_tx_check(&t, "cpc-main-1", 1, &err), CPC_ERR_WRONG_CHAIN);
    assert_string_equal(err.msg, "Wrong chain id: expected cpc-main-1, got cpc-test-1");

    t = tx;
    memcpy(t.from, K1.addr, 20);
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_PUBKEY_MISMATCH);
    assert_string_equal(err.msg, "Public key does not match the from address");

    t = tx;
    negate_s(t.sig + 32);
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_HIGH_S);
    assert_string_equal(err.msg, "Signature is not low-S (malleable)");
    negate_s(t.sig + 32); /* back to the original: valid again */
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), 0);

    t = tx;
    t.sig[5] ^= 0x40;
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_BAD_SIGNATURE);
    assert_string_equal(err.msg, "Invalid signature");

    t = tx;
    t.u.transfer.amount = 1001; /* tampered after signing */
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_BAD_SIGNATURE);

    t = tx;
    memcpy(t.pubkey, K1.pub, 33); /* signature by K0, claims K1 */
    memcpy(t.from, K1.addr, 20);
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_BAD_SIGNATURE);

    t = tx;
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 2, &err), CPC_ERR_FEE_TOO_LOW);
    assert_string_equal(err.msg, "Gas price 1 is below the minimum 2");

    t = tx;
    t.type = CPC_TX_TYPE_COUNT; /* no table entry */
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_UNKNOWN_TYPE);

    t = tx;
    t.u.transfer.amount = 0;
    assert_int_equal(cpc_tx_sign(&t, S, K0.sk, NULL), 0);
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "payload.amount"));
}

static void test_invalid_results(void **state)
{
    (void)state;
    struct cpc_tx tx, t;
    struct cpc_err err;
    assert_int_equal(fx_result(&tx, S, &K0, 0, 1, 32), 0);
    assert_int_equal(cpc_tx_check_payload(&tx, &err), 0);

    t = tx;
    memcpy(t.u.result.worker, K1.addr, 20);
    assert_int_equal(cpc_tx_sign(&t, S, K0.sk, NULL), 0);
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg, "Invalid ComputeResult: worker_address must equal the sender");
    assert_int_equal(cpc_tx_check(&t, FX_CHAIN, 1, &err), CPC_ERR_INVALID_RESULT);
    /* the JSON decoder runs the same check */
    char *s = dump(&t);
    assert_int_equal(decode_text(s, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg, "Invalid ComputeResult: worker_address must equal the sender");
    free(s);

    t = tx;
    t.u.result.result_hash_len = 0;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg, "Invalid ComputeResult: result_hash is empty");
    t.u.result.result_hash_len = 65;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_true(strncmp(err.msg, "Invalid ComputeResult: ", 23) == 0);
}

/* JSON payload mutations for SUBMIT_RESULT */
static void m_task_bad(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "task_id", json_string("not-a-uuid"));
}
static void m_task_int(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "task_id", json_integer(5));
}
static void m_hash_nothex(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "result_hash", json_string("zz11"));
}
static void m_hash_odd(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "result_hash", json_string("abc"));
}
static void m_hash_empty(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "result_hash", json_string(""));
}
static void m_hash_0x_only(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "result_hash", json_string("0x"));
}
static void m_hash_65(json_t *j)
{
    char h[131];
    memset(h, 'a', 130);
    h[130] = 0;
    json_object_set_new(json_object_get(j, "payload"), "result_hash", json_string(h));
}
static void m_worker_bad(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "worker_address", json_string("cpc1xyz"));
}
static void m_result_extra(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "bonus", json_true());
}

static void test_invalid_results_json(void **state)
{
    (void)state;
    struct cpc_tx tx;
    struct cpc_err err;
    assert_int_equal(fx_result(&tx, S, &K0, 0, 1, 32), 0);
    struct {
        void (*m)(json_t *);
        const char *msg;
    } cases[] = {
        {m_task_bad, "Invalid ComputeResult: task_id is not a UUID"},
        {m_task_int, "Invalid ComputeResult: task_id is not a UUID"},
        {m_hash_nothex, "Invalid ComputeResult: result_hash is not hex"},
        {m_hash_odd, "Invalid ComputeResult: result_hash is not hex"},
        {m_hash_empty, "Invalid ComputeResult: result_hash is empty"},
        {m_hash_0x_only, "Invalid ComputeResult: result_hash is empty"},
        {m_hash_65, "Invalid ComputeResult: result_hash is longer than 64 bytes"},
        {m_worker_bad, "Invalid ComputeResult: worker_address is not a valid cpc1 address"},
        {m_result_extra, "Invalid ComputeResult: payload: unknown field 'bonus'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(decode_mutated(&tx, cases[i].m, &err), CPC_ERR_INVALID_RESULT);
        assert_string_equal(err.msg, cases[i].msg);
    }
}

/* generic strict-decoding mutations */
static void m_del_nonce(json_t *j) { json_object_del(j, "nonce"); }
static void m_del_payload(json_t *j) { json_object_del(j, "payload"); }
static void m_extra(json_t *j) { json_object_set_new(j, "memo", json_string("hi")); }
static void m_nonce_str(json_t *j) { json_object_set_new(j, "nonce", json_string("1")); }
static void m_nonce_neg(json_t *j) { json_object_set_new(j, "nonce", json_integer(-1)); }
static void m_nonce_real(json_t *j) { json_object_set_new(j, "nonce", json_real(1.0)); }
static void m_type_bad(json_t *j) { json_object_set_new(j, "tx_type", json_string("MINT")); }
static void m_from_bad(json_t *j) { json_object_set_new(j, "from", json_string("cpc1qqqq")); }
static void m_to_bad(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "to", json_string("bc1qxyz"));
}
static void m_amount_zero(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "amount", json_integer(0));
}
static void m_amount_str(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "amount", json_string("5"));
}
static void m_payload_extra(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "fee", json_integer(1));
}
static void m_payload_arr(json_t *j) { json_object_set_new(j, "payload", json_array()); }
static void m_pubkey_short(json_t *j)
{
    const char *p = json_string_value(json_object_get(j, "pubkey"));
    char buf[80];
    snprintf(buf, sizeof buf, "%.64s", p);
    json_object_set_new(j, "pubkey", json_string(buf));
}
static void m_sig_nothex(json_t *j)
{
    char buf[129];
    memset(buf, 'g', 128);
    buf[128] = 0;
    json_object_set_new(j, "signature", json_string(buf));
}
static void m_hash_wrong(json_t *j)
{
    char buf[65];
    memset(buf, '0', 64);
    buf[64] = 0;
    json_object_set_new(j, "hash", json_string(buf));
}
static void m_chain_long(json_t *j)
{
    char buf[80];
    memset(buf, 'c', 70);
    buf[70] = 0;
    json_object_set_new(j, "chain_id", json_string(buf));
}
static void m_chain_space(json_t *j) { json_object_set_new(j, "chain_id", json_string("a b")); }
static void m_ignored(json_t *j)
{
    json_object_set_new(j, "gas", json_string("whatever"));
    json_object_set_new(j, "fee", json_integer(123));
    json_object_del(j, "hash");
}

static void test_strict_decoding(void **state)
{
    (void)state;
    struct cpc_tx tx;
    struct cpc_err err;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 1000), 0);
    struct {
        void (*m)(json_t *);
        int code;
        const char *needle;
    } cases[] = {
        {m_del_nonce, CPC_ERR_INVALID, "nonce: missing"},
        {m_del_payload, CPC_ERR_INVALID, "payload: missing"},
        {m_extra, CPC_ERR_INVALID, "unknown field 'memo'"},
        {m_nonce_str, CPC_ERR_INVALID, "nonce: expected an integer"},
        {m_nonce_neg, CPC_ERR_INVALID, "nonce:"},
        {m_nonce_real, CPC_ERR_INVALID, "nonce: expected an integer"},
        {m_type_bad, CPC_ERR_UNKNOWN_TYPE, "tx_type"},
        {m_from_bad, CPC_ERR_INVALID, "from: not a valid cpc1 address"},
        {m_to_bad, CPC_ERR_INVALID, "payload.to: not a valid cpc1 address"},
        {m_amount_zero, CPC_ERR_INVALID, "payload.amount"},
        {m_amount_str, CPC_ERR_INVALID, "payload.amount: expected an integer"},
        {m_payload_extra, CPC_ERR_INVALID, "payload: unknown field 'fee'"},
        {m_payload_arr, CPC_ERR_INVALID, "payload: expected an object"},
        {m_pubkey_short, CPC_ERR_INVALID, "pubkey"},
        {m_sig_nothex, CPC_ERR_INVALID, "signature"},
        {m_hash_wrong, CPC_ERR_INVALID, "hash: does not match"},
        {m_chain_long, CPC_ERR_INVALID, "chain_id"},
        {m_chain_space, CPC_ERR_INVALID, "chain_id"},
        {m_ignored, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&err, 0, sizeof err);
        int rc = decode_mutated(&tx, cases[i].m, &err);
        if (rc != cases[i].code)
            fail_msg("case %zu: rc %d (%s), want %d", i, rc, err.msg, cases[i].code);
        if (cases[i].needle && !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, cases[i].needle);
    }

    /* text-level problems */
    char *good = dump(&tx);
    size_t len = strlen(good);
    struct cpc_tx out;
    assert_int_equal(cpc_tx_from_json_text(&out, good, len - 1, &err), CPC_ERR_INVALID); /* truncated */
    assert_non_null(strstr(err.msg, "Invalid JSON"));
    assert_int_equal(cpc_tx_from_json_text(&out, good, len / 2, &err), CPC_ERR_INVALID);
    /* duplicate key: repeat "nonce" at the front */
    char *dup = malloc(len + 16);
    snprintf(dup, len + 16, "{\"nonce\":0,%s", good + 1);
    assert_int_equal(decode_text(dup, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "duplicate"));
    free(dup);
    assert_int_equal(decode_text("[1,2]", &err), CPC_ERR_INVALID);
    assert_int_equal(decode_text("{}", &err), CPC_ERR_INVALID);
    assert_int_equal(decode_text("\"x\"", &err), CPC_ERR_INVALID);
    char *big = malloc(CPC_TX_JSON_MAX + 2);
    memset(big, ' ', CPC_TX_JSON_MAX + 1);
    big[CPC_TX_JSON_MAX + 1] = 0;
    assert_int_equal(cpc_tx_from_json_text(&out, big, CPC_TX_JSON_MAX + 1, &err),
                     CPC_ERR_TOO_LARGE);
    free(big);
    /* trailing garbage */
    char *trail = malloc(len + 4);
    snprintf(trail, len + 4, "%s{}", good);
    assert_int_equal(decode_text(trail, &err), CPC_ERR_INVALID);
    free(trail);
    free(good);
}


/* ---- SUBMIT_RESULT lease ---- */

static void with_lease(struct cpc_tx *tx, uint64_t expires, uint8_t sig_byte)
{
    tx->u.result.has_lease = 1;
    tx->u.result.lease_expires = expires;
    memset(tx->u.result.lease_sig, sig_byte, 64);
    assert_int_equal(cpc_tx_sign(tx, S, K0.sk, NULL), 0);
}

static void test_result_lease(void **state)
{
    (void)state;
    struct cpc_tx plain, tx, back;
    struct cpc_err err;
    assert_int_equal(fx_result(&plain, S, &K0, 0, 1, 32), 0);
    char *s = dump(&plain);
    assert_null(strstr(s, "lease")); /* no lease: no key */
    free(s);

    tx = plain;
    with_lease(&tx, 1234, 0xa7);
    assert_memory_not_equal(tx.hash, plain.hash, 32); /* the lease is signed over */
    assert_int_equal(cpc_tx_check(&tx, FX_CHAIN, 1, &err), 0);
    s = dump(&tx);
    char want[200];
    char sig[129];
    memset(sig, 0, sizeof sig);
    for (int i = 0; i < 64; i++)
        memcpy(sig + 2 * i, "a7", 2);
    snprintf(want, sizeof want, "\"lease\":{\"expires\":1234,\"signature\":\"%s\"}", sig);
    assert_non_null(strstr(s, want));
    assert_int_equal(cpc_tx_from_json_text(&back, s, strlen(s), &err), 0);
    assert_int_equal(back.u.result.has_lease, 1);
    assert_int_equal(back.u.result.lease_expires, 1234);
    assert_memory_equal(back.u.result.lease_sig, tx.u.result.lease_sig, 64);
    assert_memory_equal(back.hash, tx.hash, 32);
    cpc_tx_clear(&back);
    free(s);

    /* binary-level checks */
    struct cpc_tx t = tx;
    t.u.result.has_lease = 3;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg, "Invalid ComputeResult: lease flag must be 0, 1 or 2");
    t.u.result.has_lease = 2; /* a set member with no set fields */
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg, "Invalid ComputeResult: lease index, size or path is malformed");
    t = plain;
    t.u.result.lease_expires = 5;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg, "Invalid ComputeResult: lease fields are set but has_lease is 0");
    t = tx;
    t.u.result.lease_expires = (uint64_t)INT64_MAX + 1;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_true(strncmp(err.msg, "Invalid ComputeResult: lease.expires", 36) == 0);
}

/* A member of a lease set of 5: index 2 has depth 3 (siblings 3, (0,1), 4). */
static void with_set_lease(struct cpc_tx *tx, uint16_t index, uint16_t size)
{
    tx->u.result.has_lease = 2;
    tx->u.result.lease_expires = 900;
    memset(tx->u.result.lease_sig, 0x5c, 64);
    struct cpc_lease_set_ref *ls = &tx->u.result.lease_set;
    memset(ls, 0, sizeof *ls);
    ls->index = index;
    ls->size = size;
    ls->depth = (uint8_t)cpc_merkle_depth(size, index);
    for (unsigned k = 0; k < ls->depth; k++)
        memset(ls->path[k], 0x30 + (int)k, 32);
    assert_int_equal(cpc_tx_sign(tx, S, K0.sk, NULL), 0);
}

static void test_result_lease_set(void **state)
{
    (void)state;
    struct cpc_tx plain, tx, back, single;
    struct cpc_err err;
    assert_int_equal(fx_result(&plain, S, &K0, 0, 1, 32), 0);
    tx = plain;
    with_set_lease(&tx, 2, 5);
    assert_int_equal(tx.u.result.lease_set.depth, 3);
    single = plain;
    with_lease(&single, 900, 0x5c);
    assert_memory_not_equal(tx.hash, single.hash, 32); /* the set fields are signed over */
    assert_int_equal(cpc_tx_check(&tx, FX_CHAIN, 1, &err), 0);
    char *s = dump(&tx);
    assert_non_null(strstr(s, "\"index\":2,"));
    assert_non_null(strstr(s, "\"size\":5}"));
    assert_int_equal(cpc_tx_from_json_text(&back, s, strlen(s), &err), 0);
    assert_int_equal(back.u.result.has_lease, 2);
    assert_memory_equal(&back.u.result.lease_set, &tx.u.result.lease_set,
                        sizeof tx.u.result.lease_set);
    assert_memory_equal(back.hash, tx.hash, 32);
    cpc_tx_clear(&back);
    free(s);

    /* the last index of an odd set is promoted: depth 1 at size 5, index 4 */
    tx = plain;
    with_set_lease(&tx, 4, 5);
    assert_int_equal(tx.u.result.lease_set.depth, 1);
    assert_int_equal(cpc_tx_check(&tx, FX_CHAIN, 1, &err), 0);
    tx = plain;
    with_set_lease(&tx, 0, 1); /* a set of one: empty path */
    assert_int_equal(tx.u.result.lease_set.depth, 0);
    s = dump(&tx);
    assert_non_null(strstr(s, "\"path\":\"\""));
    assert_int_equal(cpc_tx_from_json_text(&back, s, strlen(s), &err), 0);
    assert_memory_equal(back.hash, tx.hash, 32);
    cpc_tx_clear(&back);
    free(s);

    /* binary-level checks: each malformed field is refused with one message */
    const char *bad = "Invalid ComputeResult: lease index, size or path is malformed";
    struct cpc_tx t;
    with_set_lease(&tx, 2, 5);
    t = tx;
    t.u.result.lease_set.depth = 2;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg, bad);
    t = tx;
    t.u.result.lease_set.path[3][0] = 1; /* past depth: must be zero */
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    t = tx;
    t.u.result.lease_set.index = 5;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    t = tx;
    t.u.result.lease_set.size = CPC_LEASE_SET_MAX + 1;
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    t = single;
    t.u.result.lease_set.size = 1; /* set fields on a single-task lease */
    assert_int_equal(cpc_tx_check_payload(&t, &err), CPC_ERR_INVALID_RESULT);
    assert_string_equal(err.msg,
                        "Invalid ComputeResult: lease set fields are set but the lease is not a set");
}

static json_t *LEASE(json_t *j) { return json_object_get(json_object_get(j, "payload"), "lease"); }
static void m_lease_arr(json_t *j)
{
    json_object_set_new(json_object_get(j, "payload"), "lease", json_array());
}
static void m_lease_extra(json_t *j) { json_object_set_new(LEASE(j), "worker", json_true()); }
static void m_lease_no_exp(json_t *j) { json_object_del(LEASE(j), "expires"); }
static void m_lease_no_sig(json_t *j) { json_object_del(LEASE(j), "signature"); }
static void m_lease_exp_neg(json_t *j) { json_object_set_new(LEASE(j), "expires", json_integer(-1)); }
static void m_lease_exp_str(json_t *j) { json_object_set_new(LEASE(j), "expires", json_string("9")); }
static void m_lease_sig_short(json_t *j)
{
    json_object_set_new(LEASE(j), "signature", json_string("abcd"));
}
static void m_lease_sig_nothex(json_t *j)
{
    char buf[129];
    memset(buf, 'q', 128);
    buf[128] = 0;
    json_object_set_new(LEASE(j), "signature", json_string(buf));
}

static void m_set_no_path(json_t *j) { json_object_del(LEASE(j), "path"); }
static void m_set_size0(json_t *j) { json_object_set_new(LEASE(j), "size", json_integer(0)); }
static void m_set_size_big(json_t *j) { json_object_set_new(LEASE(j), "size", json_integer(257)); }
static void m_set_index_past(json_t *j) { json_object_set_new(LEASE(j), "index", json_integer(5)); }
static void m_set_path_short(json_t *j) { json_object_set_new(LEASE(j), "path", json_string("ab")); }
static void m_set_path_arr(json_t *j) { json_object_set_new(LEASE(j), "path", json_array()); }

static void test_result_lease_set_json_errors(void **state)
{
    (void)state;
    struct cpc_tx tx;
    struct cpc_err err;
    assert_int_equal(fx_result(&tx, S, &K0, 0, 1, 32), 0);
    with_set_lease(&tx, 2, 5);
    struct {
        void (*m)(json_t *);
        const char *msg;
    } cases[] = {
        {m_set_no_path, "Invalid ComputeResult: lease: index, size and path go together"},
        {m_set_size0, "Invalid ComputeResult: lease.size: 0 is out of range"},
        {m_set_size_big, "Invalid ComputeResult: lease.size: 257 is out of range"},
        {m_set_index_past, "Invalid ComputeResult: lease.index: 5 is out of range"},
        {m_set_path_short, "Invalid ComputeResult: lease.path: expected 192 hex characters"},
        {m_set_path_arr, "Invalid ComputeResult: lease.path: expected a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&err, 0, sizeof err);
        int rc = decode_mutated(&tx, cases[i].m, &err);
        if (rc != CPC_ERR_INVALID_RESULT || strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
            fail_msg("case %zu: rc %d msg '%s' (want '%s')", i, rc, err.msg, cases[i].msg);
    }
}

static void test_result_lease_json_errors(void **state)
{
    (void)state;
    struct cpc_tx tx;
    struct cpc_err err;
    assert_int_equal(fx_result(&tx, S, &K0, 0, 1, 32), 0);
    with_lease(&tx, 77, 0x11);
    struct {
        void (*m)(json_t *);
        const char *msg;
    } cases[] = {
        {m_lease_arr, "Invalid ComputeResult: lease: expected an object"},
        {m_lease_extra, "Invalid ComputeResult: lease: unknown field 'worker'"},
        {m_lease_no_exp, "Invalid ComputeResult: lease.expires: missing"},
        {m_lease_no_sig, "Invalid ComputeResult: lease.signature: missing"},
        {m_lease_exp_neg, "Invalid ComputeResult: lease.expires: -1 is out of range"},
        {m_lease_exp_str, "Invalid ComputeResult: lease.expires: expected an integer"},
        {m_lease_sig_short, "Invalid ComputeResult: lease.signature: expected 128 hex characters"},
        {m_lease_sig_nothex, "Invalid ComputeResult: lease.signature: expected 128 hex characters"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&err, 0, sizeof err);
        int rc = decode_mutated(&tx, cases[i].m, &err);
        if (rc != CPC_ERR_INVALID_RESULT || strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
            fail_msg("case %zu: rc %d msg '%s' (want '%s')", i, rc, err.msg, cases[i].msg);
    }
}

/* ---- ext ownership ---- */

static void test_payload_copy_clear(void **state)
{
    (void)state;
    struct cpc_tx tx, copy, copy2;
    assert_int_equal(fx_transfer(&tx, S, &K0, 3, K1.addr, 1000), 0);
    assert_null(tx.ext);
    assert_int_equal(tx.ext_len, 0);

    /* no ext: a plain field copy */
    assert_int_equal(cpc_tx_copy(&copy, &tx), 0);
    assert_memory_equal(&copy, &tx, sizeof tx);
    cpc_tx_clear(&copy);

    /* a fake ext set by hand */
    tx.ext_len = 100;
    tx.ext = malloc(tx.ext_len);
    assert_non_null(tx.ext);
    for (size_t i = 0; i < tx.ext_len; i++)
        tx.ext[i] = (uint8_t)(i * 3 + 1);
    assert_int_equal(cpc_tx_copy(&copy, &tx), 0);
    assert_non_null(copy.ext);
    assert_ptr_not_equal(copy.ext, tx.ext); /* deep */
    assert_int_equal(copy.ext_len, 100);
    assert_memory_equal(copy.ext, tx.ext, 100);
    assert_memory_equal(copy.hash, tx.hash, 32);
    assert_int_equal(copy.nonce, 3);
    assert_int_equal(copy.u.transfer.amount, 1000);
    /* a copy of a copy, then the original goes away first */
    assert_int_equal(cpc_tx_copy(&copy2, &copy), 0);
    copy.ext[0] ^= 0xff; /* independent buffers */
    assert_int_equal(copy2.ext[0], 1);
    cpc_tx_clear(&tx);
    assert_null(tx.ext);
    assert_int_equal(tx.ext_len, 0);
    assert_int_equal(tx.nonce, 3); /* other fields kept */
    cpc_tx_clear(&tx);              /* idempotent */
    cpc_tx_clear(NULL);
    assert_int_equal(copy2.ext[99], (uint8_t)(99 * 3 + 1));
    cpc_tx_clear(&copy);
    cpc_tx_clear(&copy2);

    /* blocks own their txs' ext: cpc_block_clear frees them */
    struct cpc_block b;
    memset(&b, 0, sizeof b);
    b.n_txs = 2;
    b.txs = calloc(2, sizeof *b.txs);
    assert_non_null(b.txs);
    b.txs[1].ext = malloc(16);
    assert_non_null(b.txs[1].ext);
    b.txs[1].ext_len = 16;
    cpc_block_clear(&b); /* LeakSanitizer fails the test if ext leaked */
    assert_null(b.txs);
    assert_int_equal(b.n_txs, 0);
}

/* WORKER_DEREGISTER: payload {} (no bytes), strict: a key or a non-object fails. */
static void test_worker_deregister_json(void **state)
{
    (void)state;
    struct cpc_tx tx, back;
    struct cpc_err err = {0};
    fx_base(&tx, CPC_TX_WORKER_DEREGISTER, 4, 1);
    assert_int_equal(cpc_tx_sign(&tx, S, K0.sk, NULL), 0);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_tx_encode_payload(&tx, &b);
    assert_int_equal(b.len, 0);
    cpc_buf_free(&b);
    json_t *j = cpc_tx_to_json(&tx);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "tx_type")), "WORKER_DEREGISTER");
    assert_true(json_is_object(json_object_get(j, "payload")));
    assert_int_equal(json_object_size(json_object_get(j, "payload")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "gas")), 50000);
    assert_int_equal(cpc_tx_from_json(&back, j, &err), 0);
    assert_memory_equal(back.hash, tx.hash, 32);
    assert_int_equal(cpc_tx_check(&back, FX_CHAIN, 1, &err), 0);
    json_object_set_new(json_object_get(j, "payload"), "stake", json_integer(1));
    assert_int_equal(cpc_tx_from_json(&back, j, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "payload"));
    json_object_set_new(j, "payload", json_array());
    assert_int_equal(cpc_tx_from_json(&back, j, &err), CPC_ERR_INVALID);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_gas_fee),
        cmocka_unit_test(test_canonical_encoding),
        cmocka_unit_test(test_sign_verify_all_types),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_result_hash_0x_prefix),
        cmocka_unit_test(test_check_errors),
        cmocka_unit_test(test_invalid_results),
        cmocka_unit_test(test_invalid_results_json),
        cmocka_unit_test(test_strict_decoding),
        cmocka_unit_test(test_result_lease),
        cmocka_unit_test(test_result_lease_json_errors),
        cmocka_unit_test(test_result_lease_set),
        cmocka_unit_test(test_result_lease_set_json_errors),
        cmocka_unit_test(test_payload_copy_clear),
        cmocka_unit_test(test_worker_deregister_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
