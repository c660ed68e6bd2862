/* test_core_state_index.c — the objects root's cache (state_root.c: a sorted
 * index of leaves kept up to date across merges) against a from-scratch
 * reference written here from state.h's definition alone: random puts,
 * overwrites and deletions through nested overlays, blocks kept or dropped,
 * direct writes to the base, and keys that are prefixes of each other. After
 * every step the overlay root and the base root must equal the reference. */
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

struct model_obj {
    uint8_t key[CPC_OBJ_KEY_MAX];
    size_t klen;
    uint8_t val[24];
    size_t vlen;
    int live;
};

struct model {
    struct model_obj v[MAX_KEYS];
    size_t n;
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

/* state.h: SHA256(accounts_root | objects_root); no accounts here, so 32 zero bytes. */
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
    uint8_t objr[32], zero[32] = {0};
    assert_int_equal(cpc_merkle_root(objr, (const uint8_t(*)[32])leaves, n), 0);
    cpc_sha256_2(root, zero, 32, objr, 32);
}

/* One random write through ov (or straight into st when ov is NULL), mirrored in m. */
static void random_write(struct cpc_overlay *ov, struct cpc_state *st, struct model *m)
{
    uint8_t k[CPC_OBJ_KEY_MAX];
    size_t kl;
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
