/* test_core_state_index.c — the state root's caches (state_root.c: sorted
 * indexes of account and object leaves kept up to date across merges)
 * against a from-scratch reference written here from state.h's definition
 * alone: random account writes, object puts, overwrites and deletions through
 * nested overlays, blocks kept or dropped, direct writes to the base, and
 * object keys that are prefixes of each other. After every step the overlay
 * root and the base root must equal the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"
#include "core/merkle.h"
#include "core/state.h"

#define MAX_KEYS 700
#define MAX_ACCOUNTS 400

struct model_obj {
    uint8_t key[CPC_OBJ_KEY_MAX];
    size_t klen;
    uint8_t val[24];
    size_t vlen;
    int live;
};

struct model_acc {
    uint8_t addr[CPC_ADDR_HASH_LEN];
    struct cpc_account acc;
};

struct model {
    struct model_obj v[MAX_KEYS];
    size_t n;
    struct model_acc a[MAX_ACCOUNTS];
    size_t na;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t below)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % below);
}

/* Keys from a small alphabet and lengths 1..CPC_OBJ_KEY_MAX, so prefixes are common. */
static size_t random_key(uint8_t k[CPC_OBJ_KEY_MAX])
{
    size_t kl = 1 + rnd(rnd(4) == 0 ? CPC_OBJ_KEY_MAX : 3);
    for (size_t i = 0; i < kl; i++)
        k[i] = (uint8_t)("\x00\x01" "AB\xff"[rnd(5)]);
    return kl;
}

static struct model_obj *model_find(struct model *m, const uint8_t *k, size_t kl)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].klen == kl && memcmp(m->v[i].key, k, kl) == 0)
            return &m->v[i];
    return NULL;
}

static int ent_cmp(const void *a, const void *b)
{
    const struct model_obj *x = *(const struct model_obj *const *)a;
    const struct model_obj *y = *(const struct model_obj *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static int acc_cmp(const void *a, const void *b)
{
    return memcmp(((const struct model_acc *)a)->addr, ((const struct model_acc *)b)->addr,
                  CPC_ADDR_HASH_LEN);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* state.h: Merkle root over SHA256(addr | u64 balance | u64 nonce | u64 stake), sorted. */
static void model_accounts_root(const struct model *m, uint8_t root[32])
{
    static struct model_acc sorted[MAX_ACCOUNTS];
    static uint8_t leaves[MAX_ACCOUNTS][32];
    memcpy(sorted, m->a, m->na * sizeof *sorted);
    qsort(sorted, m->na, sizeof *sorted, acc_cmp);
    for (size_t i = 0; i < m->na; i++) {
        uint8_t rec[CPC_ADDR_HASH_LEN + 24];
        memcpy(rec, sorted[i].addr, CPC_ADDR_HASH_LEN);
        put_be64(rec + 20, sorted[i].acc.balance);
        put_be64(rec + 28, sorted[i].acc.nonce);
        put_be64(rec + 36, sorted[i].acc.stake);
        cpc_sha256(leaves[i], rec, sizeof rec);
    }
    assert_int_equal(cpc_merkle_root(root, (const uint8_t(*)[32])leaves, m->na), 0);
}

/* state.h: SHA256(accounts_root | objects_root). */
static void model_root(const struct model *m, uint8_t root[32])
{
    const struct model_obj *p[MAX_KEYS];
    static uint8_t leaves[MAX_KEYS][32];
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].live)
            p[n++] = &m->v[i];
    qsort(p, n, sizeof *p, ent_cmp);
    for (size_t i = 0; i < n; i++) {
        uint8_t rec[1 + CPC_OBJ_KEY_MAX + 4 + 24];
        size_t o = 0;
        rec[o++] = (uint8_t)p[i]->klen;
        memcpy(rec + o, p[i]->key, p[i]->klen);
        o += p[i]->klen;
        uint32_t vl = (uint32_t)p[i]->vlen;
        rec[o++] = (uint8_t)(vl >> 24);
        rec[o++] = (uint8_t)(vl >> 16);
        rec[o++] = (uint8_t)(vl >> 8);
        rec[o++] = (uint8_t)vl;
        memcpy(rec + o, p[i]->val, p[i]->vlen);
        o += p[i]->vlen;
        cpc_sha256(leaves[i], rec, o);
    }
    uint8_t objr[32], accr[32];
    assert_int_equal(cpc_merkle_root(objr, (const uint8_t(*)[32])leaves, n), 0);
    model_accounts_root(m, accr);
    cpc_sha256_2(root, accr, 32, objr, 32);
}

/* One random account write (new or existing address), mirrored in m. */
static void random_account(struct cpc_overlay *ov, struct cpc_state *st, struct model *m)
{
    struct model_acc *e;
    if (m->na && (m->na == MAX_ACCOUNTS || rnd(3))) {
        e = &m->a[rnd((uint32_t)m->na)];
    } else {
        e = &m->a[m->na++];
        for (size_t i = 0; i < CPC_ADDR_HASH_LEN; i++) /* structured: shared prefixes */
            e->addr[i] = (uint8_t)(i < 16 ? rnd(3) : rnd(256));
        for (size_t i = 0; i + 1 < m->na; i++)
            if (memcmp(m->a[i].addr, e->addr, CPC_ADDR_HASH_LEN) == 0) { /* already there */
                m->na--;
                e = &m->a[i];
                break;
            }
    }
    e->acc.balance = rnd(1000000);
    e->acc.nonce = rnd(50);
    e->acc.stake = rnd(4) ? 0 : rnd(1000);
    assert_int_equal(ov ? cpc_overlay_put(ov, e->addr, &e->acc) : cpc_state_put(st, e->addr, &e->acc),
                     0);
}

/* One random write through ov (or straight into st when ov is NULL), mirrored in m. */
static void random_write(struct cpc_overlay *ov, struct cpc_state *st, struct model *m)
{
    uint8_t k[CPC_OBJ_KEY_MAX];
    size_t kl;
    if (rnd(3) == 0) {
        random_account(ov, st, m);
        return;
    }
    if (m->n && rnd(2)) { /* an existing key: overwrite or delete it */
        const struct model_obj *e = &m->v[rnd((uint32_t)m->n)];
        kl = e->klen;
        memcpy(k, e->key, kl);
    } else {
        kl = random_key(k);
    }
    struct model_obj *e = model_find(m, k, kl);
    if (!e) {
        if (m->n == MAX_KEYS)
            return;
        e = &m->v[m->n++];
        memcpy(e->key, k, kl);
        e->klen = kl;
        e->live = 0;
    }
    if (rnd(4) == 0) {
        assert_int_equal(ov ? cpc_overlay_obj_del(ov, k, kl) : cpc_state_obj_del(st, k, kl), 0);
        e->live = 0;
        return;
    }
    e->vlen = rnd(sizeof e->val + 1);
    for (size_t i = 0; i < e->vlen; i++)
        e->val[i] = (uint8_t)rnd(256);
    assert_int_equal(ov ? cpc_overlay_obj_put(ov, k, kl, e->val, e->vlen)
                        : cpc_state_obj_put(st, k, kl, e->val, e->vlen),
                     0);
    e->live = 1;
}

static size_t model_live(const struct model *m)
{
    size_t live = 0;
    for (size_t i = 0; i < m->n; i++)
        live += (size_t)m->v[i].live;
    return live;
}

static void expect_state_root(const struct cpc_state *st, const struct model *m)
{
    uint8_t got[32], want[32];
    model_root(m, want);
    assert_int_equal(cpc_state_root(st, got), 0);
    assert_memory_equal(got, want, 32);
}

static void test_index_matches_reference(void **state)
{
    (void)state;
    struct cpc_state *base = cpc_state_new();
    static struct model committed, pending;
    memset(&committed, 0, sizeof committed);
    expect_state_root(base, &committed); /* empty */
    for (int round = 0; round < 400; round++) {
        pending = committed;
        struct cpc_overlay blk, tx;
        assert_int_equal(cpc_overlay_init(&blk, base, NULL), 0);
        int writes = 1 + (int)rnd(12);
        for (int w = 0; w < writes; w++) {
            if (rnd(3) == 0) { /* a tx overlay on top, kept or dropped like a tx */
                static struct model before;
                before = pending;
                assert_int_equal(cpc_overlay_init(&tx, NULL, &blk), 0);
                int tw = 1 + (int)rnd(4);
                for (int i = 0; i < tw; i++)
                    random_write(&tx, NULL, &pending);
                uint8_t got[32], want[32];
                model_root(&pending, want);
                assert_int_equal(cpc_overlay_root(&tx, got), 0); /* two-level chain */
                assert_memory_equal(got, want, 32);
                if (rnd(4) == 0)
                    pending = before; /* a failed tx */
                else
                    assert_int_equal(cpc_overlay_commit(&blk, &tx), 0);
                cpc_overlay_free(&tx);
            } else {
                random_write(&blk, NULL, &pending);
            }
        }
        uint8_t got[32], want[32];
        model_root(&pending, want);
        assert_int_equal(cpc_overlay_root(&blk, got), 0);
        assert_memory_equal(got, want, 32);
        if (rnd(5) != 0) { /* the block is kept: merge it as the node does */
            struct cpc_state *delta = cpc_overlay_take_delta(&blk);
            assert_non_null(delta);
            assert_int_equal(cpc_state_merge(base, delta), 0);
            cpc_state_free(delta);
            committed = pending;
        }
        cpc_overlay_free(&blk);
        if (rnd(25) == 0) /* a direct write to the base (load, genesis) */
            random_write(NULL, base, &committed);
        expect_state_root(base, &committed);
        assert_int_equal(cpc_state_obj_count(base), model_live(&committed));
    }
    /* a clone keeps the same root and evolves independently */
    struct cpc_state *c = cpc_state_clone(base);
    assert_non_null(c);
    expect_state_root(c, &committed);
    cpc_state_free(c);
    cpc_state_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
