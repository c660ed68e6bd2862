/* routes_job_txs.c — GET /market/job/{job_id}/txs: who answered a job's tasks
 * and when. A task record keeps no worker once a plain result settled it, so
 * the explorer reads the answers from the committed txs that name the job's
 * tasks. The same store query serves the marketplace's job logs (by draft
 * id); here it is reached by the job id. Cost per call: the heights between
 * the job's creation and its deadline plus the reveal window, at most
 * CPC_JOB_TXS_SCAN candidate rows examined (then "truncated": true) and at
 * most CPC_JOB_TXS_MAX txs answered. */
#include "routes_job_txs.h"

#include "../core/market.h"
#include "../node/node.h"
#include "../store/store_market.h"
#include "routes_worker.h"

#define JOB_TXS_DEFAULT 100

void cpc_h_market_job_txs(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    uint8_t id[32];
    struct cpc_job job;
    uint64_t limit;
    if (cpc_http_req_query_uint(req, res, "limit", JOB_TXS_DEFAULT, 1, CPC_JOB_TXS_MAX, &limit) !=
            0 ||
        cpc_market_path_job(req, res, id, &job) != 0)
        return;
    uint64_t to = job.created_height + job.contract.deadline_blocks + CPC_REVEAL_WINDOW + 1;
    if (to < job.created_height)
        to = UINT64_MAX;
    json_t *txs = NULL;
    bool truncated = false;
    struct cpc_err err = {0};
    if (cpc_store_job_txs(n->store, id, job.contract.tasks, job.created_height, to,
                          (uint32_t)limit, &txs, &truncated, &err) != 0)
        return cpc_http_res_from_err(res, &err);
    json_t *o = json_pack("{s:s, s:I, s:b, s:o}", "job_id", req->params[0], "count",
                          (json_int_t)json_array_size(txs), "truncated", truncated, "txs", txs);
    if (!o)
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    cpc_http_res_json(res, 200, o);
}
