/* test_core_block.c — header encoding and hash, tx_root, compute_root
 * (exactly the SUBMIT_RESULT payloads), proposer signatures, block JSON
 * round trip and strict decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "core/merkle.h"
#include "core_ledger_fixtures.h"

static struct cpc_signer *S;
static struct fx_key K0, K1, KV;
static struct cpc_chain_params P;

static int setup(void **state)
{
    (void)state;
    S = cpc_signer_new(NULL);
    fx_key(S, &K0, 0);
    fx_key(S, &K1, 1);
    fx_key(S, &KV, 100);
    fx_params(&P);
    return S ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cpc_signer_free(S);
    return 0;
}

static void sample_header(struct cpc_block_header *h)
{
    memset(h, 0, sizeof *h);
    strcpy(h->chain_id, FX_CHAIN);
    h->height = 0x0102;
    h->time_ms = 1700000000123ULL;
    memset(h->prev_hash, 0x11, 32);
    memset(h->tx_root, 0x22, 32);
    memset(h->compute_root, 0x33, 32);
    memset(h->state_root, 0x44, 32);
    memcpy(h->proposer, KV.pub, 33);
    h->n_txs = 7;
}

static void test_header_encoding(void **state)
{
    (void)state;
    struct cpc_block_header h;
    sample_header(&h);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_block_header_encode(&h, &b);
    size_t cl = strlen(FX_CHAIN);
    assert_int_equal(b.len, 1 + 4 + cl + 8 + 8 + 4 * 32 + 33 + 4);
    assert_int_equal(b.data[0], 1);
    assert_int_equal(b.data[5 + cl + 6], 0x01); /* height big-endian */
    assert_int_equal(b.data[5 + cl + 7], 0x02);
    assert_int_equal(b.data[5 + cl + 16], 0x11);
    assert_int_equal(b.data[5 + cl + 16 + 96], 0x44);
    assert_int_equal(b.data[b.len - 1], 7);
    uint8_t want[32], got[32];
    cpc_sha256(want, b.data, b.len);
    assert_int_equal(cpc_block_header_hash(&h, got), 0);
    assert_memory_equal(got, want, 32);
    cpc_buf_free(&b);
    /* the signature is not part of the hash */
    memset(h.sig, 0x55, 64);
    assert_int_equal(cpc_block_header_hash(&h, got), 0);
    assert_memory_equal(got, want, 32);
}

static void test_sign_verify(void **state)
{
    (void)state;
    struct cpc_block_header h;
    struct cpc_err err;
    sample_header(&h);
    memset(h.proposer, 0, 33);
    assert_int_equal(cpc_block_sign(&h, S, KV.sk, &err), 0);
    assert_memory_equal(h.proposer, KV.pub, 33);
    assert_int_equal(cpc_block_verify_sig(&h, &err), 0);
    struct cpc_block_header t = h;
    t.height++;
    assert_int_equal(cpc_block_verify_sig(&t, &err), CPC_ERR_BAD_SIGNATURE);
    t = h;
    memcpy(t.proposer, K0.pub, 33);
    assert_int_equal(cpc_block_verify_sig(&t, &err), CPC_ERR_BAD_SIGNATURE);
    t = h;
    t.sig[40] ^= 1;
    assert_int_equal(cpc_block_verify_sig(&t, &err), CPC_ERR_BAD_SIGNATURE);
}

static void make_txs(struct cpc_tx txs[5])
{
    assert_int_equal(fx_transfer(&txs[0], S, &K0, 0, K1.addr, 10), 0);
    assert_int_equal(fx_result(&txs[1], S, &K0, 1, 0xa1, 32), 0);
    assert_int_equal(fx_stake(&txs[2], S, &K0, CPC_TX_STAKE, 2, 100), 0);
    assert_int_equal(fx_result(&txs[3], S, &K1, 0, 0xb2, 5), 0);
    assert_int_equal(fx_stake(&txs[4], S, &K1, CPC_TX_UNSTAKE, 1, 100), 0);
}

static void payload_hash(const struct cpc_tx *tx, uint8_t out[32])
{
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_tx_encode_payload(tx, &b);
    cpc_sha256(out, b.data, b.len);
    cpc_buf_free(&b);
}

static void test_roots(void **state)
{
    (void)state;
    struct cpc_tx txs[5];
    uint8_t root[32], want[32], zero[32] = {0};
    make_txs(txs);

    assert_int_equal(cpc_block_tx_root(txs, 0, root), 0);
    assert_memory_equal(root, zero, 32);
    assert_int_equal(cpc_block_compute_root(txs, 0, root), 0);
    assert_memory_equal(root, zero, 32);

    uint8_t hashes[5][32];
    for (int i = 0; i < 5; i++)
        memcpy(hashes[i], txs[i].hash, 32);
    assert_int_equal(cpc_merkle_root(want, (const uint8_t(*)[32])hashes, 5), 0);
    assert_int_equal(cpc_block_tx_root(txs, 5, root), 0);
    assert_memory_equal(root, want, 32);

    /* compute_root: exactly the two SUBMIT_RESULT payloads, in block order */
    uint8_t leaves[2][32];
    payload_hash(&txs[1], leaves[0]);
    payload_hash(&txs[3], leaves[1]);
    assert_int_equal(cpc_merkle_root(want, (const uint8_t(*)[32])leaves, 2), 0);
    assert_int_equal(cpc_block_compute_root(txs, 5, root), 0);
    assert_memory_equal(root, want, 32);

    /* non-result txs do not affect it */
    struct cpc_tx alt[5];
    memcpy(alt, txs, sizeof alt);
    alt[0].u.transfer.amount = 999;
    alt[2].u.stake.amount = 1;
    assert_int_equal(cpc_block_compute_root(alt, 5, root), 0);
    assert_memory_equal(root, want, 32);
    assert_int_equal(cpc_block_compute_root(alt + 1, 3, root), 0); /* drop the ends */
    assert_memory_equal(root, want, 32);
    /* result payload changes do */
    alt[3].u.result.result_hash[0] ^= 1;
    assert_int_equal(cpc_block_compute_root(alt, 5, root), 0);
    assert_memory_not_equal(root, want, 32);
    /* order matters */
    memcpy(alt, txs, sizeof alt);
    alt[1] = txs[3];
    alt[3] = txs[1];
    assert_int_equal(cpc_block_compute_root(alt, 5, root), 0);
    assert_memory_not_equal(root, want, 32);
    /* one result only */
    assert_int_equal(cpc_block_compute_root(txs, 2, root), 0);
    assert_int_equal(cpc_merkle_root(want, (const uint8_t(*)[32])leaves, 1), 0);
    assert_memory_equal(root, want, 32);
}

/* Build a signed block with results over a funded state. */
static void build_block(struct cpc_block *b, struct cpc_state **st_out)
{
    struct cpc_state *st = cpc_state_new();
    struct cpc_account a = {1000000000, 0, 0}, a1 = {1000000000, 0, 100};
    cpc_state_put(st, K0.addr, &a);
    cpc_state_put(st, K1.addr, &a1);
    struct cpc_block_header prev;
    sample_header(&prev);
    prev.height = 4;
    struct cpc_tx txs[5];
    make_txs(txs);
    txs[4].u.stake.amount = 1000; /* fails after inclusion: only 100 staked */
    assert_int_equal(cpc_tx_sign(&txs[4], S, K1.sk, NULL), 0);
    const struct cpc_tx *cand[5] = {&txs[0], &txs[1], &txs[2], &txs[3], &txs[4]};
    struct cpc_state *delta = NULL;
    struct cpc_err err;
    int rc = cpc_block_build(st, &prev, &P, 1700000001000ULL, cand, 5, S, KV.sk, b, &delta,
                             NULL, NULL, NULL, &err);
    if (rc)
        fail_msg("build: %s", err.msg);
    assert_int_equal(b->n_txs, 5);
    assert_int_equal(b->results[4].code, CPC_ERR_INSUFFICIENT_STAKE);
    cpc_state_free(delta);
    *st_out = st;
}

static char *dumps(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(s);
    return s;
}

static void test_json_round_trip(void **state)
{
    (void)state;
    struct cpc_block b, back;
    struct cpc_state *st;
    struct cpc_err err;
    build_block(&b, &st);

    json_t *j = cpc_block_to_json(&b);
    assert_non_null(j);
    json_t *hj = json_object_get(j, "header");
    char addr[CPC_ADDR_STR_MAX], hex[67];
    cpc_address_encode(addr, KV.addr);
    assert_string_equal(json_string_value(json_object_get(hj, "proposer")), addr);
    cpc_hex_encode(hex, KV.pub, 33);
    assert_string_equal(json_string_value(json_object_get(hj, "proposer_pubkey")), hex);
    assert_int_equal(json_integer_value(json_object_get(hj, "height")), 5);
    assert_int_equal(json_integer_value(json_object_get(hj, "time")), 1700000001000LL);
    assert_int_equal(json_integer_value(json_object_get(hj, "n_txs")), 5);
    uint8_t hash[32];
    cpc_block_header_hash(&b.header, hash);
    cpc_hex_encode(hex, hash, 32);
    assert_string_equal(json_string_value(json_object_get(hj, "hash")), hex);
    json_t *t4 = json_array_get(json_object_get(j, "txs"), 4);
    assert_string_equal(json_string_value(json_object_get(t4, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(t4, "error")),
                        "Insufficient stake: have 0.0000001 CPC, need 0.000001 CPC");
    assert_int_equal(json_integer_value(json_object_get(t4, "index")), 4);
    assert_int_equal(json_integer_value(json_object_get(t4, "fee")), 50000);
    json_t *t0 = json_array_get(json_object_get(j, "txs"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "status")), "success");
    assert_true(json_is_null(json_object_get(t0, "error")));
    assert_int_equal(json_integer_value(json_object_get(t0, "gas_used")), 21000);

    assert_int_equal(cpc_block_from_json(&back, j, &err), 0);
    assert_memory_equal(&back.header, &b.header, sizeof b.header);
    assert_int_equal(back.n_txs, 5);
    assert_non_null(back.results);
    for (size_t i = 0; i < 5; i++) {
        assert_memory_equal(back.txs[i].hash, b.txs[i].hash, 32);
        assert_int_equal(back.results[i].code != 0, b.results[i].code != 0);
        assert_string_equal(back.results[i].error, b.results[i].error);
        assert_int_equal(back.results[i].fee, b.results[i].fee);
    }
    json_t *j2 = cpc_block_to_json(&back);
    char *s1 = dumps(j), *s2 = dumps(j2);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
    json_decref(j2);

    /* header alone */
    struct cpc_block_header h2;
    assert_int_equal(cpc_block_header_from_json(&h2, hj, &err), 0);
    assert_memory_equal(&h2, &b.header, sizeof h2);

    /* without results */
    free(b.results);
    b.results = NULL;
    json_t *j3 = cpc_block_to_json(&b);
    assert_null(json_object_get(json_array_get(json_object_get(j3, "txs"), 0), "status"));
    cpc_block_clear(&back);
    assert_int_equal(cpc_block_from_json(&back, j3, &err), 0);
    assert_null(back.results);
    assert_int_equal(back.n_txs, 5);
    json_decref(j3);

    cpc_block_clear(&back);
    json_decref(j);
    cpc_block_clear(&b);
    cpc_block_clear(NULL);
    cpc_state_free(st);
}

static int decode_after(const json_t *orig, void (*mut)(json_t *), struct cpc_err *err)
{
    json_t *j = json_deep_copy(orig);
    mut(j);
    struct cpc_block b;
    int rc = cpc_block_from_json(&b, j, err);
    cpc_block_clear(&b);
    json_decref(j);
    return rc;
}

static json_t *H(json_t *j) { return json_object_get(j, "header"); }
static json_t *TX(json_t *j, size_t i) { return json_array_get(json_object_get(j, "txs"), i); }
static void m_no_height(json_t *j) { json_object_del(H(j), "height"); }
static void m_extra(json_t *j) { json_object_set_new(j, "extra", json_null()); }
static void m_hdr_extra(json_t *j) { json_object_set_new(H(j), "nonce", json_integer(1)); }
static void m_height_str(json_t *j) { json_object_set_new(H(j), "height", json_string("5")); }
static void m_hash_wrong(json_t *j)
{
    json_object_set_new(H(j), "hash", json_string("00000000000000000000000000000000"
                                                  "00000000000000000000000000000000"));
}
static void m_proposer_wrong(json_t *j)
{
    char a[CPC_ADDR_STR_MAX];
    cpc_address_encode(a, K0.addr);
    json_object_set_new(H(j), "proposer", json_string(a));
}
static void m_ntxs(json_t *j)
{
    json_object_set_new(H(j), "n_txs", json_integer(4));
    json_object_del(H(j), "hash");
}
static void m_txs_obj(json_t *j) { json_object_set_new(j, "txs", json_object()); }
static void m_partial(json_t *j) { json_object_del(TX(j, 2), "status"); }
static void m_status(json_t *j) { json_object_set_new(TX(j, 1), "status", json_string("ok")); }
static void m_index(json_t *j) { json_object_set_new(TX(j, 1), "index", json_integer(0)); }
static void m_err_on_success(json_t *j) { json_object_set_new(TX(j, 0), "error", json_string("x")); }
static void m_no_error(json_t *j) { json_object_del(TX(j, 0), "error"); }
static void m_tx_bad(json_t *j) { json_object_set_new(TX(j, 1), "nonce", json_string("x")); }
static void m_tx_extra(json_t *j) { json_object_set_new(TX(j, 3), "height", json_integer(1)); }
static void m_tx_not_obj(json_t *j) { json_array_set_new(json_object_get(j, "txs"), 2, json_true()); }

static void test_strict_decoding(void **state)
{
    (void)state;
    struct cpc_block b;
    struct cpc_state *st;
    struct cpc_err err;
    build_block(&b, &st);
    json_t *j = cpc_block_to_json(&b);
    struct {
        void (*m)(json_t *);
        const char *needle;
    } cases[] = {
        {m_no_height, "header.height: missing"},
        {m_extra, "unknown field 'extra'"},
        {m_hdr_extra, "header: unknown field 'nonce'"},
        {m_height_str, "header.height: expected an integer"},
        {m_hash_wrong, "header.hash: does not match"},
        {m_proposer_wrong, "header.proposer: does not match"},
        {m_ntxs, "header.n_txs"},
        {m_txs_obj, "txs: expected an array"},
        {m_partial, "txs[2]: results must be present"},
        {m_status, "txs[1].status"},
        {m_index, "txs[1].index"},
        {m_err_on_success, "txs[0].error"},
        {m_no_error, "txs[0].error: missing"},
        {m_tx_bad, "txs[1]: nonce: expected an integer"},
        {m_tx_extra, "txs[3]: tx: unknown field 'height'"},
        {m_tx_not_obj, "txs[2]: expected an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&err, 0, sizeof err);
        int rc = decode_after(j, cases[i].m, &err);
        if (rc != CPC_ERR_INVALID || !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: rc %d msg '%s' (want '%s')", i, rc, err.msg, cases[i].needle);
    }
    json_decref(j);
    cpc_block_clear(&b);
    cpc_state_free(st);
}


/* cpc_block_build deep-copies candidates that own ext bytes; cpc_apply_block
 * re-hashes txs without copying them; cpc_block_clear frees the copies. */
static void test_build_copies_payload(void **state)
{
    (void)state;
    struct cpc_state *st = cpc_state_new();
    struct cpc_account a = {1000000000, 0, 0};
    cpc_state_put(st, K0.addr, &a);
    struct cpc_block_header prev;
    sample_header(&prev);
    struct cpc_tx tx;
    assert_int_equal(fx_transfer(&tx, S, &K0, 0, K1.addr, 10), 0);
    tx.ext = malloc(40);
    assert_non_null(tx.ext);
    memset(tx.ext, 0x3c, 40);
    tx.ext_len = 40;
    const struct cpc_tx *cand[1] = {&tx};
    struct cpc_block b;
    struct cpc_state *delta = NULL, *d2 = NULL;
    struct cpc_err err;
    assert_int_equal(cpc_block_build(st, &prev, &P, prev.time_ms + 1, cand, 1, S, KV.sk, &b,
                                      &delta, NULL, NULL, NULL, &err),
                     0);
    assert_int_equal(b.n_txs, 1);
    assert_non_null(b.txs[0].ext);
    assert_ptr_not_equal(b.txs[0].ext, tx.ext);
    assert_int_equal(b.txs[0].ext_len, 40);
    assert_memory_equal(b.txs[0].ext, tx.ext, 40);
    cpc_tx_clear(&tx); /* the block's copy outlives the candidate */
    assert_int_equal(b.txs[0].ext[39], 0x3c);
    assert_int_equal(cpc_apply_block(st, &prev, &b, &P, KV.pub, true, &d2, NULL, &err), 0);
    cpc_state_free(d2);
    cpc_state_free(delta);
    cpc_block_clear(&b); /* LeakSanitizer fails the test if the copy leaked */
    cpc_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_encoding),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_strict_decoding),
        cmocka_unit_test(test_build_copies_payload),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
