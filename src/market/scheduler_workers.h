/* scheduler_workers.h — the scheduler's list of registered workers, ranked
 * (scheduler_workers.c): what the public leaderboard GET /market/workers shows. */
#ifndef CPC_NODE_SCHEDULER_WORKERS_H
#define CPC_NODE_SCHEDULER_WORKERS_H

#include <jansson.h>
#include <stddef.h>

#include "scheduler.h"

enum cpc_sched_worker_order {
    CPC_SCHED_BY_REPUTATION, /* score, then accepted results, then address */
    CPC_SCHED_BY_TASKS,      /* accepted results, then score, then address */
    CPC_SCHED_BY_STAKE,      /* locked stake, then score, then address */
};

#define CPC_SCHED_WORKERS_PAGE_MAX 100u

/* The workers the scheduler knows (every 'W' record of the committed state),
 * ranked by `order` (a total order, so pages never overlap), the rows
 * [offset, offset + limit) with limit 1..CPC_SCHED_WORKERS_PAGE_MAX:
 *   {"height","total","offset","limit","workers":[{"address","score","accepted",
 *    "rejected","timed_out","pending","locked","status","online","last_seen_ms",
 *    "leases","registered_height","cpu_cores","gpu_model","gpu_count","vram_gb"}]}
 * status is "online", "offline" or "unbonding" (sent WORKER_DEREGISTER);
 * last_seen_ms is when the worker was last heard from (heartbeat, lease or
 * release call), or when the scheduler learned of its record (node start,
 * registration), as "online" counts it.
 * Cost: one pass over the w workers under the scheduler's lock copying a
 * small row each (O(w) time and memory), then a sort outside the lock
 * (O(w log w)) and limit rows of JSON. w is bounded by the chain: each
 * worker locked min_worker_stake to register.
 * Returns a new reference (the caller owns it), or NULL when out of memory. */
json_t *cpc_scheduler_workers_page(struct cpc_scheduler *s, enum cpc_sched_worker_order order,
                                   size_t offset, size_t limit);

#endif
