/* test_core_chain.c — a seeded random chain: ~200 blocks over many accounts
 * with random tx mixes (including txs that fail after inclusion and txs that
 * must be skipped), each built with cpc_block_build, re-validated from the
 * pre-state with cpc_apply_block (signatures checked), merged, and checked
 * against the supply invariant and the header's state_root after EVERY
 * block. Plus tamper tests: any changed commitment -> CPC_ERR_INVALID_BLOCK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core_ledger_fixtures.h"

#define N_ACC 48
#define N_BLOCKS 200
#define CPC 1000000000ULL

static struct cpc_signer *S;
static struct fx_key KEYS[N_ACC], KV, KX;
static struct cpc_chain_params P;

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}
static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

static int setup(void **state)
{
    (void)state;
    S = cpc_signer_new(NULL);
    if (!S)
        return -1;
    for (uint32_t i = 0; i < N_ACC; i++)
        fx_key(S, &KEYS[i], 1000 + i);
    fx_key(S, &KV, 7);
    fx_key(S, &KX, 8);
    fx_params(&P);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cpc_signer_free(S);
    return 0;
}

static struct cpc_state *genesis_state(uint64_t *supply, struct cpc_block_header *h0)
{
    struct cpc_state *st = cpc_state_new();
    *supply = 0;
    for (int i = 0; i < N_ACC; i++) {
        /* a few accounts start empty and can never pay a fee */
        struct cpc_account a = {i % 8 == 7 ? 0 : (1 + rnd_below(1000)) * CPC / 1000, 0, 0};
        cpc_state_put(st, KEYS[i].addr, &a);
        *supply += a.balance;
    }
    memset(h0, 0, sizeof *h0);
    strcpy(h0->chain_id, FX_CHAIN);
    h0->time_ms = 1700000000000ULL;
    memcpy(h0->proposer, KV.pub, 33);
    assert_int_equal(cpc_state_root(st, h0->state_root), 0);
    return st;
}

/* One random candidate from a random sender; next_nonce tracks nonces handed out. */
static void random_tx(struct cpc_tx *tx, const struct cpc_state *st, uint64_t next_nonce[N_ACC])
{
    int s = (int)rnd_below(N_ACC);
    struct cpc_account a;
    cpc_state_get(st, KEYS[s].addr, &a);
    uint64_t nonce = next_nonce[s]++;
    uint64_t r = rnd_below(100);
    if (r < 3) /* replayed */
        nonce = a.nonce ? a.nonce - 1 : 0, next_nonce[s]--;
    else if (r < 5) /* gap */
        nonce += 3, next_nonce[s]--;
    uint64_t bal = a.balance ? a.balance : 1;
    uint64_t kind = rnd_below(10);
    if (kind < 5) {
        int to = (int)rnd_below(N_ACC);
        /* mostly affordable, sometimes far too much (fails after inclusion) */
        uint64_t amount = rnd_below(8) == 0 ? bal * 2 : 1 + rnd_below(bal / 20 + 1);
        fx_base(tx, CPC_TX_TRANSFER, nonce, 1 + rnd_below(3));
        memcpy(tx->u.transfer.to, rnd_below(20) == 0 ? KX.addr : KEYS[to].addr, 20);
        tx->u.transfer.amount = amount;
    } else if (kind < 7) {
        fx_base(tx, CPC_TX_STAKE, nonce, 1);
        tx->u.stake.amount = 1 + rnd_below(bal / 10 + 1);
    } else if (kind < 8) {
        fx_base(tx, CPC_TX_UNSTAKE, nonce, 1);
        tx->u.stake.amount = 1 + rnd_below(a.stake + a.stake / 4 + 1);
    } else {
        fx_base(tx, CPC_TX_SUBMIT_RESULT, nonce, 2);
        for (int i = 0; i < 16; i++)
            tx->u.result.task_id[i] = (uint8_t)rnd();
        tx->u.result.result_hash_len = 1 + rnd_below(CPC_RESULT_HASH_MAX);
        for (size_t i = 0; i < tx->u.result.result_hash_len; i++)
            tx->u.result.result_hash[i] = (uint8_t)rnd();
        memcpy(tx->u.result.worker, KEYS[s].addr, 20);
    }
    assert_int_equal(cpc_tx_sign(tx, S, KEYS[s].sk, NULL), 0);
}

struct cmp_arg {
    const struct cpc_state *other;
    int diff;
};

static int cmp_visit(const uint8_t addr[20], const struct cpc_account *acc, void *arg)
{
    struct cmp_arg *c = arg;
    struct cpc_account o;
    if (cpc_state_get(c->other, addr, &o) != 0 || memcmp(&o, acc, sizeof o) != 0)
        c->diff++;
    return 0;
}

static void assert_same_state(const struct cpc_state *a, const struct cpc_state *b)
{
    assert_int_equal(cpc_state_count(a), cpc_state_count(b));
    struct cmp_arg c = {b, 0};
    cpc_state_foreach(a, cmp_visit, &c);
    assert_int_equal(c.diff, 0);
}

static void test_random_chain(void **state)
{
    (void)state;
    rng_state = 0x9e3779b97f4a7c15ULL;
    uint64_t supply;
    struct cpc_block_header prev;
    struct cpc_state *st = genesis_state(&supply, &prev);
    struct cpc_err err;
    size_t total_included = 0, total_failed = 0, total_skipped = 0, total_results = 0;
    struct cpc_tx *cands = malloc(64 * sizeof *cands);
    const struct cpc_tx **cp = malloc(64 * sizeof *cp);

    for (int height = 1; height <= N_BLOCKS; height++) {
        uint64_t next_nonce[N_ACC];
        for (int i = 0; i < N_ACC; i++) {
            struct cpc_account a;
            cpc_state_get(st, KEYS[i].addr, &a);
            next_nonce[i] = a.nonce;
        }
        size_t n = rnd_below(40);
        for (size_t i = 0; i < n; i++) {
            random_tx(&cands[i], st, next_nonce);
            cp[i] = &cands[i];
        }
        struct cpc_block b;
        struct cpc_state *delta = NULL, *delta2 = NULL;
        struct cpc_tx_result *res2 = NULL;
        size_t *skipped = NULL, n_skipped = 0;
        int *codes = NULL;
        uint64_t t = prev.time_ms + 1000 - rnd_below(3) * 500; /* sometimes equal time */
        int rc = cpc_block_build(st, &prev, &P, t, cp, n, S, KV.sk, &b, &delta, &skipped, &codes,
                                 &n_skipped, &err);
        if (rc)
            fail_msg("block %d: build: %s", height, err.msg);
        assert_int_equal(b.header.height, (uint64_t)height);
        assert_int_equal(b.n_txs + n_skipped, n);
        for (size_t k = 0; k < n_skipped; k++) {
            assert_true(skipped[k] < n);
            assert_true(codes[k] == CPC_ERR_NONCE_REPLAYED || codes[k] == CPC_ERR_NONCE_GAP ||
                        codes[k] == CPC_ERR_INSUFFICIENT_BALANCE);
        }
        total_skipped += n_skipped;
        total_included += b.n_txs;
        for (size_t k = 0; k < b.n_txs; k++) {
            total_failed += b.results[k].code != 0;
            total_results += b.txs[k].type == CPC_TX_SUBMIT_RESULT;
        }

        /* independent re-validation from the pre-state, signatures checked */
        rc = cpc_apply_block(st, &prev, &b, &P, KV.pub, true, &delta2, &res2, &err);
        if (rc)
            fail_msg("block %d: apply: %s", height, err.msg);
        assert_same_state(delta, delta2);
        for (size_t k = 0; k < b.n_txs; k++) {
            assert_int_equal(res2[k].code, b.results[k].code);
            assert_string_equal(res2[k].error, b.results[k].error);
            assert_int_equal(res2[k].fee, b.results[k].fee);
        }

        /* every 10th block also goes through JSON and is re-validated from it */
        if (height % 10 == 0) {
            json_t *j = cpc_block_to_json(&b);
            struct cpc_block back;
            assert_int_equal(cpc_block_from_json(&back, j, &err), 0);
            struct cpc_state *d3 = NULL;
            rc = cpc_apply_block(st, &prev, &back, &P, KV.pub, true, &d3, NULL, &err);
            if (rc)
                fail_msg("block %d: apply from JSON: %s", height, err.msg);
            assert_same_state(delta, d3);
            cpc_state_free(d3);
            cpc_block_clear(&back);
            json_decref(j);
        }

        assert_int_equal(cpc_state_merge(st, delta), 0);
        rc = cpc_state_check_supply(st, supply, &err);
        if (rc)
            fail_msg("block %d: %s", height, err.msg);
        uint8_t root[32];
        assert_int_equal(cpc_state_root(st, root), 0);
        assert_memory_equal(root, b.header.state_root, 32);
        prev = b.header;

        cpc_state_free(delta);
        cpc_state_free(delta2);
        free(res2);
        free(skipped);
        free(codes);
        cpc_block_clear(&b);
    }
    print_message("chain: %zu included, %zu failed after inclusion, %zu skipped, %zu results\n",
                  total_included, total_failed, total_skipped, total_results);
    /* the mix really exercised every path */
    assert_true(total_included > 1000);
    assert_true(total_failed > 20);
    assert_true(total_skipped > 20);
    assert_true(total_results > 100);
    free(cands);
    free(cp);
    cpc_state_free(st);
}

/* Build one block with a few txs on a fresh chain for the tamper tests. */
struct fixture {
    struct cpc_state *st;
    struct cpc_block_header prev;
    struct cpc_block b;
    uint64_t supply;
};

static void fixture_init(struct fixture *f)
{
    rng_state = 12345;
    f->st = genesis_state(&f->supply, &f->prev);
    struct cpc_tx txs[4];
    const struct cpc_tx *cp[4];
    assert_int_equal(fx_transfer(&txs[0], S, &KEYS[0], 0, KEYS[1].addr, 1000), 0);
    assert_int_equal(fx_result(&txs[1], S, &KEYS[1], 0, 4, 32), 0);
    assert_int_equal(fx_stake(&txs[2], S, &KEYS[2], CPC_TX_STAKE, 0, 5000), 0);
    assert_int_equal(fx_transfer(&txs[3], S, &KEYS[0], 1, KEYS[2].addr, 100 * CPC), 0);
    for (int i = 0; i < 4; i++)
        cp[i] = &txs[i];
    struct cpc_state *d = NULL;
    struct cpc_err err;
    int rc = cpc_block_build(f->st, &f->prev, &P, f->prev.time_ms + 1000, cp, 4, S, KV.sk, &f->b,
                             &d, NULL, NULL, NULL, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(f->b.n_txs, 4);
    assert_int_not_equal(f->b.results[3].code, 0); /* fails after inclusion */
    cpc_state_free(d);
}

static int try_apply(struct fixture *f, const struct cpc_block *b, bool verify, struct cpc_err *err)
{
    struct cpc_state *d = NULL;
    struct cpc_tx_result *r = NULL;
    int rc = cpc_apply_block(f->st, &f->prev, b, &P, KV.pub, verify, &d, &r, err);
    if (rc == 0) {
        assert_non_null(d);
    } else {
        assert_null(d);
        assert_null(r);
    }
    cpc_state_free(d);
    free(r);
    return rc;
}

/* Deep copy of the fixture block, optionally re-signed after edits. */
static void copy_block(struct cpc_block *dst, const struct cpc_block *src)
{
    *dst = *src;
    dst->txs = malloc(src->n_txs * sizeof *dst->txs);
    dst->results = malloc(src->n_txs * sizeof *dst->results);
    memcpy(dst->txs, src->txs, src->n_txs * sizeof *dst->txs);
    memcpy(dst->results, src->results, src->n_txs * sizeof *dst->results);
}

static void expect_invalid(struct fixture *f, struct cpc_block *t, bool verify, const char *needle)
{
    struct cpc_err err = {0};
    int rc = try_apply(f, t, verify, &err);
    if (rc != CPC_ERR_INVALID_BLOCK || !strstr(err.msg, needle))
        fail_msg("rc %d msg '%s' (want '%s')", rc, err.msg, needle);
    cpc_block_clear(t);
}

static void test_tamper(void **state)
{
    (void)state;
    struct fixture f;
    struct cpc_block t;
    struct cpc_err err;
    fixture_init(&f);
    assert_int_equal(try_apply(&f, &f.b, true, &err), 0);

    /* commitments changed without re-signing: the signature catches it */
    copy_block(&t, &f.b);
    t.header.state_root[0] ^= 1;
    expect_invalid(&f, &t, true, "signature");
    copy_block(&t, &f.b);
    t.header.sig[10] ^= 1;
    expect_invalid(&f, &t, true, "signature");

    /* re-signed by the validator, so the content checks must catch them */
    copy_block(&t, &f.b);
    t.header.state_root[0] ^= 1;
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "state_root mismatch");
    copy_block(&t, &f.b);
    t.header.tx_root[5] ^= 1;
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "tx_root mismatch");
    copy_block(&t, &f.b);
    t.header.compute_root[5] ^= 1;
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "compute_root mismatch");
    copy_block(&t, &f.b);
    t.header.height = 2;
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "height");
    copy_block(&t, &f.b);
    t.header.prev_hash[0] ^= 1;
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "prev_hash");
    copy_block(&t, &f.b);
    t.header.time_ms = f.prev.time_ms - 1;
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "time");
    copy_block(&t, &f.b);
    strcpy(t.header.chain_id, "other-1");
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "chain id");

    /* signed by someone else */
    copy_block(&t, &f.b);
    cpc_block_sign(&t.header, S, KX.sk, NULL);
    expect_invalid(&f, &t, true, "proposer is not the validator");

    /* body edits */
    copy_block(&t, &f.b);
    t.n_txs = 3;
    expect_invalid(&f, &t, true, "header says 4 txs");
    copy_block(&t, &f.b);
    t.txs[0].u.transfer.amount++; /* hash no longer matches */
    expect_invalid(&f, &t, true, "wrong hash");
    copy_block(&t, &f.b);
    t.txs[0].u.transfer.amount++;
    cpc_tx_compute_hash(&t.txs[0]); /* consistent hash, but the signature is now wrong */
    cpc_block_tx_root(t.txs, t.n_txs, t.header.tx_root);
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "Invalid signature");
    copy_block(&t, &f.b);
    t.results[3].code = 0;
    t.results[3].error[0] = 0;
    expect_invalid(&f, &t, true, "result differs");
    copy_block(&t, &f.b);
    t.results[0].fee++;
    expect_invalid(&f, &t, true, "result differs");
    copy_block(&t, &f.b);
    struct cpc_tx tmp = t.txs[0]; /* swap: nonce order breaks */
    t.txs[0] = t.txs[3];
    t.txs[3] = tmp;
    struct cpc_tx_result rt = t.results[0];
    t.results[0] = t.results[3];
    t.results[3] = rt;
    cpc_block_tx_root(t.txs, t.n_txs, t.header.tx_root);
    cpc_block_sign(&t.header, S, KV.sk, NULL);
    expect_invalid(&f, &t, true, "cannot be included");

    /* too many txs for the chain */
    struct cpc_chain_params small = P;
    small.max_block_txs = 3;
    struct cpc_state *d = NULL;
    assert_int_equal(cpc_apply_block(f.st, &f.prev, &f.b, &small, KV.pub, true, &d, NULL, &err),
                     CPC_ERR_INVALID_BLOCK);
    assert_null(d);

    /* no results attached: still valid */
    copy_block(&t, &f.b);
    free(t.results);
    t.results = NULL;
    assert_int_equal(try_apply(&f, &t, true, &err), 0);
    cpc_block_clear(&t);

    cpc_block_clear(&f.b);
    cpc_state_free(f.st);
}

static void test_build_limits_and_determinism(void **state)
{
    (void)state;
    rng_state = 777;
    uint64_t supply;
    struct cpc_block_header prev;
    struct cpc_state *st = genesis_state(&supply, &prev);
    struct cpc_tx txs[10];
    const struct cpc_tx *cp[10];
    for (int i = 0; i < 10; i++) {
        assert_int_equal(fx_transfer(&txs[i], S, &KEYS[0], (uint64_t)i, KEYS[1].addr, 1), 0);
        cp[i] = &txs[i];
    }
    struct cpc_chain_params small = P;
    small.max_block_txs = 5;
    struct cpc_block b1, b2;
    struct cpc_state *d1, *d2;
    struct cpc_err err;
    assert_int_equal(cpc_block_build(st, &prev, &small, prev.time_ms - 5, cp, 10, S, KV.sk, &b1,
                                      &d1, NULL, NULL, NULL, &err), 0);
    assert_int_equal(b1.n_txs, 5);
    assert_int_equal(b1.header.n_txs, 5);
    assert_int_equal(b1.header.time_ms, prev.time_ms); /* clamped, never backwards */
    assert_int_equal(cpc_block_build(st, &prev, &small, prev.time_ms - 5, cp, 10, S, KV.sk, &b2,
                                      &d2, NULL, NULL, NULL, &err), 0);
    assert_memory_equal(&b1.header, &b2.header, sizeof b1.header);
    struct cpc_state *d3 = NULL;
    assert_int_equal(cpc_apply_block(st, &prev, &b1, &small, KV.pub, true, &d3, NULL, &err), 0);
    struct cpc_account a;
    cpc_state_get(d3, KEYS[0].addr, &a);
    assert_int_equal(a.nonce, 5);
    cpc_state_free(d1);
    cpc_state_free(d2);
    cpc_state_free(d3);
    cpc_block_clear(&b1);
    cpc_block_clear(&b2);

    /* an empty block is valid: no account changes, but the market's begin_block
     * hook records the parent's hash ('H' | u64be(0) -> hash of block 0) */
    assert_int_equal(cpc_block_build(st, &prev, &P, prev.time_ms + 1, NULL, 0, S, KV.sk, &b1, &d1,
                                      NULL, NULL, NULL, &err), 0);
    assert_int_equal(b1.n_txs, 0);
    assert_int_equal(cpc_state_count(d1), 0);
    assert_int_equal(cpc_state_obj_count(d1), 1);
    uint8_t key[9] = {'H', 0, 0, 0, 0, 0, 0, 0, 0}, prev_hash[32];
    struct cpc_buf v;
    cpc_buf_init(&v);
    assert_int_equal(cpc_state_obj_get(d1, key, sizeof key, &v), 0);
    assert_int_equal(cpc_block_header_hash(&prev, prev_hash), 0);
    assert_int_equal(v.len, 32);
    assert_memory_equal(v.data, prev_hash, 32);
    cpc_buf_free(&v);
    assert_memory_not_equal(b1.header.state_root, prev.state_root, 32);
    struct cpc_state *after = cpc_state_clone(st);
    uint8_t root[32];
    assert_int_equal(cpc_state_merge(after, d1), 0);
    assert_int_equal(cpc_state_root(after, root), 0);
    assert_memory_equal(b1.header.state_root, root, 32);
    cpc_state_free(after);
    assert_int_equal(cpc_apply_block(st, &prev, &b1, &P, KV.pub, true, &d3, NULL, &err), 0);
    cpc_state_free(d1);
    cpc_state_free(d3);
    cpc_block_clear(&b1);
    cpc_state_free(st);
}


/* The market's begin_block hook keeps the hashes of the last CPC_BLOCKHASH_KEEP
 * (256) blocks under 'H' | u64be(height): older ones are deleted through
 * tombstones in the block's delta, and every block re-validates. */
static void test_blockhash_window(void **state)
{
    (void)state;
    rng_state = 99;
    uint64_t supply;
    struct cpc_block_header prev;
    struct cpc_state *st = genesis_state(&supply, &prev);
    const uint64_t last = 260;
    for (uint64_t h = 1; h <= last; h++) {
        struct cpc_block b;
        struct cpc_state *d = NULL, *d2 = NULL;
        struct cpc_err err;
        assert_int_equal(cpc_block_build(st, &prev, &P, prev.time_ms + 1000, NULL, 0, S, KV.sk,
                                          &b, &d, NULL, NULL, NULL, &err),
                         0);
        assert_int_equal(cpc_apply_block(st, &prev, &b, &P, KV.pub, true, &d2, NULL, &err), 0);
        assert_int_equal(cpc_state_merge(st, d), 0);
        uint8_t root[32];
        assert_int_equal(cpc_state_root(st, root), 0);
        assert_memory_equal(root, b.header.state_root, 32);
        prev = b.header;
        cpc_state_free(d);
        cpc_state_free(d2);
        cpc_block_clear(&b);
    }
    assert_int_equal(cpc_state_obj_count(st), 256);
    struct cpc_buf v;
    cpc_buf_init(&v);
    for (uint64_t h = 0; h < last; h++) {
        uint8_t key[9] = {'H'};
        for (int i = 0; i < 8; i++)
            key[1 + i] = (uint8_t)(h >> (56 - 8 * i));
        int want = h < last - 256 ? CPC_ERR_NOT_FOUND : 0;
        assert_int_equal(cpc_state_obj_get(st, key, sizeof key, &v), want);
        if (want == 0)
            assert_int_equal(v.len, 32);
    }
    cpc_buf_free(&v);
    assert_int_equal(cpc_state_check_supply(st, supply, NULL), 0);
    cpc_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_chain),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_build_limits_and_determinism),
        cmocka_unit_test(test_blockhash_window),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
