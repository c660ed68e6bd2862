/* agent_internal.h — private state of the agent, shared by agent.c (loop,
 * submit, reveal), agent_state.c (the state file) and agent_compute.c
 * (running a task on an executor). Not for other files. */
#ifndef CPC_WORKER_AGENT_INTERNAL_H
#define CPC_WORKER_AGENT_INTERNAL_H

#include <jansson.h>
#include <pthread.h>

#include "../common/node_client.h"
#include "agent.h"
#include "devices.h"
#include "exec_cuda.h"
#include "exec_pool.h"
#include "executor.h"
#include "gpu_standin.h"
#include "wk_node.h"
#include "wk_report.h"
#include "agent_rentals.h"

enum wk_phase {
    PH_LEASED = 0,     /* leased (or synthetic: chosen), not computed yet */
    PH_COMPUTED = 1,   /* result known, SUBMIT_RESULT not signed yet */
    PH_SUBMITTED = 2,  /* SUBMIT_RESULT signed (tx saved) and posted */
    PH_COMMITTED = 3,  /* matmul/synthetic: commit included, REVEAL due;
                        * exec: commitment included, RESULT_REVEAL due once the
                        * task's commit window closed */
    PH_REVEALED = 4,   /* REVEAL / RESULT_REVEAL signed (tx saved) and posted */
};

struct wk_item {
    struct cpc_wk_task t;
    json_t *lease_json;           /* the node's lease task (persisted); NULL for synthetic */
    bool synthetic;
    uint64_t synth_height;        /* synthetic: the height whose hash seeds it */
    enum wk_phase phase;
    uint64_t checkpoint;          /* hashpow/vanity: candidates already searched */
    uint8_t result[64];
    size_t result_len;
    uint8_t salt[32];             /* exec: the commitment's secret (persisted before the
                                   * commitment is posted; all zero = not drawn yet) */
    bool has_salt;
    json_t *tx;                   /* the signed tx of this phase (owned) */
    uint8_t tx_hash[32];
    uint64_t commit_height;
    double next_check;            /* monotonic s: when to poll the node again */
};

/* Every wait and timeout of the agent, in ms (agent.c holds the default;
 * the long-poll and heartbeat periods are options, struct cpc_wk_opts). */
struct wk_timings {
    unsigned node_timeout_ms;      /* the loop's HTTP timeout on top of the lease long-poll */
    unsigned heartbeat_timeout_ms; /* the heartbeat connection's HTTP timeout */
    unsigned backoff_base_ms;      /* first wait when the node is away (doubled per try) */
    unsigned backoff_max_ms;       /* the longest such wait (before the +-50% jitter) */
    unsigned status_ms;            /* the chain's height is fetched at most this often */
    unsigned synthetic_wait_ms;    /* the longest lease long-poll while synthetic work is on */
    unsigned idle_ms;              /* the loop's pause while it waits on blocks */
    unsigned lease_error_ms;       /* the pause after a lease the node refused */
    unsigned sleep_step_ms;        /* wk_sleep looks at the stop flag this often */
    unsigned progress_ms;          /* the running task's progress is drawn this often */
    unsigned chunk_fast_ms;        /* a search chunk done quicker doubles the next one */
    unsigned retry_ms;             /* posting txs or looking one up failed: again after */
    unsigned tx_check_ms;          /* a posted tx, or replicas still computing: look after */
    unsigned challenge_wait_ms;    /* the node has not drawn a challenge: ask again after */
};

struct wk_agent {
    const struct cpc_wk_opts *o;
    const struct wk_timings *tm;  /* the waits (agent.c's default) */
    struct cpc_key key;
    char address[CPC_ADDR_STR_MAX];
    char dir[CPC_PATH_MAX];       /* HOME/worker/ADDRESS */
    struct cpc_wk_node *node;     /* the loop's client */
    struct cpc_signer *signer;
    struct cpc_wk_report *rep;
    struct cpc_wk_devices dev;
    struct cpc_chain_info chain;
    struct wk_item *items;
    size_t n_items, cap_items;
    uint64_t next_nonce, done, earned, balance;
    bool have_balance;
    atomic_int *stop;
    /* executors: one per GPU used and the CPU's (exec_pool.h); each has its
     * task's cancel flag, progress and id. The stand-in backend (a test
     * double: no GPU here) replaces CUDA when CPC_WK_STANDIN_GPUS is set. */
    struct wk_pool pool;
    struct wk_standin standin;
    bool standin_on;
    pthread_mutex_t state_mu;     /* during a wave: items' results and checkpoints, saves */
    /* heartbeat thread */
    pthread_t hb;
    bool hb_started;
    pthread_mutex_t mu;           /* guards running_* and hb_quit */
    pthread_cond_t cv;
    bool hb_quit;
    char running_id[37];          /* always "": the executors' tasks are in pool */
    double running_pct;
    /* rentals (agent_rentals.h): NULL when this worker provisions nothing */
    struct wk_rentals *rentals;
    bool rentals_warned;
    /* synthetic */
    bool synth_enabled;
    uint32_t synth_n, synth_challenges;
    uint64_t synth_reward, synth_last_height;
    unsigned backoff_n;
    /* leasing: tasks asked per call, halved when a lease ran out before its task
     * was done, doubled (up to --max-tasks) when a batch finished in time */
    unsigned lease_n;
    bool batch_expired;
    /* searches whose lease ran out: their progress (and result) is kept for
     * when the node leases the same task again (a search's answer is the
     * lowest hit, the same whoever computes it and whenever) */
    struct wk_memo {
        uint8_t task_id[16];
        uint64_t checkpoint;
        uint8_t result[64];
        size_t result_len;        /* 0 = not found yet */
    } memo[16];
    unsigned memo_next;
};

/* agent.c: remember a search's progress when its lease is lost (hashpow and
 * vanity only); restore it into a newly leased item of the same task. */
void wk_memo_keep(struct wk_agent *a, const struct wk_item *it);
void wk_memo_restore(struct wk_agent *a, struct wk_item *it);

/* Sleep up to ms, waking early when a stop is requested. */
void wk_sleep(struct wk_agent *a, unsigned ms);

/* agent.c: helpers for agent_txs.c */
bool wk_transport_error(int rc);               /* worth a retry: the node is away or busy */
void wk_refresh_balance(struct wk_agent *a);   /* balance from the node into the totals */
json_t *wk_task_fields(const struct wk_item *it); /* {"task_id","kind","reward"}, new ref */

/* agent_txs.c: one pass each; 0 or a transport error (retry later) or CPC_ERR_NOMEM. */
int wk_submit_results(struct wk_agent *a, struct cpc_err *err); /* sign + post COMPUTED */
int wk_reveal_due(struct wk_agent *a, struct cpc_err *err);     /* REVEAL / RESULT_REVEAL the COMMITTED */
int wk_poll_txs(struct wk_agent *a, struct cpc_err *err);       /* follow posted txs */

/* agent_state.c */
int wk_state_load(struct wk_agent *a, struct cpc_err *err);
int wk_state_save(struct wk_agent *a, struct cpc_err *err);
void wk_item_clear(struct wk_item *it);
/* Remove item i (its leaves file too). */
void wk_item_drop(struct wk_agent *a, size_t i);
/* Append a new item (zeroed); NULL on OOM. The pointer is valid until the next add. */
struct wk_item *wk_item_add(struct wk_agent *a);
int wk_leaves_path(const struct wk_agent *a, const struct wk_item *it, char *out, size_t cap);
/* exec: where the output waits for its upload with the reveal (TASK_ID.out). 0 or -1. */
int wk_output_path(const struct wk_agent *a, const struct wk_item *it, char *out, size_t cap);

#define WK_MAX_OUTPUT (16u << 20) /* an exec output's size limit (a blob's on the node) */

/* agent_compute.c: run item (PH_LEASED) to PH_COMPUTED on executor ex.
 * Returns 0, CPC_ERR_CANCELLED (stopped: checkpoint saved), or an error
 * (task unusable, or ex's GPU failed: wk_exec_device_error). Runs on ex's
 * thread during a wave: item fields it sets and state saves go under
 * state_mu. */
int wk_compute(struct wk_agent *a, struct wk_item *it, struct wk_executor *ex,
               struct cpc_err *err);
/* agent_compute.c: run every leased item at once on the executors (a wave,
 * exec_pool.h), drop those whose lease ran out first, give back those no
 * executor can run or that failed. Returns 0, or an error that ends the
 * agent (the state file cannot be saved); *leave when a stop cancelled a
 * running task. */
int wk_compute_wave(struct wk_agent *a, bool *leave, struct cpc_err *err);
/* agent_compute.c: the heartbeat's executor fields into body: each running
 * task's progress, and `gpus` (docs/worker.md) when a GPU is in use. */
void wk_heartbeat_executors(struct wk_agent *a, json_t *body);
/* agent_compute.c: the pool's start-up (its GPUs' self-checks), reported. */
void wk_pool_announce(struct wk_agent *a);

#endif
