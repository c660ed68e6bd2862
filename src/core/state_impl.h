/* state_impl.h — private to state.c and state_root.c: the layout of a
 * cpc_state and the helpers the two files share. Nothing else includes it.
 *
 * The two root indexes (struct cpc_root_index) are the state root's cache:
 * every account's address and every live object's key, each with its Merkle
 * leaf, sorted by key. They are written only by the root functions (built on
 * first use) and by cpc_state_merge into a state whose index is valid (kept
 * up to date by a sorted merge instead of a full rebuild); any other write
 * marks the index it touches stale. The root
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
    uint8_t used;
    uint8_t leaf_ok;    /* leaf below matches acc; reset on every write */
    struct cpc_account acc;
    uint8_t leaf[32];   /* root cache: SHA256(0x00 | SHA256(addr | balance | nonce | stake)) */
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

struct cpc_root_ent {   /* one account (klen 20) or live object in an index */
    uint8_t leaf[32];
    uint8_t klen;
    uint8_t key[CPC_OBJ_KEY_MAX];
};

struct cpc_root_index {
    struct cpc_root_ent *v; /* n entries sorted by key (state.h order), heap */
    size_t n;
    bool valid;             /* v lists exactly the state's accounts / live objects */
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
    struct cpc_root_index aidx; /* the root's caches (top): accounts */
    struct cpc_root_index idx;  /* and live objects */
};

/* Account slot of addr, or NULL. */
const struct slot *cpc__state_lookup(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN]);
/* Object slot of key (live or tombstone), or NULL. */
const struct obj *cpc__state_obj_lookup(const struct cpc_state *st, const uint8_t *key, size_t klen);
/* A fresh empty delta (tombstones on delete), NULL on OOM; free with cpc_state_free. */
struct cpc_state *cpc__state_delta_new(void);
/* Merge delta into st; a tombstone removes the key unless keep_tombs. 0 or CPC_ERR_NOMEM. */
int cpc__state_merge(struct cpc_state *st, const struct cpc_state *delta, bool keep_tombs);

/* Bring st's indexes up to date after delta was merged into st's maps
 * (state_root.c): the accounts index when accounts, the objects index when
 * objects (each was valid before the merge). On out of memory an index is
 * only marked stale, and the next root then rebuilds it from scratch. */
void cpc__root_index_after_merge(struct cpc_state *st, const struct cpc_state *delta,
                                 bool accounts, bool objects);
/* Free an index array (state_free). */
void cpc__root_index_free(struct cpc_root_index *idx);

#endif
