/* routes_workers.h — GET /market/workers, the public leaderboard of the
 * registered workers (routes_workers.c). The row is listed in routes.c. */
#ifndef CPC_NODE_ROUTES_WORKERS_H
#define CPC_NODE_ROUTES_WORKERS_H

#include "../http/httpd.h"

/* GET /market/workers?sort=reputation|tasks|stake&limit=1..100&offset=0..1000000:
 * the scheduler's registered workers ranked (scheduler_workers.h), public and
 * read-only. Bad query values answer 400 invalid_argument naming the field. */
void cpc_h_market_workers(struct cpc_http_req *req, struct cpc_http_res *res);

#endif
