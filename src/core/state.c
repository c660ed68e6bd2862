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
 * Roots: collect pointers to every visible account, sort them by address
 * (memcmp), hash each leaf SHA256(addr | u64 balance | u64 nonce | u64 stake)
 * and take the Merkle root. The overlay root sorts base + merged deltas
 * without copying the base's accounts. O(n log n) per call; ~100k accounts
 * take tens of milliseconds, once per block.
 *
 * Objects (the market's records) live in a second open-addressing map keyed
 * by 1..33 raw bytes, values on the heap. Unlike accounts they can be
 * deleted: a plain state removes the slot (backward-shift deletion keeps
 * linear probing valid without graves), an overlay's delta keeps a
 * tombstone so the deletion reaches the parent, the base and the store.
 * The state root hashes the two roots together (state.h); objects are few
 * compared with accounts (one per job, task and worker).
 */
#include "state.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "err.h"
#include "hash.h"
#include "merkle.h"

struct slot {
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint32_t used;
    struct cpc_account acc;
};

struct obj {
    uint8_t *val;       /* heap copy, NULL when vlen == 0 or tombstone */
    uint32_t vlen;
    uint8_t klen;       /* 0 = empty slot */
    uint8_t tomb;       /* deleted (only in deltas) */
    uint8_t key[CPC_OBJ_KEY_MAX];
};

struct cpc_state {
    struct slot *slots; /* cap entries, or NULL when cap == 0 */
    size_t cap;         /* 0 or a power of two */
    size_t count;
    struct obj *objs;   /* ocap entries, or NULL when ocap == 0 */
    size_t ocap;        /* 0 or a power of two */
    size_t oused;       /* occupied slots (live + tombstones) */
    size_t olive;       /* live objects */
    bool is_delta;      /* an overlay's delta: deletions leave tombstones */
};

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
}

void cpc_state_free(struct cpc_state *st)
{
    if (!st)
        return;
    free(st->slots);
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

static const struct slot *lookup(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN])
{
    if (!st || st->count == 0)
        return NULL;
    const struct slot *s = find_slot(st, addr);
    return s->used ? s : NULL;
}

int cpc_state_get(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN],
                  struct cpc_account *out)
{
    const struct slot *s = lookup(st, addr);
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

static const struct obj *obj_lookup(const struct cpc_state *st, const uint8_t *key, size_t klen)
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

/* Insert or replace key with a copy of val, or with a tombstone when tomb. */
static int obj_set(struct cpc_state *st, const uint8_t *key, size_t klen, const uint8_t *val,
                   size_t vlen, bool tomb)
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
    const struct obj *o = obj_lookup(st, key, klen);
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
    return obj_set(st, key, klen, val, vlen, false);
}

int cpc_state_obj_del(struct cpc_state *st, const uint8_t *key, size_t klen)
{
    if (!key_ok(key, klen))
        return CPC_ERR_INVALID;
    if (st->is_delta)
        return obj_set(st, key, klen, NULL, 0, true);
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
static int merge(struct cpc_state *st, const struct cpc_state *delta, bool keep_tombs)
{
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
            rc = obj_set(st, o->key, o->klen, o->val, o->vlen, false);
        else if (keep_tombs)
            rc = obj_set(st, o->key, o->klen, NULL, 0, true);
        else
            obj_remove(st, o->key, o->klen);
        if (rc)
            return rc;
    }
    return 0;
}

int cpc_state_merge(struct cpc_state *st, const struct cpc_state *delta)
{
    return merge(st, delta, st->is_delta);
}

/* ---- roots ---- */

static int slot_ptr_cmp(const void *a, const void *b)
{
    const struct slot *x = *(const struct slot *const *)a;
    const struct slot *y = *(const struct slot *const *)b;
    return memcmp(x->addr, y->addr, CPC_ADDR_HASH_LEN);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static int obj_ptr_cmp(const void *a, const void *b)
{
    const struct obj *x = *(const struct obj *const *)a;
    const struct obj *y = *(const struct obj *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return (x->klen > y->klen) - (x->klen < y->klen);
}

/* Sort the n live object pointers and write the Merkle root of their leaves
 * SHA256(u8 klen | key | u32 vlen | value). */
static int root_of_objs(const struct obj **v, size_t n, uint8_t root[32])
{
    if (n == 0) {
        memset(root, 0, 32);
        return 0;
    }
    qsort(v, n, sizeof *v, obj_ptr_cmp);
    uint8_t(*leaves)[32] = malloc(n * sizeof *leaves);
    if (!leaves)
        return CPC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        struct cpc_sha256_ctx c;
        uint8_t kl = v[i]->klen, vl[4];
        uint32_t len = v[i]->vlen;
        vl[0] = (uint8_t)(len >> 24);
        vl[1] = (uint8_t)(len >> 16);
        vl[2] = (uint8_t)(len >> 8);
        vl[3] = (uint8_t)len;
        cpc_sha256_init(&c);
        cpc_sha256_update(&c, &kl, 1);
        cpc_sha256_update(&c, v[i]->key, kl);
        cpc_sha256_update(&c, vl, 4);
        if (len)
            cpc_sha256_update(&c, v[i]->val, len);
        cpc_sha256_final(&c, leaves[i]);
    }
    int rc = cpc_merkle_root(root, (const uint8_t(*)[32])leaves, n);
    free(leaves);
    return rc;
}

/* state root = SHA256(accounts_root | objects_root) */
static void combine_roots(uint8_t root[32], const uint8_t accounts[32], const uint8_t objects[32])
{
    cpc_sha256_2(root, accounts, 32, objects, 32);
}

/* Sort the n account pointers and write the Merkle root of their leaves. */
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
        uint8_t rec[CPC_ADDR_HASH_LEN + 24];
        memcpy(rec, v[i]->addr, CPC_ADDR_HASH_LEN);
        put_be64(rec + 20, v[i]->acc.balance);
        put_be64(rec + 28, v[i]->acc.nonce);
        put_be64(rec + 36, v[i]->acc.stake);
        cpc_sha256(leaves[i], rec, sizeof rec);
    }
    int rc = cpc_merkle_root(root, (const uint8_t(*)[32])leaves, n);
    free(leaves);
    return rc;
}

int cpc_state_root(const struct cpc_state *st, uint8_t root[32])
{
    size_t n = cpc_state_count(st), k = 0;
    size_t no = cpc_state_obj_count(st), ko = 0;
    const struct slot **v = NULL;
    const struct obj **vo = NULL;
    uint8_t ar[32], objr[32];
    int rc = CPC_ERR_NOMEM;
    if (n) {
        v = malloc(n * sizeof *v);
        if (!v)
            goto out;
        for (size_t i = 0; i < st->cap; i++)
            if (st->slots[i].used)
                v[k++] = &st->slots[i];
    }
    if (no) {
        vo = malloc(no * sizeof *vo);
        if (!vo)
            goto out;
        for (size_t i = 0; i < st->ocap; i++)
            if (st->objs[i].klen && !st->objs[i].tomb)
                vo[ko++] = &st->objs[i];
    }
    if ((rc = root_of_slots(v, k, ar)) == 0 && (rc = root_of_objs(vo, ko, objr)) == 0)
        combine_roots(root, ar, objr);
out:
    free(v);
    free(vo);
    return rc;
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
static struct cpc_state *delta_new(void)
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
    ov->delta = delta_new();
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
        const struct slot *s = lookup(o->delta, addr);
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
        const struct obj *x = obj_lookup(o->delta, key, klen);
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
    return obj_set(ov->delta, key, klen, NULL, 0, true);
}

int cpc_overlay_commit(struct cpc_overlay *parent, const struct cpc_overlay *child)
{
    if (child->parent != parent)
        return CPC_ERR_INTERNAL;
    return merge(parent->delta, child->delta, true);
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
    const struct obj **vo = NULL;
    uint8_t ar[32], objr[32];
    if (depth > 1) {
        const struct cpc_overlay **chain = malloc(depth * sizeof *chain);
        flat = delta_new();
        if (!chain || !flat) {
            free(chain);
            rc = CPC_ERR_NOMEM;
            goto out;
        }
        size_t k = 0;
        for (const struct cpc_overlay *o = ov; o; o = o->parent)
            chain[k++] = o;
        while (k-- > 0 && rc == 0)
            rc = merge(flat, chain[k]->delta, true);
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
        if (base->slots[i].used && !lookup(merged, base->slots[i].addr))
            v[k++] = &base->slots[i];
    for (size_t i = 0; merged && i < merged->cap; i++)
        if (merged->slots[i].used)
            v[k++] = &merged->slots[i];
    size_t no = cpc_state_obj_count(base) + cpc_state_obj_count(merged), ko = 0;
    if (no) {
        vo = malloc(no * sizeof *vo);
        if (!vo) {
            rc = CPC_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; base && i < base->ocap; i++) {
        const struct obj *o = &base->objs[i];
        if (o->klen && !o->tomb && !obj_lookup(merged, o->key, o->klen))
            vo[ko++] = o;
    }
    for (size_t i = 0; merged && i < merged->ocap; i++)
        if (merged->objs[i].klen && !merged->objs[i].tomb)
            vo[ko++] = &merged->objs[i];
    if ((rc = root_of_slots(v, k, ar)) == 0 && (rc = root_of_objs(vo, ko, objr)) == 0)
        combine_roots(root, ar, objr);
out:
    free(v);
    free(vo);
    cpc_state_free(flat);
    return rc;
}

struct cpc_state *cpc_overlay_take_delta(struct cpc_overlay *ov)
{
    struct cpc_state *fresh = delta_new();
    if (!fresh)
        return NULL;
    struct cpc_state *d = ov->delta;
    ov->delta = fresh;
    return d;
}
