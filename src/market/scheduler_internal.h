/* scheduler_internal.h — the scheduler's private types, shared by
 * scheduler.c (queue, leases, updates) and scheduler_views.c (JSON views and
 * statistics), and its tiny hash map (sched_map.c). Not for other files. */
#ifndef CPC_NODE_SCHEDULER_INTERNAL_H
#define CPC_NODE_SCHEDULER_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler.h"

struct smap_ent {
    const uint8_t *key; /* NULL = empty */
    void *val;
};

struct smap {
    struct smap_ent *e;
    size_t cap, n; /* cap is a power of two */
    size_t klen;
};

/* Lookup; NULL if absent. */
void *cpc__smap_get(const struct smap *m, const uint8_t *key);
/* Insert; key must not be present and must stay valid while stored (it points into val).
 * Returns 0 or CPC_ERR_NOMEM. */
int cpc__smap_put(struct smap *m, const uint8_t *key, void *val);
/* Remove key if present. */
void cpc__smap_del(struct smap *m, const uint8_t *key);

/* ------------------------------------------------------------------ */
/* Types                                                               */

struct slot {
    uint8_t status;      /* enum cpc_task_status */
    uint8_t n_results;
    uint8_t n_leases;    /* live leases */
    uint8_t has_holder;  /* holder is set */
    uint32_t attempts;   /* rejected results so far (from the task record) */
    uint8_t (*res)[CPC_ADDR_HASH_LEN]; /* result workers (heap) or NULL */
    /* Hint: the worker last granted a lease on this task. Only a shortcut for
     * drop_task_leases (the common case is one live lease); it may be stale,
     * which costs the full scan it replaces, never a wrong answer. */
    uint8_t holder[CPC_ADDR_HASH_LEN];
};

struct sjob {
    struct cpc_job rec;
    struct slot *slots;  /* rec.contract.tasks */
    uint32_t scan_from;
    uint32_t n_leases;
};

struct lease_ent {
    struct sjob *job;
    uint32_t index;
    uint8_t task_id[16];
    uint64_t expires;
    int progress;        /* -1 = none reported */
};

struct sworker {
    struct cpc_worker rec; /* rec.addr is the map key */
    uint64_t last_seen_ms;
    int has_load;
    struct cpc_sched_load load;
    struct lease_ent *leases;
    size_t n_leases, cap_leases;
};

struct waiter {
    uint64_t id;
    uint64_t seq;
    uint8_t addr[CPC_ADDR_HASH_LEN];
    uint32_t max;
    struct cpc_sched_lease *got;
    size_t n_got;
};

struct cpc_scheduler {
    pthread_mutex_t mu;
    struct cpc_scheduler_opts o;
    uint64_t height;
    struct smap jobs;     /* id -> struct sjob* */
    struct smap workers;  /* addr -> struct sworker* */
    struct sjob **order;  /* jobs in queue order */
    size_t n_order, cap_order;
    int order_dirty;
    struct waiter *waiters;
    size_t n_waiters, cap_waiters;
    uint64_t next_waiter;
    void (*notify)(void *);
    void *notify_arg;
};

/* The scheduler's clock (opts.clock_ms), in milliseconds. */
uint64_t cpc__sched_now_ms(struct cpc_scheduler *s);

/* Whether w was heard from within the heartbeat timeout at now (s->mu held). */
static inline bool cpc__sched_worker_online(const struct cpc_scheduler *s,
                                            const struct sworker *w, uint64_t now)
{
    return now <= w->last_seen_ms + s->o.heartbeat_timeout_ms;
}

#endif
