/* scheduler.h — the node's task scheduler (off chain, in memory).
 *
 * Rebuilt from the committed state at start (cpc_scheduler_rebuild walks the
 * 'J', 'T' and 'W' objects) and kept current after every committed block from
 * the block's delta (cpc_scheduler_on_block). It never writes the chain: it
 * decides which worker may work on which task and for how long (a lease, which
 * the worker API signs with the validator key so the chain can check it).
 *
 * Rules:
 *  - queue order: job priority high > normal > low, then age (job created
 *    height, then job id), then task index;
 *  - a task of an ACTIVE job is leasable while its status is OPEN (tasks
 *    without a record are OPEN) and results + live leases < replication;
 *  - requirements: the worker record's gpu_model (exact, when the job names
 *    one), vram_gb >= min_vram_gb, cpu_cores >= min_cpu_cores; a worker without
 *    a 'W' record gets CPC_ERR_UNAUTHORIZED ("register first with WORKER_REGISTER");
 *  - leases: expires = committed height + lease_blocks; a lease whose expires <=
 *    the committed height is dropped and its task is leasable again (failover);
 *  - replicas on distinct workers: never two leases of one task to one worker,
 *    never a task to a worker that already has a result in its record;
 *  - reputation: workers long-polling for work (waiters) are served best
 *    cpc_worker_score first; a worker below score_floor gets at most 1 task per call;
 *  - stake: a worker leases only while bonded (no WORKER_DEREGISTER) with at least
 *    min_worker_stake locked; else a lease call answers CPC_ERR_INSUFFICIENT_STAKE
 *    or CPC_ERR_INVALID (deregistering) naming why. A record whose lock fell below
 *    the minimum loses its live leases (the chain refuses its results); a
 *    deregistering one keeps them (its in-flight results are still taken);
 *  - limits: job_parallelism live leases per job; per worker
 *    cpc_worker_lease_cap(record, min_worker_stake, worker_max_leases) (market.h:
 *    grows with locked stake and reputation, docs/market.md "Scheduler limits");
 *  - liveness: a worker not heard from (heartbeat or lease call) for
 *    heartbeat_timeout_ms is offline and its leases are released.
 *
 * Long-poll: cpc_scheduler_lease with wait=true registers a waiter when
 * nothing can be leased now; whenever tasks become leasable (a block, an expiry,
 * a release) waiters are served in score order into their mailbox, and the
 * notify callback is called so the HTTP layer resumes them;
 * they take their leases with cpc_scheduler_collect, or give up with
 * cpc_scheduler_cancel (undelivered leases are released).
 *
 * Thread-safe: one mutex guards everything. The notify callback runs under
 * it (so clearing it is final) and must not call back into the scheduler.
 */
#ifndef CPC_NODE_SCHEDULER_H
#define CPC_NODE_SCHEDULER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/market.h"
#include "../core/state.h"

#define CPC_SCHED_MAX_PER_CALL 64

struct cpc_scheduler_opts {
    uint32_t lease_blocks;          /* default 30 */
    uint32_t job_parallelism;       /* default 64 live leases per job */
    uint32_t worker_max_leases;     /* default 8 live leases per worker */
    uint32_t score_floor;           /* default 500 (per mille); below: 1 task per call */
    uint64_t heartbeat_timeout_ms;  /* default 30000 (3 missed 10 s heartbeats) */
    uint64_t min_worker_stake;      /* the chain's params.min_worker_stake; default
                                     * CPC_DEFAULT_MIN_WORKER_STAKE */
    /* Wall clock in ms (default CLOCK_REALTIME); tests pass a fake one. */
    uint64_t (*clock_ms)(void *arg);
    void *clock_arg;
};

/* One lease handed to a worker. */
struct cpc_sched_lease {
    uint8_t task_id[16];
    uint8_t job_id[32];
    uint32_t index;
    uint64_t expires;               /* last height at which its result is accepted */
    uint8_t seed[32];               /* task seed (see cpc_sched_task_seed) */
    struct cpc_contract contract;   /* the job's contract (kind, params, reward) */
};

struct cpc_scheduler;

#define CPC_SCHED_MAX_WORKER_LEASES 4096u   /* config bound on worker_max_leases */
#define CPC_SCHED_MAX_JOB_PARALLELISM 100000u /* config bound on job_parallelism */

/* Zero o, then read HOME/config [market]: worker_max_leases (1..4096) and
 * job_parallelism (1..100000); an absent key keeps the default (0). A missing
 * file is no error. Returns 0, CPC_ERR_INVALID (bad value) or CPC_ERR_IO. */
int cpc_scheduler_opts_load(struct cpc_scheduler_opts *o, const char *home,
                            struct cpc_err *err);

/* opts NULL or zero fields = defaults. NULL on OOM. */
struct cpc_scheduler *cpc_scheduler_new(const struct cpc_scheduler_opts *opts);
/* NULL accepted. Pending waiters are dropped. */
void cpc_scheduler_free(struct cpc_scheduler *s);

/* Called (under the scheduler's lock: it must not call the scheduler) when
 * waiters have leases to collect. fn NULL clears it; after that returns it is
 * never called again. */
void cpc_scheduler_set_notify(struct cpc_scheduler *s, void (*fn)(void *arg), void *arg);

/* Forget everything and load the ACTIVE jobs, their task records and the workers
 * of st (a committed state) at height. Returns 0, CPC_ERR_NOMEM, or CPC_ERR_INVALID
 * for a corrupt record (message names the key). */
int cpc_scheduler_rebuild(struct cpc_scheduler *s, const struct cpc_state *st, uint64_t height,
                          struct cpc_err *err);
/* A block at height was committed with this delta (objects: 'J', 'T', 'W'; a
 * tombstone or a job that is no longer ACTIVE removes; DONE/COMMITTED/CLOSED
 * tasks are not leasable). Then expires leases and serves waiters.
 * Corrupt records are skipped. Returns 0 or CPC_ERR_NOMEM. */
int cpc_scheduler_on_block(struct cpc_scheduler *s, const struct cpc_state *delta,
                           uint64_t height);
/* Release the leases of workers silent for longer than heartbeat_timeout_ms, then
 * serve waiters. Also run by on_block, lease and heartbeat. */
void cpc_scheduler_tick(struct cpc_scheduler *s);

/* Lease up to max (1..CPC_SCHED_MAX_PER_CALL) tasks to worker. *out (malloc'd,
 * caller frees; NULL when *n is 0) receives the leases, *height the committed
 * height. When none is available and wait is true, a waiter is registered and
 * *waiter (non-zero) names it; otherwise *waiter is 0.
 * Returns 0, CPC_ERR_UNAUTHORIZED (not registered), CPC_ERR_INSUFFICIENT_STAKE (locked
 * stake below the minimum), CPC_ERR_INVALID (max, or the worker is deregistering),
 * CPC_ERR_NOMEM. */
int cpc_scheduler_lease(struct cpc_scheduler *s, const uint8_t worker[CPC_ADDR_HASH_LEN],
                        uint32_t max, bool wait, struct cpc_sched_lease **out, size_t *n,
                        uint64_t *height, uint64_t *waiter, struct cpc_err *err);
/* Take what a waiter received. *n 0 = nothing yet (the waiter stays). When *n > 0
 * the waiter is gone. Returns 0, CPC_ERR_NOT_FOUND (unknown waiter) or CPC_ERR_NOMEM. */
int cpc_scheduler_collect(struct cpc_scheduler *s, uint64_t waiter, struct cpc_sched_lease **out,
                          size_t *n, uint64_t *height);
/* Drop a waiter (unknown id: no-op); leases it received but never collected are released. */
void cpc_scheduler_cancel(struct cpc_scheduler *s, uint64_t waiter);

/* Heartbeat: marks the worker alive and records its load; progress (may be NULL)
 * is an object {task_id uuid: percent 0..100} for tasks it holds (others ignored).
 * Returns 0, CPC_ERR_UNAUTHORIZED (not registered) or CPC_ERR_INVALID (bad progress). */
#define CPC_SCHED_BACKEND_MAX 47 /* bytes of matmul_backend, NUL not counted */
struct cpc_sched_load {
    double cpu_load, gpu_load, gpu_temp_c;
    uint64_t ram_used_mb;
    char matmul_backend[CPC_SCHED_BACKEND_MAX + 1]; /* "" or e.g. "onednn avx512_core_vnni" */
};
int cpc_scheduler_heartbeat(struct cpc_scheduler *s, const uint8_t worker[CPC_ADDR_HASH_LEN],
                            const json_t *progress, const struct cpc_sched_load *load,
                            size_t *n_leases, struct cpc_err *err);

/* The worker gives leases back (it stopped before finishing them): each of its
 * live leases on one of the n task ids is dropped and the task is leasable
 * again at once (ids it does not hold are ignored). Marks the worker alive.
 * *released (may be NULL) = leases dropped. Returns 0 or CPC_ERR_UNAUTHORIZED
 * (not registered). The signed lease stays valid on chain until it expires. */
int cpc_scheduler_release(struct cpc_scheduler *s, const uint8_t worker[CPC_ADDR_HASH_LEN],
                          const uint8_t (*task_ids)[16], size_t n, size_t *released,
                          struct cpc_err *err);

/* JSON views (new references; NULL on OOM or, for the job, when it is unknown). */
/* {"job_id","height","leases":N,"workers":[{"address","score","tasks":[{"task_id","index","expires","progress"}]}]} */
json_t *cpc_scheduler_job_resources(struct cpc_scheduler *s, const uint8_t job_id[32]);
/* {"address","registered","online","score","lease_cap","last_seen_ms","load":{...},"leases":[...]} */
json_t *cpc_scheduler_worker_status(struct cpc_scheduler *s,
                                    const uint8_t worker[CPC_ADDR_HASH_LEN]);
/* Whether worker is registered and was heard from (heartbeat, lease or release call)
 * within heartbeat_timeout_ms, as "online" in cpc_scheduler_worker_status. */
bool cpc_scheduler_worker_online(struct cpc_scheduler *s,
                                 const uint8_t worker[CPC_ADDR_HASH_LEN]);
/* Replace the clock (tests move it instead of sleeping); fn NULL = the wall clock. arg is
 * borrowed until the next call or cpc_scheduler_free. */
void cpc_scheduler_set_clock(struct cpc_scheduler *s, uint64_t (*fn)(void *arg), void *arg);
/* Find a live lease of a task: 0 with job id and index, else CPC_ERR_NOT_FOUND. */
int cpc_scheduler_find_task(struct cpc_scheduler *s, const uint8_t task_id[16],
                            uint8_t job_id[32], uint32_t *index);

/* Counters for tests and metrics. */
struct cpc_sched_stats {
    uint64_t height;
    size_t jobs, workers, leases, waiters;
};
void cpc_scheduler_stats(struct cpc_scheduler *s, struct cpc_sched_stats *out);

/* Seed handed to the worker: hashpow cpc_hashpow_task_seed, matmul
 * cpc_matmul_task_seed; vanity and exec (no seed of their own) the hashpow
 * derivation, a per-task value a vanity search may start from. */
void cpc_sched_task_seed(uint8_t out[32], const struct cpc_job *job, uint32_t index);

#endif
