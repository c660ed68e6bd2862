/* routes_job_txs.h — GET /market/job/{job_id}/txs: the committed market txs
 * of a job by its id (routes_job_txs.c). The row is listed in routes.c. */
#ifndef CPC_NODE_ROUTES_JOB_TXS_H
#define CPC_NODE_ROUTES_JOB_TXS_H

#include "../http/httpd.h"

/* GET /market/job/{job_id}/txs?limit=1..200: {"job_id","count","truncated","txs":[…]}, the
 * job's JOB_CREATE, JOB_CANCEL and the SUBMIT_RESULT / REVEAL / RESULT_REVEAL
 * / VERDICT txs naming its tasks, newest first (cpc_store_job_txs), each with "height",
 * "index","status","error","gas_used","fee". Public, read-only; 400 for a bad id or
 * limit, 404 for an unknown job. */
void cpc_h_market_job_txs(struct cpc_http_req *req, struct cpc_http_res *res);

#endif
