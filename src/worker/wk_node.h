/* wk_node.h — the worker's side of the worker protocol (docs/api.md, "Worker
 * protocol"): signed calls (lease long-poll, heartbeat, release) and the
 * leased task as the node describes it.
 *
 * A struct cpc_wk_node is one keep-alive HTTP client plus the worker key; it
 * signs each request with a strictly increasing millisecond timestamp (two
 * identical requests in one millisecond would otherwise be a replay). Use one
 * per thread.
 */
#ifndef CPC_WORKER_WK_NODE_H
#define CPC_WORKER_WK_NODE_H

#include <jansson.h>
#include <stdint.h>

#include "../common/http_client.h"
#include "../common/keyring.h"
#include "../core/err.h"
#include "../core/market.h"

struct cpc_wk_node;

/* New client for url signing with key (copied; wiped on free). timeout_ms: per
 * request (0 = 30 s; a lease long-poll needs more than its wait_ms). NULL on OOM. */
struct cpc_wk_node *cpc_wk_node_new(const char *url, const struct cpc_key *key, long timeout_ms);
/* NULL accepted. */
void cpc_wk_node_free(struct cpc_wk_node *n);
/* The underlying client, for unsigned calls (node_client.h). Owned by n. */
struct cpc_http *cpc_wk_node_http(struct cpc_wk_node *n);

/* A signed JSON call: body (borrowed, may be NULL = "{}"), *out (new reference,
 * may be NULL) on 2xx. Errors as cpc_http_json. */
int cpc_wk_node_signed(struct cpc_wk_node *n, const char *method, const char *path,
                       const json_t *body, json_t **out, long *status, struct cpc_err *err);

/* A signed raw call (PUT /blobs/{sha256}): body (borrowed, body_len bytes, may
 * be NULL when 0) sent as content_type; *out (caller's, cpc_http_resp_free)
 * gets any answer. Errors as cpc_http_request. */
int cpc_wk_node_signed_raw(struct cpc_wk_node *n, const char *method, const char *path,
                           const void *body, size_t body_len, const char *content_type,
                           struct cpc_http_resp *out, struct cpc_err *err);

/* A leased task (one element of POST /worker/lease's "tasks"). */
struct cpc_wk_task {
    uint8_t task_id[16];
    char task_id_s[37];
    uint8_t job_id[32];
    uint32_t index;
    enum cpc_job_kind kind;
    uint8_t seed[32];
    uint64_t reward;
    uint64_t lease_expires;      /* last height at which the result is accepted */
    uint8_t lease_sig[64];
    uint8_t lease_in_set;        /* 1: the signature covers a lease set (market.h) */
    struct cpc_lease_set_ref lease_set; /* this task's place in it, when lease_in_set */
    union {
        struct { unsigned bits; } hashpow;
        struct { uint32_t m, k, n, challenges; } matmul;
        struct { uint8_t pubkey[CPC_PUBKEY_LEN]; char prefix[CPC_VANITY_MAX_PREFIX + 1]; } vanity;
        struct {
            uint8_t app[32];
            uint8_t inputs[CPC_MAX_EXEC_INPUTS][32];
            unsigned n_inputs, timeout_s, memory_mb;
        } exec;
    } p;
};

/* Parse one lease task. Returns 0 or CPC_ERR_INVALID naming the bad field. */
int cpc_wk_task_from_json(struct cpc_wk_task *t, const json_t *j, struct cpc_err *err);

/* The same task back in the node's shape (for the state file): new reference, NULL on OOM. */
json_t *cpc_wk_task_to_json(const struct cpc_wk_task *t);

/* POST /worker/lease {"max_tasks","wait_ms"}. *tasks (malloc'd, caller frees;
 * NULL when *n is 0), *height = the node's committed height. */
int cpc_wk_lease(struct cpc_wk_node *n, unsigned max_tasks, unsigned wait_ms,
                 struct cpc_wk_task **tasks, size_t *count, uint64_t *height,
                 struct cpc_err *err);

/* POST /worker/release {"task_ids":[...]} (1..64 ids). */
int cpc_wk_release(struct cpc_wk_node *n, const uint8_t (*task_ids)[16], size_t count,
                   struct cpc_err *err);

#endif
