/* test_node_mempool.c — admission rules, replacement, selection order, pruning,
 * deep copies of txs that own heap `ext` bytes (copied in, copied out), and
 * the caps on txs above a missing nonce (per sender, pool-wide, lifetime)
 * with eviction of the lowest gas price when the pool is full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/market.h"
#include "core/tx.h"
#include "node/mempool.h"

static struct cpc_tx mk(uint8_t sender, uint64_t nonce, uint64_t gas_price, uint64_t amount)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_TRANSFER;
    strcpy(tx.chain_id, "test");
    memset(tx.from, sender, sizeof tx.from);
    tx.nonce = nonce;
    tx.gas_price = gas_price;
    tx.u.transfer.amount = amount;
    memset(tx.u.transfer.to, 0xEE, sizeof tx.u.transfer.to);
    /* unique hash per (sender, nonce, price, amount) */
    memset(tx.hash, 0, sizeof tx.hash);
    tx.hash[0] = sender;
    memcpy(tx.hash + 1, &nonce, 8);
    memcpy(tx.hash + 9, &gas_price, 8);
    memcpy(tx.hash + 17, &amount, 8);
    return tx;
}

static struct cpc_account accounts[256];

static void lookup(void *arg, const uint8_t addr[CPC_ADDR_HASH_LEN], struct cpc_account *out)
{
    (void)arg;
    *out = accounts[addr[0]];
}

static void setup_accounts(void)
{
    memset(accounts, 0, sizeof accounts);
    for (int i = 0; i < 256; i++)
        accounts[i].balance = 1000000000ULL;
}

static void test_admission_rules(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool *mp = cpc_mempool_new(100);
    struct cpc_err err = {0};
    struct cpc_tx a = mk(1, 0, 1, 1000);
    assert_int_equal(cpc_mempool_add(mp, &a, &accounts[1], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &a, &accounts[1], &err), CPC_ERR_DUPLICATE);
    /* same nonce, same price: underpriced replacement */
    struct cpc_tx a2 = mk(1, 0, 1, 2000);
    assert_int_equal(cpc_mempool_add(mp, &a2, &accounts[1], &err), CPC_ERR_FEE_TOO_LOW);
    /* higher price replaces */
    struct cpc_tx a3 = mk(1, 0, 5, 2000);
    assert_int_equal(cpc_mempool_add(mp, &a3, &accounts[1], &err), 0);
    assert_int_equal(cpc_mempool_size(mp), 1);
    struct cpc_tx got;
    assert_int_equal(cpc_mempool_get(mp, a.hash, &got), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_mempool_get(mp, a3.hash, &got), 0);
    /* replayed nonce */
    accounts[2].nonce = 5;
    struct cpc_tx b = mk(2, 4, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &b, &accounts[2], &err), CPC_ERR_NONCE_REPLAYED);
    assert_non_null(strstr(err.msg, "already used"));
    /* too far ahead */
    struct cpc_tx c = mk(2, 5 + CPC_MEMPOOL_MAX_AHEAD, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &c, &accounts[2], &err), CPC_ERR_NONCE_GAP);
    /* balance: cumulative pending costs must fit */
    accounts[3].balance = 100000; /* fee 21000 each */
    struct cpc_tx d0 = mk(3, 0, 1, 50000), d1 = mk(3, 1, 1, 50000);
    assert_int_equal(cpc_mempool_add(mp, &d0, &accounts[3], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &d1, &accounts[3], &err), CPC_ERR_INSUFFICIENT_BALANCE);
    assert_non_null(strstr(err.msg, "Insufficient balance"));
    assert_int_equal(cpc_mempool_pending_nonce(mp, d0.from, 0), 1);
    cpc_mempool_free(mp);
}

static void test_full(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool *mp = cpc_mempool_new(3);
    struct cpc_err err = {0};
    for (uint64_t i = 0; i < 3; i++) {
        struct cpc_tx t = mk(9, i, 1, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[9], &err), 0);
    }
    struct cpc_tx t = mk(9, 3, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &t, &accounts[9], &err), CPC_ERR_MEMPOOL_FULL);
    assert_non_null(strstr(err.msg, "full"));
    /* a replacement is still allowed when full */
    struct cpc_tx r = mk(9, 2, 7, 1);
    assert_int_equal(cpc_mempool_add(mp, &r, &accounts[9], &err), 0);
    cpc_mempool_free(mp);
}

static void test_select_order_and_prune(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool *mp = cpc_mempool_new(1000);
    struct cpc_err err = {0};
    /* sender 1: nonces 0,1,2 at price 1; sender 2: nonces 0,1 at price 9; sender 3: nonce 1 only (gap) */
    for (uint64_t i = 0; i < 3; i++) {
        struct cpc_tx t = mk(1, i, 1, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[1], &err), 0);
    }
    for (uint64_t i = 0; i < 2; i++) {
        struct cpc_tx t = mk(2, i, 9, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[2], &err), 0);
    }
    struct cpc_tx g = mk(3, 1, 50, 1);
    assert_int_equal(cpc_mempool_add(mp, &g, &accounts[3], &err), 0);
    struct cpc_tx *sel = NULL;
    size_t n = cpc_mempool_select(mp, lookup, NULL, 100, &sel);
    assert_int_equal(n, 5); /* the gapped tx is not selectable */
    assert_int_equal(sel[0].from[0], 2); /* higher gas price first */
    assert_int_equal(sel[0].nonce, 0);
    assert_int_equal(sel[1].nonce, 1);
    assert_int_equal(sel[2].from[0], 1);
    assert_int_equal(sel[4].nonce, 2);
    free(sel);
    /* max limits the count */
    n = cpc_mempool_select(mp, lookup, NULL, 3, &sel);
    assert_int_equal(n, 3);
    free(sel);
    /* commit: sender 1's nonce advances to 2 -> two txs pruned */
    accounts[1].nonce = 2;
    struct cpc_block b;
    memset(&b, 0, sizeof b);
    struct cpc_tx inblock[1] = {mk(1, 0, 1, 1)};
    b.txs = inblock;
    b.n_txs = 1;
    cpc_mempool_remove_block(mp, &b, lookup, NULL);
    assert_int_equal(cpc_mempool_size(mp), 4);
    assert_int_equal(cpc_mempool_pending_nonce(mp, inblock[0].from, 2), 3);
    cpc_mempool_remove(mp, g.hash);
    assert_int_equal(cpc_mempool_size(mp), 3);
    cpc_mempool_free(mp);
}

static void test_many_senders(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool *mp = cpc_mempool_new(100000);
    struct cpc_err err = {0};
    /* grows both tables several times */
    for (int s = 0; s < 200; s++)
        for (uint64_t i = 0; i < 50; i++) {
            struct cpc_tx t = mk((uint8_t)s, i, 1, 1);
            t.from[1] = (uint8_t)(s >> 8);
            t.hash[30] = (uint8_t)s;
            assert_int_equal(cpc_mempool_add(mp, &t, &accounts[s & 0xff], &err), 0);
        }
    assert_int_equal(cpc_mempool_size(mp), 200 * 50);
    struct cpc_tx *sel = NULL;
    size_t n = cpc_mempool_select(mp, lookup, NULL, 100000, &sel);
    assert_int_equal(n, 200 * 50);
    free(sel);
    cpc_mempool_free(mp);
}


/* A tx owning n bytes of fake payload in `ext` (as a REVEAL would), filled
 * with `fill`. */
static struct cpc_tx mk_with_payload(uint8_t sender, uint64_t nonce, uint64_t gas_price,
                                     size_t n, uint8_t fill)
{
    struct cpc_tx tx = mk(sender, nonce, gas_price, 1);
    tx.ext = malloc(n);
    assert_non_null(tx.ext);
    memset(tx.ext, fill, n);
    tx.ext_len = n;
    return tx;
}

static void test_pool_owns_payload_copies(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool *mp = cpc_mempool_new(100);
    struct cpc_err err = {0};
    struct cpc_tx a0 = mk_with_payload(1, 0, 1, 64, 0xa0);
    struct cpc_tx a1 = mk_with_payload(1, 1, 1, 8, 0xa1);
    struct cpc_tx b0 = mk_with_payload(2, 0, 1, 3, 0xb0);
    assert_int_equal(cpc_mempool_add(mp, &a0, &accounts[1], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &a1, &accounts[1], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &b0, &accounts[2], &err), 0);
    /* the pool copied: wiping the caller's buffers leaves the pooled copies
     * intact (checked below), and the caller's buffers can go right away */
    memset(a0.ext, 0, a0.ext_len);
    memset(a1.ext, 0, a1.ext_len);
    memset(b0.ext, 0, b0.ext_len);
    struct cpc_tx a0k = mk(1, 0, 1, 1);
    struct cpc_tx got;
    assert_int_equal(cpc_mempool_get(mp, a0k.hash, &got), 0);
    assert_ptr_not_equal(got.ext, a0.ext); /* both alive: distinct buffers */
    cpc_tx_clear(&got);
    cpc_tx_clear(&a0);
    cpc_tx_clear(&a1);
    cpc_tx_clear(&b0);

    /* a duplicate and an underpriced replacement are refused without leaking */
    struct cpc_tx dup = mk_with_payload(2, 0, 1, 3, 0xb0);
    assert_int_equal(cpc_mempool_add(mp, &dup, &accounts[2], &err), CPC_ERR_DUPLICATE);
    cpc_tx_clear(&dup);
    struct cpc_tx cheap = mk_with_payload(2, 0, 1, 7, 0xcc);
    cheap.hash[31] = 0x77; /* another tx, same sender/nonce, same price */
    assert_int_equal(cpc_mempool_add(mp, &cheap, &accounts[2], &err), CPC_ERR_FEE_TOO_LOW);
    cpc_tx_clear(&cheap);
    /* a replacement frees the replaced tx's ext inside the pool */
    struct cpc_tx b0r = mk_with_payload(2, 0, 9, 5, 0xbb);
    assert_int_equal(cpc_mempool_add(mp, &b0r, &accounts[2], &err), 0);

    /* get: a deep copy the caller owns */
    assert_int_equal(cpc_mempool_get(mp, b0r.hash, &got), 0);
    assert_non_null(got.ext);
    assert_ptr_not_equal(got.ext, b0r.ext);
    assert_int_equal(got.ext_len, 5);
    assert_int_equal(got.ext[4], 0xbb);
    cpc_tx_clear(&got);
    cpc_tx_clear(&b0r);
    assert_int_equal(cpc_mempool_get(mp, a0k.hash, &got), 0);
    assert_int_equal(got.ext_len, 64);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(got.ext[i], 0xa0);
    cpc_tx_clear(&got);

    /* select: every candidate is a deep copy; clear each, then free the array */
    struct cpc_tx *sel = NULL;
    size_t n = cpc_mempool_select(mp, lookup, NULL, 100, &sel);
    assert_int_equal(n, 3);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(sel[i].ext);
        assert_int_equal(sel[i].ext[0], sel[i].ext[sel[i].ext_len - 1]);
        total += sel[i].ext_len;
    }
    assert_int_equal(total, 64 + 8 + 5);
    for (size_t i = 0; i < n; i++)
        cpc_tx_clear(&sel[i]);
    free(sel);

    /* removal (by hash and by block) frees inside the pool; the pool frees the rest */
    cpc_mempool_remove(mp, a0k.hash);
    assert_int_equal(cpc_mempool_size(mp), 2);
    accounts[2].nonce = 1; /* sender 2's tx got into a block */
    struct cpc_tx inblock = mk(2, 0, 9, 1);
    struct cpc_block blk;
    memset(&blk, 0, sizeof blk);
    blk.txs = &inblock;
    blk.n_txs = 1;
    cpc_mempool_remove_block(mp, &blk, lookup, NULL);
    assert_int_equal(cpc_mempool_size(mp), 1);
    cpc_mempool_free(mp); /* a1's copy: LeakSanitizer fails the test if it leaked */
}

/* 25 accounts with 0.1 CPC each submit nonces 1..40 (nonce 0 never comes):
 * those txs can never run, so they are never charged. They must not keep a
 * worker's runnable tx (a REVEAL) out of the pool. */
static void test_gap_nonces_do_not_crowd_out_runnable_txs(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool *mp = cpc_mempool_new(1000);
    struct cpc_err err = {0};
    for (int a = 0; a < 25; a++) {
        accounts[100 + a].balance = 100000000ULL; /* 0.1 CPC */
        for (uint64_t nonce = 1; nonce <= 40; nonce++) {
            struct cpc_tx t = mk((uint8_t)(100 + a), nonce, 1, 1);
            (void)cpc_mempool_add(mp, &t, &accounts[100 + a], &err); /* refused or not */
        }
    }
    /* the worker's tx, at the same (minimum) gas price, still gets in and is selected */
    struct cpc_tx reveal = mk(7, 0, 1, 0);
    assert_int_equal(cpc_mempool_add(mp, &reveal, &accounts[7], &err), 0);
    assert_true(cpc_mempool_size(mp) <= 1000 / 10 + 1);
    struct cpc_tx *sel = NULL;
    size_t n = cpc_mempool_select(mp, lookup, NULL, 100, &sel);
    assert_int_equal(n, 1);
    assert_memory_equal(sel[0].hash, reveal.hash, 32);
    free(sel);
    cpc_mempool_free(mp);
}

static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

/* Per sender, at most max_future_per_account txs above a missing nonce; in the
 * pool, at most max_future. */
static void test_future_per_account_cap(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool_limits lim = {.max_txs = 1000, .max_future_per_account = 4};
    struct cpc_mempool *mp = cpc_mempool_new_limits(&lim);
    struct cpc_err err = {0};
    for (uint64_t nonce = 1; nonce <= 4; nonce++) {
        struct cpc_tx t = mk(1, nonce, 1, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[1], &err), 0);
    }
    assert_int_equal(cpc_mempool_future_count(mp), 4);
    struct cpc_tx t5 = mk(1, 5, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &t5, &accounts[1], &err), CPC_ERR_NONCE_GAP);
    assert_non_null(strstr(err.msg, "submit nonce 0 first"));
    /* a higher-priced replacement of a future tx is no new tx: allowed */
    struct cpc_tx r4 = mk(1, 4, 2, 1);
    assert_int_equal(cpc_mempool_add(mp, &r4, &accounts[1], &err), 0);
    /* the missing nonce makes 0..4 runnable; 5 is runnable too, 7..10 future */
    struct cpc_tx t0 = mk(1, 0, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &t0, &accounts[1], &err), 0);
    assert_int_equal(cpc_mempool_future_count(mp), 0);
    assert_int_equal(cpc_mempool_add(mp, &t5, &accounts[1], &err), 0);
    for (uint64_t nonce = 7; nonce <= 10; nonce++) {
        struct cpc_tx t = mk(1, nonce, 1, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[1], &err), 0);
    }
    struct cpc_tx t11 = mk(1, 11, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &t11, &accounts[1], &err), CPC_ERR_NONCE_GAP);
    assert_int_equal(cpc_mempool_size(mp), 10);
    /* the pool-wide quota (max_txs / 10 = 100 here) */
    cpc_mempool_free(mp);
    lim = (struct cpc_mempool_limits){.max_txs = 1000, .max_future = 3};
    mp = cpc_mempool_new_limits(&lim);
    cpc_mempool_set_clock(mp, fake_clock, NULL);
    for (uint8_t s = 20; s < 23; s++) {
        fake_now = 1000u + s;
        struct cpc_tx t = mk(s, 1, 1, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[s], &err), 0);
    }
    struct cpc_tx f = mk(23, 1, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &f, &accounts[23], &err), CPC_ERR_MEMPOOL_FULL);
    /* a future tx with a higher gas price takes the place of the cheapest, newest one */
    struct cpc_tx f2 = mk(23, 1, 2, 1);
    assert_int_equal(cpc_mempool_add(mp, &f2, &accounts[23], &err), 0);
    assert_int_equal(cpc_mempool_future_count(mp), 3);
    struct cpc_tx gone = mk(22, 1, 1, 1), kept = mk(20, 1, 1, 1), got;
    assert_int_equal(cpc_mempool_get(mp, gone.hash, &got), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_mempool_get(mp, kept.hash, &got), 0);
    cpc_tx_clear(&got);
    cpc_mempool_free(mp);
}

/* A tx above a missing nonce is dropped future_ttl_ms after admission; a
 * runnable tx is not. */
static void test_future_ttl(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool_limits lim = {.max_txs = 100, .future_ttl_ms = 1000};
    struct cpc_mempool *mp = cpc_mempool_new_limits(&lim);
    cpc_mempool_set_clock(mp, fake_clock, NULL);
    struct cpc_err err = {0};
    fake_now = 5000;
    struct cpc_tx fut = mk(2, 1, 1, 1), run = mk(3, 0, 1, 1), fut2 = mk(2, 3, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &fut, &accounts[2], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &run, &accounts[3], &err), 0);
    fake_now = 5500;
    assert_int_equal(cpc_mempool_add(mp, &fut2, &accounts[2], &err), 0);
    struct cpc_tx *sel = NULL;
    fake_now = 5999;
    assert_int_equal(cpc_mempool_select(mp, lookup, NULL, 100, &sel), 1);
    free(sel);
    assert_int_equal(cpc_mempool_size(mp), 3);
    fake_now = 6000; /* the first future tx expires, the second not yet */
    assert_int_equal(cpc_mempool_select(mp, lookup, NULL, 100, &sel), 1);
    free(sel);
    assert_int_equal(cpc_mempool_size(mp), 2);
    assert_int_equal(cpc_mempool_future_count(mp), 1);
    fake_now = 60000;
    assert_int_equal(cpc_mempool_select(mp, lookup, NULL, 100, &sel), 1);
    assert_memory_equal(sel[0].hash, run.hash, 32);
    free(sel);
    assert_int_equal(cpc_mempool_size(mp), 1);
    assert_int_equal(cpc_mempool_future_count(mp), 0);
    /* once its gap is filled, a tx is runnable and stays */
    struct cpc_tx a1 = mk(4, 1, 1, 1), a0 = mk(4, 0, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &a1, &accounts[4], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &a0, &accounts[4], &err), 0);
    fake_now = 600000;
    assert_int_equal(cpc_mempool_select(mp, lookup, NULL, 100, &sel), 3);
    free(sel);
    cpc_mempool_free(mp);
}

/* A full pool makes room for a better-paying tx: future txs go first, then
 * the cheapest runnable tail of another sender; never a gap is opened. */
static void test_full_pool_evicts_lowest_fee_rate(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool_limits lim = {.max_txs = 6, .max_future = 6};
    struct cpc_mempool *mp = cpc_mempool_new_limits(&lim);
    struct cpc_err err = {0};
    /* sender 10: nonces 0,1 at price 3; senders 11..13: nonce 0 at 4, 5, 6 */
    for (uint64_t i = 0; i < 2; i++) {
        struct cpc_tx t = mk(10, i, 3, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[10], &err), 0);
    }
    for (uint8_t s = 11; s <= 13; s++) {
        struct cpc_tx t = mk(s, 0, s - 7, 1);
        assert_int_equal(cpc_mempool_add(mp, &t, &accounts[s], &err), 0);
    }
    /* sender 14: a future tx at a high price */
    struct cpc_tx fut = mk(14, 2, 50, 1);
    assert_int_equal(cpc_mempool_add(mp, &fut, &accounts[14], &err), 0);
    assert_int_equal(cpc_mempool_size(mp), 6);
    /* a future newcomer cannot push out runnable txs, nor a dearer future one */
    struct cpc_tx fut2 = mk(15, 1, 40, 1);
    assert_int_equal(cpc_mempool_add(mp, &fut2, &accounts[15], &err), CPC_ERR_MEMPOOL_FULL);
    /* a runnable newcomer at the lowest price evicts the future tx first */
    struct cpc_tx n1 = mk(20, 0, 1, 1), got;
    assert_int_equal(cpc_mempool_add(mp, &n1, &accounts[20], &err), 0);
    assert_int_equal(cpc_mempool_get(mp, fut.hash, &got), CPC_ERR_NOT_FOUND);
    /* no future tx left: the same price cannot evict, a strictly higher one can */
    struct cpc_tx n2 = mk(21, 0, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &n2, &accounts[21], &err), CPC_ERR_MEMPOOL_FULL);
    struct cpc_tx n3 = mk(21, 0, 2, 1);
    assert_int_equal(cpc_mempool_add(mp, &n3, &accounts[21], &err), 0);
    assert_int_equal(cpc_mempool_get(mp, n1.hash, &got), CPC_ERR_NOT_FOUND);
    struct cpc_tx n4 = mk(22, 0, 5, 1);
    assert_int_equal(cpc_mempool_add(mp, &n4, &accounts[22], &err), 0);
    assert_int_equal(cpc_mempool_get(mp, n3.hash, &got), CPC_ERR_NOT_FOUND);
    /* price 4: the cheapest tail is sender 10's nonce 1 (price 3), not its nonce 0 */
    struct cpc_tx n5 = mk(23, 0, 4, 1);
    assert_int_equal(cpc_mempool_add(mp, &n5, &accounts[23], &err), 0);
    struct cpc_tx s10n0 = mk(10, 0, 3, 1), s10n1 = mk(10, 1, 3, 1);
    assert_int_equal(cpc_mempool_get(mp, s10n1.hash, &got), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_mempool_get(mp, s10n0.hash, &got), 0);
    cpc_tx_clear(&got);
    assert_int_equal(cpc_mempool_size(mp), 6);
    struct cpc_tx *sel = NULL;
    assert_int_equal(cpc_mempool_select(mp, lookup, NULL, 100, &sel), 6);
    free(sel);
    cpc_mempool_free(mp);
}

/* Churn through a full pool of one-tx senders at random prices: a newcomer
 * gets in exactly when it pays more than the cheapest tx, which leaves. */
static void test_eviction_under_churn(void **state)
{
    (void)state;
    setup_accounts();
    enum { CAP = 64, ROUNDS = 2000 };
    struct cpc_mempool *mp = cpc_mempool_new(CAP);
    struct cpc_err err = {0};
    struct cpc_tx pool[CAP];
    uint32_t rng = 12345;
    for (int i = 0; i < CAP + ROUNDS; i++) {
        rng = rng * 1103515245u + 12345u;
        uint64_t price = 1 + (rng >> 16) % 50;
        struct cpc_tx t = mk((uint8_t)(i & 0xff), 0, price, 1);
        t.from[1] = (uint8_t)(i >> 8);
        t.from[2] = (uint8_t)(i >> 16);
        t.hash[30] = (uint8_t)(i >> 8);
        t.hash[31] = (uint8_t)(i >> 16);
        if (i < CAP) {
            assert_int_equal(cpc_mempool_add(mp, &t, &accounts[i & 0xff], &err), 0);
            pool[i] = t;
            continue;
        }
        size_t lo = 0;
        for (size_t k = 1; k < CAP; k++)
            if (pool[k].gas_price < pool[lo].gas_price)
                lo = k;
        int rc = cpc_mempool_add(mp, &t, &accounts[i & 0xff], &err);
        if (price <= pool[lo].gas_price) {
            assert_int_equal(rc, CPC_ERR_MEMPOOL_FULL);
            continue;
        }
        assert_int_equal(rc, 0);
        /* the one that left is one of the cheapest */
        size_t gone = CAP;
        struct cpc_tx got;
        for (size_t k = 0; k < CAP; k++) {
            if (cpc_mempool_get(mp, pool[k].hash, &got) == CPC_ERR_NOT_FOUND) {
                assert_int_equal(gone, CAP);
                gone = k;
            } else {
                cpc_tx_clear(&got);
            }
        }
        assert_true(gone < CAP);
        assert_int_equal(pool[gone].gas_price, pool[lo].gas_price);
        pool[gone] = t;
        assert_int_equal(cpc_mempool_size(mp), CAP);
    }
    struct cpc_tx *sel = NULL;
    assert_int_equal(cpc_mempool_select(mp, lookup, NULL, 1000, &sel), CAP);
    free(sel);
    cpc_mempool_free(mp);
}

/* A tx whose gas alone exceeds the block gas limit can never be included:
 * refused at admission with a message that says so. */
static void test_gas_above_block_limit_refused(void **state)
{
    (void)state;
    setup_accounts();
    accounts[3].balance = UINT64_MAX / 4;
    struct cpc_mempool *mp = cpc_mempool_new(100);
    cpc_mempool_set_max_gas(mp, 1000000);
    struct cpc_err err = {0};
    struct cpc_tx big = mk(3, 0, 1, 1);
    big.type = CPC_TX_JOB_CREATE;
    memset(&big.u, 0, sizeof big.u);
    big.u.job_create.contract.kind = CPC_KIND_HASHPOW;
    big.u.job_create.contract.tasks = 1000;
    assert_true(cpc_tx_gas(&big) > 1000000);
    assert_int_equal(cpc_mempool_add(mp, &big, &accounts[3], &err), CPC_ERR_TOO_LARGE);
    assert_non_null(strstr(err.msg, "block gas limit"));
    assert_int_equal(cpc_mempool_size(mp), 0);
    /* a transfer fits */
    struct cpc_tx t = mk(3, 0, 1, 1);
    assert_int_equal(cpc_mempool_add(mp, &t, &accounts[3], &err), 0);
    /* no limit set: admitted (the block builder skips it) */
    struct cpc_mempool *open = cpc_mempool_new(100);
    assert_int_equal(cpc_mempool_add(open, &big, &accounts[3], &err), 0);
    cpc_mempool_free(open);
    cpc_mempool_free(mp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admission_rules),
        cmocka_unit_test(test_gas_above_block_limit_refused),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_select_order_and_prune),
        cmocka_unit_test(test_many_senders),
        cmocka_unit_test(test_pool_owns_payload_copies),
        cmocka_unit_test(test_gap_nonces_do_not_crowd_out_runnable_txs),
        cmocka_unit_test(test_future_per_account_cap),
        cmocka_unit_test(test_future_ttl),
        cmocka_unit_test(test_full_pool_evicts_lowest_fee_rate),
        cmocka_unit_test(test_eviction_under_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
