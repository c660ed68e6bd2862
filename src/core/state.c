/* state.c — ledger state: an open-addressing hash map of accounts keyed by
 * the 20-byte address hash, plus copy-on-write overlays (see state.h).
 *
 * Map: linear probing over a power-of-two slot array, load factor <= 0.7,
 * no deletion (accounts never disappear). Addresses are hash160 outputs, but
 * tests and genesis files may use structured ones, so all 20 bytes are mixed
 * into the probe hash. A new state allocates no slots until its first put:
 * the apply path creates a short-lived overlay per tx, and most of those
 * hold two or three accounts.
 *
 * Roots: state_root.c, which also keeps the root's caches (a sorted index
 * of account leaves and one of object leaves, state_impl.h) that the writes
 * below mark stale and that cpc_state_merge keeps up to date.
 *
 * Objects (the market's records) live in a second open-addressing map keyed
 * by 1..33 raw bytes, values on the heap. Unlike accounts they can be
 * deleted: a plain state removes the slot (backward-shift deletion keeps
 * linear probing valid without graves), an overlay's delta keeps a
 * tombstone so the deletion reaches the parent, the base and the store.
 * The state root hashes the two roots together (state.h).
 */
#include "state.h"
#include "state_impl.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "err.h"
#include "hash.h"
#include "merkle.h"

#define STATE_MIN_CAP 8

static uint64_t addr_hash(const uint8_t a[CPC_ADDR_HASH_LEN])
{
    uint64_t x, y;
    uint32_t z;
    memcpy(&x, a, 8);
    memcpy(&y, a + 8, 8);
    memcpy(&z, a + 16, 4);
    uint64_t h = x ^ ((y << 29) | (y >> 35)) ^ ((uint64_t)z * 0xff51afd7ed558ccdULL);
    h ^= h >> 33;
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    return h;
}

/* Slot holding addr, or the empty slot where it would go. cap must be > 0. */
static struct slot *find_slot(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    size_t mask = st->cap - 1;
    size_t i = (size_t)addr_hash(addr) & mask;
    for (;;) {
        struct slot *s = &st->slots[i];
        if (!s->used || memcmp(s->addr, addr, CPC_ADDR_HASH_LEN) == 0)
            return s;
        i = (i + 1) & mask;
    }
}

static int grow(struct cpc_state *st, size_t want_cap)
{
    struct slot *ns = calloc(want_cap, sizeof *ns);
    if (!ns)
        return CPC_ERR_NOMEM;
    struct slot *old = st->slots;
    size_t old_cap = st->cap;
    st->slots = ns;
    st->cap = want_cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].used) {
            struct slot *s = find_slot(st, old[i].addr);
            *s = old[i];
        }
    }
    free(old);
    return 0;
}

struct cpc_state *cpc_state_new(void)
{
    return calloc(1, sizeof(struct cpc_state));
}

static void objs_free(struct cpc_state *st)
{
    for (size_t i = 0; i < st->ocap; i++)
        free(st->objs[i].val);
    free(st->objs);
    st->objs = NULL;
    st->ocap = st->oused = st->olive = 0;
    cpc__root_index_free(&st->idx);
}

void cpc_state_free(struct cpc_state *st)
{
    if (!st)
        return;
    free(st->slots);
    cpc__root_index_free(&st->aidx);
    objs_free(st);
    free(st);
}

struct cpc_state *cpc_state_clone(const struct cpc_state *st)
{
    struct cpc_state *c = cpc_state_new();
    if (!c)
        return NULL;
    c->is_delta = st->is_delta;
    if (st->cap) {
        c->slots = malloc(st->cap * sizeof *c->slots);
        if (!c->slots)
            goto fail;
        memcpy(c->slots, st->slots, st->cap * sizeof *c->slots);
        c->cap = st->cap;
        c->count = st->count;
    }
    if (st->ocap) {
        c->objs = calloc(st->ocap, sizeof *c->objs);
        if (!c->objs)
            goto fail;
        c->ocap = st->ocap;
        for (size_t i = 0; i < st->ocap; i++) {
            const struct obj *o = &st->objs[i];
            if (!o->klen)
                continue;
            c->objs[i] = *o;
            c->objs[i].val = NULL;
            if (o->val) {
                c->objs[i].val = malloc(o->vlen);
                if (!c->objs[i].val) {
                    c->objs[i].klen = 0;
                    goto fail;
                }
                memcpy(c->objs[i].val, o->val, o->vlen);
            }
        }
        c->oused = st->oused;
        c->olive = st->olive;
    }
    return c;
fail:
    cpc_state_free(c);
    return NULL;
}

const struct slot *cpc__state_lookup(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    if (!st || st->count == 0)
        return NULL;
    const struct slot *s = find_slot(st, addr);
    return s->used ? s : NULL;
}

int cpc_state_get(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN],
                  struct cpc_account *out)
{
    const struct slot *s = cpc__state_lookup(st, addr);
    if (!s) {
        memset(out, 0, sizeof *out);
        return CPC_ERR_NOT_FOUND;
    }
    *out = s->acc;
    return 0;
}

int cpc_state_put(struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN],
                  const struct cpc_account *acc)
{
    if ((st->count + 1) * 10 > st->cap * 7) {
        size_t nc = st->cap ? st->cap * 2 : STATE_MIN_CAP;
        if (nc < st->cap || grow(st, nc) != 0)
            return CPC_ERR_NOMEM;
    }
    struct slot *s = find_slot(st, addr);
    if (!s->used) {
        memcpy(s->addr, addr, CPC_ADDR_HASH_LEN);
        s->used = 1;
        st->count++;
    }
    s->acc = *acc;
    s->leaf_ok = 0;
    st->aidx.valid = false;
    return 0;
}

size_t cpc_state_count(const struct cpc_state *st)
{
    return st ? st->count : 0;
}

int cpc_state_foreach(const struct cpc_state *st, cpc_state_visit_fn fn, void *arg)
{
    for (size_t i = 0; st && i < st->cap; i++) {
        if (st->slots[i].used) {
            int rc = fn(st->slots[i].addr, &st->slots[i].acc, arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* ---- objects ---- */

static bool key_ok(const uint8_t *key, size_t klen)
{
    return key && klen >= 1 && klen <= CPC_OBJ_KEY_MAX;
}

static uint64_t key_hash(const uint8_t *key, size_t klen)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ klen; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < klen; i++) {
        h ^= key[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* Slot holding key, or the empty slot where it would go. ocap must be > 0. */
static struct obj *obj_find(const struct cpc_state *st, const uint8_t *key, size_t klen)
{
    size_t mask = st->ocap - 1;
    for (size_t i = (size_t)key_hash(key, klen) & mask;; i = (i + 1) & mask) {
        struct obj *o = &st->objs[i];
        if (!o->klen || (o->klen == klen && memcmp(o->key, key, klen) == 0))
            return o;
    }
}

const struct obj *cpc__state_obj_lookup(const struct cpc_state *st, const uint8_t *key, size_t klen)
{
    if (!st || st->oused == 0)
        return NULL;
    const struct obj *o = obj_find(st, key, klen);
    return o->klen ? o : NULL;
}

static int obj_grow(struct cpc_state *st, size_t want)
{
    struct obj *no = calloc(want, sizeof *no);
    if (!no)
        return CPC_ERR_NOMEM;
    struct obj *old = st->objs;
    size_t old_cap = st->ocap;
    st->objs = no;
    st->ocap = want;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].klen)
            *obj_find(st, old[i].key, old[i].klen) = old[i];
    free(old);
    return 0;
}

/* Insert or replace key with a copy of val, or with a tombstone when tomb.
 * leaf: the object's known Merkle leaf (state_impl.h), or NULL. */
static int obj_set(struct cpc_state *st, const uint8_t *key, size_t klen, const uint8_t *val,
                   size_t vlen, bool tomb, const uint8_t *leaf)
{
    uint8_t *copy = NULL;
    if ((st->oused + 1) * 10 > st->ocap * 7) {
        size_t nc = st->ocap ? st->ocap * 2 : STATE_MIN_CAP;
        if (nc < st->ocap || obj_grow(st, nc) != 0)
            return CPC_ERR_NOMEM;
    }
    if (!tomb && vlen) {
        copy = malloc(vlen);
        if (!copy)
            return CPC_ERR_NOMEM;
        memcpy(copy, val, vlen);
    }
    struct obj *o = obj_find(st, key, klen);
    if (!o->klen) {
        memcpy(o->key, key, klen);
        o->klen = (uint8_t)klen;
        o->tomb = 1; /* counted as live below when it is not a tombstone */
        st->oused++;
    }
    if (o->tomb && !tomb)
        st->olive++;
    else if (!o->tomb && tomb)
        st->olive--;
    free(o->val);
    o->val = copy;
    o->vlen = tomb ? 0 : (uint32_t)vlen;
    o->tomb = tomb;
    o->leaf_ok = leaf != NULL;
    if (leaf)
        memcpy(o->leaf, leaf, 32);
    st->idx.valid = false;
    return 0;
}

/* Remove key's slot (backward-shift deletion). */
static void obj_remove(struct cpc_state *st, const uint8_t *key, size_t klen)
{
    if (!st->oused)
        return;
    struct obj *o = obj_find(st, key, klen);
    if (!o->klen)
        return;
    if (!o->tomb)
        st->olive--;
    st->oused--;
    st->idx.valid = false;
    free(o->val);
    size_t mask = st->ocap - 1;
    size_t i = (size_t)(o - st->objs);
    memset(&st->objs[i], 0, sizeof st->objs[i]);
    for (size_t j = (i + 1) & mask; st->objs[j].klen; j = (j + 1) & mask) {
        size_t k = (size_t)key_hash(st->objs[j].key, st->objs[j].klen) & mask;
        /* move j back into the hole at i unless its home k lies cyclically in (i, j] */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        st->objs[i] = st->objs[j];
        memset(&st->objs[j], 0, sizeof st->objs[j]);
        i = j;
    }
}

int cpc_state_obj_get(const struct cpc_state *st, const uint8_t *key, size_t klen,
                      struct cpc_buf *out)
{
    out->len = 0;
    if (!key_ok(key, klen))
        return CPC_ERR_INVALID;
    const struct obj *o = cpc__state_obj_lookup(st, key, klen);
    if (!o || o->tomb)
        return CPC_ERR_NOT_FOUND;
    if (o->vlen)
        cpc_buf_put(out, o->val, o->vlen);
    return out->failed ? CPC_ERR_NOMEM : 0;
}

int cpc_state_obj_put(struct cpc_state *st, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen)
{
    if (!key_ok(key, klen) || (vlen && !val))
        return CPC_ERR_INVALID;
    if (vlen > CPC_OBJ_VALUE_MAX)
        return CPC_ERR_TOO_LARGE;
    return obj_set(st, key, klen, val, vlen, false, NULL);
}

int cpc_state_obj_del(struct cpc_state *st, const uint8_t *key, size_t klen)
{
    if (!key_ok(key, klen))
        return CPC_ERR_INVALID;
    if (st->is_delta)
        return obj_set(st, key, klen, NULL, 0, true, NULL);
    obj_remove(st, key, klen);
    return 0;
}

size_t cpc_state_obj_count(const struct cpc_state *st)
{
    return st ? st->olive : 0;
}

int cpc_state_obj_foreach(const struct cpc_state *st, cpc_state_obj_fn fn, void *arg)
{
    for (size_t i = 0; st && i < st->ocap; i++) {
        const struct obj *o = &st->objs[i];
        if (o->klen) {
            int rc = fn(o->key, o->klen, o->val, o->vlen, o->tomb, arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Merge delta into st; a tombstone removes the key unless keep_tombs. */
int cpc__state_merge(struct cpc_state *st, const struct cpc_state *delta, bool keep_tombs)
{
    bool keep_accounts = st->aidx.valid && delta && delta->count;
    bool keep_objects = st->idx.valid && delta && delta->oused;
    for (size_t i = 0; delta && i < delta->cap; i++) {
        if (delta->slots[i].used) {
            int rc = cpc_state_put(st, delta->slots[i].addr, &delta->slots[i].acc);
            if (rc)
                return rc;
        }
    }
    for (size_t i = 0; delta && i < delta->ocap; i++) {
        const struct obj *o = &delta->objs[i];
        int rc = 0;
        if (!o->klen)
            continue;
        if (!o->tomb)
            rc = obj_set(st, o->key, o->klen, o->val, o->vlen, false, o->leaf_ok ? o->leaf : NULL);
        else if (keep_tombs)
            rc = obj_set(st, o->key, o->klen, NULL, 0, true, NULL);
        else
            obj_remove(st, o->key, o->klen);
        if (rc)
            return rc;
    }
    if (keep_accounts || keep_objects)
        cpc__root_index_after_merge(st, delta, keep_accounts, keep_objects);
    return 0;
}

int cpc_state_merge(struct cpc_state *st, const struct cpc_state *delta)
{
    return cpc__state_merge(st, delta, st->is_delta);
}

int cpc_state_total_supply(const struct cpc_state *st, uint64_t *out)
{
    uint64_t sum = 0;
    for (size_t i = 0; st && i < st->cap; i++) {
        const struct slot *s = &st->slots[i];
        if (s->used && (!cpc_add_u64(&sum, sum, s->acc.balance) ||
                        !cpc_add_u64(&sum, sum, s->acc.stake)))
            return CPC_ERR_OVERFLOW;
    }
    *out = sum;
    return 0;
}

int cpc_state_check_supply(const struct cpc_state *st, uint64_t expected, struct cpc_err *err)
{
    uint64_t total;
    if (cpc_state_total_supply(st, &total) != 0)
        return cpc_err_set(err, CPC_ERR_INVALID, "Total supply overflows 64 bits (expected %llu)",
                           (unsigned long long)expected);
    if (total != expected)
        return cpc_err_set(err, CPC_ERR_INVALID,
                           "Supply invariant broken: total supply is %llu, expected %llu",
                           (unsigned long long)total, (unsigned long long)expected);
    return 0;
}

/* ---- overlays ---- */

/* A fresh empty state marked as an overlay delta (tombstones on delete). */
struct cpc_state *cpc__state_delta_new(void)
{
    struct cpc_state *d = cpc_state_new();
    if (d)
        d->is_delta = true;
    return d;
}

int cpc_overlay_init(struct cpc_overlay *ov, const struct cpc_state *base,
                     const struct cpc_overlay *parent)
{
    ov->base = parent ? NULL : base;
    ov->parent = parent;
    ov->delta = cpc__state_delta_new();
    return ov->delta ? 0 : CPC_ERR_NOMEM;
}

void cpc_overlay_free(struct cpc_overlay *ov)
{
    if (!ov)
        return;
    cpc_state_free(ov->delta);
    ov->delta = NULL;
}

int cpc_overlay_get(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                    struct cpc_account *out)
{
    for (const struct cpc_overlay *o = ov; o; o = o->parent) {
        const struct slot *s = cpc__state_lookup(o->delta, addr);
        if (s) {
            *out = s->acc;
            return 0;
        }
        if (!o->parent)
            return cpc_state_get(o->base, addr, out);
    }
    memset(out, 0, sizeof *out);
    return CPC_ERR_NOT_FOUND;
}

int cpc_overlay_put(struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                    const struct cpc_account *acc)
{
    return cpc_state_put(ov->delta, addr, acc);
}

int cpc_overlay_obj_get(const struct cpc_overlay *ov, const uint8_t *key, size_t klen,
                        struct cpc_buf *out)
{
    out->len = 0;
    if (!key_ok(key, klen))
        return CPC_ERR_INVALID;
    for (const struct cpc_overlay *o = ov; o; o = o->parent) {
        const struct obj *x = cpc__state_obj_lookup(o->delta, key, klen);
        if (x)
            return cpc_state_obj_get(o->delta, key, klen, out); /* NOT_FOUND for a tombstone */
        if (!o->parent)
            return o->base ? cpc_state_obj_get(o->base, key, klen, out) : CPC_ERR_NOT_FOUND;
    }
    return CPC_ERR_NOT_FOUND;
}

int cpc_overlay_obj_put(struct cpc_overlay *ov, const uint8_t *key, size_t klen,
                        const uint8_t *val, size_t vlen)
{
    return cpc_state_obj_put(ov->delta, key, klen, val, vlen);
}

int cpc_overlay_obj_del(struct cpc_overlay *ov, const uint8_t *key, size_t klen)
{
    if (!key_ok(key, klen))
        return CPC_ERR_INVALID;
    return obj_set(ov->delta, key, klen, NULL, 0, true, NULL);
}

int cpc_overlay_commit(struct cpc_overlay *parent, const struct cpc_overlay *child)
{
    if (child->parent != parent)
        return CPC_ERR_INTERNAL;
    return cpc__state_merge(parent->delta, child->delta, true);
}

struct cpc_state *cpc_overlay_take_delta(struct cpc_overlay *ov)
{
    struct cpc_state *fresh = cpc__state_delta_new();
    if (!fresh)
        return NULL;
    struct cpc_state *d = ov->delta;
    ov->delta = fresh;
    return d;
}
