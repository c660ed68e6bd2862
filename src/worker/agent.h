/* agent.h — the provider agent's loop (`cpc-worker run`):
 *
 *   lease (long-poll) -> execute (checkpoints) -> submit SUBMIT_RESULT (batched
 *   POST /txs) -> matmul: REVEAL the challenged rows; exec: the SUBMIT_RESULT
 *   is a commitment to the result under a random salt, and RESULT_REVEAL
 *   opens it once every replica committed -> repeat; idle: the synthetic kind
 *   when the chain enables it.
 *
 * Crash safety: every step that matters is written to a small state file
 * (HOME/worker/ADDRESS/state.json, atomic rename + fsync) BEFORE it is acted
 * on: a leased task, a search checkpoint, a computed result (matmul: its row
 * leaves in TASK.leaves; exec: its salt), a signed tx before it is posted. After a crash or a
 * restart the agent resumes from the file: a signed tx is posted again as the
 * same bytes (same nonce, same hash), so the chain applies it at most once; a
 * result is never computed and signed twice under two nonces.
 *
 * Signals: the first SIGINT/SIGTERM stops leasing, finishes the running tasks,
 * submits them, releases leases not started, saves and exits; a second one
 * cancels the running tasks and releases their leases too. Unfinished reveals
 * stay in the state file for the next start.
 */
#ifndef CPC_WORKER_AGENT_H
#define CPC_WORKER_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/home.h"
#include "../common/keyring.h"
#include "../common/log.h"
#include "../core/err.h"
#include "exec_pool.h"
#include "executor.h"

struct cpc_wk_opts {
    char home[CPC_PATH_MAX];
    const char *node_url;        /* "http://127.0.0.1:8000" */
    unsigned threads;            /* 0 = all CPUs */
    struct wk_gpu_select gpus;   /* the GPUs to use, one executor each (exec_pool.h) */
    bool cpu;                    /* a CPU executor too */
    unsigned max_tasks;          /* tasks leased at once, 1..64; 0 = the larger of 4 and
                                  * the number of executors */
    bool once;                   /* one lease round (and its submits/reveals), then exit */
    bool synthetic;              /* idle-time synthetic work when the chain enables it */
    bool json;                   /* --json events */
    bool tty;                    /* stdout is a terminal: progress lines */
    enum cpc_log_level level;
    unsigned lease_wait_ms;      /* long-poll wait, default 5000 */
    unsigned heartbeat_ms;       /* default 5000 */
    enum cpc_wk_sandbox_mode sandbox; /* how exec tasks run (executor.h) */
};

/* Run until stop (see above). key: the worker key (borrowed; copied). stop:
 * 0 run, 1 finish the running task then exit, 2 cancel it too (set from a
 * signal handler). Returns 0 on a clean exit, else an error (unusable state
 * file, unregistered worker, ...). Connection failures are retried with
 * exponential backoff and jitter, never returned. */
int cpc_wk_agent_run(const struct cpc_wk_opts *o, const struct cpc_key *key, atomic_int *stop,
                     struct cpc_err *err);

#endif
