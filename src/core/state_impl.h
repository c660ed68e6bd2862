/* state_impl.h — private to state.c and state_root.c: the layout of a
 * cpc_state and the helpers the two files share. Nothing else includes it.
 *
 * The object index (struct cpc_obj_index) is the state root's cache: every
 * live object's key and Merkle leaf, sorted by key. It is written only by
 * the root functions (built on first use) and by cpc_state_merge into a
 * state whose index is valid (kept up to date by a sorted merge instead of
 * a full rebuild); any other object write marks it stale. The root
 * functions take const states and still fill this cache, so a state must
 * not have its root computed from two threads at once: the node computes
 * roots and merges only on its one writer thread.
 */
#ifndef CPC_CORE_STATE_IMPL_H
#define CPC_CORE_STATE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

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
    uint8_t leaf_ok;    /* leaf below is the Merkle leaf of (key, val); reset on every write */
    uint8_t key[CPC_OBJ_KEY_MAX];
    uint8_t leaf[32];   /* root cache: SHA256(0x00 | SHA256(u8 klen | key | u32 vlen | val)) */
};

struct cpc_obj_ent {    /* one live object in the index */
    uint8_t leaf[32];
    uint8_t klen;
    uint8_t key[CPC_OBJ_KEY_MAX];
};

struct cpc_obj_index {
    struct cpc_obj_ent *v; /* n entries sorted by key (state.h order), heap */
    size_t n;
    bool valid;            /* v lists exactly the state's live objects */
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
    struct cpc_obj_index idx; /* the root's cache (top) */
};

/* Account slot of addr, or NULL. */
const struct slot *cpc__state_lookup(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN]);
/* Object slot of key (live or tombstone), or NULL. */
const struct obj *cpc__state_obj_lookup(const struct cpc_state *st, const uint8_t *key, size_t klen);
/* A fresh empty delta (tombstones on delete), NULL on OOM; free with cpc_state_free. */
struct cpc_state *cpc__state_delta_new(void);
/* Merge delta into st; a tombstone removes the key unless keep_tombs. 0 or CPC_ERR_NOMEM. */
int cpc__state_merge(struct cpc_state *st, const struct cpc_state *delta, bool keep_tombs);

/* Bring st's valid index up to date after delta was merged into st's map
 * (state_root.c). On out of memory the index is only marked stale, and
 * the next root then rebuilds it from scratch. */
void cpc__obj_index_after_merge(struct cpc_state *st, const struct cpc_state *delta);
/* Free the index array (state_free). */
void cpc__obj_index_free(struct cpc_obj_index *idx);

#endif
