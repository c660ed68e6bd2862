/* routes_worker.h — the worker protocol and the market read API of cpcd
 * (routes_worker.c): signed lease long-poll, heartbeats, status, blobs, and
 * JSON views of jobs, tasks and workers. Rows are listed in routes.c. */
#ifndef CPC_NODE_ROUTES_WORKER_H
#define CPC_NODE_ROUTES_WORKER_H

#include "httpd.h"

#define CPC_LEASE_MAX_WAIT_MS 25000
#define CPC_BLOB_MAX (16u << 20)

/* POST /worker/lease {"max_tasks":1..64,"wait_ms":0..25000} (signed) */
void cpc_h_worker_lease(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /worker/heartbeat {"progress"?,"cpu_load"?,"gpu_load"?,"ram_used_mb"?,"gpu_temp_c"?} (signed) */
void cpc_h_worker_heartbeat(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /worker/status (signed) */
void cpc_h_worker_status(struct cpc_http_req *req, struct cpc_http_res *res);
/* PUT /blobs/{sha256} (raw body), GET /blobs/{sha256} */
void cpc_h_blob_put(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_blob_get(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /market/task/{task_id}, /market/job/{job_id}, /market/job/{job_id}/resources,
 * /market/worker/{address} */
void cpc_h_market_task(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_job(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_job_resources(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_market_worker(struct cpc_http_req *req, struct cpc_http_res *res);

#endif
