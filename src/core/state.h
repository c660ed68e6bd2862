/* state.h — ledger state: accounts keyed by 20-byte address hash.
 *
 * cpc_state is an in-memory hash map (the node loads it from the store at
 * start). cpc_overlay stacks uncommitted changes over a read-only base
 * state (or over a parent overlay), so a block or a single tx can be
 * applied, inspected and then merged or dropped: applying never mutates the
 * base.
 *
 * Besides accounts, a state holds an object map: binary key (1..CPC_OBJ_KEY_MAX
 * bytes) -> binary value (0..CPC_OBJ_VALUE_MAX bytes), used by the market for
 * its records (market.h). A state that is an overlay's delta records deletions
 * as tombstones, so they can travel to the parent overlay, the base state
 * (cpc_state_merge removes the key) and the store (cpc_state_obj_foreach
 * reports them); a plain state simply drops a deleted key.
 *
 * state_root = SHA256(accounts_root | objects_root):
 *   accounts_root: Merkle root (merkle.h) over SHA256(addr[20] | u64 balance |
 *     u64 nonce | u64 stake), sorted by address. Accounts that are all-zero are
 *     still committed once they exist.
 *   objects_root: Merkle root over SHA256(u8 klen | key | u32 vlen | value) of
 *     the live objects sorted by key (memcmp over the shorter length, then the
 *     shorter key first); 32 zero bytes when there is none.
 */
#ifndef CPC_CORE_STATE_H
#define CPC_CORE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "bech32.h"
#include "codec.h"

struct cpc_account {
    uint64_t balance;  /* spendable, base units */
    uint64_t nonce;    /* next expected tx nonce */
    uint64_t stake;    /* bonded, base units */
};

struct cpc_state; /* opaque */

/* New empty state, NULL on OOM. Free with cpc_state_free. */
struct cpc_state *cpc_state_new(void);
/* Free a state (accounts and objects); NULL accepted. */
void cpc_state_free(struct cpc_state *st);
/* Deep copy (accounts, objects, tombstones), NULL on OOM. Caller frees. */
struct cpc_state *cpc_state_clone(const struct cpc_state *st);

/* Copy the account into *out. Returns 0, or CPC_ERR_NOT_FOUND with *out zeroed. */
int cpc_state_get(const struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN],
                  struct cpc_account *out);
/* Insert or replace. Returns 0 or CPC_ERR_NOMEM. */
int cpc_state_put(struct cpc_state *st, const uint8_t addr[CPC_ADDR_HASH_LEN],
                  const struct cpc_account *acc);
size_t cpc_state_count(const struct cpc_state *st);

/* Call fn for every account in unspecified order; stops and returns fn's
 * value when it is non-zero. Returns 0 when all were visited. */
typedef int (*cpc_state_visit_fn)(const uint8_t addr[CPC_ADDR_HASH_LEN],
                                  const struct cpc_account *acc, void *arg);
int cpc_state_foreach(const struct cpc_state *st, cpc_state_visit_fn fn, void *arg);

/* Apply every account and object of delta onto st (insert or replace; a tombstone
 * of delta removes the key from st, or is kept as a tombstone when st is itself an
 * overlay's delta). Returns 0 or CPC_ERR_NOMEM (on NOMEM st may be partially
 * updated: callers treat it as fatal). */
int cpc_state_merge(struct cpc_state *st, const struct cpc_state *delta);

/* State root of st (see top; tombstones are not committed). Returns 0 or CPC_ERR_NOMEM. */
int cpc_state_root(const struct cpc_state *st, uint8_t root[32]);

/* *out = sum of balance + stake over all accounts. Returns 0 or CPC_ERR_OVERFLOW. */
int cpc_state_total_supply(const struct cpc_state *st, uint64_t *out);

/* Returns 0 if total supply equals expected, else CPC_ERR_INVALID with both figures. */
struct cpc_err;
int cpc_state_check_supply(const struct cpc_state *st, uint64_t expected, struct cpc_err *err);

/* ---- objects ---- */
#define CPC_OBJ_KEY_MAX 33               /* = CPC_KEY_MAX of market.h */
#define CPC_OBJ_VALUE_MAX (1024 * 1024)  /* 1 MiB */

/* Copy the live value of key into out (out->len is set to 0 first, then the
 * value is appended). Returns 0, CPC_ERR_NOT_FOUND (absent or tombstone),
 * CPC_ERR_INVALID (klen out of range) or CPC_ERR_NOMEM (out->failed). */
int cpc_state_obj_get(const struct cpc_state *st, const uint8_t *key, size_t klen,
                      struct cpc_buf *out);
/* Insert or replace (copies key and value; val may be NULL when vlen is 0).
 * Returns 0, CPC_ERR_INVALID (klen not 1..CPC_OBJ_KEY_MAX), CPC_ERR_TOO_LARGE
 * (vlen > CPC_OBJ_VALUE_MAX) or CPC_ERR_NOMEM. */
int cpc_state_obj_put(struct cpc_state *st, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen);
/* Delete key: in an overlay's delta it records a tombstone (even when the key is
 * absent, since it may live below); in a plain state it removes the key (absent:
 * no-op). Returns 0, CPC_ERR_INVALID or CPC_ERR_NOMEM. */
int cpc_state_obj_del(struct cpc_state *st, const uint8_t *key, size_t klen);
/* Number of live objects (tombstones excluded). */
size_t cpc_state_obj_count(const struct cpc_state *st);
/* Call fn for every object in unspecified order, tombstones included (val NULL,
 * vlen 0, tombstone 1); stops and returns fn's value when it is non-zero. */
typedef int (*cpc_state_obj_fn)(const uint8_t *key, size_t klen, const uint8_t *val,
                                size_t vlen, int tombstone, void *arg);
int cpc_state_obj_foreach(const struct cpc_state *st, cpc_state_obj_fn fn, void *arg);

/* ---- overlays ---- */
struct cpc_overlay {
    const struct cpc_state *base;     /* read-only base, or NULL when parent is set */
    const struct cpc_overlay *parent; /* read-only parent overlay, or NULL */
    struct cpc_state *delta;          /* owned: accounts written through this overlay */
};

/* Start an overlay over a base state (parent NULL) or over a parent overlay (base NULL).
 * Returns 0 or CPC_ERR_NOMEM. Release with cpc_overlay_free. */
int cpc_overlay_init(struct cpc_overlay *ov, const struct cpc_state *base,
                     const struct cpc_overlay *parent);
/* Free ov->delta; the base/parent are untouched. */
void cpc_overlay_free(struct cpc_overlay *ov);
/* Lookup: own delta, then parent chain, then base. 0 or CPC_ERR_NOT_FOUND (*out zeroed). */
int cpc_overlay_get(const struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                    struct cpc_account *out);
/* Write into own delta. Returns 0 or CPC_ERR_NOMEM. */
int cpc_overlay_put(struct cpc_overlay *ov, const uint8_t addr[CPC_ADDR_HASH_LEN],
                    const struct cpc_account *acc);
/* Objects through the overlay chain: own delta (a tombstone there means
 * CPC_ERR_NOT_FOUND), then the parent chain, then the base. Same return codes as
 * the cpc_state_obj_* functions; put and del write into the own delta only
 * (del always records a tombstone). */
int cpc_overlay_obj_get(const struct cpc_overlay *ov, const uint8_t *key, size_t klen,
                        struct cpc_buf *out);
int cpc_overlay_obj_put(struct cpc_overlay *ov, const uint8_t *key, size_t klen,
                        const uint8_t *val, size_t vlen);
int cpc_overlay_obj_del(struct cpc_overlay *ov, const uint8_t *key, size_t klen);
/* Merge child's delta (accounts, objects and tombstones) into its parent overlay's
 * delta (child->parent must be `parent`, passed non-const). Returns 0 or
 * CPC_ERR_NOMEM. Child stays valid; free it after. */
int cpc_overlay_commit(struct cpc_overlay *parent, const struct cpc_overlay *child);
/* State root of the overlay's full view (base + all deltas) without merging.
 * Returns 0 or CPC_ERR_NOMEM. */
int cpc_overlay_root(const struct cpc_overlay *ov, uint8_t root[32]);
/* Steal the delta (accounts, objects, tombstones; caller owns and frees it);
 * ov->delta becomes a fresh empty delta. Returns NULL on OOM. */
struct cpc_state *cpc_overlay_take_delta(struct cpc_overlay *ov);

#endif
