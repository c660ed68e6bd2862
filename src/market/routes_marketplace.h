/* routes_marketplace.h — the platform's Marketplace REST API (docs/market.md),
 * routes_marketplace.c. Rows are listed in cpcd/routes.c.
 *
 * A job starts as a draft (SQLite, store_market.h): POST /marketplace/jobs
 * sizes and prices the request (market_quote.h) and stores the resulting
 * kind-level contract with its quote. The customer then signs a JOB_CREATE
 * carrying exactly that contract and posts it to .../confirm: it enters the
 * mempool like POST /tx and the job id is that tx's hash. Requests that
 * create or change drafts may carry the signed-request headers (req_sign.h):
 * the draft's owner is then that address, and only the owner may confirm or
 * cancel it (403). Anonymous drafts are allowed: the signed tx is the
 * authority, and its sender becomes the owner at confirm.
 */
#ifndef CPC_NODE_ROUTES_MARKETPLACE_H
#define CPC_NODE_ROUTES_MARKETPLACE_H

#include "../http/httpd.h"

#define CPC_MP_BODY_MAX (64 * 1024)
#define CPC_MP_QUEUE_DEFAULT 50
#define CPC_MP_QUEUE_MAX 500

/* POST /marketplace/jobs: high-level form or kind-level contract -> 201 draft */
void cpc_h_mp_jobs_post(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /marketplace/jobs?owner=ADDR&limit=&offset= */
void cpc_h_mp_jobs_list(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /marketplace/jobs/{id}: the draft, and the on-chain job once confirmed */
void cpc_h_mp_job_get(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /marketplace/jobs/{id}/quote */
void cpc_h_mp_job_quote(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /marketplace/jobs/{id}/confirm {"tx": signed JOB_CREATE} */
void cpc_h_mp_job_confirm(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /marketplace/jobs/{id}/logs?limit= : the job's on-chain market txs */
void cpc_h_mp_job_logs(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /marketplace/jobs/{id}/resources: the scheduler's view */
void cpc_h_mp_job_resources(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /marketplace/jobs/{id}/cancel ({"tx": signed JOB_CANCEL} once confirmed) */
void cpc_h_mp_job_cancel(struct cpc_http_req *req, struct cpc_http_res *res);
/* POST /marketplace/jobs/{id}/extend ({"tx": signed JOB_EXTEND} of a confirmed job) */
void cpc_h_mp_job_extend(struct cpc_http_req *req, struct cpc_http_res *res);
/* GET /marketplace/cluster/status, /marketplace/pricing, /marketplace/queue?limit= */
void cpc_h_mp_cluster_status(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_mp_pricing(struct cpc_http_req *req, struct cpc_http_res *res);
void cpc_h_mp_queue(struct cpc_http_req *req, struct cpc_http_res *res);

#endif
