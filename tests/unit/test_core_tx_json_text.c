/* test_core_tx_json_text.c — cpc_tx_json_text (the jansson-free encoder of
 * a tx's stored JSON text) against the jansson path it replaces,
 * json_dumpb(cpc_tx_to_json(tx), JSON_COMPACT | JSON_SORT_KEYS): byte for
 * byte over thousands of random SUBMIT_RESULT txs (with and without lease,
 * result hashes of 0..70 bytes, integers up to UINT64_MAX, odd chain ids),
 * the fallback for every other type and for chain ids jansson would escape,
 * appending to a non-empty buffer, and the out-of-memory return. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core_ledger_fixtures.h"
#include "core/merkle.h"

#define FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* splitmix64: deterministic, seeded per test. */
static uint64_t rnd(uint64_t *st)
{
    uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rnd_bytes(uint64_t *st, void *out, size_t n)
{
    uint8_t *p = out;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd(st);
}

static uint64_t rnd_int(uint64_t *st)
{
    switch (rnd(st) % 8) {
    case 0: return 0;
    case 1: return (uint64_t)INT64_MAX;
    case 2: return rnd(st) % 1000;
    case 3: return (uint64_t)INT64_MAX - rnd(st) % 3;
    case 4: return UINT64_MAX - rnd(st) % 3;              /* jansson prints these negative */
    case 5: return (uint64_t)INT64_MAX + 1 + rnd(st) % 3; /* INT64_MIN.. */
    case 6: return rnd(st) >> (rnd(st) % 64);
    default: return rnd(st);
    }
}

/* The jansson path; returns a malloc'd text and its length, or NULL. */
static char *jansson_text(const struct cpc_tx *tx, size_t *len)
{
    json_t *j = cpc_tx_to_json(tx);
    if (!j)
        return NULL;
    size_t n = json_dumpb(j, NULL, 0, FLAGS);
    char *s = n ? malloc(n) : NULL;
    if (s && json_dumpb(j, s, n, FLAGS) != n) {
        free(s);
        s = NULL;
    }
    json_decref(j);
    *len = n;
    return s;
}

/* Both encodings must agree byte for byte (the tx must be handled). */
static void assert_same(const struct cpc_tx *tx)
{
    size_t jl = 0;
    char *js = jansson_text(tx, &jl);
    assert_non_null(js);
    struct cpc_buf b;
    cpc_buf_init(&b);
    assert_int_equal(cpc_tx_json_text(tx, &b), 0);
    assert_false(b.failed);
    if (b.len != jl || memcmp(b.data, js, jl) != 0)
        fail_msg("encodings differ:\njansson: %.*s\ndirect:  %.*s", (int)jl, js, (int)b.len,
                 (const char *)b.data);
    free(js);
    cpc_buf_free(&b);
}

static bool plain(const char *s)
{
    for (size_t i = 0; i < CPC_CHAIN_ID_MAX && s[i]; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e || s[i] == '"' ||
            s[i] == '\\')
            return false;
    return true;
}

static void random_chain(uint64_t *st, char chain[CPC_CHAIN_ID_MAX + 1])
{
    static const char odd[] = "._-/:+=~!#$%&'()*,;<>?@[]^`{|} ";
    memset(chain, 0, CPC_CHAIN_ID_MAX + 1);
    size_t n;
    switch (rnd(st) % 6) {
    case 0: snprintf(chain, CPC_CHAIN_ID_MAX + 1, "%s", FX_CHAIN); return;
    case 1: return; /* empty */
    case 2: /* no NUL at all: cpc_tx_to_json reads the first 64 bytes */
        for (size_t i = 0; i <= CPC_CHAIN_ID_MAX; i++)
            chain[i] = (char)('a' + rnd(st) % 26);
        return;
    case 3: /* any byte (mostly falls back) */
        n = 1 + rnd(st) % CPC_CHAIN_ID_MAX;
        for (size_t i = 0; i < n; i++)
            chain[i] = (char)(1 + rnd(st) % 255);
        return;
    case 4: /* printable ASCII, including '"' and '\\' sometimes */
        n = 1 + rnd(st) % CPC_CHAIN_ID_MAX;
        for (size_t i = 0; i < n; i++)
            chain[i] = (char)(0x20 + rnd(st) % 95);
        return;
    default: /* [A-Za-z0-9] plus punctuation */
        n = 1 + rnd(st) % CPC_CHAIN_ID_MAX;
        for (size_t i = 0; i < n; i++)
            chain[i] = (rnd(st) % 3) ? (char)('0' + rnd(st) % 75) : odd[rnd(st) % (sizeof odd - 1)];
        return;
    }
}

static void random_result(uint64_t *st, struct cpc_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->type = CPC_TX_SUBMIT_RESULT;
    random_chain(st, tx->chain_id);
    rnd_bytes(st, tx->pubkey, sizeof tx->pubkey);
    rnd_bytes(st, tx->from, sizeof tx->from);
    tx->nonce = rnd_int(st);
    tx->gas_price = rnd_int(st);
    struct cpc_payload_submit_result *r = &tx->u.result;
    rnd_bytes(st, r->task_id, sizeof r->task_id);
    rnd_bytes(st, r->result_hash, sizeof r->result_hash);
    uint64_t k = rnd(st) % 10;
    r->result_hash_len = k == 0 ? 1 + rnd(st) % 71 /* 1..71: > 64 is truncated */
                       : k == 1 ? 0
                       : k == 2 ? CPC_RESULT_HASH_MAX
                                : 1 + rnd(st) % CPC_RESULT_HASH_MAX;
    if (rnd(st) % 2)
        memcpy(r->worker, tx->from, sizeof r->worker);
    else
        rnd_bytes(st, r->worker, sizeof r->worker);
    k = rnd(st) % 10;
    r->has_lease = k < 4 ? 0 : k < 6 ? 1 : k < 9 ? 2 : (uint8_t)(3 + rnd(st) % 253);
    if (r->has_lease || rnd(st) % 4 == 0) {
        r->lease_expires = rnd_int(st);
        rnd_bytes(st, r->lease_sig, sizeof r->lease_sig);
    }
    if (r->has_lease == 2 || rnd(st) % 8 == 0) { /* a lease-set member, any field values */
        r->lease_set.index = (uint16_t)rnd(st);
        r->lease_set.size = (uint16_t)rnd(st);
        r->lease_set.depth = (uint8_t)(rnd(st) % (CPC_LEASE_PATH_MAX + 3)); /* > max: clamped */
        rnd_bytes(st, &r->lease_set.path[0][0], sizeof r->lease_set.path);
    }
    rnd_bytes(st, tx->sig, sizeof tx->sig);
    rnd_bytes(st, tx->hash, sizeof tx->hash);
}

static void test_random_submit_results(void **state)
{
    (void)state;
    uint64_t st = 0x5eed0001;
    int handled = 0, fell_back = 0;
    for (int i = 0; i < 20000; i++) {
        struct cpc_tx tx;
        random_result(&st, &tx);
        if (plain(tx.chain_id)) {
            assert_same(&tx);
            handled++;
        } else {
            struct cpc_buf b;
            cpc_buf_init(&b);
            assert_int_equal(cpc_tx_json_text(&tx, &b), CPC_TX_JSON_TEXT_FALLBACK);
            assert_int_equal(b.len, 0);
            assert_null(b.data);
            fell_back++;
        }
    }
    assert_true(handled > 10000);
    assert_true(fell_back > 500);
}

/* Every printable byte alone, and at each end of a chain id. */
static void test_every_chain_byte(void **state)
{
    (void)state;
    uint64_t st = 7;
    for (int c = 1; c < 256; c++) {
        for (int pos = 0; pos < 3; pos++) {
            struct cpc_tx tx;
            random_result(&st, &tx);
            size_t at = pos == 0 ? 0 : pos == 1 ? 3 : CPC_CHAIN_ID_MAX - 1;
            memset(tx.chain_id, 'a', CPC_CHAIN_ID_MAX);
            tx.chain_id[at] = (char)c;
            tx.chain_id[pos == 1 ? 5 : CPC_CHAIN_ID_MAX] = '\0';
            struct cpc_buf b;
            cpc_buf_init(&b);
            int rc = cpc_tx_json_text(&tx, &b);
            if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') {
                assert_int_equal(rc, 0);
                assert_same(&tx);
            } else {
                assert_int_equal(rc, CPC_TX_JSON_TEXT_FALLBACK);
                assert_int_equal(b.len, 0);
            }
            cpc_buf_free(&b);
        }
    }
}

/* Properly signed txs from the fixtures: the text is the wire form and decodes back. */
static void test_signed_roundtrip(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    struct fx_key k;
    fx_key(s, &k, 3);
    for (size_t hl = 1; hl <= CPC_RESULT_HASH_MAX; hl++) {
        struct cpc_tx tx, back;
        assert_int_equal(fx_result(&tx, s, &k, hl * 1000, (uint8_t)hl, hl), 0);
        if (hl % 2) { /* with a lease: re-sign after setting it */
            tx.u.result.has_lease = 1;
            tx.u.result.lease_expires = (uint64_t)INT64_MAX - hl;
            memset(tx.u.result.lease_sig, (int)hl, sizeof tx.u.result.lease_sig);
            assert_int_equal(cpc_tx_sign(&tx, s, k.sk, NULL), 0);
        }
        assert_same(&tx);
        struct cpc_buf b;
        cpc_buf_init(&b);
        assert_int_equal(cpc_tx_json_text(&tx, &b), 0);
        struct cpc_err err = {0};
        assert_int_equal(cpc_tx_from_json_text(&back, (const char *)b.data, b.len, &err), 0);
        assert_memory_equal(back.hash, tx.hash, 32);
        cpc_tx_clear(&back);
        cpc_buf_free(&b);
    }
    cpc_signer_free(s);
}

/* The canonical decoder (cpc_tx_from_json_canonical) against the jansson path:
 * every valid signed SUBMIT_RESULT's text decodes to the same tx both ways, and
 * any mutated text the fast path still accepts, the jansson path accepts with
 * the same result. */
static void expect_same_decode(const char *text, size_t len, int must_accept)
{
    struct cpc_tx fast, slow;
    struct cpc_err err = {0};
    int rc = cpc_tx_from_json_canonical(&fast, text, len);
    if (must_accept && rc != 0)
        fail_msg("canonical decode refused valid text: %.*s", (int)len, text);
    if (rc != 0) {
        assert_int_equal(rc, CPC_TX_JSON_TEXT_FALLBACK);
        return;
    }
    assert_null(fast.ext);
    if (cpc_tx_from_json_text(&slow, text, len, &err) != 0)
        fail_msg("fast path accepted what jansson refuses (%s): %.*s", err.msg, (int)len, text);
    assert_memory_equal(&fast, &slow, sizeof fast);
    cpc_tx_clear(&slow);
}

static void test_canonical_decoder(void **state)
{
    (void)state;
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    struct fx_key k;
    fx_key(s, &k, 5);
    uint64_t st = 0xdec0de;
    int accepted_mutants = 0, mutants = 0;
    for (int i = 0; i < 1500; i++) {
        struct cpc_tx tx;
        size_t hl = 1 + rnd(&st) % CPC_RESULT_HASH_MAX;
        assert_int_equal(fx_result(&tx, s, &k, rnd(&st) % 1000000, (uint8_t)i, hl), 0);
        tx.gas_price = rnd(&st) % 3 ? 1 + rnd(&st) % 1000 : (uint64_t)INT64_MAX;
        int form = (int)(rnd(&st) % 3);
        if (form) {
            tx.u.result.has_lease = (uint8_t)form;
            tx.u.result.lease_expires = rnd(&st) % 2 ? rnd(&st) % 100000 : (uint64_t)INT64_MAX;
            rnd_bytes(&st, tx.u.result.lease_sig, 64);
        }
        if (form == 2) {
            struct cpc_lease_set_ref *ls = &tx.u.result.lease_set;
            ls->size = (uint16_t)(1 + rnd(&st) % CPC_LEASE_SET_MAX);
            ls->index = (uint16_t)(rnd(&st) % ls->size);
            ls->depth = (uint8_t)cpc_merkle_depth(ls->size, ls->index);
            rnd_bytes(&st, &ls->path[0][0], (size_t)ls->depth * 32);
        }
        assert_int_equal(cpc_tx_sign(&tx, s, k.sk, NULL), 0);
        struct cpc_buf b;
        cpc_buf_init(&b);
        assert_int_equal(cpc_tx_json_text(&tx, &b), 0);
        expect_same_decode((const char *)b.data, b.len, 1);
        struct cpc_tx back;
        assert_int_equal(cpc_tx_from_json_canonical(&back, (const char *)b.data, b.len), 0);
        assert_memory_equal(back.hash, tx.hash, 32);
        /* mutants: one byte replaced, dropped or duplicated, or the text cut short */
        char *m = malloc(b.len + 1);
        for (int j = 0; j < 8; j++) {
            size_t at = rnd(&st) % b.len, len = b.len;
            memcpy(m, b.data, b.len);
            switch (rnd(&st) % 4) {
            case 0:
                m[at] = "0aAf\"\\{}:,9 -x"[rnd(&st) % 15];
                break;
            case 1:
                memmove(m + at, m + at + 1, b.len - at - 1);
                len--;
                break;
            case 2:
                memmove(m + at + 1, m + at, b.len - at);
                len++;
                break;
            default:
                len = at;
            }
            expect_same_decode(m, len, 0);
            struct cpc_tx t2;
            accepted_mutants += cpc_tx_from_json_canonical(&t2, m, len) == 0;
            mutants++;
        }
        free(m);
        cpc_buf_free(&b);
    }
    /* a mutant that decodes is the unchanged text (a replaced byte equal to the old one) */
    assert_true(accepted_mutants < mutants / 20);
    cpc_signer_free(s);
}

/* Every other type (and out-of-range values) falls back, leaving out untouched. */
static void test_other_types_fall_back(void **state)
{
    (void)state;
    uint64_t st = 99;
    for (int t = -1; t <= CPC_TX_TYPE_COUNT + 1; t++) {
        if (t == CPC_TX_SUBMIT_RESULT)
            continue;
        for (int i = 0; i < 50; i++) {
            struct cpc_tx tx;
            random_result(&st, &tx);
            tx.type = (enum cpc_tx_type)t;
            struct cpc_buf b;
            cpc_buf_init(&b);
            cpc_buf_put(&b, "xy", 2);
            assert_int_equal(cpc_tx_json_text(&tx, &b), CPC_TX_JSON_TEXT_FALLBACK);
            assert_int_equal(b.len, 2);
            assert_memory_equal(b.data, "xy", 2);
            cpc_buf_free(&b);
        }
    }
    /* real signed txs of the simple types */
    struct cpc_signer *s = cpc_signer_new(NULL);
    assert_non_null(s);
    struct fx_key k;
    fx_key(s, &k, 1);
    struct cpc_tx tx;
    struct cpc_buf b;
    cpc_buf_init(&b);
    assert_int_equal(fx_transfer(&tx, s, &k, 1, k.addr, 5), 0);
    assert_int_equal(cpc_tx_json_text(&tx, &b), CPC_TX_JSON_TEXT_FALLBACK);
    assert_int_equal(fx_stake(&tx, s, &k, CPC_TX_STAKE, 2, 5), 0);
    assert_int_equal(cpc_tx_json_text(&tx, &b), CPC_TX_JSON_TEXT_FALLBACK);
    assert_int_equal(fx_stake(&tx, s, &k, CPC_TX_UNSTAKE, 3, 5), 0);
    assert_int_equal(cpc_tx_json_text(&tx, &b), CPC_TX_JSON_TEXT_FALLBACK);
    assert_int_equal(b.len, 0);
    cpc_buf_free(&b);
    cpc_signer_free(s);
}

/* Appends after existing bytes; a failed buffer answers CPC_ERR_NOMEM. */
static void test_append_and_nomem(void **state)
{
    (void)state;
    uint64_t st = 3;
    struct cpc_tx tx;
    random_result(&st, &tx);
    snprintf(tx.chain_id, sizeof tx.chain_id, "%s", FX_CHAIN);
    size_t jl = 0;
    char *js = jansson_text(&tx, &jl);
    assert_non_null(js);
    struct cpc_buf b;
    cpc_buf_init(&b);
    cpc_buf_put(&b, "[", 1);
    assert_int_equal(cpc_tx_json_text(&tx, &b), 0);
    assert_int_equal(cpc_tx_json_text(&tx, &b), 0);
    assert_int_equal(b.len, 1 + 2 * jl);
    assert_memory_equal(b.data + 1, js, jl);
    assert_memory_equal(b.data + 1 + jl, js, jl);
    b.failed = 1;
    size_t len = b.len;
    assert_int_equal(cpc_tx_json_text(&tx, &b), CPC_ERR_NOMEM);
    assert_int_equal(b.len, len);
    cpc_buf_free(&b);
    free(js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_submit_results),
        cmocka_unit_test(test_every_chain_byte),
        cmocka_unit_test(test_signed_roundtrip),
        cmocka_unit_test(test_canonical_decoder),
        cmocka_unit_test(test_other_types_fall_back),
        cmocka_unit_test(test_append_and_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
