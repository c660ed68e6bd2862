/* state_root.c — the state root (state.h) and the object index that caches it.
 *
 * Accounts: collect pointers to every visible account, sort them by address
 * and take the Merkle root of their leaves. O(n log n) per call.
 *
 * Objects: every live object's Merkle leaf is hashed once per write, not once
 * per root. A plain state keeps an index of (key, leaf) sorted by key
 * (state_impl.h); the root of an overlay is one linear merge of the base's
 * index with the overlay's delta (sorted: a block touches few objects),
 * followed by the Merkle levels. Merging a delta into a state with a valid
 * index updates the index by the same linear merge, so a node that commits
 * block after block never sorts or rehashes its whole object set again. The
 * root's definition is unchanged: leaves in key order, as state.h says, and
 * test_core_state checks it against a from-scratch computation.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "merkle.h"
#include "state.h"
#include "state_impl.h"

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* state.h's key order: memcmp over the shorter length, then the shorter key first. */
static int key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return (al > bl) - (al < bl);
}

static int obj_ptr_cmp(const void *a, const void *b)
{
    const struct obj *x = *(const struct obj *const *)a;
    const struct obj *y = *(const struct obj *const *)b;
    return key_cmp(x->key, x->klen, y->key, y->klen);
}

static int slot_ptr_cmp(const void *a, const void *b)
{
    const struct slot *x = *(const struct slot *const *)a;
    const struct slot *y = *(const struct slot *const *)b;
    return memcmp(x->addr, y->addr, CPC_ADDR_HASH_LEN);
}

/* The object's Merkle leaf, SHA256(0x00 | SHA256(u8 klen | key | u32 vlen | value)),
 * computed on first use and kept in the slot (a cache: the slot is logically const). */
static const uint8_t *obj_leaf(const struct obj *o)
{
    if (!o->leaf_ok) {
        struct obj *m = (struct obj *)o;
        struct cpc_sha256_ctx c;
        uint8_t kl = o->klen, vl[4], data[32];
        uint32_t len = o->vlen;
        vl[0] = (uint8_t)(len >> 24);
        vl[1] = (uint8_t)(len >> 16);
        vl[2] = (uint8_t)(len >> 8);
        vl[3] = (uint8_t)len;
        cpc_sha256_init(&c);
        cpc_sha256_update(&c, &kl, 1);
        cpc_sha256_update(&c, o->key, kl);
        cpc_sha256_update(&c, vl, 4);
        if (len)
            cpc_sha256_update(&c, o->val, len);
        cpc_sha256_final(&c, data);
        cpc_merkle_leaf(m->leaf, data);
        m->leaf_ok = 1;
    }
    return o->leaf;
}

void cpc__obj_index_free(struct cpc_obj_index *idx)
{
    free(idx->v);
    idx->v = NULL;
    idx->n = 0;
    idx->valid = false;
}

/* *out <- pointers to the object slots of st (tombstones too when with_tombs),
 * sorted by key; *k their count. *out is NULL when *k is 0. 0 or CPC_ERR_NOMEM. */
static int sorted_objs(const struct cpc_state *st, bool with_tombs, const struct obj ***out,
                       size_t *k)
{
    size_t cap = st ? (with_tombs ? st->oused : st->olive) : 0, m = 0;
    *out = NULL;
    *k = 0;
    if (!cap)
        return 0;
    const struct obj **v = malloc(cap * sizeof *v);
    if (!v)
        return CPC_ERR_NOMEM;
    for (size_t i = 0; i < st->ocap && m < cap; i++) {
        const struct obj *o = &st->objs[i];
        if (o->klen && (with_tombs || !o->tomb))
            v[m++] = o;
    }
    qsort(v, m, sizeof *v, obj_ptr_cmp);
    *out = v;
    *k = m;
    return 0;
}

/* Visit in key order every live object of "the index entries b[0..nb) as
 * overridden by the sorted object slots d[0..k)": a slot replaces the entry of
 * the same key, a tombstone hides it. Writes each visited object's leaf to
 * leaves and/or its entry to ents (either may be NULL; room for nb + k).
 * Returns the number visited. */
static size_t walk(const struct cpc_obj_ent *b, size_t nb, const struct obj *const *d, size_t k,
                   uint8_t (*leaves)[32], struct cpc_obj_ent *ents)
{
    size_t i = 0, j = 0, m = 0;
    while (i < nb || j < k) {
        int c = i == nb ? 1 : j == k ? -1 : key_cmp(b[i].key, b[i].klen, d[j]->key, d[j]->klen);
        if (c < 0) {
            if (leaves)
                memcpy(leaves[m], b[i].leaf, 32);
            if (ents)
                ents[m] = b[i];
            m++;
            i++;
            continue;
        }
        const struct obj *o = d[j++];
        if (c == 0)
            i++;
        if (o->tomb)
            continue;
        const uint8_t *leaf = obj_leaf(o);
        if (leaves)
            memcpy(leaves[m], leaf, 32);
        if (ents) {
            memcpy(ents[m].leaf, leaf, 32);
            ents[m].klen = o->klen;
            memcpy(ents[m].key, o->key, o->klen);
        }
        m++;
    }
    return m;
}

/* Make st's index valid (a cache: st is logically const). 0 or CPC_ERR_NOMEM. */
static int index_ensure(const struct cpc_state *st)
{
    struct cpc_state *m = (struct cpc_state *)st;
    if (m->idx.valid)
        return 0;
    const struct obj **v;
    size_t k;
    int rc = sorted_objs(st, false, &v, &k);
    if (rc)
        return rc;
    struct cpc_obj_ent *e = k ? malloc(k * sizeof *e) : NULL;
    if (k && !e) {
        free(v);
        return CPC_ERR_NOMEM;
    }
    size_t n = walk(NULL, 0, v, k, NULL, e);
    free(v);
    free(m->idx.v);
    m->idx.v = e;
    m->idx.n = n;
    m->idx.valid = true;
    return 0;
}

void cpc__obj_index_after_merge(struct cpc_state *st, const struct cpc_state *delta)
{
    const struct obj **d;
    size_t k;
    st->idx.valid = false;
    if (sorted_objs(delta, true, &d, &k) != 0)
        return;
    size_t cap = st->idx.n + k;
    struct cpc_obj_ent *e = cap ? malloc(cap * sizeof *e) : NULL;
    if (cap && !e) {
        free(d);
        return;
    }
    size_t n = walk(st->idx.v, st->idx.n, d, k, NULL, e);
    free(d);
    free(st->idx.v);
    st->idx.v = e;
    st->idx.n = n;
    st->idx.valid = n == st->olive; /* always, unless the map and the index disagree */
}

/* Objects root of "base's live objects overridden by the sorted slots d[0..k)".
 * 0 or CPC_ERR_NOMEM. */
static int objects_root(const struct cpc_state *base, const struct obj *const *d, size_t k,
                        uint8_t root[32])
{
    const struct cpc_obj_ent *b = NULL;
    size_t nb = 0;
    if (base && base->olive) {
        int rc = index_ensure(base);
        if (rc)
            return rc;
        b = base->idx.v;
        nb = base->idx.n;
    }
    size_t cap = nb + k;
    uint8_t(*leaves)[32] = cap ? malloc(cap * sizeof *leaves) : NULL;
    if (cap && !leaves)
        return CPC_ERR_NOMEM;
    size_t n = walk(b, nb, d, k, leaves, NULL);
    cpc_merkle_root_of_leaves(root, leaves, n);
    free(leaves);
    return 0;
}

/* Sort the n account pointers and write the Merkle root of their leaves
 * SHA256(addr | u64 balance | u64 nonce | u64 stake). */
static int root_of_slots(const struct slot **v, size_t n, uint8_t root[32])
{
    if (n == 0) {
        memset(root, 0, 32);
        return 0;
    }
    qsort(v, n, sizeof *v, slot_ptr_cmp);
    uint8_t(*leaves)[32] = malloc(n * sizeof *leaves);
    if (!leaves)
        return CPC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        uint8_t rec[CPC_ADDR_HASH_LEN + 24], data[32];
        memcpy(rec, v[i]->addr, CPC_ADDR_HASH_LEN);
        put_be64(rec + 20, v[i]->acc.balance);
        put_be64(rec + 28, v[i]->acc.nonce);
        put_be64(rec + 36, v[i]->acc.stake);
        cpc_sha256(data, rec, sizeof rec);
        cpc_merkle_leaf(leaves[i], data);
    }
    cpc_merkle_root_of_leaves(root, leaves, n);
    free(leaves);
    return 0;
}

/* state root = SHA256(accounts_root | objects_root) */
static void combine_roots(uint8_t root[32], const uint8_t accounts[32], const uint8_t objects[32])
{
    cpc_sha256_2(root, accounts, 32, objects, 32);
}

int cpc_state_root(const struct cpc_state *st, uint8_t root[32])
{
    size_t n = cpc_state_count(st), k = 0;
    const struct slot **v = NULL;
    uint8_t ar[32], objr[32];
    int rc = CPC_ERR_NOMEM;
    if (n) {
        v = malloc(n * sizeof *v);
        if (!v)
            return rc;
        for (size_t i = 0; i < st->cap; i++)
            if (st->slots[i].used)
                v[k++] = &st->slots[i];
    }
    if ((rc = root_of_slots(v, k, ar)) == 0 && (rc = objects_root(st, NULL, 0, objr)) == 0)
        combine_roots(root, ar, objr);
    free(v);
    return rc;
}

int cpc_overlay_root(const struct cpc_overlay *ov, uint8_t root[32])
{
    /* Flatten the delta chain (inner overlays win, tombstones kept) unless there is only one. */
    const struct cpc_state *base = NULL;
    size_t depth = 0;
    for (const struct cpc_overlay *o = ov; o; o = o->parent) {
        depth++;
        if (!o->parent)
            base = o->base;
    }
    struct cpc_state *flat = NULL;
    const struct cpc_state *merged = ov->delta;
    int rc = 0;
    const struct slot **v = NULL;
    const struct obj **d = NULL;
    size_t kd = 0;
    uint8_t ar[32], objr[32];
    if (depth > 1) {
        const struct cpc_overlay **chain = malloc(depth * sizeof *chain);
        flat = cpc__state_delta_new();
        if (!chain || !flat) {
            free(chain);
            rc = CPC_ERR_NOMEM;
            goto out;
        }
        size_t k = 0;
        for (const struct cpc_overlay *o = ov; o; o = o->parent)
            chain[k++] = o;
        while (k-- > 0 && rc == 0)
            rc = cpc__state_merge(flat, chain[k]->delta, true);
        free(chain);
        if (rc)
            goto out;
        merged = flat;
    }
    size_t n = cpc_state_count(base) + cpc_state_count(merged), k = 0;
    if (n) {
        v = malloc(n * sizeof *v);
        if (!v) {
            rc = CPC_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; base && i < base->cap; i++)
        if (base->slots[i].used && !cpc__state_lookup(merged, base->slots[i].addr))
            v[k++] = &base->slots[i];
    for (size_t i = 0; merged && i < merged->cap; i++)
        if (merged->slots[i].used)
            v[k++] = &merged->slots[i];
    if ((rc = sorted_objs(merged, true, &d, &kd)) != 0)
        goto out;
    if ((rc = root_of_slots(v, k, ar)) == 0 && (rc = objects_root(base, d, kd, objr)) == 0)
        combine_roots(root, ar, objr);
out:
    free(v);
    free(d);
    cpc_state_free(flat);
    return rc;
}
