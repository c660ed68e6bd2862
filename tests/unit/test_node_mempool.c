/* test_node_mempool.c — admission rules, replacement, selection order, pruning,
 * and deep copies of txs that own heap `ext` bytes (copied in, copied out). */
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


/* A tx owning n bytes of fake ext (as a REVEAL would), filled with `fill`. */
static struct cpc_tx mk_ext(uint8_t sender, uint64_t nonce, uint64_t gas_price, size_t n,
                            uint8_t fill)
{
    struct cpc_tx tx = mk(sender, nonce, gas_price, 1);
    tx.ext = malloc(n);
    assert_non_null(tx.ext);
    memset(tx.ext, fill, n);
    tx.ext_len = n;
    return tx;
}

static void test_ext_copies(void **state)
{
    (void)state;
    setup_accounts();
    struct cpc_mempool *mp = cpc_mempool_new(100);
    struct cpc_err err = {0};
    struct cpc_tx a0 = mk_ext(1, 0, 1, 64, 0xa0), a1 = mk_ext(1, 1, 1, 8, 0xa1);
    struct cpc_tx b0 = mk_ext(2, 0, 1, 3, 0xb0);
    assert_int_equal(cpc_mempool_add(mp, &a0, &accounts[1], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &a1, &accounts[1], &err), 0);
    assert_int_equal(cpc_mempool_add(mp, &b0, &accounts[2], &err), 0);
    /* the pool copied: the caller's buffers can go right away */
    uint8_t *a0_ext = a0.ext;
    cpc_tx_clear(&a0);
    cpc_tx_clear(&a1);
    cpc_tx_clear(&b0);

    /* a duplicate and an underpriced replacement are refused without leaking */
    struct cpc_tx dup = mk_ext(2, 0, 1, 3, 0xb0);
    assert_int_equal(cpc_mempool_add(mp, &dup, &accounts[2], &err), CPC_ERR_DUPLICATE);
    cpc_tx_clear(&dup);
    struct cpc_tx cheap = mk_ext(2, 0, 1, 7, 0xcc);
    cheap.hash[31] = 0x77; /* another tx, same sender/nonce, same price */
    assert_int_equal(cpc_mempool_add(mp, &cheap, &accounts[2], &err), CPC_ERR_FEE_TOO_LOW);
    cpc_tx_clear(&cheap);
    /* a replacement frees the replaced tx's ext inside the pool */
    struct cpc_tx b0r = mk_ext(2, 0, 9, 5, 0xbb);
    assert_int_equal(cpc_mempool_add(mp, &b0r, &accounts[2], &err), 0);

    /* get: a deep copy the caller owns */
    struct cpc_tx got;
    assert_int_equal(cpc_mempool_get(mp, b0r.hash, &got), 0);
    assert_non_null(got.ext);
    assert_ptr_not_equal(got.ext, b0r.ext);
    assert_int_equal(got.ext_len, 5);
    assert_int_equal(got.ext[4], 0xbb);
    cpc_tx_clear(&got);
    cpc_tx_clear(&b0r);
    struct cpc_tx a0k = mk(1, 0, 1, 1);
    assert_int_equal(cpc_mempool_get(mp, a0k.hash, &got), 0);
    assert_ptr_not_equal(got.ext, a0_ext);
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
        cmocka_unit_test(test_ext_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
