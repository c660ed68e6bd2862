/* exec_search.h — the chunk scheduler both searches (hashpow, vanity) share:
 * threads take chunks of a range in increasing order; a hit at offset t
 * lowers `best`, after which chunks above it are dropped. A taken chunk runs
 * to its end (or to best), so when best is set every chunk below it was
 * searched in full and best is the lowest hit: the answer a sequential scan
 * gives. Internal to the executors. */
#ifndef CPC_WORKER_EXEC_SEARCH_H
#define CPC_WORKER_EXEC_SEARCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "executor.h"

struct cpc__wk_search {
    const struct cpc_wk_ctl *ctl;
    uint64_t total, chunk;          /* offsets [0, total) in chunks of `chunk` */
    _Atomic uint64_t next_chunk;
    _Atomic uint64_t best;          /* lowest hit offset, UINT64_MAX = none */
    atomic_bool cancelled;
};

static inline void cpc__wk_search_init(struct cpc__wk_search *s, const struct cpc_wk_ctl *ctl,
                                       uint64_t total, uint64_t chunk)
{
    s->ctl = ctl;
    s->total = total;
    s->chunk = chunk;
    atomic_init(&s->next_chunk, 0);
    atomic_init(&s->best, UINT64_MAX);
    atomic_init(&s->cancelled, false);
}

/* The calling thread's next chunk [*lo, *hi); false when it should stop (the
 * range is done, a lower hit exists, or the ctl asks to cancel). */
static inline bool cpc__wk_search_next(struct cpc__wk_search *s, uint64_t *lo, uint64_t *hi)
{
    if (cpc_wk_cancelled(s->ctl)) {
        atomic_store(&s->cancelled, true);
        return false;
    }
    uint64_t c = atomic_fetch_add(&s->next_chunk, 1);
    if (s->total == 0 || c > (s->total - 1) / s->chunk)
        return false;
    *lo = c * s->chunk;
    if (*lo >= atomic_load(&s->best))
        return false;
    *hi = s->total - *lo > s->chunk ? *lo + s->chunk : s->total;
    return true;
}

/* A hit at offset off: best = min(best, off). */
static inline void cpc__wk_search_hit(struct cpc__wk_search *s, uint64_t off)
{
    uint64_t b = atomic_load(&s->best);
    while (off < b && !atomic_compare_exchange_weak(&s->best, &b, off))
        ;
}

/* Run fn(arg) on min(threads, chunks) threads, the caller being one of them;
 * returns when all are done (fewer threads when pthread_create fails). */
void cpc__wk_run_threads(unsigned threads, uint64_t chunks, void *(*fn)(void *), void *arg);

#endif
