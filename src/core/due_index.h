/* due_index.h — the bookkeeping of a bucketed due-index in the state, shared
 * by the market's deadlines (slot = block height, market_deadlines.c) and the
 * rentals' settlements (slot = minute, rental_apply.c).
 *
 * An index holds, under its own key prefix: a cursor record (u64 slot, u32
 * entry: where block-end processing stopped), a count per slot (u32: entries
 * filed there), and the entries themselves in buckets of `bucket` per slot.
 * The entries' format and their processing stay with the caller; this file
 * reads and writes the cursor and the counts and deletes processed buckets.
 * Pure: state reads and writes through the overlay only. */
#ifndef CPC_CORE_DUE_INDEX_H
#define CPC_CORE_DUE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "market.h"
#include "state.h"

struct cpc_due_index {
    uint8_t cursor_key; /* the one-byte key of the cursor record */
    uint32_t bucket;    /* entries per bucket */
    /* the key of a slot's count, and of its bucket-th bucket; return the length */
    size_t (*count_key)(uint8_t key[CPC_KEY_MAX], uint64_t slot);
    size_t (*bucket_key)(uint8_t key[CPC_KEY_MAX], uint64_t slot, uint32_t bucket);
    const char *what;   /* names the index in error messages ("deadline") */
};

struct cpc_due_cursor {
    uint64_t slot;   /* the slot processing resumes at */
    uint32_t entry;  /* the first entry of that slot not yet processed */
    int present;     /* 0: no cursor record (no backlog) */
};

/* Read the cursor into *c (caller's; zeroed and present = 0 when absent).
 * Returns 0 or CPC_ERR_INTERNAL (corrupt record) or the read error. */
int cpc_due_cursor_get(const struct cpc_overlay *ov, const struct cpc_due_index *ix,
                       struct cpc_due_cursor *c, struct cpc_err *err);

/* Write the cursor *c (copied into the state). Returns 0 or an error. */
int cpc_due_cursor_put(struct cpc_overlay *ov, const struct cpc_due_index *ix,
                       const struct cpc_due_cursor *c, struct cpc_err *err);

/* Entries filed at slot into *count (0 when none). Returns 0 or an error. */
int cpc_due_count_get(const struct cpc_overlay *ov, const struct cpc_due_index *ix,
                      uint64_t slot, uint32_t *count, struct cpc_err *err);

/* Delete the buckets holding entries [from, end) of slot, and the slot's
 * count too when all is set. Returns 0 or CPC_ERR_NOMEM. */
int cpc_due_drop(struct cpc_overlay *ov, const struct cpc_due_index *ix, uint64_t slot,
                 uint32_t from, uint32_t end, int all, struct cpc_err *err);

#endif
