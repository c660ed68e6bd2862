/* routes_workers.c — GET /market/workers: the registered workers ranked by
 * reputation, accepted results or locked stake, a page at a time. Anyone may
 * call it (the records are public chain state); what one call costs is
 * bounded by the number of registered workers (scheduler_workers.h) and at
 * most CPC_SCHED_WORKERS_PAGE_MAX rows of JSON. */
#include "routes_workers.h"

#include <string.h>

#include "../node/node.h"
#include "scheduler_workers.h"

#define WORKERS_DEFAULT_LIMIT 50
#define WORKERS_MAX_OFFSET 1000000

void cpc_h_market_workers(struct cpc_http_req *req, struct cpc_http_res *res)
{
    struct cpc_node *n = req->app;
    const char *sort = cpc_http_req_query(req, "sort");
    enum cpc_sched_worker_order order = CPC_SCHED_BY_REPUTATION;
    if (sort && strcmp(sort, "tasks") == 0)
        order = CPC_SCHED_BY_TASKS;
    else if (sort && strcmp(sort, "stake") == 0)
        order = CPC_SCHED_BY_STAKE;
    else if (sort && strcmp(sort, "reputation") != 0)
        return cpc_http_res_error(res, 400, "invalid_argument",
                                  "sort must be reputation, tasks or stake");
    uint64_t limit, offset;
    if (cpc_http_req_query_uint(req, res, "limit", WORKERS_DEFAULT_LIMIT, 1,
                                CPC_SCHED_WORKERS_PAGE_MAX, &limit) != 0 ||
        cpc_http_req_query_uint(req, res, "offset", 0, 0, WORKERS_MAX_OFFSET, &offset) != 0)
        return;
    json_t *j = cpc_scheduler_workers_page(n->scheduler, order, (size_t)offset, (size_t)limit);
    if (!j || json_object_set_new(j, "sort", json_string(order == CPC_SCHED_BY_TASKS ? "tasks"
                                                         : order == CPC_SCHED_BY_STAKE
                                                             ? "stake"
                                                             : "reputation")) != 0) {
        json_decref(j);
        return cpc_http_res_error(res, 500, "out_of_memory", "out of memory");
    }
    cpc_http_res_json(res, 200, j);
}
