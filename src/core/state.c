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

struct cpc_state {
    struct slot *slots; /* cap entries, or NULL when cap == 0 */
    size_t cap;         /* 0 or a power of two */
    size_t count;
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

void cpc_state_free(struct cpc_state *st)
{
    if (!st)
        return;
    free(st->slots);
    free(st);
}

struct cpc_state *cpc_state_clone(const struct cpc_state *st)
{
    struct cpc_state *c = cpc_state_new();
    if (!c)
        return NULL;
    if (st->cap) {
        c->slots = malloc(st->cap * sizeof *c->slots);
        if (!c->slots) {
            free(c);
            return NULL;
        }
        memcpy(c->slots, st->slots, st->cap * sizeof *c->slots);
        c->cap = st->cap;
        c->count = st->count;
    }
    return c;
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

int cpc_state_merge(struct cpc_state *st, const struct cpc_state *delta)
{
    for (size_t i = 0; delta && i < delta->cap; i++) {
        if (delta->slots[i].used) {
            int rc = cpc_state_put(st, delta->slots[i].addr, &delta->slots[i].acc);
            if (rc)
                return rc;
        }
    }
    return 0;
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
    const struct slot **v = NULL;
    if (n) {
        v = malloc(n * sizeof *v);
        if (!v)
            return CPC_ERR_NOMEM;
        for (size_t i = 0; i < st->cap; i++)
            if (st->slots[i].used)
                v[k++] = &st->slots[i];
    }
    int rc = root_of_slots(v, k, root);
    free(v);
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

int cpc_overlay_init(struct cpc_overlay *ov, const struct cpc_state *base,
                     const struct cpc_overlay *parent)
{
    ov->base = parent ? NULL : base;
    ov->parent = parent;
    ov->delta = cpc_state_new();
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

int cpc_overlay_commit(struct cpc_overlay *parent, const struct cpc_overlay *child)
{
    if (child->parent != parent)
        return CPC_ERR_INTERNAL;
    return cpc_state_merge(parent->delta, child->delta);
}

int cpc_overlay_root(const struct cpc_overlay *ov, uint8_t root[32])
{
    /* Flatten the delta chain (inner overlays win) unless there is only one. */
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
    if (depth > 1) {
        const struct cpc_overlay **chain = malloc(depth * sizeof *chain);
        flat = cpc_state_new();
        if (!chain || !flat) {
            free(chain);
            rc = CPC_ERR_NOMEM;
            goto out;
        }
        size_t k = 0;
        for (const struct cpc_overlay *o = ov; o; o = o->parent)
            chain[k++] = o;
        while (k-- > 0 && rc == 0)
            rc = cpc_state_merge(flat, chain[k]->delta);
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
    rc = root_of_slots(v, k, root);
out:
    free(v);
    cpc_state_free(flat);
    return rc;
}

struct cpc_state *cpc_overlay_take_delta(struct cpc_overlay *ov)
{
    struct cpc_state *fresh = cpc_state_new();
    if (!fresh)
        return NULL;
    struct cpc_state *d = ov->delta;
    ov->delta = fresh;
    return d;
}
