/* routes_worker.h — the worker protocol and the market read API of cpcd
 * (routes_worker.c): signed lease long-poll, heartbeats, status, and
 * JSON views of jobs, tasks and workers. Rows are listed in routes.c. */
#ifndef CPC_NODE_ROUTES_WORKER_H
#define CPC_NODE_ROUTES_WORKER_H

#include <stdbool.h>

#include "../http/httpd.h"
#include "heartbeat_body.h"
#include "scheduler.h"

#define CPC_LEASE_MAX_WAIT_MS 25000
#define CPC_BLOB_MAX (16u << 20) /* a blob's bytes (blobs.h serves them) */

/* Bodies of the signed worker calls, parsed strictly (jansson, duplicate and
 * unknown keys rejected, wrong types and ranges refused); an empty body is {}.
 * Exposed for the handlers below, tests and fuzzing. Both return 0,
 * CPC_ERR_INVALID with err->msg as the 400 answer says it (*bad_json true when
 * the body is not a JSON object: code "invalid_json", else "invalid_argument"),
 * or CPC_ERR_NOMEM. */
struct cpc_lease_req {
    uint32_t max_tasks;   /* 1..CPC_SCHED_MAX_PER_CALL, default 1 */
    uint32_t wait_ms;     /* 0..CPC_LEASE_MAX_WAIT_MS, default 0 */
};
int cpc_worker_lease_parse(const void *body, size_t len, struct cpc_lease_req *out,
                           bool *bad_json, struct cpc_err *err);

struct cpc_rental_report;
struct cpc_heartbeat_req {
    json_t *progress;             /* owned reference, NULL when absent; checked by the scheduler */
    struct cpc_sched_load load;   /* loads >= 0, gpu_temp_c in -100..300, matmul_backend checked */
    struct cpc_hb_machine machine; /* uptime_s and gpus (heartbeat_body.h) */
    struct cpc_rental_report *reports; /* "rentals" (rental_orders.h), malloc'd; NULL when none */
    size_t n_reports;
};
/* On success out->progress and out->reports must be released with
 * cpc_worker_heartbeat_req_clear. */
int cpc_worker_heartbeat_parse(const void *body, size_t len, struct cpc_heartbeat_req *out,
                               bool *bad_json, struct cpc_err *err);
void cpc_worker_heartbeat_req_clear(struct cpc_heartbeat_req *r);
/* {"task_ids":[uuid,...]} (1..64). On success *ids (malloc'd, caller frees) holds *n ids. */
int cpc_worker_release_parse(const void *body, size_t len, uint8_t (**ids)[16], size_t *n,
                             bool *bad_json, struct cpc_err *err);

/* POST /worker/lease {"max_tasks":1..64,"wait_ms":0..25000} (signed) */
void cpc_h_worker_lease(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /worker/heartbeat {"progress"?,"cpu_load"?,"gpu_load"?,"ram_used_mb"?,"gpu_temp_c"?,
 * "matmul_backend"?,"uptime_s"?,"gpus"?,"rentals"?} (signed); the answer carries
 * "rentals" and "rentals_complete" when the node has a platform (rental_orders.h) */
void cpc_h_worker_heartbeat(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /worker/release {"task_ids":[uuid, ...]} (1..64 ids; signed) */
void cpc_h_worker_release(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /worker/status (signed) */
void cpc_h_worker_status(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /market/task/{task_id}, /market/job/{job_id}, /market/job/{job_id}/resources,
 * /market/worker/{address} */
void cpc_h_market_task(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_job(struct cpc_http_req *req, struct cpc_http_res *res);
/* The job the path's first parameter names (64 hex) into id and *job (the
 * caller's storage; nothing to free). 0, or -1 with res answered: 400 for a
 * bad id, 404 for an unknown job, else the store's error. */
struct cpc_job;
int cpc_market_path_job(struct cpc_http_req *req, struct cpc_http_res *res, uint8_t id[32],
                        struct cpc_job *job);
void cpc_h_market_job_resources(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_worker(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /market/synthetic: {"enabled":false} or the params + enabled, height */
void cpc_h_market_synthetic(struct cpc_http_req *req, struct cpc_http_res *res);

#endif
