/* test_node_txs_batch.c — the fast path of POST /txs (txs_batch.h): bodies of
 * canonical SUBMIT_RESULT texts are split and decoded to exactly what the
 * jansson path gives; every other shape falls back and allocates nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core_ledger_fixtures.h"
#include "core/merkle.h"
#include "node/txs_batch.h"

static struct cpc_signer *S;
static struct fx_key K;

/* Canonical text of a signed result; lease form 0, 1 or 2. Caller frees. */
static char *result_text(uint64_t nonce, int form, size_t *len)
{
    struct cpc_tx tx;
    assert_int_equal(fx_result(&tx, S, &K, nonce, (uint8_t)(nonce + 1), 8), 0);
    if (form) {
        tx.u.result.has_lease = (uint8_t)form;
        tx.u.result.lease_expires = 50 + nonce;
        memset(tx.u.result.lease_sig, 0x21, 64);
    }
    if (form == 2) {
        struct cpc_lease_set_ref *ls = &tx.u.result.lease_set;
        ls->size = 7;
        ls->index = (uint16_t)(nonce % 7);
        ls->depth = (uint8_t)cpc_merkle_depth(7, ls->index);
        for (unsigned k = 0; k < ls->depth; k++)
            memset(ls->path[k], (int)(0x70 + k), 32);
    }
    assert_int_equal(cpc_tx_sign(&tx, S, K.sk, NULL), 0);
    struct cpc_buf b;
    cpc_buf_init(&b);
    assert_int_equal(cpc_tx_json_text(&tx, &b), 0);
    char *s = malloc(b.len + 1);
    memcpy(s, b.data, b.len);
    s[b.len] = 0;
    *len = b.len;
    cpc_buf_free(&b);
    return s;
}

/* body accepted: n txs, each equal to the jansson decode of the same element. */
static void expect_fast(const char *body, size_t want)
{
    struct cpc_tx *txs = NULL;
    size_t n = 0;
    if (cpc_txs_batch_canonical(body, strlen(body), 100, &txs, &n) != 0)
        fail_msg("fell back on: %.200s", body);
    assert_int_equal(n, want);
    json_t *j = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    json_t *list = json_is_array(j) ? j : json_object_get(j, "txs");
    assert_int_equal(json_array_size(list), n);
    for (size_t i = 0; i < n; i++) {
        struct cpc_tx slow;
        struct cpc_err err = {0};
        assert_int_equal(cpc_tx_from_json(&slow, json_array_get(list, i), &err), 0);
        assert_memory_equal(&slow, &txs[i], sizeof slow);
        cpc_tx_clear(&slow);
    }
    json_decref(j);
    free(txs);
}

static void expect_fallback(const char *body, size_t max)
{
    struct cpc_tx *txs = (struct cpc_tx *)1;
    size_t n = 99;
    assert_int_equal(cpc_txs_batch_canonical(body, strlen(body), max, &txs, &n),
                     CPC_TXS_BATCH_FALLBACK);
    assert_null(txs);
    assert_int_equal(n, 0);
}

static void test_batches(void **state)
{
    (void)state;
    S = cpc_signer_new(NULL);
    assert_non_null(S);
    fx_key(S, &K, 9);
    size_t l0, l1, l2;
    char *t0 = result_text(0, 0, &l0), *t1 = result_text(1, 1, &l1), *t2 = result_text(2, 2, &l2);
    size_t cap = 4 * (l0 + l1 + l2) + 256;
    char *b = malloc(cap);

    snprintf(b, cap, "[%s]", t2);
    expect_fast(b, 1);
    snprintf(b, cap, "{\"txs\":[%s,%s,%s]}", t0, t1, t2);
    expect_fast(b, 3);
    snprintf(b, cap, " \n\t[%s,%s]\r\n ", t2, t0); /* whitespace around the body */
    expect_fast(b, 2);

    /* shapes left to the jansson path, which owns their errors (or accepts them) */
    snprintf(b, cap, "[%s, %s]", t0, t1); /* whitespace between elements */
    expect_fallback(b, 100);
    snprintf(b, cap, "[%s,]", t0);
    expect_fallback(b, 100);
    snprintf(b, cap, "[,%s]", t0);
    expect_fallback(b, 100);
    snprintf(b, cap, "{\"txs\":[%s],\"more\":1}", t0);
    expect_fallback(b, 100);
    snprintf(b, cap, "{\"txs\" :[%s]}", t0);
    expect_fallback(b, 100);
    snprintf(b, cap, "[%s,%s]", t0, t1);
    expect_fallback(b, 1); /* over the batch limit: the jansson path says so */
    expect_fallback("[]", 100);
    expect_fallback("{\"txs\":[]}", 100);
    expect_fallback("", 100);
    expect_fallback("[", 100);
    expect_fallback("[{\"a\":\"}\"}]", 100); /* a brace in a string ends nothing */
    expect_fallback("[{\"a\":\"\\\"}\"}]", 100);
    expect_fallback("[{{}}]", 100);
    /* one non-canonical element sends the whole batch the slow way */
    char *t1u = strdup(t1);
    char *h = strstr(t1u, "\"hash\":\"") + 8;
    *h = (char)(*h >= 'a' ? *h - 32 : *h == '9' ? '8' : *h + 1);
    snprintf(b, cap, "[%s,%s]", t0, t1u);
    expect_fallback(b, 100);
    /* a cut-short body */
    snprintf(b, cap, "[%s,%s]", t0, t1);
    for (size_t cut = 1; cut < strlen(b); cut += 37) {
        char *p = strndup(b, cut);
        expect_fallback(p, 100);
        free(p);
    }
    free(t1u);
    free(b);
    free(t0);
    free(t1);
    free(t2);
    cpc_signer_free(S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
